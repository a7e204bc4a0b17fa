"""Rules for the runtime helpers generated code calls.

They make generated derivatives differentiable again (forward over reverse for
Hessians, forward over forward for higher derivatives): each helper is linear
in its adjoint or tangent arguments, so its tangent is the helper applied to
their tangents.
"""

from .. import runtime as _tl
from .registry import nondifferentiable, tangent


@tangent(_tl.value_and_aux)
def value_and_aux(ans, result, dresult):
    return dresult


@tangent(_tl.field)
def field(ans, x, name, dx):
    return _tl.field_tangent(dx, x, name)


@tangent(_tl.build)
def build(ans, cls, parts, dparts):
    return _tl.built_tangent(dparts, ans)


@tangent(_tl.parts_adjoint)
def parts_adjoint(ans, g, built, dg):
    return _tl.parts_adjoint(dg, built)


@tangent(_tl.built_tangent)
def built_tangent(ans, t, built, dt):
    return _tl.built_tangent(dt, built)


@tangent(_tl.field_tangent)
def field_tangent(ans, t, x, name, dt):
    return _tl.field_tangent(dt, x, name)


@tangent(_tl.field_adjoint)
def field_adjoint(ans, g, x, name, dg):
    return _tl.field_adjoint(dg, x, name)


@tangent(_tl.unbroadcast)
def unbroadcast(ans, g, x, dg):
    return _tl.unbroadcast(dg, x)


@tangent(_tl.unreduce)
def unreduce(ans, g, a, axis=None, keepdims=False, dg=None):
    return _tl.unreduce(dg, a, axis, keepdims)


@tangent(_tl.add)
def add(ans, a, b, da, db):
    return _tl.add(da, db)


@tangent(_tl.add_at)
def add_at(ans, b, x, index, g, db, dg):
    return _tl.add_at(db, x, index, dg)


@tangent(_tl.item)
def item(ans, b, index, db):
    return _tl.item(db, index)


@tangent(_tl.extract)
def extract(ans, b, index, db):
    return _tl.extract(db, index)


@tangent(_tl.writable)
def writable(ans, b, db):
    return _tl.writable(db)


@tangent(_tl.pop_last)
def pop_last(ans, b, db):
    return _tl.pop_last(db)


@tangent(_tl.popped)
def popped(ans, tape, count, dtape):
    return _tl.popped(dtape, count)


@tangent(_tl.copy)
def copy(ans, x, dx):
    return _tl.copy(dx)


@tangent(_tl.snapshot)
def snapshot(ans, v, dv):
    return _tl.snapshot(dv)


@tangent(_tl.item_before)
def item_before(ans, container, index, dcontainer):
    return _tl.item_before(dcontainer, index)


@tangent(_tl.fill_like)
def fill_like(ans, g, xs, dg):
    return _tl.fill_like(dg, xs)


@tangent(_tl.select_first)
def select_first(ans, g, xs, chosen, dg):
    return _tl.select_first(dg, xs, chosen)


@tangent(_tl.select_extremes)
def select_extremes(ans, g, a, ans_, axis=None, keepdims=False, dg=None):
    return _tl.select_extremes(dg, a, ans_, axis, keepdims)


@tangent(_tl.matmul_adjoint_a)
def matmul_adjoint_a(ans, g, a, b, dg, db):
    return _tl.matmul_adjoint_a(dg, a, b) + _tl.matmul_adjoint_a(g, a, db)


@tangent(_tl.matmul_adjoint_b)
def matmul_adjoint_b(ans, g, a, b, dg, da):
    return _tl.matmul_adjoint_b(dg, a, b) + _tl.matmul_adjoint_b(g, da, b)


@tangent(_tl.broadcast_like)
def broadcast_like(ans, t, x, dt):
    return _tl.broadcast_like(dt, x)


@tangent(_tl.set_tangent_at)
def set_tangent_at(ans, d, x, index, t, dd, dt):
    return _tl.set_tangent_at(dd, x, index, dt)


@tangent(_tl.append_tangent)
def append_tangent(ans, d, x, t, dd, dt):
    return _tl.append_tangent(dd, x, dt)


@tangent(_tl.select_tangent)
def select_tangent(ans, d, xs, chosen, dd):
    return _tl.select_tangent(dd, xs, chosen)


nondifferentiable(_tl.sign, _tl.zeros_like)
