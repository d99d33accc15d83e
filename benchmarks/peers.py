"""paralens eager and ``paralens.jit`` against hand-written NumPy, HIPS autograd, torch
eager and JAX jit, on the workloads of the issue that asked for ``jit``.

Rows: one SGD step of a 784-300-100-10 MLP at batch 1, 32 and 256 in float64 and
float32; the gradient of an Elman RNN (hidden 32) over 50 steps; the Hessian-vector
product of the 100-dimensional Rosenbrock function; a chain of 1,000 scalar operations
(µs per operation); and the first call (trace, optimise, generate, run) of the staged MLP
step. Everything runs in this process, interleaved in each round, on CPU time with one
BLAS thread (``torch.set_num_threads(1)``, XLA without its thread pool); every result is
checked against NumPy's before timing. The peers are the ``bench`` extra
(``pip install -e '.[bench]'``); those not installed are left out.

Run: python benchmarks/peers.py [--rounds 7] (``paralens bench --quick`` runs a short one)
"""

from __future__ import annotations

import argparse
import os
import sys

# One BLAS thread, set before NumPy (and so OpenBLAS) is loaded.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

from paralens._cli._bench import run_bench  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-peers", action="store_true")
    return run_bench(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
