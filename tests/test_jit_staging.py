"""paralens.jit: control flow (cond, scan), donation, the buffer plan, and the training step.

Donated arguments: the returned values are right, a donated argument passed again raises,
and a call whose donated arrays cannot be written (read-only, sharing memory with another
argument) computes the same values without writing them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens import grad, jvp, nn, optim
from paralens.jit import cond, jit, scan
from paralens.learn import make_step, softmax_cross_entropy, squared_error

RNG = np.random.default_rng(1)


def branchy(x: Any) -> Any:
    return cond(pnp.sum(x) > 0, lambda x: pnp.sin(x) * x, lambda x: pnp.exp(x), x)


@pytest.mark.parametrize("x", [np.array([0.5, 1.0]), np.array([-0.5, -1.0])])
def test_cond_under_every_transform(x: np.ndarray):
    def loss(x: Any) -> Any:
        return pnp.sum(branchy(x))

    eager = grad(loss)(x)
    np.testing.assert_array_equal(jit(branchy)(x), branchy(x))
    np.testing.assert_array_equal(jit(grad(loss))(x), eager)
    np.testing.assert_array_equal(grad(jit(loss))(x), eager)
    t = np.ones(2)
    np.testing.assert_array_equal(
        jit(lambda x, t: jvp(branchy, (x,), (t,)))(x, t)[1], jvp(branchy, (x,), (t,))[1]
    )


def test_cond_with_structured_operands_and_the_same_program_both_ways():
    f = jit(
        lambda p: cond(p["a"] > p["b"], lambda p: p["a"] - p["b"], lambda p: p["b"] - p["a"], p)
    )
    assert f({"a": 3.0, "b": 1.0}) == 2.0
    assert f({"a": 1.0, "b": 3.0}) == 2.0
    assert f.cache_info().traces == 1


def test_cond_misuse():
    with pytest.raises(ValueError, match=r"pnp\.where"):
        jit(lambda x: cond(x > 0, lambda x: x, lambda x: -x, x))(np.ones(2))
    with pytest.raises(ValueError, match="different structures"):
        jit(lambda x: cond(x > 0, lambda x: x, lambda x: (x, x), x))(1.0)


def test_scan_is_an_unrolled_loop_under_every_transform():
    w = RNG.standard_normal((3, 3)) * 0.5
    xs = RNG.standard_normal((6, 3))

    def loss(w: Any, xs: Any) -> Any:
        last, hs = scan(lambda h, x: (pnp.tanh(h @ w + x), h), np.zeros(3), xs)
        return pnp.sum(last**2) + pnp.sum(hs)

    np.testing.assert_array_equal(jit(loss)(w, xs), loss(w, xs))
    np.testing.assert_allclose(jit(grad(loss))(w, xs), grad(loss)(w, xs), rtol=1e-12)
    with pytest.raises(ValueError, match="leading axes"):
        scan(lambda c, x: (c, None), 0.0, (np.ones(2), np.ones(3)))


# ---- donation -----------------------------------------------------------------------------


def sgd(params: Any, x: Any, y: Any, lr: Any) -> Any:
    def loss(p: Any) -> Any:
        return pnp.mean((pnp.tanh(x @ p[0] + p[1]) - y) ** 2)

    g = grad(loss)(params)
    return paralens.tree.tree_map(lambda p, g: p - lr * g, params, g)


def sgd_args(batch: int = 4) -> tuple[Any, Any, Any]:
    params = (RNG.standard_normal((5, 3)), RNG.standard_normal(3))
    return params, RNG.standard_normal((batch, 5)), RNG.standard_normal((batch, 3))


@pytest.mark.parametrize("batch", [1, 4])
def test_donated_updates_are_right(batch: int):
    params, x, y = sgd_args(batch)
    expected = params
    staged = jit(sgd, donate_argnums=0)
    current = paralens.tree.tree_map(np.copy, params)
    for lr in (0.1, 0.2, 0.05):
        expected = sgd(expected, x, y, lr)
        current = staged(current, x, y, lr)
        for a, b in zip(current, expected, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert staged.cache_info().traces == 1
    assert "gemm_into" in staged.source(current, x, y, 0.1)


def test_a_donated_argument_reused_raises():
    params, x, y = sgd_args()
    staged = jit(sgd, donate_argnums=0)
    mine = paralens.tree.tree_map(np.copy, params)
    new = staged(mine, x, y, 0.1)
    with pytest.raises(ValueError, match="donated to an earlier call"):
        staged(mine, x, y, 0.1)
    staged(new, x, y, 0.1)  # what the call returned is fine


def test_a_long_run_of_donations_forgets_the_arrays_that_are_gone():
    step = jit(lambda p: p * 0.5 + 1.0, donate_argnums=0)
    p, kept = np.zeros(3), []
    for i in range(1000):
        if i % 100 == 0:
            kept.append(p)  # given up, and still alive: it must keep raising
        p = step(p)
    plan = next(iter(step._cache.values())).compiled._plan
    assert len(plan.consumed) < 300
    np.testing.assert_allclose(p, np.full(3, 2.0))
    for given in kept:
        with pytest.raises(ValueError, match="donated to an earlier call"):
            step(given)


def test_donated_arrays_that_cannot_be_written_are_left_alone():
    params, x, y = sgd_args()
    expected = sgd(params, x, y, 0.1)
    frozen = paralens.tree.tree_map(np.copy, params)
    for a in frozen:
        a.flags.writeable = False
    staged = jit(sgd, donate_argnums=0)
    out = staged(frozen, x, y, 0.1)
    for a, b in zip(out, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_array_equal(frozen[0], params[0])
    # The data is a view of the donated weights: writing them would change the data.
    w = RNG.standard_normal((5, 5))
    update = jit(lambda w, x: w - 0.1 * (x.T @ x), donate_argnums=0)
    before = w.copy()
    np.testing.assert_allclose(update(w, w[:2]), before - 0.1 * (before[:2].T @ before[:2]))
    np.testing.assert_array_equal(w, before)


def test_make_step_jit_equals_the_eager_step():
    model = nn.tanh_layer(4, 8) >> nn.linear(8, 3)
    opt = optim.adam(0.01)
    x = RNG.standard_normal((16, 4))
    labels = RNG.integers(0, 3, 16)
    eager, staged = (
        make_step(model, softmax_cross_entropy, opt),
        make_step(model, softmax_cross_entropy, opt, jit=True),
    )
    p1 = p2 = model.init(0)
    s1 = s2 = opt.init(p1)
    p2 = paralens.tree.tree_map(np.copy, p2)
    s2 = paralens.tree.tree_map(lambda v: np.copy(v) if isinstance(v, np.ndarray) else v, s2)
    for _ in range(5):
        p1, s1, m1 = eager(p1, s1, (x, labels))
        p2, s2, m2 = staged(p2, s2, (x, labels))
        assert m1["loss"] == pytest.approx(m2["loss"], rel=1e-12)
    for a, b in zip(paralens.tree.tree_leaves(p1), paralens.tree.tree_leaves(p2), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    assert staged.cache_info().traces == 1  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="labels must lie in"):
        staged(p2, s2, (x, labels + 3))


def test_make_step_jit_with_a_schedule_does_not_retrace():
    model = nn.linear(2, 1)
    opt = optim.sgd(optim.cosine_decay(0.1, 10))
    step = make_step(model, squared_error, opt, jit=True)
    eager = make_step(model, squared_error, opt)
    x = RNG.standard_normal((8, 2))
    y = x @ np.array([[1.0], [-2.0]])
    p, s = model.init(0), opt.init(model.init(0))
    q, r = paralens.tree.tree_map(np.copy, p), opt.init(p)
    for _ in range(12):
        p, s, _ = eager(p, s, (x, y))
        q, r, _ = step(q, r, (x, y))
    for a, b in zip(paralens.tree.tree_leaves(p), paralens.tree.tree_leaves(q), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    assert step.cache_info().traces == 1  # type: ignore[attr-defined]


# ---- fit(jit=True) --------------------------------------------------------------------------


def _moons_fit(opt: Any, **kwargs: Any) -> Any:
    from paralens import data
    from paralens.learn import fit

    return fit(
        nn.tanh_layer(2, 8) >> nn.linear(8, 2),
        softmax_cross_entropy,
        opt,
        data.two_moons(100, key=0),
        epochs=2,
        batch_size=16,
        key=1,
        verbose=False,
        **kwargs,
    )


@pytest.mark.parametrize(
    "make_opt",
    [
        lambda: optim.sgd(optim.cosine_decay(0.1, 14), momentum=0.9),
        lambda: optim.chain(optim.clip_by_global_norm(1.0), optim.adam(0.02)),
    ],
)
def test_fit_jit_equals_eager_and_resumes_exactly(tmp_path: Any, make_opt: Any):
    eager, _ = _moons_fit(make_opt())
    staged, history = _moons_fit(make_opt(), jit=True)
    assert history.finished
    for a, b in zip(
        paralens.tree.tree_leaves(eager), paralens.tree.tree_leaves(staged), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    path = tmp_path / "run.npz"
    stop = [0]

    def interrupt(record: Any, params: Any) -> None:
        stop[0] += 1
        if stop[0] == 5:
            raise KeyboardInterrupt

    _, history = _moons_fit(make_opt(), jit=True, checkpoint=path, step_callbacks=[interrupt])
    assert history.interrupted
    resumed, history = _moons_fit(make_opt(), jit=True, checkpoint=path, resume=True)
    assert history.finished
    for a, b in zip(
        paralens.tree.tree_leaves(resumed), paralens.tree.tree_leaves(staged), strict=True
    ):
        np.testing.assert_array_equal(a, b)


def test_fit_jit_leaves_the_given_parameters_and_hands_callbacks_copies():
    model = nn.tanh_layer(2, 8) >> nn.linear(8, 2)
    start = model.init(3)
    before = paralens.tree.tree_map(np.copy, start)
    kept: list[Any] = []
    _moons_fit(optim.sgd(0.1), params=start, jit=True, step_callbacks=[lambda r, p: kept.append(p)])
    for a, b in zip(
        paralens.tree.tree_leaves(start), paralens.tree.tree_leaves(before), strict=True
    ):
        np.testing.assert_array_equal(a, b)
    first, last = paralens.tree.tree_leaves(kept[0]), paralens.tree.tree_leaves(kept[-1])
    assert not all(np.array_equal(a, b) for a, b in zip(first, last, strict=True))


def test_fit_jit_and_parallel_are_refused():
    class One:
        is_root = True

    with pytest.raises(ValueError, match="jit=True"):
        _moons_fit(optim.sgd(0.1), jit=True, parallel=One())  # type: ignore[arg-type]


def test_fit_jit_holds_a_ctrl_c_until_the_step_has_ended(tmp_path: Any):
    import os
    import signal

    armed = [False]

    def rate(step: int) -> float:
        # The schedule runs inside the staged step, between its in-place writes.
        if step == 4 and armed[0]:
            armed[0] = False
            os.kill(os.getpid(), signal.SIGINT)
        return 0.1

    straight, _ = _moons_fit(optim.sgd(rate, momentum=0.9), jit=True)
    path = tmp_path / "run.npz"
    armed[0] = True
    _, history = _moons_fit(optim.sgd(rate, momentum=0.9), jit=True, checkpoint=path)
    assert history.interrupted and history.step == 5  # the step that was running ended
    resumed, history = _moons_fit(
        optim.sgd(rate, momentum=0.9), jit=True, checkpoint=path, resume=True
    )
    assert history.finished
    for a, b in zip(
        paralens.tree.tree_leaves(resumed), paralens.tree.tree_leaves(straight), strict=True
    ):
        np.testing.assert_array_equal(a, b)


def test_unroll_with_a_staged_loop_equals_the_python_loop():
    cell = nn.lstm(2, 4) >> nn.linear(4, 1)
    p, s = cell.init(0), cell.init_state(0)
    xs = RNG.standard_normal((7, 3, 2))
    for combinator in (nn.unroll, nn.unroll_last):
        eager, staged = combinator(cell), combinator(cell, jit=True)
        same = paralens.tree.tree_leaves(eager.apply(p, xs, s))
        for a, b in zip(same, paralens.tree.tree_leaves(staged.apply(p, xs, s)), strict=True):
            np.testing.assert_array_equal(a, b)

        def loss(p: Any, model: Any = None) -> Any:
            ys, _ = model.apply(p, xs, s)
            return pnp.sum(pnp.stack(ys) if isinstance(ys, list) else ys)

        g_eager = grad(lambda p: loss(p, eager))(p)
        g_staged = grad(lambda p: loss(p, staged))(p)
        for a, b in zip(
            paralens.tree.tree_leaves(g_eager), paralens.tree.tree_leaves(g_staged), strict=True
        ):
            np.testing.assert_array_equal(a, b)


def test_in_place_updates_without_scipy_are_the_same(monkeypatch: Any):
    from paralens.jit import _blas

    params, x, y = sgd_args(4)
    with_blas = jit(sgd, donate_argnums=0)(paralens.tree.tree_map(np.copy, params), x, y, 0.1)
    monkeypatch.setattr(_blas, "_routine", lambda name, dtype: None)
    without = jit(sgd, donate_argnums=0)(paralens.tree.tree_map(np.copy, params), x, y, 0.1)
    for a, b in zip(with_blas, without, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_a_primitive_defined_later_is_staged_with_its_rules():
    from paralens.extend import defjvp, defvjp, primitive

    @primitive
    def cube(x: Any) -> Any:
        return x**3

    defvjp(cube, lambda g, ans, x: g * 3 * x**2, saves=(0,), staged=False)
    defjvp(cube, lambda t, ans, x: t * 3 * x**2)

    def f(x: Any) -> Any:
        return pnp.sum(cube(pnp.sin(x)))

    x = RNG.standard_normal(4)
    np.testing.assert_array_equal(jit(f)(x), f(x))
    np.testing.assert_array_equal(jit(grad(f))(x), grad(f)(x))
    np.testing.assert_array_equal(grad(jit(f))(x), grad(f)(x))
    assert "cube(" in jit(f).source(x)
