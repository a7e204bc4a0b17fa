"""Every error tangentlike raises on purpose.

Receives: nothing (leaf module).  Guarantees: one hierarchy under
`TangentlikeError`; located errors carry file, line, column and the user's line.
"""

from __future__ import annotations

from typing import Any


class TangentlikeError(Exception):
    """Base class of every error tangentlike raises on purpose."""


def _where(filename: str | None, line: int | None, column: int | None = None) -> str:
    if filename is None:
        return ""
    if line is None:
        return f"{filename}"
    return f"{filename}:{line}" + (f":{column}" if column is not None else "")


class UnsupportedSyntaxError(TangentlikeError):
    """A construct tangentlike cannot differentiate, located in the user's file."""

    def __init__(self, construct: str, hint: str | None, *, filename: str | None = None,
                 line: int | None = None, column: int | None = None,
                 source_line: str | None = None) -> None:
        self.construct = construct
        self.hint = hint
        self.filename = filename
        self.line = line
        self.column = column
        self.source_line = source_line
        parts = [f"{_where(filename, line, column)}: {construct} is not supported"]
        if source_line:
            parts.append(f"    {source_line.strip()}")
        if hint:
            parts.append(f"hint: {hint}")
        super().__init__("\n".join(parts))


class NoDerivativeError(TangentlikeError):
    """A call to a callable with no derivative rule and no Python source."""

    def __init__(self, callee: str, *, filename: str | None = None, line: int | None = None,
                 source_line: str | None = None, reason: str | None = None,
                 hint: str | None = None) -> None:
        self.callee = callee
        self.filename = filename
        self.line = line
        where = _where(filename, line)
        head = f"{where}: " if where else ""
        why = f" ({reason})" if reason else ""
        if hint is None:
            hint = ("register one before differentiating, e.g.\n"
                    "    import tangentlike as tl\n"
                    f"    @tl.register_adjoint({callee})\n"
                    "    def adjoint(g, ans, x):\n"
                    f"        return g * ...  # d {callee}(x) / dx, times g")
        lines = [f"{head}no derivative rule for {callee}{why}"]
        if source_line:
            lines.append(f"    {source_line.strip()}")
        lines.append(f"hint: {hint}")
        super().__init__("\n".join(lines))


class SourceUnavailableError(TangentlikeError):
    """The function's source code cannot be retrieved (REPL, exec, builtin)."""


class NonScalarOutputError(TangentlikeError):
    """`grad` was asked for the gradient of a function whose output is not a scalar."""


class NonDifferentiableArgumentError(TangentlikeError):
    """A gradient was requested with respect to an int, bool or str argument."""


class HasAuxError(TangentlikeError):
    """With has_aux=True, the function did not return a pair `(value, aux)`."""


class GradientCheckError(TangentlikeError, AssertionError):
    """`check_grads` found a derivative that disagrees with finite differences.  Its
    attributes: `mode`, `argument` (name), `position`, `element`, `ad`, `fd`."""

    def __init__(self, message: str, *, mode: str | None = None, argument: str | None = None,
                 position: int | None = None, element: str | None = None, ad: Any = None,
                 fd: Any = None) -> None:
        super().__init__(message)
        self.mode, self.argument, self.position = mode, argument, position
        self.element, self.ad, self.fd = element, ad, fd


class RuleError(TangentlikeError):
    """A derivative rule (template) is malformed; raised at registration."""


class NonFiniteError(TangentlikeError, FloatingPointError):
    """With check_nans=True: a NaN or an infinity appeared in a derivative."""


class AliasedWriteError(UnsupportedSyntaxError):
    """A write into memory that another name the function still reads may share (a
    view or an alias), which tangentlike cannot yet differentiate exactly."""

    def __init__(self, construct: str, hint: str | None, *, written: str | None = None,
                 other: str | None = None, **location: Any) -> None:
        self.written, self.other = written, other
        super().__init__(construct, hint, **location)


class NumbaCompileError(TangentlikeError):
    """backend="numba": Numba cannot compile a generated derivative (nopython mode)."""


class NumbaUnavailableError(TangentlikeError, ImportError):
    """backend="numba" was asked for where the numba package cannot be imported."""


class NumbaFallbackWarning(UserWarning):
    """backend="auto": a derivative runs in Python because Numba cannot compile it."""
