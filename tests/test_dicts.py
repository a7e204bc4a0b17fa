"""Dicts in differentiated code (dict_cases.CASES): `.items()`, `.values()`, `.keys()`,
`.get`, `dict(...)`, loops over dicts and sorted(...) over their keys and items, on
dicts built in the function and dict arguments.  Each case in reverse mode against
central differences and autograd, in forward mode against reverse mode (J v ==
grad · v), with the arguments unchanged; and the generated code reads the dict as a
list of items (`_ntl.items(d)`), not as a loop over positions.
"""

import copy

import numpy as np
import pytest

from dict_cases import CASES, items_loop, param_loop
from oracles import assert_grad_close, autograd_grad, central_difference

import tangentlike as tl

IDS = [case.name for case in CASES]


def _positions(case):
    return case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)


def _direction(value, rng):
    if isinstance(value, dict):
        return {k: _direction(v, rng) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return rng.standard_normal(value.shape)
    return float(rng.standard_normal())


def _inner(g, v):
    if isinstance(g, dict):
        return sum(_inner(g[k], v[k]) for k in v)
    return float(np.sum(np.asarray(g) * np.asarray(v)))


def _same(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return np.array_equal(a, b)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reverse_mode_matches_central_differences_and_autograd(case):
    args = copy.deepcopy(case.args)
    actual = tl.grad(case.fn, wrt=case.wrt)(*args)
    assert all(_same(a, b) for a, b in zip(args, case.args)), "the arguments were changed"
    expected = central_difference(case.fn, copy.deepcopy(case.args), case.wrt)
    assert_grad_close(actual, expected, rtol=1e-6, atol=1e-8)
    oracle = autograd_grad(case.fn, copy.deepcopy(case.args), case.wrt)
    if oracle is not None:
        assert_grad_close(actual, oracle, rtol=1e-10, atol=1e-12)


def test_autograd_checks_most_cases():
    checked = [c.name for c in CASES
               if autograd_grad(c.fn, copy.deepcopy(c.args), c.wrt) is not None]
    assert len(checked) >= len(CASES) - 3, checked


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_mode_matches_reverse_mode(case):
    rng = np.random.default_rng(7)
    args = copy.deepcopy(case.args)
    tangents = [_direction(a, rng) if k in _positions(case) else 0.0
                for k, a in enumerate(args)]
    value, jv = tl.jvp(case.fn, args, tangents)
    assert all(_same(a, b) for a, b in zip(args, case.args)), "the arguments were changed"
    np.testing.assert_allclose(value, case.fn(*copy.deepcopy(case.args)), rtol=1e-14)
    grads = tl.grad(case.fn, wrt=case.wrt)(*copy.deepcopy(case.args))
    grads = grads if isinstance(case.wrt, tuple) else (grads,)
    expected = sum(_inner(g, tangents[k]) for k, g in zip(_positions(case), grads))
    assert float(jv) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_a_dict_is_read_as_a_list_of_its_items():
    text = tl.source(items_loop, args=(0.7,))
    assert "_ntl.items(d)" in text and "_ntl.unitems(" in text
    text = tl.source(param_loop, args=({"w": np.ones(2)},))
    assert "_ntl.iterated(p)" in text and "_ntl.values(p)" in text
