"""What the update rules refuse: hyperparameters out of range, updates of another shape.

Hyperparameters are checked once, when a rule is built, and the message gives the allowed
range. Gradients and updates are checked leaf by leaf as they are used (a comparison of two
shape tuples per leaf, nothing per element), so that a gradient of shape ``(2, 1)`` for a
parameter of shape ``(2,)`` is refused instead of broadcasting the parameter to ``(2, 2)``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

from paralens.tree import tree_leaves_with_path, tree_map

__all__ = ["check_real", "map_like"]


def _range_text(lower: float | None, upper: float | None, closed: str) -> str:
    """``closed`` is two characters, ``[`` or ``(`` then ``]`` or ``)``."""
    if lower is not None and upper is not None:
        return f"in {closed[0]}{lower:g}, {upper:g}{closed[1]}"
    if lower is not None:
        return f"{'>=' if closed[0] == '[' else '>'} {lower:g}"
    if upper is not None:
        return f"{'<=' if closed[1] == ']' else '<'} {upper:g}"
    return "finite"


def check_real(
    rule: str,
    name: str,
    value: Any,
    lower: float | None = None,
    upper: float | None = None,
    closed: str = "[]",
    hint: str = "",
) -> float:
    """``value`` as a float, or a ``ValueError`` naming ``rule``, ``name`` and the range.

    Args:
        rule: the rule being built, as the user called it (``"sgd"``).
        name: the argument.
        value: what was passed.
        lower: the smallest allowed value (``None``: no bound).
        upper: the largest allowed value (``None``: no bound).
        closed: whether each bound is allowed itself, ``"[]"``, ``"[)"``, ``"(]"`` or ``"()"``.
        hint: a typical value, shown after the range.

    Raises:
        TypeError: ``value`` is not a real number.
        ValueError: it is not finite or out of range.

    Examples:
        >>> check_real("sgd", "momentum", 0.9, 0.0, 1.0, "[)")
        0.9
        >>> check_real("sgd", "momentum", 2, 0.0, 1.0, "[)", hint="0.9 is usual; 0 for none")
        Traceback (most recent call last):
        ...
        ValueError: sgd: momentum must be a finite number in [0, 1), got 2 (0.9 is usual; 0 for none)
    """  # noqa: E501
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{rule}: {name} must be a number, got {type(value).__name__}")
    number = float(value)
    too_low = lower is not None and (number < lower or (closed[0] == "(" and number == lower))
    too_high = upper is not None and (number > upper or (closed[1] == ")" and number == upper))
    if not math.isfinite(number) or too_low or too_high:
        allowed = _range_text(lower, upper, closed)
        shown = "finite" if allowed == "finite" else f"finite number {allowed}"
        article = "" if allowed == "finite" else "a "
        extra = f" ({hint})" if hint else ""
        raise ValueError(f"{rule}: {name} must be {article}{shown}, got {value!r}{extra}")
    return number


class _ShapeChanged(Exception):
    """Raised inside a leaf function; ``map_like`` turns it into the message with a path."""


def _shape(x: Any) -> Any:
    return getattr(x, "shape", ())


def map_like(rule: str, fn: Callable[..., Any], like: Any, *rest: Any, what: str = "") -> Any:
    """``tree_map(fn, like, *rest)``, refusing leaves of ``rest`` shaped unlike ``like``'s.

    Args:
        rule: the rule applying ``fn``, for the message.
        fn: the leaf function; its first argument comes from ``like``.
        like: the value whose structure and leaf shapes the result must have (the
            parameters, or a state shaped like them).
        rest: values of the same structure (the gradients or updates).
        what: what ``rest`` holds, for the message (``"the gradients"``).

    Raises:
        ValueError: a structure differs, or a leaf of ``rest`` has another shape than its
            ``like`` leaf; the message names the path of the first such leaf.

    Examples:
        >>> import numpy as np
        >>> map_like("sgd", lambda p, u: p + u, [np.zeros(2)], [np.ones(2)])
        [array([1., 1.])]
        >>> map_like("sgd", lambda p, u: p + u, [np.zeros(2)], [np.ones((2, 1))],
        ...          what="the updates")
        Traceback (most recent call last):
        ...
        ValueError: sgd: the updates at [0] have shape (2, 1) where the parameter has shape (2,); compute them from parameters of this shape (a gradient has the shape of its parameter)
    """  # noqa: E501

    def leaf(first: Any, *others: Any) -> Any:
        shape = _shape(first)
        for other in others:
            if _shape(other) != shape:
                raise _ShapeChanged
        return fn(first, *others)

    try:
        return tree_map(leaf, like, *rest)
    except _ShapeChanged:
        raise ValueError(_shape_message(rule, like, rest, what)) from None
    except ValueError as err:
        if "structures differ" not in str(err):
            raise
        raise ValueError(
            f"{rule}: {what or 'the gradients'} have another structure than the parameters "
            f"({err}); pass values shaped like the parameters the rule was initialised with"
        ) from None


def _shape_message(rule: str, like: Any, rest: tuple[Any, ...], what: str) -> str:
    paths = tree_leaves_with_path(like)
    for other in rest:
        for (path, first), (_, leaf) in zip(paths, tree_leaves_with_path(other), strict=True):
            if _shape(leaf) != _shape(first):
                return (
                    f"{rule}: {what or 'the gradients'} at {path or 'the root'} have shape "
                    f"{_shape(leaf)} where the parameter has shape {_shape(first)}; compute "
                    f"them from parameters of this shape (a gradient has the shape of its "
                    f"parameter)"
                )
    return f"{rule}: {what or 'the gradients'} broadcast a parameter to another shape"
