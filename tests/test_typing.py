"""Type tests: mypy must accept ``tests/typing/pass_*.py`` and reject ``fail_*.py``.

Each snippet ``X.py`` keeps mypy's expected output beside it in ``X.out``. mypy runs once
over all snippets (with the repository's configuration); its output, split by file, must
equal the expected outputs. NumPy's spelling of array types varies between its versions,
so those are normalised to ``Array`` on both sides. After changing a snippet, regenerate
its ``.out`` with ``python -m mypy --config-file pyproject.toml tests/typing/X.py``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = sorted((ROOT / "tests" / "typing").glob("*_*.py"))
_ARRAY = re.compile(r"(numpy\.)?ndarray\[tuple\[[^\]]*\], (numpy\.)?dtype\[(numpy\.)?float64\]\]")
_SUMMARY = re.compile(r"^(Found \d+ errors? in|Success:)")


def _normalise(lines: list[str]) -> list[str]:
    return [_ARRAY.sub("Array", line.rstrip()) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def mypy_output() -> dict[str, list[str]]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--no-error-summary",
            "--hide-error-context",
            "--no-pretty",
            *[str(p.relative_to(ROOT)) for p in SNIPPETS],
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1) or result.stderr.strip():
        pytest.fail(f"mypy did not run (exit {result.returncode}):\n{result.stderr}")
    by_file: dict[str, list[str]] = {p.name: [] for p in SNIPPETS}
    for line in result.stdout.splitlines():
        if _SUMMARY.match(line):
            continue
        name = Path(line.split(":", 1)[0]).name
        by_file.setdefault(name, []).append(line)
    return by_file


def test_there_are_snippets_of_both_kinds() -> None:
    names = [p.name for p in SNIPPETS]
    assert any(n.startswith("pass_") for n in names)
    assert any(n.startswith("fail_") for n in names)


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda p: p.name)
def test_mypy_output_matches_expected(snippet: Path, mypy_output: dict[str, list[str]]) -> None:
    expected_file = snippet.with_suffix(".out")
    assert expected_file.exists(), f"missing expected mypy output {expected_file.name}"
    expected = _normalise(expected_file.read_text().splitlines())
    actual = _normalise(mypy_output.get(snippet.name, []))
    assert actual == expected, "\n".join(["mypy output differs; got:", *actual])
    errors = [line for line in actual if ": error:" in line]
    if snippet.name.startswith("pass_"):
        assert not errors
    else:
        assert errors, "a must-fail snippet produced no error"
