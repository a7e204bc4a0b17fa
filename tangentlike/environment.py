"""Environment: what a function reads from outside itself, as cache keys and live values.

Receives a user function.  Its generated derivative is specialized on the callables
and modules it reads through globals and closure cells (the rule of `np.sin` is
inlined; a helper's derivative is bound once), and reads every other outside value
(a constant, a data array) as Python would, at the time of the call.  Guarantees:

- `identity(fn)`: a text naming every module, class and callable `fn` reads (and,
  for Python functions among them, their code and environment in turn, a few levels
  deep): equal for two functions exactly when they would be differentiated alike.
  Two closures of identical source over `np.sin` and `np.cos` differ.  A key for the
  caches on disk and in memory.
- `watch(fn)`: a `Watch` whose `changed()` says, in a few dictionary lookups, whether
  a callable or module `fn` reads has been rebound since, and whose `refresh(scope)`
  copies the current value of every other outside name into the generated module's
  `scope` (so a rebound global is read live, as the primal reads it).
"""

import hashlib
import inspect
import types

_DEPTH = 3          # how deep the code of callees counts in `identity`
_MISSING = object()


def outside_names(code):
    """The global and closure names `code` (and the code nested in it) may read."""
    names = set(code.co_names) | set(code.co_freevars)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= outside_names(const)
    return names


def _value(fn, name):
    """What `name` refers to inside `fn` now: a closure cell, a global or a builtin."""
    code = getattr(fn, "__code__", None)
    if code is not None and fn.__closure__ and name in code.co_freevars:
        try:
            return fn.__closure__[code.co_freevars.index(name)].cell_contents
        except ValueError:
            return _MISSING
    scope = getattr(fn, "__globals__", {})
    if name in scope:
        return scope[name]
    builtins = scope.get("__builtins__", {})
    builtins = builtins if isinstance(builtins, dict) else vars(builtins)
    return builtins.get(name, _MISSING)


def _specializes(value):
    """Is `value` something the generated code is specialized on (not read live)?"""
    return inspect.ismodule(value) or isinstance(value, type) or callable(value)


def identity(fn, depth=_DEPTH):
    """The text key of `fn`'s environment (see the module docstring)."""
    digest = hashlib.sha256()
    _feed(digest, fn, depth, set())
    return digest.hexdigest()


def _feed(digest, fn, depth, seen):
    code = getattr(fn, "__code__", None)
    if code is None or id(fn) in seen:
        return
    seen.add(id(fn))
    for name in sorted(outside_names(code)):
        value = _value(fn, name)
        if value is _MISSING or not _specializes(value):
            continue
        digest.update(f"{name}={_describe(value)};".encode())
        inner = getattr(value, "__code__", None)
        if inner is not None and depth > 0:
            digest.update(inner.co_code + repr(inner.co_consts).encode())
            _feed(digest, value, depth - 1, seen)


def _describe(value):
    if inspect.ismodule(value):
        return f"module {value.__name__}"
    module = getattr(value, "__module__", None) or type(value).__module__
    name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None) \
        or type(value).__qualname__
    return f"{module}.{name}"


class Watch:
    """The callables and modules a function read when its derivative was made, and the
    names of the other values it reads (see the module docstring)."""

    def __init__(self, fn):
        self.fn = fn
        code = getattr(fn, "__code__", None)
        names = sorted(outside_names(code)) if code is not None else []
        self.fixed, self.live = [], []
        for name in names:
            value = _value(fn, name)
            if value is _MISSING:
                continue
            if _specializes(value):
                self.fixed.append((name, value))
            else:
                self.live.append(name)

    def changed(self):
        """Has a callable or module the function reads been rebound?"""
        fn = self.fn
        return any(_value(fn, name) is not value for name, value in self.fixed)

    def refresh(self, scope):
        """Copy the current values of the other outside names into `scope`."""
        fn = self.fn
        for name in self.live:
            value = _value(fn, name)
            if value is not _MISSING:
                scope[name] = value
