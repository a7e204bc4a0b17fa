"""Derivative rules: one registry (registry.py) filled by the rule tables.

The tables are imported the first time the registry is read or written (registry's
`_tables`), not with the package: elementwise_rules.py (the elementwise functions of
NumPy, math and the operators, each declared by its derivative), NumPy's families
(numpy_ufuncs, numpy_reductions, numpy_shape, numpy_indexing, numpy_linalg,
numpy_helpers; listed in numpy.py), python.py (the other operators, builtins and
math), and runtime_adjoints.py and runtime_rules.py (generated code differentiated
again).  Running generated code that is already cached reads no rule.
"""

from .registry import (Rule, Template, adjoint, all_rules, display_name, elementwise, linear,
                       lookup, nondifferentiable, tangent)

__all__ = ["Rule", "Template", "adjoint", "all_rules", "display_name", "elementwise", "linear",
           "lookup", "nondifferentiable", "tangent"]
