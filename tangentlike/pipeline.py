"""The pipeline: a derivative request -> the text of a generated module.

`derive(Request)` is the one entry point.  A request names the function, the
parameters to differentiate (`wrt`), the kinds of the arguments (runtime.arg_kind's
words), the form of the derivative and which optional passes run.  Each form is an
ordered list of named steps (FORMS), run top to bottom over one `Draft`:

    frontend   parse (given), check, normalize                  (frontend)
    transform  the reverse or forward transformer, which computes the
               activity and kinds facts (calls.FunctionView)      (transforms)
    aliases    the alias facts of the user's code: a write the analysis cannot
               spell out is an AliasedWriteError; a write it can spell out
               restarts the pipeline on the rewritten code (aliases.fixed)
    assemble   the generated function(s)
    ...        the form's own passes, optional ones marked `optional`
    tidy       no tape binding nothing reads, no `del` right before `return`
    guards     zeros.guarded, ownership.owned (mandatory: they make code right)
    emit       names restored, module text with its imports and docstring

An optional pass runs when its name is in `request.passes` (`optimize=True`: all
of OPTIONAL; False: none; or a collection of names), its contract in its module's
docstring (passes/); with each off, the values are the same (tests/test_passes.py).
"""

import dataclasses
import math
import importlib.util
import inspect

import gast
import numpy

from . import calls, numpy_runtime, runtime
from . import nodes as n
from .aliases import COPY, check_writes, fixed, temporaries_own_their_values
from .calls import result_kind
from .check import check
from .emit import emit
from .checkpoints import SWEEP
from .errors import NoDerivativeError
from .markers import FOR_NUMBA, OPTIONAL, optional_passes  # noqa: F401  (re-exported)
from .forward import ForwardTransformer, shapes_from_operands, with_line_comments
from .naming import (GENERATED_MODULE, GENERATED_NAMES, ModuleNames, Namer,
                     names_and_assigned, restore_user_names)
from .normalize import normalize
from .normalize.aux import split_aux
from .ownership import owned
from .parse import parse_function
from .passes.arrays import array_names, with_named_parts
from .passes.dead_stores import live_in, without_dead_stores
from .passes.elementwise_sweep import blocked_arrays, in_blocks, seeded_with_ones
from .passes.gradient_only import gradient_only, returns_a_number, seeded_with_one
from .passes.hvp import reduced_to as tangent_of_gradient_reduced, tangent_of_gradient_only
from .passes.recompute import plan_recomputation
from .passes.in_place import accumulated_in_place, accumulators, summed_in_place
from .passes.recursion_loops import sweeps_as_loops
from .passes.release_arrays import release_dead_arrays
from .passes.scale_in_place import scaled_in_place
from .passes.simplify import optimize_backward, optimize_primal, without_needless_spreads
from .passes.tape_tuples import one_entry_per_value
from .passes.tidy import tidy
from .reverse import ReverseTransformer
from .reverse.checkpointed import checkpointed_bindings, is_checkpointed
from .trees import ARRAY_KINDS
from .version import __version__
from .zeros import derivative_numbers, guarded

@dataclasses.dataclass(frozen=True)
class Request:
    """What to derive: `kinds` is ((parameter, kind), ...) in the signature's order;
    `passes`, the optional passes that run."""

    fn: object
    wrt: tuple
    kinds: tuple
    form: str = "joint"
    passes: frozenset = frozenset(OPTIONAL)
    has_aux: bool = False       # fn returns (value, aux); aux gets no derivative

    @classmethod
    def of(cls, fn, wrt, kinds, form="joint", optimize=True, has_aux=False):
        return cls(fn, tuple(wrt), tuple(dict(kinds).items()), form,
                   optional_passes(optimize), has_aux)

    def runs(self, pass_name):
        return pass_name in self.passes


@dataclasses.dataclass(frozen=True)
class Derivative:
    """The generated module's text, the names of the functions it defines, and the
    (callee, wrt, kinds, form) requests of the derivatives it calls."""

    text: str
    names: tuple
    callees: tuple


class Draft:
    """What one run of a form's steps hands from step to step."""

    def __init__(self, request, parsed):
        self.request, self.parsed = request, parsed
        self.kinds = dict(request.kinds)
        self.arrays = any(k not in ("scalar", "scalars") for k in self.kinds.values())
        self.namer = self.modules = self.normalized = self.transformer = None
        self.params, self.base, self.functions, self.names = [], "", [], ()
        self.what, self.trailer, self.callees = "", [], []
        self.own = None          # (the request's key, the name(s) of what is being built)
        self.restart = None      # a rewritten copy of the user's code to start again on


@dataclasses.dataclass(frozen=True)
class Step:
    name: str
    run: object
    optional: bool = False


def derive(request, parsed=None, observe=None):
    """The Derivative `request` asks for: every step of its form, in order.

    `observe(step_name, draft)`, if given, is called after each step that ran (the
    docs show the stages with it; nothing else may rely on a draft's insides)."""
    draft = Draft(request, parsed or parse_function(request.fn))
    fixing = parsed is None      # (a parsed copy given: the one aliases.fixed made)
    for step in FORMS[request.form]:
        if step.optional and not request.runs(step.name):
            continue
        if step.name == "aliases" and not fixing:
            continue
        step.run(draft)
        if draft.restart is not None:
            return derive(request, draft.restart, observe)
        if observe is not None:
            observe(step.name, draft)
    return Derivative(draft.text, tuple(draft.names), tuple(draft.callees))


# -- the frontend --------------------------------------------------------------------


class _Deletes(n.Transformer):
    def visit_Delete(self, node):
        return None


def _is_users(parsed):
    """Is `parsed` the user's code (not generated code differentiated again)?"""
    return getattr(parsed.fn, "__globals__", {}).get("__name__") != GENERATED_MODULE


def frontend(draft):
    """Check and normalize; generated code differentiated again loses its `del`
    statements first (they only release memory)."""
    parsed, form = draft.parsed, draft.request.form
    if not _is_users(parsed):
        parsed.node = _Deletes().visit(parsed.node)
    check(parsed)
    _no_checkpointed_sweeps(parsed)
    names, assigned = names_and_assigned(parsed.node)
    draft.namer = Namer(names | set(parsed.namespace))
    draft.modules = ModuleNames(parsed.namespace, assigned)
    if draft.request.has_aux:
        split_aux(parsed.node, draft.namer, draft.modules)
        parsed.namespace.setdefault(draft.modules.name_for(runtime), runtime)  # (_tl.aux)
    draft.normalized = normalize(parsed, draft.namer, draft.arrays, draft.kinds,
                                 draft.modules, write_out_calls=form == "joint-inline",
                                 reverse=form not in ("jvp", "hvp", "grad-elementwise"))
    if _is_users(parsed):
        parsed.namespace.setdefault(COPY, runtime.copy)
        temporaries_own_their_values(draft.normalized.body, draft.namer.temporaries)
    args = draft.normalized.args
    draft.params = [a.id for a in args.posonlyargs + args.args + args.kwonlyargs]
    draft.modules.taken |= set(draft.params) | calls.local_names(
        draft.normalized.body, draft.params, parsed.namespace)
    name_ = parsed.node.name
    draft.base = name_ if name_.isidentifier() else "lambda_"


def _no_checkpointed_sweeps(parsed):
    """Generated code that calls the sweeps of a checkpointed callee or loop (revolve.py)
    is not differentiated again: a located error, not a derivative of the driver."""
    for x in n.walk(parsed.node):
        if isinstance(x, gast.Call) and getattr(parsed.resolve_expression(x.func, ()),
                                                SWEEP, False):
            filename, line, _, text = parsed.location(x)
            raise NoDerivativeError(
                x.func.id, filename=filename, line=line, source_line=text,
                reason="the sweeps of a tl.checkpoint function or a tl.checkpointed loop "
                       "are not differentiated again (hessian, hvp, grad of grad)",
                hint="leave tl.checkpoint and tl.checkpointed out of functions whose "
                     "second derivatives you take")


def _transformer(kind):
    def transform(draft):
        request, extra = draft.request, {"own": draft.own}
        if kind is ReverseTransformer:
            extra["check_nans"] = request.form == "joint-checked"
        draft.transformer = kind(draft.parsed, draft.normalized, request.wrt, draft.kinds,
                                 draft.namer, draft.modules, result_kind, **extra)
    transform.__doc__ = f"The {kind.__name__}, with the activity and kinds facts."
    return transform


def alias_facts(draft):
    """The user's writes through shared memory: rejected (AliasedWriteError) where no
    assignment can say what they change, else the code rewritten to say it.  (Not
    for generated code differentiated again: ownership.py made its writes safe.)"""
    if not _is_users(draft.parsed):
        return
    facts = check_writes(draft.parsed, draft.transformer.kind, draft.transformer.arg_kinds)
    if facts.fixes or facts.copies:
        draft.restart = fixed(draft.parsed, facts)


# -- reverse mode ----------------------------------------------------------------------


def sweeps(draft):
    draft.transformer.sweeps(plan_recomputation if draft.request.runs("recompute") else None)


def _optimizer(draft):
    """`run(backward, grads)`, `run.primal(primal, backward)`, `run.live_in`: "simplify"
    and "in-place" (never where higher.py differentiates: "joint-inline", generated code)."""
    request, transformer, namer = draft.request, draft.transformer, draft.namer
    never_again = request.form in ("grad", "split") or request.form == "joint" \
        and _is_users(draft.parsed)
    in_place = accumulators(draft.params, draft.kinds, transformer) \
        if never_again and request.runs("in-place") else {}
    simplify = request.runs("simplify")
    pure = _pure(draft)             # a call with a rule writes none of its arguments

    def run(stmts, grads):
        live = {x.id for g in grads for x in n.walk(g) if isinstance(x, gast.Name)}
        if simplify:
            assigned = {x.id for s in stmts for x in n.walk(s)
                        if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store)}
            stmts = optimize_backward(stmts, live, assigned - set(transformer.locals), pure,
                                      never_again and transformer.unpacked_lengths())
        if not in_place:
            return stmts
        stmts = accumulated_in_place(stmts, transformer.one_shapes, in_place,
                                     transformer.is_number, live)
        stmts = without_dead_stores(stmts, live, transformer.one_shapes, pure)
        return summed_in_place(stmts, {namer.adjoint(p): k for p, k in in_place.items()},
                               transformer.fresh_calls())
    run.primal = (lambda primal, backward: optimize_primal(primal, namer.temporaries,
                                                           backward, pure)) \
        if simplify else (lambda primal, backward: primal)
    run.live_in = live_in                 # (an analysis: sound with every pass off)
    return run


def joint(draft):
    """`value_and_grad_<f>`, or `grad_<f>` where the gradient-only pass will run."""
    request, transformer = draft.request, draft.transformer
    draft.gradient_only = request.form == "grad" and request.runs("gradient-only") \
        and returns_a_number(transformer)
    prefix = "grad" if draft.gradient_only else "value_and_grad"
    draft.names = (draft.namer.fresh(f"{prefix}_{draft.base}"),)
    draft.functions = [transformer.joint(draft.names[0], _optimizer(draft))]
    draft.what = "reverse mode"


def _own_key(request):
    """How the transformer knows a call of the function itself (recursion)."""
    return request.fn, request.wrt, tuple(k for _, k in request.kinds)


def split_names(draft):
    """`forward_<f>` and `backward_<f>`, named before the transformer is made: a
    recursive call calls them."""
    namer = draft.namer
    draft.names = (namer.fresh(f"forward_{draft.base}"), namer.fresh(f"backward_{draft.base}"))
    draft.own = (_own_key(draft.request), draft.names)


def split(draft):
    """The split pair, for calls from other generated code."""
    draft.functions = list(draft.transformer.split(*draft.names, _optimizer(draft)))
    draft.what = "reverse mode, split into forward and backward sweeps"


def recursion_loops(draft):
    """The split sweeps, each as loops where it calls itself once per level."""
    draft.functions = list(sweeps_as_loops(
        *draft.functions, draft.namer.fresh,
        lambda name_, *args: draft.modules.call(runtime, name_, *args)))


def tape_entries(draft):
    """Without the optional pass "tape-tuples", one tape entry per value (its module)."""
    if not draft.request.runs("tape-tuples"):
        draft.functions = one_entry_per_value(draft.functions)


def only_the_gradient(draft):
    if draft.gradient_only:
        function = draft.functions[0]
        function.body = gradient_only(function.body, draft.transformer)
        seeded_with_one(function)
        draft.what = "reverse mode, the gradient only (the value is not computed)"


def named_parts(draft):
    if draft.arrays:
        for function in draft.functions:
            function.body = with_named_parts(function, draft.transformer, draft.kinds,
                                             draft.namer, draft.modules)


def release_arrays(draft):
    if draft.arrays:
        forward = isinstance(draft.transformer, ForwardTransformer)
        derived = draft.transformer.d if forward else draft.namer.adjoint
        names = array_names(draft.transformer, draft.params, derived)
        for function in draft.functions:
            function.body = release_dead_arrays(function.body, names)


def scale_in_place(draft):
    """Temporaries scaled by a number as they die, in their own memory (the "grad" form
    only).  Array `wrt` arguments are floating: dispatch refuses the others."""
    if draft.arrays:
        names = array_names(draft.transformer, draft.params, draft.namer.adjoint)
        floating = [w for w in draft.request.wrt if draft.kinds.get(w) in ARRAY_KINDS]
        for function in draft.functions:
            function.body = scaled_in_place(function.body, names, floating)


def reverse_callees(draft):
    """`forward_h, backward_h = _tl.split(h, wrt, kinds)` for each callee;
    `_tl.checkpointed_split` for the checkpointed ones (reverse/checkpointed.py)."""
    callees = list(draft.transformer.callees.values())
    plain = [c for c in callees if not is_checkpointed(c.function)]
    entries = [((c.forward, c.backward), c.func_expr, c.wrt, c.kinds) for c in plain]
    draft.trailer = _bindings(draft.transformer, "split", entries)
    draft.callees = [(c.function, c.wrt, c.kinds, "split") for c in plain]
    trailer, more = checkpointed_bindings(
        draft.transformer, [c for c in callees if is_checkpointed(c.function)],
        draft.functions, draft.parsed.namespace)
    draft.trailer += trailer
    draft.callees += more


# -- forward mode ----------------------------------------------------------------------


def _forward_name(prefix):
    def name(draft):
        base = draft.base.removeprefix("value_and_grad_") if prefix == "hvp" else draft.base
        draft.names = (draft.namer.fresh(f"{prefix}_{base}"),)
        draft.own = (_own_key(draft.request), draft.names[0])
    name.__doc__ = f"`{prefix}_<f>`, named before the transformer is made (recursion)."
    return name


def _forward_function(what):
    def assemble(draft):
        draft.functions = [draft.transformer.function(draft.names[0])]
        draft.what = what.format(wrt=", ".join(draft.request.wrt))
    assemble.__doc__ = f"The function: {what}."
    return assemble


def tangent_of_gradient(draft):
    function = draft.functions[0]
    function.body = tangent_of_gradient_only(function.body, _pure(draft))


def ones_seed(draft):
    seeded_with_ones(draft.functions[0], draft.request.wrt[0], draft.transformer)


def simplify_forward(draft):
    """Over arrays each tangent stays beside its primal (not folded into a later
    expression), so the values it reads can be released as soon as it is made."""
    function, namer, form = draft.functions[0], draft.namer, draft.request.form
    beside = draft.arrays and form != "hvp"
    temporaries = namer.temporaries | (set() if beside else
                                       {namer.tangent(t) for t in namer.temporaries})
    function.body = optimize_primal(function.body, temporaries, [], _pure(draft))
    function.body = without_needless_spreads(function.body, draft.transformer.kind,
                                             draft.transformer.callee)
    body, returned = function.body[:-1], function.body[-1]  # (what only a spread read)
    if form == "hvp":
        function.body = tangent_of_gradient_reduced(body, returned, _pure(draft))
    elif isinstance(returned, gast.Return):
        live = {x.id for x in n.walk(returned) if isinstance(x, gast.Name)}
        function.body = without_dead_stores(body, live, temporaries, _pure(draft)) \
            + [returned]
    if form == "hvp":               # values folded into np.shape(...) need not be made
        function.body = shapes_from_operands(function.body)
    function.body = draft.transformer.scalars_first(function.body)


def line_comments(draft):
    transformer = draft.transformer
    draft.functions[0].body = with_line_comments(
        draft.functions[0].body, draft.parsed,
        set(transformer.tangent_of) | {transformer.d(w) for w in draft.request.wrt})


def blocks(draft):
    blocked = blocked_arrays(draft.parsed, draft.kinds, draft.functions[0])
    if blocked:
        draft.functions = in_blocks(draft.functions[0], blocked, draft.namer, draft.modules)
        draft.what += ", in cache-sized blocks of large arrays"


def forward_callees(draft):
    """`jvp_h = _tl.jvp_function(h, wrt, kinds)` for each callee."""
    entries = [((name_,), func_expr, wrt, kinds)
               for name_, func_expr, _, wrt, kinds in draft.transformer.callees.values()]
    draft.trailer = _bindings(draft.transformer, "jvp_function", entries)
    draft.callees = [(obj, w, k, "jvp")
                     for _, _, obj, w, k in draft.transformer.callees.values()]


# -- every form ends here ----------------------------------------------------------------


def tidied(draft):
    """Mandatory: no tape binding nothing reads, no `del` right before `return`."""
    for function in draft.functions:
        tidy(function)


def guards(draft):
    """Mandatory: no zero sentinel reaches code that needs an array (zeros.guarded),
    and no in-place write reaches memory it must not (ownership.owned)."""
    transformer, namer, modules = draft.transformer, draft.namer, draft.modules
    _callees_made_alike(draft.functions + draft.trailer, draft.request.passes)
    derivatives = namer.derivatives()
    scalars = derivative_numbers(draft.functions + draft.trailer, derivatives, transformer)
    fresh = transformer.fresh_calls()
    numbers = {p for p in draft.params if draft.kinds.get(p) == "scalar"}
    for function in draft.functions:
        guarded(function, set(derivatives) - scalars,
                lambda: modules.name_for(numpy_runtime),
                _aliases(modules, runtime), _aliases(modules, numpy_runtime), scalars, fresh)
        owned(function, set(derivatives), lambda: modules.name_for(runtime), scalars, fresh,
              _module_names(draft), numbers)


_KIND_WORDS = {"scalar": "Python number", "array": "array", "vector": "1-D array",
               "matrix": "2-D array", "scalars": "list of numbers", "other": "other value"}


def emit_module(draft):
    """The module text: user names restored, imports, and a docstring saying what it is."""
    spec = ", ".join(f"{k}: {_KIND_WORDS.get(v, v.replace('object:', ''))}"
                     for k, v in draft.kinds.items())
    doc = (f"Derivative of {draft.base} ({_origin(draft.parsed)}) with respect to "
           f"{', '.join(draft.request.wrt)}, {draft.what}.\n\n"
           f"Generated by tangentlike {__version__} for {spec}.")
    restore_user_names(draft.functions + draft.trailer, draft.namer, draft.modules)
    imports = {**_user_modules(draft.functions + draft.trailer, draft.parsed.namespace),
               **draft.modules.imports}
    draft.text = emit(draft.functions, imports, doc, draft.trailer)


def _user_modules(nodes, namespace):
    """{name: module name} of the modules the generated code reads by the user's names
    for them (`math.sin`, `np.tanh`): the file imports them, so that it stands alone."""
    local, read = set(), set()
    for x in (x for node in nodes for x in n.walk(node) if isinstance(x, gast.Name)):
        (read if isinstance(x.ctx, gast.Load) else local).add(x.id)
    local |= {a.id for node in nodes if isinstance(node, gast.FunctionDef)
              for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs}
    read -= local
    return {name_: namespace[name_].__name__ for name_ in sorted(read)
            if inspect.ismodule(namespace.get(name_))
            and importlib.util.find_spec(namespace[name_].__name__) is not None}


# -- the forms -----------------------------------------------------------------------------

_FRONT = (Step("frontend", frontend),)
_REVERSE = _FRONT + (Step("transform", _transformer(ReverseTransformer)),
                     Step("aliases", alias_facts), Step("sweeps", sweeps))
_ARRAYS = (Step("named-parts", named_parts, optional=True),
           Step("release-arrays", release_arrays, optional=True))
_END = (Step("tidy", tidied), Step("guards", guards), Step("emit", emit_module))
_REVERSE_END = (Step("tape-entries", tape_entries), Step("callees", reverse_callees)) + _END


def _forward(prefix):
    return _FRONT + (Step("names", _forward_name(prefix)),
                     Step("transform", _transformer(ForwardTransformer)),
                     Step("aliases", alias_facts))


_JVP = "forward mode (Jacobian-vector product)"
FORMS = {
    # value_and_grad_<f>: the value and the gradient, in reverse mode
    "joint": _REVERSE + (Step("joint", joint),) + _ARRAYS
    + _REVERSE_END,
    # the gradient only, where the value is a number (else as "joint")
    "grad": _REVERSE + (Step("joint", joint),
                        Step("gradient-only", only_the_gradient, optional=True)) + _ARRAYS
    + (Step("scale-in-place", scale_in_place, optional=True),) + _REVERSE_END,
    # "joint" checking each adjoint block for NaN and infinity
    "joint-checked": _REVERSE + (Step("joint", joint),) + _ARRAYS
    + _REVERSE_END,
    # "joint" with the user functions it calls written out (differentiated again)
    "joint-inline": _REVERSE + (Step("joint", joint),) + _ARRAYS
    + _REVERSE_END,
    # forward_<f> and backward_<f>, for calls from generated code
    "split": _FRONT + (Step("names", split_names),
                       Step("transform", _transformer(ReverseTransformer)),
                       Step("aliases", alias_facts), Step("sweeps", sweeps),
                       Step("split", split),
                       Step("recursion-loops", recursion_loops, optional=True)) + _ARRAYS
    + _REVERSE_END,
    # jvp_<f>: forward mode
    "jvp": _forward("jvp") + (Step("assemble", _forward_function(_JVP)),
                              Step("simplify", simplify_forward, optional=True)) + _ARRAYS
    + (Step("line-comments", line_comments), Step("callees", forward_callees)) + _END,
    # hvp_<f> of a generated value_and_grad_<f>: the tangent of its gradient only
    "hvp": _forward("hvp") + (Step("assemble", _forward_function(_JVP)),
                              Step("tangent-of-gradient", tangent_of_gradient),
                              Step("simplify", simplify_forward, optional=True)) + _ARRAYS
    + (Step("callees", forward_callees),) + _END,
    # grad_<f> of a sum of terms elementwise in one array: one forward sweep of ones
    "grad-elementwise": _forward("grad") + (Step("assemble", _forward_function(
        "forward mode seeded with ones (the function is a sum of terms elementwise in "
        "{wrt})")),
        Step("ones-seed", ones_seed),
        Step("simplify", simplify_forward, optional=True)) + _ARRAYS
    + (Step("line-comments", line_comments), Step("blocks", blocks, optional=True),
       Step("callees", forward_callees)) + _END,
}


# -- small helpers the steps share ----------------------------------------------------------


def _pure(draft):
    return lambda call: draft.transformer.rule_of(call.func) is not None


def _module_names(draft):
    """(every name the generated code calls a module by, those of numpy and math), as
    its module resolves them (ownership.owned reads calls by them)."""
    modules, namespace = draft.modules, draft.parsed.namespace
    local = modules.taken
    every = set(modules.imports) | {k for k, v in namespace.items()
                                    if inspect.ismodule(v) and k not in local}
    every |= {k for k, v in GENERATED_NAMES.items() if v}
    numeric = _aliases(modules, numpy) | _aliases(modules, math)
    return every, numeric - local


def _aliases(modules, module):
    """Every name the generated module gives `module` (its own import or the user's)."""
    return {alias for alias, name in modules.imports.items() if name == module.__name__} \
        | {k for k, v in modules.namespace.items() if v is module} \
        | {k for k, v in GENERATED_NAMES.items() if v == module.__name__}


def _origin(parsed):
    """`file:line` of the function; for generated code differentiated again, what that
    code is the derivative of (its cache file's name would change from run to run)."""
    scope = getattr(parsed.fn, "__globals__", {})
    if not _is_users(parsed) and scope.get("__doc__"):
        return "generated: " + scope["__doc__"].splitlines()[0].rstrip(".")
    filename, line, _, _ = parsed.location(parsed.node)
    return f"{filename}:{line}"


def _callees_made_alike(nodes, passes):
    """`optimize=False` (or "numba") on every helper call in `nodes` that makes a callee's
    derivative, where `passes` are none (or Numba's): the callee is made with them too."""
    if passes in (frozenset(), FOR_NUMBA):
        for call in (x for node in nodes for x in n.walk(node) if isinstance(x, gast.Call)):
            if getattr(call, "makes_callee", False):
                value = n.const("numba" if passes else False)
                call.keywords.append(gast.keyword(arg="optimize", value=value))


def _bindings(transformer, helper, entries):
    """The trailer binding each callee's derivative: `names = _tl.<helper>(h, wrt, kinds)`."""
    if not entries:
        return []
    runtime_name = transformer.inliner.need_runtime()
    out = [n.comment("derivatives of the functions called above")]
    for names, func_expr, wrt, kinds in entries:
        targets = [n.name(x, store=True) for x in names]
        target = targets[0] if len(targets) == 1 else gast.Tuple(elts=targets,
                                                                  ctx=gast.Store())
        call = n.call(f"{runtime_name}.{helper}", func_expr,
                      gast.Tuple(elts=[n.const(w) for w in wrt], ctx=gast.Load()),
                      gast.Tuple(elts=[n.const(k) for k in kinds], ctx=gast.Load()))
        call.makes_callee = True
        out.append(n.assign(target, call))
    return out
