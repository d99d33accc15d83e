"""An autoregressive model ``ar(2)`` learns a sine, and finds its exact recurrence.

A sampled sine obeys ``x[t+1] = 2 cos(w) x[t] - x[t-1]`` with ``w = 2 pi / period``, so
the autoregressive model ``y = c + phi[0] x[t] + phi[1] x[t-1]`` can fit it exactly.
``nn.zero_state(nn.unroll_last(nn.ar(2)))`` predicts the value after a window;
``paralens.learn.fit`` trains it; the learned ``phi`` is compared with
``(2 cos w, -1)``, and ``nn.feedback`` generates the continuation.

Run ``python examples/ar_sine.py [--fast] [--out DIR]``; it writes ``ar_sine.png``.
"""

from __future__ import annotations

from pathlib import Path

import _plot
import _run
import numpy as np
from _series import PERIOD, sine, time_major, windows

from paralens import nn, optim
from paralens.learn import fit, squared_error

PRIMED = 50
GENERATED = 100


def main(fast: bool = False, out: Path | None = None) -> dict[str, float]:
    """Train ``ar(2)``; return its parameters, the exact ones, its training loss and the
    largest error of 100 generated steps."""
    wave = sine(PRIMED + GENERATED)
    xs, ts = windows(wave[:PRIMED], 5)
    model = time_major() >> nn.zero_state(nn.unroll_last(nn.ar(2)))
    params, history = fit(
        model, squared_error, optim.adam(0.05), (xs, ts), epochs=300 if fast else 1000, key=0
    )
    p = params[1]
    exact = 2.0 * np.cos(2.0 * np.pi / PERIOD)
    cell = nn.ar(2)
    state = nn.prime(cell, p, cell.init_state(0), wave[: PRIMED - 1])
    generated = np.array(nn.feedback(cell, p, state, wave[PRIMED - 1], GENERATED))
    error = float(np.abs(generated - wave[PRIMED:]).max())
    result = {
        "c": float(p.c),
        "phi0": float(p.phi[0]),
        "phi1": float(p.phi[1]),
        "exact_phi0": float(exact),
        "loss": history[-1]["loss"],
        "generation_error": error,
    }
    print(f"learned c = {p.c:.4f}, phi = ({p.phi[0]:.4f}, {p.phi[1]:.4f})")
    print(f"exact   c = 0,      phi = ({exact:.4f}, -1.0000)")
    print(
        f"training loss {result['loss']:.2e}; largest error over {GENERATED} generated "
        f"steps {error:.4f}"
    )
    if out is not None:
        plot(wave, generated, out / "ar_sine.png")
        _plot.diagram(model, out / "ar_sine_diagram.svg")
    return result


def plot(wave: np.ndarray, generated: np.ndarray, path: Path) -> None:
    """The wave, the part the model was trained and primed on, and the generation."""
    plt = _plot.pyplot()
    t = np.arange(len(wave))
    fig, ax = plt.subplots(figsize=(8, 2.6))
    ax.plot(t, wave, "k-", linewidth=1, label="truth")
    ax.axvspan(0, PRIMED - 1, color="0.9", label="trained and primed on")
    ax.plot(t[PRIMED:], generated, "C3--", linewidth=2, label="ar(2): generated")
    ax.set(xlabel="time step", ylim=(-1.4, 1.4), title="ar(2) continues a sine")
    ax.legend(loc="lower left", fontsize=8, ncol=3)
    _plot.save(fig, path)


if __name__ == "__main__":
    _run.cli(main, __doc__, fast="few epochs")
