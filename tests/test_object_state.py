"""Attributes of the user's objects are read where the code reads them.

A method (or a function given the object) may change an attribute after the code
read it; the backward sweep must use the value that was read, not read the
attribute again (normalize hoists such reads into temporaries).  Each program's
gradient is checked against central differences, with every optional pass on and
off, and the object is made afresh for every evaluation (the methods change it).
"""

import math

import pytest

import tangentlike as tl
from tangentlike.errors import AliasedWriteError
from oracles import central_difference


class Holder:
    def __init__(self):
        self.a = 2.0
        self.inner = Inner()

    def bump(self):
        self.a = self.a * 10.0
        return 1.0


class Inner:
    def __init__(self):
        self.b = 0.5


def advance(o):
    o.a = o.a + 1.0
    return 0.0


def read_then_bumped_in_one_expression(x, o):
    return math.sin(x * o.a) * o.bump()


def read_bumped_read_again(x, o):
    y = x * o.a
    o.bump()
    return math.sin(y) * o.a


def read_in_a_loop(x, o):
    s = 0.0
    for _ in range(3):
        s = s + math.sin(x * o.a)
        o.bump()
    return s


def changed_by_a_function(x, o):
    y = x * o.a + x * o.inner.b
    advance(o)
    return y * o.a


def made_here(x, o):
    p = Holder()
    y = x * p.a * o.inner.b
    p.bump()
    return math.sin(y) * p.a


SHARED = Holder()


def global_object(x, o):
    y = x * SHARED.inner.b
    return math.sin(y) * SHARED.a


PROGRAMS = [read_then_bumped_in_one_expression, read_bumped_read_again, read_in_a_loop,
            made_here, global_object]


@pytest.mark.parametrize("fn", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
@pytest.mark.parametrize("optimize", [True, False], ids=["optimized", "plain"])
def test_attribute_reads_keep_their_value(fn, optimize):
    x = 0.3
    expected = central_difference(lambda v: fn(v, Holder()), (x,), 0)
    value, grad = tl.value_and_grad(fn, optimize=optimize)(x, Holder())
    assert value == pytest.approx(fn(x, Holder()), rel=1e-12)
    assert grad == pytest.approx(expected, rel=1e-6)
    assert tl.grad(fn, optimize=optimize)(x, Holder()) == pytest.approx(expected, rel=1e-6)


def test_a_function_that_changes_the_object_is_a_located_error():
    with pytest.raises(AliasedWriteError, match="passing `o` to advance"):
        tl.grad(changed_by_a_function)(0.3, Holder())


class State:
    def __init__(self, a):
        self.a = a


def attribute_of_an_object_made_from_x(x):
    o = State(x)
    return o.a * 2.0


def attribute_in_a_loop(x, n):
    s = 0.0
    for _ in range(n):
        o = State(x * s + 1.0)
        s = s + o.a
    return s


@pytest.mark.parametrize("fn, args", [(attribute_of_an_object_made_from_x, (0.3,)),
                                      (attribute_in_a_loop, (0.3, 3))],
                         ids=["made_from_x", "in_a_loop"])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_attribute_of_a_value_that_depends_on_x_is_never_a_silent_zero(fn, args, mode):
    with pytest.raises(tl.UnsupportedSyntaxError, match=r"reading attribute `a` of `o`, made "
                       r"from what is differentiated \(x\)"):
        if mode == "reverse":
            tl.grad(fn)(*args)
        else:
            tl.jvp(fn, args, (1.0,) + (0,) * (len(args) - 1))


def made_from_a_dict(x, p):
    o = State(p["a"])
    return x * o.a


def test_an_object_made_from_a_differentiated_dict_is_a_located_error():
    """(found by the fuzzer: the dict's gradient through o.a was a silent 0.0)"""
    with pytest.raises(tl.UnsupportedSyntaxError, match=r"reading attribute `a` of `o`"):
        tl.grad(made_from_a_dict, wrt=(0, 1))(0.3, {"a": 0.5})
    assert tl.grad(made_from_a_dict)(0.3, {"a": 0.5}) == 0.5     # p not differentiated
