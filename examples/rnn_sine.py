"""Recurrent networks learn a sine wave, then continue it on their own.

Three cells, each followed by a linear read-out: a fully connected recurrent layer
(``nn.map_s(pnp.logistic, nn.fcrnn(1, H))``), an LSTM (``nn.lstm``) and a GRU
(``nn.gru``). Each is made a model of whole windows with ``nn.unroll_last`` (the output
after the last step) and ``nn.train_state`` (its initial state is a trained parameter),
and is trained by ``paralens.learn.fit`` to predict the value after each window of a sine.
Then ``nn.prime`` runs the cell along the start of the wave and ``nn.feedback`` feeds its
own outputs back to generate the continuation, which is compared with the truth.

Run ``python examples/rnn_sine.py [--fast] [--out DIR]``; it writes ``rnn_sine.png``.
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

WINDOW = 30
PRIMED = 150
GENERATED = 100


def cells(hidden: int) -> dict[str, nn.ModelS[Any, Any, Any, Any]]:
    """The three recurrent cells, each followed by a linear read-out to one value."""
    return {
        "fcrnn": nn.map_s(pnp.logistic, nn.fcrnn(1, hidden)) >> nn.linear(hidden, 1),
        "lstm": nn.lstm(1, hidden) >> nn.linear(hidden, 1),
        "gru": nn.gru(1, hidden) >> nn.linear(hidden, 1),
    }


# The plain RNN learns more slowly than the gated cells.
EPOCHS = {"fcrnn": 300, "lstm": 100, "gru": 100}


def train(
    cell: nn.ModelS[Any, Any, Any, Any], xs: np.ndarray, ts: np.ndarray, epochs: int
) -> tuple[Any, Any, float]:
    """Train ``train_state(unroll_last(cell))`` on windows ``xs`` (batch, time, 1) and
    next values ``ts`` (batch, 1); return the cell's parameters, its trained initial
    state and the last epoch's loss."""
    model = time_major() >> nn.train_state(nn.unroll_last(cell))
    params, history = fit(
        model, squared_error, optim.adam(0.01), (xs, ts), epochs=epochs, batch_size=32, key=0
    )
    cell_params, s0 = params[1]
    return cell_params, s0, history[-1]["loss"]


def generate(
    cell: nn.ModelS[Any, Any, Any, Any], params: Any, s0: Any, start: np.ndarray, n: int
) -> np.ndarray:
    """Prime ``cell`` on all of ``start`` but its last value, then feed back ``n`` steps."""
    state = nn.prime(cell, params, s0, start[:-1, None])
    return np.concatenate(nn.feedback(cell, params, state, start[-1:], n))


def main(fast: bool = False, out: Path | None = None) -> dict[str, float]:
    """Train the three cells; return each one's training loss and the largest error of
    its generated continuation over one period (25 steps) and over 100 steps."""
    hidden = 8 if fast else 32
    wave = sine(PRIMED + GENERATED)
    xs, ts = windows(wave[: 40 if fast else 200], 10 if fast else WINDOW)
    xs, ts = xs[..., None], ts[:, None]
    n = 10 if fast else GENERATED
    truth = wave[PRIMED : PRIMED + n]
    result: dict[str, float] = {}
    generated = {}
    for name, cell in cells(hidden).items():
        params, s0, loss = train(cell, xs, ts, 3 if fast else EPOCHS[name])
        generated[name] = generate(cell, params, s0, wave[:PRIMED], n)
        error = np.abs(generated[name] - truth)
        result[f"{name}_loss"] = loss
        result[f"{name}_error_25"] = float(error[:25].max())
        result[f"{name}_error_100"] = float(error.max())
        print(
            f"{name:5}: training loss {loss:.2e}; largest generation error over 25 steps "
            f"{error[:25].max():.3f}, over {n} steps {error.max():.3f}"
        )
    if out is not None:
        plot(wave, generated, out / "rnn_sine.png")
        for name, cell in cells(hidden).items():
            model = time_major() >> nn.train_state(nn.unroll_last(cell))
            _plot.diagram(model, out / f"rnn_sine_{name}_diagram.svg")
    return result


def plot(wave: np.ndarray, generated: dict[str, np.ndarray], path: Path) -> None:
    """The wave, the primed part and each cell's generated continuation."""
    plt = _plot.pyplot()
    n = len(next(iter(generated.values())))
    t = np.arange(PRIMED + n)
    fig, axes = plt.subplots(len(generated), 1, figsize=(8, 2.0 * len(generated)), sharex=True)
    for i, (ax, (name, values)) in enumerate(zip(axes, generated.items(), strict=True)):
        ax.plot(t, wave[: PRIMED + n], "k-", linewidth=1, label="truth")
        ax.axvspan(0, PRIMED - 1, color="0.9", label="primed on the truth")
        ax.plot(t[PRIMED:], values, f"C{i}--", linewidth=2, label=f"{name}: generated")
        ax.set(ylabel=name, ylim=(-1.4, 1.4))
        ax.legend(loc="lower left", fontsize=8, ncol=3)
    axes[0].set_title("Generating a sine with feedback: truth against generation")
    axes[-1].set_xlabel("time step")
    _plot.save(fig, path)


if __name__ == "__main__":
    _run.cli(main, __doc__, fast="a small slice, few epochs")
