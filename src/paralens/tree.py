"""Structures: what a value is to the AD.

A value is a *leaf* (it has a vector space: zeros, addition, ones, scaling, an inner
product) or a *container* of values (a pytree node: tuple, list, dict, NamedTuple,
dataclass, ``None``). Python numbers and NumPy arrays and scalars are leaves. A gradient
always has the structure and leaf types of its argument.

Integer leaves (``int``, ``bool``, integer arrays) are constants to the AD: inside a
structure they get a zero gradient of their own type; an argument made only of integers
cannot be differentiated (``grad`` raises a ``TypeError`` asking for a float).

A dataclass field marked ``static_field()`` is structure, not a parameter: a name, a
size, an activation. It is kept in the structure (two values that differ in it have
different ``TreeDef``s), never traced, and its gradient is the primal's own value.

Examples:
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Affine:
    ...     w: float
    ...     b: float
    >>> tree_leaves({"layer": Affine(2.0, 0.5), "n": 3})
    [2.0, 0.5, 3]
    >>> tree_map(lambda x: x * 2, Affine(2.0, 0.5))
    Affine(w=4.0, b=1.0)
    >>> tree_at(lambda a: a.b, Affine(2.0, 0.5), 9.0)
    Affine(w=2.0, b=9.0)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

from paralens._core import _vspace
from paralens._core._vspace import (
    add,
    inner,
    is_leaf,
    ones_like,
    register_leaf,
    register_node,
    replace_child,
    scale,
    zeros_like,
)

T = TypeVar("T")

__all__ = [
    "TreeDef",
    "add",
    "child_keys",
    "inner",
    "is_leaf",
    "ones_like",
    "register_leaf",
    "register_node",
    "scale",
    "static_field",
    "tree_at",
    "tree_flatten",
    "tree_leaves",
    "tree_leaves_with_path",
    "tree_map",
    "tree_structure",
    "tree_unflatten",
    "zeros_like",
]


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
        keys = [f".{name}" for name in _vspace.field_names(x)]
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
    metadata = {**kwargs.pop("metadata", {}), _vspace.STATIC: True}
    return dataclasses.field(metadata=metadata, **kwargs)


# NumPy leaves. A gradient keeps its leaf's dtype and shape: float32 parameters get
# float32 gradients even where NumPy computed in float64 (a Python float in the mix).


def _array_coerce(primal: Any, ct: Any) -> Any:
    if type(ct) is np.ndarray and ct.dtype == primal.dtype and ct.shape == primal.shape:
        return ct if ct.flags.writeable else ct.copy()
    out = np.asarray(ct, dtype=primal.dtype)
    if out.shape != primal.shape:
        out = np.broadcast_to(out, primal.shape).copy()
    return out


def _scalar_coerce(primal: Any, ct: Any) -> Any:
    return type(primal)(ct)


def _is_integer_array(x: Any) -> bool:
    return x.dtype.kind in "biu"


def _array_zeros(x: Any) -> Any:
    return np.zeros_like(x)


def _array_ones(x: Any) -> Any:
    return np.ones_like(x)


def _array_add(x: Any, y: Any) -> Any:
    return x + y


def _array_scale(a: Any, x: Any) -> Any:
    return a * x


def _array_inner(x: Any, y: Any) -> Any:
    return float(np.vdot(x, y).real)


def _array_basis(x: Any) -> list[Any]:
    # Unit arrays of x's shape, in x's dtype when it is inexact (else float64).
    dtype = x.dtype if x.dtype.kind in "fc" else np.float64
    basis = []
    for i in range(x.size):
        e = np.zeros(x.size, dtype=dtype)
        e[i] = 1
        basis.append(e.reshape(x.shape))
    return basis


register_leaf(
    np.ndarray,
    zeros=_array_zeros,
    add=_array_add,
    ones=_array_ones,
    scale=_array_scale,
    inner=_array_inner,
    coerce=_array_coerce,
    is_integer=_is_integer_array,
    basis=_array_basis,
)
register_leaf(
    np.generic,
    zeros=lambda x: type(x)(0),
    add=_array_add,
    ones=lambda x: type(x)(1),
    scale=_array_scale,
    inner=_array_inner,
    coerce=_scalar_coerce,
    is_integer=_is_integer_array,
    basis=lambda x: [type(x)(1)],
)
_vspace.register_array_type(np.ndarray)
