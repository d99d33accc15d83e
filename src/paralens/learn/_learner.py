"""Learners after Fong, Spivak and Tuyéras, *Backprop as Functor* (LICS 2019).

A learner from ``A`` to ``B`` is a parameter value ``p`` with three functions:

- ``implement(p, a) -> b``: what the learner computes;
- ``update(p, a, b) -> p``: new parameters, given an input and the output wanted for it;
- ``request(p, a, b) -> a``: the input it would have wanted instead, passed back upstream.

Learners compose: in ``l1 >> l2`` the first implements ``b = I1(p, a)``, the second
updates on ``(b, c)`` and requests a better ``b'`` from the first, which trains on
``(a, b')``. The parameters of the composite are the pair ``(p1, p2)``, as for the models
of ``paralens.nn``; ``then(l1, l2, l3, ...)`` composes any number, passing each request
back along the chain. A learner keeps its structure as data: its ``kind`` (``"learner"``
for one made by hand, ``"then"``, ``"gradient_learner"``, ``"adversarial"``) and its
``children`` (the learners it composes, or the model it learns).

``gradient_learner(model, lr, error)`` is the paper's functor from parameterised functions
to learners: gradient descent on the total error ``E(p, a, b) = sum_j e(I_j(p, a), b_j)``
with step ``lr``, requesting the input whose error derivative equals the input gradient.
It is a functor: ``gradient_learner(f >> g)`` and ``gradient_learner(f) >>
gradient_learner(g)`` are the same learner, for the quadratic error and any other error
whose derivative in its second argument can be inverted.

Examples:
    >>> import numpy as np
    >>> double = Learner(
    ...     params=2.0,
    ...     implement=lambda p, a: p * a,
    ...     update=lambda p, a, b: p + 0.1 * (b - p * a) * a,
    ...     request=lambda p, a, b: a + 0.1 * (b - p * a) * p,
    ... )
    >>> double(3.0)
    6.0
    >>> double.learn(3.0, 9.0).params
    2.9
    >>> (double >> double)(1.0), (double >> double).params
    (4.0, (2.0, 2.0))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

import paralens.numpy as pnp
from paralens._ad import grad
from paralens.cat._chain import THEN, require_parts, then_name
from paralens.tree import tree_map

__all__ = [
    "Error",
    "Learner",
    "Trainable",
    "binary_cross_entropy_error",
    "gradient_learner",
    "quadratic_error",
]

P = TypeVar("P")
Q = TypeVar("Q")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")


class Trainable(Protocol):
    """Anything with ``apply(params, x)`` and ``init(key)``, such as a ``paralens.nn.Model``."""

    def apply(self, params: Any, x: Any, /) -> Any: ...

    def init(self, key: Any, /) -> Any: ...


@dataclass(frozen=True)
class Learner(Generic[P, A, B]):
    """A learner ``A -> B``: parameters with ``implement``, ``update`` and ``request``.

    Args:
        params: the current parameters.
        implement: ``(p, a) -> b``.
        update: ``(p, a, b) -> p``, new parameters from a training pair.
        request: ``(p, a, b) -> a``, the input wanted upstream.
        name: shown by ``repr``.
        kind: what made it: ``"learner"`` by hand, ``"then"``, ``"gradient_learner"``,
            ``"adversarial"``.
        children: what it is made of: the learners it composes, or the model it learns.
    """

    params: P
    implement: Callable[[P, A], B]
    update: Callable[[P, A, B], P]
    request: Callable[[P, A, B], A]
    name: str = "learner"
    kind: str = "learner"
    children: tuple[Any, ...] = ()

    def __call__(self, a: A) -> B:
        """``implement(params, a)``."""
        return self.implement(self.params, a)

    def learn(self, a: A, b: B) -> Learner[P, A, B]:
        """This learner with its parameters updated on the pair ``(a, b)``."""
        return replace(self, params=self.update(self.params, a, b))

    def __rshift__(self, other: Learner[Q, B, C]) -> Learner[tuple[P, Q], A, C]:
        """``self >> other``: self, then other (the composite of *Backprop as Functor*)."""
        composite: Learner[tuple[P, Q], A, C] = then(self, other)
        return composite

    def __repr__(self) -> str:
        return f"Learner({self.name})"


def then(*learners: Learner[Any, Any, Any]) -> Learner[tuple[Any, ...], Any, Any]:
    """The composite learner of ``learners`` in sequence: ``then(l1, l2)`` is ``l1 >> l2``.

    The parameters are a tuple with one entry per part. With ``b_0 = a`` and each part
    implementing ``b_i = I_i(p_i, b_{i-1})``, the last part is asked for ``c``; each part
    updates on its input and the output it is asked for, and requests of the part before
    it the input it wanted. For two parts, with ``b = I(p, a)`` and ``b' = s(q, b, c)``
    the second's request: ``update((p, q), a, c) = (U(p, a, b'), V(q, b, c))`` and
    ``request((p, q), a, c) = r(p, a, b')``.

    Composition is associative, up to where the parameters sit:

        >>> import numpy as np
        >>> from paralens import nn
        >>> f, g, h = (gradient_learner(nn.linear(2, 2), 0.1, key=k) for k in range(3))
        >>> a, c = np.ones(2), np.zeros(2)
        >>> (p1, p2), p3 = ((f >> g) >> h).update(((f >> g) >> h).params, a, c)
        >>> q1, (q2, q3) = (f >> (g >> h)).update((f >> (g >> h)).params, a, c)
        >>> all(np.allclose(x.w, y.w) for x, y in [(p1, q1), (p2, q2), (p3, q3)])
        True

    Args:
        *learners: the parts, the first implemented first.

    Returns:
        The composite, of kind ``"then"``, named ``"l1 >> l2 >> ..."``.

    Raises:
        ValueError: no learners.
        TypeError: a part is not a ``Learner``.
    """
    identity = "Learner((), lambda p, a: a, lambda p, a, b: p, lambda p, a, b: b)"
    parts = require_parts(learners, "learner composition", identity)
    return compose(parts, THEN, then_name(parts))


def compose(
    parts: Sequence[Learner[Any, Any, Any]],
    kind: str,
    name: str,
    pass_back: Callable[[Any, Any], Any] | None = None,
) -> Learner[tuple[Any, ...], Any, Any]:
    """The learners ``parts`` in sequence, each request handed to the part before it.

    ``pass_back(b, wanted)``, if given, changes a request on its way back: ``b`` is what
    the earlier part implemented, ``wanted`` what the later one requests of it (the
    adversarial composite reflects it). The composite has kind ``kind`` and the parts as
    its children.
    """
    for part in parts:
        if not isinstance(part, Learner):
            raise TypeError(
                f"a Learner composes with another Learner, not {type(part).__name__}; "
                f"make one with gradient_learner(model, lr)"
            )
    steps = tuple(parts)

    def implement(ps: tuple[Any, ...], a: Any) -> Any:
        for part, p in zip(steps, ps, strict=True):
            a = part.implement(p, a)
        return a

    def inputs_and_targets(ps: tuple[Any, ...], a: Any, c: Any) -> tuple[list[Any], list[Any]]:
        """What each part is given, and the output each is asked for."""
        inputs = [a]
        for part, p in zip(steps[:-1], ps[:-1], strict=True):
            inputs.append(part.implement(p, inputs[-1]))
        targets = [c]
        for i in range(len(steps) - 1, 0, -1):
            wanted = steps[i].request(ps[i], inputs[i], targets[-1])
            targets.append(wanted if pass_back is None else pass_back(inputs[i], wanted))
        return inputs, targets[::-1]

    def update(ps: tuple[Any, ...], a: Any, c: Any) -> tuple[Any, ...]:
        inputs, targets = inputs_and_targets(ps, a, c)
        return tuple(
            part.update(p, x, y) for part, p, x, y in zip(steps, ps, inputs, targets, strict=True)
        )

    def request(ps: tuple[Any, ...], a: Any, c: Any) -> Any:
        _, targets = inputs_and_targets(ps, a, c)
        return steps[0].request(ps[0], a, targets[0])

    params = tuple(part.params for part in steps)
    return Learner(params, implement, update, request, name=name, kind=kind, children=steps)


class Error(NamedTuple):
    """An error function ``e(x, y)`` (applied elementwise) for ``gradient_learner``.

    ``request(x, z)`` inverts the derivative: it returns the ``y`` with
    ``de/dx(x, y) == z``, which the paper requires to exist for each ``x``.
    """

    value: Callable[[Any, Any], Any]
    request: Callable[[Any, Any], Any]


quadratic_error = Error(
    value=lambda x, y: 0.5 * (x - y) * (x - y),
    request=lambda x, z: x - z,
)
"""``e(x, y) = (x - y)² / 2``: ``de/dx = x - y``, so the requested ``y`` is ``x - z``."""

binary_cross_entropy_error = Error(
    value=lambda x, y: -(y * pnp.log(x) + (1.0 - y) * pnp.log(1.0 - x)),
    request=lambda x, z: x - z * x * (1.0 - x),
)
"""``e(x, y) = -(y log x + (1 - y) log(1 - x))`` for ``x`` in (0, 1):
``de/dx = (x - y) / (x (1 - x))``, so the requested ``y`` is ``x - z x (1 - x)``."""


def gradient_learner(
    model: Trainable,
    lr: float,
    error: Error = quadratic_error,
    params: Any = None,
    key: Any = 0,
) -> Learner[Any, Any, Any]:
    """The learner of ``model`` by gradient descent: the functor of *Backprop as Functor*.

    With ``E(p, a, b) = sum(error.value(model.apply(p, a), b))``:
    ``update(p, a, b) = p - lr * dE/dp`` and ``request(p, a, b) = error.request(a, dE/da)``
    (for the quadratic error, ``a - dE/da``).

    Args:
        model: anything with ``apply(params, x)`` and ``init(key)``.
        lr: the step size (the paper's epsilon), positive.
        error: the error function and the inverse of its derivative.
        params: the starting parameters; by default ``model.init(key)``.
        key: an int seed or ``numpy.random.Generator`` for ``model.init``.

    References:
        Fong, Spivak and Tuyéras, *Backprop as Functor: A compositional perspective on
        supervised learning*, LICS 2019, Theorem III.2.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> learner = gradient_learner(nn.linear(2, 1), lr=0.1, params=None, key=0)
        >>> a, b = np.array([1.0, 2.0]), np.array([3.0])
        >>> for _ in range(50):
        ...     learner = learner.learn(a, b)
        >>> np.round(learner(a), 4)
        array([3.])

        The functor law: the learner of a composite is the composite of the learners.

        >>> from paralens.tree import tree_leaves
        >>> f, g = nn.tanh_layer(2, 3), nn.linear(3, 1)
        >>> p, q = f.init(0), g.init(1)
        >>> whole = gradient_learner(f >> g, 0.1, params=(p, q))
        >>> parts = gradient_learner(f, 0.1, params=p) >> gradient_learner(g, 0.1, params=q)
        >>> new_whole, new_parts = whole.update((p, q), a, b), parts.update((p, q), a, b)
        >>> all(np.allclose(x, y) for x, y in zip(tree_leaves(new_whole), tree_leaves(new_parts)))
        True
    """
    if not lr > 0:
        raise ValueError(f"gradient_learner needs a positive step size lr, got {lr}")
    start = model.init(key) if params is None else params

    def total_error(p: Any, a: Any, b: Any) -> Any:
        return pnp.sum(error.value(model.apply(p, a), b))

    gradients = grad(total_error, argnums=(0, 1))
    param_gradient = grad(total_error, argnums=0)

    def update(p: Any, a: Any, b: Any) -> Any:
        g = param_gradient(p, a, b)
        return tree_map(lambda x, gx: x - lr * gx, p, g)

    def request(p: Any, a: Any, b: Any) -> Any:
        _, g_a = gradients(p, a, b)
        return tree_map(error.request, a, g_a)

    name = getattr(model, "name", type(model).__name__)
    return Learner(
        start,
        model.apply,
        update,
        request,
        name=f"gradient_learner({name})",
        kind="gradient_learner",
        children=(model,),
    )
