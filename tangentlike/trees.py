"""Pytrees: NamedTuples and dataclasses as differentiable values, and the (value, aux)
results of functions differentiated with has_aux=True.

Beside the layers, like runtime.py (which re-exports the helpers generated code
calls, and `arg_kind`): imports only `errors` (and numpy).  Guarantees:

- `arg_kind(value)`: how a value passed to a function specializes its generated code;
  `holds_only_numbers(value)`: a plain list or tuple of numbers and such lists, nested.
- `is_pytree(x)`: x is a NamedTuple or a dataclass instance; `field_names(x)` its
  fields in order (a dataclass's `dataclasses.fields`, init=False ones included).
- `kind_word(x, kind_of)`: the kind (runtime.arg_kind's vocabulary) of a pytree,
  `"pytree:mod.Class(a=scalar,b=array)"`, its type and the kinds of its fields (so the
  generated code is specialized on both); `contained_word(words)`: the kind of a list,
  tuple or dict holding pytrees, `"tree:"` and the pytree kinds inside.
  `fields_in(word)`: the field names a kind mentions (nested ones too); `class_of(word)`
  the "mod.Class" of a pytree kind.
- generated code reads a field `p.a` of a pytree as `field(p, "a")`; its adjoint
  (`field_adjoint`) is a list in field order with the adjoint at the field's place and
  zero elsewhere (a pytree's adjoint is a list, like a tuple's); its tangent
  (`field_tangent`) is read from the pytree's tangent, a list or an instance of the
  same type.  `rebuilt(x, parts)` is a pytree of x's type with fields `parts`, built
  without calling a dataclass's `__init__` (no side effects run).
- a NamedTuple or a plain dataclass built in differentiated code, `P(a, b)`, is
  `build(P, (a, b))` (normalize/fields.py), whose parts' adjoint is the built value's
  (`parts_adjoint`) and whose tangent is a `P` of the parts' tangents
  (`built_tangent`); `plain_constructor(cls)` says which classes qualify.
- `value_and_aux(result)` checks a has_aux result is a pair; `aux(value)` is the
  identity through which no derivative flows.
"""

import copy
import dataclasses
import inspect

import numpy

from .errors import HasAuxError, TangentlikeError


# The kinds of arrays: "vector" and "matrix" are NumPy arrays of one and two dimensions
# and a floating dtype (an integer index into them reads a number or a row), "array"
# any other array, or a number that may be one.
RANKED_KINDS = {1: "vector", 2: "matrix"}
ARRAY_KINDS = frozenset({"array", *RANKED_KINDS.values()})
NUMERIC_KINDS = ARRAY_KINDS | {"scalar"}


_NUMBER_TYPES = frozenset({float, int, numpy.float64})    # (the common ones, at once)


def array_kind(a):
    """The kind of NumPy array `a`: ranked (RANKED_KINDS) for a floating dtype."""
    return RANKED_KINDS.get(a.ndim, "array") if a.dtype.kind == "f" else "array"


def arg_kind(value):
    """'scalar', 'array', 'vector' or 'matrix' (ARRAY_KINDS), 'scalars' (list/tuple of numbers),
    a pytree's kind (trees.py:
    'pytree:...', or 'tree:...' for containers holding pytrees), 'object:...' or
    'other': how a value passed to a function specializes its generated code."""
    if value.__class__ is float:
        return "scalar"
    if isinstance(value, bool):
        return "other"
    if isinstance(value, (int, float)):
        return "scalar"
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return array_kind(value) if value.__class__ is numpy.ndarray else "array"
    if is_pytree(value):
        return kind_word(value, arg_kind)
    if isinstance(value, (list, tuple)) and (set(map(type, value)) <= _NUMBER_TYPES or all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        return "scalars"
    if holds_only_numbers(value):
        return "other"                           # (nested: no pytree inside, found at once)
    if isinstance(value, (list, tuple, dict)):
        tree = contained_word(map(arg_kind, value.values() if isinstance(value, dict)
                                  else value))
        if tree is not None:
            return tree
    cls = type(value)
    if getattr(cls, "__module__", "builtins") not in ("builtins", "numpy") \
            and hasattr(value, "__dict__") and not isinstance(value, type):
        return f"object:{cls.__module__}.{cls.__qualname__}"   # its methods can be resolved
    return "other"


_LEAVES = frozenset({float, int, bool, numpy.float64})
_NEST_DEPTH = 200               # (deeper, or a list holding itself: the careful walks)


def holds_only_numbers(value):
    """Whether `value` is a plain list or tuple whose items, at any depth, are plain
    lists, tuples and numbers (float, int, bool, numpy.float64)."""
    if value.__class__ is not list and value.__class__ is not tuple:
        return False
    pending = [(value, 0)]
    while pending:
        container, depth = pending.pop()
        for item in container:
            cls = item.__class__
            if cls is list or cls is tuple:
                if depth == _NEST_DEPTH:
                    return False
                pending.append((item, depth + 1))
            elif cls not in _LEAVES:
                return False
    return True


def is_pytree(x):
    """True for a NamedTuple or a dataclass instance."""
    if isinstance(x, tuple):
        return type(x) is not tuple and isinstance(getattr(type(x), "_fields", None), tuple)
    return dataclasses.is_dataclass(x) and not isinstance(x, type)


def field_names(x):
    if isinstance(x, tuple):
        return type(x)._fields
    return tuple(f.name for f in dataclasses.fields(x))


def kind_word(x, kind_of):
    """`x`'s kind: its class and the kind (`kind_of`) of each of its fields."""
    cls = type(x)
    inside = ",".join(f"{name}={kind_of(getattr(x, name))}" for name in field_names(x))
    return f"pytree:{cls.__module__}.{cls.__qualname__}({inside})"


def contained_word(words):
    """The kind of a container whose items (at any depth) have kinds `words`, or None
    when no pytree is among them."""
    trees = sorted({w for w in words if isinstance(w, str) and w.startswith(("pytree:", "tree:"))})
    if not trees:
        return None
    return "tree:" + "|".join(trees)


def fields_in(word):
    """The field names a kind word mentions, at any depth (empty for other kinds)."""
    out, depth, name, reading = set(), 0, [], False
    if not isinstance(word, str) or not word.startswith(("pytree:", "tree:")):
        return frozenset()
    for ch in word:
        if ch == "(":
            depth += 1
            reading, name = True, []
        elif ch == ")":
            depth -= 1
        elif ch == "=" and reading:
            out.add("".join(name))
            reading = False
        elif ch == "," and depth > 0:
            reading, name = True, []
        elif reading:
            name.append(ch)
    return frozenset(out)


def class_of(word):
    """'mod.Class' of a pytree kind word, else None."""
    if not (isinstance(word, str) and word.startswith("pytree:")):
        return None
    return word[len("pytree:"):word.index("(")]


def field(x, name):
    """`x.name`: a field of a pytree (or an attribute of another value)."""
    return getattr(x, name)


def field_adjoint(g, x, name):
    """The adjoint of `x` for `field(x, name)`: for a pytree, a list in field order with
    `g` at the field and zero elsewhere.  Another object's attributes are constants to
    tangentlike: a derivative that reaches one is an error, never a silent zero."""
    if not is_pytree(x):
        if isinstance(g, (int, float)) and g == 0.0:
            return 0.0
        raise _constant_attribute(x, name)
    names = field_names(x)
    out = [0.0] * len(names)
    out[names.index(name)] = g
    return out


def field_tangent(t, x, name):
    """The tangent of `field(x, name)`, read from x's tangent `t`: a list in field
    order, an instance of x's type, or zero."""
    if isinstance(t, (int, float)) and t == 0.0:
        return 0.0
    if not is_pytree(x):
        raise _constant_attribute(x, name)
    if isinstance(t, (list, tuple)) and not is_pytree(t):     # (a plain tuple too)
        return t[field_names(x).index(name)]
    if isinstance(t, dict):
        return t.get(name, 0.0)
    return getattr(t, name)


def _constant_attribute(x, name):
    return TangentlikeError(
        f"a derivative flows through attribute {name!r} of a {type(x).__name__} object, "
        f"which tangentlike reads as a constant; make {type(x).__name__} a dataclass or a "
        f"NamedTuple (its fields are then differentiated), or pass the value as an argument")


def rebuilt(x, parts):
    """A pytree of `x`'s type whose fields are `parts` (in field order).  A dataclass
    is copied and its fields set (frozen ones too), so its `__init__` does not run."""
    if isinstance(x, tuple):
        return type(x)._make(parts)
    out = copy.copy(x)
    for name, part in zip(field_names(x), parts):
        object.__setattr__(out, name, part)
    return out


def plain_constructor(cls):
    """The field names of a NamedTuple class, or of a dataclass whose generated
    `__init__` takes exactly its fields (no __post_init__, no InitVar); else None."""
    if not isinstance(cls, type):
        return None
    if issubclass(cls, tuple) and isinstance(getattr(cls, "_fields", None), tuple):
        try:                # (a __new__ of its own may take other arguments)
            taken = tuple(inspect.signature(cls).parameters)
        except (TypeError, ValueError):
            return None
        return cls._fields if taken == cls._fields else None
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__") \
            or not cls.__dataclass_params__.init:
        return None
    names = tuple(f.name for f in dataclasses.fields(cls))
    init = cls.__init__
    if not all(f.init for f in dataclasses.fields(cls)) or \
            init.__code__.co_varnames[1:init.__code__.co_argcount +
                                       init.__code__.co_kwonlyargcount] != names:
        return None
    return names


def build(cls, parts):
    """`cls(*parts)`: a NamedTuple or dataclass built in differentiated code."""
    return cls(*parts)


def parts_adjoint(g, built):
    """The adjoint of the parts of `build(cls, parts)`, a list in field order, from the
    adjoint `g` of the pytree `built` (a list, an instance of its type, or zero)."""
    if isinstance(g, (int, float)) and g == 0.0:
        return 0.0
    if is_pytree(g):
        return [getattr(g, name) for name in field_names(g)]
    if isinstance(g, dict):
        return [g.get(name, 0.0) for name in field_names(built)]
    return list(g)


def built_tangent(t, built):
    """The tangent of `build(cls, parts)`: an instance of the type built, its fields
    the parts' tangents `t` (zero for a zero), made without running `__init__`."""
    if isinstance(t, (int, float)) and t == 0.0:
        return 0.0
    return rebuilt(built, list(t))


def value_and_aux(result):
    """`result`, the pair `(value, aux)` a function differentiated with has_aux=True
    returns (a HasAuxError when it is not a pair)."""
    if isinstance(result, (tuple, list)) and len(result) == 2:
        return result
    raise HasAuxError(
        f"has_aux=True: the function must return a pair (value, aux), got "
        f"{type(result).__name__}" + (f" of {len(result)} item(s)"
                                      if isinstance(result, (tuple, list)) else ""))


def aux(value):
    """`value` itself: the auxiliary part of a has_aux function's result, through which
    no derivative flows."""
    return value
