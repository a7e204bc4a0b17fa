"""Normalize: the fields of pytree arguments (NamedTuples, dataclasses) read as
differentiable values.

Receives a function body, its parameters, the kinds of its arguments (trees.py:
"pytree:mod.Class(a=...,b=...)" for a pytree, "tree:..." for a container holding
pytrees, at any depth) and the module names of its generated code.  Guarantees:

- every read `x.a` of a local value `x` (a parameter or a name the function assigns,
  or an item or attribute of one), where `a` is a field name of a pytree class the
  arguments hold, reads `_tl.field(x, "a")`: at run time the same `getattr`, but a call
  with derivative rules, whose adjoint is `x`'s adjoint (a list in field order) with
  the field's at its place; for a value that turns out not to be a pytree it is
  zero, as for any attribute of an object.  Array attributes (`x.T`, `x.shape`, ...)
  are left as they are unless `x` is a pytree parameter with such a field;
- a NamedTuple or plain dataclass built in the function (`P(a, b=v)`, trees.py's
  `plain_constructor`) is built by `_tl.build(P, (a, v))`, the parts in field order:
  the same call at run time, with derivative rules (the built value's adjoint is a
  list in field order, as for an argument); its fields count as field names;
- a write into a pytree argument (`p.a = v`, `p.a[i] = v`, `p.a += v`) is an
  UnsupportedSyntaxError at its line (the primal would change the caller's object
  and the derivative would not see it);
- a function that neither receives nor builds a pytree is left as it is.
"""

import inspect

import gast

from .. import nodes as n
from .. import runtime
from ..errors import UnsupportedSyntaxError
from ..naming import helper_of
from ..trees import fields_in, plain_constructor

# attributes of arrays that have their own meaning (analyze.DIFF_ATTRIBUTES and
# analyze.METADATA_ATTRIBUTES): read as fields only from a pytree parameter
_ARRAY_ATTRIBUTES = frozenset({"T", "real", "imag", "mT", "shape", "size", "ndim", "dtype",
                               "itemsize", "nbytes", "strides"})


def pytree_fields(kinds):
    """The field names of the pytrees the arguments of `kinds` hold (an empty set when
    they hold none)."""
    out = set()
    for kind in (kinds or {}).values():
        out |= fields_in(kind)
    return frozenset(out)


def read_fields(body, parsed, params, kinds, modules):
    """`body` with the field reads of pytree arguments rewritten (module docstring)."""
    local = set(params) | n.stored_names(body)
    built = {}                  # id of a call that builds a pytree -> its field names
    for s in body:
        for e in gast.walk(s):
            if isinstance(e, gast.Call):
                names_ = plain_constructor(parsed.resolve_expression(e.func, local))
                if names_ is not None:
                    built[id(e)] = names_
    names = pytree_fields(kinds).union(*built.values())
    if not names:
        return body
    trees = {p for p, k in kinds.items() if fields_in(k)}
    direct = {p: fields_in(k) for p, k in kinds.items()
              if isinstance(k, str) and k.startswith("pytree:")}
    alias = modules.name_for(runtime)
    parsed.namespace.setdefault(alias, runtime)     # (the rules resolve `_tl.field`)

    class Rewrite(gast.NodeTransformer):
        def visit_Assign(self, node):
            for target in node.targets:
                self.reject_write(target)
            return self.generic_visit(node)

        def visit_AugAssign(self, node):
            self.reject_write(node.target)
            return self.generic_visit(node)

        def visit_AnnAssign(self, node):
            self.reject_write(node.target)
            return self.generic_visit(node)

        def reject_write(self, target):
            for e in gast.walk(target):
                if isinstance(e, gast.Attribute) and n.root_name(e) in trees:
                    filename, line, column, source_line = parsed.location(e)
                    raise UnsupportedSyntaxError(
                        f"writing a field of pytree argument {n.root_name(e)!r}",
                        "build a new value instead (`dataclasses.replace(p, a=v)`, "
                        "`p._replace(a=v)`) or compute with the field's value",
                        filename=filename, line=line, column=column,
                        source_line=source_line)

        def visit_Call(self, node):
            fields = built.get(id(node))
            if isinstance(node.func, gast.Attribute):       # a method: its receiver only
                node.func.value = self.visit(node.func.value)
            else:
                node.func = self.visit(node.func)
            node.args = [self.visit(a) for a in node.args]
            for keyword in node.keywords:
                keyword.value = self.visit(keyword.value)
            parts = None if fields is None else _parts(node, parsed, local)
            if parts is None:
                return node
            call = modules.call(runtime, "build", node.func,
                                gast.Tuple(elts=parts, ctx=gast.Load()))
            return gast.copy_location(call, node)

        def visit_Attribute(self, node):
            node.value = self.visit(node.value)
            if not isinstance(node.ctx, gast.Load) or node.attr not in names \
                    or _root(node.value) not in local:
                return node
            if node.attr in _ARRAY_ATTRIBUTES and not (
                    isinstance(node.value, gast.Name)
                    and node.attr in direct.get(node.value.id, ())):
                return node
            call = modules.call(runtime, "field", node.value,
                                gast.Constant(value=node.attr, kind=None))
            return gast.copy_location(call, node)

    return [Rewrite().visit(s) for s in body]


def _root(e):
    """The name a chain of items, attributes and field reads starts from, or None."""
    while True:
        if isinstance(e, (gast.Subscript, gast.Attribute)):
            e = e.value
        elif isinstance(e, gast.Call) and helper_of(e) is runtime.field:
            e = e.args[0]
        else:
            return e.id if isinstance(e, gast.Name) else None


def _parts(call, parsed, local):
    """The field values a constructor call passes, in field order (defaults that are
    literals filled in), or None when they cannot be written so."""
    if any(isinstance(a, gast.Starred) for a in call.args) or \
            any(k.arg is None for k in call.keywords):
        return None
    cls = parsed.resolve_expression(call.func, local)
    try:
        bound = inspect.signature(cls).bind(*call.args,
                                            **{k.arg: k.value for k in call.keywords})
    except (TypeError, ValueError):
        return None
    bound.apply_defaults()
    parts = []
    for value in bound.arguments.values():
        if isinstance(value, gast.AST):
            parts.append(value)
        elif value is None or isinstance(value, (bool, int, float, complex, str)):
            parts.append(gast.Constant(value=value, kind=None))
        else:
            return None             # a default that is an object: the call stays as it is
    return parts
