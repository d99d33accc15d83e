"""NumPy arrays and scalars as leaves, with their vector space.

A gradient keeps its leaf's dtype and shape: float32 parameters get float32 gradients
even where NumPy computed in float64 (a Python float in the mix).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from paralens._core import _backends, _vspace
from paralens._core._vspace import register_leaf


def _array_coerce(primal: Any, ct: Any) -> Any:
    if type(ct) is np.ndarray and ct.dtype == primal.dtype and ct.shape == primal.shape:
        return ct if ct.flags.writeable else ct.copy()
    out = np.asarray(ct, dtype=primal.dtype)
    if out.shape != primal.shape:
        out = np.broadcast_to(out, primal.shape).copy()
    return out


def _scalar_coerce(primal: Any, ct: Any) -> Any:
    return type(primal)(ct)


def _is_integer_array(x: Any) -> bool:
    return x.dtype.kind in "biu"


def _array_zeros(x: Any) -> Any:
    return np.zeros_like(x)


def _array_ones(x: Any) -> Any:
    return np.ones_like(x)


def _array_add(x: Any, y: Any) -> Any:
    return x + y


def _array_scale(a: Any, x: Any) -> Any:
    return a * x


def _array_inner(x: Any, y: Any) -> Any:
    return float(np.vdot(x, y).real)


def _array_basis(x: Any) -> list[Any]:
    # Unit arrays of x's shape, in x's dtype when it is inexact (else float64).
    dtype = x.dtype if x.dtype.kind in "fc" else np.float64
    basis = []
    for i in range(x.size):
        e = np.zeros(x.size, dtype=dtype)
        e[i] = 1
        basis.append(e.reshape(x.shape))
    return basis


register_leaf(
    np.ndarray,
    zeros=_array_zeros,
    add=_array_add,
    ones=_array_ones,
    scale=_array_scale,
    inner=_array_inner,
    coerce=_array_coerce,
    is_integer=_is_integer_array,
    basis=_array_basis,
)
register_leaf(
    np.generic,
    zeros=lambda x: type(x)(0),
    add=_array_add,
    ones=lambda x: type(x)(1),
    scale=_array_scale,
    inner=_array_inner,
    coerce=_scalar_coerce,
    is_integer=_is_integer_array,
    basis=lambda x: [type(x)(1)],
)
_vspace.register_array_type(np.ndarray)
_NUMPY_SCALARS = {t for t in set(np.sctypeDict.values()) if issubclass(t, (np.number, np.bool_))}
_vspace.SCALAR_TYPES.update(_NUMPY_SCALARS)
# NumPy's own types compute on NumPy's path (one membership test in the hot loops).
_backends.NATIVE.update(_NUMPY_SCALARS, {np.ndarray, np.dtype, type(np.dtype(np.float64))})
