"""Timing helpers shared by the benchmarks: interleaved repeats, median of minimums."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def time_per_call(fn: Callable[[], Any], min_time: float = 0.05) -> float:
    """Seconds per call of ``fn``, from a loop long enough to last ``min_time``."""
    fn()
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / n
        n *= 2


def compare(
    fns: dict[str, Callable[[], Any]], rounds: int = 7, min_time: float = 0.05
) -> dict[str, float]:
    """Median over ``rounds`` of each function's time per call, the functions interleaved.

    Interleaving spreads any slow period of the machine over every contender alike, so
    the ratios between them are steadier than the absolute times.
    """
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            samples[name].append(time_per_call(fn, min_time))
    return {name: statistics.median(times) for name, times in samples.items()}
