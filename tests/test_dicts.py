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


def _pair(x):
    return x * 2.0, x + 1.0


def _running(xs):
    out = [0.0] * len(xs)
    total = 0.0
    for i, x in enumerate(xs):
        total = total + x
        out[i] = total
    return out


def _sequences(x, X, w):
    a, b = _pair(x)                  # every `return` a tuple display
    s = a * b
    for r in X @ w - x:              # arithmetic no dict supports
        s = s + r * r
    for c in _running([x, a, b]):    # a callee's local only ever a list
        s = s + c
    return s


def test_what_is_surely_a_sequence_is_indexed_as_it_is():
    """Unpacking and loops index a value that surely indexes the way it iterates
    (normalize/loops.py `is_sequence`); anything that may be a dict or an iterator is
    read through `_ntl.iterated`, which gives a dict's keys."""
    args = (0.7, np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([0.3, -0.2]))
    text = tl.source(tl.grad(_sequences), args=args)
    assert "iterated" not in text
    expected = central_difference(_sequences, args, 0)
    assert tl.grad(_sequences)(*args) == pytest.approx(expected, rel=1e-7)
    for case in CASES:
        if case.name.startswith(("unpacked", "looped")):
            assert "_ntl.iterated(" in tl.source(tl.grad(case.fn), args=case.args)


def test_iterated_indexes_the_way_python_iterates():
    from tangentlike.numpy_runtime import iterated
    xs, t, a = [1.0, 2.0], (3.0,), np.ones((2, 3))
    assert iterated(xs) is xs and iterated(t) is t and iterated(a) is a
    assert iterated({"p": 1.0, "q": 2.0}) == ["p", "q"]
    assert iterated(zip([1, 2], [3, 4])) == [(1, 3), (2, 4)]
    assert iterated(v * 2 for v in (1, 2)) == [2, 4]
    assert iterated(range(3)) == range(3) and iterated("ab") == "ab"
    with pytest.raises(TypeError):
        iterated(1.5)                         # as `for v in 1.5` does


def _zipped(x):
    return {"a": x, "b": x * x}


def iterates_what_is_not_a_sequence(x):
    s = 0.0
    for k, v in zip(_zipped(x), [x, 2.0 * x]):     # a dict's keys beside a list
        s = s + v * len(k)
    return s


def test_zip_over_a_dict_a_call_returned():
    expected = central_difference(iterates_what_is_not_a_sequence, (0.7,), 0)
    assert tl.grad(iterates_what_is_not_a_sequence)(0.7) == pytest.approx(expected, rel=1e-7)
    assert tl.jvp(iterates_what_is_not_a_sequence, (0.7,), (1.0,))[1] \
        == pytest.approx(expected, rel=1e-7)


def _squares(x):
    return {0: x, 1: x * x}


def keys_and_values_twice(x):
    s = 0.0
    for k in _squares(x):                      # through _ntl.iterated: a dict's keys
        s = s + _squares(x)[k] * (k + 1.0) + k * x
    a, b = _squares(x)
    return s * x + sum(_squares(x)) * x + a + b


def test_second_derivatives_through_a_dict_s_keys():
    """`_ntl.uniterated`, the adjoint of iterating what may be a dict, has rules of its
    own: reverse over reverse and forward over reverse follow it."""
    gradient = tl.grad(keys_and_values_twice)
    expected = central_difference(gradient, (0.7,), 0)
    assert tl.grad(gradient)(0.7) == pytest.approx(expected, rel=1e-6)
    assert tl.hessian(keys_and_values_twice)(0.7) == pytest.approx(expected, rel=1e-6)
