"""paralens.scipy.stats, driven by one spec table (see scipy_checks for the checks).

Each continuous distribution's functions run on scalars and on broadcasting arrays, as
autograd's tests do (``x`` of shape (4, 3), a shape parameter (1, 3), ``loc`` (1, 3) and
``scale`` (4, 1)), differentiated in every argument that has a derivative.
"""

import numpy as np
import pytest
import scipy.stats

from paralens.scipy import stats
from paralens.testing import check_grads
from scipy_checks import (
    Row,
    cases,
    check_row_exact,
    check_row_grads,
    check_row_traced_value,
    constant,
    counts,
    uniform,
)

DENSITIES = ("pdf", "logpdf")
TAILS = ("cdf", "logcdf", "sf", "logsf")
QUANTILES = ("ppf", "isf")

# name: (samplers of the shape parameters, sampler of x inside the support)
CONTINUOUS = {
    "norm": ((), uniform(-2.0, 2.0)),
    "t": ((uniform(2.1, 5.0),), uniform(-2.0, 2.0)),
    "gamma": ((uniform(1.2, 3.0),), uniform(0.5, 3.0)),
    "beta": ((uniform(1.2, 3.0), uniform(1.2, 3.0)), uniform(0.1, 0.9)),
    "chi2": ((uniform(2.5, 5.0),), uniform(0.5, 4.0)),
}
LOC, SCALE = uniform(-0.05, 0.05), uniform(0.9, 1.1)


def continuous_rows():
    rows = []
    for name, (shape_samplers, x_sampler) in CONTINUOUS.items():
        n = len(shape_samplers)
        scalar = ((),) * (n + 3)
        broadcast = ((4, 3), *(((1, 3),) * n), (1, 3), (4, 1))
        for method in DENSITIES + TAILS + QUANTILES:
            first = uniform(0.1, 0.9) if method in QUANTILES else x_sampler
            # Shape parameters have derivatives in the densities only (SciPy has none
            # of its distribution functions in them): held fixed in the others.
            wrt = tuple(range(n + 3)) if method in DENSITIES else (0, n + 1, n + 2)
            rows.append(
                Row(
                    f"{name}.{method}",
                    getattr(getattr(stats, name), method),
                    getattr(getattr(scipy.stats, name), method),
                    (first, *shape_samplers, LOC, SCALE),
                    (scalar, broadcast),
                    wrt=wrt,
                )
            )
    return rows


def poisson_rows():
    return [
        Row(
            f"poisson.{method}",
            getattr(stats.poisson, method),
            getattr(scipy.stats.poisson, method),
            (counts, uniform(1.2, 4.0), constant(0)),
            (((), (), ()), ((4, 3), (4, 1), ())),
            wrt=(1,),
        )
        for method in ("pmf", "logpmf", "cdf", "logcdf", "sf", "logsf")
    ]


def _spd(rng, shape):
    a = rng.standard_normal(shape)
    return a @ a.T + np.eye(shape[0])


def mvn_rows():
    rows = []
    for method in ("pdf", "logpdf"):
        fun = getattr(stats.multivariate_normal, method)
        ref = getattr(scipy.stats.multivariate_normal, method)
        rows.append(
            Row(
                f"multivariate_normal.{method}",
                fun,
                ref,
                (uniform(-1, 1), uniform(-1, 1), _spd),
                (((3,), (3,), (3, 3)), ((5, 3), (3,), (3, 3)), ((2, 1, 3), (3,), (3, 3))),
                wrt=(0, 1, 2),
            )
        )
        rows.append(
            Row(
                f"multivariate_normal.{method} (cov a vector of variances)",
                fun,
                ref,
                (uniform(-1, 1), uniform(-1, 1), uniform(0.5, 2.0)),
                (((5, 3), (3,), (3,)),),
                wrt=(0, 1, 2),
            )
        )
        rows.append(
            Row(
                f"multivariate_normal.{method} (one dimension, cov a number)",
                fun,
                ref,
                (uniform(-1, 1), uniform(-1, 1), uniform(0.5, 2.0)),
                (((4,), (), ()),),
                wrt=(0, 1, 2),
            )
        )
    rows.append(
        Row(
            "multivariate_normal.entropy",
            stats.multivariate_normal.entropy,
            scipy.stats.multivariate_normal.entropy,
            (uniform(-1, 1), _spd),
            (((3,), (3, 3)),),
            wrt=(0, 1),
        )
    )
    return rows


ROWS = [*continuous_rows(), *poisson_rows(), *mvn_rows()]


@pytest.mark.parametrize(("row", "shapes", "dtype"), cases(ROWS))
def test_plain_inputs_give_scipys_exact_result(row, shapes, dtype):
    check_row_exact(row, shapes, dtype)


@pytest.mark.parametrize(("row", "shapes", "dtype"), cases(ROWS))
def test_gradients_match_finite_differences(row, shapes, dtype):
    check_row_grads(row, shapes, dtype)


@pytest.mark.parametrize(("row", "shapes", "dtype"), cases(ROWS)[::2])
def test_traced_inputs_give_scipys_value(row, shapes, dtype):
    check_row_traced_value(row, shapes)


def test_every_distribution_function_has_a_row():
    tested = {row.fun for row in ROWS}
    missing = [
        f"{module}.{name}"
        for module in stats.__all__
        if module != "dirichlet"
        for name in getattr(stats, module).__all__
        if getattr(getattr(stats, module), name) not in tested
    ]
    assert missing == [], f"no spec row for {missing}"


# The Dirichlet density lives on the simplex, which a finite difference leaves: its x is
# differentiated through a normalisation (as in autograd's tests), or with its last
# component left out (SciPy then takes it to be one minus the others).

ALPHA = np.array([1.5, 2.0, 3.2])
POINT = np.array([0.2, 0.3, 0.5])
POINTS = np.array([[0.2, 0.3], [0.3, 0.3], [0.5, 0.4]])


def _normalised(x):
    return x / x.sum(axis=0)


@pytest.mark.parametrize("method", ["pdf", "logpdf"])
@pytest.mark.parametrize("x", [POINT, POINTS], ids=["one point", "three points"])
def test_dirichlet(method, x):
    fun = getattr(stats.dirichlet, method)
    ref = getattr(scipy.stats.dirichlet, method)
    np.testing.assert_array_equal(fun(x, ALPHA), ref(x, ALPHA))
    assert type(fun(x, ALPHA)) is type(ref(x, ALPHA))
    check_grads(lambda x, alpha: fun(_normalised(x), alpha), (x, ALPHA))
    check_grads(lambda x: fun(x, ALPHA), (x[:2],), eps=1e-7)


def test_cov_gradient_is_the_derivative_of_what_scipy_reads():
    """SciPy reads cov's lower triangle: the upper one gets no gradient, and a symmetric
    cov symmetrised before the call gets the symmetric gradient."""
    from paralens import grad

    rng = np.random.default_rng(0)
    x, mean, cov = rng.standard_normal(3), np.zeros(3), _spd(rng, (3, 3))
    g = grad(stats.multivariate_normal.logpdf, argnums=2)(x, mean, cov)
    assert np.all(np.triu(g, 1) == 0.0)
    g_sym = grad(lambda c: stats.multivariate_normal.logpdf(x, mean, 0.5 * (c + c.T)))(cov)
    np.testing.assert_allclose(g_sym, g_sym.T)
    np.testing.assert_allclose(np.tril(g_sym, -1) * 2 + np.diag(np.diag(g_sym)), g)
