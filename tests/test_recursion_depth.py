"""Recursion is no more limited in derivatives than in the primal.

Generated code calls the generated derivative of a recursive callee directly, one
Python frame per recursive call of the primal, in every mode: the forward sweep
`forward_f` calls `forward_f`, the backward sweep `backward_f` calls `backward_f`,
forward-mode `jvp_f` calls `jvp_f`, and a method found at run time is called
through its generated derivative itself.  So under a recursion limit L, the depth d
the primal reaches is reached by each derivative under L + FRAMES, FRAMES being the
frames of tangentlike's own entry point and of a run-time method lookup (a constant,
whatever d is); two frames per level would need about 2 L.
"""

import math
import sys

import numpy as np
import pytest

import recursive_functions as rf
import tangentlike as tl

LIMIT = 1000
FRAMES = 16       # tangentlike's own frames on top of the recursion (a constant)

CASES = [
    ("damped", rf.damped, 0.7, rf.damped_slope),
    ("mutual", rf.even, 0.7, rf.even_slope),
    ("method", rf.through_method, 0.7, rf.damped_slope),
    ("keyword", rf.keyword_recursion, 0.7, rf.damped_slope),
    ("arrays", rf.on_arrays, np.array([0.2, 0.3]), rf.on_arrays_slope),
]

DERIVATIVES = {
    "grad": lambda f, x, n: tl.grad(f)(x, n),
    "value_and_grad": lambda f, x, n: tl.value_and_grad(f)(x, n)[1],
    "vjp": lambda f, x, n: tl.vjp(f, x, n)[1](1.0)[0],
    "jvp": lambda f, x, n: tl.jvp(f, (x, n), (np.ones_like(x) if np.ndim(x) else 1.0,
                                             0))[1],
    "derivative": lambda f, x, n: tl.derivative(f)(x, n),
}


def _deepest(call, top=4 * LIMIT):
    """The largest n for which call(n) raises no RecursionError."""
    low, high = 0, top
    while low < high:
        middle = (low + high + 1) // 2
        try:
            call(middle)
            low = middle
        except RecursionError:
            high = middle - 1
    return low


@pytest.fixture
def recursion_limit():
    old = sys.getrecursionlimit()
    try:
        yield sys.setrecursionlimit
    finally:
        sys.setrecursionlimit(old)


@pytest.mark.parametrize("mode", list(DERIVATIVES))
@pytest.mark.parametrize("name, f, x, slope", CASES, ids=[c[0] for c in CASES])
def test_derivatives_reach_the_primal_s_depth(recursion_limit, name, f, x, slope, mode):
    derivative = DERIVATIVES[mode]
    if mode == "derivative" and np.ndim(x):
        pytest.skip("tl.derivative takes a float")
    if mode == "vjp" and np.ndim(x):
        derivative = DERIVATIVES["grad"]
    derivative(f, x, 3)                       # generated before the limit is lowered
    before = np.copy(x)
    recursion_limit(LIMIT)
    depth = _deepest(lambda n: f(x, n))
    assert depth > LIMIT - 100               # (the test's own frames, pytest's included)
    recursion_limit(LIMIT + FRAMES)
    value = derivative(f, x, depth)
    recursion_limit(LIMIT)
    expected = slope(x, depth)
    if mode == "jvp":                         # along a tangent of ones
        expected = np.sum(expected)
    np.testing.assert_allclose(value, expected, rtol=1e-10)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("name, f, x, slope", CASES[:3], ids=[c[0] for c in CASES[:3]])
def test_each_level_costs_one_frame(recursion_limit, name, f, x, slope):
    """Raising the limit by 500 frames lets the gradient (recursing: with the optional
    passes off, "recursion-loops" among them, in the callees too) and the tangent go
    exactly 500 levels deeper, as the primal does."""
    tangent = DERIVATIVES["jvp"]

    def grad(f, x, n):
        return tl.grad(f, optimize=False)(x, n)
    grad(f, x, 3), tangent(f, x, 3)
    reached = {}
    for limit in (LIMIT, LIMIT + 500):
        recursion_limit(limit)
        reached[limit] = [_deepest(lambda n: f(x, n)), _deepest(lambda n: grad(f, x, n)),
                          _deepest(lambda n: tangent(f, x, n))]
        recursion_limit(LIMIT)
    assert [b - a for a, b in zip(reached[LIMIT], reached[LIMIT + 500])] == [500, 500, 500]
    primal, *derivatives = reached[LIMIT]
    assert all(primal - FRAMES <= d <= primal for d in derivatives)


def test_a_gradient_whose_recursion_became_loops_goes_deeper_than_the_primal(
        recursion_limit):
    """With "recursion-loops" the sweeps of a function that calls itself once per level
    are loops (passes/recursion_loops.py): no Python frame per level at all."""
    f, x = rf.damped, 0.7
    tl.grad(f)(x, 3)
    recursion_limit(LIMIT)
    depth = _deepest(lambda n: f(x, n))
    deep = 3 * LIMIT
    value = tl.grad(f)(x, deep)
    recursion_limit(LIMIT)
    assert depth < LIMIT < deep
    assert value == pytest.approx(rf.damped_slope(x, deep), rel=1e-10)
    assert "# the recursion as" in tl.source(f, args=(x, 3), include_callees=True)


def test_second_order_derivatives_of_recursion_go_as_deep(recursion_limit):
    f, x = rf.damped, 0.7
    tl.derivative(f, order=2)(x, 3), tl.hvp(f, (x, 3), (1.0, 0)), tl.hessian(f)(x, 3)
    recursion_limit(LIMIT)
    depth = _deepest(lambda n: f(x, n))
    recursion_limit(LIMIT + FRAMES)
    second = tl.derivative(f, order=2)(x, depth)
    product = tl.hvp(f, (x, depth), (1.0, 0))
    hessian = tl.hessian(f)(x, depth)
    recursion_limit(LIMIT)
    h = 1e-4
    expected = (rf.damped_slope(x + h, depth) - rf.damped_slope(x - h, depth)) / (2 * h)
    assert second == pytest.approx(expected, rel=1e-6)
    assert product == pytest.approx(second, rel=1e-12)
    assert hessian == pytest.approx(second, rel=1e-12)


def test_generated_recursion_calls_its_own_derivative():
    """One frame per level, by construction: the sweeps call themselves."""
    text = tl.source(rf.damped, args=(0.7, 3), include_callees=True)
    assert "_t2 = forward_damped(x, n - 1, _tape)" in text
    tangent = tl.source(rf.damped, mode="forward", args=(0.7, 3))
    assert "= jvp_damped(x, n - 1, dx)" in tangent
    through_method = tl.source(rf.through_method, mode="forward", args=(0.7, 3))
    assert "jvp_walk(_t1, x, n, dx)" in through_method


def test_slopes_are_right():
    """The loop-computed references agree with central differences."""
    h = 1e-6
    for f, slope in [(rf.damped, rf.damped_slope), (rf.even, rf.even_slope)]:
        for n in (0, 1, 2, 7):
            expected = (f(0.7 + h, n) - f(0.7 - h, n)) / (2 * h)
            assert slope(0.7, n) == pytest.approx(expected, rel=1e-6)
    assert math.isclose(rf.through_method(0.7, 5), rf.damped(0.7, 5))


def _difference(f, x, n, h=1e-6):
    return (f(x + h, n) - f(x - h, n)) / (2 * h)


def test_method_derivatives_follow_what_the_method_reads(monkeypatch):
    """A method's derivative, asked for at every call, is kept between calls only while
    the function, and the callables it reads, stay the same."""
    f, x, n = rf.through_stepper, 0.7, 6
    for _ in range(2):
        assert tl.grad(f)(x, n) == pytest.approx(_difference(f, x, n), rel=1e-7)
        assert tl.jvp(f, (x, n), (1.0, 0))[1] == pytest.approx(_difference(f, x, n), rel=1e-7)
    monkeypatch.setattr(rf, "squash", rf.other_squash)            # a global it calls
    assert tl.grad(f)(x, n) == pytest.approx(_difference(f, x, n), rel=1e-7)
    assert tl.jvp(f, (x, n), (1.0, 0))[1] == pytest.approx(_difference(f, x, n), rel=1e-7)
    monkeypatch.setattr(rf.Stepper, "step", rf.step_with_square)  # the method itself
    assert tl.grad(f)(x, n) == pytest.approx(_difference(f, x, n), rel=1e-7)
    assert tl.jvp(f, (x, n), (1.0, 0))[1] == pytest.approx(_difference(f, x, n), rel=1e-7)
    monkeypatch.undo()
    assert tl.grad(f)(x, n) == pytest.approx(_difference(f, x, n), rel=1e-7)
