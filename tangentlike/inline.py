"""Template inlining: a rule template's body, specialized to one call site.

Receives a parsed `Template` (rules/registry.py), the call's argument
expressions and the placeholder expressions (`g`, `ans`, tangents).  Guarantees
straight-line statements and one expression per wanted parameter, with
parameters and placeholders substituted, template locals renamed by the namer,
`if p is None:` resolved, modules referred to by names valid in the generated
module (recorded in `ModuleNames` so emit can import them), expressions used
more than once bound to temporaries, and trivial arithmetic folded
(`x ** 1` -> `x`, `2 - 1` -> `1`).
"""

import math
import weakref

import gast
import numpy

from . import nodes as n
from . import numpy_runtime, runtime
from .naming import helper_of, mark_helper
from .rules.registry import XP


class Inliner:
    """Specializes templates into generated statements."""

    def __init__(self, namer, modules):
        self.namer = namer
        self.modules = modules

    def need_runtime(self):
        return self.modules.name_for(runtime)

    def helper(self, name_, *args, numpy=False):
        """A marked call of the runtime helper `name_` (numpy=True: numpy_runtime's)."""
        return self.modules.call(numpy_runtime if numpy else runtime, name_, *args)

    def inline(self, template, bound, placeholders, wanted, scalar, bindings):
        """(statements, outputs by parameter index) for `wanted` parameters.

        bound: parameter -> argument expression; placeholders: name -> expression.
        Expressions that must be evaluated once are bound to temporaries appended
        to `bindings`.
        """
        body = _resolve_static_ifs(_marked_body(template), bound)
        returned = body.pop()
        ret = returned.value
        results = list(ret.elts) if isinstance(ret, gast.Tuple) else [ret]
        kept_at = [k for k in range(len(results)) if template.params[k] in wanted]
        uses, stored = _counted_names(template, body, returned, results, kept_at)
        substitution = {}
        for p in template.params:
            if p in bound:
                substitution[p] = bound[p]
            else:
                substitution[p] = _literal(template.defaults.get(p))
        substitution.update(placeholders)
        for key, expr in list(substitution.items()):
            if uses.get(key, 0) > 1 and not _is_atomic(expr):
                temp = self.namer.temp("_b")
                bindings.append(n.assign(temp, n.copied(expr)))
                substitution[key] = n.name(temp)
        for target in stored:              # (a derivative temporary: it may hold one,
            if target not in substitution:  # and the zero guards must see it)
                substitution[target] = n.name(self.namer.temp("_b"))
        for mod_name, module in template.globals.items():
            if uses.get(mod_name):
                substitution[mod_name] = n.name(self.modules.name_for(module))
        if uses.get(XP):
            substitution[XP] = n.name(self.modules.name_for(math if scalar else numpy))
        statements = [_instantiated(s, substitution) for s in body]
        outputs = [None] * len(template.params)
        for k in kept_at:
            outputs[k] = _instantiated(results[k], substitution)
        return statements, outputs


_MARKED = weakref.WeakKeyDictionary()     # template -> a copy of its body, helpers marked


def _marked_body(template):
    """A copy of `template`'s body with its helper calls marked, made once."""
    body = _MARKED.get(template)
    if body is None:
        body = _MARKED[template] = n.copied(template.body)
        _mark_helpers(body, template.globals)
    return body


_COUNTED = weakref.WeakKeyDictionary()    # template -> {its kept parts: _uses_and_stores}


def _counted_names(template, body, returned, results, kept_at):
    """`_uses_and_stores` of the statements `body` and the results at `kept_at` of the
    statement `returned`, parts of `template`'s marked body (the names their specialized
    copies read and store), found once for each choice of the parts."""
    counted = _COUNTED.get(template)
    if counted is None:
        counted = _COUNTED[template] = {}
    key = (tuple(map(id, body)), id(returned), tuple(kept_at))
    found = counted.get(key)
    if found is None:
        found = counted[key] = _uses_and_stores(body, [results[k] for k in kept_at])
    return found


def _mark_helpers(body, template_globals):
    """Mark the template's calls of runtime helpers (`_ntl.spread(...)`) with the
    function they call, as `ModuleNames.call` marks the transformers' own."""
    for call in (x for s in body for x in n.walk(s) if isinstance(x, gast.Call)):
        func = call.func
        if isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name):
            module = template_globals.get(func.value.id)
            if module is runtime or module is numpy_runtime:
                mark_helper(call, getattr(module, func.attr))


def _literal(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return n.const(value)
    raise TypeError(f"template default {value!r} is not a literal")


def _is_atomic(expr):
    return isinstance(expr, (gast.Name, gast.Constant))


def _uses_and_stores(body, kept):
    """How many times each name is read in `body` and the `kept` expressions, and the
    names `body` stores to, in the order met (each statement walked in ast.walk's)."""
    uses, stored = {}, []
    for tree, in_body in [(s, True) for s in body] + [(e, False) for e in kept]:
        for sub in n.walk(tree):
            if isinstance(sub, gast.Name):
                if isinstance(sub.ctx, gast.Load):
                    uses[sub.id] = uses.get(sub.id, 0) + 1
                elif in_body and isinstance(sub.ctx, gast.Store):
                    stored.append(sub.id)
    return uses, stored


def _instantiated(node, mapping):
    """A copy of `node`, a part of a template, with each name in `mapping` replaced by a
    copy of its expression, made in one pass: each node copied (its other attributes,
    marks included, as `copied` takes them) with its fields instantiated, then folded."""
    if isinstance(node, gast.Name) and node.id in mapping:
        replacement = n.copied(mapping[node.id])
        if isinstance(node.ctx, gast.Store):
            replacement.ctx = gast.Store()      # stored to where the name was
        return _folded_tree(replacement)
    cls = node.__class__
    new = cls.__new__(cls)
    state, fields = new.__dict__, cls._fields
    for key, value in node.__dict__.items():
        if key not in fields:
            value = n.copied(value)
        elif isinstance(value, gast.AST):
            value = _instantiated(value, mapping)
        elif type(value) is list:
            value = [_instantiated(x, mapping) if isinstance(x, gast.AST) else n.copied(x)
                     for x in value]
        else:
            value = n.copied(value)
        state[key] = value
    return _simplified(new)


def _folded_tree(node):
    """`node` changed in place: the arithmetic made trivial folded, from the leaves up."""
    if isinstance(node, gast.Name):
        return node
    for field in node._fields:
        value = getattr(node, field, None)
        if isinstance(value, gast.AST):
            setattr(node, field, _folded_tree(value))
        elif isinstance(value, list):
            value[:] = [_folded_tree(x) if isinstance(x, gast.AST) else x for x in value]
    return _simplified(node)


def _simplified(node):
    """`node` with its own trivial arithmetic folded (its operands already are)."""
    if isinstance(node, gast.BinOp):
        return _folded(node)
    if isinstance(node, gast.UnaryOp):
        return n.without_double_negation(node)
    return node


def _resolve_static_ifs(stmts, bound):
    """Replace `if p is None:` / `if p is not None:` by the branch that applies (in a
    new list of the statements themselves: `inline` copies only what it keeps)."""
    out = []
    for s in stmts:
        if isinstance(s, gast.If):
            decided = _static_test(s.test, bound)
            if decided is not None:
                out.extend(_resolve_static_ifs(s.body if decided else s.orelse, bound))
                if out and isinstance(out[-1], gast.Return):
                    return out
                continue
        out.append(s)
        if isinstance(s, gast.Return):
            return out
    return out


def _static_test(test, bound):
    if (isinstance(test, gast.Compare) and len(test.ops) == 1
            and isinstance(test.left, gast.Name) and n.is_const(test.comparators[0])
            and test.comparators[0].value is None
            and isinstance(test.ops[0], (gast.Is, gast.IsNot))):
        arg = bound.get(test.left.id)
        is_none = arg is None or (isinstance(arg, gast.Constant) and arg.value is None)
        return is_none if isinstance(test.ops[0], gast.Is) else not is_none
    return None


def _number(node):
    return (isinstance(node, gast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))


_ARITHMETIC = {gast.Add: lambda a, b: a + b, gast.Sub: lambda a, b: a - b,
               gast.Mult: lambda a, b: a * b}


def _folded(node):
    """BinOp `node` (its operands folded already) with trivial arithmetic folded."""
    left, right, op = node.left, node.right, node.op
    if _number(left) and _number(right) and isinstance(op, (gast.Add, gast.Sub, gast.Mult)):
        return n.const(_ARITHMETIC[type(op)](left.value, right.value))
    if isinstance(op, gast.Pow) and _number(right) and right.value == 1:
        return left
    if isinstance(op, gast.Mult) and _number(right) and right.value == 1 \
            and isinstance(right.value, int):
        return left
    if isinstance(op, gast.Mult) and _number(left) and left.value == 1 \
            and isinstance(left.value, int):
        return right
    return node


def without_negation(e):
    """`c` when `e` is `-c`, or a product or quotient with a negated factor
    (`-a * b`, `a * -b / c`), else None: `-c` and `e` are the same value, bit for bit."""
    if isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.USub):
        return e.operand
    if isinstance(e, gast.BinOp) and isinstance(e.op, (gast.Mult, gast.Div)):
        inner = without_negation(e.left)
        if inner is not None:
            return gast.BinOp(left=inner, op=e.op, right=e.right)
        if isinstance(e.right, gast.UnaryOp) and isinstance(e.right.op, gast.USub):
            return gast.BinOp(left=e.left, op=e.op, right=e.right.operand)   # a * -b
    if isinstance(e, gast.Call) and helper_of(e) in LINEAR_REDUCTIONS and e.args \
            and not e.keywords:
        inner = without_negation(e.args[0])     # the reduction of -c is minus that of c
        if inner is not None:
            return mark_helper(gast.Call(func=e.func, args=[inner] + list(e.args[1:]),
                                         keywords=[]), helper_of(e))
    return None


# helpers linear in their first argument, through which a negation passes
LINEAR_REDUCTIONS = frozenset({runtime.unbroadcast, numpy_runtime.spread, numpy_runtime.sum_like})
