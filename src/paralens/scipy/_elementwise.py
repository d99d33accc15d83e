"""Elementwise SciPy functions as primitives, each defined by its partial derivatives.

A function of several broadcasting arguments has one partial derivative per argument,
``d(ans, *args)``, given as data beside its definition; both rules come from it (the
reverse rule multiplies the cotangent by it and sums away broadcasting, the forward rule
multiplies the tangent). Partials are written with ``paralens.numpy`` and with the
differentiable SciPy functions themselves, so every rule can be differentiated again.

An argument without a derivative says why: ``integer("n")`` for a discrete argument (the
order of ``polygamma``, the count of a Poisson distribution), refused as soon as it
arrives traced; ``not_implemented("v", why)`` for one whose derivative SciPy gives no way
to compute, refused when its derivative is asked for. Both errors name the argument; a
gradient is never a silent zero.

Where SciPy's value is nan (outside the function's domain) every partial is nan too, so a
gradient cannot be finite where the value is not a number.

Examples:
    >>> import numpy as np
    >>> import paralens
    >>> @elementwise(lambda ans, x, k: k * x ** (k - 1), integer("k"))
    ... def power(x, k=2):
    ...     return x**k
    >>> paralens.grad(power)(3.0)
    6.0
    >>> paralens.grad(power, argnums=1)(3.0, 2.0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    TypeError: power: its argument k is an integer and has no derivative; pass it as ...
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numpy as np

import paralens.numpy as pnp
from paralens.extend import Var, defjvp, defvjp, primitive
from paralens.numpy._backend import constant_like
from paralens.numpy._backend_forms_values import to_host

__all__ = [
    "NoDerivative",
    "elementwise",
    "elementwise_primitive",
    "inside",
    "integer",
    "nan_outside",
    "nan_where",
    "not_implemented",
    "plain",
    "positional",
    "real_only",
]

F = TypeVar("F", bound=Callable[..., Any])
Partial = Callable[..., Any]


def plain(x: Any) -> Any:
    """``x`` with every level of tracing removed.

    Examples:
        >>> plain(2.0)
        2.0
    """
    while isinstance(x, Var):
        x = x.value
    return x


@dataclass(frozen=True)
class NoDerivative:
    """An argument whose derivative is not available, and why (see ``integer``)."""

    arg: str
    why: str
    error: type[Exception]
    discrete: bool = False

    def fail(self, name: str) -> Exception:
        return self.error(
            f"{name}: its argument {self.arg} {self.why}; pass it as a plain number, not "
            f"a traced one (wrap it in paralens.stop_gradient to differentiate the rest)"
        )


def integer(arg: str) -> NoDerivative:
    """The partial of a discrete argument: it has none (``TypeError`` when traced)."""
    return NoDerivative(arg, "is an integer and has no derivative", TypeError, discrete=True)


def not_implemented(arg: str, why: str) -> NoDerivative:
    """The partial of an argument SciPy gives no derivative for (``NotImplementedError``)."""
    return NoDerivative(arg, f"has no derivative implemented ({why})", NotImplementedError)


def real_only(name: str, partial: Partial) -> Partial:
    """``partial``, refusing complex arguments (for which SciPy lacks what it needs).

    Examples:
        >>> d = real_only("digamma", lambda ans, x: 2.0 * x)
        >>> d(None, 1.5)
        3.0
        >>> d(None, 1j)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        NotImplementedError: digamma: the derivative at complex arguments is not implemented ...
    """

    def checked(ans: Any, *args: Any) -> Any:
        if any(np.iscomplexobj(plain(a)) for a in args):
            raise NotImplementedError(
                f"{name}: the derivative at complex arguments is not implemented (SciPy "
                f"has no complex function it could be written with); differentiate at "
                f"real arguments"
            )
        return partial(ans, *args)

    return checked


def nan_outside(d: Any, valid: Any) -> Any:
    """``d`` times 1 where ``valid`` and times nan elsewhere: nan there at every order.

    A product with a constant, not a ``where``: the reverse rule of ``where`` hands the
    unselected branch a zero cotangent, which would drop the nan, so a second derivative
    would be finite where the first is nan.

    Examples:
        >>> nan_outside(np.array([2.0, 3.0]), np.array([True, False]))
        array([ 2., nan])
    """
    if np.all(valid):
        return d
    return d * constant_like(np.where(valid, 1.0, np.nan), d)


def inside(x: Any, valid: Any, safe: float) -> Any:
    """``x`` where ``valid``, ``safe`` elsewhere, as a blend with constant weights.

    For a formula that must not be evaluated outside its domain: unlike a ``where``, the
    blend passes a nan cotangent on (as ``nan * 0``), so ``nan_outside`` holds at every order.

    Examples:
        >>> inside(np.array([-1.0, 2.0]), np.array([False, True]), 1.0)
        array([1., 2.])
    """
    if np.all(valid):
        return x
    weight = np.asarray(valid, dtype=float)
    return x * weight + safe * (1.0 - weight)


def nan_where(ans: Any, d: Any) -> Any:
    """``d``, with nan wherever the answer ``ans`` is nan (see ``nan_outside``).

    Examples:
        >>> nan_where(np.array([1.0, np.nan]), np.array([2.0, 3.0]))
        array([ 2., nan])
    """
    return nan_outside(d, ~np.isnan(to_host(plain(ans))))


def positional(
    fun: Callable[..., Any],
) -> Callable[[tuple[Any, ...], dict[str, Any]], tuple[Any, ...]]:
    """A function turning ``(args, kwargs)`` of a call to ``fun`` into all-positional args.

    A primitive differentiates only positional arguments, so a traced ``scale=`` passed by
    keyword must be moved to its place (defaults filled in) before the primitive sees it.

    Examples:
        >>> def f(x, loc=0.0, scale=1.0):
        ...     return x
        >>> positional(f)((1.0,), {"scale": 2.0})
        (1.0, 0.0, 2.0)
    """
    signature = inspect.signature(fun)
    count = len(signature.parameters)

    def bind(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        if not kwargs and len(args) == count:
            return args
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return bound.args

    return bind


def _vjp_rule(name: str, i: int, d: Partial | NoDerivative) -> Callable[..., Any]:
    if isinstance(d, NoDerivative):

        def refuse(ans: Any, *args: Any) -> Callable[[Any], Any]:
            raise d.fail(name)

        return refuse

    def rule(ans: Any, *args: Any) -> Callable[[Any], Any]:
        partial = nan_where(ans, d(ans, *args))
        return lambda g: pnp.unbroadcast(g * partial, args[i])

    return rule


def _jvp_rule(name: str, d: Partial | NoDerivative) -> Callable[..., Any]:
    if isinstance(d, NoDerivative):

        def refuse(t: Any, ans: Any, *args: Any) -> Any:
            raise d.fail(name)

        return refuse

    def rule(t: Any, ans: Any, *args: Any) -> Any:
        return pnp.broadcast_like(t * nan_where(ans, d(ans, *args)), ans)

    return rule


def elementwise_primitive(
    fun: Callable[..., Any], name: str, partials: tuple[Partial | NoDerivative | None, ...]
) -> Callable[..., Any]:
    """The primitive of ``fun``, with both rules made from ``partials`` (see ``elementwise``).

    Its arguments are all positional: a traced keyword argument would not be seen.
    """
    prim = primitive(fun, name)
    defvjp(prim, *(None if d is None else _vjp_rule(name, i, d) for i, d in enumerate(partials)))
    defjvp(prim, *(None if d is None else _jvp_rule(name, d) for d in partials))
    return prim


def elementwise(*partials: Partial | NoDerivative | None) -> Callable[[F], F]:
    """Make the decorated function a primitive with one partial derivative per argument.

    Args:
        *partials: for each positional argument of the function, ``d(ans, *args)`` (the
            derivative of the answer with respect to it, broadcasting against the answer),
            ``None`` for an argument whose derivative is zero wherever it exists
            (``gammasgn``'s), or a ``NoDerivative``.

    Returns:
        A decorator. The function it returns accepts SciPy's keywords and passes every
        argument to the primitive by position, so a traced keyword argument is
        differentiated like a positional one.
    """

    def decorate(fun: F) -> F:
        name = fun.__name__
        prim = elementwise_primitive(fun, name, partials)
        bind = positional(fun)
        # An integer argument can be refused as soon as it arrives traced.
        integers = [
            (i, d) for i, d in enumerate(partials) if isinstance(d, NoDerivative) and d.discrete
        ]

        @functools.wraps(fun)
        def call(*args: Any, **kwargs: Any) -> Any:
            args = bind(args, kwargs)
            for i, d in integers:
                if isinstance(args[i], Var):
                    raise d.fail(name)
            return prim(*args)

        call._primitive = prim._primitive  # type: ignore[attr-defined]  # for defbackend
        return cast(F, call)

    return decorate
