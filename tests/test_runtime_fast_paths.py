"""The runtime helpers' fast paths give what their general paths give, and the values
built independently: each case is computed both ways (the general path reached with
arguments the fast path declines: one axis more)."""

import numpy as np
import pytest

from tangentlike.numpy_runtime import matmul_adjoint_a, matmul_adjoint_b
from tangentlike.numpy_runtime.layout import undiag, undiagonal

RNG = np.random.default_rng(11)


@pytest.mark.parametrize("shape", [(5, 5), (3, 6), (6, 3)])
@pytest.mark.parametrize("offset", [0, 1, -1, 2, -2])
@pytest.mark.parametrize("dtypes", [(np.float64, np.float64), (np.float32, np.float32),
                                    (np.float64, np.float32)])
def test_diagonal_embedding(shape, offset, dtypes):
    a = RNG.standard_normal(shape).astype(dtypes[1])
    g = RNG.standard_normal(len(np.diagonal(a, offset))).astype(dtypes[0])
    expected = np.zeros(shape, np.result_type(g, a))
    rows = np.arange(len(g)) + max(0, -offset)
    expected[rows, rows + offset] = g
    general = undiagonal(g[None, :], a[None], offset, 1, 2)[0]
    for got in (undiagonal(g, a, offset), undiag(g, a, offset), general):
        np.testing.assert_allclose(got, expected, rtol=1e-6)
        assert got.shape == expected.shape
    assert undiag(g, a, offset).dtype == expected.dtype


@pytest.mark.parametrize("ranks", [(2, 2), (2, 1), (1, 2), (1, 1)])
def test_matmul_adjoints_by_one_product(ranks):
    a = RNG.standard_normal((3, 4)[-ranks[0]:] if ranks[0] == 1 else (3, 4))
    b = RNG.standard_normal((4,) if ranks[1] == 1 else (4, 2))
    g = RNG.standard_normal(np.shape(a @ b)) if ranks != (1, 1) else 0.7
    wide = np.broadcast_to(g, (1,) + np.shape(g))     # (one axis wider: the general path)
    for helper in (matmul_adjoint_a, matmul_adjoint_b):
        np.testing.assert_allclose(helper(g, a, b), helper(wide, a, b), rtol=1e-12)
    a_bar, b_bar = matmul_adjoint_a(g, a, b), matmul_adjoint_b(g, a, b)
    assert np.shape(a_bar) == a.shape and np.shape(b_bar) == b.shape
    gm, am, bm = np.atleast_2d(g), np.atleast_2d(a), b if b.ndim == 2 else b[:, None]
    full_a = (gm.T if ranks == (2, 1) else gm) @ bm.T
    np.testing.assert_allclose(np.reshape(a_bar, -1), np.reshape(full_a, -1)[:a.size],
                               rtol=1e-12)
