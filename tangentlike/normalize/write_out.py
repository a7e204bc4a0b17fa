"""Normalize: nested functions, lambdas and callees written out at their calls.

Part of the desugaring pass (desugar.py), as the methods of `WritingOut`, which
`Desugar` inherits; they use its state (`parsed`, `namer`, `modules`, `kinds`,
`own_names`, `nested`: name -> FunctionDef of the nested functions in scope,
`inlining`: the functions being written out, `write_out_calls`) and its methods
(`block`, `expr`, `resolve`, `fail`).

Receives a call of a nested function or lambda, or of a user function that is given
a function value (`apply(lambda t: t * x, x)`; with `write_out_calls`, any call of a
user function).  Guarantees, in place of the call: assignments binding the callee's
parameters, renamed to fresh names (`g_x`, `apply_t`), to the arguments; its body,
desugared, with its jumps lowered (jumps.py), its locals renamed and its nested
definitions removed; and the expression it returns.  Names it reads from its own
module that mean something else in the caller read `module.name`.  The names the
callee reads from the enclosing function stay, so adjoints flow back to captured
variables.  Recursion through a written-out call, a function value given to what
cannot be written out, and arguments that do not match the signature are located
UnsupportedSyntaxErrors.

`written_out_callees(parsed)` names the user functions written out this way (their
source is part of the derivative's, for the cache key).
"""

import inspect

import gast

from .. import nodes as n
from ..parse import is_user_function
from ..check import check
from ..errors import TangentlikeError, UnsupportedSyntaxError
from ..naming import assigned_names
from ..parse import parse_function
from .definitions import (lambda_def, named_definitions, nested_functions,
                          reject_escaping, renamed_copy, substitute, without_definitions,
                          without_docstring)
from .devirtualize import devirtualize
from .jumps import Jumps


class WritingOut:
    """The methods of `Desugar` that write calls out (see the module docstring)."""

    def inline(self, call, out, line):
        """A call to a nested function or lambda, written out in place: its parameters
        and locals get fresh names, the names it reads from the enclosing function
        stay, so adjoints flow back to captured variables."""
        name_ = call.func.id
        if name_ in self.inlining:
            filename, file_line, column, text = self.parsed.location(call)
            raise UnsupportedSyntaxError(
                f"recursive nested function {name_!r}", "define it at module level to "
                "recurse", filename=filename, line=file_line, column=column, source_line=text)
        fdef = n.copied(self.nested[name_])
        enclosing = self.nested
        self.nested = {**enclosing, **nested_functions(fdef.body, self.parsed)}  # its own
        try:
            return self.inline_body(call, fdef, out, line)
        finally:
            self.nested = enclosing

    def inline_body(self, call, fdef, out, line):
        name_ = fdef.name
        args = [self.expr(a, out, line) for a in call.args]
        keywords = {k.arg: self.expr(k.value, out, line) for k in call.keywords}
        params = [a.id for a in fdef.args.args]
        defaults = dict(zip(params[len(params) - len(fdef.args.defaults):], fdef.args.defaults))
        self.inlining.append(name_)
        body = without_definitions(Jumps(self.namer).function_body(self.block(fdef.body)))
        self.inlining.pop()
        assigned = {x.id for s in body for x in n.walk(s)
                    if isinstance(x, gast.Name) and isinstance(x.ctx, gast.Store)}
        # (a module-level name only "mutated" through a method, `np.sort(y)`, is not one)
        local = set(params) | ({v for v in n.stored_names(body) if v in assigned
                                or v not in self.parsed.namespace} - self.namer.temporaries)
        renames = {v: self.namer.fresh(f"{name_}_{v.lstrip('_')}") for v in sorted(local)}
        for k, p in enumerate(params):
            value = args[k] if k < len(args) else keywords.get(p, defaults.get(p))
            out.append(n.assign(renames[p], value, line))
        ret = body.pop() if body and isinstance(body[-1], gast.Return) else None
        out.extend(renamed_copy(s, renames) for s in body)
        if ret is None or ret.value is None:
            return n.const(None)
        return renamed_copy(ret.value, renames)

    # -- user functions given functions ------------------------------------------
    def passes_function(self, call):
        """True when `call` passes a lambda or nested function, or passes a function
        defined elsewhere (`np.tanh`, a module-level def) to a user function."""
        values = call.args + [k.value for k in call.keywords]
        if any(self.is_local_function(a) for a in values):
            return True
        return any(self.global_function(a) for a in values) \
            and is_plain_function(self.resolve(call.func))

    def is_local_function(self, arg):
        return isinstance(arg, gast.Lambda) or (isinstance(arg, gast.Name)
                                                and arg.id in self.nested)

    def global_function(self, arg):
        obj = self.resolve(arg) if isinstance(arg, (gast.Name, gast.Attribute)) else None
        return inspect.isfunction(obj) or inspect.isbuiltin(obj) \
            or type(obj).__name__ == "ufunc"

    def inline_callee(self, call, out, line):
        """`apply(lambda t: t * x, x)`: the user function `apply`, written out in place
        with its parameters and locals renamed and the function values bound to its
        parameters, so the lambda's adjoints reach the variables it captures."""
        callee = self.resolve(call.func)
        if not is_plain_function(callee):
            self.fail(call, "passing a function value to a function tangentlike does not "
                      "differentiate through", "only Python functions defined at module "
                      "level (without a derivative rule) can be given a lambda or nested "
                      "function; call the function value directly, or write such a helper")
        if callee in self.inlining and self.write_out_calls:
            self.fail(call, f"recursive function {callee.__name__!r} in a gradient that "
                      "is differentiated again in reverse mode", "use forward over reverse "
                      "instead (tl.hessian, tl.hvp, tl.derivative), or make the recursion "
                      "a loop")
        if callee in self.inlining:
            self.fail(call, f"recursive function {callee.__name__!r} given a function "
                      "value", "pass the function to a non-recursive helper, or make "
                      "the recursion a loop")
        parsed = parse_function(callee)
        check(parsed)
        objects = self.object_kinds(call, callee)
        parsed.node.body = devirtualize(parsed.node.body, parsed, objects)
        fdef = _transplant(parsed, self.parsed, self.own_names, self.namer, self.module_name,
                           n.line_of(call))
        bound = self.bind_arguments(call, callee, fdef)
        renamed = dict(zip(inspect.signature(callee).parameters,
                           [a.id for a in fdef.args.posonlyargs + fdef.args.args
                            + fdef.args.kwonlyargs]))
        self.kinds.update((renamed[p], kind) for p, kind in objects.items())
        functions = {p: self.function_value(a) for p, a in bound.items()
                     if self.is_local_function(a)}
        references = {p: a for p, a in bound.items()
                      if p not in functions and self.global_function(a)}
        for p, value in bound.items():
            if p not in functions and p not in references:
                out.append(n.assign(p, self.expr(value, out, line), line))
        enclosing = self.nested
        self.nested = {**enclosing, **functions, **nested_functions(fdef.body, self.parsed)}
        self.inlining.append(callee)
        try:
            body = substitute(without_docstring(fdef.body), references)
            body = Jumps(self.namer).function_body(self.block(body))
        finally:
            self.inlining.pop()
            self.nested = enclosing
        reject_escaping(body, functions, self.parsed)
        body = without_definitions(body)
        ret = body.pop() if body and isinstance(body[-1], gast.Return) else None
        out.extend(body)
        return n.const(None) if ret is None or ret.value is None else ret.value

    def object_kinds(self, call, callee):
        """Parameter of `callee` -> "object:mod.Class" for the arguments whose class is
        known (so the methods called on them inside are resolved too)."""
        try:
            bound = inspect.signature(callee).bind(
                *call.args, **{k.arg: k.value for k in call.keywords}).arguments
        except TypeError:
            return {}
        return {p: self.kinds[a.id] for p, a in bound.items()
                if isinstance(a, gast.Name) and str(self.kinds.get(a.id, "")).startswith(
                    "object:")}

    def bind_arguments(self, call, callee, fdef):
        """Renamed parameter of `fdef` -> argument expression (defaults included)."""
        try:
            bound = inspect.signature(callee).bind(
                *call.args, **{k.arg: k.value for k in call.keywords}).arguments
        except TypeError as exc:
            self.fail(call, f"call of {callee.__name__!r} that does not match its "
                      f"parameters ({exc})", "pass the arguments its signature names")
        args = fdef.args
        positional = args.posonlyargs + args.args
        defaults = dict(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        defaults.update((a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults)
                        if d is not None)
        return {renamed.id: bound.get(original, defaults.get(renamed))
                for original, renamed in zip(inspect.signature(callee).parameters,
                                             positional + args.kwonlyargs)}

    def function_value(self, arg):
        """The FunctionDef a function-valued argument stands for."""
        if isinstance(arg, gast.Name):
            return self.nested[arg.id]
        return lambda_def(self.namer.fresh("lambda"), arg, n.line_of(arg))

    def module_name(self, module):
        """A name for `module` in the generated code (imported there if need be)."""
        alias = self.modules.name_for(module)
        self.parsed.namespace.setdefault(alias, module)
        self.namer.reserve(alias)
        return alias


def written_out_callees(parsed, every_call=False):
    """The user functions that calls in `parsed` give function values to (every user
    function it calls, with `every_call`), and so are written out in its derivative,
    and theirs in turn: their source is part of the derivative's."""
    found = []

    def scan(parsed, function_names):
        own = assigned_names(parsed.node)
        for call in (x for x in n.walk(parsed.node) if isinstance(x, gast.Call)):
            values = call.args + [k.value for k in call.keywords]
            if not every_call and not any(
                    isinstance(a, gast.Lambda) or isinstance(a, (gast.Name, gast.Attribute))
                    and (getattr(a, "id", None) in function_names
                         or callable(parsed.resolve_expression(a, own))) for a in values):
                continue
            callee = parsed.resolve_expression(call.func, own)
            if is_plain_function(callee) and callee not in found:
                found.append(callee)
                try:
                    inner = parse_function(callee)
                except TangentlikeError:
                    continue
                params = {a.id for a in inner.node.args.posonlyargs + inner.node.args.args
                          + inner.node.args.kwonlyargs}
                scan(inner, params | _function_names(inner.node))

    scan(parsed, _function_names(parsed.node))
    return found


def _function_names(fdef):
    """The names of the functions defined (or lambdas bound) inside `fdef`."""
    out = set()
    for x in n.walk(fdef):
        if isinstance(x, gast.FunctionDef) and x is not fdef:
            out.add(x.name)
        elif isinstance(x, gast.Assign) and isinstance(x.value, gast.Lambda) \
                and isinstance(x.targets[0], gast.Name):
            out.add(x.targets[0].id)
    return out


def is_plain_function(obj):
    """A module-level Python function without a rule: one that can be written out."""
    return is_user_function(obj) and not obj.__closure__


def _transplant(callee, caller, caller_names, namer, module_name, line):
    """A copy of the callee's FunctionDef ready to be written out inside the caller:
    its parameters, locals and nested functions get fresh names (`apply_x`), the
    module-level names it reads that mean something else in the caller become
    `module.name`, and every node takes the caller's `line`."""
    fdef = n.copied(callee.node)
    own = assigned_names(fdef) | {name_ for name_, _ in named_definitions(fdef.body)}
    name_ = callee.node.name if callee.node.name.isidentifier() else "lambda"
    prefix = name_.strip("_") or "callee"
    renames = {v: namer.fresh(f"{prefix}_{v.lstrip('_')}") for v in sorted(own)}

    class Transplant(n.Transformer):
        def visit_FunctionDef(self, node):
            node.name = renames.get(node.name, node.name)
            return self.generic_visit(node)

        def visit_Name(self, node):
            if node.id in renames:
                node.id = renames[node.id]
            elif isinstance(node.ctx, gast.Load) and _means_else(node.id, callee, caller,
                                                                  caller_names):
                module = inspect.getmodule(callee.fn)
                return gast.Attribute(value=n.name(module_name(module)), attr=node.id,
                                      ctx=gast.Load())
            return node

    fdef = Transplant().visit(fdef)
    for node in n.walk(fdef):
        if hasattr(node, "lineno"):
            node.lineno, node.col_offset = line, getattr(caller.node, "col_offset", 0)
    return fdef


def _means_else(name_, callee, caller, caller_names):
    """True when the callee's global `name_` is not what `name_` means in the caller."""
    try:
        value = callee.resolve(name_)
    except (KeyError, AttributeError):
        return False
    try:
        return name_ in caller_names or caller.resolve(name_) is not value
    except (KeyError, AttributeError):
        return True
