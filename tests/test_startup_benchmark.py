"""The start-up benchmark (benchmarks/startup.py) at its smallest size.

Its generated functions have the statement counts they claim, tangentlike's gradient of
each family's 10-statement function agrees with central differences, and the program
runs end to end and prints its tables.
"""

import importlib.util
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import tangentlike as tl
from benchmark_workloads import load_benchmark

ROOT = pathlib.Path(__file__).resolve().parent.parent
STARTUP_PY = ROOT / "benchmarks" / "startup.py"
STEP = 1e-5            # central differences: error about STEP**2, and 1e-16 / STEP
RTOL, ATOL = 1e-6, 1e-9


STARTUP = load_benchmark("startup.py", "benchmark_startup")


def import_generated(family, size, directory):
    """The generated function, imported from a module file in `directory`."""
    name = f"generated_{STARTUP.function_name(family, size)}"
    path = directory / f"{name}.py"
    path.write_text(STARTUP.module_source(family, size))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, STARTUP.function_name(family, size))


def central_differences(function, args):
    """The gradient of `function` with respect to every element of its two arguments."""
    flat = np.concatenate([np.ravel(np.asarray(arg, dtype=float)) for arg in args])

    def call(values):
        first, second = args
        if np.ndim(first):
            return function(values[:-1].reshape(np.shape(first)), float(values[-1]))
        return function(float(values[0]), float(values[1]))

    gradient = np.empty_like(flat)
    for index in range(flat.size):
        step = np.zeros_like(flat)
        step[index] = STEP
        gradient[index] = (call(flat + step) - call(flat - step)) / (2 * STEP)
    return gradient


@pytest.mark.parametrize("size", [10, 30, 100, 1000])
@pytest.mark.parametrize("family", STARTUP.FAMILIES)
def test_statement_count(family, size):
    source = STARTUP.module_source(family, size)
    assert STARTUP.count_statements(source) == size
    assert source == STARTUP.module_source(family, size)      # deterministic


@pytest.mark.parametrize("family", STARTUP.FAMILIES)
def test_gradient_matches_central_differences(family, tmp_path):
    function = import_generated(family, 10, tmp_path)
    args = STARTUP.arguments(family)
    gradient = tl.grad(function, wrt=(0, 1))(*args)
    flat = np.concatenate([np.ravel(part) for part in gradient])
    assert np.all(np.isfinite(flat))
    assert np.any(flat != 0.0)
    np.testing.assert_allclose(flat, central_differences(function, args),
                               rtol=RTOL, atol=ATOL)


def test_program_prints_its_tables():
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, str(STARTUP_PY), "--sizes", "10", "--repeats", "1",
         "--families", "straight"],
        capture_output=True, text=True, timeout=120, env=environment)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for heading in ("### Import and CLI", "### First gradient", "### Fitted exponents",
                    "### Targets of issue 15"):
        assert heading in out
    assert "| straight | 10 |" in out
    assert "| import tangentlike |" in out
    assert "1000-statement cold < 1 s | not measured | n/a |" in out
