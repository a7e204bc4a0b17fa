"""Where a generated derivative runs: `backend="python"`, `"numba"` or `"auto"`.

Receives a generated function (the text tangentlike wrote and loaded, unchanged) and
the user's function it derives from.  Guarantees:
- "python" returns the generated function itself.
- "numba" returns a function that runs the same generated code compiled by Numba's
  nopython mode (`numba.njit`), with the generated functions and user functions it
  calls compiled the same way (copies of them whose globals name the compiled
  copies: the originals are untouched).  Compilation happens on the first call for
  each combination of argument types, as Numba does; where Numba cannot compile the
  code it raises `NumbaCompileError` naming the user's line and Numba's reason.
- "auto" is "numba" that falls back, with a `NumbaFallbackWarning` naming the same line
  and reason, to the Python function (for every later call of that derivative).
- Numba's on-disk cache is used only where every function compiled is generated code
  (a file of tangentlike's cache, whose name is the hash of everything it depends on),
  so a second process does not compile again and no cached machine code can outlive a
  change to a function it was compiled from.
Numba is imported on the first use of the backend, never at `import tangentlike`.
"""

import functools
import linecache
import os
import re
import sys
import types
import warnings
import weakref

from . import cache, runtime
from .errors import TangentlikeError

BACKENDS = ("python", "numba", "auto")
EXTRA = "pip install 'tangentlike[numba]'"


class NumbaCompileError(TangentlikeError):
    """backend="numba": Numba cannot compile a generated derivative (nopython mode)."""


class NumbaUnavailableError(TangentlikeError, ImportError):
    """backend="numba" was asked for where the numba package cannot be imported."""


class NumbaFallbackWarning(UserWarning):
    """backend="auto": a derivative runs in Python because Numba cannot compile it."""


def check_backend(backend):
    """The backend's name, checked: a known one, with numba importable for "numba"."""
    if backend not in BACKENDS:
        raise TangentlikeError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, "
                               f"got {backend!r}")
    if backend == "numba":
        _numba()
    return backend


def on_backend(generated, backend, fn):
    """`generated` (a function tangentlike generated from `fn`) to run on `backend`: the
    same function for "python", one caller per generated function otherwise."""
    if backend == "python":
        return generated
    callers = _CALLERS.setdefault(generated, {})
    caller = callers.get(backend)
    if caller is None:
        if _numba(required=backend == "numba") is None:
            warnings.warn("backend='auto': numba cannot be imported, so derivatives run "
                          f"in Python (install the extra: {EXTRA})", NumbaFallbackWarning,
                          stacklevel=4)
            caller = generated
        else:
            caller = _compiled_caller(generated, fn, fallback=backend == "auto")
        callers[backend] = caller
    return caller


_CALLERS = weakref.WeakKeyDictionary()    # generated function -> {backend: its caller}


def _numba(required=True):
    """The numba module, with tangentlike's runtime helpers taught to it; None (or, when
    `required`, NumbaUnavailableError) where it cannot be imported."""
    try:
        import numba
    except ImportError as exc:
        if not required:
            return None
        raise NumbaUnavailableError(
            f"backend='numba' needs the numba package, which cannot be imported here "
            f"({exc}); install the extra: {EXTRA}, or use backend='auto' (Numba where "
            f"it is installed, Python elsewhere)") from None
    _teach_runtime(numba)
    return numba


@functools.cache
def _teach_runtime(numba):
    """Numba implementations of the helpers generated scalar code calls (tangentlike's
    runtime and `reversed`, which Numba lacks), declared once with
    `numba.extending.overload`, so the generated text compiles as it is.  Each gives
    what the helper gives in Python for Numba's numbers, ranges, lists and arrays;
    other types have no implementation (a compile error: "auto" falls back)."""
    from numba.core import types as nt
    from numba.extending import overload
    from .numpy_runtime import basics, elementwise
    import math
    import operator

    import numpy as np

    number, array = (nt.Number, nt.Boolean), nt.Array

    @overload(reversed)
    def reversed_(seq):
        if isinstance(seq, nt.RangeType):
            return lambda seq: range(seq.start + (len(seq) - 1) * seq.step,
                                     seq.start - seq.step, -seq.step)
        if isinstance(seq, nt.List):
            return lambda seq: seq[::-1]

    @overload(operator.getitem)
    def range_slice(r, s):
        if isinstance(r, nt.RangeType) and isinstance(s, nt.SliceType):
            def sliced(r, s):          # Python's own rule for slicing a range
                first, last, step = s.indices(len(r))
                return range(r.start + first * r.step, r.start + last * r.step,
                             r.step * step)
            return sliced

    @overload(runtime.popped)
    def popped(tape, count):
        def last_reversed(tape, count):
            start = len(tape) - int(count)
            tail = tape[start:]
            del tape[start:]
            tail.reverse()
            return tail
        return last_reversed

    for helper in (runtime.sign, basics.sign):
        @overload(helper)
        def sign(x):
            if isinstance(x, number):
                return lambda x: 1 if x > 0 else (-1 if x < 0 else 0)
            if isinstance(x, array):
                return lambda x: np.sign(x)

    @overload(basics.nonzero)
    def nonzero(x):
        if isinstance(x, number):
            return lambda x: x if x != 0 else 1.0
        if isinstance(x, array):
            return lambda x: np.where(x == 0, 1, x).astype(x.dtype)

    @overload(elementwise.log_base)
    def log_base(x):
        if isinstance(x, number):
            return lambda x: math.log(x) if x > 0 else 0.0
        if isinstance(x, array):
            return lambda x: np.log(np.where(x > 0, x, 1).astype(x.dtype))


def _compiled_caller(generated, fn, fallback):
    """A function that calls Numba's compilation of `generated`; on a compile error it
    raises NumbaCompileError, or, with `fallback`, warns and runs `generated` from then
    on."""
    numba = _numba()
    compile_errors = (numba.core.errors.NumbaError,)
    dispatcher = jitted(generated)
    current = [dispatcher]

    @functools.wraps(generated)
    def compiled(*args, **kwargs):
        try:
            return current[0](*args, **kwargs)
        except compile_errors as exc:
            if current[0] is generated:
                raise
            error = located_error(exc, generated, fn)
            if not fallback:
                raise error from None
            warnings.warn(f"{error} (running it in Python instead)", NumbaFallbackWarning,
                          stacklevel=3)
            current[0] = generated
            return generated(*args, **kwargs)
    compiled.dispatcher = dispatcher
    return compiled


_JITTED = weakref.WeakKeyDictionary()     # Python function -> its Numba dispatcher


def jitted(function):
    """Numba's dispatcher for a copy of `function` whose globals name the dispatchers of
    the Python functions it calls (made the same way, cycles included)."""
    made = {}
    dispatcher = _jitted(function, made)
    if all(map(_generated_file, made)):
        for copy in made.values():
            copy.enable_caching()
    _JITTED.update(made)
    return dispatcher


def _jitted(function, made):
    found = _JITTED.get(function) or made.get(function)
    if found is not None:
        return found
    module = _module_for(function)
    copy = types.FunctionType(function.__code__, module.__dict__, function.__name__,
                              function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__qualname__ = function.__qualname__
    made[function] = dispatcher = _numba().njit(copy)
    for name in _global_names(function.__code__):
        value = module.__dict__.get(name)
        if isinstance(value, types.FunctionType):
            module.__dict__[name] = _jitted(value, made)
    return dispatcher


def _module_for(function):
    """A module holding a copy of `function`'s globals, registered in sys.modules under
    a name made from the function's file and name: Numba's cache finds a cached
    function's globals by importing its module, in this process or the next."""
    stem = re.sub(r"\W", "_", os.path.splitext(os.path.basename(
        function.__code__.co_filename))[0])
    name = f"_tangentlike_numba_{stem}_{function.__qualname__.replace('.', '_')}"
    module = types.ModuleType(name)
    module.__dict__.update(function.__globals__)
    module.__name__ = name
    sys.modules[name] = module
    return module


def _global_names(code):
    """The global names `code` and the code nested in it read."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _generated_file(function):
    return function.__code__.co_filename.startswith(str(cache.cache_dir()))


_NUMBA_LOCATION = re.compile(r'File "([^"]+)", line (\d+)')


def located_error(exc, generated, fn):
    """NumbaCompileError for Numba's `exc`: the user's line it comes from (the `# grad
    of:` comment above the generated line Numba names), the generated line, and Numba's
    reason."""
    text = str(exc)
    where = f"{fn.__code__.co_filename}:{fn.__code__.co_firstlineno}"
    shown = ""
    place = _generated_place(text)
    if place is not None:
        filename, number = place
        lines = linecache.getlines(filename)
        if 0 < number <= len(lines):
            shown = f"\n  generated line ({filename}:{number}): {lines[number - 1].strip()}"
        origin = _origin(lines, number)
        if origin is not None:
            where = f"{fn.__code__.co_filename}:{origin}"
    return NumbaCompileError(
        f"{where}: backend='numba' cannot compile the derivative of {fn.__name__}: "
        f"{_reason(text)}{shown}\nhint: use backend='python', or backend='auto' to run "
        f"in Python where Numba cannot compile")


def _generated_place(text):
    """(file, line) of the last place Numba's message names outside Numba's own code."""
    found = None
    for filename, number in _NUMBA_LOCATION.findall(text):
        path = os.path.normpath(os.path.join(os.getcwd(), filename))
        if f"{os.sep}numba{os.sep}" not in path:
            found = path, int(number)
    return found


def _reason(text):
    """Numba's reason, in a line: its first line that is not a pipeline stage, with the
    signature that had no implementation where it names one."""
    lines = [line.strip() for line in text.splitlines()]
    for k, line in enumerate(lines):
        if not line or line.startswith("Failed in nopython mode pipeline"):
            continue
        if line.startswith("No implementation of function"):
            signature = next((s[4:] for s in lines[k + 1:] if s.startswith(">>> ")), "")
            return f"no Numba implementation of {signature or line}"
        return line
    return type(text).__name__


_ORIGIN = re.compile(r"# (?:grad|tangent) of: .*\(line (\d+)\)\s*$")


def _origin(lines, number):
    """The user's line number the generated line `number` comes from, or None."""
    for k in range(number - 1, 0, -1):
        text = lines[k - 1].strip()
        found = _ORIGIN.match(text)
        if found:
            return int(found.group(1))
        if text.startswith("def ") or text == "# backward sweep":
            return None
    return None
