"""paralens.scipy.linalg and paralens.scipy.signal, on the spec table of scipy_checks.

Matrices are well conditioned (triangular ones have a dominant diagonal, symmetric
positive definite ones are ``a aᵀ + I``); stacks of matrices where SciPy takes them.
"""

import numpy as np
import pytest
import scipy.linalg
import scipy.signal

import paralens
from paralens.scipy import linalg, signal
from paralens.testing import check_grads
from scipy_checks import (
    Row,
    cases,
    check_complex_vjp,
    check_row_exact,
    check_row_grads,
    check_row_traced_value,
    complex_args,
    complex_cases,
    of_wrt,
)


def normal(rng, shape):
    return rng.standard_normal(shape)


def triangular(lower):
    def sample(rng, shape):
        a = rng.standard_normal(shape)
        return (np.tril(a) if lower else np.triu(a)) + 3.0 * np.eye(shape[-1])

    return sample


def spd(rng, shape):
    a = rng.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + np.eye(shape[-1])


def small(rng, shape):
    return 0.5 * rng.standard_normal(shape)


def complex_small(rng, shape):
    return 0.5 * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))


def banded(l, u):  # noqa: E741
    def sample(rng, shape):
        ab = rng.standard_normal(shape)
        ab[u] += 4.0
        return ab

    return sample


def _kw(fun, **kwargs):
    return lambda *args: fun(*args, **kwargs)


def triangular_rows():
    rows = []
    for lower in (False, True):
        for trans in (0, 1, "T"):
            for unit in (False, True):
                kwargs = {"lower": lower, "trans": trans, "unit_diagonal": unit}
                rows.append(
                    Row(
                        f"solve_triangular{kwargs}",
                        _kw(linalg.solve_triangular, **kwargs),
                        _kw(scipy.linalg.solve_triangular, **kwargs),
                        (triangular(lower), normal),
                        (((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2))),
                        wrt=(0, 1),
                    )
                )
    return rows


def convolve_rows():
    rows = []
    for mode in ("full", "valid", "same"):
        shapes = [((4,), (2,)), ((5,), (3,)), ((4, 3), (2, 2)), ((5, 4), (3, 2)), ((6, 7), (4, 1))]
        if mode != "valid":
            shapes += [((2,), (4,)), ((2, 5), (3, 2))]
        rows.append(
            Row(
                f"convolve({mode})",
                _kw(signal.convolve, mode=mode),
                _kw(scipy.signal.convolve, mode=mode),
                (normal, normal),
                tuple(shapes),
                wrt=(0, 1),
            )
        )
    return rows


ROWS = [
    *triangular_rows(),
    Row(
        "cholesky",
        linalg.cholesky,
        scipy.linalg.cholesky,
        (spd,),
        (((3, 3),), ((2, 3, 3),), ((1, 1),)),
    ),
    Row(
        "cholesky(lower=True)",
        _kw(linalg.cholesky, lower=True),
        _kw(scipy.linalg.cholesky, lower=True),
        (spd,),
        (((3, 3),), ((2, 3, 3),)),
    ),
    Row(
        "solve_sylvester",
        linalg.solve_sylvester,
        scipy.linalg.solve_sylvester,
        (normal, normal, normal),
        (((3, 3), (3, 3), (3, 3)), ((3, 3), (2, 2), (3, 2))),
        wrt=(0, 1, 2),
        complex_=(complex_small, complex_small, complex_small),
    ),
    Row(
        "sqrtm",
        linalg.sqrtm,
        scipy.linalg.sqrtm,
        (spd,),
        (((3, 3),), ((2, 3, 3),)),
        complex_=(lambda rng, shape: spd(rng, shape) + 0.3j * rng.standard_normal(shape),),
    ),
    Row(
        "expm",
        linalg.expm,
        scipy.linalg.expm,
        (small,),
        (((3, 3),), ((2, 3, 3),), ((1, 1),)),
        complex_=(complex_small,),
    ),
    *(
        Row(
            f"solve_banded(({l}, {u}))",
            lambda ab, b, lu=(l, u): linalg.solve_banded(lu, ab, b),
            lambda ab, b, lu=(l, u): scipy.linalg.solve_banded(lu, ab, b),
            (banded(l, u), normal),
            (((l + u + 1, 5), (5,)), ((l + u + 1, 5), (5, 2))),
            wrt=(0, 1),
        )
        for l, u in ((1, 1), (0, 1), (2, 0), (1, 2))  # noqa: E741
    ),
    *convolve_rows(),
]


@pytest.mark.parametrize(("row", "shapes", "dtype"), cases(ROWS))
def test_plain_inputs_give_scipys_exact_result(row, shapes, dtype):
    check_row_exact(row, shapes, dtype)


@pytest.mark.parametrize(("row", "shapes", "dtype"), cases(ROWS))
def test_gradients_match_finite_differences(row, shapes, dtype):
    check_row_grads(row, shapes, dtype)


@pytest.mark.parametrize(("row", "shapes", "dtype"), cases(ROWS)[::2])
def test_traced_inputs_give_scipys_value(row, shapes, dtype):
    check_row_traced_value(row, shapes)


@pytest.mark.parametrize(("row", "shapes"), complex_cases(ROWS))
def test_complex_forward_mode_matches_finite_differences(row, shapes):
    f, diff = of_wrt(row, complex_args(row, shapes))
    check_grads(f, diff, order=2, modes=("fwd",))


@pytest.mark.parametrize(("row", "shapes"), complex_cases(ROWS))
def test_complex_reverse_mode_is_the_adjoint(row, shapes):
    f, diff = of_wrt(row, complex_args(row, shapes))
    check_complex_vjp(f, diff)


# Convolution over chosen axes, with a tensor product over others (autograd's extension).

R = np.random.default_rng(1).standard_normal


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize(
    "axes", [([0], [0]), ([1], [1]), ([0], [1]), ([1], [0]), ([0, 1], [0, 1]), ([1, 0], [1, 0])]
)
def test_convolve_over_chosen_axes(mode, axes):
    a, b = R((4, 3)), R((3, 2))
    sizes = [(a.shape[i], b.shape[j]) for i, j in zip(*axes, strict=True)]
    if mode == "valid" and not (all(x >= y for x, y in sizes) or all(x <= y for x, y in sizes)):
        with pytest.raises(ValueError, match="at least as large"):
            signal.convolve(a, b, mode, axes=axes)
        return
    check_grads(lambda a, b: signal.convolve(a, b, mode, axes=axes), (a, b))


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize("dot_axes", [([0], [2]), ([0], [0])])
def test_convolve_with_a_tensor_product(mode, dot_axes):
    a, b = R((3, 3, 2)), R((3, 2, 3))
    check_grads(
        lambda a, b: signal.convolve(a, b, mode, axes=([1], [1]), dot_axes=dot_axes), (a, b)
    )


@pytest.mark.parametrize("mode", ["valid", "full"])
def test_convolve_generalisation_means_what_autograd_says(mode):
    a35, a34, a342 = R((3, 5)), R((3, 4)), R((3, 4, 2))
    a2543, a24232 = R((2, 5, 4, 3)), R((2, 4, 2, 3, 2))
    conv = signal.convolve
    np.testing.assert_allclose(
        conv(a35, a34, axes=([1], [0]), mode=mode)[1, 2],
        scipy.signal.convolve(a35[1, :], a34[:, 2], mode),
    )
    np.testing.assert_allclose(
        conv(a35, a34, axes=([], []), dot_axes=([0], [0]), mode=mode),
        np.tensordot(a35, a34, axes=([0], [0])),
    )
    np.testing.assert_allclose(
        conv(a35, a342, axes=([1], [2]), dot_axes=([0], [0]), mode=mode)[2],
        sum(scipy.signal.convolve(a35[i, :], a342[i, 2, :], mode) for i in range(3)),
    )
    expected = sum(
        scipy.signal.convolve(a2543[i, :, :, j], a24232[i, 2, :, j, :], mode)
        for i in range(2)
        for j in range(3)
    )
    got = conv(a2543, a24232, axes=([1, 2], [2, 4]), dot_axes=([0, 3], [0, 3]), mode=mode)[2]
    np.testing.assert_allclose(got, expected)


def test_hessian_of_convolution_mixes_the_modes():
    a, b = R(4), R(3)
    h = paralens.hessian(lambda a: (signal.convolve(a, b) ** 2).sum())(a)
    full = np.array([np.convolve(np.eye(4)[i], b) for i in range(4)])
    np.testing.assert_allclose(h, 2 * full @ full.T, atol=1e-12)


def test_inputs_are_left_as_they_were():
    a, b = spd(np.random.default_rng(0), (3, 3)), R((3, 2))
    a0, b0 = a.copy(), b.copy()
    paralens.grad(lambda a, b: linalg.solve_triangular(a, b).sum(), argnums=(0, 1))(a, b)
    paralens.grad(lambda a: linalg.cholesky(a).sum())(a)
    paralens.grad(lambda a, b: signal.convolve(a, b).sum(), argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)


def test_cholesky_gradient_lives_in_the_triangle_scipy_reads():
    a = spd(np.random.default_rng(0), (3, 3))
    upper = paralens.grad(lambda a: linalg.cholesky(a).sum())(a)
    lower = paralens.grad(lambda a: linalg.cholesky(a, lower=True).sum())(a)
    assert np.all(np.tril(upper, -1) == 0.0)
    assert np.all(np.triu(lower, 1) == 0.0)
    np.testing.assert_allclose(upper, lower.T)


def test_solve_banded_ignores_the_unread_corners():
    ab = banded(1, 1)(np.random.default_rng(0), (3, 5))
    g = paralens.grad(lambda ab: linalg.solve_banded((1, 1), ab, np.ones(5)).sum())(ab)
    assert g[0, 0] == 0.0 and g[2, -1] == 0.0


def test_every_public_function_has_a_row():
    names = {row.name.split("(")[0].split("{")[0] for row in ROWS}
    assert set(linalg.__all__) <= names
    assert set(signal.__all__) <= names
