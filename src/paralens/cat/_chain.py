"""Sequential composition as data: what models, arrows and learners share.

Models (``paralens.nn``), arrows (``paralens.cat``) and learners (``paralens.learn``) all
compose in sequence with ``>>``, and each keeps the composition as data: a node of kind
``"then"`` whose ``children`` are its parts, in the order data flows through them.
Composition is associative, ``(f >> g) >> h`` computing what ``f >> (g >> h)`` computes,
so nested ``then`` nodes read as one flat chain of parts; ``chain`` gives that chain, and
``then_name`` writes it, ``f >> g >> h``. What differs between the three is what a part
does, and stays with them: a model applies parameters, an arrow is interpreted in two AD
modes, a learner passes requests back.

Examples:
    >>> from paralens import cat
    >>> f = (cat.sin >> cat.cos) >> (cat.exp >> cat.tanh)
    >>> [part.name for part in chain(f)]
    ['sin', 'cos', 'exp', 'tanh']
    >>> [(part.name, path) for part, path in chain_with_paths(f, "p")]
    [('sin', 'p[0][0]'), ('cos', 'p[0][1]'), ('exp', 'p[1][0]'), ('tanh', 'p[1][1]')]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

__all__ = ["THEN", "Composite", "chain", "chain_with_paths", "require_parts", "then_name"]

THEN = "then"
"""The ``kind`` of a sequential composition, for models, arrows and learners alike."""


class Composite(Protocol):
    """Anything that keeps its structure as data: a ``kind`` and its ``children``."""

    @property
    def kind(self) -> str: ...

    @property
    def children(self) -> tuple[Any, ...]: ...


C = TypeVar("C", bound=Composite)


def chain(x: C) -> list[C]:
    """The parts of ``x`` read as one sequential chain: nested ``then`` nodes flattened.

    Anything that is not a ``then`` is one part, itself.

    Examples:
        >>> from paralens import cat
        >>> [part.name for part in chain(cat.sin >> (cat.cos >> cat.exp))]
        ['sin', 'cos', 'exp']
        >>> chain(cat.sin) == [cat.sin]
        True
    """
    if x.kind != THEN:
        return [x]
    return [part for child in x.children for part in chain(child)]


def chain_with_paths(x: C, path: str) -> list[tuple[C, str]]:
    """The parts of ``chain(x)``, each with the path to its parameters in ``x``'s.

    A ``then`` has a tuple of parameters, one entry per child, so the ``i``-th child of a
    ``then`` at ``path`` has its parameters at ``path[i]``.
    """
    if x.kind != THEN:
        return [(x, path)]
    return [
        item
        for i, child in enumerate(x.children)
        for item in chain_with_paths(child, f"{path}[{i}]")
    ]


def then_name(parts: Sequence[C], show: Callable[[C, int], str] | None = None) -> str:
    """The parts' names joined by ``>>``: how a sequential composition is written.

    Args:
        parts: the parts, in order.
        show: how to write the ``i``-th part (default: its ``name``).

    Examples:
        >>> from paralens import cat
        >>> then_name([cat.sin, cat.cos])
        'sin >> cos'
    """
    names = (
        show(part, i) if show is not None else str(getattr(part, "name", part))
        for i, part in enumerate(parts)
    )
    return " >> ".join(names)


T = TypeVar("T")


def require_parts(parts: Sequence[T], what: str, identity: str) -> tuple[T, ...]:
    """``parts`` as a tuple, after checking that there is at least one.

    Raises:
        ValueError: there are none; the message names ``identity``, the composition of
            no parts.

    Examples:
        >>> require_parts([], "nn.then", "nn.identity()")
        Traceback (most recent call last):
        ...
        ValueError: nn.then composes one or more parts, got none; the composition of no parts is nn.identity()
    """  # noqa: E501
    if not parts:
        raise ValueError(
            f"{what} composes one or more parts, got none; the composition of no parts is "
            f"{identity}"
        )
    return tuple(parts)
