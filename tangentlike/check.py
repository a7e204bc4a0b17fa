"""Stage 2, check: reject what tangentlike cannot differentiate, before transforming.

Receives a `ParsedFunction` from parse.  Guarantees: `check` returns None only if
every node of the function lies in the subset below; otherwise it raises an
`UnsupportedSyntaxError` located (file, line, column, source line) at the first
unsupported construct in source order, with a hint saying what to write instead.
Every gast statement and expression class is listed in `NODES`, as supported or as
rejected; a class missing from it is rejected too, so nothing passes unexamined.

The subset later stages may rely on:
- signature: positional, positional-only, keyword-only parameters, defaults;
  no `*args` / `**kwargs`.
- statements: Assign (targets: names; tuples/lists of names, nested; subscripts
  of a name or of a subscript; several targets), AugAssign with + - * / ** // % @
  on a name or such a subscript, AnnAssign with a value and a name target, If,
  For (target a name or tuple of names) and While, both without `else:`, Break,
  Continue, Return, Expr, Pass, Raise, Assert; nested FunctionDef and a Lambda
  assigned to a name or passed as a call's argument (their bodies checked alike).
- expressions: BoolOp, BinOp, UnaryOp, Compare, Call (no `*` / `**` arguments),
  IfExp, Name, Constant, Attribute (load only), Subscript, Slice, Tuple, List,
  Dict (no `**`), ListComp and GeneratorExp (not async), JoinedStr, FormattedValue.
"""

import gast

from . import nodes as n
from .errors import UnsupportedSyntaxError

SUPPORTED = "supported"

_HINT_RULE = "or register a rule for the function with tl.register_adjoint"
_HINT_ASYNC = "differentiate a synchronous function; run the async code outside it"
_HINT_NESTED = ("bind it to a name (square = lambda t: t * t) or write a nested def, "
                "and call it by that name")
_HINT_LOOP_ELSE = "use a flag variable set before `break` and an `if` after the loop"
_HINT_LOOP_TARGET = ("loop over a plain name (or a tuple of names) and assign "
                     "inside the loop body")
_HINT_PY2 = "use Python 3 syntax"
_HINT_STARRED_TARGET = "index explicitly: a, b = s[0], s[1:]"

# Every gast statement and expression class: SUPPORTED or (construct, hint).
NODES = {
    # statements
    gast.Assign: SUPPORTED,
    gast.AugAssign: SUPPORTED,
    gast.AnnAssign: SUPPORTED,
    gast.If: SUPPORTED,
    gast.For: SUPPORTED,
    gast.While: SUPPORTED,
    gast.Break: SUPPORTED,
    gast.Continue: SUPPORTED,
    gast.Return: SUPPORTED,
    gast.Expr: SUPPORTED,
    gast.Pass: SUPPORTED,
    gast.Raise: SUPPORTED,
    gast.Assert: SUPPORTED,
    gast.Try: ("try/except", "move the try/except outside the differentiated "
               "function, " + _HINT_RULE),
    gast.TryStar: ("try/except*", "move the try/except* outside the differentiated "
                   "function, " + _HINT_RULE),
    gast.With: ("with block", "move the with block outside the differentiated "
                "function, " + _HINT_RULE),
    gast.AsyncWith: ("async with", _HINT_ASYNC),
    gast.AsyncFor: ("async for", _HINT_ASYNC),
    gast.AsyncFunctionDef: ("async def (async function)", _HINT_ASYNC),
    gast.FunctionDef: SUPPORTED,       # nested: checked like the function (see _problems)
    gast.ClassDef: ("class definition inside the function",
                    "define the class at module level"),
    gast.Global: ("writes through global/nonlocal",
                  "return the value instead and assign it outside the function"),
    gast.Nonlocal: ("writes through global/nonlocal",
                    "return the value instead and assign it outside the function"),
    gast.Delete: ("del", "remove the del: rebind the name, or let it go out of scope"),
    gast.Import: ("import inside the function", "import at module level"),
    gast.ImportFrom: ("import inside the function", "import at module level"),
    gast.Match: ("match statement", "use if/elif/else"),
    gast.TypeAlias: ("type alias statement", "define the type alias at module level"),
    gast.Print: ("Python 2 print statement", _HINT_PY2),
    gast.Exec: ("Python 2 exec statement", _HINT_PY2),
    # expressions
    gast.BoolOp: SUPPORTED,
    gast.BinOp: SUPPORTED,
    gast.UnaryOp: SUPPORTED,
    gast.Compare: SUPPORTED,
    gast.Call: SUPPORTED,
    gast.IfExp: SUPPORTED,
    gast.Name: SUPPORTED,
    gast.Constant: SUPPORTED,
    gast.Attribute: SUPPORTED,
    gast.Subscript: SUPPORTED,
    gast.Slice: SUPPORTED,
    gast.Tuple: SUPPORTED,
    gast.List: SUPPORTED,
    gast.Dict: SUPPORTED,
    gast.ListComp: SUPPORTED,
    gast.GeneratorExp: SUPPORTED,
    gast.JoinedStr: SUPPORTED,
    gast.FormattedValue: SUPPORTED,
    gast.Starred: ("* unpacking", "pass the arguments explicitly, "
                   "or concatenate sequences with +"),
    gast.Lambda: ("lambda neither bound to a name nor passed as an argument "
                  "(nested function definitions / lambdas)", _HINT_NESTED),
    gast.Yield: ("yield (generator)", "build and return a list instead of yielding"),
    gast.YieldFrom: ("yield from (generator)",
                     "build and return a list instead of yielding"),
    gast.Await: ("await", _HINT_ASYNC),
    gast.NamedExpr: ("assignment expression (:=, walrus)",
                     "assign the value in its own statement before using it"),
    gast.Set: ("set display", "use a tuple or a list instead of a set"),
    gast.SetComp: ("set comprehension", "use a list comprehension instead"),
    gast.DictComp: ("dict comprehension",
                    "build the dict with a for loop: d = {} then d[k] = ..."),
    gast.TemplateStr: ("template string (t-string)", "use an f-string"),
    gast.Interpolation: ("template string (t-string)", "use an f-string"),
    gast.Repr: ("Python 2 backquotes", _HINT_PY2),
}

# Parts of the tree that are neither statements nor expressions; their children
# are checked.  Anything else (alias, withitem, excepthandler, match_case, patterns)
# only occurs under a rejected node and is rejected if ever reached.
_PASS_THROUGH = (gast.expr_context, gast.boolop, gast.operator, gast.unaryop,
                 gast.cmpop, gast.comprehension, gast.arguments, gast.keyword)

_AUGASSIGN_OPS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow,
                  gast.FloorDiv, gast.Mod, gast.MatMult)


def check(parsed):
    """Raise UnsupportedSyntaxError at the first unsupported construct of `parsed`.

    `parsed` is a `ParsedFunction`; returns None when the whole function (signature
    and body) is in the supported subset listed in this module's docstring.
    """
    problems = _function_problems(parsed.node)
    # Parents are yielded before their children, and min keeps the first of equal
    # positions, so a parent's more specific message wins over a child's.
    first = min(problems, key=_position, default=None)
    if first is None:
        return
    node, construct, hint = first
    filename, line, column, source_line = parsed.location(node)
    raise UnsupportedSyntaxError(construct, hint, filename=filename, line=line,
                                 column=column, source_line=source_line)


def _position(problem):
    node = problem[0]
    return getattr(node, "lineno", 0) or 0, getattr(node, "col_offset", 0) or 0


def _lambda_as_def(node):
    return gast.FunctionDef(name="<lambda>", args=node.args, body=[node.body],
                            decorator_list=[], returns=None, type_comment=None,
                            type_params=[])


def _function_problems(fn):
    """Problems in the signature and body of the function being differentiated."""
    args = fn.args
    if args.vararg is not None:
        yield args.vararg, "*args parameter", (
            "name the parameters (def f(x, y)), or pass a tuple as one argument")
    if args.kwarg is not None:
        yield args.kwarg, "**kwargs parameter", (
            "name the parameters (def f(x, *, scale=1.0)), or pass a dict as one argument")
    for child in [args, fn.returns, *fn.body]:
        if child is not None:
            yield from _problems(child)


def _problems(node):
    """Yield (node, construct, hint) for each unsupported construct in `node`."""
    if isinstance(node, gast.FunctionDef):          # a nested def: checked like its parent
        yield from _function_problems(node)
        return
    if isinstance(node, gast.Assign) and isinstance(node.value, gast.Lambda) \
            and len(node.targets) == 1 and isinstance(node.targets[0], gast.Name):
        yield from _function_problems(_lambda_as_def(node.value))   # square = lambda t: ...
        return
    kind = type(node)
    if isinstance(node, _PASS_THROUGH):
        entry = SUPPORTED
    else:
        entry = NODES.get(kind, (kind.__name__, "rewrite it with the constructs "
                                 "listed in the docstring of tangentlike.check"))
    if entry is not SUPPORTED:
        yield (node, *entry)
        return
    condition = _CONDITIONS.get(kind)
    if condition is not None:
        yield from condition(node)
    for child in n.children(node):
        if _is_lambda_argument(node, child):      # g(lambda t: t * x, x): checked as a def
            yield from _function_problems(_lambda_as_def(child))
        else:
            yield from _problems(child)


def _is_lambda_argument(parent, child):
    return isinstance(child, gast.Lambda) and isinstance(parent, (gast.Call, gast.keyword)) \
        and child is not getattr(parent, "func", None)


# Conditions on the parts of supported nodes -------------------------------------

def _assign(node):
    for target in node.targets:
        yield from _target(target)


def _augassign(node):
    if not isinstance(node.op, _AUGASSIGN_OPS):
        op = type(node.op).__name__
        yield node, f"augmented assignment with {op}", (
            "write it out in full, e.g. x = x | y instead of x |= y")
    yield from _target(node.target)


def _annassign(node):
    if node.value is None:
        yield node, "annotation without a value", "give it a value or remove the annotation"
    if isinstance(node.target, gast.Subscript):
        yield node.target, "annotated assignment to a subscript", (
            "remove the annotation")


def _target(target):
    """Assignment targets: names, tuples/lists of names, subscripts of names."""
    if isinstance(target, (gast.Tuple, gast.List)):
        for element in target.elts:
            if isinstance(element, (gast.Subscript, gast.Attribute)):
                yield element, "unpacking into a subscript or attribute", (
                    "unpack into plain names, then assign each item on its own line")
            else:
                yield from _target(element)
    elif isinstance(target, gast.Starred):
        yield target, "starred assignment target (a, *b = ...)", _HINT_STARRED_TARGET
    # An attribute target is rejected by the Attribute condition.


def _loop(node):
    if node.orelse:
        word = "for" if isinstance(node, gast.For) else "while"
        yield node, f"{word}/else", _HINT_LOOP_ELSE
    if isinstance(node, gast.For):
        yield from _loop_target(node.target)


def _loop_target(target):
    if isinstance(target, (gast.Tuple, gast.List)):
        for element in target.elts:
            yield from _loop_target(element)
    elif isinstance(target, gast.Starred):
        yield target, "starred assignment target (a, *b = ...)", _HINT_STARRED_TARGET
    elif not isinstance(target, gast.Name):
        yield target, "loop target other than a name", _HINT_LOOP_TARGET


def _call(node):
    for arg in node.args:
        if isinstance(arg, gast.Starred):
            yield arg, "*args at a call site", "pass the arguments explicitly (f(x, y))"
    for keyword in node.keywords:
        if keyword.arg is None:
            yield keyword, "**kwargs at a call site", (
                "pass the keyword arguments explicitly (f(x, scale=s))")


def _dict(node):
    for key, value in zip(node.keys, node.values):
        if key is None:
            yield value, "** unpacking in a dict display", (
                "write the keys out explicitly, or build the dict with a for loop")


def _comprehension(node):
    for generator in node.generators:
        if generator.is_async:
            yield node, "async comprehension", _HINT_ASYNC
        yield from _loop_target(generator.target)


def _attribute(node):
    if not isinstance(node.ctx, gast.Load):
        yield node, "assignment to an attribute (obj.x = v)", (
            "differentiating writes to object attributes is not supported; "
            "use a local variable or return the value")


def _subscript(node):
    container = node.value
    while isinstance(container, gast.Subscript):
        container = container.value
    if not isinstance(node.ctx, gast.Load) and not isinstance(container, gast.Name):
        yield node, "assignment into an item of a computed value or attribute", (
            "assign the container to a local variable (a = obj.items), "
            "modify it, and return it")


_CONDITIONS = {
    gast.Assign: _assign,
    gast.AugAssign: _augassign,
    gast.AnnAssign: _annassign,
    gast.For: _loop,
    gast.While: _loop,
    gast.Call: _call,
    gast.Dict: _dict,
    gast.ListComp: _comprehension,
    gast.GeneratorExp: _comprehension,
    gast.Attribute: _attribute,
    gast.Subscript: _subscript,
}
