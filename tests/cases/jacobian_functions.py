"""Functions for the Jacobian and Hessian tests (module level: tangentlike reads them).

JACOBIAN_CASES: (function, arguments, wrt) over scalar, vector and matrix inputs and
outputs, tuple outputs, several wrt and int arguments held constant.
HESSIAN_CASES: (scalar function, arguments, wrt) with wrt a tuple of arguments.
"""

import math

import numpy as np


def scalar_to_scalar(x):
    return math.sin(x) * x ** 2


def vector_to_vector(x):
    return np.sin(x) * x[0] + np.exp(x) * 0.5


def matrix_to_vector(a):
    return a @ np.array([1.0, -2.0]) + np.sum(a * a, axis=1)


def vector_to_matrix(x):
    return np.outer(x, x) + np.tanh(x)


def matrix_to_matrix(a):
    return a @ a.T * 0.5 + np.cos(a[:, :1])


def scalar_to_vector(t):
    return np.array([math.cos(t), math.sin(t), t * t])


def vector_to_scalar(x):
    return np.sum(x ** 3) - np.prod(x)


def two_arguments(x, y, n):
    return np.sin(x * y) * n + x ** 2 * y


def two_outputs(x, y):
    return x * y, np.sum(x) * math.cos(y)


def list_output(x):
    return [np.sum(x), x * 2.0]


def scaled_matrix(a, s, n):
    return np.sum(np.sin(a) * s) ** 2 / n + s * s * np.sum(a ** 3)


def quadratic_pair(x, y):
    return x * x * y + math.sin(x * y)


def with_constant(x, b, n):
    return np.sum(x * x * b) * n + np.sum(np.cos(x)) * b[0]


def dict_output(x):
    return {"x": x}


def vector_output(x):
    return x * 2.0


X = np.array([0.3, -0.7, 1.1])
A = np.array([[0.5, -1.0], [2.0, 0.25], [-0.3, 0.8]])

JACOBIAN_CASES = [
    (scalar_to_scalar, (0.7,), 0),
    (vector_to_vector, (X,), 0),
    (matrix_to_vector, (A,), 0),
    (vector_to_matrix, (X,), 0),
    (matrix_to_matrix, (A,), 0),
    (scalar_to_vector, (0.4,), 0),
    (vector_to_scalar, (X,), 0),
    (two_arguments, (X, 1.3, 2), (0, 1)),
    (two_arguments, (X, 1.3, 2), ("y",)),
    (two_arguments, (X, 1.3, 2), "x"),
    (two_outputs, (X, 0.9), (0, 1)),
    (two_outputs, (X, 0.9), 1),
    (list_output, (X,), 0),
]

HESSIAN_CASES = [
    (quadratic_pair, (0.6, -1.2), (0, 1)),
    (scaled_matrix, (A, 0.7, 3), (0, 1)),
    (scaled_matrix, (A, 0.7, 3), (1, 0)),
    (with_constant, (X, np.array([1.5, -0.5, 2.0]), 2), ("x", "b")),
    (vector_to_scalar, (X,), (0,)),
]
