"""Python 3.10 to 3.14: code generation uses no API a supported Python removes.

astor writes f-strings through `ast.Str`, deprecated in Python 3.12 and removed in 3.14;
there emit.py writes them with `ast.unparse`.  That path is forced here on every Python,
and must give the text astor gives.  The suite itself runs with tangentlike's own
DeprecationWarnings as errors (pyproject.toml's filterwarnings), and a fresh process
with every DeprecationWarning an error must import tangentlike and differentiate.
"""

import ast
import pathlib
import subprocess
import sys

import pytest

import tangentlike as tl
from tangentlike import emit

PACKAGE = pathlib.Path(tl.__file__).parent
# node classes Python 3.14 removes from `ast` (deprecated since 3.8, warning since 3.12)
REMOVED = {"Num", "Str", "Bytes", "NameConstant", "Ellipsis"}


def labelled(x, n):
    label = f"step {n}: {x:.3f}"
    y = x * x
    if len(label) > 3:
        y = y + x
    return y


def formatted(x, width):
    text = f"{x!r:>{width}} and {{braces}} and {'quoted'}"
    return x * len(text)


def keyword_fstring(x, n):
    y = x
    for k in range(n):
        y = y * 1.5 + len(str(f"{k}"))
    return y


@pytest.mark.parametrize("fn, args", [(labelled, (1.5, 3)), (formatted, (0.5, 12)),
                                      (keyword_fstring, (0.3, 4))])
def test_fstrings_written_by_ast_unparse_read_as_astor_writes_them(fn, args, monkeypatch):
    astor_text = None
    if sys.version_info < (3, 12):          # (astor's own path exists only there)
        monkeypatch.setattr(emit, "UNPARSE_FSTRINGS", False)
        astor_text = tl.source(fn, args=args)
    monkeypatch.setattr(emit, "UNPARSE_FSTRINGS", True)
    from tangentlike.cache import CACHE
    CACHE.invalidate()
    unparsed = tl.source(fn, args=args)
    assert astor_text is None or unparsed == astor_text
    assert "f'" in unparsed or 'f"' in unparsed
    gradient = tl.grad(fn)(*args)
    step = 1e-6
    shifted = [list(args), list(args)]
    shifted[0][0] += step
    shifted[1][0] -= step
    assert gradient == pytest.approx((fn(*shifted[0]) - fn(*shifted[1])) / (2 * step),
                                     rel=1e-6)


def test_no_module_reads_an_ast_class_that_python_314_removes():
    found = [f"{path.relative_to(PACKAGE)}:{node.lineno}"
             for path in sorted(PACKAGE.rglob("*.py"))
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Attribute) and node.attr in REMOVED
             and isinstance(node.value, ast.Name) and node.value.id in ("ast", "gast")]
    assert not found


def test_a_process_with_deprecation_warnings_as_errors_differentiates():
    code = ("import math, tangentlike as tl\n"
            "from test_python_versions import labelled\n"
            "print(tl.grad(labelled)(1.5, 3), tl.jvp(labelled, (1.5, 3), (1.0, 0))[1])\n")
    result = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", code],
                            cwd=pathlib.Path(__file__).parent, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["4.0", "4.0"]
