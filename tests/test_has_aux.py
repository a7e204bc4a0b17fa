"""`has_aux=True` on tl.grad, tl.value_and_grad and @tl.differentiate (issue 14).

The function returns `(value, aux)`; only `value` is differentiated.  Each case checks
the gradient against central differences of the value and against tangentlike's own
gradient of a function returning the value alone (through a call, another path of the
generator); the aux is the one computed in the same run (a counter shows f runs once),
any pytree, and gets no derivative; the inputs are unchanged.
"""

import copy
import dataclasses
from typing import NamedTuple

import numpy as np
import pytest

import tangentlike as tl
from oracles import assert_grad_close, central_difference


class Stats(NamedTuple):
    mean: float
    label: str


@dataclasses.dataclass
class Report:
    total: float
    steps: int


CALLS = []


def scalar_aux(x):
    y = x * x
    return y * 3.0, {"square": y, "tag": "s", "none": None}


def scalar_aux_namedtuple(x, y):
    s = x * y + x
    return s * s, Stats(s, "pair")


def array_aux(w):
    h = np.tanh(w)
    loss = np.sum(h * h)
    return loss, [h, np.sum(h), (loss, None)]


def aux_from_loop(x, n):
    total = 0.0
    trace = []
    for i in range(n):
        total = total + x * i
        trace.append(total)
    if total > 1.0:
        trace.append("big")
    else:
        trace.append(Report(total, n))
    return total * x, trace


def aux_returned_by_name(w):
    CALLS.append(1)
    pair = np.sum(w ** 3), Report(np.sum(w), w.size)
    return pair


def tuple_wrt(a, b):
    r = a * np.sin(b)
    if a > 0:
        return r, "positive"
    return -r, "negative"


def _first_of_scalar_aux_namedtuple(x, y):
    return scalar_aux_namedtuple(x, y)[0]          # (a call: its aux is a NamedTuple)


def _value_of_scalar_aux_namedtuple(x, y):
    s = x * y + x
    return s * s


def _value_of_array_aux(w):
    return array_aux(w)[0]                          # (a call of the has_aux function)


def _value_of_aux_from_loop(x, n):
    total = 0.0
    for i in range(n):
        total = total + x * i
    return total * x


def _value_of_aux_returned_by_name(w):
    return np.sum(w ** 3)


def _value_of_tuple_wrt(a, b):
    return tuple_wrt(a, b)[0]


def _value_of_scalar_aux(x):
    return scalar_aux(x)[0]


CASES = [
    (scalar_aux, (1.5,), 0),
    (scalar_aux_namedtuple, (0.7, -1.3), (0, 1)),
    (array_aux, (np.linspace(-1.0, 1.0, 5),), 0),
    (aux_from_loop, (0.3, 4), 0),
    (aux_from_loop, (0.01, 3), 0),
    (aux_returned_by_name, (np.array([0.5, -2.0, 1.5]),), 0),
    (tuple_wrt, (0.8, 0.4), (0, 1)),
    (tuple_wrt, (-0.8, 0.4), (0, 1)),
]


def _same_aux(a, b):
    if isinstance(a, np.ndarray):
        np.testing.assert_allclose(a, b, rtol=1e-14)
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _same_aux(x, y)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _same_aux(a[k], b[k])
    elif dataclasses.is_dataclass(a):
        assert type(a) is type(b)
        _same_aux(dataclasses.astuple(a), dataclasses.astuple(b))
    else:
        assert a == b or a is b


@pytest.mark.parametrize("f, args, wrt", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_grad_and_value_and_grad_with_aux(f, args, wrt):
    kept = copy.deepcopy(args)
    expected_value, expected_aux = f(*args)
    expected = central_difference(lambda *a: f(*a)[0], args, wrt)
    g, aux = tl.grad(f, wrt=wrt, has_aux=True)(*args)
    assert_grad_close(g, expected)
    _same_aux(aux, expected_aux)
    (value, aux2), g2 = tl.value_and_grad(f, wrt=wrt, has_aux=True)(*args)
    assert value == pytest.approx(expected_value, rel=1e-14)
    _same_aux(aux2, expected_aux)
    assert_grad_close(g2, expected)
    own = tl.grad(globals()["_value_of_" + f.__name__], wrt=wrt)(*args)   # through a call
    assert_grad_close(g, own, rtol=1e-12, atol=1e-14)
    for before, after in zip(kept, args):
        np.testing.assert_array_equal(before, after)


def test_aux_comes_from_the_same_run():
    w = np.array([0.5, -2.0, 1.5])
    CALLS.clear()
    (value, report), g = tl.value_and_grad(aux_returned_by_name, has_aux=True)(w)
    assert len(CALLS) == 1
    assert type(report) is Report and report.total == pytest.approx(0.0) and report.steps == 3
    np.testing.assert_allclose(g, 3 * w ** 2, rtol=1e-14)


def test_aux_gets_no_derivative():
    """Aux computed from the differentiated value does not change the gradient: the
    generated backward sweep has no statement for it."""
    g, aux = tl.grad(scalar_aux, has_aux=True)(2.0)
    assert g == pytest.approx(12.0) and aux["square"] == 4.0
    text = tl.source(tl.grad(scalar_aux, has_aux=True), args=(2.0,))
    backward = text.split("# backward sweep")[1]
    assert "square" not in backward and "_tl.aux(" in text


def test_differentiate_has_aux():
    f = tl.differentiate(scalar_aux_namedtuple, wrt=(0, 1), has_aux=True)
    g, aux = f.grad(0.7, -1.3)
    assert type(aux) is Stats and aux.label == "pair"
    assert_grad_close(g, central_difference(lambda *a: scalar_aux_namedtuple(*a)[0],
                                            (0.7, -1.3), (0, 1)))
    (value, aux2), g2 = f.value_and_grad(0.7, -1.3)
    assert aux2 == aux and value == scalar_aux_namedtuple(0.7, -1.3)[0]
    assert_grad_close(g2, g, rtol=1e-14, atol=0)
    assert "_tl.aux(" in f.source()


def not_a_pair(x):
    return x * 2.0


def three(x):
    return x, x, x


def array_value(w):
    return w * 2.0, None


@pytest.mark.parametrize("f, arg, words", [
    (not_a_pair, 1.0, "got float"),
    (three, 1.0, "got tuple of 3 item(s)"),
])
def test_not_a_pair_is_a_clear_error(f, arg, words):
    for make in (tl.grad, tl.value_and_grad):
        with pytest.raises(tl.HasAuxError) as info:
            make(f, has_aux=True)(arg)
        message = str(info.value)
        assert words in message and "test_has_aux.py:" in message and f.__name__ in message
        assert "(value, aux)" in message


def test_value_must_be_a_scalar():
    with pytest.raises(tl.NonScalarOutputError):
        tl.grad(array_value, has_aux=True)(np.ones(3))


def test_grad_of_aux_gradient_is_refused():
    with pytest.raises(tl.TangentlikeError, match="derivative made by tangentlike"):
        tl.grad(tl.grad(scalar_aux, has_aux=True))(1.0)


def test_without_has_aux_the_whole_pair_is_differentiated():
    """Without has_aux a function returning (value, NamedTuple) is differentiated whole:
    through a call taking [0], the gradient is the value's."""
    g = tl.grad(_first_of_scalar_aux_namedtuple, wrt=(0, 1))(0.7, -1.3)
    assert_grad_close(g, central_difference(_value_of_scalar_aux_namedtuple, (0.7, -1.3),
                                            (0, 1)))


# -- tl.vjp and tl.jvp with has_aux=True: (out, pullback, aux) and (out, tangent, aux) --

def vector_aux(x, y):
    z = x * y
    return [np.sin(z), z * x], {"z": z, "note": "kept"}


def array_vector_aux(a):
    h = np.tanh(a)
    return h * a, (np.sum(h), None)


def test_vjp_has_aux_pulls_back_the_value_only():
    out, pullback, aux = tl.vjp(vector_aux, 2.0, 3.0, has_aux=True)
    assert out == pytest.approx([np.sin(6.0), 12.0])
    assert aux == {"z": 6.0, "note": "kept"}
    for cotangent in ([1.0, 0.0], [0.0, 1.0], [0.5, -2.0]):
        got = pullback(cotangent)

        def dot(x, y):
            return float(np.dot(cotangent, vector_aux(x, y)[0]))
        expected = central_difference(dot, (2.0, 3.0), wrt=(0, 1))
        assert got == pytest.approx(tuple(expected), rel=1e-6)


def test_jvp_has_aux_gives_the_value_tangent_and_aux():
    a = np.array([0.3, -1.2, 2.0])
    before = a.copy()
    v = np.array([1.0, 0.5, -0.25])
    out, tangent, aux = tl.jvp(array_vector_aux, (a,), (v,), has_aux=True)
    np.testing.assert_allclose(out, np.tanh(a) * a)
    assert aux[0] == pytest.approx(np.sum(np.tanh(a))) and aux[1] is None
    slope = (1 - np.tanh(a) ** 2) * a + np.tanh(a)
    np.testing.assert_allclose(tangent, slope * v, rtol=1e-12)
    _, pullback, _ = tl.vjp(array_vector_aux, a, has_aux=True)
    np.testing.assert_allclose(pullback(v)[0], slope * v, rtol=1e-12)
    assert np.array_equal(a, before)


@pytest.mark.parametrize("entry", [
    lambda f: tl.vjp(f, 2.0, has_aux=True),
    lambda f: tl.jvp(f, (2.0,), (1.0,), has_aux=True),
])
def test_vjp_and_jvp_has_aux_name_a_function_that_returns_no_pair(entry):
    def square(x):
        return x * x
    with pytest.raises(tl.HasAuxError, match=r"test_has_aux.py:\d+: square: has_aux=True"):
        entry(square)
