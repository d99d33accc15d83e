"""Steps of a tiny MLP, for counting instructions with callgrind (repeatable where times are not).

A 8-8-8-4 MLP at batch 2, so that NumPy's own work is small and the AD's bookkeeping shows.
Each step is the one ``mlp_step.py`` times (its functions, imported): ``value_and_grad`` of
the loss, then the SGD update as a ``tree_map``. Count a number of steps and subtract a
smaller number, so that start-up cancels out; without address randomisation the count
repeats to a few thousand instructions:

    PYTHONHASHSEED=0 setarch -R valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python benchmarks/instructions.py --steps 450 [--loss pnp]

``compare.py --instructions`` runs this for 50 and 450 steps in two checkouts and prints the
instructions per step of each.
"""

from __future__ import annotations

import argparse
import itertools

import mlp_step  # before NumPy: it pins BLAS to one thread, as when the step is timed

SIZES = (8, 8, 8, 4)

import numpy as np  # noqa: E402

import paralens  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--loss", choices=("library", "pnp"), default="library")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    params = [
        (rng.standard_normal((m, n)) / np.sqrt(m), np.zeros(n))
        for m, n in itertools.pairwise(SIZES)
    ]
    x = rng.random((2, SIZES[0]))
    onehot = np.eye(SIZES[-1])[[1, 3]]
    # The step mlp_step.py times: value_and_grad of the loss, then the SGD update.
    loss = mlp_step.loss if args.loss == "library" else mlp_step.pnp_loss
    step = mlp_step.sgd_step(paralens.value_and_grad(loss))
    for _ in range(args.steps):
        params, _ = step(params, x, onehot)


if __name__ == "__main__":
    main()
