"""Extending the AD: new primitives with their own derivative rules.

A primitive is a function the AD treats as atomic. Give it one rule per positional
argument: ``defvjp`` for reverse mode, ``defjvp`` for forward mode. A rule of ``None``
means a zero derivative for that argument. Rules written with ``paralens.numpy`` (or Var
operators) can themselves be differentiated, so higher derivatives work too.

A reverse rule comes in one of two forms: HIPS autograd's staged form (the default),
``rule(ans, *args, **kwargs) -> (g -> cotangent)``, or the direct form the library's own
rules use, ``rule(g, ans, *args, **kwargs) -> cotangent`` (``defvjp(..., staged=False)``),
which spares building a closure at every application. ``saves=`` tells the tape what the
rules read, so that it can free the rest early.

Examples:
    >>> import paralens
    >>> from paralens.extend import primitive, defvjp, defjvp
    >>> @primitive
    ... def cube(x):
    ...     return x ** 3
    >>> defvjp(cube, lambda ans, x: lambda g: g * 3 * x ** 2)
    >>> defjvp(cube, lambda t, ans, x: t * 3 * x ** 2)
    >>> paralens.grad(cube)(2.0)
    12.0
    >>> paralens.jvp(cube, (2.0,), (1.0,))
    (8.0, 12.0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from paralens._core import (
    ZERO,
    Var,
    defjvp,
    defjvp_argnum,
    defvjp,
    defvjp_argnum,
    nondifferentiable,
    plain_value,
    primitive,
    primitive_of,
)
from paralens._core._backends import agnostic, defbackend
from paralens._core._vspace import add, basis

__all__ = [
    "Var",
    "agnostic",
    "def_linear",
    "defbackend",
    "defjvp",
    "defjvp_argnum",
    "defvjp",
    "defvjp_argnum",
    "nondifferentiable",
    "primitive",
]


def def_linear(fun: Callable[..., Any]) -> None:
    """Declare primitive ``fun`` linear in each argument (multilinear, like ``matmul``).

    The forward rule of argument ``i`` is ``fun`` itself with the tangent in place of
    argument ``i``. Unless a reverse rule is already defined, the reverse rule is derived
    from the forward one, by probing the linear map with every basis vector of the
    argument: correct for any linear map, but it costs one call per coordinate, so give
    large operations their own ``defvjp``.

    Examples:
        >>> import numpy as np
        >>> import paralens
        >>> from paralens.extend import primitive, def_linear
        >>> @primitive
        ... def double(x):
        ...     return 2.0 * x
        >>> def_linear(double)
        >>> paralens.grad(lambda x: paralens.numpy.sum(double(x)))(np.ones(3))
        array([2., 2., 2.])
    """
    prim = primitive_of(fun)
    linear = prim.wrapper

    def jvp_rule(
        argnum: int, t: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        return linear(*args[:argnum], t, *args[argnum + 1 :], **kwargs)

    def vjp_rule(
        argnum: int, g: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        # The transpose, coordinate by coordinate: <g, L e_k> is the k-th coordinate of
        # the cotangent. Written with Var operators, so that it differentiates again.
        cotangent: Any = ZERO
        for e in basis(plain_value(args[argnum])):
            column = linear(*args[:argnum], e, *args[argnum + 1 :], **kwargs)
            cotangent = add(cotangent, _total(g * column) * e)
        return cotangent

    prim.jvps.set_variadic(jvp_rule)
    if prim.vjps.variadic is None:
        prim.vjps.set_variadic(vjp_rule)


def _total(x: Any) -> Any:
    """The sum of the entries of ``x``: itself for a Python number, else ``x.sum()``."""
    return x if isinstance(x, float | int | complex) else x.sum()
