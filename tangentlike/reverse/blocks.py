"""Reverse mode, per statement: the adjoint block of each simple statement.

Receives the reverse transformer as a `FunctionView` (calls.py: activity, kinds,
what each call refers to, with its namer and inliner) and the frozen
`BroadcastPlan` (broadcast_plan.py).  Guarantees, for each simple statement of the
normalized function, one `Block`: its adjoint statements in the order they run,
what they read and write (`analyze.Effects`, for the restore analysis), and for a
call into a user function or a method known at run time (reverse.split_calls), the
callee's backward sweep to run first (`head`) and the call of its forward sweep
that replaces the statement in the primal sweep (`primal`).

All calculus comes from the rule registry: `propagate` takes an adjoint down an
expression, `apply_rule` through one operation's adjoint template.  Contributions
to one adjoint are summed (`+`, `runtime.add` for containers, `add_at` for parts).
"""

import dataclasses
import inspect

import gast
import numpy

from .. import analyze
from .. import nodes as n
from .. import numpy_runtime, runtime
from ..broadcast_plan import basic_index, is_ufunc, may_broadcast
from ..errors import NoDerivativeError, TangentlikeError
from ..inline import without_negation
from ..naming import helper_of
from ..rules import display_name, lookup
from ..rules.methods import PACKED, method_callable
from ..syntax import OPERATORS, is_leaf
from ..trees import ARRAY_KINDS, NUMERIC_KINDS
from .split_calls import SplitCalls, user_callee

ZERO = 0.0


@dataclasses.dataclass(frozen=True)
class Block:
    """The backward side of one simple statement.

    stmts: its adjoint statements; effects: what they (and the primal) touch;
    restore_first: its restore runs before them (the statement reads what it
    writes).  head: statements that must run before the statement's restore (a
    callee's backward sweep, whose tape entries lie above the restore's); primal:
    the statement, or the statements, to run in the primal sweep instead of the
    user's (a call to a callee's forward sweep), or None.
    """

    stmts: list
    effects: analyze.Effects
    restore_first: bool
    head: list = dataclasses.field(default_factory=list)
    primal: object = None


class Contribution:
    __slots__ = ("name", "value", "index")

    def __init__(self, name_, value, index=None):
        self.name, self.value, self.index = name_, value, index


class AdjointBlocks:
    """Builds the Block of each simple statement of `view`'s function.

    Reads the view's facts and the BroadcastPlan; what varies from block to block
    (the shape a spread adjoint stands for, `wide`) is passed down as arguments.
    Its own output, beside the blocks: `calls.callees` (the user functions it calls
    through their split pairs, in the order met), `uses_tape` (a block calls a
    callee's sweeps), and the local names it creates (added to `view.locals`).
    """

    def __init__(self, view, plan):
        self.view, self.plan = view, plan
        self.namer, self.inliner = view.namer, view.inliner
        self.calls = SplitCalls(view)   # its `callees`: the split pairs the blocks call
        self.uses_tape = False

    def blocks_of(self, stmts, out=None):
        """id(statement) -> Block for every simple statement, in the order they run."""
        out = {} if out is None else out
        for s in stmts:
            if isinstance(s, gast.If):
                self.blocks_of(s.body, out)
                self.blocks_of(s.orelse, out)
            elif isinstance(s, (gast.For, gast.While)):
                self.blocks_of(s.body, out)
            else:
                out[id(s)] = self.adjoint_block(s)
        return out

    def adjoint_block(self, s):
        """The Block of one simple statement."""
        view = self.view
        target, value = analyze.target_and_value(s)
        if target is None:
            return Block([], analyze.Effects(), False)
        whole = isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
        append = isinstance(s, gast.Expr)
        index = None if whole or append else s.targets[0].slice
        stmts, head, primal = [], [], None
        if target in view.active:
            call = None
            if whole and view.dynamic_method(value):
                call = self.calls.method_call(s, target, value)
            elif whole and user_callee(view, value) is not None:
                call = self.calls.user_call(s, target, value)
            if call is None:
                stmts = self.adjoint_statements(target, value, index, append, s)
            else:                   # the callee's adjoints of the arguments, taken down them
                self.uses_tape = True
                head, primal, arguments = call
                bindings, contributions = [], []
                for argument, adjoint in arguments:
                    self.propagate(argument, n.name(adjoint), None, bindings, contributions, s)
                stmts = bindings + self.adjoint_statements(target, n.const(0.0), None, False, s,
                                                           contributions)
        reads = set()
        for stmt in head + stmts:
            for sub in n.walk(stmt):
                if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Load):
                    reads.add(sub.id)
        reads = {r for r in reads if r in view.locals}
        if index is not None:
            reads |= set(n.loaded_names(index))
        restore_first = target in set(n.loaded_names(value)) or index is not None
        assigns = {target} | (n.stored_names(primal) if isinstance(primal, list) else set())
        partial = {target} if index is not None or append else set()
        if restore_first:
            effects = analyze.Effects(assigns=assigns, reads_before=reads, partial=partial)
        else:
            effects = analyze.Effects(assigns=assigns, reads_after=reads, partial=partial)
        return Block(stmts, effects, restore_first, head, primal)

    def adjoint_statements(self, target, value, index, append, s, contributions=None):
        kind, plan = self.view.kind, self.plan
        badj = self.namer.adjoint(target)
        stmts = []
        if append:
            g = n.name(self.namer.temp("_b"))
            stmts.append(n.assign(g.id, self.inliner.helper("pop_last", n.name(badj))))
        elif index is not None:
            g = n.name(self.namer.temp("_b"))
            if kind.get(target) in ARRAY_KINDS:
                # an array adjoint may be a read-only broadcast view: extract writes into it
                stmts.append(n.assign(badj, self.inliner.helper("writable", n.name(badj))))
            extracted = self.inliner.helper("extract", n.name(badj), n.index_value(index))
            if kind.get(target) != "scalars" and is_leaf(value) \
                    and not self.reads_number(target, index):
                # `y[a:b] = v` may broadcast v into the slice: reduce back to v's shape
                # (not needed where the part is a number: a vector's, at an integer)
                extracted = self.inliner.helper("unbroadcast", extracted, n.copied(value))
            stmts.append(n.assign(g.id, extracted))
        else:
            g = n.name(badj)
        reads_target = target in n.loaded_names(value)
        rebinds_part = index is None and not append and any(
            isinstance(x, gast.Subscript) and n.is_name(x.value, target) for x in n.walk(value))
        if rebinds_part:
            # `x = f(x[i])`: the adjoint of the old x starts at zero and is accumulated
            # into (in place at x[i]) while the new x's adjoint is still being read
            g = n.name(self.namer.temp("_b"))
            stmts += [n.assign(g.id, n.name(badj)), n.assign(badj, n.const(ZERO))]
        ans = n.name(target) if not reads_target and index is None and not append else None
        contributions = list(contributions or [])
        if id(s) in plan.summed:
            a = plan.summed[id(s)]
            if a in plan.spread_leaves:        # the shape of a, from what it was computed from
                leaves = [n.copied(x) for x in plan.spread_leaves[a]]
                if plan.spread[a] in plan.one_shapes:     # x[1:] and x[:-1]: either one's
                    shape = n.call(f"{self.inliner.modules.name_for(numpy)}.shape",
                                   leaves[0])
                else:
                    shape = self.inliner.helper("common_shape", *leaves, numpy=True)
                stmts.append(n.assign(plan.spread[a], shape))
            contributions.append(Contribution(a, g))
        else:
            whole = index is None and not append
            self.propagate(value, g, ans, stmts, contributions, s,
                           wide=target in plan.loose and target not in plan.self_reducing
                           and whole, shape=plan.spread.get(target) if whole else None)
        own = [c for c in contributions if c.name == target and c.index is None
               and index is None and not append]
        others = [c for c in contributions if c not in own]
        stmts += self.accumulate(others)
        if own:
            total = _factored_sum([c.value for c in own])
            if rebinds_part:
                stmts.append(n.assign(badj, _plus(n.name(badj), total)))
            elif not n.is_name(total, badj):
                stmts.append(n.assign(badj, total))
        elif index is None and not append and not rebinds_part:
            stmts.append(n.assign(badj, n.const(ZERO)))
        return stmts

    def reads_number(self, container, index):
        """Whether `container[index]` is a number by the kinds (an element of a ranked
        array at integers: the index selects one position)."""
        part = gast.Subscript(value=n.name(container), slice=n.copied(index), ctx=gast.Load())
        return self.view.is_number(part)

    # -- adjoints: summed, and taken down expressions -----------------------------------
    def accumulate(self, contributions):
        kind = self.view.kind
        out = []
        order = []

        def key_of(c):      # contributions at the same index are summed first
            return c.name, None if c.index is None else gast.dump(c.index)
        for c in contributions:
            if key_of(c) not in order:
                order.append(key_of(c))
        for key in order:
            group = [c for c in contributions if key_of(c) == key]
            badj = self.namer.adjoint(key[0])
            if group[0].index is not None and kind.get(key[0]) in ARRAY_KINDS \
                    and (basic_index(group[0].index, kind)
                         or self.reads_number(key[0], group[0].index)):
                # in place, reducing a broadcast contribution to the part's shape itself
                values, spread = [c.value for c in group], []
                if len(values) == 1 and _reduction_of(values[0], key[0], group[0].index) \
                        and self.view.expr_kind(values[0].args[-1]) != "scalar":
                    # (a number's part stays summed by its own call: `one_shapes` are the
                    # shapes of the array operands, and in-place adds trust them)
                    spread = values[0].args[1:-1]         # the shape the value stands for
                    values = [values[0].args[0]]
                total, helper = _factored_sum(values), "add_at"
                if without_negation(total) is not None:
                    total, helper = without_negation(total), "subtract_at"
                out.append(n.assign(badj, self.inliner.helper(
                    helper, n.name(badj), n.name(key[0]), n.index_value(group[0].index), total,
                    *spread, numpy=True)))
                continue
            if group[0].index is not None:
                total = _factored_sum([c.value for c in group])
                out.append(n.assign(badj, self.inliner.helper(
                    "add_at", n.name(badj), n.name(key[0]), n.index_value(group[0].index),
                    total)))
                continue
            if kind.get(key[0]) in NUMERIC_KINDS:
                total = _plus(n.name(badj), _factored_sum([c.value for c in group]))
            else:
                total = n.name(badj)
                for c in group:
                    total = self.inliner.helper("add", total, c.value)
            out.append(n.assign(badj, total))
        return out

    def propagate(self, e, g, ans, stmts, out, s, wide=False, shape=None):
        """Append to `out` the contributions of adjoint `g` of expression `e`.

        `wide`: g may be broadcast beyond e's shape (by an enclosing elementwise
        operation whose reduction was left to the leaves).  `shape`: the name of the
        shape g stands for, spread (BroadcastPlan.spread), or None."""
        view = self.view
        reads = analyze.diff_reads(e, view.rule_of) & view.active
        if not reads:
            return
        if _is_zero_constant(g) and not isinstance(e, gast.Name):
            # a rule whose derivative is zero (`np.full_like(np.cumsum(x), c)`): nothing to
            # take through the inner operations, whose helpers need an array
            out.extend(Contribution(name_, n.const(0.0)) for name_ in sorted(reads))
            return
        if isinstance(e, gast.Name):
            out.append(Contribution(e.id, g))
        elif isinstance(e, gast.Subscript) and isinstance(e.value, gast.Name):
            out.append(Contribution(e.value.id, g, e.slice))
        elif isinstance(e, gast.Subscript):       # x[1:][None, :]: the adjoint of x[1:]
            self.propagate(e.value, self.inliner.helper(
                "item_adjoint", g, n.copied(e.value), n.index_value(e.slice)),
                None, stmts, out, s, shape=shape)
        elif isinstance(e, (gast.Tuple, gast.List)):
            g = self.bind(g, stmts, uses=len(e.elts))
            for k, elt in enumerate(e.elts):
                self.propagate(elt, self.inliner.helper("item", g, n.const(k)), None, stmts,
                               out, s, shape=shape)
        elif isinstance(e, gast.Dict):
            g = self.bind(g, stmts, uses=len(e.keys))
            for key, v in zip(e.keys, e.values):
                self.propagate(v, self.inliner.helper("item", g, n.copied(key)), None,
                               stmts, out, s, shape=shape)
        elif isinstance(e, gast.BinOp):
            self.apply_rule(lookup(OPERATORS[type(e.op)]), [e.left, e.right], {}, e, g, ans,
                            stmts, out, s, wide, shape)
        elif isinstance(e, gast.UnaryOp):
            self.apply_rule(lookup(OPERATORS[type(e.op)]), [e.operand], {}, e, g, ans,
                            stmts, out, s, wide, shape)
        elif isinstance(e, gast.Call) and view.calls_derivative(e):
            # a tangentlike gradient called here: its adjoint is a Hessian-vector product
            products = n.name(self.namer.temp("_b"))
            stmts.append(n.assign(products.id, self.inliner.helper(
                "grad_call_adjoint", n.copied(e.func),
                gast.Tuple(elts=n.copied(e.args), ctx=gast.Load()), g)))
            for k, a in enumerate(e.args):
                self.propagate(a, n.subscript(products.id, n.const(k)), None, stmts, out, s,
                               shape=shape)
        elif isinstance(e, gast.Call):
            obj = view.callee(e.func)
            args = list(e.args)
            if obj is None and view.is_method_of_value(e.func) \
                    and method_callable(e.func.attr) is not None:
                obj = method_callable(e.func.attr)      # x.sum(...) is numpy.sum(x, ...)
                if e.func.attr in PACKED and len(args) > 1:
                    args = [gast.Tuple(elts=args, ctx=gast.Load())]
                args = [e.func.value] + args
            rule = lookup(obj) if obj is not None else None
            if rule is None or not rule.adjoints:
                raise self.no_rule(e, obj, s)
            elementwise = is_ufunc(obj) and not e.keywords
            if wide and not elementwise:        # x * np.sum(x): sum g down to the call's
                g = self.inliner.helper("unbroadcast", g, n.copied(e))
            self.apply_rule(rule, args, {k.arg: k.value for k in e.keywords}, e, g,
                            ans, stmts, out, s, wide and elementwise, shape)
        elif isinstance(e, gast.Attribute) and e.attr == "T":
            if wide:
                g = self.inliner.helper("unbroadcast", g, n.copied(e))
            self.propagate(e.value, gast.Attribute(value=g, attr="T", ctx=gast.Load()),
                           None, stmts, out, s, shape=shape)
        else:
            raise self.no_rule(e, None, s)

    def apply_rule(self, rule, args, keywords, e, g, ans, stmts, out, s, wide=False,
                   shape=None):
        """The adjoint `g` of `e`, one operation, taken through its rule's template to
        the operation's arguments (`wide`, `shape`: as for `propagate`)."""
        view, plan = self.view, self.plan
        template = rule.adjoint_for(len(args), list(keywords))
        if template is None:
            filename, line, _, text = view.parsed.location(s)
            raise NoDerivativeError(
                rule.name, filename=filename, line=line, source_line=text,
                reason=f"no rule accepts {len(args)} positional argument(s)"
                       + (f" and keywords {', '.join(keywords)}" if keywords else ""))
        bound = dict(zip(template.params, args))
        bound.update(keywords)
        active_params = [p for p in template.params[:template.returns]
                         if p in bound and analyze.diff_reads(bound[p], view.rule_of)
                         & view.active]
        kinds = [view.expr_kind(a) for a in bound.values()]
        scalar = all(k == "scalar" for k in kinds)
        if ans is None:
            ans = e
        template_stmts, outputs = self.inliner.inline(
            template, bound, {"g": g, "ans": ans}, active_params, scalar, stmts)
        stmts.extend(template_stmts)
        for p in active_params:
            contribution = outputs[template.params.index(p)]
            broadcast = wide or (rule.broadcasts and may_broadcast(p, bound, view.expr_kind))
            if broadcast and isinstance(bound[p], gast.Name) and bound[p].id in plan.loose \
                    and (shape is None or bound[p].id in plan.spread):
                pass                # reduced at the operands of its own definition
            elif broadcast and is_leaf(bound[p]) and shape is not None:
                contribution = self.inliner.helper("spread", contribution, n.name(shape),
                                                   n.copied(bound[p]), numpy=True)
            elif broadcast and is_leaf(bound[p]):
                # reduced at the leaves only: the elementwise operations in between
                # commute with broadcasting, so one reduction per leaf suffices
                contribution = self.inliner.helper("unbroadcast", contribution,
                                                   n.copied(bound[p]))
            self.propagate(bound[p], contribution, None, stmts, out, s,
                           wide=broadcast and not is_leaf(bound[p]), shape=shape)

    def bind(self, expr, stmts, uses):
        if uses <= 1 or isinstance(expr, (gast.Name, gast.Constant)):
            return expr
        temp = self.namer.temp("_b")
        stmts.append(n.assign(temp, expr))
        return n.name(temp)

    def no_rule(self, e, obj, s):
        """The located error for an expression `propagate` cannot differentiate."""
        view = self.view
        filename, line, _, text = view.parsed.location(s)
        where = dict(filename=filename, line=line, source_line=text)
        if isinstance(e, gast.Attribute):
            return NoDerivativeError(
                f"the attribute .{e.attr}", reason="only .T is differentiated as an attribute",
                hint=f"call the function instead (np.{e.attr}(x) for x.{e.attr})"
                if hasattr(numpy, e.attr) else "compute the value with functions that have rules",
                **where)
        if not isinstance(e, gast.Call):
            return NoDerivativeError(type(e).__name__, reason="this expression is not "
                                     "differentiable", hint="rewrite it with arithmetic or "
                                     "functions that have rules", **where)
        written = n.dotted_text(e.func)
        root = e.func
        while isinstance(root, gast.Attribute):
            root = root.value
        if obj is None and isinstance(root, gast.Name) and root.id not in view.locals:
            try:
                view.parsed.resolve(root.id)
            except (KeyError, AttributeError):
                return TangentlikeError(f"{filename}:{line}: name {root.id!r} is not defined\n"
                                        f"    {text.strip()}")
        if obj is None:
            return NoDerivativeError(
                f"{written}()", reason="a method of a value known only when the function "
                                       "runs, and not one of the array methods with rules",
                hint="call a function instead (e.g. numpy.sum(x) for x.sum()) whose rule is "
                     "registered, or register a rule for one with tl.register_adjoint",
                **where)
        if inspect.isfunction(obj):
            reason = ("a Python function called with a construct tangentlike cannot pass "
                      "through")
        else:
            reason = f"{display_name(obj)}, a {type(obj).__name__} without Python source"
        return NoDerivativeError(written, reason=reason, **where)


# -- how sums of adjoints are written ---------------------------------------------------


def _reduction_of(value, container, index):
    """Whether `value` is `_tl.unbroadcast(c, container[index])` or
    `_ntl.spread(c, shape, container[index])`."""
    if not isinstance(value, gast.Call) or not value.args:
        return False
    helper = helper_of(value)
    last = value.args[-1]
    return (helper, len(value.args)) in ((runtime.unbroadcast, 2), (numpy_runtime.spread, 3)) \
        and isinstance(last, gast.Subscript) and n.is_name(last.value, container) \
        and gast.dump(last.slice) == gast.dump(index)


def _is_zero_constant(e):
    return isinstance(e, gast.Constant) and not isinstance(e.value, bool) \
        and isinstance(e.value, (int, float)) and e.value == 0


def _plus(a, b):
    """`a + b`, written `a - c` when b is `-c` (or a product starting with a negation)."""
    positive = without_negation(b)
    if positive is not None:
        return n.binop(a, gast.Sub(), positive)
    return n.binop(a, gast.Add(), b)


def _factored_sum(terms):
    """`t1 + t2 + ...`, written `f * (u1 + u2 + ...)` when every term is `f * ui`."""
    factor = _leading_factor(terms[0]) if len(terms) > 1 else None
    if factor is not None and all(_leading_factor(t) == factor for t in terms[1:]):
        stripped = [_strip_leading(t, factor) for t in terms]
        if all(x is not None for x in stripped):
            return n.binop(n.name(factor), gast.Mult(), _factored_sum(stripped))
    total = terms[0]
    for term in terms[1:]:
        total = _plus(total, term)
    return total


def _leading_factor(e):
    """The name `f` when `e` is a product `f * ...` (possibly negated or divided)."""
    if isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.USub):
        return _leading_factor(e.operand)
    if isinstance(e, gast.BinOp) and isinstance(e.op, (gast.Mult, gast.Div)):
        if isinstance(e.op, gast.Mult) and isinstance(e.left, gast.Name):
            return e.left.id
        return _leading_factor(e.left)
    return None


def _strip_leading(e, factor):
    """`e` with its leading factor removed, or None if nothing would remain."""
    if isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.USub):
        inner = _strip_leading(e.operand, factor)
        return None if inner is None else gast.UnaryOp(op=gast.USub(), operand=inner)
    if isinstance(e, gast.BinOp) and isinstance(e.op, gast.Mult) and n.is_name(e.left, factor):
        return e.right
    if isinstance(e, gast.BinOp) and isinstance(e.op, (gast.Mult, gast.Div)):
        inner = _strip_leading(e.left, factor)
        return None if inner is None else n.binop(inner, e.op, e.right)
    return None
