"""Bad input never surfaces as an internal error: one table of bad actions.

Each row performs one bad action through the public API and names what a
demanding user expects back: a `TangentlikeError` subclass whose message is
actionable (it names the callee, the argument or the file and line, and says what
to do), or, where the mistake is the user's own (calling with the wrong number of
arguments, an exception raised by the function itself), exactly the exception
Python would raise, unwrapped.  What must never come back is an internal error
(KeyError, AttributeError, IndexError, TypeError from inside tangentlike,
AssertionError, RecursionError, ...), whether raised directly, or shown as the
"During handling of the above exception ..." context of the error raised.

A few rows (`or_returns`) accept either a correct result or a TangentlikeError:
what tangentlike supports there is a design choice, a wrong number is not.
The functions live in tests/cases/error_cases.py, a real file, so their source is
readable; a `# BAD` comment marks the line the message must point at.
"""

import ast
import dataclasses
import importlib.util
import inspect
import linecache
import math
import os
import re
import traceback
import typing

import numpy as np
import pytest

import tangentlike as tl

try:                                    # tests/ as a package or as a rootdir
    from . import error_cases as ec
except ImportError:
    import error_cases as ec

PACKAGE_DIR = os.path.realpath(os.path.dirname(tl.__file__))
CASES_FILE = "error_cases.py"
_NOTHING = object()


@pytest.fixture(autouse=True)
def errors_cache_dir(tmp_path_factory, monkeypatch):
    """A private TANGENTLIKE_CACHE_DIR, so generated files land in a temp directory."""
    path = tmp_path_factory.mktemp("tangentlike_errors_cache")
    monkeypatch.setenv("TANGENTLIKE_CACHE_DIR", str(path))
    return path


# -- the table ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Row:
    id: str
    action: typing.Callable     # action(tmp_path) performs the bad call
    raises: object              # the exception class (or tuple of classes) expected
    contains: tuple = ()        # substrings the message must contain
    line_of: object = None      # function whose `# BAD` line the message must name
    callee: tuple = ()          # the message's first line must name one of these
    or_returns: object = _NOTHING   # a correct result accepted instead of an error
    user_error: bool = False    # the user's own exception: propagated unwrapped, once


def syntax(id_, fn, construct, *args):
    """A row: tl.grad(fn)(*args) must reject `construct`, located at fn's # BAD line."""
    return Row(id_, lambda tmp: tl.grad(fn)(*args), tl.UnsupportedSyntaxError,
               contains=(construct, "hint:"), line_of=fn)


def no_rule(id_, fn, callee, *args):
    """A row: a call without a rule, reached by tl.grad(fn)(*args)."""
    return Row(id_, lambda tmp: tl.grad(fn)(*args), tl.NoDerivativeError,
               contains=("register",), line_of=fn,
               callee=callee if isinstance(callee, tuple) else (callee,))


def user_error(id_, fn, exc_type, text, *args):
    """A row: fn's own exception must come out of the gradient call as is."""
    return Row(id_, lambda tmp: tl.grad(fn)(*args), exc_type, contains=(text,),
               user_error=True)


def module_from_text(tmp_path, name, text):
    """Import `text` as a module from a real file `tmp_path/<name>.py`."""
    path = tmp_path / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, path


def grad_of_deleted_source(tmp):
    module, path = module_from_text(tmp, "gone_module",
                                    "def gone(x):\n    return x * x\n")
    path.unlink()
    linecache.checkcache(str(path))
    return tl.grad(module.gone)(2.0)


def grad_of_deep_sum(tmp):
    terms = " + ".join(["x"] * 1000)
    module, _ = module_from_text(tmp, "deep_module", f"def deep(x):\n    return {terms}\n")
    return tl.grad(module.deep)(1.0)


ROWS = [
    # -- unsupported syntax, reached through tl.grad(f)(args) ----------------------------
    syntax("try-except", ec.uses_try, "try/except", 2.0),
    syntax("with", ec.uses_with, "with", 2.0),
    syntax("yield", ec.uses_yield, "yield", 2.0),
    syntax("global", ec.uses_global, "global", 2.0),
    syntax("nonlocal", ec.uses_nonlocal, "nonlocal", 2.0),
    syntax("del", ec.uses_del, "del", 2.0),
    syntax("class-def", ec.uses_class, "class", 2.0),
    syntax("nested-def", ec.uses_nested_def, "nested function", 2.0),
    syntax("lambda", ec.uses_lambda, "nested function", 2.0),
    syntax("walrus", ec.uses_walrus, ":=", 2.0),
    syntax("match", ec.uses_match, "match", 2.0, "double"),
    syntax("set-comprehension", ec.uses_set_comp, "set comprehension", [1.0, 2.0]),
    syntax("starred-assignment", ec.uses_starred_assignment, "starred", [1.0, 2.0]),
    syntax("attribute-assignment", ec.uses_attribute_assignment, "attribute", 2.0,
           ec.Box()),
    syntax("for-else", ec.uses_for_else, "for/else", [1.0, 2.0]),
    syntax("while-else", ec.uses_while_else, "while/else", 4.0),
    syntax("import", ec.uses_import, "import", 2.0),
    syntax("nested-async-def", ec.uses_nested_async_def, "async", 2.0),
    syntax("async-def", ec.async_top_level, "async", 2.0),
    Row("varargs-parameter", lambda tmp: tl.grad(ec.uses_varargs)(2.0), tl.TangentlikeError,
        contains=("*args", "uses_varargs")),
    Row("decorator-try-except", lambda tmp: tl.differentiate(ec.uses_try).grad(2.0),
        tl.UnsupportedSyntaxError, contains=("try/except",), line_of=ec.uses_try),
    Row("source-of-match", lambda tmp: tl.source(ec.uses_match), tl.UnsupportedSyntaxError,
        contains=("match",), line_of=ec.uses_match),
    Row("vjp-of-try-except", lambda tmp: tl.vjp(ec.uses_try, 2.0)[1](1.0),
        tl.UnsupportedSyntaxError, contains=("try/except",), line_of=ec.uses_try),

    # -- calls without a derivative rule, with an active value flowing in ----------------
    no_rule("math-fmod", ec.calls_fmod, "math.fmod", 2.0),
    no_rule("math-remainder", ec.calls_remainder, "math.remainder", 2.0),
    no_rule("frompyfunc", ec.calls_frompyfunc, "square_ufunc", 2.0),
    no_rule("method-of-local", ec.calls_method_of_local, "__rmul__", 2.0),
    no_rule("numpy-i0", ec.calls_np_i0, "i0", np.ones(3)),
    no_rule("numpy-unwrap", ec.calls_np_unwrap, "unwrap", np.ones(3)),
    no_rule("callable-object", ec.calls_callable_object, ("scale_by_three", "Scaler"), 2.0),
    Row("undefined-name", lambda tmp: tl.grad(ec.calls_undefined_name)(2.0),
        (NameError, tl.TangentlikeError), contains=("mth", "not defined")),

    # -- functions whose source cannot be read (or that are not `def` functions) ---------
    Row("made-by-exec", lambda tmp: tl.grad(ec.made_by_exec)(2.0), tl.SourceUnavailableError,
        contains=("made_by_exec", "exec")),
    Row("deleted-source-file", grad_of_deleted_source, tl.SourceUnavailableError,
        contains=("gone",)),
    Row("builtin", lambda tmp: tl.grad(math.sin)(1.0), tl.TangentlikeError,
        contains=("sin",), or_returns=math.cos(1.0)),
    Row("module-level-lambda", lambda tmp: tl.grad(ec.square_lambda)(2.0),
        tl.TangentlikeError, contains=("lambda",), or_returns=4.0),
    Row("lambda-in-list", lambda tmp: tl.grad(ec.lambdas[0])(2.0), tl.TangentlikeError,
        contains=("lambda",), or_returns=4.0),
    Row("functools-partial", lambda tmp: tl.grad(ec.scaled_by_two)(2.0), tl.TangentlikeError,
        contains=("partial",), or_returns=8.0),
    Row("callable-instance", lambda tmp: tl.grad(ec.quadratic)(2.0), tl.TangentlikeError,
        contains=("Quadratic",), or_returns=4.0),
    Row("bound-method", lambda tmp: tl.grad(ec.quadratic.cube)(2.0), tl.TangentlikeError,
        contains=("cube",), or_returns=12.0),
    Row("grad-of-grad", lambda tmp: tl.grad(tl.grad(ec.cube))(1.0), tl.TangentlikeError,
        contains=("cube",), or_returns=6.0),
    Row("not-a-function", lambda tmp: tl.grad(42), tl.TangentlikeError, contains=("42",)),
    Row("deeply-nested", grad_of_deep_sum, tl.TangentlikeError, contains=("deep", "nested"),
        or_returns=1000.0),

    # -- wrt problems --------------------------------------------------------------------
    Row("wrt-out-of-range", lambda tmp: tl.grad(ec.two_args, wrt=3)(1.0, 2.0),
        tl.TangentlikeError, contains=("wrt=3", "two_args", "x, y")),
    Row("wrt-unknown-name", lambda tmp: tl.grad(ec.two_args, wrt="z")(1.0, 2.0),
        tl.TangentlikeError, contains=("'z'", "two_args", "x, y")),
    Row("wrt-float", lambda tmp: tl.grad(ec.two_args, wrt=0.5)(1.0, 2.0),
        tl.TangentlikeError, contains=("wrt", "0.5")),
    Row("wrt-tuple-with-unknown-name", lambda tmp: tl.grad(ec.two_args, wrt=(0, "z"))(1.0, 2.0),
        tl.TangentlikeError, contains=("'z'", "two_args")),
    Row("wrt-empty-tuple", lambda tmp: tl.grad(ec.two_args, wrt=())(1.0, 2.0),
        tl.TangentlikeError, contains=("wrt",), or_returns=()),
    Row("wrt-int-argument", lambda tmp: tl.grad(ec.with_count, wrt="n")(2.0, 3),
        tl.NonDifferentiableArgumentError, contains=("'n'", "with_count", "3.0")),
    Row("wrt-str-argument", lambda tmp: tl.grad(ec.with_mode, wrt="mode")(2.0, "double"),
        tl.NonDifferentiableArgumentError, contains=("'mode'", "str")),
    Row("wrt-bool-argument", lambda tmp: tl.grad(ec.with_flag, wrt="flag")(2.0, True),
        tl.NonDifferentiableArgumentError, contains=("'flag'", "bool")),
    Row("int-passed-for-default-wrt", lambda tmp: tl.grad(ec.cube)(3),
        tl.NonDifferentiableArgumentError, contains=("'x'", "3.0")),
    Row("none-passed-for-wrt", lambda tmp: tl.grad(ec.cube)(None),
        tl.NonDifferentiableArgumentError, contains=("'x'", "None")),
    Row("decorator-unknown-wrt", lambda tmp: tl.differentiate(wrt="nope")(ec.cube),
        tl.TangentlikeError, contains=("'nope'", "cube")),

    # -- output problems -----------------------------------------------------------------
    Row("returns-array", lambda tmp: tl.grad(ec.returns_array)(np.ones(3)),
        tl.NonScalarOutputError, contains=("returns_array", "(3,)", "vjp")),
    Row("value-and-grad-returns-array",
        lambda tmp: tl.value_and_grad(ec.returns_array)(np.ones(3)),
        tl.NonScalarOutputError, contains=("returns_array", "(3,)", "vjp")),
    Row("returns-list", lambda tmp: tl.grad(ec.returns_list)(2.0),
        tl.NonScalarOutputError, contains=("returns_list", "list", "vjp")),
    Row("returns-tuple", lambda tmp: tl.grad(ec.returns_tuple)(2.0),
        tl.NonScalarOutputError, contains=("returns_tuple", "tuple", "vjp")),
    Row("returns-none", lambda tmp: tl.grad(ec.returns_none)(2.0),
        tl.NonScalarOutputError, contains=("returns_none", "None", "vjp")),
    Row("returns-string", lambda tmp: tl.grad(ec.returns_string)(2.0),
        tl.NonScalarOutputError, contains=("returns_string", "str", "vjp")),
    Row("vjp-cotangent-too-short", lambda tmp: tl.vjp(ec.returns_list, 2.0)[1]([1.0]),
        tl.TangentlikeError, contains=("cotangent",)),
    Row("vjp-cotangent-too-long",
        lambda tmp: tl.vjp(ec.returns_list, 2.0)[1]([1.0, 0.0, 3.0]),
        tl.TangentlikeError, contains=("cotangent",)),
    Row("source-unknown-mode", lambda tmp: tl.source(ec.cube, mode="sideways"),
        tl.TangentlikeError, contains=("sideways", "reverse")),

    # -- calling the gradient wrongly: the same TypeError calling f would give -----------
    Row("missing-argument", lambda tmp: tl.grad(ec.two_args)(1.0), TypeError,
        contains=("'y'",)),
    Row("too-many-arguments", lambda tmp: tl.grad(ec.two_args)(1.0, 2.0, 3.0), TypeError,
        contains=("positional",)),
    Row("unexpected-keyword", lambda tmp: tl.grad(ec.two_args)(1.0, 2.0, z=3.0), TypeError,
        contains=("'z'",)),

    # -- the user's function raising: the same exception, unwrapped, raised once ---------
    user_error("zero-division", ec.divides, ZeroDivisionError, "division by zero", 0.0),
    user_error("math-domain", ec.takes_log, ValueError, "math domain error", -1.0),
    user_error("user-assert", ec.asserts_positive, AssertionError, "x must be positive", -1.0),
    user_error("user-raise", ec.raises_on_negative, ValueError, "negative input -1.0", -1.0),
]

assert len({row.id for row in ROWS}) == len(ROWS), "row ids must be unique"


# -- checks ------------------------------------------------------------------------------


def bad_line(fn):
    """The file line of `fn` that carries the `# BAD` marker."""
    lines, first = inspect.getsourcelines(fn)
    marked = [k for k, text in enumerate(lines) if "# BAD" in text]
    assert len(marked) == 1, f"{fn.__name__} needs exactly one # BAD marker"
    return first + marked[0]


def displayed_chain(exc):
    """The exceptions Python prints above `exc` ("The above exception was ...")."""
    chain, seen = [], {id(exc)}
    while True:
        exc = exc.__cause__ if exc.__cause__ is not None else (
            None if exc.__suppress_context__ else exc.__context__)
        if exc is None or id(exc) in seen:
            return chain
        chain.append(exc)
        seen.add(id(exc))


def _real(path):
    return os.path.realpath(path)


def is_internal(filename, cache_dir):
    """Whether a traceback frame's file is tangentlike's own code or code it generated."""
    real = _real(filename)
    return real.startswith(PACKAGE_DIR + os.sep) or real.startswith(cache_dir + os.sep)


def where(exc):
    """'file:line in function' of the innermost frame of `exc`."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "<no traceback>"
    last = frames[-1]
    return f"{last.filename}:{last.lineno} in {last.name}"


def describe(exc):
    tail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-6:])
    return f"{type(exc).__name__}: {exc} (raised at {where(exc)})\n{tail}"


def same_result(got, want):
    if isinstance(want, tuple):
        return isinstance(got, tuple) and len(got) == len(want) and all(
            same_result(g, w) for g, w in zip(got, want))
    try:
        return bool(np.allclose(got, want, rtol=1e-9, atol=1e-12))
    except (TypeError, ValueError):
        return False


_REGISTER_HINT = re.compile(r"register_adjoint\((.*)\)\s*$", re.MULTILINE)


def hint_problems(message):
    """Problems with the `tl.register_adjoint(<callee>)` snippet of a message, if any."""
    problems = []
    for argument in _REGISTER_HINT.findall(message):
        try:
            expr = ast.parse(argument, mode="eval").body
        except SyntaxError:
            problems.append(f"the hint registers {argument!r}, which is not Python")
            continue
        if isinstance(expr, ast.Call):
            problems.append(f"the hint registers {argument!r}, the result of a call, "
                            "not a callable")
    return problems


def row_problems(row, exc, cache_dir):
    """Everything wrong with `exc` as the outcome of `row` (empty list: as expected)."""
    if not isinstance(exc, row.raises):
        return [f"expected {_names(row.raises)}, got {describe(exc)}"]
    problems = []
    message = str(exc)
    if "Traceback" in message:
        problems.append(f"the message contains a traceback: {message!r}")
    if isinstance(exc, tl.TangentlikeError) and not message.strip():
        problems.append("the message is empty")
    for text in row.contains:
        if text not in message:
            problems.append(f"the message lacks {text!r}: {message!r}")
    if row.callee:
        first_line = message.splitlines()[0] if message else ""
        if not any(name in first_line for name in row.callee):
            problems.append(f"the message's first line names none of {row.callee}: "
                            f"{first_line!r}")
    if row.line_of is not None:
        line = bad_line(row.line_of)
        if f"{CASES_FILE}:{line}" not in message:
            problems.append(f"the message does not point at {CASES_FILE}:{line}: {message!r}")
        if isinstance(exc, tl.UnsupportedSyntaxError) and exc.line != line:
            problems.append(f"error.line is {exc.line}, expected {line}")
    problems += hint_problems(message)
    for linked in displayed_chain(exc):
        frames = traceback.extract_tb(linked.__traceback__)
        internal = frames and is_internal(frames[-1].filename, cache_dir)
        if row.user_error:
            problems.append(f"the error is shown twice or wrapped: above it Python prints "
                            f"{describe(linked)}")
        elif internal and not isinstance(linked, tl.TangentlikeError):
            problems.append(f"it hides an internal error, printed above it: "
                            f"{describe(linked)}")
    if row.user_error:
        if type(exc) is not row.raises:
            problems.append(f"expected exactly {row.raises.__name__}, got {type(exc).__name__}")
        frames = traceback.extract_tb(exc.__traceback__)
        if not any(_real(f.filename).startswith(cache_dir + os.sep) for f in frames):
            problems.append("no frame of the traceback is in the generated file in "
                            f"{cache_dir}; frames: "
                            + ", ".join(f"{f.filename}:{f.lineno}" for f in frames))
    return problems


def _names(classes):
    if isinstance(classes, tuple):
        return " or ".join(c.__name__ for c in classes)
    return classes.__name__


def run_row(row, tmp_path):
    """(exception or None, result) of performing the row's action."""
    try:
        return None, row.action(tmp_path)
    except Exception as exc:  # noqa: BLE001 -- the outcome is what is tested
        return exc, None


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_bad_input_gives_a_clear_error(row, tmp_path):
    cache_dir = _real(os.environ["TANGENTLIKE_CACHE_DIR"])
    exc, result = run_row(row, tmp_path)
    if exc is None:
        if row.or_returns is _NOTHING:
            pytest.fail(f"expected {_names(row.raises)}, but it returned {result!r}")
        assert same_result(result, row.or_returns), (
            f"returned {result!r}; expected {row.or_returns!r} or {_names(row.raises)}")
        return
    problems = row_problems(row, exc, cache_dir)
    assert not problems, f"row {row.id}:\n- " + "\n- ".join(problems)


def test_table_is_large_enough():
    assert len(ROWS) >= 30


def test_messages_name_only_api_that_exists(tmp_path):
    """Every `tl.<name>` a message tells the user to use is part of tangentlike."""
    missing = {}
    for row in ROWS:
        (tmp_path / row.id).mkdir()
        exc, _ = run_row(row, tmp_path / row.id)
        if isinstance(exc, tl.TangentlikeError):
            for name in re.findall(r"\btl\.([A-Za-z_]\w*)", str(exc)):
                if not hasattr(tl, name):
                    missing.setdefault(f"tl.{name}", []).append(row.id)
    assert not missing, (
        "messages point users at names tangentlike does not have: "
        + "; ".join(f"{name} (rows {', '.join(ids)})" for name, ids in sorted(missing.items())))
