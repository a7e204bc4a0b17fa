"""Forward mode over the statement-form table, checked against reverse mode.

For every case, the tangent from `tl.jvp` with a random direction v must equal
the gradient from `tl.grad` dotted with v (uᵀ(J v) = (uᵀ J) v with u = 1 for
scalar outputs), and the primal value must be the function's.
"""

import copy

import numpy as np
import pytest

import tangentlike as tl
from directions import dot, random_like, wrt_positions, zero_like
from statement_forms import CASES

IDS = [case.name for case in CASES]








@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_matches_reverse(case):
    rng = np.random.default_rng(len(case.name))
    positions = wrt_positions(case)
    args = copy.deepcopy(case.args)
    tangents = [None] * len(args)
    for k in positions:
        tangents[k] = random_like(args[k], rng)
    for k, value in enumerate(args):        # other float inputs get a zero direction
        if tangents[k] is None and not isinstance(value, (bool, int, str)):
            tangents[k] = zero_like(value)
    value, out_tangent = tl.jvp(case.fn, args, tangents)
    np.testing.assert_allclose(value, case.fn(*copy.deepcopy(case.args)), rtol=1e-12)
    wrt = tuple(positions) if len(positions) > 1 else positions[0]
    gradient = tl.grad(case.fn, wrt=wrt)(*copy.deepcopy(case.args))
    gradients = gradient if len(positions) > 1 else (gradient,)
    expected = sum(dot(g, tangents[k]) for g, k in zip(gradients, positions))
    np.testing.assert_allclose(float(np.sum(out_tangent)), expected, rtol=1e-7, atol=1e-9)
