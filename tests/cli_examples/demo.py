"""Functions for the command-line tests (tests/test_cli.py) and docs/cli.md."""

import math

import numpy as np

import tangentlike as tl

from demo_helpers import square   # a sibling module: the CLI puts this folder on sys.path

CONSTANT = 3.0


def f(a, b):
    """Baydin et al.'s example: the gradient at (2, 3) is (0.5, 1/3)."""
    c = a * b
    if c > 0:
        d = math.log(c)
    else:
        d = math.sin(c)
    return d


def power_sum(x, n):
    """sin(x) + sin(x**2) + ... + sin(x**n); `n` is a loop count."""
    s = 0.0
    p = 1.0
    for i in range(n):
        p = p * x
        s = s + math.sin(p)
    return s


def loss(w, x):
    """A one-layer network's squared activations, summed."""
    return np.sum(np.tanh(x @ w) ** 2)


def wave(w):
    """A scalar function of a whole array (for long check tables)."""
    return np.sum(np.sin(w) * w)


def outer(x):
    """Calls a function from a sibling module."""
    return square(x) + x


def step(x):
    """Jumps at 0: the AD derivative is 1 there, finite differences see the jump."""
    if x > 0.0:
        return x
    return x + 1.0


def log_of(x):
    """Raises ValueError for x <= 0."""
    return math.log(x)


def doubled(w):
    """Returns an array, so it has no gradient (only a vector-Jacobian product)."""
    return w * 2.0


def guarded(x):
    """Uses `try`, which tangentlike rejects before transforming."""
    try:
        y = x * x
    except ValueError:
        y = x
    return y


@tl.differentiate
def decorated(x, y):
    """Decorated with @tl.differentiate: the command line uses the plain function."""
    return x * y + math.exp(x)


def total(*xs):
    """Varargs: the command line cannot fill *xs from named --at values."""
    return sum(x * x for x in xs)


def scaled(x, k: int, offset=2):
    """`k` is annotated int and `offset` has an int default: neither is differentiated."""
    return x * k + offset
