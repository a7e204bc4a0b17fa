"""Reverse mode: calls into user functions and methods, through their split pairs.

Receives the reverse transformer as a `FunctionView` (activity, kinds, what a call
refers to, its namer and inliner) and one active statement `target = h(args)` (h a
user function, `user_callee`) or `target = obj.m(args)` (m found only at run time,
`FunctionView.dynamic_method`).  Guarantees the call's part of the statement's
adjoint block (reverse.blocks), as (head, primal, arguments):

- primal: the call of the callee's forward sweep, which replaces the statement in
  the primal sweep and hands it the tape (`forward_h(x, _tape)`; for a method, its
  pair looked up first, `_tl.split_method`);
- head: the call of the callee's backward sweep on the adjoint of `target`, binding
  one fresh name per differentiated argument;
- arguments: (argument expression, the name bound to its adjoint) for each of them,
  for the adjoint block to take down the argument.

Calculus stays with the callee: its split pair is made by the runtime from its own
source (`_tl.split(h, wrt, kinds)` in the module's trailer, pipeline.py).
"""

import inspect

import gast

from .. import analyze
from .. import nodes as n
from .. import value_kinds
from ..errors import NoDerivativeError
from ..naming import mark_backward
from ..syntax import TAPE


class Callee:
    """A user function called with differentiated arguments, and its split pair's names."""

    __slots__ = ("forward", "backward", "function", "func_expr", "wrt", "kinds")

    def __init__(self, forward, backward, function, func_expr, wrt, kinds):
        self.forward, self.backward, self.function = forward, backward, function
        self.func_expr, self.wrt, self.kinds = func_expr, wrt, kinds


def user_callee(view, value):
    """The user function `value` calls with differentiated arguments, or None."""
    obj = view.user_function(value)
    if obj is None or not analyze.diff_reads(value, view.rule_of) & view.active:
        return None
    return obj


class SplitCalls:
    """The calls of one function's adjoint blocks into split pairs.

    Its output, beside each call's part of a block: `callees`, (callee, wrt, kinds)
    -> Callee for every user function called, in the order met (the pipeline binds
    their pairs in the module's trailer), and the names of the pairs of methods,
    added to `view.locals`.
    """

    def __init__(self, view):
        self.view = view
        self.namer, self.inliner = view.namer, view.inliner
        self.callees = {}
        self.numbers = set()       # the temporaries that hold the adjoint of a number

    def user_call(self, s, target, value):
        """`target = h(args)` through h's forward/backward pair (split motion)."""
        view = self.view
        obj = user_callee(view, value)
        try:
            bound = inspect.signature(obj).bind(*value.args,
                                                **{k.arg: k.value for k in value.keywords})
        except TypeError as exc:
            filename, line, _, text = view.parsed.location(s)
            raise NoDerivativeError(f"{obj.__qualname__}", filename=filename, line=line,
                                    source_line=text, reason=f"the call does not match its "
                                                             f"signature: {exc}") from None
        params = list(inspect.signature(obj).parameters)
        active = [p for p in params if p in bound.arguments
                  and analyze.diff_reads(bound.arguments[p], view.rule_of) & view.active]
        kinds = value_kinds.callee_kinds(inspect.signature(obj), bound.arguments,
                                     view.argument_kind)
        callee = self.pair(obj, value.func, tuple(active), tuple(kinds))
        call = n.copied(value)
        call.func = n.name(callee.forward)
        signature = inspect.signature(obj)
        if not call.keywords and len(call.args) == len(signature.parameters) and all(
                p.kind == p.POSITIONAL_OR_KEYWORD and p.default is p.empty
                for p in signature.parameters.values()):
            call.args = list(call.args) + [n.name(TAPE)]        # forward_h(x, n, _tape)
        else:
            call.keywords = list(call.keywords) + [gast.keyword(arg=TAPE, value=n.name(TAPE))]
        primal = n.set_line(n.assign(target, call), n.line_of(s))
        temps = [self.namer.temp("_b") for _ in active]
        self.numbers.update(t for p, t in zip(active, temps)
                            if kinds[params.index(p)] == "scalar")
        head = self.backward_call(callee.backward, target, temps)
        return head, primal, [(bound.arguments[p], temp) for p, temp in zip(active, temps)]

    def method_call(self, s, target, value):
        """`target = obj.m(args)` through the pair of `type(obj).m`, found at run time."""
        view = self.view
        line = n.line_of(s)
        active = [k for k, a in enumerate(value.args)
                  if analyze.diff_reads(a, view.rule_of) & view.active]
        kinds = view.method_kinds(value)
        forward = self.namer.fresh(f"forward_{value.func.attr}")
        backward = self.namer.fresh(f"backward_{value.func.attr}")
        view.locals += [forward, backward]
        pair = gast.Tuple(elts=[n.name(forward, store=True), n.name(backward, store=True)],
                          ctx=gast.Store())
        lookup_pair = self.inliner.helper(
            "split_method", n.copied(value.func),
            gast.Tuple(elts=[n.const(k + 1) for k in active], ctx=gast.Load()),
            gast.Tuple(elts=[n.const(k) for k in kinds], ctx=gast.Load()))
        lookup_pair.makes_callee = True         # (a derivative made at run time)
        call = n.call(forward, n.copied(value.func.value), *n.copied(value.args))
        call.keywords = [gast.keyword(arg=TAPE, value=n.name(TAPE))]
        primal = [n.set_line(gast.Assign(targets=[pair], value=lookup_pair, type_comment=None),
                             line), n.assign(target, call, line)]
        temps = [self.namer.temp("_b") for _ in active]
        head = self.backward_call(backward, target, temps)
        return head, primal, [(value.args[k], temp) for k, temp in zip(active, temps)]

    def backward_call(self, backward, target, temps):
        """`temps = backward(b<target>, _tape)`, as the head of the block."""
        call = mark_backward(n.call(backward, n.name(self.namer.adjoint(target)), n.name(TAPE)))
        return [n.assign(temps[0] if len(temps) == 1 else
                         gast.Tuple(elts=[n.name(t, store=True) for t in temps],
                                    ctx=gast.Store()), call)]

    def pair(self, obj, func_expr, wrt, kinds):
        """The Callee of (obj, wrt, kinds): the split pair being built for a recursive
        call, else one named once per request."""
        key = (obj, wrt, kinds)
        if key == self.view.own_key:
            return Callee(*self.view.own_names, obj, func_expr, wrt, kinds)
        if key not in self.callees:
            base = obj.__name__ if obj.__name__.isidentifier() else "lambda_"
            self.callees[key] = Callee(self.namer.fresh(f"forward_{base}"),
                                       self.namer.fresh(f"backward_{base}"),
                                       obj, n.copied(func_expr), wrt, kinds)
        return self.callees[key]
