"""The documentation site builds: `mkdocs build --strict`, API reference included.

The build needs the extra `docs` (mkdocs, mkdocstrings[python]); without them the
build test is skipped.  That docs/api.md documents every name of `tangentlike.__all__`
is checked always (it needs no mkdocs).
"""

import importlib.util
import pathlib
import re
import subprocess
import sys

import pytest

import tangentlike

REPO = pathlib.Path(__file__).resolve().parents[1]
TIMEOUT_S = 300


def test_api_page_lists_every_public_name():
    page = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^::: tangentlike\.(\w+)\s*$", page, re.M))
    public = set(tangentlike.__all__) - {"__version__"}
    assert public <= listed, f"docs/api.md lacks ::: directives for {sorted(public - listed)}"
    assert listed <= public, f"docs/api.md documents names not in __all__: {sorted(listed - public)}"
    assert "__version__" in page


def test_public_functions_document_their_parameters():
    """Each parameter of a public function is named in its docstring (as `name`, or
    name= / name: in the text)."""
    import inspect
    missing = []
    for name in tangentlike.__all__:
        obj = getattr(tangentlike, name)
        if not inspect.isfunction(obj):
            continue
        doc = inspect.getdoc(obj) or ""
        for parameter in inspect.signature(obj).parameters:
            if not re.search(rf"(`|\b){re.escape(parameter)}(`|=|:|\b)", doc):
                missing.append(f"{name}({parameter})")
    assert not missing, f"parameters not documented in their docstrings: {missing}"


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None
                    or importlib.util.find_spec("mkdocstrings") is None
                    or importlib.util.find_spec("mkdocstrings_handlers") is None,
                    reason="the docs extra is not installed (pip install '.[docs]')")
def test_mkdocs_build_strict(tmp_path):
    process = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert process.returncode == 0, f"mkdocs build --strict failed:\n{process.stdout}{process.stderr}"
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    for name in set(tangentlike.__all__) - {"__version__"}:
        assert f'id="tangentlike.{name}"' in api, f"the built API reference lacks {name}"
    assert "&gt;&gt;&gt;" in api and "<blockquote>" not in api, \
        "docstring examples are not rendered as code (docs/mkdocs_hooks.py)"
