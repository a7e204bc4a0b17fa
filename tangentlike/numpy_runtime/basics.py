"""What every other submodule builds on: the zero sentinel, and an array's shape and
floating dtype read the way NumPy-protocol arrays allow.

Receives any value generated code holds: a number, a NumPy array, another array type
(Dask, CuPy), a list, or the zero sentinel `0.0` (which `is_zero`, `item`, `zeros_for`,
`dense` and `cast_derivative` accept for a derivative).  Writes none of its arguments.
Results are fresh arrays or numbers, except that `item`, `dense`, `cast_derivative` and
`astype` (when asked not to copy) may return (a part of) their argument itself, and `mT`
and `lift` return views of theirs.
"""

import numpy as np

from ..runtime import _is_array  # noqa: F401  (one definition, with its fast path)


def is_zero(b):
    """Whether `b` is the zero sentinel (a Python number equal to 0)."""
    if b.__class__ is float:
        return b == 0
    return isinstance(b, (int, float)) and b == 0


def item(b, k):
    """`b[k]` for the adjoint of a tuple result, where `b` or `b[k]` may be zero."""
    return 0.0 if is_zero(b) else b[k]


def zeros_for(x):
    """A zero adjoint for array `x`: zeros of its shape, in its floating dtype (float for
    an integer array)."""
    if x.__class__ is np.ndarray:
        return np.zeros(x.shape, x.dtype if x.dtype.kind in "fc" else float)
    return np.zeros_like(x, dtype=_dtype(x))


def dense(b, like):
    """`b`, or zeros shaped like `like` when `b` is the zero sentinel."""
    return np.zeros_like(like) if is_zero(b) else b


def sign(x):
    """-1, 0 or 1 in x's type (0 at 0, the convention for |x| at 0), for Python numbers,
    NumPy scalars (whose comparisons give booleans that cannot be subtracted) and arrays."""
    if x.__class__ is float or x.__class__ is int:
        return (x > 0) - (x < 0)
    return np.sign(x)


def mT(x):
    """x with its last two axes swapped (the matrix transpose of a stack)."""
    return np.swapaxes(x, -1, -2)


def _ndim(a):
    return a.ndim if _is_array(a) else np.ndim(a)


def _shape(a):
    return a.shape if _is_array(a) else np.shape(a)


def _dtype(a):
    return a.dtype if _is_array(a) and a.dtype.kind in "fc" else np.dtype(float)


def astype(x, dtype, order="K", casting="unsafe", subok=True, copy=True):
    """`x.astype(dtype, ...)`, the function the method stands for (NumPy < 2.1 has no
    numpy.astype)."""
    return x.astype(dtype, order=order, casting=casting, subok=subok, copy=copy)


def cast_derivative(b, like):
    """A derivative `b` (maybe the sentinel) as the derivative of a value of `like`'s
    dtype: cast to it when that is a floating or complex dtype (a complex derivative of
    a real value keeps its real part), zero when `like` holds integers or booleans,
    which carry no derivative."""
    kind = np.result_type(like).kind
    if kind not in "fc":
        return 0.0
    if not _is_array(b):
        return b
    if kind == "f" and b.dtype.kind == "c":
        b = b.real
    return b.astype(np.result_type(like), copy=False)


def cast_pieces(pieces, arrays):
    """The adjoints `pieces` of `arrays`, each cast as `cast_derivative` casts it."""
    return [cast_derivative(piece, x) for piece, x in zip(pieces, arrays)]


def nonzero(x):
    """`x` with zeros replaced by ones: a divisor for slopes that are 0 at a kink."""
    if _is_array(x):
        return np.where(x == 0, 1, x).astype(x.dtype, copy=False)
    return x if x != 0 else 1.0


def lift(g, k):
    """`g` with `k` trailing axes of size 1 (scalars as they are)."""
    if not _is_array(g):
        return g
    return np.reshape(g, g.shape + (1,) * k)
