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
"""

from .basics import (astype, cast_derivative, cast_pieces, dense, is_zero, item, lift, mT,
                     nonzero, sign, zeros_for)
from .blocks import BLOCK, in_blocks
from .broadcasting import axes_of, common_shape, expand, spread, sum_like, unreduce
from .containers import (dict_tangent, items, items_tangent, iterated, iterated_tangent, keys,
                         merged, merged_tangent, sorted_tangent, undict, uniterated, unitems,
                         unmerged, unsorted, unvalues, values, values_tangent)
from .creation import (arange_adjoint, arange_tangent, index_trick_adjoint,
                       index_trick_tangent, linspace_adjoint, linspace_tangent,
                       linspace_weights, unpack)
from .differences import (diff_tangent, gradient_tangent, partition_index, select_tangent,
                          spacing_adjoint, spacing_adjoint_tangent, undiff, ungradient,
                          ungradient_tangent, unselect)
from .einsum import einsum_adjoint, einsum_adjoint_tangent, einsum_tangent, einsum_tangent_tangent
from .elementwise import (imag_adjoint, log_base, nan_to_num_tangent, sinc_slope,
                          sinc_slope_tangent, sum_where)
from .indexing import (UPDATES_FIRST_ARGUMENT, add_at, sort_tangent, subtract_at, unsort,
                       untake, untake_along_axis)
from .layout import (negated, pad_tangent, reshape_like, restack, split_axis, unconcatenate,
                     undiag, undiagonal, unpad, unpad_constant_values, unrepeat, unrollaxis,
                     unsplit, unstack, unstack_promoted, untile, untrace, untranspose)
from .linalg import (cholesky_adjoint, cholesky_tangent, eig_adjoint, eig_tangent,
                     eigh_adjoint, eigh_tangent, eigvalsh_tangent, gap_inverse,
                     matrix_power_adjoint, matrix_power_tangent, phi, pinv_adjoint,
                     pinv_tangent, qr_adjoint, qr_tangent, right_solve_transposed,
                     right_solve_transposed_tangent, slogdet_tangent, solve_adjoint_a,
                     svd_adjoint, svd_tangent, symmetric_from_triangle, triangle_gradient)
from .norms import norm_adjoint, norm_adjoint_tangent, norm_tangent
from .products import (cross_adjoint, dot_adjoint_a, dot_adjoint_b, inner_adjoint_a,
                       inner_adjoint_b, kron_adjoint, kron_adjoint_tangent, matmul_adjoint_a,
                       matmul_adjoint_b, matvec_adjoint_matrix, product_rule,
                       tensordot_adjoint_a, tensordot_adjoint_b, vecdot_adjoint)
from .scalars import (digamma, dist_adjoint, dist_tangent, negate_all, polygamma,
                      prod_adjoint, prod_tangent)
from .reductions import (average_adjoint, average_adjoint_tangent, average_tangent,
                         average_weights, average_weights_adjoint,
                         average_weights_adjoint_tangent, centered, count,
                         cumulative_sum_adjoint, extreme_weights, not_nan, prod_others,
                         prod_others_tangent, reverse_cumsum)

__all__ = [
    "UPDATES_FIRST_ARGUMENT",
    # basics
    "astype", "cast_derivative", "cast_pieces", "dense", "is_zero", "item", "lift", "mT",
    "nonzero", "sign",
    "zeros_for",
    # blocks
    "BLOCK", "in_blocks",
    # broadcasting
    "axes_of", "common_shape", "expand", "spread", "sum_like", "unreduce",
    # containers
    "dict_tangent", "items", "items_tangent", "iterated", "iterated_tangent", "keys", "merged",
    "merged_tangent", "sorted_tangent", "undict", "uniterated", "unitems", "unmerged",
    "unsorted", "unvalues", "values", "values_tangent",
    # creation
    "arange_adjoint", "arange_tangent", "index_trick_adjoint", "index_trick_tangent",
    "linspace_adjoint", "linspace_tangent", "linspace_weights", "unpack",
    # differences
    "diff_tangent", "gradient_tangent", "partition_index", "select_tangent", "spacing_adjoint",
    "spacing_adjoint_tangent", "undiff", "ungradient", "ungradient_tangent", "unselect",
    # einsum
    "einsum_adjoint", "einsum_adjoint_tangent", "einsum_tangent", "einsum_tangent_tangent",
    # elementwise
    "imag_adjoint", "log_base", "nan_to_num_tangent", "sinc_slope", "sinc_slope_tangent",
    "sum_where",
    # indexing
    "add_at", "sort_tangent", "subtract_at", "unsort", "untake", "untake_along_axis",
    # layout
    "negated", "pad_tangent", "reshape_like", "restack", "split_axis", "unconcatenate",
    "undiag", "undiagonal", "unpad", "unpad_constant_values", "unrepeat", "unrollaxis",
    "unsplit", "unstack", "unstack_promoted", "untile", "untrace", "untranspose",
    # linalg
    "cholesky_adjoint", "cholesky_tangent", "eig_adjoint", "eig_tangent", "eigh_adjoint",
    "eigh_tangent", "eigvalsh_tangent", "gap_inverse", "matrix_power_adjoint",
    "matrix_power_tangent", "phi", "pinv_adjoint", "pinv_tangent", "qr_adjoint", "qr_tangent",
    "right_solve_transposed", "right_solve_transposed_tangent", "slogdet_tangent",
    "solve_adjoint_a", "svd_adjoint", "svd_tangent",
    "symmetric_from_triangle", "triangle_gradient",
    # norms
    "norm_adjoint", "norm_adjoint_tangent", "norm_tangent",
    # products
    "cross_adjoint", "dot_adjoint_a", "dot_adjoint_b", "inner_adjoint_a", "inner_adjoint_b",
    "kron_adjoint", "kron_adjoint_tangent", "matmul_adjoint_a", "matmul_adjoint_b",
    "matvec_adjoint_matrix", "product_rule", "tensordot_adjoint_a", "tensordot_adjoint_b",
    "vecdot_adjoint",
    # scalars
    "digamma", "dist_adjoint", "dist_tangent", "negate_all", "polygamma", "prod_adjoint",
    "prod_tangent",
    # reductions
    "average_adjoint", "average_adjoint_tangent", "average_tangent", "average_weights",
    "average_weights_adjoint", "average_weights_adjoint_tangent", "centered", "count",
    "cumulative_sum_adjoint", "extreme_weights", "not_nan", "prod_others",
    "prod_others_tangent", "reverse_cumsum",
]

for _name in __all__:                # (see the docstring: their home is this package)
    if callable(globals()[_name]):
        globals()[_name].__module__ = __name__
del _name
