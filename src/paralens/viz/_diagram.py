"""String diagrams of models, learners and arrows, laid out from their composition trees.

The picture is the one of the category Para: a box is a layer, the wire through it from
left to right is the data, and each box's parameters enter it from above as a wire of
their own, labelled with where they sit in the composite's parameters (``f >> g`` has
parameters ``(p_f, p_g)``, so its boxes get ``p[0]`` and ``p[1]``, side by side).
Stateful layers carry a state wire that leaves the box and loops back into it; learners
show, under the forward wire, the backward wire of requests flowing right to left.
Sequential composition reads left to right; an arrow's ``&`` (fork) and ``*`` (parallel)
stack their parts vertically. A long chain is wrapped onto several lines.

Everything is read from the structure the values keep: ``kind`` and ``children``, and for
models the ``combinator`` metadata (where each child's parameters sit, whether a state
loops back). Nothing is read from names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paralens.cat import Arrow
from paralens.cat._chain import THEN, chain, chain_with_paths
from paralens.learn import Learner
from paralens.nn import Model, ModelS
from paralens.nn._shapes import ANY, is_last_axis_only, show
from paralens.nn._shapes import Shape as ArrayShape
from paralens.nn._structure import NO_PARAMS, wire_shapes, wire_sizes
from paralens.viz._blocks import (
    END,
    MARGIN,
    PARAM,
    RAIL,
    REQUEST,
    SIZE,
    SMALL,
    WIRE,
    Block,
    Box,
    Frame,
    ParamWire,
    Row,
    Stack,
    Wire,
)
from paralens.viz._draw import Drawing, Line, Shape, Text, text_width

UNSUPPORTED = (
    "viz.diagram draws a paralens.nn.Model or ModelS, a paralens.learn.Learner or a "
    "paralens.cat.Arrow, got {what}; build the thing to draw from those (e.g. nn.linear(2, 1))"
)

# ---- models ----------------------------------------------------------------------------


def _wire_labels(models: Sequence[Any], input_shape: ArrayShape | None = None) -> list[str]:
    """The shapes of the wires into, between and out of ``models``: the whole shape where
    the layers say more than the size of the last axis, else that size, else nothing."""
    sizes = wire_sizes(models)
    shapes = wire_shapes(models, input_shape) or [ANY] * len(sizes)
    labels = []
    for size, shape in zip(sizes, shapes, strict=True):
        if shape != ANY and not is_last_axis_only(shape):
            labels.append(show(shape))
        else:
            labels.append("" if size is None else str(size))
    return labels


def _sizes(m: Any) -> str:
    if m.in_size is not None and m.out_size is not None:
        return f"{m.in_size} → {m.out_size}"
    if m.out_size is not None:
        return f"→ {m.out_size}"
    return ""


def _model_block(m: Any, path: str) -> Block:
    """The block of model ``m``, whose parameters sit at ``path`` in the whole's."""
    combinator = m.combinator
    if m.kind == THEN:
        items = chain_with_paths(m, path)
        labels = _wire_labels([part for part, _ in items])[1:-1]
        return Row([_model_block(part, where) for part, where in items], labels)
    if m.kind == "identity":
        return Wire()
    loop = "state" if combinator.state.loops_back else None
    if not m.children:
        if combinator.params is NO_PARAMS:
            return Box(m.name, _sizes(m), style="fn")
        style = "stateful" if isinstance(m, ModelS) else "layer"
        return Box(m.name, _sizes(m), style=style, param=path, loop=loop)
    inner: Block | None = None
    own: str | None = None
    for part in combinator.params.parts(m):
        where = path if part.index is None else f"{path}[{part.index}]"
        if part.child is not None:
            inner = _model_block(part.child, where)
        elif part.label:
            own = f"{where}: {part.label}"
    if inner is None:  # a wrapper whose parameters are its own, not its child's
        inner = _model_block(m.children[0], path)
    return Frame(m.kind, inner, loop=loop, param=own)


# ---- learners ----------------------------------------------------------------------------

ADVERSARIAL_LABEL = "adversarial: the request is reflected, so the generator ascends"


def _learner_parts(learner: Learner[Any, Any, Any]) -> list[Block]:
    """The blocks of a learner's chain of parts, its parameters numbered ``p1``, ``p2``...
    (or ``p`` for a learner of one part)."""
    parts = chain(learner)
    single = len(parts) == 1 and not _is_composite(parts[0])
    counter = [0]
    return [_learner_block(part, counter, single) for part in parts]


def _is_composite(learner: Learner[Any, Any, Any]) -> bool:
    return any(isinstance(child, Learner) for child in learner.children)


def _learner_block(learner: Learner[Any, Any, Any], counter: list[int], single: bool) -> Block:
    if learner.kind == THEN:
        parts = chain(learner)
        return Row([_learner_block(part, counter, False) for part in parts], [""] * len(parts))
    if _is_composite(learner):
        blocks = [_learner_block(child, counter, False) for child in learner.children]
        label = ADVERSARIAL_LABEL if learner.kind == "adversarial" else learner.kind
        return Frame(label, Row(blocks, [""] * len(blocks)))
    # A learner of a model (gradient_learner) is named after the model it learns.
    learned = learner.children[0] if learner.children else learner
    title = str(getattr(learned, "name", type(learned).__name__))
    counter[0] += 1
    param = "p" if single else f"p{counter[0]}"
    return Box(title, learner.kind.replace("_", " "), style="learner", param=param)


# ---- arrows ------------------------------------------------------------------------------


def _arrow_block(a: Arrow[Any, Any]) -> Block:
    match a.kind:
        case "then":
            parts = chain(a)
            return Row([_arrow_block(c) for c in parts], [""] * (len(parts) - 1))
        case "fork" | "parallel":
            return Stack(a.kind, [_arrow_block(c) for c in a.children])
        case "id":
            return Wire()
        case "exl" | "exr" | "dup":
            return Box(a.name, style="structural")
        case "const":
            return Box(a.name, style="const")
        case _:
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
    end_in = max(END, text_width(ends[0], SMALL) + 16.0)
    end_out = max(END, text_width(ends[1], SMALL) + 16.0)
    x0 = MARGIN + end_in
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
    _ends(x0, first, first_top, last, last_top, ends, shapes, end_out)
    width = x0 + max(r.w for r in rows) + end_out + MARGIN
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
    end_out: float = END,
) -> None:
    start = MARGIN
    in_y = first_top + first.port_y
    out_x = x0 + last.w
    out_y = last_top + last.port_y
    shapes.append(Line(((start, in_y), (x0, in_y)), WIRE, arrow=True))
    shapes.append(Line(((out_x, out_y), (out_x + end_out, out_y)), WIRE, arrow=True))
    if ends[0]:
        shapes.append(Text((start + x0) / 2 - 4, in_y - 8, ends[0], SMALL))
    if ends[1]:
        shapes.append(Text(out_x + end_out / 2, out_y - 8, ends[1], SMALL))
    if first.back_y is not None and last.back_y is not None:
        back_in = first_top + first.back_y
        back_out = last_top + last.back_y
        shapes.append(Line(((x0, back_in), (start, back_in)), REQUEST, arrow=True))
        shapes.append(Line(((out_x + END, back_out), (out_x, back_out)), REQUEST, arrow=True))
        shapes.append(Text(start + END / 2 - 4, back_in + 10, "request", 9.0, color=REQUEST))
        shapes.append(Text(out_x + END / 2, back_out + 10, "target", 9.0, color=REQUEST))


def diagram_drawing(
    thing: Any, per_line: int = 5, input_shape: ArrayShape | None = None
) -> Drawing:
    """The string diagram of a model, learner or arrow, as shapes; a model's wires are
    labelled with the shapes that flow along them from ``input_shape`` (by default, the
    input its first layer declares)."""
    if input_shape is not None and not isinstance(thing, Model | ModelS):
        raise TypeError(f"viz.diagram: input_shape is for models, not {type(thing).__name__}")
    if isinstance(thing, Model | ModelS):
        items = chain_with_paths(thing, "p")
        parts = [_model_block(part, where) for part, where in items]
        sizes = _wire_labels([part for part, _ in items], input_shape)
        labels = sizes[1:-1]
        ends = (sizes[0], sizes[-1])
        return layout(parts, labels, title=repr(thing), ends=ends, per_line=per_line)
    if isinstance(thing, Learner):
        parts = _learner_parts(thing)
        # A learner's request wire runs back along its line, so learners stay on one line.
        return layout(parts, [""] * (len(parts) - 1), title=repr(thing), per_line=len(parts))
    if isinstance(thing, Arrow):
        parts = [_arrow_block(a) for a in chain(thing)]
        title = f"Arrow: {thing!r}"
        return layout(parts, [""] * (len(parts) - 1), title=title, per_line=per_line)
    raise TypeError(UNSUPPORTED.format(what=type(thing).__name__))
