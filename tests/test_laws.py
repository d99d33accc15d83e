"""The laws of differentiation, checked with hypothesis on random points and directions.

- the VJP is linear in its cotangent: ``vjp(a u + b w) = a vjp(u) + b vjp(w)``;
- forward and reverse mode agree: ``<J v, u> = <v, Jᵀ u>``;
- the chain rule: the derivative of ``f ∘ g`` is the derivative of ``f`` at ``g(x)``
  composed with the derivative of ``g`` at ``x``, in both modes;
- no perturbation confusion: ``d/dx [x · d/dy (x + y)] = 1``, however the transforms nest.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import paralens
import paralens.numpy as pnp
from paralens import tree
from paralens.testing import assert_trees_close, random_like

W = np.linspace(-1.0, 1.0, 12).reshape(6, 2)

# Functions from a vector of 6 to values of various shapes and structures.
FUNCTIONS = {
    "tanh(x @ W)": lambda x: pnp.tanh(x @ W),
    "softmax": pnp.softmax,
    "cumsum(x * x)": lambda x: pnp.cumsum(x * x),
    "log_softmax over rows": lambda x: pnp.log_softmax(x.reshape(2, 3), axis=0),
    "exp(x) / sum(x ** 2 + 1)": lambda x: pnp.exp(x) / pnp.sum(x**2 + 1.0),
    "outer(sin x, x)": lambda x: pnp.outer(pnp.sin(x[:3]), x[3:]),
    "(sin x, sum x, {'p': prod})": lambda x: (
        pnp.sin(x),
        pnp.sum(x),
        {"p": pnp.prod(pnp.cos(x[:2]))},
    ),
    "x[[0, 0, 5]] * logsumexp": lambda x: x[[0, 0, 5]] * pnp.logsumexp(x),
    "einsum('ij,jk->ik')": lambda x: pnp.einsum("ij,jk->ik", x.reshape(3, 2), W[:2]),
    "inv(I + x x^T / 10)": lambda x: pnp.linalg.inv(np.eye(3) + pnp.outer(x[:3], x[3:]) / 10.0),
}
# Scalar functions (of vectors of any size) for composing.
OUTER = {
    "sum(sin)": lambda y: pnp.sum(pnp.sin(y)),
    "logsumexp": pnp.logsumexp,
    "sum(y ** 2) ** 0.5": lambda y: pnp.sum(y**2 + 1.0) ** 0.5,
    "max(tanh)": lambda y: pnp.max(pnp.tanh(y)),
}

floats = st.floats(-2.0, 2.0, allow_nan=False, width=64)
vectors = arrays(np.float64, (6,), elements=floats)
names = st.sampled_from(sorted(FUNCTIONS))


@settings(max_examples=25, deadline=None)
@given(names, vectors, st.integers(0, 2**32 - 1), floats, floats)
def test_vjp_is_linear_in_its_cotangent(name, x, seed, a, b):
    f = FUNCTIONS[name]
    ans, pullback = paralens.vjp(f, x)
    rng = np.random.default_rng(seed)
    u, w = random_like(ans, rng), random_like(ans, rng)
    combined = tree.tree_map(lambda ui, wi: a * ui + b * wi, u, w)
    (lhs,) = pullback(combined)
    (gu,), (gw,) = pullback(u), pullback(w)
    assert_trees_close(lhs, a * gu + b * gw, rtol=1e-9, atol=1e-9)
    (zero,) = pullback(tree.zeros_like(ans))
    np.testing.assert_array_equal(zero, np.zeros_like(x))


@settings(max_examples=25, deadline=None)
@given(names, vectors, st.integers(0, 2**32 - 1))
def test_forward_and_reverse_mode_agree(name, x, seed):
    f = FUNCTIONS[name]
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(x.shape)
    ans, jv = paralens.jvp(f, (x,), (v,))
    ans_rev, pullback = paralens.vjp(f, x)
    assert_trees_close(ans, ans_rev, rtol=0, atol=0)
    u = random_like(ans, rng)
    (jtu,) = pullback(u)
    lhs, rhs = tree.inner(jv, u), tree.inner(v, jtu)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(names, st.sampled_from(sorted(OUTER)), vectors, st.integers(0, 2**32 - 1))
def test_chain_rule(name, outer, x, seed):
    g = FUNCTIONS[name]
    f = OUTER[outer]

    def flat(y):
        return pnp.concatenate([pnp.ravel(leaf) for leaf in tree.tree_leaves(y)])

    def composite(x):
        return f(flat(g(x)))

    # Reverse: grad (f ∘ g)(x) = Jg(x)ᵀ ∇f(g(x)).
    y, pullback_g = paralens.vjp(lambda x: flat(g(x)), x)
    (expected,) = pullback_g(paralens.grad(f)(y))
    np.testing.assert_allclose(paralens.grad(composite)(x), expected, rtol=1e-9, atol=1e-12)
    # Forward: the tangent of f ∘ g along v is f's tangent along g's tangent.
    v = np.random.default_rng(seed).standard_normal(x.shape)
    y_fwd, gv = paralens.jvp(lambda x: flat(g(x)), (x,), (v,))
    _, fgv = paralens.jvp(f, (y_fwd,), (gv,))
    _, direct = paralens.jvp(composite, (x,), (v,))
    np.testing.assert_allclose(direct, fgv, rtol=1e-9, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(floats, floats)
def test_no_perturbation_confusion_with_floats(x0, y0):
    def outer(x):
        return x * paralens.grad(lambda y: x + y)(y0)

    assert paralens.grad(outer)(x0) == 1.0
    assert paralens.jvp(outer, (x0,), (1.0,))[1] == 1.0
    # The inner derivative of x * y with respect to y is x, so d/dx [x * x] = 2x.
    assert paralens.grad(lambda x: x * paralens.grad(lambda y: x * y)(y0))(x0) == 2.0 * x0


@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, (3,), elements=floats))
def test_no_perturbation_confusion_with_arrays(x0):
    y0 = np.ones(3)

    def outer(x):
        inner = paralens.grad(lambda y: pnp.sum(x + y))(y0)
        return pnp.sum(x * inner)

    np.testing.assert_array_equal(paralens.grad(outer)(x0), np.ones(3))

    def outer_fwd_inside(x):
        # jvp nested in grad: the inner tangent is d/dy sum(x * y) along ones = sum(x).
        _, t = paralens.jvp(lambda y: pnp.sum(x * y), (y0,), (np.ones(3),))
        return t * pnp.sum(x)

    np.testing.assert_allclose(paralens.grad(outer_fwd_inside)(x0), 2.0 * np.sum(x0) * np.ones(3))

    def outer_rev_inside(x):
        return pnp.sum(x * paralens.grad(lambda y: pnp.sum(x + y))(y0))

    _, t = paralens.jvp(outer_rev_inside, (x0,), (np.ones(3),))
    assert t == 3.0


def test_perturbation_confusion_three_levels():
    # d/dx [x * d/dy [y * d/dz (x + y + z)]] = d/dx [x * 1] = 1.
    def f(x):
        def g(y):
            return y * paralens.grad(lambda z: x + y + z)(1.0)

        return x * paralens.grad(g)(2.0)

    assert paralens.grad(f)(3.0) == 1.0
    assert paralens.grad(paralens.grad(lambda x: x * x * x))(2.0) == 12.0
