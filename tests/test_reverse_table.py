"""Reverse mode over every Python statement form, as one table.

`statement_forms.CASES` (function x inputs x wrt) is checked four ways:
(a) against central differences, (b) against autograd run on the same source,
(c) `value_and_grad` returns the primal value, (d) the call leaves the caller's
lists and arrays unmodified.  `test_oracles_agree` checks the two oracles against
each other on the same table, which shows the inputs lie in a differentiable region.
The API conventions (gradient types, tuple wrt, errors) have their own small tests.
"""

import copy

import numpy as np
import pytest

from oracles import assert_grad_close, autograd_failure, autograd_grad, central_difference
from statement_forms import CASES

try:
    import tangentlike as _tangentlike
    _IMPORT_ERROR = None
except Exception as exc:   # noqa: BLE001 -- reported by the `tl` fixture, per test
    _tangentlike, _IMPORT_ERROR = None, exc

IDS = [case.name for case in CASES]
RTOL, ATOL = 1e-5, 1e-7        # AD vs finite differences / autograd

# Cases autograd cannot run (it has no in-place array writes); they are checked
# against finite differences only.  test_autograd_limits_are_exactly_these keeps
# this list honest.
NO_AUTOGRAD = {"np_augmented_arrays"}
ORACLE_CASES = [case for case in CASES if case.name not in NO_AUTOGRAD]
ORACLE_IDS = [case.name for case in ORACLE_CASES]


@pytest.fixture
def tl():
    """The package under test; the oracle tests do not need it."""
    if _tangentlike is None:
        pytest.fail(f"import tangentlike failed: {_IMPORT_ERROR!r}")
    return _tangentlike


def _make(tl, make, case):
    """`tl.grad(fn)` / `tl.grad(fn, wrt=...)`, leaving the default wrt to the API."""
    return make(case.fn) if case.wrt is None else make(case.fn, wrt=case.wrt)


_FD = {}


def _finite_differences(case):
    if case.name not in _FD:
        _FD[case.name] = central_difference(case.fn, copy.deepcopy(case.args), case.wrt)
    return _FD[case.name]


def _assert_unchanged(before, after, path="args"):
    assert type(after) is type(before), f"{path}: type changed to {type(after).__name__}"
    if isinstance(before, np.ndarray):
        assert after.shape == before.shape and after.dtype == before.dtype, path
        assert np.array_equal(after, before), f"{path}: array modified in place"
    elif isinstance(before, (list, tuple)):
        assert len(after) == len(before), f"{path}: length changed"
        for i, (b, a) in enumerate(zip(before, after)):
            _assert_unchanged(b, a, f"{path}[{i}]")
    elif isinstance(before, dict):
        assert after.keys() == before.keys(), f"{path}: keys changed"
        for key in before:
            _assert_unchanged(before[key], after[key], f"{path}[{key!r}]")
    else:
        assert after == before, f"{path}: {before!r} became {after!r}"


# ------------------------------------------------------------------- oracles

@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_finite_differences_are_step_stable(case):
    # A point too close to a kink or a loop-count change shows up as step dependence.
    coarse = central_difference(case.fn, copy.deepcopy(case.args), case.wrt, eps=1e-5)
    assert_grad_close(coarse, _finite_differences(case), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("case", ORACLE_CASES, ids=ORACLE_IDS)
def test_oracles_agree(case):
    expected = autograd_grad(case.fn, copy.deepcopy(case.args), case.wrt)
    assert expected is not None, f"autograd failed: {autograd_failure(case.fn)}"
    assert_grad_close(expected, _finite_differences(case), rtol=RTOL, atol=ATOL)


def test_autograd_limits_are_exactly_these():
    for case in CASES:
        if case.name in NO_AUTOGRAD:
            assert autograd_grad(case.fn, copy.deepcopy(case.args), case.wrt) is None, \
                f"autograd now runs {case.name}: move it back into the oracle table"


# ------------------------------------------------------------------- the table

@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reverse_matches_finite_differences(tl, case):
    args = copy.deepcopy(case.args)
    actual = _make(tl, tl.grad, case)(*args)
    assert_grad_close(actual, _finite_differences(case), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", ORACLE_CASES, ids=ORACLE_IDS)
def test_reverse_matches_autograd(tl, case):
    args = copy.deepcopy(case.args)
    actual = _make(tl, tl.grad, case)(*args)
    expected = autograd_grad(case.fn, copy.deepcopy(case.args), case.wrt)
    assert expected is not None, f"autograd failed: {autograd_failure(case.fn)}"
    assert_grad_close(actual, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_value_and_grad_returns_primal(tl, case):
    expected_value = case.fn(*copy.deepcopy(case.args))
    value, grad = _make(tl, tl.value_and_grad, case)(*copy.deepcopy(case.args))
    np.testing.assert_allclose(value, expected_value, rtol=1e-12, atol=1e-15)
    assert_grad_close(grad, _make(tl, tl.grad, case)(*copy.deepcopy(case.args)),
                      rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_inputs_not_modified(tl, case):
    args = copy.deepcopy(case.args)
    before = copy.deepcopy(args)
    _make(tl, tl.grad, case)(*args)
    _assert_unchanged(before, args)
    _make(tl, tl.value_and_grad, case)(*args)
    _assert_unchanged(before, args)


# ------------------------------------------------------------ API conventions

def _weighted(x, w):
    return np.sum(np.sin(x) * w)


def _poly(x, y):
    return x * x * y + y


def _sum_list(xs, scale):
    return sum(v * v for v in xs) * scale


def _sum_tuple(p, scale):
    return (p[0] * p[1] + p[1]) * scale


def _sum_dict(d, scale):
    return (d["a"] * d["b"] + d["b"]) * scale


def test_float_argument_gives_python_float(tl):
    g = tl.grad(_poly)(1.5, 2.0)
    assert type(g) is float, f"expected a Python float, got {type(g)!r}"
    assert g == pytest.approx(6.0)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 1, 3)])
def test_array_argument_gives_array_of_same_shape(tl, shape):
    x = np.linspace(0.1, 0.9, int(np.prod(shape))).reshape(shape)
    g = tl.grad(_weighted)(x, 2.0)
    assert isinstance(g, np.ndarray), f"expected an ndarray, got {type(g)!r}"
    assert g.shape == shape and g.dtype.kind == "f"
    np.testing.assert_allclose(g, 2.0 * np.cos(x))


@pytest.mark.parametrize("fn, arg, expected", [
    (_sum_list, [1.0, 2.0], [4.0, 8.0]),
    (_sum_tuple, (1.0, 2.0), (4.0, 4.0)),
    (_sum_dict, {"a": 1.0, "b": 2.0}, {"a": 4.0, "b": 4.0}),
], ids=["list", "tuple", "dict"])
def test_container_argument_gives_same_structure(tl, fn, arg, expected):
    assert_grad_close(tl.grad(fn)(arg, 2.0), expected)


def test_tuple_wrt_gives_tuple_in_wrt_order(tl):
    gx, gy = 2 * 1.5 * 2.0, 1.5 * 1.5 + 1.0
    assert_grad_close(tl.grad(_poly, wrt=(0, 1))(1.5, 2.0), (gx, gy))
    assert_grad_close(tl.grad(_poly, wrt=("y", "x"))(1.5, 2.0), (gy, gx))
    assert_grad_close(tl.grad(_poly, wrt=(1,))(1.5, 2.0), (gy,))
    assert_grad_close(tl.grad(_poly, wrt="y")(1.5, 2.0), gy)


def _vector_output(x):
    return np.sin(x) * 2.0


def _tuple_output(x, y):
    return x * y, x + y


@pytest.mark.parametrize("fn, args", [
    (_vector_output, (np.array([0.1, 0.2, 0.3]),)),
    (_tuple_output, (1.5, 2.0)),
], ids=["ndarray", "tuple"])
def test_grad_of_non_scalar_output_suggests_vjp(tl, fn, args):
    with pytest.raises(tl.TangentlikeError, match="vjp"):
        tl.grad(fn)(*args)


def _with_flags(x, n, squared, mode):
    y = x ** n if squared else x * n
    return y * 2.0 if mode == "double" else y


@pytest.mark.parametrize("wrt, name", [
    (1, "n"), ("n", "n"), (2, "squared"), ("mode", "mode"), ((0, "n"), "n"),
], ids=["int-position", "int-name", "bool", "str", "in-tuple"])
def test_grad_wrt_non_differentiable_argument_is_an_error(tl, wrt, name):
    with pytest.raises(tl.TangentlikeError, match=rf"\b{name}\b"):
        tl.grad(_with_flags, wrt=wrt)(1.5, 3, True, "double")


def test_non_differentiable_arguments_may_be_present(tl):
    g = tl.grad(_with_flags)(1.5, 3, True, "double")
    assert type(g) is float and g == pytest.approx(2.0 * 3 * 1.5 ** 2)


def test_branches_that_reverse_alike_record_no_decision(tl):
    """Each step of the loop keeps w's old value on the tape and nothing else: no
    record of which branch ran."""
    from counting import tape_pushes                 # (imports tangentlike: see `tl`)
    from statement_forms import branches_reverse_alike
    x, n = 0.7, 5
    with tape_pushes() as pushes:
        value, got = tl.value_and_grad(branches_reverse_alike)(x, n)
    assert not any(isinstance(v, bool) for v in pushes)          # no branch recorded
    assert len(pushes) <= n and pushes.pops == len(pushes)       # at most w, once a step
    assert value == pytest.approx(branches_reverse_alike(x, n))
    assert_grad_close(got, central_difference(branches_reverse_alike, (x, n), 0), RTOL, ATOL)
