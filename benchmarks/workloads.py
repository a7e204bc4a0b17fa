"""Benchmark workloads: a primal, its hand-written gradient, arguments and `wrt`.

Each hand-written gradient is what a careful person would write in plain Python:
a forward loop that stores what the backward sweep needs in a list, then a loop
over that list in reverse.  To add a workload, define the functions at module
level (tangentlike reads their source) and append a `Workload` to `WORKLOADS`.
"""
from dataclasses import dataclass
from typing import Any, Callable, Optional


@dataclass(frozen=True)
class Workload:
    name: str                      # short id used by --only, e.g. "W1"
    description: str
    primal: Callable
    handwritten: Callable          # same signature as primal, returns the gradient
    args: tuple
    wrt: Any = 0                   # int / str / tuple of them, as in tl.grad
    autograd_primal: Optional[Callable] = None   # when autograd needs its own numpy


# W1: logistic map, 1000 steps of scalar arithmetic -------------------------

def logistic(v0):
    v = v0
    for i in range(1000):
        v = 4.0 * v * (1.0 - v) * 0.9 + 0.05
    return v


def logistic_grad(v0):
    v = v0
    tape = []
    for i in range(1000):
        tape.append(v)
        v = 4.0 * v * (1.0 - v) * 0.9 + 0.05
    bv = 1.0
    for v in reversed(tape):
        bv = bv * (4.0 * (1.0 - v) - 4.0 * v) * 0.9
    return bv


# W3: data-dependent branch inside a while loop -----------------------------

def branchy(x):
    y = x
    k = 0
    while k < 500:
        if y > 1.0:
            y = y * 0.5
        else:
            y = y * y + 0.7
        k += 1
    return y


def branchy_grad(x):
    y = x
    k = 0
    tape = []
    while k < 500:
        tape.append(y)
        if y > 1.0:
            y = y * 0.5
        else:
            y = y * y + 0.7
        k += 1
    by = 1.0
    for y in reversed(tape):
        if y > 1.0:
            by = by * 0.5
        else:
            by = by * 2.0 * y
    return by


WORKLOADS = [
    Workload("W1", "logistic map, 1000 steps", logistic, logistic_grad,
             args=(0.3,), wrt="v0"),
    Workload("W3", "branch in a while loop, 500 steps", branchy, branchy_grad,
             args=(0.9,), wrt="x"),
]
