"""check stage: every rejected construct is located; every supported one passes."""

import inspect
import linecache
import math
import os
import sys
import textwrap

import gast
import pytest

from tangentlike.check import NODES, SUPPORTED, check
from tangentlike.errors import TangentlikeError, UnsupportedSyntaxError
from tangentlike.parse import ParsedFunction, parse_function

try:                                    # tests/ as a package or as a rootdir
    from . import bad_functions as bad
except ImportError:
    import bad_functions as bad

# (function, text that error.construct must contain)
BAD = [
    (bad.bad_try, "try/except"),
    (bad.bad_with, "with"),
    (bad.bad_yield, "yield"),
    (bad.bad_yield_from, "yield from"),
    (bad.bad_async_def, "async def"),
    (bad.bad_global, "global/nonlocal"),
    (bad.bad_nonlocal, "global/nonlocal"),
    (bad.bad_class, "class"),
    (bad.bad_del, "del"),
    (bad.bad_import, "import"),
    (bad.bad_import_from, "import"),
    (bad.bad_nested_def, "lambda neither bound to a name nor passed"),
    (bad.bad_walrus, ":="),
    (bad.bad_match, "match"),
    (bad.bad_set, "set display"),
    (bad.bad_set_comp, "set comprehension"),
    (bad.bad_dict_comp, "dict comprehension"),
    (bad.bad_starred_target, "starred assignment target"),
    (bad.bad_starred_loop_target, "starred assignment target"),
    (bad.bad_attribute_assign, "assignment to an attribute"),
    (bad.bad_attribute_augassign, "assignment to an attribute"),
    (bad.bad_attribute_in_unpacking, "unpacking into a subscript or attribute"),
    (bad.bad_subscript_of_attribute, "item of a computed value or attribute"),
    (bad.bad_item_of_item_of_attribute, "item of a computed value or attribute"),
    (bad.bad_unpack_into_subscript, "unpacking into a subscript"),
    (bad.bad_for_else, "for/else"),
    (bad.bad_while_else, "while/else"),
    (bad.bad_loop_target_subscript, "loop target"),
    (bad.bad_star_args_call, "*args at a call site"),
    (bad.bad_kwargs_call, "**kwargs at a call site"),
    (bad.bad_star_in_display, "* unpacking"),
    (bad.bad_dict_unpacking, "** unpacking"),
    (bad.bad_varargs, "*args parameter"),
    (bad.bad_kwargs, "**kwargs parameter"),
    (bad.bad_augassign_bitor, "augmented assignment with BitOr"),
    (bad.bad_annotation_without_value, "annotation without a value"),
    (bad.bad_annotated_subscript, "annotated assignment to a subscript"),
    (bad.bad_deep_inside, "lambdas"),
    (bad.bad_first_of_two, "try/except"),
    (bad.bad_first_on_line, "lambdas"),
]
if sys.version_info >= (3, 11):                 # `except*` is 3.11 syntax
    import bad_functions_py311
    BAD.append((bad_functions_py311.bad_try_star, "try/except*"))


def marked_line(fn):
    """The file line of `fn` that ends with the `# BAD` marker."""
    lines, first = inspect.getsourcelines(fn)
    marked = [i for i, text in enumerate(lines) if text.rstrip().endswith("# BAD")]
    assert len(marked) == 1, f"{fn.__name__} needs exactly one # BAD marker"
    return first + marked[0]


def rejection(parsed):
    with pytest.raises(UnsupportedSyntaxError) as info:
        check(parsed)
    return info.value


@pytest.mark.parametrize("fn, construct", BAD, ids=[fn.__name__ for fn, _ in BAD])
def test_rejects_with_location(fn, construct):
    error = rejection(parse_function(fn))
    assert isinstance(error, TangentlikeError)
    assert error.filename == inspect.getsourcefile(fn)
    assert error.line == marked_line(fn)
    assert construct in error.construct
    assert error.hint.strip()
    assert isinstance(error.column, int)
    source_line = error.source_line.strip()
    assert source_line == linecache.getline(error.filename, error.line).strip()
    assert source_line in str(error)
    assert f"{os.path.basename(inspect.getsourcefile(fn))}:{error.line}:{error.column}" \
        in str(error)


# (function, text the source line starts with at error.column)
COLUMNS = [
    (bad.bad_first_on_line, "lambda"),
    (bad.bad_star_args_call, "*xs"),
    (bad.bad_kwargs_call, "**options"),
    (bad.bad_starred_target, "*rest"),
    (bad.bad_attribute_assign, "obj.value"),
    (bad.bad_varargs, "xs"),
    (bad.bad_dict_unpacking, "d}"),
]


@pytest.mark.parametrize("fn, text", COLUMNS, ids=[fn.__name__ for fn, _ in COLUMNS])
def test_column_points_at_the_construct(fn, text):
    error = rejection(parse_function(fn))
    assert error.source_line[error.column:].startswith(text)


def parsed_from_text(text):
    """A ParsedFunction for code that cannot live in an importable module."""
    source = textwrap.dedent(text)
    node = gast.parse(source).body[0]
    return ParsedFunction(fn=None, node=node, filename="<text>", line_offset=10,
                          source_lines=source.splitlines(), source=source)


# Async constructs are syntax errors in a module outside `async def`, which
# parse_function cannot read; check them on parsed text (line 2 + offset 10).
TEXT = [
    ("def f(x):\n    return await x\n", "await"),
    ("def f(xs):\n    async for v in xs:\n        pass\n", "async for"),
    ("def f(x):\n    async with x:\n        pass\n", "async with"),
    ("def f(xs):\n    return [v async for v in xs]\n", "async comprehension"),
    ("def f(xs):\n    return sum(v async for v in xs)\n", "async comprehension"),
]


@pytest.mark.parametrize("text, construct", TEXT, ids=[c for _, c in TEXT])
def test_rejects_async_text(text, construct):
    error = rejection(parsed_from_text(text))
    assert construct in error.construct
    assert error.hint.strip()
    assert error.line == 12
    assert error.source_line in str(error)


class Mystery(gast.stmt):
    """A statement class tangentlike has never heard of."""
    _fields = ()


def test_unknown_node_is_rejected():
    parsed = parsed_from_text("def f(x):\n    pass\n")
    mystery = Mystery()
    mystery.lineno, mystery.col_offset = 2, 4
    parsed.node.body.insert(0, mystery)
    error = rejection(parsed)
    assert error.construct == "Mystery"
    assert "Mystery is not supported" in str(error)
    assert error.hint.strip()


def all_subclasses(base):
    return {cls for cls in vars(gast).values()
            if isinstance(cls, type) and issubclass(cls, base) and cls is not base}


def test_table_covers_every_gast_statement_and_expression():
    missing = (all_subclasses(gast.stmt) | all_subclasses(gast.expr)) - set(NODES)
    assert not missing, sorted(cls.__name__ for cls in missing)
    for cls, entry in NODES.items():
        if entry is not SUPPORTED:
            construct, hint = entry
            assert construct and hint, cls.__name__


@pytest.mark.parametrize("cls", [gast.Print, gast.Exec, gast.Repr, gast.TypeAlias,
                                 gast.TemplateStr, gast.Interpolation],
                         ids=lambda cls: cls.__name__)
def test_constructs_python_cannot_parse_here_are_rejected(cls):
    parsed = parsed_from_text("def f(x):\n    pass\n")
    node = cls(**{name: None for name in cls._fields})
    node.lineno, node.col_offset = 2, 4
    if issubclass(cls, gast.expr):
        node = gast.Expr(value=node)
        node.lineno, node.col_offset = 2, 4
    parsed.node.body.insert(0, node)
    error = rejection(parsed)
    assert error.hint.strip()
    assert error.construct != cls.__name__    # a description, not the bare name


# Good functions: between them, every supported construct --------------------------

def good_assign(x):
    y = x * 2
    a = b = y
    (c, d), [e, f] = (a, b), [y, x]
    return c + d + e + f


def good_assign_subscripts(xs, m, x):
    xs[0] = x
    m[0][1] = x
    m[1, 2] = x
    xs[1:3] = [x, x]
    return xs


def good_augassign(x, xs, m):
    y = x
    y += x
    y -= x
    y *= x
    y /= x
    y **= 2
    y //= 1
    y %= 3
    m @= m
    xs[0] += y
    xs[0][1] *= y
    return y


def good_annassign(x: float) -> float:
    y: float = x * 2
    return y


def good_if(x):
    if x > 0:
        y = x
    elif x < -1:
        y = -x
    else:
        y = 0.0
    if x:
        pass
    return y


def good_for(xs, pairs, nested):
    total = 0.0
    for v in xs:
        if v < 0:
            continue
        if v > 100:
            break
        total += v
    for a, b in pairs:
        total += a * b
    for i, (a, b) in enumerate(pairs):
        total += i * a * b
    for [a, b] in pairs:
        total += a
    return total


def good_while(x):
    n = 0
    while x > 1:
        x = x / 2
        n += 1
        if n > 100:
            break
        if n < 0:
            continue
    return x


def good_return_nothing(xs, x):
    xs.append(x)
    if x > 0:
        return
    xs.append(-x)


def good_no_return(xs, x):
    """A docstring is an expression statement."""
    xs.append(x * x)


def good_raise_assert(x):
    assert x > 0, "x must be positive"
    if x > 100:
        raise ValueError(f"x too large: {x}")
    pass
    return x


def good_operators(x, y, m, n):
    a = x + y - x * y / y // 2 % 3 ** 2
    b = m @ m
    c = n << 1 | n >> 1 & n ^ n
    d = -x + (+y)
    e = ~n
    f = not x
    g = x and y or not x
    h = 0 < x <= y < 10 and x != y and x == x and x >= 0 and x > -1
    i = x in (1, 2) or x not in [3] or x is None or x is not None
    return a + b + c + d + e + f + g + h + i


def good_calls(x, xs):
    a = math.sin(x)
    b = round(x, ndigits=2)
    c = max(x, 1.0, key=abs)
    d = sorted(xs, reverse=True)[0]
    return a + b + c + d


def good_ifexp(x):
    return x if x > 0 else -x


def good_attributes_and_subscripts(m, xs, obj):
    shape = m.shape
    total = obj.items[0] + xs[-1] + xs[1:3][0] + xs[::2][0] + xs[:][0]
    total += m[0, 1:] .sum() + m[..., 0].sum() + m[:, None][0, 0]
    return total * shape[0]


def good_displays(x):
    t = (x, 2 * x)
    u = ()
    lst = [x, t, []]
    d = {"x": x, "t": t, 1: lst}
    e = {}
    return t, u, lst, d, e


def good_comprehensions(xs, m):
    squares = [v * v for v in xs]
    pos = [v for v in xs if v > 0 if v < 10]
    pairs = [a * b for row in m for (a, b) in row if a > 0]
    total = sum(v * v for v in xs if v > 0)
    return squares, pos, pairs, total


def good_fstrings(x, n):
    label = f"x={x:.3f} n={n!r} {'nested'}"
    return x, label


def good_signature(x, /, y, z=1.0, *, scale=2.0, flag=False):
    return (x + y + z) * scale if flag else x


def good_keyword_only_no_default(x, *, scale):
    return x * scale


GOOD = [good_assign, good_assign_subscripts, good_augassign, good_annassign, good_if,
        good_for, good_while, good_return_nothing, good_no_return, good_raise_assert,
        good_operators, good_calls, good_ifexp, good_attributes_and_subscripts,
        good_displays, good_comprehensions, good_fstrings, good_signature,
        good_keyword_only_no_default]


@pytest.mark.parametrize("fn", GOOD, ids=[fn.__name__ for fn in GOOD])
def test_accepts(fn):
    assert check(parse_function(fn)) is None


def test_good_functions_cover_every_supported_node():
    seen = set()
    for fn in GOOD:
        seen |= {type(node) for node in gast.walk(parse_function(fn).node)}
    supported = {cls for cls, entry in NODES.items() if entry is SUPPORTED}
    assert not supported - seen, sorted(cls.__name__ for cls in supported - seen)
