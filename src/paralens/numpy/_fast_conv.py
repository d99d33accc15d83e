"""The convolution's NumPy computations, each in two forms: plain, and the one that is run.

The plain form is the algorithm as it reads: the patches of ``x`` (im2col, a strided
view) times the kernel for the correlation; the cotangent times the kernel's transpose,
scattered back where the patches came from (col2im), for its adjoint in the input; the
patches, transposed, times the cotangent for its adjoint in the kernel. The primitives
of ``_conv.py`` run the fast form, which computes the same with three speed paths, each
measured in ``benchmarks/conv2d.py``:

- *kept patches*: the forward pass leaves its patch matrix for the kernel's gradient to
  take, as a hand-written backward pass keeps it, instead of copying the patches again;
- *per tap*: from a few input channels the input's gradient is one product per kernel
  tap added into its strided place, instead of one large product scattered back;
- *blocks*: a batch whose patches would exceed 64 MB (an evaluation set) is taken in
  blocks, so that memory does not grow with the batch.

``tests/test_conv.py`` checks that the two forms agree. Arrays are channels-last: ``x`` is
``(n, *sizes, c)``, a kernel ``(*window, c // groups, c_out)``; padding is explicit
``(before, after)`` pairs.

Examples:
    >>> x, w = np.arange(5.0).reshape(1, 5, 1), np.array([1.0, -1.0]).reshape(2, 1, 1)
    >>> settings = ((1,), ((0, 0),), (1,), 1)
    >>> correlate_plain(x, w, *settings)[0, :, 0]
    array([-1., -1., -1., -1.])
    >>> bool(np.array_equal(correlate_fast(x, w, *settings), correlate_plain(x, w, *settings)))
    True
"""

from __future__ import annotations

import itertools
import math
import weakref
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

Pairs = tuple[tuple[int, int], ...]
"""Padding: ``(before, after)`` per spatial axis."""
Ints = tuple[int, ...]
"""One int per spatial axis (strides, dilations, sizes, a window)."""


# ---- the pieces of both forms -------------------------------------------------------------


def _spatial(x: np.ndarray) -> tuple[int, ...]:
    return tuple(range(1, x.ndim - 1))


def patches(
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


def _tap_target(offset: Ints, dilation: Ints, stride: Ints, out: Ints) -> tuple[slice, ...]:
    """Where the entries of one window position (``offset``) sit in the padded input."""
    return tuple(
        slice(i * d, i * d + s * (o - 1) + 1, s)
        for i, d, s, o in zip(offset, dilation, stride, out, strict=True)
    )


def _crop(sizes: Ints, padding: Pairs) -> tuple[slice, ...]:
    return (slice(None), *(slice(a, a + s) for s, (a, _) in zip(sizes, padding, strict=True)))


def scatter(
    cols: np.ndarray, sizes: Ints, window: Ints, stride: Ints, padding: Pairs, dilation: Ints
) -> np.ndarray:
    """The adjoint of ``patches``: ``cols`` ``(n, *out, *window, c)`` added back into an
    array ``(n, *sizes, c)`` (col2im), one strided addition per window position."""
    n_space = len(window)
    out = cols.shape[1 : 1 + n_space]
    padded = tuple(s + a + b for s, (a, b) in zip(sizes, padding, strict=True))
    total = np.zeros((cols.shape[0], *padded, cols.shape[-1]), dtype=cols.dtype)
    for offset in itertools.product(*(range(k) for k in window)):
        target = _tap_target(offset, dilation, stride, out)
        total[(slice(None), *target)] += cols[(slice(None),) * (1 + n_space) + offset]
    return total[_crop(sizes, padding)]


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


def out_sizes(sizes: Ints, window: Ints, stride: Ints, padding: Pairs, dilation: Ints) -> Ints:
    """The output's spatial sizes."""
    return tuple(
        (n + a + b - d * (k - 1) - 1) // s + 1
        for n, k, s, (a, b), d in zip(sizes, window, stride, padding, dilation, strict=True)
    )


def _patch_rows(x: Any, window: Ints, stride: Ints, padding: Pairs, dilation: Ints) -> np.ndarray:
    """The patches of ``x`` as rows ``(n * prod(out), prod(window) * c)`` (one copy)."""
    view = patches(x, window, stride, padding, dilation)
    return view.reshape(math.prod(view.shape[: 1 + len(window)]), -1)


def _times_kernel(cols: np.ndarray, w: Any, lead: Ints, groups: int) -> Any:
    """Patch rows times the kernel, group by group: the correlation ``(*lead, c_out)``."""
    m = cols.shape[0]
    if groups == 1:
        y = cols @ w.reshape(-1, w.shape[-1])
    else:
        window, c = w.shape[:-2], w.shape[-2] * groups
        parts = np.matmul(_grouped(cols.reshape(m, *window, c), groups), _kernel_matrix(w, groups))
        y = parts.transpose(1, 0, 2).reshape(m, -1)
    return y.reshape(*lead, w.shape[-1])


def _columns(g: Any, w: Any, groups: int) -> Any:
    """The cotangent times the kernel's transpose: the columns ``(*lead, *window, c)``."""
    window = w.shape[:-2]
    lead = g.shape[:-1]
    m = math.prod(lead)
    rows = g.reshape(m, -1)
    if groups == 1:
        cols = rows @ w.reshape(-1, w.shape[-1]).T
        return cols.reshape(*lead, *window, w.shape[-2])
    per_group = rows.reshape(m, groups, -1).transpose(1, 0, 2)
    parts = np.matmul(per_group, _kernel_matrix(w, groups).transpose(0, 2, 1))
    parts = parts.reshape(groups, m, math.prod(window), -1)
    return parts.transpose(1, 2, 0, 3).reshape(*lead, *window, -1)


def _patches_times_cotangent(cols: np.ndarray, g: Any, window: Ints, c: int, groups: int) -> Any:
    """The patches, transposed, times the cotangent: an array of the kernel's shape."""
    m = cols.shape[0]
    rows = g.reshape(m, -1)
    if groups == 1:
        return (cols.T @ rows).reshape(*window, c, -1)
    grouped = _grouped(cols.reshape(m, *window, c), groups)
    per_group = rows.reshape(m, groups, -1).transpose(1, 0, 2)
    parts = np.matmul(grouped.transpose(0, 2, 1), per_group)  # (groups, k * c_g, o_g)
    parts = parts.reshape(groups, math.prod(window), c // groups, -1)
    return parts.transpose(1, 2, 0, 3).reshape(*window, c // groups, -1)


# ---- the plain form -------------------------------------------------------------------------


def correlate_plain(
    x: Any, w: Any, stride: Ints, padding: Pairs, dilation: Ints, groups: int
) -> Any:
    """The cross-correlation: the patch rows of ``x`` times the kernel (im2col)."""
    window = w.shape[:-2]
    lead = (x.shape[0], *out_sizes(x.shape[1:-1], window, stride, padding, dilation))
    return _times_kernel(_patch_rows(x, window, stride, padding, dilation), w, lead, groups)


def input_transpose_plain(
    g: Any, w: Any, sizes: Ints, stride: Ints, padding: Pairs, dilation: Ints, groups: int
) -> Any:
    """The adjoint in the input: the columns of ``g`` scattered back (col2im)."""
    return scatter(_columns(g, w, groups), sizes, w.shape[:-2], stride, padding, dilation)


def kernel_transpose_plain(
    x: Any, g: Any, window: Ints, stride: Ints, padding: Pairs, dilation: Ints, groups: int
) -> Any:
    """The adjoint in the kernel: the patch rows of ``x``, transposed, times ``g``."""
    cols = _patch_rows(x, window, stride, padding, dilation)
    return _patches_times_cotangent(cols, g, window, x.shape[-1], groups)


# ---- blocks -------------------------------------------------------------------------------

# The patches of a large batch (an evaluation set) would need memory in proportion to it:
# a batch is taken in blocks whose patches hold at most this many entries (64 MB of
# float64), which a training batch of MNIST's second convolution fits in whole.
_BLOCK_ENTRIES = 1 << 23


def blocks(n: int, out: Ints, window: Ints, channels: int) -> list[slice]:
    """Slices of a batch of ``n`` whose patches (``out`` windows of ``window`` taps of
    ``channels`` per example) fit ``_BLOCK_ENTRIES``."""
    per_example = max(math.prod(out) * math.prod(window) * channels, 1)
    size = max(1, _BLOCK_ENTRIES // per_example)
    return [slice(start, start + size) for start in range(0, n, size)]


# ---- kept patches ---------------------------------------------------------------------------

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


def _taken_patch_rows(
    x: Any, window: Ints, stride: Ints, padding: Pairs, dilation: Ints
) -> np.ndarray:
    """The patch rows the forward pass kept for this ``x`` and these settings, taken
    (once), or made again where it kept none."""
    kept = _KEPT_PATCHES.pop(id(x), None)
    if kept is not None and kept[0]() is x and kept[1] == (window, stride, padding, dilation):
        return kept[2]
    return _patch_rows(x, window, stride, padding, dilation)


# ---- per tap --------------------------------------------------------------------------------

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
    """``scatter`` of ``rows @ w.T`` (the columns of col2im), one tap at a time: each tap's
    product added into the strided slice of the input it came from."""
    window, c = w.shape[:-2], w.shape[-2]
    padded = tuple(n + a + b for n, (a, b) in zip(sizes, padding, strict=True))
    total = np.zeros((lead[0], *padded, c), dtype=np.result_type(rows, w))
    for offset in itertools.product(*(range(k) for k in window)):
        target = _tap_target(offset, dilation, stride, lead[1:])
        total[(slice(None), *target)] += (rows @ w[offset].T).reshape(*lead, c)
    return total[_crop(sizes, padding)]


# ---- the fast form: what the primitives run -------------------------------------------------


def correlate_fast(
    x: Any, w: Any, stride: Ints, padding: Pairs, dilation: Ints, groups: int
) -> Any:
    """``correlate_plain``, in blocks, leaving each block's patches for the backward pass."""
    window = w.shape[:-2]
    out = out_sizes(x.shape[1:-1], window, stride, padding, dilation)
    parts = blocks(x.shape[0], out, window, x.shape[-1])
    if len(parts) > 1:
        return np.concatenate(
            [correlate_fast(x[part], w, stride, padding, dilation, groups) for part in parts]
        )
    cols = _patch_rows(x, window, stride, padding, dilation)
    _keep_patches(x, (window, stride, padding, dilation), cols)
    return _times_kernel(cols, w, (x.shape[0], *out), groups)


def input_transpose_fast(
    g: Any, w: Any, sizes: Ints, stride: Ints, padding: Pairs, dilation: Ints, groups: int
) -> Any:
    """``input_transpose_plain``, in blocks, tap by tap from ``_PER_TAP_FROM`` channels."""
    window = w.shape[:-2]
    parts = blocks(g.shape[0], g.shape[1:-1], window, w.shape[-2] * groups)
    if len(parts) > 1:
        return np.concatenate(
            [
                input_transpose_fast(g[part], w, sizes, stride, padding, dilation, groups)
                for part in parts
            ]
        )
    if groups == 1 and w.shape[-2] >= _PER_TAP_FROM:
        lead = g.shape[:-1]
        rows = g.reshape(math.prod(lead), -1)
        return _scatter_products(rows, w, lead, sizes, stride, padding, dilation)
    return input_transpose_plain(g, w, sizes, stride, padding, dilation, groups)


def kernel_transpose_fast(
    x: Any, g: Any, window: Ints, stride: Ints, padding: Pairs, dilation: Ints, groups: int
) -> Any:
    """``kernel_transpose_plain``, in blocks, with the patches the forward pass kept."""
    parts = blocks(x.shape[0], g.shape[1:-1], window, x.shape[-1])
    if len(parts) > 1:
        return sum(
            kernel_transpose_fast(x[part], g[part], window, stride, padding, dilation, groups)
            for part in parts
        )
    cols = _taken_patch_rows(x, window, stride, padding, dilation)
    return _patches_times_cotangent(cols, g, window, x.shape[-1], groups)
