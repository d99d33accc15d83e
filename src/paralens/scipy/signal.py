"""Differentiable ``scipy.signal``: ``convolve``, over any axes, with a tensor product too.

Examples:
    >>> import numpy as np
    >>> import paralens
    >>> from paralens.scipy.signal import convolve
    >>> k = np.array([1.0, 2.0])
    >>> paralens.grad(lambda x: convolve(x, k).sum())(np.ones(3))
    array([3., 3., 3.])
"""

from paralens.scipy._convolve import convolve

__all__ = ["convolve"]
