"""paralens.jit: staged programs equal the eager functions, under every transform.

Every transform of ``jit`` and ``jit`` of every transform, to order 2, over arrays,
floats and structures, is compared with the eager result: to the last bit where the
program runs the same operations (the default), within 1e-12 where the passes reorder
them. Retracing happens on a new shape, dtype or structure and not on a new float.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens import grad, hessian, jvp, value_and_grad, vjp
from paralens.jit import TracedValueError, jit

RNG = np.random.default_rng(0)


def same(a: Any, b: Any, tol: float = 0.0) -> None:
    """``a`` and ``b`` have one structure, and equal leaves of equal shapes and dtypes."""
    la, ta = paralens.tree.tree_flatten(a)
    lb, tb = paralens.tree.tree_flatten(b)
    assert ta == tb, (ta, tb)
    for x, y in zip(la, lb, strict=True):
        assert np.shape(x) == np.shape(y)
        assert np.asarray(x).dtype == np.asarray(y).dtype, (x, y)
        if tol == 0.0:
            np.testing.assert_array_equal(x, y)
        else:
            np.testing.assert_allclose(x, y, rtol=tol, atol=tol)


def f_array(x: Any) -> Any:
    return pnp.sum(pnp.tanh(x) * pnp.exp(-x * x) + pnp.sin(x) ** 2)


def f_two(x: Any, y: Any) -> Any:
    return pnp.sum(pnp.sigmoid(x @ y) * 0.5) + pnp.mean(pnp.log1p(y * y))


@dataclasses.dataclass
class Affine:
    w: Any
    b: Any


class Pair(NamedTuple):
    first: Any
    second: Any


def f_tree(p: Any, x: Any) -> Any:
    h = pnp.tanh(x @ p["layer"].w + p["layer"].b)
    return pnp.sum(h * p["scale"].first) + p["scale"].second * pnp.mean(h)


def tree_args() -> tuple[Any, Any]:
    p = {
        "layer": Affine(RNG.standard_normal((3, 4)), RNG.standard_normal(4)),
        "scale": Pair(RNG.standard_normal(4), 0.7),
    }
    return p, RNG.standard_normal((5, 3))


X = RNG.standard_normal(6)
Y = (RNG.standard_normal((4, 3)), RNG.standard_normal((3, 2)))


# ---- the staged program equals the function -----------------------------------------------


def test_replay_equals_eager_and_the_first_call_too():
    f = jit(f_two)
    first = f(*Y)
    same(first, f_two(*Y))
    same(f(*Y), f_two(*Y))
    assert f.cache_info().hits == 1


def test_structures_in_and_out():
    def g(p: Any, x: Any) -> Any:
        return {"out": Pair(f_tree(p, x), p["layer"]), "n": 3}

    p, x = tree_args()
    same(jit(g)(p, x), g(p, x))


@pytest.mark.parametrize(
    "transform",
    [
        lambda f: grad(f),
        lambda f: value_and_grad(f, argnums=(0, 1)),
        lambda f: grad(f, argnums=1),
    ],
)
def test_jit_of_grad_stages_the_backward_pass(transform: Any):
    g = transform(f_two)
    same(jit(g)(*Y), g(*Y))


def test_jit_of_grad_of_a_structure():
    p, x = tree_args()
    g = grad(f_tree)
    same(jit(g)(p, x), g(p, x))


def test_grad_of_jit_uses_the_primitives_rules():
    p, x = tree_args()
    same(grad(jit(f_tree))(p, x), grad(f_tree)(p, x))
    same(grad(jit(f_array))(X), grad(f_array)(X))


def test_vjp_both_orders():
    def f(x: Any, y: Any) -> Any:
        return pnp.tanh(x @ y), pnp.sum(y)

    ct = (RNG.standard_normal((4, 2)), 1.5)
    ans, pullback = vjp(f, *Y)
    ans_j, pullback_j = vjp(jit(f), *Y)
    same(ans_j, ans)
    same(pullback_j(ct), pullback(ct))
    staged = jit(lambda x, y, c: vjp(f, x, y)[1](c))
    same(staged(*Y, ct), pullback(ct))


def test_jvp_both_orders():
    t = RNG.standard_normal(6)
    expected = jvp(f_array, (X,), (t,))
    same(jvp(jit(f_array), (X,), (t,)), expected)
    same(jit(lambda x, t: jvp(f_array, (x,), (t,)))(X, t), expected)


def test_hessian_both_orders():
    expected = hessian(f_array)(X)
    same(hessian(jit(f_array))(X), expected)
    same(jit(hessian(f_array))(X), expected)


def test_second_order_both_orders():
    def f(x: Any) -> Any:
        return pnp.sum(pnp.sin(x) * x**3)

    def second(x: Any) -> Any:
        return grad(lambda x: pnp.sum(grad(f)(x) * pnp.cos(x)))(x)

    expected = second(X)
    same(jit(second)(X), expected)
    same(grad(lambda x: pnp.sum(jit(grad(f))(x) * pnp.cos(x)))(X), expected)
    same(grad(lambda x: pnp.sum(grad(jit(f))(x) * pnp.cos(x)))(X), expected)


def test_floats_in_and_out():
    def f(x: Any, a: Any) -> Any:
        return pnp.sin(x) * a + a * a

    assert jit(f)(0.5, 2.0) == f(0.5, 2.0)
    same(jit(grad(f, argnums=(0, 1)))(0.5, 2.0), grad(f, argnums=(0, 1))(0.5, 2.0))


# ---- the cache ------------------------------------------------------------------------------


def test_retrace_on_shape_dtype_and_structure_not_on_a_float():
    f = jit(lambda x, lr: pnp.sum(x * lr))
    for lr in (0.1, 0.2, 0.3):
        assert f(np.ones(3), lr) == pytest.approx(3 * lr)
    assert f.cache_info().traces == 1
    f(np.ones(4), 0.1)
    f(np.ones(3, np.float32), 0.1)
    info = f.cache_info()
    assert (info.traces, info.retraces, info.size) == (3, 2, 3)
    g = jit(lambda p: pnp.sum(p[0]))
    g((np.ones(2),))
    g([np.ones(2)])
    assert g.cache_info().traces == 2


def test_static_argnums_are_keyed_by_value():
    f = jit(lambda x, n, scale: pnp.sum(x[:n]) * scale, static_argnums=(1,))
    assert f(np.arange(5.0), 2, 1.0) == 1.0
    assert f(np.arange(5.0), 3, 1.0) == 3.0
    assert f(np.arange(5.0), 3, 2.0) == 6.0
    assert f.cache_info().traces == 2


def test_static_argnums_misuse():
    with pytest.raises(TypeError, match="not hashable"):
        jit(lambda x, s: x, static_argnums=1)(1.0, [1, 2])
    with pytest.raises(ValueError, match="static_argnums"):
        jit(lambda x: x, static_argnums=2)(1.0)
    with pytest.raises(ValueError, match="both static and donated"):
        jit(lambda x: x, static_argnums=0, donate_argnums=0)
    with pytest.raises(TypeError, match="argument positions"):
        jit(lambda x: x, static_argnums="0")  # type: ignore[arg-type]


def test_wrong_arity_is_the_functions_own_error():
    f = jit(lambda x, y: x + y)
    with pytest.raises(TypeError, match="positional argument"):
        f(1.0)


def test_a_string_argument_must_be_static():
    with pytest.raises(TypeError, match="static_argnums"):
        jit(lambda x, name: x)(1.0, "relu")
    assert jit(lambda x, name: x * 2, static_argnums=1)(1.0, "relu") == 2.0


# ---- honest about Python --------------------------------------------------------------------


def test_a_branch_on_a_traced_value_raises_naming_the_fixes():
    def f(x: Any) -> Any:
        if pnp.sum(x) > 0:
            return x
        return -x

    with pytest.raises(TracedValueError, match=r"pnp\.where.*cond.*static_argnums"):
        jit(f)(np.ones(2))
    with pytest.raises(TracedValueError, match="bool"):
        jit(grad(lambda x: pnp.sum(x) if x[0] > 0 else 0.0))(np.ones(2))


def test_reading_a_traced_number_raises():
    with pytest.raises(TracedValueError, match="float"):
        jit(lambda x: float(x) * 2)(1.0)
    with pytest.raises(TracedValueError, match="value"):
        jit(lambda x: x.value * 2)(np.ones(2))
    with pytest.raises(TracedValueError):
        jit(lambda x: np.asarray(x) + 1)(np.ones(2))


def test_a_traced_boolean_mask_raises_at_trace_time():
    with pytest.raises(TracedValueError, match=r"boolean mask.*pnp\.where"):
        jit(lambda x: pnp.sum(x[x > 0] * 2.0))(np.array([1.0, 2.0, 3.0]))
    mask = np.array([True, False, True])  # a constant mask fixes the shape
    same(jit(lambda x: x[mask] * 2.0)(np.arange(3.0)), np.array([0.0, 4.0]))


def test_a_primitive_whose_shape_follows_the_values_raises_at_replay():
    positive = paralens.extend.primitive(lambda x: x[x > 0], "positive")
    f = jit(lambda x: pnp.sum(positive(x) * 2.0))
    assert f(np.array([1.0, 2.0, 3.0])) == 12.0
    assert f(np.array([3.0, 2.0, 1.0])) == 12.0  # the same shape: replayed
    with pytest.raises(ValueError, match=r"positive returned an array of shape \(1,\)"):
        f(np.array([1.0, -2.0, -3.0]))  # never a broadcast into the staged (3,)
    rows = jit(lambda x, n: pnp.sum(pnp.reshape(x, (n, -1)) * 2.0, axis=0))
    same(rows(np.arange(6.0), 2), np.array([6.0, 10.0, 14.0]))
    with pytest.raises(ValueError, match=r"reshape returned an array of shape \(3, 2\)"):
        rows(np.arange(6.0), 3)  # a size passed as a number: static_argnums fixes it
    assert jit(rows.fun, static_argnums=1)(np.arange(6.0), 3).shape == (2,)


def test_comparisons_are_staged():
    f = jit(lambda x: pnp.where(x > 0, x, 0.0))
    same(f(np.array([-1.0, 2.0])), np.array([0.0, 2.0]))
    same(f(np.array([3.0, -2.0])), np.array([3.0, 0.0]))
    g = jit(grad(lambda x: pnp.sum(pnp.relu(x))))
    same(g(np.array([-1.0, 2.0])), np.array([0.0, 1.0]))
    same(g(np.array([1.0, -2.0])), np.array([1.0, 0.0]))


def test_a_non_donated_call_never_changes_its_arguments():
    p, x = tree_args()
    before = paralens.tree.tree_map(np.copy, (p, x))
    step = jit(lambda p, x: paralens.tree.tree_map(lambda a, g: a - 0.1 * g, p, grad(f_tree)(p, x)))
    for _ in range(3):
        step(p, x)
    same((p, x), before)


def test_outputs_never_share_memory():
    f = jit(lambda x: (x * 2.0, x * 2.0, np.ones(2)))
    a, b, c = f(np.ones(2))
    a2, _, c2 = f(np.ones(2))
    assert not np.shares_memory(a, b)
    assert not np.shares_memory(c, c2) and not np.shares_memory(a, a2)
    donating = jit(lambda p: (p * 2.0, p * 2.0), donate_argnums=0)
    a, b = donating(np.ones(2))  # one value written into the donated array, handed out twice
    same((a, b), (np.full(2, 2.0), np.full(2, 2.0)))
    assert not np.shares_memory(a, b)
    g = jit(grad(lambda x, y: pnp.sum(x + y), argnums=(0, 1)))
    gx, gy = g(np.ones(3), np.ones(3))
    assert not np.shares_memory(gx, gy)


# ---- the passes -------------------------------------------------------------------------------


def test_the_passes_keep_every_bit():
    from paralens.jit._passes import optimise

    def f(x: Any) -> Any:
        unused = pnp.exp(x)  # noqa: F841 (dead code)
        return pnp.sum((x * 1.0) ** 1 * x**0 + x * pnp.sin(x) + pnp.sin(x) * x)

    x = RNG.standard_normal(5)
    program = jit(f).trace(x)
    optimised = optimise(program)
    names = [eq.prim.name for eq in optimised.eqs]
    assert "exp" not in names and names.count("sin") == 1
    assert names.count("multiply") == 1 and "power" not in names  # x * 1, x ** 1, x ** 0 gone
    same(jit(f)(x), f(x))
    same(jit(grad(f))(x), grad(f)(x))


def test_source_shows_the_replayed_code():
    f = jit(lambda w, x: pnp.sum(pnp.tanh(x @ w)))
    source = f.source(np.ones((3, 2)), np.ones((4, 3)))
    assert source.startswith("def replay(x0, x1):")
    assert "np.tanh" in source and "out=" in source
