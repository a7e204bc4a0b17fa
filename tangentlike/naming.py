"""The one namer: every identifier tangentlike generates comes from here.

Receives the set of names the user's function already uses.  Guarantees
deterministic, readable, collision-free names: `bx` is the adjoint of `x`, `dx`
its tangent, `_t1`, `_t2`, ... temporaries, `_break`, `_count`, ... helpers.  The
same input always yields the same names, so generated text and caches are stable.
"""

import gast


def names_in(node):
    """Every identifier that appears in `node` (loads, stores, parameters)."""
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}


def assigned_names(node):
    """The identifiers `node` assigns or takes as parameters."""
    return {n.id for n in gast.walk(node)
            if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load)}


class Namer:
    """Hands out fresh names that never collide with the user's or each other."""

    def __init__(self, taken):
        self._taken = set(taken)
        self._adjoints = {}
        self._counters = {}
        self.temporaries = set()      # every name temp() handed out

    def reserve(self, name):
        self._taken.add(name)

    def fresh(self, base):
        """`base` itself if free, else `base2`, `base3`, ..."""
        if base not in self._taken:
            self._taken.add(base)
            return base
        k = self._counters.get(base, 1)
        while True:
            k += 1
            candidate = f"{base}{k}"
            if candidate not in self._taken:
                self._counters[base] = k
                self._taken.add(candidate)
                return candidate

    def temp(self, base="_t"):
        """A numbered temporary: `_t1`, `_t2`, ..."""
        k = self._counters.get(base, 0)
        while True:
            k += 1
            candidate = f"{base}{k}"
            if candidate not in self._taken:
                self._counters[base] = k
                self._taken.add(candidate)
                self.temporaries.add(candidate)
                return candidate

    def _derived(self, prefix, name):
        key = (prefix, name)
        if key not in self._adjoints:
            base = prefix + name.lstrip("_") if name.startswith("_") else prefix + name
            if name.startswith("_"):
                base = "_" + base
            self._adjoints[key] = self.fresh(base)
        return self._adjoints[key]

    def adjoint(self, name):
        """`bx` for `x` (stable: the same name every time it is asked for)."""
        return self._derived("b", name)

    def tangent(self, name):
        """`dx` for `x` (stable)."""
        return self._derived("d", name)
