"""``nn.einsum``: a layer whose weights and contraction are written in Einstein notation.

``nn.einsum("b i, i o -> b o", i=3, o=4)`` is a dense layer without bias: the first
operand is the input, the others are weights, and the sizes of the weights' axes are given
by name. Axis names are words separated by spaces (``"batch time features"``), and
``...`` in the input and the output stands for any leading axes. The spec is checked when
the layer is made, and its shapes are the layer's type: the input's pattern names its
axes, with sizes where the weights fix them, so ``init`` finds a layer before it that
gives another shape.

Examples:
    >>> import numpy as np
    >>> from paralens import nn
    >>> bilinear = nn.einsum("... i, i j o, ... j -> ... o", i=3, j=3, o=2)
    Traceback (most recent call last):
    ...
    ValueError: nn.einsum('... i, i j o, ... j -> ... o'): only the first operand is the input; a weight cannot have '...' (operand 3 has)
    >>> layer = nn.einsum("... t i, i o -> ... t o", i=3, o=4)
    >>> layer.shape_of(("batch", 7, 3)), len(layer.init(0))
    (('batch', 7, 4), 1)
"""  # noqa: E501

from __future__ import annotations

import math
import string

import numpy as np

import paralens.numpy as pnp
from paralens.nn._layers import Array
from paralens.nn._model import Model
from paralens.nn._shapes import Dim, LayerShape, Shape, ShapeMismatch, show

__all__ = ["einsum"]


def _parse(spec: str, where: str) -> tuple[list[list[str]], list[str]]:
    """The operands' axis names and the output's, checked for form."""
    if not isinstance(spec, str) or spec.count("->") != 1:
        raise ValueError(
            f"{where}: a spec is 'input axes, weight axes, ... -> output axes' with one '->', "
            f"such as 'b i, i o -> b o'"
        )
    left, right = spec.split("->")
    operands = [part.split() for part in left.split(",")]
    output = right.split()
    if len(operands) < 2:
        raise ValueError(
            f"{where}: a layer needs the input and at least one weight, as in 'b i, i o -> b o'"
        )
    for i, names in enumerate([*operands, output]):
        what = "the output" if i == len(operands) else f"operand {i + 1}"
        if not names and i < len(operands):
            raise ValueError(f"{where}: {what} names no axis")
        for name in names:
            if name != "..." and not name.isidentifier():
                raise ValueError(f"{where}: axis names are words or '...', {what} has {name!r}")
        if "..." in names[1:]:
            raise ValueError(f"{where}: '...' can only come first, {what} has it later")
        if i < len(operands) and len(set(names)) != len(names):
            raise ValueError(
                f"{where}: {what} repeats an axis ({' '.join(names)}); take a diagonal "
                f"with pnp.einsum instead"
            )
    for i, names in enumerate(operands[1:], start=2):
        if "..." in names:
            raise ValueError(
                f"{where}: only the first operand is the input; a weight cannot have '...' "
                f"(operand {i} has)"
            )
    if len(set(output)) != len(output):
        raise ValueError(f"{where}: the output repeats an axis ({' '.join(output)})")
    known = {name for names in operands for name in names}
    for name in output:
        if name not in known:
            raise ValueError(
                f"{where}: the output's axis {name!r} is in no operand ({left.strip()}); "
                f"every output axis must come from the input or a weight"
            )
    if ("..." in output) != ("..." in operands[0]):
        raise ValueError(f"{where}: '...' must be in both the input and the output, or in neither")
    return operands, output


def einsum(spec: str, **sizes: int) -> Model[tuple[Array, ...], Array, Array]:
    """A layer computing ``pnp.einsum(spec, x, *weights)``, its weights learned.

    Types: ``Model[tuple[Array, ...], Array, Array]``: the parameters are one array per
    weight operand, shaped by ``sizes`` and starting normal with variance 1 over the
    product of the sizes the weight shares with the input.

    Args:
        spec: ``"input axes, weight axes, ... -> output axes"``, axis names separated by
            spaces; ``...`` (in the input and the output) for any leading axes.
        **sizes: the size of every axis of the weights, by name (and of input axes, to fix
            them in the input's shape).

    Returns:
        The layer.

    Raises:
        ValueError: the spec is mistyped (the message says where), or a weight axis has no
            size, or a size names no axis of the spec.

    Examples:
        >>> import numpy as np
        >>> layer = einsum("b i, i o -> b o", i=2, o=3)
        >>> p = layer.init(0)
        >>> bool(np.allclose(layer.apply(p, np.ones((5, 2))), np.ones((5, 2)) @ p[0]))
        True
        >>> einsum("b i, i o -> b k", i=2, o=3)
        Traceback (most recent call last):
        ...
        ValueError: nn.einsum('b i, i o -> b k'): the output's axis 'k' is in no operand (b i, i o); every output axis must come from the input or a weight
    """  # noqa: E501
    where = f"nn.einsum({spec!r})"
    operands, output = _parse(spec, where)
    named = {name for names in operands for name in names}
    for name, size in sizes.items():
        if name not in named:
            raise ValueError(f"{where}: a size is given for {name!r}, which the spec does not name")
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
            raise ValueError(f"{where}: the size of {name!r} must be a positive int, got {size!r}")
    for names in operands[1:]:
        missing = [name for name in names if name not in sizes]
        if missing:
            given = ", ".join(f"{name}=..." for name in missing)
            raise ValueError(
                f"{where}: give the size of every weight axis: nn.einsum(spec, {given})"
            )
    letters = dict(zip(sorted(named - {"..."}), string.ascii_letters, strict=False))
    if len(letters) < len(named - {"..."}):
        raise ValueError(f"{where}: at most {len(string.ascii_letters)} axis names")

    def code(names: list[str]) -> str:
        return "".join("..." if n == "..." else letters[n] for n in names)

    numpy_spec = ",".join(code(names) for names in operands) + "->" + code(output)
    input_names = operands[0]
    shown = ", ".join(f"{k}={v}" for k, v in sizes.items())
    name = f"einsum({spec!r}" + (f", {shown}" if shown else "") + ")"
    weight_shapes = [tuple(int(sizes[n]) for n in names) for names in operands[1:]]
    fans = [
        math.prod(int(sizes.get(n, 1)) for n in names if n in input_names) or 1
        for names in operands[1:]
    ]

    def init(rng: np.random.Generator) -> tuple[Array, ...]:
        return tuple(
            rng.normal(0.0, 1.0 / math.sqrt(fan), shape)
            for fan, shape in zip(fans, weight_shapes, strict=True)
        )

    takes: Shape = tuple(
        ... if n == "..." else int(sizes[n]) if n in sizes else n for n in input_names
    )

    def gives(shape: Shape) -> Shape:
        bound: dict[str, Dim] = {n: int(v) for n, v in sizes.items()}
        explicit = [n for n in input_names if n != "..."]
        lead = shape[: len(shape) - len(explicit)]
        for n, d in zip(explicit, shape[len(shape) - len(explicit) :], strict=True):
            if isinstance(d, int) and isinstance(bound.get(n), int) and bound[n] != d:
                raise ShapeMismatch(f"axis {n!r} has size {d}, not {bound[n]}")
            bound.setdefault(n, d)  # type: ignore[arg-type]
        return tuple(d for n in output for d in (lead if n == "..." else (bound[n],)))

    def apply(p: tuple[Array, ...], x: Array) -> Array:
        x_shape = tuple(pnp.shape(x))
        explicit = [n for n in input_names if n != "..."]
        rank_ok = (
            len(x_shape) >= len(explicit) if "..." in input_names else len(x_shape) == len(explicit)
        )
        fixed = [
            (n, d)
            for n, d in zip(explicit, x_shape[len(x_shape) - len(explicit) :], strict=False)
            if n in sizes and sizes[n] != d
        ]
        if not rank_ok or fixed:
            raise ValueError(
                f"{name} takes inputs ({' '.join(input_names)}) of shape {show(takes)}, got an "
                f"input of shape {x_shape}"
            )
        y: Array = pnp.einsum(numpy_spec, x, *p)
        return y

    return Model(apply, init, name=name, shapes=LayerShape(takes, gives))
