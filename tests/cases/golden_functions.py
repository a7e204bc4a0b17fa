"""The functions whose generated reverse-mode source is pinned by tests/test_golden.py.

One per kind of control flow: a branch, a loop that overwrites its variables, and a
`while True` loop left by `break`.  Their line numbers appear in the generated code
("# grad of: ... (line N)"), so editing this file means regenerating the golden files
(see tests/test_golden.py).
"""

import math


def baydin(a, b):
    c = a * b
    if c > 0:
        d = math.log(c)
    else:
        d = math.sin(c)
    return d


def power_sum(x, n):
    s = 0.0
    p = 1.0
    for i in range(n):
        p = p * x
        s = s + math.sin(p)
    return s


def newton_sqrt(a):
    x = a
    while True:
        nxt = 0.5 * (x + a / x)
        if abs(nxt - x) < 1e-12:
            break
        x = nxt
    return x
