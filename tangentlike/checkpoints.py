"""Checkpointing, as the user marks it: `tl.checkpoint` and `tl.checkpointed`.

Receives: a user function (`checkpoint`) or a `range` and a snapshot count
(`checkpointed`).  Guarantees: both are identities in the primal.  `checkpoint(f)`
returns `f` itself, marked with the attribute CHECKPOINT, so that tangentlike still
finds its source and forward mode calls it as any function; the reverse transformer
reads the mark (pipeline.reverse_callees) and binds the callee's split pair through
`_tl.checkpoint_split`.  `checkpointed(r, snapshots=k)` returns `r` itself; the
frontend (normalize/outline.py) recognises it as the iterable of a `for` statement.
The schedules that run them in the backward sweep live in revolve.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from .errors import TangentlikeError

CHECKPOINT = "__tangentlike_checkpoint__"      # on a function marked by `checkpoint`
OUTLINED = "__tangentlike_outlined__"          # on the loop function outline.py makes
SWEEP = "__tangentlike_checkpointed_sweep__"   # on the sweeps revolve.py makes

_F = TypeVar("_F", bound=Callable[..., Any])


def checkpoint(function: _F) -> _F:
    """Mark `function` so that reverse mode keeps only its arguments on the tape and
    recomputes its intermediates in the backward sweep.  The function itself is
    returned, unchanged: calling it is calling it.

        >>> import tangentlike as tl
        >>> @tl.checkpoint
        ... def step(x):
        ...     return x * x
        >>> step(3.0)
        9.0
    """
    if getattr(function, "__code__", None) is None:
        raise TangentlikeError(f"tl.checkpoint takes a Python function, not {function!r}")
    setattr(function, CHECKPOINT, True)
    return function


def checkpointed(iterations: range, *, snapshots: int) -> range:
    """`iterations` itself (a `range`), for `for i in tl.checkpointed(range(n),
    snapshots=k):`.  Reverse mode then keeps at most `snapshots` states of the loop
    instead of a tape of every step, and recomputes steps from them (a binomial
    schedule); forward mode and the primal run the plain loop.

        >>> import tangentlike as tl
        >>> list(tl.checkpointed(range(3), snapshots=2))
        [0, 1, 2]
    """
    if not isinstance(iterations, range):
        raise TangentlikeError(f"tl.checkpointed takes a range, not {type(iterations).__name__}"
                               f"; write `tl.checkpointed(range(n), snapshots=k)`")
    if isinstance(snapshots, bool) or not isinstance(snapshots, int) or snapshots < 1:
        raise TangentlikeError(f"tl.checkpointed needs snapshots=k with k a whole number of at "
                               f"least 1, not {snapshots!r}")
    return iterations
