"""The two AD interpretations of an arrow: forward mode and reverse mode.

Each is one structural recursion over the description. Forward mode gives the value and
the linear map of tangents at a point; reverse mode the value and the pullback of
cotangents, the transpose of that linear map. Derivatives compose as the arrows do:
``then`` composes linear maps (and pullbacks in the opposite order), ``fork``'s pullback
adds and ``parallel``'s splits. At a leaf, the derivative of a primitive (or of a lifted
function) is its own ``jvp`` or ``vjp``, which applies the primitive's rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from paralens import tree
from paralens._ad import jvp, vjp
from paralens._core import plain_value
from paralens.cat._arrow import Arrow, LinearMap, arguments_of, leaf_function, pair_of
from paralens.cat._chain import THEN

__all__ = ["forward", "grad", "reverse"]

A = TypeVar("A")
B = TypeVar("B")


def _forward(f: Arrow[Any, Any], x: Any) -> tuple[Any, LinearMap]:
    kind = f.kind
    if kind in ("primitive", "lift"):
        args, leaf = arguments_of(f, x), leaf_function(f)
        return leaf(*args), lambda t: jvp(leaf, args, arguments_of(f, t))[1]
    if kind == "const":
        return f.value, lambda t: tree.zeros_like(plain_value(f.value))
    if kind == "id":
        return x, lambda t: t
    if kind in ("exl", "exr"):
        i = 0 if kind == "exl" else 1
        return pair_of(f, x)[i], lambda t: pair_of(f, t)[i]
    if kind == "dup":
        return (x, x), lambda t: (t, t)
    if kind == THEN:
        return _forward_chain(f.children, x)
    left, right = f.children
    if kind == "fork":
        (y, df), (z, dg) = _forward(left, x), _forward(right, x)
        return (y, z), lambda t: (df(t), dg(t))
    a, c = pair_of(f, x)
    (y, df), (z, dg) = _forward(left, a), _forward(right, c)
    return (y, z), lambda t: (df(pair_of(f, t)[0]), dg(pair_of(f, t)[1]))


def _forward_chain(parts: tuple[Arrow[Any, Any], ...], x: Any) -> tuple[Any, LinearMap]:
    """A chain's value and its linear map: the parts' linear maps, composed in order."""
    maps = []
    for part in parts:
        x, linear_map = _forward(part, x)
        maps.append(linear_map)

    def composed(t: Any) -> Any:
        for linear_map in maps:
            t = linear_map(t)
        return t

    return x, composed


def _reverse(f: Arrow[Any, Any], x: Any) -> tuple[Any, LinearMap]:
    kind = f.kind
    if kind in ("primitive", "lift"):
        ans, pullback = vjp(leaf_function(f), *arguments_of(f, x))
        return ans, lambda g: pullback(g)[0] if f.arity == 1 else tuple(pullback(g))
    if kind == "const":
        return f.value, lambda g: tree.zeros_like(plain_value(x))
    if kind == "id":
        return x, lambda g: g
    if kind in ("exl", "exr"):
        a, b = pair_of(f, x)
        if kind == "exl":
            return a, lambda g: (g, tree.zeros_like(plain_value(b)))
        return b, lambda g: (tree.zeros_like(plain_value(a)), g)
    if kind == "dup":
        return (x, x), lambda g: tree.add(*pair_of(f, g))
    if kind == THEN:
        return _reverse_chain(f.children, x)
    left, right = f.children
    if kind == "fork":
        (y, pf), (z, pg) = _reverse(left, x), _reverse(right, x)
        return (y, z), lambda g: tree.add(pf(pair_of(f, g)[0]), pg(pair_of(f, g)[1]))
    a, c = pair_of(f, x)
    (y, pf), (z, pg) = _reverse(left, a), _reverse(right, c)
    return (y, z), lambda g: (pf(pair_of(f, g)[0]), pg(pair_of(f, g)[1]))


def _reverse_chain(parts: tuple[Arrow[Any, Any], ...], x: Any) -> tuple[Any, LinearMap]:
    """A chain's value and its pullback: the parts' pullbacks, composed last first."""
    pullbacks = []
    for part in parts:
        x, pullback = _reverse(part, x)
        pullbacks.append(pullback)

    def composed(g: Any) -> Any:
        for pullback in reversed(pullbacks):
            g = pullback(g)
        return g

    return x, composed


def forward(f: Arrow[A, B]) -> Callable[[A], tuple[B, LinearMap]]:
    """Forward mode: ``forward(f)(x)`` is ``f(x)`` with the linear map of tangents at ``x``.

    The linear map takes a tangent shaped like ``x`` and returns one shaped like
    ``f(x)``; it composes the derivatives of ``f``'s parts, without a tape.

    Examples:
        >>> from paralens import cat
        >>> y, df = cat.forward(cat.dup >> cat.mul)(3.0)
        >>> float(y), df(1.0)
        (9.0, 6.0)
    """

    def forward_f(x: A) -> tuple[B, LinearMap]:
        return _forward(f, x)

    return forward_f


def reverse(f: Arrow[A, B]) -> Callable[[A], tuple[B, LinearMap]]:
    """Reverse mode: ``reverse(f)(x)`` is ``f(x)`` with its pullback of cotangents at ``x``.

    The pullback takes a cotangent shaped like ``f(x)`` and returns one shaped like
    ``x``: the transpose of the linear map of ``forward``.

    Examples:
        >>> from paralens import cat
        >>> y, pullback = cat.reverse(cat.mul)((3.0, 4.0))
        >>> float(y), pullback(1.0)
        (12.0, (4.0, 3.0))
    """

    def reverse_f(x: A) -> tuple[B, LinearMap]:
        return _reverse(f, x)

    return reverse_f


def grad(f: Arrow[A, Any]) -> Callable[[A], A]:
    """The gradient of an arrow with a scalar output, by its reverse interpretation.

    The gradient has the structure and leaf types of the input.

    Raises:
        TypeError: the output is not a scalar.

    Examples:
        >>> from paralens import cat
        >>> cat.grad(cat.sin >> (cat.id & cat.cos) >> cat.mul)(0.0)
        1.0
    """

    def grad_f(x: A) -> A:
        y, pullback = _reverse(f, x)
        plain = plain_value(y)
        shape = getattr(plain, "shape", ())
        if not tree.is_leaf(plain) or shape != ():
            what = f"shape {shape}" if shape != () else type(plain).__name__
            raise TypeError(
                f"cat.grad needs an arrow with a scalar output, but {f!r} returned {what}; "
                f"end it with a reduction (cat.lift(pnp.sum)), or use cat.reverse"
            )
        gradient: A = pullback(tree.ones_like(plain))
        return gradient

    return grad_f
