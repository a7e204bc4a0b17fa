"""Ownership: an in-place write in generated code never reaches memory it must not.

Receives one generated FunctionDef (either mode, after every optional rewrite) and
the names of its derivative values (`derivative`: adjoints, tangents, seeds and the
adjoint temporaries, as the namer handed them out); every other name holds a value
of the user's program.  Guarantees, by inserting copies (`_tl.copy`) and nothing
else:

- no object the caller passed is written: a parameter that the code may write into,
  directly or through any name that may share its memory, is copied on entry;
- a derivative value bound to memory it may share with another name (`bx = x`,
  `bx = _ntl.spread(x, s, y)`, `bt = g.T`) or to a read-only broadcast view
  (`bx = _ntl.unreduce(g, x)`) is copied where it is bound, when that memory may be
  written later by any name, or when the derivative value is returned (the caller
  may write into what it gets).  A value handed over is not shared: a derivative
  name bound once to a value nothing else holds (a fresh call, a generated backward
  sweep's result) and read once, by a later statement of its block (`_b2 =
  backward_h(...); bx = _b2`), leaves the object to the name that takes it.

It never copies a user value: NumPy semantics between the user's own names (a write
through `t = x` changes `x`) are the alias analysis' concern (aliases/).  The facts
are flow-insensitive and so conservative: a copy too many costs time, never a wrong
value.
"""

import gast
import numpy

from . import nodes as n
from . import numpy_runtime, runtime
from .aliases import VIEW_CALLS
from .naming import NUMPY_RUNTIME, RUNTIME, mark_helper
from .syntax import TAPE


# helpers of the generated code that write into their first argument (declared by the
# runtime modules themselves)
_WRITES_FIRST = runtime.UPDATES_FIRST_ARGUMENT | numpy_runtime.UPDATES_FIRST_ARGUMENT
# ... and return it (or a new zero container when it was the zero sentinel)
_RETURNS_FIRST = {"add", "add_at", "subtract_at", "writable", "unbroadcast", "spread", "item",
                  "set_tangent_at", "append_tangent", "broadcast_like", "unreduce",
                  "expand", "reduce_like", "dense", "select_first", "uniterated"}
# helpers and NumPy functions whose result is always a new object
_FRESH = {"copy", "snapshot", "zeros_for", "zeros_like", "extract", "item_before",
          "common_shape", "shape", "ndim", "size", "len", "zeros", "ones", "empty", "full",
          "ones_like", "empty_like", "full_like", "array", "flatten", "tolist",
          "matmul_adjoint_a", "matmul_adjoint_b", "restored", "zeroed_at", "fill_like",
          "_pop", "pop_last", "popped", "float", "int", "range", "tuple", "list",
          "dict"}
# helpers and NumPy functions whose result may be a read-only broadcast view
_READ_ONLY = {"unreduce", "spread", "broadcast_to", "broadcast_arrays"}
# NumPy functions, array methods and helpers whose result may be a view of an argument
# (the alias analysis' list, less what is always a new object here, with the helpers)
_VIEWS = (VIEW_CALLS - _FRESH) | {"astype", "copy_if_needed", "asmatrix", "stack_views"}
# methods that change the object they are called on
_MUTATING_METHODS = {"append", "extend", "insert", "pop", "remove", "clear", "update",
                     "setdefault", "sort", "reverse", "fill", "resize", "itemset", "put",
                     "popitem", "__setitem__", "__iadd__"}
# the usual names of the modules generated code calls (and of numpy and math among them)
_NUMERIC_MODULES = frozenset({"np", "numpy", "math"})
_MODULES = _NUMERIC_MODULES | {NUMPY_RUNTIME, RUNTIME}

# NumPy functions that write into their first argument
_NUMPY_WRITERS = {"copyto", "put", "place", "putmask", "fill_diagonal", "at"}
_WRITERS = frozenset(_WRITES_FIRST | _NUMPY_WRITERS)
_RETURNS_FIRST_OR_VIEWS = frozenset(_RETURNS_FIRST | _VIEWS)


def owned(fn, derivative, runtime_name, scalars=(), fresh_calls=(), modules=None,
          numbers=()):
    """`fn` (a gast FunctionDef, changed in place and returned) with the copies above.
    `runtime_name()` gives the generated module's name for tangentlike.runtime (asked
    only when a copy is made, so that it is imported).  `scalars`: names that only ever
    hold Python numbers (immutable: they share nothing).  `fresh_calls`: functions whose
    result shares memory with nothing (generated backward functions, which are made
    owned themselves).  `modules`: (the names the code calls modules by, those of them
    that are numpy or math), as the generated module resolves them; by default the
    usual spellings.  `numbers`: the parameters whose arguments are Python numbers
    (by the call's kinds), which nothing can write into: never copied on entry."""
    memory = _Memory(*(modules or (_MODULES, _NUMERIC_MODULES)))
    scalars = frozenset(scalars)
    params = [a.id for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
    statements = list(n.every_statement(fn.body))
    writes = memory.written(statements, fn.body)
    escapes = writes | memory.returned_derivatives(fn.body, derivative)
    handed = handed_over(fn.body, derivative, lambda value: _called(value) in fresh_calls
                         or not (memory.may_share(value) or _may_be_read_only(value)))
    edges = {}                              # id(Assign) -> (target names, shared names)
    for s in statements:
        if isinstance(s, gast.Assign):
            targets = {x.id for t in s.targets for x in n.walk(t)
                       if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store)}
            shared = set() if _called(s.value) in fresh_calls else \
                memory.may_share(s.value) - targets - scalars - handed.get(id(s), set())
            targets -= scalars
            if (shared or _may_be_read_only(s.value)) and targets:
                edges[id(s)] = (targets, shared, s)
    copied = set()
    changed = True
    while changed:                          # copies cut edges: repeat to a fixpoint
        changed = False
        groups = _groups(v for k, v in edges.items() if k not in copied)
        escaping = _Escaping(groups, escapes)
        for key, (targets, shared, s) in edges.items():
            if key in copied or not (targets & derivative):
                continue
            if any(map(escaping, targets)):
                copied.add(key)
                changed = True
    groups = _groups(v for k, v in edges.items() if k not in copied)
    # (never the tape: the caller reads back what the function pushes onto it)
    entry = [p for p in params if p != TAPE and p not in numbers
             and groups.get(p, {p}) & writes]
    if not (copied or entry):
        return fn
    copy = f"{runtime_name()}.copy"
    after = {key: _copy_value(edges[key][2], derivative, copy) for key in copied}
    fn.body = _with_after(fn.body, after)
    if entry:
        fn.body = [n.assign(p, _copy_call(copy, n.name(p))) for p in entry] + fn.body
        fn.body.insert(0, n.comment("the function writes into its arguments: work on copies"))
    return fn


def handed_over(body, names, shares_nothing):
    """id(statement) -> the `names` whose value it takes over: a name bound once, to a
    value that `shares_nothing(value)` says nothing else holds (a fresh call, a
    generated backward sweep's result), and read once, by a later assignment of the
    same block.  The name that takes the object then owns it."""
    stores, loads = {}, {}
    for x in n.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(x, gast.Name) and x.id in names:
            counts = loads if isinstance(x.ctx, gast.Load) else stores
            counts[x.id] = counts.get(x.id, 0) + 1
    once = {name_ for name_, k in stores.items() if k == 1 and loads.get(name_) == 1}
    out = {}
    for block in _blocks(body):
        fresh = set()
        for s in block:
            if isinstance(s, gast.Assign):
                read = {x.id for x in n.walk(s.value) if isinstance(x, gast.Name)} & fresh
                if read:
                    out[id(s)] = read
            if isinstance(s, gast.Assign) and shares_nothing(s.value):
                fresh |= {x.id for t in s.targets for x in n.walk(t)
                          if isinstance(x, gast.Name) and x.id in once}
    return out


def calls_one_of(functions):
    """`value -> whether it is a call of one of `functions` (by name)`."""
    return lambda value: _called(value) in functions


def _blocks(body):
    """`body` and every statement list nested in it."""
    yield body
    for s in n.every_statement(body):
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                yield inner


def _called(expr):
    """The name of the function `expr` calls directly, if it is such a call."""
    if isinstance(expr, gast.Call) and isinstance(expr.func, gast.Name):
        return expr.func.id
    return None


def _base(node):
    while isinstance(node, (gast.Subscript, gast.Attribute, gast.Starred)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def _last(func):
    """The last word of a call's target: `extract` for `_tl.extract`, `sin` for `np.sin`."""
    if isinstance(func, gast.Attribute):
        return func.attr
    return func.id if isinstance(func, gast.Name) else None


def _may_be_read_only(expr):
    """Can the value of `expr` be a read-only broadcast view (or a view of one)?"""
    if isinstance(expr, gast.IfExp):
        return _may_be_read_only(expr.body) or _may_be_read_only(expr.orelse)
    if isinstance(expr, (gast.Subscript, gast.Attribute)):
        return _may_be_read_only(expr.value)
    if not isinstance(expr, gast.Call):
        return False
    word = _last(expr.func)
    if word in _READ_ONLY:
        return True
    if word in _RETURNS_FIRST_OR_VIEWS and expr.args:
        return _may_be_read_only(expr.args[0])
    return isinstance(expr.func, gast.Attribute) and word in _VIEWS \
        and _may_be_read_only(expr.func.value)


class _Memory:
    """What may share memory with what, and what is written in place, in generated code
    whose module names are `modules` (numpy's and math's among them: `numeric`)."""

    def __init__(self, modules, numeric):
        self.modules, self.numeric = frozenset(modules), frozenset(numeric)

    def is_module(self, name):
        return name in self.modules

    def written(self, statements, body):
        """Names whose object some statement may change in place (`statements`: every
        statement of `body`, nested ones included)."""
        out = set()
        for s in statements:
            targets = s.targets if isinstance(s, gast.Assign) else \
                [s.target] if isinstance(s, gast.AugAssign) else []
            for t in targets:
                if isinstance(s, gast.AugAssign) or not isinstance(t, (gast.Name, gast.Tuple,
                                                                       gast.List)):
                    base = _base(t)
                    if base:
                        out.add(base)
        for s in body:                  # (each call once: a walk of a loop takes its body)
            for sub in n.walk(s):
                if not isinstance(sub, gast.Call):
                    continue
                word = _last(sub.func)
                receiver = sub.func.value if isinstance(sub.func, gast.Attribute) else None
                if isinstance(receiver, gast.Name) and receiver.id != TAPE \
                        and word in _MUTATING_METHODS and not self.is_module(receiver.id):
                    out.add(receiver.id)
                elif word in _WRITERS and sub.args:
                    base = _base(sub.args[0])
                    if base:
                        out.add(base)
                for k in sub.keywords:
                    if k.arg == "out":
                        out |= {x.id for x in n.walk(k.value) if isinstance(x, gast.Name)}
        return out

    def returned_derivatives(self, body, derivative):
        """Derivative names whose object the function hands back to its caller."""
        out = set()
        for s in n.every_statement(body):
            if isinstance(s, gast.Return) and s.value is not None:
                out |= self.may_share(s.value) & derivative
        return out

    def may_share(self, expr):
        """Names whose memory the value of `expr` may share (a view, an alias, an item)."""
        if expr is None or isinstance(expr, gast.Constant):
            return set()
        if isinstance(expr, gast.Name):
            return {expr.id}
        if isinstance(expr, (gast.BinOp, gast.UnaryOp, gast.Compare, gast.Lambda)):
            return set()
        if isinstance(expr, gast.BoolOp):
            return set().union(*(self.may_share(v) for v in expr.values))
        if isinstance(expr, gast.IfExp):
            return self.may_share(expr.body) | self.may_share(expr.orelse)
        if isinstance(expr, (gast.Subscript, gast.Starred)):
            return self.may_share(expr.value)
        if isinstance(expr, gast.Attribute):
            viewed = expr.attr in _VIEWS or not self.is_module_attr(expr)
            return self.may_share(expr.value) if viewed else set()
        if isinstance(expr, (gast.Tuple, gast.List, gast.Set)):
            return set().union(*(self.may_share(e) for e in expr.elts))
        if isinstance(expr, gast.Dict):
            return set().union(*(self.may_share(e) for e in expr.values))
        if isinstance(expr, gast.Call):
            return self.call_may_share(expr)
        return {x.id for x in n.walk(expr) if isinstance(x, gast.Name)}

    def is_module_attr(self, expr):
        return isinstance(expr.value, gast.Name) and self.is_module(expr.value.id)

    def call_may_share(self, call):
        word = _last(call.func)
        if word in _FRESH and not any(k.arg in ("copy", "out") for k in call.keywords):
            return set()
        if word in _RETURNS_FIRST and isinstance(call.func, gast.Attribute) \
                and self.is_module_attr(call.func):
            return self.may_share(call.args[0]) if call.args else set()
        if isinstance(call.func, gast.Attribute) and self.is_module_attr(call.func) \
                and call.func.value.id in self.numeric and word not in _VIEWS \
                and not any(k.arg == "out" for k in call.keywords):
            return set()                    # NumPy and math functions other than views: new
        if isinstance(call.func, gast.Attribute) and not self.is_module_attr(call.func) \
                and word not in _VIEWS and isinstance(getattr(numpy.ndarray, word, None),
                                                      type(numpy.ndarray.sum)):
            shared = set()                  # an array method that computes (x.sum(), x.dot(y))
        elif isinstance(call.func, gast.Attribute) and not self.is_module_attr(call.func):
            shared = self.may_share(call.func.value)
        else:
            shared = set()
        for a in call.args:
            shared |= self.may_share(a)
        for k in call.keywords:
            shared |= self.may_share(k.value)
        return shared

class _Escaping:
    """Does a name's group (`_groups`) hold one of `escapes`?  Answered once per group,
    not by joining the groups of each edge's targets again."""

    def __init__(self, groups, escapes):
        self.groups, self.escapes, self.known = groups, escapes, {}

    def __call__(self, name_):
        group = self.groups.get(name_)
        if group is None:
            return name_ in self.escapes
        known = self.known.get(id(group))       # (the groups hold their sets alive)
        if known is None:
            known = self.known[id(group)] = not self.escapes.isdisjoint(group)
        return known


def _groups(edges):
    """name -> the set of names connected to it through the edges (may share memory)."""
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for targets, shared, _ in edges:
        names = list(targets | shared)
        for other in names[1:]:
            parent[find(other)] = find(names[0])
    out = {}
    for x in parent:
        out.setdefault(find(x), set()).add(x)
    return {x: out[find(x)] for x in parent}


def _copy_value(s, derivative, copy):
    """Make the assignment `s` bind a copy: `bx = _tl.copy(E)`; for a tuple target, the
    statements that copy each derivative name right after it."""
    if len(s.targets) == 1 and isinstance(s.targets[0], gast.Name):
        s.value = _copy_call(copy, s.value)
        return []
    names = [x.id for t in s.targets for x in n.walk(t)
             if isinstance(x, gast.Name) and x.id in derivative]
    return [n.assign(x, _copy_call(copy, n.name(x))) for x in names]


def _copy_call(copy, value):
    """`_tl.copy(value)` (`copy`: its text under the module's alias), marked."""
    return mark_helper(n.call(copy, value), runtime.copy)


def _with_after(body, after):
    """`body` with the statements `after[id(s)]` inserted after each statement `s`."""
    out = []
    for s in body:
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                setattr(s, field, _with_after(inner, after))
        out.append(s)
        out += after.get(id(s), [])
    return out
