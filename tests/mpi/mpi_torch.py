"""``fit(..., parallel=...)`` on torch tensors on several processes, run by
``tests/test_backends_training.py``.

``mpiexec -n 2 python mpi_torch.py OUT``: every rank fits a small MLP on bundled digits,
parameters and data as torch tensors, and saves its parameters (as NumPy) and losses to
``OUT/torch-rank<r>.npz``; ``fit_one_process`` is the same fit on one process, on NumPy.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

from paralens import data, nn, optim, parallel, tree
from paralens.learn import fit, softmax_cross_entropy


def run(comm: parallel.Communicator | None, like: Any) -> tuple[Any, Any]:
    (x, y), _ = data.load_mnist()
    model = nn.logistic_layer(784, 16) >> nn.linear(16, 10)
    params = model.init(0)
    train = (x[:240], y[:240])
    if like is not None:
        params, train = tree.asarray_like((params, train), like)
    return fit(
        model,
        softmax_cross_entropy,
        optim.adam(1e-3),
        train,
        params=params,
        batch_size=30,
        key=1,
        parallel=comm,
        progress=False,
        verbose=False,
    )


def fit_one_process() -> tuple[list[np.ndarray], list[float]]:
    params, history = run(None, None)
    return tree.tree_leaves(params), [h["loss"] for h in history]


def main(out: Path) -> None:
    torch.set_num_threads(1)
    comm = parallel.world(timeout=60)
    params, history = run(comm, torch.zeros((), dtype=torch.float64))
    assert all(type(leaf) is torch.Tensor for leaf in tree.tree_leaves(params))
    leaves = {f"leaf{i}": leaf for i, leaf in enumerate(tree.tree_leaves(tree.to_numpy(params)))}
    losses = np.array([h["loss"] for h in history])
    np.savez(out / f"torch-rank{comm.rank}.npz", losses=losses, **leaves)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
