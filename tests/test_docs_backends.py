"""The code of docs/backends.md runs on torch tensors, and what it shows holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from docs_runner import run_markdown, unmentioned

pytest.importorskip("torch")

PAGE = Path(__file__).resolve().parent.parent / "docs" / "backends.md"


def test_page_runs_and_trains_on_tensors() -> None:
    namespace = run_markdown(PAGE)
    torch, tree = namespace["torch"], namespace["tree"]
    params, history = namespace["params"], namespace["history"]
    assert all(isinstance(leaf, torch.Tensor) for leaf in tree.tree_leaves(params))
    assert history[-1]["eval_accuracy"] > 0.3  # chance is 0.1
    plain = namespace["as_numpy"]
    first = tree.tree_leaves(plain)[0]
    assert type(first) is np.ndarray
    assert np.array_equal(first, tree.to_numpy(tree.tree_leaves(params)[0]))


def test_page_shows_the_conversions_and_the_refusals() -> None:
    names = ("tree.asarray_like(", "load_checkpoint(path, like=", "jit.jit(", "--device")
    assert unmentioned(PAGE, names[:3]) == []
    assert names[3] in PAGE.read_text(encoding="utf-8")
