"""Whether ``paralens train`` stages its training step with ``paralens.jit``.

``--jit auto`` (the default) times a few steps of the eager and the staged step on the
first batch, each from a copy of the initial parameters, and trains with the faster; a
step that cannot be staged (a Python branch on a traced value) trains eagerly. A resumed
run keeps the choice its checkpoint records, so that it ends where the run it continues
would have ended: the staged step computes the same values, up to the rounding of its
fused updates.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from paralens import tree
from paralens.jit import TracedValueError
from paralens.learn import load_checkpoint, make_step
from paralens.learn._training_state import initial_params, trained_part

__all__ = ["choose_jit"]

_STEPS = 5


def _copy(x: Any) -> Any:
    return tree.tree_map(lambda v: v.copy() if isinstance(v, np.ndarray) else v, x)


def _seconds_per_step(step: Any, params: Any, opt_state: Any, batch: Any) -> float:
    # The first call stages; the second may stage again (a float parameter comes back a
    # NumPy scalar, as from the eager step) and touches the kept buffers for the first time.
    for _ in range(2):
        params, opt_state, _ = step(params, opt_state, batch)
    start = time.perf_counter()
    for _ in range(_STEPS):
        params, opt_state, _ = step(params, opt_state, batch)
    return (time.perf_counter() - start) / _STEPS


def choose_jit(
    args: Any, model: Any, loss: Any, optimiser: Any, train: tuple[Any, Any]
) -> tuple[bool, str]:
    """``(use_jit, what to print)`` for this run."""
    if args.communicator.size > 1:
        return False, "training step: eager (jit stages the step of one process)"
    if args.jit != "auto":
        how = "staged by paralens.jit" if args.jit == "on" else "eager"
        return args.jit == "on", f"training step: {how} (--jit {args.jit})"
    if args.resume and args.save is not None and args.save.is_file():
        at = load_checkpoint(args.save)[1].get("fit", {})
        if isinstance(at, dict) and "jit" in at:
            chosen = bool(at["jit"])
            how = "staged by paralens.jit" if chosen else "eager"
            return chosen, f"training step: {how}, as in the run this one resumes"
    rng = np.random.default_rng(args.seed)
    params = initial_params(model, rng)
    opt_state = optimiser.init(trained_part(model, params))
    batch = (train[0][: args.batch_size], train[1][: args.batch_size])
    eager = _seconds_per_step(make_step(model, loss, optimiser), params, opt_state, batch)
    try:
        staged = _seconds_per_step(
            make_step(model, loss, optimiser, jit=True), _copy(params), _copy(opt_state), batch
        )
    except TracedValueError as err:
        return False, f"training step: eager (it cannot be staged: {str(err).split(':')[0]})"
    measured = f"{eager * 1e3:.2f} ms a step eager, {staged * 1e3:.2f} ms staged"
    if staged < eager:
        faster = f"{eager / staged:.1f}x faster ({measured}; --jit off trains eagerly)"
        return True, f"training step: staged by paralens.jit, {faster}"
    return False, f"training step: eager, faster here than staged ({measured})"
