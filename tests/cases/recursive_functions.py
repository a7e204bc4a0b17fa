"""Recursive functions for the recursion-depth tests (module level: tangentlike reads
them).  Each takes (x, n) and recurses n levels deep; `slope(x, n)` beside each is
its derivative along x, computed by a plain loop (no recursion, no tangentlike).
"""

import math

import numpy as np


def damped(x, n):
    return x if n == 0 else math.sin(damped(x, n - 1)) * 0.9 + x


def damped_slope(x, n):
    value, slope = x, 1.0
    for _ in range(n):
        value, slope = math.sin(value) * 0.9 + x, math.cos(value) * 0.9 * slope + 1.0
    return slope


def even(x, n):
    return x if n == 0 else math.sin(odd(x, n - 1)) + x


def odd(x, n):
    return x if n == 0 else math.cos(even(x, n - 1)) * 0.5 + x


def even_slope(x, n):
    value, slope = x, 1.0            # the innermost call, n levels down, returns x
    for depth in range(n - 1, -1, -1):          # the call `depth` levels down
        if depth % 2 == 0:                      # even() at depths 0, 2, ...
            value, slope = math.sin(value) + x, math.cos(value) * slope + 1.0
        else:
            value, slope = math.cos(value) * 0.5 + x, -math.sin(value) * 0.5 * slope + 1.0
    return slope


class Walker:
    def __init__(self, k):
        self.k = k

    def walk(self, x, n):
        if n == 0:
            return x
        return math.sin(self.walk(x, n - 1)) * self.k + x


def through_method(x, n):
    return Walker(0.9).walk(x, n)


def keyword_recursion(x, n, scale=0.9):
    return x if n == 0 else math.sin(keyword_recursion(x, n - 1, scale=scale)) * scale + x


def on_arrays(x, n):
    if n == 0:
        return np.sum(x)
    return math.sin(on_arrays(x, n - 1)) * 0.9 + np.sum(x)


def on_arrays_slope(x, n):
    return damped_slope(float(np.sum(x)), n) * np.ones_like(x)


def squash(v):
    return math.sin(v)


def other_squash(v):
    return math.atan(v) * 2.0


class Stepper:
    def step(self, x, n):
        if n == 0:
            return x
        return squash(self.step(x, n - 1)) * 0.9 + x


def step_with_square(self, x, n):       # becomes Stepper.step in a test
    if n == 0:
        return x * x
    return squash(self.step(x, n - 1)) * 0.8 + x


def through_stepper(x, n):
    return Stepper().step(x, n)
