"""What HIPS autograd's users reach for: ``ravel_pytree``, ``elementwise_grad``, and ``grad``
of an output of one element."""

from __future__ import annotations

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens import tree
from paralens.testing import check_grads
from paralens.tree import ravel_pytree

PARAMS = {"w": np.arange(4.0).reshape(2, 2), "b": (0.5, np.float64(2.0)), "n": 3}


@pytest.mark.parametrize(
    ("x", "dtype"),
    [
        ((np.ones(2, np.float32), np.ones(2, np.float32)), np.float32),
        ((np.ones(2, np.float32), np.ones(2)), np.float64),  # as numpy.concatenate promotes
        ((np.ones(2, np.float32), 1.0), np.float64),
        ((np.arange(2), 1.0), np.float64),
        ((np.arange(2), np.int8(1)), np.int64),
        ((np.ones(1), np.array([1j])), np.complex128),
        ((), np.float64),
    ],
)
def test_ravel_pytree_promotes_as_autograds_flatten(x, dtype):
    flat, _ = ravel_pytree(x)
    leaves = tree.tree_leaves(x)
    expected = np.concatenate([np.ravel(v) for v in leaves]) if leaves else np.array([])
    assert flat.dtype == dtype == expected.dtype and flat.ndim == 1
    np.testing.assert_array_equal(flat, expected)


def test_unravel_restores_structure_leaf_types_shapes_and_dtypes():
    x = {"w": np.ones((2, 3), np.float32), "s": 2.5, "k": np.int32(4), "z": (np.float32(1),)}
    flat, unravel = ravel_pytree(x)
    back = unravel(flat * 2)
    assert tree.tree_structure(back) == tree.tree_structure(x)
    for got, given in zip(tree.tree_leaves(back), tree.tree_leaves(x), strict=True):
        assert type(got) is type(given) and np.shape(got) == np.shape(given)
        assert np.result_type(got) == np.result_type(given)
    assert back["k"] == 8 and back["s"] == 5.0
    assert not np.shares_memory(back["w"], flat)


def test_ravel_and_unravel_differentiate_to_order_two_in_both_modes():
    check_grads(lambda p: pnp.sin(ravel_pytree(p)[0]) * 2.0, (PARAMS,), order=2)
    flat, unravel = ravel_pytree(PARAMS)

    def f(v):
        p = unravel(v)
        return pnp.sum(p["w"] ** 2) * p["b"][0] + p["b"][1] ** 3 + p["n"]

    float_part, float_unravel = ravel_pytree({k: v for k, v in PARAMS.items() if k != "n"})
    check_grads(lambda v: f(np.concatenate([v, [3.0]])), (float_part,), order=2)
    check_grads(lambda v: float_unravel(v)["w"] * 3.0, (float_part,), order=2)
    g = paralens.grad(f)(flat)
    # the integer leaf n is cast back, and gets no gradient
    np.testing.assert_allclose(g, [0.0, 1.0, 2.0, 3.0, 14.0, 12.0, 0.0])


def test_unravel_refuses_a_vector_of_another_shape_and_ravel_a_leaf_that_is_no_number():
    _, unravel = ravel_pytree(PARAMS)
    with pytest.raises(ValueError, match=r"a vector of 7 entries .* got shape \(2, 3\)"):
        unravel(np.ones((2, 3)))

    class Opaque:
        pass

    tree.register_leaf(Opaque, zeros=lambda x: x, add=lambda x, y: x, ones=lambda x: x)
    with pytest.raises(TypeError, match="a leaf of type Opaque is neither"):
        ravel_pytree((1.0, Opaque()))


def test_elementwise_grad_is_the_derivative_of_each_entry():
    x = np.linspace(-1.0, 1.0, 5)
    np.testing.assert_allclose(paralens.elementwise_grad(pnp.tanh)(x), 1 - np.tanh(x) ** 2)
    gx, gy = paralens.elementwise_grad(lambda a, b: a * b, argnums=(0, 1))(x, 2 * x)
    np.testing.assert_allclose(gx, 2 * x)
    np.testing.assert_allclose(gy, x)
    # of a structured output: the gradient of the sum of all its entries
    g = paralens.elementwise_grad(lambda a: {"sq": a**2, "s": pnp.sum(a)})(x)
    np.testing.assert_allclose(g, 2 * x + 1)
    with pytest.raises(ValueError, match="more than once"):
        paralens.elementwise_grad(lambda a, b: a * b, argnums=(1, 1))(x, x)


@pytest.mark.parametrize("shape", [(1,), (1, 1), (1, 1, 1)])
def test_grad_of_an_output_of_one_element(shape):
    x = np.array([0.5, -1.0])

    def f(v):
        return pnp.reshape(pnp.sum(pnp.sin(v)), shape)

    np.testing.assert_allclose(paralens.grad(f)(x), np.cos(x))
    value, g = paralens.value_and_grad(f)(x)
    assert value.shape == shape
    np.testing.assert_allclose(g, np.cos(x))


def test_grad_of_an_output_of_more_than_one_element_still_says_to_reduce():
    with pytest.raises(TypeError, match=r"an array of shape \(2,\)\. Reduce it first"):
        paralens.grad(lambda v: v * 2.0)(np.ones(2))
