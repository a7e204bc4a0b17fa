"""Dicts and sorting in differentiated code: the values generated code iterates
(`items`, `values`, `keys`, `iterated`), `dict(...)` and `sorted(...)`, with their
adjoints and tangents.

Receives dicts (any mapping for `items` / `values` / `keys`), lists and tuples, and for a
derivative the zero sentinel `0.0`, whole or as an item.  The adjoint of a dict is a
dict of the adjoints of its values (keys absent or `0.0` where none flows), of a list or
tuple a list of its items' adjoints, of a `(key, value)` pair a two-item list; keys
(strings, numbers used as keys) carry no derivative.  Writes none of its arguments;
every result is a fresh list or dict (whose items are the arguments' own values, as
dict() and sorted() give).

`d.items()`, `d.values()` and `d.keys()` are read as lists (`items(d)`, ...), in d's
order, so that the loops and indexing of generated code can replay them; a `for` loop
over a dict runs over `iterated(d)`, its keys.  `sorted(xs, key=..., reverse=...)`
moves items: `unsorted` sends each adjoint back to the item that landed there
(equal items keep their order, as sorted's stable sort does).
"""

from .basics import is_zero


def items(mapping):
    """list(mapping.items()): the (key, value) pairs, in the mapping's order."""
    return list(mapping.items())


def values(mapping):
    """list(mapping.values())."""
    return list(mapping.values())


def keys(mapping):
    """list(mapping): the keys, which carry no derivative."""
    return list(mapping)


def check_unpacking(sequence, count):
    """Refuse, as Python's `a, b = sequence` does, a sequence that has not `count`
    items (unpacking is written as indexing: `a = sequence[0]`)."""
    if len(sequence) != count:
        raise ValueError(f"cannot unpack {len(sequence)} values into {count} names")


def iterated(xs):
    """What `for x in xs` (and `a, b = xs`) runs over, as a sequence to index: `xs`
    itself for a list, tuple, str, range or array; a dict's keys; a list of what any
    other iterable gives."""
    if isinstance(xs, (list, tuple, str, range)) or hasattr(xs, "shape") \
            and hasattr(xs, "dtype"):
        return xs
    return list(xs)


def items_tangent(mapping, dmapping):
    """The tangent of items(mapping): (0.0, the value's tangent) pairs."""
    return [(0.0, 0.0 if is_zero(dmapping) else dmapping.get(k, 0.0)) for k in mapping]


def values_tangent(mapping, dmapping):
    """The tangent of values(mapping)."""
    return [0.0 if is_zero(dmapping) else dmapping.get(k, 0.0) for k in mapping]


def iterated_tangent(xs, dxs):
    """The tangent of iterated(xs): none for a dict's keys."""
    return [0.0] * len(xs) if isinstance(xs, dict) or is_zero(dxs) else dxs


def unitems(g, mapping):
    """The adjoint of `mapping` from that of items(mapping), a list of pair adjoints."""
    if is_zero(g):
        return 0.0
    return {k: (0.0 if is_zero(pair) else pair[1]) for k, pair in zip(mapping, g)}


def unvalues(g, mapping):
    """The adjoint of `mapping` from that of values(mapping)."""
    if is_zero(g):
        return 0.0
    return dict(zip(mapping, g))


def uniterated(g, xs):
    """The adjoint of `xs` from that of iterated(xs): none for a dict's keys."""
    return 0.0 if isinstance(xs, dict) else g


def undict(g, iterable):
    """The adjoint of the argument of dict(iterable), from the new dict's adjoint `g`:
    a dict for a mapping, a list of [0.0, value adjoint] pairs for (key, value) pairs."""
    if is_zero(g):
        return 0.0
    if isinstance(iterable, dict):
        return {k: g.get(k, 0.0) for k in iterable}
    pairs = list(iterable)
    last = {}
    for position, (k, _) in enumerate(pairs):      # a repeated key keeps its last value
        last[k] = position
    return [[0.0, g.get(k, 0.0) if last[k] == position else 0.0]
            for position, (k, _) in enumerate(pairs)]


def dict_tangent(iterable, diterable):
    """The tangent of dict(iterable): a dict of the values' tangents."""
    if is_zero(diterable):
        return {k: 0.0 for k in dict(iterable)}
    if isinstance(iterable, dict):
        return {k: diterable.get(k, 0.0) for k in iterable} if isinstance(diterable, dict) \
            else dict(zip(iterable, diterable))
    out = {}
    for (k, _), d in zip(iterable, diterable):
        out[k] = 0.0 if is_zero(d) else d[1]
    return out


def merged(mapping, extra):
    """dict(mapping, **extra): a new dict, `extra`'s values replacing `mapping`'s."""
    out = dict(mapping)
    out.update(extra)
    return out


def unmerged(g, mapping, extra, which):
    """The adjoint of `mapping` (which = 0) or `extra` (which = 1) in merged(...)."""
    if is_zero(g):
        return 0.0
    if which == 0:
        return {k: (0.0 if k in extra else g.get(k, 0.0)) for k in mapping}
    return {k: g.get(k, 0.0) for k in extra}


def merged_tangent(mapping, extra, dmapping, dextra):
    """The tangent of merged(mapping, extra)."""
    out = {k: (0.0 if is_zero(dmapping) else dmapping.get(k, 0.0)) for k in mapping}
    for k in extra:
        out[k] = 0.0 if is_zero(dextra) else dextra.get(k, 0.0)
    return out


def _order(xs, key=None, reverse=False):
    """The positions of `xs` in the order sorted(xs, key=key, reverse=reverse) gives."""
    return sorted(range(len(xs)), key=(lambda i: xs[i]) if key is None
                  else (lambda i: key(xs[i])), reverse=reverse)


def unsorted(g, iterable, key=None, reverse=False):
    """The adjoint of `iterable` in sorted(iterable, ...): each item's adjoint back where
    the item came from (none for a dict, whose keys sorted() returns)."""
    if is_zero(g) or isinstance(iterable, dict):
        return 0.0
    xs = list(iterable)
    out = [0.0] * len(xs)
    for position, origin in enumerate(_order(xs, key, reverse)):
        out[origin] = g[position]
    return out


def sorted_tangent(iterable, diterable, key=None, reverse=False):
    """The tangent of sorted(iterable, ...): the items' tangents in the sorted order."""
    xs = list(iterable)
    if is_zero(diterable) or isinstance(iterable, dict):
        return [0.0] * len(xs)
    return [diterable[origin] for origin in _order(xs, key, reverse)]
