"""Golden-text tests: the exact reverse-mode source generated for
tests/cases/golden_functions.py.

Each case's generated source is compared with `tests/golden/<name>.py`.  The absolute
path of the repository, which the generated docstring names, is written as `<repo>`.

When a change to the generated code is intended, regenerate the files, then read the
diff before committing it:

    TANGENTLIKE_REGEN_GOLDEN=1 python -m pytest tests/test_golden.py
    git diff tests/golden/

The golden functions' gradients are also checked against central differences, so the
pinned text is known to compute the right derivative.
"""

import os
import pathlib
import subprocess
import sys
from typing import Any, Callable, NamedTuple

import pytest

import golden_functions
import tangentlike as tl
from oracles import assert_grad_close, central_difference

GOLDEN_DIR = pathlib.Path(__file__).resolve().parent / "golden"
REGENERATE = os.environ.get("TANGENTLIKE_REGEN_GOLDEN") == "1"


class Golden(NamedTuple):
    name: str                   # the golden file is GOLDEN_DIR / f"{name}.py"
    fn: Callable
    wrt: Any
    args: tuple                 # the kinds the source is specialized for
    more_args: tuple = ()       # further points for the gradient check


CASES = [
    Golden("baydin", golden_functions.baydin, ("a", "b"), (2.0, 3.0),
           more_args=((-0.5, 1.5), (0.3, -2.0))),
    Golden("power_sum", golden_functions.power_sum, "x", (0.7, 5),
           more_args=((-1.3, 3), (0.9, 0), (1.1, 1))),
    Golden("newton_sqrt", golden_functions.newton_sqrt, "a", (2.0,),
           more_args=((0.25,), (10.0,), (12345.0,))),
]
IDS = [case.name for case in CASES]


def _repo_paths():
    """Spellings of the repository root that may appear in generated text."""
    tests = pathlib.Path(golden_functions.__file__).parent.parent       # (tests/cases/..)
    return sorted({str(tests.parent), str(tests.resolve().parent)}, key=len, reverse=True)


def normalize(text):
    """`text` with the machine-specific repository path written as `<repo>`."""
    for path in _repo_paths():
        text = text.replace(path + os.sep, "<repo>/")
    return text


def generated(case):
    return normalize(tl.source(case.fn, wrt=case.wrt, args=case.args))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_generated_source_matches_golden(case):
    text = generated(case)
    assert "<repo>/tests/cases/golden_functions.py:" in text, "the path normalization missed"
    golden = GOLDEN_DIR / f"{case.name}.py"
    if REGENERATE:
        GOLDEN_DIR.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8", newline="\n")
    if not golden.exists():
        pytest.fail(f"{golden} is missing; create it with "
                    f"TANGENTLIKE_REGEN_GOLDEN=1 python -m pytest tests/test_golden.py")
    expected = golden.read_text(encoding="utf-8")
    assert text == expected, (
        f"the generated source of {case.name} differs from {golden}; if the change is "
        f"intended, run TANGENTLIKE_REGEN_GOLDEN=1 python -m pytest tests/test_golden.py "
        f"and review `git diff tests/golden/`")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_golden_code_is_the_code_that_runs(case, tl_cache_dir):
    """The cache file that `grad` executes holds exactly the text `source` shows."""
    tl.grad(case.fn, wrt=case.wrt)(*case.args)
    entries = sorted(tl_cache_dir.glob("tl_*.py"))
    assert len(entries) == 1, entries
    body = entries[0].read_text(encoding="utf-8").split("\n", 1)[1]
    assert normalize(body) == generated(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_generated_source_is_deterministic_across_processes(case):
    """Same input, same text: in a fresh interpreter with another hash seed too."""
    tests = pathlib.Path(__file__).resolve().parent
    code = (f"import golden_functions as g, tangentlike as tl, sys; "
            f"sys.stdout.write(tl.source(g.{case.fn.__name__}, wrt={case.wrt!r}, "
            f"args={case.args!r}))")
    env = {**os.environ, "PYTHONHASHSEED": "12345",
           "PYTHONPATH": os.pathsep.join([str(tests / "cases"), str(tests), str(tests.parent)])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True)
    assert normalize(done.stdout) == generated(case) == generated(case)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_golden_functions_gradients(case):
    """The pinned code computes the derivative: checked against central differences."""
    grad = tl.grad(case.fn, wrt=case.wrt)
    for args in (case.args,) + case.more_args:
        expected = central_difference(case.fn, args, wrt=case.wrt)
        assert_grad_close(grad(*args), expected, rtol=1e-6, atol=1e-8)


def test_golden_gradients_in_closed_form():
    """Known derivatives, independent of finite-difference step sizes."""
    import math
    a, b = 2.0, 3.0
    assert tl.grad(golden_functions.baydin, wrt=("a", "b"))(a, b) == pytest.approx(
        (1 / a, 1 / b), rel=1e-12)
    a, b = -0.5, 1.5
    assert tl.grad(golden_functions.baydin, wrt=(0, 1))(a, b) == pytest.approx(
        (b * math.cos(a * b), a * math.cos(a * b)), rel=1e-12)
    x, n = 0.7, 5
    expected = sum(k * x ** (k - 1) * math.cos(x ** k) for k in range(1, n + 1))
    assert tl.grad(golden_functions.power_sum)(x, n) == pytest.approx(expected, rel=1e-12)
    for a in (0.25, 2.0, 10.0):
        assert tl.grad(golden_functions.newton_sqrt)(a) == pytest.approx(
            0.5 / math.sqrt(a), rel=1e-9)


def commented(x, label="#x"):
    y = x * len(label)     # the user's own remark
    return y * (x + 1.0)  # another one


def test_comments_quote_the_line_without_its_own_comment():
    """`# grad of:` and `# tangent of:` quote the user's statement, not the `# comment`
    at the end of its line (a `#` inside a string stays)."""
    reverse = tl.source(tl.grad(commented), args=(0.5,))
    forward = tl.source(commented, mode="forward", args=(0.5,))
    assert "# tangent of: y = x * len(label)  (line" in forward
    for text in (reverse, forward):
        assert "remark" not in text and "another one" not in text
    assert "# grad of: y = x * len(label)  (line" in reverse
    assert "# grad of: return y * (x + 1.0)  (line" in reverse
    assert tl.grad(commented)(0.5) == pytest.approx(2 * 2 * 0.5 + 2.0)
