"""A matrix power A**k computed by a loop of `@`, differentiated with respect to A.

The loss is sum(C * A**k) for a fixed matrix C, so its gradient is
sum over j of (A**j).T @ C @ (A**(k-1-j)).T -- tangentlike finds it from the loop.
The gradient is checked entry by entry against central finite differences.

    python examples/matrix_power.py
"""
import numpy as np

import tangentlike as tl


def power_loss(A, C, k):
    P = A
    for i in range(k - 1):
        P = P @ A
    return np.sum(C * P)


rng = np.random.default_rng(0)
A = rng.normal(size=(4, 4)) / 2
C = rng.normal(size=(4, 4))
k = 5

grad_A = tl.grad(power_loss)(A, C, k)

eps = 1e-6
fd = np.zeros_like(A)
for i in range(A.shape[0]):
    for j in range(A.shape[1]):
        E = np.zeros_like(A)
        E[i, j] = eps
        fd[i, j] = (power_loss(A + E, C, k) - power_loss(A - E, C, k)) / (2 * eps)

closed = sum(np.linalg.matrix_power(A, j).T @ C @ np.linalg.matrix_power(A, k - 1 - j).T
             for j in range(k))

np.set_printoptions(precision=4, suppress=True)
print(f"loss = sum(C * A**{k}) =", power_loss(A, C, k))
print("gradient with respect to A:")
print(grad_A)
print("max |tangentlike - finite differences| =", np.abs(grad_A - fd).max())
print("max |tangentlike - closed form| =", np.abs(grad_A - closed).max())
print("matches finite differences:", np.allclose(grad_A, fd, rtol=1e-6, atol=1e-8))
print()
print(tl.source(power_loss, args=(A, C, k)))
