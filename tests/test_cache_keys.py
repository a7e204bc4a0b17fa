"""Caches key on everything the derivative depends on (environment.py, loader.load):
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


def _expected_calls_weighted(module):
    """The gradient of calls_weighted at X, and its Hessian's diagonal."""
    cubed = module.helper is module.cube
    gradient = 2 * module.W * X * module.SCALE + (3 * X * X if cubed else 2 * X) \
        + np.array([1.0, 0.0, 0.0])
    return gradient, 2 * module.W * module.SCALE + (6 * X if cubed else 2.0)


def _check_every_entry_point(module):
    """The gradient (and Hessian) of `calls_weighted` by each entry point, at X."""
    f = module.calls_weighted
    gradient, curvature = _expected_calls_weighted(module)
    _, pullback = tl.vjp(f, X)
    got = {
        "grad": tl.grad(f)(X),
        "value_and_grad": tl.value_and_grad(f)(X)[1],
        "vjp": pullback(1.0),
        "jvp": np.array([tl.jvp(f, (X,), (e,))[1] for e in np.eye(3)]),
        "jacobian": tl.jacobian(f)(X),
    }
    for name, value in got.items():
        np.testing.assert_allclose(np.ravel(value), gradient, err_msg=name)
    np.testing.assert_allclose(np.diag(tl.hessian(f)(X)), curvature, err_msg="hessian")
    np.testing.assert_allclose(tl.hvp(f, (X,), (np.ones(3),)), curvature,
                               err_msg="hvp")
    assert tl.value_and_grad(f)(X)[0] == pytest.approx(f(X))


def test_globals_a_helper_reads_are_read_live_by_every_entry_point(module):
    g = tl.grad(module.calls_weighted)
    _check_every_entry_point(module)
    module.SCALE = 3.0
    module.W = np.array([5.0, 6.0, 7.0])
    np.testing.assert_allclose(g(X), _expected_calls_weighted(module)[0])
    _check_every_entry_point(module)


def test_a_helper_rebound_inside_a_callee_changes_the_derivative(module):
    g = tl.grad(module.calls_weighted)
    _check_every_entry_point(module)
    module.helper = module.cube
    np.testing.assert_allclose(g(X), _expected_calls_weighted(module)[0])
    _check_every_entry_point(module)


def test_a_callable_rebound_deeper_than_the_key_looks_changes_the_derivative(module):
    g = tl.grad(module.level1)
    np.testing.assert_allclose(g(X), 4 * X)
    module.square = module.cube          # read by level5, five calls down
    np.testing.assert_allclose(g(X), 6 * X * X)
    np.testing.assert_allclose(tl.grad(module.level1)(X), 6 * X * X)
    np.testing.assert_allclose(tl.jvp(module.level1, (X,), (np.ones(3),))[1], np.sum(6 * X * X))
    np.testing.assert_allclose(tl.hvp(module.level1, (X,), (np.ones(3),)), 12 * X)
