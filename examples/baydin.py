"""Baydin et al.'s branching example: reverse mode through an `if` on a computed value.

From "Automatic differentiation in machine learning: a survey" (Baydin, Pearlmutter,
Radul and Siskind, JMLR 2018):

    f(a, b) = log(a*b)  if a*b > 0,  else  sin(a*b)

At (2, 3), c = 6 > 0, so f = log(6) and the gradient is (1/a, 1/b) = (0.5, 0.333...).
Only the branch that ran is differentiated; the generated code records nothing for
the decision because it can recompute `c > 0` from `c` in the backward sweep.

    python examples/baydin.py
"""
import math

import tangentlike as tl


def f(a, b):
    c = a * b
    if c > 0:
        d = math.log(c)
    else:
        d = math.sin(c)
    return d


df = tl.grad(f, wrt=("a", "b"))

print("f(2, 3) =", f(2.0, 3.0))                  # log(6) = 1.791759...
print("gradient at (2, 3) =", df(2.0, 3.0))      # (0.5, 0.3333...)
print("gradient at (-2, 3) =", df(-2.0, 3.0))    # (3 cos(-6), -2 cos(-6)): the sin branch
print()
print(tl.source(f, wrt=("a", "b")))
