"""The cache key of a call: the structure of the arguments and each leaf's type, shape
and dtype, in one walk that also collects the leaves.

Python numbers are leaves like arrays, keyed by their type alone: a learning rate that
changes from call to call is an input of the program, not a constant baked into it, and
does not retrace. Static arguments (``static_argnums``) are keyed by their value.

Examples:
    >>> import numpy as np
    >>> leaves = []
    >>> signature(({"w": np.zeros(2), "lr": 0.1},), leaves)
    (<class 'tuple'>, None, ((<class 'dict'>, ('w', 'lr'), ((<class 'numpy.ndarray'>, (2,), dtype('float64')), <class 'float'>)),))
    >>> len(leaves)
    2
"""  # noqa: E501

from __future__ import annotations

from typing import Any

import numpy as np

from paralens._core._backends import backend_of_type
from paralens._core._trace import TRACED
from paralens._core._vspace import LeafSpace, lookup
from paralens.jit._abstract import SCALAR_TYPES
from paralens.jit._staging import example_of

_NOT_A_LEAF = (
    "jit: {where} holds a {name}, which is neither an array nor a number, so it cannot "
    "be an input of the staged program; make that argument static "
    "(jit(f, static_argnums=(i,))) or close over the value"
)
_BACKEND_ARRAY = (
    "jit: {where} holds a {module}.{name}, an array of another library than NumPy; "
    "the staged program replays NumPy calls only. Run the function eagerly (without "
    "jit: every paralens.numpy function computes on such arrays as it is), or stage it "
    "on NumPy arrays (paralens.tree.to_numpy(args))"
)


def signature(x: Any, leaves: list[Any], where: str = "an argument") -> Any:
    """The hashable key of ``x``'s structure and leaves; appends the leaves to ``leaves``.

    Raises:
        TypeError: a leaf is neither an array nor a number.
    """
    cls = type(x)
    if cls is np.ndarray:
        leaves.append(x)
        return (cls, x.shape, x.dtype)
    if cls in SCALAR_TYPES:
        leaves.append(x)
        return cls
    if cls is tuple or cls is list:
        return (cls, None, tuple([signature(c, leaves, where) for c in x]))
    if cls in TRACED:
        leaves.append(x)
        return _traced_signature(x)
    found = lookup(cls)
    if found is None or isinstance(found, LeafSpace):
        if isinstance(x, np.generic):
            leaves.append(x)
            return (cls, x.dtype)
        if backend_of_type(cls) is not None:
            raise TypeError(
                _BACKEND_ARRAY.format(where=where, module=cls.__module__, name=cls.__name__)
            )
        raise TypeError(_NOT_A_LEAF.format(where=where, name=cls.__name__))
    children, aux = found.flatten(x)
    return (cls, aux, tuple([signature(c, leaves, where) for c in children]))


def _traced_signature(x: Any) -> Any:
    """The key of a traced leaf (an input under ``grad(jit(f))``): that of what it stands for."""
    return signature(example_of(x), [])


def is_traced(leaves: list[Any]) -> bool:
    """Whether any leaf is a traced value of an enclosing transform."""
    return any(type(leaf) in TRACED for leaf in leaves)
