"""``odeint`` differentiable in its initial state, its time points and its extra arguments.

The solution ``y(t_0), ..., y(t_{T-1})`` of ``dy/dt = f(y, t, *args)`` is a primitive.

Reverse mode solves the adjoint equations backwards, interval by interval, as HIPS
autograd's ``odeint`` does (after Froehlich, Loos and Hasenauer, 2017, section 2.4.2):
the state ``y``, its adjoint ``a`` (``da/dt = -aᵀ ∂f/∂y``), the time adjoint
(``-aᵀ ∂f/∂t``) and the arguments' adjoint (``-aᵀ ∂f/∂args``) in one system, started at
``t_{T-1}`` from the last cotangent and given each earlier cotangent as it passes its time
point. The cotangent of ``t_i`` is ``f(y_i, t_i) · g_i`` (and the time adjoint for
``t_0``). Forward mode solves the sensitivity equations ``ds/dt = ∂f/∂y s + ∂f/∂args
ṗ`` forwards, beside the state. Both systems are solved by ``odeint`` itself, through this
primitive, so the rules differentiate again: second derivatives solve larger systems of
the same kind.

``f`` must be written with ``paralens.numpy`` (it is differentiated inside the rules).

References:
    Froehlich, Loos and Hasenauer, "Scalable inference of ordinary differential equation
    models of biochemical processes", 2017, arXiv:1711.08079.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.integrate

import paralens.numpy as pnp
from paralens import tree
from paralens._ad import jvp, vjp
from paralens.extend import Var, defjvp_argnum, defvjp_argnum, primitive
from paralens.scipy._elementwise import plain

__all__ = ["odeint"]


@dataclass
class _Problem:
    """What stays fixed in one call: the right-hand side, the arguments, the options.

    ``options`` are the solver's, for every solve; ``jacobian`` holds ``Dfun`` (of the
    original system only, so not given to the adjoint and sensitivity solves).

    ``args`` are rebuilt from ``static`` (their leaves, with None where a traced leaf
    goes) and the traced leaves, which are the primitive's arguments after ``y0`` and
    ``t``. ``memo`` keeps the last adjoint solve (its cotangent, its results, and which of
    them are still to hand out): the backward pass asks for each argument's cotangent in
    turn, and one solve gives them all.
    """

    func: Callable[..., Any]
    tfirst: bool
    treedefs: list[Any]
    static: list[list[Any]]
    traced: list[list[int]]
    options: dict[str, Any]
    jacobian: dict[str, Any]
    memo: list[Any] = field(default_factory=list)

    def args(self, params: tuple[Any, ...]) -> tuple[Any, ...]:
        given = iter(params)
        out = []
        for treedef, leaves, positions in zip(self.treedefs, self.static, self.traced, strict=True):
            filled = list(leaves)
            for i in positions:
                filled[i] = next(given)
            out.append(filled[0] if treedef is None else tree.tree_unflatten(treedef, filled))
        return tuple(out)

    def rhs(self, y: Any, t: Any, params: tuple[Any, ...]) -> Any:
        args = self.args(params)
        return self.func(t, y, *args) if self.tfirst else self.func(y, t, *args)


def _solve(y0: Any, t: Any, *params: Any, problem: _Problem) -> Any:
    return scipy.integrate.odeint(
        problem.func,
        y0,
        t,
        args=problem.args(params),
        tfirst=problem.tfirst,
        **problem.options,
        **problem.jacobian,
    )


_odeint = primitive(_solve, "odeint")


def _flat(values: Any) -> Any:
    """The leaves of ``values`` raveled into one vector."""
    leaves = tree.tree_leaves(values)
    if not leaves:
        return np.zeros(0)
    return pnp.concatenate([pnp.reshape(v, (-1,)) for v in leaves])


def _unflat(vector: Any, like: tuple[Any, ...]) -> tuple[Any, ...]:
    out, start = [], 0
    for p in like:
        shape = pnp.shape(p)
        n = int(np.prod(shape))
        out.append(pnp.reshape(vector[start : start + n], shape))
        start += n
    return tuple(out)


def _adjoint(problem: _Problem, g: Any, yt: Any, y0: Any, t: Any, params: tuple[Any, ...]) -> Any:
    """The cotangents of ``y0``, ``t`` and each parameter, for the cotangent ``g`` of ``yt``."""
    d = pnp.shape(yt)[1]
    n_params = sum(int(np.prod(pnp.shape(p))) for p in params)

    def augmented(state: Any, s: Any, *p: Any) -> Any:
        y, a = state[:d], state[d : 2 * d]
        dy, pullback = vjp(lambda y, s, *p: problem.rhs(y, s, p), y, s, *p)
        cts = pullback(-a)
        return pnp.concatenate([dy, cts[0], pnp.reshape(cts[1], (1,)), _flat(cts[2:])])

    a = g[-1]
    a_t0: Any = 0.0
    a_params: Any = np.zeros(n_params)
    time_cts = []
    for i in range(pnp.shape(yt)[0] - 1, 0, -1):
        ct_t = pnp.sum(problem.rhs(yt[i], t[i], params) * g[i])
        time_cts.append(ct_t)
        a_t0 = a_t0 - ct_t
        state = pnp.concatenate([yt[i], a, pnp.reshape(a_t0, (1,)), a_params])
        times = pnp.stack([t[i], t[i - 1]])
        solved = odeint(augmented, state, times, args=params, **problem.options)[1]
        a = solved[d : 2 * d] + g[i - 1]
        a_t0 = solved[2 * d]
        a_params = solved[2 * d + 1 :]
    time_cts.append(a_t0)
    ct_y0 = pnp.reshape(a, pnp.shape(y0))
    return (ct_y0, pnp.stack(time_cts[::-1]), *_unflat(a_params, params))


def _vjp(argnum: int, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    problem: _Problem = kwargs["problem"]
    y0, t, *params = args

    def pullback(g: Any) -> Any:
        # One adjoint solve serves every argument: keep it for the calls that follow in
        # the same backward pass, handing each cotangent out once (so none is shared).
        seen = problem.memo
        if not seen or seen[0] is not g or argnum not in seen[2]:
            cotangents = _adjoint(problem, g, ans, y0, t, tuple(params))
            seen[:] = [g, dict(enumerate(cotangents))]
            seen.append(set(seen[1]))
        seen[2].discard(argnum)
        return seen[1][argnum]

    return pullback


def _sensitivity(
    problem: _Problem,
    y0: Any,
    t: Any,
    params: tuple[Any, ...],
    s0: Any,
    argnum: int | None,
    tangent: Any,
) -> Any:
    """The tangent of the solution started from tangent ``s0``, with parameter ``argnum``'s
    tangent ``tangent`` forcing it (``argnum`` None: no parameter moves)."""
    d = int(np.prod(pnp.shape(y0)))

    def augmented(state: Any, s: Any, *p: Any) -> Any:
        y, sens = state[:d], state[d:]
        if argnum is None:
            return pnp.concatenate(jvp(lambda y: problem.rhs(y, s, p), (y,), (sens,)))
        base, moving = p[:-1], p[-1]

        def moved(y: Any, q: Any) -> Any:
            return problem.rhs(y, s, (*base[:argnum], q, *base[argnum + 1 :]))

        dy, ds = jvp(moved, (y, base[argnum]), (sens, moving))
        return pnp.concatenate([dy, ds])

    state = pnp.concatenate([pnp.reshape(y0, (-1,)), pnp.reshape(s0, (-1,))])
    extra = params if argnum is None else (*params, tangent)
    return odeint(augmented, state, t, args=extra, **problem.options)[:, d:]


def _jvp(argnum: int, tangent: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    problem: _Problem = kwargs["problem"]
    y0, t, *rest = args
    params = tuple(rest)
    if argnum == 0:
        return _sensitivity(problem, y0, t, params, tangent, None, None)
    if argnum == 1:
        slopes = pnp.stack([problem.rhs(ans[i], t[i], params) for i in range(pnp.shape(ans)[0])])
        start = -problem.rhs(ans[0], t[0], params) * tangent[0]
        moved = _sensitivity(problem, y0, t, params, start, None, None)
        return moved + slopes * pnp.expand_dims(tangent, 1)
    zeros = np.zeros(pnp.shape(ans)[1])
    return _sensitivity(problem, y0, t, params, zeros, argnum - 2, tangent)


defvjp_argnum(_odeint, _vjp)
defjvp_argnum(_odeint, _jvp)


def _split(args: tuple[Any, ...]) -> tuple[list[Any], list[list[Any]], list[list[int]], list[Any]]:
    """Each of ``args``' leaves, the traced ones taken out (in order) for the primitive."""
    treedefs, static, traced, params = [], [], [], []
    for a in args:
        try:
            leaves, treedef = tree.tree_flatten(a, is_leaf=lambda v: isinstance(v, Var))
        except TypeError:  # a value paralens cannot see into is a constant to the solver
            leaves, treedef = [a], None
        positions = [i for i, leaf in enumerate(leaves) if isinstance(leaf, Var)]
        for i in positions:
            value = plain(leaves[i])
            if not isinstance(value, np.ndarray | float | np.floating):
                raise TypeError(
                    f"odeint: an argument in args is a traced {type(value).__name__}; pass "
                    f"its arrays as separate arguments"
                )
            params.append(leaves[i])
            leaves[i] = None
        treedefs.append(treedef)
        static.append(leaves)
        traced.append(positions)
    return treedefs, static, traced, params


def odeint(
    func: Callable[..., Any],
    y0: Any,
    t: Any,
    args: tuple[Any, ...] = (),
    Dfun: Callable[..., Any] | None = None,
    col_deriv: int = 0,
    full_output: int = 0,
    tfirst: bool = False,
    **options: Any,
) -> Any:
    """Solve ``dy/dt = func(y, t, *args)`` at the times ``t``, ``scipy.integrate.odeint``.

    Args:
        func: the right-hand side, written with ``paralens.numpy``; ``func(t, y, *args)``
            with ``tfirst=True``.
        y0: the state at ``t[0]``, a vector.
        t: the increasing (or decreasing) times, ``t[0]`` first.
        args: extra arguments of ``func``: arrays, numbers, or structures of them
            (anything else is passed through as a constant).
        Dfun: ``func``'s Jacobian in ``y``, used by SciPy's solver only.
        col_deriv: as in SciPy.
        full_output: as in SciPy; only on plain inputs (the diagnostics are the solver's,
            and differentiating asks for several solves).
        tfirst: as in SciPy.
        **options: SciPy's solver options (``rtol``, ``atol``, ``hmax``, ``mxstep``, ...),
            used by the adjoint and sensitivity solves as well.

    Returns:
        SciPy's array of shape ``(len(t), len(y0))``; differentiable in ``y0``, ``t`` and
        every array in ``args``.

    Raises:
        ValueError: ``full_output`` with traced inputs.

    Examples:
        >>> import paralens
        >>> decay = lambda y, t, k: -k * y
        >>> ts = np.array([0.0, 1.0])
        >>> g = paralens.grad(lambda k: odeint(decay, np.ones(1), ts, (k,), rtol=1e-10)[-1, 0])
        >>> round(float(g(0.5)), 6)  # d/dk exp(-k) = -exp(-0.5)
        -0.606531
    """
    treedefs, static, traced, params = _split(tuple(args))
    if not params and not isinstance(y0, Var) and not isinstance(t, Var):
        return scipy.integrate.odeint(
            func, y0, t, args=tuple(args), Dfun=Dfun, col_deriv=col_deriv,
            full_output=full_output, tfirst=tfirst, **options,
        )  # fmt: skip
    if full_output:
        raise ValueError(
            "odeint: full_output is not available on traced inputs; call odeint on plain "
            "values for the solver's diagnostics"
        )
    jacobian = {"Dfun": Dfun, "col_deriv": col_deriv} if Dfun is not None else {}
    problem = _Problem(func, bool(tfirst), treedefs, static, traced, options, jacobian)
    y0 = y0 if isinstance(y0, Var) else np.asarray(y0, dtype=float)
    t = t if isinstance(t, Var) else np.asarray(t, dtype=float)
    return _odeint(y0, t, *params, problem=problem)
