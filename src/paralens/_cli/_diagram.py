"""``paralens diagram``: the string diagram of an example model, written as SVG or PNG.

``paralens diagram mnist`` writes ``mnist.svg``, the 784-300-100-10 classifier of the
MNIST tutorial; ``-o FILE.png`` draws it through matplotlib instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paralens.numpy as pnp
from paralens import cat, nn, viz
from paralens.learn import (
    adversarial,
    binary_cross_entropy_error,
    discriminator_error,
    gradient_learner,
)

__all__ = ["EXAMPLES", "add_diagram_parser", "run_diagram"]


def _mnist() -> Any:
    return nn.logistic_layer(784, 300) >> nn.logistic_layer(300, 100) >> nn.softmax_layer(100, 10)


def _circle_learner() -> Any:
    hidden = gradient_learner(nn.tanh_layer(2, 16), lr=0.1)
    output = gradient_learner(nn.logistic_layer(16, 1), lr=0.1, error=binary_cross_entropy_error)
    return hidden >> output


def _gan() -> Any:
    generator = gradient_learner(nn.tanh_layer(1, 16) >> nn.linear(16, 1), lr=0.05)
    discriminator = gradient_learner(
        nn.tanh_layer(1, 16) >> nn.logistic_layer(16, 1), lr=0.05, error=discriminator_error
    )
    return adversarial(generator, discriminator)


EXAMPLES: dict[str, tuple[str, Callable[[], Any]]] = {
    "mnist": ("the 784-300-100-10 classifier of the MNIST tutorial", _mnist),
    "linreg": ("scalar linear regression y = a + b x", nn.lin_reg),
    "circle": (
        "the 2-16-1 inside-the-circle classifier",
        lambda: nn.tanh_layer(2, 16) >> nn.logistic_layer(16, 1),
    ),
    "sine-rnn": (
        "an LSTM and a linear read-out, unrolled over a window of a sine wave",
        lambda: nn.zero_state(nn.unroll_last(nn.lstm(1, 8) >> nn.linear(8, 1))),
    ),
    "ar": ("the autoregressive model ar(2), stateful", lambda: nn.ar(2)),
    "gru": ("a GRU over sequences with a linear read-out", lambda: nn.gru(1, 8) >> nn.linear(8, 1)),
    "mlp10": (
        "a 10-layer ReLU perceptron (wrapped onto two lines)",
        lambda: nn.mlp([32] * 10 + [10], activation=pnp.relu),
    ),
    "learner": ("the circle classifier as two composed gradient learners", _circle_learner),
    "gan": ("a generator and a discriminator composed adversarially", _gan),
    "arrow": (
        "the arrow sin >> (id & cos) >> mul",
        lambda: cat.sin >> (cat.id & cat.cos) >> cat.mul,
    ),
}


def add_diagram_parser(commands: Any) -> None:
    """Add ``diagram`` to the ``paralens`` subcommands."""
    listing = "; ".join(f"{name}: {text}" for name, (text, _) in EXAMPLES.items())
    parser = commands.add_parser(
        "diagram",
        help="write the string diagram of an example model (SVG or PNG)",
        description=f"Write the string diagram of an example. Examples: {listing}.",
    )
    parser.add_argument("example", choices=sorted(EXAMPLES), metavar="EXAMPLE")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        metavar="FILE",
        help="where to write it, .svg or .png (default EXAMPLE.svg)",
    )
    parser.add_argument(
        "--per-line", type=int, default=5, help="parts drawn per line before wrapping (default 5)"
    )


def run_diagram(args: argparse.Namespace) -> int:
    """Write the diagram that ``args.example`` names; errors are reported, not raised."""
    _, build = EXAMPLES[args.example]
    output = args.output if args.output is not None else Path(f"{args.example}.svg")
    try:
        viz.save(build(), output, per_line=args.per_line)
    except (ValueError, ImportError, OSError) as err:
        print(f"paralens diagram {args.example}: error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {output}")
    return 0
