"""Tangent rules for the helpers the NumPy rules call (tangentlike/numpy_runtime/).

They make derivatives of NumPy code differentiable again: a Hessian-vector product
runs forward mode over the generated reverse-mode code, and an n-th derivative runs
forward mode over forward mode, so every helper that generated code calls needs a
tangent.  Most helpers are linear in their adjoint argument (their tangent is the
helper applied to its tangent, with the primal arguments that only give shapes
unchanged); products are linear in each factor (`_ntl.product_rule`); the few
nonlinear ones have their own tangent helper.  Helpers that only compute indices,
counts or 0/1 weights are non-differentiable.

Helpers without a rule here (the linear-algebra adjoints) are differentiated from
their source, through the rules of the pieces they are built from (`mT`, `phi`,
`gap_inverse`, ...).  Not yet twice differentiable: the adjoint of `linalg.norm`
for orders other than 2 / 'fro' (a NotImplementedError says so).
"""

from .. import numpy_runtime as _ntl
from .. import runtime as _tl
from .registry import adjoint, elementwise, nondifferentiable, tangent

nondifferentiable(_ntl.sign, _ntl.count, _ntl.extreme_weights, _ntl.not_nan, _ntl.negated,
                  _ntl.split_axis, _ntl.linspace_weights, _ntl.axes_of, _ntl.is_zero,
                  _ntl.common_shape)

# -- the slopes of math.gamma and math.lgamma (numpy_runtime/scalars.py) -------------------


@elementwise(_ntl.digamma)
def digamma(ans, x):
    return _ntl.polygamma(x, 1)


@elementwise(_ntl.polygamma)
def polygamma(ans, x, n=0):
    return _ntl.polygamma(x, n + 1)


# -- np.gradient's adjoints (numpy_runtime/differences.py) -------------------------------


@tangent(_ntl.ungradient)
def ungradient(ans, g, f, spacing=1.0, axis=None, edge_order=1, dg=None, dspacing=None):
    return _ntl.ungradient_tangent(dg, f, spacing, axis, edge_order, ans, dspacing)


@tangent(_ntl.spacing_adjoint)
def spacing_adjoint(ans, g, ans_, spacing, dg, dans_, dspacing):
    return _ntl.spacing_adjoint_tangent(g, ans_, spacing, dg, dans_, dspacing, ans)


nondifferentiable(_ntl.partition_index)

# -- linear in their first argument -----------------------------------------------------


@tangent(_ntl.expand)
def expand(ans, g, a, axis=None, keepdims=False, dg=None):
    return _ntl.expand(dg, a, axis, keepdims)


@tangent(_ntl.unreduce)
def unreduce(ans, g, a, axis=None, keepdims=False, dg=None):
    return _ntl.unreduce(dg, a, axis, keepdims)


@tangent(_ntl.add_at)
def add_at(ans, b, x, index, g, shape=None, db=None, dg=None):
    return _ntl.add_at(db, x, index, dg, shape)


@tangent(_ntl.subtract_at)
def subtract_at(ans, b, x, index, g, shape=None, db=None, dg=None):
    return _ntl.subtract_at(db, x, index, dg, shape)


@tangent(_ntl.spread)
def spread(ans, g, shape, x, dg):
    return _ntl.spread(dg, shape, x)


@tangent(_ntl.matmul_adjoint_a)
def matmul_adjoint_a(ans, g, a, b, dg, db):
    return _ntl.matmul_adjoint_a(dg, a, b) + _ntl.matmul_adjoint_a(g, a, db)


@tangent(_ntl.matmul_adjoint_b)
def matmul_adjoint_b(ans, g, a, b, dg, da):
    return _ntl.matmul_adjoint_b(dg, a, b) + _ntl.matmul_adjoint_b(g, da, b)


# adjoints (reverse over reverse): all are linear in their adjoint arguments, and
# spreading to `shape` then summing to a shape is its own transpose


@adjoint(_ntl.spread)
def spread_adjoint(g, ans, g0, shape, x):
    return _ntl.spread(g, shape, g0)


@adjoint(_ntl.add_at)
def add_at_adjoint(g, ans, b, x, index, g0, shape=None):
    if shape is None:
        return g, 0.0, 0.0, _tl.unbroadcast(_tl.item(g, index), g0)
    return g, 0.0, 0.0, _ntl.spread(_tl.item(g, index), shape, g0)


@adjoint(_ntl.subtract_at)
def subtract_at_adjoint(g, ans, b, x, index, g0, shape=None):
    if shape is None:
        return g, 0.0, 0.0, -_tl.unbroadcast(_tl.item(g, index), g0)
    return g, 0.0, 0.0, -_ntl.spread(_tl.item(g, index), shape, g0)


@tangent(_ntl.sum_like)
def sum_like(ans, g, x, dg):
    return _ntl.sum_like(dg, x)


@tangent(_ntl.cast_derivative)
def cast_derivative(ans, b, like, db):
    return _ntl.cast_derivative(db, like)


@tangent(_ntl.reshape_like)
def reshape_like(ans, g, a, dg):
    return _ntl.reshape_like(dg, a)


@tangent(_ntl.untranspose)
def untranspose(ans, g, axes, dg):
    return _ntl.untranspose(dg, axes)


@tangent(_ntl.unrollaxis)
def unrollaxis(ans, g, a, axis, start=0, dg=None):
    return _ntl.unrollaxis(dg, a, axis, start)


@tangent(_ntl.unpack)
def unpack(ans, g, obj, dg):
    return _ntl.unpack(dg, obj)


@tangent(_ntl.unconcatenate)
def unconcatenate(ans, g, arrays, axis=0, dg=None):
    return _ntl.unconcatenate(dg, arrays, axis)


@tangent(_ntl.unstack)
def unstack(ans, g, arrays, axis=0, dg=None):
    return _ntl.unstack(dg, arrays, axis)


@tangent(_ntl.unstack_promoted)
def unstack_promoted(ans, g, tup, how, dg):
    return _ntl.unstack_promoted(dg, tup, how)


@tangent(_ntl.unsplit)
def unsplit(ans, g, parts, axis=0, dg=None):
    return _ntl.unsplit(dg, parts, axis)


@tangent(_ntl.restack)
def restack(ans, g, parts, axis=0, dg=None):
    return _ntl.restack(dg, parts, axis)


@tangent(_ntl.untile)
def untile(ans, g, A, reps, dg):
    return _ntl.untile(dg, A, reps)


@tangent(_ntl.unrepeat)
def unrepeat(ans, g, a, repeats, axis=None, dg=None):
    return _ntl.unrepeat(dg, a, repeats, axis)


@tangent(_ntl.unpad)
def unpad(ans, g, array, pad_width, mode="constant", dg=None):
    return _ntl.unpad(dg, array, pad_width, mode)


@tangent(_ntl.unpad_constant_values)
def unpad_constant_values(ans, g, pad_width, constant_values, dg):
    return _ntl.unpad_constant_values(dg, pad_width, constant_values)


@tangent(_ntl.pad_tangent)
def pad_tangent(ans, t, array, pad_width, mode, tvalues, dt, dtvalues):
    return _ntl.pad_tangent(dt, array, pad_width, mode, dtvalues)


@tangent(_ntl.undiagonal)
def undiagonal(ans, g, a, offset=0, axis1=0, axis2=1, dg=None):
    return _ntl.undiagonal(dg, a, offset, axis1, axis2)


@tangent(_ntl.untrace)
def untrace(ans, g, a, offset=0, axis1=0, axis2=1, dg=None):
    return _ntl.untrace(dg, a, offset, axis1, axis2)


@tangent(_ntl.undiag)
def undiag(ans, g, v, k=0, dg=None):
    return _ntl.undiag(dg, v, k)


@tangent(_ntl.index_trick_adjoint)
def index_trick_adjoint(ans, g, trick, key, dg):
    return _ntl.index_trick_adjoint(dg, trick, key)


@tangent(_ntl.index_trick_tangent)
def index_trick_tangent(ans, ans_, trick, key, tkey, dtkey):
    return _ntl.index_trick_tangent(ans_, trick, key, dtkey)


@tangent(_ntl.sum_where)
def sum_where(ans, g, mask, like, dg):
    return _ntl.sum_where(dg, mask, like)


@tangent(_ntl.nan_to_num_tangent)
def nan_to_num_tangent(ans, x, t, tnan, tposinf, tneginf, dt, dtnan, dtposinf, dtneginf):
    return _ntl.nan_to_num_tangent(x, dt, dtnan, dtposinf, dtneginf)


@tangent(_ntl.arange_adjoint)
def arange_adjoint(ans, g, ans_, which, dg):
    return _ntl.arange_adjoint(dg, ans_, which)


@tangent(_ntl.arange_tangent)
def arange_tangent(ans, ans_, tstart, tstep, dtstart, dtstep):
    return _ntl.arange_tangent(ans_, dtstart, dtstep)


@tangent(_ntl.unsort)
def unsort(ans, g, a, axis=-1, dg=None):
    return _ntl.unsort(dg, a, axis)


@tangent(_ntl.sort_tangent)
def sort_tangent(ans, t, a, axis=-1, dt=None):
    return _ntl.sort_tangent(dt, a, axis)


@tangent(_ntl.untake)
def untake(ans, g, a, indices, axis=None, mode="raise", dg=None):
    return _ntl.untake(dg, a, indices, axis, mode)


@tangent(_ntl.untake_along_axis)
def untake_along_axis(ans, g, arr, indices, axis=-1, dg=None):
    return _ntl.untake_along_axis(dg, arr, indices, axis)


@tangent(_ntl.reverse_cumsum)
def reverse_cumsum(ans, g, a, axis=None, dg=None):
    return _ntl.reverse_cumsum(dg, a, axis)


@tangent(_ntl.cumulative_sum_adjoint)
def cumulative_sum_adjoint(ans, g, x, axis=None, include_initial=False, dg=None):
    return _ntl.cumulative_sum_adjoint(dg, x, axis, include_initial)


@tangent(_ntl.mT)
def mT(ans, x, dx):
    return _ntl.mT(dx)


@tangent(_ntl.dense)
def dense(ans, b, like, db):
    return _ntl.dense(db, like)


@tangent(_ntl.phi)
def phi(ans, x, dx):
    return _ntl.phi(dx)


@tangent(_ntl.triangle_gradient)
def triangle_gradient(ans, s, lower=True, ds=None):
    return _ntl.triangle_gradient(ds, lower)


@tangent(_ntl.symmetric_from_triangle)
def symmetric_from_triangle(ans, da, lower=True, dda=None):
    return _ntl.symmetric_from_triangle(dda, lower)


@tangent(_ntl.lift)
def lift(ans, g, k, dg):
    return _ntl.lift(dg, k)


@tangent(_ntl.item)
def item(ans, b, k, db):
    return _ntl.item(db, k)


@tangent(_ntl.imag_adjoint)
def imag_adjoint(ans, g, x, dg):
    return _ntl.imag_adjoint(dg, x)


@tangent(_ntl.centered)
def centered(ans, a, axis=None, da=None):
    return _ntl.centered(da, axis)


@tangent(_ntl.linspace_adjoint)
def linspace_adjoint(ans, g, x, t, axis=0, dg=None):
    return _ntl.linspace_adjoint(dg, x, t, axis)


@tangent(_ntl.linspace_tangent)
def linspace_tangent(ans, start, stop, num, endpoint, axis, tstart, tstop, dtstart, dtstop):
    return _ntl.linspace_tangent(start, stop, num, endpoint, axis, dtstart, dtstop)


# -- linear in each factor -----------------------------------------------------------------


@tangent(_ntl.dot_adjoint_a)
def dot_adjoint_a(ans, g, a, b, dg, da, db):
    return _ntl.product_rule(_ntl.dot_adjoint_a, (g, a, b), (dg, None, db))


@tangent(_ntl.dot_adjoint_b)
def dot_adjoint_b(ans, g, a, b, dg, da):
    return _ntl.product_rule(_ntl.dot_adjoint_b, (g, a, b), (dg, da, None))


@tangent(_ntl.inner_adjoint_a)
def inner_adjoint_a(ans, g, a, b, dg, da, db):
    return _ntl.product_rule(_ntl.inner_adjoint_a, (g, a, b), (dg, None, db))


@tangent(_ntl.inner_adjoint_b)
def inner_adjoint_b(ans, g, a, b, dg, da):
    return _ntl.product_rule(_ntl.inner_adjoint_b, (g, a, b), (dg, da, None))


@tangent(_ntl.tensordot_adjoint_a)
def tensordot_adjoint_a(ans, g, a, b, axes=2, dg=None, da=None, db=None):
    return _ntl.product_rule(_ntl.tensordot_adjoint_a, (g, a, b), (dg, None, db), axes=axes)


@tangent(_ntl.tensordot_adjoint_b)
def tensordot_adjoint_b(ans, g, a, b, axes=2, dg=None, da=None):
    return _ntl.product_rule(_ntl.tensordot_adjoint_b, (g, a, b), (dg, da, None), axes=axes)


@tangent(_ntl.kron_adjoint)
def kron_adjoint(ans, g, a, b, which, dg, da, db):
    return _ntl.kron_adjoint_tangent(g, a, b, which, dg, da, db)


@tangent(_ntl.einsum_adjoint)
def einsum_adjoint(ans, g, args, k, optimize=False, dg=None, dargs=None):
    return _ntl.einsum_adjoint_tangent(g, args, k, optimize, dg, dargs)


@tangent(_ntl.einsum_tangent)
def einsum_tangent(ans, args, targs, optimize=False, dargs=None, dtargs=None):
    return _ntl.einsum_tangent_tangent(args, targs, optimize, dargs, dtargs)


@tangent(_ntl.vecdot_adjoint)
def vecdot_adjoint(ans, g, other, axis=-1, dg=None, dother=None):
    return _ntl.product_rule(_ntl.vecdot_adjoint, (g, other), (dg, dother), axis=axis)


@tangent(_ntl.matvec_adjoint_matrix)
def matvec_adjoint_matrix(ans, g, v, dg, dv):
    return _ntl.product_rule(_ntl.matvec_adjoint_matrix, (g, v), (dg, dv))


@tangent(_ntl.solve_adjoint_a)
def solve_adjoint_a(ans, gb, x, b, dgb, dx):
    return _ntl.product_rule(_ntl.solve_adjoint_a, (gb, x, b), (dgb, dx, None))


# -- nonlinear ---------------------------------------------------------------------------------


@elementwise(_ntl.nonzero)          # both modes: generated code is differentiated again
def nonzero(ans, x):
    return x != 0


@elementwise(_ntl.log_base)         # both modes: powers' exponent slopes are differentiated again
def log_base(ans, x):
    return (x > 0) / _ntl.nonzero(x)


@tangent(_ntl.sinc_slope)
def sinc_slope(ans, x, y, dx, dy):
    return _ntl.sinc_slope_tangent(x, y, ans, dx, dy)


@tangent(_ntl.prod_others)
def prod_others(ans, a, axis=None, da=None):
    return _ntl.prod_others_tangent(a, da, axis)


@tangent(_ntl.norm_adjoint)
def norm_adjoint(ans, g, x, norm, ord=None, axis=None, keepdims=False, kind="norm", dg=None,
                 dx=None, dnorm=None):
    return _ntl.norm_adjoint_tangent(g, x, norm, ord, axis, keepdims, kind, dg, dx, dnorm)


@tangent(_ntl.average_adjoint)
def average_adjoint(ans, g, ans_, a, axis, weights, keepdims, dg, dans_, da, daxis, dweights):
    return _ntl.average_adjoint_tangent(g, a, axis, weights, keepdims, dg, dweights)


@tangent(_ntl.average_weights_adjoint)
def average_weights_adjoint(ans, g, ans_, a, axis, weights, keepdims, dg, dans_, da, daxis,
                            dweights):
    return _ntl.average_weights_adjoint_tangent(g, ans_, a, axis, weights, keepdims, dg, dans_,
                                                da, dweights)


@tangent(_ntl.gap_inverse)
def gap_inverse(ans, w, dw):
    return -ans * ans * (dw[..., None, :] - dw[..., :, None])


@tangent(_ntl.right_solve_transposed)
def right_solve_transposed(ans, x, r, dx, dr):
    return _ntl.right_solve_transposed_tangent(x, r, ans, dx, dr)

