"""Zero sentinels: a derivative that may be the number 0.0 is never indexed or passed
to a function that needs an array.

Adjoints and tangents start as the zero sentinel `0.0` whatever the shape of their
primal, and a branch may set one back to it (`bt = 0.0` where `t` is assigned
again).  Arithmetic and the runtime helpers (`_tl.*`, `_ntl.*`) accept the sentinel;
`np.reshape(bt, s)`, `bt[1:]` or `bt.T` do not.

Receives one generated FunctionDef and its derivative names.  Guarantees that each
use of a derivative name that may hold the sentinel at that point (forward dataflow
over branches and loops) as the argument of any other call, as the value of a
subscript or of an attribute, is wrapped as `(0.0 if _ntl.is_zero(b) else use)`
(also where the operand is arithmetic that is zero with `b`, like `b * 0.5`); a
guard that is itself such a use's operand is lifted around the use
(`(0.0 if _ntl.is_zero(b) else g(b)).T` is `0.0 if _ntl.is_zero(b) else g(b).T`).
Every such use is linear in its derivative operands jointly (rule templates are
linear in the adjoints or tangents they receive), so it is zero when they all are:
a call given several (`_ntl.linspace_tangent(..., ds, dt)`) is guarded only when each
may be the sentinel, on all of them being it, and a guard is lifted only around a
call that has no other derivative operand.  Nothing else changes.  Uses that only
inspect a value (`np.shape(b)`, `len(b)`, `b.dtype`) are left alone.
"""


import gast

from . import nodes as n
from . import numpy_runtime
from . import runtime
from .naming import NUMPY_RUNTIME, RUNTIME, helper_of, is_backward_call, mark_helper
from .runtime import UPDATES_FIRST_ARGUMENT

# numpy_runtime helpers written for an adjoint that may be the sentinel
_SENTINEL_SAFE_NTL = {"is_zero", "item", "zeros_for", "dense", "spread", "add_at",
                      "subtract_at", "unreduce", "expand", "sum_like", "common_shape",
                      "in_blocks", "cast_derivative"}
# what only inspects a value (not linear in it: the sentinel answers for itself)
_INSPECTIONS = {"shape", "ndim", "size", "dtype", "len", "type", "isinstance", "result_type",
                "iscomplexobj", "isscalar", "id"}
# helpers whose result is the sentinel exactly when their first argument is
_PASSES_SENTINEL = {"unbroadcast", "copy", "writable", "expand", "sum_like"}
_CONTAINER_BUILTINS = {"len", "list", "tuple", "sorted", "reversed", "zip", "enumerate",
                       "iter", "dict", "set"}


def guarded(fn, derivative, numpy_runtime_name, helpers=(RUNTIME,),
            numpy_helpers=(NUMPY_RUNTIME,),
            numbers=(), backward=()):
    """`fn` (changed in place and returned) with the guards above.  `numpy_runtime_name()`
    gives the generated module's name for tangentlike.numpy_runtime (asked only when a
    guard is written, so that it is imported).  `helpers` and `numpy_helpers`: the names
    the code gives tangentlike.runtime and tangentlike.numpy_runtime.  `numbers`: the
    derivative names that only hold numbers (never guarded: the sentinel is one; but a
    call they reach is not zero when another operand is).  `backward`: the names of the
    callees' backward sweeps, whose adjoints may each be the sentinel (as may those of a
    call marked by naming.mark_backward)."""
    backward = frozenset(backward)
    guard = _Guards(set(derivative), numpy_runtime_name, set(helpers), set(numpy_helpers),
                    _holding_derivatives(fn, set(derivative) | set(numbers), backward),
                    backward)
    guard.block(fn.body, frozenset())
    return fn


def derivative_numbers(functions, derivatives, view):
    """The derivative names (`derivatives`: name -> its primal, None for a temporary)
    that only hold numbers in `functions`: those of primals of kind "scalar" (by the
    transformer `view`'s kinds), those a callee's backward sweep binds to the adjoint
    of a number (`view.number_results`), and the temporaries `number_temporaries`
    finds."""
    found = {d for d, x in derivatives.items() if x is not None and view.kind.get(x) == "scalar"}
    found |= view.number_results & set(derivatives)
    temporaries = {d for d, x in derivatives.items() if x is None}

    def element_is_number(adjoint, index):
        x = derivatives.get(adjoint)
        return x is not None and (view.kind.get(x) == "scalars" or index is not None
                                  and view.is_number(gast.Subscript(
                                      value=n.name(x), slice=n.copied(index),
                                      ctx=gast.Load())))
    for fn in functions:
        found |= number_temporaries(fn, temporaries, found,
                                    lambda name_: view.kind.get(name_) == "scalar",
                                    element_is_number, view.is_math)
    return found


_NUMBER_OPERATORS = (gast.Add, gast.Sub, gast.Mult, gast.Div, gast.Pow, gast.FloorDiv,
                     gast.Mod)


def number_temporaries(fn, temporaries, numbers, is_number, element_is_number,
                       is_math_function):
    """The `temporaries` (derivative names, `_b1`...) that only ever hold numbers in
    `fn`: each binding of one is a number literal, a name in `numbers` or one that
    `is_number(name)` says holds a number (a primal name of kind "scalar"), arithmetic
    or a conditional expression of those, a function of the `math` module of them
    (`is_math_function(func)`), or the element `b[i]`, `_tl.extract(b, i)` or
    `_tl.item(b, i)` (`_tl.pop_last(b)`) of an adjoint `b` whose primal's element there (every element:
    `i` None) is a number (`element_is_number(b, i)`).  To a greatest fixpoint: a temporary bound in another way (unpacking, another
    call) is not one."""
    bindings = {}
    for s in n.statements(fn):
        if isinstance(s, (gast.Assign, gast.AugAssign)):
            targets = s.targets if isinstance(s, gast.Assign) else [s.target]
            for t in targets:
                for x in n.walk(t):
                    if isinstance(x, gast.Name) and x.id in temporaries:
                        plain = n.is_name(t) and isinstance(s, gast.Assign)
                        bindings.setdefault(x.id, []).append(s.value if plain else None)
        elif isinstance(s, gast.For):
            for x in n.walk(s.target):
                if isinstance(x, gast.Name) and x.id in temporaries:
                    bindings.setdefault(x.id, []).append(None)
    found = set(bindings)
    changed = True
    while changed:
        changed = False
        known = set(numbers) | found

        def number(e):
            if isinstance(e, gast.Constant):
                return type(e.value) in (int, float)
            if isinstance(e, gast.Name):
                return e.id in known or e.id not in temporaries and is_number(e.id)
            if isinstance(e, gast.BinOp):
                return isinstance(e.op, _NUMBER_OPERATORS) and number(e.left) \
                    and number(e.right)
            if isinstance(e, gast.UnaryOp):
                return isinstance(e.op, (gast.USub, gast.UAdd)) and number(e.operand)
            if isinstance(e, gast.IfExp):
                return number(e.body) and number(e.orelse)
            if isinstance(e, gast.Subscript) and n.is_name(e.value):      # `b[i]`
                return element_is_number(e.value.id, e.slice)
            if isinstance(e, gast.Call) and not e.keywords:
                if helper_of(e) in (runtime.extract, runtime.item) and len(e.args) == 2 \
                        and n.is_name(e.args[0]):
                    return element_is_number(e.args[0].id, e.args[1])
                if helper_of(e) is runtime.pop_last and len(e.args) == 1 \
                        and n.is_name(e.args[0]):                # (its last element)
                    return element_is_number(e.args[0].id, None)
                return is_math_function(e.func) and all(number(a) for a in e.args)
            return False
        for name_ in sorted(found):
            if not all(v is not None and number(v) for v in bindings[name_]):
                found.discard(name_)
                changed = True
    return frozenset(found)


def _holding_derivatives(fn, names, backward=frozenset()):
    """The derivative `names` that may hold a derivative value: those bound outside `fn`
    (parameters: seeds, tangents), to the zero sentinel, or to a value computed from
    one, or the adjoints a callee's backward sweep (named in `backward`) returns.  A
    temporary the transformer named like an adjoint but bound to the user's values
    (`_b1 = z.T`) is not one."""
    params = {a.id for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    holding = names & params
    readers = {}                                    # name -> the bound sets its value reads
    for bound, value in _bindings(fn, names):
        if _is_zero(value) or _backward_call(value, backward):
            holding |= bound
        else:
            for read in {x.id for x in n.walk(value) if isinstance(x, gast.Name)}:
                readers.setdefault(read, []).append(bound)
    todo = list(holding)                            # to the least fixpoint, name by name
    while todo:
        for bound in readers.pop(todo.pop(), ()):
            todo.extend(bound - holding)
            holding |= bound
    return holding


def _bindings(fn, names):
    """(the `names` a statement of `fn` binds, the value it binds them to), where some."""
    for s in n.statements(fn):
        if isinstance(s, (gast.Assign, gast.AugAssign)):
            targets = s.targets if isinstance(s, gast.Assign) else [s.target]
            bound = {x.id for t in targets for x in n.walk(t) if isinstance(x, gast.Name)}
            if bound & names:
                yield bound & names, s.value
        elif isinstance(s, gast.For) and _targets(s.target) & names:
            yield _targets(s.target) & names, s.iter


def _backward_call(expr, backward):
    """Is `expr` a call of a callee's backward sweep (named in `backward`, or marked)?"""
    return is_backward_call(expr) or (isinstance(expr, gast.Call) and isinstance(
        expr.func, gast.Name) and expr.func.id in backward)


class _Guards:
    def __init__(self, derivative, numpy_runtime_name, helpers, numpy_helpers, holding,
                 backward=()):
        self.derivative = derivative
        self.backward = frozenset(backward)     # names of the callees' backward sweeps
        self.holding = holding          # derivative names that may hold derivative values
        self.numpy_runtime_name = numpy_runtime_name
        self.helpers, self.numpy_helpers = helpers, numpy_helpers

    def is_backward(self, expr):
        return _backward_call(expr, self.backward)

    def block(self, body, maybe):
        for s in body:
            maybe = self.statement(s, maybe)
        return maybe

    def statement(self, s, maybe):
        if isinstance(s, gast.If):
            self.uses(s.test, maybe, s, "test")
            return self.block(s.body, maybe) | self.block(s.orelse, maybe)
        if isinstance(s, (gast.For, gast.While)):
            if isinstance(s, gast.For):
                maybe = maybe - _targets(s.target)
            while True:                           # to a fixpoint: the sets only grow
                after = self.block(s.body, maybe)
                if isinstance(s, gast.For):
                    after = after - _targets(s.target)
                if after <= maybe:
                    break
                maybe = maybe | after
            return self.block(s.orelse, maybe)
        if isinstance(s, gast.Assign):
            self.uses(s.value, maybe, s, "value")
            may_be_zero = self.may_be_zero(s.value, maybe)
            for t in s.targets:
                if isinstance(t, gast.Name):
                    zero = may_be_zero and t.id in self.derivative
                    maybe = maybe | {t.id} if zero else maybe - {t.id}
                else:
                    self.uses(t, maybe, s, None)
                    if may_be_zero and not isinstance(t, gast.Subscript):   # unpacked:
                        maybe = maybe | (_targets(t) & self.derivative)    # each may be
                    # (a store into an element leaves the container a container)
            return frozenset(maybe)
        if isinstance(s, (gast.Expr, gast.Return, gast.AugAssign)):
            if getattr(s, "value", None) is not None:
                self.uses(s.value, maybe, s, "value")
            return maybe
        return maybe

    def may_be_zero(self, expr, maybe):
        """Can the value of `expr` be the zero sentinel?"""
        if isinstance(expr, gast.Constant):
            return _is_zero(expr)
        if isinstance(expr, gast.Name):
            return expr.id in maybe
        if isinstance(expr, gast.BinOp):
            return self.zero_test(expr, maybe, build=False) is not None
        if isinstance(expr, gast.UnaryOp):
            return self.may_be_zero(expr.operand, maybe)
        if isinstance(expr, gast.IfExp):
            return self.may_be_zero(expr.body, maybe) or self.may_be_zero(expr.orelse, maybe)
        if self.is_backward(expr):       # a callee's adjoint of an array may be the sentinel
            return True
        if isinstance(expr, gast.Call) and self.is_helper(expr.func):
            # an item of an adjoint list may be the sentinel whatever the list is
            return _last_word(expr.func) == "item" \
                or any(self.may_be_zero(a, maybe) for a in expr.args)
        return False

    def uses(self, node, maybe, owner, field):
        """Wrap, inside `node` (the `field` of statement `owner`), each use above of a
        name in `maybe` that is not guarded already."""
        if not maybe:
            return
        replaced = self.rewrite(self.products(node, maybe), maybe)
        if field is not None and replaced is not node:
            setattr(owner, field, replaced)

    def products(self, node, maybe):
        """`node` with each outermost product that is zero when a name in `maybe` is
        (`bt * 1.5 * t ** 0.5`) guarded: the sentinel stands for a derivative that is
        exactly zero, and zero times a local derivative that is not finite (the slope
        of `t ** 1.5` at t < 0) is zero, as with the symbolic zeros of other systems."""
        if isinstance(node, gast.BinOp) and isinstance(node.op, (gast.Mult, gast.MatMult,
                                                                 gast.Div)):
            test = self.zero_test(node, maybe)
            if test is not None:
                guard = gast.IfExp(test=test, body=n.const(0.0), orelse=node)
                guard._zero_guard = True
                return guard
        if _is_guard(node):
            return node
        for field, value in gast.iter_fields(node):
            if isinstance(value, gast.AST):
                setattr(node, field, self.products(value, maybe))
            elif isinstance(value, list):
                value[:] = [self.products(v, maybe) if isinstance(v, gast.AST) else v
                            for v in value]
        return node

    def rewrite(self, node, maybe):
        """`node`, or a copy with its unsafe uses wrapped (children first)."""
        if isinstance(node, gast.IfExp) and getattr(node, "_zero_guard", False):
            return node
        for field, value in gast.iter_fields(node):
            if isinstance(value, gast.AST):
                new = self.rewrite(value, maybe)
                if new is not value:
                    setattr(node, field, new)
            elif isinstance(value, list):
                value[:] = [self.rewrite(v, maybe) if isinstance(v, gast.AST) else v
                            for v in value]
        return self.wrapped(node, maybe)

    def wrapped(self, node, maybe):
        """`node`, its children already rewritten, with its own unsafe use wrapped."""
        position = self.guarded_operand(node)
        if position is not None:                  # `(0.0 if z else g).T`: the guard's 0.0
            if position is _VALUE:                # reaches the use too, so lift the guard
                guard, node.value = node.value, node.value.orelse
            else:
                guard = node.args[position]
                node.args[position] = guard.orelse
            guard.orelse = self.wrapped(node, maybe)
            return guard
        test = self.unsafe_test(node, maybe)
        if test is None:
            return node
        guard = gast.IfExp(test=test, body=n.const(0.0), orelse=_without_guards_on(node, test))
        guard._zero_guard = True
        return guard

    def unsafe_test(self, node, maybe):
        """The test that an operand of `node`, used in a way the sentinel does not allow,
        is the sentinel (None when no operand may be)."""
        if isinstance(node, (gast.Subscript, gast.Attribute)) \
                and isinstance(node.ctx, gast.Load) \
                and getattr(node, "attr", None) not in _INSPECTIONS:
            return self.zero_test(node.value, maybe)
        if isinstance(node, gast.Call) and self.needs_values(node.func) \
                and _last_word(node.func) not in _INSPECTIONS:
            tests = []
            for a in self.derivative_operands(node):
                test = self.zero_test(a, maybe)
                if test is None:    # a derivative that may be non-zero: the call may be too
                    return None
                tests.append(test)
            return _joined(gast.And(), tests) if tests else None
        return None

    def has_unsafe_use(self, expr, maybe):
        """Does `expr` hold a use that the sentinel would break (so that it may not be
        evaluated in a guard's test)?"""
        if _is_guard(expr):
            return False                  # (its test is safe, and so is its use)
        if self.unsafe_test(expr, maybe) is not None:
            return True
        return any(self.has_unsafe_use(x, maybe) for x in n.children(expr))

    def derivative_operands(self, call):
        """The operands of `call` that hold derivative values (read a derivative name or
        are a guard): the call is linear in them jointly, so zero when they all are."""
        return [a for a in list(call.args) + [k.value for k in call.keywords]
                if _is_guard(a) or any(isinstance(x, gast.Name) and x.id in self.holding
                                       for x in n.walk(a))]

    def is_zero(self, expr):
        """`_ntl.is_zero(expr)`, marked."""
        return mark_helper(n.call(f"{self.numpy_runtime_name()}.is_zero", expr),
                           numpy_runtime.is_zero)

    def zero_test(self, expr, maybe, build=True):
        """A test that the value of `expr` is the sentinel, where a name in `maybe` can
        make it so (`bt * 0.5`, `-bt`, `bt + bu`), else None (`build=False`: True in
        place of the test, which is then not written)."""
        if isinstance(expr, gast.Name) and expr.id in maybe:
            return self.is_zero(n.name(expr.id)) \
                if build else True
        if isinstance(expr, gast.UnaryOp) and isinstance(expr.op, (gast.USub, gast.UAdd)):
            return self.zero_test(expr.operand, maybe, build)
        if _is_guard(expr):                       # (0.0 if z else g) is the sentinel when z is
            return n.copied(expr.test) if build else True
        if isinstance(expr, gast.Call) and self.is_helper(expr.func):
            word = _last_word(expr.func)
            if word in _PASSES_SENTINEL and expr.args:      # `_tl.unbroadcast(bt, x)`
                return self.zero_test(expr.args[0], maybe, build)
            if (word == "item" or word not in UPDATES_FIRST_ARGUMENT and any(
                    self.may_be_zero(a, maybe) for a in expr.args)) \
                    and not self.has_unsafe_use(expr, maybe):
                # an item of a tuple's adjoint, or another helper given the sentinel
                # (these write nothing: tested on its value); a helper other than
                # `item` is linear in its derivative operands, so zero when they all
                # are: tested on them, not computed twice
                tests = [self.zero_test(a, maybe, build)
                         for a in self.derivative_operands(expr)] if word != "item" else []
                if tests and None not in tests:
                    return _joined(gast.And(), tests) if build else True
                return self.is_zero(n.copied(expr)) \
                    if build else True
            return None
        if not isinstance(expr, gast.BinOp):
            return None
        left = self.zero_test(expr.left, maybe, build)
        right = self.zero_test(expr.right, maybe, build)
        tests = [t for t in (left, right) if t is not None]
        if isinstance(expr.op, (gast.Add, gast.Sub)):     # zero when both terms are
            if (left is None and not _is_zero(expr.left)) \
                    or (right is None and not _is_zero(expr.right)):
                return None
            return _joined(gast.And(), tests)
        if isinstance(expr.op, (gast.Mult, gast.MatMult)):  # zero when a factor is
            return _joined(gast.Or(), tests)
        return left if isinstance(expr.op, gast.Div) else None

    def needs_values(self, func):
        """Does a call of `func` need real values (NumPy, math, methods, container
        builtins)?  Generated functions and the runtime helpers take the sentinel."""
        if isinstance(func, gast.Name):
            return func.id in _CONTAINER_BUILTINS
        return not self.is_helper(func)

    def is_helper(self, func):
        """A call of the runtime helpers that take the sentinel: all of runtime's (by its
        contract), and those of numpy_runtime's that say so."""
        if not (isinstance(func, gast.Attribute) and isinstance(func.value, gast.Name)):
            return False
        if func.value.id in self.numpy_helpers:
            return func.attr in _SENTINEL_SAFE_NTL
        return func.value.id in self.helpers

    def guarded_operand(self, node):
        """Where `node` uses a guard as the sentinel may not be used: `_VALUE` (of a
        subscript or attribute), the position of an argument of a call needing values, or
        None."""
        if isinstance(node, (gast.Subscript, gast.Attribute)) and isinstance(node.ctx, gast.Load) \
                and _is_guard(node.value) and getattr(node, "attr", None) not in _INSPECTIONS:
            return _VALUE
        if isinstance(node, gast.Call) and self.needs_values(node.func) \
                and _last_word(node.func) not in _INSPECTIONS:
            operands = self.derivative_operands(node)
            if len(operands) != 1:    # (several: the guard of one does not cover the others)
                return None
            for i, a in enumerate(node.args):
                if a is operands[0] and _is_guard(a):
                    return i
        return None


def _is_zero(expr):
    return isinstance(expr, gast.Constant) and not isinstance(expr.value, bool) \
        and isinstance(expr.value, (int, float)) and expr.value == 0


def _joined(op, tests):
    if all(isinstance(t, gast.AST) for t in tests):      # (a test written once)
        tests = list({gast.dump(t): t for t in tests}.values())
    if len(tests) < 2:
        return tests[0] if tests else None
    return gast.BoolOp(op=op, values=tests)


def _without_guards_on(node, test):
    """`node` with each guard inside it that tests `test` replaced by its value: inside
    a guard on `test`, that test is known false."""
    if _is_guard(node) and gast.dump(node.test) == gast.dump(test):
        return _without_guards_on(node.orelse, test)
    for field, value in gast.iter_fields(node):
        if isinstance(value, gast.AST):
            setattr(node, field, _without_guards_on(value, test))
        elif isinstance(value, list):
            value[:] = [_without_guards_on(v, test) if isinstance(v, gast.AST) else v
                        for v in value]
    return node


_VALUE = "value"


def _is_guard(node):
    return isinstance(node, gast.IfExp) and getattr(node, "_zero_guard", False)


def _last_word(func):
    return func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", None)


def _targets(target):
    return {x.id for x in n.walk(target) if isinstance(x, gast.Name)}

