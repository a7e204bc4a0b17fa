"""Checkpointing: peak memory and time of a long loop's gradient, by snapshot count.

    python benchmarks/checkpointing.py                 # the table of docs/checkpointing.md
    python benchmarks/checkpointing.py --steps 500 --size 100 --repeats 3

The loop is `x = np.sin(x) * 0.9 + 0.1 * np.cos(x * p)`, `--steps` times over
`--size` floats; the gradient is that of `np.sum(x)` with respect to x0 and p.
"none" is the plain loop (every step's values on the tape); the other rows run the
same loop under `tl.checkpointed(range(n), snapshots=k)`.  Each row first checks
its gradient against the plain one (1e-10, relative), then reports the median over
--repeats calls of the time (`time.perf_counter`; the repeats of all rows
interleaved) and of the peak memory allocated during the call (`tracemalloc`, which
sees NumPy's buffers; measured in separate calls), and both as ratios to the plain
gradient.  One process, one thread.
"""

import argparse
import os
import statistics
import sys
import time
import tracemalloc

for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import tangentlike as tl  # noqa: E402


def plain(x, p, n):
    for i in range(n):
        x = np.sin(x) * 0.9 + 0.1 * np.cos(x * p)
    return np.sum(x)


def checkpointed(x, p, n, k):
    for i in tl.checkpointed(range(n), snapshots=k):
        x = np.sin(x) * 0.9 + 0.1 * np.cos(x * p)
    return np.sum(x)


def peak(call):
    """The peak memory (bytes) allocated while `call()` runs."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def rows(steps, size, repeats, snapshot_counts=(5, 10, 20, 50)):
    """[(label, seconds, peak bytes, time ratio, memory ratio)], plain gradient first.
    The repeats of all rows are interleaved, so that drift on a busy machine hits every
    row alike."""
    x0, p = np.linspace(0.0, 1.0, size), 0.7
    grad_plain = tl.grad(plain, wrt=(0, 1))
    grad_checkpointed = tl.grad(checkpointed, wrt=(0, 1))
    expected = grad_plain(x0, p, steps)
    calls = {"none": lambda: grad_plain(x0, p, steps)}
    for k in snapshot_counts:
        for a, b in zip(grad_checkpointed(x0, p, steps, k), expected):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)
        calls[str(k)] = lambda k=k: grad_checkpointed(x0, p, steps, k)
    times = {label: [] for label in calls}
    for _ in range(repeats):
        for label, call in calls.items():
            start = time.perf_counter()
            call()
            times[label].append(time.perf_counter() - start)
    peaks = {label: statistics.median(peak(call) for _ in range(repeats))
             for label, call in calls.items()}
    seconds = {label: statistics.median(t) for label, t in times.items()}
    return [(label, seconds[label], peaks[label], seconds[label] / seconds["none"],
             peaks[label] / peaks["none"]) for label in calls]


def table(results):
    lines = ["| snapshots | peak memory | time | memory / plain | time / plain |",
             "|---|---|---|---|---|"]
    for label, seconds, peak, time_ratio, memory_ratio in results:
        lines.append(f"| {label} | {peak / 2**20:.1f} MiB | {seconds * 1e3:.0f} ms | "
                     f"{memory_ratio:.3f} | {time_ratio:.2f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"{args.steps} steps over {args.size} floats, medians of {args.repeats} runs "
          f"(numpy {np.__version__})\n")
    print(table(rows(args.steps, args.size, args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
