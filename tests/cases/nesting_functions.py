"""Functions that call tangentlike's derivatives inside themselves (tests/test_nesting.py).

Each closed form is in the comment above it (d/dx of the outer function).  The
tests also run each through autograd, with `tl` standing for autograd there.
"""

import math

import numpy as np

import tangentlike as tl


def confusion(x):
    # d/dx [x * (d/dy (x + y))(y=1)] = 1 (perturbation confusion would give 2)
    def inner(y):
        return x + y
    return x * tl.grad(inner)(1.0)


def closure_matters(x):
    # x * 2 x * x = 2 x**3: 6 x**2
    def inner(y):
        return x * y * y
    return x * tl.grad(inner)(x)


def lambda_closure(x):
    # x * x cos x: 2 x cos x - x**2 sin x
    return tl.grad(lambda y: x * math.sin(y))(x) * x


def assigned_gradient(x):
    # x cos x + x cos 2x: cos x - x sin x + cos 2x - 2 x sin 2x
    def inner(y):
        return x * math.sin(y)
    g = tl.grad(inner)
    return g(x) + g(2.0 * x)


def two_free_variables(x, w):
    # d/dy [x y**2 + w exp(y)] at y = w: 2 x w + w exp(w)
    def inner(y):
        return x * y * y + w * math.exp(y)
    return tl.grad(inner)(w) * x


def free_int(x, n):
    # n is an int the inner function reads: d/dy y**n at y = x
    def inner(y):
        return y ** n * x
    return tl.grad(inner)(x)


def wrt_by_name(x):
    def inner(a, y):
        return a * x * y * y
    return tl.grad(inner, wrt="y")(2.0, x)


def wrt_tuple(x):
    def inner(y, z):
        return x * y * z + z * z
    gy, gz = tl.grad(inner, wrt=(0, 1))(x, 3.0)
    return gy * gz


def default_parameter(x):
    def inner(y, k=3.0):
        return k * x * y * y
    return tl.grad(inner)(x)


def value_and_grad_closure(x):
    # v = x**4, d = 3 x**3: 3 x**7
    def inner(y):
        return x * y ** 3
    v, d = tl.value_and_grad(inner)(x)
    return v * d


def derivative_closure(x):
    # x * 3 x y**2 at y = 2: 12 x**2
    return x * tl.derivative(lambda y: x * y ** 3)(2.0)


def cube(y):
    return y ** 3


def derivative_module_level(x):
    # x * 3 x**2 = 3 x**3
    return x * tl.derivative(cube)(x)


def gradient_module_level(x):
    return math.sin(x) * tl.grad(cube)(x)


def array_closure(x):
    # x an array; the inner function of a float reads it
    def inner(s):
        return np.sum(np.sin(x * s))
    return np.sum(x * x) * tl.grad(inner)(0.5)


def nested_twice(x):
    # a gradient of a closure inside a gradient of a closure
    def middle(y):
        def inner(z):
            return x * y * z * z
        return y * tl.grad(inner)(y)
    return tl.grad(middle)(x) * x


def in_a_loop(x):
    total = 0.0
    for k in range(3):
        total = total + tl.grad(lambda y: x * y ** 2)(float(k))
    return total * x


def over_a_list(x):
    # (2 x * x + 2 x) * x = 2 x**3 + 2 x**2: 6 x**2 + 4 x
    ws = [x, 2.0 * x]

    def inner(y):
        return ws[0] * y * y + ws[1] * y
    return tl.grad(inner)(x) * x


def defined_in_a_loop(x):
    # (0 + 1 + 2) x * x: 6 x; the loop variable k is read at each call
    total = 0.0
    for k in range(3):
        def inner(y):
            return k * x * y
        total = total + tl.grad(inner)(1.0)
    return total * x


def builds_an_array(x):
    # d/dy (x**2 + y**2) at y = x, times x: 2 x**2: 4 x
    def inner(y):
        return np.sum(np.array([x, y]) ** 2)
    return tl.grad(inner)(x) * x


def helper_with_closure(x):
    def inner(y):
        return x * y * y
    return tl.grad(inner)(x)                 # 2 x**2


def calls_helper_with_closure(x):
    # x * 2 x**2 = 2 x**3: 6 x**2
    return x * helper_with_closure(x)


@tl.differentiate
def decorated(x):
    return x * math.sin(x)


def calls_decorated(x):
    return decorated(x) * x


class Scaled:
    def __init__(self, k):
        self.k = k

    @tl.differentiate
    def energy(self, x):
        return self.k * x * x * x

    @tl.differentiate(wrt=(0, "y"))
    def pair(self, x, y):
        return self.k * x * y * y


def calls_method(x):
    s = Scaled(2.0)
    return s.energy(x) + x


def calls_method_of_argument(s, x):
    return s.energy(x) * x


def sum_sin(x):
    return np.sum(np.sin(x * np.arange(1.0, 4.0)))


def sum_sin_data(x, a):
    return np.sum(np.sin(x * a)) + np.dot(a, a) * x * x


def hvp_of_closure(x):
    # inner'' = 6 x y, at y = x: 6 x**2, 12 x
    def inner(y):
        return x * y ** 3
    return tl.hvp(inner, (x,), (1.0,))


def hvp_module_level(x):
    # cube'' = 6 y, along x, at y = x, times x: 6 x**3, 18 x**2
    return tl.hvp(cube, (x,), (x,)) * x


def hvp_lambda_calling_a_function(x):
    # (x * cube(y))'' = 6 x y along 2, at y = 3 x: 36 x**2, 72 x
    return tl.hvp(lambda y: x * cube(y), (3 * x,), (2.0,))


def hvp_two_primals(x):
    # inner = x a a b; H = x [[2b, 2a], [2a, 0]] at (x, 2) along (1, x):
    # p = x (4 + 2 x**2), q = 2 x**2; p + 3 q = 4 x + 2 x**3 + 6 x**2, 4 + 6 x**2 + 12 x
    def inner(a, b):
        return x * a * a * b
    p, q = tl.hvp(inner, (x, 2.0), (1.0, x))
    return p + 3 * q


def hvp_with_an_int(x):
    # (x * a**n)'' along 1 at a = x, n = 3: 6 x**2, 12 x (the int gets no vector)
    def inner(a, n):
        return x * a ** n
    return tl.hvp(inner, (x, 3), (1.0, 0))


def hvp_of_closure_over_an_object(x):
    # inner = 2 y**4, inner'' = 24 y**2 at y = x, times x: 24 x**3, 72 x**2
    s = Scaled(2.0)

    def inner(y):
        return s.energy(y) * y
    return tl.hvp(inner, (x,), (1.0,)) * x


class TwoLayer:
    def __init__(self, w):
        self.w = w

    def hidden(self, y):
        return self.w * y * y

    def forward(self, y):
        return self.hidden(y) * y


def forward_squared(y, net):
    out = net.forward(y)
    return out * out


def hvp_of_method_calling_method(x):
    # forward_squared(y) = 4 y**6: 120 x**4; its derivative would differentiate again
    # the forward-mode code of net.forward, which calls hidden's
    return tl.hvp(forward_squared, (x, TwoLayer(2.0)), (1.0, None))


def hvp_of_arrays(x):
    # inner(a) = sum(sin(x a)), H = diag(-x**2 sin(x a)), at a = (1, 2, 3) along
    # v = (x, 1, 2): sum(-x**2 sin(x a) v)
    def inner(a):
        return np.sum(np.sin(x * a))
    a = np.arange(1.0, 4.0)
    return np.sum(tl.hvp(inner, (a,), (np.array([x, 1.0, 2.0]),)))


def hvp_of_array_closure(x):
    # x an array: a Hessian-vector product of arrays, its vector made from x
    def inner(a, w):
        return np.sum(np.sin(x * a) * w) * np.sum(a * w)
    products = tl.hvp(inner, (x * x, np.cos(x)), (x, np.ones(3)))
    return np.sum(products[0] * x) + np.sum(products[1])


# -- error cases ----------------------------------------------------------------------------


def jvp_inside(x):
    # x * 3 x**2 = 3 x**3: 9 x**2
    return tl.jvp(cube, (x,), (1.0,))[1] * x


def jvp_of_closure(x):
    # v = x**3, t = 4 x**2: 4 x**5, 20 x**4
    def inner(y):
        return x * y * y
    v, t = tl.jvp(inner, (x,), (2.0,))
    return v * t


def jvp_tangent_differentiated(x):
    # the tangent is the differentiated value: cos(1) x**2, 2 cos(1) x
    return tl.jvp(sine, (1.0,), (x,))[1] * x


def sine(y):
    return math.sin(y)


def two_outputs(a, b):
    return [a * b, a + b * b]


def jvp_of_list_output(x):
    # t = [2 + x**2, 1 + 4 x], out[0] = 2 x
    out, t = tl.jvp(two_outputs, (x, 2.0), (1.0, x))
    return t[0] * t[1] + out[0]


def jvp_of_array_closure(x):
    # an array-valued inner function of a float, reading the array x
    def inner(s):
        return np.sin(x * s)
    out, t = tl.jvp(inner, (0.5,), (1.0,))
    return np.sum(out * t)


def jvp_not_literal(x):
    primals = (x,)
    return tl.jvp(cube, primals, (1.0,))[1]


def hvp_not_literal(x):
    vectors = (1.0,)
    return tl.hvp(cube, (x,), vectors)


def power(y, n):
    if n == 0:
        return 1.0
    return y * power(y, n - 1)


def hvp_of_recursive(x):
    # power(y, 3) = y**3: 6 x * x, 12 x
    return tl.hvp(power, (x, 3), (1.0, 0)) * x


def looped(y, n):
    s = 0.0
    for k in range(n):
        s = s * y + y ** 2
    return s


def hvp_of_loop(x):
    # looped(y, 2) = y**3 + y**2 (a loop that keeps s on a tape): (6 x + 2) x, 12 x + 2
    return tl.hvp(looped, (x, 2), (1.0, 0)) * x


def summed(y, n):
    s = 0.0
    for k in range(n):
        s = s + y ** 3
    return s


def hvp_of_a_loop_that_keeps_nothing(x):
    # summed(y, 2) = 2 y**3, its second derivative 12 y, times x: 12 x**2, 24 x
    return tl.hvp(summed, (x, 2), (1.0, 0)) * x


def vjp_inside(x):
    return tl.vjp(cube, x)[0] * x


def derivative_order_two_inside(x):
    return tl.derivative(cube, order=2)(x) * x


def gradient_escapes(x):
    def inner(y):
        return x * y
    g = tl.grad(inner)
    return apply_to(g, x)


def apply_to(g, x):
    return g(x)


def gradient_given_keywords(x):
    return x * tl.grad(cube)(y=x)


def wrt_not_literal(x, k):
    def inner(y, z):
        return x * y * z
    return tl.grad(inner, wrt=k)(1.0, 2.0)
