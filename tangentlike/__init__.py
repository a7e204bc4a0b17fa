"""tangentlike: readable source-to-source automatic differentiation for Python.

    >>> import math
    >>> import tangentlike as tl
    >>> @tl.differentiate
    ... def f(x):
    ...     return x * math.sin(x)
"""

__version__ = "0.1.0"

from .api import (  # noqa: E402
    differentiate,
    grad,
    jvp,
    register_adjoint,
    register_nondifferentiable,
    source,
    value_and_grad,
    vjp,
)
from .errors import (  # noqa: E402
    NoDerivativeError,
    NonDifferentiableArgumentError,
    NonScalarOutputError,
    RuleError,
    SourceUnavailableError,
    TangentlikeError,
    UnsupportedSyntaxError,
)

__all__ = [
    "differentiate", "grad", "value_and_grad", "vjp", "jvp", "source",
    "register_adjoint", "register_nondifferentiable",
    "TangentlikeError", "UnsupportedSyntaxError", "NoDerivativeError",
    "NonScalarOutputError", "NonDifferentiableArgumentError", "SourceUnavailableError",
    "RuleError", "__version__",
]
