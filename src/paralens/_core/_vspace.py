"""What a value is to the AD: leaves with a vector space, containers with children.

A *leaf* is a value the AD differentiates directly. It knows its zero, its addition, its
one, scaling by a number and an inner product (``LeafSpace``). A *node* is a container
(tuple, list, dict, NamedTuple, dataclass, ``None``) that flattens to children and
rebuilds from them; dataclasses and NamedTuples are nodes without registration
(``_fields.py``). Everything here is plain Python: NumPy leaves are registered by
``paralens.tree``, one layer up.

A leaf's operations make a real vector space with an inner product, and the AD relies on
its laws (``paralens.testing.check_leaf`` checks them for a registered type):

    >>> x, y, z, a, b = 1.5, -2.0, 0.25, 3.0, 0.5
    >>> add(zeros_like(x), x) == x  # zero is neutral
    True
    >>> add(x, y) == add(y, x) and add(add(x, y), z) == add(x, add(y, z))
    True
    >>> scale(a, add(x, y)) == add(scale(a, x), scale(a, y))  # scaling distributes
    True
    >>> scale(a + b, x) == add(scale(a, x), scale(b, x))
    True
    >>> inner(add(scale(a, x), y), z) == a * inner(x, z) + inner(y, z)  # inner is bilinear
    True
    >>> inner(x, y) == inner(y, x)  # and symmetric
    True

Inside the reverse pass a structured cotangent may hold ``ZERO`` in place of a child that
received no gradient; ``instantiate`` turns it into real zeros at the end. This keeps the
gradient of ``params[0]`` from allocating zeros for every other part of ``params``:

    >>> add(ZERO, (1.0, 2.0)), instantiate((ZERO, 2.0), (5.0, 6.0))
    ((1.0, 2.0), (0.0, 2.0))
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
# ``flags.writeable``, ``copy()``), registered by paralens.tree: the transforms wrap and
# hand back parameters of these types in one loop, without naming any array library.
ARRAY_TYPES: set[type] = set()

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


def lookup(cls: type) -> LeafSpace | NodeDef | None:
    """The leaf space or node definition of ``cls``, or ``None`` when it has neither."""
    try:
        return _LOOKUP[cls]
    except KeyError:
        pass
    found: LeafSpace | NodeDef | None = _LEAVES.get(cls) or _NODES.get(cls)
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


def _space_or_node(x: Any) -> LeafSpace | NodeDef:
    found = lookup(type(x))
    if found is None:
        raise unregistered(x)
    return found


def map_structure(fn: Callable[..., Any], x: Any, *rest: Any) -> Any:
    """Apply ``fn`` to corresponding leaves of ``x`` and ``rest``, keeping the structure.

    Raises:
        ValueError: the structures of ``x`` and ``rest`` differ.
    """
    cls = type(x)
    if cls in LEAF_TYPES:
        return fn(x, *rest)
    if cls is tuple or cls is list:
        # Lists and tuples of leaves (parameters, typically) are mapped without a call
        # per leaf: this runs once per training step on every parameter.
        leaf_types = LEAF_TYPES
        if not rest:
            mapped = [fn(c) if type(c) in leaf_types else map_structure(fn, c) for c in x]
        elif len(rest) == 1 and type(rest[0]) is cls and len(rest[0]) == len(x):
            mapped = [
                fn(c, o) if type(c) in leaf_types else map_structure(fn, c, o)
                for c, o in zip(x, rest[0], strict=True)
            ]
        else:
            return _map_sequences(fn, cls, x, rest)
        return mapped if cls is list else tuple(mapped)
    found = _space_or_node(x)
    if isinstance(found, LeafSpace):
        return fn(x, *rest)
    children, aux = found.flatten(x)
    others = []
    for r in rest:
        o, o_aux = found.flatten(r)
        # aux holds dict keys, field names and static values: {"a": .} and {"b": .} differ.
        if len(o) != len(children) or type(r) is not type(x) or o_aux != aux:
            raise _mismatch(x, r)
        others.append(o)
    mapped = [map_structure(fn, c, *(o[i] for o in others)) for i, c in enumerate(children)]
    return found.unflatten(aux, mapped)


def _map_sequences(
    fn: Callable[..., Any], cls: Any, x: list[Any] | tuple[Any, ...], rest: tuple[Any, ...]
) -> Any:
    for r in rest:
        if type(r) is not cls or len(r) != len(x):
            raise _mismatch(x, r)
    mapped = [map_structure(fn, c, *(r[i] for r in rest)) for i, c in enumerate(x)]
    return mapped if cls is list else tuple(mapped)


def _mismatch(x: Any, other: Any) -> ValueError:
    def describe(v: Any) -> str:
        if isinstance(v, dict):
            return f"dict with keys {list(v)}"
        n = len(v) if isinstance(v, (tuple, list)) else None
        return type(v).__name__ + (f" of {n}" if n is not None else "")

    return ValueError(f"structures differ: {describe(x)} against {describe(other)}")


def _leaf(x: Any) -> LeafSpace:
    return _space_or_node(x)  # type: ignore[return-value]


def zeros_like(x: Any) -> Any:
    """The zero of ``x``'s vector space, with ``x``'s structure."""
    space = leaf_space(x)
    if space is not None:
        return space.zeros(x)
    return map_structure(lambda leaf: _leaf(leaf).zeros(leaf), x)


def ones_like(x: Any) -> Any:
    """The one of ``x``'s vector space (every leaf filled with ones)."""
    return map_structure(lambda leaf: _leaf(leaf).ones(leaf), x)


def scale(a: Any, x: Any) -> Any:
    """``a * x`` for a number ``a``, leaf by leaf."""
    return map_structure(lambda leaf: _leaf(leaf).scale(a, leaf), x)


def inner(x: Any, y: Any) -> Any:
    """The inner product of two values of the same structure (a number)."""
    total: Any = 0.0
    for a, b in zip(leaves(x), leaves(y), strict=True):
        total = total + _leaf(a).inner(a, b)
    return total


def basis(x: Any) -> list[Any]:
    """The standard basis of the space of the leaf ``x``: one unit leaf per coordinate."""
    space = leaf_space(x)
    if space is None:
        raise TypeError(
            f"a basis is defined here for leaves (scalars and arrays), not "
            f"{type(x).__name__}; use vjp or jvp for structured values"
        )
    return space.basis(x)


def add(x: Any, y: Any) -> Any:
    """``x + y`` in the vector space of their (shared) structure; ``ZERO`` is neutral."""
    if x is ZERO:
        return y
    if y is ZERO:
        return x
    found = _space_or_node(x)
    if isinstance(found, LeafSpace):
        return found.add(x, y)
    xs, aux = found.flatten(x)
    ys, _ = found.flatten(y)
    return found.unflatten(aux, [add(a, b) for a, b in zip(xs, ys, strict=True)])


def instantiate(ct: Any, primal: Any) -> Any:
    """Replace every ``ZERO`` in ``ct`` by zeros shaped like the matching part of ``primal``."""
    if ct is ZERO:
        return zeros_like(primal)
    if type(ct) in TRACED_TYPES:
        return ct
    # Under nested transforms the primal may be a traced container (a Var of a tuple);
    # its structure is that of its value.
    while type(primal) in TRACED_TYPES:
        primal = primal._value
    found = lookup(type(primal))
    if not isinstance(found, NodeDef):
        return ct
    cts, aux = found.flatten(ct)
    primals, _ = found.flatten(primal)
    return found.unflatten(aux, [instantiate(c, p) for c, p in zip(cts, primals, strict=True)])


def coerce(ct: Any, primal: Any) -> Any:
    """Give ``ct`` the exact leaf types of ``primal`` (a float's gradient is a float)."""
    if type(ct) in TRACED_TYPES:
        return ct
    found = lookup(type(primal))
    if isinstance(found, LeafSpace):
        return found.coerce(primal, ct)
    if found is None:
        return ct
    cts, aux = found.flatten(ct)
    primals, _ = found.flatten(primal)
    return found.unflatten(aux, [coerce(c, p) for c, p in zip(cts, primals, strict=True)])


def replace_child(x: Any, position: int, new: Any) -> Any:
    """A copy of the container ``x`` with its child at ``position`` replaced by ``new``.

    >>> replace_child({"w": 1.0, "b": 2.0}, 1, 5.0)
    {'w': 1.0, 'b': 5.0}
    """
    node = node_def(x)
    if node is None:
        raise TypeError(f"a {type(x).__name__} is not a container; it has no children")
    children, aux = node.flatten(x)
    children = list(children)
    children[position] = new
    return node.unflatten(aux, children)


def leaves(x: Any) -> list[Any]:
    """The leaves of ``x``, left to right."""
    out: list[Any] = []
    _collect(x, out)
    return out


def _collect(x: Any, out: list[Any]) -> None:
    found = _space_or_node(x)
    if isinstance(found, LeafSpace):
        out.append(x)
        return
    for child in found.flatten(x)[0]:
        _collect(child, out)


def _float_coerce(primal: Any, ct: Any) -> Any:
    return float(ct) if type(ct) is not float else ct


def _complex_coerce(primal: Any, ct: Any) -> Any:
    return complex(ct) if type(ct) is not complex else ct


def _int_zero(primal: Any, ct: Any) -> Any:
    # The zero of the primal's own type: 0 for an int, False for a bool.
    return type(primal)(0)


register_leaf(
    float,
    zeros=lambda x: 0.0,
    add=lambda x, y: x + y,
    ones=lambda x: 1.0,
    scale=lambda a, x: a * x,
    inner=lambda x, y: x * y,
    coerce=_float_coerce,
    basis=lambda x: [1.0],
)
register_leaf(
    complex,
    zeros=lambda x: 0j,
    add=lambda x, y: x + y,
    ones=lambda x: 1 + 0j,
    scale=lambda a, x: a * x,
    inner=lambda x, y: (x.conjugate() * y).real,
    coerce=_complex_coerce,
    basis=lambda x: [1 + 0j],
)
for _int_type in (int, bool):
    register_leaf(
        _int_type,
        zeros=lambda x: type(x)(0),
        add=lambda x, y: x + y,
        ones=lambda x: type(x)(1),
        scale=lambda a, x: a * x,
        inner=lambda x, y: x * y,
        coerce=_int_zero,
        is_integer=lambda x: True,
        basis=lambda x: [type(x)(1)],
    )
register_node(tuple, flatten=lambda x: (list(x), None), unflatten=lambda aux, c: tuple(c))
register_node(list, flatten=lambda x: (list(x), None), unflatten=lambda aux, c: list(c))
register_node(
    dict,
    flatten=lambda x: (list(x.values()), tuple(x.keys())),
    unflatten=lambda keys, c: dict(zip(keys, c, strict=True)),  # type: ignore[call-overload]
)
register_node(type(None), flatten=lambda x: ([], None), unflatten=lambda aux, c: None)
