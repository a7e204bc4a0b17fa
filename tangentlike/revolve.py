"""Checkpointed split pairs: a `tl.checkpoint` function's, and a `tl.checkpointed` loop's
by a binomial schedule.

Receives a function and the (wrt, kinds) of a call of it from generated code, as
`runtime.split` does.  Guarantees a (forward, backward) pair that generated code calls
exactly as it calls a split pair (`forward(*args, _tape)` returns the value;
`backward(b, _tape)` returns the adjoints of `wrt`, one value for one name):

- `checkpoint_pair(h, ...)`: forward runs `h` itself and keeps only a copy of its
  arguments on the caller's tape; backward runs h's generated forward sweep again
  from them, on a tape of its own, then h's backward sweep.
- `loop_pair(step, ...)`: for the loop `_loop(_range, _snapshots, *state, *invariants)`
  that normalize/outline.py makes of `for i in tl.checkpointed(range(n),
  snapshots=k):`, whose body is `step(i, *state, *invariants) -> state`.  Forward
  runs the plain steps and keeps at most k copies of the state (never a tape);
  backward follows `backward_actions`: it replays segments from the snapshots and
  runs each step's generated forward sweep (with a tape) and backward sweep exactly
  once, from the last step to the first, summing the adjoints of the invariants.

The schedule (`forward_actions`, `backward_actions`) is the recursive binomial one:
the steps [a, b) with the state at a kept and c more snapshots free are split at
m = `_split(b - a, c)`; the state at m is kept, [m, b) is reversed with c - 1 free
snapshots, then [a, m) with c.  With s = c + 1 snapshots in all and r the least
number with C(s + r, s) >= n, it advances r * n - C(s + r, s + 1) steps without a
tape in all (the forward sweep's n among them), the least any schedule keeping s
states can (Griewank, 1992); `tests/test_checkpointing.py` checks it against a
search over every split.
"""

from math import comb

from . import runtime
from .checkpoints import SWEEP, checkpointed
from .errors import TangentlikeError

_TAPE = "_tape"            # the tape parameter of a generated forward sweep (syntax.TAPE)


def checkpointed_pair(function, wrt, kinds, carried=None, optimize=True):
    """`runtime.checkpointed_split`: a tl.checkpoint function's pair (`carried` None), or
    the pair of the loop whose body is `function` and state `carried` values long."""
    if carried is None:
        return checkpoint_pair(function, wrt, kinds, optimize)
    return loop_pair(function, wrt, kinds, carried, optimize)


# -- tl.checkpoint ------------------------------------------------------------------------

def checkpoint_pair(function, wrt, kinds, optimize=True):
    """The split pair of a `tl.checkpoint` function (see the module docstring)."""
    forward, backward = runtime.split(function, wrt, kinds, optimize)

    def forward_checkpointed(*args, **keywords):
        if _TAPE in keywords:
            tape = keywords.pop(_TAPE)
        else:
            args, tape = args[:-1], args[-1]
        tape.append((runtime.copy(args), runtime.copy(keywords)))
        return function(*args, **keywords)

    def backward_checkpointed(b, tape):
        args, keywords = tape.pop()
        own = []
        forward(*args, **keywords, **{_TAPE: own})
        return backward(b, own)

    return _named(function, forward_checkpointed, backward_checkpointed)


# -- tl.checkpointed: the schedule ----------------------------------------------------------

def _split(steps, free):
    """Where to keep the next snapshot in `steps` steps with the first state kept and
    `free` more snapshots: the binomial choice, with s = free + 1 and r the least
    number of repetitions with C(s + r, s) >= steps."""
    s, r = free + 1, 0
    while comb(s + r, s) < steps:
        r += 1
    left_most = comb(s + r - 1, s)                  # steps [a, m) reversible in r - 1
    right_least = comb(s - 1 + r - 1, s - 1)          # what [m, b) must take to be worth it
    return max(1, min(steps - 1, left_most, steps - right_least))


def _spine(n, snapshots):
    """The positions the forward sweep keeps beside 0: the splits of the first descent."""
    a, free, out = 0, snapshots - 1, []
    while n - a > 1 and free > 0:
        a += _split(n - a, free)
        out.append(a)
        free -= 1
    return out


def forward_actions(n, snapshots):
    """The forward sweep's actions, one at a time: ("store", j) keeps the state at j,
    ("advance", j) runs step j without a tape."""
    spine = set(_spine(n, snapshots))
    if n:
        yield ("store", 0)
    for j in range(n):
        if j in spine:
            yield ("store", j)
        yield ("advance", j)


def backward_actions(n, snapshots):
    """The backward sweep's actions after `forward_actions`, one at a time:
    ("restore", j) takes the state kept at j, ("advance", j) runs step j without a
    tape, ("store", j) keeps the state at j, ("reverse", j) runs step j's forward
    sweep with a tape and then its backward sweep, ("free", j) forgets the state kept
    at j.  The recursion of the module docstring, on a stack of its own (its depth
    is the number of snapshots)."""
    kept = {0, *_spine(n, snapshots)}
    work = [(0, n, snapshots - 1)] if n else []
    while work:
        a, b, free = work.pop()
        if a == "free":
            kept.discard(b)
            yield ("free", b)
        elif free == 0 or b - a == 1:          # from the state at a, the last step
            yield ("restore", a)
            yield from (("advance", j) for j in range(a, b - 1))
            yield ("reverse", b - 1)
            if b - 1 > a:
                work.append((a, b - 1, free))
        else:
            m = a + _split(b - a, free)
            if m not in kept:
                yield ("restore", a)
                yield from (("advance", j) for j in range(a, m))
                yield ("store", m)
                kept.add(m)
            work += [(a, m, free), ("free", m, None), (m, b, free - 1)]
    if n:
        yield ("free", 0)


# -- tl.checkpointed: the driver -------------------------------------------------------------

_DIFFERENTIABLE = ("scalar", "array", "vector", "matrix", "scalars")


def loop_pair(step, wrt, kinds, carried, optimize=True):
    """The split pair of a checkpointed loop whose body is `step` (module docstring):
    `wrt` and `kinds` are those of the loop function, whose parameters are
    (_range, _snapshots, *state, *invariants), `carried` the length of the state."""
    code = step.__code__
    names = code.co_varnames[1:code.co_argcount]          # state, then invariants
    wanted = set(wrt)

    def primal(j, state, invariants):
        out = step(j, *state, *invariants)
        return (out,) if carried == 1 else tuple(out)

    def forward_loop(indices, snapshots, *values, **keywords):
        values, tape = (values, keywords[_TAPE]) if _TAPE in keywords else \
            (values[:-1], values[-1])
        state, invariants = tuple(values[:carried]), tuple(values[carried:])
        checkpointed(indices, snapshots=snapshots)      # the checks the primal makes
        kept = {}
        for action, j in forward_actions(len(indices), snapshots):
            if action == "store":
                kept[j] = runtime.copy(state)
            else:
                state = primal(indices[j], state, invariants)
        # (the invariants as the steps read them: the function may write into them after
        # the loop, and the backward sweep runs the steps again)
        tape.append((indices, snapshots, kept, runtime.copy(invariants)))
        return state[0] if carried == 1 else state

    def backward_loop(b, tape):
        indices, snapshots, kept, invariants = tape.pop()
        b_state = (b,) if carried == 1 else (0.0,) * carried if runtime._is_zero(b) \
            else tuple(b)
        b_invariants = [0.0] * len(invariants)
        state, pairs = None, {}
        for action, j in backward_actions(len(indices), snapshots):
            if action == "restore":
                state = runtime.copy(kept[j])
            elif action == "advance":
                state = primal(indices[j], state, invariants)
            elif action == "store":
                kept[j] = runtime.copy(state)
            elif action == "free":
                del kept[j]
            else:
                b_state = reversed_step(indices[j], state, invariants, b_state, b_invariants,
                                        pairs)
        adjoints = dict(zip(names, b_state + tuple(b_invariants)))
        found = tuple(adjoints[name] for name in wrt)
        return found[0] if len(found) == 1 else found

    def reversed_step(index, state, invariants, b_state, b_invariants, pairs):
        values = state + invariants
        step_wrt = tuple(name for name, v in zip(names, values)
                         if name in wanted or name in names[:carried] and _carries(v))
        step_kinds = (runtime.arg_kind(index),) + tuple(runtime.arg_kind(v) for v in values)
        key = (step_wrt, step_kinds)
        if key not in pairs:                    # (the loader's lookup, once per sweep)
            pairs[key] = runtime.split(step, step_wrt, step_kinds, optimize)
        forward, backward = pairs[key]
        own = []
        out = forward(index, *values, **{_TAPE: own})
        out = (out,) if carried == 1 else tuple(out)
        b_out = tuple(runtime.zeros_like(v) if runtime._is_zero(g) else g
                      for g, v in zip(b_state, out))
        found = backward(b_out[0] if carried == 1 else list(b_out), own)
        found = dict(zip(step_wrt, (found,) if len(step_wrt) == 1 else found))
        for k, name in enumerate(names[carried:]):
            if name in found:
                b_invariants[k] = runtime.add(b_invariants[k], found[name])
        return tuple(found.get(name, 0.0) for name in names[:carried])

    return _named(step, forward_loop, backward_loop)


def _named(function, forward, backward):
    """The pair, named after `function` and marked (checkpoints.SWEEP) so that the
    pipeline refuses to differentiate code that calls it."""
    forward.__name__ = f"forward_{function.__name__}_checkpointed"
    backward.__name__ = f"backward_{function.__name__}_checkpointed"
    setattr(forward, SWEEP, True)
    setattr(backward, SWEEP, True)
    return forward, backward


def _carries(value):
    """Whether a value of the loop's state can carry a derivative from step to step
    (integers, booleans and strings cannot: they are not differentiated)."""
    if isinstance(value, (bool, int, str, bytes, type(None))) or \
            getattr(getattr(value, "dtype", None), "kind", "f") in "biuSU":
        return False
    if runtime.arg_kind(value) in _DIFFERENTIABLE or isinstance(value, (list, tuple, dict)):
        return True
    raise TangentlikeError(f"the state of a checkpointed loop holds a {type(value).__name__}, "
                           f"which tangentlike cannot carry between steps; keep it out of the "
                           f"loop or leave tl.checkpointed out")
