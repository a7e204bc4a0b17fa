"""The package's layers (docs/architecture.md): imports point down, never up, and no
module imports itself through others.

Every import of a tangentlike module is read from the source, including imports
inside functions (a lazy import is still an import), and checked against LAYERS.
A module may import a module of its own layer or of a layer below it; `rules` and
`runtime` sit beside the layers: anything may import them, and they import only
each other and `errors`.  Generated code's runtime (runtime, numpy_runtime) never
imports the rules either.  Every module of the package must be listed: a new
module is placed in a layer on purpose.
"""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "tangentlike"

# top to bottom; a module may import its own layer and the layers below it
LAYERS = [
    ("public", {"__init__", "__main__", "api", "higher", "products", "jacobians", "checking",
                "cli", "cli_inputs"}),
    ("dispatch", {"dispatch", "loader", "forensics", "backends", "results"}),
    ("pipeline", {"pipeline"}),
    ("passes", {"passes", "zeros", "ownership"}),
    ("transforms", {"reverse", "forward", "inline", "emit"}),
    ("analyses", {"analyze", "value_kinds", "aliases", "elementwise", "calls", "environment",
                  "broadcast_plan"}),
    ("frontend", {"parse", "check", "normalize"}),
    ("vocabulary", {"nodes", "naming", "errors", "version", "cache", "syntax", "checkpoints",
                    "markers"}),
]
# beside the layers: importable from every layer, importing only within BESIDE_MAY_USE
BESIDE = {"rules": {"rules", "runtime", "numpy_runtime", "trees", "errors"},
          "runtime": {"runtime", "trees", "errors"},
          "trees": {"trees", "errors"},
          "revolve": {"revolve", "runtime", "trees", "errors", "checkpoints"},
          "numpy_runtime": {"numpy_runtime", "runtime", "trees", "errors"},
          "numba_runtime": {"numba_runtime", "numpy_runtime", "runtime", "trees", "errors"}}


def _modules():
    """{dotted name relative to the package: path} of every module."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name, path):
    """The package modules `name` imports, as dotted names relative to the package."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    if name == "__init__":
        package = []
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
            elif node.module and node.module.split(".")[0] == "tangentlike":
                base = []
                node_module = node.module.split(".", 1)[1] if "." in node.module else None
                found |= _targets(base, node_module, node.names)
                continue
            else:
                continue
            found |= _targets(base, node.module, node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "tangentlike":
                    found.add(alias.name.partition(".")[2] or "__init__")
    return found


def _targets(base, module, names):
    """`from <base>.<module> import names`: the module, or each name that is a module."""
    root = ".".join(base + ([module] if module else []))
    if module:
        return {root}
    return {".".join(base + [alias.name]) for alias in names}


def _rank(top):
    for rank, (_, members) in enumerate(LAYERS):
        if top in members:
            return rank
    return None


def _known(target, modules):
    """`target` resolved to a module (a name imported from a package is its package)."""
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


MODULES = _modules()


def test_every_module_has_a_place():
    tops = {name.split(".")[0] for name in MODULES}
    placed = set().union(*(members for _, members in LAYERS)) | set(BESIDE)
    assert tops - placed == set(), "place these modules in a layer (tests/test_layers.py)"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down(name):
    top = name.split(".")[0]
    wrong = []
    for target in sorted(_imports(name, MODULES[name])):
        module = _known(target, MODULES)
        if module is None:
            continue
        target_top = module.split(".")[0]
        if top in BESIDE:
            if target_top not in BESIDE[top]:
                wrong.append(module)
        elif target_top not in BESIDE and _rank(target_top) < _rank(top):
            wrong.append(module)
    assert not wrong, f"{name} imports {', '.join(wrong)}, above it (docs/architecture.md)"


def test_no_import_cycles():
    graph = {name: {_known(t, MODULES) for t in _imports(name, path)} - {None, name}
             for name, path in MODULES.items()}
    graph = {k: {t for t in v if not (k == "__init__" or t == "__init__")}
             for k, v in graph.items()}
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_modules_are_short():
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 600}
    assert not long, f"modules over 600 lines: {long}"


def test_the_architecture_page_lists_every_form_and_module():
    """docs/architecture.md shows the forms with their steps as pipeline.FORMS has them,
    and names every module of the package (a new one is documented where it sits)."""
    from tangentlike.pipeline import FORMS
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    for form, steps in FORMS.items():
        listed = ", ".join(s.name + ("\\*" if s.optional else "") for s in steps)
        assert f"| `{form}` |" in page and f"| {listed} |" in page, form
    tops = {name.split(".")[0] for name in MODULES} - {"__init__", "__main__"}
    missing = {top for top in tops if f"`{top}`" not in page and f"`{top}/`" not in page}
    assert not missing, f"docs/architecture.md does not name {sorted(missing)}"
