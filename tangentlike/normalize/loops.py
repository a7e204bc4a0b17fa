"""Normalize: `for` loops over anything as loops over `range`.

Part of the desugaring pass (desugar.py), as the methods of `Loops`, which `Desugar`
inherits; they use its `namer`, `parsed` and its methods (`block`, `expr`, `hoist`,
`assign_to`).

Receives a `for` statement of the user's.  Guarantees `for NAME in range(...):` whose
bounds the body does not change (a bound that reads what the loop writes, or calls
other than pure builtins, is computed once before the loop): a loop over a list,
tuple, array, `enumerate`, `zip` or `reversed` becomes a loop over the indices of
the sequence (named first unless it is a name; a dict's keys, `_ntl.keys(d)`, and an
argument that may be a dict through `_ntl.iterated`), its target assigned the item at
the head of the body; a target that is not a name, or a name the body binds again (an
inner loop over `i` inside a loop over `i`), is assigned from a fresh index (`for _i
in range(...): i = _i`): the backward sweep replays the loop over `_i`, and every
read of `i` sees the value the primal read, restored from the tape where it changed.
"""

import builtins

import gast

from .. import nodes as n


_PURE_BUILTINS = {"len", "int", "min", "max", "abs", "round"}


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
        """`e` as a sequence of what `for` gives: a dict's keys (`_ntl.keys(d)`), and,
        for an argument that may be a dict (of kind "other"), `_ntl.iterated(xs)`."""
        if self.modules is None:
            return e
        if self.is_mapping(e):
            return self.runtime_call("keys", e)
        if isinstance(e, gast.Name) and self.kinds.get(e.id) == "other":
            return self.runtime_call("iterated", e)
        return e

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
