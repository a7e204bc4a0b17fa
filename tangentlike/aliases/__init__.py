"""Aliases: which of the user's names may share memory, and which writes are safe.

Receives a checked `ParsedFunction` (its source form, where `u *= 2` is still an
in-place write) and the kinds of its names (analyze.kinds: a name of kind "scalar"
holds a Python number, so `s += 1` rebinds it).  Computes, flow-sensitively, the
objects each name may point to: an argument, a global, or the object made by one
statement.  A basic subscript (`x[1:]`, `x[0]` of a matrix, `x[..., None]`), a view
method or function (`reshape`, `ravel`, `.T`, `transpose`, `swapaxes`, `np.flip`,
`np.asarray`, `np.diag`, `x.conj()`, `x.astype(t, copy=False)`, ...; `VIEW_CALLS`),
`t = x`, a list or dict item, a loop over a container, and a call of a user function
may all give a name the objects of another.  Arithmetic, other NumPy functions,
`x.astype(t)` and `.copy()` make a new object; so do full reductions (`np.sum(x)`),
whose NumPy scalars, like Python numbers, nothing can write into.

Guarantees `check_writes(parsed, arg_kinds)` returns the frozen `AliasFacts` only
if every write the function makes (item and slice assignment, an augmented
assignment on an array or list, `append` and the other mutating methods, `out=`)
either goes to an object that no *other* name the function still reads may point to,
or is one whose effect on those names `fixed` can spell out: the names sharing the
memory are bound to copies, and the write is followed by a write-back into the view's
root and views made again from it (re-making guarded at run time where only the run
time knows whether a view was one).  Then each write changes exactly the name it
names, which is what the transformers assume.  Otherwise it raises
`AliasedWriteError` naming the file, the line, the name written and the name that
would see the change: never a guessed derivative.
"""

import copy
import dataclasses
import re

import gast

from ..calls import is_user_function
from ..nodes import dotted_text, every_statement
from ..errors import AliasedWriteError

# NumPy functions and array methods whose result may be a view of their argument
VIEW_CALLS = frozenset({
    "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "rollaxis", "squeeze",
    "expand_dims", "broadcast_to", "broadcast_arrays", "atleast_1d", "atleast_2d",
    "atleast_3d", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray",
    "diagonal", "real", "imag", "split", "array_split", "hsplit", "vsplit", "dsplit",
    "flip", "fliplr", "flipud", "rot90", "view", "matrix_transpose", "permute_dims",
    "T", "mT", "flat", "get", "setdefault", "values", "items", "keys", "require",
    "nditer", "ndenumerate", "iter", "reversed", "zip", "enumerate", "list",
    "tuple", "dict", "sorted", "pop", "conj", "conjugate", "diag", "trim_zeros",
    "asarray_chkfinite", "real_if_close", "unstack", "sliding_window_view", "ix_",
    "meshgrid"})
# ... and x.astype(t, copy=False), np.array(x, copy=False) (see `is_view_call`)
# ... of which these give items of the object they are called on, never the object
ITEM_METHODS = frozenset({"get", "setdefault", "values", "items", "keys", "pop"})
# builtins that return one of their arguments
CHOOSING_BUILTINS = frozenset({"min", "max"})
ARRAY_KINDS = frozenset({"numeric", "array"})
CONTAINER_KINDS = frozenset({"sequence", "scalars"})
# attributes that are plain values, never views
VALUE_ATTRIBUTES = frozenset({"shape", "ndim", "size", "dtype", "itemsize", "nbytes",
                              "strides", "__name__"})
MUTATING_METHODS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "sort",
    "reverse", "fill", "resize", "itemset", "put", "popitem", "partition", "byteswap"})
# calls that give a view of their array: always (transposes), or when the array's memory
# allows it (reshapes: their re-making is guarded by np.may_share_memory)
SHAPE_VIEWS = frozenset({"transpose", "swapaxes", "reshape", "ravel"})
MAYBE_VIEWS = frozenset({"reshape", "ravel"})
# NumPy functions that always give a view, and undo themselves
FLIPS = frozenset({"flip", "fliplr", "flipud"})
# the in-place methods the transformers follow
FOLLOWED_METHODS = frozenset({"append"})
NUMPY_WRITERS = frozenset({"copyto", "put", "place", "putmask", "fill_diagonal",
                           "put_along_axis"})


SYNC = "_tangentlike_sync"      # marks the statements `fixed` inserts


@dataclasses.dataclass(frozen=True)
class AliasFacts:
    """What the analysis proved about the writes of one function."""
    written: frozenset              # names the function writes into
    parameters_written: frozenset   # parameters whose objects it writes into
    fixes: tuple                    # (id(statement), statements to insert after it)
    copies: frozenset               # id(binding statement) whose value is to be copied,
    #                                 ("target", id(for), name): each pass's row is


def check_writes(parsed, kinds=None, arg_kinds=None):
    """The `AliasFacts` of `parsed`, or `AliasedWriteError` (see the module docstring).
    `arg_kinds`: the kinds of the arguments of this call (a "scalar" argument is a Python
    number: nothing can write into it)."""
    walker = _Walker(parsed, dict(kinds or {}), arg_kinds=arg_kinds)
    walker.run()
    return AliasFacts(frozenset(walker.written), frozenset(walker.parameters_written),
                      tuple((k, tuple(x for fix in v.values() for x in fix))
                            for k, v in walker.fixes.items()),
                      frozenset(walker.copies))


def fixed(parsed, facts):
    """A copy of `parsed` whose function, after each write that other names see, brings
    those names up to date (`facts.fixes`): the same program for NumPy, with every
    change of a shared object spelled out as an assignment that reverse and forward
    mode follow.  The inserted statements carry the write's line and the SYNC mark."""
    fixes = dict(facts.fixes)

    def block(body):
        out = []
        for s in body:
            new = copy.copy(s)
            for field in ("body", "orelse"):
                inner = getattr(s, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                    setattr(new, field, block(inner))
            if id(s) in facts.copies:
                new.value = _copied(s.value)
            targets = sorted(c[2] for c in facts.copies
                             if isinstance(c, tuple) and c[:2] == ("target", id(s)))
            if targets:              # each pass of `for v in x` works on a copy of the row
                new.body = [gast.copy_location(gast.Assign(
                    targets=[_store(t)], value=_copied(_load(t)), type_comment=None), s)
                    for t in targets] + new.body
            out.append(new)
            out += [copy.deepcopy(x) for x in fixes.get(id(s), ())]
        return out

    node = copy.copy(parsed.node)
    node.body = block(list(parsed.node.body))
    from .. import runtime                                  # (a leaf: helpers only)
    return dataclasses.replace(parsed, node=node,
                               namespace={**parsed.namespace, COPY: runtime.copy})


def writes_into_parameters(fn, seen=None):
    """The positions and names of the parameters of user function `fn` whose objects it
    may write into (through any alias), or an empty set when it cannot be read."""
    from ..parse import parse_function                      # (the frontend, below us)
    seen = set() if seen is None else seen
    if fn in seen:
        return frozenset()
    seen.add(fn)
    try:
        parsed = parse_function(fn)
    except Exception:                                       # no source: not ours to judge
        return frozenset()
    walker = _Walker(parsed, {}, seen=seen, strict=False)
    walker.run()
    return frozenset(walker.parameters_written)


class _Walker:
    def __init__(self, parsed, kinds, seen=None, strict=True, arg_kinds=None):
        self.parsed = parsed
        self.fn = parsed.node
        self.kinds = kinds
        self.seen = seen if seen is not None else set()
        self.strict = strict
        args = self.fn.args
        self.params = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]
        self.locals = set(self.params) | {
            x.id for x in gast.walk(self.fn) if isinstance(x, gast.Name)
            and isinstance(x.ctx, gast.Store)}
        self.written, self.parameters_written = set(), set()
        self.contents = {}              # object -> the objects it may hold (list items)
        self.fixes = {}                 # id(statement) -> statements that follow it
        self.immutable = {("param", p) for p, k in (arg_kinds or {}).items()
                          if k == "scalar"}     # objects that are numbers
        self.arrays = {("param", p) for p, k in (arg_kinds or {}).items()
                       if k == "array"}         # objects that are surely NumPy arrays
        self.copies = set()             # id(binding) whose value must be a copy
        self.statements = []            # every statement in source order
        self.loops = {}                 # id(stmt) -> the loops around it
        self.made_names = set()         # names the fixes introduce

    # -- driver --------------------------------------------------------------------
    def run(self):
        self._number(self.fn.body, ())
        self.order = {id(s): k for k, s in enumerate(self.statements)}
        points = {p: frozenset({("param", p)}) for p in self.params}
        points.update({("view", p): frozenset({(p, ())}) for p in self.params})
        self.block(self.fn.body, points)

    def _number(self, body, loops):
        for s in body:
            self.statements.append(s)
            self.loops[id(s)] = loops
            inner = loops + (s,) if isinstance(s, (gast.For, gast.While)) else loops
            for field in ("body", "orelse"):
                block = getattr(s, field, None)
                if isinstance(block, list) and block and isinstance(block[0], gast.stmt):
                    self._number(block, inner)

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
            record = self.record(value, points, objects) if value is not None else None
            points = _forgetting(points, target.id)
            points[target.id] = objects
            points[("view", target.id)] = frozenset({record}) if record else frozenset()
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
            base = _base(target)
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
        if value is not None and not _may_share_any(value) \
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

    # -- views: how a name's object is reached from a root name ------------------------
    def record(self, value, points, objects):
        """(root, steps) when the value of `value` is surely the object of name `root`
        reached by `steps` (basic subscripts, transposes, reshapes); None if unknown.
        A value made new here is its own root: the caller names it."""
        if not _may_share_any(value) or objects == frozenset({("site", id(value))}):
            return ("new", ())
        return self.path_of(value, points)

    def path_of(self, expr, points):
        if isinstance(expr, gast.Name):
            records = points.get(("view", expr.id), frozenset())
            if len(records) == 1:
                (root, steps), = records
                return (expr.id, ()) if root == "new" else (root, steps)
            return None
        if isinstance(expr, gast.Subscript) and self.basic(expr.slice):
            inner = self.path_of(expr.value, points)
            kind = self.kinds.get(expr.value.id) if isinstance(expr.value, gast.Name) else None
            parts = expr.slice.elts if isinstance(expr.slice, gast.Tuple) else [expr.slice]
            sure = kind in CONTAINER_KINDS or any(
                isinstance(p, gast.Slice) or isinstance(p, gast.Constant)
                and (p.value is None or p.value is Ellipsis) for p in parts)
            # x[1] is a view of a matrix's row but a copied number of a vector's item
            step = ("sub" if sure else "item", _key(expr.slice), expr.slice)
            return inner and (inner[0], inner[1] + (step,))
        if isinstance(expr, gast.Attribute) and expr.attr in ("T", "mT"):
            inner = self.path_of(expr.value, points)
            return inner and (inner[0], inner[1] + (("attr", expr.attr, expr.attr),))
        if isinstance(expr, gast.Call) and isinstance(expr.func, gast.Attribute) \
                and expr.func.attr in FLIPS and expr.args and self.is_numpy(expr.func.value) \
                and self.numpy_name() is not None:
            args = expr.args[1:] + [k.value for k in expr.keywords]      # (the axis)
            if len(args) > 1 or any(k.arg != "axis" for k in expr.keywords) \
                    or not all(self.static(a) for a in args):
                return None
            inner = self.path_of(expr.args[0], points)        # np.flip(x, axis)
            step = ("call", expr.func.attr + _key(gast.Tuple(elts=list(args), ctx=gast.Load())),
                    (expr.func.attr, tuple(args)))
            return inner and (inner[0], inner[1] + (step,))
        if isinstance(expr, gast.Call) and isinstance(expr.func, gast.Attribute) \
                and expr.func.attr in SHAPE_VIEWS and not expr.keywords:
            receiver = expr.func.value
            if self.is_numpy(receiver) and expr.args:           # np.reshape(x, ...)
                viewed, args = expr.args[0], expr.args[1:]
            else:                                               # x.reshape(...)
                viewed, args = receiver, expr.args
            if not all(self.static(a) for a in args):
                return None
            inner = self.path_of(viewed, points)
            step = ("call", expr.func.attr + _key(gast.Tuple(elts=list(args), ctx=gast.Load())),
                    (expr.func.attr, tuple(args)))
            return inner and (inner[0], inner[1] + (step,))
        return None

    def is_numpy(self, expr):
        import numpy
        return self.parsed.resolve_expression(expr, self.locals) is numpy

    def static(self, expr):
        """Is `expr` made of literals and names of Python numbers only?  (Rebinding such
        a name forgets the views whose steps read it: see `_forgetting`.)"""
        for x in gast.walk(expr):
            if isinstance(x, gast.Name) and self.kinds.get(x.id) != "scalar":
                return False
            if isinstance(x, (gast.Call, gast.Subscript, gast.Attribute, gast.Compare,
                              gast.List, gast.ListComp)):
                return False
        return True

    def basic(self, index):
        """Is `index` surely a basic index (a view, not a copy) that keeps its value?"""
        parts = index.elts if isinstance(index, gast.Tuple) else [index]
        for part in parts:
            if isinstance(part, gast.Slice):
                if not all(p is None or self.static(p) for p in (part.lower, part.upper,
                                                                  part.step)):
                    return False
            elif isinstance(part, gast.Constant):
                if not (part.value is None or part.value is Ellipsis
                        or isinstance(part.value, int) and not isinstance(part.value, bool)):
                    return False
            elif not (isinstance(part, gast.UnaryOp) and isinstance(part.operand, gast.Constant)
                      and isinstance(part.operand.value, int)) and not (
                    isinstance(part, gast.Name) and self.static(part)):
                return False
        return True

    def fix(self, name, seeing, s, points):
        """Statements that bring the names `seeing` up to date after `s` writes into the
        object of `name`, or None when their relation to it is not surely known."""
        if not isinstance(s, (gast.Assign, gast.AugAssign, gast.Expr)):
            return None
        mine = self.path_of(gast.Name(id=name, ctx=gast.Load(), annotation=None,
                                      type_comment=None), points)
        theirs = {m: self.path_of(gast.Name(id=m, ctx=gast.Load(), annotation=None,
                                            type_comment=None), points) for m in seeing}
        if mine is None or any(t is None or t[0] != mine[0] for t in theirs.values()):
            return None
        root, steps = mine
        out = []
        if name != root:
            back = self.written_back(root, name, steps)
            if back is None:
                return None
            out.extend(back if isinstance(back, list) else [back])
        for m, (_, path) in sorted(theirs.items()):
            if m != root:
                out.append(self.derived(m, root, path))
        if any(x is None for x in out):
            return None
        if isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Name) and out:
            # `v += e` writes into an array but rebinds a number (a NumPy scalar too):
            # which one, only the run time knows
            numpy_name = self.numpy_name()
            if numpy_name is None:
                return None
            test = gast.UnaryOp(op=gast.Not(), operand=gast.Call(
                func=gast.Attribute(value=_load(numpy_name), attr="isscalar",
                                    ctx=gast.Load()), args=[_load(name)], keywords=[]))
            out = [gast.If(test=test, body=out, orelse=[])]
        for x in out:
            gast.copy_location(x, s)
            for sub in gast.walk(x):
                if isinstance(sub, (gast.stmt, gast.expr)):
                    gast.copy_location(sub, s)
            setattr(x, SYNC, True)
        return out

    def written_back(self, root, name, steps):
        """`root[i][j] = name`, `root = name`, `root = name.T` (a transpose undone) or
        `root = name.reshape(np.shape(root))` when they share memory: the root takes the
        value the write gave the view `name`."""
        value = _load(name)
        if len(steps) == 1 and steps[0][0] == "call":
            attr, args = steps[0][2]
            if attr in FLIPS:                     # a flip undoes itself
                return gast.Assign(targets=[_store(root)], type_comment=None,
                                   value=_copied(self.view(name, steps)))
            if attr == "swapaxes" or attr == "transpose" and not args:
                return gast.Assign(targets=[_store(root)], type_comment=None, value=_copied(
                    gast.Call(func=gast.Attribute(value=value, attr=attr, ctx=gast.Load()),
                              args=[copy.deepcopy(a) for a in args], keywords=[])))
            numpy_name = self.numpy_name()
            if attr not in MAYBE_VIEWS or numpy_name is None:
                return None
            shape = gast.Call(func=gast.Attribute(value=_load(numpy_name), attr="shape",
                                                  ctx=gast.Load()), args=[_load(root)],
                              keywords=[])
            back = gast.Assign(targets=[_store(root)], type_comment=None, value=_copied(
                gast.Call(func=gast.Attribute(value=value, attr="reshape", ctx=gast.Load()),
                          args=[shape], keywords=[])))
            return self.if_view(root, steps, back)
        if all(kind in ("sub", "item") for kind, _, _ in steps):
            target = _load(root)
            for _, _, index in steps:
                target = gast.Subscript(value=target, slice=copy.deepcopy(index),
                                        ctx=gast.Load())
            if isinstance(target, gast.Name):
                return gast.Assign(targets=[_store(root)], value=_copied(value),
                                   type_comment=None)
            target.ctx = gast.Store()
            back = gast.Assign(targets=[target], value=value, type_comment=None)
            return self.if_view(root, steps, back) if _maybe(steps) else back
        if len(steps) == 1 and steps[0][0] == "attr":
            return gast.Assign(targets=[_store(root)], type_comment=None,
                               value=_copied(gast.Attribute(value=value, attr=steps[0][2],
                                                            ctx=gast.Load())))
        return self.chain_written_back(root, name, steps)

    def chain_written_back(self, root, name, steps):
        """The write-back through a chain of steps of several kinds (`x.reshape(3, 1)[:, 0]`,
        `z[0].reshape(4, 1)`): from the view back to the root, each step undone in turn
        (an index by writing into a copy of the array it indexed, a transpose or flip by
        itself, a reshape by reshaping to the shape it came from), the root rebound last;
        guarded like the re-made views.  None where a step cannot be undone."""
        numpy_name = self.numpy_name()
        if numpy_name is None or self.kinds.get(root) in CONTAINER_KINDS:
            return None
        statements, value = [], _load(name)
        for k in range(len(steps), 0, -1):
            kind, _, step = steps[k - 1]
            outer = self.view(root, steps[:k - 1])          # what the step was taken of
            if kind in ("sub", "item"):
                temp = self.fresh("tangentlike_view")
                statements.append(gast.Assign(targets=[_store(temp)], value=_copied(outer),
                                              type_comment=None))
                statements.append(gast.Assign(
                    targets=[gast.Subscript(value=_load(temp), slice=copy.deepcopy(step),
                                            ctx=gast.Store())],
                    value=value, type_comment=None))
                value = _load(temp)
            elif kind == "attr":                            # .T and .mT undo themselves
                value = gast.Attribute(value=value, attr=step, ctx=gast.Load())
            elif step[0] in FLIPS or step[0] == "swapaxes" \
                    or step[0] == "transpose" and not step[1]:
                value = self.view_of(value, kind, step)
            elif step[0] in MAYBE_VIEWS:
                shape = gast.Call(func=gast.Attribute(value=_load(numpy_name), attr="shape",
                                                      ctx=gast.Load()), args=[outer], keywords=[])
                value = gast.Call(func=gast.Attribute(value=value, attr="reshape",
                                                      ctx=gast.Load()),
                                  args=[shape], keywords=[])
            else:
                return None                                 # (a transpose with axes)
        statements.append(gast.Assign(targets=[_store(root)], value=_copied(value),
                                      type_comment=None))
        if not _maybe(steps):
            return statements
        guarded = self.if_view(root, steps, statements[0])
        guarded.body = statements
        return [guarded]

    def fresh(self, stem):
        """A name no one uses in the function or its module."""
        taken = self.locals | set(self.parsed.namespace) | self.made_names
        k = 1
        while f"{stem}{k}" in taken:
            k += 1
        self.made_names.add(f"{stem}{k}")
        return f"{stem}{k}"

    def derived(self, m, root, steps):
        """`m = root[i].T....copy()`: the view `m` made again from its root (in memory
        of its own, as every view of written memory is: see `write`)."""
        remade = gast.Assign(targets=[_store(m)], value=_copied(self.view(root, steps)),
                             type_comment=None)
        if _maybe(steps):
            return self.if_view(root, steps, remade)     # (None: no numpy name to guard)
        return remade

    def view(self, root, steps):
        """The expression `root[i].T...` that `steps` make from `root`."""
        value = _load(root)
        for kind, _, step in steps:
            value = self.view_of(value, kind, step)
        return value

    def view_of(self, value, kind, step):
        """The expression taking one step from `value`."""
        if kind in ("sub", "item"):
            return gast.Subscript(value=value, slice=copy.deepcopy(step), ctx=gast.Load())
        if kind == "attr":
            return gast.Attribute(value=value, attr=step, ctx=gast.Load())
        attr, args = step
        if attr in FLIPS:                             # np.flip(value, axis)
            return gast.Call(func=gast.Attribute(value=_load(self.numpy_name()), attr=attr,
                                                 ctx=gast.Load()),
                             args=[value] + [copy.deepcopy(a) for a in args], keywords=[])
        return gast.Call(func=gast.Attribute(value=value, attr=attr, ctx=gast.Load()),
                         args=[copy.deepcopy(a) for a in args], keywords=[])

    def numpy_name(self):
        """A name the function's module gives NumPy, or None."""
        import numpy
        return next((k for k, v in sorted(self.parsed.namespace.items())
                     if v is numpy and k not in self.locals), None)

    def if_view(self, root, steps, statement):
        """`statement` under the test that the view was one when it was made: for a
        reshape, `np.may_share_memory(root.reshape(...), root)` (a copy does not see the
        write); for an item, `not np.isscalar(root[i])` (a row of a matrix, a list in a
        list; a vector's item is a number of its own).  The test reads only the root and
        the view's indices, which keep the values they had when it was made."""
        numpy_name = self.numpy_name()
        if numpy_name is None:
            return None
        numpy = _load(numpy_name)
        tests = []
        for k, (kind, _, step) in enumerate(steps):
            view = self.view(root, steps[:k + 1])
            if kind == "item":
                tests.append(gast.UnaryOp(op=gast.Not(), operand=gast.Call(
                    func=gast.Attribute(value=numpy, attr="isscalar", ctx=gast.Load()),
                    args=[view], keywords=[])))
            elif kind == "call" and step[0] in MAYBE_VIEWS:
                tests.append(gast.Call(
                    func=gast.Attribute(value=copy.deepcopy(numpy), attr="may_share_memory",
                                        ctx=gast.Load()),
                    args=[view, self.view(root, steps[:k])], keywords=[]))
        test = tests[0] if len(tests) == 1 else gast.BoolOp(op=gast.And(), values=tests)
        return gast.If(test=test, body=[statement], orelse=[])

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
        if not _may_share_any(expr):
            return new
        if isinstance(expr, gast.Subscript) and _surely_advanced(expr.slice):
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
            if self.user_call(expr) is None and not is_view_call(expr) and not choosing:
                return new              # other functions and methods compute a new value
            operands = list(expr.args) + [k.value for k in expr.keywords]
            out = frozenset().union(*(self.shares(e, points) for e in operands))
            if isinstance(func, gast.Attribute):
                receiver = self.shares(func.value, points)
                if word in ITEM_METHODS:          # d.get(k, v): an item of d, or v
                    return self.with_contents(receiver) - receiver | out | new
                out |= receiver
            return self.with_contents(out) | new
        return frozenset().union(*(self.shares(x, points) for x in gast.walk(expr)
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
            import builtins
            import math
            if _full_reduction(expr) and isinstance(expr.func, gast.Attribute) \
                    and not expr.args and not self.is_numpy(expr.func.value):
                return True                       # x.sum(): a NumPy scalar
            obj = self.parsed.resolve_expression(expr.func, self.locals)
            if obj is None:
                return False
            if _full_reduction(expr) and len(expr.args) == 1 \
                    and obj is getattr(_numpy(), expr.func.attr, None):
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
        base = _base(target)
        if base is not None:
            self.write(base, s, points, objects=self.target_objects(target, points))

    def calls(self, node, points, s=None):
        """Writes made by calls inside `node`: mutating methods, `out=`, NumPy writers and
        user functions that write into their arguments."""
        s = s if s is not None else node
        for call in (c for c in gast.walk(node) if isinstance(c, gast.Call)):
            func = call.func
            if isinstance(func, gast.Attribute) and func.attr in MUTATING_METHODS \
                    and _base(func.value) in self.locals:
                owner = self.shares(func.value, points) - self.immutable
                if owner and func.attr not in FOLLOWED_METHODS:
                    self.unfollowed(call, f"`{dotted_text(func)}(...)`")
                self.write(_base(func.value), s, points, objects=owner)
                for a in call.args:
                    self.hold(owner, self.shares(a, points))
            if isinstance(func, gast.Attribute) and func.attr in NUMPY_WRITERS and call.args \
                    and self.parsed.resolve_expression(func.value, self.locals) is not None:
                self.unfollowed(call, f"`{dotted_text(func)}(...)`")
                if _base(call.args[0]) in self.locals:
                    self.write(_base(call.args[0]), s, points)
            for k in call.keywords:
                if k.arg == "out":
                    self.unfollowed(call, "an `out=` argument")
                    for name in _names(k.value) & self.locals:
                        self.write(name, s, points)
            callee = self.user_call(call)
            if callee is not None:
                written = writes_into_parameters(callee, self.seen)
                passed = list(enumerate(call.args)) + [(k.arg, k.value) for k in call.keywords]
                for key, arg in passed:
                    base = _base(arg)
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
                  and self.read_later(o, s)]
        root = self.path_of(_load(name), points) if callee is None else None
        if root is not None and root[0] in affected and root[0] != name \
                and root[0] not in seeing:
            # the root is kept up to date (a view written may be re-made from it later)
            seeing.append(root[0])
        for loop in self.loops.get(id(s), ()):   # `for v in x` reads x as it goes
            if isinstance(loop, gast.For) and self.shares(loop.iter, points) & objects:
                raise self.error(name, loop, s, construct, callee)
        if seeing:
            fix = None if construct or callee else self.fix(name, seeing, s, points)
            if fix is None:
                raise self.error(name, seeing[0], s, construct, callee)
            self.fixes.setdefault(id(s), {})[name] = fix     # (a loop's last pass wins)
        # Each name that shares the written memory gets a copy where it was bound, so
        # that what the derivative reads of it (before the write too: the backward sweep
        # reads values of earlier statements) is exactly its value; the fixes above say
        # the rest.  A name bound so that no copy can be made must not be read at all.
        for o in affected:
            defs = points.get(("def", o), frozenset())
            if "?" in defs:
                if o != name and self.read_anywhere(o):
                    raise self.error(name, o, s, construct, callee)
                continue
            self.copies |= defs

    def read_anywhere(self, name):
        return _reads(self.fn, name)

    def read_later(self, name, s):
        """Is `name` read by a statement after `s`, or anywhere in a loop around `s`
        that does not bind it afresh on each pass (`for v in x` rebinds `v` before the
        body reads it again)?"""
        k = self.order.get(id(s), -1)
        around = self.loops.get(id(s), ())
        later = self.statements[k + 1:] if k >= 0 else self.statements
        # (a statement inside a later loop that binds `name` reads the new binding)
        scopes = [x for x in later if not any(
            loop not in around and _binds(loop, name) for loop in self.loops.get(id(x), ()))]
        scopes += [loop for loop in around if not _binds(loop, name)]
        return any(_reads_before_binding(node, name) for node in scopes)

    def unfollowed(self, call, what):
        """Raise the located error for a call that writes into an object in a way the
        transformers do not follow (they follow item assignment and `append`); a callee
        (not strict) is only asked what it writes."""
        if not self.strict:
            return
        filename, line, column, source_line = self.parsed.location(call)
        raise AliasedWriteError(
            f"{what}, which changes an object in place,",
            "assign the result instead (`y = np.sort(y)`, `y = np.sin(x)`, "
            "`ys = ys + [v]`); tangentlike follows writes made by item assignment "
            "(`y[i] = v`), augmented assignment and `append`",
            filename=filename, line=line, column=column, source_line=source_line)

    def error(self, name, other, s, construct, callee):
        filename, line, column, source_line = self.parsed.location(s)
        if isinstance(other, gast.For):             # a loop over the memory of `name`
            header = self.parsed.location(other)[3].strip()
            head, _, iterable = header.partition(" in ")
            copied = re.sub(rf"\b{re.escape(name)}\b", f"{name}.copy()", iterable)
            what = (f"{construct or 'a write'} through `{name}` inside the loop "
                    f"`{header}` over its memory (the loop reads the array as it goes)")
            hint = (f"loop over a copy (`{head} in {copied}`) or over indices "
                    f"(`for i in range(len({name})):`)")
            other = name
        elif callee is not None:
            what = (f"passing `{name}` to {callee.__name__}, which writes into that argument, "
                    f"while `{other}` is read afterwards")
            hint = (f"pass a copy (`{callee.__name__}({name}.copy(), ...)`) and use what it "
                    "returns, or write the function so that it returns its result")
        else:
            how = construct or "a write"
            what = (f"{how} through `{name}` into memory that `{other}` shares (one may be "
                    f"a view or alias of the other, and `{other}` is read afterwards)")
            hint = (f"write into `{other}` directly, or make `{name}` a copy "
                    f"(`{name} = ....copy()`) if `{other}` must not change")
        return AliasedWriteError(what, hint, filename=filename, line=line, column=column,
                                 source_line=source_line, written=name, other=other)


def _binds(loop, name):
    """Is `loop` a `for` whose target binds `name` on each pass?"""
    return isinstance(loop, gast.For) and any(
        isinstance(x, gast.Name) and x.id == name for x in gast.walk(loop.target))


def _reads_before_binding(node, name):
    """Does `node` read `name`, outside the bodies of loops that bind it afresh?"""
    if _binds(node, name):
        return _reads(node.iter, name) or any(_reads_before_binding(x, name)
                                              for x in node.orelse)
    if isinstance(node, gast.stmt) and any(isinstance(getattr(node, f, None), list)
                                           for f in ("body", "orelse")):
        own = [v for f, v in gast.iter_fields(node) if f not in ("body", "orelse")]
        return any(_reads(v, name) for v in own if isinstance(v, gast.AST)) \
            or any(_reads(v, name) for value in own if isinstance(value, list)
                   for v in value if isinstance(v, gast.AST)) \
            or any(_reads_before_binding(x, name) for f in ("body", "orelse")
                   for x in getattr(node, f, None) or [])
    return _reads(node, name)


def _reads(node, name):
    """Does `node` (a statement with its body, or a function) read `name`?  An augmented
    assignment reads its target."""
    for x in gast.walk(node):
        if isinstance(x, gast.Name) and x.id == name and isinstance(x.ctx, gast.Load):
            return True
        if isinstance(x, gast.AugAssign) and _base(x.target) == name:
            return True
    return False


COPY = "tangentlike_copy"   # how fixed code names runtime.copy (api puts it in scope)


def _copied(value):
    """`tangentlike_copy(value)`: the same value in memory of its own (runtime.copy,
    which copies arrays, lists and dicts and leaves numbers as they are)."""
    return gast.Call(func=_load(COPY), args=[value], keywords=[])


def _maybe(steps):
    """Do `steps` hold one that makes a view only at run time (an item, a reshape)?"""
    return any(kind == "item" or kind == "call" and step[0] in MAYBE_VIEWS
               for kind, _, step in steps)


def _load(name):
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def _store(name):
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def _key(node):
    return gast.dump(node)


def _forgetting(points, name):
    """`points` less the view records that rebinding `name` makes stale: those reached
    from it (their root is no longer its object)."""
    out = dict(points)
    for key, records in points.items():
        if isinstance(key, tuple) and key[0] == "view" and records:
            out[key] = frozenset(r for r in records
                                 if r[0] != name and name not in _step_names(r[1]))
    return out


def _step_names(steps):
    """The names the steps of a view record read (indices, shape arguments)."""
    out = set()
    for _, _, node in steps:
        parts = node[1] if isinstance(node, tuple) else [node] if not isinstance(node, str) \
            else []
        for part in parts:
            out |= {x.id for x in gast.walk(part) if isinstance(x, gast.Name)}
    return out


def _merged(a, b):
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, frozenset()) | v
    return out


def _surely_advanced(index):
    """An index that surely makes a copy: a list, a comparison (a mask), a NumPy array."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    return any(isinstance(p, (gast.List, gast.ListComp, gast.Compare)) for p in parts)


def _base(node):
    while isinstance(node, (gast.Subscript, gast.Attribute, gast.Starred)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def _names(node):
    return {x.id for x in gast.walk(node) if isinstance(x, gast.Name)}


def _may_share_any(expr):
    """False when the value of `expr` is surely a new object (arithmetic, a constant)."""
    return not isinstance(expr, (gast.BinOp, gast.UnaryOp, gast.Compare, gast.Constant,
                                 gast.Lambda, gast.ListComp, gast.GeneratorExp,
                                 gast.DictComp, gast.SetComp, gast.JoinedStr))


def temporaries_own_their_values(body, temporaries):
    """`body` (a normalized function's, changed in place) where each temporary that
    normalize named (`_t1 = np.transpose(A)`) and that may be a view of an object the
    function writes into later is bound to a copy: the backward sweep reads it after
    the write, and it must see the values it had.  (The user's expression used the view
    at once, so the copy changes nothing else.)"""
    written = _written_names(body)
    if not written:
        return body
    reads, copied = {}, {}          # how often each name is read, and read to be copied
    for x in (x for s in body for x in gast.walk(s)):
        if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Load):
            reads[x.id] = reads.get(x.id, 0) + 1
        if isinstance(x, gast.Call) and isinstance(x.func, gast.Name) and x.func.id == COPY \
                and len(x.args) == 1 and isinstance(x.args[0], gast.Name):
            copied[x.args[0].id] = copied.get(x.args[0].id, 0) + 1
    for s in every_statement(body):
        if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                and isinstance(s.targets[0], gast.Name) and s.targets[0].id in temporaries \
                and _may_view(s.value, written) \
                and copied.get(s.targets[0].id, 0) < reads.get(s.targets[0].id, 0):
            s.value = _copied(s.value)
    return body


def _written_names(body):
    """Names whose object some statement of `body` writes into (item assignment, a
    mutating method)."""
    out = set()
    for s in every_statement(body):
        targets = s.targets if isinstance(s, gast.Assign) else \
            [s.target] if isinstance(s, gast.AugAssign) else []
        for t in targets:
            if isinstance(t, (gast.Subscript, gast.Attribute)) and _base(t):
                out.add(_base(t))
        for call in (c for c in gast.walk(s) if isinstance(c, gast.Call)):
            if isinstance(call.func, gast.Attribute) and call.func.attr in MUTATING_METHODS \
                    and _base(call.func.value):
                out.add(_base(call.func.value))
    return out


# reductions whose result, over all axes, is a NumPy scalar (immutable)
_FULL_REDUCTIONS = frozenset({"sum", "mean", "prod", "max", "min", "amax", "amin", "std",
                              "var", "median", "ptp", "nansum", "nanmean", "nanmax",
                              "nanmin", "nanprod", "nanstd", "nanvar", "item"})


def _full_reduction(call):
    """`x.sum()` or `np.sum(x)` with no axis, keepdims or out: over all axes."""
    return isinstance(call.func, gast.Attribute) and call.func.attr in _FULL_REDUCTIONS \
        and not call.keywords


def _numpy():
    import numpy
    return numpy


def is_view_call(call):
    """May `call` return a view of (or an object held by) an operand?  `x.conj()` of a
    real array is `x` itself; `x.astype(t, copy=False)` and `np.array(x, copy=False)`
    may be."""
    func = call.func
    word = func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", None)
    if word in _COPY_UNLESS_ASKED:            # x.astype(t) copies unless copy=False
        return len(call.args) > _COPY_UNLESS_ASKED[word] or any(
            k.arg == "copy" and not _is_true(k.value) for k in call.keywords)
    return word in VIEW_CALLS


# calls that copy unless a `copy` keyword says otherwise (or more positional arguments
# than this are given, where one may be `copy`)
_COPY_UNLESS_ASKED = {"array": 1, "astype": 4}


def _is_true(expr):
    return isinstance(expr, gast.Constant) and expr.value is True


def _may_view(expr, written):
    """May the value of `expr` be a view of (or an item held by) a name in `written`?"""
    if isinstance(expr, gast.Name):
        return expr.id in written
    if isinstance(expr, (gast.Subscript, gast.Starred)):
        return _may_view(expr.value, written)
    if isinstance(expr, gast.Attribute):
        return expr.attr not in VALUE_ATTRIBUTES and _may_view(expr.value, written)
    if isinstance(expr, gast.Call):
        func = expr.func
        word = func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", None)
        if not is_view_call(expr) and word not in CHOOSING_BUILTINS:
            return False
        operands = list(expr.args) + ([func.value] if isinstance(func, gast.Attribute) else [])
        return any(_may_view(a, written) for a in operands)
    return False
