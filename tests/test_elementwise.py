"""Gradients of sums of elementwise terms, by one forward sweep seeded with ones.

`tl.grad(f, wrt="x")` of `f = np.sum(g(x, ...))`, with every element of `g` depending
on one element of `x`, runs `grad_<f>`: forward mode with the tangent of `x` standing
for ones, summed down to `x`'s shape (module `tangentlike.elementwise` decides).
Each case below is checked against central differences and against reverse mode
(`tl.value_and_grad`, which does not take this path), over shapes where broadcasting
matters; the table of functions that are not of that form checks they still get
reverse mode and the right gradient.
"""
import inspect

import numpy as np
import pytest

import tangentlike as tl
from counting import helper_calls, peak_memory, tape_pushes
from tangentlike import numpy_runtime
from tangentlike.elementwise import blocks_elementwise, sums_elementwise
from tangentlike.parse import parse_function
from tangentlike.pipeline import OPTIONAL
from oracles import assert_grad_close, autograd_grad, central_difference

RNG = np.random.default_rng(47)
A1, A5 = 0.31938153, 1.330274429


def smooth_step(d):
    k = 1.0 / (1.0 + 0.2316419 * np.abs(d))
    tail = np.exp(-0.5 * d * d) * k * (A1 + k * A5)
    return np.where(d > 0, 1.0 - tail, tail)


def calls_a_helper(x, y):
    return np.sum(x * smooth_step(x / y) - y * smooth_step(x - y))


def ufuncs_and_arithmetic(x, y):
    z = np.log1p(x * x) + np.sin(x) * np.exp(-y) - x ** 3 / (1.0 + y * y)
    z += np.maximum(x, 0.25) * np.tanh(y)
    return np.sum(z)


def where_clip_and_compare(x):
    mask = x > 0.1
    y = np.where(mask, x * x, -x) + np.clip(x, -0.5, 0.5)
    return y.sum()


def branch_on_a_number(x, scale):
    if scale > 1.0:
        y = np.sqrt(x) * scale
    else:
        y = x / scale
    return np.sum(y)


def newton_iterations(x):
    y = x + 1.0
    for _ in range(4):
        y = y - (y * y - x) / (2.0 * y)
    return np.sum(y)


def shape_metadata(x):
    n = x.shape[0]
    return np.sum(x * n + np.ones(x.shape) * x.size)


def nondifferentiable_selection(x):
    biggest = np.argmax(x)
    return np.sum(np.sign(x) * x * biggest + np.floor(x))


def broadcast_wider(x, table):
    return np.sum(np.exp(x) * table + x)


def helper_with_docstring(v):
    """A helper with a docstring and a local that depends on nothing."""
    c = 2.0
    return c * np.cos(v)


def calls_a_documented_helper(x):
    return np.sum(helper_with_docstring(x) + helper_with_docstring(1.0))


def rebinds_its_parameter(x, y):
    """Elementwise, but the gradient must be summed down to the parameter's shape,
    not to that of the value the name holds at the end (reverse mode then)."""
    x = x * 2.0 + y
    x += np.sin(x)
    return np.sum(x * x)


# (function, wrt, argument builder): gradient with respect to wrt by the forward sweep
ELEMENTWISE = {
    "calls_a_helper": (calls_a_helper, "x",
                       lambda: (RNG.uniform(0.5, 2.0, 7), RNG.uniform(0.5, 2.0, 7))),
    "ufuncs_and_arithmetic": (ufuncs_and_arithmetic, "x",
                              lambda: (RNG.standard_normal((3, 4)), RNG.standard_normal(4))),
    "ufuncs_wrt_the_broadcast_one": (ufuncs_and_arithmetic, "y",
                                     lambda: (RNG.standard_normal((3, 4)),
                                              RNG.standard_normal(4))),
    "where_clip_and_compare": (where_clip_and_compare, "x",
                               lambda: (RNG.uniform(-1.0, 1.0, 9),)),
    "branch_on_a_number": (branch_on_a_number, "x", lambda: (RNG.uniform(1.0, 2.0, 5), 1.5)),
    "branch_other_side": (branch_on_a_number, "x", lambda: (RNG.uniform(1.0, 2.0, 5), 0.5)),
    "newton_iterations": (newton_iterations, "x", lambda: (RNG.uniform(1.0, 3.0, 6),)),
    "shape_metadata": (shape_metadata, "x", lambda: (RNG.standard_normal(5),)),
    "nondifferentiable_selection": (nondifferentiable_selection, "x",
                                    lambda: (RNG.uniform(-2.0, 2.0, 6) + 0.05,)),
    "broadcast_into_a_wider_table": (broadcast_wider, "x",
                                     lambda: (RNG.standard_normal(4),
                                              RNG.standard_normal((3, 4)))),
    "broadcast_column_against_row": (broadcast_wider, "x",
                                     lambda: (RNG.standard_normal((3, 1)),
                                              RNG.standard_normal((1, 5)))),
    "calls_a_documented_helper": (calls_a_documented_helper, "x",
                                  lambda: (RNG.standard_normal(6),)),
}


def _compiled(gradient, args):
    """The generated function `gradient` (a tl.grad function) runs for `args`."""
    return gradient.generated(*args)


def _seeded_with_ones(compiled):
    # which form ran: both are named grad_<f>; only the module's docstring tells them apart
    return "seeded with ones" in compiled.__globals__["__doc__"]


@pytest.mark.parametrize("case", sorted(ELEMENTWISE))
def test_elementwise_gradient_matches_differences_and_reverse_mode(case):
    fn, wrt, make = ELEMENTWISE[case]
    args = make()
    gradient = tl.grad(fn, wrt=wrt)
    got = gradient(*args)
    compiled = _compiled(gradient, args)
    assert compiled.__name__ == f"grad_{fn.__name__}"
    assert _seeded_with_ones(compiled)
    position = list(inspect.signature(fn).parameters).index(wrt)
    assert isinstance(got, np.ndarray) and got.shape == args[position].shape
    assert_grad_close(got, central_difference(fn, args, wrt))
    _, reverse = tl.value_and_grad(fn, wrt=wrt)(*args)
    np.testing.assert_allclose(got, reverse, rtol=1e-10, atol=1e-12)
    expected = autograd_grad(fn, args, wrt)
    if expected is not None:
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_elementwise_gradient_keeps_float32():
    x = RNG.uniform(0.5, 2.0, 5).astype(np.float32)
    y = RNG.uniform(0.5, 2.0, 5).astype(np.float32)
    got = tl.grad(calls_a_helper, wrt="x")(x, y)
    assert got.dtype == np.float32
    _, reverse = tl.value_and_grad(calls_a_helper, wrt="x")(x, y)
    np.testing.assert_allclose(got, reverse, rtol=1e-5)


def test_inputs_are_not_modified():
    x, table = RNG.standard_normal(4), RNG.standard_normal((3, 4))
    before = (x.copy(), table.copy())
    tl.grad(broadcast_wider, wrt="x")(x, table)
    np.testing.assert_array_equal(x, before[0])
    np.testing.assert_array_equal(table, before[1])


def test_forward_sweep_keeps_no_tape_and_computes_no_value():
    """One forward sweep over blocks of x and y: the helper's derivative is its tangent
    function (no forward/backward pair), nothing goes on a tape, and the value the
    function returns (its np.sum) is not computed."""
    x, y = RNG.uniform(0.5, 2.0, 4), RNG.uniform(0.5, 2.0, 4)
    gradient = tl.grad(calls_a_helper, wrt="x")
    with helper_calls("numpy.sum") as calls, tape_pushes() as pushes:
        got = gradient(x, y)
    entry = _compiled(gradient, (x, y))
    assert entry.__name__ == "grad_calls_a_helper"
    assert list(inspect.signature(entry).parameters) == ["x", "y"]      # no seed
    assert [args[0] for args in calls.arguments("runtime.jvp_function")] == [smooth_step]
    assert calls["runtime.split"] == 0 and not pushes and pushes.pops == 0
    assert calls["numpy.sum"] == 0
    ((_, arrays, positions),) = calls.arguments("numpy_runtime.in_blocks")
    assert arrays[0] is x and arrays[1] is y and tuple(positions) == (0, 1)
    assert_grad_close(got, central_difference(calls_a_helper, (x, y), "x"))
    assert_grad_close(got, tl.value_and_grad(calls_a_helper, wrt="x")(x, y)[1])


# -- not of that form: reverse mode, still right -----------------------------------------


def sum_over_neighbours(x):
    return np.sum(x[1:] * x[:-1])


def sum_of_a_matrix_product(x, w):
    return np.sum(np.tanh(x @ w))


def sum_of_sorted(x):
    return np.sum(np.sort(x) * np.arange(x.shape[0]))


def mean_not_sum(x):
    return np.mean(np.exp(x))


def sum_along_an_axis(x):
    return np.sum(np.sum(x * x, axis=0))


def cumulative(x):
    return np.sum(np.cumsum(x) ** 2)


def helper_that_indexes(v):
    return v[::-1] * 2.0


def calls_an_indexing_helper(x):
    return np.sum(helper_that_indexes(x) * x)


def method_of_a_dependent_value(x):
    return np.sum(x.clip(0.0, 1.0) * x)


def reduction_inside(x):
    return np.sum(x / np.sum(x))


def item_write(x):
    y = x * 2.0
    y[0] = 1.0
    return np.sum(y)


def dependent_branch(x):
    if np.sum(x) > 0:
        return np.sum(x * x)
    return np.sum(x)


def does_not_use_it(x, y):
    return np.sum(np.exp(y))


NOT_ELEMENTWISE = {
    "rebinds_its_parameter": (rebinds_its_parameter, "x",
                              lambda: (RNG.standard_normal(4), RNG.standard_normal((3, 4)))),
    "does_not_use_it": (does_not_use_it, "x",
                        lambda: (RNG.standard_normal(3), RNG.standard_normal(3))),
    "neighbours": (sum_over_neighbours, "x", lambda: (RNG.standard_normal(6),)),
    "matrix_product": (sum_of_a_matrix_product, "x",
                       lambda: (RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2)))),
    "sorted": (sum_of_sorted, "x", lambda: (RNG.standard_normal(5),)),
    "mean_not_sum": (mean_not_sum, "x", lambda: (RNG.standard_normal(5),)),
    "sum_along_an_axis": (sum_along_an_axis, "x", lambda: (RNG.standard_normal((2, 3)),)),
    "cumulative": (cumulative, "x", lambda: (RNG.standard_normal(5),)),
    "indexing_helper": (calls_an_indexing_helper, "x", lambda: (RNG.standard_normal(5),)),
    "method_of_a_dependent_value": (method_of_a_dependent_value, "x",
                                    lambda: (RNG.uniform(-0.5, 1.5, 5),)),
    "reduction_inside": (reduction_inside, "x", lambda: (RNG.uniform(1.0, 2.0, 5),)),
    "item_write": (item_write, "x", lambda: (RNG.standard_normal(5),)),
    "dependent_branch": (dependent_branch, "x", lambda: (RNG.uniform(0.1, 1.0, 5),)),
}


@pytest.mark.parametrize("case", sorted(NOT_ELEMENTWISE))
def test_other_functions_keep_reverse_mode(case):
    fn, wrt, make = NOT_ELEMENTWISE[case]
    assert not sums_elementwise(parse_function(fn), wrt)
    args = make()
    gradient = tl.grad(fn, wrt=wrt)
    got = gradient(*args)
    assert not _seeded_with_ones(_compiled(gradient, args))
    assert_grad_close(got, central_difference(fn, args, wrt))


@pytest.mark.parametrize("case", sorted(ELEMENTWISE))
def test_the_analysis_accepts_the_elementwise_table(case):
    fn, wrt, _ = ELEMENTWISE[case]
    assert sums_elementwise(parse_function(fn), wrt)


def test_several_wrt_arrays_keep_reverse_mode():
    x, y = RNG.uniform(0.5, 2.0, 4), RNG.uniform(0.5, 2.0, 4)
    gradient = tl.grad(calls_a_helper, wrt=("x", "y"))
    gx, gy = gradient(x, y)
    assert not _seeded_with_ones(_compiled(gradient, (x, y)))
    assert_grad_close((gx, gy), central_difference(calls_a_helper, (x, y), ("x", "y")))


# -- cache-sized blocks ---------------------------------------------------------------------
# A gradient whose every element reads the same elements of every array argument is
# computed over blocks of them (numpy_runtime.in_blocks): as many as blocks of BLOCK
# elements need, of equal sizes.  BLOCK is made 8 here, so that small arrays go through
# several blocks.

BLOCKED = {"calls_a_helper", "ufuncs_and_arithmetic", "ufuncs_wrt_the_broadcast_one",
           "where_clip_and_compare", "branch_on_a_number", "branch_other_side",
           "newton_iterations", "broadcast_into_a_wider_table",
           "broadcast_column_against_row"}


def _array_params(fn, args):
    params = list(inspect.signature(fn).parameters)
    return [p for p, a in zip(params, args) if isinstance(a, np.ndarray)]


@pytest.mark.parametrize("case", sorted(ELEMENTWISE))
def test_the_strict_analysis_decides_which_gradients_go_by_blocks(case):
    """Shapes read as numbers (`x.shape`), a reduction (`argmax`) or a helper called
    with no array refuse blocks, whose arrays are slices of the arguments."""
    fn, _, make = ELEMENTWISE[case]
    arrays = _array_params(fn, make())
    assert blocks_elementwise(parse_function(fn), arrays) == (case in BLOCKED)


def _spied_blocks(monkeypatch):
    """The shapes of the first array each call of a block function receives."""
    seen = []
    real = numpy_runtime.in_blocks

    def spy(function, args, blocked):
        def counted(*pieces):
            seen.append(pieces[blocked[0]].shape)
            return function(*pieces)
        return real(counted, args, blocked)
    monkeypatch.setattr(numpy_runtime, "in_blocks", spy)
    monkeypatch.setattr(numpy_runtime.blocks, "BLOCK", 8)      # (read where in_blocks lives)
    return seen


@pytest.mark.parametrize("shape", [(43,), (6, 7)])
@pytest.mark.parametrize("case", ["calls_a_helper", "where_clip_and_compare",
                                  "branch_on_a_number", "newton_iterations"])
def test_blocks_give_the_whole_array_gradient_to_the_bit(case, shape, monkeypatch):
    fn, wrt, make = ELEMENTWISE[case]
    args = tuple(RNG.uniform(1.0, 2.0, shape) if isinstance(a, np.ndarray) else a
                 for a in make())
    copies = [np.copy(a) for a in args]
    gradient = tl.grad(fn, wrt=wrt)
    whole = gradient(*args)                  # within one block of 65,536: one call
    seen = _spied_blocks(monkeypatch)
    blocked = gradient(*args)
    assert seen == ([(8,)] * 5 + [(3,)] if shape == (43,) else [(7,)] * 6)   # equal blocks
    assert blocked.shape == shape and blocked.dtype == whole.dtype
    assert np.array_equal(blocked, whole)
    assert all(np.array_equal(a, c) for a, c in zip(args, copies))
    assert_grad_close(blocked, tl.value_and_grad(fn, wrt=wrt)(*args)[1])


def test_blocks_keep_float32(monkeypatch):
    x, y = (RNG.uniform(0.5, 2.0, 30).astype(np.float32) for _ in range(2))
    gradient = tl.grad(calls_a_helper, wrt="x")
    whole = gradient(x, y)
    seen = _spied_blocks(monkeypatch)
    got = gradient(x, y)
    assert len(seen) == 4 and got.dtype == np.float32 and np.array_equal(got, whole)
    expected = tl.value_and_grad(calls_a_helper, wrt="x")(x, y)[1]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, args", [
    ("shapes that broadcast", (RNG.standard_normal((6, 7)), RNG.standard_normal(7))),
    ("a transposed array", (RNG.standard_normal((7, 6)).T, RNG.standard_normal((6, 7)))),
    ("a column and a row", (RNG.standard_normal((6, 1)), RNG.standard_normal((1, 7)))),
])
def test_arrays_that_cannot_be_sliced_alike_go_through_whole(name, args, monkeypatch):
    seen = _spied_blocks(monkeypatch)
    got = tl.grad(ufuncs_and_arithmetic, wrt="x")(*args)
    assert seen == [args[0].shape]
    assert_grad_close(got, tl.value_and_grad(ufuncs_and_arithmetic, wrt="x")(*args)[1])


GLOBAL_WEIGHTS = RNG.uniform(0.5, 1.5, 43)


def reads_a_global_array(x):
    return np.sum(np.exp(x) * GLOBAL_WEIGHTS)


def divides_by_its_size(x, y):
    return np.sum(x * y / x.size)


def scales_by_a_mean(x, y):
    return np.sum(x * np.mean(y))


def picks_by_argmax(x, y):
    return np.sum(x * np.argmax(y))


def builds_an_array(x):
    return np.sum(x * np.linspace(0.0, 1.0, 43))


def method_of_another_array(x, y):
    return np.sum(x * y.clip(0.2, 0.8))


def branches_on_another_array(x, y):
    scale = 2.0 if np.all(y > 0.0) else 1.0
    return np.sum(x * y * scale)


def helper_of_no_array(x, y):
    return np.sum(x * helper_with_docstring(0.5) + y)


NOT_BLOCKED = [reads_a_global_array, divides_by_its_size, scales_by_a_mean,
               picks_by_argmax, builds_an_array, method_of_another_array,
               branches_on_another_array, helper_of_no_array]


@pytest.mark.parametrize("fn", NOT_BLOCKED, ids=lambda fn: fn.__name__)
def test_elementwise_in_x_alone_is_not_computed_by_blocks(fn, monkeypatch):
    """Elementwise in `x` (one forward sweep) but not in all the arrays together, or
    reading an array that is not an argument: blocks would change the result."""
    args = (RNG.uniform(0.1, 1.0, 43), RNG.uniform(0.1, 1.0, 43))[
        :len(inspect.signature(fn).parameters)]
    assert sums_elementwise(parse_function(fn), "x")
    assert not blocks_elementwise(parse_function(fn), _array_params(fn, args))
    seen = _spied_blocks(monkeypatch)
    gradient = tl.grad(fn, wrt="x")
    got = gradient(*args)
    assert not seen and _seeded_with_ones(_compiled(gradient, args))
    assert_grad_close(got, central_difference(fn, args, "x"))


# -- memory --------------------------------------------------------------------------------


def _peak(derivative, *args):
    derivative(*args)                 # generate first
    return peak_memory(lambda: derivative(*args))


def test_forward_sweep_releases_arrays_it_no_longer_needs():
    """The generated sweeps `del` arrays after their last use: on whole arrays (blocks
    off), the gradient of `calls_a_helper` (about 40 array-valued names) peaks lower than
    the same code without the release-arrays pass, and well below reverse mode; blocks
    lower it again."""
    x, y = RNG.uniform(0.5, 2.0, 200_000), RNG.uniform(0.5, 2.0, 200_000)
    whole = frozenset(OPTIONAL) - {"blocks"}
    peak = _peak(tl.grad(calls_a_helper, wrt="x"), x, y)
    released = _peak(tl.grad(calls_a_helper, wrt="x", optimize=whole), x, y)
    kept = _peak(tl.grad(calls_a_helper, wrt="x", optimize=whole - {"release-arrays"}), x, y)
    reverse = _peak(tl.value_and_grad(calls_a_helper, wrt="x"), x, y)
    assert released < kept - x.nbytes / 2                # at least one array fewer at once
    assert released < min(16 * x.nbytes, 0.8 * reverse)
    assert peak <= released


def test_source_of_a_gradient_shows_the_code_it_runs():
    x, y = RNG.uniform(0.5, 2.0, 4), RNG.uniform(0.5, 2.0, 4)
    text = tl.source(tl.grad(calls_a_helper, wrt="x"), args=(x, y), include_callees=True)
    assert "def grad_calls_a_helper(x, y):" in text
    assert "forward mode seeded with ones" in text
    assert "def jvp_smooth_step(d, dd):" in text
    assert "# tangent of: return np.sum(x * smooth_step(x / y)" in text    # for people
    reverse = tl.source(tl.grad(sum_over_neighbours), args=(x,))
    assert "def grad_sum_over_neighbours(x" in reverse and "# backward sweep" in reverse


def plain_sum(x):
    return np.sum(x)


def plain_sum_method(x):
    return x.sum()


@pytest.mark.parametrize("fn", [plain_sum, plain_sum_method], ids=lambda fn: fn.__name__)
@pytest.mark.parametrize("x", [np.arange(5.0), np.arange(6.0, dtype=np.float32).reshape(2, 3),
                               np.linspace(0.0, 1.0, 300_000),
                               np.linspace(0.0, 1.0, 300_000, dtype=np.float32)],
                         ids=["vector", "float32", "large", "large float32"])
def test_the_gradient_of_a_plain_sum_is_ones(fn, x):
    """The terms are the parameter itself: its tangent, the number 1.0, is the gradient
    (this once returned the unbound tangent name)."""
    got = tl.grad(fn)(x)
    assert got.shape == x.shape and got.dtype == x.dtype and np.all(got == 1.0)


def weighted_sum(x, c):
    return np.sum(x * c)


@pytest.mark.parametrize("n", [4, 300_000], ids=["whole", "in blocks"])
def test_a_gradient_equal_to_an_argument_is_a_new_array(n):
    """d/dx sum(x * c) = c: the caller gets a copy, never `c` itself."""
    x, c = np.ones(n), np.linspace(0.0, 1.0, n)
    kept = c.copy()
    got = tl.grad(weighted_sum)(x, c)
    assert np.array_equal(got, c) and not np.shares_memory(got, c)
    got *= 2.0
    assert np.array_equal(c, kept)


def log_terms(x, y):
    return np.sum(np.log(x) * y + x)


@pytest.mark.parametrize("n", [5, 200_000], ids=["whole", "in blocks"])
def test_an_error_in_the_sweep_names_the_users_line(n):
    gradient = tl.grad(log_terms)
    x, y = np.zeros(n), np.ones(n)
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError) as caught:
        gradient(x, y)
    notes = "\n".join(getattr(caught.value, "__notes__", []))
    assert "by the derivative of return np.sum(np.log(x) * y + x)" in notes
