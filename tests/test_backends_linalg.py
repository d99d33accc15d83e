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
from typing import Any

import numpy as np
import pytest

import numpy_ops_linalg_fft
import paralens.numpy as pnp
from backend_checks import LIBRARIES, check_on_backend, module, to_library
from complex_checks import pair, unpair
from paralens.extend import defbackend
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

# (library, row name): why the row cannot compute on that library.
UNSUPPORTED: dict[tuple[str, str], tuple[str, str]] = {}

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


ROWS = [
    dataclasses.replace(row, fun=_squared(row.fun)) if row.name in SIGN_FREE else row
    for row in numpy_ops_linalg_fft.rows(Op)
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
    with pytest.raises(TypeError, match=rf"(?s)^{function}\b.*{name}"):
        row.fun(*args)


def test_every_unsupported_row_is_a_row():
    names = {row.name for row in ROWS}
    assert {name for _, name in UNSUPPORTED} <= names
    assert all(library in LIBRARIES for library, _ in UNSUPPORTED)


def test_module_of_each_library_is_what_the_check_uses():
    assert module("torch") is torch
    assert pnp.namespace(to_library(np.ones(2), "torch")) is not np
