"""Functions whose derivatives fail, for the debugging-aid tests."""

import math

import numpy as np


def sqrt_at_zero(x):
    y = math.sqrt(x)
    return y * 2.0


def log_of_negative(x):
    return math.log(x) * 3.0


def sqrt_then_scale(x):
    y = math.sqrt(x)
    z = y * 3.0
    return z


def np_sqrt_sum(x):
    return np.sum(np.sqrt(x))
