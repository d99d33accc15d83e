"""The MNIST tutorial and the home page run, on a slice of the data, and show what they say.

``PARALENS_DOCS_FAST=1`` makes the tutorial use 2,000 training digits and one epoch;
``PARALENS_DOCS_OUT`` is where it writes its pictures (a temporary folder here).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from docs_runner import run_markdown, unmentioned
from paralens import nn, viz

DOCS = Path(__file__).resolve().parent.parent / "docs"
TUTORIAL = DOCS / "tutorial" / "mnist.md"
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("tutorial")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARALENS_DOCS_FAST", "1")
        patch.setenv("PARALENS_DOCS_OUT", str(out))
        namespace = run_markdown(TUTORIAL)
    namespace["__out__"] = out
    return namespace


def test_tutorial_trains_by_hand_and_with_fit(tutorial: dict[str, object]) -> None:
    accuracy = tutorial["accuracy"]
    assert callable(accuracy)
    assert tutorial["FAST"] is True and len(tutorial["train_x"]) == 2000  # type: ignore[arg-type]
    x, y = tutorial["test_x"], tutorial["test_y"]
    before = accuracy(tutorial["params"], x, y)
    assert before < 0.2  # an untrained network guesses
    assert accuracy(tutorial["by_hand"], x, y) > before + 0.1
    history = tutorial["history"]
    assert isinstance(history, list) and len(history) == 1
    assert history[0]["eval_accuracy"] > 0.3
    assert accuracy(tutorial["trained"], x, y) == pytest.approx(history[0]["eval_accuracy"])


def test_tutorial_resumes_exactly_and_stops_early(tutorial: dict[str, object]) -> None:
    stopped = tutorial["stopped"]
    assert stopped.interrupted and (stopped.epoch, stopped.step) == (1, 40)  # type: ignore[attr-defined]
    assert tutorial["same"] is True
    plain = tutorial["plain"]
    assert isinstance(plain, list) and plain[1]["w"].shape == (100, 10)  # type: ignore[index]
    early = tutorial["early"]
    assert early.finished or early.stopped  # type: ignore[attr-defined]


def test_tutorial_network_is_the_library_one(tutorial: dict[str, object]) -> None:
    net = tutorial["net"]
    assert repr(net) == repr(tutorial["library_net"])
    assert repr(net) == (
        "Model(logistic_layer(784, 300) >> logistic_layer(300, 100) >> softmax_layer(100, 10))"
    )


def test_tutorial_writes_its_pictures(tutorial: dict[str, object]) -> None:
    out = tutorial["__out__"]
    assert isinstance(out, Path)
    diagram = (out / "mnist-diagram.svg").read_text()
    trace = ET.fromstring((out / "mnist-trace.svg").read_text())
    assert "params[0][0].w" in "".join(t.text or "" for t in trace.iter())
    assert (out / "mnist-curves.png").read_bytes()[:4] == b"\x89PNG"
    # The diagram shown on the page is the one the page draws (regenerate it with
    # `paralens diagram mnist -o docs/tutorial/mnist-diagram.svg`).
    assert (DOCS / "tutorial" / "mnist-diagram.svg").read_text() == diagram
    assert viz.diagram(tutorial["net"]) == diagram


def test_tutorial_cnn_checks_its_shapes_trains_and_draws_them(
    tutorial: dict[str, object],
) -> None:
    cnn = tutorial["cnn"]
    assert isinstance(cnn, nn.Model) and cnn.shape_of(("batch", 784)) == ("batch", 10)
    history = tutorial["cnn_history"]
    assert isinstance(history, list) and len(history) == 1
    assert history[0]["eval_accuracy"] > 0.3  # one epoch on 640 digits; guessing gives 0.1
    out = tutorial["__out__"]
    assert isinstance(out, Path)
    drawn = (out / "mnist-cnn-diagram.svg").read_text()
    assert (DOCS / "tutorial" / "mnist-cnn-diagram.svg").read_text() == drawn
    assert "(batch, 14, 14, 32)" in drawn


def test_every_picture_the_pages_show_is_committed() -> None:
    for page in (TUTORIAL, DOCS / "index.md"):
        shown = IMAGE.findall(page.read_text(encoding="utf-8"))
        assert shown, page
        for image in shown:
            assert (page.parent / image).is_file(), f"{page.name} shows {image}, which is missing"


def test_tutorial_covers_the_issue() -> None:
    names = (
        "load_mnist(",
        "nn.model(",
        ">>",
        "viz.save(",
        "paralens.grad(",
        "check_grads(",
        "viz.trace_graph(",
        "def sgd_step(",
        "fit(",
        "viz.training_curves(",
        "resume=True",
        "early_stopping(",
        "nn.conv2d(",
        "nn.max_pool(",
        "shape_of(",
        "input_shape=",
    )
    assert unmentioned(TUTORIAL, names) == []


def test_home_page_runs() -> None:
    namespace = run_markdown(DOCS / "index.md")
    assert namespace["g"].w.shape == (3, 1)  # type: ignore[attr-defined]


def test_cli_diagram_matches_the_committed_picture(tmp_path: Path) -> None:
    from paralens._cli import main

    assert main(["diagram", "mnist", "-o", str(tmp_path / "m.svg")]) == 0
    committed = (DOCS / "tutorial" / "mnist-diagram.svg").read_text()
    assert (tmp_path / "m.svg").read_text() == committed
    net = nn.logistic_layer(784, 300) >> nn.logistic_layer(300, 100) >> nn.softmax_layer(100, 10)
    assert viz.diagram(net) == committed
