"""The forward rules of the matrix decompositions (``_decompositions.py``), beside ``_jvps.py``.

Each is the differential of its decomposition, solved for the factors' tangents, as in
the papers the forward definitions cite; every one works on stacks of matrices. The
helpers come from ``_vjps_linalg.py``.
"""

from __future__ import annotations

from typing import Any

from paralens._core import defjvp, plain_value
from paralens.numpy._composites import concatenate
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
from paralens.numpy._linalg import det_phase, matmul, solve
from paralens.numpy._parts import as_complex, conjugate, imag_part, is_complex, real_part
from paralens.numpy._reductions import sum
from paralens.numpy._shape import expand_dims, shape
from paralens.numpy._vjps_linalg import (
    check_rank,
    diagonal,
    eigenvector_gauge,
    from_triangle,
    halved_lower,
    identity,
    inverse_gaps,
    is_hermitian_call,
    mH,
    mT,
    nonzero_or_inf,
    qr_parts,
    strict_triangle,
)


def result_like(ans: Any, *parts: Any) -> Any:
    """``parts`` in the named tuple NumPy returned (``EighResult``, ``SVDResult``...)."""
    return type(plain_value(ans))(*parts)


# ---- Cholesky ---------------------------------------------------------------------------


def _cholesky_jvp(t: Any, ans: Any, a: Any, upper: bool = False) -> Any:
    lower = mH(ans) if upper else ans
    da = from_triangle(t, lower=not upper)
    # lower^-1 da lower^-H, by two solves with lower.
    inner = mH(solve(lower, mH(solve(lower, da))))
    d_lower = matmul(lower, halved_lower(inner))
    return mH(d_lower) if upper else d_lower


defjvp(cholesky, _cholesky_jvp)

# ---- Symmetric eigenproblems ----------------------------------------------------------


def eigh_tangent(t: Any, ans: Any, a: Any, UPLO: str = "L") -> Any:
    """The tangent of ``eigh``'s answer; of complex eigenvectors, the one whose phases do
    not turn (``Im(conj(v) . dv) = 0`` for each)."""
    w, v = ans
    check_separated(w, "eigh")
    p = matmul(matmul(mH(v), from_triangle(t, lower=UPLO == "L")), v)
    dw = real_part(diagonal(p)) if is_complex(p) else diagonal(p)
    return result_like(ans, dw, matmul(v, inverse_gaps(w) * p))


def _eigh_jvp(t: Any, ans: Any, a: Any, UPLO: str = "L") -> Any:
    if is_complex(a):
        raise NotImplementedError(
            "eigh of a complex Hermitian matrix in forward mode: each eigenvector is defined "
            "only up to a phase, which a tangent cannot leave out; use eigvalsh for the "
            "eigenvalues, or reverse mode (grad, vjp) for a function that does not depend "
            "on the phases"
        )
    return eigh_tangent(t, ans, a, UPLO)


def _eigvalsh_jvp(t: Any, ans: Any, a: Any, UPLO: str = "L") -> Any:
    check_separated(ans, "eigvalsh", vectors=False)
    _, v = eigh_in_rules(a, UPLO)
    dh = from_triangle(t, lower=UPLO == "L")
    if is_complex(v):
        return real_part(sum(conjugate(v) * matmul(dh, v), axis=-2))
    return sum(v * matmul(dh, v), axis=-2)


defjvp(eigh, _eigh_jvp, None)
defjvp(eigh_in_rules, eigh_tangent, None)
defjvp(eigvalsh, _eigvalsh_jvp, None)

# ---- General eigenproblems --------------------------------------------------------------


def _eig_jvp(t: Any, ans: Any, a: Any) -> Any:
    w, u = ans
    check_separated(w, "eig")
    p = solve(u, matmul(t, u))  # u^-1 t u
    part = matmul(u, inverse_gaps(w) * p)
    c, _ = eigenvector_gauge(u, part)
    return result_like(ans, diagonal(p), part + u * expand_dims(c, -2))


def _eigvals_jvp(t: Any, ans: Any, a: Any) -> Any:
    check_separated(ans, "eig", vectors=False)
    _, u = eig(a)
    return diagonal(solve(u, matmul(t, u)))


defjvp(eig, _eig_jvp)
defjvp(eigvals, _eigvals_jvp)

# ---- Singular values --------------------------------------------------------------------


def svd_tangent(
    t: Any,
    ans: Any,
    a: Any,
    full_matrices: bool = True,
    compute_uv: bool = True,
    hermitian: bool = False,
) -> Any:
    """The tangent of ``svd``'s answer; of complex singular vectors, the one whose phase
    turns in ``U`` alone (``Im(conj(v) . dv) = 0`` for each column of ``V``)."""
    if hermitian:
        raise NotImplementedError(
            "svd(hermitian=True) is not differentiated; use hermitian=False (the same "
            "singular values)"
        )
    m, n = shape(a)[-2:]
    if not compute_uv:
        check_separated(ans, "svd", vectors=False)
        u, _, vh = svd_in_rules(a, full_matrices=False)
        if is_complex(u):
            return real_part(sum(conjugate(u) * matmul(t, mH(vh)), axis=-2))
        return sum(u * matmul(t, mT(vh)), axis=-2)
    if full_matrices and m != n:
        raise ValueError(
            f"svd(full_matrices=True) of {m}x{n} matrices: the last {abs(m - n)} columns of "
            f"{'U' if m > n else 'Vh.T'} are any orthonormal basis of the complement, so "
            f"their derivative is not defined; use full_matrices=False"
        )
    u, s, vh = ans
    check_separated(s, "svd")
    v = mH(vh)
    dp = matmul(matmul(mH(u), t), v)
    f = inverse_gaps(s, squared=True)
    s_row, s_column = expand_dims(s, -2), expand_dims(s, -1)
    du = matmul(u, f * (dp * s_row + s_column * mH(dp)))
    dv = matmul(v, f * (s_column * dp + mH(dp) * s_row))
    ds = diagonal(dp)
    if is_complex(dp):  # the imaginary part of dp's diagonal turns U's phases
        ds = real_part(ds)
        du = du + u * expand_dims(1j * as_complex(imag_part(diagonal(dp)) / s), -2)
    if m > n:  # (I - U U^H) t V S^-1
        check_rank(s, "svd")
        tv = matmul(t, v)
        du = du + (tv - matmul(u, matmul(mH(u), tv))) / s_row
    elif m < n:  # (I - V V^H) t^H U S^-1
        check_rank(s, "svd")
        tu = matmul(mH(t), u)
        dv = dv + (tu - matmul(v, matmul(vh, tu))) / s_row
    return result_like(ans, du, ds, mH(dv))


def _svd_jvp(t: Any, ans: Any, a: Any, *args: Any, **kwargs: Any) -> Any:
    compute_uv = kwargs.get("compute_uv", args[1] if len(args) > 1 else True)
    if is_complex(a) and compute_uv:
        raise NotImplementedError(
            "svd of a complex matrix in forward mode: each pair of singular vectors is "
            "defined only up to a phase, which a tangent cannot leave out; use "
            "svd(a, compute_uv=False) for the singular values, or reverse mode (grad, vjp) "
            "for a function that does not depend on the phases"
        )
    return svd_tangent(t, ans, a, *args, **kwargs)


defjvp(svd, _svd_jvp, None, None, None)
defjvp(svd_in_rules, svd_tangent, None, None, None)

# ---- QR ---------------------------------------------------------------------------------


def _qr_tall_jvp(q: Any, r: Any, t: Any) -> tuple[Any, Any]:
    """The tangents of ``q`` and ``r`` for ``a = q @ r`` (``m >= n``, ``r`` invertible,
    with a real diagonal)."""
    n = shape(r)[-1]
    t_r_inv = mT(solve(mT(r), mT(t)))  # t r^-1
    x = matmul(mH(q), t_r_inv)
    below = x * strict_triangle(n, True, x)
    rest = x - below + mH(below)  # x minus the skew part q^H dq
    if is_complex(x):  # whose diagonal is imaginary: r's diagonal stays real
        rest = rest - 1j * as_complex(imag_part(x)) * identity(n, x)
    return t_r_inv - matmul(q, rest), matmul(rest, r)


def _qr_jvp(t: Any, ans: Any, a: Any, mode: str = "reduced") -> Any:
    q, r = qr_parts(ans, a, mode)
    m, n = shape(a)[-2:]
    if mode == "complete" and m > n:
        raise ValueError(
            f"qr(mode='complete') of {m}x{n} matrices: the last {m - n} columns of Q are any "
            f"orthonormal basis of the complement, so their derivative is not defined; use "
            f"mode='reduced'"
        )
    if m >= n:
        dq, dr = _qr_tall_jvp(q, r, t)
    else:
        dq, dr_left = _qr_tall_jvp(q, r[..., :m], t[..., :m])
        right = matmul(q, r[..., m:])
        dr_right = matmul(mH(dq), right) + matmul(mH(q), t[..., m:])
        dr = concatenate([dr_left, dr_right], axis=-1)
    return dr if mode == "r" else result_like(ans, dq, dr)


defjvp(qr_decomposition, _qr_jvp, None)

# ---- Pseudo-inverse and norms -----------------------------------------------------------


def _pinv_jvp(t: Any, ans: Any, a: Any, *args: Any, **kwargs: Any) -> Any:
    if is_hermitian_call(args, kwargs):
        a, t = from_triangle(a, lower=True), from_triangle(t, lower=True)
    p, m, n = ans, shape(a)[-2], shape(a)[-1]
    t_h = mH(t)
    return (
        -matmul(matmul(p, t), p)
        + matmul(matmul(p, mH(p)), matmul(t_h, identity(m, a) - matmul(a, p)))
        + matmul(matmul(identity(n, a) - matmul(p, a), t_h), matmul(mH(p), p))
    )


defjvp(pinv, _pinv_jvp, None, None)


def _euclidean_norm_jvp(t: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    inner = real_part(conjugate(x) * t) if is_complex(x) else x * t
    return sum(inner, axis, keepdims) / nonzero_or_inf(ans)


defjvp(euclidean_norm, _euclidean_norm_jvp, None, None)


# ---- The phase of a complex determinant -------------------------------------------------


def _det_phase_jvp(t: Any, ans: Any, a: Any) -> Any:
    # sign * i Im(tr(a^-1 t)), the turn of the phase.
    turn = sum(imag_part(diagonal(solve(a, t))), axis=-1)
    return ans * 1j * as_complex(turn)


defjvp(det_phase, _det_phase_jvp)
