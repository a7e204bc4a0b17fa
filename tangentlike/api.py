"""The public API: `differentiate`, `grad`, `value_and_grad`, `vjp`, `source`.

Receives user functions and their arguments.  Drives the pipeline
parse -> check -> normalize -> reverse -> optimize -> emit -> compile+cache,
specialized on the kinds of the arguments (Python scalar / array / other) and
memoized in memory and on disk, so a second call with the same kinds does not
transform again.
"""

import functools
import inspect
import pathlib

import gast

from . import __version__, cache
from .check import check
from .emit import emit
from .errors import (NonDifferentiableArgumentError, NonScalarOutputError, TangentlikeError)
from .inline import ModuleNames
from .naming import Namer, names_in
from .nodes import stored_names
from .normalize import normalize
from .optimize import optimize_backward
from .parse import parse_function
from .reverse import ReverseTransformer
from .rules import all_rules
from .runtime import grad_like

_memo = {}                    # (function, wrt, kinds) -> generated function
_stats = {"transforms": 0}    # how often the pipeline actually ran (tests read it)


# -- arguments and wrt -----------------------------------------------------------------


def arg_kind(value):
    """'scalar', 'array', 'scalars' (list/tuple of numbers) or 'other': the specialization key."""
    if value.__class__ is float:
        return "scalar"
    if isinstance(value, bool):
        return "other"
    if isinstance(value, (int, float)):
        return "scalar"
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return "array"
    if isinstance(value, (list, tuple)) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return "scalars"
    return "other"


def _signature(fn):
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        raise TangentlikeError(f"{fn!r} is not a function tangentlike can differentiate") from None


def wrt_names(fn, wrt):
    """`wrt` (int, str or tuple of them) as parameter names, and whether it was a tuple."""
    params = [p for p in _signature(fn).parameters.values()
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


def _bind(fn, args, kwargs):
    bound = _signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


def _check_differentiable(fn, arguments, names):
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


# -- the pipeline -----------------------------------------------------------------------


def _rules_fingerprint():
    return tuple(sorted(f"{r.name}:{len(r.adjoints)}:{r.nondifferentiable}"
                        for r in all_rules()))


@functools.lru_cache(maxsize=1)
def _code_fingerprint():
    """A hash of tangentlike's own source, so a changed transformer never reuses old code."""
    package = pathlib.Path(__file__).parent
    return cache.make_key(*(p.read_text(encoding="utf-8") for p in sorted(package.rglob("*.py"))))


def generate_source(fn, wrt, kinds, optimize=True):
    """(module source text, generated function name) of the adjoint of `fn`."""
    parsed = parse_function(fn)
    check(parsed)
    taken = names_in(parsed.node) | set(parsed.namespace)
    namer = Namer(taken)
    normalized = normalize(parsed, namer)
    local_names = {a.id for a in normalized.args.args} | stored_names(normalized.body)
    modules = ModuleNames(parsed.namespace, local_names)
    name_ = namer.fresh(f"value_and_grad_{parsed.node.name}")
    transformer = ReverseTransformer(parsed, normalized, wrt, kinds, namer, modules)
    generated = transformer.transform(name_)
    if optimize:
        _optimize(generated, transformer)
    filename, line, _, _ = parsed.location(parsed.node)
    spec = ", ".join(f"{k}: {_KIND_WORDS[v]}" for k, v in kinds.items())
    doc = (f"Reverse-mode derivative of {parsed.node.name} ({filename}:{line}) with respect "
           f"to {', '.join(wrt)}.\n\nGenerated by tangentlike {__version__} for {spec}.")
    return emit(generated, modules.imports, doc), name_


_KIND_WORDS = {"scalar": "Python number", "array": "array", "scalars": "list of numbers",
               "other": "other value"}


def _optimize(generated, transformer):
    body = generated.body
    marker = next(k for k, s in enumerate(body) if _is_backward_marker(s))
    ret = body[-1]
    backward = body[marker + 1:-1]
    live_out = {x.id for x in gast.walk(ret) if isinstance(x, gast.Name)}
    removable = set(names_in(gast.Module(body=backward, type_ignores=[]))) - set(transformer.params)
    removable -= set(transformer.locals)
    backward = optimize_backward(backward, live_out, removable)
    generated.body = body[:marker + 1] + backward + [ret]


def _is_backward_marker(stmt):
    from .nodes import is_comment
    return is_comment(stmt) and stmt.value.value.endswith("backward sweep")


def _compiled(fn, wrt, kinds):
    key = (fn, wrt, tuple(sorted(kinds.items())))
    hit = _memo.get(key)
    if hit is not None:
        return hit
    parsed_source = inspect.getsource(fn) if _has_source(fn) else None
    disk_key = cache.make_key("reverse", __version__, getattr(fn, "__module__", ""),
                              fn.__qualname__, parsed_source or "", wrt, key[2],
                              _rules_fingerprint(), _code_fingerprint())
    text = cache.read_entry(disk_key)
    if text is None:
        source, name_ = _transform(fn, wrt, kinds)
        path = cache.write_entry(disk_key, source)
        text = source
    else:
        name_ = _generated_name(text)
        path = cache.entry_path(disk_key)
    namespace = parse_namespace(fn)
    compiled = cache.load_function(path, text, name_, namespace)
    _memo[key] = compiled
    return compiled


def _transform(fn, wrt, kinds):
    _stats["transforms"] += 1
    try:
        return generate_source(fn, wrt, kinds)
    except TangentlikeError:
        raise
    except RecursionError:
        raise TangentlikeError(f"{fn.__name__} is too deeply nested to differentiate") from None


def _has_source(fn):
    try:
        inspect.getsourcefile(fn)
        return True
    except TypeError:
        return False


def _generated_name(text):
    for line in text.splitlines():
        if line.startswith("def "):
            return line[4:line.index("(")]
    raise TangentlikeError("corrupt cache entry")


def parse_namespace(fn):
    from .parse import function_namespace
    return function_namespace(inspect.unwrap(fn))


# -- public functions --------------------------------------------------------------------


def _unwrap(f):
    return f.fn if isinstance(f, Differentiable) else f


class _Gradient:
    """Calls the generated adjoint of `fn`, specialized on argument kinds.

    The fast path (positional arguments only) costs a tuple of kinds and a dict
    lookup; anything else goes through `inspect.Signature.bind` first.
    """

    def __init__(self, fn, wrt, single):
        self.fn, self.wrt, self.single = fn, wrt, single
        self.signature = _signature(fn)
        self.params = list(self.signature.parameters)
        self.positions = [self.params.index(w) for w in wrt]
        self.specialized = {}       # kinds -> generated function
        self.last_kinds = None

    def arguments(self, args, kwargs):
        if kwargs or len(args) != len(self.params):
            bound = self.signature.bind(*args, **kwargs)
            bound.apply_defaults()
            args = tuple(bound.arguments.values())
        return args

    def generated(self, args):
        kinds = tuple(map(arg_kind, args))
        compiled = self.specialized.get(kinds)
        if compiled is None:
            for k in self.positions:
                _check_differentiable(self.fn, {self.params[k]: args[k]}, [self.params[k]])
            compiled = _compiled(self.fn, self.wrt, dict(zip(self.params, kinds)))
            self.specialized[kinds] = compiled
        self.last_kinds = kinds
        return compiled

    def value_and_grad(self, args, kwargs, seed=None):
        args = self.arguments(args, kwargs)
        compiled = self.generated(args)
        try:
            value, grads = compiled(*args) if seed is None else compiled(*args, seed)
        except Exception:
            if seed is None:
                _require_scalar(self.fn, self.fn(*args))
            raise
        if seed is None and value.__class__ is not float:
            _require_scalar(self.fn, value)
        positions = self.positions
        if len(positions) == 1:
            result = grad_like(grads, args[positions[0]])
            return value, result if self.single else (result,)
        return value, tuple([grad_like(g, args[k]) for g, k in zip(grads, positions)])


def _require_scalar(fn, value):
    if isinstance(value, (int, float, complex)) and not isinstance(value, bool):
        return
    if getattr(value, "shape", None) == () or getattr(value, "size", None) == 1:
        return
    shape = getattr(value, "shape", None)
    what = f"an array of shape {shape}" if shape is not None else f"a {type(value).__name__}"
    raise NonScalarOutputError(
        f"grad requires {fn.__name__} to return a scalar, but it returned {what}. "
        f"For non-scalar outputs use tl.vjp(f, *args) (a vector-Jacobian product) "
        f"or tl.jacobian.")


def value_and_grad(f, wrt=0):
    """A function returning `(f(*args), gradient of f with respect to wrt)`.

    >>> import math, tangentlike as tl
    >>> def f(x):
    ...     return x * math.sin(x)
    >>> tl.value_and_grad(f)(0.0)
    (0.0, 0.0)
    """
    fn = _unwrap(f)
    gradient = _Gradient(fn, *wrt_names(fn, wrt))

    @functools.wraps(fn)
    def value_and_grad_fn(*args, **kwargs):
        return gradient.value_and_grad(args, kwargs)
    return value_and_grad_fn


def grad(f, wrt=0):
    """A function returning the gradient of scalar-valued `f` with respect to `wrt`.

    `wrt` is a parameter position, a parameter name, or a tuple of them (then
    the gradient is a tuple in the same order).  Each gradient has the type
    and shape of its argument.

    >>> import math, tangentlike as tl
    >>> def f(a, b):
    ...     return a * math.log(b)
    >>> tl.grad(f, wrt=(0, "b"))(2.0, 1.0)
    (0.0, 2.0)
    """
    fn = _unwrap(f)
    gradient = _Gradient(fn, *wrt_names(fn, wrt))

    @functools.wraps(fn)
    def grad_fn(*args, **kwargs):
        return gradient.value_and_grad(args, kwargs)[1]
    return grad_fn


def vjp(f, *primals):
    """`(f(*primals), pullback)`; `pullback(cotangent)` gives one adjoint per primal.

    Primals that are ints, bools, strings or None get `None`.

    >>> import tangentlike as tl
    >>> def f(x, y):
    ...     return [x * y, x + y]
    >>> out, pullback = tl.vjp(f, 2.0, 3.0)
    >>> out, pullback([1.0, 0.0])
    ([6.0, 5.0], (3.0, 2.0))
    """
    fn = _unwrap(f)
    out = fn(*primals)
    params = list(_signature(fn).parameters)
    positions = [k for k, v in enumerate(primals)
                 if not isinstance(v, (bool, int, str)) and v is not None]
    gradient = _Gradient(fn, tuple(params[k] for k in positions), False) if positions else None

    def pullback(cotangent):
        adjoints = [None] * len(primals)
        if gradient is not None:
            _, grads = gradient.value_and_grad(primals, {}, seed=cotangent)
            for k, g in zip(positions, grads):
                adjoints[k] = g
        return tuple(adjoints)
    return out, pullback


def source(f, mode="reverse", wrt=0, args=None):
    """The generated source of `f`'s derivative (specialized for `args` if given)."""
    if mode != "reverse":
        raise TangentlikeError(f"mode={mode!r}: only 'reverse' is available in this version")
    fn = _unwrap(f)
    names, _ = wrt_names(fn, wrt)
    if args is not None:
        kinds = {k: arg_kind(v) for k, v in _bind(fn, args, {}).items()}
    elif isinstance(f, Differentiable) and f.last_kinds is not None:
        kinds = dict(f.last_kinds)
    else:
        kinds = {p: "scalar" for p in _signature(fn).parameters}
    return generate_source(fn, names, kinds)[0]


class Differentiable:
    """What `@differentiate` returns: the function, plus `.grad`, `.value_and_grad`, `.source`."""

    def __init__(self, fn, wrt=0):
        self.fn = fn
        self.wrt = wrt
        self._gradient = _Gradient(fn, *wrt_names(fn, wrt))
        functools.update_wrapper(self, fn)

    @property
    def last_kinds(self):
        kinds = self._gradient.last_kinds
        return None if kinds is None else dict(zip(self._gradient.params, kinds))

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def value_and_grad(self, *args, **kwargs):
        """`(self(*args), gradient)` with respect to the decorator's `wrt`."""
        return self._gradient.value_and_grad(args, kwargs)

    def grad(self, *args, **kwargs):
        """The gradient with respect to the decorator's `wrt`."""
        return self._gradient.value_and_grad(args, kwargs)[1]

    def source(self, mode="reverse"):
        """The generated derivative source (for the argument kinds of the last call)."""
        return source(self, mode=mode, wrt=self.wrt)

    def __repr__(self):
        return f"<tangentlike.differentiate {self.fn.__qualname__}>"


def differentiate(fn=None, *, wrt=0):
    """Decorator: `@differentiate` or `@differentiate(wrt="x")` / `(wrt=(0, "y"))`."""
    if fn is None:
        return lambda f: Differentiable(f, wrt)
    return Differentiable(fn, wrt)
