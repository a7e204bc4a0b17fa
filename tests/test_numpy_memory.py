"""The lean NumPy backward sweep: adjoints that are not built, kept or copied.

The generated code leaves the adjoint of `np.sum(a)` as the scalar seed standing for
an array of a's shape (`_ntl.spread`), lets broadcast adjoints of single-use
elementwise temporaries flow unreduced to their operands, accumulates into array
adjoints in place (`_ntl.add_at` / `_ntl.subtract_at`), gives the adjoint of other
reductions as a read-only broadcast view, and recomputes one-operation values in a
split callee instead of keeping them on the tape.  Each case below exercises one of
these where shapes differ (so a wrong reduction would show), against central
differences; what the generated code does while it runs is checked for the feature
it relies on (the helpers it calls and what it keeps on the tape, tests/counting.py);
tracemalloc bounds the peak memory of Rosenbrock's gradient and compares that of its
value and gradient with a hand-written one's.
"""
import numpy as np
import pytest

import tangentlike as tl
from counting import helper_calls, peak_memory, tape_pushes
from oracles import assert_grad_close, central_difference

RNG = np.random.default_rng(31)


def sum_of_broadcast_product(x, y):
    t = x * y + 1.0
    return np.sum(t)


def sum_of_ufunc_plus_wider(x, y):
    return np.sum(np.exp(x) + y)


def sum_over_slices(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def sum_of_scalar_times(x):
    return np.sum(3.0 * x - x[0])


def sum_method(x, y):
    z = (x - y) * (x + y)
    return z.sum()


def item_writes_then_sum(x):
    y = np.zeros(4)
    y[0] = x[0] * 2.0
    y[1:] = x[1:] * x[1:]
    return np.sum(y)


def product_plus_wider(A, B, c):
    return np.sum(np.tanh(A @ B + c))


def mean_of_column_sums(x):
    return np.mean(np.sum(x * x, axis=0))


def squash(d):
    k = 1.0 / (1.0 + d * d)
    half = 0.5 * d
    return k * k + half * np.exp(half)


def calls_squash(x):
    return np.sum(squash(x) * x)


def loop_with_sum(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(x * (i + 1.0) - x ** 2)
    return s


def sum_then_rebind_from_a_slice(x, y):
    s = np.sum(x * y + 1.0)
    x = x[:2] * 3.0
    return s + np.sum(x * x)


def rebind_from_itself_and_an_item(x):
    x = x * 2.0 + x[0]
    x = np.tanh(x[1:]) * x[0]
    return np.sum(x)


CASES = [
    (sum_then_rebind_from_a_slice, (RNG.normal(size=3), RNG.normal(size=(2, 3))), (0, 1)),
    (rebind_from_itself_and_an_item, (RNG.normal(size=4),), 0),
    (sum_of_broadcast_product, (RNG.normal(size=(3, 1)), RNG.normal(size=(1, 4))), (0, 1)),
    (sum_of_ufunc_plus_wider, (RNG.normal(size=3), RNG.normal(size=(2, 3))), (0, 1)),
    (sum_over_slices, (RNG.uniform(-2, 2, 7),), 0),
    (sum_of_scalar_times, (RNG.normal(size=5),), 0),
    (sum_method, (RNG.normal(size=(2, 3)), RNG.normal(size=3)), (0, 1)),
    (item_writes_then_sum, (RNG.normal(size=4),), 0),
    (product_plus_wider, (RNG.normal(size=(2, 3)), RNG.normal(size=(3, 1)),
                          RNG.normal(size=(2, 5))), (0, 1, 2)),
    (mean_of_column_sums, (RNG.normal(size=(3, 2)),), 0),
    (calls_squash, (RNG.normal(size=6),), 0),
    (loop_with_sum, (RNG.normal(size=4), 3), 0),
]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_matches_central_differences(f, args, wrt):
    before = [np.copy(a) for a in args if isinstance(a, np.ndarray)]
    got = tl.grad(f, wrt=wrt)(*args)
    assert_grad_close(got, central_difference(f, args, wrt), rtol=1e-6, atol=1e-8)
    after = [a for a in args if isinstance(a, np.ndarray)]
    assert all(np.array_equal(a, b) for a, b in zip(before, after))   # inputs untouched


@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_gradient_is_writable_and_owned(f, args, wrt):
    grads = tl.grad(f, wrt=wrt)(*args)
    for g in grads if isinstance(grads, tuple) else (grads,):
        assert g.flags.writeable
        g += 1.0                       # callers may update their gradient in place


def test_float32_stays_float32():
    x = RNG.uniform(-2, 2, 9).astype(np.float32)
    g = tl.grad(sum_over_slices)(x)
    assert g.dtype == np.float32
    assert_grad_close(g.astype(float), tl.grad(sum_over_slices)(x.astype(float)), rtol=1e-4)


def _calls(derivative, args):
    """(result, calls): `derivative(*args)` run again, the calls its generated code made
    to runtime helpers and to np.shape counted."""
    derivative(*args)
    with helper_calls("numpy.shape") as calls:
        result = derivative(*args)
    return result, calls


def sum_over_slices_by_hand(x):
    """The value and gradient of `sum_over_slices` as a careful person writes them."""
    head = x[:-1]
    t = x[1:] - head ** 2
    u = 1.0 - head
    value = np.sum(100.0 * t ** 2 + u ** 2)
    r = 200.0 * t
    g = np.zeros_like(x)
    g[1:] += r
    g[:-1] -= 2.0 * (u + r * head)
    return value, g


def test_sum_of_a_temporary_spreads_the_seed():
    """The sum's adjoint is the seed itself, standing for an array of x[1:]'s shape
    (one shape, read once: x[1:] and x[:-1] have the same), added into the three parts
    it reaches; no array is built to spread it or to sum it back, and the sum's operand
    is not kept: the value and gradient peak no higher than the hand-written ones."""
    x = RNG.uniform(-2.0, 2.0, 7)
    (value, got), calls = _calls(tl.value_and_grad(sum_over_slices), (x,))
    assert calls["numpy.shape"] == 0 and calls["numpy_runtime.common_shape"] == 0  # in place
    assert calls.total("numpy_runtime.add_at", "numpy_runtime.subtract_at") == 0  # in place
    assert calls["numpy_runtime.unreduce"] == calls["runtime.unbroadcast"] == 0
    assert value == pytest.approx(sum_over_slices(x))
    assert_grad_close(got, central_difference(sum_over_slices, (x,), 0), rtol=1e-6, atol=1e-8)
    big = RNG.uniform(-2.0, 2.0, 100_000)
    derivative = tl.value_and_grad(sum_over_slices)
    derivative(big)
    by_hand = peak_memory(lambda: sum_over_slices_by_hand(big))
    assert peak_memory(lambda: derivative(big)) < by_hand + big.nbytes / 2   # no more arrays


def test_product_adjoint_needs_no_recorded_shape():
    """Only the sum's operand's shape is worked out (A @ B + c broadcasts, so from both
    operands); the matrix product's adjoints need none."""
    args = CASES[8][1]
    (value, got), calls = _calls(tl.value_and_grad(product_plus_wider, wrt=(0, 1)), args)
    assert calls["numpy.shape"] == 0 and calls["numpy_runtime.common_shape"] == 1
    assert calls["numpy_runtime.matmul_adjoint_a"] == calls["numpy_runtime.matmul_adjoint_b"] == 1
    assert value == pytest.approx(product_plus_wider(*args))
    assert_grad_close(got, central_difference(product_plus_wider, args, (0, 1)), rtol=1e-6,
                      atol=1e-8)


def test_split_callee_recomputes_one_operation_values():
    """squash's forward sweep keeps only exp(half) and its argument on the tape: the
    values one operation makes from those (1 + d * d, k, half) are made again."""
    x = RNG.normal(size=6)
    with tape_pushes() as pushes:
        value, got = tl.value_and_grad(calls_squash)(x)
    assert len(pushes) == 1 and pushes.pops == 1
    kept = pushes[0]
    assert len(kept) == 2 and any(a is x for a in kept)
    np.testing.assert_array_equal(next(a for a in kept if a is not x), np.exp(0.5 * x))
    assert value == pytest.approx(calls_squash(x))
    assert_grad_close(got, central_difference(calls_squash, (x,), 0), rtol=1e-6, atol=1e-8)


def test_other_reductions_give_a_read_only_view():
    from tangentlike import numpy_runtime as _ntl
    a = np.ones((3, 4), np.float32)
    view = _ntl.unreduce(2.0, a)
    assert view.shape == a.shape and view.dtype == np.float32 and not view.flags.writeable
    assert view.strides == (0, 0)
    assert _ntl.unreduce(np.arange(4.0), a, axis=0).tolist() == [[0.0, 1.0, 2.0, 3.0]] * 3


@pytest.mark.parametrize("g_shape, a_shape, axis, keepdims", [
    ((4,), (4, 3), 1, False), ((3,), (4, 3), 0, False), ((4,), (4, 3), -1, False),
    ((3,), (2, 4, 3), (0, 1), False), ((4, 1), (4, 3), 1, True),
    ((1, 3), (4, 3), 0, True), ((2, 1, 3), (2, 5, 3), 1, True)])
def test_unreduce_views_equal_broadcast_to(g_shape, a_shape, axis, keepdims):
    """The view `unreduce` builds itself (a fast path) is `np.broadcast_to`'s."""
    from tangentlike import numpy_runtime as _ntl
    g = RNG.standard_normal(g_shape)
    view = _ntl.unreduce(g, np.ones(a_shape), axis, keepdims)
    expected = np.broadcast_to(np.expand_dims(g, axis) if not keepdims else g, a_shape)
    assert np.array_equal(view, expected) and not view.flags.writeable


def test_unreduce_of_a_shape_that_does_not_fit_raises():
    from tangentlike import numpy_runtime as _ntl
    with pytest.raises(ValueError):
        _ntl.unreduce(np.ones((4, 2)), np.ones((4, 3)), 1, True)


@pytest.mark.parametrize("g_shape, x_shape", [((5, 4), (4,)), ((5, 4), (5, 1)),
                                              ((5, 4), (1, 4)), ((5, 4), (5, 4)),
                                              ((2, 5, 4), (5, 1))])
def test_unbroadcast_sums_back_to_the_operand(g_shape, x_shape):
    from tangentlike import runtime as _tl
    g = RNG.standard_normal(g_shape)
    got = _tl.unbroadcast(g, np.ones(x_shape))
    assert got.shape == x_shape
    lead = g.sum(axis=tuple(range(len(g_shape) - len(x_shape))))
    expected = lead.sum(axis=tuple(k for k, n in enumerate(x_shape) if n == 1), keepdims=True)
    np.testing.assert_allclose(got, expected)


def test_add_at_reduces_and_spreads():
    from tangentlike import numpy_runtime as _ntl
    x = np.zeros((3, 4))
    b = _ntl.add_at(0.0, x, (slice(1, None), slice(None)), np.ones((5, 2, 4)))
    assert b[0].tolist() == [0.0] * 4 and b[1:].tolist() == [[5.0] * 4] * 2
    b = _ntl.subtract_at(b, x, (0, slice(None)), 2.0, (3, 4))   # 2.0 stands for 3 rows
    assert b[0].tolist() == [-6.0] * 4
    read_only = np.broadcast_to(np.ones(4), (3, 4))
    b = _ntl.add_at(read_only, x, (2, slice(None)), np.ones(4))
    assert b is not read_only and b[2].tolist() == [2.0] * 4


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def test_rosenbrock_gradient_peak_memory():
    x = RNG.uniform(-2.0, 2.0, 200_000)
    grad = tl.grad(rosenbrock)
    grad(x)                            # generate and compile first
    peak = peak_memory(lambda: grad(x))
    # two primal values kept, the gradient, an adjoint and one temporary of the backward
    # sweep (it was eight arrays before the seed was spread)
    assert peak <= 5.2 * x.nbytes


def sum_of_gathered(x, idx):
    return np.sum(x[idx] * 2.0 + x[idx] ** 2)


def test_gathered_operands_are_not_gathered_again_for_a_shape():
    """The shape the seed stands for is the summed value's, taken once (np.shape), not
    worked out from its operands, which would gather x[idx] again."""
    x, idx = RNG.normal(size=5), np.array([0, 3, 3, 1])
    got, calls = _calls(tl.grad(sum_of_gathered), (x, idx))
    assert calls["numpy.shape"] == 1 and calls["numpy_runtime.common_shape"] == 0
    assert_grad_close(got, central_difference(sum_of_gathered, (x, idx), 0), rtol=1e-6,
                      atol=1e-8)


def test_the_observers_count_only_what_generated_code_does():
    """tests/counting.py, which the tests above rely on: what this test's own code does
    is not counted, and its docstring's example holds."""
    import doctest

    import counting
    from tangentlike import numpy_runtime as _ntl
    x = np.ones(3)
    with helper_calls("numpy.shape") as calls, tape_pushes() as pushes:
        _ntl.zeros_for(x)
        np.shape(x)
        [].append(x)
        tl.grad(sum_over_slices)(x)
    assert set(calls) == {"numpy_runtime.zeros_for"} and not pushes   # the gradient's only
    assert doctest.testmod(counting).failed == 0
