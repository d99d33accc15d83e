"""Differentiable ``numpy.fft``: every transform HIPS autograd differentiates, and more.

Each function has NumPy's signature (without ``out=``) and returns exactly what NumPy
returns on plain arrays; on traced values it is differentiable in both modes, to any
order, for real and complex inputs, with every ``n``/``s``, ``axis``/``axes`` and
``norm``. Gradients follow autograd's convention for complex values (see
``paralens.numpy._parts``). The forward definitions are in ``_fft.py``; the rules, which
importing this module registers, in ``_vjps_fft.py`` and ``_jvps_fft.py``.
``fftfreq`` and ``rfftfreq`` are NumPy's own (they read no array).

Examples:
    >>> import numpy as np
    >>> import paralens
    >>> import paralens.numpy as pnp
    >>> x = np.array([1.0, 2.0, 0.0, -1.0])
    >>> paralens.grad(lambda x: pnp.sum(irfft(rfft(x) * 2.0)))(x)  # 2 x, summed
    array([2., 2., 2., 2.])
    >>> paralens.grad(lambda x: pnp.linalg.norm(fft(x)))(x)  # 2 x / |x|, by Parseval
    array([ 0.81649658,  1.63299316,  0.        , -0.81649658])
"""

from numpy.fft import fftfreq, rfftfreq

from paralens.numpy import _jvps_fft, _vjps_fft  # noqa: F401 (registers the rules)
from paralens.numpy._fft import (
    fft,
    fft2,
    fftn,
    fftshift,
    hfft,
    ifft,
    ifft2,
    ifftn,
    ifftshift,
    ihfft,
    irfft,
    irfft2,
    irfftn,
    rfft,
    rfft2,
    rfftn,
)

__all__ = [
    "fft",
    "fft2",
    "fftfreq",
    "fftn",
    "fftshift",
    "hfft",
    "ifft",
    "ifft2",
    "ifftn",
    "ifftshift",
    "ihfft",
    "irfft",
    "irfft2",
    "irfftn",
    "rfft",
    "rfft2",
    "rfftfreq",
    "rfftn",
]
