"""A hypergradient: the derivative of a trained model's loss with respect to the
learning rate, differentiating through k steps of gradient descent.

The inner problem is least squares, loss(w) = mean((X w - y) ** 2), trained from
w = 0 by k steps of w <- w - lr * grad_loss(w).  tangentlike differentiates the
whole training loop with respect to `lr`.

The inner gradient is computed by tangentlike too (`tl.grad(loss)` inside the
function being differentiated): the outer derivative goes through it by
Hessian-vector products, with no perturbation confusion.  A hand-derived
gradient, used as a check, gives the same hypergradient.

    python examples/hypergradient.py
"""
import numpy as np

import tangentlike as tl


def loss(w, X, y):
    r = X @ w - y
    return np.mean(r ** 2)


def loss_gradient(w, X, y):
    """The gradient of `loss` with respect to w, derived by hand."""
    return 2.0 * X.T @ (X @ w - y) / X.shape[0]


inner_gradient = tl.grad(loss)


def trained_loss(lr, w, X, y, X_val, y_val, k):
    """Validation loss after k steps of gradient descent with learning rate lr."""
    for i in range(k):
        w = w - lr * inner_gradient(w, X, y)
    return loss(w, X_val, y_val)


def trained_loss_by_hand(lr, w, X, y, X_val, y_val, k):
    """The same, with the inner gradient derived by hand."""
    for i in range(k):
        w = w - lr * loss_gradient(w, X, y)
    return loss(w, X_val, y_val)


rng = np.random.default_rng(0)
w_true = np.array([1.0, -2.0, 0.5])
X, X_val = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
y = X @ w_true + 0.1 * rng.normal(size=50)
y_val = X_val @ w_true + 0.1 * rng.normal(size=50)
w0, k = np.zeros(3), 10

assert np.allclose(tl.grad(loss)(w_true, X, y), loss_gradient(w_true, X, y))

hypergradient = tl.value_and_grad(trained_loss)
by_hand = tl.grad(trained_loss_by_hand)(0.05, w0, X, y, X_val, y_val, k)
assert np.isclose(hypergradient(0.05, w0, X, y, X_val, y_val, k)[1], by_hand, rtol=1e-9)
eps = 1e-6
for lr in (0.01, 0.05, 0.1):
    value, d_lr = hypergradient(lr, w0, X, y, X_val, y_val, k)
    fd = (trained_loss(lr + eps, w0, X, y, X_val, y_val, k)
          - trained_loss(lr - eps, w0, X, y, X_val, y_val, k)) / (2 * eps)
    print(f"lr = {lr:.2f}: validation loss {value:.5f}, d loss / d lr = {d_lr:.5f}"
          f"  (central difference {fd:.5f})")

# Tune the learning rate itself by gradient descent on the hypergradient.
lr = 0.01
for _ in range(20):
    value, d_lr = hypergradient(lr, w0, X, y, X_val, y_val, k)
    lr = lr - 0.002 * d_lr
print(f"tuned lr = {lr:.4f}, validation loss after {k} steps = "
      f"{trained_loss(lr, w0, X, y, X_val, y_val, k):.5f}")
