"""Arrows: differentiable programs as values, with one description and many meanings.

An ``Arrow[A, B]`` describes a map from ``A`` to ``B`` as a small immutable tree. Its
leaves are generators: differentiable primitives (``sin``, ``mul``...), lifted functions,
constants, and the cartesian structure (``id``, ``exl``, ``exr``, ``dup``); its inner nodes
are the combinators ``then`` (``f >> g``), ``fork`` (``f & g``) and ``parallel``
(``f * g``). Each interpretation is one structural recursion over the tree, after Conal
Elliott's *The simple essence of automatic differentiation*: evaluation, forward mode
(the value and the linear map of tangents) and reverse mode (the value and the pullback
of cotangents). Derivatives compose: ``then`` composes linear maps (and pullbacks in the
opposite order), ``fork``'s pullback adds and ``parallel``'s splits. A primitive arrow
carries the derivative rules of its ``paralens`` primitive, so one description serves
both modes.

References: Conal Elliott, *The simple essence of automatic differentiation* (ICFP 2018);
Bruno Gavranović, *Compositional deep learning* (2019).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, Literal, TypeVar, cast

from paralens import tree
from paralens._ad import jvp, vjp
from paralens._core import Primitive, _vspace, plain_value, primitive_of

A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")

Kind = Literal["primitive", "lift", "const", "id", "exl", "exr", "dup", "then", "fork", "parallel"]
LinearMap = Callable[[Any], Any]

GENERATORS: tuple[Kind, ...] = ("primitive", "lift", "const", "id", "exl", "exr", "dup")
COMBINATORS: tuple[Kind, ...] = ("then", "fork", "parallel")
_SYMBOLS: dict[str, str] = {"then": ">>", "fork": "&", "parallel": "*"}
# Python's operator precedence, which ``repr`` follows so that it reads back as written.
_PRECEDENCE: dict[str, int] = {"fork": 1, "then": 2, "parallel": 3}
_ATOM = 4

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
    - ``children``: the two sub-arrows of a combinator, in order; ``()`` for a generator;
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
        return then(self, _checked(other, ">>"))

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


def then(f: Arrow[A, B], g: Arrow[B, C]) -> Arrow[A, C]:
    """``f`` then ``g`` (written ``f >> g``): composition in diagrammatic order.

    Examples:
        >>> from paralens import cat
        >>> cat.then(cat.sin, cat.cos)
        sin >> cos
    """
    return Arrow("then", ">>", (f, g))


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


def _then_chain(f: Arrow[Any, Any]) -> list[Arrow[Any, Any]]:
    # ``>>`` is associative, so a chain is shown flat whichever way it was bracketed.
    if f.kind != "then":
        return [f]
    return [part for child in f.children for part in _then_chain(child)]


def _show(f: Arrow[Any, Any], context: int) -> str:
    kind = f.kind
    if kind == "then":
        text = " >> ".join(_show(part, _PRECEDENCE["then"] + 1) for part in _then_chain(f))
    elif kind in ("fork", "parallel"):
        prec = _PRECEDENCE[kind]
        left, right = f.children
        text = f"{_show(left, prec)} {f.name} {_show(right, prec + 1)}"
    else:
        return f.name
    return f"({text})" if _PRECEDENCE[kind] < context else text


# Interpretations: each a structural recursion over the description.


def _length(x: Any) -> int | None:
    try:
        return len(x)
    except TypeError:
        return None


def _pair(f: Arrow[Any, Any], x: Any) -> tuple[Any, Any]:
    if _length(x) != 2:
        raise TypeError(f"{f!r} takes a pair (a, b), got {_describe(x)}; build pairs with & (fork)")
    return x[0], x[1]


def _args(f: Arrow[Any, Any], x: Any) -> tuple[Any, ...]:
    if f.arity == 1:
        return (x,)
    if _length(x) != f.arity:
        raise TypeError(f"{f!r} takes a tuple of {f.arity} values, got {_describe(x)}")
    return tuple(x[i] for i in range(f.arity))


def _describe(x: Any) -> str:
    n = _length(x)
    name = type(plain_value(x)).__name__
    return f"a {name}" if n is None else f"a {name} of length {n}"


def _pack_args(f: Arrow[Any, Any], parts: list[Any]) -> Any:
    return parts[0] if f.arity == 1 else tuple(parts)


def _call(f: Arrow[Any, Any], args: tuple[Any, ...]) -> Any:
    assert f.fn is not None
    return f.fn(*args, **dict(f.params))


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
        return _call(f, _args(f, x))
    if kind == "const":
        return f.value
    if kind == "id":
        return x
    if kind in ("exl", "exr"):
        return _pair(f, x)[0 if kind == "exl" else 1]
    if kind == "dup":
        return (x, x)
    left, right = f.children
    if kind == "then":
        return _evaluate(right, _evaluate(left, x))
    if kind == "fork":
        return (_evaluate(left, x), _evaluate(right, x))
    a, c = _pair(f, x)
    return (_evaluate(left, a), _evaluate(right, c))


def _forward(f: Arrow[Any, Any], x: Any) -> tuple[Any, LinearMap]:
    kind = f.kind
    if kind == "primitive":
        return _forward_primitive(f, x)
    if kind == "lift":
        args = _args(f, x)

        def lifted(*xs: Any) -> Any:
            return _call(f, xs)

        return _call(f, args), lambda t: jvp(lifted, args, _args(f, t))[1]
    if kind == "const":
        return f.value, lambda t: tree.zeros_like(plain_value(f.value))
    if kind == "id":
        return x, lambda t: t
    if kind in ("exl", "exr"):
        i = 0 if kind == "exl" else 1
        return _pair(f, x)[i], lambda t: _pair(f, t)[i]
    if kind == "dup":
        return (x, x), lambda t: (t, t)
    left, right = f.children
    if kind == "then":
        y, df = _forward(left, x)
        z, dg = _forward(right, y)
        return z, lambda t: dg(df(t))
    if kind == "fork":
        (y, df), (z, dg) = _forward(left, x), _forward(right, x)
        return (y, z), lambda t: (df(t), dg(t))
    a, c = _pair(f, x)
    (y, df), (z, dg) = _forward(left, a), _forward(right, c)
    return (y, z), lambda t: (df(_pair(f, t)[0]), dg(_pair(f, t)[1]))


def _forward_primitive(f: Arrow[Any, Any], x: Any) -> tuple[Any, LinearMap]:
    prim, params = f.primitive, dict(f.params)
    assert prim is not None
    args = _args(f, x)
    ans = _call(f, args)
    rules = [prim.jvp_rule(i) for i in range(f.arity)]

    def linear_map(t: Any) -> Any:
        total: Any = _vspace.ZERO
        for rule, ti in zip(rules, _args(f, t), strict=True):
            total = _vspace.add(total, rule(ti, ans, *args, **params))
        return _vspace.instantiate(total, plain_value(ans))

    return ans, linear_map


def _reverse(f: Arrow[Any, Any], x: Any) -> tuple[Any, LinearMap]:
    kind = f.kind
    if kind == "primitive":
        return _reverse_primitive(f, x)
    if kind == "lift":
        args = _args(f, x)

        def lifted(*xs: Any) -> Any:
            return _call(f, xs)

        ans, pullback = vjp(lifted, *args)
        return ans, lambda g: _pack_args(f, list(pullback(g)))
    if kind == "const":
        return f.value, lambda g: tree.zeros_like(plain_value(x))
    if kind == "id":
        return x, lambda g: g
    if kind in ("exl", "exr"):
        a, b = _pair(f, x)
        if kind == "exl":
            return a, lambda g: (g, tree.zeros_like(plain_value(b)))
        return b, lambda g: (tree.zeros_like(plain_value(a)), g)
    if kind == "dup":
        return (x, x), lambda g: tree.add(*_pair(f, g))
    left, right = f.children
    if kind == "then":
        y, pf = _reverse(left, x)
        z, pg = _reverse(right, y)
        return z, lambda g: pf(pg(g))
    if kind == "fork":
        (y, pf), (z, pg) = _reverse(left, x), _reverse(right, x)
        return (y, z), lambda g: tree.add(pf(_pair(f, g)[0]), pg(_pair(f, g)[1]))
    a, c = _pair(f, x)
    (y, pf), (z, pg) = _reverse(left, a), _reverse(right, c)
    return (y, z), lambda g: (pf(_pair(f, g)[0]), pg(_pair(f, g)[1]))


def _reverse_primitive(f: Arrow[Any, Any], x: Any) -> tuple[Any, LinearMap]:
    prim, params = f.primitive, dict(f.params)
    assert prim is not None
    args = _args(f, x)
    ans = _call(f, args)
    rules = [prim.vjp_rule(i) for i in range(f.arity)]

    def pullback(g: Any) -> Any:
        cts = [
            _vspace.instantiate(rule(g, ans, *args, **params), plain_value(a))
            for rule, a in zip(rules, args, strict=True)
        ]
        return _pack_args(f, cts)

    return ans, pullback


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
        if not _vspace.is_leaf(plain) or shape != ():
            what = f"shape {shape}" if shape != () else type(plain).__name__
            raise TypeError(
                f"cat.grad needs an arrow with a scalar output, but {f!r} returned {what}; "
                f"end it with a reduction (cat.lift(pnp.sum)), or use cat.reverse"
            )
        ct = pullback(_vspace.ones_like(plain))
        return _vspace.coerce(ct, plain_value(x))  # type: ignore[no-any-return]

    return grad_f
