"""Pass "release-arrays": an array is deleted (`del a`) right after the statement that
reads it last, so its memory is freed there rather than when the function returns.

Requires: `arrays`, the names that hold arrays (the kinds analysis; passes/arrays.py
leaves out the parameters and their derivatives), and the core form: one `return`,
the last statement, and no nested function or lambda (normalize writes them out)
that could read a name after its last statement, so every read of a name is a Name
node in the statements.
Rewrites a function body: after each top-level statement, `del` the names of `arrays`
that no later statement reads or assigns, that are assigned only by top-level
assignments (never inside an `if` or a loop, nor by `+=`), that the statement is not
the last one, and that the final `return` does not read; a name unpacked from a
call's results and never read is not named at all (`_`).
Preserves the result because nothing reads a released name afterwards, and it is
surely bound where it is deleted (every assignment of it is a top-level statement
at or before its last use); only when the memory is freed changes.
"""

import gast

from .. import nodes as n


def release_dead_arrays(stmts, arrays):
    """`stmts` (a function body) with `del a, b` after the statement that reads the
    arrays `a` and `b` last, so their memory is freed there rather than when the
    function returns.  Only names of `arrays` every assignment of which is a statement of
    `stmts` itself (not inside an `if` or a loop) are released, so each is surely bound
    where it is deleted.  An array unpacked from a call's results and never read is
    not named at all (`_`)."""
    stored = [_stored(s) for s in stmts]           # (each statement's, found once)
    top_level = {}
    for k, names in enumerate(stored):
        for name_ in names:
            top_level.setdefault(name_, set()).add(k)
    nested = {name_ for s, names in zip(stmts, stored) if not isinstance(s, gast.Assign)
              for name_ in names} | {
        name_ for s in stmts if isinstance(s, gast.Assign)
        for t in s.targets if not isinstance(t, (gast.Name, gast.Tuple))
        for name_ in _stored(t)}
    last, read = {}, set()
    for k, s in enumerate(stmts):
        for x in n.walk(s):
            if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Load):
                last[x.id] = k
                read.add(x.id)
        for name_ in stored[k]:
            last[name_] = max(last.get(name_, k), k)
    returned = {x.id for x in n.walk(stmts[-1]) if isinstance(x, gast.Name)} \
        if stmts and isinstance(stmts[-1], gast.Return) else set()
    released = {}
    for name_, k in last.items():
        if name_ in arrays and name_ in top_level and name_ not in nested \
                and name_ not in returned and k < len(stmts) - 1:
            if name_ not in read and _unpacked_into(stmts[k], name_):
                continue                    # `_, dy = jvp_h(x, dx)`: never held at all
            released.setdefault(k, []).append(name_)
    out = []
    for k, s in enumerate(stmts):
        out.append(s)
        if k in released:
            targets = [gast.Name(id=v, ctx=gast.Del(), annotation=None, type_comment=None)
                       for v in sorted(released[k])]
            out.append(gast.Delete(targets=targets))
    return out


def _unpacked_into(stmt, name_):
    """Rename to `_` the element `name_` of `stmt`'s tuple target; False if none."""
    if not (isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Tuple)):
        return False
    found = False
    for element in stmt.targets[0].elts:
        if isinstance(element, gast.Name) and element.id == name_:
            element.id, found = "_", True
    return found


def _stored(node):
    return [x.id for x in n.walk(node)
            if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store)]
