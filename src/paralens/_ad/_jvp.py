"""Forward mode: ``jvp``, and ``hvp`` (forward mode over reverse mode)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from paralens import tree
from paralens._ad._inputs import Inputs, memory_id, memory_of_leaves
from paralens._ad._vjp import grad
from paralens._core import ForwardTrace, plain_value
from paralens._core._backends import BACKENDS, own_backend_array
from paralens._core._vspace import ARRAY_TYPES, instantiate, is_integer, is_leaf, zeros_like
from paralens._core._walk import KEEP, rebuild


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """The value of ``f(*primals)`` and its derivative along ``tangents`` (forward mode).

    Args:
        f: a function of ``len(primals)`` arguments.
        primals: the point.
        tangents: one tangent per primal, each with its primal's structure.

    Returns:
        ``(ans, tangent_out)`` with ``tangent_out`` shaped like ``ans``.

    Raises:
        ValueError: the tangents do not match the primals in number, structure or shapes.

    Examples:
        >>> jvp(lambda x: x * x, (3.0,), (1.0,))
        (9.0, 6.0)
    """
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp needs one tangent per primal: got {len(primals)} primals and "
            f"{len(tangents)} tangents"
        )
    for i, (p, t) in enumerate(zip(primals, tangents, strict=True)):
        p_def, t_def = tree.tree_structure(plain_value(p)), tree.tree_structure(t)
        if p_def != t_def:
            raise ValueError(f"tangent {i} has structure {t_def!r}, its primal {p_def!r}")
        _check_tangent_shapes(i, p, t)
    trace = ForwardTrace()
    try:
        inputs = [
            _forward_inputs(trace, p, t, f"primal {n}")
            for n, (p, t) in enumerate(zip(primals, tangents, strict=True))
        ]
        out = f(*(a.traced for a in inputs))
    finally:
        trace.close()
    given = memory_of_leaves(tree.tree_leaves(tangents))
    return _split(out, trace, given)


def _check_tangent_shapes(i: int, primal: Any, tangent: Any) -> None:
    for p, t in zip(tree.tree_leaves(plain_value(primal)), tree.tree_leaves(tangent), strict=True):
        if getattr(p, "shape", ()) != getattr(t, "shape", ()):
            raise ValueError(
                f"tangent {i} has a leaf of shape {getattr(t, 'shape', ())} where its primal "
                f"has shape {getattr(p, 'shape', ())}; a tangent has its primal's shapes"
            )


def _forward_inputs(trace: ForwardTrace, primal: Any, tangent: Any, what: str) -> Inputs:
    # The tangents of the leaves that get wrapped: integer leaves stay constants.
    if is_leaf(primal):
        pairs = [(primal, tangent)]
    else:
        pairs = list(zip(tree.tree_leaves(primal), tree.tree_leaves(tangent), strict=True))
    tangents = iter([t for p, t in pairs if not is_integer(p)])
    return Inputs(primal, lambda leaf: trace.new_input(leaf, next(tangents)), what)


def _split(out: Any, trace: ForwardTrace, given: set[int]) -> tuple[Any, Any]:
    """The value and the tangent of the output, with the output's structure.

    Each tangent array is the caller's own: not one of the tangents it gave (the
    identity returns its input's), nor one another output holds (``lambda x: (x, x)``).
    """

    def value(v: Any, there: tuple[Any, ...]) -> Any:
        return v._value if trace.owns(v) else KEEP

    def tangent(v: Any, there: tuple[Any, ...]) -> Any:
        if not trace.owns(v):
            return KEEP
        t = instantiate(trace.tangent_of(v), plain_value(v._value))
        if type(t) in ARRAY_TYPES:
            memory = memory_id(t)
            if not t.flags.writeable or memory in given:
                t = t.copy()
                memory = id(t)
            given.add(memory)
        elif type(t) in BACKENDS:
            t = own_backend_array(t, given)
        return t

    values = rebuild(out, lambda space, v, there: v, stop=value)
    tangents = rebuild(out, lambda space, v, there: zeros_like(plain_value(v)), stop=tangent)
    return values, tangents


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """The Hessian of scalar ``f`` at ``primals`` applied to ``tangents``, without forming it.

    Args:
        f: a function returning a scalar.
        primals: the point.
        tangents: one direction per primal, each with its primal's structure.

    Returns:
        The Hessian-vector product: one result per primal (a tuple) when ``f`` has several
        arguments, else one.

    Examples:
        >>> hvp(lambda x: x ** 3, (2.0,), (1.0,))
        12.0
    """
    nums = tuple(range(len(primals)))
    out = jvp(grad(f, argnums=nums), primals, tangents)[1]
    return out[0] if len(primals) == 1 else out
