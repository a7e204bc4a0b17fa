"""Zero guards (zeros.py) as generated code shows them: a guard tests the derivative
names a helper's value is linear in, never computes the helper twice, is written once
per test, and is left out for derivative temporaries that only hold numbers.  The
gradients are checked against central differences, with the inputs left unchanged.
"""

import re

import numpy as np
import pytest

import tangentlike as tl

from oracles import central_difference


def log_softmax_pick(W, X):
    logits = X @ W
    logits = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    hidden = np.maximum(0.0, log_probs + 1.0)
    return np.sum(hidden) - np.mean(log_probs[:, 0])


def american_put(S0, sigma, r):
    steps, K = 8, 1.1
    u = np.exp(sigma * 0.25)
    d = 1.0 / u
    p = (np.exp(r * 0.25) - d) / (u - d)
    values = [max(K - S0 * u ** j * d ** (steps - j), 0.0) for j in range(steps + 1)]
    for i in range(steps - 1, -1, -1):
        for j in range(i + 1):
            continuation = 0.98 * (p * values[j + 1] + (1 - p) * values[j])
            values[j] = max(continuation, K - S0 * u ** j * d ** (i - j))
    return values[0]


def guard_tests(source):
    return re.findall(r"if (_ntl\.is_zero\(.*?\)(?: and _ntl\.is_zero\(.*?\))*) else", source)


def test_a_helper_is_never_computed_twice_by_its_guard():
    rng = np.random.default_rng(3)
    args = (rng.standard_normal((4, 3)), rng.standard_normal((5, 4)))
    source = tl.source(log_softmax_pick, wrt=0, args=args)
    for test in guard_tests(source):
        assert "_ntl.is_zero(_ntl." not in test and "_ntl.is_zero(_tl." not in test, test
        parts = test.split(" and ")
        assert len(parts) == len(set(parts)), test           # each test written once
    before = [a.copy() for a in args]
    np.testing.assert_allclose(tl.grad(log_softmax_pick)(*args),
                               central_difference(log_softmax_pick, args, wrt=(0,))[0],
                               rtol=1e-6, atol=1e-8)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("optimize", [True, False])
def test_number_temporaries_carry_no_guard(optimize):
    args = (1.0, 0.3, 0.02)
    source = tl.source(american_put, wrt=(0, 1, 2), args=args, optimize=optimize)
    backward = source.split("# backward sweep", 1)[1]
    assert "is_zero" not in backward
    got = tl.grad(american_put, wrt=(0, 1, 2), optimize=optimize)(*args)
    for e, g in zip(central_difference(american_put, args, wrt=(0, 1, 2)), got):
        assert g == pytest.approx(e, rel=1e-6, abs=1e-9)
