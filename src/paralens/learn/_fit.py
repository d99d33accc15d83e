"""``fit``: the training loop around ``make_step``, with evaluation, checkpoints, Ctrl-C.

The whole state of a run is one immutable record, ``_Progress``: parameters, optimiser
state (with its schedule's step count), the history of completed epochs, the position
inside the current epoch (its steps, examples and loss so far) and the shuffling
generator's state at the epoch's start. Each step replaces the record in one assignment,
so a Ctrl-C never sees half of a step, and a checkpoint holds the record whole: a run
resumed from any step redraws the epoch's order from the saved generator state, skips the
batches already made, and ends bit for bit where the uninterrupted run ends.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np

from paralens import tree
from paralens._random import as_generator
from paralens.data import batches, examples_in
from paralens.learn._callbacks import Callback, History, Metrics, StopTraining
from paralens.learn._checkpoint import CheckpointError, check_output_path, read_parts, write_parts
from paralens.learn._data_checks import check_array_data, first_non_finite, non_finite_leaf
from paralens.learn._fit_parallel import same_start
from paralens.learn._fit_support import (
    DeferredInterrupt,
    copy_array,
    epoch_line,
    jit_for,
    position_text,
    progress_bar,
)
from paralens.learn._learner import Trainable
from paralens.learn._train import Loss, evaluate, make_step
from paralens.learn._training_state import (
    check_trained,
    initial_params,
    is_stateful,
    trained_part,
)
from paralens.optim import UpdateRule
from paralens.parallel import Communicator
from paralens.parallel import make_step as data_parallel_step

__all__ = ["fit"]


class _Progress(NamedTuple):
    params: Any
    opt_state: Any
    history: tuple[Metrics, ...]
    epoch: int  # the epoch in progress, from 1
    step: int  # its steps already made
    examples: int  # its examples already seen
    loss_sum: float  # the sum of its batch losses so far
    seconds: float  # the time spent in it before this call (when resumed)
    rng: Mapping[str, Any]  # the shuffling generator's state at its start


class _Settings(NamedTuple):
    jit: bool
    epochs: int
    batch_size: int
    eval_data: tuple[Any, Any] | None
    metrics: Mapping[str, Callable[[Any, Any], float]] | None
    checkpoint: Path | None
    callbacks: tuple[Callback, ...]
    step_callbacks: tuple[Callback, ...]
    bar: bool | None
    verbose: bool | None


class _Loop:
    """One call of ``fit``: what it trains, its settings, and ``progress``, the run's state."""

    def __init__(
        self,
        model: Trainable,
        loss: Loss,
        optimiser: UpdateRule,
        data: Any,
        rng: np.random.Generator,
        settings: _Settings,
        parallel: Communicator | None,
    ) -> None:
        self.model, self.loss, self.data, self.rng = model, loss, data, rng
        self.step_fn = (
            make_step(model, loss, optimiser, jit=settings.jit)
            if parallel is None
            else data_parallel_step(model, loss, optimiser, parallel)
        )
        self.deferred = DeferredInterrupt() if settings.jit else None
        # Under data parallelism only rank 0 writes the checkpoint.
        self.writes = parallel is None or parallel.is_root
        self.s = settings
        self.checkpoint = settings.checkpoint
        self.examples = check_array_data(data, "data")
        self.started = time.perf_counter()
        self.progress = _Progress(None, None, (), 1, 0, 0, 0.0, 0.0, rng.bit_generator.state)
        self.saved: _Progress | None = None

    # --- the checkpoint -----------------------------------------------------------------

    def position(self, p: _Progress) -> dict[str, Any]:
        seconds = p.seconds + (time.perf_counter() - self.started if p.step else 0.0)
        return {
            "epoch": p.epoch,
            "step": p.step,
            "examples": p.examples,
            "loss_sum": p.loss_sum,
            "seconds": seconds,
            "rng": p.rng,
            "history": list(p.history),
            "batch_size": self.s.batch_size,
            "examples_per_epoch": self.examples,
            "jit": self.s.jit,
        }

    def save(self, p: _Progress) -> None:
        if self.checkpoint is not None and self.writes:
            info = {"fit": self.position(p)}
            write_parts(self.checkpoint, {"": p.params, "opt_state": p.opt_state}, info)
            self.saved = p

    def restore(self, path: Path, params: Any, opt_state: Any) -> _Progress:
        parts, info = read_parts(path, {"": params, "opt_state": opt_state})
        at = info.get("fit")
        if not isinstance(at, dict):
            raise CheckpointError(
                f"{path} holds no training position (it was written by save_checkpoint, "
                f"not fit); resume from a file fit wrote, or pass overwrite=True to start afresh"
            )
        expected = {"batch_size": self.s.batch_size, "examples_per_epoch": self.examples}
        for name, value in expected.items():
            if at.get(name) != value:
                raise CheckpointError(
                    f"{path} was written by a run with {name} {at.get(name)}, this one has "
                    f"{value}; resume with the same data and batch size, or pass overwrite=True"
                )
        fields = ("epoch", "step", "examples", "loss_sum", "seconds", "rng")
        position = [at[name] for name in fields]
        return _Progress(parts[""], parts["opt_state"], tuple(at["history"]), *position)

    # --- one epoch, one step --------------------------------------------------------------

    def epoch_batches(self, p: _Progress) -> Iterator[Any]:
        if self.examples is not None:
            self.rng.bit_generator.state = p.rng
            return batches(self.data, self.s.batch_size, self.rng, start=p.step)
        return islice(iter(self.data), p.step, None)

    def run_epoch(self) -> None:
        p = self.progress
        self.started = time.perf_counter()
        bar = progress_bar(self.examples, p.examples, p.epoch, self.s.epochs, self.s.bar)
        shown = not bar.disable
        try:
            for batch in self.epoch_batches(p):
                self.run_step(batch, bar)
        finally:
            bar.close()  # which sets bar.disable
        self.end_epoch(bar_shown=shown)

    def run_step(self, batch: Any, bar: Any) -> None:
        p = self.progress
        size = examples_in(batch[0])
        if size == 0:
            raise ValueError(f"fit: batch {p.step + 1} of epoch {p.epoch} has no examples")
        if self.deferred is None:
            params, opt_state, metrics = self.step_fn(p.params, p.opt_state, batch)
        else:
            # A staged step writes into the parameters it was given: a Ctrl-C waits for
            # it to end, so that the run's state is never half of one step.
            with self.deferred:
                params, opt_state, metrics = self.step_fn(p.params, p.opt_state, batch)
        value = metrics["loss"]
        if not math.isfinite(value):
            raise FloatingPointError(self.non_finite_message(p, batch, value))
        self.progress = p._replace(
            params=params,
            opt_state=opt_state,
            step=p.step + 1,
            examples=p.examples + size,
            loss_sum=p.loss_sum + value,
        )
        if not bar.disable:
            bar.set_postfix(loss=f"{value:.4f}", refresh=False)
            bar.update(size)
        for callback in self.s.step_callbacks:
            callback({"epoch": p.epoch, "step": p.step + 1, "loss": value}, self.given(params))
        if self.deferred is not None:
            self.deferred.deliver()

    def end_epoch(self, bar_shown: bool) -> None:
        p = self.progress
        if p.step == 0:
            raise ValueError(
                f"fit: epoch {p.epoch} got no batches; an iterator of batches is used up "
                f"after one epoch, so pass a list of batches or the (inputs, targets) arrays"
            )
        bad = non_finite_leaf(p.params)
        if bad is not None:
            raise FloatingPointError(
                f"fit: the parameters turned non-finite in the last step of epoch {p.epoch} "
                f"({bad}){self.kept()}; lower the learning rate or clip the gradients"
            )
        seconds = p.seconds + time.perf_counter() - self.started
        record: Metrics = {
            "epoch": p.epoch,
            "loss": p.loss_sum / p.step,
            "seconds": seconds,
            "examples_per_second": p.examples / seconds if seconds > 0 else math.inf,
        }
        if self.s.eval_data is not None:
            scores = evaluate(self.model, p.params, self.s.eval_data, self.loss, self.s.metrics)
            record.update({f"eval_{name}": value for name, value in scores.items()})
        history = (*p.history, record)
        state = self.rng.bit_generator.state
        self.progress = _Progress(
            p.params, p.opt_state, history, p.epoch + 1, 0, 0, 0.0, 0.0, state
        )
        self.save(self.progress)
        if self.s.verbose or (self.s.verbose is None and not bar_shown):
            print(epoch_line(record, self.s.epochs), file=sys.stderr, flush=True)
        for callback in self.s.callbacks:
            callback(record, self.given(p.params))

    def given(self, params: Any) -> Any:
        """``params`` as a callback gets them: a copy under ``jit``, where the next step
        writes into the arrays of these."""
        return params if self.deferred is None else tree.tree_map(copy_array, params)

    # --- messages ---------------------------------------------------------------------------

    def kept(self) -> str:
        if self.checkpoint is None or self.saved is None:
            return ""
        return f"; {self.checkpoint} keeps the last good state, {position_text(self.saved)}"

    def non_finite_message(self, p: _Progress, batch: Any, value: float) -> str:
        where = f"batch {p.step + 1} of epoch {p.epoch}"
        bad_data = first_non_finite(batch[0], "inputs") or first_non_finite(batch[1], "targets")
        if bad_data is not None:
            cause = f"the batch holds non-finite data ({bad_data}); drop or repair those examples"
        elif (bad_params := non_finite_leaf(p.params)) is not None:
            cause = (
                f"the parameters turned non-finite in the step before ({bad_params}); lower "
                f"the learning rate or clip the gradients (optim.clip_by_global_norm)"
            )
        else:
            cause = "the parameters and the batch are finite: the step size may be too large"
        return f"fit: the loss of {where} is {value}: {cause}{self.kept()}"

    # --- the run --------------------------------------------------------------------------

    def run(self) -> tuple[Any, History]:
        interrupted, stopped = False, None
        try:
            while self.progress.epoch <= self.s.epochs:
                self.run_epoch()
        except KeyboardInterrupt:
            interrupted = True
        except StopTraining as stop:
            stopped = stop
        self.save_on_stop(interrupted or stopped is not None, interrupted)
        p = self.progress
        history = History(p.history)
        history.interrupted = interrupted
        history.stopped = stopped.reason if stopped is not None else None
        history.epoch, history.step = p.epoch, p.step
        params = stopped.params if stopped is not None and stopped.has_params else p.params
        return params, history

    def save_on_stop(self, stopped_early: bool, interrupted: bool) -> None:
        p = self.progress
        saved = ""
        if stopped_early and p is not self.saved and self.checkpoint is not None:
            if non_finite_leaf(p.params) is None:
                self.save(p)
                saved = f"; saved to {self.checkpoint} (resume with resume=True)"
            else:
                saved = f"; not saved: the parameters are not finite{self.kept()}"
        if interrupted and self.s.verbose is not False:
            print(
                f"\ntraining interrupted at {position_text(p)}{saved}; returning the parameters of "
                f"the last completed step",
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
    overwrite: bool = False,
    callbacks: Sequence[Callback] = (),
    step_callbacks: Sequence[Callback] = (),
    progress: bool | None = None,
    verbose: bool | None = None,
    parallel: Communicator | None = None,
    jit: bool | Literal["auto"] = False,
) -> tuple[Any, History]:
    """Train ``model`` on ``data`` and return ``(params, history)``.

    Each epoch runs ``make_step`` over the batches, then evaluates on ``eval_data``.
    ``history`` holds one dict per completed epoch: ``epoch``, ``loss`` (the mean batch
    loss), ``seconds``, ``examples_per_second``, and ``eval_loss`` and ``eval_<metric>``
    when ``eval_data`` is given; it also says how the run ended (``History``).

    Everything is checked before the first step: the data (no examples, or a NaN or inf
    in it, is an error naming the example), the parameters against the model
    (``model.check_params``), and the checkpoint path (writable, not a directory, not an
    existing file unless ``resume`` or ``overwrite``). During training a non-finite loss
    stops the run with a ``FloatingPointError`` naming the batch and the cause, and the
    last good checkpoint is kept.

    Pressing Ctrl-C (``KeyboardInterrupt``), or a callback raising ``StopTraining``,
    stops training cleanly: ``fit`` saves the checkpoint with the position inside the
    epoch and returns the parameters of the last completed step. Resuming from that file
    continues exactly where the run stopped: the result equals the uninterrupted run's.

    Args:
        model: anything with ``apply(params, x)`` and ``init(key)``.
        loss: ``loss(prediction, targets) -> scalar``.
        optimiser: an update rule (``paralens.optim``).
        data: a pair ``(inputs, targets)`` of arrays (shuffled into batches each epoch),
            or a re-iterable collection of ``(inputs, targets)`` batches (iterated once
            per epoch; to resume exactly it must give the same batches each time).
        epochs: how many passes over the data, in all (a resumed run counts the epochs
            already made).
        batch_size: examples per batch (for array data).
        eval_data: ``(inputs, targets)`` evaluated after each epoch.
        metrics: extra functions ``metric(prediction, targets) -> float`` for evaluation,
            such as ``{"accuracy": accuracy}``.
        key: an int seed or generator, for ``model.init`` and the shuffling.
        params: parameters to start from instead of ``model.init(key)``. For a stateful
            model (``nn.ModelS``: batch norm, dropout), training carries its state from
            step to step, and what it trains and returns is the pair ``(params, state)``
            (``(model.init(key), model.init_state(key))`` to start).
        checkpoint: a ``.npz`` file written after each epoch and when training stops:
            the parameters (``load_checkpoint(path, like=params)`` reads them), the
            optimiser state and the position of the run.
        resume: continue from ``checkpoint`` if it exists, up to ``epochs`` in all.
        overwrite: replace an existing ``checkpoint`` with a fresh run.
        callbacks: functions ``callback(record, params)`` called after each epoch.
        step_callbacks: functions ``callback({"epoch", "step", "loss"}, params)`` called
            after each step.
        progress: show a progress bar; ``None`` shows one when stderr is a terminal.
        verbose: print one line per epoch to stderr; ``None`` prints it when no progress
            bar is shown (output to a file or a pipe), ``False`` prints nothing.
        jit: stage the training step with ``paralens.jit`` (``make_step(..., jit=True)``):
            traced on the first batch of each shape, replayed after, the parameters and
            optimiser state updated in place. ``fit`` trains a copy of ``params``, hands
            callbacks copies of what it trains, and holds back a Ctrl-C until the step
            in progress has ended, so a run stopped and resumed still ends where the
            uninterrupted one does. ``jit="auto"`` stages the step on NumPy arrays and
            runs it eagerly on arrays of another library (``torch.Tensor``...), which
            ``jit`` does not stage.
        parallel: train data-parallel on the ranks of this communicator
            (``paralens.parallel.world()`` under ``mpiexec``): every rank calls ``fit``
            with the same arguments, ``batch_size`` is the global batch, each rank
            computes the gradient of its part of it, and the ranks end with the
            parameters one process would reach. Rank 0's initial parameters are used;
            only rank 0 writes ``checkpoint``, shows a progress bar and prints; every
            rank reads the checkpoint to resume, and callbacks run on every rank.

    Raises:
        ValueError: the data is empty, inconsistent or not finite, ``epochs`` or
            ``batch_size`` is not valid, or ``params`` does not fit the model.
        FileExistsError: ``checkpoint`` exists and neither ``resume`` nor ``overwrite``
            is set.
        OSError: ``checkpoint`` cannot be written (checked before training).
        CheckpointError: ``resume`` found a checkpoint of another model, optimiser,
            data size or batch size, or (with ``parallel``) the ranks did not resume
            from the same one.
        FloatingPointError: the loss or the parameters turned non-finite.
        ParallelError: (with ``parallel``) another rank failed or stopped answering.

    Examples:
        >>> import numpy as np
        >>> from paralens import data, nn, optim
        >>> from paralens.learn import squared_error
        >>> x, y = data.linear_data(256, key=0, noise=0.0)
        >>> params, history = fit(nn.linear(2, 1), squared_error, optim.adam(0.1),
        ...                       (x, y[:, None]), epochs=20, batch_size=32)
        >>> len(history), history[-1]["loss"] < 1e-3, history.finished
        (20, True, True)
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    path = _check_checkpoint(checkpoint, resume, overwrite)
    rng = as_generator(key)
    params = initial_params(model, rng) if params is None else params
    check_trained(model, params)
    jit = jit_for(jit, params, data)
    if eval_data is not None:
        check_array_data(eval_data, "eval_data")
    if parallel is not None and is_stateful(model):
        raise ValueError(
            "fit: parallel= trains stateless models only; a stateful model (batch norm, "
            "dropout) would keep a state per rank. Train it on one process"
        )
    if parallel is not None and jit:
        raise ValueError(
            "fit: jit=True stages the step of one process; with parallel= the ranks "
            "exchange gradients in the middle of it. Drop one of the two"
        )
    if parallel is not None and not parallel.is_root:
        progress, verbose = False, False
    if jit:
        params = tree.tree_map(copy_array, params)  # the step writes into what it trains
    settings = _Settings(
        jit,
        epochs,
        batch_size,
        eval_data,
        metrics,
        path,
        tuple(callbacks),
        tuple(step_callbacks),
        progress,
        verbose,
    )
    loop = _Loop(model, loss, optimiser, data, rng, settings, parallel)
    opt_state = optimiser.init(trained_part(model, params))
    loop.progress = loop.progress._replace(params=params, opt_state=opt_state)
    if path is not None and resume and path.is_file():
        loop.progress = loop.saved = loop.restore(path, params, opt_state)
    if parallel is not None:
        loop.progress = same_start(parallel, loop.progress)
    return loop.run()


def _check_checkpoint(checkpoint: str | Path | None, resume: bool, overwrite: bool) -> Path | None:
    if checkpoint is None:
        if resume or overwrite:
            raise ValueError("fit: resume=True and overwrite=True need a checkpoint= path")
        return None
    if resume and overwrite:
        raise ValueError(
            "fit: resume=True continues the checkpoint and overwrite=True replaces it; "
            "pass one of them"
        )
    path = check_output_path(checkpoint)
    if path.exists() and not (resume or overwrite):
        raise FileExistsError(
            f"fit: the checkpoint {path} exists already; pass resume=True to continue it, "
            f"overwrite=True to replace it with a new run, or another checkpoint path"
        )
    return path
