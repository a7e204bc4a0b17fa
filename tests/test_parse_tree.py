"""parse's own ast -> gast conversion gives what gast.ast_to_gast gives: the same nodes,
fields and positions, set in the same order (the generated code depends on all of it)."""

import ast
import pathlib
import sys

import gast
import pytest

from tangentlike import parse

ROOT = pathlib.Path(parse.__file__).parent
SOURCES = sorted(ROOT.rglob("*.py")) + sorted((ROOT.parent / "tests").rglob("*.py"))


def _same(a, b):
    assert type(a) is type(b)
    if isinstance(a, gast.AST):
        assert list(a.__dict__) == list(b.__dict__)
        for key in a.__dict__:
            _same(a.__dict__[key], b.__dict__[key])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert a == b or a != a and b != b


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="gast's own conversion is used")
def test_conversion_matches_gast_on_every_source_file():
    for path in SOURCES:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:         # a case written in a newer Python's syntax (except*)
            continue
        _same(gast.ast_to_gast(tree), parse._as_gast(tree))
