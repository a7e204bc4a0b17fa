"""Rules for Python's operators, builtins and `math` that are not elementwise declarations.

One entry per callable, read like a table: the linear operators and builtins (their
tangent is the callable applied to the tangents), `*` and `/`, `@`, `max`/`min` and
the non-differentiable ones.  `**`, `%`, `abs`, `pow` and the `math` functions are
declared by their derivative, with their NumPy counterparts, in elementwise_rules.py;
dicts and sorting (`dict`, `sorted` and the `_ntl.items` / `values` / `iterated` /
`merged` that normalize/ reads dicts through), and `math.prod`, `math.fsum` and
`math.dist` of lists are here too.  `*` and `/` are written out because their
tangents read better than a sum of partials (`0.5 * dx` keeps the factor's place; `/`
reuses the quotient).
Conventions at non-differentiable points (docs/conventions.md): `max`/`min` send the
whole adjoint to the argument Python returns (the first of tied values); `a // b`,
rounding and the `math` predicates have derivative 0.
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


@adjoint(operator.mul, broadcasts=True, scalar=True)     # each factor's tangent in its place
def mul(g, ans, x, y):
    return g * y, g * x


@tangent(operator.mul)
def mul_tangent(ans, x, y, dx, dy):
    return dx * y + x * dy


@adjoint(operator.truediv, broadcasts=True, scalar=True)  # the tangent uses the quotient
def truediv(g, ans, x, y):
    return g / y, -g * x / (y * y)


@tangent(operator.truediv)
def truediv_tangent(ans, x, y, dx, dy):
    return dx / y - ans * dy / y


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


@linear(builtins.float, scalar=True)
def float_(g, ans, x):
    return g


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


# -- dicts and sorting (numpy_runtime/containers.py; normalize/ reads d.items() as
# _ntl.items(d), dict(k=v) as a literal, dict(m, k=v) as _ntl.merged(dict(m), {...}),
# and loops over a dict as loops over its keys)


@adjoint(builtins.dict)
def dict_(g, ans, iterable):
    return _ntl.undict(g, iterable)


@tangent(builtins.dict)
def dict_t(ans, iterable, diterable):
    return _ntl.dict_tangent(iterable, diterable)


@adjoint(builtins.sorted)                    # each adjoint back where its item came from
def sorted_(g, ans, iterable, *, key=None, reverse=False):
    return _ntl.unsorted(g, iterable, key, reverse)


@tangent(builtins.sorted)
def sorted_t(ans, iterable, *, key=None, reverse=False, diterable=None):
    return _ntl.sorted_tangent(iterable, diterable, key, reverse)


@adjoint(_ntl.items)
def items(g, ans, mapping):
    return _ntl.unitems(g, mapping)


@tangent(_ntl.items)
def items_t(ans, mapping, dmapping):
    return _ntl.items_tangent(mapping, dmapping)


@adjoint(_ntl.values)
def values(g, ans, mapping):
    return _ntl.unvalues(g, mapping)


@tangent(_ntl.values)
def values_t(ans, mapping, dmapping):
    return _ntl.values_tangent(mapping, dmapping)


@adjoint(_ntl.iterated)
def iterated(g, ans, xs):
    return _ntl.uniterated(g, xs)


@tangent(_ntl.iterated)
def iterated_t(ans, xs, dxs):
    return _ntl.iterated_tangent(xs, dxs)


@adjoint(_ntl.merged)
def merged(g, ans, mapping, extra):
    return _ntl.unmerged(g, mapping, extra, 0), _ntl.unmerged(g, mapping, extra, 1)


@tangent(_ntl.merged)
def merged_t(ans, mapping, extra, dmapping, dextra):
    return _ntl.merged_tangent(mapping, extra, dmapping, dextra)


nondifferentiable(_ntl.keys, _ntl.check_unpacking)

nondifferentiable(builtins.len, builtins.int, builtins.bool, builtins.round, builtins.range,
                  builtins.isinstance, builtins.str, builtins.print, builtins.type,
                  builtins.enumerate, builtins.zip, builtins.hash, builtins.id, scalar=True)

# -- math -----------------------------------------------------------------------



@linear(math.fsum, scalar=True)
def fsum(g, ans, iterable):
    return _tl.fill_like(g, iterable)


@adjoint(math.prod, scalar=True)            # no division: a zero factor is like any other
def prod(g, ans, iterable, *, start=1):
    return _ntl.prod_adjoint(g, iterable, start), g * math.prod(iterable)


@tangent(math.prod)
def prod_tangent(ans, iterable, *, start=1, diterable=None, dstart=None):
    return _ntl.prod_tangent(iterable, diterable, start, dstart)


@adjoint(math.dist, scalar=True)            # slope 0 where p == q, as hypot at the origin
def dist(g, ans, p, q):
    dp = _ntl.dist_adjoint(g, p, q, ans)
    return dp, _ntl.negate_all(dp)


@tangent(math.dist)
def dist_tangent(ans, p, q, dp, dq):
    return _ntl.dist_tangent(p, q, dp, dq, ans)


nondifferentiable(math.floor, math.ceil, math.trunc, math.isnan, math.isinf,
                  math.isfinite, scalar=True)

