"""Analysis: where an array adjoint may stay broadcast, and the shapes it stands for.

Receives the top-level statements of a normalized function (its return value named,
`out_name`), the function's `FunctionView` (calls.py: activity, kinds, what each
call refers to), the namer, and whether the adjoint is a joint function or a split
pair.  Guarantees one frozen `BroadcastPlan`, made once before any adjoint block is
built (`plan_broadcasts`), and nothing else changed but the names the namer handed
out for the plan's shapes (`BroadcastPlan.shapes`, new locals of the function):

- loose values: an adjoint that may stay wider than its value, because the value
  is made by one elementwise operation (or a matrix product, whose adjoint helpers
  reduce themselves) and read once, as an operand whose adjoint is reduced anyway;
  the reduction then happens once, at the leaves;
- spread sums: `s = np.sum(a)` of an elementwise temporary `a` leaves a's adjoint
  the scalar adjoint of `s`, standing for that number spread over a's shape (a
  named shape); the loose values below it stand for that shape too, and each
  operand takes its own part (`_ntl.spread`) without building the spread array;
- for a joint function, the operands each spread shape can be read from in the
  backward sweep (instead of measuring it in the primal one), and which of those
  shapes surely belong to every operand alike (`one_shapes`).

The helpers both the plan and the adjoint blocks ask (`may_broadcast`,
`basic_index`, `is_ufunc`) live here too.
"""

import collections
import dataclasses
import types

import gast
import numpy

from . import analyze
from . import nodes as n
from .rules import lookup
from .rules.methods import method_callable
from .syntax import OPERATORS, is_leaf
from .trees import ARRAY_KINDS

@dataclasses.dataclass(frozen=True)
class BroadcastPlan:
    """Where adjoints may stay broadcast (see the module docstring).

    summed: id(top-level statement `s = np.sum(a)`) -> a, whose adjoint is left
    the unspread adjoint of s.  spread: value -> the name of the shape its adjoint
    stands for.  loose: values whose adjoint may stay broadcast.  self_reducing:
    `v = a @ b` values among them (their adjoint rule reduces a broadcast adjoint).
    spread_leaves: (joint functions) a -> the operands a's shape is read from.
    one_shapes: the spread shapes whose operands surely have that one shape.
    shapes: the names of the spread shapes, in the order they were made.
    """

    summed: types.MappingProxyType
    spread: types.MappingProxyType
    loose: frozenset
    self_reducing: frozenset
    spread_leaves: types.MappingProxyType
    one_shapes: frozenset
    shapes: tuple


def plan_broadcasts(body, view, namer, out_name, joint):
    """The BroadcastPlan of `body`, the top-level statements of `view`'s function."""
    users = _users(body)
    summed, spread, loose, shapes = _spread_sums(body, view, namer, users)
    self_reducing, loose = _loose_names(body, view, out_name, loose, users)
    spread_leaves = _spread_below(body, view, summed, spread, loose, self_reducing, joint,
                                  users)
    one_shapes = {spread[a] for a, leaves in spread_leaves.items() if one_shape(leaves)}
    return BroadcastPlan(
        summed=types.MappingProxyType(summed), spread=types.MappingProxyType(spread),
        loose=frozenset(loose), self_reducing=frozenset(self_reducing),
        spread_leaves=types.MappingProxyType(spread_leaves),
        one_shapes=frozenset(one_shapes), shapes=tuple(shapes))


def _spread_sums(body, view, namer, users):
    """(summed, spread, loose, shapes) of the top-level `s = np.sum(a)` (or `a.sum()`)
    of an elementwise temporary `a` that nothing else reads (`users`: `_users(body)`)."""
    writers = {s.targets[0].id: s for s in body
               if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)}
    names = None                  # how often each name appears in body, counted once
    summed, spread, loose, shapes = {}, {}, set(), []
    for s in body:
        if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and isinstance(s.value, gast.Call) and not s.value.keywords):
            continue
        call = s.value
        if view.callee(call.func) is numpy.sum and len(call.args) == 1:
            a = call.args[0]
        elif view.is_method_of_value(call.func) and call.func.attr == "sum" \
                and not call.args and method_callable("sum") is numpy.sum:
            a = call.func.value
        else:
            continue
        if not isinstance(a, gast.Name) or a.id not in writers \
                or a.id not in view.active or view.kind.get(s.targets[0].id) == "scalars" \
                or users.get(a.id) != [s] or a.id in view.params \
                or not _elementwise(view, writers[a.id].value):
            continue
        if names is None:
            names = collections.Counter(y.id for x in body for y in n.walk(x)
                                        if isinstance(y, gast.Name))
        if names[a.id] != 2:
            continue
        shape = namer.fresh(f"{a.id.lstrip('_')}_shape")
        shapes.append(shape)
        summed[id(s)] = a.id
        spread[a.id] = shape
        loose.add(a.id)
    return summed, spread, loose, shapes


def _loose_names(body, view, out_name, loose, users):
    """(self_reducing, loose): `loose` grown by the values whose adjoint may stay
    broadcast.  Each is written once by an elementwise operation (or a matrix product,
    whose adjoint helpers reduce the adjoint themselves) and read once, as an operand
    whose adjoint would be reduced to its shape.  The adjoint then flows unreduced into
    the elementwise operation, and the reduction happens once, at its operands, so the
    backward sweep needs neither the value nor its shape."""
    stores, loads, writer, user = {}, {}, {}, {}
    for x in (x for s in body for x in n.walk(s) if isinstance(x, gast.Name)):
        counts = stores if isinstance(x.ctx, gast.Store) else loads
        counts[x.id] = counts.get(x.id, 0) + 1
    for name_, readers in users.items():
        user[name_] = readers[-1]                  # the last simple statement reading it
    for s in analyze.simple_statements(body):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            writer[s.targets[0].id] = s
    self_reducing = {name_ for name_, s in writer.items()
                     if isinstance(s.value, gast.BinOp)
                     and isinstance(s.value.op, gast.MatMult)
                     and view.expr_kind(s.value) in ARRAY_KINDS}
    candidates = [name_ for name_, s in writer.items()
                  if stores.get(name_) == 1 and loads.get(name_) == 1 and name_ in user
                  and name_ not in view.params and name_ != out_name
                  and name_ in view.active
                  and (_elementwise(view, s.value) or name_ in self_reducing)
                  and name_ not in n.loaded_names(s.value)
                  and isinstance(user[name_], gast.Assign)
                  and isinstance(user[name_].targets[0], gast.Name)]
    loose, grown = set(loose), True
    while grown:             # a loose user passes its own broadcast adjoint on
        grown = False
        for name_ in candidates:
            use = user[name_]
            if name_ not in loose and name_ in _reduced_leaves(
                    view, use.value, use.targets[0].id in loose):
                loose.add(name_)
                grown = True
    return self_reducing, loose


def _spread_below(body, view, summed, spread, loose, self_reducing, joint, users):
    """Loose values below a spread one stand for its shape too (`spread` grows); for a
    joint function, the spread_leaves: a -> the operands its shape comes from."""
    grown = True
    while grown:
        grown = False
        for name_ in sorted(loose - set(spread) - self_reducing):
            user = users.get(name_, [None])[0]
            target = user.targets[0].id if isinstance(user, gast.Assign) \
                and isinstance(user.targets[0], gast.Name) else None
            if target in spread:
                spread[name_] = spread[target]
                grown = True
    spread_leaves = {}
    if joint:                     # no shape recorded in the primal
        writers = {x.targets[0].id: x for x in analyze.simple_statements(body)
                   if isinstance(x, gast.Assign) and isinstance(x.targets[0], gast.Name)}
        for a in summed.values():
            leaves = _elementwise_leaves(view, writers[a].value, writers, spread, summed)
            if all(not isinstance(x, gast.Subscript) or basic_index(x.slice, view.kind)
                   for x in leaves):    # (else measured in the primal: no gather again)
                spread_leaves[a] = tuple(leaves)
    return spread_leaves


def _users(body):
    """name -> the simple statements that read it, in order."""
    users = {}
    for s in analyze.simple_statements(body):
        for name_ in n.loaded_names(s):
            users.setdefault(name_, []).append(s)
    return users


def _elementwise_leaves(view, e, writers, spread, summed):
    """The array operands an elementwise value is computed from, through the spread
    values it reads (whose own operands count instead)."""
    if is_leaf(e):
        children = [e]
    elif isinstance(e, gast.Call):
        children = list(e.args)                          # not the callee
    else:
        children = n.children(e)
    out = []
    for x in children:
        if isinstance(x, gast.Name) and x.id in spread and x.id in writers \
                and x.id not in summed.values():
            found = _elementwise_leaves(view, writers[x.id].value, writers, spread, summed)
        elif is_leaf(x) and not isinstance(x, gast.Constant):
            found = [x] if view.expr_kind(x) != "scalar" else []
        elif isinstance(x, gast.expr) and not isinstance(x, gast.Constant):
            found = _elementwise_leaves(view, x, writers, spread, summed)
        else:
            found = []
        for y in found:
            if gast.dump(y) not in map(gast.dump, out):
                out.append(n.copied(y))
    return out


def _elementwise(view, e, top=True):
    """Arithmetic operators and NumPy ufuncs applied elementwise to arrays, all the
    way down to names and constants."""
    if top and view.expr_kind(e) not in ARRAY_KINDS:
        return False
    if is_leaf(e):
        return not top
    if isinstance(e, gast.BinOp):
        parts = [e.left, e.right]
        ok = isinstance(e.op, (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow))
    elif isinstance(e, gast.UnaryOp):
        parts, ok = [e.operand], isinstance(e.op, (gast.USub, gast.UAdd))
    elif isinstance(e, gast.Call) and not e.keywords:
        obj = view.callee(e.func)
        parts = e.args
        ok = is_ufunc(obj) and lookup(obj) is not None and bool(lookup(obj).adjoints)
    else:
        return False
    return ok and all(_elementwise(view, x, top=False) for x in parts)


def _reduced_leaves(view, e, wide=False):
    """The names the adjoint blocks reduce to their shape (`unbroadcast`) in e's
    adjoint (as reverse.blocks' `propagate` does, `wide` as there)."""
    if isinstance(e, gast.BinOp):
        rule, args = lookup(OPERATORS[type(e.op)]), [e.left, e.right]
    elif isinstance(e, gast.UnaryOp):
        rule, args = lookup(OPERATORS[type(e.op)]), [e.operand]
    elif isinstance(e, gast.Call) and not e.keywords:
        rule, args = view.rule_of(e.func), list(e.args)
    else:
        return set()
    template = rule.adjoint_for(len(args), []) if rule is not None else None
    if template is None:
        return set()
    bound = dict(zip(template.params, args))
    out = set()
    for p in template.params[:template.returns]:
        if p not in bound:
            continue
        broadcast = wide or (rule.broadcasts and may_broadcast(p, bound, view.expr_kind))
        if broadcast and isinstance(bound[p], gast.Name):
            out.add(bound[p].id)
        elif not is_leaf(bound[p]):
            out |= _reduced_leaves(view, bound[p], broadcast)
    return out


def may_broadcast(param, bound, expr_kind):
    """Whether a broadcasting rule's `param` may be broadcast by another argument (one
    that is not a Python number) of the call `bound` binds."""
    others = [a for p, a in bound.items() if p != param]
    return not all(expr_kind(a) == "scalar" for a in others)


def basic_index(index, kind):
    """An index of ints, slices, `...` and None only (it selects a view); `kind`: the
    kinds of the function's names."""
    return all(n.is_literal_bound(b) or isinstance(b, gast.Name)
               and kind.get(b.id) == "scalar" for b in n.index_bounds(index))


def is_ufunc(obj):
    """A NumPy ufunc that works elementwise (not a generalized one such as matmul)."""
    return isinstance(obj, numpy.ufunc) and obj.signature is None


def one_shape(leaves):
    """Whether array operands surely have one shape: one operand, or slices of one name
    along its first axis of the same length (`x[1:]`, `x[:-1]`: n - 1 each)."""
    if len(leaves) == 1:
        return True
    lengths = {_slice_length(x) for x in leaves}
    bases = {x.value.id if isinstance(x, gast.Subscript) and isinstance(x.value, gast.Name)
             else None for x in leaves}
    return len(lengths) == 1 and None not in lengths and len(bases) == 1 and None not in bases


def _slice_length(e):
    """For `x[a:b]` with int bounds, a from the start and b from the end (`x[1:]`,
    `x[:-2]`), the length's offset from len(x): a - b; else None."""
    if not isinstance(e, gast.Subscript) or not isinstance(e.slice, gast.Slice) \
            or e.slice.step is not None:
        return None
    start, stop = (0 if b is None else n.int_value(b) for b in (e.slice.lower,
                                                                 e.slice.upper))
    if start is None or stop is None or start < 0 or stop > 0 \
            or stop == 0 and e.slice.upper is not None:
        return None
    return start - stop
