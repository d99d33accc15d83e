"""``paralens train``: the examples run on small slices, options and errors."""

import re
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest

from paralens import data
from paralens._cli import main
from paralens.learn import fit, load_checkpoint
from paralens.tree import tree_leaves

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
    assert f"resuming from {save} after epoch 1 (1 epochs done)" in out
    (params, info) = load_checkpoint(save, _like_mnist_20())
    assert params[1].w.shape == (20, 10)
    assert [h["epoch"] for h in info["fit"]["history"]] == [1, 2]


def _like_mnist_20():
    """Parameters shaped like the 784-20-10 network's."""
    from paralens import nn

    return (nn.logistic_layer(784, 20) >> nn.linear(20, 10)).init(0)


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


# --- the loop people expect ---------------------------------------------------------------

# 100 steps an epoch, 40 epochs: about a second of training after the second epoch's line,
# for SIGINT to land in.
SMALL = ["mnist", "--limit", "1000", "--hidden", "16", "--batch-size", "10", "--epochs", "40"]


def saved_run(path, optimiser):
    """Parameters, optimiser state and position of a checkpoint written by the CLI."""
    from paralens import nn, optim
    from paralens.learn._checkpoint import read_parts

    params = (nn.logistic_layer(784, 16) >> nn.linear(16, 10)).init(0)
    schedule = optim.cosine_decay(0.2, 4000)
    rule = optim.adam(schedule) if optimiser == "adam" else optim.sgd(schedule, momentum=0.9)
    state = rule.init(params)
    parts, info = read_parts(path, {"": params, "opt_state": state})
    return parts, info["fit"]


@pytest.mark.parametrize("optimiser", ["sgd", "adam"])
def test_ctrl_c_exits_130_and_resume_ends_where_the_uninterrupted_run_ends(
    capsys, tmp_path, optimiser
):
    # The eager step: staged, these 40 small epochs take a fraction of a second, less than a
    # loaded machine may take to send the signal after reading the second epoch's line. The
    # staged step's Ctrl-C is tested in-process (test_jit_staging.py).
    options = [*SMALL, "--optimiser", optimiser, "--jit", "off"]
    straight = tmp_path / "straight.npz"
    code, out, _ = run(capsys, *options, "--save", str(straight))
    assert code == 0
    final = LAST_LINE.match(out.strip().splitlines()[-1])
    path = tmp_path / "run.npz"
    command = [sys.executable, "-m", "paralens", "train", *options, "--save", str(path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    while not any(line.startswith("epoch  2/40") for line in lines):
        line = process.stdout.readline()
        assert line, f"the run ended before its second epoch: {lines}"
        lines.append(line)
    process.send_signal(signal.SIGINT)  # inside the third epoch, or in its evaluation
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "test accuracy:" not in out
    message = err.strip().splitlines()[-1]
    assert message.startswith("paralens train mnist: interrupted ")
    assert f"the checkpoint {path} holds that point: add --resume to continue it" in message
    code, out, _ = run(capsys, *options, "--save", str(path), "--resume")
    assert code == 0
    assert re.search(
        rf"resuming from {re.escape(str(path))} (at step \d+ of epoch|after epoch)", out
    )
    assert LAST_LINE.match(out.strip().splitlines()[-1]).group(1) == final.group(1)
    (mine, at), (theirs, straight_at) = saved_run(path, optimiser), saved_run(straight, optimiser)
    for a, b in zip(tree_leaves(mine), tree_leaves(theirs), strict=True):
        assert np.array_equal(a, b)
    assert [h["loss"] for h in at["history"]] == [h["loss"] for h in straight_at["history"]]


def test_ctrl_c_without_a_checkpoint_says_nothing_was_kept(capsys, monkeypatch):
    from paralens._cli import _train

    def interrupted_fit(*args, **kwargs):
        kwargs["step_callbacks"] = [lambda record, params: _raise(KeyboardInterrupt)]
        return fit(*args, **kwargs)

    monkeypatch.setattr(_train, "fit", interrupted_fit)
    code, out, err = run(capsys, "linreg", "--epochs", "3")
    assert code == 130 and "test mse" not in out
    assert "interrupted at step 1 of epoch 1; nothing was saved (--save PATH" in err


def _raise(error):
    raise error


def test_every_output_path_is_checked_before_training(capsys, tmp_path):
    existing = tmp_path / "old.npz"
    existing.write_bytes(b"a checkpoint worth keeping")
    cases = [
        (["--save", str(tmp_path)], "is a directory; give a file inside it"),
        (["--save", str(existing)], "exists already; add --resume to continue it"),
        (["--plot", str(tmp_path)], "the plot path"),
        (["--save", str(existing / "x.npz")], "cannot write the checkpoint"),
    ]
    for options, message in cases:
        code, out, err = run(capsys, "linreg", *options)
        assert code == 1 and "epoch " not in out, (options, out)
        assert err.count("\n") == 1 and message in err, err
    assert existing.read_bytes() == b"a checkpoint worth keeping"
    code, _, _ = run(capsys, "linreg", "--save", str(existing), "--overwrite", "--epochs", "1")
    assert code == 0 and load_checkpoint(existing)[0].keys() == {"a", "b"}


def test_a_read_only_directory_is_one_line_and_exit_1(capsys, tmp_path):
    from test_fit import unwritable_directory

    code, out, err = run(capsys, "linreg", "--save", str(unwritable_directory(tmp_path) / "a.npz"))
    assert code == 1 and "epoch " not in out
    assert err.startswith("paralens train linreg: error: cannot write the checkpoint")
    assert err.count("\n") == 1


def test_plot_without_matplotlib_fails_first_with_the_install_hint(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    code, out, err = run(capsys, "circle", "--plot", str(tmp_path / "c.png"))
    assert code == 1 and "epoch " not in out
    assert "pip install 'paralens[plot]'" in err and "pip install -e '.[plot]'" in err


def test_nonsense_options_are_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "mnist", "--momentum", "5"])
    assert exit_info.value.code == 2
    assert "expected a number in [0, 1), such as 0.9 (0 for none), got 5" in capsys.readouterr().err
    for value in ("nan", "inf", "-0.5"):
        with pytest.raises(SystemExit):
            main(["train", "mnist", "--lr", value])
    code, _, err = run(capsys, "linreg", "--save", "x.npz", "--resume", "--overwrite")
    assert code == 2 and "pass one" in err


def test_diverging_training_is_one_line_naming_the_step(capsys):
    code, out, err = run(capsys, "linreg", "--lr", "1e200", "--schedule", "constant")
    assert code == 1 and "test mse" not in out
    assert re.fullmatch(
        r"paralens train linreg: error: fit: the loss of batch \d+ of epoch 1 is \w+: .*\n", err
    )


def test_version(capsys):
    import paralens

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"paralens {paralens.__version__}\n"


def test_a_closed_pipe_ends_quietly(tmp_path):
    command = [
        sys.executable,
        "-m",
        "paralens",
        "train",
        "mnist",
        "--limit",
        "300",
        "--epochs",
        "50",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path
    )
    first = process.stdout.readline()  # what `| head -1` reads, then it closes the pipe
    process.stdout.close()
    _, err = process.communicate(timeout=120)
    assert first.startswith(b"paralens train mnist: 784-300-100-10")
    assert process.returncode == 141 and err == b""


def test_blas_threads_default_to_one_unless_the_user_says(monkeypatch):
    from threadpoolctl import threadpool_info

    from paralens._cli._output import THREAD_VARIABLES, blas_threads

    def blas():
        return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}

    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    outside = blas()
    with blas_threads(None):
        assert blas() == {1}
    with blas_threads(2):
        assert blas() == {2}
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    with blas_threads(None):
        assert blas() == outside
    assert blas() == outside


def test_resume_inside_an_epoch_from_the_command_line(capsys, monkeypatch, tmp_path):
    from paralens._cli import _train

    options = [*SMALL[:-1], "3"]  # three epochs of 100 steps
    straight = tmp_path / "straight.npz"
    assert run(capsys, *options, "--save", str(straight))[0] == 0
    count = [0]

    def ctrl_c_at_step_150(record, params):
        count[0] += 1
        if count[0] == 150:
            raise KeyboardInterrupt

    def interrupted_fit(*args, **kwargs):
        return fit(*args, **kwargs, step_callbacks=[ctrl_c_at_step_150])

    path = tmp_path / "run.npz"
    with monkeypatch.context() as patch:
        patch.setattr(_train, "fit", interrupted_fit)
        code, out, err = run(capsys, *options, "--save", str(path))
    assert code == 130 and "test accuracy:" not in out
    assert "interrupted at step 50 of epoch 2; the checkpoint" in err
    code, out, _ = run(capsys, *options, "--save", str(path), "--resume")
    assert code == 0 and f"resuming from {path} at step 50 of epoch 2 (1 epochs done)" in out
    (mine, _), (theirs, _) = saved_run(path, "sgd"), saved_run(straight, "sgd")
    for a, b in zip(tree_leaves(mine), tree_leaves(theirs), strict=True):
        assert np.array_equal(a, b)
