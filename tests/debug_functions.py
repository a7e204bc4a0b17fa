"""Functions whose derivatives fail, for the debugging-aid tests."""

import math


def sqrt_at_zero(x):
    y = math.sqrt(x)
    return y * 2.0


def log_of_negative(x):
    return math.log(x) * 3.0
