"""Differentiable ``scipy.special``, used as ``from paralens.scipy import special``.

Each function returns exactly what SciPy's returns, and is differentiable in both modes
and to any order, in every argument that has a derivative. An argument without one (an
integer order, or a parameter SciPy gives no derivative for) raises an error naming it
when a traced value reaches it; where SciPy's value is nan the derivative is nan too.

Examples:
    >>> import numpy as np
    >>> import paralens
    >>> from paralens.scipy import special
    >>> float(paralens.grad(special.gammaln)(1.0))  # digamma(1) = -Euler's constant
    -0.5772156649015329
"""

from paralens.scipy.special._bessel import (
    i0,
    i0e,
    i1,
    i1e,
    iv,
    ive,
    j0,
    j1,
    jn,
    jv,
    k0,
    k0e,
    k1,
    k1e,
    kv,
    kve,
    y0,
    y1,
    yn,
    yv,
)
from paralens.scipy.special._beta import beta, betainc, betaincc, betaincinv, betaln
from paralens.scipy.special._error import (
    erf,
    erfc,
    erfcinv,
    erfcx,
    erfinv,
    log_ndtr,
    ndtr,
    ndtri,
)
from paralens.scipy.special._gamma import (
    digamma,
    gamma,
    gammainc,
    gammaincc,
    gammainccinv,
    gammaincinv,
    gammaln,
    gammasgn,
    loggamma,
    multigammaln,
    polygamma,
    psi,
    rgamma,
)
from paralens.scipy.special._logistic import expit, log_expit, logit
from paralens.scipy.special._logsumexp import log_softmax, logsumexp, softmax
from paralens.scipy.special._xlogy import entr, xlog1py, xlogy

__all__ = [
    "beta",
    "betainc",
    "betaincc",
    "betaincinv",
    "betaln",
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfcinv",
    "erfcx",
    "erfinv",
    "expit",
    "gamma",
    "gammainc",
    "gammaincc",
    "gammainccinv",
    "gammaincinv",
    "gammaln",
    "gammasgn",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "iv",
    "ive",
    "j0",
    "j1",
    "jn",
    "jv",
    "k0",
    "k0e",
    "k1",
    "k1e",
    "kv",
    "kve",
    "log_expit",
    "log_ndtr",
    "log_softmax",
    "loggamma",
    "logit",
    "logsumexp",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "rgamma",
    "softmax",
    "xlog1py",
    "xlogy",
    "y0",
    "y1",
    "yn",
    "yv",
]

# The forms on other libraries' arrays (torch.special, or the standard's functions).
from paralens.scipy import _backend_forms  # noqa: F401
