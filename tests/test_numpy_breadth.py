"""The edges of the functions added for autograd's breadth: zeros, NaNs, ties, bad calls.

The spec table (``test_numpy_ops.py``) checks each function's values and derivatives on
its domain; this file checks what lies outside it: derivatives where a naive rule would
divide by zero, entries replaced or skipped, and each misuse answered by an error that
names it.
"""

import operator

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens.numpy import _fast
from paralens.testing import check_grads


def test_cumprod_gradient_with_zeros():
    x = np.array([2.0, 0.0, 3.0, 4.0])
    # d/dx_j of sum(cumprod(x)): sum over i >= j of the product of x_k, k <= i, k != j;
    # for j = 1 that is 2 + 2 * 3 + 2 * 3 * 4, though x_1 is 0.
    np.testing.assert_array_equal(
        paralens.grad(lambda x: pnp.sum(pnp.cumprod(x)))(x), [1, 32, 0, 0]
    )
    m = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 0.0]])
    for axis in (None, 0, 1):
        check_grads(lambda m, axis=axis: pnp.cumprod(m, axis=axis), (m,), order=2)


def test_std_of_one_entry_has_derivative_zero():
    assert paralens.grad(pnp.std)(np.array([3.5])) == 0.0
    np.testing.assert_array_equal(
        paralens.grad(lambda x: pnp.sum(pnp.std(x, axis=0)))(np.ones((1, 3))), np.zeros((1, 3))
    )


def test_nan_to_num_passes_the_gradient_of_finite_entries_only():
    x = np.array([1.0, np.nan, np.inf, -np.inf, 2.0])
    np.testing.assert_array_equal(
        paralens.grad(lambda x: pnp.sum(3.0 * pnp.nan_to_num(x, posinf=1.0, neginf=-1.0)))(x),
        [3, 0, 0, 0, 3],
    )
    # Each value put in gets the gradient of the entries it replaced.
    grads = paralens.grad(
        lambda x, nan, posinf, neginf: pnp.sum(
            np.arange(5.0) * pnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)
        ),
        argnums=(1, 2, 3),
    )(x, 0.5, 9.0, -9.0)
    assert grads == (1.0, 2.0, 3.0)
    # Complex entries have their parts replaced separately.
    # Here u = Re(w) - Im(w) of w = nan_to_num(z); its gradient du/dx - i du/dy.
    z = np.array([complex(1.0, np.nan), complex(np.inf, 2.0)])
    g = paralens.grad(lambda z: pnp.sum(pnp.real(pnp.nan_to_num(z) * (1 + 1j))))(z)
    np.testing.assert_array_equal(g, [1 + 0j, 0 + 1j])


def test_nan_skipping_reductions_give_nans_no_gradient():
    x = np.array([[1.0, np.nan], [3.0, 5.0]])
    np.testing.assert_array_equal(paralens.grad(pnp.nansum)(x), [[1, 0], [1, 1]])
    np.testing.assert_array_equal(
        paralens.grad(lambda x: pnp.sum(pnp.nanmean(x, axis=1)))(x), [[1, 0], [0.5, 0.5]]
    )


def test_sorting_sends_each_gradient_back_to_its_entry():
    x = np.array([3.0, -1.0, 2.0, 0.5])
    np.testing.assert_array_equal(paralens.grad(lambda x: pnp.sort(x)[0])(x), [0, 1, 0, 0])
    np.testing.assert_array_equal(paralens.grad(lambda x: pnp.partition(x, 2)[2])(x), [0, 0, 1, 0])
    weights = np.array([1.0, 10.0, 100.0, 1000.0])
    np.testing.assert_array_equal(
        paralens.grad(lambda x: pnp.sum(pnp.sort(x) * weights))(x), [1000, 1, 100, 10]
    )


def test_repeated_entries_add_their_gradients():
    x = np.array([1.0, 2.0])
    np.testing.assert_array_equal(paralens.grad(lambda x: pnp.sum(pnp.tile(x, 3)))(x), [3, 3])
    np.testing.assert_array_equal(
        paralens.grad(lambda x: pnp.sum(pnp.repeat(x, [2, 5])))(x), [2, 5]
    )
    np.testing.assert_array_equal(
        paralens.grad(lambda x: pnp.sum(pnp.pad(x, 2, mode="edge")))(x), [3, 3]
    )


def test_power_derivative_in_the_exponent_at_the_edges_of_the_base():
    # 0 ** y is 0 for y > 0; a negative base has no derivative in y: nan, not 0.
    assert paralens.grad(lambda y: pnp.power(0.0, y))(2.0) == 0.0
    assert np.isnan(paralens.grad(lambda y: pnp.power(-2.0, y))(2.0))
    assert np.isnan(paralens.grad(lambda y: pnp.sum(pnp.power(np.array([-2.0]), y)))(2.0))
    assert np.isnan(paralens.jvp(lambda y: pnp.power(-2.0, y), (2.0,), (1.0,))[1])


def test_remainders_follow_numpy_and_differentiate_in_both_arguments():
    assert paralens.grad(lambda x: x % 1.5)(4.0) == 1.0
    assert paralens.grad(lambda y: 4.0 % y)(1.5) == -2.0  # -floor(4 / 1.5)
    assert paralens.grad(lambda y: pnp.fmod(-4.0, y))(1.5) == 2.0  # -trunc(-4 / 1.5)
    assert type(paralens.grad(lambda x: x % 1.5)(4.0)) is float
    v = paralens.vjp(lambda x: x // 2.0, 5.0)
    assert v[0] == 2.0 and v[1](1.0) == (0.0,)


def test_linspace_with_traced_endpoints():
    gs = paralens.grad(lambda a, b: pnp.sum(pnp.linspace(a, b, 5) ** 2), argnums=(0, 1))(0.0, 1.0)
    t = np.linspace(0.0, 1.0, 5)
    assert gs == pytest.approx((np.sum(2 * t * (1 - t)), np.sum(2 * t * t)))
    assert paralens.grad(lambda a: pnp.sum(pnp.linspace(a, 2.0, 1)))(0.5) == 1.0
    assert paralens.grad(lambda a: pnp.sum(pnp.linspace(a, 2.0, 0)))(0.5) == 0.0


def test_where_with_only_a_condition_gives_indices():
    x = np.array([0.5, -1.0, 2.0])
    idx = paralens.grad(lambda x: pnp.sum(x[pnp.where(x > 0)]))(x)
    np.testing.assert_array_equal(idx, [1, 0, 1])
    out = pnp.where(np.array([[True, False], [False, True]]))
    assert isinstance(out, tuple) and [list(i) for i in out] == [[0, 1], [0, 1]]


def test_bounds_of_clip_given_by_keyword_get_their_gradients():
    x = np.array([-2.0, 0.0, 2.0])
    g = paralens.grad(lambda lo, hi: pnp.sum(pnp.clip(x, a_min=lo, a_max=hi)), argnums=(0, 1))
    assert g(-1.0, 1.0) == (1.0, 1.0)
    g = paralens.grad(lambda lo: pnp.sum(pnp.clip(x, min=lo)))
    assert g(-1.0) == 1.0


def test_unbroadcast_gives_a_real_target_the_real_part():
    g = np.array([[1.0 + 2.0j, 3.0 - 1.0j]])
    for target in (np.zeros((1, 2)), np.zeros(2), np.zeros(()), 0.0):
        out = _fast.unbroadcast(g, target)
        np.testing.assert_array_equal(out, _fast.unbroadcast_general(g, target))
        assert np.result_type(out) == np.float64
        np.testing.assert_allclose(out, np.real(g).sum(axis=tuple(range(2 - np.ndim(target)))))
    assert np.result_type(_fast.unbroadcast(g, np.zeros(2, complex))) == np.complex128
    assert type(_fast.unbroadcast(1.0 + 2.0j, 0.5)) is float


def test_predicates_and_queries_give_numpys_plain_results():
    x = np.array([[1.0, np.nan], [np.inf, -2.0]])
    for name in ("isfinite", "isnan", "isinf", "isposinf", "all", "any", "nonzero", "argwhere"):
        out, ref = getattr(pnp, name)(x), getattr(np, name)(x)
        assert type(out) is type(ref)

    def f(x):
        keep = pnp.isfinite(x) & pnp.logical_not(pnp.isnan(x))
        assert type(keep) is np.ndarray and not pnp.all(keep)
        assert pnp.searchsorted(pnp.sort(x[keep]), 0.0) == 1
        assert pnp.count_nonzero(x > 0) == 2 and pnp.iscomplexobj(x) is False
        assert pnp.result_type(x, 1j) == np.complex128
        empty = pnp.empty_like(x)
        assert type(empty) is np.ndarray and empty.shape == (2, 2)
        return pnp.sum(pnp.where(keep, x, 0.0) ** 2)

    np.testing.assert_array_equal(paralens.grad(f)(x), [[2, 0], [0, -4]])


def test_var_methods_follow_numpys_array_methods():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])

    def f(x):
        return (
            x.trace()
            + x.diagonal().sum()
            + x.cumprod(axis=1).sum()
            + x.repeat(2).sum()
            + x.compress([True, False], axis=0).sum()
            + x.conj().sum()
            + x.real.sum()
            + x.imag.sum()
        )

    expected = np.eye(2) * 2 + np.array([[1 + 2, 1], [1 + 4, 3]]) + 2 + np.array([[1, 1], [0, 0]])
    np.testing.assert_array_equal(paralens.grad(f)(x), expected + 2)
    assert x.argsort().tolist() == paralens.jvp(lambda v: v.argsort(), (x,), (x,))[0].tolist()


# Misuses, each with the error that names it.
ERRORS = [
    ("where(c, x)", lambda x: pnp.where(x > 0, x), ValueError, "both x and y"),
    ("clip twice", lambda x: pnp.clip(x, 0.0, a_max=1.0, min=0.5), ValueError, "once"),
    ("pad by mean", lambda x: pnp.pad(x, 1, mode="mean"), NotImplementedError, "mode='mean'"),
    # An odd reflection computes 2 * edge - mirror: no gather of entries, so refused.
    ("pad odd", lambda x: pnp.pad(x, 1, "reflect", reflect_type="odd"), NotImplementedError, "odd"),
    ("pad traced pairs", lambda x: pnp.pad(np.ones(2), 1, constant_values=x), ValueError, "one"),
    ("einsum out=", lambda x: pnp.einsum("i->", x, out=np.zeros(())), TypeError, "out"),
    ("einsum operands", lambda x: pnp.einsum("i,i->", x), ValueError, "names 2 operands"),
    ("einsum axes", lambda x: pnp.einsum("ij->", x), ValueError, "name 2 axes"),
    ("einsum sublist", lambda x: pnp.einsum(x, ["i"]), ValueError, "axis numbers"),
    ("select lengths", lambda x: pnp.select([x > 0], [x, x]), ValueError, "same length"),
    ("select empty", lambda x: pnp.select([], [], default=x), ValueError, "empty"),
    ("select floats", lambda x: pnp.select([x], [x]), TypeError, "boolean"),
    ("linspace of 2.5", lambda x: pnp.linspace(x[0], x[1], 2.5), TypeError, "integer"),
    ("diag of 3-d", lambda x: pnp.diag(pnp.reshape(x, (1, 1, 3))), ValueError, "1- or 2-d"),
    ("fliplr of 1-d", lambda x: pnp.fliplr(x), ValueError, ">= 2-d"),
    ("same axes", lambda x: pnp.make_diagonal(x, axis1=0, axis2=-2), ValueError, "differ"),
    ("r_ directive", lambda x: pnp.r_["0,2", x, x], ValueError, "directive"),
    ("rollaxis start", lambda x: pnp.rollaxis(x, 0, 5), np.exceptions.AxisError, "start"),
    ("rollaxis axis", lambda x: pnp.rollaxis(x, 3), np.exceptions.AxisError, "out of bounds"),
    ("array_split 0", lambda x: pnp.array_split(x, 0), ValueError, "larger than 0"),
    ("vsplit 1-d", lambda x: pnp.vsplit(x, 3), ValueError, "2 or more"),
    ("hsplit unequal", lambda x: pnp.hsplit(x, 2), ValueError, "equal division"),
    ("diff order", lambda x: pnp.diff(x, -1), ValueError, "non-negative"),
    ("diff of 0-d", lambda x: pnp.diff(x[0]), ValueError, "at least one dimensional"),
    ("gradient short", lambda x: pnp.gradient(x[:2], edge_order=2), ValueError, "too small"),
    ("gradient order", lambda x: pnp.gradient(x, edge_order=3), ValueError, "greater than 2"),
    ("gradient spacings", lambda x: pnp.gradient(x, 1.0, 2.0), TypeError, "number of"),
    ("linspace num", lambda x: pnp.linspace(x[0], x[1], -1), ValueError, "non-negative"),
    ("average weights", lambda x: pnp.average(x, weights=0 * x), ZeroDivisionError, "zero"),
    ("average axis", lambda x: pnp.average(x, weights=x[:2]), TypeError, "axis"),
    ("cross of 4", lambda x: pnp.cross(pnp.concatenate([x, x]), x), ValueError, "2 or 3"),
]


@pytest.mark.parametrize(("name", "fun", "error", "match"), ERRORS, ids=[e[0] for e in ERRORS])
def test_misuses_raise_errors_that_name_them(name, fun, error, match):
    x = np.array([0.5, -1.0, 2.0])
    with pytest.raises(error, match=match):
        paralens.grad(lambda x: pnp.sum(fun(x)))(x)


def test_plain_calls_are_numpys_own_whatever_the_arguments():
    # With no traced value each function is NumPy's, errors and all.
    x = np.array([3.0, 1.0, 2.0])
    assert pnp.pad(x, 1, mode="mean").tolist() == np.pad(x, 1, mode="mean").tolist()
    with pytest.raises(ValueError):
        pnp.diag(np.ones((1, 1, 1)))
    assert pnp.r_["0,2", x, x].shape == (2, 3)
    np.testing.assert_array_equal(pnp.einsum("i->", x, out=np.zeros(())), 6.0)
    assert operator.mod(np.float64(4.0), 1.5) == pnp.mod(4.0, 1.5)
