"""Meta-learning: the step size learned by differentiating through the update rule."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens import data, nn, optim
from paralens.learn import (
    HypergradientState,
    binary_cross_entropy,
    fit,
    hypergradient,
    make_step,
    step_size_gradient,
)

CURVATURE = np.linspace(1.0, 10.0, 10)


def quadratic(x: Any) -> Any:
    return 0.5 * pnp.sum(CURVATURE * x * x)


def _descend(rule: optim.UpdateRule, steps: int) -> tuple[float, Any]:
    x = np.ones(10)
    state = rule.init(x)
    for _ in range(steps):
        updates, state = rule.update(CURVATURE * x, state, x)
        x = optim.apply_updates(x, updates)
    return float(quadratic(x)), state


def adam_rule(lr: Any) -> optim.UpdateRule:
    return optim.chain(optim.scale_by_adam(), optim.scale(-lr))


def test_step_size_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=10)
    g = paralens.grad(quadratic)(x)
    for rule in (optim.scale, adam_rule):
        rule_of = (lambda lr: optim.scale(-lr)) if rule is optim.scale else adam_rule
        state = rule_of(0.05).init(x)

        def after(lr: float) -> float:
            updates, _ = rule_of(lr).update(g, state, x)
            return float(quadratic(optim.apply_updates(x, updates)))

        h = 1e-6
        expected = (after(0.05 + h) - after(0.05 - h)) / (2 * h)
        got = step_size_gradient(quadratic, 0.05, g, state, x, rule=rule_of)
        assert got == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("rule", [None, adam_rule], ids=["gradient descent", "adam"])
def test_the_rules_hypergradient_is_the_step_size_derivative(rule: Any) -> None:
    """The hypergradient the rule uses at step 2 is d loss(params_1) / d log lr_1, which
    step_size_gradient computes by reverse mode through the first step."""
    hd = hypergradient(0.05) if rule is None else hypergradient(0.05, rule=rule)
    rule_of = (lambda lr: optim.scale(-lr)) if rule is None else rule
    x0 = np.random.default_rng(1).normal(size=10)
    state0 = hd.init(x0)
    g0 = CURVATURE * x0
    updates, state1 = hd.update(g0, state0, x0)
    x1 = optim.apply_updates(x0, updates)
    _, state2 = hd.update(CURVATURE * x1, state1, x1)
    lr1 = state1.lr
    d_lr = step_size_gradient(quadratic, lr1, g0, state0.inner, x0, rule=rule_of)
    assert state2.hypergradient == pytest.approx(lr1 * d_lr, rel=1e-8)
    assert state2.hypergradient != 0.0


@pytest.mark.parametrize("bad_lr", [1e-3, 0.25], ids=["too small", "divergent"])
def test_beats_a_badly_chosen_fixed_rate_on_a_quadratic(bad_lr: float) -> None:
    fixed, _ = _descend(optim.sgd(bad_lr), 200)
    learned, state = _descend(hypergradient(bad_lr), 200)
    assert isinstance(state, HypergradientState)
    assert learned < 1e-6 < fixed
    # the step size moved towards the stable range (0, 2 / 10)
    assert (state.lr > bad_lr) if bad_lr < 0.1 else (state.lr < 0.2)


def test_beats_a_badly_chosen_fixed_rate_on_the_circle_task() -> None:
    x, y = data.circle_data(512, key=0)
    model = nn.mlp([2, 16, 1]) >> nn.fn(lambda z: pnp.logistic(z[..., 0]), preserves_size=False)
    losses = {}
    for name, rule in [("fixed", optim.sgd(1e-3)), ("learned", hypergradient(1e-3))]:
        step = make_step(model, binary_cross_entropy, rule)
        params, state = model.init(0), rule.init(model.init(0))
        rng = np.random.default_rng(0)
        for _ in range(600):
            index = rng.integers(0, 512, 64)
            params, state, _ = step(params, state, (x[index], y[index]))
        losses[name] = float(binary_cross_entropy(model.apply(params, x), y))
    assert losses["learned"] < 0.5 * losses["fixed"]
    assert state.lr > 0.01


def test_works_with_fit_and_structured_parameters() -> None:
    x, y = data.circle_data(256, key=0)
    model = nn.logistic_layer(2, 8) >> nn.logistic_layer(8, 1)
    params, history = fit(
        model,
        binary_cross_entropy,
        hypergradient(0.01, rule=adam_rule),
        (x, y[:, None]),
        epochs=3,
        batch_size=64,
    )
    assert type(params[0]).__name__ == "Linear"
    assert history[-1]["loss"] < history[0]["loss"]


def test_state_starts_at_the_given_rate() -> None:
    state = hypergradient(0.3).init({"w": np.zeros(2)})
    assert state.lr == pytest.approx(0.3)
    assert math.isclose(state.log_lr, math.log(0.3))
    np.testing.assert_array_equal(state.direction["w"], np.zeros(2))


@pytest.mark.parametrize("lr", [0.0, -1.0, True, "0.1"])
def test_bad_step_sizes_are_clear_errors(lr: Any) -> None:
    with pytest.raises(ValueError, match="must be a positive number"):
        hypergradient(lr)


def test_meta_must_be_an_update_rule() -> None:
    with pytest.raises(TypeError, match="UpdateRule"):
        hypergradient(0.1, meta=0.01)  # type: ignore[arg-type]
