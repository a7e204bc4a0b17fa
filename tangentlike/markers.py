"""The names both sides of the package agree on, importable without the transformer.

Receives nothing; guarantees constants and two pure functions (`function_namespace`,
what a function's outside names are bound to now; `optional_passes`, what an
`optimize` argument asks for), so that the public API, dispatch and the loader can find and
run generated code that is already cached without importing the parser, the
analyses or the rules (DESIGN.md §8: the transform side is imported on a miss).
"""

from collections.abc import Collection, Sequence
from typing import Literal

from .errors import TangentlikeError

DERIVATIVE = "__tangentlike_derivative__"    # set on every derivative tangentlike makes
# on tl.grad and tl.value_and_grad ("grad", "value_and_grad") and tl.derivative
# ("derivative"): their calls in differentiated code are differentiated (normalize/lift.py)
MAKES_GRADIENTS = "__tangentlike_makes_gradients__"
# on the derivatives that cannot be differentiated again inside generated code (tl.jvp,
# tl.hvp, ...): what to call them in the located error (normalize/lift.py)
OUTSIDE_ONLY = "__tangentlike_outside_only__"
# on what `@tl.differentiate` returns: the function it wraps (read from an instance, a
# method: the bound method), which generated code differentiates in its place
# (resolve_expression sees through it)
WRAPPED = "__tangentlike_function__"
# on a lambda-lifted nested function (normalize/lift.py): makes its ParsedFunction
LIFTED = "__tangentlike_lifted__"

GENERATED_MODULE = "tangentlike_generated"   # the `__name__` of every generated module
COPY = "tangentlike_copy"   # how fixed code names runtime.copy (the loader puts it in scope)

# every optional pass, by name (each one's contract: its module's docstring)
OPTIONAL = ("simplify", "in-place", "gradient-only", "elementwise-sweep", "named-parts",
            "release-arrays", "blocks", "recursion-loops", "scale-in-place", "tape-tuples",
            "recompute")
# the optional passes whose code is for CPython only, which code for Numba is made without
# (and the code of the functions it calls): `del` of a variable (release-arrays), which
# Numba's nopython mode cannot compile, cache-sized blocks through a Python helper
# (blocks), and tuples among the tape's entries (tape-tuples), which leave a Numba list
# without one type
PYTHON_ONLY = frozenset({"release-arrays", "blocks", "tape-tuples"})
FOR_NUMBA = frozenset(OPTIONAL) - PYTHON_ONLY

# the types of the options of the public API (its annotations; defined at run time so
# that typing.get_type_hints resolves them): `wrt`, a parameter position, a name, or a
# tuple of them (dispatch.wrt_names); `optimize` (optional_passes); `backend`
# (backends.check_backend)
Wrt = int | str | Sequence[int | str]
Optimize = bool | Literal["numba"] | Collection[str]
Backend = Literal["python", "numba", "auto"]


def function_namespace(fn):
    """Globals, closure cells and nothing else, as one dict (a snapshot)."""
    namespace = dict(fn.__globals__)
    if fn.__closure__:
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__):
            try:
                namespace[name] = cell.cell_contents
            except ValueError:      # empty cell: defined later
                pass
    return namespace


def optional_passes(optimize):
    """The optional passes an `optimize` argument asks for, as a frozenset: True,
    every one; False, none; "numba", every one but those for CPython only (what code
    for Numba is made with); a collection of names, those."""
    if optimize is True or optimize is False:
        return frozenset(OPTIONAL) if optimize else frozenset()
    if optimize == "numba":
        return FOR_NUMBA
    if isinstance(optimize, str) or not hasattr(optimize, "__iter__"):
        raise TangentlikeError(f"optimize={optimize!r}: pass True, False, 'numba' or a "
                               f"collection of optional pass names ({', '.join(OPTIONAL)})")
    passes = frozenset(optimize)
    unknown = passes - set(OPTIONAL)
    if unknown:
        raise TangentlikeError(f"optimize: no optional pass is named "
                               f"{', '.join(map(repr, sorted(unknown, key=str)))}; "
                               f"they are {', '.join(OPTIONAL)}")
    return passes
