"""What ``fit`` checks in the data and the parameters: examples, and finite values.

The checks run once per data set, before training (a NaN in the inputs is reported with
its index rather than found as a NaN loss many steps later), and on the parameters once
per epoch; in between, ``fit`` watches only the loss, a float per step.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

import paralens.numpy as pnp
from paralens.data import examples_in
from paralens.tree import to_numpy, tree_leaves_with_path
from paralens.tree._convert import library_of

__all__ = ["check_array_data", "first_non_finite", "non_finite_leaf"]


def first_non_finite(value: Any, name: str) -> str | None:
    """``"inputs[3, 1] is nan"`` for the first non-finite entry of a float array, else None.

    An array of another library is checked in its own library, and copied to NumPy only
    to name the entry at fault.
    """
    if library_of(value) is not None:
        xp = pnp.namespace(value)
        inexact = xp.isdtype(value.dtype, ("real floating", "complex floating"))
        if not inexact or bool(xp.all(xp.isfinite(value))):
            return None
        value = to_numpy(value)
    array = np.asarray(value)
    if array.dtype.kind not in "fc" or bool(np.isfinite(array).all()):
        return None
    index = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
    return f"{name}[{', '.join(map(str, index))}] is {array[index]}"


def non_finite_leaf(params: Any) -> str | None:
    for path, leaf in tree_leaves_with_path(params, prefix="params"):
        found = first_non_finite(leaf, path)
        if found is not None:
            return found
    return None


def check_array_data(data: Any, name: str) -> int | None:
    """The number of examples of an ``(inputs, targets)`` pair of arrays, checked; ``None``
    for an iterable of batches."""
    if not (isinstance(data, tuple) and len(data) == 2 and all(hasattr(a, "shape") for a in data)):
        if name == "data" and not isinstance(data, Iterable):
            raise TypeError(
                f"fit: data must be a pair (inputs, targets) of arrays or an iterable of "
                f"batches, got {type(data).__name__}"
            )
        return None
    inputs, targets = data
    if np.ndim(inputs) == 0 or np.ndim(targets) == 0 or examples_in(inputs) != examples_in(targets):
        raise ValueError(
            f"fit: {name}: inputs and targets must have the same number of examples (first "
            f"axis), got {np.shape(inputs)} and {np.shape(targets)}"
        )
    if examples_in(inputs) == 0:
        raise ValueError(f"fit: {name} has no examples (inputs of shape {np.shape(inputs)})")
    for part, label in ((inputs, "inputs"), (targets, "targets")):
        found = first_non_finite(part, label)
        if found is not None:
            raise ValueError(
                f"fit: {name}: {found}; training on it would give non-finite parameters. "
                f"Drop or repair those examples first (numpy.isfinite finds them)."
            )
    return examples_in(inputs)
