"""Stateless models: layers, composition and its laws, size checks, the first experiments."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import paralens
import paralens.numpy as pnp
from paralens import nn
from paralens.testing import check_grads

RNG = np.random.default_rng(0)

DENSE_LAYERS = [nn.linear, nn.logistic_layer, nn.tanh_layer, nn.softmax_layer, nn.relu_layer]


def _apply(m: nn.Model[Any, Any, Any]) -> Any:
    def f(p: Any, x: Any) -> Any:
        return m.apply(p, x)

    f.__name__ = m.name
    return f


@pytest.mark.parametrize("layer", DENSE_LAYERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("batch", [(), (4,)])
def test_dense_layers_gradients(layer: Any, batch: tuple[int, ...]) -> None:
    m = layer(3, 2)
    p = m.init(1)
    x = RNG.normal(size=(*batch, 3))
    if layer is nn.relu_layer:
        # keep away from the kink, where finite differences are meaningless
        x = np.abs(x) + 0.5
        p = nn.Linear(np.abs(p.w) + 0.1, p.b)
    check_grads(_apply(m), (p, x), order=2)


@pytest.mark.parametrize("layer", [nn.lin_reg, nn.log_reg], ids=lambda f: f.__name__)
def test_scalar_regressions_gradients(layer: Any) -> None:
    m = layer()
    check_grads(_apply(m), (m.init(0), 0.7), order=2)
    check_grads(_apply(m), (m.init(0), RNG.normal(size=5)), order=2)


def test_mlp_and_fn_gradients() -> None:
    m = nn.mlp([3, 5, 4, 2], activation=pnp.tanh) >> nn.fn(pnp.logistic)
    p = m.init(0)
    assert len(p[0]) == 3 and p[1] is None
    check_grads(_apply(m), (p, RNG.normal(size=(2, 3))), order=2)


def test_gradients_are_named_like_the_parameters() -> None:
    m = nn.logistic_layer(2, 3) >> nn.linear(3, 1)
    p = m.init(0)
    x = RNG.normal(size=(5, 2))
    g = paralens.grad(lambda p: pnp.sum(m.apply(p, x)))(p)
    assert isinstance(g, tuple) and isinstance(g[0], nn.Linear) and isinstance(g[1], nn.Linear)
    assert g[0].w.shape == (2, 3) and g[1].b.shape == (1,)
    np.testing.assert_allclose(g[1].b, [5.0])


def test_plain_arrays_in_plain_arrays_out() -> None:
    m = nn.mlp([3, 4, 2]) >> nn.fn(pnp.tanh) >> nn.softmax_layer(2, 3)
    y = m.apply(m.init(0), RNG.normal(size=(6, 3)))
    assert type(y) is np.ndarray and y.shape == (6, 3)
    np.testing.assert_allclose(y.sum(axis=-1), np.ones(6))
    assert type(nn.lin_reg().apply(nn.LinReg(1.0, 2.0), 3.0)) is float


def test_composed_apply_equals_hand_written_numpy() -> None:
    m = nn.tanh_layer(3, 4) >> nn.linear(4, 2)
    (p1, p2) = m.init(3)
    x = RNG.normal(size=(5, 3))
    np.testing.assert_array_equal(m.apply((p1, p2), x), np.tanh(x @ p1.w + p1.b) @ p2.w + p2.b)


def test_init_is_reproducible_and_takes_generators() -> None:
    m = nn.mlp([2, 3, 1])
    a, b = m.init(7), m.init(np.random.default_rng(7))
    for x, y in zip(paralens.tree.tree_leaves(a), paralens.tree.tree_leaves(b), strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(m.init(8)[0].w, a[0].w)
    with pytest.raises(TypeError, match=r"int seed or a numpy\.random\.Generator"):
        m.init("seed")  # type: ignore[arg-type]


def test_glorot_and_he_scales() -> None:
    w = nn.tanh_layer(200, 300).init(0).w
    assert np.abs(w).max() <= np.sqrt(6 / 500)
    assert abs(w.std() - np.sqrt(2 / 500)) < 0.01
    w_relu = nn.relu_layer(200, 300).init(0).w
    assert abs(w_relu.std() - np.sqrt(2 / 200)) < 0.01
    assert np.all(nn.linear(3, 4).init(0).b == 0)


# Composition laws


def _reassociate(p: Any) -> Any:
    """((p_f, p_g), p_h) -> (p_f, (p_g, p_h))."""
    (pf, pg), ph = p
    return pf, (pg, ph)


@settings(max_examples=15, deadline=None)
@given(sizes=st.lists(st.integers(1, 4), min_size=4, max_size=4), seed=st.integers(0, 2**16))
def test_composition_is_associative(sizes: list[int], seed: int) -> None:
    a, b, c, d = sizes
    f, g, h = nn.tanh_layer(a, b), nn.logistic_layer(b, c), nn.linear(c, d)
    left, right = (f >> g) >> h, f >> (g >> h)
    p_left = left.init(seed)
    p_right = _reassociate(p_left)
    x = np.random.default_rng(seed).normal(size=(3, a))
    np.testing.assert_allclose(left.apply(p_left, x), right.apply(p_right, x))

    def loss(m: Any) -> Any:
        return lambda p: pnp.sum(pnp.sin(m.apply(p, x)))

    g_left = paralens.grad(loss(left))(p_left)
    g_right = paralens.grad(loss(right))(p_right)
    for u, v in zip(
        paralens.tree.tree_leaves(_reassociate(g_left)),
        paralens.tree.tree_leaves(g_right),
        strict=True,
    ):
        np.testing.assert_allclose(u, v)


def test_identity_is_neutral() -> None:
    f = nn.tanh_layer(3, 2)
    p = f.init(0)
    x = RNG.normal(size=(4, 3))
    y = f.apply(p, x)
    np.testing.assert_array_equal((nn.identity() >> f).apply((None, p), x), y)
    np.testing.assert_array_equal((f >> nn.identity()).apply((p, None), x), y)
    np.testing.assert_array_equal((f << nn.identity()).apply((None, p), x), y)
    g = paralens.grad(lambda q: pnp.sum(f.apply(q, x)))(p)
    g_id = paralens.grad(lambda q: pnp.sum((nn.identity() >> f).apply(q, x)))((None, p))
    assert g_id[0] is None
    np.testing.assert_allclose(g_id[1].w, g.w)


def test_lshift_is_rshift_flipped() -> None:
    f, g = nn.linear(2, 3), nn.tanh_layer(3, 1)
    m1, m2 = f >> g, g << f
    assert repr(m1) == repr(m2) == "Model(linear(2, 3) >> tanh_layer(3, 1))"
    p = m1.init(0)
    x = RNG.normal(size=2)
    np.testing.assert_array_equal(m1.apply(p, x), m2.apply(p, x))


def test_structure_is_inspectable() -> None:
    f, g, h = nn.linear(2, 3), nn.fn(pnp.tanh), nn.linear(3, 1)
    m = f >> (g >> h)
    assert m.kind == "then" and m.children[0] is f
    inner = m.children[1]
    assert inner.kind == "then" and inner.children == (g, h)
    assert g.kind == "fn" and f.kind == "layer" and f.children == ()
    assert repr(m) == "Model(linear(2, 3) >> (tanh >> linear(3, 1)))"
    assert (f.in_size, f.out_size) == (2, 3)
    net = nn.mlp([2, 4, 4, 1])
    assert net.kind == "then" and [c.name for c in net.children] == [
        "tanh_layer(2, 4)",
        "tanh_layer(4, 4)",
        "linear(4, 1)",
    ]


def test_models_are_immutable() -> None:
    m = nn.linear(2, 2)
    with pytest.raises(AttributeError, match="immutable"):
        m.name = "other"  # type: ignore[misc]


def test_model_and_fn_constructors() -> None:
    def scale(p: float, x: Any) -> Any:
        return p * x

    m = nn.model(scale, lambda rng: 3.0) >> nn.fn(pnp.sin, name="sine")
    assert repr(m) == "Model(scale >> sine)"
    assert m.apply(m.init(0), 0.0) == 0.0
    check_grads(_apply(m), ((2.0, None), 0.3))


# Sizes are checked before training


def test_size_mismatch_names_both_layers() -> None:
    m = nn.linear(2, 3) >> nn.fn(pnp.tanh) >> nn.logistic_layer(4, 1)
    with pytest.raises(
        ValueError,
        match=r"'linear\(2, 3\)' gives outputs of size 3.*"
        r"'logistic_layer\(4, 1\)' expects inputs of size 4",
    ):
        m.init(0)


def test_size_mismatch_deep_in_a_composition() -> None:
    inner = nn.tanh_layer(3, 5) >> nn.linear(6, 1)
    m = nn.linear(2, 3) >> inner
    with pytest.raises(ValueError, match=r"'tanh_layer\(3, 5\)'.*size 5.*'linear\(6, 1\)'"):
        m.init(0)
    with pytest.raises(ValueError, match="size mismatch"):
        (nn.mlp([2, 3]) >> nn.mlp([4, 1])).init(0)


def test_sizes_that_agree_pass() -> None:
    (nn.linear(2, 3) >> nn.fn(pnp.tanh) >> nn.identity() >> nn.mlp([3, 2, 1])).check_sizes()


def test_fn_that_changes_sizes() -> None:
    def twice(x: Any) -> Any:
        return pnp.concatenate([x, x], axis=-1)

    with pytest.raises(ValueError, match="size mismatch"):
        (nn.linear(2, 3) >> nn.fn(twice) >> nn.linear(6, 1)).init(0)
    unknown = nn.linear(2, 3) >> nn.fn(twice, preserves_size=False) >> nn.linear(6, 1)
    declared = nn.linear(2, 3) >> nn.fn(twice, out_size=6) >> nn.linear(6, 1)
    x = RNG.normal(size=2)
    np.testing.assert_array_equal(
        unknown.apply(unknown.init(0), x), declared.apply(declared.init(0), x)
    )
    with pytest.raises(ValueError, match=r"'twice' gives outputs of size 6"):
        (nn.fn(twice, out_size=6) >> nn.linear(5, 1)).init(0)


def test_wrong_input_shape_is_a_clear_error() -> None:
    m = nn.linear(3, 2) >> nn.tanh_layer(2, 1)
    p = m.init(0)
    with pytest.raises(
        ValueError,
        match=r"linear\(3, 2\) expects inputs whose last axis has "
        r"size 3, got an input of shape \(4, 5\)",
    ):
        m.apply(p, np.ones((4, 5)))
    with pytest.raises(ValueError, match="last axis has size 3"):
        paralens.grad(lambda p: pnp.sum(m.apply(p, np.ones(4))))(p)


def test_wrong_parameter_structure_is_a_clear_error() -> None:
    m = nn.linear(3, 2) >> nn.tanh_layer(2, 1)
    p1, p2 = m.init(0)
    with pytest.raises(ValueError, match=r"linear\(3, 2\) expects parameters of type Linear"):
        m.apply((p1.w, p2), np.ones(3))
    with pytest.raises(ValueError, match=r"expects parameters of type Linear\(w, b\), got tuple"):
        paralens.grad(lambda p: pnp.sum(m.apply(p, np.ones(3))))(((p1, p1), p2))


def test_composing_non_models_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"nn.fn\(f\)"):
        nn.linear(2, 2) >> pnp.tanh  # type: ignore[operator]


def test_bad_layer_sizes() -> None:
    with pytest.raises(ValueError, match="n_out must be a positive int"):
        nn.linear(2, 0)
    with pytest.raises(ValueError, match="at least two sizes"):
        nn.mlp([3])


# The series' first experiments, trained by plain gradient descent


def _descend(loss: Any, p: Any, lr: float, steps: int) -> Any:
    g = paralens.grad(loss)
    for _ in range(steps):
        p = paralens.tree.tree_map(lambda w, d: w - lr * d, p, g(p))
    return p


def test_lin_reg_recovers_the_line() -> None:
    m = nn.lin_reg()
    xs = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    ys = np.array([1.0, 3.0, 5.0, 7.0, 9.0])
    p = _descend(lambda p: pnp.mean((m.apply(p, xs) - ys) ** 2), m.init(0), 0.05, 2000)
    assert isinstance(p, nn.LinReg)
    np.testing.assert_allclose([p.a, p.b], [-1.0, 2.0], atol=1e-3)


BOOL_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def _cross_entropy(y: Any, t: Any) -> Any:
    return -pnp.mean(t * pnp.log(y) + (1 - t) * pnp.log(1 - y))


def test_logistic_layer_learns_and() -> None:
    m = nn.logistic_layer(2, 1)
    t = np.array([[0.0], [0.0], [0.0], [1.0]])
    p = _descend(lambda p: _cross_entropy(m.apply(p, BOOL_X), t), m.init(0), 1.0, 1000)
    np.testing.assert_array_equal(m.apply(p, BOOL_X) > 0.5, t > 0.5)


def test_two_logistic_layers_learn_xor() -> None:
    m = nn.logistic_layer(2, 4) >> nn.logistic_layer(4, 1)
    t = np.array([[0.0], [1.0], [1.0], [0.0]])
    p = _descend(lambda p: _cross_entropy(m.apply(p, BOOL_X), t), m.init(1), 2.0, 2000)
    y = m.apply(p, BOOL_X)
    np.testing.assert_array_equal(y > 0.5, t > 0.5)
    assert np.all(np.abs(y - t) < 0.2)


def test_check_params_finds_the_wrong_part() -> None:
    m = nn.linear(3, 2) >> nn.mlp([2, 4, 1])
    p = m.init(0)
    m.check_params(p)
    with pytest.raises(ValueError, match=r"params: .* expects a tuple of 2 parameters"):
        m.check_params(p[0])
    bad_shape = (p[0], (p[1][0], nn.Linear(np.zeros((4, 2)), np.zeros(1))))
    with pytest.raises(
        ValueError,
        match=r"params\[1\]\[1\]\.w: layer 'linear\(4, 1\)' expects "
        r"shape \(4, 1\), got \(4, 2\)",
    ):
        m.check_params(bad_shape)
    with pytest.raises(ValueError, match=r"params\[0\]: layer 'linear\(3, 2\)' expects Linear"):
        m.check_params(((p[0].w, p[0].b), p[1]))


# Composition is defined once: nn.then of any number of parts


def test_then_of_three_parts_has_a_flat_tuple_of_parameters() -> None:
    f, g, h = nn.tanh_layer(3, 4), nn.fn(pnp.sin), nn.linear(4, 2)
    flat = nn.then(f, g, h)
    assert flat.kind == "then" and flat.children == (f, g, h)
    assert repr(flat) == "Model(tanh_layer(3, 4) >> sin >> linear(4, 2))"
    p = flat.init(0)
    assert len(p) == 3 and p[1] is None
    nested = (f >> g) >> h
    x = RNG.normal(size=(5, 3))
    np.testing.assert_array_equal(flat.apply(p, x), nested.apply(((p[0], p[1]), p[2]), x))
    check_grads(_apply(flat), (p, x), order=2)


def test_then_draws_parameters_in_order_like_nested_composition() -> None:
    f, g, h = nn.tanh_layer(3, 4), nn.tanh_layer(4, 4), nn.linear(4, 2)
    flat, nested = nn.then(f, g, h).init(5), ((f >> g) >> h).init(5)
    (a, b), c = nested
    for u, v in zip(
        paralens.tree.tree_leaves(flat), paralens.tree.tree_leaves((a, b, c)), strict=True
    ):
        np.testing.assert_array_equal(u, v)


def test_then_of_one_part_and_of_none() -> None:
    one = nn.then(nn.linear(2, 1))
    assert one.kind == "then" and len(one.init(0)) == 1 and repr(one) == "Model(linear(2, 1))"
    with pytest.raises(ValueError, match=r"nn.then composes one or more parts.*nn.identity\(\)"):
        nn.then()
    with pytest.raises(TypeError, match=r"nn.fn\(f\)"):
        nn.then(nn.linear(2, 2), pnp.tanh)  # type: ignore[call-overload]


def test_the_name_brackets_a_composition_later_in_the_chain() -> None:
    g = nn.fn(pnp.tanh) >> nn.linear(3, 1)
    assert repr(nn.linear(2, 3) >> g) == "Model(linear(2, 3) >> (tanh >> linear(3, 1)))"
    assert repr(g >> g) == "Model(tanh >> linear(3, 1) >> (tanh >> linear(3, 1)))"


# apply checks the parameters' structure and shapes


def test_apply_refuses_parameters_of_another_structure() -> None:
    net = nn.mlp([4, 8, 3])
    p = net.init(0)
    x = np.ones((2, 4))
    expected = (
        r"params: 'tanh_layer\(4, 8\) >> linear\(8, 3\)' expects a tuple of 2 parameters, "
        r"one per part, got a tuple of 1"
    )
    with pytest.raises(ValueError, match=expected):
        net.apply(p[:1], x)
    with pytest.raises(ValueError, match=expected):
        paralens.grad(lambda q: pnp.sum(net.apply(q, x)))(p[:1])


def test_apply_refuses_a_bias_that_would_broadcast() -> None:
    net = nn.mlp([4, 8, 2])
    p = net.init(0)
    wide = (p[0], nn.Linear(p[1].w, np.zeros((2, 1))))
    x = np.ones((2, 4))
    assert (x @ p[0].w @ wide[1].w + wide[1].b).shape == (2, 2)  # what would come out
    expected = r"params\[1\]\.b: layer 'linear\(8, 2\)' expects shape \(2,\), got \(2, 1\)"
    with pytest.raises(ValueError, match=expected):
        net.apply(wide, x)
    with pytest.raises(ValueError, match=expected):
        paralens.grad(lambda q: pnp.sum(net.apply(q, x)))(wide)
    with pytest.raises(ValueError, match=expected):
        paralens.jvp(lambda q: net.apply(q, x), (wide,), (wide,))


def test_apply_checks_parameters_that_can_change_every_time() -> None:
    weights = [np.ones(2)]
    m = nn.model(lambda p, x: p[0] * x, lambda rng: [np.zeros(2)], name="scale")
    np.testing.assert_array_equal(m.apply(weights, np.ones(2)), np.ones(2))
    weights[0] = np.ones(3)  # a list can change after it was checked
    with pytest.raises(ValueError, match=r"params: layer 'scale' expects shape \(2,\), got \(3,\)"):
        m.apply(weights, np.ones(2))


def test_apply_remembers_plain_parameters_and_never_traced_ones() -> None:
    net = nn.mlp([2, 3, 1])
    p = net.init(0)
    y = net.apply(p, np.ones(2))
    assert net._seen is p and type(y) is np.ndarray
    paralens.grad(lambda q: pnp.sum(net.apply(q, np.ones(2))))(p)
    assert net._seen is p  # the traced parameters (and their tape) are not kept


def test_apply_checks_the_parameters_of_functions_and_stateful_models() -> None:
    with pytest.raises(ValueError, match=r"params: layer 'tanh' has no parameters, so it expects"):
        nn.fn(pnp.tanh).apply(1.0, np.ones(2))  # type: ignore[arg-type]
    cell = nn.gru(2, 3)
    p = cell.init(0)
    bad = nn.GRUParams(p.update, p.reset, nn.Gate(p.candidate.w_x, p.candidate.w_h, np.zeros(2)))
    expected = r"params\.candidate\.b: layer 'gru\(2, 3\)' expects shape \(3,\), got \(2,\)"
    with pytest.raises(ValueError, match=expected):
        cell.apply(bad, np.ones(2), cell.init_state(0))


# nn.summary


def test_summary_lists_every_parameter_and_the_total() -> None:
    net = nn.mlp([4, 8, 3]) >> nn.fn(pnp.tanh)
    p = net.init(0)
    table = nn.summary(net, p)
    assert isinstance(table, str) and repr(table) == str(table)
    lines = table.splitlines()
    assert lines[0].split() == ["layer", "parameter", "shape", "size"]
    assert lines[-1].split() == ["total", "67"]
    assert sum(leaf.size for leaf in paralens.tree.tree_leaves(p)) == 67
    assert "params[0][1].b" in table and "(8, 3)" in table
    with pytest.raises(ValueError, match=r"params\[0\]: .* expects a tuple of 2"):
        nn.summary(net, (p[0][:1], None))


def test_summary_of_repeated_layers_names_each() -> None:
    net = nn.mlp([3, 3, 3, 3])
    rows = [line for line in nn.summary(net, net.init(0)).splitlines() if "tanh_layer" in line]
    assert len(rows) == 2  # one per layer, though the two have the same name
