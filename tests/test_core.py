"""The core on plain Python floats: its own primitives over `math`, no NumPy anywhere."""

import ast
import math
import pathlib

import pytest

import paralens
from paralens import _core
from paralens.extend import defjvp, defvjp, primitive

CORE = pathlib.Path(_core.__file__).parent


@primitive
def fsin(x):
    return math.sin(x)


@primitive
def fcos(x):
    return math.cos(x)


@primitive
def fmul(x, y):
    return x * y


@primitive
def fadd(x, y):
    return x + y


defvjp(fsin, lambda ans, x: lambda g: fmul(g, fcos(x)))
defjvp(fsin, lambda t, ans, x: fmul(t, fcos(x)))
defvjp(fcos, lambda ans, x: lambda g: fmul(g, fmul(-1.0, fsin(x))))
defjvp(fcos, lambda t, ans, x: fmul(t, fmul(-1.0, fsin(x))))
defvjp(fmul, lambda ans, x, y: lambda g: fmul(g, y), lambda ans, x, y: lambda g: fmul(g, x))
defjvp(fmul, lambda t, ans, x, y: fmul(t, y), lambda t, ans, x, y: fmul(x, t))
defvjp(fadd, lambda ans, x, y: lambda g: g, lambda ans, x, y: lambda g: g)
defjvp(fadd, lambda t, ans, x, y: t, lambda t, ans, x, y: t)


def test_core_imports_no_numpy():
    for path in CORE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "numpy" for n in names), path


def test_reverse_on_floats_gives_floats():
    def f(x, y):
        return fadd(fmul(fsin(x), y), fmul(x, x))

    value, grads = paralens.backprop(f, 0.5, 2.0)
    assert type(value) is float
    assert all(type(g) is float for g in grads)
    assert value == pytest.approx(math.sin(0.5) * 2.0 + 0.25)
    assert grads[0] == pytest.approx(math.cos(0.5) * 2.0 + 1.0)
    assert grads[1] == pytest.approx(math.sin(0.5))


def test_forward_on_floats():
    value, tangent = paralens.jvp(lambda x: fmul(fsin(x), x), (1.0,), (1.0,))
    assert value == pytest.approx(math.sin(1.0))
    assert tangent == pytest.approx(math.cos(1.0) + math.sin(1.0))


def test_second_derivative_both_orders_of_modes():
    d2 = paralens.grad(paralens.grad(fsin))(0.3)
    assert d2 == pytest.approx(-math.sin(0.3))
    fwd_over_rev = paralens.jvp(paralens.grad(fsin), (0.3,), (1.0,))[1]
    assert fwd_over_rev == pytest.approx(-math.sin(0.3))


def test_no_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = 1, the classic test: the inner derivative is 1, not x-dependent.
    def outer(x):
        return fmul(x, paralens.grad(lambda y: fadd(x, y))(3.0))

    assert paralens.grad(outer)(2.0) == 1.0


def test_a_node_used_twice_accumulates():
    assert paralens.grad(lambda x: fadd(x, x))(1.0) == 2.0
    assert paralens.grad(lambda x: fmul(x, fmul(x, x)))(2.0) == 12.0


def test_missing_rule_names_primitive_and_argument():
    @primitive
    def half_defined(x, y):
        return x * y

    defvjp(half_defined, lambda ans, x, y: lambda g: g * y)
    with pytest.raises(NotImplementedError, match=r"argument 1 of primitive 'half_defined'"):
        paralens.grad(half_defined, argnums=1)(1.0, 2.0)
    with pytest.raises(NotImplementedError, match=r"forward-mode.*argument 0.*half_defined"):
        paralens.jvp(half_defined, (1.0, 2.0), (1.0, 0.0))


def test_escaped_var_is_an_error():
    leaked = []
    paralens.grad(lambda x: leaked.append(x) or fmul(x, x))(1.0)
    with pytest.raises(RuntimeError, match="escaped"):
        fmul(leaked[0], 2.0)


def test_float_of_var_is_refused():
    with pytest.raises(TypeError, match="drop its gradient"):
        paralens.grad(lambda x: float(x))(1.0)
