"""Regressions of issue 12, items 5, 6 and 10: control flow, argument plumbing, calls.

Every function below once crashed or gave a wrong number.  `CASES` is the table:
each case is checked in reverse mode (`grad`, `value_and_grad`, `vjp`) against
central differences, in forward mode (`jvp` along ones) against the same, and for
its value; every entry point must leave the caller's arrays, lists and dicts as
they were.  The sections:

- control flow keeps its tape aligned: `while True:` with `break` anywhere, loops
  whose body is only `if ...: continue`, `break` then augmented assignment, chained
  assignment and swaps in loops that break, plus `LOOPS`, loops drawn by a seeded
  generator from those pieces (returns and nested loops too);
- argument plumbing: keyword-only parameters never reach the seed's place, defaults
  read in the body (also by callees, in both modes), parameters and locals named like
  the generated code's own names (`_tl`, `_ntl`, `np`, `math`, `_tape`, `_push`,
  `_pop`, `_`);
- calls: lambdas and nested defs called in tests and defined in loops and branches,
  `d.get(key, x)`, a user function's result assigned into a dict or list item.

`ERRORS` lists what stays unsupported: each raises a located TangentlikeError.
"""

import copy
import importlib
import inspect
import math
import random
import sys
from typing import Any, Callable, NamedTuple

import numpy as np
import pytest

import tangentlike as tl
from oracles import assert_grad_close, central_difference

RTOL, ATOL = 1e-5, 1e-7


class Case(NamedTuple):
    name: str
    fn: Callable
    args: tuple
    wrt: Any = 0
    expected: Any = None        # the gradient worked out by hand, when given
    kwargs: dict = {}


# -- control flow --------------------------------------------------------------------

def while_true_break_last(x):
    while True:
        x = x * 1.1
        if x > 2.0:
            break
    return x


def while_true_break_first(x):
    k = 0
    while True:
        if k >= 3:
            break
        x = x * x * 0.9
        k += 1
    return x


def while_true_break_middle(x):
    y = x
    while True:
        y = y * 1.2
        if y > 3.0:
            break
        y = y + x
    return y


def while_true_break_in_else(x):
    y = x
    while True:
        y = y * 1.3
        if y < 5.0:
            y = y + 0.1
        else:
            break
    return y * x


def while_true_break_nested(x):
    y = x
    k = 0
    while True:
        k = k + 1
        if y < 4.0:
            y = y * 1.5
            if k > 2:
                break
        else:
            y = y - 0.5
        y = y + 0.1 * x
    return y


def while_true_two_breaks(x):
    a = x
    c = 0.3
    k = 0
    while True:
        k = k + 1
        if k > 4:
            break
        if c > 1.5:
            break
        a = c * a
        c = math.sin(c) + x
        a = a * 0.8 + 0.1 * math.tanh(c)
    return a * x + c


def while_true_arrays(x):
    while True:
        x = x * 1.1
        if np.sum(x) > 4.0:
            break
    return np.sum(x * x)


def loop_of_only_continue(x):
    for i in range(3):
        if i == 1:
            continue
    return x * 2.0


def loop_starting_with_continue(x):
    s = x
    for i in range(5):
        continue
        s = s * x
    return s * 3.0


def continue_then_work(x):
    s = 0.0
    for i in range(3):
        if i == 1:
            continue
        s = s + x * i
    return s


def break_first_in_for(x):
    a = x
    b = x * 0.5
    c = 0.3
    for i in range(2):
        if a > c:
            break
        c = c * 1.1
        a = a * 0.8 + 0.1 * math.tanh(b)
    return a + b


def break_then_augassign(x):
    s = x
    for i in range(5):
        if s > 3.0:
            break
        s += x * s
    return s


def augassign_break_augassign(x):
    s = x
    for i in range(5):
        s *= 1.5
        if i == 2:
            break
        s += x
    return s


def chained_swap_break(x):
    a = b = x
    for i in range(4):
        a, b = b, a * x
        if a > 5.0:
            break
    return a + b


def chained_then_swap_break(x):
    a = x
    b = 2.0 * x
    for i in range(5):
        a = b = a * b
        if a > 4.0:
            break
        a, b = b, a + 1.0
    return a * b


def break_inside_guarded_branch(x):
    a = x
    b = x * 0.5
    c = 0.3
    for i in range(1):
        for j in range(3):
            if b > 1.0:
                return b * x
            a, c = c * 0.5, c - 0.3 * b
            a, c = c, a
        if b > a:
            break
        for j in range(3):
            c *= a * 0.9 + x
            if b > 1.0:
                if c > b:
                    return b + a
                b, c = c * 0.5, b * 0.9 + x
        a = a * 0.8 + 0.1 * math.tanh(b)
    return a * b + b


# -- argument plumbing -----------------------------------------------------------------

def keyword_only(x, *, w=2.0):
    return x * w + x ** 2


def keyword_only_no_default(x, *, w):
    return x * w + x ** 3


def positional_only(x, y=3.0, /, *, w=0.5):
    return x * y * w + x


def keyword_only_array(x, *, w=2.0):
    return np.sum(x * w + x ** 2)


def calls_keyword_only(x):
    return keyword_only(x) * keyword_only(x, w=3.0)


def linspace_sum(x, y, num=5):
    return np.sum(np.linspace(x, y, num) ** 2)


def linspace_values(x, y, num=5):
    return np.linspace(x, y, num)


def default_loop_count(x, y, num=5):
    z = x
    for i in range(num):
        z = z * y
    return z


def calls_with_defaults(x):
    return linspace_sum(x, 2.0) + linspace_sum(x, 3.0, num=4)


SCALE = np.array([1.0, 2.0])


def array_defaults(x, s=SCALE, *, t=SCALE, u=3.0):
    return np.sum(x * s * t) * u


def calls_array_defaults(x):
    return array_defaults(x) + array_defaults(x, u=2.0)


# -- calls -------------------------------------------------------------------------------

def h(a, b):
    return a * b + a


def lambda_in_if_test(x):
    sq = lambda t: t * t  # noqa: E731
    if sq(x) > 1.0:
        return x * 3.0
    return x * 2.0


def def_in_if_test(x):
    def sq(t):
        return t * t
    if sq(x) > 1.0 and sq(x * 2.0) < 100.0:
        return x * 3.0 * sq(x)
    return x * 2.0


def def_in_while_test(x):
    def small(t):
        return t * t < 9.0
    while small(x):
        x = x * 1.5 + 0.1
    return x


def def_in_while_test_with_jumps(x):
    below = lambda t, k: t < 9.0 and k < 6  # noqa: E731
    k = 0
    while below(x, k):
        k = k + 1
        if k == 2:
            continue
        x = x * 1.5 + 0.1
        if x > 5.0:
            break
    return x


def def_in_if_expression(x):
    twice = lambda t: 2.0 * t  # noqa: E731
    y = x * x if twice(x) > 1.0 else x
    return y + (twice(x) > 0.5)


def def_guarded_by_and(x):
    def log_of(t):
        return math.log(t)
    if x > 0.0 and log_of(x) > -1.0:
        return log_of(x) * x
    return x


def def_in_chained_comparison(x):
    def sq(t):
        return t * t
    if 0.0 < sq(x) < sq(2.0):
        return sq(x) * x
    return x


def def_in_loop_body(x):
    s = 0.0
    for i in range(3):
        def hh(t):
            return t * t * (i + 1.0)
        s = s + hh(x)
    return s


def lambda_in_loop_body(x):
    s = x
    for i in range(3):
        scale = lambda t: t * (0.5 + i)  # noqa: E731
        s = scale(s) + x
    return s


def def_in_branch(x):
    if x > 0.0:
        def f(t):
            return t * 3.0
        y = f(x) * x
    else:
        y = x
    return y


def dict_get(x):
    d = {"a": 1.0}
    return d.get("b", x) * 2.0 + d.get("a", x)


def dict_get_active(x):
    d = {"a": x, "b": 2.0}
    return d.get("a", 0.0) * 3.0 + d.get("c", x) * x


def dict_get_argument(d, x):
    return d.get("a", x) * x + d.get("z", 1.0)


WEIGHTS = {"w": 3.0}


def dict_get_global(x):
    return WEIGHTS.get("w", 1.0) * x + WEIGHTS.get("v", x) * x


class Table:
    """Not a mapping: its own `get`."""

    def __init__(self, w):
        self.w = w

    def get(self, key, default):
        return self.w * default


def get_of_an_object(x):
    t = Table(2.0)
    return t.get("a", x) * x


def get_of_an_object_argument(t, x):
    return t.get("a", x) * x


def call_into_dict_item(x):
    D = {"a": x}
    D['z'] = h(x, x)
    return D['z'] + D['a']


def call_into_list_item(x):
    L = [x, x]
    L[0] = h(x, x)
    return L[0] * L[1]


def call_into_array_item(x):
    y = np.zeros(3)
    y[1] = h(x[0], x[1])
    y[2] = h(x[1], 2.0)
    return np.sum(y * x)


def call_into_list_argument(x, L):
    M = [L[0], L[1]]
    M[1] = h(x, M[0])
    return M[1] + M[0] * x


CASES = [
    Case("while_true_break_last", while_true_break_last, (0.7,)),
    Case("while_true_break_first", while_true_break_first, (1.1,)),
    Case("while_true_break_middle", while_true_break_middle, (0.8,)),
    Case("while_true_break_in_else", while_true_break_in_else, (0.9,)),
    Case("while_true_break_nested", while_true_break_nested, (0.9,)),
    Case("while_true_two_breaks", while_true_two_breaks, (0.7,)),
    Case("while_true_arrays", while_true_arrays, (np.array([0.5, 0.7]),)),
    Case("loop_of_only_continue", loop_of_only_continue, (0.5,), expected=2.0),
    Case("loop_starting_with_continue", loop_starting_with_continue, (0.5,), expected=3.0),
    Case("continue_then_work", continue_then_work, (0.5,), expected=2.0),
    Case("break_first_in_for", break_first_in_for, (0.7,)),
    Case("break_then_augassign", break_then_augassign, (0.6,)),
    Case("augassign_break_augassign", augassign_break_augassign, (0.6,)),
    Case("chained_swap_break", chained_swap_break, (1.3,)),
    Case("chained_then_swap_break", chained_then_swap_break, (0.9,)),
    Case("break_inside_guarded_branch", break_inside_guarded_branch, (0.7,)),
    Case("keyword_only", keyword_only, (0.7,), expected=3.4),
    Case("keyword_only_given", keyword_only, (0.7,), expected=4.4, kwargs={"w": 3.0}),
    Case("keyword_only_no_default", keyword_only_no_default, (0.7,), kwargs={"w": 2.0}),
    Case("keyword_only_wrt", keyword_only, (0.7,), wrt="w", expected=0.7,
         kwargs={"w": 3.0}),
    Case("positional_only", positional_only, (0.7,), expected=2.5),
    Case("keyword_only_array", keyword_only_array, (np.array([0.5, 1.0]),),
         expected=np.array([3.0, 4.0])),
    Case("keyword_only_array_given", keyword_only_array, (np.array([0.5, 1.0]),),
         expected=np.array([4.0, 5.0]), kwargs={"w": 3.0}),
    Case("calls_keyword_only", calls_keyword_only, (0.5,), expected=10.25),
    Case("linspace_sum", linspace_sum, (0.5, 2.0), expected=4.375),
    Case("linspace_sum_y", linspace_sum, (0.5, 2.0), wrt=1),
    Case("default_loop_count", default_loop_count, (0.9, 1.1)),
    Case("calls_with_defaults", calls_with_defaults, (0.5,)),
    Case("array_defaults", array_defaults, (np.array([0.5, 0.25]),),
         expected=np.array([3.0, 12.0])),
    Case("calls_array_defaults", calls_array_defaults, (np.array([0.5, 0.25]),),
         expected=np.array([5.0, 20.0])),
    Case("lambda_in_if_test", lambda_in_if_test, (0.7,), expected=2.0),
    Case("lambda_in_if_test_true", lambda_in_if_test, (1.5,), expected=3.0),
    Case("def_in_if_test", def_in_if_test, (1.5,)),
    Case("def_in_while_test", def_in_while_test, (0.7,)),
    Case("def_in_while_test_with_jumps", def_in_while_test_with_jumps, (0.7,)),
    Case("def_in_if_expression", def_in_if_expression, (0.7,), expected=1.4),
    Case("def_guarded_by_and", def_guarded_by_and, (0.7,)),
    Case("def_guarded_by_and_negative", def_guarded_by_and, (-0.7,), expected=1.0),
    Case("def_in_chained_comparison", def_in_chained_comparison, (0.7,)),
    Case("def_in_loop_body", def_in_loop_body, (0.7,), expected=8.4),
    Case("lambda_in_loop_body", lambda_in_loop_body, (0.7,)),
    Case("def_in_branch", def_in_branch, (0.7,), expected=4.2),
    Case("dict_get", dict_get, (0.7,), expected=2.0),
    Case("dict_get_active", dict_get_active, (0.7,), expected=4.4),
    Case("dict_get_argument", dict_get_argument, ({"a": 0.5}, 0.7), wrt=1, expected=0.5),
    Case("dict_get_argument_missing", dict_get_argument, ({"b": 0.5}, 0.7), wrt=1,
         expected=1.4),
    Case("dict_get_argument_dict", dict_get_argument, ({"a": 0.5}, 0.7), wrt=0,
         expected={"a": 0.7}),
    Case("dict_get_global", dict_get_global, (0.7,), expected=4.4),
    Case("get_of_an_object", get_of_an_object, (0.7,), expected=2.8),
    Case("get_of_an_object_argument", get_of_an_object_argument, (Table(2.0), 0.7), wrt=1,
         expected=2.8),
    Case("call_into_dict_item", call_into_dict_item, (0.7,), expected=3.4),
    Case("call_into_list_item", call_into_list_item, (0.7,), expected=2.87),
    Case("call_into_array_item", call_into_array_item, (np.array([0.3, 0.5, 0.9]),),
         expected=np.array([0.75, 3.3, 1.5])),
    Case("call_into_list_argument", call_into_list_argument, (0.7, [0.5, 2.0]),
         expected=2.0),
    Case("call_into_list_argument_list", call_into_list_argument, (0.7, [0.5, 2.0]), wrt=1,
         expected=[1.4, 0.0]),
]


# -- the checks ----------------------------------------------------------------------------

def _position(fn, wrt):
    return wrt if isinstance(wrt, int) else list(inspect.signature(fn).parameters).index(wrt)


def _reference(case):
    """Central differences of the case, and all its arguments by position (defaults
    and keyword arguments bound)."""
    signature = inspect.signature(case.fn)
    bound = signature.bind(*case.args, **case.kwargs)
    bound.apply_defaults()
    params = list(signature.parameters.values())
    values = tuple(bound.arguments.values())

    def by_position(*args):             # keyword-only parameters passed by keyword
        return case.fn(*[a for a, p in zip(args, params) if p.kind != p.KEYWORD_ONLY],
                       **{p.name: a for a, p in zip(args, params) if p.kind == p.KEYWORD_ONLY})
    by_position.__signature__ = signature.replace(parameters=[
        p.replace(kind=p.POSITIONAL_OR_KEYWORD, default=p.empty) for p in params])
    return central_difference(by_position, values, _position(case.fn, case.wrt)), values


def _unchanged(before, after):
    """Whether the arguments are as they were (arrays, lists and dicts element-wise)."""
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and np.array_equal(before, after)
    if isinstance(before, (list, tuple)):
        return type(before) is type(after) and len(before) == len(after) and all(
            _unchanged(b, a) for b, a in zip(before, after))
    if isinstance(before, dict):
        return before.keys() == after.keys() and all(
            _unchanged(before[k], after[k]) for k in before)
    if hasattr(before, "__dict__"):
        return type(before) is type(after) and _unchanged(vars(before), vars(after))
    return before == after


def _ones_like(x):
    if isinstance(x, np.ndarray):
        return np.ones_like(x)
    if isinstance(x, list):
        return [_ones_like(v) for v in x]
    if isinstance(x, dict):
        return {k: _ones_like(v) for k, v in x.items()}
    return 1.0


def _zeros_like(x):
    if isinstance(x, np.ndarray):
        return np.zeros_like(x)
    if isinstance(x, list):
        return [_zeros_like(v) for v in x]
    if isinstance(x, dict):
        return {k: _zeros_like(v) for k, v in x.items()}
    return 0.0


def _dot(g, v):
    if isinstance(g, dict):
        return sum(_dot(g[k], v[k]) for k in g)
    if isinstance(g, list):
        return sum(_dot(a, b) for a, b in zip(g, v))
    return float(np.sum(np.asarray(g) * np.asarray(v)))


def check_case(case):
    """The case's gradient by every entry point, against central differences (and the
    hand-worked value), its value, and its arguments left untouched."""
    reference, values = _reference(case)
    if case.expected is not None:
        assert_grad_close(reference, case.expected, rtol=1e-4, atol=1e-6)
        reference = case.expected
    pristine = copy.deepcopy((case.args, case.kwargs))
    args, kwargs = case.args, case.kwargs          # (`values` holds the same objects)
    value = case.fn(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))

    assert_grad_close(tl.grad(case.fn, wrt=case.wrt)(*args, **kwargs), reference, RTOL, ATOL)
    got_value, grad = tl.value_and_grad(case.fn, wrt=case.wrt)(*args, **kwargs)
    assert_grad_close(grad, reference, RTOL, ATOL)
    assert got_value == pytest.approx(value, rel=1e-12)

    position = _position(case.fn, case.wrt)
    positional = [v for v, p in zip(values, inspect.signature(case.fn).parameters.values())
                  if p.kind != p.KEYWORD_ONLY]
    plain = all(isinstance(v, (float, int, np.ndarray, list, tuple, dict)) for v in values)
    if not plain:               # vjp and jvp differentiate every argument: objects are not
        assert _unchanged(pristine, (args, kwargs)), "the caller's arguments were modified"
        return
    if not case.kwargs and position < len(positional):     # vjp takes positional primals
        out, pullback = tl.vjp(case.fn, *positional)
        assert out == pytest.approx(value, rel=1e-12)
        assert_grad_close(pullback(1.0)[position], reference, RTOL, ATOL)

    tangents = tuple(_ones_like(v) if k == position else _zeros_like(v)
                     for k, v in enumerate(values))
    given = copy.deepcopy(tangents)
    out, tangent = tl.jvp(case.fn, values, tangents)
    assert out == pytest.approx(value, rel=1e-12)
    assert tangent == pytest.approx(_dot(reference, tangents[position]), rel=RTOL, abs=1e-6)
    assert _unchanged(given, tangents), "jvp modified the caller's tangents"

    assert _unchanged(pristine, (args, kwargs)), "the caller's arguments were modified"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case):
    check_case(case)


# -- loops drawn by a seeded generator --------------------------------------------------

_VARS = ("a", "b", "c")


def _expression(r):
    v, w = r.choice(_VARS), r.choice(_VARS + ("x",))
    return r.choice([f"{v} * {w}", f"{v} + {w}", f"{v} * 0.9 + x", f"{v} - 0.3 * {w}",
                     f"math.sin({v}) + {w}", f"{v} * 1.1"])


def _statement(r, depth):
    k = r.randrange(9)
    v, w = r.sample(_VARS, 2)
    if k == 1:
        return [f"{v} {r.choice(['+=', '*=', '-='])} {_expression(r)}"]
    if k == 2:
        return [f"{v} = {w} = {_expression(r)}"]
    if k == 3:
        return [f"{v}, {w} = {w}, {v}"]
    if k == 4:
        return [f"{v}, {w} = {w} * 0.5, {_expression(r)}"]
    if k == 5 and depth < 2:
        body, orelse = _block(r, depth + 1), _block(r, depth + 1) if r.random() < 0.5 else []
        out = [f"if {v} > {r.choice(['0.5', '1.0', '2.0', w])}:"] + ["    " + s for s in body]
        return out + (["else:"] + ["    " + s for s in orelse] if orelse else [])
    if k == 6 and depth < 1 and r.random() < 0.5:
        return [f"for j in range({r.randint(1, 3)}):"] + ["    " + s for s in _block(r, 2)]
    if k == 7 and r.random() < 0.3:
        return [f"if {v} > {r.choice(['1.0', '2.0', w])}:", f"    return {_expression(r)}"]
    if k >= 6:
        jump = r.choice(["break", "continue"])
        if k == 8 and r.random() < 0.3:
            return [jump]
        return [f"if {v} > {r.choice(['1.0', '1.5', w])}:", f"    {jump}"]
    return [f"{v} = {_expression(r)}"]


def _block(r, depth):
    return [line for _ in range(r.randint(1, 3)) for line in _statement(r, depth)]


def loop_program(seed):
    """The source of `loop<seed>(x)`: a for, `while True` or `while cond` loop over
    assignments, augmented and chained assignments, swaps, ifs, nested loops, returns,
    `break` and `continue` (every `while` ends within five passes)."""
    r = random.Random(seed)
    lines = [f"def loop{seed}(x):", "    a = x", "    b = x * 0.5", "    c = 0.3"]
    kind = r.choice(["for", "while_true", "while_cond"])
    body = _block(r, 0)
    if kind == "for":
        lines.append(f"    for i in range({r.randint(1, 5)}):")
    elif kind == "while_true":
        lines += ["    k = 0", "    while True:"]
        body = ["k = k + 1", "if k > 4:", "    break"] + body
    else:
        lines += ["    k = 0", "    while k < 4:"]
        body = ["k = k + 1"] + body
    lines += ["        " + s for s in body]
    lines.append("        a = a * 0.8 + 0.1 * math.tanh(b)")
    lines.append(f"    return a * {r.choice(['1.0', 'b', 'c', 'x'])} + b")
    return "\n".join(lines) + "\n"


LOOP_SEEDS = range(60)


@pytest.fixture(scope="module")
def loops(tmp_path_factory):
    """The module of the generated loops (a real file: tangentlike reads the source)."""
    folder = tmp_path_factory.mktemp("loops")
    text = "import math\n\n\n" + "\n\n".join(loop_program(s) for s in LOOP_SEEDS)
    (folder / "generated_loops.py").write_text(text, encoding="utf-8")
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("generated_loops")
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("generated_loops", None)


@pytest.mark.parametrize("seed", LOOP_SEEDS)
def test_generated_loop(loops, seed):
    fn = getattr(loops, f"loop{seed}")
    x = 0.7
    small, large = (central_difference(fn, (x,), eps=eps) for eps in (1e-6, 1e-4))
    if abs(small - large) > 1e-3 * (1 + abs(small)):
        pytest.skip("a branch boundary lies near x: the differences disagree")
    check_case(Case(f"loop{seed}", fn, (x,)))


# -- names the generated code uses for itself ----------------------------------------------

CLASHING = ("_tl", "_ntl", "np", "math", "_tape", "_push", "_pop", "_")

_CLASH_TEMPLATES = {
    # a parameter: read in arithmetic, in a loop the backward sweep replays, and by a
    # rule whose adjoint calls the runtime (`np.sum` of a slice, list items)
    "parameter": '''
def {fn}(x, {n}):
    y = [x, x * 2.0]
    s = y[0] * {n} + y[1]
    for i in range(3):
        if s > 0.1:
            s = s * {n} + s * s * 0.1
        else:
            s = s + 1.0
    return s
''',
    "local": '''
def {fn}(x):
    {n} = 2.0
    y = [x, x * 2.0]
    s = y[0] * {n} + y[1]
    for i in range(3):
        if s > 0.1:
            s = s * {n} + s * s * 0.1
        else:
            s = s + 1.0
    return s
''',
    "array_parameter": '''
def {fn}(x, {n}):
    t = x[1:] * {n}
    return numpy.sum(t * t) + numpy.sum(x[:1] * 2.0)
''',
    "array_local": '''
def {fn}(x):
    {n} = numpy.sum(x) * 0.5
    t = x[1:] * {n}
    return numpy.sum(t * t) + numpy.sum(x[:1] * 2.0)
''',
}

CLASH_CASES = [(kind, name_) for kind in _CLASH_TEMPLATES for name_ in CLASHING]


def _clash_name(kind, name_):
    return f"{kind}_{name_.strip('_') or 'underscore'}_{len(name_) - len(name_.strip('_'))}"


@pytest.fixture(scope="module")
def clashes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clashes")
    parts = ["import math\nimport numpy\nimport numpy as np\n"]
    for kind, name_ in CLASH_CASES:
        parts.append(_CLASH_TEMPLATES[kind].format(fn=_clash_name(kind, name_), n=name_))
    (folder / "clashing_names.py").write_text("\n".join(parts), encoding="utf-8")
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("clashing_names")
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("clashing_names", None)


@pytest.mark.parametrize("kind, name_", CLASH_CASES,
                         ids=[f"{k}-{n}" for k, n in CLASH_CASES])
def test_names_of_the_generated_code(clashes, kind, name_):
    fn = getattr(clashes, _clash_name(kind, name_))
    x = np.array([0.3, 0.6, 0.8]) if kind.startswith("array") else 0.7
    args = (x, 1.5) if kind.endswith("parameter") else (x,)
    check_case(Case(fn.__name__, fn, args))
    if kind.endswith("parameter"):                 # with respect to the clashing name too
        check_case(Case(fn.__name__, fn, args, wrt=name_))
        source = tl.source(fn, args=args)
        assert f"def value_and_grad_{fn.__name__}(x, {name_}," in source


def test_global_named_like_the_runtime(tmp_path):
    """A module-level `_tl` that is not tangentlike's runtime (here the package itself)."""
    (tmp_path / "global_tl.py").write_text(
        "import numpy as np\nimport tangentlike as _tl\n\n\n"
        "def f(x):\n"
        "    y = [x, x * 2.0]\n"
        "    return np.sum(_tl.stop_gradient(y[1]) * x) + np.sum(x[:1] * y[0])\n",
        encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        f = importlib.import_module("global_tl").f
        x = np.array([0.5, 0.25])
        # sum(stop_gradient(2x) * x) + sum(x[0] * x): y[1] is held constant
        expected = 2.0 * x + np.array([2.0 * x[0] + x[1], x[0]])
        assert_grad_close(tl.grad(f)(x), expected, RTOL, ATOL)
        assert_grad_close(tl.value_and_grad(f)(x)[1], expected, RTOL, ATOL)
        assert tl.jvp(f, (x,), (np.ones(2),))[1] == pytest.approx(expected.sum())
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("global_tl", None)


# -- argument plumbing: the forms the api calls ----------------------------------------------

def test_keyword_only_never_reaches_the_seed():
    """The reported case: a default of a keyword-only parameter used to be the seed."""
    assert tl.grad(keyword_only)(0.7) == pytest.approx(3.4)
    assert tl.value_and_grad(keyword_only)(0.7) == pytest.approx((0.7 * 2.0 + 0.49, 3.4))
    assert tl.vjp(keyword_only, 0.7)[1](2.0) == pytest.approx((6.8,))
    assert tl.jvp(keyword_only, (0.7,), (1.0,)) == pytest.approx((1.89, 3.4))
    assert tl.hessian(keyword_only)(0.7) == pytest.approx(2.0)
    assert tl.grad(tl.grad(keyword_only))(0.7) == pytest.approx(2.0)
    assert tl.derivative(keyword_only, order=2)(0.7) == pytest.approx(2.0)
    source = tl.source(keyword_only)
    assert "def value_and_grad_keyword_only(x, w, bresult=1.0):" in source


def test_defaults_reach_every_form():
    """Defaults the caller leaves out are the function's, in every form."""
    out, pullback = tl.vjp(linspace_values, 0.5, 2.0)
    assert pullback(np.ones(5)) == pytest.approx((2.5, 2.5))
    out, tangent = tl.jvp(linspace_values, (0.5, 2.0), (1.0, 0.0))
    assert tangent == pytest.approx([1.0, 0.75, 0.5, 0.25, 0.0])
    assert tl.jacobian(linspace_values)(0.5, 2.0) == pytest.approx([1.0, 0.75, 0.5, 0.25, 0.0])
    assert tl.hvp(linspace_sum, (0.5, 2.0), (1.0, 0.0)) == pytest.approx((3.75, 1.25))
    with pytest.raises(tl.TangentlikeError, match="w"):
        tl.jvp(keyword_only_no_default, (0.5,), (1.0,))


def test_nested_function_in_a_loop_body_is_written_out():
    code = [line for line in tl.source(def_in_loop_body).split('"""', 2)[2].splitlines()
            if not line.strip().startswith("#")]
    assert not any("hh(" in line or "def hh" in line for line in code)


# -- what stays unsupported: located errors --------------------------------------------------

def defined_twice(x):
    if x > 0.0:
        def f(t):
            return t * 2.0
    else:
        def f(t):
            return t * 3.0
    return f(x)


def nested_call_as_dict_key(x):
    def k(t):
        return "a" if t > 0.0 else "b"
    d = {k(x): x}
    return d["a"]


def list_method_of_a_local(x):
    L = [x, 2.0 * x]
    return L.index(2.0 * x) * x


ERRORS = [
    ("defined_twice", defined_twice, "defined more than once", tl.UnsupportedSyntaxError),
    ("nested_call_as_dict_key", nested_call_as_dict_key, "nested function 'k'",
     tl.UnsupportedSyntaxError),
    ("list_method_of_a_local", list_method_of_a_local, "L.index", tl.NoDerivativeError),
]


@pytest.mark.parametrize("name, fn, says, error", ERRORS, ids=[e[0] for e in ERRORS])
def test_unsupported_is_located(name, fn, says, error):
    for entry in (lambda: tl.grad(fn)(0.7), lambda: tl.jvp(fn, (0.7,), (1.0,))):
        with pytest.raises(error) as info:
            entry()
        message = str(info.value)
        assert says in message
        assert f"{__file__}:" in message
        assert "hint:" in message


def list_method_of_an_argument(L, x):
    return L.index(x) * x


def test_method_without_source_of_a_value_known_at_run_time():
    """A method of a builtin value the transformer cannot see is a clean error."""
    with pytest.raises(tl.TangentlikeError, match="list.index"):
        tl.grad(list_method_of_an_argument, wrt=1)(["a", 0.5], 0.5)
    with pytest.raises(tl.TangentlikeError, match="list.index"):
        tl.jvp(list_method_of_an_argument, (["a", 0.5], 0.5), (None, 1.0))


def item_read_after_its_write(x):
    L = [0.5, 2.0]
    L[1] = x * L[0] + x
    return L[1] * x


def test_item_read_after_its_write():
    assert tl.grad(item_read_after_its_write)(0.7) == pytest.approx(2.1)


def three_values(x):
    return x, 2.0 * x, 3.0 * x


def unpacks_two_of_three(x):
    a, b = three_values(x)
    return a * b


def unpacks_three(x):
    a, b, c = three_values(x)
    return a * b + c


def test_unpacking_a_sequence_of_another_length_raises_as_python_does():
    """`a, b = f(x)` is written as indexing in the generated code; it still refuses a
    sequence of three values, in both modes (never a gradient where f raises)."""
    with pytest.raises(ValueError):
        unpacks_two_of_three(1.5)
    with pytest.raises(ValueError, match="cannot unpack 3 values into 2 names"):
        tl.grad(unpacks_two_of_three)(1.5)
    with pytest.raises(ValueError, match="cannot unpack 3 values into 2 names"):
        tl.jvp(unpacks_two_of_three, (1.5,), (1.0,))
    assert tl.grad(unpacks_three)(1.5) == pytest.approx(4.0 * 1.5 + 3.0)
    assert tl.jvp(unpacks_three, (1.5,), (1.0,))[1] == pytest.approx(4.0 * 1.5 + 3.0)


def unpacks_a_dict_argument(x, d):
    k1, k2 = d                                   # a dict unpacks into its keys
    return d[k1] * x + d[k2] * x * x


def unpacks_a_local_dict(x):
    d = {"p": x, "q": 2.0 * x}
    first, second = d
    return d[first] * d[second]


def test_unpacking_a_dict_gives_its_keys():
    d = {"a": 1.5, "b": -0.5}
    assert tl.grad(unpacks_a_dict_argument, wrt=(0, 1))(0.7, d) == \
        (pytest.approx(1.5 - 2 * 0.5 * 0.7), {"a": pytest.approx(0.7), "b": pytest.approx(0.49)})
    assert d == {"a": 1.5, "b": -0.5}
    assert tl.jvp(unpacks_a_dict_argument, (0.7, d), (1.0, {"a": 0.0, "b": 0.0}))[1] == \
        pytest.approx(1.5 - 2 * 0.5 * 0.7)
    assert tl.grad(unpacks_a_local_dict)(0.7) == pytest.approx(4.0 * 0.7)
    assert tl.jvp(unpacks_a_local_dict, (0.7,), (1.0,))[1] == pytest.approx(4.0 * 0.7)
