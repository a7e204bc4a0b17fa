"""The documentation runs: every ```python block in README.md and docs/*.md.

Each page's Python blocks run in order in one namespace, in a subprocess whose
working directory is a scratch folder and whose TANGENTLIKE_CACHE_DIR is the test's
own (the autouse fixture in conftest.py).  The blocks are written to a copy of the
page in which every other line is blank, so line numbers in tracebacks (and in
tangentlike's generated comments) are the page's own, and `inspect.getsource`
finds the functions the page defines.

Two markers, an HTML comment on the line before a block's opening fence:
- `<!-- no-run -->`: the block is deliberately not runnable (a fragment); use sparingly;
- `<!-- output -->`: the block is the exact stdout of the Python block before it.
  `python tests/test_docs.py --update-outputs` rewrites such blocks from a fresh run.

docs/how-it-works.md must be exactly what docs/generate_how_it_works.py writes, and
docs/supported.md must list every construct check.py rejects and every registered rule.
"""

import importlib.util
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass

import pytest

import tangentlike

_TANGENTLIKE_ROOT = str(pathlib.Path(tangentlike.__file__).resolve().parents[1])
REPO = pathlib.Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PAGES = [REPO / "README.md"] + sorted(DOCS.glob("*.md"))
TIMEOUT_S = 300

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
_MARKER = re.compile(r"^\s*<!--\s*(?P<marker>no-run|output)\s*-->\s*$")
_PYTHON = {"python", "py", "python3"}


@dataclass
class Block:
    """A fenced code block: `first` and `last` are the 1-based page lines of its content."""
    lang: str
    first: int
    last: int
    lines: list
    marker: str = None

    @property
    def runs(self):
        return self.lang in _PYTHON and self.marker is None


def blocks(text):
    """Every fenced code block of a Markdown text, in order."""
    lines = text.split("\n")
    out, k = [], 0
    while k < len(lines):
        match = _FENCE.match(lines[k])
        if not match:
            k += 1
            continue
        indent, fence = match.group("indent"), match.group("fence")
        previous = next((line for line in reversed(lines[:k]) if line.strip()), "")
        marker = _MARKER.match(previous)
        end = k + 1
        while end < len(lines) and not _closes(lines[end], fence):
            end += 1
        content = [line[len(indent):] if line.startswith(indent) else line.lstrip()
                   for line in lines[k + 1:end]]
        out.append(Block(match.group("info").lower(), k + 2, end, content,
                         marker.group("marker") if marker else None))
        k = end + 1
    return out


def _closes(line, fence):
    """Whether `line` closes a block opened with `fence` (same character, at least as long)."""
    text = line.strip()
    return len(text) >= len(fence) and set(text) == {fence[0]}


def expected_outputs(page_blocks):
    """[(index of the Python block, output block)] for each `<!-- output -->` block."""
    pairs, last = [], None
    for block in page_blocks:
        if block.marker == "output":
            assert last is not None, (
                f"an <!-- output --> block (line {block.first}) must follow a Python block")
            pairs.append((last, block))
            last = None                      # one output block per Python block
        elif block.runs:
            last = block
    return pairs


# The subprocess: run the page's blocks one by one in one namespace; report each
# block's stdout, and the first error with its traceback, as JSON.
_RUNNER = r"""
import contextlib, io, json, sys, traceback
path, spans, result = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
with open(path, encoding="utf-8") as file:
    lines = file.read().split("\n")
namespace = {"__name__": "__main__", "__builtins__": __builtins__}
outputs, error = [], None
for first, last in spans:
    code = "\n" * (first - 1) + "\n".join(lines[first - 1:last]) + "\n"
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            exec(compile(code, path, "exec"), namespace)
    except BaseException:
        error = {"block": first, "traceback": traceback.format_exc()}
    outputs.append(buffer.getvalue())
    if error:
        break
with open(result, "w", encoding="utf-8") as file:
    json.dump({"outputs": outputs, "error": error}, file)
"""


def run_page(page, workdir):
    """(blocks, {id(block): stdout}, error or None) of running `page`'s Python blocks."""
    text = page.read_text(encoding="utf-8")
    page_blocks = blocks(text)
    runnable = [b for b in page_blocks if b.runs]
    relative = page.relative_to(REPO)
    copy = pathlib.Path(workdir) / relative
    copy.parent.mkdir(parents=True, exist_ok=True)
    padded = [""] * (text.count("\n") + 1)
    for block in runnable:
        padded[block.first - 1:block.last] = block.lines
    copy.write_text("\n".join(padded), encoding="utf-8")
    result = pathlib.Path(workdir) / "result.json"
    spans = json.dumps([(b.first, b.last) for b in runnable])
    # the subprocess imports the tangentlike this process imported
    path = os.pathsep.join(filter(None, [_TANGENTLIKE_ROOT, os.environ.get("PYTHONPATH")]))
    process = subprocess.run([sys.executable, "-c", _RUNNER, str(relative), spans, str(result)],
                             cwd=workdir, capture_output=True, text=True, timeout=TIMEOUT_S,
                             env={**os.environ, "PYTHONPATH": path})
    if not result.exists():
        return page_blocks, {}, {"block": None, "traceback": process.stdout + process.stderr}
    report = json.loads(result.read_text(encoding="utf-8"))
    outputs = {id(b): out for b, out in zip(runnable, report["outputs"])}
    return page_blocks, outputs, report["error"]


def _normalized(text):
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(REPO)) for p in PAGES])
def test_code_blocks_run(page, tmp_path):
    page_blocks, outputs, error = run_page(page, tmp_path)
    name = page.relative_to(REPO)
    if error is not None:
        where = f"the block at line {error['block']}" if error["block"] else "the runner"
        pytest.fail(f"{name}: {where} failed:\n{error['traceback']}", pytrace=False)
    for python, output in expected_outputs(page_blocks):
        actual = _normalized(outputs[id(python)])
        expected = _normalized("\n".join(output.lines))
        assert actual == expected, (
            f"{name}: the output block at line {output.first} is not what the block at line "
            f"{python.first} prints; run `python tests/test_docs.py --update-outputs`")


def test_block_parser():
    text = ("# t\n\n```python\nx = 1\n```\n\n<!-- output -->\n```text\n1\n```\n\n"
            "<!-- no-run -->\n```python\n    fragment\n```\n\n```sh\nls\n```\n")
    found = blocks(text)
    assert [(b.lang, b.first, b.last, b.marker) for b in found] == [
        ("python", 4, 4, None), ("text", 9, 9, "output"), ("python", 14, 14, "no-run"),
        ("sh", 18, 18, None)]
    assert [b.runs for b in found] == [True, False, False, False]
    assert expected_outputs(found) == [(found[0], found[1])]


# -- generated pages ---------------------------------------------------------------------


def _generator():
    spec = importlib.util.spec_from_file_location(
        "generate_how_it_works", DOCS / "generate_how_it_works.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_how_it_works_is_generated():
    generator = _generator()
    committed = generator.PAGE.read_text(encoding="utf-8")
    assert generator.render(committed, generator.regions(), "how-it-works.md") == committed, \
        "docs/how-it-works.md is out of date: run `python docs/generate_how_it_works.py`"


def test_supported_lists_every_rejected_construct():
    from tangentlike.check import NODES, SUPPORTED
    page = (DOCS / "supported.md").read_text(encoding="utf-8")
    cell = _generator()._cell
    missing = [(cls.__name__, entry) for cls, entry in NODES.items() if entry is not SUPPORTED
               and (f"`{cls.__name__}`" not in page
                    or f"{cell(entry[0])} is not supported" not in page
                    or cell(entry[1]) not in page)]
    assert not missing, ("docs/supported.md lacks these rejected constructs (run "
                         f"`python docs/generate_how_it_works.py`): {missing}")
    supported = [cls.__name__ for cls, entry in NODES.items()
                 if entry is SUPPORTED and f"`{cls.__name__}`" not in page]
    assert not supported, f"docs/supported.md lacks the supported nodes {supported}"


def test_rejected_constructs_are_rejected():
    """check() really rejects each construct check.NODES lists as rejected, with the
    table's message (for the constructs this Python can parse)."""
    import gast
    from tangentlike.check import NODES, SUPPORTED
    generator = _generator()
    wrong = []
    for cls, source in generator.REJECTED_SNIPPETS.items():
        try:
            gast.parse(source)
        except SyntaxError:
            continue                        # syntax of another Python version
        if NODES.get(cls, SUPPORTED) is SUPPORTED:
            wrong.append(f"{cls.__name__}: supported now; remove it from REJECTED_SNIPPETS")
            continue
        problem = generator.check_source(source)
        if problem is None or problem[0] != NODES[cls][0]:
            wrong.append(f"{cls.__name__}: check.NODES says {NODES[cls][0]!r}, check() raises "
                         f"{problem and problem[0]!r} for:\n{source}")
    missing = [cls.__name__ for cls, entry in NODES.items() if entry is not SUPPORTED
               and cls not in generator.REJECTED_SNIPPETS
               and cls not in (gast.Print, gast.Exec, gast.Repr, gast.Interpolation)]
    assert not wrong and not missing, "\n".join(wrong) + (
        f"\nno snippet in REJECTED_SNIPPETS for {missing}" if missing else "")


def test_supported_lists_every_rule():
    from tangentlike.rules import all_rules
    generator = _generator()
    page = (DOCS / "supported.md").read_text(encoding="utf-8")
    missing = sorted({names[0] for names in map(generator.rule_names, all_rules())
                      if names and f"`{names[0]}`" not in page})
    assert not missing, ("docs/supported.md lacks rules for "
                         f"{missing}: run `python docs/generate_how_it_works.py`")


def test_mkdocs_nav_lists_every_page():
    nav = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r":\s*([\w./-]+\.md)\s*$", nav, re.M))
    pages = {p.name for p in DOCS.glob("*.md")}
    assert pages <= listed, f"pages missing from mkdocs.yml's nav: {sorted(pages - listed)}"
    for required in ("index.md", "tutorial.md", "how-it-works.md", "supported.md", "rules.md",
                     "cli.md", "conventions.md", "performance.md", "comparison.md"):
        assert required in listed, f"mkdocs.yml's nav lacks {required}"


# -- refreshing output blocks ------------------------------------------------------------


def update_outputs(pages):
    """Rewrite every `<!-- output -->` block of `pages` with what its Python block prints.

    Repeated until nothing changes: a longer output moves the blocks after it, and the
    generated code quotes their line numbers."""
    for page in pages:
        for _ in range(5):
            with tempfile.TemporaryDirectory() as workdir:
                os.environ["TANGENTLIKE_CACHE_DIR"] = str(pathlib.Path(workdir) / "cache")
                page_blocks, outputs, error = run_page(page, workdir)
            if error is not None:
                print(f"{page.name}: the block at line {error['block']} failed:\n"
                      f"{error['traceback']}")
                return 1
            old = page.read_text(encoding="utf-8")
            lines = old.split("\n")
            for python, output in reversed(expected_outputs(page_blocks)):
                lines[output.first - 1:output.last] = _normalized(outputs[id(python)]).split("\n")
            text = "\n".join(lines)
            if text == old:
                break
            page.write_text(text, encoding="utf-8")
            print(f"updated {page.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description="Refresh the <!-- output --> blocks.")
    parser.add_argument("--update-outputs", action="store_true", required=True)
    parser.add_argument("pages", nargs="*", help="pages to refresh (default: all)")
    options = parser.parse_args()
    chosen = [REPO / p for p in options.pages] if options.pages else PAGES
    sys.exit(update_outputs([p.resolve() for p in chosen]))
