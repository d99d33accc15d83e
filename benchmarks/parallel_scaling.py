"""Data-parallel training steps per second on 1 and 2 processes: the MNIST MLP at batch 256.

The model is ``paralens train mnist``'s 784-300-100-10 network (logistic hidden layers,
softmax cross-entropy, SGD with momentum) in float64 on the bundled digits, at a global
batch of 256: one process takes the whole batch, two take 128 each
(``paralens.parallel.make_step``) and average their gradients. Each round runs every
contender once, as a fresh process (``mpiexec -n 2`` for two), the order turned around
every other round; a worker times ``--steps`` steps after ``--warmup`` untimed ones, by
the wall clock (what scaling is about). The scaling efficiency of a round is the
two-process rate over twice the one-process rate of the same round; the table shows
medians over rounds. The two-process worker also times the collective alone on a
gradient of the network's shape, for both fixed-order reductions and for a plain
in-place ``MPI.Allreduce`` (whose order is MPI's own).

Run: python benchmarks/parallel_scaling.py [--rounds 7] [--steps 100]

Every process runs BLAS on one thread. On a machine shared with other work, the load
average printed beside the figures says how busy it was.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _timing import set_blas_threads

BLAS_THREADS = set_blas_threads(sys.argv)

import numpy as np  # noqa: E402

from paralens import data, nn, optim, parallel  # noqa: E402
from paralens.learn import softmax_cross_entropy  # noqa: E402
from paralens.tree import tree_leaves, tree_map  # noqa: E402

BATCH = 256
HERE = Path(__file__).resolve()


def model() -> Any:
    return nn.logistic_layer(784, 300) >> nn.logistic_layer(300, 100) >> nn.linear(100, 10)


def _collective_times(comm: parallel.Communicator, grads: Any, calls: int) -> dict[str, float]:
    """Seconds per call of each way to average ``grads`` over the ranks (median of rounds)."""
    from mpi4py import MPI  # only the two-process worker gets here

    flat = np.concatenate([np.ravel(g) for g in tree_leaves(grads)])
    ways = {
        "allgather": parallel.world(reduction="allgather").allreduce_mean,
        "root": parallel.world(reduction="root").allreduce_mean,
    }
    samples: dict[str, list[float]] = {name: [] for name in [*ways, "MPI.Allreduce"]}
    for _ in range(5):
        for name, mean in ways.items():
            comm.allreduce_mean(0.0)  # start together
            start = time.perf_counter()
            for _ in range(calls):
                mean(grads)
            samples[name].append((time.perf_counter() - start) / calls)
        comm.allreduce_mean(0.0)
        start = time.perf_counter()
        for _ in range(calls):
            MPI.COMM_WORLD.Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM)
        samples["MPI.Allreduce"].append((time.perf_counter() - start) / calls)
    return {name: statistics.median(times) for name, times in samples.items()}


def worker(args: argparse.Namespace) -> None:
    comm = parallel.world(reduction=args.reduction)
    (x, y), _ = data.load_mnist()
    x = x.astype(np.float64)
    net, opt = model(), optim.sgd(0.1, momentum=0.9)
    params = comm.broadcast(net.init(0))
    state = opt.init(params)
    step = parallel.make_step(net, softmax_cross_entropy, opt, comm)
    batches = list(data.batches((x, y), BATCH, key=0, drop_last=True))
    for i in range(args.warmup):
        params, state, _ = step(params, state, batches[i % len(batches)])
    comm.allreduce_mean(0.0)  # start the clock together
    start = time.perf_counter()
    for i in range(args.steps):
        params, state, _ = step(params, state, batches[i % len(batches)])
    comm.allreduce_mean(0.0)
    seconds = time.perf_counter() - start
    result: dict[str, Any] = {"steps_per_second": args.steps / seconds}
    if comm.size > 1:
        rng = np.random.default_rng(comm.rank)
        grads = tree_map(lambda p: rng.normal(size=np.shape(p)), params)
        result["collective"] = _collective_times(comm, grads, args.collective_calls)
    if comm.is_root:
        print(json.dumps(result), flush=True)


def _run(processes: int, reduction: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable,
        str(HERE),
        "--worker",
        "--reduction",
        reduction,
        "--steps",
        str(args.steps),
        "--warmup",
        str(args.warmup),
        "--collective-calls",
        str(args.collective_calls),
    ]
    if processes > 1:
        mpiexec = Path(sys.executable).parent / "mpiexec"
        command = [str(mpiexec if mpiexec.exists() else "mpiexec"), "-n", str(processes), *command]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "PMIX_", "OMPI_"))}
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--collective-calls", type=int, default=50)
    parser.add_argument("--blas-threads", type=int, default=1)
    parser.add_argument("--reduction", default="allgather", help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    contenders = {
        "1 process": (1, "allgather"),
        "2 processes, allgather": (2, "allgather"),
        "2 processes, root": (2, "root"),
    }
    print(
        f"MNIST MLP 784-300-100-10, float64, global batch {BATCH}; BLAS threads per process: "
        f"{BLAS_THREADS}; {args.rounds} rounds of {args.steps} steps; {os.cpu_count()} cores"
    )
    load_before = os.getloadavg()
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    collective: dict[str, list[float]] = {}
    for round_ in range(args.rounds):
        order = list(contenders) if round_ % 2 == 0 else list(reversed(contenders))
        for name in order:
            result = _run(*contenders[name], args)
            rates[name].append(result["steps_per_second"])
            if name == "2 processes, allgather":
                for way, seconds in result["collective"].items():
                    collective.setdefault(way, []).append(seconds)
    load_after = os.getloadavg()
    one = rates["1 process"]
    print(f"{'':24} {'steps/s':>8} {'efficiency':>11} {'range':>13}")
    for name, samples in rates.items():
        if name == "1 process":
            print(f"{name:24} {statistics.median(samples):8.1f} {'':>11} {'':>13}")
            continue
        efficiency = [r2 / (2 * r1) for r1, r2 in zip(one, samples, strict=True)]
        print(
            f"{name:24} {statistics.median(samples):8.1f} {statistics.median(efficiency):11.2f} "
            f"{min(efficiency):6.2f}-{max(efficiency):.2f}"
        )
    print("averaging a gradient of 266,610 float64 over 2 ranks, per call:")
    for way, seconds in collective.items():
        print(f"  {way:14} {statistics.median(seconds) * 1e6:8.0f} us")
    print(
        "load average (1, 5, 15 min) before: "
        + ", ".join(f"{v:.2f}" for v in load_before)
        + "; after: "
        + ", ".join(f"{v:.2f}" for v in load_after)
    )


if __name__ == "__main__":
    main()
