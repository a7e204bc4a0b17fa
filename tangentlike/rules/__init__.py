"""Derivative rules: one registry (registry.py) filled by the rule tables."""

from . import numpy as _numpy_rules  # noqa: F401  (registers)
from . import python as _python_rules  # noqa: F401  (registers)
from . import runtime_adjoints as _runtime_adjoints  # noqa: F401  (registers)
from . import runtime_rules as _runtime_rules  # noqa: F401  (registers)
from .registry import (Rule, Template, adjoint, all_rules, display_name, linear, lookup,
                       nondifferentiable, tangent)

__all__ = ["Rule", "Template", "adjoint", "all_rules", "display_name", "linear", "lookup",
           "nondifferentiable", "tangent"]
