"""The forms of the convolution and window primitives (``_conv.py``) on other libraries' arrays.

NumPy's forms take strided views of the input (``sliding_window_view``), which the array
API standard has no notion of; these take one strided slice of the padded input per window
position (tap) instead, and their adjoints put each tap's contribution back in place by
interleaving zeros and padding, never by writing into an array, so that they hold for
libraries whose arrays cannot be written (JAX). Channels are last, as in ``_conv.py``.

Examples:
    >>> import array_api_strict as xs
    >>> import paralens.numpy as pnp
    >>> x = xs.reshape(xs.arange(5.0), (1, 5, 1))
    >>> pnp.conv1d(x, xs.reshape(xs.asarray([1.0, -1.0]), (2, 1, 1)))[0, :, 0]
    Array([-1., -1., -1., -1.], dtype=array_api_strict.float64)
"""

from __future__ import annotations

import itertools
from typing import Any

from paralens._core._backends import defbackend
from paralens.numpy import _conv
from paralens.numpy._fast_conv import Ints, Pairs, out_sizes


def _pad(xp: Any, x: Any, padding: Pairs, fill: float = 0.0) -> Any:
    """``x`` ``(n, *sizes, c)`` with ``fill`` before and after each spatial axis."""
    for axis, (before, after) in enumerate(padding, start=1):
        if before or after:
            x = _pad_axis(xp, x, axis, before, after, fill)
    return x


def _tap(offset: Ints, dilation: Ints, stride: Ints, out: Ints) -> tuple[Any, ...]:
    """The strided slice of the padded input that one window position reads."""
    return (
        slice(None),
        *(
            slice(i * d, i * d + s * (o - 1) + 1, s)
            for i, d, s, o in zip(offset, dilation, stride, out, strict=True)
        ),
        ...,
    )


def _place(xp: Any, y: Any, start: Ints, stride: Ints, total: Ints) -> Any:
    """The adjoint of reading the slice ``_tap``: ``y`` ``(n, *out, c)`` at every
    ``stride``-th place from ``start``, zeros elsewhere, in an array ``(n, *total, c)``."""
    for axis, (begin, step, length) in enumerate(zip(start, stride, total, strict=True), 1):
        m = y.shape[axis]
        if step > 1:  # interleave step - 1 zeros after each entry, and drop the last ones
            shape = list(y.shape)
            shape.insert(axis + 1, step - 1)
            spread = xp.expand_dims(y, axis=axis + 1)
            zeros = xp.zeros(tuple(shape), dtype=y.dtype, device=y.device)
            merged = list(y.shape)
            merged[axis] = m * step
            y = xp.reshape(xp.concat([spread, zeros], axis=axis + 1), tuple(merged))
            y = y[(slice(None),) * axis + (slice(0, (m - 1) * step + 1), ...)]
        after = length - begin - y.shape[axis]
        y = _pad_axis(xp, y, axis, begin, after)
    return y


def _pad_axis(xp: Any, y: Any, axis: int, before: int, after: int, fill: float = 0.0) -> Any:
    parts = []
    for count in (before, after):
        shape = list(y.shape)
        shape[axis] = count
        parts.append(xp.full(tuple(shape), fill, dtype=y.dtype, device=y.device))
    return xp.concat([parts[0], y, parts[1]], axis=axis)


def _transposed(xp: Any, m: Any) -> Any:
    return xp.permute_dims(m, (1, 0))


def _taps(window: Ints) -> list[tuple[int, ...]]:
    return list(itertools.product(*(range(k) for k in window)))


def _crop(sizes: Ints, padding: Pairs) -> tuple[Any, ...]:
    return (slice(None), *(slice(a, a + s) for s, (a, _) in zip(sizes, padding, strict=True)), ...)


def _correlate(
    xp: Any, x: Any, w: Any, *, stride: Ints, padding: Pairs, dilation: Ints, groups: int
) -> Any:
    window = tuple(w.shape[:-2])
    sizes = tuple(x.shape[1:-1])
    out = out_sizes(sizes, window, stride, padding, dilation)
    padded = _pad(xp, x, padding)
    c_in, c_out = w.shape[-2], w.shape[-1]
    o_g = c_out // groups
    total: Any = None
    for offset in _taps(window):
        cols = padded[_tap(offset, dilation, stride, out)]
        kernel = w[(*offset, ...)]
        parts = [
            xp.matmul(cols[..., g * c_in : (g + 1) * c_in], kernel[:, g * o_g : (g + 1) * o_g])
            for g in range(groups)
        ]
        term = parts[0] if groups == 1 else xp.concat(parts, axis=-1)
        total = term if total is None else total + term
    return total


def _input_transpose(
    xp: Any,
    g: Any,
    w: Any,
    *,
    sizes: Ints,
    stride: Ints,
    padding: Pairs,
    dilation: Ints,
    groups: int,
) -> Any:
    window = tuple(w.shape[:-2])
    padded = tuple(s + a + b for s, (a, b) in zip(sizes, padding, strict=True))
    o_g = w.shape[-1] // groups
    total: Any = None
    for offset in _taps(window):
        kernel = w[(*offset, ...)]
        parts = [
            xp.matmul(
                g[..., k * o_g : (k + 1) * o_g], _transposed(xp, kernel[:, k * o_g : (k + 1) * o_g])
            )
            for k in range(groups)
        ]
        cols = parts[0] if groups == 1 else xp.concat(parts, axis=-1)
        start = tuple(i * d for i, d in zip(offset, dilation, strict=True))
        term = _place(xp, cols, start, stride, padded)
        total = term if total is None else total + term
    return total[_crop(sizes, padding)]


def _kernel_transpose(
    xp: Any,
    x: Any,
    g: Any,
    *,
    window: Ints,
    stride: Ints,
    padding: Pairs,
    dilation: Ints,
    groups: int,
) -> Any:
    out = tuple(g.shape[1:-1])
    padded = _pad(xp, x, padding)
    c_in, c_out = x.shape[-1] // groups, g.shape[-1]
    o_g = c_out // groups
    g_rows = xp.reshape(g, (-1, c_out))
    per_tap = []
    for offset in _taps(window):
        cols = padded[_tap(offset, dilation, stride, out)]
        rows = xp.reshape(cols, (-1, cols.shape[-1]))
        parts = [
            xp.matmul(
                _transposed(xp, rows[:, k * c_in : (k + 1) * c_in]),
                g_rows[:, k * o_g : (k + 1) * o_g],
            )
            for k in range(groups)
        ]
        per_tap.append(parts[0] if groups == 1 else xp.concat(parts, axis=-1))
    return xp.reshape(xp.stack(per_tap, axis=0), (*window, c_in, c_out))


def _windows(
    xp: Any, x: Any, *, window: Ints, stride: Ints, padding: Pairs, fill: float = 0.0
) -> Any:
    sizes = tuple(x.shape[1:-1])
    ones = (1,) * len(window)
    out = out_sizes(sizes, window, stride, padding, ones)
    padded = _pad(xp, x, padding, fill)
    taps = [padded[_tap(offset, ones, stride, out)] for offset in _taps(window)]
    stacked = xp.stack(taps, axis=-2)  # (n, *out, taps, c)
    return xp.reshape(stacked, (x.shape[0], *out, *window, x.shape[-1]))


def _windows_transpose(
    xp: Any, g: Any, *, sizes: Ints, window: Ints, stride: Ints, padding: Pairs
) -> Any:
    n_space = len(window)
    out = tuple(g.shape[1 : 1 + n_space])
    padded = tuple(s + a + b for s, (a, b) in zip(sizes, padding, strict=True))
    flat = xp.reshape(g, (g.shape[0], *out, -1, g.shape[-1]))
    total: Any = None
    for index, offset in enumerate(_taps(window)):
        term = _place(xp, flat[..., index, :], offset, stride, padded)
        total = term if total is None else total + term
    return total[_crop(sizes, padding)]


def _register() -> None:
    defbackend(_conv.correlate, _correlate)
    defbackend(_conv.correlate_input_transpose, _input_transpose)
    defbackend(_conv.correlate_kernel_transpose, _kernel_transpose)
    defbackend(_conv.windows, _windows)
    defbackend(_conv.windows_transpose, _windows_transpose)


_register()
