"""NumPy's selection by index: take, take_along_axis, sort, np.r_ and np.c_.

Each adjoint puts `g` back at the positions its elements were taken from, adding
where one element was taken twice (`_ntl.untake`, `_ntl.unsort`), and splits it
into the items that np.r_[...] and np.c_[...] joined; each tangent selects from the
tangent as the function selects from its input.  take and take_along_axis are
`linear`.  Conventions (docs/conventions.md): `sort` follows the stable order at
ties, and so does `partition` (each element's adjoint to the element that landed
there).  Functions that return indices (argmax, argsort, nonzero, searchsorted, ...)
are non-differentiable.
"""

import numpy as np

from .. import numpy_runtime as _ntl
from .registry import adjoint, linear, nondifferentiable, tangent


# np.r_[a, b, ...] and np.c_[...] are calls of these objects' __getitem__ with the tuple
# of items: slices and directives pass through, the data items' elements are placed


@adjoint(np.r_.__getitem__)
def r_(g, ans, key):
    return _ntl.index_trick_adjoint(g, np.r_, key)


@tangent(np.r_.__getitem__)
def r_t(ans, key, dkey):
    return _ntl.index_trick_tangent(ans, np.r_, key, dkey)


@adjoint(np.c_.__getitem__)
def c_(g, ans, key):
    return _ntl.index_trick_adjoint(g, np.c_, key)


@tangent(np.c_.__getitem__)
def c_t(ans, key, dkey):
    return _ntl.index_trick_tangent(ans, np.c_, key, dkey)


# -- selection and sorting ------------------------------------------------------------------------


@adjoint(np.sort)               # ties follow the stable order
def sort(g, ans, a, axis=-1, kind=None, order=None):
    return _ntl.unsort(g, a, axis)


@tangent(np.sort)
def sort_t(ans, a, axis=-1, kind=None, order=None, da=None):
    return _ntl.sort_tangent(da, a, axis)


@linear(np.take)
def take(g, ans, a, indices, axis=None, out=None, mode="raise"):
    return _ntl.untake(g, a, indices, axis, mode)


@linear(np.take_along_axis)
def take_along_axis(g, ans, arr, indices, axis=-1):
    return _ntl.untake_along_axis(g, arr, indices, axis)


nondifferentiable(
    np.argmax, np.argmin, np.argsort, np.argpartition, np.nonzero, np.flatnonzero,
    np.argwhere, np.searchsorted, np.digitize)


@adjoint(np.partition)           # to the element that landed there; ties in order of occurrence
def partition(g, ans, a, kth, axis=-1, kind="introselect", order=None):
    return _ntl.untake_along_axis(g, a, _ntl.partition_index(a, ans, axis), axis)


@tangent(np.partition)
def partition_t(ans, a, kth, axis=-1, kind="introselect", order=None, da=None):
    return np.take_along_axis(da, _ntl.partition_index(a, ans, axis), axis)
