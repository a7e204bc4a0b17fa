"""Benchmark of backend="numba": the generated gradient compiled by Numba vs run in Python.

    python benchmarks/numba_backend.py                # Markdown table on stdout
    python benchmarks/numba_backend.py --quick        # 2 repeats, 1 fresh process per row
    python benchmarks/numba_backend.py --write-docs   # also update docs/numba.md

Rows: W1 (logistic map), W3 (branch in a while loop), W2 (recursion), an RK4
integrator of a damped Duffing oscillator written with Python floats, and two NumPy
workloads (W4-100 Rosenbrock, W5 MLP).  For each row the gradient is made with
`backend="numba"`; where Numba cannot compile it, with `backend="auto"`, which falls
back to Python with a `NumbaFallbackWarning` (the cell and a note below the table
say so).

Before timing, the compiled gradient is checked against `backend="python"`'s
(rtol 1e-9, run.py's `agree`); W1 is checked on a 20-step logistic map, since the
chaotic 1000-step map differs in its last digits between evaluation orders.  Times
are medians of interleaved repeats, as in run.py.  The first-call columns run
`tl.grad(f, backend=...)(*args)` in a fresh process (tangentlike and numba already
imported, not timed): once with an empty TANGENTLIKE_CACHE_DIR (tangentlike
generates the code, Numba compiles it) and once more in a second fresh process that
reuses that directory (both read their disk caches).  A jax.jit column appears
only where `import jax` works.
"""
import argparse
import contextlib
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Optional

import run  # (sets the BLAS thread variables, puts the tree on sys.path)
from run import agree, fmt_time, short, time_columns  # noqa: E402
from workloads import WORKLOADS  # noqa: E402

import numpy as np  # noqa: E402

DOCS = os.path.join(run.ROOT, "docs", "numba.md")
START, END = "<!-- numba-bench:start -->", "<!-- numba-bench:end -->"
BY_NAME = {w.name: w for w in WORKLOADS}


# --- workloads of this benchmark only ----------------------------------------

def logistic20(v0):
    """W1's map for 20 steps: where the check of the compiled gradient is made."""
    v = v0
    for i in range(20):
        v = 4.0 * v * (1.0 - v) * 0.9 + 0.05
    return v


def duffing_rk4(k):
    """A damped Duffing oscillator x'' = -k x - 0.1 x' - x^3 from (1, 0), 1,000 RK4
    steps of 0.01, written out; the energy-like x^2 + v^2 at the end."""
    x = 1.0
    v = 0.0
    h = 0.01
    for i in range(1000):
        a1 = v
        b1 = -k * x - 0.1 * v - x * x * x
        x2 = x + 0.5 * h * a1
        v2 = v + 0.5 * h * b1
        a2 = v2
        b2 = -k * x2 - 0.1 * v2 - x2 * x2 * x2
        x3 = x + 0.5 * h * a2
        v3 = v + 0.5 * h * b2
        a3 = v3
        b3 = -k * x3 - 0.1 * v3 - x3 * x3 * x3
        x4 = x + h * a3
        v4 = v + h * b3
        a4 = v4
        b4 = -k * x4 - 0.1 * v4 - x4 * x4 * x4
        x = x + h / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
        v = v + h / 6.0 * (b1 + 2.0 * b2 + 2.0 * b3 + b4)
    return x * x + v * v


def duffing(x, v, k):
    """The oscillator's right-hand side: (x', v')."""
    return v, -k * x - 0.1 * v - x * x * x


def duffing_rk4_rhs(k):
    """The same integration with the right-hand side a function returning a tuple,
    called four times a step, as an ODE solver is usually written."""
    x = 1.0
    v = 0.0
    h = 0.01
    for i in range(1000):
        a1, b1 = duffing(x, v, k)
        a2, b2 = duffing(x + 0.5 * h * a1, v + 0.5 * h * b1, k)
        a3, b3 = duffing(x + 0.5 * h * a2, v + 0.5 * h * b2, k)
        a4, b4 = duffing(x + h * a3, v + h * b3, k)
        x = x + h / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4)
        v = v + h / 6.0 * (b1 + 2.0 * b2 + 2.0 * b3 + b4)
    return x * x + v * v


@dataclass(frozen=True)
class Row:
    name: str
    description: str
    primal: Callable
    wrt: Any
    args: Callable[[], tuple]              # built on use (W5's arrays)
    check_primal: Optional[Callable] = None   # default: primal, at the same args
    check_args: Optional[Callable[[], tuple]] = None


def workload_row(name, **changes):
    w = BY_NAME[name]
    fields = dict(name=w.name, description=w.description, primal=w.primal, wrt=w.wrt,
                  args=lambda: w.args)
    fields.update(changes)
    return Row(**fields)


ROWS = [
    workload_row("W1", check_primal=logistic20),
    workload_row("W3"),
    workload_row("W2"),
    Row("RK4", "damped Duffing oscillator, RK4, 1000 steps, d/dk", duffing_rk4, "k",
        lambda: (1.5,)),
    Row("RK4-rhs", "the same, the right-hand side a function returning a tuple",
        duffing_rk4_rhs, "k", lambda: (1.5,)),
    workload_row("W4-100"),
    workload_row("W5"),
]


# --- the gradients -------------------------------------------------------------

def gradient(row, backend, primal=None):
    """(tl.grad of the row's primal on `backend`, Numba's reason when "auto" fell back
    on its first call, else None), the first call made here (compilation)."""
    import tangentlike as tl
    fn = tl.grad(primal or row.primal, wrt=row.wrt, backend=backend)
    args = (row.check_args or row.args)() if primal else row.args()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn(*args)
    from tangentlike.backends import NumbaFallbackWarning
    fell = [str(w.message) for w in caught if issubclass(w.category, NumbaFallbackWarning)]
    return fn, (reason(fell[0]) if fell else None)


def reason(message):
    """Numba's reason in a fallback warning: the text after the function's name."""
    first = message.splitlines()[0]
    _, _, why = first.partition("cannot compile the derivative of ")
    why = why.partition(": ")[2] or first
    return why.partition(", location: ")[0]       # the generated file's path: in the log


def numba_gradient(row, primal=None):
    """backend="numba", or "auto" (with the reason it fell back) where Numba cannot."""
    from tangentlike.backends import NumbaCompileError
    try:
        fn, _ = gradient(row, "numba", primal)
        return fn, None
    except NumbaCompileError:
        return gradient(row, "auto", primal)


# --- jax.jit, where JAX is installed --------------------------------------------

try:
    import jax
except ImportError:
    jax = None


def jax_gradients():
    """Row name -> (jitted gradient of the hand-written JAX version, of its check
    variant or None).  Python `if` on a traced value cannot be jitted: W3 is written
    with lax.cond, the loops with lax.fori_loop, W2's recursion unrolled at trace time."""
    jax.config.update("jax_enable_x64", True)
    from jax import lax
    from jax import numpy as jnp
    from jax.scipy.special import logsumexp

    def logistic(steps):
        return lambda v0: lax.fori_loop(
            0, steps, lambda i, v: 4.0 * v * (1.0 - v) * 0.9 + 0.05, v0)

    def branchy(x):
        return lax.fori_loop(0, 500, lambda k, y: lax.cond(
            y > 1.0, lambda y: y * 0.5, lambda y: y * y + 0.7, y), x)

    def recurse(x, n):
        return x if n == 0 else jnp.sin(recurse(x, n - 1)) * 0.9 + x

    def rk4(k):
        h = 0.01

        def f(x, v):
            return v, -k * x - 0.1 * v - x * x * x

        def step(i, state):
            x, v = state
            a1, b1 = f(x, v)
            a2, b2 = f(x + 0.5 * h * a1, v + 0.5 * h * b1)
            a3, b3 = f(x + 0.5 * h * a2, v + 0.5 * h * b2)
            a4, b4 = f(x + h * a3, v + h * b3)
            return (x + h / 6.0 * (a1 + 2.0 * a2 + 2.0 * a3 + a4),
                    v + h / 6.0 * (b1 + 2.0 * b2 + 2.0 * b3 + b4))

        x, v = lax.fori_loop(0, 1000, step, (1.0, 0.0))
        return x * x + v * v

    def rosenbrock(x):
        return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    def mlp(W1, b1, W2, b2, X, Y):
        h = jnp.tanh(X @ W1 + b1)
        logits = h @ W2 + b2
        lse = logsumexp(logits, axis=1, keepdims=True)
        return jnp.mean(jnp.sum(Y * (lse - logits), axis=1))

    def jitted(f, argnums=0, static_argnums=()):
        g = jax.jit(jax.grad(f, argnums=argnums), static_argnums=static_argnums)
        return lambda *args: to_numpy(jax.block_until_ready(g(*args)))

    return {
        "W1": (jitted(logistic(1000)), jitted(logistic(20))),
        "W3": (jitted(branchy), None),
        "W2": (jitted(recurse, static_argnums=1), None),
        "RK4": (jitted(rk4), None),
        "W4-100": (jitted(rosenbrock), None),
        "W5": (jitted(mlp, argnums=(0, 1, 2, 3)), None),
    }


def to_numpy(value):
    if isinstance(value, (tuple, list)):
        return tuple(to_numpy(v) for v in value)
    array = np.asarray(value)
    return float(array) if array.ndim == 0 else array


# --- first call in a fresh process ------------------------------------------------

def first_call(name):
    """The child's work: seconds of tl.grad(f, backend="numba"/"auto")(*args), JSON."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), run.RECURSION_LIMIT))
    row = next(r for r in ROWS if r.name == name)
    row.args()    # built before timing (W5's arrays are built once, on first use)
    import numba  # noqa: F401  (imported before timing: the import is not compilation)
    import tangentlike  # noqa: F401
    start = time.perf_counter()
    _, fell = numba_gradient(row)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "fell_back": fell}))


def fresh_process(name, cache_dir):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["TANGENTLIKE_CACHE_DIR"] = cache_dir
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--first-call", name],
                          env=env, capture_output=True, text=True, check=True,
                          cwd=run.ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"]


def first_calls(name, repeats):
    """(median seconds with an empty cache, median seconds reusing it)."""
    cold, warm = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="tl-numba-bench-") as cache_dir:
            cold.append(fresh_process(name, cache_dir))
            warm.append(fresh_process(name, cache_dir))
    return statistics.median(cold), statistics.median(warm)


# --- one row -----------------------------------------------------------------------

def bench(row, repeats, min_time, process_repeats, jax_fns, log):
    """(cells by column, note lines, ok)."""
    python_fn, _ = gradient(row, "python")
    numba_fn, fell = numba_gradient(row)
    ok = True
    notes = []

    check_python, _ = gradient(row, "python", row.check_primal)
    check_numba, _ = numba_gradient(row, row.check_primal)
    check_args = (row.check_args or row.args)()
    expected, got = check_python(*check_args), check_numba(*check_args)
    where = f"{row.check_primal.__name__}" if row.check_primal else "itself"
    verdict = "agree" if agree(got, expected) else "DISAGREE"
    log(f"check {row.name} ({where}): numba {short(got)} vs python {short(expected)}: "
        f"{verdict} (rtol {run.RTOL:g})" + (" [fell back: both run Python]" if fell else ""))
    if verdict != "agree":
        ok = False
        notes.append(f"**⚠ {row.name}: the numba gradient DISAGREES with the Python "
                     f"backend's: {short(got)} vs {short(expected)}**")

    fns = {"primal": row.primal, "python": python_fn, "numba": numba_fn}
    if jax_fns is not None:
        jitted, check_jitted = jax_fns.get(row.name, (None, None))
        try:
            jax_check = (check_jitted or jitted)(*check_args)
            if not agree(jax_check, expected):
                notes.append(f"⚠ {row.name}: jax.jit's gradient disagrees with "
                             f"tangentlike's: {short(jax_check)} vs {short(expected)}")
                ok = False
            fns["jax"] = jitted
        except Exception as exc:    # report and carry on with the other columns
            notes.append(f"{row.name}: jax.jit failed: {type(exc).__name__}: {exc}")

    args = row.args()
    log(f"timing {row.name}: {', '.join(fns)} ({repeats} repeats)")
    t = time_columns(fns, args, repeats, min_time)
    log(f"first calls {row.name}: {process_repeats} pair(s) of fresh processes")
    cold, warm = first_calls(row.name, process_repeats)

    backend = "auto: fell back to Python" if fell else "numba"
    if fell:
        notes.append(f"{row.name}: `backend=\"auto\"` fell back to Python: {fell}")
    cells = {
        "primal": fmt_time(t["primal"]),
        "python": fmt_time(t["python"]),
        "numba": f"{fmt_time(t['numba'])} ({backend})",
        "numba / primal": f"{t['numba'] / t['primal']:.2f}",
        "numba / python": f"{t['numba'] / t['python']:.2f}",
        "first call": fmt_time(cold),
        "first call, cached": fmt_time(warm),
    }
    if jax_fns is not None:
        cells["jax"] = fmt_time(t["jax"]) if "jax" in t else "error"
    return cells, notes, ok


HEADERS = {
    "primal": "Python primal",
    "python": "grad, backend=\"python\"",
    "numba": "grad, backend=\"numba\"",
    "numba / primal": "numba grad / primal",
    "numba / python": "numba / python grad",
    "first call": "first call, fresh process, empty cache",
    "first call, cached": "first call, 2nd process, cache reused",
    "jax": "jax.jit(grad) (hand-written lax)",
}


def table(results, with_jax):
    columns = [c for c in HEADERS if with_jax or c != "jax"]
    lines = ["| workload | " + " | ".join(HEADERS[c] for c in columns) + " |",
             "|---" * (len(columns) + 1) + "|"]
    notes = []
    for row, cells, row_notes in results:
        lines.append(f"| {row.name}: {row.description} | "
                     + " | ".join(cells[c] for c in columns) + " |")
        notes += row_notes
    if notes:
        lines.append("")
        lines += [f"- {run.table_cell(note)}" for note in notes]
    return "\n".join(lines)


def stamp(repeats, min_time, process_repeats, numba_import):
    import numba
    import tangentlike
    cpu = platform.processor() or platform.machine() or "unknown cpu"
    jax_text = f"JAX {jax.__version__}" if jax is not None else "JAX not installed"
    return (f"Measured {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} with "
            f"`benchmarks/numba_backend.py --repeats {repeats}` (≥ {min_time * 1e3:.0f} ms "
            f"per repeat, first calls the median of {process_repeats} pairs of fresh "
            f"processes): Python {platform.python_version()}, NumPy {np.__version__}, "
            f"Numba {numba.__version__}, tangentlike {tangentlike.__version__}, "
            f"{jax_text}; {cpu}, {os.cpu_count()} CPUs, {platform.system()} "
            f"{platform.release()}. Median time per call. The first-call columns time "
            f"`tl.grad(f, backend=...)(*args)` with tangentlike and numba already "
            f"imported (`import numba` itself took {numba_import:.2f} s here).")


def numba_import_seconds():
    code = "import time; t = time.perf_counter(); import numba; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                text=True, check=True).stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7,
                        help="timed repeats per column (default 7)")
    parser.add_argument("--quick", action="store_true",
                        help="2 repeats, one pair of fresh processes per row")
    parser.add_argument("--min-time", type=float, default=0.05,
                        help="seconds one repeat lasts at least (default 0.05)")
    parser.add_argument("--processes", type=int, default=3,
                        help="pairs of fresh processes for the first-call columns (default 3)")
    parser.add_argument("--write-docs", action="store_true",
                        help=f"replace the table in {os.path.relpath(DOCS, run.ROOT)}")
    parser.add_argument("--first-call", metavar="ROW", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.first_call:
        first_call(args.first_call)
        return 0
    repeats = 2 if args.quick else args.repeats
    processes = 1 if args.quick else args.processes
    if repeats < 1 or processes < 1:
        parser.error("--repeats and --processes must be at least 1")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), run.RECURSION_LIMIT))
    jax_fns = None
    if jax is None:
        log("jax is not importable: no jax.jit column")
    else:
        jax_fns = jax_gradients()

    results, all_ok = [], True
    for row in ROWS:
        cells, notes, ok = bench(row, repeats, args.min_time, processes, jax_fns, log)
        results.append((row, cells, notes))
        all_ok &= ok

    text = table(results, jax_fns is not None)
    print(text)
    if args.write_docs:
        measured = stamp(repeats, args.min_time, processes, numba_import_seconds())
        run.write_docs(f"{measured}\n\n{text}", DOCS, START, END)
        log(f"wrote {DOCS}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
