"""Normalize, last pass: `break`, `continue` and early `return` as flags and guards.

Receives a desugared function body (or a written-out callee's).  Guarantees:

- exactly one `return`, the last statement, when the body had several or one that
  was not last: each early `return v` becomes `_result = v; _returned = True`, and
  the function ends with `return _result`;
- `break` only ends a loop body, or a branch of the `if` that ends it (the statements
  after an `if c: ... return` or `... break` move into its `else` when every path of
  the branch jumps); any other `break` or `continue` becomes a flag (`_break`,
  `_continue`) set where it was;
- the statements after a statement that may set a flag run under `if not FLAG:`; a
  loop whose body may set `_break` or `_returned` ends each pass with
  `if FLAG: break`, and a loop body is never empty;
- a flag no guard reads is not assigned at all.

Flag names come from the namer (`_break2`, ...); every statement keeps its line.
"""

import gast

from .. import nodes as n


class Jumps:
    """`break`, `continue` and early `return` lowered to flags and guards."""

    def __init__(self, namer):
        self.namer = namer
        self.returned = None      # flag name, created on first early return
        self.result = None
        self.flags_read = set()
        self.created = set()

    def function_body(self, body):
        body = _nest_after_jumps(body)
        returns = [s for stmt in body for s in _own_nodes(stmt) if isinstance(s, gast.Return)]
        tail_only = (len(returns) == 1 and body and body[-1] is returns[0])
        if not returns or tail_only:
            return self.without_unread_flags(self.block(body, loop=None, lower_returns=False))
        self.returned = self.namer.fresh("_returned")
        self.result = self.namer.fresh("_result")
        self.created.add(self.returned)
        new = self.block(body, loop=None, lower_returns=True, tail=True)
        prologue = []
        if self.returned in self.flags_read:
            prologue.append(n.assign(self.returned, n.const(False), n.line_of(body[0])))
        if not _definitely_assigns(new, self.result):
            prologue.append(n.assign(self.result, n.const(None), n.line_of(body[0])))
        new = self.without_unread_flags(prologue + new)
        return new + [n.set_line(gast.Return(value=n.name(self.result)),
                                 n.line_of(returns[-1]))]

    def without_unread_flags(self, stmts):
        return _drop_unread_flags(stmts, self.created - self.flags_read)

    def block(self, stmts, loop, lower_returns, tail=False):
        """`tail`: nothing runs after this block but the function's return."""
        out = []
        for k, s in enumerate(stmts):
            flags = self.may_set(s, loop, lower_returns)
            jumps = isinstance(s, (gast.Break, gast.Continue, gast.Return, gast.Raise))
            out.extend(self.stmt(s, loop, lower_returns, tail and k == len(stmts) - 1))
            if k + 1 == len(stmts) or jumps:
                break                                 # after a jump, the rest is unreachable
            if flags:
                rest = stmts[k + 1:]
                self.flags_read.update(flags)
                test = _any_flag(sorted(flags))
                guarded = self.block(rest, loop, lower_returns, tail)
                if guarded:
                    out.append(n.if_(n.not_(test), guarded, line=n.line_of(rest[0])))
                break
        return out

    def may_set(self, s, loop, lower_returns):
        flags = set()
        own_loop = isinstance(s, (gast.For, gast.While))   # its jumps are its own
        flagged = loop and not own_loop and (loop["break"] or loop["continue"])
        for sub in _walk_same_function(s, into_loops=False) if flagged else ():
            if id(sub) in loop["tails"]:
                continue
            if isinstance(sub, gast.Break):
                flags.add(loop["break"])
            elif isinstance(sub, gast.Continue):
                flags.add(loop["continue"])
        if lower_returns and any(isinstance(x, gast.Return) for x in _own_nodes(s)):
            flags.add(self.returned)
        return flags

    def stmt(self, s, loop, lower_returns, tail=False):
        line = n.line_of(s)
        if isinstance(s, gast.Break):
            if id(s) in loop["tails"]:
                return [s]
            return [n.assign(loop["break"], n.const(True), line)]
        if isinstance(s, gast.Continue):
            if id(s) in loop["tails"]:
                return []
            return [n.assign(loop["continue"], n.const(True), line)]
        if isinstance(s, gast.Return) and lower_returns:
            value = s.value if s.value is not None else n.const(None)
            result = [n.assign(self.result, value, line)]
            return result if tail else result + [n.assign(self.returned, n.const(True), line)]
        if isinstance(s, gast.If):
            s.body = self.block(s.body, loop, lower_returns, tail) or [gast.Pass()]
            s.orelse = self.block(s.orelse, loop, lower_returns, tail)
            return [s]
        if isinstance(s, (gast.For, gast.While)):
            return self.loop(s, lower_returns)
        return [s]

    def loop(self, s, lower_returns):
        own = list(_walk_same_function(s, into_loops=False, skip_root=True))
        tails = _tail_jumps(s, own)          # a break/continue that ends the body stays as is
        has_break = any(isinstance(x, gast.Break) and id(x) not in tails for x in own)
        has_continue = any(isinstance(x, gast.Continue) and id(x) not in tails for x in own)
        has_return = lower_returns and any(isinstance(x, gast.Return) for x in _own_nodes(s))
        line = n.line_of(s)
        ctx = {"break": self.namer.fresh("_break") if has_break else None,
               "continue": self.namer.fresh("_continue") if has_continue else None,
               "tails": tails}
        self.created.update(ctx[k] for k in ("break", "continue") if ctx[k])
        body = self.block(s.body, ctx, lower_returns)
        before = []
        if has_continue:
            body.insert(0, n.assign(ctx["continue"], n.const(False), line))
        exit_flags = [f for f in (ctx["break"], self.returned if has_return else None) if f]
        if exit_flags:
            self.flags_read.update(exit_flags)
            body.append(n.if_(_any_flag(exit_flags), [gast.Break()], line=line))
        if has_break:
            before.append(n.assign(ctx["break"], n.const(False), line))
        s.body = body or [gast.Pass()]
        return before + [s]


def _tail_jumps(loop, own):
    """ids of the jumps a loop keeps as they are: a `continue` that ends its body
    (through trailing ifs; it is dropped), and a `break` that ends the body or a branch
    of the `if` that ends it, when the loop has no other jump (no flag guard then wraps
    the break).  A break anywhere else becomes a flag: after the `if` or guard holding
    it, the enclosing branch goes on (the reverse sweep records its decision there),
    which a real break would skip.  `own`: the nodes of the loop outside nested loops
    (`_walk_same_function`)."""
    body = loop.body
    continues = _tail_continues(body)
    breaks = set()
    last = body[-1] if body else None
    if isinstance(last, gast.Break):
        breaks = {id(last)}
    elif isinstance(last, gast.If):
        breaks = {id(branch[-1]) for branch in (last.body, last.orelse)
                  if branch and isinstance(branch[-1], gast.Break)}
    flagged = any(isinstance(x, gast.Break) and id(x) not in breaks
                  or isinstance(x, gast.Continue) and id(x) not in continues for x in own) \
        or any(isinstance(x, gast.Return) for x in _own_nodes(loop))
    return continues if flagged else continues | breaks


def _tail_continues(stmts):
    """ids of the continue statements that end `stmts` (through trailing ifs)."""
    if not stmts:
        return set()
    last = stmts[-1]
    if isinstance(last, gast.Continue):
        return {id(last)}
    if isinstance(last, gast.If):
        return _tail_continues(last.body) | _tail_continues(last.orelse)
    return set()


def _any_flag(flags):
    if len(flags) == 1:
        return n.name(flags[0])
    return gast.BoolOp(op=gast.Or(), values=[n.name(f) for f in flags])


def _own_nodes(node):
    """Walk `node` without entering nested function definitions and lambdas."""
    stack = [node]
    while stack:
        cur = stack.pop()
        yield cur
        if isinstance(cur, (gast.FunctionDef, gast.Lambda)):
            continue
        stack.extend(n.children(cur))


def _walk_same_function(node, into_loops, skip_root=False):
    """Walk `node`, not descending into nested loops unless `into_loops`."""
    stack = [node]
    first = True
    while stack:
        cur = stack.pop()
        if not first or not skip_root:
            yield cur
        is_loop = isinstance(cur, (gast.For, gast.While))
        if is_loop and not into_loops and not first:
            continue
        if isinstance(cur, (gast.FunctionDef, gast.Lambda)):
            continue
        first = False
        stack.extend(reversed(n.children(cur)))


def _drop_unread_flags(stmts, unread):
    """Remove assignments to flags no guard reads (and ifs left with nothing to do)."""
    out = []
    for s in stmts:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                and s.targets[0].id in unread:
            continue
        for field in ("body", "orelse"):
            if isinstance(s, (gast.If, gast.For, gast.While)):
                setattr(s, field, _drop_unread_flags(getattr(s, field), unread))
        if isinstance(s, (gast.For, gast.While)):
            s.body = s.body or [gast.Pass()]
        if isinstance(s, gast.If):
            s.body = [x for x in s.body if not isinstance(x, gast.Pass)]
            if not s.body and not s.orelse and not any(
                    isinstance(x, gast.Call) for x in n.walk(s.test)):
                continue
            if not s.body and s.orelse:
                s.test, s.body, s.orelse = n.not_(s.test), s.orelse, []
            s.body = s.body or [gast.Pass()]
        out.append(s)
    return out


def _always_jumps(stmts):
    """True when every path through `stmts` ends in return, raise, break or continue."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, (gast.Return, gast.Raise, gast.Break, gast.Continue)):
        return True
    return isinstance(last, gast.If) and _always_jumps(last.body) and _always_jumps(last.orelse)


def _nest_after_jumps(stmts):
    """`if c: ...return` followed by S  ->  `if c: ...return else: S` (no flag needed)."""
    out = []
    for k, s in enumerate(stmts):
        if isinstance(s, (gast.For, gast.While)):
            s.body = _nest_after_jumps(s.body)
        elif isinstance(s, gast.If):
            s.body, s.orelse = _nest_after_jumps(s.body), _nest_after_jumps(s.orelse)
            rest = stmts[k + 1:]
            if rest and _always_jumps(s.body) and not _always_jumps(s.orelse):
                s.orelse = _nest_after_jumps(s.orelse + rest)
                out.append(s)
                return out
            if rest and s.orelse and _always_jumps(s.orelse) and not _always_jumps(s.body):
                s.body = _nest_after_jumps(s.body + rest)
                out.append(s)
                return out
        out.append(s)
    return out


def _definitely_assigns(stmts, name_):
    for s in stmts:
        if isinstance(s, gast.Assign) and n.is_name(s.targets[0], name_):
            return True
        if isinstance(s, gast.If) and _definitely_assigns(s.body, name_) \
                and _definitely_assigns(s.orelse, name_):
            return True
    return False
