"""The logistic map and expression swell.

Baydin et al.'s survey (JMLR 2018, table 1) iterates the logistic map
l[n+1] = 4 l[n] (1 - l[n]) to show "expression swell": written out as one formula,
l[n] repeats the whole of l[n-1] twice, and its symbolic derivative, built with the
product rule, grows even faster.  Automatic differentiation never builds that
formula; it differentiates the program, so the derivative costs a small constant
times the program.

This example prints the gradient of the n-th iterate, then compares sizes for
n = 1..4:
- the formula for l[n] and its symbolic derivative (nodes of the expression
  tree, with the trivial simplifications 0*u = 0, 1*u = u, u + 0 = u applied);
- the lines of tangentlike's generated gradient for the loop (n is an argument,
  so the code does not depend on it) and for the map unrolled by hand n times.

    python examples/logistic_map.py
"""
import math

import tangentlike as tl


def logistic(x, n):
    for i in range(n):
        x = 4.0 * x * (1.0 - x)
    return x


def unrolled_1(x):
    x = 4.0 * x * (1.0 - x)
    return x


def unrolled_2(x):
    x = 4.0 * x * (1.0 - x)
    x = 4.0 * x * (1.0 - x)
    return x


def unrolled_3(x):
    x = 4.0 * x * (1.0 - x)
    x = 4.0 * x * (1.0 - x)
    x = 4.0 * x * (1.0 - x)
    return x


def unrolled_4(x):
    x = 4.0 * x * (1.0 - x)
    x = 4.0 * x * (1.0 - x)
    x = 4.0 * x * (1.0 - x)
    x = 4.0 * x * (1.0 - x)
    return x


# -- a tiny symbolic differentiator, to measure the formulas ------------------------
# An expression is "x", a number, or (op, left, right) with op "*" or "-" or "+".

def mul(u, v):
    if u == 0 or v == 0:
        return 0
    if u == 1:
        return v
    if v == 1:
        return u
    return ("*", u, v)


def add(u, v, op="+"):
    if v == 0:
        return u
    if u == 0 and op == "+":
        return v
    return (op, u, v)


def d(e):
    """The symbolic derivative of `e` with respect to x (product and sum rules)."""
    if e == "x":
        return 1
    if not isinstance(e, tuple):
        return 0
    op, u, v = e
    if op == "*":
        return add(mul(d(u), v), mul(u, d(v)))
    return add(d(u), d(v), op)


def size(e):
    return 1 + size(e[1]) + size(e[2]) if isinstance(e, tuple) else 1


def code_lines(text):
    """Lines of the generated function's body: no docstring, comments or blank lines."""
    body = text[text.index("\ndef "):].splitlines()[2:]
    return sum(1 for line in body if line.strip() and not line.strip().startswith("#"))


dlogistic = tl.grad(logistic)
x0 = 0.3
for n in (1, 2, 3, 4, 10):
    eps = 1e-7
    fd = (logistic(x0 + eps, n) - logistic(x0 - eps, n)) / (2 * eps)
    print(f"n = {n:2}: l_n({x0}) = {logistic(x0, n):.6f}, dl_n/dx = {dlogistic(x0, n):.6f}"
          f"  (central difference {fd:.6f})")

print()
print(" n | formula l_n | symbolic dl_n/dx | tangentlike, loop | tangentlike, unrolled")
print("   | (nodes)     | (nodes)          | (lines)           | (lines)")
loop_lines = code_lines(tl.source(logistic, args=(x0, 1)))
formula = "x"
for n, unrolled in enumerate((unrolled_1, unrolled_2, unrolled_3, unrolled_4), start=1):
    formula = mul(mul(4, formula), add(1, formula, "-"))
    assert math.isclose(tl.grad(unrolled)(x0), dlogistic(x0, n), rel_tol=1e-12)
    print(f"{n:2} | {size(formula):11} | {size(d(formula)):16} | {loop_lines:17} | "
          f"{code_lines(tl.source(unrolled)):21}")

print()
print("The loop's gradient, for every n:")
print(tl.source(logistic, args=(x0, 1)))
