"""``paralens bench``: paralens eager and ``jit`` against hand-written NumPy and the peers.

Every row's contenders run in one process, interleaved in each round (so a slow period of
a shared machine falls on all of them), on CPU time with one BLAS thread; a ratio is the
median over rounds of a contender's time over hand-written NumPy's in the same round.
Before timing, every contender's result is checked against NumPy's. Peers that are not
installed (the ``bench`` extra: autograd, torch, jax) are left out of the table.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from paralens._cli import _bench_peers as peers
from paralens._cli import _bench_work as work

Fn = Callable[[], Any]
COLUMNS = ("numpy", "autograd", "torch", "jax jit", "paralens", "paralens jit")


def per_call(fn: Fn, min_time: float) -> float:
    """CPU seconds per call of ``fn``, from a loop lasting at least ``min_time``."""
    fn()
    n = 1
    while True:
        start = time.process_time()
        for _ in range(n):
            fn()
        elapsed = time.process_time() - start
        if elapsed >= min_time:
            return elapsed / n
        n *= 2


def compare(
    fns: dict[str, Fn], rounds: int, min_time: float
) -> tuple[dict[str, float], dict[str, float]]:
    """Median time per call and median ratio to ``numpy`` of each contender, interleaved."""
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            samples[name].append(per_call(fn, min_time))
    times = {name: statistics.median(s) for name, s in samples.items()}
    base = samples["numpy"]
    ratios = {
        name: statistics.median(t / b for t, b in zip(s, base, strict=True))
        for name, s in samples.items()
    }
    return times, ratios


class Peers:
    """The peers that are installed, loaded once."""

    def __init__(self, wanted: bool) -> None:
        self.autograd = peers.autograd_peer() if wanted else None
        self.torch = peers.torch_peer() if wanted else None
        self.jax = peers.jax_peer() if wanted else None


def _checked(name: str, result: Any, expected: Any, tol: float) -> None:
    if not work.close(result, expected, tol):
        raise AssertionError(f"bench: {name} disagrees with hand-written NumPy")


def mlp_row(p: Peers, dtype: Any, batch: int) -> dict[str, Fn]:
    params, x, onehot = work.mlp_data(dtype, batch)
    tol = 1e-4 if dtype == np.float32 else 1e-9
    expected, _ = work.mlp_numpy(params, x, onehot)
    fns: dict[str, Fn] = {"numpy": lambda: work.mlp_numpy(params, x, onehot)}
    if p.autograd is not None:
        _checked("autograd", p.autograd["mlp"](params, x, onehot)[0], expected, tol)
        fns["autograd"] = lambda: p.autograd["mlp"](params, x, onehot)  # type: ignore[index]
    if p.torch is not None:
        t = p.torch
        tx, to = t["tensors"](x, onehot)
        _checked("torch", t["to_numpy"](t["mlp"](t["mlp_state"](params), tx, to)[0]), expected, tol)
        state = [t["mlp_state"](params)]
        fns["torch"] = lambda: t["mlp"](state[0], tx, to)
    if p.jax is not None:
        j = p.jax
        jx, jo = j["put"]((x, onehot))
        step = j["mlp"]()
        _checked("jax", j["to_numpy"](step(j["put"](params), jx, jo)[0]), expected, tol)
        fns["jax jit"] = work.threaded(step, j["put"](params), jx, jo, copy=False)
    _checked("paralens", work.mlp_paralens(params, x, onehot)[0], expected, tol)
    fns["paralens"] = lambda: work.mlp_paralens(params, x, onehot)
    staged = work.mlp_jit()
    _checked("paralens jit", staged(work.threaded_copy(params), x, onehot)[0], expected, tol)
    fns["paralens jit"] = work.threaded(staged, params, x, onehot)
    return fns


def _peer_row(
    p: Peers,
    name: str,
    args: tuple[Any, ...],
    numpy_fn: Callable[..., Any],
    paralens_fn: Callable[..., Any],
    staged: Callable[..., Any],
) -> dict[str, Fn]:
    """The contenders of a row computed by each peer's function ``name`` of ``args``, each
    checked against hand-written NumPy before anything is timed."""
    expected = numpy_fn(*args)
    fns: dict[str, Fn] = {"numpy": lambda: numpy_fn(*args)}
    contenders: dict[str, Callable[[], Any]] = {}
    if p.autograd is not None:
        contenders["autograd"] = lambda: p.autograd[name](*args)  # type: ignore[index]
    if p.torch is not None:
        contenders["torch"] = lambda: p.torch[name](*args)  # type: ignore[index]
    if p.jax is not None:
        jax_args = p.jax["put"](args)
        contenders["jax jit"] = lambda: p.jax[name](*jax_args)  # type: ignore[index]
    contenders["paralens"] = lambda: paralens_fn(*args)
    contenders["paralens jit"] = lambda: staged(*args)
    for contender, fn in contenders.items():
        _checked(contender, fn(), expected, 1e-9)
        fns[contender] = fn
    return fns


def rnn_row(p: Peers) -> dict[str, Fn]:
    return _peer_row(p, "rnn", work.rnn_data(), work.rnn_numpy, work.rnn_paralens, work.rnn_jit())


def hvp_row(p: Peers) -> dict[str, Fn]:
    return _peer_row(p, "hvp", work.hvp_data(), work.hvp_numpy, work.hvp_paralens, work.hvp_jit())


def chain_row(p: Peers) -> dict[str, Fn]:
    x = 0.3
    expected = work.chain_numpy(x)
    fns: dict[str, Fn] = {"numpy": lambda: work.chain_numpy(x)}
    contenders: dict[str, Callable[[], Any]] = {}
    if p.autograd is not None:
        contenders["autograd"] = lambda: p.autograd["chain"](x)  # type: ignore[index]
    if p.torch is not None:
        contenders["torch"] = lambda: p.torch["chain"](x)  # type: ignore[index]
    if p.jax is not None:
        contenders["jax jit"] = lambda: p.jax["chain"](x)  # type: ignore[index]
    staged = work.chain_jit()
    contenders["paralens"] = lambda: work.chain_paralens(x)
    contenders["paralens jit"] = lambda: staged(x)
    for name, fn in contenders.items():
        _checked(name, fn(), expected, 1e-9)
        fns[name] = fn
    return fns


def first_calls(p: Peers, repeats: int) -> dict[str, float]:
    """Seconds of the first call (trace, optimise, generate, run) of a fresh staged MLP
    step at batch 32, float64: the median of ``repeats`` fresh functions."""
    params, x, onehot = work.mlp_data(np.float64, 32)
    out: dict[str, list[float]] = {"paralens jit": []}
    if p.jax is not None:
        out["jax jit"] = []
        jx, jo = p.jax["put"]((x, onehot))
    for _ in range(repeats):
        staged = work.mlp_jit()
        start = time.perf_counter()
        staged(work.threaded_copy(params), x, onehot)
        out["paralens jit"].append(time.perf_counter() - start)
        if p.jax is not None:
            step = p.jax["mlp"]()
            jp = p.jax["put"](params)
            start = time.perf_counter()
            step(jp, jx, jo)
            out["jax jit"].append(time.perf_counter() - start)
    return {name: statistics.median(s) for name, s in out.items()}


def _mlp_maker(p: Peers, dtype: Any, batch: int) -> Callable[[], dict[str, Fn]]:
    return lambda: mlp_row(p, dtype, batch)


def run_bench(args: argparse.Namespace) -> int:
    """Print the table; 0 when every contender agreed with NumPy."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    rounds, min_time = (3, 0.02) if args.quick else (args.rounds, 0.05)
    p = Peers(not args.no_peers)
    rows: list[tuple[str, Callable[[], dict[str, Fn]], bool]] = []
    batches = (1, 32) if args.quick else (1, 32, 256)
    for dtype in (np.float64, np.float32):
        for batch in batches:
            name = f"MLP 784-300-100-10 SGD step, batch {batch}, {np.dtype(dtype).name}"
            rows.append((name, _mlp_maker(p, dtype, batch), False))
    rows.append(("Elman RNN h=32, 50 steps, gradient", lambda: rnn_row(p), False))
    rows.append(("Rosenbrock-100 Hessian-vector product", lambda: hvp_row(p), False))
    rows.append(("chain of scalar ops, µs per op", lambda: chain_row(p), True))
    print(
        f"paralens bench: {rounds} rounds, CPU time, one BLAS thread; ratio to hand-written NumPy"
    )
    print("| workload | " + " | ".join(COLUMNS) + " |")
    print("|---|" + "---:|" * len(COLUMNS))
    for name, make, per_op in rows:
        times, ratios = compare(make(), rounds, min_time)
        cells = []
        for column in COLUMNS:
            if column not in times:
                cells.append("")
            elif per_op:
                cells.append(f"{times[column] / work.CHAIN_OPS * 1e6:.3f} µs")
            elif column == "numpy":
                cells.append(f"1.00 ({times[column] * 1e6:.0f} µs)")
            else:
                cells.append(f"{ratios[column]:.2f}x")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    first = first_calls(p, 3 if args.quick else 5)
    shown = ", ".join(f"{name} {seconds * 1e3:.1f} ms" for name, seconds in first.items())
    print(f"first call of the MLP step (batch 32, float64; trace + optimise + run): {shown}")
    return 0


def add_bench_parser(commands: Any) -> None:
    bench = commands.add_parser(
        "bench", help="time paralens eager and jit against NumPy, autograd, torch and JAX"
    )
    bench.add_argument("--quick", action="store_true", help="3 short rounds, batches 1 and 32")
    bench.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    bench.add_argument("--no-peers", action="store_true", help="NumPy and paralens only")
