"""Stage 3, normalize: desugar the checked function into a small core language.

Receives a checked `ParsedFunction`.  Returns a new gast `FunctionDef` (the
original is not touched) whose body uses only these statement forms:

- `x = E` where `x` is a Name and E is an *expression tree*: elementwise
  arithmetic (BinOp/UnaryOp) over Names, Constants, `name[index]` subscripts,
  attributes, Tuple/List/Dict literals, comparisons and boolean tests; at most
  one Call or `@`, and only at the top of E (nested ones are hoisted into
  temporaries `_t1`, `_t2`, ...);
- `x[index] = E` (item assignment on a Name) and `x.append(E)`;
- `if TEST:` / `else:` (elif is a nested If), `while TEST:`,
  `for NAME in range(...):` whose bounds are not modified by the loop body;
- `break` only ends a loop body, or a branch of the `if` that ends it (the
  statements after a user's `if ...: break` move into its `else`); elsewhere
  `break`, `continue` and early `return` become boolean flags (`_break`,
  `_continue`, `_returned`) guarding the statements that follow, and the loop then
  ends with `if FLAG: break`; a loop body is never empty;
- exactly one `return`, the last statement (when the user wrote several);
- `raise`, `assert` and expression statements, kept for the primal only.

Desugared forms: augmented assignment, annotated and chained assignment, tuple
unpacking and swaps, `a if c else b`, `and`/`or` used as values, list
comprehensions and generator expressions, `for` over lists, tuples, arrays,
`enumerate` and `zip`, `d.get(k, v)` on dicts; nested functions and lambdas
(defined anywhere) are written out at each call, conditions included; a call
without a rule assigned into an item is named first (`_t1 = h(x); d[k] = _t1`).
User names spelled like the generated code's own (`_tl`, `_tape`, ...) go by
stand-ins (naming.Namer.shelter).  Every statement keeps the line number of the
user's statement it came from.

The passes, in order, one module each:

1. devirtualize.py: `obj.method(x)` on an object of a known class becomes
   `Class.method(obj, x)`;
2. lift.py: a nested function or lambda given to tl.grad, tl.value_and_grad or
   tl.derivative is lambda-lifted (its free variables become parameters) and its
   gradient's calls pass them;
3. tape.py (generated reverse-mode code differentiated again in reverse mode only):
   its tape as a list read back by index; outline.py: a `for` loop over
   `tl.checkpointed(range(n), snapshots=k)` becomes a call of a loop function made
   of its body (reverse mode), or a plain loop over `range(n)` (forward mode);
4. desugar.py (with loops.py and write_out.py): the forms above but for jumps;
   definitions.py finds the nested functions it writes out, rejects those that
   escape and removes their definitions;
5. jumps.py: `break`, `continue` and early `return` as flags and guards, one return;
6. `_shelter`, here: a user's name spelled like one of the generated code's own
   goes by a stand-in.
"""

import inspect

import gast

from .. import nodes as n
from ..naming import GENERATED_MODULE, GENERATED_NAMES, ModuleNames, clashing_names, rename
from .definitions import nested_functions, reject_escaping, without_definitions
from .desugar import Desugar
from .devirtualize import devirtualize
from .fields import read_fields
from .jumps import Jumps
from .outline import Outline, is_checkpointed, outline_loops, plain_loops
from .tape import IndexedTape, uses_generated_tape
from .lift import lift, lifted_functions
from .write_out import written_out_callees

__all__ = ["normalize", "lifted_functions", "written_out_callees", "Outline"]


def normalize(parsed, namer, arrays=False, kinds=None, modules=None, write_out_calls=False,
              reverse=True):
    """The normalized copy of `parsed.node`.

    `kinds` (argument kinds) name the classes of object arguments, whose method calls
    `obj.m(x)` become `Class.m(obj, x)`, calls of a plain function.
    `arrays`: the function handles arrays, so an operand a nonlinear operation must
    keep (operands of `* / ** @`, arguments of calls) gets a name of its own unless
    it already is a name, constant or subscript: the backward sweep then reuses the
    array instead of recomputing it.
    Generated reverse-mode code differentiated again in reverse mode (`reverse`:
    reverse over reverse) has its tape rewritten into a list that is only appended
    to and read back by a decreasing index (tape.py).
    A user function given a nested function or lambda (`apply(lambda t: t * x, x)`)
    is written out at the call, like a nested function; the names it reads from its
    own module are reached through that module, named by `modules` (ModuleNames).
    `write_out_calls`: every call of a user function is written out that way (for a
    gradient that will be differentiated again in reverse mode).
    """
    fn = n.copied(parsed.node)
    body = fn.body
    if body and isinstance(body[0], gast.Expr) and n.is_const(body[0].value) \
            and isinstance(body[0].value.value, str):
        body = body[1:]                       # drop the docstring
    body = devirtualize(body, parsed, kinds or {})
    if modules is not None:
        args = fn.args
        body = read_fields(body, parsed, [a.id for a in args.posonlyargs + args.args +
                                          args.kwonlyargs], kinds, modules)
    body = lift(body, parsed, namer)
    if reverse and uses_generated_tape(body, parsed):
        body = IndexedTape(namer, parsed, modules).function_body(body)
    if any(is_checkpointed(parsed, x) for s in body for x in n.walk(s)):
        body = outline_loops(body, parsed, fn, namer) if reverse else plain_loops(body, parsed)
    desugar = Desugar(parsed, namer, arrays, modules)
    desugar.write_out_calls = write_out_calls
    desugar.kinds = dict(kinds or {})
    desugar.nested = nested_functions(body, parsed)
    body = desugar.block(body)
    reject_escaping(body, desugar.nested, parsed)
    body = without_definitions(body)
    body = Jumps(namer).function_body(body)
    fn.body = body or [gast.Pass()]
    fn.returns = None
    _shelter(fn, parsed, namer, modules)
    return fn


def _shelter(fn, parsed, namer, modules):
    """The user's names spelled like the generated code's own (naming.GENERATED_NAMES:
    `_tl`, `_tape`, ...) go by stand-ins from here on (`_tl2`); the generated code gets
    them back at the end (naming.restore_user_names).  Generated code differentiated
    again is left as it is: its names mean what the generated code means by them."""
    if parsed.namespace.get("__name__") == GENERATED_MODULE:
        return

    def generated_meaning(name_):
        value = parsed.namespace.get(name_)
        return inspect.ismodule(value) and value.__name__ == GENERATED_NAMES[name_]
    clashes = clashing_names(fn, generated_meaning)
    if clashes:
        renames = {name_: namer.shelter(name_) for name_ in sorted(clashes)}
        rename([fn], renames)
        (modules or ModuleNames(parsed.namespace, ())).shelter(renames)
