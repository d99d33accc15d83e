"""Data-parallel training on several processes, to compare with one process.

Run by ``tests/test_parallel.py`` as ``mpiexec -n 2 python mpi_train.py OUT``: for each
run of ``RUNS`` every rank trains a small MLP on the bundled MNIST digits in float64
with ``parallel.make_step``, each step on its part of the global batch, and saves its
parameters to ``OUT/<run>-rank<r>.npz``. ``train_one_process`` is the same run on one
process with ``paralens.learn.make_step``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from paralens import data, nn, optim, parallel
from paralens.learn import make_step, softmax_cross_entropy
from paralens.tree import tree_leaves

STEPS = 50
RUNS: dict[str, tuple[Callable[[], optim.UpdateRule], int]] = {
    "sgd-32": (lambda: optim.sgd(0.1, momentum=0.9), 32),
    "adam-32": (lambda: optim.adam(1e-3), 32),
    "sgd-31": (lambda: optim.sgd(0.1, momentum=0.9), 31),
}


def model() -> Any:
    return nn.logistic_layer(784, 32) >> nn.linear(32, 10)


def batches(batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    (x, y), _ = data.load_mnist()
    x = x[: STEPS * batch_size].astype(np.float64)
    y = y[: STEPS * batch_size]
    return data.batches((x, y), batch_size, key=0)


def train_one_process(run: str) -> list[np.ndarray]:
    """The parameters after ``STEPS`` steps of ``run`` on one process."""
    rule, batch_size = RUNS[run]
    net, opt = model(), rule()
    params = net.init(0)
    state = opt.init(params)
    step = make_step(net, softmax_cross_entropy, opt)
    for batch in batches(batch_size):
        params, state, _ = step(params, state, batch)
    return [np.asarray(leaf) for leaf in tree_leaves(params)]


def main(out: Path) -> None:
    comm = parallel.world(timeout=60)
    for run, (rule, batch_size) in RUNS.items():
        net, opt = model(), rule()
        # Each rank starts from its own draw; rank 0's is broadcast.
        params = comm.broadcast(net.init(comm.rank))
        state = opt.init(params)
        step = parallel.make_step(net, softmax_cross_entropy, opt, comm)
        losses = []
        for batch in batches(batch_size):
            params, state, metrics = step(params, state, batch)
            losses.append(metrics["loss"])
        leaves = {f"leaf{i}": np.asarray(leaf) for i, leaf in enumerate(tree_leaves(params))}
        np.savez(out / f"{run}-rank{comm.rank}.npz", losses=np.array(losses), **leaves)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
