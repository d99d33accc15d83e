"""Combinators: models made from models, after *A purely functional typed approach to
trainable models*.

Each takes models and returns a model of new types: ``to_stateful`` (the series' ``toS``),
``map_s`` (``mapS``), ``unroll`` and ``unroll_last`` (``unroll``, ``unrollLast``),
``fix_state``, ``zero_state`` and ``train_state`` (``fixState``, ``zeroState``,
``trainState``), ``recurrently`` and ``recurrently_with`` (``recurrently``,
``recurrentlyWith``) and ``lagged`` (``lagged``); ``feedback`` and ``prime`` run a stateful
model (the series' ``feedbackTrace`` and ``prime``). Composition itself (``>>``, ``<<``;
the series' ``<~``, ``<*~*``, ``<*~``) lives on the model types.

Examples:
    >>> import numpy as np
    >>> from paralens import nn
    >>> rnn = nn.zero_state(nn.unroll_last(nn.fcrnn(1, 3)))
    >>> rnn
    Model(zero_state(unroll_last(fcrnn(1, 3))))
    >>> rnn.apply(rnn.init(0), np.ones((5, 1))).shape
    (3,)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np

import paralens.numpy as pnp
from paralens import tree
from paralens.nn._layers import Array
from paralens.nn._model import Model, ModelS, _Base, _in_end, _out_end

__all__ = [
    "feedback",
    "fix_state",
    "lagged",
    "map_s",
    "prime",
    "recurrently",
    "recurrently_with",
    "to_stateful",
    "train_state",
    "unroll",
    "unroll_last",
    "zero_state",
]

P = TypeVar("P")
S = TypeVar("S")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")


def _no_state(rng: np.random.Generator) -> None:
    return None


def _stateless(m: _Base[P], kind: str, apply: Callable[[P, A], B]) -> Model[P, A, B]:
    """A model of ``kind(m)`` around ``m``, with ``m``'s parameters and ``preserves_size``."""
    name = f"{kind}({m.name})"
    return Model(
        apply, m._init, name=name, kind=kind, children=(m,), preserves_size=m.preserves_size
    )


def _stateful(
    m: _Base[P],
    kind: str,
    apply: Callable[[P, A, S], tuple[B, S]],
    init_state: Callable[[np.random.Generator], S],
    *,
    name: str | None = None,
    keeps_size: bool = True,
) -> ModelS[P, S, A, B]:
    """A stateful model of ``kind`` around ``m``, with ``m``'s parameters (and, where
    ``keeps_size``, its ``preserves_size``); named ``kind(m)`` unless ``name`` is given."""
    return ModelS(
        apply,
        m._init,
        init_state,
        name=name or f"{kind}({m.name})",
        kind=kind,
        children=(m,),
        preserves_size=keeps_size and m.preserves_size,
    )


def to_stateful(m: Model[P, A, B]) -> ModelS[P, None, A, B]:
    """A stateless model as a stateful one that passes its state through: the series' ``toS``.

    Types: ``Model[P, A, B]`` becomes ``ModelS[P, None, A, B]`` (state ``None``), so it
    composes with stateful models: ``to_stateful(f) >> rnn``.

    Args:
        m: the stateless model.

    Returns:
        The stateful model, of kind ``"to_stateful"``.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> m = to_stateful(nn.linear(2, 1))
        >>> m.apply(m.init(0), np.zeros(2), None)
        (array([0.]), None)
    """
    f = m.apply

    def apply(p: P, x: A, s: None) -> tuple[B, None]:
        return f(p, x), s

    return _stateful(m, "to_stateful", apply, _no_state)


def map_s(f: Callable[[B], C], m: ModelS[P, S, A, B]) -> ModelS[P, S, A, C]:
    """Apply ``f`` to a stateful model's outputs, leaving its state alone: the series' ``mapS``.

    Types: ``(B -> C)`` and ``ModelS[P, S, A, B]`` give ``ModelS[P, S, A, C]``.

    Args:
        f: a parameterless function of the outputs, e.g. ``pnp.logistic``.
        m: the stateful model.

    Returns:
        The stateful model, of kind ``"map_s"``.

    Examples:
        >>> import numpy as np
        >>> import paralens.numpy as pnp
        >>> from paralens import nn
        >>> m = map_s(pnp.logistic, nn.fcrnn(1, 2))
        >>> y, s = m.apply(m.init(0), np.zeros(1), m.init_state(0))
        >>> y
        array([0.5, 0.5])
    """
    g = m.apply

    def apply(p: P, x: A, s: S) -> tuple[C, S]:
        y, s = g(p, x, s)
        return f(y), s

    name = f"map_s({getattr(f, '__name__', 'f')}, {m.name})"
    return _stateful(m, "map_s", apply, m._init_state, name=name, keeps_size=False)


def unroll(m: ModelS[P, S, A, B]) -> ModelS[P, S, Iterable[A], list[B]]:
    """Run a stateful model along a sequence, keeping every output: the series' ``unroll``.

    Types: ``ModelS[P, S, A, B]`` becomes ``ModelS[P, S, Iterable[A], list[B]]``; an array
    is a sequence along its first axis. Stack the outputs with ``pnp.stack`` if an array is
    wanted.

    Args:
        m: the stateful model.

    Returns:
        The model of sequences, of kind ``"unroll"``.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> m = unroll(nn.ar(1))
        >>> ys, s = m.apply(nn.ARParams(1.0, np.array([2.0])), [1.0, 2.0], np.zeros(0))
        >>> [float(y) for y in ys]
        [3.0, 5.0]
    """
    f = m.apply

    def apply(p: P, xs: Iterable[A], s: S) -> tuple[list[B], S]:
        ys = []
        for x in xs:
            y, s = f(p, x, s)
            ys.append(y)
        return ys, s

    return _stateful(m, "unroll", apply, m._init_state)


def unroll_last(m: ModelS[P, S, A, B]) -> ModelS[P, S, Iterable[A], B]:
    """Run a stateful model along a sequence, keeping the last output: the series'
    ``unrollLast``.

    Types: ``ModelS[P, S, A, B]`` becomes ``ModelS[P, S, Iterable[A], B]``.

    Args:
        m: the stateful model.

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
    f = m.apply
    name = f"unroll_last({m.name})"

    def apply(p: P, xs: Iterable[A], s: S) -> tuple[B, S]:
        it = iter(xs)
        try:
            x = next(it)
        except StopIteration:
            raise ValueError(
                f"{name} got an empty sequence, which has no last output; pass at least "
                f"one step (or use unroll, which returns all outputs, none for an empty one)"
            ) from None
        y, s = f(p, x, s)
        for x in it:
            y, s = f(p, x, s)
        return y, s

    return _stateful(m, "unroll_last", apply, m._init_state, name=name)


def fix_state(s0: S, m: ModelS[P, S, A, B]) -> Model[P, A, B]:
    """A stateful model as a stateless one that always starts from ``s0`` and drops the
    final state: the series' ``fixState``.

    Types: ``S`` and ``ModelS[P, S, A, B]`` give ``Model[P, A, B]``.

    Args:
        s0: the initial state.
        m: the stateful model.

    Returns:
        The stateless model, of kind ``"fix_state"``.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> m = fix_state(np.array([1.0]), nn.ar(2))
        >>> float(m.apply(nn.ARParams(0.0, np.array([1.0, 1.0])), 2.0))
        3.0
    """
    f = m.apply

    def apply(p: P, x: A) -> B:
        return f(p, x, s0)[0]

    return _stateless(m, "fix_state", apply)


def zero_state(m: ModelS[P, S, A, B]) -> Model[P, A, B]:
    """A stateful model as a stateless one that starts from a zero state: the series'
    ``zeroState``.

    The zero state has the structure and shapes of ``m.init_state``.

    Types: ``ModelS[P, S, A, B]`` becomes ``Model[P, A, B]``.

    Args:
        m: the stateful model.

    Returns:
        The stateless model, of kind ``"zero_state"``.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> m = zero_state(nn.ar(2))
        >>> float(m.apply(nn.ARParams(0.0, np.array([1.0, 1.0])), 2.0))
        2.0
    """
    s0: S = tree.zeros_like(m.init_state(0))
    return _stateless(m, "zero_state", fix_state(s0, m).apply)


def train_state(m: ModelS[P, S, A, B]) -> Model[tuple[P, S], A, B]:
    """A stateful model as a stateless one whose initial state is a trained parameter: the
    series' ``trainState``.

    Types: ``ModelS[P, S, A, B]`` becomes ``Model[tuple[P, S], A, B]``; the parameters are
    ``(p, s0)``, and ``init`` starts ``s0`` at ``m.init_state``.

    Args:
        m: the stateful model.

    Returns:
        The stateless model, of kind ``"train_state"``.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> m = train_state(nn.ar(2))
        >>> p, s0 = m.init(0)
        >>> s0
        array([0.])
    """
    f = m.apply
    init_p, init_s = m._init, m._init_state

    def apply(p: tuple[P, S], x: A) -> B:
        return f(p[0], x, p[1])[0]

    def init(rng: np.random.Generator) -> tuple[P, S]:
        return init_p(rng), init_s(rng)

    return Model(
        apply,
        init,
        name=f"train_state({m.name})",
        kind="train_state",
        children=(m,),
        preserves_size=m.preserves_size,
    )


def recurrently_with(
    store: Callable[[C], B],
    m: Model[P, tuple[A, B], C],
    init_state: Callable[[np.random.Generator], B] | None = None,
) -> ModelS[P, B, A, C]:
    """A model of ``(input, stored value)`` as a stateful model that stores ``store(output)``:
    the series' ``recurrentlyWith``.

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
    return _recurrently(store, m, init_state, "recurrently_with")


def recurrently(
    m: Model[P, tuple[A, B], B],
    init_state: Callable[[np.random.Generator], B] | None = None,
) -> ModelS[P, B, A, B]:
    """A model of ``(input, previous output)`` as a stateful model whose state is its last
    output: the series' ``recurrently``.

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
    return _recurrently(None, m, init_state, "recurrently")


def _recurrently(
    store: Callable[[Any], Any] | None,
    m: Model[Any, Any, Any],
    init_state: Callable[[np.random.Generator], Any] | None,
    kind: str,
) -> ModelS[Any, Any, Any, Any]:
    f = m.apply
    if init_state is None:
        out = _out_end(m)
        if out is None:
            raise ValueError(
                f"{kind}({m.name}): the model declares no output size, so the first state "
                f"is unknown; pass init_state=lambda rng: np.zeros(n)"
            )
        size = out[0]

        def zeros(rng: np.random.Generator) -> Array:
            return np.zeros(size)

        init_state = zeros
    if store is None:

        def apply(p: Any, x: Any, s: Any) -> tuple[Any, Any]:
            y = f(p, (x, s))
            return y, y

        name = f"recurrently({m.name})"
    else:
        keep = store

        def apply(p: Any, x: Any, s: Any) -> tuple[Any, Any]:
            y = f(p, (x, s))
            return y, keep(y)

        name = f"recurrently_with({getattr(store, '__name__', 'store')}, {m.name})"
    return _stateful(m, kind, apply, init_state, name=name, keeps_size=False)


def lagged(n: int, m: Model[P, Array, B]) -> ModelS[P, Array, float, B]:
    """A model of the last ``n + 1`` inputs as a stateful model of one input at a time,
    which keeps the ``n`` before it as its state: the series' ``lagged``.

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
    first = _in_end(m)
    if first is not None and first[0] != n + 1:
        raise ValueError(
            f"lagged({n}, {m.name}) feeds {n + 1} values to layer {first[1]!r}, which "
            f"expects inputs of size {first[0]}; use lagged({first[0] - 1}, ...) or a layer "
            f"of input size {n + 1}"
        )
    f = m.apply

    def apply(p: P, x: float, s: Array) -> tuple[B, Array]:
        x_col = pnp.expand_dims(x, -1)
        # adding 0 * x broadcasts an unbatched state against a batch of inputs
        full = pnp.concatenate([s + 0.0 * x_col, x_col], axis=-1)
        return f(p, full), full[..., 1:]

    def init_state(rng: np.random.Generator) -> Array:
        return np.zeros(n)

    return _stateful(
        m, "lagged", apply, init_state, name=f"lagged({n}, {m.name})", keeps_size=False
    )


def feedback(m: ModelS[P, S, A, A], p: P, s: S, x0: A, n: int) -> list[A]:
    """Run a stateful model on its own outputs, from ``x0``, to generate ``n`` values: the
    series' ``feedbackTrace``.

    Types: ``ModelS[P, S, A, A]``, its parameters, a state and an ``A`` give ``list[A]``.

    Args:
        m: a model whose outputs can be its inputs.
        p: its parameters.
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
    f = m.apply
    ys = []
    x = x0
    for _ in range(n):
        x, s = f(p, x, s)
        ys.append(x)
    return ys


def prime(m: ModelS[P, S, A, B], p: P, s: S, xs: Iterable[A]) -> S:
    """Run a stateful model along ``xs`` and return the state it ends in: the series'
    ``prime``.

    Types: ``ModelS[P, S, A, B]``, its parameters, a state and a sequence of ``A`` give
    ``S``.

    Args:
        m: the stateful model.
        p: its parameters.
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
    f = m.apply
    for x in xs:
        _, s = f(p, x, s)
    return s
