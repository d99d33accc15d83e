"""Adversarial learning: one cost, the discriminator lowering it and the generator raising it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens import nn
from paralens.learn import (
    Learner,
    adversarial,
    discriminator_error,
    gradient_learner,
    train_adversarial,
)

# The target: a mixture of two Gaussians, 0.3 N(-2, 0.4²) + 0.7 N(1.5, 0.4²).
WEIGHTS, MEANS, SD = np.array([0.3, 0.7]), np.array([-2.0, 1.5]), 0.4
TARGET_MEAN = float(WEIGHTS @ MEANS)
TARGET_SD = float(np.sqrt(WEIGHTS @ (SD**2 + MEANS**2) - TARGET_MEAN**2))


def mixture(rng: np.random.Generator, n: int) -> np.ndarray:
    k = rng.choice(2, size=n, p=WEIGHTS)
    return (MEANS[k] + SD * rng.standard_normal(n))[:, None]


def noise(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal((n, 1))


def _learners(batch: int = 64) -> tuple[Learner[Any, Any, Any], Learner[Any, Any, Any]]:
    g = gradient_learner(nn.mlp([1, 16, 16, 1]), lr=0.05 / batch, key=1)
    disc = nn.mlp([1, 16, 1]) >> nn.fn(pnp.logistic)
    d = gradient_learner(disc, lr=0.05 / batch, error=discriminator_error, key=2)
    return g, d


def _cost(d: Learner[Any, Any, Any], q: Any, samples: Any, label: float) -> float:
    verdict = d.implement(q, samples)
    return float(pnp.sum(discriminator_error.value(verdict, np.full_like(verdict, label))))


def test_implement_is_the_discriminator_after_the_generator() -> None:
    g, d = _learners()
    gan = adversarial(g, d)
    z = noise(np.random.default_rng(0), 8)
    np.testing.assert_array_equal(gan(z), d(g(z)))
    assert gan.params[0] is g.params and gan.params[1] is d.params
    assert gan.name.startswith("adversarial(")


def test_one_cost_the_discriminator_lowers_and_the_generator_raises() -> None:
    g, d = _learners()
    gan = adversarial(g, d)
    z = noise(np.random.default_rng(0), 32)
    fake = np.zeros((32, 1))
    p, q = gan.params
    p_new, q_new = gan.update((p, q), z, fake)
    before = _cost(d, q, g.implement(p, z), 0.0)
    assert _cost(d, q_new, g.implement(p, z), 0.0) < before
    assert _cost(d, q, g.implement(p_new, z), 0.0) > before


def test_the_generator_ascends_the_cost_by_gradient_steps() -> None:
    """With the quadratic error's request, the reflected request is exactly gradient ascent
    on the discriminator's error, through the discriminator."""
    lr = 0.01
    generator = nn.mlp([1, 4, 1])
    disc = nn.mlp([1, 4, 1]) >> nn.fn(pnp.logistic)
    g = gradient_learner(generator, lr=lr, key=1)
    d = gradient_learner(disc, lr=0.1, error=discriminator_error, key=2)
    gan = adversarial(g, d)
    z, y = noise(np.random.default_rng(3), 16), np.zeros((16, 1))
    p, q = gan.params

    def cost(p: Any) -> Any:
        return pnp.sum(discriminator_error.value(disc.apply(q, generator.apply(p, z)), y))

    ascent = paralens.tree.tree_map(lambda w, gw: w + lr * gw, p, paralens.grad(cost)(p))
    p_new, _ = gan.update((p, q), z, y)
    for got, want in zip(
        paralens.tree.tree_leaves(p_new), paralens.tree.tree_leaves(ascent), strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_request_passes_the_reflected_request_upstream() -> None:
    g, d = _learners()
    gan = adversarial(g, d)
    z, y = noise(np.random.default_rng(4), 8), np.zeros((8, 1))
    p, q = gan.params
    b = g.implement(p, z)
    expected = g.request(p, z, 2.0 * b - d.request(q, b, y))
    np.testing.assert_allclose(gan.request(gan.params, z, y), expected)


def test_a_gan_learns_the_mean_and_spread_of_a_gaussian_mixture() -> None:
    g, d = _learners()
    probe = noise(np.random.default_rng(100), 4000)
    start = g.implement(g.params, probe)
    gan = train_adversarial(g, d, mixture, noise, steps=1500, batch_size=64, key=0)
    samples = g.implement(gan.params[0], probe)
    for stat, target in ((np.mean, TARGET_MEAN), (np.std, TARGET_SD)):
        assert abs(stat(samples) - target) < 0.25
        assert abs(stat(samples) - target) < 0.5 * abs(stat(start) - target)
    # the discriminator can no longer tell: its verdicts on both sides are near 1/2
    real = mixture(np.random.default_rng(5), 2000)
    verdicts = d.implement(gan.params[1], np.concatenate([real, samples]))
    assert abs(float(np.mean(verdicts)) - 0.5) < 0.1


def test_train_adversarial_is_deterministic_and_calls_back() -> None:
    seen: list[int] = []
    runs = [
        train_adversarial(
            *_learners(), mixture, noise, steps=5, key=7, callback=lambda i, pq: seen.append(i)
        )
        for _ in range(2)
    ]
    assert seen == [0, 1, 2, 3, 4] * 2
    for a, b in zip(*(paralens.tree.tree_leaves(r.params) for r in runs), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_saturated_verdict_costs_a_finite_error() -> None:
    verdicts, labels = np.array([[1.0], [0.0], [0.5]]), np.array([[0.0], [1.0], [1.0]])
    errors = np.asarray(discriminator_error.value(verdicts, labels))
    assert np.all(np.isfinite(errors)) and errors[0, 0] > 20.0
    assert errors[2, 0] == pytest.approx(np.log(2.0))


def test_errors_name_the_mistake() -> None:
    g, d = _learners()
    with pytest.raises(TypeError, match="the discriminator must be a Learner"):
        adversarial(g, nn.linear(1, 1))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="steps must be a non-negative int"):
        train_adversarial(g, d, mixture, noise, steps=-1)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        train_adversarial(g, d, mixture, noise, steps=1, batch_size=0)


def test_the_adversarial_composite_keeps_its_two_players() -> None:
    g = gradient_learner(nn.linear(1, 1), lr=0.1, key=0)
    d = gradient_learner(nn.linear(1, 1), lr=0.1, key=1)
    gan = adversarial(g, d)
    assert gan.kind == "adversarial" and gan.children == (g, d)
    assert gan.params == (g.params, d.params)
