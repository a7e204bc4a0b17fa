"""Adjoint rules for the runtime helpers of generated reverse-mode code.

They make a generated gradient differentiable in reverse mode again (reverse over
reverse: `tl.grad(tl.grad(f))`).  Each helper is linear in its adjoint argument;
the arguments that only give a shape or an index get no adjoint (0.0).  (The
adjoints of `_ntl.spread` and `_ntl.add_at` are with their tangents in
numpy_helpers.py.)  Helpers
that update a container in place (`_tl.extract`, `_tl.pop_last`,
`_tl.restore_item`) have none: normalize rewrites their calls into functional forms
first (`_tl.item` and `_tl.zeroed_at`, an index read, `_tl.restored`).
"""

from .. import numpy_runtime as _ntl
from .. import runtime as _tl
from .registry import adjoint, nondifferentiable, tangent

nondifferentiable(_tl.last_index, _tl.aux)


@adjoint(_tl.value_and_aux)
def value_and_aux(g, ans, result):
    return g


@adjoint(_tl.field)
def field(g, ans, x, name):
    return _tl.field_adjoint(g, x, name), 0.0


@adjoint(_tl.build)
def build(g, ans, cls, parts):
    return 0.0, _tl.parts_adjoint(g, ans)


@adjoint(_tl.field_adjoint)
def field_adjoint(g, ans, g0, x, name):
    return _tl.field_tangent(g, x, name), 0.0, 0.0


@adjoint(_tl.parts_adjoint)
def parts_adjoint(g, ans, g0, built):
    return g, 0.0


@adjoint(_tl.copy)
def copy(g, ans, x):
    return g


@adjoint(_tl.snapshot)
def snapshot(g, ans, v):
    return g


@adjoint(_tl.writable)
def writable(g, ans, b):
    return g


@adjoint(_tl.unbroadcast)
def unbroadcast(g, ans, g0, x):
    return _tl.broadcast_like(g, g0), 0.0


@adjoint(_tl.add)
def add(g, ans, a, b):
    return _tl.unbroadcast(g, a), _tl.unbroadcast(g, b)


@adjoint(_tl.item)
def item(g, ans, b, index):
    return _tl.item_adjoint(g, b, index), 0.0


@adjoint(_tl.item_before)
def item_before(g, ans, container, index):
    return _tl.item_adjoint(g, container, index), 0.0


@adjoint(_tl.add_at)
def add_at(g, ans, b, x, index, g0):
    return g, 0.0, 0.0, _tl.unbroadcast(_tl.item(g, index), g0)


@adjoint(_tl.unreduce)
def unreduce(g, ans, g0, a, axis=None, keepdims=False):
    return _tl.reduce_like(g, a, axis, keepdims)


@adjoint(_ntl.unreduce)
def unreduce_array(g, ans, g0, a, axis=None, keepdims=False):
    return _tl.reduce_like(g, a, axis, keepdims)


@adjoint(_ntl.sum_like)
def sum_like(g, ans, g0, x):
    return _tl.broadcast_like(g, g0)


@adjoint(_tl.broadcast_like)
def broadcast_like(g, ans, t, x):
    return _tl.unbroadcast(g, t)


# -- the helpers above, differentiated once more --------------------------------------

@adjoint(_tl.item_adjoint)
def item_adjoint(g, ans, g0, b, index):
    return _tl.unbroadcast(_tl.item(g, index), g0)


@tangent(_tl.item_adjoint)
def item_adjoint_t(ans, g0, b, index, dg0):
    return _tl.item_adjoint(dg0, b, index)


@adjoint(_tl.reduce_like)
def reduce_like(g, ans, g0, a, axis=None, keepdims=False):
    return _tl.unreduce(g, a, axis, keepdims)


@tangent(_tl.reduce_like)
def reduce_like_t(ans, g0, a, axis=None, keepdims=False, dg0=None):
    return _tl.reduce_like(dg0, a, axis, keepdims)


@adjoint(_tl.fill_like)
def fill_like(g, ans, g0, xs):
    return _tl.fill_like_adjoint(g, g0), 0.0


@adjoint(_tl.fill_like_adjoint)
def fill_like_adjoint(g, ans, g0, g1):
    return _tl.fill_like(g, g0)


@adjoint(_tl.zeroed_at)
def zeroed_at(g, ans, b, index):
    return _tl.zeroed_at(g, index), 0.0


@tangent(_tl.zeroed_at)
def zeroed_at_t(ans, b, index, db):
    return _tl.zeroed_at(db, index)


@tangent(_tl.fill_like_adjoint)
def fill_like_adjoint_t(ans, g, g0, dg):
    return _tl.fill_like_adjoint(dg, g0)


@adjoint(_tl.restored)
def restored(g, ans, container, index, value):
    return _tl.zeroed_at(g, index), 0.0, _tl.item(g, index)


@adjoint(_ntl.uniterated)
def uniterated(g, ans, g0, xs):
    return _ntl.uniterated(g, xs), 0.0


@tangent(_ntl.uniterated)
def uniterated_t(ans, g0, xs, dg0):
    return _ntl.uniterated(dg0, xs)
