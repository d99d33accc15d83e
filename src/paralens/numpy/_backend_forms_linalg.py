"""The forms of the linear algebra, FFT and convolution primitives on other libraries' arrays.

Each form computes what the NumPy primitive computes, with the array API namespace ``xp``
of its arguments (see ``_backend.py``): the standard's ``linalg`` and ``fft`` extensions,
written so that they read what NumPy reads (the triangle ``cholesky`` and ``eigh`` read,
NumPy's cutoff of ``pinv``, NumPy's order of one-dimensional steps in an N-dimensional
transform) and return NumPy's dtypes (a real input to ``fft`` is made complex first, as the
standard takes only complex ones). What the standard lacks is used where the library has
it (``einsum``, ``linalg.eig``) and otherwise raises a TypeError naming the function and
the library, before anything is computed.

Examples:
    >>> import array_api_strict as xs
    >>> import paralens.numpy as pnp
    >>> pnp.linalg.det(xs.asarray([[2.0, 1.0], [1.0, 3.0]]))
    Array(5., dtype=array_api_strict.float64)
    >>> pnp.fft.rfft(xs.asarray([1.0, 0.0, -1.0])).dtype
    array_api_strict.complex128
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import getattr_node, getitem_node, pack
from paralens._core._backends import agnostic, defbackend
from paralens.numpy import _decompositions, _fft, _linalg, linalg
from paralens.numpy._backend_forms_values import numpy_dtype
from paralens.numpy._linalg import LETTERS


def _refuse(function: str, xp: Any, why: str) -> TypeError:
    library = xp.__name__.removeprefix("array_api_compat.")
    return TypeError(
        f"{function} computes only on NumPy arrays, not on arrays of {library}: {why}. "
        f"Convert its "
        f"arguments with paralens.numpy.to_numpy(...) first (and the answer back with "
        f"paralens.numpy.asarray_like)"
    )


def _mT(xp: Any, x: Any) -> Any:
    return (
        xp.matrix_transpose(x) if hasattr(xp, "matrix_transpose") else xp.linalg.matrix_transpose(x)
    )


def _mH(xp: Any, x: Any) -> Any:
    x = _mT(xp, x)
    return xp.conj(x) if xp.isdtype(x.dtype, "complex floating") else x


def _floating(xp: Any, x: Any) -> Any:
    """``x`` with a floating dtype, as NumPy's linear algebra computes an integer array."""
    if xp.isdtype(x.dtype, ("real floating", "complex floating")):
        return x
    return xp.astype(x, xp.float64)


# ---- Linear algebra ----------------------------------------------------------------------

# NumPy's named tuples, which the forms return as NumPy does.
_EIGH = type(np.linalg.eigh(np.eye(1)))
_EIG = type(np.linalg.eig(np.eye(1)))
_SVD = type(np.linalg.svd(np.eye(1)))
_QR = type(np.linalg.qr(np.eye(1)))


def _solve(xp: Any, a: Any, b: Any) -> Any:
    a, b = _floating(xp, a), _floating(xp, b)
    if b.ndim == 1:  # NumPy 2 reads b as a vector only when it is 1-D
        return xp.linalg.solve(a, xp.expand_dims(b, axis=-1))[..., 0]
    return xp.linalg.solve(a, b)


def _cholesky(xp: Any, a: Any, upper: bool = False) -> Any:
    a = _floating(xp, a)
    if upper:  # the upper triangle of a is the lower one of its conjugate transpose
        return _mH(xp, xp.linalg.cholesky(_mH(xp, a)))
    return xp.linalg.cholesky(a)


def _eigh(xp: Any, a: Any, UPLO: str = "L") -> Any:
    a = _floating(xp, a)
    return _EIGH(*xp.linalg.eigh(a if UPLO == "L" else _mH(xp, a)))


def _eigvalsh(xp: Any, a: Any, UPLO: str = "L") -> Any:
    a = _floating(xp, a)
    return xp.linalg.eigvalsh(a if UPLO == "L" else _mH(xp, a))


def _eig(xp: Any, a: Any) -> Any:
    eig = getattr(xp.linalg, "eig", None)
    if eig is None:
        raise _refuse("eig", xp, "the array API standard has no eig")
    w, v = eig(_floating(xp, a))
    real = not xp.isdtype(a.dtype, "complex floating")
    if real and not bool(xp.any(xp.imag(w) != 0)):  # NumPy's real answer
        return _EIG(xp.real(w), xp.real(v))
    return _EIG(w, v)


def _eigvals(xp: Any, a: Any) -> Any:
    eigvals = getattr(xp.linalg, "eigvals", None)
    if eigvals is None:
        raise _refuse("eigvals", xp, "the array API standard has no eigvals")
    w = eigvals(_floating(xp, a))
    real = not xp.isdtype(a.dtype, "complex floating")
    if real and not bool(xp.any(xp.imag(w) != 0)):
        return xp.real(w)
    return w


def _svd(
    xp: Any, a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False
) -> Any:
    if hermitian:
        raise _refuse(
            "svd(hermitian=True)",
            xp,
            "NumPy's eigenvalue route has no form there; use "
            "hermitian=False (the same singular values)",
        )
    a = _floating(xp, a)
    if not compute_uv:
        return xp.linalg.svdvals(a)
    return _SVD(*xp.linalg.svd(a, full_matrices=full_matrices))


def _qr(xp: Any, a: Any, mode: str = "reduced") -> Any:
    if mode not in ("reduced", "complete", "r"):
        raise _refuse(f"qr(mode={mode!r})", xp, "LAPACK's raw reflectors are NumPy's own")
    q, r = xp.linalg.qr(_floating(xp, a), mode="reduced" if mode == "r" else mode)
    return r if mode == "r" else _QR(q, r)


_UNSET = object()


def _pinv(
    xp: Any, a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = _UNSET
) -> Any:
    a = _floating(xp, a)
    if rcond is None:  # NumPy's cutoff
        if rtol is _UNSET:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(a.shape[-2:]) * float(np.finfo(numpy_dtype(a)).eps)
        else:
            rcond = rtol
    if hermitian:  # NumPy reads the lower triangle
        lower = xp.tril(a)
        a = lower + _mH(xp, xp.tril(a, k=-1))
        if xp.isdtype(a.dtype, "complex floating"):
            eye = xp.eye(a.shape[-1], dtype=a.dtype, device=a.device)
            a = a - eye * (1j * xp.imag(a))
    u, s, vt = xp.linalg.svd(xp.conj(a) if xp.isdtype(a.dtype, "complex floating") else a,
                             full_matrices=False)  # fmt: skip
    cutoff = rcond * xp.max(s, axis=-1, keepdims=True)
    large = s > cutoff
    inverse = xp.where(large, 1.0 / xp.where(large, s, xp.ones_like(s)), xp.zeros_like(s))
    return xp.matmul(_mT(xp, vt), xp.expand_dims(inverse, axis=-1) * _mT(xp, u))


def _matrix_rank(
    xp: Any, a: Any, tol: Any = None, hermitian: bool = False, *, rtol: Any = None
) -> Any:
    a = _floating(xp, a)
    if a.ndim < 2:  # NumPy's rank of a vector: 1 unless it is all zeros
        return xp.astype(xp.any(a != 0), xp.int64)
    if tol is None and rtol is None:  # the standard's cutoff is NumPy's
        return xp.linalg.matrix_rank(a)
    s = xp.linalg.svdvals(a)
    if tol is None:
        tol = rtol * xp.max(s, axis=-1, keepdims=True)
    return xp.sum(xp.astype(s > tol, xp.int64), axis=-1)


def _euclidean_norm(xp: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    axis = tuple(axis) if isinstance(axis, list) else axis
    return xp.linalg.vector_norm(_floating(xp, x), axis=axis, keepdims=keepdims)


def _einsum(xp: Any, subscripts: str, *operands: Any) -> Any:
    """The library's own ``einsum`` where it has one (torch, JAX); else the product of the
    operands broadcast over all the letters, summed over those not in the output (the
    explicit form the ``einsum`` primitive is given, see ``_einsum.py``). A letter twice in
    one operand (a diagonal, ``'ii->i'``) is renamed at its repeat to a fresh letter tied to
    the first by an identity matrix, which the product then sums."""
    einsum = getattr(xp, "einsum", None)
    if einsum is not None:
        return einsum(subscripts, *operands)
    ins, out = subscripts.split("->")
    fresh = (c for c in LETTERS if c not in subscripts)
    terms, ties, identities = [], [], []
    for term, operand in zip(ins.split(","), operands, strict=True):
        renamed = ""
        for c, n in zip(term, operand.shape, strict=True):
            if c in renamed:
                tied = next(fresh)
                ties.append(c + tied)
                identities.append(xp.eye(n, dtype=operand.dtype, device=operand.device))
                c = tied
            renamed += c
        terms.append(renamed)
    return _product_summed(xp, terms + ties, [*operands, *identities], out)


def _product_summed(xp: Any, terms: list[str], operands: list[Any], out: str) -> Any:
    letters = sorted(set("".join(terms)) | set(out), key=lambda c: (c not in out, c))
    product: Any = None
    for term, operand in zip(terms, operands, strict=True):
        present = sorted(term, key=letters.index)
        x = xp.permute_dims(operand, tuple(term.index(c) for c in present))
        shape = [x.shape[present.index(c)] if c in present else 1 for c in letters]
        x = xp.reshape(x, tuple(shape))
        product = x if product is None else product * x
    summed = tuple(range(len(out), len(letters)))
    if summed:
        product = xp.sum(product, axis=summed)
    return xp.permute_dims(product, tuple(letters.index(c) for c in out)) if out else product


# ---- The Fourier transforms --------------------------------------------------------------


def _complex(xp: Any, x: Any) -> Any:
    if xp.isdtype(x.dtype, "complex floating"):
        return x
    return xp.astype(x, xp.complex64 if x.dtype == xp.float32 else xp.complex128)


def _real(xp: Any, x: Any) -> Any:
    if xp.isdtype(x.dtype, "real floating"):
        return x
    if xp.isdtype(x.dtype, "complex floating"):
        return xp.real(x)
    return xp.astype(x, xp.float64)


def _one(xp: Any, kind: str, x: Any, n: int | None, axis: int, norm: Any) -> Any:
    norm = "backward" if norm is None else norm
    if kind == "rfft":
        return xp.fft.rfft(_real(xp, x), n=n, axis=axis, norm=norm)
    return getattr(xp.fft, kind)(_complex(xp, x), n=n, axis=axis, norm=norm)


def _one_dimensional(kind: str) -> Callable[..., Any]:
    def form(xp: Any, a: Any, n: int | None = None, axis: int = -1, norm: Any = None) -> Any:
        return _one(xp, kind, a, n, axis, norm)

    return form


def _n_dimensional(kinds: tuple[str, str], default_axes: Any) -> Callable[..., Any]:
    """NumPy's N-dimensional transform as the one-dimensional steps NumPy takes, in its
    order (``_fft.plan``): repeated axes and every ``s`` mean what they mean in NumPy."""

    def form(xp: Any, a: Any, s: Any = None, axes: Any = default_axes, norm: Any = None) -> Any:
        for step in _fft.plan(kinds, tuple(a.shape), s, axes):
            a = _one(xp, step.kind, a, step.n, step.axis, norm)
        return a

    return form


def _resize(xp: Any, x: Any, length: int, axis: int) -> Any:
    axis = axis % x.ndim
    have = x.shape[axis]
    if have >= length:
        return x[(slice(None),) * axis + (slice(0, length), ...)]
    shape = list(x.shape)
    shape[axis] = length - have
    zeros = xp.zeros(tuple(shape), dtype=x.dtype, device=x.device)
    return xp.concat([x, zeros], axis=axis)


def _dft(
    xp: Any, x: Any, *, n: int, length: int, axis: int, norm: Any, inverse: bool, real: bool
) -> Any:
    y = _one(xp, "ifft" if inverse else "fft", x, n, axis, norm)
    y = _resize(xp, y, length, axis)
    return xp.real(y) if real else y


def _shift(sign: int) -> Callable[..., Any]:
    def form(xp: Any, x: Any, axes: Any = None) -> Any:
        chosen = tuple(range(x.ndim)) if axes is None else axes
        chosen = (chosen,) if isinstance(chosen, int) else tuple(chosen)
        shifts = tuple(sign * (x.shape[a] // 2) for a in chosen)
        return xp.roll(x, shifts, axis=chosen)

    return form


def _register() -> None:
    forms: dict[Any, Callable[..., Any]] = {
        _linalg.inv: lambda xp, a: xp.linalg.inv(_floating(xp, a)),
        _linalg.solve: _solve,
        _linalg.det: lambda xp, a: xp.linalg.det(_floating(xp, a)),
        _linalg.logabsdet: lambda xp, a: xp.linalg.slogdet(_floating(xp, a))[1],
        _linalg.det_phase: lambda xp, a: xp.linalg.slogdet(_floating(xp, a))[0],
        _linalg.einsum_operands: _einsum,
        _decompositions.cholesky: _cholesky,
        _decompositions.eigh: _eigh,
        _decompositions.eigh_in_rules: _eigh,
        _decompositions.eigvalsh: _eigvalsh,
        _decompositions.eig: _eig,
        _decompositions.eigvals: _eigvals,
        _decompositions.svd: _svd,
        _decompositions.svd_in_rules: _svd,
        _decompositions.qr_decomposition: _qr,
        _decompositions.pinv: _pinv,
        _decompositions.euclidean_norm: _euclidean_norm,
        linalg.matrix_rank: _matrix_rank,
        _fft.fft: _one_dimensional("fft"),
        _fft.ifft: _one_dimensional("ifft"),
        _fft.rfft: _one_dimensional("rfft"),
        _fft.irfft: _one_dimensional("irfft"),
        _fft.fftn: _n_dimensional(("fft", "fft"), None),
        _fft.ifftn: _n_dimensional(("ifft", "ifft"), None),
        _fft.rfftn: _n_dimensional(("rfft", "fft"), None),
        _fft.irfftn: _n_dimensional(("irfft", "ifft"), None),
        _fft.fft2: _n_dimensional(("fft", "fft"), (-2, -1)),
        _fft.ifft2: _n_dimensional(("ifft", "ifft"), (-2, -1)),
        _fft.rfft2: _n_dimensional(("rfft", "fft"), (-2, -1)),
        _fft.irfft2: _n_dimensional(("irfft", "ifft"), (-2, -1)),
        _fft.dft: _dft,
        _fft.fftshift: _shift(1),
        _fft.ifftshift: _shift(-1),
    }
    for fun, form in forms.items():
        defbackend(fun, form)
    # The decompositions' answers are tuples: the core builds and reads them with these,
    # which compute on any array as they are.
    for structural in (pack, getitem_node, getattr_node):
        agnostic(structural)


_register()
