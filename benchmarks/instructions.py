"""Steps of a tiny MLP, for counting instructions with callgrind (repeatable where times are not).

A 8-8-8-4 MLP at batch 2, so that NumPy's own work is small and the AD's bookkeeping shows.
Each step is what ``mlp_step.py`` times: ``value_and_grad`` of the loss, then the SGD update
as a ``tree_map``. Count a number of steps and subtract a smaller number, so that start-up
cancels out:

    PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python benchmarks/instructions.py --steps 250 [--loss pnp]

``compare.py --instructions`` runs this for 50 and 250 steps in two checkouts and prints the
instructions per step of each.
"""

from __future__ import annotations

import argparse
import itertools
from typing import Any

import numpy as np

import paralens
import paralens.numpy as pnp
from paralens.learn import softmax_cross_entropy

SIZES = (8, 8, 8, 4)
LR = 0.1


def logits_of(params: Any, x: np.ndarray) -> Any:
    h = x
    for w, b in params[:-1]:
        h = pnp.sigmoid(h @ w + b)
    w, b = params[-1]
    return h @ w + b


def library_loss(params: Any, x: np.ndarray, onehot: np.ndarray) -> Any:
    return softmax_cross_entropy(logits_of(params, x), onehot)


def pnp_loss(params: Any, x: np.ndarray, onehot: np.ndarray) -> Any:
    return -pnp.mean(pnp.sum(onehot * pnp.log_softmax(logits_of(params, x)), axis=1))


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
    value_and_grad = paralens.value_and_grad(library_loss if args.loss == "library" else pnp_loss)
    for _ in range(args.steps):
        _, grads = value_and_grad(params, x, onehot)
        params = paralens.tree.tree_map(lambda p, g: p - LR * g, params, grads)


if __name__ == "__main__":
    main()
