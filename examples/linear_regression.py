"""Linear regression recovering a known line: the first experiment of the examples.

The model is ``nn.lin_reg()``, ``y = a + b x`` with parameters ``LinReg(a, b)``. It is
trained by ``paralens.learn.fit`` with plain gradient descent on noisy samples of the line
``y = -1 + 2 x`` and recovers ``a`` and ``b``.

Run ``python examples/linear_regression.py [--fast] [--out DIR]``; it prints the fitted
line and writes ``linear_regression.png`` into ``DIR``.
"""

from __future__ import annotations

from pathlib import Path

import _plot
import _run
import numpy as np

from paralens import nn, optim
from paralens.learn import fit, squared_error

TRUE_A, TRUE_B = -1.0, 2.0


def make_data(n: int, key: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points ``x`` in [-2, 2] with ``y = a + b x`` plus Gaussian noise (sd 0.3)."""
    rng = np.random.default_rng(key)
    x = rng.uniform(-2.0, 2.0, size=n)
    return x, TRUE_A + TRUE_B * x + 0.3 * rng.standard_normal(n)


def main(fast: bool = False, out: Path | None = None) -> dict[str, float]:
    """Fit the line; return the fitted ``a``, ``b`` and the final mean squared error."""
    x, y = make_data(64 if fast else 512)
    model = nn.lin_reg()
    params, history = fit(
        model, squared_error, optim.sgd(0.05), (x, y), epochs=10 if fast else 40, batch_size=32
    )
    result = {"a": float(params.a), "b": float(params.b), "loss": history[-1]["loss"]}
    print(f"fitted y = {result['a']:.3f} + {result['b']:.3f} x  (truth: y = -1 + 2 x)")
    print(f"mean squared error {result['loss']:.4f} (noise variance 0.09)")
    if out is not None:
        plot(x, y, params, out / "linear_regression.png")
        _plot.diagram(model, out / "linear_regression_diagram.svg")
    return result


def plot(x: np.ndarray, y: np.ndarray, params: nn.LinReg, path: Path) -> None:
    """The data, the true line and the fitted line."""
    plt = _plot.pyplot()
    grid = np.linspace(-2.0, 2.0, 50)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.scatter(x, y, s=6, alpha=0.4, label="data")
    ax.plot(grid, TRUE_A + TRUE_B * grid, "k--", label="true line")
    ax.plot(grid, nn.lin_reg().apply(params, grid), "C3", label="fitted lin_reg")
    ax.set(xlabel="x", ylabel="y", title="Linear regression")
    ax.legend()
    _plot.save(fig, path)


if __name__ == "__main__":
    _run.cli(main, __doc__, fast="a small slice, few epochs")
