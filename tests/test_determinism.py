"""Same input, same text: generated code does not depend on Python's hash seed.

Names are handed out by one namer in the order the transformers ask for them; asking
in the order of a set of strings would make that order, and so the text, change from
process to process (and the disk cache miss).  Each program's derivatives, of first
and second order, are generated in two processes with different PYTHONHASHSEED values
and must be the same text.
"""

import os
import pathlib
import subprocess
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent("""
    import sys
    sys.path[:0] = [{tests!r}, {cases!r}]
    import numpy as np
    import tangentlike as tl
    import call_cases, higher_functions
    out = []
    for case in call_cases.CASES[:40]:
        wrt = case.wrt if case.wrt is not None else 0
        for mode in ("reverse", "forward"):
            try:
                out.append(tl.source(case.fn, mode=mode, wrt=wrt, args=case.args))
            except Exception as error:
                out.append(type(error).__name__)
    for name in sorted(vars(higher_functions)):
        fn = getattr(higher_functions, name)
        if callable(fn) and getattr(fn, "__module__", "") == "higher_functions" \\
                and not name.startswith("_"):
            try:
                out.append(tl.source(tl.grad(tl.grad(fn)), args=(0.7,)))
            except Exception as error:
                out.append(type(error).__name__)
    print("\\n=====\\n".join(out).replace({cache!r}, "<cache>"))
""")


def _run(seed, tmp_path):
    cache = str(tmp_path / f"cache{seed}")
    script = SCRIPT.format(tests=str(ROOT / "tests"), cases=str(ROOT / "tests" / "cases"),
                           cache=cache)
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "TANGENTLIKE_CACHE_DIR": cache,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_generated_text_does_not_depend_on_the_hash_seed(tmp_path):
    first, second = _run(1, tmp_path), _run(2, tmp_path)
    assert first.count("=====") > 40
    assert first == second
