"""Reverse over reverse: `tl.grad(tl.grad(f))` differentiates generated code again.

The gradient of a gradient is computed by running reverse mode over the generated
`value_and_grad_<f>` function itself (its tape rewritten into a list read back by
index).  Every statement form and call case with a float argument is checked
against an independent path, forward over reverse (`tl.hessian`), and against
central differences of the first gradient; orders three to five against
`tl.derivative` (forward mode applied repeatedly).  What reverse over reverse does
not write out (recursion) is differentiated by forward mode in its inner orders.
"""

import math
import sys

import pytest

import tangentlike as tl

try:                                    # tests/ as a package or as a rootdir
    from . import call_cases, higher_functions as hf, statement_forms
except ImportError:
    import call_cases
    import higher_functions as hf
    import statement_forms

RTOL = 1e-7

RECURSIVE = {"power_rec", "damped_sin_rec", "damped_sin_rec_w2_depth200", "rec_two_active",
             "mutual_recursion_even", "mutual_recursion_odd", "branching_recursion_fib",
             "branching_recursion_tree", "rec_accumulator", "rec_other_module", "rec_in_loop",
             "recursion_returning_tuple", "deep_recursion_1000"}
# Cases with stop_gradient or a declared non-differentiable function: the first
# gradient treats part of f as a constant, so its difference quotient is not the
# second derivative tangentlike defines; the forward-over-reverse path is.
CONVENTION_ONLY = {"rule_nondifferentiable", "stop_gradient_product", "stop_gradient_of_call",
                   "stop_gradient_in_loop", "rule_straight_through"}


def _float_cases(cases):
    return [c for c in cases if any(isinstance(a, float) for a in c.args)]


CASES = _float_cases(statement_forms.CASES) + _float_cases(call_cases.CASES)


def _positions(case):
    return [k for k, a in enumerate(case.args) if isinstance(a, float)]


def _as_tuple(value):
    return value if isinstance(value, tuple) else (value,)


@pytest.fixture(autouse=True)
def _deep_recursion():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    yield
    sys.setrecursionlimit(limit)


def forward_over_reverse(case, first, positions):
    """Row `first` of the Hessian at `positions` by Hessian-vector products (None where
    this path cannot give it: off the diagonal when an argument is not a number)."""
    if all(isinstance(a, (float, int)) for a in case.args):
        vectors = [1.0 if k == first else 0.0 for k in range(len(case.args))]
        products = _as_tuple(tl.hvp(case.fn, case.args, vectors))
        floats = [k for k, a in enumerate(case.args) if isinstance(a, float)]
        return [products[floats.index(p)] for p in positions]
    return [tl.hessian(case.fn, wrt=first)(*case.args) if p == first else None
            for p in positions]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_grad_of_grad_matches_forward_over_reverse(case):
    first, *_ = positions = _positions(case)
    got = _as_tuple(tl.grad(tl.grad(case.fn, wrt=first), wrt=tuple(positions))(*case.args))
    for position, value, expected in zip(positions, got,
                                         forward_over_reverse(case, first, positions)):
        if expected is not None:
            assert value == pytest.approx(expected, rel=RTOL, abs=1e-9), \
                f"d/d{position} of d/d{first}"


@pytest.mark.parametrize("case", [c for c in CASES if c.name not in CONVENTION_ONLY],
                         ids=[c.name for c in CASES if c.name not in CONVENTION_ONLY])
def test_grad_of_grad_matches_differences_of_the_gradient(case):
    first, *_ = positions = _positions(case)
    gradient = tl.grad(case.fn, wrt=first)
    got = _as_tuple(tl.grad(gradient, wrt=tuple(positions))(*case.args))
    h = 1e-5
    for position, value in zip(positions, got):
        up, down = list(case.args), list(case.args)
        up[position] += h
        down[position] -= h
        expected = (gradient(*up) - gradient(*down)) / (2 * h)
        assert value == pytest.approx(expected, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("name", sorted(RECURSIVE - {"deep_recursion_1000",
                                                     "damped_sin_rec_w2_depth200"}))
def test_third_order_of_recursion_matches_repeated_forward_mode(name):
    """Recursion: the inner orders are forward mode, the outermost reverse mode."""
    case = next(c for c in CASES if c.name == name)
    first = _positions(case)[0]
    third = tl.grad(tl.grad(tl.grad(case.fn, wrt=first), wrt=first), wrt=first)
    if first == 0:
        expected = tl.derivative(case.fn, order=3)(*case.args)
    else:                                        # d/dx of the second derivative, by differences
        second = tl.grad(tl.grad(case.fn, wrt=first), wrt=first)
        up, down = list(case.args), list(case.args)
        up[first] += 1e-5
        down[first] -= 1e-5
        expected = (second(*up) - second(*down)) / 2e-5
    assert third(*case.args) == pytest.approx(expected, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("fn, args, top", [
    (hf.quartic, (1.5,), 5), (hf.sines, (0.7,), 5), (statement_forms.while_counter, (1.3, 5), 5),
    (statement_forms.return_from_nested_loop, (0.4, 3), 4),
    (statement_forms.dict_const_keys, (1.1, 0.3), 4),
    (call_cases.nested_calls_three_deep, (0.6,), 4)],
    ids=["quartic", "sines", "while_counter", "return_from_nested_loop", "dict_const_keys",
         "nested_calls_three_deep"])
def test_higher_orders_match_repeated_forward_mode(fn, args, top):
    derivative = tl.grad(fn)
    for order in range(2, top + 1):
        derivative = tl.grad(derivative)
        expected = tl.derivative(fn, order=order)(*args)
        assert derivative(*args) == pytest.approx(expected, rel=1e-9, abs=1e-9), order


def test_mixed_partials_are_symmetric():
    xy = tl.grad(tl.grad(hf.mixed, wrt=0), wrt=1)(0.7, 1.3)
    yx = tl.grad(tl.grad(hf.mixed, wrt=1), wrt=0)(0.7, 1.3)
    assert xy == pytest.approx(yx, rel=1e-12)
    assert xy == pytest.approx(2 * 0.7 + math.cos(0.91) - 0.91 * math.sin(0.91), rel=1e-12)


def test_grad_of_grad_needs_a_scalar_inner_gradient():
    with pytest.raises(tl.TangentlikeError, match="one argument"):
        tl.grad(tl.grad(hf.mixed, wrt=(0, 1)))
    outer = tl.grad(tl.grad(hf.mixed, wrt=0), wrt=(0, 1))
    with pytest.raises(tl.TangentlikeError, match="one argument"):
        tl.grad(outer)
