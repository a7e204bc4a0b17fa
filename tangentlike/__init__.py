"""tangentlike: readable source-to-source automatic differentiation for Python.

    >>> import math
    >>> import tangentlike as tl
    >>> @tl.differentiate
    ... def f(x):
    ...     return x * math.sin(x)
"""

from .version import __version__

from .api import (  # noqa: E402
    differentiate,
    grad,
    jvp,
    register_adjoint,
    register_nondifferentiable,
    register_tangent,
    source,
    stop_gradient,
    value_and_grad,
    vjp,
)
from .checkpoints import checkpoint, checkpointed  # noqa: E402
from .higher import derivative, hvp  # noqa: E402,I001
from .jacobians import (curl, divergence, gradhessian, hessian, jacobian, laplacian,  # noqa: E402,I001
                        value_grad_hessian)
from .checking import check_grads  # noqa: E402
from .errors import (  # noqa: E402
    NoDerivativeError,
    NonFiniteError,
    NonDifferentiableArgumentError,
    NonScalarOutputError,
    NumbaCompileError,
    NumbaFallbackWarning,
    NumbaUnavailableError,
    GradientCheckError,
    HasAuxError,
    RuleError,
    SourceUnavailableError,
    TangentlikeError,
    UnsupportedSyntaxError,
)

from . import higher as _higher, loader as _loader, runtime as _runtime  # noqa: E402,I001
from . import revolve as _revolve  # noqa: E402

# generated code asks the runtime for the derivatives of the functions it calls
_runtime.serve(split_pair=_loader.split_pair, jvp_pair=_loader.jvp_pair,
               checkpointed_pair=_revolve.checkpointed_pair,
               grad_call_adjoint=_higher.call_adjoint, grad_call_tangent=_higher.call_tangent)

__all__ = [
    "differentiate", "grad", "value_and_grad", "vjp", "jvp", "source",
    "register_adjoint", "register_nondifferentiable", "register_tangent", "stop_gradient",
    "checkpoint", "checkpointed",
    "hvp", "hessian", "jacobian", "gradhessian", "value_grad_hessian", "derivative",
    "laplacian", "divergence", "curl",
    "check_grads", "GradientCheckError",
    "TangentlikeError", "UnsupportedSyntaxError", "NoDerivativeError", "NonFiniteError",
    "NonScalarOutputError", "NonDifferentiableArgumentError", "SourceUnavailableError",
    "RuleError", "HasAuxError", "NumbaCompileError", "NumbaUnavailableError",
    "NumbaFallbackWarning", "__version__",
]
