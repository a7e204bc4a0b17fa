"""Rules for Python's operators, builtins and the `math` module.

One entry per callable, read like a table.  Conventions at non-differentiable
points (documented in docs/conventions.md): |x|' = 0 at 0; `max`/`min` send the
whole adjoint to the argument Python returns (the first of tied values);
`a // b` has derivative 0; `a % b` = a - b*floor(a/b) has derivatives 1 and
-floor(a/b).
"""

import builtins
import math
import operator

from .. import numpy_runtime as _ntl
from .. import runtime as _tl
from .registry import adjoint, linear, nondifferentiable, tangent

# -- operators (BinOp / UnaryOp) --------------------------------------------


@linear(operator.add, broadcasts=True, scalar=True)
def add(g, ans, x, y):
    return g, g


@linear(operator.sub, broadcasts=True, scalar=True)
def sub(g, ans, x, y):
    return g, -g


@adjoint(operator.mul, broadcasts=True, scalar=True)
def mul(g, ans, x, y):
    return g * y, g * x


@tangent(operator.mul)
def mul_tangent(ans, x, y, dx, dy):
    return dx * y + x * dy


@adjoint(operator.truediv, broadcasts=True, scalar=True)
def truediv(g, ans, x, y):
    return g / y, -g * x / (y * y)


@tangent(operator.truediv)
def truediv_tangent(ans, x, y, dx, dy):
    return dx / y - ans * dy / y


@adjoint(operator.pow, broadcasts=True, scalar=True)
def pow_(g, ans, x, y):
    return g * y * x ** (y - 1), g * ans * xp.log(x)


@tangent(operator.pow)
def pow_tangent(ans, x, y, dx, dy):
    return dx * y * x ** (y - 1) + dy * ans * xp.log(x)


@adjoint(operator.mod, broadcasts=True, scalar=True)
def mod(g, ans, x, y):
    return g, -g * xp.floor(x / y)


@tangent(operator.mod)
def mod_tangent(ans, x, y, dx, dy):
    return dx - dy * xp.floor(x / y)


@adjoint(operator.matmul)
def matmul(g, ans, x, y):
    return _ntl.matmul_adjoint_a(g, x, y), _ntl.matmul_adjoint_b(g, x, y)


@tangent(operator.matmul)
def matmul_tangent(ans, x, y, dx, dy):
    return dx @ y + x @ dy


@linear(operator.neg, scalar=True)
def neg(g, ans, x):
    return -g


@linear(operator.pos, scalar=True)
def pos(g, ans, x):
    return g


nondifferentiable(operator.floordiv, operator.not_, scalar=True)

# -- builtins -----------------------------------------------------------------


@adjoint(builtins.abs, scalar=True)
def abs_(g, ans, x):
    return g * _ntl.sign(x)


@tangent(builtins.abs)
def abs_tangent(ans, x, dx):
    return dx * _ntl.sign(x)


@linear(builtins.float, scalar=True)
def float_(g, ans, x):
    return g


@adjoint(builtins.pow, broadcasts=True, scalar=True)
def pow_builtin(g, ans, base, exp):
    return g * exp * base ** (exp - 1), g * ans * xp.log(base)


@tangent(builtins.pow)
def pow_builtin_tangent(ans, base, exp, dbase, dexp):
    return dbase * exp * base ** (exp - 1) + dexp * ans * xp.log(base)


@adjoint(builtins.max, scalar=True)
def max_of(g, ans, iterable):
    return _tl.select_first(g, iterable, ans)


@adjoint(builtins.max, scalar=True)
def max_(g, ans, x, y):
    return (g if x == ans else 0.0), (g if x != ans else 0.0)


@adjoint(builtins.max, scalar=True)
def max3(g, ans, x, y, z):
    return ((g if x == ans else 0.0), (g if x != ans and y == ans else 0.0),
            (g if x != ans and y != ans else 0.0))


@tangent(builtins.max)
def max_of_tangent(ans, iterable, diterable):
    return _tl.select_tangent(diterable, iterable, ans)


@tangent(builtins.max)
def max_tangent(ans, x, y, dx, dy):
    return dx if x == ans else dy


@tangent(builtins.max)
def max3_tangent(ans, x, y, z, dx, dy, dz):
    return dx if x == ans else (dy if y == ans else dz)


@adjoint(builtins.min, scalar=True)
def min_of(g, ans, iterable):
    return _tl.select_first(g, iterable, ans)


@adjoint(builtins.min, scalar=True)
def min_(g, ans, x, y):
    return (g if x == ans else 0.0), (g if x != ans else 0.0)


@adjoint(builtins.min, scalar=True)
def min3(g, ans, x, y, z):
    return ((g if x == ans else 0.0), (g if x != ans and y == ans else 0.0),
            (g if x != ans and y != ans else 0.0))


@tangent(builtins.min)
def min_of_tangent(ans, iterable, diterable):
    return _tl.select_tangent(diterable, iterable, ans)


@tangent(builtins.min)
def min_tangent(ans, x, y, dx, dy):
    return dx if x == ans else dy


@tangent(builtins.min)
def min3_tangent(ans, x, y, z, dx, dy, dz):
    return dx if x == ans else (dy if y == ans else dz)


@linear(builtins.list)
def list_(g, ans, iterable):
    return g


@linear(builtins.tuple)
def tuple_(g, ans, iterable):
    return g


@linear(builtins.sum)
def sum_(g, ans, iterable, start=0):
    return _tl.fill_like(g, iterable), g


nondifferentiable(builtins.len, builtins.int, builtins.bool, builtins.round, builtins.range,
                  builtins.isinstance, builtins.str, builtins.print, builtins.type,
                  builtins.enumerate, builtins.zip, builtins.hash, builtins.id, scalar=True)

# -- math -----------------------------------------------------------------------


@adjoint(math.exp, scalar=True)
def exp(g, ans, x):
    return g * ans


@adjoint(math.expm1, scalar=True)
def expm1(g, ans, x):
    return g * (ans + 1.0)


@adjoint(math.log, scalar=True)
def log(g, ans, x, base=None):
    if base is None:
        return g / x
    return g / (x * math.log(base)), -g * ans / (base * math.log(base))


@adjoint(math.log1p, scalar=True)
def log1p(g, ans, x):
    return g / (1.0 + x)


@adjoint(math.log2, scalar=True)
def log2(g, ans, x):
    return g / (x * _tl.LN2)


@adjoint(math.log10, scalar=True)
def log10(g, ans, x):
    return g / (x * _tl.LN10)


@adjoint(math.sqrt, scalar=True)
def sqrt(g, ans, x):
    return g * 0.5 / ans


@adjoint(math.sin, scalar=True)
def sin(g, ans, x):
    return g * math.cos(x)


@adjoint(math.cos, scalar=True)
def cos(g, ans, x):
    return -g * math.sin(x)


@adjoint(math.tan, scalar=True)
def tan(g, ans, x):
    return g * (1.0 + ans * ans)


@adjoint(math.asin, scalar=True)
def asin(g, ans, x):
    return g / math.sqrt(1.0 - x * x)


@adjoint(math.acos, scalar=True)
def acos(g, ans, x):
    return -g / math.sqrt(1.0 - x * x)


@adjoint(math.atan, scalar=True)
def atan(g, ans, x):
    return g / (1.0 + x * x)


@adjoint(math.atan2, scalar=True)
def atan2(g, ans, y, x):
    r2 = x * x + y * y
    return g * x / r2, -g * y / r2


@adjoint(math.sinh, scalar=True)
def sinh(g, ans, x):
    return g * math.cosh(x)


@adjoint(math.cosh, scalar=True)
def cosh(g, ans, x):
    return g * math.sinh(x)


@adjoint(math.tanh, scalar=True)
def tanh(g, ans, x):
    return g * (1.0 - ans * ans)


@adjoint(math.asinh, scalar=True)
def asinh(g, ans, x):
    return g / math.sqrt(x * x + 1.0)


@adjoint(math.acosh, scalar=True)
def acosh(g, ans, x):
    return g / math.sqrt(x * x - 1.0)


@adjoint(math.atanh, scalar=True)
def atanh(g, ans, x):
    return g / (1.0 - x * x)


@adjoint(math.erf, scalar=True)
def erf(g, ans, x):
    return g * 1.1283791670955126 * math.exp(-x * x)


@adjoint(math.erfc, scalar=True)
def erfc(g, ans, x):
    return -g * 1.1283791670955126 * math.exp(-x * x)


@adjoint(math.hypot, scalar=True)
def hypot(g, ans, x, y):
    return g * x / ans, g * y / ans


@adjoint(math.pow, scalar=True)
def pow_math(g, ans, x, y):
    return g * y * math.pow(x, y - 1.0), g * ans * math.log(x)


@adjoint(math.fabs, scalar=True)
def fabs(g, ans, x):
    return g * _ntl.sign(x)


@adjoint(math.degrees, scalar=True)
def degrees(g, ans, x):
    return g * 57.29577951308232


@adjoint(math.radians, scalar=True)
def radians(g, ans, x):
    return g * 0.017453292519943295


@adjoint(math.copysign, scalar=True)           # |x| with y's sign: y only picks it
def copysign(g, ans, x, y):
    return g * _ntl.sign(x) * math.copysign(1.0, y)


nondifferentiable(math.floor, math.ceil, math.trunc, math.isnan, math.isinf,
                  math.isfinite, scalar=True)


# -- tangents of the math functions (d/dx f(x) * dx) ------------------------------


@tangent(math.exp)
def exp_t(ans, x, dx):
    return dx * ans


@tangent(math.expm1)
def expm1_t(ans, x, dx):
    return dx * (ans + 1.0)


@tangent(math.log)
def log_t(ans, x, base=None, dx=None, dbase=None):
    if base is None:
        return dx / x
    return dx / (x * math.log(base)) - dbase * ans / (base * math.log(base))


@tangent(math.log1p)
def log1p_t(ans, x, dx):
    return dx / (1.0 + x)


@tangent(math.log2)
def log2_t(ans, x, dx):
    return dx / (x * _tl.LN2)


@tangent(math.log10)
def log10_t(ans, x, dx):
    return dx / (x * _tl.LN10)


@tangent(math.sqrt)
def sqrt_t(ans, x, dx):
    return dx * 0.5 / ans


@tangent(math.sin)
def sin_t(ans, x, dx):
    return dx * math.cos(x)


@tangent(math.cos)
def cos_t(ans, x, dx):
    return -dx * math.sin(x)


@tangent(math.tan)
def tan_t(ans, x, dx):
    return dx * (1.0 + ans * ans)


@tangent(math.asin)
def asin_t(ans, x, dx):
    return dx / math.sqrt(1.0 - x * x)


@tangent(math.acos)
def acos_t(ans, x, dx):
    return -dx / math.sqrt(1.0 - x * x)


@tangent(math.atan)
def atan_t(ans, x, dx):
    return dx / (1.0 + x * x)


@tangent(math.atan2)
def atan2_t(ans, y, x, dy, dx):
    return (dy * x - dx * y) / (x * x + y * y)


@tangent(math.sinh)
def sinh_t(ans, x, dx):
    return dx * math.cosh(x)


@tangent(math.cosh)
def cosh_t(ans, x, dx):
    return dx * math.sinh(x)


@tangent(math.tanh)
def tanh_t(ans, x, dx):
    return dx * (1.0 - ans * ans)


@tangent(math.asinh)
def asinh_t(ans, x, dx):
    return dx / math.sqrt(x * x + 1.0)


@tangent(math.acosh)
def acosh_t(ans, x, dx):
    return dx / math.sqrt(x * x - 1.0)


@tangent(math.atanh)
def atanh_t(ans, x, dx):
    return dx / (1.0 - x * x)


@tangent(math.erf)
def erf_t(ans, x, dx):
    return dx * 1.1283791670955126 * math.exp(-x * x)


@tangent(math.erfc)
def erfc_t(ans, x, dx):
    return -dx * 1.1283791670955126 * math.exp(-x * x)


@tangent(math.hypot)
def hypot_t(ans, x, y, dx, dy):
    return (dx * x + dy * y) / ans


@tangent(math.pow)
def pow_math_t(ans, x, y, dx, dy):
    return dx * y * math.pow(x, y - 1.0) + dy * ans * math.log(x)


@tangent(math.fabs)
def fabs_t(ans, x, dx):
    return dx * _ntl.sign(x)


@tangent(math.copysign)
def copysign_t(ans, x, y, dx):
    return dx * _ntl.sign(x) * math.copysign(1.0, y)


@tangent(math.degrees)
def degrees_t(ans, x, dx):
    return dx * 57.29577951308232


@tangent(math.radians)
def radians_t(ans, x, dx):
    return dx * 0.017453292519943295
