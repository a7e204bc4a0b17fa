"""Numba implementations of the runtime helpers generated scalar code calls.

Receives nothing; `teach(numba)` declares, once per process, with
`numba.extending.overload`, what each helper (and `reversed`, and slicing a range,
which Numba lacks) gives in Python, for Numba's numbers, ranges, lists and arrays, so
the generated text compiles as it is.  Other types get no implementation: a compile
error, which backends.py reports (or, with backend="auto", falls back from).  Imported
by backends.py only when the Numba backend is first used.
"""

import functools
import math
import operator

import numpy as np

from . import runtime
from .numpy_runtime import basics, containers, elementwise


@functools.cache
def teach(numba):
    """Declare the helpers' Numba implementations (once: later calls do nothing)."""
    from numba.core import types as nt
    from numba.extending import overload

    number, array = (nt.Number, nt.Boolean), nt.Array
    @overload(reversed)
    def reversed_(seq):
        if isinstance(seq, nt.RangeType):
            return lambda seq: range(seq.start + (len(seq) - 1) * seq.step,
                                     seq.start - seq.step, -seq.step)
        if isinstance(seq, nt.List):
            return lambda seq: seq[::-1]

    @overload(operator.getitem)
    def range_slice(r, s):
        if isinstance(r, nt.RangeType) and isinstance(s, nt.SliceType):
            def sliced(r, s):          # Python's own rule for slicing a range
                first, last, step = s.indices(len(r))
                return range(r.start + first * r.step, r.start + last * r.step,
                             r.step * step)
            return sliced

    @overload(runtime.popped)
    def popped(tape, count):
        def last_reversed(tape, count):
            start = len(tape) - int(count)
            tail = tape[start:]
            del tape[start:]
            tail.reverse()
            return tail
        return last_reversed

    for helper in (runtime.sign, basics.sign):
        @overload(helper)
        def sign(x):
            if isinstance(x, number):
                return lambda x: 1 if x > 0 else (-1 if x < 0 else 0)
            if isinstance(x, array):
                return lambda x: np.sign(x)

    @overload(basics.nonzero)
    def nonzero(x):
        if isinstance(x, number):
            return lambda x: x if x != 0 else 1.0
        if isinstance(x, array):
            return lambda x: np.where(x == 0, 1, x).astype(x.dtype)

    @overload(elementwise.log_base)
    def log_base(x):
        if isinstance(x, number):
            return lambda x: math.log(x) if x > 0 else 0.0
        if isinstance(x, array):
            return lambda x: np.log(np.where(x > 0, x, 1).astype(x.dtype))

    @overload(bool)
    def truth_of_optional(x):          # a tape entry that may be None (a name unset)
        if isinstance(x, nt.Optional) and isinstance(x.type, number):
            def truth(x):
                if x is None:
                    return False
                return x != 0
            return truth

    @overload(runtime.levels_allowed)
    def levels_allowed():
        allowed = runtime.levels_allowed()        # (the recursion limit when compiled)
        return lambda: allowed

    @overload(runtime.too_deep)
    def too_deep():
        def raise_recursion_error():
            raise RecursionError("maximum recursion depth exceeded: the recursion, run as "
                                 "loops in the derivative, did not reach its base case")
        return raise_recursion_error

    @overload(basics.zeros_for)
    def zeros_for(x):
        if isinstance(x, array):
            dtype = x.dtype if isinstance(x.dtype, (nt.Float, nt.Complex)) else nt.float64
            return lambda x: np.zeros(x.shape, dtype)

    @overload(containers.check_unpacking)
    def check_unpacking(sequence, count):
        def check(sequence, count):
            if len(sequence) != count:
                raise ValueError("cannot unpack a sequence of another length")
        return check

    @overload(runtime.copy)
    def copy(x):
        if isinstance(x, number):
            return lambda x: x
        if isinstance(x, array):
            return lambda x: x.copy()

    @overload(runtime.unshared)
    def unshared(g, *values):          # (an array copied always: never shared, surely)
        if isinstance(g, number):
            return lambda g, *values: g
        if isinstance(g, array):
            return lambda g, *values: g.copy()

    @overload(basics.is_zero)
    def is_zero(b):                    # the zero sentinel is a number equal to 0
        if isinstance(b, number):
            return lambda b: b == 0
        if isinstance(b, (array, nt.BaseTuple)):
            return lambda b: False
