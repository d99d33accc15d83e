"""Models as values: ``Model[P, A, B]`` and ``ModelS[P, S, A, B]``, and their composition.

A *model* is a function of its parameters and its input, ``apply(p, x) -> y``, together
with a way to make parameters, ``init(key) -> p``: the article series *A purely functional
typed approach to trainable models* writes it ``p -> a -> b`` (``Model p a b``). A
*stateful model* also threads a state, ``apply(p, x, s) -> (y, s)`` (the series'
``ModelS p s a b``), and makes its first state with ``init_state(key)``.

Models are immutable values. Composing them builds a new model whose parameters pair the
parts' parameters, earliest model first: ``f >> g`` (f then g) has parameters
``(p_f, p_g)``; ``g << f`` is the same model (the series' ``g <~ f``). Stateful models
pair their states the same way (the series' ``<*~*``), and a stateless model after a
stateful one keeps the stateful one's state (the series' ``<*~``).

The composition tree stays inspectable (for printing and for string diagrams): every
model has a ``kind`` and a tuple of ``children``.

- ``kind == "layer"``: a leaf made by a layer constructor or by ``model``/``model_s``;
  no children.
- ``kind == "fn"``: a parameterless function lifted by ``fn``; no children.
- ``kind == "identity"``: the identity model; no children.
- ``kind == "then"``: a sequential composition; ``children`` are the parts in the order
  data flows through them, and the parameters (and, for stateful parts, the states) are a
  tuple with one entry per child (``f >> g`` has two children; ``mlp`` has one per layer).
- any other kind names the combinator that made it (``"to_stateful"``, ``"unroll"``,
  ``"zero_state"``, ...); ``children`` holds the model(s) it wraps.

``in_size`` and ``out_size`` are the sizes of the last input and output axis where a layer
declares them (``None`` where it does not), and ``preserves_size`` is true for models whose
output has the size of their input (``fn(pnp.tanh)``, the identity). ``init`` checks these
sizes through the whole composition before making any parameter.

Examples:
    >>> import numpy as np
    >>> import paralens.numpy as pnp
    >>> from paralens import nn
    >>> net = nn.linear(3, 4) >> nn.fn(pnp.tanh) >> nn.linear(4, 2)
    >>> net
    Model(linear(3, 4) >> tanh >> linear(4, 2))
    >>> p = net.init(0)
    >>> net.apply(p, np.ones(3)).shape
    (2,)
    >>> net.kind, [c.name for c in net.children]
    ('then', ['linear(3, 4) >> tanh', 'linear(4, 2)'])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, overload

import numpy as np

from paralens import tree
from paralens._random import Key, as_generator

__all__ = [
    "Key",
    "Model",
    "ModelS",
    "fn",
    "identity",
    "model",
    "model_s",
    "then",
]

P = TypeVar("P")
Q = TypeVar("Q")
S = TypeVar("S")
T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")


class _Base(Generic[P]):
    """What ``Model`` and ``ModelS`` share: a name, a kind, children, declared sizes and
    ``init``."""

    __slots__ = ("_init", "children", "in_size", "kind", "name", "out_size", "preserves_size")

    name: str
    kind: str
    children: tuple[_Base[Any], ...]
    in_size: int | None
    out_size: int | None
    preserves_size: bool
    _init: Callable[[np.random.Generator], P]

    def __init__(
        self,
        init: Callable[[np.random.Generator], P],
        name: str,
        kind: str,
        children: tuple[_Base[Any], ...],
        in_size: int | None,
        out_size: int | None,
        preserves_size: bool,
    ) -> None:
        self._set(
            _init=init,
            name=name,
            kind=kind,
            children=children,
            in_size=in_size,
            out_size=out_size,
            preserves_size=preserves_size,
        )

    def _set(self, **fields: Any) -> None:
        for k, v in fields.items():
            object.__setattr__(self, k, v)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(
            f"{type(self).__name__} is immutable; build a new model instead of setting '{name}'"
        )

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; cannot delete '{name}'")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"

    def init(self, key: Key) -> P:
        """Fresh parameters, after checking sizes through the whole composition.

        Args:
            key: an int seed or a ``numpy.random.Generator``.

        Returns:
            The parameters, structured as the model's parameter type.

        Raises:
            ValueError: two consecutive layers disagree on a size.
            TypeError: ``key`` is neither an int nor a Generator.

        Examples:
            >>> from paralens import nn
            >>> nn.linear(2, 1).init(0).w.shape
            (2, 1)
            >>> m = ModelS(lambda p, x, s: (p * x, s), lambda rng: 2.0, lambda rng: 0.0, name="m")
            >>> m.init(0)
            2.0
        """
        rng = as_generator(key, "model.init({})")
        _check_sizes(self)
        result: P = self._init(rng)
        return result

    def check_sizes(self) -> None:
        """Check that consecutive layers agree on sizes, throughout the composition.

        Raises:
            ValueError: two consecutive layers disagree; the message names both and their
                sizes.

        Examples:
            >>> from paralens import nn
            >>> (nn.linear(2, 3) >> nn.linear(4, 1)).check_sizes()
            Traceback (most recent call last):
            ...
            ValueError: size mismatch in 'linear(2, 3) >> linear(4, 1)': layer 'linear(2, 3)' gives outputs of size 3, but the next layer 'linear(4, 1)' expects inputs of size 4. Make them agree: the output size of 'linear(2, 3)' must equal the input size of 'linear(4, 1)'.
        """  # noqa: E501
        _check_sizes(self)

    def check_params(self, params: Any) -> None:
        """Check that ``params`` has the structure and leaf shapes that ``init`` makes.

        Use it on parameters loaded or built by hand, before training with them.

        Args:
            params: the parameters to check (plain values).

        Raises:
            ValueError: the structure or a shape differs; the message gives the path to
                the first difference and the layer it belongs to.

        Examples:
            >>> import numpy as np
            >>> from paralens import nn
            >>> m = nn.linear(2, 3) >> nn.linear(3, 1)
            >>> m.check_params(m.init(0))
            >>> m.check_params((m.init(0)[0], nn.Linear(np.zeros((3, 2)), np.zeros(2))))
            Traceback (most recent call last):
            ...
            ValueError: params[1].w: layer 'linear(3, 1)' expects shape (3, 1), got (3, 2)
        """
        _check_params(self, params, "params")


def _check_params(m: _Base[Any], p: Any, path: str) -> None:
    if m.kind == "then":
        if not isinstance(p, tuple) or len(p) != len(m.children):
            raise ValueError(
                f"{path}: {m.name!r} expects a tuple of {len(m.children)} parameters, one "
                f"per part, got {_describe(p)}"
            )
        for i, (c, pc) in enumerate(zip(m.children, p, strict=True)):
            _check_params(c, pc, f"{path}[{i}]")
    elif m.kind in _PARAMS_FROM_CHILD:
        _check_params(m.children[0], p, path)
    elif m.kind == "train_state":
        (child,) = m.children
        if not isinstance(p, tuple) or len(p) != 2:
            raise ValueError(
                f"{path}: {m.name!r} expects a pair (parameters, initial state), got {_describe(p)}"
            )
        _check_params(child, p[0], f"{path}[0]")
        assert isinstance(child, ModelS)
        template = child._init_state(np.random.default_rng(0))
        _check_like(template, p[1], f"{path}[1]", f"the initial state of {child.name!r}")
    else:
        template = m._init(np.random.default_rng(0))
        _check_like(template, p, path, f"layer {m.name!r}")


# Combinators whose parameters are those of the model they wrap.
_PARAMS_FROM_CHILD = frozenset(
    {
        "to_stateful",
        "map_s",
        "unroll",
        "unroll_last",
        "fix_state",
        "zero_state",
        "recurrently",
        "recurrently_with",
        "lagged",
    }
)


def _describe(p: Any) -> str:
    if isinstance(p, tuple | list):
        return f"a {type(p).__name__} of {len(p)}"
    return f"a {type(p).__name__}"


def _check_like(template: Any, p: Any, path: str, owner: str) -> None:
    fields = getattr(type(template), "__dataclass_fields__", None)
    if fields is not None:
        if type(p) is not type(template):
            raise ValueError(
                f"{path}: {owner} expects {type(template).__name__}, got {_describe(p)}"
            )
        for name in fields:
            _check_like(getattr(template, name), getattr(p, name), f"{path}.{name}", owner)
        return
    if tree.tree_structure(p) != tree.tree_structure(template):
        raise ValueError(
            f"{path}: {owner} expects the structure {tree.tree_structure(template)!r}, got "
            f"{tree.tree_structure(p)!r}"
        )
    leaves, expected = tree.tree_leaves(p), tree.tree_leaves(template)
    for i, (a, e) in enumerate(zip(leaves, expected, strict=True)):
        if np.shape(a) != np.shape(e):
            where = path if len(leaves) == 1 else f"{path} (leaf {i})"
            raise ValueError(f"{where}: {owner} expects shape {np.shape(e)}, got {np.shape(a)}")


def _in_end(m: _Base[Any]) -> tuple[int, str] | None:
    """The input size the first size-declaring layer of ``m`` expects, and that layer."""
    return _end(m, output=False)


def _out_end(m: _Base[Any]) -> tuple[int, str] | None:
    """The output size the last size-declaring layer of ``m`` gives, and that layer."""
    return _end(m, output=True)


def _end(m: _Base[Any], output: bool) -> tuple[int, str] | None:
    """The size at the input (output) end of ``m``, and the layer that declares it."""
    if m.kind == "then":
        for c in reversed(m.children) if output else m.children:
            found = _end(c, output)
            if found is not None or not c.preserves_size:
                return found
        return None
    size = m.out_size if output else m.in_size
    if size is not None:
        return size, m.name
    if m.kind in (_OUT_SIZE_FROM_CHILD if output else _IN_SIZE_FROM_CHILD):
        return _end(m.children[0], output)
    return None


# Combinators whose input (output) size is that of the model they wrap.
_IN_SIZE_FROM_CHILD = frozenset(
    {"to_stateful", "map_s", "unroll", "unroll_last", "fix_state", "zero_state", "train_state"}
)
_OUT_SIZE_FROM_CHILD = frozenset(
    {
        "to_stateful",
        "unroll",
        "unroll_last",
        "fix_state",
        "zero_state",
        "train_state",
        "recurrently",
        "recurrently_with",
        "lagged",
    }
)


def _check_sizes(m: _Base[Any]) -> None:
    for c in m.children:
        _check_sizes(c)
    if m.kind != "then":
        return
    for i in range(1, len(m.children)):
        before = _out_end(_then_view(m.children[:i]))
        after = _in_end(_then_view(m.children[i:]))
        if before is None or after is None or before[0] == after[0]:
            continue
        (n_out, left), (n_in, right) = before, after
        raise ValueError(
            f"size mismatch in {m.name!r}: layer {left!r} gives outputs of size {n_out}, "
            f"but the next layer {right!r} expects inputs of size {n_in}. Make them agree: "
            f"the output size of {left!r} must equal the input size of {right!r}."
        )


class _ThenView(_Base[Any]):
    __slots__ = ()


def _then_view(children: Sequence[_Base[Any]]) -> _Base[Any]:
    if len(children) == 1:
        return children[0]
    return _ThenView(_no_params, "", "then", tuple(children), None, None, False)


def keeps_child_params(kind: str) -> bool:
    """Whether a combinator of this ``kind`` has the parameters of the model it wraps.

    ``to_stateful(m)``, ``unroll(m)``, ``recurrently(m)``... have ``m``'s parameters; a
    ``"then"`` composition has a tuple of its parts' parameters, and ``train_state(m)``
    the pair ``(m's parameters, initial state)``.

    Examples:
        >>> keeps_child_params("unroll"), keeps_child_params("train_state")
        (True, False)
    """
    return kind in _PARAMS_FROM_CHILD


def wire_sizes(parts: Sequence[_Base[Any]]) -> list[int | None]:
    """The sizes of the wires into, between and out of ``parts`` run one after another.

    Entry 0 is the input size the parts expect, entry ``i`` the output size of
    ``parts[i - 1]`` (the last entry the output size of the whole run), as the layers
    declare them, looking through size-preserving parts; ``None`` where no layer says.

    Examples:
        >>> import paralens.numpy as pnp
        >>> from paralens import nn
        >>> wire_sizes([nn.linear(3, 4), nn.fn(pnp.tanh), nn.linear(4, 2)])
        [3, 4, 4, 2]
        >>> wire_sizes([nn.fn(pnp.tanh), nn.fn(lambda x: x, preserves_size=False)])
        [None, None, None]
    """
    first = _in_end(_then_view(parts))
    sizes = [None if first is None else first[0]]
    for i in range(1, len(parts) + 1):
        out = _out_end(_then_view(parts[:i]))
        sizes.append(None if out is None else out[0])
    return sizes


def _then_name(parts: Sequence[_Base[Any]]) -> str:
    return " >> ".join(
        f"({c.name})" if c.kind == "then" and c is not parts[0] else c.name for c in parts
    )


class Model(_Base[P], Generic[P, A, B]):
    """A model ``p -> a -> b``: ``apply(p, x) -> y`` and ``init(key) -> p``.

    ``apply`` runs on plain values (at NumPy speed, no tracing) and on traced values
    (inside ``grad``, ``vjp``...). Compose with ``>>`` (then) and ``<<`` (after).

    Args:
        apply: the function ``(params, input) -> output``.
        init: makes parameters from a ``numpy.random.Generator``.
        name: shown by ``repr`` and in error messages.
        kind: see the module docstring (``"layer"`` for a leaf).
        children: the models this one is built from.
        in_size: the size of the input's last axis, where the model fixes it.
        out_size: the size of the output's last axis, where the model fixes it.
        preserves_size: whether the output has the size of the input.

    Examples:
        >>> import numpy as np
        >>> double = Model(lambda p, x: p * x, lambda rng: 2.0, name="scale")
        >>> double.apply(double.init(0), np.arange(3.0))
        array([0., 2., 4.])
        >>> double
        Model(scale)
    """

    __slots__ = ("apply",)

    apply: Callable[[P, A], B]

    def __init__(
        self,
        apply: Callable[[P, A], B],
        init: Callable[[np.random.Generator], P],
        *,
        name: str,
        kind: str = "layer",
        children: tuple[_Base[Any], ...] = (),
        in_size: int | None = None,
        out_size: int | None = None,
        preserves_size: bool = False,
    ) -> None:
        self._set(apply=apply)
        super().__init__(init, name, kind, children, in_size, out_size, preserves_size)

    def __rshift__(self, other: Model[Q, B, C]) -> Model[tuple[P, Q], A, C]:
        """``self >> other``: self, then other; parameters ``(p_self, p_other)``."""
        if not isinstance(other, Model):
            return _bad_compose(self, other, ">>")
        return then(self, other)

    @overload
    def __lshift__(self, other: Model[Q, C, A]) -> Model[tuple[Q, P], C, B]: ...

    @overload
    def __lshift__(self, other: ModelS[Q, S, C, A]) -> ModelS[tuple[Q, P], S, C, B]: ...

    def __lshift__(self, other: Model[Q, C, A] | ModelS[Q, S, C, A]) -> Any:
        """``self << other``: other, then self (the series' ``<~``).

        The parameters are ``(p_other, p_self)``, as for ``other >> self``.
        """
        if isinstance(other, ModelS):
            return other >> self
        if not isinstance(other, Model):
            return _bad_compose(other, self, "<<")
        return then(other, self)


class ModelS(_Base[P], Generic[P, S, A, B]):
    """A stateful model ``p -> a -> s -> (b, s)``, the series' ``ModelS p s a b``.

    ``apply(p, x, s) -> (y, s)``, ``init(key) -> p`` and ``init_state(key) -> s``.

    Args:
        apply: the function ``(params, input, state) -> (output, new state)``.
        init: makes parameters from a ``numpy.random.Generator``.
        init_state: makes a first state from a ``numpy.random.Generator``.
        name: shown by ``repr`` and in error messages.
        kind: see the module docstring.
        children: the models this one is built from.
        in_size: the size of the input's last axis, where the model fixes it.
        out_size: the size of the output's last axis, where the model fixes it.
        preserves_size: whether the output has the size of the input.

    Examples:
        >>> running_sum = ModelS(
        ...     lambda p, x, s: (s + x, s + x), lambda rng: None, lambda rng: 0.0, name="sum"
        ... )
        >>> running_sum.apply(None, 2.0, running_sum.init_state(0))
        (2.0, 2.0)
    """

    __slots__ = ("_init_state", "apply")

    apply: Callable[[P, A, S], tuple[B, S]]
    _init_state: Callable[[np.random.Generator], S]

    def __init__(
        self,
        apply: Callable[[P, A, S], tuple[B, S]],
        init: Callable[[np.random.Generator], P],
        init_state: Callable[[np.random.Generator], S],
        *,
        name: str,
        kind: str = "layer",
        children: tuple[_Base[Any], ...] = (),
        in_size: int | None = None,
        out_size: int | None = None,
        preserves_size: bool = False,
    ) -> None:
        self._set(apply=apply, _init_state=init_state)
        super().__init__(init, name, kind, children, in_size, out_size, preserves_size)

    def init_state(self, key: Key) -> S:
        """A first state.

        Args:
            key: an int seed or a ``numpy.random.Generator``.

        Returns:
            The state.

        Examples:
            >>> import numpy as np
            >>> zeros = lambda rng: np.zeros(3)
            >>> m = ModelS(lambda p, x, s: (x, s), lambda rng: None, zeros, name="m")
            >>> m.init_state(0)
            array([0., 0., 0.])
        """
        return self._init_state(as_generator(key, "model.init_state({})"))

    @overload
    def __rshift__(self, other: ModelS[Q, T, B, C]) -> ModelS[tuple[P, Q], tuple[S, T], A, C]: ...

    @overload
    def __rshift__(self, other: Model[Q, B, C]) -> ModelS[tuple[P, Q], S, A, C]: ...

    def __rshift__(self, other: ModelS[Q, T, B, C] | Model[Q, B, C]) -> Any:
        """``self >> other``: states pair for two stateful models; a stateless ``other``
        keeps ``self``'s state (the series' ``<*~*`` and ``<*~``)."""
        if isinstance(other, ModelS):
            return _then_s(self, other)
        if isinstance(other, Model):
            return _then_s_model(self, other)
        return _bad_compose(self, other, ">>")

    def __lshift__(self, other: ModelS[Q, T, C, A]) -> ModelS[tuple[Q, P], tuple[T, S], C, B]:
        """``self << other``: other, then self (the series' ``<*~*``)."""
        if not isinstance(other, ModelS):
            return _bad_compose(other, self, "<<")
        return _then_s(other, self)


def _bad_compose(first: object, second: object, op: str) -> Any:
    names = [getattr(m, "name", None) or type(m).__name__ for m in (first, second)]
    if isinstance(first, Model) and isinstance(second, ModelS):
        raise TypeError(
            f"cannot compose the stateless model {names[0]!r} before the stateful model "
            f"{names[1]!r} directly; lift it first: nn.to_stateful({names[0]}) >> ..."
        )
    raise TypeError(
        f"{op} composes models (Model or ModelS), got {type(first).__name__} and "
        f"{type(second).__name__}; lift a plain function with nn.fn(f) or nn.model(f, init=...)"
    )


def then(first: Model[P, A, B], second: Model[Q, B, C]) -> Model[tuple[P, Q], A, C]:
    """``first >> second``: run ``first``, then ``second`` on its output.

    The series' ``second <~ first``. Types: ``Model[P, A, B]`` and ``Model[Q, B, C]`` give
    ``Model[tuple[P, Q], A, C]``; the parameters are ``(p_first, p_second)``.

    Args:
        first: applied first.
        second: applied to ``first``'s output.

    Returns:
        The composite model.

    Examples:
        >>> import numpy as np
        >>> import paralens.numpy as pnp
        >>> from paralens import nn
        >>> m = then(nn.linear(2, 2), nn.fn(pnp.tanh))
        >>> p = m.init(0)
        >>> type(p[0]).__name__, p[1]
        ('Linear', None)
    """
    fa, ga = first.apply, second.apply

    # One Python call per part: the composite stays close to the hand-written code.
    def apply(p: tuple[P, Q], x: A) -> C:
        return ga(p[1], fa(p[0], x))

    fi, gi = first._init, second._init

    def init(rng: np.random.Generator) -> tuple[P, Q]:
        return fi(rng), gi(rng)

    return Model(
        apply,
        init,
        name=_then_name((first, second)),
        kind="then",
        children=(first, second),
        preserves_size=first.preserves_size and second.preserves_size,
    )


def _then_s(
    first: ModelS[P, S, A, B], second: ModelS[Q, T, B, C]
) -> ModelS[tuple[P, Q], tuple[S, T], A, C]:
    fa, ga = first.apply, second.apply

    def apply(p: tuple[P, Q], x: A, s: tuple[S, T]) -> tuple[C, tuple[S, T]]:
        y, s_f = fa(p[0], x, s[0])
        z, s_g = ga(p[1], y, s[1])
        return z, (s_f, s_g)

    fi, gi = first._init, second._init
    fs, gs = first._init_state, second._init_state
    return ModelS(
        apply,
        lambda rng: (fi(rng), gi(rng)),
        lambda rng: (fs(rng), gs(rng)),
        name=_then_name((first, second)),
        kind="then",
        children=(first, second),
        preserves_size=first.preserves_size and second.preserves_size,
    )


def _then_s_model(
    first: ModelS[P, S, A, B], second: Model[Q, B, C]
) -> ModelS[tuple[P, Q], S, A, C]:
    fa, ga = first.apply, second.apply

    def apply(p: tuple[P, Q], x: A, s: S) -> tuple[C, S]:
        y, s_f = fa(p[0], x, s)
        return ga(p[1], y), s_f

    fi, gi = first._init, second._init
    return ModelS(
        apply,
        lambda rng: (fi(rng), gi(rng)),
        first._init_state,
        name=_then_name((first, second)),
        kind="then",
        children=(first, second),
        preserves_size=first.preserves_size and second.preserves_size,
    )


def model(
    apply: Callable[[P, A], B],
    init: Callable[[np.random.Generator], P],
    *,
    name: str | None = None,
    in_size: int | None = None,
    out_size: int | None = None,
) -> Model[P, A, B]:
    """Turn a function ``(p, x) -> y`` and a parameter maker into a ``Model``.

    Args:
        apply: the model's function; write it with ``paralens.numpy`` so it differentiates.
        init: makes parameters from a ``numpy.random.Generator``.
        name: the model's name (default: the function's name).
        in_size: the input's last-axis size, if the model fixes it.
        out_size: the output's last-axis size, if the model fixes it.

    Returns:
        A ``Model[P, A, B]`` of kind ``"layer"``.

    Examples:
        >>> import numpy as np
        >>> def affine(p, x):
        ...     return p[0] * x + p[1]
        >>> m = model(affine, lambda rng: (2.0, 1.0))
        >>> m, m.apply(m.init(0), 3.0)
        (Model(affine), 7.0)
    """
    return Model(
        apply,
        init,
        name=name or str(getattr(apply, "__name__", "model")),
        in_size=in_size,
        out_size=out_size,
    )


def model_s(
    apply: Callable[[P, A, S], tuple[B, S]],
    init: Callable[[np.random.Generator], P],
    init_state: Callable[[np.random.Generator], S],
    *,
    name: str | None = None,
    in_size: int | None = None,
    out_size: int | None = None,
) -> ModelS[P, S, A, B]:
    """Turn a function ``(p, x, s) -> (y, s)`` and makers of parameters and state into a
    ``ModelS``.

    Args:
        apply: the model's function.
        init: makes parameters from a ``numpy.random.Generator``.
        init_state: makes a first state from a ``numpy.random.Generator``.
        name: the model's name (default: the function's name).
        in_size: the input's last-axis size, if the model fixes it.
        out_size: the output's last-axis size, if the model fixes it.

    Returns:
        A ``ModelS[P, S, A, B]`` of kind ``"layer"``.

    Examples:
        >>> def count(p, x, s):
        ...     return x + s, s + 1
        >>> m = model_s(count, lambda rng: None, lambda rng: 0)
        >>> m.apply(None, 10, m.init_state(0))
        (10, 1)
    """
    return ModelS(
        apply,
        init,
        init_state,
        name=name or str(getattr(apply, "__name__", "model")),
        in_size=in_size,
        out_size=out_size,
    )


def _no_params(rng: np.random.Generator) -> None:
    return None


def fn(
    f: Callable[[A], B],
    *,
    name: str | None = None,
    preserves_size: bool = True,
    out_size: int | None = None,
) -> Model[None, A, B]:
    """Lift a parameterless function to a ``Model[None, A, B]`` (parameters ``None``).

    By default the lifted model keeps the size of its input's last axis (as elementwise
    functions do) when sizes are checked; say otherwise for functions that reshape.

    Args:
        f: the function, e.g. ``pnp.tanh``.
        name: the model's name (default: the function's name).
        preserves_size: whether outputs have the size of inputs (last axis).
        out_size: the output's last-axis size, where ``f`` fixes it (implies
            ``preserves_size=False``).

    Returns:
        A model of kind ``"fn"``.

    Examples:
        >>> import numpy as np
        >>> import paralens.numpy as pnp
        >>> t = fn(pnp.tanh)
        >>> t, t.init(0), t.apply(None, np.zeros(2))
        (Model(tanh), None, array([0., 0.]))
        >>> from paralens import nn
        >>> doubled = fn(lambda x: pnp.concatenate([x, x], axis=-1), name="twice", out_size=4)
        >>> (nn.linear(3, 2) >> doubled >> nn.linear(4, 1)).check_sizes()
    """

    def apply(p: None, x: A) -> B:
        return f(x)

    return Model(
        apply,
        _no_params,
        name=name or str(getattr(f, "__name__", "fn")),
        kind="fn",
        out_size=out_size,
        preserves_size=preserves_size and out_size is None,
    )


def _identity_apply(p: None, x: Any) -> Any:
    return x


def identity() -> Model[None, A, A]:
    """The identity model: parameters ``None``, output its input; neutral for ``>>``.

    Returns:
        A model of kind ``"identity"``.

    Examples:
        >>> from paralens import nn
        >>> identity().apply(None, 3.0)
        3.0
    """
    return Model(_identity_apply, _no_params, name="identity", kind="identity", preserves_size=True)
