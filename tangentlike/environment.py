"""Environment: what a function reads from outside itself, as cache keys and live values.

Receives a user function.  Its generated derivative is specialized on the callables
and modules it reads through globals and closure cells (the rule of `np.sin` is
inlined; a helper's derivative is bound once), and reads every other outside value
(a constant, a data array) as Python would, at the time of the call.  Guarantees:

- `identity(fn)`: a text naming every module, class and callable `fn` reads (and,
  for Python functions among them, their code and environment in turn, a few levels
  deep): equal for two functions exactly when they would be differentiated alike.
  Two closures of identical source over `np.sin` and `np.cos` differ, and so do
  callers of a function before and after `tl.checkpoint` marks it.  A key for the
  caches on disk and in memory.
- `Watch(fn, callees)`: kept in the generated module's scope (`watched`), where `fn`
  (and each callee written out in its derivative) finds the names it reads.
- `Reach(scopes)`, `reach(scope)`, `reach_of(function)`: the Watches of a generated
  module and of every generated module it calls.  `changed()` says, in a few
  dictionary lookups, whether a callable or module one of them reads has been rebound
  since, and `refresh()` copies the current value of every other outside name into
  the generated modules (so a rebound global, the function's or a helper's, is read
  live, as the primal reads it).
"""

import hashlib
import inspect
import types

from .checkpoints import CHECKPOINT

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
    checkpointed = " (tl.checkpoint)" if getattr(value, CHECKPOINT, False) else ""
    return f"{module}.{name}{checkpointed}"


WATCH = "__tangentlike_watch__"      # where a generated module's scope keeps its Watch


class Watch:
    """The callables and modules a function (and the callees written out in its
    derivative) read when its derivative was made, and where the other values they
    read live (see the module docstring).  Each name is looked up once here: the
    checks below are a dictionary or cell read per name."""

    def __init__(self, fn, callees=()):
        self.owners = (fn, *callees)
        self.fixed_globals, self.fixed_cells = [], []    # (dict, name, value), (cell, value)
        self.live_globals, self.live_cells = [], []      # (dict, name), (cell, name)
        for owner in self.owners:
            code = getattr(owner, "__code__", None)
            for name in sorted(outside_names(code)) if code is not None else ():
                self._watch(owner, name)

    def _watch(self, owner, name):
        value = _value(owner, name)
        if value is _MISSING:
            return
        cells = dict(zip(owner.__code__.co_freevars, owner.__closure__ or ()))
        scope = getattr(owner, "__globals__", {})
        if _specializes(value):
            if name in cells:
                self.fixed_cells.append((cells[name], value))
            else:           # a builtin stays one while no global of its name appears
                self.fixed_globals.append((scope, name, scope.get(name, _MISSING)))
        elif name in cells:
            self.live_cells.append((cells[name], name))
        elif name in scope:
            self.live_globals.append((scope, name))

    def generated_sources(self):
        """The generated modules the watched functions belong to (when they are
        derivatives themselves, differentiated again)."""
        return [owner.__globals__ for owner in self.owners
                if WATCH in getattr(owner, "__globals__", {})]


class Reach:
    """The Watches of a generated module and of every generated module it calls (the
    derivatives of its callees), found once: `changed()` and `refresh()` cover them
    all, so that a global a callee reads is read live too.  A module whose watched
    functions are generated themselves comes after the module they belong to, which
    it reads from."""

    def __init__(self, scopes):
        self.fixed_globals, self.fixed_cells = [], []
        self.live_globals, self.live_cells = [], []      # ... each with the target scope
        seen = set()

        def visit(scope):
            if id(scope) in seen or WATCH not in scope:
                return
            seen.add(id(scope))
            watch = scope[WATCH]
            for source in watch.generated_sources():
                visit(source)
            self.fixed_globals += watch.fixed_globals
            self.fixed_cells += watch.fixed_cells
            self.live_globals += [(where, name, scope) for where, name in watch.live_globals]
            self.live_cells += [(cell, name, scope) for cell, name in watch.live_cells]
            for value in list(scope.values()):
                if isinstance(value, types.FunctionType):
                    visit(value.__globals__)

        for scope in scopes:
            visit(scope)

    def changed(self):
        """Has a callable or module one of the functions reads been rebound?"""
        for where, name, value in self.fixed_globals:
            if where.get(name, _MISSING) is not value:
                return True
        for cell, value in self.fixed_cells:
            if _contents(cell) is not value:
                return True
        return False

    def refresh(self):
        """Copy the current values of the other outside names into the modules."""
        for where, name, scope in self.live_globals:
            value = where.get(name, _MISSING)
            if value is not _MISSING:
                scope[name] = value
        for cell, name, scope in self.live_cells:
            value = _contents(cell)
            if value is not _MISSING:
                scope[name] = value


def _contents(cell):
    try:
        return cell.cell_contents
    except ValueError:                  # an empty cell
        return _MISSING


def watched(fn, callees=()):
    """The entries a generated module's scope starts with, for `fn`'s derivative."""
    return {WATCH: Watch(fn, callees), _REACH: None}


def reach(scope):
    """The Reach of the generated module `scope` (found once, then kept in it)."""
    found = scope.get(_REACH)
    if found is None:
        found = scope[_REACH] = Reach([scope])
    return found


_REACH = "__tangentlike_reach__"


def reach_of(function):
    """The Reach of a generated function's module (empty for any other function)."""
    scope = getattr(function, "__globals__", None)
    return reach(scope) if scope is not None and WATCH in scope else _NOTHING


_NOTHING = Reach(())


def attributes(fn, depth=3):
    """A text naming what the attributes `fn`'s code mentions are bound to, on the values
    of its outside names and on those attributes in turn (`np.sin`, `helpers.step`,
    `config.model.forward`, `depth` levels): the part of what an analysis of `fn`'s
    source resolves (parse.resolve_expression) that `identity` leaves out (a function's
    own attributes are not looked into: it is called, not read through).  Attributes
    of modules are read as Python reads them, others without running code
    (inspect.getattr_static); each counts by `_describe` if the generated code would be
    specialized on it, else as "a value" (read live)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return ""
    names = sorted(outside_names(code))
    frontier = [(name, value) for name, value in ((n, _value(fn, n)) for n in names)
                if value is not _MISSING and not isinstance(value, _PLAIN)
                and not inspect.isroutine(value)]
    parts, seen = [], set()
    for _ in range(depth):
        following = []
        for path, value in frontier:
            if id(value) in seen:
                continue
            seen.add(id(value))
            for name in names:
                found = _attribute(value, name)
                if found is _MISSING:
                    continue
                parts.append(f"{path}.{name}="
                             f"{_describe(found) if _specializes(found) else 'a value'}")
                if not isinstance(found, _PLAIN) and not inspect.isroutine(found):
                    following.append((f"{path}.{name}", found))
        frontier = following
    return ";".join(parts)


_PLAIN = (int, float, complex, str, bytes, bool, type(None))


def _attribute(value, name):
    try:
        if inspect.ismodule(value):
            return getattr(value, name, _MISSING)
        if _certainly_absent(value, name):
            return _MISSING
        return inspect.getattr_static(value, name, _MISSING)
    except Exception:           # an attribute whose lookup fails is not one it resolves
        return _MISSING


def _certainly_absent(value, name):
    """True only where getattr_static would not find `name` on `value`: no class of its
    type's (or, for a class, of its own) MRO has it, and its instance dict is one Python
    keeps (not one code makes) and lacks it (a fast answer for the common miss: a NumPy ufunc, say, asked for
    each name the function's code mentions)."""
    kind = type(value)
    classes = kind.__mro__ + (value.__mro__ if isinstance(value, type) else ())
    if any(name in vars(klass) for klass in classes):
        return False
    slot = next((vars(klass)["__dict__"] for klass in kind.__mro__ if "__dict__" in vars(klass)),
                None)
    if slot is None:
        return True                     # no instance dict
    if type(slot) not in (types.GetSetDescriptorType, types.MemberDescriptorType):
        return False                    # a dict made by code: ask getattr_static
    own = object.__getattribute__(value, "__dict__")
    return type(own) is dict and name not in own
