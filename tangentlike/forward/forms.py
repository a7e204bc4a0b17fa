"""Forward mode: the forms tangent code is written in.

Receives gast expressions and statements of tangent code (made by the forward
transformer, or the whole body of a generated tangent function).  Guarantees
rewrites that keep every value the code computes and change only how it is
written (no state; a rewrite of statements may change the nodes it is given):

- the zero marker `ZERO`: a tangent known to be zero, folded away by
  `without_zeros` (0 * a = 0, a + 0 = a, -0 = 0; None when all of it is zero);
  `operator_tangent`: the tangent of `+`, `-` or a unary sign, from its operands'
  tangents;
- `factored_tangent` (`dv * (a - b)` for `a * dv - b * dv`) and `scalars_first`
  (scalar factors of an array product multiplied together first);
- `shapes_from_operands` (`np.shape(a * b)` as `np.broadcast_shapes` of the
  operands' shapes) and `elementwise_operands`;
- `with_line_comments`: a `# tangent of: <user's line>` comment above the
  statements made from each line of the user's code.
"""

import operator

import gast

from .. import nodes as n

ZERO = "__tangentlike_zero__"

# the operators whose tangent is written with the operator itself
OPERATOR_SYNTAX = {operator.add: gast.Add, operator.sub: gast.Sub, operator.neg: gast.USub,
                   operator.pos: gast.UAdd}


def operator_tangent(fn, tangents):
    """The tangent of `fn(*operands)` (`+`, `-`, unary `-` or `+`) from the operands'
    `tangents` (None where zero)."""
    if fn in (operator.neg, operator.pos):
        t = tangents[0]
        return gast.UnaryOp(op=OPERATOR_SYNTAX[fn](), operand=t) if fn is operator.neg else t
    left, right = tangents
    if right is None:
        return left
    if left is None:
        return right if fn is operator.add else gast.UnaryOp(op=gast.USub(), operand=right)
    return n.binop(left, OPERATOR_SYNTAX[fn](), right)


def _is_zero(e):
    return isinstance(e, gast.Name) and e.id == ZERO


class _DropZeros(n.Transformer):
    """Fold the zero marker: 0 * a = 0, a + 0 = a, -0 = 0, ..."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        left, right = _is_zero(node.left), _is_zero(node.right)
        if isinstance(node.op, (gast.Mult, gast.MatMult)) and (left or right):
            return n.name(ZERO)
        if isinstance(node.op, gast.Div) and left:
            return n.name(ZERO)
        if isinstance(node.op, gast.Add):
            if left:
                return node.right
            if right:
                return node.left
        if isinstance(node.op, gast.Sub):
            if right:
                return node.left
            if left:
                return gast.UnaryOp(op=gast.USub(), operand=node.right)
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        return node.operand if _is_zero(node.operand) else node

    def visit_Name(self, node):
        return node


def without_zeros(e):
    """`e` with the zero marker folded away; None when `e` is zero."""
    e = _DropZeros().visit(e)
    if _is_zero(e):
        return None
    for sub in n.walk(e):                     # left inside calls: a literal zero
        if isinstance(sub, gast.Name) and sub.id == ZERO:
            sub.id = "0.0"
    return _literal_zeros(e)


class _LiteralZeros(n.Transformer):
    def visit_Name(self, node):
        return n.const(0.0) if node.id == "0.0" else node


def _literal_zeros(e):
    return _LiteralZeros().visit(e)


def shapes_from_operands(stmts):
    """`s = np.shape(a * b + c)` -> `s = np.broadcast_shapes(np.shape(a), np.shape(b),
    np.shape(c))` for elementwise arithmetic on names and subscripts: the shape without
    computing the value (code that keeps a value only for its shape)."""
    out = []
    for s in stmts:
        for field in ("body", "orelse"):
            if isinstance(s, (gast.If, gast.For, gast.While)) and getattr(s, field, None):
                setattr(s, field, shapes_from_operands(getattr(s, field)))
        value = s.value if isinstance(s, gast.Assign) else None
        if isinstance(value, gast.Call) and n.dotted_text(value.func) == "np.shape" \
                and len(value.args) == 1 and isinstance(value.args[0], (gast.BinOp,
                                                                        gast.UnaryOp)):
            operands = elementwise_operands(value.args[0])
            if operands:
                s.value = n.call("np.broadcast_shapes",
                                 *[n.call("np.shape", n.copied(x)) for x in operands])
        out.append(s)
    return out


def elementwise_operands(e):
    """The array operands of arithmetic `e` (constants dropped), or None if `e` is not
    only arithmetic on names and subscripts."""
    if isinstance(e, gast.BinOp) and isinstance(e.op, (gast.Add, gast.Sub, gast.Mult,
                                                        gast.Div, gast.Pow)):
        left, right = elementwise_operands(e.left), elementwise_operands(e.right)
        return None if left is None or right is None else left + right
    if isinstance(e, gast.UnaryOp) and isinstance(e.op, (gast.USub, gast.UAdd)):
        return elementwise_operands(e.operand)
    if isinstance(e, gast.Constant) and isinstance(e.value, (int, float)):
        return []
    if isinstance(e, (gast.Name, gast.Subscript)):
        return [e]
    return None


def scalars_first(e, is_scalar):
    """`a * s * B * t` -> `s * t * a * B` when a product of arrays has several scalar
    factors: they are multiplied together first, an array operation saved each; a
    negated array factor passes its sign to them (`s * -A` -> `-s * A`)."""
    if isinstance(e, gast.BinOp) and isinstance(e.op, gast.Mult):
        factors = _product_factors(e)
        scalars = [f for f in factors if is_scalar(f)]
        others = [f for f in factors if not is_scalar(f)]
        negated = [f for f in others if isinstance(f, gast.UnaryOp)
                   and isinstance(f.op, gast.USub)]
        if scalars and others and (len(scalars) >= 2 and factors != scalars + others
                                   or negated):
            others = [f.operand if f in negated else f for f in others]
            product = scalars[0]
            for f in scalars[1:]:
                product = n.binop(product, gast.Mult(), f)
            if len(negated) % 2:                  # -A costs an array operation, -s none
                product = gast.UnaryOp(op=gast.USub(), operand=product)
            for f in others:
                product = n.binop(product, gast.Mult(), f)
            return product
    for field, value in gast.iter_fields(e):
        if isinstance(value, gast.expr):
            setattr(e, field, scalars_first(value, is_scalar))
        elif isinstance(value, list):
            setattr(e, field, [scalars_first(v, is_scalar) if isinstance(v, gast.expr)
                               else v for v in value])
    return e


def _product_factors(e):
    """The factors of a left-nested product `a * b * c` (its subexpressions kept)."""
    if isinstance(e, gast.BinOp) and isinstance(e.op, gast.Mult):
        return _product_factors(e.left) + [e.right]
    return [e]


def factored_tangent(tangent, tangent_names):
    """`dv * (a - b) * c` for a tangent such as `(a * dv - b * dv) * c` that is a
    multiple of one tangent `dv`: the form one writes by hand, with fewer operations.
    Any other tangent is returned as it is."""
    used = {x.id for x in n.walk(tangent) if isinstance(x, gast.Name)} & tangent_names
    if len(used) != 1:
        return tangent
    d = used.pop()
    split = _coefficient(tangent, d)
    if split is None or split[1] is None:
        return tangent
    negative, coefficient = split
    product = _times_leftmost(n.name(d), coefficient)
    return gast.UnaryOp(op=gast.USub(), operand=product) if negative else product


def _coefficient(e, d):
    """(negative, c) with e == ±d * c (c None when it is 1), or None if e is not so."""
    if n.is_name(e, d):
        return False, None
    if isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.USub):
        inner = _coefficient(e.operand, d)
        return None if inner is None else (not inner[0], inner[1])
    if not isinstance(e, gast.BinOp):
        return None
    in_left = any(n.is_name(x, d) for x in n.walk(e.left))
    in_right = any(n.is_name(x, d) for x in n.walk(e.right))
    if isinstance(e.op, (gast.Add, gast.Sub)) and in_left and in_right:
        left, right = _coefficient(e.left, d), _coefficient(e.right, d)
        if left is None or right is None:
            return None
        subtract = (left[0] != right[0]) != isinstance(e.op, gast.Sub)
        one = n.const(1.0)
        total = n.binop(left[1] or one, gast.Sub() if subtract else gast.Add(),
                        right[1] or one)
        return left[0], total
    if in_left == in_right:
        return None
    if isinstance(e.op, gast.Mult):
        inner = _coefficient(e.left if in_left else e.right, d)
        if inner is None:
            return None
        other = e.right if in_left else e.left
        if inner[1] is None:
            return inner[0], other
        return inner[0], (n.binop(inner[1], gast.Mult(), other) if in_left
                          else n.binop(other, gast.Mult(), inner[1]))
    if isinstance(e.op, gast.Div) and in_left:
        inner = _coefficient(e.left, d)
        if inner is None or inner[1] is None:
            return None
        return inner[0], n.binop(inner[1], gast.Div(), e.right)
    return None


def _times_leftmost(d, e):
    """`d * e` written `d * a * b` for e = `a * b`, so it reads left to right."""
    if isinstance(e, gast.BinOp) and isinstance(e.op, (gast.Mult, gast.Div)):
        return n.binop(_times_leftmost(d, e.left), e.op, e.right)
    return n.binop(d, gast.Mult(), e)


_COMPOUND = (gast.If, gast.For, gast.While)


def with_line_comments(stmts, parsed, tangents, current=None):
    """`stmts` (a tangent function's body) with a `# tangent of: <user's line>  (line N)`
    comment above the statements made from each user line that read or write one of
    `tangents` or return, as reverse mode's `# grad of:` comments.  Statements without a line
    (`del`) belong to the group before them; an `if` made from one line (a
    conditional expression) is commented once, above it.  `current`: the line whose
    comment is already above `stmts`."""
    out = []
    for s in stmts:
        line = n.line_of(s)
        if isinstance(s, _COMPOUND):
            one_line = isinstance(s, gast.If) and line is not None and any(
                n.line_of(x) == line for x in s.body + s.orelse)
            if one_line and line != current and _reads_any(s, tangents):
                out.append(_tangent_comment(parsed, s))
            current = line if one_line else None
            for field in ("body", "orelse"):
                if getattr(s, field, None):
                    setattr(s, field, with_line_comments(getattr(s, field), parsed,
                                                         tangents, current))
        elif line is not None and line != current:
            current = None
            if _carries_tangent(s, tangents) or _group_reads_any(stmts, s, tangents):
                out.append(_tangent_comment(parsed, s))
                current = line
        out.append(s)
    return out


def _group_reads_any(stmts, first, tangents):
    """Whether the statements from `first` on with its line (or none) touch `tangents`."""
    start, line = stmts.index(first), n.line_of(first)
    for s in stmts[start:]:
        if isinstance(s, _COMPOUND) or n.line_of(s) not in (None, line):
            return False
        if _carries_tangent(s, tangents):
            return True
    return False


def _carries_tangent(s, tangents):
    """A statement that reads or writes one of `tangents`, or the return (whose value
    carries the tangent even where every tangent name was folded into a number)."""
    return isinstance(s, gast.Return) or _reads_any(s, tangents)


def _reads_any(node, names):
    return any(isinstance(x, gast.Name) and x.id in names for x in n.walk(node))


def _tangent_comment(parsed, s):
    line, text = parsed.code_line(s)
    return n.comment(f"tangent of: {text}  (line {line})")
