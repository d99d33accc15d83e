"""Convolution for users: ``conv1d``, ``conv2d``, ``conv`` (as ``scipy.signal.convolve``).

Arrays are channels-last, as everywhere in paralens (a weight acts on the last axis, ``x @
w``): a batch of images is ``(n, height, width, channels)``, a batch of sequences ``(n,
time, channels)``, and a kernel ``(*window, channels_in // groups, channels_out)``; any
number of leading batch axes is allowed. As in PyTorch and JAX, ``conv1d`` and ``conv2d``
compute a cross-correlation (the kernel is not flipped); ``conv`` is the true convolution
of two arrays. These functions check their arguments, resolve the padding, and call the
primitives of ``_conv.py``, whose rules make them differentiable to any order.

Examples:
    >>> import numpy as np
    >>> x = np.arange(5.0).reshape(1, 5, 1)
    >>> conv1d(x, np.array([1.0, -1.0]).reshape(2, 1, 1))[0, :, 0]
    array([-1., -1., -1., -1.])
    >>> conv(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

# Importing the rule modules registers the primitives' rules.
from paralens.numpy import _jvps_conv, _vjps_conv  # noqa: F401
from paralens.numpy._conv import Ints, Pairs, correlate
from paralens.numpy._shape import expand_dims, flip, ndim, reshape, shape

__all__ = [
    "Padding",
    "Settings",
    "conv",
    "conv1d",
    "conv2d",
    "conv_general",
    "resolve_padding",
    "resolve_settings",
    "window_output_size",
]

Padding = str | int | Sequence[int] | Sequence[tuple[int, int]]
"""``"valid"``, ``"same"``, an int, or one int or ``(before, after)`` pair per axis."""


# ---- arguments ---------------------------------------------------------------------------


def _ints(value: Any, n: int, what: str, where: str, low: int = 1) -> Ints:
    """``value`` as ``n`` ints of at least ``low``, or a ``ValueError`` naming ``where``."""
    given = (value,) * n if isinstance(value, int | np.integer) else tuple(value)
    if len(given) != n or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= low for v in given
    ):
        raise ValueError(
            f"{where}: {what} must be an int >= {low} or {n} of them (one per spatial axis), "
            f"got {value!r}"
        )
    return tuple(int(v) for v in given)


def window_output_size(size: int, window: int, stride: int, dilation: int, pad: int) -> int:
    """How many windows fit along an axis of ``size`` (padded by ``pad`` in all).

    Examples:
        >>> window_output_size(28, 5, 1, 1, 4), window_output_size(28, 2, 2, 1, 0)
        (28, 14)
    """
    return (size + pad - dilation * (window - 1) - 1) // stride + 1


def resolve_padding(
    padding: Padding,
    sizes: Ints,
    window: Ints,
    stride: Ints,
    dilation: Ints,
    where: str,
) -> Pairs:
    """Padding as ``(before, after)`` per spatial axis.

    ``"valid"`` pads nothing; ``"same"`` pads so that the output has ``ceil(size /
    stride)`` entries along each axis, the extra one after (as TensorFlow and JAX do); an
    int pads that much on both sides of every axis; a sequence gives one int or one
    ``(before, after)`` pair per axis.

    Examples:
        >>> resolve_padding("same", (28, 28), (5, 5), (1, 1), (1, 1), "conv2d")
        ((2, 2), (2, 2))
        >>> resolve_padding(1, (9,), (3,), (2,), (1,), "conv1d")
        ((1, 1),)
    """
    n = len(sizes)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            totals = [
                max((-(-size // s) - 1) * s + d * (k - 1) + 1 - size, 0)
                for size, k, s, d in zip(sizes, window, stride, dilation, strict=True)
            ]
            return tuple((total // 2, total - total // 2) for total in totals)
        raise ValueError(
            f"{where}: padding must be 'valid', 'same', an int or one per spatial axis, "
            f"got {padding!r}"
        )
    if isinstance(padding, int | np.integer):
        (p,) = _ints(padding, 1, "padding", where, low=0)
        return ((p, p),) * n
    entries = list(padding)
    if n == 1 and len(entries) == 2 and all(isinstance(e, int | np.integer) for e in entries):
        entries = [tuple(entries)]  # one axis: an int pair is its (before, after)
    if len(entries) != n:
        raise ValueError(
            f"{where}: padding needs one entry per spatial axis ({n}), got {padding!r}"
        )
    pairs: list[tuple[int, int]] = []
    for entry in entries:
        given: Any = entry
        before, after = _ints(
            given if isinstance(given, Sequence) else (given, given),
            2,
            "each padding",
            where,
            low=0,
        )
        pairs.append((before, after))
    return tuple(pairs)


# ---- the functions users call ----------------------------------------------------------------


def conv_general(
    x: Any,
    w: Any,
    stride: int | Sequence[int] = 1,
    padding: Padding = "valid",
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    *,
    where: str = "conv",
) -> Any:
    """The cross-correlation of channels-last ``x`` with ``w`` over ``ndim(w) - 2`` spatial
    axes; ``conv1d`` and ``conv2d`` are this with one and two.

    Args:
        x: ``(*batch, *sizes, channels_in)``: any number of leading axes (at least one
            axis besides the spatial and channel ones is not required).
        w: ``(*window, channels_in // groups, channels_out)``.
        stride: the step between windows, an int or one per spatial axis.
        padding: ``"valid"``, ``"same"``, an int, or one int or ``(before, after)`` pair
            per spatial axis (see ``resolve_padding``).
        dilation: the step between a window's taps, an int or one per spatial axis.
        groups: split the channels into this many groups, each correlated with its own
            slice of ``w``'s output channels.
        where: the function's name, for messages.

    Returns:
        ``(*batch, *out, channels_out)``.

    Raises:
        ValueError: the shapes, channel counts, groups or settings do not fit together.
    """
    x_shape, w_shape = tuple(shape(x)), tuple(shape(w))
    settings = resolve_settings(x_shape, w_shape, stride, padding, dilation, groups, where)
    n_space = len(w_shape) - 2
    batch = x_shape[: -1 - n_space]
    flat = x if len(batch) == 1 else reshape(x, (-1, *x_shape[-1 - n_space :]))
    y = correlate(
        flat,
        w,
        stride=settings.stride,
        padding=settings.padding,
        dilation=settings.dilation,
        groups=settings.groups,
    )
    return y if len(batch) == 1 else reshape(y, (*batch, *shape(y)[1:]))


class Settings(NamedTuple):
    """A convolution's settings, resolved: one int or pair per spatial axis."""

    stride: Ints
    padding: Pairs
    dilation: Ints
    groups: int
    out: Ints
    """The output's spatial sizes."""


def resolve_settings(
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: int | Sequence[int],
    padding: Padding,
    dilation: int | Sequence[int],
    groups: int,
    where: str,
) -> Settings:
    """Check a convolution's shapes and settings, and resolve them per spatial axis.

    Raises:
        ValueError: the kernel or the input has too few axes, the channels do not match
            the kernel (and its groups), or a window does not fit its padded axis.

    Examples:
        >>> resolve_settings((64, 28, 28, 1), (5, 5, 1, 16), 1, "same", 1, 1, "conv2d").out
        (28, 28)
    """
    n_space = len(w_shape) - 2
    if n_space < 1:
        raise ValueError(
            f"{where}: the kernel must be (*window, channels_in // groups, channels_out), "
            f"got shape {w_shape}"
        )
    if len(x_shape) < n_space + 1:
        raise ValueError(
            f"{where}: the input must be (*batch, {', '.join(['size'] * n_space)}, channels) "
            f"for a kernel of {n_space} spatial axes, got shape {x_shape}"
        )
    if isinstance(groups, bool) or not isinstance(groups, int | np.integer) or groups < 1:
        raise ValueError(f"{where}: groups must be a positive int, got {groups!r}")
    channels, per_group, out = x_shape[-1], w_shape[-2], w_shape[-1]
    if channels % groups or out % groups:
        raise ValueError(
            f"{where}: groups={groups} must divide the input channels ({channels}) and the "
            f"output channels ({out})"
        )
    if per_group * groups != channels:
        raise ValueError(
            f"{where}: the input has {channels} channels (last axis of shape {x_shape}), but "
            f"the kernel of shape {w_shape} takes {per_group * groups} "
            f"({per_group} per group x {groups} groups); give the kernel shape "
            f"{(*w_shape[:-2], channels // groups, out)} or an input of {per_group * groups} "
            f"channels"
        )
    sizes = x_shape[-1 - n_space : -1]
    window = w_shape[:n_space]
    strides = _ints(stride, n_space, "stride", where)
    dilations = _ints(dilation, n_space, "dilation", where)
    pairs = resolve_padding(padding, sizes, window, strides, dilations, where)
    outs = []
    for axis, (size, k, s, d, (a, b)) in enumerate(
        zip(sizes, window, strides, dilations, pairs, strict=True)
    ):
        outs.append(window_output_size(size, k, s, d, a + b))
        if outs[-1] < 1:
            raise ValueError(
                f"{where}: spatial axis {axis} has size {size} (padded {a + b}), smaller than "
                f"the window of {k} taps dilated by {d}; pad it (padding='same') or use a "
                f"smaller kernel"
            )
    return Settings(strides, pairs, dilations, int(groups), tuple(outs))


def conv1d(
    x: Any,
    w: Any,
    stride: int | Sequence[int] = 1,
    padding: Padding = "valid",
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
) -> Any:
    """One-dimensional cross-correlation of ``x`` ``(*batch, time, c_in)`` with ``w``
    ``(window, c_in // groups, c_out)``, differentiable to any order.

    Args:
        x: the input, channels last.
        w: the kernel.
        stride: the step between windows.
        padding: ``"valid"`` (default), ``"same"``, an int, or a ``(before, after)`` pair.
        dilation: the step between a window's taps.
        groups: channel groups (``groups = c_in`` correlates each channel on its own).

    Returns:
        ``(*batch, time_out, c_out)``.

    Raises:
        ValueError: the shapes or settings do not fit together (the message says how).

    Examples:
        >>> import numpy as np
        >>> x = np.array([0.0, 1.0, 2.0, 3.0]).reshape(1, 4, 1)
        >>> conv1d(x, np.ones((2, 1, 1)), padding="same")[0, :, 0]
        array([1., 3., 5., 3.])
        >>> conv1d(np.ones((1, 4, 3)), np.ones((2, 2, 1)))
        Traceback (most recent call last):
        ...
        ValueError: conv1d: the input has 3 channels (last axis of shape (1, 4, 3)), but the kernel of shape (2, 2, 1) takes 2 (2 per group x 1 groups); give the kernel shape (2, 3, 1) or an input of 2 channels
    """  # noqa: E501
    if ndim(w) != 3:
        raise ValueError(f"conv1d: the kernel must be (window, c_in, c_out), got {shape(w)}")
    return conv_general(x, w, stride, padding, dilation, groups, where="conv1d")


def conv2d(
    x: Any,
    w: Any,
    stride: int | Sequence[int] = 1,
    padding: Padding = "valid",
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
) -> Any:
    """Two-dimensional cross-correlation of images ``x`` ``(*batch, height, width, c_in)``
    with ``w`` ``(kh, kw, c_in // groups, c_out)``, differentiable to any order.

    Computed as im2col and one matrix product per group; its reverse rules are the
    transposed maps (col2im, and the patches times the cotangent).

    Args:
        x: the images, channels last.
        w: the kernel.
        stride: the step between windows, an int or ``(sh, sw)``.
        padding: ``"valid"`` (default), ``"same"``, an int, or per axis.
        dilation: the step between a window's taps, an int or ``(dh, dw)``.
        groups: channel groups.

    Returns:
        ``(*batch, height_out, width_out, c_out)``.

    Raises:
        ValueError: the shapes or settings do not fit together (the message says how).

    Examples:
        >>> import numpy as np
        >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
        >>> conv2d(x, np.ones((2, 2, 1, 1)), stride=2)[0, :, :, 0]
        array([[10., 18.],
               [42., 50.]])
    """
    if ndim(w) != 4:
        raise ValueError(f"conv2d: the kernel must be (kh, kw, c_in, c_out), got {shape(w)}")
    return conv_general(x, w, stride, padding, dilation, groups, where="conv2d")


def conv(a: Any, v: Any, mode: str = "full") -> Any:
    """The N-dimensional convolution of ``a`` and ``v``, as ``scipy.signal.convolve``.

    Args:
        a: an array of any number of dimensions, at least one.
        v: an array of the same number of dimensions.
        mode: ``"full"`` (every overlap), ``"valid"`` (only full overlaps: one array must
            be at least as large as the other along every axis) or ``"same"`` (the size of
            ``a``, centred on the full result).

    Returns:
        The convolution, differentiable in both arguments to any order.

    Raises:
        ValueError: the arrays differ in dimensions, ``mode`` is unknown, or ``"valid"``
            finds neither array the larger along every axis.

    Examples:
        >>> import numpy as np
        >>> conv(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0]), mode="valid")
        array([3., 5.])
        >>> conv(np.ones((2, 2)), np.ones((2, 2)), mode="same")
        array([[1., 2.],
               [2., 4.]])
    """
    if mode not in ("full", "valid", "same"):
        raise ValueError(f"conv: mode must be 'full', 'valid' or 'same', got {mode!r}")
    a_shape, v_shape = tuple(shape(a)), tuple(shape(v))
    if len(a_shape) != len(v_shape) or not a_shape:
        raise ValueError(
            f"conv: both arrays need the same number of dimensions (at least one), got shapes "
            f"{a_shape} and {v_shape}"
        )
    if mode == "valid":
        if all(n >= k for n, k in zip(a_shape, v_shape, strict=True)):
            pass
        elif all(k >= n for n, k in zip(a_shape, v_shape, strict=True)):
            a, v, a_shape, v_shape = v, a, v_shape, a_shape
        else:
            raise ValueError(
                f"conv: mode 'valid' needs one array at least as large as the other along "
                f"every axis, got shapes {a_shape} and {v_shape}"
            )
    pads: list[tuple[int, int]] = []
    for k in v_shape:
        if mode == "full":
            pads.append((k - 1, k - 1))
        elif mode == "valid":
            pads.append((0, 0))
        else:
            start = (k - 1) // 2
            pads.append((k - 1 - start, start))
    axes = tuple(range(len(v_shape)))
    kernel = expand_dims(expand_dims(flip(v, axes), -1), -1)
    image = expand_dims(expand_dims(a, 0), -1)
    ones = (1,) * len(v_shape)
    out = correlate(image, kernel, stride=ones, padding=tuple(pads), dilation=ones, groups=1)
    return reshape(out, shape(out)[1:-1])
