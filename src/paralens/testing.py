"""Testing derivatives: compare forward and reverse mode with finite differences.

Examples:
    >>> import numpy as np
    >>> import paralens.numpy as pnp
    >>> check_grads(lambda x: pnp.sum(pnp.sin(x) * x), (np.array([0.5, 1.5]),))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from paralens import tree
from paralens._core import _vspace
from paralens._transforms import jvp, vjp

__all__ = ["check_grads", "random_like"]

MODES = ("fwd", "rev")


def random_like(x: Any, rng: np.random.Generator) -> Any:
    """A random value with the structure and float dtypes of ``x``; integer leaves get zero.

    Examples:
        >>> v = random_like({"w": np.zeros(2), "n": 3}, np.random.default_rng(0))
        >>> v["w"].shape, v["n"]
        ((2,), 0)
    """

    def leaf(a: Any) -> Any:
        if _vspace.is_integer(a):
            return _vspace.zeros_like(a)
        if isinstance(a, np.ndarray | np.generic):
            r = rng.standard_normal(np.shape(a))
            if np.iscomplexobj(a):
                r = r + 1j * rng.standard_normal(np.shape(a))
            return np.asarray(r, dtype=a.dtype) if isinstance(a, np.ndarray) else type(a)(r)
        if isinstance(a, complex):
            return complex(rng.standard_normal(), rng.standard_normal())
        if isinstance(a, float):
            return float(rng.standard_normal())
        # A user leaf type: a random multiple of its ones, through its own vector space.
        return _vspace.scale(float(rng.standard_normal()), _vspace.ones_like(a))

    return tree.tree_map(leaf, x)


def _axpy(a: float, x: Any, y: Any) -> Any:
    """``a * x + y`` over float leaves; integer leaves of ``y`` stay as they are."""

    def leaf(xi: Any, yi: Any) -> Any:
        if _vspace.is_integer(yi):
            return yi
        if isinstance(yi, _NUMBERS):
            return type_like(yi, a * xi + yi)
        return _vspace.add(_vspace.scale(a, xi), yi)

    return tree.tree_map(leaf, x, y)


_NUMBERS = (np.ndarray, np.generic, float, complex)


def _difference(plus: Any, minus: Any, eps: float) -> Any:
    """The central difference ``(plus - minus) / 2 eps``, also for user leaf types."""
    if isinstance(plus, (*_NUMBERS, int)):
        return (plus - minus) / (2 * eps)
    return _vspace.scale(0.5 / eps, _vspace.add(plus, _vspace.scale(-1.0, minus)))


def type_like(like: Any, value: Any) -> Any:
    if isinstance(like, np.ndarray):
        return np.asarray(value, dtype=like.dtype)
    if isinstance(like, np.generic):
        return type(like)(value)
    return type(like)(value)


def _lowest_precision(args: Any) -> np.dtype[Any]:
    dtypes = [
        np.result_type(a)
        for a in tree.tree_leaves(args)
        if isinstance(a, _NUMBERS) and not _vspace.is_integer(a)
    ]
    if any(d == np.float32 or d == np.complex64 for d in dtypes):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def check_grads(
    f: Callable[..., Any],
    args: Sequence[Any],
    order: int = 2,
    modes: Sequence[str] = MODES,
    *,
    eps: float | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    rng: np.random.Generator | int | None = 0,
) -> None:
    """Check ``f``'s derivatives at ``args`` against central finite differences.

    Along one random direction ``v`` of the inputs (and one random cotangent ``u`` of the
    output), forward mode must match ``(f(x + eps v) - f(x - eps v)) / 2 eps`` and reverse
    mode must satisfy ``<u, J v> = <Jᵀ u, v>``. With ``order > 1`` the same checks run on
    the derivative functions themselves (the JVP and the VJP as functions of ``args``).

    Args:
        f: the function, of ``len(args)`` arguments of any registered structure.
        args: the point.
        order: how many times to differentiate (2 checks second derivatives).
        modes: any of ``"fwd"`` and ``"rev"``.
        eps: the finite-difference step (default: 1e-6 in float64, 1e-3 in float32).
        rtol: relative tolerance (default: 1e-5 in float64, 2e-2 in float32).
        atol: absolute tolerance (default: 1e-6 in float64, 2e-2 in float32).
        rng: a seed or generator for the random directions.

    Raises:
        AssertionError: the derivatives disagree; the message has the numbers.
        ValueError: an unknown mode.

    Examples:
        >>> import paralens.numpy as pnp
        >>> check_grads(lambda p: p["w"] * pnp.exp(p["b"]), ({"w": 2.0, "b": 0.5},))
        >>> from paralens.extend import primitive, defvjp, defjvp
        >>> wrong = primitive(np.sin)
        >>> defvjp(wrong, lambda ans, x: lambda g: g * pnp.sin(x))  # should be cos
        >>> defjvp(wrong, lambda t, ans, x: t * pnp.cos(x))
        >>> check_grads(wrong, (0.3,), modes=("rev",))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        AssertionError: reverse mode (vjp) of sin: <Jᵀu, v> vs <u, J v>: leaf 0 disagrees ...
    """
    for mode in modes:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; use 'fwd' and/or 'rev'")
    args = tuple(args)
    single = _lowest_precision(args) == np.float32
    eps = eps if eps is not None else (1e-3 if single else 1e-6)
    rtol = rtol if rtol is not None else (2e-2 if single else 1e-5)
    atol = atol if atol is not None else (2e-2 if single else 1e-6)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    _check(f, args, order, tuple(modes), eps, rtol, atol, gen)


def _check(
    f: Callable[..., Any],
    args: tuple[Any, ...],
    order: int,
    modes: tuple[str, ...],
    eps: float,
    rtol: float,
    atol: float,
    rng: np.random.Generator,
) -> None:
    v = random_like(args, rng)
    plus = f(*_axpy(eps, v, args))
    minus = f(*_axpy(-eps, v, args))
    numeric = tree.tree_map(lambda p, m: _difference(p, m, eps), plus, minus)
    name = getattr(f, "__name__", "f")
    if "fwd" in modes:
        _, tangent = jvp(f, args, v)
        _assert_close(tangent, numeric, rtol, atol, f"forward mode (jvp) of {name}")
    if "rev" in modes:
        ans, pullback = vjp(f, *args)
        u = random_like(ans, rng)
        cts = pullback(u)
        lhs = _vspace.inner(u, numeric)
        rhs = _vspace.inner(cts, v)
        _assert_close(rhs, lhs, rtol, atol, f"reverse mode (vjp) of {name}: <Jᵀu, v> vs <u, J v>")
    if order > 1:
        if "fwd" in modes:

            def f_jvp(*xs: Any) -> Any:
                return jvp(f, xs, v)[1]

            f_jvp.__name__ = f"jvp({name})"
            _check(f_jvp, args, order - 1, modes, eps, rtol, atol, rng)
        if "rev" in modes:
            u = random_like(f(*args), rng)

            def f_vjp(*xs: Any) -> Any:
                return vjp(f, *xs)[1](u)

            f_vjp.__name__ = f"vjp({name})"
            _check(f_vjp, args, order - 1, modes, eps, rtol, atol, rng)


def _assert_close(actual: Any, expected: Any, rtol: float, atol: float, what: str) -> None:
    a_leaves = [np.asarray(x) for x in tree.tree_leaves(actual)]
    e_leaves = [np.asarray(x) for x in tree.tree_leaves(expected)]
    if len(a_leaves) != len(e_leaves):
        raise AssertionError(
            f"{what}: structures differ ({len(a_leaves)} against {len(e_leaves)} leaves)"
        )
    for i, (a, e) in enumerate(zip(a_leaves, e_leaves, strict=True)):
        if a.shape != e.shape:
            raise AssertionError(f"{what}: leaf {i} has shape {a.shape}, expected {e.shape}")
        if not np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=False):
            worst = np.max(np.abs(a - e))
            raise AssertionError(
                f"{what}: leaf {i} disagrees with finite differences "
                f"(largest difference {worst:.3g}, rtol={rtol}, atol={atol})\n"
                f"  derivative:          {a!r}\n  finite differences:  {e!r}"
            )
