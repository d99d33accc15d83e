"""What a value is to the AD: leaves with a vector space, containers with children.

A *leaf* is a value the AD differentiates directly. It knows its zero, its addition, its
one, scaling by a number and an inner product (``LeafSpace``). A *node* is a container
(tuple, list, dict, NamedTuple, dataclass, ``None``) that flattens to children and
rebuilds from them; dataclasses and NamedTuples are nodes without registration
(``_fields.py``). Everything here is plain Python: NumPy leaves are registered by
``paralens.tree``, one layer up. The tables of types are in ``_registry.py``, the walks
over structures (to any depth) in ``_walk.py``; this module gathers them with the
operations of leaves.

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

from typing import Any

from paralens._core._registry import (
    ARRAY_TYPES,
    LEAF_TYPES,
    MAYBE_MUTABLE,
    NEVER_MUTABLE,
    SCALAR_TYPES,
    TRACED_TYPES,
    UNREGISTERED,
    ZERO,
    LeafSpace,
    NodeDef,
    is_integer,
    is_leaf,
    is_node,
    leaf_space,
    lookup,
    may_change,
    node_def,
    register_array_type,
    register_leaf,
    register_node,
    space_or_node,
    unregistered,
)
from paralens._core._walk import (
    add,
    coerce,
    instantiate,
    leaves,
    map_structure,
    mismatch_error,
    zeros_like,
)

__all__ = [
    "ARRAY_TYPES",
    "LEAF_TYPES",
    "MAYBE_MUTABLE",
    "NEVER_MUTABLE",
    "SCALAR_TYPES",
    "TRACED_TYPES",
    "UNREGISTERED",
    "ZERO",
    "LeafSpace",
    "NodeDef",
    "add",
    "basis",
    "coerce",
    "inner",
    "instantiate",
    "is_integer",
    "is_leaf",
    "is_node",
    "leaf_space",
    "leaves",
    "lookup",
    "map_structure",
    "may_change",
    "mismatch_error",
    "node_def",
    "ones_like",
    "register_array_type",
    "register_leaf",
    "register_node",
    "replace_child",
    "scale",
    "space_or_node",
    "unregistered",
    "zeros_like",
]


def _leaf(x: Any) -> LeafSpace:
    return space_or_node(x)  # type: ignore[return-value]


def ones_like(x: Any) -> Any:
    """The one of ``x``'s vector space (every leaf filled with ones)."""
    return map_structure(lambda leaf: _leaf(leaf).ones(leaf), x)


def scale(a: Any, x: Any) -> Any:
    """``a * x`` for a number ``a``, leaf by leaf."""
    return map_structure(lambda leaf: _leaf(leaf).scale(a, leaf), x)


def inner(x: Any, y: Any) -> Any:
    """The inner product of two values of the same structure (a number)."""
    products: list[Any] = []
    map_structure(lambda a, b: products.append(_leaf(a).inner(a, b)), x, y)
    total: Any = 0.0
    for p in products:
        total = total + p
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
