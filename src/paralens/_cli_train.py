"""``paralens train``: the series' examples trained from the command line.

``paralens train mnist`` trains the 784-300-100-10 classifier of the MNIST tutorial
(logistic hidden layers, softmax output) and ends with ``test accuracy: 0.xxxx``;
``linreg``, ``circle`` and ``sine-rnn`` run the smaller examples.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import paralens.numpy as pnp
from paralens import data, nn, optim
from paralens.learn import (
    CheckpointError,
    Metrics,
    accuracy,
    binary_cross_entropy,
    fit,
    softmax_cross_entropy,
    squared_error,
)
from paralens.viz._draw import require_matplotlib

__all__ = ["add_train_parser", "run_train"]

OPTIMISERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
DEFAULT_LR = {"sgd": 0.2, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3, "adagrad": 0.05}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


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


def _common_options(parser: argparse.ArgumentParser, epochs: int, batch_size: int) -> None:
    parser.add_argument("--epochs", type=_positive_int, default=epochs, help=f"default {epochs}")
    parser.add_argument(
        "--batch-size", type=_positive_int, default=batch_size, help=f"default {batch_size}"
    )
    parser.add_argument("--optimiser", "--optimizer", choices=OPTIMISERS, default="sgd")
    parser.add_argument(
        "--lr",
        type=_positive_float,
        default=None,
        help="learning rate (default: "
        + ", ".join(f"{k} {v}" for k, v in DEFAULT_LR.items())
        + ")",
    )
    parser.add_argument(
        "--momentum", type=float, default=0.9, help="momentum of sgd (default 0.9; 0 for none)"
    )
    parser.add_argument(
        "--schedule",
        choices=("cosine", "constant"),
        default="cosine",
        help="learning-rate schedule (default cosine decay to 0 over the run)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--save", type=Path, default=None, metavar="PATH", help="checkpoint file (.npz)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue from the --save checkpoint if present"
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


def add_train_parser(commands: Any) -> None:
    """Add ``train`` and its examples to the ``paralens`` subcommands."""
    train = commands.add_parser("train", help="train one of the examples (mnist, ...)")
    examples = train.add_subparsers(dest="example", required=True, metavar="EXAMPLE")
    mnist = examples.add_parser(
        "mnist", help="the 784-300-100-10 MNIST classifier; prints the test accuracy"
    )
    _common_options(mnist, epochs=10, batch_size=32)
    mnist.add_argument(
        "--hidden",
        type=_sizes,
        default=(300, 100),
        help="hidden layer sizes (default 300,100)",
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
        "--limit",
        type=_positive_int,
        default=None,
        metavar="N",
        help="use only the first N training and N test digits (a quick run)",
    )
    linreg = examples.add_parser("linreg", help="scalar linear regression y = a + b x")
    _common_options(linreg, epochs=20, batch_size=16)
    circle = examples.add_parser(
        "circle", help="a small classifier of points inside the unit circle"
    )
    _common_options(circle, epochs=30, batch_size=32)
    sine = examples.add_parser(
        "sine-rnn",
        help="an LSTM trained on a sine wave, then generating its continuation with feedback",
    )
    _common_options(sine, epochs=30, batch_size=32)
    sine.add_argument("--hidden", type=_positive_int, default=8, help="LSTM size (default 8)")
    sine.add_argument(
        "--window", type=_positive_int, default=15, help="steps seen per example (default 15)"
    )


def _optimiser(args: argparse.Namespace, steps: int) -> tuple[optim.UpdateRule, str]:
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimiser]
    rate: float | optim.Schedule = lr
    if args.schedule == "cosine":
        rate = optim.cosine_decay(lr, max(steps, 1))
    rules: dict[str, Callable[[], optim.UpdateRule]] = {
        "sgd": lambda: optim.sgd(rate, momentum=args.momentum),
        "adam": lambda: optim.adam(rate),
        "adamw": lambda: optim.adamw(rate),
        "rmsprop": lambda: optim.rmsprop(rate),
        "adagrad": lambda: optim.adagrad(rate),
    }
    extra = f" momentum {args.momentum}" if args.optimiser == "sgd" else ""
    return rules[args.optimiser](), f"{args.optimiser} lr {lr}{extra} ({args.schedule})"


def _steps(n: int, args: argparse.Namespace) -> int:
    return int(args.epochs) * -(-n // int(args.batch_size))


def _report(record: Metrics, epochs: int) -> None:
    parts = [f"epoch {int(record['epoch']):>{len(str(epochs))}}/{epochs}"]
    parts.append(f"loss {record['loss']:.4f}")
    if "eval_loss" in record:
        parts.append(f"test loss {record['eval_loss']:.4f}")
    if "eval_accuracy" in record:
        parts.append(f"test accuracy {record['eval_accuracy']:.4f}")
    parts.append(f"{record['seconds']:.1f} s ({record['examples_per_second']:.0f} examples/s)")
    print("  ".join(parts), flush=True)


def _pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, or an ImportError saying how to install it."""
    require_matplotlib("--plot").use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _plot(path: Path, history: list[Metrics], title: str) -> None:
    plt = _pyplot()
    epochs = [h["epoch"] for h in history]
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    axes[0].plot(epochs, [h["loss"] for h in history], label="training loss")
    if history and "eval_loss" in history[0]:
        axes[0].plot(epochs, [h["eval_loss"] for h in history], label="test loss")
    axes[0].set_xlabel("epoch")
    axes[0].set_yscale("log")
    axes[0].legend()
    if history and "eval_accuracy" in history[0]:
        axes[1].plot(epochs, [h["eval_accuracy"] for h in history], color="tab:green")
        axes[1].set_ylabel("test accuracy")
    axes[1].set_xlabel("epoch")
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"wrote {path}")


def _fit(
    args: argparse.Namespace,
    model: Any,
    loss: Callable[[Any, Any], Any],
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    with_accuracy: bool,
) -> tuple[Any, list[Metrics]]:
    opt, described = _optimiser(args, _steps(len(train[0]), args))
    print(f"optimiser: {described}; epochs {args.epochs}, batch size {args.batch_size}")
    params, history = fit(
        model,
        loss,
        opt,
        train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        eval_data=test,
        metrics={"accuracy": accuracy} if with_accuracy else None,
        key=args.seed,
        checkpoint=args.save,
        resume=args.resume,
        callbacks=[lambda record, _: _report(record, args.epochs)],
        progress=args.progress,
    )
    if args.save is not None:
        print(f"saved parameters and optimiser state to {args.save}")
    return params, history


def train_mnist(args: argparse.Namespace) -> int:
    """Train the MNIST classifier and print its test accuracy last."""
    if args.full:
        (x, y), (x_test, y_test) = data.load_mnist(args.data_dir, full=True)
        source = "full MNIST"
    else:
        (x, y), (x_test, y_test) = data.load_mnist(args.data_dir)
        source = "MNIST test set (bundled)" if args.data_dir is None else f"{args.data_dir}"
    if args.limit is not None:
        x, y, x_test, y_test = (
            x[: args.limit],
            y[: args.limit],
            x_test[: args.limit],
            y_test[: args.limit],
        )
    sizes = (784, *args.hidden, 10)
    print(
        f"paralens train mnist: {'-'.join(map(str, sizes))} network, logistic hidden "
        f"layers, softmax output (in the loss)"
    )
    print(f"data: {source}, {len(x)} training and {len(x_test)} test digits")
    layers = list(itertools.pairwise(sizes))
    model: Any = nn.logistic_layer(*layers[0])
    for n_in, n_out in layers[1:-1]:
        model = model >> nn.logistic_layer(n_in, n_out)
    model = model >> nn.linear(*layers[-1])
    start = time.perf_counter()
    params, history = _fit(args, model, softmax_cross_entropy, (x, y), (x_test, y_test), True)
    print(f"trained in {time.perf_counter() - start:.1f} s")
    if args.plot is not None:
        _plot(args.plot, history, "MNIST " + "-".join(map(str, sizes)))
    final = accuracy(model.apply(params, x_test), y_test)
    print(f"test accuracy: {final:.4f}")
    return 0


def train_linreg(args: argparse.Namespace) -> int:
    """Fit ``y = a + b x`` to noisy samples of ``y = 0.5 + 2 x``."""
    x, y = data.linear_data(512, key=args.seed, weights=(2.0,), bias=0.5, noise=0.1)
    x_test, y_test = data.linear_data(128, key=args.seed + 1, weights=(2.0,), bias=0.5, noise=0.1)
    print("paralens train linreg: y = a + b x on noisy samples of y = 0.5 + 2 x")
    model = nn.lin_reg()
    params, history = _fit(args, model, squared_error, (x[:, 0], y), (x_test[:, 0], y_test), False)
    if args.plot is not None:
        _plot(args.plot, history, "linear regression")
    print(f"learned a = {params.a:.4f}, b = {params.b:.4f} (true 0.5, 2)")
    print(f"test mse: {history[-1]['eval_loss'] if history else math.nan:.4f}")
    return 0


def train_circle(args: argparse.Namespace) -> int:
    """Classify points inside and outside the unit circle with a small network."""
    x, y = data.circle_data(1024, key=args.seed)
    x_test, y_test = data.circle_data(512, key=args.seed + 1)
    print("paralens train circle: 2-16-1 network (tanh, logistic output), inside the circle?")
    model = nn.tanh_layer(2, 16) >> nn.logistic_layer(16, 1)
    params, history = _fit(
        args,
        model,
        binary_cross_entropy,
        (x, y[:, None]),
        (x_test, y_test[:, None]),
        True,
    )
    if args.plot is not None:
        _plot(args.plot, history, "circle classifier")
    print(f"test accuracy: {accuracy(model.apply(params, x_test), y_test[:, None]):.4f}")
    return 0


def run_train(args: argparse.Namespace) -> int:
    """Run the example named by ``args.example``; report data and file errors plainly."""
    if args.resume and args.save is None:
        print("paralens train: error: --resume needs --save PATH", file=sys.stderr)
        return 2
    runners = {
        "mnist": train_mnist,
        "linreg": train_linreg,
        "circle": train_circle,
        "sine-rnn": train_sine_rnn,
    }
    try:
        return runners[args.example](args)
    except (
        FileNotFoundError,
        data.IdxError,
        ConnectionError,
        CheckpointError,
        RuntimeError,
    ) as err:
        print(f"paralens train {args.example}: error: {err}", file=sys.stderr)
        return 1


def train_sine_rnn(args: argparse.Namespace) -> int:
    """Train an LSTM on windows of a sine wave, then let it continue the wave on its own."""
    series, _ = data.sine_wave(400, key=args.seed, period=25.0)
    window = args.window
    starts = range(len(series) - window)
    inputs = np.stack([series[i : i + window] for i in starts])[:, :, None]
    targets = np.array([series[i + window] for i in starts])[:, None]
    split = int(0.8 * len(inputs))
    print(
        f"paralens train sine-rnn: LSTM(1, {args.hidden}) then linear, on windows of "
        f"{window} steps of a sine wave of period 25"
    )
    cell = nn.lstm(1, args.hidden) >> nn.linear(args.hidden, 1)
    over_time = nn.zero_state(nn.unroll_last(cell))

    def apply(p: Any, x: Any) -> Any:
        return over_time.apply(p, pnp.moveaxis(x, 1, 0))

    model = nn.model(apply, cell._init, name="sine_rnn")
    params, history = _fit(
        args,
        model,
        squared_error,
        (inputs[:split], targets[:split]),
        (inputs[split:], targets[split:]),
        False,
    )
    state = nn.prime(cell, params, cell.init_state(0), series[-window - 1 : -1, None])
    generated = nn.feedback(cell, params, state, series[-1:], 2 * 25)
    continuation = np.array([float(np.asarray(v).ravel()[0]) for v in generated])
    t = np.arange(len(series), len(series) + len(continuation))
    phase_error = float(np.sqrt(np.mean((continuation - _sine_continuation(series, t)) ** 2)))
    print(f"generated {len(continuation)} steps with feedback; rms error {phase_error:.4f}")
    if args.plot is not None:
        _plot_sine(args.plot, series, continuation, history)
    print(f"test mse: {history[-1]['eval_loss'] if history else math.nan:.6f}")
    return 0


def _sine_continuation(series: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The true continuation of a unit sine of period 25 (its phase fitted to ``series``)."""
    steps = np.arange(len(series))
    basis = np.stack([np.sin(2 * np.pi * steps / 25.0), np.cos(2 * np.pi * steps / 25.0)], 1)
    (c_sin, c_cos), *_ = np.linalg.lstsq(basis, series, rcond=None)
    return np.asarray(c_sin * np.sin(2 * np.pi * t / 25.0) + c_cos * np.cos(2 * np.pi * t / 25.0))


def _plot_sine(path: Path, series: np.ndarray, continuation: np.ndarray, history: Any) -> None:
    plt = _pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].plot(np.arange(len(series)), series, label="sine wave (training data)")
    t = np.arange(len(series), len(series) + len(continuation))
    axes[0].plot(t, continuation, label="generated by feedback")
    axes[0].legend()
    axes[1].plot([h["epoch"] for h in history], [h["loss"] for h in history], label="loss")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("epoch")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"wrote {path}")
