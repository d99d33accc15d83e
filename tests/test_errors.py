"""Bad input gets a clear error that names the mistake and shows the fix."""

from typing import NamedTuple

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens import tree
from paralens.extend import defjvp, defvjp, primitive


class Opaque:
    """A type paralens has never heard of."""


@pytest.mark.parametrize(
    "call",
    [
        lambda: paralens.grad(lambda x: 1.0)(Opaque()),
        lambda: paralens.grad(lambda p: p["a"])({"a": 1.0, "b": [Opaque()]}),
        lambda: paralens.jvp(lambda x: x, (Opaque(),), (Opaque(),)),
        lambda: tree.tree_leaves((1.0, Opaque())),
        lambda: tree.tree_map(lambda x: x, {"k": Opaque()}),
    ],
)
def test_unregistered_type_names_the_type_and_the_registration(call):
    with pytest.raises(TypeError) as info:
        call()
    message = str(info.value)
    assert "Opaque" in message
    assert "register_leaf(Opaque" in message
    assert "register_node(Opaque" in message


@pytest.mark.parametrize(
    ("f", "what"),
    [
        (lambda x: x * 2.0, "shape (3,)"),
        (lambda x: pnp.outer(x, x), "shape (3, 3)"),
        (lambda x: (pnp.sum(x), pnp.sum(x)), "tuple"),
        (lambda x: {"loss": pnp.sum(x)}, "dict"),
    ],
)
def test_grad_of_a_non_scalar_output(f, what):
    for transform in (paralens.grad, paralens.value_and_grad):
        with pytest.raises(TypeError, match="scalar") as info:
            transform(f)(np.ones(3))
        assert what in str(info.value)
        assert "pnp.sum" in str(info.value) and "vjp" in str(info.value)
    with pytest.raises(TypeError, match="scalar"):
        paralens.backprop(f, np.ones(3))


def _numpy_error(call):
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


@pytest.mark.parametrize(
    ("f", "args", "words"),
    [
        (lambda x, y: x @ y, (np.ones((2, 3)), np.ones((2, 3))), ["matmul", "mismatch"]),
        (pnp.matmul, (np.ones((2, 3)), np.ones((2, 3))), ["matmul", "size 2 is different from 3"]),
        (pnp.add, (np.ones((2, 3)), np.ones(4)), ["broadcast", "(2,3)", "(4,)"]),
        (lambda x, y: pnp.concatenate([x, y]), (np.ones((2, 3)), np.ones((2, 4))), ["dimension"]),
        (lambda x, y: pnp.reshape(x, (4, 2)) + y, (np.ones((2, 3)), 1.0), ["reshape", "6"]),
        (lambda x, y: pnp.linalg.solve(x, y), (np.ones((2, 3)), np.ones(2)), ["square"]),
    ],
)
def test_shape_mismatch_inside_an_op_is_numpys_error(f, args, words):
    plain = _numpy_error(lambda: f(*args))
    for message in (
        _numpy_error(lambda: paralens.grad(lambda *a: pnp.sum(f(*a)))(*args)),
        _numpy_error(lambda: paralens.jvp(f, args, args)),
        _numpy_error(lambda: paralens.grad(lambda y: pnp.sum(f(args[0], y)))(args[1])),
    ):
        assert message == plain
        for word in words:
            assert word in message


def test_missing_rule_names_the_primitive_and_the_argument():
    @primitive
    def scaled(x, k):
        return x * k

    defvjp(scaled, lambda ans, x, k: lambda g: g * k)
    defjvp(scaled, None, lambda t, ans, x, k: t * x)
    assert paralens.grad(scaled)(2.0, 3.0) == 3.0
    with pytest.raises(NotImplementedError) as info:
        paralens.grad(scaled, argnums=1)(2.0, 3.0)
    assert "argument 1 of primitive 'scaled'" in str(info.value)
    assert "defvjp(scaled" in str(info.value) and "reverse-mode" in str(info.value)

    @primitive
    def no_forward(x):
        return x * 2.0

    defvjp(no_forward, lambda ans, x: lambda g: 2.0 * g)
    with pytest.raises(NotImplementedError) as info:
        paralens.jvp(no_forward, (1.0,), (1.0,))
    assert "argument 0 of primitive 'no_forward'" in str(info.value)
    assert "defjvp(no_forward" in str(info.value) and "forward-mode" in str(info.value)
    with pytest.raises(NotImplementedError, match="no_forward"):
        paralens.hessian(lambda x: pnp.sum(no_forward(x)))(np.ones(2))


def test_a_direct_rule_registered_as_staged_is_refused_with_the_fix():
    @primitive
    def halve(x, k):
        return x * k

    defvjp(halve, lambda g, ans, x, k: g * k, None)  # direct form, staged=False forgotten
    with pytest.raises(TypeError, match=r"argument 0 of primitive 'halve'.*staged=False"):
        paralens.grad(halve)(2.0, 0.5)
    defvjp(halve, lambda g, ans, x, k: g * k, None, staged=False)
    assert paralens.grad(halve)(2.0, 0.5) == 0.5


def test_saves_names_only_positions_and_the_answer():
    @primitive
    def twice(x):
        return 2.0 * x

    for wrong in (("x",), (-1,), (0.5,)):
        with pytest.raises(ValueError, match=r"argument positions .* and 'ans'"):
            defvjp(twice, lambda g, ans, x: 2.0 * g, saves=wrong, staged=False)
    defvjp(twice, lambda g, ans, x: 2.0 * g, saves=(), staged=False)
    assert paralens.grad(twice)(1.0) == 2.0


def test_a_rule_for_a_non_primitive_is_refused():
    with pytest.raises(TypeError, match="not a primitive"):
        defvjp(lambda x: x, None)


@pytest.mark.parametrize(
    ("argnums", "error", "words"),
    [
        (2, ValueError, ["argnums 2", "2 positional"]),
        (-3, ValueError, ["argument -3"]),
        ((0, 5), ValueError, ["argument 5"]),
        ("x", TypeError, ["int or a sequence of ints", "'x'"]),
        ((0, 1.5), TypeError, ["int or a sequence of ints"]),
    ],
)
def test_bad_argnums(argnums, error, words):
    with pytest.raises(error) as info:
        paralens.grad(lambda x, y: x * y, argnums=argnums)(1.0, 2.0)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    ("primals", "tangents", "words"),
    [
        ((1.0, 2.0), (1.0,), ["one tangent per primal", "2 primals and 1 tangents"]),
        (((1.0, 2.0),), ([1.0, 2.0],), ["tangent 0", "list", "tuple"]),
        (((1.0, 2.0),), ((1.0,),), ["tangent 0 has structure"]),
        (({"a": 1.0},), ({"b": 1.0},), ["tangent 0 has structure"]),
        ((np.ones(3),), (np.ones(2),), ["tangent 0", "shape (2,)", "shape (3,)"]),
        ((1.0, np.ones((2, 2))), (0.0, np.ones(4)), ["tangent 1", "(4,)", "(2, 2)"]),
    ],
)
def test_jvp_with_mismatched_tangents(primals, tangents, words):
    with pytest.raises(ValueError) as info:
        paralens.jvp(lambda *xs: xs, primals, tangents)
    for word in words:
        assert word in str(info.value)


class Point(NamedTuple):
    x: float
    y: float


def test_traced_values_refuse_what_would_lose_the_gradient():
    with pytest.raises(TypeError, match="drop its gradient"):
        paralens.grad(lambda x: float(x))(1.0)
    leaked = []
    paralens.grad(lambda x: leaked.append(x) or x * x)(1.0)
    with pytest.raises(RuntimeError, match="escaped"):
        leaked[0] * 2.0


@primitive
def make_point(a):
    return Point(a, 2.0 * a)


defvjp(make_point, lambda ans, a: lambda g: g.x + 2.0 * g.y)


def test_unknown_attribute_of_a_traced_structure_lists_its_fields():
    with pytest.raises(AttributeError) as info:
        paralens.grad(lambda a: make_point(a).z)(1.0)
    assert "'z'" in str(info.value) and "x, y" in str(info.value)


def test_integer_argument_says_to_pass_a_float():
    with pytest.raises(TypeError) as info:
        paralens.grad(lambda x: x * x)(3)
    assert "only integers" in str(info.value) and "3.0" in str(info.value)


def test_einsum_with_an_ellipsis_differentiates():
    # It used to raise, naming the axes to write; issue 12 made ellipses differentiable.
    x = np.ones((2, 3))
    np.testing.assert_array_equal(pnp.einsum("...j->...", x), np.einsum("...j->...", x))
    grad = paralens.grad(lambda x: pnp.sum(pnp.einsum("...j->...", x) ** 2))(x)
    np.testing.assert_array_equal(grad, np.full((2, 3), 6.0))
