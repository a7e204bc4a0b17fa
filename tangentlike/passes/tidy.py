"""Pass "tidy" (mandatory, last before the guards): generated code without statements
that do nothing a reader should have to skip.

Requires: the generated functions, their tape set up as the reverse transformer writes it
(`_tape = []`, `_push = _tape.append`, `_pop = _tape.pop`) and the `del` statements
the release-arrays pass wrote.  Rewrites:
- a binding of `_push` or `_pop` that nothing in its function reads is removed, and
  then `_tape = []` if nothing reads `_tape` either;
- a `del` of local names right before a `return` whose value is only names and
  constants is removed.
Preserves the result because a removed binding is never read (a name read nowhere
cannot change what the function computes), and a function's locals are released when
it returns: a `del` just before a `return` that computes nothing frees the same
memory at the same point.
"""

import gast

from .. import nodes as n

TAPE_NAMES = ("_push", "_pop")


def tidy(function):
    """`function` (a gast FunctionDef, changed in place and returned), tidied."""
    function.body = _without_unread_tape(function.body)
    _without_del_before_return(function)
    return function


def _reads(stmts):
    return {x.id for s in stmts for x in n.walk(s)
            if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Load)}


def _binds(s, names):
    """Is `s` the assignment of one of `names` to something without effects?"""
    return isinstance(s, gast.Assign) and len(s.targets) == 1 \
        and n.is_name(s.targets[0]) and s.targets[0].id in names \
        and isinstance(s.value, (gast.Attribute, gast.List, gast.Name)) \
        and not (isinstance(s.value, gast.List) and s.value.elts)


def _without_unread_tape(body):
    reads = [_reads([s]) for s in body]         # (each statement's, read once)
    read = set().union(*reads)
    unread = {name_ for name_ in TAPE_NAMES if name_ not in read}
    kept = [(s, r) for s, r in zip(body, reads) if not _binds(s, unread)]
    if not any("_tape" in r for _, r in kept):
        kept = [(s, r) for s, r in kept if not _binds(s, {"_tape"})]
    return [s for s, _ in kept]


def _without_del_before_return(node):
    for field in ("body", "orelse"):
        block = getattr(node, field, None)
        if not isinstance(block, list):
            continue
        for s in block:
            _without_del_before_return(s)
        k = len(block) - 1
        if k >= 1 and isinstance(block[k], gast.Return) and _names_only(block[k].value):
            while k >= 1 and isinstance(block[k - 1], gast.Delete):
                del block[k - 1]
                k -= 1


def _names_only(value):
    """Does evaluating `value` compute nothing (names, constants, tuples of them)?"""
    if value is None or isinstance(value, (gast.Name, gast.Constant)):
        return True
    return isinstance(value, gast.Tuple) and all(map(_names_only, value.elts))
