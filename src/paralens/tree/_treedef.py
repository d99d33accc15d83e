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
    field names) in the same places.

    Examples:
        >>> treedef = tree_structure({"w": 1.0, "b": (2.0, None)})
        >>> treedef, treedef.num_leaves
        (dict(*, tuple(*, NoneType())), 2)
        >>> treedef.unflatten([10.0, 20.0])
        {'w': 10.0, 'b': (20.0, None)}
    """

    __slots__ = ("_aux", "_children", "_hash", "_kind")

    def __init__(self, kind: type | None, aux: Hashable, children: tuple[TreeDef, ...]):
        self._kind = kind
        self._aux = aux
        self._children = children
        try:
            self._hash = hash((kind, aux, children))
        except TypeError:
            name = kind.__name__ if kind is not None else "leaf"
            raise TypeError(
                f"the structure of a {name} holds an unhashable value {aux!r}: dict keys and "
                f"static fields are part of a structure, and must be hashable (a tuple, not "
                f"a list)"
            ) from None

    @property
    def num_leaves(self) -> int:
        if self._kind is None:
            return 1
        return sum(c.num_leaves for c in self._children)

    def unflatten(self, leaves: list[Any]) -> Any:
        """Rebuild a value of this structure from ``leaves``."""
        it = iter(leaves)
        out = self._build(it)
        if next(it, _END) is not _END:
            raise ValueError(f"too many leaves for a structure of {self.num_leaves}")
        return out

    def _build(self, it: Any) -> Any:
        if self._kind is None:
            leaf = next(it, _END)
            if leaf is _END:
                raise ValueError("too few leaves for this structure")
            return leaf
        node = _vspace.lookup(self._kind)
        assert isinstance(node, _vspace.NodeDef)
        return node.unflatten(self._aux, [c._build(it) for c in self._children])

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        return (
            isinstance(other, TreeDef)
            and self._hash == other._hash
            and self._kind is other._kind
            and self._aux == other._aux
            and self._children == other._children
        )

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        if self._kind is None:
            return "*"
        inner_ = ", ".join(repr(c) for c in self._children)
        return f"{self._kind.__name__}({inner_})"


_END = object()


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
    treedef = _flatten(x, leaves, is_leaf)
    return leaves, treedef


def _flatten(x: Any, leaves: list[Any], is_leaf_: Callable[[Any], bool] | None) -> TreeDef:
    if is_leaf_ is not None and is_leaf_(x):
        leaves.append(x)
        return _LEAF
    cls = type(x)
    if cls in _vspace.LEAF_TYPES:
        leaves.append(x)
        return _LEAF
    if cls is tuple or cls is list:
        return TreeDef(cls, None, tuple([_flatten(c, leaves, is_leaf_) for c in x]))
    found = _vspace.lookup(cls)
    if found is None:
        raise _vspace.unregistered(x)
    if isinstance(found, _vspace.LeafSpace):
        leaves.append(x)
        return _LEAF
    children, aux = found.flatten(x)
    return TreeDef(type(x), aux, tuple(_flatten(c, leaves, is_leaf_) for c in children))


_LEAF = TreeDef(None, None, ())


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

    Raises:
        ValueError: the structures of ``x`` and ``rest`` differ (both are shown).

    Examples:
        >>> tree_map(lambda a, b: a + b, (1.0, {"k": 2.0}), (10.0, {"k": 20.0}))
        (11.0, {'k': 22.0})
    """
    if is_leaf is None:
        try:
            return _vspace.map_structure(fn, x, *rest)
        except ValueError as e:
            if not str(e).startswith("structures differ"):
                raise
            # fall through for the full description of both structures
    leaves, treedef = tree_flatten(x, is_leaf)
    others = []
    for r in rest:
        r_leaves, r_def = tree_flatten(r, is_leaf)
        if r_def != treedef:
            raise ValueError(f"tree_map: structures differ: {treedef!r} and {r_def!r}")
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
