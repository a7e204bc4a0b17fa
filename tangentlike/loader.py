"""Loader: a derivative request -> live generated functions, from memory, disk or
the pipeline.

Receives (function, wrt, argument kinds, form, optimize).  Guarantees that each
request runs the pipeline at most once per process and per cache key: the key
names the function's source and its written-out callees' sources, the kinds, the
rules' fingerprint, tangentlike's own code and version, and the identity of the
callables and modules it reads (environment.identity).  The generated module is
executed with the function's globals as they are, and its `Reach` refreshes them
before each use.  A recursive request made while its own module loads gets the
functions being defined.  The memo is `CACHE.generated` (cache.py); generated
code's own requests (`split_pair`, `jvp_pair`) are kept in `CACHE.calls` while what
they were made from stays the same.
"""

import functools
import inspect
import pathlib

from . import cache, environment, runtime
from .aliases import COPY
from .cache import CACHE
from .errors import TangentlikeError
from .normalize import lifted_functions, written_out_callees
from .parse import WRAPPED, function_namespace, parse_function
from .pipeline import Request, derive, optional_passes
from .rules import registry
from .version import __version__


@functools.lru_cache(maxsize=1)
def code_fingerprint():
    """A hash of tangentlike's own source, so a changed transformer never reuses old code."""
    package = pathlib.Path(__file__).parent
    return cache.make_key(*(p.read_text(encoding="utf-8") for p in sorted(package.rglob("*.py"))))


_LOADING = []          # the keys of the generated modules being executed, innermost last


class _Loading:
    """A generated module being executed (so recursive calls find its functions)."""

    def __init__(self, scope, names):
        self.scope, self.names = scope, names

    def functions(self):
        return tuple(self.scope[name_] for name_ in self.names)


def load(fn, wrt, kinds, form, optimize=True, has_aux=False):
    """The generated functions for (fn, wrt, kinds): from memory, disk, or the pipeline.
    `has_aux`: fn returns `(value, aux)`, aux without a derivative (normalize/aux.py)."""
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
    written_out = _written_out_callees(fn, form == "joint-inline")
    source_text = _source_text(fn) + "".join(_source_text(callee) for callee in written_out)
    disk_key = cache.make_key(form, __version__,
                              getattr(fn, "__module__", "") or "", fn.__qualname__, source_text,
                              tuple(wrt), key[3], registry.fingerprint(), code_fingerprint(),
                              optimize, key[6], *(("has_aux",) if has_aux else ()))
    text = cache.read_entry(disk_key)
    if text is None:
        text, names = _transform(fn, wrt, kinds, form, optimize, has_aux)
        path = cache.write_entry(disk_key, text)
    else:
        names = _generated_names(text)
        path = cache.entry_path(disk_key)
    # (code that aliases.fixed rewrote copies values under the name aliases.COPY)
    # globals the code reads are refreshed before each use (environment.Watch)
    loading = _Loading({**function_namespace(fn), **_lifted(fn), COPY: runtime.copy,
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
    CACHE.transforms += 1
    try:
        derivative = derive(Request.of(fn, wrt, kinds, form, optimize, has_aux))
        return derivative.text, derivative.names
    except TangentlikeError:
        raise
    except RecursionError:
        raise TangentlikeError(f"{fn.__name__} is too deeply nested to differentiate") from None


def _source_text(fn):
    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):
        return parse_function(fn).source      # raises SourceUnavailableError


def _written_out_callees(fn, every_call=False):
    try:
        return written_out_callees(parse_function(fn), every_call)
    except (TangentlikeError, RecursionError):     # reported by the transform itself
        return []


def _lifted(fn):
    """The lambda-lifted nested functions the derivative of `fn` calls the gradients of,
    by name (normalize/lift.py)."""
    try:
        return lifted_functions(parse_function(fn))
    except (TangentlikeError, RecursionError):     # reported by the transform itself
        return {}


def _generated_names(text):
    lines = text.splitlines()
    trailer = next((k for k, line in enumerate(lines) if line.startswith("# ")), len(lines))
    names = [line[4:line.index("(")] for line in lines[:trailer] if line.startswith("def ")]
    if not names:
        raise TangentlikeError("corrupt cache entry")
    return tuple(names)
