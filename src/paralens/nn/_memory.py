"""Stateful models that remember: ``recurrently``, ``recurrently_with`` and ``lagged``.

Each feeds a model more than its input: its last output (``recurrently``), what it kept of
it (``recurrently_with``), or the inputs before it (``lagged``), and keeps that as a state
of its own, which the pictures draw looping back.

Examples:
    >>> import numpy as np
    >>> from paralens import nn
    >>> window = nn.lagged(2, nn.linear(3, 1))
    >>> window.init_state(0), window.kind
    (array([0., 0.]), 'lagged')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

import paralens.numpy as pnp
from paralens.nn._combinators import wrap_stateful
from paralens.nn._layers import Array
from paralens.nn._model import Model, ModelS
from paralens.nn._structure import (
    CHILD_PARAMS,
    OUTPUT_FROM_CHILD_SIZES,
    Combinator,
    State,
    input_end,
    output_end,
)

__all__ = ["lagged", "recurrently", "recurrently_with"]

P = TypeVar("P")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")


RECURRENTLY_WITH = Combinator("recurrently_with", CHILD_PARAMS, State.OWN, OUTPUT_FROM_CHILD_SIZES)


def recurrently_with(
    store: Callable[[C], B],
    m: Model[P, tuple[A, B], C],
    init_state: Callable[[np.random.Generator], B] | None = None,
) -> ModelS[P, B, A, C]:
    """A model of ``(input, stored value)`` as a stateful model that stores ``store(output)``.

    Types: ``(C -> B)`` and ``Model[P, tuple[A, B], C]`` give ``ModelS[P, B, A, C]``.

    Args:
        store: what to keep of each output, e.g. ``pnp.logistic``.
        m: the model of a pair ``(x, s)``.
        init_state: makes the first state; by default zeros of ``m``'s output size.

    Returns:
        The stateful model, of kind ``"recurrently_with"``.

    Raises:
        ValueError: no ``init_state`` is given and ``m`` declares no output size.

    Examples:
        >>> import numpy as np
        >>> import paralens.numpy as pnp
        >>> from paralens import nn
        >>> joined = nn.fn(lambda xs: pnp.concatenate(xs, axis=-1), name="concat")
        >>> m = recurrently_with(pnp.logistic, joined >> nn.linear(3, 2))
        >>> m
        ModelS(recurrently_with(sigmoid, concat >> linear(3, 2)))
        >>> m.init_state(0)
        array([0., 0.])
    """
    keep = store

    def build(f: Callable[[P, tuple[A, B]], C]) -> Callable[[P, A, B], tuple[C, B]]:
        def apply(p: P, x: A, s: B) -> tuple[C, B]:
            y: C = f(p, (x, s))
            return y, keep(y)

        return apply

    name = f"recurrently_with({getattr(store, '__name__', 'store')}, {m.name})"
    return wrap_stateful(m, RECURRENTLY_WITH, build, _first_state(m, init_state, name), name)


RECURRENTLY = Combinator("recurrently", CHILD_PARAMS, State.OWN, OUTPUT_FROM_CHILD_SIZES)


def recurrently(
    m: Model[P, tuple[A, B], B],
    init_state: Callable[[np.random.Generator], B] | None = None,
) -> ModelS[P, B, A, B]:
    """A model of ``(input, previous output)`` as a stateful model whose state is its last
    output.

    Types: ``Model[P, tuple[A, B], B]`` becomes ``ModelS[P, B, A, B]``.

    Args:
        m: the model of a pair ``(x, previous y)``.
        init_state: makes the first state; by default zeros of ``m``'s output size.

    Returns:
        The stateful model, of kind ``"recurrently"``.

    Raises:
        ValueError: no ``init_state`` is given and ``m`` declares no output size.

    Examples:
        >>> import numpy as np
        >>> import paralens.numpy as pnp
        >>> from paralens import nn
        >>> joined = nn.fn(lambda xs: pnp.concatenate(xs, axis=-1), name="concat")
        >>> m = recurrently(joined >> nn.tanh_layer(3, 2))
        >>> y, s = m.apply(m.init(0), np.ones(1), m.init_state(0))
        >>> bool(np.all(y == s))
        True
    """
    name = f"recurrently({m.name})"
    return wrap_stateful(m, RECURRENTLY, _feeding_back, _first_state(m, init_state, name), name)


def _feeding_back(f: Callable[[P, tuple[A, B]], B]) -> Callable[[P, A, B], tuple[B, B]]:
    def apply(p: P, x: A, s: B) -> tuple[B, B]:
        y: B = f(p, (x, s))
        return y, y

    return apply


def _first_state(
    m: Model[Any, Any, Any], given: Callable[[np.random.Generator], Any] | None, name: str
) -> Callable[[np.random.Generator], Any]:
    """``given``, or zeros of the size of ``m``'s output."""
    if given is not None:
        return given
    out = output_end(m)
    if out is None:
        raise ValueError(
            f"{name}: the model declares no output size, so the first state is unknown; "
            f"pass init_state=lambda rng: np.zeros(n)"
        )
    size = out.size

    def zeros(rng: np.random.Generator) -> Array:
        return np.zeros(size)

    return zeros


LAGGED = Combinator("lagged", CHILD_PARAMS, State.OWN, OUTPUT_FROM_CHILD_SIZES)


def lagged(n: int, m: Model[P, Array, B]) -> ModelS[P, Array, float, B]:
    """A model of the last ``n + 1`` inputs as a stateful model of one input at a time,
    which keeps the ``n`` before it as its state.

    ``m`` sees ``[x_{t-n}, ..., x_{t-1}, x_t]`` (oldest first, as a vector of size
    ``n + 1``); the state starts at zeros.

    Types: ``Model[P, Array, B]`` becomes ``ModelS[P, Array, float, B]``: scalars in (or
    arrays of them, elementwise over a batch).

    Args:
        n: how many past inputs to keep, at least 1.
        m: the model of ``n + 1`` values.

    Returns:
        The stateful model, of kind ``"lagged"``.

    Raises:
        ValueError: ``m`` declares an input size other than ``n + 1``.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> m = lagged(1, nn.linear(2, 1))
        >>> p = nn.Linear(np.array([[-1.0], [2.0]]), np.zeros(1))
        >>> y, s = m.apply(p, 3.0, np.array([1.0]))
        >>> y, s
        (array([5.]), array([3.]))
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"lagged: n must be a positive int, got {n!r}")
    first = input_end(m)
    if first is not None and first.size != n + 1:
        raise ValueError(
            f"lagged({n}, {m.name}) feeds {n + 1} values to layer {first.layer!r}, which "
            f"expects inputs of size {first.size}; use lagged({first.size - 1}, ...) or a "
            f"layer of input size {n + 1}"
        )

    def init_state(rng: np.random.Generator) -> Array:
        return np.zeros(n)

    return wrap_stateful(m, LAGGED, _windowed, init_state, f"lagged({n}, {m.name})")


def _windowed(f: Callable[[P, Array], B]) -> Callable[[P, float, Array], tuple[B, Array]]:
    def apply(p: P, x: float, s: Array) -> tuple[B, Array]:
        x_col = pnp.expand_dims(x, -1)
        # adding 0 * x broadcasts an unbatched state against a batch of inputs
        full = pnp.concatenate([s + 0.0 * x_col, x_col], axis=-1)
        return f(p, full), full[..., 1:]

    return apply
