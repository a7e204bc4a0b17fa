"""Rule templates: a template function read into a `Template` (rules/registry.py).

Receives a template function and its placeholders (the leading parameters: `g`,
`ans`, d-names).  Guarantees a `Template` whose signature-derived fields (params,
defaults, keyword_only) are checked and set now, and whose parsed fields (body,
globals, returns, text) come from the function's source, checked as registry.py's
docstring describes, or a RuleError naming the function.  While tangentlike's own
rule tables are imported (until `built_ins_registered()`), one of their templates is
pending: it is parsed on the first read of a parsed field, so importing the package
parses none of them; every other template is parsed when it is registered.  A
pending template parses to exactly what it would have parsed to at registration.
"""

import inspect
import textwrap
import threading
import types

from ..errors import RuleError

XP = "xp"
UNBOUND = "out"       # NumPy's output array: a call given out= matches no template

_FILLING = threading.RLock()     # one thread fills in pending templates at a time


class Template:
    """A parsed rule template.

    One of tangentlike's own is registered pending (see the module docstring): its
    fields below that are not known from the signature are filled in, and the template
    validated, the first time one of them is read."""

    def __init__(self, fn, params, defaults, placeholders, keyword_only=frozenset(), **parsed):
        self.fn = fn
        self.params = params              # parameter names after the placeholders
        self.defaults = defaults          # parameter -> default value
        self.placeholders = placeholders  # ("g", "ans") adjoints, ("ans",) + d-names tangents
        self.keyword_only = keyword_only  # parameters after `*`
        self.tangent_params = []          # d<param> names (tangent templates)
        self.declaration = None           # the Declaration it was derived from (`elementwise`)
        self.module, self.qualname = fn.__module__ or "", fn.__qualname__
        self._pending = None
        # parsed: body (gast statements), globals (module-name -> module referenced by the
        # body), returns (how many expressions the final return gives), text (the source)
        self.__dict__.update(parsed)

    @classmethod
    def derived(cls, placeholders, params, module, qualname, declaration, pending):
        """A template of `declaration` not derived yet: every field but these is pending
        (`params` are the declaration's, which the derived templates repeat)."""
        template = cls.__new__(cls)
        template.placeholders, template.params = placeholders, params
        template.declaration = declaration
        template.module, template.qualname, template._pending = module, qualname, pending
        return template

    def __getattr__(self, name_):
        """Fill in a pending template's fields on the first read of one of them."""
        if name_.startswith("__"):
            raise AttributeError(name_)
        with _FILLING:
            pending = self.__dict__.get("_pending")
            if pending is not None:
                self._pending = None
                try:
                    pending(self)
                except BaseException:
                    self._pending = pending
                    raise
            if name_ in self.__dict__:
                return self.__dict__[name_]
        raise AttributeError(name_)

    @property
    def origin(self):
        """Who registered the template: the module, or "tangentlike" for its rule tables."""
        return "tangentlike" if self.module.startswith("tangentlike.") else self.module

    def signature(self):
        return inspect.Signature([
            inspect.Parameter(p, inspect.Parameter.KEYWORD_ONLY if p in self.keyword_only
                              else inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              default=self.defaults.get(p, inspect.Parameter.empty))
            for p in self.params])

    def bind(self, n_args, keywords):
        """Map a call's positional count and keyword names onto parameters, or None."""
        by_position = [p for p in self.params if p not in self.keyword_only]
        if n_args > len(by_position) or any(k not in self.params for k in keywords):
            return None
        positional = by_position[:n_args]
        if UNBOUND in keywords:
            return None
        if any(k in positional for k in keywords):
            return None
        given = set(positional) | set(keywords)
        missing = [p for p in self.params if p not in given and p not in self.defaults]
        return None if missing else positional



_PENDING = [True]       # tangentlike's own tables are being registered (rules/__init__.py)


def built_ins_registered():
    """Called once tangentlike's rule tables are imported: later templates are parsed
    when they are registered."""
    _PENDING[0] = False


def template_label(fn):
    """How errors name the template function `fn`."""
    return f"template {fn.__module__}.{fn.__qualname__}"


def parse_template(fn, placeholders, check=None, now=False):
    """Parse and validate a template function; raise RuleError naming it.

    `check(template)` validates the parsed template further.  While tangentlike's own
    tables are registered, one of theirs is checked from its signature now and parsed,
    with `check`, on the first read of its body, globals, returns or text (unless `now`)."""
    label = template_label(fn)
    names, defaults, keyword_only, variadic = _signature(fn)
    if names[:len(placeholders)] != list(placeholders):
        raise RuleError(
            f"{label}: its first parameters must be {', '.join(placeholders)} "
            f"(got {', '.join(names[:len(placeholders)]) or 'none'})")
    if variadic:
        raise RuleError(f"{label}: *args/**kwargs are not allowed in templates")
    params = names[len(placeholders):]
    for p, value in defaults.items():
        if value is not None and not isinstance(value, (bool, int, float, str)):
            raise RuleError(f"{label}: the default of `{p}` must be a literal (None, a bool, "
                            f"a number or a str), not {value!r}")
    template = Template(fn, params, defaults, tuple(placeholders), keyword_only)

    def parse(template):
        template.__dict__.update(_parsed_body(fn, names, label))
        if check is not None:
            check(template)

    if _PENDING[0] and template.origin == "tangentlike" and not now:
        template._pending = parse
    else:
        parse(template)
    return template


def _signature(fn):
    """(parameter names, {name: default}, keyword-only names, whether it takes *args or
    **kwargs) of `fn`, read from its code object (inspect.signature's answer, in a
    tenth of its time: the tables register some 450 templates)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        signature = inspect.signature(fn)
        parameters = signature.parameters.values()
        return ([p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)],
                {p.name: p.default for p in parameters if p.default is not p.empty},
                frozenset(p.name for p in parameters if p.kind == p.KEYWORD_ONLY),
                any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters))
    positional = list(code.co_varnames[:code.co_argcount])
    keyword_only = list(code.co_varnames[code.co_argcount:
                                         code.co_argcount + code.co_kwonlyargcount])
    given = fn.__defaults__ or ()
    defaults = dict(zip(positional[len(positional) - len(given):], given))
    defaults.update({p: v for p, v in (fn.__kwdefaults__ or {}).items() if p in keyword_only})
    variadic = bool(code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS))
    return positional + keyword_only, defaults, frozenset(keyword_only), variadic


def _parsed_body(fn, names, label):
    """body, globals, returns and text of the template function `fn`."""
    import gast        # (the parser: imported with the first template parsed)
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError) as exc:
        raise RuleError(f"{label}: its source cannot be read ({exc})") from None
    node = gast.parse(source).body[0]
    if not isinstance(node, gast.FunctionDef):
        raise RuleError(f"{label}: a template must be written with `def`")
    body = node.body
    if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant):
        body = body[1:]
    if not body or not isinstance(body[-1], gast.Return) or body[-1].value is None:
        raise RuleError(f"{label}: the body must end with `return <expression(s)>`")
    ret = body[-1].value
    returns = len(ret.elts) if isinstance(ret, gast.Tuple) else 1
    locals_ = {t.id for s in body for t in gast.walk(s)
               if isinstance(t, gast.Name) and isinstance(t.ctx, gast.Store)}
    module_globals = {}
    for sub in (x for stmt in body for x in gast.walk(stmt)):
        if isinstance(sub, gast.Name) and isinstance(sub.ctx, gast.Load):
            ident = sub.id
            if ident in names or ident in locals_ or ident in ("None", "True", "False"):
                continue
            if ident == XP:
                continue
            value = fn.__globals__.get(ident)
            if not isinstance(value, types.ModuleType):
                raise RuleError(
                    f"{label}: `{ident}` is neither a placeholder, a parameter, a local "
                    f"nor a module; templates may only use their parameters and modules "
                    f"(math, numpy, tangentlike.runtime as _tl)")
            module_globals[ident] = value
    return {"body": body, "globals": module_globals, "returns": returns, "text": source}
