"""Gradients of NumPy code on Dask arrays (issue 3, item 6).

The generated code calls the NumPy functions the user wrote, and NumPy hands
them to Dask through `__array_ufunc__` / `__array_function__`; so the gradients
of the W4, W5 and W7 benchmark workloads, given chunked Dask arrays, must equal
their NumPy gradients, and stay Dask arrays (a gradient has its argument's type).
"""

import importlib.util
import pathlib
import sys

import dask.array as da
import numpy as np
import pytest

import tangentlike as tl

WORKLOADS_PY = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "workloads.py"
RTOL = 1e-9


def load_workloads():
    """benchmarks/workloads.py as the module `benchmark_workloads` (it is not a package)."""
    name = "benchmark_workloads"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, WORKLOADS_PY)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


WORKLOADS = [w.small() for w in load_workloads().WORKLOADS if w.name in ("W4-100", "W5", "W7")]
by_name = pytest.mark.parametrize("w", WORKLOADS, ids=[w.name for w in WORKLOADS])


def chunked(args):
    """The arguments with every NumPy array turned into a Dask array of several chunks."""
    return tuple(da.from_array(a, chunks=tuple(max(1, (n + 2) // 3) for n in a.shape))
                 if isinstance(a, np.ndarray) else a for a in args)


def computed(value):
    return value.compute() if isinstance(value, da.Array) else value


def gradients(w, gradient):
    return gradient if isinstance(w.wrt, tuple) else (gradient,)


def test_inputs_are_chunked():
    for w in WORKLOADS:
        assert any(isinstance(a, da.Array) and a.npartitions > 1 for a in chunked(w.args))


@by_name
def test_primal_runs_on_dask(w):
    value = w.primal(*chunked(w.args))
    assert isinstance(value, da.Array)
    np.testing.assert_allclose(computed(value), w.primal(*w.args), rtol=RTOL)


@by_name
def test_gradient_on_dask_equals_numpy(w):
    got = tl.grad(w.primal, wrt=w.wrt)(*chunked(w.args))
    expected = w.handwritten(*w.args)
    got, expected = gradients(w, got), gradients(w, expected)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        g = computed(g)
        assert np.shape(g) == np.shape(e)
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=RTOL * np.max(np.abs(e)))


@by_name
def test_gradient_of_dask_arrays_is_a_dask_array(w):
    got = tl.grad(w.primal, wrt=w.wrt)(*chunked(w.args))
    kinds = [type(g).__name__ for g in gradients(w, got)]
    assert all(isinstance(g, da.Array) for g in gradients(w, got)), \
        f"gradients of Dask arrays came back as {kinds}"
