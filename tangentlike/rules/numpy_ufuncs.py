"""NumPy's elementwise functions that are not declared by their derivative alone.

elementwise_rules.py declares the ones with a plain derivative (sin, power, ...);
these are written as templates.  The linear ones (negative, deg2rad, real,
conjugate, add, subtract, ldexp) declare their transpose, and their tangent is the
callable applied to the tangents.  multiply writes its product rule with each
factor's tangent in the factor's place (`0.5 * dx` for `0.5 * x`).  The others have
a convention where the derivative is a selection (docs/conventions.md): ties in
maximum/minimum/fmax/fmin share the adjoint equally, and a NaN operand of fmax/fmin
gets none; `clip` passes the adjoint strictly inside the bounds and to the bound
that binds otherwise; `where` and `select` do not differentiate their conditions
(select's adjoint goes to the first choice whose condition holds); heaviside is a
step in x1 (derivative 0) and x2 is its value at 0; nan_to_num's replacement
values receive the adjoint of the NaNs and infinities they fill.  Rounding,
comparisons, predicates and logical functions are non-differentiable.  Functions of
several arguments broadcast (`broadcasts=True`): each contribution is summed back to
its argument's shape.
"""

import numpy as np

from .. import numpy_runtime as _ntl
from .registry import adjoint, linear, nondifferentiable, tangent

# -- one argument --------------------------------------------------------------------------


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


# -- several arguments (broadcasting) ---------------------------------------------------------


@linear(np.add, broadcasts=True)
def add(g, ans, x1, x2):
    return g, g


@linear(np.subtract, broadcasts=True)
def subtract(g, ans, x1, x2):
    return g, -g


@adjoint(np.multiply, broadcasts=True)       # each factor's tangent in its place
def multiply(g, ans, x1, x2):
    return g * x2, g * x1


@tangent(np.multiply, broadcasts=True)
def multiply_t(ans, x1, x2, dx1, dx2):
    return dx1 * x2 + x1 * dx2


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


nondifferentiable(
    np.floor, np.ceil, np.round, np.around, np.rint, np.trunc, np.fix, np.floor_divide,
    np.sign, np.signbit,
    np.isnan, np.isinf, np.isfinite, np.isclose, np.allclose, np.array_equal,
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor)


@adjoint(np.select)              # to the choice (or default) that supplied each element
def select(g, ans, condlist, choicelist, default=0):
    parts = _ntl.unselect(g, condlist, choicelist, default)
    return 0.0, parts[0], parts[1]


@tangent(np.select)
def select_t(ans, condlist, choicelist, default=0, dchoicelist=None, ddefault=None):
    return _ntl.select_tangent(ans, condlist, dchoicelist, ddefault)
