"""tl.jacobian (modes fwd, rev, auto; several wrt; tuple outputs), tl.hessian with
several wrt (blocks as JAX lays them out), tl.gradhessian and tl.value_grad_hessian.

Every value is checked against central finite differences and against autograd
(`autograd.jacobian`, `autograd.hessian` over the function rebound for autograd by
tests/oracles.py), with the inputs checked unchanged afterwards.
"""

import copy

import autograd
import numpy as np
import pytest

import jacobian_functions as jf
import oracles
import tangentlike as tl
from jacobian_functions import HESSIAN_CASES, JACOBIAN_CASES


def _positions(fn, wrt):
    return oracles.resolve_wrt(fn, wrt)


def _central_jacobian(fn, args, position, eps=1e-6):
    """d fn(*args) / d args[position] by central differences: one block per output
    (a list when fn returns a tuple or list), shaped out.shape + arg.shape."""
    x = args[position]
    out = fn(*args)
    outputs = list(out) if isinstance(out, (tuple, list)) else [out]
    blocks = [np.zeros(np.shape(o) + np.shape(x)) for o in outputs]
    for index in np.ndindex(*np.shape(x)):
        values = []
        for step in (eps, -eps):
            moved = list(args)
            if isinstance(x, float):
                moved[position] = x + step
            else:
                moved[position] = x.copy()
                moved[position][index] += step
            result = fn(*moved)
            values.append(list(result) if isinstance(result, (tuple, list)) else [result])
        for block, plus, minus in zip(blocks, *values):
            block[(Ellipsis,) + index] = (np.asarray(plus) - np.asarray(minus)) / (2 * eps)
    return blocks


def _autograd_jacobian(fn, args, position, output=None):
    rebound = oracles._rebound(fn)
    if output is not None:
        return autograd.jacobian(lambda *a: rebound(*a)[output], position)(*args)
    return autograd.jacobian(rebound, position)(*args)


def _blocks(jac, fn, args, wrt):
    """The result of tl.jacobian as [output][wrt argument] blocks."""
    out = fn(*args)
    per_output = list(jac) if isinstance(out, (tuple, list)) else [jac]
    single = not isinstance(wrt, tuple)
    return [[row] if single else list(row) for row in per_output]


@pytest.mark.parametrize("mode", ["fwd", "rev", "auto"])
@pytest.mark.parametrize("fn, args, wrt", JACOBIAN_CASES,
                         ids=[f"{c[0].__name__}-{c[2]}" for c in JACOBIAN_CASES])
def test_jacobian_matches_differences_and_autograd(fn, args, wrt, mode):
    before = copy.deepcopy(args)
    jac = tl.jacobian(fn, wrt=wrt, mode=mode)(*args)
    for arg, kept in zip(args, before):
        np.testing.assert_array_equal(arg, kept)
    positions, _ = _positions(fn, wrt)
    blocks = _blocks(jac, fn, args, wrt)
    out = fn(*args)
    for j, position in enumerate(positions):
        expected = _central_jacobian(fn, args, position)
        for i, block in enumerate(expected):
            actual = blocks[i][j]
            assert np.shape(actual) == np.shape(out[i] if isinstance(out, (tuple, list))
                                                else out) + np.shape(args[position])
            if np.shape(actual) == ():
                assert isinstance(actual, float)
            np.testing.assert_allclose(actual, block, rtol=1e-6, atol=1e-7)
            reference = _autograd_jacobian(
                fn, args, position, i if isinstance(out, (tuple, list)) else None)
            np.testing.assert_allclose(actual, reference, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fn, args, wrt", JACOBIAN_CASES,
                         ids=[f"{c[0].__name__}-{c[2]}" for c in JACOBIAN_CASES])
def test_forward_and_reverse_jacobians_agree(fn, args, wrt):
    forward = tl.jacobian(fn, wrt=wrt, mode="fwd")(*args)
    reverse = tl.jacobian(fn, wrt=wrt, mode="rev")(*args)
    for f_blocks, r_blocks in zip(_blocks(forward, fn, args, wrt),
                                  _blocks(reverse, fn, args, wrt)):
        for f_block, r_block in zip(f_blocks, r_blocks):
            np.testing.assert_allclose(f_block, r_block, rtol=1e-12, atol=1e-14)


def test_jacobian_layout_is_jax_s():
    x, y = jf.X, 0.9
    jac = tl.jacobian(jf.two_outputs, wrt=(0, 1))(x, y)
    assert isinstance(jac, tuple) and len(jac) == 2
    assert [type(b).__name__ for b in jac[0]] == ["ndarray", "ndarray"]
    assert jac[0][0].shape == (3, 3) and jac[0][1].shape == (3,)
    assert jac[1][0].shape == (3,) and isinstance(jac[1][1], float)
    assert isinstance(tl.jacobian(jf.list_output)(x), list)
    assert isinstance(tl.jacobian(jf.scalar_to_scalar)(0.7), float)


def test_auto_mode_picks_the_cheaper_direction(monkeypatch):
    import tangentlike.jacobians as jacobians
    calls = []
    monkeypatch.setattr(jacobians, "jvp_of", lambda *a: calls.append("fwd") or
                        tl.jvp(jf.vector_to_scalar, a[1], a[2]))
    monkeypatch.setattr(jacobians, "vjp_of", lambda *a: calls.append("rev") or
                        tl.vjp(jf.vector_to_scalar, *a[1]))
    tl.jacobian(jf.vector_to_scalar)(jf.X)              # 3 inputs, 1 output: reverse
    assert calls == ["rev"]
    calls.clear()
    tl.jacobian(jf.vector_to_scalar, mode="fwd")(jf.X)  # one product per input
    assert calls == ["fwd"] * 3


@pytest.mark.filterwarnings("ignore:Output seems independent of input")
@pytest.mark.parametrize("fn, args, wrt", HESSIAN_CASES,
                         ids=[f"{c[0].__name__}-{c[2]}" for c in HESSIAN_CASES])
def test_hessian_blocks_match_autograd_and_differences(fn, args, wrt):
    before = copy.deepcopy(args)
    hessian = tl.hessian(fn, wrt=wrt)(*args)
    for arg, kept in zip(args, before):
        np.testing.assert_array_equal(arg, kept)
    positions, _ = _positions(fn, wrt)
    assert isinstance(hessian, tuple) and len(hessian) == len(positions)
    rebound = oracles._rebound(fn)
    for i, pi in enumerate(positions):
        assert isinstance(hessian[i], tuple) and len(hessian[i]) == len(positions)
        gradient_i = tl.grad(fn, wrt=pi)
        for j, pj in enumerate(positions):
            block = hessian[i][j]
            shape = np.shape(args[pi]) + np.shape(args[pj])
            assert np.shape(block) == shape
            if shape == ():
                assert isinstance(block, float)
            reference = autograd.jacobian(autograd.grad(rebound, pi), pj)(*args)
            np.testing.assert_allclose(block, reference, rtol=1e-10, atol=1e-12)
            # d/d arg_j of the gradient wrt arg_i, by central differences
            (differences,) = _central_jacobian(gradient_i, args, pj)
            np.testing.assert_allclose(block, differences, rtol=1e-5, atol=1e-6)


def test_hessian_of_one_argument_stays_a_single_block():
    x = jf.X
    hessian = tl.hessian(jf.vector_to_scalar)(x)
    np.testing.assert_allclose(hessian, autograd.hessian(oracles._rebound(jf.vector_to_scalar))(x),
                               rtol=1e-12)
    blocks = tl.hessian(jf.vector_to_scalar, wrt=(0,))(x)
    np.testing.assert_array_equal(blocks[0][0], hessian)
    assert tl.hessian(jf.quadratic_pair, wrt="y")(0.6, -1.2) == pytest.approx(
        -0.36 * np.sin(0.6 * -1.2), rel=1e-12)


def test_hessian_costs_one_hvp_per_input_coordinate(monkeypatch):
    import tangentlike.jacobians as jacobians
    made = jacobians.forward_over_reverse
    calls = []

    def counting(fn, names, args):
        hvp_fn, call_args = made(fn, names, args)
        return (lambda *a: calls.append(1) or hvp_fn(*a)), call_args
    monkeypatch.setattr(jacobians, "forward_over_reverse", counting)
    a = jf.A
    tl.hessian(jf.scaled_matrix, wrt=(0, 1))(a, 0.7, 3)
    assert len(calls) == a.size + 1


@pytest.mark.parametrize("wrt", [0, (0, 1), ("y", "x")])
def test_gradhessian_and_value_grad_hessian(wrt):
    args = (0.6, -1.2)
    gradient, hessian = tl.gradhessian(jf.quadratic_pair, wrt=wrt)(*args)
    assert gradient == tl.grad(jf.quadratic_pair, wrt=wrt)(*args)
    assert hessian == tl.hessian(jf.quadratic_pair, wrt=wrt)(*args)
    value, gradient2, hessian2 = tl.value_grad_hessian(jf.quadratic_pair, wrt=wrt)(*args)
    assert value == jf.quadratic_pair(*args)
    assert (gradient2, hessian2) == (gradient, hessian)


def test_gradhessian_of_arrays_with_a_constant_argument():
    x, b = jf.X, np.array([1.5, -0.5, 2.0])
    before = (x.copy(), b.copy())
    gradient, hessian = tl.gradhessian(jf.with_constant, wrt=0)(x, b, 2)
    np.testing.assert_array_equal(x, before[0])
    np.testing.assert_array_equal(b, before[1])
    rebound = oracles._rebound(jf.with_constant)
    np.testing.assert_allclose(gradient, autograd.grad(rebound)(x, b, 2), rtol=1e-12)
    np.testing.assert_allclose(hessian, autograd.hessian(rebound)(x, b, 2), rtol=1e-12)


def test_vjp_is_the_transposed_jacobian_times_a_vector():
    x, v = jf.X, np.array([1.0, -2.0, 0.5])
    _, pullback = tl.vjp(jf.vector_to_vector, x)
    np.testing.assert_allclose(pullback(v)[0], tl.jacobian(jf.vector_to_vector)(x).T @ v,
                               rtol=1e-12)
    _, tangent = tl.jvp(jf.vector_to_vector, (x,), (v,))
    np.testing.assert_allclose(tangent, tl.jacobian(jf.vector_to_vector)(x) @ v, rtol=1e-12)


def test_int_arguments_are_held_constant():
    x = jf.X
    jac = tl.jacobian(jf.two_arguments, wrt=(0, 1))(x, 1.3, 2)
    scaled = tl.jacobian(jf.two_arguments, wrt=(0, 1))(x, 1.3, 4)
    # n multiplies the sine only: its Jacobian is not differentiated, only used
    np.testing.assert_allclose(scaled[0] - jac[0],
                               np.diag(np.cos(x * 1.3) * 1.3 * 2), rtol=1e-12)


def test_errors_say_what_is_wrong():
    with pytest.raises(tl.TangentlikeError, match="mode must be one of 'auto', 'fwd', "
                                                  "'rev'; got 'forward'"):
        tl.jacobian(jf.vector_to_vector, mode="forward")
    with pytest.raises(tl.TangentlikeError, match=r"with respect to 'n' needs a float or an "
                                                  r"array of floats; got int 2 \(pass 2.0"):
        tl.jacobian(jf.two_arguments, wrt=2)(jf.X, 1.3, 2)
    with pytest.raises(tl.TangentlikeError, match="hessian of scaled_matrix with respect "
                                                  "to 'n' needs a float"):
        tl.hessian(jf.scaled_matrix, wrt=(0, 2))(jf.A, 0.7, 3)
    with pytest.raises(tl.TangentlikeError, match="must return a float, an array, or a "
                                                  "tuple or list of floats and arrays; it "
                                                  "returned dict"):
        tl.jacobian(jf.dict_output)(jf.X)
    with pytest.raises(tl.TangentlikeError, match="no parameter 'z'"):
        tl.jacobian(jf.two_arguments, wrt=("x", "z"))
    with pytest.raises(tl.TangentlikeError, match="integer array|array of floats"):
        tl.jacobian(jf.vector_output)(np.array([1, 2]))


def test_hvp_and_hessian_of_a_non_scalar_function_are_errors():
    with pytest.raises(tl.NonScalarOutputError, match="hessian requires vector_output to "
                                                      "return a scalar"):
        tl.hessian(jf.vector_output)(jf.X)
    with pytest.raises(tl.NonScalarOutputError, match="hvp requires vector_to_matrix"):
        tl.hvp(jf.vector_to_matrix, (jf.X,), (np.ones(3),))
