"""Pass "named-parts": a part of an array parameter that the function reads more than
once through a constant index (`x[:-1]`, `x[2]`) is taken once, under a name.

Requires: `arrays`, parameters that hold NumPy arrays (the kinds analysis); the core
form (normalize writes nested functions and lambdas out); the read and write facts of
passes/effects.py, whose runtime helpers are recognised by their `naming.helper_of`
mark and write at most their first argument (runtime.UPDATES_FIRST_ARGUMENT); a
`passes_safely(call, name)` that is true only for a call that writes nothing into
the array `name` it is given whole (passes/arrays.py: a runtime helper not given it
first, `zeros_for`, a NumPy function with a rule); and the alias facts: the user's
code gives no call a part of an array that it writes into while the array is read
afterwards (aliases: an AliasedWriteError), so the only writes into an array are
those the statements make by its name.
Rewrites the function body: each such part read more than once by the body's
top-level statements is assigned once, `x_to_m1 = x[:-1]` (a view, as the subscript
was), right before the first top-level statement that reads it, and each top-level
read of it becomes a read of that name.  Only for arrays the body never binds,
deletes or writes into (`effects.written`, any call taken as pure), and that every
call given one of them whole passes safely.
Preserves the result because the array is neither rebound nor written between the
reads, so each read of the part saw the values the named part holds (a view for a
slice, which would even follow writes; a number for an element); the index is
literal, so it selects the same part each time.
"""


import gast

from .. import nodes as n
from .effects import written


def named_repeated_parts(stmts, arrays, fresh, passes_safely):
    """`stmts` (a function body) with each part of an array that its top-level statements
    read more than once through a constant basic index (`x[:-1]`, `x[2]`) taken once,
    before the first statement that reads it, and named (`x_to_m1 = x[:-1]`: a view, as
    the subscript was).  Only for names in `arrays` that `stmts` never writes or
    mutates, and that every call given one of them whole `passes_safely(call, name)`
    (a call that could write the array could change its parts).  `fresh(base)` gives
    an unused name."""
    fixed = set(arrays) - written(stmts, lambda call: True)
    for call in (x for s in stmts for x in n.walk(s) if isinstance(x, gast.Call)):
        given = {a.id for a in list(call.args) + [k.value for k in call.keywords]
                 if isinstance(a, gast.Name)}
        fixed -= {x for x in given & fixed if not passes_safely(call, x)}
    simple = [s for s in stmts if not isinstance(s, (gast.If, gast.For, gast.While))]
    counts, first = {}, {}
    for s in simple:
        for part in _constant_parts(s, fixed):
            key = gast.dump(part)
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, (s, part))
    names = {key: fresh(_part_name(first[key][1])) for key in sorted(counts)
             if counts[key] > 1}
    if not names:
        return stmts
    out = []
    for s in stmts:
        if not isinstance(s, (gast.If, gast.For, gast.While)):
            for key, name_ in names.items():
                if first[key][0] is s:
                    out.append(n.assign(name_, n.copied(first[key][1]), n.line_of(s)))
            s = _NamedParts(names).visit(s)
        out.append(s)
    return out


def _constant_parts(stmt, fixed):
    """The subscripts `x[<ints, slices of ints>]` of names in `fixed` that `stmt` reads."""
    return [x for x in n.walk(stmt) if isinstance(x, gast.Subscript)
            and isinstance(x.ctx, gast.Load) and n.is_name(x.value) and x.value.id in fixed
            and constant_index(x.slice)]


def constant_index(index):
    """Whether `index` is a basic index of literal ints and slices of them."""
    return all(n.is_literal_bound(b) for b in n.index_bounds(index))


def _part_name(subscript):
    """`x_from_1` for `x[1:]`, `x_to_m1` for `x[:-1]`, `x_2_to_5`, `x_0`; `x_part` else."""
    base, index = subscript.value.id, subscript.slice

    def number(e):
        value = n.int_value(e)
        return None if value is None else str(value).replace("-", "m")
    if isinstance(index, gast.Slice) and index.step is None:
        lower = number(index.lower) if index.lower is not None else ""
        upper = number(index.upper) if index.upper is not None else ""
        if lower is not None and upper is not None and (lower or upper):
            if not upper:
                return f"{base}_from_{lower}"
            return f"{base}_to_{upper}" if not lower else f"{base}_{lower}_to_{upper}"
    if not isinstance(index, (gast.Slice, gast.Tuple)) and number(index) is not None:
        return f"{base}_{number(index)}"
    return f"{base}_part"


class _NamedParts(n.Transformer):
    def __init__(self, names):
        self.names = names

    def visit_Subscript(self, node):
        name_ = self.names.get(gast.dump(node)) if isinstance(node.ctx, gast.Load) else None
        return n.name(name_) if name_ is not None else self.generic_visit(node)
