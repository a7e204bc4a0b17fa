"""Quickstart: differentiate a small function with a branch, then read its derivative.

Run from the repository root after `python -m pip install .`:

    python examples/quickstart.py
"""
import math

import tangentlike as tl


@tl.differentiate(wrt=("a", "b"))
def f(a, b):
    c = a * b
    if c > 0:
        d = math.log(c)
    else:
        d = math.sin(c)
    return d


print("f(2, 3) =", f(2.0, 3.0))            # 1.791759...
print("grad f(2, 3) =", f.grad(2.0, 3.0))  # (0.5, 0.3333...)
print(f.source())
