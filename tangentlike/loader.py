"""Loader: a derivative request -> live generated functions, from memory, disk or
the pipeline.

Receives (function, wrt, argument kinds, form, optimize).  Guarantees that each
request runs the pipeline at most once per process and per cache key: the key
names the function's source and its written-out callees' sources, the kinds, the
rules' fingerprint, tangentlike's version and the stamps of its files
(`code_stamp`), and the identity of the callables and modules it reads
(environment.identity).  The generated module is
executed with the function's globals as they are, and its `Reach` refreshes them
before each use.  A recursive request made while its own module loads gets the
functions being defined.  The memo is `CACHE.generated` (cache.py); generated
code's own requests (`split_pair`, `jvp_pair`) are kept in `CACHE.calls` while what
they were made from stays the same.
"""

import contextlib
import functools
import gc
import inspect
import linecache
import os
import re

from . import cache, environment, runtime
from .cache import CACHE
from .errors import TangentlikeError
from .markers import COPY, LIFTED, WRAPPED, function_namespace, optional_passes
from .rules import registry
from .version import __version__


_LOADING = []          # the keys of the generated modules being executed, innermost last


class _Loading:
    """A generated module being executed (so recursive calls find its functions)."""

    def __init__(self, scope, names):
        self.scope, self.names = scope, names

    def functions(self):
        return tuple(self.scope[name_] for name_ in self.names)


def load_cached(fn, wrt, kinds, forms, optimize=True, has_aux=False):
    """The generated functions of the first of `forms` that memory or the disk cache's
    index holds (`_quick_key`), or None: found without reading `fn`'s source."""
    bases = {}                  # the part of the quick key the forms share, made once
    for form in forms:
        found = load(fn, wrt, kinds, form, optimize, has_aux, cached_only=True, bases=bases)
        if found is not None:
            return found
    return None


def load(fn, wrt, kinds, form, optimize=True, has_aux=False, cached_only=False, bases=None):
    """The generated functions for (fn, wrt, kinds): from memory, disk, or the pipeline.
    `has_aux`: fn returns `(value, aux)`, aux without a derivative (normalize/aux.py).
    `cached_only`: None where neither memory nor the index has them, instead of
    analyzing `fn` or running the pipeline; `bases`: `_quick_key`'s memo (see
    `load_cached`)."""
    optimize = tuple(sorted(optional_passes(optimize)))
    key = (form, fn, tuple(wrt), tuple(kinds.items()), registry.version(), optimize,
           environment.identity(fn), has_aux)
    hit = CACHE.generated.get(key)
    if hit is not None:
        if isinstance(hit, _Loading):            # a recursive call, while it loads
            return hit.functions()
        functions = hit if isinstance(hit, tuple) else (hit,)
        reach = environment.reach(functions[0].__globals__)
        if not reach.changed():
            reach.refresh()
            return functions
        del CACHE.generated[key]          # a callable deeper than the key looks was rebound: load again
    quick = _quick_key(key, {} if bases is None else bases)
    disk_key = cache.read_index(quick) if quick is not None else None
    text = cache.read_entry(disk_key) if disk_key is not None else None
    written_out, lifted, names, path = [], {}, None, None
    if text is None:
        if cached_only:
            return None
        with _collector_paused():
            written_out, lifted = _written_out_callees(fn, form == "joint-inline"), _lifted(fn)
            disk_key = _disk_key(key, written_out)
            text = cache.read_entry(disk_key)
            if text is None:
                text, names = _transform(fn, wrt, kinds, form, optimize, has_aux)
                path = cache.write_entry(disk_key, text)
        if quick is not None and not written_out and not lifted:
            cache.write_index(quick, disk_key)
    names = names or _generated_names(text)
    path = path or cache.entry_path(disk_key)
    # (code that aliases.fixed rewrote copies values under the name aliases.COPY)
    # globals the code reads are refreshed before each use (environment.Watch)
    loading = _Loading({**function_namespace(fn), **lifted, COPY: runtime.copy,
                        **environment.watched(fn, written_out)}, names)
    CACHE.generated[key] = loading
    _LOADING.append(key)
    try:
        cache.load_module(path, text, loading.scope)
    except BaseException:
        del CACHE.generated[key]
        raise
    finally:
        _LOADING.pop()
    functions = loading.functions()
    CACHE.generated[key] = functions if len(functions) > 1 else functions[0]
    environment.reach(loading.scope).refresh()
    return functions


@contextlib.contextmanager
def _collector_paused():
    """The cyclic garbage collector paused while a derivative is made: the pipeline
    makes hundreds of thousands of short-lived nodes and no cycles worth collecting
    at once, and the collector's passes over them cost a fifth of the time of a
    1,000-statement function."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _disk_key(key, written_out):
    """The key of the generated code on disk: what the derivative is made from, read
    from the sources of `fn` and of the callees written out in it."""
    form, fn, wrt, kinds, _, optimize, identity, has_aux = key
    source_text = _source_text(fn) + "".join(_source_text(callee) for callee in written_out)
    return cache.make_key(form, __version__, getattr(fn, "__module__", "") or "",
                          fn.__qualname__, source_text, wrt, kinds, registry.fingerprint(),
                          code_stamp(), optimize, identity,
                          *(("has_aux",) if has_aux else ()))


def _quick_key(key, bases):
    """A key for the index from which a new process finds the disk key of `fn`'s
    derivative without reading its source with inspect or analyzing it (None for a
    function not defined in a file, or one tangentlike made; `bases` keeps the part the
    forms share, `_quick_base`).  It names at least what the disk key names, for a
    function whose derivative writes out no callee and lifts no nested function (the
    only ones the index holds, `load`): the whole text of the function's file and its
    line in place of its source; `environment.attributes` for the callees the analysis
    could find through modules and objects."""
    form, fn, wrt, kinds, _, optimize, identity, has_aux = key
    if "base" not in bases:
        bases["base"] = _quick_base(fn, identity)
    if bases["base"] is None:
        return None
    return cache.make_key("quick", form, wrt, kinds, optimize, has_aux, bases["base"])


def _quick_base(fn, identity):
    """The part of `_quick_key` that does not depend on the form asked for."""
    code = getattr(fn, "__code__", None)
    if code is None or hasattr(fn, LIFTED):
        return None
    file_text = "".join(linecache.getlines(code.co_filename))
    if not file_text:
        return None
    return cache.make_key(__version__, getattr(fn, "__module__", "") or "", fn.__qualname__,
                          code.co_filename, code.co_firstlineno, cache.digest(file_text),
                          registry.fingerprint(), code_stamp(), identity,
                          environment.attributes(fn))


@functools.lru_cache(maxsize=1)
def code_stamp():
    """The path, size and modification time of each of tangentlike's source files, as a
    digest: a changed transformer (or rule table) has a new stamp, so no key made
    before names its code.  (Hashing the files' text costs more than 10 ms, in every
    process that transforms.)"""
    stamps = []

    def visit(directory, prefix):
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir():
                    if entry.name != "__pycache__":
                        visit(entry.path, f"{prefix}{entry.name}/")
                elif entry.name.endswith(".py"):
                    status = entry.stat()
                    stamps.append(f"{prefix}{entry.name} {status.st_size} {status.st_mtime_ns}")

    visit(os.path.dirname(__file__), "")
    return cache.digest("\n".join(sorted(stamps)))


def signature(fn):
    """inspect.signature(fn), remembered (it costs microseconds on every call)."""
    try:
        return CACHE.signatures[fn]
    except (KeyError, TypeError):
        pass
    try:
        found = inspect.signature(fn)
    except (TypeError, ValueError):
        raise TangentlikeError(f"{fn!r} is not a function tangentlike can differentiate") from None
    try:
        CACHE.signatures[fn] = found
    except TypeError:                  # not weakly referenceable: not remembered
        pass
    return found


def split_pair(fn, wrt, kinds, optimize=True):
    """(forward, backward) sweeps of `fn` for calls from generated code (of the function
    it wraps, for what `@tl.differentiate` returns)."""
    return _for_call(fn, wrt, kinds, "split", optimize)


def jvp_pair(fn, wrt, kinds, optimize=True):
    """The forward-mode function `jvp_<f>` of `fn` for calls from generated code (see
    `split_pair`)."""
    return _for_call(fn, wrt, kinds, "jvp", optimize)[0]


def _for_call(fn, wrt, kinds, form, optimize):
    """`load` for generated code, which asks again at every call of a method whose
    class is known only at run time (every level of a recursion): the answer is kept
    while the rules, and the callables and modules the derivative reads, stay as they
    were (`CACHE.calls`, checked as `dispatch.Gradient` checks its own)."""
    fn = getattr(fn, WRAPPED, fn)
    key = (form, fn, getattr(fn, "__code__", None), tuple(wrt), tuple(kinds),
           optional_passes(optimize))
    kept = CACHE.calls.get(key)
    if kept is not None and kept[1] == registry.version() and not kept[2].changed():
        kept[2].refresh()
        return kept[0]
    params = list(signature(fn).parameters)
    functions = load(fn, tuple(wrt), dict(zip(params, kinds)), form, optimize)
    if not _LOADING:           # (a module still loading has not bound all it reads)
        CACHE.calls[key] = (functions, registry.version(),
                            environment.reach(functions[0].__globals__))
    return functions


def _transform(fn, wrt, kinds, form, optimize=True, has_aux=False):
    from .pipeline import Request, derive      # the transformer: imported on a miss
    CACHE.transforms += 1
    try:
        derivative = derive(Request.of(fn, wrt, kinds, form, optimize, has_aux))
        return derivative.text, derivative.names
    except TangentlikeError:
        raise
    except RecursionError:
        raise TangentlikeError(f"{fn.__name__} is too deeply nested to differentiate") from None


def _source_text(fn):
    from .parse import parse_function, source_text
    try:
        return source_text(fn)        # (inspect.getsource, from the block parse found)
    except (OSError, TypeError):
        return parse_function(fn).source      # raises SourceUnavailableError


def _written_out_callees(fn, every_call=False):
    from .normalize import written_out_callees
    from .parse import parse_function
    try:
        return written_out_callees(parse_function(fn, shared=True), every_call)
    except (TangentlikeError, RecursionError):     # reported by the transform itself
        return []


def _lifted(fn):
    """The lambda-lifted nested functions the derivative of `fn` calls the gradients of,
    by name (normalize/lift.py)."""
    from .normalize import lifted_functions
    from .parse import parse_function
    try:
        return lifted_functions(parse_function(fn, shared=True))
    except (TangentlikeError, RecursionError):     # reported by the transform itself
        return {}


_DEFINITION = re.compile(r"^def (\w+)\(", re.MULTILINE)


def _generated_names(text):
    """The names of the functions a cache entry's text defines (before its trailer, the
    first line that starts with "# ")."""
    trailer = 0 if text.startswith("# ") else text.find("\n# ")
    names = _DEFINITION.findall(text if trailer < 0 else text[:trailer])
    if not names:
        raise TangentlikeError("corrupt cache entry")
    return tuple(names)
