"""The reverse rules of the matrix decompositions (``_decompositions.py``), beside ``_vjps.py``.

Each rule is the adjoint of the forward rule of ``_jvps_linalg.py``, as the papers cited in
the forward definitions derive it, written with the differentiable functions so that it
differentiates again; all of them work on stacks of matrices. The helpers both modes share
(triangles, diagonals, the matrix ``F`` of inverse eigenvalue gaps) are here, and
``_jvps_linalg.py`` imports them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from paralens._core import defvjp, plain_value
from paralens.numpy._backend import constant_like
from paralens.numpy._backend_forms_values import numpy_dtype, to_host
from paralens.numpy._composites import concatenate, swapaxes
from paralens.numpy._creation import zeros_like
from paralens.numpy._decompositions import (
    check_separated,
    cholesky,
    eig,
    eigh,
    eigh_in_rules,
    eigvals,
    eigvalsh,
    euclidean_norm,
    pinv,
    qr_decomposition,
    svd,
    svd_in_rules,
)
from paralens.numpy._elementwise import add, divide, multiply, subtract
from paralens.numpy._indexing import where
from paralens.numpy._linalg import det_phase, inv, matmul, solve
from paralens.numpy._parts import as_complex, conjugate, imag_part, is_complex, real_part
from paralens.numpy._reductions import sum
from paralens.numpy._shape import expand_dims, keep_axes, shape

# ---- What both modes share ------------------------------------------------------------


def mT(x: Any) -> Any:
    """Each matrix of ``x`` transposed."""
    return swapaxes(x, -1, -2)


def real_dtype(x: Any) -> np.dtype[Any]:
    """The real floating dtype of ``x``'s precision (float64 for integers)."""
    dtype = numpy_dtype(plain_value(x))
    return np.dtype(dtype.char.lower()) if dtype.kind == "c" else np.result_type(dtype, 1.0)


def identity(n: int, like: Any) -> Any:
    """The identity of size ``n`` in the real dtype and the library of ``like``."""
    return constant_like(np.eye(n, dtype=real_dtype(like)), like)


def diagonal(m: Any) -> Any:
    """The diagonal of each matrix of ``m``, ``(..., n)``."""
    return sum(m * identity(shape(m)[-1], m), axis=-1)


def diagonal_matrix(v: Any) -> Any:
    """The matrices ``(..., n, n)`` with ``v`` ``(..., n)`` on their diagonal."""
    return expand_dims(v, -1) * identity(shape(v)[-1], v)


def strict_triangle(n: int, lower: bool, like: Any) -> Any:
    """1.0 strictly below (``lower``) or above the diagonal, 0.0 elsewhere."""
    ones = np.ones((n, n), dtype=real_dtype(like))
    return constant_like(np.tril(ones, -1) if lower else np.triu(ones, 1), like)


def mH(x: Any) -> Any:
    """Each matrix of ``x`` conjugated and transposed (transposed where ``x`` is real)."""
    return conjugate(mT(x)) if is_complex(x) else mT(x)


def conjugate_if_complex(x: Any) -> Any:
    return conjugate(x) if is_complex(x) else x


def from_triangle(x: Any, lower: bool) -> Any:
    """The symmetric (Hermitian) matrix NumPy reads from one triangle of ``x`` (``eigh``,
    ``cholesky``); LAPACK reads only the real part of a complex diagonal."""
    n = shape(x)[-1]
    mask, eye = strict_triangle(n, lower, x), identity(n, x)
    if is_complex(x):
        return as_complex(real_part(x)) * eye + x * mask + mH(x * mask)
    return x * eye + x * mask + mT(x * mask)


def read_triangle(g: Any, lower: bool) -> Any:
    """The adjoint of ``from_triangle``: a gradient ``g`` with respect to the symmetric
    (Hermitian) matrix, as one with respect to the triangle it was read from."""
    n = shape(g)[-1]
    mask, eye = strict_triangle(n, lower, g), identity(n, g)
    if is_complex(g):
        return as_complex(real_part(g)) * eye + (g + mH(g)) * mask
    return g * eye + (g + mT(g)) * mask


def inverse_gaps(w: Any, squared: bool = False) -> Any:
    """``F[..., i, j] = 1 / (w[j] - w[i])`` off the diagonal and 0 on it (with ``squared``,
    of the squares): the coupling of eigenvectors (singular vectors) ``i`` and ``j``."""
    v = w * w if squared else w
    n = shape(w)[-1]
    eye = identity(n, w)
    return divide(1.0 - eye, expand_dims(v, -2) - expand_dims(v, -1) + eye)


def largest_entries(u: Any) -> Any:
    """1.0 at the entry of largest modulus of each column of ``u``, 0.0 elsewhere: the
    entry LAPACK makes real when it fixes an eigenvector's phase."""
    plain = np.abs(to_host(plain_value(u)))
    rows = np.argmax(plain, axis=-2)[..., None, :]
    picks: np.ndarray = (np.arange(plain.shape[-2])[:, None] == rows).astype(real_dtype(u))
    return constant_like(picks, u)


def real_cotangent(g: Any) -> Any:
    """The cotangent of a real answer (the factors of a real matrix, eigenvalues of a
    Hermitian matrix, singular values, a norm): real, so the imaginary part of a complex
    one an upstream rule left is none of its own."""
    return real_part(g) if is_complex(g) else g


def nonzero(g: Any) -> bool:
    """Whether a cotangent (or tangent) has a nonzero entry."""
    return bool(np.any(to_host(plain_value(g))))


def refuse_extra_columns(g: Any, k: int, what: str, fix: str) -> None:
    """Raise if the columns after ``k`` of a full ``U`` or ``Q`` get a cotangent."""
    if nonzero(plain_value(g)[..., :, k:]):
        raise ValueError(
            f"{what}: the columns after the first {k} are any orthonormal basis of the "
            f"complement, so their derivative is not defined; {fix}"
        )


def check_rank(s: Any, what: str) -> None:
    """Raise where a non-square matrix's singular vectors have no derivative: a singular
    value of zero, to within ``sqrt(eps)`` of the largest."""
    plain = to_host(plain_value(s))
    if plain.shape[-1] and np.any(
        plain[..., -1] <= np.sqrt(np.finfo(plain.dtype).eps) * plain[..., 0]
    ):
        raise ValueError(
            f"{what}: the matrix is rank deficient (a singular value is zero to within "
            f"sqrt(eps) of the largest), where the singular vectors of a non-square matrix "
            f"have no derivative; differentiate a function of the singular values alone "
            f"(svd(a, compute_uv=False))"
        )


# ---- Cholesky ---------------------------------------------------------------------------


def halved_lower(x: Any) -> Any:
    """Murray's ``Phi`` of each matrix of ``x``: its lower triangle, with the diagonal
    halved (of a complex matrix, the real part of the diagonal, which is real in exact
    arithmetic). It is its own adjoint."""
    n = shape(x)[-1]
    mask, eye = strict_triangle(n, True, x), identity(n, x)
    diagonal_part = as_complex(real_part(x)) if is_complex(x) else x
    return x * mask + diagonal_part * (0.5 * eye)


def _cholesky_vjp(g: Any, ans: Any, a: Any, upper: bool = False) -> Any:
    if not is_complex(ans):
        g = real_cotangent(g)
    lower, g_lower = (mH(ans), mH(g)) if upper else (ans, g)
    phi = halved_lower(matmul(mT(lower), g_lower))
    # lower^-T phi conj(lower)^-1, by two solves.
    sym = mT(solve(mH(lower), mT(solve(mT(lower), phi))))
    return read_triangle(sym, lower=not upper)


defvjp(cholesky, _cholesky_vjp, saves=("ans",), staged=False)

# ---- Symmetric eigenproblems ----------------------------------------------------------


def check_phase_free(v: Any, g_v: Any) -> None:
    """Raise where a cotangent of complex eigenvectors ``v`` depends on their phases.

    Each eigenvector of a complex Hermitian matrix is defined up to a factor of modulus 1,
    which LAPACK chooses by its own steps; a function whose value turns with it (``v[0]``)
    has no derivative as a function of the matrix, and its cotangent ``g`` shows it:
    ``Im(sum(v * g))`` of each eigenvector is the derivative of the function along the
    turn of its phase, zero for a function that does not depend on it (``abs(v)``,
    ``v @ v.conj().T``)."""
    v_plain, g_plain = to_host(plain_value(v)), to_host(plain_value(g_v))
    turn = np.abs(np.imag(np.sum(v_plain * g_plain, axis=-2)))
    size = np.sqrt(np.sum(np.abs(g_plain) ** 2, axis=-2))
    if np.any(turn > np.sqrt(np.finfo(turn.dtype).eps) * size):
        k = int(np.argwhere(turn > np.sqrt(np.finfo(turn.dtype).eps) * size)[0][-1])
        raise ValueError(
            f"eigh of a complex Hermitian matrix: each eigenvector is defined only up to a "
            f"phase (a factor of modulus 1), and the function differentiated depends on the "
            f"phase of eigenvector {k}, so it has no derivative; differentiate a function "
            f"that does not (of abs(v), of v @ v.conj().T, of the eigenvalues)"
        )


def _eigh_vjp(g: Any, ans: Any, a: Any, UPLO: str = "L") -> Any:
    w, v = ans
    g_w, g_v = real_cotangent(g[0]), g[1] if is_complex(v) else real_cotangent(g[1])
    inner = diagonal_matrix(g_w)
    if nonzero(g_v):
        check_separated(w, "eigh")
        if is_complex(v):
            check_phase_free(v, g_v)
        inner = inner + inverse_gaps(w) * matmul(mT(v), g_v)
    else:
        check_separated(w, "eigh", g_w, vectors=False)
    v_left = conjugate(v) if is_complex(v) else v
    return read_triangle(matmul(matmul(v_left, inner), mT(v)), lower=UPLO == "L")


def _eigvalsh_vjp(g: Any, ans: Any, a: Any, UPLO: str = "L") -> Any:
    g = real_cotangent(g)
    check_separated(ans, "eigvalsh", g, vectors=False)
    _, v = eigh_in_rules(a, UPLO)
    v_left = conjugate(v) if is_complex(v) else v
    return read_triangle(matmul(v_left * expand_dims(g, -2), mT(v)), lower=UPLO == "L")


defvjp(eigh, _eigh_vjp, None, saves=("ans",), staged=False)
defvjp(eigh_in_rules, _eigh_vjp, None, saves=("ans",), staged=False)
defvjp(eigvalsh, _eigvalsh_vjp, None, saves=(0, "ans"), staged=False)

# ---- General eigenproblems --------------------------------------------------------------


def eigenvector_gauge(u: Any, w: Any) -> tuple[Any, Any]:
    """For eigenvectors ``u`` and the part ``w = u @ (F * P)`` of their tangent that the
    eigenvalue gaps determine: the coefficients ``c`` of ``u`` in the tangent that keep
    each column of norm 1 with its largest entry real (LAPACK's normalisation)."""
    if not is_complex(u):
        return -sum(u * w, axis=-2), None
    picks = largest_entries(u)
    c = as_complex(-real_part(sum(conjugate(u) * w, axis=-2)))
    phase = as_complex(imag_part(sum(w * picks, axis=-2) / sum(u * picks, axis=-2)))
    return c - 1j * phase, picks


def _eig_vjp(g: Any, ans: Any, a: Any) -> Any:
    w, u = ans
    g_w, g_u = g
    inner = diagonal_matrix(g_w)
    if nonzero(g_u):
        check_separated(w, "eig")
        d = sum(u * g_u, axis=-2)
        if is_complex(u):
            # The adjoint of the gauge: the norms' part, and the phases' at the picked entries.
            picks = largest_entries(u)
            phase = -1j * as_complex(imag_part(d)) / sum(u * picks, axis=-2)
            norms = expand_dims(as_complex(real_part(d)), -2)
            g_u = add(subtract(g_u, norms * conjugate(u)), expand_dims(phase, -2) * picks)
        else:
            g_u = subtract(g_u, multiply(expand_dims(d, -2), u))
        inner = inner + inverse_gaps(w) * matmul(mT(u), g_u)
    else:
        check_separated(w, "eig", g_w, vectors=False)
    # u^-T inner u^T
    g_a = solve(mT(u), matmul(inner, mT(u)))
    return g_a if is_complex(a) else real_part(g_a)


def _eigvals_vjp(g: Any, ans: Any, a: Any) -> Any:
    check_separated(ans, "eig", g, vectors=False)
    _, u = eig(a)
    g_a = solve(mT(u), matmul(diagonal_matrix(g), mT(u)))
    return g_a if is_complex(a) else real_part(g_a)


defvjp(eig, _eig_vjp, saves=("ans",), staged=False)
defvjp(eigvals, _eigvals_vjp, saves=(0, "ans"), staged=False)

# ---- Singular values --------------------------------------------------------------------


def check_pair_phases_free(u: Any, vh: Any, g_u: Any, g_vh: Any) -> None:
    """Raise where a cotangent of complex singular vectors depends on their phases:
    ``Im(sum(u * g_u)) - Im(sum(vh * g_vh))`` of each pair is the derivative of the
    function along the turn of the pair's phase (see ``check_phase_free``)."""
    u_, vh_ = to_host(plain_value(u)), to_host(plain_value(vh))
    gu, gvh = to_host(plain_value(g_u)), to_host(plain_value(g_vh))
    turn = np.abs(np.imag(np.sum(u_ * gu, axis=-2)) - np.imag(np.sum(vh_ * gvh, axis=-1)))
    size = np.sqrt(np.sum(np.abs(gu) ** 2, axis=-2) + np.sum(np.abs(gvh) ** 2, axis=-1))
    turned = turn > np.sqrt(np.finfo(turn.dtype).eps) * size
    if np.any(turned):
        k = int(np.argwhere(turned)[0][-1])
        raise ValueError(
            f"svd of a complex matrix: each pair of singular vectors is defined only up to a "
            f"phase (a factor of modulus 1 on U[:, k], its conjugate on Vh[k]), and the "
            f"function differentiated depends on the phase of pair {k}, so it has no "
            f"derivative; differentiate a function that does not (of the singular values, "
            f"of U @ diag(s) @ Vh, of abs(U))"
        )


def _svd_vjp(
    g: Any,
    ans: Any,
    a: Any,
    full_matrices: bool = True,
    compute_uv: bool = True,
    hermitian: bool = False,
) -> Any:
    if hermitian:
        raise NotImplementedError(
            "svd(hermitian=True) is not differentiated; use hermitian=False (the same "
            "singular values)"
        )
    if not compute_uv:
        g = real_cotangent(g)
        check_separated(ans, "svd", g, vectors=False)
        u, _, vh = svd_in_rules(a, full_matrices=False)
        g_a = matmul(multiply(expand_dims(g, -2), u), vh)
        return conjugate(g_a) if is_complex(g_a) else g_a
    u, s, vh = ans
    g_u, g_s, g_vh = g[0], real_cotangent(g[1]), g[2]
    if not is_complex(u):
        g_u, g_vh = real_cotangent(g_u), real_cotangent(g_vh)
    m, n = shape(u)[-2], shape(vh)[-1]
    k = min(m, n)
    if full_matrices and m != n:
        fix = "use full_matrices=False"
        refuse_extra_columns(g_u, k, "svd(full_matrices=True) U", fix)
        refuse_extra_columns(mT(g_vh), k, "svd(full_matrices=True) Vh (rows)", fix)
        u, g_u, vh, g_vh = u[..., :k], g_u[..., :k], vh[..., :k, :], g_vh[..., :k, :]
    inner = diagonal_matrix(g_s)
    if not (nonzero(g_u) or nonzero(g_vh)):
        g_a = matmul(matmul(u, inner), vh)
        return conjugate(g_a) if is_complex(g_a) else g_a
    check_separated(s, "svd")
    complex_vectors = is_complex(u)
    if complex_vectors:
        check_pair_phases_free(u, vh, g_u, g_vh)
    f = inverse_gaps(s, squared=True)
    ut_gu = matmul(mT(u), g_u)
    vt_gv = matmul(vh, mT(g_vh))
    if complex_vectors:
        # The cotangent is conj(U) P conj(Vh) for a P of conj(U^T G_U) and Vh G_Vh^T: it is
        # computed conjugated, U conj(P) Vh, and conjugated at the end.
        ut_gu, g_u, g_vh = conjugate(ut_gu), conjugate(g_u), conjugate(g_vh)
    inner = (
        inner
        + f * (ut_gu - mH(ut_gu)) * expand_dims(s, -2)
        + expand_dims(s, -1) * (f * (vt_gv - mH(vt_gv)))
    )
    if complex_vectors:  # the phase that U's tangent carries (see svd_tangent)
        inner = inner + 1j * diagonal_matrix(as_complex(imag_part(diagonal(ut_gu)) / s))
    g_a = matmul(matmul(u, inner), vh)
    if m > n:  # (I - U U^H) G_U S^-1 V^H
        check_rank(s, "svd")
        g_a = g_a + matmul((g_u - matmul(u, ut_gu)) / expand_dims(s, -2), vh)
    elif m < n:  # U S^-1 G_V^H (I - V V^H)
        check_rank(s, "svd")
        g_a = g_a + matmul(u / expand_dims(s, -2), g_vh - matmul(mH(vt_gv), vh))
    return conjugate(g_a) if complex_vectors else g_a


defvjp(svd, _svd_vjp, None, None, None, saves=(0, "ans"), staged=False)
defvjp(svd_in_rules, _svd_vjp, None, None, None, saves=(0, "ans"), staged=False)

# ---- QR ---------------------------------------------------------------------------------


def upper_triangle(n: int, like: Any) -> Any:
    return constant_like(np.triu(np.ones((n, n), dtype=real_dtype(like))), like)


def qr_parts(ans: Any, a: Any, mode: str) -> tuple[Any, Any]:
    """``Q`` and ``R`` of the reduced decomposition, from the answer or (mode ``"r"``)
    recomputed, differentiable."""
    if mode == "r":
        q, r = qr_decomposition(a, "reduced")
        return q, r
    q, r = ans
    return q, r


def _qr_tall_vjp(q: Any, r: Any, g_q: Any, g_r: Any) -> Any:
    """The cotangent of ``a = q @ r`` (``m >= n``, ``r`` square and invertible, with a
    real diagonal, as LAPACK makes it also for complex ``a``)."""
    n = shape(r)[-1]
    m1 = subtract(matmul(g_r, mT(r)), matmul(mT(q), g_q))
    # Copy the upper triangle of m1 to the lower one (conjugated; the diagonal's real part).
    above = m1 * strict_triangle(n, False, m1)
    eye = identity(n, m1)
    diagonal_part = as_complex(real_part(m1)) if is_complex(m1) else m1
    sym = above + mH(above) + diagonal_part * eye
    return mT(solve(r, mT(add(g_q, matmul(conjugate_if_complex(q), sym)))))


def _qr_vjp(g: Any, ans: Any, a: Any, mode: str = "reduced") -> Any:
    q, r = qr_parts(ans, a, mode)
    if mode == "r":
        g_q, g_r = zeros_like(q), g
    else:
        g_q, g_r = g
    if not is_complex(q):
        g_q, g_r = real_cotangent(g_q), real_cotangent(g_r)
    m, n = shape(a)[-2:]
    if mode == "complete" and m > n:
        refuse_extra_columns(g_q, n, "qr(mode='complete') Q", "use mode='reduced'")
        q, g_q, r, g_r = q[..., :n], g_q[..., :n], r[..., :n, :], g_r[..., :n, :]
    if m >= n:
        return _qr_tall_vjp(q, r, g_q, g_r)
    r_left, r_right, g_left, g_right = r[..., :m], r[..., m:], g_r[..., :m], g_r[..., m:]
    right = matmul(q, r_right)  # the columns of a after the first m
    g_x = _qr_tall_vjp(
        q, r_left, add(g_q, conjugate_if_complex(matmul(right, mT(g_right)))), g_left
    )
    return concatenate([g_x, matmul(conjugate_if_complex(q), g_right)], axis=-1)


defvjp(qr_decomposition, _qr_vjp, None, saves=(0, "ans"), staged=False)

# ---- Pseudo-inverse and norms -----------------------------------------------------------


def is_hermitian_call(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether ``pinv``'s arguments after ``a`` say ``hermitian=True``."""
    return bool(kwargs.get("hermitian", args[1] if len(args) > 1 else False))


def _pinv_vjp(g: Any, ans: Any, a: Any, *args: Any, **kwargs: Any) -> Any:
    hermitian = is_hermitian_call(args, kwargs)
    if hermitian:
        a = from_triangle(a, lower=True)
    p, m, n = ans, shape(a)[-2], shape(a)[-1]
    if not is_complex(p):
        g = real_cotangent(g)
    p_t, g_t = mT(p), mT(g)
    # The last two terms differentiate through a's conjugate transpose: conjugated.
    g_a = -matmul(matmul(p_t, g), p_t) + conjugate_if_complex(
        matmul(matmul(-matmul(a, p) + identity(m, a), g_t), matmul(p, mH(p)))
        + matmul(matmul(mH(p), p), matmul(g_t, -matmul(p, a) + identity(n, a)))
    )
    return read_triangle(g_a, lower=True) if hermitian else g_a


defvjp(pinv, _pinv_vjp, None, None, saves=(0, "ans"), staged=False)


def nonzero_or_inf(ans: Any) -> Any:
    """``ans`` with zeros replaced by infinity: ``g / nonzero_or_inf(ans)`` is 0 at a
    zero norm (a subgradient), where ``g / ans`` would be 0 / 0."""
    return where(ans == 0, np.inf, ans)


def _euclidean_norm_vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    g = real_cotangent(g)
    scaled = keep_axes(divide(g, nonzero_or_inf(ans)), x, axis, keepdims)
    return multiply(as_complex(scaled), conjugate(x)) if is_complex(x) else multiply(scaled, x)


defvjp(euclidean_norm, _euclidean_norm_vjp, None, None, saves=(0, "ans"), staged=False)


# ---- The phase of a complex determinant -------------------------------------------------


def _det_phase_vjp(g: Any, ans: Any, a: Any) -> Any:
    # d sign = sign * i Im(tr(a^-1 da)): its transpose in the convention.
    turn = expand_dims(expand_dims(as_complex(imag_part(g * ans)), -1), -1)
    return 1j * turn * mT(inv(a))


defvjp(det_phase, _det_phase_vjp, saves=(0, "ans"), staged=False)
