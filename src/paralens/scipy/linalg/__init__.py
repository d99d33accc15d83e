"""Differentiable ``scipy.linalg``: triangular, banded and Sylvester solves, roots, factors.

``solve_triangular``, ``solve_banded``, ``solve_sylvester`` and ``sqrtm`` are those
``autograd.scipy.linalg`` differentiates; ``cholesky`` and ``expm`` come in addition. Each
returns exactly SciPy's result, and is differentiable in both modes, to any order, on
stacks of matrices where SciPy takes them.

Examples:
    >>> import numpy as np
    >>> import paralens
    >>> from paralens.scipy import linalg
    >>> paralens.grad(lambda a: linalg.expm(a).sum())(np.zeros((2, 2)))
    array([[1., 1.],
           [1., 1.]])
"""

from paralens.scipy.linalg._banded import solve_banded
from paralens.scipy.linalg._cholesky import cholesky
from paralens.scipy.linalg._expm import expm
from paralens.scipy.linalg._sylvester import solve_sylvester, sqrtm
from paralens.scipy.linalg._triangular import solve_triangular

__all__ = ["cholesky", "expm", "solve_banded", "solve_sylvester", "solve_triangular", "sqrtm"]
