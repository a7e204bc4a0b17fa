"""Helpers for the rules of `math`'s functions of Python numbers and lists of them:
the polygamma functions (the slopes of math.gamma and math.lgamma) and the adjoints
and tangents of math.prod and math.dist.

Receives Python numbers (or NumPy scalars, which math accepts), lists or tuples of
them, and for a derivative the zero sentinel `0.0`, whole or as an item of a list.
Writes none of its arguments; every result is a fresh number or list.

`polygamma(x, n)` is the n-th derivative of digamma, psi = d/dx log|gamma(x)|, at a real
x that is not a pole (0, -1, -2, ...; a pole raises ValueError, as math.gamma does):
the recurrence psi^(n)(x) = psi^(n)(x + 1) - (-1)^n n! / x^(n + 1) moves x above 10,
where the asymptotic series
    psi(x)      ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k)
    psi^(n)(x)  ~ (-1)^(n+1) [(n-1)!/x^n + n!/(2 x^(n+1)) + sum_k B_2k (2k+n-1)!/((2k)! x^(2k+n))]
is summed to its 10th term; digamma at negative x uses the reflection
psi(1 - x) - psi(x) = pi cot(pi x).  The error is about 1e-15 relative for the first
few orders (tests compare with scipy.special.psi / polygamma where installed).
"""

import math

# B_2, B_4, ..., B_20: the Bernoulli numbers of the asymptotic series
_BERNOULLI = (1.0 / 6.0, -1.0 / 30.0, 1.0 / 42.0, -1.0 / 30.0, 5.0 / 66.0, -691.0 / 2730.0,
              7.0 / 6.0, -3617.0 / 510.0, 43867.0 / 798.0, -174611.0 / 330.0)
_LARGE = 10.0          # where the series is summed


def _check_pole(x):
    if x <= 0 and x == math.floor(x):
        raise ValueError(f"the polygamma functions have a pole at {x!r}")


def digamma(x):
    """psi(x) = gamma'(x) / gamma(x), the derivative of math.lgamma(x)."""
    x = float(x)
    _check_pole(x)
    if x < 0:                           # reflection: no long recurrence far below 0
        return digamma(1.0 - x) - math.pi / math.tan(math.pi * x)
    shift = 0.0
    while x < _LARGE:                   # psi(x) = psi(x + 1) - 1/x
        shift -= 1.0 / x
        x += 1.0
    inverse_square = 1.0 / (x * x)
    series, power = 0.0, 1.0
    for k, b in enumerate(_BERNOULLI, start=1):
        power *= inverse_square
        series += b / (2 * k) * power
    return shift + math.log(x) - 0.5 / x - series


def polygamma(x, n=0):
    """psi^(n)(x), the n-th derivative of digamma (n = 0: digamma itself)."""
    n = int(n)
    if n == 0:
        return digamma(x)
    x = float(x)
    _check_pole(x)
    sign = 1.0 if n % 2 == 1 else -1.0            # (-1)^(n+1)
    n_factorial = math.factorial(n)
    shift = 0.0
    while x < _LARGE:                   # the terms n! / x^(n+1) the recurrence moves out
        shift += n_factorial / x ** (n + 1)
        x += 1.0
    series = math.factorial(n - 1) / x ** n + n_factorial / (2.0 * x ** (n + 1))
    for k, b in enumerate(_BERNOULLI, start=1):
        series += b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) / x ** (2 * k + n)
    return sign * (shift + series)


def _is_zero(b):
    return isinstance(b, (int, float)) and b == 0


def prod_adjoint(g, iterable, start=1):
    """The adjoint of each factor of math.prod(iterable, start=start): g times the product
    of start and the other factors (products of prefixes and suffixes, no division, so
    a zero factor is handled like any other)."""
    items = list(iterable)
    prefix = [start]
    for v in items[:-1]:
        prefix.append(prefix[-1] * v)
    out, suffix = [0.0] * len(items), 1
    for k in range(len(items) - 1, -1, -1):
        out[k] = g * (prefix[k] * suffix)
        suffix = suffix * items[k]
    return out


def prod_tangent(iterable, diterable, start=1, dstart=0.0):
    """The tangent of math.prod(iterable, start=start): each factor's tangent times the
    others, summed (`diterable` may be the sentinel or hold it)."""
    items = list(iterable)
    total = 0.0 if _is_zero(dstart) else dstart * math.prod(items)
    if _is_zero(diterable):
        return total
    others = prod_adjoint(1.0, items, start)
    for d, other in zip(diterable, others):
        if not _is_zero(d):
            total = total + d * other
    return total


def dist_adjoint(g, p, q, ans):
    """The adjoint of p for math.dist(p, q) (that of q is its negation): g (p - q) / ans,
    0 where p == q (the convention of hypot at the origin)."""
    scale = g / ans if ans != 0 else 0.0
    return [scale * (a - b) for a, b in zip(p, q)]


def negate_all(values):
    """[-v for v in values]: the adjoint of q for math.dist."""
    return [-v for v in values]


def dist_tangent(p, q, dp, dq, ans):
    """The tangent of math.dist(p, q): sum (p - q)(dp - dq) / ans, 0 where p == q."""
    if ans == 0:
        return 0.0
    total = 0.0
    for k, (a, b) in enumerate(zip(p, q)):
        da = 0.0 if _is_zero(dp) else dp[k]
        db = 0.0 if _is_zero(dq) else dq[k]
        total = total + (a - b) * (da - db)
    return total / ans
