"""The convolution and window primitives: the forward definitions.

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

The rules are registered in ``_vjps_conv.py`` and ``_jvps_conv.py``; the NumPy
computations, with their speed paths (kept patches, per-tap products, blocks), are in
``_fast_conv.py``.

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

from typing import Any

import numpy as np

from paralens.extend import primitive
from paralens.numpy._fast_conv import (
    Ints,
    Pairs,
    correlate_fast,
    input_transpose_fast,
    kernel_transpose_fast,
    patches,
    scatter,
)

__all__ = [
    "Ints",
    "Pairs",
    "correlate",
    "correlate_input_transpose",
    "correlate_kernel_transpose",
    "windows",
    "windows_transpose",
]


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
    return correlate_fast(x, w, stride, padding, dilation, groups)


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
    return input_transpose_fast(g, w, sizes, stride, padding, dilation, groups)


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
    return kernel_transpose_fast(x, g, window, stride, padding, dilation, groups)


correlate = primitive(_correlate_doc, "correlate")
correlate_input_transpose = primitive(_input_transpose_doc, "correlate_input_transpose")
correlate_kernel_transpose = primitive(_kernel_transpose_doc, "correlate_kernel_transpose")


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
    return np.ascontiguousarray(patches(x, window, stride, padding, ones, fill))


def _windows_transpose_doc(
    g: Any, *, sizes: Ints, window: Ints, stride: Ints, padding: Pairs
) -> Any:
    """The adjoint of ``windows``: each window's entries added back where they came from.

    Examples:
        >>> windows_transpose(np.ones((1, 3, 2, 1)), sizes=(4,), window=(2,), stride=(1,),
        ...                   padding=((0, 0),))[0, :, 0]
        array([1., 2., 2., 1.])
    """
    return scatter(g, sizes, window, stride, padding, (1,) * len(window))


windows = primitive(_windows_doc, "windows")
windows_transpose = primitive(_windows_transpose_doc, "windows_transpose")
