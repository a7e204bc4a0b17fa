"""Checkpointed loops and their plain twins, for tests/test_checkpointing.py.

Each entry of LOOPS is (name, checkpointed function, plain function, args, wrt): the
two functions differ only in `tl.checkpointed(range(n), snapshots=k)` against
`range(n)`; both take the snapshot count `k` last (the plain one ignores it).
"""

import math

import numpy as np

import tangentlike as tl


def decay(x, p):
    """A helper called from a loop body (a nested call)."""
    return np.sin(x) * 0.9 + 0.1 * np.cos(x * p)


@tl.checkpoint
def decay_checkpointed(x, p):
    y = np.sin(x) * 0.9
    return y + 0.1 * np.cos(x * p)


def array_state(x, p, n, k):
    for i in tl.checkpointed(range(n), snapshots=k):
        x = np.sin(x) * 0.9 + 0.1 * np.cos(x * p)
    return np.sum(x)


def array_state_plain(x, p, n, k):
    for i in range(n):
        x = np.sin(x) * 0.9 + 0.1 * np.cos(x * p)
    return np.sum(x)


def scalar_state(x, p, n, k):
    for i in tl.checkpointed(range(n), snapshots=k):
        x = math.sin(x) * p + 0.5 * x
    return x * x


def scalar_state_plain(x, p, n, k):
    for i in range(n):
        x = math.sin(x) * p + 0.5 * x
    return x * x


def oscillator(x, v, p, n, k):
    dt = 0.1
    for i in tl.checkpointed(range(n), snapshots=k):
        a = -p * np.sin(x)
        x, v = x + dt * v, v + dt * a
    return np.sum(x * x) + np.sum(v)


def oscillator_plain(x, v, p, n, k):
    dt = 0.1
    for i in range(n):
        a = -p * np.sin(x)
        x, v = x + dt * v, v + dt * a
    return np.sum(x * x) + np.sum(v)


def layers(x, w, b, n, k):
    total = 0
    for i in tl.checkpointed(range(n), snapshots=k):
        x = np.tanh(w * x + b * i)
        total = total + np.sum(x) * 0.5
    return total + np.sum(x * x)


def layers_plain(x, w, b, n, k):
    total = 0
    for i in range(n):
        x = np.tanh(w * x + b * i)
        total = total + np.sum(x) * 0.5
    return total + np.sum(x * x)


def with_calls(x, p, n, k):
    for i in tl.checkpointed(range(n), snapshots=k):
        x = decay(x, p)
        x = decay_checkpointed(x, p)
    return np.sum(x)


def with_calls_plain(x, p, n, k):
    for i in range(n):
        x = decay(x, p)
        x = decay_checkpointed(x, p)
    return np.sum(x)


def branches_and_inner_loop(x, p, n, k):
    for i in tl.checkpointed(range(n), snapshots=k):
        if i % 2 == 0:
            x = x * p
        else:
            x = np.sin(x)
        for j in range(2):
            x = x + 0.1 * np.cos(x)
        t = x * x
        x = x - 0.05 * t
    return np.sum(x)


def branches_and_inner_loop_plain(x, p, n, k):
    for i in range(n):
        if i % 2 == 0:
            x = x * p
        else:
            x = np.sin(x)
        for j in range(2):
            x = x + 0.1 * np.cos(x)
        t = x * x
        x = x - 0.05 * t
    return np.sum(x)


def own_array(x, p, n, k):
    for i in tl.checkpointed(range(n), snapshots=k):
        x = x.copy()
        x[0] = x[0] * p
        x = np.sin(x)
    return np.sum(x)


def own_array_plain(x, p, n, k):
    for i in range(n):
        x = x.copy()
        x[0] = x[0] * p
        x = np.sin(x)
    return np.sum(x)


def nested_checkpointed(x, p, n, k):
    for i in tl.checkpointed(range(n), snapshots=k):
        for j in tl.checkpointed(range(3), snapshots=2):
            x = np.sin(x) * p + 0.1
    return np.sum(x)


def nested_checkpointed_plain(x, p, n, k):
    for i in range(n):
        for j in range(3):
            x = np.sin(x) * p + 0.1
    return np.sum(x)


_X = np.linspace(0.1, 0.9, 4)

LOOPS = [
    ("array_state", array_state, array_state_plain, (_X, 0.7, 25, 3), (0, 1)),
    ("scalar_state", scalar_state, scalar_state_plain, (0.3, 1.2, 30, 4), (0, 1)),
    ("oscillator", oscillator, oscillator_plain, (_X, 0.5 * _X, 1.3, 17, 3), (0, 1, 2)),
    ("layers", layers, layers_plain, (_X, 0.8, 0.2, 12, 2), (0, 1, 2)),
    ("with_calls", with_calls, with_calls_plain, (_X, 0.7, 9, 3), (0, 1)),
    ("branches_and_inner_loop", branches_and_inner_loop, branches_and_inner_loop_plain,
     (_X, 0.9, 11, 3), (0, 1)),
    ("own_array", own_array, own_array_plain, (_X, 1.1, 6, 2), (0, 1)),
    ("nested_checkpointed", nested_checkpointed, nested_checkpointed_plain,
     (_X, 0.8, 5, 2), (0, 1)),
]


# -- bodies a checkpointed loop cannot have: (name, function, args, text in the message)

def leaves_by_break(x, n):
    for i in tl.checkpointed(range(n), snapshots=2):
        x = np.sin(x)
        if i > 3:
            break
    return np.sum(x)


def leaves_by_return(x, n):
    for i in tl.checkpointed(range(n), snapshots=2):
        x = np.sin(x)
        if np.sum(x) > 10.0:
            return np.sum(x)
    return np.sum(x)


def writes_outside(x, n):
    out = np.zeros(n)
    for i in tl.checkpointed(range(n), snapshots=2):
        x = np.sin(x)
        out[i] = np.sum(x)
    return np.sum(out)


def appends_outside(x, n):
    seen = []
    for i in tl.checkpointed(range(n), snapshots=2):
        x = np.sin(x)
        seen.append(x)
    return np.sum(x)


def reads_body_local_after(x, n):
    for i in tl.checkpointed(range(n), snapshots=2):
        y = np.sin(x)
        x = y * 0.5
    return np.sum(y)


def reads_index_after(x, n):
    for i in tl.checkpointed(range(n), snapshots=2):
        x = np.sin(x)
    return np.sum(x) * i


def not_a_range(x, n):
    for v in tl.checkpointed([1.0, 2.0], snapshots=2):
        x = np.sin(x) * v
    return np.sum(x)


def outside_a_loop(x, n):
    r = tl.checkpointed(range(n), snapshots=2)
    for i in r:
        x = np.sin(x)
    return np.sum(x)


def calls_a_nested_function(x, n):
    def g(t):
        return np.sin(t)
    for i in tl.checkpointed(range(n), snapshots=2):
        x = g(x)
    return np.sum(x)


def assigns_the_index(x, n):
    for i in tl.checkpointed(range(n), snapshots=2):
        x = np.sin(x)
        i = 3
    return np.sum(x)


def updates_the_state_in_place(x, n):
    # (the seed-19191919 campaign: `x += ...` wrote into the caller's array through the
    # step, and would have changed memory an earlier use's derivative reads)
    for i in tl.checkpointed(range(n), snapshots=2):
        w = x
        x += w
    return np.sum(x)


ERRORS = [
    ("augmented assignment", updates_the_state_in_place,
     "an augmented assignment to `x` (in place, for an array)"),
    ("break", leaves_by_break, "`break` inside a checkpointed loop"),
    ("return", leaves_by_return, "`return` inside a checkpointed loop"),
    ("item write", writes_outside, "writing into `out`"),
    ("append", appends_outside, "writing into `seen`"),
    ("body local read after", reads_body_local_after, "reading `y` after the checkpointed"),
    ("index read after", reads_index_after, "reading `i` after the checkpointed"),
    ("not a range", not_a_range, "tl.checkpointed(range(...), snapshots=k)"),
    ("outside a loop", outside_a_loop, "tl.checkpointed outside a for statement"),
    ("nested function", calls_a_nested_function, "define `g` at module level"),
    ("assigns the index", assigns_the_index, "assigning the loop variable `i`"),
]


def reads_the_previous_step(x, n):
    for i in tl.checkpointed(range(n), snapshots=2):
        if i > 0:
            x = x + 0.1 * previous
        previous = np.sin(x)
    return np.sum(x)


ERRORS.append(("previous step's local", reads_the_previous_step,
               "reading `previous` in a checkpointed loop before the step binds it"))
