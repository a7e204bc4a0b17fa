"""Pytrees: NamedTuples and dataclasses as differentiable arguments (issue 14).

Each case is checked in reverse mode (grad, value_and_grad, vjp) and forward mode (jvp
along each float leaf) against central differences and autograd, both run on the
pytree flattened into its float and array leaves; the gradient has the argument's
type (`type(g) is P`, nested ones too), fields that are not floats get what they get
in lists, and the inputs are unchanged.  The tests after the table pin field writes,
other objects, dataclasses built without their __init__, the generated code, and
returned pytrees.
"""

import collections
import copy
import dataclasses
from typing import NamedTuple

import autograd
import numpy as np
import pytest

import oracles
import tangentlike as tl


class Point(NamedTuple):
    x: float
    y: float


class Layer(NamedTuple):
    w: np.ndarray
    b: np.ndarray
    name: str


@dataclasses.dataclass
class Params:
    scale: float
    weights: np.ndarray
    steps: int = 3


@dataclasses.dataclass(frozen=True)
class Frozen:
    a: float
    inner: Point
    note: object = None


@dataclasses.dataclass
class Model:
    layers: list
    bias: float

    def predict(self, x):
        h = x
        for layer in self.layers:
            h = np.tanh(layer.w @ h + layer.b)
        return np.sum(h) + self.bias


class Holder(NamedTuple):
    params: Params
    k: float


INITS = []


@dataclasses.dataclass
class Counted:
    u: float
    v: np.ndarray

    def __post_init__(self):
        INITS.append(1)


# -- the functions ------------------------------------------------------------------

def by_attribute(p):
    return p.x * p.y + np.sin(p.x)


def by_index_and_unpacking(p):
    a, b = p
    return p[0] * b + a * a


def by_iteration(p):
    total = 0.0
    for v in p:
        total = total + v * v
    return total


def array_fields(layer, x):
    return np.sum(np.tanh(layer.w @ x + layer.b) ** 2) + len(layer.name)


def dataclass_fields(params):
    out = 0.0
    for i in range(params.steps):
        out = out + params.scale * np.sum(params.weights ** (i + 1))
    return out


def frozen_nested(f):
    if f.a > 0:
        return f.a * f.inner.x + f.inner.y ** 2
    return f.inner.x - f.a


def list_of_points(points):
    s = 0.0
    for p in points:
        s = s + p.x * p.y
    return s + points[0].y


def dict_of_dataclasses(d):
    return d["first"].scale * np.sum(d["second"].weights) + d["second"].scale


def norm2(p):
    return p.x * p.x + p.y * p.y


def through_a_call(f):
    return norm2(f.inner) * f.a


def model_method(model, x):
    return model.predict(x) * model.bias


def with_a_plain_argument(p, t):
    return p.x * t + p.y * t * t


def counted(c):
    return c.u * np.sum(c.v ** 2)


def tuple_of_trees(pair):
    point, holder = pair
    return point.x * holder.k + np.sum(holder.params.weights) * holder.params.scale * point.y


_W1, _W2 = np.array([[0.5, -0.2], [0.1, 0.3]]), np.array([[0.2, 0.4]])

CASES = [
    (by_attribute, (Point(0.7, -1.2),), 0),
    (by_index_and_unpacking, (Point(0.7, -1.2),), 0),
    (by_iteration, (Point(0.7, -1.2),), 0),
    (array_fields, (Layer(np.array([[0.3, -0.4], [0.2, 0.1]]), np.array([0.1, -0.2]), "l1"),
                    np.array([1.0, 2.0])), (0, 1)),
    (dataclass_fields, (Params(0.5, np.array([0.3, 0.6, -0.2])),), 0),
    (frozen_nested, (Frozen(1.5, Point(0.4, -0.3)),), 0),
    (frozen_nested, (Frozen(-1.5, Point(0.4, -0.3), note="x"),), 0),
    (list_of_points, ([Point(0.5, 2.0), Point(-1.0, 0.25)],), 0),
    (dict_of_dataclasses, ({"first": Params(2.0, np.ones(2), 1),
                            "second": Params(-0.5, np.array([0.1, 0.2]), 2)},), 0),
    (through_a_call, (Frozen(1.5, Point(0.4, -0.3)),), 0),
    (model_method, (Model([Layer(_W1, np.array([0.1, 0.0]), "a"),
                           Layer(_W2, np.array([-0.1]), "b")], 0.7),
                    np.array([0.5, -1.0])), (0, 1)),
    (with_a_plain_argument, (Point(0.7, -1.2), 1.3), (0, 1)),
    (counted, (Counted(0.5, np.array([1.0, -2.0])),), 0),
    (tuple_of_trees, ((Point(0.3, -0.7), Holder(Params(1.5, np.array([0.2, 0.4])), 2.0)),), 0),
]


# -- flattening, for the oracles -------------------------------------------------------

def is_tree(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields") or \
        dataclasses.is_dataclass(x) and not isinstance(x, type)


def children(x):
    if is_tree(x):
        return [getattr(x, f) for f in (x._fields if isinstance(x, tuple) else
                                        [f.name for f in dataclasses.fields(x)])]
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, dict):
        return list(x.values())
    return None


def rebuild(x, parts):
    if isinstance(x, tuple) and is_tree(x):
        return type(x)(*parts)
    if is_tree(x):
        out = copy.copy(x)
        for f, part in zip(dataclasses.fields(x), parts):
            object.__setattr__(out, f.name, part)
        return out
    if isinstance(x, (list, tuple)):
        return type(x)(parts)
    if isinstance(x, dict):
        return dict(zip(x, parts))
    raise TypeError(x)


def leaves(x):
    """The float and float-array leaves of x, depth first (ints, strings, None skipped)."""
    inside = children(x)
    if inside is not None:
        return [leaf for c in inside for leaf in leaves(c)]
    if isinstance(x, float) or isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return [x]
    return []


def with_leaves(x, new):
    """x with its float leaves replaced, in order, by those of the iterator `new`."""
    inside = children(x)
    if inside is not None:
        return rebuild(x, [with_leaves(c, new) for c in inside])
    if isinstance(x, float) or isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return next(new)
    return x


def selected(args, wrt):
    return [wrt] if isinstance(wrt, int) else list(wrt)


def flat_function(f, args, wrt):
    """(g, flat vector): g(vector) = f(args with the wrt arguments' leaves from vector)."""
    positions = selected(args, wrt)
    parts = [leaf for k in positions for leaf in leaves(args[k])]
    sizes = [np.size(p) for p in parts]
    flat = np.concatenate([np.ravel(np.asarray(p, dtype=float)) for p in parts])

    def pieces(vector):
        out, start = [], 0
        for p, size in zip(parts, sizes):
            if isinstance(p, np.ndarray):
                out.append(np.reshape(vector[start:start + size], p.shape))
            else:
                out.append(vector[start])
            start += size
        return iter(out)

    def call(fn, vector):
        new, call_args = pieces(vector), list(copy.deepcopy(args))
        for k in positions:
            call_args[k] = with_leaves(args[k], new)
        return fn(*call_args)
    return call, flat


def fd_gradient(f, args, wrt, eps=1e-6):
    call, flat = flat_function(f, args, wrt)
    out = np.zeros_like(flat)
    for i in range(flat.size):
        h = eps * max(1.0, abs(flat[i]))
        up, down = flat.copy(), flat.copy()
        up[i] += h
        down[i] -= h
        out[i] = (call(f, up) - call(f, down)) / (2 * h)
    return out


def autograd_gradient(f, args, wrt):
    call, flat = flat_function(f, args, wrt)
    g = oracles._rebound(f)
    return np.asarray(autograd.grad(lambda v: call(g, v))(flat), dtype=float)


def flat_gradient(grads, args, wrt):
    """The AD gradient, flattened like the arguments; its types checked on the way."""
    positions = selected(args, wrt)
    grads = [grads] if isinstance(wrt, int) else list(grads)
    out = []
    for g, k in zip(grads, positions):
        assert_same_structure(g, args[k])
        out += [np.ravel(np.asarray(leaf, dtype=float)) for leaf in leaves_like(g, args[k])]
    return np.concatenate(out)


def leaves_like(g, x):
    """The parts of gradient `g` at the float leaves of its argument `x`."""
    inside = children(x)
    if inside is not None:
        return [leaf for a, b in zip(children(g), inside) for leaf in leaves_like(a, b)]
    return [g] if leaves(x) else []


def assert_same_structure(g, x):
    assert type(g) is type(x) or isinstance(x, float) and isinstance(g, float), \
        (type(g), type(x))
    inside = children(x)
    if inside is not None:
        gs = children(g)
        assert len(gs) == len(inside)
        for a, b in zip(gs, inside):
            if isinstance(b, (int, str)) or b is None:
                continue                   # what non-floats get (as in lists)
            assert_same_structure(a, b)
    elif isinstance(x, np.ndarray):
        assert g.shape == x.shape and g.dtype == x.dtype


def assert_unchanged(before, after):
    inside = children(before)
    if inside is not None:
        assert type(before) is type(after)
        for a, b in zip(inside, children(after)):
            assert_unchanged(a, b)
    elif isinstance(before, np.ndarray):
        np.testing.assert_array_equal(before, after)
    else:
        assert before == after


# -- the table -----------------------------------------------------------------------

IDS = [f"{f.__name__}-{k}" for k, (f, _, _) in enumerate(CASES)]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=IDS)
def test_reverse_mode(f, args, wrt):
    kept = copy.deepcopy(args)
    fd = fd_gradient(f, args, wrt)
    reference = autograd_gradient(f, args, wrt)
    np.testing.assert_allclose(reference, fd, rtol=1e-5, atol=1e-7)      # oracles agree
    g = tl.grad(f, wrt=wrt)(*args)
    np.testing.assert_allclose(flat_gradient(g, args, wrt), reference, rtol=1e-10,
                               atol=1e-12)
    value, g2 = tl.value_and_grad(f, wrt=wrt)(*args)
    assert value == pytest.approx(f(*args), rel=1e-14)
    np.testing.assert_allclose(flat_gradient(g2, args, wrt), reference, rtol=1e-10,
                               atol=1e-12)
    for before, after in zip(kept, args):
        assert_unchanged(before, after)


@pytest.mark.parametrize("f, args, wrt", CASES, ids=IDS)
def test_vjp(f, args, wrt):
    out, pullback = tl.vjp(f, *args)
    adjoints = pullback(2.0)
    positions = selected(args, wrt)
    grads = tuple(adjoints[k] for k in positions)
    reference = autograd_gradient(f, args, wrt)
    np.testing.assert_allclose(flat_gradient(grads if len(positions) > 1 else grads[0],
                                             args, wrt), 2.0 * reference, rtol=1e-10,
                               atol=1e-12)


def zero_tangent(x):
    return with_leaves(x, (np.zeros_like(leaf) if isinstance(leaf, np.ndarray) else 0.0
                           for leaf in leaves(x)))


@pytest.mark.parametrize("f, args, wrt", CASES, ids=IDS)
def test_forward_mode(f, args, wrt):
    """jvp with tangents of the arguments' own types, along random directions."""
    kept = copy.deepcopy(args)
    reference = autograd_gradient(f, args, wrt)
    positions = selected(args, wrt)
    rng = np.random.default_rng(14)
    for _ in range(2):
        direction = rng.normal(size=reference.size)
        call, _ = flat_function(f, args, wrt)
        new = iter([])
        tangents = []
        start = 0
        for k, a in enumerate(args):
            if k not in positions:
                tangents.append(zero_tangent(a) if children(a) is not None or
                                isinstance(a, (float, np.ndarray)) else a)
                continue
            parts = []
            for leaf in leaves(a):
                size = np.size(leaf)
                piece = direction[start:start + size]
                parts.append(piece.reshape(leaf.shape) if isinstance(leaf, np.ndarray)
                             else float(piece[0]))
                start += size
            new = iter(parts)
            tangents.append(with_leaves(a, new))
        value, tangent = tl.jvp(f, args, tuple(tangents))
        assert value == pytest.approx(f(*args), rel=1e-14)
        assert tangent == pytest.approx(float(reference @ direction), rel=1e-9, abs=1e-12)
    for before, after in zip(kept, args):
        assert_unchanged(before, after)


# -- what the table cannot show ---------------------------------------------------------

def test_gradient_types_and_non_float_fields():
    g = tl.grad(frozen_nested)(Frozen(1.5, Point(0.4, -0.3), note="x"))
    assert type(g) is Frozen and type(g.inner) is Point
    assert g.note == 0.0                               # as a str in a list gets
    assert (g.a, g.inner.x, g.inner.y) == pytest.approx((0.4, 1.5, -0.6))
    g = tl.grad(dataclass_fields)(Params(0.5, np.array([0.3, 0.6, -0.2]), 2))
    assert type(g) is Params and type(g.weights) is np.ndarray
    g = tl.grad(list_of_points)([Point(0.5, 2.0), Point(-1.0, 0.25)])
    assert type(g) is list and all(type(p) is Point for p in g)
    assert g == [Point(2.0, 1.5), Point(0.25, -1.0)]


def test_a_dataclass_gradient_is_built_without_its_init():
    c = Counted(0.5, np.array([1.0, -2.0]))
    INITS.clear()
    g = tl.grad(counted)(c)
    assert INITS == [] and type(g) is Counted
    np.testing.assert_allclose(g.v, 2 * 0.5 * c.v)
    assert g.u == pytest.approx(5.0)


def test_generated_code_reads_fields():
    text = tl.source(by_attribute, args=(Point(0.7, -1.2),))
    assert "_tl.field(p, 'x')" in text and "_tl.field_adjoint(" in text
    assert "pytree:" in text                # the docstring names the kind it is made for


def test_specialized_on_field_kinds():
    """The same class with a float and then an array field: two specializations."""
    gradient = tl.grad(lambda_free_sum)
    g1 = gradient(Point(0.7, -1.2))
    g2 = gradient(Point(np.array([0.7, 0.1]), np.array([-1.2, 2.0])))
    assert type(g1.x) is float and g1 == (pytest.approx(-1.2), pytest.approx(0.7))
    assert g2.x.shape == (2,)
    np.testing.assert_allclose(g2.x, [-1.2, 2.0])
    np.testing.assert_allclose(g2.y, [0.7, 0.1])
    assert "x=scalar" in tl.source(lambda_free_sum, args=(Point(0.7, -1.2),))
    assert "x=vector" in tl.source(lambda_free_sum, args=(g2,))


def lambda_free_sum(p):
    return np.sum(p.x * p.y)


def writes_a_field(p):
    p.scale = p.scale * 2.0
    return p.scale


def writes_into_a_field(p):
    p.weights[0] = 1.0
    return np.sum(p.weights)


@pytest.mark.parametrize("f", [writes_a_field, writes_into_a_field])
def test_a_field_write_is_a_located_error(f):
    before = Params(0.5, np.array([0.3, 0.6]))
    with pytest.raises(tl.UnsupportedSyntaxError) as info:
        tl.grad(f)(before)
    message = str(info.value)
    assert f"test_pytrees.py:{f.__code__.co_firstlineno + 1}" in message
    assert "attribute" in message and "p." in message
    assert before.scale == 0.5 and before.weights[0] == 0.3


class Plain:
    def __init__(self, a):
        self.a = a


class Sub(tuple):
    pass


def reads_plain(o):
    return o.a * 2.0


def reads_sub(t):
    return t[0] * 2.0


def test_other_objects_stay_non_differentiable():
    with pytest.raises(tl.NonDifferentiableArgumentError, match="Plain object"):
        tl.grad(reads_plain)(Plain(1.0))
    with pytest.raises(tl.NonDifferentiableArgumentError, match="Sub"):
        tl.grad(reads_sub)(Sub((1.0, 2.0)))
    with pytest.raises(tl.NonDifferentiableArgumentError, match="Sub"):
        tl.jvp(reads_sub, (Sub((1.0, 2.0)),), ((1.0, 0.0),))



def plain_in_a_list(items):
    return items[0].a * items[1].x


def test_an_object_beside_a_pytree_is_an_error_not_a_zero():
    """`a` is a field name (of Point, below); the Plain object's `a` is a constant: the
    derivative that would flow through it is an error."""
    with pytest.raises(tl.TangentlikeError, match="attribute 'a' of a Plain object"):
        tl.grad(plain_in_a_list)([Plain(2.0), Pair(1.0, 3.0)])


class Pair(NamedTuple):
    a: float
    x: float


def returns_the_tree(p):
    return p


def test_a_returned_named_tuple_takes_a_cotangent_of_its_type():
    out, pullback = tl.vjp(returns_the_tree, Point(0.7, -1.2))
    assert out == Point(0.7, -1.2)
    (g,) = pullback(Point(2.0, 3.0))
    assert type(g) is Point and g == Point(2.0, 3.0)


def builds_a_tree(x):
    return Point(x * 2.0, y=x * x)


def builds_and_reads(x, w):
    p = Params(x, w * x)
    q = Point(p.scale * 2.0, np.sum(p.weights))
    return q.x * q.y + p.steps


def test_a_built_pytree_is_differentiated_and_returned():
    out, pullback = tl.vjp(builds_a_tree, 1.5)
    assert out == Point(3.0, 2.25)
    assert pullback(Point(1.0, 1.0)) == (pytest.approx(2.0 + 3.0),)
    assert pullback([0.0, 2.0]) == (pytest.approx(6.0),)
    value, tangent = tl.jvp(builds_a_tree, (1.5,), (1.0,))
    assert value == out and type(tangent) is Point and tangent == Point(2.0, 3.0)
    args = (0.7, np.array([0.5, -1.5]))
    g = tl.grad(builds_and_reads, wrt=(0, 1))(*args)
    reference = autograd_gradient(builds_and_reads, args, (0, 1))
    np.testing.assert_allclose(np.concatenate([[g[0]], g[1]]), reference, rtol=1e-10)
    np.testing.assert_allclose(reference, fd_gradient(builds_and_reads, args, (0, 1)),
                               rtol=1e-6)
    assert tl.jvp(builds_and_reads, args, (1.0, np.zeros(2)))[1] == \
        pytest.approx(reference[0], rel=1e-10)
    assert "_tl.build(Params, (x, w * x, 3))" in tl.source(builds_and_reads, args=args)


@dataclasses.dataclass
class Derived:
    a: float

    def __post_init__(self):
        self.b = self.a * 2.0


def builds_a_derived(x):
    d = Derived(x)
    return d.a * x


def test_a_dataclass_with_post_init_is_not_built_as_a_pytree():
    """Its fields need not be what its constructor was given: a located error."""
    with pytest.raises(tl.TangentlikeError, match="attribute `a` of `d`") as info:
        tl.grad(builds_a_derived)(1.0)
    assert "test_pytrees.py:" in str(info.value)


def built_inside(x):
    p = Point(x * 2.0, x * x)
    return p.x * p.y


def test_second_derivatives_through_pytrees():
    """Hessian-vector products of functions of pytrees (forward over reverse) and the
    gradient of a gradient of a function that builds one (reverse over reverse)."""
    assert tl.grad(tl.grad(built_inside))(1.5) == pytest.approx(12 * 1.5)
    params = Params(0.5, np.array([0.3, 0.6, 0.2]), 2)    # (w ** (i + 1): w > 0, as
    product = tl.hvp(dataclass_fields, (params,), (Params(1.0, np.zeros(3), 0),))
    assert type(product) is Params
    # the tangent of a power by a loop index reads log(w): NaN for w < 0, on main too)
    # d/dscale of the gradient: d2f/dscale dweights = sum_i (i + 1) w^i over the steps
    np.testing.assert_allclose(product.weights, 1.0 + 2 * params.weights, rtol=1e-12)
    tl.check_grads(dataclass_fields, (params,), order=2)
    tl.check_grads(frozen_nested, (Frozen(1.5, Point(0.4, -0.3)),), order=2)
    tl.check_grads(builds_and_reads, (0.7, np.array([0.5, -1.5])), order=2)


class Swapped(collections.namedtuple("SwappedBase", "a b")):
    __slots__ = ()

    def __new__(cls, b, a):            # its own constructor: arguments in another order
        return super().__new__(cls, a, b)


def builds_swapped(x):
    s = Swapped(x * 3.0, x)            # a = x, b = 3x
    return s.a * 2.0 + s.b


def test_a_named_tuple_with_its_own_constructor_is_not_rewritten():
    """Its arguments are not its fields in order: it is left as the user's call (a
    located error where a derivative would flow through it), never a wrong gradient."""
    assert builds_swapped(1.0) == 5.0
    with pytest.raises(tl.TangentlikeError, match="attribute `a` of `s`"):
        tl.grad(builds_swapped)(1.0)


@dataclasses.dataclass
class WithProperty:
    a: float
    b: float
    SCALE = 3.0

    @property
    def product(self):
        return self.a * self.b

    def cached(self):
        return self.a


def reads_a_property(p):
    return p.product * p.SCALE + p.a


def reads_a_non_field(p):
    return p.__dict__["a"] * 2.0


def test_a_property_is_differentiated_and_other_attributes_are_not_zeros():
    g = tl.grad(reads_a_property)(WithProperty(2.0, 5.0))
    assert type(g) is WithProperty and (g.a, g.b) == (pytest.approx(16.0), pytest.approx(6.0))
    value, tangent = tl.jvp(reads_a_property, (WithProperty(2.0, 5.0),),
                            (WithProperty(1.0, 0.0),))
    assert (value, tangent) == (pytest.approx(32.0), pytest.approx(16.0))
    with pytest.raises(tl.UnsupportedSyntaxError, match="not a field of the WithProperty"):
        tl.grad(reads_a_non_field)(WithProperty(2.0, 5.0))
