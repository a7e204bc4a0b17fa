"""Forward mode over the statement-form table, checked against reverse mode.

For every case, the tangent from `tl.jvp` with a random direction v must equal
the gradient from `tl.grad` dotted with v (uᵀ(J v) = (uᵀ J) v with u = 1 for
scalar outputs), and the primal value must be the function's.
"""

import copy

import numpy as np
import pytest

import tangentlike as tl
from statement_forms import CASES

IDS = [case.name for case in CASES]


def _wrt_positions(case):
    names = list(case.fn.__code__.co_varnames[:case.fn.__code__.co_argcount])
    wrt = case.wrt if case.wrt is not None else 0
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    return [w if isinstance(w, int) else names.index(w) for w in items]


def _random_like(value, rng):
    if isinstance(value, np.ndarray):
        return rng.standard_normal(value.shape)
    if isinstance(value, (list, tuple)):
        return type(value)(_random_like(v, rng) for v in value)
    if isinstance(value, dict):
        return {k: _random_like(v, rng) for k, v in value.items()}
    return float(rng.standard_normal())


def _dot(a, b):
    if isinstance(a, (list, tuple)):
        return sum(_dot(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return sum(_dot(a[k], b[k]) for k in a)
    return float(np.sum(np.asarray(a) * np.asarray(b)))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_matches_reverse(case):
    rng = np.random.default_rng(len(case.name))
    positions = _wrt_positions(case)
    args = copy.deepcopy(case.args)
    tangents = [None] * len(args)
    for k in positions:
        tangents[k] = _random_like(args[k], rng)
    for k, value in enumerate(args):        # other float inputs get a zero direction
        if tangents[k] is None and not isinstance(value, (bool, int, str)):
            tangents[k] = _random_like(value, rng) * 0 if not isinstance(value, (list, tuple, dict)) \
                else _random_like(value, rng)
            if isinstance(value, (list, tuple)):
                tangents[k] = type(value)(0.0 * np.asarray(t) if isinstance(t, np.ndarray)
                                          else 0.0 for t in tangents[k])
            elif isinstance(value, dict):
                tangents[k] = {key: 0.0 for key in value}
    value, out_tangent = tl.jvp(case.fn, args, tangents)
    np.testing.assert_allclose(value, case.fn(*copy.deepcopy(case.args)), rtol=1e-12)
    wrt = tuple(positions) if len(positions) > 1 else positions[0]
    gradient = tl.grad(case.fn, wrt=wrt)(*copy.deepcopy(case.args))
    gradients = gradient if len(positions) > 1 else (gradient,)
    expected = sum(_dot(g, tangents[k]) for g, k in zip(gradients, positions))
    np.testing.assert_allclose(float(np.sum(out_tangent)), expected, rtol=1e-7, atol=1e-9)
