"""Practitioners' programs: plain Python/NumPy functions written as scientists write them.

Each program is a module-level function of floats, NumPy arrays and lists that returns
a scalar, written without regard to what tangentlike supports (loops, if/elif, helper
functions, in-place array updates, lists, recursion, `math` per element).  `PROGRAMS`
lists them as `Program` records: name, domain, the function, a deterministic builder of
its arguments (`program.args()` at benchmark size, `program.args(small=True)` for the
tests) and `wrt`, the differentiated arguments.

Used by benchmarks/practitioners.py (timing and memory) and tests/test_practitioners.py
(correctness against autograd or central differences).
"""
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

__all__ = ["Program", "PROGRAMS"]


# =============================================================== physics / ODEs

def pendulum_euler(theta0, omega0, length, g, dt, steps):
    """Explicit Euler for a simple pendulum; returns the final energy per unit mass."""
    theta = theta0
    omega = omega0
    for step in range(steps):
        alpha = -(g / length) * math.sin(theta)
        theta = theta + dt * omega
        omega = omega + dt * alpha
    energy = 0.5 * length ** 2 * omega ** 2 + g * length * (1.0 - math.cos(theta))
    return energy


def lotka_volterra_rhs(x, y, alpha, beta, delta, gamma):
    dx = alpha * x - beta * x * y
    dy = delta * x * y - gamma * y
    return dx, dy


def lotka_volterra_rk4(alpha, beta, delta, gamma, x0, y0, dt, steps):
    """Classic RK4 on the predator-prey model; returns the final total population."""
    x, y = x0, y0
    for _ in range(steps):
        k1x, k1y = lotka_volterra_rhs(x, y, alpha, beta, delta, gamma)
        k2x, k2y = lotka_volterra_rhs(x + 0.5 * dt * k1x, y + 0.5 * dt * k1y,
                                      alpha, beta, delta, gamma)
        k3x, k3y = lotka_volterra_rhs(x + 0.5 * dt * k2x, y + 0.5 * dt * k2y,
                                      alpha, beta, delta, gamma)
        k4x, k4y = lotka_volterra_rhs(x + dt * k3x, y + dt * k3y, alpha, beta, delta, gamma)
        x = x + dt / 6.0 * (k1x + 2 * k2x + 2 * k3x + k4x)
        y = y + dt / 6.0 * (k1y + 2 * k2y + 2 * k3y + k4y)
    return x + y


def spring_forces(x, k, rest):
    stretch = np.diff(x) - rest
    f = np.zeros_like(x)
    f[:-1] += k * stretch
    f[1:] -= k * stretch
    return f


def spring_chain_verlet(x0, v0, k, mass, rest, dt, steps):
    """Velocity Verlet on a chain of masses joined by springs; returns the final energy."""
    x = x0.copy()
    v = v0.copy()
    f = spring_forces(x, k, rest)
    for _ in range(steps):
        v += 0.5 * dt * f / mass
        x += dt * v
        f = spring_forces(x, k, rest)
        v += 0.5 * dt * f / mass
    kinetic = 0.5 * mass * np.sum(v ** 2)
    potential = 0.5 * k * np.sum((np.diff(x) - rest) ** 2)
    return kinetic + potential + x[-1]


def gravity_accelerations(pos, masses, softening):
    n = len(masses)
    acc = np.zeros_like(pos)
    for i in range(n):
        for j in range(n):
            if i != j:
                d = pos[j] - pos[i]
                r2 = np.dot(d, d) + softening ** 2
                acc[i] += masses[j] * d / r2 ** 1.5
    return acc


def nbody_leapfrog(pos, vel, masses, dt, steps):
    """Kick-drift-kick leapfrog for a few gravitating bodies (pairwise double loop)."""
    pos = pos.copy()
    vel = vel.copy()
    acc = gravity_accelerations(pos, masses, 0.1)
    for _ in range(steps):
        vel = vel + 0.5 * dt * acc
        pos = pos + dt * vel
        acc = gravity_accelerations(pos, masses, 0.1)
        vel = vel + 0.5 * dt * acc
    kinetic = 0.5 * np.sum(masses[:, None] * vel ** 2)
    return kinetic + np.sum(pos[:, 0])


def friction_oscillator(x0, v0, k, c, mu, dt, steps):
    """Damped oscillator with Coulomb friction whose sign follows the velocity."""
    x, v = x0, v0
    for _ in range(steps):
        if v > 0:
            friction = -mu
        elif v < 0:
            friction = mu
        else:
            friction = 0.0
        a = -k * x - c * v + friction
        v = v + dt * a
        x = x + dt * v
    return x * x + v * v


# ====================================================================== ML

def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_cell(x, h, c, W, U, b):
    n = h.shape[0]
    gates = W @ x + U @ h + b
    i = sigmoid(gates[:n])
    f = sigmoid(gates[n:2 * n])
    o = sigmoid(gates[2 * n:3 * n])
    g = np.tanh(gates[3 * n:])
    c = f * c + i * g
    h = o * np.tanh(c)
    return h, c


def lstm_sequence_loss(W, U, b, xs, target):
    """LSTM over a list of inputs, hidden states kept in a list and mean-pooled."""
    n = U.shape[1]
    h = np.zeros(n)
    c = np.zeros(n)
    states = []
    for x in xs:
        h, c = lstm_cell(x, h, c, W, U, b)
        states.append(h)
    pooled = sum(states) / len(states)
    return np.sum((pooled - target) ** 2)


def gru_step(x, h, Wz, Uz, Wr, Ur, Wh, Uh):
    z = sigmoid(Wz @ x + Uz @ h)
    r = sigmoid(Wr @ x + Ur @ h)
    h_tilde = np.tanh(Wh @ x + Uh @ (r * h))
    return (1.0 - z) * h + z * h_tilde


def gru_classifier_loss(params, xs, label):
    """GRU over a sequence, then a softmax classifier on the last state (params: a list)."""
    Wz, Uz, Wr, Ur, Wh, Uh, V = params
    h = np.zeros(Uz.shape[0])
    for t in range(xs.shape[0]):
        h = gru_step(xs[t], h, Wz, Uz, Wr, Ur, Wh, Uh)
    logits = V @ h
    logits = logits - np.max(logits)
    return -(logits[label] - np.log(np.sum(np.exp(logits))))


def elman_rnn_loss(Wx, Wh, bh, Wy, xs, ys):
    """Vanilla tanh RNN predicting a target at every step (squared error)."""
    h = np.zeros(Wh.shape[0])
    loss = 0.0
    for t in range(len(xs)):
        h = np.tanh(Wx @ xs[t] + Wh @ h + bh)
        y_hat = Wy @ h
        loss += 0.5 * np.sum((y_hat - ys[t]) ** 2)
    return loss / len(xs)


def mlp_cross_entropy(W1, b1, W2, b2, X, labels):
    """Two-layer ReLU MLP, softmax cross-entropy over integer labels."""
    hidden = np.maximum(0.0, X @ W1 + b1)
    logits = hidden @ W2 + b2
    logits = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(len(labels)), labels])


def logistic_regression_l2(w, b, X, y, lam):
    """Binary cross-entropy of a logistic model with an L2 penalty."""
    z = X @ w + b
    p = 1.0 / (1.0 + np.exp(-z))
    eps = 1e-12
    nll = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
    return nll + 0.5 * lam * np.dot(w, w)


def self_attention_loss(Wq, Wk, Wv, X):
    """Single-head scaled dot-product self-attention, squared-norm readout."""
    Q = X @ Wq
    K = X @ Wk
    V = X @ Wv
    scores = Q @ K.T / np.sqrt(Q.shape[1])
    scores = scores - scores.max(axis=1, keepdims=True)
    weights = np.exp(scores)
    weights = weights / weights.sum(axis=1, keepdims=True)
    out = weights @ V
    return np.mean(out ** 2)


def kalman_log_likelihood(q, r, ys, dt):
    """Constant-velocity Kalman filter over scalar observations; the log-likelihood."""
    F = np.array([[1.0, dt], [0.0, 1.0]])
    H = np.array([1.0, 0.0])
    Q = q * np.array([[dt ** 3 / 3, dt ** 2 / 2], [dt ** 2 / 2, dt]])
    x = np.array([ys[0], 0.0])
    P = np.eye(2)
    ll = 0.0
    for y in ys[1:]:
        x = F @ x
        P = F @ P @ F.T + Q
        S = H @ P @ H + r
        K = P @ H / S
        innovation = y - H @ x
        x = x + K * innovation
        P = P - np.outer(K, H @ P)
        ll = ll - 0.5 * (math.log(2 * math.pi * S) + innovation ** 2 / S)
    return ll


# ====================================================== numerical methods

def horner(coeffs, x):
    result = 0.0
    for c in reversed(coeffs):
        result = result * x + c
    return result


def polynomial_fit_error(coeffs, xs, ys):
    """Squared error of a polynomial (Horner's rule per point) against data."""
    err = 0.0
    for x, y in zip(xs, ys):
        err += (horner(coeffs, x) - y) ** 2
    return err


def chebyshev_series_energy(coeffs, x):
    """Chebyshev series by the three-term recurrence, evaluated on a grid of points."""
    t_prev = np.ones_like(x)
    t_curr = x
    total = coeffs[0] * t_prev + coeffs[1] * t_curr
    for k in range(2, len(coeffs)):
        t_next = 2.0 * x * t_curr - t_prev
        total = total + coeffs[k] * t_next
        t_prev, t_curr = t_curr, t_next
    return np.sum(total ** 2)


def piecewise_response(xs, a, b):
    """A piecewise material law applied to a list of strains."""
    total = 0.0
    for x in xs:
        if x < 0.0:
            y = 0.1 * a * x
        elif x < 1.0:
            y = a * x * x
        else:
            y = a * (2.0 * x - 1.0) + b * math.log(x)
        total += y
    return total


def thomas_solve(a, b, c, d):
    n = len(d)
    cp = np.zeros(n)
    dp = np.zeros(n)
    cp[0] = c[0] / b[0]
    dp[0] = d[0] / b[0]
    for i in range(1, n):
        denom = b[i] - a[i] * cp[i - 1]
        cp[i] = c[i] / denom if i < n - 1 else 0.0
        dp[i] = (d[i] - a[i] * dp[i - 1]) / denom
    x = np.zeros(n)
    x[-1] = dp[-1]
    for i in range(n - 2, -1, -1):
        x[i] = dp[i] - cp[i] * x[i + 1]
    return x


def tridiagonal_objective(b, d, a, c):
    """Solve a tridiagonal system with the Thomas algorithm; squared norm of the solution."""
    x = thomas_solve(a, b, c, d)
    return np.sum(x ** 2)


def gauss_seidel_objective(A, rhs, sweeps):
    """Gauss-Seidel sweeps with in-place updates of the iterate."""
    n = len(rhs)
    x = np.zeros(n)
    for sweep in range(sweeps):
        for i in range(n):
            s = rhs[i]
            for j in range(n):
                if j != i:
                    s -= A[i, j] * x[j]
            x[i] = s / A[i, i]
    return np.sum(x * x)


def jacobi_objective(A, rhs, iterations):
    """Vectorised Jacobi iterations x <- D^-1 (b - R x)."""
    D = np.diag(A)
    R = A - np.diag(D)
    x = np.zeros_like(rhs)
    for _ in range(iterations):
        x = (rhs - R @ x) / D
    return x @ x


def kepler_newton(M, e, iterations):
    E = M if e < 0.8 else math.pi
    for _ in range(iterations):
        E = E - (E - e * math.sin(E) - M) / (1.0 - e * math.cos(E))
    return E


def kepler_orbit_radius(mean_anomalies, e, a):
    """Solve Kepler's equation by Newton (fixed count) at each mean anomaly."""
    total = 0.0
    for M in mean_anomalies:
        E = kepler_newton(M, e, 8)
        x = a * (math.cos(E) - e)
        y = a * math.sqrt(1.0 - e * e) * math.sin(E)
        total += math.sqrt(x * x + y * y)
    return total / len(mean_anomalies)


def conv1d_loops(signal, kernel):
    n, k = len(signal), len(kernel)
    out = np.zeros(n - k + 1)
    for i in range(n - k + 1):
        acc = 0.0
        for j in range(k):
            acc += signal[i + j] * kernel[j]
        out[i] = acc
    return out


def conv_denoise_loss(kernel, signal, target):
    """A 'valid' 1-D convolution with explicit loops, mean squared error to a target."""
    smoothed = conv1d_loops(signal, kernel)
    return np.mean((smoothed - target) ** 2)


def heat_equation_2d(u0, alpha, steps):
    """Explicit 5-point heat equation steps with slicing, fixed (Dirichlet) boundary."""
    u = u0.copy()
    for _ in range(steps):
        lap = (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:]
               - 4.0 * u[1:-1, 1:-1])
        u[1:-1, 1:-1] = u[1:-1, 1:-1] + alpha * lap
    return np.sum(u ** 2)


def poisson_residual(u, f, h):
    """Residual of -lap(u) = f on a grid, zero boundary added by padding, double loop."""
    n = u.shape[0]
    U = np.zeros((n + 2, n + 2))
    U[1:-1, 1:-1] = u
    total = 0.0
    for i in range(1, n + 1):
        for j in range(1, n + 1):
            lap = (U[i - 1, j] + U[i + 1, j] + U[i, j - 1] + U[i, j + 1] - 4.0 * U[i, j]) / h ** 2
            r = -lap - f[i - 1, j - 1]
            total += r * r
    return 0.5 * total * h * h


def tree_energy(node, decay):
    """Recursive weighted sum of squares over a nested list (a tree of leaves)."""
    total = 0.0
    for child in node:
        if isinstance(child, list):
            total += decay * tree_energy(child, decay)
        else:
            total += child * child
    return total


def fib_like(n, a, b):
    """The float recurrence f(n) = a sin(f(n-1)) + b f(n-2), by naive recursion."""
    if n == 0:
        return 1.0
    if n == 1:
        return a
    return a * math.sin(fib_like(n - 1, a, b)) + b * fib_like(n - 2, a, b)


def fib_like_value(a, b, n):
    return fib_like(n, a, b)


def split_sum(xs, lo, hi):
    if hi - lo == 1:
        return math.sin(xs[lo]) ** 2
    mid = (lo + hi) // 2
    return split_sum(xs, lo, mid) + split_sum(xs, mid, hi)


def binary_split_energy(xs):
    """Pairwise (binary-split) recursive summation of sin(x)^2."""
    return split_sum(xs, 0, len(xs))


def damped_wave(x, a, b):
    return math.exp(-a * x * x) * math.cos(b * x)


def simpson(f, lo, hi, n, a, b):
    h = (hi - lo) / n
    s = f(lo, a, b) + f(hi, a, b)
    for i in range(1, n):
        x = lo + i * h
        if i % 2 == 1:
            s += 4 * f(x, a, b)
        else:
            s += 2 * f(x, a, b)
    return s * h / 3


def simpson_integral(a, b, n):
    """Composite Simpson's rule of exp(-a x^2) cos(b x) on [0, 5], the integrand passed in."""
    return simpson(damped_wave, 0.0, 5.0, n, a, b)


def find_interval(knots, x):
    i = 0
    while i < len(knots) - 2 and x > knots[i + 1]:
        i += 1
    return i


def catmull_rom_energy(values, xs, knots):
    """Cubic Hermite (Catmull-Rom) spline: linear interval search, then the basis."""
    n = len(knots)
    total = 0.0
    for x in xs:
        i = find_interval(knots, x)
        h = knots[i + 1] - knots[i]
        t = (x - knots[i]) / h
        if i == 0:
            m0 = (values[1] - values[0]) / (knots[1] - knots[0])
        else:
            m0 = (values[i + 1] - values[i - 1]) / (knots[i + 1] - knots[i - 1])
        if i + 2 >= n:
            m1 = (values[i + 1] - values[i]) / h
        else:
            m1 = (values[i + 2] - values[i]) / (knots[i + 2] - knots[i])
        t2 = t * t
        t3 = t2 * t
        h00 = 2 * t3 - 3 * t2 + 1
        h10 = t3 - 2 * t2 + t
        h01 = -2 * t3 + 3 * t2
        h11 = t3 - t2
        y = h00 * values[i] + h10 * h * m0 + h01 * values[i + 1] + h11 * h * m1
        total += y * y
    return total


def bilinear_sample_sum(grid, px, py):
    """Bilinear interpolation of a grid at scattered points (int() for the cell)."""
    total = 0.0
    for x, y in zip(px, py):
        i = int(x)
        j = int(y)
        fx = x - i
        fy = y - j
        v = (grid[i, j] * (1 - fx) * (1 - fy) + grid[i + 1, j] * fx * (1 - fy)
             + grid[i, j + 1] * (1 - fx) * fy + grid[i + 1, j + 1] * fx * fy)
        total += v
    return total


def rosenbrock_loop(x):
    """The Rosenbrock function written with a loop over the coordinates."""
    total = 0.0
    for i in range(len(x) - 1):
        total += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


# =========================================================== finance

def norm_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def black_scholes_portfolio(spots, strikes, expiries, rate, vol):
    """Black-Scholes call prices with math.erf, one option at a time, summed."""
    total = 0.0
    for S, K, T in zip(spots, strikes, expiries):
        d1 = (math.log(S / K) + (rate + 0.5 * vol ** 2) * T) / (vol * math.sqrt(T))
        d2 = d1 - vol * math.sqrt(T)
        total += S * norm_cdf(d1) - K * math.exp(-rate * T) * norm_cdf(d2)
    return total


def binomial_american_put(S0, sigma, r, K, T, steps):
    """Cox-Ross-Rubinstein binomial tree for an American put, a list updated in place."""
    dt = T / steps
    u = math.exp(sigma * math.sqrt(dt))
    d = 1.0 / u
    p = (math.exp(r * dt) - d) / (u - d)
    disc = math.exp(-r * dt)
    values = [max(K - S0 * u ** j * d ** (steps - j), 0.0) for j in range(steps + 1)]
    for i in range(steps - 1, -1, -1):
        for j in range(i + 1):
            continuation = disc * (p * values[j + 1] + (1 - p) * values[j])
            exercise = K - S0 * u ** j * d ** (i - j)
            values[j] = max(continuation, exercise)
    return values[0]


def prefix_sums(xs):
    out = [0.0] * len(xs)
    running = 0.0
    for i, x in enumerate(xs):
        running += x
        out[i] = running
    return out


def drawdown_penalty(log_returns):
    """Cumulative log-returns by a prefix sum, then squared drawdowns from the running peak."""
    cumulative = prefix_sums(log_returns)
    peak = cumulative[0]
    penalty = 0.0
    for c in cumulative:
        if c > peak:
            peak = c
        penalty += (peak - c) ** 2
    return penalty


def survival_bond_price(hazard, coupons, rate, dt):
    """Defaultable bond: survival from np.cumsum of hazard rates, discounted coupons."""
    cumulative_hazard = np.cumsum(hazard * dt)
    survival = np.exp(-cumulative_hazard)
    times = dt * np.arange(1, len(hazard) + 1)
    discount = np.exp(-rate * times)
    return np.sum(coupons * survival * discount)


def ema_crossover_signal(prices, alpha_fast, alpha_slow):
    """Two exponential moving averages of a price series; squared gap summed."""
    fast = prices[0]
    slow = prices[0]
    signal = 0.0
    for p in prices[1:]:
        fast = alpha_fast * p + (1 - alpha_fast) * fast
        slow = alpha_slow * p + (1 - alpha_slow) * slow
        signal += (fast - slow) ** 2
    return signal


# ========================================================= statistics / losses

def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0)


def rbm_free_energy(W, b, c, V):
    """RBM free energy per sample (softplus), mean plus a logsumexp over the batch."""
    free = -V @ b - np.sum(softplus(V @ W + c), axis=1)
    return np.mean(free) + logsumexp(-free)


def gaussian_log_likelihood(mu, log_sigma, data):
    sigma = np.exp(log_sigma)
    z = (data - mu) / sigma
    return -0.5 * np.sum(z ** 2) - len(data) * (log_sigma + 0.5 * math.log(2 * math.pi))


def mvn_log_likelihood(mean, A, X):
    """Multivariate normal log-likelihood, covariance A A^T + 0.1 I, via solve and slogdet."""
    d = len(mean)
    cov = A @ A.T + 0.1 * np.eye(d)
    diff = X - mean
    sol = np.linalg.solve(cov, diff.T)
    sign, logdet = np.linalg.slogdet(cov)
    n = X.shape[0]
    return -0.5 * np.sum(diff.T * sol) - 0.5 * n * (logdet + d * math.log(2 * math.pi))


def huber_regression_loss(w, X, y, delta):
    """Huber loss of a linear model's residuals, branch per residual."""
    residuals = X @ w - y
    loss = 0.0
    for r in residuals:
        if abs(r) <= delta:
            loss += 0.5 * r * r
        else:
            loss += delta * (abs(r) - 0.5 * delta)
    return loss / len(residuals)


def soft_kmeans_energy(centers, X, beta):
    """Soft-min (temperature 1/beta) of squared distances to the centres, summed."""
    d2 = np.sum((X[:, None, :] - centers[None, :, :]) ** 2, axis=2)
    m = np.min(d2, axis=1, keepdims=True)
    softmin = m[:, 0] - np.log(np.sum(np.exp(-beta * (d2 - m)), axis=1)) / beta
    return np.sum(softmin)


def lennard_jones_energy(positions, epsilon, sigma):
    """Pairwise Lennard-Jones energy with a double loop."""
    n = positions.shape[0]
    energy = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            r = np.linalg.norm(positions[i] - positions[j])
            sr6 = (sigma / r) ** 6
            energy += 4.0 * epsilon * (sr6 ** 2 - sr6)
    return energy


# ============================================================ argument builders

def _rng(seed):
    return np.random.default_rng(seed)


def _pendulum(small):
    return (0.8, 0.3, 1.2, 9.81, 0.01, 40 if small else 400)


def _lotka(small):
    return (1.1, 0.4, 0.1, 0.4, 10.0, 5.0, 0.05, 20 if small else 200)


def _springs(small):
    n = 5 if small else 16
    rng = _rng(1)
    x0 = np.arange(n, dtype=float) + 0.1 * rng.standard_normal(n)
    v0 = 0.1 * rng.standard_normal(n)
    return (x0, v0, 2.0, 1.0, 1.0, 0.05, 10 if small else 100)


def _nbody(small):
    n = 3 if small else 5
    rng = _rng(2)
    return (rng.standard_normal((n, 2)), 0.3 * rng.standard_normal((n, 2)),
            rng.uniform(0.5, 1.5, n), 0.01, 4 if small else 20)


def _friction(small):
    return (1.0, 0.0, 4.0, 0.1, 0.3, 0.01, 50 if small else 500)


def _lstm(small):
    d, n, T = (3, 4, 4) if small else (8, 16, 20)
    rng = _rng(3)
    return (0.3 * rng.standard_normal((4 * n, d)), 0.3 * rng.standard_normal((4 * n, n)),
            0.1 * rng.standard_normal(4 * n), [rng.standard_normal(d) for _ in range(T)],
            rng.standard_normal(n))


def _gru(small):
    d, n, T, k = (3, 4, 4, 3) if small else (8, 16, 20, 5)
    rng = _rng(4)
    params = [0.3 * rng.standard_normal(shape)
              for shape in [(n, d), (n, n), (n, d), (n, n), (n, d), (n, n), (k, n)]]
    return (params, rng.standard_normal((T, d)), 1)


def _elman(small):
    d, n, o, T = (3, 4, 2, 4) if small else (8, 24, 4, 25)
    rng = _rng(5)
    return (0.3 * rng.standard_normal((n, d)), 0.3 * rng.standard_normal((n, n)),
            0.1 * rng.standard_normal(n), 0.3 * rng.standard_normal((o, n)),
            rng.standard_normal((T, d)), rng.standard_normal((T, o)))


def _mlp(small):
    batch, d, h, k = (6, 4, 5, 3) if small else (64, 20, 32, 5)
    rng = _rng(6)
    return (0.3 * rng.standard_normal((d, h)), 0.1 * rng.standard_normal(h),
            0.3 * rng.standard_normal((h, k)), 0.1 * rng.standard_normal(k),
            rng.standard_normal((batch, d)), rng.integers(0, k, batch))


def _logreg(small):
    n, d = (10, 4) if small else (1000, 20)
    rng = _rng(7)
    X = rng.standard_normal((n, d))
    y = (rng.uniform(size=n) < 0.5).astype(float)
    return (0.1 * rng.standard_normal(d), 0.2, X, y, 0.01)


def _attention(small):
    T, d, k = (4, 3, 2) if small else (48, 24, 16)
    rng = _rng(8)
    return (0.3 * rng.standard_normal((d, k)), 0.3 * rng.standard_normal((d, k)),
            0.3 * rng.standard_normal((d, k)), rng.standard_normal((T, d)))


def _kalman(small):
    n = 6 if small else 60
    rng = _rng(9)
    ys = np.cumsum(0.5 + 0.3 * rng.standard_normal(n))
    return (0.2, 0.5, ys, 1.0)


def _horner(small):
    rng = _rng(10)
    m = 5 if small else 30
    xs = list(np.linspace(-1.0, 1.0, m))
    ys = [math.sin(2 * x) for x in xs]
    return (0.1 * rng.standard_normal(6 if small else 9), xs, ys)


def _chebyshev(small):
    rng = _rng(11)
    return (rng.standard_normal(5 if small else 12),
            np.linspace(-0.99, 0.99, 7 if small else 200))


def _piecewise(small):
    rng = _rng(12)
    return (list(rng.uniform(-1.0, 3.0, 8 if small else 200)), 1.3, 0.7)


def _thomas(small):
    n = 6 if small else 60
    rng = _rng(13)
    return (4.0 + rng.uniform(size=n), rng.standard_normal(n),
            -1.0 + 0.1 * rng.uniform(size=n), -1.0 + 0.1 * rng.uniform(size=n))


def _gauss_seidel(small):
    n = 4 if small else 10
    rng = _rng(14)
    A = rng.uniform(-1.0, 1.0, (n, n)) + 2.0 * n * np.eye(n)
    return (A, rng.standard_normal(n), 3 if small else 10)


def _jacobi(small):
    n = 5 if small else 30
    rng = _rng(15)
    A = rng.uniform(-1.0, 1.0, (n, n)) + 2.0 * n * np.eye(n)
    return (A, rng.standard_normal(n), 10 if small else 50)


def _kepler(small):
    return (np.linspace(0.1, 6.0, 5 if small else 50), 0.3, 1.5)


def _conv(small):
    n, k = (12, 3) if small else (120, 7)
    rng = _rng(16)
    signal = np.sin(np.linspace(0, 6, n)) + 0.2 * rng.standard_normal(n)
    return (rng.uniform(0.0, 0.3, k), signal, np.sin(np.linspace(0, 6, n - k + 1)))


def _heat(small):
    n = 6 if small else 32
    rng = _rng(17)
    return (rng.uniform(size=(n, n)), 0.2, 3 if small else 50)


def _poisson(small):
    n = 4 if small else 16
    rng = _rng(18)
    return (rng.standard_normal((n, n)), rng.standard_normal((n, n)), 1.0 / (n + 1))


def _tree(small):
    rng = _rng(19)

    def build(depth):
        if depth == 0:
            return float(rng.standard_normal())
        return [build(depth - 1) for _ in range(3)]

    return (build(2 if small else 5), 0.8)


def _fib(small):
    return (0.6, 0.3, 8 if small else 14)


def _split(small):
    return (np.linspace(-2.0, 2.0, 8 if small else 128),)


def _simpson(small):
    return (0.5, 2.0, 10 if small else 200)


def _spline(small):
    k = 6 if small else 12
    knots = np.linspace(0.0, 1.0, k)
    return (np.sin(3 * knots), np.linspace(0.02, 0.98, 7 if small else 60), knots)


def _bilinear(small):
    rng = _rng(20)
    n, m = (4, 5) if small else (16, 100)
    return (rng.standard_normal((n, n)), rng.uniform(0.1, n - 1.1, m),
            rng.uniform(0.1, n - 1.1, m))


def _rosenbrock(small):
    return (np.linspace(-1.2, 1.1, 6 if small else 60),)


def _black_scholes(small):
    n = 5 if small else 100
    rng = _rng(21)
    return (rng.uniform(80, 120, n), rng.uniform(90, 110, n), rng.uniform(0.25, 2.0, n),
            0.03, 0.25)


def _binomial(small):
    return (100.0, 0.25, 0.04, 105.0, 1.0, 8 if small else 50)


def _drawdown(small):
    rng = _rng(22)
    return (list(0.01 * rng.standard_normal(10 if small else 250)),)


def _survival(small):
    n = 8 if small else 4000
    rng = _rng(23)
    return (rng.uniform(0.01, 0.05, n), np.full(n, 2.5), 0.03, 0.25)


def _ema(small):
    rng = _rng(24)
    return (100.0 + np.cumsum(rng.standard_normal(12 if small else 300)), 0.3, 0.05)


def _rbm(small):
    v, h, batch = (4, 3, 5) if small else (20, 16, 32)
    rng = _rng(25)
    return (0.1 * rng.standard_normal((v, h)), 0.1 * rng.standard_normal(v),
            0.1 * rng.standard_normal(h), (rng.uniform(size=(batch, v)) < 0.5).astype(float))


def _gaussian(small):
    rng = _rng(26)
    return (0.3, -0.2, 1.0 + 0.8 * rng.standard_normal(10 if small else 20000))


def _mvn(small):
    d, n = (2, 5) if small else (4, 100)
    rng = _rng(27)
    return (0.1 * rng.standard_normal(d), np.eye(d) + 0.2 * rng.standard_normal((d, d)),
            rng.standard_normal((n, d)))


def _huber(small):
    n, d = (8, 3) if small else (120, 6)
    rng = _rng(28)
    X = rng.standard_normal((n, d))
    y = X @ np.arange(1.0, d + 1) + rng.standard_t(2.0, n)
    return (0.5 * rng.standard_normal(d), X, y, 1.0)


def _kmeans(small):
    k, n, d = (2, 6, 2) if small else (5, 200, 3)
    rng = _rng(29)
    return (rng.standard_normal((k, d)), rng.standard_normal((n, d)), 2.0)


def _lennard_jones(small):
    side = 2 if small else 3
    grid = np.array([(i, j, l) for i in range(side) for j in range(side)
                     for l in range(side)], dtype=float)
    rng = _rng(30)
    return (1.12 * grid + 0.05 * rng.standard_normal(grid.shape), 1.0, 1.0)


# ================================================================== the table

@dataclass(frozen=True)
class Program:
    """One program: `fn(*build(small))` is a scalar; `wrt` names what is differentiated."""
    name: str
    domain: str
    fn: Callable[..., Any]
    build: Callable[[bool], tuple]
    wrt: Any

    def args(self, small=False):
        """Fresh arguments: benchmark size, or a small size for the tests."""
        return self.build(small)


PROGRAMS = [
    Program("pendulum_euler", "physics/ODE", pendulum_euler, _pendulum,
            ("theta0", "omega0", "length")),
    Program("lotka_volterra_rk4", "physics/ODE", lotka_volterra_rk4, _lotka,
            ("alpha", "beta", "delta", "gamma")),
    Program("spring_chain_verlet", "physics/ODE", spring_chain_verlet, _springs,
            ("x0", "v0", "k")),
    Program("nbody_leapfrog", "physics/ODE", nbody_leapfrog, _nbody, ("pos", "vel", "masses")),
    Program("friction_oscillator", "physics/ODE", friction_oscillator, _friction,
            ("x0", "k", "c", "mu")),
    Program("lennard_jones_energy", "physics", lennard_jones_energy, _lennard_jones,
            ("positions", "epsilon", "sigma")),
    Program("lstm_sequence_loss", "ML", lstm_sequence_loss, _lstm, ("W", "U", "b")),
    Program("gru_classifier_loss", "ML", gru_classifier_loss, _gru, "params"),
    Program("elman_rnn_loss", "ML", elman_rnn_loss, _elman, ("Wx", "Wh", "bh", "Wy")),
    Program("mlp_cross_entropy", "ML", mlp_cross_entropy, _mlp, ("W1", "b1", "W2", "b2")),
    Program("logistic_regression_l2", "ML", logistic_regression_l2, _logreg, ("w", "b")),
    Program("self_attention_loss", "ML", self_attention_loss, _attention, ("Wq", "Wk", "Wv")),
    Program("rbm_free_energy", "ML", rbm_free_energy, _rbm, ("W", "b", "c")),
    Program("soft_kmeans_energy", "ML", soft_kmeans_energy, _kmeans, ("centers", "beta")),
    Program("huber_regression_loss", "statistics", huber_regression_loss, _huber, "w"),
    Program("gaussian_log_likelihood", "statistics", gaussian_log_likelihood, _gaussian,
            ("mu", "log_sigma")),
    Program("mvn_log_likelihood", "statistics", mvn_log_likelihood, _mvn, ("mean", "A")),
    Program("kalman_log_likelihood", "statistics", kalman_log_likelihood, _kalman, ("q", "r")),
    Program("polynomial_fit_error", "numerics", polynomial_fit_error, _horner, "coeffs"),
    Program("chebyshev_series_energy", "numerics", chebyshev_series_energy, _chebyshev,
            ("coeffs", "x")),
    Program("piecewise_response", "numerics", piecewise_response, _piecewise,
            ("xs", "a", "b")),
    Program("tridiagonal_objective", "solvers", tridiagonal_objective, _thomas, ("b", "d")),
    Program("gauss_seidel_objective", "solvers", gauss_seidel_objective, _gauss_seidel,
            ("A", "rhs")),
    Program("jacobi_objective", "solvers", jacobi_objective, _jacobi, ("A", "rhs")),
    Program("kepler_orbit_radius", "solvers", kepler_orbit_radius, _kepler,
            ("mean_anomalies", "e", "a")),
    Program("conv_denoise_loss", "signal", conv_denoise_loss, _conv, ("kernel", "signal")),
    Program("heat_equation_2d", "PDE", heat_equation_2d, _heat, ("u0", "alpha")),
    Program("poisson_residual", "PDE", poisson_residual, _poisson, ("u", "f")),
    Program("tree_energy", "recursion", tree_energy, _tree, ("node", "decay")),
    Program("fib_like_value", "recursion", fib_like_value, _fib, ("a", "b")),
    Program("binary_split_energy", "recursion", binary_split_energy, _split, "xs"),
    Program("simpson_integral", "numerics", simpson_integral, _simpson, ("a", "b")),
    Program("catmull_rom_energy", "numerics", catmull_rom_energy, _spline, ("values", "xs")),
    Program("bilinear_sample_sum", "numerics", bilinear_sample_sum, _bilinear,
            ("grid", "px", "py")),
    Program("rosenbrock_loop", "optimization", rosenbrock_loop, _rosenbrock, "x"),
    Program("black_scholes_portfolio", "finance", black_scholes_portfolio, _black_scholes,
            ("spots", "rate", "vol")),
    Program("binomial_american_put", "finance", binomial_american_put, _binomial,
            ("S0", "sigma", "r")),
    Program("drawdown_penalty", "finance", drawdown_penalty, _drawdown, "log_returns"),
    Program("survival_bond_price", "finance", survival_bond_price, _survival,
            ("hazard", "rate")),
    Program("ema_crossover_signal", "finance", ema_crossover_signal, _ema,
            ("prices", "alpha_fast", "alpha_slow")),
]
