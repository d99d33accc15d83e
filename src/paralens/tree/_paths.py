"""Paths to the parts of a value: naming them, and replacing the part a function selects.

The walks keep stacks of their own, so they work at any depth; ``child_keys`` (from the
core) is the one place a path is spelt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from paralens._core import _vspace
from paralens._core._vspace import replace_child
from paralens._core._walk import KEEP, child_keys, rebuild

T = TypeVar("T")


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
    out: list[tuple[str, Any]] = []
    stack = [(prefix, x)]
    while stack:
        path, v = stack.pop()
        node = None if is_leaf is not None and is_leaf(v) else _vspace.node_def(v)
        if node is None:
            if _vspace.lookup(type(v)) is None and not (is_leaf is not None and is_leaf(v)):
                raise _vspace.unregistered(v)
            out.append((path, v))
            continue
        children = node.flatten(v)[0]
        pairs = list(zip(child_keys(v), children, strict=True))
        stack.extend((path + key, child) for key, child in reversed(pairs))
    return out


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


def _mark(x: Any) -> Any:
    """``x`` with every leaf (and every empty container) replaced by its own ``_Marker``."""

    def stop(v: Any, there: tuple[Any, ...]) -> Any:
        node = _vspace.node_def(v)
        return _Marker([]) if node is None or not node.flatten(v)[0] else KEEP

    marked = rebuild(x, lambda space, v, there: _Marker([]), stop=stop)
    _number(marked)
    return marked


def _number(marked: Any) -> None:
    """Give each ``_Marker`` in ``marked`` the child positions that lead to it."""
    stack: list[tuple[Any, list[int]]] = [(marked, [])]
    while stack:
        v, path = stack.pop()
        if isinstance(v, _Marker):
            v.path = path
            continue
        node = _vspace.node_def(v)
        assert node is not None
        for i, child in enumerate(node.flatten(v)[0]):
            stack.append((child, [*path, i]))


def _find_path(where: Callable[[Any], Any], x: Any) -> list[int]:
    """The child positions that lead from ``x`` to the part ``where`` selects."""
    # Parts are told apart on a marked copy, not by identity in ``x`` itself: equal
    # leaves may be one object (a cached float, a shared array, None).
    try:
        marked = _mark(x)
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
    stack: list[tuple[Any, list[int]]] = [(x, [])]
    while stack:
        v, path = stack.pop()
        if v is target:
            return path
        node = _vspace.node_def(v)
        if node is not None:
            children = node.flatten(v)[0]
            stack.extend((c, [*path, i]) for i, c in reversed(list(enumerate(children))))
    return None


def _replace_at(x: Any, path: list[int], replace: Any) -> Any:
    # Down the path, keeping each container, then back up replacing one child at a time.
    containers = []
    for i in path:
        node = _vspace.node_def(x)
        assert node is not None
        containers.append(x)
        x = node.flatten(x)[0][i]
    new = replace
    for container, i in zip(reversed(containers), reversed(path), strict=True):
        new = replace_child(container, i, new)
    return new
