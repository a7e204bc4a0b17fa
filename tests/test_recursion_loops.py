"""The pass "recursion-loops" (passes/recursion_loops.py): a function that calls itself
once per level, rewritten as two loops over a list of frames, computes what the
recursion computes, and a function of any other shape is left as it is.

The rewrite is checked on plain functions (run before and after, at depths beyond the
recursion limit too) and through gradients of recursive user functions, against
central differences and against the same gradient with every optional pass off.
"""

import math
import sys
import textwrap

import gast
import numpy as np
import pytest

import tangentlike as tl
import tangentlike.runtime
from tangentlike.passes.recursion_loops import as_loops

# each: source of a function `f` that recurses once per level, and argument tuples
REWRITTEN = {
    "call in else": ("""
        def f(x, n):
            if n == 0:
                y = x
            else:
                y = f(x * 0.5, n - 1)
                y = y + x
            return y
        """, [(1.5, 0), (1.5, 3), (0.3, 40)]),
    "call in body, code before and after": ("""
        def f(x, n):
            s = x * x
            if n > 0:
                t = s + 1.0
                y = f(x + 0.1, n - 1)
                y = y * t + s
            else:
                y = s
            z = y - x
            return z
        """, [(0.2, 0), (0.2, 1), (0.2, 7)]),
    "result unused, list argument mutated": ("""
        def f(acc, n):
            acc.append(n)
            if n > 0:
                f(acc, n - 1)
                acc.append(-n)
            return len(acc)
        """, [([], 0), ([], 4)]),
    "parameter rebound before the call": ("""
        def f(x, n):
            x = x + n
            if n > 0:
                w = f(x, n - 1)
                x = x * 2.0 + w
            return x
        """, [(1.0, 0), (1.0, 5)]),
    "tuple result": ("""
        def f(a, b, n):
            if n == 0:
                p, q = a, b
            else:
                p, q = f(b, a + b, n - 1)
                p = p + q
            return p, q
        """, [(0.0, 1.0, 0), (0.0, 1.0, 10)]),
    "expression returned, nothing kept": ("""
        def f(n):
            if n == 0:
                r = 1
            else:
                r = f(n - 1)
            return r + 1
        """, [(0,), (6,)]),
    "a name bound again after the call before it is read": ("""
        def f(x, n):
            z = x * 3.0
            if n > 0:
                y = f(x - 1.0, n - 1)
                z = y * 2.0
                y = z + x
            else:
                y = z
            return y
        """, [(0.5, 0), (0.5, 6)]),
    "augmented assignment after the call": ("""
        def f(x, n):
            c = x * 2.0
            if n > 0:
                y = f(x + 1.0, n - 1)
                c += y
            else:
                c = c - 1.0
            return c
        """, [(0.5, 0), (0.5, 6)]),
    "None set before the if, read after the call": ("""
        def f(x, n):
            u = None
            if n > 0:
                y = f(x * 0.5, n - 1)
                u = y
                y = y + x
            else:
                y = x
            return y if u is None else y * 1.5
        """, [(0.5, 0), (0.5, 1), (0.5, 6)]),
    "a sum that is not the result returned": ("""
        def f(x, n):
            s = x * x
            if n > 0:
                t = f(x + 0.5, n - 1)
                s = s + t
            return s * 0.5
        """, [(0.5, 0), (0.5, 6)]),
    "one of two results added": ("""
        def f(a, b, n):
            if n == 0:
                p, q = a, b
            else:
                p, q = a * 2.0, b
                u, w = f(a + 1.0, b * 0.5, n - 1)
                p = p + u
            return p, q
        """, [(0.5, 2.0, 0), (0.5, 2.0, 5)]),
}

# each: a function `f` whose code after its call only adds the call's results into the
# names it returns: made one loop of running sums, which adds in another order (approx)
SUMMED = {
    "one sum, call in else": ("""
        def f(x, n):
            s = x * 0.5
            if n == 0:
                v = s
            else:
                v = s * 2.0
                t = f(x + 1.0, n - 1)
                v = v + t
            return v
        """, [(0.3, 0), (0.3, 1), (0.3, 30)]),
    "two sums, the inner result on either side": ("""
        def f(a, b, n):
            if n > 0:
                p = a * 2.0
                q = b - 1.0
                u, w = f(a * 0.5, b + a, n - 1)
                p = p + u
                q = w + q
            else:
                p, q = a, b
            return p, q
        """, [(0.7, -1.2, 0), (0.7, -1.2, 1), (0.7, -1.2, 25)]),
    "a parameter summed": ("""
        def f(x, n):
            if n > 0:
                t = f(x * 0.9, n - 1)
                x = x + t
            return x
        """, [(2.0, 0), (2.0, 1), (2.0, 40)]),
}

UNCHANGED = {
    "two calls": """
        def f(n):
            if n < 2:
                r = n
            else:
                r = f(n - 1) + f(n - 2)
            return r
        """,
    "call inside a loop": """
        def f(n):
            r = 0
            for k in range(n):
                if k == n - 1:
                    r = f(k)
            return r
        """,
    "call not in an if": """
        def f(n):
            r = f(n - 1)
            return r
        """,
    "keyword argument": """
        def f(x, n=0):
            if n == 0:
                r = x
            else:
                r = f(x, n=n - 1)
            return r
        """,
    "own name read": """
        def f(n):
            g = f
            if n == 0:
                r = 0
            else:
                r = f(n - 1)
            return r
        """,
    "early return": """
        def f(n):
            if n == 0:
                return 0
            r = f(n - 1)
            return r
        """,
}


def _compiled(fdef):
    module = gast.gast_to_ast(gast.Module(body=[fdef], type_ignores=[]))
    namespace = {"_tl": tangentlike.runtime}        # (the loops' bound: levels_allowed)
    exec(compile(__import__("ast").fix_missing_locations(module), "<test>", "exec"),
         namespace)
    return namespace["f"]


def _parsed(source):
    return gast.parse(textwrap.dedent(source)).body[0]


def _fresh():
    taken = set()

    def fresh(base):
        name, k = base, 1
        while name in taken:
            k += 1
            name = f"{base}{k}"
        taken.add(name)
        return name
    return fresh


def _copied(args):
    return tuple(list(a) if isinstance(a, list) else a for a in args)


@pytest.mark.parametrize("source, calls", REWRITTEN.values(), ids=REWRITTEN.keys())
def test_the_loops_compute_what_the_recursion_computes(source, calls):
    recursive = _compiled(_parsed(source))
    rewritten = as_loops(_parsed(source), _fresh())
    looped = _compiled(rewritten)
    assert not any(isinstance(x, gast.Call) and isinstance(x.func, gast.Name)
                   and x.func.id == "f" for x in gast.walk(rewritten))
    for args in calls:
        first, second = _copied(args), _copied(args)
        assert looped(*first) == recursive(*second)
        assert first == second                   # the same writes into the arguments


@pytest.mark.parametrize("source, calls", SUMMED.values(), ids=SUMMED.keys())
def test_running_sums_compute_what_the_recursion_computes_up_to_rounding(source, calls):
    recursive = _compiled(_parsed(source))
    rewritten = as_loops(_parsed(source), _fresh())
    looped = _compiled(rewritten)
    loops = [x for x in gast.walk(rewritten) if isinstance(x, (gast.For, gast.While))]
    assert len(loops) == 1                           # down only: no frames, no way up
    for args in calls:
        assert looped(*args) == pytest.approx(recursive(*args), rel=1e-13, abs=0.0)


def test_a_sum_that_does_not_only_add_is_not_reordered():
    """`v = v + t * 0.5` scales the inner result: the frames and the way up stay."""
    source = SUMMED["one sum, call in else"][0].replace("v = v + t", "v = v + t * 0.5")
    rewritten = as_loops(_parsed(source), _fresh())
    assert len([x for x in gast.walk(rewritten) if isinstance(x, (gast.For, gast.While))]) == 2
    assert _compiled(rewritten)(0.3, 9) == _compiled(_parsed(source))(0.3, 9)


def test_the_loops_go_deeper_than_the_recursion_limit():
    looped = _compiled(as_loops(_parsed(REWRITTEN["call in else"][0]), _fresh()))
    depth = sys.getrecursionlimit() * 3
    expected = sum(0.3 * 0.5 ** k for k in range(depth + 1))   # f(x, n) = f(x / 2, n - 1) + x
    assert looped(0.3, depth) == pytest.approx(expected)


def test_a_recursion_that_never_ends_raises_recursion_error():
    """The way down tests the user's condition: bounded by levels_allowed (a thousand
    times the recursion limit) it stops with the error the recursion itself raises,
    rather than running forever."""
    looped = _compiled(as_loops(_parsed(REWRITTEN["call in else"][0]), _fresh()))
    with pytest.raises(RecursionError, match="without reaching its base case"):
        looped(0.3, -1)
    with pytest.raises(RecursionError):
        tl.grad(rf_never_ends)(0.3, -1)


def rf_never_ends(x, n):
    return x if n == 0 else math.sin(rf_never_ends(x, n - 1)) * 0.9 + x


@pytest.mark.parametrize("source", UNCHANGED.values(), ids=UNCHANGED.keys())
def test_other_shapes_are_left_as_they_are(source):
    fdef = _parsed(source)
    before = gast.dump(fdef)
    assert as_loops(fdef, _fresh()) is fdef and gast.dump(fdef) == before


# -- through gradients ---------------------------------------------------------------------


def damped_sum(x, n):
    if n == 0:
        y = math.sin(x)
    else:
        y = math.sin(damped_sum(x * 0.9, n - 1)) + x * x
    return y


def accumulate(x, n):
    s = x * 0.5
    if n > 0:
        inner = accumulate(math.cos(x), n - 1)
        s = s * inner + math.exp(-x)
    return s


def on_vectors(v, n):
    if n == 0:
        return np.sum(np.tanh(v))
    return np.sum(v * v) * 0.1 + math.sin(on_vectors(v * 0.8, n - 1))


def recurse(x, n):                      # benchmark W2: the call's result only added
    return x if n == 0 else math.sin(recurse(x, n - 1)) * 0.9 + x


def two_parameters(x, y, n):
    return x * y if n == 0 else math.sin(two_parameters(x, y, n - 1)) * y + x


def branch_per_level(x, n):
    if n > 0:
        y = branch_per_level(x, n - 1)
        if y > 0.5:
            y = math.sin(y) + x
        else:
            y = y * 0.5 + x * x
    else:
        y = x * x
    return y


def result_read_twice(x, n):
    if n == 0:
        return x
    t = result_read_twice(x * 0.7, n - 1)
    return t * t * 0.3 + math.sin(t) * x


def level_read_in_the_adjoint(x, n):    # n tested, and read by the backward sweep
    return x if n == 0 else math.sin(level_read_in_the_adjoint(x, n - 1)) * n * 0.2 + x * n


def halved(x, n):                       # the backward sweep reads nothing off the tape
    return x if n == 0 else halved(x, n - 1) * 0.5 + x       # but n, in its test


def halved_in_body(x, n):
    if n > 0:
        y = halved_in_body(x, n - 1) * 0.5 + math.sin(x)
    else:
        y = x
    return y


def summed_vectors(v, n):
    return np.sum(v * v) if n == 0 else np.tanh(summed_vectors(v, n - 1)) * 0.5 + np.sum(v)


SHAPES = [(damped_sum, 0.4), (accumulate, 0.7), (on_vectors, np.array([0.3, -0.2, 0.5])),
          (recurse, 0.3), (branch_per_level, 0.45), (result_read_twice, 0.8),
          (level_read_in_the_adjoint, 0.6), (summed_vectors, np.array([0.2, -0.4, 0.1])),
          (halved, 0.3), (halved_in_body, 0.3)]


def _central(f, x, h=1e-6):
    if np.ndim(x):
        g = np.zeros_like(x)
        for k in range(x.size):
            e = np.zeros_like(x)
            e.flat[k] = h
            g.flat[k] = (f(x + e) - f(x - e)) / (2 * h)
        return g
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("f, x", SHAPES, ids=[f.__name__ for f, _ in SHAPES])
@pytest.mark.parametrize("n", [0, 1, 2, 6])
def test_gradients_of_recursions_made_loops(f, x, n):
    before = np.copy(x)
    source = tl.source(f, args=(x, n), include_callees=True)
    assert "# the recursion as" in source
    got = tl.grad(f)(x, n)
    np.testing.assert_allclose(got, _central(lambda v: f(v, n), x), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(got, tl.grad(f, optimize=False)(x, n), rtol=1e-12)
    value, vjp = tl.vjp(f, x, n)
    np.testing.assert_allclose(vjp(1.0)[0], got, rtol=1e-12)
    np.testing.assert_array_equal(x, before)


def test_gradients_of_two_parameters_made_loops():
    x, y, n = 0.3, 1.3, 7
    source = tl.source(two_parameters, wrt=(0, 1), args=(x, y, n), include_callees=True)
    assert "# the recursion as one loop" in source
    got = tl.grad(two_parameters, wrt=(0, 1))(x, y, n)
    expected = (_central(lambda v: two_parameters(v, y, n), x),
                _central(lambda v: two_parameters(x, v, n), y))
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    np.testing.assert_allclose(got, tl.grad(two_parameters, wrt=(0, 1), optimize=False)(x, y, n),
                               rtol=1e-12)


def test_a_value_read_in_the_adjoint_stays_on_the_tape():
    """level_read_in_the_adjoint's backward sweep reads n beyond its test: n stays on the
    tape (the count of levels replaces only the test); recurse's reads n only in its
    test: n leaves the tape, and its levels' entries are taken at once."""
    kept = tl.source(level_read_in_the_adjoint, args=(0.6, 3), include_callees=True)
    dropped = tl.source(recurse, args=(0.3, 3), include_callees=True)
    assert "_tape.append((_t2, n))" in kept and "_tape.append(_t2)" in dropped
    assert "_tl.popped(_tape, " in dropped


@pytest.mark.parametrize("f", [damped_sum, accumulate, recurse, branch_per_level, halved],
                         ids=["damped_sum", "accumulate", "recurse", "branch_per_level",
                              "halved"])
def test_second_derivatives_through_the_loops(f):
    """Second derivatives differentiate the looped sweeps again (forward over reverse)."""
    x, n, h = 0.6, 5, 1e-5
    expected = (tl.grad(f)(x + h, n) - tl.grad(f)(x - h, n)) / (2 * h)
    assert tl.grad(tl.grad(f))(x, n) == pytest.approx(expected, rel=1e-6)
    assert tl.derivative(f, order=2)(x, n) == pytest.approx(expected, rel=1e-6)
    assert tl.hvp(f, (x, n), (1.0, 0)) == pytest.approx(expected, rel=1e-6)
    assert tl.hessian(f)(x, n) == pytest.approx(expected, rel=1e-6)


def test_vector_hessian_through_the_loops():
    v, n = np.array([0.3, -0.2, 0.5]), 4
    got = tl.hessian(on_vectors)(v, n)
    h, columns = 1e-5, []
    for k in range(v.size):
        e = np.zeros_like(v)
        e[k] = h
        columns.append((tl.grad(on_vectors)(v + e, n) - tl.grad(on_vectors)(v - e, n)) / (2 * h))
    np.testing.assert_allclose(got, np.array(columns).T, rtol=1e-5, atol=1e-8)
