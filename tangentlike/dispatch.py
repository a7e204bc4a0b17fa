"""Dispatch: a call of a derivative -> the generated code for its arguments' kinds.

Receives a user function, `wrt` and the arguments of each call.  Guarantees that
the arguments are bound as Python binds them, that every `wrt` argument is one
tangentlike can differentiate (or a located NonDifferentiableArgumentError), and
that the generated function called is the one for these argument kinds, made by the
pipeline once (loader.load) and refreshed when a rule or a global it reads changed.
Gradients come back with their arguments' types and shapes (results.grad_like).
Below the public API: api.py and higher.py build on `Gradient`, `jvp_of`, `vjp_of`.
"""

import inspect

import numpy

from . import environment
from .backends import check_backend, on_backend, passes_for
from .errors import (HasAuxError, NonDifferentiableArgumentError, SourceUnavailableError,
                     TangentlikeError)
from .forensics import backward_frame, explain_backward_failure, note_original_line, require_scalar
from .loader import load, load_cached, signature
from .markers import WRAPPED, optional_passes
from .rules import registry
from .results import eager_together, grad_like
from .runtime import arg_kind
from .trees import (ARRAY_KINDS, array_kind, field_names, holds_only_numbers, is_pytree,
                    value_and_aux)

DERIVATIVE = "__tangentlike_derivative__"       # what a derivative made here is of


def wrt_names(fn, wrt):
    """`wrt` (int, str or tuple of them) as parameter names, and whether it was a tuple."""
    params = [p for p in signature(fn).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    names = [p.name for p in params]
    single = not isinstance(wrt, (tuple, list))
    out = []
    for w in ([wrt] if single else wrt):
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise TangentlikeError(
                f"wrt must be a parameter position (int), a name (str) or a tuple of them; "
                f"got {w!r}")
        if isinstance(w, int):
            if not -len(names) <= w < len(names):
                raise TangentlikeError(
                    f"wrt={w} is out of range: {fn.__name__} has {len(names)} parameter(s) "
                    f"({', '.join(names)})")
            out.append(names[w])
        elif w not in names:
            raise TangentlikeError(
                f"wrt={w!r}: {fn.__name__} has no parameter {w!r} (it has {', '.join(names)})")
        else:
            out.append(w)
    return tuple(out), single


def bind(fn, args, kwargs):
    bound = signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


# Values that hold no other value (the common arguments, answered at once).
_ATOMS = frozenset({float, int, bool, complex, str, type(None), numpy.float64, numpy.ndarray})


def special_tuple(value):
    """A tuple subclass other than a NamedTuple in `value`, or None: its gradient would
    be read through its attributes, which are constants to tangentlike (never a silent
    zero).  NamedTuples and dataclasses are pytrees (trees.py)."""
    if value.__class__ in _ATOMS or holds_only_numbers(value):
        return None
    if isinstance(value, tuple) and type(value) is not tuple and not is_pytree(value):
        return value
    return next((s for s in map(special_tuple, _parts(value)) if s is not None), None)


def _parts(value):
    """The values a pytree, dict, list or tuple holds (nothing for anything else)."""
    if is_pytree(value):
        return [getattr(value, f) for f in field_names(value)]
    return value.values() if isinstance(value, dict) else \
        value if isinstance(value, (list, tuple)) else ()


def integral_array(value):
    """An array (NumPy's or any with a dtype and a shape: Dask, CuPy) or NumPy scalar of
    integers or booleans in `value`, or None: an adjoint made like it would hold integers,
    so a gradient would be rounded (never a silent wrong value: its argument is refused)."""
    if value.__class__ in _ATOMS:
        return None if value.__class__ is not numpy.ndarray or value.dtype.kind not in "biu" \
            else value
    if holds_only_numbers(value):
        return None
    dtype = getattr(value, "dtype", None)
    if dtype is not None and hasattr(value, "shape"):
        return value if getattr(dtype, "kind", "") in "biu" else None
    return next((a for a in map(integral_array, _parts(value)) if a is not None), None)


def check_differentiable(fn, arguments, names):
    for name_ in names:
        value = arguments[name_]
        if isinstance(value, (bool, int, str)) or value is None:
            kind = type(value).__name__
            hint = f" (pass {float(value)!r} to differentiate with respect to it)" \
                if isinstance(value, int) and not isinstance(value, bool) else ""
            raise NonDifferentiableArgumentError(
                f"cannot differentiate {fn.__name__} with respect to {name_!r}: it is "
                f"{value!r}, a {kind}; integer, bool and str arguments are "
                f"non-differentiable{hint}")
        special = special_tuple(value)
        if special is not None:
            raise NonDifferentiableArgumentError(
                f"cannot differentiate {fn.__name__} with respect to {name_!r}: it holds a "
                f"{type(special).__name__} (a tuple subclass that is not a NamedTuple), "
                f"whose attributes tangentlike reads as constants; pass a plain tuple "
                f"(`tuple({name_})`) or a NamedTuple")
        integral = integral_array(value)
        if integral is not None:
            raise NonDifferentiableArgumentError(
                f"cannot differentiate {fn.__name__} with respect to {name_!r}: it "
                f"{'is' if integral is value else 'holds'} an array of {integral.dtype} "
                f"values; derivatives are taken with respect to floating-point or complex "
                f"arrays (pass `{name_}.astype(float)` to differentiate with respect to it)")
        kind = arg_kind(value)
        if (kind == "other" or kind.startswith("object:")) \
                and not isinstance(value, (list, tuple, dict, float, complex)):
            raise NonDifferentiableArgumentError(
                f"cannot differentiate {fn.__name__} with respect to {name_!r}: it is a "
                f"{type(value).__name__} object; tangentlike differentiates with respect to "
                f"numbers, arrays, NamedTuples, dataclasses and lists, tuples or dicts of "
                f"them. Pass the object's parameters as arguments instead, or make its "
                f"class a dataclass (attributes of other objects are read as constants)")


def unwrap(f):
    """The plain Python function behind `f`, or a TangentlikeError saying why there is none."""
    wrapped = getattr(f, WRAPPED, None)
    if inspect.isfunction(wrapped):                # (a method read from an instance: no)
        return wrapped
    if getattr(f, DERIVATIVE, False):
        raise TangentlikeError(
            f"{getattr(f, '__name__', f)!r} is a derivative made by tangentlike; only the "
            f"gradient of a tl.grad function can be taken again (for higher orders of a "
            f"scalar function use tl.derivative(f, order=n), for Hessians tl.hessian)")
    if not inspect.isfunction(f):
        kind = type(f).__name__
        raise SourceUnavailableError(
            f"{f!r} is not a Python function (it is a {kind}); tangentlike differentiates "
            f"functions defined with `def` (for a bound method or functools.partial, "
            f"write a small def that calls it)")
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
           for p in signature(f).parameters.values()):
        from .check import check
        from .parse import parse_function
        check(parse_function(f))          # raises the located error about *args/**kwargs
    return f


def mark(derivative, kind, fn, names, single):
    """Tag a derivative tangentlike returns with what it is the derivative of, so code
    that calls it can itself be differentiated (through Hessian-vector products)."""
    setattr(derivative, DERIVATIVE, (kind, fn, names, single))
    return derivative


# What `type_key` gives for values whose type alone decides their kind (a NumPy
# array's rank and dtype decide its kind: `type_key` gives that kind for it).
KIND_BY_TYPE = {float, int, *ARRAY_KINDS}


def type_key(args):
    """The types of `args`, a NumPy array's kind in the place of its type: a memo key
    for the kinds, where every part is in KIND_BY_TYPE."""
    return tuple([a.__class__ if a.__class__ is not numpy.ndarray else array_kind(a)
                  for a in args])
AUX_SEED = (1.0, 0.0)       # the seed of a has_aux function's (value, aux): value only


class Gradient:
    """Calls the generated adjoint of `fn`, specialized on argument kinds.

    The fast path (positional arguments only) costs a tuple of kinds and a dict
    lookup; anything else goes through `inspect.Signature.bind` first.  With
    optimize=False the code is generated with every optional rewrite off.
    """

    def __init__(self, fn, wrt, single, check_nans=False, gradient_only=False,
                 optimize=True, has_aux=False, backend="python"):
        self.fn, self.wrt, self.single = fn, wrt, single
        self.backend = check_backend(backend)   # where the generated code runs
        self.check_nans = check_nans
        self.has_aux = has_aux      # fn returns (value, aux): the value is differentiated
        self.optimize = passes_for(backend, optional_passes(optimize))  # the optional passes
        self.form = "joint-checked" if check_nans else "joint"
        self.gradient_only = gradient_only and not check_nans and not has_aux \
            and bool(self.optimize)
        self.signature = signature(fn)
        self.params = list(self.signature.parameters)
        self.positions = [self.params.index(w) for w in wrt]
        self.specialized = {}       # kinds -> generated function
        self.by_type = {}           # argument types (when they decide the kinds) -> same
        self.gradient_by_type = {}   # the same and whether it returns the value, for `gradient`
        self.last_kinds = None
        self.version = registry.version()   # of the rules the entries above were made with
        self.reach = environment.Reach(())   # ... and the callables and globals it reads

    def arguments(self, args, kwargs):
        if kwargs or len(args) != len(self.params):
            bound = self.signature.bind(*args, **kwargs)
            bound.apply_defaults()
            args = tuple(bound.arguments.values())
        return args

    def current(self):
        """Forget what was generated before a rule was registered or replaced, or before
        a callable or module the function reads was rebound."""
        if self.version != registry.version() or self.reach.changed():
            self.version = registry.version()
            self.reach = environment.Reach(())
            self.specialized.clear()
            self.by_type.clear()
            self.gradient_by_type.clear()

    def generated(self, args):
        self.current()
        types = type_key(args)                  # floats and arrays: kinds by type
        known = self.by_type.get(types)
        if known is not None:
            self.refuse_integral_arrays(args)
            compiled, self.last_kinds = known
            self.reach.refresh()                 # globals are read live
            return compiled
        kinds = tuple(map(arg_kind, args))
        compiled = self.generated_for(kinds, args)
        self.reach.refresh()
        if KIND_BY_TYPE.issuperset(types):
            self.by_type[types] = (compiled, kinds)
            if len(args) == len(self.params) and not self.has_aux:
                paired = not compiled.__name__.startswith("grad_")    # (value, gradients)
                self.gradient_by_type[types] = (compiled, kinds, paired)
        return compiled

    def generated_for(self, kinds, args):
        for k in self.positions:                  # (every call: kinds do not decide it)
            check_differentiable(self.fn, {self.params[k]: args[k]}, [self.params[k]])
        compiled = self.specialized.get(kinds)
        if compiled is None:
            compiled = self.cached(kinds) or self.made(kinds)
            self.specialized[kinds] = compiled
            self.reach = environment.Reach([c.__globals__ for c in self.specialized.values()])
        self.last_kinds = kinds
        return on_backend(compiled, self.backend, self.fn)

    def refuse_integral_arrays(self, args):
        """check_differentiable's verdict on a NumPy array `wrt` argument of integers or
        booleans, for the memos keyed by the arguments' types (`by_type`): one type,
        numpy.ndarray, covers every dtype, so the dtype is looked at on every call."""
        for k in self.positions:
            value = args[k]
            if value.__class__ is numpy.ndarray and value.dtype.kind in "biu":
                check_differentiable(self.fn, {self.params[k]: value}, [self.params[k]])

    def cached(self, kinds):
        """The generated function for `kinds` that memory or the disk cache's index holds
        (trying the forms `forms` may choose, best first), or None: found without
        reading the function's source (loader.load_cached)."""
        found = load_cached(self.fn, self.wrt, dict(zip(self.params, kinds)),
                            self.possible_forms(kinds), self.optimize, self.has_aux)
        return found[0] if found is not None else None

    def made(self, kinds):
        """The generated function for `kinds`, in the best form that can be made."""
        forms = self.forms(kinds)
        for form in forms:
            try:
                return load(self.fn, self.wrt, dict(zip(self.params, kinds)), form,
                            self.optimize, self.has_aux)[0]
            except TangentlikeError:
                if form == forms[-1]:
                    raise

    def forms(self, kinds):
        """The forms of generated code to try for arguments of `kinds`, best first.

        Only the gradient wanted, of array code: a function that need not compute the
        value where nothing else needs it ("grad"; scalar code shares value_and_grad's),
        or, for a sum of terms elementwise in the one array `wrt`, one forward sweep
        ("grad-elementwise", falling back to "grad" where forward mode cannot go).
        With optimize=False, value_and_grad's form only."""
        possible = self.possible_forms(kinds)
        if possible[0] == "grad-elementwise" and not self._sums_elementwise(kinds):
            return possible[1:]
        return possible

    def possible_forms(self, kinds):
        """`forms` before it asks whether the function sums elementwise terms (which
        reads its source): the forms a cached derivative of `kinds` may have."""
        if not (self.gradient_only and not ARRAY_KINDS.isdisjoint(kinds)):
            return [self.form]
        return ["grad-elementwise", "grad"] if "elementwise-sweep" in self.optimize \
            else ["grad"]

    def _sums_elementwise(self, kinds):
        """True when the gradient is one forward sweep: one array `wrt` that the function
        is a sum of elementwise terms in (see `elementwise`)."""
        if len(self.positions) != 1 or kinds[self.positions[0]] not in ARRAY_KINDS:
            return False
        from .elementwise import sums_elementwise
        from .parse import parse_function
        return sums_elementwise(parse_function(self.fn, shared=True), self.wrt[0])

    def gradient(self, args, kwargs):
        """The gradient alone (`tl.grad`).  For arguments whose types have been seen, this
        skips what `value_and_grad` looks up again on every call (a few microseconds)."""
        known = None if kwargs else self.gradient_by_type.get(type_key(args))
        if known is None or self.version != registry.VERSION[0] or self.reach.changed():
            return self.value_and_grad(args, kwargs)[1]      # (which calls `current`)
        self.refuse_integral_arrays(args)
        compiled, self.last_kinds, paired = known
        self.reach.refresh()
        try:
            grads = compiled(*args)
        except Exception as exc:
            self.explain(exc, None)
            raise
        if paired:
            value, grads = grads
            if value.__class__ is not float:
                require_scalar(self.fn, value)
        return self.like_arguments(grads, args)

    def like_arguments(self, grads, args):
        """The gradients the generated code returned (one, or a tuple) in the types and
        shapes of their arguments: one, or a tuple where `wrt` was one."""
        positions = self.positions
        if len(positions) == 1:
            result = grad_like(grads, args[positions[0]])
            return result if self.single else (result,)
        grads = eager_together(grads, [args[k] for k in positions])
        return tuple([grad_like(g, args[k]) for g, k in zip(grads, positions)])

    def explain(self, exc, seed):
        """Add to `exc`, raised in generated code, what the user needs to read it."""
        frame = backward_frame(exc) if seed is None else None
        if frame is not None:
            explain_backward_failure(self.fn, frame)
        note_original_line(exc)

    def value_and_grad(self, args, kwargs, seed=None):
        """`(value, gradients)`; with has_aux, `((value, aux), gradients)`, the
        backward sweep seeded with `(1.0, 0.0)`: the value's adjoint is 1, the aux part
        (which normalize/aux.py makes non-differentiable) gets none."""
        args = self.arguments(args, kwargs)
        compiled = self.generated(args)
        try:
            if compiled.__name__.startswith("grad_"):   # the gradient only (value=None)
                value, grads = None, compiled(*args)
            elif seed is None and self.has_aux:
                value, grads = compiled(*args, AUX_SEED)
            else:
                value, grads = compiled(*args) if seed is None else compiled(*args, seed)
        except HasAuxError as exc:
            raise located_aux_error(self.fn, exc) from None
        except Exception as exc:
            self.explain(exc, seed)
            raise
        if seed is None and self.has_aux:
            if value[0].__class__ is not float:
                require_scalar(self.fn, value[0])
        elif seed is None and value.__class__ is not float and not \
                compiled.__name__.startswith("grad_"):   # (made only for a number)
            require_scalar(self.fn, value)
        return value, self.like_arguments(grads, args)


def vjp_of(fn, primals, optimize=True, has_aux=False, backend="python"):
    """`(fn(*primals), pullback)` for a plain Python function (api.vjp's work); with
    has_aux, fn returns `(out, aux)` and the result is `(out, pullback, aux)`."""
    out = fn(*primals)
    if has_aux:
        out, aux = _value_and_aux(fn, out)
    params = list(signature(fn).parameters)
    positions = [k for k, v in enumerate(primals)
                 if not isinstance(v, (bool, int, str)) and v is not None]
    gradient = Gradient(fn, tuple(params[k] for k in positions), False, optimize=optimize,
                        has_aux=has_aux, backend=backend) if positions else None

    def pullback(cotangent):
        check_cotangent(out, cotangent)
        adjoints = [None] * len(primals)
        if gradient is not None:
            seed = (cotangent, 0.0) if has_aux else cotangent   # (the aux gets none)
            _, grads = gradient.value_and_grad(primals, {}, seed=seed)
            for k, g in zip(positions, grads):
                adjoints[k] = g
        return tuple(adjoints)
    return (out, pullback, aux) if has_aux else (out, pullback)


def _value_and_aux(fn, result):
    """The pair `(value, aux)` a has_aux function returned, or a located HasAuxError."""
    try:
        return value_and_aux(result)
    except HasAuxError as exc:
        raise located_aux_error(fn, exc) from None


def located_aux_error(fn, exc):
    """The HasAuxError `exc` (raised where a has_aux function's result is not a pair)
    with the function's file, line and name, and the fix."""
    code = fn.__code__
    return HasAuxError(f"{code.co_filename}:{code.co_firstlineno}: {fn.__name__}: {exc}; "
                       f"return `value, aux` or leave has_aux out")


def jvp_of(fn, primals, tangents, optimize=True, has_aux=False, backend="python"):
    """`(fn(*primals), tangent of the output)` in forward mode, for a plain Python
    function (api.jvp's work); with has_aux, fn returns `(out, aux)` and the result is
    `(out, tangent of out, aux)`."""
    primals, tangents = tuple(primals), tuple(tangents)
    check_backend(backend)
    if len(primals) != len(tangents):
        raise TangentlikeError(f"jvp needs one tangent per primal: got {len(primals)} "
                               f"primals and {len(tangents)} tangents")
    params = list(signature(fn).parameters)
    if len(primals) > len(params):
        raise TangentlikeError(f"{fn.__name__} takes {len(params)} arguments, "
                               f"got {len(primals)} primals")
    positions = [k for k, v in enumerate(primals)
                 if not isinstance(v, (bool, int, str)) and v is not None]
    wrt = tuple(params[k] for k in positions)
    for name_, value in zip(params, primals):    # (objects pass: their attributes are
        if special_tuple(value) is not None:      # constants; a NamedTuple's are fields)
            check_differentiable(fn, {name_: value}, [name_])
    rest = list(signature(fn).parameters.values())[len(primals):]
    missing = [p.name for p in rest if p.default is p.empty]
    if missing:
        raise TangentlikeError(f"jvp needs a primal for every parameter without a default: "
                               f"none was given for {', '.join(missing)}")
    arguments = primals + tuple(p.default for p in rest)     # jvp_f takes every parameter
    kinds = {p: arg_kind(v) for p, v in zip(params, arguments)}
    optimize = passes_for(backend, optional_passes(optimize))
    compiled = on_backend(load(fn, wrt, kinds, "jvp", optimize, has_aux)[0], backend, fn)
    tangents = [shaped_like(tangents[k], primals[k]) for k in positions]
    try:
        out, tangent = compiled(*arguments, *tangents)
    except HasAuxError as exc:
        raise located_aux_error(fn, exc) from None
    except Exception as exc:
        note_original_line(exc)
        raise
    if has_aux:       # the tangent of the output in the output's type (results.grad_like)
        return out[0], grad_like(tangent[0], out[0]), out[1]
    return out, grad_like(tangent, out)


def shaped_like(tangent, primal):
    """A tangent given as a number (or broadcastable array) for an array primal,
    spread to the primal's shape: generated code assumes an array's tangent has it."""
    if tangent.__class__ is primal.__class__ is numpy.ndarray and tangent.shape == primal.shape:
        return tangent
    shape = getattr(primal, "shape", None)
    if shape is not None and getattr(tangent, "shape", None) != shape:
        return primal * 0 + tangent
    return tangent


def check_cotangent(out, cotangent, where="the cotangent"):
    """The cotangent must have the structure and shape of the output."""
    if isinstance(out, (list, tuple)):
        if not isinstance(cotangent, (list, tuple)) or len(cotangent) != len(out):
            raise TangentlikeError(
                f"{where} must match the function's output: a {type(out).__name__} of "
                f"{len(out)} item(s), got {cotangent!r}")
        for k, (o, c) in enumerate(zip(out, cotangent)):
            check_cotangent(o, c, f"{where}[{k}]")
    elif isinstance(out, dict):
        if not isinstance(cotangent, dict) or set(cotangent) != set(out):
            raise TangentlikeError(f"{where} must be a dict with keys {sorted(out)}")
    elif getattr(out, "shape", None) is not None and getattr(out, "shape", ()) != ():
        if getattr(cotangent, "shape", None) != out.shape:
            raise TangentlikeError(
                f"{where} must have the output's shape {out.shape}, "
                f"got {getattr(cotangent, 'shape', type(cotangent).__name__)}")
