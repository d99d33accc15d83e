"""Details of the reverse-mode engine that users can observe: rule forms, residuals, copies."""

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens._core import primitive_of
from paralens._core._trace import PRIM, VALS, ShapeOnly
from paralens.extend import defvjp, primitive


def test_direct_and_closure_rules_agree_through_vjp_maker():
    # pnp's hot primitives carry rules in direct form; vjp_maker still serves defvjp's form.
    prim = primitive_of(pnp.multiply)
    assert 0 in prim.pullbacks
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    ans = x * y
    g = np.array([1.0, -1.0])
    assert np.array_equal(prim.vjp_maker(0)(ans, x, y)(g), g * y)


def test_defvjp_overrides_a_direct_rule():
    @primitive
    def scaled(x):
        return 2.0 * x

    prim = primitive_of(scaled)
    prim.pullbacks[0] = lambda g, ans, x: 2.0 * g
    assert paralens.grad(scaled)(1.0) == 2.0
    defvjp(scaled, lambda ans, x: lambda g: 3.0 * g)  # deliberately wrong, to see it used
    assert paralens.grad(scaled)(1.0) == 3.0


def test_the_tape_keeps_only_the_shape_of_values_rules_do_not_read():
    big = np.ones((200, 200))
    seen = []

    def f(w):
        a = w + big  # add reads neither argument's value, only shapes
        seen.append(a)
        return pnp.sum(a * a)

    _, pullback = paralens.vjp(f, np.ones((200, 200)))
    trace = next(c.cell_contents for c in pullback.__closure__ if hasattr(c.cell_contents, "tape"))
    add_node = next(n for n in trace.tape if n[PRIM] is not None and n[PRIM].name == "add")
    assert all(isinstance(v, ShapeOnly) for v in add_node[VALS])
    with pytest.raises(AttributeError, match="does not save"):
        _ = add_node[VALS][0].sum
    assert np.array_equal(pullback(1.0)[0], 2 * (np.ones((200, 200)) + big))


def test_gradients_are_writeable_arrays():
    g = paralens.grad(lambda x: pnp.sum(x))(np.ones((70, 70)))  # a broadcast view inside
    assert g.flags.writeable
    g += 1.0
    assert g[0, 0] == 2.0


def test_two_arguments_never_share_a_gradient_array_by_accident():
    gx, gy = paralens.grad(lambda x, y: pnp.sum(x + y), argnums=(0, 1))(np.ones(3), np.ones(3))
    gx += 1.0
    assert np.array_equal(gy, np.ones(3))
