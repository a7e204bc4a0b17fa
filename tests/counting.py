"""What a derivative does while it runs, for tests that assert behaviour, not text.

Three observers, each restoring everything it changed when it is done:

- `helper_calls(*functions)`: the calls generated code makes to the runtime helpers
  (every function of `tangentlike.runtime` and `tangentlike.numpy_runtime`) and to the
  `functions` named as "module.attribute" ("numpy.shape", "math.tanh"), with their
  arguments, when it runs (`_ntl.add_at(...)`, `np.shape(...)`) and when its module
  loads (`_tl.split(...)`).  A call counts only when the frame making it is generated
  code: helpers calling one another, NumPy calling itself and the user's own functions
  are not counted.
- `tape_pushes()`: the values generated code appends to lists (the tape's `_push` is
  a local bound to `list.append`) and the number of `list.pop` calls it makes.
- `ArrayLog.watch(array, name)`: a copy of `array` (a `Watched` ndarray subclass)
  that logs the parts read from it (`x[:-1]`, anywhere), the item assignments made
  into arrays computed from it (`bx[1:] += e` assigns `bx[1:]`, by generated code
  only), and the NumPy ufunc calls on arrays computed from it (anywhere: in generated
  code, helpers and hand-written code alike), as making a new array or writing into
  one in place (`out=`).  Compare counts between runs (a hand-written gradient, the
  same gradient with a pass off), and read them right after the call: using the
  result (a `Watched` array) logs too; `np.asarray(result)` is a plain view.

The first two watch calls through `sys.setprofile` and replace nothing: wrapping the
helpers' module attributes instead would change the code generated while they are
wrapped (passes recognise the helpers they emit), and no attribute reaches a bound
`list.append`.  They nest, and restore the profile function they found.

`peak_memory(call)` is tracemalloc's peak, in bytes, while `call()` runs.

Generated code is recognised by the module name its functions carry: GENERATED, the
`__module__` of every generated function (`tl.grad(f).generated(*args).__module__`).

>>> import numpy as np
>>> log = ArrayLog()
>>> x = log.watch(np.arange(4.0), "x")
>>> y = x[1:] * 2.0
>>> y += 1.0
>>> log.reads["x", "1:"], log.ops["multiply", "new"], log.ops["add", "in place"]
(1, 1, 1)
"""

import collections
import contextlib
import importlib
import inspect
import sys
import tracemalloc

import numpy as np

import tangentlike.numpy_runtime
import tangentlike.runtime
from tangentlike.naming import GENERATED_MODULE

__all__ = ["GENERATED", "is_generated", "helper_calls", "Calls", "tape_pushes", "Pushes",
           "ArrayLog", "Watched", "index_text", "peak_memory"]

GENERATED = GENERATED_MODULE          # (naming.py: the `__name__` of generated modules)

RUNTIME_MODULES = (tangentlike.runtime, tangentlike.numpy_runtime)
tangentlike.numpy_runtime.load_all()        # (its families load on first use: list them all)


def is_generated(frame):
    """Whether `frame` runs generated code (a derivative's function or module body)."""
    return frame is not None and frame.f_globals.get("__name__") == GENERATED


# -- calls of helpers ------------------------------------------------------------------------


@contextlib.contextmanager
def _profiling(handler):
    """Run `handler(frame, event, arg)` on every profiling event inside the `with` block,
    then whatever profile function was there before (so observers nest)."""
    previous = sys.getprofile()

    def profile(frame, event, arg):
        handler(frame, event, arg)
        if previous is not None:
            previous(frame, event, arg)

    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(previous)


class Calls(collections.Counter):
    """Counts by label ("numpy_runtime.add_at", "runtime.split", "numpy.shape") of the
    calls generated code made; `arguments(label)` lists each call's positional
    arguments (none for a function written in C), in call order."""

    def __init__(self):
        super().__init__()
        self.made = []                          # (label, arguments), in call order

    def record(self, label, arguments):
        self[label] += 1
        self.made.append((label, arguments))

    def arguments(self, label):
        return [arguments for name, arguments in self.made if name == label]

    def total(self, *labels):
        return sum(self[label] for label in labels)


def _helpers(module):
    """The functions `module` exports (for a package, those it gathers from its parts)."""
    return {name: value for name, value in vars(module).items()
            if inspect.isfunction(value) and value.__module__ == module.__name__
            and not name.startswith("_")}


def _arguments(frame):
    """The positional arguments of the call `frame` has just begun."""
    code = frame.f_code
    values = [frame.f_locals[name] for name in code.co_varnames[:code.co_argcount]]
    if code.co_flags & inspect.CO_VARARGS:
        values.extend(frame.f_locals[code.co_varnames[code.co_argcount
                                                      + code.co_kwonlyargcount]])
    return tuple(values)


@contextlib.contextmanager
def helper_calls(*functions):
    """Count the calls generated code makes, inside the `with` block, to the runtime
    helpers and to `functions` ("module.attribute" names); yields a `Calls`.

    Calls are seen through `sys.setprofile`, so nothing is replaced: the code generated
    inside the block is the code generated outside it, and the calls its module makes
    when it loads (`_tl.split(...)`) count too."""
    calls = Calls()
    by_code = {}                     # Python functions, by code object
    by_identity = {}                 # functions written in C, by id (kept alive below)
    for module in RUNTIME_MODULES:
        prefix = module.__name__.rsplit(".", 1)[-1]
        for name, function in _helpers(module).items():
            by_code[function.__code__] = f"{prefix}.{name}"
    for dotted in functions:
        module_name, name = dotted.rsplit(".", 1)
        function = getattr(importlib.import_module(module_name), name)
        target = inspect.unwrap(function)       # NumPy's dispatchers wrap a Python function
        if inspect.isfunction(target):
            by_code[target.__code__] = dotted
        else:
            by_identity[id(function)] = (dotted, function)

    def handler(frame, event, arg):
        if event == "call":
            label = by_code.get(frame.f_code)
            if label is not None and is_generated(frame.f_back):
                calls.record(label, _arguments(frame))
        elif event == "c_call":
            hit = by_identity.get(id(arg))
            if hit is not None and hit[1] is arg and is_generated(frame):
                calls.record(hit[0], ())

    with _profiling(handler):
        yield calls


# -- the tape ----------------------------------------------------------------------------------


class Pushes(list):
    """The values generated code appended to lists, in order; `pops`, how many values
    it popped from lists."""

    pops = 0


def _frames_list(frame, values):
    """Whether `values` is a frames list of passes/recursion_loops.py (a recursion made
    loops keeps each level's values there): not the tape."""
    return any(v is values for k, v in frame.f_locals.items() if k.startswith("_frames"))


@contextlib.contextmanager
def tape_pushes():
    """Record what generated code appends to lists (the tape, not the frames list of a
    recursion made loops) inside the `with` block; yields a `Pushes`."""
    pushes = Pushes()

    def handler(frame, event, arg):
        if event in ("c_return", "c_call") and isinstance(getattr(arg, "__self__", None), list) \
                and is_generated(frame) and not _frames_list(frame, arg.__self__):
            if event == "c_return" and arg.__name__ == "append":
                pushes.append(arg.__self__[-1])     # the value just appended
            elif event == "c_call" and arg.__name__ == "pop":
                pushes.pops += 1

    with _profiling(handler):
        yield pushes


# -- arrays ----------------------------------------------------------------------------------


def index_text(index):
    """An index as it is written in code: `1:`, `:-1`, `0, 1:`; an array or a list of
    positions is `[...]`."""
    if isinstance(index, tuple):
        return ", ".join(map(index_text, index))
    if isinstance(index, slice):
        bounds = ["" if b is None else str(b) for b in (index.start, index.stop)]
        text = ":".join(bounds)
        return text if index.step is None else f"{text}:{index.step}"
    if index is Ellipsis:
        return "..."
    if index is None:
        return "np.newaxis"
    if isinstance(index, (int, np.integer)):
        return str(int(index))
    return "[...]"


class ArrayLog:
    """What was done to and with the arrays it watches (see the module docstring).

    reads   Counter of (name, index text): parts read from a watched array itself
    writes  Counter of index text: item assignments by generated code into any array
            computed from a watched one (`bx[1:] += e` counts once, as `1:`)
    ops     Counter of (ufunc name, "new" | "in place"), anywhere; a method other than
            a call is named with it ("add.reduce", "add.at")
    """

    def __init__(self):
        self.reads = collections.Counter()
        self.writes = collections.Counter()
        self.ops = collections.Counter()

    def watch(self, array, name):
        """A copy of `array` that logs here, under `name`."""
        watched = np.array(array, copy=True, subok=False).view(Watched)
        watched._log = self
        watched._name = name
        return watched

    def new(self):
        """How many ufunc calls made a new array."""
        return sum(count for (_, how), count in self.ops.items() if how == "new")

    def in_place(self, ufunc=None):
        """How many ufunc calls wrote into an existing array (those of `ufunc`, if named)."""
        return sum(count for (name, how), count in self.ops.items()
                   if how == "in place" and ufunc in (None, name))


class Watched(np.ndarray):
    """An ndarray that reports to its `ArrayLog` (see `ArrayLog.watch`).  Arrays computed
    from it are `Watched` with the same log; only the watched array itself has a name."""

    def __array_finalize__(self, obj):
        self._log = getattr(obj, "_log", None)

    def __getitem__(self, index):
        name = self.__dict__.get("_name")
        if name is not None and self._log is not None:
            self._log.reads[name, index_text(index)] += 1
        return super().__getitem__(index)

    def __setitem__(self, index, value):
        if self._log is not None and is_generated(sys._getframe(1)):
            self._log.writes[index_text(index)] += 1
        super().__setitem__(index, value)

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        log = next(a._log for a in inputs + (out or ()) if isinstance(a, Watched))
        if log is not None:
            name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
            log.ops[name, "new" if out is None else "in place"] += 1
        plain = tuple(a.view(np.ndarray) if isinstance(a, Watched) else a for a in inputs)
        if out is not None:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, Watched) else o
                                  for o in out)
        results = getattr(ufunc, method)(*plain, **kwargs)
        if method == "at":
            return None
        if out is not None:
            return out[0] if len(out) == 1 else out
        if ufunc.nout == 1:
            return _watched(results, log)
        return tuple(_watched(r, log) for r in results)


def _watched(result, log):
    if not isinstance(result, np.ndarray):
        return result                    # a NumPy scalar stays one, as for plain arrays
    result = result.view(Watched)
    result._log = log
    return result


# -- memory ----------------------------------------------------------------------------------


def peak_memory(call):
    """The peak of memory traced (bytes, above what was allocated before) while `call()`
    runs."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        call()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
