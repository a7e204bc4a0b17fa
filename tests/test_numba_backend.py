"""The Numba backend (`backend="numba"` / `"auto"`): compiled derivatives checked against
the Python backend and central differences, over the statement-form table, in both
modes, with the inputs checked unchanged; its errors, fallback, source and caches.

Runs where numba can be imported (the dev extra installs it, so CI runs it); the tests
of what happens without numba run everywhere.
"""

import copy
import importlib.util
import inspect
import json
import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import tangentlike as tl
from directions import random_like, wrt_positions, zero_like
from oracles import assert_grad_close, central_difference
from statement_forms import CASES
from tangentlike import NumbaCompileError, NumbaFallbackWarning, NumbaUnavailableError

needs_numba = pytest.mark.skipif(importlib.util.find_spec("numba") is None,
                                 reason="numba is not installed (pip install '.[numba]')")

SCALAR = [case for case in CASES if case.kind == "scalar"]

# The scalar statement forms Numba cannot compile today, so "auto" runs them in Python:
# list and dict arguments (Numba's "reflected" lists are deprecated), adjoints of lists,
# tuples and dicts (a zero that becomes a container), and math.log with a base.  A case
# leaving this list (it compiles now) or joining it (it stopped compiling) fails below:
# update the list and docs/numba.md together.
FALLS_BACK = {
    "break_and_continue", "builtin_min_max_list", "builtin_sum_len", "dict_arg",
    "dict_const_keys", "early_return_in_loop[0]", "early_return_in_loop[2]",
    "early_return_in_loop[end]", "for_break", "for_break_wrt_limit", "for_continue",
    "for_enumerate", "for_enumerate_zip", "for_over_list",
    "for_range_len", "for_zip", "horner_neg_step", "list_append", "list_comp",
    "list_comp_filter", "list_comp_range", "list_item_assign", "list_literal_index",
    "list_of_lists_arg", "list_prefix_sums", "math_log_base", "matvec_lists",
    "nested_break", "nested_list_comp", "nested_loops_triangular",
    "piecewise_linear[left]", "piecewise_linear[mid]", "piecewise_linear[right]",
    "piecewise_tax", "piecewise_tax_top", "softmax_cross_entropy", "sum_generator",
    "tuple_arg", "tuple_pack_unpack", "welford",
}


def _wrt(case):
    return 0 if case.wrt is None else case.wrt


def _fallbacks(caught):
    return [w for w in caught if issubclass(w.category, NumbaFallbackWarning)]


def _compiled(derivative, *args):
    """The Numba dispatcher a derivative made with backend="numba" runs for `args`."""
    compilation = derivative.generated(*args).compilation()
    return None if compilation is None else compilation.dispatcher


# ---------------------------------------------------------------- the table, both modes

@needs_numba
@pytest.mark.parametrize("case", SCALAR, ids=[case.name for case in SCALAR])
def test_reverse_mode_compiled_agrees_with_python_and_differences(case):
    args = copy.deepcopy(case.args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = tl.grad(case.fn, wrt=_wrt(case), backend="auto")(*args)
    assert bool(_fallbacks(caught)) == (case.name in FALLS_BACK), \
        [str(w.message) for w in _fallbacks(caught)]
    want = tl.grad(case.fn, wrt=_wrt(case))(*copy.deepcopy(case.args))
    assert_grad_close(got, want, rtol=1e-12, atol=1e-14)
    assert_grad_close(got, central_difference(case.fn, case.args, _wrt(case)),
                      rtol=1e-5, atol=1e-7)
    assert args == case.args                     # inputs unchanged (numbers, lists, dicts)


@needs_numba
@pytest.mark.parametrize("case", SCALAR, ids=[case.name for case in SCALAR])
def test_forward_mode_compiled_agrees_with_python(case):
    rng = np.random.default_rng(len(case.name))
    args = copy.deepcopy(case.args)
    tangents = [None] * len(args)
    for k in wrt_positions(case):
        tangents[k] = random_like(args[k], rng)
    for k, value in enumerate(args):
        if tangents[k] is None and not isinstance(value, (bool, int, str)):
            tangents[k] = zero_like(value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumbaFallbackWarning)
        value, tangent = tl.jvp(case.fn, args, tangents, backend="auto")
    want_value, want_tangent = tl.jvp(case.fn, copy.deepcopy(case.args), tangents)
    assert_grad_close(value, want_value, rtol=1e-12, atol=1e-14)
    assert_grad_close(tangent, want_tangent, rtol=1e-12, atol=1e-14)
    assert args == case.args


# ---------------------------------------------------------------- scalar loops compile

def logistic(v0, steps):
    v = v0
    for _ in range(steps):
        v = 3.6 * v * (1.0 - v)
    return v


def branchy(x, steps):
    y = x
    k = 0
    while k < steps:
        if y > 1.0:
            y = y * 0.5
        else:
            y = y * y + 0.7
        k += 1
    return y


@needs_numba
@pytest.mark.parametrize("fn", [logistic, branchy])
def test_every_entry_point_runs_compiled_code(fn):
    x, steps = 0.3, 20
    want = tl.value_and_grad(fn)(x, steps)
    g = tl.grad(fn, backend="numba")
    assert g(x, steps) == pytest.approx(want[1], rel=1e-9)
    assert _compiled(g, x, steps).signatures            # compiled, not fallen back
    value, gradient = tl.value_and_grad(fn, backend="numba")(x, steps)
    assert (value, gradient) == pytest.approx(want, rel=1e-9)
    out, pullback = tl.vjp(fn, x, steps, backend="numba")
    assert pullback(2.0)[0] == pytest.approx(2.0 * want[1], rel=1e-9)
    assert tl.jvp(fn, (x, steps), (1.0, 0), backend="numba") == pytest.approx(want, rel=1e-9)
    decorated = tl.differentiate(fn, backend="numba")
    assert decorated.grad(x, steps) == pytest.approx(want[1], rel=1e-9)
    assert decorated(x, steps) == fn(x, steps)
    assert tl.grad(fn, backend="numba")(x, steps) == pytest.approx(
        central_difference(fn, (x, steps), 0), rel=1e-6)


@needs_numba
def test_arrays_compile_where_the_helpers_do():
    def rosenbrock(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    x = np.linspace(-1.0, 1.5, 7)
    before = x.copy()
    g = tl.grad(rosenbrock, backend="numba")
    assert_grad_close(g(x), tl.grad(rosenbrock)(x), rtol=1e-13, atol=0)
    assert _compiled(g, x).signatures
    np.testing.assert_array_equal(x, before)


@needs_numba
def test_source_is_the_code_numba_compiles():
    g = tl.grad(logistic, backend="numba")
    g(0.3, 5)
    text = tl.source(logistic, args=(0.3, 5), backend="numba")
    compiled = _compiled(g, 0.3, 5).py_func
    assert inspect.getsource(compiled) in text
    assert "del " not in text          # release-arrays, a pass for CPython only, is off


def uses_global_number(x):
    return SCALE * x * x


SCALE = 0.5
TABLE = np.array([1.0, 2.0])


def uses_global_array(x):
    return np.sum(TABLE * x)


@needs_numba
def test_a_global_rebound_after_compiling_is_read_as_python_reads_it(monkeypatch):
    """Numba freezes globals when it compiles; the backend compiles again when one it
    froze is rebound (a wrong gradient otherwise), and refuses globals whose contents
    can change in place (arrays), which "auto" then runs in Python."""
    g = tl.grad(uses_global_number, backend="numba")
    assert g(1.0) == 1.0
    monkeypatch.setitem(globals(), "SCALE", 2.0)
    assert g(1.0) == 4.0
    with pytest.raises(NumbaCompileError, match=r"test_numba_backend.py:\d+: .*reads the global TABLE \(a numpy.ndarray\)"):
        tl.grad(uses_global_array, backend="numba")(np.ones(2))
    with pytest.warns(NumbaFallbackWarning):
        auto = tl.grad(uses_global_array, backend="auto")
        assert list(auto(np.ones(2))) == [1.0, 2.0]
    monkeypatch.setitem(globals(), "TABLE", np.array([5.0, 2.0]))
    TABLE[1] = 7.0
    assert list(auto(np.ones(2))) == [5.0, 7.0]


def _make_scale(k):
    def scale(n):
        return k * n
    return scale


def _make_lookup(table):
    def lookup(n):
        return table[n]
    return lookup


scale_by = _make_scale(3.0)
look_up = _make_lookup(np.array([1.0, 2.0, 4.0]))


def uses_an_enclosed_number(x, n):
    return x * x * scale_by(n)


def uses_an_enclosed_array(x, n):
    return x * x * look_up(n)


@needs_numba
def test_what_a_function_reads_from_an_enclosing_one_is_frozen_safely_or_refused():
    """A closure's cells are frozen by Numba as globals are: a number is guarded (a
    rebound cell compiles again), an array refused ("auto" reads it live in Python)."""
    g = tl.grad(uses_an_enclosed_number, backend="numba")
    assert g(1.0, 2) == 12.0
    scale_by.__closure__[0].cell_contents = 5.0
    try:
        assert g(1.0, 2) == 20.0 == tl.grad(uses_an_enclosed_number)(1.0, 2)
    finally:
        scale_by.__closure__[0].cell_contents = 3.0
    with pytest.raises(NumbaCompileError, match="reads from an enclosing function table"):
        tl.grad(uses_an_enclosed_array, backend="numba")(1.0, 2)
    with pytest.warns(NumbaFallbackWarning):
        auto = tl.grad(uses_an_enclosed_array, backend="auto")
        assert auto(1.0, 2) == 8.0
    table = look_up.__closure__[0].cell_contents
    table[2] = 10.0
    try:
        assert auto(1.0, 2) == 20.0
    finally:
        table[2] = 4.0


# ---------------------------------------------------------------- errors and fallback

def log_base_two(x):
    y = x * x
    return math.log(y, 2.0)


@needs_numba
def test_what_numba_cannot_compile_names_the_users_line():
    with pytest.raises(NumbaCompileError) as raised:
        tl.grad(log_base_two, backend="numba")(3.0)
    message = str(raised.value)
    line = inspect.getsourcelines(log_base_two)[1] + 2
    assert f"{__file__}:{line}: backend='numba' cannot compile" in message
    assert "log(float64, float64)" in message
    assert "backend='auto'" in message


@needs_numba
def test_auto_falls_back_to_python_once_with_a_warning():
    g = tl.grad(log_base_two, backend="auto")
    with pytest.warns(NumbaFallbackWarning, match="log_base_two"):
        first = g(3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert g(3.0) == first == tl.grad(log_base_two)(3.0)


def test_an_unknown_backend_is_refused():
    with pytest.raises(tl.TangentlikeError, match="backend must be one of"):
        tl.grad(logistic, backend="jax")


def test_without_numba_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)      # import numba fails
    with pytest.raises(NumbaUnavailableError, match=r"tangentlike\[numba\]"):
        tl.grad(logistic, backend="numba")
    with pytest.warns(NumbaFallbackWarning, match="numba cannot be imported"):
        assert tl.grad(logistic, backend="auto")(0.3, 5) == tl.grad(logistic)(0.3, 5)


def test_derivatives_of_derivatives_run_in_python():
    with pytest.raises(tl.TangentlikeError, match="first derivatives"):
        tl.grad(tl.grad(logistic), backend="numba")


# ---------------------------------------------------------------- Numba's disk cache

SCRIPT = """
import json, sys
sys.path.insert(0, {here!r})
import tangentlike as tl
from test_numba_backend import logistic, calls_user_helper
g = tl.grad(logistic, backend="numba")
value = g(0.3, 20)
stats = g.generated(0.3, 20).compilation().dispatcher.stats
h = tl.grad(calls_user_helper, backend="numba")
h(0.3, 2)
helper_cached = type(h.generated(0.3, 2).compilation().dispatcher._cache).__name__
print(json.dumps([value, stats.cache_hits and sum(stats.cache_hits.values()),
                  helper_cached]))
"""


def scale_of(n):
    return n * 2.0


def calls_user_helper(x, n):
    return x * x * scale_of(n)     # (n is an int: the call is not differentiated)


@needs_numba
def test_a_second_process_loads_the_compiled_derivative(tl_cache_dir):
    """Numba's cache is used where every compiled function is generated code (a file
    named by the hash of all it depends on); code calling a user's function is compiled
    in every process, since Numba's cache would not see that function change."""
    script = SCRIPT.format(here=os.path.dirname(__file__))
    environment = dict(os.environ, TANGENTLIKE_CACHE_DIR=str(tl_cache_dir))
    environment["PYTHONPATH"] = os.pathsep.join(
        [os.path.join(os.path.dirname(__file__), "cases"), environment.get("PYTHONPATH", "")])
    runs = [json.loads(subprocess.run([sys.executable, "-c", script], env=environment,
                                      capture_output=True, text=True, check=True,
                                      timeout=300).stdout) for _ in range(2)]
    assert runs[0][0] == runs[1][0]
    assert not runs[0][1] and runs[1][1]         # compiled, then loaded from the cache
    assert runs[1][2] == "NullCache"


# ---------------------------------------------------------------- code made for Numba

def drag(v):
    return 0.1 * v * abs(v)


def fall(angle):
    vx = 30.0 * math.cos(angle)
    for _ in range(20):
        if vx > 20.0:
            vx = vx - 0.01 * drag(vx)
        else:
            vx = vx - 0.005 * drag(vx)
    return vx


def test_code_for_numba_keeps_one_value_per_tape_entry():
    """Without the pass tape-tuples (code for Numba), a callee's saved values are one tape
    entry each, as they are in the callee of a callee: a Numba list has one entry type."""
    python = tl.source(fall, include_callees=True)
    numba = tl.source(fall, include_callees=True, backend="numba") if importlib.util.find_spec(
        "numba") else tl.source(fall, include_callees=True, optimize="numba")
    assert "_tape.append((_t1, v))" in python and "_t1, v = _tape.pop()" in python
    assert "_tape.append(_t1)\n    _tape.append(v)" in numba
    assert "v = _tape.pop()\n    _t1 = _tape.pop()" in numba
    assert "optimize='numba'" in numba and "optimize=" not in python
    want = tl.grad(fall)(0.6)
    assert tl.grad(fall, optimize="numba")(0.6) == pytest.approx(want, rel=1e-13)
    assert tl.grad(fall, optimize=False)(0.6) == pytest.approx(want, rel=1e-13)


def det_in_loop(x, y):
    s = 0.0
    for _ in range(3):
        t = x * 0.5
        s = s + np.linalg.det(np.outer(t, y) * 0.2 + np.eye(2))
    return s


def divides(x, d):
    return x / d


@needs_numba
def test_an_error_numba_raises_compiling_is_a_compile_error_and_one_the_code_raises_is_its():
    """Some of Numba's own overloads raise AttributeError, not a NumbaError, while they
    compile (np.linalg.det of a value that may be None, found by the fuzzer): that is a
    compile error too, and "auto" falls back; an exception the compiled code raises
    reaches the caller as it is."""
    x, y = np.array([0.3, 0.7]), np.array([0.2, -0.4])
    with pytest.raises(NumbaCompileError, match="cannot compile the derivative of det_in"):
        tl.grad(det_in_loop, backend="numba")(x, y)
    with pytest.warns(NumbaFallbackWarning):
        got = tl.grad(det_in_loop, backend="auto")(x, y)
    np.testing.assert_allclose(got, tl.grad(det_in_loop)(x, y), rtol=1e-13)
    with pytest.raises(ZeroDivisionError):
        tl.grad(divides, backend="numba")(1.0, 0.0)
