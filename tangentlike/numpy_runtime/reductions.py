"""Reductions: the adjoints and tangents of sums, products, extremes, cumulative sums,
means and weighted averages over axes.

Receives the primal array, the reduction's result, its axis and keepdims as given, and
adjoints (arrays, or numbers where the result was one).  The tangent helpers, which take
several derivatives (`tg`, `tweights`, ...), accept the zero sentinel `0.0` for each.
Writes none of its arguments.  Returns fresh arrays (or numbers for scalar arguments),
except that `average_weights` may return the weights as given or a view of them.
"""

import numpy as np

from .basics import _dtype, _is_array, _ndim, _shape, is_zero
from .broadcasting import axes_of, expand, sum_like


def count(a, axis=None):
    """How many elements of `a` each result of a reduction over `axis` combines."""
    shape = _shape(a)
    n = 1
    for ax in axes_of(axis, len(shape)):
        n *= shape[ax]
    return n


def extreme_weights(a, ans, axis=None, keepdims=False):
    """Weights of the elements of `a` equal to their group's extreme `ans`: ties share."""
    if not _is_array(a) and not isinstance(a, (list, tuple)):
        return 1.0
    chosen = (a == expand(ans, a, axis, keepdims)).astype(_dtype(a))
    return chosen / chosen.sum(axis=axis, keepdims=True)


def prod_others_tangent(a, t, axis=None):
    """The tangent along `t` of `prod_others(a, axis)`, exact where `a` has zeros."""
    if not _is_array(a):
        return 0.0
    keep = dict(axis=axis, keepdims=True)
    zero = a == 0
    safe = np.where(zero, 1, a).astype(a.dtype, copy=False)
    zeros = zero.sum(**keep)
    product = safe.prod(**keep)                       # of the non-zero entries
    ratio = np.where(zero, 0, t / safe)
    total = ratio.sum(**keep)                         # sum of t / a over non-zeros
    at_zeros = np.where(zero, t, 0).sum(**keep)       # sum of t over zeros
    off = (zeros == 0) * (product / safe) * (total - ratio) + (zeros == 1) * at_zeros \
        * product / safe
    on = (zeros == 1) * product * total + (zeros == 2) * (at_zeros - t) * product
    return np.where(zero, on, off)


def prod_others(a, axis=None):
    """For each element of `a`, the product of the other elements of its group."""
    if not _is_array(a):
        return 1.0
    if axis is None:
        return np.reshape(_exclusive_products(np.reshape(a, (-1,))), a.shape)
    axes = axes_of(axis, a.ndim)
    ends = tuple(range(a.ndim - len(axes), a.ndim))
    moved = np.moveaxis(a, axes, ends)
    merged = np.reshape(moved, moved.shape[:a.ndim - len(axes)] + (-1,))
    out = np.reshape(_exclusive_products(merged), moved.shape)
    return np.moveaxis(out, ends, axes)


def _exclusive_products(x):
    """Along the last axis: the product of all elements but the one in place (no division)."""
    ones = np.ones_like(x[..., :1])
    left = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)
    flipped = np.flip(x, -1)
    right = np.cumprod(np.concatenate([ones, flipped[..., :-1]], axis=-1), axis=-1)
    return left * np.flip(right, -1)


def reverse_cumsum(g, a, axis=None):
    """The adjoint of `np.cumsum(a, axis)`: sums of `g` from each position to the end."""
    if axis is None:
        return np.reshape(np.flip(np.cumsum(np.flip(np.reshape(g, (-1,))))), _shape(a))
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def cumulative_sum_adjoint(g, x, axis=None, include_initial=False):
    """The adjoint of `np.cumulative_sum`."""
    if axis is None:
        axis = 0
    out = np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)
    if include_initial:
        index = [slice(None)] * out.ndim
        index[axis] = slice(1, None)
        out = out[tuple(index)]
    return out


def centered(a, axis=None):
    """`a` minus its mean over `axis` (the mean kept broadcastable)."""
    return a - np.mean(a, axis=axis, keepdims=True)


def not_nan(a):
    """1 where `a` is a number, 0 where it is NaN, in `a`'s dtype."""
    return (a == a).astype(_dtype(a))


def average_weights(a, axis, weights):
    """`weights` shaped to broadcast against `a` (1-D weights lie along `axis`)."""
    if _ndim(weights) == _ndim(a) or axis is None:
        return weights
    shape = [1] * _ndim(a)
    shape[axes_of(axis, _ndim(a))[0]] = -1
    return np.reshape(weights, shape)


def average_adjoint(g, ans, a, axis, weights, keepdims):
    """The adjoint of `a` in `np.average(a, axis, weights)`."""
    w = average_weights(a, axis, weights)
    return np.zeros_like(a) + expand(g, a, axis, keepdims) * w / w.sum(axis=axis, keepdims=True)


def average_weights_adjoint(g, ans, a, axis, weights, keepdims):
    """The adjoint of `weights` in `np.average(a, axis, weights)`."""
    w = average_weights(a, axis, weights)
    share = expand(g, a, axis, keepdims) / w.sum(axis=axis, keepdims=True)
    full = np.zeros_like(a) + share * (a - expand(ans, a, axis, keepdims))
    return np.reshape(sum_like(full, w), _shape(weights))


def average_adjoint_tangent(g, a, axis, weights, keepdims, tg, tweights):
    """The tangent of `average_adjoint` (it depends on g and the weights)."""
    w = average_weights(a, axis, weights)
    total = w.sum(axis=axis, keepdims=True)
    out = 0.0 if is_zero(tg) else expand(tg, a, axis, keepdims) * w / total
    if not is_zero(tweights):
        tw = average_weights(a, axis, tweights)
        tw_total = tw.sum(axis=axis, keepdims=True)
        out = out + expand(g, a, axis, keepdims) * (tw - w * tw_total / total) / total
    return np.zeros_like(a) + out


def average_weights_adjoint_tangent(g, ans, a, axis, weights, keepdims, tg, tans, ta,
                                    tweights):
    """The tangent of `average_weights_adjoint` (it depends on g, ans, a and the weights)."""
    w = average_weights(a, axis, weights)
    total = w.sum(axis=axis, keepdims=True)
    share = expand(g, a, axis, keepdims) / total
    tshare = 0.0 if is_zero(tg) else expand(tg, a, axis, keepdims) / total
    if not is_zero(tweights):
        tshare = tshare - share * average_weights(a, axis, tweights).sum(
            axis=axis, keepdims=True) / total
    spread = a - expand(ans, a, axis, keepdims)
    tspread = (0.0 if is_zero(ta) else ta) - (0.0 if is_zero(tans) else
                                               expand(tans, a, axis, keepdims))
    full = np.zeros_like(a) + tshare * spread + share * tspread
    return np.reshape(sum_like(full, w), _shape(weights))


def average_tangent(ans, a, axis, weights, keepdims, da, dweights):
    """The tangent of `np.average(a, axis, weights)`."""
    w = average_weights(a, axis, weights)
    dw = average_weights(a, axis, dweights) if _is_array(dweights) else dweights
    total = w.sum(axis=axis, keepdims=True)
    out = ((da * w).sum(axis=axis, keepdims=True)
           + (dw * (a - expand(ans, a, axis, keepdims))).sum(axis=axis, keepdims=True)) / total
    return out if keepdims else np.squeeze(out, axis=axes_of(axis, _ndim(a)))
