"""Pass "in-place": array adjoints accumulated in place, in the code of the user's
functions that nothing differentiates again (the forms "grad", "joint" and "split").

Requires: the backward sweep after "simplify" (or as the reverse stage made it), in
core form; `arrays`, the names that hold NumPy arrays or lists of numbers, with
their kinds (`accumulators`: such parameters, by the kinds analysis, not lists of
arrays, and the ranked locals bound once at the top of the function); `one_shapes`, the names of the shapes the reverse stage proved
to be the shape of every operand they were taken of (`x[1:] * x[:-1]`: both have
len(x) - 1 elements), so a contribution `g` needs no summing down to its part; the
add_at helpers recognised by their `naming.helper_of` mark (never by their text);
and that nothing differentiates the code again (the pipeline runs this pass in the
"grad", "split" and, for the user's functions, "joint" forms only: higher.py
differentiates "joint-inline" of the user's code, "joint" of generated code, and
never code that calls a split pair; a write in place would be the next derivative's
alias analysis' concern).  ownership.owned runs after it, as after every pass.

Rewrites (`accumulated_in_place`): `bx = _ntl.add_at(bx, x, i, g, s)` (`subtract_at`)
with `x` in `arrays`, `s` in `one_shapes` and `i` a constant basic index, or `bx =
_ntl.add_at(bx, x, i, g)` where the kinds say `x[i]` is a number (`i` an int in every
dimension of a ranked array: value_kinds), becomes `bx[i] += g` (`-=`) once `bx` is
surely an array of its own: the zero sentinel just
before it (`bx = 0.0`, nothing touching `bx` between) becomes `bx = _ntl.zeros_for(x)`
(`bx = [0.0] * len(x)` for a list of numbers, whose element accumulations are
`_tl.add_at(bx, x, i, g)`; never at a slice), or an earlier such accumulation in the
same block made it.  On such an array (an `if`
or a loop keeps it one when it binds it only in such accumulations or `bx =
_tl.writable(bx)`), `bx = _tl.writable(bx)` goes, and `v = _tl.extract(bx, i)`, where
the kinds say `x[i]` is a number, becomes `v = bx[i]` and `bx[i] = 0.0`.  The
pipeline then drops the shapes no longer read (dead_stores).  (`summed_in_place`): `b = b + e` (`- e`)
becomes `b += e` (`-=`) for the adjoint `b` of an array parameter that the code only
ever sets to the zero sentinel or to an array of its own (`zeros_for`, `copy`,
`add_at(b, ...)`, `b + e`, a generated backward sweep's result handed over to it:
`_b2 = backward_h(...); b = _b2`, `_b2` read nowhere else, ownership.handed_over), and
reads only in its own accumulations, in `return` and after the last statement that
binds it.

Preserves the result because
- `add_at` adds `g` into `bx[i]` in place itself, after making the zero sentinel
  `zeros_for(x)` and a read-only array writable; with a constant basic index the
  part is a view without repeated elements, and with `s` in `one_shapes`, `g` needs
  no summing, so `bx[i] += g` adds the same values into the same array; at an index
  of ints the part is one element and `g`, the adjoint of a number, is a number (were
  it an array of more than one element, `+=` would raise, never add a wrong value);
  a list of numbers' adjoint made by the helper is a list of numbers (runtime's
  `_zero_parts`), where `add_at` adds a number at an element as `bx[i] += g` does;
- an array of its own is writable, so `writable` returns it as it is; `extract` of
  one element of an array reads it and stores 0 there, which is what `v = bx[i]`
  and `bx[i] = 0.0` do (an element of a ranked array: `bx` has `x`'s shape);
- `b` never shares its array with another name while it is added into (a name that
  reads it after its last binding comes after the last addition), so adding into it
  changes nothing but `b`, and the first `+=` on the number 0.0 makes a new array, as `+` did.
  Preserved to the parameter's precision only, for mixed dtypes: `b + e` widens to
  e's dtype where `b += e` keeps b's, so a float32 parameter whose adjoint gets a
  float32 contribution first and float64 ones later is summed in float32.  The
  gradient is cast to the parameter's dtype either way (results.grad_like), and the
  two agree to float32's rounding (tests/test_passes.py); for float64 parameters
  and real contributions nothing can widen the sum and the results are identical.
"""


import gast

from .. import nodes as n
from .. import numpy_runtime, runtime
from ..naming import helper_of, mark_helper
from ..normalize.loops import makes_sequence
from ..ownership import calls_one_of, handed_over
from ..trees import ARRAY_KINDS
from .effects import is_zero
from .named_parts import constant_index

_ADD_AT = {numpy_runtime.add_at: gast.Add, numpy_runtime.subtract_at: gast.Sub}
_ACCUMULATED = ARRAY_KINDS | {"scalars"}
_ACCUMULATED_LOCALS = {"vector", "matrix"}     # (a local's "scalars" may be a dict: one is
#                                                 taken only where it is surely a sequence)


def accumulators(params, arg_kinds, view):
    """The names whose adjoints `accumulated_in_place` may take, with their kinds: the
    parameters of an array kind or lists or tuples of numbers ("scalars": arg_kind
    calls a dict "other"), and the locals of a ranked kind (surely NumPy arrays:
    value_kinds), or of kind "scalars" bound to what is surely a list or a tuple
    (normalize.loops.makes_sequence: a display, a sequence a callee returns, ...) whose
    methods are never called (`xs.append(v)` changes its length), bound once, by a
    statement at the top of the function's body (so bound wherever the
    backward sweep is; a binding in a loop or a branch leaves them out)."""
    top = {s.targets[0].id: s.value for s in view.fn.body if isinstance(s, gast.Assign)
           and len(s.targets) == 1 and n.is_name(s.targets[0])}
    stores = {}
    for x in n.walk(view.fn):
        if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store):
            stores[x.id] = stores.get(x.id, 0) + 1
    receivers = {x.func.value.id for x in n.walk(view.fn) if isinstance(x, gast.Call)
                 and isinstance(x.func, gast.Attribute) and n.is_name(x.func.value)}
    found = {p: arg_kinds[p] for p in params if arg_kinds.get(p) in _ACCUMULATED}
    found.update({x: view.kind[x] for x, value in sorted(top.items())
                  if stores.get(x) == 1 and x not in params
                  and (view.kind.get(x) in _ACCUMULATED_LOCALS or view.kind.get(x) == "scalars"
                       and x not in receivers and makes_sequence(value, view.callee))})
    return found


def accumulated_in_place(stmts, one_shapes, arrays, reads_number=lambda part: False,
                         live=None):
    """`_in_place` below, for the `arrays` that no statement of `stmts` binds (each
    holds one array throughout: `zeros_for(x)` has its shape wherever it is made);
    `live`: the names read after `stmts` (None: every name, and no zeroing goes)."""
    bound = {x.id for s in stmts for x in n.walk(s)
             if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store)}
    out = _in_place(stmts, one_shapes, {a: k for a, k in arrays.items() if a not in bound},
                    reads_number)
    return out if live is None else _without_last_zeroing(out, live)


def _without_last_zeroing(stmts, live):
    """`stmts` less the zeroing `b[i] = 0.0` of an extracted element (at the top level)
    that nothing reads after: `b` is not in `live` nor loaded by a later statement, and
    every load of
    it before is an element read or its own accumulation (so no other name holds its
    array and sees the store)."""
    out = []
    for k, s in enumerate(stmts):
        b = s.targets[0].value.id if getattr(s, "_zeroing", False) else None
        if b is None or b in live or any(b in n.names_read(x) for x in stmts[k + 1:]) \
                or not _only_own_loads(stmts[:k], b):
            out.append(s)
    return out


def _only_own_loads(stmts, b):
    """Whether every load of `b` in `stmts` reads an element (`b[i]`, `b[i] += g`) or is
    the first argument of its own rebinding `b = helper(b, ...)`."""
    allowed = set()
    for s in stmts:
        for x in n.walk(s):
            if isinstance(x, gast.Subscript) and n.is_name(x.value, b):
                allowed.add(id(x.value))
            elif isinstance(x, gast.Assign) and n.is_name(x.targets[0], b) \
                    and isinstance(x.value, gast.Call) and x.value.args \
                    and n.is_name(x.value.args[0], b):
                allowed.add(id(x.value.args[0]))
    return all(id(x) in allowed for s in stmts for x in n.walk(s)
               if isinstance(x, gast.Name) and x.id == b and isinstance(x.ctx, gast.Load))


def _in_place(stmts, one_shapes, arrays, reads_number, made=frozenset()):
    """`bx[i] += g` for `bx = _ntl.add_at(bx, x, slice_i, g, s)` (`-=` for subtract_at)
    where `x` is one of `arrays` (parameters holding arrays, not lists of them) and `s`
    is in `one_shapes`, the shapes of operands that surely have one shape (so
    `g` is at most the part's shape and needs no summing), once `bx` is surely an array
    of its own: made from the zero sentinel (`bx = 0.0` becomes `bx = _ntl.zeros_for(x)`
    when nothing reads `bx` in between) or by an earlier such accumulation in the same
    run of statements (the helper makes its result writable), or before an `if` or a
    loop that binds `bx` only in such accumulations (`made`: those names, in a body)."""
    out, made, zero = [], dict(made), {}     # made: name -> the array it is shaped like;
    #                                           zero: name -> position of `bx = 0.0` in out

    def accumulation_of(s):
        return _one_shape_accumulation(s, one_shapes, arrays, reads_number)

    def materialize(target, accumulation):         # `bx = 0.0` -> `bx = zeros_for(x)`
        x = accumulation.value.args[1]
        sentinel = out[zero.pop(target)]
        if arrays[x.id] == "scalars":                   # `[0.0] * len(xs)`
            sentinel.value = n.binop(gast.List(elts=[n.const(0.0)], ctx=gast.Load()),
                                     gast.Mult(), n.call("len", n.copied(x)))
        else:
            module = n.dotted_text(accumulation.value.func).rpartition(".")[0]  # (its alias)
            sentinel.value = mark_helper(n.call(f"{module}.zeros_for", n.copied(x)),
                                         numpy_runtime.zeros_for)
        made[target] = accumulation.value.args[1].id
    for s in stmts:
        owned = _on_own_array(s, made, reads_number)
        if owned is not None:                     # writable(b), extract(b, i): b is made
            out.extend(owned)
            continue
        compound = isinstance(s, (gast.If, gast.For, gast.While))
        accumulation = None if compound else accumulation_of(s)
        if accumulation is None:
            kept = set()
            if compound:
                # an adjoint the compound statement only accumulates into stays one
                # array of its own through it: made before it, in place inside it
                for target in sorted(set(zero) | set(made)):
                    only, found = _only_accumulated(s, target, accumulation_of)
                    if only and (target in made or found is not None):
                        if target in zero:
                            materialize(target, found)
                        kept.add(target)
                for field in ("body", "orelse"):
                    setattr(s, field, _in_place(getattr(s, field), one_shapes, arrays,
                                                reads_number,
                                                {k: made[k] for k in kept if k in made}))
            touched = {x.id for x in n.walk(s) if isinstance(x, gast.Name)} - kept
            made = {k: v for k, v in made.items() if k not in touched}
            zero = {k: v for k, v in zero.items() if k not in touched}
            if isinstance(s, gast.Assign) and n.is_name(s.targets[0]) and is_zero(s.value):
                zero[s.targets[0].id] = len(out)           # the zero sentinel
            out.append(s)
            continue
        target, op, index, value = accumulation
        if target in zero:
            materialize(target, s)
        if target not in made:
            made[target] = s.value.args[1].id
            out.append(s)
            continue
        out.append(n.set_line(gast.AugAssign(target=n.subscript(n.name(target), index,
                                                                store=True),
                                             op=op, value=value), n.line_of(s)))
    return out


def _only_accumulated(s, target, accumulation_of):
    """(whether every binding of `target` in compound `s` keeps it an array of its own:
    an accumulation `accumulation_of` recognises, or `target = writable(target)`; the
    first such accumulation, or None)."""
    found = None
    for x in n.walk(s):
        if isinstance(x, gast.Assign) and any(n.is_name(t, target) for t in x.targets):
            if _helper_on(x, runtime.writable) == target:
                continue
            accumulation = accumulation_of(x)
            if accumulation is None or accumulation[0] != target:
                return False, None
            found = found or x
        elif isinstance(x, gast.Name) and x.id == target and isinstance(x.ctx, gast.Store) \
                and not any(x is t for a in n.walk(s) if isinstance(a, gast.Assign)
                            for t in a.targets):
            return False, None           # bound another way (a loop target, unpacking)
    return True, found


def _helper_on(s, helper):
    """`b` where `s` is `b = helper(b)` (`helper` a runtime function, by its mark), else
    None."""
    if isinstance(s, gast.Assign) and len(s.targets) == 1 and n.is_name(s.targets[0]) \
            and helper_of(s.value) is helper and len(s.value.args) == 1 \
            and n.is_name(s.value.args[0], s.targets[0].id):
        return s.targets[0].id
    return None


def _on_own_array(s, made, reads_number):
    """What `s` becomes when it works on an adjoint `b` in `made` (a writable array of
    its own, shaped like `made[b]`), or None: `b = _tl.writable(b)` does nothing to it
    (no statement); `v = _tl.extract(b, i)`, where the kinds say `made[b][i]` is a
    number, reads the element and leaves zero in its place as the helper does: `v =
    b[i]` and `b[i] = 0.0`."""
    if _helper_on(s, runtime.writable) in made:
        return []
    if not (isinstance(s, gast.Assign) and len(s.targets) == 1 and n.is_name(s.targets[0])
            and helper_of(s.value) is runtime.extract and len(s.value.args) == 2):
        return None
    b, index = s.value.args
    if not n.is_name(b) or b.id not in made or n.is_name(s.targets[0], b.id) \
            or any(isinstance(e, (gast.Call, gast.Slice)) for e in n.walk(index)) \
            or not reads_number(gast.Subscript(value=n.name(made[b.id]),
                                               slice=n.copied(index), ctx=gast.Load())):
        return None
    line = n.line_of(s)
    return [n.assign(s.targets[0].id, n.subscript(b.id, n.copied(index)), line),
            _zeroing(n.assign(n.subscript(b.id, n.copied(index), store=True), n.const(0.0),
                              line))]


def _zeroing(s):
    s._zeroing = True              # (dropped where nothing reads it: _without_last_zeroing)
    return s


def summed_in_place(stmts, accumulators, fresh_calls=()):
    """`b += e` for `b = b + e` (`-=` for `-`), where `b` is one of `accumulators` (the
    adjoints of array parameters: name -> its primal's kind; a list's is left alone,
    where `+=` would extend it) and `stmts` only ever set `b` to the zero sentinel or
    to an array of its own (`_ntl.zeros_for(x)`, `_tl.copy(...)`, the result of
    `_ntl.add_at(b, ...)`, a value handed over from a call of `fresh_calls`, the
    generated backward sweeps: ownership.handed_over),
    add into it, and return it, reading it elsewhere only after the last statement that
    binds it.  `b` then never shares its array with another name while it is added
    into (the first `+=` on the number 0.0 makes a new array), so
    adding in place changes nothing but `b`, and saves an allocation per statement:
    in a loop over time steps, one per step."""
    owned = {b for b, kind in dict(accumulators).items() if kind in ARRAY_KINDS}
    nodes = [x for stmt in stmts for x in n.walk(stmt)]
    assigned = {id(t) for a in nodes if isinstance(a, gast.Assign) for t in a.targets}
    handed = handed_over(stmts, {x.id for x in nodes if isinstance(x, gast.Name)},
                         calls_one_of(fresh_calls))
    for x in nodes:
        if isinstance(x, gast.Assign):
            for target in x.targets:
                if isinstance(target, gast.Name) and target.id in owned \
                        and not _owned_value(x.value, target.id) \
                        and not (n.is_name(x.value) and x.value.id in handed.get(id(x), ())):
                    owned.discard(target.id)
        elif isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store) \
                and id(x) not in assigned:
            owned.discard(x.id)               # a loop target, an unpacked name, ...
    allowed = _allowed_reads(stmts, owned) | _reads_after_last_binding(stmts, owned)
    owned -= {x.id for x in nodes if isinstance(x, gast.Name)
              and isinstance(x.ctx, gast.Load) and id(x) not in allowed}
    return [_SummedInPlace(owned).visit(s) for s in stmts] if owned else stmts


def _reads_after_last_binding(stmts, owned):
    """The ids of the reads of `owned` names in the statements after the last one that
    binds the name (an alias made there sees no addition in place: none follows)."""
    last = {}
    for k, stmt in enumerate(stmts):
        for x in n.walk(stmt):
            if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store) and x.id in owned:
                last[x.id] = k
    return {id(x) for k, stmt in enumerate(stmts) for x in n.walk(stmt)
            if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Load)
            and x.id in last and k > last[x.id]}


def _owned_value(value, b):
    """Whether `b = value` leaves `b` the zero sentinel or an array of its own."""
    if is_zero(value):
        return True
    if isinstance(value, gast.BinOp) and isinstance(value.op, (gast.Add, gast.Sub)) \
            and n.is_name(value.left, b) and b not in n.names_read(value.right):
        return True
    if isinstance(value, gast.Call) and value.args:
        helper = helper_of(value)
        return helper in (numpy_runtime.zeros_for, runtime.copy) or helper in _ADD_AT \
            and n.is_name(value.args[0], b)
    return False


def _allowed_reads(stmts, owned):
    """The ids of the reads of `owned` names that keep them owned: in their own
    accumulations (`b + e`, `add_at(b, ...)`, `b[i] += e`) and in `return`."""
    allowed = set()
    for stmt in stmts:
        for x in n.walk(stmt):
            if isinstance(x, gast.Return):
                allowed |= {id(y) for y in n.walk(x) if isinstance(y, gast.Name)}
            elif isinstance(x, gast.Assign) and len(x.targets) == 1 \
                    and n.is_name(x.targets[0]) and x.targets[0].id in owned:
                value = x.value
                first = value.left if isinstance(value, gast.BinOp) else \
                    value.args[0] if isinstance(value, gast.Call) and value.args else None
                if n.is_name(first, x.targets[0].id):
                    allowed.add(id(first))
            elif isinstance(x, gast.AugAssign) and isinstance(x.target, gast.Subscript) \
                    and n.is_name(x.target.value):
                allowed.add(id(x.target.value))
    return allowed


class _SummedInPlace(n.Transformer):
    def __init__(self, owned):
        self.owned = owned

    def visit_Assign(self, node):
        target = node.targets[0]
        value = node.value
        if len(node.targets) == 1 and isinstance(target, gast.Name) \
                and target.id in self.owned and isinstance(value, gast.BinOp) \
                and isinstance(value.op, (gast.Add, gast.Sub)) \
                and n.is_name(value.left, target.id):
            return n.set_line(gast.AugAssign(target=target, op=value.op, value=value.right),
                              n.line_of(node))
        return node


def _one_shape_accumulation(s, one_shapes, arrays, reads_number):
    """(target, operator, index, value) of `bx = _ntl.add_at(bx, x, i, g, s)` with `x`
    in `arrays`, `s` in `one_shapes` and `i` a constant index, or of `bx =
    _ntl.add_at(bx, x, i, g)` where `x[i]` reads a number (`reads_number`), else None."""
    if not (isinstance(s, gast.Assign) and n.is_name(s.targets[0])
            and isinstance(s.value, gast.Call) and len(s.value.args) in (4, 5)
            and not s.value.keywords):
        return None
    helper = helper_of(s.value)
    if len(s.value.args) == 4:
        return _element_accumulation(s, helper, arrays, reads_number)
    b, x, index, g, shape = s.value.args
    index = _as_index(index)
    if helper not in _ADD_AT or not n.is_name(b, s.targets[0].id) \
            or not n.is_name(x) or arrays.get(x.id) in (None, "scalars") \
            or not n.is_name(shape) \
            or shape.id not in one_shapes \
            or index is None:
        return None
    return b.id, _ADD_AT[helper](), index, g


def _element_accumulation(s, helper, arrays, reads_number):
    """(target, operator, index, value) of `bx = _ntl.add_at(bx, x, i, g)` where `x` is
    in `arrays` and `x[i]` is a number by the kinds (ints in every dimension), else
    None."""
    b, x, index, g = s.value.args
    if not n.is_name(b, s.targets[0].id) or not n.is_name(x) or x.id not in arrays \
            or any(isinstance(e, (gast.Call, gast.Slice)) for e in n.walk(index)):
        return None
    if helper is runtime.add_at and arrays[x.id] == "scalars":
        helper = numpy_runtime.add_at             # (the same addition, on a list)
    if helper not in _ADD_AT:
        return None
    if not reads_number(gast.Subscript(value=n.copied(x), slice=n.copied(index),
                                       ctx=gast.Load())):
        return None
    return b.id, _ADD_AT[helper](), n.copied(index), g


def _as_index(value):
    """The subscript index `index_value` made `value` from (`slice(None, -1)` -> `:-1`),
    for constant indexes; else None."""
    if isinstance(value, gast.Tuple):
        parts = [_as_index(x) for x in value.elts]
        return None if None in parts else gast.Tuple(elts=parts, ctx=gast.Load())
    if isinstance(value, gast.Call) and n.is_name(value.func, "slice") \
            and 2 <= len(value.args) <= 3 and not value.keywords:
        bounds = [None if isinstance(x, gast.Constant) and x.value is None else x
                  for x in value.args] + [None]
        index = gast.Slice(lower=bounds[0], upper=bounds[1], step=bounds[2])
        return n.copied(index) if constant_index(index) else None
    return n.copied(value) if constant_index(value) else None

