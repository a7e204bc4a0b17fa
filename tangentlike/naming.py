"""The one namer: every identifier tangentlike generates comes from here.

Receives the set of names the user's function already uses.  Guarantees
deterministic, readable, collision-free names: `bx` is the adjoint of `x`, `dx`
its tangent, `_t1`, `_t2`, ... temporaries, `_break`, `_count`, ... helpers.  The
same input always yields the same names, so generated text and caches are stable.

The generated code also uses a few names of fixed spelling (`GENERATED_NAMES`: the
runtime modules `_tl` and `_ntl`, the tape `_tape`, `_push`, `_pop`, the replay
counter `_`), and refers to modules by aliases (`ModuleNames`: `np`, `math`, ...).
A user name spelled like one of them is sheltered under a stand-in while the
derivative is built (`Namer.shelter`), and `restore_user_names` gives it back at the
end, renaming the generated code's own name away from it (`_tl__tl`, `_tape3`): no
parameter, local or global of the user's can clash with the generated code.
"""

import sys

import gast

from . import nodes as n
from .markers import GENERATED_MODULE  # noqa: F401  (re-exported)

# Names the transformers spell out themselves -> the module they stand for (None: a
# local of the generated code).
RUNTIME, NUMPY_RUNTIME = "_tl", "_ntl"       # generated code's names for the runtime modules
GENERATED_NAMES = {RUNTIME: "tangentlike.runtime", NUMPY_RUNTIME: "tangentlike.numpy_runtime",
                   "_tape": None, "_push": None, "_pop": None, "_": None}
HELPER = "runtime_helper"     # a Call's mark: the runtime function it calls (`helper_of`)
BACKWARD = "backward_call"    # a Call's mark: a callee's backward sweep (`mark_backward`)
_ONLY_ASSIGNED = {"_"}          # generated code never reads it: a clash only if the user does


def names_in(node):
    """Every identifier that appears in `node` (loads, stores, parameters)."""
    return {x.id for x in n.walk(node) if isinstance(x, gast.Name)}


def assigned_names(node):
    """The identifiers `node` assigns or takes as parameters."""
    return {x.id for x in n.walk(node)
            if isinstance(x, gast.Name) and not isinstance(x.ctx, gast.Load)}


def names_and_assigned(node):
    """(`names_in(node)`, `assigned_names(node)`), found in one walk."""
    names, assigned = set(), set()
    for x in n.walk(node):
        if isinstance(x, gast.Name):
            names.add(x.id)
            if not isinstance(x.ctx, gast.Load):
                assigned.add(x.id)
    return names, assigned


class Namer:
    """Hands out fresh names that never collide with the user's or each other."""

    def __init__(self, taken):
        self._taken = set(taken)
        self._adjoints = {}
        self._counters = {}
        self.temporaries = set()      # every name temp() handed out
        self.sheltered = {}           # user name in GENERATED_NAMES -> its stand-in
        self._stand_ins = {}          # the reverse

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

    def shelter(self, name):
        """The stand-in for the user's `name`, one of GENERATED_NAMES (stable)."""
        if name not in self.sheltered:
            stand_in = self.fresh(name)
            self.sheltered[name] = stand_in
            self._stand_ins[stand_in] = name
        return self.sheltered[name]

    def _derived(self, prefix, name):
        name = self.sheltered.get(name, name)      # the user's name means its stand-in
        key = (prefix, name)
        if key not in self._adjoints:
            shown = self._stand_ins.get(name, name)   # `_btl` for the user's `_tl`
            base = prefix + shown.lstrip("_") if shown.startswith("_") else prefix + shown
            if shown.startswith("_"):
                base = "_" + base
            self._adjoints[key] = self.fresh(base)
        return self._adjoints[key]

    def adjoint(self, name):
        """`bx` for `x` (stable: the same name every time it is asked for)."""
        return self._derived("b", name)

    def tangent(self, name):
        """`dx` for `x` (stable)."""
        return self._derived("d", name)

    def derivatives(self):
        """Every adjoint and tangent name handed out -> the name it is the derivative of;
        the adjoint temporaries (`_b1`, ...) -> None."""
        out = {t: None for t in self.temporaries if t.startswith("_b")}
        out.update({derived: name for (_, name), derived in self._adjoints.items()})
        return out


def clashing_names(fn, is_generated_meaning):
    """The names in GENERATED_NAMES that the user's FunctionDef `fn` uses for something
    else than the generated code does: any of them it binds or reads (`_` only when
    read), but a global that `is_generated_meaning(name)`, already the same module."""
    found, bound, generated = set(), set(), []
    for x in n.walk(fn):                  # (assigned_names(fn) and the names to judge)
        if isinstance(x, gast.Name):
            if not isinstance(x.ctx, gast.Load):
                bound.add(x.id)
            if x.id in GENERATED_NAMES:
                generated.append(x)
    for x in generated:
        if x.id in _ONLY_ASSIGNED and not isinstance(x.ctx, gast.Load):
            continue
        if x.id not in bound and is_generated_meaning(x.id):
            continue
        found.add(x.id)
    return found


def rename(nodes, renames):
    """Rename, in place, the Name nodes of `nodes` by `renames` (all at once)."""
    for node in nodes:
        for x in n.walk(node):
            if isinstance(x, gast.Name) and x.id in renames:
                x.id = renames[x.id]


def restore_user_names(nodes, namer, modules):
    """Give the user's sheltered names back in the generated `nodes` (in place), and
    rename away from them the generated code's own names of that spelling: a module
    alias to one `modules` finds free, a local to a fresh name (`_tape2`)."""
    if not namer.sheltered:
        return
    modules.unshelter(namer.sheltered)
    renames = {}
    for name, stand_in in sorted(namer.sheltered.items()):
        renames[stand_in] = name
        module = GENERATED_NAMES[name]
        if module is not None and modules.imports.get(name) == module:
            del modules.imports[name]
            renames[name] = modules.name_for(sys.modules[module])
        else:
            renames[name] = namer.fresh(name)
    rename(nodes, renames)


_CONVENTIONAL = {"numpy": "np", "math": "math", **{v: k for k, v in GENERATED_NAMES.items() if v}}


def helper_of(node):
    """The runtime function a call made by `ModuleNames.call` calls, else None.  Passes
    recognise generated helper calls by this mark, never by their text."""
    return getattr(node, HELPER, None) if isinstance(node, gast.Call) else None


def helper_called(call, resolve):
    """The function a call calls, where it is a runtime helper's call: by its mark, or,
    in generated code read back as source (which carries no marks), by what
    `resolve(func)` says its name is."""
    if not isinstance(call, gast.Call):
        return None
    return helper_of(call) or resolve(call.func)


def mark_helper(call, function):
    """`call` marked as a call of the runtime function `function` (see helper_of)."""
    setattr(call, HELPER, function)
    return call


def mark_backward(call):
    """`call` marked as a call of a callee's backward sweep, whose adjoints may each be
    the zero sentinel whatever the argument's kind (zeros.py guards their uses)."""
    setattr(call, BACKWARD, True)
    return call


def is_backward_call(node):
    return isinstance(node, gast.Call) and getattr(node, BACKWARD, False)


class ModuleNames:
    """Names by which generated code refers to modules, and the imports they need."""

    def __init__(self, namespace, taken):
        self.namespace = namespace
        self.taken = set(taken)
        self.imports = {}          # alias -> module name

    def name_for(self, module):
        """The name generated code calls `module` by: the user's own alias where it has
        one, else a fresh one; either way the generated module imports it under that
        name, so that the file stands alone (`import numpy as np`)."""
        for alias, mod_name in self.imports.items():
            if mod_name == module.__name__:
                return alias
        conventional = _CONVENTIONAL.get(module.__name__, module.__name__.rpartition(".")[2])
        if self.namespace.get(conventional) is module and conventional not in self.taken:
            self.imports[conventional] = module.__name__
            return conventional
        for alias, value in sorted(self.namespace.items()):
            if value is module and alias not in self.taken and not alias.startswith("__"):
                self.imports[alias] = module.__name__
                return alias
        alias, k = conventional, 1
        while alias in self.namespace or alias in self.taken:
            k += 1
            alias = f"_tl_{conventional}" if k == 2 else f"_tl_{conventional}{k}"
        self.imports[alias] = module.__name__
        return alias

    def call(self, module, helper, *args):
        """`<alias of module>.<helper>(*args)`, marked with the function it calls (a
        helper that does not exist is an AttributeError here, not in generated code)."""
        function = getattr(module, helper)
        func = gast.Attribute(value=gast.Name(id=self.name_for(module), ctx=gast.Load(),
                                              annotation=None, type_comment=None),
                              attr=helper, ctx=gast.Load())
        return mark_helper(gast.Call(func=func, args=list(args), keywords=[]), function)

    def shelter(self, sheltered):
        """The user's names `sheltered` (name -> stand-in) now go by their stand-ins: the
        global ones are found under them, and the names themselves are free."""
        for name, stand_in in sheltered.items():
            if name in self.namespace:
                self.namespace[stand_in] = self.namespace.pop(name)
            if name in self.taken:
                self.taken.discard(name)
                self.taken.add(stand_in)

    def unshelter(self, sheltered):
        """Undo `shelter`: the user's names are theirs again."""
        for name, stand_in in sheltered.items():
            if stand_in in self.namespace:
                self.namespace[name] = self.namespace.pop(stand_in)
            if stand_in in self.taken:
                self.taken.discard(stand_in)
                self.taken.add(name)
