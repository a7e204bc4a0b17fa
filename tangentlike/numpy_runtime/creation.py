"""Building arrays: the adjoints and tangents of np.array (of nested lists), of NumPy's
concatenating index tricks (np.r_, np.c_), of np.arange and of np.linspace.

Receives the adjoint of the built array (a number or an array; `unpack` also takes the
zero sentinel `0.0`), the built array or the arguments it was built from, and for the
tangents the arguments' tangents, each of which may be the sentinel.  Writes none of its
arguments.  Results are fresh arrays or numbers, except that `unpack` gives the parts
of the adjoint (views of it, or the adjoint itself) in the structure of the nested
lists.
"""

import math

import numpy as np

from .basics import _dtype, _is_array, _ndim, _shape, is_zero
from .broadcasting import sum_like


def unpack(g, obj):
    """The adjoint of `np.array(obj)`: `g` in the structure of `obj` (lists of adjoints)."""
    if isinstance(obj, (list, tuple)):
        if is_zero(g):
            return [unpack(0.0, part) for part in obj]
        return [unpack(g[k], part) for k, part in enumerate(obj)]
    if _is_array(obj):
        return np.zeros_like(obj) if is_zero(g) else np.reshape(g, obj.shape)
    return g


class _Element:
    """Element `index` (flat) of item `item` of an index trick's key, traced through it."""
    __slots__ = ("item", "index")

    def __init__(self, item, index):
        self.item, self.index = item, index


def _is_value(item):
    """Whether an item of an index trick's key is data (not a slice or a directive)."""
    return not isinstance(item, (slice, str)) and item is not Ellipsis


def _index_trick_layout(trick, key):
    """Where each element of each data item of `key` lands in `trick[key]` (np.r_,
    np.c_), found by running the trick on elements that carry their own origin:
    {item: (flat positions in the result, flat indices in the item)}."""
    items = key if isinstance(key, tuple) else (key,)
    traced = []
    for k, item in enumerate(items):
        if not _is_value(item):
            traced.append(item)
            continue
        labels = np.empty(_shape(item), dtype=object)
        for j in range(labels.size):
            labels.flat[j] = _Element(k, j)
        traced.append(labels if labels.ndim or not isinstance(item, (int, float, complex))
                      else labels[()])
    result = np.asarray(trick[tuple(traced) if isinstance(key, tuple) else traced[0]])
    layout = {}
    for position, element in enumerate(result.flat):
        if isinstance(element, _Element):
            positions, indices = layout.setdefault(element.item, ([], []))
            positions.append(position)
            indices.append(element.index)
    return result.shape, layout


def index_trick_adjoint(g, trick, key):
    """The adjoint of `key` in `trick[key]` for NumPy's concatenating index tricks
    (np.r_, np.c_): for a tuple key, a tuple with one adjoint per item (0.0 for slices
    and directives), which are the elements of `g` that each item's elements became."""
    shape, layout = _index_trick_layout(trick, key)
    flat = np.reshape(g, -1) if _is_array(g) else np.full(math.prod(shape), g)
    items = key if isinstance(key, tuple) else (key,)
    out = []
    for k, item in enumerate(items):
        if k not in layout:
            out.append(0.0)
            continue
        positions, indices = layout[k]
        part = np.zeros(math.prod(_shape(item)), dtype=_dtype(flat))
        np.add.at(part, indices, flat[positions])
        out.append(part.reshape(_shape(item)) if _is_array(item) or _ndim(item)
                   else part[0].item() if isinstance(item, (int, float)) else part[0])
    return tuple(out) if isinstance(key, tuple) else out[0]


def index_trick_tangent(ans, trick, key, tkey):
    """The tangent of `trick[key]` (np.r_, np.c_) along `tkey`, the tangents of `key`'s
    items (0.0 where an item has none)."""
    shape, layout = _index_trick_layout(trick, key)
    tangents = tkey if isinstance(key, tuple) else (tkey,)
    dtype = np.result_type(ans, *(t for t in tangents if _is_array(t)))
    out = np.zeros(math.prod(shape), dtype=dtype if dtype.kind in "fc" else float)
    for k, (positions, indices) in layout.items():
        if not is_zero(tangents[k]):
            out[positions] = np.reshape(tangents[k], -1)[indices] if _ndim(tangents[k]) \
                else tangents[k]
    return out.reshape(shape)


def arange_adjoint(g, ans, which):
    """The adjoint of start (`which` 0) or step (1) in `ans = np.arange(...)`, whose
    elements are start + i * step (0 for an integer result)."""
    if ans.dtype.kind not in "fc":
        return 0.0
    weights = 1.0 if which == 0 else np.arange(len(ans), dtype=ans.dtype, like=ans)
    return (g * weights).sum() if _is_array(g) else g * np.sum(weights * np.ones_like(ans))


def arange_tangent(ans, tstart, tstep):
    """The tangent of `ans = np.arange(...)` along the tangents of start and step."""
    if ans.dtype.kind not in "fc":
        return np.zeros(ans.shape)
    return np.zeros_like(ans) + tstart + tstep * np.arange(len(ans), dtype=ans.dtype, like=ans)


def linspace_weights(start, stop, num=50, endpoint=True, axis=0):
    """t with `linspace(start, stop) = start * (1 - t) + stop * t`, shaped like the result."""
    like = stop if _is_array(stop) else start
    t = np.linspace(0.0, 1.0, num, endpoint=endpoint, dtype=_dtype(like))
    ndim = max(_ndim(start), _ndim(stop))
    if ndim:
        shape = [1] * (ndim + 1)
        shape[axis % (ndim + 1)] = num
        t = np.reshape(t, shape)
    return t


def linspace_adjoint(g, x, t, axis=0):
    """The adjoint of `start` (with `t` = 1 - weights) or `stop` in np.linspace."""
    total = g * t
    if _ndim(x) == 0:
        return total.sum()
    return sum_like(total.sum(axis=axis), x)


def linspace_tangent(start, stop, num, endpoint, axis, tstart, tstop):
    """The tangent of `np.linspace(start, stop, num, endpoint, axis=axis)`."""
    t = linspace_weights(start, stop, num, endpoint, axis)
    ndim = t.ndim

    def along(d):
        return np.expand_dims(d, axis % ndim) if _ndim(d) else d

    return (1.0 - t) * along(tstart) + t * along(tstop)
