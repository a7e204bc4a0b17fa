"""Practitioners' programs: gradient/primal time and peak-memory ratios of tl.grad.

    python benchmarks/practitioners.py                  # all programs, Markdown table
    python benchmarks/practitioners.py --quick          # 2 repeats
    python benchmarks/practitioners.py --only kalman_log_likelihood,tree_energy
    python benchmarks/practitioners.py --write-docs     # also update docs/performance.md

The programs (benchmarks/practitioners/programs.py) are plain Python/NumPy functions
written as scientists write them, not for tangentlike.  For each one this script

1. checks `tl.grad(f, wrt=...)` at the benchmark size against autograd (the function's
   source re-run with `numpy` bound to `autograd.numpy`, tests/oracles.py), or against
   central differences where autograd cannot run it (in-place array writes), rtol 1e-5
   (for central differences also atol 1e-8 |f|, their rounding error), and checks
   that the call left its arguments unchanged;
2. times the primal and the gradient with benchmarks/run.py's method (calls per repeat
   calibrated to last --min-time, repeats interleaved, medians), and autograd's gradient
   where autograd runs the function (at most 3 repeats: it is slow on scalar code);
3. measures the peak extra memory of one call of each (tracemalloc).

It prints one row per program (the ratios are gradient / primal), then the median and the
largest ratios, then every program on which tangentlike raised or disagreed; it exits
with status 1 when there is one.  `--write-docs` puts the same text between the markers
`<!-- practitioners:start -->` and `<!-- practitioners:end -->` of docs/performance.md.
"""
import argparse
import copy
import datetime
import importlib.util
import os
import platform
import statistics
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)      # benchmark the working tree's tangentlike
sys.path.insert(0, HERE)

# run.py sets one BLAS thread (before NumPy is imported) and holds the timing helpers.
import run  # noqa: E402
import numpy as np  # noqa: E402

DOCS = os.path.join(ROOT, "docs", "performance.md")
START, END = "<!-- practitioners:start -->", "<!-- practitioners:end -->"
RTOL = 1e-5
AUTOGRAD_REPEATS = 3
RECURSION_LIMIT = 10_000


def load(name, path):
    """The module at `path` (benchmarks/ and tests/ are not packages), loaded once."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


programs = load("practitioners_programs", os.path.join(HERE, "practitioners", "programs.py"))
try:
    oracles = load("practitioners_oracles", os.path.join(ROOT, "tests", "oracles.py"))
except ImportError as exc:     # autograd (and scipy) are dev dependencies
    raise SystemExit(f"{exc}: install the dev dependencies (python -m pip install '.[dev]')")
import autograd  # noqa: E402  (present: oracles imported it)


# --- checking --------------------------------------------------------------

def reference(program, args):
    """(expected gradient, 'autograd' or 'central differences')."""
    expected = oracles.autograd_grad(program.fn, args, program.wrt)
    if expected is not None:
        return expected, "autograd"
    return oracles.central_difference(program.fn, args, program.wrt), "central differences"


def same_values(a, b):
    """True when `a` and `b` (floats, arrays, nested lists) are equal, structure included."""
    if isinstance(a, (list, tuple)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(same_values(x, y) for x, y in zip(a, b)))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)
    return a == b


def flat(g):
    """All numbers of a gradient (nested tuples/lists of floats and arrays), as one vector."""
    if isinstance(g, (list, tuple)):
        return np.concatenate([flat(x) for x in g]) if g else np.zeros(0)
    return np.ravel(np.asarray(g, dtype=float))


def check(program, args, grad_fn):
    """(None, reference name) when `grad_fn` is right on `args`, else (message, name)."""
    before = copy.deepcopy(args)
    got = grad_fn(*args)
    if not same_values(args, before):
        return "the gradient call changed its arguments", "—"
    expected, source = reference(program, args)
    # Central differences carry a rounding error of about machine epsilon * |f| / step
    # (step 1e-6): 1e-4 on an entry of poisson_residual, whose value is about 8e5.
    atol = 1e-7 if source == "autograd" else max(1e-7, 1e-8 * abs(program.fn(*args)))
    try:
        oracles.assert_grad_close(got, expected, rtol=RTOL, atol=atol)
    except AssertionError as exc:
        return f"disagrees with {source}: {exc}", source
    return None, source


def autograd_fn(program, args, expected_flat):
    """autograd's gradient function for `program`, or (None, why)."""
    positions, as_tuple = oracles.resolve_wrt(program.fn, program.wrt, len(args))
    try:
        rebound = oracles._rebound(program.fn)   # numpy -> autograd.numpy, as the oracle does
        fn = autograd.grad(rebound, tuple(positions) if as_tuple else positions[0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = fn(*copy.deepcopy(args))
    except Exception as exc:  # noqa: BLE001 -- autograd cannot run this program
        return None, f"{type(exc).__name__}"
    if not np.allclose(flat(got), expected_flat, rtol=RTOL, atol=1e-7):
        return None, "disagrees"
    return fn, None


# --- one program -----------------------------------------------------------

def bench(program, repeats, min_time, with_autograd, log):
    """A dict of the row's numbers (times in s, peaks in bytes), or with 'error' set."""
    import tangentlike as tl

    args = program.args()
    row = {"program": program}
    try:
        grad_fn = tl.grad(program.fn, wrt=program.wrt)    # obtained once, outside the timing
        problem, source = check(program, args, grad_fn)
    except Exception as exc:  # noqa: BLE001 -- a finding: report it and carry on
        row["error"] = f"{type(exc).__name__}: {exc}"
        return row
    row["checked"] = source
    if problem:
        row["error"] = problem
        return row

    log(f"timing {program.name} ({repeats} repeats)")
    medians = run.time_columns({"primal": program.fn, "gradient": grad_fn},
                               args, repeats, min_time)
    row.update(medians)
    row["peak primal"] = run.peak_memory(program.fn, args)
    row["peak gradient"] = run.peak_memory(grad_fn, args)

    if with_autograd:
        ag, why = autograd_fn(program, args, flat(grad_fn(*args)))
        if ag is None:
            row["autograd"] = why
        else:
            row["autograd"] = run.time_columns({"autograd": ag}, args,
                                               min(repeats, AUTOGRAD_REPEATS),
                                               min_time)["autograd"]
    return row


# --- the report ------------------------------------------------------------

def ratio(row, key):
    if key == "memory":
        base = row["peak primal"]
        return row["peak gradient"] / base if base else None
    value = row.get(key)
    return value / row["primal"] if isinstance(value, float) else None


def fmt_ratio(r):
    return "—" if r is None else f"{r:.2f}"


HEADER = ("| program | domain | primal | gradient | ratio | peak: primal | peak: gradient "
          "| memory ratio | autograd | autograd ratio | checked against |")


def report(rows):
    """The Markdown table, the summary lines and the failures, as one text."""
    lines = [HEADER, "|---" * HEADER.count(" | ") + "|---|"]
    for row in rows:
        p = row["program"]
        if "error" in row:
            lines.append(f"| {p.name} | {p.domain} | | **FAILED** (below) |" + " |" * 7)
            continue
        ag = row.get("autograd")
        ag_cell = run.fmt_time(ag) if isinstance(ag, float) else (f"n/a ({ag})" if ag else "—")
        lines.append(
            f"| {p.name} | {p.domain} | {run.fmt_time(row['primal'])} "
            f"| {run.fmt_time(row['gradient'])} | {fmt_ratio(ratio(row, 'gradient'))} "
            f"| {run.fmt_bytes(row['peak primal'])} | {run.fmt_bytes(row['peak gradient'])} "
            f"| {fmt_ratio(ratio(row, 'memory'))} | {ag_cell} "
            f"| {fmt_ratio(ratio(row, 'autograd'))} | {row['checked']} |")
    lines.append("")
    for key, label in (("gradient", "gradient/primal time"),
                       ("memory", "gradient/primal peak memory"),
                       ("autograd", "autograd gradient/primal time")):
        pairs = [(ratio(r, key), r["program"].name) for r in rows if "error" not in r]
        pairs = [(value, name) for value, name in pairs if value is not None]
        if not pairs:
            continue
        worst = sorted(pairs, reverse=True)[:3]
        lines.append(f"- **{label}**: median {statistics.median(v for v, _ in pairs):.2f} "
                     f"over {len(pairs)} programs; largest "
                     + ", ".join(f"{v:.2f} ({name})" for v, name in worst) + ".")
    failed = [r for r in rows if "error" in r]
    ok = len(rows) - len(failed)
    lines.append(f"- **tangentlike**: right on {ok} of {len(rows)} programs"
                 + (f"; failed on {len(failed)}:" if failed else "."))
    for row in failed:
        error = row["error"].replace(ROOT + os.sep, "")     # paths from the repository root
        lines.append(f"  - `{row['program'].name}`: {run.table_cell(error)}")
    return "\n".join(lines)


def stamp(repeats, min_time):
    import tangentlike
    return (f"Measured {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} with "
            f"`benchmarks/practitioners.py --repeats {repeats}` (≥ {min_time * 1e3:.0f} ms "
            f"per repeat; autograd at most {AUTOGRAD_REPEATS} repeats): "
            f"Python {platform.python_version()}, NumPy {np.__version__}, "
            f"tangentlike {getattr(tangentlike, '__version__', '?')}; "
            f"{platform.machine()}, {os.cpu_count()} CPUs, "
            f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}. Median time per "
            f"call; ratios are to the primal; peaks are the extra memory of one call.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7,
                        help="timed repeats per column (default 7)")
    parser.add_argument("--quick", action="store_true", help="2 repeats")
    parser.add_argument("--min-time", type=float, default=0.05,
                        help="seconds one repeat lasts at least (default 0.05)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="run only this program (repeatable, or a,b)")
    parser.add_argument("--no-autograd", action="store_true",
                        help="leave out autograd's timing column")
    parser.add_argument("--write-docs", action="store_true",
                        help=f"replace the section in {os.path.relpath(DOCS, ROOT)}")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else args.repeats
    if repeats < 1:
        parser.error("--repeats must be at least 1")

    chosen = programs.PROGRAMS
    if args.only:
        names = {n.strip() for item in args.only for n in item.split(",") if n.strip()}
        known = {p.name for p in programs.PROGRAMS}
        if names - known:
            parser.error(f"unknown program(s) {sorted(names - known)}; known: {sorted(known)}")
        if args.write_docs:
            parser.error("--write-docs needs all programs (drop --only)")
        chosen = [p for p in programs.PROGRAMS if p.name in names]

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    rows = [bench(p, repeats, args.min_time, not args.no_autograd, log) for p in chosen]
    for row in rows:
        if "error" in row:
            log(f"FAILED {row['program'].name}: {row['error']}")
    text = report(rows)
    print(text)
    if args.write_docs:
        run.write_docs(stamp(repeats, args.min_time) + "\n\n" + text,
                       docs=DOCS, start=START, end=END)
        log(f"wrote {DOCS}")
    return 1 if any("error" in row for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
