"""paralens.scipy.integrate.odeint: SciPy's solution, and its derivatives in y0, t and args.

Tight solver tolerances, and a finite-difference step larger than the default (the
solver's error divided by the step must stay under ``check_grads``'s tolerance), make the
finite differences meaningful.
"""

import numpy as np
import pytest
import scipy.integrate

import paralens
import paralens.numpy as pnp
from paralens.scipy.integrate import odeint
from paralens.testing import check_grads

R = np.random.default_rng(1).standard_normal
TOL = {"rtol": 1e-11, "atol": 1e-11}
EPS = 1e-4


def func(y, t, arg1, arg2):
    """autograd's test system: non-autonomous, nonlinear, with two array arguments."""
    return -pnp.sqrt(t) - y + arg1 - pnp.mean((y + arg2) ** 2)


Y0, TS, ARG1, ARG2 = R(3), np.linspace(0.1, 0.2, 4), R(3), R(3)


def solve(y0, t, arg1, arg2):
    return odeint(func, y0, t, (arg1, arg2), **TOL)


def test_plain_inputs_give_scipys_exact_result():
    ours = odeint(func, Y0, TS, (ARG1, ARG2), **TOL)
    theirs = scipy.integrate.odeint(func, Y0, TS, (ARG1, ARG2), **TOL)
    assert type(ours) is type(theirs) and ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_traced_inputs_give_scipys_value():
    value, _ = paralens.jvp(solve, (Y0, TS, ARG1, ARG2), (Y0, TS, ARG1, ARG2))
    np.testing.assert_array_equal(value, scipy.integrate.odeint(func, Y0, TS, (ARG1, ARG2), **TOL))


@pytest.mark.parametrize("modes", [("fwd",), ("rev",)])
def test_gradients_in_y0_t_and_args_to_second_order(modes):
    check_grads(solve, (Y0, TS, ARG1, ARG2), order=2, modes=modes, eps=EPS)


def test_hessian_mixes_the_modes():
    def loss(y0):
        return pnp.sum(solve(y0, TS, ARG1, ARG2) ** 2)

    h = paralens.hessian(loss)(Y0)
    eps = 1e-5
    numeric = np.stack(
        [
            (paralens.grad(loss)(Y0 + eps * e) - paralens.grad(loss)(Y0 - eps * e)) / (2 * eps)
            for e in np.eye(3)
        ]
    )
    np.testing.assert_allclose(h, numeric, rtol=1e-5, atol=1e-7)


def test_structured_args_and_constants_pass_through():
    def rhs(y, t, params, label, power):
        assert label == "decay" and power == 2
        return -params["k"] * y**power + params["drive"][0] * pnp.sin(t)

    t = np.linspace(0.0, 1.0, 5)

    def final(k, drive):
        params = {"k": k, "drive": (drive,)}
        return odeint(rhs, np.array([1.0, 0.5]), t, (params, "decay", 2), **TOL)[-1]

    check_grads(final, (0.7, np.array([0.3, -0.2])), order=1, eps=EPS)


def test_tfirst_and_a_scalar_state():
    def rhs(t, y, k):
        return -k * y * t

    t = np.array([0.0, 0.5, 1.0])
    ours = odeint(rhs, 2.0, t, (0.3,), tfirst=True, **TOL)
    np.testing.assert_array_equal(
        ours, scipy.integrate.odeint(rhs, 2.0, t, (0.3,), tfirst=True, **TOL)
    )
    check_grads(lambda y0, k: odeint(rhs, y0, t, (k,), tfirst=True, **TOL), (2.0, 0.3), eps=EPS)


def test_the_jacobian_dfun_is_used_by_the_solver_only():
    def rhs(y, t, k):
        return -k * y

    def jacobian(y, t, k):
        return -k * np.eye(2)

    t = np.array([0.0, 1.0])
    y0 = np.array([1.0, 2.0])
    g = paralens.grad(lambda k: odeint(rhs, y0, t, (k,), Dfun=jacobian, **TOL)[-1].sum())(0.5)
    np.testing.assert_allclose(g, -3.0 * np.exp(-0.5), rtol=1e-8)


def test_one_adjoint_solve_serves_every_argument(monkeypatch):
    calls = []
    solver = scipy.integrate.odeint

    def counted(*args, **kwargs):
        calls.append(1)
        return solver(*args, **kwargs)

    _, pullback = paralens.vjp(solve, Y0, TS, ARG1, ARG2)
    monkeypatch.setattr(scipy.integrate, "odeint", counted)
    pullback(np.ones((4, 3)))
    assert len(calls) == len(TS) - 1  # one backward solve per interval, for all four


def test_pullbacks_share_no_memory_and_see_a_cotangent_changed_in_place():
    _, pullback = paralens.vjp(solve, Y0, TS, ARG1, ARG2)
    u = np.ones((4, 3))
    first = pullback(u)
    u *= 2.0
    second = pullback(u)
    for a, b in zip(first, second, strict=True):
        assert not np.shares_memory(a, b)
        np.testing.assert_allclose(b, 2.0 * a, rtol=1e-9)


def test_full_output_is_refused_on_traced_inputs():
    with pytest.raises(ValueError, match="full_output"):
        paralens.grad(lambda y0: odeint(func, y0, TS, (ARG1, ARG2), full_output=1)[0].sum())(Y0)
    _, info = odeint(func, Y0, TS, (ARG1, ARG2), full_output=1)
    assert "nst" in info
