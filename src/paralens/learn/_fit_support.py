"""What ``fit`` shows and how it keeps a staged run whole: the progress bar and the
lines it prints, the Ctrl-C held back while a staged step writes in place, and whether
to stage the step at all (``jit_for``)."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

import numpy as np
from tqdm import tqdm

from paralens import tree
from paralens.learn._callbacks import Metrics
from paralens.tree._convert import library_of

__all__ = [
    "DeferredInterrupt",
    "copy_array",
    "epoch_line",
    "jit_for",
    "position_text",
    "progress_bar",
]


def progress_bar(
    total: int | None, initial: int, epoch: int, epochs: int, enabled: bool | None
) -> Any:
    return tqdm(
        total=total,
        initial=initial,
        desc=f"epoch {epoch}/{epochs}",
        unit="ex",
        unit_scale=True,
        leave=True,
        dynamic_ncols=True,
        # None: shown only when stderr is a terminal
        disable=None if enabled is None else not enabled,
        file=sys.stderr,
    )


def position_text(p: Any) -> str:
    """Where a run stands, in words: ``the end of epoch 2`` or ``step 5 of epoch 3``."""
    if p.step == 0:
        return "the start" if p.epoch == 1 else f"the end of epoch {p.epoch - 1}"
    return f"step {p.step} of epoch {p.epoch}"


def epoch_line(record: Metrics, epochs: int) -> str:
    parts = [f"epoch {int(record['epoch'])}/{epochs}", f"loss {record['loss']:.4f}"]
    parts += [f"{name} {value:.4f}" for name, value in record.items() if name.startswith("eval_")]
    parts.append(f"{record['seconds']:.1f} s ({record['examples_per_second']:.0f} examples/s)")
    return "  ".join(parts)


def copy_array(x: Any) -> Any:
    return x.copy() if isinstance(x, np.ndarray) else x


class DeferredInterrupt:
    """Holds back Ctrl-C while a staged step writes the parameters in place; ``deliver``
    raises it once the run's state is whole. Elsewhere than the main thread, where Python
    takes no signals, it does nothing."""

    def __init__(self) -> None:
        self.pending = False
        self.previous: Any = None

    def __enter__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._hold)

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
            self.previous = None

    def _hold(self, signum: int, frame: Any) -> None:
        self.pending = True

    def deliver(self) -> None:
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt


def jit_for(jit: bool | str, params: Any, data: Any) -> bool:
    """Whether to stage the step: ``jit``, or for ``"auto"`` whether all arrays are NumPy's."""
    if jit != "auto" and not isinstance(jit, bool):
        raise ValueError(f'fit: jit must be True, False or "auto", got {jit!r}')
    other = any(
        library_of(leaf) is not None
        for leaf in tree.tree_leaves((params, data if isinstance(data, tuple) else ()))
    )
    if jit == "auto":
        return not other
    if jit and other:
        raise TypeError(
            "fit: jit=True stages the step on NumPy arrays, and the parameters or data are "
            'arrays of another library; train eagerly (jit=False, or jit="auto"), or '
            "convert them with paralens.tree.to_numpy"
        )
    return bool(jit)
