"""Pass "recompute": cheap numbers a loop computes are recomputed in the backward sweep
instead of being kept on the tape.

Requires: the function's body after normalization; the Effects of each simple
statement's backward block (`effects`: what it assigns and which names it reads, before
or after the statement) and of each loop's and if's header (`headers`), before the
restore plan is made from them; the kinds (`view.is_number(e)`: `e` is a number,
immutable), `view.is_math(func)` (a function of the `math` module) and
`view.rule_of(func)` (the call has a rule).  The reverse stage's invariant: the
backward block of statement s runs with every name it reads after s holding the
value it held just after s (the restore plan pushes what later statements
overwrite, and their blocks pop it back).

Rewrites (`plan_recomputation`): in the body of a loop, a statement `t = e` where
- `t` is a local bound nowhere else (not a parameter), and `e` is at most
  RECOMPUTED_OPERATIONS operations (arithmetic, a `math` function, `abs`, `min` or
  `max`, an element `c[i]` that is a number, `len(c)`; none: a copy of a number, a
  constant) of numbers, constants and
  such `t`s bound before it in the loop's body (a `t` bound after it is the last
  pass's value), none of them `t` itself; an element or a length only where
  nothing in the function changes a container (no item or attribute assigned, every
  call has a rule and no `out=`: no user function, no method that changes its object);
- every backward block that reads `t` is the block of `t = e` (reading `t` after
  it) or of a simple statement after it in the same loop body;
- each operand the plan does not recompute itself is bound outside the loop, is a
  loop's target, or is read by some backward block of the loop (its value is
  restored anyway: recomputing never adds to the tape), and no statement from `t =
  e` to R(t) binds it (R(t) itself may bind it where its block restores what its
  statement overwrote before its adjoint code: `E = E - f(E, t)`),
is recomputed: a copy of `t = e` runs at the start of the block of statement R(t)
(right after its restore, where that comes first), R(t) being the last of the
statements after it whose block reads `t` or recomputes a `t'` that reads `t`.  The blocks reading `t` no longer read it from the tape; the block of
R(t) reads the operands instead (so the restore plan keeps them, and not `t`).

Preserves the result because the blocks run in reverse order: the block of R(t)
runs first among those reading `t` (in one pass of the loop's backward sweep), and
then, by the invariant, the operands hold the values they held just after R(t)
(just before it, after a restore that comes first: R's restore gives back what R
overwrote), which are those they held when `t = e` ran (nothing between binds them; a
recomputed operand was recomputed at its own R, at or before this one, from values
equally unchanged; a container is the same object, whose elements nothing
changes), so the copy computes the same number (the same operations on the same
numbers).  Nothing else binds `t` until the block of `t = e` has run: its own
restore is gone, and no other statement binds it.
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


def plan_recomputation(body, effects, headers, view, restores_first=frozenset()):
    """The RecomputePlan of `body` (see the module docstring); `view` (the reverse
    transformer) says what is a number (`is_number`), a `math` function (`is_math`)
    and which calls have rules (`rule_of`); `restores_first`: the ids of the
    statements whose block restores what they overwrote before its adjoint code."""
    fixed = _changes_no_container(body, view.rule_of)
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
        chosen = _chosen(loop, effects, stores, reads, lambda e: _cheap(e, view, fixed),
                         restores_first, set(view.params))
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
        before = moved[key] if key in restores_first else set()    # (after its restore)
        new[key] = dataclasses.replace(e, reads_before=(e.reads_before - gone) | before,
                                       reads_after=(e.reads_after - gone)
                                       | (moved[key] - before))
    return RecomputePlan(types.MappingProxyType({k: tuple(v) for k, v in at.items()}),
                         types.MappingProxyType(new))


def _chosen(loop, effects, stores, reads, cheap, restores_first, params):
    """t -> (position of `t = e` in the loop's body, the names e reads, R(t)) for the
    statements of `loop`'s body recomputed."""
    body = loop.body

    def bound_from(i, r, name_):
        """Does a statement after i up to r bind `name_` (where r's own block restores
        the name before the copy runs, r does not count)?"""
        at_r = effects[id(body[r])]
        undone = at_r.assigns - at_r.partial if id(body[r]) in restores_first else set()
        return name_ in n.stored_names(body[i + 1:r]) \
            or name_ in n.stored_names(body[r:r + 1]) - undone
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
        cost = cheap(s.value)
        operands = cost[0] if cost is not None and cost[1] <= RECOMPUTED_OPERATIONS \
            else None
        if stores.get(t) != 1 or t in params or operands is None or t in operands \
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
                      or o not in candidates and bound_from(i, last[t], o)
                      or o in candidates and candidates[o][0] > i    # (the last pass's)
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


def _cheap(e, view, fixed):
    """(the names `e` reads, its number of operations) when `e` is arithmetic, `math`
    functions and elements of containers that never change (`fixed`) on numbers and
    number constants, else None."""
    if isinstance(e, gast.Constant):
        return (set(), 0) if type(e.value) in (int, float) else None
    if isinstance(e, gast.Name):
        return ({e.id}, 0) if view.is_number(e) else None
    if isinstance(e, gast.BinOp) and isinstance(e.op, _NUMBER_OPERATORS) \
            or isinstance(e, gast.UnaryOp) and isinstance(e.op, (gast.USub, gast.UAdd)):
        parts = [e.left, e.right] if isinstance(e, gast.BinOp) else [e.operand]
    elif isinstance(e, gast.Call) and not e.keywords and _is_number_function(e.func, view):
        parts = e.args
    elif isinstance(e, gast.Call) and not e.keywords and len(e.args) == 1 \
            and n.is_name(e.args[0]) and fixed and view.callee(e.func) is len:
        return {e.args[0].id}, 1               # (the same object, whose size nothing changes)
    elif isinstance(e, gast.Subscript) and isinstance(e.ctx, gast.Load) \
            and n.is_name(e.value) and fixed and view.is_number(e):
        index = e.slice.elts if isinstance(e.slice, gast.Tuple) else [e.slice]
        found = [_cheap(x, view, fixed) for x in index]
        if None in found:
            return None
        return {e.value.id}.union(*(f[0] for f in found)), 1 + sum(f[1] for f in found)
    else:
        return None
    found = [_cheap(x, view, fixed) for x in parts]
    if None in found:
        return None
    return set().union(*(f[0] for f in found)), 1 + sum(f[1] for f in found)


def _is_number_function(func, view):
    """Whether `func` names a function of the `math` module or `abs`, `min` or `max`: of
    numbers, a number computed from them alone."""
    obj = view.callee(func)
    return view.is_math(func) or any(obj is f for f in (abs, min, max))


def _changes_no_container(body, rule_of):
    """Whether nothing in `body` changes a container's contents: no item or attribute
    is assigned, and every call has a rule (no user function, no method that changes
    its object) and no `out=`.  An element read then reads the same number wherever
    the container's name is bound to the same object."""
    for x in n.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(x, (gast.Subscript, gast.Attribute)) and isinstance(x.ctx, gast.Store):
            return False
        if isinstance(x, gast.Call) and (rule_of(x.func) is None
                                         or any(k.arg == "out" for k in x.keywords)):
            return False
    return True
