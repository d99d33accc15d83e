"""Update rules: convergence on a table of functions, chain laws, purity, any structure."""

import copy
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import paralens
import paralens.numpy as pnp
from paralens import optim
from paralens.tree import tree_leaves, tree_map, tree_structure


def rosenbrock_grad(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


A = np.array([[3.0, 0.5], [0.5, 1.0]])


def quadratic_grad(p):
    return A @ (p - np.array([1.0, 1.0]))


# name, optimiser, steps on Rosenbrock (the quadratic gets the same optimiser, 10000 steps)
OPTIMISERS = [
    ("sgd", optim.sgd(1.5e-3), 10000),
    ("momentum", optim.sgd(1e-3, momentum=0.9), 5000),
    ("nesterov", optim.sgd(1e-3, momentum=0.9, nesterov=True), 5000),
    ("adagrad", optim.adagrad(0.5), 8000),
    ("rmsprop", optim.rmsprop(1e-3), 5000),
    ("adam", optim.adam(0.02), 5000),
    ("adamw", optim.adamw(0.02, weight_decay=0.0), 5000),
    ("clipped adam", optim.chain(optim.clip_by_global_norm(10.0), optim.adam(0.02)), 5000),
    (
        "scheduled momentum",
        optim.sgd(optim.warmup(optim.cosine_decay(2e-3, 5000, alpha=0.2), 100), momentum=0.9),
        5000,
    ),
    ("decayed sgd", optim.sgd(optim.exponential_decay(1.5e-3, 0.5, 20000)), 10000),
]


def minimise(opt, grad_fn, params, steps):
    state = opt.init(params)
    for _ in range(steps):
        updates, state = opt.update(grad_fn(params), state, params)
        params = optim.apply_updates(params, updates)
    return params


@pytest.mark.parametrize(("name", "opt", "steps"), OPTIMISERS, ids=[o[0] for o in OPTIMISERS])
def test_converges_on_rosenbrock(name, opt, steps):
    p = minimise(opt, rosenbrock_grad, np.array([-1.0, 1.0]), steps)
    np.testing.assert_allclose(p, [1.0, 1.0], atol=2e-2)


@pytest.mark.parametrize(("name", "opt", "steps"), OPTIMISERS, ids=[o[0] for o in OPTIMISERS])
def test_converges_on_quadratic(name, opt, steps):
    p = minimise(opt, quadratic_grad, np.array([-3.0, 4.0]), 10000)
    np.testing.assert_allclose(p, [1.0, 1.0], atol=2e-2)


@dataclass(frozen=True)
class Layer:
    w: np.ndarray
    b: float


def structured_loss(params):
    layers, extra = params["layers"], params["extra"]
    total = 0.0
    for layer, scale in layers:
        total = total + pnp.sum((layer.w - 2.0) ** 2) + (layer.b + 1.0) ** 2 + scale**2
    return total + pnp.sum(extra**2)


def structured_params():
    return {
        "layers": [(Layer(np.ones(3), 0.5), 1.0), (Layer(np.zeros(2), 2.0), -1.0)],
        "extra": np.array([1.0, -1.0], dtype=np.float32),
    }


@pytest.mark.parametrize("name", ["sgd", "momentum", "adagrad", "adam", "adamw", "rmsprop"])
def test_any_structure_unchanged(name):
    opt = {
        "sgd": optim.sgd(0.1),
        "momentum": optim.sgd(0.05, momentum=0.9),
        "adagrad": optim.adagrad(0.5),
        "adam": optim.adam(0.05),
        "adamw": optim.adamw(0.05, weight_decay=0.0),
        "rmsprop": optim.rmsprop(0.01),
    }[name]
    params = structured_params()
    grad_fn = paralens.grad(structured_loss)
    trained = minimise(opt, grad_fn, params, 600)
    assert tree_structure(trained) == tree_structure(params)
    for before, after in zip(tree_leaves(params), tree_leaves(trained), strict=True):
        assert type(before) is type(after)
        assert np.shape(before) == np.shape(after)
        assert getattr(before, "dtype", None) == getattr(after, "dtype", None)
    assert structured_loss(trained) < 1e-2 * structured_loss(params)


def test_state_has_the_structure_of_params():
    params = structured_params()
    state = optim.scale_by_adam().init(params)
    assert isinstance(state, optim.AdamState)
    assert tree_structure(state.mu) == tree_structure(params)
    assert tree_structure(state.nu) == tree_structure(params)
    assert state.step == 0


def snapshot(x):
    return copy.deepcopy(x)


def assert_same(a, b):
    assert tree_structure(a) == tree_structure(b)
    for x, y in zip(tree_leaves(a), tree_leaves(b), strict=True):
        np.testing.assert_array_equal(x, y)


PURE_RULES = [
    optim.scale(0.5),
    optim.scale_by_learning_rate(0.1),
    optim.scale_by_schedule(optim.cosine_decay(1.0, 10)),
    optim.scale_by_momentum(0.9),
    optim.scale_by_momentum(0.9, nesterov=True),
    optim.scale_by_rms(),
    optim.scale_by_rss(),
    optim.scale_by_adam(),
    optim.add_weight_decay(0.1),
    optim.clip_by_global_norm(0.1),
    optim.sgd(0.1, momentum=0.9),
    optim.adagrad(0.1),
    optim.rmsprop(0.1),
    optim.adam(0.1),
    optim.adamw(0.1),
]


@pytest.mark.parametrize("rule", PURE_RULES)
def test_update_rules_are_pure(rule):
    params = structured_params()
    grads = tree_map(lambda x: x * 0.3 + 0.1, params)
    state = rule.init(params)
    for _ in range(2):  # a non-trivial state on the second round
        copies = snapshot((grads, state, params))
        updates, new_state = rule.update(grads, state, params)
        assert_same((grads, state, params), copies)
        applied = optim.apply_updates(params, updates)
        assert_same(params, copies[2])
        assert applied is not params
        state = new_state


@settings(max_examples=25, deadline=None)
@given(
    g=st.lists(st.floats(-10, 10), min_size=3, max_size=3),
    lr=st.floats(1e-3, 1.0),
    decay=st.floats(0.0, 0.99),
)
def test_chain_is_applying_rules_by_hand(g, lr, decay):
    params = np.array([0.5, -1.0, 2.0])
    grads = np.array(g)
    a, b = optim.scale_by_momentum(decay), optim.scale_by_learning_rate(lr)
    chained = optim.chain(a, b)
    state = chained.init(params)
    state_a, state_b = a.init(params), b.init(params)
    for _ in range(3):
        updates, state = chained.update(grads, state, params)
        by_hand, state_a = a.update(grads, state_a, params)
        by_hand, state_b = b.update(by_hand, state_b, params)
        np.testing.assert_allclose(updates, by_hand)
        assert_same(state, (state_a, state_b))
        params = optim.apply_updates(params, updates)
        grads = grads * 0.5


def test_chain_is_associative_with_identity():
    rules = [optim.scale_by_adam(), optim.add_weight_decay(0.1), optim.scale(-0.1)]
    left = optim.chain(optim.chain(rules[0], rules[1]), rules[2])
    right = optim.chain(rules[0], optim.chain(rules[1], rules[2]))
    flat = optim.chain(optim.chain(), *rules)
    params, grads = np.array([1.0, 2.0]), np.array([0.3, -0.7])
    results = []
    for rule in (left, right, flat):
        state = rule.init(params)
        for _ in range(3):
            updates, state = rule.update(grads, state, params)
        results.append(updates)
    np.testing.assert_allclose(results[0], results[1])
    np.testing.assert_allclose(results[0], results[2])


def test_sgd_momentum_matches_formula():
    opt = optim.sgd(0.1, momentum=0.5)
    p, state = 1.0, opt.init(1.0)
    velocity = 0.0
    expected = 1.0
    for _ in range(4):
        g = 2.0 * p
        updates, state = opt.update(g, state, p)
        p = optim.apply_updates(p, updates)
        velocity = 0.5 * velocity + 2.0 * expected
        expected = expected - 0.1 * velocity
        assert p == pytest.approx(expected)


def test_adam_matches_formula():
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    opt = optim.adam(lr, b1, b2, eps)
    p, state = np.array([2.0]), opt.init(np.array([2.0]))
    m = v = np.zeros(1)
    expected = p.copy()
    for t in range(1, 4):
        g = np.array([3.0 * t])
        updates, state = opt.update(g, state, p)
        p = optim.apply_updates(p, updates)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        expected = expected - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        np.testing.assert_allclose(p, expected)


def test_integer_leaves_are_kept():
    params = {"w": np.array([1.0]), "n": 3}
    grads = paralens.grad(lambda p: pnp.sum(p["w"] ** 2) * p["n"])(params)
    opt = optim.adam(0.1)
    updates, _ = opt.update(grads, opt.init(params), params)
    assert optim.apply_updates(params, updates)["n"] == 3


def test_schedules():
    assert optim.constant(0.3)(10) == 0.3
    assert optim.exponential_decay(2.0, 0.1, 5)(5) == pytest.approx(0.2)
    assert optim.cosine_decay(1.0, 10, alpha=0.5)(10) == pytest.approx(0.5)
    schedule = optim.warmup(optim.exponential_decay(1.0, 0.5, 1), warmup_steps=2)
    assert [schedule(s) for s in range(5)] == pytest.approx([0.0, 0.5, 1.0, 0.5, 0.25])
    opt = optim.sgd(optim.exponential_decay(1.0, 0.5, 1))
    state = opt.init(0.0)
    steps = []
    for _ in range(3):
        updates, state = opt.update(1.0, state, 0.0)
        steps.append(updates)
    assert steps == [-1.0, -0.5, -0.25]


def test_errors_name_the_mistake():
    with pytest.raises(TypeError, match="call the constructor"):
        optim.chain(optim.adam)
    with pytest.raises(ValueError, match="nesterov=True needs a momentum"):
        optim.sgd(0.1, nesterov=True)
    with pytest.raises(TypeError, match="learning rate must be a number or a schedule"):
        optim.sgd("0.1")
    with pytest.raises(ValueError, match="state of 1"):
        optim.chain(optim.scale(1.0), optim.scale(2.0)).update(1.0, (optim.EmptyState(),), 1.0)
    with pytest.raises(ValueError, match="transition_steps must be a positive int, got 0"):
        optim.exponential_decay(1.0, 0.5, 0)


NAN, INF = float("nan"), float("inf")

# A rule built with a bad hyperparameter, and what the message must say (the argument and
# its allowed range).
BAD_HYPERPARAMETERS = [
    (lambda: optim.sgd(NAN), r"sgd: lr must be a finite number > 0, got nan"),
    (lambda: optim.sgd(-0.5), r"sgd: lr must be a finite number > 0, got -0.5"),
    (lambda: optim.sgd(0.0), r"sgd: lr must be a finite number > 0, got 0.0"),
    (lambda: optim.sgd(0.1, momentum=2), r"sgd: momentum must be a finite number in \[0, 1\)"),
    (lambda: optim.sgd(0.1, momentum=1.0), r"momentum must be a finite number in \[0, 1\)"),
    (lambda: optim.sgd(0.1, momentum=-0.1), r"momentum must be a finite number in \[0, 1\)"),
    (lambda: optim.adam(INF), r"adam: lr must be a finite number > 0, got inf"),
    (lambda: optim.adam(1e-3, b1=1.0), r"b1 must be a finite number in \[0, 1\)"),
    (lambda: optim.adam(1e-3, b2=NAN), r"b2 must be a finite number in \[0, 1\)"),
    (lambda: optim.adam(1e-3, eps=-1.0), r"eps must be a finite number >= 0"),
    (lambda: optim.adamw(1e-3, weight_decay=-1e-4), r"rate must be a finite number >= 0"),
    (lambda: optim.adamw(NAN), r"adamw: lr must be a finite number > 0"),
    (lambda: optim.rmsprop(1e-3, decay=1.5), r"decay must be a finite number in \[0, 1\)"),
    (lambda: optim.rmsprop(-1.0), r"rmsprop: lr must be a finite number > 0"),
    (lambda: optim.adagrad(0.1, initial_accumulator=-1), r"initial_accumulator must be"),
    (lambda: optim.adagrad(INF), r"adagrad: lr must be a finite number > 0"),
    (lambda: optim.clip_by_global_norm(0.0), r"max_norm must be a finite number > 0"),
    (lambda: optim.clip_by_global_norm(NAN), r"max_norm must be a finite number > 0"),
    (lambda: optim.scale(INF), r"scale: factor must be finite, got inf"),
    (lambda: optim.scale_by_momentum(NAN), r"decay must be a finite number in \[0, 1\)"),
    (lambda: optim.constant(NAN), r"constant: value must be finite"),
    (lambda: optim.cosine_decay(NAN, 10), r"cosine_decay: init_value must be finite"),
    (lambda: optim.cosine_decay(0.1, 0), r"decay_steps must be a positive int, got 0"),
    (lambda: optim.cosine_decay(0.1, 2.5), r"decay_steps must be a positive int, got 2.5"),
    (lambda: optim.cosine_decay(0.1, 10, alpha=2.0), r"alpha must be a finite number in \[0, 1\]"),
    (lambda: optim.exponential_decay(0.1, 0.0, 10), r"decay_rate must be a finite number > 0"),
    (lambda: optim.exponential_decay(INF, 0.5, 10), r"init_value must be finite"),
    (lambda: optim.warmup(0.1, -1), r"warmup_steps must be an int >= 0, got -1"),
    (lambda: optim.warmup(0.1, 5, init_value=NAN), r"warmup: init_value must be finite"),
]


@pytest.mark.parametrize(("build", "message"), BAD_HYPERPARAMETERS)
def test_hyperparameters_are_checked_when_a_rule_is_built(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_a_schedule_that_goes_bad_is_caught_at_its_step():
    opt = optim.sgd(lambda step: 0.1 if step < 2 else NAN)
    state = opt.init(1.0)
    for _ in range(2):
        _, state = opt.update(1.0, state, 1.0)
    with pytest.raises(ValueError, match=r"schedule gave nan at step 2"):
        opt.update(1.0, state, 1.0)
    negative = optim.adam(lambda step: -0.1)
    with pytest.raises(ValueError, match=r"learning-rate schedule gave -0.1 at step 0"):
        negative.update(1.0, negative.init(1.0), 1.0)


ALL_OPTIMISERS = [(name, opt) for name, opt, _ in OPTIMISERS] + [
    ("adamw with decay", optim.adamw(0.02, weight_decay=0.1)),
]


@pytest.mark.parametrize(("name", "opt"), ALL_OPTIMISERS, ids=[o[0] for o in ALL_OPTIMISERS])
def test_every_optimiser_refuses_updates_of_another_shape(name, opt):
    # A gradient of shape (2, 1) for a parameter of shape (2,) would broadcast it to (2, 2).
    params = {"w": np.array([1.0, 2.0]), "b": np.zeros(3)}
    state = opt.init(params)
    bad = {"w": np.ones((2, 1)), "b": np.ones(3)}
    with pytest.raises(
        ValueError, match=r"at \['w'\] have shape \(2, 1\) where the parameter has shape \(2,\)"
    ):
        updates, _ = opt.update(bad, state, params)
        optim.apply_updates(params, updates)
    with pytest.raises(ValueError, match="another structure than the parameters"):
        updates, _ = opt.update({"w": np.ones(2)}, state, params)
        optim.apply_updates(params, updates)
    # the same rule with the right shapes still works, and keeps the shapes
    updates, _ = opt.update(tree_map(np.ones_like, params), state, params)
    new = optim.apply_updates(params, updates)
    assert {k: v.shape for k, v in new.items()} == {"w": (2,), "b": (3,)}


def test_apply_updates_refuses_a_smaller_update_too():
    with pytest.raises(ValueError, match=r"updates at \[0\] have shape \(1,\)"):
        optim.apply_updates([np.zeros(3)], [np.ones(1)])
