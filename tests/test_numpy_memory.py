"""The lean NumPy backward sweep: adjoints that are not built, kept or copied.

The generated code leaves the adjoint of `np.sum(a)` as the scalar seed standing for
an array of a's shape (`_ntl.spread`), lets broadcast adjoints of single-use
elementwise temporaries flow unreduced to their operands, accumulates into array
adjoints in place (`_ntl.add_at` / `_ntl.subtract_at`), gives the adjoint of other
reductions as a read-only broadcast view, and recomputes one-operation values in a
split callee instead of keeping them on the tape.  Each case below exercises one of
these where shapes differ (so a wrong reduction would show), against central
differences; the generated text is checked for the feature it relies on; a
tracemalloc test bounds the peak memory of a Rosenbrock gradient.
"""
import tracemalloc

import numpy as np
import pytest

import tangentlike as tl
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


def test_sum_of_a_temporary_spreads_the_seed():
    text = tl.source(sum_over_slices, args=(np.ones(5),))
    assert "_ntl.unreduce" not in text and "_t4" not in text     # folded into the sum
    assert "t4_shape = np.shape(x_from_1)" in text     # x[1:] and x[:-1]: one shape
    assert text.count("_ntl.add_at(") + text.count("_ntl.subtract_at(") == 3
    assert "_tl.unbroadcast" not in text


def test_product_adjoint_needs_no_recorded_shape():
    text = tl.source(product_plus_wider, wrt=(0, 1), args=CASES[8][1])
    assert "np.shape(" not in text and text.count("_shape = ") == 1   # the sum's operand's
    assert "np.tanh(A @ B + c)" in text and "_ntl.matmul_adjoint_a" in text


def test_split_callee_recomputes_one_operation_values():
    text = tl.source(calls_squash, args=(np.ones(3),), include_callees=True)
    backward = text[text.index("def backward_squash"):]
    assert "cheap to recompute: not kept on the tape" in backward
    pushed = text[text.index("_tape.append(("):].split("\n")[0]
    assert "half" not in pushed and "k," not in pushed


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
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        grad(x)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    # two primal values kept, the gradient, an adjoint and one temporary of the backward
    # sweep (it was eight arrays before the seed was spread)
    assert peak <= 5.2 * x.nbytes


def sum_of_gathered(x, idx):
    return np.sum(x[idx] * 2.0 + x[idx] ** 2)


def test_gathered_operands_are_not_gathered_again_for_a_shape():
    x, idx = RNG.normal(size=5), np.array([0, 3, 3, 1])
    text = tl.source(sum_of_gathered, args=(x, idx))
    assert "np.shape(" in text and "common_shape" not in text
    assert_grad_close(tl.grad(sum_of_gathered)(x, idx),
                      central_difference(sum_of_gathered, (x, idx), 0), rtol=1e-6, atol=1e-8)
