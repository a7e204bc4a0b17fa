"""Functions exercising every Python statement form reverse mode must handle.

Each function is small, numeric and defined at module level (so `inspect.getsource`
works for tangentlike and for the autograd oracle).  `CASES` pairs them with inputs
in a valid domain: away from branch boundaries, `min`/`max` ties, loop-count changes
and the jumps of `//` and `%`, so central differences are meaningful.

`Case.kind` says whether a case is pure Python scalars ("scalar") or touches NumPy
("numpy": an array argument or an `np.` call in the function).

Derivative conventions the table relies on: d(a // b) = 0 with respect to both
operands; d(a % b)/da = 1 and d(a % b)/db = -floor(a / b).
"""

import inspect
import math
from typing import Any, Callable, NamedTuple

import numpy as np


class Case(NamedTuple):
    name: str
    fn: Callable
    args: tuple
    wrt: Any = None          # None: the API default (the first argument)

    @property
    def kind(self):
        if any(isinstance(a, np.ndarray) for a in self.args):
            return "numpy"
        return "numpy" if "np." in inspect.getsource(self.fn) else "scalar"


# ---------------------------------------------------------------- assignment

def assign_chain(x, y):
    a = x * y
    b = a + x
    c = b * b - a
    d = c / y
    return d


def tuple_pack_unpack(x, y):
    pair = (x + y, x - y)
    s, d = pair
    (u, v), w = (s * d, s + d), x * 3.0
    triple = u, v, w
    a, b, c = triple
    return a * b + c + triple[2]


def swap_simple(a, b):
    a, b = b, a
    return a * a + 3.0 * b


def swap_fibonacci(x, y, n):
    a, b = x, y
    for _ in range(n):
        a, b = b, a + 0.5 * b
    return a * b


def rotate_three(x, y, z):
    for _ in range(3):
        x, y, z = y, z, x
        z = z * 1.1 + 0.2 * y
    return x + 2.0 * y + 3.0 * z


def augmented_ops(x, y):
    s = x
    s += y
    s -= 0.5 * x
    s *= y
    s /= 1.0 + x * x
    s **= 2
    s += 1.0
    s **= 0.5
    return s


def augmented_in_loop(x, n):
    acc = 1.0
    for i in range(n):
        acc *= x
        acc += 0.1 * i
        acc /= 1.5
        acc -= 0.01 * x
    return acc


def reassign_many(x):
    y = x
    y = y * y
    y = y + x
    y = math.sin(y)
    y = y * x
    y = y - 1.0
    y = y / 2.0
    y = y * y + x
    return y


def overwrite_in_loop(x):
    y = x
    t = 0.0
    for i in range(5):
        t = y * y
        y = 0.5 * t + math.cos(y)
        t = t * x
    return y + t


# ------------------------------------------------------------------ operators

def arith_basic(x, y):
    return (x + y) * (x - y) / (1.0 + y * y) - x ** 3 + (-y) ** 2 + -x


def power_forms(x, y):
    return x ** 2 + x ** 0.5 + y ** x + x ** y + 2.0 ** x + x ** -1


def unary_neg(x):
    y = -x
    z = -(y * -x)
    return z + -math.exp(-x) - -y


def floordiv_scale(a, b):
    k = a // b
    return k * a + b * b


def mod_remainder(a, b):
    r = a % b
    return r * r + 3.0 * r


def wrap_angle(theta):
    phase = theta % (2.0 * math.pi)
    turns = theta // (2.0 * math.pi)
    return math.sin(phase) * phase + turns


def floordiv_mod_mixed(x, period):
    cycles = x // period
    frac = x % period
    frac //= 0.25
    return cycles * period + (x % period) ** 2 / period + frac


def comparisons(x, y):
    total = 0.0
    if x < y:
        total += x * y
    if x <= 2.0:
        total += x
    if y >= x:
        total += y * y
    if x != y:
        total -= 0.5 * x
    if x == 3.0:
        total = 0.0
    if 0.0 < x < 1.0:
        total += math.sin(x)
    return total


def bool_ops(x, y):
    z = x * y
    if x > 0.0 and y > 0.0:
        z = z + x
    if x > 5.0 or y < 1.0:
        z = z * y
    if not (x > y):
        z = z - y
    if not x > 2.0 and (y > 0.0 or x > 0.0):
        z = z * z
    return z


def ternary(x, y):
    m = x if x > y else y
    s = -1.0 if x < 0.0 else 1.0
    return m * s * x + (x * x if y > 2.0 else y * y)


def ternary_nested(x):
    return x * x if x < -1.0 else (math.sin(x) if x < 1.0 else math.log(x) + 0.84)


# ------------------------------------------------------------------ branches

def if_elif_else(x):
    if x < -1.0:
        y = -x * x
    elif x < 1.0:
        y = math.sin(x)
    elif x < 3.0:
        y = x * math.log(x)
    else:
        y = math.sqrt(x)
    return y * x


def nested_if(x, y):
    if x > 0.0:
        if y > 0.0:
            z = x * y
        else:
            z = x - y
            if z > 3.0:
                z = z * z
    else:
        if y > x:
            z = y * math.exp(x)
        else:
            z = x
    return z + x


def huber(r, delta):
    if abs(r) <= delta:
        loss = 0.5 * r * r
    else:
        loss = delta * (abs(r) - 0.5 * delta)
    return loss


def branch_on_flag(x, y, use_log):
    if use_log:
        z = math.log(x) * y
    else:
        z = x * y
    return z * z


def branch_assigns_different_names(x):
    if x > 1.0:
        a = x * 2.0
        b = 1.0
    else:
        b = x * 3.0
        a = 1.0
    return a * b + a


# ------------------------------------------------------------------ for loops

def for_range_n(x, n):
    s = 0.0
    for i in range(n):
        s = s + x ** i / (i + 1)
    return s


def for_range_a_b(x):
    s = 0.0
    for k in range(2, 6):
        s += math.sin(k * x) / k
    return s


def for_range_neg_step(x, n):
    s = 1.0
    for i in range(n, 0, -2):
        s = s * x + i
    return s


def horner(coeffs, x):
    acc = 0.0
    for i in range(len(coeffs) - 1, -1, -1):
        acc = acc * x + coeffs[i]
    return acc


def for_range_len(xs):
    s = 0.0
    for i in range(len(xs)):
        s += (i + 1) * xs[i] ** 2
    return s


def for_range_half(x, n):
    s = x
    for i in range(n // 2):
        s = s * math.cos(s) + i
    return s


def for_range_runtime_bounds(x, lo, hi):
    s = 0.0
    for k in range(lo + 1, 2 * hi - lo, 3):
        s += x ** 2 / k
    return s


def for_over_list(xs):
    total = 0.0
    for v in xs:
        total = total + v * math.exp(-v)
    return total


def for_over_tuple(x):
    total = 0.0
    for w in (0.5, 1.5, 2.5):
        total += math.sin(w * x) * w
    return total


def for_over_tuple_arg(point):
    r2 = 0.0
    for c in point:
        r2 += c * c
    return math.sqrt(r2)


def for_enumerate(xs):
    s = 0.0
    for i, v in enumerate(xs):
        s += v * (i + 1) ** 0.5
    return s * s


def for_zip(xs, ws):
    num = 0.0
    den = 0.0
    for x, w in zip(xs, ws):
        num += w * x
        den += w
    return num / den


def for_enumerate_zip(xs, ys):
    s = 0.0
    for i, (x, y) in enumerate(zip(xs, ys)):
        s += (x - y) ** 2 / (i + 1)
    return s


def nested_loops(x, n, m):
    s = 0.0
    for i in range(n):
        for j in range(m):
            s += math.sin(x * (i + 1)) * (j + 0.5)
    return s


def nested_loops_triangular(xs):
    s = 0.0
    for i in range(len(xs)):
        for j in range(i):
            s += xs[i] * xs[j] / (i + j)
    return s


def matvec_lists(A, v):
    out = 0.0
    for row in A:
        dot = 0.0
        for a, b in zip(row, v):
            dot += a * b
        out += dot * dot
    return out


# --------------------------------------------------------------- while loops

def while_grow(x):
    y = x
    while y < 10.0:
        y = y * 1.5
    return y


def while_counter(x, n):
    i = 0
    y = x
    while i < n:
        y = y - 0.1 * math.sin(y)
        i += 1
    return y


def while_true_break(x):
    y = x
    steps = 0
    while True:
        y = y * 1.3 + 0.1
        steps += 1
        if y > 5.0:
            break
    return y + steps


def newton_sqrt(a):
    y = a if a > 1.0 else 1.0
    while True:
        y_next = 0.5 * (y + a / y)
        if abs(y_next - y) < 1e-12:
            break
        y = y_next
    return y_next


# ------------------------------------------------------- break and continue

def for_break(xs, limit):
    total = 0.0
    for v in xs:
        total += v * v
        if total > limit:
            break
    return total


def for_continue(xs):
    total = 0.0
    for v in xs:
        if v < 0.0:
            continue
        total += math.sqrt(v) * v
    return total


def while_continue(x, n):
    i = 0
    y = x
    while i < n:
        i += 1
        if i % 2 == 0:
            continue
        y = y * math.cos(y) + 1.0
    return y


def nested_break(xs, ys):
    s = 0.0
    for x in xs:
        for y in ys:
            if y > x:
                break
            s += x * y
    return s


def break_and_continue(xs):
    s = 0.0
    count = 0
    for v in xs:
        if v < 0.0:
            continue
        if v > 10.0:
            break
        s += v * v
        count += 1
    return s / count


# ------------------------------------------------------------------ returns

def early_return_in_loop(x, knots):
    for i, t in enumerate(knots):
        if x < t:
            return (i + 1) * x * x
    return -x


def returns_in_branches(x):
    if x < 0.0:
        return x * x
    y = math.exp(-x)
    if y < 0.5:
        return y * x
    return y + x


def return_in_while(x):
    y = x
    while y < 100.0:
        y = y * y + 1.0
        if y > 20.0:
            return y * 0.5
    return y


def return_from_nested_loop(x, n):
    s = 0.0
    for i in range(n):
        for j in range(n):
            s += x * (i + j + 1)
            if s > 5.0:
                return s * x
    return s


def inner_tail_break_then_more(x, n):
    """The inner loop ends with `if ...: break`; the outer body goes on after it."""
    s = 0.0
    for i in range(n):
        for j in range(n):
            s = s + x * (i + j + 1)
            if s > 5.0:
                break
        s = s * 0.5
        if s > 20.0:
            break
    return s


def branches_reverse_alike(x, n):
    """Both branches overwrite `w` with a constant: the backward sweep restores it the
    same way whichever ran, so no branch decision needs recording."""
    s = 0.0
    w = 1.0
    for k in range(n):
        if k % 2 == 1:
            w = 4.0
        else:
            w = 2.0
        s = s + w * math.sin(x * k)
    return s * w


# ----------------------------------------------------------------- builtins

def builtin_abs(x):
    return abs(x) * x + abs(x - 3.0)


def builtin_min_max(x, y):
    return max(x, y) * min(x, 2.0) + max(x, y, 0.5) - min(y, 4.0, x * x)


def builtin_min_max_list(xs):
    return max(xs) - min(xs) + max(xs) * min(xs)


def builtin_sum_len(xs):
    mean = sum(xs) / len(xs)
    return sum([(v - mean) ** 2 for v in xs]) / len(xs) + sum(xs, 1.0)


def builtin_pow(x, y):
    return pow(x, 3) + pow(x, y) + pow(2.0, x)


def builtin_float(x, n):
    return float(n) * x + float(x) ** 2


# ------------------------------------------------------------ math functions

def m_exp(x):
    return math.exp(0.5 * x) * x


def m_log(x):
    return math.log(x) * x


def m_log_base(x, base):
    return math.log(x, base) + math.log(x, 2.0)


def m_log1p(x):
    return math.log1p(x * x)


def m_log2(x):
    return math.log2(x) * x


def m_log10(x):
    return math.log10(3.0 * x)


def m_sqrt(x):
    return math.sqrt(x * x + 1.0)


def m_sin(x):
    return math.sin(x) * x


def m_cos(x):
    return math.cos(2.0 * x)


def m_tan(x):
    return math.tan(x)


def m_asin(x):
    return math.asin(x)


def m_acos(x):
    return math.acos(x) * x


def m_atan(x):
    return math.atan(x * x)


def m_atan2(y, x):
    return math.atan2(y, x)


def m_sinh(x):
    return math.sinh(x)


def m_cosh(x):
    return math.cosh(x) / x


def m_tanh(x):
    return math.tanh(x)


def m_erf(x):
    return math.erf(x)


def m_erfc(x):
    return math.erfc(x) * x


def m_hypot(x, y):
    return math.hypot(x, y)


def m_pow(x, y):
    return math.pow(x, y)


def m_fabs(x):
    return math.fabs(x) * math.fabs(x - 1.0)


def normal_cdf(x, mu, sigma):
    z = (x - mu) / (sigma * math.sqrt(2.0))
    return 0.5 * (1.0 + math.erf(z))


def softplus_logistic(x):
    sp = math.log1p(math.exp(x))
    sig = 1.0 / (1.0 + math.exp(-x))
    return sp * sig


# ------------------------------------------------- lists, tuples and dicts

def list_literal_index(x, y):
    v = [x, y, x * y]
    return v[0] * v[2] + v[-1] - v[-2] + len(v)


def list_append(x, n):
    vals = []
    for i in range(n):
        vals.append(x ** i / (i + 1))
    return sum(vals) * vals[-1]


def list_item_assign(xs):
    ys = list(xs)
    ys[0] = ys[0] * 2.0
    ys[-1] = ys[1] + ys[-1]
    ys[1] = ys[0] * ys[1]
    return ys[0] + ys[1] * ys[2] + ys[-1]


def list_prefix_sums(xs):
    out = [0.0] * len(xs)
    running = 0.0
    for i in range(len(xs)):
        running = running + xs[i]
        out[i] = running * running
    return sum(out)


def tuple_arg(p):
    x, y = p
    q = (y, x * y)
    return q[0] * q[1] + p[0]


def dict_const_keys(x, y):
    params = {"w": x, "b": y}
    params["w2"] = params["w"] ** 2
    params["b"] = params["b"] * 3.0
    return params["w2"] + params["b"] * params["w"]


def dict_arg(params, x):
    h = params["w"] * x + params["b"]
    return math.tanh(h) * params["scale"]


def list_comp(xs):
    squares = [v * v for v in xs]
    return sum(squares)


def list_comp_filter(xs):
    kept = [math.exp(v) for v in xs if v > 0.0]
    return sum(kept) / len(kept)


def list_comp_range(x, n):
    powers = [x ** k for k in range(n)]
    return powers[-1] + powers[1] * powers[2]


def nested_list_comp(xs, ys):
    table = [[a * b for b in ys] for a in xs]
    return sum(sum(row) for row in table)


def sum_generator(xs, ws):
    return sum(w * v for w, v in zip(ws, xs)) + sum(v * v for v in xs if v > 0.0)


def list_of_lists_arg(rows):
    total = 0.0
    for row in rows:
        total += row[0] * row[-1]
    return total


# ------------------------------------------------------------------ helpers

def _square_plus(x, c):
    return x * x + c


def calls_helper(x, y):
    a = _square_plus(x, y)
    b = _square_plus(a, 1.0)
    return b / a


# --------------------------------------------------------------------- NumPy

def np_sum_exp(x):
    return np.sum(np.exp(x))


def np_dot(x, y):
    return np.dot(x, y) * np.sum(x)


def np_matmul_least_squares(W, x, y):
    r = W @ x - y
    return 0.5 * np.sum(r ** 2)


def np_elementwise(x):
    return np.sum(np.sin(x) * np.cos(x) + np.tanh(x) + np.log(x))


def np_vector_plus_scalar(x, c):
    return np.sum((x + c) ** 2)


def np_matrix_times_row(M, r):
    return np.sum(np.tanh(M * r))


def np_column_times_row(c, r):
    return np.sum(np.sin(c * r))


def np_scalar_scale(a, x):
    return np.sum(np.exp(a * x))


def np_scalar_math(x):
    return np.exp(x) * np.sin(x) + np.log(x)


def np_logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def np_logistic_regression(w, X, y):
    z = X @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


def np_mlp(W1, b1, W2, x):
    h = np.tanh(W1 @ x + b1)
    out = W2 @ h
    return np.sum(out ** 2)


def np_loop_rows(X, w):
    total = 0.0
    for row in X:
        total = total + np.dot(row, w) ** 2
    return total


def np_loop_index(x):
    s = 0.0
    for i in range(1, len(x)):
        s = s + x[i] * x[i - 1]
    return s + x[-1]


def np_while_array(x):
    while np.sum(x * x) < 10.0:
        x = x * 1.3
    return np.sum(x)


def np_augmented_arrays(x, y):
    z = x * 1.0
    z += y
    z *= x
    z -= 0.5
    z /= 2.0
    return np.sum(z * z)


def np_matrix_power_iteration(A, v, n):
    for _ in range(n):
        v = A @ v
        v = v / np.sqrt(np.sum(v * v))
    return np.dot(v, A @ v)


# ------------------------------------------------------ realistic mixtures

def newton_cuberoot(a, tol):
    """Newton's method for a ** (1/3) with a data-dependent stop."""
    y = a
    it = 0
    while True:
        step = (y * y * y - a) / (3.0 * y * y)
        y = y - step
        it += 1
        if abs(step) < tol:
            break
        if it > 50:
            break
    return y


def piecewise_linear(x, knots, values):
    """Linear interpolation through (knots[i], values[i]); early returns in a loop."""
    if x <= knots[0]:
        return values[0]
    for i in range(1, len(knots)):
        if x < knots[i]:
            t = (x - knots[i - 1]) / (knots[i] - knots[i - 1])
            return (1.0 - t) * values[i - 1] + t * values[i]
    return values[-1]


def integrate_ode(k, y0, n_steps, method):
    """dy/dt = -k y + sin(t) on [0, 1]; a str mode and an int step count."""
    h = 1.0 / n_steps
    y = y0
    t = 0.0
    for _ in range(n_steps):
        if method == "euler":
            y = y + h * (-k * y + math.sin(t))
        elif method == "midpoint":
            y_mid = y + 0.5 * h * (-k * y + math.sin(t))
            y = y + h * (-k * y_mid + math.sin(t + 0.5 * h))
        else:
            raise ValueError(method)
        t += h
    return y


def log_series(n, x, mode):
    """Truncated log(1 + x) or -log(1 - x) series: the differentiable argument is second."""
    s = 0.0
    for k in range(1, n + 1):
        term = x ** k / k
        if mode == "log1p" and k % 2 == 0:
            term = -term
        s += term
    return s


def gradient_descent(x0, lr, steps, clip):
    """Unrolled descent on (x - 2)^4 with optional step clipping."""
    x = x0
    for _ in range(steps):
        g = 4.0 * (x - 2.0) ** 3
        if clip and abs(g) > 1.0:
            g = 1.0 if g > 0.0 else -1.0
        x -= lr * g
    return (x - 2.0) ** 2 + x0 * lr


def welford(xs):
    """Online variance: many names overwritten in the loop."""
    n = 0
    mean = 0.0
    m2 = 0.0
    for v in xs:
        n += 1
        delta = v - mean
        mean += delta / n
        m2 += delta * (v - mean)
    return m2 / (n - 1)


def softmax_cross_entropy(logits, target):
    """Lists, max, exp, log, an int label."""
    m = max(logits)
    exps = [math.exp(z - m) for z in logits]
    total = sum(exps)
    probs = [e / total for e in exps]
    return -math.log(probs[target])


def projectile_range(speed, angle, drag):
    """Simulate until the projectile lands: while with a data-dependent condition."""
    vx = speed * math.cos(angle)
    vy = speed * math.sin(angle)
    x, y, dt = 0.0, 0.0, 0.01
    while y >= 0.0:
        x += vx * dt
        y += vy * dt
        vx -= drag * vx * dt
        vy -= (9.81 + drag * vy) * dt
    return x


def trapezoid_loop(a, n):
    """Integral of sin(a t) exp(-t) on [0, 2] by the trapezoid rule."""
    h = 2.0 / n
    total = 0.5 * (0.0 + math.sin(2.0 * a) * math.exp(-2.0))
    for i in range(1, n):
        t = i * h
        total += math.sin(a * t) * math.exp(-t)
    return total * h


def piecewise_tax(income, rates, brackets):
    """Accumulate over brackets with continue and an early return."""
    tax = 0.0
    lower = 0.0
    for rate, upper in zip(rates, brackets):
        if upper <= lower:
            continue
        if income <= upper:
            return tax + rate * (income - lower)
        tax += rate * (upper - lower)
        lower = upper
    return tax + rates[-1] * (income - lower)


# --------------------------------------------------------------------- table

_A34 = np.array([[0.3, -0.2, 0.5, 0.1],
                 [0.4, 0.6, -0.3, 0.2],
                 [-0.1, 0.2, 0.7, -0.5]])
_X43 = np.array([[0.5, -1.0, 0.3],
                 [1.2, 0.4, -0.7],
                 [-0.3, 0.8, 0.9],
                 [0.6, -0.2, 0.1]])
_RATES = [0.1, 0.15, 0.2, 0.4]
_BRACKETS = [10.0, 10.0, 40.0, 100.0]     # the empty second bracket takes `continue`
_SYM = np.array([[2.0, 0.5, 0.1], [0.5, 1.5, 0.3], [0.1, 0.3, 1.0]])

CASES = [
    # --- assignment, packing, swaps, augmented assignment (scalar)
    Case("assign_chain", assign_chain, (1.3, 0.7)),
    Case("assign_chain_wrt_y", assign_chain, (1.3, 0.7), 1),
    Case("tuple_pack_unpack", tuple_pack_unpack, (1.1, 0.4), (0, 1)),
    Case("swap_simple", swap_simple, (0.8, 1.9), (0, 1)),
    Case("swap_fibonacci", swap_fibonacci, (0.3, 0.9, 6), ("x", "y")),
    Case("rotate_three", rotate_three, (0.5, -0.4, 1.2), (0, 1, 2)),
    Case("augmented_ops", augmented_ops, (0.9, 1.7), (0, 1)),
    Case("augmented_in_loop", augmented_in_loop, (1.2, 7)),
    Case("reassign_many", reassign_many, (0.6,)),
    Case("overwrite_in_loop", overwrite_in_loop, (0.4,)),
    # --- operators (scalar)
    Case("arith_basic", arith_basic, (1.4, -0.6), (0, 1)),
    Case("power_forms", power_forms, (1.3, 0.8), (0, 1)),
    Case("unary_neg", unary_neg, (0.7,)),
    Case("floordiv_scale", floordiv_scale, (7.3, 2.0), (0, 1)),
    Case("mod_remainder", mod_remainder, (7.3, 2.0), (0, 1)),
    Case("mod_remainder_negative", mod_remainder, (-5.5, 2.0), ("a", "b")),
    Case("wrap_angle", wrap_angle, (8.0,)),
    Case("floordiv_mod_mixed", floordiv_mod_mixed, (5.7, 1.6), (0, 1)),
    Case("comparisons_lt", comparisons, (0.5, 1.5), (0, 1)),
    Case("comparisons_gt", comparisons, (2.5, 1.5), (0, 1)),
    Case("bool_ops_pos", bool_ops, (1.5, 0.5), (0, 1)),
    Case("bool_ops_mixed", bool_ops, (-0.5, 2.0), (0, 1)),
    Case("ternary_hi", ternary, (1.5, 2.5), (0, 1)),
    Case("ternary_lo", ternary, (-1.5, 0.5), (0, 1)),
    Case("ternary_nested[a]", ternary_nested, (-1.7,)),
    Case("ternary_nested[b]", ternary_nested, (0.3,)),
    Case("ternary_nested[c]", ternary_nested, (2.2,)),
    # --- if / elif / else (scalar)
    Case("if_elif_else[1]", if_elif_else, (-1.5,)),
    Case("if_elif_else[2]", if_elif_else, (0.4,)),
    Case("if_elif_else[3]", if_elif_else, (2.0,)),
    Case("if_elif_else[4]", if_elif_else, (4.5,)),
    Case("nested_if[pp]", nested_if, (0.7, 1.2), (0, 1)),
    Case("nested_if[pn]", nested_if, (2.5, -1.5), (0, 1)),
    Case("nested_if[np]", nested_if, (-0.5, 0.8), (0, 1)),
    Case("huber_inner", huber, (0.3, 1.0), ("r", "delta")),
    Case("huber_outer", huber, (-2.5, 1.0), ("r", "delta")),
    Case("branch_on_flag_true", branch_on_flag, (1.5, 0.6, True), (0, 1)),
    Case("branch_on_flag_false", branch_on_flag, (1.5, 0.6, False), "y"),
    Case("branch_assigns_different_names", branch_assigns_different_names, (1.4,)),
    # --- for loops (scalar)
    Case("for_range_n", for_range_n, (0.7, 6)),
    Case("for_range_n_zero_trips", for_range_n, (0.7, 0)),
    Case("for_range_a_b", for_range_a_b, (0.9,)),
    Case("for_range_neg_step", for_range_neg_step, (0.8, 7)),
    Case("horner_neg_step", horner, ([1.0, -0.5, 0.25, 2.0], 0.6), (0, 1)),
    Case("for_range_len", for_range_len, ([0.5, -1.2, 0.8],)),
    Case("for_range_half", for_range_half, (0.6, 7), "x"),
    Case("for_range_runtime_bounds", for_range_runtime_bounds, (1.1, 2, 9)),
    Case("for_over_list", for_over_list, ([0.3, 1.1, 2.4],)),
    Case("for_over_tuple", for_over_tuple, (0.8,)),
    Case("for_over_tuple_arg", for_over_tuple_arg, ((0.6, -0.8, 1.2),)),
    Case("for_enumerate", for_enumerate, ([0.4, -0.2, 0.9, 0.1],)),
    Case("for_zip", for_zip, ([1.0, 2.0, 3.5], [0.2, 0.5, 0.3]), (0, 1)),
    Case("for_enumerate_zip", for_enumerate_zip, ([1.0, 0.5, -0.3], [0.2, 0.9, 0.4]),
         ("xs", "ys")),
    Case("nested_loops", nested_loops, (0.35, 3, 4)),
    Case("nested_loops_triangular", nested_loops_triangular, ([0.5, 1.5, -0.7, 0.2],)),
    Case("matvec_lists", matvec_lists, ([[0.5, 1.0], [-0.3, 0.8]], [1.2, -0.4]), (0, 1)),
    # --- while loops (scalar)
    Case("while_grow", while_grow, (0.7,)),
    Case("while_grow_no_trip", while_grow, (12.0,)),
    Case("while_counter", while_counter, (1.3, 5)),
    Case("while_true_break", while_true_break, (0.9,)),
    Case("newton_sqrt", newton_sqrt, (2.7,)),
    Case("newton_sqrt_small", newton_sqrt, (0.35,)),
    # --- break / continue (scalar)
    Case("for_break", for_break, ([0.5, 1.2, 0.8, 2.0], 1.5), 0),
    Case("for_break_wrt_limit", for_break, ([0.5, 1.2, 0.8, 2.0], 1.5), 1),
    Case("for_continue", for_continue, ([0.5, -1.2, 2.3, -0.1, 0.9],)),
    Case("while_continue", while_continue, (0.6, 6)),
    Case("nested_break", nested_break, ([1.5, 0.7], [0.2, 0.9, 1.3, 2.0]), (0, 1)),
    Case("break_and_continue", break_and_continue, ([1.0, -2.0, 3.0, 12.0, 4.0],)),
    # --- returns (scalar)
    Case("early_return_in_loop[0]", early_return_in_loop, (0.3, [0.5, 1.5, 2.5])),
    Case("early_return_in_loop[2]", early_return_in_loop, (2.1, [0.5, 1.5, 2.5])),
    Case("early_return_in_loop[end]", early_return_in_loop, (3.2, [0.5, 1.5, 2.5])),
    Case("returns_in_branches[neg]", returns_in_branches, (-0.8,)),
    Case("returns_in_branches[mid]", returns_in_branches, (1.2,)),
    Case("returns_in_branches[small]", returns_in_branches, (0.3,)),
    Case("return_in_while", return_in_while, (1.7,)),
    Case("return_in_while_early", return_in_while, (0.2,)),
    Case("return_in_while_no_trip", return_in_while, (120.0,)),
    Case("return_from_nested_loop", return_from_nested_loop, (0.4, 3)),
    Case("return_from_nested_loop_none", return_from_nested_loop, (0.1, 2)),
    Case("inner_tail_break_then_more[breaks]", inner_tail_break_then_more, (0.6, 3)),
    Case("inner_tail_break_then_more[runs]", inner_tail_break_then_more, (0.1, 3)),
    Case("branches_reverse_alike", branches_reverse_alike, (0.7, 5)),
    # --- builtins (scalar)
    Case("builtin_abs", builtin_abs, (-1.2,)),
    Case("builtin_min_max", builtin_min_max, (1.4, 0.9), (0, 1)),
    Case("builtin_min_max_other_side", builtin_min_max, (2.6, 3.1), (0, 1)),
    Case("builtin_min_max_list", builtin_min_max_list, ([0.3, 1.7, -0.6, 0.9],)),
    Case("builtin_sum_len", builtin_sum_len, ([0.3, 1.7, -0.6, 0.9],)),
    Case("builtin_pow", builtin_pow, (1.3, 2.2), (0, 1)),
    Case("builtin_float", builtin_float, (0.7, 3)),
    # --- math module (scalar)
    Case("math_exp", m_exp, (0.8,)),
    Case("math_log", m_log, (1.7,)),
    Case("math_log_base", m_log_base, (3.5, 1.8), (0, 1)),
    Case("math_log1p", m_log1p, (0.6,)),
    Case("math_log2", m_log2, (2.6,)),
    Case("math_log10", m_log10, (4.2,)),
    Case("math_sqrt", m_sqrt, (0.9,)),
    Case("math_sin", m_sin, (1.1,)),
    Case("math_cos", m_cos, (0.4,)),
    Case("math_tan", m_tan, (0.5,)),
    Case("math_asin", m_asin, (0.3,)),
    Case("math_acos", m_acos, (-0.4,)),
    Case("math_atan", m_atan, (1.3,)),
    Case("math_atan2", m_atan2, (0.7, -1.2), (0, 1)),
    Case("math_sinh", m_sinh, (0.9,)),
    Case("math_cosh", m_cosh, (1.4,)),
    Case("math_tanh", m_tanh, (0.6,)),
    Case("math_erf", m_erf, (0.45,)),
    Case("math_erfc", m_erfc, (0.8,)),
    Case("math_hypot", m_hypot, (1.5, -2.5), (0, 1)),
    Case("math_pow", m_pow, (1.8, 2.4), (0, 1)),
    Case("math_fabs", m_fabs, (-0.75,)),
    Case("normal_cdf", normal_cdf, (0.4, 0.1, 1.3), ("x", "mu", "sigma")),
    Case("softplus_logistic", softplus_logistic, (-0.7,)),
    # --- lists, tuples, dicts, comprehensions (scalar)
    Case("list_literal_index", list_literal_index, (0.9, 1.6), (0, 1)),
    Case("list_append", list_append, (1.2, 5)),
    Case("list_item_assign", list_item_assign, ([0.5, 1.5, -0.8],)),
    Case("list_prefix_sums", list_prefix_sums, ([0.2, -0.7, 1.1, 0.4],)),
    Case("tuple_arg", tuple_arg, ((0.6, 1.4),)),
    Case("dict_const_keys", dict_const_keys, (1.1, 0.3), ("x", "y")),
    Case("dict_arg", dict_arg, ({"w": 0.8, "b": -0.2, "scale": 1.5}, 0.9), (0, 1)),
    Case("list_comp", list_comp, ([0.5, -1.5, 2.0],)),
    Case("list_comp_filter", list_comp_filter, ([0.5, -1.5, 2.0, -0.1],)),
    Case("list_comp_range", list_comp_range, (1.3, 5)),
    Case("nested_list_comp", nested_list_comp, ([0.5, 1.5], [2.0, -1.0, 0.3]), (0, 1)),
    Case("sum_generator", sum_generator, ([0.5, -1.5, 2.0], [1.0, 0.2, 0.7]), (0, 1)),
    Case("list_of_lists_arg", list_of_lists_arg, ([[0.5, 1.0, 2.0], [-0.3, 0.8]],)),
    Case("calls_helper", calls_helper, (0.8, 1.3), (0, 1)),
    # --- NumPy
    Case("np_sum_exp", np_sum_exp, (np.array([0.1, -0.4, 0.7]),)),
    Case("np_dot", np_dot, (np.array([0.5, 1.0, -0.3]), np.array([1.2, -0.4, 0.9])), (0, 1)),
    Case("np_matmul_least_squares", np_matmul_least_squares,
         (_A34, np.array([0.5, -0.2, 0.8, 1.0]), np.array([0.3, 0.1, -0.4])), ("W", "x")),
    Case("np_elementwise", np_elementwise, (np.array([0.3, 0.9, 1.7, 2.4]),)),
    Case("np_vector_plus_scalar_wrt_vector", np_vector_plus_scalar,
         (np.array([0.5, -1.0, 2.0]), 0.3)),
    Case("np_vector_plus_scalar_wrt_scalar", np_vector_plus_scalar,
         (np.array([0.5, -1.0, 2.0]), 0.3), 1),
    Case("np_matrix_times_row", np_matrix_times_row,
         (_A34, np.array([0.5, -1.0, 2.0, 0.7])), (0, 1)),
    Case("np_column_times_row", np_column_times_row,
         (np.array([[0.3], [-0.6], [1.1]]), np.array([[0.5, 1.2, -0.4, 0.8]])), (0, 1)),
    Case("np_scalar_scale", np_scalar_scale, (0.6, np.array([0.5, -1.0, 1.5])), "a"),
    Case("np_scalar_scale_both", np_scalar_scale, (0.6, np.array([0.5, -1.0, 1.5])), (0, 1)),
    Case("np_scalar_math", np_scalar_math, (0.8,)),
    Case("np_logsumexp", np_logsumexp, (np.array([0.2, 1.5, -0.3, 0.9]),)),
    Case("np_logistic_regression", np_logistic_regression,
         (np.array([0.4, -0.3, 0.2]), _X43, np.array([1.0, 0.0, 1.0, 0.0]))),
    Case("np_mlp", np_mlp,
         (_A34, np.array([0.1, -0.2, 0.3]), np.array([[0.5, -0.4, 0.9], [0.2, 0.3, -0.6]]),
          np.array([0.7, -0.5, 0.2, 1.0])), (0, 1, 2)),
    Case("np_loop_rows", np_loop_rows, (_X43, np.array([0.4, -0.3, 0.2])), (0, 1)),
    Case("np_loop_index", np_loop_index, (np.array([0.5, -1.2, 0.3, 0.9]),)),
    Case("np_while_array", np_while_array, (np.array([0.5, -0.3, 0.8]),)),
    Case("np_augmented_arrays", np_augmented_arrays,
         (np.array([0.5, -0.3, 0.8]), np.array([1.1, 0.2, -0.4])), (0, 1)),
    Case("np_matrix_power_iteration", np_matrix_power_iteration,
         (_SYM, np.array([1.0, 0.2, -0.3]), 4), (0, 1)),
    # --- realistic mixtures; wrt variants with int / bool / str arguments
    Case("newton_cuberoot", newton_cuberoot, (5.0, 1e-10), "a"),
    Case("piecewise_linear[mid]", piecewise_linear,
         (1.3, [0.0, 1.0, 2.0, 4.0], [0.5, 2.0, -1.0, 3.0]), (0, 1, 2)),
    Case("piecewise_linear[left]", piecewise_linear,
         (-0.5, [0.0, 1.0, 2.0, 4.0], [0.5, 2.0, -1.0, 3.0]), (0, 2)),
    Case("piecewise_linear[right]", piecewise_linear,
         (5.0, [0.0, 1.0, 2.0, 4.0], [0.5, 2.0, -1.0, 3.0]), ("x", "values")),
    Case("integrate_ode_euler", integrate_ode, (0.8, 1.5, 20, "euler"), (0, 1)),
    Case("integrate_ode_midpoint", integrate_ode, (0.8, 1.5, 20, "midpoint"), ("k", "y0")),
    Case("log_series_log1p", log_series, (8, 0.3, "log1p"), 1),
    Case("log_series_neglog", log_series, (8, 0.3, "neglog1m"), "x"),
    Case("normal_cdf_mixed_wrt", normal_cdf, (0.4, 0.1, 1.3), ("sigma", 0)),
    Case("gradient_descent_clip", gradient_descent, (0.3, 0.05, 8, True), ("x0", "lr")),
    Case("gradient_descent_noclip", gradient_descent, (2.6, 0.05, 8, False), (0, 1)),
    Case("welford", welford, ([0.5, 1.7, -0.3, 2.2, 0.9],)),
    Case("softmax_cross_entropy", softmax_cross_entropy, ([0.3, 2.1, -0.5, 1.2], 2)),
    Case("projectile_range", projectile_range, (12.0, 0.7, 0.1), (0, 1, 2)),
    Case("trapezoid_loop", trapezoid_loop, (1.3, 16)),
    Case("piecewise_tax", piecewise_tax, (55.0, _RATES, _BRACKETS), (0, 1)),
    Case("piecewise_tax_top", piecewise_tax, (130.0, _RATES, _BRACKETS), ("income", "rates")),
]

assert len({case.name for case in CASES}) == len(CASES), "case names must be unique"
