"""Elementwise: the slopes and adjoints of elementwise functions too long to inline in a
rule template (x ** y in y, sinc, imag, where/clip, nan_to_num).

Receives primal values (numbers or arrays) and adjoints or tangents; `nan_to_num_tangent`
accepts the zero sentinel `0.0` for each of its tangents.  Writes none of its arguments.
Returns fresh arrays, or numbers for numbers.
"""

import math

import numpy as np

from .basics import _is_array, _ndim, is_zero, nonzero, zeros_for
from .broadcasting import sum_like


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
