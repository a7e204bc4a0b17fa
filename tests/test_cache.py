"""Tests of tangentlike.cache: the on-disk entry format, corruption, loading, housekeeping."""

import hashlib
import inspect
import os
import pathlib
import subprocess
import sys
import textwrap
import traceback

import pytest

from tangentlike import cache

REPO = pathlib.Path(__file__).resolve().parents[1]

SOURCE = textwrap.dedent("""\
    def g(x):
        y = x * scale
        return y


    def boom(x):
        return 1 / x  # the generated line
    """)


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path, monkeypatch):
    """Every test gets its own empty cache directory."""
    monkeypatch.setenv("TANGENTLIKE_CACHE_DIR", str(tmp_path))
    return tmp_path


def run_python(code, **env):
    """Run `code` in a fresh interpreter with the repo importable; return its stdout."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **env}
    done = subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True,
                          text=True, check=True)
    return done.stdout.strip()


# -- keys and the entry format ----------------------------------------------------------

def test_round_trip(tmp_path):
    key = cache.make_key("f", ("x",), 1)
    path = cache.write_entry(key, SOURCE)
    assert path == tmp_path / f"tl_{key[:24]}.py" == cache.entry_path(key)
    header, body = path.read_text(encoding="utf-8").split("\n", 1)
    assert header.startswith(f"# tangentlike generated code; key={key} sha256=")
    assert header.endswith("; do not edit")
    assert body == SOURCE
    assert cache.read_entry(key) == SOURCE


def test_overwrite_replaces_and_non_ascii_round_trips():
    key = cache.make_key("f")
    cache.write_entry(key, "x = 1\n")
    cache.write_entry(key, "# ∂y/∂x\nx = 2\n")
    assert cache.read_entry(key) == "# ∂y/∂x\nx = 2\n"


def test_missing_entry_is_none():
    assert cache.read_entry(cache.make_key("nothing here")) is None


def test_key_is_deterministic_across_processes():
    parts = ("f", ("x", 0), 3, 1.5, None, frozenset({"alpha", "beta", "gamma"}), {"b": 1, "a": 2})
    code = ("from tangentlike import cache; print(cache.make_key('f', ('x', 0), 3, 1.5, None, "
            "frozenset({'alpha', 'beta', 'gamma'}), {'b': 1, 'a': 2}))")
    here = cache.make_key(*parts)
    assert len(here) == 64 and int(here, 16) >= 0
    for seed in ("0", "1", "12345"):  # set and dict order must not leak into the key
        assert run_python(code, PYTHONHASHSEED=seed) == here


@pytest.mark.parametrize("a, b", [
    (("ab",), ("a", "b")),
    (("1",), (1,)),
    ((("x", "y"),), (["x", "y"],)),
    ((1,), (1, 2)),
])
def test_different_parts_give_different_keys(a, b):
    assert cache.make_key(*a) != cache.make_key(*b)


def test_unstable_parts_are_rejected():
    with pytest.raises(TypeError, match="stable"):
        cache.make_key("f", object())


@pytest.mark.parametrize("key", ["", "abc", "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", "../" + "a" * 30])
def test_bad_key_is_a_caller_error(key):
    with pytest.raises(ValueError, match="cache key"):
        cache.entry_path(key)


# -- corruption ---------------------------------------------------------------------------

def _header(key, body):
    """The header cache.py's docstring specifies: the key and the sha256 of the body."""
    sha = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return f"# tangentlike generated code; key={key} sha256={sha}; do not edit\n"


CORRUPTIONS = {
    "truncated": lambda key, data: data[: len(data) // 2],
    "empty": lambda key, data: b"",
    "header only": lambda key, data: data.split(b"\n", 1)[0],
    "edited body": lambda key, data: data.replace(b"return y", b"return -y"),
    "no header": lambda key, data: data.split(b"\n", 1)[1],
    "wrong key": lambda key, data: (_header("0" * 64, SOURCE) + SOURCE).encode(),
    "body does not compile": lambda key, data: (_header(key, "def (:\n") + "def (:\n").encode(),
    "null byte": lambda key, data: (_header(key, "x = 1\0\n") + "x = 1\0\n").encode(),
    "garbage bytes": lambda key, data: bytes(range(256)) * 4,
    "not utf-8": lambda key, data: data.replace(b"scale", b"sc\xff\xfele"),
}


@pytest.mark.parametrize("damage", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_corrupt_entry_reads_as_missing_and_is_removed(damage):
    key = cache.make_key("corrupt")
    path = cache.write_entry(key, SOURCE)
    path.write_bytes(damage(key, path.read_bytes()))
    assert cache.read_entry(key) is None
    assert not path.exists()
    cache.write_entry(key, SOURCE)  # regenerates cleanly
    assert cache.read_entry(key) == SOURCE


def test_directory_in_place_of_entry_is_a_miss():
    key = cache.make_key("dir")
    cache.entry_path(key).mkdir()
    assert cache.read_entry(key) is None


# -- atomic writes and the fallback directory -------------------------------------------

def test_writes_leave_no_temp_files(tmp_path):
    keys = [cache.make_key("f", i) for i in range(5)]
    for key in keys + keys[:2]:
        cache.write_entry(key, SOURCE)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"tl_{k[:24]}.py" for k in keys)


def test_failed_write_removes_its_temp_file(tmp_path, monkeypatch):
    def failing_replace(src, dst):
        raise OSError("disk full")
    monkeypatch.setattr(cache.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        cache.write_entry(cache.make_key("f"), SOURCE)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_cache_dir_falls_back_to_temp_dir(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("TANGENTLIKE_CACHE_DIR", str(blocker / "cache"))
    key = cache.make_key("fallback")
    path = cache.write_entry(key, SOURCE)
    assert path.is_file() and tmp_path not in path.parents
    again = cache.write_entry(cache.make_key("again"), SOURCE)
    assert again.parent == path.parent  # one fallback directory per process
    assert cache.read_entry(key) == SOURCE
    fn = cache.load_function(path, SOURCE, "g", {"scale": 2})
    assert fn(4) == 8
    assert cache.clear() == 2
    assert cache.read_entry(key) is None


# -- loading ------------------------------------------------------------------------------

def _load(name="g", source=SOURCE, namespace=None):
    key = cache.make_key("load", source)
    path = cache.write_entry(key, source)
    return path, cache.load_function(path, source, name, namespace or {"scale": 3})


def test_loaded_function_works_in_a_copied_namespace():
    namespace = {"scale": 3}
    path, g = _load(namespace=namespace)
    assert g(2) == 6
    assert namespace == {"scale": 3}
    assert g.__globals__["__name__"] == "tangentlike_generated"
    assert g.__globals__["__file__"] == str(path)
    assert g.__code__.co_filename == str(path)


def test_getsource_returns_the_generated_def():
    _, g = _load()
    assert inspect.getsource(g) == "def g(x):\n    y = x * scale\n    return y\n"
    assert inspect.getsourcelines(g)[1] == 2  # line 1 is the header


def test_traceback_shows_the_generated_line():
    path, boom = _load("boom")
    with pytest.raises(ZeroDivisionError) as info:
        boom(0)
    frame = traceback.extract_tb(info.value.__traceback__)[-1]
    assert frame.filename == str(path)
    assert frame.lineno == 8  # line 7 of the body, after the header
    assert frame.line == "return 1 / x  # the generated line"


def test_missing_name_is_a_caller_error():
    with pytest.raises(KeyError, match="no 'h'"):
        _load("h")


def test_repeated_loads_do_not_recompile(monkeypatch):
    path, _ = _load()
    calls = []
    monkeypatch.setattr(cache, "compile", lambda *a, **k: calls.append(a) or compile(*a, **k),
                        raising=False)
    for _ in range(3):
        assert cache.load_function(path, SOURCE, "g", {"scale": 1})(5) == 5
    assert cache.read_entry(cache.make_key("load", SOURCE)) == SOURCE
    assert calls == []
    monkeypatch.setattr(cache.CACHE, "code", {})  # a fresh process reads the stored code
    cache.load_function(path, SOURCE, "g", {"scale": 1})
    assert calls == []
    code_file = path.with_suffix(f".{sys.implementation.cache_tag}.code")
    for damage in (lambda: code_file.unlink(), lambda: code_file.write_bytes(b"garbage"),
                   lambda: code_file.write_bytes(code_file.read_bytes()[:-7])):
        damage()                                 # gone, corrupt or truncated: compiled once
        monkeypatch.setattr(cache.CACHE, "code", {})
        assert cache.load_function(path, SOURCE, "g", {"scale": 1})(5) == 5
        cache.load_function(path, SOURCE, "g", {"scale": 1})
        assert len(calls) == 1
        calls.clear()


def test_stored_code_is_for_its_text_and_file_only(monkeypatch):
    path, _ = _load()
    code_file = path.with_suffix(f".{sys.implementation.cache_tag}.code")
    assert code_file.exists()
    changed = SOURCE.replace("return", "return 2 *", 1)
    key = cache.make_key("load", SOURCE)
    cache.write_entry(key, changed)              # same file, new text: the old code is stale
    monkeypatch.setattr(cache.CACHE, "code", {})
    assert cache.load_function(path, changed, "g", {"scale": 1})(5) == \
        2 * cache.load_function(cache.write_entry(key, SOURCE), SOURCE, "g", {"scale": 1})(5)


def test_entry_removed_before_load_still_has_source_and_lines():
    key = cache.make_key("vanishing")
    path = cache.write_entry(key, SOURCE)
    path.unlink()
    boom = cache.load_function(path, SOURCE, "boom", {})
    assert inspect.getsource(boom).startswith("def boom(x):")
    with pytest.raises(ZeroDivisionError) as info:
        boom(0)
    assert traceback.extract_tb(info.value.__traceback__)[-1].line.startswith("return 1 / x")


def test_warm_cache_in_another_process(tmp_path):
    key = cache.make_key("warm")
    cache.write_entry(key, SOURCE)
    code = textwrap.dedent(f"""\
        import inspect
        from tangentlike import cache
        source = cache.read_entry({key!r})
        g = cache.load_function(cache.entry_path({key!r}), source, "g", {{"scale": 10}})
        print(g(4), inspect.getsourcelines(g)[1])
        """)
    assert run_python(code, TANGENTLIKE_CACHE_DIR=str(tmp_path)) == "40 2"


# -- housekeeping and the default directory ---------------------------------------------

def test_info_and_clear_count_only_cache_entries(tmp_path):
    paths = [cache.write_entry(cache.make_key("f", i), SOURCE * (i + 1)) for i in range(3)]
    (tmp_path / "notes.txt").write_text("keep me")
    (tmp_path / "tl_notahexname.py").write_text("keep me too")
    (tmp_path / ".tl_stale.tmp").write_text("left by a crash")
    assert cache.info() == {"directory": str(tmp_path), "entries": 3,
                            "bytes": sum(p.stat().st_size for p in paths)}
    assert cache.clear() == 3
    assert cache.info()["entries"] == 0 and cache.info()["bytes"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "tl_notahexname.py"]
    assert cache.clear() == 0


@pytest.mark.parametrize("platform, env, expected", [
    ("linux", {"XDG_CACHE_HOME": "{tmp}/xdg"}, "{tmp}/xdg/tangentlike"),
    ("linux", {"XDG_CACHE_HOME": "relative/ignored"}, "{tmp}/home/.cache/tangentlike"),
    ("linux", {}, "{tmp}/home/.cache/tangentlike"),
    ("darwin", {"XDG_CACHE_HOME": "{tmp}/xdg"}, "{tmp}/home/Library/Caches/tangentlike"),
    ("win32", {"LOCALAPPDATA": "{tmp}/local"}, "{tmp}/local/tangentlike"),
    ("win32", {}, "{tmp}/home/AppData/Local/tangentlike"),
])
def test_default_directory_per_platform(tmp_path, monkeypatch, platform, env, expected):
    monkeypatch.delenv("TANGENTLIKE_CACHE_DIR")
    for name in ("XDG_CACHE_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    monkeypatch.setattr(pathlib.Path, "home", classmethod(lambda cls: tmp_path / "home"))
    monkeypatch.setattr(sys, "platform", platform)
    directory = cache.cache_dir()
    assert directory == pathlib.Path(expected.format(tmp=tmp_path))
    assert directory.is_dir()  # created on demand


def test_override_expands_user(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("TANGENTLIKE_CACHE_DIR", "~/tlcache")
    assert cache.cache_dir() == tmp_path / "tlcache"
