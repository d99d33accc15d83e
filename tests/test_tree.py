"""Structures: flattening, mapping, functional replacement, and the vector space of values."""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pytest

from paralens import tree


@dataclass(frozen=True)
class Affine:
    w: np.ndarray
    b: float


class Pair(NamedTuple):
    left: object
    right: object


VALUES = [
    1.0,
    np.zeros((2, 3)),
    (1.0, [2.0, 3.0]),
    {"b": 1.0, "a": (2.0, None)},
    Affine(np.ones(2), 0.5),
    Pair(Affine(np.ones(1), 1.0), {"k": [np.float32(2.0), 3]}),
    [],
    None,
]


@pytest.mark.parametrize("x", VALUES)
def test_flatten_then_unflatten_is_the_identity(x):
    leaves, treedef = tree.tree_flatten(x)
    rebuilt = tree.tree_unflatten(treedef, leaves)
    assert type(rebuilt) is type(x)
    assert tree.tree_structure(rebuilt) == treedef
    for a, b in zip(tree.tree_leaves(rebuilt), leaves, strict=True):
        assert a is b
    assert treedef.num_leaves == len(leaves)


def test_leaves_are_in_container_order():
    x = {"b": 1.0, "a": (2.0, None, [3.0, Affine(4.0, 5.0)])}
    assert tree.tree_leaves(x) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert tree.tree_leaves(None) == []
    assert tree.tree_leaves(Pair(1, 2)) == [1, 2]


def test_is_leaf_keeps_parts_whole():
    x = {"layer": Affine(np.ones(2), 0.5), "scale": 2.0}
    leaves = tree.tree_leaves(x, is_leaf=lambda v: isinstance(v, Affine))
    assert len(leaves) == 2 and isinstance(leaves[0], Affine)


def test_structures_compare_by_containers_not_leaves():
    s = tree.tree_structure
    assert s({"a": 1.0, "b": (2.0, None)}) == s({"a": np.zeros(3), "b": (5, None)})
    assert hash(s((1.0, [2.0]))) == hash(s((3.0, [4.0])))
    assert s({"a": 1.0}) != s({"b": 1.0})
    assert s((1.0, 2.0)) != s([1.0, 2.0])
    assert s((1.0, 2.0)) != s(Pair(1.0, 2.0))
    assert s((1.0, 2.0)) != s((1.0, 2.0, 3.0))
    assert s(Affine(1.0, 2.0)) != s((1.0, 2.0))
    assert repr(s((1.0, [2.0, 3.0]))) == "tuple(*, list(*, *))"


def test_unflatten_checks_the_number_of_leaves():
    treedef = tree.tree_structure((1.0, 2.0))
    with pytest.raises(ValueError, match="too few"):
        treedef.unflatten([1.0])
    with pytest.raises(ValueError, match="too many"):
        treedef.unflatten([1.0, 2.0, 3.0])


def test_tree_map_over_several_trees():
    x = Pair(1.0, {"k": np.array([1.0, 2.0])})
    y = Pair(10.0, {"k": np.array([3.0, 4.0])})
    out = tree.tree_map(lambda a, b: a * b, x, y)
    assert type(out) is Pair and out.left == 10.0
    np.testing.assert_array_equal(out.right["k"], [3.0, 8.0])
    with pytest.raises(ValueError, match="structures differ"):
        tree.tree_map(lambda a, b: a, x, Pair(1.0, {"j": 2.0}))
    assert tree.tree_map(lambda a: a + 1, None) is None


def test_tree_map_leaves_its_input_unchanged():
    x = {"w": np.array([1.0, 2.0])}
    out = tree.tree_map(lambda a: a * 2, x)
    assert out is not x
    np.testing.assert_array_equal(x["w"], [1.0, 2.0])


def test_tree_at_replaces_one_part():
    p = Pair(Affine(np.ones(2), 0.5), {"k": [1.0, 2.0]})
    q = tree.tree_at(lambda p: p.left.b, p, 9.0)
    assert type(q) is Pair and type(q.left) is Affine
    assert q.left.b == 9.0 and p.left.b == 0.5
    assert q.left.w is p.left.w and q.right is p.right
    r = tree.tree_at(lambda p: p.right["k"][1], p, 7.0)
    assert r.right == {"k": [1.0, 7.0]} and p.right == {"k": [1.0, 2.0]}
    s = tree.tree_at(lambda p: p.left, p, None)
    assert s.left is None


def test_tree_at_tells_equal_leaves_apart():
    # Equal leaves may be one object: the position, not the identity, is what is replaced.
    assert tree.tree_at(lambda p: p[1], (1.0, 1.0), 5.0) == (1.0, 5.0)
    shared = np.ones(2)
    out = tree.tree_at(lambda p: p["b"], {"a": shared, "b": shared}, 0.0)
    assert out["a"] is shared and out["b"] == 0.0
    assert tree.tree_at(lambda p: p[1], (None, None, 3.0), 7.0) == (None, 7.0, 3.0)
    assert tree.tree_at(lambda p: p[1], ([], [], 1.0), [2.0]) == ([], [2.0], 1.0)


def test_tree_at_with_a_where_that_reads_values():
    out = tree.tree_at(lambda p: p[1] if p[0] > 0 else p[0], (1.0, 2.0), 0.0)
    assert out == (1.0, 0.0)


def test_tree_at_refuses_a_where_outside_the_value():
    with pytest.raises(ValueError, match="part of the value"):
        tree.tree_at(lambda p: 3.0, (1.0, 2.0), 0.0)


def test_vector_space_of_structures():
    x = {"w": np.array([1.0, 2.0]), "b": 3.0, "n": 4, "f": np.float32(1.5)}
    zero = tree.zeros_like(x)
    assert type(zero["b"]) is float and zero["b"] == 0.0
    assert type(zero["n"]) is int and zero["n"] == 0
    assert type(zero["f"]) is np.float32
    np.testing.assert_array_equal(zero["w"], [0.0, 0.0])
    ones = tree.ones_like(x)
    np.testing.assert_array_equal(ones["w"], [1.0, 1.0])
    assert ones["b"] == 1.0
    doubled = tree.add(x, x)
    np.testing.assert_array_equal(doubled["w"], [2.0, 4.0])
    assert doubled["b"] == 6.0
    scaled = tree.scale(0.5, x)
    assert scaled["b"] == 1.5
    assert tree.inner(x, ones) == pytest.approx(1.0 + 2.0 + 3.0 + 4.0 + 1.5)
    assert tree.inner({"a": 2.0}, {"a": 3.0}) == 6.0
    assert tree.inner(1j, 1j) == 1.0


def test_is_leaf_for_numbers_and_arrays_only():
    assert tree.is_leaf(1.0) and tree.is_leaf(np.zeros(2)) and tree.is_leaf(np.float32(1))
    assert tree.is_leaf(3) and tree.is_leaf(2j)
    assert not tree.is_leaf((1.0,)) and not tree.is_leaf(None) and not tree.is_leaf(Affine(1, 2))


class Interval:
    """A user container registered by hand."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi


tree.register_node(
    Interval,
    flatten=lambda i: ([i.lo, i.hi], None),
    unflatten=lambda aux, children: Interval(*children),
)


def test_registered_node_flattens_and_maps():
    x = [Interval(1.0, 2.0)]
    assert tree.tree_leaves(x) == [1.0, 2.0]
    out = tree.tree_map(lambda a: -a, x)
    assert type(out[0]) is Interval and (out[0].lo, out[0].hi) == (-1.0, -2.0)
    assert tree.tree_at(lambda x: x[0].hi, x, 5.0)[0].hi == 5.0
    assert tree.tree_structure(x) != tree.tree_structure([(1.0, 2.0)])


@dataclass(frozen=True)
class Named:
    """A parameter with two static fields: structure, not parameters."""

    w: np.ndarray
    b: float
    name: str = tree.static_field(default="layer")
    width: int = tree.static_field(default=2)


def test_static_fields_are_structure_not_leaves():
    x = Named(np.ones(2), 0.5, "first", 2)
    assert len(tree.tree_leaves(x)) == 2
    assert tree.tree_structure(x) == tree.tree_structure(Named(np.zeros(2), 1.0, "first", 2))
    assert tree.tree_structure(x) != tree.tree_structure(Named(np.ones(2), 0.5, "second", 2))
    assert tree.tree_structure(x) != tree.tree_structure(Named(np.ones(2), 0.5, "first", 3))
    leaves, treedef = tree.tree_flatten(x)
    rebuilt = treedef.unflatten(leaves)
    assert (rebuilt.name, rebuilt.width) == ("first", 2)
    assert tree.child_keys(x) == [".w", ".b"]
    assert [p for p, _ in tree.tree_leaves_with_path(x, prefix="p")] == ["p.w", "p.b"]


def test_tree_map_keeps_static_fields_and_refuses_different_ones():
    x = Named(np.ones(2), 0.5, "first", 2)
    doubled = tree.tree_map(lambda v: v * 2, x)
    assert (doubled.name, doubled.width) == ("first", 2)
    np.testing.assert_array_equal(doubled.w, [2.0, 2.0])
    summed = tree.tree_map(lambda a, b: a + b, x, Named(np.ones(2), 1.0, "first", 2))
    assert summed.b == 1.5 and summed.name == "first"
    with pytest.raises(ValueError, match="structures differ"):
        tree.tree_map(lambda a, b: a + b, x, Named(np.ones(2), 1.0, "other", 2))


def test_static_fields_are_never_traced_and_keep_their_value_in_gradients():
    import paralens
    import paralens.numpy as pnp

    seen = []

    def loss(p):
        seen.append((type(p.name), type(p.width)))
        return pnp.sum(p.w * p.w) * p.width + p.b

    g = paralens.grad(loss)(Named(np.array([1.0, 2.0]), 0.5, "first", 3))
    assert seen == [(str, int)]
    assert type(g) is Named and (g.name, g.width) == ("first", 3)
    np.testing.assert_array_equal(g.w, [6.0, 12.0])
    assert g.b == 1.0
    _, tangent = paralens.jvp(
        loss, (Named(np.ones(2), 0.5, "a", 1),), (Named(np.ones(2), 1.0, "a", 1),)
    )
    assert tangent == 5.0


def test_static_fields_of_a_traced_container_read_as_plain_values():
    import paralens
    from paralens import optics

    def f(x):
        packed = optics.sequence(Named(x * 2.0, x, "first", 4))  # one Var of the whole
        assert packed.name == "first" and packed.width == 4
        return packed.b * packed.width

    assert paralens.grad(f)(1.0) == 4.0
    with pytest.raises(TypeError, match="static"):
        optics.view(Named(np.ones(1), 1.0), "name")


def test_an_unhashable_static_value_is_refused_with_the_fix():
    @dataclass(frozen=True)
    class Listed:
        w: float
        sizes: list = tree.static_field()  # noqa: RUF009

    with pytest.raises(TypeError, match="must be hashable"):
        tree.tree_structure(Listed(1.0, [1, 2]))
