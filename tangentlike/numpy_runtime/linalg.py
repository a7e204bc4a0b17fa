"""Linear algebra: the adjoints and tangents of np.linalg's solve, cholesky, eigh,
eigvalsh, eig, pinv, qr, svd, matrix_power and slogdet (over stacks of matrices too), with the
triangle-reading conventions NumPy uses (cholesky and eigh read one triangle).

Receives the primal matrices, the function's result and an adjoint or tangent (for
eigh, qr and svd, whose result is a tuple, the adjoint `g` may be the zero sentinel
`0.0` or a list with sentinel items); `right_solve_transposed_tangent` accepts the sentinel for each
tangent.  Writes none of its arguments.  Returns fresh arrays, except that
`matrix_power_tangent` at n = 1 returns the tangent `da` itself.  The derivatives of
eigh and svd assume distinct (and, for svd, nonzero) eigen- and singular values; eig's,
real distinct eigenvalues (complex ones raise NoDerivativeError); pinv's, a rank that
does not change nearby (full rank).
"""

import numpy as np

from ..errors import NoDerivativeError
from .basics import _dtype, _is_array, _ndim, dense, is_zero, item, mT


def solve_adjoint_a(gb, x, b):
    """The adjoint of `a` in `x = solve(a, b)` given the adjoint `gb` of `b`."""
    if _ndim(b) == 1:
        return -(gb[..., :, None] * x[..., None, :])
    return -(gb @ mT(x))


def triangle_gradient(s, lower=True):
    """The gradient with respect to the triangle NumPy reads, from a symmetric one `s`."""
    return np.tril(s) + np.tril(s, -1) if lower else np.triu(s) + np.triu(s, 1)


def symmetric_from_triangle(da, lower=True):
    """The symmetric matrix NumPy sees when it reads one triangle of `da`."""
    if lower:
        return np.tril(da) + mT(np.tril(da, -1))
    return np.triu(da) + mT(np.triu(da, 1))


def phi(x):
    """The lower triangle of `x` with its diagonal halved."""
    return (np.tril(x) + np.tril(x, -1)) * 0.5


def cholesky_adjoint(g, L, upper=False):
    """The adjoint of `a` in `np.linalg.cholesky(a, upper=upper)` (Murray 2016)."""
    if upper:
        L, g = mT(L), mT(g)
    lt = mT(L)
    p = phi(lt @ g)
    s = np.linalg.solve(lt, mT(np.linalg.solve(lt, mT(p))))      # L^-T p L^-1
    return triangle_gradient((s + mT(s)) * 0.5, lower=not upper)


def cholesky_tangent(L, da, upper=False):
    """The tangent of `np.linalg.cholesky(a, upper=upper)`."""
    sym = symmetric_from_triangle(da, lower=not upper)
    if upper:
        L = mT(L)
    inner = np.linalg.solve(L, mT(np.linalg.solve(L, sym)))          # L^-1 sym L^-T
    dl = L @ phi(inner)
    return mT(dl) if upper else dl


def gap_inverse(w):
    """F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it."""
    n = w.shape[-1]
    eye = np.eye(n, dtype=w.dtype, like=w)
    return (1 - eye) / (w[..., None, :] - w[..., :, None] + eye)


def eigh_adjoint(g, ans, UPLO="L"):
    """The adjoint of `a` in `w, v = np.linalg.eigh(a, UPLO)` (distinct eigenvalues)."""
    w, v = ans[0], ans[1]
    gw, gv = item(g, 0), item(g, 1)
    inner = 0.0
    if not is_zero(gw):
        inner = gw[..., :, None] * np.eye(w.shape[-1], dtype=w.dtype, like=w)
    if not is_zero(gv):
        inner = inner + gap_inverse(w) * (mT(v) @ gv)
    s = v @ inner @ mT(v) if _is_array(inner) else np.zeros_like(v)
    return triangle_gradient((s + mT(s)) * 0.5, lower=UPLO.upper() == "L")


def eigh_tangent(ans, da, UPLO="L"):
    """The tangent `(dw, dv)` of `np.linalg.eigh(a, UPLO)`."""
    w, v = ans[0], ans[1]
    p = mT(v) @ symmetric_from_triangle(da, lower=UPLO.upper() == "L") @ v
    return np.diagonal(p, axis1=-2, axis2=-1).copy(), v @ (gap_inverse(w) * p)


def eigvalsh_tangent(a, da, UPLO="L"):
    """The tangent of `np.linalg.eigvalsh(a, UPLO)`."""
    return eigh_tangent(np.linalg.eigh(a, UPLO), da, UPLO)[0]


def right_solve_transposed(x, r):
    """x @ inv(r).T."""
    return mT(np.linalg.solve(r, mT(x)))


def right_solve_transposed_tangent(x, r, y, tx, tr):
    """The tangent of `y = right_solve_transposed(x, r)`: (tx - y tr^T) r^-T."""
    t = 0.0 if is_zero(tx) else tx
    if not is_zero(tr):
        t = t - y @ mT(tr)
    return right_solve_transposed(t, r)


def qr_adjoint(g, ans, a, mode="reduced"):
    """The adjoint of `a` in `np.linalg.qr(a, mode)`, for a with at least as many rows."""
    if mode == "r":
        q, r = np.linalg.qr(a)
        gq, gr = np.zeros_like(q), dense(g, r)
    else:
        q, r = ans[0], ans[1]
        gq, gr = dense(item(g, 0), q), dense(item(g, 1), r)
    n = a.shape[-1]
    if a.shape[-2] < n:
        raise NotImplementedError("the derivative of np.linalg.qr is implemented for "
                                  "matrices with at least as many rows as columns")
    q, r, gq, gr = q[..., :, :n], r[..., :n, :], gq[..., :, :n], gr[..., :n, :]
    m = gr @ mT(r) - mT(q) @ gq
    sym = np.triu(m) + mT(np.triu(m, 1))
    return right_solve_transposed(gq + q @ sym, r)


def qr_tangent(ans, a, da, mode="reduced"):
    """The tangent of `np.linalg.qr(a, mode)` (`(dq, dr)`, or `dr` for mode 'r')."""
    q, r = np.linalg.qr(a) if mode == "r" else (ans[0], ans[1])
    n = a.shape[-1]
    q, r = q[..., :, :n], r[..., :n, :]
    c = mT(np.linalg.solve(mT(r), mT(mT(q) @ da)))       # q^T da r^-1
    lower = np.tril(c, -1)
    u = c - lower + mT(lower)
    dr = u @ r
    if mode == "r":
        return dr
    dq = mT(np.linalg.solve(mT(r), mT(da))) - q @ u
    if mode == "complete" and ans[0].shape[-1] > n:
        dq = np.concatenate([dq, np.zeros_like(ans[0][..., :, n:])], axis=-1)
        dr = np.concatenate([dr, np.zeros_like(ans[1][..., n:, :])], axis=-2)
    return dq, dr


def _svd_parts(ans, a, full_matrices, compute_uv):
    if not compute_uv:
        return np.linalg.svd(a, full_matrices=False)
    u, s, vh = ans[0], ans[1], ans[2]
    k = s.shape[-1]
    return u[..., :, :k], s, vh[..., :k, :]


def svd_adjoint(g, ans, a, full_matrices=True, compute_uv=True):
    """The adjoint of `a` in `np.linalg.svd` (distinct nonzero singular values)."""
    u, s, vh = _svd_parts(ans, a, full_matrices, compute_uv)
    if not compute_uv:
        return (u * g[..., None, :]) @ vh
    k = s.shape[-1]
    gu, gs, gvh = (dense(item(g, 0), ans[0])[..., :, :k], dense(item(g, 1), s),
                   dense(item(g, 2), ans[2])[..., :k, :])
    v, gv = mT(vh), mT(gvh)
    f = gap_inverse(s * s)
    utgu, vtgv = mT(u) @ gu, mT(v) @ gv
    inner = (f * (utgu - mT(utgu))) * s[..., None, :]
    inner = inner + gs[..., :, None] * np.eye(k, dtype=s.dtype, like=s)
    inner = inner + s[..., :, None] * (f * (vtgv - mT(vtgv)))
    out = u @ inner @ vh
    m, n = a.shape[-2], a.shape[-1]
    if m > k:
        out = out + (gu - u @ utgu) @ (vh / s[..., :, None])
    if n > k:
        out = out + (u / s[..., None, :]) @ mT(gv - v @ vtgv)
    return out


def svd_tangent(ans, a, da, full_matrices=True, compute_uv=True):
    """The tangent of `np.linalg.svd`: `(du, ds, dvh)`, or `ds` without compute_uv."""
    u, s, vh = _svd_parts(ans, a, full_matrices, compute_uv)
    v = mT(vh)
    p = mT(u) @ da @ v
    ds = np.diagonal(p, axis1=-2, axis2=-1).copy()
    if not compute_uv:
        return ds
    f = gap_inverse(s * s)
    sp, ps = s[..., :, None] * p, p * s[..., None, :]
    du = u @ (f * (ps + mT(ps)))
    dv = v @ (f * (sp + mT(sp)))
    m, n, k = a.shape[-2], a.shape[-1], s.shape[-1]
    if m > k:
        du = du + (da @ v - u @ p) / s[..., None, :]
    if n > k:
        dv = dv + (mT(da) @ u - v @ mT(p)) / s[..., None, :]
    if ans[0].shape[-1] > k:
        du = np.concatenate([du, np.zeros_like(ans[0][..., :, k:])], axis=-1)
    if ans[2].shape[-2] > k:
        dv = np.concatenate([dv, np.zeros_like(mT(ans[2][..., k:, :]))], axis=-1)
    return du, ds, mT(dv)


def matrix_power_adjoint(g, a, n):
    """The adjoint of `a` in `np.linalg.matrix_power(a, n)`."""
    if n < 0:
        inv = np.linalg.inv(a)
        gi = matrix_power_adjoint(g, inv, -n)
        return -(mT(inv) @ gi @ mT(inv))
    at = mT(a)
    powers = [None] * max(n, 1)
    if n == 0:
        return np.zeros_like(a)
    powers[0] = np.broadcast_to(np.eye(a.shape[-1], dtype=_dtype(a), like=a), a.shape)
    for k in range(1, n):
        powers[k] = powers[k - 1] @ at
    out = np.zeros_like(a)
    for k in range(n):
        out = out + powers[k] @ g @ powers[n - 1 - k]
    return out


def matrix_power_tangent(a, da, n):
    """The tangent of `np.linalg.matrix_power(a, n)`."""
    if n < 0:
        inv = np.linalg.inv(a)
        return matrix_power_tangent(inv, -(inv @ da @ inv), -n)
    if n == 0:
        return np.zeros_like(a)
    out = da
    power = a
    for _ in range(1, n):
        out = out @ a + power @ da
        power = power @ a
    return out


def slogdet_tangent(ans, a, da):
    """The tangent `(dsign, dlogabsdet)` of `np.linalg.slogdet(a)`."""
    return np.zeros_like(ans[0]), np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)


def pinv_adjoint(g, a, p):
    """The adjoint of `a` in p = np.linalg.pinv(a), where a's rank does not change nearby
    (full rank): -p^T g p^T + (I - a p) g^T p p^T + p^T p g^T (I - p a)."""
    gt = mT(g)
    pt = mT(p)
    left = gt - a @ (p @ gt)                       # (I - a p) g^T
    right = gt - (gt @ p) @ a                      # g^T (I - p a)
    return -(pt @ g @ pt) + left @ (p @ pt) + (pt @ p) @ right


def pinv_tangent(a, p, da):
    """The tangent of p = np.linalg.pinv(a) (rank constant nearby):
    -p da p + p p^T da^T (I - a p) + (I - p a) da^T p^T p."""
    dat = mT(da)
    pt = mT(p)
    after = dat - (dat @ a) @ p                    # da^T (I - a p)
    before = dat - p @ (a @ dat)                   # (I - p a) da^T
    return -(p @ da @ p) + (p @ pt) @ after + before @ (pt @ p)


def _real_eig(ans):
    w, v = ans[0], ans[1]
    if w.dtype.kind == "c":
        raise NoDerivativeError(
            "np.linalg.eig", reason="the matrix has complex eigenvalues; tangentlike "
            "differentiates eig of real matrices with real, distinct eigenvalues",
            hint="for a symmetric matrix use np.linalg.eigh; otherwise differentiate a "
                 "real quantity computed another way")
    return w, v


def eig_adjoint(g, ans):
    """The adjoint of `a` in `w, v = np.linalg.eig(a)` (real, distinct eigenvalues, unit
    columns v_j): v^-T (diag(gw) + F * (v^T gv')) v^T, where gv' = gv - v diag(v^T gv)
    removes what only rescales a column and F = gap_inverse(w)."""
    w, v = _real_eig(ans)
    gw, gv = item(g, 0), item(g, 1)
    inner = np.zeros_like(v)
    if not is_zero(gw):
        inner = inner + gw[..., :, None] * np.eye(w.shape[-1], dtype=w.dtype, like=w)
    if not is_zero(gv):
        gv = gv - v * np.sum(v * gv, axis=-2, keepdims=True)
        inner = inner + gap_inverse(w) * (mT(v) @ gv)
    return np.linalg.solve(mT(v), inner @ mT(v))


def eig_tangent(ans, da):
    """The tangent `(dw, dv)` of `np.linalg.eig(a)`: with e = v^-1 da v, dw = diag(e) and
    dv = v (F * e) less, in each column, its part along that column (the columns keep
    unit norm; their sign is NumPy's and does not move)."""
    w, v = _real_eig(ans)
    e = np.linalg.solve(v, da @ v)
    dv = v @ (gap_inverse(w) * e)
    dv = dv - v * np.sum(v * dv, axis=-2, keepdims=True)
    return np.diagonal(e, axis1=-2, axis2=-1).copy(), dv
