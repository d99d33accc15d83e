"""More forms of ``paralens.numpy``'s primitives on the arrays of other libraries: the
elementwise functions the standard lacks (written from its functions), the predicates,
the functions of indices and orders, and the primitives whose index or shape arguments
are no data (``getitem``, ``index_add``), which may be NumPy's or Python's beside the
library's arrays.

Written as ``_backend_forms.py``'s, with the namespace ``xp`` of the arguments' arrays.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from paralens._core import primitive_of
from paralens._core._backends import BACKENDS, defbackend, on_arrays_of
from paralens.numpy import _complex, _creation, _elementwise, _indexing, _logic
from paralens.numpy._backend import to_numpy
from paralens.numpy._backend_forms import real_only

# ---- Elementwise -------------------------------------------------------------------------


def _is_complex(xp: Any, x: Any) -> bool:
    return hasattr(x, "dtype") and bool(xp.isdtype(x.dtype, "complex floating"))


def _imag(xp: Any, x: Any) -> Any:
    return xp.imag(x) if _is_complex(xp, x) else xp.zeros_like(x)


def _angle(xp: Any, x: Any) -> Any:
    if _is_complex(xp, x):
        return xp.atan2(xp.imag(x), xp.real(x))
    return xp.atan2(xp.zeros_like(x), x)


def _fmod(xp: Any, x: Any, y: Any) -> Any:
    # C's fmod: the remainder of |x| by |y| (exact), with the sign of x.
    r = xp.remainder(xp.abs(x), xp.abs(y))
    return xp.where(x < 0, -r, r)


def _nan_aware(extremum: str) -> Any:
    def form(xp: Any, x: Any, y: Any) -> Any:
        both = getattr(xp, extremum)(x, y)
        return xp.where(xp.isnan(y), x, xp.where(xp.isnan(x), y, both))

    return form


def _sinc(xp: Any, x: Any) -> Any:
    px = math.pi * xp.where(x == 0, xp.ones_like(x), x)
    return xp.where(x == 0, xp.ones_like(x), xp.sin(px) / px)


def _scaled(factor: float) -> Any:
    return lambda xp, x: x * factor


def _nan_to_num(xp: Any, x: Any, nan: Any, posinf: Any, neginf: Any) -> Any:
    if _is_complex(xp, x):
        real = _nan_to_num(xp, xp.real(x), nan, posinf, neginf)
        imag = _nan_to_num(xp, xp.imag(x), nan, posinf, neginf)
        return real + 1j * imag
    if not xp.isdtype(x.dtype, "real floating"):
        return x
    finfo = xp.finfo(x.dtype)
    posinf = finfo.max if posinf is None else posinf
    neginf = finfo.min if neginf is None else neginf
    x = xp.where(xp.isnan(x), xp.asarray(nan, dtype=x.dtype, device=x.device), x)
    x = xp.where(x == math.inf, xp.asarray(posinf, dtype=x.dtype, device=x.device), x)
    return xp.where(x == -math.inf, xp.asarray(neginf, dtype=x.dtype, device=x.device), x)


def _round(xp: Any, x: Any, decimals: int = 0) -> Any:
    if decimals == 0:
        return xp.round(x)
    scale = 10.0**decimals
    return xp.round(x * scale) / scale


# ---- Predicates and indices --------------------------------------------------------------


def _iscomplex(xp: Any, x: Any) -> Any:
    return _imag(xp, x) != 0


def _isreal(xp: Any, x: Any) -> Any:
    return _imag(xp, x) == 0


def _isclose(
    xp: Any, a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Any:
    close = xp.abs(a - b) <= atol + rtol * xp.abs(b)
    close = xp.logical_or(close, a == b)  # equal infinities
    if equal_nan:
        close = xp.logical_or(close, xp.logical_and(xp.isnan(a), xp.isnan(b)))
    return close


def _allclose(xp: Any, a: Any, b: Any, *args: Any, **kwargs: Any) -> bool:
    return bool(xp.all(_isclose(xp, a, b, *args, **kwargs)))


def _array_equal(xp: Any, a: Any, b: Any, equal_nan: bool = False) -> bool:
    if tuple(getattr(a, "shape", ())) != tuple(getattr(b, "shape", ())):
        return False
    return bool(xp.all(a == b))


def _array_equiv(xp: Any, a: Any, b: Any) -> bool:
    try:
        np.broadcast_shapes(tuple(getattr(a, "shape", ())), tuple(getattr(b, "shape", ())))
    except ValueError:
        return False
    return bool(xp.all(a == b))


def _flat(xp: Any, x: Any) -> Any:
    return xp.reshape(x, (-1,))


def _nonzero(xp: Any, x: Any) -> Any:
    return xp.nonzero(x if x.ndim else _flat(xp, x))


def _argwhere(xp: Any, x: Any) -> Any:
    if x.ndim == 0:
        return xp.reshape(xp.nonzero(_flat(xp, x))[0], (-1, 0))
    return xp.stack(xp.nonzero(x), axis=-1)


def _count_nonzero(xp: Any, x: Any, axis: Any = None, *, keepdims: bool = False) -> Any:
    return xp.sum(xp.astype(x != 0, xp.int64), axis=axis, keepdims=keepdims)


def _arg(api_name: str) -> Any:
    def form(xp: Any, x: Any, axis: Any = None, *args: Any, **kwargs: Any) -> Any:
        if axis is None:
            x, axis = _flat(xp, x), -1 if api_name == "argsort" else None
        return getattr(xp, api_name)(x, axis=axis)

    return form


def _argsort(xp: Any, x: Any, axis: Any = -1, kind: Any = None, order: Any = None) -> Any:
    if axis is None:
        x, axis = _flat(xp, x), -1
    # NumPy's default sort is not stable, but on distinct entries every order agrees.
    return xp.argsort(x, axis=axis, stable=kind == "stable")


def _searchsorted(xp: Any, a: Any, v: Any, side: str = "left", sorter: Any = None) -> Any:
    if sorter is not None:
        a = xp.take(a, xp.asarray(np.array(to_numpy(sorter), copy=True), device=a.device))
    if not hasattr(v, "shape"):
        at = xp.searchsorted(a, xp.asarray([v], dtype=a.dtype, device=a.device), side=side)
        return xp.reshape(at, ())
    return xp.searchsorted(a, v, side=side)


def _all_or_any(api_name: str) -> Any:
    def form(xp: Any, x: Any, axis: Any = None, *args: Any, keepdims: bool = False) -> Any:
        axis = tuple(axis) if isinstance(axis, list) else axis
        return getattr(xp, api_name)(x, axis=axis, keepdims=keepdims)

    return form


# ---- Indexing: the index is no data -------------------------------------------------------


def _index_primitive_form(name: str, index_position: int, form: Any) -> Any:
    """An ``on_backend`` reading the library from the arguments but the index (NumPy
    arrays and lists there are positions, not values to mix)."""

    def on_backend(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        data = tuple(a for i, a in enumerate(args) if i != index_position)
        if not any(type(a) in BACKENDS for a in data):
            # Only the index is another library's: positions, read as NumPy's.
            plain = list(args)
            plain[index_position] = _index_as_numpy(args[index_position])
            return _numpy_form(form)(*plain)
        xp, _ = on_arrays_of(name, data)
        return form(xp, *args)

    return on_backend


def _numpy_form(form: Any) -> Any:
    return {_getitem: _indexing._getitem, _index_add: _indexing._index_add}[form]


def _getitem(xp: Any, x: Any, index: Any) -> Any:
    if _is_native(x, index):
        return x[_index_in(xp, index, x)]
    # The standard takes integer arrays only as a full set of them, and torch no negative
    # steps: gather by the flat positions the index selects (read from the index alone).
    positions = _positions(tuple(x.shape), index)
    flat = xp.take(_flat(xp, x), xp.asarray(positions.reshape(-1).copy(), device=x.device))
    return xp.reshape(flat, positions.shape)


def _index_add(xp: Any, shape_: Any, index: Any, g: Any) -> Any:
    shape_ = tuple(shape_)
    if _is_basic(index) and _is_native(g, index):
        out = xp.zeros(shape_, dtype=g.dtype, device=g.device)
        # The standard sets no new axes: they go, from the index and from g.
        kept = tuple(p for p in _parts(index) if p is not None)
        if len(kept) != len(_parts(index)):
            g = xp.reshape(g, np.zeros(shape_, dtype=bool)[kept].shape)
        out[_index_in(xp, kept, g)] = g
        return out
    n = math.prod(shape_)
    if _is_torch(g) and _is_native(g, index):
        # torch indexes (and scatters) on its own device: positions by its own indexing.
        at = xp.reshape(xp.arange(n, device=g.device), shape_)[_index_in(xp, index, g)]
        out = xp.zeros((n,), dtype=g.dtype, device=g.device)
        out.index_add_(0, _flat(xp, at), _flat(xp, xp.broadcast_to(g, at.shape)))
        return xp.reshape(out, shape_)
    positions = _positions(shape_, index)
    g_flat = _flat(xp, xp.broadcast_to(g, positions.shape))
    if _is_torch(g):
        out = xp.zeros((n,), dtype=g.dtype, device=g.device)
        out.index_add_(0, xp.asarray(positions.reshape(-1).copy(), device=g.device), g_flat)
        return xp.reshape(out, shape_)
    # The standard has no scatter-add: repeated positions add up through a matrix of ones.
    hits = positions.reshape(-1)[:, None] == np.arange(n)[None, :]
    ones = xp.astype(xp.asarray(hits, device=g.device), g.dtype)
    return xp.reshape(xp.matmul(g_flat, ones), shape_)


def _is_torch(x: Any) -> bool:
    return type(x).__module__.partition(".")[0] == "torch"


def _parts(index: Any) -> tuple[Any, ...]:
    return index if isinstance(index, tuple) else (index,)


def _is_basic(index: Any) -> bool:
    return all(
        p is None or p is Ellipsis or isinstance(p, int | slice | np.integer) for p in _parts(index)
    )


def _is_native(x: Any, index: Any) -> bool:
    """Whether the library indexes ``x`` by ``index`` itself: torch any index but negative
    steps, the others the standard's (no integer arrays beside slices)."""
    if _is_torch(x):
        return not any(isinstance(p, slice) and (p.step or 1) < 0 for p in _parts(index))
    return _is_basic(index)


def _positions(shape_: tuple[int, ...], index: Any) -> Any:
    """The flat positions in an array of ``shape_`` that ``index`` selects, as NumPy ints."""
    return np.arange(math.prod(shape_)).reshape(shape_)[_index_as_numpy(index)]


def _index_as_numpy(index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(_index_as_numpy(i) for i in index)
    if type(index) in BACKENDS:
        return np.asarray(to_numpy(index))
    return index


def _index_in(xp: Any, index: Any, like: Any) -> Any:
    """An index as the namespace takes it: NumPy arrays and lists in it as arrays of
    ``xp``, NumPy integers as ints, and a trailing ``...`` (the standard wants every axis
    indexed)."""
    out = []
    for i in _parts(index):
        if isinstance(i, np.ndarray | list):
            i = xp.asarray(np.array(i, copy=True), device=like.device)
        elif isinstance(i, np.integer):
            i = int(i)
        out.append(i)
    if not any(i is Ellipsis for i in out):
        out.append(Ellipsis)
    return tuple(out)


def _register() -> None:
    forms: dict[Any, Any] = {
        _elementwise.fmod: _fmod,
        _elementwise.fmax: real_only("fmax", _nan_aware("maximum")),
        _elementwise.fmin: real_only("fmin", _nan_aware("minimum")),
        _elementwise.sinc: _sinc,
        _elementwise.deg2rad: _scaled(math.pi / 180.0),
        _elementwise.rad2deg: _scaled(180.0 / math.pi),
        _elementwise.nan_to_num_values: _nan_to_num,
        _elementwise.round: _round,
        _elementwise.rint: lambda xp, x: xp.round(x),
        _elementwise.fix: lambda xp, x: xp.trunc(x),
        _complex.imag: _imag,
        _complex.angle_radians: _angle,
        _logic.iscomplex: _iscomplex,
        _logic.isreal: _isreal,
        _logic.iscomplexobj: lambda xp, x: _is_complex(xp, x),
        _logic.isrealobj: lambda xp, x: not _is_complex(xp, x),
        _logic.isscalar: lambda xp, x: False,
        _logic.isposinf: lambda xp, x: xp.logical_and(xp.isinf(x), x > 0),
        _logic.isneginf: lambda xp, x: xp.logical_and(xp.isinf(x), x < 0),
        _logic.isclose: _isclose,
        _logic.allclose: _allclose,
        _logic.array_equal: _array_equal,
        _logic.array_equiv: _array_equiv,
        _logic.flatnonzero: lambda xp, x: xp.nonzero(_flat(xp, x))[0],
        _logic.nonzero: _nonzero,
        _logic.argwhere: _argwhere,
        _logic.count_nonzero: _count_nonzero,
        _logic.searchsorted: _searchsorted,
        _logic.all: _all_or_any("all"),
        _logic.any: _all_or_any("any"),
        _creation.argmax: real_only("argmax", _arg("argmax")),
        _creation.argmin: real_only("argmin", _arg("argmin")),
        _creation.argsort: real_only("argsort", _argsort),
    }
    for fun, form in forms.items():
        defbackend(fun, form)
    for fun, position, form in (
        (_indexing.getitem, 1, _getitem),
        (_indexing.index_add, 1, _index_add),
    ):
        primitive_of(fun).on_backend = _index_primitive_form(primitive_of(fun).name, position, form)


_register()
