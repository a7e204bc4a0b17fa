"""Hamiltonian Monte Carlo on a correlated 2-D Gaussian, with tangentlike's gradient.

HMC samples from p(q) proportional to exp(-U(q)) by simulating a particle with potential
energy U and a random momentum, using the leapfrog integrator, which needs the gradient
of U at every step.  Here U is the negative log density of a Gaussian with mean
(1, -2), standard deviations (1, 0.5) and correlation 0.8, and its gradient is
`tl.grad(potential)`.  The sample mean, standard deviations and correlation should
come out close to those numbers.

    python examples/hmc.py
"""
import numpy as np

import tangentlike as tl


def potential(q, mean, precision):
    r = q - mean
    return 0.5 * np.dot(r, precision @ r)


grad_potential = tl.grad(potential)


def leapfrog(q, p, step, n_steps, mean, precision):
    p = p - 0.5 * step * grad_potential(q, mean, precision)
    for i in range(n_steps):
        q = q + step * p
        if i < n_steps - 1:
            p = p - step * grad_potential(q, mean, precision)
    p = p - 0.5 * step * grad_potential(q, mean, precision)
    return q, p


def hmc(q, n_samples, step, n_steps, mean, precision, rng):
    samples, accepted = [], 0
    for _ in range(n_samples):
        p = rng.normal(size=q.shape)
        q_new, p_new = leapfrog(q, p, step, n_steps, mean, precision)
        current = potential(q, mean, precision) + 0.5 * np.dot(p, p)
        proposed = potential(q_new, mean, precision) + 0.5 * np.dot(p_new, p_new)
        if rng.uniform() < np.exp(current - proposed):     # Metropolis correction
            q, accepted = q_new, accepted + 1
        samples.append(q)
    return np.array(samples), accepted / n_samples


true_mean = np.array([1.0, -2.0])
true_std = np.array([1.0, 0.5])
correlation = 0.8
cov = np.array([[1.0, correlation * 0.5], [correlation * 0.5, 0.25]])
precision = np.linalg.inv(cov)

# the gradient is precision @ (q - mean); check it once
q0 = np.array([0.3, 0.7])
assert np.allclose(grad_potential(q0, true_mean, precision), precision @ (q0 - true_mean))

rng = np.random.default_rng(0)
samples, acceptance = hmc(np.zeros(2), 2000, 0.2, 10, true_mean, precision, rng)
samples = samples[200:]                                  # drop the burn-in
print(f"acceptance rate {acceptance:.2f}")
print("sample mean", np.round(samples.mean(axis=0), 3), " true", true_mean)
print("sample std ", np.round(samples.std(axis=0), 3), " true", true_std)
print(f"sample correlation {np.corrcoef(samples.T)[0, 1]:.3f}  true {correlation}")
