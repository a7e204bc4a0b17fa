"""Words the analyses and both transformers share about the code they read and write.

Receives nothing; guarantees constants and one predicate, no state:

- `OPERATORS`: each gast operator type -> the Python callable whose rule (the rules
  registry) differentiates it: `a + b` is `operator.add(a, b)`, `-a` is
  `operator.neg(a)`;
- `is_leaf(e)`: a name, subscript, attribute or constant, which an adjoint or a
  tangent reaches without passing through an operation;
- `TAPE`, `PUSH`, `POP`: the names generated reverse-mode code gives its tape (a
  local list) and the tape's bound `append` and `pop`; forward mode reads them when
  it differentiates such code again.
"""

import operator

import gast

TAPE, PUSH, POP = "_tape", "_push", "_pop"

OPERATORS = {
    gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
    gast.Div: operator.truediv, gast.Pow: operator.pow, gast.Mod: operator.mod,
    gast.FloorDiv: operator.floordiv, gast.MatMult: operator.matmul,
    gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
}


def is_leaf(e):
    """A name, subscript, attribute or constant."""
    return isinstance(e, (gast.Name, gast.Subscript, gast.Attribute, gast.Constant))
