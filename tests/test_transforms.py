"""Every transform: grad, value_and_grad, backprop, vjp, jvp, jacobians, hessian, hvp,
stop_gradient, and linear primitives."""

from typing import NamedTuple

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens.extend import def_linear, defvjp, primitive
from paralens.testing import check_grads

A = np.array([[2.0, 1.0, 0.0], [0.5, 3.0, -1.0], [0.0, -2.0, 1.0]])
X = np.array([0.3, -0.7, 1.1])


def quadratic(x):
    return x @ A @ x


def test_grad_with_argnums():
    def f(x, y, z):
        return x * y**2 + pnp.sum(z) * x

    z = np.array([1.0, 2.0])
    assert paralens.grad(f)(2.0, 3.0, z) == 9.0 + 3.0
    assert paralens.grad(f, argnums=1)(2.0, 3.0, z) == 12.0
    gx, gz = paralens.grad(f, argnums=(0, 2))(2.0, 3.0, z)
    assert gx == 12.0
    np.testing.assert_array_equal(gz, [2.0, 2.0])
    (gy,) = paralens.grad(f, argnums=(1,))(2.0, 3.0, z)
    assert gy == 12.0
    assert paralens.grad(f, argnums=-2)(2.0, 3.0, z) == 12.0
    # keyword arguments pass through untouched
    assert paralens.grad(lambda x, k=1.0: k * x * x)(3.0, k=2.0) == 12.0


def test_value_and_grad():
    value, g = paralens.value_and_grad(quadratic)(X)
    assert value == pytest.approx(X @ A @ X)
    np.testing.assert_allclose(g, (A + A.T) @ X)
    value, (gx, gy) = paralens.value_and_grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 5.0)
    assert (value, gx, gy) == (10.0, 5.0, 2.0)
    assert all(type(v) is float for v in (value, gx, gy))


def test_backprop_gives_one_gradient_per_argument():
    def f(w, b, x):
        return pnp.sum(pnp.tanh(x @ w + b))

    w, b = np.ones((3, 2)) * 0.1, np.zeros(2)
    value, grads = paralens.backprop(f, w, b, X)
    assert value == pytest.approx(f(w, b, X))
    assert len(grads) == 3
    assert [g.shape for g in grads] == [(3, 2), (2,), (3,)]
    np.testing.assert_allclose(grads[1], paralens.grad(f, argnums=1)(w, b, X))


class Stats(NamedTuple):
    mean: object
    spread: object


def test_vjp_with_structured_outputs():
    def f(x):
        return {"stats": Stats(pnp.mean(x), pnp.std(x)), "sq": x * x, "const": 3.0}

    ans, pullback = paralens.vjp(f, X)
    assert type(ans["stats"]) is Stats and ans["const"] == 3.0
    ct = {"stats": Stats(1.0, 0.0), "sq": np.array([1.0, 0.0, 0.0]), "const": 5.0}
    (g,) = pullback(ct)
    np.testing.assert_allclose(g, np.full(3, 1 / 3) + np.array([2 * X[0], 0.0, 0.0]))
    (zero,) = pullback({"stats": Stats(0.0, 0.0), "sq": np.zeros(3), "const": 1.0})
    np.testing.assert_array_equal(zero, np.zeros(3))


def test_vjp_of_several_arguments_and_a_constant_output():
    ans, pullback = paralens.vjp(lambda x, y: (x * y, 2.0), 3.0, np.array([1.0, 2.0]))
    gx, gy = pullback((np.array([1.0, 1.0]), 7.0))
    assert gx == 3.0 and type(gx) is float
    np.testing.assert_array_equal(gy, [3.0, 3.0])
    ans, pullback = paralens.vjp(lambda x: 1.0, np.ones(2))
    assert ans == 1.0
    np.testing.assert_array_equal(pullback(1.0)[0], np.zeros(2))


def test_jvp_with_structured_inputs_and_outputs():
    def f(p):
        return Stats(pnp.sum(p["w"] * p["s"]), p["w"][::-1])

    p = {"w": np.array([1.0, 2.0]), "s": 3.0}
    t = {"w": np.array([1.0, 0.0]), "s": 1.0}
    value, tangent = paralens.jvp(f, (p,), (t,))
    assert type(value) is Stats and type(tangent) is Stats
    assert tangent.mean == 3.0 + 3.0
    np.testing.assert_array_equal(tangent.spread, [0.0, 1.0])
    _, const_tangent = paralens.jvp(lambda x: np.ones(2), (1.0,), (1.0,))
    np.testing.assert_array_equal(const_tangent, np.zeros(2))


def test_jacobians_agree_with_each_other_and_by_hand():
    def f(x):
        return pnp.sin(x) * x[0]

    expected = np.diag(np.cos(X) * X[0])
    expected[:, 0] += np.sin(X)
    for jac in (paralens.jacfwd, paralens.jacrev, paralens.jacobian):
        np.testing.assert_allclose(jac(f)(X), expected)
    m = np.arange(6.0).reshape(2, 3)
    j = paralens.jacrev(lambda m: m.T @ m)(m)
    assert j.shape == (3, 3, 2, 3)
    np.testing.assert_allclose(paralens.jacfwd(lambda m: m.T @ m)(m), j)
    jy = paralens.jacfwd(lambda x, y: x * y, argnums=1)(2.0, X)
    np.testing.assert_allclose(jy, 2.0 * np.eye(3))


def test_jacobian_of_scalar_functions():
    assert paralens.jacfwd(pnp.sin)(0.0) == 1.0
    assert paralens.jacrev(pnp.sin)(0.0) == 1.0
    np.testing.assert_allclose(paralens.jacrev(quadratic)(X), (A + A.T) @ X)


def test_hessian_and_hvp():
    h = paralens.hessian(quadratic)(X)
    np.testing.assert_allclose(h, A + A.T)

    def f(x):
        return pnp.sum(pnp.exp(x) * x[1]) + pnp.prod(x)

    h = paralens.hessian(f)(X)
    np.testing.assert_allclose(h, h.T, atol=1e-12)
    np.testing.assert_allclose(paralens.jacrev(paralens.jacfwd(f))(X), h)
    v = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(paralens.hvp(f, (X,), (v,)), h @ v)
    hx, hy = paralens.hvp(lambda x, y: x * x * y, (2.0, 3.0), (1.0, 0.0))
    assert (hx, hy) == (2 * 3.0, 2 * 2.0)


def test_stop_gradient():
    assert paralens.grad(lambda x: x * paralens.stop_gradient(x))(3.0) == 3.0
    _, t = paralens.jvp(lambda x: x * paralens.stop_gradient(x), (3.0,), (1.0,))
    assert t == 3.0
    p = {"a": 2.0, "b": np.array([1.0, 2.0])}
    g = paralens.grad(lambda p: pnp.sum(paralens.stop_gradient(p)["b"]) * p["a"] + p["a"])(p)
    assert g["a"] == 4.0
    np.testing.assert_array_equal(g["b"], [0.0, 0.0])
    plain = paralens.stop_gradient(p)
    assert plain["a"] == 2.0 and plain["b"] is p["b"]
    assert paralens.stop_gradient(X) is X


def test_stop_gradient_at_nested_levels():
    y0 = 1.5

    def inner_grad(x):
        # d/dy [stop(x) * y ** 2] = 2 stop(x) y: a constant to the outer derivative.
        return paralens.grad(lambda y: paralens.stop_gradient(x) * y**2)(y0)

    assert inner_grad(2.0) == 2 * 2.0 * y0
    assert paralens.grad(inner_grad)(2.0) == 0.0

    def stop_inner(x):
        # Stopping the inner variable leaves the outer one differentiable.
        return paralens.grad(lambda y: x * y + paralens.stop_gradient(y) * x * x)(y0)

    assert stop_inner(2.0) == 2.0
    assert paralens.grad(stop_inner)(2.0) == 1.0

    def stop_mixed(x):
        # stop(x * y) is a constant at every level: only x * y is differentiated.
        return paralens.grad(lambda y: x * y + paralens.stop_gradient(x * y))(y0)

    assert paralens.grad(stop_mixed)(2.0) == 1.0


@primitive
def rotate(v):
    return np.array([-v[1], v[0]])


def_linear(rotate)


@primitive
def weighted(w, x):
    return w * x


def_linear(weighted)


def test_def_linear():
    v = np.array([1.0, 2.0])
    u = np.array([0.5, -1.0])
    _, t = paralens.jvp(rotate, (v,), (u,))
    np.testing.assert_array_equal(t, rotate(u))
    _, pullback = paralens.vjp(rotate, v)
    np.testing.assert_array_equal(pullback(u)[0], np.array([[0.0, -1.0], [1.0, 0.0]]).T @ u)
    check_grads(lambda v: pnp.sum(pnp.sin(rotate(v))), (v,))
    # Multilinear: linear in each argument separately.
    gw, gx = paralens.grad(lambda w, x: pnp.sum(weighted(w, x)), argnums=(0, 1))(v, u)
    np.testing.assert_array_equal(gw, u)
    np.testing.assert_array_equal(gx, v)
    check_grads(lambda w, x: pnp.sum(pnp.tanh(weighted(w, x))), (v, u))


def test_def_linear_keeps_an_explicit_reverse_rule():
    calls = []

    @primitive
    def double(x):
        return 2.0 * x

    defvjp(double, lambda ans, x: lambda g: calls.append(g) or 2.0 * g)
    def_linear(double)
    assert paralens.grad(double)(1.0) == 2.0
    assert calls == [1.0]
    assert paralens.jvp(double, (1.0,), (3.0,)) == (2.0, 6.0)


def test_transforms_compose():
    def f(x):
        return pnp.sum(pnp.sin(x) ** 2)

    g = paralens.grad(f)
    np.testing.assert_allclose(g(X), 2 * np.sin(X) * np.cos(X))
    np.testing.assert_allclose(paralens.jacfwd(g)(X), paralens.hessian(f)(X))
    third = paralens.grad(paralens.grad(paralens.grad(pnp.sin)))(0.3)
    assert third == pytest.approx(-np.cos(0.3))
    check_grads(g, (X,), order=2)
