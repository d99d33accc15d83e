"""``paralens train mnist --model cnn``: a small slice trains, and the defaults it takes."""

import argparse
import re

import pytest

from paralens._cli import main
from paralens._cli._options import CNN_DEFAULTS, add_train_parser, resolve_model_defaults
from paralens._cli._train import mnist_cnn

LAST_LINE = re.compile(r"^test accuracy: (0\.\d{4}|1\.0000)$")


def _parsed(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_train_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["train", "mnist", *argv])
    resolve_model_defaults(args)
    return args


def test_the_cnn_on_a_small_slice(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["train", "mnist", "--model", "cnn", "--limit", "640", "--epochs", "2"])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.strip().splitlines()
    assert "CNN" in lines[0] and "640 training and 640 test digits" in out
    assert "adam lr 0.002 (cosine); epochs 2, batch size 64" in out
    match = LAST_LINE.match(lines[-1])
    assert match, lines[-1]
    assert float(match.group(1)) > 0.6


def test_the_cnn_takes_its_own_defaults_and_the_options_given() -> None:
    args = _parsed("--model", "cnn")
    assert (args.epochs, args.batch_size, args.optimiser, args.lr) == (
        CNN_DEFAULTS["epochs"],
        CNN_DEFAULTS["batch_size"],
        "adam",
        CNN_DEFAULTS["lr"],
    )
    args = _parsed("--model", "cnn", "--optimiser", "sgd", "--epochs", "3")
    assert (args.epochs, args.batch_size, args.optimiser, args.lr) == (3, 64, "sgd", None)
    args = _parsed()
    assert (args.model, args.epochs, args.batch_size, args.optimiser, args.lr) == (
        "mlp",
        10,
        32,
        "sgd",
        None,
    )


def test_the_cnn_is_two_convolutions_with_pooling_and_a_dense_head() -> None:
    net = mnist_cnn()
    kinds = [part.name.split("(")[0] for part in net.children]
    assert kinds == [
        "reshape",
        "conv2d",
        "relu",
        "max_pool",
        "conv2d",
        "relu",
        "max_pool",
        "flatten",
        "linear",
    ]
    assert net.shape_of(("batch", 784)) == ("batch", 10)
