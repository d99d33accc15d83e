"""What ``fit(..., parallel=...)`` adds to a run: every rank starts from the same point.

Each rank calls ``fit`` with the same arguments and reads the same checkpoint to resume;
each shuffles the data with its own generator, so the ranks must agree on where the run
stands (epoch, step, generator state) or each would split other batches. Rank 0's
parameters and optimiser state are then given to every rank.
"""

from __future__ import annotations

import hashlib
from typing import Any, TypeVar

from paralens.learn._checkpoint import CheckpointError
from paralens.parallel import Communicator

__all__ = ["same_start"]

Progress = TypeVar("Progress")


def same_start(communicator: Communicator, progress: Progress) -> Progress:
    """``progress`` with rank 0's parameters and optimiser state, after checking that every
    rank stands at the same epoch, step and shuffling state.

    Raises:
        CheckpointError: this rank stands elsewhere than rank 0 (the other ranks are told,
            and stop naming this one).
    """
    p: Any = progress
    position = (p.epoch, p.step, _digest(p.rng))
    root = communicator.broadcast(position)
    if root != position:
        error = CheckpointError(
            f"fit: rank {communicator.rank} starts at step {p.step} of epoch {p.epoch} with "
            f"its own shuffling, rank 0 at step {root[1]} of epoch {root[0]} with another: "
            f"every rank must resume from the same checkpoint (a file all ranks read) and "
            f"pass the same key"
        )
        communicator.fail(error)
        raise error
    params, opt_state = communicator.broadcast((p.params, p.opt_state))
    return p._replace(params=params, opt_state=opt_state)  # type: ignore[no-any-return]


def _digest(state: Any) -> int:
    return int.from_bytes(hashlib.blake2b(repr(state).encode(), digest_size=7).digest())
