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
