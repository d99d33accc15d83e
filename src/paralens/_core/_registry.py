"""The tables of value types: which are leaves (with their vector space), which containers.

Every type is looked up once and the answer remembered: a ``LeafSpace`` for a leaf, a
``NodeDef`` for a container, ``None`` for a type paralens does not know. Dataclasses and
NamedTuples are containers without registration (``_fields.py``); a subclass of a
registered leaf type is a leaf of its base's space. ``_vspace.py`` gives the operations
built on these tables, and registers Python's own types.

Examples:
    >>> lookup(dict) is _NODES[dict], lookup(float) is _LEAVES[float]
    (True, True)
    >>> lookup(object) is None
    True
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from paralens._core._fields import fields_node


class LeafSpace(NamedTuple):
    """The vector-space operations of one leaf type."""

    zeros: Callable[[Any], Any]
    add: Callable[[Any, Any], Any]
    ones: Callable[[Any], Any]
    scale: Callable[[Any, Any], Any]
    inner: Callable[[Any, Any], Any]
    coerce: Callable[[Any, Any], Any]
    is_integer: Callable[[Any], bool]
    basis: Callable[[Any], list[Any]]


class NodeDef(NamedTuple):
    """How one container type flattens to its children and rebuilds from them."""

    flatten: Callable[[Any], tuple[list[Any], Hashable]]
    unflatten: Callable[[Hashable, list[Any]], Any]


class _Zero:
    """The symbolic zero cotangent: the identity of ``add``, never seen by users."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ZERO"


ZERO: Any = _Zero()

_LEAVES: dict[type, LeafSpace] = {}
_NODES: dict[type, NodeDef] = {}
_LOOKUP: dict[type, LeafSpace | NodeDef | None] = {}
# Every type looked up so far that is a leaf: a fast membership test for the hot paths.
LEAF_TYPES: set[type] = set()
# Types of traced values (Var, filled in by _var.py): a cotangent of such a type is kept
# as it is, and a traced value is a leaf whose value may still be a container.
TRACED_TYPES: set[type] = set()
# Leaf types whose values follow NumPy's array protocol (``dtype.kind``, ``shape``,
# ``flags.writeable``, ``base``, ``copy()``, ``view()``), registered by paralens.tree: the
# transforms wrap and hand back parameters of these types in one loop, and the tape copies
# the ones that could change under it, without naming any array library.
ARRAY_TYPES: set[type] = set()
# The types of constants the tape may have to copy: arrays (and their subclasses, such
# as a memory map, added as they are met), lists, and tuples that may hold them (an index
# ``x[rows, cols]``); and the types met that it never copies. A constant's type is in one
# of the two after ``may_change`` has seen it: one membership test on the hot path.
MAYBE_MUTABLE: set[type] = {tuple, list}
NEVER_MUTABLE: set[type] = set()
# Types whose values are single numbers, never large: the tape keeps them whole without
# reading their size (a NumPy scalar's ``nbytes`` is built on each read; paralens.tree adds
# NumPy's scalar types).
SCALAR_TYPES: set[type] = {bool, int, float, complex}
# Asked of a type met for the first time that no table holds: ``_backends`` puts it to
# the resolvers of other array libraries, which may register it as a leaf.
UNKNOWN_TYPE_HOOKS: list[Callable[[type], Any]] = []

UNREGISTERED = (
    "paralens does not know how to differentiate a value of type {name}. "
    "Register it as a leaf with a vector space:\n"
    "    paralens.tree.register_leaf({name}, zeros=..., add=..., ones=..., scale=..., "
    "inner=...)\n"
    "or as a container of differentiable parts:\n"
    "    paralens.tree.register_node({name}, flatten=lambda x: (children, aux), "
    "unflatten=lambda aux, children: {name}(...))"
)


def _same(primal: Any, ct: Any) -> Any:
    return ct


def _never_integer(x: Any) -> bool:
    return False


def _missing(cls: type, op: str) -> Callable[..., Any]:
    def fail(*args: Any) -> Any:
        raise TypeError(
            f"leaf type {cls.__name__} was registered without `{op}`; pass "
            f"register_leaf({cls.__name__}, ..., {op}=...) to use this operation"
        )

    return fail


def register_leaf(
    cls: type,
    *,
    zeros: Callable[[Any], Any],
    add: Callable[[Any, Any], Any],
    ones: Callable[[Any], Any],
    scale: Callable[[Any, Any], Any] | None = None,
    inner: Callable[[Any, Any], Any] | None = None,
    coerce: Callable[[Any, Any], Any] | None = None,
    is_integer: Callable[[Any], bool] | None = None,
    basis: Callable[[Any], list[Any]] | None = None,
) -> None:
    """Register ``cls`` as a leaf type with its vector space (see ``paralens.tree``)."""
    _LEAVES[cls] = LeafSpace(
        zeros,
        add,
        ones,
        scale if scale is not None else _missing(cls, "scale"),
        inner if inner is not None else _missing(cls, "inner"),
        coerce if coerce is not None else _same,
        is_integer if is_integer is not None else _never_integer,
        basis if basis is not None else _missing(cls, "basis"),
    )
    _LOOKUP.clear()
    LEAF_TYPES.clear()


def register_node(
    cls: type,
    *,
    flatten: Callable[[Any], tuple[list[Any], Hashable]],
    unflatten: Callable[[Hashable, list[Any]], Any],
) -> None:
    """Register ``cls`` as a container type (see ``paralens.tree``)."""
    _NODES[cls] = NodeDef(flatten, unflatten)
    _LOOKUP.clear()
    LEAF_TYPES.clear()


def register_array_type(cls: type) -> None:
    """Declare that the leaves of type ``cls`` follow NumPy's array protocol."""
    ARRAY_TYPES.add(cls)
    MAYBE_MUTABLE.add(cls)
    NEVER_MUTABLE.clear()  # a type seen before may be a subclass of this one


def may_change(cls: type) -> bool:
    """Whether a constant of type ``cls`` may change after the tape recorded it: a list,
    or an array of a registered array type or a subclass of one (``numpy.memmap``).

    The answer is remembered in ``MAYBE_MUTABLE`` or ``NEVER_MUTABLE``.
    """
    if cls in MAYBE_MUTABLE:
        return True
    if issubclass(cls, (list, *ARRAY_TYPES)):
        MAYBE_MUTABLE.add(cls)
        return True
    NEVER_MUTABLE.add(cls)
    return False


def lookup(cls: type) -> LeafSpace | NodeDef | None:
    """The leaf space or node definition of ``cls``, or ``None`` when it has neither."""
    try:
        return _LOOKUP[cls]
    except KeyError:
        pass
    found: LeafSpace | NodeDef | None = _LEAVES.get(cls) or _NODES.get(cls)
    if found is None and UNKNOWN_TYPE_HOOKS:
        for hook in UNKNOWN_TYPE_HOOKS:
            hook(cls)
        found = _LEAVES.get(cls)
    automatic = fields_node(cls) if found is None else None
    if automatic is not None:
        found = NodeDef(*automatic)
    elif found is None:
        found = next((_LEAVES[base] for base in cls.__mro__[1:] if base in _LEAVES), None)
    _LOOKUP[cls] = found
    # A Var is a leaf to the vector space, but its value may be a container: it is kept
    # out of the fast paths that treat a leaf as having no parts.
    if isinstance(found, LeafSpace) and cls not in TRACED_TYPES:
        LEAF_TYPES.add(cls)
    return found


def leaf_space(x: Any) -> LeafSpace | None:
    """The vector space of ``x`` if it is a leaf, else ``None``."""
    found = lookup(type(x))
    return found if isinstance(found, LeafSpace) else None


def node_def(x: Any) -> NodeDef | None:
    """The node definition of ``x`` if it is a container, else ``None``."""
    found = lookup(type(x))
    return found if isinstance(found, NodeDef) else None


def is_leaf(x: Any) -> bool:
    """Whether ``x`` is a leaf: a value with a vector space of its own."""
    return isinstance(lookup(type(x)), LeafSpace)


def is_node(x: Any) -> bool:
    """Whether ``x`` is a registered container."""
    return isinstance(lookup(type(x)), NodeDef)


def is_integer(x: Any) -> bool:
    """Whether ``x`` is a leaf of integer (or boolean) type, which gets no gradient."""
    cls = type(x)
    if cls is float:
        return False
    space = _LOOKUP.get(cls) if cls in LEAF_TYPES else leaf_space(x)
    return isinstance(space, LeafSpace) and space.is_integer(x)


def unregistered(x: Any) -> TypeError:
    return TypeError(UNREGISTERED.format(name=type(x).__name__))


def space_or_node(x: Any) -> LeafSpace | NodeDef:
    """The leaf space or node definition of ``x``; raises naming the registration."""
    found = lookup(type(x))
    if found is None:
        raise unregistered(x)
    return found
