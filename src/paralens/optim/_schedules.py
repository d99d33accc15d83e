"""Schedules: learning rates as functions of the step count.

A schedule is a function ``step -> value`` of the number of updates made so far
(``0`` for the first). Wherever a rule takes a learning rate it also takes a schedule.
Each schedule checks its arguments when it is built (finite, in range).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

from paralens.optim._checks import check_real

__all__ = ["Schedule", "constant", "cosine_decay", "exponential_decay", "warmup"]

Schedule = Callable[[int], float]


def constant(value: float) -> Schedule:
    """The schedule that is ``value`` at every step.

    Examples:
        >>> constant(0.1)(1000)
        0.1
    """
    value = check_real("constant", "value", value)

    def schedule(step: int) -> float:
        return value

    return schedule


def exponential_decay(
    init_value: float, decay_rate: float, transition_steps: int, staircase: bool = False
) -> Schedule:
    """``init_value * decay_rate ** (step / transition_steps)``.

    Args:
        init_value: the value at step 0.
        decay_rate: the factor applied every ``transition_steps`` steps.
        transition_steps: how many steps one factor of ``decay_rate`` takes (positive).
        staircase: decay in whole steps of ``transition_steps`` (integer division).

    Examples:
        >>> schedule = exponential_decay(1.0, 0.5, transition_steps=10)
        >>> schedule(0), schedule(10), schedule(20)
        (1.0, 0.5, 0.25)
        >>> exponential_decay(1.0, 0.5, 10, staircase=True)(19)
        0.5
    """
    init_value = check_real("exponential_decay", "init_value", init_value)
    decay_rate = check_real("exponential_decay", "decay_rate", decay_rate, 0.0, None, "(]")
    transition_steps = _check_steps("exponential_decay", "transition_steps", transition_steps, 1)

    def schedule(step: int) -> float:
        exponent = step // transition_steps if staircase else step / transition_steps
        return float(init_value * decay_rate**exponent)

    return schedule


def cosine_decay(init_value: float, decay_steps: int, alpha: float = 0.0) -> Schedule:
    """Decay from ``init_value`` to ``alpha * init_value`` along half a cosine, then stay.

    References:
        Loshchilov and Hutter, *SGDR: Stochastic Gradient Descent with Warm Restarts*, 2017.

    Examples:
        >>> schedule = cosine_decay(1.0, decay_steps=100)
        >>> schedule(0), schedule(50), schedule(100), schedule(500)
        (1.0, 0.5, 0.0, 0.0)
    """
    init_value = check_real("cosine_decay", "init_value", init_value)
    decay_steps = _check_steps("cosine_decay", "decay_steps", decay_steps, 1)
    alpha = check_real("cosine_decay", "alpha", alpha, 0.0, 1.0)

    def schedule(step: int) -> float:
        t = min(step, decay_steps) / decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * t))
        return init_value * ((1.0 - alpha) * cosine + alpha)

    return schedule


def warmup(schedule: float | Schedule, warmup_steps: int, init_value: float = 0.0) -> Schedule:
    """Rise linearly from ``init_value`` to ``schedule``'s start, then follow ``schedule``.

    After ``warmup_steps`` steps the result is ``schedule(step - warmup_steps)``.

    Examples:
        >>> schedule = warmup(1.0, warmup_steps=4)
        >>> [schedule(step) for step in range(6)]
        [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    """
    warmup_steps = _check_steps("warmup", "warmup_steps", warmup_steps, 0)
    init_value = check_real("warmup", "init_value", init_value)
    after = as_schedule(schedule)
    peak = after(0)

    def warm(step: int) -> float:
        if step < warmup_steps:
            return init_value + (peak - init_value) * step / warmup_steps
        return after(step - warmup_steps)

    return warm


def _check_steps(rule: str, name: str, value: int, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        wanted = "a positive int" if least == 1 else f"an int >= {least}"
        raise ValueError(f"{rule}: {name} must be {wanted}, got {value!r}")
    return int(value)


def as_schedule(value: float | Schedule) -> Schedule:
    """``value`` itself if it is a schedule, else the constant schedule of ``value``.

    Raises:
        TypeError: ``value`` is neither a number nor a function.
        ValueError: ``value`` is a number that is not finite.
    """
    if callable(value):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"a learning rate must be a number or a schedule (a function of the step), "
            f"got {type(value).__name__}"
        )
    return constant(float(value))
