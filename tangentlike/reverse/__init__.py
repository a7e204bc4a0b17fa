"""Stage 5, reverse: a normalized function -> its adjoint function (gast).

Receives a normalized FunctionDef (normalize/), the `wrt` parameter names and
the kinds of the call's arguments.  Guarantees one gast FunctionDef

    def <name>(<params>, b<out>=1.0):
        <primal sweep: the user's statements, plus tape pushes only where a value
         is overwritten and the backward sweep needs it, and branch decisions>
        # backward sweep
        <adjoint blocks in reverse order, each preceded by a `grad of:` comment>
        return <value>, <adjoint of wrt (a tuple when wrt is a tuple)>

or, for calls from other generated code, the split pair `forward_<f>(<params>,
_tape)` and `backward_<f>(b<out>, _tape)`.

The tape is a plain local list used through bound `append`/`pop` (`_push`/`_pop`);
a `for` loop over `range` is replayed from its (unchanged) bounds, a `while` loop
records one trip count.  Adjoints are accumulated with `+` (`runtime.add` for
containers); the optimize stage turns first accumulations into assignments and
removes what is dead.  All calculus comes from the rule registry.

`ReverseTransformer.sweeps()` runs the stages in order, the analyses handing
frozen facts to the builders: the broadcast plan (broadcast_plan.py); the adjoint
block of each statement (reverse.blocks; calls through split pairs,
reverse.split_calls); the if plans (analyze.py); the shapes kept instead of values
(reverse.shapes); the restore plan (analyze.py); the two sweeps (reverse.sweeps).
`joint` and `split` assemble them into functions (here).
"""


import dataclasses

import gast

from .. import analyze, numpy_runtime
from .. import nodes as n
from ..broadcast_plan import plan_broadcasts
from ..calls import FunctionView
from ..inline import Inliner
from ..nodes import comment
from ..syntax import POP, PUSH, TAPE
from .blocks import ZERO, AdjointBlocks
from .shapes import kept_as_shapes, measured_spread_shapes
from .sweeps import Sweeps

RECOMPUTED_OPERATIONS = 2     # a split function recomputes values this cheap


class ReverseTransformer(FunctionView):
    """Builds the adjoint of one normalized function.

    What the pipeline gives it when it is made: `own_key` and `own_names` (the
    request and the names of the split pair being built, which a recursive call
    calls), `check_nans` (check every adjoint block for NaN and infinity).

    The facts `sweeps()` computes once, before any code is built, and hands on:
    `broadcasts` (BroadcastPlan), the if plans and `restore_plan` (RestorePlan; its
    `restores` also as `restores`).  What it builds, which `joint` or `split`
    assemble: `primal`, `backward`, `inits`, `grads` and the names around them
    (`out_name`, `seed`, `returned`, `unbound`).  Output the builders accumulate:
    `callees` (user functions called through their split pairs), `uses_tape`, and
    the locals they add to `locals` (the named result, shapes, method pairs).
    """

    def __init__(self, parsed, fn, wrt, arg_kinds, namer, modules, result_kind=None,
                 own=None, check_nans=False):
        super().__init__(parsed, fn, wrt, arg_kinds, result_kind)
        self.namer = namer
        self.inliner = Inliner(namer, modules)
        # ((function, wrt, kinds), (forward name, backward name)) of a split pair being
        # built, which a recursive call calls; None for a joint function
        self.own_key, self.own_names = own if own is not None else (None, None)
        self.check_nans = check_nans    # check every adjoint block for NaN and infinity
        self.broadcasts = None      # the BroadcastPlan, once sweeps() has made it
        self.restore_plan = None    # the RestorePlan, likewise
        self.callees = {}           # (callee, wrt, kinds) -> Callee
        self.uses_tape = False

    @property
    def one_shapes(self):
        """The spread shapes whose operands surely have one shape (BroadcastPlan)."""
        return self.broadcasts.one_shapes if self.broadcasts is not None else frozenset()

    @property
    def restores(self):
        """id(statement or loop) -> the names pushed before it (RestorePlan)."""
        return self.restore_plan.restores

    # -- entry points -------------------------------------------------------------
    def unpacked_lengths(self):
        """name -> k for the names bound once that the function unpacks into k names
        (`_ntl.check_unpacking(t, k)`) and that hold numbers by the kinds ("scalars"):
        a list or a tuple of k numbers (normalize unpacks a dict through its keys)."""
        stores, out = {}, {}
        for x in n.walk(self.fn):
            if isinstance(x, gast.Name) and not isinstance(x.ctx, gast.Load):
                stores[x.id] = stores.get(x.id, 0) + 1
            elif isinstance(x, gast.Call) and len(x.args) == 2 and n.is_name(x.args[0]) \
                    and self.callee(x.func) is numpy_runtime.check_unpacking \
                    and isinstance(x.args[1], gast.Constant):
                out[x.args[0].id] = x.args[1].value
        return {t: k for t, k in out.items()
                if stores.get(t) == 1 and self.kind.get(t) == "scalars"}

    def fresh_calls(self):
        """The names of the backward sweeps the code calls (the callees' split pairs', its
        own in recursion): each returns values nothing else holds."""
        return {c.backward for c in self.callees.values()} | set((self.own_names or ())[1:])

    def sweeps(self, recompute=None):
        """Build the primal and backward sweeps (before assembling them into functions).
        `recompute`: the pass "recompute"'s planner (passes/recompute.py), or None."""
        body = list(self.fn.body)
        ret = body.pop() if body and isinstance(body[-1], gast.Return) else None
        value_node = ret.value if ret is not None and ret.value is not None else n.const(None)
        line = n.line_of(ret) if ret is not None else n.line_of(self.fn)
        if isinstance(value_node, gast.Name):
            out_name = value_node.id
        else:                        # the returned value, named: the facts extended once
            out_name = self.namer.fresh("result")
            self.locals.append(out_name)
            body.append(n.assign(out_name, value_node, line))
            self.with_named_result(out_name, value_node)
        self.out_name, self.line = out_name, line
        self.returned = value_node
        self.seed = self.namer.adjoint(out_name)
        joint = self.own_key is None
        self.broadcasts = plan_broadcasts(body, self, self.namer, out_name, joint)
        self.locals.extend(self.broadcasts.shapes)
        adjoints = AdjointBlocks(self, self.broadcasts)
        blocks = adjoints.blocks_of(body)
        ifs = analyze.plan_ifs(body, blocks, self.rule_of)
        modules = self.inliner.modules
        blocks = measured_spread_shapes(blocks, body, self.broadcasts, modules)
        blocks, shapes = kept_as_shapes(blocks, body, self.params, joint, self.namer, modules)
        self.locals.extend(shapes)
        headers = {**analyze.loop_headers(body), **ifs.headers}
        effects = {k: b.effects for k, b in blocks.items()}
        if recompute is not None:
            first = {k for k, b in blocks.items() if b.restore_first}
            plan = recompute(body, effects, headers, self, first)
            effects = plan.effects
            blocks = {k: _recomputing(b, plan.at[k]) if k in plan.at else b
                      for k, b in blocks.items()}
        self.restore_plan = analyze.plan_restores(body, effects, headers, self.params,
                                                  ifs.forced)
        sweeps = Sweeps(self, blocks, self.restore_plan.restores, ifs, self.check_nans)
        self.primal, self.backward = sweeps.build(body)
        self.callees = adjoints.calls.callees
        self.number_results = frozenset(adjoints.calls.numbers)
        self.uses_tape = adjoints.uses_tape or sweeps.uses_tape
        self.unbound = sorted(self.restore_plan.unbound)
        self.inits = [n.assign(self.namer.adjoint(v), n.const(ZERO))
                      for v in sorted(self.active) if v != out_name]
        self.grads = [n.name(self.namer.adjoint(w)) if w in self.active else n.const(ZERO)
                      for w in self.wrt]

    def joint(self, name_, optimize):
        """`def name(<params>, b<out>=1.0)`: primal, backward, `return value, grads`
        (the parameters as `entry_arguments` lists them)."""
        primal = list(self.primal)
        value_name = self.out_name
        if any(self.out_name in names for names in self.restores.values()):
            value_name = self.namer.fresh("value")     # the backward sweep restores out_name
            primal.append(n.assign(value_name, n.name(self.out_name), self.line))
        grads = self.grads[0] if len(self.grads) == 1 else \
            gast.Tuple(elts=self.grads, ctx=gast.Load())
        result = gast.Tuple(elts=[n.name(value_name), grads], ctx=gast.Load())
        backward = optimize(self.inits + self.backward, self.grads)
        primal = optimize.primal(primal, backward)
        prologue = self.tape_setup(push=True, pop=True, own=True) + \
            self.none_inits(self.unbound)
        body = prologue + primal + [comment("backward sweep")] + backward + \
            [gast.Return(value=result)]
        args = self.entry_arguments([self.seed], [n.const(1.0)])
        return _function(name_, args, body)

    def split(self, forward_name, backward_name, optimize):
        """`forward(<params>, *, _tape) -> value` and `backward(b<out>, _tape) -> grads`
        (one adjoint, or a tuple of them when there are several)."""
        backward = optimize(self.inits + self.backward, self.grads)
        primal = optimize.primal(self.primal, backward)
        returned = {x.id for g in self.grads for x in n.walk(g) if isinstance(x, gast.Name)}
        saved = sorted(optimize.live_in(backward, returned) & set(self.locals))
        recomputed = self.recomputable(primal, saved)
        saved = [v for v in saved if v not in {stmt.targets[0].id for stmt in recomputed}]
        saved_tuple = gast.Tuple(elts=[n.name(v) for v in saved], ctx=gast.Load())
        unbound = sorted(set(self.unbound) | (set(saved) - self.restore_plan.bound_at_end))
        primal = list(primal)
        if saved:
            primal.append(n.expr_stmt(n.call(PUSH, saved_tuple)))
        primal, bind_push = _direct_tape_use(primal, PUSH, "append")
        forward_body = (self.tape_setup(push=bind_push, pop=False, own=False)
                        + self.none_inits(unbound) + primal
                        + [gast.Return(value=n.name(self.out_name))])
        args = n.copied(self.fn.args)
        tape = n.name(TAPE)
        tape.ctx = gast.Param()
        if takes_tape_positionally(args):
            args.args = list(args.args) + [tape]
        else:
            args.kwonlyargs = list(args.kwonlyargs) + [tape]
            args.kw_defaults = list(args.kw_defaults) + [None]
        forward = _function(forward_name, args, forward_body)
        restore = []
        if saved:
            target = gast.Tuple(elts=[n.name(v, store=True) for v in saved], ctx=gast.Store())
            restore = [n.assign(target, n.call(POP))]
        if recomputed:
            recomputed.insert(0, comment("cheap to recompute: not kept on the tape"))
        backward, bind_pop = _direct_tape_use(restore + recomputed + backward, POP, "pop")
        backward_body = self.tape_setup(push=False, pop=bind_pop, own=False) + backward
        grads = self.grads[0] if len(self.grads) == 1 else \
            gast.Tuple(elts=self.grads, ctx=gast.Load())
        backward_body.append(gast.Return(value=grads))
        params = [n.name(self.seed), n.name(TAPE)]
        for p in params:
            p.ctx = gast.Param()
        bargs = gast.arguments(args=params, posonlyargs=[], vararg=None, kwonlyargs=[],
                               kw_defaults=[], kwarg=None, defaults=[])
        return forward, _function(backward_name, bargs, backward_body)

    def recomputable(self, primal, saved):
        """Copies of the statements `v = a op b` of `primal` (at most
        RECOMPUTED_OPERATIONS arithmetic operations on names and constants) whose result
        the backward sweep of a straight-line split function can recompute from what it
        restores, instead of keeping v on the tape."""
        if not all(isinstance(s, gast.Assign) for s in primal):
            return []
        stores, stored_at = {}, {}
        for k, s in enumerate(primal):
            for name_ in n.stored_names([s]):
                stores[name_] = stores.get(name_, 0) + 1
                stored_at.setdefault(name_, k)
        local = set(self.locals) | set(self.params)

        def restored_as_read(name_, k):
            """Does the tape give `name_` the value statement k read?  Only if it is
            never bound again after k: a parameter never bound, another name bound
            once, before k."""
            if name_ not in saved:
                return False
            if name_ in self.params:
                return name_ not in stores
            return stores.get(name_) == 1 and stored_at[name_] < k

        out = []
        for k, s in enumerate(primal):
            target = s.targets[0]
            if not isinstance(target, gast.Name) or target.id not in saved \
                    or stores.get(target.id) != 1:
                continue
            operands, operations = _arithmetic_operands(s.value)
            if not 1 <= operations <= RECOMPUTED_OPERATIONS or not all(
                    isinstance(x, gast.Constant) or isinstance(x, gast.Name) and (
                        x.id not in local or restored_as_read(x.id, k))
                    for x in operands):
                continue
            out.append(n.copied(s))
        return out

    def tape_setup(self, push, pop, own):
        if not self.uses_tape and own:
            return []
        out = [n.assign(TAPE, gast.List(elts=[], ctx=gast.Load()))] if own else []
        if push:
            out.append(n.assign(PUSH, gast.Attribute(value=n.name(TAPE), attr="append",
                                                     ctx=gast.Load())))
        if pop:
            out.append(n.assign(POP, gast.Attribute(value=n.name(TAPE), attr="pop",
                                                    ctx=gast.Load())))
        return out

    def none_inits(self, unbound):
        return [n.assign(v, n.const(None), self.line) for v in unbound]


def _recomputing(block, stmts):
    """`block` with `stmts` run first: after its restore where that comes first (the
    values before its statement), else before everything (passes/recompute.py)."""
    if block.restore_first:
        return dataclasses.replace(block, stmts=list(stmts) + block.stmts)
    return dataclasses.replace(block, head=list(stmts) + block.head)


def _arithmetic_operands(e):
    """(names and constants, number of operations) of an arithmetic expression of
    them (-c for a constant c counts as a constant); (None, 0) for anything else."""
    if isinstance(e, gast.Constant) or isinstance(e, gast.Name):
        return [e], 0
    if isinstance(e, gast.UnaryOp) and isinstance(e.operand, gast.Constant):
        return [e.operand], 0
    if isinstance(e, gast.BinOp) and not isinstance(e.op, gast.MatMult):
        parts = [_arithmetic_operands(e.left), _arithmetic_operands(e.right)]
    elif isinstance(e, gast.UnaryOp):
        parts = [_arithmetic_operands(e.operand)]
    else:
        return [None], 0
    return [x for p, _ in parts for x in p], 1 + sum(k for _, k in parts)


def takes_tape_positionally(args):
    """A forward sweep takes the tape as its last positional parameter when the
    function has only plain positional parameters, else as a keyword-only one."""
    return not (args.defaults or args.kwonlyargs or args.vararg or args.kwarg
                or args.posonlyargs)


def _direct_tape_use(stmts, alias, method):
    """`_tape.append(v)` instead of binding `_push` when it is called once, outside loops."""
    calls = [x for s in stmts for x in n.walk(s)
             if isinstance(x, gast.Call) and n.is_name(x.func, alias)]
    in_loops = [x for s in stmts if isinstance(s, (gast.For, gast.While))
                for x in n.walk(s) if isinstance(x, gast.Call) and n.is_name(x.func, alias)]
    if len(calls) != 1 or in_loops:
        return stmts, bool(calls)
    calls[0].func = gast.Attribute(value=n.name(TAPE), attr=method, ctx=gast.Load())
    return stmts, False


def _function(name_, args, body):
    return gast.FunctionDef(name=name_, args=args, body=body, decorator_list=[], returns=None,
                            type_comment=None, type_params=[])
