"""Update rules: a pair of pure functions with an explicit state, and their composition."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, NamedTuple

from paralens.optim._checks import check_real, map_like
from paralens.tree import is_integer, tree_map

__all__ = ["EmptyState", "UpdateRule", "apply_updates", "chain"]

InitFn = Callable[[Any], Any]
UpdateFn = Callable[[Any, Any, Any], tuple[Any, Any]]


class UpdateRule(NamedTuple):
    """An update rule (an optimiser): ``init(params) -> state`` and
    ``update(grads, state, params) -> (updates, state)``.

    Both functions are pure: they return new values and never change their arguments.
    ``updates`` has the structure of ``params``; ``apply_updates(params, updates)`` adds
    them. A rule is a value: rules compose with ``chain``.

    Examples:
        >>> rule = scale(-0.5)
        >>> state = rule.init({"w": 2.0})
        >>> updates, state = rule.update({"w": 4.0}, state, {"w": 2.0})
        >>> updates
        {'w': -2.0}
        >>> apply_updates({"w": 2.0}, updates)
        {'w': 0.0}
    """

    init: InitFn
    update: UpdateFn


class EmptyState(NamedTuple):
    """The state of a rule that keeps none (``scale``, ``add_weight_decay``...)."""


def _empty_init(params: Any) -> EmptyState:
    return EmptyState()


def scale(factor: float) -> UpdateRule:
    """Multiply the incoming gradients (or updates) by ``factor``.

    Raises:
        ValueError: ``factor`` is a number that is not finite.

    Examples:
        >>> scale(3.0).update((1.0, 2.0), EmptyState(), None)
        ((3.0, 6.0), EmptyState())
    """
    if isinstance(factor, numbers.Real):
        # A traced factor (a step size being learned, see learn.hypergradient) stays as is.
        check_real("scale", "factor", factor)

    def update(grads: Any, state: EmptyState, params: Any = None) -> tuple[Any, EmptyState]:
        return tree_map(lambda g: factor * g, grads), state

    return UpdateRule(_empty_init, update)


def chain(*rules: UpdateRule) -> UpdateRule:
    """The rule that applies ``rules`` in order, each to the updates of the one before.

    The state of the chain is the tuple of the states of its rules. Two laws hold: how
    rules are grouped does not matter (``chain`` is associative), and ``chain()``, the
    chain of no rule, changes nothing (it is the identity), as does any rule that passes
    its updates through unchanged, such as ``scale(1.0)``.

    Examples:
        >>> rule = chain(scale(2.0), scale(-0.25))
        >>> state = rule.init(1.0)
        >>> state
        (EmptyState(), EmptyState())
        >>> rule.update(4.0, state, 1.0)[0]
        -2.0

        The laws, on a gradient and parameters (``run`` makes three updates):

        >>> from paralens.optim import add_weight_decay, scale_by_adam
        >>> a, b, c = scale_by_adam(), add_weight_decay(0.1), scale(-0.5)
        >>> def run(rule, g=0.3, p=2.0):
        ...     state = rule.init(p)
        ...     for _ in range(3):
        ...         updates, state = rule.update(g, state, p)
        ...     return updates
        >>> run(chain(chain(a, b), c)) == run(chain(a, chain(b, c))) == run(chain(a, b, c))
        True
        >>> run(chain(chain(), a)) == run(chain(a, chain())) == run(a)
        True
        >>> run(chain(scale(1.0), a)) == run(chain(a, scale(1.0))) == run(a)
        True
    """
    for i, rule in enumerate(rules):
        if not isinstance(rule, UpdateRule):
            raise TypeError(
                f"chain: argument {i} is a {type(rule).__name__}, not an UpdateRule; pass "
                f"rules such as scale_by_adam() or sgd(0.1) (call the constructor)"
            )

    def init(params: Any) -> tuple[Any, ...]:
        return tuple(rule.init(params) for rule in rules)

    def update(grads: Any, state: tuple[Any, ...], params: Any = None) -> tuple[Any, Any]:
        if len(state) != len(rules):
            raise ValueError(
                f"chain of {len(rules)} rules was given a state of {len(state)}; "
                f"use the state made by this chain's init"
            )
        new_states = []
        for rule, s in zip(rules, state, strict=True):
            grads, s = rule.update(grads, s, params)
            new_states.append(s)
        return grads, tuple(new_states)

    return UpdateRule(init, update)


def _add_leaf(p: Any, u: Any) -> Any:
    # Integer leaves (counts, sizes) are constants of the model, not trained values.
    return p if is_integer(p) else p + u


def apply_updates(params: Any, updates: Any) -> Any:
    """``params + updates`` leaf by leaf, as a new value (integer leaves are kept).

    Raises:
        ValueError: ``updates`` has another structure than ``params``, or a leaf of another
            shape (which would broadcast the parameter to a new shape); the message names
            the path of the leaf.

    Examples:
        >>> import numpy as np
        >>> apply_updates({"w": np.array([1.0, 2.0]), "n": 3}, {"w": np.array([0.5, 0.5]), "n": 0})
        {'w': array([1.5, 2.5]), 'n': 3}
        >>> apply_updates({"w": np.zeros(2)}, {"w": np.zeros((2, 1))})
        Traceback (most recent call last):
        ...
        ValueError: apply_updates: the updates at ['w'] have shape (2, 1) where the parameter has shape (2,); compute them from parameters of this shape (a gradient has the shape of its parameter)
    """  # noqa: E501
    return map_like("apply_updates", _add_leaf, params, updates, what="the updates")
