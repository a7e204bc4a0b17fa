"""Stage 8, compile+cache: generated source -> a file on disk -> a live function.

Receives a cache key (from `make_key`) and the generated source text.  Guarantees
that every entry is one file `<cache_dir>/tl_<first 24 hex of key>.py` whose first
line is a header naming its key and the sha256 of the body, written atomically
(temp file + `os.replace`), so readers see a whole old file or a whole new one.
`read_entry` returns a body only if its header, key, checksum and syntax are all
right; anything else reads as a miss and the bad file is deleted.  Functions are
compiled from exactly the text on disk under the file's name, so `inspect`, `pdb`
and tracebacks show the generated lines.  An unwritable cache directory falls back
to a per-process temp directory instead of failing.

`CACHE` is the one owner of every memo tangentlike keeps in memory (the generated
functions, callees' result kinds, signatures, Hessian-vector plans, compiled code);
`CACHE.invalidate()` forgets them all, and every registration of a rule calls it.
The disk entries stay: their keys name the rules' fingerprint, so a changed rule
never reads an old entry.
"""

import atexit
import functools
import hashlib
import linecache
import marshal
import os
import pathlib
import re
import sys
import weakref

from .rules import registry
from .markers import GENERATED_MODULE

_HEADER = "# tangentlike generated code; key={key} sha256={sha}; do not edit\n"
_HEADER_RE = re.compile(
    r"# tangentlike generated code; key=(\S+) sha256=([0-9a-f]{64}); do not edit")
_KEY_RE = re.compile(r"[0-9a-f]{24,}")
_ENTRY_RE = re.compile(r"tl_[0-9a-f]{24}\.py")
_INDEX = "# tangentlike index; key={key}\n"
_INDEX_RE = re.compile(r"# tangentlike index; key=([0-9a-f]{24,})\n")
_CODE_TAG = sys.implementation.cache_tag or "python"
_CODE_HEADER = b"# tangentlike code %s\n"            # the sha256 of file name and text
# what this module writes: entries, index entries and the compiled code of entries
_FILE_RE = re.compile(r"tl_[0-9a-f]{24}(\.py|\.key|\.%s\.code)" % re.escape(_CODE_TAG))
_TEMP_PREFIX, _TEMP_SUFFIX = ".tl_", ".tmp"



class Cache:
    """Every in-memory memo, with one `invalidate()`.

    generated: load key -> the generated function(s) (loader.load);
    result_kinds: (function, argument kinds) -> the kind of what it returns;
    signatures: function -> its inspect.Signature;
    calls: the derivatives of callees generated code asked the loader for, with the
    rules' version and the Reach they were made under (loader._for_call);
    gradients, hvps, hvp_plans: higher.py's gradients, Hessian-vector functions and
    plans; code: sha256 of a file's name and text -> its code object.
    `transforms` counts how often the pipeline ran (a documented hook for tests).
    """

    def __init__(self):
        self.generated = {}
        self.result_kinds = {}
        self.signatures = weakref.WeakKeyDictionary()
        self.calls = {}
        self.gradients = weakref.WeakKeyDictionary()
        self.hvps = weakref.WeakKeyDictionary()
        self.hvp_plans = weakref.WeakKeyDictionary()
        self.code = {}
        self.transforms = 0

    def invalidate(self):
        """Forget every memo (a rule was registered or replaced)."""
        for memo in (self.generated, self.result_kinds, self.signatures, self.calls,
                     self.gradients, self.hvps, self.hvp_plans, self.code):
            memo.clear()


CACHE = Cache()
registry.on_change(CACHE.invalidate)      # a rule changed: nothing generated before holds


def _sha(text):
    """Hex sha256 of `text` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


digest = _sha           # (for the keys others make of long texts)


def _user_cache_root():
    """The platform's per-user cache directory (XDG on Linux and other Unixes)."""
    home = pathlib.Path.home()
    if sys.platform == "win32":
        return pathlib.Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    if sys.platform == "darwin":
        return home / "Library" / "Caches"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return pathlib.Path(xdg) if os.path.isabs(xdg) else home / ".cache"  # spec: ignore relative


def cache_dir():
    """$TANGENTLIKE_CACHE_DIR, else `<user cache dir>/tangentlike`; created if possible."""
    path = _location()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # unwritable: write_entry falls back to a temp directory
    return path


def _location():
    """Where the cache directory is, for the environment as it is now (it may not exist
    yet: `_write_atomic` makes it with the first write)."""
    override = os.environ.get("TANGENTLIKE_CACHE_DIR")
    return pathlib.Path(override).expanduser() if override else _user_cache_root() / "tangentlike"


@functools.cache
def _fallback_dir():
    """A private temp directory for this process, removed at exit."""
    import shutil
    import tempfile
    path = pathlib.Path(tempfile.mkdtemp(prefix="tangentlike-"))
    atexit.register(shutil.rmtree, path, True)
    return path


def _directories():
    """The cache directory, then the fallback directory if this process made one."""
    return [_location()] + ([_fallback_dir()] if _fallback_dir.cache_info().currsize else [])


def _unlink(path):
    """Remove `path` if possible; True if it was removed."""
    try:
        os.unlink(path)
        return True
    except OSError:
        return False


def _stable_repr(part):
    """A repr of `part` that is the same in every process (sets and dicts sorted)."""
    if part is None or isinstance(part, (str, bytes, bool, int, float)):
        return repr(part)
    if isinstance(part, (tuple, list)):
        inner = ",".join(map(_stable_repr, part))
        return f"({inner},)" if isinstance(part, tuple) else f"[{inner}]"
    if isinstance(part, (set, frozenset)):
        return "set{" + ",".join(sorted(map(_stable_repr, part))) + "}"
    if isinstance(part, dict):
        items = sorted(f"{_stable_repr(k)}:{_stable_repr(v)}" for k, v in part.items())
        return "dict{" + ",".join(items) + "}"
    raise TypeError(
        f"make_key: a {type(part).__name__} has no stable text form; pass str, bytes, "
        "int, float, bool, None, or tuples/lists/sets/dicts of them")


def make_key(*parts):
    """Hex sha256 of the parts, identical across processes and hash seeds."""
    return _sha(_stable_repr(parts))


def entry_path(key):
    """Where the entry for `key` lives in the cache directory."""
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        raise ValueError(f"not a cache key (want 24+ lowercase hex digits; see make_key): {key!r}")
    return _location() / f"tl_{key[:24]}.py"


def _split(text):
    """(header line, body) of a cache file's text."""
    header, _, body = text.partition("\n")
    return header, body


def _compile(text, filename):
    """The code object of `text` under `filename`: compiled once, and kept in memory and,
    beside the entry, on disk (`<entry>.<cache tag>.code`), so that a new process
    unmarshals it instead of compiling again."""
    digest = _sha(filename + "\n" + text)
    code = CACHE.code.get(digest)
    if code is None:
        code = _stored_code(filename, digest)
        if code is None:
            code = compile(text, filename, "exec", dont_inherit=True)
            _store_code(filename, digest, code)
        CACHE.code[digest] = code
    return code


def _code_path(filename):
    return pathlib.Path(filename).with_suffix(f".{_CODE_TAG}.code")


def _stored_code(filename, digest):
    """The code object stored for the text with `digest`, or None (missing, stale or
    unreadable: then compiled again)."""
    header = _CODE_HEADER % digest.encode()
    try:
        data = _code_path(filename).read_bytes()
        return marshal.loads(data[len(header):]) if data.startswith(header) else None
    except (OSError, ValueError, EOFError, TypeError):
        return None


def _store_code(filename, digest, code):
    path = _code_path(filename)
    if not _ENTRY_RE.fullmatch(pathlib.Path(filename).name):
        return                                  # not one of ours: nothing stored
    try:
        _write_atomic(path, _CODE_HEADER % digest.encode() + marshal.dumps(code))
    except OSError:
        pass                                    # compiled again next time


def _valid_body(key, data, filename):
    """The body of a cache file's bytes if header, key, checksum and syntax hold, else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    header, body = _split(text)
    match = _HEADER_RE.fullmatch(header)
    if not match or match.group(1) != key or match.group(2) != _sha(body):
        return None
    try:
        _compile(text, filename)  # the header is a comment: text compiles iff body does
    except Exception:  # SyntaxError, ValueError (null bytes), RecursionError, ...
        return None
    return body


def read_entry(key):
    """The source stored under `key`, or None if missing, unreadable or corrupt."""
    name = entry_path(key).name
    for directory in _directories():
        path = directory / name
        try:
            data = path.read_bytes()
        except OSError:
            continue
        body = _valid_body(key, data, str(path))
        if body is not None:
            return body
        _unlink(path)  # corrupt: remove it so the caller's rewrite starts clean
    return None


def _write_atomic(path, data):
    """Write `data` to `path` via a temp file in the same directory and os.replace."""
    import tempfile        # (imported with the first write)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=path.parent)
    except FileNotFoundError:           # the cache directory's first write
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(tmp, path)  # no fsync: a torn file after a crash fails its checksum
    except BaseException:
        _unlink(tmp)
        raise


def write_entry(key, source):
    """Store `source` under `key` atomically and return the file's path."""
    path = entry_path(key)
    data = (_HEADER.format(key=key, sha=_sha(source)) + source).encode("utf-8")
    try:
        _write_atomic(path, data)
    except OSError:
        path = _fallback_dir() / path.name
        _write_atomic(path, data)
    linecache.cache.pop(str(path), None)  # stronger than checkcache: mtime may not change
    return path


def read_index(quick):
    """The entry key the index entry `quick` names, or None."""
    try:
        text = entry_path(quick).with_suffix(".key").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    match = _INDEX_RE.fullmatch(text)
    return match.group(1) if match else None


def write_index(quick, key):
    """Name the entry `key` under the index key `quick` (best effort)."""
    try:
        _write_atomic(entry_path(quick).with_suffix(".key"), _INDEX.format(key=key).encode())
    except OSError:
        pass


def load_function(path, source, name, namespace):
    """Compile the file at `path` (whose body is `source`) and return its `name`."""
    scope = dict(namespace)
    load_module(path, source, scope)
    try:
        return scope[name]
    except KeyError:
        raise KeyError(f"the generated code in {path} defines no {name!r}") from None


def load_module(path, source, scope):
    """Execute the file at `path` (whose body is `source`) in the dict `scope`."""
    filename = str(path)
    try:
        text = pathlib.Path(path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    if text is None or _split(text)[1] != source:
        # Removed or replaced since it was written (e.g. another process ran clear()):
        # serve the same layout from linecache so line numbers and getsource still work.
        key = pathlib.Path(path).stem.removeprefix("tl_")
        text = _HEADER.format(key=key, sha=_sha(source)) + source
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    else:
        linecache.cache.pop(filename, None)  # reread lazily; drops a stale served copy too
    scope["__name__"] = GENERATED_MODULE
    scope["__file__"] = filename
    exec(_compile(text, filename), scope)
    return scope


def _entries(directory):
    """The cache files in `directory` (only names this module writes)."""
    try:
        return [p for p in directory.iterdir() if _ENTRY_RE.fullmatch(p.name)]
    except OSError:
        return []


def _files(directory):
    """Every file this module writes in `directory`, entries included."""
    try:
        return [p for p in directory.iterdir() if _FILE_RE.fullmatch(p.name)]
    except OSError:
        return []


def info():
    """{"directory", "entries", "bytes"} of the cache directory."""
    directory = cache_dir()
    sizes = []
    for path in _entries(directory):
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            pass
    return {"directory": str(directory), "entries": len(sizes), "bytes": sum(sizes)}


def clear():
    """Delete every cache entry, with its index entries, compiled code and stale temp
    files; return how many entries went."""
    removed = 0
    for directory in _directories():
        removed += sum(_unlink(path) for path in _entries(directory))
        for path in _files(directory):
            _unlink(path)
        for path in directory.glob(f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}"):
            _unlink(path)
    return removed
