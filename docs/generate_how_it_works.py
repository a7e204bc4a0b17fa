"""Regenerate the code shown in docs/how-it-works.md (and docs/supported.md's tables).

how-it-works.md walks one small function through every stage of tangentlike.  Its
prose is written by hand; every piece of code or output on it sits between two markers

    <!-- generated: NAME -->
    ...
    <!-- end generated -->

and is produced here, by running tangentlike's pipeline (`tangentlike.pipeline.derive`)
and observing the draft after each of its steps.  supported.md's tables are generated
the same way, from tangentlike's own tables: `tangentlike.check.NODES` (every syntax node, supported or rejected with
its error), the errors `check` raises for snippets, and the rule registry.
Run from the repository root:

    python docs/generate_how_it_works.py           # rewrite the generated regions
    python docs/generate_how_it_works.py --check   # exit 1 if a page is out of date

tests/test_docs.py checks that how-it-works.md is exactly what this script writes, and
that supported.md lists every rejected construct and every registered rule.
"""

import argparse
import difflib
import importlib.util
import pathlib
import re
import sys
import tempfile

import astor
import gast

import tangentlike as tl
from tangentlike.check import check
from tangentlike.emit import emit
from tangentlike.errors import UnsupportedSyntaxError
from tangentlike.nodes import stored_names
from tangentlike.parse import parse_function
from tangentlike.pipeline import FORMS, Request, derive
from tangentlike.runtime import arg_kind

DOCS = pathlib.Path(__file__).resolve().parent
PAGE = DOCS / "how-it-works.md"
SUPPORTED_PAGE = DOCS / "supported.md"

# The function the page follows, saved as example.py (line numbers in the generated
# comments refer to this text), and a second one that the check stage rejects.
EXAMPLE = '''\
import math


def f(x, n):
    y = x
    s = 0.0
    for i in range(n):
        y = y * math.sin(y) + x
        s += y ** 2 if y > 0 else -y
    return s


def g(x):
    try:
        return math.log(x)
    except ValueError:
        return 0.0
'''
WRT = ("x",)
ARGS = (0.5, 3)

_REGION = re.compile(
    r"(<!-- generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S)


def _fence(text, lang="python"):
    return f"```{lang}\n{text.rstrip()}\n```\n"


def _code(node):
    """Python source of a gast node, as the emit stage prints it (astor)."""
    return astor.to_source(gast.gast_to_ast(node))


def _load_example(directory, text=EXAMPLE):
    """`text` saved as `directory`/example.py and imported (tangentlike needs a file)."""
    path = pathlib.Path(directory) / "example.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("tangentlike_docs_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _without_directory(texts, directory):
    """`texts` (name -> text) with the temporary directory's path removed."""
    prefixes = {str(pathlib.Path(directory).resolve()) + "/", str(directory) + "/"}
    out = {}
    for name, text in texts.items():
        for prefix in prefixes:
            text = text.replace(prefix, "")
        out[name] = text
    return out


def regions():
    """{region name: Markdown text} for every generated region of the page."""
    with tempfile.TemporaryDirectory() as directory:
        module = _load_example(directory)
        return _without_directory(_regions(module.f, module.g), directory)


def _regions(f, g):
    out = {"source": _fence(EXAMPLE.split("\n\n\ndef g")[0])}

    # parse: the gast tree, where each node came from, what each name means
    parsed = parse_function(f)
    sin_call = next(node for node in gast.walk(parsed.node) if isinstance(node, gast.Call)
                    and isinstance(node.func, gast.Attribute))
    filename, line, column, text = parsed.location(sin_call)
    out["parse"] = _fence(
        f"# gast.dump of the call in line {line}:\n"
        + "\n".join("# " + row for row in gast.dump(sin_call, indent=2).splitlines())
        + f"\n\n# parsed.location(that call) -> {(filename, line, column, text)!r}"
        + f"\n# parsed.resolve('math').sin -> {parsed.resolve('math').sin!r}"
        + f"\n# parsed.resolve('range') -> {parsed.resolve('range')!r}")

    # check: f passes; g is rejected before anything is transformed
    check(parsed)
    try:
        check(parse_function(g))
    except UnsupportedSyntaxError as error:
        out["check"] = _fence(f"{type(error).__name__}: {error}", "text")
    else:
        raise AssertionError("check() accepted g; pick a construct it rejects")

    # normalize: one namer hands out every generated name, in this and later stages
    kinds = {name: arg_kind(value) for name, value in zip(("x", "n"), ARGS)}
    seen = {}

    def observe(step, draft):
        seen[step] = draft
        if step == "frontend":
            seen["normalized text"] = _code(draft.normalized)
    derive(Request.of(f, WRT, kinds), observe=observe)
    normalized, transformer = seen["frontend"].normalized, seen["sweeps"].transformer
    out["normalize"] = _fence(seen["normalized text"])
    out["steps"] = _fence(" -> ".join(step.name + ("*" if step.optional else "")
                                      for step in FORMS["grad"]), "text")

    # analyze: run by the reverse transformer (activity and kinds when it is made,
    # the values to record when it builds the sweeps)
    statements = {id(s): s for s in gast.walk(normalized) if isinstance(s, gast.stmt)}
    pushes = []
    for key, names in transformer.restores.items():
        statement = _code(statements[key]).splitlines()[0]
        pushes.append(f"#   before `{statement}`: push {', '.join(sorted(names))}")
    local = [a.id for a in normalized.args.args] + sorted(
        stored_names(normalized.body) - {a.id for a in normalized.args.args})
    out["analyze"] = _fence(
        f"# active (depend on {', '.join(WRT)} and reach the result): "
        f"{', '.join(sorted(transformer.active))}\n"
        f"# not active: {', '.join(sorted(set(local) - transformer.active))}\n"
        f"# kinds: {', '.join(f'{k}: {transformer.kind.get(k)}' for k in local)}\n"
        "# values the backward sweep needs after they are overwritten:\n"
        + "\n".join(sorted(pushes)))

    # reverse: the joint function with every optional pass off
    unoptimized = _function_text(derive(Request.of(f, WRT, kinds, optimize=False)).text)
    out["reverse"] = _fence(unoptimized)

    # optimize: what the optimize stage changes
    final = derive(Request.of(f, WRT, kinds)).text
    diff = difflib.unified_diff(unoptimized.splitlines(), _function_text(final).splitlines(),
                                "reverse", "optimize", lineterm="", n=1)
    out["optimize"] = _fence("\n".join(list(diff)[2:]), "diff")

    # emit: the module text, exactly what tl.source(f) returns
    if tl.source(f, wrt=WRT, args=ARGS) != final:
        raise AssertionError("tl.source(f) differs from pipeline.derive's text")
    out["emit"] = _fence(final)

    # compile + cache, and a check against central differences
    value, gradient = tl.value_and_grad(f, wrt=WRT[0])(*ARGS)
    eps = 1e-6
    difference = (f(ARGS[0] + eps, *ARGS[1:]) - f(ARGS[0] - eps, *ARGS[1:])) / (2 * eps)
    out["run"] = _fence(
        f">>> value, gradient = tl.value_and_grad(f)({', '.join(map(repr, ARGS))})\n"
        f">>> print(f\"{{value:.8f}} {{gradient:.8f}}\")\n{value:.8f} {gradient:.8f}\n"
        f">>> x, n, h = {ARGS[0]}, {ARGS[1]}, 1e-6\n"
        f">>> print(f\"{{(f(x + h, n) - f(x - h, n)) / (2 * h):.8f}}\")\n{difference:.8f}",
        "pycon")

    # forward mode
    out["forward"] = _fence(tl.source(f, mode="forward", wrt=WRT, args=ARGS))
    return out


def _function_text(module_text):
    """The generated function in a module's text, without the docstring and imports."""
    return module_text[module_text.index("\ndef ") + 1:]


def _emit_function(function, modules):
    """The function as the emit stage prints it (comments included), without the header."""
    text = emit([function], modules.imports, "")
    return text[text.index("def "):]


# -- docs/supported.md -----------------------------------------------------------------

# What each supported node class covers (a class check.NODES lists as supported but
# missing here stops the generator: document it).
SUPPORTED_NOTES = {
    gast.Assign: "`x = e`; unpacking and swaps `a, b = b, a`; chained `a = b = e`; "
                 "item and slice assignment `x[i] = e`, `x[a:b] = e`, `x[mask] = e`",
    gast.AugAssign: "`x += e` with `+ - * / ** // % @`, on a name or an item (`x[i] += e`)",
    gast.AnnAssign: "`x: float = e` (the annotation is ignored)",
    gast.If: "`if` / `elif` / `else`, nested; the backward sweep replays the branch taken",
    gast.For: "over `range(...)` with any arguments, lists, tuples, arrays (rows), dicts "
              "(their keys), `d.items()`, `enumerate`, `zip`, `sorted(...)`; nested loops; "
              "`tl.checkpointed(range(n), snapshots=k)`, the same loop reversed by binomial "
              "checkpointing (see [Checkpointing](checkpointing.md))",
    gast.While: "data-dependent conditions; `while True:` with `break`",
    gast.Break: "anywhere inside a loop",
    gast.Continue: "anywhere inside a loop",
    gast.Return: "anywhere, several per function (early returns inside loops and branches)",
    gast.Expr: "expression statements: `xs.append(e)`; other calls (`print(...)`) run "
               "in the primal sweep only",
    gast.Pass: "",
    gast.FunctionDef: "nested `def` (checked like the function itself), defined anywhere in "
                      "the body (in loops and branches too, once per name) and called by "
                      "name anywhere, in the conditions of `if` and `while` too; it "
                      "may read the enclosing function's variables, differentiated ones "
                      "included; a lambda bound to a name (`sq = lambda t: t * t`) is one too. "
                      "Lambdas, nested and module-level functions can be passed to user "
                      "functions (`integrate(lambda t: t * x, 0.0, 1.0)`): the callee is "
                      "then written out at the call",
    gast.Raise: "runs in the primal sweep",
    gast.Assert: "runs in the primal sweep",
    gast.BoolOp: "`and`, `or`, in conditions and as values",
    gast.BinOp: "`+ - * / ** @ // %` (rules below); other operators only on values that "
                "are not differentiated",
    gast.UnaryOp: "`-x`, `+x`, `not x`",
    gast.Compare: "`< <= > >= == != is in`, chained (`0 < x < 1`); the result is a bool "
                  "(no derivative)",
    gast.Call: "functions with a derivative rule (tables below), array methods, and "
               "Python functions, which are differentiated in turn (recursion included); "
               "positional, keyword, keyword-only, default and literal arguments",
    gast.IfExp: "`a if c else b`",
    gast.Name: "",
    gast.Constant: "",
    gast.Attribute: "reading: `x.T`, `x.shape`, `math.pi`; the fields of NamedTuples and "
                    "dataclasses, differentiated (see [Pytrees](pytrees.md)); attributes "
                    "of other objects, read as constants (configuration, modules, an "
                    "object passed in; an attribute of an object made from a "
                    "differentiated value is a located error, never a zero)",
    gast.Subscript: "integer and negative indices, slices with steps, `...`, `None`, "
                    "integer-array and boolean-mask indexing of arrays; list, tuple and "
                    "dict items (constant keys)",
    gast.Slice: "`a[i:j:k]`",
    gast.Tuple: "literals, packing and unpacking",
    gast.List: "literals",
    gast.Dict: "literals with constant keys; `d.get(key, default)`, `d.items()`, "
               "`d.values()`, `d.keys()`, `dict(...)` from keywords, pairs or another dict, "
               "`sorted(d)` and `sorted(d.items())`; dict arguments",
    gast.ListComp: "list comprehensions",
    gast.GeneratorExp: "generator expressions (`sum(x * w for w in ws)`)",
    gast.JoinedStr: "f-strings (no derivative)",
    gast.FormattedValue: "the `{...}` parts of f-strings",
}

# An example of each construct check.NODES rejects (shown, not run: some are syntax
# of other Python versions).
REJECTED_EXAMPLES = {
    gast.Try: "try: ... except E: ...",
    gast.TryStar: "try: ... except* E: ...",
    gast.With: "with open(p) as f: ...",
    gast.AsyncWith: "async with lock: ...",
    gast.AsyncFor: "async for x in xs: ...",
    gast.AsyncFunctionDef: "async def g(): ...",
    gast.Lambda: "(lambda y: y * x)(2.0)",
    gast.ClassDef: "class C: ...",
    gast.Global: "global counter",
    gast.Nonlocal: "nonlocal total",
    gast.Delete: "del y",
    gast.Import: "import math",
    gast.ImportFrom: "from math import sin",
    gast.Match: "match k: case 1: ...",
    gast.TypeAlias: "type Vector = list[float]",
    gast.Print: "print x",
    gast.Exec: "exec code",
    gast.Repr: "`x`",
    gast.Starred: "g(*args), [*xs, y]",
    gast.Yield: "yield x",
    gast.YieldFrom: "yield from xs",
    gast.Await: "await g(x)",
    gast.NamedExpr: "if (y := x * 2) > 1: ...",
    gast.Set: "{x, y}",
    gast.SetComp: "{y for y in xs}",
    gast.DictComp: "{k: v for k, v in items}",
    gast.TemplateStr: "t\"{x}\"",
    gast.Interpolation: "t\"{x}\"",
}

# A whole function using each construct check.NODES rejects; tests/test_docs.py checks
# that check() rejects each with the table's message (those this Python can parse).
REJECTED_SNIPPETS = {
    gast.Try: "def f(x):\n    try:\n        return x\n    except ValueError:\n        return 0.0\n",
    gast.TryStar: "def f(x):\n    try:\n        return x\n    except* ValueError:\n"
                  "        return 0.0\n",
    gast.With: "def f(x, lock):\n    with lock:\n        y = x\n    return y\n",
    gast.AsyncWith: "def f(x, lock):\n    async with lock:\n        y = x\n    return y\n",
    gast.AsyncFor: "def f(x, xs):\n    async for y in xs:\n        x = x + y\n    return x\n",
    gast.AsyncFunctionDef: "def f(x):\n    async def g():\n        return x\n    return x\n",
    gast.Lambda: "def f(x):\n    return (lambda y: y * x)(2.0)\n",
    gast.ClassDef: "def f(x):\n    class C:\n        pass\n    return x\n",
    gast.Global: "def f(x):\n    global counter\n    return x\n",
    gast.Nonlocal: "def f(x):\n    nonlocal total\n    return x\n",
    gast.Delete: "def f(x):\n    y = x\n    del y\n    return x\n",
    gast.Import: "def f(x):\n    import math\n    return math.sin(x)\n",
    gast.ImportFrom: "def f(x):\n    from math import sin\n    return sin(x)\n",
    gast.Match: "def f(x, k):\n    match k:\n        case 1:\n            return x\n    return x\n",
    gast.TypeAlias: "def f(x):\n    type Vector = list[float]\n    return x\n",
    gast.Starred: "def f(x, xs):\n    ys = [*xs, x]\n    return ys[0]\n",
    gast.Yield: "def f(x):\n    yield x\n",
    gast.YieldFrom: "def f(x, xs):\n    yield from xs\n",
    gast.Await: "def f(x, g):\n    return await g(x)\n",
    gast.NamedExpr: "def f(x):\n    if (y := x * 2) > 1:\n        return y\n    return x\n",
    gast.Set: "def f(x, y):\n    s = {x, y}\n    return x\n",
    gast.SetComp: "def f(x, xs):\n    s = {y for y in xs}\n    return x\n",
    gast.DictComp: "def f(x, xs):\n    d = {y: y for y in xs}\n    return x\n",
    gast.TemplateStr: "def f(x):\n    s = t\"{x}\"\n    return x\n",
}

# Rejected forms of supported statements: check() runs on each, and the page shows
# the error it really raises.
REJECTED_FORMS = [
    ("def f(*xs):\n    return xs[0]\n", "def f(*xs): ..."),
    ("def f(x, **options):\n    return x\n", "def f(x, **options): ..."),
    ("def f(x, m):\n    m <<= 1\n    return x\n", "m <<= 1"),     # no | in a table
    ("def f(x):\n    y: float\n    return x\n", "y: float"),
    ("def f(x, y):\n    y[0]: float = x\n    return y[0]\n", "y[0]: float = x"),
    ("def f(x, y):\n    y[0], y[1] = x, x\n    return y[0]\n", "y[0], y[1] = x, x"),
    ("def f(x):\n    a, *b = x\n    return a\n", "a, *b = x"),
    ("def f(x, y):\n    for y[0] in x:\n        pass\n    return y[0]\n", "for y[0] in x: ..."),
    ("def f(x):\n    for i in range(3):\n        x = x * 2\n    else:\n        x = 0.0\n"
     "    return x\n", "for ...: ... else: ..."),
    ("def f(x):\n    while x < 1:\n        x = x * 2\n    else:\n        x = 0.0\n"
     "    return x\n", "while ...: ... else: ..."),
    ("def f(x):\n    return g(*x)\n", "g(*xs)"),
    ("def f(x, options):\n    return g(x, **options)\n", "g(x, **options)"),
    ("def f(x, d):\n    e = {**d}\n    return x\n", "{**d}"),
    ("def f(x):\n    return [y async for y in x]\n", "[y async for y in xs]"),
    ("def f(x, obj):\n    obj.value = x\n    return x\n", "obj.value = x"),
    ("def f(x, obj):\n    obj.items[0] = x\n    return x\n", "obj.items[0] = x"),
]

# Functions whose errors the page shows, raised by differentiating them for real.
ERRORS_EXAMPLE = """\
import math

import numpy as np


def uses_fmod(x):
    return math.fmod(x, 0.5)


def squares(x):
    return x * x


def power(x, n):
    return x ** n

"""

# Where the functions of each module are documented (module name -> title).
_RULE_MODULES = [("builtins", "Builtins"), ("math", "math"), ("numpy", "NumPy"),
                 ("numpy.linalg", "numpy.linalg")]
_OPERATOR_SYMBOLS = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/",
                     gast.Pow: "**", gast.Mod: "%", gast.FloorDiv: "//", gast.MatMult: "@",
                     gast.USub: "-x", gast.UAdd: "+x", gast.Not: "not x"}


def _cell(text):
    """Text for a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _inline_code(text):
    """`text` as Markdown inline code, even when it contains a backtick."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _class_names(classes):
    return ", ".join(f"`{c.__name__}`" for c in classes)


def check_source(source):
    """(construct, hint) that check() raises for the function in `source`, or None."""
    from tangentlike.parse import ParsedFunction
    node = gast.parse(source).body[0]
    parsed = ParsedFunction(fn=None, node=node, filename="example.py", line_offset=0,
                            source_lines=source.splitlines(), source=source)
    try:
        check(parsed)
    except UnsupportedSyntaxError as error:
        return error.construct, error.hint
    return None


def rejected_nodes():
    """[(classes, construct, hint)]: check.NODES' rejected entries, grouped by message."""
    from tangentlike.check import NODES, SUPPORTED
    groups = {}
    for cls, entry in NODES.items():
        if entry is not SUPPORTED:
            groups.setdefault(entry, []).append(cls)
    return [(classes, construct, hint) for (construct, hint), classes in groups.items()]


def supported_regions():
    """{region name: Markdown text} for the generated regions of docs/supported.md."""
    from tangentlike.check import NODES, SUPPORTED
    out = {}
    for kind, statements in (("statements", True), ("expressions", False)):
        rows = ["| construct | gast node | status |", "|---|---|---|"]
        for cls, entry in NODES.items():
            if entry is SUPPORTED and issubclass(cls, gast.stmt) == statements:
                if cls not in SUPPORTED_NOTES:
                    raise KeyError(f"check.NODES supports {cls.__name__}: describe it in "
                                   f"SUPPORTED_NOTES")
                rows.append(f"| {_cell(SUPPORTED_NOTES[cls]) or '—'} | `{cls.__name__}` | "
                            "supported |")
        out[f"supported-{kind}"] = "\n".join(rows) + "\n"

    rows = ["| gast node | example | error: `UnsupportedSyntaxError` ... | hint |",
            "|---|---|---|---|"]
    for classes, construct, hint in rejected_nodes():
        examples = dict.fromkeys(REJECTED_EXAMPLES[c] for c in classes if c in REJECTED_EXAMPLES)
        example = " / ".join(_inline_code(e) for e in examples)
        rows.append(f"| {_class_names(classes)} | {_cell(example)} | "
                    f"{_cell(construct)} is not supported | {_cell(hint)} |")
    out["rejected-nodes"] = "\n".join(rows) + "\n"

    rows = ["| example | error: `UnsupportedSyntaxError` ... | hint |", "|---|---|---|"]
    for source, shown in REJECTED_FORMS:
        problem = check_source(source)
        if problem is None:
            raise AssertionError(f"check() accepts {shown!r} now: update REJECTED_FORMS")
        construct, hint = problem
        rows.append(f"| `{_cell(shown)}` | {_cell(construct)} is not supported | "
                    f"{_cell(hint)} |")
    out["rejected-forms"] = "\n".join(rows) + "\n"

    out["operators"] = _operator_table()
    out["functions"] = _function_tables()
    out["methods"] = _method_table()
    with tempfile.TemporaryDirectory() as directory:
        module = _load_example(directory, ERRORS_EXAMPLE)
        out["errors"] = _without_directory({"errors": _error_examples(module)},
                                           directory)["errors"]
    return out


def _modes(rule):
    """The status cells (reverse, forward) of a registered rule."""
    if rule is None:
        return "NoDerivativeError", "NoDerivativeError"
    if rule.nondifferentiable:
        return "constant", "constant"
    reverse = "yes" if rule.adjoints else "—"
    forward = "yes" if rule.tangents or rule.linear else "—"
    return reverse, forward


def _operator_table():
    from tangentlike.syntax import OPERATORS as _OPERATORS
    from tangentlike.rules import lookup
    rows = ["| operator | reverse | forward |", "|---|---|---|"]
    for node, fn in _OPERATORS.items():
        reverse, forward = _modes(lookup(fn))
        rows.append(f"| `{_cell(_OPERATOR_SYMBOLS[node])}` | {reverse} | {forward} |")
    return "\n".join(rows) + "\n"


def rule_names(rule):
    """Public names of a rule's callable (`numpy.absolute`, `numpy.abs`), or []."""
    names = []
    for module_name, _ in _RULE_MODULES:
        module = importlib.import_module(module_name)
        for attr in sorted(dir(module)):
            if attr.startswith("_"):
                continue
            try:
                if getattr(module, attr) is rule.callable:
                    names.append(attr if module_name == "builtins" else f"{module_name}.{attr}")
            except Exception:       # noqa: BLE001  (lazy attributes that fail to load)
                continue
        if names:
            return names
    return names


def _function_tables():
    """One table per module: every function with a rule (and for `math`, every other
    public function too, which raises NoDerivativeError)."""
    from tangentlike.rules import all_rules
    by_module = {module_name: {} for module_name, _ in _RULE_MODULES}
    for rule in all_rules():
        names = rule_names(rule)
        if not names:
            continue            # operators and tangentlike's own runtime helpers
        module_name = names[0].rpartition(".")[0] or "builtins"
        by_module[module_name][names[0]] = (names, _modes(rule))
    import math
    for attr in dir(math):
        value = getattr(math, attr)
        if not attr.startswith("_") and callable(value) and f"math.{attr}" not in by_module["math"]:
            by_module["math"][f"math.{attr}"] = ([f"math.{attr}"], _modes(None))
    parts = []
    for module_name, title in _RULE_MODULES:
        parts.append(f"#### {title}\n\n| function | reverse | forward |\n|---|---|---|")
        for key in sorted(by_module[module_name], key=str.lower):
            names, (reverse, forward) = by_module[module_name][key]
            shown = ", ".join(f"`{n}`" for n in names)
            parts[-1] += f"\n| {shown} | {reverse} | {forward} |"
        parts[-1] += "\n"
    return "\n".join(parts)


def _method_table():
    from tangentlike.rules import lookup
    from tangentlike.rules.methods import METHODS
    rows = ["| method | differentiated as | reverse | forward |", "|---|---|---|---|"]
    for method in sorted(METHODS):
        fn = METHODS[method]
        reverse, forward = _modes(lookup(fn))
        shown = f"`numpy.{fn.__name__}`" if fn.__module__.startswith("numpy") else \
            "a cast: the derivative is cast back; zero when cast to integers or booleans"
        rows.append(f"| `.{method}` | {shown} | {reverse} | {forward} |")
    return "\n".join(rows) + "\n"


def _error_examples(module):
    """The messages of the errors raised on purpose outside the check stage."""
    import numpy as np
    calls = [
        ("tl.grad(uses_fmod)(2.0)", lambda: tl.grad(module.uses_fmod)(2.0)),
        ("tl.grad(power, wrt=\"n\")(2.0, 3)", lambda: tl.grad(module.power, wrt="n")(2.0, 3)),
        ("tl.grad(squares)(np.ones(3))", lambda: tl.grad(module.squares)(np.ones(3))),
        ("tl.grad(math.sin)(1.0)", lambda: tl.grad(__import__("math").sin)(1.0)),
    ]
    lines = []
    for text, call in calls:
        try:
            call()
        except tl.TangentlikeError as error:
            lines.append(f">>> {text}\n{type(error).__name__}: {error}")
        else:
            raise AssertionError(f"{text} raised nothing: update the errors example")
    return _fence("\n\n".join(lines), "text")


def render(page, generated, name="the page"):
    """`page` with every generated region replaced; unknown or missing regions raise."""
    seen = set()

    def replace(match):
        region = match.group("name")
        if region not in generated:
            raise KeyError(f"{name} has a region {region!r} the generator does not make")
        seen.add(region)
        return match.group(1) + generated[region] + match.group(4)

    text = _REGION.sub(replace, page)
    missing = set(generated) - seen
    if missing:
        raise KeyError(f"{name} lacks the region(s) {sorted(missing)}")
    return text


def pages():
    """[(path, current text, generated text)] for the pages this script maintains."""
    out = []
    for path, make in ((PAGE, regions), (SUPPORTED_PAGE, supported_regions)):
        page = path.read_text(encoding="utf-8")
        out.append((path, page, render(page, make(), path.name)))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a page differs from what would be generated")
    options = parser.parse_args(argv)
    status = 0
    for path, page, new in pages():
        if new == page:
            continue
        if options.check:
            sys.stdout.writelines(difflib.unified_diff(
                page.splitlines(True), new.splitlines(True), f"{path.name} (committed)",
                f"{path.name} (generated)"))
            status = 1
        else:
            path.write_text(new, encoding="utf-8")
            print(f"updated {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
