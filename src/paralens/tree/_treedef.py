"""Flattening a value to its leaves and its structure (``TreeDef``), and mapping over leaves."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from typing import Any

from paralens._core import _vspace
from paralens._core._fields import STATIC


class TreeDef:
    """The shape of a structure with its leaves taken out; ``unflatten`` puts them back.

    Two values have equal ``TreeDef``s when they have the same containers (types, keys,
    field names) in the same places. A ``TreeDef`` is flat: its containers in preorder,
    each with its aux data and its number of children, so that comparing, hashing and
    rebuilding take no recursion, whatever the depth.

    Examples:
        >>> treedef = tree_structure({"w": 1.0, "b": (2.0, None)})
        >>> treedef, treedef.num_leaves
        (dict(*, tuple(*, NoneType())), 2)
        >>> treedef.unflatten([10.0, 20.0])
        {'w': 10.0, 'b': (20.0, None)}
    """

    __slots__ = ("_hash", "_nodes")

    def __init__(self, nodes: tuple[tuple[type | None, Hashable, int], ...]) -> None:
        self._nodes = nodes
        try:
            self._hash = hash(nodes)
        except TypeError:
            for kind, aux, _ in nodes:
                try:
                    hash(aux)
                except TypeError:
                    name = kind.__name__ if kind is not None else "leaf"
                    raise TypeError(
                        f"the structure of a {name} holds an unhashable value {aux!r}: dict "
                        f"keys and static fields are part of a structure, and must be "
                        f"hashable (a tuple, not a list)"
                    ) from None
            raise

    @property
    def num_leaves(self) -> int:
        return sum(1 for kind, _, _ in self._nodes if kind is None)

    def unflatten(self, leaves: list[Any]) -> Any:
        """Rebuild a value of this structure from ``leaves``.

        Raises:
            ValueError: there are too many or too few leaves for the structure.
        """
        it = iter(leaves)
        # (node, aux, children still to come, children so far); a root holds the result.
        stack: list[tuple[Any, Hashable, int, list[Any]]] = [(None, None, 1, [])]
        for kind, aux, n in self._nodes:
            if kind is None:
                leaf = next(it, _END)
                if leaf is _END:
                    raise ValueError(f"too few leaves for a structure of {self.num_leaves}")
                stack[-1][3].append(leaf)
            else:
                node = _vspace.lookup(kind)
                assert isinstance(node, _vspace.NodeDef)
                stack.append((node, aux, n, []))
            while len(stack) > 1 and len(stack[-1][3]) == stack[-1][2]:
                node, aux, _, children = stack.pop()
                stack[-1][3].append(node.unflatten(aux, children))
        if next(it, _END) is not _END:
            raise ValueError(f"too many leaves for a structure of {self.num_leaves}")
        return stack[0][3][0]

    def first_difference(self, other: TreeDef) -> str | None:
        """The path to the first place where ``other`` has another container, or ``None``.

        Examples:
            >>> tree_structure({"a": (1.0, 2.0)}).first_difference(tree_structure({"a": 1.0}))
            "['a']: tuple(*, *) against *"
        """
        mine, theirs = self._nodes, other._nodes
        # The open containers: the path to each, its children's keys, the next child.
        levels: list[tuple[str, list[str], int]] = []
        path = ""
        for i in range(min(len(mine), len(theirs))):
            if mine[i] != theirs[i]:
                shown = f"{_text(mine, i)} against {_text(theirs, i)}"
                return f"{path or 'the root'}: {shown}"
            kind, aux, n = mine[i]
            if kind is not None and n:
                keys = _keys(kind, aux, n)
                levels.append((path, keys, 1))
                path += keys[0]
                continue
            while levels:  # a leaf or an empty container is done: on to the next sibling
                base, keys, following = levels[-1]
                if following < len(keys):
                    levels[-1] = (base, keys, following + 1)
                    path = base + keys[following]
                    break
                levels.pop()
        return None

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        return (
            isinstance(other, TreeDef) and self._hash == other._hash and self._nodes == other._nodes
        )

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return _text(self._nodes)


def _text(nodes: tuple[tuple[type | None, Hashable, int], ...], start: int = 0) -> str:
    """How the subtree that starts at preorder position ``start`` prints."""
    out = []
    remaining: list[int] = []  # the children still to print, at each open container
    i = start
    while True:
        kind, _, n = nodes[i]
        i += 1
        if kind is None:
            out.append("*")
        else:
            out.append(f"{kind.__name__}(")
            if n:
                remaining.append(n)
                continue
            out.append(")")
        while remaining:  # a subtree is complete: a comma, or the end of its container
            remaining[-1] -= 1
            if remaining[-1]:
                out.append(", ")
                break
            remaining.pop()
            out.append(")")
        if not remaining:
            return "".join(out)


def _keys(kind: type, aux: Hashable, n: int) -> list[str]:
    """How the children of a container of ``kind`` with ``aux`` are reached."""
    if kind is dict and isinstance(aux, tuple):
        return [f"[{k!r}]" for k in aux]
    names = getattr(aux, "names", aux) if dataclasses.is_dataclass(kind) else None
    names = getattr(kind, "_fields", names)
    if isinstance(names, tuple) and len(names) == n:
        return [f".{name}" for name in names]
    return [f"[{i}]" for i in range(n)]


_END = object()
_LEAF = (None, None, 0)


def tree_flatten(x: Any, is_leaf: Callable[[Any], bool] | None = None) -> tuple[list[Any], TreeDef]:
    """Split ``x`` into its list of leaves and its ``TreeDef``.

    Args:
        x: any registered value.
        is_leaf: optional predicate; values for which it is true are kept whole as leaves.

    Returns:
        ``(leaves, treedef)`` with ``treedef.unflatten(leaves) == x``.

    Raises:
        TypeError: ``x`` holds a value of an unregistered type (the message shows how to
            register it).

    Examples:
        >>> leaves, treedef = tree_flatten((1.0, [2.0, 3.0]))
        >>> leaves, treedef
        ([1.0, 2.0, 3.0], tuple(*, list(*, *)))
        >>> treedef.unflatten([4.0, 5.0, 6.0])
        (4.0, [5.0, 6.0])
    """
    leaves: list[Any] = []
    nodes: list[tuple[type | None, Hashable, int]] = []
    leaf_types = _vspace.LEAF_TYPES
    stack = [x]
    while stack:
        v = stack.pop()
        cls = type(v)
        if (is_leaf is not None and is_leaf(v)) or cls in leaf_types:
            leaves.append(v)
            nodes.append(_LEAF)
            continue
        if cls is tuple or cls is list:
            nodes.append((cls, None, len(v)))
            stack.extend(reversed(v))
            continue
        found = _vspace.lookup(cls)
        if found is None:
            raise _vspace.unregistered(v)
        if isinstance(found, _vspace.LeafSpace):
            leaves.append(v)
            nodes.append(_LEAF)
            continue
        children, aux = found.flatten(v)
        nodes.append((cls, aux, len(children)))
        stack.extend(reversed(children))
    return leaves, TreeDef(tuple(nodes))


def tree_unflatten(treedef: TreeDef, leaves: list[Any]) -> Any:
    """Rebuild a value from its ``TreeDef`` and leaves (the inverse of ``tree_flatten``).

    Raises:
        ValueError: there are too many or too few leaves for the structure.

    Examples:
        >>> leaves, treedef = tree_flatten([1.0, (2.0, 3.0)])
        >>> tree_unflatten(treedef, [x * 10 for x in leaves])
        [10.0, (20.0, 30.0)]
    """
    return treedef.unflatten(leaves)


def tree_leaves(x: Any, is_leaf: Callable[[Any], bool] | None = None) -> list[Any]:
    """The leaves of ``x``, left to right (see ``tree_flatten``).

    Examples:
        >>> tree_leaves({"a": [1.0, 2.0], "b": None, "c": 3})
        [1.0, 2.0, 3]
    """
    return tree_flatten(x, is_leaf)[0]


def tree_structure(x: Any) -> TreeDef:
    """The ``TreeDef`` of ``x``.

    Examples:
        >>> tree_structure({"a": 1.0, "b": (2.0, None)}) == tree_structure(
        ...     {"a": 0.0, "b": (0.0, None)})
        True
    """
    return tree_flatten(x)[1]


def tree_map(
    fn: Callable[..., Any],
    x: Any,
    *rest: Any,
    is_leaf: Callable[[Any], bool] | None = None,
) -> Any:
    """Apply ``fn`` to the leaves of ``x`` (and the matching leaves of ``rest``).

    A leaf is never matched against a container: the structures must be the same.

    Raises:
        ValueError: the structures of ``x`` and ``rest`` differ (the message names where).

    Examples:
        >>> tree_map(lambda a, b: a + b, (1.0, {"k": 2.0}), (10.0, {"k": 20.0}))
        (11.0, {'k': 22.0})
        >>> tree_map(lambda a, b: a + b, (1.0, 2.0), 1.0)
        Traceback (most recent call last):
        ...
        ValueError: structures differ at the root: a tuple of 2 against a leaf (float)
    """
    if is_leaf is None:
        return _vspace.map_structure(fn, x, *rest)
    leaves, treedef = tree_flatten(x, is_leaf)
    others = []
    for r in rest:
        r_leaves, r_def = tree_flatten(r, is_leaf)
        if r_def != treedef:
            raise ValueError(f"tree_map: structures differ at {treedef.first_difference(r_def)}")
        others.append(r_leaves)
    return treedef.unflatten([fn(*args) for args in zip(leaves, *others, strict=True)])


def static_field(**kwargs: Any) -> Any:
    """A dataclass field that is structure, not a parameter (``dataclasses.field``'s kwargs).

    The field is kept in the structure's ``TreeDef`` (so values differing in it have
    different structures), never traced or differentiated, and a gradient holds the
    primal's own value in it.

    Examples:
        >>> from dataclasses import dataclass
        >>> import paralens
        >>> @dataclass(frozen=True)
        ... class Scaled:
        ...     w: float
        ...     name: str = static_field(default="scale")
        >>> tree_leaves(Scaled(2.0)), paralens.grad(lambda p: p.w * p.w)(Scaled(3.0, "s"))
        ([2.0], Scaled(w=6.0, name='s'))
        >>> tree_structure(Scaled(1.0, "a")) == tree_structure(Scaled(1.0, "b"))
        False
    """
    metadata = {**kwargs.pop("metadata", {}), STATIC: True}
    return dataclasses.field(metadata=metadata, **kwargs)
