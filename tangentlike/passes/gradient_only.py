"""Pass "gradient-only": the joint reverse function of a function that returns one
number, less everything only the value needed.

Requires: the joint function `value_and_grad_<f>(<params>, b<out>=1.0)` from
reverse/, whose last statement is `return value, grads`, and the rules (a call with
a rule writes none of its arguments).  Rewrites it into `grad_<f>(<params>)`: it
returns the gradient only, the statements whose results only the value read are
removed (passes/dead_stores.py), and the seed is the number 1.0, folded.
Preserves the result because the gradient is computed by exactly the statements it
read before, in the same order: a statement is removed only when nothing the
gradient reads depends on it and it calls nothing that may have effects (a call
without a rule stays; one with a rule is taken to have none but its value: a dead
`t = print(x)` goes, and its output with it).  Only where `returns_a_number` proves
the value a number, so the seed 1.0 is the seed every caller passed.
"""

import gast
import numpy

from .. import nodes as n
from ..naming import helper_of
from ..trees import ARRAY_KINDS
from .dead_stores import without_dead_stores
from .effects import replace_name
from .simplify import simplified


_FULL_REDUCTIONS = {"sum", "mean", "prod", "max", "min", "amax", "amin", "std", "var",
                    "average", "nansum", "nanmean"}


def returns_a_number(transformer):
    """True when the function surely returns one number: a Python number, or a NumPy
    reduction over all axes (`np.sum(a)`, `a.mean()`)."""
    value = transformer.returned
    if transformer.expr_kind(value) == "scalar" and not isinstance(value, gast.Constant):
        return True
    if not (isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
            and value.func.attr in _FULL_REDUCTIONS and not value.keywords):
        return False
    function = transformer.callee(value.func)
    if function is None:                                     # a.sum() on an array
        return not value.args and transformer.expr_kind(value.func.value) in ARRAY_KINDS
    return function is getattr(numpy, value.func.attr, None) and len(value.args) == 1


def gradient_only(body, transformer):
    """The joint function's body returning only the gradient: the statements only the
    value needed are removed (not calls without a rule, whose effects may matter)."""
    ret = body[-1]
    ret.value = ret.value.elts[1]
    live = {x.id for x in n.walk(ret) if isinstance(x, gast.Name)}
    assigned, effects = set(), set()
    for s in (x for stmt in body for x in n.statements(stmt) if isinstance(x, gast.Assign)):
        targets = {x.id for t in s.targets for x in n.walk(t) if isinstance(x, gast.Name)}
        assigned |= targets
        if any(isinstance(c, gast.Call) and transformer.rule_of(c.func) is None
               and helper_of(c) is None and transformer.callee(c.func) is not numpy.shape
               for c in n.walk(s.value)):
            effects |= targets
    return without_dead_stores(body[:-1], live, assigned - effects,
                               lambda call: transformer.rule_of(call.func) is not None) + [ret]


def seeded_with_one(function):
    """The gradient-only function without its seed parameter (`bresult=1.0`, last), which
    nothing passes: the number 1.0 stands in its place, and is folded away."""
    seed = function.args.args.pop().id
    function.args.defaults.pop()
    if seed in n.stored_names(function.body):
        # set again once used (`bs = 0.0` for `s = y; s = y; return s`): a local from the
        # start, not a number in place of reads that may follow such an assignment
        function.body.insert(0, n.assign(seed, n.const(1.0)))
        return
    # only statements that read the seed: `t = x * 1.0` of the user's stays a copy of x
    function.body = [simplified([replace_name(s, seed, n.const(1.0))])[0]
                     if seed in n.names_read(s) else s for s in function.body]
