"""Normalize: `for` loops over anything as loops over `range`.

Part of the desugaring pass (desugar.py), as the methods of `Loops`, which `Desugar`
inherits; they use its `namer`, `parsed` and its methods (`block`, `expr`, `hoist`,
`assign_to`).

Receives a `for` statement of the user's.  Guarantees `for NAME in range(...):` whose
bounds the body does not change (a bound that reads what the loop writes, or calls
other than pure builtins, is computed once before the loop): a loop over a list,
tuple, array, `enumerate`, `zip` or `reversed` becomes a loop over the indices of
the sequence (named first unless it is a name), its target assigned the item at
the head of the body.  Indexing gives what iterating gives: a surely-dict is read as
`_ntl.keys(d)`, and anything not surely a sequence (`is_sequence`: it may be a dict,
a set, an iterator) through `_ntl.iterated`, which makes it one; unpacking `a, b = e`
and the builtins that iterate an argument (`sum`, `min`, `max`, `list`, `tuple`) read
their argument the same way (desugar.py).  A loop's target that is not a name, or a
name the body binds again (an inner loop over `i` inside a loop over `i`), is
assigned from a fresh index (`for _i in range(...): i = _i`): the backward sweep
replays the loop over `_i`, and every read of `i` sees the value the primal read,
restored from the tape where it changed.
"""

import builtins

import gast
import numpy

from .. import nodes as n
from ..errors import TangentlikeError
from ..naming import assigned_names
from ..parse import is_user_function, parse_function


_PURE_BUILTINS = {"len", "int", "min", "max", "abs", "round"}
# arithmetic that neither a dict nor a set supports (the result, if any, is no mapping)
_NO_SET_OPERATORS = (gast.Add, gast.Mult, gast.Div, gast.FloorDiv, gast.Mod, gast.Pow,
                     gast.MatMult)


class Loops:
    """The methods of `Desugar` that lower `for` loops (see the module docstring)."""

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
            if isinstance(s.target, gast.Name) and s.target.id not in n.stored_names(body):
                s.body = self.block(body)
                out.append(s)
                return out
            index = self.namer.fresh("_i")
            head = self.assign_to(s.target, n.name(index), line)
            out.append(n.for_(index, it, head + self.block(body), line))
            return out
        index = None
        if callee == "enumerate" and len(it.args) == 1 and not it.keywords \
                and isinstance(s.target, gast.Tuple) and isinstance(s.target.elts[0], gast.Name) \
                and s.target.elts[0].id not in n.stored_names(s.body):
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
                    n.binop(n.name(index), gast.Add(), n.copied(start))
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
        e = self.expr(self.iterable(e), out, line, top=True)
        if isinstance(e, gast.Name):
            return e.id
        return self.hoist(e, out, line).id

    def iterable(self, e):
        """`e` as a sequence whose items, by index, are what `for` gives: a dict's keys
        (`_ntl.keys(d)`); `e` itself where it is surely a sequence (`is_sequence`);
        else `_ntl.iterated(e)` (a dict's keys, a list of what an iterator gives)."""
        if self.modules is None:
            return e
        if self.is_mapping(e):
            return self.runtime_call("keys", e)
        if self.is_sequence(e):
            return e
        return self.runtime_call("iterated", e)

    def is_sequence(self, e):
        """Whether `e` surely indexes the way it iterates, or fails as iterating it
        would (never a dict, a set or an iterator): `makes_sequence`, an argument of a
        kind that is not "other", a container of pytrees or an object, never
        rebound, or a local only ever assigned what `makes_sequence` accepts."""
        if isinstance(e, gast.Name) and e.id in self.own_names:
            if e.id in self.kinds and e.id not in self.rebound:
                return not self.kinds[e.id].startswith(("other", "tree:", "object:"))
            return e.id in self.sequences
        return self.makes_sequence(e)

    def makes_sequence(self, e):
        return makes_sequence(e, self.resolve)

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
        for sub in n.walk(e):
            if isinstance(sub, gast.Call):
                if not (isinstance(sub.func, gast.Name) and sub.func.id in _PURE_BUILTINS):
                    return False
            if isinstance(sub, gast.Name) and sub.id in assigned:
                return False
        return True


def makes_sequence(e, resolve, depth=0):
    """Whether `e` (read where `resolve` gives the objects of module-level names) is a
    list, tuple or str display, a list comprehension or a generator expression (made a
    list); a slice `x[a:b]`; arithmetic no dict
    or set supports (a `-` only of such a value); the result of list, tuple, sorted,
    range, a NumPy function or a function of the user's whose every `return` is one
    of these (or a local only ever assigned them: `returns_sequences`); a module's
    list, tuple, str or array."""
    if isinstance(e, (gast.List, gast.Tuple, gast.ListComp, gast.GeneratorExp, gast.UnaryOp)) \
            or isinstance(e, gast.Constant) and isinstance(e.value, str) \
            or isinstance(e, gast.Subscript) and isinstance(e.slice, gast.Slice) \
            or isinstance(e, gast.BinOp) and isinstance(e.op, _NO_SET_OPERATORS):
        return True
    if isinstance(e, gast.BinOp) and isinstance(e.op, gast.Sub):
        return makes_sequence(e.left, resolve, depth) or makes_sequence(e.right, resolve, depth)
    named = e.func if isinstance(e, gast.Call) else e
    obj = resolve(named) if isinstance(named, (gast.Name, gast.Attribute)) else None
    if not isinstance(e, gast.Call):
        return isinstance(obj, (list, tuple, str, numpy.ndarray))
    return any(obj is f for f in (list, tuple, sorted, range)) \
        or str(getattr(obj, "__module__", None)).startswith("numpy") \
        or depth < _CALLEE_DEPTH and returns_sequences(obj, depth + 1)


_CALLEE_DEPTH = 2          # (a callee's callee's returns are read; deeper ones are not)


def locals_made_by(fdef, makes):
    """The names `fdef` only ever assigns values `makes(e)` accepts (`d = {...}`)."""
    literal_targets, made, others = set(), set(), set()
    for node in n.walk(fdef):            # (breadth first: an Assign before its targets)
        if isinstance(node, gast.Assign) and makes(node.value):
            literal_targets.update(id(t) for t in node.targets if isinstance(t, gast.Name))
        elif isinstance(node, gast.Name) and not isinstance(node.ctx, gast.Load):
            (made if id(node) in literal_targets else others).add(node.id)
    return made - others


def returns_sequences(fn, depth=1):
    """Whether `fn` is a function of the user's (no generator, no nested function)
    whose every `return` gives what `makes_sequence` accepts or a local only ever
    assigned such values."""
    if not is_user_function(fn):
        return False
    try:
        parsed = parse_function(fn, shared=True)
    except TangentlikeError:
        return False
    node = parsed.node
    if any(isinstance(x, (gast.Yield, gast.YieldFrom, gast.FunctionDef, gast.Lambda))
           for x in n.walk(node) if x is not node):
        return False
    own = assigned_names(node)

    def makes(e):
        return makes_sequence(e, lambda x: parsed.resolve_expression(x, own), depth)
    made = locals_made_by(node, makes)
    returns = [x.value for x in n.walk(node) if isinstance(x, gast.Return)]
    return bool(returns) and all(r is not None and (makes(r) or n.is_name(r) and r.id in made)
                                 for r in returns)
