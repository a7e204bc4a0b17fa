"""One check the tests of the passes share: a function's gradient in both modes,
against central differences and autograd, with its arguments unchanged."""

import numpy as np
import pytest

import tangentlike as tl
from oracles import autograd_grad, central_difference


def assert_matches_differences(f, args, wrt, optimize=True):
    """tl.grad of `f` (reverse mode) equals central differences, and autograd's
    gradient where autograd runs `f`; tl.jvp (forward mode) along ones in `wrt` equals
    the differences' sum; neither changes `args`."""
    before = [np.copy(a) for a in args]
    expected = central_difference(f, args, wrt=wrt)
    got = tl.grad(f, wrt=wrt, optimize=optimize)(*args)
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-6)
    oracle = autograd_grad(f, args, wrt=wrt)
    if oracle is not None:
        for e, g in zip(oracle, got):
            np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12)
    tangents = tuple(np.ones_like(a, dtype=float) if k in wrt else np.zeros_like(a, dtype=float)
                     for k, a in enumerate(args))
    _, slope = tl.jvp(f, args, tangents, optimize=optimize)
    assert slope == pytest.approx(sum(np.sum(e) for e in expected), rel=1e-6, abs=1e-6)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)
