"""Reverse mode, control flow: the primal and backward sweeps of a statement list.

Receives the reverse transformer as a `FunctionView` (its kinds, activity, namer,
inliner), the Block of each simple statement (reverse.blocks), and the frozen
facts of the analysis: the restores of the RestorePlan (what to push before each
statement) and the IfPlans (which `if`s are replayed from their test).  Guarantees
`Sweeps.build(stmts) -> (primal, backward)`:

- primal: the statements (or their blocks' replacements), each preceded by the
  pushes the RestorePlan asks for, plus what replaying the control flow needs: an
  `if`'s branch (unless replayed or both branches reverse alike), a `for` loop's
  trip count when it may `break`, a `while` loop's trip count;
- backward: the blocks in reverse order, each under a `# grad of:` comment naming
  its line (one comment for consecutive blocks of one line), with the pops that
  restore what its statement overwrote; a `for` over `range` is replayed from its
  unchanged bounds, a `while` from its recorded trip count.

The tape is `_tape`, used through `_push`/`_pop` (syntax.TAPE, PUSH, POP).
"""


import gast

from .. import nodes as n
from ..nodes import comment
from ..syntax import POP, PUSH, TAPE
from ..trees import ARRAY_KINDS


class Sweeps:
    """Builds the primal and backward sweeps from the blocks and the restore and if
    plans.  Its one piece of output beside the sweeps: `uses_tape` (something was
    pushed)."""

    def __init__(self, view, blocks, restores, ifs, check_nans=False):
        self.view, self.blocks, self.restores, self.ifs = view, blocks, restores, ifs
        self.namer, self.inliner = view.namer, view.inliner
        self.check_nans = check_nans   # check every adjoint block for NaN and infinity
        self.uses_tape = False

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
            if isinstance(target, gast.Subscript) \
                    and self.view.kind.get(target.value.id) in ARRAY_KINDS:
                snapshot = n.load(target) if self.view.expr_kind(n.load(target)) == "scalar" \
                    else self.inliner.helper("snapshot", n.load(target))  # (a number: kept)
                primal.append(n.expr_stmt(n.call(PUSH, snapshot)))
                pops.append(n.assign(n.store(target), n.call(POP)))
            elif isinstance(target, gast.Subscript):
                container, index = n.load(target.value), n.index_value(target.slice)
                before = self.inliner.helper("item_before", container, index)
                primal.append(n.expr_stmt(n.call(PUSH, before)))
                pops.append(n.expr_stmt(self.inliner.helper(
                    "restore_item", n.copied(container), n.copied(index),
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
        if id(s) in self.ifs.hoisted:    # the enclosing If pops the target before its test;
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
        adjoints = {self.namer.adjoint(v) for v in sorted(self.view.active)}
        assigned = sorted({t.id for st in stmts if isinstance(st, gast.Assign)
                           for t in st.targets if isinstance(t, gast.Name) and t.id in adjoints})
        if not assigned:
            return []
        filename, line, _, text = self.view.parsed.location(s)
        values = gast.Tuple(elts=[n.name(a) for a in assigned], ctx=gast.Load())
        return [n.expr_stmt(self.inliner.helper("check_finite", values,
                                                n.const(f"{text.strip()}  ({filename}:{line})")))]

    def comment_for(self, s):
        line, text = self.view.parsed.code_line(s)
        return comment(f"grad of: {text}  (line {line})")

    def build_if(self, s):
        pb, bb = self.build(s.body)
        po, bo = self.build(s.orelse)
        if not bb and not bo:
            return [n.if_(s.test, pb or [gast.Pass()], po, n.line_of(s))], []
        if id(s) in self.ifs.replayed:
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
        name_, writers = self.ifs.replayed[id(s)]
        before = []
        if name_ is not None:
            self.uses_tape = True
            if writers[0] is None:
                pb = _before_break(pb, n.expr_stmt(n.call(PUSH, n.name(name_))))
            if writers[1] is None:
                po = _before_break(po, n.expr_stmt(n.call(PUSH, n.name(name_))))
            before.append(n.assign(name_, n.call(POP)))
        primal = n.if_(s.test, pb or [gast.Pass()], po, n.line_of(s))
        test = n.copied(s.test)
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
                           for b in bb for x in n.walk(b))
        iter_ = n.copied(s.iter)
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
        pops = sum(1 for b in bb for x in n.walk(b)
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


def _base_name(target):
    """`x` for the targets `x` and `x[i]`."""
    while isinstance(target, gast.Subscript):
        target = target.value
    return target.id if isinstance(target, gast.Name) else None


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
        if any(isinstance(x, gast.Call) and _takes_tape(x) for x in n.walk(s)):
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
