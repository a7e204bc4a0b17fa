"""Gradients of NumPy code on Dask arrays (issue 3, item 6).

The generated code calls the NumPy functions the user wrote, and NumPy hands
them to Dask through `__array_ufunc__` / `__array_function__`; so the gradients
of the W4, W5 and W7 benchmark workloads, given chunked Dask arrays, must equal
their NumPy gradients, and stay Dask arrays (a gradient has its argument's type).
"""


import dask.array as da
import numpy as np
import pytest

import tangentlike as tl
from benchmark_workloads import load_workloads

RTOL = 1e-9


WORKLOADS = [w.small() for w in load_workloads().WORKLOADS if w.name in ("W4-100", "W5", "W7")]
by_name = pytest.mark.parametrize("w", WORKLOADS, ids=[w.name for w in WORKLOADS])


def chunked(args):
    """The arguments with every NumPy array turned into a Dask array of several chunks."""
    return tuple(da.from_array(a, chunks=tuple(max(1, (n + 2) // 3) for n in a.shape))
                 if isinstance(a, np.ndarray) else a for a in args)


def computed(value):
    return value.compute() if isinstance(value, da.Array) else value


def gradients(w, gradient):
    return gradient if isinstance(w.wrt, tuple) else (gradient,)


def test_inputs_are_chunked():
    for w in WORKLOADS:
        assert any(isinstance(a, da.Array) and a.npartitions > 1 for a in chunked(w.args))


@by_name
def test_primal_runs_on_dask(w):
    value = w.primal(*chunked(w.args))
    assert isinstance(value, da.Array)
    np.testing.assert_allclose(computed(value), w.primal(*w.args), rtol=RTOL)


@by_name
def test_gradient_on_dask_equals_numpy(w):
    got = tl.grad(w.primal, wrt=w.wrt)(*chunked(w.args))
    expected = w.handwritten(*w.args)
    got, expected = gradients(w, got), gradients(w, expected)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        g = computed(g)
        assert np.shape(g) == np.shape(e)
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=RTOL * np.max(np.abs(e)))


@by_name
def test_gradient_of_dask_arrays_is_a_dask_array(w):
    got = tl.grad(w.primal, wrt=w.wrt)(*chunked(w.args))
    kinds = [type(g).__name__ for g in gradients(w, got)]
    assert all(isinstance(g, da.Array) for g in gradients(w, got)), \
        f"gradients of Dask arrays came back as {kinds}"


# -- a gradient has its own argument's type (issue 17) ----------------------------------

def mixed(x, y, s):
    return np.sum(x * y + np.sin(x) * y * s)


def mixed_vector(x, y):
    return x * y


X = np.linspace(0.0, 1.0, 6)
Y = np.linspace(1.0, 2.0, 6)


def on_dask(a):
    return da.from_array(a, chunks=3)


def expected_mixed(wrt):
    return tl.grad(mixed, wrt=wrt)(X, Y, 0.5)


@pytest.mark.parametrize("dask_args", [(0,), (1,), (0, 1)], ids=["x", "y", "x,y"])
@pytest.mark.parametrize("entry", ["grad", "value_and_grad", "vjp"])
def test_each_gradient_has_its_own_arguments_type(entry, dask_args):
    args = [on_dask(a) if k in dask_args else a for k, a in enumerate((X, Y))] + [0.5]
    if entry == "grad":
        got = tl.grad(mixed, wrt=(0, 1, 2))(*args)
    elif entry == "value_and_grad":
        value, got = tl.value_and_grad(mixed, wrt=(0, 1, 2))(*args)
        assert isinstance(value, da.Array)
        np.testing.assert_allclose(value.compute(), mixed(X, Y, 0.5), rtol=RTOL)
    else:
        _, pullback = tl.vjp(mixed, *args)
        got = pullback(1.0)
    for k, (g, e) in enumerate(zip(got, expected_mixed((0, 1, 2)))):
        if k == 2:
            assert type(g) is float
        elif k in dask_args:
            assert isinstance(g, da.Array), f"the gradient of Dask argument {k} is {type(g)}"
        else:
            assert type(g) is np.ndarray, f"the gradient of NumPy argument {k} is {type(g)}"
        np.testing.assert_allclose(computed(g), e, rtol=RTOL)


@pytest.mark.parametrize("wrt", [0, 1])
def test_single_gradient_has_its_arguments_type(wrt):
    got = tl.grad(mixed, wrt=wrt)(X, on_dask(Y), 0.5)
    assert isinstance(got, da.Array) if wrt == 1 else type(got) is np.ndarray
    np.testing.assert_allclose(computed(got), expected_mixed(wrt), rtol=RTOL)


def test_vjp_of_an_array_output_follows_each_argument():
    out, pullback = tl.vjp(mixed_vector, X, on_dask(Y))
    assert isinstance(out, da.Array)
    for cotangent in (np.ones(6), on_dask(np.ones(6))):
        bx, by = pullback(cotangent)
        assert type(bx) is np.ndarray and isinstance(by, da.Array)
        np.testing.assert_allclose(bx, Y, rtol=RTOL)
        np.testing.assert_allclose(by.compute(), X, rtol=RTOL)


ONES = np.ones(6)
DX, DY, DONES = on_dask(X), on_dask(Y), on_dask(ONES)


@pytest.mark.parametrize("primals, tangents", [
    ((X, DY), (ONES, ONES)), ((X, Y), (ONES, DONES)), ((DX, DY), (DONES, DONES)),
], ids=["dask-primal", "dask-tangent-only", "all-dask"])
def test_jvp_tangent_has_the_outputs_type(primals, tangents):
    """The tangent of the output is of the output's type, whatever the tangents' types."""
    out, tangent = tl.jvp(mixed_vector, primals, tangents)
    assert type(tangent) is type(out)
    assert isinstance(out, da.Array) == any(isinstance(p, da.Array) for p in primals)
    np.testing.assert_allclose(computed(tangent), X + Y, rtol=RTOL)
