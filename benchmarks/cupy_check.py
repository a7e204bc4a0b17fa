"""Gradients of the NumPy workloads W4, W5 and W7 run on CuPy arrays (docs/gpu.md).

tangentlike generates NumPy code; given CuPy arrays, NumPy hands each call to CuPy
through `__array_ufunc__` / `__array_function__`, so the same generated gradient runs
on the GPU.  For each workload this script computes the gradient from `tl.grad` on
NumPy arrays and on CuPy arrays, checks that they agree (relative tolerance 1e-6 of
the largest entry of each gradient) and that the CuPy gradient is a CuPy array, then
times the primal, the hand-written gradient and tangentlike's gradient on both (median
time per call, the GPU synchronized after each call).

    python benchmarks/cupy_check.py              # W4-1M, W5, W7 at their benchmark sizes
    python benchmarks/cupy_check.py --small      # the test sizes, a quick check
    python benchmarks/cupy_check.py --repeats 9

Prints a Markdown table.  Exits 0 with a message where CuPy is not importable or no
GPU is visible, 1 where a gradient disagrees or fails, 0 otherwise.
"""

import argparse
import importlib.util
import pathlib
import statistics
import sys
import time

import numpy as np

import tangentlike as tl

HERE = pathlib.Path(__file__).resolve().parent

NAMES = ("W4-1M", "W5", "W7")
RTOL = 1e-6


def load_workloads():
    spec = importlib.util.spec_from_file_location("benchmark_workloads", HERE / "workloads.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["benchmark_workloads"] = module
    spec.loader.exec_module(module)
    return module


def import_cupy():
    """(cupy, None), or (None, why not)."""
    try:
        import cupy
    except ImportError as error:
        return None, f"cupy is not importable ({error}); install cupy for your CUDA version"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:                      # no driver, no device
        return None, f"cupy is installed but no GPU is usable ({error})"
    if count == 0:
        return None, "cupy is installed but sees no GPU"
    return cupy, None


def on_gpu(cupy, args):
    return tuple(cupy.asarray(a) if isinstance(a, np.ndarray) else a for a in args)


def as_tuple(gradient, wrt):
    return gradient if isinstance(wrt, tuple) else (gradient,)


def compare(cupy, expected, actual):
    """A message for each gradient that is not a CuPy array or disagrees, else []."""
    problems = []
    for k, (e, a) in enumerate(zip(expected, actual)):
        if not isinstance(a, cupy.ndarray):
            problems.append(f"gradient {k} is a {type(a).__name__}, not a cupy.ndarray")
            continue
        a = cupy.asnumpy(a)
        scale = max(float(np.max(np.abs(e))), 1e-300)
        error = float(np.max(np.abs(a - e))) / scale
        if a.shape != e.shape or not error <= RTOL:
            problems.append(f"gradient {k}: shape {a.shape} vs {e.shape}, "
                            f"largest difference {error:.2e} of the largest entry")
    return problems


def timed(call, repeats, sync):
    """Median seconds per call: each repeat runs `call` enough times to last 50 ms."""
    call()
    sync()
    n, start = 1, time.perf_counter()
    while True:
        for _ in range(n):
            call()
        sync()
        if time.perf_counter() - start >= 0.05:
            break
        n *= 2
        start = time.perf_counter()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            call()
        sync()
        times.append((time.perf_counter() - start) / n)
    return statistics.median(times)


def show(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e3), ("µs", 1e6)):
        if seconds * scale >= 1.0:
            return f"{seconds * scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="the workloads' test sizes")
    parser.add_argument("--repeats", type=int, default=7)
    options = parser.parse_args(argv)
    cupy, why = import_cupy()
    if cupy is None:
        print(f"cupy_check: {why}: nothing to check.")
        return 0
    workloads = [w.small() if options.small else w
                 for w in load_workloads().WORKLOADS if w.name in NAMES]

    def no_sync():
        pass

    def gpu_sync():
        cupy.cuda.Device().synchronize()

    device = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)["name"]
    device = device.decode() if isinstance(device, bytes) else device
    print(f"CuPy {cupy.__version__} on {device}; NumPy {np.__version__}; tangentlike "
          f"{tl.__version__}; median of {options.repeats} repeats per call\n")
    print("| workload | NumPy primal | NumPy hand-written | NumPy tangentlike | "
          "CuPy primal | CuPy hand-written | CuPy tangentlike | agrees |")
    print("|---|---|---|---|---|---|---|---|")
    failed = False
    for w in workloads:
        gradient = tl.grad(w.primal, wrt=w.wrt)
        cpu_args, gpu_args = w.args, on_gpu(cupy, w.args)
        try:
            expected = as_tuple(gradient(*cpu_args), w.wrt)
            problems = compare(cupy, expected, as_tuple(gradient(*gpu_args), w.wrt))
        except Exception as error:                   # reported, and the script fails
            problems = [f"{type(error).__name__}: {error}"]
        cells = []
        for args, sync in ((cpu_args, no_sync), (gpu_args, gpu_sync)):
            for fn in (w.primal, w.handwritten, gradient):
                try:
                    cells.append(show(timed(lambda: fn(*args), options.repeats, sync)))
                except Exception as error:
                    cells.append(f"error: {type(error).__name__}")
        failed = failed or bool(problems)
        size = f" (test size {w.size})" if options.small else ""
        print(f"| {w.name}: {w.description}{size} | " + " | ".join(cells)
              + f" | {'yes' if not problems else 'NO'} |")
        for problem in problems:
            print(f"cupy_check: {w.name}: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
