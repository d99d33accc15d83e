"""``summary``: a model's layers as a table, each parameter with its path, shape and size."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from paralens import tree
from paralens.nn._base import ModelBase

__all__ = ["Summary", "summary"]


class Summary(str):
    """The text of a ``summary``; the interpreter shows it as the table it is.

    Examples:
        >>> Summary("a  b\\nc  d")
        a  b
        c  d
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


class _Entry(NamedTuple):
    """One parameter array (or scalar): where it sits, its shape and its size."""

    path: str
    shape: str
    size: int


def summary(model: ModelBase[Any], params: Any) -> Summary:
    """A table of ``model``'s layers: each parameter's path, shape and size, and the total.

    One row per parameter array (or scalar), under the layer it belongs to, in the order
    the model applies them; a layer without parameters (``nn.fn``) has a row of its own. A
    combinator's own parameters, such as the initial state ``train_state`` learns, are
    rows too.

    Args:
        model: a ``Model`` or ``ModelS``.
        params: its parameters, such as ``model.init(key)`` or trained ones.

    Returns:
        The table as a string (``print`` it; the interpreter shows it as it is).

    Raises:
        ValueError: ``params`` are not the model's (as ``model.check_params`` says).

    Examples:
        >>> import paralens.numpy as pnp
        >>> from paralens import nn
        >>> net = nn.mlp([4, 8, 3]) >> nn.fn(pnp.tanh)
        >>> nn.summary(net, net.init(0))
        layer             parameter       shape   size
        tanh_layer(4, 8)  params[0][0].w  (4, 8)    32
                          params[0][0].b  (8,)       8
        linear(8, 3)      params[0][1].w  (8, 3)    24
                          params[0][1].b  (3,)       3
        tanh              -               -          0
        total                                       67
    """
    model.check_params(params)
    table = [("layer", "parameter", "shape", "size")]
    total = 0
    for layer, entries in _layers(model, params, "params"):
        for i, entry in enumerate(entries or [_Entry("-", "-", 0)]):
            table.append((layer if i == 0 else "", entry.path, entry.shape, str(entry.size)))
            total += entry.size
    table.append(("total", "", "", str(total)))
    widths = [max(len(line[i]) for line in table) for i in range(4)]
    return Summary("\n".join(_line(cells, widths) for cells in table))


def _line(cells: tuple[str, str, str, str], widths: list[int]) -> str:
    """One line of the table: the words left-aligned, the size right-aligned."""
    words = [cell.ljust(width) for cell, width in zip(cells[:3], widths[:3], strict=True)]
    return "  ".join([*words, cells[3].rjust(widths[3])]).rstrip()


def _layers(m: ModelBase[Any], params: Any, path: str) -> Iterator[tuple[str, list[_Entry]]]:
    """Each layer of ``m`` (and each own part of a combinator) with its parameter entries,
    read from the structure, ``params`` sitting at ``path``."""
    for part in m.combinator.params.parts(m):
        value = params if part.index is None else params[part.index]
        where = path if part.index is None else f"{path}[{part.index}]"
        if part.child is not None:
            yield from _layers(part.child, value, where)
            continue
        leaves = tree.tree_leaves_with_path(value, prefix=where)
        entries = [
            _Entry(leaf_path, str(np.shape(leaf)), math.prod(np.shape(leaf)))
            for leaf_path, leaf in leaves
        ]
        yield (f"{m.kind} {part.label}" if part.label else m.name), entries
