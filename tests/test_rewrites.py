"""The optional rewrites: each keeps the derivative exact, and `optimize=False` turns
them all off.

- No rewrite moves a read of a name, or of an item of it, across a statement that
  writes that name (passes/effects.py's contract): checked on the passes themselves, by
  running small backward sweeps before and after them, and through the API.
- A gradient handed to the caller is never one of its arguments or a view of one.
- Writes of a slice from an overlapping slice of the same array are exact.
- `optimize=False` (grad, value_and_grad, vjp, jvp, @differentiate, source) gives the
  same derivatives over a table of programs, and has its own cache entries.

Every value is checked against central differences, and the arguments unchanged.
"""

import ast
import copy
import inspect
import math
import pathlib

import gast
import numpy as np
import pytest

import numpy_rule_cases
import statement_forms
import tangentlike as tl
from tangentlike.cache import CACHE
from tangentlike.passes.dead_stores import live_in
from tangentlike.passes.simplify import optimize_backward
import test_ownership
from directions import dot, random_like, wrt_positions, zero_like
from oracles import assert_grad_close, central_difference

# (tangentlike's modules are reached through `tl`: a global bound to its runtime module
# would be taken for the generated code's own name for it)


def _snapshot(value):
    return copy.deepcopy(value)


def _assert_same(before, after):
    """Arguments unchanged: same structure, same values."""
    assert type(after) is type(before)
    if isinstance(before, np.ndarray):
        assert np.array_equal(before, after)
    elif isinstance(before, (list, tuple)):
        assert len(before) == len(after)
        for a, b in zip(before, after):
            _assert_same(a, b)
    elif isinstance(before, dict):
        assert before.keys() == after.keys()
        for k in before:
            _assert_same(before[k], after[k])
    else:
        assert before == after


# -- the passes: no read moves across a write ----------------------------------------------

# (code, the generated names the passes may remove, the names read after it): each a
# read of a name or of its item, a statement that writes it, and a use of what was read
PASS_CASES = {
    "restore_item": ("bx = 0.0\nbx = bx + g * L[1]\n_tl.restore_item(L, 1, old)\n"
                     "bx = bx + L[1]", {"bx"}, {"bx"}),
    "extract": ("t = b[0] * 2.0\n_b1 = _tl.extract(b, 0)\nr = t + _b1", {"t", "_b1"}, {"r"}),
    "add_at": ("t = b[1] * 1.5\nb = _ntl.add_at(b, x, 1, 4.0)\nr = t + b[1]", {"t"}, {"r"}),
    "add_at_other_name": ("t = b[1] * 1.5\nc = _ntl.add_at(b, x, 1, 4.0)\nr = t + c[1]",
                          {"t", "c"}, {"r"}),
    "append": ("t = len(L) * 1.0\nL.append(3.0)\nr = t + len(L)", {"t"}, {"r"}),
    "pop_last": ("t = L[-1] * 1.0\n_b2 = _tl.pop_last(L)\nr = t + _b2", {"t", "_b2"}, {"r"}),
    "item_from_tape": ("t = x[0] * 2.0\nx[0] = _pop()\nr = t + x[0]", {"t"}, {"r"}),
    "item_assigned": ("t = L[0] + 0.0\nL[0] = 7.0\nr = t * L[0]", {"t"}, {"r"}),
    "attribute": ("t = o.a * 2.0\no.a = 5.0\nr = t + o.a", {"t"}, {"r"}),
    "unknown_call": ("t = L[0] * 2.0\nh(L)\nr = t + L[0]", {"t"}, {"r"}),
    "copy_then_written": ("t = b\n_b1 = _tl.extract(t, 0)\nr = _b1 + b[0]", {"t", "_b1"},
                          {"r"}),
    "copy_source_written": ("t = L\n_tl.restore_item(L, 1, old)\nr = t[1] * 1.0", {"t"},
                            {"r"}),
    "call_then_read": ("t = h(L)\nr = L[0] + t", {"t"}, {"r"}),
}


class _Object:
    a = 1.0


def _h(values):
    """A call that writes into what it is given."""
    values[0] = values[0] * 10.0
    return 1.0


def _namespace():
    tape = [9.0]
    return {"_tl": tl.runtime, "_ntl": tl.numpy_runtime, "np": np, "len": len, "h": _h,
            "g": 2.0, "old": 3.0, "L": [1.0, 2.0, 4.0], "b": np.array([1.0, 2.0, 3.0]),
            "x": np.array([1.0, 2.0, 3.0]), "o": _Object(), "_pop": tape.pop}


def _run(stmts, names, scope=None):
    module = gast.gast_to_ast(gast.Module(body=copy.deepcopy(stmts), type_ignores=[]))
    for node in ast.walk(module):                   # (the passes number lines their way)
        for field in ("lineno", "end_lineno", "col_offset", "end_col_offset"):
            if hasattr(node, field):
                delattr(node, field)
    scope = _namespace() if scope is None else scope
    exec(compile(ast.fix_missing_locations(module), "<rewrite>", "exec"), scope)
    return {name: scope[name] for name in names}


@pytest.mark.parametrize("code, removable, live", PASS_CASES.values(), ids=list(PASS_CASES))
@pytest.mark.parametrize("rewrite", ["backward", "primal", "dead stores"])
def test_no_pass_moves_a_read_across_a_write(code, removable, live, rewrite):
    stmts = gast.parse(code).body
    if rewrite == "backward":
        rewritten = tl.passes.simplify.optimize_backward(copy.deepcopy(stmts), live, removable)
    elif rewrite == "primal":
        rewritten = tl.passes.simplify.optimize_primal(copy.deepcopy(stmts), removable, [])
    else:
        rewritten = tl.passes.dead_stores.without_dead_stores(copy.deepcopy(stmts), live,
                                                              removable)
    expected = _run(stmts, live)
    got = _run(rewritten, live)
    assert got.keys() == expected.keys()
    for name in live:
        np.testing.assert_array_equal(got[name], expected[name])


LIVENESS_CASES = {
    "loop target": ("for i in range(3):\n    t = i * 2\n    s = s + t\n", {"s"}, {"s"}),
    "loop target read after": ("for i in range(n):\n    s = s + i\nr = s + i\n",
                               {"r"}, {"s", "n", "i"}),
    "bound in both branches": ("if s > 0:\n    t = 1.0\nelse:\n    t = 2.0\nr = t * s\n",
                               {"r"}, {"s"}),
    "bound in one branch": ("if s > 0:\n    t = 1.0\nr = t * s\n", {"r"}, {"s", "t"}),
    "updated": ("t += 1.0\nr = t\n", {"r"}, {"t"}),
    "deleted": ("r = s\ndel t\n", {"r"}, {"s", "t"}),
    "while": ("while s < 5.0:\n    s = s + k\n    k = 1.0\n", {"s"}, {"s", "k"}),
    "read then bound in a loop": ("for i in range(2):\n    r = t\n    t = 1.0\n",
                                  {"r"}, {"t", "r"}),
}


@pytest.mark.parametrize("code, live_out, expected", LIVENESS_CASES.values(),
                         ids=list(LIVENESS_CASES))
def test_live_in_is_what_the_code_reads_before_binding(code, live_out, expected):
    """`live_in` (passes/dead_stores.py) names exactly what the statements need bound:
    run with only those names (and a list's builtins), they compute the same values."""
    stmts = gast.parse(code).body
    found = live_in(stmts, live_out) - {"range"}
    assert found == expected
    full = {"s": 1.5, "t": 0.5, "k": 0.7, "n": 2, "i": 7, "r": 0.0}
    narrow = {name: value for name, value in full.items() if name in found}
    assert _run(stmts, live_out, dict(narrow)) == _run(stmts, live_out, dict(full))


def test_every_runtime_helper_that_writes_an_argument_is_declared():
    """A helper that writes into a parameter it never rebinds (the passes rely on
    `UPDATES_FIRST_ARGUMENT` to know it) is declared, and only the first argument."""
    package = sorted(pathlib.Path(tl.numpy_runtime.__file__).parent.glob("*.py"))
    for module, path in [(tl.runtime, pathlib.Path(tl.runtime.__file__))] \
            + [(tl.numpy_runtime, path) for path in package]:     # each file of the package
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in (s for s in tree.body if isinstance(s, ast.FunctionDef)
                   and not s.name.startswith("_")):
            params = [a.arg for a in fn.args.args]
            rebound = {t.id for s in ast.walk(fn) if isinstance(s, ast.Assign)
                       for t in s.targets if isinstance(t, ast.Name)}
            written = set()
            for x in ast.walk(fn):
                if isinstance(x, ast.Subscript) and isinstance(x.ctx, (ast.Store, ast.Del)) \
                        and isinstance(x.value, ast.Name):
                    written.add(x.value.id)
                elif isinstance(x, ast.Call) and isinstance(x.func, ast.Attribute) \
                        and isinstance(x.func.value, ast.Name) \
                        and x.func.attr in ("append", "pop", "extend", "insert", "fill",
                                            "sort", "clear", "update"):
                    written.add(x.func.value.id)
            written &= set(params) - rebound
            if written:
                assert written == {params[0]}, (module.__name__, fn.name, written)
                assert fn.name in module.UPDATES_FIRST_ARGUMENT, (module.__name__, fn.name)


# -- writes passes/effects.py does not see (known failures of its contract) ---------------


class _Holder:
    def __init__(self):
        self.a, self.v, self.xs = 1.0, [1.0, 2.0], [1.0, 2.0]

    def bump(self):
        self.a = self.a * 10.0


# each a read, a write through a part of a name or a method, and a read of what was written
WRITES_THROUGH_PARTS = {
    "method_on_an_item": "t = L[0][0] * 1.0\nL[0].reverse()\nr = t + L[0][0]",
    "method_on_an_attribute": "t = o.xs[0] * 1.0\no.xs.reverse()\nr = t + o.xs[0]",
    "other_method": "t = o.a * 2.0\no.bump()\nr = t + o.a",
    "item_of_an_attribute": "t = o.v[0] * 2.0\no.v[0] = 5.0\nr = t + o.v[0]",
}


@pytest.mark.parametrize("code", WRITES_THROUGH_PARTS.values(), ids=list(WRITES_THROUGH_PARTS))
@pytest.mark.parametrize("rewrite", ["backward", "primal"])
def test_writes_through_parts_and_methods_are_seen(code, rewrite):
    stmts = gast.parse(code).body
    simplify = tl.passes.simplify
    rewritten = simplify.optimize_backward(copy.deepcopy(stmts), {"r"}, {"t"}) \
        if rewrite == "backward" else simplify.optimize_primal(copy.deepcopy(stmts), {"t"}, [])
    expected, got = (_run(body, ["r"], {"L": [[1.0, 2.0]], "o": _Holder()})
                     for body in (stmts, rewritten))
    assert got == expected


def length_before_an_append_to_an_item(x, L):
    return math.sin(x) * (len(L[0]) + math.cos(x * len([L[0].append(1.0)])))


def test_a_read_is_not_folded_past_an_append_to_an_item():
    fn = length_before_an_append_to_an_item
    value = fn(0.5, [[1.0, 2.0, 3.0]])
    unoptimized = tl.value_and_grad(fn, optimize=False)(0.5, [[1.0, 2.0, 3.0]])
    assert unoptimized[0] == pytest.approx(value, rel=1e-12)
    got = tl.value_and_grad(fn)(0.5, [[1.0, 2.0, 3.0]])
    assert got == pytest.approx(unoptimized, rel=1e-12)


# -- through the API: reads after writes --------------------------------------------------


def item_read_after_its_write(L, x):
    L[1] = x * L[0] + x
    return L[1] * x


def array_item_read_after_its_write(a, x):
    a[1] = x * a[0] + x
    return a[1] * x + np.sum(a)


def item_read_in_a_loop(L, x):
    s = 0.0
    for k in range(2):
        L[k] = L[k] * x + 1.0
        s = s + L[k] * x
    return s


def dict_item_read_after_its_write(d, x):
    d["a"] = d["a"] * x
    d["b"] = d["a"] + x
    return d["b"] * d["a"]


def list_read_after_append(L, x):
    L.append(x * L[0])
    return L[-1] * x + L[0]


def slice_read_after_its_write(x):
    t = x * 1.0
    t[1:] = t[:-1] * x[1:]
    return np.sum(t[1:] * x[:-1])


def returned_item_then_restored(L, x):
    y = L[0] * x
    L[0] = y * y
    return L[0] + y


READS = [
    # (function, arguments, wrt, the gradient worked out by hand)
    (item_read_after_its_write, ([0.5, 2.0], 0.7), 1, 2.1),            # 2x L0 + 2x
    (item_read_after_its_write, ([0.5, 2.0], 0.7), 0, [0.49, 0.0]),    # x^2, 0
    (array_item_read_after_its_write, (np.array([0.5, 2.0, 1.0]), 0.7), 1, 3.6),
    (item_read_in_a_loop, ([0.5, 2.0], 0.7), 1, 5.5),       # 2x (L0 + L1) + 2
    (dict_item_read_after_its_write, ({"a": 0.5, "b": 2.0}, 0.7), 1, 1.05),
    (list_read_after_append, ([0.5, 2.0], 0.7), 1, 0.7),    # 2x L0
    (slice_read_after_its_write, (np.array([0.3, 0.7, 0.9]),), 0, [0.42, 1.35, 0.49]),
    (returned_item_then_restored, ([0.5, 2.0], 0.7), 1, 0.85),          # (2y + 1) L0
]


def _exact(fn, args, wrt):
    return central_difference(fn, _snapshot(args), wrt)


@pytest.mark.parametrize("fn, args, wrt, expected", READS,
                         ids=[f"{c[0].__name__}-wrt{c[2]}" for c in READS])
@pytest.mark.parametrize("entry", ["grad", "value_and_grad", "unoptimized"])
def test_a_read_after_a_write_sees_the_write(fn, args, wrt, expected, entry):
    reference = _exact(fn, args, wrt)
    before = _snapshot(args)
    calling = _snapshot(args)
    if entry == "grad":
        got = tl.grad(fn, wrt=wrt)(*calling)
    elif entry == "value_and_grad":
        value, got = tl.value_and_grad(fn, wrt=wrt)(*calling)
        assert value == pytest.approx(fn(*_snapshot(args)))
    else:
        got = tl.grad(fn, wrt=wrt, optimize=False)(*calling)
    _assert_same(before, calling)
    assert_grad_close(got, reference, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(reference, expected, rtol=1e-6, atol=1e-8)


# -- a gradient equal to (a view of) an argument -----------------------------------------


def weighted_sum(x, c):
    return np.sum(x * c)


def weighted_by_a_row(x, c):
    return np.sum(x * c[0])


def weighted_by_a_reshape(x, c):
    return np.sum(x * np.reshape(c, (3,)))


def weighted_by_a_transpose(x, c):
    return np.sum(x * c.T)


X3 = np.array([0.3, -0.7, 1.1])
WEIGHTS = [
    (weighted_sum, 2.0), (weighted_sum, 2), (weighted_sum, np.float64(2.0)),
    (weighted_sum, np.array(2.0)), (weighted_sum, np.array([1.0, 2.0, 3.0])),
    (weighted_by_a_row, np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])),
    (weighted_by_a_reshape, np.array([[1.0], [2.0], [3.0]])),
    (weighted_by_a_transpose, np.array([[1.0], [2.0], [3.0]])),
]


@pytest.mark.parametrize("fn, c", WEIGHTS, ids=[
    "float", "int", "numpy-float", "0-d", "array", "row", "reshape", "transpose"])
@pytest.mark.parametrize("n", [3, 300_000], ids=["whole", "in blocks"])
@pytest.mark.parametrize("optimized", [True, False], ids=["optimized", "unoptimized"])
def test_a_gradient_equal_to_an_argument_is_its_own(fn, c, n, optimized):
    """d/dx sum(x * c) = c (or its row, its reshape): a new array, whatever c is."""
    x = np.linspace(-1.0, 1.0, n) if n > 3 else X3.copy()
    if n > 3 and np.ndim(c) > 0:
        if fn is not weighted_sum:
            pytest.skip("the views are of shape (3,)")
        c = np.linspace(0.5, 2.0, n)
    kept, x_kept = _snapshot(c), x.copy()
    got = tl.grad(fn, optimize=optimized)(x, c)
    expected = np.broadcast_to(np.reshape(np.asarray(c, dtype=float), -1)[:n]
                               if fn is not weighted_by_a_row else c[0], x.shape)
    np.testing.assert_array_equal(got, expected)
    if n == 3:
        assert_grad_close(got, central_difference(fn, (x.copy(), kept), 0))
    assert isinstance(got, np.ndarray) and got.flags.writeable
    if isinstance(c, np.ndarray):
        assert not np.shares_memory(got, c)
    got *= 2.0
    _assert_same(kept, c)
    _assert_same(x_kept, x)


# -- slice writes from overlapping slices -------------------------------------------------


def fuzz_overlap(x, /, y, m=3):
    """The fuzzer's program (an overlapping slice write, x of shape (4,))."""
    s6 = float(x[1])
    x[1:3] = x[0:2]
    return s6


def overlap_then_sum(x, /, y, m=3):
    s6 = float(x[1])
    x[1:3] = x[0:2]
    return s6 + np.sum(x * x)


def overlap_scaled(x, y):
    x[1:3] = x[0:2] * y
    return np.sum(x * x)


def overlap_of_a_function(x, y):
    x[1:3] = np.sin(x[0:2])
    return np.sum(x[1:3]) * y + x[1]


def overlap_reversed(x, y):
    s = float(x[2]) * y
    x[1:3] = x[1:3][::-1]
    return np.sum(x[1:3] * np.arange(1.0, 3.0)) + s


def overlap_of_a_sum(x, y):
    x[1:3] = x[0:2] + x[2:4]
    return np.sum(x * x) + y


def overlap_in_a_loop(x, y):
    for k in range(2):
        x[1:] = x[:-1] * y
    return np.sum(x * np.arange(1.0, 5.0))


def overlap_of_a_copy(x, y):
    t = x * 1.0
    t[1:3] = t[0:2]
    return np.sum(t * x) * y


X4 = np.array([0.3, 0.5, 0.7, 0.9])
OVERLAPS = [
    (fuzz_overlap, (X4, 1.0), [0.0, 1.0, 0.0, 0.0]),
    (fuzz_overlap, (X4, np.ones(4)), [0.0, 1.0, 0.0, 0.0]),
    (overlap_then_sum, (X4, 1.0), [1.2, 2.0, 0.0, 1.8]),   # [4 x0, 1 + 2 x1, 0, 2 x3]
    (overlap_scaled, (X4, 1.5), None),
    (overlap_of_a_function, (X4, 2.0), None),
    (overlap_reversed, (X4, 2.0), None),
    (overlap_of_a_sum, (X4, 1.0), None),
    (overlap_in_a_loop, (X4, 0.8), None),
    (overlap_of_a_copy, (X4, 1.5), None),
]


@pytest.mark.parametrize("fn, args, expected", OVERLAPS,
                         ids=[f"{c[0].__name__}-{type(c[1][1]).__name__}" for c in OVERLAPS])
@pytest.mark.parametrize("optimized", [True, False], ids=["optimized", "unoptimized"])
def test_a_slice_written_from_an_overlapping_slice(fn, args, expected, optimized):
    reference = central_difference(fn, _snapshot(args), 0)
    if expected is not None:
        np.testing.assert_allclose(reference, expected, atol=1e-7)
    calling = _snapshot(args)
    got = tl.grad(fn, optimize=optimized)(*calling)
    _assert_same(_snapshot(args), calling)
    assert_grad_close(got, reference)
    value, got = tl.value_and_grad(fn, optimize=optimized)(*calling)
    _assert_same(_snapshot(args), calling)
    assert value == pytest.approx(fn(*_snapshot(args)))
    assert_grad_close(got, reference)
    v = np.array([0.5, -1.0, 2.0, 0.25])
    tangents = (v, zero_like(args[1]))
    _, tangent = tl.jvp(fn, calling, tangents, optimize=optimized)
    _assert_same(_snapshot(args), calling)
    assert tangent == pytest.approx(float(np.dot(reference, v)), rel=1e-6, abs=1e-8)


# -- optimize=False ------------------------------------------------------------------------


def returns_a_name_set_twice(x, y):
    """Its adjoint, the seed of the gradient-only form, is set to 0.0 once used: the
    form once read the seed's 1.0 after that, giving 2.0."""
    s = y
    s = y
    return s * x


def _statement_cases(names):
    by_name = {case.name: case for case in statement_forms.CASES}
    return [(name, by_name[name].fn, by_name[name].args, by_name[name].wrt
             if by_name[name].wrt is not None else 0, 1e-5) for name in names]


def _numpy_cases(names):
    by_name = {case.name: case for case in numpy_rule_cases.CASES}
    return [(name, by_name[name].fn, by_name[name].args, by_name[name].wrt,
             max(by_name[name].rtol, 1e-5)) for name in names]


TABLE = _statement_cases([
    "tuple_pack_unpack", "swap_fibonacci", "augmented_in_loop", "floordiv_mod_mixed",
    "huber_outer", "horner_neg_step", "for_enumerate_zip", "while_true_break",
    "nested_break", "return_from_nested_loop", "list_item_assign", "list_comp_filter",
    "dict_arg", "calls_helper", "welford", "np_loop_index", "np_augmented_arrays",
    "np_mlp", "softmax_cross_entropy"]) + _numpy_cases([
    "sin-2x3", "multiply-2x3-2x3", "maximum-3-2x3", "std", "norm-vector", "reshape",
    "column-stack", "pad-symmetric", "matmul-batched", "einsum-diagonal", "kron",
    "take-wrap"]) + [
    (f.__name__, f, (x,), 0, 1e-5) for f, x, _ in test_ownership.ARRAY_CASES] + [
    ("into_list", test_ownership.into_list, ([0.5, 2.0],), 0, 1e-5),
    ("nested_list", test_ownership.nested_list, ([[0.5, 2.0], [4.0]],), 0, 1e-5),
    ("returns_argument_times_one", test_ownership.returns_argument_times_one,
     (np.array([1.0, 2.0]), np.array([3.0, 4.0])), (0, 1), 1e-5),
    ("returns_a_name_set_twice", returns_a_name_set_twice, (0.4, 0.9), (0, 1), 1e-5),
    ("item_read_after_its_write", item_read_after_its_write, ([0.5, 2.0], 0.7), (0, 1),
     1e-5),
]


@pytest.mark.parametrize("name, fn, args, wrt, rtol", TABLE, ids=[c[0] for c in TABLE])
def test_optimize_on_and_off_agree_with_central_differences(name, fn, args, wrt, rtol):
    reference = central_difference(fn, _snapshot(args), wrt)
    results = {}
    for optimized in (True, False):
        calling = _snapshot(args)
        got = tl.grad(fn, wrt=wrt, optimize=optimized)(*calling)
        _assert_same(_snapshot(args), calling)
        assert_grad_close(got, reference, rtol=rtol, atol=1e-7)
        value, both = tl.value_and_grad(fn, wrt=wrt, optimize=optimized)(*calling)
        _assert_same(_snapshot(args), calling)
        assert value == pytest.approx(fn(*_snapshot(args)))
        assert_grad_close(both, got, rtol=1e-9, atol=1e-12)
        results[optimized] = got
    assert_grad_close(results[False], results[True], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name, fn, args, wrt, rtol", TABLE,
                         ids=[c[0] for c in TABLE])
def test_optimize_on_and_off_agree_in_forward_mode(name, fn, args, wrt, rtol):
    positions = wrt_positions(statement_forms.Case(name, fn, args, wrt))
    rng = np.random.default_rng(len(name))
    tangents = tuple(random_like(a, rng) if k in positions else zero_like(a)
                     if not isinstance(a, (bool, int, str)) else a
                     for k, a in enumerate(args))
    gradient = tl.grad(fn, wrt=wrt)(*_snapshot(args))
    gradients = gradient if isinstance(wrt, tuple) else (gradient,)
    expected = sum(dot(g, tangents[k]) for g, k in zip(gradients, positions))
    outs = {}
    for optimized in (True, False):
        calling, directions = _snapshot(args), _snapshot(tangents)
        value, tangent = tl.jvp(fn, calling, directions, optimize=optimized)
        _assert_same(_snapshot(args), calling)
        _assert_same(_snapshot(tangents), directions)
        assert value == pytest.approx(fn(*_snapshot(args)))
        assert float(tangent) == pytest.approx(expected, rel=max(rtol, 1e-7), abs=1e-8)
        outs[optimized] = float(tangent)
    assert outs[False] == pytest.approx(outs[True], rel=1e-9, abs=1e-12)


def test_vjp_and_differentiate_take_the_switch():
    x = np.array([0.3, 0.7, 0.9])
    expected = central_difference(test_ownership.written_copy, (x.copy(),))
    out, pullback = tl.vjp(test_ownership.written_copy, x, optimize=False)
    (g,) = pullback(2.0)
    np.testing.assert_allclose(g, 2.0 * expected, rtol=1e-6)
    decorated = tl.differentiate(optimize=False)(test_ownership.slice_write)
    np.testing.assert_allclose(decorated.grad(x.copy()),
                               central_difference(test_ownership.slice_write, (x.copy(),)),
                               rtol=1e-6)
    assert "del " not in decorated.source()          # arrays are not released early


def test_the_switch_turns_every_rewrite_off():
    """The unoptimized code is value_and_grad's (no gradient-only or elementwise form),
    keeps every accumulation into a zero, names no repeated parts, releases nothing
    early, and asks for its callees' code unoptimized too; the mandatory copy stays."""
    x = np.array([0.3, 0.7, 0.9])
    text = tl.source(tl.grad(statement_forms.np_elementwise, optimize=False), args=(x,))
    assert "def value_and_grad_np_elementwise(" in text and "bx = 0.0" in text
    assert "seeded with ones" not in text and "in_blocks" not in text
    assert text == tl.source(tl.grad(statement_forms.np_elementwise), args=(x,),
                             optimize=False)
    text = tl.source(tl.grad(test_ownership.written_parameter, optimize=False), args=(x,))
    assert "_tl.copy(x)" in text and "del " not in text and "+=" not in text
    parts = tl.source(tl.grad(neighbours, optimize=False), args=(x,))
    assert "x_to_m1" not in parts and "x_to_m1" in tl.source(tl.grad(neighbours), args=(x,))
    calls = tl.source(statement_forms.calls_helper, args=(0.8, 1.3), optimize=False)
    assert "optimize=False)" in calls
    assert "optimize=False" not in tl.source(statement_forms.calls_helper, args=(0.8, 1.3))


def neighbours(x):
    return np.sum(x[:-1] * x[1:]) + np.sum(x[:-1] ** 2)


def test_the_switch_is_part_of_the_cache_key():
    x = np.array([0.3, 0.7, 0.9])
    start = CACHE.transforms
    optimized = tl.grad(neighbours)(x)
    once = CACHE.transforms
    plain = tl.grad(neighbours, optimize=False)(x)
    assert CACHE.transforms > once          # not the optimized code again
    np.testing.assert_allclose(plain, optimized, rtol=1e-12)
    texts = {inspect.getsource(f) for f in _generated()}
    assert len(texts) == 2
    CACHE.invalidate()                                # from the disk cache now
    made = CACHE.transforms
    np.testing.assert_allclose(tl.grad(neighbours, optimize=False)(x), optimized, rtol=1e-12)
    np.testing.assert_allclose(tl.grad(neighbours)(x), optimized, rtol=1e-12)
    assert CACHE.transforms == made > start
    assert {inspect.getsource(f) for f in _generated()} == texts


def _generated():
    found = []
    for value in CACHE.generated.values():
        found.extend(value if isinstance(value, tuple) else [value])
    return [f for f in found if callable(f)]


def test_a_derivative_of_a_derivative_says_it_is_always_optimized():
    with pytest.raises(tl.TangentlikeError, match="optimize=False"):
        tl.grad(tl.grad(statement_forms.m_sin), optimize=False)
    with pytest.raises(tl.TangentlikeError, match="optimize=False"):
        tl.jvp(tl.grad(statement_forms.m_sin, optimize=False), (0.3,), (1.0,))


PLACEMENT_CASES = {      # code, the add_at calls left
    "pair": ("bt = 0.0\nbt = _tl.add_at(bt, t, 1, g1)\nbk = 0.0\n"
             "bt = _tl.add_at(bt, t, 0, g0)\n", 0),
    "negative place": ("bt = 0.0\nbt = _tl.add_at(bt, t, -1, g1)\n", 0),
    "reads a name set to zero between": (
        "bt = 0.0\nbt = _tl.add_at(bt, t, 1, g1)\ng0 = 0.0\n"
        "bt = _tl.add_at(bt, t, 0, g0)\n", 1),
    "one place twice": ("bt = 0.0\nbt = _tl.add_at(bt, t, 0, g0)\n"
                        "bt = _tl.add_at(bt, t, 0, g1)\n", 1),
    "not zero": ("bt = [1.0, 2.0]\nbt = _tl.add_at(bt, t, 0, g0)\n", 1),
    "reads itself": ("bt = 0.0\nbt = _tl.add_at(bt, t, 0, g0)\n"
                     "bt = _tl.add_at(bt, t, 1, bt[0])\n", 1),
    "calls": ("bt = 0.0\nbt = _tl.add_at(bt, t, 0, float(g0))\n", 1),
    "a place out of range": ("bt = 0.0\nbt = _tl.add_at(bt, t, 0, g0)\n"
                             "bt = _tl.add_at(bt, t, 5, g1)\n", 1),
}


@pytest.mark.parametrize("code, add_ats", PLACEMENT_CASES.values(), ids=list(PLACEMENT_CASES))
def test_placements_into_a_zero_list_adjoint_are_one_display(code, add_ats):
    """simplify (given `lengths`, code nothing differentiates again): add_at into the
    zero adjoint of a list or tuple of known length becomes a list display, where the
    contract allows; the values are the helper's."""
    from tangentlike.naming import mark_helper
    stmts = gast.parse(code).body
    for s in stmts:
        if isinstance(s.value, gast.Call):
            mark_helper(s.value, tl.runtime.add_at)
    rewritten = optimize_backward(copy.deepcopy(stmts), {"bt"}, set(), lengths={"t": 2})
    text = "\n".join(ast.unparse(gast.gast_to_ast(s)) for s in rewritten)
    assert ("[" in text) == ("[1.0, 2.0]" in code or add_ats < code.count("add_at")), text
    assert text.count("add_at") == add_ats, text

    def scope():
        return {"_tl": tl.runtime, "t": (0.5, 1.5), "g0": 2.0, "g1": -3.0, "bk": 1.0}
    if "5" in code:
        with pytest.raises(IndexError):        # (raised by both: the helper's own error)
            _run(stmts, ["bt"], scope())
        return
    assert _run(stmts, ["bt"], scope()) == _run(rewritten, ["bt"], scope())


def _pair(x, y, a):
    return a * x - x * y, x * y - a * y


def _pair_dict(x, y, a):
    return {0: a * x - x * y, 1: x * y - a * y}


def stages(x, y, a, steps):
    for _ in range(steps):
        k1x, k1y = _pair(x, y, a)
        k2x, k2y = _pair(x + 0.1 * k1x, y + 0.1 * k1y, a)
        x, y = x + 0.05 * (k1x + k2x), y + 0.05 * (k1y + k2y)
    return x * y


def stages_dict(x, y, a, steps):
    for _ in range(steps):
        k1x, k1y = _pair_dict(x, y, a)        # the keys 0, 1: no derivative through them
        x, y = x + 0.05 * (k1x + k1y) * x, y * (1.0 + 0.1 * a)
    return x * y


@pytest.mark.parametrize("optimize", [True, {"simplify"}, False], ids=["on", "simplify", "none"])
def test_a_tuple_result_s_adjoint_is_built_as_a_list(optimize):
    from matching import assert_matches_differences
    args = (0.6, 0.9, 0.7, 4)
    assert_matches_differences(stages, args, (0, 1, 2), optimize)
    assert_matches_differences(stages_dict, args, (0, 1, 2), optimize)
    if optimize is True:
        text = tl.source(tl.grad(stages, wrt=(0, 1, 2)), args=args)
        assert "_tl.add_at" not in text and "backward__pair([" in text
        text = tl.source(tl.grad(stages_dict, wrt=(0, 1, 2)), args=args)
        assert "_ntl.iterated(" in text and "_tl.add_at(" in text    # (keys: no lengths)
    second = tl.grad(tl.grad(stages, wrt=0), wrt=0)(*args)     # (the joint-inline form)
    expected = central_difference(tl.grad(stages, wrt=0), args, 0)
    assert second == pytest.approx(expected, rel=1e-5)
