"""One minimized program per crash class the program fuzzer found, with asserted values.

Each is checked against central differences, by `grad`, `value_and_grad` and `jvp`,
with the arguments checked unchanged.  The class each stands for is named above it.
"""

import copy
import math

import numpy as np
import pytest

import tangentlike as tl
from oracles import central_difference


# zeros.py: a guard's own 0.0 reached a use (`(0.0 if ... else g(b)).T`)
def transposed_guarded_adjoint(x, y, z):
    s1 = z @ z.T
    s2 = np.sum(np.concatenate([x[1:], x[:1]]))
    s1 = s2
    return s1


# passes/simplify.py: a copy or single use was folded although the return reads the name too
def helper_writes_parameter(x, y, n, m=3):
    return _minus_then_square(x, y)


def _minus_then_square(a, b):
    a -= b
    return a * a


def parameter_rebound_then_returned(x, y, n):
    y -= x
    g1 = lambda q: q
    return g1(_second(_nothing(x, x), y, 2))


def _second(a, b, depth):
    return b


def _nothing(a, b):        # falls off its end: forward mode returned None for it
    pass


def written_parameter_returned(x, y, z):
    u1 = y[:1]
    u1[...] = 0.5
    z[1] = y
    return np.mean(z)


# ownership.py: a read-only broadcast adjoint (`_ntl.unreduce`) written in place
def broadcast_adjoint_written(x, y, z, n):
    u2 = y[:1]
    u2[...] = 0.5
    L5 = [np.sum(u2), 1.2]
    return sum(L5) + np.sum(y * x)


# zeros.py: the sentinel reached a call through arithmetic (`f(bt * 0.5)`, `a @ bt`)
# or through a guard nested in another call
def scaled_zero_adjoint(x, z, *, w=0.5, c=1.5):
    s8 = np.hypot(c, 0.5)
    t9 = np.cumsum(x.copy()) * 0.5
    if 0.7 / (1.0 + s8 * s8) > 0.2:
        pass
    else:
        return c + np.sum(x)
    return t9


def reshaped_twice_zero_adjoint(x, y, z, n, m=3):
    A1 = z.reshape(3, 3).reshape(3, 3)
    t10 = z[0]
    t10[1] = np.dot(x, y)
    return np.sum(A1)


def matmul_of_zero_adjoint(x, *, w=0.5):
    P1 = np.outer(x > 0.5, x)
    s2 = np.sum(P1[np.outer(x, x) > 0.26])
    k7 = 0
    while k7 < 3:
        k7 += 1
        if w < s2:
            continue
        return P1
    return np.mean(x)


# zeros.py: a sum of two guarded terms reached a helper that needs an array
def stacked_then_overwritten(x):
    A3 = np.stack([x, x, x])
    x[1] = np.trace(A3 @ A3.T)
    x[1:3] = 2.0
    t9 = x
    return np.sum(t9)


# zeros.py: an item of a tuple's adjoint (here the zero sentinel) reached a helper
def stacked_concatenation_unused(x, y):
    t1 = x * 1.0
    for k in range(2):
        A3 = np.stack([t1, np.concatenate([t1[1:], t1[:1]])])
        if k > 5:
            return np.sum(A3)
    return np.sum(t1 * t1) + y


# reverse.py: a replayed If's hoisted restore dropped the other pops of its branch's
# last statement (the shape `s` is measured by), whose pushes stayed: the tape misaligned
def replayed_test_restores_shape(x, y):
    s = np.sum(x)
    k = 0
    while k < 9:
        if s < 1.5:
            break
        s = 0.5 * s + np.sum(y)
    return s


# aliases.py: a view of an alias was written back into the alias' root, which writes
# through the alias (a copy of its own) had not kept up to date
def view_of_alias_written(x):
    t2 = x
    for i in range(3):
        t2[i] = t2[i] * float(i)
    u5 = t2[:1]
    u5[...] = 0.5
    t6 = t2
    return np.sum(t6 * x)


# aliases.py: `v += e` rebinds a NumPy scalar; only an array's is a write to write back
def scalar_alias_added_to(x, y):
    s8 = np.sum(y[y > 0.0])
    s11 = s8
    s11 += y.max()
    return s8 + s11 * 0.5



# reverse.py: a replayed `if` whose branch does not write the test's name pushes the
# object itself; an in-place write after the `if` changed what the test read back
def replayed_test_written_in_place(x, z):
    if np.sum(x) > 0.2:
        x += np.tanh(x)
    x[1] = np.sum(z)
    t4 = x
    u5 = t4[::2]
    return np.sum(u5)


# zeros.py: a helper given the sentinel (`_tl.unbroadcast(bs, t)`) passed it on to a
# function that needs an array
def concatenation_overwritten_by_power(x, y):
    s1 = _first(x @ x, 0.9)
    s6 = np.concatenate([y[1:], x[:1]]) + s1
    s6 = pow(s1, 2)
    return s6


def _first(a, b):
    return a


# runtime.unbroadcast: the sentinel times a narrower operand (`0.0 * y[None, :]`) has
# that operand's shape, narrower than the adjoint it stands for
def sentinel_times_narrower_operand(x, y):
    for i in range(2):
        A1 = np.stack([y, y, x])
        A4 = y[None, :] * A1
        if not 0.7 > 0.35:
            return A4
    return np.mean(y)


# passes/simplify.py: a zero adjoint (of np.full_like's shape-only argument) was inlined into
# the helper of np.cumsum, which needs an array, out of sight of zeros.py
def shape_only_argument_of_cumsum(x, y):
    t = np.full_like(np.cumsum(x * y), 0.5) * y
    return np.sum(t) + np.sum(np.zeros_like(np.sort(x)) * x)


# zeros.py: a call given two tangents was guarded on the first alone (np.linspace from
# a number to an array: the start's tangent is the sentinel, the stop's is not)
def linspace_from_a_number(x, z):
    s2 = 2.0
    s3 = _first(z.T, 0.9)
    s2 = np.sum(np.linspace(s2, s3, 3))
    return s2 + np.sum(x)


# zeros.py: the sentinel times a slope that is not finite (t ** 1.5 at t < 0, in a
# write nothing reads afterwards) gave nan where the derivative is 2
def unread_write_with_a_nan_slope(x):
    s7 = np.sum([x, x])
    t10 = x
    t13 = x
    t13 += np.power(t10, 1.5)
    return s7


# reverse.py: a split callee's backward sweep recomputed `_t1 = b * 0.9` from its
# parameter b, which the callee rebinds afterwards (the tape restores the new b)
def helper_rebinds_its_parameter(x):
    return _rebinds_b(np.min(x), 0.5)


def _rebinds_b(a, b):
    b = math.tanh(b * 0.9 / a)
    return b


# zeros.py: a guard's test evaluated a helper (`_ntl.expand(_ntl.undiag(bt, ...))`) on
# the sentinel that the guard was there to keep from it
def diagonal_of_a_diagonal_skipped(x, z):
    s2 = np.sum(x)
    k3 = 0
    while True:
        k3 += 1
        if k3 >= 2:
            break
        t4 = np.diag(np.diag(np.max(z, axis=0)))
        if s2 > -0.3:
            continue
        s2 += np.sum(t4)
    return s2


# normalize.py: a nested def written out at its call took `np` for a local of its own
# (`np.sort(y)` looks like `xs.sort()`), and renamed it
def nested_def_sorts(x, y):
    s1 = float(x.shape[0])

    def g2(q):
        return np.sum(np.sort(y) * q)
    s6, s7 = (s1, g2(1.5))
    return s7 + np.sum(x)

# pipeline.py: the forward function of a callee with no differentiated argument (its
# `wrt` empty) was described by its first `wrt` name: an IndexError
def callee_called_with_constants(x, y, n, m=3):
    s1 = _identity(1.5, k=0.9)
    y, s1 = (s1, y)
    return pow(_identity(s1), 2)


def _identity(a, k=0.5):
    return a


# normalize/loops.py: an inner loop over `i` inside a loop over `i`; the backward sweep
# replayed the outer loop over `i` itself, so a later read of `i` (a trip count) saw the
# outer index, not the inner loop's last value: the tape was read out of step (a crash)
def loop_target_rebound_inside(x, xs):
    for i in range(2):
        for i, v in enumerate(xs):
            x = math.exp(v)
        for _ in range(i):
            xs[0] = _first_or_second(x, 1.2, 3)
    return x


def _first_or_second(a, b, depth):
    if depth <= 0:
        return b
    return a


# passes/simplify.py: a zero adjoint still written `0.0 * 0.5` was inlined into the helper
# of np.cumsum (which needs an array) and folded to 0.0 there, out of sight of zeros.py
def scaled_zero_into_cumsum(x):
    t = np.full_like(np.cumsum(x) * 0.5, 0.5)
    return np.sum(t) + np.sum(x)


X3 = np.array([0.9025, 0.685, -0.8493])
Y3 = np.array([0.8037, -0.8349, -0.6425])
Z33 = np.array([[-0.5955, -0.6614, -0.7978], [-0.4349, -0.0429, 0.3387],
                [0.3015, 0.3988, 0.2589]])
Z23 = np.array([[-0.2381, -0.7966, 0.0351], [-0.163, 0.4215, 0.3334]])
Z24 = np.array([[-0.3267, 0.863, 0.6422, -0.2961], [0.3898, 0.9055, -0.6174, -0.3054]])
X4 = np.array([-0.8504, 0.1551, 0.2854, 0.7416])
ONE_SIXTH = 1.0 / 6.0

# zeros.py: a callee's backward sweep returns the zero sentinel for an array argument
# it does not differentiate, and the caller gave it to a helper that needs an array
# (`_ntl.unstack(_b2, ...)`: AttributeError), found through a checkpointed loop by the
# seed-16161616 campaign; the adjoints a backward sweep returns may be the sentinel
def _keeps_array(s, a):
    b = a
    return s * 2.0


def callee_ignores_stacked_array(x, s):
    a1 = np.stack([x, x, x])
    s4 = _keeps_array(s, a1)
    return s4 + np.sum(x)


def checkpointed_loop_ignores_stacked_array(x, s):
    a1 = np.stack([x, x, x])
    for j in tl.checkpointed(range(3), snapshots=2):
        s = s * 0.5
        a5 = a1
    return s + np.sum(x * x)


# inline.py: a rule template's local holding an adjoint (the pieces np.append's adjoint
# splits) was named like a primal temporary, so no zero guard saw it indexed
def appended_then_unused(x, n, *, w=0.5):
    s3 = w
    t8 = x
    w = np.append(x[0], t8)
    return s3


CASES = [
    (appended_then_unused, (X4, 4), (0,), (np.zeros(4),)),
    (callee_ignores_stacked_array, (X3, 0.7), (0, 1), (np.ones(3), 2.0)),
    (checkpointed_loop_ignores_stacked_array, (X3, 0.7), (0, 1), (2 * X3, 0.125)),
    (transposed_guarded_adjoint, (X4, 0.9785, Z23), (0, 1, 2),
     (np.ones(4), 0.0, np.zeros((2, 3)))),
    (helper_writes_parameter, (-0.3547, 0.0255, 3), (0, 1),
     (2 * (-0.3547 - 0.0255), -2 * (-0.3547 - 0.0255))),
    (parameter_rebound_then_returned, (-0.3472, -0.7333, 2), (0, 1), (-1.0, 1.0)),
    (written_parameter_returned, (X3, Y3, Z23), (0, 1, 2),
     (np.zeros(3), [0.0, ONE_SIXTH, ONE_SIXTH], [[ONE_SIXTH] * 3, [0.0] * 3])),
    (broadcast_adjoint_written, (X3, Y3, Z33, 2), (0, 1, 2),
     ([0.5, Y3[1], Y3[2]], [0.0, X3[1], X3[2]], np.zeros((3, 3)))),
    (scaled_zero_adjoint, (X3, Z33), (0, 1), (np.ones(3), np.zeros((3, 3)))),
    (reshaped_twice_zero_adjoint, (X3, Y3, Z33, 3), (0, 1, 2),
     (Y3, X3, [[1.0, 0.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])),
    (matmul_of_zero_adjoint, (X4,), (0,), (np.full(4, 0.25),)),
    (stacked_then_overwritten, (np.array([-0.3865, 0.6974, -0.585]),), (0,),
     (np.array([1.0, 0.0, 0.0]),)),
    (stacked_concatenation_unused, (X3, 0.5), (0, 1), (2 * X3, 1.0)),
    (replayed_test_restores_shape, (np.array([3.0, 2.0, 1.5]), np.array([0.25, 0.05])),
     (0, 1), (np.full(3, 0.5 ** 3), np.full(2, 1 + 0.5 + 0.25))),
    (view_of_alias_written, (X3,), (0,), ([0.0, 2 * X3[1], 8 * X3[2]],)),
    (scalar_alias_added_to, (X3, Y3 * -1.0), (0, 1), (np.zeros(3), [0.0, 2.0, 1.5])),
    (replayed_test_written_in_place, (np.array([-0.8541, -0.8136, 0.7531, 0.3568]), Z24),
     (0, 1), ([1.0, 0.0, 1.0, 0.0], np.zeros((2, 4)))),
    (concatenation_overwritten_by_power, (X3, Y3), (0, 1), (4 * (X3 @ X3) * X3, np.zeros(3))),
    (sentinel_times_narrower_operand, (X3, Y3), (0, 1), (np.zeros(3), np.full(3, 1 / 3))),
    (shape_only_argument_of_cumsum, (X3, Y3), (0, 1), (np.zeros(3), np.full(3, 0.5))),
    (linspace_from_a_number, (X3, Z23), (0, 1), (np.ones(3), np.full((2, 3), 1.5))),
    (unread_write_with_a_nan_slope, (X3,), (0,), (np.full(3, 2.0),)),
    (diagonal_of_a_diagonal_skipped, (X3, Z23), (0, 1), (np.ones(3), np.zeros((2, 3)))),
    (diagonal_of_a_diagonal_skipped, (-X3, Z23), (0, 1),
     (np.ones(3), [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])),
    (nested_def_sorts, (X3, Y3), (0, 1), (np.ones(3), np.full(3, 1.5))),
    (callee_called_with_constants, (0.7886, 0.9873, 2), (0, 1), (0.0, 2 * 0.9873)),
    (scaled_zero_into_cumsum, (X4,), (0,), (np.ones(4),)),
    (loop_target_rebound_inside, (0.9837, [-0.3833, 0.4919, -0.5693, 0.2852]), (0, 1),
     (0.0, [0.0, 0.0, 0.0, math.exp(0.2852)])),
    (helper_rebinds_its_parameter, (X3,), (0,),
     ([0.0, 0.0, (1 - np.tanh(0.45 / X3[2]) ** 2) * -0.45 / X3[2] ** 2],)),
]


@pytest.mark.parametrize("f, args, wrt, expected", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient(f, args, wrt, expected):
    before = copy.deepcopy(args)
    reference = central_difference(f, copy.deepcopy(args), wrt=wrt)
    got = tl.grad(f, wrt=wrt)(*args)
    value, again = tl.value_and_grad(f, wrt=wrt)(*args)
    for g, h, r, e in zip(got, again, reference, expected):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(h, e, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(r, e, rtol=1e-5, atol=1e-6)
    assert value == pytest.approx(f(*copy.deepcopy(args)))
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("f, args, wrt, expected", CASES, ids=[c[0].__name__ for c in CASES])
def test_tangent(f, args, wrt, expected):
    before = copy.deepcopy(args)
    direction = [np.ones_like(a) if k in wrt else 0.0 for k, a in enumerate(args)]
    _, tangent = tl.jvp(f, tuple(args), tuple(direction))
    assert tangent == pytest.approx(sum(np.sum(e) for e in expected))
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)
