"""Start-up benchmark (issue 15): import time, the CLI, and time to the first gradient.

    python benchmarks/startup.py                      # everything, Markdown on stdout
    python benchmarks/startup.py --quick              # 3 repeats, 10, 30 and 100 statements
    python benchmarks/startup.py --sizes 10,30 --families straight,numpy --repeats 5

Every number comes from fresh Python processes (`subprocess`), the median over
--repeats of them:

- import: the wall time of `python -c "import numpy"`, `python -c "import tangentlike"`,
  `python -c "pass"` and `python -m tangentlike --help` (the program the `tangentlike`
  console script runs), measured around the process by this one; and the import time
  inside the process (`time.perf_counter` around the import statement, printed by the
  child) of numpy, of tangentlike, and of tangentlike when numpy is already imported.
- cold transform: a child that has imported numpy and tangentlike, with
  TANGENTLIKE_CACHE_DIR a new empty directory, times the first call of
  `tl.grad(f, wrt=(0, 1))(*args)` (creating the gradient and calling it once) for
  generated functions of N statements (every statement of the body counts, the
  ones inside loops and branches and the `return` too), in three families:
  `straight` (straight-line float code with math.sin/cos/exp/log/tanh/sqrt), `loops`
  (the same with `for` loops over range holding if/else, nested `for` loops and
  `while` loops) and `numpy` (np.sin/exp/tanh/log on a vector, sums and means,
  slices, broadcasting against a scalar and to a matrix).
- warm disk cache: a second fresh child with the same, now populated, cache
  directory times the first call of the gradient the same way.
- in memory: the second call in the cold child.

The generated functions are written to a temporary module file and imported from it,
as tangentlike reads their source with `inspect`.  Each is built so that its values
stay bounded (every statement maps values of size at most 1.5 to values of size at
most 1.5, with derivatives that sum to less than 1), so gradients neither overflow
nor vanish at 1000 statements; the children check that the gradient is finite and
that the warm child's gradient equals the cold child's, and the program exits with
status 1 if one does not (the timings would mean nothing).  Otherwise it exits 0
whatever the times: it measures, it is not a test.  The targets of issue 15 are
printed with a PASS/FAIL mark for reference.

Measured as a user who installed tangentlike with pip experiences it: bytecode caches
present.  The children run with PYTHONDONTWRITEBYTECODE removed from their
environment, and one warm-up process per command (and one transform per family,
which imports tangentlike's lazily loaded modules) runs first, so every `__pycache__`
exists before anything is timed.  The children import the tangentlike of this
working tree (PYTHONPATH is the repository root).

A child that runs longer than --timeout seconds is stopped and shown as a timeout;
once a size of a family takes longer than --skip-after seconds (or times out), the
larger sizes of that family are skipped.  The exponents are least-squares slopes of
log(time) against log(statements) over the sizes measured.
"""

import argparse
import ast
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

FAMILIES = ("straight", "loops", "numpy")
SIZES = (10, 30, 100, 300, 1000)
QUICK_SIZES = (10, 30, 100)
# The arguments each family's functions are called with (a Python expression, evaluated
# in the child with numpy imported as np); the gradient is taken with respect to both.
ARGUMENTS = {
    "straight": "(0.3, 0.7)",
    "loops": "(0.3, 0.7)",
    "numpy": "(np.linspace(-0.9, 0.9, 8), 0.6)",
}

# -- the generated functions -------------------------------------------------------------
#
# A template is one assignment; `{t}` is the name assigned, `{a}` the value written
# last (so that every statement feeds the result), `{b}`, `{c}` other recent values.
# If the values read are at most 1.5 in size (the arguments are at most 1), the value
# written is too, and the partial derivatives with respect to the values read sum to
# less than 1 in size (so do those of the loop blocks and array templates below).

SCALAR_TEMPLATES = (
    "{t} = 0.5 * math.sin({a}) + 0.3 * math.cos({b}) + 0.1 * x",
    "{t} = 0.25 * math.tanh({a} * {b}) + 0.2 * y",
    "{t} = 0.3 * math.exp(0.5 * math.sin({a})) - 0.2 * {b}",
    "{t} = 0.2 * math.log(2.0 + math.sin({a})) + 0.4 * math.sin({b} + x)",
    "{t} = (0.3 * {a} + 0.15 * {b}) / (1.0 + {c} * {c})",
    "{t} = 0.35 * {a} * math.cos({b}) + 0.1 * x * y",
    "{t} = 0.3 * math.sqrt(1.0 + {a} * {a}) - 0.2",
    "{t} = 0.5 * {a} - 0.3 * {b} ** 2 / (1.0 + {b} ** 2)",
)

# Loop blocks of the `loops` family: (statement count, text).  `{t}` is an existing
# variable the block updates, `{a}` and `{b}` other existing ones.
LOOP_BLOCKS = (
    (4, "for i in range(3):\n"
        "    if {a} > {b}:\n"
        "        {t} = 0.4 * math.sin({t} + {a}) + 0.1 * x\n"
        "    else:\n"
        "        {t} = 0.4 * math.cos({t}) - 0.2 * {b}"),
    (4, "k = 0\n"
        "while k < 4:\n"
        "    {t} = 0.6 * math.sin({t}) + 0.3 * math.cos({a} + 0.5 * k)\n"
        "    k = k + 1"),
    (3, "for i in range(2):\n"
        "    for j in range(2):\n"
        "        {t} = 0.25 * math.tanh({t} * {a}) + 0.1 * math.sin(i - j + y)"),
    (6, "for i in range(3):\n"
        "    if {t} > 0.2:\n"
        "        {t} = 0.5 * {t} - 0.1 * i * math.sin({a})\n"
        "    elif {t} < -0.2:\n"
        "        {t} = 0.5 * {t} + 0.3 * math.cos({b})\n"
        "    else:\n"
        "        {t} = 0.5 * {t} + 0.1 * math.sin({a} * {b})"),
)

# The `numpy` family: `{u}` names an array written, `{s}` a scalar written; `{p}`,
# `{q}` are earlier arrays (shape (8,); `{p}` the last one), `{r}` an earlier scalar.
# The arguments are the vector v and the scalar a.
ARRAY_TEMPLATES = (
    "{u} = 0.5 * np.sin({p}) + 0.3 * np.cos({q} * a)",
    "{u} = 0.25 * np.tanh({p} * {q}) + 0.1 * v",
    "{u} = 0.3 * np.exp(0.5 * np.sin({p})) - 0.2 * {q}",
    "{u} = 0.2 * np.log(2.0 + np.cos({p})) + 0.3 * {q}[::-1]",
    "{u} = 0.4 * np.sin({p} + {r})",
    "{u} = 0.3 * {p} * np.cos({q})",
    "{u} = {p} / (1.0 + {q} * {q}) * 0.4",
    "{u} = 0.3 * np.sin({p} * {r}) + 0.2 * a",
    "{u} = 0.9 * np.concatenate(({p}[4:], {q}[:4]))",
)
SCALAR_FROM_ARRAY_TEMPLATES = (
    "{s} = 0.2 * np.mean(np.sin({p}[1:] * {q}[:-1]))",
    "{s} = 0.3 * np.mean(np.tanh({p}[:, None] - {q}[None, :]))",
    "{s} = 0.2 * np.dot({p}, {q}) / 8.0",
    "{s} = 0.1 * np.sum({p}[::2]) + 0.5 * math.sin({r})",
)


def count_statements(source):
    """The statements in the bodies of `source`'s functions, nested ones included."""
    functions = [node for node in ast.walk(ast.parse(source))
                 if isinstance(node, ast.FunctionDef)]
    return sum(1 for function in functions for node in ast.walk(function)
               if isinstance(node, ast.stmt) and node is not function)


def function_name(family, size):
    return f"{family}_{size}"


def _recent(rng, names, count=4):
    """One of the last `count` names."""
    return rng.choice(names[-count:])


def _straight_body(rng, size):
    names, lines = ["x", "y"], []
    for index in range(size - 1):
        target = f"t{index}"
        lines.append(rng.choice(SCALAR_TEMPLATES).format(
            t=target, a=names[-1], b=_recent(rng, names), c=_recent(rng, names)))
        names.append(target)
    lines.append(f"return {names[-1]} + 0.5 * {names[-2]}")
    return lines


def _loops_body(rng, size):
    names, lines, left, index = ["x", "y"], [], size - 1, 0
    while left > 0:
        blocks = [block for block in LOOP_BLOCKS if block[0] <= left]
        if len(names) < 4 or not blocks or rng.random() < 0.35:
            target = f"t{index}"
            index += 1
            lines.append(rng.choice(SCALAR_TEMPLATES).format(
                t=target, a=names[-1], b=_recent(rng, names),
                c=_recent(rng, names)))
            names.append(target)
            left -= 1
            continue
        count, text = rng.choice(blocks)
        target = rng.choice([n for n in names[-3:] if n not in ("x", "y")])
        others = [n for n in names[-5:] if n != target]
        lines.extend(text.format(t=target, a=rng.choice(others), b=rng.choice(others))
                     .splitlines())
        names.remove(target)
        names.append(target)           # the most recently written value is read next
        left -= count
    lines.append(f"return {names[-1]} + 0.5 * {names[-2]}")
    return lines


def _numpy_body(rng, size):
    arrays, scalars, lines = ["v"], ["a"], []
    for index in range(size - 1):
        if rng.random() < 0.3:
            target = f"s{index}"
            template = rng.choice(SCALAR_FROM_ARRAY_TEMPLATES)
        else:
            target = f"u{index}"
            template = rng.choice(ARRAY_TEMPLATES)
        lines.append(template.format(u=target, s=target, p=arrays[-1],
                                     q=_recent(rng, arrays), r=_recent(rng, scalars)))
        (scalars if target.startswith("s") else arrays).append(target)
    lines.append(f"return np.sum({arrays[-1]}) + {scalars[-1]}")
    return lines


BODIES = {"straight": _straight_body, "loops": _loops_body, "numpy": _numpy_body}
PARAMETERS = {"straight": "x, y", "loops": "x, y", "numpy": "v, a"}


def module_source(family, size):
    """The text of a module defining `function_name(family, size)`: `size` statements.

    The same family and size always give the same text (the choices are seeded).
    """
    if size < 5:
        raise ValueError(f"a generated function has at least 5 statements, not {size}")
    rng = random.Random(f"{family}-{size}")
    body = BODIES[family](rng, size)
    source = ("import math\n\nimport numpy as np\n\n\n"
              f"def {function_name(family, size)}({PARAMETERS[family]}):\n"
              + "".join(f"    {line}\n" for line in body))
    counted = count_statements(source)
    assert counted == size, (family, size, counted)
    return source


def arguments(family):
    """The arguments `family`'s functions are called with (imports numpy)."""
    import numpy as np
    return eval(ARGUMENTS[family], {"np": np})


# -- the child processes -----------------------------------------------------------------

# argv: module path, function name, arguments expression.  Prints one JSON line.
TRANSFORM_CHILD = r"""
import importlib.util, json, math, os, sys, time
import numpy as np
import tangentlike as tl

path, name, expression = sys.argv[1:4]
module_name = os.path.splitext(os.path.basename(path))[0]
spec = importlib.util.spec_from_file_location(module_name, path)
module = importlib.util.module_from_spec(spec)
sys.modules[module_name] = module
spec.loader.exec_module(module)
function = getattr(module, name)
args = eval(expression, {"np": np})

def flat(gradient):
    return [float(value) for part in gradient for value in np.ravel(part)]

start = time.perf_counter()
first = tl.grad(function, wrt=(0, 1))(*args)
first_s = time.perf_counter() - start
start = time.perf_counter()
second = tl.grad(function, wrt=(0, 1))(*args)
second_s = time.perf_counter() - start
values = flat(first)
print(json.dumps({"first": first_s, "second": second_s, "gradient": values,
                  "finite": all(math.isfinite(value) for value in values),
                  "same": values == flat(second)}))
"""

IMPORT_TIMER = ("import time; start = time.perf_counter(); import {module}; "
                "print(repr(time.perf_counter() - start))")


def child_environment(cache_dir=None):
    """The environment of every child: bytecode written, this tree's tangentlike first."""
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    path = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = ROOT + (os.pathsep + path if path else "")
    if cache_dir is not None:
        environment["TANGENTLIKE_CACHE_DIR"] = cache_dir
    return environment


class ChildFailed(Exception):
    """A child exited with an error or ran past its time limit (`timeout`)."""

    def __init__(self, message, timeout=False):
        super().__init__(message)
        self.timeout = timeout


def run_child(argv, timeout, cache_dir=None):
    """Run `python argv...`; return (wall seconds, stdout)."""
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, *argv], capture_output=True, text=True,
                              timeout=timeout, env=child_environment(cache_dir))
    except subprocess.TimeoutExpired:
        raise ChildFailed(f"ran past {timeout:g} s", timeout=True) from None
    wall = time.perf_counter() - start
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise ChildFailed(lines[-1])
    return wall, done.stdout


# -- import and CLI ----------------------------------------------------------------------

WALL_COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "import numpy": ["-c", "import numpy"],
    "import tangentlike": ["-c", "import tangentlike"],
    "python -m tangentlike --help": ["-m", "tangentlike", "--help"],
}
INPROCESS_COMMANDS = {
    "import numpy": ["-c", IMPORT_TIMER.format(module="numpy")],
    "import tangentlike": ["-c", IMPORT_TIMER.format(module="tangentlike")],
    "import tangentlike (numpy already imported)":
        ["-c", "import numpy; " + IMPORT_TIMER.format(module="tangentlike")],
}


def measure_imports(repeats, timeout):
    """{label: median wall seconds}, {label: median in-process seconds}; the repeats
    of all commands interleaved."""
    walls = {label: [] for label in WALL_COMMANDS}
    inside = {label: [] for label in INPROCESS_COMMANDS}
    for _ in range(repeats):
        for label, argv in WALL_COMMANDS.items():
            walls[label].append(run_child(argv, timeout)[0])
        for label, argv in INPROCESS_COMMANDS.items():
            inside[label].append(float(run_child(argv, timeout)[1]))
    return ({label: statistics.median(times) for label, times in walls.items()},
            {label: statistics.median(times) for label, times in inside.items()})


# -- transforms --------------------------------------------------------------------------


class BadGradient(Exception):
    """A child's gradient is not finite, or the warm child's differs from the cold one's."""


def transform_once(path, family, size, timeout, work):
    """One cold child and one warm child: (cold, warm disk, in memory) seconds."""
    cache_dir = tempfile.mkdtemp(prefix="cache-", dir=work)
    try:
        argv = ["-c", TRANSFORM_CHILD, path, function_name(family, size), ARGUMENTS[family]]
        cold = json.loads(run_child(argv, timeout, cache_dir)[1])
        warm = json.loads(run_child(argv, timeout, cache_dir)[1])
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    if not (cold["finite"] and warm["finite"]):
        raise BadGradient(f"{family} {size}: the gradient is not finite")
    if not (cold["same"] and warm["gradient"] == cold["gradient"]):
        raise BadGradient(f"{family} {size}: the gradient differs between calls or "
                          "between the cold and the warm process")
    return cold["first"], warm["first"], cold["second"]


def write_modules(families, sizes, work):
    """{(family, size): path of its module file}."""
    paths = {}
    for family in families:
        for size in sizes:
            path = os.path.join(work, f"startup_{function_name(family, size)}.py")
            with open(path, "w") as file:
                file.write(module_source(family, size))
            paths[family, size] = path
    return paths


def measure_transforms(families, sizes, repeats, timeout, skip_after, work):
    """{(family, size): (cold, warm, memory) medians, or a string saying why not}.

    For each size the repeats of the families are interleaved.  A family whose cold
    transform takes longer than `skip_after` seconds stops repeating that size (its
    median is over the runs made) and skips the larger sizes.
    """
    paths = write_modules(families, sizes, work)
    results, stopped = {}, set()
    for size in sizes:
        runs = {family: [] for family in families if family not in stopped}
        for _ in range(repeats):
            for family in [f for f in runs if f not in stopped]:
                try:
                    runs[family].append(transform_once(paths[family, size], family, size,
                                                       timeout, work))
                except ChildFailed as failure:
                    results[family, size] = "timeout" if failure.timeout else (
                        f"error: {failure}")
                    stopped.add(family)
                    continue
                if runs[family][-1][0] > skip_after:
                    stopped.add(family)
        print(f"  {size} statements done", file=sys.stderr, flush=True)
        for family, measured in runs.items():
            if (family, size) not in results:
                results[family, size] = tuple(statistics.median(column)
                                              for column in zip(*measured))
    for family in families:
        for size in sizes:
            results.setdefault((family, size), "skipped")
    return results


def warm_up(families, timeout, work):
    """Run every command once, and one small transform per family, untimed, so that
    every __pycache__ (tangentlike's lazily imported modules too) exists."""
    for argv in [*WALL_COMMANDS.values(), *INPROCESS_COMMANDS.values()]:
        run_child(argv, timeout)
    directory = os.path.join(work, "warm-up")
    os.makedirs(directory)
    paths = write_modules(families, [10], directory)
    for family in families:
        transform_once(paths[family, 10], family, 10, timeout, work)


def slope(points):
    """Least-squares slope of log(y) against log(x), or None with fewer than 2 points."""
    if len(points) < 2:
        return None
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(y) for _, y in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    return (sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
            / sum((x - mean_x) ** 2 for x in xs))


# -- the report --------------------------------------------------------------------------


def ms(seconds):
    return f"{seconds * 1e3:.1f}" if seconds >= 0.01 else f"{seconds * 1e3:.2f}"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def import_table(walls, inside):
    start = walls["python -c pass"]
    rows = []
    for label in ("python -c pass", "import numpy", "import tangentlike",
                  "import tangentlike (numpy already imported)",
                  "python -m tangentlike --help"):
        wall = walls.get(label)
        net = wall - start if wall is not None and label != "python -c pass" else None
        rows.append([label, "—" if wall is None else ms(wall),
                     "—" if net is None else ms(net),
                     ms(inside[label]) if label in inside else "—"])
    numpy_wall, numpy_inside = walls["import numpy"], inside["import numpy"]
    ratios = [
        ["tangentlike / numpy",
         f"{walls['import tangentlike'] / numpy_wall:.2f}×",
         f"{(walls['import tangentlike'] - start) / (numpy_wall - start):.2f}×",
         f"{inside['import tangentlike'] / numpy_inside:.2f}×"],
        ["--help / numpy import",
         f"{walls['python -m tangentlike --help'] / numpy_wall:.2f}×",
         f"{(walls['python -m tangentlike --help'] - start) / (numpy_wall - start):.2f}×",
         "—"],
    ]
    return table(["command", "wall (ms)", "wall − `pass` (ms)", "in-process import (ms)"],
                 rows + ratios)


def transform_tables(families, sizes, results, numpy_import):
    rows, fits = [], []
    for family in families:
        points = {column: [] for column in range(3)}
        for size in sizes:
            result = results[family, size]
            if isinstance(result, str):
                rows.append([family, str(size), result, "—", "—", "—"])
                continue
            for column, seconds in enumerate(result):
                points[column].append((size, seconds))
            cold, warm, memory = result
            rows.append([family, str(size), ms(cold), ms(warm), f"{memory * 1e3:.3f}",
                         f"{cold / numpy_import:.2f} / {warm / numpy_import:.3f}"])
        fitted = [slope(points[column]) for column in range(3)]
        fits.append([family] + ["—" if value is None else f"{value:.2f}"
                                for value in fitted])
    return (table(["family", "statements", "cold (ms)", "warm disk (ms)", "in memory (ms)",
                   "cold / warm ÷ numpy import"], rows),
            table(["family", "cold", "warm disk", "in memory"], fits))


def targets_table(families, results, walls, inside):
    numpy_import = inside["import numpy"]

    def mark(value, limit, strict=False):
        ok = value < limit if strict else value <= limit
        return "PASS" if ok else "FAIL"

    rows = []
    ratio = inside["import tangentlike"] / numpy_import
    rows.append(["import tangentlike ≤ 1.3× import numpy (in-process)",
                 f"{ratio:.2f}×", mark(ratio, 1.3)])
    ratio = walls["import tangentlike"] / walls["import numpy"]
    rows.append(["import tangentlike ≤ 1.3× import numpy (wall, fresh process)",
                 f"{ratio:.2f}×", mark(ratio, 1.3)])
    ratio = walls["python -m tangentlike --help"] / walls["import numpy"]
    rows.append(["`python -m tangentlike --help` ≤ 2× import numpy (wall)",
                 f"{ratio:.2f}×", mark(ratio, 2.0)])
    for family in families:
        result = results.get((family, 30))
        for label, column, limit in (("cold", 0, 0.25), ("warm disk", 1, 0.03)):
            name = f"{family}: 30-statement {label} ≤ {limit}× numpy import"
            if isinstance(result, tuple):
                ratio = result[column] / numpy_import
                rows.append([name, f"{ratio:.3f}× ({ms(result[column])} ms)",
                             mark(ratio, limit)])
            else:
                rows.append([name, result or "not measured", "n/a"])
    for family in families:
        result = results.get((family, 1000))
        name = f"{family}: 1000-statement cold < 1 s"
        if isinstance(result, tuple):
            rows.append([name, f"{result[0]:.2f} s", mark(result[0], 1.0, strict=True)])
        else:
            rows.append([name, result or "not measured", "n/a"])
    return table(["target (issue 15)", "measured", "mark"], rows)


def parse_list(text, kind=str):
    return [kind(part) for part in text.split(",") if part.strip()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=None,
                        help="fresh processes per measurement, the median is shown "
                             "(default 7, 3 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="3 repeats and sizes 10,30,100 (unless given)")
    parser.add_argument("--sizes", type=lambda text: parse_list(text, int), default=None,
                        help="statement counts, comma-separated (default 10,30,100,300,1000)")
    parser.add_argument("--families", type=parse_list, default=list(FAMILIES),
                        help="comma-separated, of " + ",".join(FAMILIES))
    parser.add_argument("--timeout", type=float, default=180.0,
                        help="seconds one child may run (default 180)")
    parser.add_argument("--skip-after", type=float, default=60.0,
                        help="skip a family's larger sizes once a cold transform takes "
                             "longer than this many seconds (default 60)")
    options = parser.parse_args(argv)
    repeats = options.repeats or (3 if options.quick else 7)
    sizes = sorted(options.sizes or (QUICK_SIZES if options.quick else SIZES))
    unknown = set(options.families) - set(FAMILIES)
    if unknown or repeats < 1 or min(sizes) < 5:
        parser.error(f"families are {', '.join(FAMILIES)}; repeats ≥ 1; sizes ≥ 5")
    families = [family for family in FAMILIES if family in options.families]

    work = tempfile.mkdtemp(prefix="tl-startup-")
    try:
        print("warming up ...", file=sys.stderr, flush=True)
        warm_up(families, options.timeout, work)
        print("import and CLI ...", file=sys.stderr, flush=True)
        walls, inside = measure_imports(repeats, options.timeout)
        print("transforms ...", file=sys.stderr, flush=True)
        results = measure_transforms(families, sizes, repeats, options.timeout,
                                     options.skip_after, work)
    except BadGradient as error:
        print(f"startup.py: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)

    transforms, exponents = transform_tables(families, sizes, results, inside["import numpy"])
    print(f"## Start-up (median of {repeats} fresh processes; Python "
          f"{sys.version.split()[0]}, {os.cpu_count()} CPUs)\n")
    print("### Import and CLI\n")
    print(import_table(walls, inside) + "\n")
    print("### First gradient: cold (empty cache), warm disk cache (new process), "
          "in memory (second call)\n")
    print("Times inside the child, after `import numpy, tangentlike`; the last column "
          "divides by the in-process `import numpy`.\n")
    print(transforms + "\n")
    print("### Fitted exponents: time ∝ statements^k (least squares on log-log)\n")
    print(exponents + "\n")
    print("### Targets of issue 15 (\"numpy import\" = in-process `import numpy` unless "
          "noted)\n")
    print(targets_table(families, results, walls, inside))
    return 0


if __name__ == "__main__":
    sys.exit(main())
