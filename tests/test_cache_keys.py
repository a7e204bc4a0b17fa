"""Caches key on everything the derivative depends on (environment.py, api._load):
closures over different callables, rebound globals (read live, as Python reads them),
rebound helpers, and registered rules."""

import importlib

import numpy as np
import pytest

import tangentlike as tl
from cache_modules import live_globals

X = np.array([0.1, 0.2, 0.3])


@pytest.fixture
def module(monkeypatch, tmp_path):
    monkeypatch.setenv("TANGENTLIKE_CACHE_DIR", str(tmp_path))
    return importlib.reload(live_globals)


def test_closures_over_different_callables_get_their_own_derivatives(module):
    np.testing.assert_allclose(tl.grad(module.make(np.sin))(X), np.cos(X))
    np.testing.assert_allclose(tl.grad(module.make(np.cos))(X), -np.sin(X))
    # and again in the other order, from the disk cache
    np.testing.assert_allclose(tl.grad(module.make(np.cos))(X), -np.sin(X))
    np.testing.assert_allclose(tl.grad(module.make(np.sin))(X), np.cos(X))


def test_rebound_data_globals_are_read_live(module):
    g = tl.grad(module.uses_globals)
    vg = tl.value_and_grad(module.uses_globals)
    np.testing.assert_allclose(g(X), module.W * 2.0 + 2 * X)
    module.SCALE = 3.0
    module.W = np.array([1.0, 1.0, 1.0])
    np.testing.assert_allclose(g(X), 3.0 + 2 * X)
    value, grad = vg(X)
    np.testing.assert_allclose(value, module.uses_globals(X))
    np.testing.assert_allclose(grad, 3.0 + 2 * X)


def test_a_rebound_helper_changes_the_derivative(module):
    g = tl.grad(module.uses_globals)
    np.testing.assert_allclose(g(X), module.W * 2.0 + 2 * X)
    module.helper = module.cube
    np.testing.assert_allclose(g(X), module.W * 2.0 + 3 * X * X)
    np.testing.assert_allclose(tl.grad(module.uses_globals)(X), module.W * 2.0 + 3 * X * X)
