"""Reference gradients for the tests: central finite differences and autograd.

Neither oracle uses tangentlike.  Both take `(f, args, wrt)` with the API's `wrt`
convention (an int position, a str parameter name, or a tuple of them; None means
the first argument) and return a gradient shaped like the selected arguments:
a Python float for a float, an ndarray of the same shape for an array, a list /
tuple / dict of gradients for a list / tuple / dict, and a tuple of those when
`wrt` is a tuple.

`autograd_grad` re-executes the function's source in a namespace where `numpy`
is `autograd.numpy`, `math` is a shim over `autograd.numpy`, `float` is the
identity and `a // b` is `autograd.numpy.floor_divide(a, b)`, so plain NumPy and
`math` code can be traced.  When autograd still cannot run a function it returns
None and `autograd_failure(f)` says why.
"""

import ast
import copy
import inspect
import math
import numbers
import textwrap
import types
import warnings

import autograd
import autograd.numpy as anp
import autograd.scipy.special as asp
import numpy

__all__ = ["resolve_wrt", "central_difference", "autograd_grad", "autograd_failure",
           "assert_grad_close"]


# --------------------------------------------------------------------------- wrt

def resolve_wrt(f, wrt, nargs=None):
    """(positions, as_tuple): the argument positions `wrt` selects, in order."""
    as_tuple = isinstance(wrt, tuple)
    items = wrt if as_tuple else (0 if wrt is None else wrt,)
    names = list(inspect.signature(f).parameters)
    positions = []
    for item in items:
        if isinstance(item, str):
            if item not in names:
                raise ValueError(f"{f.__name__} has no parameter {item!r}")
            position = names.index(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            position = item
        else:
            raise TypeError(f"wrt items are ints or strs, got {item!r}")
        if nargs is not None and not 0 <= position < nargs:
            raise ValueError(f"wrt {item!r} is not among the {nargs} arguments given")
        positions.append(position)
    return tuple(positions), as_tuple


def _is_float(x):
    return isinstance(x, (float, numpy.floating))


def _check_differentiable(x, where):
    """Raise TypeError unless `x` is a float, a float array or a container of those."""
    if _is_float(x):
        return
    if isinstance(x, numpy.ndarray):
        if x.dtype.kind != "f":
            raise TypeError(f"{where} is an array of dtype {x.dtype}: not differentiable")
        return
    if isinstance(x, (list, tuple)):
        for i, item in enumerate(x):
            _check_differentiable(item, f"{where}[{i}]")
        return
    if isinstance(x, dict):
        for key, item in x.items():
            _check_differentiable(item, f"{where}[{key!r}]")
        return
    raise TypeError(f"{where} is of type {type(x).__name__}: not differentiable")


# ------------------------------------------------------------ structure helpers

def _leaves(x):
    """The float and ndarray leaves of `x`, depth first."""
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _leaves(item)]
    if isinstance(x, dict):
        return [leaf for item in x.values() for leaf in _leaves(item)]
    return [x]


def _rebuild(template, leaves):
    """`template`'s structure with its leaves taken in order from iterator `leaves`."""
    if isinstance(template, list):
        return [_rebuild(item, leaves) for item in template]
    if isinstance(template, tuple):
        return tuple(_rebuild(item, leaves) for item in template)
    if isinstance(template, dict):
        return {key: _rebuild(item, leaves) for key, item in template.items()}
    return next(leaves)


def _as_convention(grad_leaf, primal_leaf):
    """A gradient leaf in the API's type convention for `primal_leaf`."""
    if isinstance(primal_leaf, numpy.ndarray):
        return numpy.array(grad_leaf, dtype=float).reshape(primal_leaf.shape)
    return float(grad_leaf)


def _scalar_output(value, f):
    try:
        return float(value)
    except TypeError:
        raise TypeError(f"{f.__name__} must return a scalar, got {type(value).__name__}"
                        ) from None


# ------------------------------------------------------ central differences

def central_difference(f, args, wrt=None, eps=1e-6):
    """Gradient of scalar `f(*args)` by central differences, step eps * max(1, |x|)."""
    args = tuple(args)
    positions, as_tuple = resolve_wrt(f, wrt, len(args))
    grads = []
    for position in positions:
        _check_differentiable(args[position], f"argument {position}")
        leaves = _leaves(args[position])
        grad_leaves = []
        for k, leaf in enumerate(leaves):

            def at(value, k=k):
                new_leaves = list(leaves)
                new_leaves[k] = value
                call_args = list(copy.deepcopy(args))
                call_args[position] = _rebuild(args[position], iter(new_leaves))
                return _scalar_output(f(*call_args), f)

            if isinstance(leaf, numpy.ndarray):
                g = numpy.zeros(leaf.shape)
                for index in numpy.ndindex(leaf.shape):
                    h = eps * max(1.0, abs(float(leaf[index])))
                    up, down = leaf.astype(float), leaf.astype(float)
                    up[index] += h
                    down[index] -= h
                    g[index] = (at(up) - at(down)) / (2 * h)
                grad_leaves.append(g)
            else:
                x = float(leaf)
                h = eps * max(1.0, abs(x))
                grad_leaves.append((at(x + h) - at(x - h)) / (2 * h))
        grads.append(_rebuild(args[position], iter(grad_leaves)))
    return tuple(grads) if as_tuple else grads[0]


# ------------------------------------------------------------------ autograd

def _math_log(x, base=None):
    return anp.log(x) if base is None else anp.log(x) / anp.log(base)


# `math`, as seen by code run under autograd.
AUTOGRAD_MATH = types.SimpleNamespace(
    exp=anp.exp, log=_math_log, log1p=anp.log1p, log2=anp.log2, log10=anp.log10,
    sqrt=anp.sqrt, sin=anp.sin, cos=anp.cos, tan=anp.tan, asin=anp.arcsin,
    acos=anp.arccos, atan=anp.arctan, atan2=anp.arctan2, sinh=anp.sinh,
    cosh=anp.cosh, tanh=anp.tanh, erf=asp.erf, erfc=asp.erfc, hypot=anp.hypot,
    pow=anp.power, fabs=anp.fabs, floor=anp.floor, ceil=anp.ceil,
    gamma=asp.gamma, lgamma=asp.gammaln, exp2=anp.exp2,
    pi=math.pi, e=math.e, inf=math.inf,
)


def _float_identity(x=0.0):
    return x


def _replacements():
    """id(original object) -> the object autograd-traced code should use instead."""
    table = {id(numpy): anp, id(math): AUTOGRAD_MATH}
    for name, value in vars(AUTOGRAD_MATH).items():
        if callable(value) and hasattr(math, name):
            table[id(getattr(math, name))] = value
    for name in dir(anp):
        original = getattr(numpy, name, None)
        if callable(original) and not isinstance(original, type):
            table[id(original)] = getattr(anp, name)
    return table


_REPLACEMENTS = _replacements()
_NAMESPACES = {}      # id(module globals) -> (globals, rebound namespace)
_FAILURES = {}        # function -> why autograd could not differentiate it


class _FloorDivToCall(ast.NodeTransformer):
    """`a // b` -> `_ag_floordiv(a, b)`: autograd's boxes have no `__floordiv__`."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.FloorDiv):
            return ast.copy_location(
                ast.Call(ast.Name("_ag_floordiv", ast.Load()), [node.left, node.right], []),
                node)
        return node

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.FloorDiv) and isinstance(node.target, ast.Name):
            load = ast.Name(node.target.id, ast.Load())
            call = ast.Call(ast.Name("_ag_floordiv", ast.Load()), [load, node.value], [])
            return ast.copy_location(ast.Assign([node.target], call), node)
        return node


def _exec_source(fn, namespace):
    """Define `fn` again from its source inside `namespace`; return the new function."""
    lines, first_line = inspect.getsourcelines(fn)
    tree = ast.parse(textwrap.dedent("".join(lines)))
    (node,) = tree.body
    node.decorator_list = []
    tree = ast.fix_missing_locations(_FloorDivToCall().visit(tree))
    ast.increment_lineno(tree, first_line - 1)
    exec(compile(tree, inspect.getsourcefile(fn) or "<oracle>", "exec"), namespace)
    return namespace[node.name]


def _rebound(f):
    """`f` redefined for autograd, with its module's other functions redefined too."""
    if f.__closure__:
        raise TypeError("closures are not rebound (define the function at module level)")
    module_globals = f.__globals__
    entry = _NAMESPACES.get(id(module_globals))
    if entry is None or entry[0] is not module_globals:
        namespace = {name: _REPLACEMENTS.get(id(value), value)
                     for name, value in module_globals.items()}
        namespace["float"] = _float_identity
        namespace["_ag_floordiv"] = anp.floor_divide
        for name, value in module_globals.items():
            if (isinstance(value, types.FunctionType) and value.__globals__ is module_globals
                    and value.__name__ == name and not value.__closure__):
                try:
                    _exec_source(value, namespace)
                except (OSError, TypeError, SyntaxError, ValueError):
                    pass      # no source: keep the original object
        entry = _NAMESPACES[id(module_globals)] = (module_globals, namespace)
    namespace = entry[1]
    rebound = namespace.get(f.__name__)
    if not (isinstance(rebound, types.FunctionType) and rebound.__code__.co_name == f.__name__
            and rebound is not f):
        rebound = _exec_source(f, namespace)
    return rebound


def autograd_failure(f):
    """Why the last `autograd_grad(f, ...)` returned None, or None."""
    return _FAILURES.get(f)


def autograd_grad(f, args, wrt=None):
    """Gradient of scalar `f(*args)` by autograd, or None (see `autograd_failure`)."""
    args = tuple(args)
    positions, as_tuple = resolve_wrt(f, wrt, len(args))
    for position in positions:      # a table error, not an oracle limitation
        _check_differentiable(args[position], f"argument {position}")
    _FAILURES.pop(f, None)
    try:
        g = _rebound(f)
        grads = [_autograd_one(g, args, position) for position in positions]
    except Exception as exc:   # noqa: BLE001 -- any failure means "no oracle here"
        reason = f"{type(exc).__name__}: {exc}"
        _FAILURES[f] = reason if len(reason) <= 200 else reason[:197] + "..."
        return None
    return tuple(grads) if as_tuple else grads[0]


def _autograd_one(g, args, position):
    template = args[position]
    leaves = _leaves(template)
    if not isinstance(template, (list, tuple, dict)):
        def fun(x):
            call_args = list(copy.deepcopy(args))
            call_args[position] = x
            return g(*call_args)
        start = template.astype(float) if isinstance(template, numpy.ndarray) else float(template)
        raw_leaves = [_call_grad(fun, start)]
    else:
        # A container becomes a real Python list/tuple/dict of boxed pieces of one flat
        # vector, so `append`, item assignment and iteration behave as in plain Python.
        sizes = [numpy.size(leaf) for leaf in leaves]
        flat = numpy.concatenate([numpy.ravel(numpy.asarray(leaf, dtype=float))
                                  for leaf in leaves])

        def pieces(vector):
            out, start = [], 0
            for leaf, size in zip(leaves, sizes):
                if isinstance(leaf, numpy.ndarray):
                    out.append(anp.reshape(vector[start:start + size], leaf.shape))
                else:
                    out.append(vector[start])
                start += size
            return out

        def fun(vector):
            call_args = list(copy.deepcopy(args))
            call_args[position] = _rebuild(template, iter(pieces(vector)))
            return g(*call_args)

        raw_leaves = pieces(numpy.asarray(_call_grad(fun, flat), dtype=float))
    return _rebuild(template, iter(_as_convention(r, leaf)
                                   for r, leaf in zip(raw_leaves, leaves)))


def _call_grad(fun, x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # "Output seems independent of input"
        value = autograd.grad(fun)(x)
    if not numpy.all(numpy.isfinite(value)):
        raise FloatingPointError(f"autograd gave a non-finite gradient {value!r}")
    return value


# ----------------------------------------------------------------- comparison

def _kind(x):
    if isinstance(x, numpy.ndarray):
        return f"an ndarray of shape {x.shape} and dtype {x.dtype}"
    module = type(x).__module__
    return type(x).__qualname__ if module == "builtins" else f"{module}.{type(x).__qualname__}"


def _compare(actual, expected, rtol, atol, path, problems):
    if isinstance(expected, (list, tuple)):
        if type(actual) is not type(expected):
            problems.append(f"{path}: expected a {type(expected).__name__}, got {_kind(actual)}")
            return
        if len(actual) != len(expected):
            problems.append(f"{path}: expected length {len(expected)}, got {len(actual)}")
            return
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, rtol, atol, f"{path}[{i}]", problems)
    elif isinstance(expected, dict):
        if not isinstance(actual, dict):
            problems.append(f"{path}: expected a dict, got {_kind(actual)}")
            return
        if set(actual) != set(expected):
            problems.append(f"{path}: expected keys {sorted(expected)}, got {sorted(actual)}")
            return
        for key in expected:
            _compare(actual[key], expected[key], rtol, atol, f"{path}[{key!r}]", problems)
    elif isinstance(expected, numpy.ndarray):
        if not isinstance(actual, numpy.ndarray):
            problems.append(f"{path}: expected an ndarray of shape {expected.shape}, "
                            f"got {_kind(actual)}")
            try:
                actual = numpy.asarray(actual, dtype=float)
            except (TypeError, ValueError):
                return
        if actual.shape != expected.shape:
            problems.append(f"{path}: expected shape {expected.shape}, got {actual.shape}")
            return
        if actual.dtype.kind != expected.dtype.kind:
            problems.append(f"{path}: expected dtype kind {expected.dtype.kind!r}, "
                            f"got {actual.dtype}")
        close = numpy.isclose(actual, expected, rtol=rtol, atol=atol)
        if not close.all():
            worst = numpy.unravel_index(numpy.argmax(numpy.abs(actual - expected)),
                                        expected.shape)
            problems.append(f"{path}: {int((~close).sum())} of {expected.size} elements "
                            f"differ; at {tuple(int(i) for i in worst)}: "
                            f"{actual[worst]!r} vs expected {expected[worst]!r}")
    elif isinstance(expected, numbers.Real):
        if type(actual) is not float:
            problems.append(f"{path}: expected a Python float, got {_kind(actual)}"
                            + (f" ({actual!r})" if numpy.ndim(actual) == 0 else ""))
        try:
            value = float(actual)
        except (TypeError, ValueError):
            return
        if not abs(value - float(expected)) <= atol + rtol * abs(float(expected)):
            problems.append(f"{path}: {value!r} vs expected {float(expected)!r}")
    else:
        raise TypeError(f"{path}: cannot compare expected value of type "
                        f"{type(expected).__name__}")


def assert_grad_close(actual, expected, rtol=1e-5, atol=1e-7):
    """Assert same structure, types and shapes, and values within tolerance.

    `expected` follows the API convention (Python float, ndarray, list, tuple, dict)
    and `actual` must match it exactly in kind: a `numpy.float64` where a float is
    expected is reported, as is a list where a tuple is expected.
    """
    problems = []
    _compare(actual, expected, rtol, atol, "grad", problems)
    if problems:
        raise AssertionError("gradient mismatch (rtol=%g, atol=%g):\n  " % (rtol, atol)
                             + "\n  ".join(problems)
                             + f"\nactual:   {actual!r}\nexpected: {expected!r}")
