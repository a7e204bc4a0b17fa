"""The returns of a function differentiated with has_aux=True, split into the value and
the auxiliary part.

Receives the checked user function (gast), the namer and the module names of its
generated code.  Guarantees that every `return` of the function itself (not of a
nested def) returns the pair `(value, _tl.aux(aux))`: the auxiliary part goes through
`runtime.aux`, which is non-differentiable, so it receives no derivative and nothing
is computed backward for it; a return that is not written as a pair literal is checked
to be one first (`value, aux = _tl.value_and_aux(result)`, a HasAuxError when it is
not).  Idempotent: a return already split is left as it is (the aliases step may start
the pipeline again on code this step rewrote).
"""

import gast

from .. import runtime
from ..naming import helper_of


def split_aux(fdef, namer, modules):
    """`fdef` with its returns split (see the module docstring); rewritten in place."""
    fdef.body = _Returns(namer, modules).statements(fdef.body)
    return fdef


class _Returns:
    def __init__(self, namer, modules):
        self.namer, self.modules = namer, modules

    def statements(self, body):
        out = []
        for s in body:
            out.extend(self.statement(s))
        return out

    def statement(self, s):
        if isinstance(s, (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef)):
            return [s]                          # a nested def's returns are its own
        if isinstance(s, gast.Return):
            return self.split(s)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(s, field, None)
            if isinstance(block, list) and block and isinstance(block[0], gast.stmt):
                setattr(s, field, self.statements(block))
        for handler in getattr(s, "handlers", []):
            handler.body = self.statements(handler.body)
        return [s]

    def split(self, s):
        value = s.value
        if isinstance(value, gast.Tuple) and len(value.elts) == 2 \
                and not any(isinstance(e, gast.Starred) for e in value.elts):
            second = value.elts[1]
            if not (isinstance(second, gast.Call) and helper_of(second) is runtime.aux):
                value.elts[1] = self.modules.call(runtime, "aux", second)
            return [s]
        if value is None:
            value = gast.Constant(value=None, kind=None)
        first, rest = self.namer.fresh("value"), self.namer.fresh("aux")
        unpack = gast.Assign(
            targets=[gast.Tuple(elts=[_name(first, gast.Store()), _name(rest, gast.Store())],
                                ctx=gast.Store())],
            value=self.modules.call(runtime, "value_and_aux", value), type_comment=None)
        pair = gast.Return(value=gast.Tuple(
            elts=[_name(first), self.modules.call(runtime, "aux", _name(rest))],
            ctx=gast.Load()))
        return [gast.copy_location(unpack, s), gast.copy_location(pair, s)]


def _name(id_, ctx=None):
    return gast.Name(id=id_, ctx=ctx or gast.Load(), annotation=None, type_comment=None)
