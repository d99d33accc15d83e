"""The training stack on arrays of other libraries: trees, checkpoints, optimisers, models,
losses, ``fit``, the CLI and ``parallel`` on torch tensors and array-api-strict arrays.

array-api-strict arrays are put on its ``device1``, where they refuse NumPy's
``__array__`` conversion (array-api-strict has no flag for it): any function that hands
them to NumPy behind the library's back raises instead of computing.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens import data, jit, nn, optim, parallel, tree
from paralens._cli import main
from paralens._cli._train import _mnist_mlp
from paralens.learn import (
    accuracy,
    binary_cross_entropy,
    cross_entropy,
    fit,
    load_checkpoint,
    make_step,
    save_checkpoint,
    softmax_cross_entropy,
    squared_error,
)
from paralens.parallel._buffers import layout
from paralens.testing import assert_trees_close
from test_parallel import SCRIPTS, _mpirun, needs_mpi

torch = pytest.importorskip("torch")
xs = pytest.importorskip("array_api_strict")

_spec = importlib.util.spec_from_file_location("mpi_torch", SCRIPTS / "mpi_torch.py")
assert _spec is not None and _spec.loader is not None
mpi_torch = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mpi_torch)

LIBRARIES = ("torch", "array_api_strict")


def like_of(library: str) -> Any:
    """A 0-d array of ``library``: what ``tree.asarray_like`` moves a tree to."""
    if library == "torch":
        return torch.zeros((), dtype=torch.float64)
    return xs.asarray(0.0, device=xs.Device("device1"))


@pytest.fixture(params=LIBRARIES)
def like(request: pytest.FixtureRequest) -> Any:
    return like_of(request.param)


def of_library(x: Any, like: Any) -> bool:
    return type(x) is type(like) and x.device == like.device


def all_of_library(value: Any, like: Any) -> bool:
    arrays = [x for x in tree.tree_leaves(value) if not isinstance(x, int | float | np.generic)]
    return bool(arrays) and all(of_library(x, like) for x in arrays)


# ---- trees ---------------------------------------------------------------------------------


def _mixed_tree() -> dict[str, Any]:
    return {
        "w": np.arange(6.0, dtype=np.float32).reshape(2, 3),
        "b": np.array([0.5, -1.0]),
        "count": np.array([1, 2, 3]),
        "lr": 0.1,
        "step": 3,
    }


def test_asarray_like_and_to_numpy_move_a_tree_and_back(like: Any) -> None:
    value = _mixed_tree()
    moved = tree.asarray_like(value, like)
    assert all_of_library(moved, like)
    assert moved["lr"] == 0.1 and type(moved["lr"]) is float and moved["step"] == 3
    names = {k: str(moved[k].dtype).rpartition(".")[2] for k in ("w", "b", "count")}
    assert names == {"w": "float32", "b": "float64", "count": "int64"}
    back = tree.to_numpy(moved)
    assert type(back["w"]) is np.ndarray and back["w"].dtype == np.float32
    assert_trees_close(back, value)
    # No memory shared: writing into the NumPy copies changes neither the moved tree
    # nor the original.
    back["w"][0, 0] = 99.0
    value["b"][0] = 42.0
    assert float(tree.to_numpy(moved)["w"][0, 0]) == 0.0
    assert float(tree.to_numpy(moved)["b"][0]) == 0.5


def test_asarray_like_refuses_what_is_not_an_array() -> None:
    with pytest.raises(TypeError, match="like must be an array of the library"):
        tree.asarray_like({"w": np.ones(2)}, "torch")


def test_vector_space_of_a_tree_of_library_arrays(like: Any) -> None:
    a = {"w": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": np.array([0.25])}
    b = {"w": np.array([[0.0, 1.0], [2.0, -1.0]]), "b": np.array([4.0])}
    ma, mb = tree.asarray_like(a, like), tree.asarray_like(b, like)
    for moved, plain in (
        (tree.add(ma, mb), tree.add(a, b)),
        (tree.scale(2.5, ma), tree.scale(2.5, a)),
        (tree.zeros_like(ma), tree.zeros_like(a)),
        (tree.ones_like(ma), tree.ones_like(a)),
        (tree.tree_map(lambda x, y: x * y, ma, mb), tree.tree_map(lambda x, y: x * y, a, b)),
    ):
        assert all_of_library(moved, like)
        assert_trees_close(moved, plain)
    assert tree.inner(ma, mb) == pytest.approx(tree.inner(a, b))


def test_ravel_pytree_on_library_arrays(like: Any) -> None:
    value = {"w": np.ones((2, 2), dtype=np.float32), "b": np.array([0.5, 2.0]), "c": 1.5}
    flat, unravel = tree.ravel_pytree(value)
    moved = tree.asarray_like(value, like)
    mflat, munravel = tree.ravel_pytree(moved)
    assert of_library(mflat, like) and str(mflat.dtype).endswith("float64")
    assert_trees_close(mflat, flat)
    rebuilt = munravel(mflat * 2)
    assert all_of_library(rebuilt, like) and str(rebuilt["w"].dtype).endswith("float32")
    assert_trees_close(rebuilt, unravel(flat * 2))


def test_ravel_pytree_differentiates_on_torch() -> None:
    value = {"w": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": np.array([0.5])}
    moved = tree.asarray_like(value, like_of("torch"))

    def f(p: Any) -> Any:
        flat = tree.ravel_pytree(p)[0]
        return pnp.sum(flat * flat)

    g = paralens.grad(f)(moved)
    assert all_of_library(g, like_of("torch"))
    assert_trees_close(g, paralens.grad(f)(value))


def test_assert_trees_close_compares_across_libraries() -> None:
    value = {"w": np.array([1.0, 2.0])}
    assert_trees_close(tree.asarray_like(value, like_of("torch")), value)
    with pytest.raises(AssertionError, match=r"leaf \['w'\] differs"):
        assert_trees_close(tree.asarray_like({"w": np.array([1.0, 2.5])}, like_of("torch")), value)


# ---- checkpoints -----------------------------------------------------------------------------


def test_checkpoint_of_library_params_loads_back_equal(tmp_path: Path, like: Any) -> None:
    params = (nn.linear(4, 3) >> nn.linear(3, 2)).init(0)
    moved = tree.asarray_like(params, like)
    save_checkpoint(tmp_path / "moved.npz", moved, info={"epoch": 1})
    save_checkpoint(tmp_path / "plain.npz", params, info={"epoch": 1})
    loaded, info = load_checkpoint(tmp_path / "moved.npz", like=moved)
    assert info == {"epoch": 1}
    assert all_of_library(loaded, like)
    assert_trees_close(loaded, params, rtol=0.0)
    as_numpy, _ = load_checkpoint(tmp_path / "moved.npz", like=params)
    assert type(as_numpy[0].w) is np.ndarray
    assert_trees_close(as_numpy, params, rtol=0.0)
    # The file is the one NumPy parameters make: NumPy copies under the same names.
    with np.load(tmp_path / "moved.npz") as a, np.load(tmp_path / "plain.npz") as b:
        assert sorted(a.files) == sorted(b.files)
        for name in a.files:
            assert np.array_equal(a[name], b[name])


def test_checkpoint_of_library_params_refuses_another_structure(tmp_path: Path) -> None:
    moved = tree.asarray_like(nn.linear(4, 3).init(0), like_of("torch"))
    save_checkpoint(tmp_path / "p.npz", moved)
    other = tree.asarray_like(nn.linear(4, 5).init(0), like_of("torch"))
    with pytest.raises(ValueError, match=r"at \.w it has array <f8 \[4, 3\]"):
        load_checkpoint(tmp_path / "p.npz", like=other)


# ---- optimisers ----------------------------------------------------------------------------

RULES = {
    "sgd": lambda: optim.sgd(0.1),
    "momentum": lambda: optim.sgd(0.1, momentum=0.9),
    "nesterov": lambda: optim.sgd(0.1, momentum=0.9, nesterov=True),
    "adam": lambda: optim.adam(0.01),
    "adamw": lambda: optim.adamw(0.01, weight_decay=0.1),
    "rmsprop": lambda: optim.rmsprop(0.01),
    "adagrad": lambda: optim.adagrad(0.1),
    "clipped": lambda: optim.chain(optim.clip_by_global_norm(0.5), optim.scale(-0.1)),
    "scheduled": lambda: optim.sgd(optim.cosine_decay(0.1, 5)),
}


@pytest.mark.parametrize("name", sorted(RULES))
def test_optimiser_on_library_params_equals_numpy(name: str, like: Any) -> None:
    rule = RULES[name]()
    rng = np.random.default_rng(3)
    params = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=2).astype(np.float32)}
    grads = [tree.tree_map(lambda p: rng.normal(size=p.shape).astype(p.dtype), params)]
    grads.append(tree.tree_map(lambda p: rng.normal(size=p.shape).astype(p.dtype), params))
    moved = start = tree.asarray_like(params, like)
    state, mstate = rule.init(params), rule.init(moved)
    snapshot = tree.to_numpy(start)
    for g in grads * 2:
        updates, state = rule.update(g, state, params)
        mupdates, mstate = rule.update(tree.asarray_like(g, like), mstate, moved)
        assert all_of_library(mupdates, like)
        params, moved = optim.apply_updates(params, updates), optim.apply_updates(moved, mupdates)
        assert_trees_close(mupdates, updates, rtol=1e-5 if name != "sgd" else 1e-12)
    assert all_of_library(moved, like)
    assert str(moved["b"].dtype).endswith("float32")
    assert_trees_close(tree.to_numpy(moved), params, rtol=1e-5)
    state_arrays = [x for x in tree.tree_leaves(mstate) if hasattr(x, "shape")]
    assert all(of_library(x, like) for x in state_arrays)
    assert_trees_close(start, snapshot, rtol=0.0)  # pure: the first parameters untouched
    assert not np.array_equal(snapshot["w"], tree.to_numpy(moved)["w"])


def test_optimiser_checks_shapes_of_library_grads() -> None:
    rule = optim.adam(0.1)
    params = tree.asarray_like({"w": np.zeros(3)}, like_of("torch"))
    wrong = tree.asarray_like({"w": np.zeros((3, 1))}, like_of("torch"))
    with pytest.raises(ValueError, match=r"at \['w'\] have shape"):
        rule.update(wrong, rule.init(params), params)


# ---- models and losses -----------------------------------------------------------------------


def test_mlp_and_layers_apply_on_library_arrays_equal_numpy(like: Any) -> None:
    t = like
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 4))
    for model in (
        nn.mlp([4, 8, 3], activation=pnp.relu),
        nn.tanh_layer(4, 6) >> nn.logistic_layer(6, 2),
        nn.linear(4, 4) >> nn.layer_norm(4),
    ):
        params = model.init(1)
        out = model.apply(tree.asarray_like(params, t), tree.asarray_like(x, t))
        assert of_library(out, t)
        assert_trees_close(out, model.apply(params, x), rtol=1e-12)


TORCH_LAYERS = {
    "lstm": (lambda: nn.zero_state(nn.unroll_last(nn.lstm(3, 4))), (5, 2, 3)),
    "gru": (lambda: nn.zero_state(nn.unroll_last(nn.gru(3, 4))), (5, 2, 3)),
    "transformer_block": (lambda: nn.transformer_block(8, 2), (2, 5, 8)),
    "max_pool": (lambda: nn.linear(1, 2) >> nn.max_pool(2), (2, 6, 6, 1)),
    "layer_norm": (lambda: nn.tanh_layer(3, 3) >> nn.layer_norm(3), (5, 3)),
}


@pytest.mark.parametrize("name", sorted(TORCH_LAYERS))
def test_layer_and_its_gradient_on_torch_equal_numpy(name: str) -> None:
    make, shape = TORCH_LAYERS[name]
    model = make()
    t = like_of("torch")
    x = np.random.default_rng(2).normal(size=shape)
    params = model.init(0)
    moved_x = tree.asarray_like(x, t)
    out = model.apply(tree.asarray_like(params, t), moved_x)
    assert of_library(out, t)
    assert_trees_close(out, model.apply(params, x), rtol=1e-10)

    def total(p: Any, inputs: Any) -> Any:
        y = model.apply(p, inputs)
        return pnp.sum(y * y)

    g = paralens.grad(total)(tree.asarray_like(params, t), moved_x)
    assert all_of_library(g, t)
    assert_trees_close(g, paralens.grad(total)(params, x), rtol=1e-8, atol=1e-12)


def test_embedding_gathers_torch_ids() -> None:
    t = like_of("torch")
    model = nn.embedding(10, 4)
    params, ids = model.init(0), np.array([[1, 2], [3, 9]])
    out = model.apply(tree.asarray_like(params, t), tree.asarray_like(ids, t))
    assert of_library(out, t)
    assert_trees_close(out, model.apply(params, ids), rtol=0.0)
    with pytest.raises(ValueError, match=r"in \[0, 10\), got 10"):
        model.apply(tree.asarray_like(params, t), torch.tensor([10]))


def test_layer_shape_check_reads_a_tensor() -> None:
    t = like_of("torch")
    model = nn.linear(4, 3)
    with pytest.raises(ValueError, match=r"linear\(4, 3\).*shape \(5, 2\)"):
        model.apply(tree.asarray_like(model.init(0), t), torch.zeros((5, 2), dtype=torch.float64))


def test_dropout_draws_the_numpy_mask_in_the_input_library(like: Any) -> None:
    drop = nn.dropout(0.5)
    key = np.array([11, 0])
    x = np.arange(12.0).reshape(3, 4) + 1.0
    y, next_key = drop.apply(None, tree.asarray_like(x, like), key)
    expected, expected_key = drop.apply(None, x, key)
    assert of_library(y, like)
    assert_trees_close(y, expected, rtol=0.0)
    assert np.array_equal(next_key, expected_key)


LOSSES = {
    "softmax_cross_entropy": (softmax_cross_entropy, "labels"),
    "cross_entropy": (cross_entropy, "labels"),
    "squared_error": (squared_error, "same"),
    "binary_cross_entropy": (binary_cross_entropy, "same"),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_and_its_gradient_on_torch_equal_numpy(name: str) -> None:
    loss, target_kind = LOSSES[name]
    t = like_of("torch")
    rng = np.random.default_rng(5)
    prediction = rng.uniform(0.05, 0.95, size=(6, 3))
    if name == "cross_entropy":
        prediction = prediction / prediction.sum(axis=1, keepdims=True)
    targets = rng.integers(0, 3, size=6) if target_kind == "labels" else rng.uniform(size=(6, 3))
    value, g = paralens.value_and_grad(loss)(prediction, targets)
    tvalue, tg = paralens.value_and_grad(loss)(
        tree.asarray_like(prediction, t), tree.asarray_like(targets, t)
    )
    assert of_library(tg, t)
    assert float(tvalue) == pytest.approx(float(value), rel=1e-12)
    assert_trees_close(tg, g, rtol=1e-10)


def test_losses_refuse_mixed_libraries_and_bad_labels() -> None:
    t = like_of("torch")
    prediction = tree.asarray_like(np.full((2, 3), 0.2), t)
    with pytest.raises(TypeError, match="arrays of one library"):
        softmax_cross_entropy(prediction, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        softmax_cross_entropy(prediction, torch.tensor([0, 3]))


def test_accuracy_of_tensors_is_a_float() -> None:
    t = like_of("torch")
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    labels = np.array([1, 0, 0])
    found = accuracy(tree.asarray_like(scores, t), tree.asarray_like(labels, t))
    assert type(found) is float and found == accuracy(scores, labels)


# ---- make_step, fit, jit ---------------------------------------------------------------------


def _classification(n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    x, y = data.circle_data(n, key=0)
    return x, y.astype(np.int64)


def test_batches_of_library_arrays_are_the_numpy_batches(like: Any) -> None:
    x, y = _classification(10)
    moved = tree.asarray_like((x, y), like)
    for plain, got in zip(
        data.batches((x, y), 4, key=3), data.batches(moved, 4, key=3), strict=True
    ):
        assert all_of_library(got, like)
        assert_trees_close(got, plain, rtol=0.0)


def test_fit_on_torch_equals_fit_on_numpy_and_resumes(tmp_path: Path) -> None:
    t = like_of("torch")
    x, y = _classification()
    model = nn.tanh_layer(2, 8) >> nn.linear(8, 2)
    params = model.init(0)
    settings: dict[str, Any] = {"batch_size": 16, "progress": False, "verbose": False}
    settings["metrics"] = {"accuracy": accuracy}
    opt = optim.adam(0.05)
    plain, plain_history = fit(
        model, softmax_cross_entropy, opt, (x, y), params=params, epochs=2,
        eval_data=(x, y), **settings,
    )  # fmt: skip
    moved_data = tree.asarray_like((x, y), t)
    checkpoint = tmp_path / "run.npz"
    first, _ = fit(
        model, softmax_cross_entropy, opt, moved_data, params=tree.asarray_like(params, t),
        epochs=1, eval_data=moved_data, checkpoint=checkpoint, jit="auto", **settings,
    )  # fmt: skip
    moved, history = fit(
        model, softmax_cross_entropy, opt, moved_data, params=tree.asarray_like(params, t),
        epochs=2, eval_data=moved_data, checkpoint=checkpoint, resume=True, **settings,
    )  # fmt: skip
    assert all_of_library(first, t) and all_of_library(moved, t)
    assert_trees_close(moved, plain, rtol=1e-10)
    for record, expected in zip(history, plain_history, strict=True):
        for name in ("loss", "eval_loss", "eval_accuracy"):
            assert type(record[name]) is float
            assert record[name] == pytest.approx(expected[name], rel=1e-10)


def test_fit_on_array_api_strict_equals_numpy() -> None:
    strict = like_of("array_api_strict")  # off the CPU device: no hidden NumPy call works
    x, y = _classification()
    model = nn.tanh_layer(2, 8) >> nn.logistic_layer(8, 2)
    params = model.init(0)
    settings: dict[str, Any] = {"batch_size": 16, "progress": False, "verbose": False}
    opt = optim.sgd(0.1, momentum=0.9)
    plain, plain_history = fit(model, softmax_cross_entropy, opt, (x, y), params=params, **settings)
    moved, history = fit(
        model, softmax_cross_entropy, opt, tree.asarray_like((x, y), strict),
        params=tree.asarray_like(params, strict), **settings,
    )  # fmt: skip
    assert all_of_library(moved, strict)
    assert_trees_close(moved, plain, rtol=1e-10)
    assert history[-1]["loss"] == pytest.approx(plain_history[-1]["loss"], rel=1e-12)


def test_stateful_fit_on_torch_equals_numpy() -> None:
    t = like_of("torch")
    x, y = _classification()
    model = (
        nn.to_stateful(nn.linear(2, 8))
        >> nn.batch_norm(8)
        >> nn.to_stateful(nn.tanh_layer(8, 8))
        >> nn.dropout(0.2)
        >> nn.to_stateful(nn.linear(8, 2))
    )
    pair = (model.init(0), model.init_state(np.random.default_rng(0)))
    settings: dict[str, Any] = {"batch_size": 16, "progress": False, "verbose": False}
    settings["metrics"] = {"accuracy": accuracy}
    opt = optim.adam(0.01)
    plain, plain_history = fit(
        model, softmax_cross_entropy, opt, (x, y), params=pair, eval_data=(x, y), **settings
    )
    data_t = tree.asarray_like((x, y), t)
    moved, history = fit(
        model, softmax_cross_entropy, opt, data_t, params=tree.asarray_like(pair, t),
        eval_data=data_t, **settings,
    )  # fmt: skip
    assert all_of_library(moved, t)  # parameters, running statistics and dropout's key
    # (The bias before batch norm has no gradient but rounding: an absolute tolerance.)
    assert_trees_close(moved, plain, rtol=1e-10, atol=1e-8)
    assert history[-1]["eval_accuracy"] == plain_history[-1]["eval_accuracy"]


def test_make_step_on_torch_gives_a_float_loss() -> None:
    t = like_of("torch")
    x, y = _classification(16)
    model, opt = nn.linear(2, 2), optim.sgd(0.1)
    params = tree.asarray_like(model.init(0), t)
    step = make_step(model, softmax_cross_entropy, opt)
    new, _, metrics = step(params, opt.init(params), tree.asarray_like((x, y), t))
    assert type(metrics["loss"]) is float and all_of_library(new, t)


def test_jit_refuses_library_arrays_naming_the_fix() -> None:
    staged = jit.jit(lambda x: pnp.sum(pnp.sin(x)))
    with pytest.raises(TypeError, match=r"torch\.Tensor.*Run the function eagerly"):
        staged(torch.ones(3, dtype=torch.float64))
    x, y = _classification(16)
    model = nn.linear(2, 2)
    t = like_of("torch")
    with pytest.raises(TypeError, match="jit=True stages the step on NumPy arrays"):
        fit(
            model, softmax_cross_entropy, optim.sgd(0.1), tree.asarray_like((x, y), t),
            params=tree.asarray_like(model.init(0), t), jit=True, progress=False,
        )  # fmt: skip


def test_jit_refuses_a_closed_over_tensor() -> None:
    weights = torch.ones(2, dtype=torch.float64)
    staged = jit.jit(lambda x: pnp.sum(weights * 2.0) + x)
    with pytest.raises(TypeError, match=r"torch\.Tensor.*closes over.*run it eagerly"):
        staged(1.0)


def test_fit_jit_auto_stages_numpy_and_refuses_other_words() -> None:
    x, y = _classification(32)
    model, opt = nn.linear(2, 2), optim.sgd(0.1)
    settings: dict[str, Any] = {"batch_size": 8, "progress": False, "verbose": False}
    auto, _ = fit(model, softmax_cross_entropy, opt, (x, y), jit="auto", **settings)
    staged, _ = fit(model, softmax_cross_entropy, opt, (x, y), jit=True, **settings)
    assert_trees_close(auto, staged, rtol=0.0)
    with pytest.raises(ValueError, match='jit must be True, False or "auto"'):
        fit(model, softmax_cross_entropy, opt, (x, y), jit="yes", **settings)  # type: ignore[arg-type]


def test_fit_data_checks_read_tensors() -> None:
    t = like_of("torch")
    x, y = _classification(16)
    x[3, 1] = np.nan
    model = nn.linear(2, 2)
    with pytest.raises(ValueError, match=r"inputs\[3, 1\] is nan"):
        fit(
            model, softmax_cross_entropy, optim.sgd(0.1), tree.asarray_like((x, y), t),
            params=tree.asarray_like(model.init(0), t), progress=False,
        )  # fmt: skip


# ---- parallel --------------------------------------------------------------------------------


def test_one_process_parallel_fit_with_torch_params_is_plain_fit() -> None:
    t = like_of("torch")
    x, y = _classification(32)
    model = nn.linear(2, 2)
    opt = optim.sgd(0.1)
    params = tree.asarray_like(model.init(0), t)
    batches = tree.asarray_like((x, y), t)
    comm = parallel.world()
    grads = {"w": torch.ones(2, dtype=torch.float64)}
    assert comm.allreduce_mean(grads, weight=3) is grads
    settings: dict[str, Any] = {"batch_size": 8, "progress": False, "verbose": False}
    alone, _ = fit(model, softmax_cross_entropy, opt, batches, params=params, **settings)
    ranked, _ = fit(
        model, softmax_cross_entropy, opt, batches, params=params, parallel=comm, **settings
    )
    assert all_of_library(ranked, t)
    assert_trees_close(ranked, alone, rtol=0.0)


@needs_mpi
def test_two_processes_train_torch_params_as_one_does(tmp_path: Path) -> None:
    result, _ = _mpirun(str(SCRIPTS / "mpi_torch.py"), str(tmp_path), timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    expected, expected_losses = mpi_torch.fit_one_process()
    ranks = [np.load(tmp_path / f"torch-rank{r}.npz") for r in range(2)]
    for rank in ranks:
        np.testing.assert_allclose(rank["losses"], expected_losses, rtol=1e-12)
        for i, leaf in enumerate(expected):
            np.testing.assert_allclose(rank[f"leaf{i}"], leaf, rtol=1e-10, atol=1e-12)
    for i in range(len(expected)):
        assert ranks[0][f"leaf{i}"].tobytes() == ranks[1][f"leaf{i}"].tobytes()


def test_collective_buffers_carry_tensors_as_numpy_copies() -> None:
    value = {"w": torch.arange(4.0, dtype=torch.float32), "n": 2}
    where = layout(value, "allreduce_mean", inexact_only=True)
    rebuilt = where.unpack(where.pack(scale=0.5))
    assert type(rebuilt["w"]) is torch.Tensor and rebuilt["w"].dtype == torch.float32
    assert rebuilt["w"].tolist() == [0.0, 0.5, 1.0, 1.5]


# ---- MNIST on torch, and the CLI ---------------------------------------------------------------


def test_mnist_mlp_one_epoch_on_torch_equals_numpy() -> None:
    (x, y), (x_test, y_test) = data.load_mnist(None)
    x, y, x_test, y_test = x[:480], y[:480], x_test[-200:], y_test[-200:]
    model = _mnist_mlp((300, 100))
    t = like_of("torch")
    settings: dict[str, Any] = {"batch_size": 32, "progress": False, "verbose": False}
    settings["metrics"] = {"accuracy": accuracy}
    opt = optim.adam(1e-3)
    rng = np.random.default_rng(0)
    params = model.init(rng)
    state = rng.bit_generator.state
    _, plain_history = fit(
        model, softmax_cross_entropy, opt, (x, y), key=rng, params=params,
        eval_data=(x_test, y_test), **settings,
    )  # fmt: skip
    rng.bit_generator.state = state  # the same shuffling on torch
    moved, history = fit(
        model, softmax_cross_entropy, opt, tree.asarray_like((x, y), t), key=rng,
        params=tree.asarray_like(params, t), eval_data=tree.asarray_like((x_test, y_test), t),
        **settings,
    )  # fmt: skip
    assert all_of_library(moved, t)
    assert {str(leaf.dtype) for leaf in tree.tree_leaves(moved)} == {"torch.float64"}
    assert abs(history[-1]["loss"] - plain_history[-1]["loss"]) < 1e-6
    assert abs(history[-1]["eval_loss"] - plain_history[-1]["eval_loss"]) < 1e-6
    assert history[-1]["eval_accuracy"] == plain_history[-1]["eval_accuracy"]
    assert plain_history[-1]["eval_accuracy"] > 0.25  # it learned something: chance is 0.1


def _train(
    capsys: pytest.CaptureFixture[str], *options: str, limit: int = 200
) -> tuple[int, str, str]:
    argv = ["train", "mnist", "--limit", str(limit), "--epochs", "1", "--hidden", "20"]
    code = main([*argv, *options])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_backend_torch_prints_the_numpy_result(capsys: pytest.CaptureFixture[str]) -> None:
    plain = _train(capsys)
    moved = _train(capsys, "--backend", "torch", "--device", "cpu")
    assert plain[0] == 0 and moved[0] == 0, moved[2]
    assert "arrays: torch tensors on cpu" in moved[1]
    assert "training step: eager" in moved[1]
    last = [line for line in plain[1].splitlines() if line.startswith("test accuracy")]
    assert last and last == [
        line for line in moved[1].splitlines() if line.startswith("test accuracy")
    ]


def test_cli_backend_errors_name_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    if not torch.cuda.is_available():
        code, _, err = _train(capsys, "--backend", "torch", "--device", "cuda")
        assert code == 1 and "--device cuda: torch cannot use it here" in err
    code, _, err = _train(capsys, "--backend", "torch", "--jit", "on")
    assert code == 1 and "drop --jit on" in err
    code, _, err = _train(capsys, "--device", "cuda")
    assert code == 1 and "needs --backend torch" in err


def test_cli_names_a_function_the_library_has_no_form_for(
    capsys: pytest.CaptureFixture[str],
) -> None:
    options = ("--model", "cnn", "--backend", "torch", "--batch-size", "16")
    code, out, err = _train(capsys, *options, limit=32)
    # The CNN trains on torch where its convolution has a torch form; where it has none,
    # the command ends with one line naming the function, not a traceback.
    if code == 0:
        assert "test accuracy:" in out
    else:
        assert code == 1 and "Traceback" not in err
        assert "--backend torch:" in err and "computes only on NumPy arrays" in err
