"""Differentiable SciPy: ``special``, ``stats``, ``signal``, ``integrate``, ``linalg``, ``misc``.

SciPy is an optional dependency (``pip install 'paralens[scipy]'``); ``import paralens``
never imports it, and this package does at its top. On plain inputs every function
returns exactly what SciPy's own returns; on traced ones it is differentiable in both
modes, with the derivatives autograd's ``autograd.scipy`` has and more.

Examples:
    >>> import paralens
    >>> from paralens.scipy.stats import norm
    >>> float(paralens.grad(norm.logpdf)(1.0))  # d/dx of -x**2 / 2
    -1.0
"""

try:
    import scipy  # noqa: F401
except ImportError as error:
    raise ImportError(
        "paralens.scipy needs SciPy, which is not installed; install it with "
        "pip install 'paralens[scipy]' (or pip install scipy)"
    ) from error

from paralens.scipy import integrate, linalg, misc, signal, special, stats

__all__ = ["integrate", "linalg", "misc", "signal", "special", "stats"]
