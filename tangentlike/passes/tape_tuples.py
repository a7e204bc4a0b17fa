"""Optional pass "tape-tuples": several values the backward sweep needs, kept as one
tuple entry of the tape.

The transformation keeps them so where a split pair's forward sweep saves the values its
backward sweep reads (`PUSH((a, b))` ... `a, b = POP()`, PUSH and POP being `_push` and
`_pop` or `_tape.append` and `_tape.pop`): in CPython one list operation per call
instead of one per value.  This pass is on by default, and its rewrite is the one made
when it is off: `one_entry_per_value` gives each value its own entry.  Compiled code needs
that: Numba types a list by its entries, and a tuple among floats has no type, so the Numba
backend makes code without this pass (markers.PYTHON_ONLY).

Requires: the functions made together for one request (a split pair: the forward sweep
pushes, the backward sweep pops), as the transformation and recursion-loops leave them.
Rewrites (with the pass off): each statement `PUSH((n1, ..., nk))` of names into
`PUSH(n1)` ... `PUSH(nk)`, and each `n1, ..., nk = POP()` into `nk = POP()` ...
`n1 = POP()`.  Only where every tuple entry is pushed and popped whole in those two
shapes, as many pops of each length as pushes, and no entry is taken by `popped` (which
takes a recursion's entries in bulk): otherwise nothing changes.
Preserves: the values each name gets back.  A tuple entry of k values becomes k entries
pushed at the same place in the same order and popped at the same place in reverse, so
every other entry keeps its position relative to them and each pop still takes what its
push saved.
"""

import gast

from .. import nodes as n
from ..syntax import POP, PUSH, TAPE


def one_entry_per_value(functions):
    """`functions` with one tape entry per value, where that is safe (see above)."""
    if not _splittable(functions):
        return functions
    for function in functions:
        function.body = _split_statements(function.body)
    return functions


def _splittable(functions):
    pushed, popped_whole, whole = [], [], set()
    nodes = [x for f in functions for s in f.body for x in n.walk(s)]
    for node in nodes:
        if isinstance(node, gast.Expr) and _is_tape_call(node.value, PUSH, "append") \
                and _names_tuple(node.value.args[0]):
            pushed.append(len(node.value.args[0].elts))
            whole.add(id(node.value))
        elif isinstance(node, gast.Assign) and _is_tape_call(node.value, POP, "pop") \
                and _names_tuple(node.targets[0]):
            popped_whole.append(len(node.targets[0].elts))
    for node in nodes:
        if isinstance(node, gast.Call) and (_calls(node, "popped") or (
                _is_tape_call(node, PUSH, "append") and id(node) not in whole
                and isinstance(node.args[0], gast.Tuple))):
            return False      # entries taken in bulk, or a tuple pushed inside an expression
    return bool(pushed) and sorted(pushed) == sorted(popped_whole)


def _split_statements(stmts):
    out = []
    for s in stmts:
        for field in ("body", "orelse"):
            if isinstance(getattr(s, field, None), list):
                setattr(s, field, _split_statements(getattr(s, field)))
        if isinstance(s, gast.Expr) and _is_tape_call(s.value, PUSH, "append") \
                and _names_tuple(s.value.args[0]):
            out += [n.expr_stmt(n.call(n.copied(s.value.func), value), _line(s))
                    for value in s.value.args[0].elts]
        elif isinstance(s, gast.Assign) and _is_tape_call(s.value, POP, "pop") \
                and _names_tuple(s.targets[0]):
            out += [n.assign(target, n.call(n.copied(s.value.func)), _line(s))
                    for target in reversed(s.targets[0].elts)]
        else:
            out.append(s)
    return out


def _line(stmt):
    return getattr(stmt, "lineno", None)


def _is_tape_call(node, alias, method):
    """`alias(...)` or `_tape.<method>(...)`."""
    if not isinstance(node, gast.Call) or node.keywords:
        return False
    func = node.func
    return n.is_name(func, alias) or (isinstance(func, gast.Attribute) and func.attr == method
                                      and n.is_name(func.value, TAPE))


def _names_tuple(node):
    return isinstance(node, gast.Tuple) and all(isinstance(e, gast.Name) for e in node.elts)


def _calls(call, helper):
    """A call of the runtime helper `helper` (`_tl.popped(...)`, by any module name)."""
    return isinstance(call.func, gast.Attribute) and call.func.attr == helper
