"""Normalize: the nested functions of a body, found, checked and removed.

Receives statement lists of a checked function (gast).  Gives the vocabulary the
passes that write calls out share: `nested_functions(body, parsed)` maps each nested


def and each lambda bound to a name (in branches and loops too, not inside nested
functions) to one FunctionDef, and rejects a name defined twice; `reject_escaping`
rejects, located, a nested function still named once its calls are written out
(passed as a value, or called where nothing writes the call out);
`without_definitions` drops the definitions; `substitute` and `renamed_copy` give copies
of statements with names replaced.  Nothing here changes the statements it is given,
but `without_definitions`, which rewrites the blocks of the compound statements of
the body in place.
"""


import gast

from .. import nodes as n
from ..errors import UnsupportedSyntaxError


def nested_functions(body, parsed):
    """name -> FunctionDef of the functions defined (or lambdas bound) in `body`, in its
    branches and loops too; a name defined twice is an error (each call is written
    out from the one definition of its name)."""
    out = {}
    for name_, s in named_definitions(body):
        if name_ in out:
            filename, line, column, text = parsed.location(s)
            raise UnsupportedSyntaxError(
                f"a nested function defined more than once ({name_!r})",
                "give each definition a name of its own", filename=filename, line=line,
                column=column, source_line=text)
        out[name_] = s if isinstance(s, gast.FunctionDef) else \
            lambda_def(name_, s.value, n.line_of(s))
    return out


def named_definitions(body):
    """(name, statement) of each nested def and lambda bound to a name in `body`, in
    its compound statements too, but not inside the nested functions themselves."""
    for s in body:
        if isinstance(s, gast.FunctionDef):
            yield s.name, s
        elif is_definition(s):
            yield s.targets[0].id, s
        elif isinstance(s, (gast.If, gast.For, gast.While)):
            yield from named_definitions(s.body)
            yield from named_definitions(s.orelse)


def is_definition(s):
    """A nested def, or a lambda bound to a name."""
    return isinstance(s, gast.FunctionDef) or isinstance(s, gast.Assign) \
        and isinstance(s.value, gast.Lambda) and isinstance(s.targets[0], gast.Name)


def substitute(stmts, values):
    """`stmts` with each read of a name in `values` replaced by a copy of its expression."""
    class Substitute(n.Transformer):
        def visit_Name(self, node):
            if node.id in values and isinstance(node.ctx, gast.Load):
                return n.copied(values[node.id])
            return node
    return [Substitute().visit(s) for s in stmts]


def without_definitions(body):
    """`body` less its nested function definitions (in its branches and loops too),
    every call of which is written out."""
    out = []
    for s in body:
        if is_definition(s):
            continue
        if isinstance(s, (gast.If, gast.For, gast.While)):
            s.body = without_definitions(s.body) or [gast.Pass()]
            s.orelse = without_definitions(s.orelse)
        out.append(s)
    return out


def lambda_def(name_, lam, line):
    """The FunctionDef `name_` that lambda `lam` stands for."""
    return gast.FunctionDef(name=name_, args=lam.args,
                            body=[n.set_line(gast.Return(value=lam.body), line)],
                            decorator_list=[], returns=None, type_comment=None, type_params=[])


def without_docstring(body):
    """`body` less the docstring it opens with, if any."""
    if body and isinstance(body[0], gast.Expr) and n.is_const(body[0].value) \
            and isinstance(body[0].value.value, str):
        return body[1:]
    return body


def reject_escaping(body, nested, parsed):
    """A nested function still named once its calls are written out is an error: one
    used other than by calling it (passed on, stored), or called where nothing writes
    the call out; the derivative has no such function to refer to."""
    if not nested:
        return
    called = set()
    for node in outside_definitions(body):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name):
            called.add(id(node.func))
    for node in outside_definitions(body):
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


def outside_definitions(body):
    """Every node of `body` but those of its nested function definitions, depth first
    in source order (a node before its children)."""
    stack = [s for s in reversed(body) if not is_definition(s)]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        yield node
        for x in reversed(n.children(node)):
            if not isinstance(x, _MAYBE_DEFINITIONS) or not is_definition(x):
                push(x)


_MAYBE_DEFINITIONS = (gast.FunctionDef, gast.Assign)


def renamed_copy(node, renames):
    """A copy of `node` with its names renamed by `renames`."""
    node = n.copied(node)
    for sub in n.walk(node):
        if isinstance(sub, gast.Name) and sub.id in renames:
            sub.id = renames[sub.id]
    return node
