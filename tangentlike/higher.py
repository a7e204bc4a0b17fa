"""Higher-order and matrix-valued derivatives, built by differentiating generated code.

Receives user functions.  Guarantees `hvp`, `derivative` and the gradient of a
gradient, each computed from tangentlike's own generated code: a Hessian-vector
product is forward mode applied to the reverse-mode derivative (forward over
reverse, a few gradients' cost; jacobians.py builds whole Hessians from it), the
n-th derivative of a scalar function is forward mode applied n - 1 times over
it.  No finite differences anywhere.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from . import environment
from .cache import CACHE
from .dispatch import (KIND_BY_TYPE, Gradient, jvp_of, mark, shaped_like, type_key, unwrap,
                       vjp_of, wrt_names)
from .loader import load, signature
from .errors import TangentlikeError, UnsupportedSyntaxError
from .forensics import require_scalar
from .results import grad_like
from .runtime import add, arg_kind, zeros_like
from .markers import GENERATED_MODULE


def _differentiable(primals):
    return [k for k, v in enumerate(primals) if not isinstance(v, (bool, int, str))
            and v is not None]




def forward_over_reverse(fn, wrt, args):
    """`hvp_<f>(*args, 1.0, *vectors)`: the tangent of the gradient of `fn`, and the
    args.  Forward mode runs over the generated `value_and_grad` function when that
    code is self-contained, else over the same gradient with the functions it calls
    written out in it; where they cannot be (recursion, methods of objects known at
    run time), the product is reverse mode over forward mode (`_reverse_over_forward`)."""
    wrt = tuple(wrt)
    by_wrt = CACHE.gradients.setdefault(fn, {})
    gradient = by_wrt.get(wrt)
    if gradient is None:
        gradient = by_wrt[wrt] = Gradient(fn, wrt, single=False)
    args = gradient.arguments(tuple(args), {})
    generated = gradient.generated(args)
    hvp_fn = CACHE.hvps.get(generated)
    if hvp_fn is None:
        kinds = {p: arg_kind(v) for p, v in zip(signature(fn).parameters, args)}
        level = generated if _self_contained(generated) else \
            _written_out_gradient(fn, wrt, kinds)
        if level is None:
            hvp_fn = _reverse_over_forward(fn, wrt, kinds)
        else:
            params = list(signature(level).parameters)
            level_kinds = {p: arg_kind(v) for p, v in zip(params, args + (1.0,))}
            hvp_fn = load(level, wrt, level_kinds, "hvp")[0]
        CACHE.hvps[generated] = hvp_fn
    environment.reach_of(hvp_fn).refresh()      # the globals it reads, as they are now
    return hvp_fn, args


def _written_out_gradient(fn, wrt, kinds):
    """The generated `value_and_grad_<f>` with the user functions it calls written out
    in it, or None when they cannot all be (recursion, methods of run-time objects)."""
    try:
        generated = load(fn, tuple(wrt), kinds, "joint-inline")[0]
    except UnsupportedSyntaxError:
        return None
    return generated if _self_contained(generated) else None


def _self_contained(generated):
    """True when generated code calls no other generated derivative (whose tape the
    forward mode over it could not follow)."""
    names = set(generated.__code__.co_names)
    if names & {"split_method", "grad_call_adjoint", "grad_call_tangent"}:
        return False
    scope = generated.__globals__
    return not any(inspect.isfunction(scope.get(x)) and scope[x] is not generated
                   and scope[x].__globals__.get("__name__") == GENERATED_MODULE
                   for x in names)


def _reverse_over_forward(fn, wrt, kinds):
    """A function like `hvp_<f>` computing H v as the gradient of the directional
    derivative: reverse mode over the generated forward-mode function `jvp_<f>`."""
    tangent_fn = _first_order(fn, wrt, kinds)
    params = list(signature(tangent_fn).parameters)
    count = len(kinds)

    def hvp_fn(*call):                       # (*args, 1.0, *vectors), as hvp_<f> takes
        jvp_args = call[:count] + call[count + 1:]
        jvp_kinds = {p: arg_kind(v) for p, v in zip(params, jvp_args)}
        gradient = load(tangent_fn, wrt, jvp_kinds, "joint")[0]
        return gradient(*jvp_args, (0.0, 1.0))[1]
    return hvp_fn


def _first_order(fn, wrt, kinds):
    """The generated forward-mode function `jvp_<f>`, to be differentiated again; a
    TangentlikeError when it calls a derivative tangentlike made (`tl.grad(g)(x)`
    inside `f`): a second derivative of `f` would need a third one of `g`."""
    tangent_fn = load(fn, tuple(wrt), kinds, "jvp")[0]
    if "grad_call_tangent" in tangent_fn.__code__.co_names:
        filename = inspect.getsourcefile(fn) or "?"
        line = fn.__code__.co_firstlineno
        raise TangentlikeError(
            f"{filename}:{line}: {fn.__name__} calls a derivative made by tangentlike "
            f"(tl.grad, tl.value_and_grad, tl.jvp, tl.hvp or tl.derivative inside it): its "
            f"first derivative works in both modes, but a second derivative of {fn.__name__} "
            f"would need a third derivative of the inner function (a fourth, for tl.hvp), "
            f"which tangentlike "
            f"does not make inside generated code; write the inner derivative out by hand "
            f"in {fn.__name__}, or take the higher derivative of the inner function itself")
    return tangent_fn


def hvp(f: Callable[..., Any], primals: Sequence[Any], vectors: Sequence[Any]) -> Any:
    """The Hessian of scalar `f` at `primals` times `vectors`, without forming it.

    One vector per primal (those of int, bool and str primals are ignored); the
    result has one entry per differentiable primal (a single value when there is
    one), each shaped like its primal.  Called inside a differentiated function, with
    its primals and vectors written as two tuples, it is differentiated too (see
    docs/nesting.md and `products.hessian_product`).

    >>> import tangentlike as tl
    >>> def f(x, y):
    ...     return x * x * y
    >>> tl.hvp(f, (3.0, 2.0), (1.0, 0.0))
    (4.0, 6.0)
    """
    primals, vectors = tuple(primals), tuple(vectors)
    types = type_key(primals)
    kinds = types if KIND_BY_TYPE.issuperset(types) else tuple(map(arg_kind, primals))
    try:
        plan = CACHE.hvp_plans.get(f, {}).get(kinds)
    except TypeError:                               # not weakly referenceable: no plan
        plan = None
    if plan is not None and plan[2].changed():      # a callable it reads was rebound
        plan = None
    if plan is None:
        fn = unwrap(f)
        require_scalar(fn, fn(*primals), "hvp")     # (once per kinds: the code seeds the output with 1.0)
        params = list(signature(fn).parameters)
        positions = _differentiable(primals)
        hvp_fn, args = forward_over_reverse(fn, tuple(params[k] for k in positions), primals)
        plan = (hvp_fn, positions, environment.reach_of(hvp_fn))
        if len(args) == len(primals) and inspect.isfunction(f):   # the same call next time
            CACHE.hvp_plans.setdefault(f, {})[kinds] = plan
    else:
        args = primals
    hvp_fn, positions, reach = plan
    reach.refresh()                                     # the globals it reads, as they are now
    if len(positions) == 1:                             # the common case, at once
        k = positions[0]
        return grad_like(hvp_fn(*args, 1.0, shaped_like(vectors[k], primals[k])), primals[k])
    tangent_of_grads = hvp_fn(*args, 1.0, *[shaped_like(vectors[k], primals[k])
                                            for k in positions])
    return tuple(grad_like(p, primals[k]) for p, k in zip(tangent_of_grads, positions))


def jvp_of_gradient(gradient, primals, tangents):
    """`tl.jvp(tl.grad(f, wrt=...), primals, tangents)`: the gradient, and its tangent,
    the rows `wrt` of the Hessian times `tangents`."""
    kind, fn, names, single = gradient.__tangentlike_derivative__
    params = list(signature(fn).parameters)
    positions = _differentiable(primals)
    products = hvp(fn, primals, tangents)
    products = products if len(positions) > 1 else (products,)
    by_name = {params[k]: p for k, p in zip(positions, products)}
    missing = [name_ for name_ in names if name_ not in by_name]
    if missing:
        raise TangentlikeError(f"jvp of a gradient needs differentiable values for "
                               f"{', '.join(missing)}")
    tangent = tuple(by_name[name_] for name_ in names)
    return gradient(*primals), tangent[0] if single else tangent


def derivative(f: Callable[..., Any], order: int = 1) -> Callable[..., float]:
    """The `order`-th derivative of a scalar function of one float, as a function.

    Order 1 is the generated forward-mode function `jvp_<f>`; each further order
    applies forward mode to the code of the previous one (through calls and
    recursion: no tape is involved).  Order 1 is a gradient like `tl.grad(f)`'s: it
    can be called inside differentiated code and differentiated again.

    >>> import tangentlike as tl
    >>> def f(x):
    ...     return x ** 4
    >>> tl.derivative(f, order=3)(1.0)
    24.0
    """
    fn = unwrap(f)
    if not isinstance(order, int) or order < 1:
        raise TangentlikeError(f"order must be a positive int, got {order!r}")
    params = list(signature(fn).parameters)
    names = (params[0],)

    def nth_derivative(x, *rest):
        x = float(x)
        args = (x,) + rest
        args = Gradient(fn, names, single=True).arguments(args, {})
        kinds = {p: arg_kind(v) for p, v in zip(params, args)}
        level = load(fn, names, kinds, "jvp")[0] if order == 1 else \
            _first_order(fn, names, kinds)
        call_args = list(args) + [1.0]
        for _ in range(order - 1):
            level_params = list(signature(level).parameters)
            kinds = {p: arg_kind(v) for p, v in zip(level_params, call_args)}
            level = load(level, names, kinds, "jvp")[0]
            call_args = call_args + [1.0]
        out = level(*call_args)
        for _ in range(order):
            out = out[1]
        return float(out)
    if order == 1:          # the gradient with respect to the first argument, as tl.grad's
        return mark(nth_derivative, "grad", fn, names, True)
    return nth_derivative


def grad_of_gradient(derivative, wrt=0):
    """`tl.grad(d, wrt=y)` for `d` a scalar-valued derivative made by tangentlike
    (`tl.grad(f, wrt=x)` with x a float, or such a function itself): reverse mode
    applied to the generated code of `d` (reverse over reverse), to any order.  When
    f's gradient cannot be written as one function (f recurses, or calls methods of
    objects known only at run time), the inner orders are forward mode and the
    outermost reverse mode (reverse over forward over ... over forward).

    Level 1's generated `value_and_grad_f(*args, 1.0)` returns (value, ∂f/∂x); the
    next level differentiates that function with the cotangent (0, 1), which picks
    ∂f/∂x, and returns ((value, ∂f/∂x), its gradient); and so on."""
    kind, fn, names, single = derivative.__tangentlike_derivative__
    if not single or len(names) != 1:
        raise TangentlikeError("the gradient of a gradient needs the inner gradient to be "
                               "with respect to one argument (a float)")
    outer, outer_single = wrt_names(fn, wrt)
    levels = {}               # argument kinds -> (generated function, extra arguments)

    def grad_of_grad_fn(*args):
        args = Gradient(fn, names, single=True).arguments(args, {})
        kinds = tuple(map(arg_kind, args))
        level = levels.get(kinds)
        if level is None:
            level = levels[kinds] = _reverse_over(derivative, outer, args)[:2]
        generated, extra = level
        return generated(*args, *extra)[1]
    grad_of_grad_fn.__tangentlike_inner__ = derivative
    return mark(grad_of_grad_fn, "grad of grad", fn, outer, outer_single)


def nested_gradient_source(derivative, args=None):
    """The generated module of a gradient of a gradient (`tl.source(tl.grad(tl.grad(f)))`),
    specialized for `args` (default: floats)."""
    kind, fn, names, single = derivative.__tangentlike_derivative__
    if args is None:
        args = tuple(1.0 for _ in signature(fn).parameters)
    args = Gradient(fn, names, single=True).arguments(tuple(args), {})
    generated = _reverse_over(derivative.__tangentlike_inner__, names, args)[0]
    with open(inspect.getsourcefile(generated), encoding="utf-8") as module:
        text = module.read()
    header, _, rest = text.partition("\n")
    return rest if header.startswith("# tangentlike generated code") else text


def _level(derivative, args):
    """(generated function, its arguments after `args`, the cotangent of its outputs
    that picks the value of `derivative`, whether the chain so far is forward mode)
    for a derivative made by tangentlike."""
    kind, fn, names, single = derivative.__tangentlike_derivative__
    position = list(signature(fn).parameters).index(names[0])
    if not isinstance(args[position], float):
        raise TangentlikeError(
            f"the gradient of a gradient needs {names[0]!r} to be a float (the inner "
            f"gradient must be a scalar); for arrays use tl.hessian or tl.hvp")
    if kind == "grad":
        # the gradient with the functions it calls written out; where they cannot be
        # (recursion, methods known at run time), the forward-mode derivative, which
        # returns the same (value, ∂f/∂x) from jvp_<f>(*args, 1.0)
        kinds = {p: arg_kind(v) for p, v in zip(signature(fn).parameters, args)}
        generated = _written_out_gradient(fn, names, kinds)
        if generated is not None:
            return generated, (1.0,), (0.0, 1.0), False
        return _first_order(fn, tuple(names), kinds), (1.0,), (0.0, 1.0), True
    inner = derivative.__tangentlike_inner__
    generated, extra, cotangent, forward = _level(inner, args)
    if not forward:
        return _reverse_over(inner, names, args)[:3] + (False,)
    # a forward chain (recursion) goes on in forward mode: the tangent of the inner
    # outputs along this level's variable; the same component is picked
    above = load(generated, tuple(names), _kinds_of(generated, args, extra), "jvp")[0]
    return above, tuple(extra) + (1.0,), (_zero_like(cotangent), cotangent), True


def _reverse_over(inner, wrt, args):
    """The level above `inner`: reverse mode over its generated code, with respect to
    `wrt`, seeded with the cotangent that picks `inner`'s value."""
    generated, extra, cotangent, _ = _level(inner, args)
    above = load(generated, tuple(wrt), _kinds_of(generated, args, extra), "joint")[0]
    return above, tuple(extra) + (cotangent,), (_zero_like(cotangent), 1.0)


def _kinds_of(generated, args, extra):
    params = list(signature(generated).parameters)
    return {p: arg_kind(v) for p, v in zip(params, tuple(args) + tuple(extra))}


def _zero_like(structure):
    if isinstance(structure, tuple):
        return tuple(_zero_like(x) for x in structure)
    return 0.0


def pushforward(f, free=0):
    """`tl.jvp(f, primals, tangents)` as one function of `(*primals, *tangents)`, the
    tangents of the first `free` primals left out (they are zero: the variables a
    lambda-lifted function reads from the function that encloses it).  What a call of
    `tl.jvp` inside differentiated code becomes (normalize/lift.py), so that the outer
    derivative differentiates it as a call of a derivative: its adjoint is reverse mode
    over the generated forward-mode code of `f` (`.adjoint`), its tangent forward mode
    over it (`.tangent`), both called by runtime.grad_call_adjoint / grad_call_tangent."""
    fn = unwrap(f)
    count = len(signature(fn).parameters)

    def split(args):
        primals = tuple(args[:count])
        return primals, tuple(zeros_like(p) for p in primals[:free]) + tuple(args[count:])

    def level(primals, tangents):
        """The generated `jvp_<f>` and its arguments: every primal, then the tangents of
        the differentiable ones (their positions)."""
        positions = _differentiable(primals)
        params = list(signature(fn).parameters)
        kinds = {p: arg_kind(v) for p, v in zip(params, primals)}
        generated = load(fn, tuple(params[k] for k in positions), kinds, "jvp")[0]
        return generated, primals + tuple(shaped_like(tangents[k], primals[k])
                                          for k in positions), positions

    def pushforward_fn(*args):
        return jvp_of(fn, *split(args))

    def adjoint(args, g):
        generated, level_args, positions = level(*split(args))
        out, pullback = vjp_of(generated, level_args)
        g = (0.0, 0.0) if isinstance(g, float) and g == 0.0 else tuple(g)
        parts = pullback(tuple(zeros_like(o) if isinstance(c, float) and c == 0.0
                               and not isinstance(o, float) else c for o, c in zip(out, g)))
        result = list(parts[:count]) + [None] * (len(args) - count)
        for j, k in enumerate(positions):
            if k >= free:
                result[count + k - free] = parts[count + j]
        return tuple(result)

    def tangent(args, tangents):
        generated, level_args, positions = level(*split(args))
        d_primals, d_tangents = split(tangents)
        return jvp_of(generated, level_args, d_primals + tuple(
            shaped_like(d_tangents[k], args[k]) for k in positions))[1]

    pushforward_fn.adjoint, pushforward_fn.tangent = adjoint, tangent
    return mark(pushforward_fn, "jvp", fn, (), False)


# -- derivatives of calls of derivatives (generated code asks through runtime.SERVICE) --

def _hvp_parts(derivative, args, direction):
    """Hessian-vector products of the function `derivative` is the gradient of, at `args`,
    along `direction` (like the gradient): one per argument (None: not differentiable)."""
    kind, fn, names, single = derivative.__tangentlike_derivative__
    if kind not in ("grad", "value_and_grad"):
        raise TangentlikeError(f"reverse mode through a {kind} made by tangentlike is not "
                               f"supported; call tl.grad inside the function instead")
    params = list(signature(fn).parameters)
    directions = (direction,) if single else tuple(direction)
    vectors = [zeros_like(a) for a in args]
    for name, d in zip(names, directions):
        vectors[params.index(name)] = d
    differentiable = [k for k, a in enumerate(args)
                      if not isinstance(a, (bool, int, str)) and a is not None]
    products = hvp(fn, args, vectors)
    by_position = dict(zip(differentiable, products if len(differentiable) > 1 else (products,)))
    return tuple(by_position.get(k) for k in range(len(args)))


def call_adjoint(derivative, args, g):
    """The adjoints of the arguments of a call to a tangentlike gradient: the Hessian of
    the function applied to `g` (it is symmetric); for a `value_and_grad`, `g` pairs the
    adjoints of the value (times its gradient) and of the gradient (times the Hessian)."""
    if derivative.__tangentlike_derivative__[0] in ("jvp", "hvp"):  # higher.pushforward, ...
        return derivative.adjoint(args, g)
    if derivative.__tangentlike_derivative__[0] != "value_and_grad":
        return _hvp_parts(derivative, args, g)
    g_value, g_grad = (0.0, 0.0) if _is_zero(g) else tuple(g)
    out = [None] * len(args) if _is_zero(g_grad) else _hvp_parts(derivative, args, g_grad)
    if not _is_zero(g_value):
        parts = vjp_of(derivative.__tangentlike_derivative__[1], args)[1](g_value)
        out = [p if o is None else o if p is None else add(o, p) for o, p in zip(out, parts)]
    return tuple(out)


def call_tangent(derivative, args, tangents):
    """The tangent of a call to a tangentlike gradient: Hessian times the tangents
    (for `value_and_grad`, the pair of the value's tangent and that)."""
    kind, fn, names, single = derivative.__tangentlike_derivative__
    if kind in ("jvp", "hvp"):               # higher.pushforward, higher.hessian_product
        return derivative.tangent(args, tangents)
    if kind not in ("grad", "value_and_grad"):
        raise TangentlikeError(f"forward mode through a {kind} made by tangentlike is not "
                               f"supported; use tl.hessian or tl.derivative(f, order=n)")
    products = hvp(fn, args, tangents)
    params = list(signature(fn).parameters)
    differentiable = [params[k] for k, a in enumerate(args)
                      if not isinstance(a, (bool, int, str)) and a is not None]
    products = products if len(differentiable) > 1 else (products,)
    by_name = dict(zip(differentiable, products))
    parts = tuple(by_name[name] for name in names)
    parts = parts[0] if single else parts
    if kind == "value_and_grad":            # (tangent of the value, of the gradient)
        return jvp_of(fn, args, tangents)[1], parts
    return parts


def _is_zero(value):
    return isinstance(value, (int, float)) and value == 0.0
