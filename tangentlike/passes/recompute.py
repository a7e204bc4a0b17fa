"""Pass "recompute": cheap numbers a loop computes are recomputed in the backward sweep
instead of being kept on the tape.

Requires: the function's body after normalization; the Effects of each simple
statement's backward block (`effects`: what it assigns and which names it reads, before
or after the statement) and of each loop's and if's header (`headers`), before the
restore plan is made from them; `is_number(name)`, true for names the kinds say hold
a number (immutable: a value recomputed from them is the value they gave), and
`is_math(func)`, true for a function of the `math` module.  The reverse stage's
invariant: the backward block of statement s runs with every name it reads after s
holding the value it held just after s (the restore plan pushes what later
statements overwrite, and their blocks pop it back).

Rewrites (`plan_recomputation`): in the body of a loop, a statement `t = e` where
- `t` is a local bound nowhere else, and `e` is at most RECOMPUTED_OPERATIONS
  operations (arithmetic, a `math` function) of numbers, constants and such `t`s,
  none of them `t` itself;
- every backward block that reads `t` is the block of `t = e` (reading `t` after
  it) or of a simple statement after it in the same loop body;
- each operand the plan does not recompute itself is bound outside the loop, is a
  loop's target, or is read by some backward block of the loop (its value is
  restored anyway: recomputing never adds to the tape), and no statement from `t =
  e` to R(t) binds it,
is recomputed: a copy of `t = e` runs at the start of the block of statement R(t),
the last of the statements after it whose block reads `t` or recomputes a `t'` that
reads `t`.  The blocks reading `t` no longer read it from the tape; the block of
R(t) reads the operands instead (so the restore plan keeps them, and not `t`).

Preserves the result because the blocks run in reverse order: the block of R(t)
runs first among those reading `t` (in one pass of the loop's backward sweep), and
then, by the invariant, the operands hold the values they held just after R(t),
which are those they held when `t = e` ran (nothing between binds them; a
recomputed operand was recomputed at its own R, at or before this one, from values
equally unchanged), so the copy computes the same number (the same operations on
the same numbers).  Nothing else binds `t` until the block of `t = e` has run: its
own restore is gone, and no other statement binds it.
"""

import dataclasses
import types

import gast

from .. import nodes as n
from ..analyze import loops

RECOMPUTED_OPERATIONS = 4
_NUMBER_OPERATORS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.FloorDiv,
                     gast.Mod)


@dataclasses.dataclass(frozen=True)
class RecomputePlan:
    """at: id(simple statement) -> copies of the statements recomputed at the start of
    its backward block, in the order they ran; effects: the Effects of every simple
    statement with the reads the recomputation moves."""

    at: types.MappingProxyType
    effects: types.MappingProxyType


def plan_recomputation(body, effects, headers, is_number, is_math):
    """The RecomputePlan of `body` (see the module docstring)."""
    stores = {}
    for x in n.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store):
            stores[x.id] = stores.get(x.id, 0) + 1
    reads = {}                    # name -> ids of the blocks and headers reading it
    for key, e in list(effects.items()) + list(headers.items()):
        for name_ in e.reads_after | e.reads_before:
            reads.setdefault(name_, set()).add(key)
    at, moved = {}, {}
    for loop in loops(body):
        chosen = _chosen(loop, effects, stores, reads, is_number, is_math)
        for t, (i, operands, last) in sorted(chosen.items(), key=lambda c: c[1][0]):
            at.setdefault(id(loop.body[last]), []).append(n.copied(loop.body[i]))
            moved.setdefault(id(loop.body[last]), set()).update(operands - set(chosen))
            for key in reads.get(t, ()):
                moved.setdefault(key, set())
    gone = {s.targets[0].id for stmts in at.values() for s in stmts}
    new = {}
    for key, e in effects.items():
        if key not in moved:
            new[key] = e
            continue
        new[key] = dataclasses.replace(e, reads_after=(e.reads_after - gone) | moved[key],
                                       reads_before=e.reads_before - gone)
    return RecomputePlan(types.MappingProxyType({k: tuple(v) for k, v in at.items()}),
                         types.MappingProxyType(new))


def _chosen(loop, effects, stores, reads, is_number, is_math):
    """t -> (position of `t = e` in the loop's body, the names e reads, R(t)) for the
    statements of `loop`'s body recomputed."""
    body = loop.body
    bound_in_loop = n.stored_names(body)
    read_in_loop = {name_ for x in n.walk(loop) if id(x) in effects
                    for name_ in effects[id(x)].reads_after | effects[id(x)].reads_before}
    targets = {x.target.id for x in n.walk(loop) if isinstance(x, gast.For)}
    candidates = {}
    for i, s in enumerate(body):
        if not (isinstance(s, gast.Assign) and len(s.targets) == 1
                and n.is_name(s.targets[0]) and id(s) in effects):
            continue
        t = s.targets[0].id
        operands = _cheap_operands(s.value, is_number, is_math)
        if stores.get(t) != 1 or operands is None or t in operands \
                or t in effects[id(s)].reads_before:
            continue
        readers = [j for j in range(i, len(body)) if id(body[j]) in effects
                   and t in effects[id(body[j])].reads_after
                   | (effects[id(body[j])].reads_before if j > i else frozenset())]
        if reads.get(t, set()) - {id(body[j]) for j in readers}:
            continue
        candidates[t] = (i, operands, max(readers, default=-1))
    while True:
        last = _last_points(candidates)
        candidates = {t: c for t, c in candidates.items() if last[t] >= 0}  # (read by none)
        bad = {t for t, (i, operands, _) in candidates.items()
               if any(o not in candidates and not _restored(o, bound_in_loop, read_in_loop,
                                                           targets)
                      or o not in candidates and o in n.stored_names(body[i + 1:last[t] + 1])
                      for o in operands)}
        if not bad:
            return {t: (i, operands, last[t]) for t, (i, operands, _) in candidates.items()}
        candidates = {t: c for t, c in candidates.items() if t not in bad}


def _last_points(candidates):
    """R(t) for each candidate: the last reader of `t` (-1: none), or later, the R of a
    candidate whose expression reads `t` (later candidates first: they only read
    earlier ones)."""
    last = {t: c[2] for t, c in candidates.items()}
    for t in sorted(candidates, key=lambda t: -candidates[t][0]):
        for u, (_, operands, _) in candidates.items():
            if t in operands:
                last[t] = max(last[t], last[u])
    return last


def _restored(name_, bound_in_loop, read_in_loop, targets):
    """Whether the backward sweep of the loop has `name_`'s values without this pass
    asking for them: bound outside the loop, a loop's target, or read by a block."""
    return name_ not in bound_in_loop or name_ in targets or name_ in read_in_loop


def _cheap_operands(e, is_number, is_math):
    """The names `e` reads when it is at most RECOMPUTED_OPERATIONS operations on
    numbers and number constants, else None."""
    called = {id(y) for c in n.walk(e) if isinstance(c, gast.Call) for y in n.walk(c.func)}
    names, operations = set(), 0
    for x in n.walk(e):
        if id(x) in called:
            continue                         # (`math.sin`: is_math says what it is)
        if isinstance(x, gast.Name):
            if not is_number(x.id):
                return None
            names.add(x.id)
        elif isinstance(x, gast.Constant):
            if type(x.value) not in (int, float):
                return None
        elif isinstance(x, (gast.BinOp, gast.UnaryOp, gast.Call)):
            if isinstance(x, gast.BinOp) and not isinstance(x.op, _NUMBER_OPERATORS) \
                    or isinstance(x, gast.UnaryOp) and not isinstance(x.op, (gast.USub,
                                                                               gast.UAdd)) \
                    or isinstance(x, gast.Call) and (x.keywords or not is_math(x.func)):
                return None
            operations += 1
        elif not isinstance(x, (gast.operator, gast.unaryop, gast.expr_context)):
            return None
    return names if 1 <= operations <= RECOMPUTED_OPERATIONS else None
