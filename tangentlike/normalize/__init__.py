"""Stage 3, normalize: desugar the checked function into a small core language.

Receives a checked `ParsedFunction`.  Returns a new gast `FunctionDef` (the
original is not touched) whose body uses only these statement forms:

- `x = E` where `x` is a Name and E is an *expression tree*: elementwise
  arithmetic (BinOp/UnaryOp) over Names, Constants, `name[index]` subscripts,
  attributes, Tuple/List/Dict literals, comparisons and boolean tests; at most
  one Call or `@`, and only at the top of E (nested ones are hoisted into
  temporaries `_t1`, `_t2`, ...);
- `x[index] = E` (item assignment on a Name) and `x.append(E)`;
- `if TEST:` / `else:` (elif is a nested If), `while TEST:`,
  `for NAME in range(...):` whose bounds are not modified by the loop body;
- `break` only ends a loop body, or a branch of the `if` that ends it (the
  statements after a user's `if ...: break` move into its `else`); elsewhere
  `break`, `continue` and early `return` become boolean flags (`_break`,
  `_continue`, `_returned`) guarding the statements that follow, and the loop then
  ends with `if FLAG: break`; a loop body is never empty;
- exactly one `return`, the last statement (when the user wrote several);
- `raise`, `assert` and expression statements, kept for the primal only.

Desugared forms: augmented assignment, annotated and chained assignment, tuple
unpacking and swaps, `a if c else b`, `and`/`or` used as values, list
comprehensions and generator expressions, `for` over lists, tuples, arrays,
`enumerate` and `zip`, `d.get(k, v)` on dicts; nested functions and lambdas
(defined anywhere) are written out at each call, conditions included; a call
without a rule assigned into an item is named first (`_t1 = h(x); d[k] = _t1`).
User names spelled like the generated code's own (`_tl`, `_tape`, ...) go by
stand-ins (naming.Namer.shelter).  Every statement keeps the line number of the
user's statement it came from.
"""

import builtins
import copy
import inspect

import gast

from .. import nodes as n
from ..calls import is_user_function
from ..check import check
from ..errors import TangentlikeError, UnsupportedSyntaxError
from ..naming import (GENERATED_NAMES, ModuleNames, assigned_names, clashing_names,
                     rename)
from ..parse import parse_function
from ..rules import lookup
from ..rules.methods import method_callable

_PURE_BUILTINS = {"len", "int", "min", "max", "abs", "round"}


def normalize(parsed, namer, arrays=False, kinds=None, modules=None, write_out_calls=False,
              reverse=True):
    """The normalized copy of `parsed.node`.

    `kinds` (argument kinds) name the classes of object arguments, whose method calls
    `obj.m(x)` become `Class.m(obj, x)`, calls of a plain function.
    `arrays`: the function handles arrays, so an operand a nonlinear operation must
    keep (operands of `* / ** @`, arguments of calls) gets a name of its own unless
    it already is a name, constant or subscript: the backward sweep then reuses the
    array instead of recomputing it.
    Generated reverse-mode code differentiated again in reverse mode (`reverse`:
    reverse over reverse) has its tape rewritten into a list that is only appended
    to and read back by a decreasing index (see `_IndexedTape`).
    A user function given a nested function or lambda (`apply(lambda t: t * x, x)`)
    is written out at the call, like a nested function; the names it reads from its
    own module are reached through that module, named by `modules` (ModuleNames).
    `write_out_calls`: every call of a user function is written out that way (for a
    gradient that will be differentiated again in reverse mode).
    """
    fn = copy.deepcopy(parsed.node)
    body = fn.body
    if body and isinstance(body[0], gast.Expr) and n.is_const(body[0].value) \
            and isinstance(body[0].value.value, str):
        body = body[1:]                       # drop the docstring
    body = _devirtualize(body, parsed, kinds or {})
    if reverse and _uses_generated_tape(body):
        body = _IndexedTape(namer, parsed).function_body(body)
    desugar = _Desugar(parsed, namer, arrays, modules)
    desugar.write_out_calls = write_out_calls
    desugar.kinds = dict(kinds or {})
    desugar.nested = _nested_functions(body, parsed)
    body = desugar.block(body)
    _reject_escaping(body, desugar.nested, parsed)
    body = _without_definitions(body)
    body = _Jumps(namer).function_body(body)
    fn.body = body or [gast.Pass()]
    fn.returns = None
    _shelter(fn, parsed, namer, modules)
    return fn


def _shelter(fn, parsed, namer, modules):
    """The user's names spelled like the generated code's own (naming.GENERATED_NAMES:
    `_tl`, `_tape`, ...) go by stand-ins from here on (`_tl2`); the generated code gets
    them back at the end (naming.restore_user_names).  Generated code differentiated
    again is left as it is: its names mean what the generated code means by them."""
    if parsed.namespace.get("__name__") == "tangentlike_generated":
        return

    def generated_meaning(name_):
        value = parsed.namespace.get(name_)
        return inspect.ismodule(value) and value.__name__ == GENERATED_NAMES[name_]
    clashes = clashing_names(fn, generated_meaning)
    if clashes:
        renames = {name_: namer.shelter(name_) for name_ in sorted(clashes)}
        rename([fn], renames)
        (modules or ModuleNames(parsed.namespace, ())).shelter(renames)


# -- generated code differentiated again ---------------------------------------------

_TAPE, _PUSH, _POP = "_tape", "_push", "_pop"      # as reverse.py names them


def _uses_generated_tape(body):
    """True for generated reverse-mode code: it has a tape, or updates list or container
    adjoints in place (`_tl.pop_last`, `_tl.extract`)."""
    return any(isinstance(s, gast.Assign) and n.is_name(s.targets[0], _TAPE) for s in body) \
        or any(isinstance(x, gast.Call) and (_is_pop_last(x) or _is_extract(x)
                                             or n.dotted_text(x.func).endswith("restore_item"))
               for s in body for x in gast.walk(s))


class _IndexedTape:
    """The tape of generated reverse-mode code as forms the reverse stage handles:
    `_push(v)` -> `tape.append(v)`, `v = _pop()` -> `v = tape[top]; top = top - 1`,
    `for v in _tl.popped(_tape, n):` -> a loop over `range(n)` reading `tape[top]`.
    The pushes all come before the pops (the forward sweep, then the backward), so
    `top = len(tape) - 1` is set before the first statement that pops."""

    def __init__(self, namer, parsed):
        self.namer, self.parsed = namer, parsed
        self.tape, self.top = namer.fresh("tape"), namer.fresh("top")
        self.tops = {}          # list adjoint read by _tl.pop_last -> its index variable

    def function_body(self, body):
        self.check_calls(body)
        body = [s for s in body if not (isinstance(s, gast.Assign) and isinstance(
            s.targets[0], gast.Name) and s.targets[0].id in (_PUSH, _POP))]
        body = [_rename(s, {_TAPE: self.tape}) for s in body]
        out, started = [], False
        for s in body:
            if not started and self.tape_reads_in(s):
                out.append(n.assign(self.top, n.binop(n.call("len", n.name(self.tape)),
                                                       gast.Sub(), n.const(1)), n.line_of(s)))
                started = True
            for adjoint in self.adjoint_lists_popped(s):
                out.append(n.assign(self.tops[adjoint], n.call("_tl.last_index",
                                                               n.name(adjoint)), n.line_of(s)))
            out.extend(self.stmt(s))
        return out

    def check_calls(self, body):
        """Calls reverse mode cannot follow a second time are an error here, named."""
        from ..rules import lookup
        for call in (x for s in body for x in gast.walk(s) if isinstance(x, gast.Call)):
            if _is_pop_last(call) or _is_extract(call) or _is_popped(call) \
                    or n.dotted_text(call.func).endswith("restore_item"):
                continue                                  # rewritten below
            passes_tape = not n.is_name(call.func, "len") and (
                any(n.is_name(a, _TAPE) for a in call.args)
                or any(n.is_name(k.value, _TAPE) for k in call.keywords))
            helper = self.parsed.resolve_expression(call.func, set()) \
                if isinstance(call.func, gast.Attribute) else None
            rule = lookup(helper) if helper is not None else None
            runtime = getattr(helper, "__module__", "") in ("tangentlike.runtime",
                                                          "tangentlike.numpy_runtime")
            if passes_tape or runtime and not (rule and (rule.adjoints or rule.nondifferentiable)):
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
        for x in gast.walk(s):
            if isinstance(x, gast.Call) and _is_pop_last(x) and x.args[0].id not in self.tops:
                self.tops[x.args[0].id] = self.namer.fresh(f"top_{x.args[0].id.lstrip('_')}")
                found.append(x.args[0].id)
        return found

    def tape_reads_in(self, node):
        return any(isinstance(x, gast.Call) and (self.is_pop(x) or _is_popped(x))
                   for x in gast.walk(node))

    def pops_in(self, node):
        """True when `node` reads the tape or updates an adjoint or container in place."""
        return any(isinstance(x, gast.Call) and (self.is_pop(x) or _is_popped(x)
                                                 or _is_pop_last(x) or _is_extract(x)
                                                 or n.dotted_text(x.func).endswith("restore_item"))
                   for x in gast.walk(node))

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
                and n.dotted_text(s.value.func).endswith("restore_item") \
                and len(s.value.args) == 3 and isinstance(s.value.args[0], gast.Name):
            # undoing an item assignment
            pre = []
            container, index, value = (self.hoisted(a, pre, line) for a in s.value.args)
            return pre + [n.assign(container.id, n.call("_tl.restored", container, index,
                                                        value), line)]
        if isinstance(s, gast.Assign) and isinstance(s.value, gast.Call) \
                and _is_extract(s.value):          # the adjoint of an item assignment
            container, index = s.value.args
            return [n.assign(s.targets[0], n.call("_tl.item", copy.deepcopy(container),
                                                  copy.deepcopy(index)), line),
                    n.assign(copy.deepcopy(container), n.call(
                        "_tl.zeroed_at", copy.deepcopy(container), index), line)]
        if isinstance(s, gast.Assign) and isinstance(s.value, gast.Call) \
                and _is_pop_last(s.value):         # the adjoint of a list's append
            adjoint = s.value.args[0].id
            top = self.tops[adjoint]
            return [n.assign(s.targets[0], n.call("_tl.item", n.name(adjoint), n.name(top)),
                             line),
                    n.assign(top, n.binop(n.name(top), gast.Sub(), n.const(1)), line)]
        if isinstance(s, gast.For) and isinstance(s.iter, gast.Call) and _is_popped(s.iter):
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
        return any(isinstance(x, gast.Call) and n.is_name(x.func, _PUSH) for x in gast.walk(s))

    def hoisted(self, e, pre, line):
        """`e` with each pop in it read into a temporary assigned in `pre`."""
        if isinstance(e, gast.Call) and self.is_pop(e):
            temp = self.namer.temp()
            pre.extend([n.assign(temp, self.read(), line), self.step(line)])
            return n.name(temp)
        if isinstance(e, gast.Call) and n.is_name(e.func, _PUSH):
            e.func = gast.Attribute(value=n.name(self.tape), attr="append", ctx=gast.Load())
        if isinstance(e, gast.Call) and _is_popped(e):
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


def _is_pop_last(call):
    func = call.func
    return isinstance(func, gast.Attribute) and func.attr == "pop_last" \
        and len(call.args) == 1 and isinstance(call.args[0], gast.Name)


def _is_extract(call):
    func = call.func
    return isinstance(func, gast.Attribute) and func.attr == "extract" \
        and len(call.args) == 2 and isinstance(call.args[0], gast.Name)


def _is_popped(call):
    func = call.func
    return isinstance(func, gast.Attribute) and func.attr == "popped" and len(call.args) == 2


class _Desugar:
    """Statement-by-statement rewriting into the core forms (before jumps)."""

    def __init__(self, parsed, namer, arrays, modules=None):
        self.parsed = parsed
        self.namer = namer
        self.arrays = arrays
        self.modules = modules
        self.write_out_calls = False
        self.kinds = {}           # name -> argument kind ("object:mod.Class" matters here)
        self.nested = {}        # nested function name -> its FunctionDef (lambdas too)
        self.inlining = []      # names of the nested functions (and callees) being inlined
        self.own_names = assigned_names(parsed.node)
        self.dicts = _dict_locals(parsed.node)

    def block(self, stmts):
        out = []
        for stmt in stmts:
            out.extend(self.stmt(stmt))
        return out

    def stmt(self, s):
        line = n.line_of(s)
        method = getattr(self, "stmt_" + type(s).__name__, None)
        if method is None:
            return [s]
        result = method(s, line)
        for node in result:
            if n.line_of(node) is None:
                n.set_line(node, line)
        return result

    # -- assignments ---------------------------------------------------------
    def stmt_AugAssign(self, s, line):
        target, out = s.target, []
        if isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name):
            base, index = self.subscript_parts(target, out, line)    # evaluated once
            target = gast.Subscript(value=base, slice=index, ctx=gast.Store())
        value = n.binop(n.load(target), s.op, s.value)
        return out + self.assign_to(target, value, line)

    def stmt_AnnAssign(self, s, line):
        if s.value is None:
            return []
        return self.assign_to(s.target, s.value, line)

    def stmt_Assign(self, s, line):
        if len(s.targets) == 1:
            return self.assign_to(s.targets[0], s.value, line)
        # a = b = e  ->  b = e; a = b
        last = s.targets[-1]
        out = self.assign_to(last, s.value, line)
        for target in reversed(s.targets[:-1]):
            out += self.assign_to(target, n.load(last), line)
        return out

    def assign_to(self, target, value, line):
        out = []
        if isinstance(target, (gast.Tuple, gast.List)):
            return self.unpack(target, value, line)
        write_back = []
        if isinstance(target, gast.Subscript) and not isinstance(target.value, gast.Name):
            # a[i][j] = v  ->  _t = a[i].copy(); _t[j] = v; a[i] = _t: the write reaches
            # `a` through the assignment the transformers follow (and record: a[i] is
            # not changed in memory before its old value is kept for the backward sweep)
            own = gast.Call(func=gast.Attribute(value=target.value, attr="copy",
                                                ctx=gast.Load()), args=[], keywords=[])
            base, index = self.subscript_parts(
                gast.Subscript(value=own, slice=target.slice, ctx=gast.Store()), out, line)
            write_back = self.assign_to(target.value, base, line)
            target = gast.Subscript(value=base, slice=index, ctx=gast.Store())
        elif isinstance(target, gast.Subscript):
            base, index = self.subscript_parts(target, out, line)
            target = gast.Subscript(value=base, slice=index, ctx=gast.Store())
        if isinstance(value, gast.IfExp) and isinstance(target, gast.Name):
            self.if_exp_to_if(target.id, value, line, out)
            return out
        value = self.expr(value, out, line, top=True)
        if isinstance(target, gast.Subscript) and (self.arrays and not isinstance(
                value, (gast.Name, gast.Constant, gast.Subscript)) or self.named_call(value)):
            value = self.hoist(value, out, line)      # its adjoint is reduced to its shape
        out.append(n.assign(target, value, line))
        return out + write_back

    def named_call(self, value):
        """True for a call the transformers differentiate only as `name = call`: of a
        user function, a method of an object, a function value or a gradient made by
        tangentlike (anything without a rule of its own)."""
        if not isinstance(value, gast.Call):
            return False
        obj = self.resolve(value.func)
        if obj is not None:
            return lookup(obj) is None
        if isinstance(value.func, gast.Attribute):
            return method_callable(value.func.attr) is None
        return True

    def unpack(self, target, value, line):
        """`a, b = e`: element-wise when e is a literal of the same length."""
        out = []
        elts = target.elts
        if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(elts):
            written = n.stored_names([n.assign(t, n.const(0)) for t in elts])
            read_later = [set(n.loaded_names(v)) for v in value.elts]
            if any(written & r for r in read_later[1:]):
                temps = []
                for v in value.elts:       # swaps: evaluate every right side first
                    temp = self.namer.temp()
                    out += self.assign_to(n.name(temp, store=True), v, line)
                    temps.append(temp)
                for t, temp in zip(elts, temps):
                    out += self.assign_to(t, n.name(temp), line)
                return out
            for t, v in zip(elts, value.elts):
                out += self.assign_to(t, v, line)
            return out
        if isinstance(value, gast.Name):
            source = value.id
        else:
            source = self.namer.temp()
            out += self.assign_to(n.name(source, store=True), value, line)
        for k, t in enumerate(elts):
            out += self.assign_to(t, n.subscript(source, n.const(k)), line)
        return out

    def if_exp_to_if(self, target, node, line, out):
        """`target = a if c else b` as an if statement, appended to `out`."""
        test = self.test(node.test, out, line)
        body, orelse = [], []
        body += self.assign_to(n.name(target, store=True), node.body, line)
        orelse += self.assign_to(n.name(target, store=True), node.orelse, line)
        out.append(n.if_(test, body, orelse, line))

    def stmt_Return(self, s, line):
        out = []
        if s.value is not None:
            s.value = self.expr(s.value, out, line, top=True)
        return out + [s]

    def stmt_Expr(self, s, line):
        out = []
        if isinstance(s.value, gast.Call):
            s.value = self.expr(s.value, out, line, top=True)
        return out + [s]

    # -- expressions ---------------------------------------------------------
    def expr(self, e, out, line, top=False):
        """`e` with nested calls, conditionals and comprehensions hoisted into `out`."""
        if isinstance(e, gast.Call) and isinstance(e.func, gast.Name) \
                and e.func.id in self.nested:
            return self.returned(self.inline(e, out, line), out, line, top)
        if isinstance(e, gast.Call) and (self.passes_function(e) or self.write_out_calls
                                         and _is_plain_function(self.resolve(e.func))):
            return self.returned(self.inline_callee(e, out, line), out, line, top)
        if isinstance(e, gast.Call) and self.is_mapping_get(e):
            return self.expr(self.get_as_if_exp(e, out, line), out, line, top)
        if isinstance(e, gast.Call):
            if isinstance(e.func, gast.Attribute):     # the value a method is called on
                e.func.value = self.expr(e.func.value, out, line)
            elif isinstance(e.func, gast.Call):        # tl.grad(f)(x): name the function
                e.func = self.hoist(self.expr(e.func, out, line, top=True), out, line)
            e.args = [self.kept(self.expr(a, out, line), out, line) for a in e.args]
            for kw in e.keywords:
                kw.value = self.kept(self.expr(kw.value, out, line), out, line)
            return e if top else self.hoist(e, out, line)
        if isinstance(e, gast.IfExp):
            temp = self.namer.temp()
            self.if_exp_to_if(temp, e, line, out)
            return n.name(temp)
        if isinstance(e, gast.BoolOp) and (not _is_boolean(e) or self.writes_out(e)):
            return self.expr(self.bool_op_as_if_exp(e, out, line), out, line, top)
        if isinstance(e, gast.Compare) and self.writes_out(e):
            return self.comparison(e, out, line, top)
        if isinstance(e, gast.Attribute) and self.writes_out(e.value):
            e.value = self.expr(e.value, out, line)
            return e
        if isinstance(e, (gast.ListComp, gast.GeneratorExp)):
            return self.comprehension(e, out, line)
        if isinstance(e, gast.Subscript) and isinstance(e.value, (gast.Name, gast.Attribute)) \
                and _indexes_by_call(self.resolve(e.value)):
            # np.r_[x, y]: an object whose indexing is a call (np.r_.__getitem__((x, y)))
            call = gast.Call(func=gast.Attribute(value=e.value, attr="__getitem__",
                                                 ctx=gast.Load()),
                             args=[n.index_value(e.slice)], keywords=[])
            return self.expr(call, out, line, top)
        if isinstance(e, gast.Subscript):
            base, index = self.subscript_parts(e, out, line)
            return gast.Subscript(value=base, slice=index, ctx=gast.Load())
        if isinstance(e, gast.BinOp):
            e.left = self.expr(e.left, out, line)
            e.right = self.expr(e.right, out, line)
            if isinstance(e.op, _NONLINEAR):
                e.left, e.right = self.kept(e.left, out, line), self.kept(e.right, out, line)
            if isinstance(e.op, gast.MatMult) and not top:
                return self.hoist(e, out, line)    # only elementwise operations nest
        elif isinstance(e, gast.UnaryOp):
            e.operand = self.expr(e.operand, out, line)
        elif isinstance(e, (gast.Tuple, gast.List)):
            e.elts = [self.expr(x, out, line) for x in e.elts]
        elif isinstance(e, gast.Dict):
            e.values = [self.expr(x, out, line) for x in e.values]
        return e

    def inline(self, call, out, line):
        """A call to a nested function or lambda, written out in place: its parameters
        and locals get fresh names, the names it reads from the enclosing function
        stay, so adjoints flow back to captured variables."""
        name_ = call.func.id
        if name_ in self.inlining:
            filename, file_line, column, text = self.parsed.location(call)
            raise UnsupportedSyntaxError(
                f"recursive nested function {name_!r}", "define it at module level to "
                "recurse", filename=filename, line=file_line, column=column, source_line=text)
        fdef = copy.deepcopy(self.nested[name_])
        enclosing = self.nested
        self.nested = {**enclosing, **_nested_functions(fdef.body, self.parsed)}  # its own
        try:
            return self.inline_body(call, fdef, out, line)
        finally:
            self.nested = enclosing

    def inline_body(self, call, fdef, out, line):
        name_ = fdef.name
        args = [self.expr(a, out, line) for a in call.args]
        keywords = {k.arg: self.expr(k.value, out, line) for k in call.keywords}
        params = [a.id for a in fdef.args.args]
        defaults = dict(zip(params[len(params) - len(fdef.args.defaults):], fdef.args.defaults))
        self.inlining.append(name_)
        body = _without_definitions(_Jumps(self.namer).function_body(self.block(fdef.body)))
        self.inlining.pop()
        assigned = {x.id for s in body for x in gast.walk(s)
                    if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store)}
        # (a module-level name only "mutated" through a method, `np.sort(y)`, is not one)
        local = set(params) | ({v for v in n.stored_names(body) if v in assigned
                                or v not in self.parsed.namespace} - self.namer.temporaries)
        renames = {v: self.namer.fresh(f"{name_}_{v.lstrip('_')}") for v in sorted(local)}
        for k, p in enumerate(params):
            value = args[k] if k < len(args) else keywords.get(p, defaults.get(p))
            out.append(n.assign(renames[p], value, line))
        ret = body.pop() if body and isinstance(body[-1], gast.Return) else None
        out.extend(_rename(s, renames) for s in body)
        if ret is None or ret.value is None:
            return n.const(None)
        return _rename(ret.value, renames)

    # -- user functions given functions ------------------------------------------
    def passes_function(self, call):
        """True when `call` passes a lambda or nested function, or passes a function
        defined elsewhere (`np.tanh`, a module-level def) to a user function."""
        values = call.args + [k.value for k in call.keywords]
        if any(self.is_local_function(a) for a in values):
            return True
        return any(self.global_function(a) for a in values) \
            and _is_plain_function(self.resolve(call.func))

    def is_local_function(self, arg):
        return isinstance(arg, gast.Lambda) or (isinstance(arg, gast.Name)
                                                and arg.id in self.nested)

    def global_function(self, arg):
        obj = self.resolve(arg) if isinstance(arg, (gast.Name, gast.Attribute)) else None
        return inspect.isfunction(obj) or inspect.isbuiltin(obj) \
            or type(obj).__name__ == "ufunc"

    def resolve(self, expr):
        return self.parsed.resolve_expression(expr, self.own_names)

    def inline_callee(self, call, out, line):
        """`apply(lambda t: t * x, x)`: the user function `apply`, written out in place
        with its parameters and locals renamed and the function values bound to its
        parameters, so the lambda's adjoints reach the variables it captures."""
        callee = self.resolve(call.func)
        if not _is_plain_function(callee):
            self.fail(call, "passing a function value to a function tangentlike does not "
                      "differentiate through", "only Python functions defined at module "
                      "level (without a derivative rule) can be given a lambda or nested "
                      "function; call the function value directly, or write such a helper")
        if callee in self.inlining and self.write_out_calls:
            self.fail(call, f"recursive function {callee.__name__!r} in a gradient that "
                      "is differentiated again in reverse mode", "use forward over reverse "
                      "instead (tl.hessian, tl.hvp, tl.derivative), or make the recursion "
                      "a loop")
        if callee in self.inlining:
            self.fail(call, f"recursive function {callee.__name__!r} given a function "
                      "value", "pass the function to a non-recursive helper, or make "
                      "the recursion a loop")
        parsed = parse_function(callee)
        check(parsed)
        objects = self.object_kinds(call, callee)
        parsed.node.body = _devirtualize(parsed.node.body, parsed, objects)
        fdef = _transplant(parsed, self.parsed, self.own_names, self.namer, self.module_name,
                           n.line_of(call))
        bound = self.bind_arguments(call, callee, fdef)
        renamed = dict(zip(inspect.signature(callee).parameters,
                           [a.id for a in fdef.args.posonlyargs + fdef.args.args
                            + fdef.args.kwonlyargs]))
        self.kinds.update((renamed[p], kind) for p, kind in objects.items())
        functions = {p: self.function_value(a) for p, a in bound.items()
                     if self.is_local_function(a)}
        references = {p: a for p, a in bound.items()
                      if p not in functions and self.global_function(a)}
        for p, value in bound.items():
            if p not in functions and p not in references:
                out.append(n.assign(p, self.expr(value, out, line), line))
        enclosing = self.nested
        self.nested = {**enclosing, **functions, **_nested_functions(fdef.body, self.parsed)}
        self.inlining.append(callee)
        try:
            body = _substitute(_without_docstring(fdef.body), references)
            body = _Jumps(self.namer).function_body(self.block(body))
        finally:
            self.inlining.pop()
            self.nested = enclosing
        _reject_escaping(body, functions, self.parsed)
        body = _without_definitions(body)
        ret = body.pop() if body and isinstance(body[-1], gast.Return) else None
        out.extend(body)
        return n.const(None) if ret is None or ret.value is None else ret.value

    def object_kinds(self, call, callee):
        """Parameter of `callee` -> "object:mod.Class" for the arguments whose class is
        known (so the methods called on them inside are resolved too)."""
        try:
            bound = inspect.signature(callee).bind(
                *call.args, **{k.arg: k.value for k in call.keywords}).arguments
        except TypeError:
            return {}
        return {p: self.kinds[a.id] for p, a in bound.items()
                if isinstance(a, gast.Name) and str(self.kinds.get(a.id, "")).startswith(
                    "object:")}

    def bind_arguments(self, call, callee, fdef):
        """Renamed parameter of `fdef` -> argument expression (defaults included)."""
        try:
            bound = inspect.signature(callee).bind(
                *call.args, **{k.arg: k.value for k in call.keywords}).arguments
        except TypeError as exc:
            self.fail(call, f"call of {callee.__name__!r} that does not match its "
                      f"parameters ({exc})", "pass the arguments its signature names")
        args = fdef.args
        positional = args.posonlyargs + args.args
        defaults = dict(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        defaults.update((a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults)
                        if d is not None)
        return {renamed.id: bound.get(original, defaults.get(renamed))
                for original, renamed in zip(inspect.signature(callee).parameters,
                                             positional + args.kwonlyargs)}

    def function_value(self, arg):
        """The FunctionDef a function-valued argument stands for."""
        if isinstance(arg, gast.Name):
            return self.nested[arg.id]
        return _lambda_def(self.namer.fresh("lambda"), arg, n.line_of(arg))

    def module_name(self, module):
        """A name for `module` in the generated code (imported there if need be)."""
        alias = self.modules.name_for(module)
        self.parsed.namespace.setdefault(alias, module)
        self.namer.reserve(alias)
        return alias

    def fail(self, node, construct, hint):
        filename, file_line, column, text = self.parsed.location(node)
        raise UnsupportedSyntaxError(construct, hint, filename=filename, line=file_line,
                                     column=column, source_line=text)

    def returned(self, value, out, line, top):
        """What a written-out call returns, named unless it may stay a top-level call."""
        if isinstance(value, gast.Call) and not top:
            return self.hoist(value, out, line)
        return value

    def kept(self, e, out, line):
        """`e`, named by a temporary when arrays are about and it is a compound value."""
        if self.arrays and isinstance(e, (gast.BinOp, gast.UnaryOp)) \
                and any(isinstance(x, gast.Name) for x in gast.walk(e)):
            return self.hoist(e, out, line)
        return e

    def hoist(self, e, out, line):
        temp = self.namer.temp()
        out.append(n.assign(temp, e, line))
        return n.name(temp)

    def subscript_parts(self, e, out, line):
        """The base (a name) and the index of subscript `e`.  An index that is not plain
        (a mask `x > 0.5`, a call) is computed once, into a temporary that both sweeps
        read: evaluated again, it would see what a write through it changed."""
        base = self.expr(e.value, out, line)
        if not isinstance(base, gast.Name):
            base = self.hoist(base, out, line)
        index = e.slice
        if isinstance(index, gast.Tuple):
            index.elts = [self.index_part(x, out, line) for x in index.elts]
        else:
            index = self.index_part(index, out, line)
        return base, index

    def index_part(self, part, out, line):
        if isinstance(part, gast.Slice):             # a slice is not a value: its bounds are
            for field in ("lower", "upper", "step"):
                bound = getattr(part, field)
                if bound is not None and not _plain_index(bound):
                    setattr(part, field, self.hoist(self.expr(bound, out, line, top=True),
                                                    out, line))
            return part
        if _plain_index(part):
            return part
        return self.hoist(self.expr(part, out, line, top=True), out, line)

    def is_mapping_get(self, call):
        """`d.get(key)` or `d.get(key, default)` with `d` a dict: a module-level dict, a
        local only ever assigned dict literals, or an argument of a built-in class (an
        object of a class of the user's is of another kind, its methods its own)."""
        func = call.func
        if not (isinstance(func, gast.Attribute) and func.attr == "get" and not call.keywords
                and 1 <= len(call.args) <= 2):
            return False
        receiver = self.resolve(func.value) \
            if isinstance(func.value, (gast.Name, gast.Attribute)) else None
        if receiver is not None or not isinstance(func.value, gast.Name):
            return isinstance(receiver, dict)
        if func.value.id in self.kinds:
            return self.kinds[func.value.id] == "other"
        return func.value.id in self.dicts

    def get_as_if_exp(self, call, out, line):
        """`d.get(k, v)` -> `d[k] if k in d else v`, as Mapping.get is defined (d, k and
        v evaluated once, and v always, as in the call), so the item read is
        differentiated like any other."""
        mapping = self.expr(call.func.value, out, line)
        parts = [mapping] + [self.expr(a, out, line) for a in call.args]
        parts = [x if isinstance(x, (gast.Name, gast.Constant)) else self.hoist(x, out, line)
                 for x in parts]
        mapping, key = parts[0], parts[1]
        default = parts[2] if len(parts) == 3 else n.const(None)
        test = gast.Compare(left=n.load(key), ops=[gast.In()], comparators=[n.load(mapping)])
        item = gast.Subscript(value=n.load(mapping), slice=n.load(key), ctx=gast.Load())
        return gast.IfExp(test=test, body=item, orelse=n.load(default))

    def comparison(self, e, out, line, top):
        """A comparison whose operands call functions written out: `a < f(x)` with f(x)
        hoisted; `a < b < c` as `a < b and b < c` (b evaluated once, c only when the
        first comparison holds)."""
        e.left = self.expr(e.left, out, line)
        if len(e.comparators) == 1:
            e.comparators = [self.expr(e.comparators[0], out, line)]
            return e
        middle = self.expr(e.comparators[0], out, line)
        if not isinstance(middle, (gast.Name, gast.Constant)):
            middle = self.hoist(middle, out, line)
        first = gast.Compare(left=e.left, ops=e.ops[:1], comparators=[middle])
        rest = gast.Compare(left=n.load(middle), ops=e.ops[1:], comparators=e.comparators[1:])
        both = gast.BoolOp(op=gast.And(), values=[first, rest])
        return self.expr(both, out, line, top)

    def bool_op_as_if_exp(self, e, out, line):
        """`a or b` -> `a if a else b`; `a and b` -> `b if a else a` (right-nested)."""
        first = self.expr(e.values[0], out, line)
        if not isinstance(first, (gast.Name, gast.Constant)):
            first = self.hoist(first, out, line)
        rest = e.values[1] if len(e.values) == 2 else gast.BoolOp(op=e.op, values=e.values[1:])
        if isinstance(e.op, gast.Or):
            return gast.IfExp(test=n.load(first), body=n.load(first), orelse=rest)
        return gast.IfExp(test=n.load(first), body=rest, orelse=n.load(first))

    def comprehension(self, e, out, line):
        """`[elt for x in xs if c]` -> a loop appending to a fresh list."""
        result = self.namer.temp()
        out.append(n.assign(result, gast.List(elts=[], ctx=gast.Load()), line))
        renames = {}
        for gen in e.generators:
            for target_name in n.stored_names([n.assign(gen.target, n.const(0))]):
                renames[target_name] = self.namer.fresh("_" + target_name)
        e = _rename(e, renames)
        inner = [n.expr_stmt(n.call(gast.Attribute(value=n.name(result), attr="append",
                                                   ctx=gast.Load()), e.elt), line)]
        for gen in reversed(e.generators):
            for cond in reversed(gen.ifs):
                inner = [n.if_(cond, inner, line=line)]
            inner = [gast.For(target=gen.target, iter=gen.iter, body=inner, orelse=[],
                              type_comment=None)]
        out.extend(self.block(inner))
        return n.name(result)

    # -- control flow --------------------------------------------------------
    def stmt_If(self, s, line):
        out = []
        s.test = self.test(s.test, out, line)
        s.body = self.block(s.body)
        s.orelse = self.block(s.orelse)
        return out + [s]

    def stmt_While(self, s, line):
        if self.writes_out(s.test):
            # the test runs before every pass: `while True:` leaving when it fails
            pre = []
            test = self.expr(s.test, pre, line, top=True)
            s.test = n.const(True)
            s.body = pre + [n.if_(n.not_(test), [gast.Break()], line=line)] \
                + self.block(s.body)
            return [s]
        s.body = self.block(s.body)
        return [s]

    def stmt_Assert(self, s, line):
        out = []
        s.test = self.test(s.test, out, line)
        return out + [s]

    def test(self, e, out, line):
        """The test of an if, while or assert: as is, or with the calls that must be
        written out hoisted into `out` (keeping `and`, `or` and chained comparisons
        short-circuiting)."""
        return self.expr(e, out, line, top=True) if self.writes_out(e) else e

    def writes_out(self, e):
        """True when `e` calls or passes a nested function or lambda: such a call is
        written out, so `expr` must reach every part of `e`."""
        return any(isinstance(x, gast.Lambda) or isinstance(x, gast.Name)
                   and x.id in self.nested for x in gast.walk(e))

    def stmt_For(self, s, line):
        it = s.iter
        callee = self.builtin_callee(it)
        out = []
        if callee == "range":
            body = s.body
            assigned = n.stored_names(body) | n.stored_names([n.assign(s.target, n.const(0))])
            args = []
            for a in it.args:
                if not self.stable(a, assigned):
                    a = self.hoist(self.expr(a, out, line, top=True), out, line)
                args.append(a)
            it.args = args
            if isinstance(s.target, gast.Name):
                s.body = self.block(body)
                out.append(s)
                return out
            index = self.namer.fresh("_i")
            head = self.assign_to(s.target, n.name(index), line)
            out.append(n.for_(index, it, head + self.block(body), line))
            return out
        index = None
        if callee == "enumerate" and len(it.args) == 1 and not it.keywords \
                and isinstance(s.target, gast.Tuple) and isinstance(s.target.elts[0], gast.Name):
            index = s.target.elts[0].id          # `for i, x in enumerate(xs)` indexes with i
            length, item = self.indexed(it.args[0], out, line)
            head = self.assign_to(s.target.elts[1], item(index), line)
        else:
            index = self.namer.fresh("_i")
            length, item = self.indexed(it, out, line)
            head = self.assign_to(s.target, item(index), line)
        for stmt in head:
            n.set_line(stmt, line)
        out.append(n.for_(index, n.call("range", length), head + self.block(s.body), line))
        return out

    def indexed(self, it, out, line):
        """(length expression, index name -> item expression) to iterate `it` by index."""
        callee = self.builtin_callee(it)
        if callee == "enumerate" and it.args and not it.keywords:
            length, item = self.indexed(it.args[0], out, line)
            start = it.args[1] if len(it.args) > 1 else None

            def counted(index):
                counter = n.name(index) if start is None else \
                    n.binop(n.name(index), gast.Add(), copy.deepcopy(start))
                return gast.Tuple(elts=[counter, item(index)], ctx=gast.Load())
            return length, counted
        if callee == "reversed" and len(it.args) == 1 and not it.keywords:
            seq = self.sequence(it.args[0], out, line)

            def backwards(index):
                last = n.binop(n.call("len", n.name(seq)), gast.Sub(), n.const(1))
                return n.subscript(seq, n.binop(last, gast.Sub(), n.name(index)))
            return n.call("len", n.name(seq)), backwards
        if callee == "zip" and it.args and not it.keywords:
            parts = [self.indexed(a, out, line) for a in it.args]
            lengths = [p[0] for p in parts]
            length = lengths[0] if len(lengths) == 1 else n.call("min", *lengths)
            return length, lambda index: gast.Tuple(elts=[p[1](index) for p in parts],
                                                    ctx=gast.Load())
        seq = self.sequence(it, out, line)
        return n.call("len", n.name(seq)), lambda index: n.subscript(seq, n.name(index))

    def sequence(self, e, out, line):
        """A Name holding the iterated sequence (hoisted unless already a Name)."""
        e = self.expr(e, out, line, top=True)
        if isinstance(e, gast.Name):
            return e.id
        return self.hoist(e, out, line).id

    def builtin_callee(self, e):
        if isinstance(e, gast.Call) and isinstance(e.func, gast.Name):
            try:
                obj = self.parsed.resolve(e.func.id)
            except (KeyError, AttributeError):
                return None
            for candidate in ("range", "enumerate", "zip", "reversed"):
                if obj is getattr(builtins, candidate):
                    return candidate
        return None

    def stable(self, e, assigned):
        """True when `e` reads nothing the loop writes and calls only pure builtins."""
        for sub in gast.walk(e):
            if isinstance(sub, gast.Call):
                if not (isinstance(sub.func, gast.Name) and sub.func.id in _PURE_BUILTINS):
                    return False
            if isinstance(sub, gast.Name) and sub.id in assigned:
                return False
        return True


_NONLINEAR = (gast.Mult, gast.Div, gast.Pow, gast.MatMult, gast.Mod)


def _devirtualize(body, parsed, kinds):
    """`obj.method(args)` -> `Class.method(obj, args)` when obj's class is known (an
    argument specialized on its class, or a module-level instance) and is reachable
    by a name in the function's namespace."""
    classes = {}
    for param, kind in kinds.items():
        if isinstance(kind, str) and kind.startswith("object:"):
            classes[param] = kind[len("object:"):]
    by_qualname = {}
    for name_, value in parsed.namespace.items():
        if isinstance(value, type):
            by_qualname.setdefault(f"{value.__module__}.{value.__qualname__}", name_)

    class Rewrite(gast.NodeTransformer):
        def visit_Call(self, node):
            self.generic_visit(node)
            func = node.func
            if isinstance(func, gast.Name) and func.id in classes:      # model(x)
                func = node.func = gast.Attribute(value=func, attr="__call__", ctx=gast.Load())
            if not (isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name)):
                return node
            receiver = func.value.id
            if receiver in classes:
                qualname = classes[receiver]
            else:
                value = parsed.namespace.get(receiver)
                method = getattr(value, func.attr, None) if value is not None else None
                if not (inspect.ismethod(method) and inspect.isfunction(method.__func__)) \
                        or isinstance(value, type):
                    return node
                qualname = f"{type(value).__module__}.{type(value).__qualname__}"
            class_name = by_qualname.get(qualname)
            if class_name is None:
                return node
            node.func = gast.Attribute(value=n.name(class_name), attr=func.attr,
                                       ctx=gast.Load())
            node.args = [n.name(receiver)] + list(node.args)
            return node

    return [Rewrite().visit(s) for s in body]


def _nested_functions(body, parsed):
    """name -> FunctionDef of the functions defined (or lambdas bound) in `body`, in its
    branches and loops too; a name defined twice is an error (each call is written
    out from the one definition of its name)."""
    out = {}
    for name_, s in _definitions(body):
        if name_ in out:
            filename, line, column, text = parsed.location(s)
            raise UnsupportedSyntaxError(
                f"a nested function defined more than once ({name_!r})",
                "give each definition a name of its own", filename=filename, line=line,
                column=column, source_line=text)
        out[name_] = s if isinstance(s, gast.FunctionDef) else \
            _lambda_def(name_, s.value, n.line_of(s))
    return out


def _dict_locals(fdef):
    """The names `fdef` only ever assigns dict literals (`d = {...}`)."""
    literal_targets = {id(t) for node in gast.walk(fdef) if isinstance(node, gast.Assign)
                       and isinstance(node.value, gast.Dict) for t in node.targets}
    dicts, others = set(), set()
    for node in gast.walk(fdef):
        if isinstance(node, gast.Name) and not isinstance(node.ctx, gast.Load):
            (dicts if id(node) in literal_targets else others).add(node.id)
    return dicts - others


def _definitions(body):
    """(name, statement) of each nested def and lambda bound to a name in `body`, in
    its compound statements too, but not inside the nested functions themselves."""
    for s in body:
        if isinstance(s, gast.FunctionDef):
            yield s.name, s
        elif _is_definition(s):
            yield s.targets[0].id, s
        elif isinstance(s, (gast.If, gast.For, gast.While)):
            yield from _definitions(s.body)
            yield from _definitions(s.orelse)


def _is_definition(s):
    """A nested def, or a lambda bound to a name."""
    return isinstance(s, gast.FunctionDef) or isinstance(s, gast.Assign) \
        and isinstance(s.value, gast.Lambda) and isinstance(s.targets[0], gast.Name)


def written_out_callees(parsed, every_call=False):
    """The user functions that calls in `parsed` give function values to (every user
    function it calls, with `every_call`), and so are written out in its derivative,
    and theirs in turn: their source is part of the derivative's."""
    found = []

    def scan(parsed, function_names):
        own = assigned_names(parsed.node)
        for call in (x for x in gast.walk(parsed.node) if isinstance(x, gast.Call)):
            values = call.args + [k.value for k in call.keywords]
            if not every_call and not any(
                    isinstance(a, gast.Lambda) or isinstance(a, (gast.Name, gast.Attribute))
                    and (getattr(a, "id", None) in function_names
                         or callable(parsed.resolve_expression(a, own))) for a in values):
                continue
            callee = parsed.resolve_expression(call.func, own)
            if _is_plain_function(callee) and callee not in found:
                found.append(callee)
                try:
                    inner = parse_function(callee)
                except TangentlikeError:
                    continue
                params = {a.id for a in inner.node.args.posonlyargs + inner.node.args.args
                          + inner.node.args.kwonlyargs}
                scan(inner, params | _function_names(inner.node))

    scan(parsed, _function_names(parsed.node))
    return found


def _function_names(fdef):
    """The names of the functions defined (or lambdas bound) inside `fdef`."""
    return {x.name for x in gast.walk(fdef) if isinstance(x, gast.FunctionDef)
            and x is not fdef} | {x.targets[0].id for x in gast.walk(fdef)
                                  if isinstance(x, gast.Assign) and isinstance(x.value, gast.Lambda)
                                  and isinstance(x.targets[0], gast.Name)}


def _is_plain_function(obj):
    """A module-level Python function without a rule: one that can be written out."""
    return is_user_function(obj) and not obj.__closure__


def _substitute(stmts, values):
    """`stmts` with each read of a name in `values` replaced by a copy of its expression."""
    class Substitute(gast.NodeTransformer):
        def visit_Name(self, node):
            if node.id in values and isinstance(node.ctx, gast.Load):
                return copy.deepcopy(values[node.id])
            return node
    return [Substitute().visit(s) for s in stmts]


def _without_definitions(body):
    """`body` less its nested function definitions (in its branches and loops too),
    every call of which is written out."""
    out = []
    for s in body:
        if _is_definition(s):
            continue
        if isinstance(s, (gast.If, gast.For, gast.While)):
            s.body = _without_definitions(s.body) or [gast.Pass()]
            s.orelse = _without_definitions(s.orelse)
        out.append(s)
    return out


def _lambda_def(name_, lam, line):
    return gast.FunctionDef(name=name_, args=lam.args,
                            body=[n.set_line(gast.Return(value=lam.body), line)],
                            decorator_list=[], returns=None, type_comment=None, type_params=[])


def _without_docstring(body):
    if body and isinstance(body[0], gast.Expr) and n.is_const(body[0].value) \
            and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def _transplant(callee, caller, caller_names, namer, module_name, line):
    """A copy of the callee's FunctionDef ready to be written out inside the caller:
    its parameters, locals and nested functions get fresh names (`apply_x`), the
    module-level names it reads that mean something else in the caller become
    `module.name`, and every node takes the caller's `line`."""
    fdef = copy.deepcopy(callee.node)
    own = assigned_names(fdef) | {name_ for name_, _ in _definitions(fdef.body)}
    name_ = callee.node.name if callee.node.name.isidentifier() else "lambda"
    prefix = name_.strip("_") or "callee"
    renames = {v: namer.fresh(f"{prefix}_{v.lstrip('_')}") for v in sorted(own)}

    class Transplant(gast.NodeTransformer):
        def visit_FunctionDef(self, node):
            node.name = renames.get(node.name, node.name)
            return self.generic_visit(node)

        def visit_Name(self, node):
            if node.id in renames:
                node.id = renames[node.id]
            elif isinstance(node.ctx, gast.Load) and _means_else(node.id, callee, caller,
                                                                  caller_names):
                module = inspect.getmodule(callee.fn)
                return gast.Attribute(value=n.name(module_name(module)), attr=node.id,
                                      ctx=gast.Load())
            return node

    fdef = Transplant().visit(fdef)
    for node in gast.walk(fdef):
        if hasattr(node, "lineno"):
            node.lineno, node.col_offset = line, getattr(caller.node, "col_offset", 0)
    return fdef


def _means_else(name_, callee, caller, caller_names):
    """True when the callee's global `name_` is not what `name_` means in the caller."""
    try:
        value = callee.resolve(name_)
    except (KeyError, AttributeError):
        return False
    try:
        return name_ in caller_names or caller.resolve(name_) is not value
    except (KeyError, AttributeError):
        return True


def _reject_escaping(body, nested, parsed):
    """A nested function still named once its calls are written out is an error: one
    used other than by calling it (passed on, stored), or called where nothing writes
    the call out; the derivative has no such function to refer to."""
    called = set()
    for node in _outside_definitions(body):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name):
            called.add(id(node.func))
    for node in _outside_definitions(body):
        if isinstance(node, gast.Name) and node.id in nested \
                and isinstance(node.ctx, gast.Load):
            filename, line, column, text = parsed.location(node)
            if id(node) in called:
                raise UnsupportedSyntaxError(
                    f"a call of the nested function {node.id!r} in this position",
                    f"call it in a statement of its own (t = {node.id}(...)) and use t "
                    "here", filename=filename, line=line, column=column, source_line=text)
            raise UnsupportedSyntaxError(
                f"passing the nested function {node.id!r} as a value",
                "call it directly where it is needed (its derivative is taken by "
                "writing the call out), or define it at module level",
                filename=filename, line=line, column=column, source_line=text)


def _outside_definitions(body):
    """Every node of `body` but those of its nested function definitions."""
    stack = [s for s in reversed(body) if not _is_definition(s)]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(x for x in reversed(list(gast.iter_child_nodes(node)))
                     if not _is_definition(x))


def _plain_index(e):
    """An index (or slice bound) of names and literals, combined by arithmetic, items and
    attributes: `i + 1`, `idx[k]`, `m.T`.  What it reads is restored by the tape, so the
    backward sweep may evaluate it again; a comparison or a call is named instead."""
    return all(isinstance(x, (gast.Name, gast.Constant, gast.BinOp, gast.UnaryOp, gast.Tuple,
                              gast.List, gast.Subscript, gast.Slice, gast.Attribute,
                              gast.expr_context, gast.operator, gast.unaryop))
               for x in gast.walk(e))


def _is_boolean(e):
    """A test made only of comparisons, `not` and boolean operators."""
    if isinstance(e, gast.BoolOp):
        return all(_is_boolean(v) for v in e.values)
    if isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.Not):
        return True
    return isinstance(e, gast.Compare) or (isinstance(e, gast.Constant)
                                           and isinstance(e.value, bool))


def _rename(node, renames):
    node = copy.deepcopy(node)
    for sub in gast.walk(node):
        if isinstance(sub, gast.Name) and sub.id in renames:
            sub.id = renames[sub.id]
    return node


class _Jumps:
    """`break`, `continue` and early `return` lowered to flags and guards."""

    def __init__(self, namer):
        self.namer = namer
        self.returned = None      # flag name, created on first early return
        self.result = None
        self.flags_read = set()
        self.created = set()

    def function_body(self, body):
        body = _nest_after_jumps(body)
        returns = [s for stmt in body for s in _own_nodes(stmt) if isinstance(s, gast.Return)]
        tail_only = (len(returns) == 1 and body and body[-1] is returns[0])
        if not returns or tail_only:
            return self.without_unread_flags(self.block(body, loop=None, lower_returns=False))
        self.returned = self.namer.fresh("_returned")
        self.result = self.namer.fresh("_result")
        self.created.add(self.returned)
        new = self.block(body, loop=None, lower_returns=True, tail=True)
        prologue = []
        if self.returned in self.flags_read:
            prologue.append(n.assign(self.returned, n.const(False), n.line_of(body[0])))
        if not _definitely_assigns(new, self.result):
            prologue.append(n.assign(self.result, n.const(None), n.line_of(body[0])))
        new = self.without_unread_flags(prologue + new)
        return new + [n.set_line(gast.Return(value=n.name(self.result)),
                                 n.line_of(returns[-1]))]

    def without_unread_flags(self, stmts):
        return _drop_unread_flags(stmts, self.created - self.flags_read)

    def block(self, stmts, loop, lower_returns, tail=False):
        """`tail`: nothing runs after this block but the function's return."""
        out = []
        for k, s in enumerate(stmts):
            flags = self.may_set(s, loop, lower_returns)
            jumps = isinstance(s, (gast.Break, gast.Continue, gast.Return, gast.Raise))
            out.extend(self.stmt(s, loop, lower_returns, tail and k == len(stmts) - 1))
            rest = stmts[k + 1:]
            if not rest or jumps:
                break                                 # after a jump, the rest is unreachable
            if flags:
                self.flags_read.update(flags)
                test = _any_flag(sorted(flags))
                guarded = self.block(rest, loop, lower_returns, tail)
                if guarded:
                    out.append(n.if_(n.not_(test), guarded, line=n.line_of(rest[0])))
                break
        return out

    def may_set(self, s, loop, lower_returns):
        flags = set()
        own_loop = isinstance(s, (gast.For, gast.While))   # its jumps are its own
        for sub in _walk_same_function(s, into_loops=False):
            if not loop or own_loop or id(sub) in loop["tails"]:
                continue
            if isinstance(sub, gast.Break):
                flags.add(loop["break"])
            elif isinstance(sub, gast.Continue):
                flags.add(loop["continue"])
        if lower_returns and any(isinstance(x, gast.Return) for x in _own_nodes(s)):
            flags.add(self.returned)
        return flags

    def stmt(self, s, loop, lower_returns, tail=False):
        line = n.line_of(s)
        if isinstance(s, gast.Break):
            if id(s) in loop["tails"]:
                return [s]
            return [n.assign(loop["break"], n.const(True), line)]
        if isinstance(s, gast.Continue):
            if id(s) in loop["tails"]:
                return []
            return [n.assign(loop["continue"], n.const(True), line)]
        if isinstance(s, gast.Return) and lower_returns:
            value = s.value if s.value is not None else n.const(None)
            result = [n.assign(self.result, value, line)]
            return result if tail else result + [n.assign(self.returned, n.const(True), line)]
        if isinstance(s, gast.If):
            s.body = self.block(s.body, loop, lower_returns, tail) or [gast.Pass()]
            s.orelse = self.block(s.orelse, loop, lower_returns, tail)
            return [s]
        if isinstance(s, (gast.For, gast.While)):
            return self.loop(s, lower_returns)
        return [s]

    def loop(self, s, lower_returns):
        own = list(_walk_same_function(s, into_loops=False, skip_root=True))
        tails = _tail_jumps(s)               # a break/continue that ends the body stays as is
        has_break = any(isinstance(x, gast.Break) and id(x) not in tails for x in own)
        has_continue = any(isinstance(x, gast.Continue) and id(x) not in tails for x in own)
        has_return = lower_returns and any(isinstance(x, gast.Return) for x in _own_nodes(s))
        line = n.line_of(s)
        ctx = {"break": self.namer.fresh("_break") if has_break else None,
               "continue": self.namer.fresh("_continue") if has_continue else None,
               "tails": tails}
        self.created.update(ctx[k] for k in ("break", "continue") if ctx[k])
        body = self.block(s.body, ctx, lower_returns)
        before = []
        if has_continue:
            body.insert(0, n.assign(ctx["continue"], n.const(False), line))
        exit_flags = [f for f in (ctx["break"], self.returned if has_return else None) if f]
        if exit_flags:
            self.flags_read.update(exit_flags)
            body.append(n.if_(_any_flag(exit_flags), [gast.Break()], line=line))
        if has_break:
            before.append(n.assign(ctx["break"], n.const(False), line))
        s.body = body or [gast.Pass()]
        return before + [s]


def _tail_jumps(loop):
    """ids of the jumps a loop keeps as they are: a `continue` that ends its body
    (through trailing ifs; it is dropped), and a `break` that ends the body or a branch
    of the `if` that ends it, when the loop has no other jump (no flag guard then wraps
    the break).  A break anywhere else becomes a flag: after the `if` or guard holding
    it, the enclosing branch goes on (the reverse sweep records its decision there),
    which a real break would skip."""
    body = loop.body
    continues = _tail_continues(body)
    breaks = set()
    last = body[-1] if body else None
    if isinstance(last, gast.Break):
        breaks = {id(last)}
    elif isinstance(last, gast.If):
        breaks = {id(branch[-1]) for branch in (last.body, last.orelse)
                  if branch and isinstance(branch[-1], gast.Break)}
    own = _walk_same_function(loop, into_loops=False, skip_root=True)
    flagged = any(isinstance(x, gast.Break) and id(x) not in breaks
                  or isinstance(x, gast.Continue) and id(x) not in continues for x in own) \
        or any(isinstance(x, gast.Return) for x in _own_nodes(loop))
    return continues if flagged else continues | breaks


def _tail_continues(stmts):
    """ids of the continue statements that end `stmts` (through trailing ifs)."""
    if not stmts:
        return set()
    last = stmts[-1]
    if isinstance(last, gast.Continue):
        return {id(last)}
    if isinstance(last, gast.If):
        return _tail_continues(last.body) | _tail_continues(last.orelse)
    return set()


def _any_flag(flags):
    if len(flags) == 1:
        return n.name(flags[0])
    return gast.BoolOp(op=gast.Or(), values=[n.name(f) for f in flags])


def _own_nodes(node):
    """Walk `node` without entering nested function definitions and lambdas."""
    stack = [node]
    while stack:
        cur = stack.pop()
        yield cur
        if isinstance(cur, (gast.FunctionDef, gast.Lambda)):
            continue
        stack.extend(gast.iter_child_nodes(cur))


def _walk_same_function(node, into_loops, skip_root=False):
    """Walk `node`, not descending into nested loops unless `into_loops`."""
    stack = [node]
    first = True
    while stack:
        cur = stack.pop()
        if not first or not skip_root:
            yield cur
        is_loop = isinstance(cur, (gast.For, gast.While))
        if is_loop and not into_loops and not first:
            continue
        if isinstance(cur, (gast.FunctionDef, gast.Lambda)):
            continue
        first = False
        stack.extend(reversed(list(gast.iter_child_nodes(cur))))


def _drop_unread_flags(stmts, unread):
    """Remove assignments to flags no guard reads (and ifs left with nothing to do)."""
    out = []
    for s in stmts:
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                and s.targets[0].id in unread:
            continue
        for field in ("body", "orelse"):
            if isinstance(s, (gast.If, gast.For, gast.While)):
                setattr(s, field, _drop_unread_flags(getattr(s, field), unread))
        if isinstance(s, (gast.For, gast.While)):
            s.body = s.body or [gast.Pass()]
        if isinstance(s, gast.If):
            s.body = [x for x in s.body if not isinstance(x, gast.Pass)]
            if not s.body and not s.orelse and not any(
                    isinstance(x, gast.Call) for x in gast.walk(s.test)):
                continue
            if not s.body and s.orelse:
                s.test, s.body, s.orelse = n.not_(s.test), s.orelse, []
            s.body = s.body or [gast.Pass()]
        out.append(s)
    return out


def _always_jumps(stmts):
    """True when every path through `stmts` ends in return, raise, break or continue."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, (gast.Return, gast.Raise, gast.Break, gast.Continue)):
        return True
    return isinstance(last, gast.If) and _always_jumps(last.body) and _always_jumps(last.orelse)


def _nest_after_jumps(stmts):
    """`if c: ...return` followed by S  ->  `if c: ...return else: S` (no flag needed)."""
    out = []
    for k, s in enumerate(stmts):
        if isinstance(s, (gast.For, gast.While)):
            s.body = _nest_after_jumps(s.body)
        elif isinstance(s, gast.If):
            s.body, s.orelse = _nest_after_jumps(s.body), _nest_after_jumps(s.orelse)
            rest = stmts[k + 1:]
            if rest and _always_jumps(s.body) and not _always_jumps(s.orelse):
                s.orelse = _nest_after_jumps(s.orelse + rest)
                out.append(s)
                return out
            if rest and s.orelse and _always_jumps(s.orelse) and not _always_jumps(s.body):
                s.body = _nest_after_jumps(s.body + rest)
                out.append(s)
                return out
        out.append(s)
    return out


def _definitely_assigns(stmts, name_):
    for s in stmts:
        if isinstance(s, gast.Assign) and n.is_name(s.targets[0], name_):
            return True
        if isinstance(s, gast.If) and _definitely_assigns(s.body, name_) \
                and _definitely_assigns(s.orelse, name_):
            return True
    return False


def _indexes_by_call(obj):
    """Is `obj` a module-level object whose `obj[...]` computes a value (np.r_, np.c_),
    rather than a container or array whose items are read?"""
    import numpy
    return obj is not None and not inspect.ismodule(obj) and not isinstance(obj, type) \
        and hasattr(type(obj), "__getitem__") \
        and not isinstance(obj, (numpy.ndarray, list, tuple, dict, str, bytes, range))
