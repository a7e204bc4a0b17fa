"""Pass "simplify": the code the transformers made, cleaned without changing what it
computes.

Requires: statements in core form (normalize: one target per assignment, `break`
only at the end of a loop body or of a branch of the `if` that ends it, no
`continue`, no loop `else`), generated helper calls marked (`naming.helper_of`:
recognised by that mark, never by their text), and the read and write facts of
passes/effects.py, which rest on runtime.UPDATES_FIRST_ARGUMENT (a runtime helper
writes at most its first argument) and on the pipeline's `pure_call`: a call with a
rule writes none of its arguments (and is taken to have no effect but its value).
Adjoints and tangents are floating-point values (numbers or float arrays), and the
mandatory guards run after this pass (ownership.owned copies a value that shares
memory before anything writes into it; zeros.guarded keeps the zero sentinel from
code that needs an array).

Rewrites, over a backward sweep (`optimize_backward`):
- a first accumulation into an adjoint known to be zero is an assignment
  (`bx = bx + e` -> `bx = e`, `bx - e` -> `-e`, `_tl.add(bx, e)` -> `e`, and
  `bx = _tl.writable(bx)` of a zero bx is dropped): forward dataflow of the names
  bound to the number zero, over branches (both must agree) and loops (to a fixpoint);
  where the caller gives `lengths` (code nothing differentiates again), consecutive
  `bt = _tl.add_at(bt, t, c, g)` into a zero `bt`, `t` surely a list or tuple of
  `lengths[t]` numbers, constant places each once, become one list display
  `bt = [g0, g1]` (0.0 at a place none sets);
- dead stores to removable (generated) names are removed (passes/dead_stores.py);
- a removable name read exactly once, bound to an expression that does not touch the
  tape and writes nothing, is folded into its reader when no statement between (nor
  the reader before or after the read) writes what the expression reads;
- a copy `t = u` of a removable name is replaced by `u` in every read of `t`, when
  all of them follow in the same block before `t` or `u` is written again;
- arithmetic left redundant is simplified (`e * 1.0`, `e / 1.0` -> `e`;
  `a + -b * c` -> `a - b * c`; `-(-e)` -> `e`; two numbers multiplied, added or
  subtracted);
- a comment marker left with no statement under it is dropped.
Over a primal sweep or a forward-mode function (`optimize_primal`), only the
folding: the temporaries normalize hoisted that the backward sweep does not read go
back into their single use; an expression with a call that `pure_call` does not
vouch for moves only into the statement right after it.

Preserves the result because
- a name bound to the number 0.0 keeps it until rebound (a number cannot be written
  in place), and `0.0 + e` is `e` (for `_tl.add`, a copy of `e`: the result may now
  share e's memory, which ownership.owned guards before any write in place); add_at
  on the zero sentinel of a list or tuple of k numbers makes `[0.0] * k` and sets
  `0.0 + g` at each place, which the display holds (a negative place counts from
  the end, as indexing does; `g` reads nothing the run writes); a loop
  is entered from its head and from the end of its body only, and leaves from its
  head or from a `break` that ends the body, so the fixpoint holds at every entry;
- a folded expression is evaluated once, as before, with the same values: nothing
  between its old place and its new one writes what it reads (effects.written), it
  writes nothing itself, and it is not given a name its reader writes through (a
  zero stays named where a call takes it, for zeros.guarded to see);
- a copy's reads see the same object as before, as neither name is rebound or
  written through in between;
- `e * 1.0` and `e / 1.0` are `e` for floating-point values, the negations move
  exactly (IEEE rounding is symmetric), two numbers combine as the code would have
  combined them, in the same order, and two powers of two scale exactly in either
  order (`e * 0.5 * 2` is `e` unless `e * 0.5` underflows).
effects.written over-approximates every write the argument relies on (see its
docstring; tests/test_rewrites.py checks writes through items, attributes and
methods).
"""

import math

import gast
import numpy

from .. import nodes as n
from .. import numpy_runtime, runtime
from ..inline import without_negation
from ..naming import helper_called, helper_of, mark_helper
from .dead_stores import dead_stores, drop_orphan_comments, live_in
from .effects import is_zero, load_counts, reads, replace_name, tape_free, written


def optimize_backward(stmts, live_out, removable, pure_call=None, lengths=None):
    """Optimized copy of `stmts`; `removable` are the names DCE may delete stores to.
    `pure_call(call)`: whether a call writes none of its arguments (a call with a rule);
    other calls are taken to write every name they are given.  `lengths`: the names
    that surely hold a list or a tuple of that many numbers (code nothing
    differentiates again: the list displays made from them are not for a next rule)."""
    stmts, _ = _zero_pass(stmts, frozenset(), rewrite=True, lengths=lengths or {})
    stmts, _ = dead_stores(stmts, set(live_out), removable, rewrite=True,
                           pure_call=pure_call)
    stmts = _inline_single_use(stmts, load_counts(stmts, live_out), removable,
                               pure_call=pure_call)
    stmts = _propagate_copies(stmts, load_counts(stmts, live_out), removable, pure_call)
    return drop_orphan_comments(simplified(stmts))


def simplified(stmts):
    """`stmts` with redundant arithmetic simplified (see `_Simplify`)."""
    return [_Simplify().visit(s) for s in stmts]


def optimize_primal(stmts, temporaries, backward, pure_call=None):
    """Fold back into their single use the temporaries normalize hoisted out of an
    expression when the backward sweep does not read them (`_t1 = sin(p); s = s + _t1`
    becomes `s = s + sin(p)` again).  A call moves only past statements it cannot
    observe: next to its use, or anywhere when `pure_call(call)` says it is pure."""
    needed = live_in(backward)          # (what it binds before reading is not needed)
    return _inline_single_use(stmts, load_counts(stmts), set(temporaries) - needed,
                              adjacent_only=True, pure_call=pure_call)


# -- single-use temporaries ------------------------------------------------------------


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
    # what each later statement's value reads and what it writes, kept until it changes
    value_reads, writes = {}, {}
    k = 0
    while k < len(out):
        s = out[k]
        if (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                and s.targets[0].id in removable and counts.get(s.targets[0].id) == 1
                and tape_free(s.value) and not written(s.value, pure_call)):
            temp, read = s.targets[0].id, reads(s.value)
            # a call moves next to its use only, unless it is pure (primal sweeps)
            stays = adjacent_only and any(
                isinstance(x, gast.Call) and not (pure_call and pure_call(x))
                for x in n.walk(s.value))
            for j in range(k + 1, len(out)):
                later = out[j]
                simple = isinstance(later, (gast.Assign, gast.Expr))
                if simple and temp in _kept(value_reads, later, lambda x: reads(x.value)):
                    if _inlines_into(later.value, temp, s.value, pure_call):
                        later.value = replace_name(later.value, temp, s.value)
                        value_reads.pop(id(later))
                        writes.pop(id(later), None)
                        del out[k]
                        k -= 1
                    break
                if not simple or stays or _kept(
                        writes, later, lambda x: written(x, pure_call)) & (read | {temp}):
                    break
        k += 1
    return out


def _kept(facts, stmt, fact):
    """`fact(stmt)`, kept in `facts` by the statement's id."""
    known = facts.get(id(stmt))
    if known is None:
        known = facts[id(stmt)] = fact(stmt)
    return known


def _inlines_into(value, temp, expr, pure_call):
    """Whether `expr` may take the place of the read of `temp` in `value`: what `value`
    evaluates before or after that read writes nothing `expr` reads, and `value` does
    not write through `temp` into memory `expr` may share with another name."""
    read = reads(expr)
    if read and written(value, pure_call) & read:
        return False
    if _surely_zero(expr) and _argument_of_call(value, temp):
        return False        # a zero derivative stays named for zeros.py to guard the call
    new = isinstance(expr, (gast.Constant, gast.BinOp, gast.UnaryOp, gast.Compare))
    return new or temp not in written(value, lambda call: True)   # surely written


def _surely_zero(expr):
    """Is `expr` the number zero however it is folded (`0.0`, `0.0 * 0.5`, `-(0.0 / a)`)?"""
    if is_zero(expr):
        return True
    if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, (gast.USub, gast.UAdd)):
        return _surely_zero(expr.operand)
    if isinstance(expr, gast.BinOp) and isinstance(expr.op, gast.Mult):
        return _surely_zero(expr.left) or _surely_zero(expr.right)
    return isinstance(expr, gast.BinOp) and isinstance(expr.op, gast.Div) \
        and _surely_zero(expr.left)


def _argument_of_call(value, name_):
    """Is `name_` read inside the arguments of a call in `value`?"""
    return any(name_ in n.loaded_names(a) for x in n.walk(value) if isinstance(x, gast.Call)
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
                        or written(later.value, pure_call) & {temp, source}:
                    break
                count = sum(1 for x in n.walk(later.value) if isinstance(x, gast.Name)
                            and isinstance(x.ctx, gast.Load) and x.id == temp)
                if count:
                    users.append(later)
                    seen += count
                if written(later, pure_call) & {temp, source}:
                    break
            if users and seen == counts.get(temp, 0):
                for later in users:
                    later.value = replace_name(later.value, temp, n.name(source))
                del out[k]
                continue
        k += 1
    return out


class _Simplify(n.Transformer):
    """Arithmetic that inlining left redundant: `e * 1.0`, `e / 1.0` -> `e`;
    `-1.0 * e` -> `-e`; `a + -b * c` -> `a - b * c`; `-(a * -b / c)` -> `a * b / c`;
    `-(-e)` -> `e`; `100.0 * 2` -> `200.0`; `e * 0.5 * 2` -> `e`.  (Adjoints are
    floating-point values, so multiplying by 1.0 changes nothing; negation is exact
    and rounding is symmetric, so moving a sign changes no bit; two numbers are
    multiplied, added or subtracted as the code would, in the same order; and two
    factors that are powers of two scale exactly, so their product is taken first:
    the same value unless e * 0.5 underflows to a subnormal number.)"""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, (gast.Mult, gast.Add, gast.Sub)) \
                and _is_number(node.left) and _is_number(node.right):
            value = {gast.Mult: lambda a, b: a * b, gast.Add: lambda a, b: a + b,
                     gast.Sub: lambda a, b: a - b}[type(node.op)](node.left.value,
                                                                   node.right.value)
            return n.const(value) if value >= 0 else gast.UnaryOp(op=gast.USub(),
                                                                  operand=n.const(-value))
        if isinstance(node.op, gast.Mult) and _is_power_of_two(node.right) \
                and isinstance(node.left, gast.BinOp) and isinstance(node.left.op, gast.Mult) \
                and _is_power_of_two(node.left.right):
            # (e * 0.5) * 2 -> e * 1.0: scaling by powers of two is exact either way
            folded = n.const(node.left.right.value * node.right.value)
            return self.visit_BinOp(gast.BinOp(left=node.left.left, op=gast.Mult(),
                                               right=folded))
        if isinstance(node.op, (gast.Mult, gast.Div)) and _is_one(node.right):
            return node.left
        if isinstance(node.op, gast.Mult) and _is_one(node.left):
            return node.right
        if isinstance(node.op, gast.Mult) and _is_minus_one(node.left):
            return self.visit_UnaryOp(gast.UnaryOp(op=gast.USub(), operand=node.right))
        if isinstance(node.op, (gast.Mult, gast.Div)) and _is_minus_one(node.right):
            return self.visit_UnaryOp(gast.UnaryOp(op=gast.USub(), operand=node.left))
        if isinstance(node.op, (gast.Add, gast.Sub)):
            positive = without_negation(node.right)
            if positive is not None:
                op = gast.Sub() if isinstance(node.op, gast.Add) else gast.Add()
                return gast.BinOp(left=node.left, op=op, right=positive)
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, gast.USub) and isinstance(node.operand, gast.BinOp):
            positive = without_negation(node.operand)   # -(a * -b / c) -> a * b / c
            if positive is not None:
                return positive
        return n.without_double_negation(node)


def _is_number(e):
    return isinstance(e, gast.Constant) and not isinstance(e.value, bool) \
        and isinstance(e.value, (int, float))


def _is_power_of_two(e):
    return _is_number(e) and e.value > 0 and math.frexp(e.value)[0] == 0.5


def _is_minus_one(e):
    return isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.USub) and _is_one(e.operand)


def _is_one(e):
    return isinstance(e, gast.Constant) and not isinstance(e.value, bool) \
        and isinstance(e.value, (int, float)) and e.value == 1



# -- known-zero adjoints --------------------------------------------------------------


def _zero_pass(stmts, zeros, rewrite, lengths=None):
    out = []
    zeros = set(zeros)
    lengths, merged = lengths or {}, set()
    for k, s in enumerate(stmts):
        if id(s) in merged:
            continue                        # (placed by the display made before it)
        run = _placements(stmts, k, zeros, lengths) if lengths else []
        if run:
            merged |= {id(found[4]) for found in run}
            out.append(_placed(run, lengths) if rewrite else s)
            zeros.discard(run[0][0])
            continue
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            target = s.targets[0].id
            value = s.value
            if is_zero(value):
                zeros.add(target)
            else:
                if target in zeros:
                    value = _drop_zero_term(value, target)
                    if is_zero(value):
                        continue                # `b = _tl.writable(b)` of a zero b
                    if rewrite and value is not s.value:
                        s = n.set_line(n.assign(target, value), n.line_of(s))
                zeros.discard(target)
        elif isinstance(s, gast.If):
            body, z1 = _zero_pass(s.body, zeros, rewrite, lengths)
            orelse, z2 = _zero_pass(s.orelse, zeros, rewrite, lengths)
            if rewrite:
                s.body, s.orelse = body, orelse
            zeros = z1 & z2
        elif isinstance(s, (gast.For, gast.While)):
            head = set(zeros)
            if isinstance(s, gast.For):
                head -= set(n.stored_names([n.assign(s.target, n.const(0))]))
            while True:
                _, end = _zero_pass(s.body, head, rewrite=False, lengths=lengths)
                new_head = head & end
                if new_head == head:
                    break
                head = new_head
            if rewrite:
                s.body, _ = _zero_pass(s.body, head, rewrite=True, lengths=lengths)
            zeros = head
        else:
            zeros -= written(s)
        out.append(s)
    return out, zeros


_PLACES = 8          # (a longer list's adjoint stays add_at: a display that long reads badly)


def _placements(stmts, k, zeros, lengths):
    """The statements from `stmts[k]` on that place numbers into a zero adjoint of a
    list or tuple of known length: `b = _tl.add_at(b, xs, c, g)` with `b` in `zeros`,
    `xs` in `lengths` (at most _PLACES numbers), `c` an int constant, each at a place of its own, no `g` calling
    anything or reading `b`; between them only comment markers and other names set
    to zero (`bk = 0.0`), which no later `g` reads (empty: none)."""
    run, places, zeroed = [], set(), set()
    for s in stmts[k:]:
        if run and n.is_comment(s):
            continue
        if run and isinstance(s, gast.Assign) and n.is_name(s.targets[0]) \
                and is_zero(s.value) and s.targets[0].id not in run[0][:2]:
            zeroed.add(s.targets[0].id)
            continue
        found = _placement(s)
        if found is None or found[1] not in lengths or found[0] not in zeros \
                or run and found[:2] != run[0][:2]:
            break
        size = lengths[found[1]]
        place = found[2] % size if -size <= found[2] < size <= _PLACES else None
        if place is None or place in places \
                or n.names_read(found[3]) & (zeroed | {found[0]}) \
                or any(isinstance(x, gast.Call) for x in n.walk(found[3])):
            break
        places.add(place)
        run.append(found + (s,))
    return run


def _placement(s):
    """(b, xs, c, g) of `b = _tl.add_at(b, xs, c, g)` with `c` an int constant, else None."""
    if not (isinstance(s, gast.Assign) and n.is_name(s.targets[0])
            and helper_of(s.value) is runtime.add_at and len(s.value.args) == 4
            and not s.value.keywords):
        return None
    b, xs, c, g = s.value.args
    if not (n.is_name(b, s.targets[0].id) and n.is_name(xs)) or n.int_value(c) is None:
        return None
    return b.id, xs.id, n.int_value(c), g


def _placed(run, lengths):
    """`b = [g0, 0.0, g2]`: the placements `run` into the zero adjoint `b` (what add_at
    makes of them: zero parts for a list or tuple of numbers, `0.0 + g` at each place)."""
    b, xs = run[0][:2]
    parts = [n.const(0.0) for _ in range(lengths[xs])]
    for _, _, c, g, _ in run:
        parts[c % lengths[xs]] = g
    return n.set_line(n.assign(b, gast.List(elts=parts, ctx=gast.Load())), n.line_of(run[0][4]))


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


# helpers whose result has the shape of one of their arguments: its position
_SHAPED_LIKE = {runtime.copy: 0, runtime.broadcast_like: 1, numpy_runtime.spread: 2,
                numpy_runtime.sum_like: 1}


def _shaped_like(call, callee):
    function = helper_called(call, callee)
    return next((k for f, k in _SHAPED_LIKE.items() if f is function), None)


def without_needless_spreads(stmts, kind, callee):
    """`stmts` (forward-mode code) with `broadcast_like(t, p)` replaced by `t` where `t`
    surely has p's shape already: both are elementwise in arrays, and every array `p`
    is elementwise in is one `t` is elementwise in too (`broadcast_like(dx *
    np.cos(x), s)` with `s = np.sin(x)`).  Names are compared only where each holds one
    value all along: never bound in `stmts` (a parameter not rebound), or bound once,
    outside any loop (a definition followed through is one of those).  `kind`: the
    kinds of the primal names (a name of kind "scalar" has no shape); `callee(func)`:
    what a call calls."""
    stores = {}
    for x in (x for s in stmts for x in n.walk(s) if isinstance(x, gast.Name)
              and not isinstance(x.ctx, gast.Load)):
        stores[x.id] = stores.get(x.id, 0) + 1
    looped = n.stored_names([s for s in stmts if isinstance(s, (gast.For, gast.While))])
    fixed = {name_ for name_, count in stores.items() if count == 1 and name_ not in looped}
    defined = {s.targets[0].id: s.value for s in stmts if isinstance(s, gast.Assign)
               and n.is_name(s.targets[0]) and s.targets[0].id in fixed}

    # A definition's answer, once found without stopping at a name already on the
    # path (no cycle below it), is the same from wherever it is reached: kept, so a
    # chain of definitions that each read the previous one several times is linear.
    known, cycles = {}, [0]

    def followed(name_, surely, seen):
        key = (name_, surely)
        if key in known:
            return known[key]
        before = cycles[0]
        found = arrays_in(defined[name_], surely, seen | {name_})
        if cycles[0] == before:
            known[key] = found
        return found

    def arrays_in(e, surely=False, seen=frozenset()):
        """The arrays whose shapes make the shape of elementwise expression `e` (None
        if that is not known), or with `surely`, arrays whose shapes `e`'s surely
        includes (broadcasting only grows a shape: `a + b` has at least b's)."""
        unknown = set() if surely else None
        if isinstance(e, gast.Name):
            if kind.get(e.id) == "scalar":
                return set()
            if e.id in defined and e.id in seen:
                cycles[0] += 1
            elif e.id in defined:
                found = followed(e.id, surely, seen)
                if found:
                    return found
            return {e.id} if e.id in fixed or e.id not in stores else unknown
        if isinstance(e, gast.Constant):
            return set()
        shaped_like = _shaped_like(e, callee)
        if shaped_like is not None and len(e.args) > shaped_like:
            return arrays_in(e.args[shaped_like], surely, seen)   # spread(t, s, x)
        if isinstance(e, gast.BinOp) and not isinstance(e.op, gast.MatMult):
            parts = [e.left, e.right]
        elif isinstance(e, gast.UnaryOp):
            parts = [e.operand]
        elif isinstance(e, gast.Call) and not e.keywords and helper_of(e) is None \
                and isinstance(callee(e.func), numpy.ufunc):
            parts = list(e.args)
        else:
            return unknown
        found = [arrays_in(x, surely, seen) for x in parts]
        return None if None in found else set().union(*found)

    class Spreads(n.Transformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            if helper_called(node, callee) is runtime.broadcast_like and len(node.args) == 2:
                have = arrays_in(node.args[0], surely=True)
                want = arrays_in(node.args[1])
                if want is not None and want <= have:
                    return node.args[0]
            return node

    return [Spreads().visit(s) for s in stmts]
