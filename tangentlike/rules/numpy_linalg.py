"""NumPy's products and linear algebra.

Products (dot, matmul, inner, outer, vdot, tensordot, einsum, kron, cross, vecdot,
matvec, vecmat) are linear in each factor: each adjoint contracts `g` with the other
factor, and each tangent is the product rule (`_ntl.product_rule`, one product per
factor whose tangent flows).  Decompositions and inverses use the standard matrix
identities (inv: -A^-T g A^-T; det: g det(A) A^-T; eigh, svd, qr, cholesky: their
adjoint formulas in numpy_runtime/).  Domains, where the derivative exists: inv,
solve, det and slogdet need a non-singular matrix; cholesky a positive definite one
(NumPy reads one triangle, so does the adjoint); eigh and eigvalsh distinct
eigenvalues; svd distinct non-zero singular values; qr full column rank with at least
as many rows as columns; eig real, distinct eigenvalues (unit eigenvector columns,
their sign held); pinv a rank that does not change nearby.  matrix_rank is
non-differentiable.
"""

import numpy as np

from .. import numpy_runtime as _ntl
from .registry import adjoint, if_defined, nondifferentiable, tangent


@adjoint(np.dot)
def dot(g, ans, a, b, out=None):
    return _ntl.dot_adjoint_a(g, a, b), _ntl.dot_adjoint_b(g, a, b)


@tangent(np.dot)
def dot_t(ans, a, b, out=None, da=None, db=None):
    return _ntl.product_rule(np.dot, (a, b), (da, db))


@adjoint(np.matmul)
def matmul(g, ans, x1, x2):
    return _ntl.matmul_adjoint_a(g, x1, x2), _ntl.matmul_adjoint_b(g, x1, x2)


@tangent(np.matmul)
def matmul_t(ans, x1, x2, dx1, dx2):
    return dx1 @ x2 + x1 @ dx2


@if_defined(adjoint, np, "linalg.matmul")
def linalg_matmul(g, ans, x1, x2):
    return _ntl.matmul_adjoint_a(g, x1, x2), _ntl.matmul_adjoint_b(g, x1, x2)


@if_defined(tangent, np, "linalg.matmul")
def linalg_matmul_t(ans, x1, x2, dx1, dx2):
    return dx1 @ x2 + x1 @ dx2


@adjoint(np.inner)
def inner(g, ans, a, b):
    return _ntl.inner_adjoint_a(g, a, b), _ntl.inner_adjoint_b(g, a, b)


@tangent(np.inner)
def inner_t(ans, a, b, da, db):
    return _ntl.product_rule(np.inner, (a, b), (da, db))


@adjoint(np.outer)
def outer(g, ans, a, b, out=None):
    return (np.reshape(g @ np.ravel(b), np.shape(a)),
            np.reshape(np.ravel(a) @ g, np.shape(b)))


@tangent(np.outer)
def outer_t(ans, a, b, out=None, da=None, db=None):
    return _ntl.product_rule(np.outer, (a, b), (da, db))


@if_defined(adjoint, np, "linalg.outer")
def linalg_outer(g, ans, x1, x2):
    return g @ x2, x1 @ g


@if_defined(tangent, np, "linalg.outer")
def linalg_outer_t(ans, x1, x2, dx1, dx2):
    return _ntl.product_rule(np.linalg.outer, (x1, x2), (dx1, dx2))


@adjoint(np.vdot)
def vdot(g, ans, a, b):
    return _ntl.reshape_like(g * np.conjugate(b), a), _ntl.reshape_like(g * np.conjugate(a), b)


@tangent(np.vdot)
def vdot_t(ans, a, b, da, db):
    return _ntl.product_rule(np.vdot, (a, b), (da, db))


@adjoint(np.tensordot)
def tensordot(g, ans, a, b, axes=2):
    return _ntl.tensordot_adjoint_a(g, a, b, axes), _ntl.tensordot_adjoint_b(g, a, b, axes)


@tangent(np.tensordot)
def tensordot_t(ans, a, b, axes=2, da=None, db=None):
    return _ntl.product_rule(np.tensordot, (a, b), (da, db), axes=axes)


@if_defined(adjoint, np, "linalg.tensordot")
def linalg_tensordot(g, ans, x1, x2, axes=2):
    return _ntl.tensordot_adjoint_a(g, x1, x2, axes), _ntl.tensordot_adjoint_b(g, x1, x2, axes)


@if_defined(tangent, np, "linalg.tensordot")
def linalg_tensordot_t(ans, x1, x2, axes=2, dx1=None, dx2=None):
    return _ntl.product_rule(np.tensordot, (x1, x2), (dx1, dx2), axes=axes)


# einsum(subscripts, *operands) or einsum(op, sublist, op, sublist, ..., [output]): the
# positional arguments fill the slots a0..a9, whichever form the call takes
@adjoint(np.einsum)
def einsum(g, ans, a0, a1=None, a2=None, a3=None, a4=None, a5=None, a6=None, a7=None,
           a8=None, a9=None, *, optimize=False):
    args = (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9)
    return (_ntl.einsum_adjoint(g, args, 0, optimize), _ntl.einsum_adjoint(g, args, 1, optimize),
            _ntl.einsum_adjoint(g, args, 2, optimize), _ntl.einsum_adjoint(g, args, 3, optimize),
            _ntl.einsum_adjoint(g, args, 4, optimize), _ntl.einsum_adjoint(g, args, 5, optimize),
            _ntl.einsum_adjoint(g, args, 6, optimize), _ntl.einsum_adjoint(g, args, 7, optimize),
            _ntl.einsum_adjoint(g, args, 8, optimize), _ntl.einsum_adjoint(g, args, 9, optimize))


@tangent(np.einsum)
def einsum_t(ans, a0, a1=None, a2=None, a3=None, a4=None, a5=None, a6=None, a7=None,
             a8=None, a9=None, *, optimize=False, da0=None, da1=None, da2=None, da3=None,
             da4=None, da5=None, da6=None, da7=None, da8=None, da9=None):
    return _ntl.einsum_tangent((a0, a1, a2, a3, a4, a5, a6, a7, a8, a9),
                               (da0, da1, da2, da3, da4, da5, da6, da7, da8, da9), optimize)


@adjoint(np.kron)
def kron(g, ans, a, b):
    return _ntl.kron_adjoint(g, a, b, 0), _ntl.kron_adjoint(g, a, b, 1)


@tangent(np.kron)
def kron_t(ans, a, b, da, db):
    return _ntl.product_rule(np.kron, (a, b), (da, db))


@adjoint(np.cross, broadcasts=True)          # of 3- or 2-vectors (z = 0)
def cross(g, ans, a, b):
    return _ntl.cross_adjoint(g, a, b, 0), _ntl.cross_adjoint(g, a, b, 1)


@tangent(np.cross, broadcasts=True)
def cross_t(ans, a, b, da, db):
    return _ntl.product_rule(np.cross, (a, b), (da, db))


@adjoint(np.cross, broadcasts=True)          # the vector axes given
def cross_axes(g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return (_ntl.cross_adjoint(g, a, b, 0, axisa, axisb, axisc, axis),
            _ntl.cross_adjoint(g, a, b, 1, axisa, axisb, axisc, axis))


@tangent(np.cross, broadcasts=True)
def cross_axes_t(ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None, da=None, db=None):
    return _ntl.product_rule(np.cross, (a, b), (da, db), axisa=axisa, axisb=axisb,
                             axisc=axisc, axis=axis)


@if_defined(adjoint, np, "linalg.cross", broadcasts=True)
def linalg_cross(g, ans, x1, x2, axis=-1):
    return np.linalg.cross(x2, g, axis=axis), np.linalg.cross(g, x1, axis=axis)


@if_defined(tangent, np, "linalg.cross", broadcasts=True)
def linalg_cross_t(ans, x1, x2, axis=-1, dx1=None, dx2=None):
    return _ntl.product_rule(np.linalg.cross, (x1, x2), (dx1, dx2), axis=axis)


@if_defined(adjoint, np, "vecdot", broadcasts=True)
def vecdot(g, ans, x1, x2, axis=-1):
    return _ntl.vecdot_adjoint(g, x2, axis), _ntl.vecdot_adjoint(g, x1, axis)


@if_defined(tangent, np, "vecdot", broadcasts=True)
def vecdot_t(ans, x1, x2, axis=-1, dx1=None, dx2=None):
    return _ntl.product_rule(np.vecdot, (x1, x2), (dx1, dx2), axis=axis)


@if_defined(adjoint, np, "linalg.vecdot", broadcasts=True)
def linalg_vecdot(g, ans, x1, x2, axis=-1):
    return _ntl.vecdot_adjoint(g, x2, axis), _ntl.vecdot_adjoint(g, x1, axis)


@if_defined(tangent, np, "linalg.vecdot", broadcasts=True)
def linalg_vecdot_t(ans, x1, x2, axis=-1, dx1=None, dx2=None):
    return _ntl.product_rule(np.linalg.vecdot, (x1, x2), (dx1, dx2), axis=axis)


@if_defined(adjoint, np, "matvec", broadcasts=True)
def matvec(g, ans, x1, x2):
    return _ntl.matvec_adjoint_matrix(g, x2), np.vecmat(g, x1)


@if_defined(tangent, np, "matvec", broadcasts=True)
def matvec_t(ans, x1, x2, dx1, dx2):
    return _ntl.product_rule(np.matvec, (x1, x2), (dx1, dx2))


@if_defined(adjoint, np, "vecmat", broadcasts=True)
def vecmat(g, ans, x1, x2):
    return np.matvec(x2, g), np.swapaxes(_ntl.matvec_adjoint_matrix(g, x1), -1, -2)


@if_defined(tangent, np, "vecmat", broadcasts=True)
def vecmat_t(ans, x1, x2, dx1, dx2):
    return _ntl.product_rule(np.vecmat, (x1, x2), (dx1, dx2))


@adjoint(np.linalg.inv)
def inv(g, ans, a):
    ans_t = np.swapaxes(ans, -1, -2)
    return -(ans_t @ g @ ans_t)


@tangent(np.linalg.inv)
def inv_t(ans, a, da):
    return -(ans @ da @ ans)


@adjoint(np.linalg.solve, broadcasts=True)
def solve(g, ans, a, b):
    gb = np.linalg.solve(np.swapaxes(a, -1, -2), g)
    return _ntl.solve_adjoint_a(gb, ans, b), gb


@tangent(np.linalg.solve, broadcasts=True)
def solve_t(ans, a, b, da, db):
    return np.linalg.solve(a, db - da @ ans)


@adjoint(np.linalg.det)         # domain: non-singular
def det(g, ans, a):
    return _ntl.lift(g * ans, 2) * np.swapaxes(np.linalg.inv(a), -1, -2)


@tangent(np.linalg.det)
def det_t(ans, a, da):
    return ans * np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)


@adjoint(np.linalg.slogdet)     # (sign, logabsdet); the sign is piecewise constant
def slogdet(g, ans, a):
    return _ntl.lift(_ntl.item(g, 1), 2) * np.swapaxes(np.linalg.inv(a), -1, -2)


@tangent(np.linalg.slogdet)
def slogdet_t(ans, a, da):
    return _ntl.slogdet_tangent(ans, a, da)


@adjoint(np.linalg.matrix_power)
def matrix_power(g, ans, a, n):
    return _ntl.matrix_power_adjoint(g, a, n)


@tangent(np.linalg.matrix_power)
def matrix_power_t(ans, a, n, da):
    return _ntl.matrix_power_tangent(a, da, n)


@adjoint(np.linalg.cholesky)    # domain: positive definite; NumPy reads one triangle
def cholesky(g, ans, a, upper=False):
    return _ntl.cholesky_adjoint(g, ans, upper)


@tangent(np.linalg.cholesky)
def cholesky_t(ans, a, upper=False, da=None):
    return _ntl.cholesky_tangent(ans, da, upper)


@adjoint(np.linalg.eig)         # real distinct eigenvalues, unit columns; complex: an error
def eig(g, ans, a):
    return _ntl.eig_adjoint(g, ans)


@tangent(np.linalg.eig)
def eig_t(ans, a, da):
    return _ntl.eig_tangent(ans, da)


@adjoint(np.linalg.pinv)         # domain: the rank does not change nearby (full rank)
def pinv(g, ans, a, rcond=None, *, rtol=None):
    return _ntl.pinv_adjoint(g, a, ans)


@tangent(np.linalg.pinv)
def pinv_t(ans, a, rcond=None, *, rtol=None, da=None):
    return _ntl.pinv_tangent(a, ans, da)


@adjoint(np.linalg.eigh)        # domain: distinct eigenvalues; NumPy reads one triangle
def eigh(g, ans, a, UPLO="L"):
    return _ntl.eigh_adjoint(g, ans, UPLO)


@tangent(np.linalg.eigh)
def eigh_t(ans, a, UPLO="L", da=None):
    return _ntl.eigh_tangent(ans, da, UPLO)


@adjoint(np.linalg.eigvalsh)
def eigvalsh(g, ans, a, UPLO="L"):
    return _ntl.eigh_adjoint([g, 0.0], np.linalg.eigh(a, UPLO), UPLO)


@tangent(np.linalg.eigvalsh)
def eigvalsh_t(ans, a, UPLO="L", da=None):
    return _ntl.eigvalsh_tangent(a, da, UPLO)


@adjoint(np.linalg.qr)          # domain: full column rank, rows >= columns
def qr(g, ans, a, mode="reduced"):
    return _ntl.qr_adjoint(g, ans, a, mode)


@tangent(np.linalg.qr)
def qr_t(ans, a, mode="reduced", da=None):
    return _ntl.qr_tangent(ans, a, da, mode)


@adjoint(np.linalg.svd)         # domain: distinct non-zero singular values
def svd(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    return _ntl.svd_adjoint(g, ans, a, full_matrices, compute_uv)


@tangent(np.linalg.svd)
def svd_t(ans, a, full_matrices=True, compute_uv=True, hermitian=False, da=None):
    return _ntl.svd_tangent(ans, a, da, full_matrices, compute_uv)


@if_defined(adjoint, np, "linalg.svdvals")
def svdvals(g, ans, x):
    return _ntl.svd_adjoint(g, ans, x, False, False)


@if_defined(tangent, np, "linalg.svdvals")
def svdvals_t(ans, x, dx):
    return _ntl.svd_tangent(ans, x, dx, False, False)


nondifferentiable(np.linalg.matrix_rank)
