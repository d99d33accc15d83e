"""Timing helpers shared by the benchmarks: interleaved repeats, median of rounds.

Times are CPU seconds of this process (``time.process_time``) unless ``wall=True``: on a
machine shared with other work, CPU time counts only what the code itself spent, so the
ratios between contenders stay steady while wall-clock figures swing with the load. Run
the array benchmarks with single-threaded BLAS (they default to it) for CPU time to equal
the work done.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any


def set_blas_threads(argv: list[str], default: int = 1) -> int:
    """Read ``--blas-threads N`` from ``argv`` and pin BLAS to N threads.

    Must run before NumPy is imported: OpenBLAS and MKL read these variables once.
    """
    threads = default
    if "--blas-threads" in argv:
        threads = int(argv[argv.index("--blas-threads") + 1])
    if "numpy" in sys.modules:
        raise RuntimeError("set_blas_threads must run before numpy is imported")
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)
    return threads


def time_per_call(fn: Callable[[], Any], min_time: float = 0.05, wall: bool = False) -> float:
    """Seconds per call of ``fn``, from a loop long enough to last ``min_time``."""
    clock = time.perf_counter if wall else time.process_time
    fn()
    n = 1
    while True:
        start = clock()
        for _ in range(n):
            fn()
        elapsed = clock() - start
        if elapsed >= min_time:
            return elapsed / n
        n *= 2


def compare(
    fns: dict[str, Callable[[], Any]],
    rounds: int = 7,
    min_time: float = 0.05,
    wall: bool = False,
    baseline: str | None = None,
) -> tuple[dict[str, float], dict[str, float]]:
    """Each function's time per call and its ratio to ``baseline``, the functions interleaved.

    Returns ``(times, ratios)``: the median over ``rounds`` of each function's time per
    call, and the median over rounds of its time divided by the baseline's time in the
    same round. Interleaving spreads any slow period of the machine over every contender
    alike, and pairing each ratio within a round cancels the drifts a shared machine has.
    """
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            samples[name].append(time_per_call(fn, min_time, wall))
    times = {name: statistics.median(ts) for name, ts in samples.items()}
    base = samples[baseline] if baseline is not None else None
    ratios = {
        name: statistics.median(t / b for t, b in zip(ts, base, strict=True))
        for name, ts in samples.items()
        if base is not None
    }
    return times, ratios
