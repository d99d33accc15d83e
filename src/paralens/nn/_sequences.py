"""Stateful models along sequences: ``unroll``, ``unroll_last``, ``feedback``, ``prime``.

Examples:
    >>> import numpy as np
    >>> from paralens import nn
    >>> cell = nn.ar(1)
    >>> ys, s = nn.unroll(cell).apply(nn.ARParams(0.0, np.array([2.0])), [1.0, 3.0], np.zeros(0))
    >>> [float(y) for y in ys]
    [2.0, 6.0]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import numpy as np

from paralens import jit as staging
from paralens._core import plain_value
from paralens.nn._combinators import wrap_stateful
from paralens.nn._model import ModelS
from paralens.nn._structure import (
    CHILD_PARAMS,
    LAST_OF_SEQUENCE_SIZES,
    SEQUENCE_SIZES,
    Combinator,
    State,
)
from paralens.tree._convert import library_of

__all__ = ["feedback", "prime", "unroll", "unroll_last"]

P = TypeVar("P")
S = TypeVar("S")
A = TypeVar("A")
B = TypeVar("B")


UNROLL = Combinator("unroll", CHILD_PARAMS, State.CHILD, SEQUENCE_SIZES)


def unroll(m: ModelS[P, S, A, B], *, jit: bool = False) -> ModelS[P, S, Iterable[A], list[B]]:
    """Run a stateful model along a sequence, keeping every output.

    Types: ``ModelS[P, S, A, B]`` becomes ``ModelS[P, S, Iterable[A], list[B]]``; an array
    is a sequence along its first axis. Stack the outputs with ``pnp.stack`` if an array is
    wanted.

    Args:
        m: the stateful model.
        jit: stage the loop with ``paralens.jit``: the first sequence of a given length
            and shapes is traced, the loop unrolled into one program, and later ones
            replay it (under ``grad`` too, where the program is differentiated).

    Returns:
        The model of sequences, of kind ``"unroll"``.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> m = unroll(nn.ar(1))
        >>> ys, s = m.apply(nn.ARParams(1.0, np.array([2.0])), [1.0, 2.0], np.zeros(0))
        >>> [float(y) for y in ys]
        [3.0, 5.0]
        >>> staged, p = unroll(nn.ar(1), jit=True), nn.ARParams(1.0, np.array([2.0]))
        >>> ys, s = staged.apply(p, np.array([1.0, 2.0]), np.zeros(0))
        >>> [float(y) for y in ys]
        [3.0, 5.0]
    """
    return wrap_stateful(m, UNROLL, _staged(_unrolled) if jit else _unrolled)


def _staged(build: Callable[[Any], Callable[..., Any]]) -> Callable[[Any], Callable[..., Any]]:
    """``build`` with the loop it makes staged by ``paralens.jit``."""

    def staged_build(f: Any) -> Callable[..., Any]:
        return staging.jit(build(f))

    return staged_build


def _steps(xs: Iterable[A]) -> Iterator[A]:
    """The steps of ``xs`` along its first axis. An array of another library is indexed
    step by step (array_api_strict's arrays refuse iteration)."""
    if type(xs) is list or type(xs) is np.ndarray:
        return iter(xs)
    plain = plain_value(xs)
    if library_of(plain) is None:
        return iter(xs)
    return (xs[i, ...] for i in range(int(plain.shape[0])))  # type: ignore[index]


def _unrolled(f: Callable[[P, A, S], tuple[B, S]]) -> Callable[..., tuple[list[B], S]]:
    def apply(p: P, xs: Iterable[A], s: S) -> tuple[list[B], S]:
        ys = []
        for x in _steps(xs):
            y, s = f(p, x, s)
            ys.append(y)
        return ys, s

    return apply


UNROLL_LAST = Combinator("unroll_last", CHILD_PARAMS, State.CHILD, LAST_OF_SEQUENCE_SIZES)


def unroll_last(m: ModelS[P, S, A, B], *, jit: bool = False) -> ModelS[P, S, Iterable[A], B]:
    """Run a stateful model along a sequence, keeping the last output.

    Types: ``ModelS[P, S, A, B]`` becomes ``ModelS[P, S, Iterable[A], B]``.

    Args:
        m: the stateful model.
        jit: stage the loop with ``paralens.jit`` (see ``unroll``).

    Returns:
        The model of sequences, of kind ``"unroll_last"``; it raises ``ValueError`` on an
        empty sequence, which has no last output.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> m = unroll_last(nn.ar(1))
        >>> y, s = m.apply(nn.ARParams(1.0, np.array([2.0])), [1.0, 2.0], np.zeros(0))
        >>> float(y)
        5.0
    """
    name = f"unroll_last({m.name})"

    def build(f: Callable[[P, A, S], tuple[B, S]]) -> Callable[..., tuple[B, S]]:
        def apply(p: P, xs: Iterable[A], s: S) -> tuple[B, S]:
            it = _steps(xs)
            try:
                x = next(it)
            except StopIteration:
                raise ValueError(
                    f"{name} got an empty sequence, which has no last output; pass at least "
                    f"one step (or use unroll, which returns all outputs, none for an empty "
                    f"one)"
                ) from None
            y, s = f(p, x, s)
            for x in it:
                y, s = f(p, x, s)
            return y, s

        return apply

    return wrap_stateful(m, UNROLL_LAST, _staged(build) if jit else build, name=name)


def feedback(m: ModelS[P, S, A, A], p: P, s: S, x0: A, n: int) -> list[A]:
    """Run a stateful model on its own outputs, from ``x0``, to generate ``n`` values.

    Types: ``ModelS[P, S, A, A]``, its parameters, a state and an ``A`` give ``list[A]``.

    Args:
        m: a model whose outputs can be its inputs.
        p: its parameters, checked once.
        s: the state to start from (e.g. from ``prime``).
        x0: the first input.
        n: how many outputs to generate.

    Returns:
        The ``n`` outputs, each fed back as the next input.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> doubling = nn.ar(1)
        >>> ys = feedback(doubling, nn.ARParams(0.0, np.array([2.0])), np.zeros(0), 1.0, 4)
        >>> [float(y) for y in ys]
        [2.0, 4.0, 8.0, 16.0]
    """
    f = _checked_run(m, p)
    ys = []
    x = x0
    for _ in range(n):
        x, s = f(p, x, s)
        ys.append(x)
    return ys


def prime(m: ModelS[P, S, A, B], p: P, s: S, xs: Iterable[A]) -> S:
    """Run a stateful model along ``xs`` and return the state it ends in.

    Types: ``ModelS[P, S, A, B]``, its parameters, a state and a sequence of ``A`` give
    ``S``.

    Args:
        m: the stateful model.
        p: its parameters, checked once.
        s: the state to start from.
        xs: the inputs.

    Returns:
        The final state.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> prime(nn.ar(3), nn.ar(3).init(0), np.zeros(2), [1.0, 2.0, 3.0])
        array([3., 2.])
    """
    f = _checked_run(m, p)
    for x in _steps(xs):
        _, s = f(p, x, s)
    return s


def _checked_run(m: ModelS[P, S, A, B], p: P) -> Callable[[P, A, S], tuple[B, S]]:
    """``m``'s function, after checking ``p`` once for all the steps it will run."""
    if p is not m._seen:
        m._admit(p)
    run: Callable[[P, A, S], tuple[B, S]] = m._unchecked_apply
    return run
