"""Directions for the forward-mode tests: tangents shaped like the arguments."""

import numpy as np


def wrt_positions(case):
    """The argument positions `case.wrt` names (default: the first argument)."""
    names = list(case.fn.__code__.co_varnames[:case.fn.__code__.co_argcount])
    wrt = case.wrt if case.wrt is not None else 0
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    return [w if isinstance(w, int) else names.index(w) for w in items]


def random_like(value, rng):
    if isinstance(value, np.ndarray):
        return rng.standard_normal(value.shape)
    if isinstance(value, (list, tuple)):
        return type(value)(random_like(v, rng) for v in value)
    if isinstance(value, dict):
        return {k: random_like(v, rng) for k, v in value.items()}
    return float(rng.standard_normal())


def zero_like(value):
    if isinstance(value, np.ndarray):
        return np.zeros_like(value, dtype=float)
    if isinstance(value, (list, tuple)):
        return type(value)(zero_like(v) for v in value)
    if isinstance(value, dict):
        return {k: zero_like(v) for k, v in value.items()}
    return 0.0


def dot(a, b):
    """The inner product of two values of the same structure."""
    if isinstance(a, (list, tuple)):
        return sum(dot(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return sum(dot(a[k], b[k]) for k in a)
    return float(np.sum(np.asarray(a) * np.asarray(b)))
