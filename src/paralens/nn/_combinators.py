"""Combinators: models made from models.

Each takes models and returns a model of new types. Here: ``to_stateful`` lifts a
stateless model to a stateful one; ``map_s`` transforms a stateful model's outputs;
``fix_state``, ``zero_state`` and ``train_state`` make a stateless model of a stateful
one. In ``nn._sequences``: ``unroll`` and ``unroll_last`` run a stateful model along a
sequence, ``feedback`` and ``prime`` run one. In ``nn._memory``: ``recurrently``,
``recurrently_with`` and ``lagged`` make a stateful model of a stateless one.
Composition itself (``>>``, ``<<``, ``nn.then``) is in the model module.

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

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from paralens import tree
from paralens._core import plain_value
from paralens.nn._base import ModelBase
from paralens.nn._model import Model, ModelS
from paralens.nn._structure import (
    CHILD_PARAMS,
    FROM_CHILD_SIZES,
    INPUT_FROM_CHILD_SIZES,
    Combinator,
    ParamPart,
    ParamsRule,
    State,
)
from paralens.tree._convert import library_of

__all__ = [
    "Build",
    "fix_state",
    "map_s",
    "to_stateful",
    "train_state",
    "wrap_stateful",
    "wrap_stateless",
    "zero_state",
]

P = TypeVar("P")
S = TypeVar("S")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")


def _no_state(rng: np.random.Generator) -> None:
    return None


Build = Callable[[Callable[..., Any]], Callable[..., Any]]
"""How a combinator makes its function from the wrapped model's: the same for training and
for evaluation (``model.evaluation()``), which differ where a layer inside does."""


def wrap_stateless(
    m: ModelBase[Any], combinator: Combinator, build: Build, init: Any = None
) -> Model[Any, Any, Any]:
    """A model of ``combinator`` around ``m``, named ``kind(m)``, whose function ``build``
    makes from ``m``'s."""
    return Model(
        build(m._unchecked_apply),
        m._init if init is None else init,
        name=f"{combinator.kind}({m.name})",
        kind=combinator,
        children=(m,),
        preserves_size=combinator.sizes.preserves_size((m,)),
        evaluation=_evaluation(m, build),
    )


def _evaluation(m: ModelBase[Any], build: Build) -> Callable[..., Any] | None:
    """The wrapper's function in evaluation, where ``m``'s differs from its training one."""
    if m._evaluation_apply is m._unchecked_apply:
        return None
    return build(m._evaluation_apply)


def wrap_stateful(
    m: ModelBase[Any],
    combinator: Combinator,
    build: Build,
    init_state: Callable[[np.random.Generator], Any] | None = None,
    name: str | None = None,
) -> ModelS[Any, Any, Any, Any]:
    """A stateful model of ``combinator`` around ``m``, with ``m``'s parameters and, unless
    ``init_state`` is given, its state; named ``kind(m)`` unless ``name`` is given; its
    function is what ``build`` makes of ``m``'s."""
    if init_state is None:
        assert combinator.state is State.CHILD and isinstance(m, ModelS)
        init_state = m._init_state
    return ModelS(
        build(m._unchecked_apply),
        m._init,
        init_state,
        name=name or f"{combinator.kind}({m.name})",
        kind=combinator,
        children=(m,),
        preserves_size=combinator.sizes.preserves_size((m,)),
        evaluation=_evaluation(m, build),
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
    return wrap_stateful(m, TO_STATEFUL, _passing_state, _no_state)


def _passing_state(f: Callable[[P, A], B]) -> Callable[[P, A, None], tuple[B, None]]:
    def apply(p: P, x: A, s: None) -> tuple[B, None]:
        return f(p, x), s

    return apply


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

    def build(g: Callable[[P, A, S], tuple[B, S]]) -> Callable[[P, A, S], tuple[C, S]]:
        def apply(p: P, x: A, s: S) -> tuple[C, S]:
            y, s = g(p, x, s)
            return f(y), s

        return apply

    name = f"map_s({getattr(f, '__name__', 'f')}, {m.name})"
    return wrap_stateful(m, MAP_S, build, name=name)


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
    return wrap_stateless(m, FIX_STATE, _from_state(s0))


def _from_state(s0: S) -> Build:
    def build(f: Callable[..., Any]) -> Callable[[Any, Any], Any]:
        def apply(p: Any, x: Any) -> Any:
            plain = plain_value(x)
            if type(plain) is not np.ndarray and library_of(plain) is not None:
                # The zero state made in the library, and on the device, of the input.
                return f(p, x, tree.asarray_like(s0, plain))[0]
            return f(p, x, s0)[0]

        return apply

    return build


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
    return wrap_stateless(m, ZERO_STATE, _from_state(s0))


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
    init_p, init_s = m._init, m._init_state

    def init(rng: np.random.Generator) -> tuple[P, S]:
        return init_p(rng), init_s(rng)

    return wrap_stateless(m, TRAIN_STATE, _from_trained_state, init)


def _from_trained_state(f: Callable[..., Any]) -> Callable[[Any, Any], Any]:
    def apply(p: tuple[Any, Any], x: Any) -> Any:
        return f(p[0], x, p[1])[0]

    return apply
