"""Extending the AD: new primitives with their own derivative rules.

A primitive is a function the AD treats as atomic. Give it one rule per positional
argument: ``defvjp`` for reverse mode, ``defjvp`` for forward mode. A rule of ``None``
means a zero derivative for that argument. Rules written with ``paralens.numpy`` (or Var
operators) can themselves be differentiated, so higher derivatives work too.

Examples:
    >>> import math
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
from typing import Any, TypeVar

from paralens._core._trace import Var, plain_value, primitive, primitive_of

__all__ = [
    "Var",
    "def_linear",
    "defjvp",
    "defjvp_argnum",
    "defvjp",
    "defvjp_argnum",
    "nondifferentiable",
    "primitive",
]

F = TypeVar("F", bound=Callable[..., Any])
Rule = Callable[..., Any] | None


def defvjp(fun: Callable[..., Any], *rules: Rule) -> None:
    """Give primitive ``fun`` its reverse-mode rules, one per positional argument.

    Args:
        fun: a function made by ``primitive``.
        *rules: ``rules[i](ans, *args, **kwargs)`` returns the pullback
            ``g -> cotangent of args[i]``; ``None`` means a zero gradient.

    Raises:
        TypeError: ``fun`` is not a primitive.

    Examples:
        >>> import paralens
        >>> @primitive
        ... def scaled(x, k):
        ...     return x * k
        >>> defvjp(scaled, lambda ans, x, k: lambda g: g * k, None)  # k gets no gradient
        >>> paralens.grad(scaled, argnums=(0, 1))(2.0, 3.0)
        (3.0, 0.0)
    """
    prim = primitive_of(fun)
    for i, rule in enumerate(rules):
        prim.vjps[i] = rule
        prim.pullbacks.pop(i, None)


def defjvp(fun: Callable[..., Any], *rules: Rule) -> None:
    """Give primitive ``fun`` its forward-mode rules, one per positional argument.

    Args:
        fun: a function made by ``primitive``.
        *rules: ``rules[i](tangent, ans, *args, **kwargs)`` returns the tangent of the
            answer caused by ``tangent`` in ``args[i]``; ``None`` means zero.

    Raises:
        TypeError: ``fun`` is not a primitive.

    Examples:
        >>> import paralens
        >>> @primitive
        ... def scaled(x, k):
        ...     return x * k
        >>> defjvp(scaled, lambda t, ans, x, k: t * k, lambda t, ans, x, k: x * t)
        >>> paralens.jvp(scaled, (2.0, 3.0), (1.0, 1.0))
        (6.0, 5.0)
    """
    prim = primitive_of(fun)
    for i, rule in enumerate(rules):
        prim.jvps[i] = rule


def defvjp_argnum(fun: Callable[..., Any], rule: Callable[..., Any]) -> None:
    """One reverse rule for every argument: ``rule(argnum, ans, args, kwargs) -> (g -> ct)``.

    For primitives with a variable number of arguments (``stack``, ``concatenate``).

    Examples:
        >>> import paralens
        >>> @primitive
        ... def total(*xs):
        ...     return sum(xs)
        >>> defvjp_argnum(total, lambda argnum, ans, args, kwargs: lambda g: g)
        >>> paralens.grad(lambda x: total(x, x, 1.0, x))(5.0)
        3.0
    """
    primitive_of(fun).vjp_argnum = rule


def defjvp_argnum(fun: Callable[..., Any], rule: Callable[..., Any]) -> None:
    """One forward rule for every argument: ``rule(argnum, t, ans, args, kwargs) -> tangent``.

    Examples:
        >>> import paralens
        >>> @primitive
        ... def total(*xs):
        ...     return sum(xs)
        >>> defjvp_argnum(total, lambda argnum, t, ans, args, kwargs: t)
        >>> paralens.jvp(lambda x: total(x, 2.0, x), (1.0,), (1.0,))
        (4.0, 2.0)
    """
    primitive_of(fun).jvp_argnum = rule


def nondifferentiable(fun: F) -> F:
    """Make ``fun`` a primitive whose result is a plain value (``argmax``, ``shape``...).

    Traced arguments are replaced by their values, at every level of nesting.

    Examples:
        >>> import paralens
        >>> import numpy as np
        >>> first_max = nondifferentiable(np.argmax)
        >>> paralens.grad(lambda x: x[first_max(x)] * 2.0)(np.array([1.0, 3.0, 2.0]))
        array([0., 2., 0.])
    """
    wrapped = primitive(fun)
    primitive_of(wrapped).nondiff = True
    return wrapped  # type: ignore[return-value]


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
    raw = prim.wrapper

    def jvp_rule(
        argnum: int, t: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        return raw(*args[:argnum], t, *args[argnum + 1 :], **kwargs)

    def vjp_rule(
        argnum: int, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Callable[[Any], Any]:
        import numpy as np

        from paralens import numpy as pnp

        x = plain_value(args[argnum])
        arr = np.asarray(x, dtype=float)

        def pullback(g: Any) -> Any:
            out = []
            for k in range(arr.size):
                e = np.zeros(arr.size)
                e[k] = 1.0
                e_k = e.reshape(arr.shape) if arr.ndim else float(e[0])
                column = raw(*args[:argnum], e_k, *args[argnum + 1 :], **kwargs)
                out.append(pnp.sum(g * column))
            if not arr.ndim:
                return out[0]
            return pnp.reshape(pnp.stack(out), arr.shape)

        return pullback

    prim.jvp_argnum = jvp_rule
    if prim.vjp_argnum is None:
        prim.vjp_argnum = vjp_rule
