"""In-place updates of donated arrays: one BLAS call where SciPy's BLAS is there.

A training step ends in ``W - lr * (X.T @ D)``. With ``W`` donated, that is one
``gemm`` writing into ``W`` (``beta = 1``, ``alpha = -lr``), or a ``ger`` when the
product has rank one (a batch of one example): one pass over ``W`` instead of a product,
a scaling and a difference, each into a fresh array. SciPy is an optional extra; without
it the same update is made with NumPy, in place, in three steps.

BLAS is column-major: a C-ordered matrix is the transpose of a Fortran-ordered one, so
``C = alpha A B + beta C`` is computed as ``C.T = alpha B.T A.T + beta C.T``.

Examples:
    >>> import numpy as np
    >>> c = np.ones((3, 2))
    >>> gemm_into(c, -1.0, np.ones((3, 1)), np.array([[1.0, 2.0]]), 1.0)
    >>> c
    array([[ 0., -1.],
           [ 0., -1.],
           [ 0., -1.]])
    >>> axpy_into(c, 2.0, np.ones((3, 2)), 1.0)
    >>> c
    array([[2., 1.],
           [2., 1.],
           [2., 1.]])
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

_KINDS = {np.dtype(np.float64): "d", np.dtype(np.float32): "s"}
_ROUTINES: dict[str, Callable[..., Any] | None] = {}


def _routine(name: str, dtype: np.dtype[Any]) -> Callable[..., Any] | None:
    """SciPy's BLAS routine ``name`` for ``dtype``, or ``None`` (no SciPy, another dtype).

    SciPy is loaded on the first in-place update, not with paralens (it is an optional
    extra, and ``import paralens`` stays as quick as NumPy's own import).
    """
    prefix = _KINDS.get(dtype)
    if prefix is None:
        return None
    key = prefix + name
    if key not in _ROUTINES:
        try:
            blas = importlib.import_module("scipy.linalg.blas")
        except ImportError:  # SciPy is an optional extra: NumPy does the update
            blas = None
        else:
            _same_threads_as_numpy()
        _ROUTINES[key] = getattr(blas, key) if blas is not None else None
    return _ROUTINES[key]


def _same_threads_as_numpy() -> None:
    """Give SciPy's BLAS, loaded now, the thread count NumPy's has: a limit set before
    (``threadpool_limits``, ``paralens train --threads``) did not reach a library that
    was not loaded yet, and BLAS threads fighting over small matrices cost more than the
    update itself."""
    libraries = ThreadpoolController().select(user_api="blas").lib_controllers
    numpy_threads = [lib.num_threads for lib in libraries if "numpy" in lib.filepath]
    if numpy_threads:
        for lib in libraries:
            if "scipy.libs" in lib.filepath:
                lib.set_num_threads(min(numpy_threads))


def _fortran(m: Any) -> tuple[Any, int]:
    """``m`` as BLAS reads it without a copy: ``(m, 0)``, or ``(m.T, 1)`` for C order."""
    if m.flags.f_contiguous:
        return m, 0
    if m.flags.c_contiguous:
        return m.T, 1
    return np.asfortranarray(m), 0


def _kept(out: Any, target: Any) -> None:
    """Make sure a BLAS routine's answer is in ``target``: SciPy writes into the array it
    was given when that array suits the routine, and returns a new one otherwise."""
    if out is not target:
        target[...] = out


def gemm_into(c: Any, alpha: Any, a: Any, b: Any, beta: Any) -> None:
    """``c = alpha * a @ b + beta * c``, in the memory of ``c`` (C-ordered, 2-D)."""
    dtype = c.dtype
    if a.dtype == b.dtype == dtype and c.flags.c_contiguous:
        if a.shape[1] == 1 and beta == 1:
            ger = _routine("ger", dtype)
            if ger is not None:
                _kept(ger(alpha, b.reshape(-1), a.reshape(-1), a=c.T, overwrite_a=1), c.T)
                return
        gemm = _routine("gemm", dtype)
        if gemm is not None:
            bt, trans_b = _fortran(b.T)
            at, trans_a = _fortran(a.T)
            out = gemm(
                alpha, bt, at, beta=beta, c=c.T, overwrite_c=1, trans_a=trans_b, trans_b=trans_a
            )
            _kept(out, c.T)
            return
    product = np.matmul(a, b)
    product *= alpha
    if beta != 1:
        c *= beta
    c += product


def axpy_into(c: Any, alpha: Any, x: Any, beta: Any) -> None:
    """``c = alpha * x + beta * c``, in the memory of ``c`` (C-ordered)."""
    axpy = _routine("axpy", c.dtype)
    if beta != 1:
        c *= beta
    if axpy is not None and x.dtype == c.dtype and x.shape == c.shape and x.flags.c_contiguous:
        y = c.reshape(-1)
        _kept(axpy(x.reshape(-1), y, a=alpha), y)
        return
    c += alpha * x
