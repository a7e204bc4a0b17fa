"""Aliases: the two rewrites the facts call for.

`fixed(parsed, facts)` receives a checked `ParsedFunction` and its `AliasFacts`
(check_writes) and returns a copy (the original is not touched, and neither are the
facts: their statements are copied in) whose function, after each write that other
names see, brings them up to date: the statements of `facts.fixes` inserted after
their write, the bindings of `facts.copies` bound to copies (`tangentlike_copy(v)`,
put in the copy's namespace as runtime.copy).  The same program for NumPy, in which
each write changes exactly the name it names, as the transformers assume.

`temporaries_own_their_values(body, temporaries)` receives a normalized body (and
changes it in place): a temporary normalize named that may be a view of an object
the function writes into later is bound to a copy.
"""

import copy
import dataclasses

import gast

from .. import nodes as n
from .. import runtime
from ..nodes import every_statement
from .vocabulary import (CHOOSING_BUILTINS, COPY, MUTATING_METHODS, VALUE_ATTRIBUTES,
                         base_name, copy_of, is_view_call, load, store)


def fixed(parsed, facts):
    """A copy of `parsed` whose function, after each write that other names see, brings
    those names up to date (`facts.fixes`): the same program for NumPy, with every
    change of a shared object spelled out as an assignment that reverse and forward
    mode follow.  The inserted statements carry the write's line and the SYNC mark."""
    fixes = dict(facts.fixes)

    def block(body):
        out = []
        for s in body:
            new = copy.copy(s)
            for field in ("body", "orelse"):
                inner = getattr(s, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                    setattr(new, field, block(inner))
            if id(s) in facts.copies:
                new.value = copy_of(s.value)
            targets = sorted(c[2] for c in facts.copies
                             if isinstance(c, tuple) and c[:2] == ("target", id(s)))
            if targets:              # each pass of `for v in x` works on a copy of the row
                new.body = [gast.copy_location(gast.Assign(
                    targets=[store(t)], value=copy_of(load(t)), type_comment=None), s)
                    for t in targets] + new.body
            out.append(new)
            out += [n.copied(x) for x in fixes.get(id(s), ())]
        return out

    node = copy.copy(parsed.node)
    node.body = block(list(parsed.node.body))
    return dataclasses.replace(parsed, node=node,
                               namespace={**parsed.namespace, COPY: runtime.copy})


def temporaries_own_their_values(body, temporaries):
    """`body` (a normalized function's, changed in place) where each temporary that
    normalize named (`_t1 = np.transpose(A)`) and that may be a view of an object the
    function writes into later is bound to a copy: the backward sweep reads it after
    the write, and it must see the values it had.  (The user's expression used the view
    at once, so the copy changes nothing else.)"""
    written = _written_names(body)
    if not written:
        return body
    reads, copied = {}, {}          # how often each name is read, and read to be copied
    for x in (x for s in body for x in n.walk(s)):
        if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Load):
            reads[x.id] = reads.get(x.id, 0) + 1
        if isinstance(x, gast.Call) and isinstance(x.func, gast.Name) and x.func.id == COPY \
                and len(x.args) == 1 and isinstance(x.args[0], gast.Name):
            copied[x.args[0].id] = copied.get(x.args[0].id, 0) + 1
    for s in every_statement(body):
        if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                and isinstance(s.targets[0], gast.Name) and s.targets[0].id in temporaries \
                and _may_view(s.value, written) \
                and copied.get(s.targets[0].id, 0) < reads.get(s.targets[0].id, 0):
            s.value = copy_of(s.value)
    return body


def _written_names(body):
    """Names whose object some statement of `body` writes into (item assignment, a
    mutating method)."""
    out = set()
    for s in every_statement(body):
        targets = s.targets if isinstance(s, gast.Assign) else \
            [s.target] if isinstance(s, gast.AugAssign) else []
        for t in targets:
            if isinstance(t, (gast.Subscript, gast.Attribute)) and base_name(t):
                out.add(base_name(t))
    for call in (c for s in body for c in n.walk(s) if isinstance(c, gast.Call)):
        if isinstance(call.func, gast.Attribute) and call.func.attr in MUTATING_METHODS \
                and base_name(call.func.value):
            out.add(base_name(call.func.value))
    return out


def _may_view(expr, written):
    """May the value of `expr` be a view of (or an item held by) a name in `written`?"""
    if isinstance(expr, gast.Name):
        return expr.id in written
    if isinstance(expr, (gast.Subscript, gast.Starred)):
        return _may_view(expr.value, written)
    if isinstance(expr, gast.Attribute):
        return expr.attr not in VALUE_ATTRIBUTES and _may_view(expr.value, written)
    if isinstance(expr, gast.Call):
        func = expr.func
        word = func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", None)
        if not is_view_call(expr) and word not in CHOOSING_BUILTINS:
            return False
        operands = list(expr.args) + ([func.value] if isinstance(func, gast.Attribute) else [])
        return any(_may_view(a, written) for a in operands)
    return False
