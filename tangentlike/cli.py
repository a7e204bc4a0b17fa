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
import contextlib
import inspect
import json
import os
import signal
import sys
import threading
import time

import numpy as np

import tangentlike as tl

from . import cache, checking
from .cli_inputs import CommandError, arguments, copies as _copies, describe as _describe
from .cli_inputs import name_of as _name, with_function
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
PROGRESS_AFTER, PROGRESS_EVERY = 0.5, 0.1     # seconds: `check`'s progress line on a TTY


class _BadCommandLine(Exception):
    """argparse's error (its usage line already printed), reported by main."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        raise _BadCommandLine(f"{self.prog}: error: {message}")


def main(argv=None):
    """Run the `tangentlike` command line `argv` (default `sys.argv[1:]`); return the exit status.

    >>> main(["--version"])  # doctest: +ELLIPSIS
    tangentlike ...
    0
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        options = _parser().parse_args(argv)
    except SystemExit as exit_:                # --help, --version
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    except _BadCommandLine as error:
        print(error, file=sys.stderr)
        if "--json" in argv:
            _print_json({"error": str(error).partition(": error: ")[2], "status": EXIT_USAGE})
        return EXIT_USAGE
    try:
        return options.run(options)
    except (CommandError, tl.TangentlikeError) as error:
        print(f"tangentlike: error: {error}", file=sys.stderr)
        if getattr(options, "json", False):
            _print_json({"error": str(error), "status": EXIT_USAGE})
        return EXIT_USAGE
    except BrokenPipeError:                    # `tangentlike show ... | head`: the reader left
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


# -- the command line -------------------------------------------------------------------


def _parser():
    parser = _Parser(
        prog="tangentlike",
        description="Show, evaluate, check and debug the derivative tangentlike generates "
                    "for a Python function.  Exit status: 0 ok, 1 check mismatch, 2 error.")
    parser.add_argument("--version", action="version", version=f"tangentlike {tl.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def function_command(name, summary, run, extra="", json_output=True):
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
                         help="parameters to differentiate with respect to (default: the "
                              "float parameters: not ints used as counts or indices, bools, "
                              "strings; an int given for one is passed as a float)")
        if json_output:
            sub.add_argument("--json", action="store_true",
                             help="print one JSON object on stdout (errors too: "
                                  "{\"error\": ...}); schema in docs/cli.md")
        sub.set_defaults(run=lambda options: with_function(options, run))
        return sub

    show = function_command("show", "print the generated derivative source", _show,
                            "[--mode {reverse,forward}] [--no-optimize] [--include-callees] "
                            "[--json]")
    show.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                      help="reverse mode (the gradient; default) or forward mode")
    show.add_argument("--no-optimize", action="store_true",
                      help="show the code before the optimize stage")
    show.add_argument("--include-callees", action="store_true",
                      help="also show the derivatives of the user functions it calls")
    function_command("grad", "print the value and the gradient", _grad, "[--json]")
    check = function_command("check", "compare the gradient with central finite differences",
                             _check, "[--rtol RTOL] [--atol ATOL] [--order {1,2}] [--step H] "
                                     "[--sample N [--seed S]] [--json]")
    check.add_argument("--rtol", type=float, default=RTOL,
                       help=f"relative tolerance (default {RTOL:g})")
    check.add_argument("--atol", type=float, default=ATOL,
                       help=f"absolute tolerance (default {ATOL:g})")
    check.add_argument("--order", type=int, choices=(1, 2), default=1,
                       help="2: also check second derivatives (Hessian-vector products, "
                            "with tl.check_grads)")
    check.add_argument("--step", type=float, default=STEP, metavar="H",
                       help=f"finite-difference step, relative: h = H * max(1, |x|) "
                            f"(default {STEP:.3g}, the cube root of float64 epsilon)")
    check.add_argument("--sample", type=int, metavar="N",
                       help="check N elements chosen at random of each array with more "
                            "than N (default: every element)")
    check.add_argument("--seed", type=int, default=0, metavar="S",
                       help="seed of --sample's random choice (default 0)")
    function_command("debug", "step through the generated derivative under pdb", _debug,
                     json_output=False)
    cache_command = commands.add_parser(
        "cache", help="show or clear the cache of generated code",
        description="info: where the cache is and what it holds; clear: delete its entries")
    cache_command.add_argument("action", choices=("info", "clear"))
    cache_command.set_defaults(run=_cache)
    return parser


def _evaluate(fn, thunk):
    """`thunk()`; an exception from the user's code (or generated code) becomes a usage error."""
    try:
        return thunk()
    except (CommandError, tl.TangentlikeError):
        raise
    except Exception as error:  # noqa: BLE001 - reported in one line, with its location
        raise CommandError(f"evaluating {_name(fn)} raised {_describe(error)}") from None



def _arguments(fn, options, lenient=False):
    """cli_inputs.arguments from --at and --wrt; its notes go to stderr."""
    values, wrt, notes = arguments(fn, options.at, options.wrt, lenient)
    for note in notes:
        print(f"tangentlike: note: {note}", file=sys.stderr)
    return values, wrt


# -- --json ----------------------------------------------------------------------------


def _print_json(record):
    print(json.dumps(_jsonable(record), allow_nan=False))


def _jsonable(value):
    """Arrays as nested lists, NumPy numbers as Python's; NaN and infinities, which JSON
    cannot spell, as the strings "nan", "inf", "-inf" (float() reads them back)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.ndarray, np.generic)):
        return _jsonable(value.tolist())
    if isinstance(value, float) and not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _function_name(options, fn):
    return options.target.rpartition(":")[2] if options.target else _name(fn)


# -- show ------------------------------------------------------------------------------


def _show(options, fn):
    values, wrt = _arguments(fn, options, lenient=True)
    text = tl.source(fn, mode=options.mode, wrt=wrt, args=tuple(values.values()),
                      **_source_options(options))
    if options.json:
        _print_json({"function": _function_name(options, fn), "wrt": wrt,
                     "mode": options.mode, "source": text})
    else:
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
    if _terminal(sys.stdout) and not os.environ.get("NO_COLOR"):
        try:
            from pygments import highlight
            from pygments.formatters import TerminalFormatter
            from pygments.lexers import PythonLexer
        except ImportError:
            pass
        else:
            text = highlight(text, PythonLexer(), TerminalFormatter())
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# -- grad ------------------------------------------------------------------------------


def _grad(options, fn):
    values, wrt = _arguments(fn, options)
    value, grads = _evaluate(fn, lambda: tl.value_and_grad(fn, wrt=wrt)(*_copies(values)))
    if options.json:
        _print_json({"function": _function_name(options, fn), "wrt": wrt,
                     "value": _scalar(value), "gradient": dict(zip(wrt, grads))})
    else:
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
    step, sample, rtol, atol = options.step, options.sample, options.rtol, options.atol
    if not (np.isfinite(step) and step > 0):
        raise CommandError(f"--step {step!r}: the step must be a positive number, e.g. 1e-6")
    if sample is not None and sample < 1:
        raise CommandError(f"--sample {sample}: expected a positive number of elements")
    values, wrt = _arguments(fn, options)
    value, grads = _evaluate(fn, lambda: tl.value_and_grad(fn, wrt=wrt)(*_copies(values)))
    call = _scalar_call(fn, values)
    original = _evaluate(fn, lambda: call(None, None))
    rng = np.random.default_rng(options.seed)
    chosen = {name: _elements(np.size(values[name]), sample, rng) for name in wrt}
    rows, records, count, failed = [], [], 0, 0
    with _Progress(sum(map(len, chosen.values()))) as tick:
        for name, gradient in zip(wrt, grads):
            x, elements = values[name], chosen[name]
            ad = np.ravel(np.asarray(gradient, dtype=np.float64))[elements]
            fd = _evaluate(fn, lambda: _central_differences(call, name, x, step, elements,
                                                            tick))
            abs_error, rel_error, ok = checking.agreement(ad, fd, rtol, atol)
            count += ok.size
            failed += int(ok.size - np.count_nonzero(ok))
            columns = (ad, fd, abs_error, rel_error, ok)
            rows += _rows(name, np.shape(x), elements, columns, options)
            records += [{"input": name, "index": _index(x, k) or None, "ad": a, "fd": f,
                         "abs_error": e, "rel_error": r, "ok": bool(good)}
                        for k, a, f, e, r, good in zip(elements, *columns)]
    value_ok = _close(_scalar(value), original, rtol, atol)
    status = EXIT_MISMATCH if failed or not value_ok else EXIT_OK
    if options.json:
        second = None
        if status == EXIT_OK and options.order == 2:
            message = _check_second_order(fn, values, wrt, options)
            second = {"ok": message is None, "message": message}
            status = EXIT_OK if message is None else EXIT_MISMATCH
        _print_json({"function": _function_name(options, fn), "wrt": wrt, "value": value,
                     "function_value": original, "value_ok": value_ok, "rtol": rtol,
                     "atol": atol, "step": step, "sample": sample, "seed": options.seed,
                     "elements": {n: {"size": np.size(values[n]), "checked": len(chosen[n])}
                                  for n in wrt},
                     "checked": count, "failed": failed, "rows": records,
                     "second_order": second, "ok": status == EXIT_OK})
        return status
    print(f"{_call_text(fn, values)} = {_format(value)}")
    _print_table(["input", "AD", "finite difference", "abs error", "rel error", ""], rows)
    criterion = f"|AD - FD| <= {atol:g} + {rtol:g} * |FD|"
    if failed:
        print(f"MISMATCH: {failed} of {count} partial derivatives differ from central "
              f"differences ({criterion} fails)")
    if not value_ok:
        print(f"MISMATCH: the derivative code computes the value {_scalar(value)!r}, "
              f"the function itself {original!r}")
    if status != EXIT_OK:
        return status
    print(f"OK: the value and {count} partial derivative{'s' * (count != 1)} agree with "
          f"central differences ({criterion})")
    if options.order == 2:
        message = _check_second_order(fn, values, wrt, options)
        print(f"MISMATCH: {message}" if message else
              "OK: second derivatives (Hessian-vector products) agree with central "
              "differences of the gradient")
        return EXIT_OK if message is None else EXIT_MISMATCH
    return EXIT_OK


def _check_second_order(fn, values, wrt, options):
    """`tl.check_grads(order=2)` with respect to the --wrt arguments: None, or its message."""
    try:
        _evaluate(fn, lambda: checking.check_grads(
            fn, _copies(values), order=2, wrt=wrt, rtol=options.rtol, atol=options.atol,
            eps=options.step))
    except tl.GradientCheckError as mismatch:
        return str(mismatch)
    return None


def _elements(size, sample, rng):
    """The flat positions `check` compares: all, or `sample` of them at random, in order."""
    if sample is None or size <= sample:
        return np.arange(size)
    return np.sort(rng.choice(size, sample, replace=False))


def _index(x, flat):
    """The index of flat position `flat` of `x`, as a list (empty for a number)."""
    return [int(i) for i in np.unravel_index(flat, np.shape(x))]


class _Progress:
    """`with _Progress(total) as tick`: `tick()` after each finite difference; a line on
    stderr counts them, only when stderr is a terminal and the check has run for
    PROGRESS_AFTER seconds, and is erased at the end."""

    def __init__(self, total):
        self.total, self.done, self.written = total, 0, False
        self.on = _terminal(sys.stderr)
        self.start = self.shown = time.monotonic()

    def __enter__(self):
        return self.tick

    def tick(self):
        self.done += 1
        now = time.monotonic()
        if self.on and now - self.start >= PROGRESS_AFTER and (
                not self.written or now - self.shown >= PROGRESS_EVERY
                or self.done == self.total):
            sys.stderr.write(f"\rchecking: {self.done} of {self.total} finite differences")
            sys.stderr.flush()
            self.written, self.shown = True, now

    def __exit__(self, *exception):
        if self.written:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


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


def _central_differences(call, name, x, step, elements, tick):
    """(f(x + h) - f(x - h)) / 2h at the flat positions `elements` of `x` (a number is
    one element), h = step * max(1, |x|): checking.central_differences, element by element."""
    if not isinstance(x, np.ndarray):
        fd = checking.central_differences(lambda value: call(name, value), x, step)
        tick()
        return np.array([fd])
    out = np.empty(len(elements), dtype=np.float64)
    for k, flat in enumerate(elements):
        index = np.unravel_index(flat, x.shape)
        up, down = x.copy(), x.copy()
        h = step * max(1.0, abs(float(x[index])))
        up[index] += h
        down[index] -= h
        out[k] = (call(name, up) - call(name, down)) / float(up[index] - down[index])
        tick()
    return out


def _rows(name, shape, elements, columns, options):
    """Table rows for one input.  More than ROWS_PER_ARRAY checked elements show the
    first 3 and the 5 worst of the rest (largest error, NaN first), `...` for the gaps,
    and a note; a note says when --sample checked some of the elements only."""
    checked, size = len(elements), int(np.prod(shape))
    if checked <= ROWS_PER_ARRAY:
        chosen = range(checked)
    else:
        rest = -np.nan_to_num(columns[2][3:], nan=np.inf)
        chosen = [0, 1, 2] + sorted((3 + np.argsort(rest, kind="stable")[:5]).tolist())
    rows, previous = [], -1
    for k in chosen:
        if k != previous + 1:
            rows.append(["  ..."])
        index = ", ".join(map(str, np.unravel_index(elements[k], shape)))
        a, f, e, r, good = (v[k] for v in columns)
        rows.append([f"{name}[{index}]" if shape else name, f"{a:.12g}", f"{f:.12g}",
                     f"{e:.1e}", f"{r:.1e}", "ok" if good else "MISMATCH"])
        previous = k
    if len(chosen) < checked:
        if previous != checked - 1:
            rows.append(["  ..."])
        rows.append([f"  ({name}: 8 of {checked} elements shown: the first 3, then the 5 "
                     f"with the largest errors)"])
    if checked < size:
        rows.append([f"  ({name}: {checked} of {size} elements checked, chosen at random: "
                     f"--sample {options.sample} --seed {options.seed})"])
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
