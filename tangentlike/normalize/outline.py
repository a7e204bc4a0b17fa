"""Checkpointed loops, outlined: `for i in tl.checkpointed(range(n), snapshots=k):`.

Receives the user's statements (gast, before desugaring) and the `ParsedFunction`.
Guarantees, in reverse mode (`outline_loops`), that each such loop becomes one call

    x, y = loop_11(range(n), k, x, y, p)

of a loop function made here: its state `x, y` are the names the body assigns that
are bound before the loop (the loop-carried state), `p` the function's own names the
body only reads (invariants).  Two functions are made, with a source file of their
own (so tangentlike reads them as it reads the user's) and recorded as an `Outline`
on the loop function (checkpoints.OUTLINED), which the parsed function's namespace
then holds under its name:

    def loop_11_body(i, x, y, p):          # the body, as the user wrote it
        <body>
        return x, y

    def loop_11(_range, _snapshots, x, y, p):
        for i in _range:
            x, y = loop_11_body(i, x, y, p)
        return x, y

Reverse mode then calls the loop through the pair `_tl.checkpointed_split(
loop_11_body, ...)` (pipeline.reverse_callees, revolve.py).  Forward mode
(`plain_loops`) drops the mark: `for i in range(n):`.

What a body may not do, each a located UnsupportedSyntaxError naming a fix: leave
the loop (`break`, `continue`, `return`, `yield`), declare `global`/`nonlocal`,
assign the loop variable, write into (items, attributes, mutating methods, `out=`,
augmented assignments such as `x += ...`, in place for an array) a value it did not
assign itself, call a function defined inside the function, read
a name it binds only later in the step (the previous step's value) without binding
it before the loop, or bind a name that the function reads after the loop without
binding it first.
`tl.checkpointed` anywhere but a `for` statement's iterable is rejected too.
"""

import ast
import linecache

import gast

from .. import nodes as n
from ..checkpoints import OUTLINED, checkpointed
from ..errors import UnsupportedSyntaxError

_MUTATORS = {"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
             "update", "setdefault", "popitem", "fill", "put", "itemset", "resize",
             "setfield", "partition", "__setitem__", "__iadd__", "__imul__"}
_LEAVES = {gast.Break: "`break`", gast.Continue: "`continue`", gast.Return: "`return`",
           gast.Yield: "`yield`", gast.YieldFrom: "`yield from`", gast.Global: "`global`",
           gast.Nonlocal: "`nonlocal`", gast.Await: "`await`"}


class Outline:
    """A checkpointed loop's functions: `body` (the step) and `loop`, their names, and
    how many of the parameters after the step's index are the loop's state."""

    def __init__(self, loop, body, carried, line):
        self.loop, self.body, self.carried, self.line = loop, body, carried, line


def is_checkpointed(parsed, expr):
    """Whether `expr` is a call of tl.checkpointed."""
    return isinstance(expr, gast.Call) and \
        parsed.resolve_expression(expr.func, ()) is checkpointed


def plain_loops(body, parsed):
    """`body` with each `tl.checkpointed(r, snapshots=k)` iterable replaced by `r`."""
    body = n.copied(body)
    for node in _walk(body):
        if isinstance(node, gast.For) and is_checkpointed(parsed, node.iter):
            _range_of(parsed, node)
            node.iter = node.iter.args[0]
    _reject_elsewhere(body, parsed)
    return body


def outline_loops(body, parsed, fdef, namer):
    """`body` with each checkpointed loop replaced by a call of its loop function."""
    body = n.copied(body)
    _reject_elsewhere(body, parsed, {id(x.iter) for x in _walk(body) if isinstance(x, gast.For)})
    return _block(body, parsed, fdef, namer)


def _block(stmts, parsed, fdef, namer):
    out = []
    for s in stmts:
        if isinstance(s, gast.For) and is_checkpointed(parsed, s.iter):
            out.extend(_outlined(s, parsed, fdef, namer))
            continue
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(s, field, None), list):
                setattr(s, field, _block(getattr(s, field), parsed, fdef, namer))
        if isinstance(s, gast.Try):
            for handler in s.handlers:
                handler.body = _block(handler.body, parsed, fdef, namer)
        out.append(s)
    return out


def _outlined(loop, parsed, fdef, namer):
    """The statements replacing one checkpointed loop (see the module docstring)."""
    def fail(node, construct, hint):
        filename, line, column, text = parsed.location(node)
        raise UnsupportedSyntaxError(construct, hint, filename=filename, line=line,
                                     column=column, source_line=text)

    ranged, snapshots = _range_of(parsed, loop)
    if not isinstance(loop.target, gast.Name):
        fail(loop, "a checkpointed loop over a tuple target",
             "loop over one index: `for i in tl.checkpointed(range(n), snapshots=k):`")
    if loop.orelse:
        fail(loop, "`else:` on a checkpointed loop", "move the else block after the loop")
    index = loop.target.id
    _check_body(loop, index, fail)
    end = max(getattr(x, "end_lineno", None) or getattr(x, "lineno", 0) or 0
              for x in n.walk(loop))
    assigned = _stored(loop.body)
    params = {a.id for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs}
    params |= {a.id for a in (fdef.args.vararg, fdef.args.kwarg) if a is not None}
    before = params | {x.id for x in _names([fdef])
                       if not isinstance(x.ctx, gast.Load) and 0 < _line(x) < loop.lineno}
    order = [x.id for x in _names(loop.body)]                  # as first met
    after = {x.id: x for x in _names([fdef])
             if isinstance(x.ctx, gast.Load) and _line(x) > end}
    stored_at = {}
    for x in _names(loop.body):
        if not isinstance(x.ctx, gast.Load):
            stored_at[x.id] = min(stored_at.get(x.id, _line(x)), _line(x))
    # the state: what a step reads before binding it (a read on the line of the first
    # binding counts: `x = f(x)`), or the function reads after the loop; a name the
    # step only rebinds (an inner loop's index) is the step's own
    read_first = {x.id for x in _names(loop.body) if isinstance(x.ctx, gast.Load)
                  and _line(x) <= stored_at.get(x.id, 0)}
    carried = sorted(assigned & before & (read_first | set(after)) - {index},
                     key=order.index)
    for name_ in sorted((assigned | {index}) - set(carried)):
        if name_ in after:
            fail(after[name_], f"reading `{name_}` after the checkpointed loop that binds it",
                 f"bind `{name_}` before the loop (so that it is carried from step to step)"
                 if name_ != index else f"compute the last index yourself instead of "
                                        f"reading `{index}` after the loop")
    first_store = {}
    for x in _names(loop.body):
        if not isinstance(x.ctx, gast.Load):
            first_store[x.id] = min(first_store.get(x.id, _line(x)), _line(x))
    for x in _names(loop.body):
        if isinstance(x.ctx, gast.Load) and x.id not in carried and _line(x) < first_store.get(x.id, 0):
            fail(x, f"reading `{x.id}` in a checkpointed loop before the step binds it",
                 f"bind `{x.id}` before the loop (so that it is carried from step to step)")
    locals_ = {x.id for x in _names([fdef]) if not isinstance(x.ctx, gast.Load)} | params
    nested = {x.name for x in n.walk(fdef) if isinstance(x, gast.FunctionDef)
              and x is not fdef} | {x.targets[0].id for x in n.walk(fdef)
                                    if isinstance(x, gast.Assign) and isinstance(x.value,
                                                                                 gast.Lambda)
                                    and isinstance(x.targets[0], gast.Name)}
    read = {x.id: x for x in _names(loop.body) if isinstance(x.ctx, gast.Load)}
    for name_ in sorted(set(read) & nested):
        fail(read[name_], f"calling `{name_}`, a function defined inside "
                          f"{parsed.node.name}, in a checkpointed loop",
             f"define `{name_}` at module level")
    invariants = sorted((set(read) & locals_) - assigned - {index}, key=order.index)
    if not carried:
        loop.iter = ranged
        return [loop]
    line = loop.lineno + parsed.line_offset
    base = namer.fresh(f"loop_{line}")
    step_name, loop_name = namer.fresh(f"{base}_body"), base
    state = ", ".join(carried)
    arguments = ", ".join([*carried, *invariants])
    body_text = ast.unparse(ast.Module(body=[gast.gast_to_ast(s) for s in loop.body],
                                       type_ignores=[]))
    step_source = (f"def {step_name}({index}, {arguments}):\n"
                   + "".join(f"    {text}\n" for text in body_text.splitlines())
                   + f"    return {state}\n")
    loop_source = (f"def {loop_name}(_range, _snapshots, {arguments}):\n"
                   f"    for {index} in _range:\n"
                   f"        {state} = {step_name}({index}, {arguments})\n"
                   f"    return {state}\n")
    scope = dict(parsed.namespace)
    filename = f"{parsed.filename} (checkpointed loop at line {line})"
    text = step_source + "\n\n" + loop_source
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    exec(compile(text, filename, "exec"), scope)               # noqa: S102
    loop_function, step = scope[loop_name], scope[step_name]
    setattr(loop_function, OUTLINED, Outline(loop_function, step, len(carried), line))
    step.source_text, loop_function.source_text = step_source, loop_source
    parsed.namespace[loop_name] = loop_function
    targets = [gast.Name(id=x, ctx=gast.Store(), annotation=None, type_comment=None)
               for x in carried]
    call = gast.Call(func=gast.Name(id=loop_name, ctx=gast.Load(), annotation=None,
                                    type_comment=None),
                     args=[ranged, snapshots] + [gast.Name(id=x, ctx=gast.Load(),
                                                           annotation=None, type_comment=None)
                                                 for x in [*carried, *invariants]],
                     keywords=[])
    target = targets[0] if len(targets) == 1 else gast.Tuple(elts=targets, ctx=gast.Store())
    out = gast.Assign(targets=[target], value=call, type_comment=None)
    gast.copy_location(out, loop)
    for node in n.walk(out):
        gast.copy_location(node, loop)
    return [out]


def _range_of(parsed, loop):
    """(the range, the snapshots expression) of `tl.checkpointed(range(...), snapshots=k)`."""
    call = loop.iter
    snapshots = [k.value for k in call.keywords if k.arg == "snapshots"]
    ranged = call.args[0] if len(call.args) == 1 else None
    if ranged is None or len(snapshots) != 1 or len(call.keywords) != 1 or not (
            isinstance(ranged, gast.Call)
            and parsed.resolve_expression(ranged.func, ()) is range):
        filename, line, column, text = parsed.location(call)
        raise UnsupportedSyntaxError(
            "this call of tl.checkpointed", "write `tl.checkpointed(range(...), snapshots=k)`",
            filename=filename, line=line, column=column, source_line=text)
    return ranged, snapshots[0]


def _check_body(loop, index, fail):
    own = set()                 # names the body has bound so far, in order
    for s in loop.body:
        for x in _walk_outside_inner_loops(s):
            if type(x) in _LEAVES:
                fail(x, f"{_LEAVES[type(x)]} inside a checkpointed loop",
                     "keep the loop whole: compute a flag and test it in every step, "
                     "or leave tl.checkpointed out")
        for x in n.walk(s):
            if isinstance(x, gast.Name) and not isinstance(x.ctx, gast.Load) and x.id == index:
                fail(x, f"assigning the loop variable `{index}` in a checkpointed loop",
                     "use another name")
            if isinstance(x, gast.AugAssign) and isinstance(x.target, gast.Name) \
                    and x.target.id not in own:
                name_ = x.target.id
                fail(x, f"an augmented assignment to `{name_}` (in place, for an array), "
                        f"which the checkpointed loop did not create",
                     f"write `{name_} = {name_} + ...` (the step then builds a new value), or "
                     f"make the step own it first: `{name_} = {name_}.copy()`")
            written = _written_base(x)
            if written is not None and written.id not in own:
                fail(x, f"writing into `{written.id}`, which the checkpointed loop did not "
                        f"create",
                     f"make the step build its own value (`{written.id} = "
                     f"{written.id}.copy()` first in the loop carries it as state), or "
                     f"leave tl.checkpointed out")
        own |= _stored([s])


def _written_base(x):
    """The Name a statement part writes through (item, attribute, mutating method,
    `out=`), or None."""
    target = None
    if isinstance(x, (gast.Subscript, gast.Attribute)) and not isinstance(x.ctx, gast.Load):
        target = x.value
    elif isinstance(x, gast.Call):
        if isinstance(x.func, gast.Attribute) and x.func.attr in _MUTATORS:
            target = x.func.value
        for k in x.keywords:
            if k.arg == "out":
                target = k.value
    while isinstance(target, (gast.Subscript, gast.Attribute)):
        target = target.value
    return target if isinstance(target, gast.Name) else None


def _walk_outside_inner_loops(node):
    """The nodes of `node`, not entering the bodies of loops nested in it (a `break`
    there ends the inner loop) or of functions."""
    yield node
    if isinstance(node, (gast.FunctionDef, gast.Lambda)):
        return
    for field, value in gast.iter_fields(node):
        if isinstance(node, (gast.For, gast.While)) and field == "body":
            for s in value:
                for x in n.walk(s):
                    if isinstance(x, (gast.Return, gast.Yield, gast.YieldFrom)):
                        yield x
            continue
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, gast.AST):
                yield from _walk_outside_inner_loops(child)


def _stored(stmts):
    return {x.id for x in _names(stmts) if not isinstance(x.ctx, gast.Load)}


_COMPREHENSIONS = (gast.ListComp, gast.SetComp, gast.DictComp, gast.GeneratorExp)


def _names(nodes):
    """The Name nodes under `nodes` that name the function's own variables: not the
    targets of comprehensions or the parameters of lambdas, nor their uses inside
    them (Python scopes those to the comprehension or lambda)."""
    for node in nodes:
        yield from _scoped(node, frozenset())


def _scoped(node, hidden):
    if isinstance(node, gast.Name):
        if node.id not in hidden:
            yield node
    elif isinstance(node, _COMPREHENSIONS):
        for generator in node.generators:
            yield from _scoped(generator.iter, hidden)
            hidden = hidden | {x.id for x in n.walk(generator.target)
                               if isinstance(x, gast.Name)}
            for condition in generator.ifs:
                yield from _scoped(condition, hidden)
        for part in (node.key, node.value) if isinstance(node, gast.DictComp) else (node.elt,):
            yield from _scoped(part, hidden)
    elif isinstance(node, gast.Lambda):
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d]:
            yield from _scoped(default, hidden)
        params = {x.id for x in n.walk(node.args) if isinstance(x, gast.Name)}
        yield from _scoped(node.body, hidden | params)
    else:
        for child in gast.iter_child_nodes(node):
            yield from _scoped(child, hidden)


def _line(node):
    return getattr(node, "lineno", 0) or 0


def _walk(stmts):
    for s in stmts:
        yield from n.walk(s)


def _reject_elsewhere(body, parsed, allowed=()):
    """tl.checkpointed anywhere but the iterable of a `for` statement (`allowed`)."""
    for x in _walk(body):
        if id(x) not in allowed and is_checkpointed(parsed, x):
            filename, line, column, text = parsed.location(x)
            raise UnsupportedSyntaxError(
                "tl.checkpointed outside a for statement's iterable",
                "write `for i in tl.checkpointed(range(n), snapshots=k):`",
                filename=filename, line=line, column=column, source_line=text)
