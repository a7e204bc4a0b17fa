"""Arrays of integers or booleans are not differentiated: an adjoint made in their
dtype would round the gradient (it did: the sum of 1.25 * 2x over an integer vector
had the gradient [2, 2, 2] instead of [2.5, 2.5, 2.5], from a buffer of x's dtype).
Every reverse-mode entry point refuses them with a NonDifferentiableArgumentError
that says how to differentiate with respect to them; the float array gets the right
gradient; forward mode, which takes the user's tangent, computes in its dtype."""

import collections

import numpy as np
import pytest

import tangentlike as tl


def scaled_sum(x):
    t = x * 2
    return np.sum(1.25 * t)


def of_a_list(xs):
    return np.sum(xs[0] * 1.5) + np.sum(xs[1])


Pair = collections.namedtuple("Pair", "a b")


def of_a_pair(p):
    return np.sum(p.a * 0.5) + p.b


REFUSED = {
    "int array": lambda: tl.grad(scaled_sum)(np.array([1, 2, 3])),
    "bool array": lambda: tl.grad(scaled_sum)(np.array([True, False])),
    "numpy integer": lambda: tl.grad(scaled_sum)(np.int64(3)),
    "value_and_grad": lambda: tl.value_and_grad(scaled_sum)(np.arange(3)),
    "vjp's pullback": lambda: tl.vjp(scaled_sum, np.arange(3))[1](1.0),
    "in a list": lambda: tl.grad(of_a_list)([np.ones(2), np.arange(2)]),
    "in a NamedTuple": lambda: tl.grad(of_a_pair)(Pair(np.arange(2), 1.0)),
}


@pytest.mark.parametrize("call", REFUSED.values(), ids=REFUSED.keys())
def test_an_array_of_integers_or_booleans_is_refused(call):
    with pytest.raises(tl.NonDifferentiableArgumentError,
                       match=r"an array of (int64|bool) values.*astype\(float\)"):
        call()


def scaled_product(x, y):
    return np.sum(x * y * 1.5)


AFTER_A_FLOAT_CALL = {     # (the derivative, how many array arguments it takes)
    "grad": (lambda: tl.grad(scaled_sum), 1),
    "value_and_grad": (lambda: tl.value_and_grad(scaled_sum), 1),
    "grad, two wrt": (lambda: tl.grad(scaled_product, wrt=(0, 1)), 2),
    "differentiate": (lambda: tl.differentiate(scaled_sum).grad, 1),
    "hessian": (lambda: tl.hessian(scaled_sum), 1),
}


@pytest.mark.parametrize("make, arity", AFTER_A_FLOAT_CALL.values(),
                         ids=AFTER_A_FLOAT_CALL.keys())
@pytest.mark.parametrize("bad", [np.array([1, 2, 3]), np.array([True, False, True]), 3],
                         ids=["int array", "bool array", "Python int"])
def test_refused_on_every_call_not_only_the_first(make, arity, bad):
    """The generated code is remembered by the arguments' types, and one type,
    numpy.ndarray, covers every dtype: a call with an integer array after a call with a
    float array was served the float code (the gradient [2, 2, 2], rounded)."""
    derivative, floats = make(), [np.ones(3)] * arity
    before = repr(derivative(*floats))
    for position in range(arity):
        with pytest.raises(tl.NonDifferentiableArgumentError):
            derivative(*floats[:position], bad, *floats[position + 1:])
    assert repr(derivative(*floats)) == before


def test_refused_inside_a_list_after_a_call_with_floats():
    """Argument kinds of lists and pytrees are not types: such calls took the memo keyed by
    kinds, which skipped the check as well."""
    derivative = tl.grad(of_a_list)
    derivative([np.ones(2), np.ones(2)])
    with pytest.raises(tl.NonDifferentiableArgumentError, match="holds an array of int64"):
        derivative([np.ones(2), np.arange(2)])
    of_pairs = tl.grad(of_a_pair)
    of_pairs(Pair(np.ones(2), 1.0))
    with pytest.raises(tl.NonDifferentiableArgumentError, match="holds an array of int64"):
        of_pairs(Pair(np.arange(2), 1.0))


def test_hessians_and_jacobians_want_arrays_of_floats_too():
    with pytest.raises(tl.NonDifferentiableArgumentError, match="an array of floats"):
        tl.hessian(scaled_sum)(np.arange(3))


def test_as_floats_the_gradient_is_not_rounded():
    x = np.array([1, 2, 3])
    got = tl.grad(scaled_sum)(x.astype(float))
    np.testing.assert_array_equal(got, [2.5, 2.5, 2.5])
    assert got.dtype == np.float64
    np.testing.assert_array_equal(x, [1, 2, 3])


def test_forward_mode_takes_the_tangent_it_is_given():
    value, tangent = tl.jvp(scaled_sum, (np.array([1, 2, 3]),), (np.ones(3),))
    assert (value, tangent) == (15.0, 7.5)
