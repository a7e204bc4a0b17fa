"""Where NumPy's rules are: one module per family, registered by rules/__init__.py.

- elementwise_rules.py: the ufuncs with a plain derivative (sin, exp, power, ...),
  each declared once by its derivative, with math's counterparts;
- numpy_ufuncs.py: the other elementwise functions (linear ones, maximum/minimum,
  clip, where, ...) and the non-differentiable rounding and comparisons;
- numpy_reductions.py: sum, mean, max, var, cumsum, norms, ...;
- numpy_shape.py: reshape, transpose, concatenate, pad, ... and the constructors;
- numpy_indexing.py: take, sort, np.r_/np.c_ and the index-valued functions;
- numpy_linalg.py: products (dot, matmul, einsum, ...) and linear algebra;
- numpy_helpers.py: tangents of the helpers the rules above call (numpy_runtime.py).

Each family's docstring states its conventions at non-differentiable points
(collected in docs/conventions.md).  The templates derived for an elementwise
function are available here under the names the hand-written templates had:
`numpy_rules.sin` is the adjoint template of np.sin and `numpy_rules.sin_t` its
tangent template (registering them again restores the built-in rule).
"""

import numpy as np

from .registry import derived_templates


def __getattr__(name):
    """`sin` / `sin_t`: the adjoint / tangent template derived for `np.sin`."""
    base, mode = (name[:-2], 1) if name.endswith("_t") else (name, 0)
    fn = getattr(np, base, None) if not base.startswith("_") else None
    derived = derived_templates(fn) if fn is not None else None
    if derived is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return derived[mode]
