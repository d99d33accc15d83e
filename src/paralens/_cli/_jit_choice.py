"""Whether ``paralens train`` stages its training step with ``paralens.jit``.

``--jit auto`` (the default) stages the step of the examples where it was measured
faster (``MEASURED``: the eager and the staged step on the same batch, this machine, one
BLAS thread), once the step is seen to stage (a Python branch on a traced value keeps it
eager). The choice is a fixed one, never a timing taken at the start of a run: the staged
step fuses its updates (one BLAS call for ``W - lr * X.T @ D``), which rounds differently
from the eager step in the last bits, and the same command must give the same result
every time. A resumed run keeps its checkpoint's choice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from paralens import tree
from paralens.jit import TracedValueError
from paralens.learn import load_checkpoint, make_step
from paralens.learn._training_state import initial_params, trained_part

__all__ = ["MEASURED", "choose_jit"]

# Milliseconds per step, eager and staged, on the first batch of the default options
# (2-core development machine, one BLAS thread, two runs of each; cnn: no gain worth
# staging, its time is the convolutions').
MEASURED: dict[str, tuple[float, float]] = {
    "linreg": (0.10, 0.04),
    "circle": (0.18, 0.12),
    "sine-rnn": (5.4, 2.2),
    "mnist": (3.6, 1.2),
    "mnist-cnn": (147.0, 142.0),
}
_STAGED_BY_DEFAULT = {"linreg", "circle", "sine-rnn", "mnist"}


def _copy(x: Any) -> Any:
    return tree.tree_map(lambda v: v.copy() if isinstance(v, np.ndarray) else v, x)


def _stages(model: Any, loss: Any, optimiser: Any, args: Any, train: tuple[Any, Any]) -> str:
    """Why the step cannot be staged, or ``""`` when it can (it is traced once here)."""
    params = initial_params(model, np.random.default_rng(args.seed))
    opt_state = optimiser.init(trained_part(model, params))
    batch = (train[0][: args.batch_size], train[1][: args.batch_size])
    try:
        make_step(model, loss, optimiser, jit=True)(_copy(params), _copy(opt_state), batch)
    except TracedValueError as err:
        return str(err).split(":")[0]
    return ""


def choose_jit(
    args: Any, model: Any, loss: Any, optimiser: Any, train: tuple[Any, Any]
) -> tuple[bool, str]:
    """``(use_jit, what to print)`` for this run."""
    if args.communicator.size > 1:
        return False, "training step: eager (jit stages the step of one process)"
    backend = getattr(args, "backend", "numpy")
    if backend != "numpy":
        if args.jit == "on":
            raise ValueError(
                f"--jit on stages the step on NumPy arrays, and --backend {backend} trains "
                f"on {backend} arrays; drop --jit on (the step runs eagerly)"
            )
        return False, f"training step: eager (paralens.jit stages NumPy arrays, not {backend}'s)"
    if args.jit != "auto":
        how = "staged by paralens.jit" if args.jit == "on" else "eager"
        return args.jit == "on", f"training step: {how} (--jit {args.jit})"
    if args.resume and args.save is not None and args.save.is_file():
        at = load_checkpoint(args.save)[1].get("fit", {})
        if isinstance(at, dict) and "jit" in at:
            chosen = bool(at["jit"])
            how = "staged by paralens.jit" if chosen else "eager"
            return chosen, f"training step: {how}, as in the run this one resumes"
    name = "mnist-cnn" if getattr(args, "model", None) == "cnn" else args.example
    eager, staged = MEASURED[name]
    measured = f"measured {eager:g} ms a step eager, {staged:g} ms staged"
    if name not in _STAGED_BY_DEFAULT:
        return False, f"training step: eager ({measured}: no gain worth staging; --jit on)"
    why_not = _stages(model, loss, optimiser, args, train)
    if why_not:
        return False, f"training step: eager (it cannot be staged: {why_not})"
    faster = f"{eager / staged:.1f}x faster, {measured}; --jit off trains eagerly"
    return True, f"training step: staged by paralens.jit ({faster})"
