"""Pass "recursion-loops": a generated function that calls itself once per level, as
loops: two over a list of frames, or one carrying running sums where what follows the
call only adds its result.  The pipeline runs it on the split sweeps only, as a pair
(`sweeps_as_loops`): forward mode's code is differentiated again in reverse mode
(Hessians), which has no rule for a list's `pop`.

Requires: a generated function in core form (one `return`, its last statement) that
defines no nested function or lambda, declares no `global` or `nonlocal`, and has no
`try`, `with` or `yield`; a `fresh(base)` namer for the names it adds.
Rewrites a function `f` whose only use of its own name is one call, with one
positional argument per parameter, that is a statement `t = f(a, b)` (or `f(a, b)`)
at the top level of a branch of an `if` at the top level of the body:

    def f(p, q):                     def f(p, q):
        PRE                              frames = []
        if test:                         while True:
            A1                               PRE
            t = f(a, b)                      if test:
            A2                                   A1
        else:                                    frames.append((p, s))
            B                                    p, q = a, b
        POST                                     continue
        return r                             B
                                             break
                                         POST
                                         result = r
                                         for p, s in reversed(frames):
                                             t = result
                                             A2
                                             POST
                                             result = r
                                         return result

(the call may be in either branch).  A frame keeps the names that A2, POST or r may
read before A2 or POST binds them (at the top level, by plain assignment) and that a
parameter, PRE or A1 binds, less the targets of the call and the parameters the call
passes on as themselves that nothing assigns (a tape: the same object at every
level).  A parameter is rebound where the call passes anything but itself.  Where a
frame would keep nothing, a count of the levels stands for the list (`for _level in
range(levels)`).  Where r is a name (and not one of several targets of the call),
that name holds each level's result: `t = r` ends the deepest level and each level on
the way up, ahead of the frame that restores the level above, and no `result` is
made.  Run once, before the loops: a statement `v = None` of PRE whose v nothing else
in the down loop binds, and `_push = _tape.append` or `_pop = _tape.pop` of PRE where
nothing rebinds the tape or the alias (the same at every level).  Where PRE is then
empty, the way down is `while test:` (or `while not test:`) over the call's branch,
then the other branch.  A way down that tests the user's condition (`while True:`,
`while test:`) is written `for _depth in range(_tl.levels_allowed()):` with `if not
test: break` first where it was `while test:`, and `else: _tl.too_deep()`: it goes
down at most a thousand times the recursion limit, then raises RecursionError.  Where
a count of the levels stands for the frames, the loop's variable is that count.

Running sums.  Where nothing follows the `if` but the `return` of a name v (or of a
tuple of names), and A2 is only `v = v + t` (or `v = t + v`) for the call's result t
and the name v returned at its place (for each part of a tuple), t read nowhere
else and v bound before the call (adjoint accumulation in a backward sweep), each
level adds its v into a running sum on the way down, and there is no frame and no
way up:

    def f(p, q):                     def f(p, q):
        PRE                              v_sum = -0.0
        if test:                         while True:
            A1                               PRE
            t = f(a, b)                      if test:
            v = v + t                            A1
        else:                                    v_sum = v_sum + v
            B                                    p, q = a, b
        return v                                 continue
                                             B
                                             break
                                         v = v_sum + v
                                         return v

The recursion returns v0 + (v1 + (... + (vk + v))), where vi is the value v has when
level i makes its call and v the deepest level's; the loop computes
(((-0.0 + v0) + v1) + ... + vk) + v: the same terms, added in another order.  So the
result equals the recursion's up to the rounding of a reordered floating-point sum,
not bit for bit (tests compare with a tolerance).  -0.0 is the start because adding
it changes no float, -0.0 included; an array comes back as a new array equal to it,
an int as a float (adjoints are floats or arrays).

The split pair.  `sweeps_as_loops` receives the forward sweep, which ends by pushing
one tuple of names on the tape (`_tape.append((s, n))`), and the backward sweep, which
begins by popping it.  Where both are of the shape above and the backward sweep reads
a name of that tuple only in the test of its recursive `if` (a test without calls),
the name leaves the tuple (a tuple of one name becomes the name): the forward sweep
pushes its count of levels after everything else (`_tape.append(levels)`), the
backward sweep pops it before anything else, takes its call's branch while the count
is not zero, and counts it down there.  Where, then, a backward level begins by
popping one entry (PRE is that pop) and its call's branch touches the tape no more,
the way down is `for s in _tl.popped(_tape, levels): A1; ...` (runtime.popped: the
last `levels` entries, removed, most recent first), then the deepest level's pop and
B.
Preserves the result because the statements run in the order the recursion runs
them, on the same values: each level's PRE and A1 on the way down, then the deepest
level's B and POST, then each level's A2 and POST on the way up, innermost first,
with what that level bound before its call and reads before binding it restored from
its frame and the inner level's result in `t`.  With running sums A2 and POST do
nothing but the additions, which read each level's v where the loop reads it, after
A1.  A name A2 or POST reads that no parameter, PRE or A1 binds is bound by A2 or
POST before it is read, at every level, in code the transformers generate.  In the
split pair, the backward sweep takes at each level the branch the forward sweep took
at the level that pushed the entry it pops (the backward sweep's `if` tests restored
values to that end, or its pops would not match the pushes): its call's branch at
each of the forward sweep's counted levels, the other at the deepest; the count is
pushed after, and popped before, every other entry of the pair, so all other entries
keep their order; `popped` takes the same entries in the same order as one pop per
level would, as nothing else touches the tape in between.  Only the depth of
Python's call stack changes: a deep recursion no longer reaches Python's recursion
limit, and one deeper than `levels_allowed()` levels (which does not end) raises
RecursionError, as the recursion does at the limit, where an unbounded loop would run
forever.
"""

import gast

from .. import nodes as n
from ..syntax import POP, PUSH, TAPE

_SCOPES = (gast.FunctionDef, gast.AsyncFunctionDef, gast.Lambda, gast.ClassDef, gast.Global,
           gast.Nonlocal, gast.Try, gast.With, gast.AsyncWith, gast.Yield, gast.YieldFrom,
           gast.Await)


def sweeps_as_loops(forward, backward, fresh, runtime=None):
    """The split sweeps `forward` and `backward` of one function (as
    `ReverseTransformer.split` makes them: `forward` ends pushing one tuple of names on
    the tape, which `backward` begins popping) rewritten as `as_loops` does; where both
    are of its shape and the backward's recursive `if` tests names that it reads nowhere
    else, those names leave the tape: the forward pushes its count of levels last, the
    backward pops it first and counts it down in place of its test (see the module
    docstring).  `runtime(name, *args)`: a call of tangentlike.runtime's `name` (see
    as_loops)."""
    dropped = _tested_only(forward, backward)
    if not dropped:
        return as_loops(forward, fresh, runtime=runtime), as_loops(backward, fresh,
                                                                   runtime=runtime)
    push, pop = _saved_push(forward), _saved_pop(backward)
    saved = [e.id for e in pop.targets[0].elts if e.id not in dropped]
    if saved:
        push.value.args[0], pop.targets[0] = _names(saved), _names(saved, store=True)
    else:
        forward.body.remove(push)
        backward.body.remove(pop)
    return as_loops(forward, fresh, levels="push", runtime=runtime), \
        as_loops(backward, fresh, levels="pop", runtime=runtime)


def as_loops(fdef, fresh, levels=None, runtime=None):
    """`fdef` rewritten as the module docstring shows, or `fdef` itself where it is not
    a function of that shape.  `levels="push"`: the function ends pushing its count of
    levels on the tape; `levels="pop"`: it begins popping that count, and takes the
    branch of its call while levels remain, whatever its `if` tests (with
    runtime.popped, the levels' tape entries are taken at once where a level pops one,
    first, and touches the tape no more).  `runtime(name, *args)` makes a call of
    tangentlike.runtime's `name` (by default `_tl.<name>(...)`)."""
    shape = _linear_recursion(fdef)
    if shape is None:
        return fdef
    k, branch, position = shape
    body, branch_if = fdef.body, fdef.body[k]
    branch_body = getattr(branch_if, branch)
    call_stmt = branch_body[position]
    before_call, after_call = branch_body[:position], branch_body[position + 1:]
    pre, post, returned = body[:k], body[k + 1:-1], body[-1].value
    params = [a.id for a in fdef.args.args]
    call = call_stmt.value
    targets = call_stmt.targets[0] if isinstance(call_stmt, gast.Assign) else None
    assigned = _bound(body)
    passed_on = {p for p, a in zip(params, call.args)
                 if n.is_name(a, p) and p not in assigned}
    rebound = [(p, a) for p, a in zip(params, call.args) if not n.is_name(a, p)]
    line = n.line_of(branch_if)
    aliases, pre = _tape_aliases(pre, fdef, params)
    head, count = [], None
    if levels == "pop":
        count = fresh("_levels")
        head = [n.assign(count, n.call(_tape_method("pop")), line)]
        branch_if.test = n.name(count) if branch == "body" else n.not_(n.name(count))
    bound_before = set(params) | _bound(pre) | _bound(before_call)
    counter = None
    sums = None if levels == "push" else _running_sums(
        fdef, targets, after_call, post, returned, bound_before)
    if sums is not None:
        names = [fresh(f"{v}_sum") for v, _, _ in sums]
        level = [n.assign(s, _added(n.name(s), n.name(v), outer_left), line)
                 for s, (v, _, outer_left) in zip(names, sums)]
        start = [n.assign(s, n.const(-0.0), line) for s in names]
        listed = ", ".join(v for v, _, _ in sums)
        note = f"the recursion as one loop: each level's {listed} added into " \
            f"{', '.join(names)} on the way down"
    else:
        kept = sorted((_read_first(after_call + post + [gast.Return(value=returned)])
                       & bound_before) - passed_on - _bound([call_stmt]))
        frames = fresh("_frames" if kept else "_levels")
        if kept:
            level = [n.expr_stmt(n.call(gast.Attribute(value=n.name(frames), attr="append",
                                                       ctx=gast.Load()), _names(kept)), line)]
            start = [n.assign(frames, gast.List(elts=[], ctx=gast.Load()), line)]
        elif count is None:     # the bounded way down's own variable counts the levels
            level, start, counter = [], [], frames
        else:
            level = [n.set_line(gast.AugAssign(target=n.name(frames, True), op=gast.Add(),
                                               value=n.const(1)), line)]
            start = [n.assign(frames, n.const(0), line)]
        note = f"the recursion as loops: down, keeping each level's values in {frames}; " \
            f"then up" if kept else \
            f"the recursion as loops: down, counting the levels in {frames}; then up"
    if count is not None:
        level.append(n.set_line(gast.AugAssign(target=n.name(count, True), op=gast.Sub(),
                                               value=n.const(1)), line))
    level += _assigned([p for p, _ in rebound], [a for _, a in rebound], line)
    setattr(branch_if, branch, before_call + level + [n.set_line(gast.Continue(), line)])
    hoisted, pre = _hoisted_nones(pre, branch_if, params)
    down = _down(pre, branch_if, branch, count, runtime or _runtime_call, fresh, line,
                 counter)
    if sums is not None:
        fdef.body = [
            n.comment(note), *aliases, *hoisted, *head, *start, *down,
            *[n.assign(v, _added(n.name(s), n.name(v), outer_left), line)
              for s, (v, _, outer_left) in zip(names, sums)],
            gast.Return(value=returned)]
        return fdef
    if kept:
        trips = n.call("reversed", n.name(frames))
        restore = _names(kept, store=True)
    else:
        trips = n.call("range", n.name(frames))
        restore = n.name(fresh("_level"), store=True)
    inner = [] if targets is None else [targets]
    if isinstance(returned, gast.Name) and (
            returned.id not in _bound([call_stmt]) or n.is_name(targets, returned.id)):
        # the inner level's result is that name: passed on to `t` at the end of each
        # level (and of the deepest), ahead of the frame that restores the outer level
        result = returned.id
        passed = [n.assign(t, n.name(result), line) for t in inner
                  if not n.is_name(t, result)]
        finish, before, after = passed, [], passed
    else:
        result = fresh("_result")
        finish = [n.assign(result, returned)]
        before, after = [n.assign(n.copied(t), n.name(result), line) for t in inner], finish
    up = before + after_call + [n.copied(s) for s in post] + [n.copied(s) for s in after]
    fdef.body = [
        n.comment(note), *aliases, *hoisted, *head, *start, *down,
        *post, *finish,
        n.set_line(n.for_(restore, trips, up), line),
        *_levels_pushed(levels, n.call("len", n.name(frames)) if kept else n.name(frames),
                        line),
        gast.Return(value=n.name(result))]
    return fdef


def _down(pre, branch_if, branch, count, runtime, fresh, line, counter=None):
    """The way down: `while True:` over PRE and the `if` (whose call's branch ends in
    `continue`), `break` after it; where PRE is empty, `while test:` over the call's
    branch, then the other (where the levels are counted, `count`, `for _level in
    range(count)`); where the levels are counted and PRE is one pop of the tape that
    nothing else in the call's branch touches, a loop over the entries
    `runtime.popped` takes for the levels above the deepest, then its pop and the
    other branch.  A way down that tests the user's condition is `_bounded` (its
    variable named `counter`, where one counts the levels)."""
    level = getattr(branch_if, branch)
    other = branch_if.orelse if branch == "body" else branch_if.body
    uncounted = [s for s in level[:-1] if not (isinstance(s, gast.AugAssign)
                                               and n.is_name(s.target, count))]
    if count is not None and len(pre) == 1 \
            and isinstance(pre[0], gast.Assign) and isinstance(pre[0].value, gast.Call) \
            and _is_tape_call(pre[0].value, "pop") and not pre[0].value.args \
            and not any(_names_tape(s) for s in level):
        entries = runtime("popped", n.name(TAPE), n.name(count))
        return [n.set_line(n.for_(pre[0].targets[0], entries, uncounted), line),
                n.assign(n.copied(pre[0].targets[0]), pre[0].value, line), *other]
    if not pre and count is not None:
        return [n.set_line(n.for_(fresh("_level"), n.call("range", n.name(count)), uncounted),
                           line), *other]
    if not pre:         # nothing to run ahead of the test: the loop's own test
        done = n.not_(branch_if.test) if branch == "body" else branch_if.test
        body = [n.if_(done, [n.set_line(gast.Break(), line)], line=line), *level[:-1]]
        return [_bounded(body, runtime, counter or fresh("_depth"), line), *other]
    return [_bounded(pre + [branch_if, n.set_line(gast.Break(), line)], runtime,
                     counter or fresh("_depth"), line)]


def _bounded(body, runtime, variable, line):
    """`for <variable> in range(_tl.levels_allowed()): <body> else: _tl.too_deep()`: a
    way down that tests the user's own condition goes down at most a thousand times the
    interpreter's recursion limit (the recursion itself stopped at the limit), so that a
    recursion that never ends raises RecursionError rather than running forever.  When
    the loop breaks, `variable` is the number of levels it went down (each level but
    the deepest ends in `continue`)."""
    loop = n.for_(variable, n.call("range", runtime("levels_allowed")), body, line)
    loop.orelse = [n.expr_stmt(runtime("too_deep"), line)]
    return loop


def _runtime_call(name_, *args):
    return n.call(f"_tl.{name_}", *args)


def _linear_recursion(fdef):
    """(k, branch, position) where `fdef.body[k]` is the `if` whose `branch` ("body" or
    "orelse") holds the function's one call of itself at `position`, or None."""
    args = fdef.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs \
            or not fdef.body or not isinstance(fdef.body[-1], gast.Return) \
            or fdef.body[-1].value is None:
        return None
    nodes = [x for s in fdef.body for x in n.walk(s)]
    if any(isinstance(x, _SCOPES) for x in nodes) \
            or sum(isinstance(x, gast.Return) for x in nodes) != 1:
        return None
    own = [x for x in nodes if isinstance(x, gast.Name) and x.id == fdef.name]
    calls = [x for x in nodes if isinstance(x, gast.Call) and n.is_name(x.func, fdef.name)]
    if len(own) != 1 or len(calls) != 1:
        return None
    call = calls[0]
    if call.keywords or len(call.args) != len(args.args) \
            or any(isinstance(a, gast.Starred) for a in call.args):
        return None
    for k, s in enumerate(fdef.body[:-1]):
        if not isinstance(s, gast.If):
            continue
        for branch in ("body", "orelse"):
            for position, stmt in enumerate(getattr(s, branch)):
                if _is_call_statement(stmt, call):
                    return k, branch, position
    return None


def _is_call_statement(stmt, call):
    if isinstance(stmt, gast.Expr):
        return stmt.value is call
    return isinstance(stmt, gast.Assign) and len(stmt.targets) == 1 and stmt.value is call


def _names(names, store=False):
    """`a` for one name, `(a, b)` for several (what a frame holds)."""
    if len(names) == 1:
        return n.name(names[0], store)
    return gast.Tuple(elts=[n.name(v, store) for v in names],
                      ctx=gast.Store() if store else gast.Load())


def _assigned(targets, values, line):
    """`p = a` or `p, q = a, b` (nothing for no targets)."""
    if not targets:
        return []
    if len(targets) == 1:
        return [n.assign(targets[0], values[0], line)]
    return [n.assign(_names(targets, store=True),
                     gast.Tuple(elts=values, ctx=gast.Load()), line)]


def _bound(stmts):
    """The names `stmts` bind (assign, unpack, loop over, delete)."""
    return {x.id for s in stmts for x in n.walk(s)
            if isinstance(x, gast.Name) and not isinstance(x.ctx, gast.Load)}

def _running_sums(fdef, targets, after_call, post, returned, bound_before):
    """[(v, t, outer_left)] for a call whose code after it, to the `return`, adds each
    part t of its result into the name v returned at t's place, and does nothing else
    (`v = v + t` where outer_left, `v = t + v` else), with t read nowhere else and v
    bound before the call; None for any other call."""
    calls_parts, result_parts = _name_list(targets), _name_list(returned)
    if post or calls_parts is None or result_parts is None \
            or isinstance(targets, gast.Name) != isinstance(returned, gast.Name) \
            or len(calls_parts) != len(result_parts) or len(after_call) != len(calls_parts) \
            or len(set(calls_parts + result_parts)) != 2 * len(calls_parts) \
            or not set(result_parts) <= bound_before:
        return None
    added = {}
    for s in after_call:
        sum_ = _accumulation(s)
        if sum_ is None:
            return None
        added[sum_[0]] = sum_
    uses = {}
    for x in n.walk(fdef):
        if isinstance(x, gast.Name):
            uses[x.id] = uses.get(x.id, 0) + 1
    sums = [added.get(v) for v in result_parts]
    if any(sum_ is None or sum_[1] != t or uses[t] != 2
           for sum_, t in zip(sums, calls_parts)):
        return None
    return sums


def _accumulation(stmt):
    """(v, t, outer_left) for `v = v + t` (outer_left) or `v = t + v`, else None."""
    if not (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], gast.Name) and isinstance(stmt.value, gast.BinOp)
            and isinstance(stmt.value.op, gast.Add)
            and n.is_name(stmt.value.left) and n.is_name(stmt.value.right)):
        return None
    v, left, right = stmt.targets[0].id, stmt.value.left.id, stmt.value.right.id
    if left == v != right:
        return v, right, True
    if right == v != left:
        return v, left, False
    return None


def _added(outer, inner, outer_left):
    """`outer + inner`, or `inner + outer` where the recursion adds so."""
    return n.binop(outer, gast.Add(), inner) if outer_left else n.binop(inner, gast.Add(), outer)


def _hoisted_nones(pre, branch_if, params):
    """(statements `v = None` of `pre` moved ahead of the down loop, the rest of `pre`):
    those whose v nothing else in the loop binds, so that v is None at every level."""
    hoisted, rest = [], []
    for k, s in enumerate(pre):
        if isinstance(s, gast.Assign) and len(s.targets) == 1 and n.is_name(s.targets[0]) \
                and isinstance(s.value, gast.Constant) and s.value.value is None \
                and s.targets[0].id not in params \
                and s.targets[0].id not in _bound(pre[:k] + pre[k + 1:] + [branch_if]):
            hoisted.append(s)
        else:
            rest.append(s)
    return hoisted, rest


def _name_list(node):
    """[a] for a name a, [a, b] for a tuple of names (a, b), else None."""
    if isinstance(node, gast.Name):
        return [node.id]
    if isinstance(node, gast.Tuple) and all(isinstance(e, gast.Name) for e in node.elts):
        return [e.id for e in node.elts]
    return None


def _tested_only(forward, backward):
    """The names `forward` keeps on the tape that `backward` reads only in the test of
    its recursive `if` (a test of names, constants and operators), where both are of
    the shape `as_loops` rewrites and pass the tape on to themselves; else none."""
    shapes = [_linear_recursion(f) for f in (forward, backward)]
    push, pop = _saved_push(forward), _saved_pop(backward)
    if None in shapes or push is None or pop is None or not all(
            _passes_tape_on(f) for f in (forward, backward)) \
            or [e.id for e in push.value.args[0].elts] != [e.id for e in pop.targets[0].elts]:
        return set()
    test = backward.body[shapes[1][0]].test
    if any(isinstance(x, (gast.Call, gast.NamedExpr, gast.Await, gast.Yield, gast.YieldFrom,
                          gast.Lambda) + _COMPREHENSIONS) for x in n.walk(test)):
        return set()
    in_test, uses = _name_counts(test), _name_counts(backward)
    return {v for v in in_test if uses[v] == in_test[v] + 1
            and any(e.id == v for e in pop.targets[0].elts)}


_COMPREHENSIONS = (gast.ListComp, gast.SetComp, gast.DictComp, gast.GeneratorExp)


def _saved_push(forward):
    """`_tape.append((a, b))` (or `_push((a, b))`), the statement before `forward`'s
    `return`, or None."""
    if len(forward.body) < 2:
        return None
    s = forward.body[-2]
    if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) \
            and _is_tape_method(s.value.func, "append", PUSH, forward) \
            and len(s.value.args) == 1 and not s.value.keywords \
            and _name_list(s.value.args[0]) is not None \
            and isinstance(s.value.args[0], gast.Tuple):
        return s
    return None


def _saved_pop(backward):
    """`a, b = _tape.pop()` (or `_pop()`), `backward`'s first statement but comments
    and `_pop = _tape.pop`, or None."""
    for s in backward.body:
        if n.is_comment(s) or isinstance(s, gast.Assign) and n.is_name(s.targets[0], POP):
            continue
        if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                and isinstance(s.targets[0], gast.Tuple) \
                and _name_list(s.targets[0]) is not None and isinstance(s.value, gast.Call) \
                and _is_tape_method(s.value.func, "pop", POP, backward) \
                and not s.value.args and not s.value.keywords:
            return s
        return None
    return None


def _is_tape_method(func, method, alias, fdef):
    """Is `func` `_tape.<method>`, or its `alias` bound only as `alias = _tape.<method>`?"""
    if isinstance(func, gast.Attribute):
        return func.attr == method and n.is_name(func.value, TAPE)
    if not n.is_name(func, alias):
        return False
    binds = [x for s in fdef.body for x in n.walk(s)
             if isinstance(x, gast.Name) and x.id == alias and not isinstance(x.ctx, gast.Load)]
    assigns = [s for s in fdef.body
               if isinstance(s, gast.Assign) and n.is_name(s.targets[0], alias)]
    return len(binds) == 1 and len(assigns) == 1 \
        and isinstance(assigns[0].value, gast.Attribute) \
        and _is_tape_method(assigns[0].value, method, None, fdef)


def _passes_tape_on(fdef):
    """Is the tape a parameter that `fdef` never rebinds (the same list at every level)?"""
    return TAPE in [a.id for a in fdef.args.args] and TAPE not in _bound(fdef.body)


def _tape_method(method):
    return gast.Attribute(value=n.name(TAPE), attr=method, ctx=gast.Load())


def _levels_pushed(levels, count, line):
    """`_tape.append(count)` where the function pushes its count of levels, else nothing."""
    if levels != "push":
        return []
    return [n.expr_stmt(n.call(_tape_method("append"), count), line)]


def _name_counts(node):
    counts = {}
    for x in n.walk(node):
        if isinstance(x, gast.Name):
            counts[x.id] = counts.get(x.id, 0) + 1
    return counts


def _tape_aliases(pre, fdef, params):
    """(statements `_push = _tape.append` and `_pop = _tape.pop` of `pre` that may run
    once, before the loops, the rest of `pre`): where the tape is a parameter that
    nothing rebinds and the alias is bound nowhere else, it is the same at every level."""
    if TAPE not in params or TAPE in _bound(fdef.body):
        return [], pre
    once, rest = [], []
    for s in pre:
        if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                and isinstance(s.targets[0], gast.Name) and s.targets[0].id in (PUSH, POP) \
                and isinstance(s.value, gast.Attribute) and n.is_name(s.value.value, TAPE) \
                and [x for t in fdef.body for x in n.walk(t) if isinstance(x, gast.Name)
                     and x.id == s.targets[0].id and not isinstance(x.ctx, gast.Load)] \
                == [s.targets[0]]:
            once.append(s)
        else:
            rest.append(s)
    return once, rest


def _read_first(stmts):
    """The names `stmts` may read before binding them: each name a statement reads (an
    augmented assignment reads its target) but those that plain assignments at the top
    level of `stmts` bound before it."""
    bound, read = set(), set()
    for s in stmts:
        read |= (n.names_read(s) | {x.target.id for x in n.walk(s)
                                    if isinstance(x, gast.AugAssign)
                                    and isinstance(x.target, gast.Name)}) - bound
        if isinstance(s, gast.Assign):
            bound |= {x.id for t in s.targets for x in n.walk(t)
                      if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store)}
    return read


def _is_tape_call(call, method):
    """Is `call` a call of `_tape.<method>` or of its alias (`_push`, `_pop`)?"""
    return n.is_name(call.func, {"append": PUSH, "pop": POP}[method]) or (
        isinstance(call.func, gast.Attribute) and call.func.attr == method
        and n.is_name(call.func.value, TAPE))


def _names_tape(stmt):
    """Does `stmt` name the tape or an alias of its methods?"""
    return any(isinstance(x, gast.Name) and x.id in (TAPE, PUSH, POP) for x in n.walk(stmt))
