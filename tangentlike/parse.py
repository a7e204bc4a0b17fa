"""Stage 1, parse: a Python function -> its gast tree plus where it came from.

Receives a plain Python function.  Guarantees a `ParsedFunction` whose `node` is
the gast `FunctionDef` (decorators stripped), whose line numbers are relative to
the dedented source, and whose `location(node)` maps any node back to the user's
file, line, column and source line.  `namespace` resolves every global and
closure name the function can see (a function `@tl.differentiate` wraps is seen through
to the function).  `is_user_function` says which callables are
read from their source (a Python function without a rule, not a derivative).
"""

import ast
import builtins
import copy
import functools
import inspect
import io
import sys
import textwrap
import tokenize
from dataclasses import dataclass, field

import gast

from . import nodes as n
from .errors import SourceUnavailableError, UnsupportedSyntaxError
from .markers import function_namespace  # noqa: F401  (re-exported)
from .markers import (DERIVATIVE, LIFTED, MAKES_GRADIENTS, OUTSIDE_ONLY,  # noqa: F401  (re-exported)
                      WRAPPED)
from .rules import lookup
from .runtime import MAKES_DERIVATIVES



@dataclass
class ParsedFunction:
    fn: object
    node: gast.FunctionDef
    filename: str
    line_offset: int          # file line = node.lineno + line_offset
    source_lines: list        # the dedented source, one entry per line
    source: str               # the dedented source text
    namespace: dict = field(repr=False, default_factory=dict)
    column_offset: int = 0    # file column = node.col_offset + column_offset

    def location(self, node):
        """(filename, file line, column, source line) of `node`."""
        lineno = getattr(node, "lineno", None) or self.node.lineno
        column = getattr(node, "col_offset", None)
        if column is not None:
            column += self.column_offset
        text = self.source_lines[lineno - 1] if 0 < lineno <= len(self.source_lines) else ""
        return self.filename, lineno + self.line_offset, column, text

    def file_line(self, node):
        return self.location(node)[1]

    def code_line(self, node):
        """(file line, the source line of `node` stripped, less a trailing `# comment`):
        the text the generated code's `# grad of:` comments quote."""
        _, line, _, text = self.location(node)
        return line, _without_comment(text).strip()

    def resolve(self, name):
        """The object `name` refers to inside the function, or KeyError."""
        if name in self.namespace:
            return self.namespace[name]
        return getattr(builtins, name)

    def resolve_expression(self, expr, local_names):
        """The object a module-level `name` or `name.attr...` (gast) refers to, or None
        (for a local's attributes, or a name nothing defines)."""
        path = []
        while isinstance(expr, gast.Attribute):
            path.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, gast.Name) or expr.id in local_names:
            return None
        try:
            obj = self.resolve(expr.id)
            for attr in reversed(path):
                obj = getattr(obj, attr)
        except (KeyError, AttributeError):
            return None
        wrapped = getattr(obj, WRAPPED, None) if not isinstance(obj, type) else None
        return wrapped if inspect.isfunction(wrapped) or inspect.ismethod(wrapped) else obj


def _without_comment(text):
    """`text`, one source line, less its `# comment` (a `#` inside a string stays; a line
    that does not tokenize alone, a string left open, stays whole)."""
    if "#" not in text:
        return text
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                return text[:token.start[1]].rstrip()
    except (tokenize.TokenError, SyntaxError):
        pass                          # (an open bracket ends the line: comments came first)
    return text


def _lambda_in(module, fn):
    """The lambda `fn` was made from, as a FunctionDef (when its line holds just one)."""
    lambdas = [x for x in n.walk(module) if isinstance(x, gast.Lambda)]
    if len(lambdas) != 1:
        return None
    lam = lambdas[0]
    name = fn.__name__ if fn.__name__.isidentifier() else "lambda_"
    for node in n.walk(module):
        if isinstance(node, gast.Assign) and node.value is lam \
                and isinstance(node.targets[0], gast.Name):
            name = node.targets[0].id
    body = gast.Return(value=lam.body)
    gast.copy_location(body, lam)
    fdef = gast.FunctionDef(name=name, args=lam.args, body=[body], decorator_list=[],
                            returns=None, type_comment=None, type_params=[])
    return gast.copy_location(fdef, lam)


def parse_function(fn, shared=False):
    """Parse `fn` into a `ParsedFunction`; raise SourceUnavailableError if impossible.
    `shared`: its tree is the parse cache's own, for a caller that only reads it (the
    others get a copy of their own to change)."""
    name = getattr(fn, "__name__", repr(fn))
    lifted = getattr(fn, LIFTED, None)
    if lifted is not None:                    # a nested function, lambda-lifted
        return lifted()
    if not inspect.isfunction(fn):
        raise SourceUnavailableError(
            f"{name!r} is not a Python function (got {type(fn).__name__}); "
            "tangentlike differentiates functions defined with `def`")
    try:
        lines, first_line = _source_lines(fn)
        filename = inspect.getsourcefile(fn) or fn.__code__.co_filename
    except (OSError, TypeError) as exc:
        raise SourceUnavailableError(
            f"cannot read the source of {name!r} ({exc}); functions typed at the "
            "interactive prompt or created by exec() have no source file. Define it "
            "in a .py file (or a notebook cell) and import it.") from None
    source = textwrap.dedent("".join(lines))
    indent = len(lines[0]) - len(lines[0].lstrip()) - (
        len(source.splitlines()[0]) - len(source.splitlines()[0].lstrip()))
    try:
        module = _parsed(source) if shared else n.copied(_parsed(source))
    except SyntaxError as exc:
        raise SourceUnavailableError(
            f"the source of {name!r} in {filename} could not be parsed on its own "
            f"({exc.msg}); is it a lambda or part of a larger expression?") from None
    defs = [n for n in module.body if isinstance(n, gast.FunctionDef)]
    if not defs:
        lam = _lambda_in(module, fn)
        if lam is not None:                       # square = lambda t: t * t
            defs = [lam]
    if module.body and isinstance(module.body[0], gast.AsyncFunctionDef):
        text = source.splitlines()[module.body[0].lineno - 1]
        raise UnsupportedSyntaxError(
            "async def", "differentiate a plain `def` function and run the async code "
            "outside it", filename=filename, line=first_line + module.body[0].lineno - 1,
            column=module.body[0].col_offset, source_line=text)
    if not defs:
        raise SourceUnavailableError(
            f"{name!r} in {filename} is not defined with `def` (lambdas are not supported "
            "at the top level); write it as a def")
    node = copy.copy(defs[0]) if shared else defs[0]     # (decorators left out here only)
    node.decorator_list = []
    return ParsedFunction(
        fn=fn, node=node, filename=filename, line_offset=first_line - 1, column_offset=indent,
        source_lines=source.splitlines(), source=source,
        namespace=function_namespace(fn))


_BLOCKS = {}     # (id(the file's lines), first line) -> (those lines, the function's)


def _source_lines(fn):
    """`inspect.getsourcelines(fn)`, the function's block of lines found once per version
    of its file's lines (linecache hands out the same list until the file changes): a
    cold transform reads its function three times."""
    lines, start = inspect.findsource(inspect.unwrap(fn))
    key = (id(lines), start)
    known = _BLOCKS.get(key)
    if known is None or known[0] is not lines:
        if len(_BLOCKS) > 256:
            _BLOCKS.clear()
        known = _BLOCKS[key] = (lines, inspect.getblock(lines[start:]))
    return known[1], start + 1


def source_text(fn):
    """`inspect.getsource(fn)`, from the block `_source_lines` finds once (OSError or
    TypeError where there is none)."""
    return "".join(_source_lines(fn)[0])


@functools.lru_cache(maxsize=64)
def _parsed(source):
    """The gast module of `source`, parsed once: a cold transform reads its function
    three times (what it calls, what it lifts, its derivative), and each caller that
    changes it gets a copy of its own.  (Converted from ast here up to Python 3.11, by
    gast from 3.12 on.)"""
    tree = ast.parse(source)
    return _as_gast(tree) if sys.version_info < (3, 12) else gast.ast_to_gast(tree)


def _as_gast(node):
    """`gast.ast_to_gast(node)` for a tree `ast.parse` made (gast/ast3.py, Python 3.8 to
    3.11): the same nodes with the same fields and positions, set in the same order,
    in less time."""
    special = _TO_GAST.get(node.__class__)
    return _generic_gast(node) if special is None else special(node)


def _generic_gast(node):
    cls = _GAST_CLASSES.get(node.__class__)
    if cls is None:
        cls = _GAST_CLASSES[node.__class__] = getattr(gast, node.__class__.__name__, False)
    if not cls:                           # (ast_to_gast drops a node gast does not know)
        return None
    new = cls.__new__(cls)
    state, old = new.__dict__, node.__dict__
    for name_ in node._fields:
        if name_ in old:
            value = old[name_]
            state[name_] = _as_gast(value) if isinstance(value, ast.AST) else \
                [_gast_value(x) for x in value] if isinstance(value, list) else value
    for name_ in node._attributes:
        if name_ in old:
            state[name_] = old[name_]
    return new


_GAST_CLASSES = {}      # ast class -> gast class (False: none)


def _gast_value(value):
    if isinstance(value, ast.AST):
        return _as_gast(value)
    if isinstance(value, list):
        return [_gast_value(x) for x in value]
    return value


def _located(new, old):
    """`ast.copy_location(new, old)`: the positions of a node ast.parse made, which has
    them all."""
    state, old = new.__dict__, old.__dict__
    for name_ in _POSITIONS:
        if name_ in old:
            state[name_] = old[name_]
    return new


_POSITIONS = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def _name(node):
    new = gast.Name.__new__(gast.Name)
    new.__dict__.update(id=node.id, ctx=_as_gast(node.ctx), annotation=None,
                        type_comment=None)
    return _located(new, node)


def _gast_function(cls):
    return lambda x: gast.copy_location(cls(
        x.name, _as_gast(x.args), _gast_value(x.body), _gast_value(x.decorator_list),
        _gast_value(x.returns), x.type_comment, []), x)


# the nodes gast spells differently from ast (gast/ast3.py's Ast3ToGAst)
_TO_GAST = {
    ast.Name: _name,
    ast.arg: lambda x: ast.copy_location(gast.Name(
        x.arg, gast.Param(), _gast_value(x.annotation), x.type_comment), x),
    ast.ExceptHandler: lambda x: ast.copy_location(gast.ExceptHandler(
        _gast_value(x.type), gast.Name(x.name, gast.Store(), None, None),
        _gast_value(x.body)), x) if x.name else _generic_gast(x),
    ast.FunctionDef: _gast_function(gast.FunctionDef),
    ast.AsyncFunctionDef: _gast_function(gast.AsyncFunctionDef),
    ast.ClassDef: lambda x: gast.copy_location(gast.ClassDef(
        x.name, _gast_value(x.bases), _gast_value(x.keywords), _gast_value(x.body),
        _gast_value(x.decorator_list), []), x),
}


def is_user_function(obj):
    """A Python function tangentlike differentiates from its source: no rule says what
    its derivative is, it is not a derivative tangentlike made, and it is not a runtime
    helper that asks for one (runtime.MAKES_DERIVATIVES: a derivative of those is a
    derivative of tangentlike itself), nor one of tangentlike's derivative makers
    (MAKES_GRADIENTS, OUTSIDE_ONLY)."""
    return inspect.isfunction(obj) and lookup(obj) is None and not hasattr(obj, DERIVATIVE) \
        and obj not in MAKES_DERIVATIVES and not hasattr(obj, OUTSIDE_ONLY) \
        and not hasattr(obj, MAKES_GRADIENTS)
