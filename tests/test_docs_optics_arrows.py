"""The code of docs/optics-and-arrows.md runs, and its examples hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from docs_runner import run_markdown, unmentioned

PAGE = Path(__file__).resolve().parent.parent / "docs" / "optics-and-arrows.md"


def test_page_runs_and_its_examples_hold() -> None:
    namespace = run_markdown(PAGE)
    # A few results the page computes, checked again from outside.
    assert namespace["after"] < 0.1 * namespace["before"]
    assert repr(namespace["f"]) == "sin >> (id & cos) >> mul"
    x = 1.0  # d/dx sin x cos(sin x) = cos x cos(sin x) - sin x sin(sin x) cos x
    expected = np.cos(x) * np.cos(np.sin(x)) - np.sin(x) * np.sin(np.sin(x)) * np.cos(x)
    assert np.isclose(namespace["slope"], expected)


def test_page_covers_every_feature() -> None:
    names = (
        "view(",
        "optics.set(",
        "over(",
        "lens(",
        "sequence(",
        "unsequence(",
        "match(",
        "isinstance(",
        "cat.forward(",
        "cat.reverse(",
        "cat.grad(",
    )
    assert unmentioned(PAGE, names) == []


def test_runner_reports_the_page_and_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n\n```python\nx = 1\n```\n\n```text\nnot run\n```\n\n```python\nassert x == 2\n```\n"
    )
    with pytest.raises(AssertionError) as info:
        run_markdown(page)
    frame = info.traceback[-1]
    assert frame.path == page and frame.lineno + 1 == 12
    empty = tmp_path / "empty.md"
    empty.write_text("no code\n")
    with pytest.raises(ValueError, match="no ```python code blocks"):
        run_markdown(empty)
