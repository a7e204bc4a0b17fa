"""The benchmark workloads (benchmarks/workloads.py) at small sizes.

Keeps the benchmark honest: every hand-written gradient is checked against
central differences on a few coordinates and against autograd, and tangentlike's
gradient against the hand-written one (rtol 1e-9, as benchmarks/run.py does).
"""

import inspect
import math

import autograd
import numpy as np
import pytest

import tangentlike as tl
from benchmark_workloads import load_workloads

RTOL = 1e-9


ALL_SMALL = [w.small() for w in load_workloads().WORKLOADS]
SMALL = [w for w in ALL_SMALL if w.derivative == "gradient"]
OTHER_DERIVATIVES = [w for w in ALL_SMALL if w.derivative != "gradient"]

# W1 iterates a chaotic map 1000 times (its derivative is about -3e160): central
# differences mean nothing there, so its hand-written gradient is checked
# against autograd only.
CHAOTIC = {"W1"}


def by_name(workloads):
    return pytest.mark.parametrize("w", workloads, ids=[w.name for w in workloads])


def wrt_positions(w):
    """Positions of the differentiated parameters, in `wrt` order."""
    params = list(inspect.signature(w.primal).parameters)
    wrt = w.wrt if isinstance(w.wrt, tuple) else (w.wrt,)
    return [params.index(k) if isinstance(k, str) else k for k in wrt]


def as_tuple(w, gradient):
    """One gradient per `wrt` entry."""
    return gradient if isinstance(w.wrt, tuple) else (gradient,)


def assert_same_gradient(w, got, expected):
    """Same structure, and each gradient within RTOL of the largest entry of the expected one."""
    if isinstance(w.wrt, tuple):
        assert type(got) is tuple and len(got) == len(expected), \
            f"expected a tuple of {len(expected)} gradients, got {type(got).__name__}"
    for name, g, e in zip(wrt_positions(w), as_tuple(w, got), as_tuple(w, expected)):
        assert np.shape(g) == np.shape(e), f"argument {name}: shape {np.shape(g)} != {np.shape(e)}"
        scale = float(np.max(np.abs(e), initial=0.0))
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=RTOL * scale,
                                   err_msg=f"{w.name}, gradient of argument {name}")


def shifted(args, position, index, step):
    """A copy of `args` with `args[position][index]` (or the scalar itself) moved by `step`."""
    args = list(args)
    value = args[position]
    if isinstance(value, np.ndarray):
        value = value.copy()
        value[index] += step
    else:
        value = value + step
    args[position] = value
    return args


def coordinates(value):
    """A few coordinates of an argument: first, middle and last entry (or the scalar)."""
    if not isinstance(value, np.ndarray):
        return [()]
    flat = sorted({0, value.size // 2, value.size - 1})
    return [np.unravel_index(i, value.shape) for i in flat]


@by_name([w for w in SMALL if w.name not in CHAOTIC])
def test_handwritten_matches_central_differences(w):
    f0 = float(w.primal(*w.args))
    gradients = as_tuple(w, w.handwritten(*w.args))
    for position, gradient in zip(wrt_positions(w), gradients):
        scale = float(np.max(np.abs(gradient)))
        for index in coordinates(w.args[position]):
            x = float(np.asarray(w.args[position])[index])
            h = 1e-6 * max(1.0, abs(x))
            fd = (w.primal(*shifted(w.args, position, index, h))
                  - w.primal(*shifted(w.args, position, index, -h))) / (2 * h)
            noise = 10 * np.finfo(float).eps * max(1.0, abs(f0)) / h
            analytic = float(np.asarray(gradient)[index])
            assert abs(fd - analytic) <= 1e-6 * (abs(analytic) + scale) + noise, \
                (f"{w.name}: argument {position} at {index}: hand-written {analytic!r}, "
                 f"central difference {fd!r}")


@by_name(SMALL)
def test_handwritten_matches_autograd(w):
    fun = w.autograd_primal or w.primal
    positions = wrt_positions(w)
    argnum = tuple(positions) if isinstance(w.wrt, tuple) else positions[0]
    expected = autograd.grad(fun, argnum)(*w.args)
    assert_same_gradient(w, w.handwritten(*w.args), expected)


@by_name([w for w in SMALL if w.autograd_primal is not None])
def test_autograd_variant_computes_the_primal(w):
    assert math.isclose(float(w.autograd_primal(*w.args)), float(w.primal(*w.args)),
                        rel_tol=1e-12)


@by_name(SMALL)
def test_tangentlike_matches_handwritten(w):
    got = tl.grad(w.primal, wrt=w.wrt)(*w.args)
    assert_same_gradient(w, got, w.handwritten(*w.args))


# -- rows measuring other derivatives (forward mode, Hessian-vector products) ------------

@by_name(OTHER_DERIVATIVES)
def test_derivative_columns_agree(w):
    """The hand-written derivative, tangentlike's and autograd's are the same numbers."""
    expected = w.handwritten(*w.args)
    for column in (w.tangentlike, w.autograd):
        got = column(w)(*w.args)
        scale = float(np.max(np.abs(expected)))
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=RTOL * scale,
                                   err_msg=f"{w.name}: {column.__name__}")


def test_handwritten_hvp_matches_differences_of_the_gradient():
    w = next(w for w in OTHER_DERIVATIVES if w.derivative == "hvp")
    workloads = load_workloads()
    x, v = w.args
    h = 1e-6
    fd = (workloads.rosenbrock_grad(x + h * v) - workloads.rosenbrock_grad(x - h * v)) / (2 * h)
    np.testing.assert_allclose(w.handwritten(x, v), fd, rtol=1e-6, atol=1e-6)


def test_handwritten_tangent_is_the_derivative():
    """W1's map is chaotic over 1000 steps; over 5 the difference quotient is exact enough."""
    workloads = load_workloads()
    source = inspect.getsource(workloads.logistic_tangent).replace("1000", "5")
    scope = {}
    exec(source.replace("def logistic_tangent", "def tangent5"), scope)

    def logistic5(v):
        for _ in range(5):
            v = 4.0 * v * (1.0 - v) * 0.9 + 0.05
        return v
    h = 1e-6
    assert scope["tangent5"](0.3) == pytest.approx(
        (logistic5(0.3 + h) - logistic5(0.3 - h)) / (2 * h), rel=1e-7)


# -- hand-written gradients beyond the benchmark's sizes ----------------------------

@by_name(SMALL)
def test_handwritten_leaves_its_arguments_alone(w):
    """Hand-written gradients may compute in place (W4's does, in its own temporaries)."""
    before = [a.copy() if isinstance(a, np.ndarray) else a for a in w.args]
    w.handwritten(*w.args)
    for position, (a, b) in enumerate(zip(w.args, before)):
        if isinstance(b, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=f"{w.name}: argument {position}")


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 20])
@pytest.mark.parametrize("x", [-1.3, 0.3, 2.0])
def test_flattened_recursion_gradient(x, n):
    """W2's loop (and the recursive pair kept beside it) at every depth, the base case included."""
    workloads = load_workloads()
    expected = autograd.grad(workloads.recurse_ag)(x, n)
    h = 1e-6
    fd = (workloads.recurse(x + h, n) - workloads.recurse(x - h, n)) / (2 * h)
    for hand in (workloads.recurse_grad, workloads.recurse_grad_recursive):
        got = hand(x, n)
        assert got == pytest.approx(expected, rel=1e-12), hand.__name__
        assert got == pytest.approx(fd, rel=1e-7, abs=1e-7), hand.__name__


@pytest.mark.parametrize("n", [2, 3, 4, 100])
def test_rosenbrock_gradient_at_every_length(n):
    workloads = load_workloads()
    x, = workloads.rosenbrock_args(n)
    expected = autograd.grad(workloads.rosenbrock_ag)(x)
    np.testing.assert_allclose(workloads.rosenbrock_grad(x), expected,
                               rtol=RTOL, atol=RTOL * np.max(np.abs(expected)))


def test_tanh_cnd_slope_is_its_derivative():
    """W7-tanh's local derivative, over both tails and through 0, against central
    differences and autograd; and the approximation is within 2e-4 of the normal CDF."""
    workloads = load_workloads()
    d = np.linspace(-6.0, 6.0, 121)
    th, slope = workloads.tanh_and_cnd_slope(d)
    np.testing.assert_allclose(0.5 + 0.5 * th, workloads.cnd_tanh(d), rtol=1e-14, atol=1e-15)
    h = 1e-6
    fd = (workloads.cnd_tanh(d + h) - workloads.cnd_tanh(d - h)) / (2 * h)
    np.testing.assert_allclose(slope, fd, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(slope, autograd.elementwise_grad(workloads.cnd_tanh_ag)(d),
                               rtol=1e-12, atol=1e-15)
    exact = np.array([0.5 * (1.0 + math.erf(v / math.sqrt(2.0))) for v in d])
    assert np.max(np.abs(workloads.cnd_tanh(d) - exact)) < 2e-4
