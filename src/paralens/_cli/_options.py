"""The options of ``paralens train``: each checked by argparse, with the allowed range."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "CNN_DEFAULTS",
    "DEFAULT_LR",
    "OPTIMISERS",
    "add_train_parser",
    "resolve_model_defaults",
]

OPTIMISERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
CNN_DEFAULTS: dict[str, Any] = {"epochs": 8, "batch_size": 64, "optimiser": "adam", "lr": 2e-3}
"""What ``paralens train mnist --model cnn`` trains with where no option says otherwise."""
DEFAULT_LR = {"sgd": 0.2, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3, "adagrad": 0.05}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _number_in(low: float, high: float, closed: str, wanted: str) -> Callable[[str], float]:
    """An argparse type for a finite number between ``low`` and ``high`` (``closed`` as in
    ``"[)"``: which ends are allowed); ``wanted`` says what is expected, for the message."""

    def number(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        above = value > low or (closed[0] == "[" and value == low)
        below = value < high or (closed[1] == "]" and value == high)
        if not (math.isfinite(value) and above and below):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text}")
        return value

    return number


_learning_rate = _number_in(0.0, math.inf, "()", "a positive number, such as 0.1")
_momentum = _number_in(0.0, 1.0, "[)", "a number in [0, 1), such as 0.9 (0 for none)")


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes such as 300,100, got {text!r}"
        ) from None
    if any(size <= 0 for size in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive, got {text!r}")
    return sizes


def _training_options(
    parser: argparse.ArgumentParser, epochs: int, batch_size: int, per_model: bool = False
) -> None:
    """The options of training; with ``per_model`` (mnist), those whose defaults differ for
    ``--model cnn`` default to ``None``, resolved by the runner (``resolve_model_defaults``)."""
    cnn = CNN_DEFAULTS

    def note(key: str) -> str:
        return f" (cnn: {cnn[key]})" if per_model else ""

    parser.add_argument(
        "--epochs",
        type=_positive_int,
        default=None if per_model else epochs,
        help=f"default {epochs}{note('epochs')}",
    )
    parser.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None if per_model else batch_size,
        help=f"default {batch_size}{note('batch_size')}",
    )
    parser.add_argument(
        "--optimiser",
        "--optimizer",
        choices=OPTIMISERS,
        default=None if per_model else "sgd",
        help=f"default sgd{note('optimiser')}",
    )
    defaults = ", ".join(f"{k} {v}" for k, v in DEFAULT_LR.items())
    parser.add_argument(
        "--lr",
        type=_learning_rate,
        default=None,
        help=f"learning rate (default: {defaults}{'; cnn with adam ' if per_model else ''}"
        f"{cnn['lr'] if per_model else ''})",
    )
    parser.add_argument(
        "--momentum",
        type=_momentum,
        default=0.9,
        help="momentum of sgd, in [0, 1) (default 0.9; 0 for none)",
    )
    parser.add_argument(
        "--schedule",
        choices=("cosine", "constant"),
        default="cosine",
        help="learning-rate schedule (default cosine decay to 0 over the run)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--jit",
        choices=("auto", "on", "off"),
        default="auto",
        help="stage the training step with paralens.jit: auto (the default) stages it for "
        "the examples where the staged step was measured faster, and says so; a resumed run "
        "keeps its checkpoint's choice",
    )


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--save", type=Path, default=None, metavar="PATH", help="checkpoint file (.npz)"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue from the --save checkpoint if present, exactly where it stopped",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing --save checkpoint"
    )
    parser.add_argument(
        "--plot", type=Path, default=None, metavar="PNG", help="write the training curves"
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar (default: when stderr is a terminal)",
    )
    parser.add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        metavar="N",
        help="BLAS threads (default 1, which is fastest for these small matrices, unless "
        "OPENBLAS_NUM_THREADS, OMP_NUM_THREADS or MKL_NUM_THREADS is set)",
    )


def _example(
    examples: Any, name: str, text: str, epochs: int, batch_size: int, per_model: bool = False
) -> Any:
    parser = examples.add_parser(name, help=text, description=text)
    _training_options(parser, epochs, batch_size, per_model)
    _output_options(parser)
    return parser


def resolve_model_defaults(args: argparse.Namespace) -> None:
    """Fill in the options ``paralens train mnist`` leaves to the model (``--model``)."""
    cnn = args.model == "cnn"
    if args.epochs is None:
        args.epochs = CNN_DEFAULTS["epochs"] if cnn else 10
    if args.batch_size is None:
        args.batch_size = CNN_DEFAULTS["batch_size"] if cnn else 32
    if args.optimiser is None:
        args.optimiser = CNN_DEFAULTS["optimiser"] if cnn else "sgd"
        if cnn and args.lr is None:
            args.lr = CNN_DEFAULTS["lr"]


def add_train_parser(commands: Any) -> None:
    """Add ``train`` and its examples to the ``paralens`` subcommands."""
    train = commands.add_parser("train", help="train one of the examples (mnist, ...)")
    examples = train.add_subparsers(dest="example", required=True, metavar="EXAMPLE")
    mnist = _example(
        examples,
        "mnist",
        "the MNIST classifier (784-300-100-10, or a CNN); prints the test accuracy",
        10,
        32,
        per_model=True,
    )
    mnist.add_argument(
        "--model",
        choices=("mlp", "cnn"),
        default="mlp",
        help="mlp: the 784-300-100-10 network (the tutorial's); cnn: two 5x5 convolutions "
        "(16 and 32 channels) with 2x2 max pooling and a dense head, by default trained "
        f"with adam lr {CNN_DEFAULTS['lr']} for {CNN_DEFAULTS['epochs']} epochs of batches "
        f"of {CNN_DEFAULTS['batch_size']} (default mlp)",
    )
    mnist.add_argument(
        "--hidden",
        type=_sizes,
        default=(300, 100),
        help="hidden layer sizes of the mlp (default 300,100)",
    )
    mnist.add_argument(
        "--full",
        action="store_true",
        help="the full 60,000/10,000 set (downloaded once) instead of the bundled digits",
    )
    mnist.add_argument(
        "--data-dir", type=Path, default=None, help="a directory holding the MNIST IDX files"
    )
    mnist.add_argument(
        "--backend",
        choices=("numpy", "torch"),
        default="numpy",
        help="the array library to train on: numpy (the default), or torch tensors "
        "(needs PyTorch; the step runs eagerly)",
    )
    mnist.add_argument(
        "--device",
        default="cpu",
        help="with --backend torch: the torch device, such as cpu (the default) or cuda",
    )
    mnist.add_argument(
        "--limit",
        type=_positive_int,
        default=None,
        metavar="N",
        help="use only the first N training and N test digits (a quick run)",
    )
    _example(examples, "linreg", "scalar linear regression y = a + b x", 20, 16)
    _example(examples, "circle", "a small classifier of points inside the unit circle", 30, 32)
    sine = _example(
        examples,
        "sine-rnn",
        "an LSTM trained on a sine wave, then generating its continuation with feedback",
        30,
        32,
    )
    sine.add_argument("--hidden", type=_positive_int, default=8, help="LSTM size (default 8)")
    sine.add_argument(
        "--window", type=_positive_int, default=15, help="steps seen per example (default 15)"
    )
