"""NumPy's shape and layout functions, and the constructors of arrays.

Reshaping, transposing, stacking, splitting, tiling, flipping, rolling, padding and
taking diagonals or triangles move elements without changing them: they are
`linear`, and each declares its transpose (the adjoint puts every element of `g`
back where it came from, summing where one element was used twice); the tangent
is the function applied to the tangent.  `pad` differentiates its constant fill
value too (modes constant, edge, reflect, symmetric, wrap); `astype` casts the
derivative back to the input's dtype.  Constructors are differentiable in the
values they are given: array/asarray in the elements, full/full_like in the fill
value, arange in start and step (stop only sets the length), linspace in start and
stop.  Shapes, sizes and arrays of constants (zeros, ones, eye, ...) are
non-differentiable.
"""

import numpy as np

from .. import numpy_runtime as _ntl
from .registry import adjoint, if_defined, linear, nondifferentiable, tangent


@linear(np.reshape)
def reshape(g, ans, a, shape, order="C"):
    return np.reshape(g, np.shape(a), order=order)


@linear(np.ravel)
def ravel(g, ans, a, order="C"):
    return np.reshape(g, np.shape(a), order=order)


@linear(np.copy)
def copy(g, ans, a, order="K", subok=False):
    return g


@adjoint(_ntl.astype)               # x.astype(dtype): the derivative cast back to x's dtype
def astype(g, ans, x, dtype, order="K", casting="unsafe", subok=True, copy=True):
    return _ntl.cast_derivative(_ntl.cast_derivative(g, ans), x)


@tangent(_ntl.astype)
def astype_t(ans, x, dtype, order="K", casting="unsafe", subok=True, copy=True, dx=None):
    return _ntl.cast_derivative(_ntl.cast_derivative(dx, x), ans)


@linear(np.transpose)            # np.permute_dims is np.transpose
def transpose(g, ans, a, axes=None):
    if axes is None:
        return np.transpose(g)
    return _ntl.untranspose(g, axes)


@if_defined(linear, np, "matrix_transpose")
def matrix_transpose(g, ans, x):
    return np.matrix_transpose(g)


@if_defined(linear, np, "linalg.matrix_transpose")
def linalg_matrix_transpose(g, ans, x):
    return np.matrix_transpose(g)


@linear(np.swapaxes)
def swapaxes(g, ans, a, axis1, axis2):
    return np.swapaxes(g, axis1, axis2)


@linear(np.moveaxis)
def moveaxis(g, ans, a, source, destination):
    return np.moveaxis(g, destination, source)


@linear(np.rollaxis)
def rollaxis(g, ans, a, axis, start=0):
    return _ntl.unrollaxis(g, a, axis, start)


@linear(np.expand_dims)
def expand_dims(g, ans, a, axis):
    return _ntl.reshape_like(g, a)


@linear(np.squeeze)
def squeeze(g, ans, a, axis=None):
    return _ntl.reshape_like(g, a)


@linear(np.atleast_1d)
@linear(np.atleast_2d)
@linear(np.atleast_3d)
def atleast_nd(g, ans, arys):
    return _ntl.reshape_like(g, arys)


@linear(np.broadcast_to)
def broadcast_to(g, ans, array, shape, subok=False):
    return _ntl.sum_like(g, array)


# dtype= casts the result; the adjoint casts each piece back to its array's dtype
@linear(np.concatenate)          # np.concat is np.concatenate
def concatenate(g, ans, arrays, axis=0, out=None, dtype=None, casting="same_kind"):
    if dtype is None:
        return _ntl.unconcatenate(g, arrays, axis)
    return _ntl.cast_pieces(_ntl.unconcatenate(g, arrays, axis), arrays)


@linear(np.stack)
def stack(g, ans, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    if dtype is None:
        return _ntl.unstack(g, arrays, axis)
    return _ntl.cast_pieces(_ntl.unstack(g, arrays, axis), arrays)


@linear(np.vstack)
def vstack(g, ans, tup, *, dtype=None, casting="same_kind"):
    if dtype is None:
        return _ntl.unstack_promoted(g, tup, "vstack")
    return _ntl.cast_pieces(_ntl.unstack_promoted(g, tup, "vstack"), tup)


@linear(np.hstack)
def hstack(g, ans, tup, *, dtype=None, casting="same_kind"):
    if dtype is None:
        return _ntl.unstack_promoted(g, tup, "hstack")
    return _ntl.cast_pieces(_ntl.unstack_promoted(g, tup, "hstack"), tup)


@linear(np.dstack)
def dstack(g, ans, tup):
    return _ntl.unstack_promoted(g, tup, "dstack")


@linear(np.column_stack)
def column_stack(g, ans, tup):
    return _ntl.unstack_promoted(g, tup, "column_stack")


@linear(np.append)
def append(g, ans, arr, values, axis=None):
    parts = _ntl.unconcatenate(g, [arr, values], axis)
    return parts[0], parts[1]


@if_defined(linear, np, "unstack")
def unstack(g, ans, x, axis=0):
    return _ntl.restack(g, ans, axis)


@linear(np.split)
@linear(np.array_split)
def split(g, ans, ary, indices_or_sections, axis=0):
    return _ntl.unsplit(g, ans, axis)


@linear(np.hsplit)
def hsplit(g, ans, ary, indices_or_sections):
    return _ntl.unsplit(g, ans, _ntl.split_axis(ary, "h"))


@linear(np.vsplit)
def vsplit(g, ans, ary, indices_or_sections):
    return _ntl.unsplit(g, ans, 0)


@linear(np.dsplit)
def dsplit(g, ans, ary, indices_or_sections):
    return _ntl.unsplit(g, ans, 2)


@linear(np.tile)
def tile(g, ans, A, reps):
    return _ntl.untile(g, A, reps)


@linear(np.repeat)
def repeat(g, ans, a, repeats, axis=None):
    return _ntl.unrepeat(g, a, repeats, axis)


@linear(np.flip)
def flip(g, ans, m, axis=None):
    return np.flip(g, axis)


@linear(np.fliplr)
def fliplr(g, ans, m):
    return np.fliplr(g)


@linear(np.flipud)
def flipud(g, ans, m):
    return np.flipud(g)


@linear(np.rot90)
def rot90(g, ans, m, k=1, axes=None):
    if axes is None:
        return np.rot90(g, -k)
    return np.rot90(g, -k, axes)


@linear(np.roll)
def roll(g, ans, a, shift, axis=None):
    return np.roll(g, _ntl.negated(shift), axis)


@linear(np.diagonal)
def diagonal(g, ans, a, offset=0, axis1=0, axis2=1):
    return _ntl.undiagonal(g, a, offset, axis1, axis2)


@if_defined(linear, np, "linalg.diagonal")
def linalg_diagonal(g, ans, x, offset=0):
    return _ntl.undiagonal(g, x, offset, -2, -1)


@linear(np.diag)
def diag(g, ans, v, k=0):
    return _ntl.undiag(g, v, k)


@linear(np.diagflat)
def diagflat(g, ans, v, k=0):
    return _ntl.reshape_like(np.diagonal(g, k).copy(), v)


@linear(np.triu)
def triu(g, ans, m, k=0):
    return np.triu(g, k)


@linear(np.tril)
def tril(g, ans, m, k=0):
    return np.tril(g, k)


@adjoint(np.pad)                 # modes constant, edge, reflect, symmetric, wrap
def pad(g, ans, array, pad_width, mode="constant", *, constant_values=0):
    return (_ntl.unpad(g, array, pad_width, mode), 0.0, 0.0,
            _ntl.unpad_constant_values(g, pad_width, constant_values))


@tangent(np.pad)
def pad_t(ans, array, pad_width, mode="constant", *, constant_values=0, darray=None,
          dconstant_values=None):
    return _ntl.pad_tangent(darray, array, pad_width, mode, dconstant_values)


# -- construction ---------------------------------------------------------------------------------


@linear(np.array)                # of arrays or (nested) lists of scalars
def array(g, ans, object, dtype=None, copy=True, order="K", subok=False, ndmin=0):
    return _ntl.unpack(g, object)


@linear(np.asarray)
@linear(np.asanyarray)
def asarray(g, ans, a, dtype=None, order=None):
    return _ntl.unpack(g, a)


@linear(np.ascontiguousarray)
@linear(np.asfortranarray)
def ascontiguousarray(g, ans, a, dtype=None):
    return _ntl.unpack(g, a)


@adjoint(np.full)                # differentiable in the fill value only
def full(g, ans, shape, fill_value, dtype=None, order="C"):
    return 0.0, _ntl.sum_like(g, fill_value)


@tangent(np.full)
def full_t(ans, shape, fill_value, dtype=None, order="C", dfill_value=None):
    return np.zeros_like(ans) + dfill_value


@adjoint(np.full_like)
def full_like(g, ans, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    return 0.0, _ntl.sum_like(g, fill_value)


@tangent(np.full_like)
def full_like_t(ans, a, fill_value, dtype=None, order="K", subok=True, shape=None,
                dfill_value=None):
    return np.zeros_like(ans) + dfill_value


# arange(start, stop, step) is start + i * step: stop only sets the length; one template
# per form of the call, the most positional arguments first
@adjoint(np.arange)
def arange3(g, ans, start, stop, step, dtype=None):
    return _ntl.arange_adjoint(g, ans, 0), 0.0, _ntl.arange_adjoint(g, ans, 1)


@adjoint(np.arange)
def arange2(g, ans, start, stop, dtype=None):
    return _ntl.arange_adjoint(g, ans, 0), 0.0


@adjoint(np.arange)
def arange1(g, ans, stop, *, step=1, dtype=None):
    return 0.0, _ntl.arange_adjoint(g, ans, 1)


@tangent(np.arange)
def arange3_t(ans, start, stop, step, dtype=None, dstart=None, dstop=None, dstep=None):
    return _ntl.arange_tangent(ans, dstart, dstep)


@tangent(np.arange)
def arange2_t(ans, start, stop, dtype=None, dstart=None, dstop=None):
    return _ntl.arange_tangent(ans, dstart, 0.0)


@tangent(np.arange)
def arange1_t(ans, stop, *, step=1, dtype=None, dstop=None, dstep=None):
    return _ntl.arange_tangent(ans, 0.0, dstep)


@adjoint(np.linspace)            # differentiable in start and stop, not in num
def linspace(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    t = _ntl.linspace_weights(start, stop, num, endpoint, axis)
    return _ntl.linspace_adjoint(g, start, 1.0 - t, axis), _ntl.linspace_adjoint(g, stop, t, axis)


@tangent(np.linspace)
def linspace_t(ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0,
               dstart=None, dstop=None):
    return _ntl.linspace_tangent(start, stop, num, endpoint, axis, dstart, dstop)


nondifferentiable(
    np.shape, np.ndim, np.size, np.zeros_like, np.ones_like, np.empty_like, np.zeros,
    np.ones, np.empty, np.eye, np.identity, np.tri, np.may_share_memory, np.shares_memory,
    np.isscalar)
