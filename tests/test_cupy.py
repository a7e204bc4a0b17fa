"""Gradients of NumPy code on CuPy arrays (GPU), through NumPy's dispatch protocols.

The generated code calls the NumPy functions the user wrote, and NumPy hands them to
CuPy through `__array_ufunc__` / `__array_function__` (DESIGN.md section 4), so a
gradient given CuPy arrays must equal the one given NumPy arrays and be a CuPy array
(a gradient has its argument's type).  Skipped where cupy is not importable or sees no
GPU.  `benchmarks/cupy_check.py` runs the same check at the benchmark sizes and times it.
"""


import numpy as np
import pytest

import tangentlike as tl
from benchmark_workloads import load_workloads

cupy = pytest.importorskip("cupy")
try:
    if cupy.cuda.runtime.getDeviceCount() < 1:
        pytest.skip("cupy sees no GPU", allow_module_level=True)
except Exception as error:                      # no driver or no device
    pytest.skip(f"cupy cannot use a GPU: {error}", allow_module_level=True)

RTOL = 1e-6


WORKLOADS = [w.small() for w in load_workloads().WORKLOADS if w.name in ("W4-100", "W5", "W7")]


def on_gpu(args):
    return tuple(cupy.asarray(a) if isinstance(a, np.ndarray) else a for a in args)


def assert_same(expected, actual):
    assert isinstance(actual, cupy.ndarray), type(actual)
    actual = cupy.asnumpy(actual)
    assert actual.shape == np.shape(expected)
    np.testing.assert_allclose(actual, expected, rtol=RTOL,
                               atol=RTOL * float(np.max(np.abs(expected))))


@pytest.mark.parametrize("w", WORKLOADS, ids=[w.name for w in WORKLOADS])
def test_workload_gradient_on_cupy(w):
    gradient = tl.grad(w.primal, wrt=w.wrt)
    expected, actual = gradient(*w.args), gradient(*on_gpu(w.args))
    if not isinstance(w.wrt, tuple):
        expected, actual = (expected,), (actual,)
    for e, a in zip(expected, actual):
        assert_same(e, a)


def smooth(x, w):
    y = np.tanh(x @ w) * np.exp(-0.5 * x[:, :1] ** 2)
    return np.sum(y * y) + np.mean(np.sin(w))


def with_writes(x):
    y = x * 2.0
    y[1:] = y[1:] * x[:-1]
    return np.sum(np.where(y > 0.5, y, 0.1 * y) ** 2)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_gradients_on_cupy(mode):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((5, 3)), rng.standard_normal((3, 4))
    v = rng.standard_normal(8)
    if mode == "rev":
        expected = tl.grad(smooth, wrt=(0, 1))(x, w)
        actual = tl.grad(smooth, wrt=(0, 1))(cupy.asarray(x), cupy.asarray(w))
        for e, a in zip(expected, actual):
            assert_same(e, a)
        assert_same(tl.grad(with_writes)(v), tl.grad(with_writes)(cupy.asarray(v)))
    else:
        dx = rng.standard_normal(x.shape)
        _, expected = tl.jvp(smooth, (x, w), (dx, np.zeros_like(w)))
        _, actual = tl.jvp(smooth, (cupy.asarray(x), cupy.asarray(w)),
                           (cupy.asarray(dx), cupy.asarray(np.zeros_like(w))))
        np.testing.assert_allclose(float(actual), float(expected), rtol=RTOL)
