"""The public API: `differentiate`, `grad`, `value_and_grad`, `vjp`, `jvp`, `source`,
and the registration of rules.

Receives user functions.  Binds nothing itself: each entry point checks what it is
given, hands the function to dispatch.py (which specializes on the kinds of each
call's arguments and loads the generated code through loader.py, which runs the
pipeline at most once per cache key), and hands derivatives of derivatives to
higher.py.  A registration changes the rule registry, which invalidates every memo
(`cache.CACHE.invalidate()`).
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar, overload

from .backends import check_backend, passes_for
from .dispatch import (DERIVATIVE, WRAPPED, Gradient, bind, jvp_of, mark, signature, unwrap,
                       vjp_of, wrt_names)
from .errors import TangentlikeError
from .higher import derivative as higher_derivative
from .higher import grad_of_gradient, hvp, jvp_of_gradient, nested_gradient_source, pushforward
from .jacobians import hessian, jacobian
from .markers import MAKES_GRADIENTS, OUTSIDE_ONLY, Backend, Optimize, Wrt, optional_passes
from .products import hessian_product
from .rules import registry
from .runtime import arg_kind

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")


def value_and_grad(f: Callable[..., Any], wrt: Wrt = 0, check_nans: bool = False,
                   optimize: Optimize = True, has_aux: bool = False,
                   backend: Backend = "python") -> Callable[..., tuple[Any, Any]]:
    """A function returning `(f(*args), gradient of f with respect to wrt)`.

    `f` must return a scalar; `wrt` is as for `grad`, and so is `check_nans=True`
    (a NaN or an infinity in the backward sweep raises NonFiniteError naming the
    user's line).  `optimize=False` turns every optional rewrite off (see `grad`).  With
    `has_aux=True`, `f` returns a pair `(value, aux)`, only `value` is differentiated,
    and the result is `((value, aux), gradient)` (aux from the same run of `f`).
    `backend` is where the generated code runs (see `grad`).

    >>> import math, tangentlike as tl
    >>> def f(x):
    ...     return x * math.sin(x)
    >>> tl.value_and_grad(f)(0.0)
    (0.0, 0.0)
    """
    fn = unwrap(f)
    names, single = wrt_names(fn, wrt)
    gradient = Gradient(fn, names, single, check_nans, optimize=optimize, has_aux=has_aux,
                        backend=backend)

    @functools.wraps(fn)
    def value_and_grad_fn(*args, **kwargs):
        return gradient.value_and_grad(args, kwargs)
    value_and_grad_fn.__tangentlike_optimize__ = gradient.optimize  # type: ignore[attr-defined]
    value_and_grad_fn.generated = _generated(gradient)  # type: ignore[attr-defined]
    return mark(value_and_grad_fn, "value_and_grad" + " with aux" * has_aux, fn, names,
                single)


def grad(f: Callable[..., Any], wrt: Wrt = 0, check_nans: bool = False,
         optimize: Optimize = True, has_aux: bool = False,
         backend: Backend = "python") -> Callable[..., Any]:
    """A function returning the gradient of scalar-valued `f` with respect to `wrt`.

    `wrt` is a parameter position, a parameter name, or a tuple of them (then
    the gradient is a tuple in the same order).  Each gradient has the type
    and shape of its argument.

    >>> import math, tangentlike as tl
    >>> def f(a, b):
    ...     return a * math.log(b)
    >>> tl.grad(f, wrt=(0, "b"))(2.0, 1.0)
    (0.0, 2.0)

    The gradient of a gradient of a function of floats works too (second
    derivatives, through Hessian-vector products): `tl.grad(tl.grad(f))`.
    With `check_nans=True` every adjoint block of the backward sweep is checked:
    a NaN or an infinity raises NonFiniteError naming the user's line.
    With `optimize=False` every optional pass is off (simplify, gradient-only,
    elementwise-sweep, blocks, in-place, named-parts, release-arrays,
    recursion-loops, scale-in-place, tape-tuples), in the
    functions `f` calls too: the result must be the same, so a difference points at a
    pass.  A collection of names runs those passes only, in this function's code
    (`tangentlike.pipeline.OPTIONAL` lists them; docs/architecture.md says what each
    does); `optimize="numba"`, every pass but those for CPython only (what
    backend="numba" uses).  The passes that make the code right (aliases, ownership,
    zero guards) always run.  `tl.grad(f).generated(*args)` is the generated function the
    gradient runs for those arguments.
    With `has_aux=True`, `f` returns a pair `(value, aux)`: the result is
    `(gradient of value, aux)`; `aux` (any numbers, arrays, containers, objects)
    is computed in the same run and receives no derivative.
    `backend="numba"` runs the generated code compiled by Numba's nopython mode (the
    extra `tangentlike[numba]`; compiled on the first call for each argument types,
    cached on disk); where Numba cannot compile it, NumbaCompileError names the line.
    `backend="auto"` uses Numba where it can and Python elsewhere, with a warning.
    See docs/numba.md.
    """
    derivative = getattr(f, DERIVATIVE, None)
    if derivative is not None and derivative[0] in ("grad", "grad of grad") and not has_aux:
        _require_optimized(f, optimize)
        _require_python(f, backend)
        return grad_of_gradient(f, wrt)
    fn = unwrap(f)
    names, single = wrt_names(fn, wrt)
    gradient = Gradient(fn, names, single, check_nans, gradient_only=True,
                        optimize=optimize, has_aux=has_aux, backend=backend)
    if has_aux:
        @functools.wraps(fn)
        def grad_fn(*args, **kwargs):
            (_, aux), grads = gradient.value_and_grad(args, kwargs)
            return grads, aux
    else:
        @functools.wraps(fn)
        def grad_fn(*args, **kwargs):
            return gradient.gradient(args, kwargs)
    grad_fn.__tangentlike_optimize__ = gradient.optimize  # type: ignore[attr-defined]
    grad_fn.generated = _generated(gradient)  # type: ignore[attr-defined]
    return mark(grad_fn, "grad with aux" if has_aux else "grad", fn, names, single)


def _generated(gradient):
    """`derivative.generated(*args)`: the generated function the derivative runs for
    these arguments (made if need be), to inspect (`inspect.getsource`) or to test."""
    def generated(*args, **kwargs):
        return gradient.generated(gradient.arguments(args, kwargs))
    return generated


def _require_optimized(derivative, optimize):
    """Derivatives of derivatives are made with the optimize stage: say so rather than
    ignore an `optimize=False` given for them or for the inner derivative."""
    every = optional_passes(True)
    if optional_passes(optimize) != every or \
            optional_passes(getattr(derivative, "__tangentlike_optimize__", True)) != every:
        raise TangentlikeError(
            "optimize=False applies to first derivatives (grad, value_and_grad, vjp, jvp "
            "of a Python function); a derivative of a derivative is always optimized")


def _require_python(derivative, backend):
    """Derivatives of derivatives run in Python: say so rather than ignore a backend."""
    check_backend(backend)
    if backend != "python":
        raise TangentlikeError(
            f"backend={backend!r} applies to first derivatives (grad, value_and_grad, vjp, "
            f"jvp of a Python function); a derivative of a derivative runs in Python")


def vjp(f: Callable[..., Any], *primals: Any, optimize: Optimize = True, has_aux: bool = False,
        backend: Backend = "python") -> tuple[Any, ...]:
    """`(f(*primals), pullback)`; `pullback(cotangent)` gives one adjoint per primal.

    Primals that are ints, bools, strings or None get `None`.  `optimize=False` turns
    every optional rewrite off (see `grad`).  With `has_aux=True`, `f` returns a pair
    `(out, aux)` and the result is `(out, pullback, aux)`, as in JAX.  `backend` is
    where the generated code runs (see `grad`).

    >>> import tangentlike as tl
    >>> def f(x, y):
    ...     return [x * y, x + y]
    >>> out, pullback = tl.vjp(f, 2.0, 3.0)
    >>> out, pullback([1.0, 0.0])
    ([6.0, 5.0], (3.0, 2.0))
    """
    return vjp_of(unwrap(f), primals, optimize, has_aux, backend)


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
        optimize: Optimize = True, has_aux: bool = False,
        backend: Backend = "python") -> tuple[Any, ...]:
    """`(f(*primals), tangent of the output)` in forward mode: the Jacobian of `f`
    at `primals` applied to `tangents` (one per primal; those of int, bool and str
    primals are ignored).

    >>> import math, tangentlike as tl
    >>> def f(x, y):
    ...     return x * math.sin(y)
    >>> tl.jvp(f, (2.0, 0.0), (1.0, 1.0))
    (0.0, 2.0)

    For `f` a gradient made by `tl.grad`, the tangent of the gradient is a
    Hessian-vector product (forward over reverse).  `optimize=False` turns every
    optional rewrite off (see `grad`).  Called inside a differentiated function, with
    its primals and tangents written as two tuples, it is differentiated too (see
    docs/nesting.md and `higher.pushforward`).  With `has_aux=True`, `f` returns a pair
    `(out, aux)` and the result is `(out, tangent of out, aux)`, as in JAX.  `backend`
    is where the generated code runs (see `grad`).
    """
    derivative = getattr(f, DERIVATIVE, None)
    if derivative is not None and derivative[0] == "grad" and not has_aux:
        _require_optimized(f, optimize)
        _require_python(f, backend)
        return jvp_of_gradient(f, tuple(primals), tuple(tangents))
    return jvp_of(unwrap(f), primals, tangents, optimize, has_aux, backend)


def source(f: Callable[..., Any], mode: Literal["reverse", "forward"] = "reverse",
           wrt: Wrt = 0, args: Sequence[Any] | None = None, optimize: Optimize = True,
           include_callees: bool = False, backend: Backend = "python") -> GeneratedSource:
    """The generated source of `f`'s derivative.

    mode: "reverse" or "forward"; args: example arguments the code is specialized
    for (default: the last call's, else floats); optimize=False shows the code with
    every optional rewrite off (what `grad(f, optimize=False)` runs; so does a
    derivative made with optimize=False); include_callees appends the generated code
    of the user functions it calls (their forward/backward sweeps or tangent functions).
    For `f` a gradient made by `tl.grad(g, wrt)`, the code it runs for `args`
    (`wrt` and `mode` are `f`'s own): for arrays, the gradient only, which for a sum of
    terms elementwise in one array is a forward sweep.  For `f` a gradient of a
    gradient (`tl.grad(tl.grad(g))`), the code reverse mode generated from the inner
    gradient's code (`args` as for calling `f`).  `backend="numba"` gives the code the
    Numba backend compiles, unchanged (and, for the functions it calls, the code
    `include_callees` shows): made without the passes Numba cannot compile
    (`markers.PYTHON_ONLY`).
    """
    check_backend(backend)
    if not isinstance(mode, str):
        raise TangentlikeError(
            f"source(f, mode, ...): mode is 'reverse' or 'forward', not a "
            f"{type(mode).__name__}; pass example arguments as args=(...), e.g. "
            f"tl.source(f, args=(x,))")
    if mode not in ("reverse", "forward"):
        raise TangentlikeError(f"mode={mode!r}: use 'reverse' or 'forward'")
    derivative: Any = getattr(f, DERIVATIVE, None)
    if derivative is not None and derivative[0] == "grad of grad":
        return GeneratedSource(nested_gradient_source(f, args))
    gradient = None
    optimize = passes_for(backend, optional_passes(optimize) & optional_passes(
        getattr(f, "__tangentlike_optimize__", True)))
    if isinstance(f, Differentiable):
        optimize &= f._gradient.optimize
    has_aux = derivative is not None and derivative[0].endswith(" with aux")
    if derivative is not None and derivative[0] == "grad":
        _, fn, names, single = derivative
        gradient = Gradient(fn, names, single, gradient_only=True, optimize=optimize)
    elif has_aux:
        _, fn, names, _ = derivative
    else:
        fn = unwrap(f)
        names, _ = wrt_names(fn, wrt)
        has_aux = isinstance(f, Differentiable) and f._gradient.has_aux
    if args is not None:
        kinds = {k: arg_kind(v) for k, v in bind(fn, args, {}).items()}
    elif isinstance(f, Differentiable) and f.last_kinds is not None:
        kinds = dict(f.last_kinds)
    else:
        kinds = {p: "scalar" for p in signature(fn).parameters}
    forms = gradient.forms(tuple(kinds.values())) if gradient is not None else \
        ["jvp" if mode == "forward" else "joint"]
    from .pipeline import Request, derive      # the transformer, imported when first used
    for form in forms:
        try:
            derivative = derive(Request.of(fn, names, kinds, form, optimize, has_aux))
            break
        except TangentlikeError:
            if form == forms[-1]:
                raise
    parts = [derivative.text] + ([] if not include_callees else
                                 _callees_text(derivative.callees, optimize))
    return GeneratedSource(("\n\n" + "#" * 79 + "\n\n").join(parts))


def _callees_text(callees, optimize):
    """The generated code of each derivative `callees` ask for, and of theirs."""
    from .pipeline import Request, derive
    callees, seen, out = list(callees), set(), []
    while callees:
        callee, callee_wrt, callee_kinds, callee_form = callees.pop(0)
        key = (callee, tuple(callee_wrt), tuple(callee_kinds), callee_form)
        if key in seen:
            continue
        seen.add(key)
        params = list(signature(callee).parameters)
        more = derive(Request.of(callee, callee_wrt, dict(zip(params, callee_kinds)),
                                   callee_form, optimize))
        out.append(more.text)
        callees.extend(more.callees)
    return out


class GeneratedSource(str):
    """Generated code: a plain `str` that Jupyter shows highlighted (with pygments)."""

    def _repr_html_(self) -> str:
        try:
            from pygments import highlight
            from pygments.formatters import HtmlFormatter
            from pygments.lexers import PythonLexer
        except ImportError:
            import html
            return f"<pre>{html.escape(str(self))}</pre>"
        return highlight(str(self), PythonLexer(), HtmlFormatter(noclasses=True))


class Differentiable:
    """What `@differentiate` returns: the function, plus `.grad`, `.value_and_grad`, `.source`.

    Code that tangentlike differentiates may call it: its derivative is taken of the
    function it wraps.  Decorating a method works too (`class C:` `@tl.differentiate`
    `def m(self, x): ...`): then `wrt` counts the parameters after `self`, so the
    default `wrt=0` is `x`, and `C().m.grad(3.0)` (or `C.m.grad(obj, 3.0)`) is the
    gradient with respect to `x`; `self` is never differentiated.  (A method is known
    by the class statement that defines it, through `__set_name__`.)
    """

    def __init__(self, fn: Callable[..., Any], wrt: Wrt = 0, optimize: Optimize = True,
                 has_aux: bool = False, backend: Backend = "python") -> None:
        self.fn = fn
        self.wrt = wrt
        self._options = dict(optimize=optimize, has_aux=has_aux, backend=backend)
        setattr(self, WRAPPED, fn)
        self._gradient = Gradient(fn, *wrt_names(fn, wrt), **self._options)
        functools.update_wrapper(self, fn)

    def __set_name__(self, owner: type, name: str) -> None:
        """Defined in a class body: a method, whose `wrt` counts after `self`."""
        shifted = tuple(w + 1 if isinstance(w, int) else w for w in self.wrt) \
            if isinstance(self.wrt, tuple) else \
            (self.wrt + 1 if isinstance(self.wrt, int) else self.wrt)
        names, single = wrt_names(self.fn, shifted)
        if signature(self.fn).parameters and names and \
                list(signature(self.fn).parameters)[0] in names:
            raise TangentlikeError(f"{self.fn.__qualname__}: wrt names `self`; a method "
                                   f"decorated with tl.differentiate is differentiated "
                                   f"with respect to its other parameters")
        self._gradient = Gradient(self.fn, names, single, **self._options)

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> Differentiable: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None
                ) -> _BoundDifferentiable: ...

    def __get__(self, instance: object, owner: type | None = None
                ) -> Differentiable | _BoundDifferentiable:
        return self if instance is None else _BoundDifferentiable(self, instance)

    @property
    def last_kinds(self) -> dict[str, str] | None:
        kinds = self._gradient.last_kinds
        return None if kinds is None else dict(zip(self._gradient.params, kinds))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def value_and_grad(self, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        """`(self(*args), gradient)` with respect to the decorator's `wrt`."""
        return self._gradient.value_and_grad(args, kwargs)

    def grad(self, *args: Any, **kwargs: Any) -> Any:
        """The gradient with respect to the decorator's `wrt` (with has_aux,
        `(gradient, aux)`)."""
        value, grads = self._gradient.value_and_grad(args, kwargs)
        return (grads, value[1]) if self._gradient.has_aux else grads

    def source(self, mode: Literal["reverse", "forward"] = "reverse") -> GeneratedSource:
        """The generated derivative source (for the argument kinds of the last call)."""
        return source(self, mode=mode, wrt=tuple(self._gradient.wrt))

    def __repr__(self) -> str:
        return f"<tangentlike.differentiate {self.fn.__qualname__}>"


class _BoundDifferentiable:
    """A method decorated with `@differentiate`, read from an instance: calling it,
    `.grad` and `.value_and_grad` pass the instance as `self`.  Like a bound method it
    has `__func__` and `__self__` (generated code calling it differentiates `__func__`)."""

    def __init__(self, differentiable: Differentiable, instance: object) -> None:
        self.__func__, self.__self__ = differentiable.fn, instance
        self._differentiable = differentiable
        setattr(self, WRAPPED, types.MethodType(differentiable.fn, instance))
        functools.update_wrapper(self, differentiable.fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__func__(self.__self__, *args, **kwargs)

    def value_and_grad(self, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        """`(self(*args), gradient)` with respect to the decorator's `wrt` (after `self`)."""
        return self._differentiable.value_and_grad(self.__self__, *args, **kwargs)

    def grad(self, *args: Any, **kwargs: Any) -> Any:
        """The gradient with respect to the decorator's `wrt` (counted after `self`)."""
        return self._differentiable.grad(self.__self__, *args, **kwargs)

    def source(self, mode: Literal["reverse", "forward"] = "reverse") -> GeneratedSource:
        """The generated derivative source (for the argument kinds of the last call)."""
        return self._differentiable.source(mode)

    def __repr__(self) -> str:
        return f"<tangentlike.differentiate bound method {self.__func__.__qualname__} " \
               f"of {self.__self__!r}>"


def register_adjoint(fn: Callable[..., Any], *, broadcasts: bool = False
                     ) -> Callable[[_F], _F]:
    """Decorator: register an adjoint rule (a template) for the callable `fn`.

    The template's parameters are `g` (the adjoint of the result), `ans` (the
    result) and the callee's parameters; it returns one expression per
    differentiable parameter.  It is inlined into generated code.
    `broadcasts=True` declares that `fn` broadcasts its arguments like a NumPy ufunc:
    each adjoint the template returns is then summed back to its argument's shape.

    >>> import math, tangentlike as tl
    >>> @tl.register_adjoint(math.gamma)
    ... def gamma_adjoint(g, ans, x):
    ...     return g * ans * tl.digamma(x)  # doctest: +SKIP
    """
    decorate = registry.adjoint(fn, broadcasts=broadcasts)

    def register(template: _F) -> _F:
        decorate(template)                  # (the registry invalidates cache.CACHE)
        return template
    return register


def register_nondifferentiable(*fns: Callable[..., Any], replace: bool = False) -> None:
    """Declare callables whose results carry no derivative (e.g. `int`, random draws).

    `fns` are the callables.  A callable that has a derivative rule raises RuleError
    unless `replace=True`, which replaces its rule."""
    registry.nondifferentiable(*fns, replace=replace)


def register_tangent(fn: Callable[..., Any]) -> Callable[[_F], _F]:
    """Decorator: register a tangent (forward-mode) rule template for the callable `fn`.

    The template's parameters are `ans` (the result), the callee's parameters and
    `d<param>` for each differentiable one; it returns the tangent of the result.

    >>> import math, tangentlike as tl
    >>> @tl.register_tangent(math.gamma)
    ... def gamma_tangent(ans, x, dx):
    ...     return dx * ans  # doctest: +SKIP
    """
    decorate = registry.tangent(fn)

    def register(template: _F) -> _F:
        decorate(template)                  # (the registry invalidates cache.CACHE)
        return template
    return register


def stop_gradient(x: _T) -> _T:
    """`x` itself, through which no derivative flows (a constant for tangentlike).

    >>> import tangentlike as tl
    >>> def f(x):
    ...     return x * tl.stop_gradient(x)
    >>> tl.grad(f)(3.0)
    3.0
    """
    return x


# what calls of tl.jvp and tl.hvp inside differentiated code become (normalize/lift.py)
jvp.pushforward, hvp.hessian_product = pushforward, hessian_product  # type: ignore[attr-defined]
registry.built_in(lambda: registry.nondifferentiable(
    stop_gradient, grad, value_and_grad, higher_derivative, pushforward, hessian_product))
setattr(grad, MAKES_GRADIENTS, "grad")
setattr(value_and_grad, MAKES_GRADIENTS, "value_and_grad")
setattr(higher_derivative, MAKES_GRADIENTS, "derivative")
setattr(jvp, MAKES_GRADIENTS, "jvp")
setattr(pushforward, MAKES_GRADIENTS, "pushforward")
setattr(hvp, MAKES_GRADIENTS, "hvp")
setattr(hessian_product, MAKES_GRADIENTS, "hessian_product")
for _made_outside, _what in ((vjp, "tl.vjp"),
                             (hessian, "tl.hessian"), (jacobian, "tl.jacobian")):
    setattr(_made_outside, OUTSIDE_ONLY, _what)


@overload
def differentiate(fn: Callable[..., Any], *, wrt: Wrt = 0, optimize: Optimize = True,
                  has_aux: bool = False, backend: Backend = "python") -> Differentiable: ...


@overload
def differentiate(fn: None = None, *, wrt: Wrt = 0, optimize: Optimize = True,
                  has_aux: bool = False, backend: Backend = "python"
                  ) -> Callable[[Callable[..., Any]], Differentiable]: ...


def differentiate(fn: Callable[..., Any] | None = None, *, wrt: Wrt = 0,
                  optimize: Optimize = True, has_aux: bool = False, backend: Backend = "python"
                  ) -> Differentiable | Callable[[Callable[..., Any]], Differentiable]:
    """Decorator: `@differentiate` or `@differentiate(wrt="x")` / `(wrt=(0, "y"))`;
    `@differentiate(optimize=False)` turns every optional rewrite off (see `grad`);
    `@differentiate(has_aux=True)`: the function returns `(value, aux)`, and `.grad`
    gives `(gradient, aux)`, `.value_and_grad` `((value, aux), gradient)`;
    `@differentiate(backend="numba")`: the derivative runs compiled (see `grad`).

    `fn` is the function (given when the decorator is used without parentheses); the
    result calls it unchanged and adds `.grad`, `.value_and_grad` and `.source`.
    `wrt`, `optimize`, `has_aux` and `backend` mean what they mean for `grad`."""
    if fn is None:
        return lambda f: Differentiable(f, wrt, optimize, has_aux, backend)
    return Differentiable(fn, wrt, optimize, has_aux, backend)
