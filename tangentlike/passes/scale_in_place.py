"""Pass "scale-in-place": a temporary array scaled or shifted by a number as it is read
for the last time is scaled in its own memory (`t *= 2.0`) rather than into a new array.

Requires: a function body after "release-arrays", in core form (statements at the top
level are what runs in order; a name read after its last statement would be a Name
node in a later statement); `arrays`, the names the kinds analysis says hold a number
or an array (passes/arrays.array_names: not the parameters, not their derivatives);
`floating`, the parameters that surely hold floating-point or complex values (the
array `wrt` arguments of a gradient, which dispatch refuses unless they are); and
that nothing differentiates the code again (the pipeline runs this pass in the "grad"
form only, as "in-place": a write in place would be the next derivative's alias
analysis' concern).

Rewrites a part `t * c`, `c * t`, `t + c`, `c + t`, `t - c` or `t / c` of a top-level
statement, where `c` is an int or float literal and `t` is one of `arrays` that
- is assigned once, by a top-level `t = a <op> b` (a new array: NumPy's arithmetic
  never returns a view), and is surely floating (`_floating`: an operand of that
  assignment is a float literal, one of `floating`, a part of one (`x[1:]`) or a
  name surely floating in turn; or the operator is `/`);
- is read nowhere else but as an operand of arithmetic or the value added by `+=`
  (reads that keep no reference to its memory), and in this statement only here;
- is not read by a later statement (it dies here);
- is not inside a comprehension, lambda, conditional expression or boolean operator
  of the statement (where the part would run another number of times than once).
`t *= c` (`+=`, `-=`, `/=`) comes just before the statement and the part becomes `t`
(not where the part is the whole value of `y = c * t`, see `_scaling_part`).

Preserves the result because
- `t`'s memory is read by nothing but the part: it is new, no read kept a reference
  to it, and no later statement reads `t`; so changing it in place changes nothing
  anything else sees, and the rest of the statement, which does not read `t`, computes
  the same values whether `t` is scaled before or as part of it;
- for a floating or complex `t` and a real number `c`, `t * c` has `t`'s dtype and
  shape (a Python number does not widen an array, NEP 50), and `t *= c` runs the same
  elementwise operation into `t` (`c * t` and `c + t` are `t * c` and `t + c`, exactly,
  in IEEE arithmetic); for a number `t`, `t *= c` is `t = t * c`.
"""

import gast

from .. import nodes as n

_SCALING = (gast.Mult, gast.Add, gast.Sub, gast.Div)   # t <op> c; c <op> t for * and +
_ARITHMETIC = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.FloorDiv, gast.Mod,
               gast.MatMult)
_REPEATED = (gast.ListComp, gast.SetComp, gast.DictComp, gast.GeneratorExp, gast.Lambda,
             gast.IfExp, gast.BoolOp)


def scaled_in_place(stmts, arrays, floating):
    """`stmts` (a function body) with the parts `t * c` (`c * t`, `t + c`, `c + t`,
    `t - c`, `t / c`) that read a dead temporary array `t` for the last time computed
    in `t`'s memory (see the module docstring for when)."""
    facts = _Facts(stmts, set(arrays), set(floating))
    out = []
    for k, stmt in enumerate(stmts):
        found = _scaling_part(stmt, k, facts)
        while found is not None:
            part, t, c, op = found
            out.append(_in_place(t, op, c, stmt))
            _replace(stmt, part, n.name(t))
            found = _scaling_part(stmt, k, facts)
        out.append(stmt)
    return out


class _Facts:
    """What the rewrite asks of each name, read from `stmts` once, in order:
    `assignments` (name -> how many times it is bound), `floating` (names surely
    floating where they are bound: a name bound again is no longer one, unless the
    new value surely is), `fresh` (the floating names of `arrays` bound once, at the
    top level, by arithmetic), `last` (name -> index of the last top-level statement
    that reads it) and `keeping` (names some read of which may keep a reference to
    their memory)."""

    def __init__(self, stmts, arrays, floating):
        self.floating, self.last, self.keeping = floating, {}, set()
        self.assignments, self.fresh = {}, set()
        for k, stmt in enumerate(stmts):
            single = stmt.targets[0].id if isinstance(stmt, gast.Assign) \
                and len(stmt.targets) == 1 and n.is_name(stmt.targets[0]) else None
            surely = single is not None and _floating(stmt.value, self.floating)
            for x in n.walk(stmt):
                if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store):
                    self.assignments[x.id] = self.assignments.get(x.id, 0) + 1
                    self.floating.discard(x.id)     # (in order: a name bound again)
            if surely:
                self.floating.add(single)
                if isinstance(stmt.value, gast.BinOp) and single in arrays:
                    self.fresh.add(single)
            self._reads(stmt, k)
        self.fresh = {t for t in self.fresh if self.assignments[t] == 1}

    def _reads(self, stmt, k):
        consuming = set()
        for x in n.walk(stmt):
            if isinstance(x, gast.BinOp) and isinstance(x.op, _ARITHMETIC):
                consuming |= {id(x.left), id(x.right)}
            elif isinstance(x, gast.UnaryOp):
                consuming.add(id(x.operand))
            elif isinstance(x, gast.AugAssign):
                consuming.add(id(x.value))
        for x in n.walk(stmt):
            if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Load):
                self.last[x.id] = k
                if id(x) not in consuming:
                    self.keeping.add(x.id)


def _floating(value, floating):
    """Is `value` surely a floating-point or complex number or array, given the names
    `floating` surely are?  (Arithmetic with one such operand is one, and so is `/`.)"""
    if isinstance(value, gast.Constant):
        return isinstance(value.value, (float, complex))
    if isinstance(value, gast.Name):
        return value.id in floating
    if isinstance(value, gast.Subscript):
        return _floating(value.value, floating)
    if isinstance(value, gast.UnaryOp):
        return isinstance(value.op, (gast.USub, gast.UAdd)) and _floating(value.operand,
                                                                          floating)
    if isinstance(value, gast.BinOp) and isinstance(value.op, _ARITHMETIC) \
            and not isinstance(value.op, gast.MatMult):
        return isinstance(value.op, gast.Div) or _floating(value.left, floating) \
            or _floating(value.right, floating)
    return False


def _scaling_part(stmt, k, facts):
    """(part, t, c, operator) of the first part of `stmt` the pass rewrites, or None.
    (Never the whole value of `y = c * t`: `t *= c; y = t` would bind `y` to `t`'s
    memory, which ownership.py copies when `y` is a derivative written later.)"""
    if not isinstance(stmt, (gast.Assign, gast.AugAssign, gast.Expr, gast.Return)):
        return None
    reads = {}
    for x in n.walk(stmt):
        if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Load):
            reads[x.id] = reads.get(x.id, 0) + 1
    for part in _parts_run_once(stmt):
        found = _as_scaling(part)
        if found is None or isinstance(stmt, gast.Assign) and stmt.value is part:
            continue
        t, c, op = found
        if t in facts.fresh and t not in facts.keeping and facts.last.get(t) == k \
                and reads[t] == 1:
            return part, t, c, op
    return None


def _parts_run_once(stmt):
    """The BinOp parts of `stmt` outside comprehensions, lambdas, conditional
    expressions and boolean operators (each runs once when the statement does)."""
    todo = [stmt]
    while todo:
        node = todo.pop()
        if isinstance(node, _REPEATED):
            continue
        if isinstance(node, gast.BinOp):
            yield node
        todo.extend(n.children(node))      # (no context or operator: neither is a BinOp)


def _as_scaling(part):
    """(t, c, operator) for `t <op> c` (and `c * t`, `c + t`) with `c` an int or float
    literal, else None."""
    if not isinstance(part.op, _SCALING):
        return None
    if n.is_name(part.left) and _real_literal(part.right):
        return part.left.id, part.right.value, part.op
    if isinstance(part.op, (gast.Mult, gast.Add)) and n.is_name(part.right) \
            and _real_literal(part.left):
        return part.right.id, part.left.value, part.op
    return None


def _real_literal(node):
    return isinstance(node, gast.Constant) and type(node.value) in (int, float)


def _in_place(name_, op, c, stmt):
    """`name_ <op>= c`, on `stmt`'s line."""
    return n.set_line(gast.AugAssign(target=n.name(name_, store=True), op=type(op)(),
                                     value=gast.Constant(value=c, kind=None)),
                      n.line_of(stmt))


def _replace(tree, old, new):
    """Put `new` where the node `old` is in `tree`."""
    for node in n.walk(tree):
        for field, value in gast.iter_fields(node):
            if value is old:
                setattr(node, field, new)
                return
            if isinstance(value, list):
                for k, item in enumerate(value):
                    if item is old:
                        value[k] = new
                        return
