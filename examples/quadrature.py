"""Differentiate through a quadrature routine that takes a function.

`simpson(f, a, b, n)` is an ordinary helper that integrates any function; the
model passes it a lambda that captures the parameters being differentiated.
tangentlike writes the helper out at the call, so the gradient flows through the
lambda back to `rate` and `shift`, and the upper limit `b` gets its gradient too.
"""

import math

import tangentlike as tl


def simpson(f, a, b, n=20):
    """The integral of f over [a, b] by Simpson's rule with n (even) intervals."""
    h = (b - a) / n
    total = f(a) + f(b)
    for k in range(1, n):
        weight = 4.0 if k % 2 == 1 else 2.0
        total += weight * f(a + k * h)
    return total * h / 3.0


def model(rate, shift, b):
    """The integral of exp(-rate (t - shift)^2) over [0, b]."""
    return simpson(lambda t: math.exp(-rate * (t - shift) ** 2), 0.0, b)


def main():
    rate, shift, b = 1.5, 0.3, 2.0
    value, (d_rate, d_shift, d_b) = tl.value_and_grad(model, wrt=(0, 1, 2))(rate, shift, b)
    print(f"integral = {value:.10f}")
    print(f"d/d rate  = {d_rate:.10f}")
    print(f"d/d shift = {d_shift:.10f}")
    print(f"d/d b     = {d_b:.10f}")
    # Checks that need no AD: differentiating under the integral sign, integrated by
    # the same rule, and the fundamental theorem of calculus for the upper limit.
    by_rate = simpson(lambda t: -(t - shift) ** 2 * math.exp(-rate * (t - shift) ** 2),
                      0.0, b)
    print(f"under the integral sign: d/d rate = {by_rate:.10f}")
    print(f"integrand at b = {math.exp(-rate * (b - shift) ** 2):.10f}")
    print()
    print(tl.source(model, wrt=(0, 1, 2)))


if __name__ == "__main__":
    main()
