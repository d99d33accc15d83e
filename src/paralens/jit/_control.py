"""Control flow on traced values: ``cond`` (a branch) and ``scan`` (a loop).

Inside ``jit`` a Python ``if`` on a traced value cannot be staged: the program must hold
for every value. ``cond(pred, true_fn, false_fn, *operands)`` stages both branches and
runs the one ``pred`` selects at each replay; ``scan(f, init, xs)`` runs ``f`` along the
leading axis of ``xs`` carrying a state, and is staged as the loop unrolled (a straight
line of primitives, as long as ``xs``).

Outside ``jit`` both are plain Python (the branch taken, the loop run), and every
transform differentiates them as it differentiates Python. Inside, ``cond`` is a
primitive whose rules are ``cond``s of the branches' rules, so ``jit(grad(f))`` and
``grad(jit(f))`` of a function with a ``cond`` differentiate the branch taken.

Examples:
    >>> import numpy as np
    >>> import paralens
    >>> import paralens.numpy as pnp
    >>> from paralens.jit import jit
    >>> def f(x):
    ...     return cond(pnp.sum(x) > 0, lambda x: x * 2.0, lambda x: -x, x)
    >>> g = jit(f)
    >>> g(np.array([1.0, 2.0])), g(np.array([-1.0, -2.0]))
    (array([2., 4.]), array([1., 2.]))
    >>> jit(paralens.grad(lambda x: pnp.sum(f(x))))(np.array([-1.0, -2.0]))
    array([-1., -1.])
    >>> carry, ys = scan(lambda c, x: (c + x, c * x), 0.0, np.array([1.0, 2.0, 3.0]))
    >>> float(carry), ys
    (6.0, array([0., 2., 9.]))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import paralens.numpy as pnp
from paralens._ad import jvp, vjp
from paralens._core import constant_part, defjvp_argnum, defvjp_argnum, primitive, primitive_of
from paralens.jit._abstract import Abstract
from paralens.jit._jit import jit
from paralens.jit._staging import EXAMPLE_RULES, StagedVar
from paralens.tree import TreeDef, tree_flatten, tree_leaves, tree_map


def cond(
    pred: Any, true_fn: Callable[..., Any], false_fn: Callable[..., Any], *operands: Any
) -> Any:
    """``true_fn(*operands)`` if ``pred`` else ``false_fn(*operands)``, staged by ``jit``.

    Args:
        pred: a scalar boolean (a comparison of traced values, inside ``jit``).
        true_fn: the branch taken when ``pred`` holds.
        false_fn: the other branch; both return values of one structure, shapes and dtypes.
        *operands: what the branches receive (any structures of arrays and numbers).

    Returns:
        The result of the branch ``pred`` selects.

    Raises:
        ValueError: inside ``jit``, ``pred`` is not a scalar, or the branches return
            values of different structures, shapes or dtypes.

    Examples:
        >>> f = jit(lambda x, y: cond(x > y, lambda a, b: a - b, lambda a, b: b - a, x, y))
        >>> f(3.0, 1.0), f(1.0, 3.0), f.cache_info().traces
        (2.0, 2.0, 1)
    """
    staged = constant_part(pred)
    if type(staged) is not StagedVar:
        return true_fn(*operands) if staged else false_fn(*operands)
    if staged._value.shape != ():
        raise ValueError(
            f"cond: the predicate has shape {staged._value.shape}; it must be one boolean. "
            f"For an elementwise choice use pnp.where(condition, x, y)"
        )
    leaves, treedef = tree_flatten(operands)
    branches = (jit(_on_leaves(true_fn, treedef)), jit(_on_leaves(false_fn, treedef)))
    return _cond(staged, *leaves, branches=branches)


def _on_leaves(fn: Callable[..., Any], treedef: TreeDef) -> Callable[..., Any]:
    def branch(*leaves: Any) -> Any:
        return fn(*treedef.unflatten(list(leaves)))

    return branch


def _cond_impl(pred: Any, *leaves: Any, branches: tuple[Any, Any]) -> Any:
    return branches[0](*leaves) if pred else branches[1](*leaves)


_cond = primitive(_cond_impl, "cond")


def _signature(x: Any) -> list[Any]:
    leaves, treedef = tree_flatten(x)
    return [treedef, *(Abstract.of(np.asarray(v) if np.ndim(v) else v).signature for v in leaves)]


def _cond_example(args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Both branches run on the examples; their answers must agree in kind."""
    pred, *leaves = args
    taken, other = kwargs["branches"] if pred else kwargs["branches"][::-1]
    ans = taken(*leaves)
    with np.errstate(all="ignore"):
        alternative = other(*leaves)
    if _signature(ans) != _signature(alternative):
        raise ValueError(
            "cond: the two branches return values of different structures, shapes or "
            "dtypes; a staged branch must return the same kind of value either way"
        )
    return ans


EXAMPLE_RULES[primitive_of(_cond)] = _cond_example


def _cond_vjp(argnum: int, g: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if argnum == 0:
        return None
    pred, *leaves = args
    k = argnum - 1

    def pulled(fn: Callable[..., Any]) -> Callable[..., Any]:
        def branch(g: Any, *leaves: Any) -> Any:
            def at_k(leaf: Any) -> Any:
                return fn(*leaves[:k], leaf, *leaves[k + 1 :])

            return vjp(at_k, leaves[k])[1](g)[0]

        return branch

    true_fn, false_fn = kwargs["branches"]
    return cond(pred, pulled(true_fn), pulled(false_fn), g, *leaves)


def _cond_jvp(argnum: int, t: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    pred, *leaves = args
    k = argnum - 1

    def pushed(fn: Callable[..., Any]) -> Callable[..., Any]:
        def branch(t: Any, *leaves: Any) -> Any:
            def at_k(leaf: Any) -> Any:
                return fn(*leaves[:k], leaf, *leaves[k + 1 :])

            return jvp(at_k, (leaves[k],), (t,))[1]

        return branch

    true_fn, false_fn = kwargs["branches"]
    return cond(pred, pushed(true_fn), pushed(false_fn), t, *leaves)


defvjp_argnum(_cond, _cond_vjp, staged=False)
defjvp_argnum(_cond, _cond_jvp)


def scan(
    f: Callable[[Any, Any], tuple[Any, Any]], init: Any, xs: Any, length: int | None = None
) -> tuple[Any, Any]:
    """Run ``carry, y = f(carry, x)`` over the leading axis of ``xs``; return the last
    carry and the ``y``s stacked.

    Inside ``jit`` the loop is staged unrolled: its length is that of ``xs`` (a shape,
    part of the signature), and the program is a straight line of primitives.

    Args:
        f: the step, ``(carry, x) -> (carry, y)``; ``y`` may be ``None``.
        init: the first carry.
        xs: a structure of arrays sharing a leading axis, or ``None`` with ``length``.
        length: the number of steps when ``xs`` is ``None``.

    Returns:
        ``(carry, ys)``: the last carry, and each leaf of ``y`` stacked along a new first
        axis (``None`` when ``f`` gives ``None``).

    Raises:
        ValueError: the leaves of ``xs`` have different leading lengths, or neither ``xs``
            nor ``length`` gives the number of steps.

    Examples:
        >>> cumulative = jit(lambda xs: scan(lambda c, x: (c + x, c + x), 0.0, xs)[1])
        >>> cumulative(np.array([1.0, 2.0, 3.0]))
        array([1., 3., 6.])
    """
    lengths = {pnp.shape(leaf)[0] for leaf in tree_leaves(xs)} if xs is not None else set()
    if length is not None:
        lengths.add(length)
    if len(lengths) != 1:
        raise ValueError(
            f"scan: the leading axes of xs (and length) must agree and give the number of "
            f"steps; got {sorted(lengths) or 'none'}"
        )
    (n,) = lengths
    carry, ys = init, []
    for i in range(n):
        x = None if xs is None else tree_map(lambda a, i=i: a[i], xs)
        carry, y = f(carry, x)
        ys.append(y)
    if not ys or ys[0] is None:
        return carry, None
    return carry, tree_map(lambda *parts: pnp.stack(list(parts)), *ys)
