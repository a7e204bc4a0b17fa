"""Gradients in the types and shapes of their arguments (DESIGN.md §1's convention).

Receives what generated code returned for each differentiated argument, and the
argument.  Guarantees `grad_like(b, x)`: a float for a float, an array of x's shape,
dtype and array type (NumPy for NumPy, Dask for Dask: `of_type`), writable, the same
structure for lists, tuples, dicts and pytrees; `eager_together`: the gradients of one
call that must be computed (a lazy gradient of an eager argument) computed in one graph.
Used by dispatch and products on the way out of generated code; generated code itself
never calls these.
"""

import numpy as np

from .runtime import NUMBER_CLASSES, _is_array, item, writable
from .trees import field_names, is_pytree, rebuilt


def grad_like(b, x):
    """The adjoint `b` in the type and shape of its primal `x`."""
    if b.__class__ is np.ndarray and x.__class__ is np.ndarray and b.dtype == x.dtype \
            and b.shape == x.shape and b.flags.writeable:
        return b                                        # the common case, at once
    if x.__class__ is float:
        return b if b.__class__ is float else float(b)
    if x.__class__ is list and b.__class__ is list and len(b) == len(x):
        if set(map(type, x)) <= NUMBER_CLASSES:                    # a list of floats, at once
            return [part if part.__class__ is float else float(part) for part in b]
        return [grad_like(part, v) for part, v in zip(b, x)]
    if is_pytree(x):                     # a NamedTuple or dataclass of the same type
        return rebuilt(x, [grad_like(item(b, k), getattr(x, name))
                           for k, name in enumerate(field_names(x))])
    if isinstance(x, (list, tuple)):
        parts = [grad_like(item(b, k), v) for k, v in enumerate(x)]
        return parts if isinstance(x, list) else tuple(parts)
    if isinstance(x, dict):
        return {k: grad_like(item(b, k), v) for k, v in x.items()}
    if _is_array(x):
        if not _is_array(b) or b.shape != x.shape:
            out = np.zeros_like(x)
            out[...] = b
            return out
        b = of_type(b, x)
        b = writable(b)                  # the caller may update its gradient in place
        if b.dtype != x.dtype and np.issubdtype(x.dtype, np.floating):
            b = b.astype(x.dtype)
        return b
    if isinstance(x, float):
        return float(b)
    if isinstance(x, complex):
        return complex(b)
    return b


_EAGER = frozenset({float, int, np.ndarray, np.float64, list, tuple, dict})   # (the common)


def eager_together(grads, args):
    """`grads` (one per argument of `args`), computed in one graph where some must be:
    a lazy gradient (a Dask collection) of an eager argument (a number, a NumPy array)
    is computed (its type is its argument's, grad_like), and with it every other lazy
    gradient is persisted (computed in the cluster's memory; still a Dask array).  One
    `float(b)` or `np.asarray(b)` per gradient, then the caller's `compute()` of the
    lazy ones, would send one graph each, sharing the keys of their common intermediates
    with other dependencies (Dask fuses each graph its own way): the work done twice,
    and the "Detected different `run_spec`" warning of a cluster's scheduler, which may
    still hold those keys from the graph before."""
    lazy = [k for k, b in enumerate(grads)
            if b.__class__ not in _EAGER and hasattr(b, "__dask_graph__")]
    if len(lazy) < 2 or all(hasattr(args[k], "__dask_graph__") for k in lazy):
        return grads
    import dask                 # (installed: the gradients are its collections)
    grads = list(grads)
    for k, value in zip(lazy, dask.persist(*[grads[k] for k in lazy])):
        grads[k] = value        # (an eager argument's is gathered from it by grad_like)
    return grads


def of_type(b, x):
    """The array `b` as an array of the type of `x`, its shape: what a NumPy argument
    mixed with another array type (Dask) gets.  For a NumPy `x`, a `b` of another type
    is converted (a lazy Dask array is computed here: its argument is NumPy's, eager);
    for another type, a NumPy `b` (or one of a third type) is added to `x`'s zeros, which
    NumPy dispatches to `x`'s type (a Dask array with `x`'s chunks)."""
    if isinstance(b, x.__class__):
        return b
    if isinstance(x, (np.ndarray, np.generic)):
        return b if isinstance(b, (np.ndarray, np.generic)) else np.asarray(b)
    return np.zeros_like(x) + b
