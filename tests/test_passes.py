"""Every optional pass is optional: turned off one at a time, the derivative is the same.

The corpus is the hand-written call cases (tests/cases/call_cases.py), the golden functions
and fresh fuzzer programs (tests/fuzz).  For each program and each optional pass of
`tangentlike.pipeline.OPTIONAL`, the gradient (`tl.grad`) and the tangent (`tl.jvp`)
made with every pass but that one must equal those made with every pass, to 1e-12
relative (a pass may reorder a sum; it may not change what is summed).  A program
tangentlike rejects with every pass on is left out; one that any variant rejects
alone fails the test.  The arguments are checked unchanged afterwards too.
"""

import copy
import importlib
import math

import numpy as np
import pytest

import call_cases
import golden_functions
import tangentlike as tl
from tangentlike.pipeline import OPTIONAL
from fuzz.generate import generate
from fuzz.judge import load, wrt_of

FUZZ_SEED, FUZZ_PROGRAMS = 97531, 40


def _corpus():
    out = [pytest.param(c.fn, c.args, c.wrt if c.wrt is not None else 0, id=f"case-{c.name}")
           for c in call_cases.CASES if c.recursion_limit is None]
    out += [pytest.param(golden_functions.baydin, (0.7, 1.3), (0, 1), id="golden-baydin"),
            pytest.param(golden_functions.power_sum, (0.9, 4), 0, id="golden-power_sum"),
            pytest.param(golden_functions.newton_sqrt, (2.0,), 0, id="golden-newton_sqrt")]
    out += [pytest.param(None, None, k, id=f"fuzz-{FUZZ_SEED}-{k}") for k in range(FUZZ_PROGRAMS)]
    return out


def _program(fn, args, wrt, tmp_path):
    if fn is not None:
        return fn, args, wrt
    module = load(generate(FUZZ_SEED, wrt).text, str(tmp_path))
    args = tuple(module.ARGS)
    return module.f, args, wrt_of(args)


def _same(a, b):
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if a is None or b is None:
        return a is b
    if not isinstance(a, (int, float, complex, np.ndarray, np.generic)):
        return type(a) is type(b) and _same(vars(a), vars(b)) if hasattr(a, "__dict__") \
            else a == b
    return np.allclose(a, b, rtol=1e-12, atol=1e-300, equal_nan=True) and \
        np.shape(a) == np.shape(b)


def _outcome(make, args):
    """The derivative's value, or the TangentlikeError it raised (by class name)."""
    given = copy.deepcopy(args)
    try:
        value = make()
    except tl.TangentlikeError as error:
        return ("error", type(error).__name__)
    except (ArithmeticError, ValueError, TypeError, IndexError) as error:
        return ("raised", type(error).__name__)
    assert _same(list(given), list(args)), "the arguments changed"
    return ("value", value)


def _tangents(args):
    rng = np.random.default_rng(7)
    out = []
    for a in args:
        if isinstance(a, np.ndarray):
            out.append(rng.uniform(-1, 1, a.shape))
        elif isinstance(a, float):
            out.append(float(rng.uniform(-1, 1)))
        else:
            out.append(copy.deepcopy(a) if not isinstance(a, (int, bool)) else 0.0)
    return tuple(out)


def _compare(reference, variant, what):
    if reference[0] == "error":
        return
    assert variant[0] == reference[0], f"{what}: {variant[1]} where every pass gave " \
        f"{reference[1] if reference[0] != 'value' else 'a value'}"
    if reference[0] == "value":
        assert _same(reference[1], variant[1]), f"{what}: {variant[1]!r} != {reference[1]!r}"


@pytest.mark.parametrize("fn, args, wrt", _corpus())
def test_each_optional_pass_can_be_turned_off(fn, args, wrt, tmp_path):
    fn, args, wrt = _program(fn, args, wrt, tmp_path)
    if not callable(fn):
        pytest.skip("not a function")
    every = set(OPTIONAL)
    reference = _outcome(lambda: tl.grad(fn, wrt=wrt)(*args), args)
    if reference[0] != "value":
        pytest.skip(f"rejected with every pass on: {reference[1]}")
    tangents = _tangents(args)
    forward = _outcome(lambda: tl.jvp(fn, args, tangents), args) \
        if all(not isinstance(a, (list, dict)) for a in args) else ("error", "skipped")
    for name in OPTIONAL:
        passes = every - {name}
        _compare(reference, _outcome(lambda: tl.grad(fn, wrt=wrt, optimize=passes)(*args),
                                     args), f"grad without {name}")
        _compare(forward, _outcome(lambda: tl.jvp(fn, args, tangents, optimize=passes),
                                   args), f"jvp without {name}")
    none = _outcome(lambda: tl.grad(fn, wrt=wrt, optimize=False)(*args), args)
    _compare(reference, none, "grad with every optional pass off")


def test_an_unknown_pass_name_is_a_clear_error():
    def f(x):
        return math.sin(x)
    with pytest.raises(tl.TangentlikeError, match="no optional pass is named 'fold'"):
        tl.grad(f, optimize={"fold"})
    with pytest.raises(tl.TangentlikeError, match="pass True, False, 'numba' or a collection"):
        tl.grad(f, optimize="simplify")


# each optional pass and the module of tangentlike/passes/ that holds its contract
CONTRACTS = {"simplify": "simplify", "in-place": "in_place", "gradient-only": "gradient_only",
             "elementwise-sweep": "elementwise_sweep", "named-parts": "named_parts",
             "release-arrays": "release_arrays", "blocks": "elementwise_sweep",
             "recursion-loops": "recursion_loops", "scale-in-place": "scale_in_place",
             "tape-tuples": "tape_tuples", "recompute": "recompute"}


def test_every_optional_pass_has_a_contract():
    """A pass ships with a module in tangentlike/passes/ whose docstring says what it
    requires, what it rewrites, and why that preserves the result."""
    assert set(CONTRACTS) == set(OPTIONAL), "map each optional pass to its module here"
    for name, module in CONTRACTS.items():
        doc = importlib.import_module(f"tangentlike.passes.{module}").__doc__ or ""
        missing = [w for w in ("Requires", "Rewrites", "Preserves") if w not in doc]
        assert not missing, f"{name}: passes/{module}.py's docstring lacks {missing}"
        assert f'"{name}"' in doc, f"passes/{module}.py's docstring does not name {name!r}"


def _mixed_precision_sum(x, y):
    s = 0.0
    for _ in range(3):
        s = s + np.sum(x * y) + np.sum(x * x)
    return s


def test_in_place_sums_agree_to_the_precision_of_mixed_dtypes():
    """`b += e` keeps b's dtype where `b + e` widens it (passes/in_place.py): a float32
    parameter's adjoint may be summed in float32.  The gradient has the parameter's
    dtype either way, and agrees to that dtype's precision."""
    x = np.array([0.1, 0.7, 1.3], dtype=np.float32)
    y = np.array([1 / 3, 2 / 7, 0.123456789123])
    every = tl.grad(_mixed_precision_sum)(x, y)
    without = tl.grad(_mixed_precision_sum, optimize=set(OPTIONAL) - {"in-place"})(x, y)
    assert every.dtype == without.dtype == np.float32
    np.testing.assert_allclose(every, without, rtol=4 * np.finfo(np.float32).eps)
