"""The convolution and window primitives, with their reverse and forward rules.

Arrays are channels-last, as everywhere in paralens (a weight acts on the last axis, ``x @
w``): ``x`` is ``(n, *sizes, channels)`` with one batch axis, a kernel ``(*window,
channels_in // groups, channels_out)``; padding is explicit ``(before, after)`` pairs. The
functions users call (``conv1d``, ``conv2d``, ``conv``, in ``_convolution.py``) check their
arguments and resolve ``"same"`` padding, then call these.

Three primitives make the convolution, and their rules close over each other, so every
derivative of every order is again one of the three (``<·, ·>`` is the sum of the
elementwise product):

- ``correlate(x, w)``, the forward map: the patches of ``x`` (im2col, through
  ``numpy.lib.stride_tricks.sliding_window_view``) times the kernel, one matrix product
  (one per group);
- ``correlate_input_transpose(g, w)``, the adjoint in ``x``: ``<correlate(x, w), g> =
  <x, correlate_input_transpose(g, w)>`` (the kernel's columns scattered back, col2im);
- ``correlate_kernel_transpose(x, g)``, the adjoint in ``w``: ``<correlate(x, w), g> =
  <w, correlate_kernel_transpose(x, g)>`` (the patches, transposed, times ``g``).

All three are bilinear, so each forward rule is the primitive itself with the tangent in
place of one argument, and each reverse rule is one of the others. The window primitive
``windows(x)`` (the patches themselves, which pooling reduces) is linear, with
``windows_transpose`` its adjoint, and the two are each other's reverse rules.

Examples:
    >>> import numpy as np
    >>> x, w = np.arange(5.0).reshape(1, 5, 1), np.array([1.0, -1.0]).reshape(2, 1, 1)
    >>> settings = {"stride": (1,), "padding": ((0, 0),), "dilation": (1,), "groups": 1}
    >>> correlate(x, w, **settings)[0, :, 0]
    array([-1., -1., -1., -1.])
    >>> g = np.ones((1, 4, 1))
    >>> bool(np.sum(correlate(x, w, **settings) * g)
    ...      == np.sum(x * correlate_input_transpose(g, w, sizes=(5,), **settings)))
    True
"""

from __future__ import annotations

import itertools
import math
import weakref
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from paralens.extend import defjvp, defvjp, primitive
from paralens.numpy._shape import shape

__all__ = [
    "Ints",
    "Pairs",
    "correlate",
    "correlate_input_transpose",
    "correlate_kernel_transpose",
    "windows",
    "windows_transpose",
]

Pairs = tuple[tuple[int, int], ...]
"""Padding: ``(before, after)`` per spatial axis."""
Ints = tuple[int, ...]
"""One int per spatial axis (strides, dilations, sizes, a window)."""


# ---- the plain computations (NumPy arrays in and out) ------------------------------------


def _spatial(x: np.ndarray) -> tuple[int, ...]:
    return tuple(range(1, x.ndim - 1))


def _patches(
    x: np.ndarray, window: Ints, stride: Ints, padding: Pairs, dilation: Ints, fill: float = 0.0
) -> np.ndarray:
    """The windows of ``x`` ``(n, *sizes, c)`` as a strided view ``(n, *out, *window, c)``."""
    if any(p for pair in padding for p in pair):
        x = np.pad(x, ((0, 0), *padding, (0, 0)), constant_values=fill)
    extent = tuple(d * (k - 1) + 1 for k, d in zip(window, dilation, strict=True))
    view = sliding_window_view(x, extent, axis=_spatial(x))  # (n, *out', c, *extent)
    steps = tuple(slice(None, None, s) for s in stride)
    dilated = tuple(slice(None, None, d) for d in dilation)
    view = view[(slice(None), *steps, slice(None), *dilated)]
    n_space = len(window)
    return np.moveaxis(view, 1 + n_space, -1)


def _scatter(
    cols: np.ndarray, sizes: Ints, window: Ints, stride: Ints, padding: Pairs, dilation: Ints
) -> np.ndarray:
    """The adjoint of ``_patches``: ``cols`` ``(n, *out, *window, c)`` added back into an
    array ``(n, *sizes, c)`` (col2im), one strided addition per window position."""
    n_space = len(window)
    out = cols.shape[1 : 1 + n_space]
    padded = tuple(s + a + b for s, (a, b) in zip(sizes, padding, strict=True))
    total = np.zeros((cols.shape[0], *padded, cols.shape[-1]), dtype=cols.dtype)
    for offset in itertools.product(*(range(k) for k in window)):
        target = tuple(
            slice(i * d, i * d + s * (o - 1) + 1, s)
            for i, d, s, o in zip(offset, dilation, stride, out, strict=True)
        )
        total[(slice(None), *target)] += cols[(slice(None),) * (1 + n_space) + offset]
    crop = tuple(slice(a, a + s) for s, (a, _) in zip(sizes, padding, strict=True))
    return total[(slice(None), *crop)]


def _grouped(cols: np.ndarray, groups: int) -> np.ndarray:
    """Patch rows ``(m, *window, c)`` as ``(groups, m, window_size * c // groups)``."""
    m, c = cols.shape[0], cols.shape[-1]
    split = cols.reshape(m, -1, groups, c // groups)
    return np.ascontiguousarray(split.transpose(2, 0, 1, 3)).reshape(groups, m, -1)


def _kernel_matrix(w: np.ndarray, groups: int) -> np.ndarray:
    """A kernel ``(*window, c // groups, c_out)`` as ``(groups, window_size * c // groups,
    c_out // groups)``."""
    rows = w.reshape(-1, groups, w.shape[-1] // groups)
    return rows.transpose(1, 0, 2)


# The patches of a large batch (an evaluation set) would need memory in proportion to it:
# a batch is taken in blocks whose patches hold at most this many entries (64 MB of
# float64), which a training batch of MNIST's second convolution fits in whole.
_BLOCK_ENTRIES = 1 << 23


def _blocks(n: int, out: Ints, window: Ints, channels: int) -> list[slice]:
    """Slices of a batch of ``n`` whose patches (``out`` windows of ``window`` taps of
    ``channels`` per example) fit ``_BLOCK_ENTRIES``."""
    per_example = max(math.prod(out) * math.prod(window) * channels, 1)
    size = max(1, _BLOCK_ENTRIES // per_example)
    return [slice(start, start + size) for start in range(0, n, size)]


def _out_sizes(sizes: Ints, window: Ints, stride: Ints, padding: Pairs, dilation: Ints) -> Ints:
    return tuple(
        (n + a + b - d * (k - 1) - 1) // s + 1
        for n, k, s, (a, b), d in zip(sizes, window, stride, padding, dilation, strict=True)
    )


def _correlate(x: Any, w: Any, stride: Ints, padding: Pairs, dilation: Ints, groups: int) -> Any:
    window = w.shape[:-2]
    out = _out_sizes(x.shape[1:-1], window, stride, padding, dilation)
    parts = _blocks(x.shape[0], out, window, x.shape[-1])
    if len(parts) == 1:
        return _correlate_block(x, w, stride, padding, dilation, groups)
    return np.concatenate(
        [_correlate_block(x[part], w, stride, padding, dilation, groups) for part in parts]
    )


# The kernel's gradient needs the patch matrix the forward pass made, as a hand-written
# backward pass keeps it: the forward pass leaves it here, under its input's identity, for
# the kernel transpose to take (the copy it saves is a tenth of a step of MNIST's first
# convolution, see benchmarks/conv2d.py). An entry dies with its input, is taken once, and
# at most a few are kept, so memory stays bounded when no backward pass comes.
_KEPT_PATCHES: dict[int, tuple[weakref.ref[Any], tuple[Any, ...], np.ndarray]] = {}
_KEEP_AT_MOST = 4


def _keep_patches(x: Any, settings: tuple[Any, ...], cols: np.ndarray) -> None:
    key, kept = id(x), _KEPT_PATCHES  # bound now: at exit the module's names are gone

    def forget(_: Any) -> None:
        kept.pop(key, None)

    try:
        ref = weakref.ref(x, forget)
    except TypeError:  # a value that takes no weak reference: nothing is kept
        return
    _KEPT_PATCHES[key] = (ref, settings, cols)
    while len(_KEPT_PATCHES) > _KEEP_AT_MOST:
        _KEPT_PATCHES.pop(next(iter(_KEPT_PATCHES)))


def _patch_matrix(
    x: Any, window: Ints, stride: Ints, padding: Pairs, dilation: Ints, keep: bool
) -> np.ndarray:
    """The patches of ``x`` as rows ``(n * prod(out), prod(window) * c)``, made and kept
    for a backward pass (``keep``, in the forward pass), or, in the backward pass, taken
    from the forward pass of this ``x`` with these settings where it kept them."""
    settings = (window, stride, padding, dilation)
    kept = None if keep else _KEPT_PATCHES.pop(id(x), None)
    if kept is not None and kept[0]() is x and kept[1] == settings:
        return kept[2]
    view = _patches(x, window, stride, padding, dilation)
    cols = view.reshape(math.prod(view.shape[: 1 + len(window)]), -1)
    if keep:
        _keep_patches(x, settings, cols)
    return cols


def _correlate_block(
    x: Any, w: Any, stride: Ints, padding: Pairs, dilation: Ints, groups: int
) -> Any:
    window = w.shape[:-2]
    cols = _patch_matrix(x, window, stride, padding, dilation, keep=True)
    lead = (x.shape[0], *_out_sizes(x.shape[1:-1], window, stride, padding, dilation))
    m = cols.shape[0]
    if groups == 1:
        y = cols @ w.reshape(-1, w.shape[-1])
    else:
        parts = np.matmul(
            _grouped(cols.reshape(m, *window, x.shape[-1]), groups), _kernel_matrix(w, groups)
        )
        y = parts.transpose(1, 0, 2).reshape(m, -1)
    return y.reshape(*lead, w.shape[-1])


def _correlate_input_transpose(
    g: Any, w: Any, sizes: Ints, stride: Ints, padding: Pairs, dilation: Ints, groups: int
) -> Any:
    window = w.shape[:-2]
    parts = _blocks(g.shape[0], g.shape[1:-1], window, w.shape[-2] * groups)
    if len(parts) > 1:
        return np.concatenate(
            [
                _correlate_input_transpose(g[part], w, sizes, stride, padding, dilation, groups)
                for part in parts
            ]
        )
    lead = g.shape[:-1]
    m = math.prod(lead)
    rows = g.reshape(m, -1)
    if groups == 1 and w.shape[-2] >= _PER_TAP_FROM:
        return _scatter_products(rows, w, lead, sizes, stride, padding, dilation)
    if groups == 1:
        cols = rows @ w.reshape(-1, w.shape[-1]).T
        cols = cols.reshape(*lead, *window, w.shape[-2])
    else:
        per_group = rows.reshape(m, groups, -1).transpose(1, 0, 2)
        parts = np.matmul(per_group, _kernel_matrix(w, groups).transpose(0, 2, 1))
        parts = parts.reshape(groups, m, math.prod(window), -1)
        cols = parts.transpose(1, 2, 0, 3).reshape(*lead, *window, -1)
    return _scatter(cols, sizes, window, stride, padding, dilation)


# From this many input channels, the input's gradient is faster as one product per tap
# added where it belongs than as one large product scattered back (col2im): 14 ms against
# 26 ms for MNIST's second convolution in float64, 6 against 14 in float32; with one
# channel the large product is faster.
_PER_TAP_FROM = 4


def _scatter_products(
    rows: np.ndarray,
    w: np.ndarray,
    lead: Ints,
    sizes: Ints,
    stride: Ints,
    padding: Pairs,
    dilation: Ints,
) -> np.ndarray:
    """``_scatter`` of ``rows @ w.T`` (the columns of col2im), one tap at a time: each tap's
    product added into the strided slice of the input it came from."""
    window, c = w.shape[:-2], w.shape[-2]
    out = lead[1:]
    padded = tuple(n + a + b for n, (a, b) in zip(sizes, padding, strict=True))
    total = np.zeros((lead[0], *padded, c), dtype=np.result_type(rows, w))
    for offset in itertools.product(*(range(k) for k in window)):
        target = tuple(
            slice(i * d, i * d + s * (o - 1) + 1, s)
            for i, d, s, o in zip(offset, dilation, stride, out, strict=True)
        )
        total[(slice(None), *target)] += (rows @ w[offset].T).reshape(*lead, c)
    crop = tuple(slice(a, a + n) for n, (a, _) in zip(sizes, padding, strict=True))
    return total[(slice(None), *crop)]


def _correlate_kernel_transpose(
    x: Any, g: Any, window: Ints, stride: Ints, padding: Pairs, dilation: Ints, groups: int
) -> Any:
    parts = _blocks(x.shape[0], g.shape[1:-1], window, x.shape[-1])
    if len(parts) > 1:
        return sum(
            _correlate_kernel_transpose(x[part], g[part], window, stride, padding, dilation, groups)
            for part in parts
        )
    cols = _patch_matrix(x, window, stride, padding, dilation, keep=False)
    m = cols.shape[0]
    rows = g.reshape(m, -1)
    c = x.shape[-1]
    if groups == 1:
        dw = cols.T @ rows
        return dw.reshape(*window, c, -1)
    grouped = _grouped(cols.reshape(m, *window, c), groups)
    per_group = rows.reshape(m, groups, -1).transpose(1, 0, 2)
    parts = np.matmul(grouped.transpose(0, 2, 1), per_group)  # (groups, k * c_g, o_g)
    parts = parts.reshape(groups, math.prod(window), c // groups, -1)
    return parts.transpose(1, 2, 0, 3).reshape(*window, c // groups, -1)


# ---- the primitives and their rules ---------------------------------------------------------


def _correlate_doc(
    x: Any, w: Any, *, stride: Ints, padding: Pairs, dilation: Ints, groups: int
) -> Any:
    """The cross-correlation of ``x`` ``(n, *sizes, c)`` with ``w`` ``(*window, c //
    groups, c_out)``, with explicit ``(before, after)`` padding pairs.

    Examples:
        >>> x, w = np.ones((1, 4, 1)), np.ones((3, 1, 2))
        >>> correlate(x, w, stride=(1,), padding=((1, 1),), dilation=(1,), groups=1)[0, :, 0]
        array([2., 3., 3., 2.])
    """
    return _correlate(x, w, stride, padding, dilation, groups)


def _input_transpose_doc(
    g: Any, w: Any, *, sizes: Ints, stride: Ints, padding: Pairs, dilation: Ints, groups: int
) -> Any:
    """The adjoint of ``correlate`` in its input: an array of the input's shape, ``(n,
    *sizes, c)``.

    Examples:
        >>> g, w = np.ones((1, 2, 1)), np.ones((3, 1, 1))
        >>> correlate_input_transpose(g, w, sizes=(4,), stride=(1,), padding=((0, 0),),
        ...                           dilation=(1,), groups=1)[0, :, 0]
        array([1., 2., 2., 1.])
    """
    return _correlate_input_transpose(g, w, sizes, stride, padding, dilation, groups)


def _kernel_transpose_doc(
    x: Any, g: Any, *, window: Ints, stride: Ints, padding: Pairs, dilation: Ints, groups: int
) -> Any:
    """The adjoint of ``correlate`` in its kernel: an array of the kernel's shape.

    Examples:
        >>> x, g = np.arange(4.0).reshape(1, 4, 1), np.ones((1, 2, 1))
        >>> correlate_kernel_transpose(x, g, window=(3,), stride=(1,), padding=((0, 0),),
        ...                            dilation=(1,), groups=1)[:, 0, 0]
        array([1., 3., 5.])
    """
    return _correlate_kernel_transpose(x, g, window, stride, padding, dilation, groups)


correlate = primitive(_correlate_doc, "correlate")
correlate_input_transpose = primitive(_input_transpose_doc, "correlate_input_transpose")
correlate_kernel_transpose = primitive(_kernel_transpose_doc, "correlate_kernel_transpose")


def _input_settings(x: Any, kw: dict[str, Any]) -> dict[str, Any]:
    return {**kw, "sizes": tuple(shape(x)[1:-1])}


def _kernel_settings(w: Any, kw: dict[str, Any]) -> dict[str, Any]:
    return {**kw, "window": tuple(shape(w)[:-2])}


def _without(kw: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if k != name}


defvjp(
    correlate,
    lambda ans, x, w, **kw: lambda g: correlate_input_transpose(g, w, **_input_settings(x, kw)),
    lambda ans, x, w, **kw: lambda g: correlate_kernel_transpose(x, g, **_kernel_settings(w, kw)),
)
defjvp(
    correlate,
    lambda t, ans, x, w, **kw: correlate(t, w, **kw),
    lambda t, ans, x, w, **kw: correlate(x, t, **kw),
)
defvjp(
    correlate_input_transpose,
    lambda ans, g, w, **kw: lambda c: correlate(c, w, **_without(kw, "sizes")),
    lambda ans, g, w, **kw: (
        lambda c: correlate_kernel_transpose(c, g, **_kernel_settings(w, _without(kw, "sizes")))
    ),
)
defjvp(
    correlate_input_transpose,
    lambda t, ans, g, w, **kw: correlate_input_transpose(t, w, **kw),
    lambda t, ans, g, w, **kw: correlate_input_transpose(g, t, **kw),
)
defvjp(
    correlate_kernel_transpose,
    lambda ans, x, g, **kw: (
        lambda c: correlate_input_transpose(g, c, **_input_settings(x, _without(kw, "window")))
    ),
    lambda ans, x, g, **kw: lambda c: correlate(x, c, **_without(kw, "window")),
)
defjvp(
    correlate_kernel_transpose,
    lambda t, ans, x, g, **kw: correlate_kernel_transpose(t, g, **kw),
    lambda t, ans, x, g, **kw: correlate_kernel_transpose(x, t, **kw),
)


def _windows_doc(x: Any, *, window: Ints, stride: Ints, padding: Pairs, fill: float = 0.0) -> Any:
    """The windows of ``x`` ``(n, *sizes, c)`` as an array ``(n, *out, *window, c)``,
    the padding filled with ``fill`` (a constant: ``-inf`` for a maximum).

    Examples:
        >>> windows(np.arange(4.0).reshape(1, 4, 1), window=(2,), stride=(2,),
        ...         padding=((0, 0),))[0, :, :, 0]
        array([[0., 1.],
               [2., 3.]])
    """
    ones = (1,) * len(window)
    return np.ascontiguousarray(_patches(x, window, stride, padding, ones, fill))


def _windows_transpose_doc(
    g: Any, *, sizes: Ints, window: Ints, stride: Ints, padding: Pairs
) -> Any:
    """The adjoint of ``windows``: each window's entries added back where they came from.

    Examples:
        >>> windows_transpose(np.ones((1, 3, 2, 1)), sizes=(4,), window=(2,), stride=(1,),
        ...                   padding=((0, 0),))[0, :, 0]
        array([1., 2., 2., 1.])
    """
    return _scatter(g, sizes, window, stride, padding, (1,) * len(window))


windows = primitive(_windows_doc, "windows")
windows_transpose = primitive(_windows_transpose_doc, "windows_transpose")

defvjp(
    windows,
    lambda ans, x, *, window, stride, padding, fill=0.0: (
        lambda g: windows_transpose(
            g, sizes=tuple(shape(x)[1:-1]), window=window, stride=stride, padding=padding
        )
    ),
)
defjvp(
    windows,
    lambda t, ans, x, *, window, stride, padding, fill=0.0: windows(
        t, window=window, stride=stride, padding=padding
    ),
)
defvjp(
    windows_transpose,
    lambda ans, g, *, sizes, window, stride, padding: (
        lambda c: windows(c, window=window, stride=stride, padding=padding)
    ),
)
defjvp(
    windows_transpose,
    lambda t, ans, g, **kw: windows_transpose(t, **kw),
)
