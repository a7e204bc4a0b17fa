"""Ranked kinds (value_kinds.py): a NumPy array of one or two dimensions is a "vector" or
a "matrix", and an integer index into it reads a number, so the generated code carries
no shape bookkeeping for it.  Checked here: the kinds themselves, the integers they rest
on (never a bool), that a gradient object specialized on one rank is never reused for
another, and gradients against central differences with the inputs left unchanged.
"""

import math

import astor
import gast
import numpy as np
import pytest

import tangentlike as tl
from tangentlike import value_kinds
from tangentlike.passes.in_place import summed_in_place
from tangentlike.rules.registry import lookup

from benchmark_workloads import load_benchmark
from matching import assert_matches_differences
from oracles import central_difference


def kind_of(text, kinds, integers=frozenset()):
    expression = gast.parse(text).body[0].value
    namespace = {"np": np, "len": len, "int": int, "range": range, "math": math}

    def resolve(func):
        dotted = value_kinds.dotted_name(func) if isinstance(func, gast.Attribute) \
            else getattr(func, "id", None)
        obj = namespace.get(dotted.partition(".")[0]) if dotted else None
        for part in dotted.split(".")[1:] if dotted else ():
            obj = getattr(obj, part, None)
        return None if obj is None else lookup(obj)
    return value_kinds.expression_kind(expression, kinds, resolve, None, integers)


PRACTITIONERS = load_benchmark("practitioners/programs.py", "practitioners_programs")


NAMES = {"v": "vector", "w": "vector", "M": "matrix", "s": "scalar", "A": "array",
         "i": "scalar", "j": "scalar", "flag": "scalar", "n": "scalar", "m": "scalar"}
INTS = frozenset({"i", "j", "n", "m"})


@pytest.mark.parametrize("text, expected", [
    ("v[i]", "scalar"), ("v[i + 1]", "scalar"), ("v[-1]", "scalar"), ("v[len(v) - 1 - i]", "scalar"),
    ("v[1:]", "vector"), ("v[flag]", "array"), ("v[v > 0]", "array"), ("v[i, j]", "array"),
    ("M[i]", "vector"), ("M[i, j]", "scalar"), ("M[:, j]", "vector"), ("M[i, :]", "vector"),
    ("M[1:, :-1]", "matrix"), ("M[None]", "array"), ("A[i]", "array"),
    ("v * s + 1.0", "vector"), ("v * w", "vector"), ("M * v", "matrix"), ("-M", "matrix"),
    ("np.sin(v)", "vector"), ("np.exp(s)", "scalar"), ("np.maximum(s, 0.0)", "scalar"), ("np.exp(M) * s", "matrix"), ("np.add(v, A)", "array"),
    ("v @ w", "scalar"), ("M @ v", "vector"), ("v @ M", "vector"), ("M @ M", "matrix"),
    ("A @ v", "array"), ("np.zeros(n)", "vector"), ("np.zeros((n, m))", "matrix"),
    ("np.zeros((n, m, 2))", "array"), ("np.zeros(n, dtype=object)", "array"),
    ("np.zeros_like(M)", "matrix"), ("np.copy(v)", "vector"), ("np.sum(v)", "scalar"),
    ("np.max(M)", "scalar"), ("np.sum(A)", "array"), ("np.sum(v, axis=0)", "array"),
    ("np.dot(M, v)", "vector"), ("np.dot(v, w)", "scalar"), ("np.outer(v, w)", "matrix"),
    ("np.diag(v)", "matrix"), ("np.diag(M)", "vector"), ("np.linalg.norm(v)", "scalar"),
    ("M.copy()", "matrix"), ("v.sum()", "scalar"),
    ("v.sum(axis=0)", "other"), ("A.copy()", "other"),      # (methods: no rule here)
    ("M.T", "matrix"), ("v.shape", "scalars"), ("M.shape[0]", "scalars"),
])
def test_expression_kinds(text, expected):
    kind = kind_of(text, NAMES, INTS)
    if text == "M.shape[0]":
        expected = "scalar"
    assert kind == expected, text


def test_arguments_ranked_by_dimensions_and_dtype():
    assert tl.runtime.arg_kind(np.ones(3)) == "vector"
    assert tl.runtime.arg_kind(np.ones((2, 3))) == "matrix"
    assert tl.runtime.arg_kind(np.ones((2, 3, 4))) == "array"
    assert tl.runtime.arg_kind(np.array(2.0)) == "array"
    assert tl.runtime.arg_kind(np.arange(3)) == "array"              # ints: not ranked
    assert tl.runtime.arg_kind(np.ones(3, dtype=complex)) == "array"


def test_nested_lists_of_numbers_are_recognized_at_once():
    """`holds_only_numbers` answers for plain nests of numbers (the common argument of
    recursive code); anything else inside takes the careful walks, whose verdicts
    stand: a pytree inside gives a tree kind, an integer array inside is refused."""
    from collections import namedtuple

    from tangentlike.trees import holds_only_numbers
    nest = [1.0, [2, [np.float64(3.0), (4.0, True)]], []]
    assert holds_only_numbers(nest) and holds_only_numbers((1.0,))
    assert tl.runtime.arg_kind(nest) == "other"
    assert tl.runtime.arg_kind([1.0, 2.0]) == "scalars"
    Point = namedtuple("Point", "x y")
    for other in ([1.0, [np.ones(2)]], [1.0, [Point(1.0, 2.0)]], [1.0, ["a"]], 1.0,
                  np.ones(2), {"a": 1.0}, Point(1.0, 2.0)):
        assert not holds_only_numbers(other)
    assert tl.runtime.arg_kind([1.0, [Point(1.0, 2.0)]]).startswith("tree:")
    deep = [1.0]
    for _ in range(300):
        deep = [deep, 0.5]
    assert not holds_only_numbers(deep)          # (deeper than the fast walk goes)

    def tree_sum(node):
        total = 0.0
        for child in node:
            total += tree_sum(child) if isinstance(child, list) else child * child
        return total
    assert tl.grad(tree_sum)([1.0, [2.0, [3.0]]]) == [2.0, [4.0, [6.0]]]
    with pytest.raises(tl.NonDifferentiableArgumentError, match="int64"):
        tl.grad(tree_sum)([1.0, [np.arange(2)]])


def first_and_rows(x):
    total = 0.0
    for k in range(2):
        total += np.sum(x[k] * x[k]) * (k + 1.0)
    return total


def test_one_gradient_object_over_ranks():
    """One `tl.grad` object, called with a vector, a matrix, then a vector again: each
    call runs code made for its own rank (the by-type memo keys on the rank)."""
    gradient = tl.grad(first_and_rows)
    for x in (np.array([0.3, -1.2, 2.0]), np.arange(6.0).reshape(2, 3) / 7.0,
              np.array([1.5, 0.5]), np.ones((3, 2)) * 0.25):
        before = x.copy()
        np.testing.assert_allclose(gradient(x), central_difference(first_and_rows, (x,), wrt=(0,))[0],
                                   rtol=1e-6, atol=1e-8)
        np.testing.assert_array_equal(x, before)


def bool_index(v, a):
    flag = a > 0.0
    picked = v[flag]                  # a bool index adds an axis: an array, not a number
    return np.sum(picked * v) * a


def float_param_index(v, k):
    return v[k] * 2.0


def test_bool_index_is_not_a_number():
    for a in (0.7, -0.7):
        assert_matches_differences(bool_index, (np.array([0.5, -1.0, 2.0]), a), (0, 1))


def test_float_index_is_refused_as_numpy_refuses_it():
    with pytest.raises(IndexError):
        float_param_index(np.ones(3), 1.0)
    with pytest.raises(IndexError):
        tl.grad(float_param_index)(np.ones(3), 1.0)


GLOBAL_TABLE = np.array([1.0, 2.0, 3.0])


def reads_global(x):
    return x * GLOBAL_TABLE[0]


def test_global_array_is_not_ranked():
    """A global's rank is not in the cache key: rebinding it to a matrix stays right."""
    global GLOBAL_TABLE
    gradient = tl.grad(reads_global)
    assert gradient(2.0) == pytest.approx(1.0)
    saved = GLOBAL_TABLE
    try:
        GLOBAL_TABLE = np.array([[4.0, 5.0], [6.0, 7.0]])
        with pytest.raises(Exception):
            gradient(2.0)           # the value is a row now: not a scalar output
    finally:
        GLOBAL_TABLE = saved


def stencil(u, h):
    n = u.shape[0]
    U = np.zeros((n + 2, n + 2))
    U[1:-1, 1:-1] = u
    total = 0.0
    for i in range(1, n + 1):
        for j in range(1, n + 1):
            lap = U[i - 1, j] + U[i + 1, j] + U[i, j - 1] + U[i, j + 1] - 4.0 * U[i, j]
            total += (lap / h ** 2) ** 2
    return total


def thomas(b, d):
    n = len(d)
    cp = np.zeros(n)
    dp = np.zeros(n)
    cp[0] = 0.5 / b[0]
    dp[0] = d[0] / b[0]
    for i in range(1, n):
        denom = b[i] - 0.5 * cp[i - 1]
        cp[i] = 0.5 / denom if i < n - 1 else 0.0
        dp[i] = (d[i] - 0.5 * dp[i - 1]) / denom
    x = np.zeros(n)
    x[-1] = dp[-1]
    for i in range(n - 2, -1, -1):
        x[i] = dp[i] - cp[i] * x[i + 1]
    return np.sum(x * x)


@pytest.mark.parametrize("f, args, wrt", [
    (stencil, (np.arange(9.0).reshape(3, 3) / 5.0, 0.5), (0, 1)),
    (thomas, (4.0 + np.arange(5.0) / 3.0, np.linspace(-1.0, 1.0, 5)), (0, 1)),
])
@pytest.mark.parametrize("optimize", [True, False])
def test_ranked_loops_match_differences(f, args, wrt, optimize):
    assert_matches_differences(f, args, wrt, optimize)
    in_loops = [line for line in tl.source(f, wrt=wrt, args=args).splitlines()
                if line.startswith(" " * 8) and ("np.shape(" in line or "unbroadcast(" in line)]
    assert not in_loops                         # numbers in the loops: no shapes kept


def find_interval(knots, x):
    i = 0
    while i < len(knots) - 2 and x > knots[i + 1]:
        i += 1
    return i


def is_positive(a):
    return a > 0.0


def spline_like(values, knots, x):
    i = find_interval(knots, x)             # an int a user function returns: a number
    return values[i] * (x - knots[i]) + values[i + 1] * x


def bool_from_helper(v, a):
    picked = v[is_positive(a)]              # a bool a user function returns: an array
    return np.sum(picked * v) * a


def test_ints_returned_by_user_functions():
    knots, values = np.linspace(0.0, 3.0, 5), np.array([0.5, -1.0, 2.0, 0.3, 1.1])
    args = (values, knots, 1.7)
    assert_matches_differences(spline_like, args, (0, 2))
    in_loops = [line for line in tl.source(spline_like, wrt=(0, 2), args=args).splitlines()
                if "unbroadcast(" in line or "np.shape(" in line]
    assert not in_loops
    for a in (0.7, -0.7):
        assert_matches_differences(bool_from_helper, (np.array([0.5, -1.0, 2.0]), a), (0, 1))


def test_a_ranked_local_adjoint_is_accumulated_in_place():
    """The pass "in-place" takes a ranked local bound once at the top (`U` here): its
    adjoint is made an array once, then added into element by element."""
    args = (np.arange(9.0).reshape(3, 3) / 5.0, 0.5)
    source = tl.source(tl.grad(stencil, wrt=(0, 1)), args=args)
    assert "bU = _ntl.zeros_for(U)" in source and "bU[i, j] -=" in source
    without = tl.source(tl.grad(stencil, wrt=(0, 1), optimize={"simplify"}), args=args)
    assert "bU[i, j] -=" not in without
    for optimize in (True, {"simplify"}):
        assert_matches_differences(stencil, args, (0, 1), optimize)


def smoothed_last_row(A, w):
    B = A.copy()
    for i in range(1, A.shape[0]):
        for j in range(A.shape[1]):
            B[i, j] = B[i, j] + w * B[i - 1, j]
    total = 0.0
    for j in range(A.shape[1]):
        total += B[-1, j] ** 2
    return total


def solved_then_smoothed(b, d, w):
    off_diagonal = np.full_like(d, 0.5)
    x = PRACTITIONERS.thomas_solve(off_diagonal, b, off_diagonal, d)
    return smoothed_last_row(np.outer(x, d), w) + np.sum(x * x)


def test_a_split_backward_sweep_works_in_place():
    """The pass "in-place" also rewrites the backward sweep of a split callee (never
    differentiated again): elements are read and zeroed in place, `bdp[i] = 0.0` for
    `_tl.extract(bdp, i)`, in a vector and in a matrix."""
    args = (4.0 + np.arange(5.0) / 3.0, np.linspace(-1.0, 1.0, 5), 0.3)
    source = tl.source(tl.grad(solved_then_smoothed, wrt=(0, 1, 2)), args=args,
                       include_callees=True)
    assert "bdp[i] = 0.0" in source and "bB[i, j] = 0.0" in source
    assert "_tl.extract(bdp" not in source and "_tl.writable(bdp)" not in source
    assert "bdp[0] = 0.0" not in source         # (the last zeroing: nothing reads it)
    without = tl.source(tl.grad(solved_then_smoothed, wrt=(0, 1, 2), optimize={"simplify"}),
                        args=args, include_callees=True)
    assert "_tl.extract(bdp" in without
    for optimize in (True, {"simplify"}, False):
        assert_matches_differences(solved_then_smoothed, args, (0, 1, 2), optimize)


def test_an_adjoint_read_after_its_last_addition_is_summed_in_place():
    """`bR = bR + e` becomes `bR += e` where `bR` is read elsewhere only after the
    last statement binding it (here: after the loop), and not where a read comes
    before another addition (the alias it may make would see the addition)."""
    jacobi = PRACTITIONERS.jacobi_objective
    rng = np.random.default_rng(4)
    args = (rng.uniform(-1.0, 1.0, (4, 4)) + 8.0 * np.eye(4), rng.standard_normal(4), 5)
    assert "bR += " in tl.source(tl.grad(jacobi, wrt=(0, 1)), args=args)
    for optimize in (True, {"simplify"}, False):
        assert_matches_differences(jacobi, args, (0, 1), optimize)
    read_between = gast.parse("bx = 0.0\nbx = bx + g\nc = bx\nbx = bx + h\n").body
    assert "+=" not in tl_unparse(summed_in_place(read_between, {"bx": "vector"}))
    read_after = gast.parse("bx = 0.0\nbx = bx + g\nbx = bx + h\nc = bx\n").body
    assert tl_unparse(summed_in_place(read_after, {"bx": "vector"})).count("bx += ") == 2


def test_a_backward_sweeps_result_handed_over_is_summed_in_place():
    """`_b2 = backward_h(...); bx = _b2; bx = bx + _b1`: the backward sweep's result is
    the adjoint's own array (ownership.handed_over), so the addition goes in place;
    not where `_b2` is bound before a loop that hands it over on every pass, nor
    where `_b2` is read again."""
    handed = gast.parse("_b2 = backward_h(g)\nbx = _b2\n_b1 = backward_h(g)\n"
                        "bx = bx + _b1\n").body
    assert "bx += _b1" in tl_unparse(summed_in_place(handed, {"bx": "vector"}, {"backward_h"}))
    assert "+=" not in tl_unparse(summed_in_place(handed, {"bx": "vector"}))
    in_loop = gast.parse("_b2 = backward_h(g)\nfor i in range(2):\n    bx = _b2\n"
                         "    bx = bx + g\n").body
    assert "+=" not in tl_unparse(summed_in_place(in_loop, {"bx": "vector"}, {"backward_h"}))
    read_again = gast.parse("_b2 = backward_h(g)\nbx = _b2\nbx = bx + g\nc = _b2\n").body
    assert "+=" not in tl_unparse(summed_in_place(read_again, {"bx": "vector"},
                                                  {"backward_h"}))
    split_energy = PRACTITIONERS.binary_split_energy
    xs = np.linspace(-2.0, 2.0, 8)
    assert "bxs += _b1" in tl.source(tl.grad(split_energy), args=(xs,), include_callees=True)
    for optimize in (True, {"simplify"}, False):
        assert_matches_differences(split_energy, (xs,), (0,), optimize)


def _pairs_by_key(x):
    return {0: x, 1: x * x}


def local_containers(xs, w):
    ys = PRACTITIONERS.prefix_sums(xs)        # surely a list: accumulated in place
    d = _pairs_by_key(w)                      # a dict of numbers: kind "scalars" too
    zs = [w, 2.0 * w]
    zs.append(w * w)                          # its length changes: left to add_at
    s = 0.0
    for k in range(len(ys)):
        s = s + ys[k] * d[k % 2] + zs[k % 3] * ys[k]
    return s


def test_a_local_list_a_callee_returns_is_accumulated_in_place():
    """A local of kind "scalars" bound at the top to what is surely a list or a tuple
    (here: a callee whose `return` gives a local only ever a list) gets `[0.0] *
    len(ys)` and `bys[k] += g`; a dict of numbers (the same kind) and a list whose
    methods are called keep `_tl.add_at`."""
    args = ([0.3, -1.2, 0.5, 0.9], 0.7)
    source = tl.source(tl.grad(local_containers, wrt=(0, 1)), args=args)
    assert "bys = [0.0] * len(ys)" in source and "bys[k] += " in source
    assert "bd = [0.0]" not in source and "bzs = [0.0]" not in source
    for optimize in (True, {"simplify"}, False):
        assert_matches_differences(local_containers, args, (0, 1), optimize)


def tl_unparse(stmts):
    return "\n".join(astor.to_source(gast.gast_to_ast(s)) for s in stmts)


def test_a_list_of_numbers_adjoint_is_accumulated_in_place():
    """A list of numbers' adjoint (kind "scalars") is made `[0.0] * len(xs)` and added
    into element by element in a split backward sweep; never summed with `+=` (which
    would extend a list)."""
    drawdown = PRACTITIONERS.drawdown_penalty       # (its prefix sums: a split callee)
    args = ([0.01, -0.02, 0.015, -0.03, 0.02, 0.005],)
    source = tl.source(tl.grad(drawdown), args=args, include_callees=True)
    assert "bxs = [0.0] * len(xs)" in source and "bxs[i] += brunning" in source
    for optimize in (True, {"simplify"}, False):
        assert_matches_differences(drawdown, args, (0,), optimize)
        assert isinstance(tl.grad(drawdown, optimize=optimize)(*args), list)


def overwritten_first(x, y):
    x[0] = x[1] * y                 # extracted from the returned adjoint: zeroed there
    x[2] = x[0] * 3.0
    return np.sum(x * x)


def test_a_zeroed_element_of_a_returned_adjoint_stays_zeroed():
    args = (np.array([0.5, -1.0, 2.0, 0.3]), 0.7)
    for optimize in (True, {"simplify"}, False):
        assert_matches_differences(overwritten_first, args, (0, 1), optimize)
