"""Products: the adjoints of the operands of matmul, dot, inner, tensordot, kron, vecdot,
matvec and vecmat, and the tangent of a product linear in each operand.

Receives the adjoint of the product (`matmul_adjoint_a` and `matmul_adjoint_b` also
one broadcast wider than the product) and both operands as given.  The tangent helpers
(`product_rule`, `kron_adjoint_tangent`) accept the zero sentinel `0.0` for each
tangent.  Writes none of its arguments.  Returns fresh arrays (or numbers for scalar
operands).
"""

import numpy as np

from .. import runtime as _tl
from .basics import _is_array, _ndim, _shape, is_zero, lift
from .broadcasting import sum_like


def _product_shape(a, b):
    """The shape of `a @ b`."""
    sa, sb = _shape(a), _shape(b)
    if len(sb) == 1:
        return sa[:-1]
    if len(sa) == 1:
        return sb[:-2] + sb[-1:]
    return np.broadcast_shapes(sa[:-2], sb[:-2]) + (sa[-2], sb[-1])


def matmul_adjoint_a(g, a, b):
    """The adjoint of `a` in `a @ b`; `g` may be broadcast wider than the product."""
    plain = _plain_adjoint(g, a, b, True)
    if plain is not None:
        return plain
    return _tl.matmul_adjoint_a(_tl.unbroadcast(g, _product_shape(a, b)), a, b)


def matmul_adjoint_b(g, a, b):
    """The adjoint of `b` in `a @ b`; `g` may be broadcast wider than the product."""
    plain = _plain_adjoint(g, a, b, False)
    if plain is not None:
        return plain
    return _tl.matmul_adjoint_b(_tl.unbroadcast(g, _product_shape(a, b)), a, b)


def _plain_adjoint(g, a, b, of_a):
    """The adjoint of `a` (`of_a`) or of `b` in `a @ b` (which is `np.dot(a, b)` for
    them) for NumPy arrays of one or two dimensions and `g` of exactly the product's
    shape, by one product (an outer product as `g[:, None] * b`, which is np.outer's
    value without its conversions); else None (the general helpers handle the rest)."""
    if a.__class__ is not np.ndarray or b.__class__ is not np.ndarray:
        return None
    ranks = (a.ndim, b.ndim)
    if ranks == (1, 1):
        if g.__class__ not in _tl.NUMBER_CLASSES and not (g.__class__ is np.ndarray
                                                          and g.shape == ()):
            return None
        return g * b if of_a else g * a
    shape = _PLAIN_SHAPES.get(ranks)
    if shape is None or g.__class__ is not np.ndarray or g.shape != shape(a.shape, b.shape):
        return None
    if ranks == (2, 2):
        return g @ b.T if of_a else a.T @ g
    if ranks == (2, 1):
        return g[:, None] * b if of_a else g @ a
    return b @ g if of_a else a[:, None] * g


# the shape of `a @ b` from the shapes of NumPy arrays of these ranks
_PLAIN_SHAPES = {(2, 2): lambda sa, sb: (sa[0], sb[1]), (2, 1): lambda sa, sb: sa[:1],
                 (1, 2): lambda sa, sb: sb[1:]}


def _dot_axes(a, b):
    """np.dot(a, b) contracts a's last axis with this axis of b."""
    return max(_ndim(b) - 2, 0)


def dot_adjoint_a(g, a, b):
    """The adjoint of `a` in `np.dot(a, b)`."""
    plain = _plain_adjoint(g, a, b, True)
    if plain is not None:
        return plain
    if _ndim(a) == 0 or _ndim(b) == 0:
        return sum_like(g * b, a) if _ndim(a) == 0 else g * b
    k = _dot_axes(a, b)
    b_free = [d for d in range(_ndim(b)) if d != k]
    g_b_part = list(range(_ndim(a) - 1, _ndim(g)))
    return np.tensordot(g, b, axes=(g_b_part, b_free))


def dot_adjoint_b(g, a, b):
    """The adjoint of `b` in `np.dot(a, b)`."""
    plain = _plain_adjoint(g, a, b, False)
    if plain is not None:
        return plain
    if _ndim(a) == 0 or _ndim(b) == 0:
        return sum_like(g * a, b) if _ndim(b) == 0 else g * a
    k = _dot_axes(a, b)
    lead = _ndim(a) - 1
    out = np.tensordot(a, g, axes=(list(range(lead)), list(range(lead))))
    return np.moveaxis(out, 0, k)


def inner_adjoint_a(g, a, b):
    """The adjoint of `a` in `np.inner(a, b)`."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return sum_like(g * b, a)
    nb = _ndim(b) - 1
    g_b_part = list(range(_ndim(g) - nb, _ndim(g)))
    return np.tensordot(g, b, axes=(g_b_part, list(range(nb))))


def inner_adjoint_b(g, a, b):
    """The adjoint of `b` in `np.inner(a, b)`."""
    if _ndim(a) == 0 or _ndim(b) == 0:
        return sum_like(g * a, b)
    na = _ndim(a) - 1
    g_a_part = list(range(na))
    out = np.tensordot(g, a, axes=(g_a_part, list(range(na))))
    return out


def _tensordot_axes(a, b, axes):
    if isinstance(axes, int):
        na = _ndim(a)
        return list(range(na - axes, na)), list(range(axes))
    axes_a, axes_b = axes
    axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    return [x % _ndim(a) for x in axes_a], [x % _ndim(b) for x in axes_b]


def tensordot_adjoint_a(g, a, b, axes=2):
    """The adjoint of `a` in `np.tensordot(a, b, axes)`."""
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    free_a = [d for d in range(_ndim(a)) if d not in axes_a]
    free_b = [d for d in range(_ndim(b)) if d not in axes_b]
    g_b_part = list(range(len(free_a), len(free_a) + len(free_b)))
    out = np.tensordot(g, b, axes=(g_b_part, free_b))
    # out's axes: a's free axes, then b's contracted axes in b's order
    layout = free_a + [axes_a[axes_b.index(d)] for d in sorted(axes_b)]
    return np.transpose(out, tuple(int(k) for k in np.argsort(layout)))


def tensordot_adjoint_b(g, a, b, axes=2):
    """The adjoint of `b` in `np.tensordot(a, b, axes)`."""
    axes_a, axes_b = _tensordot_axes(a, b, axes)
    free_a = [d for d in range(_ndim(a)) if d not in axes_a]
    free_b = [d for d in range(_ndim(b)) if d not in axes_b]
    out = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
    # out's axes: a's contracted axes in a's order, then b's free axes
    layout = [axes_b[axes_a.index(d)] for d in sorted(axes_a)] + free_b
    return np.transpose(out, tuple(int(k) for k in np.argsort(layout)))


def kron_adjoint(g, a, b, which):
    """The adjoint of `a` (which=0) or `b` (which=1) in `np.kron(a, b)`."""
    sa, sb = tuple(_shape(a)), tuple(_shape(b))
    d = max(len(sa), len(sb))
    pa, pb = (1,) * (d - len(sa)) + sa, (1,) * (d - len(sb)) + sb
    gi = np.reshape(g, [n for pair in zip(pa, pb) for n in pair])
    letters = "abcdefghijklmnopqrstuvwxyz"
    sub_a = letters[:d]
    sub_b = letters[d:2 * d]
    sub_g = "".join(x + y for x, y in zip(sub_a, sub_b))
    if which == 0:
        out = np.einsum(f"{sub_g},{sub_b}->{sub_a}", gi, np.reshape(b, pb))
        return np.reshape(out, sa)
    out = np.einsum(f"{sub_g},{sub_a}->{sub_b}", gi, np.reshape(a, pa))
    return np.reshape(out, sb)


def product_rule(fn, args, tangents, **kwargs):
    """The tangent of `fn(*args, **kwargs)` for `fn` linear in each argument separately:
    the sum over the non-zero `tangents` of `fn` with that argument replaced by its tangent
    (`None` marks an argument that has none; forward mode passes `0.0` for a zero one)."""
    total = 0.0
    for k, t in enumerate(tangents):
        if t is None or is_zero(t):
            continue
        term = fn(*args[:k], t, *args[k + 1:], **kwargs)
        total = term if is_zero(total) else total + term
    return total


def kron_adjoint_tangent(g, a, b, which, tg, ta, tb):
    """The tangent of `kron_adjoint(g, a, b, which)`: linear in g and in the other factor."""
    tangents = (tg, None, tb) if which == 0 else (tg, ta, None)
    return product_rule(kron_adjoint, (g, a, b, which), tangents + (None,))


def vecdot_adjoint(g, other, axis=-1):
    """The adjoint of one operand of `vecdot(x1, x2, axis)` (before unbroadcasting)."""
    return np.expand_dims(g, axis) * other if _is_array(g) else g * other


def matvec_adjoint_matrix(g, v):
    """The adjoint of the matrix in `matvec(A, v)`; also of `vecmat(v, A)` when transposed."""
    return lift(g, 1) * np.expand_dims(v, -2)


def cross_adjoint(g, a, b, which, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The adjoint of a (which = 0) or b (which = 1) in np.cross(a, b, axisa, axisb, axisc,
    axis), before unbroadcasting: <g, a x b> = <a, b x g> = <b, g x a>.  A 2-vector is a
    3-vector with z = 0, as NumPy reads it (the cross product of two 2-vectors is that
    z-component alone, with no vector axis); each adjoint's vector axis lands where its
    operand has it (counted from the end: the result may have more leading axes)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a_end, b_end = np.moveaxis(a, axisa, -1), np.moveaxis(b, axisb, -1)
    na, nb = a_end.shape[-1], b_end.shape[-1]
    if na == 2 and nb == 2:
        g_end = np.stack([np.zeros_like(g), np.zeros_like(g), g], axis=-1)
    else:
        g_end = np.moveaxis(g, axisc, -1)
    a3, b3 = _as_3_vectors(a_end), _as_3_vectors(b_end)
    if which == 0:
        out, n, ndim, where = np.cross(b3, g_end), na, np.ndim(a), axisa
    else:
        out, n, ndim, where = np.cross(g_end, a3), nb, np.ndim(b), axisb
    return np.moveaxis(out[..., :n], -1, where % ndim - ndim)


def _as_3_vectors(x):
    """Vectors along the last axis, a zero z-component added to 2-vectors."""
    if x.shape[-1] == 3:
        return x
    return np.concatenate([x, np.zeros_like(x[..., :1])], axis=-1)
