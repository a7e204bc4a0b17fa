"""The public API is typed: every name of `tangentlike.__all__` is annotated, the
annotations resolve at run time (`typing.get_type_hints`), the package ships `py.typed`,
and mypy finds no error in the public modules (pyproject.toml's `[tool.mypy]`) nor in
code that uses the API as a user writes it.
"""

import importlib.util
import inspect
import pathlib
import subprocess
import sys
import textwrap
import typing

import pytest

import tangentlike as tl

ROOT = pathlib.Path(__file__).resolve().parent.parent
PUBLIC = [getattr(tl, name) for name in tl.__all__ if name != "__version__"]
FUNCTIONS = [x for x in PUBLIC if inspect.isfunction(x)]
# classes of the API with an `__init__` of their own: the errors that take arguments
INITS = [x.__init__ for x in PUBLIC if inspect.isclass(x) and "__init__" in vars(x)]

needs_mypy = pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                                reason="mypy is not installed (the dev extra has it)")


@pytest.mark.parametrize("function", FUNCTIONS + INITS, ids=lambda f: f.__qualname__)
def test_every_parameter_and_return_is_annotated(function):
    signature = inspect.signature(function)
    bare = [p.name for p in signature.parameters.values()
            if p.annotation is inspect.Parameter.empty and p.name != "self"]
    assert not bare, f"{function.__qualname__}: parameters without a type: {bare}"
    assert signature.return_annotation is not inspect.Signature.empty, \
        f"{function.__qualname__}: no return type"


@pytest.mark.parametrize("function", FUNCTIONS + INITS, ids=lambda f: f.__qualname__)
def test_annotations_resolve_at_run_time(function):
    hints = typing.get_type_hints(function)
    assert "return" in hints


def test_differentiable_methods_are_annotated():
    for name in ("__init__", "__call__", "grad", "value_and_grad", "source"):
        hints = typing.get_type_hints(getattr(tl.api.Differentiable, name))
        assert "return" in hints, name


def test_package_ships_py_typed():
    assert (ROOT / "tangentlike" / "py.typed").is_file()
    assert 'tangentlike = ["py.typed"]' in (ROOT / "pyproject.toml").read_text()


def _mypy(tmp_path, *arguments):
    """mypy run from the repository root with pyproject.toml's settings: (status, output)."""
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(tmp_path / "mypy_cache"), "--no-error-summary", *arguments],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


@needs_mypy
def test_mypy_is_clean_on_the_public_modules(tmp_path):
    status, output = _mypy(tmp_path)
    assert status == 0, output


USER_CODE = '''
import numpy as np
import tangentlike as tl


@tl.differentiate
def f(x: float) -> float:
    return x * x


@tl.differentiate(wrt=("x", 1))
def g(x: float, y: float) -> float:
    return x * y


@tl.checkpoint
def step(x: float) -> float:
    return x * x


class Model:
    @tl.differentiate
    def loss(self, x: float) -> float:
        return x * x


gradient: float = f.grad(3.0)
value, slope = f.value_and_grad(3.0)
text: str = f.source() + g.source("forward") + tl.source(step, mode="forward", wrt="x")
bound = Model().loss.grad(2.0)
same: float = step(2.0)
kept: np.ndarray = tl.stop_gradient(np.ones(3))
dg = tl.grad(g, wrt=(0, "y"), optimize=False, backend="auto")(1.0, 2.0)
out, pullback = tl.vjp(g, 1.0, 2.0)
out, tangent = tl.jvp(g, (1.0, 2.0), (1.0, 0.0), optimize="numba")
first: float = tl.derivative(step, order=2)(1.0)
h = tl.hessian(g, wrt=(0, 1))(1.0, 2.0) + tl.hvp(g, (1.0, 2.0), (1.0, 0.0))
j = tl.jacobian(step, mode="rev")(1.0)
v, gr, hs = tl.value_grad_hessian(step)(1.0)
field: np.ndarray = tl.curl(lambda x: x)(np.ones(3))
tl.check_grads(g, (1.0, 2.0), order=2, modes="rev", wrt=["x"])
for i in tl.checkpointed(range(4), snapshots=2):
    pass
tl.register_nondifferentiable(round)


@tl.register_adjoint(np.cbrt)
def cbrt_adjoint(g, ans, x):
    return g / (3.0 * ans * ans)


error = tl.GradientCheckError("message", mode="rev", position=0)
located = tl.UnsupportedSyntaxError("yield", "remove it", filename="f.py", line=3)
'''


@needs_mypy
def test_mypy_accepts_code_that_uses_the_api(tmp_path):
    user = tmp_path / "user_code.py"
    user.write_text(textwrap.dedent(USER_CODE))
    status, output = _mypy(tmp_path, str(user))
    assert status == 0, output
