"""Forward mode over the call table (tests/cases/call_cases.py), checked two ways.

For every case and a random direction v (zero for the arguments not in `wrt`,
None for objects, ignored for ints), the tangent from `tl.jvp` must equal
(a) the reference gradient dotted with v: the hand-worked gradient when the case
has one, else central differences; and (b) `tl.grad` dotted with v, as in
test_forward_table.py.  (a) makes a forward-mode failure visible on its own, not
only as a disagreement with reverse mode.  The primal value must be the
function's.  A few tests observe the generated forward code as it runs
(tests/counting.py): user tangent rules replace the callee's body, and callees get
their own `jvp_<h>`.
"""

import copy
import math

import numpy as np
import pytest

import call_cases
import tangentlike as tl
from directions import dot, random_like, wrt_positions, zero_like
from call_cases import CASES, recursion_limit
from counting import helper_calls
from oracles import central_difference

IDS = [case.name for case in CASES]










def _tangents(case):
    rng = np.random.default_rng(sum(map(ord, case.name)))
    positions = wrt_positions(case)
    tangents = []
    for k, value in enumerate(case.args):
        if isinstance(value, (bool, int, str)):
            tangents.append(0)                       # ignored by jvp
        elif isinstance(value, (float, np.ndarray, list, tuple, dict)):
            tangents.append(random_like(value, rng) if k in positions else zero_like(value))
        else:
            tangents.append(None)                    # an object: no tangent
    return positions, tangents


def _as_tuple(gradient, positions):
    return gradient if len(positions) > 1 else (gradient,)


def _jvp(case, tangents):
    with recursion_limit(case):
        return tl.jvp(case.fn, copy.deepcopy(case.args), tangents)


def _reference_gradient(case):
    if case.expected is not None:
        return case.expected
    with recursion_limit(case):
        return central_difference(case.fn, copy.deepcopy(case.args), case.wrt)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_matches_reference(case):
    positions, tangents = _tangents(case)
    value, out_tangent = _jvp(case, tangents)
    with recursion_limit(case):
        np.testing.assert_allclose(value, case.fn(*copy.deepcopy(case.args)), rtol=1e-12)
    gradients = _as_tuple(_reference_gradient(case), positions)
    expected = sum(dot(g, tangents[k]) for g, k in zip(gradients, positions))
    np.testing.assert_allclose(float(np.sum(out_tangent)), expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_matches_reverse(case):
    positions, tangents = _tangents(case)
    _, out_tangent = _jvp(case, tangents)
    wrt = tuple(positions) if len(positions) > 1 else positions[0]
    with recursion_limit(case):
        gradient = tl.grad(case.fn, wrt=wrt)(*copy.deepcopy(case.args))
    gradients = _as_tuple(gradient, positions)
    expected = sum(dot(g, tangents[k]) for g, k in zip(gradients, positions))
    np.testing.assert_allclose(float(np.sum(out_tangent)), expected, rtol=1e-7, atol=1e-9)


def test_forward_tangent_rule_replaces_the_body():
    """The rule's formula runs (its math.tanh) instead of the body's tangent: no tangent
    function for log1pexp, none of the body's log1p or exp in the generated code."""
    x, y, dx, dy = 0.3, 1.4, 1.0, 0.5
    with helper_calls("math.tanh", "math.log1p", "math.exp") as calls:
        value, tangent = tl.jvp(call_cases.softplus_loss, (x, y), (dx, dy))
    assert calls["runtime.jvp_function"] == 0
    assert calls["math.tanh"] == 1 and calls.total("math.log1p", "math.exp") == 0
    assert value == pytest.approx(call_cases.softplus_loss(x, y))
    slope = 0.5 * (1.0 + math.tanh(0.5 * x * y))             # the rule's
    assert tangent == pytest.approx(slope * (dx * y + x * dy) + 0.2 * x * dx)


def test_forward_callees_get_their_own_tangent_function():
    """The callee's tangent function is made once and called for both calls."""
    with helper_calls() as calls:
        value, tangent = tl.jvp(call_cases.same_module_call, (0.7,), (1.0,))
    assert [(function.__name__, tuple(wrt)) for function, wrt, *_ in
            calls.arguments("runtime.jvp_function")] == [("_smoothstep", ("t",))]
    assert value == pytest.approx(call_cases.same_module_call(0.7))
    assert tangent == pytest.approx(central_difference(call_cases.same_module_call, (0.7,), 0),
                                    rel=1e-7)


def test_forward_straight_through_uses_the_tangent_rule():
    _, tangent = tl.jvp(call_cases.straight_through, (1.3,), (1.0,))
    assert tangent == pytest.approx(3.0 + 2.6)


def test_forward_stop_gradient_blocks_the_tangent():
    value, tangent = tl.jvp(call_cases.stop_gradient_product, (3.0,), (1.0,))
    assert (value, tangent) == (9.0, 3.0)


def test_forward_recursion_torch_style():
    value, tangent = tl.jvp(call_cases.power_rec, (3.0, 2), (1.0, 0))
    assert (value, tangent) == (81.0, 108.0)
