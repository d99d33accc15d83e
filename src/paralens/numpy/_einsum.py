"""``einsum`` in all of NumPy's notations, as one explicit contraction.

NumPy's ``einsum`` takes subscripts with an ellipsis (``'...ij,...jk->...ik'``), an
implicit output (``'ij,jk'``), or sublists of axis numbers in place of the string
(``einsum(a, [0, 1], b, [1, 2], [0, 2])``), and it broadcasts axes of length 1. On traced
operands every call is written first as subscripts that name every axis by a letter,
with explicit output, and operands broadcast to the lengths of their letters; the one
``einsum`` primitive (``_linalg.einsum_operands``) and its rules then see only that form.

Examples:
    >>> explicit_subscripts(("...ij,...jk", np.ones((2, 3)), np.ones((4, 3, 5))))[0]
    'ij,ajk->aik'
    >>> explicit_subscripts((np.ones((2, 3)), [0, 1], [1, 0]))[0]
    'ab->ba'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from paralens.numpy._linalg import LETTERS
from paralens.numpy._shape import broadcast_to, ndim, shape


def _from_sublists(args: tuple[Any, ...]) -> tuple[str, list[Any]]:
    """The subscripts and operands of ``einsum(op0, sublist0, op1, sublist1, ..., [out])``."""

    def letters(sublist: Any) -> str:
        out = ""
        for axis in sublist:
            if axis is Ellipsis:
                out += "..."
            elif isinstance(axis, (int, np.integer)) and 0 <= axis < len(LETTERS):
                out += LETTERS[axis]
            else:
                raise ValueError(
                    f"einsum: a sublist holds axis numbers in [0, {len(LETTERS)}) and "
                    f"Ellipsis, got {axis!r}"
                )
        return out

    operands = list(args[0::2][: len(args) // 2])
    terms = [letters(s) for s in args[1::2][: len(args) // 2]]
    spec = ",".join(terms)
    if len(args) % 2:
        spec += "->" + letters(args[-1])
    return spec, operands


def explicit_subscripts(args: tuple[Any, ...]) -> tuple[str, list[Any]]:
    """The subscripts and operands of an ``einsum`` call, every axis named by a letter.

    Args:
        args: the positional arguments of ``einsum``: subscripts and operands, or
            operands and sublists.

    Returns:
        ``(subscripts, operands)``: subscripts without ellipsis and with an explicit
        output, and the operands broadcast along their axes of length 1.

    Raises:
        ValueError: the subscripts name a number of operands other than given.
    """
    if isinstance(args[0], str):
        spec, operands = args[0].replace(" ", ""), list(args[1:])
    else:
        spec, operands = _from_sublists(args)
    ins, out = spec.split("->") if "->" in spec else (spec, None)
    terms = ins.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum: {spec!r} names {len(terms)} operands, got {len(operands)}")
    fresh = [c for c in LETTERS if c not in spec]
    widths = [
        ndim(o) - (len(t) - 3) if "..." in t else 0 for t, o in zip(terms, operands, strict=True)
    ]
    width = max(widths, default=0)
    dots = "".join(fresh[:width])
    terms = [t.replace("...", dots[width - w :]) for t, w in zip(terms, widths, strict=True)]
    if out is None:
        joined = "".join(terms)
        out = dots + "".join(sorted(c for c in set(joined) - set(dots) if joined.count(c) == 1))
    else:
        out = out.replace("...", dots)
    sizes: dict[str, int] = {}
    for term, operand in zip(terms, operands, strict=True):
        if len(term) != ndim(operand):
            raise ValueError(
                f"einsum: the subscripts {term!r} name {len(term)} axes of an operand of "
                f"shape {shape(operand)}"
            )
        for c, n in zip(term, shape(operand), strict=True):
            sizes[c] = max(sizes.get(c, n), n)
    broadcast = []
    for term, operand in zip(terms, operands, strict=True):
        lengths = tuple(sizes[c] for c in term)
        broadcast.append(operand if lengths == shape(operand) else broadcast_to(operand, lengths))
    return ",".join(terms) + "->" + out, broadcast
