"""The public drawing functions: diagrams, trace graphs and training curves."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from paralens.nn._shapes import as_shape
from paralens.viz._diagram import diagram_drawing
from paralens.viz._draw import require_matplotlib, to_png, to_svg
from paralens.viz._trace_graph import trace_drawing

__all__ = ["diagram", "save", "trace_graph", "training_curves"]


def diagram(thing: Any, *, per_line: int = 5, input_shape: Any = None) -> str:
    """The string diagram of a model, learner or arrow, as SVG text.

    Boxes are layers, named, with their input and output sizes where the layers declare
    them; wires are data, read left to right, labelled with the shapes that flow along them
    (the size of the last axis where that is all the layers say, as for dense layers). Each box's parameters enter it from above,
    labelled with where they sit in the composite's parameters (``p[0]``, ``p[1]``...);
    stateful layers have a state wire looping back; learners show their request wires
    flowing back under the data; an arrow's ``&`` and ``*`` stack their parts.

    Args:
        thing: a ``paralens.nn.Model`` or ``ModelS``, a ``paralens.learn.Learner`` or a
            ``paralens.cat.Arrow``.
        per_line: the most parts of a sequential composition drawn on one line before the
            chain wraps onto the next.
        input_shape: for a model, the shape of its input, such as ``("batch", 784)``
            (default: the one its first layer declares), from which the wires' shapes
            follow.

    Returns:
        A standalone SVG document.

    Raises:
        TypeError: ``thing`` is none of the above.
        ValueError: ``input_shape`` is not a shape.

    Examples:
        >>> from paralens import nn, viz
        >>> svg = viz.diagram(nn.linear(784, 300) >> nn.logistic_layer(300, 10))
        >>> svg.startswith("<svg"), "linear(784, 300)" in svg, "p[1]" in svg
        (True, True, True)
        >>> viz.diagram("a model")
        Traceback (most recent call last):
        ...
        TypeError: viz.diagram draws a paralens.nn.Model or ModelS, a paralens.learn.Learner or a paralens.cat.Arrow, got str; build the thing to draw from those (e.g. nn.linear(2, 1))
    """  # noqa: E501
    return to_svg(diagram_drawing(thing, per_line, _input_shape(input_shape)))


def _input_shape(shape: Any) -> Any:
    return None if shape is None else as_shape(shape, "viz.diagram")


def save(
    thing: Any, path: str | os.PathLike[str], *, per_line: int = 5, input_shape: Any = None
) -> Path:
    """Write the diagram of ``thing`` to ``path``: SVG for ``.svg``, PNG for ``.png``.

    PNG is drawn with matplotlib, an optional dependency (``pip install paralens[plot]``).

    Args:
        thing: what ``diagram`` draws.
        path: the file to write; its suffix chooses the format.
        per_line: as for ``diagram``.
        input_shape: as for ``diagram``.

    Returns:
        The path written.

    Raises:
        ValueError: the suffix is neither ``.svg`` nor ``.png``.
        ImportError: a PNG was asked for and matplotlib is missing.

    Examples:
        >>> import tempfile, pathlib
        >>> from paralens import cat, viz
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> viz.save(cat.sin >> cat.cos, folder / "f.svg").read_text()[:4]
        '<svg'
        >>> viz.save(cat.sin, folder / "f.pdf")
        Traceback (most recent call last):
        ...
        ValueError: viz.save writes .svg or .png files, got 'f.pdf'; name the file e.g. 'f.svg'
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise ValueError(
            f"viz.save writes .svg or .png files, got {target.name!r}; name the file e.g. "
            f"{target.stem + '.svg'!r}"
        )
    drawing = diagram_drawing(thing, per_line, _input_shape(input_shape))
    if suffix == ".svg":
        target.write_text(to_svg(drawing), encoding="utf-8")
    else:
        to_png(drawing, target)
    return target


def trace_graph(
    f: Callable[..., Any],
    *args: Any,
    path: str | os.PathLike[str] | None = None,
    per_line: int = 12,
) -> str:
    """The computational graph that reverse mode records for one call ``f(*args)``, as SVG.

    One node per primitive application (named after the primitive, with the shape of its
    result), an edge from each traced argument's node; the inputs (one per float leaf of
    the arguments, named after the parameter and the path to the leaf) are green and the
    outputs outlined in red.

    Args:
        f: the function, written with ``paralens.numpy`` as for ``grad``.
        *args: the arguments of the call to record; every float leaf is traced.
        path: also write the picture there (``.svg``, or ``.png`` through matplotlib).
        per_line: the most columns of nodes on one line; a longer graph wraps.

    Returns:
        A standalone SVG document.

    Examples:
        >>> import numpy as np
        >>> import paralens.numpy as pnp
        >>> from paralens import viz
        >>> svg = viz.trace_graph(lambda x, w: pnp.tanh(x @ w).sum(), np.ones(3), np.ones((3, 2)))
        >>> [name in svg for name in ("matmul", "tanh", "sum")]
        [True, True, True]
    """
    drawing = trace_drawing(f, *args, per_line=max(per_line, 1))
    if path is not None:
        target = Path(path)
        if target.suffix.lower() == ".png":
            to_png(drawing, target)
        else:
            target.write_text(to_svg(drawing), encoding="utf-8")
    return to_svg(drawing)


def training_curves(
    history: Sequence[Mapping[str, float]], path: str | os.PathLike[str] | None = None
) -> bytes:
    """Loss and evaluation metrics per epoch, drawn with matplotlib, as PNG bytes.

    The left panel shows the training loss (and ``eval_loss``), on a log scale when it
    spans more than a factor of ten; the right panel every other ``eval_<metric>`` (such as
    the ``eval_accuracy`` that ``fit`` records).

    Args:
        history: one mapping per epoch, as ``paralens.learn.fit`` returns; each has a
            ``loss`` and may have ``epoch`` and ``eval_*`` entries.
        path: also write the PNG there.

    Returns:
        The PNG file's bytes.

    Raises:
        ImportError: matplotlib is missing (``pip install paralens[plot]``).
        ValueError: ``history`` is empty or a record has no ``loss``.

    Examples:
        >>> from paralens import viz
        >>> history = [{"epoch": 1, "loss": 0.9, "eval_accuracy": 0.7},
        ...            {"epoch": 2, "loss": 0.4, "eval_accuracy": 0.8}]
        >>> viz.training_curves(history)[:8]
        b'\\x89PNG\\r\\n\\x1a\\n'
    """
    if not history:
        raise ValueError("training_curves needs at least one epoch record, got an empty history")
    for i, record in enumerate(history):
        if "loss" not in record:
            raise ValueError(
                f"history[{i}] has no 'loss' entry (it has {sorted(record)}); pass the history "
                f"that paralens.learn.fit returns, one dict per epoch"
            )
    require_matplotlib("viz.training_curves")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    epochs = [float(r.get("epoch", i + 1)) for i, r in enumerate(history)]
    metrics = sorted({k for r in history for k in r if k.startswith("eval_") and k != "eval_loss"})
    figure = Figure(figsize=(10.0 if metrics else 5.5, 4.0), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, 2 if metrics else 1, squeeze=False)[0]
    losses = axes[0]
    for key, label in (("loss", "training loss"), ("eval_loss", "evaluation loss")):
        points = [(e, r[key]) for e, r in zip(epochs, history, strict=True) if key in r]
        if points:
            losses.plot(*zip(*points, strict=True), marker="o", markersize=3, label=label)
    values = [float(r["loss"]) for r in history]
    if min(values) > 0 and max(values) > 10 * min(values):
        losses.set_yscale("log")
    losses.set_xlabel("epoch")
    losses.set_ylabel("loss")
    losses.grid(alpha=0.3)
    losses.legend()
    if metrics:
        panel = axes[1]
        for key in metrics:
            points = [(e, r[key]) for e, r in zip(epochs, history, strict=True) if key in r]
            panel.plot(*zip(*points, strict=True), marker="o", markersize=3, label=key[5:])
        panel.set_xlabel("epoch")
        panel.set_ylabel("evaluation metric")
        panel.grid(alpha=0.3)
        panel.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    data = buffer.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data
