"""Composite operations: plain Python over the primitives, with no rules of their own.

Each is differentiable because what it calls is; on plain arrays each gives NumPy's
result.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np

from paralens._ad import stop_gradient
from paralens._core import plain_value
from paralens._core._var import TracedConversionError
from paralens.numpy._backend import is_var_or_foreign, namespace_of
from paralens.numpy._complex import imag, is_complex, real
from paralens.numpy._creation import asarray, cast
from paralens.numpy._einsum import explicit_subscripts
from paralens.numpy._elementwise import exp, multiply, sqrt
from paralens.numpy._indexing import getitem
from paralens.numpy._linalg import LETTERS, det_phase, einsum_operands, logabsdet, matmul
from paralens.numpy._reductions import count, log_softmax, mean, sum
from paralens.numpy._shape import (
    concatenate_arrays,
    expand_dims,
    ndim,
    reshape,
    shape,
    size,
    transpose,
)

# The one stop_gradient, under the name pnp has always given it.
stop_gradient_array = stop_gradient

# Reductions.


def var(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Any:
    """The variance of ``x`` over ``axis``, with ``ddof`` as in NumPy (real for complex ``x``).

    Examples:
        >>> float(var(np.array([1.0, 2.0, 3.0, 4.0])))
        1.25
        >>> float(var(np.array([1.0, 2.0, 3.0, 4.0]), ddof=1))
        1.6666666666666667
    """
    centred = x - mean(x, axis, True)
    n = size(x) if axis is None else count(shape(x), axis)
    if is_complex(x):
        # |c|**2 as NumPy computes it, the squares of the parts added.
        squares = real(centred) * real(centred) + imag(centred) * imag(centred)
    else:
        squares = centred * centred
    return sum(squares, axis, keepdims) / (n - ddof)


def std(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Any:
    """The standard deviation of ``x`` over ``axis`` (``sqrt`` of ``var``).

    Examples:
        >>> float(std(np.array([1.0, 3.0])))
        1.0
    """
    variance = var(x, axis, keepdims, ddof)
    if (size(x) if axis is None else count(shape(x), axis)) == 1:
        # One entry: its distance from the mean is 0 whatever it is, so is the derivative
        # (which sqrt's at 0 would make nan).
        return variance
    return sqrt(variance)


def softmax(x: Any, axis: int = -1) -> Any:
    """Probabilities from logits along ``axis``, stable for large inputs.

    Examples:
        >>> softmax(np.array([0.0, np.log(3.0)]))
        array([0.25, 0.75])
    """
    return exp(log_softmax(x, axis))


# Shapes.


def ravel(x: Any) -> Any:
    """``x`` flattened to one axis.

    Examples:
        >>> ravel(np.array([[1.0, 2.0], [3.0, 4.0]]))
        array([1., 2., 3., 4.])
    """
    return reshape(x, (-1,))


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """``x`` with two axes exchanged (a ``transpose``).

    Examples:
        >>> swapaxes(np.ones((2, 3, 4)), 0, 2).shape
        (4, 3, 2)
    """
    axes = list(range(ndim(x)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, tuple(axes))


def moveaxis(x: Any, source: Any, destination: Any) -> Any:
    """``x`` with axes ``source`` moved to ``destination`` (ints or sequences; a ``transpose``).

    Examples:
        >>> moveaxis(np.ones((2, 3, 4)), 0, -1).shape
        (3, 4, 2)
        >>> moveaxis(np.ones((2, 3, 4)), [0, 1], [-1, -2]).shape
        (4, 3, 2)
    """
    n = ndim(x)
    sources = [source % n] if isinstance(source, int) else [s % n for s in source]
    destinations = (
        [destination % n] if isinstance(destination, int) else [d % n for d in destination]
    )
    if len(sources) != len(destinations):
        raise ValueError(
            f"moveaxis: source {source!r} and destination {destination!r} must name the "
            f"same number of axes"
        )
    axes = [i for i in range(n) if i not in sources]
    for d, s in sorted(zip(destinations, sources, strict=True)):
        axes.insert(d, s)
    return transpose(x, tuple(axes))


def concatenate(arrays: Any, axis: int | None = 0) -> Any:
    """Join a sequence of arrays along an existing axis (``None``: flattened first).

    Examples:
        >>> concatenate([np.ones(2), np.zeros(1)])
        array([1., 1., 0.])
        >>> concatenate([np.ones((2, 2)), np.zeros(1)], axis=None)
        array([1., 1., 1., 1., 0.])
    """
    if axis is None:
        return concatenate_arrays(0, *(ravel(a) for a in arrays))
    return concatenate_arrays(axis, *arrays)


def stack(
    arrays: Any, axis: int = 0, out: Any = None, *, dtype: Any = None, casting: Any = "same_kind"
) -> Any:
    """``numpy.stack``: join same-shaped arrays along a new axis, traced ones too.

    An array may be given as a nested sequence holding traced values (``[x, 2 * x]``);
    each is made an array by ``asarray`` first.

    Raises:
        TypeError: ``out=`` with traced arrays (a plain array cannot hold them).

    Examples:
        >>> stack([np.ones(2), np.zeros(2)], axis=1)
        array([[1., 0.],
               [1., 0.]])
        >>> import paralens
        >>> paralens.grad(lambda x: stack([[x, 1.0], [2.0, x]]).sum())(0.5)
        2.0
    """
    if not any(is_var_or_foreign(a) for a in arrays):
        try:
            return np.stack(arrays, axis, out, dtype=dtype, casting=casting)
        except TracedConversionError:
            pass  # a traced value inside one of them
    if out is not None:
        raise TypeError("stack: out= cannot hold traced arrays; use the returned array")
    parts = [asarray(a) for a in arrays]
    stacked = concatenate([expand_dims(p, axis) for p in parts], axis)
    return stacked if dtype is None else cast(stacked, dtype)


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """Split ``x`` into pieces along ``axis`` (slices of ``x``, each differentiable).

    Examples:
        >>> split(np.arange(4.0), [1, 3])
        [array([0.]), array([1., 2.]), array([3.])]
    """
    n = shape(x)[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ValueError(
                f"split: {n} entries along axis {axis} do not divide into "
                f"{indices_or_sections} equal sections"
            )
        step = n // indices_or_sections
        bounds = list(range(0, n + 1, step))
    else:
        bounds = [0, *indices_or_sections, n]
    index = [slice(None)] * ndim(x)
    pieces = []
    for lo, hi in itertools.pairwise(bounds):
        index[axis] = slice(lo, hi)
        pieces.append(x[tuple(index)])
    return pieces


def astype(
    x: Any,
    dtype: Any,
    order: Any = "K",
    casting: Any = "unsafe",
    subok: bool = True,
    copy: bool = True,
) -> Any:
    """``x`` converted to ``dtype``, as ``ndarray.astype``.

    To a floating or complex dtype the cotangent converts back to ``x``'s dtype; to an
    integer or boolean dtype the result is a constant, whose derivative is zero.
    ``copy=False`` returns ``x`` itself where it already has ``dtype``.

    Examples:
        >>> astype(np.array([1.0, 2.0]), np.float32)
        array([1., 2.], dtype=float32)
        >>> import paralens
        >>> paralens.grad(lambda x: sum(astype(x, int) * x))(np.array([1.5, 2.5]))
        array([1., 2.])
    """
    if not is_var_or_foreign(x):
        return np.asarray(x).astype(dtype, order=order, casting=casting, subok=subok, copy=copy)
    return cast(x, dtype, copy)


# Indexing.


def take(x: Any, indices: Any, axis: Any = None) -> Any:
    """Elements of ``x`` at ``indices`` along ``axis`` (gather; scatter-add in reverse).

    Examples:
        >>> take(np.array([[1.0, 2.0], [3.0, 4.0]]), [1, 1], axis=1)
        array([[2., 2.],
               [4., 4.]])
    """
    if axis is None:
        return getitem(ravel(x), indices)
    index = [slice(None)] * ndim(x)
    index[axis] = indices
    return getitem(x, tuple(index))


# Products.


def dot(x: Any, y: Any) -> Any:
    """``numpy.dot`` (a ``matmul`` or a ``tensordot`` when traced).

    Examples:
        >>> float(dot(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
        11.0
    """
    if not (is_var_or_foreign(x) or is_var_or_foreign(y)):
        return np.dot(x, y)
    if ndim(x) == 0 or ndim(y) == 0:
        return multiply(x, y)
    if ndim(x) <= 2 and ndim(y) <= 2:
        return matmul(x, y)
    return tensordot(x, y, axes=([ndim(x) - 1], [ndim(y) - 2 if ndim(y) > 1 else 0]))


def outer(x: Any, y: Any) -> Any:
    """The outer product of two vectors (flattened first, as in NumPy).

    Examples:
        >>> outer(np.array([1.0, 2.0]), np.array([1.0, 10.0, 100.0]))
        array([[  1.,  10., 100.],
               [  2.,  20., 200.]])
    """
    return multiply(expand_dims(ravel(x), 1), expand_dims(ravel(y), 0))


def inner(x: Any, y: Any) -> Any:
    """``numpy.inner``: contracts the last axes, the shape is ``x.shape[:-1] + y.shape[:-1]``.

    Examples:
        >>> float(inner(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
        11.0
        >>> inner(np.ones((2, 3)), np.ones((4, 3))).shape
        (2, 4)
    """
    if not (is_var_or_foreign(x) or is_var_or_foreign(y)):
        return np.inner(x, y)
    if ndim(x) == 0 or ndim(y) == 0:
        return multiply(x, y)
    return tensordot(x, y, axes=([-1], [-1]))


def einsum(*operands: Any, **kwargs: Any) -> Any:
    """``numpy.einsum``: explicit or implicit subscripts, ellipses, or NumPy's sublists.

    On traced operands the keyword ``optimize`` is accepted and the contraction is left
    to NumPy's default order.

    Raises:
        TypeError: a keyword other than ``optimize``, with traced operands.

    Examples:
        >>> einsum('ij,j->i', np.eye(2), np.array([5.0, 6.0]))
        array([5., 6.])
        >>> float(einsum('ii', np.array([[1.0, 2.0], [3.0, 4.0]])))
        5.0
        >>> einsum('...i,...i->...', np.ones((2, 3)), np.ones(3))
        array([3., 3.])
        >>> einsum(np.ones((2, 3)), [0, 1], [1])
        array([2., 2., 2.])
    """
    if not any(is_var_or_foreign(o) for o in operands):
        return np.einsum(*operands, **kwargs)
    if set(kwargs) - {"optimize"}:
        raise TypeError(
            f"pnp.einsum of traced operands takes no {sorted(set(kwargs) - {'optimize'})}; "
            f"a result is a new value (convert it with pnp.astype)"
        )
    subscripts, arrays = explicit_subscripts(operands)
    return einsum_operands(subscripts, *arrays)


def tensordot(x: Any, y: Any, axes: Any = 2) -> Any:
    """``numpy.tensordot`` (an ``einsum`` when traced).

    Examples:
        >>> tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
        (2, 4)
    """
    if not (is_var_or_foreign(x) or is_var_or_foreign(y)):
        return np.tensordot(x, y, axes)
    nx, ny = ndim(x), ndim(y)
    if isinstance(axes, int):
        ax = list(range(nx - axes, nx))
        ay = list(range(axes))
    else:
        ax = [axes[0]] if isinstance(axes[0], int) else list(axes[0])
        ay = [axes[1]] if isinstance(axes[1], int) else list(axes[1])
    ax = [a % nx for a in ax]
    ay = [a % ny for a in ay]
    letters = iter(LETTERS)
    sx = [next(letters) for _ in range(nx)]
    sy = [next(letters) for _ in range(ny)]
    for a, b in zip(ax, ay, strict=True):
        sy[b] = sx[a]
    out = [c for i, c in enumerate(sx) if i not in ax] + [
        c for i, c in enumerate(sy) if i not in ay
    ]
    return einsum("".join(sx) + "," + "".join(sy) + "->" + "".join(out), x, y)


def kron(a: Any, b: Any) -> Any:
    """``numpy.kron``: the Kronecker product, blocks of ``b`` scaled by the entries of ``a``.

    Examples:
        >>> kron(np.array([1.0, 10.0]), np.array([1.0, 2.0]))
        array([ 1.,  2., 10., 20.])
    """
    if not (is_var_or_foreign(a) or is_var_or_foreign(b)):
        return np.kron(a, b)
    nd = max(ndim(a), ndim(b))
    if ndim(a) == 0 or ndim(b) == 0:
        return multiply(a, b)
    # Both with nd axes, then interleaved: a's axes at even places, b's at odd ones.
    a_shape = (1,) * (nd - ndim(a)) + shape(a)
    b_shape = (1,) * (nd - ndim(b)) + shape(b)
    a = expand_dims(reshape(a, a_shape), tuple(range(1, 2 * nd, 2)))
    b = expand_dims(reshape(b, b_shape), tuple(range(0, 2 * nd, 2)))
    return reshape(multiply(a, b), tuple(m * n for m, n in zip(a_shape, b_shape, strict=True)))


def cross(
    a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: Any = None
) -> Any:
    """``numpy.cross``: the cross product of (arrays of) vectors of 3 (or 2) components.

    Examples:
        >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
        array([0., 0., 1.])
    """
    if not (is_var_or_foreign(a) or is_var_or_foreign(b)):
        return np.cross(a, b, axisa, axisb, axisc, axis)
    if axis is not None:
        axisa = axisb = axisc = axis
    if ndim(a) < 1 or ndim(b) < 1:
        raise ValueError("cross: at least one array has zero dimension")
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    m, n = shape(a)[-1], shape(b)[-1]
    if m not in (2, 3) or n not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n(dimension must be 2 or 3)")
    if m == 2 or n == 2:
        warnings.warn(
            "Arrays of 2-dimensional vectors are deprecated. Use arrays of "
            "3-dimensional vectors instead. (deprecated in NumPy 2.0)",
            DeprecationWarning,
            stacklevel=2,
        )
    a0, a1, b0, b1 = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    if m == 2 and n == 2:
        return a0 * b1 - a1 * b0
    if m == 2:
        b2 = b[..., 2]
        parts = [a1 * b2, -(a0 * b2), a0 * b1 - a1 * b0]
    elif n == 2:
        a2 = a[..., 2]
        parts = [-(a2 * b1), a2 * b0, a0 * b1 - a1 * b0]
    else:
        a2, b2 = a[..., 2], b[..., 2]
        parts = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0]
    return moveaxis(stack(parts, -1), -1, axisc)


def slogdet(a: Any) -> tuple[Any, Any]:
    """``(sign, logabsdet)`` as NumPy's ``SlogdetResult``; the sign of a real matrix is
    piecewise constant (no gradient), that of a complex one the phase ``det / |det|``.

    Examples:
        >>> sign, logabsdet = slogdet(np.array([[0.0, 2.0], [3.0, 0.0]]))
        >>> float(sign), float(logabsdet) == float(np.log(6.0))
        (-1.0, True)
    """
    if namespace_of(a) is not None:
        logabs = logabsdet(a)  # another library's array: its form, or a TypeError naming it
    result = np.linalg.slogdet(plain_value(a))
    if not is_var_or_foreign(a):
        return result
    sign = det_phase(a) if np.iscomplexobj(result[0]) else result[0]
    return type(result)(sign, logabs if namespace_of(a) is not None else logabsdet(a))
