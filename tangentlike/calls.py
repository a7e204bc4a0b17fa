"""What both transformers know about the function they differentiate.

Receives a parsed and normalized function, the `wrt` names and the argument
kinds.  Guarantees `FunctionView`: its parameters and locals, its active names
(analyze.activity, a frozenset) and value kinds (value_kinds.kinds, a read-only mapping,
including the kinds of module-level values it reads and of what user functions it
calls return), both computed once (the reverse transformer's named result replaces
them by extended copies, `with_named_result`); a located error where an attribute
of a value made from a differentiated one is read (analyze.opaque_reads); and
what each call refers to: a callable with a rule, a user function, a method whose
class is known only at run time, or a gradient made by tangentlike.  Also the one
calling convention of the generated functions the api calls (`entry_arguments`):
every parameter by position, then the seed or the tangents; generated code calling
such a function passes every argument (`every_argument`).
"""

import inspect
import types

import gast

from . import analyze
from . import nodes as n
from . import value_kinds
from .cache import CACHE
from .check import check
from .errors import TangentlikeError, UnsupportedSyntaxError
from .naming import ModuleNames
from .naming import Namer, assigned_names, names_in
from .normalize import normalize
from .parse import (DERIVATIVE, MAKES_GRADIENTS, is_user_function,  # noqa: F401  (re-exported)
                    parse_function)
from .rules import lookup
from .rules.methods import method_callable
from .trees import ARRAY_KINDS, NUMERIC_KINDS, class_of, contained_word

_LITERALS = (bool, int, float, complex, str, bytes, type(None))


class Names(list):
    """A list of names whose `in` is a set's (a function's locals are asked about for
    every call and every block)."""

    def __init__(self, names=()):
        super().__init__(names)
        self._members = set(self)

    def __contains__(self, name_):
        return name_ in self._members

    def append(self, name_):
        super().append(name_)
        self._members.add(name_)

    def extend(self, names):
        names = list(names)
        super().extend(names)
        self._members.update(names)

    def __iadd__(self, names):
        self.extend(names)
        return self


class FunctionView:
    """The base of the reverse and forward transformers (no AST is changed here)."""

    # the derivative temporaries that a callee's backward sweep binds to the adjoint of
    # a number (a reverse transformer's calls fill it)
    number_results = frozenset()

    def __init__(self, parsed, fn, wrt, arg_kinds, result_kind=None):
        self.params = [a.id for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
        # the user's parameter names -> theirs in `fn` (normalize may shelter some)
        user = parsed.node.args
        renamed = dict(zip([a.id for a in user.posonlyargs + user.args + user.kwonlyargs],
                           self.params))
        wrt = [renamed.get(w, w) for w in wrt]
        arg_kinds = {renamed.get(p, p): kind for p, kind in arg_kinds.items()}
        self.parsed, self.fn, self.wrt = parsed, fn, wrt
        self.locals = Names(self.params + sorted(local_names(fn.body, self.params,
                                                             parsed.namespace)))
        self.result_kind = result_kind
        self.arg_kinds = dict(arg_kinds)
        self.trees = contained_word(arg_kinds.values())    # the pytrees arguments hold
        rebound = {x.id for x in n.walk(fn) if isinstance(x, gast.Name)
                   and isinstance(x.ctx, gast.Store)}
        self.own_trees = {p for p, k in arg_kinds.items()
                          if class_of(k) is not None and p not in rebound}
        varied, useful = facts = analyze.flow(fn, self.wrt, self.rule_of)
        self.active = frozenset(varied & useful)       # (analyze.activity)
        opaque = analyze.opaque_reads(fn, self.wrt, self.rule_of, self.params, facts)
        if opaque:
            raise self.opaque_read(opaque[0])
        self.integers = value_kinds.integer_names(fn, arg_kinds, self.rule_of)
        self.kind = types.MappingProxyType(value_kinds.kinds(
            fn, self.with_globals(arg_kinds), self.rule_of, self.call_kind, self.integers))
        if self.result_kind is not None and any(self.integer_call(c) for c in n.walk(fn)
                                                if isinstance(c, gast.Call)):
            # again, with the ints user functions return (`i = find(xs, x)`: xs[i])
            self.integers = value_kinds.integer_names(fn, arg_kinds, self.rule_of,
                                                      self.integer_call)
            self.kind = types.MappingProxyType(value_kinds.kinds(
                fn, self.with_globals(arg_kinds), self.rule_of, self.call_kind,
                self.integers))
        self.derivatives = derivative_locals(fn.body, self.callee)

    def with_named_result(self, name_, value):
        """The facts extended with `name_ = value` (the returned value, named by the
        reverse transformer): new frozen facts, the old ones unchanged."""
        if analyze.diff_reads(value, self.rule_of) & self.active:
            self.active = self.active | {name_}
            self.kind = types.MappingProxyType({**self.kind, name_: self.expr_kind(value)})

    def opaque_read(self, attribute):
        """The located error for reading attribute `o.a` of a value `o` that depends on
        what is differentiated (see analyze.opaque_reads)."""
        filename, line, column, text = self.parsed.location(attribute)
        owner = n.dotted_text(attribute.value) if isinstance(
            attribute.value, (gast.Name, gast.Attribute)) else "a value"
        return UnsupportedSyntaxError(
            f"reading attribute `{attribute.attr}` of `{owner}`, made from what is "
            f"differentiated ({', '.join(self.wrt)}),", "tangentlike reads the attributes "
            "of objects as "
            "constants, so no derivative flows through them: keep the value in a local "
            "variable, a tuple or a dict, or pass it as an argument",
            filename=filename, line=line, column=column, source_line=text)

    # -- names and kinds ------------------------------------------------------------
    def entry_arguments(self, extra, extra_defaults=()):
        """The parameters of a generated function the api calls (`value_and_grad_f`,
        `grad_f`, `jvp_f`): every user parameter, keyword-only ones included, taken by
        position in the order of the signature and without its default (the api binds
        each call and passes them all), then `extra` (the seed or the tangents) with
        `extra_defaults`.  No user parameter can land in the place of an extra one."""
        args = self.fn.args
        params = [n.copied(a) for a in args.posonlyargs + args.args + args.kwonlyargs]
        for name_ in extra:
            params.append(gast.Name(id=name_, ctx=gast.Param(), annotation=None,
                                    type_comment=None))
        for p in params:
            p.annotation = None
        return gast.arguments(args=params, posonlyargs=[], vararg=None, kwonlyargs=[],
                              kw_defaults=[], kwarg=None, defaults=list(extra_defaults))

    @staticmethod
    def every_argument(call, obj, bound):
        """The arguments of `call` (bound to `obj`'s parameters by `bound`, an
        inspect.BoundArguments) for every parameter of `obj` in the order of its
        signature, as a function made by `entry_arguments` takes them: a default the
        call leaves out is its value when that is a literal, else read from the function
        (`h.__defaults__[k]`, `h.__kwdefaults__["w"]`), as Python reads it."""
        out = []
        positional = [p for p in inspect.signature(obj).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        first_default = len(positional) - len(obj.__defaults__ or ())
        for k, p in enumerate(inspect.signature(obj).parameters.values()):
            if p.name in bound.arguments:
                out.append(bound.arguments[p.name])
            elif isinstance(p.default, _LITERALS):
                out.append(gast.Constant(value=p.default, kind=None))
            elif p.kind == p.KEYWORD_ONLY:
                out.append(gast.Subscript(
                    value=gast.Attribute(value=n.copied(call.func), attr="__kwdefaults__",
                                         ctx=gast.Load()),
                    slice=gast.Constant(value=p.name, kind=None), ctx=gast.Load()))
            else:
                out.append(gast.Subscript(
                    value=gast.Attribute(value=n.copied(call.func), attr="__defaults__",
                                         ctx=gast.Load()),
                    slice=gast.Constant(value=k - first_default, kind=None), ctx=gast.Load()))
        return out

    def with_globals(self, arg_kinds):
        """Argument kinds plus the kinds of the module-level values the function reads."""
        kinds = dict(arg_kinds)
        read, attributes = set(), []
        for node in n.walk(self.fn):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
                read.add(node.id)
            elif isinstance(node, gast.Attribute):
                attributes.append(node)
        for name_ in sorted(read - set(self.locals)):
            if name_ in self.parsed.namespace:
                kinds[name_] = unranked(analyze.arg_kind(self.parsed.namespace[name_]))
        for node in attributes:               # module.constant (a written-out helper's)
            dotted = value_kinds.dotted_name(node)
            if dotted and dotted.partition(".")[0] not in self.locals \
                    and inspect.ismodule(self.callee(node.value)):
                value = self.callee(node)
                if isinstance(value, (int, float)) or hasattr(value, "shape"):
                    kinds[dotted] = unranked(analyze.arg_kind(value))
        return kinds

    def expr_kind(self, e):
        return value_kinds.expression_kind(e, self.kind, self.rule_of, self.call_kind,
                                           self.integers)

    def is_number(self, e):
        """Whether expression `e` is a number by the kinds."""
        return self.expr_kind(e) == "scalar"

    def is_math(self, func):
        """Whether `func` names a function of the `math` module."""
        return getattr(self.callee(func), "__module__", None) == "math"

    def call_kind(self, call, kind):
        """The kind of what a call into a user function returns (None if unknown)."""
        found = self.user_call(call, lambda e: value_kinds.expression_kind(
            e, kind, self.rule_of, self.call_kind, self.integers))
        return None if found is None else value_kinds.as_kind(self.result_kind(*found))

    def integer_call(self, call):
        """Whether a call into a user function surely returns an int (by the kinds of
        its arguments so far: kinds only ever narrow, so the answer stays true)."""
        found = self.user_call(call, self.expr_kind) if hasattr(self, "kind") else None
        return found is not None and returns_integer(*found)

    def user_call(self, call, expr_kind):
        """(the user function `call` calls, the kinds of the arguments it passes, by
        `expr_kind`), or None for any other call."""
        obj = self.callee(call.func)
        if self.result_kind is None or not is_user_function(obj):
            return None
        signature = inspect.signature(obj)
        try:
            bound = signature.bind(*call.args, **{k.arg: k.value for k in call.keywords})
        except TypeError:
            return None
        return obj, value_kinds.callee_kinds(signature, bound.arguments, expr_kind)

    # -- what a call refers to ----------------------------------------------------------
    def callee(self, func):
        """The object a call's `func` expression names, or None (a local's method)."""
        return self.parsed.resolve_expression(func, self.locals)

    def rule_of(self, func):
        obj = self.callee(func)
        if obj is None and self.is_method_of_value(func):
            obj = method_callable(func.attr)
        return None if obj is None else lookup(obj)

    def is_method_of_value(self, func):
        """`x.sum` where x is a value computed in the function (not a module)."""
        return isinstance(func, gast.Attribute) and self.callee(func) is None \
            and not (isinstance(func.value, gast.Name) and func.value.id not in self.locals)

    def user_function(self, call):
        """The user function `call` calls (a Python function without a rule), or None."""
        obj = self.callee(call.func) if isinstance(call, gast.Call) else None
        return obj if is_user_function(obj) else None

    def calls_derivative(self, call):
        """True for a call to a gradient made by tangentlike (`tl.grad(f)` at module
        level, or assigned to a local in this function)."""
        obj = self.callee(call.func)
        if obj is not None:
            return hasattr(obj, DERIVATIVE)
        return isinstance(call.func, gast.Name) and call.func.id in self.derivatives

    def dynamic_method(self, value):
        """`obj.m(args)` with differentiated arguments, obj's class unknown until run time."""
        func = value.func if isinstance(value, gast.Call) else None
        if not isinstance(func, gast.Attribute) or self.callee(func) is not None \
                or method_callable(func.attr) is not None or value.keywords:
            return False
        root = func.value
        while isinstance(root, gast.Attribute):
            root = root.value
        return isinstance(root, gast.Name) and root.id in self.locals \
            and not (root is func.value and self.builtin_value(root.id)) \
            and bool(analyze.diff_reads(gast.Tuple(elts=list(value.args), ctx=gast.Load()),
                                        self.rule_of) & self.active)

    def builtin_value(self, name_):
        """True when local `name_` surely holds a number, an array, or a list, tuple or
        dict (whose methods have no Python source to differentiate): an argument of
        such a kind, or a local only ever assigned literals of them."""
        if name_ in self.params:
            return self.arg_kinds.get(name_) in NUMERIC_KINDS | {"scalars"}
        values = [s.value for s in analyze.simple_statements(self.fn.body)
                  if isinstance(s, gast.Assign) and n.is_name(s.targets[0], name_)]
        return bool(values) and all(isinstance(v, (gast.List, gast.Tuple, gast.Dict,
                                                   gast.Constant)) for v in values)

    def method_kinds(self, value):
        """The argument kinds of `obj.m(args)` for m's function: (self, args...)."""
        positional = inspect.Signature([
            inspect.Parameter(f"a{k}", inspect.Parameter.POSITIONAL_ONLY)
            for k in range(len(value.args))])
        return (self.trees or "other",) + tuple(value_kinds.callee_kinds(
            positional, {f"a{k}": a for k, a in enumerate(value.args)}, self.argument_kind))

    def argument_kind(self, e):
        """The kind a call passes to a user function for argument `e`: its expression
        kind, but a parameter's own where `e` is a pytree parameter the function never
        rebinds, and, in a function whose arguments hold pytrees (trees.py), the kind
        naming all of them for any other value of kind "other": the callee then reads
        their fields as fields (normalize/fields.py), never as constants."""
        if isinstance(e, gast.Name) and e.id in self.own_trees:
            return self.arg_kinds[e.id]
        kind = self.expr_kind(e)
        return self.trees if kind == "other" and self.trees else kind


def unranked(kind):
    """A global's kind as the code may assume it: "array" for a ranked one (its rank is
    not part of the cache key, and rebinding it to another array must stay right)."""
    return "array" if kind in ARRAY_KINDS else kind


def local_names(body, params, namespace):
    """Names the function assigns; a module-level name only mutated through a method
    (`np.append(...)` looks like `xs.append(...)`) is not one."""
    assigned, mutated = set(), set()
    for x in (x for s in body for x in n.walk(s)):
        if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store):
            assigned.add(x.id)
        elif n.mutated_root(x) is not None:
            mutated.add(n.mutated_root(x))
    return assigned | {v for v in mutated if v in params or v not in namespace}


def derivative_locals(body, callee):
    """Names assigned a gradient function made by tangentlike (`g = tl.grad(f)`,
    `g = tl.value_and_grad(f)`): the api marks those two functions MAKES_GRADIENTS."""
    out = set()
    for s in analyze.simple_statements(body):
        if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name) \
                and isinstance(s.value, gast.Call) \
                and getattr(callee(s.value.func), MAKES_GRADIENTS, False):
            out.add(s.targets[0].id)
    return out


def result_kind(fn, kinds):
    """What `fn` returns when called with arguments of `kinds` (arg_kind words): 'scalar',
    'array', 'scalars' or 'other'.  Recursive calls are first assumed to return a
    scalar; the assumption is kept only if the analysis confirms it.  (Memoized:
    CACHE.result_kinds.)"""
    key = (fn, kinds)
    if key in CACHE.result_kinds:
        return CACHE.result_kinds[key]
    CACHE.result_kinds[key] = "scalar"                # optimistic while analysing itself
    guess = _infer_result_kind(fn, kinds)
    if guess != "scalar":                        # the assumption failed: recompute without it
        CACHE.result_kinds[key] = guess
        guess = _infer_result_kind(fn, kinds)
    CACHE.result_kinds[key] = guess
    return guess


def returns_integer(fn, kinds):
    """Whether `fn` called with arguments of `kinds` surely returns an int (or a float
    NumPy refuses as an index): value_kinds.returns_integers of its normalized body.
    A recursive call is assumed not to.  (Memoized: CACHE.result_kinds.)"""
    key = (fn, kinds, "integer")
    if key not in CACHE.result_kinds:
        CACHE.result_kinds[key] = False                 # while analysing itself
        view = _view_of(fn, kinds)
        CACHE.result_kinds[key] = view is not None and value_kinds.returns_integers(
            view.fn, view.integers, view.rule_of, view.integer_call)
    return CACHE.result_kinds[key]


def _infer_result_kind(fn, kinds):
    view = _view_of(fn, kinds)
    if view is None:
        return "other"
    returns = [s.value for s in n.walk(view.fn) if isinstance(s, gast.Return)
               and s.value is not None]
    words = {view.expr_kind(r) for r in returns}
    return words.pop() if len(words) == 1 else "other"


def _view_of(fn, kinds):
    """The FunctionView of `fn`'s normalized body for arguments of `kinds` (nothing
    differentiated), or None where tangentlike cannot read it."""
    try:
        parsed = parse_function(fn)
        check(parsed)
    except TangentlikeError:
        return None
    namer = Namer(names_in(parsed.node) | set(parsed.namespace))
    params = list(inspect.signature(fn).parameters)
    arg_kinds = dict(zip(params, kinds))
    modules = ModuleNames(parsed.namespace, assigned_names(parsed.node))
    normalized = normalize(parsed, namer, any(k not in ("scalar", "scalars") for k in kinds),
                           arg_kinds, modules)
    return FunctionView(parsed, normalized, [], arg_kinds, result_kind)
