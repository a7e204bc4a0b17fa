"""Where a generated derivative runs: `backend="python"`, `"numba"` or `"auto"`.

Receives a generated function (the text tangentlike wrote and loaded) and the user's
function it derives from.  Guarantees:
- "python" returns the generated function itself.
- "numba" returns a function that runs the same text compiled by Numba's nopython mode
  (`numba.njit`), with the Python functions it calls (generated sweeps and the user's
  functions) compiled the same way: copies whose globals name each other's compiled
  copies, the callees inlined where they do not recurse (so a tape filled by a callee
  has a type where it is made); the originals are untouched.  Code for Numba is made
  without the passes whose output only CPython runs (`markers.PYTHON_ONLY`), so
  `tl.source(..., backend="numba")` is exactly what is compiled.  Compilation happens
  on the first call for each combination of argument types, as Numba's does; where
  Numba cannot compile the code, `NumbaCompileError` names the user's line and the
  reason.  Numba freezes globals when it compiles: one that is rebound makes the code
  compile again; one whose contents can change in place (an array) is refused.
- "auto" is "numba" that falls back, with a `NumbaFallbackWarning` naming the same line
  and reason, to the Python function (for every later call of that derivative).
- Numba's disk cache is used only where every function compiled is generated code (a
  file of tangentlike's cache, named by the hash of everything it depends on) and no
  global is frozen, so a second process does not compile again and no cached machine
  code outlives a change to what it was compiled from.
Numba is imported on the first use of the backend, never at `import tangentlike`.
"""

import dis
import functools
import inspect
import linecache
import os
import re
import sys
import types
import warnings
import weakref

from . import cache
from .markers import FOR_NUMBA
from .errors import (NumbaCompileError, NumbaFallbackWarning, NumbaUnavailableError,
                     TangentlikeError)

BACKENDS = ("python", "numba", "auto")
EXTRA = "pip install 'tangentlike[numba]'"


def passes_for(backend, passes):
    """The optional passes (a frozenset of names) that make code for `backend`: for Numba,
    none of those whose code is for CPython only (markers.PYTHON_ONLY)."""
    return passes if backend == "python" else passes & FOR_NUMBA


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
    from .numba_runtime import teach
    teach(numba)
    return numba


def _compiled_caller(generated, fn, fallback):
    """A function that calls Numba's compilation of `generated`, compiled again where a
    global it froze was rebound; on a compile error it raises NumbaCompileError, or, with
    `fallback`, warns and runs `generated` from then on."""
    compile_errors = (_numba().core.errors.NumbaError, NumbaCompileError)
    state = {}

    def run(*args, **kwargs):
        for value in (*args, *kwargs.values()):
            if value.__class__ is list or value.__class__ is dict:
                raise _container_argument(fn, value)
        compilation = state.get("compilation")
        if compilation is None or compilation.stale():
            compilation = state["compilation"] = Compilation(generated, fn)
        return compilation.dispatcher(*args, **kwargs)

    @functools.wraps(generated)
    def compiled(*args, **kwargs):
        if "python" in state:
            return generated(*args, **kwargs)
        try:
            return run(*args, **kwargs)
        except Exception as exc:
            if not (isinstance(exc, compile_errors) or _raised_compiling(exc)):
                raise                     # raised by the compiled code: the user's to see
            error = exc if isinstance(exc, NumbaCompileError) else \
                located_error(exc, generated, fn)
            if not fallback:
                raise error from None
            warnings.warn(f"{error} (running it in Python instead)", NumbaFallbackWarning,
                          stacklevel=3)
            state["python"] = True
            return generated(*args, **kwargs)
    compiled.compilation = lambda: state.get("compilation")
    return compiled


def _raised_compiling(exc):
    """Whether `exc` came out of Numba compiling (its dispatcher's `_compile_for_args`),
    as some of Numba's own overloads raise an AttributeError or a TypeError there, not
    a NumbaError; an exception the compiled code raises does not pass through it."""
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name == "_compile_for_args" and f"{os.sep}numba{os.sep}" in code.co_filename:
            return True
        tb = tb.tb_next
    return False


def _container_argument(fn, value):
    """NumbaCompileError for a list or dict argument, which Numba's nopython mode takes
    only as "reflected" lists (deprecated, copied back after every call) or not at all."""
    code = fn.__code__
    return NumbaCompileError(
        f"{code.co_filename}:{code.co_firstlineno}: backend='numba' cannot compile the "
        f"derivative of {fn.__name__} for a {type(value).__name__} argument: Numba "
        f"compiles numbers, tuples and NumPy arrays\nhint: pass a tuple or a NumPy array, "
        f"or use backend='auto' to run in Python where Numba cannot compile")


# modules whose attributes are fixed: Numba may freeze what generated code reads of them
_FIXED_MODULES = ("numpy", "math", "cmath", "operator", "tangentlike", "numba")


class Compilation:
    """Numba's dispatchers for a generated function and the Python functions it calls
    (copies whose globals name each other's dispatchers, cycles included), and the
    globals Numba freezes at compile time where Python reads them live.

    `guards`: (how to read it now, value) of every number, string, tuple of them or
    dispatcher a compiled function reads from its globals or an enclosing function;
    `stale()` is true once one was rebound (then compile again).  A global Numba would freeze whose contents can change (an array, a
    list, an object, a module other than NumPy's and math's) is refused with
    NumbaCompileError: Python would see its changes, the compiled code would not.
    Numba's disk cache is on only where every function compiled is generated code and
    nothing is frozen: its key knows neither a global's value nor a user's function."""

    def __init__(self, generated, fn):
        self.fn = fn                  # the user's function `generated` derives from
        self.made, self.guards = {}, []
        self.dispatcher = self._jitted(generated)
        if not self.guards and all(map(_generated_file, self.made)):
            for dispatcher in self.made.values():
                dispatcher.enable_caching()

    def stale(self):
        return any(read() is not value for read, value in self.guards)

    def _jitted(self, function):
        found = self.made.get(function)
        if found is not None:
            return found
        module = _module_for(function)
        copy = types.FunctionType(function.__code__, module.__dict__, function.__name__,
                                  function.__defaults__, function.__closure__)
        copy.__kwdefaults__ = function.__kwdefaults__
        copy.__qualname__ = function.__qualname__
        inline = "never" if not self.made or _recursive(function) else "always"
        self.made[function] = dispatcher = _numba().njit(copy, inline=inline)
        for name in _globals_read(function.__code__):
            if name in module.__dict__:
                module.__dict__[name] = self._global(function, name, module.__dict__[name])
        for name, cell in zip(function.__code__.co_freevars, function.__closure__ or ()):
            self._enclosed(function, name, cell)
        return dispatcher

    def _enclosed(self, function, name, cell):
        """A value `function` reads from an enclosing function (Numba freezes it too):
        guarded where only a rebinding can change it, else refused."""
        try:
            value = cell.cell_contents
        except ValueError:                  # (an empty cell: Numba will say so)
            return
        if _frozen_safely(value):
            self.guards.append((functools.partial(_cell_contents, cell), value))
            return
        raise self._frozen_error(function, name, value, "from an enclosing function")

    def _global(self, function, name, value):
        """What the compiled copy of `function` reads for its global `name`."""
        if isinstance(value, types.FunctionType):
            return self._jitted(value)
        if isinstance(value, types.ModuleType):
            if value.__name__.partition(".")[0] in _FIXED_MODULES:
                return value
        elif isinstance(value, (types.BuiltinFunctionType, type)) or _is_ufunc(value):
            return value
        elif _frozen_safely(value) or isinstance(value, _numba().core.dispatcher.Dispatcher):
            self.guards.append((functools.partial(function.__globals__.get, name, _MISSING),
                                value))
            return value
        raise self._frozen_error(function, name, value, "the global")

    def _frozen_error(self, function, name, value, where):
        user = self.fn if _generated_file(function) else function
        return NumbaCompileError(
            f"{_reading(user, name)}: backend='numba' cannot compile the derivative of "
            f"{self.fn.__name__}: it reads {where} {name} (a {type(value).__module__}."
            f"{type(value).__qualname__}), which Numba freezes when it compiles, while "
            f"Python reads what it holds at each call\nhint: pass it as an argument, or use "
            f"backend='auto' to run in Python where Numba cannot compile")


def _reading(function, name):
    """`file:line` of the first line of `function` that mentions `name`."""
    code = function.__code__
    try:
        lines, first = inspect.getsourcelines(function)
    except (OSError, TypeError):
        return f"{code.co_filename}:{code.co_firstlineno}"
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    line = next((first + k for k, text in enumerate(lines[1:], 1) if pattern.search(text)),
                first)
    return f"{code.co_filename}:{line}"


_MISSING = object()


def _cell_contents(cell):
    try:
        return cell.cell_contents
    except ValueError:
        return _MISSING


def _frozen_safely(value):
    """A value Numba may freeze as a constant: immutable, so only a rebinding changes it."""
    if isinstance(value, tuple):
        return all(map(_frozen_safely, value))
    return value is None or isinstance(value, (bool, int, float, complex, str))


def _is_ufunc(value):
    import numpy
    return isinstance(value, numpy.ufunc)


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


def _recursive(function):
    """True when `function` calls itself, through the Python functions its globals name."""
    seen, todo = set(), [function]
    while todo:
        current = todo.pop()
        for name in _globals_read(current.__code__):
            callee = current.__globals__.get(name)
            if callee is function:
                return True
            if isinstance(callee, types.FunctionType) and callee not in seen:
                seen.add(callee)
                todo.append(callee)
    return False


def _globals_read(code):
    """The global names `code` and the code nested in it load."""
    names = {i.argval for i in dis.get_instructions(code)
             if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _globals_read(const)
    return names


def _generated_file(function):
    """True for a function of a file of tangentlike's cache (named by its key's hash)."""
    return os.path.dirname(function.__code__.co_filename) == str(cache.cache_dir())


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
        origin = _origin(lines, number) or _same_statement(fn, lines[number - 1]
                                                           if 0 < number <= len(lines) else "")
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


_NO_HELPER = re.compile(r"Unknown attribute '(\w+)' of type Module\(<module '(tangentlike[\w.]*)'")


def _reason(text):
    """Numba's reason, in a line: its first line that is not a pipeline stage, with the
    signature that had no implementation where it names one."""
    helper = _NO_HELPER.search(text)
    if helper is not None:
        return (f"{helper.group(2)}.{helper.group(1)} has no Numba implementation (the "
                f"backend compiles numbers, ranges and arrays: adjoints of lists, tuples "
                f"and dicts run in Python)")
    lines = [line.strip() for line in text.splitlines()]
    for k, line in enumerate(lines):
        if not line or line.startswith("Failed in nopython mode pipeline"):
            continue
        if line.startswith("No implementation of function"):
            signature = next((s[4:] for s in lines[k + 1:] if s.startswith(">>> ")), "")
            return f"no Numba implementation of {signature or line}"
        return line
    return type(text).__name__


def _same_statement(fn, generated_line):
    """The first line of `fn` holding the generated line's statement, or its right-hand
    side (the forward sweep copies the user's statements, a `return` as an assignment),
    or None."""
    text = generated_line.strip()
    value = text.partition(" = ")[2] or text
    if not value:
        return None
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return None
    for k, line in enumerate(lines):
        if line.strip() == text or value in line:
            return first + k
    return None


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
