"""Helpers in another module, called from `call_cases` as `call_helpers.f(x)` and
through `from call_helpers import f`.

They use arithmetic only (no `math`, no `numpy`): the autograd oracle re-executes
the caller's module with `math`/`numpy` swapped for autograd's, but calls these
helpers as they are, and autograd's boxes pass through plain arithmetic.
"""


def cubic(x, a=0.5):
    """a x^3 - x + 1."""
    return a * x * x * x - x + 1.0


def rational(x, y):
    return (x * y + 1.0) / (1.0 + x * x + y * y)


# A global with the name of a keyword-only parameter below: generated code that
# forgot the parameter would read this instead and be silently wrong.
scale = 100.0


def scaled_square(x, *, scale=2.0):
    return scale * x * x


def quadratic_pair(x, y):
    """Two values at once: the caller unpacks them."""
    return x * x + y, x * y - y * y


def horner(x, c0, c1, c2, c3):
    """c0 + c1 x + c2 x^2 + c3 x^3, evaluated by Horner's rule."""
    acc = c3
    acc = acc * x + c2
    acc = acc * x + c1
    acc = acc * x + c0
    return acc


def damped_step(x, k):
    """One step of an iteration; `k` is an int step number."""
    rate = 1.0 / (1.0 + 0.1 * k)
    return x - rate * (x * x * x - 2.0) * 0.1


def chained(x):
    """A helper calling another helper of its own module."""
    return rational(cubic(x), x) * 2.0


def power_down(a, b):
    """Recursion inside the other module: a ** (2 ** b)."""
    if b == 0:
        return a
    return power_down(a * a, b - 1)


def soft_relu(x):
    """A smooth relu; `call_cases` registers its adjoint and tangent, written with
    `math`, which this module does not import."""
    return 0.5 * (x + (x * x + 1.0) ** 0.5)


def uses_soft_relu(x):
    return soft_relu(x) * x


# ------------------------------------------------ helpers given function values

# Read by `trapezoid` from this module: a caller with a local of the same name
# must not change what the helper sees.
panels = 8


def trapezoid(f, a, b):
    """The integral of f over [a, b] by the trapezoid rule with `panels` panels."""
    h = (b - a) / panels
    total = 0.5 * (f(a) + f(b))
    for k in range(1, panels):
        total += f(a + k * h)
    return total * h


def fixed_point(g, x, steps=5):
    """x, g(x), g(g(x)), ... at most `steps` times, stopping once it settles."""
    for _ in range(steps):
        new = g(x)
        if abs(new - x) < 1e-12:
            return new
        x = new
    return x


def compose(f, g, x):
    """f(g(x)), through `cubic` of this module."""
    return cubic(f(g(x)))
