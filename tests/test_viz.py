"""Pictures: diagrams of models, learners and arrows, trace graphs, training curves.

Every SVG is parsed as XML (well-formed) and searched for the names it must show.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens import cat, nn, viz
from paralens._cli import main
from paralens._cli._diagram import EXAMPLES
from paralens.learn import gradient_learner

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def leaves(thing: Any) -> list[Any]:
    if not thing.children:
        return [thing]
    return [leaf for c in thing.children for leaf in leaves(c)]


def mnist() -> nn.Model[Any, Any, Any]:
    return nn.logistic_layer(784, 300) >> nn.logistic_layer(300, 100) >> nn.softmax_layer(100, 10)


def test_model_diagram_names_every_layer_with_sizes_and_parameter_wires() -> None:
    model = mnist()
    shown = texts(parse(viz.diagram(model)))
    for layer in leaves(model):
        assert layer.name in shown
    assert {"784 → 300", "300 → 100", "100 → 10"} <= set(shown)
    # The parameters of (f >> g) >> h are ((p_f, p_g), p_h): one wire each, side by side.
    assert {"p[0][0]", "p[0][1]", "p[1]"} <= set(shown)
    # the wires between the layers carry their sizes
    assert shown.count("300") == 1 and shown.count("100") == 1


def test_parameter_wires_enter_each_box_from_above() -> None:
    root = parse(viz.diagram(nn.linear(3, 4) >> nn.fn(pnp.tanh) >> nn.linear(4, 2)))
    boxes = [r for r in root.iter(f"{SVG}rect") if r.get("stroke") == "#3b5ba5"]
    wires = [line for line in root.iter(f"{SVG}polyline") if line.get("stroke") == "#7b1fa2"]
    assert len(boxes) == 2 and len(wires) == 2  # tanh has no parameters
    for box, wire in zip(boxes, wires, strict=True):
        (x0, y0), (x1, y1) = (
            tuple(map(float, p.split(","))) for p in wire.get("points", "").split()
        )
        left, top = float(box.get("x", 0)), float(box.get("y", 0))
        assert x0 == x1 and left < x1 < left + float(box.get("width", 0))
        assert y0 < y1 == top


def test_ten_layers_wrap_onto_lines_and_stay_legible() -> None:
    sizes = list(range(20, 31))
    model = nn.mlp(sizes)
    assert len(model.children) == 10
    wrapped = parse(viz.diagram(model, per_line=5))
    one_line = parse(viz.diagram(model, per_line=10))
    for layer in leaves(model):
        assert layer.name in texts(wrapped)
    assert float(wrapped.get("width", 0)) < 0.6 * float(one_line.get("width", 0))
    assert float(wrapped.get("height", 0)) > 1.8 * float(one_line.get("height", 0)) - 60
    assert "p[9]" in texts(wrapped)


def test_stateful_models_loop_their_state_and_frame_their_combinators() -> None:
    model = nn.zero_state(nn.unroll_last(nn.lstm(1, 8) >> nn.linear(8, 1)))
    shown = texts(parse(viz.diagram(model)))
    assert {"lstm(1, 8)", "linear(8, 1)", "zero_state", "unroll_last", "state"} <= set(shown)
    trained = texts(parse(viz.diagram(nn.train_state(nn.fcrnn(2, 3)))))
    assert "p[0]" in trained and "p[1]: state₀" in trained
    lagged = parse(viz.diagram(nn.lagged(2, nn.linear(3, 1))))
    assert "lagged" in texts(lagged) and "state" in texts(lagged)


def test_learners_show_their_request_wires() -> None:
    learner = gradient_learner(nn.linear(3, 4), 0.1) >> gradient_learner(nn.tanh_layer(4, 2), 0.1)
    root = parse(viz.diagram(learner))
    shown = texts(root)
    assert {"linear(3, 4)", "tanh_layer(4, 2)", "request", "target", "p1", "p2"} <= set(shown)
    requests = [w for w in root.iter(f"{SVG}polyline") if w.get("stroke") == "#c62828"]
    assert len(requests) == 3  # in, between the two learners, out
    for wire in requests:
        xs = [float(p.split(",")[0]) for p in wire.get("points", "").split()]
        assert xs[-1] < xs[0]  # requests flow right to left


def test_a_learner_made_of_a_composite_model_is_one_box() -> None:
    learner = gradient_learner(nn.linear(2, 2) >> nn.fn(pnp.tanh), 0.1)
    shown = texts(parse(viz.diagram(learner)))
    assert "linear(2, 2) >> tanh" in shown and "p" in shown


def test_arrows_stack_fork_and_parallel() -> None:
    arrow = cat.sin >> (cat.id & cat.cos) >> (cat.exp * cat.square) >> cat.mul
    root = parse(viz.diagram(arrow))
    shown = texts(root)
    for generator in arrow.walk():
        if generator.kind not in ("then", "fork", "parallel", "id"):
            assert generator.name in shown
    assert "&" in shown and "*" in shown
    assert len(list(root.iter(f"{SVG}circle"))) == 4  # a split and a join for each


def test_arrow_generators_all_draw() -> None:
    arrow = cat.dup >> (cat.exl & cat.exr) >> (cat.const(2.0) * cat.neg) >> cat.add
    shown = texts(parse(viz.diagram(arrow)))
    assert {"dup", "exl", "exr", "const(2.0)", "neg", "add"} <= set(shown)


def test_unsupported_things_are_refused_with_the_supported_kinds() -> None:
    with pytest.raises(TypeError, match=r"Model or ModelS, a paralens\.learn\.Learner"):
        viz.diagram(lambda x: x)


def test_save_writes_svg_and_png(tmp_path: Path) -> None:
    model = mnist()
    svg = viz.save(model, tmp_path / "m.svg")
    assert "logistic_layer(784, 300)" in texts(parse(svg.read_text()))
    png = viz.save(model, tmp_path / "m.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from matplotlib.image import imread

    image = imread(png)
    width = float(parse(svg.read_text()).get("width", 0))
    assert image.shape[1] == pytest.approx(2 * width, abs=2)
    # not blank: the boxes' fill is there
    assert (np.abs(image[..., :3] - 1.0).sum(axis=-1) > 0.05).mean() > 0.05
    with pytest.raises(ValueError, match=r"\.svg or \.png"):
        viz.save(model, tmp_path / "m.jpg")


def loss(params: Any, x: np.ndarray) -> Any:
    return pnp.sum((mnist_small.apply(params, x) - 0.1) ** 2)


mnist_small = nn.logistic_layer(6, 5) >> nn.softmax_layer(5, 3)


def test_trace_graph_draws_one_node_per_primitive_application() -> None:
    params = mnist_small.init(0)
    x = np.ones((2, 6))
    record = paralens.trace(loss, params, x)
    inputs, tape, outputs = record.inputs, record.applications, record.outputs
    assert len(inputs) == 5 and len(outputs) == 1 and outputs[0].index == tape[-1].index
    root = parse(viz.trace_graph(loss, params, x))
    shown = texts(root)
    for node in tape:
        assert node.primitive in shown
    assert {"params[0].w", "params[0].b", "params[1].w", "params[1].b", "x"} <= set(shown)
    assert len(list(root.iter(f"{SVG}rect"))) == 1 + len(inputs) + len(tape)  # with the background
    edges = list(root.iter(f"{SVG}polyline"))
    assert len(edges) == sum(len(node.inputs) for node in tape)


def test_trace_graph_of_scalars_and_integer_arguments(tmp_path: Path) -> None:
    def f(x: float, n: int) -> Any:
        return pnp.sin(x) * x + n

    svg = viz.trace_graph(f, 0.5, 3, path=tmp_path / "f.png")
    shown = texts(parse(svg))
    assert {"sin", "multiply", "add", "x"} <= set(shown)
    assert "n" not in shown  # integers are constants, not traced inputs
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"


def test_training_curves_plot_loss_and_metrics(tmp_path: Path) -> None:
    history = [
        {"epoch": e, "loss": 1.0 / e, "eval_loss": 1.2 / e, "eval_accuracy": 1 - 0.5 / e}
        for e in range(1, 6)
    ]
    data = viz.training_curves(history, tmp_path / "curves.png")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "curves.png").read_bytes() == data
    from matplotlib.image import imread

    assert imread(tmp_path / "curves.png").shape[1] == 1000  # two panels
    with pytest.raises(ValueError, match="empty history"):
        viz.training_curves([])
    with pytest.raises(ValueError, match="no 'loss' entry"):
        viz.training_curves([{"epoch": 1}])


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install paralens\[plot\]"):
        viz.training_curves([{"loss": 1.0}])
    with pytest.raises(ImportError, match=r"pip install paralens\[plot\]"):
        viz.save(nn.linear(1, 1), "never.png")


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_diagram_command_writes_every_example(example: str, tmp_path: Path) -> None:
    target = tmp_path / f"{example}.svg"
    assert main(["diagram", example, "-o", str(target)]) == 0
    root = parse(target.read_text())
    thing = EXAMPLES[example][1]()
    shown = texts(root)
    if isinstance(thing, nn.Model | nn.ModelS):
        for layer in leaves(thing):
            assert layer.name in shown


def test_diagram_command_reports_a_bad_file_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diagram", "mnist", "-o", str(tmp_path / "m.txt")]) == 1
    assert ".svg or .png" in capsys.readouterr().err


def test_long_traces_wrap_and_route_edges_between_lines() -> None:
    params, x = mnist_small.init(0), np.ones((2, 6))
    one_line = parse(viz.trace_graph(loss, params, x, per_line=100))
    wrapped = parse(viz.trace_graph(loss, params, x, per_line=3))
    assert float(wrapped.get("width", 0)) < 0.5 * float(one_line.get("width", 0))
    assert float(wrapped.get("height", 0)) > 2 * float(one_line.get("height", 0))
    assert sorted(texts(wrapped)) == sorted(texts(one_line))
    lengths = [len(e.get("points", "").split()) for e in wrapped.iter(f"{SVG}polyline")]
    assert 6 in lengths  # an edge into the next line goes around


def test_adversarial_learners_frame_generator_and_discriminator() -> None:
    from paralens.learn import adversarial, discriminator_error

    generator = gradient_learner(nn.linear(2, 1), lr=0.1)
    discriminator = gradient_learner(nn.logistic_layer(1, 1), 0.1, discriminator_error)
    first = gradient_learner(nn.linear(1, 2), lr=0.1)
    root = parse(viz.diagram(first >> adversarial(generator, discriminator)))
    shown = texts(root)
    assert {"linear(1, 2)", "linear(2, 1)", "logistic_layer(1, 1)", "p1", "p2", "p3"} <= set(shown)
    assert any(text.startswith("adversarial") for text in shown)
    requests = [w for w in root.iter(f"{SVG}polyline") if w.get("stroke") == "#c62828"]
    assert len(requests) == 6  # ends, between the parts, and through the frame's sides


def test_diagrams_read_the_structure_not_the_names() -> None:
    from dataclasses import replace

    from paralens.learn import adversarial

    # A name that reads like a composition is drawn as the one box it is ...
    odd = nn.model(lambda p, x: p * x, lambda rng: 1.0, name="adversarial(a, b) >> c")
    shown = texts(parse(viz.diagram(gradient_learner(odd, 0.1))))
    assert "adversarial(a, b) >> c" in shown and "p" in shown
    assert not any(text.startswith("adversarial:") for text in shown)
    # ... and a composite renamed is still drawn as its parts.
    g, d = gradient_learner(nn.linear(1, 1), 0.1), gradient_learner(nn.linear(1, 1), 0.1)
    shown = texts(parse(viz.diagram(replace(adversarial(g, d), name="gan"))))
    assert {"p1", "p2"} <= set(shown) and any(t.startswith("adversarial:") for t in shown)
    chain = replace(g >> d >> g, name="three")
    assert {"p1", "p2", "p3"} <= set(texts(parse(viz.diagram(chain))))


def test_a_model_chain_of_any_arity_draws_like_the_nested_one() -> None:
    f, g, h = nn.linear(3, 4), nn.fn(pnp.tanh), nn.linear(4, 2)
    flat = texts(parse(viz.diagram(nn.then(f, g, h))))
    assert {"p[0]", "p[2]", "4", "3", "2"} <= set(flat) and "p[0][0]" not in flat
    nested = texts(parse(viz.diagram((f >> g) >> h)))
    assert "p[0][0]" in nested and "p[1]" in nested
