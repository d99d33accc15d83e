"""``paralens train``: the examples trained from the command line.

``paralens train mnist`` trains the 784-300-100-10 classifier of the MNIST tutorial
(logistic hidden layers, softmax output) and ends with ``test accuracy: 0.xxxx``;
``linreg``, ``circle`` and ``sine-rnn`` run the smaller examples. Each prints one line per
epoch; ``--save`` keeps a checkpoint that ``--resume`` continues exactly where it stopped,
after the end of an epoch or a Ctrl-C inside one.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import itertools
import math
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import paralens.numpy as pnp
from paralens import data, nn, optim, parallel, tree
from paralens._cli._jit_choice import choose_jit
from paralens._cli._options import DEFAULT_LR, resolve_model_defaults
from paralens._cli._output import blas_threads, check_outputs, plot_curves, plot_sine
from paralens._random import as_generator
from paralens.learn import (
    CheckpointError,
    History,
    Metrics,
    accuracy,
    binary_cross_entropy,
    fit,
    load_checkpoint,
    softmax_cross_entropy,
    squared_error,
)

__all__ = ["run_train"]

INTERRUPTED = 130


class Interrupted(Exception):
    """Training was interrupted (Ctrl-C); the message says where and what was kept."""


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


def _report(record: Metrics, epochs: int) -> None:
    parts = [f"epoch {int(record['epoch']):>{len(str(epochs))}}/{epochs}"]
    parts.append(f"loss {record['loss']:.4f}")
    if "eval_loss" in record:
        parts.append(f"test loss {record['eval_loss']:.4f}")
    if "eval_accuracy" in record:
        parts.append(f"test accuracy {record['eval_accuracy']:.4f}")
    parts.append(f"{record['seconds']:.1f} s ({record['examples_per_second']:.0f} examples/s)")
    print("  ".join(parts), flush=True)


def _where(epoch: int, step: int) -> str:
    if step == 0:
        return "at the start" if epoch == 1 else f"after epoch {epoch - 1}"
    return f"at step {step} of epoch {epoch}"


def _announce_resume(args: argparse.Namespace) -> None:
    if not args.save.is_file():
        print(f"no checkpoint at {args.save} yet: starting a new run")
        return
    _, info = load_checkpoint(args.save)
    at = info.get("fit")
    if not isinstance(at, dict):
        raise CheckpointError(f"{args.save} holds no training run (it was not written by fit)")
    done = len(at["history"])
    print(f"resuming from {args.save} {_where(at['epoch'], at['step'])} ({done} epochs done)")


def _interrupted(args: argparse.Namespace, history: History) -> Interrupted:
    where = _where(history.epoch, history.step)
    if args.save is None:
        kept = "nothing was saved (--save PATH keeps a checkpoint to resume from)"
    else:
        kept = f"the checkpoint {args.save} holds that point: add --resume to continue it"
    return Interrupted(f"paralens train {args.example}: interrupted {where}; {kept}")


def _fit(
    args: argparse.Namespace,
    model: Any,
    loss: Callable[[Any, Any], Any],
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    with_accuracy: bool,
    like: Any = None,
) -> tuple[Any, History]:
    batches_per_epoch = -(-len(train[0]) // int(args.batch_size))
    opt, described = _optimiser(args, int(args.epochs) * batches_per_epoch)
    print(f"optimiser: {described}; epochs {args.epochs}, batch size {args.batch_size}")
    communicator = args.communicator
    if communicator.size > 1:
        print(
            f"data-parallel on {communicator.size} processes: each takes its part of every "
            f"batch of {args.batch_size}"
        )
    if args.resume:
        _announce_resume(args)
    use_jit, said = choose_jit(args, model, loss, opt, train)
    print(said, flush=True)
    key: Any = args.seed
    params = None
    if like is not None:
        # Initialised by NumPy's generator, as on NumPy, then moved: fit's shuffling goes
        # on with the same generator, so the run sees the batches a NumPy run sees.
        key = as_generator(args.seed)
        params = tree.asarray_like(model.init(key), like)
        train, test = tree.asarray_like(train, like), tree.asarray_like(test, like)
    params, history = fit(
        model,
        loss,
        opt,
        train,
        epochs=args.epochs,
        batch_size=args.batch_size,
        eval_data=test,
        metrics={"accuracy": accuracy} if with_accuracy else None,
        key=key,
        params=params,
        checkpoint=args.save,
        resume=args.resume,
        overwrite=args.overwrite,
        callbacks=[lambda record, _: _report(record, args.epochs)],
        progress=args.progress,
        verbose=False,
        parallel=communicator if communicator.size > 1 else None,
        jit=use_jit,
    )
    if history.interrupted:
        raise _interrupted(args, history)
    if args.save is not None:
        print(f"saved parameters, optimiser state and position to {args.save}")
    return params, history


def mnist_cnn() -> nn.Model[Any, Any, Any]:
    """The CNN of ``paralens train mnist --model cnn``: two 5x5 convolutions ("same"
    padding, 16 then 32 channels), each followed by a ReLU and 2x2 max pooling, then the
    dense head from the 7x7x32 features to the 10 digits (the softmax is in the loss)."""
    relu = nn.fn(pnp.relu, name="relu")
    return nn.then(
        nn.reshape((28, 28, 1)),
        nn.conv2d(1, 16, 5, padding="same"),
        relu,
        nn.max_pool(2),
        nn.conv2d(16, 32, 5, padding="same"),
        relu,
        nn.max_pool(2),
        nn.flatten(),
        nn.linear(7 * 7 * 32, 10),
    )


def _mnist_mlp(hidden: tuple[int, ...]) -> Any:
    layers = list(itertools.pairwise((784, *hidden, 10)))
    model: Any = nn.logistic_layer(*layers[0])
    for n_in, n_out in layers[1:-1]:
        model = model >> nn.logistic_layer(n_in, n_out)
    return model >> nn.linear(*layers[-1])


def train_mnist(args: argparse.Namespace) -> int:
    """Train the MNIST classifier and print its test accuracy last."""
    resolve_model_defaults(args)
    (x, y), (x_test, y_test) = data.load_mnist(args.data_dir, full=args.full)
    if args.full:
        source = "full MNIST"
    else:
        source = "MNIST test set (bundled)" if args.data_dir is None else f"{args.data_dir}"
    if args.limit is not None:
        n = args.limit
        x, y, x_test, y_test = x[:n], y[:n], x_test[:n], y_test[:n]
    if args.model == "cnn":
        title = "MNIST CNN"
        print(
            "paralens train mnist: CNN, conv 5x5 16 > relu > max pool 2 > conv 5x5 32 > relu "
            "> max pool 2 > flatten > dense 1568-10, softmax output (in the loss)"
        )
        model = mnist_cnn()
    else:
        sizes = (784, *args.hidden, 10)
        title = "MNIST " + "-".join(map(str, sizes))
        print(
            f"paralens train mnist: {'-'.join(map(str, sizes))} network, logistic hidden "
            f"layers, softmax output (in the loss)"
        )
        model = _mnist_mlp(tuple(args.hidden))
    print(f"data: {source}, {len(x)} training and {len(x_test)} test digits")
    like = _array_like(args)
    start = time.perf_counter()
    train, test = (x, y), (x_test, y_test)
    params, history = _fit(args, model, softmax_cross_entropy, train, test, True, like)
    print(f"trained in {time.perf_counter() - start:.1f} s")
    if args.plot is not None:
        plot_curves(args.plot, history, title)
    inputs = x_test if like is None else tree.asarray_like(x_test, like)
    final = accuracy(model.apply(params, inputs), y_test)
    print(f"test accuracy: {final:.4f}")
    return 0


def _array_like(args: argparse.Namespace) -> Any:
    """An array of the library and device of ``--backend`` and ``--device`` (``None`` for
    NumPy), checked before any training."""
    if args.backend == "numpy":
        if args.device != "cpu":
            raise ValueError(
                f"--device {args.device} needs --backend torch (NumPy runs on the CPU)"
            )
        return None
    try:
        torch = importlib.import_module("torch")
    except ImportError:
        raise ImportError(
            "--backend torch needs PyTorch, which is not installed: pip install torch "
            "(see pytorch.org for a build for your GPU)"
        ) from None
    try:
        like = torch.zeros((), dtype=torch.float64, device=args.device)
    except (RuntimeError, AssertionError) as err:
        raise ValueError(
            f"--device {args.device}: torch cannot use it here ({err}); pass --device cpu, "
            f"or cuda on a machine with a GPU and a CUDA build of torch"
        ) from None
    print(f"arrays: torch tensors on {like.device}")
    return like


def train_linreg(args: argparse.Namespace) -> int:
    """Fit ``y = a + b x`` to noisy samples of ``y = 0.5 + 2 x``."""
    x, y = data.linear_data(512, key=args.seed, weights=(2.0,), bias=0.5, noise=0.1)
    x_test, y_test = data.linear_data(128, key=args.seed + 1, weights=(2.0,), bias=0.5, noise=0.1)
    print("paralens train linreg: y = a + b x on noisy samples of y = 0.5 + 2 x")
    model = nn.lin_reg()
    params, history = _fit(args, model, squared_error, (x[:, 0], y), (x_test[:, 0], y_test), False)
    if args.plot is not None:
        plot_curves(args.plot, history, "linear regression")
    print(f"learned a = {params.a:.4f}, b = {params.b:.4f} (true 0.5, 2)")
    print(f"test mse: {history[-1]['eval_loss'] if history else math.nan:.4f}")
    return 0


def train_circle(args: argparse.Namespace) -> int:
    """Classify points inside and outside the unit circle with a small network."""
    x, y = data.circle_data(1024, key=args.seed)
    x_test, y_test = data.circle_data(512, key=args.seed + 1)
    print("paralens train circle: 2-16-1 network (tanh, logistic output), inside the circle?")
    model = nn.tanh_layer(2, 16) >> nn.logistic_layer(16, 1)
    train, test = (x, y[:, None]), (x_test, y_test[:, None])
    params, history = _fit(args, model, binary_cross_entropy, train, test, True)
    if args.plot is not None:
        plot_curves(args.plot, history, "circle classifier")
    print(f"test accuracy: {accuracy(model.apply(params, x_test), y_test[:, None]):.4f}")
    return 0


def _sine_continuation(series: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The true continuation of a unit sine of period 25 (its phase fitted to ``series``)."""
    steps = np.arange(len(series))
    basis = np.stack([np.sin(2 * np.pi * steps / 25.0), np.cos(2 * np.pi * steps / 25.0)], 1)
    (c_sin, c_cos), *_ = np.linalg.lstsq(basis, series, rcond=None)
    return np.asarray(c_sin * np.sin(2 * np.pi * t / 25.0) + c_cos * np.cos(2 * np.pi * t / 25.0))


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
    train = (inputs[:split], targets[:split])
    params, history = _fit(
        args, model, squared_error, train, (inputs[split:], targets[split:]), False
    )
    state = nn.prime(cell, params, cell.init_state(0), series[-window - 1 : -1, None])
    generated = nn.feedback(cell, params, state, series[-1:], 2 * 25)
    continuation = np.array([float(np.asarray(v).ravel()[0]) for v in generated])
    t = np.arange(len(series), len(series) + len(continuation))
    phase_error = float(np.sqrt(np.mean((continuation - _sine_continuation(series, t)) ** 2)))
    print(f"generated {len(continuation)} steps with feedback; rms error {phase_error:.4f}")
    if args.plot is not None:
        plot_sine(args.plot, series, continuation, history)
    print(f"test mse: {history[-1]['eval_loss'] if history else math.nan:.6f}")
    return 0


RUNNERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "mnist": train_mnist,
    "linreg": train_linreg,
    "circle": train_circle,
    "sine-rnn": train_sine_rnn,
}


def run_train(args: argparse.Namespace) -> int:
    """Run the example named by ``args.example``: 0 when done, 1 with one line on stderr
    for any file, data or training error, 2 for options that contradict each other, 130
    after Ctrl-C.

    Under ``mpiexec -n N`` the example trains data-parallel on the N processes; rank 0
    prints, plots and writes the checkpoint.
    """
    usage = f"paralens train {args.example}: error:"
    if args.resume and args.save is None:
        print(f"{usage} --resume needs --save PATH", file=sys.stderr)
        return 2
    if args.resume and args.overwrite:
        print(
            f"{usage} --resume continues the checkpoint and --overwrite replaces it; pass one",
            file=sys.stderr,
        )
        return 2
    try:
        args.communicator = parallel.world()
    except ImportError as err:
        print(f"{usage} {err}", file=sys.stderr)
        return 1
    if args.communicator.is_root:
        return _run_example(args, usage)
    args.plot = None
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
        return _run_example(args, usage)


def _run_example(args: argparse.Namespace, usage: str) -> int:
    try:
        check_outputs(args)
        # A loss or parameter that overflows is reported by fit in one line, naming the
        # step; NumPy's warnings about it would only add noise before that line.
        with blas_threads(args.threads), np.errstate(over="ignore", invalid="ignore"):
            return RUNNERS[args.example](args)
    except Interrupted as stop:
        print(stop, file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        raise
    except (OSError, ImportError, ValueError, FloatingPointError, RuntimeError) as err:
        print(f"{usage} {err}", file=sys.stderr)
        args.communicator.fail(err)  # the other ranks stop too, naming this one
        return 1
    except TypeError as err:
        if getattr(args, "backend", "numpy") == "numpy":
            raise
        # A function with no form for the library refuses it by name: one line, as above.
        print(f"{usage} --backend {args.backend}: {err}", file=sys.stderr)
        args.communicator.fail(err)
        return 1
