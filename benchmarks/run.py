"""Benchmark harness: primal vs hand-written gradient vs tangentlike vs autograd.

    python benchmarks/run.py                  # all workloads, Markdown table on stdout
    python benchmarks/run.py --only W1 --quick
    python benchmarks/run.py --only W4 --quick    # W4-100, W4-10k and W4-1M
    python benchmarks/run.py --only W7            # W7 and W7-tanh
    python benchmarks/run.py --write-docs     # also update docs/performance.md

For each workload the gradients are first checked against the hand-written one
(rtol 1e-9); then each column is timed with `time.perf_counter`: the number of
calls per repeat is calibrated once so that a repeat lasts at least --min-time
seconds, repeats of all columns are interleaved (so drift on a noisy machine hits
every column alike), and the median time per call is reported with its ratio to
the hand-written gradient (= 1.00).

Workloads with NumPy array arguments also get the peak extra memory of one call
of the hand-written gradient and of tangentlike's, measured with `tracemalloc`
(NumPy reports its array buffers to it); tangentlike's cell adds the difference in
units of the largest array argument (issue 3's target: at most +1.00).
"""
import argparse
import datetime
import gc
import inspect
import os
import platform
import statistics
import sys
import time
import tracemalloc

# One BLAS thread unless the caller says otherwise: on a shared machine a
# multithreaded BLAS makes matrix workloads (W5, W6) vary 10-100x between runs.
# Set before NumPy is imported, which is when OpenBLAS/MKL read it.
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)   # benchmark the working tree's tangentlike
sys.path.insert(0, HERE)

from workloads import WORKLOADS  # noqa: E402

DOCS = os.path.join(ROOT, "docs", "performance.md")
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
RTOL = 1e-9
TIME_COLUMNS = ("primal", "hand-written", "tangentlike", "autograd")
MEMORY_COLUMNS = ("memory: hand-written", "memory: tangentlike")
COLUMNS = TIME_COLUMNS + MEMORY_COLUMNS
RECURSION_LIMIT = 10_000      # W2 recurses 200 deep, and a gradient call nests deeper

try:
    import autograd
except ImportError:
    autograd = None


# --- gradient functions of each column ------------------------------------

def tangentlike_grad(w):
    if w.tangentlike is not None:
        return w.tangentlike(w)
    import tangentlike as tl
    return tl.grad(w.primal, wrt=w.wrt)


def autograd_grad(w):
    if w.autograd is not None:
        return w.autograd(w)
    fun = w.autograd_primal or w.primal
    params = list(inspect.signature(w.primal).parameters)

    def pos(k):
        return params.index(k) if isinstance(k, str) else k

    argnum = tuple(map(pos, w.wrt)) if isinstance(w.wrt, tuple) else pos(w.wrt)
    return autograd.grad(fun, argnum)


# --- checking --------------------------------------------------------------

def agree(a, b):
    """True when gradients `a` and `b` have the same structure and agree to RTOL.

    Arrays agree elementwise to RTOL relative to the largest magnitude in `b`, so
    an entry that is a near-cancelling sum (a weight's gradient summed over a
    batch) is not held to a tighter bound than the array's own rounding.
    """
    if isinstance(a, (tuple, list)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(agree(x, y) for x, y in zip(a, b)))
    if isinstance(a, dict):
        return (isinstance(b, dict) and a.keys() == b.keys()
                and all(agree(a[k], b[k]) for k in a))
    try:
        scale = float(np.max(np.abs(b), initial=0.0))
        return (np.shape(a) == np.shape(b)
                and bool(np.allclose(a, b, rtol=RTOL, atol=RTOL * scale)))
    except TypeError:
        return False


def short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- timing ----------------------------------------------------------------

def run_calls(fn, args, n):
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(n):
            fn(*args)
        return time.perf_counter() - start
    finally:
        if gc_was_enabled:
            gc.enable()


def calibrate(fn, args, min_time):
    """Number of calls for one repeat to last at least `min_time` seconds."""
    n = 1
    while True:
        elapsed = run_calls(fn, args, n)
        if elapsed >= min_time:
            return n
        if elapsed <= 0:
            n *= 10
        else:
            n = max(n * 2, int(n * min_time * 1.2 / elapsed) + 1)


def time_columns(fns, args, repeats, min_time):
    """Median seconds per call of each function in `fns` (a dict)."""
    counts = {key: calibrate(fn, args, min_time) for key, fn in fns.items()}
    samples = {key: [] for key in fns}
    for _ in range(repeats):
        for key, fn in fns.items():
            samples[key].append(run_calls(fn, args, counts[key]) / counts[key])
    return {key: statistics.median(values) for key, values in samples.items()}


def peak_memory(fn, args):
    """Bytes allocated at the peak of one call `fn(*args)`, beyond what was allocated before."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn(*args)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def array_unit(args):
    """nbytes of the largest NumPy array argument, or None when there is none."""
    sizes = [a.nbytes for a in args if isinstance(a, np.ndarray)]
    return max(sizes) if sizes else None


def fmt_bytes(n):
    for unit, scale in (("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} B"


def fmt_time(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


# --- one workload ----------------------------------------------------------

def bench(w, repeats, min_time, log):
    """Returns (cells by column, warning lines)."""
    fns = {"primal": w.primal, "hand-written": w.handwritten}
    cells, warnings = {}, []
    expected = w.handwritten(*w.args)

    candidates = [("tangentlike", tangentlike_grad)]
    if autograd is None:
        cells["autograd"] = "n/a"
    else:
        candidates.append(("autograd", autograd_grad))

    wrong = set()
    for column, make in candidates:
        try:
            fn = make(w)          # obtained once, outside the timing
            got = fn(*w.args)
        except Exception as exc:  # report and carry on with the other columns
            cells[column] = f"error: {type(exc).__name__}"
            warnings.append(f"{column} failed on {w.name}: "
                            f"{type(exc).__name__}: {exc}")
            continue
        if not agree(got, expected):
            wrong.add(column)
            warnings.append(f"{column} gradient DISAGREES with hand-written on "
                            f"{w.name}: {short(got)} vs {short(expected)} "
                            f"(rtol {RTOL:g})")
        fns[column] = fn

    for line in warnings:
        log(f"WARNING: {line}")
    log(f"timing {w.name}: {', '.join(fns)} ({repeats} repeats)")
    medians = time_columns(fns, w.args, repeats, min_time)
    base = medians["hand-written"]
    for column, seconds in medians.items():
        cell = f"{fmt_time(seconds)} ({seconds / base:.2f})"
        cells[column] = cell + (" **WRONG**" if column in wrong else "")
    cells.update(memory_cells(w, fns, wrong, log))
    return cells, warnings


def memory_cells(w, fns, wrong, log):
    """The memory columns: peak extra bytes of one gradient call (NumPy workloads only)."""
    unit = array_unit(w.args)
    if unit is None:
        return dict.fromkeys(MEMORY_COLUMNS, "—")
    log(f"memory {w.name}: hand-written, tangentlike")
    base = peak_memory(fns["hand-written"], w.args)
    cells = {"memory: hand-written": fmt_bytes(base)}
    if "tangentlike" not in fns:
        cells["memory: tangentlike"] = "error"
    else:
        peak = peak_memory(fns["tangentlike"], w.args)
        cells["memory: tangentlike"] = (
            f"{fmt_bytes(peak)} ({(peak - base) / unit:+.2f})"
            + (" **WRONG**" if "tangentlike" in wrong else ""))
    return cells


def table(results):
    lines = ["| workload | " + " | ".join(COLUMNS) + " |",
             "|---" * (len(COLUMNS) + 1) + "|"]
    for w, cells, warnings in results:
        lines.append(f"| {w.name}: {w.description} | "
                     + " | ".join(cells[c] for c in COLUMNS) + " |")
        for line in warnings:
            lines.append(f"| **⚠ WARNING {w.name}** | {table_cell(line)} |"
                         + " |" * (len(COLUMNS) - 1))
    return "\n".join(lines)


def table_cell(text):
    """`text` as one Markdown table cell: its first line (the rest went to stderr), `|` escaped."""
    lines = text.splitlines() or [""]
    first = lines[0] + (" …" if len(lines) > 1 else "")
    return first.replace("|", "\\|")


def stamp(repeats, min_time):
    try:
        import tangentlike
        tl_version = getattr(tangentlike, "__version__", "?")
    except Exception:
        tl_version = "not importable"
    cpu = platform.processor() or platform.machine() or "unknown cpu"
    ag = getattr(autograd, "__version__", "installed") if autograd else "not installed"
    return (f"Measured {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} "
            f"with `benchmarks/run.py --repeats {repeats}` (≥ {min_time * 1e3:.0f} ms "
            f"per repeat): Python {platform.python_version()}, NumPy {np.__version__}, "
            f"tangentlike {tl_version}, autograd {ag}; "
            f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
            f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}. "
            f"Median time per call (ratio to hand-written); peak extra memory of "
            f"one gradient call (tangentlike's difference in largest-array-argument units).")


def write_docs(text, docs=DOCS, start=START, end=END):
    """Replace what lies between the markers `start` and `end` of the page `docs`."""
    with open(docs, encoding="utf-8") as fh:
        doc = fh.read()
    if doc.count(start) != 1 or doc.count(end) != 1 or doc.index(start) > doc.index(end):
        raise SystemExit(f"{docs}: expected one {start} followed by one {end}")
    head, rest = doc.split(start)
    _, tail = rest.split(end)
    with open(docs, "w", encoding="utf-8") as fh:
        fh.write(f"{head}{start}\n{text}\n{end}{tail}")


def selects(name, w):
    """`--only` NAME picks the workload of that name, or all its sizes ("W4": W4-100, ...)."""
    return w.name == name or w.name.startswith(name + "-")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7,
                        help="timed repeats per column (default 7)")
    parser.add_argument("--quick", action="store_true", help="2 repeats")
    parser.add_argument("--min-time", type=float, default=0.05,
                        help="seconds one repeat lasts at least (default 0.05)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only this workload (repeatable, or W1,W3; "
                             "W4 selects W4-100, W4-10k, W4-1M and W4-hvp, "
                             "W7 selects W7 and W7-tanh)")
    parser.add_argument("--write-docs", action="store_true",
                        help=f"replace the table in {os.path.relpath(DOCS, ROOT)}")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else args.repeats
    if repeats < 1:
        parser.error("--repeats must be at least 1")

    workloads = WORKLOADS
    if args.only:
        names = {n.strip() for item in args.only for n in item.split(",") if n.strip()}
        unknown = {n for n in names if not any(selects(n, w) for w in WORKLOADS)}
        if unknown:
            parser.error(f"unknown workload(s) {sorted(unknown)}; "
                         f"known: {[w.name for w in WORKLOADS]}")
        workloads = [w for w in WORKLOADS if any(selects(n, w) for n in names)]
        if args.write_docs:
            parser.error("--write-docs needs all workloads (drop --only)")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))

    results = []
    for w in workloads:
        cells, warnings = bench(w, repeats, args.min_time, log)
        results.append((w, cells, warnings))

    text = table(results)
    print(text)
    if args.write_docs:
        write_docs(stamp(repeats, args.min_time) + "\n\n" + text)
        log(f"wrote {DOCS}")
    return 1 if any(warnings for _, _, warnings in results) else 0


if __name__ == "__main__":
    sys.exit(main())
