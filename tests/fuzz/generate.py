"""Seeded generator of random Python/NumPy programs for the fuzzer.

Receives a seed and an index.  Guarantees: `generate(seed, index)` returns a
`Program` whose `text` is the same, byte for byte, every time it is asked for
(the only randomness is `random.Random(f"{seed}:{index}")`, seeded from a string,
so hash randomization plays no part).  The text is a module:

    import numpy as np
    import math

    def h0(...): ...          # helpers f calls (some recursive, with a depth counter)

    def f(x, y, n, *, w=0.5):  # positional arguments, keyword-only ones with defaults
        ...
        return <a scalar>

    ARGS = (np.array([...]), 0.31, 3)

`ARGS` are the positional arguments f is called with: floats and arrays in
[-1, 1] (shapes (N,) and (R, N) with N in {3, 4}, R in {2, 3}), lists and dicts of
floats, and ints (loop counts, recursion depths), which are not differentiated.
Keyword-only and defaulted parameters are never passed: their defaults are used.
Every construct `docs/supported.md` lists as supported appears in some family;
`Program.features` names the ones a program uses.  Inputs stay in safe domains
(`np.log(v * v + 1.0)`, `1.0 / (1.0 + v * v)`), so f is finite almost everywhere,
and values are kept bounded (tanh/sin wrappers, contracting loop updates) so that
finite differences are meaningful.  A program whose primal still fails or is not
finite at its `ARGS` is the judge's to skip; `redraw(program, attempt)` gives the
same program with other argument values.
"""

import dataclasses
import random

FAMILIES = ("scalar", "array", "inplace", "mask", "containers", "mixed")
_FAMILY_WEIGHTS = (24, 14, 26, 14, 10, 12)


@dataclasses.dataclass(frozen=True)
class Param:
    """One positional parameter of f: its name, kind and shape (arrays)."""
    name: str
    kind: str            # "float", "array", "int", "list", "dict"
    shape: tuple = ()    # arrays; for lists (length,); for dicts, the keys


@dataclasses.dataclass(frozen=True)
class Program:
    """A generated program: module text (ending with ARGS) and what it contains."""
    seed: int
    index: int
    family: str
    text: str
    params: tuple
    writes: bool          # writes into an array, list or dict (autograd cannot follow)
    features: frozenset

    @property
    def name(self):
        return f"s{self.seed}_p{self.index}"


def generate(seed, index):
    """Program `index` of seed `seed`: always the same text."""
    rng = random.Random(f"{seed}:{index}")
    family = rng.choices(FAMILIES, weights=_FAMILY_WEIGHTS)[0]
    builder = _Builder(rng, family)
    body = builder.module()
    args = args_text(builder.params, random.Random(f"{seed}:{index}:args:0"))
    return Program(seed, index, family, f"{body}\n\nARGS = {args}\n", tuple(builder.params),
                   builder.writes, frozenset(builder.features))


def redraw(program, attempt):
    """`program` with argument values drawn afresh (attempt 0 gives its own)."""
    rng = random.Random(f"{program.seed}:{program.index}:args:{attempt}")
    head = program.text.rsplit("\nARGS = ", 1)[0]
    text = f"{head}\nARGS = {args_text(program.params, rng)}\n"
    return dataclasses.replace(program, text=text)


# a class the programs that use `object_state` define (inserted after the imports)
_STATE_CLASS = ["", "class State:", "    def __init__(self, a):", "        self.a = a", "",
                "    def bump(self, c):", "        self.a = self.a * 0.5 + c",
                "        return self.a", ""]


# ------------------------------------------------------------------ arguments

def _number(rng):
    """A value in [-1, 1] with four decimals (ties with thresholds are rare)."""
    return round(rng.uniform(-1.0, 1.0), 4)


def _array_literal(shape, rng):
    if len(shape) == 1:
        return "[" + ", ".join(repr(_number(rng)) for _ in range(shape[0])) + "]"
    return "[" + ", ".join(_array_literal(shape[1:], rng) for _ in range(shape[0])) + "]"


def arg_text(param, rng):
    """Python source of a random value for `param`."""
    if param.kind == "float":
        return repr(_number(rng))
    if param.kind == "int":
        return repr(rng.randint(2, 4))
    if param.kind == "array":
        return f"np.array({_array_literal(param.shape, rng)})"
    if param.kind == "list":
        return _array_literal(param.shape, rng)
    if param.kind == "dict":
        return "{" + ", ".join(f"{key!r}: {_number(rng)!r}" for key in param.shape) + "}"
    raise ValueError(f"unknown parameter kind {param.kind!r}")


def args_text(params, rng):
    """Python source of the tuple of f's positional arguments."""
    items = [arg_text(param, rng) for param in params]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


# -------------------------------------------------------------- the builder

def atom(expr):
    """`expr` in parentheses unless it already binds tighter than any operator
    (a name, a call, a subscript), so `atom(e)[1:]` and `atom(e).T` mean what they say."""
    depth = 0
    for char in expr:
        depth += char in "([{"
        depth -= char in ")]}"
        if depth == 0 and char == " ":
            return f"({expr})"
    return f"({expr})" if expr[:1] in "-+" else expr


# NumPy functions over the documented rule table, with `{v}`, `{u}` arrays of shape
# (N,), `{a}` of shape (R, N), `{n}` = N, written to stay in their safe domains.
ELEMENTWISE = (
    "np.sin({v})", "np.cos({v})", "np.tanh({v})", "np.exp(np.sin({v}))",
    "np.log({v} * {v} + 1.0)", "1.0 / (1.0 + {v} * {v})", "np.sqrt({v} * {v} + 0.5)",
    "{v} ** 2", "np.square({v})", "np.arctan({v})", "np.sinh(np.tanh({v}))",
    "np.cosh(np.tanh({v}))", "np.expm1(np.sin({v}))", "np.log1p({v} * {v})",
    "np.reciprocal({v} * {v} + 1.0)", "np.arcsinh({v})", "np.sinc({v})",
    "np.cbrt({v} * {v} + 0.5)", "np.exp2(np.sin({v}))", "np.log2({v} * {v} + 1.0)",
    "np.log10({v} * {v} + 2.0)", "np.power({v} * {v} + 1.0, 1.5)",
    "np.float_power({v} * {v} + 1.0, 0.5)", "np.hypot({v}, 0.5)", "np.arctan2({v}, 1.5)",
    "np.logaddexp({v}, 0.3)", "np.negative({v})", "np.positive({v})",
    "np.arcsin(np.tanh({v}) * 0.5)", "np.arccos(np.tanh({v}) * 0.5)",
    "np.arctanh(np.tanh({v}) * 0.5)", "np.deg2rad({v})", "np.clip({v}, -0.5, 0.5)",
    "np.abs({v})", "np.maximum({v}, 0.1)", "np.fmin({v}, 0.2)", "np.sort({v})",
    "np.cumprod({v} * 0.5 + 1.0)", "np.cumsum({v}) * 0.5", "np.flip({v})", "np.roll({v}, 1)",
    "np.multiply({v}, {u})", "np.add({v}, {u})", "np.subtract({v}, {u})",
    "np.divide({v}, 2.0 + np.sin({u}))", "np.minimum({v}, {u})", "np.fmax({v}, {u})",
    "np.where({v} > {u}, {v}, {u} * 0.5)", "np.ravel(np.outer({v}, {u})[0])",
    "np.squeeze({v}[None, :])", "np.reshape({v}, ({n}, 1))[:, 0]", "np.copy({v})",
    "np.asarray({v})", "np.array({v})", "np.take({v}, {perm})", "{v}[{perm}]",
    "np.atleast_1d({v})", "np.real({v})", "np.diag(np.diag({v}))",
    "np.diagonal(np.outer({v}, {u}))",
    "np.full_like({v}, 0.5) * {u}", "np.nan_to_num({v})", "np.broadcast_to({v}, (2, {n}))[1]",
    "np.average(np.stack([{v}, {u}]), axis=0)", "np.var(np.stack([{v}, {u}]), axis=0)",
)
REDUCTIONS = (
    "np.sum({v})", "np.mean({v})", "np.max({v})", "np.min({v})", "np.prod({v} * 0.5 + 1.0)",
    "np.std({v})", "np.var({v})", "np.linalg.norm({v})", "np.ptp({v})", "np.average({v})",
    "np.amax({v})", "np.amin({v})", "np.nansum({v})", "np.nanmean({v})", "np.dot({v}, {u})",
    "np.inner({v}, {u})", "np.vdot({v}, {u})", "({v} @ {u})", "np.sum(np.outer({v}, {u}))",
    "np.trace(np.outer({v}, {u}))", "np.einsum('i,i->', {v}, {u})",
    "np.tensordot({v}, {u}, axes=1)", "np.sum(np.kron({v}, {u}))", "np.sum(np.tile({v}, 2))",
    "np.sum(np.repeat({v}, 2))", "np.sum(np.pad({v}, (1,), 'constant'))",
    "np.sum(np.append({v}, {u}))", "np.sum(np.hstack([{v}, {u}]))",
    "np.sum(np.vstack([{v}, {u}]) ** 2)", "np.sum(np.expand_dims({v}, 0) * {u})",
    "np.sum(np.take({v}, [0, 2]))", "np.sum({v}[[0, 1]] * 2.0)",
    "np.sum(np.ravel(np.outer({v}, {u})) ** 2)", "np.sum(np.triu(np.outer({v}, {u})))",
    "np.sum(np.tril(np.outer({v}, {u})))", "np.sum(np.swapaxes({v}[None, :], 0, 1) * {u})",
    "np.sum(np.moveaxis(np.outer({v}, {u}), 0, 1) * np.outer({v}, {v}))",
    "np.sum(np.array_split({v}, 2)[0])", "np.sum(np.split(np.tile({v}, 2), 2)[1] * {u})",
    "np.sum(np.concatenate([{v}, {u}[::2]]))", "np.sum(np.stack([{v}, {u}], axis=1) ** 2)",
    "np.sum(np.column_stack([{v}, {u}]))", "np.sum(np.dstack([{v}, {u}]))",
    "np.sum(np.atleast_2d({v}) @ np.atleast_2d({u}).T)", "np.sum(np.rot90(np.outer({v}, {u})))",
    "np.sum(np.fliplr(np.outer({v}, {u})) * np.outer({v}, {v}))",
    "np.linalg.det(np.outer({v}, {u}) * 0.2 + np.eye({n}))",
    "np.sum(np.linalg.inv(np.outer({v}, {v}) * 0.1 + np.eye({n})))",
    "np.linalg.slogdet(np.outer({v}, {v}) * 0.1 + np.eye({n}))[1]",
    "np.sum(np.linalg.solve(np.outer({v}, {v}) * 0.1 + np.eye({n}), {u}))",
    "np.trace(np.linalg.matrix_power(np.outer({v}, {u}) * 0.5 + np.eye({n}), 2))",
    "np.sum(np.linalg.eigvalsh(np.outer({v}, {v}) + np.eye({n})) ** 2)",
    "np.sum(np.cross({v}[:3], {u}[:3]))", "np.sum(np.sort({v}) * {u})",
    "np.sum(np.einsum('i,j->ij', {v}, {u}))", "np.sum(np.cumsum({v}) * {u})",
    "np.sum({a}, axis=1) @ np.ones({r})", "np.linalg.norm({a})",
    "np.sum(np.mean({a}, axis=1))", "np.sum(np.einsum('ij,j->i', {a}, {v}))",
    "np.sum(np.tensordot({a}, {v}, axes=1))", "np.sum(np.vstack([{a}, {a}]) * 0.5)",
    "np.sum(np.swapaxes({a}, 0, 1) ** 2)", "np.sum(np.matmul({a}, {v}))",
    "np.sum(np.dot({a}, {v}) ** 2)", "np.sum(np.max({a}, axis=1))",
    "np.sum(np.transpose({a}) @ {a})", "np.sum(np.reshape({a}, (-1,)) ** 2)",
    "np.sum({a}.flatten() * 0.5)", "np.sum({a}.ravel() ** 2)", "{a}.mean()", "{a}.sum()",
    "np.sum({a}.T.dot({a}[:, 0]))", "{a}.var()", "{a}.std()", "np.sum({a}.cumsum(axis=1))",
    "np.sum({a}.clip(-0.5, 0.5))", "{a}.prod() * 0.5", "np.sum({a}.swapaxes(0, 1)[0])",
    "np.sum({a}.transpose() ** 2)", "np.sum({a}.copy())", "np.sum({a}.take([0, 1], axis=1))",
    "np.sum({a}.repeat(2, axis=0))", "np.sum({a}.squeeze())", "np.sum({a}.diagonal())",
    "{a}.trace()", "np.sum({a}.max(axis=0))", "np.sum({a}.min(axis=1))",
    "np.sum({a}.astype(float))", "np.sum({a}.conj() ** 2)",
)

_CONSTANTS = ("0.5", "1.5", "2.0", "0.3", "0.7", "1.2", "0.25", "0.9")
_THRESHOLDS = ("0.0", "0.2", "0.5", "-0.3", "0.35", "0.1", "-0.15")


class _Scope:
    """The names usable at one point of a function body, by kind.

    kinds: "S" scalar float, "V" array of shape (N,), "M" array of shape (R, N),
    "A" any other float array (views, reshapes), "I" int, "L" list of floats,
    "D" dict of floats (its keys in `keys`), "F" a local callable of one scalar.
    """

    def __init__(self):
        self.names = {kind: [] for kind in "SVMAILDF"}
        self.keys = {}
        self.lengths = {}

    def copy(self):
        other = _Scope()
        other.names = {kind: list(names) for kind, names in self.names.items()}
        other.keys = dict(self.keys)
        other.lengths = dict(self.lengths)
        return other

    def add(self, kind, name):
        if name not in self.names[kind]:
            self.names[kind].append(name)


class _Builder:
    """Writes one module: helpers first, then f.  All choices come from `rng`."""

    def __init__(self, rng, family):
        self.rng = rng
        self.family = family
        self.n = rng.choice((3, 4))
        self.r = rng.choice((2, 3))
        self.lines = []
        self.indent = 0
        self.counter = 0
        self.helpers = []        # (name, param kinds, result kind, recursive)
        self.pair_keys = {}      # helper returning a pair -> its dict keys (None: a tuple)
        self.params = []
        self.writes = False
        self.features = set()
        self.scope = _Scope()
        self.loop_depth = 0
        self.in_helper = False
        self.may_continue = True   # False in `while True:` before its break test
        self.uses_state = False    # the module defines class State (object_state)

    # ----------------------------------------------------------- plumbing

    def emit(self, line):
        self.lines.append("    " * self.indent + line)

    def fresh(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def chance(self, p):
        return self.rng.random() < p

    def pick(self, kind):
        return self.rng.choice(self.scope.names[kind])

    def has(self, kind):
        return bool(self.scope.names[kind])

    def const(self):
        return self.rng.choice(_CONSTANTS)

    def feature(self, name):
        self.features.add(name)

    def block(self, header, fill):
        """Emit `header:` and an indented body written by `fill()`; names bound
        inside stay inside (the body may run zero times)."""
        self.emit(header + ":")
        saved = self.scope.copy()
        self.indent += 1
        start = len(self.lines)
        fill()
        if len(self.lines) == start:
            self.emit("pass")
            self.feature("pass")
        self.indent -= 1
        self.scope = saved

    # ------------------------------------------------------------- module

    def module(self):
        self.lines = ["import numpy as np", "import math", ""]
        for _ in range(self.rng.choice(self.helper_counts())):
            self.helper()
        self.function_f()
        if self.uses_state:
            self.lines[3:3] = _STATE_CLASS
        return "\n".join(self.lines).rstrip() + "\n"

    def helper_counts(self):
        if self.family in ("scalar", "mixed", "containers"):
            return (0, 1, 1, 2)
        return (0, 0, 1)

    def function_f(self):
        self.scope = _Scope()
        self.params = self.choose_params()
        for param in self.params:
            self.scope.add({"float": "S", "array": "V" if len(param.shape) == 1 else "M",
                            "int": "I", "list": "L", "dict": "D"}[param.kind], param.name)
            if param.kind == "dict":
                self.scope.keys[param.name] = param.shape
            if param.kind == "list":
                self.scope.lengths[param.name] = param.shape[0]
        names = [p.name for p in self.params]
        if len(names) > 1 and self.chance(0.1):
            names.insert(1, "/")
            self.feature("positional_only")
        signature = ", ".join(names) + self.extra_parameters()
        self.emit("")
        self.emit(f"def f({signature}):")
        self.indent += 1
        self.emit_body(self.rng.randint(3, 7))
        self.emit(f"return {self.result()}")
        self.indent -= 1

    def choose_params(self):
        rng, n, r = self.rng, self.n, self.r
        params = []
        if self.family == "scalar":
            params.append(Param("x", "float"))
            if self.chance(0.7):
                params.append(Param("y", "float"))
        elif self.family == "containers":
            params.append(Param("x", "float"))
            choice = rng.choice(("list", "dict", "both"))
            if choice in ("list", "both"):
                params.append(Param("xs", "list", (rng.choice((2, 3, 4)),)))
            if choice in ("dict", "both"):
                params.append(Param("p", "dict", ("a", "b")))
        else:
            params.append(Param("x", "array", (n,)))
            if self.chance(0.6):
                params.append(Param("y", rng.choice(("float", "array")), (n,)))
            if self.chance(0.4):
                params.append(Param("z", "array", (r, n)))
            params = [Param(p.name, p.kind, p.shape if p.kind == "array" else ())
                      for p in params]
        if self.chance(0.45):
            params.append(Param("n", "int"))
        return params

    def extra_parameters(self):
        """Keyword-only parameters and positional defaults, used in the body."""
        extra = ""
        if self.chance(0.25):
            self.scope.add("I", "m")
            extra += ", m=3"
            self.feature("positional_default")
        if self.chance(0.3):
            self.scope.add("S", "w")
            extra += ", *, w=0.5"
            self.feature("keyword_only")
            if self.chance(0.5):
                self.scope.add("S", "c")
                extra += ", c=1.5"
        return extra

    def result(self):
        """A scalar return expression over the live names (recent ones first)."""
        terms = []
        for kind in "SVMALD":
            names = self.scope.names[kind]
            for name in names[-2:]:
                terms.append(self.reduce_name(kind, name))
        self.rng.shuffle(terms)
        terms = terms[:4] or [self.scalar(1)]
        if self.has("V") and self.chance(0.3):
            return self.one_reduction(terms)
        return " + ".join(terms)

    def one_reduction(self, terms):
        """One NumPy reduction over all of it (`np.sum(...)`): the function surely returns
        a number, so `tl.grad` runs the gradient-only code and its passes (in-place,
        scale-in-place); inside, neighbour terms of a vector, scaled and shifted by
        constants, as a Rosenbrock function has."""
        self.feature("one_reduction")
        v = self.pick("V")
        terms = [f"{self.const()} * ({v}[1:] - {v}[:-1] ** 2) ** 2",
                 f"({self.const()} - {v}[:-1]) ** 2"] + terms[:2]
        return f"np.sum({' + '.join(terms)})"

    def reduce_name(self, kind, name):
        if kind == "S":
            return name
        if kind in "VMA":
            return self.rng.choice((f"np.sum({name} * {name})", f"np.sum({name})",
                                    f"np.mean(np.sin({name}))"))
        if kind == "L":
            return self.rng.choice((f"sum({name})", f"{name}[0] * {name}[-1]"))
        key = self.rng.choice(self.scope.keys[name])
        return f"{name}[{key!r}]"

    # -------------------------------------------------------------- helpers

    def helper(self):
        self.in_helper = True
        kind = self.rng.choice(("scalar", "scalar", "recursive", "vector", "default",
                                "apply", "pair"))
        if kind == "vector" and self.family in ("scalar", "containers"):
            kind = "recursive"
        name = f"h{len(self.helpers)}"
        getattr(self, f"helper_{kind}")(name)
        self.in_helper = False
        self.emit("")

    def open_helper(self, name, params):
        self.scope = _Scope()
        for pname, kind in params:
            self.scope.add(kind, pname)
        self.emit("")
        return name

    def helper_scalar(self, name):
        self.open_helper(name, [("a", "S"), ("b", "S")])
        self.emit(f"def {name}(a, b):")
        self.indent += 1
        self.emit_body(self.rng.randint(1, 3), menu=self.scalar_menu())
        self.emit(f"return {self.scalar(2)}")
        self.indent -= 1
        self.helpers.append((name, "SS", "S", False))
        self.feature("helper")

    def helper_default(self, name):
        self.open_helper(name, [("a", "S"), ("k", "S")])
        self.emit(f"def {name}(a, k=0.5):")
        self.indent += 1
        self.emit(f"return {self.scalar(2)} * k + a")
        self.indent -= 1
        self.helpers.append((name, "S", "S", False))
        self.feature("helper_default")

    def helper_recursive(self, name):
        self.open_helper(name, [("a", "S"), ("b", "S"), ("depth", "I")])
        self.emit(f"def {name}(a, b, depth):")
        self.indent += 1
        if self.chance(0.5):
            self.emit(f"if depth <= 0:")
            self.emit(f"    return {self.scalar(1)}")
            self.emit(f"c = math.sin({self.scalar(1)}) * 0.8")
            self.emit(f"return {name}(c, b, depth - 1) * 0.5 + a * {self.const()}")
        else:                   # values from before the call read after it
            self.emit(f"s = {self.scalar(1)}")
            self.scope.add("S", "s")
            self.emit(f"if depth > 0:")
            self.emit(f"    t = math.cos({self.scalar(1)})")
            self.emit(f"    r = {name}(a * 0.7 + t * 0.1, b, depth - 1)")
            self.emit(f"    r = r * 0.5 + s * t")
            self.emit(f"else:")
            self.emit(f"    r = s")
            self.emit(f"return r - a * {self.const()}")
            self.feature("recursion_with_state")
        self.indent -= 1
        self.helpers.append((name, "SSI", "S", True))
        self.feature("recursion")

    def helper_vector(self, name):
        self.open_helper(name, [("v", "V"), ("a", "S")])
        self.emit(f"def {name}(v, a):")
        self.indent += 1
        if self.chance(0.5):
            self.emit(f"u = {self.vector(1)}")
            self.scope.add("V", "u")
        self.emit(f"return {self.vector(2)}")
        self.indent -= 1
        self.helpers.append((name, "VS", "V", False))
        self.feature("helper_array")

    def helper_pair(self, name):
        """Two numbers in a tuple, or in a dict keyed by positions (in either order) or
        by strings: unpacking a dict gives its keys, a loop over it its keys too."""
        self.open_helper(name, [("a", "S"), ("b", "S")])
        self.emit(f"def {name}(a, b):")
        self.indent += 1
        self.emit_body(self.rng.randint(0, 2), menu=self.scalar_menu())
        keys = self.rng.choice((None, (0, 1), (1, 0), ("p", "q")))
        first, second = self.scalar(2), self.scalar(1)
        self.emit(f"return {first}, {second}" if keys is None else
                  f"return {{{keys[0]!r}: {first}, {keys[1]!r}: {second}}}")
        self.indent -= 1
        self.helpers.append((name, "SS", "P", False))
        self.pair_keys[name] = keys
        self.feature("helper_pair")

    def pair_call(self):
        """`u, w = h(...)` of a tuple or an int-keyed dict, or a loop over what h returns
        (a dict's keys, read back through the dict)."""
        pairs = [h for h in self.helpers if h[2] == "P"]
        if not pairs or self.in_helper or not self.has("S"):
            return self.assign_scalar()
        name = self.rng.choice(pairs)[0]
        call = f"{name}({self.scalar(1)}, {self.scalar(1)})"
        keys = self.pair_keys[name]
        target = self.pick("S")
        if keys != ("p", "q") and self.chance(0.3):
            read = self.rng.choice(("sum({})", "max({})", "min({})", "list({})[1]",
                                    "tuple({})[0]"))
            self.emit(f"{target} = {target} * 0.8 + {read.format(call)} * 0.3")
            self.feature("builtin_over_call")
            return
        if keys != ("p", "q") and self.chance(0.5):
            u, w = self.fresh("s"), self.fresh("s")
            self.emit(f"{u}, {w} = {call}")
            self.emit(f"{target} = {target} * 0.8 + ({u} + 0.5) * ({w} - 0.25) * 0.3")
            self.feature("unpack_call")
            return
        held = self.fresh("d")
        self.emit(f"{held} = {call}")
        item = self.fresh("v")
        self.emit(f"for {item} in {held}:")
        read = item if keys is None else f"{held}[{item}]"
        self.emit(f"    {target} = {target} * 0.8 + {read} * 0.3")
        self.feature("loop_over_call")

    def helper_apply(self, name):
        self.open_helper(name, [("a", "S")])
        self.emit(f"def {name}(g, a):")
        self.indent += 1
        self.emit(f"return g(a) * {self.const()} + g(a * 0.5)")
        self.indent -= 1
        self.helpers.append((name, "GS", "S", False))
        self.feature("helper_takes_function")

    def call_helper(self, result_kind):
        """A call to a helper returning `result_kind`, or None if there is none."""
        choices = [h for h in self.helpers if h[2] == result_kind]
        if not choices or self.in_helper:
            return None
        name, kinds, _, _ = self.rng.choice(choices)
        args = []
        for kind in kinds:
            if kind == "S":
                args.append(self.scalar(1))
            elif kind == "V":
                args.append(self.vector(1))
            elif kind == "G":
                args.append(f"lambda q: q * {self.scalar_leaf()}")
                self.feature("lambda_argument")
            else:
                args.append(self.rng.choice(("2", "3")))
        if name in [h[0] for h in self.helpers if h[1] == "S"] and self.chance(0.5):
            args.append(f"k={self.const()}")
        self.feature("helper_call")
        return f"{name}({', '.join(args)})"

    # ---------------------------------------------------------- expressions

    def scalar(self, depth):
        """A scalar float expression."""
        if depth <= 0 or self.chance(0.25):
            return self.scalar_leaf()
        options = [self.scalar_arith, self.scalar_math, self.scalar_arith]
        if self.has("V") or self.has("M") or self.has("A"):
            options += [self.scalar_from_array] * 3
        if self.has("L") or self.has("D"):
            options += [self.scalar_from_container] * 2
        if self.helpers and not self.in_helper:
            options.append(self.scalar_call)
        if self.has("F"):
            options.append(self.scalar_local_call)
        return self.rng.choice(options)(depth)

    def scalar_leaf(self):
        if self.has("S") and self.chance(0.75):
            return self.pick("S")
        if self.has("I") and self.chance(0.2):
            return f"float({self.pick('I')}) * 0.25"
        if self.has("V") and self.chance(0.02):
            self.feature("shape_attribute")
            return f"float({self.pick('V')}.shape[0]) * 0.1"
        if self.has("S") and self.chance(0.02):
            self.feature("tuple_item")
            return f"({self.pick('S')}, {self.const()})[{self.rng.choice(('0', '1', '-1'))}]"
        return self.const()

    def scalar_arith(self, depth):
        a, b = self.scalar(depth - 1), self.scalar(depth - 1)
        return self.rng.choice((
            f"({a} + {b})", f"({a} - {b})", f"({a} * {b})", f"{a} / (1.0 + {b} * {b})",
            f"{a} ** 2", f"-{a}", f"({a} * 0.5 + {b} / 2.0)", f"pow({a}, 2)",
            f"({a} if {self.condition(0)} else {b})", f"(+{a})"))

    def scalar_math(self, depth):
        a = self.scalar(depth - 1)
        forms = [f"math.sin({a})", f"math.cos({a})", f"math.tanh({a})",
                 f"math.exp(-{a} * {a})", f"math.log({a} * {a} + 1.0)",
                 f"math.sqrt({a} * {a} + 0.5)", f"math.atan({a})", f"np.sin({a})",
                 f"math.log1p({a} * {a})", f"math.hypot({a}, 0.5)", f"math.erf({a})",
                 f"math.pow({a} * {a} + 1.0, 0.5)", f"np.tanh({a})"]
        if self.chance(0.15):
            b = self.scalar(depth - 1)
            forms += [f"abs({a})", f"max({a}, {b})", f"min({a}, {b})", f"({a} % 1.0)"]
        return self.rng.choice(forms)

    def table_form(self, table, depth):
        """A form from `table` with its arrays filled in; None without arrays."""
        if not self.has("V"):
            return None
        form = self.rng.choice(table)
        if "{a}" in form and not self.has("M"):
            return None
        if "{perm}" in form:
            form = form.replace("{perm}", repr(list(range(self.n))[::-1]))
        self.feature("numpy_table")
        return form.format(v=self.vector(depth), u=self.pick("V"), n=self.n, r=self.r,
                           a=self.pick("M") if self.has("M") else "")

    def scalar_from_array(self, depth):
        if self.chance(0.45):
            form = self.table_form(REDUCTIONS, depth - 1)
            if form:
                return form
        if self.has("I") and "m" in self.scope.names["I"] and self.chance(0.1):
            self.feature("default_in_body")
            return f"np.sum(np.linspace({self.scalar_leaf()}, {self.scalar_leaf()}, m))"
        options = []
        if self.has("V"):
            v = self.vector(depth - 1)
            name = self.pick("V")
            options += [f"np.sum({v})", f"np.mean({v})", f"np.max({v})", f"({v} @ {v})",
                        f"np.dot({v}, {name})", f"{name}[0]", f"{name}[-1]",
                        f"np.sum({name}[1:] * {name}[:-1])", f"np.sum({name}[::2])",
                        f"np.sum({name}[None, :] * {name}[:, None])", f"{v}.sum()",
                        f"np.sum(np.concatenate([{v}, {name}[1:]]))",
                        f"np.sum(np.stack([{v}, {name}]) ** 2)", f"float({name}[1])",
                        f"np.min({v})", f"{name}.max()",
                        f"np.sum({name}.reshape({self.n}, 1) * {name})",
                        f"np.sum(np.outer({name}, {v})[np.outer({name}, {name}) > 0.26])",
                        f"np.sum(({name} * 2.0)[{name} > {self.rng.choice(_THRESHOLDS)}])",
                        f"np.sum({name}[{self.scalar_leaf()} > 0.1] * {v})"]   # a bool index
            if self.has("I"):          # an element at a loop index (ranked kinds)
                options += [f"{name}[{self.pick('I')} % {self.n}]"] * 3
        if self.has("M") and self.has("I"):
            name, i, j = self.pick("M"), self.pick("I"), self.pick("I")
            options += [f"{name}[{i} % {self.r}, {j} % {self.n}]",
                        f"np.sum({name}[{i} % {self.r}] * {name}[{j} % {self.r}, :])"]
        if self.has("M"):
            a = self.matrix(depth - 1)
            name = self.pick("M")
            options += [f"np.sum({a})", f"np.mean({a} * {a})", f"np.max({a})",
                        f"np.sum({a} @ {name}.T)", f"np.trace({name} @ {a}.T)",
                        f"{name}[0, 1]", f"np.sum({name}.T * 0.5)",
                        f"np.sum(np.transpose({a}) ** 2)", f"np.sum({name}[:, 1:])"]
        if self.has("A"):
            name = self.pick("A")
            options += [f"np.sum({name})", f"np.sum({name} * {name})"]
        self.feature("array_reduction")
        return self.rng.choice(options)

    def scalar_from_container(self, depth):
        options = []
        if self.has("L"):
            name = self.pick("L")
            options += [f"{name}[0]", f"sum({name})", f"{name}[-1] * {self.scalar_leaf()}",
                        f"float(len({name})) * 0.1",
                        f"sum([v * v for v in {name}])",
                        f"sum(v * {self.scalar_leaf()} for v in {name})"]
            self.feature("list_read")
        if self.has("D"):
            name = self.pick("D")
            key = self.rng.choice(self.scope.keys[name])
            options += [f"{name}[{key!r}]", f"{name}.get({key!r}, 0.5)",
                        f"{name}.get('zz', {self.scalar(depth - 1)})"]
            self.feature("dict_read")
        return self.rng.choice(options)

    def scalar_call(self, depth):
        return self.call_helper("S") or self.scalar_leaf()

    def scalar_local_call(self, depth):
        self.feature("local_call")
        return f"{self.pick('F')}({self.scalar(depth - 1)})"

    def vector(self, depth):
        """An expression of shape (N,)."""
        if not self.has("V"):
            return f"(np.ones({self.n}) * {self.scalar_leaf()})"
        if depth <= 0 or self.chance(0.25):
            return self.pick("V")
        if self.chance(0.4):
            form = self.table_form(ELEMENTWISE, depth - 1)
            if form:
                return atom(form)
        v, u, s = self.vector(depth - 1), self.vector(depth - 1), self.scalar_leaf()
        forms = [f"({v} + {u})", f"({v} - {u})", f"({v} * {u})", f"{v} * {s}",
                 f"{s} * {v}", f"({v} + {s})", f"np.sin({v})", f"np.cos({v})",
                 f"np.tanh({v})", f"np.exp(np.sin({v}))", f"np.log({v} * {v} + 1.0)",
                 f"1.0 / (1.0 + {v} * {v})", f"np.sqrt({v} * {v} + 0.5)", f"{v} ** 2",
                 f"np.square({v})", f"np.where({v} > {self.rng.choice(_THRESHOLDS)}, {v}, "
                 f"{u} * 0.5)", f"np.concatenate([{v}[1:], {u}[:1]])", f"np.flip({v})",
                 f"{v}[::-1]", f"np.cumsum({v}) * 0.5", f"np.roll({v}, 1)",
                 f"{v}.reshape({self.n}, 1)[:, 0]", f"{v}[None, :][0]", f"{v}.copy()",
                 f"np.maximum({v}, {self.rng.choice(_THRESHOLDS)})", f"({v} / 2.0)"]
        if self.has("M"):
            a = self.matrix(depth - 1)
            forms += [f"np.sum({a}, axis=0)", f"np.mean({a}, axis=0)",
                      f"{self.pick('M')}[0]", f"{self.pick('M')}[-1, :]",
                      f"np.sum({a} * {v}, axis=0)", f"{a}.T @ ({a} @ {v}) * 0.1",
                      f"np.max({a}, axis=0)"]
        if self.helpers and not self.in_helper and self.chance(0.3):
            call = self.call_helper("V")
            if call:
                forms.append(call)
        self.feature("array_expr")
        return atom(self.rng.choice(forms))

    def matrix(self, depth):
        """An expression of shape (R, N)."""
        if not self.has("M"):
            rows = ", ".join(self.vector(depth - 1) for _ in range(self.r))
            return atom(f"np.stack([{rows}])")
        if depth <= 0 or self.chance(0.3):
            return self.pick("M")
        a, b, v = self.matrix(depth - 1), self.matrix(depth - 1), self.vector(depth - 1)
        s = self.scalar_leaf()
        return atom(self.rng.choice((
            f"({a} + {b})", f"{a} * {s}", f"({a} * {v})", f"np.tanh({a})", f"({a} * {b})",
            f"np.sin({a})", f"{v}[None, :] * {a}", f"{a}.T.T",
            f"np.concatenate([{a}[:1], {b}[1:] * 0.5])", f"np.transpose({a}.T)",
            f"{a}.reshape({self.n}, {self.r}).reshape({self.r}, {self.n})",
            f"np.outer(np.tanh({a} @ {v}), {v})", f"({a} @ {a}.T) @ {b} * 0.1",
            f"np.stack([{', '.join(self.vector(0) for _ in range(self.r))}])")))

    def condition(self, depth):
        a = self.scalar(depth)
        t = self.rng.choice(_THRESHOLDS)
        forms = [f"{a} > {t}", f"{a} < {self.scalar_leaf()}", f"{t} < {a} < 1.5",
                 f"{a} > {t} and {self.scalar_leaf()} < 0.8",
                 f"{a} < {t} or {self.scalar_leaf()} > 0.6", f"not {a} > {t}"]
        if self.has("V"):
            forms.append(f"np.sum({self.pick('V')}) > {t}")
        if self.has("D"):
            forms.append(f"'a' in {self.pick('D')}")
            self.feature("compare_in")
        if self.chance(0.02):
            forms.append(f"{self.scalar_leaf()} is not None")
            self.feature("compare_is")
        if self.has("F") and not self.in_helper:
            forms.append(f"{self.pick('F')}({a}) > {t}")
        return self.rng.choice(forms)

    # ----------------------------------------------------------- statements

    def emit_body(self, count, menu=None):
        for _ in range(count):
            self.statement(menu)

    def statement(self, menu=None):
        menu = menu or self.family_menu()
        actions, weights = zip(*menu)
        self.rng.choices(actions, weights=weights)[0]()

    def family_menu(self):
        if self.in_helper:
            return self.scalar_menu()
        scalar, array = self.scalar_menu(), self.array_menu()
        inplace, mask, containers = self.inplace_menu(), self.mask_menu(), self.container_menu()
        control = self.control_menu()
        return {"scalar": scalar + control + [(self.local_function, 1)],
                "array": array + scalar[:2] + control,
                "inplace": inplace + array + control,
                "mask": mask + array + control[:3],
                "containers": containers + scalar + control,
                "mixed": scalar + array + inplace[:4] + containers[:2] + control
                + [(self.local_function, 1)]}[self.family]

    def scalar_menu(self):
        return [(self.assign_scalar, 5), (self.update_scalar, 4), (self.augment_scalar, 2),
                (self.cheap_value_then_rebind, 1),
                (self.swap, 1), (self.chained_assign, 1), (self.tuple_assign, 1),
                (self.annotated_assign, 1), (self.if_statement, 3), (self.object_state, 1),
                (self.pair_call, 1)]

    def control_menu(self):
        return [(self.for_range, 3), (self.while_counter, 2), (self.while_true, 2),
                (self.if_statement, 2), (self.early_return, 1), (self.for_items, 1),
                (self.misc_statement, 1)]

    def array_menu(self):
        return [(self.assign_vector, 4), (self.assign_matrix, 2), (self.assign_scalar, 3),
                (self.update_scalar, 2), (self.loop_over_rows, 1)]

    def inplace_menu(self):
        return [(self.item_write, 4), (self.slice_write, 3), (self.augmented_array, 3),
                (self.view_write, 3), (self.alias_write, 3), (self.reshape_alias_write, 2),
                (self.param_write, 2), (self.loop_item_write, 2), (self.matrix_write, 2)]

    def mask_menu(self):
        return [(self.mask_write, 4), (self.double_mask_write, 2), (self.masked_read, 3),
                (self.named_mask, 2), (self.outer_mask_read, 2), (self.item_write, 1)]

    def container_menu(self):
        return [(self.list_build, 3), (self.list_update, 3), (self.dict_build, 2),
                (self.dict_update, 3), (self.call_into_item, 2), (self.container_param_write, 1)]

    # scalar statements

    def new_scalar(self, expr):
        name = self.fresh("s")
        self.emit(f"{name} = {expr}")
        self.scope.add("S", name)
        return name

    def assign_scalar(self):
        self.new_scalar(self.scalar(self.rng.randint(1, 3)))

    def update_scalar(self):
        if not self.has("S"):
            return self.assign_scalar()
        name = self.pick("S")
        expr = self.scalar(2)
        self.emit(self.rng.choice((f"{name} = math.tanh({expr})",
                                   f"{name} = 0.5 * {name} + 0.3 * math.sin({expr})",
                                   f"{name} = {name} * 0.9 + {expr} * 0.1")))

    def cheap_value_then_rebind(self):
        """A number cheap to recompute, one of its operands rebound, both read (in
        either order): the pass "recompute" may recompute it only where nothing
        rebinds an operand before its last reader."""
        if not self.has("S"):
            return self.assign_scalar()
        scalars = [p.name for p in self.params if p.name in self.scope.names["S"]]
        # (a parameter: bound before the loop without an assignment, read first in it)
        a = self.rng.choice(scalars) if scalars and self.chance(0.5) else self.pick("S")
        value = self.fresh("c")
        self.emit(f"{value} = math.sin({a}) * {self.const()} + {a}")
        rebind = f"{a} = {a} * 0.7 + {self.scalar(1)} * 0.2"
        use = f"{self.pick('S')} += {value} * {a}"
        for line in (rebind, use) if self.chance(0.5) else (use, rebind):
            self.emit(line)
        self.scope.add("S", value)
        self.feature("recompute_hazard")

    def augment_scalar(self):
        if not self.has("S"):
            return self.assign_scalar()
        name = self.pick("S")
        op = self.rng.choice(("+=", "-=", "*="))
        value = "0.9" if op == "*=" else f"0.2 * math.sin({self.scalar(1)})"
        self.emit(f"{name} {op} {value}")
        self.feature("augassign")

    def swap(self):
        if len(self.scope.names["S"]) < 2:
            return self.tuple_assign()
        a, b = self.rng.sample(self.scope.names["S"], 2)
        self.emit(f"{a}, {b} = {b}, {a}")
        self.feature("swap")

    def chained_assign(self):
        a, b = self.fresh("s"), self.fresh("s")
        self.emit(f"{a} = {b} = {self.scalar(2)}")
        self.scope.add("S", a)
        self.scope.add("S", b)
        self.feature("chained")

    def tuple_assign(self):
        a, b = self.fresh("s"), self.fresh("s")
        self.emit(f"{a}, {b} = {self.scalar(1)}, {self.scalar(1)}")
        self.scope.add("S", a)
        self.scope.add("S", b)
        self.feature("tuple_assign")

    def annotated_assign(self):
        name = self.fresh("s")
        self.emit(f"{name}: float = {self.scalar(2)}")
        self.scope.add("S", name)
        self.feature("annassign")

    def local_function(self):
        name = self.fresh("g")
        if self.chance(0.5):
            self.emit(f"{name} = lambda q: q * q * {self.const()} + {self.scalar_leaf()}")
            self.feature("lambda")
        else:
            self.emit(f"def {name}(q):")
            self.indent += 1
            inner = self.scope.copy()
            self.scope.add("S", "q")
            self.emit(f"return math.sin(q) * {self.scalar(1)}")
            self.scope = inner
            self.indent -= 1
            self.feature("nested_def")
        self.scope.add("F", name)
        self.new_scalar(f"{name}({self.scalar(1)})")

    def object_state(self):
        """An object whose attribute is read, changed by a method, and read again: the
        backward sweep must use each value as it was read.  Now and then the object is
        made from a differentiated value: its attribute then carries a derivative
        tangentlike does not follow, which must be a located error, never a zero."""
        self.uses_state = True
        name = self.fresh("o")
        start = self.scalar(1) if self.chance(0.15) else self.const()
        self.emit(f"{name} = State({start})")
        first = self.new_scalar(f"{self.scalar(2)} * {name}.a")
        self.emit(f"{name}.bump({self.const()})")
        self.new_scalar(f"{first} * {name}.a + math.sin({name}.a * {self.scalar_leaf()})")
        self.feature("object_state")

    def misc_statement(self):
        choice = self.rng.choice(("assert", "raise", "pass", "fstring"))
        if choice == "assert":
            self.emit(f"assert {self.scalar_leaf()} < 100.0")
        elif choice == "raise":
            self.block(f"if {self.scalar_leaf()} > 1000.0", lambda: self.emit(
                "raise ValueError('out of range')"))
        elif choice == "pass":
            self.emit("pass")
        else:
            self.emit(f"label = f'value {{{self.scalar_leaf()}}}'")
        self.feature(choice)

    # control flow

    def control_body(self, count, loop=True):
        """Statements of a loop or branch body, with break/continue/return among them."""
        compound = (self.for_range, self.while_counter, self.while_true, self.for_items,
                    self.if_statement, self.loop_over_rows, self.loop_item_write,
                    self.early_return)
        deep = self.indent >= (2 if self.in_helper else 3)
        menu = [m for m in self.family_menu() if not (deep and m[0] in compound)]
        for _ in range(count):
            if loop and self.chance(0.25):
                self.loop_exit()
            self.statement(menu)

    def loop_exit(self):
        kinds = ("break", "continue", "return", "break_aug")
        kind = self.rng.choice(kinds if self.may_continue else kinds[:1] + kinds[2:])
        condition = self.condition(1)
        if kind == "return":
            self.block(f"if {condition}", lambda: self.emit(f"return {self.result()}"))
        else:
            self.block(f"if {condition}", lambda: self.emit(kind.split("_")[0]))
        if kind == "break_aug" and self.has("S"):
            self.emit(f"{self.pick('S')} += {self.scalar(1)} * 0.5")
        self.feature({"break_aug": "break"}.get(kind, kind))
        if kind == "break_aug":
            self.feature("break_then_augassign")

    def loop(self, header, fill, prefix=(), may_continue=True):
        for line in prefix:
            self.emit(line)
        saved = self.may_continue
        self.loop_depth += 1
        self.may_continue = may_continue
        self.block(header, fill)
        self.loop_depth -= 1
        self.may_continue = saved

    def range_bound(self):
        if self.has("I") and self.chance(0.1):
            self.feature("floordiv")
            return f"{self.pick('I')} // 2 + 1"
        if self.has("I") and self.chance(0.6):
            return self.pick("I")
        return self.rng.choice(("2", "3", "4", f"1, {self.rng.choice(('3', '4'))}"))

    def for_range(self):
        index = self.rng.choice(("i", "j")) if self.loop_depth == 0 else self.fresh("j")

        def fill():
            self.scope.add("I", index)
            if self.chance(0.15):
                self.block(f"if {self.condition(0)}", lambda: self.emit("continue"))
                self.feature("continue_only_body")
                return
            if self.chance(0.2) and len(self.scope.names["S"]) >= 2:
                self.swap()
            self.control_body(self.rng.randint(1, 3))
        self.loop(f"for {index} in range({self.range_bound()})", fill)
        self.feature("for_range")

    def for_items(self):
        options = []
        if self.has("L"):
            options += [f"for v in {self.pick('L')}", f"for i, v in enumerate({self.pick('L')})"]
        if self.has("V"):
            options += [f"for v in {self.pick('V')}", f"for i, v in enumerate({self.pick('V')})"]
            if len(self.scope.names["V"]) >= 2:
                a, b = self.rng.sample(self.scope.names["V"], 2)
                options.append(f"for v, v2 in zip({a}, {b})")
        if not options:
            return self.for_range()
        header = self.rng.choice(options)

        def fill():
            for name in self.scope.names["L"]:     # appending while iterating never ends
                if f"({name})" in header or header.endswith(f" {name}"):
                    self.scope.names["L"].remove(name)
            self.scope.add("S", "v")
            if "v2" in header:
                self.scope.add("S", "v2")
            if self.has("S"):
                target = self.rng.choice([n for n in self.scope.names["S"]
                                          if n not in ("v", "v2")] or ["v"])
                if target not in ("v", "v2"):
                    self.emit(f"{target} = {target} * 0.8 + {self.scalar(1)} * 0.3")
            self.control_body(self.rng.randint(0, 2))
        self.loop(header, fill)
        self.feature("for_items")

    def while_counter(self):
        counter = self.fresh("k")
        cond = f"{counter} < {self.rng.choice(('2', '3', '4'))}"
        if self.chance(0.3) and self.has("S"):
            cond += f" and {self.pick('S')} < 5.0"

        def fill():
            self.emit(f"{counter} += 1")
            self.control_body(self.rng.randint(1, 3))
        self.loop(f"while {cond}", fill, prefix=(f"{counter} = 0",))
        self.feature("while")

    def while_true(self):
        counter = self.fresh("k")
        limit = self.rng.choice(("2", "3", "4"))
        count = self.rng.randint(1, 3)
        position = self.rng.randint(0, count)

        def fill():
            self.emit(f"{counter} += 1")
            for k in range(count + 1):
                if k == position:
                    self.block(f"if {counter} >= {limit}", lambda: self.emit("break"))
                    self.may_continue = True
                    if self.chance(0.3) and self.has("S"):
                        self.emit(f"{self.pick('S')} += {self.scalar(1)} * 0.25")
                        self.feature("break_then_augassign")
                if k < count:
                    if self.chance(0.2) and len(self.scope.names["S"]) >= 2:
                        self.swap()
                    else:
                        self.control_body(1)
        self.loop("while True", fill, prefix=(f"{counter} = 0",), may_continue=False)
        self.feature("while_true")

    def if_statement(self):
        self.block(f"if {self.condition(1)}", lambda: self.control_body(
            self.rng.randint(1, 2), loop=self.loop_depth > 0))
        for _ in range(self.rng.choice((0, 0, 1, 2))):
            self.block(f"elif {self.condition(1)}", lambda: self.control_body(
                1, loop=self.loop_depth > 0))
            self.feature("elif")
        if self.chance(0.5):
            self.block("else", lambda: self.control_body(1, loop=self.loop_depth > 0))
        self.feature("if")

    def early_return(self):
        self.block(f"if {self.condition(1)}", lambda: self.emit(f"return {self.result()}"))
        self.feature("return")

    # array statements

    def new_array(self, kind, expr):
        name = self.fresh("t" if kind == "V" else "A")
        self.emit(f"{name} = {expr}")
        self.scope.add(kind, name)
        return name

    def assign_vector(self):
        self.new_array("V", self.vector(self.rng.randint(1, 3)))

    def assign_matrix(self):
        self.new_array("M", self.matrix(self.rng.randint(1, 2)))

    def loop_over_rows(self):
        if not self.has("M"):
            return self.assign_matrix()
        target = self.new_scalar("0.0")

        def fill():
            self.scope.add("V", "row")
            self.emit(f"{target} = {target} + np.sum(row * {self.vector(1)}) * 0.5")
        self.loop(f"for row in {self.pick('M')}", fill)
        self.feature("for_rows")

    # in-place statements

    def target_vector(self):
        """An array of shape (N,) to write into: a fresh local, or an existing one."""
        if self.has("V") and self.chance(0.6):
            return self.pick("V")
        return self.new_array("V", self.vector(1))

    def wrote(self, feature):
        self.writes = True
        self.feature(feature)

    def item_write(self):
        t = self.target_vector()
        index = self.rng.choice(("0", "1", "-1", str(self.n - 1)))
        if self.chance(0.3):
            self.emit(f"{t}[{index}] += {self.scalar(1)}")
        else:
            self.emit(f"{t}[{index}] = {self.scalar(2)}")
        self.wrote("item_write")

    def slice_write(self):
        t = self.target_vector()
        value = self.rng.choice((self.scalar(1), f"{t}[0:2] * {self.scalar_leaf()}",
                                 f"{self.vector(1)}[:2]", f"np.sin({t}[1:3])"))
        if self.chance(0.25):
            self.emit(f"{t}[1:] *= {self.const()}")
        else:
            self.emit(f"{t}[1:3] = {value}")
        self.wrote("slice_write")

    def augmented_array(self):
        t = self.target_vector()
        op = self.rng.choice(("*=", "+=", "-=", "/="))
        value = {"*=": self.rng.choice(("2.0", "1.5", self.scalar_leaf())),
                 "/=": "2.0"}.get(op) or self.rng.choice((self.vector(1), self.scalar(1)))
        self.emit(f"{t} {op} {value}")
        self.wrote("array_augassign")

    def view_write(self):
        t = self.target_vector()
        view = self.fresh("u")
        views = (f"{t}[1:]", f"{t}[::2]", f"{t}[:-1]", f"{t}[None, :]")
        # calls whose result is the array itself, a view of it, or a copy
        made = (f"{t}.conj()", f"np.asarray({t})", f"np.atleast_1d({t})",
                f"np.real({t})", f"{t}.astype(float)", f"np.ravel({t})", f"{t}.squeeze()",
                f"{t}.astype(float, copy=False)", f"np.array({t}, copy=None)", f"{t}.copy()")
        self.emit(f"{view} = {self.rng.choice(views if self.chance(0.6) else made)}")
        self.scope.add("A", view)
        which = t if self.chance(0.25) else view
        self.emit(self.rng.choice((f"{which} *= 2.0", f"{which} += {self.scalar(1)}",
                                   f"{which}[0] = {self.scalar(1)}", f"{which}[...] = 0.5")))
        self.wrote("view_write")

    def alias_write(self):
        t = self.target_vector()
        alias = self.fresh("w")
        self.emit(f"{alias} = {t}")
        self.scope.add("V", alias)
        which = self.rng.choice((alias, t))
        self.emit(self.rng.choice((f"{which} *= 1.5", f"{which}[0] = {self.scalar(1)}",
                                   f"{which} += {self.vector(1)}")))
        self.wrote("alias_write")

    def reshape_alias_write(self):
        t = self.target_vector()
        alias = self.fresh("u")
        shape = self.rng.choice(((self.n, 1), (1, self.n)) + (((2, 2),) if self.n == 4 else ()))
        self.emit(f"{alias} = {t}.reshape{shape}")
        self.scope.add("A", alias)
        if self.chance(0.3):
            self.emit(f"{alias}[0, 0] = {self.scalar(1)}")
        else:
            self.emit(f"{t}[{self.rng.choice(('0', '2', '-1'))}] = {self.scalar(1)}")
        self.wrote("reshape_alias_write")

    def param_write(self):
        arrays = [p.name for p in self.params if p.kind == "array" and len(p.shape) == 1]
        if not arrays:
            return self.item_write()
        x = self.rng.choice(arrays)
        self.emit(self.rng.choice((f"{x}[0] = {self.scalar(1)}", f"{x} *= 2.0",
                                   f"{x}[1:3] = {self.scalar(1)}", f"{x} += {self.vector(1)}")))
        self.wrote("param_write")

    def loop_item_write(self):
        t = self.new_array("V", self.vector(1) if self.chance(0.5) else f"np.zeros({self.n})")
        index = "i" if self.loop_depth == 0 else self.fresh("j")

        def fill():
            self.scope.add("I", index)
            self.emit(f"{t}[{index}] = {t}[{index}] * {self.scalar_leaf()} + {self.scalar(1)}")
            if self.chance(0.3):
                self.loop_exit()
        self.loop(f"for {index} in range({self.n})", fill)
        self.wrote("loop_item_write")

    def matrix_write(self):
        if not self.has("M"):
            self.assign_matrix()
        a = self.pick("M")
        choice = self.rng.choice(("item", "row", "column", "alias", "transpose"))
        if choice == "item":
            self.emit(f"{a}[0, 1] = {self.scalar(1)}")
        elif choice == "row":
            self.emit(f"{a}[1] = {self.vector(1)}")
        elif choice == "column":
            self.emit(f"{a}[:, 0] = {self.scalar(1)}")
        elif choice == "alias":
            alias = self.fresh("B")
            self.emit(f"{alias} = {a}")
            self.emit(f"{a}[1:2] = {self.vector(0)}.reshape(1, {self.n})")
            self.scope.add("M", alias)
        else:
            alias = self.fresh("u")
            self.emit(f"{alias} = {a}.T")
            self.emit(f"{alias}[0] *= 2.0")
            self.scope.add("A", alias)
        self.wrote("matrix_write")

    # masks

    def mask_target(self):
        arrays = [p.name for p in self.params if p.kind == "array" and len(p.shape) == 1]
        if arrays and self.chance(0.4):
            self.feature("param_write")
            return self.rng.choice(arrays)
        return self.target_vector()

    def mask_value(self):
        return self.rng.choice(("0.0", self.const(), self.scalar(1)))

    def mask_write(self):
        t = self.mask_target()
        source = self.rng.choice([t] + self.scope.names["V"])
        threshold = self.rng.choice(_THRESHOLDS)
        if self.chance(0.25):
            self.emit(f"{t}[{source} > {threshold}] *= 0.5")
        else:
            self.emit(f"{t}[{source} > {threshold}] = {self.mask_value()}")
        self.wrote("mask_write")

    def double_mask_write(self):
        t = self.mask_target()
        self.emit(f"{t}[{t} > {self.rng.choice(_THRESHOLDS)}] = {self.mask_value()}")
        self.emit(f"{t}[{t} < {self.rng.choice(_THRESHOLDS)}] = {self.mask_value()}")
        self.wrote("double_mask_write")

    def masked_read(self):
        v, name = self.vector(1), self.pick("V") if self.has("V") else "x"
        threshold = self.rng.choice(_THRESHOLDS)
        expr = self.rng.choice((f"np.sum(({v} * 2.0)[{name} > {threshold}])",
                                f"np.sum({name}[{name} < {threshold}] ** 2)",
                                f"np.sum(np.where({name} > {threshold}, {v}, 0.0))"))
        self.new_scalar(expr)
        self.feature("masked_read")

    def named_mask(self):
        if not self.has("V"):
            return self.mask_write()
        mask = self.fresh("mask")
        self.emit(f"{mask} = {self.pick('V')} > {self.rng.choice(_THRESHOLDS)}")
        t = self.target_vector()
        if self.chance(0.5):
            self.emit(f"{t}[{mask}] = {self.mask_value()}")
            self.wrote("mask_write")
        self.new_scalar(f"np.sum({self.vector(1)}[{mask}])")
        self.feature("masked_read")

    def outer_mask_read(self):
        if not self.has("V"):
            return self.masked_read()
        x = self.pick("V")
        outer = self.fresh("P")
        self.emit(f"{outer} = np.outer({self.vector(1)}, {x})")
        self.scope.add("A", outer)
        if self.chance(0.4):
            self.emit(f"{outer}[np.outer({x}, {x}) > 0.26] = {self.mask_value()}")
            self.wrote("mask_write")
        self.new_scalar(f"np.sum({outer}[np.outer({x}, {x}) > 0.26])")
        self.feature("outer_mask")

    # lists and dicts

    def list_build(self):
        name = self.fresh("L")
        items = [self.scalar(1) for _ in range(self.rng.randint(1, 3))]
        self.emit(f"{name} = [{', '.join(items)}]")
        self.scope.add("L", name)
        if self.chance(0.7):
            self.emit(f"{name}.append({self.scalar(1)})")
            self.wrote("list_append")

    def list_update(self):
        if not self.has("L"):
            return self.list_build()
        name = self.pick("L")
        choice = self.rng.choice(("item", "aug", "append", "loop"))
        if choice == "item":
            self.emit(f"{name}[0] = {self.scalar(1)}")
        elif choice == "aug":
            self.emit(f"{name}[-1] += {self.scalar(1)}")
        elif choice == "append":
            self.emit(f"{name}.append({self.scalar(1)})")
        else:
            acc = self.new_scalar("0.0")
            self.loop(f"for v in {name}", lambda: self.emit(f"{acc} += v * {self.const()}"))
        self.wrote("list_write")

    def dict_build(self):
        name = self.fresh("d")
        self.emit(f"{name} = {{'a': {self.scalar(1)}, 'b': {self.scalar(1)}}}")
        self.scope.add("D", name)
        self.scope.keys[name] = ("a", "b")

    def dict_update(self):
        if not self.has("D"):
            return self.dict_build()
        name = self.pick("D")
        key = self.rng.choice(self.scope.keys[name] + ("c",))
        self.emit(f"{name}[{key!r}] = {self.scalar(1)}")
        if key not in self.scope.keys[name]:
            self.scope.keys[name] = self.scope.keys[name] + (key,)
        self.new_scalar(f"{name}.get({key!r}, {self.scalar_leaf()}) * 0.5")
        self.wrote("dict_write")

    def call_into_item(self):
        scalar_helpers = [h for h in self.helpers if h[1] == "SS"]
        if not scalar_helpers:
            return self.list_update()
        helper = self.rng.choice(scalar_helpers)[0]
        if self.has("D"):
            name = self.pick("D")
            self.emit(f"{name}['z'] = {helper}({self.scalar_leaf()}, {self.scalar_leaf()})")
            self.scope.keys[name] = self.scope.keys[name] + ("z",)
        elif self.has("L"):
            self.emit(f"{self.pick('L')}[0] = {helper}({self.scalar_leaf()}, "
                      f"{self.scalar_leaf()})")
        else:
            return self.list_build()
        self.wrote("call_into_item")

    def container_param_write(self):
        lists = [p.name for p in self.params if p.kind == "list"]
        dicts = [p.name for p in self.params if p.kind == "dict"]
        if lists and (not dicts or self.chance(0.5)):
            self.emit(f"{self.rng.choice(lists)}[0] = {self.scalar(1)}")
        elif dicts:
            self.emit(f"{self.rng.choice(dicts)}['a'] = {self.scalar(1)}")
        else:
            return self.list_update()
        self.wrote("param_write")
