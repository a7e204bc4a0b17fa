"""Programs made of functions calling functions: the table for issue 4.

Each function is small, numeric and defined at module level.  `CASES` pairs them
with inputs away from branch boundaries, so central differences are meaningful.
Sections: calls to user functions (same module, `call_helpers`, positional /
keyword / default / literal arguments, tuple returns, calls in loops and
branches, nested calls, several active-argument patterns); recursion (direct,
mutual, branching, deep); nested definitions, closures and lambdas; user-defined
rules (`register_adjoint`, `register_tangent`, `register_nondifferentiable`,
`stop_gradient`); methods and objects.  `ERRORS` lists the programs that must
be rejected, with the error class and what the message must say.

`Case.oracles` names the independent references a case is checked against:
"fd" (central differences) and "autograd" (tests/oracles.py).  A case whose
derivative is *defined* by a user rule or by `stop_gradient` differs from the
derivative of its body on purpose, so it has no oracle and gives `expected`, the
gradient worked out by hand.  `expected` may also be given beside the oracles.
`Case.recursion_limit` is the recursion limit the case needs (deep recursion);
the tests raise it around the case and restore it afterwards.
"""

import contextlib
import math
import sys
from typing import Any, Callable, NamedTuple

import numpy as np

import call_helpers
import tangentlike as tl
from call_helpers import cubic, fixed_point, scaled_square

ORACLES = ("fd", "autograd")


class Case(NamedTuple):
    name: str
    fn: Callable
    args: tuple
    wrt: Any = None                 # None: the API default (the first argument)
    expected: Any = None            # a gradient worked out by hand, when given
    oracles: tuple = ORACLES
    recursion_limit: Any = None     # int: needs this recursion limit


class ErrorCase(NamedTuple):
    name: str
    fn: Callable
    args: tuple
    error: str                      # the name of the tangentlike exception class
    says: tuple                     # substrings the message must contain
    wrt: Any = None


@contextlib.contextmanager
def recursion_limit(case):
    """The recursion limit `case` needs, restored afterwards."""
    old = sys.getrecursionlimit()
    if case.recursion_limit is not None and case.recursion_limit > old:
        sys.setrecursionlimit(case.recursion_limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


# ------------------------------------------------------- helpers in this module

def _smoothstep(t):
    return t * t * (3.0 - 2.0 * t)


def _scaled_sin(x, scale=1.0, shift=0.0):
    return scale * math.sin(x + shift)


def _polar(x, y):
    return math.hypot(x, y), math.atan2(y, x)


def _weighted(u, w):
    return w * u * u + math.sin(w)


def _norm_ratio(x, y):
    r, theta = _polar(x, y)
    return _smoothstep(theta) * r + _weighted(r, 0.5)


def _sum_squares(xs):
    total = 0.0
    for v in xs:
        total = total + v * v
    return total


def _features(x):
    return [x, x * x, math.sin(x)]


def _layer(x, w):
    return np.tanh(w @ x)


def _clipped(x, limit):
    if x > limit:
        return limit + 0.1 * (x - limit)
    if x < -limit:
        return -limit + 0.1 * (x + limit)
    return x


def _exp_series(x, n):
    term = 1.0
    total = 1.0
    for k in range(1, n):
        term = term * x / k
        total = total + term
    return total


cube_plus = lambda t: t * t * t + t       # noqa: E731  (a module-level lambda)


# ------------------------------------------------------ calls to user functions

def same_module_call(x):
    return _smoothstep(x) * x + _smoothstep(0.5 * x)


def positional_literal_args(x, y):
    return _scaled_sin(x, 2.0) + _scaled_sin(y, 0.5, 0.3)


def keyword_literal_args(x, y):
    return _scaled_sin(x, scale=3.0) * _scaled_sin(y, shift=-0.2, scale=1.5)


def default_args(x):
    return _scaled_sin(x) + _scaled_sin(x * x) * _scaled_sin(0.3)


def active_keyword_args(x, y):
    # differentiated values passed by keyword, out of order, to non-first parameters
    return _scaled_sin(shift=y, x=0.4, scale=x) + _scaled_sin(y, shift=x)


def other_module_attribute(x, y):
    return call_helpers.rational(x, y) + call_helpers.cubic(x)


def other_module_from_import(x):
    return cubic(x, 0.25) * scaled_square(x, scale=0.5) + cubic(x)


def other_module_helper_chain(x):
    return call_helpers.chained(x) - x


def other_module_many_literals(x, c):
    return call_helpers.horner(x, 1.0, c, -0.5, 0.25)


def tuple_return_unpacked(x, y):
    p, q = call_helpers.quadratic_pair(x, y)
    return p * q + p


def tuple_return_same_module(x, y):
    r, theta = _polar(x, y)
    return r * math.cos(theta) + theta * theta


def tuple_return_indexed(x, y):
    pair = _polar(x, y)
    return pair[0] + pair[1] * pair[0]


def call_in_loop_overwritten(x, n):
    for i in range(n):
        x = call_helpers.damped_step(x, i)
    return x


def call_in_loop_accumulate(x, n):
    s = 0.0
    for i in range(n):
        s = s + _scaled_sin(x, 1.0 / (i + 1), 0.1 * i)
    return s


def call_in_while(x):
    k = 0
    while k < 4:
        x = _smoothstep(x) * 0.9 + 0.1 * x
        k += 1
    return x


def call_in_branch(x, y):
    if x > y:
        z = _smoothstep(x - y)
    else:
        z = _scaled_sin(y - x, 2.0)
    return z * y


def call_in_condition(x):
    if _smoothstep(x) > 0.5:
        return x * x
    return -x


def calls_in_expression(x, y):
    return _smoothstep(x) * _smoothstep(y) + _scaled_sin(x * y) / (1.0 + _smoothstep(x))


def nested_calls(x):
    return _smoothstep(_smoothstep(x))


def nested_calls_three_deep(x):
    return math.exp(_scaled_sin(_smoothstep(x), 2.0))


def helper_calls_helper(x, y):
    return _norm_ratio(x, y)


def same_helper_active_patterns(x, y):
    a = _weighted(x, 2.0)        # first argument differentiated
    b = _weighted(0.5, y)        # second
    c = _weighted(x, y)          # both
    d = _weighted(1.0, 3.0)      # neither
    return a + b * c + d


def call_with_list_arg(xs):
    return _sum_squares(xs) / len(xs)


def helper_returns_list(x):
    v = _features(x)
    return v[0] * v[1] + v[2]


def call_in_comprehension(xs):
    return sum(_smoothstep(v) for v in xs)


def call_with_arrays(x, w):
    return np.sum(_layer(x, w) ** 2)


def helper_early_returns(x):
    return _clipped(x, 1.0) + _clipped(2.0 * x, 1.0) + _clipped(-3.0 * x, 1.0)


def helper_with_loop(x, n):
    return _exp_series(x, n) * _exp_series(-x, n)


def call_as_statement(x):
    _smoothstep(x)
    return _smoothstep(x) * 2.0


def module_lambda_call(x):
    return cube_plus(x) * 2.0 + cube_plus(0.5)


# ------------------------------------------------------------------- recursion

def power_rec(a, b):
    return a if b == 0 else power_rec(a * a, b - 1)


def damped_sin_rec(x, n):
    return x if n == 0 else math.sin(damped_sin_rec(x, n - 1)) * 0.9 + x


def rec_two_active(a, b, n):
    if n == 0:
        return a * b
    return rec_two_active(a + 0.1 * b, b * math.cos(a), n - 1)


def rec_list_sum(xs, i):
    if i == len(xs):
        return 0.0
    return xs[i] * xs[i] * (i + 1) + rec_list_sum(xs, i + 1)


def even_chain(x, n):
    if n == 0:
        return x
    return odd_chain(x * 1.1, n - 1)


def odd_chain(x, n):
    if n == 0:
        return math.sin(x)
    return even_chain(x + 0.1 * x * x, n - 1)


def fib_like(x, n):
    if n <= 1:
        return x * (n + 1.0)
    return 0.6 * fib_like(x, n - 1) + 0.4 * math.sin(fib_like(x, n - 2))


def tree_rec(x, y, depth):
    if depth == 0:
        return x * y
    return tree_rec(x * 0.9, y + 0.1, depth - 1) + 0.5 * math.cos(tree_rec(y, x, depth - 1))


def rec_accumulator(x, acc, n):
    if n == 0:
        return acc
    return rec_accumulator(x, acc * x + 1.0, n - 1)


def rec_other_module(x):
    return call_helpers.power_down(x, 3) * 0.5


def rec_in_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + power_rec(x, i) * 0.1
    return s


def rec_pair(x, y, n):
    if n == 0:
        return x, y
    a, b = rec_pair(y * 0.8, x + 0.1 * y * y, n - 1)
    return a + 0.05 * b, b


def rec_pair_loss(x, y, n):
    a, b = rec_pair(x, y, n)
    return a * b


def deep_rec(x, n):
    if n == 0:
        return x
    return deep_rec(x + 0.001 * math.sin(x), n - 1)


# --------------------------------------------- nested definitions and closures

def closure_captures_active(x, y):
    def g(t):
        return t * x + y * y
    return g(1.5) + g(y) * g(x)


def lambda_bound_to_name(x):
    sq = lambda t: t * t * x          # noqa: E731
    return sq(x) + sq(2.0)


def nested_early_return(x, y):
    def g(t):
        if t > 0.0:
            return t * y
        return -0.5 * t * y
    return g(x) + g(x - 2.0)


def nested_called_in_loop(x, n):
    def step(s, k):
        return s + 0.1 * math.sin(s * x + k)
    s = x
    for k in range(n):
        s = step(s, k)
    return s


def nested_late_binding(x):
    def g(t):
        return t * c
    c = x
    a = g(2.0)
    c = x * x
    b = g(3.0)
    return a + b


def nested_calls_module_helper(x):
    def g(t):
        return _smoothstep(t) * x
    return g(x) + g(0.3)


def nested_default_and_keyword(x):
    def g(t, scale=2.0):
        return scale * t * t
    return g(x) + g(x, 0.5) + g(t=x, scale=x)


def nested_returns_tuple(x, y):
    def polar(a, b):
        return math.hypot(a, b), math.atan2(b, a)
    r, th = polar(x, y)
    return r * th


def nested_in_nested(x):
    def outer(t):
        def inner(u):
            return u * x
        return inner(t) + inner(t * t)
    return outer(x) * outer(0.5)


def lambda_calls_lambda(x, y):
    bump = lambda t: math.exp(-t * t)          # noqa: E731
    scaled = lambda t, u: bump(t) * u          # noqa: E731
    return scaled(x, y) + bump(y)


# ------------------------------------------------------------ user-defined rules

def log1pexp(x):
    """log(1 + exp(x)) without overflow."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


@tl.register_adjoint(log1pexp)
def log1pexp_adjoint(g, ans, x):
    return g * 0.5 * (1.0 + math.tanh(0.5 * x))


@tl.register_tangent(log1pexp)
def log1pexp_tangent(ans, x, dx):
    return dx * 0.5 * (1.0 + math.tanh(0.5 * x))


def smooth_max(a, b):
    m = max(a, b)
    return m + math.log(math.exp(a - m) + math.exp(b - m))


@tl.register_adjoint(smooth_max)
def smooth_max_adjoint(g, ans, a, b):
    return g * math.exp(a - ans), g * math.exp(b - ans)


@tl.register_tangent(smooth_max)
def smooth_max_tangent(ans, a, b, da, db):
    return da * math.exp(a - ans) + db * math.exp(b - ans)


def round_half(x):
    """x rounded to a multiple of 0.5; its rule is the straight-through estimator."""
    return math.floor(2.0 * x + 0.5) / 2.0


@tl.register_adjoint(round_half)
def round_half_adjoint(g, ans, x):
    return g


@tl.register_tangent(round_half)
def round_half_tangent(ans, x, dx):
    return dx


def norm_scale(x):
    """A normalizer the user declares constant (its body is differentiable)."""
    return math.sqrt(x * x + 1.0)


tl.register_nondifferentiable(norm_scale)


@tl.register_adjoint(call_helpers.soft_relu)
def soft_relu_adjoint(g, ans, x):
    return g * 0.5 * (1.0 + x / math.sqrt(x * x + 1.0))


@tl.register_tangent(call_helpers.soft_relu)
def soft_relu_tangent(ans, x, dx):
    return dx * 0.5 * (1.0 + x / math.sqrt(x * x + 1.0))


def softplus_loss(x, y):
    return log1pexp(x * y) + 0.1 * x * x


def smooth_max_loss(x, y):
    return smooth_max(x, y) * smooth_max(x, 2.0) + smooth_max(0.5, y)


def straight_through(x):
    return round_half(x) * 3.0 + x * x


def declared_constant(x):
    return x / norm_scale(x)


def stop_gradient_product(x):
    return x * tl.stop_gradient(x)


def stop_gradient_of_call(x, y):
    return tl.stop_gradient(_smoothstep(x)) * y + x * y


def stop_gradient_in_loop(x, n):
    for _ in range(n):
        x = x - 0.1 * (x - 0.5 * tl.stop_gradient(x))
    return x


# ----------------------------------------------------------- methods and objects

class Affine:
    def __init__(self, w, b):
        self.w = w
        self.b = b

    def forward(self, x):
        return self.w * x + self.b

    def __call__(self, x):
        return self.forward(x)


class TwoLayer:
    def __init__(self, w1, w2):
        self.w1 = w1
        self.w2 = w2

    def hidden(self, x):
        return self.w1 * x * x

    def forward(self, x):
        h = self.hidden(x)
        return self.w2 * h + x


class Ops:
    @staticmethod
    def softsign(x):
        return x / (1.0 + abs(x))


class Limiter:
    """A user class whose method shares its name with an ndarray method."""

    def __init__(self, c):
        self.c = c

    def clip(self, x):
        return x / (1.0 + abs(x) / self.c)


MODEL = Affine(1.5, -0.3)


def method_on_argument(x, model):
    return model.forward(x) ** 2


def method_on_module_instance(x):
    return MODEL.forward(x) * x


def method_calling_method(x, net):
    y = net.forward(x)
    return y * y


def attributes_as_constants(x, model):
    return model.w * x * x + model.b


def callable_object(x, model):
    return model(x) * x


def method_in_loop(x, model, n):
    for _ in range(n):
        x = model.forward(x) * 0.5
    return x


def static_method_call(x):
    return Ops.softsign(x) * x + Ops.softsign(2.0 * x)


def method_named_like_ndarray(x, limiter):
    return limiter.clip(x) * x


# ---------------------------------------------------------------------- errors

_MULTIPLY = np.frompyfunc(lambda a, b: a * b, 2, 1)


def _fmod_helper(t):
    return math.fmod(t, 0.7) + t


def calls_fmod(x):
    return math.fmod(x, 0.7) * x


def calls_fmod_through_helper(x):
    return _fmod_helper(x) * 2.0


def calls_frompyfunc(x):
    return _MULTIPLY(x, 2.0) + x


def lambda_to_builtin(xs):
    return sum(map(lambda t: t * t, xs))


def function_value_to_recursion(x):
    return _apply_n(lambda t: t * t, x, 3)


def function_value_kept_by_callee(x):
    return _keeps_function(lambda t: t * t, x)


def recursive_nested_function(x, n):
    def down(t, k):
        return t if k == 0 else down(t * t, k - 1)
    return down(x, n)


# ------------------------------------------- function values given to user functions

def _apply(fn, x):
    return fn(x)


def _apply_twice(fn, x):
    return fn(fn(x))


def _twice_through(fn, x):
    """Passes its function value on to two other helpers."""
    return _apply_twice(fn, _apply(fn, x))


def _combine(fn, x, y, weight=1.0):
    if x > y:
        return weight * fn(x, y)
    return fn(y, x) - weight


def _apply_n(fn, x, n):
    return x if n == 0 else _apply_n(fn, fn(x), n - 1)


def _keeps_function(fn, x):
    g = fn
    return g(x)


def nested_passed_as_value(x):
    def g(t):
        return t * x
    return _apply_twice(g, x)


def lambda_passed_as_value(x):
    sq = lambda t: t * t        # noqa: E731
    return _apply_twice(sq, x)


def inline_lambda_argument(x):
    return _apply_twice(lambda t: t * x, x)


def lambda_to_other_module(x, y):
    panels = 3.0            # a local named like a module-level value the helper reads
    return call_helpers.trapezoid(lambda t: y * t * t + math.sin(t * x), 0.0, x) * panels


def lambda_to_from_import(x, c):
    return fixed_point(lambda t: 0.5 * (t + c / t), x, steps=4)


def two_function_values(x, y):
    return call_helpers.compose(lambda t: t * y, lambda t: math.exp(-t * x), x)


def function_value_by_keyword(x, y):
    return _combine(y=y, x=x, fn=lambda a, b: a * b + a * a, weight=y)


def function_value_passed_on(x):
    return _twice_through(lambda t: math.sin(t) * x, x)


def function_value_in_loop(x, n):
    w = 0.5
    for _ in range(n):
        x = _apply(lambda t: t * w + math.cos(t), x)
        w = w * x
    return x


def module_function_as_value(x):
    return _apply_twice(math.sin, x) + _apply(cubic, x)


def array_function_value(x, w):
    return np.sum(_apply_twice(lambda v: np.tanh(v * w), x))


# ------------------------------------------------------------------------ tables

_W23 = np.array([[0.5, -0.3, 0.8], [0.2, 0.7, -0.4]])

CASES = [
    # --- calls to user functions
    Case("same_module_call", same_module_call, (0.7,)),
    Case("positional_literal_args", positional_literal_args, (0.7, 1.2), (0, 1)),
    Case("keyword_literal_args", keyword_literal_args, (0.7, 1.2), (0, 1)),
    Case("default_args", default_args, (0.9,)),
    Case("active_keyword_args", active_keyword_args, (1.3, 0.6), (0, 1)),
    Case("other_module_attribute", other_module_attribute, (0.8, -0.4), (0, 1)),
    Case("other_module_from_import", other_module_from_import, (1.1,)),
    Case("other_module_helper_chain", other_module_helper_chain, (0.6,)),
    Case("other_module_many_literals", other_module_many_literals, (1.2, 0.7), (0, 1)),
    Case("tuple_return_unpacked", tuple_return_unpacked, (0.9, 0.4), (0, 1)),
    Case("tuple_return_same_module", tuple_return_same_module, (0.9, 0.4), (0, 1)),
    Case("tuple_return_indexed", tuple_return_indexed, (1.3, -0.6), ("x", "y")),
    Case("call_in_loop_overwritten", call_in_loop_overwritten, (1.0, 6)),
    Case("call_in_loop_accumulate", call_in_loop_accumulate, (0.8, 5)),
    Case("call_in_while", call_in_while, (0.4,)),
    Case("call_in_branch[then]", call_in_branch, (1.4, 0.9), (0, 1)),
    Case("call_in_branch[else]", call_in_branch, (0.3, 0.9), (0, 1)),
    Case("call_in_condition[then]", call_in_condition, (0.7,)),
    Case("call_in_condition[else]", call_in_condition, (0.2,)),
    Case("calls_in_expression", calls_in_expression, (0.3, 0.8), (0, 1)),
    Case("nested_calls", nested_calls, (0.35,)),
    Case("nested_calls_three_deep", nested_calls_three_deep, (0.6,)),
    Case("helper_calls_helper", helper_calls_helper, (0.8, 0.5), (0, 1)),
    Case("same_helper_active_patterns", same_helper_active_patterns, (0.7, 1.3), (0, 1)),
    Case("call_with_list_arg", call_with_list_arg, ([0.5, -1.2, 2.0],)),
    Case("helper_returns_list", helper_returns_list, (0.8,)),
    Case("call_in_comprehension", call_in_comprehension, ([0.2, 0.5, 0.9],)),
    Case("call_with_arrays", call_with_arrays, (np.array([0.3, -0.5, 0.9]), _W23), (0, 1)),
    Case("helper_early_returns", helper_early_returns, (0.4,)),
    Case("helper_with_loop", helper_with_loop, (0.6, 8)),
    Case("call_as_statement", call_as_statement, (0.6,)),
    Case("module_lambda_call", module_lambda_call, (0.8,)),
    # --- recursion
    Case("power_rec", power_rec, (3.0, 2), expected=108.0),
    Case("damped_sin_rec", damped_sin_rec, (0.7, 20)),
    Case("damped_sin_rec_w2_depth200", damped_sin_rec, (0.7, 200), recursion_limit=10_000),
    Case("rec_two_active", rec_two_active, (0.6, 1.1, 5), (0, 1)),
    Case("rec_list_sum", rec_list_sum, ([0.5, -1.0, 1.5, 0.25], 0)),
    Case("mutual_recursion_even", even_chain, (0.4, 6)),
    Case("mutual_recursion_odd", odd_chain, (0.4, 5)),
    Case("branching_recursion_fib", fib_like, (0.7, 10)),
    Case("branching_recursion_tree", tree_rec, (0.5, 0.8, 6), (0, 1)),
    Case("rec_accumulator", rec_accumulator, (0.9, 0.5, 6), (0, 1)),
    Case("rec_other_module", rec_other_module, (1.05,), expected=0.5 * 8 * 1.05 ** 7),
    Case("rec_in_loop", rec_in_loop, (1.1, 4)),
    Case("recursion_returning_tuple", rec_pair_loss, (0.6, 0.9, 5), (0, 1)),
    Case("deep_recursion_1000", deep_rec, (0.8, 1000), recursion_limit=20_000),
    # --- nested definitions, closures, lambdas
    Case("closure_captures_active", closure_captures_active, (0.7, 1.2), (0, 1)),
    Case("lambda_bound_to_name", lambda_bound_to_name, (0.9,)),
    Case("nested_early_return", nested_early_return, (0.8, 1.5), (0, 1)),
    Case("nested_called_in_loop", nested_called_in_loop, (0.6, 5)),
    Case("nested_late_binding", nested_late_binding, (0.7,), expected=2.0 + 6.0 * 0.7),
    Case("nested_calls_module_helper", nested_calls_module_helper, (0.6,)),
    Case("nested_default_and_keyword", nested_default_and_keyword, (0.9,)),
    Case("nested_returns_tuple", nested_returns_tuple, (0.9, 0.4), (0, 1)),
    Case("nested_in_nested", nested_in_nested, (0.8,)),
    # --- function values (lambdas, nested defs, module functions) given to user functions
    Case("nested_def_passed_as_value", nested_passed_as_value, (0.5,)),
    Case("lambda_passed_as_value", lambda_passed_as_value, (0.5,)),
    Case("inline_lambda_argument", inline_lambda_argument, (0.5,)),
    Case("lambda_to_other_module", lambda_to_other_module, (0.8, 1.3), (0, 1)),
    Case("lambda_to_from_import", lambda_to_from_import, (1.0, 2.0), (0, 1)),
    Case("two_function_values", two_function_values, (0.7, 1.4), (0, 1)),
    Case("function_value_by_keyword[then]", function_value_by_keyword, (1.2, 0.5), (0, 1)),
    Case("function_value_by_keyword[else]", function_value_by_keyword, (0.4, 0.9), (0, 1)),
    Case("function_value_passed_on", function_value_passed_on, (0.9,)),
    Case("function_value_in_loop", function_value_in_loop, (0.6, 4)),
    Case("module_function_as_value", module_function_as_value, (0.7,)),
    Case("array_function_value", array_function_value,
         (np.array([0.3, -0.8, 1.1]), 0.7), (0, 1)),
    Case("lambda_calls_lambda", lambda_calls_lambda, (0.5, 1.4), (0, 1)),
    # --- user-defined rules
    Case("rule_softplus", softplus_loss, (0.8, -1.3), (0, 1)),
    Case("rule_softplus_large", softplus_loss, (40.0, 20.0), (0, 1),
         expected=(20.0 + 8.0, 40.0)),
    Case("rule_softplus_very_negative", softplus_loss, (40.0, -20.0), (0, 1),
         expected=(8.0, 0.0)),
    Case("rule_two_arguments", smooth_max_loss, (0.8, 1.3), (0, 1)),
    # the rule's template uses `math`; the module of the differentiated function does not
    Case("rule_in_module_without_its_imports", call_helpers.uses_soft_relu, (0.7,)),
    Case("rule_straight_through", straight_through, (1.3,), expected=3.0 + 2.6, oracles=()),
    Case("rule_nondifferentiable", declared_constant, (0.75,),
         expected=1.0 / math.sqrt(0.75 ** 2 + 1.0), oracles=()),
    Case("stop_gradient_product", stop_gradient_product, (3.0,), expected=3.0, oracles=()),
    Case("stop_gradient_of_call", stop_gradient_of_call, (0.6, 1.7), (0, 1),
         expected=(1.7, 0.6 * 0.6 * (3.0 - 1.2) + 0.6), oracles=()),
    Case("stop_gradient_in_loop", stop_gradient_in_loop, (0.8, 5), expected=0.9 ** 5,
         oracles=()),
    # --- methods and objects
    Case("method_on_argument", method_on_argument, (0.7, Affine(1.5, -0.3))),
    Case("method_on_module_instance", method_on_module_instance, (0.7,)),
    Case("method_calling_method", method_calling_method, (0.6, TwoLayer(0.8, -1.2))),
    Case("attributes_as_constants", attributes_as_constants, (0.6, Affine(1.5, -0.3))),
    Case("callable_object", callable_object, (0.7, Affine(1.5, -0.3))),
    Case("method_in_loop", method_in_loop, (0.9, Affine(1.2, 0.1), 4)),
    Case("static_method_call", static_method_call, (0.7,)),
    Case("method_named_like_ndarray", method_named_like_ndarray, (0.7, Limiter(2.0))),
]

ERRORS = [
    ErrorCase("c_function_without_rule", calls_fmod, (2.5,), "NoDerivativeError",
              ("math.fmod", "tl.register_adjoint")),
    ErrorCase("c_function_in_callee", calls_fmod_through_helper, (2.5,), "NoDerivativeError",
              ("math.fmod", "tl.register_adjoint")),
    ErrorCase("frompyfunc_result", calls_frompyfunc, (1.5,), "NoDerivativeError",
              ("_MULTIPLY", "tl.register_adjoint")),
    ErrorCase("lambda_to_builtin", lambda_to_builtin, ([0.5, 1.5],),
              "UnsupportedSyntaxError", ("function value", "map")),
    ErrorCase("function_value_to_recursion", function_value_to_recursion, (0.9,),
              "UnsupportedSyntaxError", ("recursive function", "'_apply_n'")),
    ErrorCase("function_value_kept_by_callee", function_value_kept_by_callee, (0.9,),
              "UnsupportedSyntaxError", ("as a value",)),
    ErrorCase("recursive_nested_function", recursive_nested_function, (1.1, 3),
              "UnsupportedSyntaxError", ("recursive nested function", "'down'")),
    ErrorCase("wrt_object_argument", method_on_argument, (0.7, Affine(1.5, -0.3)),
              "NonDifferentiableArgumentError", ("model", "Affine"), wrt="model"),
    ErrorCase("wrt_object_argument_in_tuple", attributes_as_constants,
              (0.6, Affine(1.5, -0.3)), "NonDifferentiableArgumentError", ("model",),
              wrt=(0, 1)),
]
