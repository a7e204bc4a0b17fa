"""Reverse mode: the trailer lines that bind the derivatives of checkpointed callees.

Receives the reverse transformer's callees (split_calls.Callee) and the generated
functions.  Guarantees, for each callee marked by `tl.checkpoint`

    forward_h, backward_h = _tl.checkpointed_split(h, wrt, kinds)

and for each loop function normalize/outline.py made of a `tl.checkpointed` loop,
the loop's body as the user wrote it, as a function of the module, then its pair:

    def loop_11_body(i, x, p):
        x = np.sin(x) * 0.9 + 0.1 * np.cos(x * p)
        return x

    forward_loop_11, backward_loop_11 = _tl.checkpointed_split(loop_11_body,
        ('x', 'p'), ('array', 'scalar'), carried=1)

(the wrt and kinds are those of the call of the loop function, less its range and
snapshot count).  A loop no derivative flows through is called as it is: its loop
function is written out beside its body.  The derivatives those helpers ask for at
run time, the body's split pair among them, are listed for `tl.source(...,
include_callees=True)` as (function, wrt, kinds, form).
"""

import gast

from .. import nodes as n
from ..checkpoints import CHECKPOINT, OUTLINED

HEADER = "functions under tl.checkpoint and tl.checkpointed, and their derivatives"


def is_checkpointed(function):
    """Whether a callee's pair is bound here rather than by `_tl.split`."""
    return getattr(function, CHECKPOINT, False) or hasattr(function, OUTLINED)


def checkpointed_bindings(transformer, callees, functions, namespace):
    """(trailer statements, callee entries) for the checkpointed `callees` and for the
    outlined loops that `functions` call as they are."""
    out, entries, written = [], [], set()
    runtime_name = transformer.inliner.need_runtime() if callees else None

    def define(function):
        if function.__name__ not in written:
            written.add(function.__name__)
            out.extend(gast.parse(function.source_text).body)

    for c in callees:
        outline = getattr(c.function, OUTLINED, None)
        wrt, kinds, keywords = c.wrt, c.kinds, []
        target = c.func_expr
        if outline is not None:
            define(outline.body)
            target = n.name(outline.body.__name__)
            kinds = ("scalar",) + tuple(kinds[2:])
            keywords = [gast.keyword(arg="carried", value=n.const(outline.carried))]
            names = outline.body.__code__.co_varnames[1:outline.body.__code__.co_argcount]
            state = names[:outline.carried]
            body_wrt = tuple(x for x, k in zip(names, kinds[1:])
                             if x in wrt or x in state and k in ("scalar", "array", "vector", "matrix", "scalars"))
            entries.append((outline.body, body_wrt, kinds, "split"))
        else:
            entries.append((c.function, wrt, kinds, "split"))
        call = n.call(f"{runtime_name}.checkpointed_split", target,
                      gast.Tuple(elts=[n.const(w) for w in wrt], ctx=gast.Load()),
                      gast.Tuple(elts=[n.const(k) for k in kinds], ctx=gast.Load()))
        call.keywords = keywords
        call.makes_callee = True
        out.append(n.assign(gast.Tuple(elts=[n.name(c.forward, store=True),
                                             n.name(c.backward, store=True)],
                                       ctx=gast.Store()), call))
    called = {x.id for f in functions for x in n.walk(f)
              if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Load)}
    for name_ in sorted(called):
        outline = getattr(namespace.get(name_), OUTLINED, None)
        if outline is not None:                       # no derivative flows through it
            define(outline.body)
            define(outline.loop)
    return ([n.comment(HEADER)] + out if out else []), entries
