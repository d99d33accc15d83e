"""Making arrays, dtypes and constants: NumPy's own, and arrays of traced values.

On plain inputs every function here is NumPy's. ``array``, ``asarray``, ``full`` and
``full_like`` also take traced values, anywhere in a nested sequence: they build one
traced array (the primitive ``array``, whose rule hands each element its part of the
cotangent), never an object array of Vars. Functions that read an array's shape or
order (``zeros_like``, ``argmax``, ...) have no derivative: traced arguments are read
through to their values, and the result is a plain array.

Examples:
    >>> import paralens
    >>> paralens.grad(lambda x: array(x * 2.0))(1.0)
    2.0
    >>> paralens.jacobian(lambda x: array([x[0] * x[1], x[0]]))(np.array([1.0, 2.0]))
    array([[2., 1.],
           [1., 0.]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import is_var, nondifferentiable, plain_value, primitive
from paralens._core._backends import BACKEND_COPY
from paralens._core._var import TracedConversionError
from paralens._core._vspace import is_node
from paralens.numpy._backend import (
    dtype_named_in,
    is_inexact_dtype,
    is_var_or_foreign,
    namespace_of,
)
from paralens.numpy._elementwise import add as _add
from paralens.numpy._shape import astype_dtype, reshape

zeros_like: Callable[..., Any] = nondifferentiable(np.zeros_like)
ones_like: Callable[..., Any] = nondifferentiable(np.ones_like)
argmax: Callable[..., Any] = nondifferentiable(np.argmax)
argmin: Callable[..., Any] = nondifferentiable(np.argmin)
argsort: Callable[..., Any] = nondifferentiable(np.argsort)
zeros = np.zeros
ones = np.ones
arange = np.arange
eye = np.eye
float32 = np.float32
float64 = np.float64
int64 = np.int64
pi = np.pi
e = np.e
inf = np.inf
nan = np.nan
ndarray = np.ndarray

# A cast to a dtype that carries no derivative (integers, booleans): a plain result.
cast_constant: Callable[..., Any] = nondifferentiable(lambda x, dtype: np.asarray(x).astype(dtype))


def cast(x: Any, dtype: Any, copy: bool = True) -> Any:
    """Traced ``x`` as ``dtype``: differentiable to a floating or complex dtype (the
    cotangent is converted back), a constant for any other (integers, booleans), whose
    derivative is zero.

    Examples:
        >>> import paralens
        >>> paralens.grad(lambda x: (cast(x, np.float32) + cast(x, int)).sum())(np.ones(2))
        array([1., 1.])
    """
    if namespace_of(x) is not None:
        # Another library's array: the target in its dtypes (NumPy's, named there).
        target = dtype_named_in(namespace_of(x), dtype)
        if not is_inexact_dtype(target, x):
            return cast_constant(x, target)
        return x if not copy and plain_value(x).dtype == target else astype_dtype(x, target)
    target = np.dtype(dtype)
    if target.kind not in "fc":
        return cast_constant(x, target)
    if not copy and np.result_type(plain_value(x)) == target:
        return x
    return astype_dtype(x, target)


def _pack(shape: tuple[int, ...], *elements: Any) -> Any:
    """The array of ``shape`` whose entries, in C order, are those of ``elements``."""
    return np.concatenate([np.ravel(e) for e in elements]).reshape(shape)


# The elements are separate arguments, so that each gets its own gradient (its rules
# are in _vjps.py and _jvps.py).
pack = primitive(_pack, "array")


_plus: Callable[..., Any] = _add


def _holds_var(x: Any) -> bool:
    """Whether ``x`` holds traced values or arrays of another library (which NumPy's
    functions would turn into its own)."""
    if is_var_or_foreign(x):
        return True
    return type(x) in (list, tuple) and any(_holds_var(item) for item in x)


def _elements(x: Any) -> tuple[list[Any], tuple[int, ...]]:
    """The elements of a nested sequence holding traced values, in C order, and its shape.

    An element is a traced value or a plain part of the sequence, as an array; all the
    items of one level must have one shape, as in NumPy.
    """
    if is_var_or_foreign(x):
        if is_node(plain_value(x)):
            raise TypeError(
                f"a traced {type(plain_value(x)).__name__} cannot be an element of an "
                f"array; build the array from its parts (v[0], v[1], ...)"
            )
        return [x], tuple(np.shape(plain_value(x)))
    if type(x) in (list, tuple) and _holds_var(x):
        parts = [_elements(item) for item in x]
        shapes = [s for _, s in parts]
        if any(s != shapes[0] for s in shapes):
            raise ValueError(
                f"the items of a sequence made into an array must have one shape; got "
                f"shapes {shapes} (NumPy refuses such inhomogeneous sequences too)"
            )
        return [e for part, _ in parts for e in part], (len(x), *shapes[0])
    plain = np.asarray(x)
    return [plain], plain.shape


def _traced_array(x: Any, dtype: Any, ndmin: int, copy: bool | None = False) -> Any:
    """``x``, holding traced values, as one traced array (of ``dtype``, ``ndmin`` axes)."""
    if is_var(x) and not is_node(plain_value(x)):
        out = x
    elif type(x) in BACKEND_COPY:  # an array of another library, as it is (a copy)
        out = BACKEND_COPY[type(x)](x) if copy else x
    else:
        elements, shape = _elements(x)
        out = pack(shape, *elements)
    if dtype is not None:
        out = cast(out, dtype)
    missing = ndmin - len(np.shape(plain_value(out)))
    if missing > 0:
        out = reshape(out, (1,) * missing + tuple(np.shape(plain_value(out))))
    return out


def array(
    object: Any,  # noqa: A002 (NumPy's name for it)
    dtype: Any = None,
    *,
    copy: bool | None = True,
    order: Any = "K",
    subok: bool = False,
    ndmin: int = 0,
    like: Any = None,
) -> Any:
    """``numpy.array``, which also makes one traced array of traced values.

    ``object`` may hold traced values anywhere in a nested list or tuple (``[x, 2 * x]``,
    ``[[x[0], 1.0], [0.0, x[1]]]``); the result is differentiable in each of them. On
    plain values it is NumPy's own result.

    Raises:
        ValueError: the items of one level of ``object`` have different shapes.

    Examples:
        >>> array([[1, 2], [3, 4]], dtype=float)
        array([[1., 2.],
               [3., 4.]])
        >>> import paralens
        >>> paralens.grad(lambda x: sum(array([x, 2.0 * x, 1.0])))(3.0)
        3.0
    """
    if type(object) is not np.ndarray and _holds_var(object):
        return _traced_array(object, dtype, ndmin, copy)
    try:
        return np.array(object, dtype, copy=copy, order=order, subok=subok, ndmin=ndmin, like=like)
    except TracedConversionError:
        return _traced_array(object, dtype, ndmin)


def asarray(a: Any, dtype: Any = None, order: Any = None, **kwargs: Any) -> Any:
    """``numpy.asarray``, which also makes one traced array of traced values (see ``array``).

    Examples:
        >>> x = np.ones(2)
        >>> asarray(x) is x
        True
        >>> import paralens
        >>> paralens.grad(lambda v: asarray([v, v]).sum())(1.0)
        2.0
    """
    if type(a) is not np.ndarray and _holds_var(a):
        return _traced_array(a, dtype, 0)
    try:
        return np.asarray(a, dtype, order, **kwargs)
    except TracedConversionError:
        return _traced_array(a, dtype, 0)


def full(shape: Any, fill_value: Any, dtype: Any = None, order: Any = "C", **kwargs: Any) -> Any:
    """``numpy.full``, differentiable in a traced ``fill_value`` (broadcast to ``shape``).

    Raises:
        ValueError: ``fill_value`` does not broadcast to ``shape``.

    Examples:
        >>> full((2,), 7.0)
        array([7., 7.])
        >>> import paralens
        >>> paralens.grad(lambda v: full((2, 3), v).sum())(1.0)
        6.0
    """
    if not _holds_var(fill_value):
        return np.full(shape, fill_value, dtype, order, **kwargs)
    fill = asarray(fill_value)
    target = (shape,) if isinstance(shape, int) else tuple(shape)
    fill_shape = tuple(np.shape(plain_value(fill)))
    try:
        fits = np.broadcast_shapes(fill_shape, target) == target
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"full: a fill value of shape {fill_shape} does not broadcast to the shape {target}"
        )
    fill_dtype: Any = np.result_type(plain_value(fill))
    filled = _plus(np.zeros(target, fill_dtype), fill)
    return filled if dtype is None else cast(filled, dtype)


def full_like(a: Any, fill_value: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:
    """``numpy.full_like``: differentiable in a traced ``fill_value``, constant in ``a``.

    Examples:
        >>> full_like(np.zeros(2, dtype=np.float32), 3.0)
        array([3., 3.], dtype=float32)
        >>> import paralens
        >>> paralens.grad(lambda v: full_like(np.zeros(3), v).sum())(1.0)
        3.0
    """
    if not _holds_var(fill_value):
        return np.full_like(plain_value(a), fill_value, dtype, *args, **kwargs)
    shape = kwargs.get("shape") or np.shape(plain_value(a))
    return full(shape, fill_value, dtype if dtype is not None else np.result_type(plain_value(a)))
