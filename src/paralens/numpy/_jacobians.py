"""Jacobians and Hessians: whole matrices of derivatives, one transform per coordinate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._ad import argnums_tuple, jvp, vjp
from paralens._core import plain_value
from paralens._core._vspace import basis
from paralens.numpy._composites import stack
from paralens.numpy._shape import reshape


def _standard_basis(x: Any) -> tuple[tuple[int, ...], list[Any]]:
    """The shape of a float or array ``x`` and the standard basis of its space."""
    plain = plain_value(x)
    try:
        return np.shape(plain), basis(plain)
    except TypeError:
        raise TypeError(
            f"jacobians are defined here for scalars and arrays, not {type(plain).__name__}; "
            f"use vjp or jvp for structured values"
        ) from None


def _in_one_argument(
    f: Callable[..., Any], argnums: int, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, Callable[[Any], Any]]:
    """The argument at ``argnums``, and ``f`` as a function of that argument alone."""
    n = argnums_tuple(argnums, len(args), "f")[0]

    def f_x(x: Any) -> Any:
        return f(*args[:n], x, *args[n + 1 :], **kwargs)

    return args[n], f_x


def jacfwd(f: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The Jacobian of ``f`` in forward mode: one ``jvp`` per input coordinate.

    Args:
        f: a function of arrays or floats returning an array or a float.
        argnums: the position of the argument to differentiate.

    Returns:
        A function of ``f``'s arguments returning the Jacobian, of shape
        ``ans.shape + x.shape``.

    Examples:
        >>> jacfwd(lambda x: x * x)(np.array([1.0, 2.0]))
        array([[2., 0.],
               [0., 4.]])
    """

    def jac(*args: Any, **kwargs: Any) -> Any:
        x, f_x = _in_one_argument(f, argnums, args, kwargs)
        in_shape, unit_vectors = _standard_basis(x)
        columns = [jvp(f_x, (x,), (e,))[1] for e in unit_vectors]
        out_shape = np.shape(plain_value(columns[0] if columns else f_x(x)))
        stacked = stack([reshape(c, (-1,)) for c in columns], axis=-1)
        return reshape(stacked, tuple(out_shape) + in_shape)

    return jac


def jacrev(f: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The Jacobian of ``f`` in reverse mode: one pullback per output coordinate.

    Args:
        f: a function of arrays or floats returning an array or a float.
        argnums: the position of the argument to differentiate.

    Returns:
        A function of ``f``'s arguments returning the Jacobian, of shape
        ``ans.shape + x.shape``.

    Examples:
        >>> import paralens.numpy as pnp
        >>> jacrev(lambda x: pnp.sin(x))(np.array([0.0, 0.0]))
        array([[1., 0.],
               [0., 1.]])
    """

    def jac(*args: Any, **kwargs: Any) -> Any:
        x, f_x = _in_one_argument(f, argnums, args, kwargs)
        ans, pullback = vjp(f_x, x)
        out_shape, unit_vectors = _standard_basis(ans)
        in_shape = tuple(np.shape(plain_value(x)))
        rows = [reshape(pullback(e)[0], (-1,)) for e in unit_vectors]
        if not rows:
            return np.zeros(tuple(out_shape) + in_shape)
        return reshape(stack(rows, axis=0), tuple(out_shape) + in_shape)

    return jac


jacobian = jacrev


def hessian(f: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The Hessian of a scalar ``f``: forward mode over reverse mode.

    Args:
        f: a function returning a scalar.
        argnums: the position of the argument to differentiate twice.

    Returns:
        A function of ``f``'s arguments returning the Hessian, of shape
        ``x.shape + x.shape``.

    Examples:
        >>> import paralens.numpy as pnp
        >>> hessian(lambda x: pnp.sum(x ** 3))(np.array([1.0, 2.0]))
        array([[ 6.,  0.],
               [ 0., 12.]])
    """
    return jacfwd(jacrev(f, argnums), argnums)
