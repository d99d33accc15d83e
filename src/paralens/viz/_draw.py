"""Drawings: a few shapes on a canvas, rendered as SVG text or, through matplotlib, as PNG.

Layouts (string diagrams, trace graphs) produce a ``Drawing``; the two renderers below
read the same shapes, so the SVG and the PNG of a thing show the same picture.
Coordinates are pixels, y pointing down, text positioned by its centre line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

FONT = "DejaVu Sans Mono"
CHAR_WIDTH = 0.602
"""Advance of one character of the monospace font, in font sizes (DejaVu Sans Mono)."""

PLOT_EXTRA = "pip install paralens[plot]"


def text_width(text: str, size: float) -> float:
    """The width of ``text`` set in the monospace font at ``size`` pixels."""
    return len(text) * size * CHAR_WIDTH


@dataclass(frozen=True)
class Rect:
    """A rectangle, optionally rounded and dashed."""

    x: float
    y: float
    w: float
    h: float
    fill: str = "#ffffff"
    stroke: str = "#333333"
    dashed: bool = False
    radius: float = 0.0
    width: float = 1.5


@dataclass(frozen=True)
class Line:
    """A polyline through ``points``, with an arrowhead at its end when ``arrow``."""

    points: tuple[tuple[float, float], ...]
    stroke: str = "#333333"
    dashed: bool = False
    arrow: bool = False
    width: float = 1.5


@dataclass(frozen=True)
class Text:
    """One line of text centred vertically on ``y``; ``anchor`` is start, middle or end."""

    x: float
    y: float
    text: str
    size: float = 12.0
    anchor: str = "middle"
    bold: bool = False
    color: str = "#222222"


@dataclass(frozen=True)
class Dot:
    """A circle, filled with ``fill`` (``"none"`` for an open one)."""

    x: float
    y: float
    r: float
    fill: str = "#333333"
    stroke: str = "#333333"


Shape = Rect | Line | Text | Dot


@dataclass(frozen=True)
class Drawing:
    """A canvas of ``width`` by ``height`` pixels and the shapes on it, in drawing order."""

    width: float
    height: float
    shapes: tuple[Shape, ...]
    title: str = ""


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


_ANCHORS = {"start": "start", "middle": "middle", "end": "end"}


def to_svg(drawing: Drawing) -> str:
    """The drawing as a standalone SVG document."""
    w, h = _num(drawing.width), _num(drawing.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" font-family="{FONT}, Menlo, Consolas, monospace">',
        f"<title>{escape(drawing.title)}</title>",
        _markers(drawing),
        f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>',
    ]
    for s in drawing.shapes:
        out.append(_svg_shape(s))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _marker_id(colour: str) -> str:
    return "head-" + "".join(ch for ch in colour if ch.isalnum())


def _markers(drawing: Drawing) -> str:
    """One arrowhead per colour of arrow used (markers cannot take their line's colour
    in every viewer)."""
    colours = sorted({s.stroke for s in drawing.shapes if isinstance(s, Line) and s.arrow})
    heads = "".join(
        f'<marker id="{_marker_id(c)}" viewBox="0 0 10 10" refX="9" refY="5" '
        f'markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{c}"/></marker>'
        for c in colours
    )
    return f"<defs>{heads}</defs>"


def _svg_shape(s: Shape) -> str:
    if isinstance(s, Rect):
        dash = ' stroke-dasharray="5 3"' if s.dashed else ""
        return (
            f'<rect x="{_num(s.x)}" y="{_num(s.y)}" width="{_num(s.w)}" height="{_num(s.h)}" '
            f'rx="{_num(s.radius)}" fill="{s.fill}" stroke="{s.stroke}" '
            f'stroke-width="{_num(s.width)}"{dash}/>'
        )
    if isinstance(s, Line):
        points = " ".join(f"{_num(x)},{_num(y)}" for x, y in s.points)
        dash = ' stroke-dasharray="5 3"' if s.dashed else ""
        head = f' marker-end="url(#{_marker_id(s.stroke)})"' if s.arrow else ""
        return (
            f'<polyline points="{points}" fill="none" stroke="{s.stroke}" '
            f'stroke-width="{_num(s.width)}"{dash}{head}/>'
        )
    if isinstance(s, Dot):
        return (
            f'<circle cx="{_num(s.x)}" cy="{_num(s.y)}" r="{_num(s.r)}" fill="{s.fill}" '
            f'stroke="{s.stroke}" stroke-width="1.5"/>'
        )
    weight = ' font-weight="bold"' if s.bold else ""
    return (
        f'<text x="{_num(s.x)}" y="{_num(s.y)}" font-size="{_num(s.size)}" '
        f'text-anchor="{_ANCHORS[s.anchor]}" dominant-baseline="central" '
        f'fill="{s.color}"{weight}>{escape(s.text)}</text>'
    )


def require_matplotlib(what: str) -> Any:
    """``matplotlib``, or an ImportError that says how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            f"{what} needs matplotlib, an optional dependency of paralens; install it with "
            f"`{PLOT_EXTRA}` (or `pip install matplotlib`)"
        ) from None
    return matplotlib


def to_png(drawing: Drawing, path: str | Path, scale: float = 2.0) -> None:
    """Render the drawing with matplotlib's Agg backend and write it as PNG to ``path``.

    One drawing pixel is one hundredth of an inch; ``scale`` multiplies the resolution.
    """
    require_matplotlib("saving a diagram as PNG")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(drawing.width / 100, drawing.height / 100), dpi=100 * scale)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, drawing.width)
    ax.set_ylim(drawing.height, 0)
    ax.set_axis_off()
    for shape in drawing.shapes:
        _paint(ax, shape)
    figure.savefig(str(path), format="png", facecolor="white")


_PT = 0.72  # matplotlib points per drawing pixel


def _paint(ax: Any, s: Shape) -> None:
    """Draw one shape on matplotlib axes, as ``to_svg`` draws it."""
    from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

    if isinstance(s, Rect):
        outline: dict[str, Any] = {
            "facecolor": s.fill,
            "edgecolor": s.stroke,
            "linewidth": s.width * _PT,
            "linestyle": "--" if s.dashed else "-",
        }
        if s.radius > 0:
            rounding = f"round,pad=0,rounding_size={s.radius}"
            ax.add_patch(FancyBboxPatch((s.x, s.y), s.w, s.h, boxstyle=rounding, **outline))
        else:
            ax.add_patch(Rectangle((s.x, s.y), s.w, s.h, **outline))
    elif isinstance(s, Line):
        _paint_line(ax, s)
    elif isinstance(s, Dot):
        fill = s.fill if s.fill != "none" else "white"
        ax.add_patch(
            Circle((s.x, s.y), s.r, facecolor=fill, edgecolor=s.stroke, linewidth=1.5 * _PT)
        )
    else:
        ax.text(
            s.x,
            s.y,
            s.text,
            fontsize=s.size * _PT,
            fontfamily=FONT,
            ha={"start": "left", "middle": "center", "end": "right"}[s.anchor],
            va="center_baseline",
            color=s.color,
            fontweight="bold" if s.bold else "normal",
        )


def _paint_line(ax: Any, s: Line) -> None:
    xs = [p[0] for p in s.points]
    ys = [p[1] for p in s.points]
    style = "--" if s.dashed else "-"
    ax.plot(xs, ys, color=s.stroke, linewidth=s.width * _PT, linestyle=style)
    if s.arrow and len(s.points) >= 2:
        head = {
            "arrowstyle": "-|>,head_length=0.5,head_width=0.25",
            "color": s.stroke,
            "linewidth": s.width * _PT,
            "shrinkA": 0,
            "shrinkB": 0,
        }
        ax.annotate("", xy=s.points[-1], xytext=s.points[-2], arrowprops=head)
