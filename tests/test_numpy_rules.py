"""Systematic tests of the NumPy rules, generated from the registry and one case table.

`numpy_rule_cases.CASES` (wrapper x inputs x wrt) is checked four ways:
(a) `tl.grad` against central differences;
(b) `tl.grad` against autograd run on the same source (skipped only where autograd
    lacks the function, or where a case records that autograd's convention differs),
    and `tl.jvp` (forward mode) against `tl.grad` (reverse mode): J v == grad · v;
(c) rule by rule, at the very arguments each registered NumPy callable received while
    the wrapper ran (recorded by running the wrapper with `np` standing for a proxy):
    the adjoint template (uᵀJ) and the tangent template (J v; for `linear` rules the
    callable applied to v) satisfy uᵀ(J v) == (uᵀJ) v, the tangent matches a central
    difference of the callable along v, and every contribution has its operand's shape;
    tuple results are also pulled back with one cotangent left as the zero sentinel;
(d) float32: the same templates keep float32 where NumPy's result is float32, and
    `tl.grad` returns float32 gradients for the cases marked `float32`;
(e) second order: `tl.hvp` (forward mode over the generated reverse code, through the
    tangent rules of the helpers in rules/numpy_helpers.py) against central differences
    of `tl.grad`.
`test_every_numpy_rule_has_a_case` fails when a registered NumPy callable is called by
no case.  The conventions at non-differentiable points (docs/conventions.md) have their
own table, checked in both modes.
"""

import copy
import inspect
import math
import textwrap
import types
from typing import Any, NamedTuple

import numpy as np
import pytest

from numpy_rule_cases import CASES
from oracles import assert_grad_close, autograd_failure, autograd_grad, central_difference

import tangentlike as tl
from tangentlike import runtime as _tl
from tangentlike.rules import all_rules, lookup

IDS = [case.name for case in CASES]
NUMPY_RULES = [rule for rule in all_rules() if rule.name.startswith("numpy.")]


# ------------------------------------------------------------------ recording the calls

class Call(NamedTuple):
    fn: Any
    args: tuple
    kwargs: dict
    ans: Any


class _Recorder:
    """Stands for a module inside a wrapper; calls to registered callables are logged."""

    def __init__(self, module, log):
        self._module, self._log = module, log

    def __getattr__(self, name):
        value = getattr(self._module, name)
        if isinstance(value, types.ModuleType):
            return _Recorder(value, self._log)
        if not callable(value) and lookup(getattr(value, "__getitem__", None)) is not None:
            return _IndexRecorder(value, self._log)          # np.r_, np.c_
        rule = lookup(value) if callable(value) else None
        if rule is None or not rule.name.startswith("numpy."):
            return value
        log = self._log

        def recorded(*args, **kwargs):
            before = copy.deepcopy((args, kwargs))
            ans = value(*args, **kwargs)
            log.append(Call(value, before[0], before[1], copy.deepcopy(ans)))
            return ans
        return recorded


class _IndexRecorder:
    """Stands for an index trick (np.r_) inside a wrapper: its `__getitem__` is logged."""

    def __init__(self, trick, log):
        self._trick, self._log = trick, log

    def __getitem__(self, key):
        before = copy.deepcopy(key)
        ans = self._trick[key]
        self._log.append(Call(self._trick.__getitem__, (before,), {}, copy.deepcopy(ans)))
        return ans


def _record(case):
    """The registered NumPy calls `case.fn` makes at `case.args`, in order."""
    log = []
    namespace = dict(case.fn.__globals__)
    namespace["np"] = _Recorder(np, log)
    exec(compile(textwrap.dedent(inspect.getsource(case.fn)), "<recorded>", "exec"), namespace)
    namespace[case.fn.__name__](*copy.deepcopy(case.args))
    return log


RECORDED = {case.name: _record(case) for case in CASES}


def _float_like(v):
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, (float, np.floating)):
        return True
    if isinstance(v, np.ndarray):
        return v.dtype.kind == "f"
    if isinstance(v, (list, tuple)):
        return bool(v) and all(_float_like(x) for x in v)
    return False


def _binding(rule, call):
    """(template, {param: value}, {param: ("pos", i) | ("kw", name)}) for `call`."""
    template = rule.adjoint_for(len(call.args), list(call.kwargs))
    assert template is not None, f"no adjoint template of {rule.name} binds this call"
    values = dict(zip(template.params, call.args))
    values.update(call.kwargs)
    where = {p: ("pos", i) for i, p in enumerate(template.params[:len(call.args)])}
    where.update({k: ("kw", k) for k in call.kwargs})
    return template, values, where


def _active(rule, call):
    template, values, _ = _binding(rule, call)
    return [p for p in template.params[:template.returns] if p in values
            and _float_like(values[p])]


def _rule_calls():
    """(case, call, rule): the first call of each differentiable rule in each case."""
    out = []
    for case in CASES:
        seen = set()
        for call in RECORDED[case.name]:
            rule = lookup(call.fn)
            if rule.nondifferentiable or rule.name in seen or not _active(rule, call):
                continue
            seen.add(rule.name)
            out.append(pytest.param(case, call, rule, id=f"{case.name}:{rule.name}"))
    return out


RULE_CALLS = _rule_calls()


# ------------------------------------------------------------------ structured arithmetic

def _random_like(rng, v, dtype=None):
    if isinstance(v, (list, tuple)):
        return [_random_like(rng, x, dtype) for x in v]
    if isinstance(v, np.ndarray) or isinstance(v, np.generic):
        return rng.standard_normal(np.shape(v)).astype(dtype or np.result_type(v, float))
    return float(rng.standard_normal())


def _zeros_like(v):
    if isinstance(v, (list, tuple)):
        return [_zeros_like(x) for x in v]
    return np.zeros_like(v) if isinstance(v, np.ndarray) else 0.0


def _inner(a, b):
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        if isinstance(a, (int, float)) and a == 0:
            return 0.0
        assert len(a) == len(b), f"structure mismatch: {len(a)} vs {len(b)} items"
        return sum(_inner(x, y) for x, y in zip(a, b))
    return float(np.sum(np.asarray(a) * np.asarray(b)))


def _combine(a, b, s):
    """a + s * b, structure-wise (a tuple stays a tuple: np.r_ reads its key's type)."""
    if isinstance(a, (list, tuple)):
        items = [_combine(x, y, s) for x, y in zip(a, b)]
        return tuple(items) if type(a) is tuple else items
    return a + s * b


def _check_shape(value, like, what):
    if isinstance(value, (int, float)) and value == 0:
        return                                   # the zero sentinel fits any shape
    if isinstance(like, (list, tuple)):
        assert isinstance(value, (list, tuple)) and len(value) == len(like), \
            f"{what}: expected {len(like)} items, got {type(value).__name__} {value!r:.80}"
        for k, (v, l) in enumerate(zip(value, like)):
            _check_shape(v, l, f"{what}[{k}]")
        return
    assert np.shape(value) == np.shape(like), \
        f"{what}: shape {np.shape(value)}, expected {np.shape(like)}"


def _leaves(v):
    if isinstance(v, (list, tuple)):
        return [leaf for x in v for leaf in _leaves(x)]
    return [v]


def _scale(*values):
    return max([float(np.max(np.abs(leaf))) for v in values for leaf in _leaves(v)
                if np.size(leaf)] + [1.0])


# ------------------------------------------------------------------ the two rules of a call

def _call_with(call, where, replacements):
    args, kwargs = list(call.args), dict(call.kwargs)
    for p, value in replacements.items():
        kind, key = where[p]
        if kind == "pos":
            args[key] = value
        else:
            kwargs[key] = value
    return call.fn(*args, **kwargs)


def _pullback(rule, call, u, ans=None):
    """{param: contribution} from the adjoint template (reduced like the transformer)."""
    template, values, _ = _binding(rule, call)
    params = template.params[:template.returns]
    out = template.fn(u, call.ans if ans is None else ans, *call.args, **call.kwargs)
    out = out if template.returns > 1 else (out,)
    contributions = {}
    for p, c in zip(params, out):
        if p in _active(rule, call):
            if rule.broadcasts:
                c = _tl.unbroadcast(c, values[p])
            contributions[p] = c
    return contributions


def _push_forward(rule, call, tangents, ans=None):
    """J v from the tangent template, or from the callable itself for a linear rule."""
    template, values, where = _binding(rule, call)
    params = template.params[:template.returns]
    if rule.linear:
        replaced = {p: tangents.get(p, _zeros_like(values[p])) for p in params if p in values}
        return _call_with(call, where, replaced)
    tangent = rule.tangent_for(len(call.args), list(call.kwargs))
    assert tangent is not None, f"{rule.name} has an adjoint but no tangent template for this call"
    # a tangent that does not flow is a literal 0.0, as forward mode passes it
    extra = {dp: tangents.get(dp[1:], 0.0) for dp in tangent.tangent_params}
    return tangent.fn(call.ans if ans is None else ans, *call.args, **call.kwargs, **extra)


@pytest.mark.parametrize("case, call, rule", RULE_CALLS)
def test_adjoint_and_tangent_agree(case, call, rule):
    rng = np.random.default_rng(0)
    template, values, where = _binding(rule, call)
    active = _active(rule, call)
    v = {p: _random_like(rng, values[p]) for p in active}
    u = _random_like(rng, call.ans)

    jv = _push_forward(rule, call, v)
    _check_shape(jv, call.ans, "tangent")
    contributions = _pullback(rule, call, u)
    for p in active:
        _check_shape(contributions[p], values[p], f"adjoint of {p}")

    lhs = _inner(u, jv)
    rhs = sum(_inner(contributions[p], v[p]) for p in active)
    tol = 1e-9 * _scale(u) * _scale(jv, *contributions.values()) * _scale(*v.values())
    assert abs(lhs - rhs) <= tol + 1e-8 * abs(lhs), \
        f"uᵀ(J v) = {lhs!r} but (uᵀJ) v = {rhs!r}"

    # the tangent is the directional derivative of the callable itself
    h = 1e-6
    up = _call_with(call, where, {p: _combine(values[p], v[p], h) for p in active})
    down = _call_with(call, where, {p: _combine(values[p], v[p], -h) for p in active})
    if any(np.shape(a) != np.shape(b) for a, b in zip(_leaves(up), _leaves(down))):
        return      # a step changes the result's length (np.arange(1.0, 4.0)): no derivative
    for k, (a, b, t) in enumerate(zip(_leaves(up), _leaves(down), _leaves(jv))):
        fd = (np.asarray(a) - np.asarray(b)) / (2 * h)
        np.testing.assert_allclose(np.asarray(t) + 0.0 * fd, fd, rtol=max(case.rtol, 1e-5),
                                   atol=1e-6 * _scale(a),
                                   err_msg=f"tangent of output {k} vs central difference")


@pytest.mark.parametrize("case, call, rule", [
    p for p in RULE_CALLS if isinstance(p.values[1].ans, tuple | list)])
def test_tuple_results_accept_zero_cotangents(case, call, rule):
    rng = np.random.default_rng(1)
    u = _random_like(rng, call.ans)
    for k in range(len(u)):
        sentinel, dense = list(u), list(u)
        sentinel[k], dense[k] = 0.0, _zeros_like(u[k])
        got, expected = _pullback(rule, call, sentinel), _pullback(rule, call, dense)
        for p in expected:
            np.testing.assert_allclose(got[p], expected[p], rtol=1e-12, atol=1e-12)


def _as_float32(v):
    if isinstance(v, dict):
        return {k: _as_float32(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_as_float32(x) for x in v) if isinstance(v, list) \
            else tuple(_as_float32(x) for x in v)
    if isinstance(v, (np.ndarray, np.floating)) and v.dtype.kind == "f":
        return v.astype(np.float32)
    return v


def _is_numpy_float(leaf):
    return isinstance(leaf, (np.ndarray, np.floating)) and leaf.dtype.kind == "f"


def _float32_leaves(v):
    return all(leaf.dtype == np.float32 for leaf in _leaves(v) if _is_numpy_float(leaf))


def _numpy_keeps_float32(call):
    """The float32 version of `call`, if NumPy itself keeps float32 there, else None."""
    call32 = Call(call.fn, _as_float32(call.args), _as_float32(call.kwargs), None)
    ans = call.fn(*call32.args, **call32.kwargs)
    if not _float32_leaves(ans) or not any(
            _is_numpy_float(leaf) and leaf.dtype == np.float32
            for leaf in _leaves(list(call32.args) + list(call32.kwargs.values()))):
        return None
    return call32._replace(ans=ans)


# Where NumPy itself returns float64 for float32 inputs there is nothing to keep.
FLOAT32_CALLS = [pytest.param(p.values[0], _numpy_keeps_float32(p.values[1]), p.values[2],
                              id=p.id)
                 for p in RULE_CALLS if _numpy_keeps_float32(p.values[1]) is not None]


@pytest.mark.parametrize("case, call32, rule", FLOAT32_CALLS)
def test_rules_keep_float32(case, call32, rule):
    rng = np.random.default_rng(2)
    _, values, _ = _binding(rule, call32)
    active = _active(rule, call32)
    v = {p: _random_like(rng, values[p], np.float32) for p in active}
    u = _random_like(rng, call32.ans, np.float32)
    jv = _push_forward(rule, call32, v)
    assert _float32_leaves(jv), f"tangent dtypes: {_dtypes(jv)}"
    for p, c in _pullback(rule, call32, u).items():
        if _is_numpy_float(values[p]) or isinstance(values[p], list):
            assert _float32_leaves(c), f"adjoint of {p}: dtypes {_dtypes(c)}"


def _dtypes(v):
    return [getattr(leaf, "dtype", type(leaf).__name__) for leaf in _leaves(v)]


# ------------------------------------------------------------------ end to end: tl.grad

_FD = {}


def _finite_differences(case):
    if case.name not in _FD:
        _FD[case.name] = central_difference(case.fn, copy.deepcopy(case.args), case.wrt)
    return _FD[case.name]


def _grad(case, args):
    return tl.grad(case.fn, wrt=case.wrt)(*args)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_grad_matches_finite_differences(case):
    actual = _grad(case, copy.deepcopy(case.args))
    assert_grad_close(actual, _finite_differences(case), rtol=case.rtol, atol=1e-6)


# autograd is an oracle only where it has the function and the same convention.
AUTOGRAD_CASES = [case for case in CASES if not case.autograd_differs
                  and autograd_grad(case.fn, copy.deepcopy(case.args), case.wrt) is not None]


@pytest.mark.parametrize("case", AUTOGRAD_CASES, ids=[c.name for c in AUTOGRAD_CASES])
def test_grad_matches_autograd(case):
    expected = autograd_grad(case.fn, copy.deepcopy(case.args), case.wrt)
    actual = _grad(case, copy.deepcopy(case.args))
    assert_grad_close(actual, expected, rtol=case.rtol, atol=1e-6)


def test_autograd_covers_most_cases():
    assert len(AUTOGRAD_CASES) > len(CASES) // 2, [
        (c.name, autograd_failure(c.fn)) for c in CASES if c not in AUTOGRAD_CASES][:20]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_jvp_matches_grad(case):
    """Forward mode against reverse mode on the whole wrapper: J v == grad · v."""
    rng = np.random.default_rng(3)
    positions = case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)
    tangents = [(_random_like(rng, a) if k in positions else _zeros_like(a)) if _float_like(a)
                else 0.0 for k, a in enumerate(case.args)]
    value, out_tangent = tl.jvp(case.fn, copy.deepcopy(case.args), tangents)
    grads = _grad(case, copy.deepcopy(case.args))
    grads = grads if isinstance(case.wrt, tuple) else (grads,)
    expected = sum(_inner(g, tangents[k]) for k, g in zip(positions, grads))
    np.testing.assert_allclose(value, case.fn(*copy.deepcopy(case.args)), rtol=1e-12)
    assert np.ndim(out_tangent) == 0, f"tangent of a scalar output: {out_tangent!r}"
    assert abs(float(out_tangent) - expected) <= 1e-8 * (1.0 + abs(expected)), \
        f"jvp {float(out_tangent)!r} vs grad · v {expected!r}"


def _hvp_cases():
    out = []
    for case in CASES:
        positions = case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)
        floats = tuple(k for k, a in enumerate(case.args) if _float_like(a))
        if set(floats) == set(positions):
            out.append(pytest.param(case, id=case.name))
    return out


@pytest.mark.parametrize("case", _hvp_cases())
def test_hvp_matches_differences_of_grad(case):
    """Second order: forward mode over the generated reverse code (the helpers' tangent
    rules) against central differences of the gradient."""
    positions = case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)
    rng = np.random.default_rng(4)
    vectors = [_random_like(rng, a) if k in positions else 0.0
               for k, a in enumerate(case.args)]
    try:
        actual = tl.hvp(case.fn, copy.deepcopy(case.args), vectors)
    except NotImplementedError as exc:        # documented in rules/numpy_helpers.py
        assert "norm" in str(exc), exc         # only the nuclear and 2-norms lack it
        return
    grad = tl.grad(case.fn, wrt=tuple(positions))
    h = 1e-5

    def at(sign):
        args = [(_combine(a, vectors[k], sign * h) if k in positions else a)
                for k, a in enumerate(copy.deepcopy(case.args))]
        return grad(*args)
    up, down = at(1.0), at(-1.0)
    actual = actual if len(positions) > 1 else (actual,)
    for k, (a, u, d) in enumerate(zip(actual, up, down)):
        expected = (np.asarray(u) - np.asarray(d)) / (2 * h)
        np.testing.assert_allclose(a, expected, rtol=1e-4,
                                   atol=1e-5 * _scale(u, d, 1.0),
                                   err_msg=f"Hessian-vector product, argument {k}")


@pytest.mark.parametrize("case", [c for c in CASES if c.float32], ids=lambda c: c.name)
def test_grad_keeps_float32(case):
    args = _as_float32(copy.deepcopy(case.args))
    actual = _grad(case, args)
    positions = case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)
    grads = actual if isinstance(case.wrt, tuple) else (actual,)
    for position, grad in zip(positions, grads):
        if isinstance(args[position], np.ndarray):
            assert grad.dtype == np.float32, f"gradient {position} is {grad.dtype}"
    expected = _finite_differences(case)
    assert_grad_close(_as_float64(actual), expected, rtol=2e-3, atol=2e-3)


def _as_float64(v):
    if isinstance(v, tuple):
        return tuple(_as_float64(x) for x in v)
    return v.astype(np.float64) if isinstance(v, np.ndarray) else v


# ------------------------------------------------------------------ completeness

def test_every_numpy_rule_has_a_case():
    called = {lookup(call.fn).name for calls in RECORDED.values() for call in calls}
    missing = sorted(rule.name for rule in NUMPY_RULES if rule.name not in called)
    assert not missing, f"registered NumPy rules that no case calls: {missing}"


def test_every_differentiable_numpy_rule_is_checked_in_both_modes():
    checked = {p.values[2].name for p in RULE_CALLS}
    missing = sorted(rule.name for rule in NUMPY_RULES
                     if not rule.nondifferentiable and rule.name not in checked)
    assert not missing, f"differentiable NumPy rules without a dot-product check: {missing}"
    no_tangent = sorted(rule.name for rule in NUMPY_RULES if not rule.nondifferentiable
                        and not rule.linear and rule.tangent is None)
    assert not no_tangent, f"NumPy rules with an adjoint but no tangent: {no_tangent}"


def test_at_least_150_numpy_callables():
    assert len(NUMPY_RULES) >= 150


# ------------------------------------------------------- conventions (docs/conventions.md)

def _jacobians(fn, args, kwargs=None):
    """{param: (J from the adjoint template, J from the tangent)} at a point, densely."""
    kwargs = kwargs or {}
    rule = lookup(fn)
    ans = fn(*args, **kwargs)
    call = Call(fn, args, kwargs, ans)
    out = {}
    for p in _active(rule, call):
        _, values, _ = _binding(rule, call)
        x = np.asarray(values[p], dtype=float)
        rows = []
        for k in range(np.size(ans)):
            u = np.zeros(np.shape(ans))
            u.flat[k] = 1.0
            rows.append(np.ravel(np.broadcast_to(_pullback(rule, call, u if np.ndim(ans)
                                                           else 1.0)[p], x.shape)))
        columns = []
        for k in range(x.size):
            e = np.zeros(x.shape)
            e.flat[k] = 1.0
            tangents = {q: (e if q == p else _zeros_like(values[q])) for q in _active(rule, call)}
            columns.append(np.ravel(_push_forward(rule, call, tangents) + np.zeros(np.shape(ans))))
        out[p] = (np.array(rows), np.array(columns).T)
    return out


CONVENTIONS = [
    # (id, callable, args, kwargs, {param: expected Jacobian})
    ("abs-at-0", np.abs, (np.array([0.0, 1.0, -2.0]),), {},
     {"x": np.diag([0.0, 1.0, -1.0])}),
    ("fabs-at-0", np.fabs, (np.array([0.0, -1.0]),), {}, {"x": np.diag([0.0, -1.0])}),
    ("maximum-tie", np.maximum, (np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0, 2.0])), {},
     {"x1": np.diag([0.5, 0.0, 1.0]), "x2": np.diag([0.5, 1.0, 0.0])}),
    ("minimum-tie", np.minimum, (np.array([1.0, 2.0]), np.array([1.0, 3.0])), {},
     {"x1": np.diag([0.5, 1.0]), "x2": np.diag([0.5, 0.0])}),
    ("fmax-tie-and-nan", np.fmax, (np.array([1.0, np.nan]), np.array([1.0, 2.0])), {},
     {"x1": np.diag([0.5, 0.0]), "x2": np.diag([0.5, 1.0])}),
    ("fmin-tie", np.fmin, (np.array([4.0]), np.array([4.0])), {},
     {"x1": np.array([[0.5]]), "x2": np.array([[0.5]])}),
    ("max-ties-share", np.max, (np.array([1.0, 3.0, 3.0]),), {},
     {"a": np.array([[0.0, 0.5, 0.5]])}),
    ("min-ties-axis", np.min, (np.array([[1.0, 1.0, 2.0], [0.0, 5.0, 0.0]]),), {"axis": 1},
     {"a": np.array([[0.5, 0.5, 0, 0, 0, 0], [0, 0, 0, 0.5, 0, 0.5]])}),
    ("ptp-ties", np.ptp, (np.array([2.0, 2.0, 0.0]),), {}, {"a": np.array([[0.5, 0.5, -1.0]])}),
    ("clip-at-bounds", np.clip, (np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), np.zeros(5), np.ones(5)),
     {}, {"a": np.diag([0.0, 0.0, 1.0, 0.0, 0.0]), "a_min": np.diag([1.0, 1.0, 0, 0, 0]),
          "a_max": np.diag([0.0, 0, 0, 1.0, 1.0])}),
    ("sort-ties-stable", np.sort, (np.array([2.0, 1.0, 2.0]),), {},
     {"a": np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])}),
    ("norm-at-0", np.linalg.norm, (np.zeros(3),), {}, {"x": np.zeros((1, 3))}),
    ("norm-inf-ties", np.linalg.norm, (np.array([-2.0, 2.0, 1.0]), np.inf), {},
     {"x": np.array([[-0.5, 0.5, 0.0]])}),
    ("hypot-at-0", np.hypot, (np.zeros(1), np.zeros(1)), {},
     {"x1": np.zeros((1, 1)), "x2": np.zeros((1, 1))}),
    ("std-of-constant", np.std, (np.full(3, 2.0),), {}, {"a": np.zeros((1, 3))}),
    ("sinc-at-0", np.sinc, (np.zeros(1),), {}, {"x": np.zeros((1, 1))}),
    ("power-base-0", np.power, (np.zeros(1), np.full(1, 2.0)), {},
     {"x1": np.zeros((1, 1)), "x2": np.zeros((1, 1))}),
    ("nan-to-num", np.nan_to_num, (np.array([np.nan, np.inf, 1.0]),), {},
     {"x": np.diag([0.0, 0.0, 1.0])}),
    ("prod-with-zero", np.prod, (np.array([0.0, 2.0, 3.0]),), {},
     {"a": np.array([[6.0, 0.0, 0.0]])}),
    # the tied 2.0s: the first in `a` (position 0) goes to the first in the result
    ("partition-ties-in-order", np.partition, (np.array([3.0, 2.0, 1.0, 2.0, 0.5]), 2), {},
     {"a": np.array([[0, 0, 0, 0, 1], [0, 0, 1, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 1, 0],
                     [1, 0, 0, 0, 0]], dtype=float)}),
    # the first condition that holds picks the choice; where none holds, the default
    ("select-first-condition", np.select,
     ([np.array([True, True, False]), np.array([True, False, False])],
      [np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])], np.array([7.0, 8.0, 9.0])), {},
     {"choicelist": np.array([[1.0, 0, 0, 0, 0, 0], [0, 1.0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]),
      "default": np.diag([0.0, 0.0, 1.0])}),
]


@pytest.mark.parametrize("name, fn, args, kwargs, expected", CONVENTIONS,
                         ids=[c[0] for c in CONVENTIONS])
def test_convention_is_the_same_in_both_modes(name, fn, args, kwargs, expected):
    with np.errstate(all="ignore"):
        jacobians = _jacobians(fn, args, kwargs)
    assert set(jacobians) == set(expected)
    for p, (from_adjoint, from_tangent) in jacobians.items():
        np.testing.assert_allclose(from_adjoint, expected[p], err_msg=f"adjoint of {p}")
        np.testing.assert_allclose(from_tangent, expected[p], err_msg=f"tangent of {p}")


def test_rounding_and_comparisons_are_nondifferentiable():
    for fn in (np.sign, np.floor, np.ceil, np.round, np.around, np.rint, np.trunc, np.fix,
               np.floor_divide, np.argmax, np.argmin, np.argsort, np.isnan, np.greater):
        assert lookup(fn).nondifferentiable, fn


def conv_abs(x):
    return np.sum(np.abs(x) * 3.0)


def conv_max_ties(x):
    return np.max(x) + np.sum(np.maximum(x, 1.0))


def conv_python_ops(x, y):
    return x // y + x % y + max(x, y) + min(y, x)


def test_conventions_end_to_end():
    assert_grad_close(tl.grad(conv_abs)(np.array([0.0, -2.0])), np.array([0.0, -3.0]))
    assert_grad_close(tl.grad(conv_max_ties)(np.array([1.0, 3.0, 3.0])),
                      np.array([0.5, 1.5, 1.5]))
    # x // y: 0; x % y: 1 and -floor(x / y); builtin max/min: the first of tied arguments
    gx, gy = tl.grad(conv_python_ops, wrt=(0, 1))(2.0, 2.0)
    assert (gx, gy) == (1.0 + 1.0 + 0.0, -math.floor(1.0) + 0.0 + 1.0)
