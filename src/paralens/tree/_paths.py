"""Paths to the parts of a value: naming them, and replacing the part a function selects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from paralens._core import _vspace
from paralens._core._fields import field_names
from paralens._core._vspace import replace_child

T = TypeVar("T")


def child_keys(x: Any) -> list[str]:
    """How each child of the container ``x`` is reached from it, as Python spells it.

    ``.name`` for a dataclass or NamedTuple field, ``['key']`` for a dict entry, ``[i]``
    for anything else; an empty list for a leaf. This is the one place paths are named:
    error messages, checkpoints and pictures all use it.

    Examples:
        >>> from typing import NamedTuple
        >>> class Pair(NamedTuple):
        ...     w: float
        ...     b: float
        >>> child_keys({"w": 1.0, 2: 3.0}), child_keys(Pair(1.0, 2.0)), child_keys((1.0,))
        (["['w']", '[2]'], ['.w', '.b'], ['[0]'])
        >>> child_keys(1.0)
        []
    """
    node = _vspace.node_def(x)
    if node is None:
        return []
    children, _ = node.flatten(x)
    if isinstance(x, dict):
        keys = [f"[{k!r}]" for k in x]
    else:
        keys = [f".{name}" for name in field_names(x)]
    if len(keys) != len(children):
        keys = [f"[{i}]" for i in range(len(children))]
    return keys


def tree_leaves_with_path(
    x: Any, is_leaf: Callable[[Any], bool] | None = None, prefix: str = ""
) -> list[tuple[str, Any]]:
    """Each leaf of ``x`` with the path that reaches it (see ``child_keys``), left to right.

    Args:
        x: any registered value.
        is_leaf: optional predicate; values for which it is true are kept whole as leaves.
        prefix: prepended to every path (``"params"`` gives ``"params[0].w"``).

    Examples:
        >>> tree_leaves_with_path({"layer": [1.0, 2.0], "n": None}, prefix="p")
        [("p['layer'][0]", 1.0), ("p['layer'][1]", 2.0)]
    """
    if (is_leaf is not None and is_leaf(x)) or _vspace.node_def(x) is None:
        if _vspace.lookup(type(x)) is None and not (is_leaf is not None and is_leaf(x)):
            raise _vspace.unregistered(x)
        return [(prefix, x)]
    node = _vspace.node_def(x)
    assert node is not None
    children = node.flatten(x)[0]
    return [
        item
        for key, child in zip(child_keys(x), children, strict=True)
        for item in tree_leaves_with_path(child, is_leaf, prefix + key)
    ]


def tree_at(where: Callable[[T], Any], x: T, replace: Any) -> T:
    """A copy of ``x`` with the part that ``where`` selects replaced by ``replace``.

    ``where`` is a function from ``x`` to one of its parts, such as ``lambda p: p.w`` or
    ``lambda p: p[0]["bias"]``. ``x`` itself is left unchanged.

    Raises:
        ValueError: ``where`` does not select a part of ``x``.

    Examples:
        >>> tree_at(lambda p: p[1]["b"], (1.0, {"b": 2.0}), 7.0)
        (1.0, {'b': 7.0})
    """
    path = _find_path(where, x)
    return _replace_at(x, path, replace)  # type: ignore[no-any-return]


class _Marker:
    """Stands in for one part of a value, so that ``where`` reveals which part it selects."""

    __slots__ = ("path",)

    def __init__(self, path: list[int]) -> None:
        self.path = path


def _mark(x: Any, path: list[int]) -> Any:
    """``x`` with every leaf (and every empty container) replaced by its own ``_Marker``."""
    node = _vspace.node_def(x)
    if node is None:
        return _Marker(path)
    children, aux = node.flatten(x)
    if not children:
        return _Marker(path)
    return node.unflatten(aux, [_mark(c, [*path, i]) for i, c in enumerate(children)])


def _find_path(where: Callable[[Any], Any], x: Any) -> list[int]:
    """The child positions that lead from ``x`` to the part ``where`` selects."""
    # Parts are told apart on a marked copy, not by identity in ``x`` itself: equal
    # leaves may be one object (a cached float, a shared array, None).
    try:
        marked = _mark(x, [])
        target = where(marked)
    except Exception:
        # `where` needs the real values (it branches on them); fall back to identity.
        marked, target = x, where(x)
    path = target.path if isinstance(target, _Marker) else _search(marked, target)
    if path is None:
        raise ValueError(
            "tree_at: `where` must return a part of the value it is given (e.g. "
            "`lambda p: p.w`); it returned something not found inside the value"
        )
    return path


def _search(x: Any, target: Any) -> list[int] | None:
    if x is target:
        return []
    node = _vspace.node_def(x)
    if node is None:
        return None
    for i, child in enumerate(node.flatten(x)[0]):
        sub = _search(child, target)
        if sub is not None:
            return [i, *sub]
    return None


def _replace_at(x: Any, path: list[int], replace: Any) -> Any:
    if not path:
        return replace
    node = _vspace.node_def(x)
    assert node is not None
    child = node.flatten(x)[0][path[0]]
    return replace_child(x, path[0], _replace_at(child, path[1:], replace))
