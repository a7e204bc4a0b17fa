"""No entry point writes into the caller's data, and no adjoint shares memory with a
primal it must not (ownership.py).

Each case is checked against central differences (and autograd where the function
does not write into arrays, which autograd cannot trace), in reverse mode (`grad` and
`value_and_grad`, which take different rewrites) and forward mode (`jvp`), and the
arguments (and tangents) are checked unchanged after every call.
"""

import numpy as np
import pytest

import tangentlike as tl
from counting import helper_calls
from oracles import assert_grad_close, central_difference


def tangent_test(x):
    """Tangent's own test: an adjoint that aliased the primal x was zeroed with it."""
    y = x ** 2.0
    x[0] = y[1] * y[2]
    return np.sum(x * y)


def written_copy(x):
    """Its adjoint once was x itself, zeroed in place: the caller's x[0] became 0."""
    t = x * 2.0
    t[0] = 5.0
    return np.sum(t * x)


def written_parameter(x):
    x[1] = x[0] * x[2]
    x[0] = 3.0
    return np.sum(x * x)


def into_list(xs):
    xs[0] = xs[0] * xs[1]
    xs.append(xs[1] * 2.0)
    return xs[0] + xs[2]


def nested_list(xs):
    row = xs[0]
    row[1] = row[0] * 3.0
    return xs[0][1] + xs[1][0]


def slice_write(x):
    t = x * 1.0
    t[1:] = t[:-1] * 2.0
    return np.sum(t * x)


def returns_argument_times_one(x, c):
    return np.sum(x * c)


def loop_writes(x):
    t = x * 1.0
    for i in range(1, 3):
        t[i] = t[i - 1] * x[i]
    return np.sum(t)


X = np.array([0.3, 0.7, 0.9])

ARRAY_CASES = [
    (tangent_test, X, [0.23814, 1.57206, 2.50938]),
    (written_copy, X, [5.0, 2.8, 3.6]),
    (written_parameter, X, [0.486, 0.0, 1.962]),
    (slice_write, X, [2.0, 2.4, 1.4]),
    (loop_writes, X, [2.33, 0.57, 0.21]),
]


def _snapshot(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_snapshot(v) for v in value]
    return value


def _same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    return a == b


@pytest.mark.parametrize("f, x, expected", ARRAY_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_gradient_is_exact_and_the_argument_unchanged(f, x, expected):
    x = x.copy()
    before = x.copy()
    g = tl.grad(f)(x)
    assert np.array_equal(x, before)
    np.testing.assert_allclose(g, expected, rtol=1e-10)
    np.testing.assert_allclose(g, central_difference(f, (x.copy(),)), rtol=1e-6, atol=1e-8)
    value, g2 = tl.value_and_grad(f)(x)
    assert np.array_equal(x, before)
    np.testing.assert_allclose(g2, expected, rtol=1e-10)
    np.testing.assert_allclose(value, f(x.copy()))
    v = np.array([0.5, -1.0, 2.0])
    v_before = v.copy()
    out, tangent = tl.jvp(f, (x,), (v,))
    assert np.array_equal(x, before) and np.array_equal(v, v_before)
    np.testing.assert_allclose(tangent, np.dot(expected, v), rtol=1e-10)


@pytest.mark.parametrize("f, x, expected", ARRAY_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_a_second_call_gives_the_same_gradient(f, x, expected):
    grad = tl.grad(f)
    first, second = grad(x.copy()), grad(x.copy())
    np.testing.assert_array_equal(first, second)


def test_the_gradient_is_not_an_argument():
    x, c = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    g = tl.grad(returns_argument_times_one)(x, c)
    np.testing.assert_array_equal(g, c)
    g[0] = 100.0                # writing into the gradient leaves the caller's c alone
    assert c[0] == 3.0
    value, g2 = tl.value_and_grad(returns_argument_times_one)(x, c)
    g2[0] = 100.0
    assert c[0] == 3.0


@pytest.mark.parametrize("f, xs, expected", [
    (into_list, [0.5, 2.0], [2.0, 2.5]),
], ids=["into_list"])
def test_lists_are_not_written(f, xs, expected):
    before = list(xs)
    assert tl.grad(f)(xs) == pytest.approx(expected)
    assert xs == before
    assert tl.value_and_grad(f)(xs)[1] == pytest.approx(expected)
    assert xs == before
    assert_grad_close(tl.grad(f)(xs), central_difference(f, (list(xs),)))


def test_nested_lists_are_not_written():
    xs = [[0.5, 2.0], [4.0]]
    before = _snapshot(xs)
    g = tl.grad(nested_list)(xs)
    assert _same(xs, before)
    assert g == [[3.0, 0.0], [1.0]]


def test_vjp_and_its_pullback_leave_primals_and_cotangents_alone():
    x = X.copy()
    before = x.copy()
    out, pullback = tl.vjp(written_copy, x)
    assert np.array_equal(x, before)
    ct = 2.0
    (g,) = pullback(ct)
    np.testing.assert_allclose(g, [10.0, 5.6, 7.2])
    assert np.array_equal(x, before)


def test_hvp_and_hessian_leave_the_point_and_direction_alone():
    x, v = X.copy(), np.array([1.0, 0.0, -1.0])
    xb, vb = x.copy(), v.copy()
    h = tl.hessian(written_copy)(x)
    assert np.array_equal(x, xb)
    hv = tl.hvp(written_copy, (x,), (v,))
    assert np.array_equal(x, xb) and np.array_equal(v, vb)
    hv = hv[1] if isinstance(hv, tuple) else hv
    np.testing.assert_allclose(np.ravel(hv), h @ v, rtol=1e-10)


@pytest.mark.parametrize("derivative", [tl.grad, tl.value_and_grad],
                         ids=["grad", "value_and_grad"])
def test_generated_code_copies_only_what_is_written(derivative):
    """The argument is copied only where the function writes into it."""
    x, c = X.copy(), 1.5
    with helper_calls() as calls:
        got = derivative(written_parameter)(x)
    assert any(args[0] is x for args in calls.arguments("runtime.copy"))
    assert np.array_equal(x, X)
    got = got[1] if derivative is tl.value_and_grad else got
    assert_grad_close(got, central_difference(written_parameter, (X.copy(),), 0), 1e-6, 1e-8)
    with helper_calls() as calls:
        got = derivative(returns_argument_times_one)(x, c)
    assert not any(args[0] is x for args in calls.arguments("runtime.copy"))
    got = got[1] if derivative is tl.value_and_grad else got
    assert_grad_close(got, np.full_like(X, c))


def _owned_source(code, derivative, fresh_calls=()):
    import astor
    import gast

    from tangentlike.ownership import owned
    fn = gast.parse(code).body[0]
    fn = owned(fn, set(derivative), lambda: "_tl", fresh_calls=set(fresh_calls))
    return astor.to_source(gast.gast_to_ast(fn))


def test_a_fresh_value_handed_over_once_is_not_copied():
    """A derivative bound once to a value nothing else holds (a generated backward
    sweep's result) and read once, later in the same block, is handed over: the name
    that takes it owns it (ownership.py `_handed_over`).  Read in a loop it was bound
    before, or read twice, it is copied as before."""
    handed = ("def f(g, _tape):\n"
              "    _b2 = backward_h(g, _tape)\n"
              "    bx = _b2\n"
              "    bx += g\n"
              "    return bx\n")
    assert "_tl.copy" not in _owned_source(handed, {"_b2", "bx", "g"}, {"backward_h"})
    in_loop = ("def f(g, _tape):\n"
               "    _b2 = backward_h(g, _tape)\n"
               "    for i in range(3):\n"
               "        bx = _b2\n"
               "        bx += g\n"
               "    return bx\n")
    assert "bx = _tl.copy(_b2)" in _owned_source(in_loop, {"_b2", "bx", "g"}, {"backward_h"})
    twice = ("def f(g, _tape):\n"
             "    _b2 = backward_h(g, _tape)\n"
             "    bx = _b2\n"
             "    bx += g\n"
             "    return bx, _b2\n")
    assert "_tl.copy" in _owned_source(twice, {"_b2", "bx", "g"}, {"backward_h"})


def pairwise(xs, lo, hi):
    if hi - lo == 1:
        return np.sin(xs[lo]) ** 2
    mid = (lo + hi) // 2
    return pairwise(xs, lo, mid) + pairwise(xs, mid, hi) * 0.5


def test_recursion_hands_its_adjoints_over():
    xs = np.linspace(-1.0, 1.0, 6)
    before = xs.copy()
    g = tl.grad(pairwise)(xs, 0, 6)
    assert_grad_close(g, central_difference(pairwise, (xs, 0, 6), 0), rtol=1e-7)
    np.testing.assert_array_equal(xs, before)
    text = tl.source(tl.grad(pairwise), args=(xs, 0, 6), include_callees=True)
    assert "_tl.copy(_b" not in text
