"""The rows of the op spec table (``test_numpy_ops.py``) for ``linalg`` and ``fft``.

Complex values enter and leave a row as real pairs (``complex_checks``): a complex
argument is sampled as ``(..., 2)`` and made complex by ``unpair``, a complex answer is
split by ``real_pairs``, so every row is a real function whose derivatives
``check_grads`` checks in both modes to second order, and whose plain value is NumPy's
own answer split the same way. Domains keep away from where a derivative does not exist:
repeated eigenvalues and singular values, singular matrices, zeros and ties of ``abs``.
"""

from collections.abc import Callable
from typing import Any

import numpy as np

import paralens.numpy as pnp
from complex_checks import real_pairs, unpair

L, F = pnp.linalg, pnp.fft
NUMPY_2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"  # cholesky(upper=True) is new


def _square(n: int) -> np.ndarray:
    return np.eye(n)


def matrices(rng, shapes):
    """The identity plus a small perturbation (invertible, well conditioned), or normal
    samples where not square."""
    out = []
    for s in shapes:
        if len(s) >= 2 and s[-1] == s[-2]:
            out.append(np.eye(s[-1]) + 0.3 * rng.standard_normal(s) / np.sqrt(s[-1]))
        else:
            out.append(rng.standard_normal(s))
    return out


def normal(rng, shapes):
    return [rng.standard_normal(s) for s in shapes]


def positive_definite(rng, shapes):
    """Symmetric, positive definite, with eigenvalues 1, 2, 3, ... (well separated)."""
    out = []
    for s in shapes:
        n = s[-1]
        q = np.linalg.qr(rng.standard_normal(s))[0]
        out.append(q @ (np.arange(1.0, n + 1.0)[:, None] * np.swapaxes(q, -1, -2)))
    return out


def real_spectrum(rng, shapes):
    """Non-symmetric matrices with real eigenvalues 1, 2, 3, ...: ``v diag(w) v^-1``."""
    out = []
    for s in shapes:
        n = s[-1]
        v = np.eye(n) + 0.3 * rng.standard_normal(s)
        out.append(v @ (np.arange(1.0, n + 1.0)[:, None] * np.linalg.inv(v)))
    return out


def complex_matrices(rng, shapes):
    """Pairs ``(..., n, n, 2)`` of an invertible complex matrix."""
    return [
        np.stack([m, 0.3 * rng.standard_normal(s[:-1])], axis=-1)
        for m, s in zip(matrices(rng, [s[:-1] for s in shapes]), shapes, strict=True)
    ]


def hermitian_pairs(rng, shapes):
    """Pairs ``(..., n, n, 2)`` of a Hermitian positive definite matrix with eigenvalues 1,
    2, 3, ... (well separated)."""
    out = []
    for s in shapes:
        z = rng.standard_normal(s[:-1]) + 1j * rng.standard_normal(s[:-1])
        q = np.linalg.qr(z)[0]
        h = q @ (np.arange(1.0, s[-2] + 1.0)[:, None] * np.conj(np.swapaxes(q, -1, -2)))
        out.append(np.stack([h.real, h.imag], axis=-1))
    return out


def distinct(rng, shapes):
    """Entries with distinct absolute values, at least 0.15 from zero: ``abs``, max, min."""
    sizes = [int(np.prod(s)) for s in shapes]
    n = sum(sizes)
    values = (rng.permutation(n) + 0.5) * 0.3 * rng.choice([-1.0, 1.0], n)
    out, start = [], 0
    for s, k in zip(shapes, sizes, strict=True):
        out.append(values[start : start + k].reshape(s))
        start += k
    return out


def _on_pairs(fun: Callable[..., Any], complex_args: tuple[int, ...] = ()) -> Callable[..., Any]:
    """``fun`` with the arguments at ``complex_args`` given as pairs and its complex
    answers split into pairs."""

    def wrapped(*xs: Any) -> Any:
        args = [unpair(x, 1.0) if i in complex_args else x for i, x in enumerate(xs)]
        return real_pairs(fun(*args))

    return wrapped


def rows(op: Any) -> list[Any]:
    """The rows, as ``test_numpy_ops.Op`` (passed in, to keep one definition of a row)."""

    def row(name, fun, ref, shapes, domain, complex_args=(), exact=True):
        return op(
            name,
            _on_pairs(fun, complex_args),
            shapes,
            domain,
            _on_pairs(ref, complex_args),
            exact=exact,
        )

    square, batch = ((3, 3),), ((2, 3, 3),)
    tall, wide, tall_batch = ((4, 3),), ((3, 4),), ((2, 4, 3),)
    out = [
        row("linalg.cholesky", L.cholesky, np.linalg.cholesky,
            (square, batch, ((1, 1),)), positive_definite),
        row("linalg.eigh", L.eigh, np.linalg.eigh, (square, batch), positive_definite),
        row("linalg.eigh(UPLO='U')", lambda a: L.eigh(a, "U"), lambda a: np.linalg.eigh(a, "U"),
            (square,), positive_definite),
        row("linalg.eigvalsh", L.eigvalsh, np.linalg.eigvalsh, (square, batch),
            positive_definite),
        row("linalg.eigvalsh(UPLO='U')", lambda a: L.eigvalsh(a, UPLO="U"),
            lambda a: np.linalg.eigvalsh(a, UPLO="U"), (square,), positive_definite),
        row("linalg.cholesky of a complex matrix", L.cholesky, np.linalg.cholesky,
            (((3, 3, 2),), ((2, 3, 3, 2),)), hermitian_pairs, (0,)),
        row("linalg.eigvalsh of a complex matrix", L.eigvalsh, np.linalg.eigvalsh,
            (((3, 3, 2),), ((2, 3, 3, 2),)), hermitian_pairs, (0,)),
        row("linalg.eigvalsh(UPLO='U') of a complex matrix", lambda a: L.eigvalsh(a, "U"),
            lambda a: np.linalg.eigvalsh(a, "U"), (((3, 3, 2),),), hermitian_pairs, (0,)),
        row("linalg.eig (complex eigenvalues)", L.eig, np.linalg.eig, (square, batch), normal),
        row("linalg.eig (real eigenvalues)", L.eig, np.linalg.eig, (square,), real_spectrum),
        row("linalg.eig of a complex matrix", L.eig, np.linalg.eig, (((3, 3, 2),),),
            complex_matrices, (0,)),
        row("linalg.eigvals", L.eigvals, np.linalg.eigvals, (square, batch), normal),
        row("linalg.eigvals of a complex matrix", L.eigvals, np.linalg.eigvals,
            (((3, 3, 2),),), complex_matrices, (0,)),
        row("linalg.svd(full_matrices=False)", lambda a: L.svd(a, full_matrices=False),
            lambda a: np.linalg.svd(a, full_matrices=False),
            (square, tall, wide, tall_batch), normal),
        row("linalg.svd (square)", L.svd, np.linalg.svd, (square, batch), normal),
        row("linalg.svd(compute_uv=False)", lambda a: L.svd(a, compute_uv=False),
            lambda a: np.linalg.svd(a, compute_uv=False), (tall, wide, batch), normal),
        row("linalg.svd(compute_uv=False) of a complex matrix",
            lambda a: L.svd(a, compute_uv=False), lambda a: np.linalg.svd(a, compute_uv=False),
            (((3, 3, 2),), ((4, 3, 2),), ((2, 3, 4, 2),)), complex_matrices, (0,)),
        row("linalg.norm(m, 'nuc') of a complex matrix", lambda a: L.norm(a, "nuc"),
            lambda a: np.linalg.norm(a, "nuc"), (((3, 3, 2),),), complex_matrices, (0,),
            exact=False),
        row("linalg.norm(m, 2) of a complex matrix", lambda a: L.norm(a, 2),
            lambda a: np.linalg.norm(a, 2), (((3, 4, 2),),), complex_matrices, (0,),
            exact=False),
        row("linalg.cond of a complex matrix", L.cond, np.linalg.cond, (((3, 3, 2),),),
            complex_matrices, (0,), exact=False),
        row("linalg.pinv of a complex matrix", L.pinv, np.linalg.pinv,
            (((3, 3, 2),), ((4, 3, 2),), ((2, 3, 4, 2),)), complex_matrices, (0,)),
        row("linalg.pinv(hermitian=True) of a complex matrix",
            lambda a: L.pinv(a, hermitian=True), lambda a: np.linalg.pinv(a, hermitian=True),
            (((3, 3, 2),),), hermitian_pairs, (0,)),
        row("linalg.qr", L.qr, np.linalg.qr, (square, tall, wide, tall_batch), normal),
        row("linalg.qr of a complex matrix", L.qr, np.linalg.qr,
            (((3, 3, 2),), ((4, 3, 2),), ((3, 4, 2),), ((2, 4, 3, 2),)), complex_matrices, (0,)),
        row("linalg.qr(mode='r') of a complex matrix", lambda a: L.qr(a, "r"),
            lambda a: np.linalg.qr(a, "r"), (((4, 3, 2),), ((3, 4, 2),)), complex_matrices,
            (0,)),
        row("linalg.qr(mode='complete')", lambda a: L.qr(a, "complete"),
            lambda a: np.linalg.qr(a, "complete"), (square, wide), normal),
        row("linalg.qr(mode='r')", lambda a: L.qr(a, "r"), lambda a: np.linalg.qr(a, "r"),
            (tall, wide), normal),
        row("linalg.pinv", L.pinv, np.linalg.pinv, (square, tall, wide, tall_batch), normal),
        row("linalg.pinv(hermitian=True)", lambda a: L.pinv(a, hermitian=True),
            lambda a: np.linalg.pinv(a, hermitian=True), (square,), positive_definite),
        row("linalg.pinv(a, 1e-10)", lambda a: L.pinv(a, 1e-10),
            lambda a: np.linalg.pinv(a, 1e-10), (tall,), normal),
        row("linalg.multi_dot", lambda *xs: L.multi_dot(xs), lambda *xs: np.linalg.multi_dot(xs),
            (((2, 3), (3, 4), (4, 2)), ((3,), (3, 4), (4,)), ((3,), (3, 2)), ((2, 3), (3,))),
            normal, exact=False),
        row("linalg.tensorinv", L.tensorinv, np.linalg.tensorinv, (((2, 2, 4),),),
            lambda rng, s: [matrices(rng, [(4, 4)])[0].reshape(2, 2, 4)]),
        row("linalg.tensorinv(ind=1)", lambda a: L.tensorinv(a, ind=1),
            lambda a: np.linalg.tensorinv(a, ind=1), (((4, 2, 2),),),
            lambda rng, s: [matrices(rng, [(4, 4)])[0].reshape(4, 2, 2)]),
        row("linalg.tensorsolve", L.tensorsolve, np.linalg.tensorsolve, (((2, 3, 6), (2, 3)),),
            lambda rng, s: [matrices(rng, [(6, 6)])[0].reshape(2, 3, 6), rng.normal(size=(2, 3))]),
        row("linalg.tensorsolve(axes=(0,))", lambda a, b: L.tensorsolve(a, b, axes=(0,)),
            lambda a, b: np.linalg.tensorsolve(a, b, axes=(0,)), (((6, 2, 3), (2, 3)),),
            lambda rng, s: [
                np.moveaxis(matrices(rng, [(6, 6)])[0].reshape(2, 3, 6), -1, 0),
                rng.normal(size=(2, 3)),
            ]),
        row("linalg.inv of a complex matrix", L.inv, np.linalg.inv, (((3, 3, 2),),),
            complex_matrices, (0,)),
        row("linalg.det of a complex matrix", L.det, np.linalg.det, (((2, 3, 3, 2),),),
            complex_matrices, (0,)),
        row("linalg.slogdet of a complex matrix", L.slogdet, np.linalg.slogdet,
            (((3, 3, 2),), ((2, 3, 3, 2),)), complex_matrices, (0,)),
        row("linalg.solve of complex matrices", L.solve, np.linalg.solve,
            (((3, 3, 2), (3, 2, 2)),),
            lambda rng, s: [complex_matrices(rng, [s[0]])[0], rng.normal(size=s[1])], (0, 1)),
    ]  # fmt: skip
    for i, part in ((0, "x"), (1, "residuals"), (3, "s")):
        out.append(
            row(f"linalg.lstsq {part}", lambda a, b, i=i: L.lstsq(a, b)[i],
                lambda a, b, i=i: np.linalg.lstsq(a, b)[i],
                (((5, 3), (5,)), ((5, 3), (5, 2)), ((3, 3), (3, 2)), ((2, 4), (2,))), normal,
                exact=False)
        )  # fmt: skip
    out.append(
        row("linalg.lstsq(rcond=1e-3) x of complex matrices",
            lambda a, b: L.lstsq(a, b, 1e-3)[0], lambda a, b: np.linalg.lstsq(a, b, 1e-3)[0],
            (((4, 3, 2), (4, 2)),), normal, (0, 1), exact=False)
    )  # fmt: skip
    for p in (None, 2, -2, 1, -1, np.inf, "fro", "nuc"):
        out.append(
            row(f"linalg.cond(p={p!r})", lambda a, p=p: L.cond(a, p),
                lambda a, p=p: np.linalg.cond(a, p), (square, batch), normal, exact=False)
        )  # fmt: skip
    if NUMPY_2:
        out.append(
            row("linalg.cholesky(upper=True)", lambda a: L.cholesky(a, upper=True),
                lambda a: np.linalg.cholesky(a, upper=True), (square,), positive_definite)
        )  # fmt: skip
        out.append(
            row("linalg.cholesky(upper=True) of a complex matrix",
                lambda a: L.cholesky(a, upper=True), lambda a: np.linalg.cholesky(a, upper=True),
                (((3, 3, 2),),), hermitian_pairs, (0,))
        )  # fmt: skip
    if NUMPY_2:
        out += _array_api_rows(row)
    for n in (0, 1, 2, 3, 5, -1, -3):
        out.append(
            row(f"linalg.matrix_power(n={n})", lambda a, n=n: L.matrix_power(a, n),
                lambda a, n=n: np.linalg.matrix_power(a, n), (square, batch), matrices,
                exact=n in (0, 1))
        )  # fmt: skip
    vector, matrix = ((4,),), ((2, 3),)
    for ord_ in (None, 2, 1, np.inf, -np.inf, 0, 3, 0.5, -1.5):
        out.append(
            row(f"linalg.norm(x, ord={ord_})", lambda x, o=ord_: L.norm(x, o),
                lambda x, o=ord_: np.linalg.norm(x, o), (vector,), distinct, exact=False)
        )  # fmt: skip
    for ord_ in (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
        out.append(
            row(f"linalg.norm(m, ord={ord_!r})", lambda x, o=ord_: L.norm(x, o),
                lambda x, o=ord_: np.linalg.norm(x, o), (matrix, square), distinct, exact=False)
        )  # fmt: skip
        out.append(
            row(f"linalg.norm(m, ord={ord_!r}, axis=(2, 0), keepdims)",
                lambda x, o=ord_: L.norm(x, o, axis=(2, 0), keepdims=True),
                lambda x, o=ord_: np.linalg.norm(x, o, axis=(2, 0), keepdims=True),
                (((3, 2, 4),),), distinct, exact=False)
        )  # fmt: skip
    for kwargs, shapes in (
        ({"axis": 0}, (matrix,)),
        ({"axis": -1, "keepdims": True}, (matrix,)),
        ({"ord": 1, "axis": 1}, (matrix,)),
        ({"ord": 3, "axis": 0, "keepdims": True}, (matrix,)),
        ({}, (((2, 3, 2),),)),  # flattened
        ({"keepdims": True}, (matrix,)),
    ):
        out.append(
            row(f"linalg.norm({kwargs})", lambda x, k=kwargs: L.norm(x, **k),
                lambda x, k=kwargs: np.linalg.norm(x, **k), shapes, distinct, exact=False)
        )  # fmt: skip
    out.append(
        row("linalg.norm of a complex vector", L.norm, np.linalg.norm, (((3, 2),),), distinct,
            (0,), exact=False)
    )  # fmt: skip
    out += _fft_rows(row)
    return out


def _array_api_rows(row: Callable[..., Any]) -> list[Any]:
    """NumPy 2's array-API functions of ``numpy.linalg``."""
    return [
        row("linalg.matrix_norm", L.matrix_norm, np.linalg.matrix_norm, (((2, 3, 4),),),
            distinct, exact=False),
        row("linalg.matrix_norm(ord='nuc', keepdims=True)",
            lambda a: L.matrix_norm(a, ord="nuc", keepdims=True),
            lambda a: np.linalg.matrix_norm(a, ord="nuc", keepdims=True), (((2, 3, 3),),),
            distinct, exact=False),
        row("linalg.vector_norm", L.vector_norm, np.linalg.vector_norm, (((2, 3),),),
            distinct, exact=False),
        row("linalg.vector_norm(axis=(0, 2), ord=3, keepdims=True)",
            lambda a: L.vector_norm(a, axis=(0, 2), ord=3, keepdims=True),
            lambda a: np.linalg.vector_norm(a, axis=(0, 2), ord=3, keepdims=True),
            (((2, 3, 2),),), distinct, exact=False),
        row("linalg.vector_norm(axis=-1, ord=inf)",
            lambda a: L.vector_norm(a, axis=-1, ord=np.inf),
            lambda a: np.linalg.vector_norm(a, axis=-1, ord=np.inf), (((3, 4),),), distinct,
            exact=False),
        row("linalg.svdvals", L.svdvals, np.linalg.svdvals, (((2, 4, 3),), ((3, 2),)), normal),
        row("linalg.matrix_transpose", L.matrix_transpose, np.linalg.matrix_transpose,
            (((2, 3, 4),),), normal),
        row("linalg.outer", L.outer, np.linalg.outer, (((3,), (2,)),), normal),
        row("linalg.tensordot(axes=1)", lambda a, b: L.tensordot(a, b, axes=1),
            lambda a, b: np.linalg.tensordot(a, b, axes=1), (((2, 3), (3, 4)),), normal),
        row("linalg.tensordot", L.tensordot, np.linalg.tensordot, (((2, 3, 4), (3, 4, 2)),),
            normal),
        row("linalg.matmul", L.matmul, np.linalg.matmul, (((2, 2, 3), (3, 4)),), normal),
        row("linalg.diagonal", L.diagonal, np.linalg.diagonal, (((2, 3, 4),), ((4, 3),)),
            normal),
        row("linalg.diagonal(offset=2)", lambda a: L.diagonal(a, offset=2),
            lambda a: np.linalg.diagonal(a, offset=2), (((2, 3, 4),), ((3, 2),)), normal),
        row("linalg.diagonal(offset=-1)", lambda a: L.diagonal(a, offset=-1),
            lambda a: np.linalg.diagonal(a, offset=-1), (((2, 3, 4),),), normal),
        row("linalg.trace", L.trace, np.linalg.trace, (((2, 3, 3),),), normal, exact=False),
        row("linalg.trace(offset=1)", lambda a: L.trace(a, offset=1),
            lambda a: np.linalg.trace(a, offset=1), (((3, 4),),), normal, exact=False),
        row("linalg.vecdot", L.vecdot, np.linalg.vecdot, (((2, 3), (3,)), ((3, 1, 4), (2, 4))),
            normal, exact=False),
        row("linalg.vecdot(axis=0) of complex vectors", lambda a, b: L.vecdot(a, b, axis=0),
            lambda a, b: np.linalg.vecdot(a, b, axis=0), (((3, 2, 2), (3, 2, 2)),), normal,
            (0, 1), exact=False),
        row("linalg.cross", L.cross, np.linalg.cross, (((3,), (3,)), ((2, 3), (3,))), normal,
            exact=False),
        row("linalg.cross(axis=0)", lambda a, b: L.cross(a, b, axis=0),
            lambda a, b: np.linalg.cross(a, b, axis=0), (((3, 2), (3, 2)),), normal,
            exact=False),
    ]  # fmt: skip


def _fft_rows(row: Callable[..., Any]) -> list[Any]:
    complex_in = (0,)
    cases = [
        # (name, call, shapes, complex input)
        ("fft", lambda f, x: f.fft(x), (((5,),), ((2, 4),)), False),
        ("fft", lambda f, x: f.fft(x), (((4, 2),), ((2, 3, 2),)), True),
        ("fft(n=7)", lambda f, x: f.fft(x, 7), (((5,),),), False),
        ("fft(n=3, axis=0, norm='ortho')", lambda f, x: f.fft(x, 3, 0, "ortho"),
            (((5, 2, 2),),), True),
        ("ifft", lambda f, x: f.ifft(x), (((4,),),), False),
        ("ifft(norm='forward')", lambda f, x: f.ifft(x, norm="forward"), (((4, 2),),), True),
        ("rfft", lambda f, x: f.rfft(x), (((6,),), ((5,),), ((2, 5),)), False),
        ("rfft(n=8, norm='ortho')", lambda f, x: f.rfft(x, 8, norm="ortho"), (((5,),),), False),
        ("rfft(n=3, axis=0)", lambda f, x: f.rfft(x, 3, axis=0), (((5, 2),),), False),
        ("irfft", lambda f, x: f.irfft(x), (((4, 2),), ((2, 3, 2),)), True),
        ("irfft of a real input", lambda f, x: f.irfft(x), (((4,),),), False),
        ("irfft(n=7)", lambda f, x: f.irfft(x, 7), (((4, 2),),), True),
        ("irfft(n=4, norm='forward')", lambda f, x: f.irfft(x, 4, norm="forward"),
            (((5, 2),),), True),
        ("irfft(n=12, norm='ortho')", lambda f, x: f.irfft(x, 12, norm="ortho"),
            (((3, 2),),), True),
        ("fft2", lambda f, x: f.fft2(x), (((3, 4),),), False),
        ("fft2", lambda f, x: f.fft2(x), (((2, 3, 4, 2),),), True),
        ("ifft2(s=(2, 5))", lambda f, x: f.ifft2(x, s=(2, 5)), (((3, 4, 2),),), True),
        ("fftn", lambda f, x: f.fftn(x), (((2, 3, 2),),), False),
        ("fftn(axes=(0, 0))", lambda f, x: f.fftn(x, axes=(0, 0)), (((3, 2, 2),),), True),
        ("ifftn(s=(3, 4), axes=(1, 0))", lambda f, x: f.ifftn(x, s=(3, 4), axes=(1, 0)),
            (((2, 3, 2),),), True),
        ("rfft2", lambda f, x: f.rfft2(x), (((3, 4),), ((3, 5),)), False),
        ("irfft2", lambda f, x: f.irfft2(x), (((3, 3, 2),),), True),
        ("rfftn(s=(4, 3), axes=(0, 1))", lambda f, x: f.rfftn(x, s=(4, 3), axes=(0, 1)),
            (((3, 4),),), False),
        ("irfftn", lambda f, x: f.irfftn(x), (((2, 3, 3, 2),),), True),
        ("irfftn(s=(3, 5), axes=(1, 2), norm='ortho')",
            lambda f, x: f.irfftn(x, s=(3, 5), axes=(1, 2), norm="ortho"),
            (((2, 3, 3, 2),),), True),
        ("fftshift", lambda f, x: f.fftshift(x), (((5,),), ((2, 3),)), False),
        ("ifftshift(axes=1)", lambda f, x: f.ifftshift(x, axes=1), (((3, 4),),), False),
        ("hfft", lambda f, x: f.hfft(x), (((4, 2),),), True),
        ("ihfft(norm='ortho')", lambda f, x: f.ihfft(x, norm="ortho"), (((5,),),), False),
    ]  # fmt: skip
    return [
        row(
            f"fft.{name}" + (" of a complex input" if is_complex else ""),
            lambda x, c=call: c(F, x),
            lambda x, c=call: c(np.fft, x),
            shapes,
            normal,
            complex_in if is_complex else (),
        )
        for name, call, shapes, is_complex in cases
    ]
