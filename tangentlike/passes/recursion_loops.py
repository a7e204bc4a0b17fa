"""Pass "recursion-loops": a generated function that calls itself once per level, as
loops: two over a list of frames, or one carrying running sums where what follows the
call only adds its result.  The pipeline runs it on the split sweeps only: forward
mode's code is differentiated again in reverse mode (Hessians), which has no rule for
a list's `pop`.

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

(the call may be in either branch).  A frame keeps the names A2, POST or r read that
a parameter, PRE or A1 binds, less the targets of the call and the parameters the
call passes on as themselves that nothing assigns (a tape: the same object at every
level); only those parameters are rebound.  Where a frame would keep nothing, a
count of the levels stands for the list (`for _level in range(levels)`).  Where r is
a name (and not one of several targets of the call), that name holds each level's
result: `t = r` ends the deepest level and each level on the way up, ahead of the
frame that restores the level above, and no `result` is made.  A statement
`v = None` of PRE whose v nothing else in the down loop binds runs once, before it.

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
Preserves the result because the statements run in the order the recursion runs
them, on the same values: each level's PRE and A1 on the way down, then the deepest
level's B and POST, then each level's A2 and POST on the way up, innermost first,
with what that level bound before its call restored from its frame and the inner
level's result in `t`.  With running sums A2 and POST do nothing but the additions,
which read each level's v where the loop reads it, after A1.  A name A2 or POST reads
that no parameter, PRE or A1 binds is bound by A2 or POST before it is read, at every
level, in code the transformers generate.  Only the depth of Python's call stack
changes: a deep recursion no longer reaches Python's recursion limit.
"""

import gast

from .. import nodes as n

_SCOPES = (gast.FunctionDef, gast.AsyncFunctionDef, gast.Lambda, gast.ClassDef, gast.Global,
           gast.Nonlocal, gast.Try, gast.With, gast.AsyncWith, gast.Yield, gast.YieldFrom,
           gast.Await)


def as_loops(fdef, fresh):
    """`fdef` rewritten as the module docstring shows, or `fdef` itself where it is not
    a function of that shape."""
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
    rebound = [(p, a) for p, a in zip(params, call.args) if p not in passed_on]
    line = n.line_of(branch_if)
    rebind = _assigned([p for p, _ in rebound], [a for _, a in rebound], line) + [
        n.set_line(gast.Continue(), line)]
    sums = _running_sums(fdef, targets, after_call, post, returned,
                         set(params) | _bound(pre) | _bound(before_call))
    if sums is not None:
        names = [fresh(f"{v}_sum") for v, _, _ in sums]
        setattr(branch_if, branch, before_call + [
            n.assign(s, _added(n.name(s), n.name(v), outer_left), line)
            for s, (v, _, outer_left) in zip(names, sums)] + rebind)
        hoisted, pre = _hoisted_nones(pre, branch_if, params)
        down = gast.While(test=n.const(True),
                          body=pre + [branch_if, n.set_line(gast.Break(), line)], orelse=[])
        listed = ", ".join(v for v, _, _ in sums)
        fdef.body = [
            n.comment(f"the recursion as one loop: each level's {listed} added into "
                      f"{', '.join(names)} on the way down"),
            *hoisted,
            *[n.assign(s, n.const(-0.0), line) for s in names],
            n.set_line(down, line),
            *[n.assign(v, _added(n.name(s), n.name(v), outer_left), line)
              for s, (v, _, outer_left) in zip(names, sums)],
            gast.Return(value=returned)]
        return fdef
    bound_before = set(params) | _bound(pre) | _bound(before_call)
    read_after = set().union(*(n.names_read(s) for s in after_call + post),
                             n.names_read(returned))
    kept = sorted((read_after & bound_before) - passed_on
                  - _bound([call_stmt]))
    frames = fresh("_frames" if kept else "_levels")
    push = n.expr_stmt(n.call(gast.Attribute(value=n.name(frames), attr="append",
                                             ctx=gast.Load()), _names(kept)), line) \
        if kept else n.set_line(gast.AugAssign(target=n.name(frames, True), op=gast.Add(),
                                               value=n.const(1)), line)
    setattr(branch_if, branch, before_call + [push] + rebind)
    hoisted, pre = _hoisted_nones(pre, branch_if, params)
    down = gast.While(test=n.const(True),
                      body=pre + [branch_if, n.set_line(gast.Break(), line)], orelse=[])
    if kept:
        levels = n.call("reversed", n.name(frames))
        restore = _names(kept, store=True)
    else:
        levels = n.call("range", n.name(frames))
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
        n.comment(f"the recursion as loops: down, keeping each level's values in "
                  f"{frames}; then up" if kept else
                  f"the recursion as loops: down, counting the levels in {frames}; then up"),
        *hoisted,
        n.assign(frames, gast.List(elts=[], ctx=gast.Load()) if kept else n.const(0), line),
        n.set_line(down, line),
        *post, *finish,
        n.set_line(n.for_(restore, levels, up), line),
        gast.Return(value=n.name(result))]
    return fdef



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
