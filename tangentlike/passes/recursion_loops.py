"""Pass "recursion-loops": a generated function that calls itself once per level, as
two loops over a list of frames.  The pipeline runs it on the split sweeps only:
forward mode's code is differentiated again in reverse mode (Hessians), which has no
rule for a list's `pop`.

Requires: a generated function in core form (one `return`, its last statement) that
defines no nested function or lambda, declares no `global` or `nonlocal`, and has no
`try`, `with` or `yield`; a `fresh(base)` namer for the two names it adds.
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
                                         while frames:
                                             p, s = frames.pop()
                                             t = result
                                             A2
                                             POST
                                             result = r
                                         return result

(the call may be in either branch).  A frame keeps the names A2, POST or r read that
a parameter, PRE or A1 binds, less the targets of the call and the parameters the
call passes on as themselves that nothing assigns (a tape: the same object at every
level); only those parameters are rebound.  Where a frame would keep nothing, a
count of the levels stands for the list.  Where r is a name, that name holds each
level's result: `t = r` is read on the way up before the frame is restored, and no
`result` is made.
Preserves the result because the statements run in the order the recursion runs
them, on the same values: each level's PRE and A1 on the way down, then the deepest
level's B and POST, then each level's A2 and POST on the way up, innermost first,
with what that level bound before its call restored from its frame and the inner
level's result in `t`.  A name A2 or POST reads that no parameter, PRE or A1 binds is
bound by A2 or POST before it is read, at every level, in code the transformers
generate.  Only the depth of Python's call stack changes: a deep recursion no longer
reaches Python's recursion limit.
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
    bound_before = set(params) | _bound(pre) | _bound(before_call)
    read_after = set().union(*(n.names_read(s) for s in after_call + post),
                             n.names_read(returned))
    kept = sorted((read_after & bound_before) - passed_on
                  - _bound([call_stmt]))
    frames = fresh("_frames" if kept else "_levels")
    line = n.line_of(branch_if)
    push = n.expr_stmt(n.call(gast.Attribute(value=n.name(frames), attr="append",
                                             ctx=gast.Load()), _names(kept)), line) \
        if kept else n.set_line(gast.AugAssign(target=n.name(frames, True), op=gast.Add(),
                                               value=n.const(1)), line)
    setattr(branch_if, branch, before_call + [push] + _assigned(
        [p for p, _ in rebound], [a for _, a in rebound], line) + [
        n.set_line(gast.Continue(), line)])
    down = gast.While(test=n.const(True),
                      body=pre + [branch_if, n.set_line(gast.Break(), line)], orelse=[])
    pop = n.call(gast.Attribute(value=n.name(frames), attr="pop", ctx=gast.Load()))
    restore = n.assign(_names(kept, store=True), pop, line) if kept else n.set_line(
        gast.AugAssign(target=n.name(frames, True), op=gast.Sub(), value=n.const(1)), line)
    inner = [] if targets is None else [targets]
    if isinstance(returned, gast.Name):       # the inner level's result: its name, read
        result, finish = returned.id, []      # before the frame restores the outer level's
        up = [n.assign(t, n.name(result), line) for t in inner
              if not n.is_name(t, result)] + [restore]
    else:
        result = fresh("_result")
        finish = [n.assign(result, returned)]
        up = [restore] + [n.assign(t, n.name(result), line) for t in inner]
    up += after_call + [n.copied(s) for s in post]
    fdef.body = [
        n.comment(f"the recursion as loops: down, keeping each level's values in "
                  f"{frames}; then up" if kept else
                  f"the recursion as loops: down, counting the levels in {frames}; then up"),
        n.assign(frames, gast.List(elts=[], ctx=gast.Load()) if kept else n.const(0), line),
        n.set_line(down, line),
        *post, *finish,
        n.set_line(gast.While(test=n.name(frames), body=up + [n.copied(s) for s in finish],
                              orelse=[]), line),
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
