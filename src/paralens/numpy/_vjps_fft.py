"""The reverse rules of the discrete Fourier transforms (``_fft.py``), beside ``_vjps.py``.

Each transform is a plan of one-dimensional steps, and its reverse rule walks the plan
backwards, one ``dft`` per step (see ``_fft.py`` for why that is the adjoint in autograd's
convention): the cotangent of a real input is real, and the cotangent of ``irfft`` carries
the Hermitian weights. The rules read only the input's shape and dtype, so the tape keeps
no array of a transform.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import defvjp
from paralens.numpy._backend import constant_like
from paralens.numpy._fft import (
    Step,
    dft,
    fft,
    fft2,
    fftn,
    fftshift,
    ifft,
    ifft2,
    ifftn,
    ifftshift,
    irfft,
    irfft2,
    irfftn,
    plan,
    rfft,
    rfft2,
    rfftn,
)
from paralens.numpy._parts import is_complex
from paralens.numpy._shape import ndim, shape
from paralens.numpy._vjps_linalg import real_dtype


def hermitian_weights(step: Step, n_dim: int, like: Any) -> Any:
    """The weights of ``irfft``'s inputs along the step's axis, shaped to broadcast: 1 for
    the zero and (even ``n``) the Nyquist frequency, 2 for the others, which stand for
    their conjugates too, and 0 for inputs past ``n // 2 + 1``, which it ignores."""
    used = step.n // 2 + 1
    weights = np.zeros(step.length, dtype=real_dtype(like))
    weights[: min(used, step.length)] = 2.0
    weights[0] = 1.0
    if step.n % 2 == 0 and step.n // 2 < step.length:
        weights[step.n // 2] = 1.0
    shape_ = [1] * n_dim
    shape_[step.axis] = step.length
    return constant_like(weights.reshape(shape_), like)


def pull_back(g: Any, a: Any, steps: list[Step], norm: Any) -> Any:
    """The cotangent of ``a`` from that of the plan's answer: the steps' rules, backwards."""
    for index in reversed(range(len(steps))):
        step = steps[index]
        real_input = step.kind == "rfft" or (index == 0 and not is_complex(a))
        g_step = dft(
            g,
            n=step.n,
            length=step.length,
            axis=step.axis,
            norm=norm,
            inverse=step.kind in ("ifft", "irfft"),
            real=real_input,
        )
        g = g_step * hermitian_weights(step, ndim(g_step), g) if step.kind == "irfft" else g_step
    return g


_KINDS = {
    "fft": ("fft", "fft"),
    "ifft": ("ifft", "ifft"),
    "rfft": ("rfft", "fft"),
    "irfft": ("irfft", "ifft"),
}


def _one_dimensional(kind: str) -> Callable[..., Any]:
    def rule(g: Any, ans: Any, a: Any, n: Any = None, axis: int = -1, norm: Any = None) -> Any:
        steps = plan(_KINDS[kind], shape(a), None if n is None else (n,), (axis,))
        return pull_back(g, a, steps, norm)

    return rule


def _n_dimensional(kind: str, default_axes: Any) -> Callable[..., Any]:
    def rule(
        g: Any, ans: Any, a: Any, s: Any = None, axes: Any = default_axes, norm: Any = None
    ) -> Any:
        return pull_back(g, a, plan(_KINDS[kind], shape(a), s, axes), norm)

    return rule


for _transform, _kind in ((fft, "fft"), (ifft, "ifft"), (rfft, "rfft"), (irfft, "irfft")):
    defvjp(_transform, _one_dimensional(_kind), None, None, None, saves=(), staged=False)
for _transform_n, _kind, _axes in (
    (fftn, "fft", None),
    (ifftn, "ifft", None),
    (rfftn, "rfft", None),
    (irfftn, "irfft", None),
    (fft2, "fft", (-2, -1)),
    (ifft2, "ifft", (-2, -1)),
    (rfft2, "rfft", (-2, -1)),
    (irfft2, "irfft", (-2, -1)),
):
    defvjp(_transform_n, _n_dimensional(_kind, _axes), None, None, None, saves=(), staged=False)


def _dft_vjp(g: Any, ans: Any, x: Any, *, axis: int, **kwargs: Any) -> Any:
    kwargs.update(length=shape(x)[axis], real=not is_complex(x))
    return dft(g, axis=axis, **kwargs)


defvjp(dft, _dft_vjp, saves=(), staged=False)
defvjp(fftshift, lambda g, ans, x, axes=None: ifftshift(g, axes), None, saves=(), staged=False)
defvjp(ifftshift, lambda g, ans, x, axes=None: fftshift(g, axes), None, saves=(), staged=False)
