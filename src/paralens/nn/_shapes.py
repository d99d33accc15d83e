"""Shapes as part of a model's type: what each layer takes and gives, with named axes.

A *shape* is a tuple of axes. An axis is an int (its size) or a str (a named, symbolic
axis: ``"batch"``, ``"time"``, ``"h"``); a shape may start with ``...``, any number of
leading axes (a batch, or none). A layer declares a ``LayerShape``: the pattern of the
inputs it takes (``(..., 3)`` for ``linear(3, 4)``, ``(..., "h", "w", 1)`` for a
convolution of one input channel) and a rule for the shape it gives. Two axes disagree
only when both are sizes and the sizes differ; a name stands for a size not known yet.

Composition propagates shapes: ``model.shape_of(input_shape)`` runs the shape rules along
the composition tree (``nn._structure`` says how each combinator passes shapes to its
children), and ``init`` does the same from the first layer's declared input, before any
parameter is made, reporting the first layer whose input disagrees with both layers'
names and both shapes. The size checks of the last axis (``in_size``, ``out_size``) are
the special case of the patterns ``(..., n)``.

Examples:
    >>> show((..., 28, 28, 1)), show(("batch", "time", 8))
    ('(..., 28, 28, 1)', '(batch, time, 8)')
    >>> unify((..., "h", "w", 1), (64, 28, 28, 1))
    (64, 28, 28, 1)
    >>> unify((..., 3), (..., 4))
    Traceback (most recent call last):
    ...
    paralens.nn._shapes.ShapeMismatch: axis -1 has size 4, not 3
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import EllipsisType
from typing import Any, NamedTuple

__all__ = [
    "ANY",
    "INPUT",
    "SAME_SHAPE",
    "UNKNOWN_SHAPE",
    "Dim",
    "Flow",
    "LayerMismatch",
    "LayerShape",
    "Shape",
    "ShapeMismatch",
    "as_shape",
    "dim_text",
    "is_last_axis_only",
    "last_axis_shape",
    "mismatch_error",
    "show",
    "unify",
]

Dim = int | str
"""One axis: its size, or a name for a size not fixed (``"batch"``, ``"h"``)."""
Shape = tuple[Dim | EllipsisType, ...]
"""A tuple of axes, the first of which may be ``...`` (any number of leading axes)."""


class ShapeMismatch(Exception):
    """An input that does not fit a layer's pattern or rule; the message says why."""


class LayerMismatch(Exception):
    """The input ``flow`` does not fit ``layer``, which expects ``expected``: raised while
    shapes propagate, and turned into a ``ValueError`` naming both layers and both shapes
    (``mismatch_error``) by the composition in which the two layers meet."""

    def __init__(self, layer: str, expected: Shape, flow: Flow, why: str) -> None:
        super().__init__(layer, expected, flow, why)
        self.layer, self.expected, self.flow, self.why = layer, expected, flow, why


def as_shape(shape: Any, where: str) -> Shape:
    """``shape`` checked as a shape: ints >= 0, names, and ``...`` only first.

    Examples:
        >>> as_shape([64, 784], "shape_of")
        (64, 784)
        >>> as_shape((3, ...), "shape_of")
        Traceback (most recent call last):
        ...
        ValueError: shape_of: a shape is a tuple of sizes (ints), names (strs) and at most one ... at the start, got (3, Ellipsis)
    """  # noqa: E501
    axes = tuple(shape) if isinstance(shape, Sequence) and not isinstance(shape, str) else None
    good = axes is not None and all(
        (isinstance(a, int) and not isinstance(a, bool) and a >= 0)
        or (isinstance(a, str) and a)
        or (a is Ellipsis and i == 0)
        for i, a in enumerate(axes)
    )
    if not good or axes is None:
        raise ValueError(
            f"{where}: a shape is a tuple of sizes (ints), names (strs) and at most one ... "
            f"at the start, got {shape!r}"
        )
    return axes


def dim_text(d: Dim | EllipsisType) -> str:
    return "..." if d is Ellipsis else str(d)


def show(shape: Shape | None) -> str:
    """A shape as messages and pictures write it: ``(..., 28, 28, 1)``."""
    if shape is None:
        return "(unknown)"
    inner = ", ".join(dim_text(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 and shape[0] is not Ellipsis else f"({inner})"


def _split(shape: Shape) -> tuple[bool, tuple[Dim, ...]]:
    if shape and shape[0] is Ellipsis:
        return True, tuple(d for d in shape[1:] if not isinstance(d, EllipsisType))
    return False, tuple(d for d in shape if not isinstance(d, EllipsisType))


def _unify_dim(expected: Dim, got: Dim, axis: int) -> Dim:
    if isinstance(expected, int) and isinstance(got, int) and expected != got:
        raise ShapeMismatch(f"axis {axis} has size {got}, not {expected}")
    return got if isinstance(got, int) else expected if isinstance(expected, int) else got


def unify(pattern: Shape, shape: Shape) -> Shape:
    """``shape`` matched against ``pattern``: the shape, with sizes filled in from the
    pattern where it names them; raises ``ShapeMismatch`` where they disagree."""
    open_p, dims_p = _split(pattern)
    open_s, dims_s = _split(shape)
    if not open_p and not open_s and len(dims_p) != len(dims_s):
        raise ShapeMismatch(f"it has {len(dims_s)} axes, not {len(dims_p)}")
    if open_p and not open_s and len(dims_s) < len(dims_p):
        raise ShapeMismatch(f"it has {len(dims_s)} axes, fewer than {len(dims_p)}")
    if open_s and not open_p and len(dims_s) > len(dims_p):
        raise ShapeMismatch(f"it has at least {len(dims_s)} axes, more than {len(dims_p)}")
    n = min(len(dims_p), len(dims_s))
    tail = tuple(
        _unify_dim(p, s, i - n)
        for i, (p, s) in enumerate(
            zip(dims_p[len(dims_p) - n :], dims_s[len(dims_s) - n :], strict=True)
        )
    )
    if len(dims_s) >= len(dims_p):
        head: Shape = (*((...,) if open_s else ()), *dims_s[: len(dims_s) - n])
    else:
        head = (*((...,) if open_p and open_s else ()), *dims_p[: len(dims_p) - n])
    return (*head, *tail)


def is_last_axis_only(shape: Shape | None) -> bool:
    """Whether ``shape`` says only the size of its last axis: ``(..., n)``."""
    return shape is not None and len(shape) == 2 and shape[0] is Ellipsis


def last_axis_shape(shape: Shape, size: int) -> Shape:
    """``shape`` with its last axis of ``size`` (a layer acting on the last axis)."""
    return (*shape[:-1], size) if shape and shape[-1] is not Ellipsis else (*shape, size)


@dataclass(frozen=True)
class LayerShape:
    """What a layer takes and gives: the pattern of its inputs and the rule of its outputs.

    Attributes:
        takes: the inputs' pattern; ``(...,)`` takes any shape.
        gives: the output's shape from the input's (matched against ``takes``; ``(...,)``
            where the layer cannot say); it raises ``ShapeMismatch`` for inputs its rule
            refuses beyond the pattern (a window larger than its axis).
        preserves: the output has the input's shape (so, as messages say, the layer that
            made the shape is still the one before it).
    """

    takes: Shape
    gives: Callable[[Shape], Shape]
    preserves: bool = False

    def flow(self, layer: str, given: Flow) -> Flow:
        """The flow out of ``layer`` for the flow ``given`` into it.

        Raises:
            LayerMismatch: the input does not fit.
        """
        try:
            shape = unify(self.takes, given.shape)
            out = self.gives(shape)
        except ShapeMismatch as e:
            raise LayerMismatch(layer, self.takes, given, str(e)) from None
        return Flow(out, given.source if self.preserves else layer)

    @staticmethod
    def of_sizes(in_size: int | None, out_size: int | None) -> LayerShape:
        """A layer of the last axis: ``(..., in_size)`` to ``(..., out_size)`` (either
        unknown where ``None``).

        Examples:
            >>> LayerShape.of_sizes(3, 4).gives((64, 3))
            (64, 4)
        """
        takes: Shape = ANY if in_size is None else (..., in_size)
        if out_size is None:
            return LayerShape(takes, _unknown)
        size = out_size
        return LayerShape(takes, lambda s: last_axis_shape(s, size))


ANY: Shape = (...,)
"""The shape of which nothing is known: any number of axes of any sizes."""
INPUT = "the input"
"""The source of the flow into a whole model."""


def _unknown(shape: Shape) -> Shape:
    return ANY


def _same(shape: Shape) -> Shape:
    return shape


SAME_SHAPE = LayerShape(ANY, _same, preserves=True)
"""An elementwise function's: any shape, given back as it came."""
UNKNOWN_SHAPE = LayerShape(ANY, _unknown)
"""A function that says nothing of its shapes."""


class Flow(NamedTuple):
    """What flows along a wire while shapes are checked: the shape (``(...,)`` where
    unknown) and the layer that gave it (or ``"the input"``)."""

    shape: Shape
    source: str


def mismatch_error(where: str, e: LayerMismatch) -> ValueError:
    """The error for ``e`` found in the composition ``where``: both layers, both shapes.

    The last-axis special case keeps the words of the size checks.

    Examples:
        >>> e = LayerMismatch("linear(4, 1)", (..., 4), Flow((..., 3), "linear(2, 3)"), "")
        >>> print(mismatch_error("net", e))
        size mismatch in 'net': layer 'linear(2, 3)' gives outputs of size 3, but the next layer 'linear(4, 1)' expects inputs of size 4. Make them agree: the output size of 'linear(2, 3)' must equal the input size of 'linear(4, 1)'.
    """  # noqa: E501
    got, source = e.flow
    why = f" ({e.why})" if e.why else ""
    if source == INPUT:
        return ValueError(
            f"shape mismatch in {where!r}: the input has shape {show(got)}, but layer "
            f"{e.layer!r} expects inputs of shape {show(e.expected)}{why}. Give an input of "
            f"that shape, or put a layer before it that makes one (nn.reshape, nn.flatten)."
        )
    if is_last_axis_only(got) and is_last_axis_only(e.expected):
        n_out, n_in = got[-1], e.expected[-1]
        return ValueError(
            f"size mismatch in {where!r}: layer {source!r} gives outputs of size {n_out}, "
            f"but the next layer {e.layer!r} expects inputs of size {n_in}. Make them "
            f"agree: the output size of {source!r} must equal the input size of {e.layer!r}."
        )
    return ValueError(
        f"shape mismatch in {where!r}: layer {source!r} gives outputs of shape {show(got)}, "
        f"but the next layer {e.layer!r} expects inputs of shape {show(e.expected)}{why}. "
        f"Make them agree: change the output of {source!r} or the input {e.layer!r} takes."
    )
