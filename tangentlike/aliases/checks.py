"""Aliases: the checks that ask what a write changes, and the errors they raise.

Receives a FunctionDef (the user's, as parsed) and, from the walk (walk.py), the
name written, the statement writing and the names that share its memory.
`StatementOrder.of(fn)` numbers the statements once (frozen); its `read_later(name,
s)` says whether `name` is read after statement `s` (or in a loop around `s` that
does not bind it afresh on each pass), which decides whether a write through
another name must be made visible, or rejected.  `aliased_write` and
`unfollowed_write` make the located `AliasedWriteError`s, naming the file, the line,
the name written and the name that would see the change, with a hint.
"""

import dataclasses
import re
from collections.abc import Mapping
from types import MappingProxyType

import gast

from .. import nodes as n
from ..errors import AliasedWriteError
from .vocabulary import base_name


@dataclasses.dataclass(frozen=True)
class StatementOrder:
    """The statements of one function (`fn`, a FunctionDef) in source order, nested
    blocks included, each with the loops around it: made once (`of`), then only read."""
    fn: object
    statements: tuple       # every statement, in source order
    index: Mapping          # id(statement) -> its position in `statements`
    loops: Mapping          # id(statement) -> the loops around it (a tuple, outermost first)

    @classmethod
    def of(cls, fn):
        statements, loops = [], {}
        _number(fn.body, (), statements, loops)
        return cls(fn, tuple(statements),
                   MappingProxyType({id(s): k for k, s in enumerate(statements)}),
                   MappingProxyType(loops))

    def loops_around(self, s):
        return self.loops.get(id(s), ())

    def read_anywhere(self, name):
        return _reads(self.fn, name)

    def read_later(self, name, s):
        """Is `name` read by a statement after `s`, or anywhere in a loop around `s`
        that does not bind it afresh on each pass (`for v in x` rebinds `v` before the
        body reads it again)?"""
        k = self.index.get(id(s), -1)
        around = self.loops.get(id(s), ())
        later = self.statements[k + 1:] if k >= 0 else self.statements
        # (a statement inside a later loop that binds `name` reads the new binding)
        scopes = [x for x in later if not any(
            loop not in around and _binds(loop, name) for loop in self.loops.get(id(x), ()))]
        scopes += [loop for loop in around if not _binds(loop, name)]
        return any(_reads_before_binding(node, name) for node in scopes)


def _number(body, loops, statements, around):
    """Append the statements of `body` to `statements`, and the loops around each
    (`loops`, then its own) to `around`."""
    for s in body:
        statements.append(s)
        around[id(s)] = loops
        inner = loops + (s,) if isinstance(s, (gast.For, gast.While)) else loops
        for field in ("body", "orelse"):
            block = getattr(s, field, None)
            if isinstance(block, list) and block and isinstance(block[0], gast.stmt):
                _number(block, inner, statements, around)


def _binds(loop, name):
    """Is `loop` a `for` whose target binds `name` on each pass?"""
    return isinstance(loop, gast.For) and any(
        isinstance(x, gast.Name) and x.id == name for x in n.walk(loop.target))


def _reads_before_binding(node, name):
    """Does `node` read `name`, outside the bodies of loops that bind it afresh?"""
    if _binds(node, name):
        return _reads(node.iter, name) or any(_reads_before_binding(x, name)
                                              for x in node.orelse)
    if isinstance(node, gast.stmt) and any(isinstance(getattr(node, f, None), list)
                                           for f in ("body", "orelse")):
        own = [v for f, v in gast.iter_fields(node) if f not in ("body", "orelse")]
        return any(_reads(v, name) for v in own if isinstance(v, gast.AST)) \
            or any(_reads(v, name) for value in own if isinstance(value, list)
                   for v in value if isinstance(v, gast.AST)) \
            or any(_reads_before_binding(x, name) for f in ("body", "orelse")
                   for x in getattr(node, f, None) or [])
    return _reads(node, name)


def _reads(node, name):
    """Does `node` (a statement with its body, or a function) read `name`?  An augmented
    assignment reads its target."""
    for x in n.walk(node):
        if isinstance(x, gast.Name) and x.id == name and isinstance(x.ctx, gast.Load):
            return True
        if isinstance(x, gast.AugAssign) and base_name(x.target) == name:
            return True
    return False


def aliased_write(parsed, name, other, s, construct=None, callee=None):
    """The located error for a write at statement `s` through `name` that `other` would
    see (a name read afterwards, or the loop `for ... in` its memory); `construct`: how
    the write is made, `callee`: the user function that makes it."""
    filename, line, column, source_line = parsed.location(s)
    if isinstance(other, gast.For):             # a loop over the memory of `name`
        header = parsed.location(other)[3].strip()
        head, _, iterable = header.partition(" in ")
        copied = re.sub(rf"\b{re.escape(name)}\b", f"{name}.copy()", iterable)
        what = (f"{construct or 'a write'} through `{name}` inside the loop "
                f"`{header}` over its memory (the loop reads the array as it goes)")
        hint = (f"loop over a copy (`{head} in {copied}`) or over indices "
                f"(`for i in range(len({name})):`)")
        other = name
    elif callee is not None:
        what = (f"passing `{name}` to {callee.__name__}, which writes into that argument, "
                f"while `{other}` is read afterwards")
        hint = (f"pass a copy (`{callee.__name__}({name}.copy(), ...)`) and use what it "
                "returns, or write the function so that it returns its result")
    else:
        how = construct or "a write"
        what = (f"{how} through `{name}` into memory that `{other}` shares (one may be "
                f"a view or alias of the other, and `{other}` is read afterwards)")
        hint = (f"write into `{other}` directly, or make `{name}` a copy "
                f"(`{name} = ....copy()`) if `{other}` must not change")
    return AliasedWriteError(what, hint, filename=filename, line=line, column=column,
                             source_line=source_line, written=name, other=other)


def unfollowed_write(parsed, call, what):
    """The located error for a call that writes into an object in a way the transformers
    do not follow (they follow item assignment and `append`)."""
    filename, line, column, source_line = parsed.location(call)
    return AliasedWriteError(
        f"{what}, which changes an object in place,",
        "assign the result instead (`y = np.sort(y)`, `y = np.sin(x)`, "
        "`ys = ys + [v]`); tangentlike follows writes made by item assignment "
        "(`y[i] = v`), augmented assignment and `append`",
        filename=filename, line=line, column=column, source_line=source_line)
