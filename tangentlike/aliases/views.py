"""Aliases: views as paths from a root name, and the statements that keep them current.

Receives, from the walk (walk.py), the points-to state at a statement (`points`:
name -> the objects it may be; ("view", name) -> the records of how its object is
reached from a root name) and the kinds of the names.  `Views` answers:

- `record(value, points, objects)` and `path_of(expr, points)`: (root, steps) when
  the value is surely the object of name `root` reached by `steps` (basic
  subscripts, `.T`, transposes, reshapes, flips with static arguments), else None;
- `fix(name, seeing, s, points)`: the statements that, after statement `s` writes
  into the object of `name`, bring the names `seeing` up to date: the root written
  back from the view (each step undone: an index by writing into a copy, a transpose
  or flip by itself, a reshape by reshaping back), then each view made again from
  the root, in memory of its own (`copy_of`); guarded at run time
  (`np.may_share_memory`, `not np.isscalar`) where only the run time knows whether a
  view was one.  None when a relation is not surely known: the walk then raises.

Every statement `fix` makes carries the write's location and the SYNC mark; the
names it introduces (`tangentlike_view1`) are fresh in the function and its module.
`forgetting(points, name, keys)` drops the view records that rebinding `name` makes
stale; `record_readers(record)`, the names a record is made from.
"""


import gast
import numpy

from .. import nodes as n
from .vocabulary import (CONTAINER_KINDS, FLIPS, MAYBE_VIEWS, SHAPE_VIEWS, SYNC, copy_of,
                         load, may_share_any, store)


class Views:
    """The view records of one function's names, and the fixes built from them."""

    def __init__(self, parsed, kinds, locals_):
        self.parsed = parsed
        self.kinds = kinds                  # name -> kind (value_kinds.kinds)
        self.locals = locals_               # the names the function binds
        self.made_names = set()             # names the fixes introduce

    def record(self, value, points, objects):
        """(root, steps) when the value of `value` is surely the object of name `root`
        reached by `steps` (basic subscripts, transposes, reshapes); None if unknown.
        A value made new here is its own root: the caller names it."""
        if not may_share_any(value) or objects == frozenset({("site", id(value))}):
            return ("new", ())
        return self.path_of(value, points)

    def path_of(self, expr, points):
        """(root, steps): `expr` is surely the object of name `root` reached by `steps`;
        None if unknown."""
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
        return self.parsed.resolve_expression(expr, self.locals) is numpy

    def static(self, expr):
        """Is `expr` made of literals and names of Python numbers only?  (Rebinding such
        a name forgets the views whose steps read it: see `forgetting`.)"""
        for x in n.walk(expr):
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
                func=gast.Attribute(value=load(numpy_name), attr="isscalar",
                                    ctx=gast.Load()), args=[load(name)], keywords=[]))
            out = [gast.If(test=test, body=out, orelse=[])]
        for x in out:
            gast.copy_location(x, s)
            for sub in n.walk(x):
                if isinstance(sub, (gast.stmt, gast.expr)):
                    gast.copy_location(sub, s)
            setattr(x, SYNC, True)
        return out

    def written_back(self, root, name, steps):
        """`root[i][j] = name`, `root = name`, `root = name.T` (a transpose undone) or
        `root = name.reshape(np.shape(root))` when they share memory: the root takes the
        value the write gave the view `name`."""
        value = load(name)
        if len(steps) == 1 and steps[0][0] == "call":
            attr, args = steps[0][2]
            if attr in FLIPS:                     # a flip undoes itself
                return gast.Assign(targets=[store(root)], type_comment=None,
                                   value=copy_of(self.view(name, steps)))
            if attr == "swapaxes" or attr == "transpose" and not args:
                return gast.Assign(targets=[store(root)], type_comment=None, value=copy_of(
                    gast.Call(func=gast.Attribute(value=value, attr=attr, ctx=gast.Load()),
                              args=[n.copied(a) for a in args], keywords=[])))
            numpy_name = self.numpy_name()
            if attr not in MAYBE_VIEWS or numpy_name is None:
                return None
            shape = gast.Call(func=gast.Attribute(value=load(numpy_name), attr="shape",
                                                  ctx=gast.Load()), args=[load(root)],
                              keywords=[])
            back = gast.Assign(targets=[store(root)], type_comment=None, value=copy_of(
                gast.Call(func=gast.Attribute(value=value, attr="reshape", ctx=gast.Load()),
                          args=[shape], keywords=[])))
            return self.if_view(root, steps, back)
        if all(kind in ("sub", "item") for kind, _, _ in steps):
            target = load(root)
            for _, _, index in steps:
                target = gast.Subscript(value=target, slice=n.copied(index),
                                        ctx=gast.Load())
            if isinstance(target, gast.Name):
                return gast.Assign(targets=[store(root)], value=copy_of(value),
                                   type_comment=None)
            target.ctx = gast.Store()
            back = gast.Assign(targets=[target], value=value, type_comment=None)
            return self.if_view(root, steps, back) if _maybe(steps) else back
        if len(steps) == 1 and steps[0][0] == "attr":
            return gast.Assign(targets=[store(root)], type_comment=None,
                               value=copy_of(gast.Attribute(value=value, attr=steps[0][2],
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
        statements, value = [], load(name)
        for k in range(len(steps), 0, -1):
            kind, _, step = steps[k - 1]
            outer = self.view(root, steps[:k - 1])          # what the step was taken of
            if kind in ("sub", "item"):
                temp = self.fresh("tangentlike_view")
                statements.append(gast.Assign(targets=[store(temp)], value=copy_of(outer),
                                              type_comment=None))
                statements.append(gast.Assign(
                    targets=[gast.Subscript(value=load(temp), slice=n.copied(step),
                                            ctx=gast.Store())],
                    value=value, type_comment=None))
                value = load(temp)
            elif kind == "attr":                            # .T and .mT undo themselves
                value = gast.Attribute(value=value, attr=step, ctx=gast.Load())
            elif step[0] in FLIPS or step[0] == "swapaxes" \
                    or step[0] == "transpose" and not step[1]:
                value = self.view_of(value, kind, step)
            elif step[0] in MAYBE_VIEWS:
                shape = gast.Call(func=gast.Attribute(value=load(numpy_name), attr="shape",
                                                      ctx=gast.Load()), args=[outer], keywords=[])
                value = gast.Call(func=gast.Attribute(value=value, attr="reshape",
                                                      ctx=gast.Load()),
                                  args=[shape], keywords=[])
            else:
                return None                                 # (a transpose with axes)
        statements.append(gast.Assign(targets=[store(root)], value=copy_of(value),
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
        remade = gast.Assign(targets=[store(m)], value=copy_of(self.view(root, steps)),
                             type_comment=None)
        if _maybe(steps):
            return self.if_view(root, steps, remade)     # (None: no numpy name to guard)
        return remade

    def view(self, root, steps):
        """The expression `root[i].T...` that `steps` make from `root`."""
        value = load(root)
        for kind, _, step in steps:
            value = self.view_of(value, kind, step)
        return value

    def view_of(self, value, kind, step):
        """The expression taking one step from `value`."""
        if kind in ("sub", "item"):
            return gast.Subscript(value=value, slice=n.copied(step), ctx=gast.Load())
        if kind == "attr":
            return gast.Attribute(value=value, attr=step, ctx=gast.Load())
        attr, args = step
        if attr in FLIPS:                             # np.flip(value, axis)
            return gast.Call(func=gast.Attribute(value=load(self.numpy_name()), attr=attr,
                                                 ctx=gast.Load()),
                             args=[value] + [n.copied(a) for a in args], keywords=[])
        return gast.Call(func=gast.Attribute(value=value, attr=attr, ctx=gast.Load()),
                         args=[n.copied(a) for a in args], keywords=[])

    def numpy_name(self):
        """A name the function's module gives NumPy, or None."""
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
        numpy = load(numpy_name)
        tests = []
        for k, (kind, _, step) in enumerate(steps):
            view = self.view(root, steps[:k + 1])
            if kind == "item":
                tests.append(gast.UnaryOp(op=gast.Not(), operand=gast.Call(
                    func=gast.Attribute(value=numpy, attr="isscalar", ctx=gast.Load()),
                    args=[view], keywords=[])))
            elif kind == "call" and step[0] in MAYBE_VIEWS:
                tests.append(gast.Call(
                    func=gast.Attribute(value=n.copied(numpy), attr="may_share_memory",
                                        ctx=gast.Load()),
                    args=[view, self.view(root, steps[:k])], keywords=[]))
        test = tests[0] if len(tests) == 1 else gast.BoolOp(op=gast.And(), values=tests)
        return gast.If(test=test, body=[statement], orelse=[])


def _maybe(steps):
    """Do `steps` hold one that makes a view only at run time (an item, a reshape)?"""
    return any(kind == "item" or kind == "call" and step[0] in MAYBE_VIEWS
               for kind, _, step in steps)


def _key(node):
    """A key that tells steps apart by their expressions' text."""
    return gast.dump(node)


def forgetting(points, name, keys):
    """`points` less the view records that rebinding `name` makes stale: those reached
    from it (their root is no longer its object); `points` itself when none is.
    `keys`: the ("view", x) keys whose records may read `name` (each record made from
    it is under one of them)."""
    out = points
    for key in keys:
        records = points.get(key)
        if records and any(_stale(r, name) for r in records):
            out = dict(out) if out is points else out
            out[key] = frozenset(r for r in records if not _stale(r, name))
    return out


def _stale(record, name):
    return record[0] == name or bool(record[1]) and name in _step_names(record[1])


def record_readers(record):
    """The names rebinding which may make view record `record` stale."""
    return {record[0]} | (_step_names(record[1]) if record[1] else set())


def _step_names(steps):
    """The names the steps of a view record read (indices, shape arguments)."""
    out = set()
    for _, _, node in steps:
        parts = node[1] if isinstance(node, tuple) else [node] if not isinstance(node, str) \
            else []
        for part in parts:
            out |= {x.id for x in n.walk(part) if isinstance(x, gast.Name)}
    return out
