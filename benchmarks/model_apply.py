"""``model.apply`` on plain arrays against the same forward pass written in NumPy.

DESIGN.md promises plain values in, plain values out: a model applied to plain arrays runs
at NumPy speed, with no tracing. ``apply`` also checks its parameters against the model
(structure and shapes); this measures what that costs. Rows:

- *same params*: one parameter value applied again and again (inference, evaluation);
- *fresh params*: a new parameter value every call (the tuple and its ``Linear``s rebuilt
  around the same arrays, in both contenders), so every call is checked;
- *traced*: ``value_and_grad`` of the summed output, against the same gradient of the
  NumPy-style function written with ``paralens.numpy`` and plain tuples.

Run: python benchmarks/model_apply.py [--rounds 15] [--blas-threads 1] [--wall]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from typing import Any

from _timing import compare, set_blas_threads

BLAS_THREADS = set_blas_threads(sys.argv)

import numpy as np  # noqa: E402

import paralens  # noqa: E402
import paralens.numpy as pnp  # noqa: E402
from paralens import nn  # noqa: E402

SHAPES = {"784-300-100-10": [784, 300, 100, 10], "8-8-8-4": [8, 8, 8, 4]}


def hand_forward(layers: Any, x: Any) -> Any:
    """The MLP's forward pass, written out: logistic hidden layers, a linear output."""
    for w, b in layers[:-1]:
        x = pnp.logistic(x @ w + b)
    w, b = layers[-1]
    return x @ w + b


def rows(sizes: list[int], batch: int) -> dict[str, tuple[Any, Any]]:
    """Each row's two contenders: (NumPy-style, model.apply)."""
    net = nn.mlp(sizes, activation=pnp.logistic)
    params = net.init(0)
    layers = [(p.w, p.b) for p in params]
    x = np.random.default_rng(0).random((batch, sizes[0]))
    assert np.array_equal(net.apply(params, x), hand_forward(layers, x))

    def fresh() -> Any:
        return tuple(nn.Linear(p.w, p.b) for p in params)

    def fresh_layers() -> Any:
        return [(p.w, p.b) for p in fresh()]

    hand_grad = paralens.value_and_grad(lambda ls: pnp.sum(hand_forward(ls, x)))
    model_grad = paralens.value_and_grad(lambda p: pnp.sum(net.apply(p, x)))
    return {
        "same params": (lambda: hand_forward(layers, x), lambda: net.apply(params, x)),
        "fresh params": (
            lambda: hand_forward(fresh_layers(), x),
            lambda: net.apply(fresh(), x),
        ),
        "traced": (lambda: hand_grad(layers), lambda: model_grad(params)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--blas-threads", type=int, default=1)
    parser.add_argument("--wall", action="store_true", help="wall-clock instead of CPU time")
    args = parser.parse_args()
    clock = "wall-clock" if args.wall else "CPU"
    print(f"model.apply of an MLP; BLAS threads: {BLAS_THREADS}; {clock} time per call")
    print(f"{'mlp':15} {'batch':>5} {'row':13} {'numpy':>10} {'model':>10} {'ratio':>6}")
    for (label, sizes), batch in itertools.product(SHAPES.items(), (1, 32)):
        for row, (hand, model) in rows(sizes, batch).items():
            times, ratios = compare(
                {"hand": hand, "model": model}, rounds=args.rounds, wall=args.wall, baseline="hand"
            )
            print(
                f"{label:15} {batch:5d} {row:13} {times['hand'] * 1e6:8.1f}us "
                f"{times['model'] * 1e6:8.1f}us {ratios['model']:6.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
