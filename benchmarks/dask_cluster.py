"""Gradients on a dask.distributed cluster: tangentlike against a hand-written gradient.

    python benchmarks/dask_cluster.py                  # n = 10^8 (800 MB per array)
    python benchmarks/dask_cluster.py --quick          # n = 10^6
    python benchmarks/dask_cluster.py --n 30000000 --chunk 5000000 --workers 2

Workloads (benchmarks/workloads.py): the Rosenbrock function of an n-vector, its
gradient with respect to x, and Black-Scholes calls on n spots, the delta (gradient
with respect to S).  The hand-written gradients are workloads.py's own
(`rosenbrock_grad`, `black_scholes_grad`), called on the same Dask arrays.

A LocalCluster of --workers worker processes, one thread each.  The inputs are made
on the workers (`dask.array.random`, --chunk elements a chunk) and persisted before
timing.  Each timed call builds the gradient's graph in this process and persists it
(the gradient computed into the workers' memory, as one keeps a gradient of that
size), waits for it, and releases it; the median of --repeats calls, the two columns
interleaved.  Also printed: the tasks in each graph (`len(g.__dask_graph__())`,
before Dask's optimization) and the largest difference between the two gradients,
relative to the largest hand-written entry.
"""

import argparse
import os
import statistics
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import tangentlike as tl  # noqa: E402
import workloads  # noqa: E402


def rosenbrock_inputs(da, n, chunk):
    return (da.random.default_rng(4).uniform(-2.0, 2.0, n, chunks=chunk),)


def black_scholes_inputs(da, n, chunk):
    rng = da.random.default_rng(7)
    return (rng.uniform(5.0, 30.0, n, chunks=chunk), rng.uniform(1.0, 100.0, n, chunks=chunk),
            rng.uniform(0.25, 10.0, n, chunks=chunk), 0.02, 0.30)


CASES = [
    ("Rosenbrock", workloads.rosenbrock, workloads.rosenbrock_grad, rosenbrock_inputs),
    ("Black-Scholes delta", workloads.black_scholes, workloads.black_scholes_grad,
     black_scholes_inputs),
]


def timed(make, wait):
    """Seconds to build the graph of `make()`, persist it and wait for it."""
    start = time.perf_counter()
    g = make().persist()
    wait(g)
    seconds = time.perf_counter() - start
    del g
    return seconds


def run(n, chunk, repeats, workers):
    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster, wait

    print(f"n = {n:,} float64 ({n * 8 / 1e6:,.0f} MB an array), chunks of {chunk:,}, "
          f"LocalCluster of {workers} processes x 1 thread; median of {repeats}")
    rows = []
    with LocalCluster(n_workers=workers, processes=True, threads_per_worker=1,
                      dashboard_address=None) as cluster, Client(cluster):
        for name, primal, handwritten, inputs in CASES:
            args = dask.persist(*inputs(da, n, chunk))
            wait([a for a in args if hasattr(a, "dask")])
            ours = tl.grad(primal)
            g_tl, g_hand = ours(*args), handwritten(*args)
            tasks = (len(g_tl.__dask_graph__()), len(g_hand.__dask_graph__()))
            scale = abs(g_hand).max()
            error = float((abs(g_tl - g_hand).max() / scale).compute())
            del g_tl, g_hand
            times = {"tl": [], "hand": []}
            for _ in range(repeats):
                times["tl"].append(timed(lambda: ours(*args), wait))
                times["hand"].append(timed(lambda: handwritten(*args), wait))
            t_tl, t_hand = statistics.median(times["tl"]), statistics.median(times["hand"])
            rows.append((name, t_tl, t_hand, tasks, error))
            del args
    print()
    print("| workload | tangentlike | hand-written | ratio | tasks (tangentlike / hand) "
          "| max difference |")
    print("|---|---|---|---|---|---|")
    for name, t_tl, t_hand, (k_tl, k_hand), error in rows:
        print(f"| {name} | {t_tl:.2f} s | {t_hand:.2f} s | {t_tl / t_hand:.2f}x "
              f"| {k_tl:,} / {k_hand:,} | {error:.1e} |")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**8, help="elements (default 10^8)")
    parser.add_argument("--quick", action="store_true", help="n = 10^6, chunks of 250,000")
    parser.add_argument("--chunk", type=int, default=None,
                        help="elements a chunk (default n / 10, at most 10^7)")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    options = parser.parse_args(argv)
    n = 10**6 if options.quick else options.n
    chunk = options.chunk or (250_000 if options.quick else min(10**7, max(1, n // 10)))
    run(n, chunk, options.repeats, options.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
