"""Where NumPy's rules are: one module per family, registered by rules/__init__.py.

- elementwise_rules.py: the ufuncs with a plain derivative (sin, exp, power, ...),
  each declared once by its derivative, with math's counterparts;
- numpy_ufuncs.py: the other elementwise functions (linear ones, maximum/minimum,
  clip, where, ...) and the non-differentiable rounding and comparisons;
- numpy_reductions.py: sum, mean, max, var, cumsum, norms, ...;
- numpy_shape.py: reshape, transpose, concatenate, pad, ... and the constructors;
- numpy_indexing.py: take, sort, np.r_/np.c_ and the index-valued functions;
- numpy_linalg.py: products (dot, matmul, einsum, ...) and linear algebra;
- numpy_helpers.py: tangents of the helpers the rules above call (numpy_runtime/).

Each family's docstring states its conventions at non-differentiable points
(collected in docs/conventions.md).
"""
