"""Combinators: models made from models.

Each takes models and returns a model of new types: ``to_stateful`` lifts a stateless model
to a stateful one; ``map_s`` transforms a stateful model's outputs; ``unroll`` and
``unroll_last`` run one along a sequence; ``fix_state``, ``zero_state`` and
``train_state`` make a stateless model of a stateful one; ``recurrently``,
``recurrently_with`` and ``lagged`` make a stateful model of a stateless one. ``feedback``
and ``prime`` run a stateful model. Composition itself (``>>``, ``<<``, ``nn.then``) is in
the model module.

Each combinator is defined with its ``Combinator``, the metadata its models carry: how
their parameters, state and sizes relate to the wrapped model's.

References:
    Justin Le, *A purely functional typed approach to trainable models* (2018), where
    these are ``toS``, ``mapS``, ``unroll``, ``unrollLast``, ``fixState``, ``zeroState``,
    ``trainState``, ``recurrently``, ``recurrentlyWith``, ``lagged``, ``feedbackTrace``
    and ``prime``.

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
from paralens.nn._model import Model, ModelS, _Base
from paralens.nn._structure import (
    CHILD_PARAMS,
    FROM_CHILD_SIZES,
    INPUT_FROM_CHILD_SIZES,
    OUTPUT_FROM_CHILD_SIZES,
    Combinator,
    ParamPart,
    ParamsRule,
    State,
    input_end,
    output_end,
)

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


def _wrap_stateless(
    m: _Base[Any], combinator: Combinator, apply: Callable[[Any, Any], Any], init: Any = None
) -> Model[Any, Any, Any]:
    """A model of ``combinator`` around ``m``, named ``kind(m)``."""
    return Model(
        apply,
        m._init if init is None else init,
        name=f"{combinator.kind}({m.name})",
        kind=combinator,
        children=(m,),
        preserves_size=combinator.sizes.preserves_size((m,)),
    )


def _wrap_stateful(
    m: _Base[Any],
    combinator: Combinator,
    apply: Callable[[Any, Any, Any], Any],
    init_state: Callable[[np.random.Generator], Any] | None = None,
    name: str | None = None,
) -> ModelS[Any, Any, Any, Any]:
    """A stateful model of ``combinator`` around ``m``, with ``m``'s parameters and, unless
    ``init_state`` is given, its state; named ``kind(m)`` unless ``name`` is given."""
    if init_state is None:
        assert combinator.state is State.CHILD and isinstance(m, ModelS)
        init_state = m._init_state
    return ModelS(
        apply,
        m._init,
        init_state,
        name=name or f"{combinator.kind}({m.name})",
        kind=combinator,
        children=(m,),
        preserves_size=combinator.sizes.preserves_size((m,)),
    )


TO_STATEFUL = Combinator("to_stateful", CHILD_PARAMS, State.NONE, FROM_CHILD_SIZES)


def to_stateful(m: Model[P, A, B]) -> ModelS[P, None, A, B]:
    """A stateless model as a stateful one that passes its state through unchanged.

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
    f = m._unchecked_apply

    def apply(p: P, x: A, s: None) -> tuple[B, None]:
        return f(p, x), s

    return _wrap_stateful(m, TO_STATEFUL, apply, _no_state)


MAP_S = Combinator("map_s", CHILD_PARAMS, State.CHILD, INPUT_FROM_CHILD_SIZES)


def map_s(f: Callable[[B], C], m: ModelS[P, S, A, B]) -> ModelS[P, S, A, C]:
    """Apply ``f`` to a stateful model's outputs, leaving its state alone.

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
    g = m._unchecked_apply

    def apply(p: P, x: A, s: S) -> tuple[C, S]:
        y, s = g(p, x, s)
        return f(y), s

    name = f"map_s({getattr(f, '__name__', 'f')}, {m.name})"
    return _wrap_stateful(m, MAP_S, apply, name=name)


UNROLL = Combinator("unroll", CHILD_PARAMS, State.CHILD, FROM_CHILD_SIZES)


def unroll(m: ModelS[P, S, A, B]) -> ModelS[P, S, Iterable[A], list[B]]:
    """Run a stateful model along a sequence, keeping every output.

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
    f = m._unchecked_apply

    def apply(p: P, xs: Iterable[A], s: S) -> tuple[list[B], S]:
        ys = []
        for x in xs:
            y, s = f(p, x, s)
            ys.append(y)
        return ys, s

    return _wrap_stateful(m, UNROLL, apply)


UNROLL_LAST = Combinator("unroll_last", CHILD_PARAMS, State.CHILD, FROM_CHILD_SIZES)


def unroll_last(m: ModelS[P, S, A, B]) -> ModelS[P, S, Iterable[A], B]:
    """Run a stateful model along a sequence, keeping the last output.

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
    f = m._unchecked_apply
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

    return _wrap_stateful(m, UNROLL_LAST, apply, name=name)


FIX_STATE = Combinator("fix_state", CHILD_PARAMS, State.NONE, FROM_CHILD_SIZES)


def fix_state(s0: S, m: ModelS[P, S, A, B]) -> Model[P, A, B]:
    """A stateful model as a stateless one that always starts from ``s0`` and drops the
    final state.

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
    return _wrap_stateless(m, FIX_STATE, _from_state(s0, m))


def _from_state(s0: S, m: ModelS[P, S, A, B]) -> Callable[[P, A], B]:
    f = m._unchecked_apply

    def apply(p: P, x: A) -> B:
        y: B = f(p, x, s0)[0]
        return y

    return apply


ZERO_STATE = Combinator("zero_state", CHILD_PARAMS, State.NONE, FROM_CHILD_SIZES)


def zero_state(m: ModelS[P, S, A, B]) -> Model[P, A, B]:
    """A stateful model as a stateless one that starts from a zero state.

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
    return _wrap_stateless(m, ZERO_STATE, _from_state(s0, m))


class _ParamsAndInitialState(ParamsRule):
    """The pair (the wrapped model's parameters, its initial state)."""

    def parts(self, m: Any) -> tuple[ParamPart, ...]:
        (child,) = m.children
        initial = ParamPart(
            1, make=child._init_state, owner=f"the initial state of {child.name!r}", label="state₀"
        )
        return (ParamPart(0, child=child), initial)

    def container(self, m: Any) -> str | None:
        return "a pair (parameters, initial state)"


TRAIN_STATE = Combinator("train_state", _ParamsAndInitialState(), State.NONE, FROM_CHILD_SIZES)


def train_state(m: ModelS[P, S, A, B]) -> Model[tuple[P, S], A, B]:
    """A stateful model as a stateless one whose initial state is a trained parameter.

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
    f = m._unchecked_apply
    init_p, init_s = m._init, m._init_state

    def apply(p: tuple[P, S], x: A) -> B:
        y: B = f(p[0], x, p[1])[0]
        return y

    def init(rng: np.random.Generator) -> tuple[P, S]:
        return init_p(rng), init_s(rng)

    return _wrap_stateless(m, TRAIN_STATE, apply, init)


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
    f, keep = m._unchecked_apply, store

    def apply(p: P, x: A, s: B) -> tuple[C, B]:
        y: C = f(p, (x, s))
        return y, keep(y)

    name = f"recurrently_with({getattr(store, '__name__', 'store')}, {m.name})"
    return _wrap_stateful(m, RECURRENTLY_WITH, apply, _first_state(m, init_state, name), name)


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
    f = m._unchecked_apply

    def apply(p: P, x: A, s: B) -> tuple[B, B]:
        y: B = f(p, (x, s))
        return y, y

    name = f"recurrently({m.name})"
    return _wrap_stateful(m, RECURRENTLY, apply, _first_state(m, init_state, name), name)


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
    f = m._unchecked_apply

    def apply(p: P, x: float, s: Array) -> tuple[B, Array]:
        x_col = pnp.expand_dims(x, -1)
        # adding 0 * x broadcasts an unbatched state against a batch of inputs
        full = pnp.concatenate([s + 0.0 * x_col, x_col], axis=-1)
        return f(p, full), full[..., 1:]

    def init_state(rng: np.random.Generator) -> Array:
        return np.zeros(n)

    return _wrap_stateful(m, LAGGED, apply, init_state, f"lagged({n}, {m.name})")


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
    for x in xs:
        _, s = f(p, x, s)
    return s


def _checked_run(m: ModelS[P, S, A, B], p: P) -> Callable[[P, A, S], tuple[B, S]]:
    """``m``'s function, after checking ``p`` once for all the steps it will run."""
    if p is not m._seen:
        m._admit(p)
    run: Callable[[P, A, S], tuple[B, S]] = m._unchecked_apply
    return run
