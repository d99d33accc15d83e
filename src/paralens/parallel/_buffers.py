"""Values as buffers: what travels in a collective.

A value (any structure of NumPy arrays and Python or NumPy numbers) is packed into one
contiguous one-dimensional buffer per dtype, its leaves laid end to end in flattening
order, and unpacked from buffers of the same layout back into its structure and leaf
types. Its *signature* names every leaf with its path, kind, dtype and shape (and the
value of integer leaves), so that ranks can check that they hold values of the same
layout before any data moves.

Examples:
    >>> import numpy as np
    >>> value = {"w": np.ones((2, 2), np.float32), "b": 0.5, "n": 3}
    >>> where = layout(value, "example")
    >>> {dtype: buffer.tolist() for dtype, buffer in where.pack().items()}
    {'<f4': [1.0, 1.0, 1.0, 1.0], '<f8': [0.5], '<i8': [3]}
    >>> print(where.signature.expandtabs(8))
    ['w']   array float32 (2, 2)
    ['b']   float float64 ()
    ['n']   int int64 ()
    >>> where.unpack({"<f4": np.zeros(4, np.float32), "<f8": np.array([2.0]),
    ...               "<i8": np.array([4])})
    {'w': array([[0., 0.],
           [0., 0.]], dtype=float32), 'b': 2.0, 'n': 4}

    A mean carries only the float and complex leaves, scaled by each rank's share as they
    are packed; the integer ones must be equal on every rank, so their values are part of
    the signature:

    >>> mean = layout(value, "allreduce_mean", inexact_only=True)
    >>> {dtype: buffer.tolist() for dtype, buffer in mean.pack(scale=0.5).items()}
    {'<f4': [0.5, 0.5, 0.5, 0.5], '<f8': [0.25]}
    >>> mean.signature.splitlines()[-1]
    "['n']\\tint int64 () = 3"
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from paralens.tree import TreeDef, asarray_like, tree_flatten, tree_leaves_with_path
from paralens.tree._convert import leaf_to_numpy, library_of

__all__ = ["Layout", "check", "digest", "layout"]

# The dtype kinds a collective carries: bool, signed and unsigned integers, floats, complex.
_KINDS = "biufc"
_INEXACT = "fc"


class _Slot(NamedTuple):
    """Where one leaf lies in its dtype's buffer, and how to rebuild it from there."""

    dtype: str
    start: int
    size: int
    shape: tuple[int, ...]
    rebuild: Callable[[np.ndarray, tuple[int, ...]], Any]


def _array(segment: np.ndarray, shape: tuple[int, ...]) -> Any:
    # A view of a fresh buffer: leaves lie in disjoint parts of it, so no two share memory.
    return segment.reshape(shape)


def _numpy_scalar(segment: np.ndarray, shape: tuple[int, ...]) -> Any:
    return segment[0]


def _python(kind: type) -> Callable[[np.ndarray, tuple[int, ...]], Any]:
    def rebuild(segment: np.ndarray, shape: tuple[int, ...]) -> Any:
        return kind(segment[0].item())

    return rebuild


_PYTHON_DTYPES: dict[type, np.dtype[Any]] = {
    bool: np.dtype(np.bool_),
    int: np.dtype(np.int64),
    float: np.dtype(np.float64),
    complex: np.dtype(np.complex128),
}


def _unsupported(what: str, path: str, leaf: Any) -> TypeError:
    dtype = getattr(leaf, "dtype", None)
    found = type(leaf).__name__ + (f" of dtype {dtype}" if dtype is not None else "")
    return TypeError(
        f"parallel.{what}: the leaf at {path or 'the root'} is a {found}; "
        f"collectives carry arrays (of booleans, integers, floats or complex "
        f"numbers) and Python or NumPy numbers. Convert it (e.g. np.asarray(x)) or leave "
        f"it out of the value"
    )


def _as_array(what: str, path: str, leaf: Any) -> tuple[np.ndarray, Callable[..., Any]]:
    """``leaf`` as an array, with the function that rebuilds a leaf of its type."""
    kind = type(leaf)
    if kind in _PYTHON_DTYPES:
        dtype = _PYTHON_DTYPES[kind]
        if kind is int and not np.iinfo(np.int64).min <= leaf <= np.iinfo(np.int64).max:
            raise TypeError(
                f"parallel.{what}: the int at {path or 'the root'} does not fit in 64 "
                f"bits ({leaf}); collectives carry 64-bit integers"
            )
        return np.asarray(leaf, dtype=dtype), _python(kind)
    if isinstance(leaf, np.ndarray) and leaf.dtype.kind in _KINDS:
        return leaf, _array
    if isinstance(leaf, np.generic) and leaf.dtype.kind in _KINDS:
        return np.asarray(leaf), _numpy_scalar
    if library_of(leaf) is not None:
        # Another library's array (a torch tensor, on the CPU or a GPU) travels as a
        # NumPy copy, and comes back an array of its library on its device.
        return leaf_to_numpy(leaf), _like(leaf)
    raise _unsupported(what, path, leaf)


def _like(leaf: Any) -> Callable[[np.ndarray, tuple[int, ...]], Any]:
    def rebuild(segment: np.ndarray, shape: tuple[int, ...]) -> Any:
        return asarray_like(segment.reshape(shape), leaf)

    return rebuild


def _describe(path: str, leaf: Any, array: np.ndarray, with_value: bool) -> str:
    if isinstance(leaf, np.ndarray):
        kind = "array"
    elif isinstance(leaf, np.generic):
        kind = "scalar"
    else:
        kind = type(leaf).__name__
    line = f"{path}\t{kind} {array.dtype} {array.shape}"
    if not with_value:
        return line
    if array.size <= 4:
        return f"{line} = {array.tolist()!r}" if array.ndim else f"{line} = {array.item()!r}"
    return f"{line} #{hashlib.blake2b(array.tobytes(), digest_size=6).hexdigest()}"


def _kept(leaf: Any) -> Any:
    if isinstance(leaf, np.ndarray):
        return leaf.copy()
    return asarray_like(leaf, leaf) if library_of(leaf) is not None else leaf


def check(value: Any, what: str) -> None:
    """Raise, naming its path, on a leaf of ``value`` that no collective can carry.

    Examples:
        >>> check({"w": np.zeros(2), "name": np.array(["mlp"])}, "broadcast")
        Traceback (most recent call last):
        ...
        TypeError: parallel.broadcast: the leaf at ['name'] is a ndarray of dtype <U3; collectives carry arrays (of booleans, integers, floats or complex numbers) and Python or NumPy numbers. Convert it (e.g. np.asarray(x)) or leave it out of the value
    """  # noqa: E501
    for path, leaf in tree_leaves_with_path(value):
        _as_array(what, path, leaf)


class Layout(NamedTuple):
    """How a value lies in one contiguous buffer per dtype.

    Attributes:
        treedef: the value's structure.
        leaves: its leaves, as given.
        arrays: each leaf as an array (Python numbers as 0-d arrays).
        slots: for each leaf, where it lies in the buffers (``None`` for a leaf that
            ``layout`` was asked to keep out of them).
        sizes: the dtype and number of elements of each buffer, keyed by the dtype's
            ``str``.
        signature: one line per leaf: its path, a tab, then its kind, dtype and shape.
    """

    treedef: TreeDef
    leaves: list[Any]
    arrays: list[np.ndarray]
    slots: list[_Slot | None]
    sizes: dict[str, tuple[np.dtype[Any], int]]
    signature: str

    def empty(self) -> dict[str, np.ndarray]:
        """New buffers of this layout, their contents undefined."""
        return {key: np.empty(n, dtype) for key, (dtype, n) in self.sizes.items()}

    def pack(self, scale: float | None = None) -> dict[str, np.ndarray]:
        """New buffers holding the leaves, each multiplied by ``scale`` if it is given
        (in the leaf's own precision: copy and product in one pass)."""
        buffers = self.empty()
        for array, slot in zip(self.arrays, self.slots, strict=True):
            if slot is None:
                continue
            segment = buffers[slot.dtype][slot.start : slot.start + slot.size]
            if scale is None:
                segment[...] = array.reshape(-1)
            else:
                factor = np.asarray(scale, dtype=np.finfo(array.dtype).dtype)
                np.multiply(array.reshape(-1), factor, out=segment)
        return buffers

    def unpack(self, buffers: dict[str, np.ndarray]) -> Any:
        """The value rebuilt from ``buffers`` of this layout (kept-out leaves as given)."""
        leaves = [
            _kept(leaf)
            if slot is None
            else slot.rebuild(buffers[slot.dtype][slot.start : slot.start + slot.size], slot.shape)
            for leaf, slot in zip(self.leaves, self.slots, strict=True)
        ]
        return self.treedef.unflatten(leaves)


def layout(value: Any, what: str, inexact_only: bool = False) -> Layout:
    """Where ``value``'s leaves lie, end to end, in one buffer per dtype.

    Args:
        value: any structure of NumPy arrays and Python or NumPy numbers.
        what: the operation, for error messages (``"allreduce_mean"``).
        inexact_only: put only float and complex leaves in the buffers; boolean and
            integer leaves are kept as they are, and their values enter the signature.

    Raises:
        TypeError: a leaf is of another type (the message names its path).
    """
    leaves, treedef = tree_flatten(value)
    paths = [path for path, _ in tree_leaves_with_path(value)]
    arrays = []
    sizes: dict[str, tuple[np.dtype[Any], int]] = {}
    slots: list[_Slot | None] = []
    lines = []
    for path, leaf in zip(paths, leaves, strict=True):
        array, rebuild = _as_array(what, path, leaf)
        arrays.append(array)
        # Leaves kept out (integers in a mean: counts, sizes) are constants that every
        # rank must agree on, so their values enter the signature.
        kept = inexact_only and array.dtype.kind not in _INEXACT
        lines.append(_describe(path, leaf, array, with_value=kept))
        if kept:
            slots.append(None)
            continue
        key = array.dtype.str
        start = sizes.get(key, (array.dtype, 0))[1]
        slots.append(_Slot(key, start, array.size, array.shape, rebuild))
        sizes[key] = (array.dtype, start + array.size)
    return Layout(treedef, leaves, arrays, slots, sizes, "\n".join(lines))


def digest(signature: str) -> int:
    """A 63-bit fingerprint of ``signature``, the same in every process (unlike ``hash``).

    Examples:
        >>> digest("array float64 (2,)") == digest("array float64 (2,)")
        True
        >>> 0 <= digest("x") < 2**63
        True
    """
    raw = hashlib.blake2b(signature.encode(), digest_size=8).digest()
    return int.from_bytes(raw, "little") >> 1
