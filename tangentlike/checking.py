"""Checking derivatives against central finite differences: `check_grads`.

Receives a function and its arguments (a tuple).  Guarantees that `check_grads`
returns None when every derivative tangentlike computes for the arguments agrees with
central finite differences of the function itself, and otherwise raises a
GradientCheckError (an AssertionError) naming the mode, the argument (name and
position), the element, the AD value and the finite difference.  The command line's
`check` uses the same finite differences and criterion (`central_differences`,
`agreement`), and runs `check_grads` for `--order 2`.

What is differentiated: every argument holding floats or float arrays (at any depth
of lists, tuples, dicts, NamedTuples and dataclasses); ints, strings and None are left
as they are.  The step of each central difference (f(x + h) - f(x - h)) / 2h is
h = eps * max(1, |x|) (eps defaults to the cube root of float64's machine epsilon,
balancing truncation against rounding error).  A derivative passes when
|AD - FD| <= atol + rtol * |FD|.  With at most `max_elements` differentiable elements
each is checked along its own unit vector; with more, along `directions` random
directions drawn from `numpy.random.default_rng(seed)` (deterministic), each entry of
a direction normal, the step h = eps * max(1, max |x|).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import numpy as np

from . import api, higher
from .errors import GradientCheckError, TangentlikeError
from .markers import Wrt
from .trees import field_names, is_pytree, rebuilt

STEP = float(np.finfo(np.float64).eps) ** (1 / 3)
RTOL, ATOL = 1e-5, 1e-6
MAX_ELEMENTS, DIRECTIONS = 64, 4
_Mode = Literal["fwd", "rev"]


def central_differences(call, x, step=STEP):
    """(call(x + h) - call(x - h)) / 2h for each element of the float or array `x`
    (`call` returns a number), h = step * max(1, |x|), divided by the difference of
    the two points as rounded."""
    if not isinstance(x, np.ndarray):
        h = step * max(1.0, abs(x))
        up, down = x + h, x - h
        return np.float64((call(up) - call(down)) / (up - down))
    out = np.empty(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        h = step * max(1.0, abs(float(x[index])))
        up[index] += h
        down[index] -= h
        out[index] = (call(up) - call(down)) / float(up[index] - down[index])
    return out


def agreement(ad, fd, rtol=RTOL, atol=ATOL):
    """(|AD - FD|, the relative error |AD - FD| / max(|AD|, |FD|), whether each passes:
    |AD - FD| <= atol + rtol * |FD|, False for NaN)."""
    abs_error = np.abs(ad - fd)
    scale = np.maximum(np.abs(ad), np.abs(fd))
    rel_error = np.divide(abs_error, scale, out=np.zeros_like(abs_error), where=scale > 0)
    return abs_error, rel_error, abs_error <= atol + rtol * np.abs(fd)


def check_grads(f: Callable[..., Any], args: Sequence[Any], order: Literal[1, 2] = 1,
                modes: _Mode | Iterable[_Mode] = ("fwd", "rev"), rtol: float = RTOL,
                atol: float = ATOL, eps: float = STEP, wrt: Wrt | None = None,
                max_elements: int = MAX_ELEMENTS, directions: int = DIRECTIONS,
                seed: int = 0) -> None:
    """Compare tangentlike's derivatives of `f` at `args` with central differences.

    order=1: in "rev" mode the gradient of `tl.grad` and of `tl.value_and_grad` (and
    its value) for a scalar `f`, the pullback of `tl.vjp` (with a random cotangent)
    otherwise; in "fwd" mode `tl.jvp`, every output element.  order=2 (scalar `f`):
    besides, Hessian-vector products against central differences of the gradient:
    `tl.hvp` (forward over reverse) in "fwd" mode, and in "rev" mode, where every
    differentiated argument is a float, `tl.grad(tl.grad(f))` (reverse over reverse).
    `wrt` (positions or names, as for `tl.grad`) limits the check to those arguments
    (default: every argument holding floats).  Returns None; a mismatch raises
    GradientCheckError.

    `f` is the function and `args` a tuple of its arguments.  `modes` is "fwd", "rev"
    or a tuple of them.  An AD value passes when |AD - FD| <= atol + rtol * |FD|;
    `eps` sets the step of the central differences, h = eps * max(1, |x|).  An
    argument with at most `max_elements` differentiable elements is checked along each
    element's unit vector; a larger one along `directions` random directions drawn from
    `numpy.random.default_rng(seed)`, so a check is repeatable.

    >>> import math, tangentlike as tl
    >>> def f(x, y):
    ...     return x * math.sin(y)
    >>> tl.check_grads(f, (2.0, 0.5), order=2)
    """
    if not isinstance(args, (tuple, list)):
        raise TangentlikeError(f"check_grads takes the arguments as a tuple, got "
                               f"{type(args).__name__} (write `(x,)` for one argument)")
    if order not in (1, 2):
        raise TangentlikeError(f"order={order!r}: use 1 or 2")
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    if not modes or set(modes) - {"fwd", "rev"}:
        raise TangentlikeError(f"modes={modes!r}: use 'fwd', 'rev' or both")
    args = tuple(args)
    check = _Check(f, args, rtol, atol, eps, wrt, max_elements, directions, seed)
    if "rev" in modes:
        check.reverse()
    if "fwd" in modes:
        check.forward()
    if order == 2:
        check.second(modes)


class _Check:
    def __init__(self, f, args, rtol, atol, eps, wrt, max_elements, directions, seed):
        self.f, self.args, self.rtol, self.atol, self.eps = f, args, rtol, atol, eps
        self.name = getattr(f, "__name__", repr(f))
        self.params = _parameter_names(f, len(args))
        chosen = range(len(args)) if wrt is None else \
            [w if isinstance(w, int) else self.params.index(w)
             for w in ((wrt,) if isinstance(wrt, (int, str)) else wrt)]
        self.leaves = [(k, path, leaf) for k, a in enumerate(args) if k in chosen
                       for path, leaf in _leaves(a, "")]
        if not self.leaves:
            raise TangentlikeError(f"check_grads: {self.name} has no float or float-array "
                                   f"argument to differentiate")
        self.positions = sorted({k for k, _, _ in self.leaves})
        self.x = np.concatenate([np.ravel(np.asarray(leaf, dtype=np.float64))
                                 for _, _, leaf in self.leaves])
        self.out = f(*args)
        self.scalar = _is_number(self.out)
        self.random = self.x.size > max_elements
        if self.random:
            rng = np.random.default_rng(seed)
            self.directions = [(f"random direction {i} (seed {seed})",
                                rng.standard_normal(self.x.size)) for i in range(directions)]
        else:
            self.directions = [(j, np.eye(1, self.x.size, j)[0]) for j in range(self.x.size)]

    # -- the arguments as one vector --------------------------------------------------
    def arguments(self, vector, zero_rest=False, widened=False):
        """The arguments with the differentiated leaves taken from `vector` (the others,
        for tangents `zero_rest`, zeros of their structure), in their dtypes, or
        `widened` to float64 (where central differences are taken: a float32 argument
        moved by a step of 1e-6 would round it away)."""
        out, start = [], 0
        sizes = iter([np.size(leaf) for _, _, leaf in self.leaves])
        for k, a in enumerate(self.args):
            if k not in self.positions:
                out.append(_zero(a) if zero_rest else a)
                continue
            parts = []
            for _, leaf in _leaves(a, ""):
                size = next(sizes)
                piece = vector[start:start + size]
                parts.append(piece.reshape(np.shape(leaf)).astype(
                    np.float64 if widened else leaf.dtype)
                    if isinstance(leaf, np.ndarray) else float(piece[0]))
                start += size
            out.append(_replaced(a, iter(parts), zero_ints=zero_rest))
        return tuple(out)

    def gradient_vector(self, grads):
        """A gradient (one per differentiated argument) flattened like the arguments."""
        return np.concatenate([_aligned(g, self.args[k])
                               for g, k in zip(grads, self.positions)])

    def differences(self, function, d):
        """Central differences of the vector `function(x)` along direction `d`."""
        if self.random:
            h = self.eps * max(1.0, float(np.max(np.abs(self.x))))
            up, down = self.x + h * d, self.x - h * d
            return (function(up) - function(down)) / (2 * h)
        j = int(np.argmax(d))
        h = self.eps * max(1.0, abs(self.x[j]))
        up, down = self.x.copy(), self.x.copy()
        up[j] += h
        down[j] -= h
        return (function(up) - function(down)) / (up[j] - down[j])

    def output(self, vector):
        return _vector(self.f(*self.arguments(vector, widened=True)))

    # -- the checks ---------------------------------------------------------------------
    def reverse(self):
        wrt = tuple(self.positions)
        if self.scalar:
            value, g = api.value_and_grad(self.f, wrt=wrt)(*self.args)
            self.compare_value(value)
            found = [("reverse mode (tl.value_and_grad)", self.gradient_vector(g)),
                     ("reverse mode (tl.grad)",
                      self.gradient_vector(api.grad(self.f, wrt=wrt)(*self.args)))]
            u = np.ones(1)
        else:
            rng = np.random.default_rng(seed=len(self.x))
            u = rng.standard_normal(_vector(self.out).size)
            _, pullback = api.vjp(self.f, *self.args)
            adjoints = pullback(_replaced(self.out, iter(_pieces(self.out, u))))
            found = [("reverse mode (tl.vjp, a random cotangent)",
                      self.gradient_vector([adjoints[k] for k in self.positions]))]
        for label, d in self.directions:
            fd = float(u @ self.differences(self.output, d))
            for mode, ad in found:
                self.compare(mode, label, float(ad @ d), fd)

    def forward(self):
        for label, d in self.directions:
            _, tangent = api.jvp(self.f, self.args, self.arguments(d, zero_rest=True))
            ad = _aligned(tangent, self.out)
            fd = self.differences(self.output, d)
            for i in range(fd.size):
                self.compare("forward mode (tl.jvp)", label, float(ad[i]), float(fd[i]),
                             None if self.scalar else i)

    def second(self, modes):
        if not self.scalar:
            raise TangentlikeError(f"check_grads(order=2) needs a scalar-valued function; "
                                   f"{self.name} returned {type(self.out).__name__}")
        wrt = tuple(self.positions)
        gradient = api.grad(self.f, wrt=wrt)

        def gradient_at(vector):
            return self.gradient_vector(gradient(*self.arguments(vector, widened=True)))
        floats = all(isinstance(self.args[k], float) for k in self.positions)
        rows = None
        if "rev" in modes and floats and not self.random:
            rows = np.array([self.gradient_vector(_as_tuple(
                api.grad(api.grad(self.f, wrt=k), wrt=wrt)(*self.args), len(wrt)))
                for k in self.positions])
        for label, d in self.directions:
            fd = self.differences(gradient_at, d)
            found = []
            if "fwd" in modes:
                products = higher.hvp(self.f, self.args, self.arguments(d, zero_rest=True))
                differentiable = [k for k, v in enumerate(self.args)   # (hvp's primals)
                                  if not isinstance(v, (bool, int, str)) and v is not None]
                products = products if len(differentiable) > 1 else (products,)
                by_position = dict(zip(differentiable, products))
                found.append(("second order, forward over reverse (tl.hvp)",
                              self.gradient_vector([by_position[k] for k in self.positions])))
            if rows is not None:
                found.append(("second order, reverse over reverse (tl.grad(tl.grad))",
                              rows @ d))
            for mode, ad in found:
                for i in range(fd.size):
                    self.compare(mode, label, float(ad[i]), float(fd[i]),
                                 gradient_row=self.element(i))

    # -- reporting ------------------------------------------------------------------------
    def element(self, j):
        """(position, parameter name, path with index) of element j of the vector."""
        start = 0
        for k, path, leaf in self.leaves:
            size = np.size(leaf)
            if j < start + size:
                if isinstance(leaf, np.ndarray):
                    index = np.unravel_index(j - start, leaf.shape)
                    path += f"[{', '.join(map(str, index))}]"
                return k, self.params[k], path
            start += size
        raise IndexError(j)

    def compare_value(self, value):
        ok = agreement(np.float64(value), np.float64(self.out), self.rtol, self.atol)[2]
        if not (ok or value == self.out):
            raise GradientCheckError(
                f"check_grads: {self.name}: tl.value_and_grad computes the value {value!r}, "
                f"the function itself {self.out!r}", mode="reverse mode (tl.value_and_grad)",
                ad=value, fd=self.out)

    def compare(self, mode, label, ad, fd, output=None, gradient_row=None):
        abs_error, _, ok = agreement(np.float64(ad), np.float64(fd), self.rtol, self.atol)
        if ok:
            return
        if isinstance(label, str):
            where, argument, position, element = f"along {label}", None, None, label
        else:
            position, argument, element = self.element(label)
            where = f"with respect to argument {argument!r} (position {position})" + \
                (f", element {element}" if element else "")
        of = "" if output is None else f" of output element [{output}]"
        if gradient_row is not None:
            k, name_, path = gradient_row
            of = f" of the gradient's element {name_}{path}"
        raise GradientCheckError(
            f"check_grads: {self.name}: the {mode} derivative{of} {where} is {ad!r}, central "
            f"finite differences give {fd!r} (|AD - FD| = {abs_error:.3g} > "
            f"{self.atol:g} + {self.rtol:g} * |FD|)",
            mode=mode, argument=argument, position=position, element=element, ad=ad, fd=fd)


# -- structures ----------------------------------------------------------------------------

def _parameter_names(f, count):
    try:
        names = list(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        names = []
    return names[:count] + [f"args[{k}]" for k in range(len(names), count)]


def _as_tuple(grads, count):
    """One gradient per argument: a gradient of a gradient is a bare value for one."""
    return grads if isinstance(grads, tuple) and len(grads) == count else (grads,)


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) or \
        isinstance(x, np.ndarray) and x.ndim == 0 or isinstance(x, np.number)


def _children(x):
    if is_pytree(x):
        return [(f".{name}", getattr(x, name)) for name in field_names(x)]
    if isinstance(x, (list, tuple)):
        return [(f"[{i}]", v) for i, v in enumerate(x)]
    if isinstance(x, dict):
        return [(f"[{k!r}]", v) for k, v in x.items()]
    return None


def _leaves(x, path):
    """(path, leaf) for every float and float array in `x`."""
    inside = _children(x)
    if inside is not None:
        return [leaf for step, v in inside for leaf in _leaves(v, path + step)]
    if isinstance(x, (float, np.floating)) or isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return [(path, x)]
    return []


def _replaced(x, new, zero_ints=False):
    """`x` with its float leaves taken, in order, from the iterator `new` (and, for a
    tangent, `zero_ints`, its ints zero)."""
    inside = _children(x)
    if inside is None:
        if _leaves(x, ""):
            return next(new)
        return 0 if zero_ints and isinstance(x, int) and not isinstance(x, bool) else x
    parts = [_replaced(v, new, zero_ints) for _, v in inside]
    if is_pytree(x):
        return rebuilt(x, parts)
    if isinstance(x, dict):
        return dict(zip(x, parts))
    return type(x)(parts)


def _zero(x):
    return _replaced(x, (np.zeros_like(leaf) if isinstance(leaf, np.ndarray) else 0.0
                         for _, leaf in _leaves(x, "")))


def _parts_like(g, x):
    """The parts of gradient `g` at the float leaves of its argument `x` (zeros where
    `g` is a zero standing for a container)."""
    inside = _children(x)
    if inside is None:
        return [g] if _leaves(x, "") else []
    if isinstance(g, (int, float)) and g == 0:
        parts = [0.0] * len(inside)
    elif is_pytree(x) and not isinstance(g, (list, tuple)):
        parts = [getattr(g, name) for name in field_names(x)]
    elif isinstance(x, dict):
        parts = [g[k] for k in x]
    else:
        parts = list(g)
    return [p for part, (_, v) in zip(parts, inside) for p in _parts_like(part, v)]


def _aligned(g, x):
    """The parts of `g` (a gradient or tangent of `x`) at x's float leaves, each spread
    to its leaf's shape (a zero may stand for an array), as one float vector."""
    parts = [np.ravel(np.broadcast_to(np.asarray(p, dtype=np.float64), np.shape(leaf)))
             for p, (_, leaf) in zip(_parts_like(g, x), _leaves(x, ""))]
    return np.concatenate(parts) if parts else np.zeros(0)


def _vector(out):
    """An output's floats and float arrays as one float vector."""
    parts = [np.ravel(np.asarray(leaf, dtype=np.float64)) for _, leaf in _leaves(out, "")]
    return np.concatenate(parts) if parts else np.zeros(0)


def _pieces(out, u):
    """The cotangent `u` (a vector) cut into the output's numbers and arrays."""
    pieces, start = [], 0
    for _, leaf in _leaves(out, ""):
        size = np.size(leaf)
        piece = u[start:start + size]
        pieces.append(piece.reshape(np.shape(leaf)) if isinstance(leaf, np.ndarray)
                      else float(piece[0]))
        start += size
    return pieces
