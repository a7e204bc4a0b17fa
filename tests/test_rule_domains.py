"""Where the rules added for issue 14 stop, and the dtypes they keep: each limit is a
located NoDerivativeError in both modes, never a wrong or silently zero derivative.

- np.linalg.eig of a matrix with complex eigenvalues; np.gradient with coordinates
  for spacing; np.linalg.pinv(hermitian=True);
- x.astype(dtype) on a parameter and on a computed value: the gradient keeps the
  parameter's dtype (float64 through a float32 cast), an integer dtype carries no
  derivative; stacking with dtype= casts the adjoints back.
The values themselves are checked by the rule tables (numpy_rule_cases.py).
"""

import copy
import math

import numpy as np
import pytest

import tangentlike as tl


def eig_sum(a):
    w, v = np.linalg.eig(a)
    return np.sum(np.real(w))


def gradient_coordinates(x):
    return np.sum(np.gradient(x, np.array([0.0, 1.0, 3.0])))


def pinv_hermitian(a):
    return np.sum(np.linalg.pinv(a, hermitian=True))


ROTATION = np.array([[0.0, -1.0], [1.0, 0.0]])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn, arg, match", [
    (eig_sum, ROTATION, r"np.linalg.eig \(the matrix has complex eigenvalues"),
    (gradient_coordinates, np.ones(3), r"np.gradient \(its spacing is given by coordinates"),
])
def test_outside_the_domain_is_a_no_derivative_error(fn, arg, match, mode):
    with pytest.raises(tl.NoDerivativeError, match=match) as info:
        if mode == "reverse":
            tl.grad(fn)(arg)
        else:
            tl.jvp(fn, (arg,), (np.ones_like(arg),))
    notes = "\n".join(getattr(info.value, "__notes__", []))     # the user's line
    assert f"(line {fn.__code__.co_firstlineno + 1})" in notes, notes


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_pinv_of_a_hermitian_matrix_has_no_rule(mode):
    with pytest.raises(tl.NoDerivativeError, match=r"test_rule_domains.py:\d+.*pinv"):
        if mode == "reverse":
            tl.grad(pinv_hermitian)(np.eye(2))
        else:
            tl.jvp(pinv_hermitian, (np.eye(2),), (np.ones((2, 2)),))


def cast_computed(x):
    return np.sum(np.sin((x * 2.0).astype(np.float32)))


def cast_parameter(x):
    return np.sum(x.astype(np.float32) * x)


def cast_to_int(x):
    return np.sum(x.astype(np.int64) * x)


def stack_as_float32(x, y):
    return np.sum(np.vstack([x, y * 2.0], dtype=np.float32) * np.array([[1.0], [3.0]]))


X = np.array([0.3, -0.7, 1.9])


def test_astype_of_a_computed_value_keeps_the_parameters_dtype():
    x = X.copy()
    grad = tl.grad(cast_computed)(x)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, 2.0 * np.cos(2.0 * X), rtol=1e-6)
    _, jv = tl.jvp(cast_computed, (x,), (np.ones(3),))
    assert jv == pytest.approx(np.sum(2.0 * np.cos(2.0 * X)), rel=1e-6)
    np.testing.assert_array_equal(x, X)


def test_astype_of_a_parameter_keeps_its_dtype():
    for dtype in (np.float64, np.float32):
        x = X.astype(dtype)
        grad = tl.grad(cast_parameter)(x)
        assert grad.dtype == dtype
        np.testing.assert_allclose(grad, 2.0 * X, rtol=1e-6)


def test_astype_to_an_integer_carries_no_derivative():
    """x.astype(int) is piecewise constant: only the other factor's derivative flows
    (autograd would pass it through)."""
    grad = tl.grad(cast_to_int)(X.copy())
    np.testing.assert_array_equal(grad, np.trunc(X))
    _, jv = tl.jvp(cast_to_int, (X.copy(),), (np.ones(3),))
    assert jv == pytest.approx(np.sum(np.trunc(X)))


def test_stacking_with_a_dtype_casts_each_adjoint_back():
    x, y = X.copy(), X[::-1].copy()
    gx, gy = tl.grad(stack_as_float32, wrt=(0, 1))(x, y)
    assert gx.dtype == gy.dtype == np.float64
    np.testing.assert_allclose(gx, np.ones(3))
    np.testing.assert_allclose(gy, np.full(3, 6.0))
    _, jv = tl.jvp(stack_as_float32, (x, y), (np.ones(3), copy.deepcopy(X)))
    assert jv == pytest.approx(3.0 + 6.0 * np.sum(X), rel=1e-6)


# -- the exponent's derivative of a power where the base is not positive -------------
# d(x ** y)/dy is x ** y * log(x), undefined for x <= 0; every power rule takes it as 0
# there (np.power's convention), so a zero tangent or adjoint of an integer exponent
# never multiplies log(x) = NaN into the result (hvp and jvp gave NaN before).

def powers_with_loop_exponent(w, x):
    s = 0.0
    for i in range(3):
        s = s + w[i] ** (i + 1) * x
    return s


def math_power(x, y):
    return math.pow(x, y) + x ** y


def test_power_of_negative_base_has_finite_second_derivatives():
    w = np.array([-1.0, -2.0, -3.0])
    products = tl.hvp(powers_with_loop_exponent, (w, 1.0), (np.ones(3), 0.0))
    np.testing.assert_allclose(products[0], [0.0, 2.0, -18.0])
    assert products[1] == pytest.approx(1.0 + 2 * -2.0 + 3 * 9.0)   # d/dx of the w-gradient
    assert np.array_equal(w, [-1.0, -2.0, -3.0])


@pytest.mark.parametrize("base", [-2.0, 0.0])
def test_power_exponent_slope_is_zero_where_base_is_not_positive(base):
    value, tangent = tl.jvp(math_power, (base, 2.0), (1.0, 0.0))
    assert tangent == pytest.approx(2 * 2 * base)
    assert tl.grad(math_power, wrt=1)(base, 2.0) == 0.0
    assert tl.grad(math_power, wrt=1)(2.0, 3.0) == pytest.approx(2 * 8 * math.log(2.0))
