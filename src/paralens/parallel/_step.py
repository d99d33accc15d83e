"""The data-parallel training step: each rank's gradient of its part of the batch,
averaged over the ranks, then one update that every rank applies alike."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from paralens._ad import value_and_grad
from paralens.optim import UpdateRule, apply_updates
from paralens.parallel._communicator import Communicator
from paralens.tree import tree_leaves, zeros_like
from paralens.tree._convert import leaf_to_numpy

__all__ = ["Step", "make_step"]

Step = Callable[[Any, Any, Any], tuple[Any, Any, dict[str, float]]]


class _Applies(Protocol):
    def apply(self, params: Any, x: Any, /) -> Any: ...


def make_step(
    model: _Applies,
    loss: Callable[[Any, Any], Any],
    optimiser: UpdateRule,
    communicator: Communicator,
) -> Step:
    """A training step that splits each batch over the ranks of ``communicator``.

    ``step(params, opt_state, (inputs, targets))`` takes the *global* batch (the same on
    every rank), computes the loss and gradient of this rank's part of it
    (``communicator.shard``), averages both over the ranks weighted by their numbers of
    examples, and applies one update. Every rank then holds the same parameters, bit for
    bit, and they are those one process would compute from the whole batch, up to the
    rounding of the mean. ``loss`` must be a mean over the batch's examples, as
    ``paralens.learn``'s losses are. With a ``SingleProcess`` this is
    ``paralens.learn.make_step``.

    Args:
        model: anything with ``apply(params, x)``, such as a ``paralens.nn.Model``.
        loss: ``loss(prediction, targets) -> scalar``, a mean over the examples.
        optimiser: an update rule (``paralens.optim``).
        communicator: the ranks (``paralens.parallel.world()``).

    Returns:
        ``step(params, opt_state, batch) -> (params, opt_state, {"loss": value})``, where
        ``value`` is the loss of the whole batch; its arguments are left unchanged. Every
    rank must be given the same batch: on several processes the step checks its size and
    its first and last examples, and raises ``ParallelError`` on every rank if they differ.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn, optim, parallel
        >>> from paralens.learn import squared_error
        >>> model, opt = nn.linear(1, 1), optim.sgd(0.1)
        >>> step = make_step(model, squared_error, opt, parallel.world())
        >>> params = model.init(0)
        >>> state = opt.init(params)
        >>> x = np.array([[0.0], [1.0], [2.0]])
        >>> for _ in range(500):
        ...     params, state, metrics = step(params, state, (x, 3.0 * x - 1.0))
        >>> round(metrics["loss"], 6)
        0.0
    """

    def objective(params: Any, inputs: Any, targets: Any) -> Any:
        return loss(model.apply(params, inputs), targets)

    loss_and_grad = value_and_grad(objective)
    update = optimiser.update

    def step(params: Any, opt_state: Any, batch: Any) -> tuple[Any, Any, dict[str, float]]:
        inputs, targets = communicator.shard(batch)
        examples = int(np.shape(tree_leaves(inputs)[0])[0])
        if examples:
            value, grads = loss_and_grad(params, inputs, targets)
        else:
            # A batch smaller than the number of ranks leaves some without examples.
            value, grads = 0.0, zeros_like(params)
        mean = {"loss": float(value), "gradient": grads}
        if communicator.size > 1:
            # Integer leaves must agree on every rank: a rank given another batch raises.
            mean["global batch"] = _fingerprint(batch)
        mean = communicator.allreduce_mean(mean, weight=examples)
        updates, opt_state = update(mean["gradient"], opt_state, params)
        return apply_updates(params, updates), opt_state, {"loss": mean["loss"]}

    return step


def _fingerprint(batch: Any) -> dict[str, int]:
    """The size of ``batch`` and a hash of its first and last examples: cheap to take, and
    different for two ranks given differently shuffled batches."""
    leaves = [np.asarray(leaf_to_numpy(leaf)) for leaf in tree_leaves(batch)]
    digest = hashlib.blake2b(digest_size=7)
    for leaf in leaves:
        if len(leaf):
            digest.update(np.ascontiguousarray(leaf[[0, -1]]).tobytes())
    return {
        "examples": len(leaves[0]),
        "hash of the first and last": int.from_bytes(digest.digest()),
    }
