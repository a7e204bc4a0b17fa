"""No rule silently returns zero (issue 12, items 8 and 10).

Every callable reaching the transformers has a checked rule, is declared
non-differentiable, or raises NoDerivativeError.  One table of functions, each
checked in reverse mode (`tl.grad`, `tl.value_and_grad`) and forward mode
(`tl.jvp`) against central differences, against autograd where autograd has the
function, and with the caller's arrays unchanged after every call.  Then the
registry's side: a registration replaces the rule it overrides, declaring a
differentiable callable non-differentiable needs `replace=True`, and the registry's
version and fingerprint follow every change.
"""

import copy
import math
from typing import Any, Callable, NamedTuple

import numpy as np
import pytest

from oracles import autograd_failure, autograd_grad, central_difference

import tangentlike as tl
from tangentlike.rules import registry

RNG = np.random.default_rng(12)
V3 = RNG.uniform(0.3, 1.5, 3) * np.array([1.0, -1.0, 1.0])
M23 = RNG.normal(size=(2, 3))
M34 = RNG.normal(size=(3, 4))
S33 = RNG.normal(size=(3, 3))
T234 = RNG.normal(size=(2, 3, 4))


def _weights(shape):
    """Weights that differ per element, so a misplaced adjoint shows."""
    return np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape) / 7.0


# -- np.r_ and np.c_ (index tricks: calls of their __getitem__) ------------------------

def r_call(x, y):
    return np.sum(np.sin(np.r_.__getitem__((x, 0.5, x * y, slice(0, 2))) * _weights((9,))))


def r_directive(x):
    return np.sum(np.sin(np.r_.__getitem__(("0,2", x, 2.0 * x))) * _weights((2, 3)))


def c_call(x, y):
    return np.sum(np.sin(np.c_.__getitem__((x, x * y))) * _weights((3, 2)))


def r_subscript(x):
    return np.sum(np.r_[x, x * 2.0] ** 2)


def c_subscript(x):
    return np.sum(np.c_[x, x] * _weights((3, 2)))


# -- einsum: subscripts string and sublist forms ----------------------------------------

def einsum_sublist_dot(x):
    return np.einsum(x, [0], x, [0], [])


def einsum_sublist_implicit(x):
    return np.einsum(x, [0], x, [0])


def einsum_sublist_matmul(x, y):
    return np.sum(np.sin(np.einsum(x, [0, 1], y, [1, 2], [0, 2])))


def einsum_sublist_ellipsis(x, y):
    return np.sum(np.sin(np.einsum(x, [Ellipsis, 1], y, [1, 2], [Ellipsis, 2])))


def einsum_sublist_trace(x):
    return np.sin(np.einsum(x, [0, 0]))


def einsum_string(x, y):
    return np.sum(np.sin(np.einsum("ij,jk->ik", x, y)))


def einsum_optimize(x, y):
    return np.sum(np.sin(np.einsum("ij,jk,k->i", x, y, y[0] * 2.0, optimize=True)))


def einsum_four(x):
    return np.einsum("i,i,i,i", x, x, x, x)


# -- norms -------------------------------------------------------------------------------

def norm_matrix(a, order):
    return np.sin(np.linalg.norm(a, ord=order))


def norm_stack(a, order):
    return np.sum(np.sin(np.linalg.norm(a, order, (2, 0)) * _weights((3,))))


def norm_stack_keepdims(a, order):
    return np.sum(np.sin(np.linalg.norm(a, ord=order, axis=(1, 2), keepdims=True) * a))


def norm_vector(x, order):
    return np.sin(np.linalg.norm(x, ord=order))


def norm_rows(a, order):
    return np.sum(np.sin(np.linalg.norm(a, ord=order, axis=1) * _weights((2,))))


# -- np.pad ------------------------------------------------------------------------------

def pad_int(x):
    return np.sum(np.sin(np.pad(x, 3, "constant")) * _weights((9,)))


def pad_one(x):
    return np.sum(np.sin(np.pad(x, (3,), "constant")) * _weights((9,)))


def pad_pair(x):
    return np.sum(np.sin(np.pad(x, (1, 2))) * _weights((5, 6)))


def pad_pair_in_tuple(x):
    return np.sum(np.sin(np.pad(x, ((1, 2),), "edge")) * _weights((6,)))


def pad_per_axis(x, mode):
    return np.sum(np.sin(np.pad(x, ((1, 0), (2, 1)), mode)) * _weights((3, 6)))


def pad_per_axis_one(x, mode):
    return np.sum(np.sin(np.pad(x, ((1,), (2,)), mode)) * _weights((4, 7)))


def pad_values(x, c):
    return np.sum(np.sin(np.pad(x, ((1, 2), (0, 1)), constant_values=c)) * _weights((5, 4)))


def pad_value_pairs(x, c):
    padded = np.pad(x, 1, constant_values=((c, 2.0 * c), (-c, 0.5)))
    return np.sum(np.sin(padded) * _weights((4, 5)))


# -- sign of NumPy scalars -----------------------------------------------------------------

def abs_of_sum(x):
    return abs(np.sum(x))


def abs_of_numpy_scalar(x):
    return abs(np.float64(2.0) * np.sum(x)) * np.sum(x)


def fabs_of_sum(x):
    return math.fabs(np.sum(x)) + abs(x[0])


def copysign_numpy(x):
    return np.sum(np.copysign(x, -1.0) * _weights((3,)))


def copysign_math(x, y):
    return math.copysign(x, y) * x


# -- rules that ignored a differentiable argument ------------------------------------------

def arange_start_step(start, step):
    return np.sum(np.sin(np.arange(start, 4.0, step)))


def arange_start(start):
    return np.sum(np.sin(np.arange(start, 4.0)))


def arange_step(step):
    return np.sum(np.sin(np.arange(3, step=step)))


def arange_integer(start):
    return np.sum(np.arange(start, 4.0, dtype=int) * 1.0) + start


def heaviside_value(x, h):
    return np.sum(np.heaviside(x, h) * _weights((3,)))


def nan_to_num_values(x, c):
    return np.sum(np.nan_to_num(x * 2.0, nan=c, posinf=c * 3.0) * _weights((4,)))


class Case(NamedTuple):
    name: str
    fn: Callable
    args: tuple
    wrt: Any = 0
    autograd: bool = False        # autograd has the function: its gradient is checked
    xfail: str = ""


INF = np.inf
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, INF, -INF]
VECTOR_ORDS = [None, 1, 2, 3, 0.5, -1, INF, -INF]
POINT = np.array([1.2, np.nan, np.inf, -0.4])
STEP = np.array([0.0, 1.0, -1.0])

CASES = [
    Case("r_call", r_call, (V3, 0.7), (0, 1)),
    Case("r_directive", r_directive, (V3,)),
    Case("c_call", c_call, (V3, 0.7), (0, 1)),
    Case("r_subscript", r_subscript, (V3,)),
    Case("c_subscript", c_subscript, (V3,)),
    Case("einsum_sublist_dot", einsum_sublist_dot, (V3,)),
    Case("einsum_sublist_implicit", einsum_sublist_implicit, (V3,)),
    Case("einsum_sublist_matmul", einsum_sublist_matmul, (M23, M34), (0, 1)),
    Case("einsum_sublist_ellipsis", einsum_sublist_ellipsis, (M23, M34), (0, 1)),
    Case("einsum_sublist_trace", einsum_sublist_trace, (S33,)),
    Case("einsum_string", einsum_string, (M23, M34), (0, 1), autograd=True),
    Case("einsum_optimize", einsum_optimize, (M23, M34), (0, 1), autograd=True),
    Case("einsum_four", einsum_four, (V3,), autograd=True),
    *[Case(f"norm_matrix[{o}]", norm_matrix, (M23, o)) for o in MATRIX_ORDS],
    *[Case(f"norm_stack[{o}]", norm_stack, (T234, o)) for o in MATRIX_ORDS],
    *[Case(f"norm_stack_keepdims[{o}]", norm_stack_keepdims, (T234, o)) for o in MATRIX_ORDS],
    *[Case(f"norm_vector[{o}]", norm_vector, (V3, o)) for o in VECTOR_ORDS],
    *[Case(f"norm_rows[{o}]", norm_rows, (M23, o)) for o in VECTOR_ORDS],
    Case("norm_matrix_fro_autograd", norm_matrix, (M23, "fro"), autograd=True),
    Case("norm_matrix_nuc_autograd", norm_matrix, (M23, "nuc"), autograd=True),
    Case("pad_int", pad_int, (V3,)),
    Case("pad_one", pad_one, (V3,)),
    Case("pad_pair", pad_pair, (M23,)),
    Case("pad_pair_in_tuple", pad_pair_in_tuple, (V3,)),
    *[Case(f"pad_per_axis[{m}]", pad_per_axis, (M23, m))
      for m in ("constant", "edge", "reflect", "symmetric", "wrap")],
    *[Case(f"pad_per_axis_one[{m}]", pad_per_axis_one, (M23, m))
      for m in ("constant", "edge", "reflect", "symmetric", "wrap")],
    Case("pad_values", pad_values, (M23, 0.3), (0, 1)),
    Case("pad_value_pairs", pad_value_pairs, (M23, 0.3), (0, 1)),
    Case("abs_of_sum", abs_of_sum, (V3,), autograd=True),
    Case("abs_of_numpy_scalar", abs_of_numpy_scalar, (V3,)),
    Case("fabs_of_sum", fabs_of_sum, (V3,)),
    Case("copysign_numpy", copysign_numpy, (V3,)),
    Case("copysign_math", copysign_math, (-0.8, 2.0), (0, 1)),
    Case("arange_start_step", arange_start_step, (0.3, 0.7), (0, 1)),
    Case("arange_start", arange_start, (0.3,)),
    Case("arange_step", arange_step, (0.7,)),
    Case("arange_integer", arange_integer, (0.3,)),
    Case("heaviside_value", heaviside_value, (STEP, 0.4), 1),
    Case("nan_to_num_values", nan_to_num_values, (POINT, 0.5), 1),
]


def _param(case):
    marks = [pytest.mark.xfail(strict=True, reason=(
        "np.r_[...] is a subscript: tangentlike.normalize must rewrite the subscript of an "
        "object that is not an array or container into a call of its __getitem__"))] \
        if case.xfail else []
    return pytest.param(case, id=case.name, marks=marks)


PARAMS = [_param(case) for case in CASES]

# Expected values that are not found by an oracle: the derivatives the rules got wrong.
KNOWN = {
    "r_subscript": 10.0 * V3,
    "einsum_sublist_dot": 2.0 * V3,
    "abs_of_sum": np.sign(np.sum(V3)) * np.ones(3),
    "arange_integer": 1.0,
    "heaviside_value": 1.0 / 7.0,                       # weight of the x == 0 element
    "nan_to_num_values": 2.0 / 7.0 + 3.0 * 3.0 / 7.0,   # the NaN's and the inf's weights
    "copysign_math": (1.6, 0.0),
}


def _float_like(a):
    return isinstance(a, float) or isinstance(a, np.ndarray) and a.dtype.kind == "f"


def _positions(case):
    return case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)


def _as_tuple(case, grads):
    return grads if isinstance(case.wrt, tuple) else (grads,)


def _close(actual, expected, what):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=1e-5, atol=1e-6, err_msg=what)


def _unchanged(before, after, what):
    for k, (b, a) in enumerate(zip(before, after)):
        same = np.array_equal(b, a, equal_nan=True) if isinstance(b, np.ndarray) else b == a
        assert type(b) is type(a) and same, f"{what} modified argument {k}: {b!r} became {a!r}"


def _reference(case):
    """Central differences, with NaN and infinite inputs held fixed."""
    with np.errstate(all="ignore"):
        ref = central_difference(case.fn, copy.deepcopy(case.args), case.wrt)
    return ref


@pytest.mark.parametrize("case", PARAMS)
def test_reverse_mode(case):
    args = copy.deepcopy(case.args)
    grads = tl.grad(case.fn, wrt=case.wrt)(*args)
    _unchanged(case.args, args, "grad")
    value, grads2 = tl.value_and_grad(case.fn, wrt=case.wrt)(*args)
    _unchanged(case.args, args, "value_and_grad")
    with np.errstate(all="ignore"):
        assert value == pytest.approx(case.fn(*copy.deepcopy(case.args)), rel=1e-12)
    reference = _as_tuple(case, _reference(case))
    for k, (g, g2, ref, p) in enumerate(zip(_as_tuple(case, grads), _as_tuple(case, grads2),
                                           reference, _positions(case))):
        assert np.shape(g) == np.shape(case.args[p]), f"gradient {k} has the wrong shape"
        _close(g, ref, f"grad {k} vs central differences")
        _close(g2, ref, f"value_and_grad {k} vs central differences")
    if case.name in KNOWN:
        for g, known in zip(_as_tuple(case, grads), _as_tuple(case, KNOWN[case.name])):
            _close(g, known, "grad vs the known derivative")


@pytest.mark.parametrize("case", PARAMS)
def test_forward_mode(case):
    rng = np.random.default_rng(7)
    tangents = []
    for k, a in enumerate(case.args):
        if k in _positions(case) and isinstance(a, np.ndarray):
            tangents.append(np.where(np.isfinite(a), rng.normal(size=a.shape), 0.0))
        elif k in _positions(case):
            tangents.append(float(rng.normal()))
        else:
            tangents.append(np.zeros_like(a) if isinstance(a, np.ndarray) else 0.0)
    args, given = copy.deepcopy(case.args), copy.deepcopy(tangents)
    value, out_tangent = tl.jvp(case.fn, args, given)
    _unchanged(case.args, args, "jvp (primals)")
    _unchanged(tangents, given, "jvp (tangents)")
    with np.errstate(all="ignore"):
        assert value == pytest.approx(case.fn(*copy.deepcopy(case.args)), rel=1e-12)
    reference = _as_tuple(case, _reference(case))
    expected = sum(float(np.sum(ref * tangents[p])) for ref, p in zip(reference, _positions(case)))
    assert np.ndim(out_tangent) == 0
    assert float(out_tangent) == pytest.approx(expected, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("case", [p for p in PARAMS if p.values[0].autograd])
def test_against_autograd(case):
    expected = autograd_grad(case.fn, copy.deepcopy(case.args), case.wrt)
    assert expected is not None, f"autograd failed: {autograd_failure(case.fn)}"
    grads = tl.grad(case.fn, wrt=case.wrt)(*copy.deepcopy(case.args))
    for g, ref in zip(_as_tuple(case, grads), _as_tuple(case, expected)):
        _close(g, ref, "grad vs autograd")


def test_every_registered_numpy_rule_of_this_issue_is_exercised():
    exercised = {case.fn for case in CASES}
    for fn in (r_call, c_call, einsum_sublist_dot, norm_matrix, pad_one, abs_of_sum,
               arange_start_step, heaviside_value, nan_to_num_values, copysign_math):
        assert fn in exercised


# -- clean errors where there is no derivative rule ------------------------------------------

def pad_maximum(x):
    return np.sum(np.pad(x, 2, "maximum") * _weights((7,)))


def pad_odd_reflection(x):
    return np.sum(np.pad(x, 2, "reflect", reflect_type="odd") * _weights((7,)))


def sum_into(x):
    total = np.zeros(())
    return np.sum(x, out=total) * 2.0


def einsum_into(x):
    out = np.zeros(())
    return np.einsum("i,i", x, x, out=out)


def mgrid_stop(x):
    return np.sum(np.mgrid.__getitem__(slice(0.0, x[0], 5j)))


@pytest.mark.parametrize("fn, error, match", [
    (sum_into, tl.TangentlikeError, "out="),
    (einsum_into, tl.TangentlikeError, "out="),
    (pad_odd_reflection, tl.NoDerivativeError, "numpy.pad.*keywords reflect_type"),
    (mgrid_stop, tl.NoDerivativeError, "mgrid"),
], ids=lambda v: getattr(v, "__name__", None))
def test_no_rule_is_a_located_error(fn, error, match):
    with pytest.raises(error, match=match) as info:
        tl.grad(fn)(V3.copy())
    assert f"{__file__}:" in str(info.value)


@pytest.mark.parametrize("derivative", [
    lambda: tl.grad(pad_maximum)(V3.copy()),
    lambda: tl.jvp(pad_maximum, (V3.copy(),), (np.ones(3),)),
], ids=["grad", "jvp"])
def test_unsupported_pad_mode_is_an_error_not_a_wrong_derivative(derivative):
    with pytest.raises(NotImplementedError, match="np.pad mode 'maximum'"):
        derivative()


def test_singular_matrix_norms_follow_the_conventions():
    """At points where a matrix norm has no derivative, the documented choice: tied extreme
    singular values share, singular values 0 have slope 0."""
    eye = np.eye(3)
    shared = tl.grad(norm_matrix)(eye.copy(), 2)
    np.testing.assert_allclose(shared, np.cos(1.0) * eye / 3.0, atol=1e-12)
    rank_one = np.outer([1.0, 2.0, 2.0], [2.0, 1.0, 2.0])
    nuclear = tl.grad(norm_matrix)(rank_one.copy(), "nuc")
    u = np.array([1.0, 2.0, 2.0]) / 3.0
    v = np.array([2.0, 1.0, 2.0]) / 3.0
    np.testing.assert_allclose(nuclear, np.cos(9.0) * np.outer(u, v), atol=1e-12)
    assert np.all(tl.grad(norm_matrix)(rank_one.copy(), -2) == 0.0)


# -- the registry: replacing rules, declaring callables non-differentiable ---------------------

def softsign(x):
    return x / (1.0 + abs(x))


def uses_softsign(x):
    return softsign(x) * 3.0


def uses_sin(x):
    return np.sum(np.sin(x))


def _first_rule(g, ans, x):
    return g * 10.0


def _second_rule(g, ans, x):
    return g * 20.0


def _second_tangent(ans, x, dx):
    return dx * 20.0


def _sin_times_seven(g, ans, x):
    return g * 7.0


def _sin_tangent_times_seven(ans, x, dx):
    return dx * 7.0


def test_register_adjoint_replaces_the_rule_of_a_user_function():
    version = registry.version()
    tl.register_adjoint(softsign)(_first_rule)
    assert tl.grad(uses_softsign)(0.5) == 30.0
    assert registry.version() > version
    tl.register_adjoint(softsign)(_second_rule)
    rule = registry.lookup(softsign)
    assert [t.fn for t in rule.adjoints] == [_second_rule]
    tl.register_tangent(softsign)(_second_tangent)
    assert tl.jvp(uses_softsign, (0.5,), (1.0,))[1] == 60.0


def test_a_replaced_rule_is_used_by_a_function_differentiated_before():
    tl.register_adjoint(softsign)(_first_rule)
    assert tl.grad(uses_softsign)(0.5) == 30.0
    tl.register_adjoint(softsign)(_second_rule)
    assert tl.grad(uses_softsign)(0.5) == 60.0


def test_register_adjoint_replaces_a_built_in_rule_in_both_modes():
    fingerprint = registry.fingerprint()
    builtin_sin = registry.derived_templates(np.sin)     # (adjoint, tangent) templates
    x = V3.copy()
    try:
        tl.register_adjoint(np.sin)(_sin_times_seven)
        assert registry.fingerprint() != fingerprint
        rule = registry.lookup(np.sin)
        assert [t.fn for t in rule.adjoints] == [_sin_times_seven] and not rule.tangents
        np.testing.assert_allclose(tl.grad(uses_sin)(x), 7.0 * np.ones(3))
        with pytest.raises(tl.NoDerivativeError, match="no tangent"):
            tl.jvp(uses_sin, (x,), (np.ones(3),))     # the built-in tangent went with it
        tl.register_tangent(np.sin)(_sin_tangent_times_seven)
        assert tl.jvp(uses_sin, (x,), (np.ones(3),))[1] == pytest.approx(21.0)
        np.testing.assert_allclose(tl.grad(uses_sin)(x), 7.0 * np.ones(3))
    finally:
        adjoint, tangent = builtin_sin
        registry.adjoint(np.sin)(adjoint)
        registry.tangent(np.sin)(tangent)
    assert registry.fingerprint() == fingerprint
    _unchanged((V3,), (x,), "grad")


def test_templates_of_one_module_for_other_arities_are_kept():
    rule = registry.lookup(np.arange)
    assert [t.fn.__name__ for t in rule.adjoints] == ["arange3", "arange2", "arange1"]


def test_register_nondifferentiable_on_a_differentiable_callable_raises():
    fingerprint = registry.fingerprint()
    with pytest.raises(tl.RuleError, match="numpy.sin already has a derivative rule.*replace"):
        tl.register_nondifferentiable(np.sin)
    assert registry.fingerprint() == fingerprint
    assert not registry.lookup(np.sin).nondifferentiable


def test_register_nondifferentiable_with_replace_drops_the_rule():
    def rounded(x):
        return float(round(x))

    def caller(x):
        return rounded(x) * x

    tl.register_adjoint(rounded)(_first_rule)
    assert tl.grad(caller)(1.25) == pytest.approx(10.0 * 1.25 + 1.0)
    version = registry.version()
    registry.nondifferentiable(rounded, replace=True)
    rule = registry.lookup(rounded)
    assert rule.nondifferentiable and not rule.adjoints and not rule.tangents
    assert registry.version() > version


def test_fingerprint_is_a_hash_of_the_rules_content():
    assert registry.fingerprint() == registry.fingerprint()
    assert len(registry.fingerprint()) == 64


def test_a_template_default_must_be_a_literal():
    def bad(g, ans, x, scale=(1.0, 2.0)):
        return g * scale

    with pytest.raises(tl.RuleError, match="default of `scale` must be a literal"):
        tl.register_adjoint(softsign)(bad)


def test_keyword_only_template_parameters_bind_by_keyword_only():
    template = registry.lookup(np.pad).adjoints[0]
    assert template.bind(3, []) == ["array", "pad_width", "mode"]
    assert template.bind(4, []) is None
    assert template.bind(2, ["constant_values"]) == ["array", "pad_width"]


def test_out_is_never_bound():
    template = registry.lookup(np.sum).adjoints[0]
    assert template.bind(1, ["axis"]) is not None
    assert template.bind(1, ["out"]) is None
