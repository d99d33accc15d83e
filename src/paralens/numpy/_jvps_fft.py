"""The forward rules of the discrete Fourier transforms (``_fft.py``), beside ``_jvps.py``.

Every transform is linear: its forward rule is the transform of the tangent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from paralens._core import defjvp
from paralens.numpy._fft import (
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
    rfft,
    rfft2,
    rfftn,
)


def _itself(transform: Callable[..., Any]) -> Callable[..., Any]:
    def rule(t: Any, ans: Any, a: Any, *args: Any, **kwargs: Any) -> Any:
        return transform(t, *args, **kwargs)

    return rule


for _transform in (fft, ifft, rfft, irfft, fftn, ifftn, rfftn, irfftn, fft2, ifft2, rfft2, irfft2):
    defjvp(_transform, _itself(_transform), None, None, None)
defjvp(dft, _itself(dft))
defjvp(fftshift, _itself(fftshift), None)
defjvp(ifftshift, _itself(ifftshift), None)
