"""Helpers that generated code and the NumPy rule templates (rules/numpy.py) call, as
`_ntl.<name>`.  Not user API.

Receives values from generated code: primal arrays, results and adjoints, where
an adjoint may be the zero sentinel `0.0` (and the adjoint of a tuple result a
list whose items may be `0.0`).  Guarantees the same contract as runtime.py:
small functions, no AST imports, only operations NumPy dispatches on the
argument's type (array methods, `zeros_like`, `sum(axis=...)`, `np.add.at`,
`like=` when building a constant array), never `np.asarray`/`np.array` on user
values, and results that keep the inputs' floating dtype (float32 stays
float32).  Integer arguments (axes, shapes, repeats) are plain Python data and
may be converted freely.  No helper writes into its arguments, except those in
UPDATES_FIRST_ARGUMENT, which write into their first; each submodule's docstring
says which arguments may be the sentinel and which results are not fresh arrays.

The conventions at non-differentiable points are documented in
docs/conventions.md: ties share the adjoint equally, |x| has slope 0 at 0,
sorting follows the stable order.

The helpers live in submodules by family; this package only gathers them:

    basics        the zero sentinel, an array's shape and floating dtype
    broadcasting  adjoints back to an operand's shape (spread, sum_like, unreduce)
    blocks        in_blocks: an elementwise gradient over cache-sized blocks
    indexing      x[index], take, take_along_axis, sort (add_at, subtract_at)
    reductions    sums, products, extremes, cumulative sums, averages
    norms         np.linalg.norm, vector_norm, matrix_norm
    layout        reshape, transpose, concatenate, split, tile, repeat, pad, diagonal
    creation      np.array, np.r_ / np.c_, arange, linspace
    containers    dicts (items, values, keys, dict(...)) and sorted(...)
    differences   gradient, diff, select, partition
    products      matmul, dot, inner, tensordot, kron, vecdot, matvec
    einsum        np.einsum in either form
    linalg        solve, cholesky, eigh, eig, pinv, qr, svd, matrix_power, slogdet
    scalars       math's: digamma and polygamma, math.prod and math.dist
    elementwise   slopes too long to inline (x ** y, sinc, imag, nan_to_num)

They import only NumPy, the standard library, tangentlike.runtime and one another
(basics and broadcasting, which the others build on): nothing above the runtime (api,
pipeline, reverse, forward, higher, the rules), whose stages the helpers never depend on.

Each exported helper's `__module__` is this package's name, the module generated code
imports (as NumPy's functions give "numpy"): the rule registry names the helpers' rules,
and normalize/ recognises runtime helpers, by that name.

A family is imported the first time one of its helpers is read (`_ntl.spread`: the
module's `__getattr__`), so that running cached generated code imports only the
families it calls; `load_all()` imports every one (the rule tables do, and so does
anything that lists the helpers).
"""

import importlib

FAMILIES = {
    "basics": ("astype", "cast_derivative", "cast_pieces", "dense", "is_zero", "item", "lift",
        "mT", "nonzero", "sign", "zeros_for"),
    "blocks": ("BLOCK", "in_blocks"),
    "broadcasting": ("axes_of", "common_shape", "expand", "spread", "sum_like", "unreduce"),
    "containers": ("check_unpacking", "dict_tangent", "items", "items_tangent", "iterated", "iterated_tangent",
        "keys", "merged", "merged_tangent", "sorted_tangent", "undict", "uniterated",
        "unitems", "unmerged", "unsorted", "unvalues", "values", "values_tangent"),
    "creation": ("arange_adjoint", "arange_tangent", "index_trick_adjoint",
        "index_trick_tangent", "linspace_adjoint", "linspace_tangent", "linspace_weights",
        "unpack"),
    "differences": ("diff_tangent", "gradient_tangent", "partition_index", "select_tangent",
        "spacing_adjoint", "spacing_adjoint_tangent", "undiff", "ungradient",
        "ungradient_tangent", "unselect"),
    "einsum": ("einsum_adjoint", "einsum_adjoint_tangent", "einsum_tangent",
        "einsum_tangent_tangent"),
    "elementwise": ("imag_adjoint", "log_base", "nan_to_num_tangent", "sinc_slope",
        "sinc_slope_tangent", "sum_where"),
    "indexing": ("UPDATES_FIRST_ARGUMENT", "add_at", "sort_tangent", "subtract_at", "unsort",
        "untake", "untake_along_axis"),
    "layout": ("negated", "pad_tangent", "reshape_like", "restack", "split_axis",
        "unconcatenate", "undiag", "undiagonal", "unpad", "unpad_constant_values", "unrepeat",
        "unrollaxis", "unsplit", "unstack", "unstack_promoted", "untile", "untrace",
        "untranspose"),
    "linalg": ("cholesky_adjoint", "cholesky_tangent", "eig_adjoint", "eig_tangent",
        "eigh_adjoint", "eigh_tangent", "eigvalsh_tangent", "gap_inverse",
        "matrix_power_adjoint", "matrix_power_tangent", "phi", "pinv_adjoint", "pinv_tangent",
        "qr_adjoint", "qr_tangent", "right_solve_transposed", "right_solve_transposed_tangent",
        "slogdet_tangent", "solve_adjoint_a", "svd_adjoint", "svd_tangent",
        "symmetric_from_triangle", "triangle_gradient"),
    "norms": ("norm_adjoint", "norm_adjoint_tangent", "norm_tangent"),
    "products": ("cross_adjoint", "dot_adjoint_a", "dot_adjoint_b", "inner_adjoint_a",
        "inner_adjoint_b", "kron_adjoint", "kron_adjoint_tangent", "matmul_adjoint_a",
        "matmul_adjoint_b", "matvec_adjoint_matrix", "product_rule", "tensordot_adjoint_a",
        "tensordot_adjoint_b", "vecdot_adjoint"),
    "scalars": ("digamma", "dist_adjoint", "dist_tangent", "negate_all", "polygamma",
        "prod_adjoint", "prod_tangent"),
    "reductions": ("average_adjoint", "average_adjoint_tangent", "average_tangent",
        "average_weights", "average_weights_adjoint", "average_weights_adjoint_tangent",
        "centered", "count", "cumulative_sum_adjoint", "extreme_weights", "not_nan",
        "prod_others", "prod_others_tangent", "reverse_cumsum"),
}

_FAMILY = {name: family for family, names in FAMILIES.items() for name in names}
__all__ = sorted(_FAMILY)


def __getattr__(name):
    """A helper of a family not imported yet: import the family, then read it."""
    family = _FAMILY.get(name)
    if family is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    _load(family)
    return globals()[name]


def __dir__():
    return sorted(set(globals()) | set(_FAMILY))


def _load(family):
    """Import `family` and gather its helpers here (see the docstring: their home is
    this package)."""
    module = importlib.import_module(f"{__name__}.{family}")
    for name in FAMILIES[family]:
        value = getattr(module, name)
        if callable(value):
            value.__module__ = __name__
        globals()[name] = value


def load_all():
    """Import every family (for whatever lists the helpers: `vars()` then has them all)."""
    for family in FAMILIES:
        if any(name not in globals() for name in FAMILIES[family]):
            _load(family)
