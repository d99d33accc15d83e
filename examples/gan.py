"""A small GAN learns a 1-D Gaussian mixture: two learners, one cost.

The generator (``nn.mlp([1, 32, 32, 1])``, noise to samples) and the discriminator
(``nn.mlp([1, 32, 1])`` then the logistic function, samples to the probability that they
are real) are made learners by ``paralens.learn.gradient_learner`` and composed by
``paralens.learn.adversarial``: the discriminator lowers its binary cross entropy, and the
generator, handed the discriminator's request reflected, raises it.
``paralens.learn.train_adversarial`` trains the pair on the mixture
``0.3 N(-2, 0.4²) + 0.7 N(1.5, 0.4²)``.

Run ``python examples/gan.py [--fast] [--out DIR]``; it writes ``gan.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import _plot
import _run
import numpy as np

import paralens.numpy as pnp
from paralens import nn
from paralens.learn import adversarial, discriminator_error, gradient_learner, train_adversarial

WEIGHTS, MEANS, SD = np.array([0.3, 0.7]), np.array([-2.0, 1.5]), 0.4
TARGET_MEAN = float(WEIGHTS @ MEANS)
TARGET_SD = float(np.sqrt(WEIGHTS @ (SD**2 + MEANS**2) - TARGET_MEAN**2))
BATCH = 64


def mixture(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` samples of the target mixture, shape ``(n, 1)``."""
    k = rng.choice(2, size=n, p=WEIGHTS)
    return (MEANS[k] + SD * rng.standard_normal(n))[:, None]


def density(x: np.ndarray) -> np.ndarray:
    """The target mixture's density."""
    bumps = np.exp(-0.5 * ((x[:, None] - MEANS) / SD) ** 2) / (SD * np.sqrt(2.0 * np.pi))
    return np.asarray(bumps @ WEIGHTS)


def noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """The generator's input: standard normal noise, shape ``(n, 1)``."""
    return rng.standard_normal((n, 1))


def main(fast: bool = False, out: Path | None = None) -> dict[str, float]:
    """Train the GAN; return the generated samples' mean and spread, the target's, and the
    discriminator's mean verdict on real and generated samples."""
    hidden = 8 if fast else 32
    generator = nn.mlp([1, hidden, hidden, 1])
    discriminator = nn.mlp([1, hidden, 1]) >> nn.fn(pnp.logistic)
    g = gradient_learner(generator, lr=0.05 / BATCH, key=1)
    d = gradient_learner(discriminator, lr=0.05 / BATCH, error=discriminator_error, key=2)
    print(adversarial(g, d).name)
    probe = noise(np.random.default_rng(100), 5000)
    progress: list[tuple[int, float, float]] = []

    def record(step: int, pq: tuple[Any, Any]) -> None:
        if step % 100 == 0:
            samples = generator.apply(pq[0], probe[:1000])
            progress.append((step, float(samples.mean()), float(samples.std())))

    steps = 300 if fast else 6000
    gan = train_adversarial(g, d, mixture, noise, steps=steps, batch_size=BATCH, callback=record)
    samples = generator.apply(gan.params[0], probe)
    real = mixture(np.random.default_rng(5), 5000)
    result = {
        "mean": float(samples.mean()),
        "sd": float(samples.std()),
        "target_mean": TARGET_MEAN,
        "target_sd": TARGET_SD,
        "verdict_real": float(discriminator.apply(gan.params[1], real).mean()),
        "verdict_generated": float(discriminator.apply(gan.params[1], samples).mean()),
        "left_mode_fraction": float((samples < 0.0).mean()),
    }
    print(
        f"after {steps} steps: generated mean {result['mean']:.3f}, sd {result['sd']:.3f}; "
        f"target mean {TARGET_MEAN:.3f}, sd {TARGET_SD:.3f}"
    )
    print(
        f"share of samples below 0: {result['left_mode_fraction']:.3f} (target 0.300); "
        f"discriminator's mean verdict on real {result['verdict_real']:.3f}, "
        f"on generated {result['verdict_generated']:.3f}"
    )
    if out is not None:
        plot(samples, progress, out / "gan.png")
        _plot.diagram(adversarial(g, d), out / "gan_diagram.svg")
    return result


def plot(samples: np.ndarray, progress: list[tuple[int, float, float]], path: Path) -> None:
    """The generated samples' histogram against the target density, and their mean and
    spread during training."""
    plt = _plot.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    grid = np.linspace(-4.0, 4.0, 400)
    left.hist(samples[:, 0], bins=80, range=(-4, 4), density=True, alpha=0.6, label="generated")
    left.plot(grid, density(grid), "k-", label="target density")
    left.set(xlabel="x", ylabel="density", title="GAN samples against the target")
    left.legend()
    steps, means, sds = (np.array(v) for v in zip(*progress, strict=True))
    right.plot(steps, means, "C0", label="generated mean")
    right.plot(steps, sds, "C1", label="generated sd")
    right.axhline(TARGET_MEAN, color="C0", linestyle="--", label="target mean")
    right.axhline(TARGET_SD, color="C1", linestyle="--", label="target sd")
    right.set(xlabel="training step", title="Mean and spread while training")
    right.legend(fontsize=8)
    _plot.save(fig, path)


if __name__ == "__main__":
    _run.cli(main, __doc__, fast="small networks, few steps")
