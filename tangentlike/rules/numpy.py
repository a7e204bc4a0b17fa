"""Rules for NumPy: the basics (elementwise functions, sum, dot, matmul).

Elementwise rules are declared `broadcasts=True`: the transformer reduces each
contribution back to its operand's shape where shapes can differ.
"""

import numpy as np

from .. import runtime as _tl
from .registry import adjoint, nondifferentiable


@adjoint(np.add, broadcasts=True)
def add(g, ans, x1, x2):
    return g, g


@adjoint(np.subtract, broadcasts=True)
def subtract(g, ans, x1, x2):
    return g, -g


@adjoint(np.multiply, broadcasts=True)
def multiply(g, ans, x1, x2):
    return g * x2, g * x1


@adjoint(np.divide, broadcasts=True)
def divide(g, ans, x1, x2):
    return g / x2, -g * x1 / (x2 * x2)


@adjoint(np.negative)
def negative(g, ans, x):
    return -g


@adjoint(np.exp)
def exp(g, ans, x):
    return g * ans


@adjoint(np.log)
def log(g, ans, x):
    return g / x


@adjoint(np.sqrt)
def sqrt(g, ans, x):
    return g * 0.5 / ans


@adjoint(np.square)
def square(g, ans, x):
    return g * 2.0 * x


@adjoint(np.sin)
def sin(g, ans, x):
    return g * np.cos(x)


@adjoint(np.cos)
def cos(g, ans, x):
    return -g * np.sin(x)


@adjoint(np.tan)
def tan(g, ans, x):
    return g * (1.0 + ans * ans)


@adjoint(np.tanh)
def tanh(g, ans, x):
    return g * (1.0 - ans * ans)


@adjoint(np.abs)
def absolute(g, ans, x):
    return g * np.sign(x)


@adjoint(np.power, broadcasts=True)
def power(g, ans, x1, x2):
    return g * x2 * x1 ** (x2 - 1), g * ans * np.log(x1)


@adjoint(np.maximum, broadcasts=True)
def maximum(g, ans, x1, x2):
    return g * (x1 >= x2), g * (x1 < x2)


@adjoint(np.minimum, broadcasts=True)
def minimum(g, ans, x1, x2):
    return g * (x1 <= x2), g * (x1 > x2)


@adjoint(np.sum)
def sum_(g, ans, a, axis=None, keepdims=False):
    return _tl.unreduce(g, a, axis, keepdims)


@adjoint(np.mean)
def mean(g, ans, a, axis=None, keepdims=False):
    return _tl.unreduce(g, a, axis, keepdims) * (np.size(ans) / np.size(a))


@adjoint(np.max)
def max_(g, ans, a, axis=None, keepdims=False):
    return _tl.select_extremes(g, a, ans, axis, keepdims)


@adjoint(np.min)
def min_(g, ans, a, axis=None, keepdims=False):
    return _tl.select_extremes(g, a, ans, axis, keepdims)


@adjoint(np.dot)
def dot(g, ans, a, b):
    return _tl.matmul_adjoint_a(g, a, b), _tl.matmul_adjoint_b(g, a, b)


@adjoint(np.matmul)
def matmul(g, ans, x1, x2):
    return _tl.matmul_adjoint_a(g, x1, x2), _tl.matmul_adjoint_b(g, x1, x2)


nondifferentiable(np.shape, np.ndim, np.size, np.zeros_like, np.ones_like, np.zeros,
                  np.ones, np.arange, np.floor, np.ceil, np.sign, np.argmax, np.argmin,
                  np.isnan, np.isfinite, np.round, np.eye)
