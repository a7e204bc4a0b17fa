"""Normalize, the main pass: desugaring into the core statement forms, and ANF.

Receives the body of a checked function (its method calls on known classes already
plain calls: devirtualize.py), with `nested`, the nested functions and lambdas it
defines (definitions.py).  Guarantees, statement by statement, the forms listed in
the package docstring but for jumps (jumps.py lowers those next), every statement
keeping the line of the user's statement it came from:

- assignments: augmented, annotated and chained assignments, tuple unpacking and
  swaps (every right side evaluated first) become `x = E` and `x[index] = E` on a
  Name; `a[i][j] = v` writes into a copy of `a[i]` assigned back;
- expressions (ANF): nested calls, `@` and, over arrays (`arrays`), the compound
  operands of nonlinear operations are named by temporaries (`_t1`), so E holds at
  most one call, at its top; an index that is not plain (a mask, a call) is named
  once, for both sweeps to read; `a if c else b`, `and`/`or` used as values and
  `d.get(k, v)` on a dict become if statements; `d.items()`, `d.values()` and
  `d.keys()` become `_ntl.items(d)` (...), lists with rules; `dict(k=v)` a literal and
  `dict(m, k=v)` `_ntl.merged(dict(m), {'k': v})`; chained comparisons that call
  written-out functions evaluate each operand once, short-circuiting as before;
  list comprehensions and generator expressions become loops appending to a list;
  `np.r_[...]` (an object whose indexing is a call) becomes a call;
- `while` whose test writes a call out becomes `while True:` that tests first;
- `for` loops over anything become loops over `range` (the `Loops` methods,
  loops.py); calls of nested functions and lambdas, and of user functions given
  function values, are written out in place (the `WritingOut` methods,
  write_out.py).
"""

import inspect

import gast
import numpy

from .. import nodes as n
from .. import numpy_runtime
from ..errors import UnsupportedSyntaxError
from ..naming import assigned_names
from ..rules import lookup
from ..rules.methods import method_callable
from .definitions import renamed_copy
from .loops import Loops, locals_made_by
from .write_out import WritingOut, is_plain_function


# attributes of arrays (and numbers): views or metadata, read as part of the expression
_ARRAY_ATTRIBUTES = frozenset({"T", "mT", "real", "imag", "shape", "size", "ndim",
                               "dtype", "flat", "strides", "itemsize", "nbytes"})


class Desugar(WritingOut, Loops):
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
        self.rebound = {x.id for x in n.walk(parsed.node)      # (parameters among them)
                        if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store)}
        self.dicts = locals_made_by(parsed.node, _makes_dict)
        self.sequences = locals_made_by(parsed.node, self.makes_sequence)

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
        """`a, b = e`: element-wise when e is a literal of the same length; else by
        index into what iterating `e` gives (Loops.iterable), its length checked."""
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
        value = self.iterable(value)       # what unpacking iterates (a dict's keys)
        if isinstance(value, gast.Name):
            source = value.id
        else:
            source = self.namer.temp()
            out += self.assign_to(n.name(source, store=True), value, line)
        out.append(n.set_line(gast.Expr(value=self.runtime_call(
            "check_unpacking", n.name(source), n.const(len(elts)))), line))
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
                                         and is_plain_function(self.resolve(e.func))):
            return self.returned(self.inline_callee(e, out, line), out, line, top)
        if isinstance(e, gast.Call) and self.is_mapping_get(e):
            return self.expr(self.get_as_if_exp(e, out, line), out, line, top)
        if isinstance(e, gast.Call) and self.dict_view(e) is not None:
            view = self.runtime_call(self.dict_view(e), e.func.value)
            return self.expr(view, out, line, top)
        if isinstance(e, gast.Call) and self.is_dict_call(e) and (e.keywords or not e.args):
            return self.expr(self.dict_call_parts(e), out, line, top)
        if isinstance(e, gast.Call) and self.iterates_argument(e):
            e.args[0] = self.iterable(e.args[0])         # sum(d): a dict's keys
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
        if isinstance(e, gast.Attribute) and not top and self.reads_object_state(e):
            return self.hoist(e, out, line)     # read now: a later call may change it
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

    def resolve(self, expr):
        return self.parsed.resolve_expression(expr, self.own_names)

    def reads_object_state(self, e):
        """Is `e` (`o.a`, `o.p.q`) an attribute of an object, passed in, made here or
        global (not an array's `.T` or `.shape`, not a module's)?  Its value is read
        where the code reads it, into a temporary: the backward sweep reads that
        value, not the attribute again after a method call may have changed it."""
        root = n.root_name(e)
        if root is None or e.attr in _ARRAY_ATTRIBUTES:
            return False
        if root in self.kinds:
            return self.kinds[root].startswith("object:")
        if root in self.own_names:
            return True
        value = self.parsed.namespace.get(root)
        return value is not None and not isinstance(value, type) and hasattr(value, "__dict__") \
            and not inspect.ismodule(value) and not callable(value)

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
        """`e`, named by a temporary when arrays are about and it is a compound value
        that may be one (it reads a name other than a parameter of kind "scalar")."""
        names = [x.id for x in n.walk(e) if isinstance(x, gast.Name)]
        if self.arrays and isinstance(e, (gast.BinOp, gast.UnaryOp)) and names \
                and not all(self.kinds.get(x) == "scalar" and x not in self.rebound
                            for x in names):
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

    def iterates_argument(self, call):
        """Whether `call` is sum, list, tuple, any or all of an iterable, or min or max of
        one: these read what iterating it gives (a dict's keys)."""
        obj = self.resolve(call.func) if isinstance(call.func, gast.Name) else None
        if self.modules is None or not call.args or isinstance(call.args[0], gast.Starred):
            return False
        if any(obj is f for f in (min, max)):
            return len(call.args) == 1
        return any(obj is f for f in (sum, list, tuple, any, all))

    def runtime_call(self, helper, *args):
        """`_ntl.<helper>(*args)` (numpy_runtime), its module name resolvable here."""
        call = self.modules.call(numpy_runtime, helper, *args)
        self.parsed.namespace.setdefault(call.func.value.id, numpy_runtime)
        return call

    def is_mapping(self, e):
        """True when `e` is surely a dict: a module-level dict, a local only ever assigned
        dict literals or dict(...), or a call of dict."""
        if isinstance(e, gast.Call):
            return self.is_dict_call(e)
        if isinstance(e, gast.Name) and e.id in self.own_names:
            return e.id in self.dicts
        return isinstance(self.resolve(e), dict) \
            if isinstance(e, (gast.Name, gast.Attribute)) else False

    def dict_view(self, call):
        """"items", "values" or "keys" for `d.items()` (...) on a value that may be a dict
        (not a module's, not an object of a class of the user's), else None: read as
        `_ntl.items(d)`, a list the generated loops can index."""
        func = call.func
        if not (isinstance(func, gast.Attribute) and func.attr in ("items", "values", "keys")
                and not call.args and not call.keywords and self.modules is not None):
            return None
        if isinstance(func.value, gast.Name) and func.value.id in self.kinds \
                and self.kinds[func.value.id].startswith("object:"):
            return None
        receiver = self.resolve(func.value) \
            if isinstance(func.value, (gast.Name, gast.Attribute)) else None
        if receiver is not None and not isinstance(receiver, dict):
            return None
        return func.attr

    def is_dict_call(self, call):
        """Is `call` a call of the builtin dict (no ** arguments)?"""
        return isinstance(call.func, gast.Name) and call.func.id not in self.own_names \
            and self.resolve(call.func) is dict and all(k.arg for k in call.keywords)

    def dict_call_parts(self, call):
        """`dict()` -> `{}`, `dict(k=v, ...)` -> `{'k': v, ...}` and `dict(m, k=v)` ->
        `_ntl.merged(dict(m), {'k': v})`: literals and calls that have rules."""
        literal = gast.Dict(keys=[n.const(k.arg) for k in call.keywords],
                            values=[k.value for k in call.keywords])
        if not call.args:
            return literal
        copied = gast.Call(func=call.func, args=call.args, keywords=[])
        return self.runtime_call("merged", copied, literal)

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
        e = renamed_copy(e, renames)
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
                   and x.id in self.nested for x in n.walk(e))


_NONLINEAR = (gast.Mult, gast.Div, gast.Pow, gast.MatMult, gast.Mod)


def _makes_dict(e):
    """A dict literal, or a call of a function named `dict` (resolved where it is used)."""
    return isinstance(e, gast.Dict) or isinstance(e, gast.Call) \
        and isinstance(e.func, gast.Name) and e.func.id == "dict"


def _plain_index(e):
    """An index (or slice bound) of names and literals, combined by arithmetic, items and
    attributes: `i + 1`, `idx[k]`, `m.T`.  What it reads is restored by the tape, so the
    backward sweep may evaluate it again; a comparison or a call is named instead."""
    return all(isinstance(x, (gast.Name, gast.Constant, gast.BinOp, gast.UnaryOp, gast.Tuple,
                              gast.List, gast.Subscript, gast.Slice, gast.Attribute,
                              gast.expr_context, gast.operator, gast.unaryop))
               for x in n.walk(e))


def _is_boolean(e):
    """A test made only of comparisons, `not` and boolean operators."""
    if isinstance(e, gast.BoolOp):
        return all(_is_boolean(v) for v in e.values)
    if isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.Not):
        return True
    return isinstance(e, gast.Compare) or (isinstance(e, gast.Constant)
                                           and isinstance(e.value, bool))


def _indexes_by_call(obj):
    """Is `obj` a module-level object whose `obj[...]` computes a value (np.r_, np.c_),
    rather than a container or array whose items are read?"""
    return obj is not None and not inspect.ismodule(obj) and not isinstance(obj, type) \
        and hasattr(type(obj), "__getitem__") \
        and not isinstance(obj, (numpy.ndarray, list, tuple, dict, str, bytes, range))
