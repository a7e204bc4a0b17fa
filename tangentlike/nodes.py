"""Small builders and queries for gast nodes, shared by every stage.

Receives nothing; guarantees only pure helper functions (no AST is mutated
except the one passed to `set_line`).  `walk`, `children` and `copied` are the fast
forms of `ast.walk`, `ast.iter_child_nodes` and `copy.deepcopy` for trees: the same
nodes in the same order (but the contexts and operators, `Load` or `Add`, which `walk`,
`children` and `Transformer` pass over), the same copy (marks set on nodes included),
in a fraction of the time.
"""

import copy

import gast

_AST = gast.AST
_ATOMIC = (str, int, float, bool, type(None), bytes, complex, type(Ellipsis))
_ATOMIC_TYPES = frozenset(_ATOMIC)      # (a set lookup of the exact type first: faster)


# the fields that hold a name, a number or a flag, never a node (gast's ExceptHandler
# and TypeAlias name themselves with a Name node, and so are not here)
_TEXT_FIELDS = frozenset({"id", "attr", "arg", "type_comment", "kind", "conversion", "level",
                          "module", "is_async", "simple", "tag"})
_TEXT_FIELDS_OF = {gast.Constant: {"value"}, gast.FunctionDef: {"name"},
                   gast.AsyncFunctionDef: {"name"}, gast.ClassDef: {"name"},
                   gast.alias: {"name"}}


class _NodeFields(dict):
    """class -> the fields of its nodes that may hold nodes, found once per class."""

    def __missing__(self, cls):
        text = _TEXT_FIELDS | _TEXT_FIELDS_OF.get(cls, set())
        fields = self[cls] = tuple(f for f in cls._fields if f not in text)
        return fields


_NODE_FIELDS = _NodeFields()


class _WalkedFields(dict):
    """class -> its `_NODE_FIELDS` but the contexts and operators (`ctx`, `op`, `ops`)."""

    def __missing__(self, cls):
        fields = self[cls] = tuple(f for f in _NODE_FIELDS[cls]
                                   if f not in ("ctx", "op", "ops"))
        return fields


_WALKED_FIELDS = _WalkedFields()


def walk(node):
    """Every node of the tree under `node` but the contexts and operators under it
    (`Load`, `Store`, `Add`, `Eq`, ...: leaves without fields, which their parents'
    `ctx`, `op` and `ops` tell), breadth first: `ast.walk`'s order otherwise (a node's
    children are taken before it is yielded, so it may be changed when it is)."""
    todo = [node]              # (the nodes met, in order: the loop reads what it appends)
    fields_of = _WALKED_FIELDS
    for node in todo:
        for field in fields_of[node.__class__]:
            value = getattr(node, field, None)
            if isinstance(value, _AST):
                todo.append(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, _AST):
                        todo.append(item)
        yield node


def children(node):
    """The nodes directly under `node`, in field order: `ast.iter_child_nodes`, as a list
    (and faster), but its context and operators (as `walk`)."""
    out = []
    for field in _WALKED_FIELDS[node.__class__]:
        value = getattr(node, field, None)
        if isinstance(value, _AST):
            out.append(value)
        elif isinstance(value, list):
            out.extend([item for item in value if isinstance(item, _AST)])
    return out


class Transformer(gast.NodeTransformer):
    """`gast.NodeTransformer` whose `generic_visit` reads the fields directly: the same
    visits in the same order, the same changes, in less time (no visit of a context or
    an operator: no transformer here changes one)."""

    def generic_visit(self, node):
        for field in _WALKED_FIELDS[node.__class__]:
            old = getattr(node, field, None)
            if isinstance(old, list):
                new = []
                for value in old:
                    if isinstance(value, _AST):
                        value = self.visit(value)
                        if value is None:
                            continue
                        if not isinstance(value, _AST):
                            new.extend(value)
                            continue
                    new.append(value)
                old[:] = new
            elif isinstance(old, _AST):
                value = self.visit(old)
                if value is None:
                    delattr(node, field)
                else:
                    setattr(node, field, value)
        return node


def copied(tree, memo=None):
    """`copy.deepcopy(tree)` for a node, a list of nodes or a value inside one."""
    memo = {} if memo is None else memo
    if type(tree) in _ATOMIC_TYPES or isinstance(tree, _ATOMIC):
        return tree
    known = memo.get(id(tree))
    if known is not None:
        return known
    if isinstance(tree, _AST):
        return _copied_node(tree, memo)
    if type(tree) is list:
        new = memo[id(tree)] = []
        new.extend([item if type(item) in _ATOMIC_TYPES else copied(item, memo)
                    for item in tree])
        return new
    return copy.deepcopy(tree, memo)


def _copied_node(node, memo):
    """`copied` of a node not copied yet: its lists and nodes taken here, without a call
    of `copied` for each (the same copies, the same memo)."""
    cls = node.__class__
    new = memo[id(node)] = cls.__new__(cls)
    state = new.__dict__
    for key, value in node.__dict__.items():
        kind = type(value)
        if kind in _ATOMIC_TYPES:
            state[key] = value
        elif kind is list:
            items = memo.get(id(value))
            if items is None:
                items = memo[id(value)] = []
                for item in value:
                    if type(item) in _ATOMIC_TYPES:
                        items.append(item)
                    elif isinstance(item, _AST):
                        known = memo.get(id(item))
                        items.append(known if known is not None else _copied_node(item, memo))
                    else:
                        items.append(copied(item, memo))
            state[key] = items
        elif isinstance(value, _AST):
            known = memo.get(id(value))
            state[key] = known if known is not None else _copied_node(value, memo)
        else:
            state[key] = copied(value, memo)
    return new


def name(id_, store=False):
    return gast.Name(id=id_, ctx=gast.Store() if store else gast.Load(),
                     annotation=None, type_comment=None)


def const(value):
    return gast.Constant(value=value, kind=None)


def assign(target, value, line=None):
    if isinstance(target, str):
        target = name(target, store=True)
    node = gast.Assign(targets=[target], value=value, type_comment=None)
    return set_line(node, line)


def call(func, *args, **keywords):
    if isinstance(func, str):
        func = dotted(func)
    kws = [gast.keyword(arg=k, value=v) for k, v in keywords.items()]
    return gast.Call(func=func, args=list(args), keywords=kws)


def dotted(path):
    """`a.b.c` as a Load expression."""
    parts = path.split(".")
    node = name(parts[0])
    for attr in parts[1:]:
        node = gast.Attribute(value=node, attr=attr, ctx=gast.Load())
    return node


def subscript(value, index, store=False):
    if isinstance(value, str):
        value = name(value)
    return gast.Subscript(value=value, slice=index,
                          ctx=gast.Store() if store else gast.Load())


def binop(left, op, right):
    return gast.BinOp(left=left, op=op, right=right)


def not_(operand):
    return gast.UnaryOp(op=gast.Not(), operand=operand)


def if_(test, body, orelse=(), line=None):
    return set_line(gast.If(test=test, body=list(body), orelse=list(orelse)), line)


def for_(target, iter_, body, line=None):
    if isinstance(target, str):
        target = name(target, store=True)
    node = gast.For(target=target, iter=iter_, body=list(body), orelse=[], type_comment=None)
    return set_line(node, line)


def expr_stmt(value, line=None):
    return set_line(gast.Expr(value=value), line)


def set_line(node, line):
    if line is not None:
        node.lineno = line
        node.col_offset = getattr(node, "col_offset", 0) or 0
    return node


def line_of(node):
    return getattr(node, "lineno", None)


def load(node):
    """A Load-context copy of a Name/Subscript/Attribute target."""
    node = copied(node)
    for sub in walk(node):
        if hasattr(sub, "ctx") and isinstance(sub.ctx, (gast.Store, gast.Del)):
            sub.ctx = gast.Load()
    return node


def store(node):
    node = copied(node)
    node.ctx = gast.Store()
    return node


def loaded_names(node):
    """Names read by an expression (Load context), in order of appearance."""
    seen = {}
    for sub in walk(node):
        if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Load):
            seen[sub.id] = None
    return list(seen)


MUTATING_METHODS = {"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
                    "update", "setdefault", "popitem", "fill", "resize", "put", "itemset"}


def statements(node):
    """`node` and every statement under it, in blocks of any kind (bodies, branches,
    handlers, cases): the statements `walk` reaches, without walking expressions."""
    todo = [node]
    while todo:
        node = todo.pop()
        yield node
        for field in _BLOCK_FIELDS:
            block = getattr(node, field, None)
            if isinstance(block, list):
                todo.extend(x for x in block if isinstance(x, _BLOCK_NODES))


_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")
_BLOCK_NODES = (gast.stmt, gast.excepthandler, gast.match_case)


def every_statement(body):
    """Each statement of `body` and of the blocks nested in it, in source order."""
    for s in body:
        yield s
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], gast.stmt):
                yield from every_statement(inner)


def stored_names(stmts):
    """Names assigned (or mutated through item assignment / append) anywhere in `stmts`."""
    out = set()
    for stmt in stmts:
        for x in walk(stmt):
            if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store):
                out.add(x.id)
            else:
                base = mutated_root(x)
                if base is not None:
                    out.add(base)
    return out


def root_name(expr):
    """The name an item or attribute chain starts from (`L` for `L[0].xs`), or None."""
    while isinstance(expr, (gast.Subscript, gast.Attribute)):
        expr = expr.value
    return expr.id if isinstance(expr, gast.Name) else None


def mutated_names(stmts):
    """Names whose object `stmts` changes in place: an item assigned anywhere in it
    (`x[i] = v`, `o.v[0] = v`), a mutating method called on it or on a part of it
    (`xs.append(v)`, `L[0].append(v)`)."""
    out = set()
    for stmt in stmts:
        for sub in walk(stmt):
            base = mutated_root(sub)
            if base is not None:
                out.add(base)
    return out


def mutated_root(node):
    """The name whose object `node` itself changes in place (see `mutated_names`), or
    None."""
    if isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Store):
        return root_name(node.value)
    if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) \
            and node.func.attr in MUTATING_METHODS:
        return root_name(node.func.value)    # xs.append(v) changes xs
    return None


def dotted_text(func):
    """`math.gamma` for a call target as written (`(...)` for a computed one)."""
    parts = []
    while isinstance(func, gast.Attribute):
        parts.append(func.attr)
        func = func.value
    parts.append(func.id if isinstance(func, gast.Name) else "(...)")
    return ".".join(reversed(parts))


def is_name(node, id_=None):
    return isinstance(node, gast.Name) and (id_ is None or node.id == id_)


def is_const(node, value=None):
    return isinstance(node, gast.Constant) and (value is None or node.value == value)


COMMENT_PREFIX = "__tangentlike_comment__:"


def comment(text):
    """A statement that emit turns into the line `# text`."""
    return gast.Expr(value=const(COMMENT_PREFIX + text))


def is_comment(stmt):
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant)
            and isinstance(stmt.value.value, str)
            and stmt.value.value.startswith(COMMENT_PREFIX))


def index_value(index):
    """A subscript's index as an expression (`1:n` becomes `slice(1, n)`)."""
    index = copied(index)
    if isinstance(index, gast.Slice):
        parts = [index.lower, index.upper, index.step]
        if parts[2] is None:
            parts.pop()              # slice(a, b); never slice(b), which means slice(None, b)
        return call("slice", *[const(None) if p is None else p for p in parts])
    if isinstance(index, gast.Tuple):
        return gast.Tuple(elts=[index_value(x) for x in index.elts], ctx=gast.Load())
    return index


def index_bounds(index):
    """The parts of a subscript's index: its ints and names, and its slices' bounds and
    steps (None where absent), each with a leading minus sign removed."""
    parts = index.elts if isinstance(index, gast.Tuple) else [index]
    bounds = [b for part in parts for b in ([part.lower, part.upper, part.step]
                                             if isinstance(part, gast.Slice) else [part])]
    return [b.operand if isinstance(b, gast.UnaryOp) and isinstance(b.op, gast.USub)
            else b for b in bounds]


def is_literal_bound(bound):
    """An index bound written as a literal: an int, None or `...` (or nothing)."""
    return bound is None or isinstance(bound, gast.Constant) and (
        bound.value is None or bound.value is Ellipsis
        or isinstance(bound.value, int) and not isinstance(bound.value, bool))


def int_value(e):
    """The value of an int literal or of its negation (`-1`), else None."""
    if isinstance(e, gast.UnaryOp) and isinstance(e.op, gast.USub):
        inner = int_value(e.operand)
        return None if inner is None else -inner
    if isinstance(e, gast.Constant) and isinstance(e.value, int) \
            and not isinstance(e.value, bool):
        return e.value
    return None


def names_read(node):
    """Every name loaded anywhere in `node`."""
    return {x.id for x in walk(node) if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Load)}


def without_double_negation(node):
    """`-(-e)` -> `e`; any other node unchanged."""
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub) \
            and isinstance(node.operand, gast.UnaryOp) and isinstance(node.operand.op, gast.USub):
        return node.operand.operand
    return node
