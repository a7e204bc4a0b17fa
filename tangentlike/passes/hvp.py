"""Pass "hvp": the forward mode of a generated `value_and_grad` function, reduced to
the tangent of the gradient (a Hessian-vector product).

Requires: the jvp function the forward transformer (forward/) made of a generated
joint function, whose last statement returns `(value, gradient), (dvalue, dgradient)`.  Rewrites it to return
only `dgradient`, and removes every statement that it does not read (calls that a
rule says write nothing included), with the rest of `simplify.optimize_backward`'s
rewrites (whether or not the optional "simplify" runs).  Preserves the result
because the statements kept are those `dgradient` depends on, in their order, a
removed statement has no effect another one reads (passes/dead_stores.py), and the
other rewrites keep what is computed (passes/simplify.py).
"""

import gast

from .. import nodes as n
from .simplify import optimize_backward


def tangent_of_gradient_only(body, pure_call=None):
    """The body of the jvp of a generated `value_and_grad` function, returning only the
    tangent of the gradient: the statements it does not need are removed (calls that
    `pure_call` says write nothing too: see `optimize_backward`)."""
    ret = body[-1]
    tangent = ret.value.elts[1]         # return (value, gradient), (dvalue, dgradient)
    wanted = tangent.elts[1] if isinstance(tangent, gast.Tuple) \
        else gast.Subscript(value=tangent, slice=gast.Constant(value=1, kind=None),
                            ctx=gast.Load())
    return reduced_to(body[:-1], gast.Return(value=wanted), pure_call)


def reduced_to(stmts, returned, pure_call=None):
    """`stmts` optimized down to what the statement `returned` reads, then `returned`
    (`pure_call`: see `optimize_backward`)."""
    live = {x.id for x in n.walk(returned) if isinstance(x, gast.Name)}
    removable = {x.id for s in stmts for x in n.walk(s)
                 if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store)}
    # (optimized with `returned` among them: a copy `e3 = e1` it reads is not dropped
    # while another read of e3 is rewritten)
    out = optimize_backward(stmts + [returned], live, removable, pure_call)
    return out if out and isinstance(out[-1], gast.Return) else out + [returned]
