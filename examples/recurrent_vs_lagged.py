"""Two ways to give a model memory, side by side: ``lagged`` and ``recurrently``.

``nn.lagged(4, net)`` keeps the last four inputs as its state and shows ``net`` a window of
five values (a feed-forward model of a fixed stretch of the past);
``nn.recurrently(cell)`` feeds a model its own previous output as its state (a recurrent
network). Both are trained by ``paralens.learn.fit`` on the
same windows of a sine, then continue it with ``nn.feedback``.

Run ``python examples/recurrent_vs_lagged.py [--fast] [--out DIR]``; it writes
``recurrent_vs_lagged.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import _plot
import _run
import numpy as np
from _series import sine, time_major, windows

import paralens.numpy as pnp
from paralens import nn, optim
from paralens.learn import fit, squared_error

PRIMED = 150
GENERATED = 100
HIDDEN = 32
WINDOW = 30


def _scalar() -> nn.Model[None, Any, Any]:
    return nn.fn(lambda y: y[..., 0], name="scalar", preserves_size=False)


def _with_state(pair: Any) -> Any:
    """``(x, s)`` as one vector ``[x, s...]``; an unbatched state is broadcast to the batch."""
    x, s = pair
    x_col = pnp.expand_dims(x, -1)
    return pnp.concatenate([x_col, s + 0.0 * x_col], axis=-1)


def lagged_model(hidden: int = HIDDEN) -> nn.ModelS[Any, Any, Any, Any]:
    """``lagged(4, mlp([5, hidden, 1]))``: a window of the last five values."""
    return nn.lagged(4, nn.mlp([5, hidden, 1]) >> _scalar())


def recurrent_model(hidden: int = HIDDEN) -> nn.ModelS[Any, Any, Any, Any]:
    """``recurrently(join >> tanh_layer(1 + hidden, hidden))``, then a linear read-out."""
    join = nn.fn(_with_state, name="join", out_size=1 + hidden)
    cell = nn.recurrently(join >> nn.tanh_layer(1 + hidden, hidden))
    return cell >> nn.linear(hidden, 1) >> _scalar()


def main(fast: bool = False, out: Path | None = None) -> dict[str, float]:
    """Train both; return each one's training loss and largest error over 100 generated
    steps."""
    series = sine(PRIMED + GENERATED)
    xs, ts = windows(series[: 50 if fast else PRIMED], WINDOW)
    n = 10 if fast else GENERATED
    result: dict[str, float] = {}
    generated = {}
    for name, cell in [("lagged", lagged_model()), ("recurrently", recurrent_model())]:
        model = time_major() >> nn.zero_state(nn.unroll_last(cell))
        params, history = fit(
            model,
            squared_error,
            optim.adam(0.01),
            (xs, ts),
            epochs=5 if fast else 300,
            batch_size=32,
            key=0,
        )
        p = params[1]
        # primed, like in training, on one window from the zero state
        state = nn.prime(cell, p, cell.init_state(0), series[PRIMED - WINDOW : PRIMED - 1])
        generated[name] = np.array(nn.feedback(cell, p, state, series[PRIMED - 1], n))
        error = float(np.abs(generated[name] - series[PRIMED : PRIMED + n]).max())
        result[f"{name}_loss"] = history[-1]["loss"]
        result[f"{name}_error"] = error
        print(
            f"{cell.name}\n  training loss {history[-1]['loss']:.2e}; largest error over "
            f"{n} generated steps {error:.3f}"
        )
    if out is not None:
        plot(series, generated, out / "recurrent_vs_lagged.png")
        for name, cell in [("lagged", lagged_model()), ("recurrently", recurrent_model())]:
            _plot.diagram(cell, out / f"recurrent_vs_lagged_{name}_diagram.svg")
    return result


def plot(series: np.ndarray, generated: dict[str, np.ndarray], path: Path) -> None:
    """The wave and each model's continuation, side by side."""
    plt = _plot.pyplot()
    n = len(next(iter(generated.values())))
    t = np.arange(PRIMED + n)
    fig, axes = plt.subplots(1, len(generated), figsize=(11, 3), sharey=True)
    for i, (ax, (name, values)) in enumerate(zip(axes, generated.items(), strict=True)):
        ax.plot(t, series[: PRIMED + n], "k-", linewidth=1, label="truth")
        ax.axvspan(0, PRIMED - 1, color="0.9", label="trained and primed on")
        ax.plot(t[PRIMED:], values, f"C{i}--", linewidth=2, label="generated")
        ax.set(title=f"{name}", xlabel="time step", xlim=(PRIMED - 60, PRIMED + n))
        ax.legend(loc="lower left", fontsize=8)
    _plot.save(fig, path)


if __name__ == "__main__":
    _run.cli(main, __doc__, fast="a small slice, few epochs")
