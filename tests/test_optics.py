"""Tests for paralens.optics: lenses, sequence/unsequence, and sum types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import paralens
import paralens.numpy as pnp
from paralens import optics
from paralens._core import plain_value
from paralens.optics import lens, match, over, sequence, unsequence, view
from paralens.testing import check_grads


@dataclass(frozen=True)
class Layer:
    w: Any
    b: Any


class Pair(NamedTuple):
    left: Any
    right: Any


@dataclass(frozen=True)
class Circle:
    r: Any


@dataclass(frozen=True)
class Rect:
    width: Any
    height: Any


@dataclass(frozen=True)
class Model:
    layer: Layer
    bias: Any | None


def params() -> dict[str, Any]:
    return {
        "layers": [
            Layer(np.array([1.0, -2.0]), 0.5),
            Layer(np.array([[0.3, 0.2], [-0.1, 0.7]]), np.array([0.1, 0.2])),
        ],
        "scale": Pair(1.5, 2.5),
    }


PATHS = [
    lens("layers", 0, "w"),
    lens("layers", 0, "b"),
    lens("layers", 1, "w"),
    lens("layers", -1, "b"),
    lens("scale", "right"),
    lens("scale", 0),
    lens("layers", 1),
]


def leaves_allclose(a: Any, b: Any) -> bool:
    la, lb = paralens.tree.tree_leaves(a), paralens.tree.tree_leaves(b)
    same_structure = paralens.tree.tree_structure(a) == paralens.tree.tree_structure(b)
    return same_structure and all(np.allclose(x, y) for x, y in zip(la, lb, strict=True))


def test_view_plain_values() -> None:
    p = params()
    assert view(p, lens("scale", "right")) == 2.5
    assert view(p, lens("scale", 1)) == 2.5
    assert view(p, "scale") is p["scale"]
    np.testing.assert_array_equal(view(p, lens("layers", 0, "w")), [1.0, -2.0])


def test_set_and_over_leave_the_input_unchanged() -> None:
    p = params()
    q = optics.set(p, lens("layers", 0, "b"), 9.0)
    assert view(q, lens("layers", 0, "b")) == 9.0
    assert view(p, lens("layers", 0, "b")) == 0.5
    assert q["layers"][1] is p["layers"][1]
    r = over(p, lens("scale", "left"), lambda s: s * 2.0)
    assert r["scale"] == Pair(3.0, 2.5)
    assert isinstance(r["scale"], Pair)


@pytest.mark.parametrize("where", PATHS, ids=repr)
def test_lens_laws_on_plain_values(where: Any) -> None:
    p = params()
    part = view(p, where)
    new = paralens.tree.tree_map(lambda a: a + 1.0, part)
    assert leaves_allclose(view(optics.set(p, where, new), where), new)
    assert leaves_allclose(optics.set(p, where, part), p)
    assert leaves_allclose(
        optics.set(optics.set(p, where, part), where, new), optics.set(p, where, new)
    )


@pytest.mark.parametrize("where", PATHS, ids=repr)
def test_view_gradient_is_one_hot(where: Any) -> None:
    p = params()

    def f(q: Any) -> Any:
        return sum(pnp.sum(pnp.sin(a)) for a in paralens.tree.tree_leaves(view(q, where)))

    g = paralens.grad(f)(p)
    expected = optics.set(
        paralens.tree.zeros_like(p),
        where,
        paralens.tree.tree_map(np.cos, view(p, where)),
    )
    assert leaves_allclose(g, expected)
    assert isinstance(g["layers"][0], Layer)
    assert isinstance(g["scale"], Pair)


def total(x: Any) -> Any:
    return sum(pnp.sum(a * a * a) for a in paralens.tree.tree_leaves(x))


@pytest.mark.parametrize("where", PATHS, ids=repr)
def test_view_check_grads(where: Any) -> None:
    check_grads(lambda q: total(view(q, where)), (params(),), order=2)


@pytest.mark.parametrize("where", PATHS, ids=repr)
def test_set_check_grads(where: Any) -> None:
    p = params()
    new = paralens.tree.tree_map(lambda a: a * 0.5 + 0.25, view(p, where))
    check_grads(lambda q, n: total(optics.set(q, where, n)), (p, new), order=2)
    check_grads(lambda q, n: total(optics.set(q, where, n)) * total(q), (p, new), order=2)


@pytest.mark.parametrize("where", PATHS, ids=repr)
def test_over_check_grads(where: Any) -> None:
    def f(q: Any) -> Any:
        return total(over(q, where, lambda part: paralens.tree.tree_map(pnp.sin, part)))

    check_grads(f, (params(),), order=2)


def explode(x: Any) -> Any:
    """A structure of traced leaves from a traced structure (unsequence at every level)."""
    value = plain_value(x)
    if isinstance(value, dict | list | tuple | Layer):
        parts = unsequence(x)
        if isinstance(parts, dict):
            return {k: explode(c) for k, c in parts.items()}
        if isinstance(parts, Layer):
            return Layer(explode(parts.w), explode(parts.b))
        return (
            type(parts)(*(explode(c) for c in parts))
            if isinstance(parts, Pair)
            else type(parts)(explode(c) for c in parts)
        )
    return x


def sin_all(part: Any) -> Any:
    return sequence(paralens.tree.tree_map(pnp.sin, explode(part)))


@pytest.mark.parametrize("where", PATHS, ids=repr)
def test_set_on_one_var_of_the_whole_structure(where: Any) -> None:
    p = params()
    new = paralens.tree.tree_map(lambda a: a * 0.5 + 0.25, view(p, where))

    def f(q: Any, n: Any) -> Any:
        whole = sequence(q)
        return total(explode(optics.set(whole, where, n))) * total(explode(whole))

    check_grads(f, (p, new), order=2)
    check_grads(lambda q: total(explode(over(sequence(q), where, sin_all))), (p,), order=2)


def test_set_gradient_splits_between_new_part_and_rest() -> None:
    def f(p: Any, n: Any) -> Any:
        q = optics.set(p, "w", n)
        return q["w"] * 3.0 + q["b"] * 5.0

    gp, gn = paralens.grad(f, argnums=(0, 1))({"w": 1.0, "b": 2.0}, 4.0)
    assert gp == {"w": 0.0, "b": 5.0}
    assert gn == 3.0


def test_set_on_a_var_of_a_dataclass_gives_a_dataclass_gradient() -> None:
    def f(layer: Layer) -> Any:
        moved = optics.set(layer, "b", layer.b + layer.w)
        return moved.b * moved.w

    g = paralens.grad(f)(Layer(2.0, 3.0))
    # (b + w) * w: d/dw = b + 2w = 7, d/db = w = 2
    assert g == Layer(7.0, 2.0)


def test_set_in_forward_mode_and_nested() -> None:
    def f(p: Any) -> Any:
        return view(optics.set(p, lens("a", 1), view(p, lens("a", 0)) ** 2), lens("a", 1))

    p = {"a": (3.0, 4.0)}
    ans, tangent = paralens.jvp(f, (p,), ({"a": (1.0, 0.0)},))
    assert ans == 9.0 and tangent == 6.0
    assert paralens.grad(f)(p) == {"a": (6.0, 0.0)}
    assert paralens.hessian(lambda x: f({"a": (x, 4.0)}))(3.0) == 2.0


def test_lenses_work_on_structures_that_hold_vars() -> None:
    def f(x: Any, y: Any) -> Any:
        structure = {"pair": (x, y)}
        moved = optics.set(structure, lens("pair", 0), x * y)
        return view(moved, lens("pair", 0)) + view(moved, lens("pair", 1))

    assert paralens.grad(f, argnums=(0, 1))(2.0, 3.0) == (3.0, 3.0)


def test_lens_composition_and_repr() -> None:
    assert lens("a") / lens(0, "b") == lens("a", 0, "b")
    assert repr(lens("a", 0)) == "lens('a', 0)"
    assert hash(lens("a", 0)) == hash(lens("a", 0))
    with pytest.raises(AttributeError, match="immutable"):
        lens("a").path = ("b",)  # type: ignore[misc]
    with pytest.raises(TypeError, match="slice"):
        lens(slice(0, 2))


def test_missing_field_names_the_type_and_the_fields() -> None:
    with pytest.raises(AttributeError, match=r"Layer has no field 'weight'; its fields are: w, b"):
        view(Layer(1.0, 2.0), "weight")

    def traced(layer: Layer) -> Any:
        return view(layer, "weight")

    with pytest.raises(AttributeError, match=r"its fields are: w, b"):
        paralens.grad(traced)(Layer(1.0, 2.0))
    with pytest.raises(KeyError, match=r"no key 'c'; its keys are: \['a', 'b'\]"):
        optics.set({"a": 1.0, "b": 2.0}, "c", 3.0)
    with pytest.raises(IndexError, match="out of range"):
        view((1.0, 2.0), 2)
    with pytest.raises(TypeError, match="index arrays directly"):
        view(np.zeros(3), 0)
    with pytest.raises(TypeError, match="indexed by field names"):
        view(Layer(1.0, 2.0), 0)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(-3, 3), min_size=1, max_size=5),
    st.data(),
)
def test_set_view_laws_hold_under_grad(xs: list[float], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(xs) - 1))
    new = data.draw(st.floats(-3, 3))

    def f(v: Any, n: Any) -> Any:
        return view(optics.set(v, i, n), i)

    assert f(xs, new) == new
    g_xs, g_new = paralens.grad(f, argnums=(0, 1))(xs, new)
    assert g_new == 1.0
    assert g_xs == [0.0] * len(xs)


def test_sequence_and_unsequence() -> None:
    def f(x: Any, y: Any) -> Any:
        packed = sequence({"x": x, "pair": (y, 2.0)})
        assert isinstance(packed, paralens.Var)
        assert isinstance(packed.value, dict)
        parts = unsequence(packed)
        assert isinstance(parts, dict) and isinstance(parts["pair"], paralens.Var)
        a, b = unsequence(parts["pair"])
        return parts["x"] * a * b

    assert paralens.grad(f, argnums=(0, 1))(3.0, 5.0) == (10.0, 6.0)
    check_grads(lambda x, y: pnp.sum(sequence([x, y])[0] * y), (np.ones(2), np.arange(2.0)))


def test_unsequence_keeps_the_container_type() -> None:
    def f(layer: Layer) -> Any:
        parts = unsequence(layer)
        assert type(parts) is Layer
        return parts.w * parts.b

    assert paralens.grad(f)(Layer(2.0, 3.0)) == Layer(3.0, 2.0)
    pair = unsequence(Pair(1.0, 2.0))
    assert pair == Pair(1.0, 2.0)

    def bad(x: Any) -> Any:
        return unsequence(x)

    with pytest.raises(TypeError, match="traced container"):
        paralens.grad(bad)(1.0)


def test_sequence_of_plain_values_is_unchanged() -> None:
    xs = [1.0, (2.0, 3.0)]
    assert sequence(xs) is not None and sequence(xs) == xs


def area(shape: Any) -> Any:
    return match(
        shape,
        {
            Circle: lambda c: 3.0 * c.r * c.r,
            Rect: lambda r: r.width * r.height,
        },
    )


def test_match_gradient_is_a_value_of_the_active_class() -> None:
    assert paralens.grad(area)(Circle(2.0)) == Circle(12.0)
    assert paralens.grad(area)(Rect(2.0, 5.0)) == Rect(5.0, 2.0)
    check_grads(area, (Rect(2.0, 5.0),), order=2)
    check_grads(area, (Circle(np.array([1.0, 2.0])),), order=2)


def test_match_runs_only_the_active_case() -> None:
    calls: list[str] = []

    def circle_case(c: Any) -> Any:
        calls.append("circle")
        return c.r

    def rect_case(r: Any) -> Any:
        calls.append("rect")
        return r.width

    paralens.grad(lambda s: match(s, {Circle: circle_case, Rect: rect_case}))(Rect(1.0, 2.0))
    assert calls == ["rect"]


def test_match_optional_and_base_classes() -> None:
    def predict(model: Model, x: Any) -> Any:
        y = model.layer.w * x
        return match(model.bias, {None: lambda _: y, float: lambda b: y + b})

    assert paralens.grad(predict)(Model(Layer(2.0, 0.0), None), 3.0) == Model(Layer(3.0, 0.0), None)
    assert paralens.grad(predict)(Model(Layer(2.0, 0.0), 1.0), 3.0) == Model(Layer(3.0, 0.0), 1.0)

    @dataclass(frozen=True)
    class Unit(Circle):
        pass

    assert match(Unit(1.0), {Circle: lambda c: "circle"}) == "circle"
    with pytest.raises(TypeError, match="no case for Rect; its cases are: Circle, None"):
        match(Rect(1.0, 1.0), {Circle: lambda c: 0.0, None: lambda c: 0.0})


def test_isinstance_works_in_a_traced_function() -> None:
    def perimeter(shape: Any) -> Any:
        if isinstance(shape, Circle):
            return 6.0 * shape.r
        return 2.0 * (shape.width + shape.height)

    assert paralens.grad(perimeter)(Circle(1.0)) == Circle(6.0)
    assert paralens.grad(perimeter)(Rect(1.0, 3.0)) == Rect(2.0, 2.0)
    check_grads(perimeter, (Rect(1.0, 3.0),), order=2)


def test_isinstance_on_the_value_of_a_traced_sum_works() -> None:
    def perimeter(shape: Any) -> Any:
        v = sequence(shape)  # one Var whose value is the whole shape
        assert isinstance(v, paralens.Var)
        if isinstance(v.value, Circle):
            return 6.0 * v.r
        return 2.0 * (v.width + v.height)

    assert paralens.grad(perimeter)(Circle(1.0)) == Circle(6.0)
    assert paralens.grad(perimeter)(Rect(1.0, 3.0)) == Rect(2.0, 2.0)
