"""Shrink a failing program while it keeps failing the same way.

Receives a program text (module ending with `ARGS = (...)`, see `generate`) and the
failure signature its verdict has.  Guarantees: `minimize(text, signature)` returns a
program text whose verdict has the same signature and that no single edit below
makes smaller with the signature kept (greedy, to a fixed point, or until the time
budget is spent, in which case the smallest program found so far is returned):

1. delete a helper function, then any statement (an emptied block gets `pass`);
2. replace an `if`/`for`/`while` by its body, or drop an `else:`;
3. replace an expression by one of its operands (`a + b` -> `a`, `np.sin(a)` -> `a`,
   `a if c else b` -> `a`, ...).

The imports and `ARGS` are never touched.  The verdict comes from `judge_text` unless
another function is passed (tests pass a fake one).
"""

import ast
import copy
import time
import warnings

from .judge import judge_text

_COMPOUND = (ast.If, ast.For, ast.While)


def _is_fixed(statement):
    """Imports and the ARGS assignment stay: without them nothing can be judged."""
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return True
    return isinstance(statement, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "ARGS" for t in statement.targets)


def _statement_sites(tree):
    """(parent, field, index) of every statement that may go, outermost first."""
    sites = []

    def visit(node):
        for field in ("body", "orelse"):
            statements = getattr(node, field, None)
            if not isinstance(statements, list):
                continue
            for index, statement in enumerate(statements):
                if not _is_fixed(statement):
                    sites.append((node, field, index))
        for field in ("body", "orelse"):
            for statement in getattr(node, field, None) or []:
                if isinstance(statement, ast.stmt):
                    visit(statement)
    visit(tree)
    return sites


def _locate(tree, original_tree, node):
    """The node of `tree` (a deep copy of `original_tree`) that stands where `node` stood."""
    for mine, theirs in zip(ast.walk(tree), ast.walk(original_tree)):
        if theirs is node:
            return mine
    raise LookupError("node not found in the copy")


def _delete(tree, parent, field, index):
    new = copy.deepcopy(tree)
    new_parent = _locate(new, tree, parent)
    statements = getattr(new_parent, field)
    del statements[index]
    if field == "body" and not statements and not isinstance(new_parent, ast.Module):
        statements.append(ast.Pass())
    return new


def _unwrap(tree, parent, field, index):
    new = copy.deepcopy(tree)
    statements = getattr(_locate(new, tree, parent), field)
    statements[index:index + 1] = statements[index].body
    return new


def _drop_else(tree, statement):
    new = copy.deepcopy(tree)
    _locate(new, tree, statement).orelse = []
    return new


def _statement_edits(tree):
    """Candidates (thunks building a tree), each deleting one statement or unwrapping
    one block."""
    for parent, field, index in _statement_sites(tree):
        statement = getattr(parent, field)[index]
        yield lambda p=parent, f=field, i=index: _delete(tree, p, f, i)
        if isinstance(statement, _COMPOUND):
            yield lambda p=parent, f=field, i=index: _unwrap(tree, p, f, i)
            if statement.orelse:
                yield lambda s=statement: _drop_else(tree, s)


def _operands(node):
    """Expressions that may stand in for `node`."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.IfExp):
        return [node.body, node.orelse]
    if isinstance(node, ast.BoolOp):
        return list(node.values)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return [arg for arg in node.args if not isinstance(arg, ast.Starred)][:2]
    return []


def _function_nodes(tree):
    """Every node inside a def (not the imports, not ARGS)."""
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef):
            yield from ast.walk(statement)


def _expression_edits(tree):
    """Candidates (thunks building a tree), each replacing one expression by one of
    its operands."""
    for node in list(_function_nodes(tree)):
        for k, _ in enumerate(_operands(node)):
            yield lambda node=node, k=k: _simplify(tree, node, k)


def _simplify(tree, node, k):
    new = copy.deepcopy(tree)
    target = _locate(new, tree, node)
    replacement = _operands(target)[k]
    for parent in ast.walk(new):
        if _replace_child(parent, target, replacement):
            break
    return new


def _replace_child(parent, child, replacement):
    """Put `replacement` where `child` is among `parent`'s fields; True if it was there."""
    for field, value in ast.iter_fields(parent):
        if value is child:
            setattr(parent, field, replacement)
            return True
        if isinstance(value, list):
            for k, item in enumerate(value):
                if item is child:
                    value[k] = replacement
                    return True
    return False


def render(tree):
    """Source of a tree, with blank lines between top-level statements as people write."""
    parts = []
    for statement in tree.body:
        text = ast.unparse(statement)
        blank = "\n\n" if isinstance(statement, ast.FunctionDef) or _is_fixed(statement) \
            and not isinstance(statement, (ast.Import, ast.ImportFrom)) else ""
        parts.append(blank + text)
    return "\n".join(parts).lstrip("\n") + "\n"


def minimize(text, signature, judge_fn=judge_text, budget_s=120.0):
    """The smallest program found whose verdict still has `signature`."""
    deadline = time.monotonic() + budget_s
    tree = ast.parse(text)
    best = text

    def keeps(candidate):
        try:
            source = render(ast.fix_missing_locations(candidate))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")      # SyntaxWarning: `1[0]` and friends
                compile(source, "<candidate>", "exec")
        except (SyntaxError, ValueError, TypeError, RecursionError):
            return None
        if len(source) >= len(best):
            return None
        return source if judge_fn(source).signature == signature else None

    changed = True
    while changed:
        changed = False
        for edits in (_statement_edits, _expression_edits):
            position = 0
            while True:
                candidates = list(edits(tree))[position:]
                for offset, build in enumerate(candidates):
                    if time.monotonic() >= deadline:
                        return best
                    source = keeps(build())
                    if source is not None:
                        best, tree, changed = source, ast.parse(source), True
                        position += offset      # the next candidate now sits here
                        break
                else:
                    break
    return best
