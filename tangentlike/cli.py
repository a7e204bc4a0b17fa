"""The `tangentlike` command: show, evaluate, check and debug a function's derivative.

Receives a command line (`main(argv)`; `python -m tangentlike` and the `tangentlike`
console script run the same `main`).  The function is named `FILE.py:FUNC`; the file is
imported from its path with its directory on `sys.path` for the duration of the command
(so sibling imports work), and `--at NAME=VALUE ...` gives its arguments.
Guarantees exit status 0 on success, 1 when `check` finds a derivative that disagrees
with central finite differences, and 2 for every usage error: a bad `--at` value, a
missing file, function or argument, a file that fails to import, an option this
version of tangentlike does not support, an error raised by tangentlike or by the
function being evaluated.  Usage errors are a message on stderr, never a traceback.
The reference, with example sessions, is docs/cli.md.
"""

import argparse
import ast
import contextlib
import importlib.util
import inspect
import os
import pathlib
import signal
import sys
import threading
import traceback

import numpy as np

import tangentlike as tl

from . import cache, checking
from .dispatch import Gradient, unwrap

EXIT_OK, EXIT_MISMATCH, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13             # as if killed by SIGPIPE, like other Unix tools

# `check` compares with checking.py's central differences, step
# h = STEP * max(1, |x|) (STEP the cube root of float64 epsilon, which balances
# truncation error (h**2) against rounding error (eps / h)), and its criterion: a
# derivative passes when |AD - FD| <= atol + rtol * |FD|.  `--order 2` runs
# tl.check_grads(order=2) after the table.
STEP, RTOL, ATOL = checking.STEP, checking.RTOL, checking.ATOL
ROWS_PER_ARRAY = 10      # an array with more elements shows its first 3 and its 5 worst


class CommandError(Exception):
    """A usage error: reported as one line on stderr, exit status 2."""


def main(argv=None):
    """Run the `tangentlike` command line `argv` (default `sys.argv[1:]`); return the exit status.

    >>> main(["--version"])  # doctest: +ELLIPSIS
    tangentlike ...
    0
    """
    try:
        options = _parser().parse_args(argv)
    except SystemExit as exit_:                # --help, --version, or an argparse error
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    try:
        return options.run(options)
    except (CommandError, tl.TangentlikeError) as error:
        print(f"tangentlike: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:                    # `tangentlike show ... | head`: the reader left
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


# -- the command line -------------------------------------------------------------------


def _parser():
    parser = argparse.ArgumentParser(
        prog="tangentlike",
        description="Show, evaluate, check and debug the derivative tangentlike generates "
                    "for a Python function.  Exit status: 0 ok, 1 check mismatch, 2 error.")
    parser.add_argument("--version", action="version", version=f"tangentlike {tl.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def function_command(name, summary, run, extra=""):
        usage = f"tangentlike {name} FILE.py:FUNC [--at NAME=VALUE ...] [--wrt NAME ...]"
        usage += f"\n{' ' * len(f'usage: tangentlike {name} ')}{extra}" if extra else ""
        sub = commands.add_parser(name, help=summary, description=summary, usage=usage)
        sub.add_argument("target", metavar="FILE.py:FUNC", nargs="?",
                         help="the function: a Python file and a function defined in it")
        sub.add_argument("--at", nargs="+", action="extend", default=[], metavar="NAME=VALUE",
                         help="argument values as Python literals: numbers (ints stay ints, "
                              "e.g. loop counts), lists (become float64 arrays), or "
                              "@FILE.npy; quote lists for the shell: 'w=[1, 2]'")
        sub.add_argument("--wrt", nargs="+", action="extend", default=[], metavar="NAME",
                         help="parameters to differentiate with respect to (default: every "
                              "argument that is a float or a float array)")
        sub.set_defaults(run=lambda options: _with_function(options, run))
        return sub

    show = function_command("show", "print the generated derivative source", _show,
                            "[--mode {reverse,forward}] [--no-optimize] [--include-callees]")
    show.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                      help="reverse mode (the gradient; default) or forward mode")
    show.add_argument("--no-optimize", action="store_true",
                      help="show the code before the optimize stage")
    show.add_argument("--include-callees", action="store_true",
                      help="also show the derivatives of the user functions it calls")
    function_command("grad", "print the value and the gradient", _grad)
    check = function_command("check", "compare the gradient with central finite differences",
                             _check, "[--rtol RTOL] [--atol ATOL] [--order {1,2}]")
    check.add_argument("--rtol", type=float, default=RTOL,
                       help=f"relative tolerance (default {RTOL:g})")
    check.add_argument("--atol", type=float, default=ATOL,
                       help=f"absolute tolerance (default {ATOL:g})")
    check.add_argument("--order", type=int, choices=(1, 2), default=1,
                       help="2: also check second derivatives (Hessian-vector products, "
                            "with tl.check_grads)")
    function_command("debug", "step through the generated derivative under pdb", _debug)
    cache_command = commands.add_parser(
        "cache", help="show or clear the cache of generated code",
        description="info: where the cache is and what it holds; clear: delete its entries")
    cache_command.add_argument("action", choices=("info", "clear"))
    cache_command.set_defaults(run=_cache)
    return parser


# -- loading FILE.py:FUNC ---------------------------------------------------------------


def _with_function(options, command):
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
        raise CommandError(f"cannot import {shown}: {_describe(error)}") from None
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


def _describe(error):
    """`Type: first line of the message (file:line)`, located at the innermost user frame."""
    if isinstance(error, SyntaxError):
        return f"SyntaxError: {error.msg} ({error.filename}:{error.lineno})"
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not f.filename.startswith("<frozen") and f.filename != __file__]
    where = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    message = str(error).strip().splitlines()
    return f"{type(error).__name__}{': ' + message[0] if message else ''}{where}"


def _evaluate(fn, thunk):
    """`thunk()`; an exception from the user's code (or generated code) becomes a usage error."""
    try:
        return thunk()
    except (CommandError, tl.TangentlikeError):
        raise
    except Exception as error:  # noqa: BLE001 - reported in one line, with its location
        raise CommandError(f"evaluating {_name(fn)} raised {_describe(error)}") from None


def _name(fn):
    return getattr(fn, "__name__", repr(fn))


# -- arguments: --at and --wrt ----------------------------------------------------------


def _arguments(fn, options, lenient=False):
    """(values of fn's parameters in order, as a dict; wrt names) from --at and --wrt.

    A parameter not given takes its default; without one it is an error, or (`lenient`,
    for `show`) a float, so the code is specialized as if a float were passed.
    """
    given = {}
    for item in options.at:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise CommandError(f"--at {item!r}: expected NAME=VALUE, e.g. x=0.3 or w=@w.npy")
        if name in given:
            raise CommandError(f"--at: {name} is given twice")
        given[name] = _value(f"--at {name}={text.strip()}", text.strip())
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        raise CommandError(f"{_name(fn)} is not a Python function (no signature)") from None
    parameters = [p for p in signature.parameters.values()
                  if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if any(p.kind is p.KEYWORD_ONLY for p in parameters):
        raise CommandError(f"{_name(fn)} has keyword-only parameters; the command line "
                           f"passes arguments by position (write a small wrapper function)")
    names = [p.name for p in parameters]
    for name in list(given) + list(options.wrt):
        if name not in names:
            raise CommandError(f"{_name(fn)} has no parameter {name!r} "
                               f"(its parameters: {', '.join(names) or 'none'})")
    values, missing = {}, []
    for p in parameters:
        if p.name in given:
            values[p.name] = given[p.name]
        elif p.default is not p.empty:
            values[p.name] = p.default
        elif lenient:
            values[p.name] = 1.0
        else:
            missing.append(p.name)
    if missing:
        raise CommandError(f"missing a value for {', '.join(missing)}: add "
                           f"{' '.join(m + '=...' for m in missing)} to --at")
    wrt = tuple(dict.fromkeys(options.wrt)) or tuple(
        k for k, v in values.items() if _differentiable(v))
    if not wrt:
        raise CommandError(f"{_name(fn)} has no float or float-array argument to "
                           f"differentiate (ints are loop counts): pass e.g. x=1.0, or "
                           f"name one with --wrt")
    return values, wrt


def _value(where, text):
    """The Python value of one --at literal (lists -> float64 arrays) or @FILE.npy."""
    if text.startswith("@"):
        try:
            array = np.load(text[1:], allow_pickle=False)
        except Exception as error:  # noqa: BLE001 - OSError, ValueError, EOFError, ...
            raise CommandError(f"{where}: cannot load {text[1:]}: {_describe(error)}") from None
        if not isinstance(array, np.ndarray):
            array.close()
            raise CommandError(f"{where}: {text[1:]} holds several arrays; "
                               f"save one with numpy.save to a .npy file")
        return array
    try:
        value = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise CommandError(f"{where}: not a Python literal (expected a number, a list of "
                           f"numbers, or @FILE.npy)") from None
    if isinstance(value, (list, tuple)):
        if not _all_numbers(value):
            raise CommandError(f"{where}: a list must hold only numbers "
                               f"(or lists of numbers of equal lengths)")
        try:
            return np.array(value, dtype=np.float64)
        except ValueError:
            raise CommandError(f"{where}: nested lists must have equal lengths") from None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise CommandError(f"{where}: a {type(value).__name__} is not accepted (expected a "
                       f"number, a list of numbers, or @FILE.npy)")


def _all_numbers(value):
    if isinstance(value, (list, tuple)):
        return all(map(_all_numbers, value))
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _differentiable(value):
    """Floats and floating-point arrays; ints, bools, strings and None are not."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "f"
    return isinstance(value, (float, np.floating))


def _copies(values):
    """The argument values with arrays copied, so a function that mutates them is harmless."""
    return tuple(v.copy() if isinstance(v, np.ndarray) else v for v in values.values())


# -- show ------------------------------------------------------------------------------


def _show(options, fn):
    values, wrt = _arguments(fn, options, lenient=True)
    text = tl.source(fn, mode=options.mode, wrt=wrt, args=tuple(values.values()),
                      **_source_options(options))
    _print_code(text)
    return EXIT_OK


def _source_options(options):
    """Keyword arguments for `source` from --no-optimize / --include-callees, passed only
    when this version of `source` accepts them (a CommandError otherwise)."""
    wanted = {}
    if options.no_optimize:
        wanted["optimize"] = (False, "--no-optimize")
    if options.include_callees:
        wanted["include_callees"] = (True, "--include-callees")
    parameters = inspect.signature(tl.source).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    for keyword, (_, flag) in wanted.items():
        if keyword not in parameters and not takes_any:
            raise CommandError(f"{flag} is not supported by tangentlike {tl.__version__}")
    return {keyword: value for keyword, (value, _) in wanted.items()}


def _print_code(text):
    """Print Python source, highlighted when stdout is a terminal and pygments is installed
    (and NO_COLOR is not set)."""
    stream = sys.stdout
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):
        terminal = False
    if terminal and not os.environ.get("NO_COLOR"):
        try:
            from pygments import highlight
            from pygments.formatters import TerminalFormatter
            from pygments.lexers import PythonLexer
        except ImportError:
            pass
        else:
            text = highlight(text, PythonLexer(), TerminalFormatter())
    stream.write(text if text.endswith("\n") else text + "\n")


# -- grad ------------------------------------------------------------------------------


def _grad(options, fn):
    values, wrt = _arguments(fn, options)
    value, grads = _evaluate(fn, lambda: tl.value_and_grad(fn, wrt=wrt)(*_copies(values)))
    _print_results(fn, values, value, wrt, grads)
    return EXIT_OK


def _print_results(fn, values, value, wrt, grads):
    print(f"{_call_text(fn, values)} = {_format(value)}")
    labels = [f"d{_name(fn)}/d{w}" for w in wrt]
    width = max(map(len, labels))
    for label, gradient in zip(labels, grads):
        print(f"{label:<{width}} = {_format(gradient, width + 3)}")


def _call_text(fn, values):
    return f"{_name(fn)}({', '.join(f'{k}={_brief(v)}' for k, v in values.items())})"


def _brief(value):
    if isinstance(value, np.ndarray):
        return f"<{value.dtype} array {'x'.join(map(str, value.shape)) or 'scalar'}>"
    return repr(value)


def _format(value, indent=0):
    if isinstance(value, np.ndarray) and value.ndim:
        return np.array2string(value, prefix=" " * indent)
    if isinstance(value, (np.generic, np.ndarray)):
        value = value.item()
    return repr(value)


# -- check -----------------------------------------------------------------------------


def _check(options, fn):
    values, wrt = _arguments(fn, options)
    value, grads = _evaluate(fn, lambda: tl.value_and_grad(fn, wrt=wrt)(*_copies(values)))
    call = _scalar_call(fn, values)
    original = _evaluate(fn, lambda: call(None, None))
    rtol, atol = options.rtol, options.atol
    print(f"{_call_text(fn, values)} = {_format(value)}")
    rows, count, failed = [], 0, 0
    for name, gradient in zip(wrt, grads):
        ad = np.asarray(gradient, dtype=np.float64)
        fd = _evaluate(fn, lambda: _central_differences(call, name, values[name]))
        abs_error, rel_error, ok = checking.agreement(ad, fd, rtol, atol)
        count += ok.size
        failed += int(ok.size - np.count_nonzero(ok))
        rows += _rows(name, np.ndim(values[name]), ad, fd, abs_error, rel_error, ok)
    _print_table(["input", "AD", "finite difference", "abs error", "rel error", ""], rows)
    criterion = f"|AD - FD| <= {atol:g} + {rtol:g} * |FD|"
    value_ok = _close(_scalar(value), original, rtol, atol)
    if failed:
        print(f"MISMATCH: {failed} of {count} partial derivatives differ from central "
              f"differences ({criterion} fails)")
    if not value_ok:
        print(f"MISMATCH: the derivative code computes the value {_scalar(value)!r}, "
              f"the function itself {original!r}")
    if failed or not value_ok:
        return EXIT_MISMATCH
    print(f"OK: the value and {count} partial derivative{'s' * (count != 1)} agree with "
          f"central differences ({criterion})")
    if options.order == 2:
        return _check_second_order(fn, values, wrt, rtol, atol)
    return EXIT_OK


def _check_second_order(fn, values, wrt, rtol, atol):
    """`tl.check_grads(order=2)` with respect to the --wrt arguments."""
    try:
        _evaluate(fn, lambda: checking.check_grads(fn, _copies(values), order=2, wrt=wrt,
                                                   rtol=rtol, atol=atol))
    except tl.GradientCheckError as mismatch:
        print(f"MISMATCH: {mismatch}")
        return EXIT_MISMATCH
    print("OK: second derivatives (Hessian-vector products) agree with central "
          "differences of the gradient")
    return EXIT_OK


def _scalar_call(fn, values):
    """`call(name, x)`: fn's output as a float, with argument `name` replaced by `x`."""
    def call(name, x):
        args = dict(zip(values, _copies(values)))
        if name is not None:
            args[name] = x
        return _scalar(fn(*args.values()))
    return call


def _scalar(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise CommandError(f"check needs a scalar output, got {_brief(value)}") from None


def _close(a, b, rtol, atol):
    return abs(a - b) <= atol + rtol * abs(b) or a == b          # a == b: infinities


def _central_differences(call, name, x):
    """(f(x + h) - f(x - h)) / 2h for each element of `x`, h = STEP * max(1, |x|)."""
    return checking.central_differences(lambda value: call(name, value), x, STEP)


def _rows(name, ndim, ad, fd, abs_error, rel_error, ok):
    """Table rows for one input.  An array of more than ROWS_PER_ARRAY elements shows its
    first 3 elements and the 5 worst of the rest (largest error, NaN first), `...` for
    the gaps, and a note."""
    flat = [np.ravel(a) for a in (ad, fd, abs_error, rel_error, ok)]
    size = flat[0].size
    if size <= ROWS_PER_ARRAY:
        chosen = range(size)
    else:
        rest = -np.nan_to_num(flat[2][3:], nan=np.inf)
        chosen = [0, 1, 2] + sorted((3 + np.argsort(rest, kind="stable")[:5]).tolist())
    rows, previous = [], -1
    for k in chosen:
        if k != previous + 1:
            rows.append(["  ..."])
        index = ", ".join(map(str, np.unravel_index(k, np.shape(ad))))
        a, f, e, r, good = (v[k] for v in flat)
        rows.append([f"{name}[{index}]" if ndim else name, f"{a:.12g}", f"{f:.12g}",
                     f"{e:.1e}", f"{r:.1e}", "ok" if good else "MISMATCH"])
        previous = k
    if len(chosen) < size:
        if previous != size - 1:
            rows.append(["  ..."])
        rows.append([f"  ({name}: 8 of {size} elements shown: the first 3, then the 5 "
                     f"with the largest errors)"])
    return rows


def _print_table(header, rows):
    """Columns padded to their widest cell; one-cell rows (gaps, notes) printed as they are."""
    table = [header] + [row for row in rows if len(row) > 1]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in [header] + rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
              if len(row) > 1 else row[0])


# -- debug -----------------------------------------------------------------------------


def _debug(options, fn):
    values, wrt = _arguments(fn, options)
    args = _copies(values)
    generated = _generated_function(fn, wrt, args)
    code = generated.__code__
    print(f"{code.co_name}: the derivative of {_name(fn)}, in {code.co_filename}\n"
          f"pdb commands: n(ext), s(tep) into a call, p EXPR, l(ist), c(ontinue), q(uit)")
    with _sigint_handler_kept():
        import pdb         # (the debugger: imported by the one command that runs it)
        result = _evaluate(fn, lambda: pdb.Pdb().runcall(generated, *args))
    if result is None:                       # `q`: runcall swallows BdbQuit
        print("quit before the derivative returned")
        return EXIT_OK
    value, grads = result
    print(f"{code.co_name} returned:")
    _print_results(fn, values, value, wrt, grads if len(wrt) > 1 else (grads,))
    return EXIT_OK


def _generated_function(fn, wrt, args):
    """The compiled `value_and_grad_<f>(*args) -> (value, gradient)`, specialized on the
    kinds of `args`.  The one place the command line reaches into tangentlike's internals."""
    return Gradient(unwrap(fn), wrt, len(wrt) == 1).generated(args)


@contextlib.contextmanager
def _sigint_handler_kept():
    """pdb's `continue` installs its own SIGINT handler; put the caller's back afterwards."""
    main_thread = threading.current_thread() is threading.main_thread()
    saved = signal.getsignal(signal.SIGINT) if main_thread else None
    try:
        yield
    finally:
        if main_thread and saved is not None:
            signal.signal(signal.SIGINT, saved)


# -- cache -----------------------------------------------------------------------------


def _cache(options):
    if options.action == "info":
        info = cache.info()
        print(f"directory: {info['directory']}\n"
              f"entries:   {info['entries']}\n"
              f"size:      {_size(info['bytes'])}")
    else:
        removed = cache.clear()
        print(f"removed {removed} entr{'y' if removed == 1 else 'ies'} from {cache.cache_dir()}")
    return EXIT_OK


def _size(count):
    if count < 1024:
        return f"{count} bytes"
    return f"{count / 1024:.1f} KiB" if count < 1024 ** 2 else f"{count / 1024 ** 2:.1f} MiB"
