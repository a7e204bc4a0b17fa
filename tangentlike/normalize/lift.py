"""Normalize: the nested functions given to tangentlike's own derivatives, lambda-lifted.

Receives the body of a checked function and its `ParsedFunction`.  Guarantees, for
each nested def or lambda that a call in the body (outside nested definitions) gives
to a maker of derivatives (`tl.grad`, `tl.value_and_grad`, `tl.derivative`, `tl.jvp`,
`tl.hvp`: the objects marked `parse.MAKES_GRADIENTS`), a function of its own, its *lifted*
copy: the same
body, with one more parameter in front for each variable it reads from the enclosing
function (its free variables, in order of first reading), compiled with the user's
file and lines and the enclosing function's globals, so its derivative is ordinary
generated code.  At the call, `tl.grad(inner, wrt=k)` becomes
`tl.grad(inner_lifted, wrt=k + len(free))` and every call of that gradient passes the
free variables first: `tl.grad(inner)(1.0)` reads `tl.grad(inner_lifted)(x, 1.0)`.
The derivative of the enclosing function then differentiates that call like any call
of a gradient, with respect to explicit arguments, so a perturbation of `x` is never
confused with one of `y`.  `tl.derivative(inner)` of a closure becomes
`tl.grad(inner_lifted, wrt=len(free))` (the same value for its contract, a scalar
function of one float).  `tl.jvp(h, (a, b), (u, v))` (h lifted or not) becomes
`tl.jvp.pushforward(h)(a, b, u, v)`, and `tl.hvp(h, (a, b), (u, v))` becomes
`tl.hvp.hessian_product(h)(a, b, u, v)`: calls of a derivative (higher.pushforward,
higher.hessian_product).

`lifted_functions(parsed)` gives name -> lifted function, the same objects each time
(memoized per enclosing function): the loader puts them in the generated module's
scope.  `lift(body, parsed, namer)` rewrites the body (a copy of what changes) and
adds the names to `parsed.namespace`.  Located UnsupportedSyntaxErrors: a call of a
derivative that must stay outside differentiated code (`parse.OUTSIDE_ONLY`: tl.vjp,
tl.hessian, tl.jacobian, and tl.derivative of order > 1), a tl.jvp or tl.hvp whose
primals and tangents (vectors) are not two literal tuples, keyword arguments in a call of a
gradient (its derivative would miss them), a lifted function reading another nested
function, a non-literal `wrt`, and a gradient of a nested function used other than
by calling it.
"""

import ast
import types
import weakref

import gast

from .. import nodes as n
from ..errors import UnsupportedSyntaxError
from ..naming import names_in
from ..parse import (LIFTED, MAKES_GRADIENTS, OUTSIDE_ONLY, ParsedFunction,
                     function_namespace)
from .definitions import is_definition, named_definitions, nested_functions, \
    outside_definitions

_MEMO = weakref.WeakKeyDictionary()       # enclosing function -> {key: _Lifted}
# makers whose calls become calls of a derivative: the attribute of the maker that makes it
_PRODUCTS = {"jvp": "pushforward", "hvp": "hessian_product"}


class _Lifted:
    """One lifted function: its global name, the function, its free variables."""

    def __init__(self, name_, function, free):
        self.name, self.function, self.free = name_, function, tuple(free)


def lifted_functions(parsed):
    """name -> lifted function, for each nested function given to a gradient maker."""
    return {x.name: x.function for x in _lifts(parsed).values()}


def lift(body, parsed, namer):
    """`body` with its gradients of nested functions taken of their lifted copies (see
    the module docstring); `parsed.namespace` gains the lifted functions' names."""
    outside = list(outside_definitions(body))
    own = _enclosing_locals(parsed.node, body, outside)
    _reject_unsupported(outside, parsed, own)
    lifts = _lifts(parsed, body)
    if not lifts and not any(_maker(parsed, x, own) in _PRODUCTS for x in outside):
        return body
    for x in lifts.values():
        parsed.namespace[x.name] = x.function
        namer.reserve(x.name)
    body = n.copied(body)
    return _Rewrite(parsed, lifts, body).body


# -- what is lifted ------------------------------------------------------------------


def _maker(parsed, call, own):
    """What gradient maker `call` calls ('grad', 'value_and_grad', 'derivative'), or None."""
    if not isinstance(call, gast.Call):
        return None
    return getattr(parsed.resolve_expression(call.func, own), MAKES_GRADIENTS, None) or None


def _given(call, nested):
    """The nested function (a name in `nested`) or lambda `call` gives first, or None."""
    if not call.args:
        return None
    arg = call.args[0]
    if isinstance(arg, gast.Lambda) or isinstance(arg, gast.Name) and arg.id in nested:
        return arg
    return None


def _key(arg):
    return ("def", arg.id) if isinstance(arg, gast.Name) else ("lambda", arg.lineno,
                                                               arg.col_offset)


def _lifts(parsed, body=None):
    """key -> _Lifted for the nested functions `parsed`'s body gives to gradient makers
    (made once per enclosing function; keys as `_key`)."""
    fn = parsed.fn
    try:
        memo = _MEMO.get(fn)
    except TypeError:
        memo = None
    if memo is not None:
        return memo
    body = parsed.node.body if body is None else body
    nested = nested_functions(body, parsed)
    outside = list(outside_definitions(body))
    own = _enclosing_locals(parsed.node, body, outside)
    taken = names_in(parsed.node) | set(parsed.namespace)
    found = {}
    for call in outside:
        if not _maker(parsed, call, own):
            continue
        arg = _given(call, nested)
        if arg is None or _key(arg) in found:
            continue
        fdef = nested[arg.id] if isinstance(arg, gast.Name) else gast.FunctionDef(
            name=f"lambda{arg.lineno + parsed.line_offset}", args=arg.args,
            body=[gast.copy_location(gast.Return(value=arg.body), arg)],
            decorator_list=[], returns=None, type_comment=None, type_params=[])
        if not isinstance(arg, gast.Name):
            gast.copy_location(fdef, arg)
        free = _free_variables(fdef, own, nested, parsed)
        name_ = f"{fdef.name}_lifted"
        k = 2
        while name_ in taken:
            name_, k = f"{fdef.name}_lifted{k}", k + 1
        taken.add(name_)
        found[_key(arg)] = _Lifted(name_, _compile(parsed, fdef, free, name_), free)
    try:
        _MEMO[fn] = found
    except TypeError:
        pass
    return found


def _enclosing_locals(fdef, body, outside):
    """The parameters of the enclosing function and the names its body assigns
    (nested definitions' names included, their own locals not); `outside`: the nodes
    of `body` outside its nested definitions (`outside_definitions`)."""
    args = fdef.args
    out = {a.id for a in args.posonlyargs + args.args + args.kwonlyargs}
    out |= {a.id for a in (args.vararg, args.kwarg) if a is not None}
    for node in outside:
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
            out.add(node.id)
    return out | {name_ for name_, _ in named_definitions(body)}


def _free_variables(fdef, enclosing, nested, parsed):
    """The enclosing function's variables `fdef` reads, in order of first reading."""
    args = fdef.args
    own = {a.id for a in args.posonlyargs + args.args + args.kwonlyargs}
    own |= {a.id for a in (args.vararg, args.kwarg) if a is not None}
    own |= {x.id for s in fdef.body for x in n.walk(s)
            if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store)}
    own |= {x.name for s in fdef.body for x in n.walk(s) if isinstance(x, gast.FunctionDef)}
    free = [v for v in n.loaded_names(gast.Module(body=fdef.body, type_ignores=[]))
            if v in enclosing and v not in own]
    for v in free:
        if v in nested:
            _fail(parsed, fdef, f"a nested function given to a tangentlike derivative that "
                  f"reads the nested function {v!r}", f"define {v} at module level (or "
                  f"inside {fdef.name})")
    return free


def _compile(parsed, fdef, free, name_):
    """The lifted function: `fdef` with parameters `free` in front, compiled with the
    user's file and lines and the enclosing function's globals (plus its closure)."""
    node = n.copied(fdef)
    node.name = name_
    node.decorator_list = []
    params = [gast.Name(id=v, ctx=gast.Param(), annotation=None, type_comment=None)
              for v in free]
    if node.args.posonlyargs:
        node.args.posonlyargs = params + node.args.posonlyargs
    else:
        node.args.args = params + node.args.args
    tree = gast.gast_to_ast(gast.Module(body=[n.copied(node)], type_ignores=[]))
    ast.increment_lineno(tree, parsed.line_offset)
    ast.fix_missing_locations(tree)
    fn = parsed.fn
    scope = function_namespace(fn) if getattr(fn, "__closure__", None) else fn.__globals__
    made = {}
    try:
        exec(compile(tree, parsed.filename, "exec"), dict(scope), made)   # noqa: S102
    except NameError as exc:          # a default that reads the enclosing function
        _fail(parsed, fdef, f"a default of a nested function given to a tangentlike "
              f"derivative reads a local variable ({exc})", "pass that value as an argument")
    template = made[name_]
    function = types.FunctionType(template.__code__, scope, name_, template.__defaults__)
    function.__kwdefaults__ = template.__kwdefaults__
    function.__qualname__ = f"{getattr(fn, '__qualname__', fn.__name__)}.<locals>.{name_}"
    function.__module__ = getattr(fn, "__module__", None)

    # (what the ParsedFunction needs, not `parsed`: the enclosing function must not be
    # kept alive by its lifted functions, which _MEMO holds as long as it lives)
    where = dict(filename=parsed.filename, line_offset=parsed.line_offset,
                 source_lines=parsed.source_lines, source=parsed.source,
                 column_offset=parsed.column_offset)

    def parsed_lifted():
        return ParsedFunction(fn=function, node=n.copied(node),
                              namespace=function_namespace(function), **where)
    setattr(function, LIFTED, parsed_lifted)
    return function


# -- the calls, rewritten --------------------------------------------------------------


class _Rewrite(n.Transformer):
    """`tl.grad(inner, ...)` -> `tl.grad(inner_lifted, shifted wrt)`; its calls (direct,
    or through the local it is assigned to) pass the free variables first."""

    def __init__(self, parsed, lifts, body):
        self.parsed, self.lifts = parsed, lifts
        self.own = _enclosing_locals(parsed.node, body, list(outside_definitions(body)))
        self.nested = nested_functions(body, parsed)
        self.bound = {}                       # local name -> free variables of its gradient
        self.called = set()                   # id() of Names that are called
        for s in outside_definitions(body):
            if isinstance(s, gast.Assign) and _maker(parsed, s.value, self.own) \
                    not in (None, *_PRODUCTS) and _given(s.value, self.nested) is not None:
                target = s.targets[0] if len(s.targets) == 1 else None
                if not isinstance(target, gast.Name):
                    _fail(parsed, s, "a gradient of a nested function assigned to "
                          "something other than one name", "assign it to a name: "
                          "g = tl.grad(inner)")
                self.bound[target.id] = self.lifts[_key(_given(s.value, self.nested))].free
        self.body = [s if is_definition(s) else self.visit(s) for s in body]
        self._check_uses()

    def visit_FunctionDef(self, node):        # nested definitions stay as they are
        return node

    def visit_Lambda(self, node):
        return node

    def visit_Call(self, node):
        node.func = self.visit(node.func)
        node.args = [self.visit(a) for a in node.args]
        node.keywords = [self.visit(k) for k in node.keywords]
        maker = _maker(self.parsed, node, self.own)
        arg = _given(node, self.nested) if maker else None
        if maker in _PRODUCTS:
            return self._product(node, maker,
                                 self.lifts[_key(arg)] if arg is not None else None)
        if arg is not None:
            return self._lifted_maker(node, maker, self.lifts[_key(arg)])
        free = getattr(node.func, "lifted_free", None)
        if free is None and isinstance(node.func, gast.Name) and node.func.id in self.bound:
            free = self.bound[node.func.id]
            self.called.add(id(node.func))
        if free:
            node.args = [n.name(v) for v in free] + node.args
        return node

    def _lifted_maker(self, call, maker, lifted):
        shift = len(lifted.free)
        call.args[0] = gast.copy_location(n.name(lifted.name), call.args[0])
        if maker == "derivative":
            if shift:
                if not isinstance(call.func, gast.Attribute):
                    _fail(self.parsed, call, "tl.derivative of a nested function that "
                          "reads the enclosing function's variables, called by a bare name",
                          "write tl.derivative(...) or tl.grad(...)")
                call.func = gast.Attribute(value=call.func.value, attr="grad",
                                           ctx=gast.Load())
                call.args, call.keywords = call.args[:1], [
                    gast.keyword(arg="wrt", value=n.const(shift))]
        elif shift:
            self._shift_wrt(call, shift)
        call.lifted_free = lifted.free
        return call

    def _product(self, call, maker, lifted):
        """`tl.jvp(h, (a, b), (u, v))` -> `tl.jvp.pushforward(h)(a, b, u, v)` (with `h`
        lifted: `tl.jvp.pushforward(h_lifted, 1)(x, a, b, u, v)`), a call of a
        derivative (higher.pushforward); `tl.hvp` alike, with `hessian_product`."""
        primals, tangents = (call.args + [None, None])[1:3]
        if call.keywords or len(call.args) != 3 or not all(
                isinstance(x, (gast.Tuple, gast.List)) for x in (primals, tangents)) \
                or len(primals.elts) != len(tangents.elts):
            what = "tangents" if maker == "jvp" else "vectors"
            _fail(self.parsed, call, f"tl.{maker} inside a function that is differentiated, "
                  f"given its primals or {what} other than as two tuples of one length",
                  f"write tl.{maker}(f, (a, b), (u, v)) there")
        free = lifted.free if lifted is not None else ()
        function = n.name(lifted.name) if lifted is not None else call.args[0]
        derivative = gast.Call(func=gast.Attribute(value=call.func, attr=_PRODUCTS[maker],
                                                   ctx=gast.Load()),
                               args=[function] + ([n.const(len(free))] if free else []),
                               keywords=[])
        out = gast.Call(func=gast.copy_location(derivative, call),
                        args=[n.name(v) for v in free] + primals.elts + tangents.elts,
                        keywords=[])
        return gast.copy_location(out, call)

    def _shift_wrt(self, call, shift):
        if len(call.args) > 1:
            call.args[1] = self._shifted(call.args[1], shift, call)
            return
        for k in call.keywords:
            if k.arg == "wrt":
                k.value = self._shifted(k.value, shift, call)
                return
        call.keywords.append(gast.keyword(arg="wrt", value=n.const(shift)))

    def _shifted(self, wrt, shift, call):
        if isinstance(wrt, gast.Tuple):
            return gast.Tuple(elts=[self._shifted(e, shift, call) for e in wrt.elts],
                              ctx=gast.Load())
        if n.is_const(wrt) and isinstance(wrt.value, str):
            return wrt
        if n.is_const(wrt) and isinstance(wrt.value, int) and not isinstance(wrt.value, bool):
            return n.const(wrt.value + shift)
        _fail(self.parsed, call, "a `wrt` that is not a literal, for a gradient of a nested "
              "function that reads the enclosing function's variables",
              "write wrt as a literal position or name (wrt=0, wrt='y')")

    def _check_uses(self):
        """A gradient of a nested function that is stored, passed on, or assigned twice
        would be called without the variables it needs: a located error."""
        assigned = {}
        for node in outside_definitions(self.body):
            if not isinstance(node, gast.Name) or node.id not in self.bound:
                continue
            if isinstance(node.ctx, gast.Store):
                assigned[node.id] = assigned.get(node.id, 0) + 1
                if assigned[node.id] > 1:
                    _fail(self.parsed, node, f"{node.id!r}, a gradient of a nested function, "
                          "assigned more than once", "give each gradient a name of its own")
            elif id(node) not in self.called and self.lifts_free(node.id):
                _fail(self.parsed, node, f"{node.id!r}, a gradient of a nested function "
                      "that reads the enclosing function's variables, used other than by "
                      "calling it", f"call it here ({node.id}(...))")

    def lifts_free(self, name_):
        return bool(self.bound.get(name_))


def _reject_unsupported(outside, parsed, own):
    """A call, among the nodes `outside` the body's nested definitions, of a derivative
    tangentlike cannot differentiate again, or of a gradient given keyword arguments
    (its derivative follows the positional ones).  `own`: the enclosing function's
    locals (_enclosing_locals)."""
    gradients = {s.targets[0].id for s in outside
                 if isinstance(s, gast.Assign) and isinstance(s.targets[0], gast.Name)
                 and _maker(parsed, s.value, own) not in (None, *_PRODUCTS)}
    for call in outside:
        if not isinstance(call, gast.Call):
            continue
        if call.keywords and (isinstance(call.func, gast.Name) and call.func.id in gradients
                              or _maker(parsed, call.func, own) not in (None, *_PRODUCTS)):
            _fail(parsed, call, "keyword arguments in a call of a gradient inside a "
                  "function that is differentiated", "pass them by position")
        obj = parsed.resolve_expression(call.func, own)
        what = getattr(obj, OUTSIDE_ONLY, None)
        order = [k.value for k in call.keywords if k.arg == "order"] + call.args[1:2]
        if what is None and getattr(obj, MAKES_GRADIENTS, None) == "derivative" and order \
                and not n.is_const(order[0], 1):
            what = "tl.derivative of order other than 1"
        if what is not None:
            _fail(parsed, call, f"{what} inside a function that is differentiated", "inside "
                  "differentiated code use tl.grad, tl.value_and_grad, tl.jvp, tl.hvp or "
                  "tl.derivative (order 1), which nest; take the other derivatives of the "
                  "outer function from outside (tl.hessian, tl.jacobian, tl.derivative(f, "
                  "order=n))")


def _fail(parsed, node, what, hint):
    filename, line, column, text = parsed.location(node)
    raise UnsupportedSyntaxError(what, hint, filename=filename, line=line, column=column,
                                 source_line=text)
