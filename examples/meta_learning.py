"""Meta-learning the step size: hypergradient descent on the circle task.

``paralens.learn.hypergradient(lr)`` is an update rule that differentiates the loss after
each update step with respect to the step size that made it, through the update rule, and
descends that derivative. Started from a step size 1000 times too small, it finds a
working one by itself; the example compares it with fixed step sizes on the circle task
(``nn.mlp([2, 16, 1])`` and a logistic output) and on an ill-conditioned quadratic.

Run ``python examples/meta_learning.py [--fast] [--out DIR]``; it writes
``meta_learning.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import _plot
import _run
import numpy as np

import paralens.numpy as pnp
from paralens import data, nn, optim
from paralens.learn import accuracy, binary_cross_entropy, hypergradient, make_step

BAD_LR = 1e-3
BATCH = 64


def circle_model() -> nn.Model[Any, Any, Any]:
    """``mlp([2, 16, 1])`` and a logistic output: the probability of being inside."""
    return nn.mlp([2, 16, 1]) >> nn.fn(lambda z: pnp.logistic(z[..., 0]), name="logistic")


def train_circle(rule: optim.UpdateRule, steps: int) -> tuple[list[float], list[float], float]:
    """Train on the circle task with ``rule``; return the full-data loss every 10 steps,
    the step size every 10 steps (for a hypergradient rule) and the final accuracy."""
    x, y = data.circle_data(1024, key=0)
    model = circle_model()
    step = make_step(model, binary_cross_entropy, rule)
    params = model.init(0)
    state = rule.init(params)
    rng = np.random.default_rng(0)
    losses, rates = [], []
    for i in range(steps + 1):
        if i % 10 == 0:
            losses.append(float(binary_cross_entropy(model.apply(params, x), y)))
            rates.append(getattr(state, "lr", float("nan")))
        index = rng.integers(0, len(x), BATCH)
        params, state, _ = step(params, state, (x[index], y[index]))
    return losses, rates, accuracy(model.apply(params, x), y)


def quadratic_loss(rule: optim.UpdateRule, steps: int) -> float:
    """The loss ``0.5 sum(c x²)``, ``c`` from 1 to 10, after ``steps`` steps from ones."""
    curvature = np.linspace(1.0, 10.0, 10)
    x = np.ones(10)
    state = rule.init(x)
    for _ in range(steps):
        updates, state = rule.update(curvature * x, state, x)
        x = optim.apply_updates(x, updates)
    return float(0.5 * np.sum(curvature * x * x))


def main(fast: bool = False, out: Path | None = None) -> dict[str, float]:
    """Compare fixed and learned step sizes; return the final losses and accuracies."""
    steps = 100 if fast else 2000
    runs = {
        f"fixed {BAD_LR:g}": optim.sgd(BAD_LR),
        "fixed 0.1": optim.sgd(0.1),
        "fixed 1": optim.sgd(1.0),
        f"learned, from {BAD_LR:g}": hypergradient(BAD_LR),
    }
    result: dict[str, float] = {}
    curves = {}
    for name, rule in runs.items():
        losses, rates, acc = train_circle(rule, steps)
        curves[name] = (losses, rates)
        result[f"circle {name}: loss"] = losses[-1]
        result[f"circle {name}: accuracy"] = acc
        print(f"circle, {name:18}: loss {losses[-1]:.4f}, accuracy {acc:.4f} after {steps} steps")
    print(
        f"learned step size after {steps} steps: {curves[f'learned, from {BAD_LR:g}'][1][-1]:.3f}"
    )
    for lr in (BAD_LR, 0.25):
        fixed = quadratic_loss(optim.sgd(lr), 200)
        learned = quadratic_loss(hypergradient(lr), 200)
        result[f"quadratic fixed {lr:g}"] = fixed
        result[f"quadratic learned from {lr:g}"] = learned
        print(f"quadratic, 200 steps from lr {lr:g}: fixed {fixed:.3g}, learned {learned:.3g}")
    if out is not None:
        plot(curves, out / "meta_learning.png")
        _plot.diagram(circle_model(), out / "meta_learning_diagram.svg")
    return result


def plot(curves: dict[str, tuple[list[float], list[float]]], path: Path) -> None:
    """Loss curves of every run, and the learned step size over training."""
    plt = _plot.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    for name, (losses, rates) in curves.items():
        steps = 10 * np.arange(len(losses))
        style = "-" if name.startswith("learned") else "--"
        left.plot(steps, losses, style, label=name)
        if name.startswith("learned"):
            right.plot(steps, rates, "C3", label=name)
    left.set(xlabel="step", ylabel="loss (all data)", yscale="log", title="Circle task")
    left.legend(fontsize=8)
    right.set(xlabel="step", ylabel="step size", yscale="log", title="The learned step size")
    right.legend(fontsize=8)
    _plot.save(fig, path)


if __name__ == "__main__":
    _run.cli(main, __doc__, fast="few steps")
