"""Shapes and broadcasting: an adjoint carried back from a reduced or broadcast value to
the shape of its operand.

Receives adjoints (numbers, arrays, or the zero sentinel `0.0`, which every helper here
accepts as the adjoint) and the primal values whose shapes they stand for.  Writes none of its
arguments.  Results are not always fresh: `expand`, `spread` and `sum_like` may return
the adjoint itself or a view of it, and `unreduce` over a NumPy array returns a
read-only view that repeats the adjoint (`spread` too, through it or through
`np.broadcast_to`); a helper that writes into an adjoint copies a read-only one first.
"""

import numpy as np

from .basics import _is_array, _ndim, _shape


def axes_of(axis, ndim):
    """`axis` (None, an int or a sequence) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(int(ax) % ndim for ax in axis))
    return (int(axis) % ndim,)


def expand(g, a, axis=None, keepdims=False):
    """`g`, the adjoint of a reduction of `a`, with the reduced axes back as size 1."""
    if not _is_array(g) or keepdims:
        return g
    ndim = _ndim(a)
    if axis is None:
        return np.reshape(g, (1,) * ndim)
    if g.__class__ is np.ndarray and axis.__class__ is int and -ndim <= axis < ndim:
        axis %= ndim                                  # one axis: a reshape, at once
        return g.reshape(g.shape[:axis] + (1,) + g.shape[axis:])
    return np.expand_dims(g, axes_of(axis, ndim))


def unreduce(g, a, axis=None, keepdims=False):
    """`g` broadcast back over `a` (scalars stay scalars).  Over a NumPy array it is a
    read-only view that repeats `g` without copying it (helpers that write into an
    adjoint copy a read-only one first); over other array types, a fresh array."""
    if a.__class__ is np.ndarray and (g.__class__ is float or g.__class__ is np.ndarray
                                      or isinstance(g, np.generic)):
        g = expand(g, a, axis, keepdims)
        dtype = a.dtype if g.__class__ is float and a.dtype.kind in "fc" \
            else np.result_type(a, g)
        if g.__class__ is not np.ndarray or g.dtype != dtype:
            g = np.array(g, dtype)
        if g.size == 1:
            return _repeated(g, a.shape, (0,) * a.ndim)
        if g.ndim == a.ndim and g.flags.c_contiguous and all(
                n == 1 or n == m for n, m in zip(g.shape, a.shape)):
            return _repeated(g, a.shape, tuple(0 if n == 1 else stride for n, stride
                                               in zip(g.shape, g.strides)))
        return np.broadcast_to(g, a.shape)
    if not _is_array(a) and not isinstance(a, (list, tuple)):
        return g
    return np.zeros_like(a) + expand(g, a, axis, keepdims)


def _repeated(g, shape, strides):
    """A read-only view of the contiguous array `g` with `shape` and `strides` (0 along
    the axes it repeats): `np.broadcast_to`, without its checks."""
    view = np.ndarray(shape, g.dtype, g, 0, strides)
    view.flags.writeable = False
    return view


def common_shape(*values):
    """The shape of an elementwise result of `values` (NumPy broadcasting)."""
    shape = None
    for v in values:
        other = v.shape if v.__class__ is np.ndarray else _shape(v)
        if shape is None:
            shape = other
        elif other != shape:
            shape = np.broadcast_shapes(shape, other)
    return () if shape is None else shape


def spread(g, shape, x):
    """The adjoint of `x` from `g`, which stands for `g` broadcast to `shape` (the
    shape of an elementwise result that `x` was broadcast into)."""
    if x.__class__ is np.ndarray and g.__class__ is np.ndarray and x.shape == g.shape == shape:
        return g
    if _shape(x) == shape:
        if _shape(g) == shape:
            return g
        if _is_array(g) and g.ndim:
            return np.broadcast_to(g, shape)       # read-only: writers copy it first
        return unreduce(g, x)          # a scalar standing for an array of x's shape
    if _shape(g) != shape:
        g = np.broadcast_to(g, shape)
    return sum_like(g, x)


def sum_like(g, x):
    """Sum `g` down to the shape of `x`, undoing broadcasting."""
    if not _is_array(g):
        return g
    if not _is_array(x):
        return g.sum()
    if g.shape == x.shape:
        return g
    extra = g.ndim - x.ndim
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(k for k, (gs, xs) in enumerate(zip(g.shape, x.shape)) if xs == 1 and gs != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g
