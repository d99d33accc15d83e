"""The blocks of a string diagram: boxes, wires, rows, stacks and frames, laid out as shapes.

A block knows its size and the height of its data wire; ``draw`` places its shapes with
its top-left corner at a point and collects the parameter wires that enter it from above,
which the layout draws up to the rail over each line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from paralens.viz._draw import Dot, Line, Rect, Shape, Text, text_width

SIZE = 12.0
SMALL = 10.0
GAP = 46.0  # the wire between two consecutive parts
RAIL = 30.0  # room above a line of boxes for the parameter wires' labels
MARGIN = 14.0
END = 48.0  # the input and output wires at either end of the picture

PARAM = "#7b1fa2"
STATE = "#b5651d"
REQUEST = "#c62828"
WIRE = "#333333"

# (fill, stroke, corner radius) of a box, by what it draws
STYLES: dict[str, tuple[str, str, float]] = {
    "layer": ("#e8f0fe", "#3b5ba5", 3.0),
    "stateful": ("#fdf0e0", STATE, 3.0),
    "fn": ("#f4f4f4", "#777777", 10.0),
    "learner": ("#eaf6ea", "#2e7d32", 3.0),
    "primitive": ("#e8f0fe", "#3b5ba5", 3.0),
    "structural": ("#f4f4f4", "#777777", 10.0),
    "const": ("#fff8e1", "#a67c00", 3.0),
}


@dataclass(frozen=True)
class ParamWire:
    """A parameter wire entering a box from above at ``x``, the box's top at ``y``."""

    x: float
    y: float
    label: str


class Block:
    """A laid-out part: its size and the height of its data wire (``port_y``).

    Learner blocks also have a request wire, at ``back_y``, below the data wire.
    """

    w: float = 0.0
    h: float = 0.0
    port_y: float = 0.0
    back_y: float | None = None

    def draw(self, x: float, y: float, shapes: list[Shape], params: list[ParamWire]) -> None:
        """Append the block's shapes, placed with its top-left corner at ``(x, y)``."""
        raise NotImplementedError


class Box(Block):
    """A layer: a named box, its sizes under the name, a parameter wire and a state loop."""

    LOOP = 24.0

    def __init__(
        self,
        title: str,
        subtitle: str = "",
        *,
        style: str = "layer",
        param: str | None = None,
        loop: str | None = None,
    ) -> None:
        self.title, self.subtitle, self.style = title, subtitle, style
        self.param, self.loop = param, loop
        self.w = max(text_width(title, SIZE), text_width(subtitle, SMALL)) + 20.0
        self.w = max(self.w, 44.0 if style == "structural" else 64.0)
        learner = style == "learner"
        self.box_h = 58.0 if learner else (44.0 if subtitle else 28.0)
        self.h = self.box_h + (self.LOOP if loop else 0.0)
        self.port_y = 18.0 if learner else self.box_h / 2
        self.back_y = 42.0 if learner else None

    def draw(self, x: float, y: float, shapes: list[Shape], params: list[ParamWire]) -> None:
        fill, stroke, radius = STYLES[self.style]
        shapes.append(Rect(x, y, self.w, self.box_h, fill, stroke, radius=radius))
        mid = x + self.w / 2
        if self.subtitle:
            shapes.append(Text(mid, y + self.box_h / 2 - 8, self.title, SIZE, bold=True))
            shapes.append(Text(mid, y + self.box_h / 2 + 9, self.subtitle, SMALL, color="#555"))
        else:
            shapes.append(Text(mid, y + self.box_h / 2, self.title, SIZE, bold=True))
        if self.param is not None:
            params.append(ParamWire(mid, y, self.param))
        if self.loop is not None:
            _loop(x, y + self.box_h, self.w, self.loop, shapes)


def _loop(x: float, bottom: float, w: float, label: str, shapes: list[Shape]) -> None:
    """A state wire leaving the bottom right of a box and coming back in at its bottom left."""
    low = bottom + 18.0
    points = ((x + w - 12, bottom), (x + w - 12, low), (x + 12, low), (x + 12, bottom))
    shapes.append(Line(points, STATE, arrow=True))
    shapes.append(Text(x + w / 2, bottom + 9.0, label, 9.0, color=STATE))


class Wire(Block):
    """The identity: a plain wire."""

    def __init__(self) -> None:
        self.w, self.h, self.port_y = 28.0, 28.0, 14.0

    def draw(self, x: float, y: float, shapes: list[Shape], params: list[ParamWire]) -> None:
        shapes.append(Line(((x, y + self.port_y), (x + self.w, y + self.port_y)), WIRE))


class Row(Block):
    """Sequential composition: the parts left to right, joined by labelled wires."""

    def __init__(self, parts: Sequence[Block], labels: Sequence[str]) -> None:
        self.parts, self.labels = list(parts), list(labels)
        self.port_y = max(p.port_y for p in parts)
        self.h = max(self.port_y - p.port_y + p.h for p in parts)
        # a wire is long enough for its label (a whole shape may be longer than GAP)
        self.gaps = [max(GAP, text_width(label, SMALL) + 12.0) for label in self.labels]
        self.gaps += [GAP] * (len(parts) - 1 - len(self.gaps))
        self.w = sum(p.w for p in parts) + sum(self.gaps[: len(parts) - 1])
        lanes = {None if p.back_y is None else p.back_y - p.port_y for p in parts}
        lane = next(iter(lanes)) if len(lanes) == 1 else None
        self.back_y = None if lane is None else self.port_y + lane

    def draw(self, x: float, y: float, shapes: list[Shape], params: list[ParamWire]) -> None:
        wire_y = y + self.port_y
        cx = x
        for i, part in enumerate(self.parts):
            if i:
                gap = self.gaps[i - 1]
                start = cx - gap
                shapes.append(Line(((start, wire_y), (cx, wire_y)), WIRE, arrow=True))
                if self.labels[i - 1]:
                    shapes.append(Text(cx - gap / 2, wire_y - 8, self.labels[i - 1], SMALL))
                if self.back_y is not None:
                    back = y + self.back_y
                    shapes.append(Line(((cx, back), (start, back)), REQUEST, arrow=True))
            part.draw(cx, y + self.port_y - part.port_y, shapes, params)
            cx += part.w + (self.gaps[i] if i < len(self.gaps) else 0.0)


class Stack(Block):
    """``&`` (fork: one input copied to both parts) and ``*`` (parallel: a pair split)."""

    FAN = 30.0
    VGAP = 14.0

    def __init__(self, kind: str, parts: Sequence[Block]) -> None:
        self.kind, self.parts = kind, list(parts)
        self.w = max(p.w for p in parts) + 2 * self.FAN
        self.h = sum(p.h for p in parts) + self.VGAP * (len(parts) - 1) + 12.0
        self.port_y = self.h / 2 + 6.0

    def draw(self, x: float, y: float, shapes: list[Shape], params: list[ParamWire]) -> None:
        mid = y + self.port_y
        split, join = x + 10.0, x + self.w - 10.0
        shapes.append(Line(((x, mid), (split, mid)), WIRE))
        shapes.append(Line(((join, mid), (x + self.w, mid)), WIRE))
        top = y + 12.0
        first_port = None
        for part in self.parts:
            port = top + part.port_y
            first_port = port if first_port is None else first_port
            part.draw(x + self.FAN, top, shapes, params)
            end = x + self.FAN + part.w
            shapes.append(
                Line(((split, mid), (split, port), (x + self.FAN, port)), WIRE, arrow=True)
            )
            shapes.append(Line(((end, port), (join, port), (join, mid)), WIRE))
            top += part.h + self.VGAP
        shapes.append(Dot(split, mid, 4.0, "#333333" if self.kind == "fork" else "none"))
        shapes.append(Dot(join, mid, 4.0, "none"))
        symbol = "&" if self.kind == "fork" else "*"
        assert first_port is not None
        shapes.append(Text(split, first_port - 10.0, symbol, SIZE, bold=True))


class Frame(Block):
    """A combinator around a part: a dashed frame named after the combinator.

    ``loop`` draws the frame's own state wire (its output fed back); ``param`` an extra
    parameter wire into the frame (``train_state``'s learned initial state).
    """

    PAD = 10.0
    TOP = 12.0
    LABEL = 22.0  # the combinator's name, under the part, clear of parameter wires
    INSET = 14.0

    def __init__(
        self, label: str, part: Block, *, loop: str | None = None, param: str | None = None
    ) -> None:
        self.label, self.part, self.loop, self.param = label, part, loop, param
        inner = part.w + 2 * (self.PAD + self.INSET)
        self.w = max(inner + (2 * text_width(param, SMALL) if param else 0.0), 0.0)
        self.w = max(self.w, text_width(label, SMALL) + 2 * self.PAD)
        self.frame_h = self.TOP + part.h + self.LABEL
        self.h = self.frame_h + (Box.LOOP if loop else 0.0)
        self.port_y = self.TOP + part.port_y
        self.back_y = None if part.back_y is None else self.TOP + part.back_y

    def draw(self, x: float, y: float, shapes: list[Shape], params: list[ParamWire]) -> None:
        stroke = STATE if self.loop else "#555555"
        shapes.append(Rect(x, y, self.w, self.frame_h, "#fcfcfc", stroke, dashed=True, radius=8))
        label_y = y + self.frame_h - self.LABEL / 2
        shapes.append(Text(x + 8, label_y, self.label, SMALL, anchor="start", bold=True))
        left = x + (self.w - self.part.w) / 2
        if self.param is not None:
            left = x + self.PAD + self.INSET
            params.append(ParamWire(x + self.w - text_width(self.param, SMALL), y, self.param))
        wire_y = y + self.port_y
        shapes.append(Line(((x, wire_y), (left, wire_y)), WIRE))
        right = left + self.part.w
        shapes.append(Line(((right, wire_y), (x + self.w, wire_y)), WIRE))
        self.part.draw(left, y + self.TOP, shapes, params)
        if self.back_y is not None:
            back = y + self.back_y
            shapes.append(Line(((left, back), (x, back)), REQUEST, arrow=True))
            shapes.append(Line(((x + self.w, back), (right, back)), REQUEST, arrow=True))
        if self.loop is not None:
            _loop(x, y + self.frame_h, self.w, self.loop, shapes)
