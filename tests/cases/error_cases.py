"""Functions that tangentlike must refuse with a TangentlikeError, never an internal error.

Used by tests/test_errors_table.py.  They are module-level functions in a real
file so that `inspect.getsource` can read them (except where a row is about
source that cannot be read).  A function whose problem sits on one line marks
it with a trailing `# BAD` comment; the test reads that line number from the
source and expects it in the error message.
"""
# flake8: noqa

import functools
import math

import numpy as np

counter = 0.0


class Box:
    """A plain object with an attribute, for the attribute-assignment row."""

    def __init__(self):
        self.value = 0.0


# -- unsupported syntax ---------------------------------------------------------------


def uses_try(x):
    y = x * 2.0
    try:  # BAD
        y = math.log(x)
    except ValueError:
        y = 0.0
    return y


def uses_with(x):
    y = x
    with open("/dev/null") as handle:  # BAD
        y = x * 2.0
    return y


def uses_yield(x):
    for i in range(3):
        yield x * i  # BAD


def uses_global(x):
    global counter  # BAD
    counter = x
    return x * x


def make_uses_nonlocal():
    total = 0.0

    def uses_nonlocal(x):
        nonlocal total  # BAD
        total = total + x
        return total * x
    return uses_nonlocal


uses_nonlocal = make_uses_nonlocal()


def uses_del(x):
    y = x * 2.0
    z = y * x
    del y  # BAD
    return z


def uses_class(x):
    class Scale:  # BAD
        factor = 2.0
    return x * Scale.factor


def uses_nested_def(x):
    def square(t):
        return t * t
    return sum(map(square, [x, 1.0]))  # BAD


def uses_lambda(x):
    square = lambda t: t * t
    return max(square, key=abs)(x)  # BAD


def uses_walrus(x):
    if (y := x * 2.0) > 1.0:  # BAD
        return y * x
    return x


def uses_match(x, mode):
    match mode:  # BAD
        case "double":
            return 2.0 * x
        case _:
            return x


def uses_set_comp(xs):
    seen = {v * v for v in xs}  # BAD
    return sum(seen)


def uses_starred_assignment(xs):
    first, *rest = xs  # BAD
    return first * first


def uses_attribute_assignment(x, box):
    box.value = x * 2.0  # BAD
    return x * x


def uses_for_else(xs):
    total = 0.0
    for v in xs:  # BAD
        total = total + v * v
    else:
        total = total * 2.0
    return total


def uses_while_else(x):
    while x > 1.0:  # BAD
        x = x / 2.0
    else:
        x = x * x
    return x


def uses_import(x):
    import math as m  # BAD
    return m.sin(x)


def uses_nested_async_def(x):
    async def helper():  # BAD
        return x
    return x * x


async def async_top_level(x):  # BAD
    return x * x


def uses_varargs(*xs):  # BAD
    return xs[0] * xs[0]


# -- calls that have no derivative rule -------------------------------------------------


def calls_fmod(x):
    y = x * 2.0
    return math.fmod(y, 0.7)  # BAD


def calls_remainder(x):
    return math.remainder(x, 0.3) * x  # BAD


square_ufunc = np.frompyfunc(lambda v: v * v, 1, 1)


def calls_frompyfunc(x):
    return square_ufunc(x) + x  # BAD


def calls_method_of_local(x):
    y = x * 3.0
    z = y.__rmul__(2.0)  # BAD
    return z * x


def calls_np_i0(x):
    return np.sum(np.i0(x))  # BAD


def calls_np_unwrap(x):
    return np.sum(np.unwrap(x) * x)  # BAD


class Scaler:
    """A callable object: no rule, and not a Python function."""

    def __init__(self, factor):
        self.factor = factor

    def __call__(self, x):
        return self.factor * x


scale_by_three = Scaler(3.0)


def calls_callable_object(x):
    return scale_by_three(x) * x  # BAD


def calls_undefined_name(x):
    return mth.sin(x)  # BAD  (a typo: `mth` is defined nowhere)


# -- functions whose source cannot be read ------------------------------------------------

_exec_namespace = {}
exec("def made_by_exec(x):\n    return x * x\n", _exec_namespace)
made_by_exec = _exec_namespace["made_by_exec"]

square_lambda = lambda x: x * x

lambdas = [lambda x: x * x,
           lambda x: x + 1.0]


def scaled(x, scale):
    return scale * x * x


scaled_by_two = functools.partial(scaled, scale=2.0)


class Quadratic:
    """A callable object whose __call__ is a differentiable Python method."""

    def __call__(self, x):
        return x * x

    def cube(self, x):
        return x * x * x


quadratic = Quadratic()


# -- plain functions for wrt, output and runtime rows -------------------------------------


def two_args(x, y):
    return x * y + x


def with_count(x, n):
    y = x
    for i in range(n):
        y = y * x
    return y


def with_mode(x, mode):
    if mode == "double":
        return 2.0 * x * x
    return x * x


def with_flag(x, flag):
    if flag:
        return x * x
    return x


def cube(x):
    return x * x * x


def returns_array(x):
    return np.sin(x) * 2.0


def returns_list(x):
    return [x * x, x + 1.0]


def returns_tuple(x):
    return x * x, x + 1.0


def returns_none(x):
    y = x * x


def returns_string(x):
    y = x * x
    return "done"


def divides(x):
    y = x * 2.0
    return y / x  # raises ZeroDivisionError at x == 0


def takes_log(x):
    return math.log(x) * x  # raises ValueError for x <= 0


def asserts_positive(x):
    assert x > 0.0, "x must be positive"
    return x * x


def raises_on_negative(x):
    if x < 0.0:
        raise ValueError(f"negative input {x}")
    return x * x
