"""Moving a whole structure between array libraries: its leaves to NumPy, or to the
library and device of a given array.

A structure's containers and its Python numbers and NumPy scalars are kept; only its
arrays move, each to a new array that shares no memory with the old one, of the same
dtype and shape. An array of another library (``torch.Tensor``, CuPy, JAX, an
``array_api_strict`` array) is recognised by ``paralens._core._backends``; on NumPy the
functions here cost one type test per leaf.

Examples:
    >>> import numpy as np, array_api_strict as xs
    >>> params = {"w": np.eye(2, dtype=np.float32), "steps": 3}
    >>> moved = asarray_like(params, xs.asarray(0.0))
    >>> moved["w"].dtype, moved["steps"]
    (array_api_strict.float32, 3)
    >>> back = to_numpy(moved)
    >>> type(back["w"]).__name__, bool((back["w"] == params["w"]).all())
    ('ndarray', True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from paralens._core import _backends
from paralens.tree._treedef import tree_map

__all__ = ["asarray_like", "dtype_of", "leaf_to_numpy", "library_of", "to_numpy"]


def library_of(x: Any) -> str | None:
    """The name of the library of array ``x`` when it is another library's (``"torch"``,
    ``"array_api_strict"``...), ``None`` for NumPy values and Python numbers."""
    if _backends.backend_of_type(type(x)) is None:
        return None
    return type(x).__module__.partition(".")[0]


def dtype_of(x: Any) -> np.dtype[Any]:
    """The NumPy dtype of leaf ``x``, of any library: ``float32`` for a float32 tensor."""
    if library_of(x) is None:
        return np.asarray(x).dtype
    return np.dtype(str(x.dtype).rpartition(".")[2])


def leaf_to_numpy(x: Any) -> Any:
    """``x`` as a NumPy array of its own (another library's array copied to the CPU);
    a NumPy array copied; a number or NumPy scalar as it is."""
    if type(x) is np.ndarray:
        return x.copy()
    library = library_of(x)
    if library is None:
        return x
    if library == "cupy":
        return x.get()
    if library == "torch":
        x = x.detach().cpu().resolve_conj().resolve_neg()
    # DLPack reads the array where it lies, without the __array__ conversion some
    # libraries refuse (array_api_strict off its CPU device).
    return np.array(np.from_dlpack(x), copy=True)


def to_numpy(tree: Any) -> Any:
    """``tree`` with every array a NumPy array (copied), other leaves as they are.

    Use it to save, print or compare parameters trained on another library, or to hand
    them to code that takes NumPy.

    Examples:
        >>> import array_api_strict as xs
        >>> to_numpy((xs.asarray([1.0, 2.0]), 0.5))
        (array([1., 2.]), 0.5)
    """
    return tree_map(leaf_to_numpy, tree)


def asarray_like(tree: Any, like: Any) -> Any:
    """``tree`` with every array an array of the library and device of ``like``.

    Arrays keep their dtype and shape and are copied; Python numbers and NumPy scalars
    are kept (a Python float stays a float). ``like`` a NumPy array (or a number) gives
    NumPy arrays, as ``to_numpy`` does.

    Args:
        tree: any structure of arrays (of any library) and numbers.
        like: an array of the library and on the device to move to, such as
            ``torch.zeros((), device="cuda")``.

    Raises:
        TypeError: ``like`` is not an array.

    Examples:
        >>> import numpy as np, array_api_strict as xs
        >>> asarray_like([np.ones(2), 1.5], xs.asarray([0.0]))
        [Array([1., 1.], dtype=array_api_strict.float64), 1.5]
    """
    xp = _backends.backend_of_type(type(like))
    if xp is None:
        if not (isinstance(like, np.ndarray | np.generic) or type(like) in (int, float, complex)):
            raise TypeError(
                f"asarray_like: like must be an array of the library to move to, got "
                f"{type(like).__name__}; e.g. asarray_like(params, torch.zeros(()))"
            )
        return to_numpy(tree)
    device = getattr(like, "device", None)

    def move(x: Any) -> Any:
        if type(x) is not np.ndarray and library_of(x) is None:
            return x
        return xp.asarray(leaf_to_numpy(x), device=device, copy=True)

    return tree_map(move, tree)
