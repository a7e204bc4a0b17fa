"""Rules for NumPy: one entry per callable, adjoint and tangent side by side.

Read it like a table.  Each adjoint template's parameters after `(g, ans)`
mirror the NumPy function's own (defaults included), so positional and keyword
calls bind as NumPy binds them; it returns one contribution per differentiable
parameter (the leading ones).  Each tangent template takes `ans`, the same
parameters and `d<param>` for the differentiable ones.  Linear callables
(`linear`) declare only their transpose; their tangent is the callable applied
to the tangents.  Elementwise binary rules are `broadcasts=True`: the
transformer reduces their contributions to each operand's shape.

Helpers too long to inline live in tangentlike/numpy_runtime.py (`_ntl`).
Conventions at non-differentiable points (docs/conventions.md): |x| and
sign-like kinks have slope 0 at 0; ties in maximum/minimum/fmax/fmin and in
max/min/amax/amin/ptp/nanmax/nanmin and inf-norms share the adjoint equally;
`clip` passes the adjoint strictly inside the bounds and to the bound that
binds otherwise; `sort` follows the stable order; rounding, comparisons and
index-valued functions are non-differentiable (derivative 0).
"""

import numpy as np

from .. import numpy_runtime as _ntl
from .registry import adjoint, linear, nondifferentiable, tangent


def _numpy2(declare, path, **flags):
    """`declare(np.<path>, **flags)`, or no registration on a NumPy without `path`."""
    fn = np
    for part in path.split("."):
        fn = getattr(fn, part, None)
    return declare(fn, **flags) if fn is not None else (lambda template: template)


# -- elementwise, one argument ----------------------------------------------------------


@adjoint(np.exp)
def exp(g, ans, x):
    return g * ans


@tangent(np.exp)
def exp_t(ans, x, dx):
    return dx * ans


@adjoint(np.expm1)
def expm1(g, ans, x):
    return g * (ans + 1.0)


@tangent(np.expm1)
def expm1_t(ans, x, dx):
    return dx * (ans + 1.0)


@adjoint(np.exp2)
def exp2(g, ans, x):
    return g * ans * 0.6931471805599453


@tangent(np.exp2)
def exp2_t(ans, x, dx):
    return dx * ans * 0.6931471805599453


@adjoint(np.log)
def log(g, ans, x):
    return g / x


@tangent(np.log)
def log_t(ans, x, dx):
    return dx / x


@adjoint(np.log1p)
def log1p(g, ans, x):
    return g / (x + 1.0)


@tangent(np.log1p)
def log1p_t(ans, x, dx):
    return dx / (x + 1.0)


@adjoint(np.log2)
def log2(g, ans, x):
    return g / (x * 0.6931471805599453)


@tangent(np.log2)
def log2_t(ans, x, dx):
    return dx / (x * 0.6931471805599453)


@adjoint(np.log10)
def log10(g, ans, x):
    return g / (x * 2.302585092994046)


@tangent(np.log10)
def log10_t(ans, x, dx):
    return dx / (x * 2.302585092994046)


@adjoint(np.sqrt)
def sqrt(g, ans, x):
    return g * 0.5 / ans


@tangent(np.sqrt)
def sqrt_t(ans, x, dx):
    return dx * 0.5 / ans


@adjoint(np.cbrt)
def cbrt(g, ans, x):
    return g / (3.0 * ans * ans)


@tangent(np.cbrt)
def cbrt_t(ans, x, dx):
    return dx / (3.0 * ans * ans)


@adjoint(np.square)
def square(g, ans, x):
    return g * 2.0 * x


@tangent(np.square)
def square_t(ans, x, dx):
    return dx * 2.0 * x


@adjoint(np.reciprocal)
def reciprocal(g, ans, x):
    return -g * ans * ans


@tangent(np.reciprocal)
def reciprocal_t(ans, x, dx):
    return -dx * ans * ans


@adjoint(np.sin)
def sin(g, ans, x):
    return g * np.cos(x)


@tangent(np.sin)
def sin_t(ans, x, dx):
    return dx * np.cos(x)


@adjoint(np.cos)
def cos(g, ans, x):
    return -g * np.sin(x)


@tangent(np.cos)
def cos_t(ans, x, dx):
    return -dx * np.sin(x)


@adjoint(np.tan)
def tan(g, ans, x):
    return g * (1.0 + ans * ans)


@tangent(np.tan)
def tan_t(ans, x, dx):
    return dx * (1.0 + ans * ans)


@adjoint(np.arcsin)
def arcsin(g, ans, x):
    return g / np.sqrt(1.0 - x * x)


@tangent(np.arcsin)
def arcsin_t(ans, x, dx):
    return dx / np.sqrt(1.0 - x * x)


@adjoint(np.arccos)
def arccos(g, ans, x):
    return -g / np.sqrt(1.0 - x * x)


@tangent(np.arccos)
def arccos_t(ans, x, dx):
    return -dx / np.sqrt(1.0 - x * x)


@adjoint(np.arctan)
def arctan(g, ans, x):
    return g / (1.0 + x * x)


@tangent(np.arctan)
def arctan_t(ans, x, dx):
    return dx / (1.0 + x * x)


@adjoint(np.sinh)
def sinh(g, ans, x):
    return g * np.cosh(x)


@tangent(np.sinh)
def sinh_t(ans, x, dx):
    return dx * np.cosh(x)


@adjoint(np.cosh)
def cosh(g, ans, x):
    return g * np.sinh(x)


@tangent(np.cosh)
def cosh_t(ans, x, dx):
    return dx * np.sinh(x)


@adjoint(np.tanh)
def tanh(g, ans, x):
    return g * (1.0 - ans * ans)


@tangent(np.tanh)
def tanh_t(ans, x, dx):
    return dx * (1.0 - ans * ans)


@adjoint(np.arcsinh)
def arcsinh(g, ans, x):
    return g / np.sqrt(x * x + 1.0)


@tangent(np.arcsinh)
def arcsinh_t(ans, x, dx):
    return dx / np.sqrt(x * x + 1.0)


@adjoint(np.arccosh)
def arccosh(g, ans, x):
    return g / np.sqrt(x * x - 1.0)


@tangent(np.arccosh)
def arccosh_t(ans, x, dx):
    return dx / np.sqrt(x * x - 1.0)


@adjoint(np.arctanh)
def arctanh(g, ans, x):
    return g / (1.0 - x * x)


@tangent(np.arctanh)
def arctanh_t(ans, x, dx):
    return dx / (1.0 - x * x)


@adjoint(np.absolute)          # np.abs is np.absolute; slope 0 at 0
def absolute(g, ans, x):
    return g * np.sign(x)


@tangent(np.absolute)
def absolute_t(ans, x, dx):
    return dx * np.sign(x)


@adjoint(np.fabs)
def fabs(g, ans, x):
    return g * np.sign(x)


@tangent(np.fabs)
def fabs_t(ans, x, dx):
    return dx * np.sign(x)


@linear(np.negative)
def negative(g, ans, x):
    return -g


@linear(np.positive)
def positive(g, ans, x):
    return g


@linear(np.deg2rad)
def deg2rad(g, ans, x):
    return g * 0.017453292519943295


@linear(np.radians)
def radians(g, ans, x):
    return g * 0.017453292519943295


@linear(np.rad2deg)
def rad2deg(g, ans, x):
    return g * 57.29577951308232


@linear(np.degrees)
def degrees(g, ans, x):
    return g * 57.29577951308232


@adjoint(np.sinc)
def sinc(g, ans, x):
    return g * _ntl.sinc_slope(x, ans)


@tangent(np.sinc)
def sinc_t(ans, x, dx):
    return dx * _ntl.sinc_slope(x, ans)


@linear(np.real)
def real(g, ans, val):
    return g


@linear(np.imag)
def imag(g, ans, val):
    return _ntl.imag_adjoint(g, val)


@linear(np.conjugate)          # np.conj is np.conjugate
def conjugate(g, ans, x):
    return np.conjugate(g)


@adjoint(np.nan_to_num)          # the replacement values fill the NaNs and infinities
def nan_to_num(g, ans, x, copy=True, nan=0.0, posinf=None, neginf=None):
    return (np.where(np.isfinite(x), g, 0.0), 0.0, _ntl.sum_where(g, np.isnan(x), nan),
            _ntl.sum_where(g, np.isposinf(x), posinf), _ntl.sum_where(g, np.isneginf(x), neginf))


@tangent(np.nan_to_num)
def nan_to_num_t(ans, x, copy=True, nan=0.0, posinf=None, neginf=None, dx=None, dnan=None,
                 dposinf=None, dneginf=None):
    return _ntl.nan_to_num_tangent(x, dx, dnan, dposinf, dneginf)


# -- elementwise, two arguments (broadcasting) ---------------------------------------------


@linear(np.add, broadcasts=True)
def add(g, ans, x1, x2):
    return g, g


@linear(np.subtract, broadcasts=True)
def subtract(g, ans, x1, x2):
    return g, -g


@adjoint(np.multiply, broadcasts=True)
def multiply(g, ans, x1, x2):
    return g * x2, g * x1


@tangent(np.multiply, broadcasts=True)
def multiply_t(ans, x1, x2, dx1, dx2):
    return dx1 * x2 + x1 * dx2


@adjoint(np.divide, broadcasts=True)          # np.true_divide is np.divide
def divide(g, ans, x1, x2):
    return g / x2, -g * ans / x2


@tangent(np.divide, broadcasts=True)
def divide_t(ans, x1, x2, dx1, dx2):
    return (dx1 - ans * dx2) / x2


@adjoint(np.power, broadcasts=True)           # d/dx2 is 0 where x1 <= 0
def power(g, ans, x1, x2):
    return g * x2 * x1 ** (x2 - 1), g * ans * _ntl.log_base(x1)


@tangent(np.power, broadcasts=True)
def power_t(ans, x1, x2, dx1, dx2):
    return dx1 * x2 * x1 ** (x2 - 1) + dx2 * ans * _ntl.log_base(x1)


@adjoint(np.float_power, broadcasts=True)
def float_power(g, ans, x1, x2):
    return (g * x2 * np.float_power(x1, x2 - 1),
            g * ans * _ntl.log_base(x1))


@tangent(np.float_power, broadcasts=True)
def float_power_t(ans, x1, x2, dx1, dx2):
    return (dx1 * x2 * np.float_power(x1, x2 - 1)
            + dx2 * ans * _ntl.log_base(x1))


@adjoint(np.maximum, broadcasts=True)         # ties: half to each
def maximum(g, ans, x1, x2):
    return (np.where(x1 == x2, 0.5 * g, g * (x1 > x2)),
            np.where(x1 == x2, 0.5 * g, g * (x1 < x2)))


@tangent(np.maximum, broadcasts=True)
def maximum_t(ans, x1, x2, dx1, dx2):
    return np.where(x1 == x2, 0.5 * (dx1 + dx2), np.where(x1 > x2, dx1, dx2))


@adjoint(np.minimum, broadcasts=True)
def minimum(g, ans, x1, x2):
    return (np.where(x1 == x2, 0.5 * g, g * (x1 < x2)),
            np.where(x1 == x2, 0.5 * g, g * (x1 > x2)))


@tangent(np.minimum, broadcasts=True)
def minimum_t(ans, x1, x2, dx1, dx2):
    return np.where(x1 == x2, 0.5 * (dx1 + dx2), np.where(x1 < x2, dx1, dx2))


@adjoint(np.fmax, broadcasts=True)            # a NaN operand loses
def fmax(g, ans, x1, x2):
    return (np.where(x1 == x2, 0.5 * g, g * ((x1 > x2) | np.isnan(x2))),
            np.where(x1 == x2, 0.5 * g, g * ((x1 < x2) | np.isnan(x1))))


@tangent(np.fmax, broadcasts=True)
def fmax_t(ans, x1, x2, dx1, dx2):
    return np.where(x1 == x2, 0.5 * (dx1 + dx2),
                    np.where((x1 > x2) | np.isnan(x2), dx1, dx2))


@adjoint(np.fmin, broadcasts=True)
def fmin(g, ans, x1, x2):
    return (np.where(x1 == x2, 0.5 * g, g * ((x1 < x2) | np.isnan(x2))),
            np.where(x1 == x2, 0.5 * g, g * ((x1 > x2) | np.isnan(x1))))


@tangent(np.fmin, broadcasts=True)
def fmin_t(ans, x1, x2, dx1, dx2):
    return np.where(x1 == x2, 0.5 * (dx1 + dx2),
                    np.where((x1 < x2) | np.isnan(x2), dx1, dx2))


@adjoint(np.hypot, broadcasts=True)           # slope 0 at (0, 0)
def hypot(g, ans, x1, x2):
    return g * x1 / _ntl.nonzero(ans), g * x2 / _ntl.nonzero(ans)


@tangent(np.hypot, broadcasts=True)
def hypot_t(ans, x1, x2, dx1, dx2):
    return (dx1 * x1 + dx2 * x2) / _ntl.nonzero(ans)


@adjoint(np.arctan2, broadcasts=True)
def arctan2(g, ans, x1, x2):
    r2 = x1 * x1 + x2 * x2
    return g * x2 / r2, -g * x1 / r2


@tangent(np.arctan2, broadcasts=True)
def arctan2_t(ans, x1, x2, dx1, dx2):
    return (dx1 * x2 - dx2 * x1) / (x1 * x1 + x2 * x2)


@adjoint(np.logaddexp, broadcasts=True)
def logaddexp(g, ans, x1, x2):
    return g * np.exp(x1 - ans), g * np.exp(x2 - ans)


@tangent(np.logaddexp, broadcasts=True)
def logaddexp_t(ans, x1, x2, dx1, dx2):
    return dx1 * np.exp(x1 - ans) + dx2 * np.exp(x2 - ans)


@adjoint(np.logaddexp2, broadcasts=True)
def logaddexp2(g, ans, x1, x2):
    return g * np.exp2(x1 - ans), g * np.exp2(x2 - ans)


@tangent(np.logaddexp2, broadcasts=True)
def logaddexp2_t(ans, x1, x2, dx1, dx2):
    return dx1 * np.exp2(x1 - ans) + dx2 * np.exp2(x2 - ans)


@adjoint(np.remainder, broadcasts=True)       # np.mod is np.remainder; like Python's %
def remainder(g, ans, x1, x2):
    return g, -g * np.floor(x1 / x2)


@tangent(np.remainder, broadcasts=True)
def remainder_t(ans, x1, x2, dx1, dx2):
    return dx1 - dx2 * np.floor(x1 / x2)


@adjoint(np.fmod, broadcasts=True)
def fmod(g, ans, x1, x2):
    return g, -g * np.trunc(x1 / x2)


@tangent(np.fmod, broadcasts=True)
def fmod_t(ans, x1, x2, dx1, dx2):
    return dx1 - dx2 * np.trunc(x1 / x2)


@adjoint(np.copysign, broadcasts=True)        # |x1| with x2's sign: x2 only picks it
def copysign(g, ans, x1, x2):
    return g * _ntl.sign(x1) * np.copysign(1.0, x2)


@tangent(np.copysign, broadcasts=True)
def copysign_t(ans, x1, x2, dx1):
    return dx1 * _ntl.sign(x1) * np.copysign(1.0, x2)


@adjoint(np.heaviside, broadcasts=True)       # a step in x1; x2 is the value at x1 == 0
def heaviside(g, ans, x1, x2):
    return 0.0, np.where(x1 == 0, g, 0.0)


@tangent(np.heaviside, broadcasts=True)
def heaviside_t(ans, x1, x2, dx2):
    return np.where(x1 == 0, dx2, np.zeros_like(ans))


@linear(np.ldexp, broadcasts=True)
def ldexp(g, ans, x1, x2):
    return np.ldexp(g, x2)


@adjoint(np.clip, broadcasts=True)    # inside the bounds to a, else to the bound that binds
def clip(g, ans, a, a_min=None, a_max=None):
    if a_min is None:
        return np.where(a < a_max, g, 0.0), 0.0, np.where(a < a_max, 0.0, g)
    if a_max is None:
        return np.where(a > a_min, g, 0.0), np.where(a > a_min, 0.0, g), 0.0
    high = np.maximum(a, a_min) >= a_max
    low = (a <= a_min) & ~high
    return np.where(low | high, 0.0, g), np.where(low, g, 0.0), np.where(high, g, 0.0)


@tangent(np.clip, broadcasts=True)
def clip_t(ans, a, a_min=None, a_max=None, da=None, da_min=None, da_max=None):
    if a_min is None:
        return np.where(a < a_max, da, da_max)
    if a_max is None:
        return np.where(a > a_min, da, da_min)
    high = np.maximum(a, a_min) >= a_max
    return np.where(high, da_max, np.where(a <= a_min, da_min, da))


@adjoint(np.where, broadcasts=True)   # the condition is not differentiated
def where(g, ans, condition, x, y):
    return 0.0, np.where(condition, g, 0.0), np.where(condition, 0.0, g)


@tangent(np.where, broadcasts=True)
def where_t(ans, condition, x, y, dx, dy):
    return np.where(condition, dx, dy)


# -- reductions -----------------------------------------------------------------------------


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


@_numpy2(linear, "cumulative_sum")
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


@_numpy2(linear, "linalg.trace")
def linalg_trace(g, ans, x, offset=0, dtype=None):
    return _ntl.untrace(g, x, offset, -2, -1)


@adjoint(np.linalg.norm)        # slope 0 at the zero vector; ties share (inf/1 norms)
def norm(g, ans, x, ord=None, axis=None, keepdims=False):
    return _ntl.norm_adjoint(g, x, ans, ord, axis, keepdims)


@tangent(np.linalg.norm)
def norm_t(ans, x, ord=None, axis=None, keepdims=False, dx=None):
    return _ntl.norm_tangent(dx, x, ans, ord, axis, keepdims)


@_numpy2(adjoint, "linalg.vector_norm")
def vector_norm(g, ans, x, axis=None, keepdims=False, ord=2):
    return _ntl.norm_adjoint(g, x, ans, ord, axis, keepdims, "vector")


@_numpy2(tangent, "linalg.vector_norm")
def vector_norm_t(ans, x, axis=None, keepdims=False, ord=2, dx=None):
    return _ntl.norm_tangent(dx, x, ans, ord, axis, keepdims, "vector")


@_numpy2(adjoint, "linalg.matrix_norm")
def matrix_norm(g, ans, x, keepdims=False, ord="fro"):
    return _ntl.norm_adjoint(g, x, ans, ord, (-2, -1), keepdims, "matrix")


@_numpy2(tangent, "linalg.matrix_norm")
def matrix_norm_t(ans, x, keepdims=False, ord="fro", dx=None):
    return _ntl.norm_tangent(dx, x, ans, ord, (-2, -1), keepdims, "matrix")


# -- shape and layout (all linear) -------------------------------------------------------------


@linear(np.reshape)
def reshape(g, ans, a, shape, order="C"):
    return np.reshape(g, np.shape(a), order=order)


@linear(np.ravel)
def ravel(g, ans, a, order="C"):
    return np.reshape(g, np.shape(a), order=order)


@linear(np.copy)
def copy(g, ans, a, order="K", subok=False):
    return g


@adjoint(_ntl.astype)               # x.astype(dtype): the derivative cast back to x's dtype
def astype(g, ans, x, dtype, order="K", casting="unsafe", subok=True, copy=True):
    return _ntl.cast_derivative(_ntl.cast_derivative(g, ans), x)


@tangent(_ntl.astype)
def astype_t(ans, x, dtype, order="K", casting="unsafe", subok=True, copy=True, dx=None):
    return _ntl.cast_derivative(_ntl.cast_derivative(dx, x), ans)


@linear(np.transpose)            # np.permute_dims is np.transpose
def transpose(g, ans, a, axes=None):
    if axes is None:
        return np.transpose(g)
    return _ntl.untranspose(g, axes)


@_numpy2(linear, "matrix_transpose")
def matrix_transpose(g, ans, x):
    return np.matrix_transpose(g)


@_numpy2(linear, "linalg.matrix_transpose")
def linalg_matrix_transpose(g, ans, x):
    return np.matrix_transpose(g)


@linear(np.swapaxes)
def swapaxes(g, ans, a, axis1, axis2):
    return np.swapaxes(g, axis1, axis2)


@linear(np.moveaxis)
def moveaxis(g, ans, a, source, destination):
    return np.moveaxis(g, destination, source)


@linear(np.rollaxis)
def rollaxis(g, ans, a, axis, start=0):
    return _ntl.unrollaxis(g, a, axis, start)


@linear(np.expand_dims)
def expand_dims(g, ans, a, axis):
    return _ntl.reshape_like(g, a)


@linear(np.squeeze)
def squeeze(g, ans, a, axis=None):
    return _ntl.reshape_like(g, a)


@linear(np.atleast_1d)
@linear(np.atleast_2d)
@linear(np.atleast_3d)
def atleast_nd(g, ans, arys):
    return _ntl.reshape_like(g, arys)


@linear(np.broadcast_to)
def broadcast_to(g, ans, array, shape, subok=False):
    return _ntl.sum_like(g, array)


@linear(np.concatenate)          # np.concat is np.concatenate
def concatenate(g, ans, arrays, axis=0):
    return _ntl.unconcatenate(g, arrays, axis)


@linear(np.stack)
def stack(g, ans, arrays, axis=0):
    return _ntl.unstack(g, arrays, axis)


@linear(np.vstack)
def vstack(g, ans, tup):
    return _ntl.unstack_promoted(g, tup, "vstack")


@linear(np.hstack)
def hstack(g, ans, tup):
    return _ntl.unstack_promoted(g, tup, "hstack")


@linear(np.dstack)
def dstack(g, ans, tup):
    return _ntl.unstack_promoted(g, tup, "dstack")


@linear(np.column_stack)
def column_stack(g, ans, tup):
    return _ntl.unstack_promoted(g, tup, "column_stack")


@linear(np.append)
def append(g, ans, arr, values, axis=None):
    parts = _ntl.unconcatenate(g, [arr, values], axis)
    return parts[0], parts[1]


@_numpy2(linear, "unstack")
def unstack(g, ans, x, axis=0):
    return _ntl.restack(g, ans, axis)


@linear(np.split)
@linear(np.array_split)
def split(g, ans, ary, indices_or_sections, axis=0):
    return _ntl.unsplit(g, ans, axis)


@linear(np.hsplit)
def hsplit(g, ans, ary, indices_or_sections):
    return _ntl.unsplit(g, ans, _ntl.split_axis(ary, "h"))


@linear(np.vsplit)
def vsplit(g, ans, ary, indices_or_sections):
    return _ntl.unsplit(g, ans, 0)


@linear(np.dsplit)
def dsplit(g, ans, ary, indices_or_sections):
    return _ntl.unsplit(g, ans, 2)


@linear(np.tile)
def tile(g, ans, A, reps):
    return _ntl.untile(g, A, reps)


@linear(np.repeat)
def repeat(g, ans, a, repeats, axis=None):
    return _ntl.unrepeat(g, a, repeats, axis)


@linear(np.flip)
def flip(g, ans, m, axis=None):
    return np.flip(g, axis)


@linear(np.fliplr)
def fliplr(g, ans, m):
    return np.fliplr(g)


@linear(np.flipud)
def flipud(g, ans, m):
    return np.flipud(g)


@linear(np.rot90)
def rot90(g, ans, m, k=1, axes=None):
    if axes is None:
        return np.rot90(g, -k)
    return np.rot90(g, -k, axes)


@linear(np.roll)
def roll(g, ans, a, shift, axis=None):
    return np.roll(g, _ntl.negated(shift), axis)


@linear(np.diagonal)
def diagonal(g, ans, a, offset=0, axis1=0, axis2=1):
    return _ntl.undiagonal(g, a, offset, axis1, axis2)


@_numpy2(linear, "linalg.diagonal")
def linalg_diagonal(g, ans, x, offset=0):
    return _ntl.undiagonal(g, x, offset, -2, -1)


@linear(np.diag)
def diag(g, ans, v, k=0):
    return _ntl.undiag(g, v, k)


@linear(np.diagflat)
def diagflat(g, ans, v, k=0):
    return _ntl.reshape_like(np.diagonal(g, k).copy(), v)


@linear(np.triu)
def triu(g, ans, m, k=0):
    return np.triu(g, k)


@linear(np.tril)
def tril(g, ans, m, k=0):
    return np.tril(g, k)


@adjoint(np.pad)                 # modes constant, edge, reflect, symmetric, wrap
def pad(g, ans, array, pad_width, mode="constant", *, constant_values=0):
    return (_ntl.unpad(g, array, pad_width, mode), 0.0, 0.0,
            _ntl.unpad_constant_values(g, pad_width, constant_values))


@tangent(np.pad)
def pad_t(ans, array, pad_width, mode="constant", *, constant_values=0, darray=None,
          dconstant_values=None):
    return _ntl.pad_tangent(darray, array, pad_width, mode, dconstant_values)


# np.r_[a, b, ...] and np.c_[...] are calls of these objects' __getitem__ with the tuple
# of items: slices and directives pass through, the data items' elements are placed


@adjoint(np.r_.__getitem__)
def r_(g, ans, key):
    return _ntl.index_trick_adjoint(g, np.r_, key)


@tangent(np.r_.__getitem__)
def r_t(ans, key, dkey):
    return _ntl.index_trick_tangent(ans, np.r_, key, dkey)


@adjoint(np.c_.__getitem__)
def c_(g, ans, key):
    return _ntl.index_trick_adjoint(g, np.c_, key)


@tangent(np.c_.__getitem__)
def c_t(ans, key, dkey):
    return _ntl.index_trick_tangent(ans, np.c_, key, dkey)


# -- construction ---------------------------------------------------------------------------------


@linear(np.array)                # of arrays or (nested) lists of scalars
def array(g, ans, object, dtype=None, copy=True, order="K", subok=False, ndmin=0):
    return _ntl.unpack(g, object)


@linear(np.asarray)
@linear(np.asanyarray)
def asarray(g, ans, a, dtype=None, order=None):
    return _ntl.unpack(g, a)


@linear(np.ascontiguousarray)
@linear(np.asfortranarray)
def ascontiguousarray(g, ans, a, dtype=None):
    return _ntl.unpack(g, a)


@adjoint(np.full)                # differentiable in the fill value only
def full(g, ans, shape, fill_value, dtype=None, order="C"):
    return 0.0, _ntl.sum_like(g, fill_value)


@tangent(np.full)
def full_t(ans, shape, fill_value, dtype=None, order="C", dfill_value=None):
    return np.zeros_like(ans) + dfill_value


@adjoint(np.full_like)
def full_like(g, ans, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    return 0.0, _ntl.sum_like(g, fill_value)


@tangent(np.full_like)
def full_like_t(ans, a, fill_value, dtype=None, order="K", subok=True, shape=None,
                dfill_value=None):
    return np.zeros_like(ans) + dfill_value


# arange(start, stop, step) is start + i * step: stop only sets the length; one template
# per form of the call, the most positional arguments first
@adjoint(np.arange)
def arange3(g, ans, start, stop, step, dtype=None):
    return _ntl.arange_adjoint(g, ans, 0), 0.0, _ntl.arange_adjoint(g, ans, 1)


@adjoint(np.arange)
def arange2(g, ans, start, stop, dtype=None):
    return _ntl.arange_adjoint(g, ans, 0), 0.0


@adjoint(np.arange)
def arange1(g, ans, stop, *, step=1, dtype=None):
    return 0.0, _ntl.arange_adjoint(g, ans, 1)


@tangent(np.arange)
def arange3_t(ans, start, stop, step, dtype=None, dstart=None, dstop=None, dstep=None):
    return _ntl.arange_tangent(ans, dstart, dstep)


@tangent(np.arange)
def arange2_t(ans, start, stop, dtype=None, dstart=None, dstop=None):
    return _ntl.arange_tangent(ans, dstart, 0.0)


@tangent(np.arange)
def arange1_t(ans, stop, *, step=1, dtype=None, dstop=None, dstep=None):
    return _ntl.arange_tangent(ans, 0.0, dstep)


@adjoint(np.linspace)            # differentiable in start and stop, not in num
def linspace(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    t = _ntl.linspace_weights(start, stop, num, endpoint, axis)
    return _ntl.linspace_adjoint(g, start, 1.0 - t, axis), _ntl.linspace_adjoint(g, stop, t, axis)


@tangent(np.linspace)
def linspace_t(ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0,
               dstart=None, dstop=None):
    return _ntl.linspace_tangent(start, stop, num, endpoint, axis, dstart, dstop)


# -- products and linear algebra -------------------------------------------------------------------


@adjoint(np.dot)
def dot(g, ans, a, b, out=None):
    return _ntl.dot_adjoint_a(g, a, b), _ntl.dot_adjoint_b(g, a, b)


@tangent(np.dot)
def dot_t(ans, a, b, out=None, da=None, db=None):
    return _ntl.product_rule(np.dot, (a, b), (da, db))


@adjoint(np.matmul)
def matmul(g, ans, x1, x2):
    return _ntl.matmul_adjoint_a(g, x1, x2), _ntl.matmul_adjoint_b(g, x1, x2)


@tangent(np.matmul)
def matmul_t(ans, x1, x2, dx1, dx2):
    return dx1 @ x2 + x1 @ dx2


@_numpy2(adjoint, "linalg.matmul")
def linalg_matmul(g, ans, x1, x2):
    return _ntl.matmul_adjoint_a(g, x1, x2), _ntl.matmul_adjoint_b(g, x1, x2)


@_numpy2(tangent, "linalg.matmul")
def linalg_matmul_t(ans, x1, x2, dx1, dx2):
    return dx1 @ x2 + x1 @ dx2


@adjoint(np.inner)
def inner(g, ans, a, b):
    return _ntl.inner_adjoint_a(g, a, b), _ntl.inner_adjoint_b(g, a, b)


@tangent(np.inner)
def inner_t(ans, a, b, da, db):
    return _ntl.product_rule(np.inner, (a, b), (da, db))


@adjoint(np.outer)
def outer(g, ans, a, b, out=None):
    return (np.reshape(g @ np.ravel(b), np.shape(a)),
            np.reshape(np.ravel(a) @ g, np.shape(b)))


@tangent(np.outer)
def outer_t(ans, a, b, out=None, da=None, db=None):
    return _ntl.product_rule(np.outer, (a, b), (da, db))


@_numpy2(adjoint, "linalg.outer")
def linalg_outer(g, ans, x1, x2):
    return g @ x2, x1 @ g


@_numpy2(tangent, "linalg.outer")
def linalg_outer_t(ans, x1, x2, dx1, dx2):
    return _ntl.product_rule(np.linalg.outer, (x1, x2), (dx1, dx2))


@adjoint(np.vdot)
def vdot(g, ans, a, b):
    return _ntl.reshape_like(g * np.conjugate(b), a), _ntl.reshape_like(g * np.conjugate(a), b)


@tangent(np.vdot)
def vdot_t(ans, a, b, da, db):
    return _ntl.product_rule(np.vdot, (a, b), (da, db))


@adjoint(np.tensordot)
def tensordot(g, ans, a, b, axes=2):
    return _ntl.tensordot_adjoint_a(g, a, b, axes), _ntl.tensordot_adjoint_b(g, a, b, axes)


@tangent(np.tensordot)
def tensordot_t(ans, a, b, axes=2, da=None, db=None):
    return _ntl.product_rule(np.tensordot, (a, b), (da, db), axes=axes)


@_numpy2(adjoint, "linalg.tensordot")
def linalg_tensordot(g, ans, x1, x2, axes=2):
    return _ntl.tensordot_adjoint_a(g, x1, x2, axes), _ntl.tensordot_adjoint_b(g, x1, x2, axes)


@_numpy2(tangent, "linalg.tensordot")
def linalg_tensordot_t(ans, x1, x2, axes=2, dx1=None, dx2=None):
    return _ntl.product_rule(np.tensordot, (x1, x2), (dx1, dx2), axes=axes)


# einsum(subscripts, *operands) or einsum(op, sublist, op, sublist, ..., [output]): the
# positional arguments fill the slots a0..a9, whichever form the call takes
@adjoint(np.einsum)
def einsum(g, ans, a0, a1=None, a2=None, a3=None, a4=None, a5=None, a6=None, a7=None,
           a8=None, a9=None, *, optimize=False):
    args = (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9)
    return (_ntl.einsum_adjoint(g, args, 0, optimize), _ntl.einsum_adjoint(g, args, 1, optimize),
            _ntl.einsum_adjoint(g, args, 2, optimize), _ntl.einsum_adjoint(g, args, 3, optimize),
            _ntl.einsum_adjoint(g, args, 4, optimize), _ntl.einsum_adjoint(g, args, 5, optimize),
            _ntl.einsum_adjoint(g, args, 6, optimize), _ntl.einsum_adjoint(g, args, 7, optimize),
            _ntl.einsum_adjoint(g, args, 8, optimize), _ntl.einsum_adjoint(g, args, 9, optimize))


@tangent(np.einsum)
def einsum_t(ans, a0, a1=None, a2=None, a3=None, a4=None, a5=None, a6=None, a7=None,
             a8=None, a9=None, *, optimize=False, da0=None, da1=None, da2=None, da3=None,
             da4=None, da5=None, da6=None, da7=None, da8=None, da9=None):
    return _ntl.einsum_tangent((a0, a1, a2, a3, a4, a5, a6, a7, a8, a9),
                               (da0, da1, da2, da3, da4, da5, da6, da7, da8, da9), optimize)


@adjoint(np.kron)
def kron(g, ans, a, b):
    return _ntl.kron_adjoint(g, a, b, 0), _ntl.kron_adjoint(g, a, b, 1)


@tangent(np.kron)
def kron_t(ans, a, b, da, db):
    return _ntl.product_rule(np.kron, (a, b), (da, db))


@adjoint(np.cross, broadcasts=True)
def cross(g, ans, a, b):
    return np.cross(b, g), np.cross(g, a)


@tangent(np.cross, broadcasts=True)
def cross_t(ans, a, b, da, db):
    return _ntl.product_rule(np.cross, (a, b), (da, db))


@_numpy2(adjoint, "linalg.cross", broadcasts=True)
def linalg_cross(g, ans, x1, x2, axis=-1):
    return np.linalg.cross(x2, g, axis=axis), np.linalg.cross(g, x1, axis=axis)


@_numpy2(tangent, "linalg.cross", broadcasts=True)
def linalg_cross_t(ans, x1, x2, axis=-1, dx1=None, dx2=None):
    return _ntl.product_rule(np.linalg.cross, (x1, x2), (dx1, dx2), axis=axis)


@_numpy2(adjoint, "vecdot", broadcasts=True)
def vecdot(g, ans, x1, x2, axis=-1):
    return _ntl.vecdot_adjoint(g, x2, axis), _ntl.vecdot_adjoint(g, x1, axis)


@_numpy2(tangent, "vecdot", broadcasts=True)
def vecdot_t(ans, x1, x2, axis=-1, dx1=None, dx2=None):
    return _ntl.product_rule(np.vecdot, (x1, x2), (dx1, dx2), axis=axis)


@_numpy2(adjoint, "linalg.vecdot", broadcasts=True)
def linalg_vecdot(g, ans, x1, x2, axis=-1):
    return _ntl.vecdot_adjoint(g, x2, axis), _ntl.vecdot_adjoint(g, x1, axis)


@_numpy2(tangent, "linalg.vecdot", broadcasts=True)
def linalg_vecdot_t(ans, x1, x2, axis=-1, dx1=None, dx2=None):
    return _ntl.product_rule(np.linalg.vecdot, (x1, x2), (dx1, dx2), axis=axis)


@_numpy2(adjoint, "matvec", broadcasts=True)
def matvec(g, ans, x1, x2):
    return _ntl.matvec_adjoint_matrix(g, x2), np.vecmat(g, x1)


@_numpy2(tangent, "matvec", broadcasts=True)
def matvec_t(ans, x1, x2, dx1, dx2):
    return _ntl.product_rule(np.matvec, (x1, x2), (dx1, dx2))


@_numpy2(adjoint, "vecmat", broadcasts=True)
def vecmat(g, ans, x1, x2):
    return np.matvec(x2, g), np.swapaxes(_ntl.matvec_adjoint_matrix(g, x1), -1, -2)


@_numpy2(tangent, "vecmat", broadcasts=True)
def vecmat_t(ans, x1, x2, dx1, dx2):
    return _ntl.product_rule(np.vecmat, (x1, x2), (dx1, dx2))


@adjoint(np.linalg.inv)
def inv(g, ans, a):
    ans_t = np.swapaxes(ans, -1, -2)
    return -(ans_t @ g @ ans_t)


@tangent(np.linalg.inv)
def inv_t(ans, a, da):
    return -(ans @ da @ ans)


@adjoint(np.linalg.solve, broadcasts=True)
def solve(g, ans, a, b):
    gb = np.linalg.solve(np.swapaxes(a, -1, -2), g)
    return _ntl.solve_adjoint_a(gb, ans, b), gb


@tangent(np.linalg.solve, broadcasts=True)
def solve_t(ans, a, b, da, db):
    return np.linalg.solve(a, db - da @ ans)


@adjoint(np.linalg.det)         # domain: non-singular
def det(g, ans, a):
    return _ntl.lift(g * ans, 2) * np.swapaxes(np.linalg.inv(a), -1, -2)


@tangent(np.linalg.det)
def det_t(ans, a, da):
    return ans * np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)


@adjoint(np.linalg.slogdet)     # (sign, logabsdet); the sign is piecewise constant
def slogdet(g, ans, a):
    return _ntl.lift(_ntl.item(g, 1), 2) * np.swapaxes(np.linalg.inv(a), -1, -2)


@tangent(np.linalg.slogdet)
def slogdet_t(ans, a, da):
    return _ntl.slogdet_tangent(ans, a, da)


@adjoint(np.linalg.matrix_power)
def matrix_power(g, ans, a, n):
    return _ntl.matrix_power_adjoint(g, a, n)


@tangent(np.linalg.matrix_power)
def matrix_power_t(ans, a, n, da):
    return _ntl.matrix_power_tangent(a, da, n)


@adjoint(np.linalg.cholesky)    # domain: positive definite; NumPy reads one triangle
def cholesky(g, ans, a, upper=False):
    return _ntl.cholesky_adjoint(g, ans, upper)


@tangent(np.linalg.cholesky)
def cholesky_t(ans, a, upper=False, da=None):
    return _ntl.cholesky_tangent(ans, da, upper)


@adjoint(np.linalg.eigh)        # domain: distinct eigenvalues; NumPy reads one triangle
def eigh(g, ans, a, UPLO="L"):
    return _ntl.eigh_adjoint(g, ans, UPLO)


@tangent(np.linalg.eigh)
def eigh_t(ans, a, UPLO="L", da=None):
    return _ntl.eigh_tangent(ans, da, UPLO)


@adjoint(np.linalg.eigvalsh)
def eigvalsh(g, ans, a, UPLO="L"):
    return _ntl.eigh_adjoint([g, 0.0], np.linalg.eigh(a, UPLO), UPLO)


@tangent(np.linalg.eigvalsh)
def eigvalsh_t(ans, a, UPLO="L", da=None):
    return _ntl.eigvalsh_tangent(a, da, UPLO)


@adjoint(np.linalg.qr)          # domain: full column rank, rows >= columns
def qr(g, ans, a, mode="reduced"):
    return _ntl.qr_adjoint(g, ans, a, mode)


@tangent(np.linalg.qr)
def qr_t(ans, a, mode="reduced", da=None):
    return _ntl.qr_tangent(ans, a, da, mode)


@adjoint(np.linalg.svd)         # domain: distinct non-zero singular values
def svd(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    return _ntl.svd_adjoint(g, ans, a, full_matrices, compute_uv)


@tangent(np.linalg.svd)
def svd_t(ans, a, full_matrices=True, compute_uv=True, hermitian=False, da=None):
    return _ntl.svd_tangent(ans, a, da, full_matrices, compute_uv)


@_numpy2(adjoint, "linalg.svdvals")
def svdvals(g, ans, x):
    return _ntl.svd_adjoint(g, ans, x, False, False)


@_numpy2(tangent, "linalg.svdvals")
def svdvals_t(ans, x, dx):
    return _ntl.svd_tangent(ans, x, dx, False, False)


# -- selection and sorting ------------------------------------------------------------------------


@adjoint(np.sort)               # ties follow the stable order
def sort(g, ans, a, axis=-1, kind=None, order=None):
    return _ntl.unsort(g, a, axis)


@tangent(np.sort)
def sort_t(ans, a, axis=-1, kind=None, order=None, da=None):
    return _ntl.sort_tangent(da, a, axis)


@linear(np.take)
def take(g, ans, a, indices, axis=None, out=None, mode="raise"):
    return _ntl.untake(g, a, indices, axis, mode)


@linear(np.take_along_axis)
def take_along_axis(g, ans, arr, indices, axis=-1):
    return _ntl.untake_along_axis(g, arr, indices, axis)


# -- non-differentiable: shapes, constructors, rounding, comparisons, indices -------------------

nondifferentiable(
    np.shape, np.ndim, np.size, np.zeros_like, np.ones_like, np.empty_like, np.zeros,
    np.ones, np.empty, np.eye, np.identity, np.tri,
    np.floor, np.ceil, np.round, np.around, np.rint, np.trunc, np.fix, np.floor_divide,
    np.sign, np.signbit,
    np.isnan, np.isinf, np.isfinite, np.isclose, np.allclose, np.array_equal,
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor, np.all, np.any,
    np.argmax, np.argmin, np.argsort, np.argpartition, np.nonzero, np.flatnonzero,
    np.argwhere, np.searchsorted, np.digitize, np.count_nonzero, np.may_share_memory,
    np.shares_memory, np.isscalar,
    np.linalg.matrix_rank)

from . import numpy_helpers as _helpers  # noqa: E402,F401  (registers)
