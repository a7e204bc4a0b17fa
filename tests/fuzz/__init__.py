"""tangentlike's program fuzzer: random Python/NumPy programs checked against oracles.

Modules, one per stage:

- `generate`: `generate(seed, index) -> Program`, a deterministic random program;
- `judge`: `judge(program) -> Verdict`, the checks run on one program and its class;
- `minimize`: `minimize(text, signature) -> str`, the smallest program failing alike;
- `__main__`: the campaign command, `python -m tests.fuzz --programs N --seed S`.

docs/testing.md says how to run it.
"""
