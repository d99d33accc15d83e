"""A two-layer classifier of points inside or outside the unit circle.

Two logistic layers, ``nn.logistic_layer(2, 16) >> nn.logistic_layer(16, 1)`` (each
computes ``logistic(x @ w + b)``; ``>>`` composes them), learn the disc from 2-D points of
``paralens.data.circle_data``; ``paralens.learn.fit`` trains them with Adam on the binary
cross entropy and reports the accuracy on held-out points.

Run ``python examples/circle.py [--fast] [--out DIR]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import _plot
import _run
import numpy as np

import paralens.numpy as pnp
from paralens import data, nn, optim
from paralens.learn import accuracy, binary_cross_entropy, fit

HIDDEN = 16


def classifier(hidden: int = HIDDEN) -> nn.Model[Any, Any, Any]:
    """``logistic_layer(2, hidden) >> logistic_layer(hidden, 1)``, one probability per point."""
    squeeze = nn.fn(lambda z: z[..., 0], name="squeeze", preserves_size=False)
    return nn.logistic_layer(2, hidden) >> nn.logistic_layer(hidden, 1) >> squeeze


def main(fast: bool = False, out: Path | None = None) -> dict[str, float]:
    """Train the classifier; return its train and test accuracy and final test loss."""
    x, y = data.circle_data(512 if fast else 4000, key=0)
    x_test, y_test = data.circle_data(2000, key=1)
    model = classifier()
    params, history = fit(
        model,
        binary_cross_entropy,
        optim.adam(0.05),
        (x, y),
        epochs=20 if fast else 60,
        batch_size=64,
        eval_data=(x_test, y_test),
        metrics={"accuracy": accuracy},
    )
    result = {
        "train_accuracy": accuracy(model.apply(params, x), y),
        "test_accuracy": history[-1]["eval_accuracy"],
        "test_loss": history[-1]["eval_loss"],
    }
    print(
        f"{model.name}: train accuracy {result['train_accuracy']:.4f}, "
        f"test accuracy {result['test_accuracy']:.4f}, test loss {result['test_loss']:.4f}"
    )
    if out is not None:
        plot(model, params, x_test, y_test, out / "circle.png")
        _plot.diagram(model, out / "circle_diagram.svg")
    return result


def plot(model: nn.Model[Any, Any, Any], params: Any, x: Any, y: Any, path: Path) -> None:
    """The classifier's probability over the plane, its 0.5 contour, the unit circle and
    the test points."""
    plt = _plot.pyplot()
    grid = np.linspace(-1.5, 1.5, 150)
    gx, gy = np.meshgrid(grid, grid)
    prob = model.apply(params, np.stack([gx.ravel(), gy.ravel()], axis=1)).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(5, 4.2))
    image = ax.contourf(gx, gy, prob, levels=np.linspace(0.0, 1.0, 21), cmap="RdBu_r", alpha=0.8)
    ax.contour(gx, gy, prob, levels=[0.5], colors="k")
    angle = np.linspace(0.0, 2.0 * np.pi, 200)
    ax.plot(pnp.cos(angle), pnp.sin(angle), "w--", linewidth=1.5, label="unit circle")
    shown, inside = x[:300], y[:300] > 0.5
    ax.scatter(*shown[inside].T, s=10, c="gold", edgecolors="k", linewidths=0.4)
    ax.scatter(*shown[~inside].T, s=10, c="k", marker="x", linewidths=0.8)
    fig.colorbar(image, ax=ax, label="p(inside)")
    ax.set(xlabel="x₁", ylabel="x₂", title="Inside the circle?", aspect="equal")
    _plot.save(fig, path)


if __name__ == "__main__":
    _run.cli(main, __doc__, fast="a small slice, few epochs")
