"""Helpers that the NumPy rule templates (rules/numpy.py) call.  Not user API.

Receives values from generated code: primal arrays, results and adjoints, where
an adjoint may be the zero sentinel `0.0` (and the adjoint of a tuple result a
list whose items may be `0.0`).  Guarantees the same contract as runtime.py:
small functions, no AST imports, only operations NumPy dispatches on the
argument's type (array methods, `zeros_like`, `sum(axis=...)`, `np.add.at`,
`like=` when building a constant array), never `np.asarray`/`np.array` on user
values, and results that keep the inputs' floating dtype (float32 stays
float32).  Integer arguments (axes, shapes, repeats) are plain Python data and
may be converted freely.

The conventions at non-differentiable points are documented in
docs/conventions.md: ties share the adjoint equally, |x| has slope 0 at 0,
sorting follows the stable order.
"""

import math

import numpy as np

from .. import runtime as _tl

# The helpers below that write into their first argument (as runtime.py declares its own).
UPDATES_FIRST_ARGUMENT = frozenset({"add_at", "subtract_at"})


def _is_array(x):
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, (float, int))


def is_zero(b):
    """Whether `b` is the zero sentinel (a Python number equal to 0)."""
    return isinstance(b, (int, float)) and b == 0


def item(b, k):
    """`b[k]` for the adjoint of a tuple result, where `b` or `b[k]` may be zero."""
    return 0.0 if is_zero(b) else b[k]


def zeros_for(x):
    """A zero adjoint for array `x`: zeros of its shape, in its floating dtype (float for
    an integer array)."""
    if x.__class__ is np.ndarray:
        return np.zeros(x.shape, x.dtype if x.dtype.kind in "fc" else float)
    return np.zeros_like(x, dtype=_dtype(x))


def dense(b, like):
    """`b`, or zeros shaped like `like` when `b` is the zero sentinel."""
    return np.zeros_like(like) if is_zero(b) else b


def sign(x):
    """-1, 0 or 1 in x's type (0 at 0, the convention for |x| at 0), for Python numbers,
    NumPy scalars (whose comparisons give booleans that cannot be subtracted) and arrays."""
    if x.__class__ is float or x.__class__ is int:
        return (x > 0) - (x < 0)
    return np.sign(x)


def mT(x):
    """x with its last two axes swapped (the matrix transpose of a stack)."""
    return np.swapaxes(x, -1, -2)


def _ndim(a):
    return a.ndim if _is_array(a) else np.ndim(a)


def _shape(a):
    return a.shape if _is_array(a) else np.shape(a)


def _dtype(a):
    return a.dtype if _is_array(a) and a.dtype.kind in "fc" else np.dtype(float)


def astype(x, dtype, order="K", casting="unsafe", subok=True, copy=True):
    """`x.astype(dtype, ...)`, the function the method stands for (NumPy < 2.1 has no
    numpy.astype)."""
    return x.astype(dtype, order=order, casting=casting, subok=subok, copy=copy)


def cast_derivative(b, like):
    """A derivative `b` (maybe the sentinel) as the derivative of a value of `like`'s
    dtype: cast to it when that is a floating or complex dtype (a complex derivative of
    a real value keeps its real part), zero when `like` holds integers or booleans,
    which carry no derivative."""
    kind = np.result_type(like).kind
    if kind not in "fc":
        return 0.0
    if not _is_array(b):
        return b
    if kind == "f" and b.dtype.kind == "c":
        b = b.real
    return b.astype(np.result_type(like), copy=False)


# -- reductions ------------------------------------------------------------------------

def axes_of(axis, ndim):
    """`axis` (None, an int or a sequence) as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(int(ax) % ndim for ax in axis))
    return (int(axis) % ndim,)


def count(a, axis=None):
    """How many elements of `a` each result of a reduction over `axis` combines."""
    shape = _shape(a)
    n = 1
    for ax in axes_of(axis, len(shape)):
        n *= shape[ax]
    return n


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


BLOCK = 1 << 16       # most elements in a block: its temporaries stay in the CPU's caches


def in_blocks(function, args, blocked):
    """`function(*args)` for a function elementwise in the arrays `args[i]`, `i` in
    `blocked` (the gradient of a sum of elementwise terms): worked through in equal
    blocks of at most BLOCK elements when those are NumPy arrays of one shape, laid
    out in C order, larger than one block, so that the many temporaries of a block
    stay in cache instead of each making a pass over memory.  Any other arguments
    (Dask, CuPy, shapes that broadcast, small arrays) are passed through whole.  The
    result is the same to the bit."""
    arrays = [args[i] for i in blocked]
    first = arrays[0]
    if not all(a.__class__ is np.ndarray and a.flags.c_contiguous and a.shape == first.shape
               for a in arrays) or first.size <= BLOCK:
        return function(*args)
    step = math.ceil(first.size / math.ceil(first.size / BLOCK))    # equal blocks
    flat = [a.reshape(-1) for a in arrays]                      # views, no copies
    pieces = list(args)
    out = None
    for start in range(0, first.size, step):
        for i, a in zip(blocked, flat):
            pieces[i] = a[start:start + step]
        result = function(*pieces)
        if out is None:                  # (a number stands for an array of the arguments')
            out = np.empty(first.size, dtype=result.dtype if result.__class__ is np.ndarray
                           else np.result_type(result, first.dtype))
        out[start:start + step] = result
    return out.reshape(first.shape)


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


def _product_shape(a, b):
    """The shape of `a @ b`."""
    sa, sb = _shape(a), _shape(b)
    if len(sb) == 1:
        return sa[:-1]
    if len(sa) == 1:
        return sb[:-2] + sb[-1:]
    return np.broadcast_shapes(sa[:-2], sb[:-2]) + (sa[-2], sb[-1])


def matmul_adjoint_a(g, a, b):
    """The adjoint of `a` in `a @ b`; `g` may be broadcast wider than the product."""
    if g.__class__ is np.ndarray and a.__class__ is np.ndarray and b.__class__ is np.ndarray \
            and a.ndim == 2 and b.ndim == 2 and g.shape == (a.shape[0], b.shape[1]):
        return g @ b.T
    return _tl.matmul_adjoint_a(_tl.unbroadcast(g, _product_shape(a, b)), a, b)


def matmul_adjoint_b(g, a, b):
    """The adjoint of `b` in `a @ b`; `g` may be broadcast wider than the product."""
    if g.__class__ is np.ndarray and a.__class__ is np.ndarray and b.__class__ is np.ndarray \
            and a.ndim == 2 and b.ndim == 2 and g.shape == (a.shape[0], b.shape[1]):
        return a.T @ g
    return _tl.matmul_adjoint_b(_tl.unbroadcast(g, _product_shape(a, b)), a, b)


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


def nonzero(x):
    """`x` with zeros replaced by ones: a divisor for slopes that are 0 at a kink."""
    if _is_array(x):
        return np.where(x == 0, 1, x).astype(x.dtype, copy=False)
    return x if x != 0 else 1.0


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


# -- norms -----------------------------------------------------------------------------

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


# -- shape and layout --------------------------------------------------------------------

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


def unpack(g, obj):
    """The adjoint of `np.array(obj)`: `g` in the structure of `obj` (lists of adjoints)."""
    if isinstance(obj, (list, tuple)):
        if is_zero(g):
            return [unpack(0.0, part) for part in obj]
        return [unpack(g[k], part) for k, part in enumerate(obj)]
    if _is_array(obj):
        return np.zeros_like(obj) if is_zero(g) else np.reshape(g, obj.shape)
    return g


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


def _diagonal_embed(g, a, offset, axis1, axis2):
    """Zeros like `a` with `g` (the shape of np.diagonal's result) on that diagonal."""
    shape = _shape(a)
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


# -- selection and sorting -----------------------------------------------------------------

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


# -- products -------------------------------------------------------------------------------

def _dot_axes(a, b):
    """np.dot(a, b) contracts a's last axis with this axis of b."""
    return max(_ndim(b) - 2, 0)


def dot_adjoint_a(g, a, b):
    """The adjoint of `a` in `np.dot(a, b)`."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return sum_like(g * b, a) if _ndim(a) == 0 else g * b
    k = _dot_axes(a, b)
    b_free = [d for d in range(_ndim(b)) if d != k]
    g_b_part = list(range(_ndim(a) - 1, _ndim(g)))
    return np.tensordot(g, b, axes=(g_b_part, b_free))


def dot_adjoint_b(g, a, b):
    """The adjoint of `b` in `np.dot(a, b)`."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return sum_like(g * a, b) if _ndim(b) == 0 else g * a
    k = _dot_axes(a, b)
    lead = _ndim(a) - 1
    out = np.tensordot(a, g, axes=(list(range(lead)), list(range(lead))))
    return np.moveaxis(out, 0, k)


def inner_adjoint_a(g, a, b):
    """The adjoint of `a` in `np.inner(a, b)`."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return sum_like(g * b, a)
    nb = _ndim(b) - 1
    g_b_part = list(range(_ndim(g) - nb, _ndim(g)))
    return np.tensordot(g, b, axes=(g_b_part, list(range(nb))))


def inner_adjoint_b(g, a, b):
    """The adjoint of `b` in `np.inner(a, b)`."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return sum_like(g * a, b)
    na = _ndim(a) - 1
    g_a_part = list(range(na))
    out = np.tensordot(g, a, axes=(g_a_part, list(range(na))))
    return out


def _tensordot_axes(a, b, axes):
    if isinstance(axes, int):
        na = _ndim(a)
        return list(range(na - axes, na)), list(range(axes))
    axes_a, axes_b = axes
    axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    return [x % _ndim(a) for x in axes_a], [x % _ndim(b) for x in axes_b]


def tensordot_adjoint_a(g, a, b, axes=2):
    """The adjoint of `a` in `np.tensordot(a, b, axes)`."""
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    free_a = [d for d in range(_ndim(a)) if d not in axes_a]
    free_b = [d for d in range(_ndim(b)) if d not in axes_b]
    g_b_part = list(range(len(free_a), len(free_a) + len(free_b)))
    out = np.tensordot(g, b, axes=(g_b_part, free_b))
    # out's axes: a's free axes, then b's contracted axes in b's order
    layout = free_a + [axes_a[axes_b.index(d)] for d in sorted(axes_b)]
    return np.transpose(out, tuple(int(k) for k in np.argsort(layout)))


def tensordot_adjoint_b(g, a, b, axes=2):
    """The adjoint of `b` in `np.tensordot(a, b, axes)`."""
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    free_a = [d for d in range(_ndim(a)) if d not in axes_a]
    free_b = [d for d in range(_ndim(b)) if d not in axes_b]
    out = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
    # out's axes: a's contracted axes in a's order, then b's free axes
    layout = [axes_b[axes_a.index(d)] for d in sorted(axes_a)] + free_b
    return np.transpose(out, tuple(int(k) for k in np.argsort(layout)))


def kron_adjoint(g, a, b, which):
    """The adjoint of `a` (which=0) or `b` (which=1) in `np.kron(a, b)`."""
    sa, sb = tuple(_shape(a)), tuple(_shape(b))
    d = max(len(sa), len(sb))
    pa, pb = (1,) * (d - len(sa)) + sa, (1,) * (d - len(sb)) + sb
    gi = np.reshape(g, [n for pair in zip(pa, pb) for n in pair])
    letters = "abcdefghijklmnopqrstuvwxyz"
    sub_a = letters[:d]
    sub_b = letters[d:2 * d]
    sub_g = "".join(x + y for x, y in zip(sub_a, sub_b))
    if which == 0:
        out = np.einsum(f"{sub_g},{sub_b}->{sub_a}", gi, np.reshape(b, pb))
        return np.reshape(out, sa)
    out = np.einsum(f"{sub_g},{sub_a}->{sub_b}", gi, np.reshape(a, pa))
    return np.reshape(out, sb)


def product_rule(fn, args, tangents, **kwargs):
    """The tangent of `fn(*args, **kwargs)` for `fn` linear in each argument separately:
    the sum over the non-zero `tangents` of `fn` with that argument replaced by its tangent
    (`None` marks an argument that has none; forward mode passes `0.0` for a zero one)."""
    total = 0.0
    for k, t in enumerate(tangents):
        if t is None or is_zero(t):
            continue
        term = fn(*args[:k], t, *args[k + 1:], **kwargs)
        total = term if is_zero(total) else total + term
    return total


def kron_adjoint_tangent(g, a, b, which, tg, ta, tb):
    """The tangent of `kron_adjoint(g, a, b, which)`: linear in g and in the other factor."""
    tangents = (tg, None, tb) if which == 0 else (tg, ta, None)
    return product_rule(kron_adjoint, (g, a, b, which), tangents + (None,))


def einsum_adjoint_tangent(g, args, k, optimize, tg, targs):
    """The tangent of `einsum_adjoint(g, args, k, optimize)`: linear in `g` and in each
    operand other than the k-th."""
    args = _present(args)
    out = 0.0 if is_zero(tg) else einsum_adjoint(tg, args, k, optimize)
    for j in _einsum_operands(args):
        if j != k and j < len(targs) and not is_zero(targs[j]):
            replaced = list(args)
            replaced[j] = targs[j]
            term = einsum_adjoint(g, replaced, k, optimize)
            out = term if is_zero(out) else out + term
    return out


def lift(g, k):
    """`g` with `k` trailing axes of size 1 (scalars as they are)."""
    if not _is_array(g):
        return g
    return np.reshape(g, g.shape + (1,) * k)


def vecdot_adjoint(g, other, axis=-1):
    """The adjoint of one operand of `vecdot(x1, x2, axis)` (before unbroadcasting)."""
    return np.expand_dims(g, axis) * other if _is_array(g) else g * other


def matvec_adjoint_matrix(g, v):
    """The adjoint of the matrix in `matvec(A, v)`; also of `vecmat(v, A)` when transposed."""
    return lift(g, 1) * np.expand_dims(v, -2)


# -- einsum --------------------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse_einsum(subscripts, operands):
    """(input subscripts, output subscript) with '...' spelled out as letters."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        inputs, output = subscripts.split("->")
    else:
        inputs, output = subscripts, None
    inputs = inputs.split(",")
    used = set(subscripts) - set(".,->")
    spare = [c for c in _LETTERS if c not in used]
    ellipsis_dims = max((_ndim(op) - len(s.replace("...", "")) for s, op in
                         zip(inputs, operands) if "..." in s), default=0)
    fill = "".join(spare[:ellipsis_dims])
    expanded = []
    for s, op in zip(inputs, operands):
        if "..." in s:
            n = _ndim(op) - len(s.replace("...", ""))
            s = s.replace("...", fill[ellipsis_dims - n:])
        expanded.append(s)
    if output is None:
        letters = "".join(expanded)
        output = fill + "".join(sorted(c for c in set(letters) - set(fill)
                                       if letters.count(c) == 1))
    else:
        output = output.replace("...", fill)
    return expanded, output


def _einsum_operands(args):
    """The positions of the operands among einsum's positional arguments `args`, in
    either form: (subscripts, op, op, ...) or (op, sublist, op, sublist, ..., [output])."""
    if isinstance(args[0], str):
        return list(range(1, len(args)))
    return list(range(0, len(args) - 1, 2))


def _present(args):
    """`args` without the trailing Nones of the template's unused slots."""
    args = list(args)
    while args and args[-1] is None:
        args.pop()
    return args


def _subscripts(args):
    """(subscripts string, operands) for einsum's positional arguments in either form."""
    if isinstance(args[0], str):
        return args[0], list(args[1:])
    def letters(sublist):
        return "".join("..." if s is Ellipsis else _LETTERS[int(s)] for s in sublist)
    operands = list(args[0:len(args) - 1:2])
    inputs = ",".join(letters(s) for s in args[1::2][:len(operands)])
    return inputs + ("->" + letters(args[-1]) if len(args) % 2 else ""), operands


def einsum_adjoint(g, args, k, optimize=False):
    """The adjoint of positional argument `k` of `np.einsum(*args)` (an operand; either
    form of the call; None for the template's unused slots at the end)."""
    args = _present(args)
    positions = _einsum_operands(args)
    if k not in positions:
        return 0.0                   # the subscripts or a sublist
    subscripts, operands = _subscripts(args)
    k = positions.index(k)
    inputs, output = _parse_einsum(subscripts, operands)
    target = inputs[k]
    op = operands[k]
    shape = _shape(op)
    size = {c: n for c, n in zip(target, shape)}
    terms = [output] + [s for j, s in enumerate(inputs) if j != k]
    values = [g] + [x for j, x in enumerate(operands) if j != k]
    # repeated letters in the target (a diagonal): a fresh letter tied by an identity
    spare = iter(c for c in _LETTERS if c not in "".join(inputs) + output)
    written = ""
    for c in target:
        if c in written:
            fresh = next(spare)
            terms.append(c + fresh)
            values.append(np.eye(size[c], dtype=_dtype(op), like=op))
            written += fresh
        else:
            written += c
    scale = 1.0
    if not _is_array(g):             # a scalar result: scale at the end, keep the dtype
        scale, terms, values = g, terms[1:], values[1:]
    available = set("".join(terms))
    kept = "".join(c for c in written if c in available)
    out = np.einsum(",".join(terms) + "->" + kept, *values, optimize=optimize) * scale
    if kept != written:          # letters summed away in the primal come back broadcast
        out = np.expand_dims(out, tuple(i for i, c in enumerate(written) if c not in available))
        out = np.zeros_like(op) + out
    return out


def einsum_tangent(args, targs, optimize=False):
    """The tangent of `np.einsum(*args)` along `targs` (one per positional argument, 0.0
    where none): einsum is linear in each operand."""
    args = _present(args)
    total = 0.0
    for j in _einsum_operands(args):
        if j < len(targs) and not is_zero(targs[j]):
            replaced = list(args)
            replaced[j] = targs[j]
            term = np.einsum(*replaced, optimize=optimize)
            total = term if is_zero(total) else total + term
    return total


def einsum_tangent_tangent(args, targs, optimize, dargs, dtargs):
    """The tangent of `einsum_tangent(args, targs, optimize)` along (`dargs`, `dtargs`)."""
    out = einsum_tangent(args, dtargs, optimize)
    for j in _einsum_operands(_present(args)):
        if j < len(targs) and not is_zero(targs[j]):
            replaced = list(args)
            replaced[j] = targs[j]
            others = [0.0 if i == j else d for i, d in enumerate(dargs)]
            term = einsum_tangent(replaced, others, optimize)
            out = term if is_zero(out) else (out if is_zero(term) else out + term)
    return out


# -- linear algebra ------------------------------------------------------------------------

def solve_adjoint_a(gb, x, b):
    """The adjoint of `a` in `x = solve(a, b)` given the adjoint `gb` of `b`."""
    if _ndim(b) == 1:
        return -(gb[..., :, None] * x[..., None, :])
    return -(gb @ mT(x))


def triangle_gradient(s, lower=True):
    """The gradient with respect to the triangle NumPy reads, from a symmetric one `s`."""
    return np.tril(s) + np.tril(s, -1) if lower else np.triu(s) + np.triu(s, 1)


def symmetric_from_triangle(da, lower=True):
    """The symmetric matrix NumPy sees when it reads one triangle of `da`."""
    if lower:
        return np.tril(da) + mT(np.tril(da, -1))
    return np.triu(da) + mT(np.triu(da, 1))


def phi(x):
    """The lower triangle of `x` with its diagonal halved."""
    return (np.tril(x) + np.tril(x, -1)) * 0.5


def cholesky_adjoint(g, L, upper=False):
    """The adjoint of `a` in `np.linalg.cholesky(a, upper=upper)` (Murray 2016)."""
    if upper:
        L, g = mT(L), mT(g)
    lt = mT(L)
    p = phi(lt @ g)
    s = np.linalg.solve(lt, mT(np.linalg.solve(lt, mT(p))))      # L^-T p L^-1
    return triangle_gradient((s + mT(s)) * 0.5, lower=not upper)


def cholesky_tangent(L, da, upper=False):
    """The tangent of `np.linalg.cholesky(a, upper=upper)`."""
    sym = symmetric_from_triangle(da, lower=not upper)
    if upper:
        L = mT(L)
    inner = np.linalg.solve(L, mT(np.linalg.solve(L, sym)))          # L^-1 sym L^-T
    dl = L @ phi(inner)
    return mT(dl) if upper else dl


def gap_inverse(w):
    """F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it."""
    n = w.shape[-1]
    eye = np.eye(n, dtype=w.dtype, like=w)
    return (1 - eye) / (w[..., None, :] - w[..., :, None] + eye)


def eigh_adjoint(g, ans, UPLO="L"):
    """The adjoint of `a` in `w, v = np.linalg.eigh(a, UPLO)` (distinct eigenvalues)."""
    w, v = ans[0], ans[1]
    gw, gv = item(g, 0), item(g, 1)
    inner = 0.0
    if not is_zero(gw):
        inner = gw[..., :, None] * np.eye(w.shape[-1], dtype=w.dtype, like=w)
    if not is_zero(gv):
        inner = inner + gap_inverse(w) * (mT(v) @ gv)
    s = v @ inner @ mT(v) if _is_array(inner) else np.zeros_like(v)
    return triangle_gradient((s + mT(s)) * 0.5, lower=UPLO.upper() == "L")


def eigh_tangent(ans, da, UPLO="L"):
    """The tangent `(dw, dv)` of `np.linalg.eigh(a, UPLO)`."""
    w, v = ans[0], ans[1]
    p = mT(v) @ symmetric_from_triangle(da, lower=UPLO.upper() == "L") @ v
    return np.diagonal(p, axis1=-2, axis2=-1).copy(), v @ (gap_inverse(w) * p)


def eigvalsh_tangent(a, da, UPLO="L"):
    """The tangent of `np.linalg.eigvalsh(a, UPLO)`."""
    return eigh_tangent(np.linalg.eigh(a, UPLO), da, UPLO)[0]


def right_solve_transposed(x, r):
    """x @ inv(r).T."""
    return mT(np.linalg.solve(r, mT(x)))


def right_solve_transposed_tangent(x, r, y, tx, tr):
    """The tangent of `y = right_solve_transposed(x, r)`: (tx - y tr^T) r^-T."""
    t = 0.0 if is_zero(tx) else tx
    if not is_zero(tr):
        t = t - y @ mT(tr)
    return right_solve_transposed(t, r)


def qr_adjoint(g, ans, a, mode="reduced"):
    """The adjoint of `a` in `np.linalg.qr(a, mode)`, for a with at least as many rows."""
    if mode == "r":
        q, r = np.linalg.qr(a)
        gq, gr = np.zeros_like(q), dense(g, r)
    else:
        q, r = ans[0], ans[1]
        gq, gr = dense(item(g, 0), q), dense(item(g, 1), r)
    n = a.shape[-1]
    if a.shape[-2] < n:
        raise NotImplementedError("the derivative of np.linalg.qr is implemented for "
                                  "matrices with at least as many rows as columns")
    q, r, gq, gr = q[..., :, :n], r[..., :n, :], gq[..., :, :n], gr[..., :n, :]
    m = gr @ mT(r) - mT(q) @ gq
    sym = np.triu(m) + mT(np.triu(m, 1))
    return right_solve_transposed(gq + q @ sym, r)


def qr_tangent(ans, a, da, mode="reduced"):
    """The tangent of `np.linalg.qr(a, mode)` (`(dq, dr)`, or `dr` for mode 'r')."""
    q, r = np.linalg.qr(a) if mode == "r" else (ans[0], ans[1])
    n = a.shape[-1]
    q, r = q[..., :, :n], r[..., :n, :]
    c = mT(np.linalg.solve(mT(r), mT(mT(q) @ da)))       # q^T da r^-1
    lower = np.tril(c, -1)
    u = c - lower + mT(lower)
    dr = u @ r
    if mode == "r":
        return dr
    dq = mT(np.linalg.solve(mT(r), mT(da))) - q @ u
    if mode == "complete" and ans[0].shape[-1] > n:
        dq = np.concatenate([dq, np.zeros_like(ans[0][..., :, n:])], axis=-1)
        dr = np.concatenate([dr, np.zeros_like(ans[1][..., n:, :])], axis=-2)
    return dq, dr


def _svd_parts(ans, a, full_matrices, compute_uv):
    if not compute_uv:
        return np.linalg.svd(a, full_matrices=False)
    u, s, vh = ans[0], ans[1], ans[2]
    k = s.shape[-1]
    return u[..., :, :k], s, vh[..., :k, :]


def svd_adjoint(g, ans, a, full_matrices=True, compute_uv=True):
    """The adjoint of `a` in `np.linalg.svd` (distinct nonzero singular values)."""
    u, s, vh = _svd_parts(ans, a, full_matrices, compute_uv)
    if not compute_uv:
        return (u * g[..., None, :]) @ vh
    k = s.shape[-1]
    gu, gs, gvh = (dense(item(g, 0), ans[0])[..., :, :k], dense(item(g, 1), s),
                   dense(item(g, 2), ans[2])[..., :k, :])
    v, gv = mT(vh), mT(gvh)
    f = gap_inverse(s * s)
    utgu, vtgv = mT(u) @ gu, mT(v) @ gv
    inner = (f * (utgu - mT(utgu))) * s[..., None, :]
    inner = inner + gs[..., :, None] * np.eye(k, dtype=s.dtype, like=s)
    inner = inner + s[..., :, None] * (f * (vtgv - mT(vtgv)))
    out = u @ inner @ vh
    m, n = a.shape[-2], a.shape[-1]
    if m > k:
        out = out + (gu - u @ utgu) @ (vh / s[..., :, None])
    if n > k:
        out = out + (u / s[..., None, :]) @ mT(gv - v @ vtgv)
    return out


def svd_tangent(ans, a, da, full_matrices=True, compute_uv=True):
    """The tangent of `np.linalg.svd`: `(du, ds, dvh)`, or `ds` without compute_uv."""
    u, s, vh = _svd_parts(ans, a, full_matrices, compute_uv)
    v = mT(vh)
    p = mT(u) @ da @ v
    ds = np.diagonal(p, axis1=-2, axis2=-1).copy()
    if not compute_uv:
        return ds
    f = gap_inverse(s * s)
    sp, ps = s[..., :, None] * p, p * s[..., None, :]
    du = u @ (f * (ps + mT(ps)))
    dv = v @ (f * (sp + mT(sp)))
    m, n, k = a.shape[-2], a.shape[-1], s.shape[-1]
    if m > k:
        du = du + (da @ v - u @ p) / s[..., None, :]
    if n > k:
        dv = dv + (mT(da) @ u - v @ mT(p)) / s[..., None, :]
    if ans[0].shape[-1] > k:
        du = np.concatenate([du, np.zeros_like(ans[0][..., :, k:])], axis=-1)
    if ans[2].shape[-2] > k:
        dv = np.concatenate([dv, np.zeros_like(mT(ans[2][..., k:, :]))], axis=-1)
    return du, ds, mT(dv)


def matrix_power_adjoint(g, a, n):
    """The adjoint of `a` in `np.linalg.matrix_power(a, n)`."""
    if n < 0:
        inv = np.linalg.inv(a)
        gi = matrix_power_adjoint(g, inv, -n)
        return -(mT(inv) @ gi @ mT(inv))
    at = mT(a)
    powers = [None] * max(n, 1)
    if n == 0:
        return np.zeros_like(a)
    powers[0] = np.broadcast_to(np.eye(a.shape[-1], dtype=_dtype(a), like=a), a.shape)
    for k in range(1, n):
        powers[k] = powers[k - 1] @ at
    out = np.zeros_like(a)
    for k in range(n):
        out = out + powers[k] @ g @ powers[n - 1 - k]
    return out


def matrix_power_tangent(a, da, n):
    """The tangent of `np.linalg.matrix_power(a, n)`."""
    if n < 0:
        inv = np.linalg.inv(a)
        return matrix_power_tangent(inv, -(inv @ da @ inv), -n)
    if n == 0:
        return np.zeros_like(a)
    out = da
    power = a
    for _ in range(1, n):
        out = out @ a + power @ da
        power = power @ a
    return out


def slogdet_tangent(ans, a, da):
    """The tangent `(dsign, dlogabsdet)` of `np.linalg.slogdet(a)`."""
    return np.zeros_like(ans[0]), np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)


# -- elementwise -------------------------------------------------------------------------------

def log_base(x):
    """log(x) where x > 0, and 0 elsewhere: d(x ** y)/dy = x ** y * log_base(x)."""
    if _is_array(x):
        return np.log(np.where(x > 0, x, 1).astype(x.dtype, copy=False))
    return math.log(x) if x > 0 else 0.0


def sinc_slope(x, y):
    """d sinc(x) / dx = (cos(pi x) - sinc(x)) / x, and 0 at 0 (`y` is sinc(x))."""
    return np.where(x == 0, 0.0, (np.cos(np.pi * x) - y) / nonzero(x))


def sinc_slope_tangent(x, y, slope, tx, ty):
    """The tangent of `sinc_slope(x, y)` (-pi**2 / 3 times tx at 0)."""
    inner = (-np.pi * np.sin(np.pi * x) * tx - ty - slope * tx) / nonzero(x)
    return np.where(x == 0, (-np.pi ** 2 / 3) * tx, inner)


def imag_adjoint(g, x):
    """The adjoint of `x` in `np.imag(x)`: zero for real `x`."""
    if np.iscomplexobj(x):
        return -1j * g
    return np.zeros_like(x) if _is_array(x) else 0.0


def sum_where(g, mask, like):
    """The sum of `g` where `mask` holds, summed to the shape of `like` (a value that
    fills those places)."""
    return sum_like(np.where(mask, g, 0.0), like) if _ndim(like) else np.where(mask, g, 0.0).sum()


def nan_to_num_tangent(x, t, tnan, tposinf, tneginf):
    """The tangent of `np.nan_to_num(x, nan=..., posinf=..., neginf=...)`: `t` (x's)
    where `x` is finite, each replacement value's tangent where it replaced something."""
    out = zeros_for(x) if is_zero(t) else np.where(np.isfinite(x), t, 0.0)
    for replaced, tvalue in ((np.isnan, tnan), (np.isposinf, tposinf), (np.isneginf, tneginf)):
        if not is_zero(tvalue):
            out = np.where(replaced(x), out + tvalue, out)
    return out


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
