"""Differences and selections: the adjoints and tangents of np.gradient, np.diff,
np.select and np.partition.

Receives the primal arrays, the function's result and an adjoint or tangent, which may
be the zero sentinel `0.0` (for np.gradient of several axes, whose result is a tuple,
the adjoint may be a list with sentinel items; for np.select the tangents of the
choices may be the sentinel or a list holding it).  Writes none of its arguments;
returns fresh arrays.

np.gradient is linear in its array: `ungradient` applies the transpose of its finite
difference stencils (unit spacing; the rule divides by the spacing) along each axis,
edge_order 1 or 2.  np.diff is linear in the array and in `prepend` / `append`, which
are broadcast to the array's shape along the other axes as NumPy does.  np.select sends
each element's adjoint to the choice that supplied it (the first condition that holds)
or to the default.  np.partition moves elements: `partition_index` says where each
element of the result came from, matching equal values in the order they occur.
"""

import numpy as np

from ..errors import NoDerivativeError
from .basics import _shape, dense, is_zero, item
from .broadcasting import sum_like


def _axes(ndim, axis):
    if axis is None:
        return list(range(ndim))
    if isinstance(axis, (tuple, list)):
        return [a % ndim for a in axis]
    return [axis % ndim]


def _gradient_transpose(g, axis, edge_order):
    """The transpose of np.gradient's stencil (unit spacing) along `axis`, applied to g."""
    g = np.moveaxis(g, axis, 0)
    out = np.zeros_like(g)
    out[2:] += 0.5 * g[1:-1]                   # interior: (f[i + 1] - f[i - 1]) / 2
    out[:-2] -= 0.5 * g[1:-1]
    if edge_order == 1:                        # f[1] - f[0] and f[-1] - f[-2]
        out[1] += g[0]
        out[0] -= g[0]
        out[-1] += g[-1]
        out[-2] -= g[-1]
    else:                                      # (-3 f0 + 4 f1 - f2) / 2, mirrored at the end
        out[0] -= 1.5 * g[0]
        out[1] += 2.0 * g[0]
        out[2] -= 0.5 * g[0]
        out[-1] += 1.5 * g[-1]
        out[-2] -= 2.0 * g[-1]
        out[-3] += 0.5 * g[-1]
    return np.moveaxis(out, 0, axis)


def _uniform(spacing):
    """`spacing`, when it is one number for every axis (else NoDerivativeError)."""
    if np.ndim(spacing) != 0:
        raise NoDerivativeError(
            "np.gradient", reason="its spacing is given by coordinates; tangentlike "
            "differentiates np.gradient with one scalar spacing for every axis",
            hint="pass a scalar spacing, or write the differences out with slices")
    return spacing


def ungradient(g, f, spacing=1.0, axis=None, edge_order=1):
    """The adjoint of `f` in np.gradient(f, spacing, axis=axis, edge_order=edge_order)
    with one scalar spacing: the transposed stencils of each axis's part of `g` (a list
    when the result is a tuple), summed, over the spacing."""
    spacing = _uniform(spacing)
    axes = _axes(len(_shape(f)), axis)
    parts = [g] if len(axes) == 1 else [item(g, k) for k in range(len(axes))]
    total = np.zeros_like(f, dtype=np.result_type(f, 1.0))
    for part, a in zip(parts, axes):
        if not is_zero(part):
            total = total + _gradient_transpose(part, a, edge_order)
    return total / spacing


def ungradient_tangent(dg, f, spacing, axis, edge_order, out, dspacing):
    """The tangent of `out = ungradient(g, f, spacing, axis, edge_order)`: linear in g,
    and proportional to 1 / spacing."""
    total = np.zeros_like(out) if is_zero(dg) else ungradient(dg, f, spacing, axis, edge_order)
    if not is_zero(dspacing):
        total = total - out * (dspacing / spacing)
    return total


def spacing_adjoint(g, ans, spacing):
    """The adjoint of a scalar spacing h in np.gradient: the result is proportional to
    1 / h, so each part contributes -sum(g * part) / h."""
    if is_zero(g):
        return 0.0
    parts = list(zip(g, ans)) if isinstance(ans, (tuple, list)) else [(g, ans)]
    total = 0.0
    for gk, part in parts:
        if not is_zero(gk):
            total = total - np.sum(gk * part)
    return total / spacing


def spacing_adjoint_tangent(g, ans, spacing, dg, dans, dspacing, out):
    """The tangent of `out = spacing_adjoint(g, ans, spacing)`, -sum(g * ans) / spacing."""
    total = 0.0
    if not is_zero(dg):
        total = total + spacing_adjoint(dg, ans, spacing)
    if not is_zero(dans):
        total = total + spacing_adjoint(g, dans, spacing)
    if not is_zero(dspacing):
        total = total - out * (dspacing / spacing)
    return total


def gradient_tangent(df, ans, spacing, dspacing, axis=None, edge_order=1):
    """The tangent of np.gradient(f, spacing, axis=..., edge_order=...): the gradient of
    the tangent, less ans * dspacing / spacing (a tuple when the result is one)."""
    spacing = _uniform(spacing)
    if is_zero(df):
        out = [np.zeros_like(part) for part in ans] if isinstance(ans, (tuple, list)) \
            else np.zeros_like(ans)
    else:
        out = np.gradient(df, spacing, axis=axis, edge_order=edge_order)
    if not is_zero(dspacing):
        if isinstance(ans, (tuple, list)):
            out = [o - part * (dspacing / spacing) for o, part in zip(out, ans)]
        else:
            out = out - ans * (dspacing / spacing)
    return tuple(out) if isinstance(ans, (tuple, list)) else out


def _ends(a, axis, value):
    """`value` (prepend or append) as NumPy joins it to `a`: broadcast to a's shape with
    one element along `axis` when it is 0-dimensional."""
    if np.ndim(value) == 0:
        shape = list(_shape(a))
        shape[axis] = 1
        return np.broadcast_to(value, shape)
    return value


def undiff(g, a, n=1, axis=-1, prepend=None, append=None):
    """The adjoints of (a, prepend, append) in np.diff(a, n, axis, prepend, append): the
    transposed difference applied n times to g, split into the pieces NumPy joined (a
    0-dimensional prepend or append, broadcast by NumPy, gets the sum of its piece)."""
    if is_zero(g):
        return np.zeros_like(a, dtype=np.result_type(a, 1.0)), 0.0, 0.0
    axis = axis % len(_shape(a))
    out = g
    for _ in range(n):                          # the transpose of x[1:] - x[:-1]
        zero = np.zeros_like(np.take(out, [0], axis=axis))
        out = np.concatenate([zero, out], axis=axis) - np.concatenate([out, zero], axis=axis)
    lengths = [_shape(_ends(a, axis, p))[axis] if p is not None else 0
               for p in (prepend, a)]
    first, middle, last = np.split(out, np.cumsum(lengths), axis=axis)
    return middle, _end_adjoint(first, prepend), _end_adjoint(last, append)


def _end_adjoint(part, value):
    if value is None:
        return 0.0
    return np.sum(part) if np.ndim(value) == 0 else part


def diff_tangent(da, a, n=1, axis=-1, prepend=None, append=None, dprepend=0.0, dappend=0.0):
    """The tangent of np.diff: np.diff of the tangents (each may be the sentinel)."""
    da = dense(da, a) if np.ndim(a) else da
    ends = {}
    if prepend is not None:
        ends["prepend"] = _ends(a, axis % np.ndim(a), dense(dprepend, prepend)
                                if np.ndim(prepend) else dprepend)
    if append is not None:
        ends["append"] = _ends(a, axis % np.ndim(a), dense(dappend, append)
                               if np.ndim(append) else dappend)
    return np.diff(da, n, axis, **ends)


def _chosen(condlist, count):
    """Masks of where each choice (and, last, the default) supplies np.select's result."""
    taken = None
    masks = []
    for condition in condlist[:count]:
        mask = condition if taken is None else condition & ~taken
        masks.append(mask)
        taken = mask if taken is None else taken | mask
    masks.append(~taken)
    return masks


def unselect(g, condlist, choicelist, default=0):
    """The adjoints of (choicelist, default) in np.select(condlist, choicelist, default):
    a list, one per choice, and the default's, each summed to its operand's shape."""
    masks = _chosen(list(condlist), len(choicelist))
    operands = list(choicelist) + [default]
    if is_zero(g):
        return [0.0] * len(choicelist), 0.0
    out = [sum_like(np.where(mask, g, 0.0), operand) for mask, operand in zip(masks, operands)]
    return out[:-1], out[-1]


def select_tangent(ans, condlist, dchoicelist, ddefault=0.0):
    """The tangent of np.select: np.select over the tangents (sentinels as zeros)."""
    choices = [0.0] * len(condlist) if is_zero(dchoicelist) else list(dchoicelist)
    return np.zeros_like(ans) + np.select(list(condlist), choices, ddefault)


def partition_index(a, ans, axis=-1):
    """Indices `idx` with np.take_along_axis(a, idx, axis) equal to `ans`, a permutation
    of `a` along `axis` (a flattened when axis is None): equal values are matched in the
    order they occur, the k-th of them in `ans` to the k-th in `a`."""
    if axis is None:
        a, ans, axis = np.reshape(a, (-1,)), np.reshape(ans, (-1,)), 0
    by_value = np.argsort(a, axis=axis, kind="stable")
    where_in_ans = np.argsort(ans, axis=axis, kind="stable")
    idx = np.empty_like(by_value)
    np.put_along_axis(idx, where_in_ans, by_value, axis=axis)
    return idx
