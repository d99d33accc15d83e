"""``paralens.parallel``: one process (always), and two through ``mpiexec`` (when mpi4py is
installed: the ``mpi`` extra, which the ``test`` extra includes).

The two-process tests run the scripts of ``tests/mpi`` under ``mpiexec -n 2`` with a
timeout on the subprocess, so that a hang fails the test instead of freezing the suite.
"""

from __future__ import annotations

import importlib.util
import math
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from paralens import nn, optim, parallel
from paralens.learn import load_checkpoint, make_step, softmax_cross_entropy
from paralens.parallel import Communicator, SingleProcess
from paralens.tree import tree_leaves

SCRIPTS = Path(__file__).parent / "mpi"
LAUNCHER_VARIABLES = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")


def _clean_environment(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in LAUNCHER_VARIABLES and not k.startswith(("PMIX_", "PMI_"))
    }
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", **extra)
    return env


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=_clean_environment(**env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


# One process: no launcher, no MPI.


def test_world_without_a_launcher_is_one_process_and_never_imports_mpi4py():
    code = """
import sys
import numpy as np
from paralens import parallel
comm = parallel.world()
grads = {"w": np.ones(3)}
assert comm.allreduce_mean(grads, weight=5) is grads
assert comm.broadcast(grads) is grads
batch = (np.zeros((4, 2)), np.arange(4))
assert comm.shard(batch) is batch
comm.fail(ValueError("nothing to tell"))
print(type(comm).__name__, comm.size, "mpi4py" in sys.modules)
"""
    for env in ({}, {"PMI_SIZE": "1", "PMI_RANK": "0"}):
        result = _python(code, **env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["SingleProcess", "1", "False"]


@pytest.mark.parametrize(
    ("backend", "env", "why"),
    [
        ("auto", {"PMI_SIZE": "2", "PMI_RANK": "0"}, "a launcher started 2 processes"),
        ("mpi", {}, "backend='mpi'"),
    ],
)
def test_mpi_needed_but_missing_names_the_extra(backend, env, why):
    code = f"""
import sys
sys.modules["mpi4py"] = None  # as if it were not installed
from paralens import parallel
try:
    parallel.world(backend={backend!r})
except ImportError as error:
    print(error)
"""
    result = _python(code, **env)
    assert result.returncode == 0, result.stderr
    assert "pip install 'paralens[mpi]'" in result.stdout
    assert why in result.stdout


def test_launched_size_reads_the_launchers_variables(monkeypatch):
    for name in (*LAUNCHER_VARIABLES, "PMIX_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert parallel.launched_size() == 1
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "3")
    assert parallel.launched_size() == 3
    monkeypatch.setenv("PMI_SIZE", "4")
    assert parallel.launched_size() == 4
    monkeypatch.setenv("PMI_SIZE", "many")
    assert parallel.launched_size() is None
    monkeypatch.delenv("PMI_SIZE")
    monkeypatch.delenv("OMPI_COMM_WORLD_SIZE")
    monkeypatch.setenv("PMIX_RANK", "0")
    assert parallel.launched_size() is None


def test_single_process_returns_its_inputs():
    comm = SingleProcess()
    assert (comm.rank, comm.size, comm.is_root) == (0, 1, True)
    value = {"w": np.ones((2, 2), np.float32), "b": 0.5, "n": 3, "none": None}
    assert comm.allreduce_mean(value) is value
    assert comm.allreduce_mean(value, weight=np.int64(7)) is value
    assert comm.broadcast(value) is value
    batch = (np.zeros((5, 3)), np.arange(5))
    assert comm.shard(batch) is batch
    assert comm.shard_slice(5) == slice(0, 5)
    assert value["w"].dtype == np.float32 and value["b"] == 0.5


@pytest.mark.parametrize("weight", [-1, math.nan, math.inf, True, "16", None])
def test_a_bad_weight_is_refused(weight):
    with pytest.raises(ValueError, match="weight must be a finite number >= 0"):
        SingleProcess().allreduce_mean(1.0, weight=weight)


def test_a_mean_of_nothing_is_refused():
    with pytest.raises(ValueError, match="every rank's weight is 0"):
        SingleProcess().allreduce_mean(1.0, weight=0)


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ({"name": np.array(["mlp"])}, r"\['name'\] is a ndarray of dtype <U3"),
        ((np.array([object()]),), r"\[0\] is a ndarray of dtype object"),
        ({"big": 2**70}, r"\['big'\] does not fit in 64 bits"),
    ],
)
def test_a_leaf_no_collective_carries_is_named(value, found):
    for operation in (SingleProcess().allreduce_mean, SingleProcess().broadcast):
        with pytest.raises(TypeError, match=found):
            operation(value)


def test_shard_refuses_what_has_no_examples():
    comm = SingleProcess()
    with pytest.raises(ValueError, match=r"same number of examples.*\[0\]: 4, \[1\]: 3"):
        comm.shard((np.zeros((4, 2)), np.zeros(3)))
    with pytest.raises(ValueError, match=r"the leaf at \[1\] has no axes"):
        comm.shard((np.zeros((4, 2)), 1.0))
    with pytest.raises(ValueError, match="at least one array"):
        comm.shard(())
    for n in (-1, 2.0, True):
        with pytest.raises(ValueError, match="n must be a number of examples"):
            comm.shard_slice(n)


class _Ranks(Communicator):
    """Rank ``rank`` of ``size``, for what depends only on those (``shard``)."""

    def __init__(self, rank: int, size: int) -> None:
        super().__init__(rank, size, 1.0, "allgather")

    def allreduce_mean(self, value: Any, weight: float = 1.0) -> Any:
        raise AssertionError("not used")

    def broadcast(self, value: Any) -> Any:
        raise AssertionError("not used")

    def fail(self, error: BaseException) -> None:
        raise AssertionError("not used")


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_the_shards_in_rank_order_are_the_batch(size):
    for n in range(0, 23):
        x = np.arange(3.0 * n).reshape(n, 3)
        parts = [_Ranks(rank, size).shard((x, -x)) for rank in range(size)]
        sizes = [len(part[0]) for part in parts]
        assert max(sizes) - min(sizes) <= 1
        np.testing.assert_array_equal(np.concatenate([p[0] for p in parts]), x)
        np.testing.assert_array_equal(np.concatenate([p[1] for p in parts]), -x)


def test_world_refuses_bad_settings():
    with pytest.raises(ValueError, match="timeout must be a positive, finite number"):
        parallel.world(timeout=-1)
    with pytest.raises(ValueError, match="timeout must be a positive, finite number"):
        parallel.world(timeout=math.inf)
    with pytest.raises(ValueError, match="reduction must be 'allgather' or 'root'"):
        parallel.world(reduction="tree")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="backend must be 'auto' or 'mpi'"):
        parallel.world(backend="nccl")  # type: ignore[arg-type]


def _digits(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 12)), rng.integers(0, 4, size=n)


def test_the_parallel_step_on_one_process_is_the_plain_step():
    model, opt = nn.logistic_layer(12, 8) >> nn.linear(8, 4), optim.adam(0.01)
    params = model.init(0)
    initial = [np.copy(leaf) for leaf in tree_leaves(params)]
    x, y = _digits(64)
    plain = make_step(model, softmax_cross_entropy, opt)
    step = parallel.make_step(model, softmax_cross_entropy, opt, SingleProcess())
    p1, s1 = params, opt.init(params)
    p2, s2 = params, opt.init(params)
    for start in range(0, 64, 16):
        batch = (x[start : start + 16], y[start : start + 16])
        p1, s1, m1 = plain(p1, s1, batch)
        p2, s2, m2 = step(p2, s2, batch)
        assert m1 == m2
    for a, b in zip(tree_leaves(p1), tree_leaves(p2), strict=True):
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()
    # the step's arguments are left as they were
    for before, after in zip(initial, tree_leaves(params), strict=True):
        np.testing.assert_array_equal(before, after)


# Two processes, through mpiexec.


def _mpiexec() -> str | None:
    beside = Path(sys.executable).parent / "mpiexec"
    return str(beside) if beside.exists() else shutil.which("mpiexec")


MPIEXEC = _mpiexec()
needs_mpi = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or MPIEXEC is None,
    reason="the two-process tests need mpi4py and mpiexec: pip install 'paralens[mpi]' "
    "(the test extra includes it)",
)


def _mpirun(
    *args: str, timeout: float = 120, processes: int = 2
) -> tuple[subprocess.CompletedProcess[str], float]:
    """``mpiexec -n 2 python args...``, its process group killed if it outlives ``timeout``."""
    assert MPIEXEC is not None
    command = [MPIEXEC, "-n", str(processes), sys.executable, *args]
    start = time.monotonic()
    process = subprocess.Popen(
        command,
        env=_clean_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate()
        pytest.fail(f"mpiexec {' '.join(args)} hung for {timeout} s:\n{out}\n{err}")
    elapsed = time.monotonic() - start
    return subprocess.CompletedProcess(command, process.returncode, out, err), elapsed


@pytest.fixture(scope="module")
def collectives(tmp_path_factory):
    out = tmp_path_factory.mktemp("collectives")
    result, _ = _mpirun(str(SCRIPTS / "mpi_collectives.py"), str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    ranks = []
    for r in range(2):
        with open(out / f"rank{r}.pkl", "rb") as f:
            ranks.append(pickle.load(f))
    return ranks


def _same_bits(a: Any, b: Any) -> bool:
    leaves_a, leaves_b = tree_leaves(a), tree_leaves(b)
    return len(leaves_a) == len(leaves_b) and all(
        type(x) is type(y) and np.asarray(x).tobytes() == np.asarray(y).tobytes()
        for x, y in zip(leaves_a, leaves_b, strict=True)
    )


@needs_mpi
def test_two_ranks_know_who_they_are(collectives):
    assert [(r["rank"], r["size"], r["is_root"]) for r in collectives] == [
        (0, 2, True),
        (1, 2, False),
    ]
    assert collectives[1]["repr"].startswith("MPICommunicator(rank=1, size=2, timeout=30")


@needs_mpi
def test_broadcast_gives_every_rank_rank_0s_values(collectives):
    zero, one = collectives
    for rank in collectives:
        got = rank["broadcast"]
        assert _same_bits(got, zero["broadcast_input"])
        assert type(got["b"]) is np.float32 and type(got["n"]) is int
        assert type(got["flag"]) is bool and got["none"] is None
        assert not rank["broadcast_shares"]
    # rank 1's own value is left as it was
    assert one["broadcast_input"]["n"] == 1 and (one["broadcast_input"]["w"] == 1.0).all()


@needs_mpi
@pytest.mark.parametrize("reduction", ["allgather", "root"])
def test_the_weighted_mean_over_ranks(collectives, reduction):
    zero, one = collectives
    v0, v1 = zero["mean_input"], one["mean_input"]
    # weights 1 and 2, summed in rank order
    for rank in collectives:
        mean = rank[f"mean_{reduction}"]
        np.testing.assert_allclose(mean["w32"], (v0["w32"] + 2 * v1["w32"]) / 3, rtol=1e-6)
        assert mean["w32"].dtype == np.float32 and mean["w32"].shape == (2, 2)
        assert type(mean["f"]) is float and mean["f"] == pytest.approx(2 / 3, abs=1e-15)
        assert mean["c"].dtype == np.complex128
        np.testing.assert_allclose(mean["c"], [1 + 2j / 3], rtol=1e-15)
        assert type(mean["s"]) is np.float64 and mean["s"] == pytest.approx(2 / 3)
        assert mean["n"] == 7 and (mean["ints"] == np.arange(3)).all()
        assert mean["shared"][0] is not mean["shared"][1]
        np.testing.assert_allclose(mean["shared"][0], np.full(3, 5 / 3), rtol=1e-15)
        assert mean["empty"].shape == (0, 2)
        assert not rank[f"mean_{reduction}_shares"]
    assert _same_bits(zero[f"mean_{reduction}"], one[f"mean_{reduction}"])
    assert _same_bits(zero["mean_allgather"], zero["mean_root"])
    # the inputs are left as they were
    assert (one["mean_input"]["w32"] == 2.0).all() and one["mean_input"]["f"] == 1.0


@needs_mpi
def test_a_rank_of_weight_zero_is_not_read(collectives):
    for rank in collectives:
        np.testing.assert_array_equal(rank["weight0"], [5.0, 5.0])


@needs_mpi
@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("shape", "at ['w'], rank 0 has array float64 (3,) where rank 1 has array float64 (4,)"),
        ("dtype", "at ['w'], rank 0 has array float64 (3,) where rank 1 has array float32 (3,)"),
        ("keys", "rank 0 has float float64 () at ['a'] where rank 1 has float float64 () at ['b']"),
        ("leaves", "rank 0's value has 1 leaf, rank 1's has 2 leaves"),
        ("integer", "at ['n'], rank 0 has int int64 () = 0 where rank 1 has int int64 () = 1"),
        ("operation", "in broadcast (call #10); rank 1 (pid"),
        ("weights", "ValueError: allreduce_mean (call #11): every rank's weight is 0"),
        ("broadcast_shape", "at the root, rank 0 has array float64 (2,) where rank 1 has"),
        ("batch_order", "at ['global batch']['hash of the first and last'], rank 0 has int"),
        ("batch_size", "at ['global batch']['examples'], rank 0 has int int64 () = 8 where"),
    ],
)
def test_ranks_that_disagree_all_raise_the_same_error(collectives, case, expected):
    zero, one = collectives
    assert zero["errors"][case] is not None
    assert expected in zero["errors"][case]
    assert zero["errors"][case] == one["errors"][case]


@needs_mpi
def test_the_communicator_works_after_ranks_disagreed(collectives):
    assert [rank["after_errors"] for rank in collectives] == [0.5, 0.5]
    assert collectives[0]["errors"]["batch_same"] is None


@needs_mpi
def test_shards_of_two_ranks(collectives):
    x, y = np.arange(14.0).reshape(7, 2), np.arange(7)
    zero, one = collectives
    assert (zero["shard_slice"], one["shard_slice"]) == (slice(0, 3), slice(3, 7))
    np.testing.assert_array_equal(np.concatenate([zero["shard"][0], one["shard"][0]]), x)
    np.testing.assert_array_equal(np.concatenate([zero["shard"][1], one["shard"][1]]), y)


@needs_mpi
@pytest.mark.parametrize("processes", [2, 3])
def test_several_processes_train_as_one_does_at_the_global_batch(tmp_path, processes):
    sys.path.insert(0, str(SCRIPTS))
    try:
        import mpi_train
    finally:
        sys.path.remove(str(SCRIPTS))
    result, _ = _mpirun(str(SCRIPTS / "mpi_train.py"), str(tmp_path), processes=processes)
    assert result.returncode == 0, result.stdout + result.stderr
    for run in mpi_train.RUNS:
        one_process = mpi_train.train_one_process(run)
        ranks = [np.load(tmp_path / f"{run}-rank{r}.npz") for r in range(processes)]
        for i, expected in enumerate(one_process):
            got = [rank[f"leaf{i}"] for rank in ranks]
            assert got[0].dtype == np.float64
            # the ranks agree to the bit, and with one process to rounding
            assert all(g.tobytes() == got[0].tobytes() for g in got[1:]), (run, i)
            np.testing.assert_allclose(got[0], expected, rtol=0, atol=1e-12, err_msg=run)
        # training went somewhere: the losses fell and the parameters moved far from their
        # start, so agreeing to 1e-12 is not agreeing on an untouched initialisation
        losses = ranks[0]["losses"]
        assert len(losses) == mpi_train.STEPS and losses[-1] < losses[0], run
        start = tree_leaves(mpi_train.model().init(0))[0]
        assert float(np.abs(ranks[0]["leaf0"] - start).max()) > 1e-3, run


def _failing(mode: str, timeout: float) -> tuple[subprocess.CompletedProcess[str], float]:
    return _mpirun(str(SCRIPTS / "mpi_failures.py"), mode, str(timeout), timeout=90)


@needs_mpi
def test_a_rank_that_raises_stops_the_other_with_an_error_naming_it():
    result, elapsed = _failing("raise", timeout=60)
    assert result.returncode != 0
    assert "finished" not in result.stdout
    assert "ValueError: rank 1 found a bad batch at step 3" in result.stderr
    # rank 0 learns it at once, not after its 60 s timeout
    assert "RankFailedError: rank 1 (pid" in result.stderr
    assert "failed: ValueError: rank 1 found a bad batch at step 3" in result.stderr
    assert elapsed < 30


@needs_mpi
def test_a_rank_that_freezes_is_named_after_the_timeout():
    result, elapsed = _failing("stop", timeout=2)
    assert result.returncode != 0
    assert "finished" not in result.stdout
    assert "allreduce_mean (call #4) timed out after 2 s on rank 0" in result.stderr
    assert "rank 1 (pid" in result.stderr and "did not answer" in result.stderr
    assert "paralens.parallel.world(timeout=...)" in result.stderr
    assert elapsed < 30


@needs_mpi
def test_a_rank_that_is_killed_stops_the_run():
    # MPICH's mpiexec stops every rank as soon as one dies of a signal, and says which.
    result, elapsed = _failing("kill", timeout=60)
    assert result.returncode != 0
    assert "finished" not in result.stdout
    assert "signal 9" in result.stdout + result.stderr
    assert elapsed < 30


@needs_mpi
def test_a_rank_that_returns_early_is_named_at_once():
    result, elapsed = _failing("exit", timeout=60)
    assert result.returncode != 0
    assert "finished" not in result.stdout
    assert "rank 1 (pid" in result.stderr
    assert "reached the end of the program while rank 0" in result.stderr
    assert "waits for it in allreduce_mean (call #4)" in result.stderr
    assert elapsed < 30


@needs_mpi
def test_a_rank_that_raises_after_the_others_finished_does_not_wait_for_them():
    result, elapsed = _failing("raise-at-end", timeout=60)
    assert result.returncode != 0
    assert "rank 0 finished" in result.stdout and "rank 1 finished" not in result.stdout
    assert "ValueError: rank 1 could not write its results" in result.stderr
    # rank 0 said it had left, so rank 1 does not wait its 60 s for an acknowledgement
    assert elapsed < 30


# fit and paralens train on two processes.


def _import_script(name: str) -> Any:
    sys.path.insert(0, str(SCRIPTS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(SCRIPTS))


@needs_mpi
def test_fit_on_two_processes_ends_where_one_process_does(tmp_path):
    mpi_fit = _import_script("mpi_fit")
    result, _ = _mpirun(str(SCRIPTS / "mpi_fit.py"), str(tmp_path), "train")
    assert result.returncode == 0, result.stdout + result.stderr
    expected, expected_losses = mpi_fit.fit_one_process()
    ranks = [np.load(tmp_path / f"fit-rank{r}.npz") for r in range(2)]
    saved, _ = load_checkpoint(tmp_path / "fit.npz")  # written by rank 0
    saved_leaves = tree_leaves(saved)
    assert len(saved_leaves) == len(expected)
    for i, leaf in enumerate(expected):
        assert ranks[0][f"leaf{i}"].tobytes() == ranks[1][f"leaf{i}"].tobytes()
        np.testing.assert_allclose(ranks[0][f"leaf{i}"], leaf, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(saved_leaves[i], ranks[0][f"leaf{i}"])
    np.testing.assert_allclose(ranks[0]["losses"], expected_losses, rtol=1e-12)


@needs_mpi
def test_fit_refuses_ranks_that_would_split_other_batches(tmp_path):
    result, elapsed = _mpirun(str(SCRIPTS / "mpi_fit.py"), str(tmp_path), "keys")
    assert result.returncode != 0
    assert "CheckpointError: fit: rank 1 starts at step 0 of epoch 1 with its own shuffling" in (
        result.stderr
    )
    assert "RankFailedError: rank 1 (pid" in result.stderr
    assert elapsed < 30


def _epoch_losses(out: str) -> list[str]:
    return [line.split("  ")[1:4] for line in out.splitlines() if line.startswith("epoch ")]


@needs_mpi
def test_paralens_train_under_mpiexec_trains_as_one_process_and_prints_once():
    argv = ["-m", "paralens", "train", "mnist", "--limit", "300", "--epochs", "2", "--seed", "1"]
    one = subprocess.run(
        [sys.executable, *argv],
        env=_clean_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    two, _ = _mpirun(*argv)
    assert one.returncode == 0 and two.returncode == 0, two.stderr
    assert "data-parallel on 2 processes" in two.stdout
    assert two.stdout.count("test accuracy: ") == 1
    assert two.stdout.splitlines()[-1] == one.stdout.splitlines()[-1]
    assert _epoch_losses(two.stdout) == _epoch_losses(one.stdout)
    assert len(_epoch_losses(two.stdout)) == 2


def test_fit_refuses_a_stateful_model_in_parallel():
    from paralens.learn import fit, squared_error

    model = nn.to_stateful(nn.linear(2, 2)) >> nn.batch_norm(2)
    x = np.random.default_rng(0).normal(size=(8, 2))
    with pytest.raises(ValueError, match="parallel= trains stateless models only"):
        fit(model, squared_error, optim.sgd(0.1), (x, x), parallel=parallel.world())
