"""Shape and layout: the adjoints of the functions that move, split, join, repeat, pad
or read the diagonal of arrays (reshape, transpose, concatenate, stack, split, tile,
repeat, pad, diagonal, trace, diag).

Receives the adjoint of the result (an array, or a number where the result was one;
`unsplit` and `restack` take a list of adjoints, where the list or any item may be the
zero sentinel `0.0`) and the primal arguments as given to the NumPy function;
`pad_tangent` accepts the sentinel for each of its tangents.  Writes none of its
arguments.  Results may be views of the adjoint (`reshape_like`, `untranspose`,
`unrollaxis`, the pieces of `unconcatenate`, `unstack` and `unstack_promoted`, and
`unpad` in constant mode); the others are fresh arrays.
"""

import numpy as np

from .basics import _dtype, _is_array, _ndim, _shape, dense, is_zero, lift, zeros_for


def reshape_like(g, a):
    """`g` reshaped to the shape of `a` (a Python scalar `a` keeps `g` as it is)."""
    if not _is_array(g):
        return g
    return np.reshape(g, _shape(a))


def untranspose(g, axes):
    """The adjoint of `np.transpose(a, axes)`."""
    order = [int(ax) % len(axes) for ax in axes]
    return np.transpose(g, tuple(int(k) for k in np.argsort(order)))


def unrollaxis(g, a, axis, start=0):
    """The adjoint of `np.rollaxis(a, axis, start)`."""
    ndim = _ndim(a)
    axis = axis % ndim
    start = start + ndim if start < 0 else start
    order = list(range(ndim))
    order.remove(axis)
    order.insert(start - 1 if axis < start else start, axis)
    return untranspose(g, order)


def negated(shift):
    """`-shift` for an int or a sequence of ints."""
    if isinstance(shift, (tuple, list)):
        return tuple(-s for s in shift)
    return -shift


def _split_at(g, sizes, axis):
    bounds, total = [], 0
    for size in sizes[:-1]:
        total += size
        bounds.append(total)
    return np.split(g, bounds, axis=axis)


def unconcatenate(g, arrays, axis=0):
    """The adjoint of `np.concatenate(arrays, axis)`: one piece per array, as a list."""
    if axis is None:
        pieces = _split_at(np.reshape(g, (-1,)), [int(np.prod(_shape(x))) for x in arrays], 0)
        return [np.reshape(p, _shape(x)) for p, x in zip(pieces, arrays)]
    return _split_at(g, [_shape(x)[axis] for x in arrays], axis)


def unstack(g, arrays, axis=0):
    """The adjoint of `np.stack(arrays, axis)`."""
    axis = axis % g.ndim
    return [g[(slice(None),) * axis + (k,)] for k in range(len(arrays))]


def _promoted(shape, ndmin, where):
    """The shape `np.atleast_{ndmin}d` (`where` = how 1-D/2-D inputs are padded) gives."""
    shape = tuple(shape)
    if len(shape) >= ndmin:
        return shape
    return where[len(shape)](shape)


_AS_ROWS = {0: lambda s: (1, 1), 1: lambda s: (1,) + s}
_AS_COLUMNS = {0: lambda s: (1, 1), 1: lambda s: s + (1,)}
_AS_3D = {0: lambda s: (1, 1, 1), 1: lambda s: (1,) + s + (1,), 2: lambda s: s + (1,)}


def unstack_promoted(g, tup, how):
    """The adjoint of vstack / hstack / dstack / column_stack: pieces in `tup`'s shapes."""
    shapes = [_shape(x) for x in tup]
    if how == "vstack":
        axis, promoted = 0, [_promoted(s, 2, _AS_ROWS) for s in shapes]
    elif how == "hstack":
        axis = 0 if len(shapes[0]) <= 1 else 1
        promoted = [s if len(s) else (1,) for s in shapes]
    elif how == "dstack":
        axis, promoted = 2, [_promoted(s, 3, _AS_3D) for s in shapes]
    else:
        axis, promoted = 1, [_promoted(s, 2, _AS_COLUMNS) for s in shapes]
    pieces = _split_at(g, [p[axis] for p in promoted], axis)
    return [np.reshape(p, s) for p, s in zip(pieces, shapes)]


def unsplit(g, parts, axis=0):
    """The adjoint of np.split / array_split (and friends): the pieces' adjoints joined."""
    if is_zero(g):
        g = [0.0] * len(parts)
    return np.concatenate([dense(gk, part) for gk, part in zip(g, parts)], axis=axis)


def restack(g, parts, axis=0):
    """The adjoint of np.unstack: the pieces' adjoints stacked."""
    if is_zero(g):
        g = [0.0] * len(parts)
    return np.stack([dense(gk, part) for gk, part in zip(g, parts)], axis=axis)


def split_axis(ary, how):
    """The axis np.hsplit / vsplit / dsplit split along."""
    return {"h": 1 if _ndim(ary) > 1 else 0, "v": 0, "d": 2}[how]


def untile(g, A, reps):
    """The adjoint of `np.tile(A, reps)`."""
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    shape = tuple(_shape(A))
    d = max(len(shape), len(reps))
    shape = (1,) * (d - len(shape)) + shape
    reps = (1,) * (d - len(reps)) + reps
    interleaved = [n for pair in zip(reps, shape) for n in pair]
    g = np.reshape(g, interleaved).sum(axis=tuple(range(0, 2 * d, 2)))
    return np.reshape(g, _shape(A))


def _scatter_add(g, index, n, axis):
    """Zeros of length `n` along `axis` with `g`'s slices added at positions `index`."""
    moved = np.moveaxis(g, axis, 0)
    out = np.zeros_like(moved, shape=(n,) + moved.shape[1:])
    np.add.at(out, index, moved)
    return np.moveaxis(out, 0, axis)


def unrepeat(g, a, repeats, axis=None):
    """The adjoint of `np.repeat(a, repeats, axis)`."""
    shape = _shape(a)
    if axis is None:
        flat_shape, axis = (int(np.prod(shape)),), 0
    else:
        axis = axis % len(shape)
        flat_shape = shape
    n = flat_shape[axis]
    if isinstance(repeats, int) or np.ndim(repeats) == 0 or len(repeats) == 1:
        r = int(np.reshape(repeats, -1)[0]) if np.ndim(repeats) else int(repeats)
        split = flat_shape[:axis] + (n, r) + flat_shape[axis + 1:]
        out = np.reshape(g, split).sum(axis=axis + 1)
    else:
        out = _scatter_add(g, np.repeat(np.arange(n, like=g), repeats), n, axis)
    return np.reshape(out, shape)


def _pad_widths(pad_width, ndim):
    """[(before, after)] for each axis, from every form np.pad accepts: n, (n,), (before,
    after), ((before, after),) and one pair (or one (n,)) per axis."""
    widths = np.broadcast_to(np.round(np.asarray(pad_width)).astype(int), (ndim, 2))
    return [(int(before), int(after)) for before, after in widths]


_GATHER_MODES = ("edge", "reflect", "symmetric", "wrap")


def _check_pad_mode(mode):
    if mode != "constant" and mode not in _GATHER_MODES:
        raise NotImplementedError(
            f"no derivative rule for np.pad mode {mode!r}; supported: 'constant', "
            f"{', '.join(map(repr, _GATHER_MODES))} (each padded value is a copy of one "
            f"element or a constant)")


def unpad(g, array, pad_width, mode="constant"):
    """The adjoint of `array` in `np.pad(array, pad_width, mode)` for the constant and
    gathering modes."""
    _check_pad_mode(mode)
    shape = _shape(array)
    widths = _pad_widths(pad_width, len(shape))
    if mode == "constant":
        return g[tuple(slice(b, b + n) for (b, _), n in zip(widths, shape))]
    for axis in reversed(range(len(shape))):
        index = np.pad(np.arange(shape[axis], like=g), widths[axis], mode=mode)
        g = _scatter_add(g, index, shape[axis], axis)
    return g


def unpad_constant_values(g, pad_width, constant_values):
    """The adjoint of `constant_values` in `np.pad(array, pad_width, constant_values=...)`:
    the sum of `g` over the cells each value fills (NumPy pads axis after axis, so a later
    axis's values fill the corners), summed to the shape `constant_values` is given in."""
    widths = _pad_widths(pad_width, g.ndim)
    covered = np.zeros_like(g, dtype=bool)
    sums = [None] * g.ndim
    for axis in reversed(range(g.ndim)):
        before, after = widths[axis]
        pair = []
        for part in (slice(0, before), slice(g.shape[axis] - after, g.shape[axis])):
            index = (slice(None),) * axis + (part,)
            pair.append(np.where(covered[index], 0, g[index]).sum())
            covered[index] = True
        sums[axis] = np.stack(pair)
    total = np.stack(sums)                     # (ndim, 2), as np.pad broadcasts the values
    shape = np.shape(constant_values)
    total = total.sum(axis=tuple(range(2 - len(shape))))
    total = total.sum(axis=tuple(k for k, n in enumerate(shape) if n == 1), keepdims=True)
    if _is_array(constant_values):
        return total.reshape(shape)
    if not shape:
        return total.reshape(())[()]
    return _nested(total.reshape(shape))


def _nested(values):
    """A (nested) tuple of the scalars of array `values`."""
    return tuple(_nested(v) for v in values) if values.ndim > 1 else tuple(values)


def pad_tangent(t, array, pad_width, mode, tvalues):
    """The tangent of `np.pad(array, pad_width, mode, constant_values=...)` along `t` (of
    `array`) and `tvalues` (of the constant values)."""
    _check_pad_mode(mode)
    if is_zero(t):
        t = zeros_for(array) if _is_array(array) else np.zeros(_shape(array))
    if mode == "constant":
        return np.pad(t, pad_width, constant_values=0.0 if is_zero(tvalues) else tvalues)
    return np.pad(t, pad_width, mode)


def _diagonal_embed(g, a, offset, axis1, axis2):
    """Zeros like `a` with `g` (the shape of np.diagonal's result) on that diagonal."""
    shape = _shape(a)
    if g.__class__ is np.ndarray and a.__class__ is np.ndarray and g.ndim == 1 \
            and len(shape) == 2 and (axis1, axis2) == (0, 1):
        out = np.zeros(shape, np.result_type(g.dtype, _dtype(a)))   # (g * eye's type)
        rows = np.arange(max(0, -offset), max(0, -offset) + g.shape[0])
        out[rows, rows + offset] = g            # a matrix: g on its diagonal, by index
        return out
    n, m = shape[axis1], shape[axis2]
    eye = np.eye(n, m, k=offset, dtype=_dtype(a), like=a)
    if _is_array(g):
        first_row = max(0, -offset)
        pads = [(0, 0)] * (g.ndim - 1) + [(first_row, n - first_row - g.shape[-1])]
        g = np.pad(g, pads)[..., :, None]
    out = g * eye
    if out.ndim < len(shape):
        out = np.zeros_like(np.moveaxis(a, (axis1, axis2), (-2, -1))) + out
    return np.moveaxis(out, (-2, -1), (axis1, axis2))


def undiagonal(g, a, offset=0, axis1=0, axis2=1):
    """The adjoint of `np.diagonal(a, offset, axis1, axis2)`."""
    return _diagonal_embed(g, a, offset, axis1, axis2)


def untrace(g, a, offset=0, axis1=0, axis2=1):
    """The adjoint of `np.trace(a, offset, axis1, axis2)`."""
    shape = _shape(a)
    eye = np.eye(shape[axis1], shape[axis2], k=offset, dtype=_dtype(a), like=a)
    out = lift(g, 2) * eye
    if out.ndim < len(shape):
        out = np.zeros_like(np.moveaxis(a, (axis1, axis2), (-2, -1))) + out
    return np.moveaxis(out, (-2, -1), (axis1, axis2))


def undiag(g, v, k=0):
    """The adjoint of `np.diag(v, k)` (builds a matrix from a vector, or extracts one)."""
    if _ndim(v) == 1:
        return np.diagonal(g, k).copy()
    return _diagonal_embed(g, v, k, 0, 1)
