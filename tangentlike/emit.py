"""Stage 7, emit: gast -> Python source text a person can read.

Receives the generated FunctionDef, the module imports it may need and a module
docstring.  Guarantees deterministic text (same tree, same text): the imports the
code reads (a rule's term that folded away leaves none behind),
then the function, with comment markers (nodes.comment) turned into `# ...`
lines, a blank line before each commented block, `pass` closing a block that holds
only comments, and nothing else changed.
"""

import ast
import re
import sys
import warnings

import gast

with warnings.catch_warnings():     # astor's import reads ast.Num, deprecated in 3.12
    warnings.simplefilter("ignore", DeprecationWarning)
    import astor
    from astor.code_gen import SourceGenerator, set_precedence
    from astor.op_util import Precedence, get_op_precedence, get_op_symbol

from . import nodes as n

UNPARSE_FSTRINGS = sys.version_info >= (3, 12)   # (tests force it on older Pythons)
_MARK = "__tangentlike_c%d__"
_MARK_TEXT = re.compile(r"__tangentlike_c\d+__")
_MARK_LINE = re.compile(r"^(\s*)(?P<q>['\"]{1,3})__tangentlike_c(\d+)__(?P=q)\s*$")


def emit(functions, imports, docstring, trailer=()):
    """The source text of a module holding `functions`, then `trailer` statements."""
    module = gast.Module(body=list(functions) + list(trailer), type_ignores=[])
    texts, read = [], set()
    for node in n.walk(module):
        if isinstance(node, gast.Name):
            read.add(node.id)
            continue
        for field in _BLOCK_FIELDS[node.__class__]:
            block = getattr(node, field, None)     # a block of comments only is a block
            if isinstance(block, list) and block and all(map(n.is_comment, block)):
                block.append(gast.Pass())
        if isinstance(node, gast.Expr) and n.is_comment(node):
            texts.append(node.value.value[len(n.COMMENT_PREFIX):])
            node.value = n.const(_MARK % (len(texts) - 1))
    code = astor.to_source(_as_ast(module), pretty_source=_pretty_source,
                           source_generator_class=_SourceGenerator)
    lines = []
    for line in code.splitlines():
        match = _MARK_LINE.match(line)
        if match:
            indent, k = match.group(1), int(match.group(3))
            if lines and lines[-1].strip() and not lines[-1].rstrip().endswith(":"):
                lines.append("")
            lines.extend(f"{indent}# {text}" for text in texts[k].split("\n"))
        else:
            lines.append(line)
    imports = {alias: name for alias, name in imports.items() if alias.split(".")[0] in read}
    header = [f'"""{docstring}"""']
    if imports:
        header.append("")
    # the user's modules first (math, numpy), then tangentlike's, each by module name
    for alias, module_name in sorted(imports.items(), key=lambda item: (
            item[1].startswith("tangentlike"), item[1], item[0])):
        if alias == module_name:
            header.append(f"import {module_name}")
        else:
            header.append(f"import {module_name} as {alias}")
    return "\n".join(header) + "\n\n\n" + "\n".join(lines) + "\n"


class _SourceGenerator(SourceGenerator):
    """astor's generator with the same text in less time: its method for a node found
    once a class, a binary operation (the commonest node in generated code) written
    without a `Delimit` object (its parentheses dropped where `Delimit` drops them: the
    operator binds at least as tightly as its place needs), a comment's marker without
    astor's string layout."""

    _methods = {}        # node class -> the method that writes it

    def visit(self, node):
        """astor's `visit`: the method named for the node's class, found once a class."""
        method = self._methods.get(node.__class__)
        if method is None:
            name_ = node.__class__.__name__
            method = getattr(type(self), "visit_" + name_, None)
            if method is None:
                raise AttributeError(f"No defined handler for node of type {name_}")
            self._methods[node.__class__] = method
        return method(self, node)

    def visit_BinOp(self, node):
        op, left, right = node.op, node.left, node.right
        self.write("(")
        result = self.result
        opening = len(result) - 1
        p = get_op_precedence(op)
        discard = p >= self.get__pp(node)
        pow_ = isinstance(op, ast.Pow)
        set_precedence((Precedence.Pow + 1) if pow_ else p, left)
        set_precedence(Precedence.PowRHS if pow_ else (p + 1), right)
        self.write(left, get_op_symbol(op, " %s "), right)
        if discard:
            result[opening] = ""
        else:
            result.append(")")

    def visit_JoinedStr(self, node):
        """An f-string: astor writes it through ast.Str, deprecated in Python 3.12 and
        gone in 3.14, where `ast.unparse` writes it (the same text wherever it is part
        of an expression, which is where generated code has f-strings)."""
        if UNPARSE_FSTRINGS:
            self.write(ast.unparse(node))
        else:
            super().visit_JoinedStr(node)

    def visit_Expr(self, node):
        """A comment's marker (emit's string statement) written as its quoted text: the
        line emit replaces with the comment; any other expression statement as astor
        writes it."""
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str) \
                and _MARK_TEXT.fullmatch(value.value):
            self.statement(node, repr(value.value))
        else:
            super().visit_Expr(node)


def _pretty_source(pieces):
    """astor's `pretty_source(pieces)`: the text of the pieces, its lines over 79
    characters wrapped; astor's wrapping run only where the text has such a line or a
    piece holds a line break after its start (a string over several lines)."""
    text = "".join(pieces)
    if ("\x00" in text or max(map(len, text.split("\n"))) > 79
            or _BREAK_INSIDE.search("\x00".join(pieces))):
        return _KEYWORD_BROKEN.sub(r",\n\2\1=", astor.source_repr.pretty_source(pieces))
    return text


# astor may break a line between a keyword argument's name and its `=`: the break goes
# before the name instead (a line cannot otherwise end in `, name` with the next opening
# with a lone `=`)
_KEYWORD_BROKEN = re.compile(r", (\w+)\n([ \t]+)=(?!=)")


# a line break in a piece but at its start, or after a break at its start ("\x00" joins
# the pieces; astor wraps the text between the pieces that open with a line break): a
# break before text or after it, the pattern opening with the break (a fast search)
_BREAK_INSIDE = re.compile(r"\n(?:[^\x00\n]|(?<=[^\x00\n]\n))")


class _BlockFields(dict):
    """node class -> its fields that hold blocks of statements."""

    def __missing__(self, cls):
        fields = self[cls] = tuple(f for f in ("body", "orelse", "finalbody")
                                   if f in cls._fields)
        return fields


_BLOCK_FIELDS = _BlockFields()


def _as_ast(node):
    """`gast.gast_to_ast(node)` as astor reads it: the same fields (positions left out;
    one node of each operator and context, which astor only reads the class of)."""
    return _CONVERTERS[node.__class__](node)


class _Converters(dict):
    """class -> the function that makes the ast of a value of it (`_converter`)."""

    def __missing__(self, cls):
        convert = self[cls] = _converter(cls)
        return convert


_CONVERTERS = _Converters()
_ABSENT = object()


def _converter(cls):
    """The function `_as_ast` applies to a value of class `cls`."""
    if issubclass(cls, list):
        return lambda x: [_as_ast(item) for item in x]
    if not issubclass(cls, gast.AST):     # a name, a number, None, ...: as it is
        return lambda x: x
    if cls in _SPECIAL:
        return _SPECIAL[cls]
    ast_cls = getattr(ast, cls.__name__, None)
    if ast_cls is None:                   # (gast_to_ast drops a node ast does not know)
        return lambda x: None
    if not cls._fields:                   # an operator or a context
        leaf = ast_cls()
        return lambda x: leaf
    fields, converters = cls._fields, _CONVERTERS

    def convert(x):
        values = {}
        for field in fields:
            value = getattr(x, field, _ABSENT)
            if value is not _ABSENT:
                values[field] = converters[value.__class__](value)
        return ast_cls(**values)

    if fields != ast_cls._fields:
        return convert

    def convert_in_order(x):              # (the same fields, given in order: faster)
        values = []
        for field in fields:
            value = getattr(x, field, _ABSENT)
            if value is _ABSENT:          # (a field left out: by name)
                return convert(x)
            values.append(converters[value.__class__](value))
        return ast_cls(*values)
    return convert_in_order


def _arg(name_):
    """A gast parameter (a Name) as an ast.arg."""
    if name_ is None:
        return None
    return ast.arg(name_.id, _as_ast(name_.annotation), _as_ast(name_.type_comment))


def _function(cls):
    return lambda x: cls(x.name, _as_ast(x.args), _as_ast(x.body), _as_ast(x.decorator_list),
                         _as_ast(x.returns), x.type_comment)


# the nodes gast spells differently from ast (gast/ast3.py's GAstToAst3, Python 3.8-3.11)
_SPECIAL = {
    gast.Name: lambda x: ast.Name(x.id, _CONVERTERS[x.ctx.__class__](x.ctx)),  # (a leaf)
    gast.Assign: lambda x: ast.Assign(_as_ast(x.targets), _as_ast(x.value)),
    gast.FunctionDef: _function(ast.FunctionDef),
    gast.AsyncFunctionDef: _function(ast.AsyncFunctionDef),
    gast.ClassDef: lambda x: ast.ClassDef(x.name, _as_ast(x.bases), _as_ast(x.keywords),
                                          _as_ast(x.body), _as_ast(x.decorator_list)),
    gast.ExceptHandler: lambda x: ast.ExceptHandler(_as_ast(x.type), x.name.id,
                                                    _as_ast(x.body)) if x.name else
    ast.ExceptHandler(**{f: _as_ast(getattr(x, f)) for f in x._fields if hasattr(x, f)}),
    gast.arguments: lambda x: ast.arguments(
        [_arg(a) for a in x.posonlyargs], [_arg(a) for a in x.args], _arg(x.vararg),
        [_arg(a) for a in x.kwonlyargs], _as_ast(x.kw_defaults), _arg(x.kwarg),
        _as_ast(x.defaults)),
}
