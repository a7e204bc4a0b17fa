"""Norms: the adjoints and tangents of np.linalg.norm, vector_norm and matrix_norm, for
every order NumPy accepts (the conventions at kinks and ties are in docs/conventions.md).

Receives the primal array, the norm's value, ord, axis, keepdims and which function
(`kind`: "norm", "vector" or "matrix"), and an adjoint or tangent; the second-order
helper `norm_adjoint_tangent` accepts the zero sentinel `0.0` for each of its tangents.
Writes none of its arguments.  Returns fresh arrays (or numbers for a scalar `x`).
"""

import numpy as np

from .basics import _is_array, _shape, is_zero, nonzero
from .broadcasting import axes_of, expand


def _vector_direction(x, ansx, ord, axes):
    """d|x|_ord / dx for vector norms over `axes` (`ansx` broadcastable to x)."""
    if ord is None or ord == 2:
        return x / nonzero(ansx)
    if ord == np.inf or ord == -np.inf:
        return np.sign(x) * _shared((abs(x) == ansx).astype(x.dtype), axes)
    if ord == 0:
        return np.zeros_like(x)
    if ord == 1:
        return np.sign(x)
    return np.sign(x) * (abs(x) / nonzero(ansx)) ** (ord - 1)


def _shared(chosen, axes):
    """0/1 weights `chosen` divided among the ties of each group over `axes`."""
    return chosen / chosen.sum(axis=axes, keepdims=True)


def _matrix_direction(x, ans, ord):
    """d|x|_ord / dx for matrix norms over the last two axes (`ans` has them as size 1).

    Conventions: tied extreme column / row sums and tied extreme singular values share
    the derivative equally; singular values that are 0 have slope 0 (the nuclear norm's
    least subgradient, and the -2-norm of a singular matrix, like |x| at 0)."""
    if ord is None or ord == "fro":
        return x / nonzero(ans)
    if ord in ("nuc", 2, -2):
        u, s, vh = np.linalg.svd(x, full_matrices=False)
        if ord == "nuc":
            tiny = s.max(axis=-1, keepdims=True) * max(x.shape[-2:]) * np.finfo(s.dtype).eps
            weights = (s > tiny).astype(s.dtype)
        else:
            extreme = s.max(axis=-1, keepdims=True) if ord == 2 else \
                s.min(axis=-1, keepdims=True)
            weights = _shared((s == extreme).astype(s.dtype), -1) * (extreme > 0)
        return (u * weights[..., None, :]) @ vh
    if ord in (1, -1):           # extreme column sum of |x|
        sums = abs(x).sum(axis=-2, keepdims=True)
        return np.sign(x) * _shared((sums == ans).astype(x.dtype), -1)
    if ord in (np.inf, -np.inf):  # extreme row sum of |x|
        sums = abs(x).sum(axis=-1, keepdims=True)
        return np.sign(x) * _shared((sums == ans).astype(x.dtype), -2)
    raise ValueError(f"invalid norm order {ord!r} for matrices")


def _norm_direction(x, ans, ord, axis, keepdims, kind):
    """(direction d norm / dx shaped like x, reduced axes)."""
    ndim = x.ndim
    matrix = (kind == "matrix" or (kind == "norm" and (
        (axis is None and ord is not None and ndim == 2)
        or (isinstance(axis, (tuple, list)) and len(axis) == 2))))
    if not matrix:
        axes = axes_of(axis, ndim)
        ansx = expand(ans, x, axis, keepdims)
        if kind == "norm" and axis is None and ord is None:
            ord = 2
        return _vector_direction(x, ansx, ord, axes), axes
    pair = (-2, -1) if kind == "matrix" or axis is None else tuple(axis)
    pair = tuple(int(ax) % ndim for ax in pair)        # in order: rows, then columns
    moved = np.moveaxis(x, pair, (-2, -1))
    if keepdims:                                       # ans: x's shape, 1 along the pair
        ans = np.moveaxis(ans, pair, (-2, -1))
    else:                                              # ans: the other axes, in order
        ans = np.reshape(ans, _shape(ans) + (1, 1))
    direction = _matrix_direction(moved, ans, ord)
    return np.moveaxis(direction, (-2, -1), pair), tuple(sorted(pair))


def norm_adjoint(g, x, norm, ord=None, axis=None, keepdims=False, kind="norm"):
    """The adjoint of `x` in np.linalg.norm / vector_norm / matrix_norm (`norm` its value)."""
    if not _is_array(x):
        return g * np.sign(x)
    direction, axes = _norm_direction(x, norm, ord, axis, keepdims, kind)
    return expand(g, x, axes, keepdims) * direction


def norm_tangent(t, x, norm, ord=None, axis=None, keepdims=False, kind="norm"):
    """The tangent along `t` of np.linalg.norm / vector_norm / matrix_norm."""
    if not _is_array(x):
        return t * np.sign(x)
    direction, axes = _norm_direction(x, norm, ord, axis, keepdims, kind)
    return (t * direction).sum(axis=axes, keepdims=keepdims)


def norm_adjoint_tangent(g, x, norm, ord, axis, keepdims, kind, tg, tx, tnorm):
    """The tangent of `norm_adjoint(g, x, norm, ...)`: d(g * D) with D = d norm / d x."""
    if not _is_array(x):
        return (0.0 if is_zero(tg) else tg * np.sign(x))
    direction, axes = _norm_direction(x, norm, ord, axis, keepdims, kind)
    out = 0.0 if is_zero(tg) else expand(tg, x, axes, keepdims) * direction
    if is_zero(tx) and is_zero(tnorm):
        return out
    matrix = len(axes) == 2 and kind != "vector" and not (kind == "norm" and ord is None)
    if matrix and ord in ("nuc", 2, -2):
        raise NotImplementedError(f"no second derivative of the {ord!r}-norm of a matrix yet")
    if ord in (np.inf, -np.inf, 0, 1, -1) or (matrix and ord not in (None, "fro")):
        return out                                   # D is piecewise constant
    p = 2 if ord in (None, "fro") else ord
    n = nonzero(expand(norm, x, axes, keepdims))
    tn = 0.0 if is_zero(tnorm) else expand(tnorm, x, axes, keepdims)
    t = 0.0 if is_zero(tx) else tx
    mag = abs(x)
    dd = (p - 1) * (mag / n) ** (p - 2) * (t - x * tn / n) / n
    return out + expand(g, x, axes, keepdims) * dd
