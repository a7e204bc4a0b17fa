"""The rules of `math`'s functions that are not one elementwise declaration each
(math.prod, math.fsum, math.dist, math.hypot of 1 to 8 coordinates) and math.gamma,
math.lgamma, math.cbrt and math.exp2 inside expressions, from math_rule_cases.CASES:
reverse and forward mode against central differences (and autograd, where it has the
functions), with the inputs unchanged; the digamma / polygamma helpers their slopes
use against scipy.special where scipy is installed; the conventions (math.dist has
slope 0 where p == q, a zero factor of math.prod gets the product of the others) and
the located errors (math.hypot of 9 coordinates, a pole of digamma).
"""

import copy
import math

import numpy as np
import pytest

from math_rule_cases import CASES
from oracles import assert_grad_close, autograd_grad, central_difference

import tangentlike as tl
from tangentlike import numpy_runtime as _ntl

IDS = [case.name for case in CASES]


def _positions(case):
    return case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)


def _ones_like(v):
    return [1.0 + 0.1 * k for k in range(len(v))] if isinstance(v, list) else 0.7


def _inner(g, v):
    if isinstance(g, list):
        return sum(a * b for a, b in zip(g, v))
    return g * v


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reverse_mode_matches_central_differences(case):
    args = copy.deepcopy(case.args)
    actual = tl.grad(case.fn, wrt=case.wrt)(*args)
    assert args == case.args, "the inputs were changed"
    assert_grad_close(actual, central_difference(case.fn, copy.deepcopy(case.args), case.wrt),
                      rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_mode_matches_reverse_mode(case):
    """J v == grad · v, and the value is the function's."""
    args = copy.deepcopy(case.args)
    tangents = [_ones_like(a) if k in _positions(case) else (0.0 if not isinstance(a, list)
                                                           else [0.0] * len(a))
                for k, a in enumerate(args)]
    value, jv = tl.jvp(case.fn, args, tangents)
    assert args == case.args, "the inputs were changed"
    assert value == case.fn(*copy.deepcopy(case.args))
    grads = tl.grad(case.fn, wrt=case.wrt)(*copy.deepcopy(case.args))
    grads = grads if isinstance(case.wrt, tuple) else (grads,)
    expected = sum(_inner(g, tangents[k]) for k, g in zip(_positions(case), grads))
    assert jv == pytest.approx(expected, rel=1e-10, abs=1e-12)


AUTOGRAD = [case for case in CASES if case.autograd]


@pytest.mark.parametrize("case", AUTOGRAD, ids=[c.name for c in AUTOGRAD])
def test_reverse_mode_matches_autograd(case):
    expected = autograd_grad(case.fn, copy.deepcopy(case.args), case.wrt)
    assert expected is not None
    assert_grad_close(tl.grad(case.fn, wrt=case.wrt)(*copy.deepcopy(case.args)), expected,
                      rtol=1e-10, atol=1e-12)


POINTS = [-7.3, -2.5, -0.5, -0.01, 1e-3, 0.1, 0.5, 1.0, 1.7, 3.3, 9.99, 10.0, 25.0, 1e3, 1e8]


@pytest.mark.parametrize("order", [0, 1, 2, 3])
def test_polygamma_matches_scipy(order):
    special = pytest.importorskip("scipy.special")
    for x in POINTS:
        expected = float(special.polygamma(order, x))
        assert _ntl.polygamma(x, order) == pytest.approx(expected, rel=1e-13, abs=1e-13), x
    if order == 0:
        for x in POINTS:
            assert _ntl.digamma(x) == pytest.approx(float(special.psi(x)), rel=1e-13, abs=1e-13)


def test_polygamma_without_scipy():
    """Known values: psi(1) = -Euler's gamma, psi(1/2) = -gamma - 2 log 2, psi'(1) = pi^2/6,
    psi''(1) = -2 zeta(3)."""
    euler = 0.5772156649015329
    assert _ntl.digamma(1.0) == pytest.approx(-euler, rel=1e-14)
    assert _ntl.digamma(0.5) == pytest.approx(-euler - 2 * math.log(2.0), rel=1e-14)
    assert _ntl.polygamma(1.0, 1) == pytest.approx(math.pi ** 2 / 6, rel=1e-14)
    assert _ntl.polygamma(1.0, 2) == pytest.approx(-2 * 1.2020569031595942, rel=1e-14)
    assert type(_ntl.digamma(2.0)) is float


def test_digamma_has_poles_where_gamma_has():
    with pytest.raises(ValueError, match="pole"):
        _ntl.digamma(-2.0)
    with pytest.raises(ValueError, match="pole"):
        _ntl.polygamma(0.0, 1)


def gamma_twice(x):
    return math.gamma(x)


def test_gamma_is_differentiable_twice():
    """The slope's helper (digamma) has its own rule (polygamma of the next order)."""
    second = tl.derivative(gamma_twice, order=2)
    x = 1.7
    expected = math.gamma(x) * (_ntl.digamma(x) ** 2 + _ntl.polygamma(x, 1))
    assert second(x) == pytest.approx(expected, rel=1e-12)
    assert tl.grad(tl.grad(gamma_twice))(x) == pytest.approx(expected, rel=1e-12)


def dist_same(x):
    return math.dist([x, 1.0], [x, 1.0])


def test_dist_has_slope_zero_where_the_points_meet():
    assert tl.grad(dist_same)(0.3) == 0.0
    assert tl.jvp(dist_same, (0.3,), (1.0,))[1] == 0.0


def test_prod_sends_a_zero_factor_the_product_of_the_others():
    from math_rule_cases import prod_list
    assert tl.grad(prod_list)([0.0, 2.0, -1.5]) == [1.0 + -3.0, 0.0, 0.0]


def hypot9(x):
    return math.hypot(x, x, x, x, x, x, x, x, x)


def test_hypot_of_more_coordinates_than_declared_is_a_located_error():
    with pytest.raises(tl.NoDerivativeError, match=r"test_math_rules.py:\d+.*math.hypot"):
        tl.grad(hypot9)(0.5)
