"""Hessian-vector products inside differentiated code, and their derivatives.

Receives user functions.  Guarantees `hessian_product(f, free)`, what a call of
`tl.hvp` inside differentiated code becomes (normalize/lift.py): a derivative made by
tangentlike whose value is `tl.hvp`'s (forward over reverse, higher.py) and whose
adjoint and tangent (called by runtime.grad_call_adjoint / grad_call_tangent) come
from one function made by differentiating the generated code of `f` three times:
forward mode twice gives the second directional derivative

    F(x, a, b) = d/ds d/dt f(x + s a + t b) = aᵀ H(x) b    (a scalar),

the forward-mode code of `f`'s forward-mode code, and reverse mode over that gives
∂F/∂x (the third derivative of `f` along a and b), ∂F/∂a = H b and ∂F/∂b = H a.  For
the product p = H v: the adjoint of x along gᵀp is ∂F/∂x at (a, b) = (g, v), that of
v is ∂F/∂b = H g; the tangent of p along (dx, dv) is ∂F/∂x at (dx, v), taken for the
differentiated primals, plus H dv.  Neither level keeps a tape for the next one to
follow, so loops, recursion and calls of other functions differentiate as first
derivatives do.  Where that code cannot be made (it would call a derivative tangentlike
made, or the forward-mode code of a method it calls has no derivative of its own:
methods calling methods, callable objects), a TangentlikeError naming `f` and its line.
"""

import inspect

from .dispatch import Gradient, mark, shaped_like, unwrap
from .errors import NoDerivativeError, TangentlikeError, UnsupportedSyntaxError
from .higher import forward_over_reverse
from .loader import load, signature
from .results import grad_like
from .runtime import add, arg_kind, unbroadcast, zeros_like


def hessian_product(f, free=0):
    """`tl.hvp(f, primals, vectors)` as one function of `(*primals, *vectors)`, the
    first `free` primals given no vector: constants of the product (the variables a
    lambda-lifted function reads from the function that encloses it), differentiated
    as the module docstring says."""
    fn = unwrap(f)

    def split(args):
        """The primals, the positions of those the product is taken along, and how many
        primals the call gave (the vectors follow them, `free` fewer)."""
        count = free + (len(args) - free) // 2
        primals = tuple(args[:count])
        positions = [k for k in _followed(primals) if k >= free]
        if not positions:
            raise TangentlikeError(f"tl.hvp of {fn.__name__} needs a differentiable primal "
                                   f"(a float or an array)")
        return primals, positions, count

    def product(*args):
        primals, positions, count = split(args)
        params = list(signature(fn).parameters)
        hvp_fn, full = forward_over_reverse(fn, tuple(params[k] for k in positions), primals)
        out = hvp_fn(*full, 1.0, *(shaped_like(args[count + k - free], primals[k])
                                   for k in positions))
        if len(positions) == 1:
            return grad_like(out, primals[positions[0]])
        return tuple(grad_like(p, primals[k]) for p, k in zip(out, positions))

    def adjoint(args, g):
        primals, positions, count = split(args)
        if len(positions) == 1:
            g = (g,)
        elif isinstance(g, float) and g == 0.0:
            g = (0.0,) * len(positions)
        vectors = {k: args[count + k - free] for k in positions}
        d_x, _, d_b = _second_directional(fn, primals, dict(zip(positions, g)), vectors)
        result = list(d_x[:count]) + [None] * (len(args) - count)
        for k in positions:
            result[count + k - free] = unbroadcast(d_b[k], vectors[k])
        return tuple(result)

    def tangent(args, tangents):
        primals, positions, count = split(args)
        along = {k: tangents[k] for k in _followed(primals)}
        d_x = _second_directional(fn, primals, along,
                                  {k: args[count + k - free] for k in positions})[0]
        of_vectors = product(*primals, *tangents[count:])          # H dv
        of_vectors = of_vectors if len(positions) > 1 else (of_vectors,)
        out = tuple(add(grad_like(d_x[k], primals[k]), p)
                    for k, p in zip(positions, of_vectors))
        return out if len(positions) > 1 else out[0]

    product.adjoint, product.tangent = adjoint, tangent
    return mark(product, "hvp", fn, (), False)


def _followed(args):
    """Positions of the arguments derivatives follow: numbers, arrays and containers
    of them (not ints, strings, None, nor objects, whose attributes are constants)."""
    return [k for k, v in enumerate(args) if not isinstance(v, (bool, int, str))
            and (hasattr(v, "shape") or isinstance(v, (float, complex, list, tuple, dict)))]


def _second_directional(fn, primals, a, b):
    """(∂F/∂x per argument, ∂F/∂a, ∂F/∂b by position) for F(x, a, b) = aᵀ H(x) b of `fn`
    at `primals`; `a` and `b` map positions to directions (missing ones are zero)."""
    params = list(signature(fn).parameters)
    positions = _followed(primals)
    wrt = tuple(params[k] for k in positions)
    args = Gradient(fn, wrt, single=False).arguments(tuple(primals), {})

    def directions(d):
        return tuple(shaped_like(d[k], args[k]) if k in d and d[k] is not None
                     else zeros_like(args[k]) for k in positions)
    a, b = directions(a), directions(b)
    try:
        first = load(fn, wrt, _kinds(params, args), "jvp")[0]
        second = load(first, wrt, _kinds(list(signature(first).parameters), args + a),
                      "jvp")[0]
        if {"split_method", "grad_call_adjoint", "grad_call_tangent"} \
                & set(second.__code__.co_names):
            raise UnsupportedSyntaxError("a call of a derivative made by tangentlike, or "
                                         "of a method of an object known only at run time,",
                                         None)
        level = args + a + b
        reverse = Gradient(second, tuple(list(signature(second).parameters)[k]
                                         for k in _followed(level)), single=False)
        grads = reverse.value_and_grad(level, {}, seed=((0.0, 0.0), (0.0, 1.0)))[1]
    except (UnsupportedSyntaxError, NoDerivativeError) as e:
        why = f"{e.construct} is not supported" if isinstance(e, UnsupportedSyntaxError) \
            else f"no derivative of {e.callee}, which the generated code calls"
        filename = inspect.getsourcefile(fn) or "?"
        raise TangentlikeError(
            f"{filename}:{fn.__code__.co_firstlineno}: tl.hvp of {fn.__name__} inside a "
            f"function that is differentiated needs a third derivative of {fn.__name__}, "
            f"made by differentiating its generated forward-mode code again, and that code "
            f"cannot be differentiated ({why}); write the "
            f"Hessian-vector product of {fn.__name__} out by hand, or call tl.hvp outside "
            f"differentiated code") from e
    by_position = dict(zip(_followed(level), grads))
    n, m = len(args), len(positions)
    return ([by_position.get(k) for k in range(n)],
            {k: by_position.get(n + j) for j, k in enumerate(positions)},
            {k: by_position.get(n + m + j) for j, k in enumerate(positions)})


def _kinds(params, values):
    return {p: arg_kind(v) for p, v in zip(params, values)}
