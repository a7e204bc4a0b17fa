"""What code reads and writes: the facts every pass that moves, folds or drops code
(simplify, dead stores, in-place, named-parts) asks before it does.

Requires: generated helper calls marked with the runtime function they call
(`naming.helper_of(call)`: helpers are recognised by that mark, never by their text;
an unmarked `_tl.extract(...)` is an unknown call), and the runtime's declaration of
its helpers that write into an argument (`runtime.UPDATES_FIRST_ARGUMENT`, and
numpy_runtime's: each writes its first argument only, every other helper writes
nothing it is given).  The tape's locals `_tape`, `_push` and `_pop` are known by
name: naming.GENERATED_NAMES reserves them (a user's name spelled so is sheltered
under a stand-in while the code is transformed).  A caller may pass
`pure_call(call)`, true for a call that writes none of its arguments (the
pipeline's: a call with a rule).

Answers:
- `reads(node)`: every name `node` loads;
- `written(node, pure_call)`: the names whose value running `node` may change:
  - a name bound or deleted (`x = v`, `for x in ...`, `del x`);
  - a name an item of which is assigned (`x[i] = v`, `x[i][j] += v`,
    `x[...] = _pop()`), or an attribute (`x.a = v`);
  - `xs.append(v)` and the other methods of `nodes.MUTATING_METHODS`, called on a
    name or on a part of one (`xs`, not `v`; `L` for `L[0].append(v)`), and the
    name an item of an attribute chain is assigned in (`o` for `o.v[0] = v`);
  - the name a method without a rule is called on (`o` for `o.bump()`,
    `a.partition(k)`), unless `pure_call(call)`;
  - the first argument of a helper of `UPDATES_FIRST_ARGUMENT` (`_tl.restore_item`,
    `_tl.extract`, `_ntl.add_at`, ...); no argument of any other marked helper;
  - an `out=` argument of any call;
  - every name given to any other call, unless `pure_call(call)`;
  - (not `_push(...)`: the tape is not a name the code reads);
- `tape_free(expr)`: `expr` does not touch the tape (`_pop()`, `.pop()`, a call given
  `_tape`), whose pops must stay in order, each exactly once;
- `load_counts(stmts)`: how often each name is read;
- `replace_name(node, name, expr)`: `node` with each read of `name` replaced.

Preserves the result because a pass built on these facts moves, folds or drops a
statement only where it reads nothing the code between writes, and writes nothing
but its own target; the facts over-approximate writes for every form above.  They
do not see effects on anything but the names a call is given or is a method of (a
global, a random generator's state): such calls are user functions without a rule,
whose statements the passes keep in order (they never drop a call without a rule).
"""

import gast

from .. import nodes as n
from .. import numpy_runtime, runtime
from ..naming import helper_of

# the runtime functions that write into their first argument (runtime.py's and
# numpy_runtime's UPDATES_FIRST_ARGUMENT), as helper_of(call) names them
UPDATING_HELPERS = frozenset(
    {getattr(runtime, name_) for name_ in runtime.UPDATES_FIRST_ARGUMENT}
    | {getattr(numpy_runtime, name_) for name_ in numpy_runtime.UPDATES_FIRST_ARGUMENT})


def reads(node):
    """Every name `node` loads."""
    return n.names_read(node)


def written(node, pure_call=None):
    """The names whose value running `node` (a statement, an expression or a list of
    statements) may change: names it binds or deletes; the names whose items or
    attributes it assigns (`x[i] = v`, `x[i] += v`, `x.a = v`); `xs.append(v)` and the
    other mutating methods; the first argument of the runtime helpers that update it
    (`runtime.UPDATES_FIRST_ARGUMENT`); an `out=` argument; and every name given to
    any other call, unless `pure_call(call)` says it writes none of its arguments (a
    mutating method such as `xs.append(v)` writes `xs`, not `v`)."""
    stmts = node if isinstance(node, list) else [node]
    out = set()
    for x in (x for s in stmts for x in n.walk(s)):
        base = n.mutated_root(x)                            # x[i] = v, xs.append(v)
        if base is not None:
            out.add(base)
        if isinstance(x, gast.Name) and not isinstance(x.ctx, gast.Load):
            out.add(x.id)                                   # bound, deleted
        elif isinstance(x, gast.Attribute) and not isinstance(x.ctx, gast.Load):
            out |= reads(x.value)                           # x.a = v
        elif isinstance(x, gast.Call):
            given = list(x.args) + [k.value for k in x.keywords]
            if call_name(x) == "_push" or isinstance(x.func, gast.Attribute) \
                    and x.func.attr in n.MUTATING_METHODS:
                pass                        # (the tape, or the object: n.mutated_names)
            elif helper_of(x) is not None:
                if helper_of(x) in UPDATING_HELPERS and x.args:
                    out |= reads(x.args[0])
            elif not (pure_call and pure_call(x)):
                out |= {y for a in given for y in reads(a)}
                if isinstance(x.func, gast.Attribute) and n.root_name(x.func.value):
                    out.add(n.root_name(x.func.value))      # o.bump() may change o
            out |= {y for k in x.keywords if k.arg == "out" for y in reads(k.value)}
    return out


def tape_free(expr):
    """No access to the tape (whose pops must stay in order, each exactly once)."""
    for sub in n.walk(expr):
        if isinstance(sub, gast.Call):
            name_ = call_name(sub)
            if name_ == "_pop" or name_.endswith(".pop") or any(
                    isinstance(a, gast.Name) and a.id == "_tape"
                    for a in list(sub.args) + [k.value for k in sub.keywords]):
                return False
    return True


def load_counts(stmts, live_out=()):
    """How often each name is read in `stmts`, a name in `live_out` once more (read
    after them)."""
    counts = dict.fromkeys(live_out, 1)
    for s in stmts:
        for x in n.walk(s):
            if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Load):
                counts[x.id] = counts.get(x.id, 0) + 1
    return counts


def call_name(call):
    """`a.b.f` for a call of `a.b.f(...)`: the dotted text of what it calls."""
    parts = []
    func = call.func
    while isinstance(func, gast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, gast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def is_zero(e):
    """Whether `e` is the number zero (the zero sentinel of an adjoint), not False."""
    return isinstance(e, gast.Constant) and e.value == 0.0 and not isinstance(e.value, bool) \
        and isinstance(e.value, (int, float))


class _Replace(n.Transformer):
    def __init__(self, name_, expr):
        self.name_, self.expr = name_, expr

    def visit_Name(self, node):
        return self.expr if node.id == self.name_ and isinstance(node.ctx, gast.Load) else node


def replace_name(node, name_, expr):
    """`node` with every read of `name_` replaced by `expr`."""
    return _Replace(name_, expr).visit(node)
