"""Reverse mode through calls, recursion, closures, user rules and methods (issue 4).

`call_cases.CASES` (function x inputs x wrt) is checked against the references
each case names: central differences, autograd run on the same source, and a
gradient worked out by hand (`expected`).  `test_oracles_agree` checks the two
oracles against each other, which shows the inputs lie in a differentiable
region.  `call_cases.ERRORS` must raise the named error with a useful message.
The tests after the tables pin what the tables cannot see, observing the generated
code as it runs (tests/counting.py): it calls the callee's forward/backward pair (or
the user's rule instead of the body), callees are transformed once per pattern of
differentiated arguments, rules are validated when registered, and errors are located.
"""

import copy
import inspect
import math
import sys

import numpy as np
import pytest

import call_cases
import tangentlike as tl
from call_cases import CASES, ERRORS, recursion_limit
from counting import helper_calls, tape_pushes
from oracles import assert_grad_close, autograd_failure, autograd_grad, central_difference
from tangentlike import cache

RTOL, ATOL = 1e-5, 1e-7

IDS = [case.name for case in CASES]
FD_CASES = [case for case in CASES if "fd" in case.oracles]
AUTOGRAD_CASES = [case for case in CASES if "autograd" in case.oracles]
BOTH_CASES = [case for case in FD_CASES if "autograd" in case.oracles]
EXPECTED_CASES = [case for case in CASES if case.expected is not None]


def _ids(cases):
    return [case.name for case in cases]


def _make(make, case):
    return make(case.fn) if case.wrt is None else make(case.fn, wrt=case.wrt)


_FD = {}


def _finite_differences(case):
    if case.name not in _FD:
        with recursion_limit(case):
            _FD[case.name] = central_difference(case.fn, copy.deepcopy(case.args), case.wrt)
    return _FD[case.name]


def _autograd(case):
    with recursion_limit(case):
        expected = autograd_grad(case.fn, copy.deepcopy(case.args), case.wrt)
    assert expected is not None, f"autograd failed: {autograd_failure(case.fn)}"
    return expected


def _grad(case, make=tl.grad):
    with recursion_limit(case):
        return _make(make, case)(*copy.deepcopy(case.args))


def test_table_is_large_and_named_uniquely():
    assert len(IDS) == len(set(IDS))
    assert len(CASES) + len(ERRORS) >= 60


# ------------------------------------------------------------------- oracles

@pytest.mark.parametrize("case", FD_CASES, ids=_ids(FD_CASES))
def test_finite_differences_are_step_stable(case):
    with recursion_limit(case):
        coarse = central_difference(case.fn, copy.deepcopy(case.args), case.wrt, eps=1e-5)
    assert_grad_close(coarse, _finite_differences(case), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("case", BOTH_CASES, ids=_ids(BOTH_CASES))
def test_oracles_agree(case):
    assert_grad_close(_autograd(case), _finite_differences(case), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", [c for c in EXPECTED_CASES if "fd" in c.oracles],
                         ids=_ids([c for c in EXPECTED_CASES if "fd" in c.oracles]))
def test_hand_worked_gradients_agree_with_finite_differences(case):
    assert_grad_close(case.expected, _finite_differences(case), rtol=RTOL, atol=ATOL)


# ------------------------------------------------------------------- the table

@pytest.mark.parametrize("case", FD_CASES, ids=_ids(FD_CASES))
def test_reverse_matches_finite_differences(case):
    assert_grad_close(_grad(case), _finite_differences(case), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", AUTOGRAD_CASES, ids=_ids(AUTOGRAD_CASES))
def test_reverse_matches_autograd(case):
    assert_grad_close(_grad(case), _autograd(case), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", EXPECTED_CASES, ids=_ids(EXPECTED_CASES))
def test_reverse_matches_hand_worked_gradient(case):
    assert_grad_close(_grad(case), case.expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_value_and_grad_returns_primal(case):
    with recursion_limit(case):
        expected_value = case.fn(*copy.deepcopy(case.args))
    value, gradient = _grad(case, tl.value_and_grad)
    np.testing.assert_allclose(value, expected_value, rtol=1e-12, atol=1e-15)
    assert_grad_close(gradient, _grad(case), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_decorator_gives_the_same_gradient(case):
    wrapped = tl.differentiate(case.fn, wrt=0 if case.wrt is None else case.wrt)
    with recursion_limit(case):
        assert_grad_close(wrapped.grad(*copy.deepcopy(case.args)), _grad(case),
                          rtol=1e-12, atol=1e-15)
        assert wrapped(*copy.deepcopy(case.args)) == case.fn(*copy.deepcopy(case.args))


# -------------------------------------------------------------------- errors

@pytest.mark.parametrize("case", ERRORS, ids=[e.name for e in ERRORS])
def test_error_is_raised_and_explained(case):
    error = getattr(tl, case.error)
    wrt = 0 if case.wrt is None else case.wrt
    with pytest.raises(error) as info:
        tl.grad(case.fn, wrt=wrt)(*copy.deepcopy(case.args))
    message = str(info.value)
    for text in case.says:
        assert text in message, f"{text!r} not in the message:\n{message}"


def _file_line(fn, text):
    """The file line inside `fn` that contains `text`."""
    lines, first = inspect.getsourcelines(fn)
    (offset,) = [k for k, line in enumerate(lines) if text in line]
    return first + offset


@pytest.mark.parametrize("fn, where", [
    (call_cases.calls_fmod, call_cases.calls_fmod),
    (call_cases.calls_fmod_through_helper, call_cases._fmod_helper),
], ids=["direct", "in_callee"])
def test_missing_rule_names_callee_file_and_line(fn, where):
    with pytest.raises(tl.NoDerivativeError) as info:
        tl.grad(fn)(2.5)
    error = info.value
    line = _file_line(where, "math.fmod(")
    assert error.filename == inspect.getsourcefile(where)
    assert error.line == line
    message = str(error)
    assert "math.fmod" in message
    assert f"call_cases.py:{line}" in message
    assert "@tl.register_adjoint(math.fmod)" in message


def test_error_for_lambda_given_to_a_builtin_is_located():
    where = call_cases.lambda_to_builtin
    with pytest.raises(tl.UnsupportedSyntaxError) as info:
        tl.grad(where)([0.5, 1.5])
    error = info.value
    assert error.filename == inspect.getsourcefile(where)
    assert error.line == _file_line(where, "map(lambda")
    assert "sum(map(lambda t: t * t, xs))" in str(error)
    assert "hint:" in str(error)


def test_helper_given_a_lambda_is_written_out_readably():
    """The helper's locals are named after it, the lambda's after its parameter, and
    the comment quotes the caller's line."""
    text = tl.source(call_cases.lambda_to_other_module, wrt=(0, 1))
    assert "trapezoid_total" in text and "lambda_t" in text
    assert "call_helpers.panels" in text, "the helper's global, not the caller's local"
    assert "# grad of: return call_helpers.trapezoid(lambda t:" in text
    assert "lambda" not in text.split("# backward sweep")[0].replace("lambda_", ""), \
        "no leftover lambda definitions"


def test_helper_globals_are_read_from_its_module():
    """The caller's local `panels = 3.0` must not replace the helper's `panels = 8`."""
    x, y = 0.8, 1.3
    value = tl.value_and_grad(call_cases.lambda_to_other_module, wrt=(0, 1))(x, y)[0]
    assert value == pytest.approx(call_cases.lambda_to_other_module(x, y), rel=1e-14)


# ----------------------------------------------------- generated code and caching

def _splits(calls):
    """(callee, wrt) of each forward/backward pair generated code asked for."""
    return [(function.__name__, tuple(wrt)) for function, wrt, *_ in
            calls.arguments("runtime.split")]


def test_callees_are_called_through_forward_backward_pairs():
    with helper_calls() as calls:
        value, got = tl.value_and_grad(call_cases.same_module_call)(0.7)
    assert _splits(calls) == [("_smoothstep", ("t",))]        # one pair, for both calls
    assert value == pytest.approx(call_cases.same_module_call(0.7))
    assert got == pytest.approx(central_difference(call_cases.same_module_call, (0.7,), 0),
                                rel=RTOL)
    # what tl.source shows is the subject here: the callees' code only when asked for
    head = tl.source(call_cases.same_module_call)
    assert "def forward_" not in head, "callees are shown only with include_callees=True"


def test_one_pair_per_pattern_of_differentiated_arguments():
    """One pair per pattern of differentiated arguments; none for the call with no
    differentiated argument (a plain call), and one for a callee called twice."""
    args = (0.7, 1.2)
    with helper_calls() as calls:
        got = tl.grad(call_cases.same_helper_active_patterns, wrt=(0, 1))(*args)
    assert sorted(_splits(calls)) == [("_weighted", ("u",)), ("_weighted", ("u", "w")),
                                      ("_weighted", ("w",))]
    assert_grad_close(got, central_difference(call_cases.same_helper_active_patterns, args,
                                              (0, 1)), RTOL, ATOL)
    with helper_calls() as calls:
        got = tl.grad(call_cases.nested_calls)(0.35)
    assert _splits(calls) == [("_smoothstep", ("t",))]
    assert got == pytest.approx(central_difference(call_cases.nested_calls, (0.35,), 0),
                                rel=RTOL)


def test_callee_transformed_once_per_pattern_across_callers():
    tl.grad(call_cases.same_module_call)(0.7)
    before = cache.CACHE.transforms
    tl.grad(call_cases.nested_calls)(0.35)      # _smoothstep: same pattern, already made
    assert cache.CACHE.transforms - before == 1


def test_recursion_calls_its_own_sweeps():
    """power_rec's pair is asked for once; the recursion then goes through its own forward
    and backward sweeps, one tape entry per level and the count of levels, at any depth."""
    gradient = tl.grad(call_cases.power_rec)
    with helper_calls() as calls, tape_pushes() as pushes:
        got = [gradient(3.0, depth) for depth in (2, 3)]
    assert _splits(calls) == [("power_rec", ("a",))]
    assert len(pushes) == (2 + 1) + (3 + 1)
    assert pushes.pops == 2 * 2     # the count and the deepest level's entry: the levels
    #                                 above it are taken at once (runtime.popped)
    assert got == [pytest.approx(4 * 3.0 ** 3), pytest.approx(8 * 3.0 ** 7)]  # d/da a^(2^n)


def test_user_rule_replaces_the_body():
    """The rule's formula runs (its math.tanh) instead of the body's derivative: no pair
    for log1pexp, none of the body's log1p or exp in the generated code."""
    x, y = 0.3, 1.4
    with helper_calls("math.tanh", "math.log1p", "math.exp") as calls:
        value, (gx, gy) = tl.value_and_grad(call_cases.softplus_loss, wrt=(0, 1))(x, y)
    assert calls["runtime.split"] == 0
    assert calls["math.tanh"] == 1 and calls.total("math.log1p", "math.exp") == 0
    assert value == pytest.approx(call_cases.softplus_loss(x, y))
    slope = 0.5 * (1.0 + math.tanh(0.5 * x * y))             # the rule's
    assert (gx, gy) == pytest.approx((slope * y + 0.2 * x, slope * x))


def test_user_rule_is_stable_where_the_naive_formula_overflows():
    g = tl.grad(call_cases.log1pexp)
    assert g(800.0) == pytest.approx(1.0)
    assert g(-800.0) == pytest.approx(0.0, abs=1e-300)


def test_stop_gradient_is_identity_in_value():
    value, gradient = tl.value_and_grad(call_cases.stop_gradient_product)(3.0)
    assert value == 9.0 and gradient == 3.0


def test_nondifferentiable_user_function_not_differentiated():
    with helper_calls() as calls:
        got = tl.grad(call_cases.declared_constant)(0.3)
    assert calls["runtime.split"] == 0
    assert got == pytest.approx(1.0 / call_cases.norm_scale(0.3))   # a constant divisor


# ------------------------------------------------------------ rule registration

def _target(x):
    return x * x


def _adjoint_wrong_order(x, g, ans):
    return g * 2.0 * x


def _adjoint_missing_ans(g, x):
    return g * 2.0 * x


def _adjoint_uses_a_function(g, ans, x):
    return g * _target(x)


def _adjoint_too_many_returns(g, ans, x):
    return g, g


def _tangent_without_dx(ans, x):
    return 2.0 * x


def _tangent_misnamed(ans, x, dy):
    return dy * 2.0 * x


@pytest.mark.parametrize("register, template", [
    (tl.register_adjoint, _adjoint_wrong_order),
    (tl.register_adjoint, _adjoint_missing_ans),
    (tl.register_adjoint, _adjoint_uses_a_function),
    (tl.register_adjoint, _adjoint_too_many_returns),
    (tl.register_tangent, _tangent_without_dx),
    (tl.register_tangent, _tangent_misnamed),
], ids=lambda v: getattr(v, "__name__", None))
def test_template_with_wrong_placeholders_is_rejected_at_registration(register, template):
    with pytest.raises(tl.RuleError, match=template.__name__):
        register(_target)(template)
    assert tl.grad(_target)(1.5) == 3.0            # nothing half-registered


def test_registered_rule_applies_to_later_calls_and_is_used_by_grad():
    def passthrough(x):
        return x * 1.0

    def caller(x):
        return passthrough(x) * 2.0

    assert tl.grad(caller)(1.0) == 2.0

    @tl.register_adjoint(passthrough)
    def passthrough_adjoint(g, ans, x):
        return g * 0.5

    assert tl.grad(caller)(1.0) == 1.0, "registering a rule must invalidate cached code"


# ------------------------------------------------------------- deep recursion

def test_deep_recursion_restores_the_recursion_limit():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)
    try:
        g = tl.grad(call_cases.deep_rec)(0.8, 1000)
    finally:
        sys.setrecursionlimit(old)
    assert sys.getrecursionlimit() == old
    x, slope = 0.8, 1.0
    for _ in range(1000):
        slope *= 1.0 + 0.001 * math.cos(x)
        x = x + 0.001 * math.sin(x)
    assert g == pytest.approx(slope, rel=1e-12)
