"""Modules of benchmarks/ (not a package), imported for the tests that check them:
`load_benchmark(path, name)` loads one once; `load_workloads()` is workloads.py."""

import importlib.util
import pathlib
import sys

BENCHMARKS = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"


def load_benchmark(path, name):
    """benchmarks/`path` as the module `name`, loaded once."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BENCHMARKS / path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def load_workloads():
    """benchmarks/workloads.py as the module `benchmark_workloads_module`."""
    return load_benchmark("workloads.py", "benchmark_workloads_module")
