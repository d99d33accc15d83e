"""The discrete Fourier transforms: the forward definitions of ``paralens.numpy.fft``.

Every transform of ``numpy.fft`` is a primitive that calls NumPy's own, so a plain input
gets exactly what NumPy returns (float32 stays in complex64, as in NumPy 2). All of them
are linear, so each forward rule is the transform of the tangent. NumPy computes an
N-dimensional transform as one-dimensional ones along its axes in turn (``plan``), each
of the form ``resize(F(resize(x, n)), length)``: the input cut or padded with zeros to
``n`` entries, the transform ``F`` (forward or inverse, with its ``norm``), the result
cut or padded to ``length`` (and its real part taken, for a real map). Call that map
``dft``: in autograd's convention (see ``_parts.py``) its reverse rule is the same map in
the other direction, ``resize(F(resize(g, n)), len(x))``, as ``F`` is symmetric, so the
reverse rules of every transform are ``dft`` steps along the plan, backwards:

- ``fft``, ``ifft``: ``dft`` itself, its real part for a real input;
- ``rfft``, of a real input of length ``n``: ``fft`` of the ``n // 2 + 1`` cotangents
  padded to ``n``, its real part;
- ``irfft`` to length ``n`` (which reads ``n // 2 + 1`` complex inputs, the first and, for
  an even ``n``, the last as real): ``ifft`` of the cotangent, times the Hermitian
  weights, 1 for those two entries and 2 for the others, which stand for their
  conjugates too.

Examples:
    >>> x = np.array([1.0, 2.0, 0.0, -1.0])
    >>> fft(x)
    array([2.+0.j, 1.-3.j, 0.+0.j, 1.+3.j])
    >>> irfft(rfft(x))
    array([ 1.,  2.,  0., -1.])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

import numpy as np

from paralens._core import primitive
from paralens.numpy._parts import conjugate

Norm = Literal["backward", "ortho", "forward"] | None
"""How a transform is scaled, as in NumPy."""

# ---- The one-dimensional transforms ---------------------------------------------------


def _fft(a: Any, n: int | None = None, axis: int = -1, norm: Norm = None) -> Any:
    """``numpy.fft.fft``: the discrete Fourier transform along ``axis``, of ``n`` entries
    (the input cut or padded with zeros), scaled by ``norm``.

    Examples:
        >>> fft(np.array([1.0, 1.0]), n=4)
        array([2.+0.j, 1.-1.j, 0.+0.j, 1.+1.j])
    """
    return np.fft.fft(a, n, axis, norm)


def _ifft(a: Any, n: int | None = None, axis: int = -1, norm: Norm = None) -> Any:
    """``numpy.fft.ifft``: the inverse discrete Fourier transform along ``axis``.

    Examples:
        >>> ifft(np.array([4.0, 0.0, 0.0, 0.0]))
        array([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    return np.fft.ifft(a, n, axis, norm)


def _rfft(a: Any, n: int | None = None, axis: int = -1, norm: Norm = None) -> Any:
    """``numpy.fft.rfft``: the transform of a real input, its ``n // 2 + 1`` entries of
    nonnegative frequency.

    Examples:
        >>> rfft(np.array([1.0, 0.0, -1.0]))
        array([0. +0.j       , 1.5-0.8660254j])
    """
    return np.fft.rfft(a, n, axis, norm)


def _irfft(a: Any, n: int | None = None, axis: int = -1, norm: Norm = None) -> Any:
    """``numpy.fft.irfft``: the real signal of ``n`` entries (default ``2 * (m - 1)``)
    whose ``rfft`` is ``a``; the imaginary parts of the zero and (even ``n``) the
    Nyquist frequency are ignored, and have derivative zero.

    Examples:
        >>> irfft(np.array([0.0, 1.5 - 0.8660254j]), n=3)
        array([ 1.,  0., -1.])
    """
    return np.fft.irfft(a, n, axis, norm)


fft = primitive(_fft, "fft")
ifft = primitive(_ifft, "ifft")
rfft = primitive(_rfft, "rfft")
irfft = primitive(_irfft, "irfft")

# ---- The N-dimensional transforms -------------------------------------------------------

Axes = Sequence[int] | None


def _fftn(a: Any, s: Axes = None, axes: Axes = None, norm: Norm = None) -> Any:
    """``numpy.fft.fftn``: the transform along ``axes`` (all by default), of ``s[i]``
    entries along ``axes[i]``.

    Examples:
        >>> fftn(np.ones((2, 2)))
        array([[4.+0.j, 0.+0.j],
               [0.+0.j, 0.+0.j]])
    """
    return np.fft.fftn(a, s, axes, norm)


def _ifftn(a: Any, s: Axes = None, axes: Axes = None, norm: Norm = None) -> Any:
    """``numpy.fft.ifftn``: the inverse transform along ``axes``.

    Examples:
        >>> ifftn(np.array([[4.0, 0.0], [0.0, 0.0]])).real
        array([[1., 1.],
               [1., 1.]])
    """
    return np.fft.ifftn(a, s, axes, norm)


def _rfftn(a: Any, s: Axes = None, axes: Axes = None, norm: Norm = None) -> Any:
    """``numpy.fft.rfftn``: ``rfft`` along the last of ``axes``, then ``fft`` along the
    others.

    Examples:
        >>> rfftn(np.ones((2, 4))).shape
        (2, 3)
    """
    return np.fft.rfftn(a, s, axes, norm)


def _irfftn(a: Any, s: Axes = None, axes: Axes = None, norm: Norm = None) -> Any:
    """``numpy.fft.irfftn``: ``ifft`` along all of ``axes`` but the last, then ``irfft``.

    Examples:
        >>> irfftn(np.ones((2, 3))).shape
        (2, 4)
    """
    return np.fft.irfftn(a, s, axes, norm)


def _fft2(a: Any, s: Axes = None, axes: Axes = (-2, -1), norm: Norm = None) -> Any:
    """``numpy.fft.fft2``: ``fftn`` over the last two axes.

    Examples:
        >>> fft2(np.ones((2, 2)))[0, 0]
        np.complex128(4+0j)
    """
    return np.fft.fft2(a, s, axes, norm)


def _ifft2(a: Any, s: Axes = None, axes: Axes = (-2, -1), norm: Norm = None) -> Any:
    """``numpy.fft.ifft2``: ``ifftn`` over the last two axes.

    Examples:
        >>> ifft2(np.ones((2, 2)))[0, 0]
        np.complex128(1+0j)
    """
    return np.fft.ifft2(a, s, axes, norm)


def _rfft2(a: Any, s: Axes = None, axes: Axes = (-2, -1), norm: Norm = None) -> Any:
    """``numpy.fft.rfft2``: ``rfftn`` over the last two axes.

    Examples:
        >>> rfft2(np.ones((2, 2))).shape
        (2, 2)
    """
    return np.fft.rfft2(a, s, axes, norm)


def _irfft2(a: Any, s: Axes = None, axes: Axes = (-2, -1), norm: Norm = None) -> Any:
    """``numpy.fft.irfft2``: ``irfftn`` over the last two axes.

    Examples:
        >>> irfft2(np.ones((2, 2))).shape
        (2, 2)
    """
    return np.fft.irfft2(a, s, axes, norm)


fftn = primitive(_fftn, "fftn")
ifftn = primitive(_ifftn, "ifftn")
rfftn = primitive(_rfftn, "rfftn")
irfftn = primitive(_irfftn, "irfftn")
fft2 = primitive(_fft2, "fft2")
ifft2 = primitive(_ifft2, "ifft2")
rfft2 = primitive(_rfft2, "rfft2")
irfft2 = primitive(_irfft2, "irfft2")

# ---- Hermitian transforms (composites) and shifts -------------------------------------

_SWAPPED: dict[Any, Norm] = {
    None: "forward",
    "backward": "forward",
    "ortho": "ortho",
    "forward": "backward",
}


def hfft(a: Any, n: int | None = None, axis: int = -1, norm: Norm = None) -> Any:
    """``numpy.fft.hfft``: the transform of a Hermitian-symmetric signal given by its first
    half, a real spectrum of ``n`` entries; as NumPy computes it, ``irfft(conj(a))``.

    Examples:
        >>> hfft(np.array([1.0, 2.0, 3.0]))
        array([ 9., -2.,  1., -2.])
    """
    return irfft(conjugate(a), n, axis, _SWAPPED.get(norm, norm))


def ihfft(a: Any, n: int | None = None, axis: int = -1, norm: Norm = None) -> Any:
    """``numpy.fft.ihfft``: the inverse of ``hfft``, ``conj(rfft(a))`` as NumPy computes it.

    Examples:
        >>> ihfft(np.array([9.0, -2.0, 1.0, -2.0]))
        array([1.5-0.j, 2. -0.j, 3.5-0.j])
    """
    return conjugate(rfft(a, n, axis, _SWAPPED.get(norm, norm)))


def _fftshift(x: Any, axes: Any = None) -> Any:
    """``numpy.fft.fftshift``: the zero frequency moved to the centre.

    Examples:
        >>> fftshift(np.arange(4.0))
        array([2., 3., 0., 1.])
    """
    return np.fft.fftshift(x, axes)


def _ifftshift(x: Any, axes: Any = None) -> Any:
    """``numpy.fft.ifftshift``: the inverse of ``fftshift``.

    Examples:
        >>> ifftshift(np.array([2.0, 3.0, 0.0, 1.0]))
        array([0., 1., 2., 3.])
    """
    return np.fft.ifftshift(x, axes)


fftshift = primitive(_fftshift, "fftshift")
ifftshift = primitive(_ifftshift, "ifftshift")

# ---- The one map of the reverse rules ----------------------------------------------------


def resize(x: np.ndarray, length: int, axis: int) -> np.ndarray:
    """``x`` cut, or padded with zeros, to ``length`` entries along ``axis``."""
    have = x.shape[axis]
    if have >= length:
        return x[(slice(None),) * (axis % x.ndim) + (slice(0, length),)]
    pads = [(0, 0)] * x.ndim
    pads[axis] = (0, length - have)
    return np.pad(x, pads)


def _dft(x: Any, *, n: int, length: int, axis: int, norm: Norm, inverse: bool, real: bool) -> Any:
    """``resize(F(resize(x, n)), length)`` along ``axis``, ``F`` the transform of ``n``
    entries (inverse with ``inverse``, scaled by ``norm``); its real part with ``real``.

    Examples:
        >>> dft(np.array([1.0, 1.0]), n=4, length=3, axis=-1, norm=None, inverse=False,
        ...     real=True)
        array([2., 1., 0.])
    """
    y = (np.fft.ifft if inverse else np.fft.fft)(x, n, axis, norm)
    y = resize(y, length, axis)
    return np.ascontiguousarray(y.real) if real else y


dft = primitive(_dft, "dft")


class Step(NamedTuple):
    """One one-dimensional transform of a plan: ``kind`` (``"fft"``, ``"ifft"``,
    ``"rfft"``, ``"irfft"``) along ``axis``, of ``n`` entries, on an input of ``length``."""

    kind: str
    axis: int
    n: int
    length: int


def plan(kinds: tuple[str, str], shape: tuple[int, ...], s: Axes, axes: Axes) -> list[Step]:
    """The one-dimensional transforms NumPy's N-dimensional one takes, in order.

    ``kinds`` are the transform along the last of ``axes`` and the one along the others:
    ``("fft", "fft")``, ``("ifft", "ifft")``, ``("rfft", "fft")`` (``rfft`` first) or
    ``("irfft", "ifft")`` (``irfft`` last). The arguments are valid: NumPy took them.

    Examples:
        >>> plan(("rfft", "fft"), (4, 6), None, None)
        [Step(kind='rfft', axis=1, n=6, length=6), Step(kind='fft', axis=0, n=4, length=4)]
    """
    ndim = len(shape)
    last, other = kinds
    count = (ndim if axes is None else len(axes)) if s is None else len(s)
    chosen = list(range(ndim - count, ndim)) if axes is None else [a % ndim for a in axes]
    # As NumPy cooks them: -1 is the input's size; None is the transform's own default.
    sizes: list[int | None]
    if s is None:
        sizes = [shape[a] for a in chosen]
        if last == "irfft":
            sizes[-1] = 2 * (shape[chosen[-1]] - 1)
    else:
        sizes = [shape[a] if k == -1 else k for k, a in zip(s, chosen, strict=True)]
    order = list(range(len(chosen)))
    if last == "irfft":
        kinds_in_order = [(other, i) for i in order[:-1]] + [(last, order[-1])]
    elif last == "rfft":
        kinds_in_order = [(last, order[-1])] + [(other, i) for i in reversed(order[:-1])]
    else:
        kinds_in_order = [(other, i) for i in reversed(order)]
    current = list(shape)
    steps = []
    for kind, i in kinds_in_order:
        axis, have = chosen[i], current[chosen[i]]
        given = sizes[i]
        n = given if given is not None else (2 * (have - 1) if kind == "irfft" else have)
        steps.append(Step(kind, axis, n, have))
        current[axis] = n // 2 + 1 if kind == "rfft" else n
    return steps
