"""Dead stores: the assignments nothing reads, removed.  Not a pass of its own: the
"simplify", "in-place", "gradient-only" and "hvp" passes run it, each over the names
it may remove.

Requires: the statements in core form: one target per assignment (normalize splits
`a = b = e`; with several, only the first would be asked) and no `else` on a loop
(check.py rejects it; its reads would not be counted), the names read after them
(`live_out`), and the names whose stores may go (`removable`: generated names, or
names the caller proved only the dropped part reads).  `pure_call(call)`, if given,
is true for a call that writes none of its arguments (the pipeline's: a call with a
rule); any other call is taken to write every name it is given (effects.written).
Rewrites: an assignment `t = e` to a removable name `t` that no later statement
reads before `t` is assigned again (backward liveness, loops to a fixpoint) is
removed, when `e` does not touch the tape (effects.tape_free) and writes nothing but
`t`; a comment marker with nothing left under it is dropped; an emptied block gets
`pass`.
Preserves the result because a removed statement's only effect on the names the code
reads was its target, which nothing reads before it is set again.  Taken as having
no other effect: a call with a rule (`builtins.print` has one: a dead
`t = print(x)` goes, and its output with it), a call given no names, and a method
that effects.written does not see as writing (see its docstring).  Expression
statements, item assignments and unpacking assignments are always kept.
"""

import gast

from .. import nodes as n
from .effects import reads, tape_free, written


def without_dead_stores(stmts, live_out, removable, pure_call=None):
    """`stmts` less the assignments to `removable` names nothing reads before the end
    (where `live_out` are read); statements with effects stay."""
    return drop_orphan_comments(dead_stores(stmts, set(live_out), removable, rewrite=True,
                                            pure_call=pure_call)[0])


def live_in(stmts, live_out=()):
    """The names `stmts` may read before binding them, given `live_out` read after
    them (the `for` target of a loop is bound before its body; `t += e` and `del t`
    need `t`)."""
    return dead_stores(stmts, set(live_out), frozenset(), rewrite=False)[1]


def dead_stores(stmts, live, removable, rewrite, pure_call=None):
    """(statements, live-in) of `stmts` given the names live after them; with `rewrite`,
    the statements are those left (and the blocks nested in them rewritten)."""
    live = set(live)
    out = []
    for s in reversed(stmts):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
            target = s.targets[0].id
            if target not in live and target in removable and tape_free(s.value) \
                    and written(s.value, pure_call) <= {target}:
                continue
            live.discard(target)
            live |= reads(s.value)
        elif isinstance(s, gast.If):
            body, l1 = dead_stores(s.body, live, removable, rewrite, pure_call)
            orelse, l2 = dead_stores(s.orelse, live, removable, rewrite, pure_call)
            if rewrite:
                s.body, s.orelse = body or [gast.Pass()], orelse
            live = l1 | l2 | reads(s.test)
        elif isinstance(s, (gast.For, gast.While)):
            header = s.iter if isinstance(s, gast.For) else s.test
            bound_first = {s.target.id} if isinstance(s, gast.For) and n.is_name(s.target) \
                else set()                       # (each pass binds it before its body)
            loop_live = set(live)
            while True:
                _, inner = dead_stores(s.body, loop_live, removable, False, pure_call)
                grown = loop_live | (inner - bound_first) | reads(header)
                if grown == loop_live:
                    break
                loop_live = grown
            if rewrite:
                body, _ = dead_stores(s.body, loop_live, removable, True, pure_call)
                s.body = body or [gast.Pass()]
            live = loop_live
        else:
            live |= reads(s) | _updated_or_deleted(s)
        out.append(s)
    out.reverse()
    return out, live


def _updated_or_deleted(s):
    """The names `s` needs bound without loading them: `t += e` and `del t`."""
    if isinstance(s, gast.AugAssign) and n.is_name(s.target):
        return {s.target.id}
    if isinstance(s, gast.Delete):
        return {t.id for t in s.targets if n.is_name(t)}
    return set()


def drop_orphan_comments(stmts):
    """`stmts` less the comment markers followed by no statement (another comment, or
    the end of their block); a block left empty gets `pass`."""
    out = []
    for k, s in enumerate(stmts):
        for field in ("body", "orelse"):
            if isinstance(s, (gast.If, gast.For, gast.While)) and getattr(s, field, None):
                setattr(s, field, drop_orphan_comments(getattr(s, field)))
        if n.is_comment(s):
            following = stmts[k + 1] if k + 1 < len(stmts) else None
            if following is None or n.is_comment(following):
                continue
        if isinstance(s, (gast.If, gast.For, gast.While)) and not s.body:
            s.body = [gast.Pass()]
        out.append(s)
    return out
