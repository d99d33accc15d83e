"""``ravel_pytree``: a structure of arrays as one flat vector, and the way back.

The vector holds the leaves' entries one after the other, in the order of
``tree_leaves``, in the dtype NumPy's ``concatenate`` gives them together (as HIPS
autograd's ``flatten``: float32 and float64 leaves give a float64 vector). Both ways are
differentiable, in both modes and to any order: ``ravel`` and its inverse are linear
primitives (``_ravel`` gathers, ``_piece`` reads one leaf back, ``_place`` writes one into
a vector of zeros), each rule written with the others.

Examples:
    >>> import paralens
    >>> params = {"w": np.ones((2, 2), dtype=np.float32), "b": 0.5}
    >>> flat, unravel = ravel_pytree(params)
    >>> flat
    array([1. , 1. , 1. , 1. , 0.5])
    >>> unravel(2 * flat)
    {'w': array([[2., 2.],
           [2., 2.]], dtype=float32), 'b': 1.0}
    >>> paralens.grad(lambda p: (ravel_pytree(p)[0] ** 2).sum())(params)
    {'w': array([[2., 2.],
           [2., 2.]], dtype=float32), 'b': 1.0}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import defjvp, defjvp_argnum, defvjp, defvjp_argnum, plain_value, primitive
from paralens._core._backends import defbackend
from paralens._core._vspace import is_integer
from paralens.tree._convert import dtype_of
from paralens.tree._treedef import tree_flatten

Layout = tuple[tuple[int, int, tuple[int, ...]], ...]  # (start, stop, shape) of each leaf


def _ravel_leaves(layout: Layout, dtype: Any, *leaves: Any) -> Any:
    flat = np.zeros(layout[-1][1] if layout else 0, dtype)
    for (start, stop, _), leaf in zip(layout, leaves, strict=True):
        flat[start:stop] = _real_if_needed(np.ravel(leaf), dtype)
    return flat


def _real_if_needed(x: Any, dtype: Any) -> Any:
    """``x`` to be stored as ``dtype``: its real part if ``x`` is complex and ``dtype`` not."""
    return np.real(x) if np.iscomplexobj(x) and np.dtype(dtype).kind != "c" else x


def _read_piece(flat: Any, start: int, stop: int, shape: tuple[int, ...], dtype: Any) -> Any:
    return _real_if_needed(flat[start:stop], dtype).reshape(shape).astype(dtype)


def _place_piece(
    part: Any, start: int, stop: int, size: int, dtype: Any, shape: tuple[int, ...]
) -> Any:
    out = np.zeros(size, dtype)
    out[start:stop] = _real_if_needed(np.ravel(part), dtype)
    return out


ravel_leaves = primitive(_ravel_leaves, "ravel_pytree")
piece = primitive(_read_piece, "unravel")
place = primitive(_place_piece, "place")


# The same three on arrays of another library, in its namespace ``xp`` (the dtypes
# given are NumPy's, named alike in every library of the array API).
def _in(xp: Any, dtype: Any) -> Any:
    return getattr(xp, np.dtype(dtype).name)


def _device_of(leaves: tuple[Any, ...]) -> Any:
    return next((x.device for x in leaves if hasattr(x, "device")), None)


def _flat_piece(xp: Any, x: Any, dtype: Any, device: Any) -> Any:
    x = xp.asarray(x, device=device)
    if xp.isdtype(x.dtype, "complex floating") and np.dtype(dtype).kind != "c":
        x = xp.real(x)
    return xp.reshape(xp.astype(x, _in(xp, dtype)), (-1,))


def _ravel_leaves_on(xp: Any, layout: Layout, dtype: Any, *leaves: Any) -> Any:
    device = _device_of(leaves)
    if not leaves:
        return xp.zeros(0, dtype=_in(xp, dtype))
    return xp.concat([_flat_piece(xp, leaf, dtype, device) for leaf in leaves])


def _read_piece_on(
    xp: Any, flat: Any, start: int, stop: int, shape: tuple[int, ...], dtype: Any
) -> Any:
    return xp.reshape(_flat_piece(xp, flat[start:stop], dtype, flat.device), shape)


def _place_piece_on(
    xp: Any, part: Any, start: int, stop: int, size: int, dtype: Any, shape: tuple[int, ...]
) -> Any:
    device, kind = part.device, _in(xp, dtype)
    pieces = [xp.zeros(start, dtype=kind, device=device), _flat_piece(xp, part, dtype, device)]
    return xp.concat([*pieces, xp.zeros(size - stop, dtype=kind, device=device)])


defbackend(ravel_leaves, _ravel_leaves_on)
defbackend(piece, _read_piece_on)
defbackend(place, _place_piece_on)


def _flat_meta(flat: Any) -> tuple[int, Any]:
    value = plain_value(flat)
    return int(np.prod(value.shape, dtype=int)), dtype_of(value)


def _ravel_vjp(argnum: int, g: Any, ans: Any, args: tuple[Any, ...], kwargs: Any) -> Any:
    layout = args[0]
    start, stop, shape = layout[argnum - 2]
    return piece(g, start, stop, shape, dtype_of(plain_value(args[argnum])))


def _ravel_jvp(argnum: int, t: Any, ans: Any, args: tuple[Any, ...], kwargs: Any) -> Any:
    layout, dtype = args[0], args[1]
    start, stop, shape = layout[argnum - 2]
    return place(t, start, stop, layout[-1][1], dtype, shape)


defvjp(ravel_leaves, None, None)
defvjp_argnum(ravel_leaves, _ravel_vjp, staged=False)
defjvp(ravel_leaves, None, None)
defjvp_argnum(ravel_leaves, _ravel_jvp)


def _piece_vjp(g: Any, ans: Any, flat: Any, start: int, stop: int, shape: Any, dtype: Any) -> Any:
    size, flat_dtype = _flat_meta(flat)
    return place(g, start, stop, size, flat_dtype, shape)


def _place_vjp(
    g: Any, ans: Any, part: Any, start: int, stop: int, size: int, dtype: Any, shape: Any
) -> Any:
    return piece(g, start, stop, shape, dtype_of(plain_value(part)))


defvjp(piece, _piece_vjp, saves=(0,), staged=False)
defjvp(piece, lambda t, ans, flat, start, stop, shape, dtype: piece(t, start, stop, shape, dtype))
defvjp(place, _place_vjp, saves=(0,), staged=False)
defjvp(
    place,
    lambda t, ans, part, start, stop, size, dtype, shape: place(t, start, stop, size, dtype, shape),
)


def ravel_pytree(x: Any) -> tuple[Any, Callable[[Any], Any]]:
    """``x``'s leaves as one vector, and ``unravel``, which rebuilds ``x`` from such a vector.

    Args:
        x: any registered structure of arrays and numbers, traced or not.

    Returns:
        ``(flat, unravel)``: ``flat`` is one-dimensional, the leaves' entries in the order
        of ``tree_leaves``, in the dtype NumPy's ``concatenate`` gives them (``float64``
        for an empty structure); ``unravel(v)`` takes a vector of ``flat``'s size and
        returns a value of ``x``'s structure, leaf types, shapes and dtypes (an integer
        leaf is cast back, and has a zero derivative). Both are differentiable.

    Raises:
        TypeError: a leaf is not a number or an array of numbers.
        ValueError: ``unravel`` is given a value that is not a vector of ``flat``'s size.

    Examples:
        >>> flat, unravel = ravel_pytree((np.arange(3.0), [2.0, np.int64(4)]))
        >>> flat
        array([0., 1., 2., 2., 4.])
        >>> unravel(np.zeros(5))
        (array([0., 0., 0.]), [0.0, np.int64(0)])
    """
    leaves, treedef = tree_flatten(x)
    plain = [plain_value(leaf) for leaf in leaves]
    dtypes = [dtype_of(p) for p in plain]
    for p, d in zip(plain, dtypes, strict=True):
        if d.kind not in "biufc":
            raise TypeError(
                f"ravel_pytree makes a vector of numbers and arrays of numbers; a leaf of "
                f"type {type(p).__name__} is neither (register it as a container of arrays "
                f"with paralens.tree.register_node to ravel its parts)"
            )
    dtype = np.result_type(*dtypes) if dtypes else np.dtype(np.float64)
    layout_list = []
    start = 0
    for p in plain:
        shape = tuple(np.shape(p))
        stop = start + int(np.prod(shape, dtype=int))
        layout_list.append((start, stop, shape))
        start = stop
    layout: Layout = tuple(layout_list)
    flat = ravel_leaves(layout, dtype, *leaves)
    size = start

    def unravel(vector: Any) -> Any:
        found = tuple(np.shape(plain_value(vector)))
        if found != (size,):
            raise ValueError(
                f"unravel takes a vector of {size} entries (the shape of ravel_pytree's "
                f"flat vector, ({size},)); got shape {found}"
            )
        parts = [
            _leaf_like(p, d, piece(vector, a, b, s, d))
            for p, d, (a, b, s) in zip(plain, dtypes, layout, strict=True)
        ]
        return treedef.unflatten(parts)

    return flat, unravel


def _leaf_like(primal: Any, dtype: Any, part: Any) -> Any:
    """``part`` (an array of ``primal``'s shape and dtype) as a leaf of ``primal``'s type."""
    if is_integer(primal):
        part = plain_value(part)  # an integer has no derivative
    if type(part) is not np.ndarray:
        return part  # traced (its value is the array), or another library's array
    if isinstance(primal, np.ndarray):
        return part
    if isinstance(primal, np.generic):
        return type(primal)(part[()])
    return type(primal)(part[()]) if isinstance(primal, int | float | complex) else part
