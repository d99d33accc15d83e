"""The op spec table on the arrays of other libraries: array-api-strict and torch CPU tensors.

Every row of ``test_numpy_ops.OPS`` but linear algebra's and the FFT's (their own file)
runs through ``backend_checks.check_on_backend``: its value, reverse and forward
derivatives, and a second-order reverse derivative, computed on the library's arrays,
equal NumPy's, and every array returned is of that library. array-api-strict's arrays
sit on a device that refuses conversion to NumPy, so a rule that computes with NumPy
behind the library's back fails. A row that cannot compute on a library is in
``UNSUPPORTED``, and must raise a TypeError naming the function and the library.
"""

import numpy as np
import pytest

import numpy_ops_linalg_fft
import test_numpy_ops as table
from backend_checks import LIBRARIES, check_on_backend, to_library

LINALG_FFT = {op.name for op in numpy_ops_linalg_fft.rows(table.Op)}
ROWS = [op for op in table.OPS if op.name not in LINALG_FFT]

# Row name -> why it cannot compute on the other libraries (it raises a TypeError there).
UNSUPPORTED: dict[str, str] = {}

CASES = [
    pytest.param(op, shapes, dtype, library, id=f"{op.name}-{shapes}-{np.dtype(dtype).name}-{library}")
    for op in ROWS
    if op.name not in UNSUPPORTED
    for shapes in op.shapes
    for dtype in (np.float64, np.float32)
    for library in LIBRARIES
]


@pytest.mark.parametrize(("op", "shapes", "dtype", "library"), CASES)
def test_rows_compute_on_the_library(op, shapes, dtype, library):
    check_on_backend(op.fun, table._inputs(op, shapes, dtype), library, plain=op.ref is not None)
