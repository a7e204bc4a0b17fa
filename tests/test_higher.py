"""Higher-order derivatives: forward over reverse, forward over forward.

Every value is checked against autograd (an independent AD) or a closed form.
"""

import math
import sys

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import call_cases
import higher_functions as hf
import tangentlike as tl
from counting import helper_calls, peak_memory
from tangentlike.pipeline import OPTIONAL


def test_hvp_of_two_arguments_against_closed_form():
    x, y = 0.7, 1.3
    hxx = 2 * y - y * y * math.sin(x * y)
    hxy = 2 * x + math.cos(x * y) - x * y * math.sin(x * y)
    hyy = -x * x * math.sin(x * y)
    vx, vy = 0.4, -1.1
    out = tl.hvp(hf.mixed, (x, y), (vx, vy))
    np.testing.assert_allclose(out, (hxx * vx + hxy * vy, hxy * vx + hyy * vy), rtol=1e-12)


@pytest.mark.parametrize("order,expected", [(1, 4.0 * 1.5 ** 3), (2, 12.0 * 1.5 ** 2),
                                            (3, 24.0 * 1.5), (4, 24.0)])
def test_nth_derivative_of_a_polynomial(order, expected):
    assert tl.derivative(hf.quartic, order=order)(1.5) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_nth_derivative_through_a_loop(order):
    x = 0.3
    expected = sum((i + 1) ** order * math.sin(x * (i + 1) + order * math.pi / 2)
                   for i in range(3))
    assert tl.derivative(hf.sines, order=order)(x) == pytest.approx(expected, rel=1e-10)


def test_second_derivative_through_while_and_branches():
    def reference(x):
        y = x
        for _ in range(5):
            y = y * 0.5 if y > 1.0 else y * y + 0.7
        return y
    second = autograd.grad(autograd.grad(reference))(0.9)
    assert tl.derivative(hf.branchy, order=2)(0.9) == pytest.approx(second, rel=1e-10)


def test_hessian_of_a_scalar_function():
    assert tl.hessian(hf.quartic)(2.0) == pytest.approx(48.0)


def test_hessian_of_a_quadratic_form_is_its_matrix():
    a = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 4.0]])
    np.testing.assert_allclose(tl.hessian(hf.quadratic_form)(np.array([0.3, -1.0, 2.0])), a,
                               rtol=1e-12)


def test_hessian_and_hvp_against_autograd():
    x = np.array([0.5, -0.3, 0.8, 1.2])
    v = np.array([1.0, 2.0, -1.0, 0.5])
    reference = autograd.hessian(lambda z: anp.sum(z * z * z) + anp.sum(anp.sin(z)))(x)
    np.testing.assert_allclose(tl.hessian(hf.cubic_sum)(x), reference, rtol=1e-10)
    np.testing.assert_allclose(tl.hvp(hf.cubic_sum, (x,), (v,)), reference @ v, rtol=1e-10)


def test_laplacian():
    x = np.array([0.5, -0.3, 0.8])
    expected = np.sum(6 * x - np.sin(x))
    assert tl.laplacian(hf.cubic_sum)(x) == pytest.approx(expected, rel=1e-10)


def test_jacobian_forward_and_reverse_agree_with_autograd():
    p = np.array([0.4, -1.2, 2.0])
    reference = autograd.jacobian(lambda q: anp.array([q[1] * q[2], q[0] * q[0] * q[2],
                                                       anp.sin(q[0]) + q[1]]))(p)
    np.testing.assert_allclose(tl.jacobian(hf.field)(p), reference, rtol=1e-12)
    np.testing.assert_allclose(tl.jacobian(hf.squares)(p), np.diag(2 * p), rtol=1e-12)


def test_divergence_and_curl():
    p = np.array([0.4, -1.2, 2.0])
    assert tl.divergence(hf.field)(p) == pytest.approx(0.0 + 0.0 + 0.0)
    expected_curl = np.array([1.0 - p[0] ** 2, p[1] - math.cos(p[0]), 2 * p[0] * p[2] - p[2]])
    np.testing.assert_allclose(tl.curl(hf.field)(p), expected_curl, rtol=1e-12)


def test_no_perturbation_confusion():
    assert tl.grad(hf.x_times_inner_derivative)(1.0) == 1.0
    assert tl.jvp(hf.x_times_inner_derivative, (1.0,), (1.0,))[1] == 1.0


def test_hypergradient_through_gradient_descent():
    def reference(lr):
        w = 0.5
        for _ in range(4):
            w = w - lr * (2 * (w - 3.0) + 0.3 * w * w)
        return (w - 3.0) ** 2 + w * w * w * 0.1
    expected = autograd.grad(reference)(0.05)
    assert tl.grad(hf.loss_after_descent)(0.05) == pytest.approx(expected, rel=1e-10)
    assert tl.jvp(hf.loss_after_descent, (0.05,), (1.0,))[1] == pytest.approx(expected, rel=1e-10)


def test_grad_of_grad():
    d2 = tl.grad(tl.grad(hf.quartic))
    assert d2(1.5) == pytest.approx(12.0 * 1.5 ** 2, rel=1e-12)
    mixed = tl.grad(tl.grad(hf.mixed, wrt=0), wrt=1)(0.7, 1.3)
    assert mixed == pytest.approx(2 * 0.7 + math.cos(0.91) - 0.91 * math.sin(0.91), rel=1e-12)
    assert tl.grad(d2)(1.5) == pytest.approx(24.0 * 1.5, rel=1e-12)   # any order


# -- Hessians through calls, recursion and methods ----------------------------------------

CONVENTIONS = {"rule_nondifferentiable", "rule_straight_through", "stop_gradient_product",
               "stop_gradient_of_call", "stop_gradient_in_loop"}   # differences disagree


def _call_cases_with_a_float():
    return [c for c in call_cases.CASES if c.name not in CONVENTIONS
            and any(isinstance(a, float) for a in c.args)]


@pytest.mark.parametrize("case", _call_cases_with_a_float(),
                         ids=[c.name for c in _call_cases_with_a_float()])
def test_hessian_through_calls_matches_differences_of_the_gradient(case):
    """Forward over reverse follows the callees' generated code: written out in the
    gradient, or, for recursion, reverse over forward."""
    first = next(k for k, a in enumerate(case.args) if isinstance(a, float))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        gradient = tl.grad(case.fn, wrt=first)
        h = 1e-5
        up, down = list(case.args), list(case.args)
        up[first] += h
        down[first] -= h
        expected = (gradient(*up) - gradient(*down)) / (2 * h)
        got = tl.hessian(case.fn, wrt=first)(*case.args)
    finally:
        sys.setrecursionlimit(limit)
    assert got == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_jvp_of_a_gradient_is_a_hessian_vector_product():
    x, y = 0.7, 1.3
    gradient, tangent = tl.jvp(tl.grad(hf.mixed, wrt=(0, 1)), (x, y), (0.4, -1.1))
    assert gradient == tl.grad(hf.mixed, wrt=(0, 1))(x, y)
    h = 1e-6
    up = tl.grad(hf.mixed, wrt=(0, 1))(x + 0.4 * h, y - 1.1 * h)
    down = tl.grad(hf.mixed, wrt=(0, 1))(x - 0.4 * h, y + 1.1 * h)
    for got, a, b in zip(tangent, up, down):
        assert got == pytest.approx((a - b) / (2 * h), rel=1e-6)
    value, single = tl.jvp(tl.grad(hf.quartic), (1.5,), (2.0,))
    assert value == pytest.approx(4 * 1.5 ** 3) and single == pytest.approx(2.0 * 12 * 1.5 ** 2)


def recursion_after_array_statements(x, n):
    y = np.sin(x) * 2.0
    z = y * x
    s = np.sum(z)
    if n == 0:
        return s
    return s + recursion_after_array_statements(x * 0.5, n - 1)


def test_hvp_of_recursion_over_arrays_differentiates_code_that_releases_arrays():
    """Recursion takes reverse mode over the generated forward-mode code, which
    `del`s the arrays `y` and `z` after their last use (its peak memory is below that of
    the same code without the release-arrays pass): those statements are dropped when
    that code is differentiated again, and the product is right."""
    big = np.linspace(-1.0, 1.0, 100_000)

    def forward_peak(optimize):
        tangents = (np.ones_like(big), 0)
        tl.jvp(recursion_after_array_statements, (big, 2), tangents, optimize=optimize)
        return peak_memory(lambda: tl.jvp(recursion_after_array_statements, (big, 2),
                                          tangents, optimize=optimize))
    kept = forward_peak(frozenset(OPTIONAL) - {"release-arrays"})
    assert forward_peak(True) < kept - big.nbytes / 2        # at least one array fewer
    x, v = np.array([0.3, 0.7, -0.2]), np.array([1.0, 0.5, -1.0])
    got = tl.hvp(recursion_after_array_statements, (x, 2), (v, 0))
    gradient, eps = tl.grad(recursion_after_array_statements), 1e-6
    expected = (gradient(x + eps * v, 2) - gradient(x - eps * v, 2)) / (2 * eps)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tl.hessian(recursion_after_array_statements)(x, 2) @ v,
                               got, rtol=1e-10)


def _sines_times_x(x):
    return np.sum(np.sin(x) * x)


def test_hvp_code_spreads_no_value_to_a_shape_it_has():
    """Forward over reverse makes no `broadcast_like` call where the tangent has its
    primal's shape already (passes/simplify.py `without_needless_spreads`), and the
    product is right."""
    x, v = np.array([0.5, -0.3, 1.2]), np.array([1.0, 2.0, -1.0])
    with helper_calls() as calls:
        product = tl.hvp(_sines_times_x, (x,), (v,))
    np.testing.assert_allclose(product, (2 * np.cos(x) - x * np.sin(x)) * v, rtol=1e-12)
    assert calls["runtime.broadcast_like"] == 0
