"""``stop_gradient``: a value as a constant to every transform."""

from __future__ import annotations

from typing import Any

from paralens import tree
from paralens._core import Var, nondifferentiable
from paralens._core._backends import agnostic
from paralens._core._vspace import node_def


@nondifferentiable
def _constant(x: Any) -> Any:
    return x


agnostic(_constant)  # the identity: any library's array passes as it is


def stop_gradient(x: Any) -> Any:
    """``x`` as a constant: no gradient flows through it, at any level of nesting.

    Args:
        x: a value, traced or not, of any registered structure.

    Returns:
        ``x``'s value, untraced for every transform that is open.

    Examples:
        >>> from paralens import grad
        >>> grad(lambda x: x * stop_gradient(x))(3.0)
        3.0
    """
    if isinstance(x, Var):
        return _constant(x)
    if node_def(x) is None:
        return x
    return tree.tree_map(_constant, x, is_leaf=lambda v: isinstance(v, Var))
