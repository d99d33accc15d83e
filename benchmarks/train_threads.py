"""``paralens train mnist`` end to end, with one BLAS thread (the default) and with more.

Each round runs the command once per thread count, interleaved, as separate processes with
no ``*_NUM_THREADS`` variable set, and reads the ``trained in`` line; the load average
before each run is printed beside it, since on a shared machine it decides how much the
threads lose waiting for each other. Wall-clock time, since threads are the question.

Run: python benchmarks/train_threads.py [--rounds 3] [--threads 1 2] [-- extra options]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def run_once(threads: int, extra: list[str]) -> tuple[float, float, str]:
    """Seconds of training, seconds of the whole command, and its last line."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    command = [sys.executable, "-m", "paralens", "train", "mnist", "--threads", str(threads)]
    start = time.perf_counter()
    done = subprocess.run(command + extra, capture_output=True, text=True, check=True, env=env)
    whole = time.perf_counter() - start
    trained = float(re.search(r"trained in (\S+) s", done.stdout).group(1))  # type: ignore[union-attr]
    return trained, whole, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]
    trained: dict[int, list[float]] = {n: [] for n in args.threads}
    for round_number in range(1, args.rounds + 1):
        for threads in args.threads:
            load = os.getloadavg()[0]
            seconds, whole, last = run_once(threads, extra)
            trained[threads].append(seconds)
            print(
                f"round {round_number}, {threads} thread(s): trained in {seconds:.1f} s, "
                f"whole command {whole:.1f} s, {last}, load average {load:.2f}",
                flush=True,
            )
    for threads, values in trained.items():
        print(f"{threads} thread(s): median trained in {statistics.median(values):.1f} s")


if __name__ == "__main__":
    main()
