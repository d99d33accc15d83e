"""String diagrams carry the shapes that flow along their wires."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

import paralens.numpy as pnp
from paralens import cat, nn, viz
from paralens._cli._train import mnist_cnn

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_the_cnn_diagram_shows_each_wire_s_shape_for_a_given_input() -> None:
    texts = _texts(viz.diagram(mnist_cnn(), input_shape=("batch", 784)))
    for shape in [
        "(batch, 784)",
        "(batch, 28, 28, 1)",
        "(batch, 28, 28, 16)",
        "(batch, 14, 14, 16)",
        "(batch, 7, 7, 32)",
        "(batch, 1568)",
        "(batch, 10)",
    ]:
        assert shape in texts, shape


def test_without_an_input_shape_the_wires_show_what_the_layers_declare() -> None:
    texts = _texts(viz.diagram(mnist_cnn()))
    assert "(..., 28, 28, 16)" in texts and "(..., 7, 7, 32)" in texts
    # dense layers say only the size of the last axis, and their wires keep showing it
    mlp = _texts(viz.diagram(nn.mlp([784, 300, 10])))
    assert "300" in mlp and not any(re.match(r"\(\.\.\., ", t) for t in mlp)


def test_a_long_shape_widens_its_wire_so_labels_do_not_overlap_boxes() -> None:
    root = ET.fromstring(
        viz.diagram(
            nn.conv2d(1, 8, 3) >> nn.fn(pnp.relu), input_shape=("a_long_batch_name", 28, 28, 1)
        )
    )
    width = float(root.get("width", "0"))
    narrow = float(
        ET.fromstring(viz.diagram(nn.conv2d(1, 8, 3) >> nn.fn(pnp.relu))).get("width", "0")
    )
    assert width > narrow


def test_a_mis_shaped_input_draws_the_diagram_without_shapes() -> None:
    texts = _texts(viz.diagram(mnist_cnn(), input_shape=(64, 100)))
    assert not any(t.startswith("(64") for t in texts)
    assert "conv2d(1, 16, 5, padding='same')" in texts


def test_input_shape_is_checked_and_only_for_models() -> None:
    with pytest.raises(ValueError, match="a shape is a tuple"):
        viz.diagram(mnist_cnn(), input_shape="784")
    with pytest.raises(TypeError, match="input_shape is for models"):
        viz.diagram(cat.sin >> cat.cos, input_shape=(3,))
