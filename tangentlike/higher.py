"""Higher-order and matrix-valued derivatives, built by differentiating generated code.

Receives user functions.  Guarantees `hvp`, `hessian`, `jacobian`, `derivative`,
`laplacian`, `divergence` and `curl`, each computed from tangentlike's own
generated code: a Hessian-vector product is forward mode applied to the
reverse-mode derivative (forward over reverse, a few gradients' cost), the
n-th derivative of a scalar function is forward mode applied n - 1 times over
it.  No finite differences anywhere.
"""

import weakref

import numpy as np

from .api import _Gradient, _load, _mark, _signature, _unwrap, arg_kind, jvp, vjp, wrt_names
from .errors import TangentlikeError
from .runtime import grad_like


def _differentiable(primals):
    return [k for k, v in enumerate(primals) if not isinstance(v, (bool, int, str))
            and v is not None]


_gradients = weakref.WeakKeyDictionary()   # fn -> {wrt: _Gradient}  (caches)
_hvps = weakref.WeakKeyDictionary()        # generated value_and_grad -> its hvp function


def _forward_over_reverse(fn, wrt, args):
    """`hvp_<f>(*args, 1.0, *vectors)`: the tangent of the gradient of `fn` (forward
    mode over its generated `value_and_grad` function), and the args."""
    wrt = tuple(wrt)
    by_wrt = _gradients.setdefault(fn, {})
    gradient = by_wrt.get(wrt)
    if gradient is None:
        gradient = by_wrt[wrt] = _Gradient(fn, wrt, single=False)
    args = gradient.arguments(tuple(args), {})
    generated = gradient.generated(args)
    hvp_fn = _hvps.get(generated)
    if hvp_fn is None:
        params = list(_signature(generated).parameters)
        kinds = {p: arg_kind(v) for p, v in zip(params, args + (1.0,))}
        hvp_fn = _hvps[generated] = _load(generated, wrt, kinds, "hvp")[0]
    return hvp_fn, args


def hvp(f, primals, vectors):
    """The Hessian of scalar `f` at `primals` times `vectors`, without forming it.

    One vector per primal (those of int, bool and str primals are ignored); the
    result has one entry per differentiable primal (a single value when there is
    one), each shaped like its primal.

    >>> import tangentlike as tl
    >>> def f(x, y):
    ...     return x * x * y
    >>> tl.hvp(f, (3.0, 2.0), (1.0, 0.0))
    (4.0, 6.0)
    """
    fn = _unwrap(f)
    primals, vectors = tuple(primals), tuple(vectors)
    params = list(_signature(fn).parameters)
    positions = _differentiable(primals)
    wrt = tuple(params[k] for k in positions)
    hvp_fn, args = _forward_over_reverse(fn, wrt, primals)
    tangent_of_grads = hvp_fn(*args, 1.0, *[vectors[k] for k in positions])
    parts = tangent_of_grads if len(wrt) > 1 else (tangent_of_grads,)
    result = tuple(grad_like(p, primals[k]) for p, k in zip(parts, positions))
    return result if len(result) > 1 else result[0]


def _unit_vectors(x):
    """(index, unit tangent) for every coordinate of `x` (a float or an array)."""
    if isinstance(x, float):
        yield (), 1.0
        return
    for index in np.ndindex(*np.shape(x)):
        e = np.zeros_like(x)
        e[index] = 1.0
        yield index, e


def hessian(f, wrt=0):
    """A function returning the Hessian of scalar `f` with respect to one argument
    (shape `x.shape + x.shape`), one Hessian-vector product per coordinate.

    >>> import tangentlike as tl
    >>> def f(x):
    ...     return x ** 3
    >>> tl.hessian(f)(2.0)
    12.0
    """
    fn = _unwrap(f)
    names, single = wrt_names(fn, wrt)
    if not single or len(names) != 1:
        raise TangentlikeError("hessian takes one argument to differentiate (wrt=int or str)")
    position = list(_signature(fn).parameters).index(names[0])

    def hessian_fn(*args):
        x = args[position]
        if isinstance(x, float):
            return _hvp_at(fn, names, args, position, 1.0)
        out = np.zeros(np.shape(x) + np.shape(x), dtype=np.result_type(x, float))
        for index, e in _unit_vectors(x):
            out[(Ellipsis,) + index] = _hvp_at(fn, names, args, position, e)
        return out
    return hessian_fn


def _hvp_at(fn, names, args, position, vector):
    hvp_fn, args = _forward_over_reverse(fn, names, args)
    tangent = hvp_fn(*args, 1.0, vector)
    return grad_like(tangent, args[position])


def derivative(f, order=1):
    """The `order`-th derivative of a scalar function of one float, as a function.

    Order 1 is reverse mode; each further order applies forward mode to the
    code of the previous one.

    >>> import tangentlike as tl
    >>> def f(x):
    ...     return x ** 4
    >>> tl.derivative(f, order=3)(1.0)
    24.0
    """
    fn = _unwrap(f)
    if not isinstance(order, int) or order < 1:
        raise TangentlikeError(f"order must be a positive int, got {order!r}")
    params = list(_signature(fn).parameters)
    names = (params[0],)

    def nth_derivative(x, *rest):
        x = float(x)
        args = (x,) + rest
        gradient = _Gradient(fn, names, single=True)
        level = gradient.generated(gradient.arguments(args, {}))
        call_args = list(args) + [1.0]
        for _ in range(order - 1):
            level_params = list(_signature(level).parameters)
            kinds = {p: arg_kind(v) for p, v in zip(level_params, call_args)}
            level = _load(level, names, kinds, "jvp")[0]
            call_args = call_args + [1.0]
        out = level(*call_args)
        for _ in range(order):
            out = out[1]
        return float(out)
    return nth_derivative


def jacobian(f, wrt=0):
    """A function returning the Jacobian of `f` with respect to one argument, shape
    `out.shape + x.shape`: forward mode (one jvp per input coordinate) when the
    input is no larger than the output, reverse mode (one vjp per output) otherwise.

    >>> import numpy as np, tangentlike as tl
    >>> def f(x):
    ...     return x * x
    >>> tl.jacobian(f)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """
    fn = _unwrap(f)
    names, single = wrt_names(fn, wrt)
    if not single or len(names) != 1:
        raise TangentlikeError("jacobian takes one argument to differentiate (wrt=int or str)")
    position = list(_signature(fn).parameters).index(names[0])

    def jacobian_fn(*args):
        x = args[position]
        out = fn(*args)
        n_in, n_out = np.size(x), np.size(out)
        shape = np.shape(out) + np.shape(x)
        result = np.zeros(shape, dtype=np.result_type(x, out, float))
        zeros = [0.0 if isinstance(a, float) else (np.zeros_like(a) if hasattr(a, "shape")
                                                   else None) for a in args]
        if n_in <= n_out:
            for index, e in _unit_vectors(x if not isinstance(x, float) else float(x)):
                tangents = list(zeros)
                tangents[position] = e
                _, column = jvp(fn, args, tangents)
                result[(Ellipsis,) + index] = column
        else:
            _, pullback = vjp(fn, *args)
            template = out if not isinstance(out, float) else float(out)
            for index, e in _unit_vectors(template):
                row = pullback(e)[position]
                result[index] = row
        return float(result) if result.shape == () else result
    return jacobian_fn


def laplacian(f, wrt=0):
    """A function returning the trace of the Hessian of scalar `f` (sum of d²f/dxᵢ²)."""
    hess = hessian(f, wrt)

    def laplacian_fn(*args):
        h = hess(*args)
        if isinstance(h, float):
            return h
        n = int(np.sqrt(h.size))
        return float(np.trace(h.reshape(n, n)))
    return laplacian_fn


def divergence(f, wrt=0):
    """A function returning the divergence of a vector field R³ -> R³ (trace of its Jacobian)."""
    jac = jacobian(f, wrt)

    def divergence_fn(*args):
        return float(np.trace(_square(jac(*args), "divergence")))
    return divergence_fn


def curl(f, wrt=0):
    """A function returning the curl of a vector field R³ -> R³."""
    jac = jacobian(f, wrt)

    def curl_fn(*args):
        j = _square(jac(*args), "curl")
        if j.shape != (3, 3):
            raise TangentlikeError(f"curl needs a field R³ -> R³, got a Jacobian of shape {j.shape}")
        return np.array([j[2, 1] - j[1, 2], j[0, 2] - j[2, 0], j[1, 0] - j[0, 1]])
    return curl_fn


def _square(j, what):
    if np.ndim(j) != 2 or j.shape[0] != j.shape[1]:
        raise TangentlikeError(f"{what} needs a field whose Jacobian is square, "
                               f"got shape {np.shape(j)}")
    return j


def grad_of_gradient(derivative, wrt=0):
    """`tl.grad(tl.grad(f, wrt=x), wrt=y)`: the derivative of ∂f/∂x (a scalar: x is a
    float) with respect to y, a column of the Hessian, by one Hessian-vector product."""
    kind, fn, names, single = derivative.__tangentlike_derivative__
    params = list(_signature(fn).parameters)
    if not single or len(names) != 1:
        raise TangentlikeError("the gradient of a gradient needs the inner gradient to be "
                               "with respect to one argument (a float)")
    outer, outer_single = wrt_names(fn, wrt)
    inner = params.index(names[0])

    def grad_of_grad_fn(*args):
        if not isinstance(args[inner], float):
            raise TangentlikeError(
                f"the gradient of a gradient needs {names[0]!r} to be a float (the inner "
                f"gradient must be a scalar); for arrays use tl.hessian or tl.hvp")
        vectors = [0.0 if isinstance(a, float) else (np.zeros_like(a) if hasattr(a, "shape")
                                                     else None) for a in args]
        vectors[inner] = 1.0
        products = hvp(fn, args, vectors)
        differentiable = [params[k] for k in _differentiable(args)]
        products = products if len(differentiable) > 1 else (products,)
        by_name = dict(zip(differentiable, products))
        result = tuple(by_name[name] for name in outer)
        return result[0] if outer_single else result
    return _mark(grad_of_grad_fn, "grad of grad", fn, outer, outer_single)
