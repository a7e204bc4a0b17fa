"""The public API: `differentiate`, `grad`, `value_and_grad`, `vjp`, `source`.

Receives user functions and their arguments.  Drives the pipeline
parse -> check -> normalize -> reverse -> optimize -> emit -> compile+cache,
specialized on the kinds of the arguments (Python scalar / array / other) and
memoized in memory and on disk, so a second call with the same kinds does not
transform again.
"""

import copy
import functools
import inspect
import linecache
import pathlib
import weakref

import gast
import numpy

from . import __version__, cache, calls, environment, numpy_runtime, runtime
from .aliases import COPY, check_writes, fixed, temporaries_own_their_values
from .analyze import arg_kind
from .check import check
from .elementwise import blocks_elementwise, sums_elementwise
from .emit import emit
from .errors import (NonDifferentiableArgumentError, NonScalarOutputError, SourceUnavailableError,
                     TangentlikeError)
from .inline import ModuleNames
from .naming import GENERATED_NAMES, Namer, assigned_names, names_in, restore_user_names
from . import nodes as n
from .nodes import comment, dotted_text
from .normalize import normalize, written_out_callees
from .ownership import owned
from .zeros import guarded
from .optimize import (accumulated_in_place, named_repeated_parts, optimize_backward,
                       optimize_primal, release_dead_arrays, replace_name, simplified,
                       summed_in_place, without_dead_stores)
from .parse import parse_function
from .forward import (ForwardTransformer, elementwise_operands, shapes_from_operands,
                      with_line_comments)
from .reverse import ReverseTransformer
from .rules import registry
from .runtime import grad_like

_memo = {}                    # (function, wrt, kinds) -> generated function
_stats = {"transforms": 0}    # how often the pipeline actually ran (tests read it)


# -- arguments and wrt -----------------------------------------------------------------


_signatures = weakref.WeakKeyDictionary()      # function -> its inspect.Signature


def _signature(fn):
    """inspect.signature(fn), remembered (it costs microseconds on every call)."""
    try:
        return _signatures[fn]
    except (KeyError, TypeError):
        pass
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        raise TangentlikeError(f"{fn!r} is not a function tangentlike can differentiate") from None
    try:
        _signatures[fn] = signature
    except TypeError:                  # not weakly referenceable: not remembered
        pass
    return signature


def wrt_names(fn, wrt):
    """`wrt` (int, str or tuple of them) as parameter names, and whether it was a tuple."""
    params = [p for p in _signature(fn).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    names = [p.name for p in params]
    single = not isinstance(wrt, (tuple, list))
    out = []
    for w in ([wrt] if single else wrt):
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise TangentlikeError(
                f"wrt must be a parameter position (int), a name (str) or a tuple of them; "
                f"got {w!r}")
        if isinstance(w, int):
            if not -len(names) <= w < len(names):
                raise TangentlikeError(
                    f"wrt={w} is out of range: {fn.__name__} has {len(names)} parameter(s) "
                    f"({', '.join(names)})")
            out.append(names[w])
        elif w not in names:
            raise TangentlikeError(
                f"wrt={w!r}: {fn.__name__} has no parameter {w!r} (it has {', '.join(names)})")
        else:
            out.append(w)
    return tuple(out), single


def _bind(fn, args, kwargs):
    bound = _signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


def _special_tuple(value):
    """A tuple subclass (a NamedTuple) in `value`, or None: its gradient would be read
    through its attributes, which are constants to tangentlike (never a silent zero)."""
    if isinstance(value, tuple) and type(value) is not tuple:
        return value
    items = value.values() if isinstance(value, dict) else \
        value if isinstance(value, (list, tuple)) else ()
    return next((s for s in map(_special_tuple, items) if s is not None), None)


def _check_differentiable(fn, arguments, names):
    for name_ in names:
        value = arguments[name_]
        if isinstance(value, (bool, int, str)) or value is None:
            kind = type(value).__name__
            hint = f" (pass {float(value)!r} to differentiate with respect to it)" \
                if isinstance(value, int) and not isinstance(value, bool) else ""
            raise NonDifferentiableArgumentError(
                f"cannot differentiate {fn.__name__} with respect to {name_!r}: it is "
                f"{value!r}, a {kind}; integer, bool and str arguments are "
                f"non-differentiable{hint}")
        special = _special_tuple(value)
        if special is not None:
            raise NonDifferentiableArgumentError(
                f"cannot differentiate {fn.__name__} with respect to {name_!r}: it holds a "
                f"{type(special).__name__} (a NamedTuple or another tuple subclass), whose "
                f"fields tangentlike reads as constants; pass a plain tuple "
                f"(`tuple({name_})`) or the fields as arguments")
        kind = arg_kind(value)
        if (kind == "other" or kind.startswith("object:")) \
                and not isinstance(value, (list, tuple, dict, float, complex)):
            raise NonDifferentiableArgumentError(
                f"cannot differentiate {fn.__name__} with respect to {name_!r}: it is a "
                f"{type(value).__name__} object; tangentlike differentiates with respect to "
                f"numbers, arrays and lists, tuples or dicts of them. Pass the object's "
                f"parameters as arguments instead (attributes of objects are read as "
                f"constants)")


# -- the pipeline -----------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _code_fingerprint():
    """A hash of tangentlike's own source, so a changed transformer never reuses old code."""
    package = pathlib.Path(__file__).parent
    return cache.make_key(*(p.read_text(encoding="utf-8") for p in sorted(package.rglob("*.py"))))


def generate_source(fn, wrt, kinds, optimize=True, form="joint"):
    """(module source text, generated function names) of the derivative of `fn`."""
    return _generate(fn, wrt, kinds, optimize, form)[:2]


def _generate(fn, wrt, kinds, optimize=True, form="joint", parsed=None):
    """(module source text, generated function names, callees) of the derivative of `fn`.

    optimize=False: every optional rewrite off (the optimize stage, the gradient-only
    form, in-place accumulation, named parts, releasing arrays; the callees' generated
    code too); the mandatory passes (aliases, `guarded`, `owned`) stay.
    form "joint": one reverse-mode function `value_and_grad_<f>`; "split":
    `forward_<f>` and `backward_<f>` (for calls from other generated code);
    "joint-inline": "joint" with the user functions `fn` calls written out in it
    (a gradient to be differentiated again in reverse mode);
    "jvp": the forward-mode function `jvp_<f>`; "hvp": for `fn` a generated
    `value_and_grad_<f>`, its forward mode reduced to the tangent of the gradient
    (`hvp_<f>`, a Hessian-vector product), with everything else removed;
    "grad-elementwise": for `fn` a sum of terms elementwise in its one `wrt` array
    (see `elementwise`), the gradient `grad_<f>` by one forward sweep seeded with ones.
    """
    fixing = parsed is None     # (a parsed copy given: the one aliases.fixed made, whose
    #                             writes reach no memory another name reads)
    parsed = parsed or parse_function(fn)
    if getattr(fn, "__globals__", {}).get("__name__") == "tangentlike_generated":
        parsed.node = _without_deletes(parsed.node)    # they only free memory
    check(parsed)
    taken = names_in(parsed.node) | set(parsed.namespace)
    namer = Namer(taken)
    arrays = any(kind not in ("scalar", "scalars") for kind in kinds.values())
    modules = ModuleNames(parsed.namespace, assigned_names(parsed.node))
    normalized = normalize(parsed, namer, arrays, kinds, modules,
                           write_out_calls=form == "joint-inline",
                           reverse=form not in ("jvp", "hvp", "grad-elementwise"))
    if _is_users(parsed):
        parsed.namespace.setdefault(COPY, runtime.copy)
        temporaries_own_their_values(normalized.body, namer.temporaries)
    gradient_only = form == "grad" and optimize
    form = "joint" if form in ("joint-inline", "grad") else form
    params = [a.id for a in normalized.args.posonlyargs + normalized.args.args
              + normalized.args.kwonlyargs]
    modules.taken |= set(params) | calls.local_names(normalized.body, params, parsed.namespace)
    base = parsed.node.name if parsed.node.name.isidentifier() else "lambda_"
    own_key = (fn, tuple(wrt), tuple(kinds.values()))
    if form in ("jvp", "hvp", "grad-elementwise"):
        transformer = ForwardTransformer(parsed, normalized, wrt, kinds, namer, modules,
                                         result_kind)
        facts = _check_aliases(parsed, transformer) if fixing else None
        if facts is not None and (facts.fixes or facts.copies):
            return _generate(fn, wrt, kinds, optimize, form, fixed(parsed, facts))
        if form == "hvp":
            names = (namer.fresh(f"hvp_{base.removeprefix('value_and_grad_')}"),)
        elif form == "grad-elementwise":
            names = (namer.fresh(f"grad_{base}"),)
        else:
            names = (namer.fresh(f"jvp_{base}"),)
        transformer.own_key, transformer.own_name = own_key, names[0]
        functions = [transformer.function(names[0])]
        if form == "hvp":
            functions[0].body = _tangent_of_gradient_only(
                functions[0].body, lambda call: transformer.rule_of(call.func) is not None)
        elif form == "grad-elementwise":
            _seeded_with_ones(functions[0], wrt[0], transformer)
        if optimize:
            # over arrays each tangent stays beside its primal (not folded into a later
            # expression), so the values it reads can be released as soon as it is made
            beside = arrays and form != "hvp"
            temporaries = namer.temporaries | (set() if beside else
                                               {namer.tangent(t) for t in namer.temporaries})
            functions[0].body = optimize_primal(functions[0].body, temporaries, [],
                                                lambda call: transformer.rule_of(call.func)
                                                is not None)
            if form == "hvp":           # values folded into np.shape(...) need not be made
                functions[0].body = shapes_from_operands(functions[0].body)
            functions[0].body = transformer.scalars_first(functions[0].body)
        if arrays and optimize:         # arrays no longer read are released at once
            functions[0].body = release_dead_arrays(_with_named_parts(
                functions[0], transformer, kinds, namer, modules), _array_names(
                transformer, params, transformer.d))
        if form != "hvp":               # (hvp's lines are generated code's)
            functions[0].body = with_line_comments(
                functions[0].body, parsed, set(transformer.tangent_of) |
                {transformer.d(w) for w in wrt})
        what = ("forward mode seeded with ones (the function is a sum of terms "
                f"elementwise in {wrt[0]})" if form == "grad-elementwise"
                else "forward mode (Jacobian-vector product)")
        blocked = _blocked_arrays(parsed, kinds, functions[0]) \
            if form == "grad-elementwise" else ()
        if blocked:
            functions = _in_blocks(functions[0], blocked, namer, modules)
            what += ", in cache-sized blocks of large arrays"
        trailer = _jvp_bindings(transformer)
        callees = [(obj, w, k, "jvp") for _, _, obj, w, k in transformer.callees.values()]
    else:
        transformer = ReverseTransformer(parsed, normalized, wrt, kinds, namer, modules,
                                         result_kind)
        facts = _check_aliases(parsed, transformer) if fixing else None
        if facts is not None and (facts.fixes or facts.copies):
            return _generate(fn, wrt, kinds, optimize, form, fixed(parsed, facts))
        transformer.check_nans = form == "joint-checked"
        form = "joint" if form == "joint-checked" else form
        if form == "split":
            names = (namer.fresh(f"forward_{base}"), namer.fresh(f"backward_{base}"))
            transformer.own_key, transformer.own_names = own_key, names
        transformer.sweeps()
        # in-place accumulations only where the code is not differentiated again
        in_place = [p for p in params if kinds.get(p) == "array"] if gradient_only else []
        run_optimizer = _optimizer(transformer, namer, in_place) if optimize \
            else _no_optimizer
        if form == "split":
            functions = list(transformer.split(*names, run_optimizer))
            what = "reverse mode, split into forward and backward sweeps"
        elif gradient_only and _returns_a_number(transformer):
            names = (namer.fresh(f"grad_{base}"),)
            functions = [transformer.joint(names[0], run_optimizer)]
            functions[0].body = _gradient_only(functions[0].body, transformer)
            _seeded_with_one(functions[0])
            what = "reverse mode, the gradient only (the value is not computed)"
        else:
            names = (namer.fresh(f"value_and_grad_{base}"),)
            functions = [transformer.joint(names[0], run_optimizer)]
            what = "reverse mode"
        if arrays and optimize:         # arrays no longer read are released at once
            arrays_named = _array_names(transformer, params, namer.adjoint)
            for function in functions:
                function.body = release_dead_arrays(_with_named_parts(
                    function, transformer, kinds, namer, modules), arrays_named)
        trailer = _callee_bindings(transformer)
        callees = [(c.function, c.wrt, c.kinds, "split") for c in transformer.callees.values()]
    if not optimize:
        _unoptimized_callees(functions + trailer)
    derivatives = namer.derivatives()
    scalars = {d for d, x in derivatives.items() if transformer.kind.get(x) == "scalar"}
    fresh = {c.backward for c in transformer.callees.values()} if form == "split" \
        or not isinstance(transformer, ForwardTransformer) else set()
    for function in functions:
        guarded(function, set(derivatives) - scalars, lambda: modules.name_for(numpy_runtime),
                _aliases(modules, runtime), _aliases(modules, numpy_runtime), scalars)
        # no write reaches memory it must not
        owned(function, set(derivatives), lambda: modules.name_for(runtime), scalars, fresh)
    spec = ", ".join(f"{k}: {_KIND_WORDS.get(v, v.replace('object:', ''))}"
                     for k, v in kinds.items())
    doc = (f"Derivative of {base} ({_origin(parsed)}) with respect to {', '.join(wrt)}, "
           f"{what}.\n\nGenerated by tangentlike {__version__} for {spec}.")
    restore_user_names(functions + trailer, namer, modules)
    return emit(functions, modules.imports, doc, trailer), names, callees


# runtime helpers that generate the code of the functions generated code calls
_CALLEE_HELPERS = {"_tl.split", "_tl.jvp_function", "_tl.split_method", "_tl.jvp_method"}


def _unoptimized_callees(nodes):
    """Pass `optimize=False` to every helper in `nodes` that generates a callee's code, so
    that it is made with every optional rewrite off as well."""
    for call in (x for node in nodes for x in gast.walk(node) if isinstance(x, gast.Call)):
        if dotted_text(call.func) in _CALLEE_HELPERS:
            call.keywords.append(gast.keyword(arg="optimize", value=n.const(False)))


def _aliases(modules, module):
    """Every name the generated module gives `module` (its own import or the user's)."""
    return {alias for alias, name in modules.imports.items() if name == module.__name__} \
        | {k for k, v in modules.namespace.items() if v is module} \
        | {k for k, v in GENERATED_NAMES.items() if v == module.__name__}


def _is_users(parsed):
    """Is `parsed` the user's code (not generated code differentiated again)?"""
    return getattr(parsed.fn, "__globals__", {}).get("__name__") != "tangentlike_generated"


def _check_aliases(parsed, transformer):
    """The AliasFacts of the user's function: AliasedWriteError where it writes into
    memory another of its names still reads and no assignment can say so (aliases.py).
    None for generated code, which ownership.py made safe."""
    if getattr(parsed.fn, "__globals__", {}).get("__name__") != "tangentlike_generated":
        return check_writes(parsed, transformer.kind, transformer.arg_kinds)
    return None


class _Deletes(gast.NodeTransformer):
    def visit_Delete(self, node):
        return None


def _without_deletes(node):
    """Generated code differentiated again, less its `del` statements (which release
    arrays after their last use: removing them changes nothing else)."""
    return _Deletes().visit(node)


_FULL_REDUCTIONS = {"sum", "mean", "prod", "max", "min", "amax", "amin", "std", "var",
                    "average", "nansum", "nanmean"}


def _returns_a_number(transformer):
    """True when the function surely returns one number: a Python number, or a NumPy
    reduction over all axes (`np.sum(a)`, `a.mean()`)."""
    value = transformer.returned
    if transformer.expr_kind(value) == "scalar" and not isinstance(value, gast.Constant):
        return True
    if not (isinstance(value, gast.Call) and isinstance(value.func, gast.Attribute)
            and value.func.attr in _FULL_REDUCTIONS and not value.keywords):
        return False
    function = transformer.callee(value.func)
    if function is None:                                     # a.sum() on an array
        return not value.args and transformer.expr_kind(value.func.value) == "numeric"
    return function is getattr(numpy, value.func.attr, None) and len(value.args) == 1


def _gradient_only(body, transformer):
    """The joint function's body returning only the gradient: the statements only the
    value needed are removed (not calls without a rule, whose effects may matter)."""
    ret = body[-1]
    ret.value = ret.value.elts[1]
    live = {x.id for x in gast.walk(ret) if isinstance(x, gast.Name)}
    assigned, effects = set(), set()
    for s in (x for stmt in body for x in gast.walk(stmt) if isinstance(x, gast.Assign)):
        targets = {x.id for t in s.targets for x in gast.walk(t) if isinstance(x, gast.Name)}
        assigned |= targets
        if any(isinstance(c, gast.Call) and transformer.rule_of(c.func) is None
               and not dotted_text(c.func).startswith(("_tl.", "_ntl.", "np.shape"))
               for c in gast.walk(s.value)):
            effects |= targets
    return without_dead_stores(body[:-1], live, assigned - effects,
                               lambda call: transformer.rule_of(call.func) is not None) + [ret]


def _seeded_with_one(function):
    """The gradient-only function without its seed parameter (`bresult=1.0`, last), which
    nothing passes: the number 1.0 stands in its place, and is folded away."""
    seed = function.args.args.pop().id
    function.args.defaults.pop()
    if seed in n.stored_names(function.body):
        # set again once used (`bs = 0.0` for `s = y; s = y; return s`): a local from the
        # start, not a number in place of reads that may follow such an assignment
        function.body.insert(0, n.assign(seed, n.const(1.0)))
        return
    # only statements that read the seed: `t = x * 1.0` of the user's stays a copy of x
    function.body = [simplified([replace_name(s, seed, n.const(1.0))])[0]
                     if seed in n.names_read(s) else s for s in function.body]


def _origin(parsed):
    """`file:line` of the function; for generated code differentiated again, what that
    code is the derivative of (its cache file's name would change from run to run)."""
    scope = getattr(parsed.fn, "__globals__", {})
    if scope.get("__name__") == "tangentlike_generated" and scope.get("__doc__"):
        return "generated: " + scope["__doc__"].splitlines()[0].rstrip(".")
    filename, line, _, _ = parsed.location(parsed.node)
    return f"{filename}:{line}"


def _tangent_of_gradient_only(body, pure_call=None):
    """The body of the jvp of a generated `value_and_grad` function, returning only the
    tangent of the gradient: the statements it does not need are removed (calls that
    `pure_call` says write nothing too: see `optimize_backward`)."""
    ret = body[-1]
    tangent = ret.value.elts[1]         # return (value, gradient), (dvalue, dgradient)
    wanted = tangent.elts[1] if isinstance(tangent, gast.Tuple) \
        else gast.Subscript(value=tangent, slice=gast.Constant(value=1, kind=None),
                            ctx=gast.Load())
    return _reduced_to(body[:-1], gast.Return(value=wanted), pure_call)


def _reduced_to(stmts, returned, pure_call=None):
    """`stmts` optimized down to what the statement `returned` reads, then `returned`
    (`pure_call`: see `optimize_backward`)."""
    live = {x.id for x in gast.walk(returned) if isinstance(x, gast.Name)}
    removable = {x.id for s in stmts for x in gast.walk(s)
                 if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store)}
    # (optimized with `returned` among them: a copy `e3 = e1` it reads is not dropped
    # while another read of e3 is rewritten)
    out = optimize_backward(stmts + [returned], live, removable, pure_call)
    return out if out and isinstance(out[-1], gast.Return) else out + [returned]


def _seeded_with_ones(function, param, transformer):
    """Turn `jvp_<f>(..., param, dparam)` of `f = sum(terms elementwise in param)` into
    `grad_<f>(...)`: the tangent `dparam` is the number 1.0 (standing for ones of the
    parameter's shape) and the function returns the tangent of the summed terms summed
    down to the parameter's shape, which is the gradient."""
    tangent = transformer.d(param)
    function.args.args = [a for a in function.args.args if a.id != tangent]
    if function.args.defaults:
        function.args.defaults = function.args.defaults[:-1]
    body = function.body
    summed = body[-1].value.elts[1]           # return f(...), np.sum(dterms)
    if isinstance(summed, gast.Call) and dotted_text(summed.func).endswith(
            ".broadcast_like") and len(summed.args) == 2:
        summed = summed.args[0]                 # a number's tangent spread to its shape
    if isinstance(summed, gast.Call) and len(summed.args) == 1 and not summed.keywords:
        terms = summed.args[0]                      # np.sum(dterms)
    elif isinstance(summed, gast.Call) and isinstance(summed.func, gast.Attribute):
        terms = summed.func.value                   # dterms.sum()
    else:
        raise TangentlikeError("not a sum of elementwise terms")     # (reverse mode then)
    returned = replace_name(n.set_line(gast.Return(value=terms), n.line_of(body[-1])),
                            tangent, n.const(1.0))
    body = [replace_name(s, tangent, n.const(1.0)) for s in body[:-1]]
    body = _reduced_to(body, returned,
                       lambda call: transformer.rule_of(call.func) is not None)
    terms = body[-1].value
    if isinstance(terms, gast.Name) and len(body) > 1 and isinstance(body[-2], gast.Assign) \
            and [t.id for t in body[-2].targets if isinstance(t, gast.Name)] == [terms.id]:
        terms = body.pop(-2).value                   # dterms = ...; return dterms
    modules = transformer.inliner.modules
    summed = body[-1].value = _summed_down(terms, param, modules)
    if not _new_value(summed.args[0], transformer):
        # sum(x * c[0]): the gradient is c[0], which must not be a view of the caller's c
        # (summing down returns an operand of the right shape as it is)
        params = function.args.posonlyargs + function.args.args + function.args.kwonlyargs
        body[-1].value = n.call(f"{modules.name_for(runtime)}.unshared", summed,
                                *[n.name(p.id) for p in params])
    function.body = body


def _new_value(expr, transformer):
    """Whether `expr` surely makes a new value: arithmetic, or a NumPy ufunc (of a new
    value, for `broadcast_like`, which returns its operand when it has the shape)."""
    if isinstance(expr, (gast.BinOp, gast.UnaryOp, gast.Constant, gast.Compare)):
        return True
    if not isinstance(expr, gast.Call) or any(k.arg == "out" for k in expr.keywords):
        return False
    if dotted_text(expr.func).endswith(".broadcast_like") and expr.args:
        return _new_value(expr.args[0], transformer)
    return isinstance(transformer.callee(expr.func), numpy.ufunc)


def _blocked_arrays(parsed, kinds, function):
    """The positions of the array parameters of a grad-elementwise function whose
    gradient may be computed over blocks of them (`elementwise.blocks_elementwise`:
    each element of the gradient reads the same elements of every array), else ()."""
    args = function.args
    positional = [a.id for a in args.posonlyargs + args.args]
    if args.vararg or args.kwarg or args.kwonlyargs or \
            any(kinds.get(p) not in ("scalar", "array") for p in positional):
        return ()
    arrays = [p for p in positional if kinds[p] == "array"]
    return tuple(positional.index(p) for p in arrays) \
        if blocks_elementwise(parsed, arrays) else ()


def _in_blocks(function, blocked, namer, modules):
    """[entry, function]: `function` renamed `<name>_block`, and an entry of its old
    name that calls it through `numpy_runtime.in_blocks` over the arrays `blocked`."""
    entry = function.name
    function.name = namer.fresh(f"{entry}_block")
    params = [a.id for a in function.args.posonlyargs + function.args.args]
    arrays = [params[i] for i in blocked]
    listed = ", ".join(arrays[:-1]) + " and " + arrays[-1] if len(arrays) > 1 else arrays[0]
    call = n.call(f"{modules.name_for(numpy_runtime)}.in_blocks", n.name(function.name),
                  gast.Tuple(elts=[n.name(p) for p in params], ctx=gast.Load()),
                  gast.Tuple(elts=[n.const(i) for i in blocked], ctx=gast.Load()))
    body = [n.comment(f"each element of the gradient reads the same element of {listed}\n"
                      "and nothing else of them: large NumPy arrays go through in blocks\n"
                      "small enough for the CPU's caches"),
            gast.Return(value=call)]
    wrapper = gast.FunctionDef(name=entry, args=copy.deepcopy(function.args), body=body,
                               decorator_list=[], returns=None, type_comment=None,
                               type_params=[])
    return [wrapper, function]


def _summed_down(terms, param, modules):
    """`terms` (the tangent of the summed terms) summed down to the shape of `param`.
    A tangent spread to its primal's shape (`broadcast_like(t, a * b)`) becomes `t`
    spread to the operands' common shape, so the primal need not be computed."""
    ntl = modules.name_for(numpy_runtime)
    if isinstance(terms, gast.Call) and dotted_text(terms.func).endswith(".broadcast_like") \
            and len(terms.args) == 2:
        operands = elementwise_operands(terms.args[1])
        if operands:
            shape = n.call(f"{modules.name_for(numpy)}.shape", operands[0]) \
                if len(operands) == 1 else n.call(f"{ntl}.common_shape", *operands)
            return n.call(f"{ntl}.spread", terms.args[0], shape, n.name(param))
    return n.call(f"{ntl}.sum_like", terms, n.name(param))


def _with_named_parts(function, transformer, kinds, namer, modules):
    """`function`'s body with the parts of its array parameters that it reads more than
    once (`x[:-1]`) taken once and named (`optimize.named_repeated_parts`)."""
    arrays = [a.id for a in function.args.posonlyargs + function.args.args
              + function.args.kwonlyargs if kinds.get(a.id) == "array"]
    helpers = {alias for alias, module_name in modules.imports.items()
               if module_name in (runtime.__name__, numpy_runtime.__name__)}

    def passes_safely(call, name_):
        """Runtime helpers write at most their first argument, and `zeros_for` not even
        that; NumPy functions with a rule write none (`np.add.at` has no rule)."""
        module, _, helper = dotted_text(call.func).rpartition(".")
        if module in helpers:
            return helper == "zeros_for" or not (call.args and n.is_name(call.args[0], name_))
        return transformer.rule_of(call.func) is not None

    return named_repeated_parts(function.body, arrays, namer.fresh, passes_safely)


def _array_names(transformer, params, derived):
    """The names of `transformer`'s function that hold arrays (a number or an array, by
    the kinds analysis), with their tangents or adjoints (`derived(name)`), less the
    parameters and theirs."""
    numeric = {name_ for name_, kind in transformer.kind.items() if kind == "numeric"}
    return (numeric | {derived(v) for v in numeric}) - set(params) - \
        {derived(p) for p in params}


_result_kinds = {}       # (function, argument kinds) -> kind of its return value


def result_kind(fn, kinds):
    """What `fn` returns when called with arguments of `kinds` (arg_kind words): 'scalar',
    'array', 'scalars' or 'other'.  Recursive calls are first assumed to return a
    scalar; the assumption is kept only if the analysis confirms it.  (Memoized:
    a cache, like the generated code's.)"""
    key = (fn, kinds)
    if key in _result_kinds:
        return _result_kinds[key]
    _result_kinds[key] = "scalar"                # optimistic while analysing itself
    guess = _infer_result_kind(fn, kinds)
    if guess != "scalar":                        # the assumption failed: recompute without it
        _result_kinds[key] = guess
        guess = _infer_result_kind(fn, kinds)
    _result_kinds[key] = guess
    return guess


def _infer_result_kind(fn, kinds):
    try:
        parsed = parse_function(fn)
        check(parsed)
    except TangentlikeError:
        return "other"
    namer = Namer(names_in(parsed.node) | set(parsed.namespace))
    params = list(_signature(fn).parameters)
    arg_kinds = dict(zip(params, kinds))
    modules = ModuleNames(parsed.namespace, assigned_names(parsed.node))
    normalized = normalize(parsed, namer, any(k not in ("scalar", "scalars") for k in kinds),
                           arg_kinds, modules)
    transformer = ReverseTransformer(parsed, normalized, [], arg_kinds, namer, modules,
                                     result_kind)
    returns = [s.value for s in gast.walk(normalized) if isinstance(s, gast.Return)
               and s.value is not None]
    words = {{"scalar": "scalar", "sequence": "scalars", "numeric": "array"}.get(
        transformer.expr_kind(r), "other") for r in returns}
    return words.pop() if len(words) == 1 else "other"


_KIND_WORDS = {"scalar": "Python number", "array": "array", "scalars": "list of numbers",
               "other": "other value"}


def _optimizer(transformer, namer, in_place=()):
    """The optimize stage: `run(backward, grads)`, and `run.primal(primal, backward)`.
    `in_place`: the array parameters whose adjoints are accumulated in place where that
    is surely right (`optimize.accumulated_in_place`; none in code that will be
    differentiated again)."""
    def pure(call):
        """A call with a rule writes none of its arguments."""
        return transformer.rule_of(call.func) is not None

    def run(stmts, grads):
        live = {x.id for g in grads for x in gast.walk(g) if isinstance(x, gast.Name)}
        assigned = {x.id for s in stmts for x in gast.walk(s)
                    if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store)}
        stmts = optimize_backward(stmts, live, assigned - set(transformer.locals), pure)
        if not in_place:
            return stmts
        stmts = accumulated_in_place(stmts, transformer.one_shapes, in_place)
        stmts = without_dead_stores(stmts, live, transformer.one_shapes,  # shapes unread now
                                    pure)
        return summed_in_place(stmts, [namer.adjoint(p) for p in in_place])
    run.primal = lambda primal, backward: optimize_primal(primal, namer.temporaries,
                                                          backward, pure)
    return run


def _no_optimizer(stmts, grads):
    return stmts


_no_optimizer.primal = lambda primal, backward: primal


def _callee_bindings(transformer):
    """`forward_h, backward_h = _tl.split(h, wrt, kinds)` for each callee."""
    return _bindings(transformer, "split", [
        ((c.forward, c.backward), c.func_expr, c.wrt, c.kinds)
        for c in transformer.callees.values()])


def _jvp_bindings(transformer):
    """`jvp_h = _tl.jvp_function(h, wrt, kinds)` for each callee."""
    return _bindings(transformer, "jvp_function", [
        ((name_,), func_expr, wrt, kinds)
        for name_, func_expr, _, wrt, kinds in transformer.callees.values()])


def _bindings(transformer, helper, entries):
    if not entries:
        return []
    runtime_name = transformer.inliner.need_runtime()
    out = [comment("derivatives of the functions called above")]
    for names, func_expr, wrt, kinds in entries:
        targets = [gast.Name(id=x, ctx=gast.Store(), annotation=None, type_comment=None)
                   for x in names]
        target = targets[0] if len(targets) == 1 else gast.Tuple(elts=targets,
                                                                  ctx=gast.Store())
        call = gast.Call(
            func=gast.Attribute(value=gast.Name(id=runtime_name, ctx=gast.Load(),
                                                annotation=None, type_comment=None),
                                attr=helper, ctx=gast.Load()),
            args=[func_expr,
                  gast.Tuple(elts=[gast.Constant(value=w, kind=None) for w in wrt],
                             ctx=gast.Load()),
                  gast.Tuple(elts=[gast.Constant(value=k, kind=None) for k in kinds],
                             ctx=gast.Load())], keywords=[])
        out.append(gast.Assign(targets=[target], value=call, type_comment=None))
    return out


class _Loading:
    """A generated module being executed (so recursive calls find its functions)."""

    def __init__(self, scope, names):
        self.scope, self.names = scope, names

    def functions(self):
        return tuple(self.scope[name_] for name_ in self.names)


def _load(fn, wrt, kinds, form, optimize=True):
    """The generated functions for (fn, wrt, kinds): from memory, disk, or the pipeline."""
    key = (form, fn, tuple(wrt), tuple(kinds.items()), registry.version(), optimize,
           environment.identity(fn))
    hit = _memo.get(key)
    if hit is not None:
        if isinstance(hit, _Loading):            # a recursive call, while it loads
            return hit.functions()
        functions = hit if isinstance(hit, tuple) else (hit,)
        reach = environment.reach(functions[0].__globals__)
        if not reach.changed():
            reach.refresh()
            return functions
        del _memo[key]          # a callable deeper than the key looks was rebound: load again
    written_out = _written_out_callees(fn, form == "joint-inline")
    source_text = _source_text(fn) + "".join(_source_text(callee) for callee in written_out)
    disk_key = cache.make_key(form, __version__,
                              getattr(fn, "__module__", "") or "", fn.__qualname__, source_text,
                              tuple(wrt), key[3], registry.fingerprint(), _code_fingerprint(),
                              optimize, key[6])
    text = cache.read_entry(disk_key)
    if text is None:
        text, names = _transform(fn, wrt, kinds, form, optimize)
        path = cache.write_entry(disk_key, text)
    else:
        names = _generated_names(text)
        path = cache.entry_path(disk_key)
    # (code that aliases.fixed rewrote copies values under the name aliases.COPY)
    # globals the code reads are refreshed before each use (environment.Watch)
    loading = _Loading({**parse_namespace(fn), COPY: runtime.copy,
                        **environment.watched(fn, written_out)}, names)
    _memo[key] = loading
    try:
        cache.load_module(path, text, loading.scope)
    except BaseException:
        del _memo[key]
        raise
    functions = loading.functions()
    _memo[key] = functions if len(functions) > 1 else functions[0]
    environment.reach(loading.scope).refresh()
    return functions


def split_pair(fn, wrt, kinds, optimize=True):
    """(forward, backward) sweeps of `fn` for calls from generated code."""
    params = list(_signature(fn).parameters)
    return _load(fn, tuple(wrt), dict(zip(params, kinds)), "split", optimize)


def jvp_pair(fn, wrt, kinds, optimize=True):
    """The forward-mode function `jvp_<f>` of `fn` for calls from generated code."""
    params = list(_signature(fn).parameters)
    return _load(fn, tuple(wrt), dict(zip(params, kinds)), "jvp", optimize)[0]


def _transform(fn, wrt, kinds, form, optimize=True):
    _stats["transforms"] += 1
    try:
        return generate_source(fn, wrt, kinds, optimize, form)
    except TangentlikeError:
        raise
    except RecursionError:
        raise TangentlikeError(f"{fn.__name__} is too deeply nested to differentiate") from None


def _source_text(fn):
    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):
        return parse_function(fn).source      # raises SourceUnavailableError


def _written_out_callees(fn, every_call=False):
    try:
        return written_out_callees(parse_function(fn), every_call)
    except (TangentlikeError, RecursionError):     # reported by the transform itself
        return []


def _generated_names(text):
    names = [line[4:line.index("(")] for line in text.splitlines() if line.startswith("def ")]
    if not names:
        raise TangentlikeError("corrupt cache entry")
    return tuple(names)


def parse_namespace(fn):
    from .parse import function_namespace
    return function_namespace(fn)


# -- public functions --------------------------------------------------------------------


def _unwrap(f):
    """The plain Python function behind `f`, or a TangentlikeError saying why there is none."""
    if isinstance(f, Differentiable):
        return f.fn
    if getattr(f, "__tangentlike_derivative__", False):
        raise TangentlikeError(
            f"{getattr(f, '__name__', f)!r} is a derivative made by tangentlike; only the "
            f"gradient of a tl.grad function can be taken again (for higher orders of a "
            f"scalar function use tl.derivative(f, order=n), for Hessians tl.hessian)")
    if not inspect.isfunction(f):
        kind = type(f).__name__
        raise SourceUnavailableError(
            f"{f!r} is not a Python function (it is a {kind}); tangentlike differentiates "
            f"functions defined with `def` (for a bound method or functools.partial, "
            f"write a small def that calls it)")
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
           for p in _signature(f).parameters.values()):
        check(parse_function(f))          # raises the located error about *args/**kwargs
    return f


def _mark(derivative, kind, fn, names, single):
    """Tag a derivative tangentlike returns with what it is the derivative of, so code
    that calls it can itself be differentiated (through Hessian-vector products)."""
    derivative.__tangentlike_derivative__ = (kind, fn, names, single)
    return derivative


_KIND_BY_TYPE = {float, int, numpy.ndarray}     # types whose values all have one kind


class _Gradient:
    """Calls the generated adjoint of `fn`, specialized on argument kinds.

    The fast path (positional arguments only) costs a tuple of kinds and a dict
    lookup; anything else goes through `inspect.Signature.bind` first.  With
    optimize=False the code is generated with every optional rewrite off.
    """

    def __init__(self, fn, wrt, single, check_nans=False, gradient_only=False,
                 optimize=True):
        self.fn, self.wrt, self.single = fn, wrt, single
        self.check_nans = check_nans
        self.optimize = optimize
        self.form = "joint-checked" if check_nans else "joint"
        self.gradient_only = gradient_only and not check_nans and optimize
        self.signature = _signature(fn)
        self.params = list(self.signature.parameters)
        self.positions = [self.params.index(w) for w in wrt]
        self.specialized = {}       # kinds -> generated function
        self.by_type = {}           # argument types (when they decide the kinds) -> same
        self.gradient_only_by_type = {}   # the same, for `gradient`'s shortcut
        self.last_kinds = None
        self.version = registry.version()   # of the rules the entries above were made with
        self.reach = environment.Reach(())   # ... and the callables and globals it reads

    def arguments(self, args, kwargs):
        if kwargs or len(args) != len(self.params):
            bound = self.signature.bind(*args, **kwargs)
            bound.apply_defaults()
            args = tuple(bound.arguments.values())
        return args

    def current(self):
        """Forget what was generated before a rule was registered or replaced, or before
        a callable or module the function reads was rebound."""
        if self.version != registry.version() or self.reach.changed():
            self.version = registry.version()
            self.reach = environment.Reach(())
            self.specialized.clear()
            self.by_type.clear()
            self.gradient_only_by_type.clear()

    def generated(self, args):
        self.current()
        types = tuple(map(type, args))                  # floats and arrays: kinds by type
        known = self.by_type.get(types)
        if known is not None:
            compiled, self.last_kinds = known
            self.reach.refresh()                 # globals are read live
            return compiled
        kinds = tuple(map(arg_kind, args))
        compiled = self.generated_for(kinds, args)
        self.reach.refresh()
        if _KIND_BY_TYPE.issuperset(types):
            self.by_type[types] = (compiled, kinds)
            if compiled.__name__.startswith("grad_") and len(args) == len(self.params) \
                    and (self.single or len(self.positions) > 1):
                self.gradient_only_by_type[types] = (compiled, kinds)
        return compiled

    def generated_for(self, kinds, args):
        compiled = self.specialized.get(kinds)
        if compiled is None:
            for k in self.positions:
                _check_differentiable(self.fn, {self.params[k]: args[k]}, [self.params[k]])
            forms = self.forms(kinds)
            for form in forms:
                try:
                    compiled = _load(self.fn, self.wrt, dict(zip(self.params, kinds)),
                                     form, self.optimize)[0]
                    break
                except TangentlikeError:
                    if form == forms[-1]:
                        raise
            self.specialized[kinds] = compiled
            self.reach = environment.Reach([c.__globals__ for c in self.specialized.values()])
        self.last_kinds = kinds
        return compiled

    def forms(self, kinds):
        """The forms of generated code to try for arguments of `kinds`, best first.

        Only the gradient wanted, of array code: a function that need not compute the
        value where nothing else needs it ("grad"; scalar code shares value_and_grad's),
        or, for a sum of terms elementwise in the one array `wrt`, one forward sweep
        ("grad-elementwise", falling back to "grad" where forward mode cannot go).
        With optimize=False, value_and_grad's form only."""
        if not (self.gradient_only and "array" in kinds):
            return [self.form]
        return ["grad-elementwise", "grad"] if self._sums_elementwise(kinds) else ["grad"]

    def _sums_elementwise(self, kinds):
        """True when the gradient is one forward sweep: one array `wrt` that the function
        is a sum of elementwise terms in (see `elementwise`)."""
        if len(self.positions) != 1 or kinds[self.positions[0]] != "array":
            return False
        return sums_elementwise(parse_function(self.fn), self.wrt[0])

    def gradient(self, args, kwargs):
        """The gradient alone (`tl.grad`).  For arguments whose types have been seen, with
        generated code that computes the gradient only, this skips everything
        `value_and_grad` checks (a few microseconds on small arrays)."""
        self.current()
        known = None if kwargs else self.gradient_only_by_type.get(
            (args[0].__class__,) if len(args) == 1 else tuple(map(type, args)))
        if known is None:
            return self.value_and_grad(args, kwargs)[1]
        compiled, self.last_kinds = known
        self.reach.refresh()
        try:
            grads = compiled(*args)
        except Exception as exc:
            self.explain(exc, None)
            raise
        if self.single:
            return grad_like(grads, args[self.positions[0]])
        return tuple([grad_like(g, args[k]) for g, k in zip(grads, self.positions)])

    def explain(self, exc, seed):
        """Add to `exc`, raised in generated code, what the user needs to read it."""
        frame = _backward_frame(exc) if seed is None else None
        if frame is not None:
            _explain_backward_failure(self.fn, frame)
        _note_original_line(exc)

    def value_and_grad(self, args, kwargs, seed=None):
        args = self.arguments(args, kwargs)
        compiled = self.generated(args)
        try:
            if compiled.__name__.startswith("grad_"):   # the gradient only (value=None)
                value, grads = None, compiled(*args)
            else:
                value, grads = compiled(*args) if seed is None else compiled(*args, seed)
        except Exception as exc:
            self.explain(exc, seed)
            raise
        if seed is None and value.__class__ is not float and not \
                compiled.__name__.startswith("grad_"):   # (made only for a number)
            _require_scalar(self.fn, value)
        positions = self.positions
        if len(positions) == 1:
            result = grad_like(grads, args[positions[0]])
            return value, result if self.single else (result,)
        return value, tuple([grad_like(g, args[k]) for g, k in zip(grads, positions)])




def _last_generated_entry(exc):
    """The innermost traceback entry of `exc` in generated code, or None."""
    tb, last = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__") == "tangentlike_generated":
            last = tb
        tb = tb.tb_next
    return last


def _backward_frame(exc):
    """The generated frame `exc` was raised in, if that was in its backward sweep."""
    frame = _last_generated_entry(exc)
    if frame is None:
        return None
    lines = linecache.getlines(frame.tb_frame.f_code.co_filename)
    start = frame.tb_frame.f_code.co_firstlineno
    for number in range(start, min(frame.tb_lineno, len(lines) + 1)):
        if lines[number - 1].strip() == "# backward sweep":
            return frame.tb_frame
    return None


def _note_original_line(exc):
    """Add to an exception raised in generated code the user's line it comes from (the
    `# grad of:` or `# tangent of:` comment above the generated line) and the generated
    line itself."""
    last = _last_generated_entry(exc)
    if last is None:
        return
    lines = linecache.getlines(last.tb_frame.f_code.co_filename)
    number = last.tb_lineno
    generated = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    origin = None
    for k in range(number - 1, last.tb_frame.f_code.co_firstlineno - 1, -1):
        text = lines[k - 1].strip() if k - 1 < len(lines) else ""
        if text.startswith(("# grad of:", "# tangent of:")):
            origin = text.partition(":")[2].strip()
            sweep = "the backward sweep" if text.startswith("# grad") else "forward mode"
            break
        if text == "# backward sweep":
            break
    where = f"{last.tb_frame.f_code.co_filename}:{number}"
    if origin:
        exc.add_note(f"tangentlike: raised in {sweep}, by the derivative of "
                     f"{origin}\n  generated line ({where}): {generated}")
    else:
        exc.add_note(f"tangentlike: raised in generated code ({where}): {generated}")


def _explain_backward_failure(fn, frame):
    """Raise NonScalarOutputError when a backward sweep failed because the output (the
    value the generated function returns first) is not a scalar."""
    lines = linecache.getlines(frame.f_code.co_filename)
    returns = [line.strip() for line in lines[frame.f_code.co_firstlineno - 1:]
               if line.strip().startswith("return ")]
    value_name = returns[0][len("return "):].split(",")[0].strip() if returns else None
    if value_name in frame.f_locals:
        try:
            _require_scalar(fn, frame.f_locals[value_name])
        except NonScalarOutputError as error:
            raise error from None


def _require_scalar(fn, value):
    if isinstance(value, (int, float, complex)) and not isinstance(value, bool):
        return
    if getattr(value, "shape", None) == () or getattr(value, "size", None) == 1:
        return
    shape = getattr(value, "shape", None)
    what = f"an array of shape {shape}" if shape is not None else f"a {type(value).__name__}"
    raise NonScalarOutputError(
        f"grad requires {fn.__name__} to return a scalar, but it returned {what}. "
        f"For non-scalar outputs use tl.vjp(f, *args), a vector-Jacobian product.")


def value_and_grad(f, wrt=0, check_nans=False, optimize=True):
    """A function returning `(f(*args), gradient of f with respect to wrt)`.

    `optimize=False` turns every optional rewrite off (see `grad`).

    >>> import math, tangentlike as tl
    >>> def f(x):
    ...     return x * math.sin(x)
    >>> tl.value_and_grad(f)(0.0)
    (0.0, 0.0)
    """
    fn = _unwrap(f)
    names, single = wrt_names(fn, wrt)
    gradient = _Gradient(fn, names, single, check_nans, optimize=optimize)

    @functools.wraps(fn)
    def value_and_grad_fn(*args, **kwargs):
        return gradient.value_and_grad(args, kwargs)
    value_and_grad_fn.__tangentlike_optimize__ = optimize
    return _mark(value_and_grad_fn, "value_and_grad", fn, names, single)


def grad(f, wrt=0, check_nans=False, optimize=True):
    """A function returning the gradient of scalar-valued `f` with respect to `wrt`.

    `wrt` is a parameter position, a parameter name, or a tuple of them (then
    the gradient is a tuple in the same order).  Each gradient has the type
    and shape of its argument.

    >>> import math, tangentlike as tl
    >>> def f(a, b):
    ...     return a * math.log(b)
    >>> tl.grad(f, wrt=(0, "b"))(2.0, 1.0)
    (0.0, 2.0)

    The gradient of a gradient of a function of floats works too (second
    derivatives, through Hessian-vector products): `tl.grad(tl.grad(f))`.
    With `check_nans=True` every adjoint block of the backward sweep is checked:
    a NaN or an infinity raises NonFiniteError naming the user's line.
    With `optimize=False` every optional rewrite is off (the optimize stage, the
    gradient-only and elementwise forms, blocks, in-place accumulation, named parts,
    releasing arrays early), in the functions `f` calls too: the result must be the
    same, so a difference points at a rewrite.  The passes that make the code right
    (aliasing, ownership, zero guards) stay.
    """
    derivative = getattr(f, "__tangentlike_derivative__", None)
    if derivative is not None and derivative[0] in ("grad", "grad of grad"):
        _require_optimized(f, optimize)
        from .higher import grad_of_gradient
        return grad_of_gradient(f, wrt)
    fn = _unwrap(f)
    names, single = wrt_names(fn, wrt)
    gradient = _Gradient(fn, names, single, check_nans, gradient_only=True,
                         optimize=optimize)

    @functools.wraps(fn)
    def grad_fn(*args, **kwargs):
        return gradient.gradient(args, kwargs)
    grad_fn.__tangentlike_optimize__ = optimize
    return _mark(grad_fn, "grad", fn, names, single)


def _require_optimized(derivative, optimize):
    """Derivatives of derivatives are made with the optimize stage: say so rather than
    ignore an `optimize=False` given for them or for the inner derivative."""
    if not (optimize and getattr(derivative, "__tangentlike_optimize__", True)):
        raise TangentlikeError(
            "optimize=False applies to first derivatives (grad, value_and_grad, vjp, jvp "
            "of a Python function); a derivative of a derivative is always optimized")


def vjp(f, *primals, optimize=True):
    """`(f(*primals), pullback)`; `pullback(cotangent)` gives one adjoint per primal.

    Primals that are ints, bools, strings or None get `None`.  `optimize=False` turns
    every optional rewrite off (see `grad`).

    >>> import tangentlike as tl
    >>> def f(x, y):
    ...     return [x * y, x + y]
    >>> out, pullback = tl.vjp(f, 2.0, 3.0)
    >>> out, pullback([1.0, 0.0])
    ([6.0, 5.0], (3.0, 2.0))
    """
    fn = _unwrap(f)
    out = fn(*primals)
    params = list(_signature(fn).parameters)
    positions = [k for k, v in enumerate(primals)
                 if not isinstance(v, (bool, int, str)) and v is not None]
    gradient = _Gradient(fn, tuple(params[k] for k in positions), False,
                         optimize=optimize) if positions else None

    def pullback(cotangent):
        _check_cotangent(out, cotangent)
        adjoints = [None] * len(primals)
        if gradient is not None:
            _, grads = gradient.value_and_grad(primals, {}, seed=cotangent)
            for k, g in zip(positions, grads):
                adjoints[k] = g
        return tuple(adjoints)
    return out, pullback


def jvp(f, primals, tangents, optimize=True):
    """`(f(*primals), tangent of the output)` in forward mode: the Jacobian of `f`
    at `primals` applied to `tangents` (one per primal; those of int, bool and str
    primals are ignored).

    >>> import math, tangentlike as tl
    >>> def f(x, y):
    ...     return x * math.sin(y)
    >>> tl.jvp(f, (2.0, 0.0), (1.0, 1.0))
    (0.0, 2.0)

    For `f` a gradient made by `tl.grad`, the tangent of the gradient is a
    Hessian-vector product (forward over reverse).  `optimize=False` turns every
    optional rewrite off (see `grad`).
    """
    derivative = getattr(f, "__tangentlike_derivative__", None)
    if derivative is not None and derivative[0] == "grad":
        _require_optimized(f, optimize)
        from .higher import jvp_of_gradient
        return jvp_of_gradient(f, tuple(primals), tuple(tangents))
    fn = _unwrap(f)
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise TangentlikeError(f"jvp needs one tangent per primal: got {len(primals)} "
                               f"primals and {len(tangents)} tangents")
    params = list(_signature(fn).parameters)
    if len(primals) > len(params):
        raise TangentlikeError(f"{fn.__name__} takes {len(params)} arguments, "
                               f"got {len(primals)} primals")
    positions = [k for k, v in enumerate(primals)
                 if not isinstance(v, (bool, int, str)) and v is not None]
    wrt = tuple(params[k] for k in positions)
    for name_, value in zip(params, primals):    # (objects pass: their attributes are
        if _special_tuple(value) is not None:      # constants; a NamedTuple's are fields)
            _check_differentiable(fn, {name_: value}, [name_])
    rest = list(_signature(fn).parameters.values())[len(primals):]
    missing = [p.name for p in rest if p.default is p.empty]
    if missing:
        raise TangentlikeError(f"jvp needs a primal for every parameter without a default: "
                               f"none was given for {', '.join(missing)}")
    arguments = primals + tuple(p.default for p in rest)     # jvp_f takes every parameter
    kinds = {p: arg_kind(v) for p, v in zip(params, arguments)}
    compiled = _load(fn, wrt, kinds, "jvp", optimize)[0]
    tangents = [shaped_like(tangents[k], primals[k]) for k in positions]
    try:
        return compiled(*arguments, *tangents)
    except Exception as exc:
        _note_original_line(exc)
        raise


def shaped_like(tangent, primal):
    """A tangent given as a number (or broadcastable array) for an array primal,
    spread to the primal's shape: generated code assumes an array's tangent has it."""
    if tangent.__class__ is primal.__class__ is numpy.ndarray and tangent.shape == primal.shape:
        return tangent
    shape = getattr(primal, "shape", None)
    if shape is not None and getattr(tangent, "shape", None) != shape:
        return primal * 0 + tangent
    return tangent


def _check_cotangent(out, cotangent, where="the cotangent"):
    """The cotangent must have the structure and shape of the output."""
    if isinstance(out, (list, tuple)):
        if not isinstance(cotangent, (list, tuple)) or len(cotangent) != len(out):
            raise TangentlikeError(
                f"{where} must match the function's output: a {type(out).__name__} of "
                f"{len(out)} item(s), got {cotangent!r}")
        for k, (o, c) in enumerate(zip(out, cotangent)):
            _check_cotangent(o, c, f"{where}[{k}]")
    elif isinstance(out, dict):
        if not isinstance(cotangent, dict) or set(cotangent) != set(out):
            raise TangentlikeError(f"{where} must be a dict with keys {sorted(out)}")
    elif getattr(out, "shape", None) is not None and getattr(out, "shape", ()) != ():
        if getattr(cotangent, "shape", None) != out.shape:
            raise TangentlikeError(
                f"{where} must have the output's shape {out.shape}, "
                f"got {getattr(cotangent, 'shape', type(cotangent).__name__)}")


def source(f, mode="reverse", wrt=0, args=None, optimize=True, include_callees=False):
    """The generated source of `f`'s derivative.

    mode: "reverse" or "forward"; args: example arguments the code is specialized
    for (default: the last call's, else floats); optimize=False shows the code with
    every optional rewrite off (what `grad(f, optimize=False)` runs; so does a
    derivative made with optimize=False); include_callees appends the generated code
    of the user functions it calls (their forward/backward sweeps or tangent functions).
    For `f` a gradient made by `tl.grad(g, wrt)`, the code it runs for `args`
    (`wrt` and `mode` are `f`'s own): for arrays, the gradient only, which for a sum of
    terms elementwise in one array is a forward sweep.  For `f` a gradient of a
    gradient (`tl.grad(tl.grad(g))`), the code reverse mode generated from the inner
    gradient's code (`args` as for calling `f`).
    """
    if mode not in ("reverse", "forward"):
        raise TangentlikeError(f"mode={mode!r}: use 'reverse' or 'forward'")
    derivative = getattr(f, "__tangentlike_derivative__", None)
    if derivative is not None and derivative[0] == "grad of grad":
        from .higher import nested_gradient_source
        return GeneratedSource(nested_gradient_source(f, args))
    gradient = None
    optimize = optimize and getattr(f, "__tangentlike_optimize__", True)
    if isinstance(f, Differentiable):
        optimize = optimize and f._gradient.optimize
    if derivative is not None and derivative[0] == "grad":
        _, fn, names, single = derivative
        gradient = _Gradient(fn, names, single, gradient_only=True, optimize=optimize)
    else:
        fn = _unwrap(f)
        names, _ = wrt_names(fn, wrt)
    if args is not None:
        kinds = {k: arg_kind(v) for k, v in _bind(fn, args, {}).items()}
    elif isinstance(f, Differentiable) and f.last_kinds is not None:
        kinds = dict(f.last_kinds)
    else:
        kinds = {p: "scalar" for p in _signature(fn).parameters}
    forms = gradient.forms(tuple(kinds.values())) if gradient is not None else \
        ["jvp" if mode == "forward" else "joint"]
    for form in forms:
        try:
            text, _, callees = _generate(fn, names, kinds, optimize, form)
            break
        except TangentlikeError:
            if form == forms[-1]:
                raise
    if not include_callees:
        return GeneratedSource(text)
    parts, seen = [text], {(fn, tuple(names), tuple(kinds.values()), form)}
    while callees:
        callee, callee_wrt, callee_kinds, callee_form = callees.pop(0)
        key = (callee, tuple(callee_wrt), tuple(callee_kinds), callee_form)
        if key in seen:
            continue
        seen.add(key)
        params = list(_signature(callee).parameters)
        more_text, _, more = _generate(callee, callee_wrt, dict(zip(params, callee_kinds)),
                                       optimize, callee_form)
        parts.append(more_text)
        callees.extend(more)
    return GeneratedSource(("\n\n" + "#" * 79 + "\n\n").join(parts))


class GeneratedSource(str):
    """Generated code: a plain `str` that Jupyter shows highlighted (with pygments)."""

    def _repr_html_(self):
        try:
            from pygments import highlight
            from pygments.formatters import HtmlFormatter
            from pygments.lexers import PythonLexer
        except ImportError:
            import html
            return f"<pre>{html.escape(str(self))}</pre>"
        return highlight(str(self), PythonLexer(), HtmlFormatter(noclasses=True))


class Differentiable:
    """What `@differentiate` returns: the function, plus `.grad`, `.value_and_grad`, `.source`."""

    def __init__(self, fn, wrt=0, optimize=True):
        self.fn = fn
        self.wrt = wrt
        self._gradient = _Gradient(fn, *wrt_names(fn, wrt), optimize=optimize)
        functools.update_wrapper(self, fn)

    @property
    def last_kinds(self):
        kinds = self._gradient.last_kinds
        return None if kinds is None else dict(zip(self._gradient.params, kinds))

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def value_and_grad(self, *args, **kwargs):
        """`(self(*args), gradient)` with respect to the decorator's `wrt`."""
        return self._gradient.value_and_grad(args, kwargs)

    def grad(self, *args, **kwargs):
        """The gradient with respect to the decorator's `wrt`."""
        return self._gradient.value_and_grad(args, kwargs)[1]

    def source(self, mode="reverse"):
        """The generated derivative source (for the argument kinds of the last call)."""
        return source(self, mode=mode, wrt=self.wrt)

    def __repr__(self):
        return f"<tangentlike.differentiate {self.fn.__qualname__}>"


def register_adjoint(fn, *, broadcasts=False):
    """Decorator: register an adjoint rule (a template) for the callable `fn`.

    The template's parameters are `g` (the adjoint of the result), `ans` (the
    result) and the callee's parameters; it returns one expression per
    differentiable parameter.  It is inlined into generated code.

    >>> import math, tangentlike as tl
    >>> @tl.register_adjoint(math.gamma)
    ... def gamma_adjoint(g, ans, x):
    ...     return g * ans * tl.digamma(x)  # doctest: +SKIP
    """
    decorate = registry.adjoint(fn, broadcasts=broadcasts)

    def register(template):
        decorate(template)
        _memo.clear()
        return template
    return register


def register_nondifferentiable(*fns, replace=False):
    """Declare callables whose results carry no derivative (e.g. `int`, random draws).
    A callable that has a derivative rule raises RuleError unless `replace=True`."""
    registry.nondifferentiable(*fns, replace=replace)
    _memo.clear()


def register_tangent(fn):
    """Decorator: register a tangent (forward-mode) rule template for the callable `fn`.

    The template's parameters are `ans` (the result), the callee's parameters and
    `d<param>` for each differentiable one; it returns the tangent of the result.

    >>> import math, tangentlike as tl
    >>> @tl.register_tangent(math.gamma)
    ... def gamma_tangent(ans, x, dx):
    ...     return dx * ans  # doctest: +SKIP
    """
    decorate = registry.tangent(fn)

    def register(template):
        decorate(template)
        _memo.clear()
        return template
    return register


def stop_gradient(x):
    """`x` itself, through which no derivative flows (a constant for tangentlike).

    >>> import tangentlike as tl
    >>> def f(x):
    ...     return x * tl.stop_gradient(x)
    >>> tl.grad(f)(3.0)
    3.0
    """
    return x


registry.nondifferentiable(stop_gradient, grad, value_and_grad)


def differentiate(fn=None, *, wrt=0, optimize=True):
    """Decorator: `@differentiate` or `@differentiate(wrt="x")` / `(wrt=(0, "y"))`;
    `@differentiate(optimize=False)` turns every optional rewrite off (see `grad`)."""
    if fn is None:
        return lambda f: Differentiable(f, wrt, optimize)
    return Differentiable(fn, wrt, optimize)
