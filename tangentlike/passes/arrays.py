"""The pipeline's side of the passes "named-parts" (passes/named_parts.py) and
"release-arrays" (passes/release_arrays.py), whose contracts are in their modules:
which names of a transformed function hold arrays, and which calls are given an
array safely.

Requires: the kinds analysis (which names hold arrays), and that runtime helpers
write at most their first argument (runtime.UPDATES_FIRST_ARGUMENT; `zeros_for`
none), recognised by their `naming.helper_of` mark, while a call with a rule writes
none of its arguments.  `np.add.at` has no rule: a call without one may write what
it is given.
"""

from .. import nodes as n
from .. import numpy_runtime
from ..naming import helper_of
from ..trees import ARRAY_KINDS
from .named_parts import named_repeated_parts


def with_named_parts(function, transformer, kinds, namer, modules):
    """`function`'s body with the parts of its array parameters that it reads more than
    once (`x[:-1]`) taken once and named (`named_repeated_parts`)."""
    arrays = [a.id for a in function.args.posonlyargs + function.args.args
              + function.args.kwonlyargs if kinds.get(a.id) in ARRAY_KINDS]
    def passes_safely(call, name_):
        """Runtime helpers write at most their first argument, and `zeros_for` not even
        that; NumPy functions with a rule write none (`np.add.at` has no rule)."""
        helper = helper_of(call)
        if helper is not None:
            return helper is numpy_runtime.zeros_for or \
                not (call.args and n.is_name(call.args[0], name_))
        return transformer.rule_of(call.func) is not None

    return named_repeated_parts(function.body, arrays, namer.fresh, passes_safely)


def array_names(transformer, params, derived):
    """The names of `transformer`'s function that hold arrays (a number or an array, by
    the kinds analysis), with their tangents or adjoints (`derived(name)`), less the
    parameters and theirs."""
    numeric = {name_ for name_, kind in transformer.kind.items() if kind in ARRAY_KINDS}
    return (numeric | {derived(v) for v in numeric}) - set(params) - \
        {derived(p) for p in params}
