"""Normalize, first pass on the user's code: method calls of known classes as calls.

Receives a function body and the kinds of its arguments (value_kinds.kinds: "object:
mod.Class" for an argument specialized on its class, "pytree:mod.Class(...)" for a
NamedTuple or dataclass).  Guarantees that every call
`obj.method(args)` (and `obj(args)`) on an object whose class is known, an argument
of kind "object:..." or a module-level instance, and reachable by a name in the
function's namespace, reads `Class.method(obj, args)`: a call of a plain function,
which the later stages differentiate like any other.  Other calls are left as they
are.
"""

import inspect

import gast

from .. import nodes as n
from ..trees import class_of
from ..parse import WRAPPED


def devirtualize(body, parsed, kinds):
    """`obj.method(args)` -> `Class.method(obj, args)` when obj's class is known (an
    argument specialized on its class, or a module-level instance) and is reachable
    by a name in the function's namespace."""
    classes = {}
    for param, kind in kinds.items():
        if isinstance(kind, str) and kind.startswith("object:"):
            classes[param] = kind[len("object:"):]
        elif class_of(kind) is not None:              # a dataclass or NamedTuple
            classes[param] = class_of(kind)
    by_qualname = {}
    for name_, value in parsed.namespace.items():
        if isinstance(value, type):
            by_qualname.setdefault(f"{value.__module__}.{value.__qualname__}", name_)

    class Rewrite(n.Transformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            func = node.func
            if isinstance(func, gast.Name) and func.id in classes:      # model(x)
                func = node.func = gast.Attribute(value=func, attr="__call__", ctx=gast.Load())
            if not (isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name)):
                return node
            receiver = func.value.id
            if receiver in classes:
                qualname = classes[receiver]
            else:
                value = parsed.namespace.get(receiver)
                method = getattr(value, func.attr, None) if value is not None else None
                method = getattr(method, WRAPPED, method)      # a @tl.differentiate method
                if not (inspect.ismethod(method) and inspect.isfunction(method.__func__)) \
                        or isinstance(value, type):
                    return node
                qualname = f"{type(value).__module__}.{type(value).__qualname__}"
            class_name = by_qualname.get(qualname)
            if class_name is None:
                return node
            node.func = gast.Attribute(value=n.name(class_name), attr=func.attr,
                                       ctx=gast.Load())
            node.args = [n.name(receiver)] + list(node.args)
            return node

    return [Rewrite().visit(s) for s in body]
