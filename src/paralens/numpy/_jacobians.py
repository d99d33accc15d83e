"""Jacobians and Hessians: whole matrices of derivatives, one transform per coordinate.

For inputs and outputs that are structures, the Jacobian is a structure too (as JAX's
is): the output's structure, each of whose leaves is a value of the input's structure
holding one block, never an array of objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._ad import argnums_tuple, jvp, vjp
from paralens._core import plain_value
from paralens._core._vspace import basis, is_integer, zeros_like
from paralens.numpy._composites import stack
from paralens.numpy._shape import reshape
from paralens.tree import tree_flatten


def _coordinates(x: Any) -> tuple[list[Any], Any, list[tuple[int, ...]]]:
    """The leaves of ``x``, its structure, and the shape of each leaf."""
    found, treedef = tree_flatten(x)
    return found, treedef, [tuple(np.shape(plain_value(leaf))) for leaf in found]


def _unit(treedef: Any, zeros: list[Any], i: int, e: Any) -> Any:
    """The value of ``treedef`` that is ``e`` at leaf ``i`` and zero elsewhere."""
    return treedef.unflatten([e if j == i else z for j, z in enumerate(zeros)])


def _block(
    vectors: list[Any], out_shape: tuple[int, ...], in_shape: tuple[int, ...], axis: int
) -> Any:
    """One block of a Jacobian from its rows (``axis=0``) or columns (``axis=-1``)."""
    if not vectors:
        return np.zeros(out_shape + in_shape)
    return reshape(stack([reshape(v, (-1,)) for v in vectors], axis=axis), out_shape + in_shape)


def _assemble(
    out_def: Any, in_def: Any, blocks: dict[tuple[int, int], Any], n_out: int, n_in: int
) -> Any:
    """The Jacobian as a value of the output's structure of values of the input's."""
    return out_def.unflatten(
        [in_def.unflatten([blocks[k, i] for i in range(n_in)]) for k in range(n_out)]
    )


def _in_one_argument(
    f: Callable[..., Any], argnums: int, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, Callable[[Any], Any]]:
    """The argument at ``argnums``, and ``f`` as a function of that argument alone."""
    n = argnums_tuple(argnums, len(args), "f")[0]

    def f_x(x: Any) -> Any:
        return f(*args[:n], x, *args[n + 1 :], **kwargs)

    return args[n], f_x


def jacfwd(f: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The Jacobian of ``f`` in forward mode: one ``jvp`` per input coordinate.

    Args:
        f: a function of any registered structure of arrays and floats.
        argnums: the position of the argument to differentiate.

    Returns:
        A function of ``f``'s arguments returning the Jacobian: for an array input and
        output, an array of shape ``ans.shape + x.shape``; for structures, a value of the
        output's structure whose every leaf is a value of the input's structure, holding
        the block ``out_leaf.shape + in_leaf.shape`` (as JAX's ``jacfwd``). Integer
        leaves of the input have zero blocks.

    Examples:
        >>> jacfwd(lambda x: x * x)(np.array([1.0, 2.0]))
        array([[2., 0.],
               [0., 4.]])
        >>> jacfwd(lambda p: p["w"] * p["b"])({"w": np.array([1.0, 2.0]), "b": 3.0})
        {'w': array([[3., 0.],
               [0., 3.]]), 'b': array([1., 2.])}
    """

    def jac(*args: Any, **kwargs: Any) -> Any:
        x, f_x = _in_one_argument(f, argnums, args, kwargs)
        x_leaves, x_def, x_shapes = _coordinates(x)
        zeros = [zeros_like(plain_value(leaf)) for leaf in x_leaves]
        columns: list[list[Any]] = []
        out = None
        for i, leaf in enumerate(x_leaves):
            units = [] if is_integer(leaf) else basis(plain_value(leaf))
            tangents = [jvp(f_x, (x,), (_unit(x_def, zeros, i, e),)) for e in units]
            if tangents:
                out = tangents[0][0]
            columns.append([t for _, t in tangents])
        if out is None:
            out = f_x(x)
        out_leaves, out_def, out_shapes = _coordinates(out)
        blocks = {}
        for i, in_shape in enumerate(x_shapes):
            per_output = [tree_flatten(t)[0] for t in columns[i]]
            for k, out_shape in enumerate(out_shapes):
                vectors = [leaves_of_t[k] for leaves_of_t in per_output]
                blocks[k, i] = _block(vectors, out_shape, in_shape, -1)
        return _assemble(out_def, x_def, blocks, len(out_leaves), len(x_leaves))

    return jac


def jacrev(f: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The Jacobian of ``f`` in reverse mode: one pullback per output coordinate.

    Args:
        f: a function of any registered structure of arrays and floats.
        argnums: the position of the argument to differentiate.

    Returns:
        A function of ``f``'s arguments returning the Jacobian, with the shapes and
        structure ``jacfwd`` gives.

    Examples:
        >>> import paralens.numpy as pnp
        >>> jacrev(lambda x: pnp.sin(x))(np.array([0.0, 0.0]))
        array([[1., 0.],
               [0., 1.]])
        >>> jacrev(lambda p: (p["w"] * p["b"], p["b"]))({"w": np.ones(2), "b": 3.0})
        ({'w': array([[3., 0.],
               [0., 3.]]), 'b': array([1., 1.])}, {'w': array([0., 0.]), 'b': array(1.)})
    """

    def jac(*args: Any, **kwargs: Any) -> Any:
        x, f_x = _in_one_argument(f, argnums, args, kwargs)
        ans, pullback = vjp(f_x, x)
        x_leaves, x_def, x_shapes = _coordinates(x)
        out_leaves, out_def, out_shapes = _coordinates(ans)
        zeros = [zeros_like(plain_value(leaf)) for leaf in out_leaves]
        blocks = {}
        for k, leaf in enumerate(out_leaves):
            units = basis(plain_value(leaf))
            rows = [tree_flatten(pullback(_unit(out_def, zeros, k, e))[0])[0] for e in units]
            for i, in_shape in enumerate(x_shapes):
                if is_integer(x_leaves[i]):
                    blocks[k, i] = np.zeros(out_shapes[k] + in_shape)
                else:
                    blocks[k, i] = _block([r[i] for r in rows], out_shapes[k], in_shape, 0)
        return _assemble(out_def, x_def, blocks, len(out_leaves), len(x_leaves))

    return jac


jacobian = jacrev


def hessian(f: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The Hessian of a scalar ``f``: forward mode over reverse mode.

    Args:
        f: a function returning a scalar.
        argnums: the position of the argument to differentiate twice.

    Returns:
        A function of ``f``'s arguments returning the Hessian, of shape
        ``x.shape + x.shape``.

    Examples:
        >>> import paralens.numpy as pnp
        >>> hessian(lambda x: pnp.sum(x ** 3))(np.array([1.0, 2.0]))
        array([[ 6.,  0.],
               [ 0., 12.]])
    """
    return jacfwd(jacrev(f, argnums), argnums)
