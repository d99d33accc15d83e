"""Data-parallel training on several processes, through MPI (``mpi4py``).

Every process (*rank*) holds the whole model and the same parameters. Each step, each
rank takes its part of the global batch (``shard``), computes the gradient of its part,
and the ranks average their gradients (``allreduce_mean``) so that all apply the same
update: together they compute what one process would from the whole batch. The
parameters start equal because rank 0's are broadcast (``broadcast``), and they stay
equal to the bit because the mean is summed in the same fixed order on every rank.
Rank 0 (``is_root``) writes the checkpoints.

Start the processes with a launcher, ``mpiexec -n 2 python train.py``;
``pip install 'paralens[mpi]'`` installs mpi4py with the MPICH wheel, which brings
``mpiexec``. Without a launcher, ``world()`` is a single process on which every operation
returns its input, and mpi4py is never imported. A collective that waits for a rank
longer than ``timeout`` seconds, or a rank that raises, stops the others with an error
naming the rank.

Examples:
    >>> import numpy as np
    >>> from paralens import nn, optim, parallel
    >>> from paralens.learn import softmax_cross_entropy
    >>> comm = parallel.world()
    >>> comm.rank, comm.size, comm.is_root
    (0, 1, True)
    >>> model, opt = nn.mlp([4, 8, 3]), optim.sgd(0.1)
    >>> params = comm.broadcast(model.init(0))
    >>> state = opt.init(params)
    >>> step = parallel.make_step(model, softmax_cross_entropy, opt, comm)
    >>> batch = (np.random.default_rng(0).normal(size=(32, 4)), np.arange(32) % 3)
    >>> params, state, metrics = step(params, state, batch)
    >>> sorted(metrics)
    ['loss']
"""

from paralens.parallel._communicator import (
    DEFAULT_TIMEOUT,
    Communicator,
    ParallelError,
    RankFailedError,
    Reduction,
    SingleProcess,
    launched_size,
    world,
)
from paralens.parallel._step import Step, make_step

__all__ = [
    "DEFAULT_TIMEOUT",
    "Communicator",
    "ParallelError",
    "RankFailedError",
    "Reduction",
    "SingleProcess",
    "Step",
    "launched_size",
    "make_step",
    "world",
]
