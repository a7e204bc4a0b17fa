"""Run the fuzzer's checks on one program and classify it.

Receives a program: a module text that defines `f` and ends with `ARGS = (...)`, the
positional arguments (see `generate`).  Guarantees: `judge_text(text)` returns a
`Verdict` whose outcome is one of

- "correct": every check that applies passed;
- "skipped": the program says nothing about tangentlike: it does not load, its own
  primal raises, is not a finite scalar or is huge at ARGS, or it has a kink there
  (central differences with two step sizes disagree);
- "error": tangentlike raised a `TangentlikeError` (a clean, deliberate error);
- "crash": any other exception escaped an entry point (tangentlike's own code or the
  code it generated), or an entry point ran past the time limit;
- "wrong": a check disagreed.

and a `signature`, the failure's class: the check that failed, or the entry point and
exception type with its first line normalized (paths, numbers), so that the same bug
found in two programs has one signature.  Checks run in a fixed order and the first
failure decides the verdict:

1. `tl.grad` against central differences (and the structure of the gradient); a
   kink (the two step sizes, or forward and backward differences, disagree) skips;
2. one `tl.grad` object, called again, gives the same gradient; called with the wrt
   float arrays rounded to integers it refuses them (NonDifferentiableArgumentError,
   as a fresh one does); called once more, the same gradient again;
3. `tl.value_and_grad`: the value against calling f, the gradient against `tl.grad`;
4. `tl.jvp` with a random tangent v: the value against f, the tangent against grad . v;
5. autograd on a second copy of the module (numpy bound to autograd.numpy) where the
   program writes into nothing; used only where autograd itself agrees with central
   differences;
6. float32 array arguments against float64 (where f's float32 value is close, and not
   where the float32 gradient's inf or nan comes from an overflow in float32);
7. the program with every `for ... in range(...)` loop run over
   `tl.checkpointed(range(...), snapshots=2)`: the primal and the gradient must be the
   plain program's (to 1e-9); a loop checkpointing rejects (a clean error) skips this;
8. where numba is installed, `tl.value_and_grad(f, backend="numba")`: the value and the
   gradient must be the Python backend's (to 1e-9); a derivative Numba cannot compile
   (NumbaCompileError, a clean error) skips this.

After every entry point call, the arguments (primals and tangents, arrays, lists and
dicts) must be unchanged.  f itself is always called on copies, since it may write
into its arguments.  Every derivative is compiled into a fresh TANGENTLIKE_CACHE_DIR.
`judge(program)` judges a `generate.Program`, drawing new arguments when the first
ones land on a kink or make the primal fail.
"""

import ast
import contextlib
import copy
import dataclasses
import importlib.util
import itertools
import math
import os
import re
import shutil
import signal
import sys
import tempfile
import types
import warnings
import zlib

import numpy as np

from . import generate

CHECKS = ("grad", "repeat", "value_and_grad", "jvp", "autograd", "float32", "checkpointed",
          "numba")
TIME_LIMIT_S = 20
STEPS = (1e-6, 1e-4)          # central-difference steps, relative to max(1, |x|)
ONE_SIDED_STEP = 1e-5         # forward vs backward differences, to see kinks
HUGE = 1e6                    # a primal this large makes differences meaningless
REDRAWS = 3                   # argument draws tried before a program is skipped

_counter = itertools.count()


@dataclasses.dataclass(frozen=True)
class Verdict:
    """A program's class: outcome, failure signature ("" when none) and details."""
    outcome: str
    signature: str = ""
    detail: str = ""


class _Skip(Exception):
    """The program cannot be judged at these arguments."""


class _Fail(Exception):
    """A check failed: carries the verdict."""

    def __init__(self, verdict):
        super().__init__(verdict.signature)
        self.verdict = verdict


class Timeout(BaseException):
    """The program ran past the time limit (a BaseException so no `except` hides it)."""


# ------------------------------------------------------------------ loading

def _module_name():
    return f"tlfuzz_{os.getpid()}_{next(_counter)}"


def load(text, directory):
    """Import `text` from a real file in `directory` (tangentlike reads the source)."""
    name = _module_name()
    path = os.path.join(directory, f"{name}.py")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _autograd_math():
    """`math` as seen by the autograd copy of a program."""
    import autograd.numpy as anp
    import autograd.scipy.special as special
    return types.SimpleNamespace(
        sin=anp.sin, cos=anp.cos, tan=anp.tan, tanh=anp.tanh, exp=anp.exp, log=anp.log,
        log1p=anp.log1p, sqrt=anp.sqrt, atan=anp.arctan, hypot=anp.hypot, erf=special.erf,
        pow=anp.power, fabs=anp.abs, pi=math.pi, e=math.e)


def load_for_autograd(text):
    """A second copy of the module with `np` = autograd.numpy and `math` over it."""
    import autograd.numpy as anp
    source = text.replace("import numpy as np\n", "", 1).replace("import math\n", "", 1)
    namespace = {"np": anp, "math": _autograd_math(), "float": lambda v=0.0: v,
                 "__name__": _module_name()}
    exec(compile(source, f"<autograd copy {namespace['__name__']}>", "exec"), namespace)
    return namespace["f"]


def writes_into_values(text):
    """Whether the program writes into an array, list or dict (autograd cannot follow)."""
    tree = ast.parse(text)
    has_arrays = "np.array(" in text.rsplit("\nARGS = ", 1)[-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            return True
        if isinstance(node, ast.AugAssign) and (has_arrays or
                                                isinstance(node.target, ast.Subscript)):
            return True
        if isinstance(node, ast.Attribute) and node.attr == "append":
            return True
    return False


# ---------------------------------------------------------- argument leaves

def differentiable(value):
    return isinstance(value, (float, np.ndarray, list, dict)) and not isinstance(value, bool)


def wrt_of(args):
    """The `wrt` the judge differentiates with: an int for one argument, else a tuple."""
    positions = tuple(k for k, v in enumerate(args) if differentiable(v))
    return positions[0] if len(positions) == 1 else positions


def positions_of(wrt):
    return wrt if isinstance(wrt, tuple) else (wrt,)


def flatten(value):
    """The floats of a float, an array, a list or a dict, as one float64 vector."""
    if isinstance(value, np.ndarray):
        return value.astype(np.float64).ravel()
    if isinstance(value, list):
        return np.concatenate([flatten(v) for v in value]) if value else np.zeros(0)
    if isinstance(value, dict):
        return flatten(list(value.values()))
    return np.array([float(value)])


def rebuild(template, vector):
    """`template`'s structure filled with the floats of `vector`, in `flatten` order."""
    if isinstance(template, np.ndarray):
        return vector[:template.size].reshape(template.shape).astype(template.dtype), \
            vector[template.size:]
    if isinstance(template, list):
        out = []
        for item in template:
            item, vector = rebuild(item, vector)
            out.append(item)
        return out, vector
    if isinstance(template, dict):
        items, vector = rebuild(list(template.values()), vector)
        return dict(zip(template, items)), vector
    return float(vector[0]), vector[1:]


def structure_problem(grad, template, path="grad"):
    """Why `grad` does not have `template`'s type and shape, or None."""
    if isinstance(template, np.ndarray):
        if not isinstance(grad, np.ndarray):
            return f"{path}: expected an array of shape {template.shape}, got {type(grad).__name__}"
        if grad.shape != template.shape or grad.dtype.kind != "f":
            return f"{path}: expected shape {template.shape}, got {grad.shape} {grad.dtype}"
        return None
    if isinstance(template, (list, dict)):
        if type(grad) is not type(template) or len(grad) != len(template):
            return f"{path}: expected a {type(template).__name__} of {len(template)}, got {grad!r}"
        if isinstance(template, dict) and list(grad) != list(template):
            return f"{path}: expected keys {list(template)}, got {list(grad)}"
        items = template.values() if isinstance(template, dict) else template
        got = grad.values() if isinstance(grad, dict) else grad
        for k, (g, t) in enumerate(zip(got, items)):
            problem = structure_problem(g, t, f"{path}[{k}]")
            if problem:
                return problem
        return None
    if not isinstance(grad, (float, np.floating)) or isinstance(grad, np.ndarray):
        return f"{path}: expected a float, got {type(grad).__name__} {grad!r}"
    return None


def gradient_vector(grad, args, wrt):
    """The gradient as one vector over the wrt arguments' floats; raises _Fail on shape."""
    parts = grad if isinstance(wrt, tuple) else (grad,)
    if isinstance(wrt, tuple) and (not isinstance(grad, tuple) or len(grad) != len(wrt)):
        raise _Fail(Verdict("wrong", "wrong: grad structure",
                            f"expected a tuple of {len(wrt)} gradients, got {grad!r}"))
    for part, position in zip(parts, positions_of(wrt)):
        problem = structure_problem(part, args[position])
        if problem:
            raise _Fail(Verdict("wrong", "wrong: grad structure", problem))
    return np.concatenate([flatten(part) for part in parts])


def with_vector(args, wrt, vector):
    """A deep copy of `args` whose wrt arguments hold the floats of `vector`."""
    out = copy.deepcopy(list(args))
    for position in positions_of(wrt):
        out[position], vector = rebuild(args[position], vector)
    return tuple(out)


def same_values(a, b):
    """Exact equality of two argument values, types and structure included."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_values(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_values(a[k], b[k]) for k in a)
    return a == b or (a != a and b != b)


# ------------------------------------------------------------------- oracles

def primal(f, args):
    """f at a copy of `args`, as a float; _Skip if it fails, is not finite or huge."""
    try:
        value = f(*copy.deepcopy(args))
        value = float(value) if np.ndim(value) == 0 else None
    except Timeout:
        raise
    except Exception as exc:   # noqa: BLE001 -- the program's own failure
        raise _Skip(f"primal raises {type(exc).__name__}: {exc}") from None
    if value is None or not math.isfinite(value) or abs(value) > HUGE:
        raise _Skip(f"primal is {value!r}")
    return value


def central_differences(f, args, wrt, step):
    """Gradient by central differences over the wrt floats, steps `step * max(1, |x|)`."""
    x = np.concatenate([flatten(args[p]) for p in positions_of(wrt)])
    grad = np.zeros_like(x)
    for k in range(x.size):
        h = step * max(1.0, abs(x[k]))
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        grad[k] = (primal(f, with_vector(args, wrt, up))
                   - primal(f, with_vector(args, wrt, down))) / (2 * h)
    return grad


def one_sided_gap(f, args, wrt, step=ONE_SIDED_STEP):
    """|forward - backward difference| per float: large where the slope jumps (a
    kink that central differences, being symmetric, would average away)."""
    x = np.concatenate([flatten(args[p]) for p in positions_of(wrt)])
    at_x = primal(f, args)
    gaps = np.zeros_like(x)
    for k in range(x.size):
        h = step * max(1.0, abs(x[k]))
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        forward = (primal(f, with_vector(args, wrt, up)) - at_x) / h
        backward = (at_x - primal(f, with_vector(args, wrt, down))) / h
        gaps[k] = abs(forward - backward)
    return gaps


def reference_gradient(f, args, wrt):
    """Central differences, or _Skip at a kink: where the two step sizes disagree, or
    where forward and backward differences do."""
    fine, coarse = (central_differences(f, args, wrt, step) for step in STEPS)
    scale = max(1.0, np.abs(fine).max(initial=0.0))
    if not np.allclose(fine, coarse, rtol=1e-4, atol=1e-5 * scale):
        raise _Skip("kink: central differences disagree between step sizes")
    if np.any(one_sided_gap(f, args, wrt) > 1e-2 * scale):
        raise _Skip("kink: forward and backward differences disagree")
    return fine


def scalar_of(value):
    """`value` as a float if it is a real scalar (a float, a NumPy scalar or a 0-d
    array), else None."""
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "fiu":
        return float(value)
    return None


def close(actual, expected, rtol, atol_scale):
    atol = atol_scale * max(1.0, np.abs(expected).max(initial=0.0))
    return np.allclose(actual, expected, rtol=rtol, atol=atol)


def mismatch(actual, expected):
    """Expected vs got, at the worst element."""
    k = int(np.argmax(np.abs(actual - expected))) if actual.size else 0
    return (f"at float {k} of the wrt arguments: got {actual[k]!r}, expected {expected[k]!r}"
            f"\n  got:      {np.array2string(actual, precision=6)}"
            f"\n  expected: {np.array2string(expected, precision=6)}")


def autograd_gradient(text, args, wrt):
    """autograd's gradient as one vector, or None where autograd cannot run f."""
    import autograd
    try:
        f = load_for_autograd(text)
        parts = []
        for position in positions_of(wrt):
            def partial(value, position=position):
                call = list(copy.deepcopy(args))
                call[position] = value
                return f(*call)
            parts.append(flatten(autograd.grad(partial)(copy.deepcopy(args[position]))))
        grad = np.concatenate(parts)
    except Timeout:
        raise
    except Exception:   # noqa: BLE001 -- autograd failing is no verdict on tangentlike
        return None
    return grad if np.all(np.isfinite(grad)) else None


# --------------------------------------------------------------- the checks

_PATH = re.compile(r"(/[^\s:'\"]+)+\.py")
_CACHE_FILE = re.compile(r"tl_[0-9a-f]{6,}\.py")
_NUMBER = re.compile(r"\d+")
_QUOTED_NAME = re.compile(r"`[^`]*`")


def normalized(message):
    """First line of an exception message with paths, numbers and `quoted` names made
    generic."""
    line = (str(message).strip().splitlines() or [""])[0]
    line = _QUOTED_NAME.sub("`NAME`", _CACHE_FILE.sub("GENERATED", _PATH.sub("FILE", line)))
    return _NUMBER.sub("N", line)[:160]


def call_entry(entry, function, *args, **kwargs):
    """Call an entry point; an exception becomes an "error" or "crash" _Fail."""
    import tangentlike as tl
    try:
        return function(*args, **kwargs)
    except Timeout:
        raise _Fail(Verdict("crash", f"crash: {entry}: timeout",
                            f"{entry} ran past {TIME_LIMIT_S} s")) from None
    except tl.TangentlikeError as exc:
        raise _Fail(Verdict("error", f"error: {type(exc).__name__}: {normalized(exc)}",
                            f"{entry}: {type(exc).__name__}: {exc}")) from None
    except Exception as exc:   # noqa: BLE001 -- anything else is a crash
        raise _Fail(Verdict("crash", f"crash: {entry}: {type(exc).__name__}: "
                                     f"{normalized(exc)}",
                            f"{entry}: {type(exc).__name__}: {exc}")) from None


def require(ok, signature, detail):
    if not ok:
        raise _Fail(Verdict("wrong", f"wrong: {signature}", detail))


def require_unchanged(entry, before, after, what="its arguments"):
    for k, (a, b) in enumerate(zip(before, after)):
        require(same_values(a, b), f"{entry} modified {what}",
                f"argument {k} was {a!r} before the call and {b!r} after it")


def check_grad(f, args, wrt, expected):
    import tangentlike as tl
    calling = copy.deepcopy(args)
    grad = call_entry("grad", tl.grad(f, wrt=wrt), *calling)
    require_unchanged("grad", args, calling)
    got = gradient_vector(grad, args, wrt)
    if not close(got, expected, 1e-4, 1e-5) and ill_conditioned(f, args, wrt, got):
        raise _Skip("ill-conditioned: the derivative jumps under a perturbation of 1e-9")
    require(close(got, expected, 1e-4, 1e-5), "grad vs central differences",
            mismatch(got, expected))
    return got


def ill_conditioned(f, args, wrt, got):
    """Does the gradient change beyond the tolerance when the wrt floats move by a
    relative 1e-9?  Then the point is singular in floating point (`np.std` of values
    equal but for rounding: its slope is rounding error over rounding error), and
    neither differences nor any AD can be compared there."""
    import tangentlike as tl
    x = np.concatenate([flatten(args[p]) for p in positions_of(wrt)])
    for factor in (1.0 + 1e-9, 1.0 - 1e-9):
        moved = with_vector(args, wrt, x * factor)
        again = gradient_vector(tl.grad(f, wrt=wrt)(*copy.deepcopy(moved)), moved, wrt)
        if not close(again, got, 1e-4, 1e-5):
            return True
    return False


def check_repeat(f, args, wrt, first):
    """One derivative object, called again, then with the wrt arrays as integers (which
    a fresh one refuses), then again: what it gives never depends on what it was called
    with before (its generated code is remembered by the arguments' types)."""
    import tangentlike as tl
    derivative = tl.grad(f, wrt=wrt)
    grad = call_entry("grad (second call)", derivative, *copy.deepcopy(args))
    again = gradient_vector(grad, args, wrt)
    require(np.allclose(again, first, rtol=1e-9, atol=1e-12), "grad second call differs",
            mismatch(again, first))
    integral = as_integers(args, wrt)
    if integral is None:
        return
    try:
        derivative(*integral)
    except tl.NonDifferentiableArgumentError:
        pass
    except Exception as exc:    # noqa: BLE001 -- ran the code made for floats
        require(False, "integer arrays not refused after a float call",
                f"{type(exc).__name__}: {exc}")
    else:
        require(False, "integer arrays not refused after a float call",
                "the derivative returned a gradient")
    grad = call_entry("grad (after integers)", derivative, *copy.deepcopy(args))
    again = gradient_vector(grad, args, wrt)
    require(np.allclose(again, first, rtol=1e-9, atol=1e-12),
            "grad after a refused call differs", mismatch(again, first))


def as_integers(args, wrt):
    """`args` with each float array among the `wrt` arguments rounded to int64, or None
    when there is none."""
    positions = [p for p in positions_of(wrt)
                 if isinstance(args[p], np.ndarray) and args[p].dtype.kind == "f"]
    if not positions:
        return None
    return tuple(np.round(a).astype(np.int64) if k in positions else copy.deepcopy(a)
                 for k, a in enumerate(args))


def check_value_and_grad(f, args, wrt, value, grad):
    import tangentlike as tl
    calling = copy.deepcopy(args)
    out = call_entry("value_and_grad", tl.value_and_grad(f, wrt=wrt), *calling)
    require_unchanged("value_and_grad", args, calling)
    require(isinstance(out, tuple) and len(out) == 2, "value_and_grad structure",
            f"value_and_grad returned {out!r}")
    require_value_and_gradient(out, args, wrt, value, grad, "value_and_grad value vs f",
                               "value_and_grad gradient vs grad", 1e-7, 1e-9)


def require_value_and_gradient(out, args, wrt, value, grad, value_check, grad_check, rtol,
                               atol):
    """`out`, a pair (value, gradient), agrees with f's `value` and with `grad`."""
    got_value, got_grad = out
    got = scalar_of(got_value)
    require(got is not None and abs(got - value) <= 1e-9 * (1 + abs(value)), value_check,
            f"got {got_value!r}, f gives {value!r}")
    got = gradient_vector(got_grad, args, wrt)
    require(np.allclose(got, grad, rtol=rtol, atol=atol), grad_check, mismatch(got, grad))


def check_numba(f, args, wrt, value, grad):
    """The derivative compiled by Numba against the Python backend's (`grad`)."""
    import tangentlike as tl
    if importlib.util.find_spec("numba") is None:
        return "numba n/a"
    calling = copy.deepcopy(args)
    out = call_entry("value_and_grad (numba)", _compiled,
                     tl.value_and_grad(f, wrt=wrt, backend="numba"), calling)
    if out is None:
        return "numba n/a"
    require_unchanged("value_and_grad (numba)", args, calling)
    require_value_and_gradient(out, args, wrt, value, grad, "numba value vs f",
                               "numba grad vs python grad", 1e-9, 1e-12)
    return "numba"


def _compiled(derivative, args):
    """derivative(*args), or None where Numba cannot compile it (a clean error)."""
    import tangentlike as tl
    try:
        return derivative(*args)
    except tl.NumbaCompileError:
        return None


def random_tangents(args, seed):
    """One tangent per argument: random floats in the shape of each (0 for ints)."""
    rng = np.random.default_rng(seed)
    tangents = []
    for arg in args:
        if differentiable(arg):
            tangent, _ = rebuild(arg, rng.uniform(-1.0, 1.0, flatten(arg).size))
            tangents.append(tangent)
        else:
            tangents.append(0)
    return tuple(tangents)


def check_jvp(f, args, wrt, value, expected_grad, seed):
    import tangentlike as tl
    tangents = random_tangents(args, seed)
    primals, tangents_in = copy.deepcopy(args), copy.deepcopy(tangents)
    out = call_entry("jvp", tl.jvp, f, primals, tangents_in)
    require_unchanged("jvp", args, primals, "its primals")
    require_unchanged("jvp", tangents, tangents_in, "its tangents")
    require(isinstance(out, tuple) and len(out) == 2, "jvp structure", f"jvp returned {out!r}")
    got_value, got_tangent = out
    got = scalar_of(got_value)
    require(got is not None and abs(got - value) <= 1e-9 * (1 + abs(value)),
            "jvp value vs f", f"got {got_value!r}, f gives {value!r}")
    v = np.concatenate([flatten(tangents[p]) for p in positions_of(wrt)])
    expected = float(expected_grad @ v)
    scale = float(np.abs(expected_grad * v).sum())
    got = scalar_of(got_tangent)
    require(got is not None and
            abs(got - expected) <= 1e-4 * abs(expected) + 1e-5 * max(1.0, scale),
            "jvp vs grad . v", f"got {got_tangent!r}, expected {expected!r}")


def check_autograd(text, args, wrt, grad, reference):
    theirs = autograd_gradient(text, args, wrt)
    if theirs is None or not close(theirs, reference, 1e-4, 1e-5):
        return "autograd n/a"
    require(close(grad, theirs, 1e-6, 1e-8), "grad vs autograd", mismatch(grad, theirs))
    return "autograd"


def as_float32(args):
    return tuple(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args)


def check_float32(f, args, wrt, value, grad):
    import tangentlike as tl
    if not any(isinstance(a, np.ndarray) for a in args):
        return "float32 n/a"
    small = as_float32(args)
    try:
        with np.errstate(over="raise"):     # an overflow only float32 has: not comparable
            small_value = primal(f, small)
    except (_Skip, FloatingPointError):
        return "float32 n/a"
    if abs(small_value - value) > 1e-4 * (1 + abs(value)):
        return "float32 n/a"
    calling = copy.deepcopy(small)
    got = call_entry("grad (float32)", tl.grad(f, wrt=wrt), *calling)
    require_unchanged("grad (float32)", small, calling)
    got = gradient_vector(got, small, wrt)
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(grad)) \
            and overflows_in_float32(f, small, wrt):
        return "float32 n/a"
    require(close(got, grad, 2e-3, 2e-3), "float32 grad vs float64 grad", mismatch(got, grad))
    return "float32"


def overflows_in_float32(f, small, wrt):
    """Does the float32 gradient overflow, or make 0 * inf, in NumPy's elementwise
    arithmetic?  Then its inf or nan is float32's range, not a wrong derivative.  (The
    primal's overflow check above misses what goes through BLAS, `np.dot`, where NumPy
    before 2.4 sets no floating-point flags.)"""
    import tangentlike as tl
    try:
        with np.errstate(over="raise", invalid="raise"):
            tl.grad(f, wrt=wrt)(*copy.deepcopy(small))
    except FloatingPointError:
        return True
    except Exception:       # noqa: BLE001 -- any other failure: compared as it is
        return False
    return False


def checkpointed_variant(text):
    """`text` with every `for ... in range(...)` loop without jumps (which checkpointing
    rejects) over `tl.checkpointed(range(...), snapshots=2)`, or None when it has none."""
    tree = ast.parse(text)
    jumps = (ast.Break, ast.Continue, ast.Return)
    loops = [node for node in ast.walk(tree) if isinstance(node, ast.For)
             and isinstance(node.iter, ast.Call) and isinstance(node.iter.func, ast.Name)
             and node.iter.func.id == "range"
             and not any(isinstance(x, jumps) for s in node.body for x in ast.walk(s))]
    if not loops:
        return None
    for loop in loops:
        checkpointed = ast.Attribute(ast.Name("_fuzz_tl", ast.Load()), "checkpointed", ast.Load())
        loop.iter = ast.Call(checkpointed, [loop.iter],
                             [ast.keyword("snapshots", ast.Constant(2))])
    return "import tangentlike as _fuzz_tl\n" + ast.unparse(ast.fix_missing_locations(tree))


def check_checkpointed(text, directory, args, wrt, value, grad):
    import tangentlike as tl
    variant = checkpointed_variant(text)
    if variant is None:
        return "checkpointed n/a"
    f = load(variant, directory).f
    got_value = primal(f, args)
    require(got_value == value, "checkpointed primal vs f", f"got {got_value!r}, f gives {value!r}")
    calling = copy.deepcopy(args)
    try:
        got = call_entry("grad (checkpointed loops)", tl.grad(f, wrt=wrt), *calling)
    except _Fail as failure:
        if failure.verdict.outcome == "error":          # a loop body it rejects, located
            return "checkpointed n/a"
        raise
    require_unchanged("grad (checkpointed loops)", args, calling)
    got = gradient_vector(got, args, wrt)
    require(np.allclose(got, grad, rtol=1e-9, atol=1e-12), "checkpointed grad vs grad",
            mismatch(got, grad))
    return "checkpointed"


# ------------------------------------------------------------------ driving

@contextlib.contextmanager
def time_limit(seconds):
    """Raise Timeout in the main thread after `seconds` (no limit elsewhere)."""
    def expire(signum, frame):
        raise Timeout()
    if seconds is None or not hasattr(signal, "SIGALRM"):
        yield
        return
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def fresh_cache():
    """A temporary TANGENTLIKE_CACHE_DIR (and empty in-memory memo) for one program."""
    directory = tempfile.mkdtemp(prefix="tlfuzz-")
    saved = os.environ.get("TANGENTLIKE_CACHE_DIR")
    os.environ["TANGENTLIKE_CACHE_DIR"] = directory
    try:
        yield directory
    finally:
        if saved is None:
            os.environ.pop("TANGENTLIKE_CACHE_DIR", None)
        else:
            os.environ["TANGENTLIKE_CACHE_DIR"] = saved
        _forget_memo()
        shutil.rmtree(directory, ignore_errors=True)


def _forget_memo():
    from tangentlike.cache import CACHE
    CACHE.invalidate()


def run_checks(text, directory):
    """All checks on one program text; returns the verdict (raises nothing)."""
    try:
        module = load(text, directory)
        f, args = module.f, tuple(module.ARGS)
    except Timeout:
        return Verdict("skipped", "", "timeout: loading ran past the time limit")
    except Exception as exc:   # noqa: BLE001 -- a program that does not load says nothing
        return Verdict("skipped", "", f"does not load: {type(exc).__name__}: {exc}")
    ran = []
    try:
        wrt = wrt_of(args)
        if not positions_of(wrt):
            raise _Skip("nothing to differentiate")
        value = primal(f, args)
        reference = reference_gradient(f, args, wrt)
        grad = check_grad(f, args, wrt, reference)
        check_repeat(f, args, wrt, grad)
        check_value_and_grad(f, args, wrt, value, grad)
        check_jvp(f, args, wrt, value, reference, zlib.crc32(text.encode()))
        ran += ["grad", "repeat", "value_and_grad", "jvp"]
        if not writes_into_values(text):
            ran.append(check_autograd(text, args, wrt, grad, reference))
        ran.append(check_float32(f, args, wrt, value, grad))
        ran.append(check_checkpointed(text, directory, args, wrt, value, grad))
        ran.append(check_numba(f, args, wrt, value, grad))
    except _Skip as skip:
        return Verdict("skipped", "", str(skip))
    except _Fail as failure:
        return failure.verdict
    except Timeout:
        return Verdict("skipped", "", "timeout: the primal or central differences ran past "
                                      "the time limit")
    except Exception as exc:   # noqa: BLE001 -- a bug of the judge's own: say so, go on
        print(f"fuzz judge error (program skipped): {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return Verdict("skipped", "", f"judge error: {type(exc).__name__}: {exc}")
    finally:
        sys.modules.pop(getattr(locals().get("module"), "__name__", ""), None)
    return Verdict("correct", "", "checks: " + ", ".join(ran))


def judge_text(text, time_limit_s=TIME_LIMIT_S):
    """The verdict on one program text (see the module docstring)."""
    with fresh_cache() as directory, warnings.catch_warnings(), \
            np.errstate(all="ignore"), time_limit(time_limit_s):
        warnings.simplefilter("ignore")
        try:
            return run_checks(text, directory)
        except Timeout:
            return Verdict("skipped", "", "timeout: ran past the time limit")


def judge(program, time_limit_s=TIME_LIMIT_S):
    """(verdict, the program judged): arguments are drawn again while skipped."""
    verdict = None
    for attempt in range(REDRAWS):
        candidate = generate.redraw(program, attempt) if attempt else program
        verdict = judge_text(candidate.text, time_limit_s)
        if verdict.outcome != "skipped" or verdict.detail.startswith("timeout"):
            return verdict, candidate
    return verdict, program
