"""The ``paralens`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

import paralens
import paralens.numpy as pnp
from paralens._cli_diagram import add_diagram_parser, run_diagram
from paralens._cli_train import add_train_parser, run_train
from paralens.testing import check_grads


@dataclass(frozen=True)
class Affine:
    """A heterogeneous parameter: two arrays and a float."""

    w: np.ndarray
    b: np.ndarray
    temperature: float


def _demo_loss(p: Affine, x: np.ndarray, y: np.ndarray) -> object:
    prediction = pnp.tanh(x @ p.w + p.b) / p.temperature
    return pnp.mean((prediction - y) ** 2)


def demo() -> int:
    """Differentiate a small heterogeneous model and check its gradients."""
    rng = np.random.default_rng(0)
    params = Affine(w=rng.standard_normal((3, 2)), b=np.zeros(2), temperature=1.5)
    x = rng.standard_normal((8, 3))
    y = rng.standard_normal((8, 2))
    print("paralens demo: a model whose parameters are a dataclass of two arrays and a float")
    print("  loss(p, x, y) = mean((tanh(x @ p.w + p.b) / p.temperature - y) ** 2)\n")
    loss, g = paralens.value_and_grad(_demo_loss)(params, x, y)
    print(f"loss = {loss:.6f}")
    print(f"the gradient is again an {type(g).__name__}:")
    for field in ("w", "b", "temperature"):
        value = getattr(g, field)
        kind = f"array{np.shape(value)}" if isinstance(value, np.ndarray) else type(value).__name__
        head = f"  d loss / d {field:<11} {kind:<12} = "
        print(head + np.array2string(np.asarray(value), precision=4, prefix=head))
    check_grads(_demo_loss, (params, x, y), order=2)
    print("\ncheck_grads: forward and reverse mode agree with finite differences, to order 2")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``paralens`` and ``python -m paralens``."""
    parser = argparse.ArgumentParser(
        prog="paralens", description="Typed, purely functional differentiable programming."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="differentiate a small heterogeneous model")
    add_train_parser(commands)
    add_diagram_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo()
    if args.command == "train":
        return run_train(args)
    if args.command == "diagram":
        return run_diagram(args)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
