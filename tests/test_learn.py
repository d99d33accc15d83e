"""Losses, learners (the functor law of *Backprop as Functor*), the training step and fit."""

import copy
from dataclasses import dataclass, replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import paralens
import paralens.numpy as pnp
from paralens import data, nn, optim
from paralens.learn import (
    CheckpointError,
    Learner,
    accuracy,
    binary_cross_entropy,
    binary_cross_entropy_error,
    cross_entropy,
    evaluate,
    fit,
    gradient_learner,
    load_checkpoint,
    make_step,
    quadratic_error,
    save_checkpoint,
    softmax_cross_entropy,
    squared_error,
)
from paralens.learn._learner import then as learner_then
from paralens.testing import assert_trees_close, check_grads
from paralens.tree import tree_leaves, tree_map, tree_structure

RNG = np.random.default_rng(0)


def assert_trees_equal(a, b):
    assert tree_structure(a) == tree_structure(b)
    for x, y in zip(tree_leaves(a), tree_leaves(b), strict=True):
        np.testing.assert_array_equal(x, y)


# --- losses -----------------------------------------------------------------------------


def test_losses_match_their_formulas():
    p = RNG.uniform(0.05, 0.95, size=(5, 3))
    t = RNG.uniform(0, 1, size=(5, 3))
    assert squared_error(p, t) == pytest.approx(((p - t) ** 2).sum() / 5)
    assert binary_cross_entropy(p, t) == pytest.approx(
        -(t * np.log(p) + (1 - t) * np.log(1 - p)).sum() / 5
    )
    probs = p / p.sum(axis=1, keepdims=True)
    labels = np.array([0, 2, 1, 1, 0])
    assert cross_entropy(probs, labels) == pytest.approx(
        -np.log(probs[np.arange(5), labels]).mean()
    )
    assert cross_entropy(probs, np.eye(3)[labels]) == pytest.approx(cross_entropy(probs, labels))
    logits = RNG.standard_normal((5, 3))
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert softmax_cross_entropy(logits, labels) == pytest.approx(cross_entropy(softmax, labels))


def test_softmax_cross_entropy_is_stable():
    logits = np.array([[1000.0, -1000.0, 0.0], [-5000.0, 5000.0, 0.0]])
    value = softmax_cross_entropy(logits, np.array([1, 1]))
    assert value == pytest.approx(1000.0)
    g = paralens.grad(softmax_cross_entropy)(logits, np.array([1, 1]))
    assert np.isfinite(g).all()
    assert np.isfinite(cross_entropy(np.array([[1.0, 0.0]]), np.array([1])))


def test_loss_gradients():
    logits = RNG.standard_normal((4, 3))
    labels = np.array([0, 2, 1, 2])
    probs = RNG.uniform(0.1, 0.9, size=(4, 3))
    targets = RNG.uniform(0, 1, size=(4, 3))
    check_grads(lambda z: softmax_cross_entropy(z, labels), (logits,))
    check_grads(lambda z: softmax_cross_entropy(z, np.eye(3)[labels]), (logits,))
    check_grads(lambda q: cross_entropy(q, labels), (probs,))
    check_grads(lambda q: binary_cross_entropy(q, targets), (probs,))
    check_grads(squared_error, (probs, targets))
    # the gradient of the softmax cross entropy is (softmax - one-hot) / n
    g = paralens.grad(softmax_cross_entropy)(logits, labels)
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(g, (softmax - np.eye(3)[labels]) / 4)


def test_cross_entropies_differentiate_in_both_arguments_to_order_two():
    # Their last step is one primitive with its own rules: check them against finite
    # differences in the target rows too, and through a second derivative.
    logits = RNG.standard_normal((4, 3))
    probs = RNG.uniform(0.1, 0.9, size=(4, 3))
    targets = RNG.uniform(0, 1, size=(4, 3))
    check_grads(softmax_cross_entropy, (logits, targets), order=2)
    check_grads(cross_entropy, (probs, targets), order=2)
    g_logits, g_targets = paralens.grad(softmax_cross_entropy, argnums=(0, 1))(logits, targets)
    log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(g_targets, -log_softmax / 4)
    softmax = np.exp(log_softmax)
    np.testing.assert_allclose(g_logits, (softmax * targets.sum(1, keepdims=True) - targets) / 4)


def test_one_vector_of_class_scores_is_one_example():
    logits = np.array([0.0, 1.0, 2.0])
    expected = -(logits[2] - np.log(np.exp(logits).sum()))
    assert softmax_cross_entropy(logits, np.array(2)) == pytest.approx(expected)
    assert softmax_cross_entropy(logits, np.array(2)) == pytest.approx(
        softmax_cross_entropy(logits[None], np.array([2]))
    )
    probs = np.array([0.2, 0.8])
    assert cross_entropy(probs, np.array(1)) == pytest.approx(-np.log(0.8))


def test_softmax_cross_entropy_keeps_float32():
    logits = RNG.standard_normal((4, 3)).astype(np.float32)
    rows = np.eye(3, dtype=np.float32)[[0, 2, 1, 2]]
    value, g = paralens.value_and_grad(softmax_cross_entropy)(logits, rows)
    assert value.dtype == np.float32 and g.dtype == np.float32
    assert g.shape == (4, 3)


def test_loss_errors_name_the_mistake():
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match="integer labels of shape"):
        softmax_cross_entropy(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="reshape one of them"):
        squared_error(np.zeros((4, 1)), np.zeros(4))


def test_accuracy():
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    assert accuracy(scores, np.array([1, 0, 0, 0])) == 0.75
    assert accuracy(scores, np.eye(2)[[1, 0, 0, 0]]) == 0.75
    assert accuracy(np.array([0.9, 0.1, 0.6]), np.array([1.0, 1.0, 1.0])) == pytest.approx(2 / 3)
    assert accuracy(np.array([[0.9], [0.1]]), np.array([[1.0], [1.0]])) == 0.5
    with pytest.raises(ValueError, match="does not fit"):
        accuracy(scores, np.array([1, 0]))


# --- learners -----------------------------------------------------------------------------


def scalar_learner(w):
    """A hand-made learner ``a -> w a`` (gradient descent on the quadratic error, step 0.1)."""
    return Learner(
        params=w,
        implement=lambda p, a: p * a,
        update=lambda p, a, b: p - 0.1 * (p * a - b) * a,
        request=lambda p, a, b: a - (p * a - b) * p,
    )


def test_composition_is_the_papers():
    f, g = scalar_learner(2.0), scalar_learner(3.0)
    h = f >> g
    a, c = 1.5, 4.0
    assert h.params == (2.0, 3.0)
    assert h(a) == g.implement(3.0, f.implement(2.0, a)) == 9.0
    b = f.implement(2.0, a)
    wanted = g.request(3.0, b, c)
    assert h.update(h.params, a, c) == (f.update(2.0, a, wanted), g.update(3.0, b, c))
    assert h.request(h.params, a, c) == f.request(2.0, a, wanted)
    assert h.learn(a, c).params == h.update(h.params, a, c)
    assert repr(h) == "Learner(learner >> learner)"
    with pytest.raises(TypeError, match="composes with another Learner"):
        f >> nn.linear(1, 1)


def test_composition_is_associative():
    l1, l2, l3 = scalar_learner(2.0), scalar_learner(-1.0), scalar_learner(0.5)
    left, right = (l1 >> l2) >> l3, l1 >> (l2 >> l3)
    a, c = 0.7, 2.0
    (p1, p2), p3 = left.update(left.params, a, c)
    q1, (q2, q3) = right.update(right.params, a, c)
    assert (p1, p2, p3) == pytest.approx((q1, q2, q3))
    assert left.request(left.params, a, c) == pytest.approx(right.request(right.params, a, c))
    assert left(a) == pytest.approx(right(a))


def test_learners_keep_their_structure():
    f, g = scalar_learner(2.0), scalar_learner(3.0)
    assert (f.kind, f.children) == ("learner", ())
    h = (f >> g) >> f
    assert h.kind == "then" and h.children[1] is f and h.children[0].children == (f, g)
    model = nn.linear(2, 1)
    learned = gradient_learner(model, 0.1)
    assert learned.kind == "gradient_learner" and learned.children == (model,)
    assert replace(h, name="renamed").children == h.children


def test_a_chain_of_three_learners_passes_each_request_back():
    l1, l2, l3 = scalar_learner(2.0), scalar_learner(-1.0), scalar_learner(0.5)
    flat = learner_then(l1, l2, l3)
    a, c = 0.7, 2.0
    b1 = l1.implement(2.0, a)
    b2 = l2.implement(-1.0, b1)
    w2 = l3.request(0.5, b2, c)
    w1 = l2.request(-1.0, b1, w2)
    assert flat.params == (2.0, -1.0, 0.5) and flat(a) == l3.implement(0.5, b2)
    assert flat.update(flat.params, a, c) == (
        l1.update(2.0, a, w1),
        l2.update(-1.0, b1, w2),
        l3.update(0.5, b2, c),
    )
    assert flat.request(flat.params, a, c) == l1.request(2.0, a, w1)
    with pytest.raises(ValueError, match="one or more parts"):
        learner_then()


def functor_sides(f, g, lr, error, seed):
    p, q = f.init(seed), g.init(seed + 1)
    of_composite = gradient_learner(f >> g, lr, error, params=(p, q))
    composite_of = gradient_learner(f, lr, error, params=p) >> gradient_learner(
        g, lr, error, params=q
    )
    return of_composite, composite_of


def assert_same_learner(l1, l2, a, c):
    assert_trees_equal(l1.params, l2.params)
    assert_trees_close(l1(a), l2(a), rtol=1e-12)
    assert_trees_close(l1.update(l1.params, a, c), l2.update(l2.params, a, c), rtol=1e-9)
    assert_trees_close(l1.request(l1.params, a, c), l2.request(l2.params, a, c), rtol=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    lr=st.floats(0.01, 1.0),
    sizes=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3)),
)
def test_functor_law_quadratic_error(seed, lr, sizes):
    n_a, n_b, n_c = sizes
    rng = np.random.default_rng(seed)
    f = nn.tanh_layer(n_a, n_b)
    g = nn.linear(n_b, n_c)
    a, c = rng.standard_normal(n_a), rng.standard_normal(n_c)
    of_composite, composite_of = functor_sides(f, g, lr, quadratic_error, seed)
    assert_same_learner(of_composite, composite_of, a, c)
    # and after a few training pairs, still the same
    for _ in range(3):
        of_composite, composite_of = of_composite.learn(a, c), composite_of.learn(a, c)
    assert_trees_close(of_composite.params, composite_of.params, rtol=1e-9)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), lr=st.floats(0.01, 1.0))
def test_functor_law_cross_entropy_error(seed, lr):
    rng = np.random.default_rng(seed)
    f, g = nn.logistic_layer(3, 4), nn.logistic_layer(4, 2)
    a, c = rng.standard_normal(3), rng.uniform(0.05, 0.95, size=2)
    of_composite, composite_of = functor_sides(f, g, lr, binary_cross_entropy_error, seed)
    assert_same_learner(of_composite, composite_of, a, c)


def test_functor_law_for_three_layers():
    f, g, h = nn.tanh_layer(3, 5), nn.tanh_layer(5, 4), nn.linear(4, 2)
    p, q, r = f.init(0), g.init(1), h.init(2)
    a, c = RNG.standard_normal(3), RNG.standard_normal(2)
    whole = gradient_learner((f >> g) >> h, 0.1, params=((p, q), r))
    parts = (
        gradient_learner(f, 0.1, params=p) >> gradient_learner(g, 0.1, params=q)
    ) >> gradient_learner(h, 0.1, params=r)
    assert_same_learner(whole, parts, a, c)


def test_gradient_learner_is_gradient_descent():
    model = nn.linear(3, 2)
    p = model.init(0)
    a, b = RNG.standard_normal(3), RNG.standard_normal(2)
    learner = gradient_learner(model, 0.5, params=p)

    def total(params, x):
        return pnp.sum(0.5 * (model.apply(params, x) - b) ** 2)

    g_p, g_a = paralens.grad(total, argnums=(0, 1))(p, a)
    assert_trees_close(learner.update(p, a, b), tree_map(lambda x, g: x - 0.5 * g, p, g_p))
    np.testing.assert_allclose(learner.request(p, a, b), a - g_a)
    with pytest.raises(ValueError, match="positive step size"):
        gradient_learner(model, 0.0)


def test_gradient_learner_learns():
    x, y = data.linear_data(64, key=0, weights=(1.0, -2.0), bias=0.5, noise=0.0)
    learner = gradient_learner(nn.linear(2, 1), 0.1, key=0)
    for _ in range(5):
        for xi, yi in zip(x, y, strict=True):
            learner = learner.learn(xi, np.array([yi]))
    np.testing.assert_allclose(learner.params.w[:, 0], [1.0, -2.0], atol=1e-3)


# --- the training step ------------------------------------------------------------------


@dataclass(frozen=True)
class Affine:
    w: np.ndarray
    b: float


class AffineModel:
    """A test double of the model interface: anything with apply and init."""

    def apply(self, p, x):
        return x @ p.w + p.b

    def init(self, key):
        rng = np.random.default_rng(key)
        return Affine(rng.standard_normal((2, 1)), 0.0)


def test_step_is_a_gradient_step_and_pure():
    model = AffineModel()
    opt = optim.sgd(0.1)
    step = make_step(model, squared_error, opt)
    params = model.init(0)
    state = opt.init(params)
    x, y = RNG.standard_normal((8, 2)), RNG.standard_normal((8, 1))
    before = copy.deepcopy((params, state, x, y))
    new_params, _, metrics = step(params, state, (x, y))
    assert_trees_equal((params, state, x, y), before)
    value, g = paralens.value_and_grad(lambda p: squared_error(model.apply(p, x), y))(params)
    assert metrics == {"loss": pytest.approx(value)}
    assert isinstance(new_params, Affine) and isinstance(new_params.b, float)
    assert_trees_close(new_params, tree_map(lambda p, gp: p - 0.1 * gp, params, g))


def test_step_with_adam_on_an_mlp_lowers_the_loss():
    model = nn.mlp([4, 8, 3])
    opt = optim.adam(0.01)
    step = make_step(model, softmax_cross_entropy, opt)
    params, x = model.init(0), RNG.standard_normal((32, 4))
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0).astype(int)
    state = opt.init(params)
    losses = []
    for _ in range(100):
        params, state, metrics = step(params, state, (x, y))
        losses.append(metrics["loss"])
    assert losses[-1] < 0.5 * losses[0]
    assert state[0].step == 100


# --- fit ------------------------------------------------------------------------------------


def classifier():
    return nn.tanh_layer(2, 8) >> nn.linear(8, 2)


def moons(n=200):
    x, y = data.two_moons(n, key=0, noise=0.1)
    return x, y


def test_fit_trains_and_reports():
    x, y = moons()
    params, history = fit(
        classifier(),
        softmax_cross_entropy,
        optim.adam(0.05),
        (x, y),
        epochs=15,
        batch_size=16,
        eval_data=(x, y),
        metrics={"accuracy": accuracy},
    )
    assert [h["epoch"] for h in history] == list(range(1, 16))
    assert set(history[0]) == {
        "epoch",
        "loss",
        "seconds",
        "examples_per_second",
        "eval_loss",
        "eval_accuracy",
    }
    assert history[-1]["loss"] < history[0]["loss"]
    assert history[-1]["eval_accuracy"] > 0.85
    assert evaluate(classifier(), params, (x, y), softmax_cross_entropy)["loss"] == pytest.approx(
        history[-1]["eval_loss"]
    )


def test_fit_is_reproducible_and_takes_batches():
    x, y = moons(64)
    run = [
        fit(classifier(), softmax_cross_entropy, optim.sgd(0.1), (x, y), epochs=2, key=3)[0]
        for _ in range(2)
    ]
    assert_trees_equal(run[0], run[1])
    batch_list = [(x[:32], y[:32]), (x[32:], y[32:])]
    _, history = fit(classifier(), softmax_cross_entropy, optim.sgd(0.1), batch_list, epochs=3)
    assert len(history) == 3
    with pytest.raises(ValueError, match="iterator of batches is used up"):
        fit(classifier(), softmax_cross_entropy, optim.sgd(0.1), iter(batch_list), epochs=2)
    with pytest.raises(ValueError, match="same number of examples"):
        fit(classifier(), softmax_cross_entropy, optim.sgd(0.1), (x, y[:10]))
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        fit(classifier(), softmax_cross_entropy, optim.sgd(0.1), (x, y), batch_size=0)


def test_fit_prints_a_line_per_epoch_off_a_terminal_and_a_bar_on_one(capsys):
    x, y = moons(64)
    args = (classifier(), softmax_cross_entropy, optim.sgd(0.1), (x, y))
    fit(*args, epochs=2, eval_data=(x, y), metrics={"accuracy": accuracy})
    lines = capsys.readouterr().err.splitlines()
    assert [line.split("  ")[0] for line in lines] == ["epoch 1/2", "epoch 2/2"]
    assert "eval_accuracy " in lines[0] and "examples/s" in lines[0]
    fit(*args, epochs=1, verbose=False)
    assert capsys.readouterr().err == ""
    fit(*args, epochs=1, progress=True)
    err = capsys.readouterr().err
    assert "epoch 1/1" in err and "loss=" in err and "ex/s" in err
    assert "examples/s" not in err  # the bar replaces the line


def test_checkpoint_resume_equals_an_uninterrupted_run(tmp_path):
    x, y = moons(96)
    opt = optim.adam(0.02)
    args = (classifier(), softmax_cross_entropy, opt, (x, y))
    straight, straight_history = fit(*args, epochs=4, key=1)
    path = tmp_path / "run.npz"
    _, first = fit(*args, epochs=2, key=1, checkpoint=path)
    assert len(first) == 2 and path.is_file()
    resumed, history = fit(*args, epochs=4, key=1, checkpoint=path, resume=True)
    assert_trees_equal(resumed, straight)
    assert [h["loss"] for h in history] == [h["loss"] for h in straight_history]
    # a checkpoint of another model is a clear error
    with pytest.raises(CheckpointError, match="another structure"):
        fit(
            nn.tanh_layer(2, 9) >> nn.linear(9, 2),
            softmax_cross_entropy,
            opt,
            (x, y),
            epochs=4,
            checkpoint=path,
            resume=True,
        )


class InterruptedBatches:
    """Batches that stop with Ctrl-C (KeyboardInterrupt) after ``good`` of them."""

    def __init__(self, batches, good):
        self.batches, self.good = batches, good

    def __iter__(self):
        for i, batch in enumerate(self.batches):
            if i == self.good:
                raise KeyboardInterrupt
            yield batch


def test_ctrl_c_in_the_data_keeps_the_last_good_params(tmp_path, capsys):
    x, y = moons(64)
    batch_list = [(x[i : i + 16], y[i : i + 16]) for i in range(0, 64, 16)]
    model, opt = classifier(), optim.sgd(0.1, momentum=0.9)
    params, history = fit(
        model,
        softmax_cross_entropy,
        opt,
        InterruptedBatches(batch_list, 3),
        epochs=2,
        checkpoint=tmp_path / "stop.npz",
    )
    assert history == []
    expected, state = model.init(0), opt.init(model.init(0))
    step = make_step(model, softmax_cross_entropy, opt)
    for batch in batch_list[:3]:
        expected, state, _ = step(expected, state, batch)
    assert_trees_equal(params, expected)
    assert "interrupted at step 3 of epoch 1; saved to" in capsys.readouterr().err
    assert history.interrupted and (history.epoch, history.step) == (1, 3)
    saved, _ = load_checkpoint(tmp_path / "stop.npz", expected)
    assert_trees_equal(saved, expected)


def test_ctrl_c_in_a_callback_stops_after_that_epoch():
    x, y = moons(64)

    def stop_at_two(record, params):
        if record["epoch"] == 2:
            raise KeyboardInterrupt

    params, history = fit(
        classifier(),
        softmax_cross_entropy,
        optim.sgd(0.1),
        (x, y),
        epochs=5,
        callbacks=[stop_at_two],
    )
    assert [h["epoch"] for h in history] == [1, 2]
    two_epochs, _ = fit(classifier(), softmax_cross_entropy, optim.sgd(0.1), (x, y), epochs=2)
    assert_trees_equal(params, two_epochs)


# --- checkpoints ----------------------------------------------------------------------------


def test_checkpoint_round_trip_of_any_structure(tmp_path):
    value = {
        "layers": [(Affine(np.arange(3.0), 0.5), np.float32(2.0)), None],
        "state": optim.AdamState(4, np.ones((2, 2), np.float32), np.zeros(2)),
        "flags": (True, 7, 1.5, 2j),
    }
    path = save_checkpoint(tmp_path / "sub" / "value.npz", value, {"note": "hi"})
    like = tree_map(lambda leaf: leaf * 0 if not isinstance(leaf, bool) else False, value)
    loaded, info = load_checkpoint(path, like)
    assert info == {"note": "hi"}
    assert_trees_equal(loaded, value)
    for a, b in zip(tree_leaves(loaded), tree_leaves(value), strict=True):
        assert type(a) is type(b)
        assert getattr(a, "dtype", None) == getattr(b, "dtype", None)


def test_checkpoint_structure_mismatch_is_a_clear_error(tmp_path):
    path = save_checkpoint(tmp_path / "p.npz", {"w": np.zeros((2, 3)), "b": 0.0})
    with pytest.raises(CheckpointError, match=r"at \['w'\] it has array <f8 \[2, 3\]"):
        load_checkpoint(path, {"w": np.zeros((3, 3)), "b": 0.0})
    with pytest.raises(CheckpointError, match=r"\['bias'\]"):
        load_checkpoint(path, {"w": np.zeros((2, 3)), "bias": 0.0})
    with pytest.raises(CheckpointError, match="the root"):
        load_checkpoint(path, (np.zeros((2, 3)), 0.0))
    with pytest.raises(CheckpointError, match=r"parts \['w'\], \['b'\] where a dict with parts"):
        load_checkpoint(path, {"w": np.zeros((2, 3)), "b": 0.0, "c": 1.0})
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "missing.npz", 0.0)
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(CheckpointError, match="not a readable paralens checkpoint"):
        load_checkpoint(tmp_path / "junk.npz", 0.0)
    with pytest.raises(TypeError, match=r"value at \['name'\] is a str, which has no file format"):
        save_checkpoint(tmp_path / "bad.npz", {"name": "text"})


def test_fit_loop_runs_in_the_test_suite_without_stdout(capsys):
    x, y = moons(32)
    fit(classifier(), softmax_cross_entropy, optim.sgd(0.1), (x, y), epochs=1)
    assert capsys.readouterr().out == ""


def test_losses_and_accuracy_refuse_what_has_no_value():
    empty = np.zeros((0, 3))
    for loss in (squared_error, binary_cross_entropy):
        with pytest.raises(ValueError, match="holds no examples"):
            loss(empty, empty)
    for loss in (cross_entropy, softmax_cross_entropy):
        with pytest.raises(ValueError, match=r"prediction of shape \(0, 3\) holds no examples"):
            loss(empty, np.zeros(0, dtype=int))
    with pytest.raises(ValueError, match="holds no examples"):
        accuracy(empty, np.zeros(0, dtype=int))
    nan = np.full((4, 2), np.nan)
    with pytest.raises(
        ValueError, match=r"accuracy: the prediction is not finite \(prediction\[0, 0\] is nan\)"
    ):
        accuracy(nan, np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="not finite"):
        accuracy(np.array([0.9, np.inf]), np.array([1.0, 0.0]))


def test_checkpoint_keys_are_paths_and_load_without_like(tmp_path):
    params = (nn.linear(2, 3) >> nn.linear(3, 1)).init(0)
    value = {"model": params, "steps": 3, "scale": np.float32(2.0), "tag": (None, [1.5, True])}
    path = save_checkpoint(tmp_path / "p.npz", value)
    with np.load(path) as npz:
        keys = set(npz.files)
        np.testing.assert_array_equal(npz["['model'][0].w"], params[0].w)
    assert keys == {
        "['model'][0].w",
        "['model'][0].b",
        "['model'][1].w",
        "['model'][1].b",
        "['steps']",
        "['scale']",
        "['tag'][1][0]",
        "['tag'][1][1]",
        "__header__",
    }
    plain, _ = load_checkpoint(path)
    assert set(plain) == {"model", "steps", "scale", "tag"}
    assert isinstance(plain["model"], list) and set(plain["model"][0]) == {"w", "b"}
    np.testing.assert_array_equal(plain["model"][1]["w"], params[1].w)
    assert plain["steps"] == 3 and type(plain["steps"]) is int
    assert plain["scale"] == np.float32(2.0) and type(plain["scale"]) is np.float32
    assert plain["tag"] == [None, [1.5, True]]
    saved_with_int_keys = save_checkpoint(tmp_path / "k.npz", {1: np.zeros(2), "a": 0.5})
    assert load_checkpoint(saved_with_int_keys)[0].keys() == {1, "a"}


def test_load_checkpoint_checks_every_leaf_type_dtype_and_shape(tmp_path):
    path = save_checkpoint(tmp_path / "p.npz", {"w": np.zeros((2, 3)), "b": 1.0, "n": 2})
    good = {"w": np.ones((2, 3)), "b": 0.0, "n": 0}
    assert load_checkpoint(path, good)[0]["n"] == 2
    wrong = [
        (
            {"w": np.ones((2, 3), np.float32), "b": 0.0, "n": 0},
            r"\['w'\] it has array <f8 \[2, 3\] where array <f4",
        ),
        ({"w": np.ones(6), "b": 0.0, "n": 0}, r"where array <f8 \[6\] is expected"),
        (
            {"w": np.ones((2, 3)), "b": np.float64(0.0), "n": 0},
            r"\['b'\] it has float where scalar <f8",
        ),
        ({"w": np.ones((2, 3)), "b": 0.0, "n": 0.0}, r"\['n'\] it has int where float"),
        ({"w": np.ones((2, 3)), "b": 0.0, "n": True}, r"\['n'\] it has int where bool"),
    ]
    for like, message in wrong:
        with pytest.raises(CheckpointError, match=message):
            load_checkpoint(path, like)


def test_a_damaged_checkpoint_is_refused(tmp_path):
    import json
    import zipfile

    path = save_checkpoint(tmp_path / "p.npz", {"w": np.zeros((2, 3))})
    with np.load(path) as npz:
        header = str(npz["__header__"])
    edited = tmp_path / "edited.npz"
    np.savez(edited, **{"['w']": np.zeros((3, 2)), "__header__": np.array(header)})
    with pytest.raises(CheckpointError, match=r"holds <f8 of shape \(3, 2\).*a damaged or edited"):
        load_checkpoint(edited, {"w": np.zeros((2, 3))})
    with pytest.raises(CheckpointError, match="a damaged or edited"):
        load_checkpoint(edited)
    missing = tmp_path / "missing.npz"
    np.savez(missing, __header__=np.array(header))
    with pytest.raises(CheckpointError, match=r"the array \"\['w'\]\" is missing"):
        load_checkpoint(missing)
    other = tmp_path / "other.npz"
    np.savez(other, __header__=np.array(json.dumps({"format": "something-else"})))
    with pytest.raises(CheckpointError, match="unknown checkpoint format 'something-else'"):
        load_checkpoint(other)
    assert zipfile.is_zipfile(path)
