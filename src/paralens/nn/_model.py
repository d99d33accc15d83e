"""Models as values, ``Model[P, A, B]`` and ``ModelS[P, S, A, B]``, and their composition.

A *model* is a function of its parameters and its input, ``apply(p, x) -> y``, together
with a way to make parameters, ``init(key) -> p``. A *stateful model* also threads a
state, ``apply(p, x, s) -> (y, s)``, and makes its first state with ``init_state(key)``.
(These are the ``Model p a b`` and ``ModelS p s a b`` of the article series *A purely
functional typed approach to trainable models*.)

Models are immutable values. Composition is sequential: ``then(f, g, ...)`` runs its parts
one after another, and its parameters are a tuple with one entry per part, earliest first.
``f >> g`` is ``then(f, g)``, with parameters ``(p_f, p_g)``; ``g << f`` is the same
model. The states of stateful parts pair the same way; a stateless part adds no state,
so ``rnn >> head`` has the state of ``rnn`` itself.

Composition is associative and ``identity()`` is its unit, up to where the parameters
sit: ``(f >> g) >> h`` takes ``((p_f, p_g), p_h)`` and ``f >> (g >> h)`` takes
``(p_f, (p_g, p_h))``, and the two compute the same function.

    >>> import numpy as np
    >>> import paralens.numpy as pnp
    >>> from paralens import nn
    >>> f, g, h = nn.tanh_layer(3, 4), nn.linear(4, 2), nn.fn(pnp.sin)
    >>> (p, q, r), x = (f.init(0), g.init(1), None), np.ones((5, 3))
    >>> left, right = ((f >> g) >> h).apply(((p, q), r), x), (f >> (g >> h)).apply((p, (q, r)), x)
    >>> bool(np.array_equal(left, right))
    True
    >>> unit = nn.identity()
    >>> same = [(unit >> f).apply((None, p), x), (f >> unit).apply((p, None), x), f.apply(p, x)]
    >>> all(np.array_equal(y, same[2]) for y in same)
    True

The composition tree stays inspectable, for checks, summaries and pictures: every model
has a ``kind``, a tuple of ``children`` and a ``combinator`` (``nn._structure``) that says
how its parameters, state and sizes relate to its children's.

- ``kind == "layer"``: a leaf made by a layer function or by ``model``/``model_s``.
- ``kind == "fn"``: a parameterless function lifted by ``fn``; ``"identity"``: the unit.
- ``kind == "then"``: a sequential composition; ``children`` are its parts, in the order
  data flows through them (``f >> g`` has two; ``mlp`` has one per layer).
- any other kind names the combinator that made it (``"unroll"``, ``"zero_state"``...);
  ``children`` holds the model it wraps.

A layer's ``shapes`` say what shapes it takes and gives (``nn._shapes``), with named axes
for sizes not fixed; ``in_size`` and ``out_size`` are the sizes of the last axis of the
input and the output where a layer declares them (``None`` where it does not), and
``preserves_size`` is true for models whose output has the shape of their input.
``init`` checks shapes through the whole composition before it makes any parameter
(``model.shape_of(input_shape)`` runs the same check for a given input), and ``apply``
checks the structure and shapes of parameters it has not seen before.

Examples:
    >>> net = nn.linear(3, 4) >> nn.fn(pnp.tanh) >> nn.linear(4, 2)
    >>> net
    Model(linear(3, 4) >> tanh >> linear(4, 2))
    >>> net.apply(net.init(0), np.ones(3)).shape
    (2,)
    >>> net.kind, [c.name for c in net.children]
    ('then', ['linear(3, 4) >> tanh', 'linear(4, 2)'])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar, cast, overload

import numpy as np

from paralens._random import Key, as_generator
from paralens.cat._chain import THEN, require_parts, then_name
from paralens.nn._base import ModelBase, as_combinator, no_params
from paralens.nn._runs import chain_apply, stateful_chain
from paralens.nn._shapes import LayerShape
from paralens.nn._structure import (
    CHAIN_SIZES,
    NO_PARAMS,
    ONE_PER_CHILD,
    OWN_PARAMS,
    Combinator,
    State,
)

__all__ = ["Key", "Model", "ModelS", "identity", "then"]

P = TypeVar("P")
Q = TypeVar("Q")
R = TypeVar("R")
S = TypeVar("S")
T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")

LAYER = Combinator("layer", OWN_PARAMS)
STATEFUL_LAYER = Combinator("layer", OWN_PARAMS, State.OWN)
IDENTITY = Combinator("identity", NO_PARAMS)
SEQUENCE = Combinator(THEN, ONE_PER_CHILD, State.NONE, CHAIN_SIZES)
STATEFUL_SEQUENCE = Combinator(THEN, ONE_PER_CHILD, State.PER_STATEFUL_PART, CHAIN_SIZES)


class Model(ModelBase[P], Generic[P, A, B]):
    """A model ``p -> a -> b``: ``apply(p, x) -> y`` and ``init(key) -> p``.

    ``apply`` runs on plain values (at NumPy speed, no tracing) and on traced values
    (inside ``grad``, ``vjp``...); it checks parameters it has not seen against the
    model's structure first. Compose with ``>>`` (then) and ``<<`` (after).

    Args:
        apply: the function ``(params, input) -> output``.
        init: makes parameters from a ``numpy.random.Generator``.
        name: shown by ``repr`` and in error messages.
        kind: see the module docstring (``"layer"`` for a leaf); combinators pass their
            ``Combinator``, the metadata of their kind.
        children: the models this one is built from.
        in_size: the size of the input's last axis, where the model fixes it.
        out_size: the size of the output's last axis, where the model fixes it.
        preserves_size: whether the output has the size of the input.
        shapes: the shapes a layer takes and gives (``nn._shapes``), beyond the last axis's
            sizes.
        evaluation: the function in evaluation (``model.evaluation()``), where it differs
            from ``apply`` (dropout, batch norm).

    Examples:
        >>> import numpy as np
        >>> double = Model(lambda p, x: p * x, lambda rng: 2.0, name="scale")
        >>> double.apply(double.init(0), np.arange(3.0))
        array([0., 2., 4.])
        >>> double
        Model(scale)
        >>> double.apply(np.ones(2), np.arange(3.0))
        Traceback (most recent call last):
        ...
        ValueError: params: layer 'scale' expects shape (), got (2,)
    """

    __slots__ = ("apply",)

    apply: Callable[[P, A], B]

    def __init__(
        self,
        apply: Callable[[P, A], B],
        init: Callable[[np.random.Generator], P],
        *,
        name: str,
        kind: str | Combinator = LAYER,
        children: tuple[ModelBase[Any], ...] = (),
        in_size: int | None = None,
        out_size: int | None = None,
        preserves_size: bool = False,
        shapes: LayerShape | None = None,
        evaluation: Callable[[P, A], B] | None = None,
    ) -> None:
        combinator = as_combinator(kind, LAYER)
        super().__init__(
            init, name, combinator, children, in_size, out_size, preserves_size, shapes
        )

        def checked_apply(params: P, x: A) -> B:
            if params is not self._seen:
                self._admit(params)
            return apply(params, x)

        self._set(
            apply=checked_apply, _unchecked_apply=apply, _evaluation_apply=evaluation or apply
        )

    def _with_apply(self, apply: Callable[..., Any]) -> Self:
        return cast(
            Self,
            Model(
                apply,
                self._init,
                name=self.name,
                kind=self.combinator,
                children=self.children,
                in_size=self.in_size,
                out_size=self.out_size,
                preserves_size=self.preserves_size,
                shapes=self.shapes,
            ),
        )

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
        """``self << other``: other, then self; parameters ``(p_other, p_self)``."""
        if isinstance(other, ModelS):
            return other >> self
        if not isinstance(other, Model):
            return _bad_compose(other, self, "<<")
        return then(other, self)


class ModelS(ModelBase[P], Generic[P, S, A, B]):
    """A stateful model ``p -> a -> s -> (b, s)``.

    ``apply(p, x, s) -> (y, s)``, ``init(key) -> p`` and ``init_state(key) -> s``.

    Args:
        apply: the function ``(params, input, state) -> (output, new state)``.
        init: makes parameters from a ``numpy.random.Generator``.
        init_state: makes a first state from a ``numpy.random.Generator``.
        name: shown by ``repr`` and in error messages.
        kind: see the module docstring; combinators pass their ``Combinator``.
        children: the models this one is built from.
        in_size: the size of the input's last axis, where the model fixes it.
        out_size: the size of the output's last axis, where the model fixes it.
        preserves_size: whether the output has the size of the input.
        shapes: the shapes a layer takes and gives (``nn._shapes``).
        evaluation: the function in evaluation, where it differs from ``apply``.

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
        kind: str | Combinator = STATEFUL_LAYER,
        children: tuple[ModelBase[Any], ...] = (),
        in_size: int | None = None,
        out_size: int | None = None,
        preserves_size: bool = False,
        shapes: LayerShape | None = None,
        evaluation: Callable[[P, A, S], tuple[B, S]] | None = None,
    ) -> None:
        combinator = as_combinator(kind, STATEFUL_LAYER)
        super().__init__(
            init, name, combinator, children, in_size, out_size, preserves_size, shapes
        )

        def checked_apply(params: P, x: A, s: S) -> tuple[B, S]:
            if params is not self._seen:
                self._admit(params)
            return apply(params, x, s)

        self._set(
            apply=checked_apply,
            _unchecked_apply=apply,
            _evaluation_apply=evaluation or apply,
            _init_state=init_state,
        )

    def _with_apply(self, apply: Callable[..., Any]) -> Self:
        return cast(
            Self,
            ModelS(
                apply,
                self._init,
                self._init_state,
                name=self.name,
                kind=self.combinator,
                children=self.children,
                in_size=self.in_size,
                out_size=self.out_size,
                preserves_size=self.preserves_size,
                shapes=self.shapes,
            ),
        )

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
        """``self >> other``: the states pair when ``other`` is stateful too; a stateless
        ``other`` keeps ``self``'s state as the composite's."""
        if not isinstance(other, Model | ModelS):
            return _bad_compose(self, other, ">>")
        return then(self, other)

    def __lshift__(self, other: ModelS[Q, T, C, A]) -> ModelS[tuple[Q, P], tuple[T, S], C, B]:
        """``self << other``: other, then self; parameters and states ``(other's, self's)``."""
        if not isinstance(other, ModelS):
            return _bad_compose(other, self, "<<")
        return then(other, self)


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


# ---- sequential composition ----------------------------------------------------------------


# Typed overloads for the chains people write out (one to three stateless parts, the two
# stateful pairs >> builds); longer chains are typed loosely.
@overload
def then(only: Model[P, A, B], /) -> Model[tuple[P], A, B]: ...


@overload
def then(first: Model[P, A, B], second: Model[Q, B, C], /) -> Model[tuple[P, Q], A, C]: ...


@overload
def then(
    first: ModelS[P, S, A, B], second: ModelS[Q, T, B, C], /
) -> ModelS[tuple[P, Q], tuple[S, T], A, C]: ...


@overload
def then(first: ModelS[P, S, A, B], second: Model[Q, B, C], /) -> ModelS[tuple[P, Q], S, A, C]: ...


@overload
def then(
    first: Model[P, A, B], second: Model[Q, B, C], third: Model[R, C, D], /
) -> Model[tuple[P, Q, R], A, D]: ...


@overload
def then(
    first: Model[Any, Any, Any],
    second: Model[Any, Any, Any],
    third: Model[Any, Any, Any],
    fourth: Model[Any, Any, Any],
    /,
    *rest: Model[Any, Any, Any],
) -> Model[tuple[Any, ...], Any, Any]: ...


@overload
def then(
    first: ModelS[Any, Any, Any, Any],
    /,
    *rest: Model[Any, Any, Any] | ModelS[Any, Any, Any, Any],
) -> ModelS[tuple[Any, ...], Any, Any, Any]: ...


def then(*parts: Model[Any, Any, Any] | ModelS[Any, Any, Any, Any]) -> Any:
    """The parts run one after another: sequential composition, of any number of models.

    The parameters are a tuple with one entry per part, in order: ``then(f, g)`` (which is
    ``f >> g``) has parameters ``(p_f, p_g)``, and ``then(f, g, h)`` has ``(p_f, p_g,
    p_h)``. Types: ``Model[P, A, B]`` and ``Model[Q, B, C]`` give
    ``Model[tuple[P, Q], A, C]``. With stateful parts the composite is a ``ModelS`` whose
    state is a tuple of those parts' states (one stateful part's state itself: a
    stateless part after a stateful one adds none).

    Args:
        *parts: the models, first applied first; a stateless part cannot come before a
            stateful one (lift it with ``nn.to_stateful``).

    Returns:
        The composite, of kind ``"then"`` with the parts as its children.

    Raises:
        ValueError: no parts (the composition of none is ``nn.identity()``).
        TypeError: a part is not a model, or a stateless part precedes a stateful one.

    Examples:
        >>> import numpy as np
        >>> import paralens.numpy as pnp
        >>> from paralens import nn
        >>> m = then(nn.linear(2, 2), nn.fn(pnp.tanh))
        >>> p = m.init(0)
        >>> type(p[0]).__name__, p[1]
        ('Linear', None)
        >>> three = then(nn.linear(2, 3), nn.fn(pnp.tanh), nn.linear(3, 1))
        >>> three, len(three.init(0)), len(three.children)
        (Model(linear(2, 3) >> tanh >> linear(3, 1)), 3, 3)
    """
    models = require_parts(parts, "nn.then", "nn.identity()")
    for part in models:
        if not isinstance(part, Model | ModelS):
            raise TypeError(
                f"nn.then composes models (Model or ModelS), got {type(part).__name__}; lift a "
                f"plain function with nn.fn(f) or nn.model(f, init=...)"
            )
    stateful = [isinstance(part, ModelS) for part in models]
    if any(stateful) and not stateful[0]:
        first_stateless, first_stateful = models[0], models[stateful.index(True)]
        _bad_compose(first_stateless, first_stateful, ">>")
    inits = tuple(part._init for part in models)

    def init(rng: np.random.Generator) -> tuple[Any, ...]:
        return tuple(make(rng) for make in inits)

    name = then_name(models, _show_part)
    preserves = CHAIN_SIZES.preserves_size(models)
    runs = [part._unchecked_apply for part in models]
    differs = any(part._evaluation_apply is not part._unchecked_apply for part in models)
    evaluations = [part._evaluation_apply for part in models]
    if not any(stateful):
        return Model(
            chain_apply(runs),
            init,
            name=name,
            kind=SEQUENCE,
            children=models,
            preserves_size=preserves,
            evaluation=chain_apply(evaluations) if differs else None,
        )
    first_states = [part._init_state for part in models if isinstance(part, ModelS)]
    apply, init_state = stateful_chain(runs, stateful, first_states)
    evaluation = stateful_chain(evaluations, stateful, first_states)[0] if differs else None
    return ModelS(
        apply,
        init,
        init_state,
        name=name,
        kind=STATEFUL_SEQUENCE,
        children=models,
        preserves_size=preserves,
        evaluation=evaluation,
    )


def _show_part(part: ModelBase[Any], i: int) -> str:
    # A composition later in the chain is bracketed, so the name shows where its
    # parameters sit: f >> (g >> h) takes (p_f, (p_g, p_h)).
    return f"({part.name})" if part.kind == THEN and i > 0 else part.name


def _identity_apply(p: None, x: Any) -> Any:
    return x


def identity() -> Model[None, A, A]:
    """The identity model: parameters ``None``, output its input; the unit of ``>>``.

    Returns:
        A model of kind ``"identity"``.

    Examples:
        >>> from paralens import nn
        >>> identity().apply(None, 3.0)
        3.0
    """
    return Model(_identity_apply, no_params, name="identity", kind=IDENTITY, preserves_size=True)
