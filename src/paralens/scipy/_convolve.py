"""Convolution over chosen axes with a tensor product over others, as ``autograd.scipy``'s.

``convolve(a, b, axes=(axes_a, axes_b), dot_axes=(dot_a, dot_b))`` convolves ``a``'s axes
``axes_a`` with ``b``'s ``axes_b`` (pairwise), sums over the paired ``dot_axes`` (as
``tensordot`` does) and keeps every other axis; the answer's axes are ``a``'s others, then
``b``'s others, then the convolved ones. With the defaults it is ``scipy.signal.convolve``.

One primitive does all of it: the full convolution, seen through a window ``[lo, hi)`` of
its indices on each convolved axis (``full`` is ``[0, na + nb - 1)``, ``valid``
``[min - 1, max)``, ``same`` ``[(nb - 1) // 2, (nb - 1) // 2 + na)``; zero outside the
full range). Each argument's cotangent is again such a window, of the convolution of the
cotangent with the other argument flipped, so the rules close over the primitive and every
order of derivative comes from the same code. It is bilinear, so its forward rules are
itself with a tangent in place of an argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.signal
from numpy.lib.stride_tricks import sliding_window_view

import paralens.numpy as pnp
from paralens.extend import Var, defjvp, defvjp, primitive
from paralens.numpy._backend_forms_values import SCIPY_ONLY, refuse_other_libraries
from paralens.scipy._elementwise import plain

__all__ = ["convolve"]

Axes = tuple[tuple[int, ...], tuple[int, ...]]
Window = tuple[tuple[int, int], ...]
_MODES = ("full", "valid", "same")


def _others(ndim: int, *used: tuple[int, ...]) -> tuple[int, ...]:
    taken = {i for axes in used for i in axes}
    return tuple(i for i in range(ndim) if i not in taken)


def _mode_window(mode: str, na: int, nb: int) -> tuple[int, int]:
    if mode == "full":
        return 0, na + nb - 1
    if mode == "valid":
        return min(na, nb) - 1, max(na, nb)
    start = (nb - 1) // 2
    return start, start + na


def _scipy_mode(
    a: np.ndarray, b: np.ndarray, axes: Axes, dot_axes: Axes, window: Window
) -> str | None:
    """The mode of ``scipy.signal.convolve`` that computes this primitive, if one does."""
    everything = tuple(range(a.ndim))
    if a.ndim != b.ndim or axes != (everything, everything) or dot_axes != ((), ()):
        return None
    for mode in _MODES:
        windows = tuple(_mode_window(mode, na, nb) for na, nb in zip(a.shape, b.shape, strict=True))
        sizes_fit = mode != "valid" or _one_covers_the_other(a.shape, b.shape)
        if windows == window and sizes_fit:
            return mode
    return None


def _one_covers_the_other(sa: Sequence[int], sb: Sequence[int]) -> bool:
    return all(x >= y for x, y in zip(sa, sb, strict=True)) or all(
        x <= y for x, y in zip(sa, sb, strict=True)
    )


def _convolve_value(
    a: Any, b: Any, axes: Axes, dot_axes: Axes, window: Window, method: str = "auto"
) -> Any:
    a, b = np.asarray(a), np.asarray(b)
    mode = _scipy_mode(a, b, axes, dot_axes, window)
    if mode is not None:
        return scipy.signal.convolve(a, b, mode, method)
    ignore_a = _others(a.ndim, axes[0], dot_axes[0])
    ignore_b = _others(b.ndim, axes[1], dot_axes[1])
    a = np.transpose(a, ignore_a + dot_axes[0] + axes[0])
    b = np.transpose(b, ignore_b + dot_axes[1] + axes[1])
    n_conv = len(axes[0])
    conv_a = a.shape[a.ndim - n_conv :]
    flipped = a[(Ellipsis, *(slice(None, None, -1) for _ in conv_a))]
    pads = [(0, 0)] * (b.ndim - n_conv)
    starts = []
    for na, nb, (lo, hi) in zip(conv_a, b.shape[b.ndim - n_conv :], window, strict=True):
        left, right = max(0, na - 1 - lo), max(0, hi - nb)
        pads.append((left, right))
        starts.append(lo - (na - 1) + left)
    b = np.pad(b, pads)
    segment = tuple(
        slice(s, s + (hi - lo) + na - 1)
        for s, na, (lo, hi) in zip(starts, conv_a, window, strict=True)
    )
    b = b[(Ellipsis, *segment)]
    windows = sliding_window_view(b, conv_a, axis=tuple(range(b.ndim - n_conv, b.ndim)))
    i_a, i_b, n_dot = len(ignore_a), len(ignore_b), len(dot_axes[0])
    la = list(range(i_a))
    lb = list(range(i_a, i_a + i_b))
    ld = list(range(i_a + i_b, i_a + i_b + n_dot))
    lk = list(range(i_a + i_b + n_dot, i_a + i_b + n_dot + n_conv))
    lm = list(range(i_a + i_b + n_dot + n_conv, i_a + i_b + n_dot + 2 * n_conv))
    return np.einsum(flipped, la + ld + lm, windows, lb + ld + lk + lm, la + lb + lk)


_convolve = primitive(_convolve_value, "convolve")


def _cotangent(
    argnum: int, g: Any, a: Any, b: Any, axes: Axes, dot_axes: Axes, window: Window, method: str
) -> Any:
    """The cotangent of argument ``argnum`` (0 for ``a``, 1 for ``b``) for cotangent ``g``.

    It is ``g`` convolved with the other argument ``y`` flipped, over ``g``'s convolved
    axes, summed over ``g``'s axes that came from ``y`` against ``y``'s kept ones.
    """
    other = 1 - argnum
    x, y = (a, b) if argnum == 0 else (b, a)
    ignore = (
        _others(pnp.ndim(a), axes[0], dot_axes[0]),
        _others(pnp.ndim(b), axes[1], dot_axes[1]),
    )
    n_a, n_b = len(ignore[0]), len(ignore[1])
    g_blocks = (tuple(range(n_a)), tuple(range(n_a, n_a + n_b)))
    g_conv = tuple(range(n_a + n_b, pnp.ndim(g)))
    x_shape, y_shape = pnp.shape(x), pnp.shape(y)
    new_window = tuple(
        (y_shape[j] - 1 - lo, y_shape[j] - 1 - lo + x_shape[i])
        for i, j, (lo, _) in zip(axes[argnum], axes[other], window, strict=True)
    )
    flipped = pnp.flip(y, axis=axes[other]) if axes[other] else y
    result = _convolve(
        g,
        flipped,
        axes=(g_conv, axes[other]),
        dot_axes=(g_blocks[other], ignore[other]),
        window=new_window,
        method=method,
    )
    # The result's axes: x's kept ones, then y's dot axes (ascending), then x's convolved.
    paired = dict(zip(dot_axes[other], dot_axes[argnum], strict=True))
    sources = ignore[argnum] + tuple(paired[j] for j in sorted(dot_axes[other])) + axes[argnum]
    return pnp.transpose(result, tuple(int(i) for i in np.argsort(sources)))


def _vjp(argnum: int) -> Any:
    def rule(
        ans: Any, a: Any, b: Any, axes: Axes, dot_axes: Axes, window: Window, method: str = "auto"
    ) -> Any:
        return lambda g: _cotangent(argnum, g, a, b, axes, dot_axes, window, method)

    return rule


defvjp(_convolve, _vjp(0), _vjp(1))
defjvp(
    _convolve,
    lambda t, ans, a, b, **kwargs: _convolve(t, b, **kwargs),
    lambda t, ans, a, b, **kwargs: _convolve(a, t, **kwargs),
)


def _parse_axes(
    a_shape: tuple[int, ...], b_shape: tuple[int, ...], axes: Any, dot_axes: Any
) -> tuple[Axes, Axes]:
    if axes is None:
        if len(a_shape) != len(b_shape):
            raise ValueError(
                f"convolve: in1 and in2 should have the same dimensionality to be convolved "
                f"over all their axes (shapes {a_shape} and {b_shape}); pass axes=(axes1, "
                f"axes2) to choose the axes"
            )
        axes = (tuple(range(len(a_shape))), tuple(range(len(b_shape))))
    conv = (_normalise(axes[0], len(a_shape)), _normalise(axes[1], len(b_shape)))
    dot = (_normalise(dot_axes[0], len(a_shape)), _normalise(dot_axes[1], len(b_shape)))
    for what, pair in (("axes", conv), ("dot_axes", dot)):
        if len(pair[0]) != len(pair[1]):
            raise ValueError(
                f"convolve: {what} pairs axes of in1 with axes of in2, so both lists must be "
                f"as long; got {pair[0]} and {pair[1]}"
            )
    for i, (own, other) in enumerate(((conv[0], dot[0]), (conv[1], dot[1]))):
        if len(set(own + other)) != len(own + other):
            raise ValueError(
                f"convolve: an axis of in{i + 1} appears twice in axes and dot_axes "
                f"({own} and {other}); each axis is convolved, summed over, or kept"
            )
    for i, j in zip(*dot, strict=True):
        if a_shape[i] != b_shape[j]:
            raise ValueError(
                f"convolve: dot_axes pairs axis {i} of in1 (length {a_shape[i]}) with axis "
                f"{j} of in2 (length {b_shape[j]}); paired axes must have the same length"
            )
    return conv, dot


def _normalise(axes: Sequence[int], ndim: int) -> tuple[int, ...]:
    out = []
    for i in axes:
        if not -ndim <= int(i) < ndim:
            raise ValueError(f"convolve: axis {i} is out of range for an array of {ndim} axes")
        out.append(int(i) % ndim)
    return tuple(out)


def convolve(
    in1: Any,
    in2: Any,
    mode: str = "full",
    method: str = "auto",
    *,
    axes: Any = None,
    dot_axes: Any = ((), ()),
) -> Any:
    """The convolution of ``in1`` and ``in2``, ``scipy.signal.convolve``, generalised.

    Args:
        in1: the first array.
        in2: the second array.
        mode: ``"full"``, ``"valid"`` or ``"same"``, as in SciPy, on every convolved axis.
        method: SciPy's ``"auto"``, ``"direct"`` or ``"fft"``, used where SciPy computes
            the convolution (over all axes, without ``dot_axes``).
        axes: ``(axes1, axes2)``: the axes of ``in1`` convolved with those of ``in2``,
            pairwise (default: all, which needs as many axes in each).
        dot_axes: ``(dot1, dot2)``: pairs of axes summed over, as in ``tensordot``.

    Returns:
        The convolution, with ``in1``'s other axes, then ``in2``'s, then the convolved
        ones. With the defaults it is exactly SciPy's result.

    Raises:
        ValueError: a mode SciPy lacks, axes that do not pair up, or ``"valid"`` where
            neither array is at least as large as the other on every convolved axis.

    Examples:
        >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
        array([0. , 1. , 2.5, 4. , 1.5])
        >>> x, k = np.ones((2, 4)), np.array([1.0, -1.0])
        >>> convolve(x, k, "valid", axes=([1], [0]))  # each row of x with k
        array([[0., 0., 0.],
               [0., 0., 0.]])
    """
    if mode not in _MODES:
        raise ValueError(f"convolve: acceptable modes are 'valid', 'same' or 'full', not {mode!r}")
    refuse_other_libraries("convolve", SCIPY_ONLY, in1, in2)
    standard = axes is None and not dot_axes[0] and not dot_axes[1]
    if standard and not isinstance(in1, Var) and not isinstance(in2, Var):
        return scipy.signal.convolve(in1, in2, mode, method)
    a_shape, b_shape = pnp.shape(in1), pnp.shape(in2)
    conv, dot = _parse_axes(a_shape, b_shape, axes, dot_axes)
    na, nb = [a_shape[i] for i in conv[0]], [b_shape[j] for j in conv[1]]
    if mode == "valid" and not _one_covers_the_other(na, nb):
        raise ValueError(
            f"convolve: for 'valid' mode one array must be at least as large as the other "
            f"on every convolved axis; in1 has lengths {na} and in2 {nb} there"
        )
    window = tuple(_mode_window(mode, m, n) for m, n in zip(na, nb, strict=True))
    a = in1 if isinstance(in1, Var) else np.asarray(plain(in1))
    b = in2 if isinstance(in2, Var) else np.asarray(plain(in2))
    return _convolve(a, b, axes=conv, dot_axes=dot, window=window, method=method)
