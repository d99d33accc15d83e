"""Arrows: differentiable programs as values, with one description and many meanings.

An ``Arrow[A, B]`` describes a map from ``A`` to ``B`` as a small immutable tree. Its
leaves are generators: differentiable primitives (``sin``, ``mul``...), lifted functions,
constants, and the cartesian structure (``id``, ``exl``, ``exr``, ``dup``); its inner nodes
are the combinators ``then`` (``f >> g``, or ``then(f, g, h)`` for a chain), ``fork``
(``f & g``) and ``parallel`` (``f * g``). Each interpretation is one structural recursion
over the tree, after Conal Elliott's *The simple essence of automatic differentiation*:
evaluation (here) and the two AD modes (``cat._modes``): forward mode (the value and the
linear map of tangents) and reverse mode (the value and the pullback of cotangents).

References: Conal Elliott, *The simple essence of automatic differentiation* (ICFP 2018);
Bruno Gavranović, *Compositional deep learning* (2019).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any, Generic, Literal, TypeVar, cast

from paralens._core import Primitive, plain_value, primitive_of
from paralens.cat._chain import THEN, chain, require_parts, then_name

A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")

Kind = Literal["primitive", "lift", "const", "id", "exl", "exr", "dup", "then", "fork", "parallel"]
LinearMap = Callable[[Any], Any]

GENERATORS: tuple[Kind, ...] = ("primitive", "lift", "const", "id", "exl", "exr", "dup")
COMBINATORS: tuple[Kind, ...] = ("then", "fork", "parallel")
# Python's operator precedence, which ``repr`` follows so that it reads back as written.
_PRECEDENCE: dict[str, int] = {"fork": 1, "then": 2, "parallel": 3}

NOT_AN_ARROW = (
    "cannot compose an Arrow with {what} using {op}; wrap a function as an arrow with "
    "cat.lift(fn) (or cat.const(value) for a constant)"
)


class Arrow(Generic[A, B]):
    """A differentiable map from ``A`` to ``B``, described as an immutable tree.

    Build arrows from the generators of ``paralens.cat`` and the combinators ``>>``
    (then), ``&`` (fork) and ``*`` (parallel); call one to evaluate it. The description
    is public and read-only, for interpretations and drawings:

    - ``kind``: ``"primitive"``, ``"lift"``, ``"const"``, ``"id"``, ``"exl"``, ``"exr"``,
      ``"dup"`` (generators), or ``"then"``, ``"fork"``, ``"parallel"`` (combinators);
    - ``children``: the sub-arrows of a combinator, in order (two for ``fork`` and
      ``parallel``; the parts of a ``then``); ``()`` for a generator;
    - ``name``: what ``repr`` shows for a generator (``"sin"``, ``"const(2.0)"``), and the
      operator (``">>"``, ``"&"``, ``"*"``) for a combinator;
    - ``fn``, ``arity``, ``params``: for ``"primitive"`` and ``"lift"``, the function, how
      many arguments it takes (an arrow of arity 2 takes a pair) and its fixed keyword
      arguments; ``primitive`` is the ``Primitive`` whose rules give the derivatives;
    - ``value``: for ``"const"``, the constant.

    Laws (checked on values, tangents and cotangents in the test suite):
    ``id >> f == f == f >> id``, ``(f >> g) >> h == f >> (g >> h)``,
    ``(f & g) >> exl == f``, ``(f & g) >> exr == g``, ``exl & exr == id``,
    ``f * g == (exl >> f) & (exr >> g)``, ``dup == id & id``.

    Examples:
        >>> from paralens import cat
        >>> f = cat.sin >> (cat.id & cat.cos) >> cat.mul
        >>> f
        sin >> (id & cos) >> mul
        >>> f.kind, [c.kind for c in f.children]
        ('then', ['then', 'primitive'])
        >>> print(f"{f(1.0):.6f}")  # sin(1) * cos(sin(1))
        0.560728
    """

    __slots__ = ("_arity", "_children", "_fn", "_kind", "_name", "_params", "_prim", "_value")
    _arity: int
    _children: tuple[Arrow[Any, Any], ...]
    _fn: Callable[..., Any] | None
    _kind: Kind
    _name: str
    _params: tuple[tuple[str, Any], ...]
    _prim: Primitive | None
    _value: Any

    def __init__(
        self,
        kind: Kind,
        name: str,
        children: tuple[Arrow[Any, Any], ...] = (),
        *,
        fn: Callable[..., Any] | None = None,
        arity: int = 1,
        params: tuple[tuple[str, Any], ...] = (),
        value: Any = None,
    ) -> None:
        init = object.__setattr__
        init(self, "_kind", kind)
        init(self, "_name", name)
        init(self, "_children", children)
        init(self, "_fn", fn)
        init(self, "_arity", arity)
        init(self, "_params", params)
        init(self, "_value", value)
        init(self, "_prim", primitive_of(fn) if kind == "primitive" and fn else None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("an Arrow is immutable; build a new one with >>, & or *")

    @property
    def kind(self) -> Kind:
        """Which generator or combinator this node is."""
        return self._kind

    @property
    def children(self) -> tuple[Arrow[Any, Any], ...]:
        """The sub-arrows of a combinator, in order; empty for a generator."""
        return self._children

    @property
    def name(self) -> str:
        """The generator's name as ``repr`` shows it, or the combinator's operator."""
        return self._name

    @property
    def fn(self) -> Callable[..., Any] | None:
        """The function of a ``"primitive"`` or ``"lift"`` arrow, else ``None``."""
        return self._fn

    @property
    def arity(self) -> int:
        """How many arguments ``fn`` takes; an arrow of arity ``n > 1`` takes an n-tuple."""
        return self._arity

    @property
    def params(self) -> tuple[tuple[str, Any], ...]:
        """The keyword arguments fixed when the function was lifted, as ``(name, value)``."""
        return self._params

    @property
    def primitive(self) -> Primitive | None:
        """The primitive whose derivative rules a ``"primitive"`` arrow carries."""
        return self._prim

    @property
    def value(self) -> Any:
        """The constant of a ``"const"`` arrow, else ``None``."""
        return self._value

    def __call__(self, x: A) -> B:
        return evaluate(self, x)

    def __rshift__(self, other: Arrow[B, C]) -> Arrow[A, C]:
        composite: Arrow[A, C] = then(self, _checked(other, ">>"))
        return composite

    def __and__(self, other: Arrow[A, C]) -> Arrow[A, tuple[B, C]]:
        return fork(self, _checked(other, "&"))

    def __mul__(self, other: Arrow[C, D]) -> Arrow[tuple[A, C], tuple[B, D]]:
        return parallel(self, _checked(other, "*"))

    def __repr__(self) -> str:
        return _show(self, 0)

    def walk(self) -> Iterator[Arrow[Any, Any]]:
        """Every node of the description, parents before children, left to right.

        Examples:
            >>> from paralens import cat
            >>> [a.name for a in (cat.sin & cat.cos).walk()]
            ['&', 'sin', 'cos']
        """
        yield self
        for child in self._children:
            yield from child.walk()


def _checked(other: Any, op: str) -> Arrow[Any, Any]:
    if not isinstance(other, Arrow):
        raise TypeError(NOT_AN_ARROW.format(what=type(other).__name__, op=op))
    return other


def then(*arrows: Arrow[Any, Any]) -> Arrow[Any, Any]:
    """The arrows one after another: ``then(f, g)`` is ``f >> g``, diagrammatic order.

    Composition is associative, with ``id`` as its unit, in every interpretation:

        >>> from paralens import cat
        >>> f, g, h = cat.sin, cat.exp, cat.tanh
        >>> x = 0.3
        >>> bool(((f >> g) >> h)(x) == (f >> (g >> h))(x) == cat.then(f, g, h)(x))
        True
        >>> bool((cat.id >> f)(x) == f(x) == (f >> cat.id)(x))
        True
        >>> bool(cat.grad((f >> g) >> h)(x) == cat.grad(f >> (g >> h))(x))
        True

    Raises:
        ValueError: no arrows (the composition of none is ``cat.id``).

    Examples:
        >>> from paralens import cat
        >>> cat.then(cat.sin, cat.cos)
        sin >> cos
        >>> len(cat.then(cat.sin, cat.cos, cat.exp).children)
        3
    """
    parts = require_parts(arrows, "cat.then", "cat.id")
    for part in parts:
        _checked(part, ">>")
    return Arrow("then", ">>", parts)


def fork(f: Arrow[A, B], g: Arrow[A, C]) -> Arrow[A, tuple[B, C]]:
    """Both ``f`` and ``g`` on the same input (written ``f & g``): ``x -> (f x, g x)``.

    Examples:
        >>> from paralens import cat
        >>> import numpy as np
        >>> cat.fork(cat.id, cat.neg)(np.array([1.0, 2.0]))
        (array([1., 2.]), array([-1., -2.]))
    """
    return Arrow("fork", "&", (f, g))


def parallel(f: Arrow[A, B], g: Arrow[C, D]) -> Arrow[tuple[A, C], tuple[B, D]]:
    """``f`` and ``g`` side by side on a pair (written ``f * g``): ``(a, c) -> (f a, g c)``.

    Examples:
        >>> from paralens import cat
        >>> import numpy as np
        >>> cat.parallel(cat.neg, cat.id)((np.array([1.0]), np.array([2.0])))
        (array([-1.]), array([2.]))
    """
    return Arrow("parallel", "*", (f, g))


def lift(
    fn: Callable[..., Any], *, arity: int = 1, name: str | None = None, **params: Any
) -> Arrow[Any, Any]:
    """The arrow of a function: ``x -> fn(x)``, or ``(x, y) -> fn(x, y)`` for ``arity=2``.

    A ``paralens`` primitive (every ``paralens.numpy`` primitive, or one made with
    ``paralens.extend.primitive``) gives a ``"primitive"`` arrow, whose derivatives come
    from the primitive's own rules. Any other function of differentiable operations gives
    a ``"lift"`` arrow, differentiated as one opaque step by the tape engine.

    Args:
        fn: the function.
        arity: how many positional arguments ``fn`` takes; with more than one, the arrow
            takes a tuple of them.
        name: what ``repr`` shows (default: ``fn``'s name).
        **params: keyword arguments fixed for every call (``axis=0``, say).

    Returns:
        The arrow.

    Raises:
        TypeError: ``fn`` is not callable, or ``arity`` is below 1.

    Examples:
        >>> import paralens.numpy as pnp
        >>> from paralens import cat
        >>> total = cat.lift(pnp.sum, axis=0)
        >>> total, total.kind
        (sum(axis=0), 'primitive')
        >>> cube = cat.lift(lambda x: x * x * x, name="cube")
        >>> cube.kind, cat.grad(cube)(2.0)
        ('lift', 12.0)
    """
    if not callable(fn):
        raise TypeError(f"cat.lift needs a function, got {type(fn).__name__} {fn!r}")
    if arity < 1:
        raise TypeError(f"cat.lift needs arity >= 1 (a constant is cat.const), got {arity}")
    kind: Kind = "primitive" if hasattr(fn, "_primitive") else "lift"
    label = str(name or getattr(fn, "__name__", type(fn).__name__))
    if params:
        label += "(" + ", ".join(f"{k}={v!r}" for k, v in params.items()) + ")"
    return Arrow(kind, label, fn=fn, arity=arity, params=tuple(params.items()))


def const(value: C) -> Arrow[Any, C]:
    """The constant arrow: ``x -> value``, with zero derivative.

    Examples:
        >>> from paralens import cat
        >>> two = cat.const(2.0)
        >>> two, two("ignored"), cat.grad((cat.id & two) >> cat.mul)(3.0)
        (const(2.0), 2.0, 2.0)
    """
    return Arrow("const", f"const({value!r})", value=value)


identity: Arrow[Any, Any] = Arrow("id", "id")
exl: Arrow[tuple[Any, Any], Any] = Arrow("exl", "exl")
exr: Arrow[tuple[Any, Any], Any] = Arrow("exr", "exr")
dup: Arrow[Any, tuple[Any, Any]] = Arrow("dup", "dup")


# Showing an arrow.


def _show(f: Arrow[Any, Any], context: int) -> str:
    kind = f.kind
    if kind == THEN:
        # ``>>`` is associative, so a chain is shown flat whichever way it was bracketed.
        text = then_name(chain(f), lambda part, i: _show(part, _PRECEDENCE[THEN] + 1))
    elif kind in ("fork", "parallel"):
        prec = _PRECEDENCE[kind]
        left, right = f.children
        text = f"{_show(left, prec)} {f.name} {_show(right, prec + 1)}"
    else:
        return f.name
    return f"({text})" if _PRECEDENCE[kind] < context else text


# Evaluation: a structural recursion over the description.


def _length(x: Any) -> int | None:
    try:
        return len(x)
    except TypeError:
        return None


def pair_of(f: Arrow[Any, Any], x: Any) -> tuple[Any, Any]:
    """The two halves of ``x``, the pair that ``f`` (``exl``, ``exr``, ``*``) takes."""
    if _length(x) != 2:
        raise TypeError(f"{f!r} takes a pair (a, b), got {_describe(x)}; build pairs with & (fork)")
    return x[0], x[1]


def arguments_of(f: Arrow[Any, Any], x: Any) -> tuple[Any, ...]:
    """The arguments that the function of ``f`` takes, from ``x`` (a tuple if more than one)."""
    if f.arity == 1:
        return (x,)
    if _length(x) != f.arity:
        raise TypeError(f"{f!r} takes a tuple of {f.arity} values, got {_describe(x)}")
    return tuple(x[i] for i in range(f.arity))


def _describe(x: Any) -> str:
    n = _length(x)
    name = type(plain_value(x)).__name__
    return f"a {name}" if n is None else f"a {name} of length {n}"


def leaf_function(f: Arrow[Any, Any]) -> Callable[..., Any]:
    """The function of a ``"primitive"`` or ``"lift"`` arrow, its keyword arguments fixed."""
    assert f.fn is not None
    return functools.partial(f.fn, **dict(f.params)) if f.params else f.fn


def evaluate(f: Arrow[A, B], x: A) -> B:
    """The value of ``f`` at ``x`` (the same as ``f(x)``).

    Examples:
        >>> from paralens import cat
        >>> float(cat.evaluate(cat.dup >> cat.add, 1.5))
        3.0
    """
    return cast(B, _evaluate(f, x))


def _evaluate(f: Arrow[Any, Any], x: Any) -> Any:
    kind = f.kind
    if kind in ("primitive", "lift"):
        return leaf_function(f)(*arguments_of(f, x))
    if kind == "const":
        return f.value
    if kind == "id":
        return x
    if kind in ("exl", "exr"):
        return pair_of(f, x)[0 if kind == "exl" else 1]
    if kind == "dup":
        return (x, x)
    if kind == THEN:
        for part in f.children:
            x = _evaluate(part, x)
        return x
    left, right = f.children
    if kind == "fork":
        return (_evaluate(left, x), _evaluate(right, x))
    a, c = pair_of(f, x)
    return (_evaluate(left, a), _evaluate(right, c))
