"""The compile+cache stage seen from the API: memoization, the disk cache across
processes, corrupt entries, and generated code that `inspect` and tracebacks can show.

Every test runs with its own empty TANGENTLIKE_CACHE_DIR and an empty in-memory memo
(the autouse `tl_cache_dir` fixture in conftest.py).  `cache.CACHE.transforms`
counts how often the pipeline actually ran.
"""

import inspect
import json
import math
import os
import pathlib
import subprocess
import sys
import textwrap
import traceback

import numpy as np
import pytest

import tangentlike as tl
from tangentlike import cache

REPO = pathlib.Path(__file__).resolve().parents[1]


def transforms():
    return cache.CACHE.transforms


def entries(directory):
    return sorted(pathlib.Path(directory).glob("tl_*.py"))


def generated_functions():
    """The compiled derivatives in the in-memory memo (a value may be one function or
    several, e.g. the forward and backward halves of a split derivative)."""
    found = []
    for value in cache.CACHE.generated.values():
        if hasattr(value, "functions"):
            value = value.functions()
        found.extend(value if isinstance(value, (tuple, list)) else [value])
    return [f for f in found if inspect.isfunction(f)]


# -- functions under test (module level, so tangentlike can read their source) --------

def sin_times(x):
    return x * math.sin(x)


def square_sum(x):
    return np.sum(x * x)


def exp_square(x):
    y = x * x
    return math.exp(y)


def fresh_decorated():
    """`@tl.differentiate` applied now: a module-level decorated function would keep
    its per-kind specializations from earlier tests, whatever the memo holds."""
    return tl.differentiate(exp_square)


def kinds_f(x):
    y = x * 3.0
    return np.sum(y * x)


def log_of(x):
    return math.log(x)


def sqrt_of(x):
    return math.sqrt(x)


def looped(x, n):
    s = 0.0
    for i in range(n):
        s = s + math.sin(x * s + x)
    return s


# -- the in-memory memo --------------------------------------------------------------------

def test_grad_twice_transforms_once():
    before = transforms()
    g = tl.grad(sin_times)
    assert g(0.5) == pytest.approx(math.sin(0.5) + 0.5 * math.cos(0.5))
    assert g(1.5) == pytest.approx(math.sin(1.5) + 1.5 * math.cos(1.5))
    assert transforms() == before + 1


def test_separate_grad_objects_share_the_memo(tl_cache_dir):
    before = transforms()
    tl.grad(sin_times)(0.5)
    assert transforms() == before + 1
    cache.clear()           # the disk cache cannot be what serves the next call
    assert entries(tl_cache_dir) == []
    assert tl.grad(sin_times)(0.5) == pytest.approx(math.sin(0.5) + 0.5 * math.cos(0.5))
    assert tl.value_and_grad(sin_times)(0.7)[0] == pytest.approx(0.7 * math.sin(0.7))
    assert transforms() == before + 1


def test_decorated_grad_twice_transforms_once():
    decorated = fresh_decorated()
    before = transforms()
    expected = 2 * 0.3 * math.exp(0.09)
    assert decorated.grad(0.3) == pytest.approx(expected)
    assert decorated.grad(0.3) == pytest.approx(expected)
    assert decorated.value_and_grad(0.3) == pytest.approx((math.exp(0.09), expected))
    assert tl.grad(decorated)(0.3) == pytest.approx(expected)  # same function, same memo
    assert transforms() == before + 1


def test_decorator_syntax_grad_twice_transforms_once():
    @tl.differentiate
    def h(x):
        y = math.sin(x)
        return y * y
    before = transforms()
    assert h.grad(0.3) == pytest.approx(math.sin(0.6))
    assert h.grad(0.3) == pytest.approx(math.sin(0.6))
    assert transforms() == before + 1


def test_new_argument_kind_transforms_again():
    before = transforms()
    g = tl.grad(kinds_f)
    assert g(2.0) == pytest.approx(12.0)
    assert transforms() == before + 1
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(g(np.array(2.0)), 12.0)          # a 0-d array is an array
    assert transforms() == before + 2
    gx = g(x)                          # a 1-D float array is a vector: its own code
    assert transforms() == before + 3
    assert isinstance(gx, np.ndarray) and gx.shape == x.shape
    np.testing.assert_allclose(gx, 6.0 * x)
    assert g(3.0) == pytest.approx(18.0)                     # floats again: memoized
    assert tl.grad(kinds_f)(np.array([4.0]))[0] == pytest.approx(24.0)
    np.testing.assert_allclose(g(np.ones((2, 2, 2))), 6.0)   # an array of 3-D: memoized
    assert transforms() == before + 3


def test_decorated_new_argument_kind_transforms_again():
    decorated = fresh_decorated()
    before = transforms()
    decorated.grad(0.1)
    decorated.grad(0.2)
    assert transforms() == before + 1
    g = decorated.grad(np.array(0.1))                   # a 0-d array
    assert isinstance(g, np.ndarray) and g.shape == ()
    assert float(g) == pytest.approx(0.2 * math.exp(0.01))
    assert transforms() == before + 2
    decorated.grad(np.array(0.3))
    assert decorated.grad(0.4) == pytest.approx(0.8 * math.exp(0.16))
    assert transforms() == before + 2


# -- the disk cache across processes ----------------------------------------------------

MODULE = textwrap.dedent("""\
    import math


    def f(x, n):
        s = 0.0
        for i in range(n):
            s = s + x * math.sin(s + x)
        return s
    """)

SCRIPT = textwrap.dedent("""\
    import json
    import tangentlike as tl
    from tangentlike import cache
    import tlmod_cached
    g = tl.grad(tlmod_cached.f)(0.4, 3)
    print(json.dumps({"transforms": cache.CACHE.transforms, "grad": g}))
    """)


def _expected_module_gradient(x=0.4, n=3, h=1e-6):
    def f(x):
        s = 0.0
        for _ in range(n):
            s = s + x * math.sin(s + x)
        return s
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.fixture
def run_script(tmp_path, tl_cache_dir):
    """Run SCRIPT in a fresh interpreter sharing this test's cache dir; return its JSON."""
    (tmp_path / "tlmod_cached.py").write_text(MODULE, encoding="utf-8")

    def run(hash_seed="0"):
        env = {**os.environ, "TANGENTLIKE_CACHE_DIR": str(tl_cache_dir),
               "PYTHONHASHSEED": hash_seed,
               "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
        done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=tmp_path,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
    return run


def test_second_process_reads_the_disk_cache(run_script, tl_cache_dir):
    first = run_script(hash_seed="1")
    assert first["transforms"] == 1
    assert len(entries(tl_cache_dir)) == 1
    second = run_script(hash_seed="2")      # keys must not depend on the hash seed
    assert second["transforms"] == 0
    assert second["grad"] == first["grad"]
    assert first["grad"] == pytest.approx(_expected_module_gradient(), rel=1e-6)
    assert len(entries(tl_cache_dir)) == 1


CALLER = textwrap.dedent("""\
    import tlmod_helper


    def f(x):
        return tlmod_helper.apply(lambda t: t * x, x)
    """)

HELPER = "def apply(fn, x):\n    return {}\n"

CALLER_SCRIPT = textwrap.dedent("""\
    import json
    import tangentlike as tl
    from tangentlike import cache
    import tlmod_caller
    g = tl.grad(tlmod_caller.f)(0.5)
    print(json.dumps({"transforms": cache.CACHE.transforms, "grad": g}))
    """)


def test_editing_a_helper_given_a_lambda_regenerates_the_caller(tmp_path, tl_cache_dir):
    """The helper is written out inside the caller's derivative, so its source is
    part of the caller's cache key."""
    (tmp_path / "tlmod_caller.py").write_text(CALLER, encoding="utf-8")
    env = {**os.environ, "TANGENTLIKE_CACHE_DIR": str(tl_cache_dir),
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}

    def run(helper_body):
        (tmp_path / "tlmod_helper.py").write_text(HELPER.format(helper_body), encoding="utf-8")
        done = subprocess.run([sys.executable, "-c", CALLER_SCRIPT], env=env, cwd=tmp_path,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    first = run("fn(x)")                       # x * x: 2x
    assert first == {"transforms": 1, "grad": pytest.approx(1.0)}
    assert run("fn(x)")["transforms"] == 0
    edited = run("fn(fn(x))")                  # x * x * x: 3x^2
    assert edited == {"transforms": 1, "grad": pytest.approx(0.75)}


CORRUPTIONS = {
    "truncated": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "garbage": lambda data: bytes(range(256)) * 3,
    "body edited": lambda data: data.replace(b"math.cos", b"math.sin"),
    "header only": lambda data: data.split(b"\n", 1)[0] + b"\n",
}


@pytest.mark.parametrize("damage", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_corrupt_entry_is_regenerated(run_script, tl_cache_dir, damage):
    first = run_script()
    assert first["transforms"] == 1
    files = entries(tl_cache_dir)
    assert files
    for path in files:
        data = path.read_bytes()
        damaged = damage(data)
        assert damaged != data
        path.write_bytes(damaged)
    again = run_script()
    assert again["transforms"] == 1
    assert again["grad"] == first["grad"]
    third = run_script()                    # the regenerated entry is good
    assert third["transforms"] == 0
    assert third["grad"] == first["grad"]


def test_corrupt_entry_in_the_same_process(tl_cache_dir):
    before = transforms()
    expected = tl.grad(sin_times)(0.5)
    for path in entries(tl_cache_dir):
        path.write_bytes(b"def value_and_grad_sin_times(x, bresult=1.0):\n    return 0.0, 0.0\n")
    cache.CACHE.invalidate()
    assert tl.grad(sin_times)(0.5) == expected
    assert transforms() == before + 2


# -- generated code as a real file -------------------------------------------------------

def test_getsource_of_generated_function(tl_cache_dir):
    tl.grad(looped)(0.3, 4)
    [fn] = [f for f in generated_functions() if f.__name__.startswith("value_and_grad_")]
    text = inspect.getsource(fn)
    assert text.startswith("def value_and_grad_looped(")
    assert "def value_and_grad_" in text
    assert "# backward sweep" in text
    assert "# grad of: s = s + math.sin(x * s + x)" in text
    assert pathlib.Path(inspect.getsourcefile(fn)).parent == tl_cache_dir
    # what inspect shows is what source() shows
    assert text in tl.source(looped, args=(0.3, 4))


def test_cache_file_is_readable_python(tl_cache_dir):
    tl.grad(looped)(0.3, 4)
    [path] = entries(tl_cache_dir)
    header, body = path.read_text(encoding="utf-8").split("\n", 1)
    assert header.startswith("# tangentlike generated code; key=")
    assert header.endswith("; do not edit")
    compile(body, str(path), "exec")
    assert "# grad of:" in body
    assert "# backward sweep" in body
    assert "def value_and_grad_looped(" in body
    assert body == tl.source(looped, args=(0.3, 4))


def _frames_in(directory, exc):
    """The traceback frames of `exc` whose file is in `directory`."""
    return [frame for frame in traceback.extract_tb(exc.__traceback__)
            if pathlib.Path(frame.filename).parent == directory]


def test_error_in_primal_sweep_shows_generated_line(tl_cache_dir):
    with pytest.raises(ValueError, match="math domain error") as info:
        tl.grad(log_of)(-1.0)
    frames = _frames_in(tl_cache_dir, info.value)
    assert frames, ("the raised exception's traceback does not go through the generated "
                    "code:\n" + "".join(traceback.format_exception(info.value)))
    assert frames[-1].name == "value_and_grad_log_of"
    assert frames[-1].line == "result = math.log(x)"
    assert frames[-1] == traceback.extract_tb(info.value.__traceback__)[-1]  # raised there


def test_error_in_primal_sweep_runs_user_code_once():
    """The primal sweep runs the user's statements; a failure must not run them again."""
    calls = []

    def counted_log(x):
        calls.append(x)
        return math.log(x)
    with pytest.raises(ValueError):
        tl.grad(counted_log)(-1.0)
    assert calls == [-1.0]


def test_error_in_backward_sweep_runs_user_code_once():
    """Explaining a failed backward sweep must not run the user's statements again."""
    calls = []

    def counted_sqrt(x):
        calls.append(x)
        return math.sqrt(x)
    with pytest.raises(ZeroDivisionError):
        tl.grad(counted_sqrt)(0.0)
    assert calls == [0.0]


def test_error_in_backward_sweep_shows_adjoint_line(tl_cache_dir):
    with pytest.raises(ZeroDivisionError) as info:
        tl.grad(sqrt_of)(0.0)
    frames = _frames_in(tl_cache_dir, info.value)
    assert frames, "".join(traceback.format_exception(info.value))
    frame = frames[-1]
    assert frame == traceback.extract_tb(info.value.__traceback__)[-1]
    assert frame.name == "value_and_grad_sqrt_of"
    lines = pathlib.Path(frame.filename).read_text(encoding="utf-8").splitlines()
    assert lines[frame.lineno - 1].strip() == frame.line
    assert frame.line.startswith("bx = ")
    assert "/" in frame.line and "0.5" in frame.line
    backward = lines.index("    # backward sweep") + 1
    assert frame.lineno > backward          # the adjoint, not the primal sqrt
    assert any(line.strip().startswith("# grad of: return math.sqrt(x)")
               for line in lines[backward:frame.lineno - 1])


def test_every_registration_invalidates_every_memo(tl_cache_dir):
    """A rule registered through the registry itself, not only through tl.register_*,
    forgets what was generated before (cache.CACHE is the one owner of the memos)."""
    from tangentlike.rules import registry

    def f(x):
        return math.sin(x) * x

    tl.grad(f)(0.5)
    assert cache.CACHE.generated and cache.CACHE.result_kinds is not None

    def never_called(x):
        return x

    registry.nondifferentiable(never_called)
    assert not cache.CACHE.generated
    assert tl.grad(f)(0.5) == pytest.approx(math.cos(0.5) * 0.5 + math.sin(0.5))


# -- the quick path: a new process runs cached code without the transformer -------------

QUICK_SCRIPT = textwrap.dedent("""\
    import json
    import sys
    import tangentlike as tl
    from tangentlike import cache
    import tlmod_cached
    {before}
    g = tl.grad(tlmod_cached.f)(0.4, 3)
    transformer = sorted(m for m in sys.modules if m in ("gast", "astor")
                         or m.startswith(("tangentlike.pipeline", "tangentlike.parse",
                                          "tangentlike.normalize", "tangentlike.rules.")))
    print(json.dumps({{"transforms": cache.CACHE.transforms, "grad": g,
                      "transformer": transformer}}))
    """)


@pytest.fixture
def run_quick(tmp_path, tl_cache_dir):
    """Write `module` as tlmod_cached.py, run QUICK_SCRIPT in a fresh interpreter sharing
    this test's cache dir, and return its JSON."""
    def run(module=MODULE, before="", extra_files=None):
        (tmp_path / "tlmod_cached.py").write_text(module, encoding="utf-8")
        for name_, text in (extra_files or {}).items():
            (tmp_path / name_).write_text(text, encoding="utf-8")
        env = {**os.environ, "TANGENTLIKE_CACHE_DIR": str(tl_cache_dir),
               "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
        done = subprocess.run([sys.executable, "-c", QUICK_SCRIPT.format(before=before)],
                              env=env, cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
    return run


def test_import_reads_no_rule_and_loads_no_transformer():
    code = ("import sys, tangentlike\n"
            "print(sorted(m for m in sys.modules if m in ('gast', 'astor') or m.startswith("
            "('tangentlike.pipeline', 'tangentlike.parse', 'tangentlike.rules.'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
    assert done.stdout.strip() == "['tangentlike.rules.registry', 'tangentlike.rules.templates']"


def test_a_second_process_runs_the_cached_gradient_without_the_transformer(run_quick):
    first = run_quick()
    assert first["transforms"] == 1 and "tangentlike.pipeline" in first["transformer"]
    second = run_quick()
    assert second == {"transforms": 0, "grad": first["grad"],
                      "transformer": ["tangentlike.rules.registry",
                                      "tangentlike.rules.templates"]}
    assert first["grad"] == pytest.approx(_expected_module_gradient(), rel=1e-6)


def test_editing_the_function_regenerates_its_gradient(run_quick):
    run_quick()
    edited = run_quick(MODULE.replace("x * math.sin(s + x)", "x * math.cos(s + x)"))
    assert edited["transforms"] == 1

    def f(x, n=3):
        s = 0.0
        for _ in range(n):
            s = s + x * math.cos(s + x)
        return s
    assert edited["grad"] == pytest.approx((f(0.4 + 1e-6) - f(0.4 - 1e-6)) / 2e-6, rel=1e-6)


def test_editing_elsewhere_in_the_file_reads_the_same_entry(run_quick):
    first = run_quick()
    moved = run_quick("# a comment that moves nothing\n" + MODULE + "\n\nUNUSED = 1\n")
    assert moved["grad"] == first["grad"]
    assert moved["transformer"] != []        # the index missed: the source was read ...
    assert moved["transforms"] == 0          # ... and it is the same: the same entry


HELPER_MODULE = "def h(x):\n    return {}\n"

CALLS_HELPER = textwrap.dedent("""\
    import tlmod_h


    def f(x, n):
        return tlmod_h.h(x) * n
    """)


def test_editing_a_helper_in_another_module_regenerates(run_quick):
    helper = {"tlmod_h.py": HELPER_MODULE.format("x * x")}
    assert run_quick(CALLS_HELPER, extra_files=helper)["grad"] == pytest.approx(0.8 * 3)
    assert run_quick(CALLS_HELPER, extra_files=helper)["transforms"] == 0
    cube = {"tlmod_h.py": HELPER_MODULE.format("x * x * x")}
    assert run_quick(CALLS_HELPER, extra_files=cube)["grad"] == pytest.approx(3 * 0.16 * 3)


def test_a_rule_registered_in_the_new_process_is_used(run_quick):
    helper = {"tlmod_h.py": HELPER_MODULE.format("x * x")}
    assert run_quick(CALLS_HELPER, extra_files=helper)["grad"] == pytest.approx(0.8 * 3)
    rule = ("import tangentlike as tl\nimport tlmod_h\n\n\n"
            "@tl.register_adjoint(tlmod_h.h)\n"
            "def h_adjoint(g, ans, x):\n"
            "    return g * 10.0\n")
    registered = run_quick(CALLS_HELPER, extra_files={**helper, "tlmod_rule.py": rule},
                           before="import tlmod_rule")
    assert registered["transforms"] >= 1 and registered["grad"] == pytest.approx(30.0)


CONFIGURED = textwrap.dedent("""\
    import os


    class Config:
        pass


    def square(t):
        return t * t


    def apply(g, x):
        return x * x


    cfg = Config()
    cfg.step = square if os.environ.get("TLMOD_SQUARE") else 2.0


    def f(x, n):
        return apply(cfg.step, x) * n
    """)


def test_an_attribute_that_becomes_a_function_in_a_new_process_is_seen(run_quick, monkeypatch):
    """The same file, an object's attribute a function in one process and a number in
    the other: the function is written out in the derivative (its source is in the
    entry's key), so the index must not hand the other process's entry over."""
    assert run_quick(CONFIGURED)["grad"] == pytest.approx(2 * 0.4 * 3)
    assert run_quick(CONFIGURED)["transforms"] == 0
    monkeypatch.setenv("TLMOD_SQUARE", "1")
    written_out = run_quick(CONFIGURED)             # apply is written out: made again
    assert written_out["transforms"] >= 1 and written_out["grad"] == pytest.approx(2.4)
    monkeypatch.delenv("TLMOD_SQUARE")
    assert run_quick(CONFIGURED) == {"transforms": 0, "grad": pytest.approx(2.4),
                                     "transformer": ["tangentlike.rules.registry",
                                                     "tangentlike.rules.templates"]}
