"""What ``fit`` reports and how a callback steers it: ``History``, ``StopTraining``,
``early_stopping``.

A callback is a function ``callback(record, params)``. Epoch callbacks get each completed
epoch's record; step callbacks get ``{"epoch", "step", "loss"}`` after every step. A
callback stops training by raising ``StopTraining`` (optionally with the parameters
``fit`` should return), or ``KeyboardInterrupt``, which ``fit`` treats as Ctrl-C.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["Callback", "EarlyStopping", "History", "Metrics", "StopTraining", "early_stopping"]

Metrics = dict[str, float]
Callback = Callable[[Metrics, Any], None]

_NO_PARAMS: Any = object()


class StopTraining(Exception):
    """Raised by a callback to end ``fit`` cleanly after the current step or epoch.

    ``fit`` saves its checkpoint, sets ``history.stopped`` to ``reason`` and returns
    ``params`` if given, else the parameters of the last step.

    Args:
        reason: why training stopped, kept in ``history.stopped``.
        params: the parameters ``fit`` should return (e.g. the best ones seen).

    Examples:
        >>> import numpy as np
        >>> from paralens import nn, optim
        >>> from paralens.learn import fit, squared_error
        >>> def stop_at_three(record, params):
        ...     if record["epoch"] == 3:
        ...         raise StopTraining("enough")
        >>> x = np.linspace(-1, 1, 32)[:, None]
        >>> _, history = fit(nn.linear(1, 1), squared_error, optim.sgd(0.1), (x, 2 * x),
        ...                  epochs=10, callbacks=[stop_at_three], verbose=False)
        >>> len(history), history.stopped
        (3, 'enough')
    """

    def __init__(self, reason: str = "stopped by a callback", params: Any = _NO_PARAMS) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params

    @property
    def has_params(self) -> bool:
        """Whether the callback gave the parameters to return."""
        return self.params is not _NO_PARAMS


class History(list[Metrics]):
    """The records of the completed epochs, one dict each, and how the run ended.

    Attributes:
        interrupted: training was interrupted (Ctrl-C, ``KeyboardInterrupt``).
        stopped: the reason a callback gave with ``StopTraining``, else ``None``.
        epoch: the epoch where training stopped or, after a complete run, the next one.
        step: the steps of ``epoch`` already made (0 after a complete run).
    """

    def __init__(self, records: Any = ()) -> None:
        super().__init__(records)
        self.interrupted = False
        self.stopped: str | None = None
        self.epoch = len(self) + 1
        self.step = 0

    @property
    def finished(self) -> bool:
        """Whether training ran to the end (neither interrupted nor stopped)."""
        return not self.interrupted and self.stopped is None


class EarlyStopping:
    """The callback ``early_stopping`` builds: see there."""

    def __init__(self, monitor: str, patience: int, mode: str, min_delta: float) -> None:
        self.monitor, self.patience, self.mode, self.min_delta = monitor, patience, mode, min_delta
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = 0
        self.best_params: Any = None

    def _improves(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def __call__(self, record: Metrics, params: Any) -> None:
        if self.monitor not in record:
            raise KeyError(
                f"early_stopping: the epoch records have no {self.monitor!r}, only "
                f"{sorted(record)}; monitor one of them (eval_* needs eval_data= in fit)"
            )
        value = record[self.monitor]
        if self._improves(value):
            self.best, self.best_epoch, self.best_params = value, int(record["epoch"]), params
        elif record["epoch"] - self.best_epoch >= self.patience:
            raise StopTraining(
                f"{self.monitor} did not improve for {self.patience} epochs; best "
                f"{self.best:.6g} at epoch {self.best_epoch}",
                params=self.best_params,
            )


def early_stopping(
    monitor: str = "eval_loss", patience: int = 5, mode: str | None = None, min_delta: float = 0.0
) -> EarlyStopping:
    """An epoch callback that stops training when ``monitor`` stops improving.

    After ``patience`` epochs without an improvement it raises ``StopTraining`` with the
    best parameters seen, so that ``fit`` returns those. It remembers the best in
    memory: build a new one for each ``fit`` call (a run resumed from a checkpoint starts
    it afresh).

    Args:
        monitor: the record entry to watch, such as ``"eval_loss"`` or
            ``"eval_accuracy"`` (``eval_*`` entries need ``eval_data``).
        patience: how many epochs without improvement to allow (positive).
        mode: ``"min"`` or ``"max"``; by default ``"max"`` for names holding
            ``accuracy``, else ``"min"``.
        min_delta: how much better than the best a value must be to count.

    Raises:
        ValueError: ``patience`` is not a positive int, ``mode`` is unknown, or
            ``min_delta`` is negative.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn, optim
        >>> from paralens.learn import fit, squared_error
        >>> x = np.linspace(-1, 1, 64)[:, None]
        >>> stop = early_stopping("loss", patience=2, min_delta=1e-3)
        >>> params, history = fit(nn.linear(1, 1), squared_error, optim.sgd(0.2),
        ...                       (x, 3 * x), epochs=100, callbacks=[stop], verbose=False)
        >>> history.stopped is not None, len(history) < 100, stop.best_epoch < len(history)
        (True, True, True)
        >>> params is stop.best_params
        True
    """
    if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
        raise ValueError(f"early_stopping: patience must be a positive int, got {patience!r}")
    if mode is None:
        mode = "max" if "accuracy" in monitor else "min"
    if mode not in ("min", "max"):
        raise ValueError(f"early_stopping: mode must be 'min' or 'max', got {mode!r}")
    if not min_delta >= 0:
        raise ValueError(f"early_stopping: min_delta must be >= 0, got {min_delta!r}")
    return EarlyStopping(monitor, patience, mode, float(min_delta))
