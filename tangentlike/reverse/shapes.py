"""Reverse mode: shapes the primal sweep measures, so the tape keeps them, not values.

Receives the Blocks of a function's simple statements (reverse.blocks), its
top-level statements and the frozen BroadcastPlan.  Guarantees new Blocks (the
ones given are not changed; the adjoint statements inside them are rewritten in
place where a value is replaced by its shape):

- `measured_spread_shapes`: `a_shape = np.shape(a)` after the statement that
  computes a spread value whose shape the plan does not read from its operands (a
  split pair's); no block reads a spread shape for the restore analysis (each is
  written once, at the top level, so none needs restoring);
- `kept_as_shapes`: a value the backward sweep reads only for its shape (the
  reference of an `unbroadcast`) is replaced there by `np.shape(value)`, computed
  in the primal sweep after each statement that writes it: the tape then keeps a
  small tuple instead of an array.  (Not in a joint function for a value written
  outside loops: its locals live to its end anyway.)
"""

import dataclasses

import gast
import numpy

from .. import analyze
from .. import nodes as n
from .. import runtime
from ..naming import helper_of


def measured_spread_shapes(blocks, body, plan, modules):
    """`blocks` with the spread shapes of `plan` measured where the plan says (see
    the module docstring); `modules`: the generated module's ModuleNames."""
    blocks = dict(blocks)
    for writer in body:
        if isinstance(writer, gast.Assign) and isinstance(writer.targets[0], gast.Name) \
                and writer.targets[0].id in plan.summed.values() \
                and writer.targets[0].id not in plan.spread_leaves:
            name_ = writer.targets[0].id
            blocks[id(writer)] = _measured(blocks[id(writer)], writer, name_,
                                           plan.spread[name_], modules)
    shapes = set(plan.spread.values())
    return {key: _without_reads(block, shapes) for key, block in blocks.items()}


def _without_reads(block, names):
    """`block`, its effects reading none of `names` (the block itself if they read none)."""
    effects = block.effects
    if names.isdisjoint(effects.reads_before) and names.isdisjoint(effects.reads_after):
        return block
    return dataclasses.replace(block, effects=dataclasses.replace(
        effects, reads_before=effects.reads_before - names,
        reads_after=effects.reads_after - names))


def kept_as_shapes(blocks, body, params, joint, namer, modules):
    """(blocks, the new shape names): `blocks` with the values read only for their
    shape replaced by it (see the module docstring)."""
    blocks = dict(blocks)
    loads, shape_refs = {}, {}
    for b in blocks.values():
        for stmt in b.head + b.stmts:
            for x in n.walk(stmt):
                if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Load):
                    loads[x.id] = loads.get(x.id, 0) + 1
                if helper_of(x) is runtime.unbroadcast and len(x.args) == 2 \
                        and n.is_name(x.args[1]):
                    shape_refs.setdefault(x.args[1].id, []).append(x)
    writers = {}
    for s in analyze.simple_statements(body):
        target, _ = analyze.target_and_value(s)
        if target is not None:
            writers.setdefault(target, []).append(s)
    in_loop = n.stored_names([x for x in body if isinstance(x, (gast.For, gast.While))])
    shapes = []
    for name_, calls in sorted(shape_refs.items()):
        plain = all(isinstance(w, gast.Assign) and n.is_name(w.targets[0], name_)
                    for w in writers.get(name_, [None]))
        if loads.get(name_) != len(calls) or name_ in params or not plain \
                or (name_ not in in_loop and joint):
            continue
        shape = namer.fresh(f"{name_.lstrip('_')}_shape")
        for call in calls:
            call.args[1] = n.name(shape)
        for writer in writers[name_]:
            block = _measured(blocks[id(writer)], writer, name_, shape, modules)
            blocks[id(writer)] = dataclasses.replace(block, effects=dataclasses.replace(
                block.effects, assigns=block.effects.assigns | {shape}))
        for key, block in blocks.items():
            effects = block.effects
            if name_ in effects.reads_before or name_ in effects.reads_after:
                blocks[key] = dataclasses.replace(block, effects=dataclasses.replace(
                    effects, reads_before=_renamed(effects.reads_before, name_, shape),
                    reads_after=_renamed(effects.reads_after, name_, shape)))
        shapes.append(shape)
    return blocks, shapes


def _measured(block, writer, name_, shape, modules):
    """`block` (of `writer`) with `shape = np.shape(name_)` added to its primal."""
    measure = n.assign(shape, n.call(f"{modules.name_for(numpy)}.shape", n.name(name_)),
                       n.line_of(writer))
    primal = block.primal if isinstance(block.primal, list) else [block.primal or writer]
    return dataclasses.replace(block, primal=primal + [measure])


def _renamed(names, old, new):
    return names - {old} | {new} if old in names else names
