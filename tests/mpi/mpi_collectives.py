"""The collectives of ``paralens.parallel`` on several processes.

Run by ``tests/test_parallel.py`` as ``mpiexec -n 2 python mpi_collectives.py OUT``; each
rank pickles what it got to ``OUT/rank<r>.pkl``, and the test checks it. What pickling
loses (which arrays share memory) is checked here and pickled as booleans.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from paralens import nn, optim, parallel
from paralens.learn import squared_error
from paralens.tree import tree_leaves


def _shares_memory(outputs: Any, inputs: Any) -> bool:
    """Whether two leaves of ``outputs``, or a leaf of ``outputs`` and one of ``inputs``,
    share memory."""
    out = [a for a in tree_leaves(outputs) if isinstance(a, np.ndarray)]
    given = [a for a in tree_leaves(inputs) if isinstance(a, np.ndarray)]
    pairs = [(a, b) for i, a in enumerate(out) for b in out[i + 1 :]]
    pairs += [(a, b) for a in out for b in given]
    return any(np.shares_memory(a, b) for a, b in pairs)


def main(out: Path) -> None:
    comm = parallel.world(timeout=30)
    r = comm.rank
    results: dict[str, Any] = {"rank": r, "size": comm.size, "is_root": comm.is_root}
    results["repr"] = repr(comm)

    mine = {
        "w": np.full((2, 3), float(r)),
        "b": np.float32(r),
        "n": r,
        "flag": bool(r),
        "k": np.arange(3) + r,
        "none": None,
    }
    got = comm.broadcast(mine)
    results["broadcast"] = got
    results["broadcast_input"] = mine
    results["broadcast_shares"] = _shares_memory(got, mine)

    shared = np.full(3, r + 1.0)
    value = {
        "w32": np.full((2, 2), r + 1.0, np.float32),
        "f": float(r),
        "c": np.array([1 + 1j * r]),
        "s": np.float64(r),
        "n": 7,
        "ints": np.arange(3),
        "shared": (shared, shared),
        "empty": np.zeros((0, 2)),
    }
    for reduction in ("allgather", "root"):
        each = parallel.world(timeout=30, reduction=reduction)
        mean = each.allreduce_mean(value, weight=r + 1)
        results[f"mean_{reduction}"] = mean
        results[f"mean_{reduction}_shares"] = _shares_memory(mean, value)
    results["mean_input"] = value
    results["weight0"] = comm.allreduce_mean(
        np.full(2, np.nan if r == 1 else 5.0), weight=0 if r == 1 else 3
    )

    errors: dict[str, str | None] = {}

    def expect(name: str, call: Callable[[], Any]) -> None:
        try:
            call()
        except (parallel.ParallelError, ValueError) as error:
            errors[name] = f"{type(error).__name__}: {error}"
        else:
            errors[name] = None

    expect("shape", lambda: comm.allreduce_mean({"w": np.zeros(3 + r)}))
    expect("dtype", lambda: comm.allreduce_mean({"w": np.zeros(3, [np.float64, np.float32][r])}))
    expect("keys", lambda: comm.allreduce_mean({"a": 1.0} if r == 0 else {"b": 1.0}))
    expect("leaves", lambda: comm.allreduce_mean((1.0,) if r == 0 else (1.0, 2.0)))
    expect("integer", lambda: comm.allreduce_mean({"g": 1.0, "n": r}))
    expect("operation", lambda: comm.broadcast(1.0) if r == 0 else comm.allreduce_mean(1.0))
    expect("weights", lambda: comm.allreduce_mean(1.0, weight=0))
    expect("broadcast_shape", lambda: comm.broadcast(np.zeros(2 + r)))
    model, opt = nn.linear(2, 1), optim.sgd(0.1)
    params = model.init(0)
    step = parallel.make_step(model, squared_error, opt, comm)
    x, y = np.arange(16.0).reshape(8, 2), np.arange(8.0)[:, None]
    order = slice(None, None, -1 if r else 1)
    expect("batch_order", lambda: step(params, opt.init(params), (x[order], y[order])))
    expect("batch_size", lambda: step(params, opt.init(params), (x[: 8 - r], y[: 8 - r])))
    expect("batch_same", lambda: step(params, opt.init(params), (x, y)))
    results["errors"] = errors
    results["after_errors"] = comm.allreduce_mean(float(r))

    x, y = np.arange(14.0).reshape(7, 2), np.arange(7)
    results["shard"] = comm.shard((x, y))
    results["shard_slice"] = comm.shard_slice(7)
    with open(out / f"rank{r}.pkl", "wb") as f:
        pickle.dump(results, f)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
