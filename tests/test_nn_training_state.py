"""Batch norm and dropout: statistics against NumPy by hand, train and evaluation modes, the
mask a function of the key alone, and both carried correctly through ``fit`` (its state
from step to step, its checkpoint and resume) and ``evaluate``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens import nn, optim
from paralens.learn import evaluate, fit, make_step, squared_error
from paralens.learn._training_state import initial_params
from paralens.tree import tree_leaves

RNG = np.random.default_rng(0)


def test_batch_norm_statistics_are_numpys() -> None:
    bn = nn.batch_norm(3, momentum=0.25, eps=1e-3)
    x = RNG.normal(2.0, 3.0, size=(4, 5, 5, 3))
    p = nn.Norm(np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0]))
    s = nn.BatchNormState(np.array([0.5, 0.0, -1.0]), np.array([2.0, 1.0, 0.5]))
    y, new = bn.apply(p, x, s)
    mean = x.reshape(-1, 3).mean(axis=0)
    var = ((x.reshape(-1, 3) - mean) ** 2).mean(axis=0)
    n = x.size // 3
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3) * p.scale + p.shift)
    np.testing.assert_allclose(new.mean, 0.75 * s.mean + 0.25 * mean)
    np.testing.assert_allclose(new.var, 0.75 * s.var + 0.25 * var * n / (n - 1))
    y_eval, same = bn.evaluation().apply(p, x, s)
    np.testing.assert_allclose(y_eval, (x - s.mean) / np.sqrt(s.var + 1e-3) * p.scale + p.shift)
    assert same is s
    assert np.array_equal(s.mean, [0.5, 0.0, -1.0])  # the state given is left as it was


def test_batch_norm_state_carries_no_gradient() -> None:
    bn = nn.batch_norm(2)
    x = RNG.normal(size=(6, 2))
    import paralens

    def running_mean(p: Any) -> Any:
        return pnp.sum(bn.apply(p, x, bn.init_state(0))[1].mean)

    assert np.array_equal(paralens.grad(running_mean)(bn.init(0)).scale, np.zeros(2))


def test_the_dropout_mask_depends_only_on_the_key() -> None:
    drop = nn.dropout(0.5)
    x = np.ones((3, 50))
    key = np.array([11, 4])
    a, next_key = drop.apply(None, x, key)
    b, _ = drop.apply(None, 2.0 * x, key)
    assert np.array_equal(a, b / 2.0)  # the same key: the same mask, whatever the input
    assert np.array_equal(next_key, [11, 5]) and np.array_equal(key, [11, 4])
    c, _ = drop.apply(None, x, next_key)
    assert not np.array_equal(a, c)
    assert set(np.unique(a)) == {0.0, 2.0} and 0.35 < np.mean(a == 0.0) < 0.65
    assert np.array_equal(nn.dropout_mask(key, x.shape, 0.5), a)
    assert np.array_equal(drop.evaluation().apply(None, x, key)[0], x)
    assert np.array_equal(nn.dropout(0.0).apply(None, x, key)[0], x)


def _bn_model() -> Any:
    return nn.to_stateful(nn.linear(3, 4)) >> nn.batch_norm(4) >> nn.linear(4, 1)


def _batches() -> list[tuple[np.ndarray, np.ndarray]]:
    x = RNG.normal(1.0, 2.0, size=(40, 3))
    y = (x @ np.array([1.0, -2.0, 0.5]) + 3.0)[:, None]
    return [(x[i : i + 8], y[i : i + 8]) for i in range(0, 40, 8)]


def test_fit_carries_batch_norm_statistics_from_step_to_step() -> None:
    model, data = _bn_model(), _batches()
    trained, history = fit(
        model,
        squared_error,
        optim.adam(0.05),
        data,
        epochs=3,
        key=1,
        eval_data=data[0],
        verbose=False,
    )
    (p, s) = trained
    # The same steps by hand, from the same start.
    pair = initial_params(model, np.random.default_rng(1))
    opt = optim.adam(0.05)
    state = opt.init(pair[0])
    step = make_step(model, squared_error, opt)
    for _ in range(3):
        for batch in data:
            pair, state, _ = step(pair, state, batch)
    for a, b in zip(tree_leaves(trained), tree_leaves(pair), strict=True):
        assert np.array_equal(a, b)
    stats = s[1]
    assert not np.array_equal(stats.mean, np.zeros(4))  # the statistics moved
    # Evaluation runs on the running statistics, not the batch's.
    x, y = data[0]
    by_hand = model.evaluation().apply(p, x, s)[0]
    assert history[-1]["eval_loss"] == pytest.approx(float(squared_error(by_hand, y)))
    assert evaluate(model, trained, data[0], squared_error)["loss"] == history[-1]["eval_loss"]
    assert not np.allclose(model.apply(p, x, s)[0], by_hand)


def test_fit_resumes_a_stateful_model_exactly(tmp_path: Any) -> None:
    model, data = _bn_model() >> nn.dropout(0.2), _batches()
    settings: dict[str, Any] = {"epochs": 2, "key": 3, "verbose": False}
    whole, _ = fit(model, squared_error, optim.adam(0.05), data, **settings)

    def stop_at_step_3(record: Any, params: Any) -> None:
        if record["epoch"] == 1 and record["step"] == 3:
            raise KeyboardInterrupt

    path = tmp_path / "run.npz"
    _, stopped = fit(
        model,
        squared_error,
        optim.adam(0.05),
        data,
        checkpoint=path,
        step_callbacks=[stop_at_step_3],
        **settings,
    )
    assert stopped.interrupted
    resumed, _ = fit(
        model, squared_error, optim.adam(0.05), data, checkpoint=path, resume=True, **settings
    )
    for a, b in zip(tree_leaves(whole), tree_leaves(resumed), strict=True):
        assert np.array_equal(a, b)


def test_fit_and_evaluate_turn_dropout_off_in_evaluation() -> None:
    data = _batches()
    plain = nn.linear(3, 1)
    dropped = nn.to_stateful(plain) >> nn.dropout(0.9)
    p = plain.init(0)
    assert evaluate(dropped, ((p, None), dropped.init_state(0)), data[0], squared_error) == (
        evaluate(plain, p, data[0], squared_error)
    )
    trained, _ = fit(
        dropped, squared_error, optim.sgd(0.01), data, epochs=1, eval_data=data[1], verbose=False
    )
    assert int(trained[1][1][1]) == 5  # one key step per training batch


def test_fit_refuses_a_stateful_model_given_parameters_alone() -> None:
    bn = nn.batch_norm(3)
    with pytest.raises(ValueError, match=r"training takes the pair \(params, state\)"):
        fit(bn, squared_error, optim.sgd(0.1), _batches(), params=bn.init(0))
    model = _bn_model()
    with pytest.raises(ValueError, match=r"expects a tuple of 2.*the pair \(params, state\)"):
        fit(model, squared_error, optim.sgd(0.1), _batches(), params=model.init(0))


def test_dropout_stages_under_jit_and_draws_each_calls_mask_from_its_key() -> None:
    drop = nn.dropout(0.5)
    staged = paralens.jit(lambda x, key: drop.apply(None, x, key))
    x = np.arange(1.0, 41.0).reshape(4, 10)
    for key in ([11, 4], [11, 5], [12, 0]):
        y, next_key = staged(x, np.array(key))
        eager_y, eager_key = drop.apply(None, x, np.array(key))
        assert np.array_equal(y, eager_y) and np.array_equal(next_key, eager_key)
    assert staged.cache_info().traces == 1  # a new key is a new value, not a retrace
