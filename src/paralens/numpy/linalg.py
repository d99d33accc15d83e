"""Differentiable ``numpy.linalg``: every function HIPS autograd differentiates, and more.

Each function has NumPy's signature and returns exactly what NumPy returns on plain arrays;
on traced values it is differentiable in both modes, to any order where the derivative
exists, on stacks of matrices ``(..., M, N)`` throughout, and on complex matrices (the
eigenvectors of ``eigh`` and the singular vectors of ``svd`` in reverse mode, for functions
that do not depend on their phases). NumPy 2's array-API functions (``matrix_norm``,
``vector_norm``, ``svdvals``, ``diagonal``, ``trace``, ``vecdot``, ``cross``, ...) are here
where NumPy has them. The forward definitions are
in ``_linalg.py`` (``inv``, ``solve``, ``det``), ``_decompositions.py`` (the
decompositions, with the papers their rules follow) and ``_matrix_functions.py`` (the
functions made of them); the rules in ``_vjps.py``/``_jvps.py`` and
``_vjps_linalg.py``/``_jvps_linalg.py``, which importing this module registers.

Examples:
    >>> import numpy as np
    >>> import paralens
    >>> a = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> paralens.grad(lambda a: eigvalsh(a)[-1])(a)  # v v.T, read from the lower triangle
    array([[0.2763932 , 0.        ],
           [0.89442719, 0.7236068 ]])
"""

import numpy as np
from numpy.linalg import LinAlgError

from paralens._core import nondifferentiable
from paralens.numpy import _jvps_linalg, _vjps_linalg  # noqa: F401 (registers the rules)
from paralens.numpy._composites import slogdet
from paralens.numpy._decompositions import (
    cholesky,
    eig,
    eigh,
    eigvals,
    eigvalsh,
    pinv,
    qr,
    svd,
)
from paralens.numpy._linalg import det, inv, solve
from paralens.numpy._matrix_functions import (
    cond,
    lstsq,
    matrix_power,
    multi_dot,
    norm,
    tensorinv,
    tensorsolve,
)

matrix_rank = nondifferentiable(np.linalg.matrix_rank)
"""``numpy.linalg.matrix_rank``, reading traced values through (an integer: no derivative)."""

__all__ = [
    "LinAlgError",
    "cholesky",
    "cond",
    "det",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "inv",
    "lstsq",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "tensorinv",
    "tensorsolve",
]

if hasattr(np.linalg, "matrix_norm"):  # NumPy 2's array-API functions, as NumPy has them
    from paralens.numpy._linalg_array_api import (
        cross,
        matrix_norm,
        matrix_transpose,
        outer,
        svdvals,
        tensordot,
        vecdot,
        vector_norm,
    )
    from paralens.numpy._linalg_array_api import linalg_diagonal as diagonal
    from paralens.numpy._linalg_array_api import linalg_matmul as matmul
    from paralens.numpy._linalg_array_api import linalg_trace as trace

    __all__ += [
        "cross",
        "diagonal",
        "matmul",
        "matrix_norm",
        "matrix_transpose",
        "outer",
        "svdvals",
        "tensordot",
        "trace",
        "vecdot",
        "vector_norm",
    ]
