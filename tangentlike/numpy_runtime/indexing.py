"""Indexing, gathering and sorting: the adjoints of `x[index]`, `np.take`,
`np.take_along_axis` and `np.sort`, which scatter an adjoint back to the places it was
read from (repeated places add up).

Receives adjoints and the primal arrays, indices and axes.  `add_at` and `subtract_at`
(listed in UPDATES_FIRST_ARGUMENT) take the zero sentinel `0.0` for both the adjoint
they update and the one they add, and write into their first argument `b` in place,
returning it, unless it is the sentinel or read-only: then they return a fresh array.
Every other helper here writes none of its arguments and returns a fresh array.
"""

import numpy as np

from .. import runtime as _tl
from .basics import _is_array, _shape, is_zero, zeros_for
from .broadcasting import spread, sum_like


# The helpers of the package that write into their first argument, all of them
# here (as runtime.py declares its own).
UPDATES_FIRST_ARGUMENT = frozenset({"add_at", "subtract_at"})


def add_at(b, x, index, g, shape=None):
    """`b` (the adjoint of array `x`) with `g` added at `x[index]`, after summing `g`
    down to that part's shape (after spreading it to `shape`, when it stands for an
    array of that shape: see `spread`).  An advanced index (a boolean mask, arrays or
    lists of ints) adds up the contributions of repeated positions.  `b` is updated in
    place unless it is the zero sentinel (a zero array is made) or read-only."""
    return _accumulate_at(b, x, index, g, shape, False)


def subtract_at(b, x, index, g, shape=None):
    """`add_at(b, x, index, -g, shape)`, without negating `g` first."""
    return _accumulate_at(b, x, index, g, shape, True)


def _accumulate_at(b, x, index, g, shape, subtract):
    if x.__class__ is np.ndarray:
        if b.__class__ is float or b.__class__ is int:      # the zero sentinel, mostly
            zeros = zeros_for(x)
            b = zeros if b == 0 else zeros + b
        elif b.__class__ is not np.ndarray or not b.flags.writeable:
            b = np.zeros_like(x) + b if is_zero(b) or not _is_array(b) else _writable(b)
        if (g.__class__ is float or g.__class__ is int) and g == 0:
            return b
        if g.__class__ in _tl.NUMBER_CLASSES and (shape is None or shape == ()) \
                and _tl.is_element(index, b.ndim):
            if subtract:                  # one element: the loop case
                b[index] -= g
            else:
                b[index] += g
            return b
        part = b[index]
        if part.__class__ is np.ndarray and _selects_view(index):
            if shape is not None and part.shape != shape:
                g = spread(g, shape, part)
            elif g.__class__ is np.ndarray and g.shape != part.shape:
                g = sum_like(g, part)
            if subtract:
                part -= g             # a view of b: no copy back
            else:
                part += g
            return b
    elif not _is_array(x):               # a list of arrays (np.split's result)
        g = spread(g, shape, x[index]) if shape is not None else sum_like(g, x[index])
        return _tl.add_at(b, x, index, -g if subtract else g)
    else:
        b = np.zeros_like(x) if is_zero(b) else _writable(b)
        if is_zero(g):
            return b
        part = b[index]
    g = spread(g, shape, part) if shape is not None else sum_like(g, part)
    if b.__class__ is np.ndarray and not _selects_view(index):
        (np.subtract if subtract else np.add).at(b, index, g)    # b[index] is a copy
        return b
    b[index] = part - g if subtract else part + g
    return b


def _selects_view(index):
    """True for a basic index (ints, slices, `...`, None, or a tuple of them): the part
    of an array it selects is a view, or a number."""
    if index.__class__ is tuple:
        return all(_selects_view(i) for i in index)
    return index is None or index is Ellipsis or index.__class__ is slice \
        or isinstance(index, (int, np.integer)) and not isinstance(index, (bool, np.bool_))


def _writable(b):
    flags = getattr(b, "flags", None)
    if flags is not None and getattr(flags, "writeable", True) is False:
        return b.copy()
    return b


def _stable_order(a, axis):
    return np.argsort(a, axis=axis, kind="stable")


def unsort(g, a, axis=-1):
    """The adjoint of `np.sort(a, axis)`: `g` sent back through the (stable) permutation."""
    if axis is None:
        order = _stable_order(np.reshape(a, (-1,)), 0)
        return np.reshape(np.take_along_axis(g, np.argsort(order), 0), _shape(a))
    order = _stable_order(a, axis)
    return np.take_along_axis(g, np.argsort(order, axis=axis), axis)


def sort_tangent(t, a, axis=-1):
    """The tangent of `np.sort(a, axis)` along `t`."""
    if axis is None:
        return np.reshape(t, (-1,))[_stable_order(np.reshape(a, (-1,)), 0)]
    return np.take_along_axis(t, _stable_order(a, axis), axis)


def untake(g, a, indices, axis=None, mode="raise"):
    """The adjoint of `np.take(a, indices, axis, mode=mode)` (repeated indices add up)."""
    shape = _shape(a)
    n = int(np.prod(shape)) if axis is None else shape[axis]
    if mode != "raise":
        indices = np.take(np.arange(n, like=a), indices, mode=mode)
    if axis is None:
        out = np.zeros_like(a, shape=(n,))
        np.add.at(out, indices, g)
        return np.reshape(out, shape)
    out = np.zeros_like(a)
    np.add.at(out, (slice(None),) * (axis % len(shape)) + (indices,), g)
    return out


def untake_along_axis(g, arr, indices, axis=-1):
    """The adjoint of `np.take_along_axis(arr, indices, axis)` (repeated indices add up)."""
    shape = _shape(arr)
    if axis is None:
        out = np.zeros_like(arr, shape=(int(np.prod(shape)),))
        np.add.at(out, indices, g)
        return np.reshape(out, shape)
    axis = axis % len(shape)
    index = []
    for d in range(len(shape)):
        if d == axis:
            index.append(indices)
        else:
            view = [1] * len(shape)
            view[d] = indices.shape[d]
            index.append(np.arange(indices.shape[d], like=indices).reshape(view))
    out = np.zeros_like(arr)
    np.add.at(out, tuple(index), g)
    return out
