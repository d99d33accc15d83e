"""A rank that fails, run by ``tests/test_parallel.py`` under ``mpiexec -n 2``.

``python mpi_failures.py MODE TIMEOUT``: every rank runs collectives in a loop; at the
fourth, rank 1 raises (``raise``), is killed (``kill``), freezes (``stop``, as a rank on
a lost machine does), or returns (``exit``). Rank 0 must stop with an error naming rank 1,
and never print ``finished``. With ``raise-at-end`` rank 1 raises after the last
collective, when rank 0 has finished: the run must end without waiting for a timeout.
"""

from __future__ import annotations

import os
import signal
import sys

import numpy as np

from paralens import parallel


def main(mode: str, timeout: float) -> None:
    comm = parallel.world(timeout=timeout)
    gradient = np.ones(1000)
    for step in range(10):
        if comm.rank == 1 and step == 3:
            if mode == "raise":
                raise ValueError("rank 1 found a bad batch at step 3")
            if mode == "exit":
                return
            if mode in ("kill", "stop"):
                os.kill(os.getpid(), signal.SIGKILL if mode == "kill" else signal.SIGSTOP)
        gradient = comm.allreduce_mean(gradient)
    if comm.rank == 1 and mode == "raise-at-end":
        raise ValueError("rank 1 could not write its results")
    print(f"rank {comm.rank} finished", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
