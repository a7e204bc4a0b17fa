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
    namespace = {}
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


def test_the_loops_go_deeper_than_the_recursion_limit():
    looped = _compiled(as_loops(_parsed(REWRITTEN["call in else"][0]), _fresh()))
    depth = sys.getrecursionlimit() * 3
    expected = sum(0.3 * 0.5 ** k for k in range(depth + 1))   # f(x, n) = f(x / 2, n - 1) + x
    assert looped(0.3, depth) == pytest.approx(expected)


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


def _central(f, x, h=1e-6):
    if np.ndim(x):
        g = np.zeros_like(x)
        for k in range(x.size):
            e = np.zeros_like(x)
            e.flat[k] = h
            g.flat[k] = (f(x + e) - f(x - e)) / (2 * h)
        return g
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("f, x", [(damped_sum, 0.4), (accumulate, 0.7),
                                  (on_vectors, np.array([0.3, -0.2, 0.5]))],
                         ids=["damped_sum", "accumulate", "on_vectors"])
@pytest.mark.parametrize("n", [0, 1, 6])
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


@pytest.mark.parametrize("f", [damped_sum, accumulate], ids=["damped_sum", "accumulate"])
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
