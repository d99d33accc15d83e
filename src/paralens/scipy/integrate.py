"""Differentiable ``scipy.integrate``: ``odeint``, with its adjoint for reverse mode.

Examples:
    >>> import numpy as np
    >>> import paralens
    >>> from paralens.scipy.integrate import odeint
    >>> growth = lambda y, t: y
    >>> dy0 = paralens.grad(lambda y0: odeint(growth, y0, np.array([0.0, 1.0]), rtol=1e-10)[-1, 0])
    >>> round(float(dy0(np.ones(1))[0]), 6)  # d/dy0 of y0 exp(1)
    2.718282
"""

from paralens.scipy._odeint import odeint

__all__ = ["odeint"]
