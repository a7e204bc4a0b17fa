"""The `tangentlike` command line, run in-process through `main(argv) -> int`.

The functions it differentiates are in tests/cli_examples/demo.py (which imports its
sibling demo_helpers.py).  Every test has its own TANGENTLIKE_CACHE_DIR (the autouse
`tl_cache_dir` fixture in conftest.py).
"""

import io
import json
import math
import os
import pathlib
import re
import shlex
import subprocess
import sys

import numpy as np
import pytest

import tangentlike
from tangentlike import cli
from tangentlike.cli import main

REPO = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = pathlib.Path(__file__).resolve().parent / "cli_examples"
DEMO = str(EXAMPLES / "demo.py")


def run(capsys, *argv):
    """(exit status, stdout, stderr) of `tangentlike *argv`; never a traceback."""
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


def target(name):
    return f"{DEMO}:{name}"


# -- show ------------------------------------------------------------------------------


def test_show_prints_the_generated_source_assuming_floats(capsys):
    status, out, err = run(capsys, "show", target("f"))
    assert (status, err) == (0, "")
    assert out.startswith('"""Derivative of f (')
    assert "with respect to a, b, reverse mode" in out
    assert "for a: Python number, b: Python number" in out
    assert "def value_and_grad_f(a, b, bd=1.0):" in out
    assert "# backward sweep" in out and "# grad of: d = math.log(c)" in out
    assert "\x1b[" not in out                      # capsys is not a terminal: plain text


def test_show_wrt_and_at_specialize_the_code(capsys):
    status, out, _ = run(capsys, "show", target("loss"), "--wrt", "w",
                         "--at", "w=[0.1, 0.2]", "x=[[1, 2], [3, 4]]")
    assert status == 0
    assert "with respect to w, reverse mode" in out
    assert "for w: 1-D array, x: 2-D array" in out
    # an int given with --at is a loop count, not differentiated by default
    status, out, _ = run(capsys, "show", target("power_sum"), "--at", "n=3")
    assert status == 0 and "with respect to x, reverse mode" in out


def test_show_matches_the_api(capsys):
    status, out, _ = run(capsys, "show", target("power_sum"), "--at", "x=0.5", "n=4")
    namespace = {}
    sys.path.insert(0, str(EXAMPLES))
    try:
        exec(compile(pathlib.Path(DEMO).read_text(), DEMO, "exec"), namespace)
    finally:
        sys.path.remove(str(EXAMPLES))
        sys.modules.pop("demo_helpers", None)
    expected = tangentlike.source(namespace["power_sum"], wrt=("x",), args=(0.5, 4))
    assert status == 0
    assert out.rstrip("\n") == expected.rstrip("\n") and out.endswith("\n")


def test_show_calls_into_a_sibling_module_and_cleans_up(capsys):
    status, out, _ = run(capsys, "show", target("outer"))
    assert status == 0 and "backward_square" in out
    assert "demo" not in sys.modules and "demo_helpers" not in sys.modules
    assert str(EXAMPLES) not in sys.path


def test_show_is_highlighted_on_a_terminal_when_pygments_is_installed(monkeypatch):
    try:
        import pygments  # noqa: F401
        highlighted = True
    except ImportError:                    # the optional extra is missing: plain text
        highlighted = False
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["show", target("f")]) == 0
    assert ("\x1b[" in terminal.getvalue()) == highlighted
    assert "value_and_grad_f" in terminal.getvalue()


@pytest.mark.parametrize("why", ["NO_COLOR", "no pygments"])
def test_show_is_plain_on_a_terminal_without_color(capsys, monkeypatch, why):
    if why == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.setitem(sys.modules, "pygments", None)     # import pygments fails
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["show", target("f")]) == 0
    assert "\x1b[" not in terminal.getvalue()
    assert "def value_and_grad_f(a, b, bd=1.0):" in terminal.getvalue()


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_show_forward_mode_when_the_api_has_it(capsys):
    status, out, err = run(capsys, "show", target("f"), "--mode", "forward")
    if status == 0:
        assert "forward mode" in out
    else:                      # this version of tl.source has reverse mode only
        assert status == 2 and err.startswith("tangentlike: error: ") and "mode" in err


@pytest.mark.parametrize("flag, keyword, value", [("--no-optimize", "optimize", False),
                                                  ("--include-callees", "include_callees", True)])
def test_show_passes_new_options_through_when_the_api_accepts_them(
        capsys, monkeypatch, flag, keyword, value):
    seen = {}

    def source(f, mode="reverse", wrt=0, args=None, optimize=True, include_callees=False):
        seen.update(mode=mode, wrt=wrt, args=args, optimize=optimize,
                    include_callees=include_callees)
        return "def generated(): pass"

    monkeypatch.setattr(tangentlike, "source", source)
    status, out, _ = run(capsys, "show", target("f"), flag, "--mode", "forward")
    assert (status, out) == (0, "def generated(): pass\n")
    assert seen[keyword] == value and seen["mode"] == "forward"
    assert seen["wrt"] == ("a", "b") and seen["args"] == (1.0, 1.0)


@pytest.mark.parametrize("flag", ["--no-optimize", "--include-callees"])
def test_show_rejects_options_the_api_lacks(capsys, monkeypatch, flag):
    def source(f, mode="reverse", wrt=0, args=None):
        raise AssertionError("not called")

    monkeypatch.setattr(tangentlike, "source", source)
    status, out, err = run(capsys, "show", target("f"), flag)
    assert (status, out) == (2, "")
    assert err == f"tangentlike: error: {flag} is not supported by tangentlike " \
                  f"{tangentlike.__version__}\n"


@pytest.mark.parametrize("flag", ["--no-optimize", "--include-callees"])
def test_show_new_options_with_the_real_api(capsys, flag):
    status, out, err = run(capsys, "show", target("outer"), flag)
    if status == 0:
        assert "def value_and_grad_outer" in out
    else:
        assert status == 2 and "not supported" in err and len(err.splitlines()) == 1


# -- grad ------------------------------------------------------------------------------


def test_grad_prints_value_and_gradient(capsys):
    status, out, err = run(capsys, "grad", target("f"), "--at", "a=2.0", "b=3.0")
    assert (status, err) == (0, "")
    assert out == ("f(a=2.0, b=3.0) = 1.791759469228055\n"
                   "df/da = 0.5\n"
                   "df/db = 0.3333333333333333\n")


def test_grad_ints_are_loop_counts(capsys):
    status, out, _ = run(capsys, "grad", target("power_sum"), "--at", "x=0.3", "n=10")
    value = sum(math.sin(0.3 ** k) for k in range(1, 11))
    slope = sum(k * 0.3 ** (k - 1) * math.cos(0.3 ** k) for k in range(1, 11))
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("power_sum(x=0.3, n=10) = ")
    assert float(lines[0].split(" = ")[1]) == pytest.approx(value, rel=1e-12)
    assert lines[1].startswith("dpower_sum/dx = ")
    assert float(lines[1].split(" = ")[1]) == pytest.approx(slope, rel=1e-12)
    assert len(lines) == 2


def test_grad_arrays_from_lists_and_npy_files(capsys, tmp_path):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.save(tmp_path / "x.npy", x)
    status, out, _ = run(capsys, "grad", target("loss"), "--at", "w=[0.1, -0.2]",
                         f"x=@{tmp_path / 'x.npy'}", "--wrt", "w")
    assert status == 0
    t = np.tanh(x @ np.array([0.1, -0.2]))
    expected = x.T @ (2 * t * (1 - t ** 2))
    assert out.startswith("loss(w=<float64 array 2>, x=<float64 array 2x2>) = ")
    printed = out.splitlines()[1]
    assert printed.startswith("dloss/dw = [")
    assert np.allclose(np.array(printed.split("[")[1].rstrip("]").split(), float),
                       expected, rtol=1e-7)


def test_grad_with_a_sibling_import(capsys):
    assert run(capsys, "grad", target("outer"), "--at", "x=3.0") == \
        (0, "outer(x=3.0) = 12.0\ndouter/dx = 7.0\n", "")


def test_a_function_decorated_with_differentiate(capsys, monkeypatch):
    assert run(capsys, "grad", target("decorated"), "--at", "x=0.0", "y=2.0") == \
        (0, "decorated(x=0.0, y=2.0) = 1.0\nddecorated/dx = 3.0\nddecorated/dy = 0.0\n", "")
    status, out, _ = run(capsys, "show", target("decorated"), "--wrt", "y")
    assert status == 0 and "def value_and_grad_decorated(x, y, " in out
    monkeypatch.setattr(sys, "stdin", io.StringIO("c\n"))
    status, out, _ = run(capsys, "debug", target("decorated"), "--at", "x=0.0", "y=2.0")
    assert status == 0 and out.endswith("ddecorated/dx = 3.0\nddecorated/dy = 0.0\n")


# -- check -----------------------------------------------------------------------------


def test_check_agrees(capsys):
    status, out, _ = run(capsys, "check", target("f"), "--at", "a=2.0", "b=3.0")
    lines = out.splitlines()
    assert status == 0
    assert lines[0] == "f(a=2.0, b=3.0) = 1.791759469228055"
    assert lines[1].split() == ["input", "AD", "finite", "difference", "abs", "error",
                                "rel", "error"]
    assert lines[2].split()[0] == "a" and lines[2].split()[1] == "0.5"
    assert lines[2].endswith("ok") and lines[3].endswith("ok")
    assert float(lines[2].split()[2]) == pytest.approx(0.5, rel=1e-8)
    assert lines[-1].startswith("OK: the value and 2 partial derivatives agree")
    assert "1e-06 + 1e-05 * |FD|" in lines[-1]


def test_check_finds_a_mismatch(capsys):
    status, out, _ = run(capsys, "check", target("step"), "--at", "x=0.0")
    assert status == 1
    row = out.splitlines()[2].split()
    assert row[0] == "x" and row[1] == "1" and row[-1] == "MISMATCH"
    assert out.splitlines()[-1].startswith("MISMATCH: 1 of 1 partial derivatives differ")


def test_check_tolerances_are_options(capsys):
    assert run(capsys, "check", target("f"), "--at", "a=2.0", "b=3.0",
               "--rtol", "0", "--atol", "0")[0] == 1
    assert run(capsys, "check", target("step"), "--at", "x=0.0", "--atol", "1e9")[0] == 0


def test_check_truncates_long_arrays_but_checks_every_element(capsys):
    w = [[0.1 * (i + 6 * j) for i in range(6)] for j in range(5)]
    status, out, _ = run(capsys, "check", target("wave"), "--at", f"w={w}")
    lines = out.splitlines()
    element_rows = [line for line in lines if line.startswith("w[")]
    assert status == 0
    assert len(element_rows) == 8
    assert [row.split("  ")[0] for row in element_rows[:3]] == ["w[0, 0]", "w[0, 1]", "w[0, 2]"]
    assert "  ..." in lines
    assert "  (w: 8 of 30 elements shown: the first 3, then the 5 with the largest errors)" \
        in lines
    assert lines[-1].startswith("OK: the value and 30 partial derivatives agree")


def test_check_shows_the_worst_elements(capsys, monkeypatch):
    w = np.linspace(0.1, 2.0, 20)

    def wrong(call, name, x, step, elements, tick):   # finite differences off at element 13
        fd = np.sin(x) + x * np.cos(x)
        fd[13] += 1.0
        return fd[elements]

    monkeypatch.setattr(cli, "_central_differences", wrong)
    status, out, _ = run(capsys, "check", target("wave"), "--at", f"w={w.tolist()}")
    assert status == 1
    bad = [line for line in out.splitlines() if line.endswith("MISMATCH")]
    assert len(bad) == 1 and bad[0].startswith("w[13]")
    assert out.splitlines()[-1].startswith("MISMATCH: 1 of 20 partial derivatives differ")


def test_check_compares_the_value_too(capsys, monkeypatch):
    def value_and_grad(f, wrt=0):               # a derivative whose value is off
        return lambda *args: (f(*args) + 1.0, (0.5, 1 / 3))

    monkeypatch.setattr(tangentlike, "value_and_grad", value_and_grad)
    status, out, _ = run(capsys, "check", target("f"), "--at", "a=2.0", "b=3.0")
    assert status == 1
    assert out.splitlines()[-1] == ("MISMATCH: the derivative code computes the value "
                                    "2.791759469228055, the function itself 1.791759469228055")
    assert [line.endswith("ok") for line in out.splitlines()[2:4]] == [True, True]


# -- debug -----------------------------------------------------------------------------


def test_debug_steps_through_the_generated_code(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\nn\np x, n\nc\n"))
    status, out, err = run(capsys, "debug", target("power_sum"), "--at", "x=0.5", "n=3")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("value_and_grad_power_sum: the derivative of power_sum, in ")
    generated = lines[0].rsplit(" in ", 1)[1]
    assert pathlib.Path(generated).is_file()
    # stopped at the first line of the generated function, in the generated file
    text = pathlib.Path(generated).read_text().splitlines()
    first = text.index("def value_and_grad_power_sum(x, n, bs=1.0):") + 2   # 1-based, next line
    assert lines[2] == f"> {generated}({first})value_and_grad_power_sum()"
    assert lines[3] == f"-> {text[first - 1].strip()}"
    assert "(Pdb) (0.5, 3)" in lines                 # `p x, n` (prompts end no line)
    assert "(Pdb) value_and_grad_power_sum returned:" in lines
    assert lines[-1].startswith("dpower_sum/dx = ")


def test_debug_quit(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("q\n"))
    status, out, _ = run(capsys, "debug", target("f"), "--at", "a=2.0", "b=3.0")
    assert status == 0 and out.endswith("(Pdb) quit before the derivative returned\n")


def test_debug_step_into_a_callee(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\ns\nc\n"))
    status, out, _ = run(capsys, "debug", target("outer"), "--at", "x=3.0")
    assert status == 0
    assert "--Call--" in out and "forward_square" in out
    assert out.splitlines()[-1] == "douter/dx = 7.0"


# -- cache -----------------------------------------------------------------------------


def test_cache_info_and_clear(capsys, tl_cache_dir):
    assert run(capsys, "cache", "info") == \
        (0, f"directory: {tl_cache_dir}\nentries:   0\nsize:      0 bytes\n", "")
    assert run(capsys, "grad", target("f"), "--at", "a=2.0", "b=3.0")[0] == 0
    status, out, _ = run(capsys, "cache", "info")
    assert status == 0 and "entries:   1\n" in out
    assert run(capsys, "cache", "clear") == (0, f"removed 1 entry from {tl_cache_dir}\n", "")
    assert "entries:   0\n" in run(capsys, "cache", "info")[1]
    assert run(capsys, "cache", "clear")[1] == f"removed 0 entries from {tl_cache_dir}\n"


# -- errors: one line on stderr, exit status 2 ------------------------------------------


@pytest.fixture
def broken(tmp_path):
    """Files that fail to import, and an .npz and a text file for `@FILE`."""
    (tmp_path / "syntax.py").write_text("def f(x):\n    return x +\n")
    (tmp_path / "raises.py").write_text("def f(x):\n    return x\n\n1 / 0\n")
    (tmp_path / "exits.py").write_text("import sys\nsys.exit(3)\n")
    (tmp_path / "lonely.py").write_text("import no_such_sibling_module\n")
    (tmp_path / "notes.txt").write_text("not an array\n")
    np.savez(tmp_path / "two.npz", a=np.zeros(2), b=np.ones(2))
    return tmp_path


EVALUATING = ("grad", "check", "debug")
ERRORS = [
    # (arguments after the command, text the one-line message contains, commands)
    (["missing.py:f"], "missing.py: no such file", EVALUATING + ("show",)),
    (["demo.py"], "expected FILE.py:FUNC (e.g. model.py:loss), got 'demo.py'", EVALUATING),
    (["demo.py:nope"], "demo.py has no function 'nope' (it defines: decorated, doubled, f, ",
     EVALUATING),
    (["demo.py:CONSTANT"], "'CONSTANT' in demo.py is not a function (it is a float)",
     EVALUATING),
    (["{tmp}/syntax.py:f", "--at", "x=1.0"],
     "cannot import {tmp}/syntax.py: SyntaxError: invalid syntax ({tmp}/syntax.py:2)",
     EVALUATING + ("show",)),
    (["{tmp}/raises.py:f", "--at", "x=1.0"],
     "cannot import {tmp}/raises.py: ZeroDivisionError: division by zero ({tmp}/raises.py:4)",
     EVALUATING + ("show",)),
    (["{tmp}/exits.py:f"], "cannot import {tmp}/exits.py: SystemExit: 3", EVALUATING),
    (["{tmp}/lonely.py:f"],
     "ModuleNotFoundError: No module named 'no_such_sibling_module' ({tmp}/lonely.py:1)",
     EVALUATING),
    (["{tmp}/notes.txt:f"], "{tmp}/notes.txt: not a Python file", EVALUATING),
    (["demo.py:f", "--at", "a=abc", "b=1.0"], "--at a=abc: not a Python literal",
     EVALUATING + ("show",)),
    (["demo.py:f", "--at", "a=1.0+", "b=1.0"], "--at a=1.0+: not a Python literal",
     EVALUATING),
    (["demo.py:f", "--at", "a", "b=1.0"], "--at 'a': expected NAME=VALUE", EVALUATING),
    (["demo.py:f", "--at", "=1.0"], "--at '=1.0': expected NAME=VALUE", EVALUATING),
    (["demo.py:f", "--at", "a=[[1, 2], [3]]", "b=1.0"],
     "--at a=[[1, 2], [3]]: nested lists must have equal lengths", EVALUATING),
    (["demo.py:f", "--at", "a=[1, 'x']", "b=1.0"], "a list must hold only numbers",
     EVALUATING + ("show",)),
    (["demo.py:f", "--at", "a=[1, None]", "b=1.0"], "a list must hold only numbers",
     EVALUATING),
    (["demo.py:f", "--at", "a=1j", "b=1.0"], "--at a=1j: a complex is not accepted",
     EVALUATING),
    (["demo.py:f", "--at", "a={1: 2}", "b=1.0"], "a dict is not accepted", EVALUATING),
    (["demo.py:f", "--at", "a=1.0", "a=2.0", "b=1.0"], "--at: a is given twice", EVALUATING),
    (["demo.py:f", "--at", "a=1.0", "z=1.0"], "f has no parameter 'z' (its parameters: a, b)",
     EVALUATING + ("show",)),
    (["demo.py:f", "--at", "a=1.0", "b=1.0", "--wrt", "q"], "f has no parameter 'q'",
     EVALUATING + ("show",)),
    (["demo.py:power_sum", "--at", "x=0.3"], "missing a value for n: add n=... to --at",
     EVALUATING),
    (["demo.py:f"], "missing a value for a, b: add a=... b=... to --at", EVALUATING),
    (["demo.py:f", "--at", "a=@{tmp}/absent.npy", "b=1.0"],
     "--at a=@{tmp}/absent.npy: cannot load {tmp}/absent.npy: FileNotFoundError", EVALUATING),
    (["demo.py:f", "--at", "a=@{tmp}/two.npz", "b=1.0"],
     "{tmp}/two.npz holds several arrays", EVALUATING),
    (["demo.py:f", "--at", "a=@{tmp}/notes.txt", "b=1.0"], "cannot load {tmp}/notes.txt: ",
     EVALUATING),
    (["demo.py:power_sum", "--at", "x=True", "n=3"],
     "power_sum has no float or float-array argument to differentiate", EVALUATING),
    (["demo.py:total", "--at", "xs=[1.0, 2.0]"], "total takes *xs: the command line gives "
     "each --at value to a named parameter", EVALUATING + ("show",)),
    (["demo.py:total"], "write a wrapper with named parameters", EVALUATING + ("show",)),
    (["demo.py:f", "--at", "a=1.0", "b=1.0", "--step", "0"],
     "--step 0.0: the step must be a positive number", ("check",)),
    (["demo.py:f", "--at", "a=1.0", "b=1.0", "--sample", "0"],
     "--sample 0: expected a positive number of elements", ("check",)),
    (["demo.py:power_sum", "--at", "x=1.0", "n=3", "--wrt", "n"],
     "cannot differentiate power_sum with respect to 'n'", EVALUATING),
    (["demo.py:log_of", "--at", "x=-1.0"], "evaluating log_of raised ValueError: math domain "
                                            "error (", EVALUATING),
    (["demo.py:doubled", "--at", "w=[1.0, 2.0]"], "grad requires doubled to return a scalar",
     ("grad", "check")),
    (["demo.py:math.sin", "--at", "x=1.0"], "is not a Python function",
     EVALUATING + ("show",)),
]


@pytest.mark.parametrize("command, argv, message", [
    pytest.param(command, argv, message, id=f"{command} {' '.join(argv)}")
    for argv, message, commands in ERRORS for command in commands])
def test_errors_are_one_line_with_status_2(capsys, monkeypatch, broken, command, argv, message):
    monkeypatch.chdir(EXAMPLES)
    monkeypatch.setattr(sys, "stdin", io.StringIO("c\n"))
    status, out, err = run(capsys, command, *(a.replace("{tmp}", str(broken)) for a in argv))
    assert status == 2
    assert err.startswith("tangentlike: error: ") and err.endswith("\n")
    assert len(err.splitlines()) == 1, err
    assert message.replace("{tmp}", str(broken)) in err
    if command != "debug":
        assert out == ""


def test_show_errors(capsys):
    status, out, err = run(capsys, "show", target("f"), "--at", "a=[1, 'x']")
    assert (status, out) == (2, "") and "a list must hold only numbers" in err
    status, out, err = run(capsys, "show", target("f"), "--wrt", "z")
    assert (status, out) == (2, "") and "f has no parameter 'z'" in err


def test_transformation_errors_print_their_message(capsys):
    status, out, err = run(capsys, "show", target("guarded"))
    assert (status, out) == (2, "")
    assert err.startswith(f"tangentlike: error: {DEMO}:")
    assert "try/except is not supported" in err.splitlines()[0]


def test_the_function_may_come_after_at_and_wrt(capsys):
    expected = (0, "f(a=2.0, b=3.0) = 1.791759469228055\ndf/da = 0.5\n", "")
    assert run(capsys, "grad", "--at", "a=2.0", "b=3.0", "--wrt", "a", target("f")) == expected
    assert run(capsys, "grad", "--wrt", "a", "--at", "a=2.0", "b=3.0", target("f")) == expected
    status, out, err = run(capsys, "grad", "--at", "a=2.0")
    assert (status, out) == (2, "") and err == (
        "tangentlike: error: which function? e.g. tangentlike grad model.py:loss --at x=0.3\n")


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["show", target("f"),
                                                                 "--mode", "sideways"],
                                  ["check", target("f"), "--rtol", "tight"],
                                  ["cache", "burn"]])
def test_usage_errors(capsys, argv):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == "" and "usage: tangentlike" in err


def test_help_and_version(capsys):
    assert main(["--help"]) == 0
    assert "show" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"tangentlike {tangentlike.__version__}\n"


def test_failed_import_leaves_no_trace(capsys, broken):
    modules = set(sys.modules)
    run(capsys, "grad", f"{broken}/raises.py:f", "--at", "x=1.0")
    assert set(sys.modules) == modules and str(broken) not in sys.path


# -- python -m tangentlike -------------------------------------------------------------


def test_python_dash_m_runs_the_same_main(tl_cache_dir):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    env.pop("NO_COLOR", None)
    done = subprocess.run([sys.executable, "-m", "tangentlike", "show", target("f")],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    assert "def value_and_grad_f(a, b, bd=1.0):" in done.stdout
    assert "\x1b[" not in done.stdout                 # a pipe, not a terminal
    done = subprocess.run([sys.executable, "-m", "tangentlike", "grad", "missing.py:f"],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "tangentlike: error: missing.py: no such file\n"


# -- docs/cli.md -----------------------------------------------------------------------


def documented_sessions():
    """(command line, pdb input, documented output) of each `$ tangentlike` in docs/cli.md."""
    text = (REPO / "docs" / "cli.md").read_text()
    sessions = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            if command.startswith("tangentlike "):
                typed = "".join(line[len("(Pdb) "):] + "\n" for line in output.splitlines()
                                if line.startswith("(Pdb) "))
                sessions.append(pytest.param(command, typed, output, id=command[12:60]))
    return sessions


@pytest.mark.parametrize("command, typed, documented", documented_sessions())
def test_documented_sessions_still_run(capsys, monkeypatch, tmp_path, command, typed,
                                       documented):
    """Every command in docs/cli.md runs with the documented exit status and first line."""
    (tmp_path / "tests").symlink_to(REPO / "tests", target_is_directory=True)
    np.save(tmp_path / "w.npy", np.array([0.5, -0.25]))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
    status, out, err = run(capsys, *shlex.split(command)[1:])
    if "tangentlike: error: " in documented:
        assert status == 2, f"docs/cli.md is out of date: `{command}` now exits {status}"
        assert masked(err.splitlines()[0]) == masked(documented.splitlines()[0])
    else:
        expected = 1 if "\nMISMATCH: " in "\n" + documented else 0
        lines = documented.splitlines(keepends=True)
        notes = "".join(line for line in lines if line.startswith("tangentlike: note: "))
        documented = "".join(line for line in lines if not line.startswith("tangentlike: "))
        assert (status, err) == (expected, notes), \
            f"docs/cli.md is out of date: `{command}` now exits {status}: {err}"
        if command.split()[1] in ("grad", "check"):
            assert out.splitlines()[0] == documented.splitlines()[0]


def masked(line):
    """`line` with the repository's path as `<repo>` and generated file names masked."""
    line = line.replace(str(REPO), "<repo>")
    return re.sub(r"\S*tl_[0-9a-f]{24}\.py", "<generated file>", line)


# -- the default selection: float parameters; ints given for them become floats ----------


def test_show_without_at_leaves_loop_counts_alone(capsys):
    status, out, err = run(capsys, "show", target("power_sum"))
    assert (status, err) == (0, "")
    assert "with respect to x, reverse mode" in out and "return s, bx" in out


def test_an_int_for_a_float_parameter_becomes_a_float_with_a_note(capsys):
    status, out, err = run(capsys, "grad", target("f"), "--at", "a=2", "b=3.0")
    assert status == 0
    assert out == ("f(a=2.0, b=3.0) = 1.791759469228055\n"
                   "df/da = 0.5\n"
                   "df/db = 0.3333333333333333\n")
    assert err == ("tangentlike: note: --at a=2 is passed as the float 2.0, as a is "
                   "differentiated (to pass the int, name the parameters to differentiate "
                   "with --wrt)\n")
    status, out, err = run(capsys, "grad", target("power_sum"), "--at", "x=1", "n=3")
    assert status == 0 and out.startswith("power_sum(x=1.0, n=3) = ")
    assert "--at x=1 is passed as the float 1.0" in err and "n=3" not in err
    # named with --wrt: converted too; left out: stays an int, no note
    status, out, err = run(capsys, "grad", target("f"), "--at", "a=2", "b=3", "--wrt", "b")
    assert status == 0 and out.splitlines() == ["f(a=2, b=3.0) = 1.791759469228055",
                                                 "df/db = 0.3333333333333333"]
    assert err == ("tangentlike: note: --at b=3 is passed as the float 3.0, as b is "
                   "differentiated (to pass the int, leave b out of --wrt)\n")


def test_ints_by_annotation_or_default_are_not_differentiated(capsys):
    status, out, err = run(capsys, "grad", target("scaled"), "--at", "x=2", "k=3")
    assert status == 0 and out.splitlines() == ["scaled(x=2.0, k=3, offset=2) = 8.0",
                                                 "dscaled/dx = 3.0"]
    assert err.count("note:") == 1 and "x=2" in err
    status, out, _ = run(capsys, "show", target("scaled"))
    assert status == 0 and "with respect to x, reverse mode" in out
    status, out, err = run(capsys, "grad", target("scaled"), "--at", "x=2.0", "k=3",
                           "--wrt", "offset")
    assert status == 0 and out.splitlines()[-1] == "dscaled/doffset = 1.0"
    assert "the default offset=2 is passed as the float 2.0" in err


# -- --json ------------------------------------------------------------------------------


def test_grad_json(capsys):
    status, out, err = run(capsys, "grad", target("loss"), "--json", "--at", "w=[0.5, -0.25]",
                           "x=[[1, 2], [3, 4], [5, 6]]")
    assert (status, err) == (0, "")
    record = json.loads(out)
    assert set(record) == {"function", "wrt", "value", "gradient"}
    assert record["function"] == "loss" and record["wrt"] == ["w", "x"]
    assert record["value"] == pytest.approx(0.7935779254200465, rel=1e-12)
    assert np.allclose(record["gradient"]["w"], [5.37908599, 6.74564798])
    assert np.shape(record["gradient"]["x"]) == (3, 2)
    status, out, _ = run(capsys, "grad", target("f"), "--at", "a=2.0", "b=3.0", "--json")
    assert json.loads(out) == {"function": "f", "wrt": ["a", "b"], "value": 1.791759469228055,
                               "gradient": {"a": 0.5, "b": 0.3333333333333333}}


def test_json_spells_non_finite_numbers_as_strings():
    assert cli._jsonable({"a": [math.nan, math.inf], "b": np.float64(-math.inf)}) == \
        {"a": ["nan", "inf"], "b": "-inf"}


def test_check_json(capsys):
    status, out, err = run(capsys, "check", target("wave"), "--json", "--at",
                           "w=[[0.1, 0.2], [0.3, 0.4]]")
    assert (status, err) == (0, "")
    record = json.loads(out)
    assert record["ok"] is True and record["value_ok"] is True
    assert (record["checked"], record["failed"], record["second_order"]) == (4, 0, None)
    assert record["elements"] == {"w": {"size": 4, "checked": 4}}
    assert [row["index"] for row in record["rows"]] == [[0, 0], [0, 1], [1, 0], [1, 1]]
    row = record["rows"][0]
    assert set(row) == {"input", "index", "ad", "fd", "abs_error", "rel_error", "ok"}
    assert row["ad"] == pytest.approx(math.sin(0.1) + 0.1 * math.cos(0.1), rel=1e-12)
    assert row["fd"] == pytest.approx(row["ad"], rel=1e-8) and row["ok"] is True
    status, out, _ = run(capsys, "check", target("step"), "--at", "x=0.0", "--json")
    record = json.loads(out)
    assert status == 1 and record["ok"] is False and record["failed"] == 1
    assert record["rows"] == [dict(record["rows"][0], input="x", index=None, ad=1.0,
                                   ok=False)]
    status, out, _ = run(capsys, "check", target("loss"), "--json", "--order", "2", "--at",
                         "w=[0.5, 0.2]", "x=[[1, 2], [3, 4], [5, 6]]", "--wrt", "w")
    assert status == 0 and json.loads(out)["second_order"] == {"ok": True, "message": None}


def test_show_json(capsys):
    status, out, err = run(capsys, "show", target("power_sum"), "--json")
    assert (status, err) == (0, "")
    record = json.loads(out)
    assert record["function"] == "power_sum" and record["wrt"] == ["x"]
    assert record["mode"] == "reverse"
    assert "def value_and_grad_power_sum(x, n, bs=1.0):" in record["source"]


@pytest.mark.parametrize("argv, message", [
    (["grad", target("nope"), "--json"], "has no function 'nope'"),
    (["check", target("log_of"), "--at", "x=-1.0", "--json"], "math domain error"),
    (["show", target("total"), "--json"], "total takes *xs"),
    (["check", target("f"), "--rtol", "tight", "--json"], "argument --rtol: invalid float"),
])
def test_json_errors(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2 and err.count("error: ") == 1
    record = json.loads(out)
    assert set(record) == {"error", "status"} and record["status"] == 2
    assert message in record["error"] and record["error"] in err


# -- check: --step, --sample, progress ---------------------------------------------------


def test_check_step_is_the_relative_finite_difference_step(capsys, monkeypatch):
    seen = []
    real = cli._central_differences

    def spy(call, name, x, step, elements, tick):
        seen.append(step)
        return real(call, name, x, step, elements, tick)

    monkeypatch.setattr(cli, "_central_differences", spy)
    status, out, _ = run(capsys, "check", target("f"), "--at", "a=2.0", "b=3.0",
                         "--step", "1e-4", "--json")
    assert status == 0 and seen == [1e-4, 1e-4] and json.loads(out)["step"] == 1e-4
    fd = json.loads(out)["rows"][0]["fd"]
    h = 1e-4 * 2.0                                   # h = step * max(1, |a|)
    assert fd == pytest.approx((math.log((2 + h) * 3) - math.log((2 - h) * 3)) / (2 * h),
                               rel=1e-9)
    # a huge step makes the finite difference wrong enough to fail
    assert run(capsys, "check", target("f"), "--at", "a=2.0", "b=3.0", "--step", "0.5")[0] == 1


def test_check_sample_checks_random_elements_reproducibly(capsys):
    w = np.linspace(0.1, 3.0, 200).tolist()
    argv = ["check", target("wave"), "--at", f"w={w}", "--sample", "12"]
    status, out, _ = run(capsys, *argv, "--json")
    record = json.loads(out)
    assert status == 0 and record["checked"] == 12 and record["sample"] == 12
    assert record["elements"] == {"w": {"size": 200, "checked": 12}}
    picked = [row["index"][0] for row in record["rows"]]
    assert picked == sorted(set(picked)) and len(picked) == 12
    assert [row["index"][0] for row in json.loads(run(capsys, *argv, "--json")[1])["rows"]] \
        == picked                                                   # same seed, same pick
    other = json.loads(run(capsys, *argv, "--seed", "7", "--json")[1])["rows"]
    assert [row["index"][0] for row in other] != picked
    status, out, _ = run(capsys, *argv)
    lines = out.splitlines()
    assert status == 0
    assert "  (w: 12 of 200 elements checked, chosen at random: --sample 12 --seed 0)" in lines
    assert lines[-1].startswith("OK: the value and 12 partial derivatives agree")
    # arrays no longer than N, and numbers, are checked whole
    status, out, _ = run(capsys, "check", target("f"), "--at", "a=2.0", "b=3.0",
                         "--sample", "1", "--json")
    assert status == 0 and json.loads(out)["checked"] == 2


def test_check_progress_only_on_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(cli, "PROGRESS_AFTER", 0.0)
    argv = ["check", target("wave"), "--at", f"w={np.linspace(0.1, 2, 20).tolist()}"]
    status, out, err = run(capsys, *argv)                 # capsys's stderr: not a terminal
    assert (status, err) == (0, "")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(argv) == 0
    shown = terminal.getvalue()
    assert "\rchecking: 1 of 20 finite differences" in shown
    assert "\rchecking: 20 of 20 finite differences" in shown
    assert shown.endswith("\r\x1b[K")                    # erased at the end
    assert "checking:" not in capsys.readouterr().out


def test_check_progress_is_off_in_a_pipe(tl_cache_dir):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(REPO)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    done = subprocess.run([sys.executable, "-c",
                           "import sys; from tangentlike import cli; cli.PROGRESS_AFTER = 0; "
                           "sys.exit(cli.main(sys.argv[1:]))", "check", target("wave"),
                           "--at", "w=[0.1, 0.2, 0.3]"],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")


# -- varargs -----------------------------------------------------------------------------


def test_varargs_get_the_real_reason(capsys):
    status, out, err = run(capsys, "grad", target("total"), "--at", "xs=[1.0, 2.0]")
    assert (status, out) == (2, "")
    assert err == ("tangentlike: error: total takes *xs: the command line gives each --at "
                   "value to a named parameter, so it cannot call a function through *xs "
                   "(its named parameters: none); write a wrapper with named parameters, "
                   "e.g. `def g(x0, x1): return total(x0, x1)`, and name that\n")
