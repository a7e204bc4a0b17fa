"""Stage 4, analyze: activity, and what the backward sweep must record.

Receives a normalized function (see normalize/ for its statement forms).
Guarantees:
- `activity(fn, wrt, resolve)` -> the set of *active* names: those that depend on
  a `wrt` parameter through differentiable operations (varied) AND reach the
  returned value (useful).  Only active names get adjoints.  (`flow` gives the two
  sets, which `opaque_reads` reads too.)
- the kinds of names and expressions: value_kinds.py.
- `plan_ifs(body, blocks, resolve)` -> a frozen IfPlans: which `if`s the backward
  sweep replays by re-evaluating their test instead of recording the branch taken,
  and the one name each restores first.
- `plan_restores(body, effects, headers, params, forced)` -> a frozen RestorePlan:
  the statements before which an overwritten value must be pushed on the tape,
  because the backward sweep reads it later (the to-be-recorded analysis), and the
  names that may be unbound there.  `Effects` (frozen) says what the backward side
  of one statement touches; `loop_headers` gives those of the `for` headers.

Activity is flow-insensitive over names; the restores are a forward
dataflow over the structured statements with loop fixpoints.  None mutates.
"""

import dataclasses
import types

import gast

from . import nodes as n
from .runtime import arg_kind  # noqa: F401  (a value's kind: runtime's, analyses read it)


DIFF_ATTRIBUTES = {"T", "real", "imag", "mT"}


# -- the effects of simple statements ----------------------------------------


def simple_statements(stmts):
    """Every statement that is not a compound (If/For/While), in order."""
    for s in stmts:
        if isinstance(s, gast.If):
            yield from simple_statements(s.body)
            yield from simple_statements(s.orelse)
        elif isinstance(s, (gast.For, gast.While)):
            yield from simple_statements(s.body)
        else:
            yield s


def target_and_value(s):
    """(assigned name, value expression) of an assignment-like statement, else (None, None)."""
    if isinstance(s, gast.Assign):
        target = s.targets[0]
        if isinstance(target, gast.Name):
            return target.id, s.value
        if isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
            return target.value.id, s.value
    if isinstance(s, gast.Expr) and is_append(s):
        return s.value.func.value.id, s.value.args[0]
    if isinstance(s, gast.Return) and s.value is not None:
        return None, s.value
    return None, None


def is_append(s):
    v = s.value if isinstance(s, gast.Expr) else None
    return (isinstance(v, gast.Call) and isinstance(v.func, gast.Attribute)
            and v.func.attr == "append" and isinstance(v.func.value, gast.Name)
            and len(v.args) == 1)


def _is_runtime_helper(fn):
    return (getattr(fn, "__module__", None) or "").startswith("tangentlike.")


def _differentiable_arguments(call, rule):
    """The arguments of `call` values flow through.  For a runtime helper of generated
    code, those its tangent template takes `d<param>` for: `_ntl.unreduce(g, a)`
    reads only the shape of `a`."""
    arguments = list(call.args) + [k.value for k in call.keywords]
    template = None
    if rule is not None and _is_runtime_helper(rule.callable):
        template = rule.tangent_for(len(call.args), [k.arg for k in call.keywords])
    if template is None:
        return arguments
    names = template.params[:len(call.args)] + [k.arg for k in call.keywords]
    flowing = {t[1:] for t in template.tangent_params}
    return [a for a, p in zip(arguments, names) if p in flowing]


def diff_reads(e, resolve):
    """Names whose value flows into `e` through differentiable operations."""
    if isinstance(e, gast.Name):
        return {e.id}
    if isinstance(e, gast.BinOp):
        if isinstance(e.op, gast.FloorDiv):
            return set()
        return diff_reads(e.left, resolve) | diff_reads(e.right, resolve)
    if isinstance(e, gast.UnaryOp):
        return set() if isinstance(e.op, gast.Not) else diff_reads(e.operand, resolve)
    if isinstance(e, gast.Call):
        rule = resolve(e.func)
        if rule is not None and rule.nondifferentiable:
            return set()
        out = set()
        for a in _differentiable_arguments(e, rule):
            out |= diff_reads(a, resolve)
        if isinstance(e.func, gast.Attribute):          # x.sum(): x flows in
            out |= diff_reads(e.func.value, resolve)
        return out
    if isinstance(e, gast.Subscript):
        return diff_reads(e.value, resolve)
    if isinstance(e, gast.Attribute):
        return diff_reads(e.value, resolve) if e.attr in DIFF_ATTRIBUTES else set()
    if isinstance(e, (gast.Tuple, gast.List)):
        return set().union(*(diff_reads(x, resolve) for x in e.elts)) if e.elts else set()
    if isinstance(e, gast.Dict):
        return set().union(*(diff_reads(x, resolve) for x in e.values)) if e.values else set()
    return set()


def activity(fn, wrt, resolve):
    """Names that depend on `wrt` and reach the return value."""
    varied, useful = flow(fn, wrt, resolve)
    return varied & useful


def flow(fn, wrt, resolve):
    """(names that depend on `wrt`, names whose value reaches the return value)."""
    edges = []          # (target, reads) for every assignment-like statement
    returns = set()
    for s in simple_statements(fn.body):
        target, value = target_and_value(s)
        if value is None:
            continue
        reads = diff_reads(value, resolve)
        if target is None:
            returns |= reads
        else:
            edges.append((target, reads))
    readers, writers = {}, {}        # name -> the edges that read it / bind it
    for target, reads in edges:
        writers.setdefault(target, []).append(reads)
        for read in reads:
            readers.setdefault(read, []).append(target)
    varied = _closure(set(wrt), lambda name_: readers.get(name_, ()), lambda t: {t})
    useful = _closure(set(returns), lambda name_: writers.get(name_, ()), lambda r: r)
    return varied, useful


def _closure(names, edges_of, names_of):
    """`names` (changed in place), grown to the least fixpoint: each name in it adds
    `names_of(e)` for every edge `e` in `edges_of(name)`."""
    todo = list(names)
    while todo:
        for edge in edges_of(todo.pop()):
            new = names_of(edge) - names
            names |= new
            todo.extend(new)
    return names


# attributes that say nothing of an array's values (its shape and friends)
METADATA_ATTRIBUTES = frozenset({"shape", "size", "ndim", "dtype", "itemsize", "nbytes",
                                 "strides"})


def opaque_reads(fn, wrt, resolve, params=(), facts=None):
    """The attribute reads (`o.a`) of values made in the function from what depends on
    `wrt`, in statements whose value reaches the result.  An attribute of an object is
    a constant to tangentlike: no derivative flows through it, so the transformers
    reject these reads rather than lose a derivative silently (`o = State(x); return
    o.a`).  The attributes of a parameter (an object passed in, `self`) are constants
    as documented, and are not reported.  `facts`: `flow(fn, wrt, resolve)`, where it
    is known already."""
    varied, useful = facts or flow(fn, wrt, resolve)
    out = []
    for s in simple_statements(fn.body):
        target, value = target_and_value(s)
        if value is None or target is not None and target not in useful:
            continue
        called = {id(c.func) for c in n.walk(value) if isinstance(c, gast.Call)}
        for e in n.walk(value):
            if isinstance(e, gast.Attribute) and isinstance(e.ctx, gast.Load) \
                    and id(e) not in called \
                    and e.attr not in DIFF_ATTRIBUTES | METADATA_ATTRIBUTES \
                    and n.root_name(e.value) not in params \
                    and diff_reads(e.value, resolve) & varied:
                out.append(e)
    return out


# -- what must be recorded ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Effects:
    """What the backward sweep of one simple statement (or a loop's or an if's header)
    touches, as frozensets of names.

    assigns: names the statement (over)writes.
    reads_before: names whose value *before* the statement its adjoint reads.
    reads_after: names whose value *after* the statement its adjoint reads.
    partial: assigned names the statement changes only in part (`x[i] = v`,
    `xs.append(v)`): what an earlier adjoint reads of the rest must still be restored.
    """

    assigns: frozenset = frozenset()
    reads_before: frozenset = frozenset()
    reads_after: frozenset = frozenset()
    partial: frozenset = frozenset()

    def __post_init__(self):
        for field in dataclasses.fields(self):
            object.__setattr__(self, field.name, frozenset(getattr(self, field.name)))


def loop_headers(body):
    """id(for loop) -> the Effects of its header: it assigns its target, and its
    backward version reads the names its iterable reads (it replays the bounds)."""
    return {id(s): Effects(assigns={s.target.id}, reads_after=set(n.loaded_names(s.iter)))
            for s in loops(body) if isinstance(s, gast.For)}


def loops(stmts):
    """Every loop (For/While) in `stmts`, outer ones first."""
    for s in stmts:
        if isinstance(s, (gast.For, gast.While)):
            yield s
            yield from loops(s.body)
        elif isinstance(s, gast.If):
            yield from loops(s.body)
            yield from loops(s.orelse)


_PURE_TEST_NODES = (gast.Name, gast.Constant, gast.BinOp, gast.UnaryOp, gast.Compare,
                    gast.BoolOp, gast.operator, gast.unaryop, gast.cmpop, gast.boolop,
                    gast.expr_context)


def is_pure(e, resolve):
    """True for expressions of names, constants, operators, attributes and calls with
    rules (`resolve(func)`: the rule of a call's func, or None)."""
    for x in n.walk(e):
        if isinstance(x, gast.Call):
            if resolve(x.func) is None:
                return False
        elif not isinstance(x, _PURE_TEST_NODES + (gast.Attribute, gast.keyword)):
            return False
    return True


@dataclasses.dataclass(frozen=True)
class IfPlans:
    """How the backward sweep takes each `if` again (see plan_ifs).

    replayed: id(If) -> (the name restored before its test is re-evaluated, or None;
    (the statement of its body that writes that name last, or None; the same of its
    orelse)).  hoisted: ids of those statements, whose restore the If does.  forced:
    id(statement) -> names to restore before it even where nothing else needs them.
    headers: id(If) -> the Effects of its re-evaluated test.
    """

    replayed: types.MappingProxyType
    hoisted: frozenset
    forced: types.MappingProxyType
    headers: types.MappingProxyType


def plan_ifs(body, blocks, resolve):
    """The IfPlans of `body`: an `if` is replayed by re-evaluating its test instead of
    recording which branch ran, when the test is pure and at most one name it reads
    is written, by each branch's last statement (whose restore then doubles as the
    test's input).

    blocks: id(simple statement) -> its backward side, with `stmts` and `head` (its
    adjoint code), `restore_first` and `effects` (reverse.blocks.Block)."""
    replayed, hoisted, forced, headers = {}, set(), {}, {}
    for s in _ifs(body):
        plan = _replay(s, blocks, resolve)
        if plan is None:
            continue
        name_, writers, kept = plan
        for last in writers:
            if last is not None:
                forced[id(last)] = forced.get(id(last), frozenset()) | {name_}
                hoisted.add(id(last))
        headers[id(s)] = Effects(reads_after=kept)
        replayed[id(s)] = (name_, writers)
    return IfPlans(types.MappingProxyType(replayed), frozenset(hoisted),
                   types.MappingProxyType(forced), types.MappingProxyType(headers))


def _ifs(stmts):
    """Every `if` in `stmts`, inner ones before the one around them."""
    for s in stmts:
        if isinstance(s, gast.If):
            yield from _ifs(s.body)
            yield from _ifs(s.orelse)
            yield s
        elif isinstance(s, (gast.For, gast.While)):
            yield from _ifs(s.body)


def _replay(s, blocks, resolve):
    """(name, writers, names the test reads after the `if`) when `if` s is replayed,
    else None."""
    if not is_pure(s.test, resolve):
        return None
    inner = simple_statements(s.body + s.orelse)
    if not any(blocks[id(x)].stmts or blocks[id(x)].head for x in inner):
        return None              # nothing to replay: the test's inputs need not be kept
    reads = set(n.loaded_names(s.test))
    written = reads & n.stored_names(s.body + s.orelse)
    if len(written) > 1:
        return None
    name_ = next(iter(written), None)
    writers = []
    for branch in (s.body, s.orelse):
        found = [x for x in branch if name_ in n.stored_names([x])]
        if not found:
            writers.append(None)
            continue
        last = found[0]
        if len(found) > 1 or last is not branch[-1] or not isinstance(last, gast.Assign) \
                or not n.is_name(last.targets[0], name_):
            return None
        block = blocks[id(last)]
        if block.head or (not block.restore_first and name_ in block.effects.reads_after):
            return None
        writers.append(last)
    # a branch that does not write the name pushes it as it is: the test then reads the
    # object the name holds after the `if`, which later in-place writes must restore
    kept = reads - written if all(writers) else reads
    return name_, tuple(writers), kept


@dataclasses.dataclass(frozen=True)
class RestorePlan:
    """What the primal sweep pushes on the tape (see plan_restores).

    restores: id(statement or loop) -> the names to push before it.  unbound: names
    pushed where they may not have a value yet.  bound_at_end: names surely bound at
    the end of the function.
    """

    restores: types.MappingProxyType
    unbound: frozenset
    bound_at_end: frozenset


def plan_restores(body, effects, header_effects, params, forced=None):
    """Decide which overwritten names to push before each statement: the RestorePlan.

    effects: id(simple stmt) -> Effects.  header_effects: id(loop or if) -> Effects
    of the header itself (the names its backward version reads, a loop's target).
    forced: id(simple stmt) -> assigned names to restore even if nothing else needs
    them (IfPlans.forced).
    """
    forced = forced or {}
    restores = {}
    unbound = set()

    def visit(stmts, needed, defined, record):
        needed, defined = set(needed), set(defined)     # (this block's own: grown in place)
        for s in stmts:
            if isinstance(s, gast.If):
                n1, d1 = visit(s.body, needed, defined, record)
                n2, d2 = visit(s.orelse, needed, defined, record)
                needed, defined = n1 | n2, d1 & d2
                head = header_effects.get(id(s))
                if head is not None:
                    needed |= head.reads_after
            elif isinstance(s, (gast.For, gast.While)):
                head = header_effects.get(id(s), Effects())
                if record and head.assigns & needed:
                    restores[id(s)] = head.assigns & needed
                    unbound.update(restores[id(s)] - defined)
                inner = set(needed) - head.assigns
                inner_defined = defined | head.assigns
                while True:
                    out, _ = visit(s.body, inner, inner_defined, False)
                    grown = inner | (out - head.assigns)
                    if grown == inner:
                        break
                    inner = grown
                out, body_defined = visit(s.body, inner, inner_defined, record)
                needed |= out
                needed |= head.reads_after
            else:
                e = effects.get(id(s))
                if e is None:
                    continue
                restore = e.assigns & (needed | e.reads_before | forced.get(id(s), set()))
                if record and restore:
                    restores[id(s)] = restore
                    unbound.update(restore - defined)
                replaced = e.assigns - e.partial
                needed -= replaced
                needed |= e.reads_after
                needed |= e.reads_before - replaced
                defined |= e.assigns
        return needed, defined

    _, defined = visit(body, set(), set(params), True)
    return RestorePlan(types.MappingProxyType(restores), frozenset(unbound),
                       frozenset(defined))
