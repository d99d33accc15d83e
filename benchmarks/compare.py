"""Paired rounds against another checkout: is this one slower, row by row?

Each round runs ``mlp_step.py`` and ``scalar_chain.py`` (the scripts of this folder, so both
sides are measured alike) once with this checkout's ``src`` and once with the other's,
alternating which goes first. A row's figure in a round is this checkout's result divided
by the other's in the same round; the median over rounds is printed. For the MLP step two
figures are compared for each column: its time, and its ratio to the hand-written step of
the same process. The ratio cancels the drifts of a shared machine, but not the state a
process's memory allocator is left in by what ran before, which moves the hand-written
step's time by as much as 25% at float64 batch 256 (it depends even on the hash seed, so
the processes run with random ones); the time has the opposite strengths.

Run: python benchmarks/compare.py --other ../wt-baseline [--rounds 6] [--pin-malloc]
[--instructions]

``--pin-malloc`` fixes glibc's thresholds for handing memory back to the system (see
README.md): the float64 steps then measure their arithmetic and bookkeeping rather than
the page faults of fresh arrays, and no longer depend on the allocator's history.

``--instructions`` instead counts instructions per step of ``instructions.py`` under
callgrind (450 steps minus 50), for both checkouts and both losses.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MLP_ROW = re.compile(
    r"^(float\d+)\s+(\d+)\s+([\d.]+)us\s+([\d.]+)us\s+([\d.]+)\s+([\d.]+)us\s+([\d.]+)", re.M
)
SCALAR_ROW = re.compile(r"paralens\s+([\d.]+) us per operation")
COLLECTED = re.compile(r"Collected : (\d+)")


PINNED_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(64 << 20), "MALLOC_TRIM_THRESHOLD_": str(256 << 20)}


def run(src: Path, *command: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(src), OPENBLAS_NUM_THREADS="1")
    if "valgrind" in command:  # counts repeat exactly with one hash seed
        env["PYTHONHASHSEED"] = "0"
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return done.stdout + done.stderr


Row = tuple[str, str]
COLUMNS = ("paralens time", "paralens ratio", "pnp loss time", "pnp loss ratio")


def mlp_figures(src: Path, rounds: int) -> dict[Row, tuple[float, float, float, float]]:
    """Each row's paralens time and ratio, then its pnp-loss time and ratio."""
    out = run(src, sys.executable, str(HERE / "mlp_step.py"), "--rounds", str(rounds))
    rows = MLP_ROW.findall(out)
    if not rows:
        raise RuntimeError(f"no rows in the output of mlp_step.py:\n{out}")
    return {(r[0], r[1]): (float(r[3]), float(r[4]), float(r[5]), float(r[6])) for r in rows}


def scalar_time(src: Path, rounds: int) -> float:
    out = run(src, sys.executable, str(HERE / "scalar_chain.py"), "--rounds", str(rounds))
    found = SCALAR_ROW.search(out)
    if found is None:
        raise RuntimeError(f"no figure in the output of scalar_chain.py:\n{out}")
    return float(found.group(1))


def instructions(src: Path, steps: int, loss: str) -> int:
    # Without address randomisation, so that dicts keyed by objects probe alike each run.
    out = run(
        src,
        "setarch",
        platform.machine(),
        "-R",
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        str(HERE / "instructions.py"),
        "--steps",
        str(steps),
        "--loss",
        loss,
    )
    found = COLLECTED.search(out)
    if found is None:
        raise RuntimeError(f"no instruction count from callgrind:\n{out}")
    return int(found.group(1))


def compare_instructions(ours: Path, other: Path) -> None:
    print("instructions per step (450 steps minus 50, tiny MLP 8-8-8-4, batch 2)")
    for loss in ("library", "pnp"):
        per_step = {}
        for name, src in (("this", ours), ("other", other)):
            per_step[name] = (instructions(src, 450, loss) - instructions(src, 50, loss)) / 400
        print(
            f"  {loss:8} loss: this {per_step['this'] / 1e3:8.1f} K, other "
            f"{per_step['other'] / 1e3:8.1f} K, ratio {per_step['this'] / per_step['other']:.4f}"
        )


def compare_times(ours: Path, other: Path, rounds: int, inner_rounds: int) -> None:
    mlp: dict[Row, list[list[float]]] = {}
    raw: dict[Row, list[tuple[float, ...]]] = {}
    scalar: list[float] = []
    for k in range(rounds):
        order = [("this", ours), ("other", other)]
        if k % 2:
            order.reverse()
        results = {name: mlp_figures(src, inner_rounds) for name, src in order}
        chains = {name: scalar_time(src, inner_rounds) for name, src in order}
        for row, figures in results["this"].items():
            theirs = results["other"][row]
            mlp.setdefault(row, []).append([a / b for a, b in zip(figures, theirs, strict=True)])
            raw.setdefault(row, []).append((*figures, *theirs))
        scalar.append(chains["this"] / chains["other"])
        chain = f"{chains['this']} / {chains['other']} us"
        print(f"round {k + 1}/{rounds}: scalar chain {chain}", flush=True)
    print("\nMLP step: median over rounds of this checkout's figure / the other's")
    print(f"{'dtype':8} {'batch':>5} " + " ".join(f"{c:>15}" for c in COLUMNS))
    for (dtype, batch), pairs in mlp.items():
        medians = [statistics.median(p[i] for p in pairs) for i in range(len(COLUMNS))]
        print(f"{dtype:8} {batch:>5} " + " ".join(f"{m:15.3f}" for m in medians))
    print("\nMLP step: medians over rounds, this checkout | the other")
    for (dtype, batch), figures in raw.items():
        m = [statistics.median(f[i] for f in figures) for i in range(8)]
        print(
            f"{dtype:8} {batch:>5} paralens {m[0]:8.1f}us {m[1]:.3f} pnp loss {m[2]:8.1f}us "
            f"{m[3]:.3f} | paralens {m[4]:8.1f}us {m[5]:.3f} pnp loss {m[6]:8.1f}us {m[7]:.3f}"
        )
    print(
        f"\nscalar chain: median of (this / other) per operation: {statistics.median(scalar):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", type=Path, required=True, help="the other checkout")
    parser.add_argument("--rounds", type=int, default=6, help="paired rounds of processes")
    parser.add_argument("--inner-rounds", type=int, default=5, help="rounds inside a process")
    parser.add_argument("--instructions", action="store_true", help="callgrind counts instead")
    parser.add_argument("--pin-malloc", action="store_true", help="fix glibc's mmap threshold")
    args = parser.parse_args()
    if args.pin_malloc:
        os.environ.update(PINNED_MALLOC)
    ours, other = HERE.parent / "src", args.other.resolve() / "src"
    if args.instructions:
        compare_instructions(ours, other)
    else:
        compare_times(ours, other, args.rounds, args.inner_rounds)


if __name__ == "__main__":
    main()
