"""Is a function a sum of elementwise terms in one array parameter?

`f(x, ...) = sum(g(x, ...))` where every element of `g`'s result depends on one
element of `x` (NumPy broadcasting aside) has a diagonal Jacobian before the sum, so
its gradient is one forward-mode sweep seeded with ones: the tangent of `g` summed
down to `x`'s shape.  That sweep keeps no tape and does about as much work as a
derivative written by hand (W7, Black-Scholes).  This module decides, on the user's
source, whether a function has that form; `api` then asks for the "grad-elementwise"
form instead of reverse mode.

A value "depends" on `x` when it was computed from it.  Allowed on dependent values:
arithmetic (`+ - * / ** %`, unary minus), NumPy ufuncs, `np.where` and `np.clip`,
comparisons and non-differentiable calls (their results depend on nothing), `.shape`
and the like, and calls of user functions that are themselves elementwise in the
arguments given dependent values.  Not allowed: indexing, reductions, matrix
products, containers, anything else.  Control flow is allowed when its tests and
loop ranges depend on nothing differentiable.

`blocks_elementwise` asks more: that the summed terms are elementwise in all the
array parameters together and read no other array, so that each element of the
gradient reads the same elements of every array and nothing else of them.  The
gradient may then be computed over cache-sized blocks of the arrays
(`numpy_runtime.in_blocks`).  In that strict walk every value computed from an
array is "dependent" (differentiable or not), and shapes (`.shape`, `len`),
indexing, methods, and calls that could build or reduce an array are refused.
"""

import builtins
import math
import numbers
import types

import gast
import numpy

from .aliases import check_writes
from .parse import is_user_function
from .errors import AliasedWriteError
from .nodes import stored_names
from .parse import parse_function
from .rules.registry import lookup

_ARITHMETIC = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.Mod)
_ELEMENTWISE_CALLS = {numpy.where, numpy.clip}
_METADATA = {"shape", "ndim", "dtype", "size"}
_SUMS = {numpy.sum}
_SHAPED_LIKE = {numpy.zeros_like, numpy.ones_like, numpy.empty_like, numpy.full_like}
_SCALAR_BUILTINS = {builtins.abs, builtins.float, builtins.int, builtins.min, builtins.max,
                    builtins.round, builtins.pow, builtins.bool, builtins.range}


class _NotElementwise(Exception):
    pass


def sums_elementwise(parsed, param):
    """True when `parsed` (a ParsedFunction) returns `np.sum(e)` or `e.sum()`, with `e`
    depending on the parameter `param` elementwise (see the module docstring)."""
    if param in stored_names(parsed.node.body) or _writes_seen_elsewhere(parsed):
        return False                  # (the gradient is summed down to its shape)
    try:
        return _Function(parsed, {param}, ()).returned(final_sum=True)
    except _NotElementwise:
        return False


def blocks_elementwise(parsed, arrays):
    """True when `parsed` returns the sum of terms elementwise in the parameters
    `arrays` together, reading no other array (the strict walk of the module
    docstring): its gradient may be computed block by block."""
    if _writes_seen_elsewhere(parsed):
        return False
    try:
        return _Function(parsed, set(arrays), (), strict=True).returned(final_sum=True)
    except _NotElementwise:
        return False


def _writes_seen_elsewhere(parsed):
    """Does the function write into an object that another of its names reads (`t = x;
    t *= 2` changes x)?  This walk follows values, not memory (aliases/ does)."""
    try:
        facts = check_writes(parsed)
        return bool(facts.fixes or facts.copies)
    except AliasedWriteError:
        return True


class _Function:
    """One function's body, walked with the set of names that depend on the parameter."""

    def __init__(self, parsed, dependent, calling, strict=False):
        self.parsed = parsed
        self.strict = strict
        self.dependent = set(dependent)
        self.calling = calling + (parsed.fn,)       # guards against recursion
        args = parsed.node.args
        self.local_names = stored_names(parsed.node.body) | {
            a.id for a in args.posonlyargs + args.args + args.kwonlyargs}

    def returned(self, final_sum):
        """Whether the returned value depends on the parameter; raises _NotElementwise."""
        body = _without_docstring(self.parsed.node.body)
        if not body or not isinstance(body[-1], gast.Return) or body[-1].value is None:
            raise _NotElementwise
        self.block(body[:-1])
        value = body[-1].value
        if final_sum:
            value = self.summed(value)
        return self.depends(value)

    def summed(self, value):
        """The `e` of a returned `np.sum(e)` or `e.sum()`."""
        if not isinstance(value, gast.Call) or value.keywords:
            raise _NotElementwise
        if isinstance(value.func, gast.Attribute) and value.func.attr == "sum" \
                and not value.args and self.resolved(value.func) is None:
            return value.func.value
        if self.resolved(value.func) in _SUMS and len(value.args) == 1:
            return value.args[0]
        raise _NotElementwise

    # -- statements ---------------------------------------------------------------------
    def block(self, stmts):
        for s in stmts:
            self.statement(s)

    def statement(self, s):
        if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                and isinstance(s.targets[0], gast.Name):
            self.bind(s.targets[0].id, self.depends(s.value))
        elif isinstance(s, gast.AugAssign) and isinstance(s.target, gast.Name) \
                and isinstance(s.op, _ARITHMETIC):
            self.bind(s.target.id, self.depends(s.value) or s.target.id in self.dependent)
        elif isinstance(s, gast.If):
            self.independent(s.test)
            self.block(s.body)
            self.block(s.orelse)
        elif isinstance(s, (gast.For, gast.While)):
            self.loop(s)
        elif isinstance(s, (gast.Pass, gast.Break, gast.Continue)):
            pass
        elif isinstance(s, gast.Expr) and isinstance(s.value, gast.Constant):
            pass
        else:
            raise _NotElementwise

    def bind(self, name_, depends):
        if depends:
            self.dependent.add(name_)
        # a name once dependent stays so (flow-insensitive, which is safe)

    def loop(self, s):
        if isinstance(s, gast.For):
            if not isinstance(s.target, gast.Name) or s.orelse:
                raise _NotElementwise
            self.independent(s.iter)
        else:
            if s.orelse:
                raise _NotElementwise
            self.independent(s.test)
        while True:                        # until no new name depends on the parameter
            before = set(self.dependent)
            self.block(s.body)
            if isinstance(s, gast.While):
                self.independent(s.test)
            if self.dependent == before:
                return

    def independent(self, e):
        if self.depends(e):
            raise _NotElementwise

    # -- expressions ----------------------------------------------------------------------
    def depends(self, e):
        """Whether `e` depends on the parameter; raises _NotElementwise where it does so
        other than elementwise."""
        if isinstance(e, gast.Name):
            if self.strict and e.id not in self.local_names:
                self.no_array(self.resolved(e))
            return e.id in self.dependent
        if isinstance(e, gast.Constant):
            return False
        if isinstance(e, gast.BinOp):
            either = self.depends(e.left) | self.depends(e.right)
            if either and not isinstance(e.op, _ARITHMETIC):
                raise _NotElementwise
            return either
        if isinstance(e, gast.UnaryOp):
            inner = self.depends(e.operand)
            if inner and not isinstance(e.op, (gast.USub, gast.UAdd)):
                raise _NotElementwise
            return inner
        if isinstance(e, (gast.Compare, gast.BoolOp)):
            shaped = [self.depends(part) for part in gast.iter_child_nodes(e)
                      if isinstance(part, gast.expr)]
            if self.strict and any(shaped):            # shaped by the arrays
                if isinstance(e, gast.BoolOp):
                    raise _NotElementwise
                return True
            return False                               # no derivative
        if isinstance(e, gast.IfExp):
            self.independent(e.test)
            return self.depends(e.body) | self.depends(e.orelse)
        if isinstance(e, gast.Attribute):
            if self.strict:
                return self.strict_attribute(e)
            if self.depends(e.value):
                if e.attr in _METADATA:
                    return False
                raise _NotElementwise
            return False
        if isinstance(e, gast.Call):
            return self.call(e)
        if self.strict:
            raise _NotElementwise                       # indexing, containers, ...
        if any(self.depends(part) for part in gast.iter_child_nodes(e)
               if isinstance(part, gast.expr)):
            raise _NotElementwise                       # indexing, containers, ...
        if isinstance(e, (gast.Lambda, gast.ListComp, gast.GeneratorExp, gast.DictComp,
                          gast.SetComp, gast.NamedExpr)):
            raise _NotElementwise
        return False

    def call(self, e):
        parts = list(e.args) + [k.value for k in e.keywords]
        if any(isinstance(p, (gast.Lambda, gast.Starred)) for p in parts):
            raise _NotElementwise
        given = [self.depends(p) for p in parts]
        if isinstance(e.func, gast.Attribute) and self.depends(e.func.value):
            raise _NotElementwise                       # a method of a dependent value
        fn = self.resolved(e.func)
        if not any(given):
            if self.strict and not _makes_no_array(fn):
                raise _NotElementwise
            return False
        if self.strict and fn in _SHAPED_LIKE and {k.arg for k in e.keywords} <= {"dtype"}:
            return True
        rule = lookup(fn) if fn is not None else None
        if rule is not None and rule.nondifferentiable and not self.strict:
            return False
        if _elementwise_callable(fn):
            if e.keywords or fn is numpy.where and len(e.args) != 3:
                raise _NotElementwise                   # (np.where(c) gives indices)
            return True
        if is_user_function(fn) and fn not in self.calling and not e.keywords:
            return self.user_call(fn, given[:len(e.args)])
        raise _NotElementwise

    def user_call(self, fn, given):
        try:
            callee = parse_function(fn)
        except Exception:
            raise _NotElementwise from None
        params = [a.id for a in callee.node.args.posonlyargs + callee.node.args.args]
        if len(given) > len(params) or callee.node.args.vararg or \
                callee.node.args.kwarg:
            raise _NotElementwise
        dependent = {p for p, d in zip(params, given) if d}
        return _Function(callee, dependent, self.calling,
                         self.strict).returned(final_sum=False)

    def strict_attribute(self, e):
        """An attribute in the strict walk: the dtype of a dependent value, or a
        module-level value that is not an array (`np.pi`)."""
        if self.depends(e.value):
            if e.attr == "dtype":
                return False
            raise _NotElementwise
        obj = self.resolved(e)
        if obj is None:                                 # an attribute of a local
            raise _NotElementwise
        self.no_array(obj)
        return False

    def no_array(self, obj):
        """Refuse a module-level value that may be an array (not blocked with the rest)."""
        if not (obj is None or callable(obj) or isinstance(obj, (
                numbers.Number, numpy.generic, str, bytes, types.ModuleType))):
            raise _NotElementwise

    def resolved(self, func):
        return self.parsed.resolve_expression(func, self.local_names)


def _elementwise_callable(fn):
    if fn in _ELEMENTWISE_CALLS:
        return True
    return isinstance(fn, numpy.ufunc) and fn.nout == 1 and fn.signature is None


def _makes_no_array(fn):
    """A callable that, given no array, returns none: a ufunc, `math`, `abs`, `range`..."""
    return isinstance(fn, numpy.ufunc) or fn in _SCALAR_BUILTINS or \
        isinstance(fn, types.BuiltinFunctionType) and fn.__module__ == math.__name__


def _without_docstring(body):
    if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant):
        return body[1:]
    return body
