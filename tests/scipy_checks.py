"""What the paralens.scipy tests share: the spec-table row, its cases, and the checks.

A ``Row`` names a function, SciPy's own (for the exact results on plain inputs), a domain
per argument, the argument shapes it runs over, and which arguments are differentiated
(the others are held fixed: integer orders, shape parameters without a derivative).
Every row is checked with ``check_grads`` to second order in both modes, in float64,
float32 and Python floats; rows marked ``complex_`` also at complex points, in forward
mode by ``check_grads`` and in reverse mode by ``check_complex_vjp`` (autograd's
convention: the reverse rule of a holomorphic function multiplies by its derivative,
unconjugated, so ``conj(vjp(conj(u)))`` is the adjoint of the tangent map).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import paralens
from paralens.testing import check_grads

Shape = tuple[int, ...]
Sampler = Callable[[np.random.Generator, Shape], Any]


def uniform(lo: float, hi: float) -> Sampler:
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def constant(value: Any) -> Sampler:
    """A fixed argument (an order, a shape parameter): the same whatever the shape."""
    return lambda rng, shape: value


def counts(rng: np.random.Generator, shape: Shape) -> Any:
    return np.round(rng.uniform(0.0, 6.0, shape))


def complex_near(lo: float, hi: float) -> Sampler:
    return lambda rng, shape: rng.uniform(lo, hi, shape) + 1j * rng.uniform(-0.5, 0.5, shape)


@dataclass(frozen=True)
class Row:
    name: str
    fun: Callable[..., Any]
    ref: Callable[..., Any]
    domain: tuple[Sampler, ...]
    shapes: tuple[tuple[Shape, ...], ...]
    wrt: tuple[int, ...] = (0,)
    complex_: tuple[Sampler, ...] | None = None  # complex samplers of the wrt arguments
    complex_order: int = 2  # 1 where the second derivative needs what SciPy lacks
    kwargs: dict[str, Any] = field(default_factory=dict)


def sample(row: Row, shapes: tuple[Shape, ...], dtype: Any, seed: int = 0) -> tuple[Any, ...]:
    rng = np.random.default_rng(seed)
    values = []
    for i, (sampler, shape) in enumerate(zip(row.domain, shapes, strict=True)):
        v = sampler(rng, shape)
        if i in row.wrt:
            if dtype is float:
                v = float(v)
            elif np.shape(v) == ():
                v = np.dtype(dtype).type(v)
            else:
                v = np.asarray(v, dtype=dtype)
        values.append(v)
    return tuple(values)


def cases(rows: list[Row]) -> list[Any]:
    out = []
    for row in rows:
        for shapes in row.shapes:
            dtypes: tuple[Any, ...] = (np.float64, np.float32)
            if all(shapes[i] == () for i in row.wrt):
                dtypes = (*dtypes, float)
            for dtype in dtypes:
                name = getattr(dtype, "__name__", str(dtype))
                out.append(pytest.param(row, shapes, dtype, id=f"{row.name}-{shapes}-{name}"))
    return out


def complex_cases(rows: list[Row]) -> list[Any]:
    return [
        pytest.param(row, shapes, id=f"{row.name}-{shapes}")
        for row in rows
        if row.complex_ is not None
        for shapes in row.shapes
    ]


def of_wrt(row: Row, args: tuple[Any, ...]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """The function of the differentiated arguments alone, and their values."""

    def f(*diff: Any) -> Any:
        full = list(args)
        for i, v in zip(row.wrt, diff, strict=True):
            full[i] = v
        return row.fun(*full, **row.kwargs)

    f.__name__ = row.name
    return f, tuple(args[i] for i in row.wrt)


def assert_same(out: Any, ref: Any) -> None:
    """Exactly SciPy's result: the same type, dtype, shape and values (nan where it is)."""
    if isinstance(ref, tuple):
        assert isinstance(out, tuple) and len(out) == len(ref)
        for o, r in zip(out, ref, strict=True):
            assert_same(o, r)
        return
    assert type(out) is type(ref), (type(out), type(ref))
    assert np.result_type(out) == np.result_type(ref)
    assert np.shape(out) == np.shape(ref)
    np.testing.assert_array_equal(out, ref)


def check_row_exact(row: Row, shapes: tuple[Shape, ...], dtype: Any) -> None:
    args = sample(row, shapes, dtype)
    assert_same(row.fun(*args, **row.kwargs), row.ref(*args, **row.kwargs))


def check_row_grads(row: Row, shapes: tuple[Shape, ...], dtype: Any) -> None:
    f, diff = of_wrt(row, sample(row, shapes, dtype))
    check_grads(f, diff, order=2, modes=("fwd", "rev"))


def check_row_traced_value(row: Row, shapes: tuple[Shape, ...]) -> None:
    """On traced inputs the value is SciPy's too (the primitive runs SciPy's function)."""
    f, diff = of_wrt(row, sample(row, shapes, np.float64))
    value, _ = paralens.jvp(f, diff, tuple(np.zeros_like(np.asarray(d)) for d in diff))
    np.testing.assert_array_equal(value, row.ref(*sample(row, shapes, np.float64), **row.kwargs))


def complex_args(row: Row, shapes: tuple[Shape, ...], seed: int = 0) -> tuple[Any, ...]:
    rng = np.random.default_rng(seed)
    args = list(sample(row, shapes, np.float64, seed))
    assert row.complex_ is not None
    for i, sampler in zip(row.wrt, row.complex_, strict=True):
        args[i] = np.asarray(sampler(rng, shapes[i]), dtype=complex)
    return tuple(args)


def check_complex_vjp(f: Callable[..., Any], args: tuple[Any, ...], eps: float = 1e-6) -> None:
    """``<v, conj(vjp(conj(u)))> == <u, J v>`` in the real inner product ``Re(vdot)``."""
    rng = np.random.default_rng(1)

    def randc(shape: Shape) -> Any:
        return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)

    v = [randc(np.shape(a)) for a in args]
    plus = f(*(a + eps * d for a, d in zip(args, v, strict=True)))
    minus = f(*(a - eps * d for a, d in zip(args, v, strict=True)))
    jv = (np.asarray(plus) - np.asarray(minus)) / (2 * eps)
    ans, pullback = paralens.vjp(f, *args)
    u = randc(np.shape(ans))
    cts = pullback(np.conj(u))
    lhs = sum(np.real(np.vdot(d, np.conj(c))) for d, c in zip(v, cts, strict=True))
    rhs = np.real(np.vdot(u, jv))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-5, atol=1e-6)
