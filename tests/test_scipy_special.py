"""paralens.scipy.special, driven by one spec table (see scipy_checks for the checks).

Each row: the function, SciPy's, the domain of each argument (away from poles, branch
cuts and the kinks of ``|x|``), the shapes, the differentiated arguments, and complex
samplers where SciPy computes at complex points and the derivative is holomorphic.
"""

import numpy as np
import pytest
import scipy.special as sc

import paralens
from paralens.scipy import special
from paralens.testing import check_grads
from scipy_checks import (
    Row,
    assert_same,
    cases,
    check_complex_vjp,
    check_row_exact,
    check_row_grads,
    check_row_traced_value,
    complex_args,
    complex_cases,
    complex_near,
    constant,
    of_wrt,
    uniform,
)

UNARY = (((),), ((3,),), ((2, 3),))
# gamma, loggamma and rgamma are checked to first order at complex points: their second
# derivative needs digamma's, and SciPy has no complex trigamma (polygamma(1, z)).
BINARY = (((), ()), ((3,), (3,)), ((2, 1), (3,)), ((), (3,)))
FIXED_FIRST = (((), ()), ((), (3,)), ((), (2, 3)))
FIXED_TWO = (((), (), ()), ((), (), (3,)), ((), (), (2, 3)))


def unary(name, lo, hi, complex_=None, complex_order=2):
    return Row(
        name,
        getattr(special, name),
        getattr(sc, name),
        (uniform(lo, hi),),
        UNARY,
        complex_=None if complex_ is None else (complex_,),
        complex_order=complex_order,
    )


def order_first(name, order, lo, hi, complex_=None):
    """``f(order, x)``: the order held fixed, ``x`` differentiated."""
    return Row(
        f"{name}(order={order})",
        getattr(special, name),
        getattr(sc, name),
        (constant(order), uniform(lo, hi)),
        FIXED_FIRST,
        wrt=(1,),
        complex_=None if complex_ is None else (complex_,),
    )


def binary(name, lo, hi, lo2=None, hi2=None, complex_=None):
    second = uniform(lo, hi) if lo2 is None else uniform(lo2, hi2)
    return Row(
        name,
        getattr(special, name),
        getattr(sc, name),
        (uniform(lo, hi), second),
        BINARY,
        wrt=(0, 1),
        complex_=complex_,
    )


def shapes_fixed(name, a, b, lo, hi):
    """``f(a, b, x)`` with the shapes ``a`` and ``b`` held fixed."""
    return Row(
        name,
        getattr(special, name),
        getattr(sc, name),
        (constant(a), constant(b), uniform(lo, hi)),
        FIXED_TWO,
        wrt=(2,),
    )


def logsumexp_rows():
    rows = []
    variants = [
        ({}, UNARY),
        ({"axis": 0}, (((3,),), ((2, 3),))),
        ({"axis": 1, "keepdims": True}, (((2, 3),),)),
        ({"axis": (0, 2)}, (((2, 3, 2),),)),
        ({"keepdims": True}, (((2, 3),),)),
    ]
    for kwargs, shapes in variants:
        rows.append(
            Row(
                f"logsumexp{kwargs}",
                special.logsumexp,
                sc.logsumexp,
                (uniform(-2, 2),),
                shapes,
                complex_=(complex_near(-2, 2),),
                kwargs=kwargs,
            )
        )
    for kwargs, shapes in [
        ({}, (((3,), (3,)),)),
        ({"axis": 1}, (((2, 3), (3,)), ((2, 3), (2, 1)))),
    ]:
        rows.append(
            Row(
                f"logsumexp(a, b){kwargs}",
                lambda a, b, **kw: special.logsumexp(a, b=b, **kw),
                lambda a, b, **kw: sc.logsumexp(a, b=b, **kw),
                (uniform(-2, 2), uniform(0.5, 2.0)),
                shapes,
                wrt=(0, 1),
                kwargs=kwargs,
            )
        )
    rows.append(
        Row(
            "logsumexp(a, b, return_sign)[0] (negative sums)",
            lambda a, b: special.logsumexp(a, b=b, axis=1, return_sign=True)[0],
            lambda a, b: sc.logsumexp(a, b=b, axis=1, return_sign=True)[0],
            (uniform(-2, 2), uniform(-2.0, -0.5)),
            (((2, 3), (3,)),),
            wrt=(0, 1),
        )
    )
    for name in ("softmax", "log_softmax"):
        for kwargs, shapes in [({}, (((3,),), ((2, 3),))), ({"axis": 1}, (((2, 3),),))]:
            rows.append(
                Row(
                    f"{name}{kwargs}",
                    getattr(special, name),
                    getattr(sc, name),
                    (uniform(-2, 2),),
                    shapes,
                    kwargs=kwargs,
                )
            )
    return rows


ROWS = [
    unary("gamma", 0.5, 3.0, complex_near(0.5, 3.0), complex_order=1),
    unary("gammaln", 0.5, 3.0),
    Row("gammaln (negative x)", special.gammaln, sc.gammaln, (uniform(-2.8, -2.2),), UNARY),
    unary("loggamma", 0.5, 3.0, complex_near(0.5, 3.0), complex_order=1),
    unary("digamma", 0.5, 3.0),
    unary("psi", 0.5, 3.0),
    unary("rgamma", 0.5, 3.0, complex_near(0.5, 3.0), complex_order=1),
    unary("gammasgn", -2.8, 3.0),
    *(order_first("polygamma", n, 0.5, 3.0) for n in (0, 1, 2)),
    *(
        Row(
            f"multigammaln(d={d})",
            special.multigammaln,
            sc.multigammaln,
            (uniform(4.0, 5.0), constant(d)),
            (((), ()), ((2, 3), ())),
        )
        for d in (1, 2, 3)
    ),
    order_first("gammainc", 1.5, 0.5, 3.0),
    order_first("gammaincc", 1.5, 0.5, 3.0),
    order_first("gammaincinv", 1.5, 0.1, 0.9),
    order_first("gammainccinv", 1.5, 0.1, 0.9),
    binary("beta", 1.1, 3.0),
    binary("betaln", 1.1, 3.0),
    shapes_fixed("betainc", 1.5, 2.5, 0.1, 0.9),
    shapes_fixed("betaincc", 1.5, 2.5, 0.1, 0.9),
    shapes_fixed("betaincinv", 1.5, 2.5, 0.1, 0.9),
    unary("erf", -2.0, 2.0, complex_near(-2.0, 2.0)),
    unary("erfc", -2.0, 2.0, complex_near(-2.0, 2.0)),
    unary("erfcx", -1.0, 2.0, complex_near(-1.0, 2.0)),
    unary("erfinv", -0.9, 0.9),
    unary("erfcinv", 0.1, 1.9),
    unary("ndtr", -2.0, 2.0, complex_near(-2.0, 2.0)),
    unary("log_ndtr", -3.0, 3.0, complex_near(-3.0, 3.0)),
    unary("ndtri", 0.05, 0.95),
    unary("expit", -4.0, 4.0),
    unary("logit", 0.1, 0.9),
    unary("log_expit", -4.0, 4.0),
    binary("xlogy", -2.0, 2.0, 0.5, 3.0, (complex_near(-2, 2), complex_near(0.5, 3.0))),
    binary("xlog1py", -2.0, 2.0, -0.5, 2.0, (complex_near(-2, 2), complex_near(-0.5, 2.0))),
    unary("entr", 0.1, 2.0),
    unary("j0", 0.5, 10.0),
    unary("j1", 0.5, 10.0),
    unary("y0", 0.5, 10.0),
    unary("y1", 0.5, 10.0),
    *(order_first("jn", n, 0.5, 10.0) for n in (0, 1, 3)),
    *(order_first("yn", n, 0.5, 10.0) for n in (1, 2)),
    order_first("jv", 1.5, 0.5, 10.0, complex_near(0.5, 10.0)),
    order_first("yv", 1.5, 0.5, 10.0, complex_near(0.5, 10.0)),
    unary("i0", -5.0, 5.0),
    unary("i1", -5.0, 5.0),
    Row("i0e (x > 0)", special.i0e, sc.i0e, (uniform(0.5, 5.0),), UNARY),
    Row("i0e (x < 0)", special.i0e, sc.i0e, (uniform(-5.0, -0.5),), UNARY),
    Row("i1e (x > 0)", special.i1e, sc.i1e, (uniform(0.5, 5.0),), UNARY),
    Row("i1e (x < 0)", special.i1e, sc.i1e, (uniform(-5.0, -0.5),), UNARY),
    order_first("iv", 1.5, 0.5, 5.0, complex_near(0.5, 5.0)),
    order_first("iv", 2.0, -5.0, -0.5),
    order_first("ive", 1.5, 0.5, 5.0),
    order_first("ive", 2.0, -5.0, -0.5),
    unary("k0", 0.5, 5.0),
    unary("k1", 0.5, 5.0),
    unary("k0e", 0.5, 5.0),
    unary("k1e", 0.5, 5.0),
    order_first("kv", 1.5, 0.5, 5.0, complex_near(0.5, 5.0)),
    order_first("kve", 1.5, 0.5, 5.0, complex_near(0.5, 5.0)),
    *logsumexp_rows(),
]


@pytest.mark.parametrize(("row", "shapes", "dtype"), cases(ROWS))
def test_plain_inputs_give_scipys_exact_result(row, shapes, dtype):
    check_row_exact(row, shapes, dtype)


@pytest.mark.parametrize(("row", "shapes", "dtype"), cases(ROWS))
def test_gradients_match_finite_differences(row, shapes, dtype):
    check_row_grads(row, shapes, dtype)


@pytest.mark.parametrize(("row", "shapes", "dtype"), cases(ROWS)[::3])
def test_traced_inputs_give_scipys_value(row, shapes, dtype):
    check_row_traced_value(row, shapes)


@pytest.mark.parametrize(("row", "shapes"), complex_cases(ROWS))
def test_complex_forward_mode_matches_finite_differences(row, shapes):
    f, diff = of_wrt(row, complex_args(row, shapes))
    check_grads(f, diff, order=row.complex_order, modes=("fwd",))


@pytest.mark.parametrize(("row", "shapes"), complex_cases(ROWS))
def test_complex_reverse_mode_is_the_adjoint(row, shapes):
    f, diff = of_wrt(row, complex_args(row, shapes))
    check_complex_vjp(f, diff)


def test_every_public_function_has_a_row():
    tested = {row.fun for row in ROWS}
    untested = [n for n in special.__all__ if getattr(special, n) not in tested]
    assert untested == [], f"no spec row for {untested}"


def test_return_sign_gives_scipys_sign_and_a_differentiable_log():
    a, b = np.array([1.0, 2.0]), np.array([1.0, -3.0])
    assert_same(special.logsumexp(a, b=b, return_sign=True), sc.logsumexp(a, b=b, return_sign=True))
    value, sign = paralens.jvp(
        lambda a: special.logsumexp(a, b=b, return_sign=True), (a,), (np.ones(2),)
    )[0]
    assert float(sign) == -1.0
    np.testing.assert_array_equal(value, sc.logsumexp(a, b=b, return_sign=True)[0])
