"""einsum: the adjoint of any operand of np.einsum, in either form of the call (a
subscripts string, or operands interleaved with sublists), and its tangents.

Receives einsum's positional arguments as a list (with trailing Nones for the rule
template's unused slots), the adjoint of the result, and for the tangents one tangent
per positional argument, each of which may be the zero sentinel `0.0`.  Writes none of
its arguments.  Returns fresh arrays (0.0 for the adjoint of the subscripts or a
sublist, and for a tangent along nothing).
"""

import numpy as np

from .basics import _dtype, _is_array, _ndim, _shape, is_zero


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse_einsum(subscripts, operands):
    """(input subscripts, output subscript) with '...' spelled out as letters."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        inputs, output = subscripts.split("->")
    else:
        inputs, output = subscripts, None
    inputs = inputs.split(",")
    used = set(subscripts) - set(".,->")
    spare = [c for c in _LETTERS if c not in used]
    ellipsis_dims = max((_ndim(op) - len(s.replace("...", "")) for s, op in
                         zip(inputs, operands) if "..." in s), default=0)
    fill = "".join(spare[:ellipsis_dims])
    expanded = []
    for s, op in zip(inputs, operands):
        if "..." in s:
            n = _ndim(op) - len(s.replace("...", ""))
            s = s.replace("...", fill[ellipsis_dims - n:])
        expanded.append(s)
    if output is None:
        letters = "".join(expanded)
        output = fill + "".join(sorted(c for c in set(letters) - set(fill)
                                       if letters.count(c) == 1))
    else:
        output = output.replace("...", fill)
    return expanded, output


def _einsum_operands(args):
    """The positions of the operands among einsum's positional arguments `args`, in
    either form: (subscripts, op, op, ...) or (op, sublist, op, sublist, ..., [output])."""
    if isinstance(args[0], str):
        return list(range(1, len(args)))
    return list(range(0, len(args) - 1, 2))


def _present(args):
    """`args` without the trailing Nones of the template's unused slots."""
    args = list(args)
    while args and args[-1] is None:
        args.pop()
    return args


def _subscripts(args):
    """(subscripts string, operands) for einsum's positional arguments in either form."""
    if isinstance(args[0], str):
        return args[0], list(args[1:])
    def letters(sublist):
        return "".join("..." if s is Ellipsis else _LETTERS[int(s)] for s in sublist)
    operands = list(args[0:len(args) - 1:2])
    inputs = ",".join(letters(s) for s in args[1::2][:len(operands)])
    return inputs + ("->" + letters(args[-1]) if len(args) % 2 else ""), operands


def einsum_adjoint(g, args, k, optimize=False):
    """The adjoint of positional argument `k` of `np.einsum(*args)` (an operand; either
    form of the call; None for the template's unused slots at the end)."""
    args = _present(args)
    positions = _einsum_operands(args)
    if k not in positions:
        return 0.0                   # the subscripts or a sublist
    subscripts, operands = _subscripts(args)
    k = positions.index(k)
    inputs, output = _parse_einsum(subscripts, operands)
    target = inputs[k]
    op = operands[k]
    shape = _shape(op)
    size = {c: n for c, n in zip(target, shape)}
    terms = [output] + [s for j, s in enumerate(inputs) if j != k]
    values = [g] + [x for j, x in enumerate(operands) if j != k]
    # repeated letters in the target (a diagonal): a fresh letter tied by an identity
    spare = iter(c for c in _LETTERS if c not in "".join(inputs) + output)
    written = ""
    for c in target:
        if c in written:
            fresh = next(spare)
            terms.append(c + fresh)
            values.append(np.eye(size[c], dtype=_dtype(op), like=op))
            written += fresh
        else:
            written += c
    scale = 1.0
    if not _is_array(g):             # a scalar result: scale at the end, keep the dtype
        scale, terms, values = g, terms[1:], values[1:]
    available = set("".join(terms))
    kept = "".join(c for c in written if c in available)
    out = np.einsum(",".join(terms) + "->" + kept, *values, optimize=optimize) * scale
    if kept != written:          # letters summed away in the primal come back broadcast
        out = np.expand_dims(out, tuple(i for i, c in enumerate(written) if c not in available))
        out = np.zeros_like(op) + out
    return out


def einsum_adjoint_tangent(g, args, k, optimize, tg, targs):
    """The tangent of `einsum_adjoint(g, args, k, optimize)`: linear in `g` and in each
    operand other than the k-th."""
    args = _present(args)
    out = 0.0 if is_zero(tg) else einsum_adjoint(tg, args, k, optimize)
    for j in _einsum_operands(args):
        if j != k and j < len(targs) and not is_zero(targs[j]):
            replaced = list(args)
            replaced[j] = targs[j]
            term = einsum_adjoint(g, replaced, k, optimize)
            out = term if is_zero(out) else out + term
    return out


def einsum_tangent(args, targs, optimize=False):
    """The tangent of `np.einsum(*args)` along `targs` (one per positional argument, 0.0
    where none): einsum is linear in each operand."""
    args = _present(args)
    total = 0.0
    for j in _einsum_operands(args):
        if j < len(targs) and not is_zero(targs[j]):
            replaced = list(args)
            replaced[j] = targs[j]
            term = np.einsum(*replaced, optimize=optimize)
            total = term if is_zero(total) else total + term
    return total


def einsum_tangent_tangent(args, targs, optimize, dargs, dtargs):
    """The tangent of `einsum_tangent(args, targs, optimize)` along (`dargs`, `dtargs`)."""
    out = einsum_tangent(args, dtargs, optimize)
    for j in _einsum_operands(_present(args)):
        if j < len(targs) and not is_zero(targs[j]):
            replaced = list(args)
            replaced[j] = targs[j]
            others = [0.0 if i == j else d for i, d in enumerate(dargs)]
            term = einsum_tangent(replaced, others, optimize)
            out = term if is_zero(out) else (out if is_zero(term) else out + term)
    return out
