"""`tl.check_grads`: tangentlike's derivatives against central differences (issue 14).

It passes (returns None) on functions whose derivatives are right, in both modes, to
second order, for scalar and array outputs, floats, arrays and pytrees; it raises
GradientCheckError (an AssertionError) naming the mode, the argument, the element, the
AD and the finite-difference values when a derivative is wrong: a deliberately wrong
rule registered for a user function (removed afterwards) is caught through both
`tl.grad` and `tl.value_and_grad`; and through the command line's `check --order 2`.
"""

import copy
import dataclasses
import math
from typing import NamedTuple

import numpy as np
import pytest

import tangentlike as tl
from tangentlike import cli
from tangentlike.rules import registry


class Point(NamedTuple):
    x: float
    y: float


@dataclasses.dataclass(frozen=True)
class Net:
    w: np.ndarray
    b: float
    label: str = "net"


def scalar_two(x, y):
    return x * math.sin(y) + y * y * x


def array_in(w):
    return np.sum(np.tanh(w) ** 2) + np.prod(w[:2])


def array_out(w, s):
    return np.sin(w) * s + w ** 2


def list_out(x, y):
    return [x * y, np.exp(x), (y - x) ** 3]


def with_int(w, n):
    return np.sum(w ** n)


def of_pytrees(p, net, v):
    return p.x * p.y + np.sum(np.tanh(net.w @ v) * net.b)


def branchy(x):
    if x > 0:
        return x ** 3
    return -x


PASSING = [
    (scalar_two, (0.7, -1.3)),
    (array_in, (np.linspace(-1.0, 1.0, 6),)),
    (array_in, (np.linspace(-1.0, 1.0, 100),)),           # random directions
    (array_out, (np.array([0.2, -0.4, 1.1]), 1.5)),
    (list_out, (0.3, 0.8)),
    (with_int, (np.array([0.5, 1.5]), 3)),
    (of_pytrees, (Point(0.5, -2.0), Net(np.array([[0.3, -0.2], [0.1, 0.4]]), 0.7),
                  np.array([1.0, 2.0]))),
    (branchy, (0.8,)),
]


@pytest.mark.parametrize("f, args", PASSING, ids=lambda v: getattr(v, "__name__", ""))
def test_right_derivatives_pass(f, args):
    kept = copy.deepcopy(args)
    scalar = np.ndim(f(*args)) == 0 and not isinstance(f(*args), list)
    for order in ((1, 2) if scalar else (1,)):
        assert tl.check_grads(f, args, order=order) is None
    assert tl.check_grads(f, args, modes=("rev",)) is None
    assert tl.check_grads(f, args, modes="fwd") is None
    for before, after in zip(kept, args):
        assert_same(after, before)


def assert_same(a, b):
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b)
        for field in dataclasses.fields(a):
            assert_same(getattr(a, field.name), getattr(b, field.name))
    else:
        np.testing.assert_equal(a, b)


def cube(x):
    return x * x * x


def uses_cube(a, w):
    return cube(a) * 2.0 + np.sum(w * w)


@pytest.fixture
def wrong_cube_rule():
    """A wrong adjoint for `cube` (3x instead of 3x²), removed after the test."""
    @tl.register_adjoint(cube)
    def cube_adjoint(g, ans, x):
        return g * 3.0 * x
    yield
    registry._RULES.pop(cube, None)
    registry._changed()


def test_a_wrong_rule_is_caught_with_argument_element_and_values(wrong_cube_rule):
    args = (2.0, np.array([0.5, -1.0]))
    with pytest.raises(tl.GradientCheckError) as info:
        tl.check_grads(uses_cube, args, modes=("rev",))
    error = info.value
    assert isinstance(error, AssertionError)
    assert (error.argument, error.position) == ("a", 0)
    assert error.ad == pytest.approx(12.0) and error.fd == pytest.approx(24.0, rel=1e-8)
    message = str(error)
    assert "uses_cube" in message and "argument 'a' (position 0)" in message
    assert "12.0" in message and "23.9999" in message or "24.0000" in message
    assert "reverse mode (tl.value_and_grad)" in message


def test_the_wrong_rule_shows_in_grad_as_in_value_and_grad(wrong_cube_rule):
    """Both derivatives carry the wrong rule; check_grads compares each."""
    args = (2.0, np.array([0.5, -1.0]))
    assert tl.grad(uses_cube)(*args) == pytest.approx(12.0)
    assert tl.value_and_grad(uses_cube)(*args)[1] == pytest.approx(12.0)
    with pytest.raises(tl.GradientCheckError, match=r"reverse mode \(tl\.value_and_grad\)"):
        tl.check_grads(uses_cube, args, modes=("rev",))


def test_grad_is_checked_besides_value_and_grad(monkeypatch):
    """value_and_grad right, grad wrong (patched): the error names tl.grad."""
    real = tl.api.grad

    def patched(f, wrt=0, **options):
        inner = real(f, wrt=wrt, **options)
        return lambda *args: tuple(g * 2.0 for g in inner(*args))
    monkeypatch.setattr(tl.api, "grad", patched)
    with pytest.raises(tl.GradientCheckError, match=r"reverse mode \(tl\.grad\)") as info:
        tl.check_grads(uses_cube, (2.0, np.array([0.5, -1.0])), modes=("rev",))
    assert info.value.ad == pytest.approx(48.0) and info.value.fd == pytest.approx(24.0)


def test_the_rule_is_gone_afterwards():
    assert registry.lookup(cube) is None
    tl.check_grads(uses_cube, (2.0, np.array([0.5, -1.0])))


def wrong_element(w):
    return np.sum(w * w)


def test_an_array_element_is_named(monkeypatch):
    """A gradient wrong at one element (a patched grad): the error names it."""
    real = tl.api.value_and_grad

    def patched(f, wrt=0, **options):
        inner = real(f, wrt=wrt, **options)

        def value_and_grad(*args):
            value, (g,) = inner(*args)        # (check_grads asks for wrt=(0,))
            g = g.copy()
            g[1, 2] += 0.5
            return value, (g,)
        return value_and_grad
    monkeypatch.setattr(tl.api, "value_and_grad", patched)
    w = np.arange(6.0).reshape(2, 3) / 10
    with pytest.raises(tl.GradientCheckError) as info:
        tl.check_grads(wrong_element, (w,), modes=("rev",))
    error = info.value
    assert error.element == "[1, 2]" and error.argument == "w"
    assert error.ad == pytest.approx(1.5) and error.fd == pytest.approx(1.0, rel=1e-8)
    assert "element [1, 2]" in str(error)


def test_forward_mode_mismatch_names_the_output_element(monkeypatch):
    real = tl.api.jvp

    def patched(f, primals, tangents, **options):
        value, tangent = real(f, primals, tangents, **options)
        return value, [tangent[0], tangent[1] * 2.0, tangent[2]]
    monkeypatch.setattr(tl.api, "jvp", patched)
    with pytest.raises(tl.GradientCheckError) as info:
        tl.check_grads(list_out, (0.3, 0.8), modes=("fwd",))
    assert "forward mode (tl.jvp)" in str(info.value)
    assert "output element [1]" in str(info.value)
    assert info.value.argument == "x"


def test_second_order_mismatch(monkeypatch):
    monkeypatch.setattr(tl.higher, "hvp", lambda f, primals, vectors: tuple(
        1.0 * v for v in vectors))
    with pytest.raises(tl.GradientCheckError, match="second order, forward over reverse"):
        tl.check_grads(scalar_two, (0.7, -1.3), order=2, modes=("fwd",))
    tl.check_grads(scalar_two, (0.7, -1.3), order=2, modes=("rev",))   # grad(grad(f))


def test_random_directions_are_deterministic_and_named(monkeypatch):
    real = tl.api.value_and_grad

    def patched(f, wrt=0, **options):
        inner = real(f, wrt=wrt, **options)
        return lambda *args: (inner(*args)[0], tuple(g * 1.01 for g in inner(*args)[1]))
    monkeypatch.setattr(tl.api, "value_and_grad", patched)
    messages = []
    for _ in range(2):
        with pytest.raises(tl.GradientCheckError) as info:
            tl.check_grads(array_in, (np.linspace(-1.0, 1.0, 100),), modes=("rev",))
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "along random direction 0 (seed 0)" in messages[0]


@pytest.mark.parametrize("call, words", [
    (lambda: tl.check_grads(scalar_two, 0.7), "as a tuple"),
    (lambda: tl.check_grads(scalar_two, (0.7, 1.0), order=3), "order=3"),
    (lambda: tl.check_grads(scalar_two, (0.7, 1.0), modes=("sideways",)), "modes="),
    (lambda: tl.check_grads(with_int, (np.array([1, 2]), 3)), "no float"),
    (lambda: tl.check_grads(array_out, (np.ones(2), 1.0), order=2), "scalar-valued"),
])
def test_bad_calls_are_clear_errors(call, words):
    with pytest.raises(tl.TangentlikeError, match=words):
        call()


def test_the_command_line_checks_second_order(capsys, wrong_cube_rule):
    demo = "tests/cli_examples/demo.py"
    assert cli.main(["check", f"{demo}:f", "--at", "a=2.0", "b=3.0", "--order", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("OK: second derivatives")


def test_the_command_line_and_check_grads_share_their_differences():
    assert cli.STEP == tl.checking.STEP and (cli.RTOL, cli.ATOL) == (1e-5, 1e-6)
    fd = cli._central_differences(lambda name, x: np.sum(x ** 3), "w", np.array([1.0, 2.0]),
                                  cli.STEP, [0, 1], lambda: None)
    np.testing.assert_allclose(fd, [3.0, 12.0], rtol=1e-8)


def sine_sum(x):
    return np.sum(np.sin(x) * x)


@pytest.mark.parametrize("order", [1, 2])
def test_float32_arrays_are_checked_against_differences_in_float64(order):
    """A step of 1e-6 would round away in float32: the differences are taken in float64,
    and a float32 scalar output is a number like a float64 one."""
    x = np.linspace(0.1, 1.0, 5).astype(np.float32)
    before = x.copy()
    assert tl.check_grads(sine_sum, (x,), order=order) is None
    np.testing.assert_array_equal(x, before)
