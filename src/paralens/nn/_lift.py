"""Models from plain functions: ``model``, ``model_s`` and ``fn``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np

from paralens.nn._base import no_params
from paralens.nn._model import Model, ModelS
from paralens.nn._structure import NO_PARAMS, Combinator

__all__ = ["fn", "model", "model_s"]

P = TypeVar("P")
S = TypeVar("S")
A = TypeVar("A")
B = TypeVar("B")

FN = Combinator("fn", NO_PARAMS)


def model(
    apply: Callable[[P, A], B],
    init: Callable[[np.random.Generator], P],
    *,
    name: str | None = None,
    in_size: int | None = None,
    out_size: int | None = None,
) -> Model[P, A, B]:
    """Turn a function ``(p, x) -> y`` and a parameter maker into a ``Model``.

    Args:
        apply: the model's function; write it with ``paralens.numpy`` so it differentiates.
        init: makes parameters from a ``numpy.random.Generator``.
        name: the model's name (default: the function's name).
        in_size: the input's last-axis size, if the model fixes it.
        out_size: the output's last-axis size, if the model fixes it.

    Returns:
        A ``Model[P, A, B]`` of kind ``"layer"``.

    Examples:
        >>> def affine(p, x):
        ...     return p[0] * x + p[1]
        >>> m = model(affine, lambda rng: (2.0, 1.0))
        >>> m, m.apply(m.init(0), 3.0)
        (Model(affine), 7.0)
    """
    name = name or str(getattr(apply, "__name__", "model"))
    return Model(apply, init, name=name, in_size=in_size, out_size=out_size)


def model_s(
    apply: Callable[[P, A, S], tuple[B, S]],
    init: Callable[[np.random.Generator], P],
    init_state: Callable[[np.random.Generator], S],
    *,
    name: str | None = None,
    in_size: int | None = None,
    out_size: int | None = None,
) -> ModelS[P, S, A, B]:
    """Turn a function ``(p, x, s) -> (y, s)`` and makers of parameters and state into a
    ``ModelS``.

    Args:
        apply: the model's function.
        init: makes parameters from a ``numpy.random.Generator``.
        init_state: makes a first state from a ``numpy.random.Generator``.
        name: the model's name (default: the function's name).
        in_size: the input's last-axis size, if the model fixes it.
        out_size: the output's last-axis size, if the model fixes it.

    Returns:
        A ``ModelS[P, S, A, B]`` of kind ``"layer"``.

    Examples:
        >>> def count(p, x, s):
        ...     return x + s, s + 1
        >>> m = model_s(count, lambda rng: None, lambda rng: 0)
        >>> m.apply(None, 10, m.init_state(0))
        (10, 1)
    """
    name = name or str(getattr(apply, "__name__", "model"))
    return ModelS(apply, init, init_state, name=name, in_size=in_size, out_size=out_size)


def fn(
    f: Callable[[A], B],
    *,
    name: str | None = None,
    preserves_size: bool = True,
    out_size: int | None = None,
) -> Model[None, A, B]:
    """Lift a parameterless function to a ``Model[None, A, B]`` (parameters ``None``).

    By default the lifted model keeps the size of its input's last axis (as elementwise
    functions do) when sizes are checked; say otherwise for functions that reshape.

    Args:
        f: the function, e.g. ``pnp.tanh``.
        name: the model's name (default: the function's name).
        preserves_size: whether outputs have the size of inputs (last axis).
        out_size: the output's last-axis size, where ``f`` fixes it (implies
            ``preserves_size=False``).

    Returns:
        A model of kind ``"fn"``.

    Examples:
        >>> import numpy as np
        >>> import paralens.numpy as pnp
        >>> t = fn(pnp.tanh)
        >>> t, t.init(0), t.apply(None, np.zeros(2))
        (Model(tanh), None, array([0., 0.]))
        >>> from paralens import nn
        >>> doubled = fn(lambda x: pnp.concatenate([x, x], axis=-1), name="twice", out_size=4)
        >>> (nn.linear(3, 2) >> doubled >> nn.linear(4, 1)).check_sizes()
    """

    def apply(p: None, x: A) -> B:
        return f(x)

    return Model(
        apply,
        no_params,
        name=name or str(getattr(f, "__name__", "fn")),
        kind=FN,
        out_size=out_size,
        preserves_size=preserves_size and out_size is None,
    )
