"""A module whose globals the tests rebind (test_cache_keys.py)."""
import numpy as np

SCALE = 2.0
W = np.array([1.0, 2.0, 3.0])


def square(x):
    return x * x


def cube(x):
    return x * x * x


helper = square


def make(fn):
    def f(x):
        return np.sum(fn(x))
    return f


def uses_globals(x):
    return np.sum(W * x) * SCALE + np.sum(helper(x))


def weighted(x):
    """A helper reading a data global and a helper global of its own."""
    return np.sum(W * x * x) * SCALE + np.sum(helper(x))


def calls_weighted(x):
    return weighted(x) + x[0]


def level5(x):
    return square(x)


def level4(x):
    return level5(x)


def level3(x):
    return level4(x) * 2.0


def level2(x):
    return level3(x) + 1.0


def level1(x):
    return np.sum(level2(x))
