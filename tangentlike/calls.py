"""What both transformers know about the function they differentiate.

Receives a parsed and normalized function, the `wrt` names and the argument
kinds.  Guarantees `FunctionView`: its parameters and locals, its active names
(analyze.activity) and value kinds (analyze.kinds, including the kinds of
module-level values it reads and of what user functions it calls return), and
what each call refers to: a callable with a rule, a user function, a method whose
class is known only at run time, or a gradient made by tangentlike.
"""

import inspect

import gast

from . import analyze
from . import nodes as n
from .rules import lookup
from .rules.methods import method_callable

DERIVATIVE = "__tangentlike_derivative__"


class FunctionView:
    """The base of the reverse and forward transformers (no AST is changed here)."""

    def __init__(self, parsed, fn, wrt, arg_kinds, result_kind=None):
        self.parsed, self.fn, self.wrt = parsed, fn, list(wrt)
        self.params = [a.id for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
        self.locals = self.params + sorted(local_names(fn.body, self.params, parsed.namespace))
        self.result_kind = result_kind
        self.active = analyze.activity(fn, self.wrt, self.rule_of)
        self.kind = analyze.kinds(fn, self.with_globals(arg_kinds), self.rule_of,
                                  self.call_kind)
        self.derivatives = derivative_locals(fn.body, self.callee)

    # -- names and kinds ------------------------------------------------------------
    def with_globals(self, arg_kinds):
        """Argument kinds plus the kinds of the module-level values the function reads."""
        kinds = dict(arg_kinds)
        for name_ in sorted(n.names_read(self.fn) - set(self.locals)):
            if name_ in self.parsed.namespace:
                kinds[name_] = analyze.arg_kind(self.parsed.namespace[name_])
        for node in gast.walk(self.fn):          # module.constant (a written-out helper's)
            dotted = analyze.dotted_name(node) if isinstance(node, gast.Attribute) else None
            if dotted and dotted.partition(".")[0] not in self.locals \
                    and inspect.ismodule(self.callee(node.value)):
                value = self.callee(node)
                if isinstance(value, (int, float)) or hasattr(value, "shape"):
                    kinds[dotted] = analyze.arg_kind(value)
        return kinds

    def expr_kind(self, e):
        return analyze.expression_kind(e, self.kind, self.rule_of, self.call_kind)

    def call_kind(self, call, kind):
        """The kind of what a call into a user function returns (None if unknown)."""
        obj = self.callee(call.func)
        if self.result_kind is None or not is_user_function(obj):
            return None
        signature = inspect.signature(obj)
        try:
            bound = signature.bind(*call.args, **{k.arg: k.value for k in call.keywords})
        except TypeError:
            return None
        kinds = analyze.callee_kinds(
            signature, bound.arguments,
            lambda e: analyze.expression_kind(e, kind, self.rule_of, self.call_kind))
        return analyze.as_kind(self.result_kind(obj, kinds))

    # -- what a call refers to ----------------------------------------------------------
    def callee(self, func):
        """The object a call's `func` expression names, or None (a local's method)."""
        return self.parsed.resolve_expression(func, self.locals)

    def rule_of(self, func):
        obj = self.callee(func)
        if obj is None and self.is_method_of_value(func):
            obj = method_callable(func.attr)
        return None if obj is None else lookup(obj)

    def is_method_of_value(self, func):
        """`x.sum` where x is a value computed in the function (not a module)."""
        return isinstance(func, gast.Attribute) and self.callee(func) is None \
            and not (isinstance(func.value, gast.Name) and func.value.id not in self.locals)

    def user_function(self, call):
        """The user function `call` calls (a Python function without a rule), or None."""
        obj = self.callee(call.func) if isinstance(call, gast.Call) else None
        return obj if is_user_function(obj) else None

    def calls_derivative(self, call):
        """True for a call to a gradient made by tangentlike (`tl.grad(f)` at module
        level, or assigned to a local in this function)."""
        obj = self.callee(call.func)
        if obj is not None:
            return hasattr(obj, DERIVATIVE)
        return isinstance(call.func, gast.Name) and call.func.id in self.derivatives

    def dynamic_method(self, value):
        """`obj.m(args)` with differentiated arguments, obj's class unknown until run time."""
        func = value.func if isinstance(value, gast.Call) else None
        if not isinstance(func, gast.Attribute) or self.callee(func) is not None \
                or method_callable(func.attr) is not None or value.keywords:
            return False
        root = func.value
        while isinstance(root, gast.Attribute):
            root = root.value
        return isinstance(root, gast.Name) and root.id in self.locals \
            and bool(analyze.diff_reads(gast.Tuple(elts=list(value.args), ctx=gast.Load()),
                                        self.rule_of) & self.active)

    def method_kinds(self, value):
        """The argument kinds of `obj.m(args)` for m's function: (self, args...)."""
        positional = inspect.Signature([
            inspect.Parameter(f"a{k}", inspect.Parameter.POSITIONAL_ONLY)
            for k in range(len(value.args))])
        return ("other",) + tuple(analyze.callee_kinds(
            positional, {f"a{k}": a for k, a in enumerate(value.args)}, self.expr_kind))


def local_names(body, params, namespace):
    """Names the function assigns; a module-level name only mutated through a method
    (`np.append(...)` looks like `xs.append(...)`) is not one."""
    assigned = {x.id for s in body for x in gast.walk(s)
                if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store)}
    return {v for v in n.stored_names(body)
            if v in assigned or v in params or v not in namespace}


def is_user_function(obj):
    return inspect.isfunction(obj) and lookup(obj) is None and not hasattr(obj, DERIVATIVE)


def derivative_locals(body, callee):
    """Names assigned a gradient function made by tangentlike (`g = tl.grad(f)`)."""
    from . import api
    out = set()
    for s in analyze.simple_statements(body):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                and isinstance(s.value, gast.Call) and callee(s.value.func) is api.grad:
            out.add(s.targets[0].id)
    return out
