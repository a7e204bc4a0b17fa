"""NumPy's reductions, cumulative sums and products, and norms.

Each adjoint spreads `g` back over the reduced axes (`_ntl.expand`, `_ntl.unreduce`)
and weights it by the reduction's partial derivative; each tangent reduces the
tangent weighted the same way.  sum, mean, cumsum, cumulative_sum and the traces are
`linear`.  Conventions (docs/conventions.md): ties in max/min/amax/amin/nanmax/nanmin
and ptp, and in inf- and 1-norms, share the adjoint equally; prod is exact at zeros
(products of the other elements); std and the norms have slope 0 where the value is
0; NaNs get no adjoint from the nan-reductions; cumprod's domain has no zero entries.
np.all, np.any and np.count_nonzero are non-differentiable.  np.gradient (one scalar
spacing, or none) and np.diff (with prepend / append) are linear in their arrays.
"""

import numpy as np

from .. import numpy_runtime as _ntl
from .registry import adjoint, if_defined, linear, nondifferentiable, tangent


@linear(np.sum)
def sum_(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return _ntl.unreduce(g, a, axis, keepdims)


@linear(np.mean)
def mean(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return _ntl.unreduce(g, a, axis, keepdims) / _ntl.count(a, axis)


@adjoint(np.nansum)
def nansum(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return _ntl.expand(g, a, axis, keepdims) * _ntl.not_nan(a)


@tangent(np.nansum)
def nansum_t(ans, a, axis=None, dtype=None, out=None, keepdims=False, da=None):
    return np.sum(np.where(np.isnan(a), 0.0, da), axis=axis, keepdims=keepdims)


@adjoint(np.nanmean)
def nanmean(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    kept = _ntl.not_nan(a)
    return _ntl.expand(g, a, axis, keepdims) * kept / np.sum(kept, axis=axis, keepdims=True)


@tangent(np.nanmean)
def nanmean_t(ans, a, axis=None, dtype=None, out=None, keepdims=False, da=None):
    kept = _ntl.not_nan(a)
    return (np.sum(np.where(np.isnan(a), 0.0, da), axis=axis, keepdims=keepdims)
            / np.sum(kept, axis=axis, keepdims=keepdims))


@adjoint(np.prod)               # exact at zeros: products of the other elements
def prod(g, ans, a, axis=None, dtype=None, out=None, keepdims=False):
    return _ntl.expand(g, a, axis, keepdims) * _ntl.prod_others(a, axis)


@tangent(np.prod)
def prod_t(ans, a, axis=None, dtype=None, out=None, keepdims=False, da=None):
    return np.sum(da * _ntl.prod_others(a, axis), axis=axis, keepdims=keepdims)


@adjoint(np.max)                # ties share the adjoint equally
@adjoint(np.amax)
@adjoint(np.min)
@adjoint(np.amin)
@adjoint(np.nanmax)
@adjoint(np.nanmin)
def max_(g, ans, a, axis=None, out=None, keepdims=False):
    return _ntl.expand(g, a, axis, keepdims) * _ntl.extreme_weights(a, ans, axis, keepdims)


@tangent(np.max)
@tangent(np.amax)
@tangent(np.min)
@tangent(np.amin)
@tangent(np.nanmax)
@tangent(np.nanmin)
def max_t(ans, a, axis=None, out=None, keepdims=False, da=None):
    return np.sum(da * _ntl.extreme_weights(a, ans, axis, keepdims), axis=axis,
                  keepdims=keepdims)


@adjoint(np.ptp)
def ptp(g, ans, a, axis=None, out=None, keepdims=False):
    top = _ntl.extreme_weights(a, np.max(a, axis=axis, keepdims=True), axis, True)
    bottom = _ntl.extreme_weights(a, np.min(a, axis=axis, keepdims=True), axis, True)
    return _ntl.expand(g, a, axis, keepdims) * (top - bottom)


@tangent(np.ptp)
def ptp_t(ans, a, axis=None, out=None, keepdims=False, da=None):
    top = _ntl.extreme_weights(a, np.max(a, axis=axis, keepdims=True), axis, True)
    bottom = _ntl.extreme_weights(a, np.min(a, axis=axis, keepdims=True), axis, True)
    return np.sum(da * (top - bottom), axis=axis, keepdims=keepdims)


@adjoint(np.var)
def var(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return (_ntl.expand(g, a, axis, keepdims) * _ntl.centered(a, axis)
            * (2.0 / (_ntl.count(a, axis) - ddof)))


@tangent(np.var)
def var_t(ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, da=None):
    return (np.sum(da * _ntl.centered(a, axis), axis=axis, keepdims=keepdims)
            * (2.0 / (_ntl.count(a, axis) - ddof)))


@adjoint(np.std)                # slope 0 where the spread is 0
def std(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    return (_ntl.expand(g / _ntl.nonzero(ans), a, axis, keepdims) * _ntl.centered(a, axis)
            / (_ntl.count(a, axis) - ddof))


@tangent(np.std)
def std_t(ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, da=None):
    return (np.sum(da * _ntl.centered(a, axis), axis=axis, keepdims=keepdims)
            / (_ntl.nonzero(ans) * (_ntl.count(a, axis) - ddof)))


@linear(np.cumsum)
def cumsum(g, ans, a, axis=None, dtype=None, out=None):
    return _ntl.reverse_cumsum(g, a, axis)


@if_defined(linear, np, "cumulative_sum")
def cumulative_sum(g, ans, x, axis=None, dtype=None, out=None, include_initial=False):
    return _ntl.cumulative_sum_adjoint(g, x, axis, include_initial)


@adjoint(np.cumprod)            # domain: no zero entries
def cumprod(g, ans, a, axis=None, dtype=None, out=None):
    return _ntl.reverse_cumsum(g * ans, a, axis) / a


@tangent(np.cumprod)
def cumprod_t(ans, a, axis=None, dtype=None, out=None, da=None):
    return ans * np.cumsum(da / a, axis=axis)


@adjoint(np.average)
def average(g, ans, a, axis=None, weights=None, returned=False, keepdims=False):
    if weights is None:
        return _ntl.unreduce(g, a, axis, keepdims) / _ntl.count(a, axis), 0.0, 0.0
    return (_ntl.average_adjoint(g, ans, a, axis, weights, keepdims), 0.0,
            _ntl.average_weights_adjoint(g, ans, a, axis, weights, keepdims))


@tangent(np.average)
def average_t(ans, a, axis=None, weights=None, returned=False, keepdims=False, da=None,
              dweights=None):
    if weights is None:
        return np.mean(da, axis=axis, keepdims=keepdims)
    return _ntl.average_tangent(ans, a, axis, weights, keepdims, da, dweights)


@linear(np.trace)
def trace(g, ans, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    return _ntl.untrace(g, a, offset, axis1, axis2)


@if_defined(linear, np, "linalg.trace")
def linalg_trace(g, ans, x, offset=0, dtype=None):
    return _ntl.untrace(g, x, offset, -2, -1)


@adjoint(np.linalg.norm)        # slope 0 at the zero vector; ties share (inf/1 norms)
def norm(g, ans, x, ord=None, axis=None, keepdims=False):
    return _ntl.norm_adjoint(g, x, ans, ord, axis, keepdims)


@tangent(np.linalg.norm)
def norm_t(ans, x, ord=None, axis=None, keepdims=False, dx=None):
    return _ntl.norm_tangent(dx, x, ans, ord, axis, keepdims)


@if_defined(adjoint, np, "linalg.vector_norm")
def vector_norm(g, ans, x, axis=None, keepdims=False, ord=2):
    return _ntl.norm_adjoint(g, x, ans, ord, axis, keepdims, "vector")


@if_defined(tangent, np, "linalg.vector_norm")
def vector_norm_t(ans, x, axis=None, keepdims=False, ord=2, dx=None):
    return _ntl.norm_tangent(dx, x, ans, ord, axis, keepdims, "vector")


@if_defined(adjoint, np, "linalg.matrix_norm")
def matrix_norm(g, ans, x, keepdims=False, ord="fro"):
    return _ntl.norm_adjoint(g, x, ans, ord, (-2, -1), keepdims, "matrix")


@if_defined(tangent, np, "linalg.matrix_norm")
def matrix_norm_t(ans, x, keepdims=False, ord="fro", dx=None):
    return _ntl.norm_tangent(dx, x, ans, ord, (-2, -1), keepdims, "matrix")


nondifferentiable(np.all, np.any, np.count_nonzero)


# -- differences (numpy_runtime/differences.py) ------------------------------------------


@adjoint(np.gradient)            # one scalar spacing (or none); coordinates raise
def gradient(g, ans, f, *, axis=None, edge_order=1):
    return _ntl.ungradient(g, f, 1.0, axis, edge_order)


@tangent(np.gradient)
def gradient_t(ans, f, *, axis=None, edge_order=1, df=None):
    return np.gradient(df, axis=axis, edge_order=edge_order)


@adjoint(np.gradient)
def gradient_spacing(g, ans, f, spacing, *, axis=None, edge_order=1):
    return (_ntl.ungradient(g, f, spacing, axis, edge_order),
            _ntl.spacing_adjoint(g, ans, spacing))


@tangent(np.gradient)
def gradient_spacing_t(ans, f, spacing, *, axis=None, edge_order=1, df=None, dspacing=None):
    return _ntl.gradient_tangent(df, ans, spacing, dspacing, axis, edge_order)


@adjoint(np.diff)                # linear in a, prepend and append
def diff(g, ans, a, n=1, axis=-1, prepend=None, append=None):
    parts = _ntl.undiff(g, a, n, axis, prepend, append)
    return parts[0], 0.0, 0.0, parts[1], parts[2]


@tangent(np.diff)
def diff_t(ans, a, n=1, axis=-1, prepend=None, append=None, da=None, dprepend=None,
           dappend=None):
    return _ntl.diff_tangent(da, a, n, axis, prepend, append, dprepend, dappend)
