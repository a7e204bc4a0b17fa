"""Train a small multilayer perceptron with plain stochastic gradient descent.

A 1 -> 32 -> 1 tanh network learns y = sin(3x) on 256 noisy points.  The gradient
of the mean squared error with respect to all four parameter arrays comes from one
call to the function returned by `tl.value_and_grad(loss, wrt=(0, 1, 2, 3))`;
the update is written by hand.  Everything is NumPy with a fixed seed, so the run
is reproducible.

    python examples/mlp_sgd.py
"""
import numpy as np

import tangentlike as tl


def loss(W1, b1, W2, b2, X, y):
    h = np.tanh(X @ W1 + b1)
    pred = h @ W2 + b2
    return np.mean((pred - y) ** 2)


rng = np.random.default_rng(0)
X = rng.uniform(-1.0, 1.0, size=(256, 1))
y = np.sin(3.0 * X) + 0.05 * rng.normal(size=X.shape)

params = [rng.normal(0.0, 1.0, size=(1, 32)), np.zeros(32),
          rng.normal(0.0, 1.0 / np.sqrt(32), size=(32, 1)), np.zeros(1)]
value_and_grad = tl.value_and_grad(loss, wrt=(0, 1, 2, 3))

learning_rate, batch, steps = 0.1, 32, 2000
losses = [loss(*params, X, y)]                         # on the whole data set
print(f"step    0: loss {losses[0]:.5f}")
for step in range(1, steps + 1):
    rows = rng.integers(0, len(X), size=batch)        # a random minibatch
    value, grads = value_and_grad(*params, X[rows], y[rows])
    params = [p - learning_rate * g for p, g in zip(params, grads)]
    if step % 250 == 0:
        losses.append(loss(*params, X, y))
        print(f"step {step:4}: loss {losses[-1]:.5f}")

print(f"first loss {losses[0]:.5f}, last loss {losses[-1]:.5f}")
