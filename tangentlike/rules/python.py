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

from .. import runtime as _tl
from .registry import adjoint, nondifferentiable

# -- operators (BinOp / UnaryOp) --------------------------------------------


@adjoint(operator.add, broadcasts=True, scalar=True)
def add(g, ans, x, y):
    return g, g


@adjoint(operator.sub, broadcasts=True, scalar=True)
def sub(g, ans, x, y):
    return g, -g


@adjoint(operator.mul, broadcasts=True, scalar=True)
def mul(g, ans, x, y):
    return g * y, g * x


@adjoint(operator.truediv, broadcasts=True, scalar=True)
def truediv(g, ans, x, y):
    return g / y, -g * x / (y * y)


@adjoint(operator.pow, broadcasts=True, scalar=True)
def pow_(g, ans, x, y):
    return g * y * x ** (y - 1), g * ans * xp.log(x)


@adjoint(operator.mod, broadcasts=True, scalar=True)
def mod(g, ans, x, y):
    return g, -g * xp.floor(x / y)


@adjoint(operator.matmul)
def matmul(g, ans, x, y):
    return _tl.matmul_adjoint_a(g, x, y), _tl.matmul_adjoint_b(g, x, y)


@adjoint(operator.neg, scalar=True)
def neg(g, ans, x):
    return -g


@adjoint(operator.pos, scalar=True)
def pos(g, ans, x):
    return g


nondifferentiable(operator.floordiv, operator.not_, scalar=True)

# -- builtins -----------------------------------------------------------------


@adjoint(builtins.abs, scalar=True)
def abs_(g, ans, x):
    return g * _tl.sign(x)


@adjoint(builtins.float, scalar=True)
def float_(g, ans, x):
    return g


@adjoint(builtins.pow, broadcasts=True, scalar=True)
def pow_builtin(g, ans, base, exp):
    return g * exp * base ** (exp - 1), g * ans * xp.log(base)


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


@adjoint(builtins.list)
def list_(g, ans, iterable):
    return g


@adjoint(builtins.tuple)
def tuple_(g, ans, iterable):
    return g


@adjoint(builtins.sum)
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
    return g * _tl.sign(x)


@adjoint(math.degrees, scalar=True)
def degrees(g, ans, x):
    return g * 57.29577951308232


@adjoint(math.radians, scalar=True)
def radians(g, ans, x):
    return g * 0.017453292519943295


nondifferentiable(math.floor, math.ceil, math.trunc, math.isnan, math.isinf,
                  math.isfinite, math.copysign, scalar=True)
