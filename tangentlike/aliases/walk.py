"""Aliases: the walk that follows which objects each name may be, and records writes.

Receives a checked `ParsedFunction` (its source form, where `u *= 2` is still an
in-place write), the kinds of its names (value_kinds.kinds) and of the arguments of the
call (`arg_kinds`: a "scalar" argument is a number, nothing writes into it; an
"array" one surely a NumPy array).  Walks the body once in source order (a loop
until its state no longer changes, the branches of an `if` joined), flow-sensitively:
`points` maps each name to the objects it may be (an argument `("param", p)`, a
global, the object made at one expression `("site", id)`), with what containers may
hold (`contents`) and which objects are numbers (`immutable`).

At each write (item and slice assignment, augmented assignment on an array or list,
`append` and the other mutating methods, NumPy writers, `out=`, and a call of a user
function that writes into its argument: `writes_into_parameters`, asked of its
source) it decides, with checks.py, who else sees the change, and records in
`written`, `parameters_written`, `fixes` (the statements views.py builds to make the
change visible) and `copies` (bindings to copy), or raises the located
`AliasedWriteError`.  These are the walker's own working sets: `check_writes`
(__init__.py) freezes them into `AliasFacts` once the walk is over.
"""

import builtins
import math

import gast
import numpy

from .. import nodes as n
from ..parse import is_user_function
from ..nodes import dotted_text
from ..parse import parse_function
from .checks import StatementOrder, aliased_write, unfollowed_write
from .views import Views, forgetting, record_readers
from .vocabulary import (ARRAY_KINDS, CHOOSING_BUILTINS, CONTAINER_KINDS, FOLLOWED_METHODS,
                         ITEM_METHODS, MUTATING_METHODS, NUMPY_WRITERS, SYNC,
                         VALUE_ATTRIBUTES, all_names, base_name, full_reduction,
                         is_view_call, load, may_share_any, surely_advanced)


def writes_into_parameters(fn, seen=None):
    """The positions and names of the parameters of user function `fn` whose objects it
    may write into (through any alias), or an empty set when it cannot be read."""
    seen = set() if seen is None else seen
    if fn in seen:
        return frozenset()
    seen.add(fn)
    try:
        parsed = parse_function(fn)
    except Exception:                                       # no source: not ours to judge
        return frozenset()
    walker = Walker(parsed, {}, seen=seen, strict=False)
    walker.run()
    return frozenset(walker.parameters_written)


def returns_sharing(fn, calling=frozenset()):
    """The positions and names of the parameters of user function `fn` whose objects (or
    what they hold) its return value may share; None (every parameter) when it cannot be
    read or is among the functions `calling` it (a recursion): a caller's alias facts
    for `y = fn(x)` (a new array, or x's memory)."""
    if fn in calling:
        return None
    key = (fn, getattr(fn, "__code__", None))
    if key in _RETURNS_SHARING:       # (sound in any context: a cycle cut made it None)
        return _RETURNS_SHARING[key]
    try:
        parsed = parse_function(fn)
    except Exception:                                       # no source: may share any
        return None
    walker = Walker(parsed, {}, strict=False, calling=calling | {fn})
    walker.run()
    returned = walker.with_contents(walker.returned)
    shared = [k for k, p in enumerate(walker.params)
              if walker.with_contents({("param", p)}) & returned]
    found = _RETURNS_SHARING[key] = frozenset(shared) | {walker.params[k] for k in shared}
    return found


_RETURNS_SHARING = {}     # (function, its code) -> returns_sharing's answer


class Walker:
    """One walk over a function, in source order, gathering the facts of its writes."""

    def __init__(self, parsed, kinds, seen=None, strict=True, arg_kinds=None,
                 calling=frozenset()):
        self.parsed = parsed
        self.calling = calling          # the user functions whose returns this walk reads
        self.fn = parsed.node
        self.kinds = kinds
        self.seen = seen if seen is not None else set()
        self.strict = strict
        args = self.fn.args
        self.params = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]
        self.locals = set(self.params) | {
            x.id for x in n.walk(self.fn) if isinstance(x, gast.Name)
            and isinstance(x.ctx, gast.Store)}
        self.written, self.parameters_written = set(), set()
        self.returned = set()           # the objects a return statement may give back
        self.contents = {}              # object -> the objects it may hold (list items)
        self.fixes = {}                 # id(statement) -> statements that follow it
        self.immutable = {("param", p) for p, k in (arg_kinds or {}).items()
                          if k == "scalar"}     # objects that are numbers
        self.arrays = {("param", p) for p, k in (arg_kinds or {}).items()
                       if k in ARRAY_KINDS}     # objects that are surely NumPy arrays
        self.copies = set()             # id(binding) whose value must be a copy
        self.order = StatementOrder.of(self.fn)     # the statements, numbered
        self.views = Views(parsed, kinds, self.locals)    # how names reach their roots
        self.record_keys = {}           # name -> the ("view", x) keys whose records read it

    # -- driver --------------------------------------------------------------------
    def run(self):
        points = {p: frozenset({("param", p)}) for p in self.params}
        points.update({("view", p): frozenset({(p, ())}) for p in self.params})
        for p in self.params:
            self.read_by(p, (p, ()))
        self.block(self.fn.body, points)

    def read_by(self, name_, record):
        """Note that the view records of `name_` now hold `record`."""
        for reader in record_readers(record):
            self.record_keys.setdefault(reader, set()).add(("view", name_))

    def block(self, body, points):
        for s in body:
            points = self.statement(s, points)
        return points

    def statement(self, s, points):
        if isinstance(s, gast.If):
            a = self.block(s.body, dict(points))
            b = self.block(s.orelse, dict(points))
            return _merged(a, b)
        if isinstance(s, (gast.For, gast.While)):
            if isinstance(s, gast.For):
                points = self.bind(s.target, self.items_of(s.iter, points), s, points)
            before = points
            while True:                         # a loop body sees its own later bindings
                after = self.block(s.body, dict(before))
                if isinstance(s, gast.For):
                    after = self.bind(s.target, self.items_of(s.iter, after), s, after)
                merged = _merged(before, after)
                if merged == before:
                    break
                before = merged
            return self.block(s.orelse, dict(before))
        if isinstance(s, gast.Return) and s.value is not None:
            self.returned |= self.shares(s.value, points)
        if isinstance(s, (gast.FunctionDef, gast.Return, gast.Pass, gast.Break,
                          gast.Continue, gast.Raise, gast.Assert, gast.Global,
                          gast.Nonlocal, gast.Delete, gast.Import, gast.ImportFrom)):
            self.calls(s, points)
            return points
        if isinstance(s, gast.Assign):
            self.calls(s.value, points, s)
            objects = self.shares(s.value, points, s)
            for t in s.targets:
                points = self.bind(t, objects, s, points, s.value)
            return points
        if isinstance(s, gast.AnnAssign):
            if s.value is not None:
                points = self.bind(s.target, self.shares(s.value, points, s), s, points)
            return points
        if isinstance(s, gast.AugAssign):
            self.calls(s.value, points, s)
            if isinstance(s.target, gast.Name):
                if self.in_place(s.target.id, points):
                    self.write(s.target.id, s, points)
                    return points
                rebound = frozenset({("site", id(s))})
                if self.immutable_value(gast.BinOp(left=s.target, op=s.op, right=s.value),
                                        points):
                    self.immutable |= rebound
                return self.bind(s.target, rebound, s, points)
            self.write_through(s.target, s, points)
            return points
        if isinstance(s, gast.Expr):
            self.calls(s.value, points, s)
            return points
        self.calls(s, points)
        return points

    # -- bindings ------------------------------------------------------------------
    def bind(self, target, objects, s, points, value=None):
        """`points` after binding `target` to a value that may be `objects`; `value`: the
        expression whose value it is, when the target takes all of it."""
        points = dict(points)
        if isinstance(target, gast.Name):
            record = self.views.record(value, points, objects) if value is not None else None
            points = forgetting(points, target.id, self.record_keys.get(target.id, ()))
            points[target.id] = objects
            points[("view", target.id)] = frozenset({record}) if record else frozenset()
            if record:
                self.read_by(target.id, record)
            points[("def", target.id)] = self.sharing_binding(target, value, objects, s)
        elif isinstance(target, (gast.Tuple, gast.List)):
            if isinstance(value, (gast.Tuple, gast.List)) \
                    and len(value.elts) == len(target.elts) \
                    and not any(isinstance(e, gast.Starred) for e in target.elts + value.elts):
                for t, v in zip(target.elts, value.elts):      # a, b = b, a
                    points = self.bind(t, self.shares(v, points), s, points, v)
                return points
            items = self.with_contents(objects) - {("site", id(value))}
            for t in target.elts:                   # each item: its own object, or shared
                points = self.bind(t, items | {("site", id(t))}, s, points)
        elif isinstance(target, gast.Starred):
            points = self.bind(target.value, objects, s, points)
        elif isinstance(target, (gast.Subscript, gast.Attribute)):
            self.write_through(target, s, points)
            base = base_name(target)
            array = self.kinds.get(base) in ARRAY_KINDS \
                or bool(points.get(base)) and points.get(base) <= self.arrays
            if not array or target.value is not None \
                    and not isinstance(target.value, gast.Name):
                # a list or dict item holds the object; an array element is a copy
                self.hold(self.target_objects(target, points), objects)
        return points

    def sharing_binding(self, target, value, objects, s):
        """{id(s)} when `target = value` (statement `s`) may give `target` memory of
        another name and could bind a copy instead (one name target, a known value);
        {"?"} when it may but cannot; empty when the value is new."""
        if value is not None and not may_share_any(value) \
                or objects == frozenset({("site", id(value))}):
            return frozenset()
        if value is not None and isinstance(s, gast.Assign) and s.targets == [target]:
            return frozenset({id(s)})
        if value is None and isinstance(s, gast.For) and isinstance(target, gast.Name):
            return frozenset({("target", id(s), target.id)})     # `for v in x`: a row
        return frozenset({"?"})

    def target_objects(self, target, points):
        """The objects `target[...] = v` writes into: those of `target` itself for a name,
        and what they may hold for a deeper target (`xs[0][1] = v` writes into xs[0])."""
        inner = target.value
        objects = self.shares(inner, points)
        return objects

    def in_place(self, name, points):
        """Does `name op= v` write into an object (an array or list) rather than rebind?"""
        objects = points.get(name, frozenset())
        return self.kinds.get(name) not in ("scalar", "scalars") \
            and not (objects and objects <= self.immutable)

    def shares(self, expr, points, s=None):
        """The objects the value of `expr` may be (or share memory with)."""
        if isinstance(expr, gast.Name):
            if expr.id in points:
                return points[expr.id]
            return frozenset() if expr.id in self.locals else \
                frozenset({("global", expr.id)})
        new = frozenset({("site", id(expr))})
        if self.immutable_value(expr, points):
            self.immutable |= new
        if not may_share_any(expr):
            return new
        if isinstance(expr, gast.Subscript) and surely_advanced(expr.slice):
            return new                  # x[[2, 0]], x[x > 0]: a copy
        if isinstance(expr, (gast.Subscript, gast.Starred)):
            base = self.shares(expr.value, points)
            kind = self.kinds.get(expr.value.id) if isinstance(expr.value, gast.Name) else None
            if kind in ARRAY_KINDS:
                return base             # a view of the same memory
            items = self.with_contents(base) - base
            return items if kind in CONTAINER_KINDS else base | items
        if isinstance(expr, gast.Attribute):
            if expr.attr in VALUE_ATTRIBUTES:
                return new
            return self.with_contents(self.shares(expr.value, points))
        if isinstance(expr, (gast.Tuple, gast.List, gast.Set, gast.Dict)):
            items = expr.values if isinstance(expr, gast.Dict) else expr.elts
            self.hold(new, frozenset().union(*(self.shares(e, points) for e in items)))
            return new
        if isinstance(expr, gast.IfExp):
            return self.shares(expr.body, points) | self.shares(expr.orelse, points)
        if isinstance(expr, gast.BoolOp):
            return frozenset().union(*(self.shares(e, points) for e in expr.values))
        if isinstance(expr, gast.NamedExpr):
            return self.shares(expr.value, points)
        if isinstance(expr, gast.Call):
            func = expr.func
            word = func.attr if isinstance(func, gast.Attribute) else \
                func.id if isinstance(func, gast.Name) else None
            choosing = isinstance(func, gast.Name) and word in CHOOSING_BUILTINS
            if isinstance(func, gast.Name) and word == "dict" \
                    and self.parsed.resolve_expression(func, self.locals) is dict:
                # dict(m), dict(pairs), dict(k=v): a new dict holding the values
                given = frozenset().union(*(self.shares(a, points) for a in expr.args))
                named = frozenset().union(*(self.shares(k.value, points)
                                            for k in expr.keywords))
                self.hold(new, self.with_contents(given) - given | named)
                return new
            callee = self.user_call(expr)
            if callee is None and not is_view_call(expr) and not choosing:
                return new              # other functions and methods compute a new value
            operands = list(expr.args) + [k.value for k in expr.keywords]
            if callee is not None:      # what the callee's return may share, if known
                shared = returns_sharing(callee, self.calling)
                if shared is not None:
                    operands = [a for k, a in enumerate(expr.args) if k in shared] + [
                        kw.value for kw in expr.keywords if kw.arg in shared]
            out = frozenset().union(*(self.shares(e, points) for e in operands))
            if isinstance(func, gast.Attribute):
                receiver = self.shares(func.value, points)
                if word in ITEM_METHODS:          # d.get(k, v): an item of d, or v
                    return self.with_contents(receiver) - receiver | out | new
                out |= receiver
            return self.with_contents(out) | new
        return frozenset().union(*(self.shares(x, points) for x in n.walk(expr)
                                   if isinstance(x, gast.Name)))

    def items_of(self, iterable, points):
        """The objects a loop over `iterable` may bind (rows of an array are views)."""
        return self.with_contents(self.shares(iterable, points))

    def immutable_value(self, expr, points):
        """Is the value of `expr` surely a number, a bool, a string or None (nothing can
        write into it, so `v *= 2` rebinds `v`)?"""
        if isinstance(expr, gast.Constant):
            return not isinstance(expr.value, (list, dict, set))
        if isinstance(expr, gast.Name):
            objects = points.get(expr.id)
            return bool(objects) and objects <= self.immutable
        if isinstance(expr, gast.BinOp):
            return self.immutable_value(expr.left, points) \
                and self.immutable_value(expr.right, points)
        if isinstance(expr, gast.UnaryOp):
            return self.immutable_value(expr.operand, points)
        if isinstance(expr, (gast.Compare, gast.BoolOp)):
            parts = [expr.left] + list(expr.comparators) if isinstance(expr, gast.Compare) \
                else list(expr.values)
            return all(self.immutable_value(e, points) for e in parts)
        if isinstance(expr, gast.IfExp):
            return self.immutable_value(expr.body, points) \
                and self.immutable_value(expr.orelse, points)
        if isinstance(expr, gast.Call):
            if full_reduction(expr) and isinstance(expr.func, gast.Attribute) \
                    and not expr.args and not self.views.is_numpy(expr.func.value):
                return True                       # x.sum(): a NumPy scalar
            obj = self.parsed.resolve_expression(expr.func, self.locals)
            if obj is None:
                return False
            if full_reduction(expr) and len(expr.args) == 1 \
                    and obj is getattr(numpy, expr.func.attr, None):
                return True                       # np.sum(x): a NumPy scalar
            if obj in (float, int, bool, len, round, str, math.floor, math.ceil) \
                    or getattr(obj, "__module__", None) == "math" \
                    or obj is getattr(math, getattr(obj, "__name__", ""), None):
                return True
            if obj in (abs, min, max, pow, sum, getattr(builtins, "divmod")):
                return all(self.immutable_value(a, points) for a in expr.args) \
                    and not expr.keywords
        return False

    def hold(self, container, items):
        """Record that the objects `container` may hold the objects `items`."""
        items = items - self.immutable           # (numbers are shared by no one)
        for c in container:
            self.contents[c] = self.contents.get(c, frozenset()) | items

    def with_contents(self, objects):
        """`objects` and everything they may hold, at any depth."""
        out, todo = set(objects), list(objects)
        while todo:
            for inner in self.contents.get(todo.pop(), ()):
                if inner not in out:
                    out.add(inner)
                    todo.append(inner)
        return frozenset(out)

    def user_call(self, call):
        obj = self.parsed.resolve_expression(call.func, self.locals)
        return obj if is_user_function(obj) else None

    # -- writes --------------------------------------------------------------------
    def write_through(self, target, s, points):
        base = base_name(target)
        if base is not None:
            self.write(base, s, points, objects=self.target_objects(target, points))

    def calls(self, node, points, s=None):
        """Writes made by calls inside `node`: mutating methods, `out=`, NumPy writers and
        user functions that write into their arguments."""
        s = s if s is not None else node
        for call in (c for c in n.walk(node) if isinstance(c, gast.Call)):
            func = call.func
            if isinstance(func, gast.Attribute) and func.attr in MUTATING_METHODS \
                    and base_name(func.value) in self.locals:
                owner = self.shares(func.value, points) - self.immutable
                if owner and func.attr not in FOLLOWED_METHODS:
                    self.unfollowed(call, f"`{dotted_text(func)}(...)`")
                self.write(base_name(func.value), s, points, objects=owner)
                for a in call.args:
                    self.hold(owner, self.shares(a, points))
            if isinstance(func, gast.Attribute) and func.attr in NUMPY_WRITERS and call.args \
                    and self.parsed.resolve_expression(func.value, self.locals) is not None:
                self.unfollowed(call, f"`{dotted_text(func)}(...)`")
                if base_name(call.args[0]) in self.locals:
                    self.write(base_name(call.args[0]), s, points)
            for k in call.keywords:
                if k.arg == "out":
                    self.unfollowed(call, "an `out=` argument")
                    for name in all_names(k.value) & self.locals:
                        self.write(name, s, points)
            callee = self.user_call(call)
            if callee is not None:
                written = writes_into_parameters(callee, self.seen)
                passed = list(enumerate(call.args)) + [(k.arg, k.value) for k in call.keywords]
                for key, arg in passed:
                    base = base_name(arg)
                    if base is not None and key in written and base in self.locals:
                        self.write(base, s, points, callee=callee)

    def write(self, name, s, points, construct=None, callee=None, objects=None):
        """Record a write into the objects of `name` (or `objects`, part of them) at
        statement `s`; raise if another name that is read later may see it."""
        if objects is None:
            objects = points.get(name, frozenset())
        objects = objects - self.immutable
        if not objects:
            return                      # (a number: nothing is written)
        self.written.add(name)
        for p in self.params:
            if ("param", p) in objects:
                self.parameters_written.add(p)
                if not self.strict:
                    self.parameters_written.add(self.params.index(p))
        if not self.strict or getattr(s, SYNC, False):
            return
        affected = sorted(other for other, theirs in points.items()
                          if isinstance(other, str)
                          and self.kinds.get(other) != "scalar"    # numbers share nothing
                          and self.with_contents(theirs) & objects)
        seeing = [o for o in affected if (o != name or callee is not None)
                  and self.order.read_later(o, s)]
        root = self.views.path_of(load(name), points) if callee is None else None
        if root is not None and root[0] in affected and root[0] != name \
                and root[0] not in seeing:
            # the root is kept up to date (a view written may be re-made from it later)
            seeing.append(root[0])
        for loop in self.order.loops_around(s):   # `for v in x` reads x as it goes
            if isinstance(loop, gast.For) and self.shares(loop.iter, points) & objects:
                raise aliased_write(self.parsed, name, loop, s, construct, callee)
        if seeing:
            fix = None if construct or callee else self.views.fix(name, seeing, s, points)
            if fix is None:
                raise aliased_write(self.parsed, name, seeing[0], s, construct, callee)
            self.fixes.setdefault(id(s), {})[name] = fix     # (a loop's last pass wins)
        # Each name that shares the written memory gets a copy where it was bound, so
        # that what the derivative reads of it (before the write too: the backward sweep
        # reads values of earlier statements) is exactly its value; the fixes above say
        # the rest.  A name bound so that no copy can be made must not be read at all.
        for o in affected:
            defs = points.get(("def", o), frozenset())
            if "?" in defs:
                if o != name and self.order.read_anywhere(o):
                    raise aliased_write(self.parsed, name, o, s, construct, callee)
                continue
            self.copies |= defs

    def unfollowed(self, call, what):
        """Raise the located error for a call that writes into an object in a way the
        transformers do not follow; a callee (not strict) is only asked what it writes."""
        if self.strict:
            raise unfollowed_write(self.parsed, call, what)


def _merged(a, b):
    """The points-to state where two paths join: what either may give."""
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, frozenset()) | v
    return out
