"""The table of `math` rule cases beyond the elementwise declarations: functions of
lists (math.prod, math.fsum, math.dist), math.hypot of several coordinates, and
math.gamma / math.lgamma / math.cbrt / math.exp2 inside larger expressions.

Each wrapper is a module-level function (tangentlike and autograd read its source);
`CASES` pairs it with inputs away from poles and kinks, and the positions to
differentiate.  A list argument's gradient is a list.
"""

import math
from typing import Any, Callable, NamedTuple


class Case(NamedTuple):
    name: str
    fn: Callable
    args: tuple
    wrt: Any = 0
    autograd: bool = False       # the autograd oracle has every function the wrapper calls


def gamma_(x):
    return math.gamma(x) * math.sin(x)


def lgamma_(x):
    return math.lgamma(x * x + 0.5) + math.lgamma(x)


def cbrt_(x):
    return math.cbrt(x) * x


def exp2_(x):
    return math.exp2(x * 0.5) + math.sin(x)


def prod_(x, y):
    return math.prod([x, x * y, 3.0, y])


def prod_start(x, y):
    return math.prod([x, 2.0], start=y * y)


def prod_list(xs):
    return math.prod(xs) + xs[0]


def fsum_(x, y):
    return math.fsum([x, x * y, 0.1, math.sin(y)])


def fsum_list(xs):
    return math.fsum(xs) * xs[1]


def dist_(x, y):
    return math.dist([x, 1.0, y], [0.5, y * y, -x])


def dist_lists(p, q):
    return math.dist(p, q) * p[0]


def hypot3(x, y):
    return math.hypot(x, 2.0, x * y)


def hypot5(x, y):
    return math.hypot(x, y, x * y, 0.5, y - x)


def hypot1(x):
    return math.hypot(x * 3.0)


def _cases():
    c = [
        Case("gamma", gamma_, (1.7,), autograd=True),
        Case("gamma-negative", gamma_, (-1.4,), autograd=True),
        Case("gamma-small", gamma_, (0.05,), autograd=True),
        Case("lgamma", lgamma_, (2.6,), autograd=True),
        Case("lgamma-negative", lgamma_, (-2.3,), autograd=True),
        Case("prod", prod_, (0.7, -1.3), (0, 1)),
        Case("prod-start", prod_start, (0.7, -1.3), (0, 1)),
        Case("prod-zero-factor", prod_list, ([0.0, 2.0, -1.5],)),
        Case("prod-list", prod_list, ([0.4, 2.0, -1.5, 1.1],)),
        Case("fsum", fsum_, (0.7, -1.3), (0, 1)),
        Case("fsum-list", fsum_list, ([0.4, 2.0, -1.5],)),
        Case("dist", dist_, (0.7, -1.3), (0, 1)),
        Case("dist-lists", dist_lists, ([0.4, 2.0], [-1.5, 0.3]), (0, 1)),
        Case("hypot-3", hypot3, (0.7, -1.3), (0, 1)),
        Case("hypot-5", hypot5, (0.7, -1.3), (0, 1)),
        Case("hypot-1", hypot1, (-0.7,)),
    ]
    if hasattr(math, "cbrt"):          # Python >= 3.11
        c += [Case("cbrt", cbrt_, (1.7,)),              # autograd has no cbrt slope
              Case("cbrt-negative", cbrt_, (-0.6,)),
              Case("exp2", exp2_, (0.8,), autograd=True)]
    return c


CASES = _cases()
