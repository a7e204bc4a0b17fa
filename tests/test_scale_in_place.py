"""Pass "scale-in-place": a new floating temporary scaled by a number where it is read
for the last time is scaled in its own memory.  Each rule of its contract
(passes/scale_in_place.py) is checked on code, and end to end the gradients equal, to
the last bit, those made without the pass, with the arguments unchanged."""

import ast
import copy
import inspect

import gast
import numpy as np
import pytest

import tangentlike as tl
from tangentlike.passes.scale_in_place import scaled_in_place
from tangentlike.pipeline import OPTIONAL

WITHOUT = frozenset(OPTIONAL) - {"scale-in-place"}


def rewritten(source, arrays=("t", "a", "m"), floating=("x",)):
    """The body of `def f(x, n): <source>` after the pass, as text."""
    tree = gast.parse("def f(x, n):\n" + "\n".join("    " + line for line in
                                                    source.strip().splitlines()))
    function = tree.body[0]
    function.body = scaled_in_place(function.body, set(arrays), floating)
    return "\n".join(ast.unparse(s) for s in gast.gast_to_ast(tree).body[0].body)


def test_a_dead_temporary_is_scaled_in_its_own_memory():
    got = rewritten("""
t = x[1:] - x[:-1] ** 2
b[:-1] -= 2.0 * t
return b""")
    assert got.splitlines()[:3] == ["t = x[1:] - x[:-1] ** 2", "t *= 2.0", "b[:-1] -= t"]


@pytest.mark.parametrize("part, op", [("t * 3", "*="), ("3 * t", "*="), ("t + 0.5", "+="),
                                      ("0.5 + t", "+="), ("t - 1.5", "-="), ("t / 4.0", "/=")])
def test_each_operator_it_rewrites(part, op):
    got = rewritten(f"t = x * x\nb += ({part}) * x\nreturn b")
    assert f"t {op}" in got


LEFT_ALONE = {
    "read again later": "t = x * x\nb += 2.0 * t\nc = t + x\nreturn b + c",
    "read twice in the statement": "t = x * x\nb += 2.0 * t * t\nreturn b",
    "a read that may keep its memory": "t = x * x\nu = t[1:]\nb += 2.0 * t\nreturn b + u",
    "passed to a call": "t = x * x\nf(t)\nb += 2.0 * t\nreturn b",
    "bound twice": "t = x * x\nt = x + x\nb += 2.0 * t\nreturn b",
    "not known to be floating": "t = n * 2\nb += 0.5 * t\nreturn b",
    "floating name bound again to integers": "a = x * 1.0\na = n + 1\nt = a * 2\nb += 0.5 * t"
                                             "\nreturn b",
    "a view, not a new array": "t = x[1:]\nb += 2.0 * t\nreturn b",
    "in a comprehension": "t = x * x\nb += sum([2.0 * t for _ in range(3)])\nreturn b",
    "in a conditional expression": "t = x * x\nb += 2.0 * t if n else 0.0\nreturn b",
    "the whole value of an assignment": "t = x * x\nb = 2.0 * t\nreturn b",
    "a complex number": "t = x * x\nb += 2j * t\nreturn b",
    "a number c - t": "t = x * x\nb += 2.0 - t\nreturn b",
}


@pytest.mark.parametrize("source", LEFT_ALONE.values(), ids=LEFT_ALONE.keys())
def test_left_alone(source):
    got = rewritten(source)
    assert not any(f"t {op}=" in got for op in "*+-/"), got


def test_left_alone_when_not_one_of_the_arrays():
    assert "t *=" not in rewritten("t = x * x\nb += 2.0 * t\nreturn b", arrays=())


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def shifted(x, w):
    t = np.sin(x) * w
    u = np.exp(x) - 1.0
    return np.sum(t * t * 0.5 + (u + 2.0) ** 2 / 3.0)


def integer_scaled(x, k):
    m = k * 3                 # an integer array: never scaled in place
    return np.sum(x * (m * 0.5)) + np.sum((x * x - 1.0) ** 2)


CASES = [
    (rosenbrock, lambda dtype: (np.linspace(-1.0, 1.5, 9).astype(dtype),)),
    (shifted, lambda dtype: (np.linspace(0.1, 0.9, 7).astype(dtype),
                             np.linspace(1.0, 2.0, 7).astype(dtype))),
    (integer_scaled, lambda dtype: (np.linspace(-1.0, 1.0, 5).astype(dtype), np.arange(5))),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fn, make", CASES, ids=[c[0].__name__ for c in CASES])
def test_the_gradient_is_the_same_to_the_last_bit(fn, make, dtype):
    args = make(dtype)
    given = copy.deepcopy(args)
    with_pass = tl.grad(fn)(*args)
    without = tl.grad(fn, optimize=WITHOUT)(*args)
    assert with_pass.dtype == without.dtype == dtype
    np.testing.assert_array_equal(with_pass, without)
    for a, b in zip(args, given):
        np.testing.assert_array_equal(a, b)
    x = args[0].astype(np.float64)
    step = 1e-6
    central = [(fn(*(x + step * e,) + args[1:]) - fn(*(x - step * e,) + args[1:])) / (2 * step)
               for e in np.eye(x.size)]
    tolerance = 1e-5 if dtype == np.float64 else 1e-2
    np.testing.assert_allclose(with_pass, central, rtol=tolerance, atol=tolerance)


def test_the_generated_code_scales_in_place():
    x = np.linspace(-1.0, 1.5, 9)
    text = inspect.getsource(tl.grad(rosenbrock).generated(x))
    assert "_t3 *= 2.0" in text and "_bt1 *= 2" in text
    assert "*=" not in inspect.getsource(tl.grad(rosenbrock, optimize=WITHOUT).generated(x))


def test_integers_are_never_scaled_in_place():
    args = (np.linspace(-1.0, 1.0, 5), np.arange(5))
    text = inspect.getsource(tl.grad(integer_scaled).generated(*args))
    assert "m *=" not in text
