"""The fuzz campaign: `python -m tests.fuzz --programs N --seed S [--jobs J] [--out DIR]`.

Receives the command line.  Guarantees: programs 0 .. N-1 of seed S are generated and
judged (in J worker processes; the result does not depend on J), progress is printed
as it goes, and the last line printed is exactly

    fuzz: N programs: C correct, E clean errors, X crashes, W wrong

(`--judge FILE` instead judges one program file and prints its verdict), where C
counts the programs that passed every check that applied, skipped ones
included (a kink at the drawn arguments, or a primal that fails there; the line
before says how many).  Under --out (default: a new temporary directory) each
failure class gets a folder named after its signature holding `signature.txt`, the
original programs with their failure descriptions (`<program>.py`, `<program>.txt`),
and for crash and wrong classes `minimized.py` with `minimized.txt`; `summary.txt`
lists every class with its count, most frequent first.  `main(argv)` returns the
exit status: 1 if any program crashed or was wrong, else 0.
"""

import argparse
import collections
import dataclasses
import multiprocessing
import os
import re
import sys
import tempfile
import time

from .generate import generate
from .judge import TIME_LIMIT_S, judge, judge_text
from .minimize import minimize

OUTCOMES = ("correct", "error", "crash", "wrong")
KEEP_PER_CLASS = 20          # original programs written per class


@dataclasses.dataclass
class Result:
    """One judged program: what was judged and its verdict."""
    index: int
    family: str
    name: str
    text: str
    outcome: str
    signature: str
    detail: str
    seconds: float = 0.0


@dataclasses.dataclass
class Campaign:
    """Every result of a campaign, and the counts of the final line."""
    programs: int
    results: list

    def count(self, outcome):
        if outcome == "correct":
            return sum(r.outcome in ("correct", "skipped") for r in self.results)
        return sum(r.outcome == outcome for r in self.results)

    @property
    def skipped(self):
        return sum(r.outcome == "skipped" for r in self.results)

    def classes(self):
        """class -> results, most frequent first (failures and clean errors).  A class
        is a signature; wrong results are split further by program family."""
        groups = collections.defaultdict(list)
        for result in self.results:
            if result.signature:
                groups[class_of(result)].append(result)
        return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    def line(self):
        return (f"fuzz: {self.programs} programs: {self.count('correct')} correct, "
                f"{self.count('error')} clean errors, {self.count('crash')} crashes, "
                f"{self.count('wrong')} wrong")


def judge_one(task):
    """Worker: judge program `index` of `seed` (top level, so a pool can call it)."""
    seed, index, time_limit_s = task
    start = time.monotonic()
    verdict, program = judge(generate(seed, index), time_limit_s)
    return Result(index, program.family, program.name, program.text, verdict.outcome,
                  verdict.signature, verdict.detail, time.monotonic() - start)


def _pool_map(function, tasks, jobs):
    """`function` over `tasks` in order, in `jobs` processes (1: in this one)."""
    if jobs <= 1:
        yield from map(function, tasks)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, maxtasksperchild=50) as pool:
        yield from pool.imap(function, tasks)


def run(programs, seed, jobs=1, time_limit_s=TIME_LIMIT_S, report=print, every=25):
    """Judge programs 0 .. programs-1 of `seed`; `report` gets the progress lines."""
    campaign = Campaign(programs, [])
    seen = set()
    start = time.monotonic()
    tasks = [(seed, index, time_limit_s) for index in range(programs)]
    for result in _pool_map(judge_one, tasks, jobs):
        campaign.results.append(result)
        if result.signature and result.signature not in seen:
            seen.add(result.signature)
            report(f"  new class ({result.name}, {result.family}): {result.signature}")
        done = len(campaign.results)
        if done % every == 0 or done == programs:
            report(f"[{done}/{programs}] {campaign.count('correct')} correct, "
                   f"{campaign.count('error')} errors, {campaign.count('crash')} crashes, "
                   f"{campaign.count('wrong')} wrong  ({time.monotonic() - start:.0f} s)")
    return campaign


def class_of(result):
    """The class a result is filed under: its signature, and its family if wrong."""
    if result.outcome == "wrong":
        return f"{result.signature} [{result.family}]"
    return result.signature


# ----------------------------------------------------------------- output

def slug(signature, number):
    """A folder name for a failure class."""
    words = re.sub(r"[^a-z0-9]+", "-", signature.lower()).strip("-")
    return f"{number:03d}-{words[:70].rstrip('-')}"


def _write(path, text):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def _describe(result):
    return (f"program: {result.name} (family {result.family})\noutcome: {result.outcome}\n"
            f"signature: {result.signature}\n\n{result.detail}\n")


def _minimize_task(task):
    text, signature, budget_s = task
    small = minimize(text, signature, budget_s=budget_s)
    return small, judge_text(small)


def write_out(campaign, out, minimize_budget_s, jobs, per_class=1, report=print):
    """Write the class folders and summary.txt under `out`; minimize `per_class`
    programs of each crash and wrong class."""
    os.makedirs(out, exist_ok=True)
    classes = campaign.classes()
    folders = {}
    for number, (key, results) in enumerate(classes.items(), 1):
        folder = folders[key] = os.path.join(out, slug(key, number))
        os.makedirs(folder, exist_ok=True)
        _write(os.path.join(folder, "signature.txt"), key + "\n")
        for result in results[:KEEP_PER_CLASS]:
            _write(os.path.join(folder, f"{result.name}.py"), result.text)
            _write(os.path.join(folder, f"{result.name}.txt"), _describe(result))
    failing = [(key, result) for key, results in classes.items() for result in
               results[:per_class] if result.outcome in ("crash", "wrong")]
    if minimize_budget_s > 0 and failing:
        report(f"minimizing {len(failing)} failing programs ...")
        tasks = [(result.text, result.signature, minimize_budget_s) for _, result in failing]
        numbers = collections.Counter()
        for (key, result), (small, verdict) in zip(
                failing, _pool_map(_minimize_task, tasks, jobs)):
            numbers[key] += 1
            stem = os.path.join(folders[key], "minimized" + (
                "" if numbers[key] == 1 else f"_{numbers[key]}"))
            _write(stem + ".py", small)
            _write(stem + ".txt", f"minimized from {result.name}\nsignature: "
                                  f"{verdict.signature}\n\n{verdict.detail}\n")
    lines = [campaign.line(), f"({campaign.skipped} of the correct were skipped: a kink or "
                              f"a failing primal at every argument draw)", "",
             "count  outcome  class (folder)"]
    for number, (key, results) in enumerate(classes.items(), 1):
        lines.append(f"{len(results):5d}  {results[0].outcome:7s}  {key}  "
                     f"({slug(key, number)})")
    _write(os.path.join(out, "summary.txt"), "\n".join(lines) + "\n")


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split(
        "\n")[0])
    parser.add_argument("--programs", type=int, default=200, help="how many programs")
    parser.add_argument("--seed", type=int, default=0, help="the campaign's seed")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--out", default=None, help="folder for failures and summary.txt "
                                                     "(default: a new temporary folder)")
    parser.add_argument("--minimize-budget", type=float, default=60.0,
                        help="seconds spent minimizing each failure class (0: none)")
    parser.add_argument("--minimize-per-class", type=int, default=1,
                        help="programs minimized in each crash or wrong class")
    parser.add_argument("--judge", metavar="FILE", default=None,
                        help="judge one program file (e.g. a minimized.py) and print "
                             "its verdict instead of running a campaign")
    parser.add_argument("--time-limit", type=int, default=TIME_LIMIT_S,
                        help="seconds one program may take")
    return parser.parse_args(argv)


def judge_file(path, time_limit_s):
    """Print the verdict on one program file; status 1 if it crashed or was wrong."""
    with open(path, encoding="utf-8") as handle:
        verdict = judge_text(handle.read(), time_limit_s)
    print(f"{verdict.signature or verdict.outcome}\n{verdict.detail}".rstrip())
    return 1 if verdict.outcome in ("crash", "wrong") else 0


def main(argv=None):
    """Run a campaign; the exit status is 1 if anything crashed or was wrong."""
    options = parse(argv)
    if options.judge:
        return judge_file(options.judge, options.time_limit)
    out = options.out or tempfile.mkdtemp(prefix="tangentlike-fuzz-")
    campaign = run(options.programs, options.seed, options.jobs, options.time_limit)
    write_out(campaign, out, options.minimize_budget, options.jobs,
              options.minimize_per_class)
    print(f"failures and summary.txt in {out}")
    print(f"({campaign.skipped} of the correct were skipped: a kink or a failing primal "
          f"at every argument draw)")
    print(campaign.line())
    return 1 if campaign.count("crash") or campaign.count("wrong") else 0


if __name__ == "__main__":
    sys.exit(main())
