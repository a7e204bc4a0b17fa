"""Array methods, differentiated as the NumPy functions they stand for.

`x.sum(axis=0)` is `numpy.sum(x, axis=0)`: the value the method is called on
becomes the first argument, so each method needs no rule of its own.  Methods
that take their shape or axes as separate arguments (`x.reshape(3, 4)`,
`x.transpose(1, 0)`) have them packed into one tuple.
"""

import numpy as np

from .. import numpy_runtime as _ntl

METHODS = {
    "sum": np.sum, "mean": np.mean, "prod": np.prod, "max": np.max, "min": np.min,
    "var": np.var, "std": np.std, "cumsum": np.cumsum, "cumprod": np.cumprod,
    "dot": np.dot, "clip": np.clip, "ravel": np.ravel, "flatten": np.ravel,
    "squeeze": np.squeeze, "reshape": np.reshape, "transpose": np.transpose,
    "swapaxes": np.swapaxes, "diagonal": np.diagonal, "trace": np.trace,
    "repeat": np.repeat, "take": np.take, "conj": np.conj, "conjugate": np.conj,
    "copy": np.copy, "astype": _ntl.astype,
    "argmax": np.argmax, "argmin": np.argmin, "argsort": np.argsort, "round": np.round,
    "any": np.any, "all": np.all, "nonzero": np.nonzero,
}
PACKED = {"reshape", "transpose"}


def method_callable(name):
    """The NumPy function standing for method `name`, or None."""
    return METHODS.get(name)
