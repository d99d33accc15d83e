"""Differentiable ``scipy.stats`` distributions, one module each, as in ``autograd.scipy.stats``.

``from paralens.scipy.stats import norm`` then ``norm.logpdf(x, loc, scale)``: SciPy's
signature and value, differentiable in every continuous argument (see each module for
which derivatives SciPy makes available).

Examples:
    >>> import paralens
    >>> from paralens.scipy.stats import norm
    >>> float(paralens.grad(norm.cdf)(0.0)) == float(norm.pdf(0.0))
    True
"""

from paralens.scipy.stats import beta, chi2, dirichlet, gamma, multivariate_normal, norm, poisson, t

__all__ = ["beta", "chi2", "dirichlet", "gamma", "multivariate_normal", "norm", "poisson", "t"]
