"""Pooling layers: ``max_pool`` and ``avg_pool``, and ``pool``, the function they apply.

Channels come last, as for every layer here: a pooling reduces each window of the axes
before the channels, channel by channel.

Examples:
    >>> import numpy as np
    >>> from paralens import nn
    >>> nn.max_pool(2).shape_of(("batch", 28, 28, 16))
    ('batch', 14, 14, 16)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import paralens.numpy as pnp
from paralens.nn._base import no_params
from paralens.nn._conv import (
    PARAMETERLESS,
    SPATIAL_NAMES,
    pairs,
    per_axis,
    window_axis,
)
from paralens.nn._layers import Array
from paralens.nn._model import Model
from paralens.nn._shapes import LayerShape, Shape
from paralens.numpy._backend import constant_like
from paralens.numpy._conv import windows
from paralens.numpy._convolution import Padding, resolve_padding

__all__ = ["avg_pool", "max_pool", "pool"]


# ---- pooling ------------------------------------------------------------------------------


def pool(
    x: Any,
    window: tuple[int, ...],
    stride: tuple[int, ...],
    padding: Padding,
    mean: bool,
    where: str = "pool",
) -> Any:
    """The maximum (or, with ``mean``, the mean) of each window of channels-last ``x``.

    Non-overlapping windows without padding are a reshape and one reduction (the axes that
    do not fill a window are cut, as PyTorch does); others read the window primitive.
    Padding adds no entries to a window: ``-inf`` for the maximum, and the mean divides by
    the entries of ``x`` the window covers.
    """
    n = len(window)
    x_shape = tuple(pnp.shape(x))
    if len(x_shape) < n + 1:
        raise ValueError(
            f"{where}: the input must be (..., {', '.join(['size'] * n)}, channels), got shape "
            f"{x_shape}"
        )
    sizes = x_shape[-1 - n : -1]
    pairs = resolve_padding(padding, sizes, window, stride, (1,) * n, where)
    for axis, (size, k, (a, b)) in enumerate(zip(sizes, window, pairs, strict=True)):
        if size + a + b < k:
            raise ValueError(
                f"{where}: spatial axis {axis} has size {size}, smaller than the window {k}; "
                f"pad it (padding='same') or pool with a smaller window"
            )
    lead = x_shape[: -1 - n]
    flat = pnp.reshape(x, (-1, *sizes, x_shape[-1]))
    reduce = pnp.mean if mean else pnp.max
    if stride == window and not any(a or b for a, b in pairs):
        outs = tuple(size // k for size, k in zip(sizes, window, strict=True))
        cut = flat[
            (slice(None), *(slice(0, o * k) for o, k in zip(outs, window, strict=True)), ...)
        ]
        split = tuple(v for o, k in zip(outs, window, strict=True) for v in (o, k))
        blocks = pnp.reshape(cut, (-1, *split, x_shape[-1]))
        y = reduce(blocks, axis=tuple(2 + 2 * i for i in range(n)))
    else:
        settings: dict[str, Any] = {"window": window, "stride": stride, "padding": pairs}
        patches = windows(flat, fill=0.0 if mean else -np.inf, **settings)
        axes = tuple(range(1 + n, 1 + 2 * n))
        if not mean or not any(a or b for a, b in pairs):
            y = reduce(patches, axis=axes)
        else:
            ones = np.ones((1, *sizes, 1))
            counts = constant_like(np.sum(windows(ones, **settings), axis=axes), flat)
            y = pnp.sum(patches, axis=axes) / counts
    return pnp.reshape(y, (*lead, *pnp.shape(y)[1:]))


def _pool_layer(
    kind: str, window: int | Sequence[int], stride: Any, padding: Padding
) -> Model[None, Array, Array]:
    n = 2 if isinstance(window, int | np.integer) else len(tuple(window))
    shown = f"{kind}({window!r}" + ("" if stride is None else f", stride={stride!r}")
    name = shown + ("" if padding == "valid" else f", padding={padding!r}") + ")"
    windows_ = per_axis(window, n, "window", name)
    strides = windows_ if stride is None else per_axis(stride, n, "stride", name)
    pads = pairs(padding, windows_, strides, (1,) * n, name)
    mean = kind == "avg_pool"

    def apply(p: None, x: Array) -> Array:
        y: Array = pool(x, windows_, strides, pads, mean, name)
        return y

    def gives(shape: Shape) -> Shape:
        space = shape[-1 - n : -1]
        out = tuple(
            window_axis(d, k, s, 1, pads, i)  # type: ignore[arg-type]
            for i, (d, k, s) in enumerate(zip(space, windows_, strides, strict=True))
        )
        return (*shape[: -1 - n], *out, shape[-1])

    shapes = LayerShape((..., *SPATIAL_NAMES.get(n, ("size",) * n), "channels"), gives)
    return Model(apply, no_params, name=name, kind=PARAMETERLESS, shapes=shapes)


def max_pool(
    window: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: Padding = "valid",
) -> Model[None, Array, Array]:
    """The maximum over each window of ``(..., *sizes, channels)``, channel by channel.

    Types: ``Model[None, Array, Array]`` (no parameters). An int window pools two axes
    (images); a tuple one axis per entry (``(2,)`` for sequences).

    Args:
        window: the window, ``k`` for ``(k, k)``, or one size per axis.
        stride: the step between windows (default: the window, so they do not overlap).
        padding: ``"valid"``, ``"same"`` or ints, padded with ``-inf``.

    Returns:
        The layer.

    Examples:
        >>> import numpy as np
        >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
        >>> max_pool(2).apply(None, x)[0, :, :, 0]
        array([[ 5.,  7.],
               [13., 15.]])
        >>> max_pool((3,), stride=1).shape_of((8, 10, 4))
        (8, 8, 4)
    """
    return _pool_layer("max_pool", window, stride, padding)


def avg_pool(
    window: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: Padding = "valid",
) -> Model[None, Array, Array]:
    """The mean over each window of ``(..., *sizes, channels)``, channel by channel.

    Types: ``Model[None, Array, Array]``; padding adds no entries to the means.

    Args:
        window: the window, ``k`` for ``(k, k)``, or one size per axis.
        stride: the step between windows (default: the window).
        padding: ``"valid"``, ``"same"`` or ints.

    Returns:
        The layer.

    Examples:
        >>> import numpy as np
        >>> avg_pool(2).apply(None, np.arange(16.0).reshape(1, 4, 4, 1))[0, :, :, 0]
        array([[ 2.5,  4.5],
               [10.5, 12.5]])
    """
    return _pool_layer("avg_pool", window, stride, padding)
