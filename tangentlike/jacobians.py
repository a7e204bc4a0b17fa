"""Jacobians and Hessians: whole derivative matrices, one product at a time.

Receives user functions and the arguments to differentiate them with respect to.
Guarantees `jacobian` (forward mode, one Jacobian-vector product per input
coordinate, or reverse mode, one vector-Jacobian product per output coordinate),
`hessian` (one Hessian-vector product per input coordinate, forward over reverse,
each giving a whole column of every block), `gradhessian` and `value_grad_hessian`
(the same, with the gradient and value of one reverse-mode call), and the
operators built on them (`laplacian`, `divergence`, `curl`).  The blocks are laid
out as JAX's `jacfwd`/`jacrev`/`hessian` lay them out: a block is shaped
`out.shape + arg.shape` (`arg_i.shape + arg_j.shape` for the Hessian), one block
per argument when `wrt` is a tuple, one per output when the function returns a
tuple.  No finite differences anywhere; the arguments are never written to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from .dispatch import Gradient, jvp_of, unwrap, vjp_of, wrt_names
from .errors import NonDifferentiableArgumentError, TangentlikeError
from .forensics import require_scalar
from .higher import forward_over_reverse
from .loader import signature
from .markers import Wrt
from .results import grad_like
from .runtime import zeros_like

MODES = ("auto", "fwd", "rev")


def jacobian(f: Callable[..., Any], wrt: Wrt = 0, mode: Literal["auto", "fwd", "rev"] = "auto"
             ) -> Callable[..., Any]:
    """A function returning the Jacobian of `f` at its arguments.

    `wrt` is an argument (position or name) or a tuple of them; `mode` is "fwd" (one
    forward-mode product per coordinate of the `wrt` arguments), "rev" (one
    reverse-mode product per coordinate of the output) or "auto" (forward when the
    inputs have no more coordinates than the output, else reverse).

    `f` may return a float, an array, or a tuple or list of floats and arrays.  The
    Jacobian of an output `out` with respect to an argument `x` is shaped
    `out.shape + x.shape` (a float when both are floats).  With `wrt` a tuple, each
    output gets a tuple of blocks, one per argument; with a tuple output, the result
    is a tuple with one entry per output.  The `wrt` arguments must be floats or
    arrays of floats; the others are held constant.

    >>> import numpy as np, tangentlike as tl
    >>> def f(x):
    ...     return x * x
    >>> tl.jacobian(f)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    if mode not in MODES:
        raise TangentlikeError(f"jacobian mode must be one of {', '.join(map(repr, MODES))}; "
                               f"got {mode!r}")
    fn = unwrap(f)
    names, single = wrt_names(fn, wrt)
    positions = _positions(fn, names)

    def jacobian_fn(*args):
        _check_inputs(fn, names, positions, args, "jacobian")
        out = fn(*args)
        outputs, one_output = _outputs(fn, out)
        inputs = [args[k] for k in positions]
        forward = mode == "fwd" or (mode == "auto" and sum(map(np.size, inputs))
                                    <= sum(map(np.size, outputs)))
        blocks = [[_block(o, x) for x in inputs] for o in outputs]
        if forward:
            _forward_columns(fn, args, positions, one_output, blocks)
        else:
            _reverse_rows(fn, args, positions, out, one_output, blocks)
        result = [_finish(row, single) for row in blocks]
        return result[0] if one_output else type(out)(result)
    return jacobian_fn


def _forward_columns(fn, args, positions, one_output, blocks):
    """Fill `blocks` column by column: the tangent of every output along each unit
    vector of each `wrt` argument."""
    for j, k in enumerate(positions):
        for index, unit in _unit_vectors(args[k]):
            tangents = [_zero_tangent(a) for a in args]
            tangents[k] = unit
            _, tangent = jvp_of(fn, args, tangents)
            for i, part in enumerate((tangent,) if one_output else tangent):
                blocks[i][j][(Ellipsis,) + index] = part


def _reverse_rows(fn, args, positions, out, one_output, blocks):
    """Fill `blocks` row by row: the adjoints of the `wrt` arguments for each unit
    cotangent of each output."""
    _, pullback = vjp_of(fn, args)
    for i, o in enumerate((out,) if one_output else out):
        for index, unit in _unit_vectors(o):
            if one_output:
                cotangent = unit
            else:
                cotangent = [_zero_tangent(v) for v in out]
                cotangent[i] = unit
                cotangent = type(out)(cotangent)
            adjoints = pullback(cotangent)
            for j, k in enumerate(positions):
                blocks[i][j][index] = adjoints[k]


def hessian(f: Callable[..., Any], wrt: Wrt = 0) -> Callable[..., Any]:
    """A function returning the Hessian of scalar `f`, one Hessian-vector product
    (forward over reverse) per coordinate of the `wrt` arguments.

    With one argument (`wrt` an int or a str) the Hessian is shaped
    `x.shape + x.shape` (a float for a float `x`).  With `wrt` a tuple it is a tuple
    of tuples of blocks, as JAX's `hessian(f, argnums=(0, 1))`: `H[i][j]` is
    d²f/(d arg_i d arg_j), shaped `arg_i.shape + arg_j.shape`.  Each product gives a
    column of every block in row j at once.

    >>> import tangentlike as tl
    >>> def f(x):
    ...     return x ** 3
    >>> tl.hessian(f)(2.0)
    12.0
    >>> def g(x, y):
    ...     return x * x * y
    >>> tl.hessian(g, wrt=(0, 1))(3.0, 2.0)
    ((4.0, 6.0), (6.0, 0.0))
    """
    fn = unwrap(f)
    names, single = wrt_names(fn, wrt)
    positions = _positions(fn, names)

    def hessian_fn(*args):
        _check_inputs(fn, names, positions, args, "hessian")
        return _hessian_at(fn, names, positions, args, single)
    return hessian_fn


def gradhessian(f: Callable[..., Any], wrt: Wrt = 0) -> Callable[..., tuple[Any, Any]]:
    """A function returning `(gradient, Hessian)` of scalar `f`, both with respect to
    `wrt` and laid out as `tl.grad(f, wrt)` and `tl.hessian(f, wrt)` lay them out.

    >>> import tangentlike as tl
    >>> def f(x):
    ...     return x ** 3
    >>> tl.gradhessian(f)(2.0)
    (12.0, 12.0)
    """
    value_grad_hessian_fn = value_grad_hessian(f, wrt)

    def gradhessian_fn(*args):
        return value_grad_hessian_fn(*args)[1:]
    return gradhessian_fn


def value_grad_hessian(f: Callable[..., Any], wrt: Wrt = 0
                       ) -> Callable[..., tuple[Any, Any, Any]]:
    """A function returning `(value, gradient, Hessian)` of scalar `f`: the value and
    gradient from one reverse-mode call, the Hessian as `tl.hessian` makes it.
    `wrt` is as for `tl.hessian` (an argument, or a tuple of them for blocks).

    >>> import tangentlike as tl
    >>> def f(x):
    ...     return x ** 3
    >>> tl.value_grad_hessian(f)(2.0)
    (8.0, 12.0, 12.0)
    """
    fn = unwrap(f)
    names, single = wrt_names(fn, wrt)
    positions = _positions(fn, names)
    gradient = Gradient(fn, names, single)

    def value_grad_hessian_fn(*args):
        _check_inputs(fn, names, positions, args, "hessian")
        value, grad = gradient.value_and_grad(args, {})
        return value, grad, _hessian_at(fn, names, positions, args, single)
    return value_grad_hessian_fn


def _hessian_at(fn, names, positions, args, single):
    """The Hessian blocks of `fn` at `args`, one Hessian-vector product per column."""
    require_scalar(fn, fn(*args), "hessian")        # (the products seed the output with 1.0)
    hvp_fn, call_args = forward_over_reverse(fn, names, args)
    inputs = [args[k] for k in positions]
    blocks = [[_block(xi, xj) for xj in inputs] for xi in inputs]
    for j, xj in enumerate(inputs):
        for index, unit in _unit_vectors(xj):
            vectors = [_zero_tangent(x) for x in inputs]
            vectors[j] = unit
            products = hvp_fn(*call_args, 1.0, *vectors)
            products = (products,) if len(inputs) == 1 else products
            for i, product in enumerate(products):
                blocks[i][j][(Ellipsis,) + index] = grad_like(product, inputs[i])
    rows = [_finish(row, False) for row in blocks]
    return rows[0][0] if single else tuple(rows)


def laplacian(f: Callable[..., Any], wrt: Wrt = 0) -> Callable[..., float]:
    """A function returning the trace of the Hessian of scalar `f` (sum of d²f/dxᵢ²).

    `wrt` is the argument (a position or a name) the second derivatives are taken in."""
    hess = hessian(f, wrt)

    def laplacian_fn(*args):
        h = hess(*args)
        if isinstance(h, float):
            return h
        n = int(np.sqrt(h.size))
        return float(np.trace(h.reshape(n, n)))
    return laplacian_fn


def divergence(f: Callable[..., Any], wrt: Wrt = 0) -> Callable[..., float]:
    """A function returning the divergence of a vector field R³ -> R³ (trace of its Jacobian).

    `f` maps the argument `wrt` (a position or a name) to a vector of its size."""
    jac = jacobian(f, wrt)

    def divergence_fn(*args):
        return float(np.trace(_square(jac(*args), "divergence")))
    return divergence_fn


def curl(f: Callable[..., Any], wrt: Wrt = 0) -> Callable[..., np.ndarray]:
    """A function returning the curl of a vector field R³ -> R³.

    `f` maps the argument `wrt` (a position or a name, a 3-vector) to a 3-vector."""
    jac = jacobian(f, wrt)

    def curl_fn(*args):
        j = _square(jac(*args), "curl")
        if j.shape != (3, 3):
            raise TangentlikeError(f"curl needs a field R³ -> R³, got a Jacobian of shape {j.shape}")
        return np.array([j[2, 1] - j[1, 2], j[0, 2] - j[2, 0], j[1, 0] - j[0, 1]])
    return curl_fn


def _square(j, what):
    if not isinstance(j, np.ndarray) or j.ndim != 2 or j.shape[0] != j.shape[1]:
        raise TangentlikeError(f"{what} needs a field whose Jacobian is square, "
                               f"got shape {np.shape(j)}")
    return j


# -- shared parts -------------------------------------------------------------------

def _positions(fn, names):
    params = list(signature(fn).parameters)
    return [params.index(name_) for name_ in names]


def _check_inputs(fn, names, positions, args, what):
    """A clear error for a `wrt` argument missing or not a float or array of floats."""
    for name_, k in zip(names, positions):
        if k >= len(args):
            raise TangentlikeError(f"{what} of {fn.__name__} with respect to {name_!r}: "
                                   f"pass {name_} positionally (got {len(args)} arguments)")
        x = args[k]
        if isinstance(x, float) or (isinstance(x, np.ndarray)
                                    and np.issubdtype(x.dtype, np.inexact)):
            continue
        hint = f" (pass {float(x)!r} to differentiate it)" if isinstance(x, int) \
            and not isinstance(x, bool) else ""
        raise NonDifferentiableArgumentError(
            f"{what} of {fn.__name__} with respect to {name_!r} needs a float or an array "
            f"of floats; got {type(x).__name__} {x!r}{hint}")


def _outputs(fn, out):
    """The outputs of `fn` as a list of floats and arrays, and whether it returned one."""
    if _is_leaf(out):
        return [out], True
    if _is_sequence(out) and out and all(map(_is_leaf, out)):
        return list(out), False
    raise TangentlikeError(f"jacobian of {fn.__name__}: the function must return a float, "
                           f"an array, or a tuple or list of floats and arrays; it returned "
                           f"{type(out).__name__} {_short(out)}")


def _is_leaf(value):
    return isinstance(value, (float, int, np.ndarray, np.number)) \
        and not isinstance(value, bool)


def _is_sequence(value):
    return isinstance(value, (tuple, list))


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _block(out, x):
    return np.zeros(np.shape(out) + np.shape(x), dtype=np.result_type(out, x, float))


def _finish(row, single):
    """One output's blocks: floats for 0-d blocks; one block, or a tuple of them."""
    row = [float(b) if b.shape == () and b.dtype.kind == "f" else b for b in row]
    return row[0] if single else tuple(row)


def _unit_vectors(x):
    """(index, unit tangent) for every coordinate of `x` (a float or an array)."""
    if not isinstance(x, np.ndarray):
        yield (), 1.0
        return
    for index in np.ndindex(*x.shape):
        unit = np.zeros(x.shape, dtype=np.result_type(x, float))
        unit[index] = 1.0
        yield index, unit


def _zero_tangent(value):
    """A zero tangent or cotangent for `value` (ints and other constants as they are)."""
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if isinstance(value, tuple):
        return tuple(_zero_tangent(v) for v in value)
    if isinstance(value, (list, dict, float, np.ndarray, np.number)):
        return zeros_like(value)
    return None
