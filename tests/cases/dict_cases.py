"""The table of dicts in differentiated code: `.items()`, `.values()`, `.keys()`,
`.get(key[, default])`, `dict(...)` from keywords, pairs or another dict, loops over a
dict and `sorted(...)` over its keys and items, on dicts built in the function and on
dict arguments (differentiated with respect to the whole dict), holding numbers and
arrays; and sorted() of numbers, which moves their derivatives with them.

Each wrapper is a module-level function; `CASES` pairs it with its arguments and the
positions differentiated.  Values are away from ties (sorted's order is fixed near them).
"""

from typing import Any, Callable, NamedTuple

import numpy as np


class Case(NamedTuple):
    name: str
    fn: Callable
    args: tuple
    wrt: Any = 0


def items_loop(x):
    d = {"a": x, "b": x * 2.0, "c": 1.5}
    s = 0.0
    for k, v in d.items():
        s = s * 2.0 + np.sin(v)
    return s


def values_sum(x):
    d = {"b": x, "a": x * x}
    return sum(d.values()) * d["a"]


def keys_loop(x):
    d = {"b": x, "a": x * x}
    s = 0.0
    for k in d.keys():
        s = s * 3.0 + d[k]
    for k in d:
        s = s + d[k] * d[k]
    return s


def get_default(x):
    d = {"a": x, "b": x * 2.0}
    return d.get("a") * d.get("c", x * 3.0) + d.get("b", 1.0)


def dict_keywords(x):
    d = dict(a=x, b=x * x)
    return d["a"] * d["b"] + np.sin(d["b"])


def dict_pairs(x):
    pairs = [("a", x), ("b", x * x), ("a", x * 3.0)]     # the last "a" wins
    d = dict(pairs)
    return d["a"] * d["b"]


def dict_copy_written(x):
    d = {"a": x, "b": x * x}
    e = dict(d)
    e["a"] = e["a"] * 3.0
    return e["a"] * d["a"] + e["b"]


def dict_extended(x):
    d = {"a": x, "b": x * x}
    e = dict(d, b=x * 5.0, c=np.cos(x))
    return e["a"] * e["b"] + e["c"] * d["b"]


def sorted_items(x):
    d = {"b": x, "a": x * 2.0, "c": np.sin(x)}
    s = 0.0
    for k, v in sorted(d.items()):
        s = s * 2.0 + np.sin(v)
    return s


def sorted_keys(x):
    d = {"b": x, "a": x * x}
    s = 0.0
    for k in sorted(d, reverse=True):
        s = s * 2.0 + d[k]
    return s


def sorted_numbers(x):
    ordered = sorted([x, 2.0 * x * x, 0.5, -x])
    return ordered[0] * 1.0 + ordered[1] * 2.0 + ordered[3] * 4.0


def sorted_by_key(x):
    ordered = sorted([x, -2.0 * x, 0.3], key=abs, reverse=True)
    return ordered[0] + ordered[1] * 3.0


def param_items(p):
    s = 0.0
    for k, v in sorted(p.items()):
        s = s * 2.0 + np.sum(np.sin(v))
    return s + np.sum(p.get("w")) * 2.0 + p.get("missing", 1.0)


def param_loop(p):
    s = 0.0
    for k in p:
        s = s + np.sum(p[k] * p[k])
    return s * np.sum(sum(p.values()))


def param_copies(p):
    q = dict(p)
    q["w"] = q["w"] * 2.0
    r = dict(q, extra=p["b"] * 3.0)
    return np.sum(r["w"] * r["extra"]) + np.sum(dict(a=p["w"])["a"]) + np.sum(p["w"])


def arrays_dict(x, y):
    layers = {"first": x[:2] * y, "second": np.outer(x, y)[0]}
    total = 0.0
    for name, value in layers.items():
        total = total + np.sum(np.tanh(value)) * len(name)
    return total


def _by_position(x):
    return {0: x, 1: 2.0 * x}


def _by_name(x):
    return {"u": x * x, "v": np.sin(x)}


def unpacked_from_a_call(x):
    a, b = _by_position(x)           # the keys (0, 1), as Python unpacks a dict
    return x * (a + b + 1.0)


def unpacked_through_a_local(x):
    d = _by_position(x)
    a, b = d
    return x * (a + b + 1.0) + d[1] * d[0]


def looped_over_a_call(x):
    s = 0.0
    for k in _by_name(x):            # string keys: a loop by position would fail
        s = s + x * len(k)
    return s


def looped_over_a_local_call(x):
    d = _by_position(x)
    s = 0.0
    for k in d:
        s = s + d[k] * (k + 1.0)
    for i, k in enumerate(reversed(d)):
        s = s + x * k * i
    return s


def builtins_over_a_call(x):
    d = _by_position(x)                        # sum, max, list and tuple read the keys
    return x * (sum(_by_position(x)) + max(d) + list(d)[1] + tuple(d)[0]) + d[0] * d[1]


def builtins_over_a_display(x):
    d = {0: x, 1: 2.0 * x}
    return x * (sum(d) + min(d)) + sum(d.values())


def _cases():
    p = {"w": np.array([0.3, -0.5]), "b": np.array([1.2, -0.4])}
    return [
        Case("items-loop", items_loop, (0.7,)),
        Case("values-sum", values_sum, (0.7,)),
        Case("keys-loop", keys_loop, (0.7,)),
        Case("get-default", get_default, (0.7,)),
        Case("dict-keywords", dict_keywords, (0.7,)),
        Case("dict-pairs", dict_pairs, (0.7,)),
        Case("dict-copy-written", dict_copy_written, (0.7,)),
        Case("dict-extended", dict_extended, (0.7,)),
        Case("sorted-items", sorted_items, (0.7,)),
        Case("sorted-keys-reverse", sorted_keys, (0.7,)),
        Case("sorted-numbers", sorted_numbers, (0.7,)),
        Case("sorted-numbers-negative", sorted_numbers, (-0.8,)),
        Case("sorted-by-key", sorted_by_key, (0.7,)),
        Case("param-items", param_items, (p,)),
        Case("param-loop", param_loop, (p,)),
        Case("param-copies", param_copies, (p,)),
        Case("unpacked-from-a-call", unpacked_from_a_call, (0.7,)),
        Case("unpacked-through-a-local", unpacked_through_a_local, (0.7,)),
        Case("looped-over-a-call", looped_over_a_call, (0.7,)),
        Case("looped-over-a-local-call", looped_over_a_local_call, (0.7,)),
        Case("builtins-over-a-call", builtins_over_a_call, (0.7,)),
        Case("builtins-over-a-display", builtins_over_a_display, (0.7,)),
        Case("arrays-dict", arrays_dict, (np.array([0.3, -0.5, 0.9]), np.array([1.1, 0.2])),
             (0, 1)),
    ]


CASES = _cases()
