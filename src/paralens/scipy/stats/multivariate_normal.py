"""The multivariate normal distribution, ``scipy.stats.multivariate_normal``.

``logpdf`` and ``pdf`` are differentiable in ``x``, ``mean`` and ``cov``, ``entropy`` in
``cov``. With ``r = x - mean`` and ``s = cov⁻¹ r``: ``d logpdf / dx = -s``,
``d logpdf / d mean = s`` and ``d logpdf / d cov = (s sᵀ - cov⁻¹) / 2``; ``d entropy /
d cov = cov⁻¹ / 2``.

SciPy reads only the lower triangle of ``cov`` (the upper one is taken to mirror it), so
these are the derivatives of the function SciPy computes: the upper triangle's is zero,
and each entry below the diagonal carries the derivative of its mirror image too.
Symmetrise ``cov`` first (``(c + c.T) / 2``) for a symmetric gradient. As in SciPy,
``x`` holds one point per row (its last axis has ``mean``'s length, or is left out when
that is 1), ``mean`` may be None (zeros), and ``cov`` a matrix, a vector (its diagonal) or
a number (times the identity).

Examples:
    >>> import numpy as np
    >>> import paralens
    >>> from paralens.scipy.stats import multivariate_normal as mvn
    >>> paralens.grad(mvn.logpdf)(np.array([1.0, 2.0]), np.zeros(2), 2.0 * np.eye(2))
    array([-0.5, -1. ])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.stats

import paralens.numpy as pnp
from paralens.extend import Var, defjvp, defvjp, primitive
from paralens.scipy._elementwise import plain
from paralens.scipy._matrices import symmetric_from

__all__ = ["entropy", "logpdf", "pdf"]

_mvn = scipy.stats.multivariate_normal


def _logpdf_value(x: Any, mean: Any, cov: Any, allow_singular: bool = False) -> Any:
    return _mvn.logpdf(x, mean, cov, allow_singular)


def _pdf_value(x: Any, mean: Any, cov: Any, allow_singular: bool = False) -> Any:
    return _mvn.pdf(x, mean, cov, allow_singular)


def _entropy_value(mean: Any, cov: Any) -> Any:
    return _mvn.entropy(mean, cov)


_logpdf = primitive(_logpdf_value, "multivariate_normal.logpdf")
_pdf = primitive(_pdf_value, "multivariate_normal.pdf")
_entropy = primitive(_entropy_value, "multivariate_normal.entropy")


# What every rule reads: s = cov⁻¹ (x - mean), one row per point.


def _inverse_times(cov: Any, r: Any, allow_singular: bool) -> Any:
    """``cov⁻¹ r`` for each row of ``r`` (the pseudo-inverse for a singular ``cov``)."""
    d = pnp.shape(cov)[-1]
    rows = pnp.reshape(r, (-1, d))
    if allow_singular and not isinstance(cov, Var):
        solved = rows @ np.linalg.pinv(cov, hermitian=True)
    else:
        solved = pnp.transpose(pnp.solve(cov, pnp.transpose(rows)))
    return pnp.reshape(solved, pnp.shape(r))


def _inverse(cov: Any, allow_singular: bool) -> Any:
    if allow_singular and not isinstance(cov, Var):
        return np.linalg.pinv(cov, hermitian=True)
    return pnp.inv(cov)


def _refuse_singular(cov: Any, allow_singular: bool) -> None:
    c = plain(cov)
    if allow_singular and np.linalg.matrix_rank(c, hermitian=True) < np.shape(c)[-1]:
        raise NotImplementedError(
            "multivariate_normal: a singular cov has no derivative (an arbitrary "
            "perturbation changes its rank); differentiate in x and mean only, with cov "
            "a constant"
        )


def _per_point(g: Any, s: Any) -> Any:
    """A value per point (SciPy squeezes its answer) shaped to scale the rows of ``s``."""
    return pnp.reshape(g, (*pnp.shape(s)[:-1], 1))


def _rules(scaled: bool) -> tuple[Callable[..., Any], ...]:
    def weight(g: Any, ans: Any) -> Any:
        return g * ans if scaled else g

    def vjp_x(ans: Any, x: Any, mean: Any, cov: Any, allow_singular: bool = False) -> Any:
        s = _inverse_times(cov, x - mean, allow_singular)
        return lambda g: pnp.unbroadcast(-_per_point(weight(g, ans), s) * s, x)

    def vjp_mean(ans: Any, x: Any, mean: Any, cov: Any, allow_singular: bool = False) -> Any:
        s = _inverse_times(cov, x - mean, allow_singular)
        return lambda g: pnp.unbroadcast(_per_point(weight(g, ans), s) * s, mean)

    def vjp_cov(ans: Any, x: Any, mean: Any, cov: Any, allow_singular: bool = False) -> Any:
        _refuse_singular(cov, allow_singular)
        d = pnp.shape(cov)[-1]
        s = pnp.reshape(_inverse_times(cov, x - mean, allow_singular), (-1, d))
        inverse = _inverse(cov, allow_singular)

        def pullback(g: Any) -> Any:
            w = pnp.reshape(weight(g, ans), (-1,))
            return 0.5 * (pnp.einsum("n,ni,nj->ij", w, s, s) - pnp.sum(w) * inverse)

        return pullback

    def jvp_x(t: Any, ans: Any, x: Any, mean: Any, cov: Any, allow_singular: bool = False) -> Any:
        s = _inverse_times(cov, x - mean, allow_singular)
        return weight(pnp.reshape(-pnp.sum(t * s, axis=-1), pnp.shape(ans)), ans)

    def jvp_mean(
        t: Any, ans: Any, x: Any, mean: Any, cov: Any, allow_singular: bool = False
    ) -> Any:
        s = _inverse_times(cov, x - mean, allow_singular)
        return weight(pnp.reshape(pnp.sum(t * s, axis=-1), pnp.shape(ans)), ans)

    def jvp_cov(t: Any, ans: Any, x: Any, mean: Any, cov: Any, allow_singular: bool = False) -> Any:
        _refuse_singular(cov, allow_singular)
        s = _inverse_times(cov, x - mean, allow_singular)
        quadratic = pnp.sum(s * (s @ pnp.transpose(t)), axis=-1)
        trace = pnp.sum(_inverse(cov, allow_singular) * pnp.transpose(t))
        return weight(pnp.reshape(0.5 * (quadratic - trace), pnp.shape(ans)), ans)

    return vjp_x, vjp_mean, vjp_cov, jvp_x, jvp_mean, jvp_cov


for _prim, _scaled in ((_logpdf, False), (_pdf, True)):
    _vx, _vm, _vc, _jx, _jm, _jc = _rules(_scaled)
    defvjp(_prim, _vx, _vm, _vc)
    defjvp(_prim, _jx, _jm, _jc)

defvjp(_entropy, None, lambda ans, mean, cov: lambda g: 0.5 * g * pnp.inv(cov))
defjvp(_entropy, None, lambda t, ans, mean, cov: 0.5 * pnp.sum(pnp.inv(cov) * pnp.transpose(t)))


# From SciPy's arguments to a point per row, a mean and a full covariance matrix.


def _dimension(mean: Any, cov: Any) -> int:
    """The dimension as SciPy reads it: ``mean``'s length, else ``cov``'s rows if a matrix."""
    if mean is not None:
        return int(pnp.size(mean))
    return int(pnp.shape(cov)[0]) if pnp.ndim(cov) >= 2 else 1


def _check_shapes(x: Any, mean: Any, cov: Any) -> int:
    """The dimension, once ``mean``, ``cov`` and ``x`` (None: no points) are known to fit."""
    d = _dimension(mean, cov)
    if mean is not None and pnp.ndim(mean) > 1:
        raise ValueError(
            f"multivariate_normal: mean must be a vector (or a number), not an array of "
            f"shape {pnp.shape(mean)}"
        )
    fits = pnp.ndim(cov) == 0 or pnp.shape(cov) in ((d,), (d, d))
    if not fits:
        raise ValueError(
            f"multivariate_normal: cov must be a ({d}, {d}) matrix to match mean, a vector "
            f"of {d} variances or a number, not an array of shape {pnp.shape(cov)}"
        )
    if x is not None and d > 1 and (pnp.ndim(x) == 0 or pnp.shape(x)[-1] != d):
        raise ValueError(
            f"multivariate_normal: each point of x must have {d} components (its last "
            f"axis), to match mean; x has shape {pnp.shape(x)}"
        )
    return d


def _as_matrix(cov: Any, d: int) -> Any:
    """``cov`` as the symmetric matrix SciPy reads from it (from its lower triangle)."""
    if pnp.ndim(cov) == 0:
        return cov * np.eye(d)
    if pnp.ndim(cov) == 1:
        return pnp.expand_dims(cov, -1) * np.eye(d)
    return symmetric_from(cov, lower=True)


def _parameters(x: Any, mean: Any, cov: Any) -> tuple[Any, Any, Any]:
    d = _check_shapes(x, mean, cov)
    mean = np.zeros(d) if mean is None else mean
    if pnp.ndim(mean) == 0:
        mean = mean * np.ones(d)
    if d == 1 and (pnp.ndim(x) == 0 or pnp.shape(x)[-1] != 1):
        x = pnp.expand_dims(x, -1)
    return x, mean, _as_matrix(cov, d)


def _is_traced(*args: Any) -> bool:
    return any(isinstance(a, Var) for a in args)


def logpdf(x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
    """The log density ``-(rᵀ cov⁻¹ r + log det(2 pi cov)) / 2``, ``r = x - mean``.

    Raises:
        ValueError: ``x``, ``mean`` and ``cov`` do not fit together; each message names
            the shapes.

    Examples:
        >>> round(float(logpdf(np.zeros(2), np.zeros(2), np.eye(2))), 6)  # -log(2 pi)
        -1.837877
    """
    if not _is_traced(x, mean, cov):
        _check_shapes(x, mean, cov)
        return _mvn.logpdf(x, mean, cov, allow_singular)
    x, mean, cov = _parameters(x, mean, cov)
    return _logpdf(x, mean, cov, allow_singular=allow_singular)


def pdf(x: Any, mean: Any = None, cov: Any = 1, allow_singular: bool = False) -> Any:
    """The density ``exp(logpdf)``.

    Examples:
        >>> round(float(pdf(np.zeros(2), np.zeros(2), np.eye(2))), 6)  # 1 / (2 pi)
        0.159155
    """
    if not _is_traced(x, mean, cov):
        _check_shapes(x, mean, cov)
        return _mvn.pdf(x, mean, cov, allow_singular)
    x, mean, cov = _parameters(x, mean, cov)
    return _pdf(x, mean, cov, allow_singular=allow_singular)


def entropy(mean: Any = None, cov: Any = 1) -> Any:
    """The differential entropy ``log det(2 pi e cov) / 2``; it does not depend on ``mean``.

    Examples:
        >>> round(float(entropy(np.zeros(2), np.eye(2))), 6)  # 1 + log(2 pi)
        2.837877
    """
    if not _is_traced(mean, cov):
        return _mvn.entropy(mean, cov)
    d = _check_shapes(None, mean, cov)
    return _entropy(np.zeros(d) if mean is None else mean, _as_matrix(cov, d))
