"""Every example in ``examples/`` runs in fast mode (a small slice, few steps) and learns."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name: str) -> ModuleType:
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(name: str, out: Path | None = None) -> Any:
    return _load(name).main(fast=True, out=out)


def test_every_example_is_tested() -> None:
    tested = {name[len("test_") :] for name in globals() if name.startswith("test_")}
    examples = {p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("_")}
    assert examples <= tested, f"examples without a smoke test: {sorted(examples - tested)}"


DOCS = EXAMPLES.parent / "docs" / "examples"
FENCE = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
PICTURE = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("_"))
)
def test_every_example_has_a_docs_page_in_step_with_it(name: str) -> None:
    """Each page shows its pictures (which exist), quotes its example's code verbatim and
    gives the command that made its figures."""
    page = (DOCS / f"{name}.md").read_text(encoding="utf-8")
    pictures = PICTURE.findall(page)
    assert f"{name}.png" in pictures and any(p.endswith("_diagram.svg") for p in pictures)
    for picture in pictures:
        assert (DOCS / picture).is_file(), f"{name}.md shows the missing {picture}"
    assert f"$ python examples/{name}.py --out docs/examples" in page
    assert f"]({name}.md)" in (DOCS / "index.md").read_text(encoding="utf-8")
    source = _lines((EXAMPLES / f"{name}.py").read_text(encoding="utf-8"))
    for block in FENCE.findall(page):
        quoted = _lines(block)
        assert any(source[i : i + len(quoted)] == quoted for i in range(len(source))), (
            f"docs/examples/{name}.md quotes code that is not in examples/{name}.py"
        )


def test_linear_regression(tmp_path: Path) -> None:
    result = _run("linear_regression", tmp_path)
    assert abs(result["a"] + 1.0) < 0.3 and abs(result["b"] - 2.0) < 0.3
    assert (tmp_path / "linear_regression.png").stat().st_size > 1000


def test_logistic_regression(tmp_path: Path) -> None:
    result = _run("logistic_regression", tmp_path)
    assert result["test_accuracy"] > result["true_model_accuracy"] - 0.05
    assert (tmp_path / "logistic_regression.png").is_file()


def test_circle(tmp_path: Path) -> None:
    result = _run("circle", tmp_path)
    assert result["test_accuracy"] > 0.9
    assert (tmp_path / "circle.png").is_file()


@pytest.mark.parametrize("name", ["linear_regression"])
def test_examples_run_as_scripts(name: str, tmp_path: Path) -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), "--fast", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "fitted" in done.stdout


def test_ar_sine(tmp_path: Path) -> None:
    result = _run("ar_sine", tmp_path)
    assert abs(result["phi0"] - result["exact_phi0"]) < 0.05 and abs(result["phi1"] + 1) < 0.05
    assert result["generation_error"] < 0.2
    assert (tmp_path / "ar_sine.png").is_file()


def test_rnn_sine(tmp_path: Path) -> None:
    result = _run("rnn_sine", tmp_path)
    assert {"fcrnn_loss", "lstm_loss", "gru_loss"} <= set(result)
    assert all(np.isfinite(v) for v in result.values())
    assert result["gru_loss"] < 0.5  # the variance of a sine is 0.5
    assert (tmp_path / "rnn_sine.png").stat().st_size > 1000


def test_recurrent_vs_lagged(tmp_path: Path) -> None:
    result = _run("recurrent_vs_lagged", tmp_path)
    assert result["lagged_loss"] < 0.5 and result["recurrently_loss"] < 0.5
    assert (tmp_path / "recurrent_vs_lagged.png").is_file()


def test_meta_learning(tmp_path: Path) -> None:
    result = _run("meta_learning", tmp_path)
    assert result["circle learned, from 0.001: loss"] < result["circle fixed 0.001: loss"]
    assert result["quadratic learned from 0.25"] < 1e-6 < result["quadratic fixed 0.25"]
    assert (tmp_path / "meta_learning.png").is_file()


def test_gan(tmp_path: Path) -> None:
    result = _run("gan", tmp_path)
    assert abs(result["mean"] - result["target_mean"]) < 1.0
    assert (tmp_path / "gan.png").stat().st_size > 1000
