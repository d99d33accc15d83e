"""paralens.scipy at the edges: a right answer or a clear error, never a silent wrong one.

- An argument without a derivative (an integer order, a shape SciPy has no derivative
  in) raises, in both modes, an error naming it, instead of a zero gradient.
- Where SciPy's value is nan (or a log density is -inf outside its support) the
  derivatives are nan too, at first and second order, and the value stays SciPy's.
- Shapes that do not fit raise errors naming the argument and the shapes.
- SciPy is optional: ``import paralens`` does not import it, and ``paralens.scipy``
  without it says how to install it.
"""

import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.special as sc

import paralens
from paralens.scipy import integrate, linalg, misc, signal, special, stats


def _order_first(name):
    f = getattr(special, name)
    return lambda v: f(v, 2.0)


def _shape_first(name, *rest):
    f = getattr(special, name)
    return lambda a: f(a, *rest)


# (function of one traced argument, the argument's name, the error raised)
NO_DERIVATIVE = [
    ("polygamma", lambda n: special.polygamma(n, 2.0), 1.0, "n", TypeError),
    ("jn", lambda n: special.jn(n, 2.0), 1.0, "n", TypeError),
    ("yn", lambda n: special.yn(n, 2.0), 1.0, "n", TypeError),
    ("multigammaln", lambda d: special.multigammaln(4.0, d), 2.0, "d", TypeError),
    ("poisson.pmf", lambda k: stats.poisson.pmf(k, 2.0), 1.0, "k", TypeError),
    ("poisson.cdf", lambda loc: stats.poisson.cdf(3, 2.0, loc), 1.0, "loc", TypeError),
    *(
        (name, _order_first(name), 1.5, "v", NotImplementedError)
        for name in ("jv", "yv", "iv", "ive", "kv", "kve")
    ),
    *(
        (name, _shape_first(name, 0.5), 1.5, "a", NotImplementedError)
        for name in ("gammainc", "gammaincc", "gammaincinv", "gammainccinv")
    ),
    *(
        (f"{name}(a)", _shape_first(name, 2.0, 0.5), 1.5, "a", NotImplementedError)
        for name in ("betainc", "betaincc", "betaincinv")
    ),
    ("betainc(b)", lambda b: special.betainc(1.5, b, 0.5), 1.5, "b", NotImplementedError),
    ("t.cdf(df)", lambda df: stats.t.cdf(0.5, df), 3.0, "df", NotImplementedError),
    ("gamma.sf(a)", lambda a: stats.gamma.sf(0.5, a), 2.0, "a", NotImplementedError),
    ("beta.ppf(b)", lambda b: stats.beta.ppf(0.5, 2.0, b), 2.0, "b", NotImplementedError),
    ("chi2.logcdf(df)", lambda df: stats.chi2.logcdf(0.5, df), 2.0, "df", NotImplementedError),
]


@pytest.mark.parametrize(
    ("f", "x", "arg", "error"), [pytest.param(*c[1:], id=c[0]) for c in NO_DERIVATIVE]
)
@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_an_argument_without_a_derivative_is_named(f, x, arg, error, mode):
    with pytest.raises(error, match=f"its argument {arg} "):
        if mode == "rev":
            paralens.grad(f)(x)
        else:
            paralens.jvp(f, (x,), (1.0,))


def _quietly(f, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with np.errstate(all="ignore"):
            return f(*args)


# (function, point outside its domain, SciPy's value there)
OUTSIDE = [
    ("logit(1.5)", special.logit, 1.5, sc.logit(1.5)),
    ("erfinv(2)", special.erfinv, 2.0, np.nan),
    ("entr(-1)", special.entr, -1.0, -np.inf),
    ("ndtri(1.5)", special.ndtri, 1.5, np.nan),
    ("norm.pdf, scale < 0", lambda s: stats.norm.pdf(0.5, 0.0, s), -1.0, np.nan),
    ("norm.logcdf, scale < 0", lambda s: stats.norm.logcdf(0.5, 0.0, s), -1.0, np.nan),
    ("norm.ppf(1.5)", stats.norm.ppf, 1.5, np.nan),
    ("t.logpdf, df < 0", lambda df: stats.t.logpdf(0.5, df), -2.0, np.nan),
    ("gamma.logpdf, x < 0", lambda x: stats.gamma.logpdf(x, 2.0), -1.0, -np.inf),
    ("gamma.pdf, a < 0", lambda a: stats.gamma.pdf(1.0, a), -2.0, np.nan),
    ("beta.logpdf, x > 1", lambda x: stats.beta.logpdf(x, 2.0, 3.0), 1.5, -np.inf),
    ("beta.pdf, x on the boundary", lambda x: stats.beta.pdf(x, 2.0, 3.0), 0.0, 0.0),
    ("chi2.logpdf, x < 0", lambda x: stats.chi2.logpdf(x, 3.0), -1.0, -np.inf),
    ("poisson.logpmf, k not a count", lambda mu: stats.poisson.logpmf(2.5, mu), 2.0, -np.inf),
    ("poisson.pmf, mu < 0", lambda mu: stats.poisson.pmf(2, mu), -2.0, np.nan),
    (
        "logsumexp of a negative sum",
        lambda x: special.logsumexp(x * np.array([1.0, 0.0]) + 2.0, b=np.array([1.0, -3.0])),
        1.0,
        np.nan,
    ),
]


@pytest.mark.parametrize(("f", "x", "value"), [pytest.param(*c[1:], id=c[0]) for c in OUTSIDE])
def test_derivatives_are_nan_where_the_value_is_not_a_number(f, x, value):
    np.testing.assert_array_equal(_quietly(f, x), value)
    assert np.isnan(_quietly(paralens.grad(f), x))
    assert np.isnan(_quietly(paralens.grad(paralens.grad(f)), x))
    assert np.isnan(_quietly(lambda x: paralens.jvp(f, (x,), (1.0,))[1], x))


@pytest.mark.parametrize(
    ("f", "x"),
    [
        pytest.param(lambda x: stats.beta.pdf(x, 2.0, 3.0), 1.5, id="beta.pdf, x > 1"),
        pytest.param(lambda x: stats.gamma.pdf(x, 2.0), -1.0, id="gamma.pdf, x < 0"),
        pytest.param(lambda mu: stats.poisson.pmf(2.5, mu), 2.0, id="poisson.pmf, k not a count"),
        pytest.param(lambda x: stats.chi2.cdf(x, 3.0), -1.0, id="chi2.cdf, x < 0"),
    ],
)
def test_derivatives_are_zero_where_the_function_is_constant(f, x):
    assert paralens.grad(f)(x) == 0.0
    assert paralens.grad(paralens.grad(f))(x) == 0.0


@pytest.mark.parametrize(
    ("f", "z"),
    [
        pytest.param(special.digamma, 1.0 + 0.5j, id="digamma"),
        pytest.param(lambda z: special.ive(1.5, z), 1.0 + 0.5j, id="ive"),
        pytest.param(
            lambda z: special.logsumexp(z * np.array([1.0, 0.0]) + 1.0, return_sign=True)[0],
            1.0 + 0.5j,
            id="logsumexp(return_sign=True)",
        ),
    ],
)
def test_complex_points_without_a_derivative_raise(f, z):
    with pytest.raises(NotImplementedError, match="complex"):
        paralens.jvp(f, (z,), (1.0 + 0j,))


def test_sqrtm_of_a_real_matrix_with_a_complex_root_raises():
    a = np.array([[-1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(NotImplementedError, match="complex square root"):
        paralens.jvp(linalg.sqrtm, (a,), (a,))
    _, pullback = paralens.vjp(linalg.sqrtm, a)
    with pytest.raises(NotImplementedError, match="complex square root"):
        pullback(np.ones((2, 2), dtype=complex))


def test_solve_triangular_conjugate_transpose_of_complex_raises():
    a = np.triu(np.ones((2, 2))) + 1j * np.eye(2)
    with pytest.raises(NotImplementedError, match="trans='C'"):
        paralens.jvp(lambda a: linalg.solve_triangular(a, np.ones(2), trans="C"), (a,), (a,))


# Shapes that do not fit.

MEAN, COV = np.zeros(2), np.eye(2)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        pytest.param((np.zeros(3), MEAN, COV), "x must have 2 components", id="x too long"),
        pytest.param(
            (np.zeros(2), MEAN, np.ones((2, 3))), r"cov must be a \(2, 2\)", id="cov not square"
        ),
        pytest.param((np.zeros(2), np.zeros(3), COV), r"cov must be a \(3, 3\)", id="mean and cov"),
        pytest.param(
            (np.zeros(2), np.zeros((2, 2)), COV), "mean must be a vector", id="mean a matrix"
        ),
    ],
)
@pytest.mark.parametrize("traced", [False, True])
def test_multivariate_normal_names_shapes_that_do_not_fit(args, match, traced):
    f = stats.multivariate_normal.logpdf
    with pytest.raises(ValueError, match=match):
        if traced:
            paralens.grad(lambda x: f(x, *args[1:]))(args[0])
        else:
            f(*args)


def test_a_singular_covariance_has_no_derivative_in_cov():
    cov = np.diag([1.0, 0.0])
    x = np.array([0.3, 0.0])
    g = paralens.grad(lambda x: stats.multivariate_normal.logpdf(x, MEAN, cov, allow_singular=True))
    np.testing.assert_allclose(g(x), [-0.3, 0.0])
    with pytest.raises(NotImplementedError, match="singular cov"):
        paralens.grad(lambda c: stats.multivariate_normal.logpdf(x, MEAN, c, allow_singular=True))(
            cov
        )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "circular"}, "acceptable modes"),
        ({"axes": ([0], [0, 1])}, "both lists must be as long"),
        ({"axes": ([0], [0]), "dot_axes": ([0], [1])}, "appears twice"),
        ({"axes": ([1], [1]), "dot_axes": ([0], [0])}, "the same length"),
        ({"axes": ([5], [0])}, "out of range"),
    ],
)
def test_convolve_names_axes_that_do_not_fit(kwargs, match):
    a, b = np.ones((2, 3)), np.ones((3, 2))
    with pytest.raises(ValueError, match=match):
        paralens.grad(lambda a: signal.convolve(a, b, **kwargs).sum())(a)


def test_convolve_valid_needs_one_array_to_cover_the_other():
    a, b = np.ones((2, 3)), np.ones((3, 2))
    with pytest.raises(ValueError, match="at least as large"):
        paralens.grad(lambda a: signal.convolve(a, b, "valid").sum())(a)
    with pytest.raises(ValueError):
        signal.convolve(a, b, "valid")  # SciPy's own refusal on plain inputs


def test_solve_banded_names_bands_that_do_not_fit():
    with pytest.raises(ValueError, match="l \\+ u \\+ 1 = 3 rows"):
        paralens.grad(lambda ab: linalg.solve_banded((1, 1), ab, np.ones(3)).sum())(np.ones((2, 3)))


def test_odeint_refuses_full_output_on_traced_inputs():
    def rhs(y, t, k):
        return -k * y

    with pytest.raises(ValueError, match="full_output"):
        paralens.grad(
            lambda k: integrate.odeint(rhs, np.ones(1), np.array([0.0, 1.0]), (k,), full_output=1)
        )(1.0)


# SciPy is an optional dependency.


def _run(code):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_import_paralens_does_not_import_scipy():
    out = _run("import sys, paralens, paralens.numpy; print('scipy' in sys.modules)")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_paralens_scipy_without_scipy_says_how_to_install_it():
    out = _run("import sys; sys.modules['scipy'] = None; import paralens.scipy")
    assert out.returncode != 0
    assert "ImportError" in out.stderr
    assert "pip install 'paralens[scipy]'" in out.stderr


def test_misc_logsumexp_is_a_deprecated_alias():
    x = np.array([0.5, 1.5])
    with pytest.warns(DeprecationWarning, match="paralens.scipy.special.logsumexp"):
        value = misc.logsumexp(x)
    assert value == special.logsumexp(x)
    with pytest.warns(DeprecationWarning):
        g = paralens.grad(misc.logsumexp)(x)
    np.testing.assert_allclose(g, special.softmax(x))
