"""Shared fixtures: every test gets its own tangentlike cache, on disk and in memory.

The tests are laid out as specifications: the case tables (functions and the inputs
they are checked at) live in tests/cases/, the tests that run them in tests/, and the
oracles and observers they share beside the tests (oracles.py, counting.py).  The
tables are imported by module name (`import call_cases`): tests/cases is on sys.path.
"""

import pathlib
import sys

import pytest

CASES = pathlib.Path(__file__).resolve().parent / "cases"
if str(CASES) not in sys.path:
    sys.path.insert(0, str(CASES))


@pytest.fixture(autouse=True)
def tl_cache_dir(tmp_path_factory, monkeypatch):
    """A fresh, empty TANGENTLIKE_CACHE_DIR and an empty in-memory memo for each test.

    The directory is made outside the test's own `tmp_path`, so tests that list
    `tmp_path` see only their own files.  Returns the directory's path.
    """
    path = tmp_path_factory.mktemp("tangentlike_cache")
    monkeypatch.setenv("TANGENTLIKE_CACHE_DIR", str(path))
    _clear_memo()
    yield path
    _clear_memo()


def _clear_memo():
    # Imported here: a tangentlike that fails to import must fail its own tests
    # (test_reverse_table reports it per test), not every test through this fixture.
    try:
        from tangentlike.cache import CACHE
    except Exception:  # noqa: BLE001
        return
    CACHE.invalidate()
