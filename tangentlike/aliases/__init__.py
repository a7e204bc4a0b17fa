"""Aliases: which of the user's names may share memory, and which writes are safe.

Receives a checked `ParsedFunction` (its source form, where `u *= 2` is still an
in-place write) and the kinds of its names (value_kinds.kinds: a name of kind "scalar"
holds a Python number, so `s += 1` rebinds it).  Computes, flow-sensitively, the
objects each name may point to: an argument, a global, or the object made by one
statement.  A basic subscript (`x[1:]`, `x[0]` of a matrix, `x[..., None]`), a view
method or function (`reshape`, `ravel`, `.T`, `transpose`, `swapaxes`, `np.flip`,
`np.asarray`, `np.diag`, `x.conj()`, `x.astype(t, copy=False)`, ...; `VIEW_CALLS`),
`t = x`, a list or dict item, a loop over a container, and a call of a user function
may all give a name the objects of another.  Arithmetic, other NumPy functions,
`x.astype(t)` and `.copy()` make a new object; so do full reductions (`np.sum(x)`),
whose NumPy scalars, like Python numbers, nothing can write into.

Guarantees `check_writes(parsed, arg_kinds)` returns the frozen `AliasFacts` only
if every write the function makes (item and slice assignment, an augmented
assignment on an array or list, `append` and the other mutating methods, `out=`)
either goes to an object that no *other* name the function still reads may point to,
or is one whose effect on those names `fixed` can spell out: the names sharing the
memory are bound to copies, and the write is followed by a write-back into the view's
root and views made again from it (re-making guarded at run time where only the run
time knows whether a view was one).  Then each write changes exactly the name it
names, which is what the transformers assume.  Otherwise it raises
`AliasedWriteError` naming the file, the line, the name written and the name that
would see the change: never a guessed derivative.

The parts, one module each:

- vocabulary.py: which calls and attributes make views, which write, and the forms
  the inserted statements are written in (`VIEW_CALLS`, `COPY`, `SYNC`, ...);
- walk.py: the walk over the function that follows which objects each name may be
  and records each write (and `writes_into_parameters` of a user function called);
- views.py: how a name's object is reached from a root name, and the statements
  that keep views current after a write (the fixes);
- checks.py: whether a name is read after a write, and the located errors;
- rewrites.py: `fixed`, the user's code rewritten per the facts, and
  `temporaries_own_their_values`, the normalized code's temporaries copied;
- here: `AliasFacts`, and `check_writes`, which runs the walk and freezes its
  findings into them.
"""

import dataclasses

from .rewrites import fixed, temporaries_own_their_values
from .vocabulary import COPY, SYNC, VIEW_CALLS, is_view_call
from .walk import Walker, writes_into_parameters

__all__ = ["AliasFacts", "COPY", "SYNC", "VIEW_CALLS", "check_writes", "fixed",
           "is_view_call", "temporaries_own_their_values", "writes_into_parameters"]


@dataclasses.dataclass(frozen=True)
class AliasFacts:
    """What the analysis proved about the writes of one function.  Made once, by
    `check_writes`, of frozensets and tuples, and only read afterwards: `fixed` copies
    the statements of `fixes` into the code it makes and changes nothing here."""
    written: frozenset              # names the function writes into
    parameters_written: frozenset   # parameters whose objects it writes into
    fixes: tuple                    # (id(statement), statements to insert after it), ...
    copies: frozenset               # id(binding statement) whose value is to be copied,
    #                                 and ("target", id(for), name): `for name in x`
    #                                 binds a copy of each row on each pass


def check_writes(parsed, kinds=None, arg_kinds=None):
    """The `AliasFacts` of `parsed`, or `AliasedWriteError` (see the module docstring).
    `arg_kinds`: the kinds of the arguments of this call (a "scalar" argument is a Python
    number: nothing can write into it)."""
    walker = Walker(parsed, dict(kinds or {}), arg_kinds=arg_kinds)
    walker.run()
    return AliasFacts(frozenset(walker.written), frozenset(walker.parameters_written),
                      tuple((k, tuple(x for fix in v.values() for x in fix))
                            for k, v in walker.fixes.items()),
                      frozenset(walker.copies))
