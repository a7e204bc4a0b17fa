"""Boolean masks and other advanced indexes, read and written (issue 12, item 4).

A write `t[t > 0.5] = c` goes through the mask that was true before the write, in
both sweeps: its gradient is 0 on the overwritten elements.  A read `e[mask]` (or
`e[[0, 0, 2]]`) of any expression gives its adjoint back at the selected positions,
repeated positions adding up.  Every case is checked with `grad`, `value_and_grad` and
`jvp` against asserted values and central differences (the inputs are chosen away
from the masks' thresholds), and the arguments are checked unchanged after each call.
"""

import numpy as np
import pytest

import tangentlike as tl
from counting import ArrayLog
from oracles import central_difference


# -- writes through a mask ----------------------------------------------------------

def write_mask_of_itself(x, a):
    t = x * 1.0
    t[t > 0.5] = 0.1
    return np.sum(t * t)


def write_into_parameter(x, a):
    x[x > 0.5] = 0.1
    return np.sum(x * a)


def write_mask_of_another_array(x, a):
    t = x * 1.0
    t[a > 0.5] = 2.0
    return np.sum(t ** 2)


def two_writes(x, a):
    y = x * 2.0
    y[y > 1.0] = 0.3
    y[y > 0.5] = 0.05       # its mask is the one after the first write
    return np.sum(y * x)


def augmented_write(x, a):
    t = x * 1.0
    t[t > 0.5] *= 3.0
    return np.sum(t * t)


def write_of_masked_read(x, a):
    t = x * a
    s = np.sum(t[t > 0.1])
    t[t > 0.1] = s
    return np.sum(t * x)


def write_of_fancy_read(x, a):
    t = x * 1.0
    t[t > 0.5] = x[[0, 3]] * a[[1, 1]]
    return np.sum(t * t)


def writes_in_a_loop(x, a):
    t = x * 1.0
    for i in range(3):
        t[t > 0.4] = t[t > 0.4] * 0.8       # fewer elements each time round
    return np.sum(t ** 2)


def writes_in_a_loop_with_a_moving_mask(x, a):
    t = x * a
    for i in range(3):
        t[a > 0.35 * i] = t[a > 0.35 * i] + x[a > 0.35 * i] * 0.5
    return np.sum(t * t)


def augmented_writes_in_a_while_loop(x, a):
    t = x * 1.0
    k = 0
    while k < 3:
        t[t > 0.4] -= 0.1 * a[1]
        k += 1
    return np.sum(t ** 3)


def augmented_write_2d(x, a):
    T = np.outer(x, x)
    T[T > 0.26] += T[T > 0.26] ** 2
    return np.sum(T * a)


def write_2d_mask(x, a):
    T = np.outer(x, a)
    T[T > 0.26] = 0.0
    return np.sum(T * T)


def write_rows(x, a):
    T = np.outer(x, a)
    T[x > 0.5, :] = a[:2, None] * 2.0
    return np.sum(np.sin(T))


def write_mask_and_slice(x, a):
    T = np.outer(x, a)
    T[T[:, 0] > 0.1, 1:] = 0.0
    return np.sum(T ** 2)


# -- reads through a mask -----------------------------------------------------------

def read_named_mask(x, a):
    m = x > 0.5
    return np.sum(x[m] ** 2)


def read_of_an_expression(x, a):
    m = x > 0.5
    return np.sum((x * 2.0)[m] ** 2)


def read_outer_mask(x, a):
    return np.sum(np.outer(x, a)[np.outer(x, x) > 0.26] ** 2)


def read_2d_mask(x, a):
    A = np.outer(x, a)
    return np.sum(np.sin(A[A > 0.3]))


def read_reshaped(x, a):
    return np.sum(x.reshape(2, 2)[x.reshape(2, 2) > 0.5] ** 3)


def read_column(x, a):
    return np.sum(x.reshape(4, 1)[a.reshape(4, 1) > 0.5] * a[:2])


def read_of_a_call(x, a):
    mask5 = a > 0.5
    return np.sum(np.add(a, x)[mask5] ** 2)


def read_repeated_positions(x, a):
    return np.sum(x[[0, 0, 2]] ** 2) + np.sum((x * a)[[1, 1, 1]])


def read_after_write(x, a):
    t = x * 2.0
    m = t > 1.0
    t[m] = 0.0
    return np.sum(t[t > 0.5] ** 2) + np.sum(x[m])


X = np.array([0.3, 0.7, 0.9, 0.2])
A = np.array([0.4, 0.8, 0.1, 0.6])

# (function, d/dx, d/da) at (X, A)
CASES = [
    (write_mask_of_itself, [0.6, 0.0, 0.0, 0.4], [0.0] * 4),
    (write_into_parameter, [0.4, 0.0, 0.0, 0.6], [0.3, 0.1, 0.1, 0.2]),
    (write_mask_of_another_array, [0.6, 0.0, 1.8, 0.0], [0.0] * 4),
    (two_writes, [0.05, 0.3, 0.3, 0.8], [0.0] * 4),
    (augmented_write, [0.6, 12.6, 16.2, 0.4], [0.0] * 4),
    (write_of_masked_read, [1.28, 1.76, 0.18, 1.52], [0.36, 0.84, 0.81, 0.24]),
    (write_of_fancy_read, [0.984, 0.0, 0.0, 0.656], [0.0, 0.208, 0.0, 0.0]),
    (writes_in_a_loop, [0.6, 0.3670016, 0.4718592, 0.4], [0.0] * 4),
    (writes_in_a_loop_with_a_moving_mask,
     [1.176, 7.406, 0.648, 1.024], [0.252, 2.254, 0.972, 0.128]),
    (augmented_writes_in_a_while_loop, [0.27, 0.6348, 1.3068, 0.12], [0.0, -0.58248, 0.0, 0.0]),
    (augmented_write_2d, [1.973, 4.6882, 2.2664, 2.15], [0.7029, 2.107, 3.0159, 0.42]),
    (write_2d_mask, [0.702, 0.014, 0.018, 0.468], [0.104, 0.208, 0.286, 0.156]),
    (write_rows, [1.86445505, 0.0, 0.0, 1.88416769],
     [6.07085661, 0.25525067, 0.49982501, 0.49371483]),
    (write_mask_and_slice, [0.096, 0.224, 0.288, 0.468], [1.144, 0.064, 0.008, 0.048]),
    (read_named_mask, [0.0, 1.4, 1.8, 0.0], [0.0] * 4),
    (read_of_an_expression, [0.0, 5.6, 7.2, 0.0], [0.0] * 4),
    (read_outer_mask, [0.006, 0.91, 1.458, 0.0], [0.648, 2.08, 0.278, 0.0]),
    (read_2d_mask, [0.0, 1.22565745, 1.49042852, 0.0],
     [0.84230714, 1.26970373, 0.0, 1.41110007]),
    (read_reshaped, [0.0, 1.47, 2.43, 0.0], [0.0] * 4),
    (read_column, [0.0, 0.4, 0.0, 0.8], [0.7, 0.2, 0.0, 0.0]),
    (read_of_a_call, [0.0, 3.0, 0.0, 1.6], [0.0, 3.0, 0.0, 1.6]),
    (read_repeated_positions, [1.2, 2.4, 1.8, 0.0], [0.0, 2.1, 0.0, 0.0]),
    (read_after_write, [2.4, 1.0, 1.0, 0.0], [0.0] * 4),
]

V = np.array([0.5, -1.0, 2.0, 0.25])          # jvp directions
W = np.array([-0.75, 1.5, 0.5, -2.0])


def _call(entry, *args):
    """`entry(*copies)`, checking that the arguments given are left as they were."""
    before = [a.copy() for a in args]
    out = entry(*args)
    for a, b in zip(args, before):
        assert np.array_equal(a, b), "the call wrote into its argument"
    return out


@pytest.mark.parametrize("f, dx, da", CASES, ids=[c[0].__name__ for c in CASES])
def test_masks_in_both_modes(f, dx, da):
    x, a = X.copy(), A.copy()
    expected = (np.array(dx), np.array(da))
    reference = central_difference(f, (x.copy(), a.copy()), wrt=(0, 1))
    for g, r in zip(expected, reference):
        np.testing.assert_allclose(g, r, rtol=1e-6, atol=1e-7)
    gx, ga = _call(tl.grad(f, wrt=(0, 1)), x, a)
    np.testing.assert_allclose(gx, expected[0], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(ga, expected[1], rtol=1e-6, atol=1e-12)
    value, (gx, ga) = _call(tl.value_and_grad(f, wrt=(0, 1)), x, a)
    np.testing.assert_allclose(value, f(X.copy(), A.copy()), rtol=1e-12)
    np.testing.assert_allclose(gx, expected[0], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(ga, expected[1], rtol=1e-6, atol=1e-12)
    v, w = V.copy(), W.copy()
    out, tangent = _call(lambda *args: tl.jvp(f, args[:2], args[2:]), x, a, v, w)
    np.testing.assert_allclose(out, f(X.copy(), A.copy()), rtol=1e-12)
    np.testing.assert_allclose(tangent, expected[0] @ V + expected[1] @ W,
                               rtol=1e-6, atol=1e-12)


def test_a_second_call_gives_the_same_gradient():
    grad = tl.grad(two_writes)
    first, second = grad(X.copy(), A.copy()), grad(X.copy(), A.copy())
    np.testing.assert_array_equal(first, second)


def test_the_mask_is_computed_once_before_the_write():
    """The generated code names the mask before the write and never computes it again:
    one comparison in all, and the gradient of the values the write left."""
    log = ArrayLog()
    x = log.watch(X, "x")
    got = np.asarray(tl.grad(write_mask_of_itself)(x, A.copy()))
    assert log.ops["greater", "new"] == 1
    np.testing.assert_allclose(got, np.where(X > 0.5, 0.0, 2.0 * X), rtol=1e-12)


@pytest.mark.parametrize("f, diagonal", [
    (write_mask_of_itself, [2.0, 0.0, 0.0, 2.0]),
    (two_writes, [0.0, 0.0, 0.0, 4.0]),
    (augmented_write, [2.0, 18.0, 18.0, 2.0]),
    (read_of_an_expression, [0.0, 8.0, 8.0, 0.0]),
], ids=lambda v: getattr(v, "__name__", ""))
def test_hessians(f, diagonal):
    """Forward over reverse: the adjoint the write takes out (`_tl.extract`) takes its
    tangent out too, though the value taken out is not used."""
    x, a = X.copy(), A.copy()
    h = _call(tl.hessian(f), x, a)
    np.testing.assert_allclose(h, np.diag(diagonal), atol=1e-12)
    grad = tl.grad(f)
    rows = [central_difference(lambda x, a, k=k: grad(x, a)[k], (X.copy(), A.copy()))
            for k in range(4)]
    np.testing.assert_allclose(h, rows, atol=1e-6)
