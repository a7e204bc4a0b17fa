"""The adjoint and tangent templates of an elementwise declaration, as source.

Receives the parsed body of a declaration (`registry.elementwise`): assignments to
local names, then `return` with one partial derivative per differentiable
parameter.  Guarantees the source of two ordinary templates, written the way the
hand-written ones were:

    adjoint   def f(g, ans, x1, x2):          return g * P1, g * P2
    tangent   def f_t(ans, x1, x2, dx1, dx2): return dx1 * P1 + dx2 * P2

`g * P` puts `g` before the leading factor of P: `g * 2.0 * x` for `2.0 * x`,
`g / x` for `1.0 / x`, `-g * np.sin(x)` for `-np.sin(x)`.  The tangent subtracts a
term whose leading factor is negated (`dx1 - dx2 * np.floor(x1 / x2)`) and writes
terms with one denominator over it once (`(dx1 * x1 + dx2 * x2) / ans`).  A local
read once is written into the expression that reads it; one read more often stays
a local.  Nothing else is simplified: the expressions are the declaration's own.
"""

import ast
import copy

import gast


def sources(name, params, defaults, body, module_name, xp):
    """(adjoint source, tangent source) of the declaration `name`.

    params: the parameter names after `ans`; defaults: parameter -> literal;
    body: the declaration's statements (locals, then the return); module_name: the
    name that `xp` becomes (None keeps `xp`, resolved where the template is inlined).
    """
    body = copy.deepcopy(body)
    if module_name is not None:
        body = [_renamed(s, xp, module_name) for s in body]
    assigns = [(s.targets[0].id, s.value) for s in body[:-1]]
    ret = body[-1].value
    partials = list(ret.elts) if isinstance(ret, gast.Tuple) else [ret]
    differentiable = params[:len(partials)]
    signature = [p if p not in defaults else f"{p}={defaults[p]!r}" for p in params]
    adjoint = [_times(_name("g"), p) for p in partials]
    tangent = [_tangent([_times(_name("d" + p), partial)
                         for p, partial in zip(differentiable, partials)])]
    tangent_params = ["d" + p if not defaults else f"d{p}=None" for p in differentiable]
    return (_function(name, ["g", "ans"] + signature, assigns, adjoint),
            _function(name + "_t", ["ans"] + signature + tangent_params, assigns, tangent))


def _function(name, params, assigns, results):
    assigns, results = _inline_single_reads(assigns, results)
    lines = [f"def {name}({', '.join(params)}):"]
    lines += [f"    {target} = {_text(value)}" for target, value in assigns]
    lines.append(f"    return {', '.join(_text(r) for r in results)}")
    return "\n".join(lines) + "\n"


def _text(expr):
    return ast.unparse(gast.gast_to_ast(expr))


def _name(ident):
    return gast.Name(id=ident, ctx=gast.Load(), annotation=None, type_comment=None)


def _is_minus(node):
    return isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub)


def _negated(expr):
    return expr.operand if _is_minus(expr) else gast.UnaryOp(op=gast.USub(), operand=expr)


def _times(g, partial):
    """`g * partial`, with g written before the partial's leading factor."""
    if isinstance(partial, gast.Constant) and partial.value == 1 \
            and not isinstance(partial.value, bool):
        return g
    if _is_minus(partial):
        return _times(_negated(g), partial.operand)
    if isinstance(partial, gast.BinOp) and isinstance(partial.op, (gast.Mult, gast.Div)):
        return gast.BinOp(left=_times(g, partial.left), op=partial.op, right=partial.right)
    return gast.BinOp(left=g, op=gast.Mult(), right=partial)


def _tangent(terms):
    """The sum of the terms, over their denominator when they all share one."""
    if len(terms) > 1 and all(isinstance(t, gast.BinOp) and isinstance(t.op, gast.Div)
                              for t in terms) \
            and len({gast.dump(t.right) for t in terms}) == 1:
        return gast.BinOp(left=_sum([t.left for t in terms]), op=gast.Div(),
                          right=terms[0].right)
    return _sum(terms)


def _sum(terms):
    total = terms[0]
    for term in terms[1:]:
        positive = _without_leading_minus(term)
        if positive is None:
            total = gast.BinOp(left=total, op=gast.Add(), right=term)
        else:
            total = gast.BinOp(left=total, op=gast.Sub(), right=positive)
    return total


def _without_leading_minus(term):
    """`term` negated when its leading factor is negated (`-a * b` -> `a * b`), else None."""
    if _is_minus(term):
        return term.operand
    if isinstance(term, gast.BinOp) and isinstance(term.op, (gast.Mult, gast.Div)):
        left = _without_leading_minus(term.left)
        return None if left is None else gast.BinOp(left=left, op=term.op, right=term.right)
    return None


def _inline_single_reads(assigns, results):
    """Write each local read exactly once into its reader; drop locals never read."""
    kept, results = [], list(results)
    for target, value in reversed(assigns):
        readers = [v for _, v in kept] + results
        reads = sum(1 for r in readers for sub in gast.walk(r)
                    if isinstance(sub, gast.Name) and sub.id == target)
        if reads > 1:
            kept.insert(0, (target, value))
        elif reads == 1:
            kept = [(t, _substituted(v, target, value)) for t, v in kept]
            results = [_substituted(r, target, value) for r in results]
    return kept, results


class _Replace(gast.NodeTransformer):
    def __init__(self, ident, replacement):
        self.ident, self.replacement = ident, replacement

    def visit_Name(self, node):
        return copy.deepcopy(self.replacement) if node.id == self.ident else node


def _substituted(expr, ident, replacement):
    return _Replace(ident, replacement).visit(copy.deepcopy(expr))


def _renamed(stmt, old, new):
    for sub in gast.walk(stmt):
        if isinstance(sub, gast.Name) and sub.id == old:
            sub.id = new
    return stmt
