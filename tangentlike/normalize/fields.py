"""Normalize: the fields of pytree arguments (NamedTuples, dataclasses) read as
differentiable values.

Receives a function body, its parameters, the kinds of its arguments (trees.py:
"pytree:mod.Class(a=...,b=...)" for a pytree, "tree:..." for a container holding
pytrees, at any depth) and the module names of its generated code.  Guarantees:

- every read `x.a` of a local value `x` (a parameter or a name the function assigns,
  or an item or attribute of one), where `a` is a field name of a pytree class the
  arguments hold, reads `_tl.field(x, "a")`: at run time the same `getattr`, but a call
  with derivative rules, whose adjoint is `x`'s adjoint (a list in field order) with
  the field's at its place; for a value that turns out not to be a pytree, whose
  attributes are constants, a derivative that reaches the read is an error at run
  time (trees.field_adjoint), never a zero.  Array attributes (`x.T`, `x.shape`, ...)
  are left as they are unless `x` is a pytree parameter with such a field;
- a NamedTuple or plain dataclass built in the function (`P(a, b=v)`, trees.py's
  `plain_constructor`) is built by `_tl.build(P, (a, v))`, the parts in field order:
  the same call at run time, with derivative rules (the built value's adjoint is a
  list in field order, as for an argument); its fields count as field names;
- any other attribute of a pytree parameter: a property is its getter called
  (`Class.prop.fget(p)`, where the function's module names the class), a constant of
  the class stays as it is, anything else is a located UnsupportedSyntaxError;
- a write into a pytree argument (`p.a = v`, `p.a[i] = v`, `p.a += v`) is an
  UnsupportedSyntaxError at its line (the primal would change the caller's object
  and the derivative would not see it);
- a function that neither receives nor builds a pytree is left as it is.
"""

import dataclasses
import inspect
import sys

import gast

from .. import nodes as n
from .. import runtime
from ..errors import UnsupportedSyntaxError
from ..naming import helper_of
from ..trees import class_of, fields_in, plain_constructor

# attributes of arrays that have their own meaning (analyze.DIFF_ATTRIBUTES and
# analyze.METADATA_ATTRIBUTES): read as fields only from a pytree parameter
_ARRAY_ATTRIBUTES = frozenset({"T", "real", "imag", "mT", "shape", "size", "ndim", "dtype",
                               "itemsize", "nbytes", "strides"})


_CONSTANTS = (bool, int, float, complex, str, type(None))


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
        for e in n.walk(s):
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
    classes = {p: _class(class_of(k)) for p, k in kinds.items()
               if class_of(k) is not None and p in params}
    classes = {p: cls for p, cls in classes.items() if cls is not None}
    by_qualname = {f"{v.__module__}.{v.__qualname__}": name_
                   for name_, v in sorted(parsed.namespace.items()) if isinstance(v, type)}

    class Rewrite(n.Transformer):
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
            for e in n.walk(target):
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
            if isinstance(node.ctx, gast.Load) and isinstance(node.value, gast.Name) \
                    and node.value.id in classes \
                    and node.attr not in _fields_of(classes[node.value.id]):
                return self.not_a_field(node, classes[node.value.id])
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

        def not_a_field(self, node, cls):
            """`p.attr` of a pytree parameter that is not one of its fields: a property
            is its getter called (`Class.attr.fget(p)`, differentiated as a function);
            a constant of the class is read as it is; anything else is an error (its
            value could depend on the fields: never a silent zero)."""
            found = inspect.getattr_static(cls, node.attr, None)
            if isinstance(found, _CONSTANTS) or isinstance(found, tuple) and all(
                    isinstance(item, _CONSTANTS) for item in found):     # (`p._fields`)
                return node
            reachable = by_qualname.get(f"{cls.__module__}.{cls.__qualname__}")
            if isinstance(found, property) and inspect.isfunction(found.fget) and reachable:
                getter = gast.Attribute(value=gast.Attribute(
                    value=n.name(reachable), attr=node.attr, ctx=gast.Load()),
                    attr="fget", ctx=gast.Load())
                call = gast.Call(func=getter, args=[node.value], keywords=[])
                return gast.copy_location(call, node)
            filename, line, column, source_line = parsed.location(node)
            raise UnsupportedSyntaxError(
                f"reading `{node.value.id}.{node.attr}`, which is not a field of the "
                f"{cls.__name__} argument {node.value.id!r}",
                "only fields (and properties of a class the function's module names) are "
                "differentiated; compute the value from the fields in the function",
                filename=filename, line=line, column=column, source_line=source_line)

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


def _class(path):
    """The class named 'module.Qual.Name' (None for a class defined in a function)."""
    for cut in range(len(path.split(".")) - 1, 0, -1):
        parts = path.split(".")
        module = sys.modules.get(".".join(parts[:cut]))
        if module is None:
            continue
        obj = module
        for part in parts[cut:]:
            obj = getattr(obj, part, None)
        return obj if isinstance(obj, type) else None
    return None


def _fields_of(cls):
    if issubclass(cls, tuple):
        return cls._fields
    return tuple(f.name for f in dataclasses.fields(cls))
