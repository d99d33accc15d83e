"""Details of the reverse-mode engine that users can observe: rule forms, residuals, copies."""

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens._core import ShapeOnly, primitive_of
from paralens.extend import defvjp, primitive


def test_staged_rules_are_adapted_to_the_direct_form():
    # pnp's primitives carry rules in the direct form; a rule given in autograd's staged
    # form is turned into the same form when it is registered.
    @primitive
    def times(x, y):
        return x * y

    defvjp(times, lambda ans, x, y: lambda g: g * y, lambda ans, x, y: lambda g: g * x)
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    ans = x * y
    g = np.array([1.0, -1.0])
    direct = primitive_of(pnp.multiply).vjps[0](g, ans, x, y)
    adapted = primitive_of(times).vjps[0](g, ans, x, y)
    assert np.array_equal(direct, g * y) and np.array_equal(adapted, direct)


def test_defvjp_overrides_a_direct_rule():
    @primitive
    def scaled(x):
        return 2.0 * x

    defvjp(scaled, lambda g, ans, x: 2.0 * g, staged=False)
    assert paralens.grad(scaled)(1.0) == 2.0
    defvjp(scaled, lambda ans, x: lambda g: 3.0 * g)  # deliberately wrong, to see it used
    assert paralens.grad(scaled)(1.0) == 3.0


def _trace_kept_by(pullback):
    """The reverse trace a pullback closes over (through the functions it keeps)."""
    cells = list(pullback.__closure__)
    while cells:
        value = cells.pop().cell_contents
        if hasattr(value, "tape"):
            return value
        cells.extend(getattr(value, "__closure__", None) or ())
    raise AssertionError("the pullback keeps no trace")


def test_the_tape_keeps_only_the_shape_of_values_rules_do_not_read():
    big = np.ones((200, 200))
    seen = []

    def f(w):
        a = w + big  # add reads neither argument's value, only shapes
        seen.append(a)
        return pnp.sum(a * a)

    _, pullback = paralens.vjp(f, np.ones((200, 200)))
    trace = _trace_kept_by(pullback)
    add_step = next(
        s for s in trace.steps() if s.primitive is not None and s.primitive.name == "add"
    )
    assert all(isinstance(v, ShapeOnly) for v in add_step.args)
    with pytest.raises(AttributeError, match="does not save"):
        _ = add_step.args[0].sum
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


def test_parameters_in_lists_and_tuples_share_no_gradient_array():
    # Lists and tuples of float arrays are wrapped and given back by a fast path of
    # their own; it hands out arrays as carefully as the general one.
    w = np.ones((2, 2))

    def f(params):
        (a, b), (c,) = params
        return pnp.sum(a + b + c)  # one cotangent reaches all three

    (ga, gb), (gc,) = paralens.grad(f)([(w, w.copy()), (w.copy(),)])
    ga += 1.0
    assert np.array_equal(gb, np.ones((2, 2))) and np.array_equal(gc, np.ones((2, 2)))
    assert ga is not gb and gb is not gc


def test_lists_mixing_arrays_with_other_leaves_keep_their_types():
    params = [np.array([1.0, 2.0]), 3.0, (np.array([4.0]), np.array([5, 6]))]

    def f(p):
        return pnp.sum(p[0]) * p[1] + pnp.sum(p[2][0] * p[2][0])

    g = paralens.grad(f)(params)
    assert type(g) is list and type(g[2]) is tuple
    np.testing.assert_allclose(g[0], [3.0, 3.0])
    assert type(g[1]) is float and g[1] == 3.0
    np.testing.assert_allclose(g[2][0], [8.0])
    assert g[2][1].dtype.kind == "i" and not g[2][1].any()  # integers: zero, their type


def test_an_unused_parameter_in_a_list_gets_zeros():
    g = paralens.grad(lambda p: pnp.sum(p[0] * 2.0))([np.ones(2), np.ones((3, 1), np.float32)])
    np.testing.assert_allclose(g[0], [2.0, 2.0])
    assert g[1].dtype == np.float32 and g[1].shape == (3, 1) and not g[1].any()


def test_a_tape_can_be_pulled_back_many_times():
    # Cotangents live in a list local to each walk: nothing of one pullback leaks into
    # the next.
    x = np.array([1.0, 2.0, 3.0])
    _, pullback = paralens.vjp(lambda v: pnp.sin(v) * v, x)
    first = pullback(np.ones(3))[0]
    second = pullback(np.ones(3))[0]
    np.testing.assert_allclose(first, second)
    np.testing.assert_allclose(pullback(2.0 * np.ones(3))[0], 2.0 * first)
