"""Functions for the higher-order derivative tests (module level: tangentlike reads them)."""

import math

import numpy as np

import tangentlike as tl


def quartic(x):
    return x ** 4


def mixed(x, y):
    return x * x * y + math.sin(x * y)


def sines(x):
    s = 0.0
    for i in range(3):
        s = s + math.sin(x * (i + 1))
    return s


def branchy(x):
    y = x
    k = 0
    while k < 5:
        if y > 1.0:
            y = y * 0.5
        else:
            y = y * y + 0.7
        k += 1
    return y


def quadratic_form(x):
    return 0.5 * np.dot(x, np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 4.0]]) @ x)


def cubic_sum(x):
    return np.sum(x * x * x) + np.sum(np.sin(x))


def field(p):
    return np.array([p[1] * p[2], p[0] * p[0] * p[2], np.sin(p[0]) + p[1]])


def squares(x):
    return x * x


# -- nesting: tangentlike gradients called inside differentiated code ------------


def add(x, y):
    return x + y


def x_times_inner_derivative(x):
    # d/dx [x * (d/dy (x + y) at y = 1)] = 1 (the classic perturbation-confusion test)
    return x * tl.grad(add, wrt=1)(x, 1.0)


def loss(w):
    return (w - 3.0) ** 2 + w * w * w * 0.1


def loss_after_descent(lr):
    w = 0.5
    step = tl.grad(loss)
    for _ in range(4):
        w = w - lr * step(w)
    return loss(w)


