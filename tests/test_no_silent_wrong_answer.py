"""Issue 12's first list: each silent wrong answer, now the right value or a clear error.

One test (or one parametrized family) per bullet of the issue, in its order; the complex
values of the third bullet are tested with the complex functions.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens import tree
from paralens.testing import check_grads

X2 = np.array([1.0, 2.0])


# ---- pnp.array, asarray, full and np.asarray of traced values ---------------------------


def test_array_of_a_traced_value_is_that_value_traced():
    assert paralens.grad(lambda x: pnp.array(x * 2.0))(1.0) == 2.0
    assert paralens.grad(lambda x: pnp.asarray(x * 2.0))(1.0) == 2.0
    assert paralens.grad(lambda x: pnp.array([x, 2 * x]).sum())(1.0) == 3.0


@pytest.mark.parametrize("jacobian", [paralens.jacrev, paralens.jacfwd])
def test_jacobian_of_an_array_built_from_traced_entries(jacobian):
    got = jacobian(lambda x: pnp.array([x[0] * x[1], x[0]]))(X2)
    np.testing.assert_array_equal(got, [[2.0, 1.0], [1.0, 0.0]])


def test_ufuncs_apply_to_an_array_built_from_traced_entries():
    got = paralens.jacrev(lambda x: pnp.tanh(pnp.array([x[0] * x[1], x[0]])))(X2)
    d = 1 - np.tanh([2.0, 1.0]) ** 2
    np.testing.assert_allclose(got, [[2.0 * d[0], 1.0 * d[0]], [d[1], 0.0]])


@pytest.mark.parametrize(
    "f",
    [
        lambda x: pnp.array([[x[0], 1.0], [x[1] * x[0], x[2]]]),
        lambda x: pnp.array([x[:2], np.array([3.0, 4.0])]),  # blocks of arrays and Vars
        lambda x: pnp.array([[x[0], x[1]], np.ones(2)], dtype=float),
        lambda x: pnp.asarray((x[0], (x[1], x[2]))[1]),
        lambda x: pnp.array(x[0], ndmin=2),
        lambda x: pnp.full((2, 3), x[1]),
        lambda x: pnp.full((2, 3), x),
        lambda x: pnp.full_like(np.zeros((2, 3)), [x[0], x[1], 0.5]),
        lambda x: pnp.stack([x, 2 * x], axis=1),
        lambda x: pnp.stack([[x[0], x[1]], [x[2], 1.0]]),
        lambda x: np.stack([x, x * x]),
        lambda x: np.concatenate([x, pnp.array([x[0] * x[2]])]),
    ],
)
def test_arrays_of_traced_values_differentiate_to_order_two(f):
    ans = f(np.array([0.5, -1.5, 2.0]))
    assert np.asarray(ans).dtype != object
    check_grads(f, (np.array([0.5, -1.5, 2.0]),), order=2, modes=("fwd", "rev"), rtol=1e-3)


@pytest.mark.parametrize(
    ("ours", "numpys"),
    [
        (lambda: pnp.array([[1, 2], [3, 4]]), lambda: np.array([[1, 2], [3, 4]])),
        (lambda: pnp.array([1.0, 2], dtype=np.float32), lambda: np.array([1.0, 2], np.float32)),
        (lambda: pnp.array(3.0, ndmin=2), lambda: np.array(3.0, ndmin=2)),
        (lambda: pnp.asarray([1, 2]), lambda: np.asarray([1, 2])),
        (lambda: pnp.full((2, 2), 7), lambda: np.full((2, 2), 7)),
        (lambda: pnp.full(3, np.float32(1)), lambda: np.full(3, np.float32(1))),
        (lambda: pnp.full_like(np.zeros(2, int), 3.7), lambda: np.full_like(np.zeros(2, int), 3.7)),
        (lambda: pnp.stack([[1, 2], [3, 4]], axis=1), lambda: np.stack([[1, 2], [3, 4]], axis=1)),
        (lambda: pnp.astype(np.arange(3), bool), lambda: np.arange(3).astype(bool)),
    ],
)
def test_on_plain_values_the_creation_functions_are_numpys(ours, numpys):
    got, expected = ours(), numpys()
    assert type(got) is type(expected) and got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_asarray_of_an_array_is_the_array_itself():
    x = np.ones(3)
    assert pnp.asarray(x) is x


def test_the_items_of_an_array_of_traced_values_must_have_one_shape():
    with pytest.raises(ValueError, match=r"one shape; got shapes \[\(2,\), \(\)\]"):
        paralens.grad(lambda x: pnp.array([x, 1.0]).sum())(np.ones(2))
    with pytest.raises(ValueError, match="does not broadcast"):
        paralens.grad(lambda x: pnp.full((3,), x).sum())(np.ones(2))


# Every way an array can be made from traced values: the result is traced, never an
# object array of Vars, or the call raises a TypeError that names what to use instead.
ENTRY_POINTS = {
    "pnp.array": lambda x: pnp.array([x, 2 * x]),
    "pnp.asarray": lambda x: pnp.asarray([[x, x]]),
    "pnp.full": lambda x: pnp.full((2,), x),
    "pnp.full_like": lambda x: pnp.full_like(np.zeros(2), x),
    "pnp.stack": lambda x: pnp.stack([x, [1.0, 2.0]]),
    "np.stack": lambda x: np.stack([x, x]),
    "np.concatenate": lambda x: np.concatenate([x, x]),
    "np.array": lambda x: np.array([x, 2 * x]),
    "np.asarray": lambda x: np.asarray(x),
    "np.array of one": lambda x: np.array(x),
    "a list given to a pnp function": lambda x: pnp.sum([x[0], x[1]]),
    "a list given to pnp.where": lambda x: pnp.where(True, [x[0], x[1]], 0.0),
    "a list given to pnp.concatenate": lambda x: pnp.concatenate([[x[0]], [x[1]]]),
    "pnp.zeros_like of a list": lambda x: pnp.zeros_like([x[0], x[1]]),
    "np.vectorize": lambda x: np.vectorize(lambda a: a)(x),
}


@pytest.mark.parametrize("name", list(ENTRY_POINTS))
def test_no_object_array_of_traced_values_reaches_the_user(name):
    def f(x):
        out = ENTRY_POINTS[name](x)
        assert not (isinstance(out, np.ndarray) and out.dtype == object)
        if paralens.Var is not type(out):
            raise AssertionError(f"{name} gave a {type(out).__name__}, not a traced array")
        return pnp.sum(out)

    try:
        g = paralens.grad(f)(X2)
    except TypeError as error:
        assert "pnp." in str(error) or "v.value" in str(error)
    else:
        assert g.dtype == np.float64 and g.shape == (2,)


# ---- integer and boolean casts ----------------------------------------------------------


@pytest.mark.parametrize("dtype", [int, bool, np.int32, np.uint8])
def test_integer_and_boolean_casts_have_zero_derivative(dtype):
    np.testing.assert_array_equal(
        paralens.grad(lambda x: pnp.sum(x.astype(dtype) * 1.0))(X2), [0.0, 0.0]
    )
    np.testing.assert_array_equal(paralens.jvp(lambda x: x.astype(dtype), (X2,), (X2,))[1], 0)
    # the cast is a constant: what multiplies it gets the cast values as its derivative
    np.testing.assert_array_equal(
        paralens.grad(lambda x: pnp.sum(x.astype(dtype) * x))(np.array([1.5, 0.0])),
        np.array([1.5, 0.0]).astype(dtype),
    )


def test_floating_casts_convert_the_cotangent_back_and_copy_false_keeps_the_value():
    g = paralens.grad(lambda x: pnp.sum(x.astype(np.float32) ** 2))(X2)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2 * X2)

    def same(x):
        assert x.astype(np.float64, copy=False) is x
        assert x.astype(np.float64) is not x
        return pnp.sum(pnp.astype(x, np.float64, copy=False))

    np.testing.assert_array_equal(paralens.grad(same)(X2), [1.0, 1.0])
    check_grads(lambda x: pnp.sin(x.astype(np.float64)), (X2.astype(np.float32),), order=2)


# ---- a constant changed after its use; writing through v.value --------------------------


def test_a_constant_changed_after_its_use_cannot_change_the_gradient():
    a = np.ones(3)

    def f(x):
        y = x * a
        a[:] = 5.0
        return pnp.sum(y)

    np.testing.assert_array_equal(paralens.grad(f)(np.ones(3)), [1.0, 1.0, 1.0])
    a[:] = 1.0
    _, pullback = paralens.vjp(lambda x: pnp.sum(x * a), np.ones(3))
    a[:] = 5.0  # after the call, before the pullback
    np.testing.assert_array_equal(pullback(1.0)[0], [1.0, 1.0, 1.0])


def test_an_index_changed_after_its_use_cannot_change_the_gradient():
    rows = np.array([0, 1])

    def f(x):
        y = x[rows, np.array([1, 0])]
        rows[:] = 0
        return pnp.sum(y)

    np.testing.assert_array_equal(paralens.grad(f)(np.zeros((2, 2))), [[0.0, 1.0], [1.0, 0.0]])


def _memmap(tmp_path):
    m = np.memmap(tmp_path / "a.bin", dtype=np.float64, mode="w+", shape=(3,))
    m[:] = 1.0
    return m


class _Subclass(np.ndarray):
    pass


@pytest.mark.parametrize(
    "constant",
    [
        lambda tmp_path: [1.0, 1.0, 1.0],
        lambda tmp_path: [[1.0, 1.0, 1.0]],
        lambda tmp_path: np.ones(3).view(_Subclass),
        _memmap,
    ],
    ids=["list", "nested list", "ndarray subclass", "memmap"],
)
def test_a_constant_of_any_array_like_type_changed_after_its_use_cannot_change_it(
    constant, tmp_path
):
    a = constant(tmp_path)

    def f(x):
        y = x * a
        if isinstance(a, list):
            (a[0] if isinstance(a[0], list) else a)[0] = 5.0
        else:
            a[:] = 5.0
        return pnp.sum(y)

    np.testing.assert_array_equal(np.ravel(paralens.grad(f)(np.ones(3))), [1.0, 1.0, 1.0])


def test_a_keyword_constant_changed_after_its_use_cannot_change_the_gradient():
    from paralens.extend import defvjp, primitive

    scaled = primitive(lambda x, *, by: x * by, "scaled")
    defvjp(scaled, lambda g, ans, x, *, by: g * by, staged=False)
    by = np.ones(3)

    def f(x):
        y = scaled(x, by=by)
        by[:] = 5.0
        return pnp.sum(y)

    np.testing.assert_array_equal(paralens.grad(f)(np.ones(3)), [1.0, 1.0, 1.0])


def test_vjp_keeps_its_inputs_and_hands_back_an_answer_of_its_own():
    x = np.zeros(2)
    ans, pullback = paralens.vjp(pnp.sin, x)
    x[:] = 1.0  # the caller changes its input before pulling back
    np.testing.assert_array_equal(pullback(np.ones(2))[0], [1.0, 1.0])  # cos(0)
    ans, pullback = paralens.vjp(pnp.exp, np.zeros(2))
    ans[:] = 7.0  # and the answer it was given (exp's rule reads the answer)
    np.testing.assert_array_equal(pullback(np.ones(2))[0], [1.0, 1.0])
    x = np.zeros(2)
    ans, _ = paralens.vjp(lambda x: {"same": x, "c": (x, 2.0)}, x)
    assert not np.shares_memory(ans["same"], x) and not np.shares_memory(ans["c"][0], x)
    assert ans["c"][1] == 2.0


def test_writing_through_a_traced_value_cannot_change_the_callers_input():
    x = np.ones(3)

    def f(v):
        v.value[0] = 7.0
        return pnp.sum(v)

    with pytest.raises(ValueError, match="read-only"):
        paralens.grad(f)(x)
    with pytest.raises(ValueError, match="read-only"):
        paralens.jvp(f, (x,), (x,))
    with pytest.raises(ValueError, match="read-only"):  # a view of the input, too
        paralens.grad(lambda v: v.reshape(-1).value.fill(0.0) or pnp.sum(v))(x)
    np.testing.assert_array_equal(x, [1.0, 1.0, 1.0])


# ---- cotangents, argnums, memory, structures, jacobians of structures, x ** y -----------


@pytest.mark.parametrize(
    ("ct", "words"),
    [
        (np.ones((2, 1)), "the cotangent has shape (2, 1) where the output has shape (3,)"),
        (1.0, "the cotangent has shape () where the output has shape (3,)"),
        (np.ones(4), "the cotangent has shape (4,) where the output has shape (3,)"),
    ],
)
def test_a_cotangent_of_another_shape_is_refused_naming_both(ct, words):
    _, pullback = paralens.vjp(lambda x: 2.0 * x, np.ones(3))
    with pytest.raises(ValueError) as info:
        pullback(ct)
    assert words in str(info.value)


def test_a_cotangent_of_another_structure_or_dtype_is_refused():
    _, pullback = paralens.vjp(lambda x: (x, {"s": pnp.sum(x)}), np.ones(3))
    with pytest.raises(ValueError, match=r"structures differ at \[1\]"):
        pullback((np.ones(3), 1.0))
    with pytest.raises(ValueError, match=r"at \[1\]\['s'\]"):
        pullback((np.ones(3), {"s": np.ones(2)}))
    with pytest.raises(TypeError, match="complex where the output is real"):
        pullback((np.ones(3) * 1j, {"s": 1.0}))
    with pytest.raises(TypeError, match="not a number"):
        pullback((np.array(["a", "b", "c"]), {"s": 1.0}))
    assert pullback((np.ones(3), {"s": 2.0}))[0].tolist() == [3.0, 3.0, 3.0]


@pytest.mark.parametrize("argnums", [(0, 0), (1, -1), [0, 1, 0]])
def test_argnums_naming_an_argument_twice_raise(argnums):
    with pytest.raises(ValueError, match="more than once"):
        paralens.grad(lambda x, y: x * y, argnums=argnums)(2.0, 3.0)


@pytest.mark.parametrize(
    ("f", "args"),
    [
        (lambda a, b: pnp.sum(a + b.reshape(2)), (np.ones(2), np.ones((1, 2)))),
        (lambda a, b: pnp.sum(a + b.T), (np.ones((2, 3)), np.ones((3, 2)))),
        (lambda a, b: pnp.sum(a.T + b), (np.ones((2, 3)), np.ones((3, 2)))),
        (lambda a, b: pnp.sum(pnp.concatenate([a, b])), (np.ones(2), np.ones(2))),
    ],
)
def test_no_two_gradients_share_memory(f, args):
    grads = paralens.grad(f, argnums=(0, 1))(*args)
    assert not np.shares_memory(grads[0], grads[1])
    assert all(g.flags.writeable for g in grads)


def test_no_two_gradients_of_a_dict_share_memory():
    g = paralens.grad(lambda p: pnp.sum(p["a"] + p["b"].T + p["c"].reshape(2, 2)))(
        {"a": np.ones((2, 2)), "b": np.ones((2, 2)), "c": np.ones(4)}
    )
    for one, other in [("a", "b"), ("a", "c"), ("b", "c")]:
        assert not np.shares_memory(g[one], g[other])


def test_a_pullback_never_hands_back_the_callers_cotangent():
    ct = np.ones(3)
    _, pullback = paralens.vjp(lambda x: x, np.zeros(3))
    (g,) = pullback(ct)
    assert g is not ct and not np.shares_memory(g, ct)
    _, pullback = paralens.vjp(lambda x: x.T, np.zeros((2, 3)))
    ct = np.ones((3, 2))
    assert not np.shares_memory(pullback(ct)[0], ct)
    t = np.ones(3)
    _, (t1, t2) = paralens.jvp(lambda x: (x, x), (np.zeros(3),), (t,))
    assert not np.shares_memory(t1, t) and not np.shares_memory(t1, t2)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (
            lambda: tree.tree_map(lambda a, b: a, np.ones(2), (1.0, 2.0)),
            "at the root: a leaf (ndarray of shape (2,)) against a tuple of 2",
        ),
        (
            lambda: tree.tree_map(lambda a, b: a, {"w": [1.0, 2.0]}, {"w": [1.0, (2.0,)]}),
            "at ['w'][1]: a leaf (float) against a tuple of 1",
        ),
        (
            lambda: tree.tree_map(
                lambda a, b: a, (1.0, 2.0), ([1.0], 2.0), is_leaf=lambda v: False
            ),
            "at [0]: * against list(*)",
        ),
        (lambda: tree.inner((1.0, 2.0), ((1.0,), 2.0)), "at [0]: a leaf (float) against a tuple"),
        (lambda: tree.add({"a": 1.0}, {"b": 1.0}), "structures differ"),
        (
            lambda: paralens.jvp(lambda p: p, ({"w": 1.0},), ({"w": (1.0,)},)),
            "tangent 0 has structure",
        ),
    ],
)
def test_structure_walks_refuse_a_leaf_against_a_container_and_name_the_path(call, words):
    with pytest.raises(ValueError) as info:
        call()
    assert words in str(info.value)


@pytest.mark.parametrize("jacobian", [paralens.jacrev, paralens.jacfwd])
def test_jacobians_of_structures_have_the_structures(jacobian):
    p = {"w": np.array([1.0, 2.0]), "b": 3.0}
    got = jacobian(lambda p: {"y": p["w"] * p["b"], "s": pnp.sum(p["w"])})(p)
    np.testing.assert_array_equal(got["y"]["w"], 3.0 * np.eye(2))
    np.testing.assert_array_equal(got["y"]["b"], [1.0, 2.0])
    np.testing.assert_array_equal(got["s"]["w"], [1.0, 1.0])
    assert np.shape(got["s"]["b"]) == () and got["s"]["b"] == 0.0
    for block in tree.tree_leaves(got):
        assert np.asarray(block).dtype == np.float64


def test_the_hessian_of_a_function_of_a_dict_is_a_dict_of_dicts():
    h = paralens.hessian(lambda p: pnp.sum(p["a"] ** 3) * p["b"])({"a": np.ones(2), "b": 2.0})
    np.testing.assert_array_equal(h["a"]["a"], 12.0 * np.eye(2))
    np.testing.assert_array_equal(h["a"]["b"], [3.0, 3.0])
    np.testing.assert_array_equal(h["b"]["a"], [3.0, 3.0])


def test_the_derivative_of_a_power_in_its_exponent_below_zero_is_nan():
    with np.errstate(invalid="ignore"):
        assert np.isnan(paralens.grad(lambda y: pnp.power(-2.0, y))(2.0))
        assert np.isnan(paralens.grad(lambda y: (-2.0) ** y)(2.0))
        g = paralens.grad(lambda x, y: pnp.sum(x**y), argnums=1)(np.array([-2.0, 0.0, 2.0]), 2.0)
    assert np.isnan(g)
    # at 0 and above it is x**y log x (0 at x = 0 for y > 0)
    assert paralens.grad(lambda y: pnp.power(0.0, y))(2.0) == 0.0
    np.testing.assert_allclose(paralens.grad(lambda y: 2.0**y)(3.0), 8.0 * np.log(2.0))


# ---- NumPy's functions on traced values; log and sqrt at 0; deep structures -------------


def test_numpys_own_functions_compute_the_differentiable_result():
    np.testing.assert_array_equal(paralens.grad(lambda x: np.sum(x))(X2), [1.0, 1.0])
    assert paralens.grad(lambda x: np.sin(x))(0.0) == 1.0
    np.testing.assert_allclose(paralens.grad(lambda x: np.exp(x).sum())(X2), np.exp(X2))
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(paralens.grad(lambda x: np.dot(a, x).sum())(X2), [4.0, 6.0])
    np.testing.assert_array_equal(paralens.grad(lambda x: (a + x).sum())(X2), [2.0, 2.0])
    np.testing.assert_array_equal(paralens.grad(lambda x: (a @ x).sum())(X2), [4.0, 6.0])
    np.testing.assert_allclose(
        paralens.grad(lambda x: np.linalg.det(a * x[0]))(X2), [2 * x0 for x0 in [-2.0]] + [0.0]
    )


def test_float_and_asarray_of_a_traced_value_name_the_value_and_pnp_asarray():
    for convert in (float, np.asarray, int):
        with pytest.raises(TypeError) as info:
            paralens.grad(lambda x: convert(x) * x)(1.0)
        assert "v.value" in str(info.value) and "pnp.asarray" in str(info.value)


@pytest.mark.parametrize(
    "rule",
    [
        lambda: paralens.grad(pnp.log)(0.0),
        lambda: paralens.grad(pnp.sqrt)(0.0),
        lambda: paralens.grad(pnp.log1p)(-1.0),
        lambda: paralens.grad(lambda x: x**0.5)(0.0),
        lambda: paralens.grad(paralens.grad(pnp.log))(0.0),
        lambda: paralens.jvp(pnp.log, (0.0,), (1.0,))[1],
    ],
)
def test_log_and_sqrt_at_zero_give_what_numpy_gives(rule):
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        rule()
    with np.errstate(divide="ignore"):
        assert np.isinf(rule())


def _nested(depth, leaf):
    x = leaf
    for i in range(depth):
        x = [x] if i % 3 == 0 else {"k": x} if i % 3 == 1 else (x, 1.0)
    return x


@pytest.mark.parametrize("depth", [500, sys.getrecursionlimit() + 100])
def test_structures_nested_deeper_than_pythons_recursion_limit_work(depth):
    x = _nested(depth, np.array([1.0, 2.0]))
    leaves, treedef = tree.tree_flatten(x)
    assert len(leaves) == 1 + len([i for i in range(depth) if i % 3 == 2])
    assert treedef.unflatten(leaves) is not None and tree.tree_structure(x) == treedef
    assert repr(treedef).count("(") == depth
    doubled = tree.tree_map(lambda a, b: a + b, x, x)
    assert tree.tree_leaves(doubled)[0].tolist() == [2.0, 4.0]
    assert len(tree.tree_leaves_with_path(x)) == len(leaves)
    g = paralens.grad(lambda t: pnp.sum(tree.tree_leaves(t)[0] ** 2))(x)
    assert tree.tree_leaves(g)[0].tolist() == [2.0, 4.0]
    assert tree.tree_structure(g) == treedef
    _, tangent = paralens.jvp(lambda t: t, (x,), (tree.tree_map(np.ones_like, x),))
    assert tree.tree_structure(tangent) == treedef
    flat, unravel = tree.ravel_pytree(x)
    assert tree.tree_structure(unravel(flat)) == treedef
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ans, pullback = paralens.vjp(lambda t: t, x)  # a deep output, packed and pulled back
        assert tree.tree_structure(pullback(ans)[0]) == treedef
    with pytest.raises(ValueError, match="structures differ at"):
        tree.tree_map(lambda a, b: a, x, _nested(depth, (1.0,)))
