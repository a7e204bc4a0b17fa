"""Benchmark workloads: a primal, its hand-written gradient, arguments and `wrt`.

Each hand-written gradient is what a careful person would write: in plain Python,
a forward loop that stores what the backward sweep needs in a list, then a loop
over that list in reverse (a recursion is flattened into such loops); in NumPy,
the textbook backward formulas with the forward intermediates reused.  The
primals are written the way a user would write them.

To add a workload, define the functions at module level (tangentlike reads their
source) and append a `Workload` to `WORKLOADS`.  Arguments are built on first use
from a size (`make_args(size)`), so importing this module is cheap and the tests
can build the same workload at a small size with `workload.small()`.
"""
import dataclasses
import functools
import math
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

try:
    import autograd.numpy as anp
except ImportError:        # the harness then shows autograd as "n/a"
    anp = None


@dataclass(frozen=True)
class Workload:
    name: str                      # short id used by --only, e.g. "W1" or "W4-1M"
    description: str
    primal: Callable
    handwritten: Callable          # same signature as primal, returns the gradient
    make_args: Callable[[Any], tuple]   # size -> the arguments
    size: Any = None               # the benchmark's size
    small_size: Any = None         # the size of `small()` (tests); None: same as `size`
    wrt: Any = 0                   # int / str / tuple of them, as in tl.grad
    autograd_primal: Optional[Callable] = None   # when autograd needs its own numpy
    # What the row measures: "gradient" (tl.grad against autograd.grad), or another
    # derivative, whose tangentlike and autograd columns the two factories below
    # make (each takes the workload and returns a function of its arguments).
    derivative: str = "gradient"
    tangentlike: Optional[Callable] = None
    autograd: Optional[Callable] = None

    @functools.cached_property
    def args(self):
        """The arguments at `size`, built once."""
        return self.make_args(self.size)

    def small(self):
        """The same workload at `small_size`: quick enough for the test suite."""
        if self.small_size is None:
            return self
        return dataclasses.replace(self, size=self.small_size)


def fixed(*args):
    """`make_args` for a workload whose size is written into its code."""
    return lambda size: args


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


def logistic_tangent(v0):
    """d logistic / d v0 by a forward (tangent) sweep: the derivative rides along."""
    v, dv = v0, 1.0
    for i in range(1000):
        dv = dv * (4.0 * (1.0 - v) - 4.0 * v) * 0.9
        v = 4.0 * v * (1.0 - v) * 0.9 + 0.05
    return dv


def logistic_jvp_tl(w):
    import tangentlike as tl
    return lambda v0: tl.jvp(logistic, (v0,), (1.0,))[1]


def logistic_jvp_ag(w):
    from autograd import make_jvp
    return lambda v0: make_jvp(logistic)(v0)(1.0)[1]


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


# W2: deep recursion through a scalar function (issue 4) --------------------

def recurse(x, n):
    return x if n == 0 else math.sin(recurse(x, n - 1)) * 0.9 + x


def recurse_grad(x, n):
    """Reverse mode by hand, with the recursion flattened into a loop, as a careful
    person writes it: a forward loop computes the levels bottom-up, keeping each
    level's input to `sin` (the only thing the backward sweep needs), then a backward
    loop carries the adjoint down, adding it into x's at each level's `+ x`.

    recurse(x, n) is v[n], where v[0] = x and v[k] = sin(v[k - 1]) * 0.9 + x.
    """
    sin, cos = math.sin, math.cos
    vs = [x] * n                 # vs[k] = v[k], k < n: the inputs of the n sines
    v = x
    for k in range(1, n):
        v = sin(v) * 0.9 + x
        vs[k] = v
    bv = 1.0                     # the adjoint of v[n], then of v[k] for k = n - 1, ..., 0
    bx = 1.0                     # x's adjoint: v[n]'s (its `+ x`, or v[0] = x when n == 0)
    for v in reversed(vs):
        bv = bv * 0.9 * cos(v)
        bx += bv                 # v[k]'s `+ x`, or v[0] = x
    return bx


def recurse_forward(x, n, saved):
    """recurse(x, n), keeping each level's inner value for the backward recursion."""
    if n == 0:
        return x
    v = recurse_forward(x, n - 1, saved)
    saved.append(v)
    return math.sin(v) * 0.9 + x


def recurse_backward(n, saved, b):
    """The adjoint of x, given the adjoint b of recurse(x, n)."""
    if n == 0:
        return b
    v = saved.pop()
    return b + recurse_backward(n - 1, saved, b * 0.9 * math.cos(v))


def recurse_grad_recursive(x, n):
    """Reverse mode by hand, recursing like the function (a forward recursion filling
    a tape, then a backward one): the shape of tangentlike's generated gradient, kept
    for comparison; W2's baseline is the flattened loop `recurse_grad`."""
    saved = []
    recurse_forward(x, n, saved)
    return recurse_backward(n, saved, 1.0)


def recurse_ag(x, n):
    return x if n == 0 else anp.sin(recurse_ag(x, n - 1)) * 0.9 + x


# W4: Rosenbrock function of an n-vector -------------------------------------

def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    head = x[:-1]
    t = x[1:] - head * head
    t *= 200.0                   # d/dx[1:] of 100 t^2
    g = np.empty_like(x)
    g[0] = 0.0
    g[1:] = t
    # d/dx[:-1]: -400 t head - 2 (1 - head) = (2 - 400 t) head - 2, in t's buffer
    t *= -2.0
    t += 2.0
    t *= head
    t -= 2.0
    g[:-1] += t
    return g


def rosenbrock_ag(x):
    return anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_args(n):
    return (np.random.default_rng(4).uniform(-2.0, 2.0, n),)


def rosenbrock_at(x, v):
    """The primal of the Hessian-vector product row (v is the direction)."""
    return rosenbrock(x)


def rosenbrock_hvp(x, v):
    """The Hessian of rosenbrock at x times v, by differentiating rosenbrock_grad
    along v by hand."""
    head, dhead = x[:-1], v[:-1]
    t = x[1:] - head * head
    dt = v[1:] - 2.0 * head * dhead
    hv = np.zeros_like(x)
    hv[:-1] = -400.0 * (dt * head + t * dhead) + 2.0 * dhead
    hv[1:] += 200.0 * dt
    return hv


def rosenbrock_hvp_tl(w):
    import tangentlike as tl
    return lambda x, v: tl.hvp(rosenbrock, (x,), (v,))


def rosenbrock_hvp_ag(w):
    from autograd import hessian_tensor_product
    product = hessian_tensor_product(rosenbrock_ag)
    return lambda x, v: product(x, v)


def rosenbrock_hvp_args(n):
    x, = rosenbrock_args(n)
    return x, np.random.default_rng(5).standard_normal(n)


# W5: 2-layer tanh MLP, softmax cross-entropy --------------------------------

def mlp_loss(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    m = np.max(logits, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))
    return np.mean(np.sum(Y * (lse - logits), axis=1))


def mlp_grad(W1, b1, W2, b2, X, Y):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    p = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    p /= np.sum(p, axis=1, keepdims=True)
    dlogits = (p - Y) / X.shape[0]          # rows of Y are one-hot
    dz = (dlogits @ W2.T) * (1.0 - h * h)
    return X.T @ dz, dz.sum(axis=0), h.T @ dlogits, dlogits.sum(axis=0)


def mlp_loss_ag(W1, b1, W2, b2, X, Y):
    h = anp.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    m = anp.max(logits, axis=1, keepdims=True)
    lse = m + anp.log(anp.sum(anp.exp(logits - m), axis=1, keepdims=True))
    return anp.mean(anp.sum(Y * (lse - logits), axis=1))


def mlp_args(size):
    n_in, n_hidden, n_out, batch = size
    rng = np.random.default_rng(5)
    W1 = rng.standard_normal((n_in, n_hidden)) / math.sqrt(n_in)
    b1 = 0.1 * rng.standard_normal(n_hidden)
    W2 = rng.standard_normal((n_hidden, n_out)) / math.sqrt(n_hidden)
    b2 = 0.1 * rng.standard_normal(n_out)
    X = rng.standard_normal((batch, n_in))
    Y = np.eye(n_out)[rng.integers(0, n_out, batch)]   # one-hot labels
    return W1, b1, W2, b2, X, Y


# W6: tanh RNN unrolled by a Python loop over time ---------------------------

def rnn_loss(Wx, Wh, b, xs):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for x in xs:
        h = np.tanh(x @ Wx + h @ Wh + b)
    return np.sum(h ** 2)


def rnn_grad(Wx, Wh, b, xs):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    hs = [h]
    for x in xs:
        h = np.tanh(x @ Wx + h @ Wh + b)
        hs.append(h)
    gWx, gWh, gb = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    bh = 2.0 * h
    for t in range(len(xs) - 1, -1, -1):
        dz = bh * (1.0 - hs[t + 1] ** 2)
        gWx += xs[t].T @ dz
        gWh += hs[t].T @ dz
        gb += dz.sum(axis=0)
        bh = dz @ Wh.T
    return gWx, gWh, gb


def rnn_loss_ag(Wx, Wh, b, xs):
    h = anp.zeros((xs.shape[1], Wh.shape[0]))
    for x in xs:
        h = anp.tanh(x @ Wx + h @ Wh + b)
    return anp.sum(h ** 2)


def rnn_args(size):
    n_in, n_hidden, batch, steps = size
    rng = np.random.default_rng(6)
    Wx = rng.standard_normal((n_in, n_hidden)) / math.sqrt(n_in)
    Wh = 0.9 * rng.standard_normal((n_hidden, n_hidden)) / math.sqrt(n_hidden)
    b = 0.1 * rng.standard_normal(n_hidden)
    xs = rng.standard_normal((steps, batch, n_in))
    return Wx, Wh, b, xs


# W7: Black-Scholes call prices, delta = gradient of their sum in the spots ----
# The normal CDF is the Abramowitz & Stegun 26.2.17 approximation (error below
# 7.5e-8), as in the usual NumPy Black-Scholes benchmark: NumPy has no erf.

RSQRT2PI = 0.39894228040143267794      # 1 / sqrt(2 pi)
A1, A2, A3, A4, A5 = 0.31938153, -0.356563782, 1.781477937, -1.821255978, 1.330274429


def cnd(d):
    k = 1.0 / (1.0 + 0.2316419 * np.abs(d))
    poly = k * (A1 + k * (A2 + k * (A3 + k * (A4 + k * A5))))
    tail = RSQRT2PI * np.exp(-0.5 * d * d) * poly
    return np.where(d > 0, 1.0 - tail, tail)


def black_scholes(S, K, T, r, sigma):
    sqrt_t = np.sqrt(T)
    d1 = (np.log(S / K) + (r + 0.5 * sigma * sigma) * T) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    call = S * cnd(d1) - K * np.exp(-r * T) * cnd(d2)
    return np.sum(call)


def cnd_and_derivative(d):
    """(cnd(d), d cnd / d d), the derivative of the approximation itself (d != 0)."""
    a = np.abs(d)
    k = 1.0 / (1.0 + 0.2316419 * a)
    poly = k * (A1 + k * (A2 + k * (A3 + k * (A4 + k * A5))))
    dpoly = A1 + k * (2.0 * A2 + k * (3.0 * A3 + k * (4.0 * A4 + k * (5.0 * A5))))
    pdf = RSQRT2PI * np.exp(-0.5 * d * d)
    tail = pdf * poly
    # tail' = -d pdf poly + pdf dpoly k',  k' = -0.2316419 k^2 sign(d);  N' = -tail' for d > 0
    return (np.where(d > 0, 1.0 - tail, tail),
            pdf * (a * poly + 0.2316419 * k * k * dpoly))


def black_scholes_grad(S, K, T, r, sigma):
    vol = sigma * np.sqrt(T)
    d1 = (np.log(S / K) + (r + 0.5 * sigma * sigma) * T) / vol
    n1, dn1 = cnd_and_derivative(d1)
    _, dn2 = cnd_and_derivative(d1 - vol)
    # d d1 / dS = d d2 / dS = 1 / (S vol)
    return n1 + (S * dn1 - K * np.exp(-r * T) * dn2) / (S * vol)


def cnd_ag(d):
    k = 1.0 / (1.0 + 0.2316419 * anp.abs(d))
    poly = k * (A1 + k * (A2 + k * (A3 + k * (A4 + k * A5))))
    tail = RSQRT2PI * anp.exp(-0.5 * d * d) * poly
    return anp.where(d > 0, 1.0 - tail, tail)


def black_scholes_ag(S, K, T, r, sigma):
    sqrt_t = anp.sqrt(T)
    d1 = (anp.log(S / K) + (r + 0.5 * sigma * sigma) * T) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    call = S * cnd_ag(d1) - K * anp.exp(-r * T) * cnd_ag(d2)
    return anp.sum(call)


def black_scholes_args(n):
    rng = np.random.default_rng(7)
    S = rng.uniform(5.0, 30.0, n)        # spot prices
    K = rng.uniform(1.0, 100.0, n)       # strikes
    T = rng.uniform(0.25, 10.0, n)       # years to expiry
    return S, K, T, 0.02, 0.30


# W7-tanh: the same, with the normal CDF written as a tanh chain ---------------
# N(d) ~ 0.5 (1 + tanh(sqrt(2 / pi) (d + 0.044715 d^3))), the tanh approximation
# (the one in the GELU activation; error below 2e-4).  d^3 is written d * d * d, as
# a careful user does: NumPy's `d ** 3` calls pow() and takes 100x a product.

SQRT_2_OVER_PI = 0.7978845608028654    # sqrt(2 / pi)


def cnd_tanh(d):
    return 0.5 * (1.0 + np.tanh(SQRT_2_OVER_PI * (d + 0.044715 * d * d * d)))


def black_scholes_tanh(S, K, T, r, sigma):
    sqrt_t = np.sqrt(T)
    d1 = (np.log(S / K) + (r + 0.5 * sigma * sigma) * T) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    call = S * cnd_tanh(d1) - K * np.exp(-r * T) * cnd_tanh(d2)
    return np.sum(call)


# cnd_tanh(d) = 0.5 + 0.5 tanh(u), u = d (TANH_A + TANH_B d^2), so
# cnd_tanh'(d) = 0.5 (1 - tanh(u)^2) u' = (1 - tanh(u)^2) (TANH_A / 2 + 1.5 TANH_B d^2)
TANH_A = SQRT_2_OVER_PI
TANH_B = SQRT_2_OVER_PI * 0.044715
TANH_A_HALF = 0.5 * TANH_A
TANH_B_3HALF = 1.5 * TANH_B


def tanh_and_cnd_slope(d):
    """(tanh(u), cnd_tanh'(d)): cnd_tanh(d) is 0.5 + 0.5 tanh(u)."""
    dd = d * d
    th = np.tanh(d * (TANH_A + TANH_B * dd))
    return th, (1.0 - th * th) * (TANH_A_HALF + TANH_B_3HALF * dd)


def black_scholes_tanh_grad(S, K, T, r, sigma):
    vol = sigma * np.sqrt(T)
    d1 = (np.log(S / K) + (r + 0.5 * sigma * sigma) * T) / vol
    th1, dn1 = tanh_and_cnd_slope(d1)
    _, dn2 = tanh_and_cnd_slope(d1 - vol)
    # d d1 / dS = d d2 / dS = 1 / (S vol): delta = N(d1) + (N'(d1) - K e^-rT N'(d2) / S) / vol
    return 0.5 + 0.5 * th1 + (dn1 - K * np.exp(-r * T) * dn2 / S) / vol


def cnd_tanh_ag(d):
    return 0.5 * (1.0 + anp.tanh(SQRT_2_OVER_PI * (d + 0.044715 * d * d * d)))


def black_scholes_tanh_ag(S, K, T, r, sigma):
    sqrt_t = anp.sqrt(T)
    d1 = (anp.log(S / K) + (r + 0.5 * sigma * sigma) * T) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    call = S * cnd_tanh_ag(d1) - K * anp.exp(-r * T) * cnd_tanh_ag(d2)
    return anp.sum(call)


def rosenbrock_workload(name, n, small_n):
    return Workload(name, f"Rosenbrock, n = {n:,}", rosenbrock, rosenbrock_grad,
                    rosenbrock_args, size=n, small_size=small_n, wrt="x",
                    autograd_primal=rosenbrock_ag)


WORKLOADS = [
    Workload("W1", "logistic map, 1000 steps", logistic, logistic_grad,
             fixed(0.3), wrt="v0"),
    Workload("W2", "recursion f(x, n - 1), depth 200", recurse, recurse_grad,
             lambda depth: (0.3, depth), size=200, small_size=20, wrt="x",
             autograd_primal=recurse_ag),
    Workload("W3", "branch in a while loop, 500 steps", branchy, branchy_grad,
             fixed(0.9), wrt="x"),
    rosenbrock_workload("W4-100", 100, 2),
    rosenbrock_workload("W4-10k", 10_000, 12),
    rosenbrock_workload("W4-1M", 1_000_000, 50),
    Workload("W5", "tanh MLP 784-128-10, softmax cross-entropy, batch 64",
             mlp_loss, mlp_grad, mlp_args, size=(784, 128, 10, 64),
             small_size=(12, 8, 5, 6), wrt=("W1", "b1", "W2", "b2"),
             autograd_primal=mlp_loss_ag),
    Workload("W6", "tanh RNN 32-64, batch 16, 50 steps", rnn_loss, rnn_grad,
             rnn_args, size=(32, 64, 16, 50), small_size=(4, 5, 3, 6),
             wrt=("Wx", "Wh", "b"), autograd_primal=rnn_loss_ag),
    Workload("W7", "Black-Scholes calls, 1,000,000 spots, delta",
             black_scholes, black_scholes_grad, black_scholes_args, size=1_000_000,
             small_size=20, wrt="S", autograd_primal=black_scholes_ag),
    Workload("W7-tanh", "Black-Scholes calls, tanh normal CDF, 1,000,000 spots, delta",
             black_scholes_tanh, black_scholes_tanh_grad, black_scholes_args,
             size=1_000_000, small_size=20, wrt="S",
             autograd_primal=black_scholes_tanh_ag),
    Workload("W1-jvp", "logistic map, 1000 steps, forward mode (jvp)", logistic,
             logistic_tangent, fixed(0.3), wrt="v0", derivative="jvp",
             tangentlike=logistic_jvp_tl, autograd=logistic_jvp_ag),
    Workload("W4-hvp", "Rosenbrock, n = 10,000, Hessian-vector product", rosenbrock_at,
             rosenbrock_hvp, rosenbrock_hvp_args, size=10_000, small_size=12, wrt="x",
             derivative="hvp", tangentlike=rosenbrock_hvp_tl, autograd=rosenbrock_hvp_ag),
]
