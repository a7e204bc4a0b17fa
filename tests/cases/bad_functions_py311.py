"""A function tangentlike rejects, written with Python 3.11 syntax (`except*`): imported
only on Python 3.11 and later (tests/test_check.py), so the suite runs on 3.10."""

import math


def bad_try_star(x):
    try:  # BAD
        y = math.log(x)
    except* ValueError:
        y = 0.0
    return y
