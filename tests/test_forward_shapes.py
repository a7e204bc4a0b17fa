"""Forward mode: the tangent of an output has the output's shape under broadcasting,
tangents through `tl.value_and_grad`, and tangents of item writes read the values
from before the write (issue 12, item 9).

Each tangent is asserted against hand-worked values, central differences along the
direction, and reverse mode (`tl.grad` of the output weighted by W, dotted with the
direction); the caller's primals and tangents must be left as they were.
"""

import copy

import numpy as np
import pytest

import tangentlike as tl
from oracles import central_difference

C = np.array([-1.5, -0.5, 0.5, 1.5])
W = np.array([0.3, -1.2, 2.0, 0.7])


def plus(x, y):
    return x + y


def plus_constant(x):
    return x + C


def constant_minus(x):
    return C - x


def sin_plus_constant(x):
    return np.sin(x) + C


def where_constant(x):
    return np.where(C > 0, x, C)


def scalar_into_array(x):
    z = x * 2.0
    return z + np.ones(4)


def weighted(f):
    """`np.sum(W * f(...))` for reverse mode and central differences."""
    def plus_w(x, y):
        return np.sum(W * plus(x, y))

    def plus_constant_w(x):
        return np.sum(W * plus_constant(x))

    def constant_minus_w(x):
        return np.sum(W * constant_minus(x))

    def sin_plus_constant_w(x):
        return np.sum(W * sin_plus_constant(x))

    def where_constant_w(x):
        return np.sum(W * where_constant(x))

    def scalar_into_array_w(x):
        return np.sum(W * scalar_into_array(x))

    return locals()[f.__name__ + "_w"]


# (function, primals, tangents, expected tangent)
BROADCAST = [
    (plus, (0.7, C.copy()), (1.0, np.zeros(4)), np.ones(4)),
    (plus_constant, (0.7,), (1.0,), np.ones(4)),
    (constant_minus, (0.7,), (2.0,), np.full(4, -2.0)),
    (sin_plus_constant, (0.7,), (1.0,), np.full(4, np.cos(0.7))),
    (where_constant, (0.7,), (1.0,), np.array([0.0, 0.0, 1.0, 1.0])),
    (scalar_into_array, (0.7,), (1.0,), np.full(4, 2.0)),
]


def _unchanged(before, after):
    for b, a in zip(before, after):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("fn, primals, tangents, expected", BROADCAST,
                         ids=[c[0].__name__ for c in BROADCAST])
def test_tangent_has_the_output_shape(fn, primals, tangents, expected):
    kept = copy.deepcopy((primals, tangents))
    value, tangent = tl.jvp(fn, primals, tangents)
    _unchanged(kept[0], primals)
    _unchanged(kept[1], tangents)
    assert np.shape(tangent) == np.shape(value) == (4,)
    np.testing.assert_allclose(tangent, expected, rtol=1e-12)
    scalar = weighted(fn)
    along = central_difference(lambda t: scalar(*[p + t * v for p, v in
                                                   zip(primals, tangents)]), (0.0,))
    np.testing.assert_allclose(np.dot(W, tangent), along, rtol=1e-6)
    grads = tl.grad(scalar, tuple(range(len(primals))))(*primals)
    reverse = sum(np.sum(g * v) for g, v in zip(grads, tangents))
    np.testing.assert_allclose(np.dot(W, tangent), reverse, rtol=1e-10)


def pair(x):
    return x + C, x * 2.0


def test_each_part_of_a_returned_tuple_has_its_shape():
    value, tangent = tl.jvp(pair, (0.7,), (1.0,))
    assert np.shape(tangent[0]) == np.shape(value[0]) == (4,)
    np.testing.assert_allclose(tangent[0], np.ones(4))
    assert tangent[1] == 2.0


def f(x):
    return np.sum(np.sin(x) * x)


def value_through_value_and_grad(x):
    return tl.value_and_grad(f)(x)[0]


def gradient_through_value_and_grad(x):
    return tl.value_and_grad(f)(x)[1]


both = tl.value_and_grad(f)


def value_times_gradient(x):
    v, g = both(x)
    return v * g


X = np.array([0.3, 0.8, -0.4])
V = np.array([1.0, 0.5, -2.0])


def test_value_tangent_through_value_and_grad():
    kept = (X.copy(), V.copy())
    value, tangent = tl.jvp(value_through_value_and_grad, (X,), (V,))
    _unchanged(kept, (X, V))
    expected = np.sum((np.cos(X) * X + np.sin(X)) * V)
    np.testing.assert_allclose(tangent, expected, rtol=1e-12)     # 2.7351673624...
    np.testing.assert_allclose(tangent, np.dot(central_difference(f, (X,)), V), rtol=1e-6)
    np.testing.assert_allclose(tangent, np.dot(tl.grad(f)(X), V), rtol=1e-12)


def test_gradient_tangent_through_value_and_grad():
    value, tangent = tl.jvp(gradient_through_value_and_grad, (X,), (V,))
    np.testing.assert_allclose(tangent, (2 * np.cos(X) - X * np.sin(X)) * V, rtol=1e-12)
    np.testing.assert_allclose(value, tl.grad(f)(X), rtol=1e-12)


def test_product_of_value_and_gradient():
    value, tangent = tl.jvp(value_times_gradient, (X,), (V,))
    v, g = f(X), np.sin(X) + X * np.cos(X)
    dv, dg = np.dot(g, V), (2 * np.cos(X) - X * np.sin(X)) * V
    np.testing.assert_allclose(tangent, dv * g + v * dg, rtol=1e-12)
    for k in range(3):
        along = central_difference(lambda t: value_times_gradient(X + t * V)[k], (0.0,))
        np.testing.assert_allclose(tangent[k], along, rtol=1e-6)


def quartic(x):
    return x ** 4


second = tl.grad(tl.grad(quartic))


def through_second_derivative(x):
    return second(x)


def test_tangent_through_a_second_derivative_is_a_clear_error():
    with pytest.raises(tl.TangentlikeError, match="grad of grad"):
        tl.jvp(through_second_derivative, (0.5,), (1.0,))


def into_list(xs):
    xs[0] = xs[0] * xs[1]
    xs.append(xs[1] * 2.0)
    return xs[0] + xs[2]


def swap_into_list(xs):
    xs[1] = xs[0] * xs[1] + xs[1]
    xs[0] = xs[1] * xs[1]
    return xs[0] - xs[1]


@pytest.mark.parametrize("fn, xs, dxs, expected", [
    (into_list, [0.5, 2.0], [1.0, -1.0], -0.5),
    # xs1' = x0 x1 + x1 = 3.0, d = 1*2 + (0.5 + 1)(-1) = 0.5; xs0' = 9.0, d = 2*3*0.5
    (swap_into_list, [0.5, 2.0], [1.0, -1.0], 3.0 - 0.5),
], ids=["into_list", "swap_into_list"])
def test_item_write_tangent_reads_the_old_value(fn, xs, dxs, expected):
    kept = copy.deepcopy((xs, dxs))
    value, tangent = tl.jvp(fn, (xs,), (dxs,))
    assert (xs, dxs) == kept
    assert tangent == pytest.approx(expected, rel=1e-12)
    gradient = tl.grad(fn)(list(xs))
    assert tangent == pytest.approx(np.dot(gradient, dxs), rel=1e-12)
    assert tangent == pytest.approx(np.dot(central_difference(fn, (xs,)), dxs), rel=1e-6)
