"""The practitioners' programs (benchmarks/practitioners/programs.py) at small sizes.

Every program's `tl.grad` is checked against autograd, or against central differences
where autograd cannot run the program (in-place writes into arrays, `.copy()`, `int()`
of a traced value), rtol 1e-5; the gradient call must leave its arguments unchanged.
A program tangentlike cannot differentiate yet is an expected failure (strict, so a fix
shows up as XPASS): the programs are written as people write them, not rewritten to
what tangentlike supports.  benchmarks/practitioners.py times the same programs.
"""

import copy

import numpy as np
import pytest

import tangentlike as tl
from benchmark_workloads import load_benchmark
from oracles import assert_grad_close, autograd_grad, central_difference

PROGRAMS = load_benchmark("practitioners/programs.py", "practitioners_programs").PROGRAMS

# Program name -> (exception type tangentlike raises, why): findings, not test bugs.
# (spring_chain_verlet was one, an AliasedWriteError on a helper's new array, until the
# alias analysis read what a user function's return shares: aliases/walk.py)
KNOWN_FAILURES = {}


def _same(a, b):
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b)
    return a == b


def _param(program):
    marks = []
    if program.name in KNOWN_FAILURES:
        raises, reason = KNOWN_FAILURES[program.name]
        marks.append(pytest.mark.xfail(strict=True, raises=raises, reason=reason))
    return pytest.param(program, id=program.name, marks=marks)


def test_there_are_at_least_34_programs_with_distinct_names():
    names = [p.name for p in PROGRAMS]
    assert len(names) >= 34 and len(set(names)) == len(names)


@pytest.mark.parametrize("program", [_param(p) for p in PROGRAMS])
def test_gradient_matches_reference(program):
    args = program.args(small=True)
    before = copy.deepcopy(args)
    got = tl.grad(program.fn, wrt=program.wrt)(*args)
    assert _same(args, before), "the gradient call changed its arguments"
    expected = autograd_grad(program.fn, args, program.wrt)
    if expected is None:
        expected = central_difference(program.fn, args, program.wrt)
    assert_grad_close(got, expected, rtol=1e-5)


def test_known_failures_name_programs():
    assert set(KNOWN_FAILURES) <= {p.name for p in PROGRAMS}
