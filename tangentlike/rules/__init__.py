"""Derivative rules: one registry (registry.py) filled by the rule tables.

Importing the package registers every table: elementwise_rules.py (the elementwise
functions of NumPy, math and the operators, each declared by its derivative),
NumPy's families (numpy_ufuncs, numpy_reductions, numpy_shape, numpy_indexing,
numpy_linalg, numpy_helpers; listed in numpy.py), python.py (the other operators,
builtins and math), and runtime_adjoints.py and runtime_rules.py (generated code
differentiated again).
"""

from . import elementwise_rules as _elementwise_rules  # noqa: F401  (registers)
from . import numpy_helpers as _numpy_helpers  # noqa: F401  (registers)
from . import numpy_indexing as _numpy_indexing  # noqa: F401  (registers)
from . import numpy_linalg as _numpy_linalg  # noqa: F401  (registers)
from . import numpy_reductions as _numpy_reductions  # noqa: F401  (registers)
from . import numpy_shape as _numpy_shape  # noqa: F401  (registers)
from . import numpy_ufuncs as _numpy_ufuncs  # noqa: F401  (registers)
from . import python as _python_rules  # noqa: F401  (registers)
from . import runtime_adjoints as _runtime_adjoints  # noqa: F401  (registers)
from . import runtime_rules as _runtime_rules  # noqa: F401  (registers)
from .registry import (Rule, Template, adjoint, all_rules, display_name, elementwise, linear,
                       lookup, nondifferentiable, tangent)
from .templates import built_ins_registered

built_ins_registered()

__all__ = ["Rule", "Template", "adjoint", "all_rules", "display_name", "elementwise", "linear",
           "lookup", "nondifferentiable", "tangent"]
