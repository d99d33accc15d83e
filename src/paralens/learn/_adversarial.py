"""Adversarial learning: two learners with one cost, one minimising what the other maximises.

In the composite ``g >> d`` of two learners (*Backprop as Functor*), ``d`` trains on the
pair it is given and passes back the request ``b'``: the output it would have wanted from
``g``, a step downhill on its error. ``adversarial(g, d)`` composes the same two learners
with the request reflected, ``2 b - b'``: a step *uphill*, so ``g`` trains to raise the
very error that ``d`` trains to lower. For learners whose request is a gradient step (the
quadratic error's, ``b' = b - dE/db``) the reflection is exact: ``g`` is handed
``b + dE/db`` and so ascends ``E`` by gradient steps, while ``d`` descends it.

A generative adversarial network is this composite: a generator ``g`` from noise to
samples and a discriminator ``d`` from samples to the probability that they are real,
with one cost, the discriminator's binary cross entropy. ``train_adversarial`` trains the
discriminator on real samples (labelled 1) and the composite on noise (labelled 0, "fake"):
the discriminator learns to tell the two apart, and the generator to make that impossible.

Examples:
    >>> import numpy as np
    >>> import paralens.numpy as pnp
    >>> from paralens import nn
    >>> from paralens.learn import adversarial, discriminator_error, gradient_learner
    >>> g = gradient_learner(nn.linear(1, 1), lr=0.1, key=0)
    >>> d = gradient_learner(nn.linear(1, 1) >> nn.fn(pnp.logistic), 0.1, discriminator_error)
    >>> gan = adversarial(g, d)
    >>> z = np.zeros((1, 1))
    >>> bool(gan(z) == d(g(z)))
    True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import numpy as np

import paralens.numpy as pnp
from paralens._random import Key, as_generator
from paralens.learn._learner import (
    Error,
    Learner,
    binary_cross_entropy_error,
    compose,
    quadratic_error,
)
from paralens.tree import tree_map

__all__ = ["adversarial", "discriminator_error", "train_adversarial"]

P = TypeVar("P")
Q = TypeVar("Q")
Z = TypeVar("Z")
X = TypeVar("X")
Y = TypeVar("Y")

# Verdicts are kept this far from 0 and 1 before taking logs: a discriminator whose
# logistic output rounds to exactly 0 or 1 costs a large finite error, not inf and nan.
_TINY = 1e-12


def _verdict_error(x: Any, y: Any) -> Any:
    return binary_cross_entropy_error.value(pnp.clip(x, _TINY, 1.0 - _TINY), y)


discriminator_error = Error(value=_verdict_error, request=quadratic_error.request)
"""The error of a discriminator for ``gradient_learner``: the binary cross entropy of its
verdicts (probabilities in (0, 1)), and the quadratic error's request, ``a - dE/da``, for
the samples it is shown, which are what a generator trained on the quadratic error makes."""


def _reflect(b: Any, wanted: Any) -> Any:
    """``2 b - wanted``: the request mirrored through ``b``, a step uphill instead of down."""
    return tree_map(lambda x, w: 2.0 * x - w, b, wanted)


def adversarial(
    generator: Learner[P, Z, X], discriminator: Learner[Q, X, Y]
) -> Learner[tuple[P, Q], Z, Y]:
    """The composite learner in which ``discriminator`` lowers its error and ``generator``
    raises it.

    Like ``generator >> discriminator`` (parameters ``(p, q)``, ``implement((p, q), z) =
    discriminator(generator(z))``), except that the generator is handed the discriminator's
    request reflected through its own output: with ``b = generator(z)`` and ``b'`` the
    discriminator's request for the target ``y``, the generator trains on ``(z, 2 b - b')``.

    Args:
        generator: the learner from noise to samples (e.g. a ``gradient_learner`` with the
            quadratic error, whose request the reflection inverts exactly).
        discriminator: the learner from samples to verdicts (e.g. a ``gradient_learner``
            with ``discriminator_error``).

    Returns:
        The composite learner, of kind ``"adversarial"`` with the two as its children,
        named ``adversarial(generator, discriminator)``.

    Raises:
        TypeError: either argument is not a ``Learner``.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> from paralens.learn import gradient_learner
        >>> g = gradient_learner(nn.linear(1, 1), lr=0.1, key=0)
        >>> d = gradient_learner(nn.linear(1, 1), lr=0.1, key=1)
        >>> gan = adversarial(g, d)
        >>> z, y = np.ones((1, 1)), np.zeros((1, 1))
        >>> error = lambda pq: float(((gan.implement(pq, z) - y) ** 2).sum())
        >>> p, q = gan.params
        >>> p_new, q_new = gan.update(gan.params, z, y)
        >>> error((p, q_new)) < error((p, q)) < error((p_new, q))
        True
    """
    for role, learner in (("generator", generator), ("discriminator", discriminator)):
        if not isinstance(learner, Learner):
            raise TypeError(
                f"adversarial: the {role} must be a Learner, got {type(learner).__name__}; "
                f"make one with gradient_learner(model, lr)"
            )
    name = f"adversarial({generator.name}, {discriminator.name})"
    gan: Learner[tuple[P, Q], Z, Y] = compose(
        (generator, discriminator), "adversarial", name, pass_back=_reflect
    )
    return gan


def train_adversarial(
    generator: Learner[P, Z, X],
    discriminator: Learner[Q, X, Any],
    real: Callable[[np.random.Generator, int], X],
    noise: Callable[[np.random.Generator, int], Z],
    steps: int,
    batch_size: int = 64,
    key: Key = 0,
    callback: Callable[[int, tuple[P, Q]], None] | None = None,
) -> Learner[tuple[P, Q], Z, Any]:
    """Train a generator and a discriminator against each other, as a GAN.

    Each step draws ``batch_size`` real samples and trains the discriminator on them with
    the label 1, then draws as much noise and trains ``adversarial(generator,
    discriminator)`` on it with the label 0: the discriminator learns that generated
    samples are fake, the generator learns to make them pass for real.

    Args:
        generator: the learner from noise to samples.
        discriminator: the learner from samples to the probability that they are real.
        real: ``real(rng, n)`` draws ``n`` samples of the distribution to learn.
        noise: ``noise(rng, n)`` draws ``n`` inputs for the generator.
        steps: how many steps to train.
        batch_size: samples per step, of each kind.
        key: an int seed or ``numpy.random.Generator`` for the draws.
        callback: called as ``callback(step, (p, q))`` after every step.

    Returns:
        The trained ``adversarial(generator, discriminator)``; its ``params`` are the pair
        (generator's, discriminator's).

    Raises:
        ValueError: ``steps`` is negative or ``batch_size`` is not positive.

    Examples:
        >>> import numpy as np
        >>> import paralens.numpy as pnp
        >>> from paralens import nn
        >>> from paralens.learn import gradient_learner
        >>> g = gradient_learner(nn.mlp([1, 8, 1]), lr=0.05 / 64, key=1)
        >>> disc = nn.mlp([1, 8, 1]) >> nn.fn(pnp.logistic)
        >>> d = gradient_learner(disc, lr=0.05 / 64, error=discriminator_error, key=2)
        >>> gan = train_adversarial(g, d, lambda rng, n: 3.0 + 0.5 * rng.standard_normal((n, 1)),
        ...                         lambda rng, n: rng.standard_normal((n, 1)), steps=300)
        >>> samples = g.implement(gan.params[0], np.random.default_rng(0).standard_normal((500, 1)))
        >>> bool(abs(samples.mean() - 3.0) < 0.5)
        True
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"train_adversarial: steps must be a non-negative int, got {steps!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(
            f"train_adversarial: batch_size must be a positive int, got {batch_size!r}"
        )
    rng = as_generator(key)
    gan = adversarial(generator, discriminator)
    p, q = gan.params
    real_label: Any = None
    fake_label: Any = None
    for step in range(steps):
        x = real(rng, batch_size)
        if real_label is None:
            verdict = np.asarray(discriminator.implement(q, x))
            real_label, fake_label = np.ones_like(verdict), np.zeros_like(verdict)
        q = discriminator.update(q, x, real_label)
        p, q = gan.update((p, q), noise(rng, batch_size), fake_label)
        if callback is not None:
            callback(step, (p, q))
    return replace(gan, params=(p, q))
