"""Every script in examples/ runs to completion and prints what it promises.

Each example runs as `python examples/NAME.py` in a subprocess (from a scratch
working directory, with its own TANGENTLIKE_CACHE_DIR from the autouse fixture in
conftest.py); the table below says what its output must show.  A new example
without a table entry fails `test_every_example_is_tested`.
"""

import pathlib
import re
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"
TIMEOUT_S = 120


def numbers(text):
    """Every number in `text`, as floats."""
    return [float(x) for x in re.findall(r"-?\d+\.?\d*(?:[eE][-+]?\d+)?", text)]


def line_starting(out, prefix):
    lines = [line for line in out.splitlines() if line.startswith(prefix)]
    assert lines, f"no line starting with {prefix!r} in:\n{out}"
    return lines


def check_quickstart(out):
    assert "grad f(2, 3) = (0.5, 0.3333333333333333)" in out
    assert "def value_and_grad_f(" in out


def check_baydin(out):
    assert "gradient at (2, 3) = (0.5, 0.3333333333333333)" in out
    assert "# backward sweep" in out


def check_torch_autograd_loop(out):
    assert "loop(3, 2) = 81.0  d/da = 108.0" in out
    assert "recursive(3, 2) = 81.0  d/da = 108.0" in out
    assert "def value_and_grad_recursive(" in out


def check_logistic_map(out):
    n3 = line_starting(out, "n =  3:")[0]
    _, _, _, gradient, fd = numbers(n3)
    assert gradient == pytest.approx(1.309082, abs=1e-6)
    assert gradient == pytest.approx(fd, abs=1e-5)
    rows = [numbers(line) for line in out.splitlines() if re.match(r"\s*\d \|", line)]
    assert [row[0] for row in rows] == [1, 2, 3, 4]
    formula, symbolic, loop, unrolled = zip(*(row[1:] for row in rows))
    assert all(a < b for a, b in zip(symbolic, symbolic[1:]))     # the formula swells
    assert symbolic[-1] > 10 * unrolled[-1]
    assert len(set(loop)) == 1                                    # the loop's code does not grow


def check_matrix_power(out):
    assert "matches finite differences: True" in out


def check_mlp_sgd(out):
    first, last = numbers(line_starting(out, "first loss")[0])
    assert last < first / 2


def check_hmc(out):
    mean = numbers(line_starting(out, "sample mean")[0])
    std = numbers(line_starting(out, "sample std")[0])
    assert mean[:2] == pytest.approx([1.0, -2.0], abs=0.2)
    assert std[:2] == pytest.approx([1.0, 0.5], abs=0.15)


def check_hypergradient(out):
    lines = line_starting(out, "lr = ")
    assert len(lines) == 3
    for line in lines:
        *_, d_lr, fd = numbers(line)
        assert d_lr == pytest.approx(fd, rel=1e-5)
    assert "tuned lr" in out


def check_quadrature(out):
    d_rate = numbers(line_starting(out, "d/d rate")[0])[-1]
    under_the_sign = numbers(line_starting(out, "under the integral sign")[0])[-1]
    assert d_rate == pytest.approx(under_the_sign, rel=1e-9)
    d_b = numbers(line_starting(out, "d/d b")[0])[-1]
    integrand = numbers(line_starting(out, "integrand at b")[0])[-1]
    assert d_b == pytest.approx(integrand, rel=1e-3)     # Simpson's rule, 20 intervals
    assert "simpson_total" in out and "lambda" not in out.split("# backward sweep")[0] \
        .split("def value_and_grad_model")[1].replace("lambda_", "")


def check_black_scholes(out):
    assert "all match: True" in out
    delta = numbers(line_starting(out, "delta")[0])
    assert delta[0] == pytest.approx(delta[1])


CHECKS = {
    "quickstart": check_quickstart,
    "baydin": check_baydin,
    "torch_autograd_loop": check_torch_autograd_loop,
    "logistic_map": check_logistic_map,
    "matrix_power": check_matrix_power,
    "mlp_sgd": check_mlp_sgd,
    "hmc": check_hmc,
    "hypergradient": check_hypergradient,
    "quadrature": check_quadrature,
    "black_scholes": check_black_scholes,
}


def test_every_example_is_tested():
    assert sorted(p.stem for p in EXAMPLES.glob("*.py")) == sorted(CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_example(name, tmp_path):
    result = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=TIMEOUT_S)
    assert result.returncode == 0, f"{name}.py failed:\n{result.stdout}\n{result.stderr}"
    CHECKS[name](result.stdout)
