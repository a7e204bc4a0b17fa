"""Writes through views and aliases give NumPy's value and the exact derivative
(aliases.py), or a located AliasedWriteError naming both names; never a guess.

Every case is checked against central differences, in reverse mode (`grad`, and
`value_and_grad` whose code differs) and forward mode (`jvp`), with the arguments
checked unchanged after each call and the value checked against the function itself.
"""

import numpy as np
import pytest

import tangentlike as tl
from oracles import central_difference
from tangentlike.errors import AliasedWriteError


def through_slice(x):
    u = x[1:]
    u *= 2
    return np.sum(x * x)


def through_name(x):
    t = x
    t *= 1.5
    return np.sum(x * x)


def item_through_name(x):
    z = x * 1.0
    w = z
    w[0] = x[1] * 3
    return np.sum(z * z)


def root_then_reshaped_view(y):
    y = y * 1.0
    t1 = y.reshape(3, 1)
    y[2] = 7.0 * y[0]
    return np.sum(t1 ** 2)


def slice_of_alias(x):
    A = np.zeros((3, 3))
    B = A
    A[1:2] = x.reshape(1, 3)
    return np.sum(B * B)


def nested_view(x):
    t = x[None, :][0]
    t += t
    s = x
    return np.sum(s * x)


def alias_read_before_write(x):
    t1 = np.concatenate([x[1:], x[:1]])
    t9 = t1
    t9[0] = np.sum(np.outer(t1[[2, 1, 0]], t1) ** 2)
    return np.sum(t1 * t1)


def transposed_view(x):
    A = np.outer(x, np.array([1.0, 2.0, 3.0]))
    u = A.T
    u[0] *= 2.0
    return np.sum(A * A)


def view_in_a_loop(x):
    t = x * 1.0
    for i in range(2):
        u = t[i:]
        u *= 1.5
    return np.sum(t * x)


def view_read_earlier(x):
    t = x * 1.0
    v = t[1:]
    s = np.sum(v * v)
    t[1] = 5.0
    return s + np.sum(t)


def rebound_then_written(x):
    u = x[1:]
    u = u * 2.0
    u[0] = 1.0
    return np.sum(u) + np.sum(x * x)


def list_row(xs):
    row = xs[0]
    row[1] = row[0] * 3.0
    return xs[0][1] + xs[1][0]


def flipped_view_written(x):
    t = x * 1.0
    u = np.flip(t)
    u[0] = 2.0
    return np.sum(t * x)


def root_of_flips_written(x):
    A = np.outer(x, x)
    u = np.flip(A, axis=0)
    u[0] *= 3.0
    v = np.fliplr(A)
    A[1, 1] = 5.0
    return np.sum(A * A) + np.sum(v * u)


def function_form_ravel(x):
    t = np.square(x)
    u = np.ravel(t)
    u *= 2.0
    return np.sum(t * x)


X = np.array([0.3, 0.7, 0.9])

CASES = [
    (through_slice, X, [0.6, 5.6, 7.2]),
    (through_name, X, [1.35, 3.15, 4.05]),
    (item_through_name, X, [0.0, 14.0, 1.8]),
    (root_then_reshaped_view, X, [30.0, 1.4, 0.0]),
    (slice_of_alias, X, [0.6, 1.4, 1.8]),
    (nested_view, X, [2.4, 5.6, 7.2]),
    (alias_read_before_write, X, None),
    (transposed_view, X, None),
    (view_in_a_loop, X, None),
    (view_read_earlier, X, None),
    (rebound_then_written, X, [0.6, 1.4, 3.8]),
    (flipped_view_written, X, [0.6, 1.4, 2.0]),
    (root_of_flips_written, X, None),
    (function_form_ravel, X, [6 * 0.09, 6 * 0.49, 6 * 0.81]),
]


@pytest.mark.parametrize("f, x, expected", CASES, ids=[c[0].__name__ for c in CASES])
def test_writes_through_views_are_exact(f, x, expected):
    reference = central_difference(f, (x.copy(),))
    if expected is not None:
        np.testing.assert_allclose(reference, expected, rtol=1e-6, atol=1e-8)
    arg = x.copy()
    g = tl.grad(f)(arg)
    assert np.array_equal(arg, x)
    np.testing.assert_allclose(g, reference, rtol=1e-6, atol=1e-8)
    value, g2 = tl.value_and_grad(f)(arg)
    assert np.array_equal(arg, x)
    np.testing.assert_allclose(value, f(x.copy()), rtol=1e-12)
    np.testing.assert_allclose(g2, reference, rtol=1e-6, atol=1e-8)
    v = np.array([0.5, -1.0, 2.0])
    out, tangent = tl.jvp(f, (arg,), (v,))
    assert np.array_equal(arg, x) and np.array_equal(v, [0.5, -1.0, 2.0])
    np.testing.assert_allclose(tangent, np.dot(reference, v), rtol=1e-6, atol=1e-8)


def test_rows_of_nested_lists():
    xs = [[0.5, 2.0], [4.0]]
    g = tl.grad(list_row)(xs)
    assert xs == [[0.5, 2.0], [4.0]]
    assert g == [[3.0, 0.0], [1.0]]


def test_generated_code_spells_out_the_write_through_a_view():
    text = tl.source(through_slice, args=(X,))
    assert "x[1:] = u" in text                 # the root takes the view's new value
    assert "u = tangentlike_copy(x[1:])" in text


def writes_its_argument(a):
    a[0] = 0.0
    return np.sum(a)


def passes_to_a_writer(x):
    t = x * 1.0
    s = writes_its_argument(t)
    return s + np.sum(t * x)


def with_out(x):
    t = np.zeros(3)
    np.sin(x, out=t)
    return np.sum(t)


def conjugated(x):            # x.conj() of a real array is the array itself
    y = x * 1.0
    z = y.conj()
    y[0] = 5.0
    return np.sum(z * x) + np.sum(y)


def diagonal_of(x):            # np.diag of a matrix is a view of it
    A = np.outer(x, x)
    d = np.diag(A)
    A[0, 0] = 5.0
    return np.sum(d * x) + np.sum(A)


def cast_without_copy(x):
    y = x * 1.0
    z = y.astype(float, copy=False)
    y[0] = 5.0
    return np.sum(z * x)


def array_without_copy(x):
    y = x * 1.0
    z = np.array(y, copy=None)
    y[0] = 5.0
    return np.sum(z * x)


@pytest.mark.parametrize("f, names", [
    (passes_to_a_writer, ("t", "writes_its_argument")),
    (conjugated, ("y", "z")),
    (diagonal_of, ("A", "d")),
    (cast_without_copy, ("y", "z")),
    (array_without_copy, ("y", "z")),
], ids=["callee writes", "conj", "diag", "astype copy=False", "array copy=None"])
def test_what_cannot_be_followed_is_a_located_error(f, names):
    with pytest.raises(AliasedWriteError) as info:
        tl.grad(f)(X.copy())
    message = str(info.value)
    assert "test_aliases.py" in message
    assert all(f"{n}" in message for n in names)
    assert "hint:" in message


def sorts_in_place(x):
    y = x * 1.0
    y.sort()
    return np.sum(y * np.arange(3.0))


def extends(xs, x):
    ys = [x]
    ys.extend([x * 2.0])
    return ys[0] + ys[1]


def copies_into(x):
    y = np.zeros(3)
    np.copyto(y, x)
    return np.sum(y * y)


@pytest.mark.parametrize("f, args, what", [
    (with_out, (X,), "out="),
    (sorts_in_place, (X,), "y.sort(...)"),
    (copies_into, (X,), "np.copyto(...)"),
    (extends, ([1.0], 2.0), "ys.extend(...)"),
], ids=["out", "sort", "copyto", "extend"])
def test_writes_the_transformers_do_not_follow_are_located_errors(f, args, what):
    """Each of these once gave a silently wrong gradient: the call's write was ignored."""
    with pytest.raises(AliasedWriteError) as info:
        tl.grad(f, wrt=len(args) - 1)(*args)
    assert what in str(info.value) and "test_aliases.py" in str(info.value)


def test_numbers_never_alias():
    def scalar_code(x):
        a = b = x * 2.0
        a *= 3.0
        prev = a
        a += 1.0
        return a * b + prev
    g = tl.grad(scalar_code)
    assert g(0.5) == pytest.approx(central_difference(scalar_code, (0.5,)))


def test_a_cast_that_copies_is_not_a_view():
    def cast_then_write(x):
        y = x * 1.0
        z = y.astype(float)
        y[0] = 5.0
        return np.sum(z * x) + np.sum(y)
    value, grad = tl.value_and_grad(cast_then_write)(X.copy())
    assert value == pytest.approx(cast_then_write(X.copy()))
    np.testing.assert_allclose(grad, central_difference(cast_then_write, (X.copy(),)),
                               rtol=1e-6)


def rows_read_then_array_written(x, A):
    s = 0.0
    for v in x:                 # v: an item of x, read before x is written
        s = s + v * v
    x *= 1.1
    for row in A:
        s = s + np.sum(row * x)
    return s + np.sum(x)


def test_loop_targets_read_before_a_later_write_are_exact():
    A = np.array([[0.3, 0.4, 0.5], [0.1, 0.2, 0.6]])
    args = (X.copy(), A.copy())
    value, grads = tl.value_and_grad(rows_read_then_array_written, wrt=(0, 1))(*args)
    assert np.array_equal(args[0], X) and np.array_equal(args[1], A)
    assert value == pytest.approx(rows_read_then_array_written(X.copy(), A.copy()))
    reference = central_difference(rows_read_then_array_written, (X.copy(), A.copy()),
                                   wrt=(0, 1))
    for g, r in zip(grads, reference):
        np.testing.assert_allclose(g, r, rtol=1e-6, atol=1e-8)


def scales_while_looping(x):
    s = 0.0
    for v in x:
        s = s + v * v
        x *= 1.1
    return s


def doubles_rows_while_looping(A):
    s = 0.0
    for i, row in enumerate(A):
        s = s + np.sum(np.sin(row))
        A[i] = A[i] * 2.0
    return s


@pytest.mark.parametrize("f, arg, hint", [
    (scales_while_looping, X, "for v in x.copy():"),
    (doubles_rows_while_looping, np.ones((2, 3)), "for i, row in enumerate(A.copy()):"),
], ids=["vector", "rows"])
def test_a_write_into_the_array_a_loop_runs_over_is_a_located_error(f, arg, hint):
    with pytest.raises(AliasedWriteError) as info:
        tl.grad(f)(arg.copy())
    assert hint in str(info.value) and "test_aliases.py" in str(info.value)


# -- what a user function's result shares (aliases/walk.py, returns_sharing) -------------

def _new_forces(x, k):
    f = np.zeros_like(x)
    f[:-1] += k * np.diff(x)
    return f


def _the_argument(x, k):
    return x


def _a_view_of_it(x, k):
    return x[1:] if k > 0 else x[:-1]


def _an_item_of(xs, k):
    return xs[0]


def _deeper(x, k):
    return _a_view_of_it(x, k) * 1.0 if k > 5 else _a_view_of_it(x, k)


def _recursive(x, k):
    return x if k <= 0 else _recursive(x, k - 1)


def writes_after_a_new_result(x):
    y = x * 1.0
    f = _new_forces(y, 2.0)
    y += 0.5 * f                 # f is new: y shares nothing with it
    return np.sum(y * f) + np.sum(y * y)


def writes_after_the_argument_back(x):
    y = x * 1.0
    f = _the_argument(y, 2.0)
    y += 0.5
    return np.sum(f * f)


def writes_after_a_view_back(x):
    y = x * 1.0
    f = _deeper(y, 1.0)
    y *= 2.0
    return np.sum(f * f)


def writes_after_a_recursive_result(x):
    y = x * 1.0
    f = _recursive(y, 2)
    y *= 3.0
    return np.sum(f * y)


def writes_after_an_item_back(x):
    y = x * 1.0
    f = _an_item_of([y, x], 0)
    y += 1.0
    return np.sum(f * f)


def test_a_helper_returning_a_new_array_shares_nothing_with_its_arguments():
    """A user function's result shares the arguments its return statements may give back
    (or views, items of them), read in its own code: here none (a new zeros_like array,
    written into), so writing into the argument afterwards is exact."""
    x = np.array([0.3, -0.7, 1.1, 0.4])
    before = x.copy()
    g = tl.grad(writes_after_a_new_result)(x)
    np.testing.assert_allclose(g, central_difference(writes_after_a_new_result, (x,)),
                               rtol=1e-6, atol=1e-8)
    assert np.array_equal(x, before)


@pytest.mark.parametrize("f", [writes_after_the_argument_back, writes_after_a_view_back,
                               writes_after_a_recursive_result, writes_after_an_item_back])
def test_a_helper_returning_its_argument_or_part_of_it_still_shares_it(f):
    """Its argument, a view of it, an item of a list holding it, or a recursive function
    (whose return is not read: it may share any argument): a later write into the argument
    is seen through the result, exactly or as a located error, never a guess."""
    x = np.array([0.3, -0.7, 1.1, 0.4])
    before = x.copy()
    try:
        g = tl.grad(f)(x)
    except AliasedWriteError:
        return
    np.testing.assert_allclose(g, central_difference(f, (x.copy(),)), rtol=1e-6, atol=1e-8)
    assert np.array_equal(x, before)
