"""Elementwise functions declared once (rules/registry.py `elementwise`), as one table.

Every built-in declaration (rules/elementwise_rules.py) x every callable it names x a
few points on the function's domain is checked: the callable has the adjoint and the
tangent derived from the declaration; reverse and forward mode match central
differences, and so does the second derivative (the derivative code, with its
`np.cos(x)` or `math.cos(x)`, is differentiated again); the NumPy and the `math`
callables of one declaration give the same derivatives.  Declarations with the wrong
placeholders or shape fail at registration with RuleError, leaving the registry as it was.
"""

import builtins
import importlib.util
import inspect
import math
import operator
import pathlib
import re
import tempfile

import numpy as np
import pytest

import tangentlike as tl
from oracles import central_difference
from tangentlike.rules import registry
from tangentlike.rules.registry import elementwise

BUILT_IN = [d for d in registry.declarations()
            if d.derivative.fn.__module__ == "tangentlike.rules.elementwise_rules"]

REAL = ((-1.3,), (0.4,), (2.1,))
POSITIVE = ((0.3,), (1.1,), (2.7,))
UNIT = ((-0.6,), (0.2,), (0.7,))
ABOVE_ONE = ((1.3,), (2.0,), (3.1,))
PAIRS = ((1.3, 0.7), (-0.8, 1.9), (2.5, -1.1))          # x1 / x2 away from integers
POSITIVE_PAIRS = ((0.6, 1.7), (1.9, 0.4), (2.3, 2.9))
POINTS = {  # declaration -> points on its domain, away from kinks (default: REAL / PAIRS)
    "log": POSITIVE, "log1p": POSITIVE, "log2": POSITIVE, "log10": POSITIVE,
    "sqrt": POSITIVE, "arcsin": UNIT, "arccos": UNIT, "arctanh": UNIT, "arccosh": ABOVE_ONE,
    "log_base": POSITIVE_PAIRS, "power": POSITIVE_PAIRS, "float_power": POSITIVE_PAIRS,
    "pow_": POSITIVE_PAIRS, "pow_math": POSITIVE_PAIRS,
}


def _arity(declaration):
    return len(declaration.derivative.params)


def _tuples(arity):
    """Three points of `arity` coordinates (math.hypot of 3 to 8), away from the origin."""
    base = (1.3, -0.8, 1.9, 0.6, -2.5, 1.1, 0.4, -1.7)
    return tuple(tuple(base[(k + j) % len(base)] for k in range(arity)) for j in range(3))


def _points(declaration):
    arity = _arity(declaration)
    default = REAL if arity == 1 else PAIRS if arity == 2 else _tuples(arity)
    return POINTS.get(declaration.derivative.fn.__name__, default)


def _spelling(fn):
    """How a wrapper calls `fn`: np.sin, math.sin, operator.mod, abs."""
    module = getattr(fn, "__module__", None)
    prefix = {"math": "math.", "builtins": "", "operator": "operator.",
              "_operator": "operator.", "numpy": "np."}[module]
    return prefix + fn.__name__


def _wrapper_name(declaration, fn):
    return re.sub(r"\W", "_", f"w_{declaration.derivative.fn.__name__}_{_spelling(fn)}")


def _wrappers():
    """A module of one small function per (declaration, callable): tangentlike reads
    their source, so they live in a real file."""
    lines = ["import math", "import operator", "", "import numpy as np", ""]
    for declaration in BUILT_IN:
        params = ", ".join(f"x{k + 1}" for k in range(_arity(declaration)))
        for fn in declaration.callables:
            lines += ["", f"def {_wrapper_name(declaration, fn)}({params}):",
                      f"    return {_spelling(fn)}({params})", ""]
    path = pathlib.Path(tempfile.mkdtemp(prefix="tl_declarations_")) / "declared_wrappers.py"
    path.write_text("\n".join(lines), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("declared_wrappers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WRAPPERS = _wrappers()
CALLABLES = [(d, fn) for d in BUILT_IN for fn in d.callables]
CALLABLE_IDS = [_wrapper_name(d, fn)[2:] for d, fn in CALLABLES]
SHARED = [d for d in BUILT_IN
          if {getattr(fn, "__module__", None) for fn in d.callables} >= {"numpy", "math"}]


def _wrapper(declaration, fn):
    return getattr(WRAPPERS, _wrapper_name(declaration, fn))


def _wrt(declaration):
    return tuple(range(_arity(declaration))) if _arity(declaration) > 1 else 0


def _as_tuple(grad):
    return tuple(float(g) for g in grad) if isinstance(grad, tuple) else (float(grad),)


def _jvps(f, point):
    """The directional derivative along each argument, by forward mode."""
    out = []
    for k in range(len(point)):
        tangents = tuple(1.0 if j == k else 0.0 for j in range(len(point)))
        out.append(float(tl.jvp(f, point, tangents)[1]))
    return tuple(out)


# -- the registry holds what each declaration derives -------------------------------------


def test_the_table_declares_the_elementwise_functions():
    assert len(BUILT_IN) >= 40 and len(CALLABLES) >= 65
    declared = {fn for _, fn in CALLABLES}
    assert {np.sin, math.sin, np.arctan2, math.atan2, np.hypot, math.hypot, np.power,
            math.pow, operator.pow, builtins.pow, np.logaddexp, operator.mod} <= declared


@pytest.mark.parametrize("declaration, fn", CALLABLES, ids=CALLABLE_IDS)
def test_every_declared_callable_has_both_derived_templates(declaration, fn):
    adjoint_fn, tangent_fn = declaration.derived_for(fn)
    rule = registry.lookup(fn)
    arity = _arity(declaration)
    assert rule.adjoint_for(arity, []).fn is adjoint_fn
    assert rule.tangent_for(arity, []).fn is tangent_fn
    assert not rule.linear and not rule.nondifferentiable
    assert rule.broadcasts == (arity > 1 and fn.__module__ != "math")
    assert rule.scalar == (fn.__module__ in ("math", "builtins", "_operator"))
    # ordinary templates: their source is readable and registers like a hand-written one
    assert inspect.getsource(adjoint_fn).startswith(f"def {adjoint_fn.__name__}(g, ans, ")
    assert inspect.getsource(tangent_fn).startswith(f"def {tangent_fn.__name__}(ans, ")


def test_xp_is_the_module_of_the_callable():
    np_adjoint, np_tangent = registry.derived_templates(np.sin)
    math_adjoint, math_tangent = registry.derived_templates(math.sin)
    assert inspect.getsource(np_adjoint) == "def sin(g, ans, x):\n    return g * np.cos(x)\n"
    assert inspect.getsource(np_tangent) == "def sin_t(ans, x, dx):\n    return dx * np.cos(x)\n"
    assert "math.cos(x)" in inspect.getsource(math_adjoint)
    assert "math.cos(x)" in inspect.getsource(math_tangent)
    # the operators keep `xp`: math on Python numbers, numpy otherwise
    assert "xp.floor(x1 / x2)" in inspect.getsource(registry.derived_templates(operator.mod)[0])
    assert "np.floor(x1 / x2)" in inspect.getsource(registry.derived_templates(np.remainder)[0])


def test_derived_text_reads_as_written_by_hand():
    def source(fn, mode):
        return inspect.getsource(registry.derived_templates(fn)[mode]).split("\n", 1)[1]
    assert source(np.cos, 0) == "    return -g * np.sin(x)\n"
    assert source(np.arccos, 1) == "    return -dx / np.sqrt(1.0 - x * x)\n"
    assert source(np.remainder, 1) == "    return dx1 - dx2 * np.floor(x1 / x2)\n"
    assert source(np.hypot, 1) == "    return (dx1 * x1 + dx2 * x2) / _ntl.nonzero(ans)\n"
    assert source(np.arctan2, 0) == ("    r2 = x1 * x1 + x2 * x2\n"
                                     "    return g * x2 / r2, -g * x1 / r2\n")
    assert source(np.arctan2, 1) == "    return (dx1 * x2 - dx2 * x1) / (x1 * x1 + x2 * x2)\n"


# -- derivatives against central differences, and between NumPy and math -------------------


@pytest.mark.parametrize("declaration, fn", CALLABLES, ids=CALLABLE_IDS)
def test_both_modes_match_central_differences(declaration, fn):
    f = _wrapper(declaration, fn)
    for point in _points(declaration):
        expected = _as_tuple(central_difference(f, point, _wrt(declaration)))
        reverse = _as_tuple(tl.grad(f, wrt=_wrt(declaration))(*point))
        np.testing.assert_allclose(reverse, expected, rtol=1e-6, atol=1e-8,
                                   err_msg=f"reverse mode at {point}")
        np.testing.assert_allclose(_jvps(f, point), expected, rtol=1e-6, atol=1e-8,
                                   err_msg=f"forward mode at {point}")


UNARY = [(d, fn) for d, fn in CALLABLES if _arity(d) == 1]
# the runtime helper in sinc's derivative has a tangent rule but no adjoint
# (rules/numpy_helpers.py): reverse over reverse raises, naming it
NO_REVERSE_OVER_REVERSE = {"sinc": "sinc_slope"}


@pytest.mark.parametrize("declaration, fn", UNARY,
                         ids=[_wrapper_name(d, fn)[2:] for d, fn in UNARY])
def test_the_derivative_code_is_differentiable_again(declaration, fn):
    f = _wrapper(declaration, fn)
    first, second = tl.derivative(f), tl.derivative(f, order=2)
    dgrad = tl.grad(tl.grad(f))
    for (x,) in _points(declaration):
        expected = central_difference(first, (x,))
        np.testing.assert_allclose(second(x), expected, rtol=1e-5, atol=1e-7,
                                   err_msg=f"forward over forward at {x}")
        missing = NO_REVERSE_OVER_REVERSE.get(declaration.derivative.fn.__name__)
        if missing:
            with pytest.raises(tl.NoDerivativeError, match=missing):
                dgrad(x)
            continue
        np.testing.assert_allclose(dgrad(x), expected, rtol=1e-5, atol=1e-7,
                                   err_msg=f"reverse over reverse at {x}")


@pytest.mark.parametrize("declaration", SHARED, ids=[d.derivative.fn.__name__ for d in SHARED])
def test_numpy_and_math_callables_of_one_declaration_agree(declaration):
    numpy_fn = next(fn for fn in declaration.callables if fn.__module__ == "numpy")
    math_fn = next(fn for fn in declaration.callables if fn.__module__ == "math")
    f_np, f_math = _wrapper(declaration, numpy_fn), _wrapper(declaration, math_fn)
    for point in _points(declaration):
        grads = [_as_tuple(tl.grad(f, wrt=_wrt(declaration))(*point)) for f in (f_np, f_math)]
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-13, err_msg=f"reverse at {point}")
        jvps = [_jvps(f, point) for f in (f_np, f_math)]
        np.testing.assert_allclose(jvps[0], jvps[1], rtol=1e-13, err_msg=f"forward at {point}")
        math_grad = tl.grad(f_math, wrt=_wrt(declaration))(*point)     # Python floats
        assert all(type(g) is float for g in (math_grad if _arity(declaration) > 1
                                                else (math_grad,)))


# -- a declaration of your own -------------------------------------------------------------


def cube(x):
    return x * x * x


def uses_cube(x):
    return cube(2.0 * x)


def test_a_declaration_gives_both_modes_and_changes_the_fingerprint():
    fingerprint, version = registry.fingerprint(), registry.version()

    @elementwise(cube)
    def cube_derivative(ans, x):
        return 3.0 * x * x

    assert registry.version() > version and registry.fingerprint() != fingerprint
    rule = registry.lookup(cube)
    assert [t.text for t in rule.adjoints] == ["def cube_derivative(g, ans, x):\n"
                                               "    return g * 3.0 * x * x\n"]
    assert [t.text for t in rule.tangents] == ["def cube_derivative_t(ans, x, dx):\n"
                                               "    return dx * 3.0 * x * x\n"]
    assert tl.grad(uses_cube)(1.5) == pytest.approx(6.0 * 9.0)
    assert tl.jvp(uses_cube, (1.5,), (1.0,))[1] == pytest.approx(6.0 * 9.0)
    assert "* 3.0 *" in tl.source(uses_cube, args=(1.5,))       # the rule, not the body


def test_restoring_the_derived_templates_restores_the_fingerprint():
    fingerprint = registry.fingerprint()
    adjoint_fn, tangent_fn = registry.derived_templates(np.tanh)
    try:
        tl.register_adjoint(np.tanh)(_tanh_adjoint)
        tl.register_tangent(np.tanh)(_tanh_tangent)
        assert registry.fingerprint() != fingerprint
    finally:
        registry.adjoint(np.tanh)(adjoint_fn)
        registry.tangent(np.tanh)(tangent_fn)
    assert registry.fingerprint() == fingerprint


def _tanh_adjoint(g, ans, x):
    return g * (1.0 - ans * ans) * 1.0


def _tanh_tangent(ans, x, dx):
    return dx * (1.0 - ans * ans) * 1.0


# -- declarations rejected at registration ----------------------------------------------------


def starts_with_g(g, ans, x):
    return x


def has_no_ans(x):
    return 1.0


def uses_a_global(ans, x):
    return scale * x            # noqa: F821


def too_many_partials(ans, x):
    return 1.0, 2.0


def branches(ans, x):
    if x > 0:
        return 1.0
    return -1.0


def names_a_tangent(ans, x, dx):
    return dx, 1.0


def takes_a_keyword(ans, x, *, scale=1.0):
    return scale


def assigns_twice(ans, x):
    t = x
    t = t * x
    return t


scale = 2.0
WRONG = [starts_with_g, has_no_ans, uses_a_global, too_many_partials, branches,
         names_a_tangent, takes_a_keyword, assigns_twice]


def target(x, y=0.0):
    return x


@pytest.mark.parametrize("template", WRONG, ids=[t.__name__ for t in WRONG])
def test_a_wrong_declaration_is_rejected_at_registration(template):
    fingerprint, version = registry.fingerprint(), registry.version()
    with pytest.raises(tl.RuleError, match=template.__name__):
        elementwise(target)(template)
    assert registry.lookup(target) is None
    assert registry.fingerprint() == fingerprint and registry.version() == version


def test_a_declaration_needs_its_callables():
    with pytest.raises(tl.RuleError, match="needs the callables"):
        elementwise()


def other_target(x):
    return x


def calls_a_parameter_math(ans, math):        # `math` cannot be math.sin's module name
    return 1.0


def test_a_declaration_registers_nothing_unless_every_callable_is_valid():
    fingerprint = registry.fingerprint()
    sin_rule = registry.lookup(math.sin)
    templates = (list(sin_rule.adjoints), list(sin_rule.tangents))
    with pytest.raises(tl.RuleError, match="must name the module math"):
        elementwise(other_target, math.sin)(calls_a_parameter_math)
    assert registry.lookup(other_target) is None
    assert (sin_rule.adjoints, sin_rule.tangents) == templates
    assert registry.fingerprint() == fingerprint
