"""Stage 5, reverse: a normalized function -> its adjoint function (gast).

Receives a normalized FunctionDef (normalize.py), the `wrt` parameter names and
the kinds of the call's arguments.  Guarantees one gast FunctionDef

    def <name>(<params>, b<out>=1.0):
        <primal sweep: the user's statements, plus tape pushes only where a value
         is overwritten and the backward sweep needs it, and branch decisions>
        # backward sweep
        <adjoint blocks in reverse order, each preceded by a `grad of:` comment>
        return <value>, <adjoint of wrt (a tuple when wrt is a tuple)>

The tape is a plain local list used through bound `append`/`pop` (`_push`/`_pop`);
a `for` loop over `range` is replayed from its (unchanged) bounds, a `while` loop
records one trip count.  Adjoints are accumulated with `+` (`runtime.add` for
containers); the optimize stage turns first accumulations into assignments and
removes what is dead.  All calculus comes from the rule registry.
"""

import copy
import inspect
import operator as _op

import gast
import numpy

from .. import analyze
from .. import numpy_runtime, runtime
from .. import nodes as n
from ..nodes import comment
from ..errors import NoDerivativeError, TangentlikeError
from ..calls import FunctionView
from ..inline import Inliner, without_negation
from ..naming import helper_of
from ..rules import display_name, lookup
from ..rules.methods import PACKED, method_callable

TAPE, PUSH, POP = "_tape", "_push", "_pop"
ZERO = 0.0


class Block:
    """The backward side of one simple statement.

    head: statements that must run before the statement's restore (a callee's
    backward sweep, whose tape entries lie above the restore's); primal: the
    statement to run in the primal sweep instead of the user's (a call to a
    callee's forward sweep), or None.
    """

    __slots__ = ("stmts", "effects", "restore_first", "head", "primal")

    def __init__(self, stmts, effects, restore_first, head=(), primal=None):
        self.stmts, self.effects, self.restore_first = stmts, effects, restore_first
        self.head, self.primal = list(head), primal


class Callee:
    """A user function called with differentiated arguments, and its split pair's names."""

    __slots__ = ("forward", "backward", "function", "func_expr", "wrt", "kinds")

    def __init__(self, forward, backward, function, func_expr, wrt, kinds):
        self.forward, self.backward, self.function = forward, backward, function
        self.func_expr, self.wrt, self.kinds = func_expr, wrt, kinds


class Contribution:
    __slots__ = ("name", "value", "index")

    def __init__(self, name_, value, index=None):
        self.name, self.value, self.index = name_, value, index


class ReverseTransformer(FunctionView):
    """Builds the adjoint of one normalized function."""

    def __init__(self, parsed, fn, wrt, arg_kinds, namer, modules, result_kind=None):
        super().__init__(parsed, fn, wrt, arg_kinds, result_kind)
        self.namer = namer
        self.inliner = Inliner(namer, modules)
        self.uses_tape = False
        self.blocks = {}
        self.header_effects = {}
        self.if_plans = {}          # id(If) -> (name restored before its test, writers)
        self.hoisted = set()        # ids of statements whose restore the If does
        self.callees = {}           # (callee, wrt, kinds) -> Callee
        self.own_key = None         # (function, wrt, kinds) when building a split pair
        self.own_names = None
        self.check_nans = False     # check every adjoint block for NaN and infinity
        self.loose = set()          # values whose adjoint may stay broadcast (loose_names)
        self.self_reducing = set()  # `v = a @ b`: its adjoint rule reduces a broadcast one
        self.spread = {}            # value -> name of the shape its adjoint stands for
        self.summed = {}            # id(statement `s = np.sum(a)`) -> a, adjoint left unspread
        self.spread_shape = None    # that shape, while building such a value's block
        self.spread_leaves = {}     # (joint functions) a -> the operands its shape comes from
        self.one_shapes = set()     # those shapes whose operands surely have one shape

    # -- entry points -------------------------------------------------------------
    def sweeps(self):
        """Build the primal and backward sweeps (before assembling them into functions)."""
        body = list(self.fn.body)
        ret = body.pop() if body and isinstance(body[-1], gast.Return) else None
        value_node = ret.value if ret is not None and ret.value is not None else n.const(None)
        line = n.line_of(ret) if ret is not None else n.line_of(self.fn)
        if isinstance(value_node, gast.Name):
            out_name = value_node.id
        else:
            out_name = self.namer.fresh("result")
            self.locals.append(out_name)
            body.append(n.assign(out_name, value_node, line))
            if analyze.diff_reads(value_node, self.rule_of) & self.active:
                self.active.add(out_name)
                self.kind[out_name] = self.expr_kind(value_node)
        self.out_name, self.line = out_name, line
        self.returned = value_node
        self.seed = self.namer.adjoint(out_name)
        self.plan_spread_sums(body)
        self.loose = self.loose_names(body)
        self.spread_below(body)
        self.collect(body)
        self.measure_spread_shapes(body)
        self.keep_shapes_only(body)
        self.restores, unbound, self.bound_at_end = analyze.plan_restores(
            body, {k: b.effects for k, b in self.blocks.items()}, self.header_effects,
            self.params)
        self.primal, self.backward = self.build(body)
        self.unbound = sorted(unbound)
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
        prologue = self.tape_setup(push=True, pop=True, own=True) + self.none_inits()
        body = prologue + primal + [comment("backward sweep")] + backward + \
            [gast.Return(value=result)]
        args = self.entry_arguments([self.seed], [n.const(1.0)])
        return _function(name_, args, body)

    def split(self, forward_name, backward_name, optimize):
        """`forward(<params>, *, _tape) -> value` and `backward(b<out>, _tape) -> grads`
        (one adjoint, or a tuple of them when there are several)."""
        backward = optimize(self.inits + self.backward, self.grads)
        self.primal = optimize.primal(self.primal, backward)
        primal_names = set(self.locals)
        saved = sorted({x.id for stmt in backward for x in gast.walk(stmt)
                        if isinstance(x, gast.Name) and x.id in primal_names})
        recomputed = self.recomputable(saved)
        saved = [v for v in saved if v not in {stmt.targets[0].id for stmt in recomputed}]
        saved_tuple = gast.Tuple(elts=[n.name(v) for v in saved], ctx=gast.Load())
        self.unbound = sorted(set(self.unbound) | (set(saved) - self.bound_at_end))
        primal = list(self.primal)
        if saved:
            primal.append(n.expr_stmt(n.call(PUSH, saved_tuple)))
        primal, bind_push = _direct_tape_use(primal, PUSH, "append")
        forward_body = (self.tape_setup(push=bind_push, pop=False, own=False)
                        + self.none_inits() + primal
                        + [gast.Return(value=n.name(self.out_name))])
        args = copy.deepcopy(self.fn.args)
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

    def recomputable(self, saved):
        """Copies of the primal statements `v = a op b` (at most RECOMPUTED_OPERATIONS
        arithmetic operations on names and constants) whose result the backward sweep of
        a straight-line split function can recompute from what it restores, instead of
        keeping v on the tape."""
        if not all(isinstance(s, gast.Assign) for s in self.primal):
            return []
        stores, stored_at = {}, {}
        for k, s in enumerate(self.primal):
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
        for k, s in enumerate(self.primal):
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
            out.append(copy.deepcopy(s))
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

    def none_inits(self):
        return [n.assign(v, n.const(None), self.line) for v in self.unbound]

    # -- per-statement adjoint blocks ---------------------------------------------
    def collect(self, stmts):
        for s in stmts:
            if isinstance(s, gast.If):
                self.collect(s.body)
                self.collect(s.orelse)
                self.plan_if(s)
            elif isinstance(s, gast.For):
                reads = set(n.loaded_names(s.iter))
                self.header_effects[id(s)] = analyze.Effects(
                    assigns={s.target.id}, reads_after=reads)
                self.collect(s.body)
            elif isinstance(s, gast.While):
                self.collect(s.body)
            else:
                self.blocks[id(s)] = self.adjoint_block(s)

    def loose_names(self, body):
        """Values whose adjoint may stay broadcast (wider than the value itself): each is
        written once by an elementwise operation (or a matrix product, whose adjoint
        helpers reduce the adjoint themselves) and read once, as an operand whose
        adjoint would be reduced to its shape.  The adjoint then flows unreduced into
        the elementwise operation, and the reduction happens once, at its operands, so
        the backward sweep needs neither the value nor its shape."""
        stores, loads, writer, user = {}, {}, {}, {}
        for x in (x for s in body for x in gast.walk(s) if isinstance(x, gast.Name)):
            counts = stores if isinstance(x.ctx, gast.Store) else loads
            counts[x.id] = counts.get(x.id, 0) + 1
        for s in analyze.simple_statements(body):
            for name_ in n.loaded_names(s):
                user[name_] = s
            if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name):
                writer[s.targets[0].id] = s
        self.self_reducing = {name_ for name_, s in writer.items()
                              if isinstance(s.value, gast.BinOp)
                              and isinstance(s.value.op, gast.MatMult)
                              and self.expr_kind(s.value) == "numeric"}
        candidates = [name_ for name_, s in writer.items()
                      if stores.get(name_) == 1 and loads.get(name_) == 1 and name_ in user
                      and name_ not in self.params and name_ != self.out_name
                      and name_ in self.active
                      and (self.elementwise(s.value) or name_ in self.self_reducing)
                      and name_ not in n.loaded_names(s.value)
                      and isinstance(user[name_], gast.Assign)
                      and isinstance(user[name_].targets[0], gast.Name)]
        loose, grown = set(self.loose), True
        while grown:             # a loose user passes its own broadcast adjoint on
            grown = False
            for name_ in candidates:
                use = user[name_]
                if name_ not in loose and name_ in self.reduced_leaves(
                        use.value, use.targets[0].id in loose):
                    loose.add(name_)
                    grown = True
        return loose

    def plan_spread_sums(self, body):
        """`s = np.sum(a)` (or `a.sum()`) of an elementwise temporary `a` at the top level:
        the adjoint of `a` is left as the scalar adjoint of `s`, standing for it spread over
        a's shape, which the primal sweep records; the contributions of the elementwise
        operations below keep standing for arrays of that shape, and each operand's own
        is taken from them (`_ntl.spread`) without building the spread array."""
        writers = {s.targets[0].id: s for s in body
                   if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)}
        users = {}
        for s in analyze.simple_statements(body):
            for name_ in n.loaded_names(s):
                users.setdefault(name_, []).append(s)
        for s in body:
            if not (isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                    and isinstance(s.value, gast.Call) and not s.value.keywords):
                continue
            call = s.value
            if self.callee(call.func) is numpy.sum and len(call.args) == 1:
                a = call.args[0]
            elif self.is_method_of_value(call.func) and call.func.attr == "sum" \
                    and not call.args and method_callable("sum") is numpy.sum:
                a = call.func.value
            else:
                continue
            if not isinstance(a, gast.Name) or a.id not in writers \
                    or a.id not in self.active or self.kind.get(s.targets[0].id) == "sequence" \
                    or users.get(a.id) != [s] or a.id in self.params \
                    or not self.elementwise(writers[a.id].value) \
                    or sum(1 for x in body for y in gast.walk(x) if isinstance(y, gast.Name)
                           and y.id == a.id) != 2:
                continue
            shape = self.namer.fresh(f"{a.id.lstrip('_')}_shape")
            self.locals.append(shape)
            self.summed[id(s)] = a.id
            self.spread[a.id] = shape
            self.loose.add(a.id)

    def spread_below(self, body):
        """Loose values below a spread one stand for its shape too."""
        users = {}
        for s in analyze.simple_statements(body):
            for name_ in n.loaded_names(s):
                users.setdefault(name_, []).append(s)
        grown = True
        while grown:
            grown = False
            for name_ in sorted(self.loose - set(self.spread) - self.self_reducing):
                user = users.get(name_, [None])[0]
                target = user.targets[0].id if isinstance(user, gast.Assign) \
                    and isinstance(user.targets[0], gast.Name) else None
                if target in self.spread:
                    self.spread[name_] = self.spread[target]
                    grown = True
        if self.own_key is None:        # a joint function: no shape recorded in the primal
            writers = {x.targets[0].id: x for x in analyze.simple_statements(body)
                       if isinstance(x, gast.Assign) and isinstance(x.targets[0], gast.Name)}
            for a in self.summed.values():
                leaves = self.elementwise_leaves(writers[a].value, writers)
                if all(not isinstance(x, gast.Subscript) or self.basic_index(x.slice)
                       for x in leaves):    # (else measured in the primal: no gather again)
                    self.spread_leaves[a] = leaves

    def elementwise_leaves(self, e, writers):
        """The array operands an elementwise value is computed from, through the spread
        values it reads (whose own operands count instead)."""
        if _is_leaf(e):
            children = [e]
        elif isinstance(e, gast.Call):
            children = list(e.args)                          # not the callee
        else:
            children = list(gast.iter_child_nodes(e))
        out = []
        for x in children:
            if isinstance(x, gast.Name) and x.id in self.spread and x.id in writers \
                    and x.id not in self.summed.values():
                found = self.elementwise_leaves(writers[x.id].value, writers)
            elif _is_leaf(x) and not isinstance(x, gast.Constant):
                found = [x] if self.expr_kind(x) != "scalar" else []
            elif isinstance(x, gast.expr) and not isinstance(x, gast.Constant):
                found = self.elementwise_leaves(x, writers)
            else:
                found = []
            for y in found:
                if gast.dump(y) not in map(gast.dump, out):
                    out.append(copy.deepcopy(y))
        return out

    def measure_after(self, writer, name_, shape):
        """`shape = np.shape(name_)` added to the primal of `writer`'s block; the block."""
        block = self.blocks[id(writer)]
        measure = n.assign(shape, n.call(f"{self.inliner.modules.name_for(numpy)}.shape",
                                         n.name(name_)), n.line_of(writer))
        primal = block.primal if isinstance(block.primal, list) else [block.primal or writer]
        block.primal = primal + [measure]
        return block

    def measure_spread_shapes(self, body):
        """`a_shape = np.shape(a)` after the statement that computes a spread value (in a
        split function; a joint function takes it from a's operands when it needs it)."""
        for writer in body:
            if isinstance(writer, gast.Assign) and isinstance(writer.targets[0], gast.Name) \
                    and writer.targets[0].id in self.summed.values() \
                    and writer.targets[0].id not in self.spread_leaves:
                name_ = writer.targets[0].id
                self.measure_after(writer, name_, self.spread[name_])
        shapes = set(self.spread.values())
        for block in self.blocks.values():    # written once, at the top level: no restores
            block.effects.reads_before -= shapes
            block.effects.reads_after -= shapes

    def elementwise(self, e, top=True):
        """Arithmetic operators and NumPy ufuncs applied elementwise to arrays, all the
        way down to names and constants."""
        if top and self.expr_kind(e) != "numeric":
            return False
        if _is_leaf(e):
            return not top
        if isinstance(e, gast.BinOp):
            parts = [e.left, e.right]
            ok = isinstance(e.op, (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow))
        elif isinstance(e, gast.UnaryOp):
            parts, ok = [e.operand], isinstance(e.op, (gast.USub, gast.UAdd))
        elif isinstance(e, gast.Call) and not e.keywords:
            obj = self.callee(e.func)
            parts = e.args
            ok = _is_ufunc(obj) and lookup(obj) is not None and bool(lookup(obj).adjoints)
        else:
            return False
        return ok and all(self.elementwise(x, top=False) for x in parts)

    def reduced_leaves(self, e, wide=False):
        """The names `propagate` reduces to their shape (`unbroadcast`) in e's adjoint."""
        if isinstance(e, gast.BinOp):
            rule, args = lookup(_OPERATORS[type(e.op)]), [e.left, e.right]
        elif isinstance(e, gast.UnaryOp):
            rule, args = lookup(_OPERATORS[type(e.op)]), [e.operand]
        elif isinstance(e, gast.Call) and not e.keywords:
            rule, args = self.rule_of(e.func), list(e.args)
        else:
            return set()
        template = rule.adjoint_for(len(args), []) if rule is not None else None
        if template is None:
            return set()
        bound = dict(zip(template.params, args))
        out = set()
        for p in template.params[:template.returns]:
            if p not in bound:
                continue
            broadcast = wide or (rule.broadcasts and self.may_broadcast(p, bound))
            if broadcast and isinstance(bound[p], gast.Name):
                out.add(bound[p].id)
            elif not _is_leaf(bound[p]):
                out |= self.reduced_leaves(bound[p], broadcast)
        return out

    def keep_shapes_only(self, body):
        """A value the backward sweep reads only for its shape (the reference of an
        `unbroadcast`) is replaced there by `np.shape(value)`, computed in the primal
        sweep: the tape then keeps a small tuple instead of an array."""
        blocks = [b for b in self.blocks.values()]
        loads, shape_refs = {}, {}
        for b in blocks:
            for stmt in b.head + b.stmts:
                for x in gast.walk(stmt):
                    if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Load):
                        loads[x.id] = loads.get(x.id, 0) + 1
                    if helper_of(x) is runtime.unbroadcast and len(x.args) == 2 \
                            and n.is_name(x.args[1]):
                        shape_refs.setdefault(x.args[1].id, []).append(x)
        writers = {}
        for s in analyze.simple_statements(body):
            target, _ = analyze.target_and_value(s)
            if target is not None:
                writers.setdefault(target, []).append(s)
        in_loop = n.stored_names([x for x in body if isinstance(x, (gast.For, gast.While))])
        for name_, calls in sorted(shape_refs.items()):
            plain = all(isinstance(w, gast.Assign) and n.is_name(w.targets[0], name_)
                        for w in writers.get(name_, [None]))
            if loads.get(name_) != len(calls) or name_ in self.params or not plain \
                    or (name_ not in in_loop and self.own_key is None):
                continue            # (a joint function's locals live to its end anyway)
            shape = self.namer.fresh(f"{name_.lstrip('_')}_shape")
            for call in calls:
                call.args[1] = n.name(shape)
            for writer in writers[name_]:
                self.measure_after(writer, name_, shape).effects.assigns.add(shape)
            for b in blocks:
                for effects_reads in (b.effects.reads_before, b.effects.reads_after):
                    if name_ in effects_reads:
                        effects_reads.discard(name_)
                        effects_reads.add(shape)
            self.locals.append(shape)

    def plan_if(self, s):
        """Replay the branch by re-evaluating the test instead of recording it, when the
        test is pure and at most one name it reads is written, by each branch's last
        statement (whose restore then doubles as the test's input)."""
        if not self.pure(s.test):
            return
        inner = analyze.simple_statements(s.body + s.orelse)
        if not any(self.blocks[id(x)].stmts or self.blocks[id(x)].head for x in inner):
            return                   # nothing to replay: the test's inputs need not be kept
        reads = set(n.loaded_names(s.test))
        written = reads & n.stored_names(s.body + s.orelse)
        if len(written) > 1:
            return
        name_ = next(iter(written), None)
        writers = []
        for branch in (s.body, s.orelse):
            found = [x for x in branch if name_ in n.stored_names([x])]
            if not found:
                writers.append(None)
                continue
            last = found[0]
            if len(found) > 1 or last is not branch[-1] or not isinstance(last, gast.Assign) \
                    or not n.is_name(last.targets[0], name_):
                return
            block = self.blocks[id(last)]
            if block.head or (not block.restore_first and name_ in block.effects.reads_after):
                return
            writers.append(last)
        for last in writers:
            if last is not None:
                self.blocks[id(last)].effects.force.add(name_)
                self.hoisted.add(id(last))
        # a branch that does not write the name pushes it as it is: the test then reads the
        # object the name holds after the `if`, which later in-place writes must restore
        kept = reads - written if all(writers) else reads
        self.header_effects[id(s)] = analyze.Effects(reads_after=kept)
        self.if_plans[id(s)] = (name_, writers)

    def pure(self, e):
        """True for expressions of names, constants, operators and calls with rules."""
        for x in gast.walk(e):
            if isinstance(x, gast.Call):
                if self.rule_of(x.func) is None:
                    return False
            elif not isinstance(x, _PURE_TEST_NODES + (gast.Attribute, gast.keyword)):
                return False
        return True

    def adjoint_block(self, s):
        """The Block of one simple statement."""
        target, value = analyze.target_and_value(s)
        if target is None:
            return Block([], analyze.Effects(), False)
        whole = isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
        append = isinstance(s, gast.Expr)
        index = None if whole or append else s.targets[0].slice
        stmts, head, primal = [], [], None
        if target in self.active:
            if whole and self.dynamic_method(value):
                head, primal, bindings, contributions = self.method_call(s, target, value)
                stmts = bindings + self.adjoint_statements(target, n.const(0.0), None, False, s,
                                                           contributions)
            elif whole and self.user_callee(value) is not None:
                head, primal, bindings, contributions = self.user_call(s, target, value)
                stmts = bindings + self.adjoint_statements(target, n.const(0.0), None, False, s,
                                                           contributions)
            else:
                stmts = self.adjoint_statements(target, value, index, append, s)
        reads = set()
        for stmt in head + stmts:
            for sub in gast.walk(stmt):
                if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Load):
                    reads.add(sub.id)
        reads &= set(self.locals)
        if index is not None:
            reads |= set(n.loaded_names(index))
        restore_first = target in set(n.loaded_names(value)) or index is not None
        assigns = {target} | (stored_by(primal) if isinstance(primal, list) else set())
        partial = {target} if index is not None or append else set()
        if restore_first:
            effects = analyze.Effects(assigns=assigns, reads_before=reads, partial=partial)
        else:
            effects = analyze.Effects(assigns=assigns, reads_after=reads, partial=partial)
        return Block(stmts, effects, restore_first, head, primal)

    def adjoint_statements(self, target, value, index, append, s, contributions=None):
        badj = self.namer.adjoint(target)
        stmts = []
        if append:
            g = n.name(self.namer.temp("_b"))
            stmts.append(n.assign(g.id, self.inliner.helper("pop_last", n.name(badj))))
        elif index is not None:
            g = n.name(self.namer.temp("_b"))
            if self.kind.get(target) == "numeric":
                # an array adjoint may be a read-only broadcast view: extract writes into it
                stmts.append(n.assign(badj, self.inliner.helper("writable", n.name(badj))))
            extracted = self.inliner.helper("extract", n.name(badj), n.index_value(index))
            if self.kind.get(target) != "sequence" and _is_leaf(value):
                # `y[a:b] = v` may broadcast v into the slice: reduce back to v's shape
                extracted = self.inliner.helper("unbroadcast", extracted, copy.deepcopy(value))
            stmts.append(n.assign(g.id, extracted))
        else:
            g = n.name(badj)
        reads_target = target in n.loaded_names(value)
        rebinds_part = index is None and not append and any(
            isinstance(x, gast.Subscript) and n.is_name(x.value, target) for x in gast.walk(value))
        if rebinds_part:
            # `x = f(x[i])`: the adjoint of the old x starts at zero and is accumulated
            # into (in place at x[i]) while the new x's adjoint is still being read
            g = n.name(self.namer.temp("_b"))
            stmts += [n.assign(g.id, n.name(badj)), n.assign(badj, n.const(ZERO))]
        ans = n.name(target) if not reads_target and index is None and not append else None
        contributions = list(contributions or [])
        if id(s) in self.summed:
            a = self.summed[id(s)]
            if a in self.spread_leaves:        # the shape of a, from what it was computed from
                leaves = self.spread_leaves[a]
                if _one_shape(leaves):             # x[1:] and x[:-1]: either one's shape
                    shape = n.call(f"{self.inliner.modules.name_for(numpy)}.shape",
                                   leaves[0])
                    self.one_shapes.add(self.spread[a])
                else:
                    shape = self.inliner.helper("common_shape", *leaves, numpy=True)
                stmts.append(n.assign(self.spread[a], shape))
            contributions.append(Contribution(a, g))
        else:
            self.spread_shape = self.spread.get(target) if index is None and not append \
                else None
            self.propagate(value, g, ans, stmts, contributions, s,
                           wide=target in self.loose and target not in self.self_reducing
                           and index is None and not append)
            self.spread_shape = None
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

    def user_callee(self, value):
        """The user function `value` calls with differentiated arguments, or None."""
        obj = self.user_function(value)
        if obj is None or not analyze.diff_reads(value, self.rule_of) & self.active:
            return None
        return obj

    def user_call(self, s, target, value):
        """`target = h(args)` through h's forward/backward pair (split motion): (head,
        primal, bindings, contributions of the callee's adjoints to the arguments)."""
        obj = self.user_callee(value)
        try:
            bound = inspect.signature(obj).bind(*value.args,
                                                **{k.arg: k.value for k in value.keywords})
        except TypeError as exc:
            filename, line, _, text = self.parsed.location(s)
            raise NoDerivativeError(f"{obj.__qualname__}", filename=filename, line=line,
                                    source_line=text, reason=f"the call does not match its "
                                                             f"signature: {exc}") from None
        params = list(inspect.signature(obj).parameters)
        active = [p for p in params if p in bound.arguments
                  and analyze.diff_reads(bound.arguments[p], self.rule_of) & self.active]
        kinds = analyze.callee_kinds(inspect.signature(obj), bound.arguments, self.expr_kind)
        callee = self.callee_pair(obj, value.func, tuple(active), tuple(kinds))
        self.uses_tape = True
        call = copy.deepcopy(value)
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
        backward_call = n.call(callee.backward, n.name(self.namer.adjoint(target)), n.name(TAPE))
        head = [n.assign(temps[0] if len(temps) == 1 else
                         gast.Tuple(elts=[n.name(t, store=True) for t in temps],
                                    ctx=gast.Store()), backward_call)]
        bindings, contributions = [], []
        for p, temp in zip(active, temps):
            self.propagate(bound.arguments[p], n.name(temp), None, bindings, contributions, s)
        return head, primal, bindings, contributions

    def method_call(self, s, target, value):
        """`target = obj.m(args)` through the pair of `type(obj).m`, found at run time."""
        line = n.line_of(s)
        active = [k for k, a in enumerate(value.args)
                  if analyze.diff_reads(a, self.rule_of) & self.active]
        kinds = self.method_kinds(value)
        forward = self.namer.fresh(f"forward_{value.func.attr}")
        backward = self.namer.fresh(f"backward_{value.func.attr}")
        self.locals += [forward, backward]
        self.uses_tape = True
        pair = gast.Tuple(elts=[n.name(forward, store=True), n.name(backward, store=True)],
                          ctx=gast.Store())
        lookup_pair = self.inliner.helper("split_method", copy.deepcopy(value.func),
                             gast.Tuple(elts=[n.const(k + 1) for k in active], ctx=gast.Load()),
                             gast.Tuple(elts=[n.const(k) for k in kinds], ctx=gast.Load()))
        lookup_pair.makes_callee = True         # (a derivative made at run time)
        call = n.call(forward, copy.deepcopy(value.func.value), *copy.deepcopy(value.args))
        call.keywords = [gast.keyword(arg=TAPE, value=n.name(TAPE))]
        primal = [n.set_line(gast.Assign(targets=[pair], value=lookup_pair, type_comment=None),
                             line), n.assign(target, call, line)]
        temps = [self.namer.temp("_b") for _ in active]
        backward_call = n.call(backward, n.name(self.namer.adjoint(target)), n.name(TAPE))
        head = [n.assign(temps[0] if len(temps) == 1 else
                         gast.Tuple(elts=[n.name(t, store=True) for t in temps],
                                    ctx=gast.Store()), backward_call)]
        bindings, contributions = [], []
        for k, temp in zip(active, temps):
            self.propagate(value.args[k], n.name(temp), None, bindings, contributions, s)
        return head, primal, bindings, contributions

    def callee_pair(self, obj, func_expr, wrt, kinds):
        key = (obj, wrt, kinds)
        if key == self.own_key:
            return Callee(*self.own_names, obj, func_expr, wrt, kinds)
        if key not in self.callees:
            base = obj.__name__ if obj.__name__.isidentifier() else "lambda_"
            self.callees[key] = Callee(self.namer.fresh(f"forward_{base}"),
                                       self.namer.fresh(f"backward_{base}"),
                                       obj, copy.deepcopy(func_expr), wrt, kinds)
        return self.callees[key]

    def accumulate(self, contributions):
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
            if group[0].index is not None and self.kind.get(key[0]) == "numeric" \
                    and self.basic_index(group[0].index):
                # in place, reducing a broadcast contribution to the part's shape itself
                values, spread = [c.value for c in group], []
                if len(values) == 1 and _reduction_of(values[0], key[0], group[0].index):
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
            if self.kind.get(key[0]) in ("scalar", "numeric"):
                total = _plus(n.name(badj), _factored_sum([c.value for c in group]))
            else:
                total = n.name(badj)
                for c in group:
                    total = self.inliner.helper("add", total, c.value)
            out.append(n.assign(badj, total))
        return out

    def basic_index(self, index):
        """An index of ints, slices, `...` and None only (it selects a view)."""
        return all(n.is_literal_bound(b) or isinstance(b, gast.Name)
                   and self.kind.get(b.id) == "scalar" for b in n.index_bounds(index))

    def propagate(self, e, g, ans, stmts, out, s, wide=False):
        """Append to `out` the contributions of adjoint `g` of expression `e`.

        `wide`: g may be broadcast beyond e's shape (by an enclosing elementwise
        operation whose reduction was left to the leaves)."""
        reads = analyze.diff_reads(e, self.rule_of) & self.active
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
            self.propagate(e.value, self.inliner.helper("item_adjoint", g, copy.deepcopy(e.value),
                                           n.index_value(e.slice)), None, stmts, out, s)
        elif isinstance(e, (gast.Tuple, gast.List)):
            g = self.bind(g, stmts, uses=len(e.elts))
            for k, elt in enumerate(e.elts):
                self.propagate(elt, self.inliner.helper("item", g, n.const(k)), None, stmts,
                               out, s)
        elif isinstance(e, gast.Dict):
            g = self.bind(g, stmts, uses=len(e.keys))
            for key, v in zip(e.keys, e.values):
                self.propagate(v, self.inliner.helper("item", g, copy.deepcopy(key)), None,
                               stmts, out, s)
        elif isinstance(e, gast.BinOp):
            self.apply_rule(lookup(_OPERATORS[type(e.op)]), [e.left, e.right], {}, e, g, ans,
                            stmts, out, s, wide)
        elif isinstance(e, gast.UnaryOp):
            self.apply_rule(lookup(_OPERATORS[type(e.op)]), [e.operand], {}, e, g, ans,
                            stmts, out, s, wide)
        elif isinstance(e, gast.Call) and self.calls_derivative(e):
            # a tangentlike gradient called here: its adjoint is a Hessian-vector product
            products = n.name(self.namer.temp("_b"))
            stmts.append(n.assign(products.id, self.inliner.helper(
                "grad_call_adjoint", copy.deepcopy(e.func),
                gast.Tuple(elts=copy.deepcopy(e.args), ctx=gast.Load()), g)))
            for k, a in enumerate(e.args):
                self.propagate(a, n.subscript(products.id, n.const(k)), None, stmts, out, s)
        elif isinstance(e, gast.Call):
            obj = self.callee(e.func)
            args = list(e.args)
            if obj is None and self.is_method_of_value(e.func) \
                    and method_callable(e.func.attr) is not None:
                obj = method_callable(e.func.attr)      # x.sum(...) is numpy.sum(x, ...)
                if e.func.attr in PACKED and len(args) > 1:
                    args = [gast.Tuple(elts=args, ctx=gast.Load())]
                args = [e.func.value] + args
            rule = lookup(obj) if obj is not None else None
            if rule is None or not rule.adjoints:
                raise self.no_rule(e, obj, s)
            elementwise = _is_ufunc(obj) and not e.keywords
            if wide and not elementwise:        # x * np.sum(x): sum g down to the call's
                g = self.inliner.helper("unbroadcast", g, copy.deepcopy(e))
            self.apply_rule(rule, args, {k.arg: k.value for k in e.keywords}, e, g,
                            ans, stmts, out, s, wide and elementwise)
        elif isinstance(e, gast.Attribute) and e.attr == "T":
            if wide:
                g = self.inliner.helper("unbroadcast", g, copy.deepcopy(e))
            self.propagate(e.value, gast.Attribute(value=g, attr="T", ctx=gast.Load()),
                           None, stmts, out, s)
        else:
            raise self.no_rule(e, None, s)

    def apply_rule(self, rule, args, keywords, e, g, ans, stmts, out, s, wide=False):
        template = rule.adjoint_for(len(args), list(keywords))
        if template is None:
            filename, line, _, text = self.parsed.location(s)
            raise NoDerivativeError(
                rule.name, filename=filename, line=line, source_line=text,
                reason=f"no rule accepts {len(args)} positional argument(s)"
                       + (f" and keywords {', '.join(keywords)}" if keywords else ""))
        bound = dict(zip(template.params, args))
        bound.update(keywords)
        active_params = [p for p in template.params[:template.returns]
                         if p in bound and analyze.diff_reads(bound[p], self.rule_of)
                         & self.active]
        kinds = [self.expr_kind(a) for a in bound.values()]
        scalar = all(k == "scalar" for k in kinds)
        if ans is None:
            ans = e
        template_stmts, outputs = self.inliner.inline(
            template, bound, {"g": g, "ans": ans}, active_params, scalar, stmts)
        stmts.extend(template_stmts)
        for p in active_params:
            contribution = outputs[template.params.index(p)]
            broadcast = wide or (rule.broadcasts and self.may_broadcast(p, bound))
            if broadcast and isinstance(bound[p], gast.Name) and bound[p].id in self.loose \
                    and (self.spread_shape is None or bound[p].id in self.spread):
                pass                # reduced at the operands of its own definition
            elif broadcast and _is_leaf(bound[p]) and self.spread_shape is not None:
                contribution = self.inliner.helper("spread", contribution,
                                                   n.name(self.spread_shape),
                                                   copy.deepcopy(bound[p]), numpy=True)
            elif broadcast and _is_leaf(bound[p]):
                # reduced at the leaves only: the elementwise operations in between
                # commute with broadcasting, so one reduction per leaf suffices
                contribution = self.inliner.helper("unbroadcast", contribution,
                                                   copy.deepcopy(bound[p]))
            self.propagate(bound[p], contribution, None, stmts, out, s,
                           wide=broadcast and not _is_leaf(bound[p]))

    def may_broadcast(self, param, bound):
        others = [a for p, a in bound.items() if p != param]
        return not all(self.expr_kind(a) == "scalar"
                       for a in others)

    def bind(self, expr, stmts, uses):
        if uses <= 1 or isinstance(expr, (gast.Name, gast.Constant)):
            return expr
        temp = self.namer.temp("_b")
        stmts.append(n.assign(temp, expr))
        return n.name(temp)

    def no_rule(self, e, obj, s):
        filename, line, _, text = self.parsed.location(s)
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
        if obj is None and isinstance(root, gast.Name) and root.id not in self.locals:
            try:
                self.parsed.resolve(root.id)
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

    # -- assembling primal and backward sweeps ---------------------------------------
    def build(self, stmts):
        primal, backward = [], []
        for s in stmts:
            p, b = self.build_stmt(s)
            primal.extend(p)
            if b and backward and n.is_comment(b[0]) and n.is_comment(backward[0]) \
                    and b[0].value.value == backward[0].value.value:
                backward.pop(0)          # one comment for consecutive blocks of one line
            backward[:0] = b
        return primal, backward

    def build_stmt(self, s):
        if isinstance(s, gast.If):
            return self.build_if(s)
        if isinstance(s, gast.For):
            return self.build_for(s)
        if isinstance(s, gast.While):
            return self.build_while(s)
        if id(s) not in self.blocks:
            return [s], []
        block = self.blocks[id(s)]
        stmts, restore_first = block.stmts, block.restore_first
        restore = self.restores.get(id(s), set())
        primal, pops = [], []
        target = s.targets[0] if isinstance(s, gast.Assign) else None
        for name_ in sorted(restore - {_base_name(target)} if target is not None else ()):
            # other names the statement's primal code sets (forward/backward pairs, shapes)
            self.uses_tape = True
            primal.append(n.expr_stmt(n.call(PUSH, n.name(name_))))
            pops.insert(0, n.assign(name_, n.call(POP)))
        if restore and (target is None or _base_name(target) in restore):
            self.uses_tape = True
            if isinstance(target, gast.Subscript) and self.kind.get(target.value.id) == "numeric":
                snapshot = self.inliner.helper("snapshot", n.load(target))
                primal.append(n.expr_stmt(n.call(PUSH, snapshot)))
                pops.append(n.assign(n.store(target), n.call(POP)))
            elif isinstance(target, gast.Subscript):
                container, index = n.load(target.value), n.index_value(target.slice)
                before = self.inliner.helper("item_before", container, index)
                primal.append(n.expr_stmt(n.call(PUSH, before)))
                pops.append(n.expr_stmt(self.inliner.helper(
                    "restore_item", copy.deepcopy(container), copy.deepcopy(index),
                    n.call(POP))))
            elif isinstance(target, gast.Name):
                primal.append(n.expr_stmt(n.call(PUSH, n.name(target.id))))
                pops.insert(0, n.assign(target.id, n.call(POP)))
            else:       # xs.append(v) is undone by xs.pop()
                pops.append(n.expr_stmt(n.call(gast.Attribute(
                    value=n.name(s.value.func.value.id), attr="pop", ctx=gast.Load()))))
        if isinstance(block.primal, list):
            primal.extend(block.primal)
        else:
            primal.append(block.primal or s)
        if id(s) in self.hoisted:        # the enclosing If pops the target before its test;
            own = _base_name(target) if target is not None else None
            pops = [p for p in pops     # the other names it restores (shapes) stay here
                    if not (own and isinstance(p, gast.Assign) and n.is_name(p.targets[0], own))]
        if not stmts and not pops and not block.head:
            return primal, []
        body = block.head + (pops + stmts if restore_first else stmts + pops)
        if self.check_nans:
            body += self.finiteness_check(stmts, s)
        return primal, [self.comment_for(s)] + body

    def finiteness_check(self, stmts, s):
        """`_tl.check_finite(...)` of the adjoints a block assigns (check_nans=True)."""
        adjoints = {self.namer.adjoint(v) for v in self.active}
        assigned = sorted({t.id for st in stmts if isinstance(st, gast.Assign)
                           for t in st.targets if isinstance(t, gast.Name) and t.id in adjoints})
        if not assigned:
            return []
        filename, line, _, text = self.parsed.location(s)
        values = gast.Tuple(elts=[n.name(a) for a in assigned], ctx=gast.Load())
        return [n.expr_stmt(self.inliner.helper("check_finite", values,
                                   n.const(f"{text.strip()}  ({filename}:{line})")))]

    def comment_for(self, s):
        filename, line, _, text = self.parsed.location(s)
        return comment(f"grad of: {text.strip()}  (line {line})")

    def build_if(self, s):
        pb, bb = self.build(s.body)
        po, bo = self.build(s.orelse)
        if not bb and not bo:
            return [n.if_(s.test, pb or [gast.Pass()], po, n.line_of(s))], []
        if id(s) in self.if_plans:
            return self.build_replayed_if(s, pb, bb, po, bo)
        alike = _reversed_alike(bb, bo)
        if alike is not None:               # both branches reverse alike: no decision kept
            return [n.if_(s.test, pb or [gast.Pass()], po, n.line_of(s))], alike
        self.uses_tape = True
        pb = _before_break(pb, n.expr_stmt(n.call(PUSH, n.const(True))))
        po = _before_break(po, n.expr_stmt(n.call(PUSH, n.const(False))))
        primal = n.if_(s.test, pb, po, n.line_of(s))
        if bb:
            backward = n.if_(n.call(POP), bb, bo)
        else:
            backward = n.if_(n.not_(n.call(POP)), bo)
        return [primal], [backward]

    def build_replayed_if(self, s, pb, bb, po, bo):
        """Backward re-evaluates the test; the one input it changes is restored first."""
        name_, writers = self.if_plans[id(s)]
        before = []
        if name_ is not None:
            self.uses_tape = True
            if writers[0] is None:
                pb = _before_break(pb, n.expr_stmt(n.call(PUSH, n.name(name_))))
            if writers[1] is None:
                po = _before_break(po, n.expr_stmt(n.call(PUSH, n.name(name_))))
            before.append(n.assign(name_, n.call(POP)))
        primal = n.if_(s.test, pb or [gast.Pass()], po, n.line_of(s))
        test = copy.deepcopy(s.test)
        if bb:
            backward = n.if_(test, bb, bo)
        else:
            backward = n.if_(n.not_(test), bo)
        return [primal], before + [backward]

    def build_for(self, s):
        pb, bb = self.build(s.body)
        loop = n.for_(s.target.id, s.iter, pb, n.line_of(s))
        if not bb:
            return [loop], []
        primal, after = [], []
        restore = self.restores.get(id(s), set())
        if restore:
            self.uses_tape = True
            primal.append(n.expr_stmt(n.call(PUSH, n.name(s.target.id))))
            after.append(n.assign(s.target.id, n.call(POP)))
        counted = _has_break(s.body)
        reads_target = any(isinstance(x, gast.Name) and x.id == s.target.id
                           for b in bb for x in gast.walk(b))
        iter_ = copy.deepcopy(s.iter)
        if counted:
            self.uses_tape = True
            count = self.namer.fresh("_count")
            primal.append(n.assign(count, n.const(0), n.line_of(s)))
            loop.body.insert(0, gast.AugAssign(target=n.name(count, store=True), op=gast.Add(),
                                               value=n.const(1)))
            primal.append(loop)
            primal.append(n.expr_stmt(n.call(PUSH, n.name(count))))
            if reads_target:
                iter_ = n.subscript(iter_, gast.Slice(lower=None, upper=n.call(POP), step=None))
                backward = n.for_(s.target.id, n.call("reversed", iter_), bb)
            else:
                backward = self.replay(n.call(POP), bb)
        else:
            primal.append(loop)
            if reads_target:
                backward = n.for_(s.target.id, n.call("reversed", iter_), bb)
            else:
                trips = iter_.args[0] if len(iter_.args) == 1 else n.call("len", iter_)
                backward = self.replay(trips, bb)
        return primal, [backward] + after

    def replay(self, trips, bb):
        """`for _ in range(trips)` over `bb`, or, when each pass begins by popping one
        value and pops nothing else, a loop over those values taken off the tape at once."""
        first = next(k for k, x in enumerate(bb) if not n.is_comment(x))
        head = bb[first]
        pops = sum(1 for b in bb for x in gast.walk(b)
                   if isinstance(x, gast.Call) and (n.is_name(x.func, POP) or _takes_tape(x)))
        if pops == 1 and isinstance(head, gast.Assign) and isinstance(head.targets[0], gast.Name) \
                and isinstance(head.value, gast.Call) and n.is_name(head.value.func, POP):
            return n.for_(head.targets[0].id, self.inliner.helper("popped", n.name(TAPE), trips),
                          bb[:first] + bb[first + 1:])
        return n.for_("_", n.call("range", trips), bb)

    def build_while(self, s):
        pb, bb = self.build(s.body)
        loop = gast.While(test=s.test, body=pb, orelse=[])
        n.set_line(loop, n.line_of(s))
        if not bb:
            return [loop], []
        self.uses_tape = True
        stride = _pushes_per_pass(pb)
        if stride:       # every pass pushes `stride` values: the tape measures the trip count
            size = self.namer.fresh("_tape_size")
            grown = n.binop(n.call("len", n.name(TAPE)), gast.Sub(), n.name(size))
            if stride > 1:
                grown = n.binop(grown, gast.FloorDiv(), n.const(stride))
            primal = [n.assign(size, n.call("len", n.name(TAPE)), n.line_of(s)), loop,
                      n.expr_stmt(n.call(PUSH, grown))]
            return primal, [self.replay(n.call(POP), bb)]
        count = self.namer.fresh("_count")
        loop.body.insert(0, gast.AugAssign(target=n.name(count, store=True), op=gast.Add(),
                                           value=n.const(1)))
        primal = [n.assign(count, n.const(0), n.line_of(s)), loop,
                  n.expr_stmt(n.call(PUSH, n.name(count)))]
        return primal, [self.replay(n.call(POP), bb)]


_PURE_TEST_NODES = (gast.Name, gast.Constant, gast.BinOp, gast.UnaryOp, gast.Compare,
                    gast.BoolOp, gast.operator, gast.unaryop, gast.cmpop, gast.boolop,
                    gast.expr_context)


RECOMPUTED_OPERATIONS = 2     # a split function recomputes values this cheap


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


def _reversed_alike(a, b):
    """One backward block for both branches of an if when theirs do the same (under
    one `# grad of:` comment naming both branches' lines), else None."""
    if not all(isinstance(x, gast.AST) for x in a + b):
        return None
    code_a = [x for x in a if not n.is_comment(x)]
    code_b = [x for x in b if not n.is_comment(x)]
    if not code_a or list(map(gast.dump, code_a)) != list(map(gast.dump, code_b)):
        return None
    texts = []
    for x in a + b:
        text = x.value.value[len(n.COMMENT_PREFIX):] if n.is_comment(x) else None
        if text is not None and text not in texts:
            texts.append(text)
    if not texts:
        return code_a
    merged = texts[0] + "".join(", or " + t.removeprefix("grad of: ") for t in texts[1:])
    return [n.comment(merged)] + code_a


def takes_tape_positionally(args):
    """A forward sweep takes the tape as its last positional parameter when the
    function has only plain positional parameters, else as a keyword-only one."""
    return not (args.defaults or args.kwonlyargs or args.vararg or args.kwarg
                or args.posonlyargs)


def _direct_tape_use(stmts, alias, method):
    """`_tape.append(v)` instead of binding `_push` when it is called once, outside loops."""
    calls = [x for s in stmts for x in gast.walk(s)
             if isinstance(x, gast.Call) and n.is_name(x.func, alias)]
    in_loops = [x for s in stmts if isinstance(s, (gast.For, gast.While))
                for x in gast.walk(s) if isinstance(x, gast.Call) and n.is_name(x.func, alias)]
    if len(calls) != 1 or in_loops:
        return stmts, bool(calls)
    calls[0].func = gast.Attribute(value=n.name(TAPE), attr=method, ctx=gast.Load())
    return stmts, False


def _base_name(target):
    """`x` for the targets `x` and `x[i]`."""
    while isinstance(target, gast.Subscript):
        target = target.value
    return target.id if isinstance(target, gast.Name) else None


def stored_by(stmts):
    return n.stored_names(stmts)


def _function(name_, args, body):
    return gast.FunctionDef(name=name_, args=args, body=body, decorator_list=[], returns=None,
                            type_comment=None, type_params=[])


def _calls(stmts, func_name):
    return any(isinstance(x, gast.Call) and n.is_name(x.func, func_name)
               for s in stmts for x in gast.walk(s))


def _is_ufunc(obj):
    """A NumPy ufunc that works elementwise (not a generalized one such as matmul)."""
    return isinstance(obj, numpy.ufunc) and obj.signature is None


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


def _is_leaf(e):
    return isinstance(e, (gast.Name, gast.Subscript, gast.Attribute, gast.Constant))


def _before_break(stmts, stmt):
    """`stmts` + [stmt], placed before a final `break`."""
    if stmts and isinstance(stmts[-1], gast.Break):
        return stmts[:-1] + [stmt, stmts[-1]]
    return stmts + [stmt]


def _takes_tape(call):
    """A call handing the tape to a callee (whose pushes or pops we cannot count)."""
    return any(n.is_name(a, TAPE) for a in call.args) or \
        any(n.is_name(k.value, TAPE) for k in call.keywords)


def _pushes_per_pass(stmts):
    """How many tape pushes one pass through `stmts` makes, or None if it varies."""
    total = 0
    for s in stmts:
        if any(isinstance(x, gast.Call) and _takes_tape(x) for x in gast.walk(s)):
            return None
        if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) \
                and n.is_name(s.value.func, PUSH):
            total += 1
        elif isinstance(s, gast.If):
            body, orelse = _pushes_per_pass(s.body), _pushes_per_pass(s.orelse)
            if body is None or body != orelse:
                return None
            total += body
        elif isinstance(s, (gast.For, gast.While)):
            if _pushes_per_pass(s.body) != 0:
                return None
        elif isinstance(s, gast.Break):
            return None
    return total


def _has_break(stmts):
    for s in stmts:
        if isinstance(s, gast.Break):
            return True
        if isinstance(s, gast.If) and (_has_break(s.body) or _has_break(s.orelse)):
            return True
    return False


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


_OPERATORS = {
    gast.Add: _op.add, gast.Sub: _op.sub, gast.Mult: _op.mul, gast.Div: _op.truediv,
    gast.Pow: _op.pow, gast.Mod: _op.mod, gast.FloorDiv: _op.floordiv,
    gast.MatMult: _op.matmul, gast.USub: _op.neg, gast.UAdd: _op.pos, gast.Not: _op.not_,
}


def _one_shape(leaves):
    """Whether array operands surely have one shape: one operand, or slices of one name
    along its first axis of the same length (`x[1:]`, `x[:-1]`: n - 1 each)."""
    if len(leaves) == 1:
        return True
    lengths = {_slice_length(x) for x in leaves}
    bases = {x.value.id if isinstance(x, gast.Subscript) and isinstance(x.value, gast.Name)
             else None for x in leaves}
    return len(lengths) == 1 and None not in lengths and len(bases) == 1 and None not in bases


def _slice_length(e):
    """For `x[a:b]` with int bounds, a from the start and b from the end (`x[1:]`,
    `x[:-2]`), the length's offset from len(x): a - b; else None."""
    if not isinstance(e, gast.Subscript) or not isinstance(e.slice, gast.Slice) \
            or e.slice.step is not None:
        return None
    start, stop = (0 if b is None else n.int_value(b) for b in (e.slice.lower,
                                                                 e.slice.upper))
    if start is None or stop is None or start < 0 or stop > 0 \
            or stop == 0 and e.slice.upper is not None:
        return None
    return start - stop
