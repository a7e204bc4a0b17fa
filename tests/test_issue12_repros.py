"""Every repro issue 12 names, with asserted values.

Each is checked against central differences, by `grad`, `value_and_grad` and `jvp`,
with the arguments checked unchanged.  (The classes behind them have their own tables:
test_aliases, test_ownership, test_masks, test_rewrites, test_control_flow_regressions,
test_no_silent_zero, test_cache_keys.)
"""

import math
from typing import NamedTuple

import numpy as np
import pytest

import tangentlike as tl
from oracles import central_difference
from test_aliases import slice_of_alias as alias_then_slice_write


def abs_of_sum(x):
    return abs(np.sum(x))


def alias_chain(y):
    e1 = y
    e3 = e1
    return (e3 ** 2 * e3).sum()


def view_of_view_transposed(x):
    return np.sum(x[1:][None, :].T * 2.0)


def transposed_product(x):
    return np.sum((x * np.sum(x)).T)


def loop_writes_into_expression(x):
    t = float(x.shape[0]) * x
    for i in range(2):
        t[1:] *= 0.9
    return np.sum(t * t)


def lambda_in_test(x):
    sq = lambda t: t * t        # noqa: E731
    if sq(np.sum(x)) > 0.1:
        return np.sum(x * x)
    return np.sum(x)


def nested_def_in_loop(x):
    s = 0.0
    for i in range(2):
        def scaled(t):
            return t * (i + 1.0)
        s = s + np.sum(scaled(x) ** 2)
    return s


CONSTANTS = {"a": 2.0}


def dict_get(x):
    return np.sum(x * CONSTANTS.get("a", 1.0)) + np.sum(x * CONSTANTS.get("b", 3.0))


def pad_constant(x):
    return np.sum(np.pad(x, (3,), "constant") ** 2)


def matrix_norms(x):
    A = np.outer(x, np.array([1.0, 2.0, 0.5])) + np.eye(3)
    return (np.linalg.norm(A, ord="fro") + np.linalg.norm(A, ord=1)
            + np.linalg.norm(A, ord=np.inf) + np.linalg.norm(A, ord=2)
            + np.linalg.norm(A, ord="nuc") + np.linalg.norm(A, ord=-1))


def r_concatenation(x):
    return np.sum(np.r_[x, x * 2.0] ** 2)


def keyword_only(x, *, w=2.0):
    return np.sum(x * w + x ** 2)


def default_in_body(x, y, num=5):
    return np.sum(np.linspace(x[0], y, num) * x[1])


def masked_twice(x):
    x = x * 1.0
    x[x > 0.5] = 0.3
    x[x < 0.4] = x[x < 0.4] * 2.0
    return np.sum(x ** 2)


def masked_expression_read(x):
    return np.sum((x * 2.0)[x > 0.5]) + np.sum(np.outer(x, x)[np.outer(x, x) > 0.26])


def while_true_break(x):
    s = x[0]
    while True:
        s = s * 1.1
        if s > 2.0:
            break
    return s * x[1]


X = np.array([0.3, 0.7, 0.9])

CASES = [
    (abs_of_sum, (X,), [1.0, 1.0, 1.0]),
    (alias_chain, (X,), 3 * X * X),
    (view_of_view_transposed, (X,), [0.0, 2.0, 2.0]),
    (transposed_product, (X,), [3.8, 3.8, 3.8]),
    (alias_then_slice_write, (X,), 2 * X),
    (loop_writes_into_expression, (X,), None),
    (lambda_in_test, (X,), 2 * X),
    (nested_def_in_loop, (X,), 10 * X),
    (dict_get, (X,), [5.0, 5.0, 5.0]),
    (pad_constant, (X,), 2 * X),
    (matrix_norms, (X,), None),
    (r_concatenation, (X,), 10 * X),
    (keyword_only, (X,), 2.0 + 2 * X),
    (default_in_body, (X, 0.9), None),
    (masked_twice, (X,), None),
    (masked_expression_read, (X,), None),
    (while_true_break, (X,), None),
]


@pytest.mark.parametrize("f, args, expected", CASES, ids=[c[0].__name__ for c in CASES])
def test_named_repro(f, args, expected):
    reference = central_difference(f, tuple(np.copy(a) for a in args))
    if expected is not None:
        np.testing.assert_allclose(reference, expected, rtol=1e-6, atol=1e-7)
    calling = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    np.testing.assert_allclose(tl.grad(f)(*calling), reference, rtol=1e-6, atol=1e-7)
    value, g = tl.value_and_grad(f)(*calling)
    np.testing.assert_allclose(g, reference, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(value, f(*[np.copy(a) for a in args]), rtol=1e-12)
    v = np.array([0.5, -1.0, 2.0])
    _, tangent = tl.jvp(f, tuple(calling), (v,) + tuple(0.0 for _ in args[1:]))
    np.testing.assert_allclose(tangent, np.dot(reference, v), rtol=1e-6, atol=1e-7)
    for a, b in zip(calling, args):
        np.testing.assert_array_equal(a, b)


def test_keyword_only_scalar_is_not_the_seed():
    def g(x, *, w=2.0):
        return x * w + x ** 2
    assert tl.grad(g)(0.7) == pytest.approx(3.4)
    assert tl.grad(g)(0.7, w=3.0) == pytest.approx(4.4)


def test_tangent_test_is_right_under_grad():
    def tangent(x):
        y = x ** 2.0
        x[0] = y[1] * y[2]
        return np.sum(x * y)
    x = X.copy()
    np.testing.assert_allclose(tl.grad(tangent)(x), [0.23814, 1.57206, 2.50938])
    np.testing.assert_array_equal(x, X)
    np.testing.assert_allclose(tl.grad(tangent)(x), tl.value_and_grad(tangent)(x)[1])


def test_math_module_still_works():
    assert tl.grad(lambda t: math.sin(t))(0.3) == pytest.approx(math.cos(0.3))


class Point(NamedTuple):
    a: float
    b: float


def product_of_fields(p):
    return p.a * p.b


def first_a(ps):
    return ps[0].a


@pytest.mark.parametrize("derivative, expected", [
    (lambda: tl.grad(product_of_fields)(Point(2.0, 3.0)), Point(3.0, 2.0)),
    (lambda: tl.value_and_grad(product_of_fields)(Point(2.0, 3.0)), (6.0, Point(3.0, 2.0))),
    (lambda: tl.vjp(product_of_fields, Point(2.0, 3.0))[1](1.0), (Point(3.0, 2.0),)),
    (lambda: tl.jvp(product_of_fields, (Point(2.0, 3.0),), ((1.0, 0.0),)), (6.0, 3.0)),
    (lambda: tl.grad(first_a)([Point(2.0, 3.0)]), [Point(1.0, 0.0)]),
], ids=["grad", "value_and_grad", "vjp", "jvp", "nested"])
def test_a_named_tuple_is_differentiated_not_a_silent_zero(derivative, expected):
    """Its fields were attributes read as constants: the gradient was (0.0, 0.0); then a
    NonDifferentiableArgumentError; now a pytree (issue 14, tests/test_pytrees.py)."""
    result = derivative()
    assert result == expected
    assert type(result) is type(expected)
