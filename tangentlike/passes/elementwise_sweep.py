"""Pass "elementwise-sweep": the gradient of a sum of terms elementwise in one array
parameter, by one forward sweep seeded with ones; and "blocks", the same sweep run
over cache-sized blocks of large arrays.

Requires: `elementwise.sums_elementwise` (the function is `sum(terms)` where each
element of `terms` reads the same element of the parameter and nothing else of it)
and the jvp function the forward transformer (forward/) made.  Rewrites `jvp_<f>(..., x, dx)` into
`grad_<f>(...)`: the tangent `dx` is the number 1.0 standing for ones, and the
function returns the tangent of the terms summed down to x's shape.  Preserves the
result because for such a function the gradient's element i is the tangent of
term i in the direction e_i, which the one sweep with all ones computes for every i
at once (no term reads another element of x).  "blocks" further requires
`elementwise.blocks_elementwise` (every array's element i is read only by element
i), so the gradient of a block is the block of the gradient.
"""


import gast
import numpy

from .. import nodes as n
from .. import numpy_runtime, runtime
from ..elementwise import blocks_elementwise
from ..errors import TangentlikeError
from ..forward import elementwise_operands
from ..naming import helper_of
from ..trees import ARRAY_KINDS, NUMERIC_KINDS
from .effects import replace_name
from .hvp import reduced_to
from .simplify import without_needless_spreads


def seeded_with_ones(function, param, transformer):
    """Turn `jvp_<f>(..., param, dparam)` of `f = sum(terms elementwise in param)` into
    `grad_<f>(...)`: the tangent `dparam` is the number 1.0 (standing for ones of the
    parameter's shape) and the function returns the tangent of the summed terms summed
    down to the parameter's shape, which is the gradient."""
    tangent = transformer.d(param)
    function.args.args = [a for a in function.args.args if a.id != tangent]
    if function.args.defaults:
        function.args.defaults = function.args.defaults[:-1]
    body = function.body
    summed = body[-1].value.elts[1]           # return f(...), np.sum(dterms)
    if helper_of(summed) is runtime.broadcast_like and len(summed.args) == 2:
        summed = summed.args[0]                 # a number's tangent spread to its shape
    if isinstance(summed, gast.Call) and len(summed.args) == 1 and not summed.keywords:
        terms = summed.args[0]                      # np.sum(dterms)
    elif isinstance(summed, gast.Call) and isinstance(summed.func, gast.Attribute):
        terms = summed.func.value                   # dterms.sum()
    else:
        raise TangentlikeError("not a sum of elementwise terms")     # (reverse mode then)
    returned = replace_name(n.set_line(gast.Return(value=terms), n.line_of(body[-1])),
                            tangent, n.const(1.0))
    body = [replace_name(s, tangent, n.const(1.0)) for s in body[:-1]]
    *body, returned = without_needless_spreads(body + [returned], transformer.kind,
                                               transformer.callee)
    body = reduced_to(body, returned,
                       lambda call: transformer.rule_of(call.func) is not None)
    terms = body[-1].value
    if isinstance(terms, gast.Name) and len(body) > 1 and isinstance(body[-2], gast.Assign) \
            and [t.id for t in body[-2].targets if isinstance(t, gast.Name)] == [terms.id]:
        terms = body.pop(-2).value                   # dterms = ...; return dterms
    modules = transformer.inliner.modules
    summed = body[-1].value = summed_down(terms, param, modules)
    if not new_value(summed.args[0], transformer):
        # sum(x * c[0]): the gradient is c[0], which must not be a view of the caller's c
        # (summing down returns an operand of the right shape as it is)
        params = function.args.posonlyargs + function.args.args + function.args.kwonlyargs
        body[-1].value = modules.call(runtime, "unshared", summed,
                                      *[n.name(p.id) for p in params])
    function.body = body


def new_value(expr, transformer):
    """Whether `expr` surely makes a new value: arithmetic, or a NumPy ufunc (of a new
    value, for `broadcast_like`, which returns its operand when it has the shape)."""
    if isinstance(expr, (gast.BinOp, gast.UnaryOp, gast.Constant, gast.Compare)):
        return True
    if not isinstance(expr, gast.Call) or any(k.arg == "out" for k in expr.keywords):
        return False
    if helper_of(expr) is runtime.broadcast_like and expr.args:
        return new_value(expr.args[0], transformer)
    return isinstance(transformer.callee(expr.func), numpy.ufunc)


def blocked_arrays(parsed, kinds, function):
    """The positions of the array parameters of a grad-elementwise function whose
    gradient may be computed over blocks of them (`elementwise.blocks_elementwise`:
    each element of the gradient reads the same elements of every array), else ()."""
    args = function.args
    positional = [a.id for a in args.posonlyargs + args.args]
    if args.vararg or args.kwarg or args.kwonlyargs or \
            any(kinds.get(p) not in NUMERIC_KINDS for p in positional):
        return ()
    arrays = [p for p in positional if kinds[p] in ARRAY_KINDS]
    return tuple(positional.index(p) for p in arrays) \
        if blocks_elementwise(parsed, arrays) else ()


def in_blocks(function, blocked, namer, modules):
    """[entry, function]: `function` renamed `<name>_block`, and an entry of its old
    name that calls it through `numpy_runtime.in_blocks` over the arrays `blocked`."""
    entry = function.name
    function.name = namer.fresh(f"{entry}_block")
    params = [a.id for a in function.args.posonlyargs + function.args.args]
    arrays = [params[i] for i in blocked]
    listed = ", ".join(arrays[:-1]) + " and " + arrays[-1] if len(arrays) > 1 else arrays[0]
    call = n.call(f"{modules.name_for(numpy_runtime)}.in_blocks", n.name(function.name),
                  gast.Tuple(elts=[n.name(p) for p in params], ctx=gast.Load()),
                  gast.Tuple(elts=[n.const(i) for i in blocked], ctx=gast.Load()))
    body = [n.comment(f"each element of the gradient reads the same element of {listed}\n"
                      "and nothing else of them: large NumPy arrays go through in blocks\n"
                      "small enough for the CPU's caches"),
            gast.Return(value=call)]
    wrapper = gast.FunctionDef(name=entry, args=n.copied(function.args), body=body,
                               decorator_list=[], returns=None, type_comment=None,
                               type_params=[])
    return [wrapper, function]


def summed_down(terms, param, modules):
    """`terms` (the tangent of the summed terms) summed down to the shape of `param`.
    A tangent spread to its primal's shape (`broadcast_like(t, a * b)`) becomes `t`
    spread to the operands' common shape, so the primal need not be computed."""
    ntl = modules.name_for(numpy_runtime)
    if helper_of(terms) is runtime.broadcast_like \
            and len(terms.args) == 2:
        operands = elementwise_operands(terms.args[1])
        if operands:
            shape = n.call(f"{modules.name_for(numpy)}.shape", operands[0]) \
                if len(operands) == 1 else n.call(f"{ntl}.common_shape", *operands)
            return n.call(f"{ntl}.spread", terms.args[0], shape, n.name(param))
    return n.call(f"{ntl}.sum_like", terms, n.name(param))
