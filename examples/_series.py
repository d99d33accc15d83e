"""Shared by the time-series examples: a sine to learn, cut into training windows."""

from __future__ import annotations

from typing import Any

import numpy as np

import paralens.numpy as pnp
from paralens import nn

PERIOD = 25.0


def sine(n: int, period: float = PERIOD) -> np.ndarray:
    """``sin(2 pi t / period)`` for ``t = 0 .. n - 1``."""
    return np.sin(2.0 * np.pi * np.arange(n) / period)


def windows(series: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Every run of ``length`` consecutive values (one per row) and the value after it."""
    starts = np.arange(len(series) - length)
    xs = np.stack([series[s : s + length] for s in starts])
    return xs, series[starts + length]


def time_major() -> nn.Model[None, Any, Any]:
    """Batches of sequences ``(batch, time, ...)`` turned time-first, ready for ``unroll``:
    ``fit`` batches along the first axis, the unrolling combinators step along it."""
    return nn.fn(lambda x: pnp.swapaxes(x, 0, 1), name="time_major")
