"""The record as data: ``paralens.trace`` gives each application, prints, and exports DOT."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import FrozenInstanceError

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens import nn


def loss(params, x, n):
    h = pnp.tanh(x @ params["w"] + params["b"])
    return pnp.sum(h * h) * n, h


def test_the_record_has_one_entry_per_primitive_application():
    params = {"w": np.ones((3, 2)), "b": np.zeros(2)}
    record = paralens.trace(loss, params, np.ones((4, 3)), 2)
    assert record.name == "loss" and record.argnames == ("params", "x", "n")
    assert [(i.index, i.path, i.shape, i.dtype) for i in record.inputs] == [
        (0, "params['w']", (3, 2), "float64"),
        (1, "params['b']", (2,), "float64"),
        (2, "x", (4, 3), "float64"),  # a plain array argument is traced too; n is an integer
    ]
    names = [a.primitive for a in record.applications]
    assert names == ["matmul", "add", "tanh", "multiply", "sum", "multiply"]
    matmul, add, tanh, square, total, scaled = record.applications
    assert matmul.inputs == (2, 0) and matmul.arguments == ("%2", "%0")
    assert add.inputs == (matmul.index, 1) and add.shape == (4, 2)
    assert square.inputs == (tanh.index, tanh.index)
    assert total.shape == () and scaled.arguments == (f"%{total.index}", "2")
    assert [(o.path, o.index) for o in record.outputs] == [
        ("out[0]", scaled.index),
        ("out[1]", tanh.index),
    ]
    # numbered in the order made: every application reads only earlier entries
    assert all(i < a.index for a in record.applications for i in a.inputs)


def test_the_record_prints_as_equations():
    record = paralens.trace(lambda x: (pnp.sin(x) * 2.0, 3), np.zeros(2))
    lines = [line.split() for line in str(record).splitlines()]
    assert lines == [
        ["trace", "of", "<lambda>(x)"],
        ["%0", "=", "x", "float64", "(2,)"],
        ["%1", "=", "sin(%0)", "float64", "(2,)"],
        ["%2", "=", "multiply(%1,", "2.0)", "float64", "(2,)"],
        ["out[0]", "=", "%2"],
        ["out[1]", "=", "a", "constant", "int", "()"],
    ]


NODE = re.compile(r'^  (v\d+|out\d+) \[label="(.*)", shape=(\w+)\];$')
EDGE = re.compile(r'^  v(\d+) -> (v|out)(\d+)(?: \[label="(\d+)"\])?;$')


def parse_dot(text):
    lines = text.splitlines()
    assert lines[0].startswith("digraph ") and lines[0].endswith("{") and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if line == "  rankdir=LR;":
            continue
        node, edge = NODE.match(line), EDGE.match(line)
        assert node or edge, f"not a node or an edge: {line!r}"
        if node:
            nodes[node.group(1)] = (node.group(2).split("\\n")[0], node.group(3))
        else:
            edges.append((int(edge.group(1)), edge.group(2) + edge.group(3), edge.group(4)))
    for source, target, _ in edges:
        assert f"v{source}" in nodes and target in nodes  # every edge joins two nodes
    return nodes, edges


def test_to_dot_has_a_node_per_entry_and_an_edge_per_traced_argument():
    model = nn.logistic_layer(3, 2) >> nn.softmax_layer(2, 2)
    params = model.init(0)
    record = paralens.trace(lambda p, x: pnp.sum(model.apply(p, x) ** 2), params, np.ones((2, 3)))
    nodes, edges = parse_dot(record.to_dot())
    assert {f"v{i.index}": (i.path, "ellipse") for i in record.inputs}.items() <= nodes.items()
    for a in record.applications:
        assert nodes[f"v{a.index}"] == (a.primitive, "box")
    assert Counter((s, t) for s, t, _ in edges if t.startswith("v")) == Counter(
        (i, f"v{a.index}") for a in record.applications for i in a.inputs
    )
    assert nodes["out0"] == ("out", "plaintext")
    assert (record.outputs[0].index, "out0", None) in edges
    assert len(nodes) == len(record.inputs) + len(record.applications) + len(record.outputs)


def test_a_record_is_a_value_and_a_trace_of_constants_is_empty():
    record = paralens.trace(lambda n: n * 2, 3)
    assert record.inputs == () and record.applications == ()
    assert [(o.path, o.index, o.dtype) for o in record.outputs] == [("out", None, "int")]
    with pytest.raises(FrozenInstanceError):
        record.name = "other"  # type: ignore[misc]


def test_a_trace_that_raises_leaves_no_open_trace_behind():
    kept = []

    def f(x):
        kept.append(x)
        raise ValueError("inside")

    with pytest.raises(ValueError, match="inside"):
        paralens.trace(f, 1.0)
    with pytest.raises(RuntimeError, match="escaped"):
        _ = kept[0] * 2.0
