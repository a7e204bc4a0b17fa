"""Elementwise functions, each declared once by its local derivative.

One entry per function, read like a table: `@elementwise(np.sin, math.sin)` over a
template `(ans, <parameters>)` that returns the partial derivative of the result
with respect to each differentiable parameter (the leading ones; `copysign`'s second
argument only picks a sign).  From each entry the registry derives, for every callable
it names, the adjoint `g * partial` and the tangent `dx1 * partial1 + dx2 * partial2`
(rules/registry.py `elementwise`, rules/derive.py).  In a template `xp` is the
callable's own module: `np.cos` for np.sin and `math.cos` for math.sin; for the
operators and builtins, `math` on Python numbers and `numpy` otherwise.  Functions of
several arguments broadcast like ufuncs (except math's, which take numbers); the
registry sums each contribution back to its argument's shape.

math.hypot takes any number of coordinates: it is declared for 1 to 8 (`_hypot_of`
writes out the declarations of 3 to 8).  math.gamma and math.lgamma have slopes in
digamma (numpy_runtime/scalars.py, whose own rules make them differentiable again).

Conventions at non-differentiable points (docs/conventions.md): |x| has slope 0 at 0
(`sign`); hypot has slope 0 at the origin; d(x1 ** x2)/dx2 is 0 where x1 <= 0
for NumPy (`log_base`); `x1 % x2` and fmod have derivatives 1 and -floor(x1 / x2)
(-trunc for fmod) away from their jumps.  Elementwise functions whose derivative is
a selection or has a convention at ties (maximum, clip, where, heaviside) and the
linear ones are in numpy_ufuncs.py and python.py.
"""

import builtins
import linecache
import math
import operator

import numpy as np

from .. import numpy_runtime as _ntl
from .registry import elementwise, if_defined

# -- one argument ------------------------------------------------------------------------


@elementwise(np.exp, math.exp)
def exp(ans, x):
    return ans


@elementwise(np.expm1, math.expm1)
def expm1(ans, x):
    return ans + 1.0


@elementwise(np.exp2)
def exp2(ans, x):
    return ans * 0.6931471805599453


@elementwise(np.log, math.log)
def log(ans, x):
    return 1.0 / x


@elementwise(math.log)                  # math.log(x, base)
def log_base(ans, x, base):
    return 1.0 / (x * xp.log(base)), -ans / (base * xp.log(base))


@elementwise(np.log1p, math.log1p)
def log1p(ans, x):
    return 1.0 / (x + 1.0)


@elementwise(np.log2, math.log2)
def log2(ans, x):
    return 1.0 / (x * 0.6931471805599453)


@elementwise(np.log10, math.log10)
def log10(ans, x):
    return 1.0 / (x * 2.302585092994046)


@elementwise(np.sqrt, math.sqrt)
def sqrt(ans, x):
    return 0.5 / ans


@elementwise(np.cbrt)
def cbrt(ans, x):
    return 1.0 / (3.0 * ans * ans)


@if_defined(elementwise, math, "cbrt")        # Python >= 3.11
def cbrt_math(ans, x):
    return 1.0 / (3.0 * ans * ans)


@if_defined(elementwise, math, "exp2")        # Python >= 3.11
def exp2_math(ans, x):
    return ans * 0.6931471805599453


@elementwise(math.gamma)                # psi, digamma: numpy_runtime/scalars.py
def gamma(ans, x):
    return ans * _ntl.digamma(x)


@elementwise(math.lgamma)               # log|gamma(x)|: the slope is psi(x) on both signs
def lgamma(ans, x):
    return _ntl.digamma(x)


@elementwise(np.square)
def square(ans, x):
    return 2.0 * x


@elementwise(np.reciprocal)
def reciprocal(ans, x):
    return -ans * ans


@elementwise(np.sin, math.sin)
def sin(ans, x):
    return xp.cos(x)


@elementwise(np.cos, math.cos)
def cos(ans, x):
    return -xp.sin(x)


@elementwise(np.tan, math.tan)
def tan(ans, x):
    return 1.0 + ans * ans


@elementwise(np.arcsin, math.asin)
def arcsin(ans, x):
    return 1.0 / xp.sqrt(1.0 - x * x)


@elementwise(np.arccos, math.acos)
def arccos(ans, x):
    return -1.0 / xp.sqrt(1.0 - x * x)


@elementwise(np.arctan, math.atan)
def arctan(ans, x):
    return 1.0 / (1.0 + x * x)


@elementwise(np.sinh, math.sinh)
def sinh(ans, x):
    return xp.cosh(x)


@elementwise(np.cosh, math.cosh)
def cosh(ans, x):
    return xp.sinh(x)


@elementwise(np.tanh, math.tanh)
def tanh(ans, x):
    return 1.0 - ans * ans


@elementwise(np.arcsinh, math.asinh)
def arcsinh(ans, x):
    return 1.0 / xp.sqrt(x * x + 1.0)


@elementwise(np.arccosh, math.acosh)
def arccosh(ans, x):
    return 1.0 / xp.sqrt(x * x - 1.0)


@elementwise(np.arctanh, math.atanh)
def arctanh(ans, x):
    return 1.0 / (1.0 - x * x)


@elementwise(math.erf)
def erf(ans, x):
    return 1.1283791670955126 * xp.exp(-x * x)


@elementwise(math.erfc)
def erfc(ans, x):
    return -1.1283791670955126 * xp.exp(-x * x)


@elementwise(np.absolute, np.fabs)      # np.abs is np.absolute; slope 0 at 0
def absolute(ans, x):
    return np.sign(x)


@elementwise(builtins.abs, math.fabs)   # slope 0 at 0, in the argument's type
def abs_(ans, x):
    return _ntl.sign(x)


@elementwise(np.sinc)
def sinc(ans, x):
    return _ntl.sinc_slope(x, ans)


@elementwise(math.degrees)              # NumPy's degrees and radians are `linear`
def degrees(ans, x):
    return 57.29577951308232


@elementwise(math.radians)
def radians(ans, x):
    return 0.017453292519943295


# -- two arguments -----------------------------------------------------------------------


@elementwise(np.divide)                 # np.true_divide is np.divide
def divide(ans, x1, x2):
    return 1.0 / x2, -ans / x2


@elementwise(np.power)                  # d/dx2 is 0 where x1 <= 0
def power(ans, x1, x2):
    return x2 * x1 ** (x2 - 1), ans * _ntl.log_base(x1)


@elementwise(np.float_power)
def float_power(ans, x1, x2):
    return x2 * xp.float_power(x1, x2 - 1), ans * _ntl.log_base(x1)


@elementwise(operator.pow, builtins.pow)     # d/dexp is 0 where base <= 0, as np.power's
def pow_(ans, base, exp):
    return exp * base ** (exp - 1), ans * _ntl.log_base(base)


@elementwise(math.pow)                          # the same
def pow_math(ans, x, y):
    return y * xp.pow(x, y - 1.0), ans * _ntl.log_base(x)


@elementwise(np.hypot)                  # slope 0 at (0, 0)
def hypot(ans, x1, x2):
    return x1 / _ntl.nonzero(ans), x2 / _ntl.nonzero(ans)


@elementwise(math.hypot)                # slope 0 at the origin; 1 to 8 coordinates below
def hypot_math(ans, x, y):
    return x / _ntl.nonzero(ans), y / _ntl.nonzero(ans)


@elementwise(math.hypot)
def hypot_math1(ans, x):
    return _ntl.sign(x)


def _hypot_of(n):
    """The declaration of math.hypot for n coordinates (it takes any number): x_k / r each.
    Its source is written out (and kept in linecache, which inspect reads) since a template
    lists its parameters one by one."""
    xs = [f"x{k}" for k in range(1, n + 1)]
    source = (f"def hypot_math{n}(ans, {', '.join(xs)}):\n"
              f"    r = _ntl.nonzero(ans)\n"
              f"    return {', '.join(x + ' / r' for x in xs)}\n")
    filename = f"<tangentlike: math.hypot of {n} coordinates>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"_ntl": _ntl, "__name__": __name__}
    exec(compile(source, filename, "exec"), namespace)     # noqa: S102 (our own text)
    return elementwise(math.hypot)(namespace[f"hypot_math{n}"])


HYPOT_COORDINATES = 8           # math.hypot of more coordinates has no rule (a located error)
for _n in range(3, HYPOT_COORDINATES + 1):
    _hypot_of(_n)


@elementwise(np.arctan2, math.atan2)
def arctan2(ans, x1, x2):
    r2 = x1 * x1 + x2 * x2
    return x2 / r2, -x1 / r2


@elementwise(np.logaddexp)
def logaddexp(ans, x1, x2):
    return xp.exp(x1 - ans), xp.exp(x2 - ans)


@elementwise(np.logaddexp2)
def logaddexp2(ans, x1, x2):
    return xp.exp2(x1 - ans), xp.exp2(x2 - ans)


@elementwise(np.remainder, operator.mod)    # np.mod is np.remainder; Python's %
def remainder(ans, x1, x2):
    return 1.0, -xp.floor(x1 / x2)


@elementwise(np.fmod)
def fmod(ans, x1, x2):
    return 1.0, -xp.trunc(x1 / x2)


@elementwise(np.copysign, math.copysign)    # |x1| with x2's sign: x2 only picks it
def copysign(ans, x1, x2):
    return _ntl.sign(x1) * xp.copysign(1.0, x2)
