"""Update rules: a pair of pure functions with an explicit state, and their composition."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from paralens._core._vspace import is_integer
from paralens.tree import tree_map

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

    Examples:
        >>> scale(3.0).update((1.0, 2.0), EmptyState(), None)
        ((3.0, 6.0), EmptyState())
    """

    def update(grads: Any, state: EmptyState, params: Any = None) -> tuple[Any, EmptyState]:
        return tree_map(lambda g: factor * g, grads), state

    return UpdateRule(_empty_init, update)


def chain(*rules: UpdateRule) -> UpdateRule:
    """The rule that applies ``rules`` in order, each to the updates of the one before.

    The state of the chain is the tuple of the states of its rules.

    Examples:
        >>> rule = chain(scale(2.0), scale(-0.25))
        >>> state = rule.init(1.0)
        >>> state
        (EmptyState(), EmptyState())
        >>> rule.update(4.0, state, 1.0)[0]
        -2.0
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

    Examples:
        >>> import numpy as np
        >>> apply_updates({"w": np.array([1.0, 2.0]), "n": 3}, {"w": np.array([0.5, 0.5]), "n": 0})
        {'w': array([1.5, 2.5]), 'n': 3}
    """
    return tree_map(_add_leaf, params, updates)
