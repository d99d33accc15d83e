"""Testing derivatives and values: finite differences, vector-space laws, close trees.

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
from paralens._ad import jvp, vjp
from paralens._core import _vspace

__all__ = ["assert_trees_close", "check_grads", "check_leaf", "random_like"]

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


def _covector(x: Any) -> Any:
    """``x`` with its complex leaves conjugated: the cotangent that pairs as ``x`` does.

    Under autograd's convention for complex values (``paralens.numpy._complex``) a
    cotangent ``c`` pairs with a tangent ``t`` as ``Re(sum(c * t))``, without a conjugate,
    while ``inner`` is the real inner product ``Re(sum(conj(x) * y))``: the cotangent
    standing for the output direction ``u`` is ``conj(u)``, and the gradient ``c`` stands
    for the input direction ``conj(c)``. Real leaves are their own covectors.
    """

    def leaf(a: Any) -> Any:
        if isinstance(a, complex):
            return a.conjugate()
        if isinstance(a, np.ndarray | np.generic) and np.iscomplexobj(a):
            return np.conj(a)
        return a

    return tree.tree_map(leaf, x)


def _difference(plus: Any, minus: Any, eps: float) -> Any:
    """The central difference ``(plus - minus) / 2 eps``, also for user leaf types.

    An integer (or boolean) output has no tangent space: its difference is its zero.
    """
    if _vspace.is_integer(plus):
        return _vspace.zeros_like(plus)
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
    Complex inputs and outputs are checked in complex directions, with the reverse rules
    under autograd's convention (``paralens.numpy._complex``): ``Jᵀ u`` is
    ``conj(pullback(conj(u)))``.

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
        >>> check_grads(lambda z: pnp.abs(pnp.exp(z)) * z, (np.array([0.5 + 1j, -1j]),))
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
        # The pullback of covector(u) pairs with v as u pairs with J v (see _covector).
        cts = pullback(_covector(u))
        lhs = _vspace.inner(u, numeric)
        rhs = _vspace.inner(_covector(cts), v)
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


def assert_trees_close(actual: Any, expected: Any, rtol: float = 1e-7, atol: float = 0.0) -> None:
    """Assert that two values have the same structure and leaves close to each other.

    Leaves may be arrays of any library (``torch.Tensor``, ``array_api_strict``...):
    each is copied to NumPy to be compared, so parameters trained on torch can be held
    against the same training on NumPy.

    Args:
        actual: the value computed.
        expected: the value it should be.
        rtol: relative tolerance, as in ``numpy.testing.assert_allclose``.
        atol: absolute tolerance.

    Raises:
        AssertionError: the structures differ, or a leaf differs; the message names the
            path of the leaf.

    Examples:
        >>> assert_trees_close({"w": np.ones(2), "b": 1.0}, {"w": np.ones(2), "b": 1.0 + 1e-9})
        >>> assert_trees_close((1.0, 2.0), [1.0, 2.0])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        AssertionError: structures differ: tuple(*, *) against list(*, *)
    """
    a_def, e_def = tree.tree_structure(actual), tree.tree_structure(expected)
    if a_def != e_def:
        raise AssertionError(f"structures differ: {a_def!r} against {e_def!r}")
    pairs = zip(tree.tree_leaves_with_path(actual), tree.tree_leaves(expected), strict=True)
    for (path, a), e in pairs:
        try:
            np.testing.assert_allclose(tree.to_numpy(a), tree.to_numpy(e), rtol=rtol, atol=atol)
        except AssertionError as error:
            raise AssertionError(f"leaf {path or '(the value)'} differs:{error}") from None


def check_leaf(cls: type, example: Any, rng: np.random.Generator | int | None = 0) -> None:
    """Check that a registered leaf type's operations satisfy the vector-space axioms.

    With ``x = example``, ``y`` and ``z`` made from ``x`` and ``ones_like(x)``, and random
    numbers ``a`` and ``b``: ``inner`` is symmetric, positive and linear in each argument;
    zero is neutral for ``add``; ``add`` commutes and associates; ``scale`` distributes
    over both additions; ``coerce`` keeps the type. Values are compared through the
    leaf's own ``inner`` once its own laws have passed, to a relative 1e-6 (float32 runs).

    Args:
        cls: the leaf type, registered with ``paralens.tree.register_leaf``.
        example: a nonzero value of that type.
        rng: a seed or generator for the numbers.

    Raises:
        TypeError: ``cls`` is not a registered leaf type, or ``example`` is not a ``cls``.
        AssertionError: an axiom fails; the message names it and shows the values.

    Examples:
        >>> check_leaf(float, 1.5)
        >>> check_leaf(np.ndarray, np.array([1.0, -2.0], dtype=np.float32))
        >>> from paralens import tree
        >>> class Bad(float):
        ...     pass
        >>> tree.register_leaf(Bad, zeros=lambda x: Bad(0.0), add=lambda x, y: Bad(x - y),
        ...     ones=lambda x: Bad(1.0), scale=lambda a, x: Bad(a * x),
        ...     inner=lambda x, y: float(x) * float(y))
        >>> check_leaf(Bad, Bad(2.0))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        AssertionError: leaf type Bad: zero is not neutral for add: add(zeros(x), x) != x: ...
    """
    space = _vspace.lookup(cls)
    if not isinstance(space, _vspace.LeafSpace):
        raise TypeError(
            f"{cls.__name__} is not a registered leaf type; register it with "
            f"paralens.tree.register_leaf({cls.__name__}, zeros=..., add=..., ...)"
        )
    if type(example) is not cls:
        raise TypeError(f"check_leaf needs an example of type {cls.__name__}, got {example!r}")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    a, b, c = (float(v) for v in gen.uniform(0.5, 2.0, 3))
    add, scale, inner = space.add, space.scale, space.inner
    x = example
    y = add(scale(c, space.ones(x)), x)
    z = add(scale(-b, space.ones(x)), scale(a, x))
    law = _Laws(cls.__name__, inner)
    law.numbers("inner is not symmetric: inner(x, y) != inner(y, x)", inner(x, y), inner(y, x))
    if not inner(x, x) > 0:
        raise AssertionError(
            f"leaf type {cls.__name__}: inner is not positive: inner(x, x) = {inner(x, x)!r}"
        )
    law.numbers(
        "inner(scale(a, x), z) != a * inner(x, z): inner is not linear, or scale does not scale",
        inner(scale(a, x), z),
        a * inner(x, z),
    )
    law.values("zero is not neutral for add: add(zeros(x), x) != x", add(space.zeros(x), x), x)
    law.values("add does not commute: add(x, y) != add(y, x)", add(x, y), add(y, x))
    law.values("add does not associate", add(add(x, y), z), add(x, add(y, z)))
    law.values(
        "scale does not distribute over add", scale(a, add(x, y)), add(scale(a, x), scale(a, y))
    )
    law.values(
        "scale does not distribute over numbers", scale(a + b, x), add(scale(a, x), scale(b, x))
    )
    law.numbers(
        "inner is not additive: inner(add(x, y), z) != inner(x, z) + inner(y, z)",
        inner(add(x, y), z),
        inner(x, z) + inner(y, z),
    )
    kept = space.coerce(x, y)
    if type(kept) is not cls:
        raise AssertionError(
            f"leaf type {cls.__name__}: coerce does not keep the type: coerce(x, y) is a "
            f"{type(kept).__name__}"
        )


class _Laws:
    """Comparisons for ``check_leaf``: numbers directly, leaf values through ``inner``.

    Two values ``u`` and ``v`` are compared by ``|u - v|^2 = <u, u> - 2 <u, v> + <v, v>``,
    which needs only the inner product, so a broken ``add`` cannot hide its own fault.
    """

    def __init__(self, name: str, inner: Callable[[Any, Any], Any]) -> None:
        self.name = name
        self.inner = inner

    def numbers(self, law: str, lhs: Any, rhs: Any) -> None:
        if not abs(lhs - rhs) <= 1e-6 * (abs(lhs) + abs(rhs)) + 1e-300:
            raise AssertionError(f"leaf type {self.name}: {law}: {lhs!r} != {rhs!r}")

    def values(self, law: str, lhs: Any, rhs: Any) -> None:
        uu, uv, vv = self.inner(lhs, lhs), self.inner(lhs, rhs), self.inner(rhs, rhs)
        if not abs(uu - 2 * uv + vv) <= 1e-5 * (abs(uu) + abs(vv)) + 1e-300:
            raise AssertionError(f"leaf type {self.name}: {law}: {lhs!r} != {rhs!r}")
