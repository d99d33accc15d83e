"""fit's promises: exact resume from any step, nothing lost, nothing silently accepted,
and a loop that stops when asked."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from paralens import data, nn, optim
from paralens.learn import (
    CheckpointError,
    StopTraining,
    early_stopping,
    fit,
    load_checkpoint,
    save_checkpoint,
    softmax_cross_entropy,
    squared_error,
)
from paralens.learn._checkpoint import read_parts
from paralens.tree import tree_leaves, tree_structure


def assert_identical(a, b):
    """Same structure, and every leaf equal with ``==`` (bit for bit, same dtype)."""
    assert tree_structure(a) == tree_structure(b)
    for x, y in zip(tree_leaves(a), tree_leaves(b), strict=True):
        assert np.asarray(x).dtype == np.asarray(y).dtype
        assert np.array_equal(x, y), (x, y)


def classifier():
    return nn.tanh_layer(2, 8) >> nn.linear(8, 2)


MOONS = data.two_moons(100, key=0)  # 100 examples in batches of 16: 7 steps an epoch
EPOCHS = 3  # 21 steps in all

OPTIMISERS = {
    "sgd momentum cosine": lambda: optim.sgd(optim.cosine_decay(0.1, 21), momentum=0.9),
    "adam": lambda: optim.adam(0.02),
    "adamw warmup": lambda: optim.adamw(optim.warmup(0.02, 5), weight_decay=0.01),
    "nesterov exponential": lambda: optim.sgd(
        optim.exponential_decay(0.1, 0.5, 7, staircase=True), momentum=0.9, nesterov=True
    ),
    "rmsprop": lambda: optim.rmsprop(0.01),
    "adagrad clipped": lambda: optim.chain(optim.clip_by_global_norm(1.0), optim.adagrad(0.1)),
}


def interrupt_at(step):
    """A step callback that presses Ctrl-C after the ``step``-th step of this call of fit."""
    count = [0]

    def callback(record, params):
        count[0] += 1
        if count[0] == step:
            raise KeyboardInterrupt

    return callback


def train(opt, path, **kwargs):
    return fit(
        classifier(),
        softmax_cross_entropy,
        opt,
        MOONS,
        epochs=EPOCHS,
        batch_size=16,
        eval_data=MOONS,
        key=1,
        checkpoint=path,
        verbose=False,
        **kwargs,
    )


def saved_state(path, opt):
    params = classifier().init(0)
    parts, info = read_parts(path, {"": params, "opt_state": opt.init(params)})
    return parts, info["fit"]


LOSSES = ("loss", "eval_loss")


@pytest.mark.parametrize("name", sorted(OPTIMISERS))
@pytest.mark.parametrize("stops", [(1,), (5,), (7,), (10,), (20,), (3, 6, 9)])
def test_resume_from_any_step_equals_the_uninterrupted_run(tmp_path, name, stops):
    opt = OPTIMISERS[name]()
    straight, straight_history = train(opt, tmp_path / "straight.npz")
    path = tmp_path / "interrupted.npz"
    made = 0
    for stop in stops:  # stop at these global steps, counted from the start
        _, history = train(opt, path, resume=True, step_callbacks=[interrupt_at(stop - made)])
        assert history.interrupted
        assert (history.epoch - 1) * 7 + history.step == stop
        made = stop
    resumed, history = train(opt, path, resume=True)
    assert history.finished and len(history) == EPOCHS
    assert_identical(resumed, straight)
    for key in LOSSES:
        assert [r[key] for r in history] == [r[key] for r in straight_history]
    (mine, at), (theirs, straight_at) = (
        saved_state(path, opt),
        saved_state(tmp_path / "straight.npz", opt),
    )
    assert_identical(mine, theirs)  # parameters and optimiser state, schedule step included
    assert at["rng"] == straight_at["rng"] and (at["epoch"], at["step"]) == (EPOCHS + 1, 0)


def test_resume_exactly_with_a_list_of_batches(tmp_path):
    x, y = MOONS
    batch_list = [(x[i : i + 16], y[i : i + 16]) for i in range(0, 100, 16)]
    opt = optim.sgd(0.1, momentum=0.9)
    args = (classifier(), softmax_cross_entropy, opt, batch_list)
    straight, _ = fit(*args, epochs=2, verbose=False)
    path = tmp_path / "run.npz"
    fit(*args, epochs=2, checkpoint=path, step_callbacks=[interrupt_at(9)], verbose=False)
    resumed, history = fit(*args, epochs=2, checkpoint=path, resume=True, verbose=False)
    assert history.finished
    assert_identical(resumed, straight)


def test_resume_refuses_other_data_or_batch_size(tmp_path):
    opt = optim.adam(0.02)
    path = tmp_path / "run.npz"
    train(opt, path, step_callbacks=[interrupt_at(3)])
    with pytest.raises(CheckpointError, match="batch_size 16, this one has 8"):
        fit(
            classifier(),
            softmax_cross_entropy,
            opt,
            MOONS,
            batch_size=8,
            checkpoint=path,
            resume=True,
        )
    with pytest.raises(CheckpointError, match="examples_per_epoch 100, this one has 50"):
        small = (MOONS[0][:50], MOONS[1][:50])
        fit(
            classifier(),
            softmax_cross_entropy,
            opt,
            small,
            batch_size=16,
            checkpoint=path,
            resume=True,
        )
    with pytest.raises(CheckpointError, match="another structure"):
        other = nn.tanh_layer(2, 9) >> nn.linear(9, 2)
        fit(other, softmax_cross_entropy, opt, MOONS, batch_size=16, checkpoint=path, resume=True)
    plain = save_checkpoint(tmp_path / "plain.npz", classifier().init(0))
    with pytest.raises(CheckpointError, match="holds no optimiser state"):
        fit(classifier(), softmax_cross_entropy, opt, MOONS, checkpoint=plain, resume=True)


# --- nothing lost -----------------------------------------------------------------------


def never_called(record, params):
    raise AssertionError("a step ran although the run should have been refused first")


def unwritable_directory(tmp_path):
    """A directory this process cannot write to (a read-only one, or /sys for root)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        (folder / "probe").touch()
    except PermissionError:
        return folder
    (folder / "probe").unlink()
    if os.path.isdir("/sys/kernel") and not os.access("/sys/kernel", os.W_OK | os.X_OK):
        return Path("/sys/kernel")
    probe = Path("/sys/kernel/paralens-probe")
    try:
        probe.touch()
    except OSError:
        return Path("/sys/kernel")
    probe.unlink()
    pytest.skip("no directory here is read-only to this process")


def test_a_read_only_directory_is_refused_before_training(tmp_path):
    folder = unwritable_directory(tmp_path)
    with pytest.raises(PermissionError, match=r"cannot write the checkpoint .*run\.npz"):
        train(optim.adam(0.02), folder / "run.npz", step_callbacks=[never_called])


def test_a_directory_as_the_path_is_refused_before_training(tmp_path):
    with pytest.raises(IsADirectoryError, match=r"is a directory; give a file inside it"):
        train(optim.adam(0.02), tmp_path, step_callbacks=[never_called])
    with pytest.raises(OSError, match="cannot write the checkpoint"):
        (tmp_path / "file").write_text("x")
        train(optim.adam(0.02), tmp_path / "file" / "run.npz", step_callbacks=[never_called])


def test_an_existing_checkpoint_is_never_replaced_unless_asked(tmp_path):
    path = tmp_path / "run.npz"
    train(optim.adam(0.02), path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="exists already; pass resume=True to continue"):
        train(optim.adam(0.02), path, step_callbacks=[never_called])
    assert path.read_bytes() == before
    with pytest.raises(ValueError, match="pass one of them"):
        train(optim.adam(0.02), path, resume=True, overwrite=True)
    _, history = train(optim.adam(0.05), path, overwrite=True)
    assert len(history) == EPOCHS and path.read_bytes() != before


def diverging_run(path, lr, epochs, **kwargs):
    x = np.random.default_rng(0).standard_normal((64, 2)) * 30.0
    return fit(
        nn.linear(2, 1),
        squared_error,
        optim.sgd(lr),
        (x, x[:, :1] * 2.0),
        epochs=epochs,
        batch_size=8,
        checkpoint=path,
        verbose=False,
        **kwargs,
    )


def test_parameters_that_turn_non_finite_stop_training_and_keep_the_good_checkpoint(tmp_path):
    path = tmp_path / "run.npz"
    diverging_run(path, 1e-4, epochs=2)
    good = path.read_bytes()
    message = r"the loss of batch \d+ of epoch 3 is (inf|nan)"
    # NumPy's overflow warnings are errors in the test suite: silence them here.
    with pytest.raises(FloatingPointError, match=message) as err, np.errstate(all="ignore"):
        diverging_run(path, 1e150, epochs=4, resume=True)
    assert "keeps the last good state, the end of epoch 2" in str(err.value)
    assert path.read_bytes() == good
    params, _ = load_checkpoint(path)
    assert all(np.isfinite(leaf).all() for leaf in tree_leaves(params))


def test_non_finite_or_empty_data_is_refused_naming_the_example(tmp_path):
    x, y = MOONS
    bad = x.copy()
    bad[3, 1] = np.nan
    args = (classifier(), softmax_cross_entropy, optim.sgd(0.1))
    with pytest.raises(ValueError, match=r"fit: data: inputs\[3, 1\] is nan"):
        fit(*args, (bad, y), step_callbacks=[never_called])
    with pytest.raises(ValueError, match=r"eval_data: inputs\[3, 1\] is nan"):
        fit(*args, (x, y), eval_data=(bad, y), step_callbacks=[never_called])
    with pytest.raises(ValueError, match=r"data has no examples \(inputs of shape \(0, 2\)\)"):
        fit(*args, (x[:0], y[:0]))
    batch_list = [(x[:16], y[:16]), (bad[:16], y[:16])]
    with pytest.raises(
        FloatingPointError, match=r"batch 2 of epoch 1 is nan.*inputs\[3, 1\] is nan"
    ):
        fit(*args, batch_list)
    with pytest.raises(ValueError, match="batch 2 of epoch 1 has no examples"):
        fit(*args, [(x[:16], y[:16]), (x[:0], y[:0])])


def test_parameters_of_another_model_are_refused_before_training():
    model = nn.mlp([4, 8, 6, 3])
    x, y = np.zeros((10, 4)), np.zeros(10, dtype=int)
    with pytest.raises(ValueError, match=r"params"):
        fit(
            model,
            softmax_cross_entropy,
            optim.sgd(0.1),
            (x, y),
            params=nn.mlp([4, 8, 3]).init(0),
            step_callbacks=[never_called],
        )


KILLED_DURING_A_SAVE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import numpy as np
    from paralens import data, nn, optim
    from paralens.learn import fit, softmax_cross_entropy

    path = Path(sys.argv[1])

    def hang_in_the_next_save(record, params):
        def half_a_save(file, **arrays):
            file.write(b"PK\\x03\\x04 half of a zip file")
            file.flush()
            path.with_suffix(".saving").touch()
            time.sleep(120)
        np.savez = half_a_save

    fit(nn.tanh_layer(2, 8) >> nn.linear(8, 2), softmax_cross_entropy, optim.adam(0.02),
        data.two_moons(100, key=0), epochs=3, batch_size=16, key=1, checkpoint=path,
        callbacks=[hang_in_the_next_save], verbose=False)
    """
)


def test_kill_9_during_a_save_keeps_the_good_checkpoint(tmp_path):
    path = tmp_path / "run.npz"
    script = tmp_path / "killed.py"
    script.write_text(KILLED_DURING_A_SAVE)
    process = subprocess.Popen([sys.executable, str(script), str(path)])
    try:
        deadline = time.monotonic() + 60
        while not path.with_suffix(".saving").exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    stale = list(tmp_path.glob(".run.npz.*.tmp"))
    assert len(stale) == 1 and stale[0].stat().st_size > 0
    opt = optim.adam(0.02)
    _, at = saved_state(path, opt)  # the good checkpoint: the end of epoch 1
    assert (at["epoch"], at["step"], len(at["history"])) == (2, 0, 1)
    resumed, history = train(opt, path, resume=True)  # fit removes the dead save's file
    assert history.finished
    assert not list(tmp_path.glob(".run.npz.*.tmp"))
    straight, _ = train(opt, tmp_path / "straight.npz")
    assert_identical(resumed, straight)


# --- stopping -----------------------------------------------------------------------------


def test_stop_training_from_a_step_callback_saves_the_position(tmp_path):
    def stop_at_ten(record, params):
        if record["epoch"] == 2 and record["step"] == 3:
            raise StopTraining("enough")

    path = tmp_path / "run.npz"
    opt = optim.adam(0.02)
    _, history = train(opt, path, step_callbacks=[stop_at_ten])
    assert history.stopped == "enough" and not history.interrupted and not history.finished
    assert (history.epoch, history.step, len(history)) == (2, 3, 1)
    resumed, _ = train(opt, path, resume=True)
    straight, _ = train(opt, tmp_path / "straight.npz")
    assert_identical(resumed, straight)


def test_early_stopping_stops_and_returns_the_best_parameters():
    x, y = data.two_moons(200, key=3, noise=0.3)
    held_out = data.two_moons(200, key=4, noise=0.3)
    stop = early_stopping("eval_loss", patience=2)
    args = (nn.tanh_layer(2, 64) >> nn.linear(64, 2), softmax_cross_entropy, optim.adam(0.05))
    kwargs = {"batch_size": 8, "eval_data": held_out, "key": 0, "verbose": False}
    params, history = fit(*args, (x, y), epochs=200, callbacks=[stop], **kwargs)
    assert history.stopped is not None and "did not improve for 2 epochs" in history.stopped
    losses = [r["eval_loss"] for r in history]
    best = int(np.argmin(losses)) + 1
    assert stop.best_epoch == best and len(history) == best + 2 < 200
    best_params, _ = fit(*args, (x, y), epochs=best, **kwargs)
    assert_identical(params, best_params)


def test_early_stopping_errors():
    with pytest.raises(ValueError, match="patience must be a positive int"):
        early_stopping(patience=0)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        early_stopping(mode="lowest")
    stop = early_stopping("eval_accuracy")
    assert stop.mode == "max"
    with pytest.raises(KeyError, match="needs eval_data"):
        fit(
            classifier(),
            softmax_cross_entropy,
            optim.sgd(0.1),
            MOONS,
            callbacks=[stop],
            verbose=False,
        )
