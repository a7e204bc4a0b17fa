"""Pass "simplify" (with, for now, "in-place", "named-parts" and "release-arrays"):
clean the backward sweep the reverse stage produced.

Receives the backward statements (adjoint initializations, adjoint blocks,
comment markers) and the names the function returns.  Guarantees, without
changing what is computed:
- a first accumulation into an adjoint known to be zero is an assignment
  (`bx = bx + e` -> `bx = e`), across branches and loops (forward dataflow
  with loop fixpoints);
- dead stores to generated names are removed (backward liveness with loop
  fixpoints), including zero initializations nobody reads; statements with
  effects (tape pops, container updates) are always kept;
- a comment marker with no statement left under it is dropped;
- arithmetic that inlining left redundant is simplified (`e * 1.0`, `a + -b * c`);
- in the primal sweep, a temporary that normalize hoisted and the backward sweep
  does not read is folded back into the expression it came from;
- over arrays, a part of an argument read more than once (`x[:-1]`) is taken once
  and named (`named_repeated_parts`), and arrays are released after their last use
  (`release_dead_arrays`).

Every pass that moves, folds or drops code respects what the code writes (`_written`:
a name bound, an item or attribute of it assigned, `x[...] = _pop()`, an update in
place by a runtime helper such as `_tl.restore_item`, `_tl.extract`, `_ntl.add_at`,
by `xs.append(v)` or `xs.pop()`, or by a call given the name that is not known to
write nothing):
- a read of a name, or of an item of it, never moves across a statement that may
  write that name;
- an expression that may write is not moved at all (nor one that reads the tape);
- no read is replaced by another name (or folded expression) where the statement
  writes through it (`t = u; _tl.extract(t, 1)` keeps `t`: `u` is not written);
- a statement is dropped only when what it writes is its own dead target.
"""

import copy

import gast

from .. import nodes as n
from .. import numpy_runtime, runtime
from ..inline import without_negation
from ..naming import helper_of, mark_helper

# the runtime modules as generated code names them while it is optimized (naming.py's
# GENERATED_NAMES), with their helpers that write into their first argument
_UPDATING_HELPERS = frozenset(
    {getattr(runtime, name_) for name_ in runtime.UPDATES_FIRST_ARGUMENT}
    | {getattr(numpy_runtime, name_) for name_ in numpy_runtime.UPDATES_FIRST_ARGUMENT})
_ADD_AT = {numpy_runtime.add_at: gast.Add, numpy_runtime.subtract_at: gast.Sub}


def optimize_backward(stmts, live_out, removable, pure_call=None):
    """Optimized copy of `stmts`; `removable` are the names DCE may delete stores to.
    `pure_call(call)`: whether a call writes none of its arguments (a call with a rule);
    other calls are taken to write every name they are given."""
    stmts, _ = _zero_pass(stmts, frozenset(), rewrite=True)
    stmts, _ = _dce(stmts, set(live_out), removable, rewrite=True, pure_call=pure_call)
    stmts = _inline_single_use(stmts, _load_counts(stmts, live_out), removable,
                               pure_call=pure_call)
    stmts = _propagate_copies(stmts, _load_counts(stmts, live_out), removable, pure_call)
    return _drop_orphan_comments(simplified(stmts))


def simplified(stmts):
    """`stmts` with redundant arithmetic simplified (see `_Simplify`)."""
    return [_Simplify().visit(s) for s in stmts]


def without_dead_stores(stmts, live_out, removable, pure_call=None):
    """`stmts` less the assignments to `removable` names nothing reads before the end
    (where `live_out` are read); statements with effects stay."""
    return _drop_orphan_comments(_dce(stmts, set(live_out), removable, rewrite=True,
                                      pure_call=pure_call)[0])


def optimize_primal(stmts, temporaries, backward, pure_call=None):
    """Fold back into their single use the temporaries normalize hoisted out of an
    expression when the backward sweep does not read them (`_t1 = sin(p); s = s + _t1`
    becomes `s = s + sin(p)` again).  A call moves only past statements it cannot
    observe: next to its use, or anywhere when `pure_call(call)` says it is pure."""
    needed = {x.id for s in backward for x in gast.walk(s) if isinstance(x, gast.Name)}
    return _inline_single_use(stmts, _load_counts(stmts), set(temporaries) - needed,
                              adjacent_only=True, pure_call=pure_call)


# -- single-use temporaries ------------------------------------------------------------


def _load_counts(stmts, live_out=()):
    """How often each name is read in `stmts`, a name in `live_out` once more (read
    after them)."""
    counts = dict.fromkeys(live_out, 1)
    for s in stmts:
        for x in gast.walk(s):
            if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Load):
                counts[x.id] = counts.get(x.id, 0) + 1
    return counts


def _inline_single_use(stmts, counts, removable, adjacent_only=False, pure_call=None):
    """`t = e; ... y = f(t)` -> `... y = f(e)` for a temporary read exactly once, where
    nothing between writes what `e` reads (see the module's contract)."""
    out = []
    for s in stmts:
        for field in ("body", "orelse"):
            if isinstance(s, (gast.If, gast.For, gast.While)) and getattr(s, field, None):
                setattr(s, field, _inline_single_use(getattr(s, field), counts, removable,
                                                     adjacent_only, pure_call))
        out.append(s)
    k = 0
    while k < len(out):
        s = out[k]
        if (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and s.targets[0].id in removable and counts.get(s.targets[0].id) == 1
                and _pure(s.value) and not _written(s.value, pure_call)):
            temp, reads = s.targets[0].id, _reads(s.value)
            # a call moves next to its use only, unless it is pure (primal sweeps)
            stays = adjacent_only and any(
                isinstance(x, gast.Call) and not (pure_call and pure_call(x))
                for x in gast.walk(s.value))
            for j in range(k + 1, len(out)):
                later = out[j]
                simple = isinstance(later, (gast.Assign, gast.Expr))
                if simple and temp in _reads(later.value):
                    if _inlines_into(later.value, temp, s.value, pure_call):
                        later.value = replace_name(later.value, temp, s.value)
                        del out[k]
                        k -= 1
                    break
                if not simple or stays or _written(later, pure_call) & (reads | {temp}):
                    break
        k += 1
    return out


def _inlines_into(value, temp, expr, pure_call):
    """Whether `expr` may take the place of the read of `temp` in `value`: what `value`
    evaluates before or after that read writes nothing `expr` reads, and `value` does
    not write through `temp` into memory `expr` may share with another name."""
    written = _written(value, pure_call)
    if written & _reads(expr):
        return False
    if _is_zero(expr) and _argument_of_call(value, temp):
        return False        # a zero derivative stays named for zeros.py to guard the call
    new = isinstance(expr, (gast.Constant, gast.BinOp, gast.UnaryOp, gast.Compare))
    return new or temp not in _written(value, lambda call: True)   # surely written


def _argument_of_call(value, name_):
    """Is `name_` read inside the arguments of a call in `value`?"""
    return any(name_ in n.loaded_names(a) for x in gast.walk(value) if isinstance(x, gast.Call)
               for a in x.args + [k.value for k in x.keywords])


def _propagate_copies(stmts, counts, removable, pure_call=None):
    """`t = u; ... f(t) ... g(t)` -> `... f(u) ... g(u)` for a generated name t whose
    every read follows in the same statement list, before t or u is written again
    (and none is in a statement that writes t or u while it is evaluated)."""
    for s in stmts:
        for field in ("body", "orelse"):
            if isinstance(s, (gast.If, gast.For, gast.While)) and getattr(s, field, None):
                setattr(s, field, _propagate_copies(getattr(s, field), counts, removable,
                                                    pure_call))
    out = list(stmts)
    k = 0
    while k < len(out):
        s = out[k]
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                and isinstance(s.value, gast.Name) and s.targets[0].id in removable \
                and s.targets[0].id != s.value.id:
            temp, source = s.targets[0].id, s.value.id
            users, seen = [], 0
            for later in out[k + 1:]:
                if seen == counts.get(temp, 0):
                    break
                if not isinstance(later, (gast.Assign, gast.Expr)) \
                        or _written(later.value, pure_call) & {temp, source}:
                    break
                reads = sum(1 for x in gast.walk(later.value) if isinstance(x, gast.Name)
                            and isinstance(x.ctx, gast.Load) and x.id == temp)
                if reads:
                    users.append(later)
                    seen += reads
                if _written(later, pure_call) & {temp, source}:
                    break
            if users and seen == counts.get(temp, 0):
                for later in users:
                    later.value = replace_name(later.value, temp, n.name(source))
                del out[k]
                continue
        k += 1
    return out


class _Simplify(gast.NodeTransformer):
    """Arithmetic that inlining left redundant: `e * 1.0`, `e / 1.0` -> `e`;
    `a + -b * c` -> `a - b * c`; `-(-e)` -> `e`; `100.0 * 2` -> `200.0`.  (Adjoints are
    floating-point values, so multiplying by 1.0 changes nothing; two numbers are
    multiplied, added or subtracted as the code would, in the same order.)"""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, (gast.Mult, gast.Add, gast.Sub)) \
                and _is_number(node.left) and _is_number(node.right):
            value = {gast.Mult: lambda a, b: a * b, gast.Add: lambda a, b: a + b,
                     gast.Sub: lambda a, b: a - b}[type(node.op)](node.left.value,
                                                                   node.right.value)
            return n.const(value) if value >= 0 else gast.UnaryOp(op=gast.USub(),
                                                                  operand=n.const(-value))
        if isinstance(node.op, (gast.Mult, gast.Div)) and _is_one(node.right):
            return node.left
        if isinstance(node.op, gast.Mult) and _is_one(node.left):
            return node.right
        if isinstance(node.op, (gast.Add, gast.Sub)):
            positive = without_negation(node.right)
            if positive is not None:
                op = gast.Sub() if isinstance(node.op, gast.Add) else gast.Add()
                return gast.BinOp(left=node.left, op=op, right=positive)
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        return n.without_double_negation(node)


def _is_number(e):
    return isinstance(e, gast.Constant) and not isinstance(e.value, bool) \
        and isinstance(e.value, (int, float))


def _is_one(e):
    return isinstance(e, gast.Constant) and not isinstance(e.value, bool) \
        and isinstance(e.value, (int, float)) and e.value == 1


class _Replace(gast.NodeTransformer):
    def __init__(self, name_, expr):
        self.name_, self.expr = name_, expr

    def visit_Name(self, node):
        return self.expr if node.id == self.name_ and isinstance(node.ctx, gast.Load) else node


def replace_name(node, name_, expr):
    """`node` with every read of `name_` replaced by `expr`."""
    return _Replace(name_, expr).visit(node)


# -- repeated parts of arrays -------------------------------------------------------------


def named_repeated_parts(stmts, arrays, fresh, passes_safely):
    """`stmts` (a function body) with each part of an array that its top-level statements
    read more than once through a constant basic index (`x[:-1]`, `x[2]`) taken once,
    before the first statement that reads it, and named (`x_to_m1 = x[:-1]`: a view, as
    the subscript was).  Only for names in `arrays` that `stmts` never writes or
    mutates, and that every call given one of them whole `passes_safely(call, name)`
    (a call that could write the array could change its parts).  `fresh(base)` gives
    an unused name."""
    fixed = set(arrays) - _written(stmts, lambda call: True)
    for call in (x for s in stmts for x in gast.walk(s) if isinstance(x, gast.Call)):
        given = {a.id for a in list(call.args) + [k.value for k in call.keywords]
                 if isinstance(a, gast.Name)}
        fixed -= {x for x in given & fixed if not passes_safely(call, x)}
    simple = [s for s in stmts if not isinstance(s, (gast.If, gast.For, gast.While))]
    counts, first = {}, {}
    for s in simple:
        for part in _constant_parts(s, fixed):
            key = gast.dump(part)
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, (s, part))
    names = {key: fresh(_part_name(first[key][1])) for key in sorted(counts)
             if counts[key] > 1}
    if not names:
        return stmts
    out = []
    for s in stmts:
        if not isinstance(s, (gast.If, gast.For, gast.While)):
            for key, name_ in names.items():
                if first[key][0] is s:
                    out.append(n.assign(name_, copy.deepcopy(first[key][1]), n.line_of(s)))
            s = _NamedParts(names).visit(s)
        out.append(s)
    return out


def _constant_parts(stmt, fixed):
    """The subscripts `x[<ints, slices of ints>]` of names in `fixed` that `stmt` reads."""
    return [x for x in gast.walk(stmt) if isinstance(x, gast.Subscript)
            and isinstance(x.ctx, gast.Load) and n.is_name(x.value) and x.value.id in fixed
            and _constant_index(x.slice)]


def _constant_index(index):
    return all(n.is_literal_bound(b) for b in n.index_bounds(index))


def _part_name(subscript):
    """`x_from_1` for `x[1:]`, `x_to_m1` for `x[:-1]`, `x_2_to_5`, `x_0`; `x_part` else."""
    base, index = subscript.value.id, subscript.slice

    def number(e):
        value = n.int_value(e)
        return None if value is None else str(value).replace("-", "m")
    if isinstance(index, gast.Slice) and index.step is None:
        lower = number(index.lower) if index.lower is not None else ""
        upper = number(index.upper) if index.upper is not None else ""
        if lower is not None and upper is not None and (lower or upper):
            if not upper:
                return f"{base}_from_{lower}"
            return f"{base}_to_{upper}" if not lower else f"{base}_{lower}_to_{upper}"
    if not isinstance(index, (gast.Slice, gast.Tuple)) and number(index) is not None:
        return f"{base}_{number(index)}"
    return f"{base}_part"


class _NamedParts(gast.NodeTransformer):
    def __init__(self, names):
        self.names = names

    def visit_Subscript(self, node):
        name_ = self.names.get(gast.dump(node)) if isinstance(node.ctx, gast.Load) else None
        return n.name(name_) if name_ is not None else self.generic_visit(node)


# -- accumulations in place ---------------------------------------------------------------


def accumulated_in_place(stmts, one_shapes, arrays):
    """`bx[i] += g` for `bx = _ntl.add_at(bx, x, slice_i, g, s)` (`-=` for subtract_at)
    where `x` is one of `arrays` (parameters holding arrays, not lists of them) and `s`
    is in `one_shapes`, the shapes of operands that surely have one shape (so
    `g` is at most the part's shape and needs no summing), once `bx` is surely an array
    of its own: made from the zero sentinel (`bx = 0.0` becomes `bx = _ntl.zeros_for(x)`
    when nothing reads `bx` in between) or by an earlier such accumulation in the same
    run of statements (the helper makes its result writable)."""
    out, made, zero = [], set(), {}          # zero: name -> position of `bx = 0.0` in out
    for s in stmts:
        accumulation = None if isinstance(s, (gast.If, gast.For, gast.While)) \
            else _one_shape_accumulation(s, one_shapes, arrays)
        if accumulation is None:
            if isinstance(s, (gast.If, gast.For, gast.While)):
                for field in ("body", "orelse"):
                    setattr(s, field, accumulated_in_place(getattr(s, field), one_shapes,
                                                       arrays))
            touched = {x.id for x in gast.walk(s) if isinstance(x, gast.Name)}
            made -= touched
            zero = {k: v for k, v in zero.items() if k not in touched}
            if isinstance(s, gast.Assign) and n.is_name(s.targets[0]) and _is_zero(s.value):
                zero[s.targets[0].id] = len(out)           # the zero sentinel
            out.append(s)
            continue
        target, op, index, value = accumulation
        if target in zero:
            module = n.dotted_text(s.value.func).rpartition(".")[0]      # (its alias)
            sentinel = out[zero.pop(target)]
            sentinel.value = mark_helper(n.call(f"{module}.zeros_for",
                                                copy.deepcopy(s.value.args[1])),
                                         numpy_runtime.zeros_for)
            made.add(target)
        if target not in made:
            made.add(target)
            out.append(s)
            continue
        out.append(n.set_line(gast.AugAssign(target=n.subscript(n.name(target), index,
                                                                store=True),
                                             op=op, value=value), n.line_of(s)))
    return out


def summed_in_place(stmts, accumulators):
    """`b += e` for `b = b + e` (`-=` for `-`), where `b` is one of `accumulators` (the
    adjoints of array parameters) and `stmts` only ever set `b` to the zero sentinel or
    to an array of its own (`_ntl.zeros_for(x)`, the result of `_ntl.add_at(b, ...)`),
    add into it, and return it, reading it nowhere else.  `b` then never shares its
    array with another name (the first `+=` on the number 0.0 makes a new array), so
    adding in place changes nothing but `b`, and saves an allocation per statement:
    in a loop over time steps, one per step."""
    owned = set(accumulators)
    nodes = [x for stmt in stmts for x in gast.walk(stmt)]
    assigned = {id(t) for a in nodes if isinstance(a, gast.Assign) for t in a.targets}
    for x in nodes:
        if isinstance(x, gast.Assign):
            for target in x.targets:
                if isinstance(target, gast.Name) and target.id in owned \
                        and not _owned_value(x.value, target.id):
                    owned.discard(target.id)
        elif isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store) \
                and id(x) not in assigned:
            owned.discard(x.id)               # a loop target, an unpacked name, ...
    allowed = _allowed_reads(stmts, owned)
    owned -= {x.id for x in nodes if isinstance(x, gast.Name)
              and isinstance(x.ctx, gast.Load) and id(x) not in allowed}
    return [_SummedInPlace(owned).visit(s) for s in stmts] if owned else stmts


def _owned_value(value, b):
    """Whether `b = value` leaves `b` the zero sentinel or an array of its own."""
    if _is_zero(value):
        return True
    if isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Sub)) \
            and n.is_name(value.left, b) and b not in n.names_read(value.right):
        return True
    if isinstance(value, gast.Call) and value.args:
        helper = helper_of(value)
        return helper is numpy_runtime.zeros_for or helper in _ADD_AT \
            and n.is_name(value.args[0], b)
    return False


def _allowed_reads(stmts, owned):
    """The ids of the reads of `owned` names that keep them owned: in their own
    accumulations (`b + e`, `add_at(b, ...)`, `b[i] += e`) and in `return`."""
    allowed = set()
    for stmt in stmts:
        for x in gast.walk(stmt):
            if isinstance(x, gast.Return):
                allowed |= {id(y) for y in gast.walk(x) if isinstance(y, gast.Name)}
            elif isinstance(x, gast.Assign) and len(x.targets) == 1 \
                    and n.is_name(x.targets[0]) and x.targets[0].id in owned:
                value = x.value
                first = value.left if isinstance(value, gast.BinOp) else \
                    value.args[0] if isinstance(value, gast.Call) and value.args else None
                if n.is_name(first, x.targets[0].id):
                    allowed.add(id(first))
            elif isinstance(x, gast.AugAssign) and isinstance(x.target, gast.Subscript) \
                    and n.is_name(x.target.value):
                allowed.add(id(x.target.value))
    return allowed


class _SummedInPlace(gast.NodeTransformer):
    def __init__(self, owned):
        self.owned = owned

    def visit_Assign(self, node):
        target = node.targets[0]
        value = node.value
        if len(node.targets) == 1 and isinstance(target, gast.Name) \
                and target.id in self.owned and isinstance(value, gast.BinOp) \
                and isinstance(value.op, (gast.Add, gast.Sub)) \
                and n.is_name(value.left, target.id):
            return n.set_line(gast.AugAssign(target=target, op=value.op, value=value.right),
                              n.line_of(node))
        return node


def _one_shape_accumulation(s, one_shapes, arrays):
    """(target, operator, index, value) of `bx = _ntl.add_at(bx, x, i, g, s)` with `x`
    in `arrays`, `s` in `one_shapes` and `i` a constant index, else None."""
    if not (isinstance(s, gast.Assign) and n.is_name(s.targets[0])
            and isinstance(s.value, gast.Call) and len(s.value.args) == 5
            and not s.value.keywords):
        return None
    helper = helper_of(s.value)
    b, x, index, g, shape = s.value.args
    index = _as_index(index)
    if helper not in _ADD_AT or not n.is_name(b, s.targets[0].id) \
            or not n.is_name(x) or x.id not in arrays or not n.is_name(shape) \
            or shape.id not in one_shapes \
            or index is None:
        return None
    return b.id, _ADD_AT[helper](), index, g


def _as_index(value):
    """The subscript index `index_value` made `value` from (`slice(None, -1)` -> `:-1`),
    for constant indexes; else None."""
    if isinstance(value, gast.Tuple):
        parts = [_as_index(x) for x in value.elts]
        return None if None in parts else gast.Tuple(elts=parts, ctx=gast.Load())
    if isinstance(value, gast.Call) and n.is_name(value.func, "slice") \
            and 2 <= len(value.args) <= 3 and not value.keywords:
        bounds = [None if isinstance(x, gast.Constant) and x.value is None else x
                  for x in value.args] + [None]
        index = gast.Slice(lower=bounds[0], upper=bounds[1], step=bounds[2])
        return copy.deepcopy(index) if _constant_index(index) else None
    return copy.deepcopy(value) if _constant_index(value) else None


# -- releasing arrays ---------------------------------------------------------------------


def release_dead_arrays(stmts, arrays):
    """`stmts` (a function body) with `del a, b` after the statement that reads the
    arrays `a` and `b` last, so their memory is freed there rather than when the
    function returns.  Only names of `arrays` every assignment of which is a statement of
    `stmts` itself (not inside an `if` or a loop) are released, so each is surely bound
    where it is deleted.  An array unpacked from a call's results and never read is
    not named at all (`_`)."""
    top_level = {}
    for k, s in enumerate(stmts):
        for name_ in _stored(s):
            top_level.setdefault(name_, set()).add(k)
    nested = {name_ for s in stmts if not isinstance(s, gast.Assign)
              for name_ in _stored(s)} | {
        name_ for s in stmts if isinstance(s, gast.Assign)
        for t in s.targets if not isinstance(t, (gast.Name, gast.Tuple))
        for name_ in _stored(t)}
    last = {}
    for k, s in enumerate(stmts):
        for x in gast.walk(s):
            if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Load):
                last[x.id] = k
        for name_ in _stored(s):
            last[name_] = max(last.get(name_, k), k)
    returned = {x.id for x in gast.walk(stmts[-1]) if isinstance(x, gast.Name)} \
        if stmts and isinstance(stmts[-1], gast.Return) else set()
    read = {x.id for s in stmts for x in gast.walk(s)
            if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Load)}
    released = {}
    for name_, k in last.items():
        if name_ in arrays and name_ in top_level and name_ not in nested \
                and name_ not in returned and k < len(stmts) - 1:
            if name_ not in read and _unpacked_into(stmts[k], name_):
                continue                    # `_, dy = jvp_h(x, dx)`: never held at all
            released.setdefault(k, []).append(name_)
    out = []
    for k, s in enumerate(stmts):
        out.append(s)
        if k in released:
            targets = [gast.Name(id=v, ctx=gast.Del(), annotation=None, type_comment=None)
                       for v in sorted(released[k])]
            out.append(gast.Delete(targets=targets))
    return out


def _unpacked_into(stmt, name_):
    """Rename to `_` the element `name_` of `stmt`'s tuple target; False if none."""
    if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Tuple)):
        return False
    found = False
    for element in stmt.targets[0].elts:
        if isinstance(element, gast.Name) and element.id == name_:
            element.id, found = "_", True
    return found


def _stored(node):
    return [x.id for x in gast.walk(node)
            if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store)]


# -- known-zero adjoints --------------------------------------------------------------


def _is_zero(e):
    return isinstance(e, gast.Constant) and e.value == 0.0 and not isinstance(e.value, bool) \
        and isinstance(e.value, (int, float))


def _zero_pass(stmts, zeros, rewrite):
    out = []
    zeros = set(zeros)
    for s in stmts:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            target = s.targets[0].id
            value = s.value
            if _is_zero(value):
                zeros.add(target)
            else:
                if target in zeros:
                    value = _drop_zero_term(value, target)
                    if _is_zero(value):
                        continue                # `b = _tl.writable(b)` of a zero b
                    if rewrite and value is not s.value:
                        s = n.set_line(n.assign(target, value), n.line_of(s))
                zeros.discard(target)
        elif isinstance(s, gast.If):
            body, z1 = _zero_pass(s.body, zeros, rewrite)
            orelse, z2 = _zero_pass(s.orelse, zeros, rewrite)
            if rewrite:
                s.body, s.orelse = body, orelse
            zeros = z1 & z2
        elif isinstance(s, (gast.For, gast.While)):
            head = set(zeros)
            if isinstance(s, gast.For):
                head -= set(n.stored_names([n.assign(s.target, n.const(0))]))
            while True:
                _, end = _zero_pass(s.body, head, rewrite=False)
                new_head = head & end
                if new_head == head:
                    break
                head = new_head
            if rewrite:
                s.body, _ = _zero_pass(s.body, head, rewrite=True)
            zeros = head
        else:
            zeros -= _written(s)
        out.append(s)
    return out, zeros


def _drop_zero_term(value, target):
    """`target + e` -> `e`, `target - e` -> `-e`, `_tl.add(target, e)` -> `e`,
    `_tl.writable(target)` -> `0.0`."""
    if helper_of(value) is runtime.writable \
            and len(value.args) == 1 and n.is_name(value.args[0], target):
        return n.const(0.0)
    if isinstance(value, gast.BinOp) and n.is_name(value.left, target) \
            and target not in n.loaded_names(value.right):
        if isinstance(value.op, gast.Add):
            return value.right
        if isinstance(value.op, gast.Sub):
            return gast.UnaryOp(op=gast.USub(), operand=value.right)
    if isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Sub)) \
            and isinstance(value.left, gast.BinOp):
        inner = _drop_zero_term(value.left, target)
        if inner is not value.left:
            return n.binop(inner, value.op, value.right)
    if helper_of(value) is runtime.add and value.args and n.is_name(value.args[0], target):
        rest = value.args[1]
        if target not in n.loaded_names(rest):
            return rest
    if helper_of(value) is runtime.add and value.args and isinstance(value.args[0], gast.Call):
        inner = _drop_zero_term(value.args[0], target)
        if inner is not value.args[0]:
            return mark_helper(gast.Call(func=value.func, args=[inner, value.args[1]],
                                         keywords=[]), runtime.add)
    return value


def _call_name(call):
    parts = []
    func = call.func
    while isinstance(func, gast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, gast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


# -- what code reads and writes -------------------------------------------------------


def _reads(node):
    return {x.id for x in gast.walk(node) if isinstance(x, gast.Name)
            and isinstance(x.ctx, gast.Load)}


def _written(node, pure_call=None):
    """The names whose value running `node` (a statement, an expression or a list of
    statements) may change: names it binds or deletes; the names whose items or
    attributes it assigns (`x[i] = v`, `x[i] += v`, `x.a = v`); `xs.append(v)` and the
    other mutating methods; the first argument of the runtime helpers that update it
    (`runtime.UPDATES_FIRST_ARGUMENT`); an `out=` argument; and every name given to
    any other call, unless `pure_call(call)` says it writes none of its arguments (a
    mutating method such as `xs.append(v)` writes `xs`, not `v`)."""
    stmts = node if isinstance(node, list) else [node]
    out = n.mutated_names(stmts)
    for x in (x for s in stmts for x in gast.walk(s)):
        if isinstance(x, gast.Name) and not isinstance(x.ctx, gast.Load):
            out.add(x.id)                                   # bound, deleted
        elif isinstance(x, gast.Attribute) and not isinstance(x.ctx, gast.Load):
            out |= _reads(x.value)                          # x.a = v
        elif isinstance(x, gast.Call):
            given = list(x.args) + [k.value for k in x.keywords]
            if _call_name(x) == "_push" or isinstance(x.func, gast.Attribute) \
                    and x.func.attr in n.MUTATING_METHODS:
                pass                        # (the tape, or the object: n.mutated_names)
            elif helper_of(x) is not None:
                if helper_of(x) in _UPDATING_HELPERS and x.args:
                    out |= _reads(x.args[0])
            elif not (pure_call and pure_call(x)):
                out |= {y for a in given for y in _reads(a)}
            out |= {y for k in x.keywords if k.arg == "out" for y in _reads(k.value)}
    return out


def _pure(expr):
    """No access to the tape (whose pops must stay in order, each exactly once)."""
    for sub in gast.walk(expr):
        if isinstance(sub, gast.Call):
            name_ = _call_name(sub)
            if name_ == "_pop" or name_.endswith(".pop") or any(
                    isinstance(a, gast.Name) and a.id == "_tape"
                    for a in list(sub.args) + [k.value for k in sub.keywords]):
                return False
    return True


# -- dead stores --------------------------------------------------------------------


def _dce(stmts, live, removable, rewrite, pure_call=None):
    """(statements, live-in) of `stmts` given the names live after them."""
    live = set(live)
    out = []
    for s in reversed(stmts):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            target = s.targets[0].id
            if target not in live and target in removable and _pure(s.value) \
                    and _written(s.value, pure_call) <= {target}:
                continue
            live.discard(target)
            live |= _reads(s.value)
        elif isinstance(s, gast.If):
            body, l1 = _dce(s.body, live, removable, rewrite, pure_call)
            orelse, l2 = _dce(s.orelse, live, removable, rewrite, pure_call)
            if rewrite:
                s.body, s.orelse = body or [gast.Pass()], orelse
            live = l1 | l2 | _reads(s.test)
        elif isinstance(s, (gast.For, gast.While)):
            header = s.iter if isinstance(s, gast.For) else s.test
            loop_live = set(live)
            while True:
                _, inner = _dce(s.body, loop_live, removable, False, pure_call)
                grown = loop_live | inner | _reads(header)
                if grown == loop_live:
                    break
                loop_live = grown
            if rewrite:
                body, _ = _dce(s.body, loop_live, removable, True, pure_call)
                s.body = body or [gast.Pass()]
            live = loop_live
        else:
            live |= _reads(s)
        out.append(s)
    out.reverse()
    return out, live


def _drop_orphan_comments(stmts):
    out = []
    for k, s in enumerate(stmts):
        for field in ("body", "orelse"):
            if isinstance(s, (gast.If, gast.For, gast.While)) and getattr(s, field, None):
                setattr(s, field, _drop_orphan_comments(getattr(s, field)))
        if n.is_comment(s):
            following = stmts[k + 1] if k + 1 < len(stmts) else None
            if following is None or n.is_comment(following):
                continue
        if isinstance(s, (gast.If, gast.For, gast.While)) and not s.body:
            s.body = [gast.Pass()]
        out.append(s)
    return out
