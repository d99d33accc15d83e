"""What the rules read of values of any library, and the constants they build for them.

The rules' helpers that build constants (identities, triangles, weights) make them with
NumPy and hand them to ``constant_like``, which keeps a NumPy constant for NumPy values and
moves it to the library and device of another library's array; the checks that read
values (of eigenvalue gaps, of ranks) read a NumPy copy, ``to_host``.

Examples:
    >>> import array_api_strict as xs
    >>> from paralens.numpy._backend import constant_like
    >>> constant_like(np.eye(2), xs.asarray([1.0]))
    Array([[1., 0.],
           [0., 1.]], dtype=array_api_strict.float64)
    >>> numpy_dtype(xs.asarray([1.0], dtype=xs.float32))
    dtype('float32')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from paralens._core import plain_value
from paralens._core._backends import BACKENDS, NATIVE, is_backend_type
from paralens.numpy._backend import is_var_or_foreign, to_numpy


def numpy_dtype(x: Any) -> np.dtype[Any]:
    """The NumPy dtype of ``x`` (a plain value of any library)."""
    if type(x) in BACKENDS:
        return np.dtype(str(x.dtype).rpartition(".")[2])
    return np.result_type(x)


def to_host(x: Any) -> np.ndarray:
    """A NumPy copy of a plain value of any library, for the checks that read values."""
    if type(x) in BACKENDS:
        return np.asarray(to_numpy(x))
    return np.asarray(x)


def on_numpy(*values: Any) -> bool:
    """Whether NumPy's own function computes ``values`` as they are: none is traced, and
    none is an array of another library (which the differentiable path computes with its
    library's functions instead; see ``_backend.is_var_or_foreign``)."""
    return all(type(v) in NATIVE or not is_var_or_foreign(v) for v in values)


SCIPY_ONLY = "SciPy computes on NumPy arrays only"
"""Why ``paralens.scipy``'s functions refuse other libraries' arrays."""


def refuse_other_libraries(function: str, why: str, *values: Any) -> None:
    """Raise, naming ``function`` and the library, if one of ``values`` (traced or not) is
    an array of another library, on which ``function`` does not compute.

    Raises:
        TypeError: naming the function, the library and why, with the fix.
    """
    for v in values:
        plain = plain_value(v)
        if type(plain) not in NATIVE and is_backend_type(type(plain)):
            library = type(plain).__module__.partition(".")[0]
            raise TypeError(
                f"{function} computes only on NumPy arrays, not on arrays of {library}: "
                f"{why}. Convert its "
                f"arguments with paralens.numpy.to_numpy(...) first (and the answer back "
                f"with paralens.numpy.asarray_like)"
            )
