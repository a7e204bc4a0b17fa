"""The pass "recompute": cheap numbers a loop computes are recomputed by the backward
sweep instead of being kept on the tape (passes/recompute.py).  Each program is
checked in both modes, against central differences and autograd, with the pass on,
off and with every pass off; the tape is checked to shrink only where the contract
allows it."""

import math

import numpy as np

import pytest

import tangentlike as tl
from benchmark_workloads import load_benchmark
from matching import assert_matches_differences
from oracles import central_difference
from tangentlike.pipeline import OPTIONAL

WITHOUT = frozenset(OPTIONAL) - {"recompute"}


def pendulum(theta, omega, length, steps):
    for _ in range(steps):
        alpha = -(9.81 / length) * math.sin(theta)
        theta = theta + 0.01 * omega
        omega = omega + 0.01 * alpha
    return 0.5 * omega ** 2 + 9.81 * (1.0 - math.cos(theta))


def orbit(anomalies, e, a):
    total = 0.0
    for M in anomalies:
        E = M + e * math.sin(M)
        x = a * (math.cos(E) - e)
        y = a * math.sqrt(1.0 - e * e) * math.sin(E)
        total += math.sqrt(x * x + y * y)
    return total


def operand_rebound(x, n):
    y = 0.0
    for i in range(n):
        t = math.sin(x)
        x = x * 0.5 + 0.1           # binds t's operand before t is read: kept on the tape
        y = y + t * x
    return y


def read_after_the_loop(x, n):
    t = 0.0
    for i in range(n):
        t = math.sin(x * i)
        x = x + 0.1 * t
    return t * x


def breaks(x, n):
    y = 0.0
    for i in range(n):
        t = math.exp(-x * i)
        if t < 0.2:
            break
        y = y + t * x
    return y


def while_true(x):
    y = 0.0
    k = 0.0
    while True:
        t = math.cos(x + k)
        y = y + t * t
        k = k + 0.5
        if k > 3.0:
            break
    return y


def nested(x, n):
    s = 0.0
    for i in range(n):
        for j in range(n):
            t = math.sin(x * i + j)
            s = s + t * t * x
    return s


def damped(x, c):
    for _ in range(4):
        u = math.tanh(c * x)
        x = x - 0.1 * u
    return x


def calls_a_loop(x, c):
    total = 0.0
    for k in range(3):
        total = total + damped(x + k, c)
    return total


def copies(x, n):
    s = 0.0
    for i in range(n):
        y = x                       # a copy of a number: recomputed
        s = s + y * y
        z = x                       # ... but not this one: x is rebound before s reads z
        x = math.sin(x) + 0.1 * i
        s = s + z * x
    return s


CASES = [
    (copies, (0.4, 6), (0,)),
    (pendulum, (0.4, 0.1, 1.3, 30), (0, 1, 2)),
    (orbit, ([0.3, 1.1, 2.5, 4.0], 0.2, 1.5), (1, 2)),
    (operand_rebound, (0.7, 5), (0,)),
    (read_after_the_loop, (0.7, 5), (0,)),
    (breaks, (0.3, 20), (0,)),
    (while_true, (0.3,), (0,)),
    (nested, (0.3, 4), (0,)),
    (calls_a_loop, (0.3, 0.8), (0, 1)),
]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
@pytest.mark.parametrize("optimize", [True, WITHOUT, False], ids=["on", "off", "none"])
def test_gradients_agree(f, args, wrt, optimize):
    assert_matches_differences(f, args, wrt, optimize)


def _pushes_in_loops(f, args, wrt, optimize=True):
    source = tl.source(tl.grad(f, wrt=wrt, optimize=optimize), args=args,
                       include_callees=True)
    return sum(1 for line in source.splitlines()
               if line.startswith(" " * 8) and "_push(" in line)


def test_the_tape_keeps_only_what_cannot_be_recomputed():
    """The pendulum keeps theta (overwritten) but not sin(theta); the orbit keeps
    nothing per point: every number is recomputed from the anomaly (the loop's
    element) and the parameters."""
    args = (0.4, 0.1, 1.3, 30)
    assert _pushes_in_loops(pendulum, args, (0, 1, 2)) == 1
    assert _pushes_in_loops(pendulum, args, (0, 1, 2), WITHOUT) == 2
    source = tl.source(tl.grad(pendulum, wrt=(0, 1, 2)), args=args)
    assert "_t1 = math.sin(theta)" in source.split("backward sweep")[1]
    orbit_args = ([0.3, 1.1, 2.5, 4.0], 0.2, 1.5)
    assert _pushes_in_loops(orbit, orbit_args, (1, 2)) \
        < _pushes_in_loops(orbit, orbit_args, (1, 2), WITHOUT)


def test_what_the_contract_excludes_stays_on_the_tape():
    """An operand bound between `t = e` and its reader, and a `t` read after the
    loop: the tape keeps `t` (the values are checked in test_gradients_agree)."""
    for f, args in ((operand_rebound, (0.7, 5)), (read_after_the_loop, (0.7, 5))):
        assert _pushes_in_loops(f, args, (0,)) == _pushes_in_loops(f, args, (0,), WITHOUT)


moving_averages = load_benchmark("practitioners/programs.py",
                                 "practitioners_programs").ema_crossover_signal


def moving_averages_written(prices, a):
    fast = prices[0]
    signal = 0.0
    for k in range(1, len(prices)):
        p = prices[k]
        prices[k - 1] = 0.5 * p          # a container changes: elements stay on the tape
        fast = a * p + (1 - a) * fast
        signal += fast * prices[k - 1]
    return signal


ELEMENT_CASES = [
    (moving_averages, ([1.0, 1.3, 0.7, 1.1, 1.6, 0.9], 0.3, 0.6), (0, 1, 2)),
    (moving_averages, (np.array([1.0, 1.3, 0.7, 1.1, 1.6, 0.9]), 0.3, 0.6), (0, 1, 2)),
    (moving_averages_written, (np.array([1.0, 1.3, 0.7, 1.1, 1.6, 0.9]), 0.3), (0, 1)),
]


@pytest.mark.parametrize("f, args, wrt", ELEMENT_CASES,
                         ids=["list", "vector", "written"])
@pytest.mark.parametrize("optimize", [True, WITHOUT, False], ids=["on", "off", "none"])
def test_elements_are_read_again(f, args, wrt, optimize):
    assert_matches_differences(f, args, wrt, optimize)


def test_an_element_is_read_again_only_where_no_container_changes():
    for args in ELEMENT_CASES[0][1], ELEMENT_CASES[1][1]:
        assert _pushes_in_loops(moving_averages, args, (0, 1, 2)) == 2     # fast, slow
    args = ELEMENT_CASES[2][1]
    source = tl.source(tl.grad(moving_averages_written, wrt=(0, 1)), args=args)
    backward = [line.strip() for line in source.split("backward sweep")[1].splitlines()]
    assert "p = prices[k]" not in backward and "p = _pop()" in backward


def newton(M, e):
    E = M
    for _ in range(6):
        E = E - (E - e * math.sin(E) - M) / (1.0 - e * math.cos(E))
    return E


def newton_rebinds_between(M, e):
    E = M
    total = 0.0
    for _ in range(6):
        s = math.sin(E)
        E = E - (E - e * s - M) / (1.0 - e * math.cos(E))
        total = total + s * E          # s read after E is rebound: its reader is later
    return total


@pytest.mark.parametrize("f", [newton, newton_rebinds_between])
@pytest.mark.parametrize("optimize", [True, WITHOUT, False], ids=["on", "off", "none"])
def test_a_value_its_reader_overwrites_is_recomputed_after_the_restore(f, optimize):
    """`E = E - f(E, sin(E))`: the block of the update restores E first, so sin(E) is
    recomputed from the restored E (one value per iteration kept, E); where a later
    statement reads the value, its operand E is rebound before that reader, and the
    value stays on the tape."""
    assert_matches_differences(f, (0.7, 0.3), (0, 1), optimize)


def test_newton_keeps_one_value_per_iteration():
    assert _pushes_in_loops(newton, (0.7, 0.3), (0, 1)) == 1
    assert _pushes_in_loops(newton, (0.7, 0.3), (0, 1), WITHOUT) == 3
    source = tl.source(tl.grad(newton_rebinds_between, wrt=(0, 1)), args=(0.7, 0.3))
    assert "_push(s)" in source and "_push(_t" not in source    # s kept; cos(E) is not


def carried_parameter(x, n):
    w = 0.5
    for _ in range(n):
        t = x                       # the last pass's x (a parameter: bound before too)
        x = t * w + math.cos(t)
        w = w * x
    return x


def carried_local(x, n):
    total = 0.0
    for k in range(n):
        a = x * 0.5 + k             # ... reads b's value from the last pass
        b = math.sin(a) + 0.1 * k
        x = x + b * 0.3
        total = total + a * b
    return total


@pytest.mark.parametrize("f", [carried_parameter, carried_local])
@pytest.mark.parametrize("optimize", [True, WITHOUT, False], ids=["on", "off", "none"])
def test_values_carried_around_the_loop(f, optimize):
    """A parameter rebound in the loop, read first: its value is the last pass's (the
    case the restore-first placement got wrong before it excluded parameters)."""
    assert_matches_differences(f, (0.6, 4), (0,), optimize)
    hessian = tl.grad(tl.grad(f))(0.6, 4)      # (higher orders are always optimized)
    expected = central_difference(tl.grad(f), (0.6, 4), wrt=(0,))[0]
    assert hessian == pytest.approx(expected, rel=1e-5, abs=1e-6)


# Horner's rule over `reversed(coeffs)`: an index `len(coeffs) - 1 - i`, recomputed
horner_fit = load_benchmark("practitioners/programs.py",
                            "practitioners_programs").polynomial_fit_error


def clipped(x, n):
    s = 0.0
    for i in range(n):
        t = min(abs(x - 0.1 * i), max(x, 0.3))     # abs, min and max of numbers
        s = s + t * x
    return s


def appends(xs, n):
    ys = list(xs)
    s = 0.0
    for i in range(n):
        m = len(ys) - 1              # the length changes in the loop: kept on the tape
        ys.append(ys[m] * 0.5)
        s = s + ys[m] * ys[m]
    return s


BUILTIN_CASES = [
    (horner_fit, (np.array([0.3, -1.2, 0.7, 2.0]), [0.1, 0.6, -0.4], [1.0, 0.2, -0.3]),
     (0,)),
    (horner_fit, ([0.3, -1.2, 0.7, 2.0], [0.1, 0.6, -0.4], [1.0, 0.2, -0.3]), (0,)),
    (clipped, (0.45, 6), (0,)),
    (clipped, (0.23, 6), (0,)),
    (appends, ([0.4, 1.3], 3), (0,)),
]


@pytest.mark.parametrize("f, args, wrt", BUILTIN_CASES,
                         ids=["horner-vector", "horner-list", "clipped-a", "clipped-b",
                              "appends"])
@pytest.mark.parametrize("optimize", [True, WITHOUT, False], ids=["on", "off", "none"])
def test_lengths_and_number_builtins_are_recomputed(f, args, wrt, optimize):
    assert_matches_differences(f, args, wrt, optimize)


def test_a_split_callee_keeps_nothing_per_step_that_it_can_recompute():
    """Horner's reversed loop reads coeffs[len(coeffs) - 1 - i]: the backward sweep
    computes the index again from i, and the callee's tape holds only what its
    backward sweep reads before binding it (coeffs and x, not the last index)."""
    args = BUILTIN_CASES[0][1]
    source = tl.source(tl.grad(horner_fit), args=args, include_callees=True)
    forward = source.split("def forward_horner")[1].split("def backward_horner")[0]
    assert "_push(" not in forward and "_tape.append((coeffs, x))" in forward
    assert _pushes_in_loops(clipped, (0.45, 6), (0,)) == 0
    assert _pushes_in_loops(clipped, (0.45, 6), (0,), WITHOUT) > 0
    assert _pushes_in_loops(appends, ([0.4, 1.3], 3), (0,)) \
        == _pushes_in_loops(appends, ([0.4, 1.3], 3), (0,), WITHOUT)
