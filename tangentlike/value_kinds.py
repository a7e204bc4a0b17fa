"""Stage 4, analyze: the kind of every name and expression of a normalized function.

Receives a normalized function (see normalize/), the kinds of its arguments and of
the globals it reads (runtime.arg_kind's words) and a resolver of callees to rules.
Guarantees:
- `kinds(fn, arg_kinds, resolve, call_kind, integers)` -> name -> a kind, in the one
  vocabulary argument kinds use: "scalar" (a Python number), "vector" and "matrix"
  (a NumPy array of one or two dimensions: trees.RANKED_KINDS), "array" (any other
  array, or a number that may be one: `+` accumulates), "scalars" (a list, tuple or
  dict of Python numbers) or "other" (other containers, objects, ...); `call_kind(call,
  kinds)` may tell the kind of what a call into a user function returns.
- `integer_names(fn, arg_kinds, resolve, integer_call)` -> the names that surely hold
  ints (or floats, which NumPy refuses as an index; never a bool): an index made of
  them into a vector or a matrix reads a number or a row.
- `expression_kind(e, ...)` -> the kind of one expression, by the same rules.

Flow-insensitive over names (a name's kind joins those of all its bindings); nothing
mutates.  A ranked kind is exact where it is claimed: it is given to an argument
only for a NumPy array of that many dimensions (the cache keys on it), and kept only
through what keeps the number of dimensions for NumPy arrays (elementwise arithmetic
and ufuncs of ranked values and numbers, `@` and `np.dot`, integer and slice
indexing, `np.zeros(n)`, `np.zeros((n, m))`, `np.zeros_like`, `np.outer`, `np.diag`,
`.T`, `.copy()`) or makes a number of them (`np.sum(v)`, `v.sum()` and the other
reductions of a whole array); anything else is "array".
"""

import gast
import numpy

from . import nodes as n
from . import numpy_runtime
from .analyze import DIFF_ATTRIBUTES, loops, simple_statements, target_and_value
from .runtime import arg_kind

_SCALAR, _ARRAY, _SCALARS, _OTHER = "scalar", "array", "scalars", "other"   # arg_kind's
_RANKED = ("scalar", "vector", "matrix")          # (by number of dimensions)
_NUMERIC = frozenset(_RANKED) | {_ARRAY}


def _rank(kind):
    return _RANKED.index(kind) if kind in _RANKED else None


def _of_rank(rank):
    return _RANKED[rank] if rank is not None and 0 <= rank < len(_RANKED) else _ARRAY


def _join(a, b):
    """The kind of a name that holds a value of kind `a` in one place, `b` in another."""
    if a == b:
        return a
    if {a, b} <= _NUMERIC:
        return _ARRAY
    return _OTHER


def _broadcast(kinds):
    """The kind of an elementwise operation's result on operands of `kinds`: ranked
    operands broadcast to the most dimensions among them; else as `_join`."""
    ranks = [_rank(k) for k in kinds]
    if None not in ranks:
        return _of_rank(max(ranks))
    joined = kinds[0]
    for k in kinds[1:]:
        joined = _join(joined, k)
    return joined


def _matmul(a, b):
    """The kind of `a @ b`: ranked operands of one or two dimensions give the rank
    NumPy's matmul gives (a vector with a vector: a number); else an array."""
    ra, rb = _rank(a), _rank(b)
    if ra in (1, 2) and rb in (1, 2):
        return _of_rank(ra + rb - 2)
    return _ARRAY if {a, b} <= _NUMERIC else _OTHER


def kinds(fn, arg_kinds, resolve, call_kind=None, integers=frozenset()):
    """Flow-insensitive kind of every name (see the module docstring); `integers`: the
    names `integer_names` gives."""
    kind = {p: as_kind(k) for p, k in arg_kinds.items()}
    assignments = []
    for s in simple_statements(fn.body):
        target, value = target_and_value(s)
        if target is None or isinstance(value, gast.Constant) and value.value is None:
            continue                # `_t1 = None`: a placeholder, never computed with
        whole = isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
        assignments.append((target, value if whole else _ElementWrite(value)))
    for_targets = [s.target.id for s in loops(fn.body) if isinstance(s, gast.For)]
    for name_ in for_targets:
        kind.setdefault(name_, _SCALAR)
    changed = True
    while changed:
        changed = False
        for target, value in assignments:
            if isinstance(value, _ElementWrite):
                element = expression_kind(value.value, kind, resolve, call_kind, integers)
                if kind.get(target) in _NUMERIC - {_SCALAR} and element in _NUMERIC:
                    new = kind[target]           # writing into an array keeps its shape
                else:
                    new = _SCALARS if element == _SCALAR else _OTHER
            else:
                new = expression_kind(value, kind, resolve, call_kind, integers)
            old = kind.get(target)
            joined = new if old is None else _join(old, new)
            if joined != old:
                kind[target] = joined
                changed = True
    return kind


class _ElementWrite:
    """`x[i] = value` or `x.append(value)`: x stays a sequence of numbers if value is one."""

    def __init__(self, value):
        self.value = value


# -- integers ----------------------------------------------------------------------

_INTEGER_OPERATORS = (gast.Add, gast.Sub, gast.Mult, gast.FloorDiv, gast.Mod)


def integer_names(fn, arg_kinds, resolve, integer_call=None):
    """The names that, as an index, select one position (an int) or are refused (a
    float): never a bool, whose index adds an axis.  Every binding of one is a `for`
    over `range(...)`, a parameter of kind "scalar" (a bool argument's kind is
    "other"), or an assignment of an integer expression (an int
    literal, `len(...)`, `int(...)`, a call `integer_call` says returns one,
    `p.shape[k]` of a ranked parameter `p` never rebound, or `s[k]` of a name `s` only
    ever bound to such a `p.shape`, and `+ - * // %` of integers)."""
    bindings, stores = {}, {}
    for x in _own_scope(fn.body):
        if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store):
            stores[x.id] = stores.get(x.id, 0) + 1
        elif isinstance(x, (gast.FunctionDef, gast.ClassDef)):
            stores[x.name] = stores.get(x.name, 0) + 1          # bound, not to a number
        elif isinstance(x, gast.alias):
            bound = x.asname or x.name.partition(".")[0]
            stores[bound] = stores.get(bound, 0) + 1
        if isinstance(x, gast.Assign) and len(x.targets) == 1 and n.is_name(x.targets[0]):
            bindings.setdefault(x.targets[0].id, []).append(x.value)
        elif isinstance(x, gast.For) and n.is_name(x.target):
            iterates_range = isinstance(x.iter, gast.Call) \
                and getattr(resolve(x.iter.func), "callable", None) is range
            bindings.setdefault(x.target.id, []).append(
                gast.Constant(value=0 if iterates_range else None, kind=None))
    params = {a.id for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    shaped = {("shape", p) for p in params if _rank(arg_kinds.get(p)) in (1, 2)
              and p not in stores}
    shaped |= {("shape", x) for x, values in bindings.items()       # s = p.shape
               if len(values) == stores.get(x, 0) and all(
                   ("shape", _shape_of(v)) in shaped for v in values)}
    names = {x for x, values in bindings.items() if len(values) == stores.get(x, 0)}
    names |= {p for p in params if len(bindings.get(p, [])) == stores.get(p, 0)}
    names -= {p for p in params if arg_kinds.get(p) != _SCALAR}
    changed = True
    while changed:
        changed = False
        for x in sorted(names):
            if not all(_is_integer(v, names | shaped, resolve, integer_call)
                       for v in bindings.get(x, [])):
                names.discard(x)
                changed = True
    return frozenset(names | shaped)


def returns_integers(fn, integers, resolve, integer_call=None):
    """Whether every `return` of `fn` returns an int (by `integers`, as above)."""
    returns = [s.value for s in _own_scope(fn.body) if isinstance(s, gast.Return)]
    return bool(returns) and all(r is not None and _is_integer(r, integers, resolve,
                                                                  integer_call)
                                 for r in returns)


def _own_scope(stmts):
    """The nodes of `stmts` in the function's own scope: a nested function's, class's,
    lambda's or comprehension's own nodes are left out (their name, or the names
    their targets bind, are given, as stores that bind no integer)."""
    stack = list(stmts)
    while stack:
        x = stack.pop()
        yield x
        if isinstance(x, (gast.FunctionDef, gast.ClassDef, gast.Lambda)):
            continue
        if isinstance(x, gast.comprehension):
            yield from (y for y in n.walk(x.target) if isinstance(y, gast.Name))
            stack.append(x.iter)
            stack.extend(x.ifs)
            continue
        stack.extend(gast.iter_child_nodes(x))


def _is_integer(e, integers, resolve, integer_call=None):
    """Whether `e` surely is an int; `integers`: the names that are, and ("shape", p)
    for the ranked parameters `p`, never rebound, whose `.shape[k]` is;
    `integer_call(call)`: whether a call into a user function returns one."""
    if isinstance(e, gast.Constant):
        return type(e.value) is int
    if isinstance(e, gast.Name):
        return e.id in integers
    if isinstance(e, gast.BinOp):
        return isinstance(e.op, _INTEGER_OPERATORS) \
            and _is_integer(e.left, integers, resolve, integer_call) \
            and _is_integer(e.right, integers, resolve, integer_call)
    if isinstance(e, gast.UnaryOp):
        return isinstance(e.op, (gast.USub, gast.UAdd)) \
            and _is_integer(e.operand, integers, resolve, integer_call)
    if isinstance(e, gast.Call):
        return getattr(resolve(e.func), "callable", None) in (len, int) \
            or integer_call is not None and bool(integer_call(e))
    return ("shape", _shape_entry(e)) in integers


def _shape_entry(e):
    """`p` for `p.shape[k]` and `s[k]` with an int literal k, else None."""
    if isinstance(e, gast.Subscript) and isinstance(e.slice, gast.Constant) \
            and type(e.slice.value) is int:
        return e.value.id if isinstance(e.value, gast.Name) else _shape_of(e.value)
    return None


def _shape_of(e):
    """`p` for `p.shape`, else None."""
    if isinstance(e, gast.Attribute) and e.attr == "shape" and isinstance(e.value, gast.Name):
        return e.value.id
    return None


# -- expressions -------------------------------------------------------------------

# NumPy functions whose result is ranked when given lengths (`np.zeros(n)`,
# `np.zeros((n, m))`) or a ranked array (`np.zeros_like(v)`), with no keyword (a
# `dtype` could hold objects).
_CREATORS = frozenset({numpy.zeros, numpy.ones, numpy.empty})
_LIKES = frozenset({numpy.zeros_like, numpy.ones_like, numpy.empty_like, numpy.copy})
# ... whose result is a number for one ranked array (no axis: all of it)
_TO_NUMBER = frozenset({numpy.sum, numpy.mean, numpy.max, numpy.min, numpy.prod,
                        numpy.trace, numpy.linalg.norm})


def _call_kind(rule, call, args):
    """The kind of a call of a NumPy function `rule` names with argument kinds `args`
    (see the module docstring); else "array"."""
    function = rule.callable
    if call.keywords:
        return _ARRAY
    if isinstance(function, numpy.ufunc) and function.signature is None \
            and len(args) == function.nin and None not in map(_rank, args):
        return _broadcast(args)         # (of numbers only: a NumPy scalar, a number)
    if function in _CREATORS and len(args) == 1:
        lengths = call.args[0].elts if isinstance(call.args[0], gast.Tuple) else None
        if args[0] == _SCALAR:
            return "vector"
        if args[0] == _SCALARS and lengths is not None and 1 <= len(lengths) <= 2:
            return _of_rank(len(lengths))
    if function in _LIKES and len(args) == 1 and _rank(args[0]):
        return args[0]
    if function in _TO_NUMBER and len(args) == 1 and _rank(args[0]):
        return _SCALAR
    if function is numpy.dot and len(args) == 2:
        return _matmul(*args)
    if function is numpy.outer and len(args) == 2 and {_rank(a) for a in args} == {1}:
        return "matrix"
    if function is numpy.diag and len(args) == 1 and _rank(args[0]):
        return _of_rank(3 - _rank(args[0]))             # a vector's matrix, a matrix's
    return _ARRAY


def _subscript_kind(base, index, integers, resolve):
    """The kind of `x[index]` for `x` of ranked kind `base`: one dimension fewer for
    each integer in the index, as many for each slice; anything else "array"."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    if len(parts) > _rank(base):
        return _ARRAY
    dropped = 0
    for part in parts:
        if _is_integer(part, integers, resolve):
            dropped += 1
        elif not isinstance(part, gast.Slice):
            return _ARRAY
    return _of_rank(_rank(base) - dropped)


def expression_kind(e, kind, resolve, call_kind=None, integers=frozenset()):
    """The kind of expression `e` given the kinds of names (`kind`); `integers`: the
    names integer_names gives."""
    def of(x):
        return expression_kind(x, kind, resolve, call_kind, integers)
    if isinstance(e, gast.Constant):
        return _SCALAR if isinstance(e.value, (int, float, complex)) else _OTHER
    if isinstance(e, gast.Name):
        return kind.get(e.id, _SCALAR)
    if isinstance(e, gast.BinOp):
        left, right = of(e.left), of(e.right)
        if _SCALARS in (left, right):      # list repetition and concatenation
            pair = {left, right}
            if isinstance(e.op, gast.Mult) and pair <= {_SCALARS, _SCALAR} \
                    or isinstance(e.op, gast.Add) and pair == {_SCALARS}:
                return _SCALARS
            return _OTHER
        return _matmul(left, right) if isinstance(e.op, gast.MatMult) \
            else _broadcast([left, right])
    if isinstance(e, gast.UnaryOp):
        return of(e.operand)
    if isinstance(e, (gast.Compare, gast.BoolOp)):
        return _SCALAR
    if isinstance(e, (gast.List, gast.Tuple)):
        return _SCALARS if {of(x) for x in e.elts} <= {_SCALAR} else _OTHER
    if isinstance(e, gast.Dict):
        return _SCALARS if {of(x) for x in e.values} <= {_SCALAR} else _OTHER
    if isinstance(e, gast.Call):
        return _call(e, of, kind, resolve, call_kind)
    if isinstance(e, gast.Subscript):
        base = of(e.value)
        if base == _SCALARS:             # an element, or a slice: numbers again
            return _SCALARS if isinstance(e.slice, gast.Slice) else _SCALAR
        if _rank(base):
            return _subscript_kind(base, e.slice, integers, resolve)
        return _ARRAY if base in _NUMERIC else _OTHER
    if isinstance(e, gast.Attribute) and e.attr in DIFF_ATTRIBUTES:
        return of(e.value)
    if _shape_of(e) is not None and _rank(of(e.value)):
        return _SCALARS                              # a NumPy array's shape: ints
    if isinstance(e, gast.Attribute) and dotted_name(e) in kind:    # module.constant
        return kind[dotted_name(e)]
    return _OTHER


# Methods of a ranked array, without arguments: the kind of their result.
_SAME_KIND_METHODS = frozenset({"copy"})
_NUMBER_METHODS = frozenset({"sum", "mean", "max", "min", "prod", "trace"})


def _call(e, of, kind, resolve, call_kind):
    if isinstance(e.func, gast.Attribute) and not e.args and not e.keywords \
            and e.func.attr in _SAME_KIND_METHODS | _NUMBER_METHODS:
        owner = of(e.func.value)
        if _rank(owner):                       # a NumPy array's own method: `v.copy()`
            return owner if e.func.attr in _SAME_KIND_METHODS else _SCALAR
    rule = resolve(e.func)
    if rule is None:
        inferred = call_kind(e, kind) if call_kind is not None else None
        return inferred or _OTHER
    args = [of(a) for a in e.args]
    if rule.callable in (list, tuple) and args == [_SCALARS]:
        return _SCALARS
    if rule.callable is len:
        return _SCALAR
    if rule.callable is numpy_runtime.iterated and args and args[0] in _NUMERIC:
        return args[0]                          # (an array itself; a number: an error)
    if rule.scalar and all(a == _SCALAR for a in args):
        return _SCALAR
    module = getattr(rule.callable, "__module__", None) or ""
    if module.startswith("numpy") or type(rule.callable).__name__ == "ufunc":
        return _call_kind(rule, e, args)
    return _OTHER


def dotted_name(e):
    """'a.b.c' for the expression a.b.c, None for anything else."""
    if not isinstance(e, gast.Attribute):
        return None
    text = n.dotted_text(e)
    return None if text.startswith("(...)") else text


def callee_kinds(signature, bound, expr_kind):
    """The argument kinds (arg_kind's words) a call passes to a user function."""
    out = []
    for p, param in signature.parameters.items():
        if p in bound:
            out.append(expr_kind(bound[p]))
        else:
            out.append(arg_kind(param.default))
    return tuple(out)


def as_kind(word):
    """An arg_kind word as the kind of an expression."""
    return word if word in _NUMERIC | {_SCALARS} else _OTHER
