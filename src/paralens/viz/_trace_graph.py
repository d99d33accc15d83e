"""The graph of one call as the reverse-mode tape records it: the implicit style, drawn.

``paralens.trace(f, *args)`` records one entry per primitive application, in creation
order, each naming the entries of its traced arguments (the ``Record``); this draws it.
The picture puts every application one column right of its deepest parent, so edges
run left to right, and each input just left of its first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from paralens._ad import Application, Input, trace
from paralens.viz._draw import Drawing, Line, Rect, Shape, Text, text_width

SIZE = 12.0
SMALL = 10.0
NODE_H = 38.0
HGAP = 56.0
VGAP = 14.0
MARGIN = 14.0
TOP = 40.0

INPUT = ("#eaf6ea", "#2e7d32")
PRIMITIVE = ("#e8f0fe", "#3b5ba5")
OUTPUT = "#c62828"


def _describe(shape: tuple[int, ...] | None, dtype: str) -> str:
    if shape is None:
        return dtype
    return "scalar" if shape == () else str(tuple(shape))


def _place_column(
    boxes: dict[int, tuple[float, float, float]],
    column: list[list[int]],
    x: float,
    band_top: tuple[float, float],
    width: float,
) -> None:
    """Put the boxes of one column, its inputs' band and its primitives' band, at ``x``."""
    for indices, top in zip(column, band_top, strict=True):
        row_y = top
        for index in indices:
            boxes[index] = (x, row_y, width)
            row_y += NODE_H + VGAP


def trace_drawing(f: Callable[..., Any], *args: Any, per_line: int = 12) -> Drawing:
    """The tape of ``f(*args)`` as a layered graph, ``per_line`` columns to a line."""
    record = trace(f, *args)
    inputs, tape = record.inputs, record.applications
    outputs = {o.index for o in record.outputs if o.index is not None}
    depth: dict[int, int] = {}
    labels: dict[int, tuple[str, str]] = {}
    order: list[Input | Application] = []
    for entry in inputs:
        depth[entry.index] = 0
        labels[entry.index] = (entry.path, _describe(entry.shape, entry.dtype))
        order.append(entry)
    parents_of = {a.index: list(a.inputs) for a in tape}
    for node in tape:
        depth[node.index] = 1 + max((depth.get(p, 0) for p in parents_of[node.index]), default=0)
        labels[node.index] = (node.primitive, _describe(node.shape, node.dtype))
        order.append(node)
    # Inputs sit in a band above the primitives, each one column left of its first use,
    # the way parameters enter a Para diagram from above; edges stay short.
    input_ids = {entry.index for entry in inputs}
    first_use: dict[int, int] = {}
    for node in tape:
        for parent in parents_of[node.index]:
            if parent in input_ids:
                first_use[parent] = min(first_use.get(parent, depth[node.index]), depth[node.index])
    for entry in inputs:
        depth[entry.index] = max(first_use.get(entry.index, 1) - 1, 0)
    bands: tuple[dict[int, list[int]], dict[int, list[int]]] = ({}, {})
    for entry_or_node in order:
        index = entry_or_node.index
        band = bands[0] if index in input_ids else bands[1]
        band.setdefault(depth[index], []).append(index)
    columns = sorted(set(bands[0]) | set(bands[1]))
    widths = {
        d: max(
            max(text_width(labels[n][0], SIZE), text_width(labels[n][1], SMALL)) + 18
            for band in bands
            for n in band.get(d, [])
        )
        for d in columns
    }
    # Long traces wrap: groups of columns, one under the other; an edge into the next
    # group runs down the gap after its parent, along the space between the groups, and
    # down the gap before its child.
    groups = [columns[i : i + per_line] for i in range(0, len(columns), per_line)]
    group_of = {d: g for g, group in enumerate(groups) for d in group}
    crossing = [0] * len(groups)
    for node in tape:
        for parent in parents_of[node.index]:
            if group_of[depth[parent]] != group_of[depth[node.index]]:
                crossing[group_of[depth[parent]]] += 1
    boxes: dict[int, tuple[float, float, float]] = {}
    left = MARGIN + (HGAP / 2 if len(groups) > 1 else 0.0)
    gap_y: list[float] = []
    y = TOP
    width = 0.0
    for g, group in enumerate(groups):
        rows = [max((len(band.get(d, [])) for d in group), default=0) for band in bands]
        band_top = (y, y + rows[0] * (NODE_H + VGAP) + (16.0 if rows[0] else 0.0))
        x = left
        for d in group:
            _place_column(boxes, [band.get(d, []) for band in bands], x, band_top, widths[d])
            x += widths[d] + HGAP
        width = max(width, x - (HGAP / 2 if len(groups) > 1 else HGAP))
        bottom = band_top[1] + rows[1] * (NODE_H + VGAP) - VGAP
        gap_y.append(bottom + 14.0)
        y = bottom + 28.0 + 6.0 * crossing[g]
    height = y - 28.0 - TOP
    shapes: list[Shape] = []
    lanes_used = [0] * len(groups)
    for node in tape:
        here = node.index
        cx, cy, _ = boxes[here]
        for parent in parents_of[here]:
            px, py, pw = boxes[parent]
            start, end = (px + pw, py + NODE_H / 2), (cx, cy + NODE_H / 2)
            g = group_of[depth[parent]]
            if g == group_of[depth[here]] and depth[here] - depth[parent] > 1:
                # over the boxes of the columns it skips, not through them
                over = min(py, cy) - VGAP / 2
                points: tuple[tuple[float, float], ...] = (
                    start,
                    (start[0] + HGAP / 3, over),
                    (end[0] - HGAP / 3, over),
                    end,
                )
            elif g == group_of[depth[here]]:
                points = (start, end)
            else:
                lane = gap_y[g] + 6.0 * lanes_used[g]
                lanes_used[g] += 1
                out_x, in_x = start[0] + HGAP / 2, end[0] - HGAP / 2
                points = (
                    start,
                    (out_x, start[1]),
                    (out_x, lane),
                    (in_x, lane),
                    (in_x, end[1]),
                    end,
                )
            shapes.append(Line(points, "#777777", arrow=True, width=1.2))
    for index in (entry.index for entry in order):
        bx, by, bw = boxes[index]
        fill, stroke = INPUT if index in input_ids else PRIMITIVE
        thick = index in outputs
        shapes.append(
            Rect(
                bx,
                by,
                bw,
                NODE_H,
                fill,
                OUTPUT if thick else stroke,
                radius=10.0 if index in input_ids else 3.0,
                width=3.0 if thick else 1.5,
            )
        )
        title, subtitle = labels[index]
        shapes.append(Text(bx + bw / 2, by + NODE_H / 2 - 7, title, SIZE, bold=True))
        shapes.append(Text(bx + bw / 2, by + NODE_H / 2 + 9, subtitle, SMALL, color="#555"))
    name = getattr(f, "__name__", "f")
    caption = (
        f"trace of {name}: {len(inputs)} inputs (green), {len(tape)} primitive applications, "
        f"outputs outlined in red"
    )
    width = max(width + MARGIN, text_width(caption, SIZE) + 2 * MARGIN)
    shapes.insert(0, Text(MARGIN, MARGIN + 6, caption, SIZE, anchor="start", bold=True))
    return Drawing(width, TOP + height + MARGIN, tuple(shapes), f"trace of {name}")
