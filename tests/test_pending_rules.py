"""tangentlike's own rule templates are parsed on first use (rules/templates.py).

Importing the package parses none of them and computing the registry fingerprint (a
disk-cache key) reads none; a pending template, once read, holds exactly what an
eager registration of the same function gives (field by field, body included, and
for an elementwise declaration the same derived source); a bad template of
tangentlike's own raises RuleError naming it when first read, and again on every
later read.  Users' templates are parsed at registration (test_rule_declarations.py).
"""

import os
import pathlib
import subprocess
import sys

import gast
import pytest

import tangentlike as tl
from tangentlike.rules import registry, templates

REPO = pathlib.Path(__file__).resolve().parent.parent

FIELDS = ("params", "defaults", "placeholders", "keyword_only", "tangent_params", "returns",
          "globals", "text", "module", "qualname")


def test_importing_the_package_and_fingerprinting_parse_no_built_in_template(tmp_path):
    code = ("from tangentlike.rules import registry\n"
            "ts = [t for r in registry.all_rules() for t in r.adjoints + r.tangents]\n"
            "before = sum(t._pending is not None for t in ts)\n"
            "registry.fingerprint()\n"
            "print(len(ts), before, sum(t._pending is not None for t in ts))\n")
    env = {**os.environ, "PYTHONPATH": str(REPO), "TANGENTLIKE_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True)
    total, pending_after_import, pending_after_fingerprint = map(int, done.stdout.split())
    assert total > 400
    assert pending_after_import == pending_after_fingerprint == total


def _eager(rule, mode, template):
    """The template an eager registration of the same function gives."""
    if template.declaration is not None:
        adjoint, tangent = registry._derive(template.declaration, rule.callable)
        return adjoint if mode == "adjoints" else tangent
    parse = registry._adjoint_template if mode == "adjoints" else registry._tangent_template
    return parse(template.fn, now=True)


def test_a_pending_template_reads_as_an_eager_registration():
    checked = 0
    for rule in registry.all_rules():
        for mode in ("adjoints", "tangents"):
            for template in getattr(rule, mode):
                if template.origin != "tangentlike":
                    continue
                eager = _eager(rule, mode, template)
                assert eager._pending is None
                for name in FIELDS:
                    assert getattr(template, name) == getattr(eager, name), (rule.name, name)
                assert gast.dump(gast.Module(body=template.body, type_ignores=[])) == \
                    gast.dump(gast.Module(body=eager.body, type_ignores=[])), rule.name
                checked += 1
    assert checked > 400


def _bad_table_template(g, ans, x):
    return g * not_a_module(x)     # noqa: F821  (the error under test)


def test_a_bad_built_in_template_raises_when_first_read(monkeypatch):
    monkeypatch.setattr(_bad_table_template, "__module__", "tangentlike.rules.a_table")
    monkeypatch.setattr(templates, "_PENDING", [True])
    template = registry._adjoint_template(_bad_table_template)     # signature only
    assert template._pending is not None and template.params == ["x"]
    for _ in range(2):
        with pytest.raises(tl.RuleError, match="_bad_table_template: `not_a_module` is neither"):
            template.body                                                  # noqa: B018


def test_a_template_registered_after_import_is_parsed_at_once(monkeypatch):
    with pytest.raises(tl.RuleError, match="`not_a_module` is neither"):
        registry.adjoint(abs)(_bad_table_template)
    monkeypatch.setattr(_bad_table_template, "__module__", "tangentlike.rules.a_table")
    with pytest.raises(tl.RuleError, match="`not_a_module` is neither"):
        registry._adjoint_template(_bad_table_template)     # the tables are all imported
