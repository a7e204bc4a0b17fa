"""The program fuzzer (tests/fuzz): its parts, and a fixed budget of programs.

The budget runs programs 0 .. BUDGET-1 of seed BUDGET_SEED through every check and
requires no crash and no wrong gradient (clean `TangentlikeError`s are allowed);
it takes about a minute on two cores.  Longer campaigns: `python -m tests.fuzz
--programs 2000 --seed 1 --jobs 4` (see docs/testing.md).
"""

import ast

import numpy as np
import pytest

import tangentlike as tl
from fuzz import generate as gen
from fuzz import judge as jd
from fuzz import minimize as mn
from fuzz.__main__ import main, run

BUDGET = 150
BUDGET_SEED = 20240

# Constructs docs/supported.md lists as supported, as the generator's feature tags.
REQUIRED_FEATURES = {
    "if", "elif", "for_range", "for_items", "for_rows", "while", "while_true", "break",
    "continue", "continue_only_body", "return", "break_then_augassign", "swap", "chained",
    "tuple_assign", "annassign", "augassign", "assert", "raise", "pass", "fstring",
    "helper", "helper_call", "helper_default", "helper_array", "recursion",
    "recursion_with_state", "object_state",
    "helper_takes_function", "lambda", "lambda_argument", "nested_def", "local_call",
    "keyword_only", "positional_default", "positional_only", "default_in_body",
    "compare_in", "compare_is", "floordiv", "shape_attribute", "tuple_item",
    "array_expr", "array_reduction", "numpy_table", "item_write", "slice_write",
    "array_augassign", "view_write", "alias_write", "reshape_alias_write", "param_write",
    "loop_item_write", "matrix_write", "mask_write", "double_mask_write", "masked_read",
    "outer_mask", "list_read", "list_append", "list_write", "dict_read", "dict_write",
    "call_into_item", "one_reduction", "recompute_hazard", "helper_pair", "unpack_call",
    "loop_over_call", "builtin_over_call",
}

CORRECT = """\
import numpy as np
import math


def f(x, y):
    t = x * 2.0
    for i in range(3):
        y = math.sin(y) * 0.5 + np.sum(t) * 0.1
    return y + np.sum(np.tanh(t))


ARGS = (np.array([0.1, -0.2, 0.3]), 0.4)
"""


# ------------------------------------------------------------------ generator

def test_generator_is_deterministic():
    for index in range(20):
        assert gen.generate(5, index) == gen.generate(5, index)
    texts = {gen.generate(5, index).text for index in range(20)}
    assert len(texts) == 20


def test_generated_programs_parse_and_end_with_their_arguments():
    for index in range(50):
        program = gen.generate(11, index)
        tree = ast.parse(program.text)
        assert [n.name for n in tree.body if isinstance(n, ast.FunctionDef)][-1] == "f"
        assert isinstance(tree.body[-1], ast.Assign) and tree.body[-1].targets[0].id == "ARGS"


def test_redraw_changes_only_the_arguments():
    program = gen.generate(3, 7)
    other = gen.redraw(program, 1)
    assert gen.redraw(program, 0) == program
    assert other.text.split("\nARGS = ")[0] == program.text.split("\nARGS = ")[0]
    assert other.text != program.text


def test_generator_covers_every_supported_construct():
    seen = set()
    for index in range(600):
        seen |= gen.generate(1, index).features
    assert REQUIRED_FEATURES <= seen, sorted(REQUIRED_FEATURES - seen)


# ---------------------------------------------------------------------- judge

def test_a_correct_program_is_correct():
    verdict = jd.judge_text(CORRECT)
    assert verdict.outcome == "correct", verdict


def test_a_wrong_gradient_is_wrong(monkeypatch):
    real = tl.grad

    def off_by_one(f, wrt=0, **options):
        inner = real(f, wrt=wrt, **options)
        return lambda *args: tuple(g + 1.0 for g in inner(*args))
    monkeypatch.setattr(tl, "grad", off_by_one)
    verdict = jd.judge_text(CORRECT)
    assert (verdict.outcome, verdict.signature) == (
        "wrong", "wrong: grad vs central differences"), verdict


def test_writing_into_the_arguments_is_wrong(monkeypatch):
    real = tl.grad

    def scribbling(f, wrt=0, **options):
        inner = real(f, wrt=wrt, **options)

        def gradient(*args):
            out = inner(*args)
            args[0][0] = 0.0
            return out
        return gradient
    monkeypatch.setattr(tl, "grad", scribbling)
    verdict = jd.judge_text(CORRECT)
    assert verdict.signature == "wrong: grad modified its arguments", verdict


@pytest.mark.parametrize("exception, outcome", [
    (tl.NoDerivativeError("np.foo"), "error"),
    (ValueError("operands could not be broadcast together"), "crash"),
    (IndentationError("expected an indented block"), "crash"),
])
def test_exceptions_are_clean_errors_or_crashes(monkeypatch, exception, outcome):
    def failing(f, wrt=0, **options):
        def gradient(*args):
            raise exception
        return gradient
    monkeypatch.setattr(tl, "grad", failing)
    verdict = jd.judge_text(CORRECT)
    assert verdict.outcome == outcome, verdict
    assert verdict.signature.startswith(f"{outcome}: ")


def test_a_kink_or_a_failing_primal_is_skipped():
    kink = CORRECT.replace("return y + np.sum(np.tanh(t))", "return abs(y - y) + np.max(x)")
    kink = kink.replace("ARGS = (np.array([0.1, -0.2, 0.3]), 0.4)",
                        "ARGS = (np.array([0.3, -0.2, 0.3]), 0.4)")
    assert jd.judge_text(kink).outcome == "skipped"
    failing = CORRECT.replace("t = x * 2.0", "t = x * 2.0\n    t[7] = 1.0")
    assert jd.judge_text(failing).outcome == "skipped"


def test_an_overflow_only_float32_has_is_not_compared():
    # x[1] grows past float32's range before it is overwritten: in float32 the gradient
    # is 0 * inf = nan, in float64 it is exact (found by a campaign as a 'wrong')
    text = """import numpy as np


def f(x, n):
    for j in range(n):
        x[1] = np.dot(np.square(x), x)
    x[1] = 0.5
    return np.sum(x)


ARGS = (np.array([-0.2552, 1.5, 0.167]), 6)
"""
    verdict = jd.judge_text(text)
    assert verdict.outcome == "correct", verdict
    assert "float32 n/a" in verdict.detail


def test_a_point_singular_in_floating_point_is_skipped():
    # every y ends equal, so np.std(y + s) is rounding error and so is its slope (both
    # differences give 0, any AD an O(1) number): found by a campaign as a 'wrong'
    text = """import numpy as np


def f(x, y):
    y[x > -0.3] = 1.7
    s = np.sum(x[y > 0.3])
    y[y > 0.5] = 0.21
    return np.std(y + s)


ARGS = (np.array([0.502, 0.0606, 0.8523]), np.array([-0.5051, -0.5189, -0.3565]))
"""
    verdict = jd.judge_text(text)
    assert verdict.outcome == "skipped" and "ill-conditioned" in verdict.detail, verdict


def test_a_hang_is_a_crash(monkeypatch):
    def hanging(f, wrt=0, **options):
        def gradient(*args):
            while True:
                pass
        return gradient
    monkeypatch.setattr(tl, "grad", hanging)
    verdict = jd.judge_text(CORRECT, time_limit_s=2)
    assert verdict.signature == "crash: grad: timeout", verdict


def test_signatures_ignore_paths_and_numbers():
    a = jd.normalized("/tmp/x/tl_0123abcdef99.py:12: cannot assign 3 values to 2")
    b = jd.normalized("/var/y/tl_fedcba987654.py:40: cannot assign 5 values to 4")
    assert a == b
    c = jd.normalized("f.py:3:4: a write through `u1` into memory that `x` shares")
    d = jd.normalized("f.py:9:2: a write through `t12` into memory that `y` shares")
    assert c == d


# ------------------------------------------------------------------- minimizer

def test_minimizer_keeps_the_signature_and_shrinks():
    def fake_judge(text):
        wrong = "np.tanh" in text
        return jd.Verdict("wrong" if wrong else "correct", "wrong: fake" if wrong else "")
    small = mn.minimize(CORRECT, "wrong: fake", judge_fn=fake_judge, budget_s=30)
    assert "np.tanh" in small and "for i" not in small and "math.sin" not in small
    assert "ARGS = " in small and len(small) < len(CORRECT)


# ------------------------------------------------------------------ campaign

def test_campaign_command_prints_the_counts_line(tmp_path, capsys):
    status = main(["--programs", "3", "--seed", "4", "--out", str(tmp_path),
                   "--minimize-budget", "0"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("fuzz: 3 programs: ") and last.endswith(" wrong")
    assert (tmp_path / "summary.txt").read_text().splitlines()[0] == last
    assert status in (0, 1)


def test_fuzz_budget():
    campaign = run(BUDGET, BUDGET_SEED, report=lambda line: None)
    failures = [f"{r.name}: {r.signature}" for r in campaign.results
                if r.outcome in ("crash", "wrong")]
    assert not failures, campaign.line() + "\n" + "\n".join(failures)


def test_flatten_and_rebuild_are_inverse():
    args = (np.arange(6.0).reshape(2, 3), 1.5, [0.25, 0.5], {"a": 2.0})
    for arg in args:
        rebuilt, rest = jd.rebuild(arg, jd.flatten(arg))
        assert jd.same_values(rebuilt, arg) and rest.size == 0
