"""Forensics: what a user needs to read an exception raised in generated code.

Receives an exception raised while generated code ran (and, for the backward
sweep, the function it differentiates).  Guarantees a note naming the user's line
the failing generated line is the derivative of (the `# grad of:` / `# tangent of:`
comment above it) and the generated line itself; `NonScalarOutputError` in place of
a shape error when the backward sweep failed because the function's value was not
a number.  Reads only the traceback and linecache: nothing is re-generated.
"""

import linecache

from .errors import NonScalarOutputError
from .markers import GENERATED_MODULE


def _last_generated_entry(exc):
    """The innermost traceback entry of `exc` in generated code, or None."""
    tb, last = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__") == GENERATED_MODULE:
            last = tb
        tb = tb.tb_next
    return last


def backward_frame(exc):
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


def note_original_line(exc):
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
        _add_note(exc, f"tangentlike: raised in {sweep}, by the derivative of "
                       f"{origin}\n  generated line ({where}): {generated}")
    else:
        _add_note(exc, f"tangentlike: raised in generated code ({where}): {generated}")


def _add_note(exc, text):
    """`exc.add_note(text)`; on Python 3.10, which has no add_note, the same list
    (`__notes__`), which 3.10's tracebacks do not print."""
    if hasattr(exc, "add_note"):
        exc.add_note(text)
    else:
        exc.__notes__ = [*getattr(exc, "__notes__", ()), text]


def explain_backward_failure(fn, frame):
    """Raise NonScalarOutputError when a backward sweep failed because the output (the
    value the generated function returns first; a `grad_` function returns none) is
    not a scalar."""
    if frame.f_code.co_name.startswith("grad_"):
        return                  # the gradient-only form returns no value to check
    lines = linecache.getlines(frame.f_code.co_filename)
    returns = [line.strip() for line in lines[frame.f_code.co_firstlineno - 1:]
               if line.strip().startswith("return ")]
    value_name = returns[0][len("return "):].split(",")[0].strip() if returns else None
    if value_name in frame.f_locals:
        try:
            require_scalar(fn, frame.f_locals[value_name])
        except NonScalarOutputError as error:
            raise error from None


def require_scalar(fn, value, what_needs_it="grad"):
    if isinstance(value, (int, float, complex)) and not isinstance(value, bool):
        return
    if getattr(value, "shape", None) == () or getattr(value, "size", None) == 1:
        return
    shape = getattr(value, "shape", None)
    what = f"an array of shape {shape}" if shape is not None else f"a {type(value).__name__}"
    raise NonScalarOutputError(
        f"{what_needs_it} requires {fn.__name__} to return a scalar, but it returned {what}. "
        f"For non-scalar outputs use tl.vjp(f, *args), a vector-Jacobian product.")
