"""Nesting: tangentlike's derivatives called inside differentiated code.

`tl.grad`, `tl.value_and_grad` and `tl.derivative` of module-level functions and of
closures (nested defs and lambdas reading the outer function's variables) inside a
function differentiated in reverse mode (`tl.grad`) and forward mode (`tl.jvp`);
`@tl.differentiate` functions and methods called from differentiated code; the
gradient of a gradient of functions with arrays inside.  Every value is checked
against a closed form, central differences and autograd (its own nested
`autograd.grad` of the same source), with the arguments checked unchanged; what is
not supported is a located error.
"""

import copy
import gc
import inspect
import math
import sys
import textwrap
import weakref

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import call_cases
import nesting_functions as nf
import tangentlike as tl
from tangentlike.cache import CACHE
from tangentlike.products import hessian_product
from tangentlike.runtime import zeros_like
from oracles import AUTOGRAD_MATH, central_difference


def _autograd_grad_maker(f, wrt=0):
    params = list(inspect.signature(f).parameters)
    positions = tuple(params.index(w) if isinstance(w, str) else w
                      for w in (wrt if isinstance(wrt, tuple) else (wrt,)))
    grads = [autograd.grad(f, k) for k in positions]
    if isinstance(wrt, tuple):
        return lambda *args: tuple(g(*args) for g in grads)
    return grads[0]


def _autograd_jvp(f, primals, tangents):
    def along(eps):
        out = f(*[p + eps * t for p, t in zip(primals, tangents)])
        return anp.array(out) if isinstance(out, list) else out
    return autograd.make_jvp(along)(0.0)(1.0)


def _autograd_hvp(f, primals, vectors):
    """Hessian-vector products as autograd nests them: the gradient of the gradient
    dotted with the vectors (ints get none)."""
    positions = [k for k, p in enumerate(primals) if not isinstance(p, int)]

    def along(*args):
        return sum(anp.sum(autograd.grad(f, k)(*args) * vectors[k]) for k in positions)
    products = tuple(autograd.grad(along, k)(*primals) for k in positions)
    return products[0] if len(products) == 1 else products


_AUTOGRAD_TL = type("AutogradTl", (), {
    "jvp": staticmethod(_autograd_jvp),
    "hvp": staticmethod(_autograd_hvp),
    "grad": staticmethod(_autograd_grad_maker),
    "value_and_grad": staticmethod(lambda f, wrt=0: autograd.value_and_grad(f, wrt)),
    "derivative": staticmethod(lambda f: autograd.grad(f)),
})


def autograd_twin(f):
    """`f` executed from its source, with the module's other functions, where numpy,
    math and tl stand for autograd's."""
    namespace = {"np": anp, "math": AUTOGRAD_MATH, "tl": _AUTOGRAD_TL}
    for name, g in vars(nf).items():
        if inspect.isfunction(g) and g.__module__ == nf.__name__:
            exec(compile(textwrap.dedent(inspect.getsource(g)), "<autograd twin>", "exec"),
                 namespace)
    return namespace[f.__name__]


def both_modes(f, args, wrt=0):
    """(reverse-mode gradient, forward-mode tangent) with respect to argument `wrt`,
    the arguments checked unchanged."""
    before = copy.deepcopy(args)
    reverse = tl.grad(f, wrt=wrt)(*args)
    tangents = [np.ones_like(a) if k == wrt else 0.0 * np.asarray(a) if hasattr(a, "shape")
                else (1.0 if k == wrt else 0.0) for k, a in enumerate(args)]
    tangents = [t if not isinstance(a, int) else 0 for t, a in zip(tangents, args)]
    _, forward = tl.jvp(f, args, tangents)
    for b, a in zip(before, args):
        np.testing.assert_array_equal(b, a)
    return reverse, forward


CLOSED_FORMS = [
    # (function, args, d/dx closed form)
    (nf.confusion, (1.0,), lambda x: 1.0),
    (nf.confusion, (-0.7,), lambda x: 1.0),
    (nf.closure_matters, (1.3,), lambda x: 6 * x * x),
    (nf.lambda_closure, (0.8,), lambda x: 2 * x * math.cos(x) - x * x * math.sin(x)),
    (nf.assigned_gradient, (0.6,), lambda x: math.cos(x) - x * math.sin(x) + math.cos(2 * x)
     - 2 * x * math.sin(2 * x)),
    (nf.two_free_variables, (0.9, 0.4), lambda x, w: 4 * x * w + w * math.exp(w)),
    (nf.free_int, (1.3, 3), lambda x, n: n * n * x ** (n - 1)),
    (nf.wrt_by_name, (1.1,), lambda x: 8 * x),
    (nf.wrt_tuple, (0.7,), lambda x: 9 * x * x + 18),
    (nf.default_parameter, (1.2,), lambda x: 12 * x),
    (nf.value_and_grad_closure, (1.3,), lambda x: 21 * x ** 6),
    (nf.derivative_closure, (0.9,), lambda x: 24 * x),
    (nf.derivative_module_level, (1.1,), lambda x: 9 * x * x),
    (nf.gradient_module_level, (0.7,), lambda x: 3 * x * x * math.cos(x)
     + 6 * x * math.sin(x)),
    (nf.in_a_loop, (0.8,), lambda x: 12 * x),
    (nf.calls_decorated, (0.9,), lambda x: 2 * x * math.sin(x) + x * x * math.cos(x)),
    (nf.calls_method, (1.4,), lambda x: 6 * x * x + 1),
    (nf.calls_helper_with_closure, (0.9,), lambda x: 6 * x * x),
    (nf.over_a_list, (1.3,), lambda x: 6 * x * x + 4 * x),
    (nf.defined_in_a_loop, (1.3,), lambda x: 6 * x),
    (nf.builds_an_array, (1.3,), lambda x: 4 * x),
    (nf.jvp_inside, (1.3,), lambda x: 9 * x * x),
    (nf.jvp_of_closure, (1.3,), lambda x: 20 * x ** 4),
    (nf.jvp_tangent_differentiated, (0.7,), lambda x: 2 * math.cos(1.0) * x),
    (nf.jvp_of_list_output, (1.3,), lambda x: 2 * x * (1 + 4 * x) + 4 * (2 + x * x) + 2),
    (nf.hvp_of_closure, (2.0,), lambda x: 12 * x),
    (nf.hvp_of_closure, (-0.7,), lambda x: 12 * x),
    (nf.hvp_module_level, (1.3,), lambda x: 18 * x * x),
    (nf.hvp_lambda_calling_a_function, (0.9,), lambda x: 72 * x),
    (nf.hvp_two_primals, (1.3,), lambda x: 4 + 6 * x * x + 12 * x),
    (nf.hvp_with_an_int, (1.1,), lambda x: 12 * x),
    (nf.hvp_of_closure_over_an_object, (1.3,), lambda x: 72 * x * x),
    (nf.hvp_of_a_loop_that_keeps_nothing, (1.3,), lambda x: 24 * x),
    (nf.hvp_of_loop, (1.3,), lambda x: 12 * x + 2),
    (nf.hvp_of_recursive, (1.3,), lambda x: 12 * x),
    (nf.hvp_of_arrays, (1.3,), lambda x: sum(
        -2 * x * math.sin(x * a) * v - x * x * a * math.cos(x * a) * v
        for a, v in zip((1.0, 2.0, 3.0), (x, 1.0, 2.0))) - x * x * math.sin(x)),
]


@pytest.mark.parametrize("f, args, closed", CLOSED_FORMS,
                         ids=[f"{c[0].__name__}-{c[1][0]}" for c in CLOSED_FORMS])
def test_against_closed_form_differences_and_autograd(f, args, closed):
    reverse, forward = both_modes(f, args)
    expected = closed(*args)
    assert reverse == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert forward == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert central_difference(f, args, 0) == pytest.approx(expected, rel=1e-5, abs=1e-7)
    if f not in (nf.calls_decorated, nf.calls_method,       # tl.differentiate, classes
                 nf.hvp_of_closure_over_an_object):
        assert autograd.grad(autograd_twin(f))(*args) == pytest.approx(expected, rel=1e-9,
                                                                         abs=1e-12)


def test_perturbation_confusion():
    """The classic: d/dx [x * (d/dy (x + y))(y=1)] at x = 1 is 1, in both modes."""
    assert tl.grad(nf.confusion)(1.0) == 1.0
    assert tl.jvp(nf.confusion, (1.0,), (1.0,))[1] == 1.0
    assert tl.value_and_grad(nf.confusion)(1.0) == (1.0, 1.0)


def test_second_argument_of_two_free_variables():
    x, w = 0.9, 0.4
    expected = 2 * x * x + x * math.exp(w) + x * w * math.exp(w)
    reverse, forward = both_modes(nf.two_free_variables, (x, w), wrt=1)
    assert reverse == pytest.approx(expected, rel=1e-12)
    assert forward == pytest.approx(expected, rel=1e-12)
    assert autograd.grad(autograd_twin(nf.two_free_variables), 1)(x, w) == \
        pytest.approx(expected, rel=1e-12)


def test_array_closure_against_differences_and_autograd():
    x = np.array([0.3, -0.8, 1.4])
    reverse, _ = both_modes(nf.array_closure, (x,))
    expected = autograd.grad(autograd_twin(nf.array_closure))(x)
    np.testing.assert_allclose(reverse, expected, rtol=1e-10)
    np.testing.assert_allclose(central_difference(nf.array_closure, (x,), 0), expected,
                               rtol=1e-5)
    for k in range(3):                                  # forward mode, one direction each
        e = np.zeros(3)
        e[k] = 1.0
        assert tl.jvp(nf.array_closure, (x,), (e,))[1] == pytest.approx(expected[k],
                                                                         rel=1e-10)


def test_jvp_of_an_array_closure_against_differences_and_autograd():
    x = np.array([0.3, -0.8, 1.4])
    before = x.copy()
    reverse = tl.grad(nf.jvp_of_array_closure)(x)
    expected = autograd.grad(autograd_twin(nf.jvp_of_array_closure))(x)
    np.testing.assert_allclose(reverse, expected, rtol=1e-10)
    np.testing.assert_allclose(central_difference(nf.jvp_of_array_closure, (x,), 0),
                               expected, rtol=1e-5)
    e = np.array([0.0, 1.0, 0.0])
    assert tl.jvp(nf.jvp_of_array_closure, (x,), (e,))[1] == pytest.approx(expected[1],
                                                                           rel=1e-10)
    np.testing.assert_array_equal(x, before)


def test_hvp_of_an_array_closure_against_differences_and_autograd():
    """Array primals, array vectors made from x, a product of two arrays."""
    x = np.array([0.3, -0.8, 1.4])
    before = x.copy()
    reverse = tl.grad(nf.hvp_of_array_closure)(x)
    expected = autograd.grad(autograd_twin(nf.hvp_of_array_closure))(x)
    np.testing.assert_allclose(reverse, expected, rtol=1e-10)
    np.testing.assert_allclose(central_difference(nf.hvp_of_array_closure, (x,), 0),
                               expected, rtol=1e-5)
    for k in range(3):
        e = np.zeros(3)
        e[k] = 1.0
        assert tl.jvp(nf.hvp_of_array_closure, (x,), (e,))[1] == pytest.approx(
            expected[k], rel=1e-10)
    np.testing.assert_array_equal(x, before)


def test_hvp_inside_reads_like_code():
    text = tl.source(tl.grad(nf.hvp_of_closure), args=(1.3,))
    assert "tl.hvp.hessian_product(inner_lifted, 1)" in text
    assert "grad_call_adjoint(" in text


def test_hvp_whose_code_cannot_be_differentiated_again_is_a_clear_error():
    """The product runs (its value is right); its derivative would differentiate the
    forward-mode code of a method that calls another method of its object: a
    TangentlikeError naming the function given to tl.hvp and its line, in both modes."""
    assert hessian_product(nf.forward_squared)(1.3, nf.TwoLayer(2.0), 1.0, None) == \
        pytest.approx(120 * 1.3 ** 4)
    for run in (lambda: tl.grad(nf.hvp_of_method_calling_method)(1.3),
                lambda: tl.jvp(nf.hvp_of_method_calling_method, (1.3,), (1.0,))):
        with pytest.raises(tl.TangentlikeError,
                           match="tl.hvp of forward_squared inside a function that is "
                                 "differentiated needs a third derivative") as info:
            run()
        assert f"nesting_functions.py:{nf.forward_squared.__code__.co_firstlineno}" in \
            str(info.value)


CONVENTIONS = {"rule_nondifferentiable", "rule_straight_through", "stop_gradient_product",
               "stop_gradient_of_call", "stop_gradient_in_loop"}   # differences disagree


def _call_cases_for_hvp():
    plain = (float, int, str, list, tuple, dict, np.ndarray, type(None))
    return [c for c in call_cases.CASES if c.name not in CONVENTIONS
            and any(isinstance(a, float) for a in c.args)
            and all(isinstance(a, plain) for a in c.args)]


def _total(out):
    return sum(np.sum(p) for p in out) if isinstance(out, tuple) else np.sum(out)


@pytest.mark.parametrize("case", _call_cases_for_hvp(),
                         ids=[c.name for c in _call_cases_for_hvp()])
def test_derivative_of_hvp_through_calls_is_right_or_a_clear_error(case):
    """The class: over every program of the calls table (calls, loops, recursion, closures,
    rules), the derivative of tl.hvp's product along the first float (what tl.hvp inside
    differentiated code becomes) matches central differences in both modes, or is a
    TangentlikeError naming the function; never a wrong value."""
    first = next(k for k, a in enumerate(case.args) if isinstance(a, float))
    args = case.args
    before = copy.deepcopy(args)

    def zero(a):
        return zeros_like(a) if isinstance(a, (float, list, tuple, np.ndarray)) else None
    vectors = tuple(1.0 if k == first else zero(a) for k, a in enumerate(args))
    call = args + vectors
    product = hessian_product(case.fn)

    def at(x):
        return _total(product(*call[:first], x, *call[first + 1:]))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        out = product(*call)
        expected = (at(args[first] + 1e-5) - at(args[first] - 1e-5)) / 2e-5
        seed = tuple(map(np.ones_like, out)) if isinstance(out, tuple) else np.ones_like(out)
        seed = tuple(map(float, seed)) if isinstance(out, tuple) and all(
            isinstance(p, float) for p in out) else float(seed) if isinstance(out, float) \
            else seed
        tangents = tuple(1.0 if k == first else zero(a) for k, a in enumerate(args)) + \
            tuple(map(zero, vectors))
        try:
            reverse = product.adjoint(call, seed)[first]
            forward = _total(product.tangent(call, tangents))
        except tl.TangentlikeError as e:
            assert f"tl.hvp of {case.fn.__name__} inside" in str(e)
            assert "call_cases.py:" in str(e)
            return
    finally:
        sys.setrecursionlimit(limit)
    assert reverse == pytest.approx(expected, rel=1e-4, abs=1e-5)
    assert forward == pytest.approx(expected, rel=1e-4, abs=1e-5)
    for b, a in zip(before, args):
        np.testing.assert_array_equal(b, a)


def test_method_of_an_argument():
    s, x = nf.Scaled(1.5), 0.8
    expected = 4 * 1.5 * x ** 3
    assert tl.grad(nf.calls_method_of_argument, wrt=1)(s, x) == pytest.approx(expected)
    assert tl.jvp(nf.calls_method_of_argument, (s, x), (None, 1.0))[1] == \
        pytest.approx(expected)
    assert s.k == 1.5


def test_decorated_method_counts_wrt_after_self():
    s = nf.Scaled(2.0)
    assert s.energy(1.5) == 2.0 * 1.5 ** 3
    assert s.energy.grad(1.5) == pytest.approx(6.0 * 1.5 ** 2)            # wrt=0 is x
    assert nf.Scaled.energy.grad(s, 1.5) == pytest.approx(6.0 * 1.5 ** 2)
    assert s.energy.value_and_grad(1.5) == pytest.approx((6.75, 13.5))
    gx, gy = s.pair.grad(0.5, 3.0)
    assert (gx, gy) == pytest.approx((2.0 * 9.0, 2.0 * 2.0 * 0.5 * 3.0))
    assert "def value_and_grad_energy(self, x" in s.energy.source()
    assert s.k == 2.0


def test_decorated_method_naming_self_is_an_error():
    with pytest.raises(Exception) as info:       # (Python wraps it at class creation)
        class Bad:                                          # noqa: F841
            @tl.differentiate(wrt="self")
            def m(self, x):
                return x
    error = info.value if isinstance(info.value, tl.TangentlikeError) else info.value.__cause__
    assert isinstance(error, tl.TangentlikeError)
    assert "wrt names `self`" in str(error)


def test_decorated_function_called_from_differentiated_code_is_generated_code():
    text = tl.source(nf.calls_decorated, include_callees=True)
    assert "def decorated_forward" in text or "decorated" in text
    assert tl.grad(nf.calls_decorated, optimize=False)(0.9) == \
        pytest.approx(tl.grad(nf.calls_decorated)(0.9), rel=1e-12)


def test_lifted_functions_do_not_keep_their_enclosing_function_alive():
    def make(k):
        def outer(x):
            def inner(y):
                return k * x * y * y
            return tl.grad(inner)(x)
        return outer
    outer = make(3.0)
    assert tl.grad(outer)(0.5) == pytest.approx(4 * 3.0 * 0.5)           # d/dx 2 k x**2
    ref = weakref.ref(outer)
    del outer
    CACHE.invalidate()                # (the memos of derivatives hold it, by design)
    gc.collect()
    assert ref() is None


def test_lifted_functions_are_made_and_transformed_once():
    gradient = tl.grad(nf.closure_matters)
    gradient(1.1)
    before = CACHE.transforms
    for x in (0.3, 0.7, 1.9):
        assert gradient(x) == pytest.approx(6 * x * x)
    assert CACHE.transforms == before


def test_lifted_gradient_reads_like_code():
    text = tl.source(nf.confusion)
    assert "tl.grad(inner_lifted, wrt=1)" in text
    assert "grad_call_adjoint(_t1, (x, 1.0)" in text


# -- the gradient of a gradient, arrays inside ---------------------------------------------


def test_grad_of_grad_with_arrays_inside():
    x, k = 0.7, np.arange(1.0, 4.0)
    expected = -np.sum(k * k * np.sin(k * x))
    assert tl.grad(tl.grad(nf.sum_sin))(x) == pytest.approx(expected, rel=1e-12)
    assert autograd.grad(autograd.grad(autograd_twin(nf.sum_sin)))(x) == \
        pytest.approx(expected, rel=1e-12)
    third = tl.grad(tl.grad(tl.grad(nf.sum_sin)))(x)
    assert third == pytest.approx(-np.sum(k ** 3 * np.cos(k * x)), rel=1e-10)


def test_grad_of_grad_with_an_array_argument():
    x, a = 0.7, np.array([0.5, -1.0, 2.0])
    before = a.copy()
    expected = -np.sum(a * a * np.sin(a * x)) + 2 * np.dot(a, a)
    assert tl.grad(tl.grad(nf.sum_sin_data))(x, a) == pytest.approx(expected, rel=1e-12)
    twin = autograd_twin(nf.sum_sin_data)
    assert autograd.grad(autograd.grad(twin))(x, a) == pytest.approx(expected, rel=1e-12)
    mixed = tl.grad(tl.grad(nf.sum_sin_data), wrt=1)(x, a)     # d/da of df/dx
    np.testing.assert_allclose(mixed, autograd.grad(autograd.grad(twin), 1)(x, a),
                               rtol=1e-10)
    np.testing.assert_array_equal(a, before)


def test_grad_of_grad_of_an_array_argument_points_at_hessian():
    with pytest.raises(tl.TangentlikeError, match="tl.hessian or tl.hvp"):
        tl.grad(tl.grad(nf.sum_sin_data))(np.ones(3), np.arange(3.0))


# -- what is not supported: located errors -------------------------------------------------


def _line_of(f, text):
    lines, first = inspect.getsourcelines(f)
    return first + next(k for k, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("f, text, what", [
    (nf.jvp_not_literal, "tl.jvp(", "other than as two tuples"),
    (nf.hvp_not_literal, "tl.hvp(", "tl.hvp inside a function that is differentiated, "
     "given its primals or vectors other than as two tuples"),
    (nf.vjp_inside, "tl.vjp(", "tl.vjp inside"),
    (nf.derivative_order_two_inside, "order=2", "order other than 1"),
    (nf.gradient_escapes, "apply_to(g", "used other than by calling it"),
    (nf.gradient_given_keywords, "(y=x)", "keyword arguments in a call of a gradient"),
])
def test_unsupported_is_located(f, text, what):
    for run in (lambda: tl.grad(f)(1.2), lambda: tl.jvp(f, (1.2,), (1.0,))):
        with pytest.raises(tl.UnsupportedSyntaxError, match=what) as info:
            run()
        assert f"nesting_functions.py:{_line_of(f, text)}" in str(info.value)


def test_wrt_not_literal_is_located():
    with pytest.raises(tl.UnsupportedSyntaxError, match="not a literal") as info:
        tl.grad(nf.wrt_not_literal)(1.2, 0)
    assert f"nesting_functions.py:{_line_of(nf.wrt_not_literal, 'wrt=k')}" in str(info.value)


@pytest.mark.parametrize("higher", [
    lambda f: tl.grad(tl.grad(f))(1.2),
    lambda f: tl.hessian(f)(1.2),
    lambda f: tl.derivative(f, order=2)(1.2),
    lambda f: tl.hvp(f, (1.2,), (1.0,)),
])
@pytest.mark.parametrize("f", [nf.closure_matters, nf.hvp_of_closure])
def test_second_derivative_through_an_inner_derivative_is_a_clear_error(higher, f):
    with pytest.raises(tl.TangentlikeError, match="third derivative of the inner") as info:
        higher(f)
    assert f"nesting_functions.py:{f.__code__.co_firstlineno}: {f.__name__}" in \
        str(info.value)


def test_gradient_of_a_gradient_of_a_gradient_inside_is_a_clear_error():
    """nested_twice's derivative needs the second derivative of `middle`, which itself
    takes a gradient: a third derivative of `inner`."""
    assert nf.nested_twice(1.2) == pytest.approx(6 * 1.2 ** 4)             # runs
    for run in (lambda: tl.grad(nf.nested_twice)(1.2),
                lambda: tl.jvp(nf.nested_twice, (1.2,), (1.0,))):
        with pytest.raises(tl.TangentlikeError, match="third derivative of the inner"):
            run()
