"""Linear algebra, the FFT, convolution and contractions on the arrays of other libraries.

Every row of the linalg/FFT spec table (``numpy_ops_linalg_fft``), in each of its shapes,
in float64 and float32, runs through ``backend_checks.check_on_backend`` on
array-api-strict (the standard's reference, which has no NumPy behind it) and on torch CPU
tensors: value, reverse, forward and a second derivative equal NumPy's, every result an
array of that library. A row that cannot compute on a library is in ``UNSUPPORTED`` with
the reason, and is tested to raise a TypeError naming the function and the library before
it computes anything.
"""

import dataclasses
import re
from typing import Any

import numpy as np
import pytest

import numpy_ops_linalg_fft
import paralens
import paralens.numpy as pnp
import paralens.scipy.linalg as scipy_linalg
from backend_checks import LIBRARIES, check_on_backend, module, to_library
from complex_checks import pair, unpair
from paralens.extend import defbackend
from paralens.nn._pooling import pool
from paralens.scipy import signal, special, stats
from test_numpy_ops import Op

torch = pytest.importorskip("torch")
pytest.importorskip("array_api_strict")


def _complex_dtype(xp: Any, real: Any) -> Any:
    return xp.complex64 if real == xp.float32 else xp.complex128


def _pair_on(xp: Any, z: Any, sign: float) -> Any:
    return xp.stack([xp.real(z), sign * xp.imag(z)], axis=-1)


def _unpair_on(xp: Any, p: Any, sign: float) -> Any:
    dtype = _complex_dtype(xp, p.dtype)
    return xp.astype(p[..., 0], dtype) + xp.astype(p[..., 1], dtype) * (sign * 1j)


# The test's real pairs (complex_checks) on other libraries' arrays.
defbackend(pair, _pair_on)
defbackend(unpair, _unpair_on)

# (library, row name): the function that refuses, and why the row cannot compute there.
# Every row of the linalg/FFT table computes on both libraries; these options are NumPy's own.
UNSUPPORTED: dict[tuple[str, str], tuple[str, str]] = {
    **{
        (library, "linalg.svd(hermitian=True)"): (
            "svd(hermitian=True)",
            "NumPy's eigenvalue route; hermitian=False gives the same singular values",
        )
        for library in LIBRARIES
    },
    **{
        (library, "linalg.qr(mode='raw')"): ("qr(mode='raw')", "LAPACK's raw reflectors")
        for library in LIBRARIES
    },
}

# Rows whose answer holds eigenvectors or singular vectors, each defined only up to its sign
# (LAPACK's choice, which torch's and NumPy's builds make differently): they are checked
# through the squares of their entries, which every choice shares.
SIGN_FREE = {
    "linalg.eigh",
    "linalg.eigh(UPLO='U')",
    "linalg.eig (real eigenvalues)",
    "linalg.svd(full_matrices=False)",
    "linalg.svd (square)",
}


def _squared(fun: Any) -> Any:
    def squares(*xs: Any) -> Any:
        return tuple(part * part for part in fun(*xs))

    return squares


def _normal(rng: np.random.Generator, shapes: Any) -> list[np.ndarray]:
    return [rng.standard_normal(s) for s in shapes]


def _distinct(rng: np.random.Generator, shapes: Any) -> list[np.ndarray]:
    """Entries with distinct values (a maximum over windows has no ties)."""
    return numpy_ops_linalg_fft.distinct(rng, shapes)


# Convolution (``pnp.conv*`` and ``nn``'s pooling, which read the window primitive) and the
# contractions, beside the table's rows.
EXTRA_ROWS = [
    Op("conv1d", pnp.conv1d, (((2, 5, 3), (2, 3, 4)),), _normal),
    Op("conv1d(stride=2, padding='same', dilation=2)",
       lambda x, w: pnp.conv1d(x, w, stride=2, padding="same", dilation=2),
       (((1, 7, 2), (3, 2, 3)),), _normal),
    Op("conv1d(groups=2, padding=1)", lambda x, w: pnp.conv1d(x, w, padding=1, groups=2),
       (((2, 5, 4), (2, 2, 6)),), _normal),
    Op("conv2d", pnp.conv2d, (((1, 4, 5, 2), (2, 3, 2, 3)),), _normal),
    Op("conv2d(stride=(2, 1), padding='same')",
       lambda x, w: pnp.conv2d(x, w, stride=(2, 1), padding="same"),
       (((2, 5, 4, 1), (3, 2, 1, 2)),), _normal),
    Op("conv (full)", pnp.conv, (((5,), (3,)), ((3, 4), (2, 2))), _normal),
    Op("conv (valid)", lambda a, v: pnp.conv(a, v, "valid"), (((6,), (3,)),), _normal),
    Op("conv (same)", lambda a, v: pnp.conv(a, v, "same"), (((3, 4), (2, 3)),), _normal),
    Op("nn max_pool(2, stride=1)",
       lambda x: pool(x, (2, 2), (1, 1), ((0, 0), (0, 0)), False, "max_pool"),
       (((1, 3, 4, 2),),), _distinct),
    Op("nn max_pool(2)", lambda x: pool(x, (2, 2), (2, 2), ((0, 0), (0, 0)), False, "max_pool"),
       (((2, 4, 4, 1),),), _distinct),
    Op("nn avg_pool(3, stride=2, padding=1)",
       lambda x: pool(x, (3,), (2,), ((1, 1),), True, "avg_pool"), (((1, 5, 2),),), _normal),
    Op("nn conv2d layer", lambda x, w, b: pnp.conv2d(x, w, padding="same") + b,
       (((1, 4, 4, 2), (3, 3, 2, 3), (3,)),), _normal),
    Op("einsum('ij,jk->ik')", lambda a, b: pnp.einsum("ij,jk->ik", a, b),
       (((2, 3), (3, 4)),), _normal),
    Op("einsum('bij,bjk')", lambda a, b: pnp.einsum("bij,bjk", a, b),
       (((2, 2, 3), (2, 3, 2)),), _normal),
    Op("einsum('...i,i->...')", lambda a, b: pnp.einsum("...i,i->...", a, b),
       (((2, 3, 4), (4,)),), _normal),
    Op("einsum('ij,ij,j->i') of three", lambda a, b, c: pnp.einsum("ij,ij,j->i", a, b, c),
       (((2, 3), (2, 3), (3,)),), _normal),
    Op("einsum('ii->i') (a diagonal)", lambda a: pnp.einsum("ii->i", a), (((3, 3),),), _normal),
    Op("einsum('iji,jk->k') (diagonals)", lambda a, b: pnp.einsum("iji,jk->k", a, b),
       (((2, 3, 2), (3, 2)),), _normal),
    Op("einsum('ij->') (sublists)", lambda a: pnp.einsum(a, [0, 1], []), (((2, 3),),), _normal),
    Op("tensordot(axes=1)", lambda a, b: pnp.tensordot(a, b, axes=1),
       (((2, 3), (3, 4)),), _normal),
    Op("tensordot(axes=([0, 2], [2, 0]))", lambda a, b: pnp.tensordot(a, b, ([0, 2], [2, 0])),
       (((2, 3, 4), (4, 5, 2)),), _normal),
    Op("dot", pnp.dot, (((3,), (3,)), ((2, 3), (3, 4)), ((2, 3, 4), (4, 2)), ((), (3,))),
       _normal),
    Op("inner", pnp.inner, (((3,), (3,)), ((2, 3), (4, 3))), _normal),
    Op("outer", pnp.outer, (((3,), (2,)), ((2, 2), (3,))), _normal),
    Op("linalg.svd(hermitian=True)", lambda a: pnp.linalg.svd(a, hermitian=True),
       (((3, 3),),), numpy_ops_linalg_fft.positive_definite),
    Op("linalg.qr(mode='raw')", lambda a: pnp.linalg.qr(a, "raw"), (((3, 2),),), _normal),
]  # fmt: skip

ROWS = [
    dataclasses.replace(row, fun=_squared(row.fun)) if row.name in SIGN_FREE else row
    for row in [*numpy_ops_linalg_fft.rows(Op), *EXTRA_ROWS]
]
DTYPES = (np.float64, np.float32)


def _cases(supported: bool) -> list[Any]:
    return [
        pytest.param(
            row, shapes, dtype, library, id=f"{library}-{row.name}-{shapes}-{np.dtype(dtype).name}"
        )
        for library in LIBRARIES
        for row in ROWS
        if ((library, row.name) not in UNSUPPORTED) == supported
        for shapes in row.shapes
        for dtype in DTYPES
    ]


def _inputs(row: Any, shapes: Any, dtype: Any) -> tuple[Any, ...]:
    values = row.domain(np.random.default_rng(0), shapes)
    return tuple(np.asarray(v, dtype=dtype) for v in values)


@pytest.mark.parametrize(("row", "shapes", "dtype", "library"), _cases(True))
def test_the_row_computes_on_the_library_what_it_computes_on_numpy(row, shapes, dtype, library):
    check_on_backend(row.fun, _inputs(row, shapes, dtype), library)


@pytest.mark.parametrize(("row", "shapes", "dtype", "library"), _cases(False))
def test_an_unsupported_row_raises_naming_the_function_and_the_library(row, shapes, dtype, library):
    function, _ = UNSUPPORTED[(library, row.name)]
    args = tuple(to_library(a, library) for a in _inputs(row, shapes, dtype))
    name = "torch" if library == "torch" else "array_api_strict"
    with pytest.raises(TypeError, match=rf"(?s)^{re.escape(function)} .*{name}"):
        row.fun(*args)


def test_every_unsupported_row_is_a_row():
    names = {row.name for row in ROWS}
    assert {name for _, name in UNSUPPORTED} <= names
    assert all(library in LIBRARIES for library, _ in UNSUPPORTED)


def test_the_answers_are_of_the_library_and_its_dtype():
    x = to_library(np.eye(3, dtype=np.float32) + 0.1, "torch")
    assert module("torch") is torch
    assert pnp.linalg.inv(x).dtype == torch.float32
    assert pnp.fft.fft(x).dtype == torch.complex64
    assert pnp.linalg.det(x).dtype == torch.float32


@pytest.mark.parametrize("library", LIBRARIES)
def test_arrays_of_two_libraries_in_one_operation_raise_naming_both(library):
    a = to_library(np.eye(3) + 0.1, library)
    with pytest.raises(TypeError, match=r"solve was given arrays of different libraries"):
        pnp.linalg.solve(a, np.ones((3, 2)))
    with pytest.raises(TypeError, match=r"einsum was given arrays of different libraries"):
        pnp.einsum("ij,jk->ik", a, np.ones((3, 2)))
    with pytest.raises(TypeError, match=r"correlate was given arrays of different libraries"):
        pnp.conv1d(to_library(np.ones((1, 4, 1)), library), np.ones((2, 1, 1)))


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize(
    ("call", "function"),
    [
        (lambda x: special.gammaln(x), "gammaln"),
        (lambda x: special.logsumexp(x), "logsumexp"),
        (lambda x: stats.norm.logpdf(x), "norm.logpdf"),
        (lambda x: signal.convolve(x, x), "convolve"),
        (lambda x: scipy_linalg.expm(pnp.reshape(x, (2, 2))), "expm"),
        (lambda x: scipy_linalg.cholesky(pnp.reshape(x, (2, 2))), "cholesky"),
    ],
)
def test_scipy_functions_raise_naming_themselves_and_the_library(library, call, function):
    x = to_library(np.array([2.0, 0.5, 0.5, 2.0]), library)
    name = "torch" if library == "torch" else "array_api_strict"
    with pytest.raises(TypeError, match=rf"^{function}\b.*{name}"):
        call(x)
    with pytest.raises(TypeError, match=rf"^{function}\b.*{name}"):
        paralens.grad(lambda x: pnp.sum(call(x)))(x)


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_forms_leave_their_inputs_as_they_were(library):
    x = to_library(np.arange(10.0).reshape(1, 5, 2), library)
    w = to_library(np.ones((3, 2, 2)), library)
    before = (pnp.to_numpy(x), pnp.to_numpy(w))
    paralens.grad(lambda x, w: pnp.sum(pnp.conv1d(x, w, padding=1) ** 2), argnums=(0, 1))(x, w)
    pnp.fft.irfft(pnp.fft.rfft(x, axis=1), axis=1)
    pnp.linalg.pinv(pnp.reshape(x, (2, 5)))
    np.testing.assert_array_equal(pnp.to_numpy(x), before[0])
    np.testing.assert_array_equal(pnp.to_numpy(w), before[1])


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize(
    ("a", "kwargs"),
    [
        (np.diag([1.0, 1e-3, 0.0]), {}),
        (np.diag([1.0, 1e-3, 0.0]), {"tol": 1e-2}),
        (np.diag([1.0, 1e-3, 0.0]), {"rtol": 1e-4}),
        (np.stack([np.eye(3), np.zeros((3, 3))]), {}),
        (np.ones(3), {}),
    ],
)
def test_matrix_rank_counts_what_numpy_counts(library, a, kwargs):
    rank = pnp.linalg.matrix_rank(to_library(a, library), **kwargs)
    assert pnp.namespace(rank) is not np
    np.testing.assert_array_equal(pnp.to_numpy(rank), np.linalg.matrix_rank(a, **kwargs))


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize(
    ("a", "b", "rcond"),
    [
        (np.arange(15.0).reshape(5, 3) % 4 + np.eye(5, 3), np.ones(5), None),
        (np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]]), np.ones((3, 2)), None),  # rank 1
        (np.diag([1.0, 1e-6, 1.0]), np.ones(3), 1e-3),
        (np.ones((2, 4)), np.ones(2), None),
    ],
)
def test_lstsq_gives_numpys_solution_residuals_rank_and_singular_values(library, a, b, rcond):
    got = pnp.linalg.lstsq(to_library(a, library), to_library(b, library), rcond)
    expected = np.linalg.lstsq(a, b, rcond)
    assert got[2] == expected[2]
    parts = zip((got[0], got[1], got[3]), (expected[0], expected[1], expected[3]), strict=True)
    for part, want in parts:
        assert pnp.namespace(part) is not np
        np.testing.assert_allclose(pnp.to_numpy(part), want, rtol=1e-10, atol=1e-12)
        assert pnp.to_numpy(part).dtype == want.dtype


@pytest.mark.parametrize("library", LIBRARIES)
def test_lstsq_refuses_what_numpy_refuses(library):
    with pytest.raises(np.linalg.LinAlgError, match="Incompatible dimensions"):
        pnp.linalg.lstsq(to_library(np.ones((3, 2)), library), to_library(np.ones(4), library))
    with pytest.raises(np.linalg.LinAlgError, match="two-dimensional"):
        pnp.linalg.lstsq(to_library(np.ones((2, 3, 2)), library), to_library(np.ones(3), library))


_UNIT = (0.2, 0.8)
# paralens.scipy.special on other libraries: the logistic functions by the standard's own
# functions, the error functions and xlogy by torch.special (on torch only).
SPECIAL = [
    ("expit", special.expit, 1, None, LIBRARIES),
    ("logit", special.logit, 1, _UNIT, LIBRARIES),
    ("log_expit", special.log_expit, 1, None, LIBRARIES),
    ("erf", special.erf, 1, None, ("torch",)),
    ("erfc", special.erfc, 1, None, ("torch",)),
    ("erfcx", special.erfcx, 1, None, ("torch",)),
    ("erfinv", special.erfinv, 1, _UNIT, ("torch",)),
    ("ndtr", special.ndtr, 1, None, ("torch",)),
    ("ndtri", special.ndtri, 1, _UNIT, ("torch",)),
    ("log_ndtr", special.log_ndtr, 1, None, ("torch",)),
    ("xlogy", special.xlogy, 2, _UNIT, ("torch",)),
    ("xlog1py", special.xlog1py, 2, _UNIT, ("torch",)),
]


def _special_inputs(arity: int, interval: Any, dtype: Any) -> tuple[Any, ...]:
    rng = np.random.default_rng(1)
    shape = (2, 3)
    first = rng.standard_normal(shape) if interval is None else rng.uniform(*interval, shape)
    rest = [rng.uniform(*_UNIT, shape) for _ in range(arity - 1)]
    return tuple(np.asarray(a, dtype=dtype) for a in (first, *rest))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize(("name", "fun", "arity", "interval", "libraries"), SPECIAL)
def test_special_functions_compute_where_a_library_has_them(
    name, fun, arity, interval, libraries, library, dtype
):
    args = _special_inputs(arity, interval, dtype)
    if library in libraries:
        check_on_backend(fun, args, library)
        return
    pattern = rf"^{name} computes only on NumPy arrays and torch tensors.*{library}"
    with pytest.raises(TypeError, match=pattern):
        fun(*(to_library(a, library) for a in args))
