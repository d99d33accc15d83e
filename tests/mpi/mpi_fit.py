"""``fit(..., parallel=...)`` on several processes, run by ``tests/test_parallel.py``.

``mpiexec -n 2 python mpi_fit.py OUT train``: every rank fits a small MLP on bundled
digits with a checkpoint in ``OUT`` and saves its parameters and history to
``OUT/fit-rank<r>.npz``; ``fit_one_process`` is the same fit on one process.
``mpiexec -n 2 python mpi_fit.py OUT keys``: each rank passes its own key, which ``fit``
must refuse (each would split other batches).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from paralens import data, nn, optim, parallel
from paralens.learn import fit, softmax_cross_entropy
from paralens.tree import tree_leaves


def run(key: int, checkpoint: Path | None, comm: parallel.Communicator | None) -> tuple[Any, Any]:
    (x, y), (x_test, y_test) = data.load_mnist()
    model = nn.logistic_layer(784, 16) >> nn.linear(16, 10)
    return fit(
        model,
        softmax_cross_entropy,
        optim.adam(1e-3),
        (x[:480].astype(np.float64), y[:480]),
        epochs=2,
        batch_size=30,
        eval_data=(x_test[:100], y_test[:100]),
        key=key,
        checkpoint=checkpoint,
        parallel=comm,
    )


def fit_one_process() -> tuple[list[np.ndarray], list[float]]:
    params, history = run(0, None, None)
    return [np.asarray(leaf) for leaf in tree_leaves(params)], [h["loss"] for h in history]


def main(out: Path, mode: str) -> None:
    comm = parallel.world(timeout=60)
    if mode == "keys":
        run(comm.rank, None, comm)
        return
    params, history = run(0, out / "fit.npz", comm)
    leaves = {f"leaf{i}": np.asarray(leaf) for i, leaf in enumerate(tree_leaves(params))}
    losses = np.array([h["loss"] for h in history])
    np.savez(out / f"fit-rank{comm.rank}.npz", losses=losses, **leaves)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
