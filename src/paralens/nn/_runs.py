"""How a sequential composition runs: its ``apply`` and, with stateful parts, its state.

``nn.then`` builds a composite from its parts' own (unchecked) functions; the composite's
``apply`` checks the whole parameter tuple once, so the parts run without checks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["chain_apply", "stateful_chain"]


def chain_apply(applies: Sequence[Callable[[Any, Any], Any]]) -> Callable[[Any, Any], Any]:
    """Apply stateless parts in turn, each with its entry of the parameter tuple."""
    # One Python call per part, as a hand-written composite would make; the loop only
    # from three parts on, since ``>>`` builds pairs.
    if len(applies) == 1:
        (only,) = applies
        return lambda p, x: only(p[0], x)
    if len(applies) == 2:
        first, second = applies
        return lambda p, x: second(p[1], first(p[0], x))

    def apply(p: tuple[Any, ...], x: Any) -> Any:
        for part, params in zip(applies, p, strict=True):
            x = part(params, x)
        return x

    return apply


def stateful_chain(
    runs: Sequence[Callable[..., Any]],
    stateful: Sequence[bool],
    first_states: Sequence[Callable[[np.random.Generator], Any]],
) -> tuple[Callable[[Any, Any, Any], Any], Callable[[np.random.Generator], Any]]:
    """The ``apply`` and ``init_state`` of a chain whose first part is stateful.

    Args:
        runs: each part's function, ``(p, x, s) -> (y, s)`` or, for a stateless part,
            ``(p, x) -> y``.
        stateful: which parts are stateful.
        first_states: the stateful parts' makers of a first state, in order.
    """
    single = len(first_states) == 1
    if single:
        init_state = first_states[0]
    else:

        def init_state(rng: np.random.Generator) -> tuple[Any, ...]:
            return tuple(make(rng) for make in first_states)

    if len(runs) == 2:
        return stateful_pair(runs[0], runs[1], stateful[1]), init_state
    steps = list(zip(runs, stateful, strict=True))

    def apply(p: tuple[Any, ...], x: Any, s: Any) -> tuple[Any, Any]:
        given = iter((s,) if single else s)
        kept = []
        for (run, has_state), params in zip(steps, p, strict=True):
            if has_state:
                x, new = run(params, x, next(given))
                kept.append(new)
            else:
                x = run(params, x)
        return x, kept[0] if single else tuple(kept)

    return apply, init_state


def stateful_pair(
    first: Callable[[Any, Any, Any], Any], second: Callable[..., Any], second_stateful: bool
) -> Callable[[Any, Any, Any], Any]:
    """The two stateful chains ``>>`` builds, written out, since a recurrent step runs once
    per time step: two stateful parts pair their states; a stateless second part adds none."""
    if second_stateful:

        def apply(p: tuple[Any, Any], x: Any, s: tuple[Any, Any]) -> tuple[Any, Any]:
            y, s_first = first(p[0], x, s[0])
            z, s_second = second(p[1], y, s[1])
            return z, (s_first, s_second)

        return apply

    def apply_then_stateless(p: tuple[Any, Any], x: Any, s: Any) -> tuple[Any, Any]:
        y, s_first = first(p[0], x, s)
        return second(p[1], y), s_first

    return apply_then_stateless
