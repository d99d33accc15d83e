"""``paralens train``: the examples run on small slices, options and errors."""

import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from paralens import data
from paralens._cli import main
from paralens.learn import load_checkpoint

LAST_LINE = re.compile(r"^test accuracy: (0\.\d{4}|1\.0000)$")


def run(capsys, *argv):
    code = main(["train", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_mnist_on_a_small_slice(capsys):
    argv = ["mnist", "--limit", "1000", "--epochs", "5", "--batch-size", "16", "--seed", "1"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    lines = out.strip().splitlines()
    match = LAST_LINE.match(lines[-1])
    assert match, lines[-1]
    assert float(match.group(1)) > 0.7
    assert "784-300-100-10" in lines[0]
    assert "1000 training and 1000 test digits" in out
    assert sum(line.startswith("epoch ") for line in lines) == 5


def test_mnist_options(capsys, tmp_path):
    save = tmp_path / "mnist.npz"
    argv = ["mnist", "--limit", "300", "--hidden", "20", "--optimiser", "adam", "--lr", "0.01"]
    code, out, _ = run(capsys, *argv, "--epochs", "1", "--save", str(save))
    assert code == 0 and "784-20-10" in out and "adam lr 0.01" in out
    assert save.is_file()
    code, out, _ = run(capsys, *argv, "--epochs", "2", "--save", str(save), "--resume")
    assert code == 0
    assert "epoch 2/2" in out and "epoch 1/2" not in out
    (_, info) = load_checkpoint(save, _like_mnist_20())
    assert [h["epoch"] for h in info["history"]] == [1, 2]


def _like_mnist_20():
    """Parameters and Adam state shaped like the 784-20-10 network's."""
    from paralens import nn, optim

    model = nn.logistic_layer(784, 20) >> nn.linear(20, 10)
    params = model.init(0)
    schedule = optim.cosine_decay(0.01, 10)
    return params, optim.adam(schedule).init(params)


def test_mnist_from_a_data_dir_and_missing_files(capsys, tmp_path):
    code, _, err = run(capsys, "mnist", "--data-dir", str(tmp_path), "--epochs", "1")
    assert code == 1
    assert str(tmp_path / "t10k-images-idx3-ubyte.gz") in err
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(data.bundled_mnist_dir() / name, tmp_path / name)
    code, out, _ = run(
        capsys, "mnist", "--data-dir", str(tmp_path), "--limit", "200", "--epochs", "1"
    )
    assert code == 0 and str(tmp_path) in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["mnist", "--epochs", "0"], "expected a positive integer"),
        (["mnist", "--batch-size", "x"], "expected a positive integer"),
        (["mnist", "--lr", "-1"], "expected a positive number"),
        (["mnist", "--optimiser", "lbfgs"], "invalid choice"),
        (["mnist", "--hidden", "30,x"], "comma-separated layer sizes"),
        (["imagenet"], "invalid choice"),
    ],
)
def test_bad_options_are_argparse_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_resume_needs_save(capsys):
    code, _, err = run(capsys, "mnist", "--resume")
    assert code == 2 and "--resume needs --save" in err


def test_plot(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "curves.png"
    code, out, _ = run(capsys, "circle", "--epochs", "2", "--plot", str(png))
    assert code == 0 and f"wrote {png}" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_linreg(capsys):
    code, out, _ = run(capsys, "linreg", "--epochs", "10")
    assert code == 0
    a, b = map(float, re.search(r"learned a = (\S+), b = (\S+) ", out).groups())
    assert abs(a - 0.5) < 0.1 and abs(b - 2.0) < 0.1
    assert out.strip().splitlines()[-1].startswith("test mse: ")


def test_circle(capsys):
    code, out, _ = run(capsys, "circle", "--epochs", "20")
    assert code == 0
    accuracy = float(LAST_LINE.match(out.strip().splitlines()[-1]).group(1))
    assert accuracy > 0.9


def test_sine_rnn(capsys):
    code, out, _ = run(capsys, "sine-rnn", "--epochs", "2", "--window", "5", "--hidden", "4")
    assert code == 0
    assert "generated 50 steps with feedback" in out
    mse = float(out.strip().splitlines()[-1].removeprefix("test mse: "))
    assert np.isfinite(mse) and mse < 0.5


def test_demo_still_works(capsys):
    assert main(["demo"]) == 0
    assert "check_grads" in capsys.readouterr().out


def test_python_dash_m(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "paralens", "train", "mnist", "--limit", "200", "--epochs", "1"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert LAST_LINE.match(result.stdout.strip().splitlines()[-1])
    assert result.stderr == ""  # no progress bar off a terminal
