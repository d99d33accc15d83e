"""Stateful models: recurrent layers, the series' combinators, its identities and experiments."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens import nn
from paralens.testing import check_grads

RNG = np.random.default_rng(0)


def _apply_s(m: nn.ModelS[Any, Any, Any, Any]) -> Any:
    def f(p: Any, x: Any, s: Any) -> Any:
        return m.apply(p, x, s)

    f.__name__ = m.name
    return f


def _apply(m: nn.Model[Any, Any, Any]) -> Any:
    def f(p: Any, x: Any) -> Any:
        return m.apply(p, x)

    f.__name__ = m.name
    return f


def _random_state(m: nn.ModelS[Any, Any, Any, Any]) -> Any:
    return paralens.tree.tree_map(lambda s: 0.5 * RNG.normal(size=np.shape(s)), m.init_state(0))


# Gradients through every stateful layer


@pytest.mark.parametrize(
    "cell", [nn.fcrnn(3, 2), nn.lstm(3, 2), nn.gru(3, 2)], ids=lambda m: m.name
)
@pytest.mark.parametrize("batch", [(), (4,)])
def test_recurrent_cells_gradients(cell: Any, batch: tuple[int, ...]) -> None:
    x = RNG.normal(size=(*batch, 3))
    check_grads(_apply_s(cell), (cell.init(0), x, _random_state(cell)), order=2)


@pytest.mark.parametrize("n", [1, 2, 4])
def test_ar_gradients(n: int) -> None:
    m = nn.ar(n)
    p = nn.ARParams(0.3, RNG.normal(size=n))
    check_grads(_apply_s(m), (p, 0.7, RNG.normal(size=n - 1)), order=2)
    check_grads(_apply_s(m), (p, RNG.normal(size=5), RNG.normal(size=(5, n - 1))), order=2)


@pytest.mark.parametrize("cell", [nn.lstm(2, 3), nn.gru(2, 3)], ids=lambda m: m.name)
def test_unroll_20_steps_of_gated_cells(cell: Any) -> None:
    m = nn.unroll(cell)
    xs = RNG.normal(size=(20, 2))
    ys, s = m.apply(m.init(0), xs, m.init_state(0))
    assert len(ys) == 20 and ys[-1].shape == (3,)
    np.testing.assert_array_equal(ys[-1], s.h if isinstance(s, nn.LSTMState) else s)

    def run(p: Any, xs: Any, s0: Any) -> Any:
        ys, s = m.apply(p, xs, s0)
        return pnp.stack(ys), s

    check_grads(run, (m.init(0), xs, _random_state(cell)), order=2)


def test_unroll_second_order_through_a_short_fcrnn_sequence() -> None:
    m = nn.unroll_last(nn.fcrnn(2, 2))
    check_grads(_apply_s(m), (m.init(0), RNG.normal(size=(4, 2)), RNG.normal(size=2)), order=2)


def test_unroll_agrees_with_a_hand_written_loop() -> None:
    cell = nn.gru(2, 3)
    p, s = cell.init(1), cell.init_state(1)
    xs = RNG.normal(size=(6, 2))
    ys, s_end = nn.unroll(cell).apply(p, xs, s)
    y_last, s_last = nn.unroll_last(cell).apply(p, xs, s)
    for i, x in enumerate(xs):
        y, s = cell.apply(p, x, s)
        np.testing.assert_array_equal(ys[i], y)
    np.testing.assert_array_equal(s_end, s)
    np.testing.assert_array_equal(y_last, y)
    np.testing.assert_array_equal(s_last, s)


def test_combinators_gradients() -> None:
    cell = nn.fcrnn(2, 3)
    p, s = cell.init(0), _random_state(cell)
    x = RNG.normal(size=2)
    xs = RNG.normal(size=(5, 2))
    check_grads(_apply_s(nn.map_s(pnp.tanh, cell)), (p, x, s))
    check_grads(
        _apply_s(nn.to_stateful(nn.tanh_layer(2, 3))), (nn.tanh_layer(2, 3).init(0), x, None)
    )
    check_grads(_apply(nn.fix_state(s, nn.unroll_last(cell))), (p, xs))
    check_grads(_apply(nn.zero_state(nn.unroll_last(cell))), (p, xs))
    trained = nn.train_state(nn.unroll_last(cell))
    check_grads(_apply(trained), ((p, s), xs))
    lag = nn.lagged(2, nn.tanh_layer(3, 2))
    check_grads(_apply_s(lag), (lag.init(0), 0.4, RNG.normal(size=2)))
    joined = nn.fn(lambda xs: pnp.concatenate(xs, axis=-1), name="concat")
    rec = nn.recurrently(joined >> nn.tanh_layer(5, 3))
    check_grads(_apply_s(rec), (rec.init(0), x, s))
    rec_with = nn.recurrently_with(pnp.logistic, joined >> nn.linear(5, 3))
    check_grads(_apply_s(rec_with), (rec_with.init(0), x, s))


def test_train_state_gradient_reaches_the_initial_state() -> None:
    m = nn.train_state(nn.unroll_last(nn.fcrnn(1, 2)))
    p, s0 = m.init(0)
    assert np.array_equal(s0, np.zeros(2))
    g = paralens.grad(lambda q: pnp.sum(m.apply(q, np.ones((3, 1)))))((p, s0))
    assert isinstance(g[0], nn.FCRNNParams) and g[1].shape == (2,)
    assert np.any(g[1] != 0)


def test_prime_and_feedback_are_differentiable() -> None:
    m = nn.ar(2)
    p = nn.ARParams(0.1, np.array([1.5, -0.8]))

    def generated(p: Any) -> Any:
        s = nn.prime(m, p, np.zeros(1), [0.2, 0.5, 0.9])
        return pnp.stack(nn.feedback(m, p, s, 1.0, 5))

    check_grads(generated, (p,))


# Stateful composition


def test_stateful_composition_pairs_parameters_and_states() -> None:
    f, g = nn.fcrnn(2, 3), nn.gru(3, 1)
    m = f >> g
    p, s = m.init(0), m.init_state(0)
    assert isinstance(p[0], nn.FCRNNParams) and isinstance(p[1], nn.GRUParams)
    assert s[0].shape == (3,) and s[1].shape == (1,)
    x = RNG.normal(size=2)
    y, (s_f, s_g) = m.apply(p, x, s)
    y1, s1 = f.apply(p[0], x, s[0])
    y2, s2 = g.apply(p[1], y1, s[1])
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(s_f, s1)
    np.testing.assert_array_equal(s_g, s2)
    assert repr(g << f) == repr(m) == "ModelS(fcrnn(2, 3) >> gru(3, 1))"
    check_grads(_apply_s(m), (p, x, (s1, s2)))


def test_stateless_after_stateful_keeps_the_state() -> None:
    rnn, head = nn.map_s(pnp.logistic, nn.fcrnn(1, 4)), nn.linear(4, 1)
    m = rnn >> head
    assert isinstance(m, nn.ModelS) and m.kind == "then"
    p, s = m.init(0), m.init_state(0)
    assert s.shape == (4,)
    y, s_new = m.apply(p, np.ones(1), s)
    h, s_rnn = rnn.apply(p[0], np.ones(1), s)
    np.testing.assert_array_equal(y, head.apply(p[1], h))
    np.testing.assert_array_equal(s_new, s_rnn)
    assert (head << rnn).name == m.name
    check_grads(_apply_s(m), (p, np.ones(1), s))


def test_to_stateful_composes_before_stateful() -> None:
    m = nn.to_stateful(nn.tanh_layer(2, 3)) >> nn.lstm(3, 2)
    s = m.init_state(0)
    assert s[0] is None and isinstance(s[1], nn.LSTMState)
    check_grads(_apply_s(m), (m.init(0), RNG.normal(size=2), s), order=1)
    with pytest.raises(TypeError, match=r"nn.to_stateful\(linear\(2, 3\)\)"):
        nn.linear(2, 3) >> nn.fcrnn(3, 3)  # type: ignore[operator]


def test_stateful_composition_is_associative() -> None:
    f, g, h = nn.fcrnn(2, 3), nn.to_stateful(nn.tanh_layer(3, 3)), nn.gru(3, 2)
    left, right = (f >> g) >> h, f >> (g >> h)
    p, s = left.init(0), left.init_state(0)
    (pf, pg), ph = p
    (sf, sg), sh = s
    x = RNG.normal(size=2)
    y1, ((a, b), c) = left.apply(p, x, s)
    y2, (a2, (b2, c2)) = right.apply((pf, (pg, ph)), x, (sf, (sg, sh)))
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(a, a2)
    np.testing.assert_array_equal(c, c2)
    assert b is None and b2 is None


# The series' identities


def test_fcrnn_is_recurrently_with_logistic_over_a_linear_layer() -> None:
    n_in, n_out = 2, 3
    joined = nn.fn(lambda xs: pnp.concatenate(xs, axis=-1), name="concat")
    spelled = nn.recurrently_with(pnp.logistic, joined >> nn.linear(n_in + n_out, n_out))
    direct = nn.fcrnn(n_in, n_out)
    p = direct.init(0)
    q = (None, nn.Linear(np.concatenate([p.w_x, p.w_s], axis=0), p.b))
    xs = RNG.normal(size=(7, n_in))
    ys, s = nn.unroll(direct).apply(p, xs, direct.init_state(0))
    ys2, s2 = nn.unroll(spelled).apply(q, xs, spelled.init_state(0))
    np.testing.assert_allclose(np.stack(ys), np.stack(ys2))
    np.testing.assert_allclose(s, s2)

    def loss(m: Any) -> Any:
        return lambda p: pnp.sum(nn.zero_state(nn.unroll_last(m)).apply(p, xs) ** 2)

    g = paralens.grad(loss(direct))(p)
    g2 = paralens.grad(loss(spelled))(q)
    np.testing.assert_allclose(g2[1].w, np.concatenate([g.w_x, g.w_s], axis=0))
    np.testing.assert_allclose(g2[1].b, g.b)


def test_ar2_is_lagged_1_over_linear_2_1() -> None:
    direct = nn.ar(2)
    spelled = nn.map_s(lambda y: y[..., 0], nn.lagged(1, nn.linear(2, 1)))
    p = nn.ARParams(0.3, np.array([1.2, -0.7]))
    # lagged sees [x_{t-1}, x_t]; phi weighs [x_t, x_{t-1}]
    q = nn.Linear(np.array([[p.phi[1]], [p.phi[0]]]), np.array([p.c]))
    xs = RNG.normal(size=12)
    ys, s = nn.unroll(direct).apply(p, xs, direct.init_state(0))
    ys2, s2 = nn.unroll(spelled).apply(q, xs, spelled.init_state(0))
    np.testing.assert_allclose(np.stack(ys), np.stack(ys2))
    np.testing.assert_allclose(s, s2)


# Bad input


def test_unroll_last_of_an_empty_sequence() -> None:
    m = nn.unroll_last(nn.fcrnn(1, 2))
    with pytest.raises(ValueError, match=r"unroll_last\(fcrnn\(1, 2\)\) got an empty sequence"):
        m.apply(m.init(0), np.zeros((0, 1)), m.init_state(0))
    ys, _ = nn.unroll(nn.fcrnn(1, 2)).apply(m.init(0), [], m.init_state(0))
    assert ys == []


def test_stateful_size_mismatch_at_init() -> None:
    m = nn.zero_state(nn.unroll_last(nn.lstm(2, 8) >> nn.gru(4, 1)))
    with pytest.raises(ValueError, match=r"'lstm\(2, 8\)' gives outputs of size 8.*'gru\(4, 1\)'"):
        m.init(0)
    head = nn.zero_state(nn.unroll_last(nn.fcrnn(1, 5))) >> nn.linear(4, 1)
    with pytest.raises(
        ValueError, match=r"'fcrnn\(1, 5\)' gives outputs of size 5.*'linear\(4, 1\)'"
    ):
        head.init(0)


def test_lagged_checks_the_window_size() -> None:
    with pytest.raises(ValueError, match=r"feeds 3 values.*expects inputs of size 2"):
        nn.lagged(2, nn.linear(2, 1))


def test_recurrently_needs_a_state_size() -> None:
    with pytest.raises(ValueError, match="init_state="):
        nn.recurrently(nn.fn(lambda xs: xs[0] + xs[1]))
    m = nn.recurrently(nn.fn(lambda xs: xs[0] + xs[1]), init_state=lambda rng: np.zeros(2))
    ys, s = nn.unroll(m).apply(None, np.ones((3, 2)), m.init_state(0))
    np.testing.assert_array_equal(s, [3.0, 3.0])
    np.testing.assert_array_equal(ys[0], [1.0, 1.0])


def test_stateful_structure_is_inspectable() -> None:
    cell = nn.fcrnn(1, 2)
    m = nn.zero_state(nn.unroll_last(nn.map_s(pnp.logistic, cell) >> nn.linear(2, 1)))
    assert m.kind == "zero_state"
    (u,) = m.children
    assert u.kind == "unroll_last" and u.children[0].kind == "then"
    assert u.children[0].children[0].kind == "map_s"
    assert u.children[0].children[0].children == (cell,)


# The series' experiments, trained by plain gradient descent


def _descend(loss: Any, p: Any, lr: float, steps: int, momentum: float = 0.9) -> Any:
    """Gradient descent with heavy-ball momentum, written out."""
    g = paralens.grad(loss)
    velocity = paralens.tree.zeros_like(p)
    for _ in range(steps):
        velocity = paralens.tree.tree_map(lambda v, d: momentum * v + d, velocity, g(p))
        p = paralens.tree.tree_map(lambda w, v: w - lr * v, p, velocity)
    return p


PERIOD = 25
SINE = np.sin(2 * np.pi * np.arange(200) / PERIOD)


def _windows(n: int = 19) -> tuple[np.ndarray, np.ndarray]:
    """Windows of ``n`` values (time first, batch second) and the value after each."""
    starts = np.arange(0, 120)
    xs = np.stack([SINE[starts + i] for i in range(n)])
    return xs, SINE[starts + n]


def test_ar2_learns_a_sine_and_continues_it() -> None:
    m = nn.zero_state(nn.unroll_last(nn.ar(2)))
    xs, ts = _windows()
    p = _descend(lambda p: pnp.mean((m.apply(p, xs) - ts) ** 2), m.init(0), 0.1, 500)
    cell = nn.ar(2)
    s = nn.prime(cell, p, cell.init_state(0), SINE[:19])
    ys = nn.feedback(cell, p, s, SINE[19], 30)
    np.testing.assert_allclose(np.array(ys), SINE[20:50], atol=0.05)


def test_ar2_recovers_the_exact_recurrence_of_a_sine() -> None:
    omega = 2 * np.pi / PERIOD
    m = nn.zero_state(nn.unroll(nn.ar(2)))
    xs = np.sin(omega * np.arange(60))

    def loss(p: Any) -> Any:
        # the first prediction starts from the zero state, so it is left out
        return pnp.mean((pnp.stack(m.apply(p, xs[:-1])[1:]) - xs[2:]) ** 2)

    p = _descend(loss, m.init(0), 0.1, 1000)
    np.testing.assert_allclose(p.phi, [2 * np.cos(omega), -1.0], atol=1e-3)
    assert abs(p.c) < 1e-3


def test_fcrnn_learns_a_sine_and_continues_it() -> None:
    cell = nn.map_s(pnp.logistic, nn.fcrnn(1, 30)) >> nn.linear(30, 1)
    m = nn.zero_state(nn.unroll_last(cell))
    xs, ts = _windows()
    xs, ts = xs[..., None], ts[:, None]
    p = _descend(lambda p: pnp.mean((m.apply(p, xs) - ts) ** 2), m.init(0), 0.1, 400)
    s = nn.prime(cell, p, cell.init_state(0), SINE[:19, None])
    ys = nn.feedback(cell, p, s, SINE[19:20], 4)
    np.testing.assert_allclose(np.concatenate(ys), SINE[20:24], atol=0.1)


def test_check_params_of_stateful_models() -> None:
    m = nn.train_state(nn.unroll_last(nn.lstm(2, 3)))
    p, s0 = m.init(0)
    m.check_params((p, s0))
    with pytest.raises(
        ValueError,
        match=r"params\[1\] \(leaf 1\): the initial state of "
        r"'unroll_last\(lstm\(2, 3\)\)' expects shape \(3,\), got \(2,\)",
    ):
        m.check_params((p, nn.LSTMState(np.zeros(3), np.zeros(2))))
    with pytest.raises(ValueError, match=r"params\[0\]\.forget\.w_h: layer 'lstm\(2, 3\)'"):
        bad_gate = nn.Gate(p.forget.w_x, np.zeros((2, 3)), p.forget.b)
        m.check_params((nn.LSTMParams(bad_gate, p.input, p.output, p.cell), s0))


def test_then_of_stateful_parts_pairs_the_states_of_the_stateful_ones() -> None:
    f, head, g = nn.fcrnn(2, 3), nn.linear(3, 3), nn.gru(3, 1)
    chain = nn.then(f, head, g)
    assert isinstance(chain, nn.ModelS) and chain.children == (f, head, g)
    p, s = chain.init(0), chain.init_state(0)
    assert len(p) == 3 and len(s) == 2  # the stateless part adds no state
    nested = (f >> head) >> g
    x = RNG.normal(size=2)
    y, (s_f, s_g) = chain.apply(p, x, s)
    y2, (s_f2, s_g2) = nested.apply(((p[0], p[1]), p[2]), x, s)
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(s_f, s_f2)
    np.testing.assert_array_equal(s_g, s_g2)
    check_grads(_apply_s(chain), (p, x, s))
    one = nn.then(f, head, nn.fn(pnp.tanh))
    assert one.init_state(0).shape == (3,)  # one stateful part: its state itself
    y, s_one = one.apply(one.init(0), x, one.init_state(0))
    assert y.shape == (3,) and s_one.shape == (3,)


def test_then_refuses_a_stateless_part_before_a_stateful_one() -> None:
    with pytest.raises(TypeError, match=r"nn.to_stateful\(linear\(2, 3\)\)"):
        nn.then(nn.linear(2, 3), nn.fcrnn(3, 3))


def test_summary_of_a_trained_initial_state() -> None:
    m = nn.train_state(nn.unroll_last(nn.fcrnn(2, 3)))
    table = nn.summary(m, m.init(0))
    assert "train_state state₀" in table and "params[1]" in table
    assert "params[0].w_s" in table and table.splitlines()[-1].split() == ["total", "21"]


def test_every_combinator_carries_its_metadata() -> None:
    cell = nn.fcrnn(1, 2)
    joined = nn.fn(lambda xs: pnp.concatenate(xs, axis=-1), name="concat")
    made = [
        nn.to_stateful(nn.linear(2, 1)),
        nn.map_s(pnp.tanh, cell),
        nn.unroll(cell),
        nn.unroll_last(cell),
        nn.fix_state(np.zeros(2), cell),
        nn.zero_state(cell),
        nn.train_state(cell),
        nn.recurrently(joined >> nn.tanh_layer(3, 2)),
        nn.recurrently_with(pnp.tanh, joined >> nn.tanh_layer(3, 2)),
        nn.lagged(1, nn.linear(2, 1)),
    ]
    for m in made:
        assert m.combinator.kind == m.kind == m.name.split("(")[0]
        m.check_params(m.init(0))
    looping = {m.kind for m in made if m.combinator.state.loops_back}
    assert looping == {"recurrently", "recurrently_with", "lagged"}
