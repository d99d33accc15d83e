"""Logistic regression: a scalar classifier ``p(y = 1 | x) = logistic(a + b x)``.

The model is ``nn.log_reg()``, with parameters ``a`` and ``b``. Labels are drawn from a known
logistic model, ``a = -1.5``, ``b = 2``; ``paralens.learn.fit`` minimises the binary cross
entropy and recovers the parameters, and the example reports the accuracy on fresh data.

Run ``python examples/logistic_regression.py [--fast] [--out DIR]``.
"""

from __future__ import annotations

from pathlib import Path

import _plot
import _run
import numpy as np

import paralens.numpy as pnp
from paralens import nn, optim
from paralens.learn import accuracy, binary_cross_entropy, fit

TRUE_A, TRUE_B = -1.5, 2.0


def make_data(n: int, key: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points ``x`` in [-3, 3] with labels drawn with ``p = logistic(a + b x)``."""
    rng = np.random.default_rng(key)
    x = rng.uniform(-3.0, 3.0, size=n)
    p = 1.0 / (1.0 + np.exp(-(TRUE_A + TRUE_B * x)))
    return x, (rng.uniform(size=n) < p).astype(float)


def main(fast: bool = False, out: Path | None = None) -> dict[str, float]:
    """Fit the classifier; return the fitted ``a``, ``b``, the test accuracy and the
    accuracy of the true model on the same test set (the best achievable)."""
    x, y = make_data(256 if fast else 2048, key=0)
    x_test, y_test = make_data(2000, key=1)
    model = nn.log_reg()
    params, history = fit(
        model,
        binary_cross_entropy,
        optim.adam(0.05),
        (x, y),
        epochs=5 if fast else 30,
        batch_size=64,
        eval_data=(x_test, y_test),
        metrics={"accuracy": accuracy},
    )
    best = accuracy(model.apply(nn.LinReg(TRUE_A, TRUE_B), x_test), y_test)
    result = {
        "a": float(params.a),
        "b": float(params.b),
        "test_accuracy": history[-1]["eval_accuracy"],
        "true_model_accuracy": best,
    }
    print(f"fitted p(y=1|x) = logistic({result['a']:.3f} + {result['b']:.3f} x)")
    print("truth:           logistic(-1.5 + 2 x)")
    print(f"test accuracy {result['test_accuracy']:.4f} (the true model scores {best:.4f})")
    if out is not None:
        plot(x, y, params, out / "logistic_regression.png")
        _plot.diagram(model, out / "logistic_regression_diagram.svg")
    return result


def plot(x: np.ndarray, y: np.ndarray, params: nn.LinReg, path: Path) -> None:
    """The labelled data (jittered), the true and the fitted probability curves."""
    plt = _plot.pyplot()
    grid = np.linspace(-3.0, 3.0, 200)
    jitter = np.random.default_rng(2).uniform(-0.04, 0.04, size=len(y))
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.scatter(x, y + jitter, s=4, alpha=0.3, label="labels")
    ax.plot(grid, pnp.logistic(TRUE_A + TRUE_B * grid), "k--", label="true p(y=1|x)")
    ax.plot(grid, nn.log_reg().apply(params, grid), "C3", label="fitted log_reg")
    ax.set(xlabel="x", ylabel="p(y = 1 | x)", title="Logistic regression")
    ax.legend(loc="center right")
    _plot.save(fig, path)


if __name__ == "__main__":
    _run.cli(main, __doc__, fast="a small slice, few epochs")
