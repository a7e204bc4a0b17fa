"""Aliases: the vocabulary (which calls make views, which write) and the fixes' forms.

Receives nothing; holds what the walk (walk.py), the fixes (views.py), the checks
and the rewrites (rewrites.py) share, and what ownership.py reads (`VIEW_CALLS`):

- the words: NumPy functions and methods whose result may be a view of (or an item
  held by) an operand (`VIEW_CALLS`, `is_view_call`), of which some give items
  (`ITEM_METHODS`), always give views (`SHAPE_VIEWS`, `FLIPS`) or only when the
  memory allows (`MAYBE_VIEWS`); methods and NumPy functions that write into an
  object (`MUTATING_METHODS`, `NUMPY_WRITERS`) and the one the transformers follow
  (`FOLLOWED_METHODS`); attributes that are plain values (`VALUE_ATTRIBUTES`); the
  kinds (value_kinds.kinds) of arrays and of containers (`ARRAY_KINDS`, `CONTAINER_KINDS`);
  full reductions, whose NumPy scalars nothing can write into (`full_reduction`);
- questions about one expression, asked without the program around it
  (`may_share_any`, `surely_advanced`, `base_name`, `all_names`);
- the forms the inserted statements are written in: `copy_of(v)` is
  `tangentlike_copy(v)` (`COPY`, which api puts in scope as runtime.copy), and the
  `SYNC` mark on each inserted statement.

Everything here is a frozenset, a string or a function without state.
"""

import gast

from .. import nodes as n
from ..markers import COPY  # noqa: F401  (re-exported)
from ..trees import ARRAY_KINDS  # noqa: F401  (re-exported)


# NumPy functions and array methods whose result may be a view of their argument
VIEW_CALLS = frozenset({
    "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "rollaxis", "squeeze",
    "expand_dims", "broadcast_to", "broadcast_arrays", "atleast_1d", "atleast_2d",
    "atleast_3d", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray",
    "diagonal", "real", "imag", "split", "array_split", "hsplit", "vsplit", "dsplit",
    "flip", "fliplr", "flipud", "rot90", "view", "matrix_transpose", "permute_dims",
    "T", "mT", "flat", "get", "setdefault", "values", "items", "keys", "require",
    "nditer", "ndenumerate", "iter", "reversed", "zip", "enumerate", "list",
    "tuple", "dict", "sorted", "pop", "conj", "conjugate", "diag", "trim_zeros",
    "asarray_chkfinite", "real_if_close", "unstack", "sliding_window_view", "ix_",
    "meshgrid"})
# ... and x.astype(t, copy=False), np.array(x, copy=False) (see `is_view_call`)
# ... of which these give items of the object they are called on, never the object
ITEM_METHODS = frozenset({"get", "setdefault", "values", "items", "keys", "pop"})
# builtins that return one of their arguments
CHOOSING_BUILTINS = frozenset({"min", "max"})
CONTAINER_KINDS = frozenset({"scalars"})
# attributes that are plain values, never views
VALUE_ATTRIBUTES = frozenset({"shape", "ndim", "size", "dtype", "itemsize", "nbytes",
                              "strides", "__name__"})
MUTATING_METHODS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "sort",
    "reverse", "fill", "resize", "itemset", "put", "popitem", "partition", "byteswap"})
# calls that give a view of their array: always (transposes), or when the array's memory
# allows it (reshapes: their re-making is guarded by np.may_share_memory)
SHAPE_VIEWS = frozenset({"transpose", "swapaxes", "reshape", "ravel"})
MAYBE_VIEWS = frozenset({"reshape", "ravel"})
# NumPy functions that always give a view, and undo themselves
FLIPS = frozenset({"flip", "fliplr", "flipud"})
# the in-place methods the transformers follow
FOLLOWED_METHODS = frozenset({"append"})
NUMPY_WRITERS = frozenset({"copyto", "put", "place", "putmask", "fill_diagonal",
                           "put_along_axis"})


SYNC = "_tangentlike_sync"      # marks the statements `fixed` inserts


def copy_of(value):
    """`tangentlike_copy(value)`: the same value in memory of its own (runtime.copy,
    which copies arrays, lists and dicts and leaves numbers as they are)."""
    return gast.Call(func=load(COPY), args=[value], keywords=[])


def load(name):
    """The Name `name`, read."""
    return gast.Name(id=name, ctx=gast.Load(), annotation=None, type_comment=None)


def store(name):
    """The Name `name`, assigned."""
    return gast.Name(id=name, ctx=gast.Store(), annotation=None, type_comment=None)


def surely_advanced(index):
    """An index that surely makes a copy: a list, a comparison (a mask), a NumPy array."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    return any(isinstance(p, (gast.List, gast.ListComp, gast.Compare)) for p in parts)


def base_name(node):
    """The name under the subscripts and attributes of `node` (`x` of `x[i].T`), or None."""
    while isinstance(node, (gast.Subscript, gast.Attribute, gast.Starred)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def all_names(node):
    """Every name `node` reads or writes."""
    return {x.id for x in n.walk(node) if isinstance(x, gast.Name)}


def may_share_any(expr):
    """False when the value of `expr` is surely a new object (arithmetic, a constant)."""
    return not isinstance(expr, (gast.BinOp, gast.UnaryOp, gast.Compare, gast.Constant,
                                 gast.Lambda, gast.ListComp, gast.GeneratorExp,
                                 gast.DictComp, gast.SetComp, gast.JoinedStr))


# reductions whose result, over all axes, is a NumPy scalar (immutable)
_FULL_REDUCTIONS = frozenset({"sum", "mean", "prod", "max", "min", "amax", "amin", "std",
                              "var", "median", "ptp", "nansum", "nanmean", "nanmax",
                              "nanmin", "nanprod", "nanstd", "nanvar", "item"})


def full_reduction(call):
    """`x.sum()` or `np.sum(x)` with no axis, keepdims or out: over all axes."""
    return isinstance(call.func, gast.Attribute) and call.func.attr in _FULL_REDUCTIONS \
        and not call.keywords


def is_view_call(call):
    """May `call` return a view of (or an object held by) an operand?  `x.conj()` of a
    real array is `x` itself; `x.astype(t, copy=False)` and `np.array(x, copy=False)`
    may be."""
    func = call.func
    word = func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", None)
    if word in _COPY_UNLESS_ASKED:            # x.astype(t) copies unless copy=False
        return len(call.args) > _COPY_UNLESS_ASKED[word] or any(
            k.arg == "copy" and not _is_true(k.value) for k in call.keywords)
    return word in VIEW_CALLS


# calls that copy unless a `copy` keyword says otherwise (or more positional arguments
# than this are given, where one may be `copy`)
_COPY_UNLESS_ASKED = {"array": 1, "astype": 4}


def _is_true(expr):
    """The constant True."""
    return isinstance(expr, gast.Constant) and expr.value is True
