"""Matrix decompositions and the functions made of them: the forward definitions.

``cholesky``, ``eigh``, ``eigvalsh``, ``eig``, ``eigvals``, ``svd``, ``qr`` and ``pinv``
are primitives that call ``numpy.linalg`` itself, so a plain input gets exactly what NumPy
returns; every one works on stacks of matrices ``(..., M, N)``. Their rules, from the
literature on matrix derivatives, are in ``_vjps_linalg.py`` and ``_jvps_linalg.py``.

What NumPy reads, the derivative reads: ``cholesky``, ``eigh`` and ``eigvalsh`` use one
triangle of their input (the lower one by default) and ignore the other, so the other's
entries have derivative zero, and the gradient of a matrix that was built symmetric
arrives whole through the chain rule.

Where a derivative does not exist, the rules raise instead of returning numbers: an
eigenvector (or singular vector) of a repeated eigenvalue (singular value) is any vector
of its eigenspace, so the rules refuse cotangents that depend on which one (see
``check_separated``), and ``svd(full_matrices=True)`` and ``qr(mode="complete")`` of a
non-square matrix return columns that are any basis of a complement. Of a complex matrix,
each eigenvector of ``eigh`` and each pair of singular vectors of ``svd`` is defined only up
to a phase: reverse mode refuses a function that depends on it, and forward mode refuses
those vectors (see ``eigh``, ``svd``).

Examples:
    >>> a = np.array([[4.0, 2.0], [2.0, 3.0]])
    >>> cholesky(a)
    array([[2.        , 0.        ],
           [1.        , 1.41421356]])
    >>> eigvalsh(a)
    array([1.43844719, 5.56155281])
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from paralens._core import is_var, plain_value, primitive
from paralens.numpy._backend_forms_values import to_host


def _cholesky(a: Any, upper: bool = False) -> Any:
    """``numpy.linalg.cholesky``: ``L`` lower triangular with ``a = L @ L.T``.

    NumPy reads only the lower triangle of ``a`` (with ``upper=True``, the upper one, and
    returns ``L.T``); the other triangle gets a zero gradient. A complex ``a`` is read as
    the Hermitian matrix of that triangle (``a = L @ L.conj().T``), whose diagonal is the
    real part of ``a``'s.

    References:
        Iain Murray, "Differentiation of the Cholesky decomposition", 2016,
        arXiv:1602.07527.

    Examples:
        >>> cholesky(np.array([[4.0, 99.0], [2.0, 2.0]]))  # 99 is never read
        array([[2., 0.],
               [1., 1.]])
    """
    if upper:
        return np.linalg.cholesky(a, upper=True)
    return np.linalg.cholesky(a)


cholesky = primitive(_cholesky, "cholesky")


def _eigh(a: Any, UPLO: str = "L") -> Any:
    """``numpy.linalg.eigh``: the eigenvalues (ascending) and eigenvectors of a symmetric
    matrix, read from its lower (``UPLO="L"``) or upper (``"U"``) triangle.

    The eigenvectors' gradient assumes the eigenvalues distinct; where two are too close
    for it to have half its digits right (``check_separated``) and the eigenvectors'
    cotangent depends on which basis of their eigenspace was taken, it raises.

    A complex ``a`` is read as a Hermitian matrix. Each of its eigenvectors is defined only
    up to a phase (a factor of modulus 1), so only a function that does not depend on the
    phases has a derivative: reverse mode raises for one that does (``check_phase_free``);
    forward mode, where what follows the tangent is unknown, raises for a complex ``a``
    (``eigvalsh`` gives the eigenvalues' tangent).

    References:
        Mike Giles, "An extended collection of matrix derivative results for forward and
        reverse mode algorithmic differentiation", 2008, section 3.1.

    Examples:
        >>> w, v = eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
        >>> w
        array([1., 3.])
    """
    return np.linalg.eigh(a, cast(Any, UPLO))


eigh = primitive(_eigh, "eigh")
eigh_in_rules = primitive(_eigh, "eigh")
"""``eigh`` for the rules of ``eigvalsh``, which read its eigenvectors only through
``conj(v[:, k]) v[:, k].T``, where their phases cancel: in forward mode its tangent of
complex eigenvectors is that of the phases that do not turn, which ``eigh`` itself refuses
to give a user."""


def _eigvalsh(a: Any, UPLO: str = "L") -> Any:
    """``numpy.linalg.eigvalsh``: the eigenvalues of a symmetric matrix, ascending.

    A repeated eigenvalue has no derivative of its own, only the sum of a cluster has:
    the rules raise where two eigenvalues are indistinguishable and their cotangents
    differ (in forward mode, always there). A complex ``a`` is read as a Hermitian matrix,
    in both modes.

    References:
        Mike Giles, 2008 (see ``eigh``).

    Examples:
        >>> eigvalsh(np.array([[2.0, 0.0], [0.0, 1.0]]))
        array([1., 2.])
    """
    return np.linalg.eigvalsh(a, cast(Any, UPLO))


eigvalsh = primitive(_eigvalsh, "eigvalsh")


def _eig(a: Any) -> Any:
    """``numpy.linalg.eig``: the eigenvalues and right eigenvectors of a square matrix.

    They are complex unless every eigenvalue of the stack is real (as NumPy does). NumPy
    (LAPACK) scales each eigenvector to norm 1 with its largest entry real, and the
    derivatives are those of exactly these vectors.

    References:
        Mike Giles, 2008, section 3.1; Christoph Boeddeker et al., "On the computation of
        complex-valued gradients with application to statistically optimum beamforming",
        2017, arXiv:1701.00392, section 4 (the normalisation).

    Examples:
        >>> w, v = eig(np.array([[0.0, -1.0], [1.0, 0.0]]))
        >>> w
        array([0.+1.j, 0.-1.j])
    """
    return np.linalg.eig(a)


eig = primitive(_eig, "eig")


def _eigvals(a: Any) -> Any:
    """``numpy.linalg.eigvals``: the eigenvalues of a square matrix.

    Examples:
        >>> eigvals(np.array([[2.0, 1.0], [0.0, 3.0]]))
        array([2., 3.])
    """
    return np.linalg.eigvals(a)


eigvals = primitive(_eigvals, "eigvals")


def _svd(
    a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False
) -> Any:
    """``numpy.linalg.svd``: ``U, S, Vh`` with ``a = U @ diag(S) @ Vh``, or ``S`` alone.

    The singular vectors' gradient assumes the singular values distinct (and, for a
    non-square matrix, nonzero); ``full_matrices=True`` on a non-square matrix adds
    columns that are any orthonormal basis of a complement, whose derivative is not
    defined: the rules raise unless those columns get no cotangent. ``hermitian=True``
    (NumPy's eigenvalue route) is not differentiated.

    Of a complex matrix, each pair of singular vectors is defined only up to one phase (a
    factor of modulus 1 on ``U[:, k]`` and its conjugate on ``Vh[k]``), so only functions
    that do not depend on the phases have a derivative: reverse mode raises for one that
    does; forward mode raises for complex ``U`` or ``Vh`` (``compute_uv=False`` gives the
    singular values' tangent).

    References:
        James Townsend, "Differentiating the singular value decomposition", 2016;
        Zhou-Quan Wan and Shi-Xin Zhang, "Automatic differentiation for complex valued
        SVD", 2019, arXiv:1909.02659 (complex matrices).

    Examples:
        >>> svd(np.array([[3.0, 0.0], [0.0, -4.0]]), compute_uv=False)
        array([4., 3.])
    """
    return cast(Any, np.linalg.svd)(a, full_matrices, compute_uv, hermitian)


svd = primitive(_svd, "svd")
svd_in_rules = primitive(_svd, "svd")
"""``svd`` for the rules of ``svd(compute_uv=False)``, which read the singular vectors only
through ``conj(U[:, k] Vh[k])``, where their phases cancel: in forward mode its tangent of
complex singular vectors is that of one choice of the phases, which ``svd`` itself refuses
to give a user."""


def _qr(a: Any, mode: str = "reduced") -> Any:
    return np.linalg.qr(a, cast(Any, mode))


qr_decomposition = primitive(_qr, "qr")

_QR_MODES = ("reduced", "complete", "r")


def qr(a: Any, mode: str = "reduced") -> Any:
    """``numpy.linalg.qr``: ``Q`` with orthonormal columns and ``R`` upper triangular.

    ``mode="r"`` returns ``R`` alone and ``"raw"`` LAPACK's reflectors, which are not
    differentiated. ``mode="complete"`` on a tall matrix adds columns of ``Q`` that are any
    orthonormal basis of a complement, whose derivative is not defined.

    References:
        Matthias Seeger et al., "Auto-differentiating linear algebra", 2017,
        arXiv:1710.08717; Hai-Jun Liao et al., "Differentiable programming tensor
        networks", 2019, arXiv:1903.09650 (wide matrices).

    Raises:
        ValueError: a traced ``a`` with ``mode="raw"``.

    Examples:
        >>> q, r = qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
        >>> np.round(r, 6)
        array([[-5. , -2.2],
               [ 0. ,  0.4]])
    """
    if is_var(a) and mode not in _QR_MODES:
        raise ValueError(
            f"qr: mode={mode!r} is not differentiable; use mode='reduced' (or 'complete', "
            f"'r') on traced values"
        )
    return qr_decomposition(a, mode)


def _pinv(a: Any, *args: Any, **kwargs: Any) -> Any:
    """``numpy.linalg.pinv``: the Moore-Penrose pseudo-inverse, with NumPy's arguments
    (``rcond``, ``hermitian``, ``rtol``).

    The derivative is that of a pseudo-inverse of constant rank: it assumes no singular
    value lies at NumPy's cutoff. With ``hermitian=True`` NumPy reads the lower triangle
    (of a complex ``a``, as a Hermitian matrix).

    References:
        G. H. Golub and V. Pereyra, "The differentiation of pseudo-inverses and nonlinear
        least squares problems whose variables separate", SIAM J. Numer. Anal. 10, 1973.

    Examples:
        >>> pinv(np.array([[2.0, 0.0], [0.0, 0.0]]))
        array([[0.5, 0. ],
               [0. , 0. ]])
    """
    return np.linalg.pinv(a, *args, **kwargs)


pinv = primitive(_pinv, "pinv")


def _euclidean_norm(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return np.linalg.norm(x, None, axis, keepdims)


# The 2-norm of vectors and the Frobenius norm of matrices, for ``norm``: a primitive, so
# that its derivative at zero is 0 (a subgradient) rather than 0 / 0.
euclidean_norm = primitive(_euclidean_norm, "norm")


def check_separated(
    values: Any, what: str, cotangents: Any = None, *, vectors: bool = True
) -> None:
    """Raise where two eigenvalues (singular values) of a matrix are too close for a rule.

    Two values closer than ``sqrt(eps) * max |value|`` would leave fewer than half the
    digits of a vector's derivative right, and at equality it does not exist. For the
    values themselves (``vectors=False``), a close pair has no derivative of its own
    either, only their sum has: with ``cotangents`` (of the values, in reverse mode) only
    a close pair whose cotangents differ is refused.

    Raises:
        ValueError: naming the function and the values, with what to do instead.

    Examples:
        >>> check_separated(np.array([1.0, 2.0]), "eigh")
        >>> check_separated(np.array([1.0, 1.0]), "eigvalsh", np.ones(2), vectors=False)
        >>> check_separated(np.array([1.0, 1.0]), "eigh")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: eigh: the eigenvectors' derivative is not defined where eigenvalues 0 and 1 ...
    """
    w = to_host(plain_value(values))
    if w.shape[-1] < 2:
        return
    eps = np.finfo(w.real.dtype).eps
    scale = np.max(np.abs(w), axis=-1, keepdims=True)[..., None]
    close = np.abs(w[..., :, None] - w[..., None, :]) <= np.sqrt(eps) * scale
    close &= ~np.eye(w.shape[-1], dtype=bool)
    if cotangents is not None:
        g = to_host(plain_value(cotangents))
        close &= g[..., :, None] != g[..., None, :]
    if not np.any(close):
        return
    where = np.argwhere(close)[0]
    i, j = int(where[-2]), int(where[-1])
    at = w[tuple(where[:-2])]
    kind = "singular values" if what == "svd" else "eigenvalues"
    pair = (
        f"{kind} {i} and {j} ({at[i]!r} and {at[j]!r}) coincide to within sqrt(eps) of the largest"
    )
    if vectors:
        owner = "singular vectors'" if what == "svd" else "eigenvectors'"
        problem = f"the {owner} derivative is not defined where {pair}"
    else:
        problem = f"{pair}, and each has no derivative of its own (only their sum has)"
    raise ValueError(f"{what}: {problem}; {_SEPARATION_FIXES[what]}")


_SEPARATION_FIXES = {
    "eigh": "differentiate a function of the eigenvalues alone (eigvalsh), or one that does "
    "not depend on the basis of an eigenspace",
    "eigvalsh": "differentiate a symmetric function of the repeated eigenvalues (their sum, "
    "as in trace or slogdet) rather than each one",
    "eig": "differentiate at a matrix whose eigenvalues are distinct, or a function of the "
    "eigenvalues alone",
    "svd": "differentiate a function of the singular values alone (svd(a, compute_uv=False)), "
    "or at a matrix whose singular values are distinct",
}
