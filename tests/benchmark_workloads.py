"""benchmarks/workloads.py, the benchmark workloads, imported for the tests that check
them (it is not a package): `load_workloads()` is that module, loaded once."""

import importlib.util
import pathlib
import sys

WORKLOADS_PY = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "workloads.py"


def load_workloads():
    """benchmarks/workloads.py as the module `benchmark_workloads_module`."""
    name = "benchmark_workloads_module"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, WORKLOADS_PY)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
