"""Checkpointing (issue 14): `tl.checkpoint` on a callee, `tl.checkpointed` on a loop.

The loops of tests/cases/checkpoint_cases.py (LOOPS: each with a plain twin) are
checked for every number of steps that is special (0, 1, 2, fewer than the
snapshots, many more) and several snapshot counts: the gradient equals the plain
loop's to 1e-10 and central differences (and autograd on the plain twin) to 1e-5,
forward mode and the primal equal the plain loop's, and the inputs are unchanged.
The schedule (revolve.py) is checked on its own against a search over every way
to split the steps: it advances the least number of steps any schedule keeping k
states can, runs each step's backward sweep exactly once, last step first, and never
keeps more than k states.  The run is checked to follow it (a step body that counts
its calls), and a memory test bounds what the backward sweep keeps.  ERRORS: bodies
a checkpointed loop cannot have, each a located UnsupportedSyntaxError.
"""

import copy
import functools
import inspect
import math

import numpy as np
import pytest

import checkpoint_cases
import tangentlike as tl
from checkpoint_cases import ERRORS, LOOPS
from counting import peak_memory
from oracles import assert_grad_close, autograd_grad, central_difference
from tangentlike import revolve

STEPS = (0, 1, 2, 3, 40)
SNAPSHOTS = (1, 2, 5)


def _with(args, n, k):
    return tuple(args[:-2]) + (n, k)


def _close(actual, expected, rtol):
    for a, e in zip(actual, expected):
        assert type(a) is type(e)
        np.testing.assert_allclose(a, e, rtol=rtol, atol=1e-13)


# -- gradients --------------------------------------------------------------------------------

@pytest.mark.parametrize("name, f, plain, args, wrt", LOOPS, ids=[c[0] for c in LOOPS])
@pytest.mark.parametrize("n", STEPS)
def test_gradient_equals_the_plain_loops(name, f, plain, args, wrt, n):
    for k in SNAPSHOTS:
        values = _with(args, n, k)
        before = copy.deepcopy(values)
        got = tl.grad(f, wrt=wrt)(*values)
        _close(got, tl.grad(plain, wrt=wrt)(*values), 1e-10)
        for a, b in zip(values, before):
            np.testing.assert_array_equal(a, b)           # inputs unchanged


@pytest.mark.parametrize("name, f, plain, args, wrt", LOOPS, ids=[c[0] for c in LOOPS])
def test_gradient_against_the_oracles(name, f, plain, args, wrt):
    got = tl.grad(f, wrt=wrt)(*args)
    assert_grad_close(got, central_difference(plain, args, wrt), rtol=1e-5, atol=1e-7)
    expected = autograd_grad(plain, args, wrt)
    if expected is not None:
        assert_grad_close(got, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name, f, plain, args, wrt", LOOPS, ids=[c[0] for c in LOOPS])
def test_forward_mode_and_the_primal_are_the_plain_loops(name, f, plain, args, wrt):
    tangents = tuple(np.full_like(v, 0.5) if isinstance(v, np.ndarray) else 0.5
                     for v in args[:-2]) + (0, 0)
    value, tangent = tl.jvp(f, args, tangents)
    plain_value, plain_tangent = tl.jvp(plain, args, tangents)
    assert value == plain_value and f(*args) == plain(*args)
    np.testing.assert_allclose(tangent, plain_tangent, rtol=1e-12)


def test_many_more_steps_than_snapshots():
    f, plain = checkpoint_cases.array_state, checkpoint_cases.array_state_plain
    x = np.linspace(-1.0, 1.0, 7)
    _close(tl.grad(f, wrt=(0, 1))(x, 0.6, 300, 4),
           tl.grad(plain, wrt=(0, 1))(x, 0.6, 300, 4), 1e-10)


def test_the_snapshot_count_is_checked():
    with pytest.raises(tl.TangentlikeError, match="snapshots=k"):
        tl.grad(checkpoint_cases.array_state)(np.ones(3), 0.5, 4, 0)
    assert tl.checkpointed(range(2, 9, 3), snapshots=1) == range(2, 9, 3)


# -- the schedule -------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _least_advances(steps, free):
    """The fewest steps advanced without a tape to reverse `steps` steps from a kept
    first state with `free` more snapshots: a search over every first split."""
    if steps <= 1:
        return 0
    if free == 0:
        return steps * (steps - 1) // 2
    return min(m + _least_advances(m, free) + _least_advances(steps - m, free - 1)
               for m in range(1, steps))


def _binomial_bound(steps, snapshots):
    """r * n - C(s + r, s + 1), r the least with C(s + r, s) >= n (Griewank)."""
    r = 0
    while math.comb(snapshots + r, snapshots) < steps:
        r += 1
    return r * steps - math.comb(snapshots + r, snapshots + 1)


def _run(n, k):
    """The schedule played out: (advances in each sweep, reversed steps, most kept)."""
    kept, most, advances, reversed_ = set(), 0, [0, 0], []
    for sweep, actions in enumerate((revolve.forward_actions(n, k),
                                     revolve.backward_actions(n, k))):
        position = 0 if n else None
        for action, j in actions:
            if action == "store":
                assert position == j
                kept.add(j)
            elif action == "restore":
                assert j in kept
                position = j
            elif action == "advance":
                assert position == j
                position, advances[sweep] = j + 1, advances[sweep] + 1
            elif action == "reverse":
                assert position == j
                reversed_.append(j)
                position = None
            else:
                kept.remove(j)
            most = max(most, len(kept))
    assert not kept
    return advances, reversed_, most


@pytest.mark.parametrize("k", (1, 2, 3, 4, 6))
def test_the_schedule_is_the_binomial_one(k):
    for n in range(0, 70):
        (forward, backward), reversed_, most = _run(n, k)
        assert reversed_ == list(range(n - 1, -1, -1))      # each once, last first
        assert most <= k and forward == n
        spine = revolve._spine(n, k)
        assert backward + (spine[-1] if spine else 0) == _least_advances(n, k - 1)
        if n > 1:
            assert backward + (spine[-1] if spine else 0) == _binomial_bound(n, k)


def test_the_schedule_of_a_long_loop():
    (forward, backward), reversed_, most = _run(2000, 20)
    assert reversed_ == list(range(1999, -1, -1)) and most <= 20
    assert backward + revolve._spine(2000, 20)[-1] == _binomial_bound(2000, 20)


CALLS = []


def tick(i):
    CALLS.append(i)


def counted(x, p, n, k):
    for i in tl.checkpointed(range(n), snapshots=k):
        tick(i)
        x = np.sin(x) * p
    return np.sum(x)


@pytest.mark.parametrize("n, k", [(1, 1), (9, 1), (9, 3), (30, 4)])
def test_the_run_follows_the_schedule(n, k):
    tl.grad(counted)(np.ones(3), 0.5, n, k)          # generated and loaded
    CALLS.clear()
    tl.grad(counted)(np.ones(3), 0.5, n, k)
    (forward, backward), reversed_, _ = _run(n, k)
    assert len(CALLS) == forward + backward + n      # each step once more, with its tape
    assert CALLS[:n] == list(range(n))


def test_the_backward_sweep_keeps_few_states():
    f, plain = checkpoint_cases.array_state, checkpoint_cases.array_state_plain
    x = np.linspace(0.0, 1.0, 2000)
    tl.grad(f)(x, 0.7, 3, 5), tl.grad(plain)(x, 0.7, 3, 5)
    checkpointed = peak_memory(lambda: tl.grad(f)(x, 0.7, 200, 5))
    taped = peak_memory(lambda: tl.grad(plain)(x, 0.7, 200, 5))
    assert checkpointed < 0.2 * taped          # 5 states and one step's tape, not 200 steps'


# -- tl.checkpoint --------------------------------------------------------------------------

@tl.checkpoint
def squash(x, p):
    y = np.sin(x) * p
    return y * y + x


def squash_plain(x, p):
    y = np.sin(x) * p
    return y * y + x


def through_squash(x, p):
    z = squash(x, p)
    z = squash(z * 0.5, p)
    return np.sum(z)


def through_squash_plain(x, p):
    z = squash_plain(x, p)
    z = squash_plain(z * 0.5, p)
    return np.sum(z)


@tl.checkpoint
def unrolled(x, depth):
    if depth == 0:
        return x
    return unrolled(np.sin(x) * 1.1, depth - 1)


def unrolled_plain(x, depth):
    if depth == 0:
        return x
    return unrolled_plain(np.sin(x) * 1.1, depth - 1)


@tl.checkpoint
def scalar_squash(x, p):
    return math.sin(x) * p + x * x


def with_scalars(x, p):
    return scalar_squash(scalar_squash(x, p), p)


def with_scalars_plain(x, p):
    t = math.sin(x) * p + x * x
    return math.sin(t) * p + t * t


def through_unrolled(x):
    return np.sum(unrolled(x, 4))


def through_unrolled_plain(x):
    return np.sum(unrolled_plain(x, 4))


CHECKPOINTED_CALLS = [
    ("arrays", through_squash, through_squash_plain, (np.linspace(0.1, 0.9, 5), 0.7), (0, 1)),
    ("recursion", through_unrolled, through_unrolled_plain, (np.linspace(0.1, 0.9, 4),), 0),
    ("scalars", with_scalars, with_scalars_plain, (0.4, 1.3), (0, 1)),
]


@pytest.mark.parametrize("name, f, plain, args, wrt", CHECKPOINTED_CALLS,
                         ids=[c[0] for c in CHECKPOINTED_CALLS])
def test_checkpoint_gradient(name, f, plain, args, wrt):
    before = copy.deepcopy(args)
    got = tl.grad(f, wrt=wrt)(*args)
    expected = tl.grad(plain, wrt=wrt)(*args)
    assert_grad_close(got, expected, rtol=1e-12, atol=1e-14)
    assert_grad_close(got, central_difference(plain, args, wrt), rtol=1e-5, atol=1e-7)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)


def test_checkpoint_recomputes_the_callee():
    text = tl.source(through_squash, wrt=(0, 1), args=(np.ones(3), 0.5))
    assert "_tl.checkpointed_split(squash, ('x', 'p')" in text
    CALLS.clear()
    tl.grad(_through_counted)(np.ones(3))
    assert CALLS == ["primal", "recomputed"]


@tl.checkpoint
def _counted_squash(x):
    tick("primal" if not CALLS else "recomputed")
    return np.sin(x) * x


def _through_counted(x):
    return np.sum(_counted_squash(x))


def test_checkpoint_leaves_the_function_as_it_is():
    assert squash(0.3, 2.0) == squash_plain(0.3, 2.0)
    assert "y = np.sin(x) * p" in inspect.getsource(squash)
    out, tangent = tl.jvp(through_squash, (np.ones(3), 0.5), (np.ones(3), 1.0))
    plain_out, plain_tangent = tl.jvp(through_squash_plain, (np.ones(3), 0.5),
                                      (np.ones(3), 1.0))
    assert out == plain_out and np.isclose(tangent, plain_tangent, rtol=1e-12)
    with pytest.raises(tl.TangentlikeError, match="Python function"):
        tl.checkpoint(np.sin)


def test_the_loop_body_is_readable_generated_code():
    args = (np.ones(3), 0.5, 4, 2)
    text = tl.source(checkpoint_cases.array_state, wrt=(0, 1), args=args,
                     include_callees=True)
    assert "x = forward_loop_" in text and "backward_loop_" in text
    assert "x = np.sin(x) * 0.9 + 0.1 * np.cos(x * p)\n    return x" in text    # the body
    assert "carried=1" in text and "def backward_loop_" in text        # and its derivative


# -- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, f, text", ERRORS, ids=[c[0] for c in ERRORS])
def test_unsupported_bodies_are_located_errors(name, f, text):
    with pytest.raises(tl.UnsupportedSyntaxError) as info:
        tl.grad(f)(np.linspace(0.0, 1.0, 3), 4)
    message = str(info.value)
    assert text in message and "checkpoint_cases.py:" in message and "hint:" in message


def test_second_derivatives_are_a_clear_error():
    with pytest.raises(tl.NoDerivativeError, match="not differentiated again"):
        tl.hessian(checkpoint_cases.array_state)(np.ones(3), 0.5, 4, 2)
    with pytest.raises(tl.NoDerivativeError, match="not differentiated again"):
        tl.hessian(through_squash)(np.ones(3), 0.5)


def _scaled_by_p(p, y, n):
    for i in tl.checkpointed(range(n), snapshots=2):
        y = np.sin(y) + 0.5
    return np.sum(y) * p


def test_a_loop_no_derivative_flows_through_runs_as_written():
    y = np.linspace(0.0, 1.0, 3)
    assert tl.grad(_scaled_by_p)(0.3, y, 4) == _scaled_by_p(1.0, y, 4)
    text = tl.source(_scaled_by_p, args=(0.3, y, 4))
    assert "y = loop_" in text and "forward_loop" not in text and "    for i in _range:" in text


# -- names Python scopes to a comprehension are not the loop's state ----------------
# (the seed-14141414 campaign: `v` of `[v for v in xs]` before and inside a checkpointed
# loop was taken for carried state, an UnboundLocalError in the generated code)

def comprehensions_around(x, xs, n):
    total = sum([v * x for v in xs])
    scale = max(v for v in xs) * x
    for i in tl.checkpointed(range(n), snapshots=2):
        total = total + sum([v * total for v in xs]) * 0.1 + scale * x
        total = total + max(v * x for v in xs)
    return total


def comprehensions_around_plain(x, xs, n):
    total = sum([v * x for v in xs])
    scale = max(v for v in xs) * x
    for i in range(n):
        total = total + sum([v * total for v in xs]) * 0.1 + scale * x
        total = total + max(v * x for v in xs)
    return total


def test_comprehension_names_are_not_carried():
    xs = [0.3, -0.2, 0.5]
    for n in (0, 1, 5):
        got = tl.grad(comprehensions_around, wrt=(0, 1))(0.7, list(xs), n)
        want = tl.grad(comprehensions_around_plain, wrt=(0, 1))(0.7, list(xs), n)
        assert got[0] == pytest.approx(want[0], rel=1e-10)
        assert got[1] == pytest.approx(want[1], rel=1e-10)
        expected = central_difference(comprehensions_around_plain, (0.7, list(xs), n), wrt=0)
        assert got[0] == pytest.approx(expected, rel=1e-6)


# -- the tape is never copied as an argument the step writes into ----------------------
# (the seed-15151515 campaign: a step that writes into a list holding its state and runs
# an inner checkpointed loop copied `_tape` on entry, so the inner loop's snapshots went
# onto a copy and the backward sweep popped an empty tape)

def nested_with_written_list(x, y, n):
    t = x.copy()
    for i in tl.checkpointed(range(n), snapshots=2):
        y = y * 0.5 + np.sum(t)
        for j in tl.checkpointed(range(i), snapshots=2):
            t = t / 2.0
        kept = [np.stack([t, x]), y]
        kept.append(0.25)
    return y + np.sum(t * x)


def nested_with_written_list_plain(x, y, n):
    t = x.copy()
    for i in range(n):
        y = y * 0.5 + np.sum(t)
        for j in range(i):
            t = t / 2.0
        kept = [np.stack([t, x]), y]
        kept.append(0.25)
    return y + np.sum(t * x)


def test_a_step_that_writes_into_a_list_keeps_the_tape():
    x = np.array([0.6, 0.2, -0.8])
    for n in (1, 4):
        got = tl.grad(nested_with_written_list, wrt=(0, 1))(x, 0.5, n)
        want = tl.grad(nested_with_written_list_plain, wrt=(0, 1))(x, 0.5, n)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-10)
        assert got[1] == pytest.approx(want[1], rel=1e-10)
        expected = central_difference(nested_with_written_list_plain, (x, 0.5, n), wrt=(0, 1))
        np.testing.assert_allclose(got[0], expected[0], rtol=1e-6, atol=1e-9)
    assert np.array_equal(x, [0.6, 0.2, -0.8])


# -- the steps run again in the backward sweep read the invariants as the loop read them --
# (the seed-18181818 campaign: a wrong gradient: the function wrote into an invariant
# array after the checkpointed loop, and the backward sweep's replayed steps read the
# new values)

def invariant_written_after(x, z, n):
    for i in tl.checkpointed(range(n), snapshots=2):
        t = z.T @ (z @ x)
        x = x - 0.3 * t
    z[:, 0] = 0.7
    return np.sum(x * x)


def invariant_written_after_plain(x, z, n):
    for i in range(n):
        t = z.T @ (z @ x)
        x = x - 0.3 * t
    z[:, 0] = 0.7
    return np.sum(x * x)


def test_an_invariant_written_after_the_loop():
    x = np.array([-0.72, -0.11, 0.94])
    z = np.array([[-0.16, 0.39, -0.82], [0.78, -0.13, -0.86]])
    x0, z0 = x.copy(), z.copy()
    for n in (1, 4):
        got = tl.grad(invariant_written_after, wrt=(0, 1))(x, z, n)
        want = tl.grad(invariant_written_after_plain, wrt=(0, 1))(x, z, n)
        expected = central_difference(invariant_written_after_plain, (x, z, n), wrt=(0, 1))
        for g, w, e in zip(got, want, expected):
            np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)
    assert np.array_equal(x, x0) and np.array_equal(z, z0)


# -- a name the step only rebinds is the step's own, not state ---------------------------
# (the seed-19191919 campaign: an inner loop's index `i`, bound before the checkpointed
# loop only on one branch, was carried as state: UnboundLocalError on the other branch)

def inner_index_bound_on_one_branch(x, n):
    if x > 10.0:
        for i in range(2):
            x = x + 1.0
    for j in tl.checkpointed(range(n), snapshots=2):
        for i, v in enumerate([x, 0.5]):
            x = x + v * 0.25
    return x


def test_a_name_the_step_only_rebinds_is_not_state():
    for n in (0, 1, 3):
        got = tl.grad(inner_index_bound_on_one_branch)(0.7, n)
        assert got == pytest.approx(1.25 ** n, rel=1e-12)
