"""The command line's inputs: the function `FILE.py:FUNC`, its `--at` values, `--wrt`.

Receives cli.py's parsed options.  Guarantees `with_function(options, command)` runs
`command(options, fn)` with the file imported from its path (its directory first on
`sys.path`, for sibling imports) and undoes the import afterwards; and
`arguments(fn, at, wrt, lenient)` -> (the values of fn's parameters
in order, as a dict; the names to differentiate; notes for stderr), or a CommandError
that names the problem:
- a value is a Python literal (lists become float64 arrays) or `@FILE.npy` (`value`);
- a parameter not given takes its default; without one it is an error, or (`lenient`,
  for `show`) 1.0, or 1 for an integer parameter;
- the default selection is the *float parameters*: every parameter but those whose
  value is a bool, a str, None or a non-float array, and the integer parameters:
  annotated `int` (or `bool`, `str`), with an int default, or used as a count or an
  index in the function's body (`range(n)`, `a[i]`, `a[:n]`);
- a parameter that is differentiated (named with `--wrt`, or selected by default) and
  given an int gets the float of the same value, with a note saying so;
- a function with `*args` or `**kwargs` whose values are asked for gets an error that
  says why the command line cannot fill them, and what to write instead.
"""

import ast
import contextlib
import importlib.util
import inspect
import pathlib
import sys
import textwrap
import traceback

import numpy as np

from .dispatch import unwrap


class CommandError(Exception):
    """A usage error: reported as one line on stderr, exit status 2."""


_OWN_FILES = {str(pathlib.Path(__file__).with_name(name)) for name in ("cli.py",
                                                                      "cli_inputs.py")}


def describe(error):
    """`Type: first line of the message (file:line)`, located at the innermost user frame."""
    if isinstance(error, SyntaxError):
        return f"SyntaxError: {error.msg} ({error.filename}:{error.lineno})"
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not f.filename.startswith("<frozen") and f.filename not in _OWN_FILES]
    where = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    message = str(error).strip().splitlines()
    return f"{type(error).__name__}{': ' + message[0] if message else ''}{where}"


def name_of(fn):
    return getattr(fn, "__name__", repr(fn))


# -- FILE.py:FUNC ----------------------------------------------------------------------


def with_function(options, command):
    """Import the target, run `command(options, fn)`, then undo the import's side effects."""
    file_name, sep, qualname = _target(options).rpartition(":")
    if not sep or not file_name or not qualname:
        raise CommandError(f"expected FILE.py:FUNC (e.g. model.py:loss), got {options.target!r}")
    path = pathlib.Path(file_name)
    if not path.is_file():
        raise CommandError(f"{file_name}: no such file")
    directory = path.resolve().parent
    modules_before = set(sys.modules)
    sys.path.insert(0, str(directory))
    try:
        module = _import(path.resolve(), file_name)
        return command(options, _lookup(module, qualname, file_name))
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(directory))
        _forget_modules(set(sys.modules) - modules_before, directory)


def _target(options):
    """FILE.py:FUNC, also when written after --at or --wrt (whose value lists swallow it)."""
    if options.target is None:
        for values in (options.at, options.wrt):
            if values and ":" in values[-1] and "=" not in values[-1]:
                options.target = values.pop()
                break
        else:
            raise CommandError(f"which function? e.g. tangentlike {options.command} "
                               f"model.py:loss --at x=0.3")
    return options.target


def _forget_modules(new, directory):
    """Drop the newly imported modules that live in `directory` (the file, its sibling
    modules and packages), so a later command may load other files of the same names.
    Modules from elsewhere (say numpy's, imported lazily) stay: reloading those is unsafe."""
    local = set()
    for name in new:
        file = getattr(sys.modules[name], "__file__", None)
        if file and "." not in name:
            place = pathlib.Path(file).resolve().parent
            if directory in (place, place.parent if place.name == name else None):
                local.add(name)
    for name in new:
        if name.partition(".")[0] in local:
            del sys.modules[name]


def _import(path, shown):
    """The module executed from `path`, named after the file (`model.py` -> `model`)."""
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in path.stem)
    name = name if name.isidentifier() else f"_{name}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None:
        raise CommandError(f"{shown}: not a Python file (expected FILE.py)")
    module = importlib.util.module_from_spec(spec)
    if name not in sys.modules:            # never shadow a loaded module such as `math`
        sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:
        raise CommandError(f"cannot import {shown}: {describe(error)}") from None
    return module


def _lookup(module, qualname, shown):
    """`module.<qualname>` (dots allowed), or a CommandError listing what the file defines."""
    found = module
    for part in qualname.split("."):
        if not hasattr(found, part):
            defined = sorted(k for k, v in vars(module).items()
                             if callable(v) and not isinstance(v, type)
                             and getattr(v, "__module__", None) == module.__name__)
            listing = f" (it defines: {', '.join(defined)})" if defined else ""
            raise CommandError(f"{shown} has no function {qualname!r}{listing}")
        found = getattr(found, part)
    if not callable(found):
        raise CommandError(f"{qualname!r} in {shown} is not a function "
                           f"(it is a {type(found).__name__})")
    return found


# -- --at and --wrt --------------------------------------------------------------------


def arguments(fn, at, wrt_names, lenient=False):
    """(values by parameter name, in order; names to differentiate; notes) from --at/--wrt."""
    given, texts = {}, {}
    for item in at:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise CommandError(f"--at {item!r}: expected NAME=VALUE, e.g. x=0.3 or w=@w.npy")
        if name in given:
            raise CommandError(f"--at: {name} is given twice")
        texts[name] = f"--at {name}={text.strip()}"
        given[name] = value(texts[name], text.strip())
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        raise CommandError(f"{name_of(fn)} is not a Python function (no signature)") from None
    variadic = [p for p in signature.parameters.values()
                if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    parameters = [p for p in signature.parameters.values() if p not in variadic]
    if any(p.kind is p.KEYWORD_ONLY for p in parameters):
        raise CommandError(f"{name_of(fn)} has keyword-only parameters; the command line "
                           f"passes arguments by position (write a small wrapper function)")
    names = [p.name for p in parameters]
    for name in list(given) + list(wrt_names):
        if name not in names:
            if variadic:
                raise _variadic_error(fn, variadic, names)
            raise CommandError(f"{name_of(fn)} has no parameter {name!r} "
                               f"(its parameters: {', '.join(names) or 'none'})")
    used = _counts_and_indices(fn, names)
    integral = used | {p.name for p in parameters if _is_int(p.default) or p.annotation
                       in (int, bool, str, "int", "bool", "str")}
    values, missing = {}, []
    for p in parameters:
        if p.name in given:
            values[p.name] = given[p.name]
        elif p.default is not p.empty:
            values[p.name] = p.default
        elif lenient:
            values[p.name] = 1 if p.name in integral else 1.0
        else:
            missing.append(p.name)
    if missing:
        raise CommandError(f"missing a value for {', '.join(missing)}: add "
                           f"{' '.join(m + '=...' for m in missing)} to --at")
    explicit = tuple(dict.fromkeys(wrt_names))
    for name in explicit:
        if name in used and _is_int(values[name]):
            raise CommandError(
                f"cannot differentiate {name_of(fn)} with respect to {name!r}: it is used "
                f"as a count or an index (range({name}), a[{name}]), which must be an int; "
                f"leave it out of --wrt")
    wrt = explicit or tuple(k for k, v in values.items()
                            if differentiable(v) or (_is_int(v) and k not in integral))
    if not wrt:
        if variadic:
            raise _variadic_error(fn, variadic, names)
        raise CommandError(f"{name_of(fn)} has no float or float-array argument to "
                           f"differentiate (ints are loop counts): pass e.g. x=1.0, or "
                           f"name one with --wrt")
    notes = []
    for name in wrt:
        if _is_int(values[name]):
            number = values[name]
            values[name] = float(number)
            where = texts.get(name, f"the default {name}={number}")
            keep = (f"leave {name} out of --wrt" if explicit else
                    "name the parameters to differentiate with --wrt")
            notes.append(f"{where} is passed as the float {values[name]!r}, as {name} is "
                         f"differentiated (to pass the int, {keep})")
    return values, wrt, notes


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _variadic_error(fn, variadic, names):
    stars = ", ".join(("*" if p.kind is p.VAR_POSITIONAL else "**") + p.name for p in variadic)
    example = ", ".join(f"x{k}" for k in range(2))
    return CommandError(
        f"{name_of(fn)} takes {stars}: the command line gives each --at value to a named "
        f"parameter, so it cannot call a function through {stars} "
        f"(its named parameters: {', '.join(names) or 'none'}); write a wrapper with "
        f"named parameters, e.g. `def g({example}): return {name_of(fn)}({example})`, "
        f"and name that")


def _counts_and_indices(fn, names):
    """The `names` fn's body uses as a count (`range(n)`) or an index (`a[i]`, `a[:n]`)."""
    found = set()
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(unwrap(fn))))
    except Exception:  # noqa: BLE001 - no source (or not parseable alone): no usage known
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "range":
            for argument in node.args:
                found |= _index_names(argument) & set(names)
        elif isinstance(node, ast.Subscript):
            found |= _index_names(node.slice) & set(names)
    return found


def _index_names(node):
    """The names an index expression is computed from by arithmetic (not through a call,
    a comparison or an attribute: `a[len(x)]`, `a[x > 0]` say nothing about `x`)."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Tuple, ast.Slice)):
        return set().union(*map(_index_names, ast.iter_child_nodes(node)))
    return set()


def value(where, text):
    """The Python value of one --at literal (lists -> float64 arrays) or @FILE.npy."""
    if text.startswith("@"):
        try:
            array = np.load(text[1:], allow_pickle=False)
        except Exception as error:  # noqa: BLE001 - OSError, ValueError, EOFError, ...
            raise CommandError(f"{where}: cannot load {text[1:]}: {describe(error)}") from None
        if not isinstance(array, np.ndarray):
            array.close()
            raise CommandError(f"{where}: {text[1:]} holds several arrays; "
                               f"save one with numpy.save to a .npy file")
        return array
    try:
        result = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise CommandError(f"{where}: not a Python literal (expected a number, a list of "
                           f"numbers, or @FILE.npy)") from None
    if isinstance(result, (list, tuple)):
        if not _all_numbers(result):
            raise CommandError(f"{where}: a list must hold only numbers "
                               f"(or lists of numbers of equal lengths)")
        try:
            return np.array(result, dtype=np.float64)
        except ValueError:
            raise CommandError(f"{where}: nested lists must have equal lengths") from None
    if result is None or isinstance(result, (bool, int, float, str)):
        return result
    raise CommandError(f"{where}: a {type(result).__name__} is not accepted (expected a "
                       f"number, a list of numbers, or @FILE.npy)")


def _all_numbers(item):
    if isinstance(item, (list, tuple)):
        return all(map(_all_numbers, item))
    return isinstance(item, (int, float)) and not isinstance(item, bool)


def differentiable(item):
    """Floats and floating-point arrays; ints, bools, strings and None are not."""
    if isinstance(item, np.ndarray):
        return item.dtype.kind == "f"
    return isinstance(item, (float, np.floating))


def copies(values):
    """The argument values with arrays copied, so a function that mutates them is harmless."""
    return tuple(v.copy() if isinstance(v, np.ndarray) else v for v in values.values())
