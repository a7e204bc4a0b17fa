"""Normalize, first pass on generated code: its tape as plain list operations.

Receives the body of a generated reverse-mode function that is differentiated again
in reverse mode (reverse over reverse), as parsed: it pushes onto and pops from a
tape (`_push(v)`, `v = _pop()`, `for v in _tl.popped(_tape, n):`) and updates list
and container adjoints in place (`_tl.pop_last`, `_tl.extract`, `restore_item`).
Guarantees a body without those calls: the tape is a list that is only appended to
and read back by a decreasing index (`tape.append(v)`; `v = tape[top]; top = top -
1`), list adjoints are read by an index of their own, and item updates are
assignments (`c = _tl.restored(c, i, v)`, `c = _tl.zeroed_at(c, i)`), all forms the
reverse stage follows.  A call it cannot follow a second time (another function's
derivative, a runtime helper without a rule) is a located UnsupportedSyntaxError
that names the call and suggests forward over reverse.
"""


import gast

from .. import nodes as n
from .. import runtime
from ..errors import UnsupportedSyntaxError
from ..naming import helper_called, rename
from ..syntax import POP, PUSH, TAPE
from ..rules import lookup

_TAPE, _PUSH, _POP = TAPE, PUSH, POP      # as the reverse transformer names them


def uses_generated_tape(body, parsed):
    """True for generated reverse-mode code: it has a tape, or updates list or container
    adjoints in place (`_tl.pop_last`, `_tl.extract`)."""
    return any(isinstance(s, gast.Assign) and n.is_name(s.targets[0], _TAPE) for s in body) \
        or any(isinstance(x, gast.Call) and _updates_in_place(x, parsed)
               for s in body for x in n.walk(s))


def _updates_in_place(call, parsed):
    """`_tl.pop_last(xs)`, `_tl.extract(b, i)` or `_tl.restore_item(...)` (what `call`
    calls, resolved once)."""
    helper = _called(call, parsed)
    one_name = bool(call.args) and isinstance(call.args[0], gast.Name)
    return helper is runtime.pop_last and len(call.args) == 1 and one_name \
        or helper is runtime.extract and len(call.args) == 2 and one_name \
        or helper is runtime.restore_item


class IndexedTape:
    """The tape of generated reverse-mode code as forms the reverse stage handles:
    `_push(v)` -> `tape.append(v)`, `v = _pop()` -> `v = tape[top]; top = top - 1`,
    `for v in _tl.popped(_tape, n):` -> a loop over `range(n)` reading `tape[top]`.
    The pushes all come before the pops (the forward sweep, then the backward), so
    `top = len(tape) - 1` is set before the first statement that pops."""

    def __init__(self, namer, parsed, modules):
        self.namer, self.parsed, self.modules = namer, parsed, modules
        self.tape, self.top = namer.fresh("tape"), namer.fresh("top")
        self.tops = {}          # list adjoint read by _tl.pop_last -> its index variable

    def function_body(self, body):
        self.check_calls(body)
        body = [s for s in body if not (isinstance(s, gast.Assign) and isinstance(
            s.targets[0], gast.Name) and s.targets[0].id in (_PUSH, _POP))]
        body = [n.copied(s) for s in body]
        rename(body, {_TAPE: self.tape})
        out, started = [], False
        for s in body:
            if not started and self.tape_reads_in(s):
                out.append(n.assign(self.top, n.binop(n.call("len", n.name(self.tape)),
                                                       gast.Sub(), n.const(1)), n.line_of(s)))
                started = True
            for adjoint in self.adjoint_lists_popped(s):
                last = self.modules.call(runtime, "last_index", n.name(adjoint))
                out.append(n.assign(self.tops[adjoint], last, n.line_of(s)))
            out.extend(self.stmt(s))
        return out

    def check_calls(self, body):
        """Calls reverse mode cannot follow a second time are an error here, named."""
        for call in (x for s in body for x in n.walk(s) if isinstance(x, gast.Call)):
            if _is_pop_last(call, self.parsed) or _is_extract(call, self.parsed) \
                    or _is_popped(call, self.parsed) \
                    or _calls(call, self.parsed, runtime.restore_item):
                continue                                  # rewritten below
            passes_tape = not n.is_name(call.func, "len") and (
                any(n.is_name(a, _TAPE) for a in call.args)
                or any(n.is_name(k.value, _TAPE) for k in call.keywords))
            helper = self.parsed.resolve_expression(call.func, set()) \
                if isinstance(call.func, gast.Attribute) else None
            rule = lookup(helper) if helper is not None else None
            of_runtime = getattr(helper, "__module__", "") in ("tangentlike.runtime",
                                                             "tangentlike.numpy_runtime")
            if passes_tape or of_runtime and not (rule and (rule.adjoints
                                                            or rule.nondifferentiable)):
                what = n.dotted_text(call.func)
                filename, line, column, text = self.parsed.location(call)
                raise UnsupportedSyntaxError(
                    f"differentiating a gradient again in reverse mode through {what}",
                    "reverse over reverse does not follow calls of other functions' "
                    "derivatives or this helper yet; use forward over reverse instead: "
                    "tl.hessian, tl.hvp or tl.derivative", filename=filename, line=line,
                    column=column, source_line=text)

    def adjoint_lists_popped(self, s):
        """The list adjoints `s` first reads back with `_tl.pop_last` (in order)."""
        found = []
        for x in n.walk(s):
            if isinstance(x, gast.Call) and _is_pop_last(x, self.parsed) \
                    and x.args[0].id not in self.tops:
                self.tops[x.args[0].id] = self.namer.fresh(f"top_{x.args[0].id.lstrip('_')}")
                found.append(x.args[0].id)
        return found

    def tape_reads_in(self, node):
        return any(isinstance(x, gast.Call) and (self.is_pop(x) or _is_popped(x, self.parsed))
                   for x in n.walk(node))

    def pops_in(self, node):
        """True when `node` reads the tape or updates an adjoint or container in place."""
        parsed = self.parsed
        return any(isinstance(x, gast.Call) and (
            self.is_pop(x) or _is_popped(x, parsed) or _is_pop_last(x, parsed)
            or _is_extract(x, parsed) or _calls(x, parsed, runtime.restore_item))
            for x in n.walk(node))

    def is_pop(self, call):
        return (n.is_name(call.func, _POP) or isinstance(call.func, gast.Attribute)
                and call.func.attr == "pop" and n.is_name(call.func.value, self.tape)) \
            and not call.args

    def block(self, stmts):
        return [x for s in stmts for x in self.stmt(s)]

    def stmt(self, s):
        line = n.line_of(s)
        if isinstance(s, gast.FunctionDef) or not self.pops_in(s) and not self.pushes(s):
            return [s]
        if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) \
                and n.is_name(s.value.func, _PUSH):
            s.value.func = gast.Attribute(value=n.name(self.tape), attr="append",
                                          ctx=gast.Load())
            return [s]
        if isinstance(s, gast.Assign) and isinstance(s.value, gast.Call) \
                and self.is_pop(s.value):
            return [n.assign(s.targets[0], self.read(), line), self.step(line)]
        if isinstance(s, gast.Expr) and isinstance(s.value, gast.Call) \
                and _calls(s.value, self.parsed, runtime.restore_item) \
                and len(s.value.args) == 3 and isinstance(s.value.args[0], gast.Name):
            # undoing an item assignment
            pre = []
            container, index, value = (self.hoisted(a, pre, line) for a in s.value.args)
            restored = self.modules.call(runtime, "restored", container, index, value)
            return pre + [n.assign(container.id, restored, line)]
        if isinstance(s, gast.Assign) and isinstance(s.value, gast.Call) \
                and _is_extract(s.value, self.parsed):     # an item assignment's adjoint
            container, index = s.value.args
            item = self.modules.call(runtime, "item", n.copied(container),
                                     n.copied(index))
            zeroed = self.modules.call(runtime, "zeroed_at", n.copied(container), index)
            return [n.assign(s.targets[0], item, line),
                    n.assign(n.copied(container), zeroed, line)]
        if isinstance(s, gast.Assign) and isinstance(s.value, gast.Call) \
                and _is_pop_last(s.value, self.parsed):    # a list append's adjoint
            adjoint = s.value.args[0].id
            top = self.tops[adjoint]
            item = self.modules.call(runtime, "item", n.name(adjoint), n.name(top))
            return [n.assign(s.targets[0], item, line),
                    n.assign(top, n.binop(n.name(top), gast.Sub(), n.const(1)), line)]
        if isinstance(s, gast.For) and isinstance(s.iter, gast.Call) \
                and _is_popped(s.iter, self.parsed):
            pre = []
            count = self.hoisted(s.iter.args[1], pre, line)
            index = self.namer.fresh("_k")
            s.body = [n.assign(s.target, self.read(), line), self.step(line)] \
                + self.block(s.body)
            s.target, s.iter = n.name(index, store=True), n.call("range", count)
            return pre + [s]
        pre = []
        for field in ("value", "test", "iter"):
            if getattr(s, field, None) is not None:
                setattr(s, field, self.hoisted(getattr(s, field), pre, line))
        if isinstance(s, gast.While) and pre:
            self.fail(s)
        for field in ("body", "orelse"):
            if getattr(s, field, None):
                setattr(s, field, self.block(getattr(s, field)))
        return pre + [s]

    def pushes(self, s):
        return any(isinstance(x, gast.Call) and n.is_name(x.func, _PUSH) for x in n.walk(s))

    def hoisted(self, e, pre, line):
        """`e` with each pop in it read into a temporary assigned in `pre`."""
        if isinstance(e, gast.Call) and self.is_pop(e):
            temp = self.namer.temp()
            pre.extend([n.assign(temp, self.read(), line), self.step(line)])
            return n.name(temp)
        if isinstance(e, gast.Call) and n.is_name(e.func, _PUSH):
            e.func = gast.Attribute(value=n.name(self.tape), attr="append", ctx=gast.Load())
        if isinstance(e, gast.Call) and _is_popped(e, self.parsed):
            self.fail(e)
        for field, value in gast.iter_fields(e):
            if isinstance(value, gast.AST):
                setattr(e, field, self.hoisted(value, pre, line))
            elif isinstance(value, list):
                setattr(e, field, [self.hoisted(v, pre, line) if isinstance(v, gast.AST)
                                   else v for v in value])
        return e

    def read(self):
        return gast.Subscript(value=n.name(self.tape), slice=n.name(self.top), ctx=gast.Load())

    def step(self, line):
        return n.assign(self.top, n.binop(n.name(self.top), gast.Sub(), n.const(1)), line)

    def fail(self, node):
        filename, line, column, text = self.parsed.location(node)
        raise UnsupportedSyntaxError(
            "a tape read in a form tangentlike does not differentiate again",
            "differentiate the original function to a higher order instead "
            "(tl.hessian, tl.hvp, tl.derivative)", filename=filename, line=line,
            column=column, source_line=text)


def _calls(call, parsed, helper):
    """Does `call` call the runtime function `helper` (naming.helper_called)?"""
    return _called(call, parsed) is helper


def _called(call, parsed):
    """The runtime function `call` calls (naming.helper_called), or None."""
    return helper_called(call, lambda func: parsed.resolve_expression(func, set())
                         if isinstance(func, gast.Attribute) else None)


def _is_pop_last(call, parsed):
    return _calls(call, parsed, runtime.pop_last) and len(call.args) == 1 \
        and isinstance(call.args[0], gast.Name)


def _is_extract(call, parsed):
    return _calls(call, parsed, runtime.extract) and len(call.args) == 2 \
        and isinstance(call.args[0], gast.Name)


def _is_popped(call, parsed):
    return _calls(call, parsed, runtime.popped) and len(call.args) == 2
