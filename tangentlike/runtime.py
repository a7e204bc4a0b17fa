"""Runtime: the few helpers generated code calls.  Not user API.

Receives values from generated code.  Imports nothing of tangentlike's but errors and
trees (the pytree and has_aux helpers, and `arg_kind`, re-exported here):
generated code asks for the derivatives of the functions it calls (`split`,
`jvp_function`, ...) through the service the package installs at import (`serve`),
never by importing the layers above.  Guarantees small functions with no AST
imports, using only operations NumPy dispatches on the argument's type (array
methods, `numpy.zeros_like`, `sum(axis=...)`), never `np.asarray` on user values,
so the same derivative code runs on NumPy, CuPy and Dask arrays.

Adjoints start as the scalar zero `0.0` (the "zero sentinel") whatever the shape
of their primal; helpers that need a container or an array build one on demand.
"""

import inspect
import math
import sys
import weakref

import numpy as np

from .errors import NoDerivativeError, NonFiniteError
from .trees import (arg_kind, aux, build, built_tangent, field, field_adjoint,  # noqa: F401
                    field_names, field_tangent, is_pytree, parts_adjoint, rebuilt,
                    value_and_aux)

# The helpers below that write into their first argument (every other helper writes
# nothing it is given).  Passes that move code (passes/effects.py) read this declaration: a
# helper that starts writing an argument must be named here.
UPDATES_FIRST_ARGUMENT = frozenset({"add_at", "extract", "pop_last", "popped",
                                    "restore_item", "set_tangent_at", "append_tangent"})


# `_is_array` of the classes generated code holds most (others: a shape and a dtype?)
_KNOWN_ARRAY_CLASS = {np.ndarray: True, float: False, int: False, bool: False,
                      complex: False, np.float64: False, list: False, tuple: False,
                      dict: False, type(None): False, str: False}
# The classes of the numbers an adjoint of a number is held in.
NUMBER_CLASSES = frozenset({float, np.float64})


def _is_array(x):
    known = _KNOWN_ARRAY_CLASS.get(x.__class__)
    if known is not None:
        return known
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, (float, int))


def _is_zero(b):
    return b == 0.0 if b.__class__ is float else isinstance(b, (int, float)) and b == 0.0


def unbroadcast(g, x):
    """Sum `g` down to the shape of `x`, or to the shape `x` when it is a tuple
    (undoing NumPy broadcasting)."""
    if g.__class__ in NUMBER_CLASSES:          # a number stands for any shape
        return g
    if g.__class__ is np.ndarray and x.__class__ is np.ndarray:     # the common case
        shape = x.shape
    elif not _is_array(g):
        return g
    elif isinstance(x, tuple):
        shape = x
        if not shape:
            return g.sum() if g.ndim else g
    elif not _is_array(x):
        return g.sum() if g.ndim else g
    else:
        shape = x.shape
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    elif extra < 0:
        g = g.reshape((1,) * -extra + g.shape)
    axes = tuple(i for i, (gs, xs) in enumerate(zip(g.shape, shape)) if xs == 1 and gs != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if g.shape != shape:
        # narrower than `x`: only a product with the zero sentinel makes one (`0.0 * y`
        # has y's shape, not the product's), so it is zeros, given x's shape here
        g = g + np.zeros_like(g, shape=shape)
    return g


def zeros_like(x):
    """A zero with the structure of `x` (containers are rebuilt, arrays zeroed; a
    pytree's zero is a list in field order, like a tuple's)."""
    if is_pytree(x):
        return [zeros_like(getattr(x, name)) for name in field_names(x)]
    if isinstance(x, list):
        return [zeros_like(v) for v in x]
    if isinstance(x, tuple):
        return [zeros_like(v) for v in x]          # tuple adjoints are built as lists
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if _is_array(x):
        return np.zeros_like(x)
    return 0.0


def add(a, b):
    """Accumulate two adjoints of any structure: `a` itself (when `b` is zero) or a new
    value, never `b` itself (so an accumulator never shares memory with a contribution,
    which may be a read-only broadcast view or another name's array)."""
    if _is_zero(a):
        return copy(b)
    if _is_zero(b):
        return a
    if isinstance(a, list) and isinstance(b, (list, tuple)):
        return [add(x, y) for x, y in zip(a, b)]
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = add(out[k], v) if k in out else v
        return out
    return a + b


def writable(b):
    """`b`, or a copy of it when it is a read-only array (a broadcast view)."""
    if b.__class__ is float:
        return b
    flags = getattr(b, "flags", None)
    if flags is not None and getattr(flags, "writeable", True) is False:
        return b.copy()
    return b


def add_at(b, x, index, g):
    """`b` (adjoint of container `x`) with `g` accumulated at `x[index]`.  A list
    adjoint is made one level deep: a part that is itself a container starts as the
    zero sentinel."""
    if g.__class__ in NUMBER_CLASSES:          # a number's adjoint, in a loop mostly
        if b.__class__ is float and b == 0.0 and index.__class__ is int:
            b = _zero_parts(x)                  # (the zero sentinel, made a container)
        if b.__class__ is list and index.__class__ is int:
            part = b[index]
            if part.__class__ in NUMBER_CLASSES:
                b[index] = part + g
                return b
        elif b.__class__ is np.ndarray and is_element(index, b.ndim) and b.flags.writeable:
            b[index] += g
            return b
    if _is_zero(b):
        b = _zero_parts(x)          # (materialized even for a zero g: callers index it)
    b = writable(b)
    if _is_zero(g):
        return b
    if _is_array(b):
        if isinstance(index, (list, tuple)) or _is_array(index):
            np.add.at(b, index, g)
        else:
            b[index] += g
        return b
    b[index] = add(b[index], g)
    return b


def is_element(index, ndim):
    """Whether `index` (an int, or a tuple of `ndim` ints) selects one array element."""
    if index.__class__ is int:
        return ndim == 1
    return index.__class__ is tuple and len(index) == ndim \
        and all(i.__class__ is int for i in index)


def _zero_parts(x):
    """A zero adjoint of container `x` one level deep (`zeros_like` for an array or a
    number in it, the zero sentinel for a container in it, which `add` and `item`
    take as the zero of any structure)."""
    if x.__class__ is list or x.__class__ is tuple or isinstance(x, (list, tuple)) \
            and not is_pytree(x):                  # (a NamedTuple is a pytree)
        numbers = set(map(type, x)) <= NUMBER_CLASSES
        return [0.0] * len(x) if numbers else [_zero_part(v) for v in x]
    if x.__class__ is dict:
        return {k: _zero_part(v) for k, v in x.items()}
    return zeros_like(x)


def _zero_part(v):
    return 0.0 if isinstance(v, (list, tuple, dict)) or is_pytree(v) else zeros_like(v)


def item(b, index):
    """`b[index]` where `b` may be the zero sentinel."""
    if b.__class__ is list:
        return b[index]
    if _is_zero(b):
        return 0.0
    if isinstance(b, dict):
        return b.get(index, 0.0)
    return b[index]


def extract(b, index):
    """`b[index]`, leaving zero in its place (reversing `x[index] = value`)."""
    if b.__class__ is np.ndarray and is_element(index, b.ndim):
        value = b[index]                    # one element of an array: the loop case
        b[index] = 0
        return value
    if _is_zero(b):
        return 0.0
    value = b[index]
    if value.__class__ in NUMBER_CLASSES and b.__class__ is list:
        b[index] = 0.0                      # a number in a list: the loop case
        return value
    if _is_array(value):
        value = value.copy()
    if isinstance(b, dict):
        b[index] = zeros_like(value)
    else:
        b[index] = zeros_like(value) if not _is_array(b) else 0
    return value


def levels_allowed():
    """How many levels a recursion run as loops (the pass "recursion-loops") may go
    down: a thousand times the interpreter's recursion limit, where the recursion itself
    would have stopped at the limit."""
    return 1000 * sys.getrecursionlimit()


def too_deep():
    """A recursion run as loops went down `levels_allowed()` levels: it does not end."""
    raise RecursionError(
        f"maximum recursion depth exceeded: the recursion, run as loops in the derivative, "
        f"went down {levels_allowed():,} levels (a thousand times sys.getrecursionlimit()) "
        f"without reaching its base case")


def popped(tape, count):
    """The last `count` values of `tape`, removed from it, most recent first."""
    start = len(tape) - count
    tail = tape[start:]
    del tape[start:]
    tail.reverse()
    return tail


def pop_last(b):
    """The adjoint of the last element of a list adjoint, removed (reversing append)."""
    if isinstance(b, list) and b:
        return b.pop()
    return 0.0


def copy(x):
    """A copy of `x` that shares no array, list or dict with it (numbers and other
    objects are kept as they are): what generated code writes into is its own."""
    if isinstance(x, list):
        return [v if v.__class__ in NUMBER_CLASSES else copy(v) for v in x]
    if isinstance(x, tuple):
        return tuple(copy(v) for v in x) if x.__class__ is tuple else x
    if isinstance(x, dict):
        return {k: copy(v) for k, v in x.items()}
    return x.copy() if _is_array(x) else x


def unshared(g, *values):
    """`g`, or a copy of it when it is an array that shares memory with an array among
    `values` (or in their lists, tuples and dicts): what is handed to the caller is its
    own, never one of its arguments or a view of one.  Numbers and other values are
    returned as they are."""
    if not _is_array(g):
        return g
    owner = _owner(g)
    return g.copy() if any(owner is _owner(v) for v in _arrays_in(values)) else g


def _owner(a):
    """The object whose memory the array `a` views (`a` itself when it owns its data)."""
    while getattr(a, "base", None) is not None:
        a = a.base
    return a


def _arrays_in(value):
    if _is_array(value):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _arrays_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _arrays_in(v)


def snapshot(v):
    """A copy of an array element/slice about to be overwritten (scalars as they are)."""
    return v.copy() if _is_array(v) else v


class _Missing:
    """Marks a dict key that did not exist before an item assignment."""

    def __repr__(self):
        return "<missing>"


MISSING = _Missing()


def item_before(container, index):
    """The value at `container[index]` about to be overwritten, or MISSING for a new key."""
    if isinstance(container, dict) and index not in container:
        return MISSING
    return snapshot(container[index])


def restore_item(container, index, value):
    """Undo `container[index] = ...` with what `item_before` returned."""
    if value is MISSING:
        del container[index]
    else:
        container[index] = value


def fill_like(g, xs):
    """The adjoint of `sum(xs)`: `g` for every element of `xs`."""
    if _is_array(xs):
        return np.zeros_like(xs) + g
    return [g] * len(xs)


def select_first(g, xs, chosen):
    """The adjoint of `max(xs)`/`min(xs)`: `g` at the first element equal to `chosen`."""
    b = zeros_like(list(xs) if not _is_array(xs) else xs)
    for k, v in enumerate(xs):
        if v == chosen:
            b[k] = g
            break
    return b


def select_tangent(d, xs, chosen):
    """The tangent of `max(xs)`/`min(xs)`: that of the first element equal to `chosen`."""
    for k, v in enumerate(xs):
        if v == chosen:
            return item(d, k)
    return 0.0


def sign(x):
    """-1, 0 or 1 (0 at 0: the convention for |x| at 0)."""
    if _is_array(x) or isinstance(x, np.generic):
        return np.sign(x)
    return (x > 0) - (x < 0)


def unreduce(g, a, axis=None, keepdims=False):
    """Broadcast the adjoint of a reduction of `a` back to `a`'s shape."""
    if not _is_array(a):
        return g
    if axis is not None and not keepdims and _is_array(g):
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        for ax in sorted(ax % a.ndim for ax in axes):
            g = np.expand_dims(g, ax)
    return np.zeros_like(a) + g


def select_extremes(g, a, ans, axis=None, keepdims=False):
    """The adjoint of `max`/`min` of `a`: `g` shared equally among the tied extremes."""
    if not _is_array(a):
        return g
    chosen = a == unreduce(ans, a, axis, keepdims)
    share = unreduce(g, a, axis, keepdims) / chosen.sum(axis=axis, keepdims=True)
    return share * chosen


def matmul_adjoint_a(g, a, b):
    """The adjoint of `a` in `a @ b` (1-D and stacked operands included)."""
    if not _is_array(b) or b.ndim == 0:
        return g * b
    if b.ndim == 1:
        if not _is_array(a) or a.ndim == 1:
            return g * b
        return np.expand_dims(g, -1) * b
    if not _is_array(a) or a.ndim == 1:
        return unbroadcast((b @ np.expand_dims(g, -1))[..., 0], a)
    return unbroadcast(g @ np.swapaxes(b, -1, -2), a)


def matmul_adjoint_b(g, a, b):
    """The adjoint of `b` in `a @ b`."""
    if not _is_array(a) or a.ndim == 0:
        return g * a
    if a.ndim == 1:
        if not _is_array(b) or b.ndim == 1:
            return g * a
        return np.expand_dims(a, -1) * np.expand_dims(g, -2)
    if not _is_array(b) or b.ndim == 1:
        return unbroadcast((np.swapaxes(a, -1, -2) @ np.expand_dims(g, -1))[..., 0], b)
    return unbroadcast(np.swapaxes(a, -1, -2) @ g, b)


def broadcast_like(t, x):
    """The tangent `t` spread to the shape of its primal `x` (after broadcasting)."""
    if _is_array(x) and (not _is_array(t) or t.shape != x.shape):
        return np.zeros_like(x) + t
    return t


def set_tangent_at(d, x, index, t):
    """`d` (tangent of container `x`) with `d[index] = t` (after `x[index] = v`)."""
    if _is_zero(d):
        d = zeros_like(x)
    if _is_array(d):
        d[index] = t
    elif isinstance(d, dict) or index != len(d):
        d[index] = t
    return d


def append_tangent(d, x, t):
    """The tangent of list `x` after `x.append(v)`, `t` being the tangent of v."""
    if _is_zero(d):
        d = zeros_like(x[:-1])
    d.append(t)
    return d


class _Service:
    """What generated code asks of the layers above it, installed once by the package
    (tangentlike/__init__.py): `split_pair` and `jvp_pair` make a callee's derivative
    (loader.py), `checkpointed_pair` checkpointed sweeps (revolve.py),
    `grad_call_adjoint` and `grad_call_tangent` the derivatives of a call of a derivative
    (higher.py)."""

    split_pair = jvp_pair = checkpointed_pair = grad_call_adjoint = grad_call_tangent = None


SERVICE = _Service()


def serve(**parts):
    """Install the functions the derivatives of callees come from (see _Service)."""
    for name, function in parts.items():
        if not hasattr(_Service, name):
            raise TypeError(f"the runtime needs no {name!r}")
        setattr(SERVICE, name, function)


def jvp_function(function, wrt, kinds, optimize=True):
    """The forward-mode derivative of `function` (generated on first use; with every
    optional rewrite off for optimize=False, as in the code that calls it)."""
    return SERVICE.jvp_pair(function, wrt, kinds, optimize)


def check_finite(values, origin):
    """Raise NonFiniteError if an adjoint holds a NaN or an infinity (check_nans=True)."""
    for v in values:
        if isinstance(v, (list, tuple)):
            check_finite(v, origin)
        elif isinstance(v, dict):
            check_finite(list(v.values()), origin)
        elif _is_array(v):
            if not np.isfinite(v).all():
                _non_finite(origin)
        elif isinstance(v, (int, float, complex)) and not math.isfinite(abs(v)):
            _non_finite(origin)


def _non_finite(origin):
    raise NonFiniteError(f"a NaN or an infinity appeared in the backward sweep, in the "
                         f"derivative of: {origin}")


_SIGNATURES = weakref.WeakKeyDictionary()     # a method's function -> its signature


def _method_function(method, kinds, positions):
    """(function, signature, names at `positions`, `kinds` and the defaults' kinds) of a
    bound method called with differentiated arguments (its class known only at run
    time; this runs on every call); NoDerivativeError for one without a Python function."""
    function = getattr(method, "__func__", None)
    if not inspect.isfunction(function):
        raise NoDerivativeError(
            getattr(method, "__qualname__", None) or repr(method),
            reason="a method without Python source, of a value whose class is known only "
                   "at run time", hint="call a function with a derivative rule instead, or "
                                      "register one with tl.register_adjoint")
    signature = _SIGNATURES.get(function)
    if signature is None:
        signature = _SIGNATURES[function] = inspect.signature(function)
    params = list(signature.parameters.values())
    kinds = tuple(kinds) + tuple(arg_kind(p.default) for p in params[len(kinds):])
    return function, signature, tuple(params[k].name for k in positions), kinds


def split_method(method, positions, kinds, optimize=True):
    """The forward and backward sweeps of a bound method's function (self first),
    differentiated at argument `positions` (see `jvp_function` for `optimize`)."""
    function, _, wrt, kinds = _method_function(method, kinds, positions)
    return SERVICE.split_pair(function, wrt, kinds, optimize)


def grad_call_adjoint(derivative, args, g):
    """The adjoints of the arguments of a call to a derivative made by tangentlike, for
    the adjoint `g` of its result (higher.call_adjoint)."""
    return SERVICE.grad_call_adjoint(derivative, args, g)


def grad_call_tangent(derivative, args, tangents):
    """The tangent of a call to a derivative made by tangentlike (higher.call_tangent)."""
    return SERVICE.grad_call_tangent(derivative, args, tangents)


def jvp_method(method, positions, kinds, optimize=True):
    """The forward-mode derivative of a bound method's function, called as `jvp_m(self,
    *args, *tangents of the args at positions)` (`optimize`: see `jvp_function`): the
    generated function itself where the call passes every parameter (one frame per
    call, as the primal), else a function that fills in the defaults first."""
    given = len(kinds)
    function, signature, wrt, kinds = _method_function(method, kinds, positions)
    jvp_fn = SERVICE.jvp_pair(function, wrt, kinds, optimize)
    if given == len(kinds) and all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                                   for p in signature.parameters.values()):
        return jvp_fn

    def call(*args_and_tangents):
        bound = signature.bind(*args_and_tangents[:given])  # jvp_fn takes every parameter,
        bound.apply_defaults()                               # then the tangents
        return jvp_fn(*bound.arguments.values(), *args_and_tangents[given:])
    return call


def split(function, wrt, kinds, optimize=True):
    """The forward and backward sweeps of `function` (generated on first use; see
    `jvp_function` for `optimize`)."""
    return SERVICE.split_pair(function, wrt, kinds, optimize)


def checkpointed_split(function, wrt, kinds, carried=None, optimize=True):
    """The sweeps of a `tl.checkpoint` function, or of a `tl.checkpointed` loop whose body
    is `function` and whose state is `carried` values long (revolve.py)."""
    return SERVICE.checkpointed_pair(function, wrt, kinds, carried, optimize)


LN2 = math.log(2.0)
LN10 = math.log(10.0)


# -- adjoints of the helpers above (generated code differentiated in reverse mode) ------

def item_adjoint(g, b, index):
    """The adjoint of `b` for `item(b, index)`: `g` at `index`, zero elsewhere."""
    if _is_zero(b) and not isinstance(b, (list, dict)):
        return 0.0
    return add_at(0.0, b, index, g)


def reduce_like(g, a, axis=None, keepdims=False):
    """The adjoint of `unreduce(g0, a, axis, keepdims)` with respect to g0: `g` summed
    over the axes the reduction removed."""
    if not _is_array(g):
        return g
    return g.sum(axis=axis, keepdims=keepdims) if axis is not None else g.sum()


def last_index(b):
    """len(b) - 1 for a list adjoint, -1 for the zero sentinel (nothing to read back)."""
    return len(b) - 1 if isinstance(b, list) else -1


def zeroed_at(b, index):
    """A copy of the adjoint `b` with zero at `index` (`extract` without the update in
    place, for code that is differentiated again)."""
    if _is_zero(b) and not isinstance(b, (list, dict)) \
            or isinstance(b, dict) and index not in b:
        return b
    b = copy(b)
    b[index] = zeros_like(b[index]) if not _is_array(b) else 0
    return b


def restored(container, index, value):
    """A copy of `container` with `restore_item(container, index, value)` applied (for
    code that is differentiated again)."""
    container = copy(container)
    restore_item(container, index, value)
    return container


def fill_like_adjoint(g, g0):
    """The adjoint of `g0` for `fill_like(g0, xs)`: the sum of `g`'s entries."""
    if isinstance(g, list):
        total = 0.0
        for v in g:
            total = add(total, v)
        return unbroadcast(total, g0)
    return unbroadcast(g, g0)


# the helpers that ask the service for a derivative: generated code that calls them is
# differentiated again only through their rules, never from their source
MAKES_DERIVATIVES = frozenset({jvp_function, split, split_method, jvp_method,
                               grad_call_adjoint, grad_call_tangent})
