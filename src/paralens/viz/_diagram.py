"""String diagrams of models, learners and arrows, laid out from their composition trees.

The picture is the one of the category Para: a box is a layer, the wire through it from
left to right is the data, and each box's parameters enter it from above as a wire of
their own, labelled with where they sit in the composite's parameters (``f >> g`` has
parameters ``(p_f, p_g)``, so its boxes get ``p[0]`` and ``p[1]``, side by side).
Stateful layers carry a state wire that leaves the box and loops back into it; learners
show, under the forward wire, the backward wire of requests flowing right to left.
Sequential composition reads left to right; an arrow's ``&`` (fork) and ``*`` (parallel)
stack their parts vertically. A long chain is wrapped onto several lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from paralens.cat import Arrow
from paralens.learn import Learner
from paralens.nn import Model, ModelS
from paralens.nn._model import keeps_child_params, wire_sizes
from paralens.viz._draw import Dot, Drawing, Line, Rect, Shape, Text, text_width

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

# Combinators whose output feeds back as their state.
_LOOPING = frozenset({"recurrently", "recurrently_with", "lagged"})

UNSUPPORTED = (
    "viz.diagram draws a paralens.nn.Model or ModelS, a paralens.learn.Learner or a "
    "paralens.cat.Arrow, got {what}; build the thing to draw from those (e.g. nn.linear(2, 1))"
)


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
        self.w = sum(p.w for p in parts) + GAP * (len(parts) - 1)
        lanes = {None if p.back_y is None else p.back_y - p.port_y for p in parts}
        lane = next(iter(lanes)) if len(lanes) == 1 else None
        self.back_y = None if lane is None else self.port_y + lane

    def draw(self, x: float, y: float, shapes: list[Shape], params: list[ParamWire]) -> None:
        wire_y = y + self.port_y
        cx = x
        for i, part in enumerate(self.parts):
            if i:
                start = cx - GAP
                shapes.append(Line(((start, wire_y), (cx, wire_y)), WIRE, arrow=True))
                if self.labels[i - 1]:
                    shapes.append(Text(cx - GAP / 2, wire_y - 8, self.labels[i - 1], SMALL))
                if self.back_y is not None:
                    back = y + self.back_y
                    shapes.append(Line(((cx, back), (start, back)), REQUEST, arrow=True))
            part.draw(cx, y + self.port_y - part.port_y, shapes, params)
            cx += part.w + GAP


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


# ---- models ----------------------------------------------------------------------------


def _chain(m: Any, path: str) -> list[tuple[Any, str]]:
    """A composite's parts in data order, each with where its parameters sit."""
    if m.kind == "then":
        return [item for i, c in enumerate(m.children) for item in _chain(c, f"{path}[{i}]")]
    return [(m, path)]


def _wire_labels(models: Sequence[Any]) -> list[str]:
    """The sizes of the wires into, between and out of ``models``, where layers declare them."""
    return ["" if n is None else str(n) for n in wire_sizes(models)]


def _sizes(m: Any) -> str:
    if m.in_size is not None and m.out_size is not None:
        return f"{m.in_size} → {m.out_size}"
    if m.out_size is not None:
        return f"→ {m.out_size}"
    return ""


def _model_block(m: Any, path: str) -> Block:
    if m.kind == "then":
        items = _chain(m, path)
        models = [c for c, _ in items]
        return Row([_model_block(c, p) for c, p in items], _wire_labels(models)[1:-1])
    if m.kind == "identity":
        return Wire()
    if m.kind == "fn":
        return Box(m.name, _sizes(m), style="fn")
    if m.kind == "layer" or not m.children:
        stateful = isinstance(m, ModelS)
        return Box(
            m.name,
            _sizes(m),
            style="stateful" if stateful else "layer",
            param=path,
            loop="state" if stateful else None,
        )
    (child, *_) = m.children
    if m.kind == "train_state":
        return Frame(m.kind, _model_block(child, f"{path}[0]"), param=f"{path}[1]: state₀")
    inner = _model_block(child, path if keeps_child_params(m.kind) else f"{path}[0]")
    return Frame(m.kind, inner, loop="state" if m.kind in _LOOPING else None)


# ---- learners ----------------------------------------------------------------------------


def split_top(name: str, sep: str = " >> ") -> list[str]:
    """``name`` split at the separators outside parentheses."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(name):
        ch = name[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and name.startswith(sep, i):
            parts.append(name[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    parts.append(name[start:])
    return parts


_GRADIENT_LEARNER = re.compile(r"gradient_learner\((.*)\)")
_ADVERSARIAL = re.compile(r"adversarial\((.*)\)")
ADVERSARIAL_LABEL = "adversarial: the request is reflected, so the generator ascends"


def _learner_parts(learner: Learner[Any, Any, Any]) -> list[Block]:
    # A composite learner keeps its parts only in its name ("a >> b", "adversarial(g, d)");
    # composition is associative, so the flat list of parts is the whole structure.
    names = split_top(learner.name)
    counter = [0]
    single = len(names) == 1 and _ADVERSARIAL.fullmatch(names[0]) is None
    return [_learner_block(name, counter, single) for name in names]


def _learner_block(name: str, counter: list[int], single: bool) -> Block:
    adversarial = _ADVERSARIAL.fullmatch(name)
    if adversarial is not None:
        players = split_top(adversarial.group(1), ", ")
        if len(players) == 2:
            blocks = [_learner_block(player, counter, False) for player in players]
            return Frame(ADVERSARIAL_LABEL, Row(blocks, ["", ""]))
    parts = split_top(name)
    if len(parts) > 1:
        return Row([_learner_block(part, counter, False) for part in parts], [""] * len(parts))
    found = _GRADIENT_LEARNER.fullmatch(name)
    title, kind = (found.group(1), "gradient learner") if found else (name, "learner")
    counter[0] += 1
    param = "p" if single else f"p{counter[0]}"
    return Box(title, kind, style="learner", param=param)


# ---- arrows ------------------------------------------------------------------------------


def _arrow_chain(a: Arrow[Any, Any]) -> list[Arrow[Any, Any]]:
    if a.kind == "then":
        return [part for c in a.children for part in _arrow_chain(c)]
    return [a]


def _arrow_block(a: Arrow[Any, Any]) -> Block:
    if a.kind == "then":
        parts = _arrow_chain(a)
        return Row([_arrow_block(c) for c in parts], [""] * (len(parts) - 1))
    if a.kind in ("fork", "parallel"):
        return Stack(a.kind, [_arrow_block(c) for c in a.children])
    if a.kind == "id":
        return Wire()
    if a.kind in ("exl", "exr", "dup"):
        return Box(a.name, style="structural")
    if a.kind == "const":
        return Box(a.name, style="const")
    return Box(a.name, style="primitive")


# ---- the whole picture -------------------------------------------------------------------


def _lines(parts: Sequence[Block], labels: Sequence[str], per_line: int) -> list[Row]:
    rows = []
    for start in range(0, len(parts), per_line):
        chunk = parts[start : start + per_line]
        rows.append(Row(chunk, labels[start : start + len(chunk) - 1]))
    return rows


def layout(
    parts: Sequence[Block],
    labels: Sequence[str],
    *,
    title: str,
    ends: tuple[str, str] = ("", ""),
    per_line: int = 5,
) -> Drawing:
    """Place a chain of blocks on lines of at most ``per_line``, with wires and parameters.

    ``labels`` name the wires between consecutive parts; ``ends`` the input and output.
    """
    rows = _lines(parts, labels, max(per_line, 1))
    shapes: list[Shape] = []
    x0 = MARGIN + END
    y = MARGIN + 26.0
    has_params = _any_params(rows)
    rail = RAIL if has_params else 6.0
    placed: list[tuple[Row, float]] = []
    for i, row in enumerate(rows):
        top = y + rail
        wires: list[ParamWire] = []
        row.draw(x0, top, shapes, wires)
        for wire in wires:
            shapes.append(Line(((wire.x, y + 16.0), (wire.x, wire.y)), PARAM, arrow=True))
            shapes.append(Text(wire.x, y + 7.0, wire.label, SMALL, color=PARAM))
        placed.append((row, top))
        bottom = top + row.h
        if i + 1 < len(rows):
            y = bottom + 34.0
            turn = rows[i + 1]
            label = labels[(i + 1) * max(per_line, 1) - 1]
            mid = bottom + 12.0
            _wrap_wire(x0, top + row.port_y, x0 + row.w, mid, turn.port_y + y + rail, label, shapes)
        else:
            y = bottom
    first, first_top = placed[0]
    last, last_top = placed[-1]
    _ends(x0, first, first_top, last, last_top, ends, shapes)
    width = x0 + max(r.w for r in rows) + END + MARGIN
    height = y + MARGIN + (18.0 if first.back_y is not None else 0.0)
    shown = title
    room = max(int((width - 2 * MARGIN) / (SIZE * 0.602)), 20)
    if len(shown) > room:
        shown = shown[: room - 1] + "…"
    shapes.insert(0, Text(MARGIN, MARGIN + 6.0, shown, SIZE, anchor="start", bold=True))
    return Drawing(width, height, tuple(shapes), title)


def _any_params(rows: Sequence[Row]) -> bool:
    scratch: list[ParamWire] = []
    for row in rows:
        row.draw(0.0, 0.0, [], scratch)
    return bool(scratch)


def _wrap_wire(
    x0: float,
    out_y: float,
    out_x: float,
    mid_y: float,
    in_y: float,
    label: str,
    shapes: list[Shape],
) -> None:
    """The data wire from the end of one line, around, to the start of the next."""
    right, left = out_x + 18.0, x0 - 18.0
    points = (
        (out_x, out_y),
        (right, out_y),
        (right, mid_y),
        (left, mid_y),
        (left, in_y),
        (x0, in_y),
    )
    shapes.append(Line(points, WIRE, arrow=True))
    if label:
        shapes.append(Text((left + right) / 2, mid_y + 9.0, label, SMALL))


def _ends(
    x0: float,
    first: Row,
    first_top: float,
    last: Row,
    last_top: float,
    ends: tuple[str, str],
    shapes: list[Shape],
) -> None:
    start = MARGIN
    in_y = first_top + first.port_y
    out_x = x0 + last.w
    out_y = last_top + last.port_y
    shapes.append(Line(((start, in_y), (x0, in_y)), WIRE, arrow=True))
    shapes.append(Line(((out_x, out_y), (out_x + END, out_y)), WIRE, arrow=True))
    if ends[0]:
        shapes.append(Text(start + END / 2 - 4, in_y - 8, ends[0], SMALL))
    if ends[1]:
        shapes.append(Text(out_x + END / 2, out_y - 8, ends[1], SMALL))
    if first.back_y is not None and last.back_y is not None:
        back_in = first_top + first.back_y
        back_out = last_top + last.back_y
        shapes.append(Line(((x0, back_in), (start, back_in)), REQUEST, arrow=True))
        shapes.append(Line(((out_x + END, back_out), (out_x, back_out)), REQUEST, arrow=True))
        shapes.append(Text(start + END / 2 - 4, back_in + 10, "request", 9.0, color=REQUEST))
        shapes.append(Text(out_x + END / 2, back_out + 10, "target", 9.0, color=REQUEST))


def diagram_drawing(thing: Any, per_line: int = 5) -> Drawing:
    """The string diagram of a model, learner or arrow, as shapes."""
    if isinstance(thing, Model | ModelS):
        items = _chain(thing, "p")
        models = [c for c, _ in items]
        parts = [_model_block(c, p) for c, p in items]
        sizes = _wire_labels(models)
        labels = sizes[1:-1]
        ends = (sizes[0], sizes[-1])
        return layout(parts, labels, title=repr(thing), ends=ends, per_line=per_line)
    if isinstance(thing, Learner):
        parts = _learner_parts(thing)
        # A learner's request wire runs back along its line, so learners stay on one line.
        return layout(parts, [""] * (len(parts) - 1), title=repr(thing), per_line=len(parts))
    if isinstance(thing, Arrow):
        chain = _arrow_chain(thing)
        parts = [_arrow_block(a) for a in chain]
        title = f"Arrow: {thing!r}"
        return layout(parts, [""] * (len(parts) - 1), title=title, per_line=per_line)
    raise TypeError(UNSUPPORTED.format(what=type(thing).__name__))
