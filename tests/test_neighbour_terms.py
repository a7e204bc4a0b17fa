"""Gradients of sums over neighbouring elements (`x[1:]`, `x[:-1]`), as in Rosenbrock.

Their generated gradients take each part of the argument read more than once just
once (`x_to_m1 = x[:-1]`), and, when every operand of the summed terms is a slice of
one array of the same length (`x[1:]` and `x[:-1]` both have len(x) - 1 elements),
accumulate into the gradient in place (`bx[1:] += ...`) instead of through the
runtime's `add_at`, which must otherwise allow for broadcasting.  Each function is
checked against central differences, autograd, and `tl.value_and_grad` (whose code,
being differentiable again, keeps the helpers).  The last section checks the same for
the adjoints of array arguments summed in place over a loop (`bWh += ...`, W6's RNN).

What the generated code does is observed while it runs (tests/counting.py): the
helpers it calls, the parts it reads from the argument, the parts of the gradient it
assigns, and the new arrays its arithmetic makes, compared with a careful hand-written
gradient or with the same gradient made without the pass in question.
"""
import inspect

import numpy as np
import pytest

import tangentlike as tl
from counting import ArrayLog, helper_calls, peak_memory
from oracles import assert_grad_close, autograd_grad, central_difference
from tangentlike.pipeline import OPTIONAL

RNG = np.random.default_rng(29)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def second_difference(x):
    return np.sum((x[2:] - 2.0 * x[1:-1] + x[:-2]) ** 2)


def total_variation(x):
    return np.sum(np.sqrt((x[1:] - x[:-1]) ** 2 + 1e-3))


def scaled_products(x, c):
    return np.sum(c * x[1:] * x[:-1] + np.sin(x[:-1]))


def weighted_differences(x, w):
    return np.sum(w * (x[1:] - x[:-1]) ** 2)


def mixed_lengths(x):
    return np.sum(x[1:] * x[1:]) + np.sum(x[:-1] ** 3)


def helper(v):
    return v[1:] * 2.0


def passes_its_argument_on(x):
    return np.sum(helper(x) * x[:-1] + x[:-1])


# name -> (function, arguments, accumulations in place: "all", "some" or "none")
CASES = {
    "rosenbrock": (rosenbrock, lambda: (RNG.uniform(-1.5, 1.5, 9),), "all"),
    "rosenbrock_rows_of_a_matrix": (rosenbrock, lambda: (RNG.uniform(-1.5, 1.5, (5, 3)),),
                                    "all"),
    "second_difference": (second_difference, lambda: (RNG.standard_normal(8),), "all"),
    "total_variation": (total_variation, lambda: (RNG.standard_normal(7),), "all"),
    "scaled_products": (scaled_products, lambda: (RNG.standard_normal(6), 0.7), "all"),
    "weighted_differences": (weighted_differences,
                             lambda: (RNG.standard_normal(6), RNG.uniform(0.5, 2.0, 5)),
                             "none"),
    "weighted_differences_broadcast": (weighted_differences,
                                       lambda: (RNG.standard_normal(6),
                                                RNG.uniform(0.5, 2.0, (3, 5))), "none"),
    "mixed_lengths": (mixed_lengths, lambda: (RNG.standard_normal(6),), "some"),
    "passes_its_argument_on": (passes_its_argument_on, lambda: (RNG.standard_normal(6),),
                               "none"),
}


def _watched_call(derivative, args):
    """(result, calls, log): `derivative` run on `args`, the first watched as `x`."""
    log = ArrayLog()
    watched = (log.watch(args[0], "x"),) + tuple(args[1:])
    with helper_calls() as calls:
        result = derivative(*watched)
    return result, calls, log


def _through_helpers(calls):
    return calls.total("numpy_runtime.add_at", "numpy_runtime.subtract_at")


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradient_matches_differences_autograd_and_value_and_grad(case):
    fn, make, _ = CASES[case]
    args = make()
    copies = [np.copy(a) for a in args]
    got = tl.grad(fn)(*args)
    assert all(np.array_equal(a, c) for a, c in zip(args, copies))    # inputs untouched
    assert got.shape == args[0].shape
    assert_grad_close(got, central_difference(fn, args, 0), rtol=1e-5, atol=1e-6)
    assert_grad_close(got, autograd_grad(fn, args, 0))
    assert_grad_close(got, tl.value_and_grad(fn)(*args)[1])


@pytest.mark.parametrize("case", sorted(CASES))
def test_accumulates_in_place_only_where_the_operands_have_one_shape(case):
    """With "all", the generated code assigns every part of the gradient in place, into
    zeros made once, and no `add_at` runs; with "none", every part goes through
    `add_at` / `subtract_at`; with "some", both happen."""
    fn, make, in_place = CASES[case]
    args = make()
    got, calls, log = _watched_call(tl.grad(fn), args)
    in_place_writes, helpers = sum(log.writes.values()), _through_helpers(calls)
    assert (in_place_writes > 0, helpers > 0) == {"all": (True, False), "some": (True, True),
                                                  "none": (False, True)}[in_place]
    assert calls["numpy_runtime.zeros_for"] == (1 if in_place_writes else 0)
    assert_grad_close(np.asarray(got), tl.value_and_grad(fn)(*args)[1])


def rosenbrock_gradient_by_hand(x):
    """Rosenbrock's gradient as a careful person writes it: each part of x taken once,
    the gradient made once and accumulated into in place."""
    head = x[:-1]
    r = 200.0 * (x[1:] - head ** 2)
    g = np.zeros_like(x)
    g[1:] += r
    g[:-1] -= 2.0 * ((1.0 - head) + r * head)
    return g


def test_rosenbrock_gradient_does_what_the_hand_written_one_does():
    x = RNG.standard_normal(5)
    gradient = tl.grad(rosenbrock)
    assert gradient.generated(x).__name__ == "grad_rosenbrock"     # the gradient-only form
    assert list(inspect.signature(gradient.generated(x)).parameters) == ["x"]   # no seed
    got, calls, log = _watched_call(gradient, (x,))
    by_hand = ArrayLog()
    expected = rosenbrock_gradient_by_hand(by_hand.watch(x, "x"))
    assert_grad_close(np.asarray(got), np.asarray(expected))
    assert_grad_close(np.asarray(got), central_difference(rosenbrock, (x,), 0), rtol=1e-5,
                      atol=1e-6)
    assert log.reads == by_hand.reads == {("x", ":-1"): 1, ("x", "1:"): 1}   # each part once
    assert calls == {"numpy_runtime.zeros_for": 1}       # no add_at, no shape to broadcast to
    assert set(log.writes) == {"1:", ":-1"}              # accumulated into those parts in place
    assert log.new() <= by_hand.new()                    # no more temporaries than by hand
    big = RNG.uniform(-2.0, 2.0, 100_000)
    gradient(big)
    by_hand_peak = peak_memory(lambda: rosenbrock_gradient_by_hand(big))
    assert peak_memory(lambda: gradient(big)) < by_hand_peak + big.nbytes / 2  # no more arrays


def test_value_and_grad_adds_in_place_and_is_differentiated_again():
    """value_and_grad's code is never differentiated again (higher.py differentiates
    the written-out form), so it accumulates in place as grad's does."""
    x = RNG.uniform(-1.5, 1.5, 6)
    (value, got), calls, log = _watched_call(tl.value_and_grad(rosenbrock), (x,))
    assert _through_helpers(calls) == 0 and set(log.writes) == {"1:", ":-1"}   # in place
    assert value == pytest.approx(rosenbrock(x))
    assert_grad_close(np.asarray(got), tl.grad(rosenbrock)(x))
    v = RNG.standard_normal(6)
    assert_grad_close(tl.hvp(rosenbrock, (x,), (v,)),
                      central_difference(lambda y: float(np.dot(tl.grad(rosenbrock)(y), v)),
                                         (x,), 0), rtol=1e-5, atol=1e-5)


def test_a_part_is_not_taken_ahead_when_a_user_function_receives_the_array():
    """A call given the whole array could write it and so change its parts: x[:-1] is
    read where each use is, not once before the call."""
    x = RNG.standard_normal(6)
    got, _, log = _watched_call(tl.grad(passes_its_argument_on), (x,))
    assert log.reads["x", ":-1"] > 1
    assert_grad_close(np.asarray(got), central_difference(passes_its_argument_on, (x,), 0),
                      rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_in_place_accumulation_keeps_the_dtype(dtype):
    x = RNG.uniform(-1.5, 1.5, 7).astype(dtype)
    got = tl.grad(rosenbrock)(x)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, tl.value_and_grad(rosenbrock)(x)[1], rtol=1e-5)


# -- adjoints of array arguments summed over a loop -----------------------------------------
# `bW = bW + e` becomes `bW += e` when bW only ever holds the zero sentinel or an array
# of its own (optimize.summed_in_place): one allocation less per step of a loop.


def tanh_rnn(Wx, Wh, b, xs):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for x in xs:
        h = np.tanh(x @ Wx + h @ Wh + b)
    return np.sum(h ** 2)


def two_uses_then_a_loop(W, xs):
    s = np.sum(np.tanh(W)) + np.sum(W * W)
    for x in xs:
        s = s + np.sum(np.sin(W * x))
    return s


def _rnn_args(dtype=np.float64):
    return tuple(a.astype(dtype) for a in (RNG.standard_normal((3, 4)) * 0.5,
                                           RNG.standard_normal((4, 4)) * 0.5,
                                           RNG.standard_normal(4) * 0.1,
                                           RNG.standard_normal((5, 2, 3))))


def _array_operations(fn, args, wrt, optimize):
    """The ArrayLog of a gradient of `fn` at `args` (every array watched)."""
    log = ArrayLog()
    params = list(inspect.signature(fn).parameters)
    watched = [log.watch(a, name) for a, name in zip(args, params)]
    got = tl.grad(fn, wrt=wrt, optimize=optimize)(*watched)
    return got, log


WITHOUT_IN_PLACE = frozenset(OPTIONAL) - {"in-place"}


def test_loop_accumulates_parameter_adjoints_in_place():
    """Each step of the loop but the first adds into bWx, bWh and bb in place: three
    new arrays fewer per step than with the in-place pass off."""
    args = _rnn_args()
    got, log = _array_operations(tanh_rnn, args, (0, 1, 2), True)
    _, without = _array_operations(tanh_rnn, args, (0, 1, 2), WITHOUT_IN_PLACE)
    steps = len(args[3])
    assert log.in_place("add") - without.in_place("add") == 3 * (steps - 1)
    assert without.new() - log.new() == 3 * (steps - 1)
    got = tuple(np.asarray(g) for g in got)
    assert_grad_close(got, tl.value_and_grad(tanh_rnn, wrt=(0, 1, 2))(*args)[1])
    assert_grad_close(got, autograd_grad(tanh_rnn, args, (0, 1, 2)))
    assert_grad_close(got, central_difference(tanh_rnn, args, (0, 1, 2)), rtol=1e-5,
                      atol=1e-6)


def test_in_place_sums_keep_float32():
    args = _rnn_args(np.float32)
    got = tl.grad(tanh_rnn, wrt=(0, 1, 2))(*args)
    assert all(g.dtype == np.float32 for g in got)
    expected = tl.grad(tanh_rnn, wrt=(0, 1, 2))(*(a.astype(float) for a in args))
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)


def a_loop_then_two_uses(W, xs):
    s = 0.0
    for x in xs:
        s = s + np.sum(np.sin(W * x))
    return s + np.sum(np.tanh(W)) + np.sum(W * W)


@pytest.mark.parametrize("fn, in_place", [(two_uses_then_a_loop, True),
                                          (a_loop_then_two_uses, False)],
                         ids=["loop first in the backward sweep", "loop last"])
def test_an_adjoint_that_may_share_its_array_is_not_added_into_in_place(fn, in_place):
    """Where the backward sweep's first contribution to bW is not a sum (`bW = e`, the
    zero sentinel folded away), bW may be e's own array: its sums stay `bW = bW + e`."""
    W, xs = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 2, 3))
    got, log = _array_operations(fn, (W, xs), 0, True)
    _, without = _array_operations(fn, (W, xs), 0, WITHOUT_IN_PLACE)
    assert (log.in_place("add") > 0) == in_place
    assert (log.new() < without.new()) == in_place
    got = np.asarray(got)
    assert_grad_close(got, central_difference(fn, (W, xs), 0), rtol=1e-5, atol=1e-6)
    assert_grad_close(got, autograd_grad(fn, (W, xs), 0))


def test_repeated_calls_with_several_wrt_give_the_same_tuple():
    """The second call takes `tl.grad`'s shortcut for argument types it has seen."""
    args = _rnn_args()
    gradient = tl.grad(tanh_rnn, wrt=(0, 1, 2))
    first, second = gradient(*args), gradient(*args)
    assert isinstance(second, tuple) and len(second) == 3
    assert all(np.array_equal(a, b) and a is not b for a, b in zip(first, second))
    single = tl.grad(tanh_rnn, wrt=(1,))(*args)
    assert isinstance(single, tuple) and len(single) == 1
    assert np.array_equal(tl.grad(tanh_rnn, wrt=(1,))(*args)[0], single[0])
