"""Structures: what a value is to the AD.

A value is a *leaf* (it has a vector space: zeros, addition, ones, scaling, an inner
product) or a *container* of values (a pytree node: tuple, list, dict, NamedTuple,
dataclass, ``None``). Python numbers and NumPy arrays and scalars are leaves. A gradient
always has the structure and leaf types of its argument.

Integer leaves (``int``, ``bool``, integer arrays) are constants to the AD: inside a
structure they get a zero gradient of their own type; an argument made only of integers
cannot be differentiated (``grad`` raises a ``TypeError`` asking for a float).

Arrays of other libraries (``torch.Tensor``, CuPy, JAX, ``array_api_strict``) are leaves
too; ``to_numpy(tree)`` and ``asarray_like(tree, like)`` move a whole structure between
libraries and devices.

``ravel_pytree`` turns a structure into one flat vector and back, differentiably, for
code written for vectors (optimisers of ``scipy.optimize``, Newton's method).

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

from paralens._core._vspace import (
    add,
    inner,
    is_integer,
    is_leaf,
    ones_like,
    register_leaf,
    register_node,
    scale,
    zeros_like,
)
from paralens._core._walk import child_keys
from paralens.tree import _numpy  # noqa: F401 (registers NumPy's arrays and scalars as leaves)
from paralens.tree._convert import asarray_like, to_numpy
from paralens.tree._paths import tree_at, tree_leaves_with_path
from paralens.tree._ravel import ravel_pytree
from paralens.tree._treedef import (
    TreeDef,
    static_field,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_structure,
    tree_unflatten,
)

__all__ = [
    "TreeDef",
    "add",
    "asarray_like",
    "child_keys",
    "inner",
    "is_integer",
    "is_leaf",
    "ones_like",
    "ravel_pytree",
    "register_leaf",
    "register_node",
    "scale",
    "static_field",
    "to_numpy",
    "tree_at",
    "tree_flatten",
    "tree_leaves",
    "tree_leaves_with_path",
    "tree_map",
    "tree_structure",
    "tree_unflatten",
    "zeros_like",
]
