"""Stage 5', forward: a normalized function -> its tangent (JVP) function (gast).

Receives a normalized FunctionDef (normalize/), the `wrt` parameter names and
the kinds of the call's arguments.  Guarantees one gast FunctionDef

    def jvp_<f>(<params>, d<p> for p in wrt):
        <the user's statements, each active assignment beside its tangent statement>
        return <value>, <tangent of value>

with the same control flow as the user's code (no tape).  `dx` is the tangent
of `x`; a tangent known to be zero is never computed.  Calculus comes from the
rule registry: tangent templates, linear rules (the callable applied to the
tangents), and calls to user functions go through their own `jvp_<h>`.  How
tangent expressions are written (the zero marker folded away, factored, scalars
first) and the line comments are forward.forms'.

Generated reverse-mode code differentiated again (a Hessian-vector product) keeps
its tape as an ordinary list (`_tape.append`, `_tape.pop`), whose tangent is a list
beside it: each pop of a value without a tangent of its own pops its tangent too.
"""

import inspect

import gast

from .. import analyze
from .. import nodes as n
from .. import value_kinds
from .. import numpy_runtime, runtime
from ..calls import FunctionView
from ..errors import NoDerivativeError
from ..inline import Inliner
from ..rules import lookup
from ..rules.methods import PACKED, method_callable
from ..syntax import OPERATORS, POP, PUSH, TAPE, is_leaf
from ..trees import ARRAY_KINDS, NUMERIC_KINDS
from .forms import (OPERATOR_SYNTAX, ZERO, factored_tangent, operator_tangent, scalars_first,
                    without_zeros)
# (the pipeline's steps and passes import these from here)
from .forms import elementwise_operands, shapes_from_operands, with_line_comments  # noqa: F401

RESULT = "__tangentlike_result__"      # the returned value, until it is named


class ForwardTransformer(FunctionView):
    """Builds the tangent function of one normalized function.

    Reads the facts of its FunctionView (activity and kinds, computed once when it is
    made; never changed here).  What the pipeline gives it when it is made:
    `own_key` and `own_name` (the request and the name of the function being built,
    which a recursive call calls).  Output it accumulates while building:
    `tangent_of` (each tangent name it made -> its primal) and `callees` (the user
    functions it calls through their own `jvp_<h>`, in the order met).
    """

    def fresh_calls(self):
        """None: forward mode calls no backward sweeps."""
        return set()

    def __init__(self, parsed, fn, wrt, arg_kinds, namer, modules, result_kind=None,
                 own=None):
        if _uses_tape(fn.body):
            fn.body = _tape_as_list(fn.body)       # differentiating generated code
        super().__init__(parsed, fn, wrt, arg_kinds, result_kind)
        self.namer = namer
        self.inliner = Inliner(namer, modules)
        self.callees = {}            # (function, wrt, kinds) -> jvp name
        self.tangent_of = {}         # tangent name -> its primal
        # ((function, wrt, kinds), name) of the function being built (recursion calls it)
        self.own_key, self.own_name = own if own is not None else (None, None)

    def d(self, name_):
        tangent = self.namer.tangent(name_)
        self.tangent_of[tangent] = name_
        return tangent

    # -- the function -----------------------------------------------------------------
    def function(self, name_):
        for w in self.wrt:                 # tangents of parameters are named first
            self.d(w)
        body = self.fn.body
        if not (body and isinstance(body[-1], gast.Return)):   # falls off its end
            body = body + [n.set_line(gast.Return(value=None),
                                      n.line_of(body[-1]) if body else None)]
        body = self.block(body)
        constant_params = [p for p in self.params if p in self.active and p not in self.wrt]
        inits = []
        for p in constant_params:                  # parameters held constant: zero tangents
            zero = n.const(0.0)
            if self.kind.get(p) not in ("scalar", "scalars"):
                zero = self.inliner.helper("zeros_like", n.name(p))
            inits.append(n.assign(self.d(p), zero))
        body = inits + body
        args = self.entry_arguments([self.d(w) for w in self.wrt])
        return gast.FunctionDef(name=name_, args=args, body=body, decorator_list=[],
                                returns=None, type_comment=None, type_params=[])

    def block(self, stmts):
        out = []
        for s in stmts:
            out.extend(self.stmt(s))
        return out

    def stmt(self, s):
        mirrored = self.mirrored_pops(s)
        if isinstance(s, gast.If):
            return mirrored + [n.if_(s.test, self.block(s.body) or [gast.Pass()],
                                     self.block(s.orelse), n.line_of(s))]
        if mirrored:                # pops whose values carry no tangent still pop theirs
            return [s] + mirrored
        restore = self.restored_tangent(s)
        if restore is not None:
            return [s, restore]
        if isinstance(s, gast.For):
            return [n.for_(s.target, s.iter, self.block(s.body), n.line_of(s))]
        if isinstance(s, gast.While):
            return [n.set_line(gast.While(test=s.test, body=self.block(s.body), orelse=[]),
                               n.line_of(s))]
        if isinstance(s, gast.Return):
            value = s.value if s.value is not None else n.const(None)
            if isinstance(value, gast.Call) and (self.dynamic_method(value) or
                                                 self.user_function(value) is not None):
                out = self.namer.fresh("result")              # return h(x): name it first
                call = n.assign(out, value, n.line_of(s))
                result = gast.Tuple(elts=[n.name(out), n.name(self.d(out))], ctx=gast.Load())
                return self.assignment(call, out, value) + [
                    n.set_line(gast.Return(value=result), n.line_of(s))]
            stmts = []
            tangent = self.tangent(value, None, stmts, s)
            if tangent is None:
                tangent = self.inliner.helper("zeros_like", n.copied(value))
            tangent, grown = self.output_shaped(value, tangent, n.name(RESULT))
            if isinstance(value, gast.Name) or not (stmts or grown):
                result = gast.Tuple(elts=[value, tangent], ctx=gast.Load())
                return stmts + [n.set_line(gast.Return(value=result), n.line_of(s))]
            out = self.namer.fresh("result")
            for x in n.walk(tangent):
                if n.is_name(x, RESULT):
                    x.id = out
            return [n.assign(out, value, n.line_of(s))] + stmts + [n.set_line(gast.Return(
                value=gast.Tuple(elts=[n.name(out), tangent], ctx=gast.Load())), n.line_of(s))]
        target, value = analyze.target_and_value(s)
        if target is None or target not in self.active:
            return [s]
        return self.assignment(s, target, value)

    def assignment(self, s, target, value):
        line = n.line_of(s)
        stmts = []
        dtarget = self.d(target)
        if isinstance(s, gast.Expr) or isinstance(s.targets[0], gast.Subscript):
            # xs.append(v), xs[i] = v: the tangent of v reads xs as it was before
            tangent = _or_zero(self.tangent(value, None, stmts, s), value, self)
            if target in n.loaded_names(tangent):
                kept = self.namer.temp("_dt")
                stmts.append(n.assign(kept, tangent, line))
                tangent = n.name(kept)
            if isinstance(s, gast.Expr):
                update = self.inliner.helper("append_tangent", n.name(dtarget), n.name(target),
                                tangent)
            else:
                update = self.inliner.helper("set_tangent_at", n.name(dtarget), n.name(target),
                                n.index_value(s.targets[0].slice), tangent)
            return stmts + [s, n.assign(dtarget, update, line)]
        primal = self.primal_call(s, target, value, stmts)
        if primal is not None:
            return stmts + primal
        overwrites = target in n.loaded_names(value)
        ans = None if overwrites else n.name(target)
        tangent = self.tangent(value, ans, stmts, s)
        if tangent is not None and self.kind.get(target) == "scalar":
            tangent = factored_tangent(tangent, {self.d(v) for v in sorted(self.active)})
        if tangent is None and (self.kind.get(target) in ("scalar", "scalars")
                                or n.is_const(value)):      # `bx = 0.0`: the zero sentinel
            tangent = n.const(0.0)
        elif tangent is None:                      # a zero shaped like the new value
            tangent, overwrites = self.inliner.helper("zeros_like", n.name(target)), False
        elif self.kind.get(target) != "scalar" and self.may_outgrow(value):
            tangent = self.inliner.helper("broadcast_like", tangent, n.name(target))
        assign = n.assign(dtarget, tangent, line)
        if overwrites:
            return stmts + [assign, s]
        return [s] + stmts + [assign]

    def output_shaped(self, value, tangent, out):
        """(`tangent`, grown) with each part of the returned `value` that broadcasting
        may have made larger than its tangent spread to its shape, read from `out`
        (the value, once computed); grown: whether any part was."""
        if isinstance(value, (gast.Tuple, gast.List)) and isinstance(tangent, type(value)) \
                and len(tangent.elts) == len(value.elts):
            grown = False
            for k, part in enumerate(value.elts):
                ref = gast.Subscript(value=n.copied(out), slice=n.const(k),
                                     ctx=gast.Load())
                tangent.elts[k], more = self.output_shaped(part, tangent.elts[k], ref)
                grown = grown or more
            return tangent, grown
        if self.expr_kind(value) == "scalar" or not self.may_outgrow(value):
            return tangent, False
        return self.inliner.helper("broadcast_like", tangent, n.copied(out)), True

    def may_outgrow(self, value):
        """True unless the tangent of `value` surely has its shape: an elementwise
        expression whose every operand is differentiated (its tangent has the operand's
        shape) or a plain number.  A constant array operand of `+`, `-` or a
        broadcasting call, a subscript (its tangent may be the zero sentinel) or an
        operand of unknown kind can leave the tangent smaller than the value."""
        if is_leaf(value) or isinstance(value, gast.Call) and any(
                self.callee(value.func) is h for h in (numpy_runtime.add_at,
                                                       numpy_runtime.subtract_at)):
            # the whole container, updated
            return False
        for e in n.walk(value):
            if isinstance(e, gast.Subscript) and not self.full_tangent(e.value) \
                    or isinstance(e, gast.Name) and self.kind.get(e.id) not in NUMERIC_KINDS:
                return True
            if isinstance(e, gast.BinOp) and isinstance(e.op, (gast.Add, gast.Sub)) \
                    and not all(self.carries_shape(x) for x in (e.left, e.right)):
                return True
            if isinstance(e, gast.Call):
                rule = self.rule_of(e.func)
                if rule is None or not rule.broadcasts \
                        or not all(self.carries_shape(a) for a in e.args) or e.keywords:
                    return True
        return False

    def scalars_first(self, stmts):
        """`scalars_first` on the tangent statements of `stmts` (the primal ones keep
        the user's order of operations, so values come out exactly as f computes)."""
        for s in stmts:
            for field in ("body", "orelse"):
                if isinstance(s, (gast.If, gast.For, gast.While)) and getattr(s, field, None):
                    self.scalars_first(getattr(s, field))
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                    and s.targets[0].id in self.tangent_of:
                s.value = scalars_first(s.value, self.is_scalar)
        return stmts

    def is_scalar(self, e):
        """A number, a name (or tangent name) of a Python number, or arithmetic on them."""
        if isinstance(e, gast.Constant):
            return isinstance(e.value, (int, float)) and not isinstance(e.value, bool)
        if isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.USub):
            return self.is_scalar(e.operand)
        if isinstance(e, gast.BinOp):
            return self.is_scalar(e.left) and self.is_scalar(e.right)
        if not isinstance(e, gast.Name):
            return False
        primal = self.tangent_of.get(e.id, e.id)
        return self.kind.get(primal) == "scalar"

    def full_tangent(self, e):
        """A value whose tangent is never the zero sentinel: a differentiated array
        parameter (its tangent is given, shaped like it), or a constant."""
        if not isinstance(e, gast.Name) or e.id not in self.active:
            return True
        return e.id in self.wrt and self.kind.get(e.id) in ARRAY_KINDS

    def carries_shape(self, e):
        """An operand that cannot make the result larger than its tangent: a number, or
        an expression of differentiated values."""
        if isinstance(e, gast.Constant):
            return True
        reads = {x.id for x in n.walk(e) if isinstance(x, gast.Name)}
        return self.expr_kind(e) == "scalar" or bool(reads) and reads <= self.active

    # -- lists used as stacks (the tape of generated reverse-mode code) ------------------
    def mirrored_pops(self, s):
        """`dxs.pop()` for each `xs.pop()` in `s` whose value gets no tangent of its own;
        likewise `_tl.extract(db, i)` for `_tl.extract(b, i)`, which zeroes `b[i]`."""
        if isinstance(s, (gast.For, gast.While)):
            return []
        target, _ = analyze.target_and_value(s)
        if target in self.active and not isinstance(s, gast.If):
            return []
        part = s.test if isinstance(s, gast.If) else s
        out = []
        for call in (x for x in n.walk(part) if isinstance(x, gast.Call)):
            stack = _popped_stack(call, self.callee) or self.emptied_adjoint(call)
            if stack is not None and stack in self.active:
                mirror = n.copied(call)
                if isinstance(mirror.func, gast.Attribute) and mirror.func.attr == "pop":
                    mirror.func.value = n.name(self.d(stack))
                else:
                    mirror.args[0] = n.name(self.d(stack))
                out.append(n.expr_stmt(mirror, n.line_of(s)))
        return out

    def emptied_adjoint(self, call):
        """The adjoint `_tl.extract(b, i)` or `_tl.pop_last(b)` takes a part out of, else
        None: the call updates it in place even where its value is not used."""
        if call.args and n.is_name(call.args[0]) \
                and self.callee(call.func) in (runtime.extract, runtime.pop_last):
            return call.args[0].id
        return None

    def restored_tangent(self, s):
        """`_tl.restore_item(dx, i, dv)` beside `_tl.restore_item(x, i, v)`."""
        if not (isinstance(s, gast.Expr) and isinstance(s.value, gast.Call)
                and self.callee(s.value.func) is runtime.restore_item
                and n.is_name(s.value.args[0]) and s.value.args[0].id in self.active):
            return None
        container, index, value = s.value.args
        tangent = _or_zero(self.tangent(value, None, [], s), value, self)
        call = n.copied(s.value)
        call.args = [n.name(self.d(container.id)), n.copied(index), tangent]
        return n.expr_stmt(call, n.line_of(s))

    # -- calls to user functions --------------------------------------------------------
    def method_call(self, s, target, value, stmts):
        """`x, dx = jvp_m(obj, args, tangents)`, jvp_m found at run time (the generated
        function itself where the call passes every parameter: one frame per call)."""
        active = [k for k, a in enumerate(value.args)
                  if analyze.diff_reads(a, self.rule_of) & self.active]
        kinds = self.method_kinds(value)
        name_ = self.namer.fresh(f"jvp_{value.func.attr}")
        lookup_fn = self.inliner.helper("jvp_method", n.copied(value.func),
                           gast.Tuple(elts=[n.const(k + 1) for k in active], ctx=gast.Load()),
                           gast.Tuple(elts=[n.const(k) for k in kinds], ctx=gast.Load()))
        lookup_fn.makes_callee = True           # (a derivative made at run time)
        tangents = [_or_zero(self.tangent(value.args[k], None, stmts, s), value.args[k], self)
                    for k in active]
        call = n.call(name_, n.copied(value.func.value), *n.copied(value.args),
                      *tangents)
        pair = gast.Tuple(elts=[n.name(target, store=True), n.name(self.d(target), store=True)],
                          ctx=gast.Store())
        line = n.line_of(s)
        return [n.assign(name_, lookup_fn, line),
                n.set_line(gast.Assign(targets=[pair], value=call, type_comment=None), line)]

    def primal_call(self, s, target, value, stmts):
        """`x, dx = jvp_h(args, dargs)` for a call into a user function, else None."""
        if not isinstance(value, gast.Call):
            return None
        if self.dynamic_method(value):
            return self.method_call(s, target, value, stmts)
        obj = self.user_function(value)
        if obj is None:
            return None
        signature = inspect.signature(obj)
        try:
            bound = signature.bind(*value.args, **{k.arg: k.value for k in value.keywords})
        except TypeError as exc:
            filename, line, _, text = self.parsed.location(s)
            raise NoDerivativeError(obj.__qualname__, filename=filename, line=line,
                                    source_line=text, reason=f"the call does not match its "
                                                             f"signature: {exc}") from None
        params = list(signature.parameters)
        active = [p for p in params if p in bound.arguments
                  and analyze.diff_reads(bound.arguments[p], self.rule_of) & self.active]
        kinds = value_kinds.callee_kinds(signature, bound.arguments, self.argument_kind)
        key = (obj, tuple(active), tuple(kinds))
        if key == self.own_key:
            name_ = self.own_name
        else:
            if key not in self.callees:
                self.callees[key] = (self.namer.fresh(f"jvp_{_identifier(obj)}"),
                                     n.copied(value.func), obj, tuple(active), tuple(kinds))
            name_ = self.callees[key][0]
        tangents = [_or_zero(self.tangent(bound.arguments[p], None, stmts, s),
                             bound.arguments[p], self) for p in active]
        call = gast.Call(func=n.name(name_), args=self.every_argument(value, obj, bound)
                         + tangents, keywords=[])
        pair = gast.Tuple(elts=[n.name(target, store=True), n.name(self.d(target), store=True)],
                          ctx=gast.Store())
        return [n.set_line(gast.Assign(targets=[pair], value=call, type_comment=None),
                           n.line_of(s))]


    # -- expressions ------------------------------------------------------------------------
    def tangent(self, e, ans, stmts, s):
        """The tangent of expression `e` (None when it is zero)."""
        if not (analyze.diff_reads(e, self.rule_of) & self.active):
            return None
        if isinstance(e, gast.Name):
            return n.name(self.d(e.id))
        if isinstance(e, gast.Subscript) and not isinstance(e.value, gast.Name):
            inner = self.tangent(e.value, None, stmts, s)    # x[1:][None, :]
            if inner is None:
                return None
            return self.inliner.helper("item", inner, n.index_value(e.slice))
        if isinstance(e, gast.Subscript):
            if self.full_tangent(e.value):      # an array's given tangent: index it
                return gast.Subscript(value=n.name(self.d(e.value.id)),
                                      slice=n.copied(e.slice), ctx=gast.Load())
            return self.inliner.helper("item", n.name(self.d(e.value.id)), n.index_value(e.slice))
        if isinstance(e, (gast.Tuple, gast.List)):
            elts = [_or_zero(self.tangent(x, None, stmts, s), x, self) for x in e.elts]
            return type(e)(elts=elts, ctx=gast.Load())
        if isinstance(e, gast.Dict):
            values = [_or_zero(self.tangent(x, None, stmts, s), x, self) for x in e.values]
            return gast.Dict(keys=n.copied(e.keys), values=values)
        if isinstance(e, gast.Attribute) and e.attr == "T":
            inner = self.tangent(e.value, None, stmts, s)
            return None if inner is None else gast.Attribute(value=inner, attr="T",
                                                             ctx=gast.Load())
        if isinstance(e, gast.BinOp):
            return self.apply(lookup(OPERATORS[type(e.op)]), [e.left, e.right], {}, e, ans,
                              stmts, s)
        if isinstance(e, gast.UnaryOp):
            return self.apply(lookup(OPERATORS[type(e.op)]), [e.operand], {}, e, ans, stmts, s)
        if isinstance(e, gast.Call) and self.calls_derivative(e):
            # a tangentlike gradient called here: its tangent is a Hessian-vector product
            tangents = [_or_zero(self.tangent(a, None, stmts, s), a, self) for a in e.args]
            return self.inliner.helper("grad_call_tangent", n.copied(e.func),
                          gast.Tuple(elts=n.copied(e.args), ctx=gast.Load()),
                          gast.Tuple(elts=tangents, ctx=gast.Load()))
        if isinstance(e, gast.Call) and isinstance(e.func, gast.Attribute) \
                and e.func.attr == "pop" and not e.args and n.is_name(e.func.value) \
                and e.func.value.id in self.active:                  # xs.pop() -> dxs.pop()
            return n.call(gast.Attribute(value=n.name(self.d(e.func.value.id)), attr="pop",
                                         ctx=gast.Load()))
        if isinstance(e, gast.Call):
            obj = self.callee(e.func)
            args = list(e.args)
            if obj is None and isinstance(e.func, gast.Attribute) \
                    and method_callable(e.func.attr) is not None:
                obj = method_callable(e.func.attr)
                if e.func.attr in PACKED and len(args) > 1:
                    args = [gast.Tuple(elts=args, ctx=gast.Load())]
                args = [e.func.value] + args
            rule = lookup(obj) if obj is not None else None
            if rule is None or not (rule.tangent_for(len(args), list(e.keywords and
                                    [k.arg for k in e.keywords])) or rule.linear):
                filename, line, _, text = self.parsed.location(s)
                raise NoDerivativeError(n.dotted_text(e.func), filename=filename, line=line,
                                        source_line=text, reason="no tangent (forward-mode) "
                                        "rule", hint="register one with tl.register_tangent")
            return self.apply(rule, args, {k.arg: k.value for k in e.keywords}, e, ans,
                              stmts, s)
        filename, line, _, text = self.parsed.location(s)
        raise NoDerivativeError(type(e).__name__, filename=filename, line=line,
                                source_line=text, reason="not differentiable in forward mode")

    def apply(self, rule, args, keywords, e, ans, stmts, s):
        if rule.linear:
            return self.apply_linear(rule, args, keywords, e, stmts, s)
        template = rule.tangent_for(len(args), list(keywords))
        bound = dict(zip(template.params, args))
        bound.update(keywords)
        placeholders = {"ans": ans if ans is not None else e}
        for dp in template.tangent_params:
            p = dp[1:]
            tangent = self.tangent(bound[p], None, stmts, s) if p in bound else None
            placeholders[dp] = tangent if tangent is not None else n.name(ZERO)
        if all(n.is_name(placeholders[dp], ZERO) for dp in template.tangent_params):
            return None
        kinds = [self.expr_kind(a) for a in bound.values()]
        body, outputs = self.inliner.inline(template, bound, placeholders, {template.params[0]},
                                            all(k == "scalar" for k in kinds), stmts)
        stmts.extend(body)
        return without_zeros(outputs[0])

    def apply_linear(self, rule, args, keywords, e, stmts, s):
        template = rule.adjoints[0]
        linear = template.params[:template.returns]
        bound = dict(zip(template.params, args))
        bound.update(keywords)
        tangents = {p: self.tangent(bound[p], None, stmts, s) for p in linear if p in bound}
        if all(t is None for t in tangents.values()):
            return None
        if rule.callable in OPERATOR_SYNTAX:
            return operator_tangent(rule.callable, [tangents.get(p) for p in linear])
        new_args = []
        for k, a in enumerate(args):
            p = template.params[k] if k < len(template.params) else None
            new_args.append(_or_zero(tangents.get(p), a, self) if p in tangents else a)
        new_keywords = [gast.keyword(arg=k, value=_or_zero(tangents.get(k), v, self)
                                     if k in tangents else v) for k, v in keywords.items()]
        if isinstance(e, gast.Call) and isinstance(e.func, gast.Attribute) \
                and self.callee(e.func) is None:                # a method: x.sum() -> dx.sum()
            receiver = new_args[0]
            return gast.Call(func=gast.Attribute(value=receiver, attr=e.func.attr,
                                                 ctx=gast.Load()),
                             args=list(e.args), keywords=new_keywords)
        return gast.Call(func=n.copied(e.func), args=new_args, keywords=new_keywords)


def _identifier(fn):
    return fn.__name__ if fn.__name__.isidentifier() else "lambda_"


def _uses_tape(body):
    return any(isinstance(s, gast.Assign) and n.is_name(s.targets[0], TAPE) for s in body)


def _tape_as_list(body):
    """`_push(v)` -> `_tape.append(v)`, `_pop()` -> `_tape.pop()`: the tape of generated
    code becomes an ordinary list, whose tangent is kept in a list beside it."""
    class Rewrite(n.Transformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            if n.is_name(node.func, PUSH) or n.is_name(node.func, POP):
                method = "append" if node.func.id == PUSH else "pop"
                node.func = gast.Attribute(value=n.name(TAPE), attr=method, ctx=gast.Load())
            return node

    kept = [s for s in body if not (isinstance(s, gast.Assign)
                                    and isinstance(s.targets[0], gast.Name)
                                    and s.targets[0].id in (PUSH, POP))]
    return [Rewrite().visit(s) for s in kept]


def _popped_stack(call, callee):
    """The list a call pops from (`xs.pop()`, `_tl.popped(xs, n)`), or None."""
    if isinstance(call.func, gast.Attribute) and call.func.attr == "pop" and not call.args \
            and n.is_name(call.func.value):
        return call.func.value.id
    if callee(call.func) is runtime.popped and call.args and n.is_name(call.args[0]):
        return call.args[0].id
    return None


def _or_zero(tangent, primal, transformer):
    """`tangent`, or a zero with the structure of `primal` where it carries none."""
    if tangent is not None:
        return tangent
    return transformer.inliner.helper("zeros_like", n.copied(primal))
