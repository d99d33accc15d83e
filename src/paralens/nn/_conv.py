"""Convolutional layers, ``conv1d`` and ``conv2d``, and the reshaping around them,
``flatten`` and ``reshape`` (pooling is in ``nn._pooling``).

Channels come last, as for every layer here (a dense layer after a convolution acts on
its channels): images are ``(..., height, width, channels)`` and sequences ``(...,
time, channels)``, with any leading batch axes. Each layer declares its shapes
(``nn._shapes``), so a composition is checked at ``init``: a convolution that expects
other channels than the layer before it gives, or a dense head whose input size is not the
flattened size, is an error naming both layers and both shapes.

Examples:
    >>> import numpy as np
    >>> from paralens import nn
    >>> cnn = nn.reshape((28, 28, 1)) >> nn.conv2d(1, 4, 3, padding="same") >> nn.max_pool(2)
    >>> cnn.shape_of((64, 784))
    (64, 14, 14, 4)
    >>> y = cnn.apply(cnn.init(0), np.zeros((2, 784)))
    >>> y.shape
    (2, 14, 14, 4)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import paralens.numpy as pnp
from paralens.nn._base import no_params
from paralens.nn._layers import Array, glorot
from paralens.nn._model import Model
from paralens.nn._shapes import Dim, LayerShape, Shape, ShapeMismatch, dim_text
from paralens.nn._structure import NO_PARAMS, Combinator
from paralens.numpy._conv import Pairs
from paralens.numpy._convolution import (
    Padding,
    conv_general,
    resolve_padding,
    resolve_settings,
    window_output_size,
)

__all__ = [
    "PARAMETERLESS",
    "SPATIAL_NAMES",
    "Conv",
    "conv1d",
    "conv2d",
    "flatten",
    "pairs",
    "per_axis",
    "reshape",
    "window_axis",
]

SPATIAL_NAMES = {1: ("time",), 2: ("height", "width")}
PARAMETERLESS = Combinator("layer", NO_PARAMS)
"""A layer without parameters (pooling, reshaping): its parameters are ``None``."""


@dataclass(frozen=True)
class Conv:
    """Parameters of a convolution: the kernel ``w`` ``(*window, c_in // groups, c_out)``
    and the bias ``b`` ``(c_out,)``.

    Examples:
        >>> import numpy as np
        >>> Conv(w=np.zeros((5, 5, 1, 16)), b=np.zeros(16)).w.shape
        (5, 5, 1, 16)
    """

    w: Array
    b: Array


def _positive(n: Any, what: str, where: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"{where}: {what} must be a positive int, got {n!r}")
    return int(n)


def per_axis(value: Any, n: int, what: str, where: str) -> tuple[int, ...]:
    values = (value,) * n if isinstance(value, int | np.integer) else tuple(value)
    if len(values) != n:
        raise ValueError(f"{where}: {what} needs one int per spatial axis ({n}), got {value!r}")
    return tuple(_positive(v, what, where) for v in values)


def _settings_text(settings: dict[str, Any], defaults: dict[str, Any]) -> str:
    return "".join(f", {k}={v!r}" for k, v in settings.items() if v != defaults[k])


def window_axis(d: Dim, k: int, s: int, dilation: int, padding: str | Pairs, axis: int) -> Dim:
    """An output axis of a window ``k`` (stride ``s``) over an input axis ``d``, for padding
    ``"same"``, ``"valid"`` or ``(before, after)`` pairs."""
    if isinstance(d, int):
        given: Any = padding if isinstance(padding, str) else (padding[axis],)
        (pair,) = resolve_padding(
            given,
            (d,),
            (k,),
            (s,),
            (dilation,),
            "shape",
        )
        out = window_output_size(d, k, s, dilation, sum(pair))
        if out < 1:
            raise ShapeMismatch(
                f"spatial axis {axis} of size {d} is smaller than the window of {k} taps"
                + (f" dilated by {dilation}" if dilation > 1 else "")
            )
        return out
    name = d if d.isidentifier() else f"({d})"
    if padding == "same":
        return d if s == 1 else f"ceil({d}/{s})"
    total = 0 if isinstance(padding, str) else sum(padding[axis])
    change = total - dilation * (k - 1)
    if s == 1:
        return d if change == 0 else f"{name}{change:+d}"
    if change == 1 - s:  # windows that tile the axis: a pooling of stride = window
        return f"{name}//{s}"
    return f"({name}{change - 1:+d})//{s}+1"


def pairs(
    padding: Padding,
    window: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    where: str,
) -> str | Pairs:
    """``padding`` checked, as ``"same"``, ``"valid"`` or ``(before, after)`` pairs."""
    if isinstance(padding, str) and padding in ("same", "valid"):
        return padding
    return resolve_padding(padding, window, window, stride, dilation, where)


def _conv_shapes(
    c_in: int,
    c_out: int,
    window: tuple[int, ...],
    stride: tuple[int, ...],
    padding: str | Pairs,
    dilation: tuple[int, ...],
) -> LayerShape:
    n = len(window)

    def gives(shape: Shape) -> Shape:
        space = shape[-1 - n : -1]
        out = tuple(
            window_axis(d, k, s, dl, padding, i)  # type: ignore[arg-type]
            for i, (d, k, s, dl) in enumerate(zip(space, window, stride, dilation, strict=True))
        )
        return (*shape[: -1 - n], *out, c_out)

    return LayerShape((..., *SPATIAL_NAMES.get(n, ("size",) * n), c_in), gives)


def _conv(
    n: int,
    c_in: int,
    c_out: int,
    kernel: int | Sequence[int],
    stride: int | Sequence[int],
    padding: Padding,
    dilation: int | Sequence[int],
    groups: int,
) -> Model[Conv, Array, Array]:
    base = f"conv{n}d({c_in}, {c_out}, {kernel!r}"
    _positive(c_in, "c_in", base + ")")
    _positive(c_out, "c_out", base + ")")
    settings = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    defaults = {"stride": 1, "padding": "valid", "dilation": 1, "groups": 1}
    name = base + _settings_text(settings, defaults) + ")"
    window = per_axis(kernel, n, "kernel", name)
    # Every setting checked now, on an input of the window's size, not at the first call.
    resolve_settings(
        (1, *window, c_in),
        (*window, c_in // max(int(groups), 1), c_out),
        stride,
        padding,
        dilation,
        groups,
        name,
    )
    strides = per_axis(stride, n, "stride", name)
    dilations = per_axis(dilation, n, "dilation", name)
    pads = pairs(padding, window, strides, dilations, name)
    fan_in, fan_out = math.prod(window) * c_in // groups, math.prod(window) * c_out // groups
    shape_w = (*window, c_in // groups, c_out)

    def init(rng: np.random.Generator) -> Conv:
        return Conv(glorot(rng, fan_in, fan_out, shape_w), np.zeros(c_out))

    def apply(p: Conv, x: Array) -> Array:
        y: Array = conv_general(x, p.w, strides, pads, dilations, groups, where=name) + p.b
        return y

    shapes = _conv_shapes(c_in, c_out, window, strides, pads, dilations)
    return Model(apply, init, name=name, in_size=c_in, out_size=c_out, shapes=shapes)


def conv1d(
    c_in: int,
    c_out: int,
    kernel: int,
    *,
    stride: int = 1,
    padding: Padding = "valid",
    dilation: int = 1,
    groups: int = 1,
) -> Model[Conv, Array, Array]:
    """A one-dimensional convolution over sequences ``(..., time, c_in)``, plus a bias.

    Types: ``Model[Conv, Array, Array]``, from ``(..., time, c_in)`` to ``(..., time_out,
    c_out)``; the kernel starts Glorot-uniform, the bias at zero.

    Args:
        c_in: input channels.
        c_out: output channels.
        kernel: the window's length.
        stride: the step between windows.
        padding: ``"valid"``, ``"same"``, an int or a ``(before, after)`` pair.
        dilation: the step between a window's taps.
        groups: channel groups (each correlated with its own output channels).

    Returns:
        The layer; its parameters are ``Conv(w, b)``.

    Raises:
        ValueError: a size or setting is not valid (the groups must divide both channel
            counts).

    Examples:
        >>> import numpy as np
        >>> layer = conv1d(2, 3, 5, padding="same")
        >>> layer.shape_of(("batch", 100, 2))
        ('batch', 100, 3)
        >>> layer.apply(layer.init(0), np.ones((4, 100, 2))).shape
        (4, 100, 3)
    """
    return _conv(1, c_in, c_out, kernel, stride, padding, dilation, groups)


def conv2d(
    c_in: int,
    c_out: int,
    kernel: int | tuple[int, int],
    *,
    stride: int | tuple[int, int] = 1,
    padding: Padding = "valid",
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
) -> Model[Conv, Array, Array]:
    """A two-dimensional convolution over images ``(..., height, width, c_in)``, plus a bias.

    Types: ``Model[Conv, Array, Array]``, from ``(..., h, w, c_in)`` to ``(..., h_out,
    w_out, c_out)``; the kernel ``(kh, kw, c_in // groups, c_out)`` starts Glorot-uniform,
    the bias at zero. Computed by ``pnp.conv2d`` (im2col and one matrix product).

    Args:
        c_in: input channels.
        c_out: output channels.
        kernel: the window, ``k`` or ``(kh, kw)``.
        stride: the step between windows.
        padding: ``"valid"``, ``"same"``, an int, or per axis.
        dilation: the step between a window's taps.
        groups: channel groups.

    Returns:
        The layer; its parameters are ``Conv(w, b)``.

    Raises:
        ValueError: a size or setting is not valid.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> conv2d(1, 16, 5, padding="same").shape_of((64, 28, 28, 1))
        (64, 28, 28, 16)
        >>> (conv2d(1, 16, 5) >> conv2d(8, 32, 5)).init(0)
        Traceback (most recent call last):
        ...
        ValueError: shape mismatch in 'conv2d(1, 16, 5) >> conv2d(8, 32, 5)': layer 'conv2d(1, 16, 5)' gives outputs of shape (..., height-4, width-4, 16), but the next layer 'conv2d(8, 32, 5)' expects inputs of shape (..., height, width, 8) (axis -1 has size 16, not 8). Make them agree: change the output of 'conv2d(1, 16, 5)' or the input 'conv2d(8, 32, 5)' takes.
    """  # noqa: E501
    return _conv(2, c_in, c_out, kernel, stride, padding, dilation, groups)


# ---- reshaping ----------------------------------------------------------------------------


def _product(dims: Sequence[Dim]) -> Dim:
    if all(isinstance(d, int) for d in dims):
        return math.prod(d for d in dims if isinstance(d, int))
    return "*".join(dim_text(d) for d in dims)


def reshape(shape: Sequence[int], axes: int = 1) -> Model[None, Array, Array]:
    """The last ``axes`` axes of the input reshaped to ``shape``; leading axes are kept.

    Types: ``Model[None, Array, Array]``, from ``(..., n)`` (for ``axes=1``) with ``n`` the
    product of ``shape`` to ``(..., *shape)``.

    Args:
        shape: the new trailing axes, positive ints.
        axes: how many trailing axes to reshape.

    Returns:
        The layer.

    Raises:
        ValueError: a size is not a positive int.

    Examples:
        >>> import numpy as np
        >>> reshape((28, 28, 1)).apply(None, np.zeros((64, 784))).shape
        (64, 28, 28, 1)
        >>> reshape((28, 28, 1)).shape_of((64, 780))
        Traceback (most recent call last):
        ...
        ValueError: shape mismatch in 'reshape((28, 28, 1))': the input has shape (64, 780), but layer 'reshape((28, 28, 1))' expects inputs of shape (..., 784) (axis -1 has size 780, not 784). Give an input of that shape, or put a layer before it that makes one (nn.reshape, nn.flatten).
    """  # noqa: E501
    target = tuple(shape)
    name = f"reshape({target!r}" + ("" if axes == 1 else f", axes={axes}") + ")"
    target = tuple(_positive(n, "each size", name) for n in target)
    _positive(axes, "axes", name)
    total = math.prod(target)

    def apply(p: None, x: Array) -> Array:
        x_shape = tuple(pnp.shape(x))
        if len(x_shape) < axes or math.prod(x_shape[len(x_shape) - axes :]) != total:
            raise ValueError(
                f"{name} reshapes the last {axes} axes, of {total} entries in all, to "
                f"{target}; got an input of shape {x_shape}"
            )
        y: Array = pnp.reshape(x, (*x_shape[: len(x_shape) - axes], *target))
        return y

    takes: Shape = (..., total) if axes == 1 else (..., *(f"axis{i}" for i in range(axes)))

    def gives(s: Shape) -> Shape:
        size = _product(s[len(s) - axes :])  # type: ignore[arg-type]
        if isinstance(size, int) and size != total:
            raise ShapeMismatch(f"its last {axes} axes hold {size} entries, not {total}")
        return (*s[: len(s) - axes], *target)

    return Model(apply, no_params, name=name, kind=PARAMETERLESS, shapes=LayerShape(takes, gives))


def flatten(axes: int = 3) -> Model[None, Array, Array]:
    """The last ``axes`` axes of the input as one; leading (batch) axes are kept.

    Types: ``Model[None, Array, Array]``, from ``(..., a, b, c)`` to ``(..., a * b * c)``
    (by default the height, width and channels of images).

    Args:
        axes: how many trailing axes to flatten, at least 1.

    Returns:
        The layer.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> flatten().apply(None, np.zeros((64, 7, 7, 32))).shape
        (64, 1568)
        >>> (nn.max_pool(2) >> flatten() >> nn.linear(1500, 10)).shape_of((64, 14, 14, 32))
        Traceback (most recent call last):
        ...
        ValueError: shape mismatch in 'max_pool(2) >> flatten >> linear(1500, 10)': layer 'flatten' gives outputs of shape (64, 1568), but the next layer 'linear(1500, 10)' expects inputs of shape (..., 1500) (axis -1 has size 1568, not 1500). Make them agree: change the output of 'flatten' or the input 'linear(1500, 10)' takes.
    """  # noqa: E501
    name = "flatten" if axes == 3 else f"flatten({axes})"
    _positive(axes, "axes", name)

    def apply(p: None, x: Array) -> Array:
        x_shape = tuple(pnp.shape(x))
        if len(x_shape) < axes:
            raise ValueError(
                f"{name} flattens the last {axes} axes; got an input of shape {x_shape}"
            )
        y: Array = pnp.reshape(x, (*x_shape[: len(x_shape) - axes], -1))
        return y

    def gives(s: Shape) -> Shape:
        return (*s[: len(s) - axes], _product(s[len(s) - axes :]))  # type: ignore[arg-type]

    takes: Shape = (..., *(f"axis{i}" for i in range(axes)))
    return Model(apply, no_params, name=name, kind=PARAMETERLESS, shapes=LayerShape(takes, gives))
