"""The graph of one call as the reverse-mode tape records it: the implicit style, drawn.

Calling ``f`` with its arguments wrapped as traced values (leaf by leaf, as ``vjp`` does)
records one node per primitive application, in creation order, each pointing at the
nodes of its traced arguments. The picture puts the inputs in the first column and every
node one column right of its deepest parent, so edges run left to right.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from paralens._ad import Inputs
from paralens._core import ReverseTrace, Step, plain_value
from paralens.tree import is_integer, tree_leaves, tree_leaves_with_path
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


def _argument_names(f: Callable[..., Any], n: int) -> list[str]:
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    names = [
        p.name
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
    ]
    if len(names) < n or any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return [f"arg{i}" for i in range(n)]
    return names[:n]


def _output_indices(out: Any, trace: ReverseTrace) -> list[int]:
    return [trace.index_of(v) for v in tree_leaves(out, is_leaf=trace.owns) if trace.owns(v)]


def record(
    f: Callable[..., Any], *args: Any
) -> tuple[list[tuple[Step, str]], list[Step], list[Step]]:
    """Call ``f(*args)`` under a reverse trace: its inputs (with names), tape and outputs.

    Each argument is wrapped leaf by leaf as the transforms wrap it; an input is named by
    the path to its leaf (``params[0].w``).
    """
    trace = ReverseTrace()
    names = _argument_names(f, len(args))
    try:
        inputs = [Inputs(arg, trace.new_input) for arg in args]
        out = f(*(a.traced for a in inputs))
    finally:
        trace.close()
    steps = trace.steps()
    labelled = []
    for name, arg, a in zip(names, args, inputs, strict=True):
        paths = [p for p, leaf in tree_leaves_with_path(arg, prefix=name) if not is_integer(leaf)]
        labelled += [
            (steps[trace.index_of(v)], path) for v, path in zip(a.vars, paths, strict=True)
        ]
    outputs = _output_indices(out, trace)
    return labelled, [s for s in steps if s.primitive is not None], [steps[i] for i in outputs]


def _describe(value: Any) -> str:
    plain = plain_value(value)
    shape = getattr(plain, "shape", None)
    if shape is not None:
        return "scalar" if shape == () else str(tuple(shape))
    if isinstance(plain, int | float | complex):
        return "scalar"
    return type(plain).__name__


def trace_drawing(f: Callable[..., Any], *args: Any, per_line: int = 12) -> Drawing:
    """The tape of ``f(*args)`` as a layered graph, ``per_line`` columns to a line."""
    inputs, tape, outputs = record(f, *args)
    depth: dict[int, int] = {}
    labels: dict[int, tuple[str, str]] = {}
    order: list[Step] = []
    for node, label in inputs:
        depth[id(node)] = 0
        labels[id(node)] = (label, _describe(node.ans))
        order.append(node)
    by_index = {s.position: s for s in [*(n for n, _ in inputs), *tape]}
    parents_of = {id(s): [by_index[i] for _, i in s.parents] for s in tape}
    for node in tape:
        parents = [depth.get(id(parent), 0) for parent in parents_of[id(node)]]
        depth[id(node)] = 1 + max(parents, default=0)
        name = node.primitive.name if node.primitive is not None else "?"
        labels[id(node)] = (name, _describe(node.ans))
        order.append(node)
    # Inputs sit in a band above the primitives, each one column left of its first use,
    # the way parameters enter a Para diagram from above; edges stay short.
    input_ids = {id(n) for n, _ in inputs}
    first_use: dict[int, int] = {}
    for node in tape:
        for parent in parents_of[id(node)]:
            if id(parent) in input_ids:
                used = first_use.get(id(parent), depth[id(node)])
                first_use[id(parent)] = min(used, depth[id(node)])
    for node, _ in inputs:
        depth[id(node)] = max(first_use.get(id(node), 1) - 1, 0)
    bands: tuple[dict[int, list[Step]], dict[int, list[Step]]] = ({}, {})
    for node in order:
        band = bands[0] if id(node) in input_ids else bands[1]
        band.setdefault(depth[id(node)], []).append(node)
    columns = sorted(set(bands[0]) | set(bands[1]))
    widths = {
        d: max(
            max(text_width(labels[id(n)][0], SIZE), text_width(labels[id(n)][1], SMALL)) + 18
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
        for parent in parents_of[id(node)]:
            if group_of[depth[id(parent)]] != group_of[depth[id(node)]]:
                crossing[group_of[depth[id(parent)]]] += 1
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
            for band, top in zip(bands, band_top, strict=True):
                row_y = top
                for node in band.get(d, []):
                    boxes[id(node)] = (x, row_y, widths[d])
                    row_y += NODE_H + VGAP
            x += widths[d] + HGAP
        width = max(width, x - (HGAP / 2 if len(groups) > 1 else HGAP))
        bottom = band_top[1] + rows[1] * (NODE_H + VGAP) - VGAP
        gap_y.append(bottom + 14.0)
        y = bottom + 28.0 + 6.0 * crossing[g]
    height = y - 28.0 - TOP
    shapes: list[Shape] = []
    lanes_used = [0] * len(groups)
    for node in tape:
        cx, cy, _ = boxes[id(node)]
        for parent in parents_of[id(node)]:
            px, py, pw = boxes[id(parent)]
            start, end = (px + pw, py + NODE_H / 2), (cx, cy + NODE_H / 2)
            g = group_of[depth[id(parent)]]
            if g == group_of[depth[id(node)]] and depth[id(node)] - depth[id(parent)] > 1:
                # over the boxes of the columns it skips, not through them
                over = min(py, cy) - VGAP / 2
                points: tuple[tuple[float, float], ...] = (
                    start,
                    (start[0] + HGAP / 3, over),
                    (end[0] - HGAP / 3, over),
                    end,
                )
            elif g == group_of[depth[id(node)]]:
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
    out_ids = {id(n) for n in outputs}
    for node in order:
        bx, by, bw = boxes[id(node)]
        fill, stroke = INPUT if id(node) in input_ids else PRIMITIVE
        thick = id(node) in out_ids
        shapes.append(
            Rect(
                bx,
                by,
                bw,
                NODE_H,
                fill,
                OUTPUT if thick else stroke,
                radius=10.0 if id(node) in input_ids else 3.0,
                width=3.0 if thick else 1.5,
            )
        )
        title, subtitle = labels[id(node)]
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
