"""``paralens train --jit`` and ``paralens bench``: the staged step chosen and said."""

from __future__ import annotations

from typing import Any

from paralens._cli import main


def run(capsys: Any, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_train_says_which_step_it_runs(capsys: Any, tmp_path: Any):
    for choice, said in (("on", "staged by paralens.jit (--jit on)"), ("off", "eager (--jit off)")):
        code, out = run(capsys, "train", "linreg", "--epochs", "2", "--jit", choice)
        assert code == 0 and f"training step: {said}" in out
    code, out = run(capsys, "train", "circle", "--epochs", "1")
    assert code == 0
    assert "training step: staged by paralens.jit (1.5x faster, measured" in out


def test_a_resumed_run_keeps_its_checkpoints_choice(capsys: Any, tmp_path: Any):
    path = str(tmp_path / "run.npz")
    code, _ = run(capsys, "train", "linreg", "--epochs", "1", "--jit", "off", "--save", path)
    assert code == 0
    code, out = run(capsys, "train", "linreg", "--epochs", "2", "--save", path, "--resume")
    assert code == 0 and "training step: eager, as in the run this one resumes" in out


def test_bench_quick_prints_the_table(capsys: Any):
    code, out = run(capsys, "bench", "--quick", "--no-peers")
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| workload | numpy")
    assert any("Rosenbrock-100" in row for row in rows)
    assert "first call of the MLP step" in out
