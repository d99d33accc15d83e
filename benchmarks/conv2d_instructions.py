"""Instructions per conv2d step under callgrind, this checkout against another.

A step is ``conv2d.py``'s paralens contender: ``pnp.conv2d(x, w, padding="same")`` under
``paralens.vjp`` and its pullback of one cotangent (both gradients), at one layer of the
MNIST CNN (batch 64, 5x5 kernels). The count of 5 steps minus that of 1, divided by 4,
cancels start-up; without address randomisation and with one hash seed it repeats to a
few thousand instructions, where times on a shared machine swing by tens of percent:

    python benchmarks/conv2d_instructions.py --other ../wt-baseline

runs callgrind for both checkouts, both layers and both dtypes (a few minutes) and prints
each count and the ratio. ``--steps N --layer L --dtype D`` runs the steps themselves.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

LAYERS = {"conv1": (28, 1, 16), "conv2": (14, 16, 32)}
COLLECTED = re.compile(r"Collected : (\d+)")
HERE = Path(__file__).resolve()


def steps(n: int, layer: str, dtype: str) -> None:
    import paralens
    import paralens.numpy as pnp

    size, c_in, c_out = LAYERS[layer]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, size, size, c_in)).astype(dtype)
    w = (rng.standard_normal((5, 5, c_in, c_out)) / 5).astype(dtype)
    g = rng.standard_normal((64, size, size, c_out)).astype(dtype)
    for _ in range(n):
        _, pullback = paralens.vjp(lambda x, w: pnp.conv2d(x, w, padding="same"), x, w)
        pullback(g)


def count(src: Path, n: int, layer: str, dtype: str) -> int:
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1")
    command = ["setarch", platform.machine(), "-R", "valgrind", "--tool=callgrind"]
    command += ["--callgrind-out-file=/dev/null", sys.executable, str(HERE)]
    command += ["--steps", str(n), "--layer", layer, "--dtype", dtype]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    found = COLLECTED.search(done.stdout + done.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from callgrind:\n{done.stderr}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", type=Path, help="the other checkout")
    parser.add_argument("--steps", type=int)
    parser.add_argument("--layer", choices=tuple(LAYERS), default="conv1")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    args = parser.parse_args()
    if args.steps is not None:
        steps(args.steps, args.layer, args.dtype)
        return
    if args.other is None:
        parser.error("give --other (a checkout to compare with) or --steps")
    ours = HERE.parent.parent / "src"
    print("instructions per conv2d forward + backward step (5 steps minus 1, over 4)")
    for dtype in ("float64", "float32"):
        for layer in LAYERS:
            per_step = [
                (count(src, 5, layer, dtype) - count(src, 1, layer, dtype)) / 4
                for src in (ours, args.other / "src")
            ]
            print(
                f"  {dtype} {layer}: this {per_step[0] / 1e6:9.3f} M, other "
                f"{per_step[1] / 1e6:9.3f} M, ratio {per_step[0] / per_step[1]:.4f}"
            )


if __name__ == "__main__":
    main()
