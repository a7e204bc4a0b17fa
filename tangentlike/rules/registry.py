"""The one registry of derivative rules, shared by reverse and forward mode.

Receives rule registrations: templates written as plain Python functions.
Guarantees one `Rule` record per callable, holding its adjoint templates (one
per call arity), its tangent template and its flags; templates are parsed and
validated when they are registered, so a wrong placeholder fails at registration
naming the template, never later while transforming.  tangentlike's own rule tables
are the exception, so that importing the package stays fast: their templates are
checked from their signatures when the package is imported, and parsed, validated
and (for elementwise declarations) derived the first time a rule's template is
read (rules/templates.py), giving exactly the templates an eager registration gives.

An elementwise function is declared once, by its local derivative
(`elementwise`): one partial derivative per differentiable parameter, from which
both templates are derived (rules/derive.py), for every callable it names:

    @elementwise(np.sin, math.sin)
    def sin(ans, x):
        return xp.cos(x)

gives np.sin the adjoint `g * np.cos(x)` and the tangent `dx * np.cos(x)`, and
math.sin the same with `math.cos`: in a declaration `xp` is the module of the
callable (numpy for NumPy's functions, math for math's), and stays the module
chosen by the inputs (below) for operators and builtins.  The derived templates are
ordinary ones, registered as `adjoint` and `tangent` register theirs, with their
source readable by `inspect.getsource`.  Linear callables (`linear`) declare only
the adjoint; their tangent is the callable applied to the tangents.  Tangent
templates (`tangent`) take `ans`, the callee's parameters and `d<param>` for each
differentiable one.

An adjoint template reads like the math:

    @adjoint(math.sin)
    def sin(g, ans, x):
        return g * math.cos(x)

`g` is the adjoint of the result, `ans` the result, and the remaining parameters
mirror the callable's (defaults included; parameters after `*` bind by keyword
only).  The body may assign locals and ends with `return`: one expression per
differentiable parameter, in order (a tuple when there are several).  `if p is
None:` on a parameter is resolved when the template is inlined.  Names other than
parameters and locals must be modules; `xp` stands for `math` when every input is
a Python scalar and for `numpy` otherwise.  A parameter named `out` (NumPy's output
array) mirrors the signature only: a call that passes `out=` matches no template,
so a result written into an array raises NoDerivativeError instead of losing its
derivative.

Every callable reaching a transformer either has a rule here with a template that
accepts the call, is declared non-differentiable, or makes the transformer raise
NoDerivativeError: nothing defaults to a zero derivative.  A registration replaces
what it overrides: the callable's templates registered by another module, in both
modes (a user's adjoint for a built-in callable leaves it no built-in tangent, so
the two modes never disagree), and a template of the same mode and parameters; a
module may register several arities of one callable, and both its modes.
tangentlike's own rule tables count as one module.  Declaring a callable
non-differentiable when it has templates raises unless `replace=True`.  `version()`
counts registrations and `fingerprint()` hashes every rule's content, for the
caches of generated code.
"""

import hashlib
import importlib
import inspect
import linecache
import math
from dataclasses import dataclass, field

import numpy

from ..errors import RuleError
from .templates import XP, Template, built_ins_registered, parse_template, template_label


@dataclass
class Rule:
    """Everything tangentlike knows about differentiating one callable."""
    callable: object
    name: str
    adjoints: list = field(default_factory=list)   # Templates, tried in order
    tangents: list = field(default_factory=list)   # Templates, tried in order
    nondifferentiable: bool = False
    linear: bool = False          # tangent = the callable applied to the tangents
    broadcasts: bool = False      # elementwise with NumPy broadcasting
    scalar: bool = False          # Python scalars in -> Python scalar out

    @property
    def tangent(self):
        """The first tangent template, or None."""
        return self.tangents[0] if self.tangents else None

    def adjoint_for(self, n_args, keywords):
        return _first_accepting(self.adjoints, n_args, keywords)

    def tangent_for(self, n_args, keywords):
        return _first_accepting(self.tangents, n_args, keywords)


def _first_accepting(templates, n_args, keywords):
    for template in templates:
        if template.bind(n_args, keywords) is not None:
            return template
    return None


@dataclass
class Declaration:
    """An elementwise declaration: the derivative template and what was derived from it."""
    derivative: Template
    callables: tuple
    index: int = 0                                # its place among the declarations
    derived: dict = field(default_factory=dict)   # callable key -> (adjoint, tangent) Templates

    def derived_for(self, fn):
        """(adjoint function, tangent function) derived for `fn`, or None."""
        if not any(_key(c) == _key(fn) for c in self.callables):
            return None
        return tuple(t.fn for t in _derived(self, fn))


_RULES = {}
VERSION = [0]            # [how many registrations]: `version()`, read in place on hot paths
_DECLARATIONS = []
_LISTENERS = []          # called after every change (the package: cache.CACHE.invalidate)
_BEFORE = {}             # key -> the entry (`_entry`) of a rule the tables made, before a
                         # registration outside them first changed it (None: no rule)

# tangentlike's own rule tables, imported the first time the registry is read or written
_TABLES = ("elementwise_rules", "numpy_helpers", "numpy_indexing", "numpy_linalg",
           "numpy_reductions", "numpy_shape", "numpy_ufuncs", "python", "runtime_adjoints",
           "runtime_rules")
_BUILT_IN = []           # registrations of tangentlike's other modules, run with the tables
_LOADING = []            # [True] while the tables load; [False] once they have


def on_change(listener):
    """Call `listener()` after every rule added, replaced or declared non-differentiable."""
    _LISTENERS.append(listener)


def _changed():
    if _LOADING == [True]:          # the tables: what every process starts from
        return
    VERSION[0] += 1
    for listener in _LISTENERS:
        listener()


def _tables():
    """Import tangentlike's own rule tables, once, before the first read or write of the
    registry: so that importing the package, and running generated code that is already
    cached, never pays for them.  Loading them is not a change (no version, no
    listeners): nothing was read from the registry before."""
    if _LOADING:
        return
    _LOADING.append(True)
    try:
        from .. import numpy_runtime        # every helper, for the tables' templates
        numpy_runtime.load_all()
        for table in _TABLES:
            importlib.import_module(f"{__package__}.{table}")
        for register in _BUILT_IN:
            register()
        built_ins_registered()
    finally:
        _LOADING[0] = False


def built_in(register):
    """Run `register()`, which registers rules of tangentlike's own (api.py's functions),
    with the tables: they count as the tables do (not in `fingerprint`)."""
    if _LOADING == [False]:
        _LOADING[0] = True
        try:
            register()
        finally:
            _LOADING[0] = False
    else:
        _BUILT_IN.append(register)


def version():
    """How many registrations the registry has seen: it changes with every rule added,
    replaced or declared non-differentiable (a cache key for generated code)."""
    return VERSION[0]


def fingerprint():
    """A hash of the content of every rule that registrations outside tangentlike's own
    tables made different from the tables': with the hash of tangentlike's own source
    (loader.code_stamp), which covers the tables, equal in two processes exactly
    when their rules are the same (a key for caches kept on disk).  Without such
    registrations it reads no table."""
    if _FINGERPRINT[0] != version():
        digest = hashlib.sha256()
        now = {key: _entry(_RULES.get(key)) for key in _BEFORE}
        entries = sorted(f"removed: {_BEFORE[key]}" if entry is None else entry
                         for key, entry in now.items() if entry != _BEFORE[key])
        for entry in entries:
            digest.update(entry.encode())
        _FINGERPRINT[:] = [version(), digest.hexdigest()]
    return _FINGERPRINT[1]


def _entry(rule):
    """A rule's content as text: its flags and templates (one of tangentlike's own by
    its module and name, so that no pending template is read)."""
    if rule is None:
        return None
    flags = repr((rule.name, rule.nondifferentiable, rule.linear, rule.broadcasts, rule.scalar))
    return flags + "".join(f"{t.module}.{t.qualname}" if t.origin == "tangentlike" else t.text
                           for t in rule.adjoints + rule.tangents)


_FINGERPRINT = [-1, ""]


def _key(fn):
    try:
        hash(fn)
        return fn
    except TypeError:
        return id(fn)


def display_name(fn):
    owner = getattr(fn, "__self__", None)
    if owner is not None and not isinstance(owner, type) and not inspect.ismodule(owner) \
            and hasattr(fn, "__name__"):             # a bound method: named by its class
        cls = type(owner)                            # (np.r_.__getitem__: RClass.__getitem__)
        module = cls.__module__ or ""
        qual = f"{cls.__qualname__}.{fn.__name__}"
        return f"numpy.{qual}" if module.startswith("numpy") else f"{module}.{qual}"
    module = getattr(fn, "__module__", None) or ""
    qual = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    if isinstance(fn, type(abs)) and module == "builtins":
        return qual
    if module in ("numpy", "numpy.core.umath", "numpy._core.umath") or \
            module.startswith("numpy"):
        return f"numpy.{qual}"
    return f"{module}.{qual}" if module and module != "builtins" else qual


def lookup(fn):
    """The Rule for `fn`, or None."""
    _tables()
    try:
        return _RULES.get(_key(fn))
    except TypeError:
        return None


def _record(fn):
    rule = lookup(fn)
    if _LOADING != [True] and _key(fn) not in _BEFORE:
        _BEFORE[_key(fn)] = _entry(rule)
    if rule is None:
        rule = Rule(callable=fn, name=display_name(fn))
        _RULES[_key(fn)] = rule
    return rule


def all_rules():
    _tables()
    return list(_RULES.values())


def _register(fn, template, mode, broadcasts, scalar, linear=False):
    """Add `template` to fn's rule in `mode` ("adjoints" or "tangents"), replacing the
    templates it overrides (see the module docstring)."""
    rule = _record(fn)
    if any(t.origin != template.origin for t in rule.adjoints + rule.tangents):
        rule.adjoints = [t for t in rule.adjoints if t.origin == template.origin]
        rule.tangents = [t for t in rule.tangents if t.origin == template.origin]
        rule.linear = False
    setattr(rule, mode, [t for t in getattr(rule, mode) if t.params != template.params]
            + [template])
    rule.nondifferentiable = False
    if mode == "tangents":
        rule.linear = False           # a tangent template replaces the derived tangent
    elif linear:
        rule.linear = not rule.tangents
    rule.broadcasts = rule.broadcasts or broadcasts      # properties of the callable
    rule.scalar = rule.scalar or scalar
    _changed()


def adjoint(fn, *, broadcasts=False, scalar=False, linear=False):
    """Decorator registering an adjoint template for `fn` (another arity may follow).
    `linear=True`: see `linear`."""
    _tables()
    def register(template_fn):
        _register(fn, _adjoint_template(template_fn), "adjoints", broadcasts, scalar, linear)
        return template_fn
    return register


def _adjoint_template(template_fn, now=False):
    return parse_template(template_fn, ("g", "ans"), _check_adjoint, now)


def _check_adjoint(template):
    if template.returns > len(template.params):
        raise RuleError(
            f"template {template.fn.__qualname__}: returns {template.returns} "
            f"expressions but has only {len(template.params)} input parameters")


def tangent(fn, *, broadcasts=False, scalar=False):
    """Decorator registering the tangent (forward-mode) template of `fn`.

        @tangent(math.sin)
        def sin(ans, x, dx):
            return dx * math.cos(x)

    Parameters: `ans`, the callee's parameters, then `d<p>` for each
    differentiable parameter `p` (in order); a tangent that is not flowing is
    substituted by zero and folded away.
    """
    _tables()
    def register(template_fn):
        _register(fn, _tangent_template(template_fn), "tangents", broadcasts, scalar)
        return template_fn
    return register


def _tangent_template(template_fn, now=False):
    template = parse_template(template_fn, ("ans",), _check_tangent, now)
    primal = [p for p in template.params if not _is_tangent_of(p, template.params)]
    tangents = [p for p in template.params if p not in primal]
    if not tangents or tangents != ["d" + p for p in primal if "d" + p in tangents] \
            or template.params != primal + tangents:
        raise RuleError(
            f"template {template_fn.__qualname__}: after `ans` and the callee's "
            f"parameters it must list d<param> for each differentiable parameter, in "
            f"order (e.g. `def sin(ans, x, dx)`)")
    template.params = primal
    template.tangent_params = tangents
    return template


def _check_tangent(template):
    if template.returns != 1:
        raise RuleError(f"template {template.fn.__qualname__}: a tangent template returns "
                        f"one expression, the tangent of the result")


def elementwise(*fns):
    """Decorator declaring elementwise callables by their local derivative, for both modes.

        @elementwise(np.arctan2, math.atan2)
        def arctan2(ans, x1, x2):
            r2 = x1 * x1 + x2 * x2
            return x2 / r2, -x1 / r2

    The template takes `ans` and the callables' parameters, may assign locals, and
    returns one partial derivative per differentiable parameter (the leading ones).
    Each callable gets the adjoint `g * <partial>` for each parameter and the tangent
    `d<p1> * <partial 1> + ...` (rules/derive.py), with `xp` naming the callable's
    module (numpy, math) where it has one.  A callable of math, operator or builtins
    is `scalar` (Python numbers in, a Python number out); one of several parameters
    `broadcasts` unless it is math's.  Nothing is registered unless every callable's
    templates are derived and valid.
    """
    _tables()
    if not fns:
        raise RuleError("elementwise() needs the callables it declares")

    def register(derivative_fn):
        declaration = Declaration(_derivative_template(derivative_fn), fns, len(_DECLARATIONS))
        if declaration.derivative._pending is not None:        # one of tangentlike's own
            templates = {_key(fn): (_pending_derived(declaration, fn, 0),
                                    _pending_derived(declaration, fn, 1)) for fn in fns}
        else:                              # all derived and checked, then registered
            templates = {_key(fn): _derived(declaration, fn) for fn in fns}
        for fn in fns:
            broadcasts, scalar = _flags(declaration, fn)
            for mode, template in zip(("adjoints", "tangents"), templates[_key(fn)]):
                _register(fn, template, mode, broadcasts, scalar)
        _DECLARATIONS.append(declaration)
        return derivative_fn
    return register


def _pending_derived(declaration, fn, which):
    """The adjoint (which=0) or tangent (1) template of `declaration` for `fn`, derived
    on the first read of one of its fields."""
    def derive_now(template):
        derived = _derived(declaration, fn)[which]
        template.__dict__.update({k: v for k, v in vars(derived).items() if k != "_pending"})

    name = declaration.derivative.fn.__name__ + ("_t" if which else "")
    return Template.derived(("g", "ans") if which == 0 else ("ans",),
                            list(declaration.derivative.params), declaration.derivative.module,
                            name, declaration, derive_now)


def _derivative_template(derivative_fn):
    template = parse_template(derivative_fn, ("ans",), _check_derivative)
    if template.keyword_only:
        raise RuleError(f"{template_label(derivative_fn)}: an elementwise function takes its "
                        f"arguments by position; declare keyword-only parameters with "
                        f"`adjoint` and `tangent`")
    return template


def _check_derivative(template):
    import gast        # (a template's body is parsed already: gast is loaded)
    label = template_label(template.fn)
    if any(not (isinstance(s, gast.Assign) and len(s.targets) == 1
                and isinstance(s.targets[0], gast.Name)) for s in template.body[:-1]):
        raise RuleError(f"{label}: an elementwise derivative is straight-line, assignments "
                        f"to local names and then `return`; write a rule that branches as "
                        f"an `adjoint` and a `tangent` template")
    if template.returns > len(template.params):
        raise RuleError(f"{label}: returns {template.returns} partial derivatives but has "
                        f"only {len(template.params)} input parameters")
    locals_ = [s.targets[0].id for s in template.body[:-1]]
    taken = set(template.params) | set(locals_) | set(template.globals)
    reserved = {"g"} | {"d" + p for p in template.params[:template.returns]}
    if taken & reserved or len(set(locals_)) != len(locals_):
        clash = sorted(taken & reserved) or sorted(x for x in locals_ if locals_.count(x) > 1)
        raise RuleError(f"{label}: `{clash[0]}` is taken by the derived templates (`g`, "
                        f"d<param>) or assigned twice; rename it")


_MODULE_NAMES = {numpy: "np", math: "math"}


def _home_module(fn):
    """numpy or math when `fn` is one of theirs, else None."""
    if getattr(fn, "__module__", None) == "math":
        return math
    return numpy if display_name(fn).startswith("numpy.") else None


def _flags(declaration, fn):
    """(broadcasts, scalar) of a callable declared by `declaration`."""
    module = getattr(fn, "__module__", None)
    scalar = module in ("math", "builtins", "operator", "_operator")
    broadcasts = len(declaration.derivative.params) > 1 and module != "math"
    return broadcasts, scalar


def _derived(declaration, fn):
    """(adjoint Template, tangent Template) derived for `fn`, once."""
    key = _key(fn)
    if key not in declaration.derived:
        declaration.derived[key] = _derive(declaration, fn)
    return declaration.derived[key]


def _derive(declaration, fn):
    """(adjoint Template, tangent Template) for `fn`."""
    derivative = declaration.derivative
    home = _home_module(fn)
    module_name = _MODULE_NAMES[home] if home is not None else None
    taken = set(derivative.params) | {t.id for s in derivative.body[:-1] for t in s.targets}
    if module_name in taken or derivative.globals.get(module_name, home) is not home:
        raise RuleError(f"template {derivative.fn.__qualname__}: `{module_name}` must name "
                        f"the module {home.__name__} in a declaration of {display_name(fn)}")
    name = derivative.fn.__name__
    from . import derive       # (imported with the first derivation)
    adjoint_src, tangent_src = derive.sources(name, derivative.params, derivative.defaults,
                                              derivative.body, module_name, XP)
    namespace = dict(derivative.globals, __name__=derivative.fn.__module__)
    if home is not None:
        namespace[module_name] = home
    label = f"{display_name(fn)} #{declaration.index}"
    adjoint_fn = _compiled(adjoint_src, name, namespace, f"adjoint of {label}")
    tangent_fn = _compiled(tangent_src, name + "_t", namespace, f"tangent of {label}")
    templates = (_adjoint_template(adjoint_fn, now=True),
                 _tangent_template(tangent_fn, now=True))
    for template in templates:
        template.declaration = declaration
    return templates


def _compiled(source, name, namespace, label):
    """The function `name` defined by `source`, which inspect.getsource can read."""
    filename = f"<tangentlike: {label}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)     # noqa: S102 (our own template)
    return namespace.pop(name)


def declarations():
    """Every elementwise declaration made, in order."""
    _tables()
    return list(_DECLARATIONS)


def derived_templates(fn):
    """(adjoint function, tangent function) that `fn`'s latest elementwise declaration
    derived, or None: registering them again with `adjoint` and `tangent` restores it."""
    _tables()
    for declaration in reversed(_DECLARATIONS):
        if declaration.derived_for(fn) is not None:
            return declaration.derived_for(fn)
    return None


def if_defined(declare, module, path, **flags):
    """`declare(<module>.<path>, **flags)`, or a decorator registering nothing where
    `module` has no `path` (NumPy 2's additions on NumPy 1)."""
    fn = module
    for part in path.split("."):
        fn = getattr(fn, part, None)
    return declare(fn, **flags) if fn is not None else (lambda template: template)


def _is_tangent_of(name_, params):
    return name_.startswith("d") and name_[1:] in params


def linear(fn, *, broadcasts=False, scalar=False):
    """Decorator for a function linear in its differentiable parameters: register its
    adjoint (transpose) template; the tangent is `fn` itself applied to the tangents
    (until a tangent template is registered for `fn`)."""
    return adjoint(fn, broadcasts=broadcasts, scalar=scalar, linear=True)


def nondifferentiable(*fns, scalar=False, replace=False):
    """Declare callables whose results carry no derivative (len, floor, comparisons).

    A callable that has derivative templates keeps them and raises RuleError, unless
    `replace=True`: then its templates are dropped."""
    _tables()
    ruled = [display_name(fn) for fn in fns
             if lookup(fn) is not None and (lookup(fn).adjoints or lookup(fn).tangents)]
    if ruled and not replace:
        raise RuleError(f"{', '.join(ruled)} already {'has' if len(ruled) == 1 else 'have'} "
                        f"a derivative rule; pass replace=True to declare "
                        f"{'it' if len(ruled) == 1 else 'them'} non-differentiable instead")
    for fn in fns:
        rule = _record(fn)
        rule.adjoints, rule.tangents = [], []
        rule.nondifferentiable, rule.linear = True, False
        rule.scalar = rule.scalar or scalar
        _changed()
