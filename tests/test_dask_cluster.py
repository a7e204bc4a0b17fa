"""Gradients on a `dask.distributed` cluster (issue 17, item 3).

A LocalCluster of two worker processes, one thread each, shared by the module.  The
generated code builds a Dask graph in this process (the client); the workers run
its chunks.  So a gradient stays lazy until it is computed, comes back as a NumPy
array of its argument's shape, and equals the NumPy gradient: bit for bit for the
elementwise workloads (Rosenbrock, Black-Scholes: each chunk runs the NumPy code on
its part), to rounding where Dask splits a reduction (the MLP's matrix products).
Reusing persisted inputs and gradients in later gradient calls sends no task twice
under one key with different dependencies (the scheduler's "Detected different
`run_spec`" warning, an error here).
"""

import logging

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

import tangentlike as tl  # noqa: E402

from test_dask import chunked, gradients, load_workloads  # noqa: E402

WORKLOADS = load_workloads()
N = 40              # elements of the arrays: four chunks of ten
CHUNKS = 10


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.fixture
def no_run_spec_warning():
    """Fails the test where the scheduler (in this process) warns of a key sent twice
    with different tasks: what a non-deterministic name would cause."""
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            if "Detected different `run_spec`" in record.getMessage():
                records.append(record.getMessage().split("\n")[0])

    handler = Collect(logging.WARNING)
    logger = logging.getLogger("distributed.scheduler")
    logger.addHandler(handler)
    yield
    logger.removeHandler(handler)
    assert not records, records[0]


def transitions(client):
    """How many task transitions the scheduler has made: unchanged while nothing runs."""
    return client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter)


def on_dask(a):
    return da.from_array(a, chunks=CHUNKS)


def rosenbrock_args():
    return WORKLOADS.rosenbrock_args(N)


def black_scholes_args():
    return WORKLOADS.black_scholes_args(N)


def test_gradient_is_lazy_until_computed(client):
    x, = rosenbrock_args()
    before = transitions(client)
    g = tl.grad(WORKLOADS.rosenbrock)(on_dask(x))
    assert isinstance(g, da.Array) and g.npartitions == 4
    assert transitions(client) == before, "making the gradient ran tasks on the cluster"
    computed = g.compute()
    assert transitions(client) > before
    assert type(computed) is np.ndarray
    assert computed.shape == x.shape and computed.dtype == x.dtype


@pytest.mark.parametrize("name", ["rosenbrock", "black_scholes"])
def test_elementwise_gradients_are_bit_identical_to_numpy(client, name):
    primal = getattr(WORKLOADS, name)
    args = rosenbrock_args() if name == "rosenbrock" else black_scholes_args()
    expected = tl.grad(primal)(*args)
    got = tl.grad(primal)(on_dask(args[0]), *args[1:])
    assert isinstance(got, da.Array)
    got = got.compute()
    assert type(got) is np.ndarray and got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)          # bit for bit
    np.testing.assert_allclose(got, getattr(WORKLOADS, name + "_grad")(*args), rtol=1e-9)


def test_mlp_gradient_on_the_cluster_equals_numpy(client):
    """Chunked matrix products sum in another order: equal to rounding, not bit for bit."""
    w = next(w for w in WORKLOADS.WORKLOADS if w.name == "W5").small()
    expected = gradients(w, tl.grad(w.primal, wrt=w.wrt)(*w.args))
    got = gradients(w, tl.grad(w.primal, wrt=w.wrt)(*chunked(w.args)))
    assert all(isinstance(g, da.Array) for g in got)
    for g, e in zip(dask.compute(*got), expected):
        assert type(g) is np.ndarray and g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)


def test_each_gradient_has_its_arguments_type_on_the_cluster(client):
    S, K, T, r, sigma = black_scholes_args()
    gS, gK = tl.grad(WORKLOADS.black_scholes, wrt=(0, 1))(S, on_dask(K), T, r, sigma)
    assert type(gS) is np.ndarray and isinstance(gK, da.Array)
    eS, eK = tl.grad(WORKLOADS.black_scholes, wrt=(0, 1))(S, K, T, r, sigma)
    np.testing.assert_array_equal(gS, eS)
    np.testing.assert_array_equal(gK.compute(), eK)


def test_reusing_persisted_inputs_and_gradients(client, no_run_spec_warning):
    """Gradient descent with everything persisted, a pullback called twice, a mixed
    NumPy/Dask call twice: each call reuses what the previous one persisted."""
    x0, = rosenbrock_args()
    x = on_dask(x0).persist()
    expected = x0
    for _ in range(3):
        g = tl.grad(WORKLOADS.rosenbrock)(x).persist()
        x = (x - 1e-4 * g).persist()
        expected = expected - 1e-4 * tl.grad(WORKLOADS.rosenbrock)(expected)
    np.testing.assert_array_equal(x.compute(), expected)

    S, K, T, r, sigma = black_scholes_args()
    S_, K_ = dask.persist(on_dask(S), on_dask(K))
    out, pullback = tl.vjp(WORKLOADS.black_scholes, S_, K_, T, r, sigma)
    first = dask.persist(*pullback(1.0)[:2])
    again = pullback(1.0)[:2]
    distributed.wait(first)
    for a, b in zip(dask.compute(*first), dask.compute(*again)):
        np.testing.assert_array_equal(a, b)
    gS = tl.grad(WORKLOADS.black_scholes)(first[0], K, T, r, sigma).persist()
    assert gS.compute().shape == S.shape

    for _ in range(2):
        gS, gK = tl.grad(WORKLOADS.black_scholes, wrt=(0, 1))(S, K_, T, r, sigma)
        assert type(gS) is np.ndarray
        gK = gK.persist()
    value, g = tl.value_and_grad(WORKLOADS.rosenbrock)(x)
    assert np.isfinite(value.compute()) and g.compute().shape == x.shape


def test_gradients_of_numbers_are_computed_in_one_graph(client, no_run_spec_warning):
    """The gradients of r and sigma (floats) of a Dask computation: computed together,
    not one graph each sharing keys with the next (which the scheduler warned of)."""
    S, K, T, r, sigma = black_scholes_args()
    S_ = on_dask(S).persist()
    for _ in range(2):
        got = tl.grad(WORKLOADS.black_scholes, wrt=(0, 3, 4))(S_, K, T, r, sigma)
        assert isinstance(got[0], da.Array) and type(got[1]) is type(got[2]) is float
        got[0].compute()
    expected = tl.grad(WORKLOADS.black_scholes, wrt=(0, 3, 4))(S, K, T, r, sigma)
    np.testing.assert_array_equal(got[0].compute(), expected[0])
    np.testing.assert_allclose(got[1:], expected[1:], rtol=1e-12)   # chunked sums
