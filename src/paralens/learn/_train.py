"""Training: a pure step ``(params, opt_state, batch) -> (params, opt_state, metrics)``
and ``fit``, the loop around it (progress bar, evaluation, checkpoints, Ctrl-C)."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from paralens._ad import value_and_grad
from paralens._random import as_generator
from paralens.data import batches
from paralens.learn._checkpoint import load_checkpoint, save_checkpoint
from paralens.learn._learner import Trainable
from paralens.optim import UpdateRule, apply_updates

__all__ = ["Callback", "Metrics", "Step", "evaluate", "fit", "make_step"]

Loss = Callable[[Any, Any], Any]
Metrics = dict[str, float]
Step = Callable[[Any, Any, Any], tuple[Any, Any, Metrics]]
Callback = Callable[[Metrics, Any], None]


def make_step(model: Trainable, loss: Loss, optimiser: UpdateRule) -> Step:
    """A pure training step for ``model``, ``loss`` and ``optimiser``.

    ``step(params, opt_state, (inputs, targets))`` computes the loss of the batch and its
    gradient, applies one update, and returns ``(params, opt_state, {"loss": value})``
    as new values; its arguments are left unchanged.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn, optim
        >>> from paralens.learn import squared_error
        >>> model, opt = nn.linear(1, 1), optim.sgd(0.1)
        >>> step = make_step(model, squared_error, opt)
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

    def step(params: Any, opt_state: Any, batch: Any) -> tuple[Any, Any, Metrics]:
        inputs, targets = batch
        value, grads = loss_and_grad(params, inputs, targets)
        updates, opt_state = update(grads, opt_state, params)
        return apply_updates(params, updates), opt_state, {"loss": float(value)}

    return step


def evaluate(
    model: Trainable,
    params: Any,
    data: tuple[Any, Any],
    loss: Loss,
    metrics: Mapping[str, Callable[[Any, Any], float]] | None = None,
) -> Metrics:
    """The loss and ``metrics`` of ``model`` with ``params`` on ``data = (inputs, targets)``.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> from paralens.learn import accuracy, softmax_cross_entropy
        >>> model = nn.linear(2, 2)
        >>> p = model.init(0)
        >>> result = evaluate(model, p, (np.eye(2), np.array([0, 1])), softmax_cross_entropy,
        ...                   {"accuracy": accuracy})
        >>> sorted(result)
        ['accuracy', 'loss']
    """
    inputs, targets = data
    prediction = model.apply(params, inputs)
    out = {"loss": float(loss(prediction, targets))}
    for name, metric in (metrics or {}).items():
        out[name] = float(metric(prediction, targets))
    return out


def _is_array_pair(data: Any) -> bool:
    return (
        isinstance(data, tuple)
        and len(data) == 2
        and all(isinstance(a, np.ndarray) for a in data)
        and len(data[0]) == len(data[1])
    )


def _epoch_batches(
    data: Any, batch_size: int, rng: np.random.Generator
) -> tuple[Iterator[Any], int | None]:
    """The batches of one epoch and the number of examples (``None`` when unknown)."""
    if _is_array_pair(data):
        return batches(data, batch_size, rng), len(data[0])
    if isinstance(data, tuple) and len(data) == 2 and all(hasattr(a, "shape") for a in data):
        raise ValueError(
            f"fit: inputs and targets must have the same number of examples (first axis), "
            f"got {np.shape(data[0])} and {np.shape(data[1])}"
        )
    if not isinstance(data, Iterable):
        raise TypeError(
            f"fit: data must be a pair (inputs, targets) of arrays or an iterable of batches, "
            f"got {type(data).__name__}"
        )
    return iter(data), None


def _progress(total: int | None, epoch: int, epochs: int, enabled: bool | None) -> tqdm[Any]:
    return tqdm(
        total=total,
        desc=f"epoch {epoch}/{epochs}",
        unit="ex",
        unit_scale=True,
        leave=True,
        dynamic_ncols=True,
        # None: shown only when stderr is a terminal
        disable=None if enabled is None else not enabled,
        file=sys.stderr,
    )


def fit(
    model: Trainable,
    loss: Loss,
    optimiser: UpdateRule,
    data: Any,
    *,
    epochs: int = 1,
    batch_size: int = 32,
    eval_data: tuple[Any, Any] | None = None,
    metrics: Mapping[str, Callable[[Any, Any], float]] | None = None,
    key: int | np.random.Generator = 0,
    params: Any = None,
    checkpoint: str | Path | None = None,
    resume: bool = False,
    callbacks: Sequence[Callback] = (),
    progress: bool | None = None,
) -> tuple[Any, list[Metrics]]:
    """Train ``model`` on ``data`` and return ``(params, history)``.

    Each epoch runs ``make_step`` over the batches, then evaluates on ``eval_data``.
    ``history`` holds one dict per completed epoch: ``epoch``, ``loss`` (the mean batch
    loss), ``seconds``, ``examples_per_second``, and ``eval_loss`` and ``eval_<metric>``
    when ``eval_data`` is given.

    Pressing Ctrl-C (``KeyboardInterrupt``) stops training cleanly: ``fit`` returns the
    parameters of the last completed step and the history so far (and saves them when
    ``checkpoint`` is set).

    Args:
        model: anything with ``apply(params, x)`` and ``init(key)``.
        loss: ``loss(prediction, targets) -> scalar``.
        optimiser: an update rule (``paralens.optim``).
        data: a pair ``(inputs, targets)`` of arrays (shuffled into batches each epoch),
            or an iterable of ``(inputs, targets)`` batches (iterated once per epoch).
        epochs: how many passes over the data.
        batch_size: examples per batch (for array data).
        eval_data: ``(inputs, targets)`` evaluated after each epoch.
        metrics: extra functions ``metric(prediction, targets) -> float`` for evaluation,
            such as ``{"accuracy": accuracy}``.
        key: an int seed or generator, for ``model.init`` and the shuffling.
        params: parameters to start from instead of ``model.init(key)``.
        checkpoint: a ``.npz`` file written after each epoch (parameters, optimiser state,
            history and the shuffling generator's state).
        resume: continue from ``checkpoint`` if it exists, up to ``epochs`` in all.
        callbacks: functions called after each epoch with the epoch's record and params.
        progress: show a progress bar; ``None`` shows one when stderr is a terminal.

    Raises:
        ValueError: the data is empty or inconsistent, or ``epochs``/``batch_size`` is not
            positive.
        CheckpointError: ``resume`` found a checkpoint of another model or optimiser.

    Examples:
        >>> import numpy as np
        >>> from paralens import data, nn, optim
        >>> from paralens.learn import squared_error
        >>> x, y = data.linear_data(256, key=0, noise=0.0)
        >>> params, history = fit(nn.linear(2, 1), squared_error, optim.adam(0.1),
        ...                       (x, y[:, None]), epochs=20, batch_size=32)
        >>> len(history), history[-1]["loss"] < 1e-3
        (20, True)
    """
    if epochs < 0:
        raise ValueError(f"epochs must be non-negative, got {epochs}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    rng = as_generator(key)
    params = model.init(rng) if params is None else params
    opt_state = optimiser.init(params)
    history: list[Metrics] = []
    if checkpoint is not None and resume and Path(checkpoint).is_file():
        (params, opt_state), info = load_checkpoint(checkpoint, (params, opt_state))
        history = list(info["history"])
        rng.bit_generator.state = info["rng"]
    step = make_step(model, loss, optimiser)

    def save() -> None:
        if checkpoint is not None:
            info = {"history": history, "rng": rng.bit_generator.state}
            save_checkpoint(checkpoint, (params, opt_state), info)

    for epoch in range(len(history) + 1, epochs + 1):
        epoch_batches, total = _epoch_batches(data, batch_size, rng)
        bar = _progress(total, epoch, epochs, progress)
        losses: list[float] = []
        seen = 0
        start = time.perf_counter()
        try:
            for batch in epoch_batches:
                params, opt_state, step_metrics = step(params, opt_state, batch)
                losses.append(step_metrics["loss"])
                size = len(batch[0])
                seen += size
                if not bar.disable:
                    bar.set_postfix(loss=f"{step_metrics['loss']:.4f}", refresh=False)
                    bar.update(size)
            if not losses:
                raise ValueError(
                    f"fit: epoch {epoch} got no batches; an iterator of batches is used up "
                    f"after one epoch, so pass a list of batches or the (inputs, targets) "
                    f"arrays"
                )
            seconds = time.perf_counter() - start
            record: Metrics = {
                "epoch": epoch,
                "loss": float(np.mean(losses)),
                "seconds": seconds,
                "examples_per_second": seen / seconds if seconds > 0 else math.inf,
            }
            if eval_data is not None:
                scores = evaluate(model, params, eval_data, loss, metrics)
                record.update({f"eval_{name}": value for name, value in scores.items()})
            if not bar.disable:
                bar.set_postfix(_summary(record), refresh=True)
            bar.close()
            history.append(record)
            save()
            for callback in callbacks:
                callback(record, params)
        except KeyboardInterrupt:
            bar.close()
            print(
                f"\ntraining interrupted in epoch {epoch} after {len(losses)} steps; "
                f"returning the parameters of the last completed step",
                file=sys.stderr,
            )
            save()
            break
    return params, history


def _summary(record: Metrics) -> dict[str, str]:
    shown = {"loss": f"{record['loss']:.4f}"}
    for name, value in record.items():
        if name.startswith("eval_"):
            shown[name] = f"{value:.4f}"
    return shown
