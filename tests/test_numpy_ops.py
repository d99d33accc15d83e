"""The differentiable NumPy operations, driven by one spec table.

Each row of ``OPS`` names an operation, how to sample its inputs (its domain: away from
kinks, ties, zeros and singular matrices where the derivative is undefined), the shapes it
runs over, and NumPy's own function to compare with on plain inputs. Every row is checked
with ``check_grads`` to second order in both modes, in float64 and float32 (for which
``check_grads`` loosens its tolerances by itself).
"""

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import numpy_ops_linalg_fft
import paralens
import paralens.numpy as pnp
import paralens.testing
from paralens.testing import check_grads

Shape = tuple[int, ...]
Domain = Callable[[np.random.Generator, tuple[Shape, ...]], list[np.ndarray]]

# Domains: each returns float64 arrays, one per argument shape.


def each(*samplers: Callable[[np.random.Generator, Shape], np.ndarray]) -> Domain:
    """A domain sampling each argument on its own."""

    def domain(rng, shapes):
        return [s(rng, shp) for s, shp in zip(samplers, shapes, strict=True)]

    return domain


def _real(rng, shp):
    return rng.standard_normal(shp)


def _positive(rng, shp):
    return rng.uniform(0.5, 2.0, shp)


def _nonzero(rng, shp):
    return rng.choice([-1.0, 1.0], shp) * rng.uniform(0.5, 1.5, shp)


def _uniform(lo, hi):
    return lambda rng, shp: rng.uniform(lo, hi, shp)


def _matrix(rng, shp):
    """Well conditioned: the identity plus a small perturbation, for inv, solve and det."""
    if len(shp) < 2 or shp[-1] != shp[-2]:
        return rng.standard_normal(shp)
    n = shp[-1]
    return np.eye(n) + 0.3 * rng.standard_normal(shp) / np.sqrt(n)


def real(rng, shapes):
    return [_real(rng, s) for s in shapes]


def positive(rng, shapes):
    return [_positive(rng, s) for s in shapes]


def nonzero(rng, shapes):
    return [_nonzero(rng, s) for s in shapes]


def matrices(rng, shapes):
    return [_matrix(rng, s) for s in shapes]


def distinct(rng, shapes):
    """All entries of all arguments distinct, 0.3 apart and at least 0.15 away from zero.

    For ops with kinks at zero (relu, abs, sign) and at ties (max, min, maximum).
    """
    sizes = [int(np.prod(s)) for s in shapes]
    n = sum(sizes)
    values = (rng.permutation(n) - n // 2 + 0.5) * 0.3
    out, start = [], 0
    for s, k in zip(shapes, sizes, strict=True):
        out.append(values[start : start + k].reshape(s))
        start += k
    return out


def away_from(*points):
    """Normal samples pushed at least 0.1 away from ``points`` (clip's bounds)."""

    def domain(rng, shapes):
        out = []
        for s in shapes:
            x = rng.uniform(-1.5, 1.5, s)
            for p in points:
                x = np.where(np.abs(x - p) < 0.1, x + 0.2, x)
            out.append(x)
        return out

    return domain


@dataclass(frozen=True)
class Op:
    """One row: ``fun`` is the pnp operation; ``ref`` NumPy's (None: operator syntax)."""

    name: str
    fun: Callable[..., Any]
    shapes: tuple[tuple[Shape, ...], ...]
    domain: Domain = real
    ref: Callable[..., Any] | None = None
    exact: bool = True  # ref is NumPy's own function, so results must be identical
    complex: bool = False  # also checked on complex inputs (see COMPLEX_TOO for older rows)


SCALAR, VECTOR, MATRIX = ((),), ((3,),), ((2, 3),)
UNARY = (SCALAR, VECTOR, MATRIX)
BINARY = (
    ((), ()),
    ((3,), (3,)),
    ((2, 3), (2, 3)),
    ((3, 1), (4,)),
    ((), (3,)),
    ((2, 3), ()),
)
REDUCED = (VECTOR, MATRIX)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.sum(out, axis=axis)


def _log_softmax(x, axis=-1):
    return x - _logsumexp(x, axis, True)


def _with(fun, **kwargs):
    return lambda *args: fun(*args, **kwargs)


def _binary(name, domain=real):
    return Op(name, getattr(pnp, name), BINARY, domain, getattr(np, name))


def _unary(name, domain=real, shapes=UNARY):
    return Op(name, getattr(pnp, name), shapes, domain, getattr(np, name))


def _reductions():
    rows = []
    kinds = {
        "sum": real,
        "mean": real,
        "prod": nonzero,
        "max": distinct,
        "min": distinct,
        "var": distinct,
        "std": distinct,
    }
    variants = [
        ({}, (SCALAR, VECTOR, MATRIX)),
        ({"axis": 0}, REDUCED),
        ({"axis": 1}, (MATRIX,)),
        ({"axis": -1, "keepdims": True}, REDUCED),
        ({"keepdims": True}, REDUCED),
        ({"axis": (0, 2)}, (((2, 3, 2),),)),
    ]
    for name, domain in kinds.items():
        for kwargs, shapes in variants:
            if name in ("var", "std") and shapes[0] == SCALAR:
                shapes = shapes[1:]
            rows.append(
                Op(
                    f"{name}{kwargs}",
                    _with(getattr(pnp, name), **kwargs),
                    shapes,
                    domain,
                    _with(getattr(np, name), **kwargs),
                )
            )
    rows.append(Op("var{ddof:1}", _with(pnp.var, ddof=1), REDUCED, distinct, _with(np.var, ddof=1)))
    rows.append(Op("std{ddof:1}", _with(pnp.std, ddof=1), REDUCED, distinct, _with(np.std, ddof=1)))
    rows.append(Op("x.sum(axis=0)", lambda x: x.sum(axis=0), REDUCED))
    rows.append(Op("x.mean()", lambda x: x.mean(), REDUCED))
    rows.append(Op("x.max(axis=-1)", lambda x: x.max(axis=-1), REDUCED, distinct))
    rows.append(Op("x.prod()", lambda x: x.prod(), REDUCED, nonzero))
    for kwargs, shapes in [
        ({}, (SCALAR, VECTOR, MATRIX)),
        ({"axis": 0}, REDUCED),
        ({"axis": 1, "keepdims": True}, (MATRIX,)),
    ]:
        rows.append(
            Op(
                f"logsumexp{kwargs}",
                _with(pnp.logsumexp, **kwargs),
                shapes,
                real,
                _with(_logsumexp, **kwargs),
                exact=False,
            )
        )
    for axis in (-1, 0):
        rows.append(
            Op(
                f"log_softmax(axis={axis})",
                _with(pnp.log_softmax, axis=axis),
                REDUCED,
                real,
                _with(_log_softmax, axis=axis),
                exact=False,
            )
        )
        rows.append(
            Op(
                f"softmax(axis={axis})",
                _with(pnp.softmax, axis=axis),
                REDUCED,
                real,
                lambda x, axis=axis: np.exp(_log_softmax(x, axis)),
                exact=False,
            )
        )
    for kwargs, shapes in [
        ({}, (VECTOR, MATRIX)),
        ({"axis": 0}, (MATRIX,)),
        ({"axis": 1}, (MATRIX,)),
    ]:
        rows.append(
            Op(
                f"cumsum{kwargs}",
                _with(pnp.cumsum, **kwargs),
                shapes,
                real,
                _with(np.cumsum, **kwargs),
            )
        )
    return rows


def _einsums():
    specs = {
        "ij,jk->ik": ((2, 3), (3, 4)),
        "ij,jk": ((2, 3), (3, 4)),
        "i,i->": ((3,), (3,)),
        "i,j->ij": ((2,), (3,)),
        "ij->j": ((2, 3),),
        "ij->": ((2, 3),),
        "ij,j->i": ((2, 3), (3,)),
        "bij,bjk->bik": ((2, 2, 3), (2, 3, 2)),
        "ij,ij->ij": ((2, 3), (2, 3)),
        "ii->i": ((3, 3),),
        "ii": ((3, 3),),
        "ij,jj->i": ((2, 3), (3, 3)),
    }
    return [
        Op(
            f"einsum({s})",
            lambda *xs, s=s: pnp.einsum(s, *xs),
            (shapes,),
            real,
            lambda *xs, s=s: np.einsum(s, *xs),
        )
        for s, shapes in specs.items()
    ]


def _tensordots():
    cases = [
        (1, ((2, 3), (3, 4))),
        (2, ((2, 3), (2, 3))),
        (0, ((2,), (3,))),
        (([1], [0]), ((2, 3), (3, 2))),
        (([0, 2], [2, 0]), ((2, 3, 4), (4, 2, 2))),
    ]
    return [
        Op(
            f"tensordot(axes={a})",
            _with(pnp.tensordot, axes=a),
            (shapes,),
            real,
            _with(np.tensordot, axes=a),
        )
        for a, shapes in cases
    ]


MASK = np.array([[True, False, True], [False, False, True]])


def _indexing():
    rows = []
    indices = {
        "x[1]": lambda x: x[1],
        "x[-1]": lambda x: x[-1],
        "x[1, 2]": lambda x: x[1, 2],
        "x[1:]": lambda x: x[1:],
        "x[:, ::2]": lambda x: x[:, ::2],
        "x[None, 1]": lambda x: x[None, 1],
        "x[..., 0]": lambda x: x[..., 0],
        "x[::-1, 1:3]": lambda x: x[::-1, 1:3],
        "x[[0, 1, 0]] (repeats scatter-add)": lambda x: x[[0, 1, 0]],
        "x[[[0, 1], [1, 1]]]": lambda x: x[np.array([[0, 1], [1, 1]])],
        "x[[0, 1], [2, 2]]": lambda x: x[[0, 1], [2, 2]],
        "x[:, [2, 0, 2]]": lambda x: x[:, [2, 0, 2]],
        "x[mask]": lambda x: x[MASK],
    }
    for name, fun in indices.items():
        rows.append(Op(name, fun, (((2, 3),),)))
    rows.append(Op("x[[2, 2, 0]] of a vector", lambda x: x[[2, 2, 0]], (VECTOR,)))
    rows.append(Op("rows of x by iteration", lambda x: pnp.stack(list(x)[::-1]), (MATRIX,)))
    rows.append(Op("x[i] for np.int64 i", lambda x: x[np.int64(1)], (VECTOR, MATRIX)))
    for kwargs, shapes in [
        ({}, (VECTOR, MATRIX)),
        ({"axis": 1}, (MATRIX,)),
        ({"axis": 0}, (MATRIX,)),
    ]:
        idx = [1, 1, 0]
        rows.append(
            Op(
                f"take([1, 1, 0], {kwargs})",
                lambda x, kwargs=kwargs: pnp.take(x, idx, **kwargs),
                shapes,
                real,
                lambda x, kwargs=kwargs: np.take(x, idx, **kwargs),
            )
        )
    cond = np.arange(6).reshape(2, 3) % 2 == 0
    rows.append(
        Op(
            "where(cond, x, y)",
            lambda x, y: pnp.where(cond, x, y),
            (((2, 3), (2, 3)), ((3,), ()), ((2, 1), (3,))),
            real,
            lambda x, y: np.where(cond, x, y),
        )
    )
    rows.append(
        Op("where(x > 0, x, 0.1 * x)", lambda x: pnp.where(x > 0, x, 0.1 * x), UNARY, distinct)
    )
    return rows


def _shape_ops():
    rows = [
        Op(
            "reshape((3, 2))",
            _with(pnp.reshape, newshape=(3, 2)),
            (MATRIX,),
            real,
            lambda x: np.reshape(x, (3, 2)),
        ),
        Op(
            "reshape(-1)",
            lambda x: pnp.reshape(x, -1),
            (SCALAR, MATRIX),
            real,
            lambda x: np.reshape(x, -1),
        ),
        Op(
            "reshape((2, -1))",
            lambda x: pnp.reshape(x, (2, -1)),
            (((6,),),),
            real,
            lambda x: np.reshape(x, (2, -1)),
        ),
        Op("x.reshape(3, 2)", lambda x: x.reshape(3, 2), (MATRIX,)),
        Op("ravel", pnp.ravel, UNARY, real, np.ravel),
        Op(
            "expand_dims(0)",
            lambda x: pnp.expand_dims(x, 0),
            UNARY,
            real,
            lambda x: np.expand_dims(x, 0),
        ),
        Op(
            "expand_dims((0, 2))",
            lambda x: pnp.expand_dims(x, (0, 2)),
            (VECTOR,),
            real,
            lambda x: np.expand_dims(x, (0, 2)),
        ),
        Op("squeeze", pnp.squeeze, (((1, 3, 1),),), real, np.squeeze),
        Op(
            "squeeze(0)",
            lambda x: pnp.squeeze(x, 0),
            (((1, 3, 1),),),
            real,
            lambda x: np.squeeze(x, 0),
        ),
        Op(
            "broadcast_to((2, 3))",
            lambda x: pnp.broadcast_to(x, (2, 3)),
            (SCALAR, VECTOR, (((2, 1),)), (((1, 3),))),
            real,
            lambda x: np.broadcast_to(x, (2, 3)),
        ),
        Op("transpose", pnp.transpose, (VECTOR, MATRIX), real, np.transpose),
        Op(
            "transpose((1, 2, 0))",
            lambda x: pnp.transpose(x, (1, 2, 0)),
            (((2, 3, 4),),),
            real,
            lambda x: np.transpose(x, (1, 2, 0)),
        ),
        Op("x.T", lambda x: x.T, (MATRIX,)),
        Op("x.transpose()", lambda x: x.transpose(), (MATRIX,)),
        Op("x.transpose(1, 2, 0)", lambda x: x.transpose(1, 2, 0), (((2, 3, 4),),)),
        Op("x.transpose((1, 2, 0))", lambda x: x.transpose((1, 2, 0)), (((2, 3, 4),),)),
        Op("x.swapaxes(0, 1)", lambda x: x.swapaxes(0, 1), (MATRIX,)),
        Op("x.take([0, 0], axis=1)", lambda x: x.take([0, 0], axis=1), (MATRIX,)),
        Op("x[x.argmax()] via ravel", lambda x: x.ravel()[x.argmax()], (MATRIX,), distinct),
        Op(
            "swapaxes(0, 2)",
            lambda x: pnp.swapaxes(x, 0, 2),
            (((2, 3, 4),),),
            real,
            lambda x: np.swapaxes(x, 0, 2),
        ),
        Op(
            "swapaxes(-1, -2)",
            lambda x: pnp.swapaxes(x, -1, -2),
            (MATRIX,),
            real,
            lambda x: np.swapaxes(x, -1, -2),
        ),
        Op(
            "moveaxis(0, -1)",
            lambda x: pnp.moveaxis(x, 0, -1),
            (((2, 3, 4),),),
            real,
            lambda x: np.moveaxis(x, 0, -1),
        ),
        Op(
            "moveaxis(2, 0)",
            lambda x: pnp.moveaxis(x, 2, 0),
            (((2, 3, 4),),),
            real,
            lambda x: np.moveaxis(x, 2, 0),
        ),
        Op(
            "moveaxis([0, 1], [-1, -2])",
            lambda x: pnp.moveaxis(x, [0, 1], [-1, -2]),
            (((2, 3, 4),),),
            real,
            lambda x: np.moveaxis(x, [0, 1], [-1, -2]),
        ),
        Op(
            "moveaxis((2, 0), (0, 1))",
            lambda x: pnp.moveaxis(x, (2, 0), (0, 1)),
            (((2, 3, 4),),),
            real,
            lambda x: np.moveaxis(x, (2, 0), (0, 1)),
        ),
        Op("flip(0)", lambda x: pnp.flip(x, 0), (MATRIX,), real, lambda x: np.flip(x, 0)),
    ]
    for axis, shapes in [
        (0, ((2, 3), (1, 3), (3, 3))),
        (1, ((2, 1), (2, 2))),
        (-1, ((3,), (2,))),
        (None, ((2, 2), (3,), ())),
    ]:
        rows.append(
            Op(
                f"concatenate(axis={axis})",
                lambda *xs, axis=axis: pnp.concatenate(xs, axis),
                (shapes,),
                real,
                lambda *xs, axis=axis: np.concatenate(xs, axis),
            )
        )
    for axis, shapes in [
        (0, ((3,), (3,))),
        (1, ((3,), (3,), (3,))),
        (-1, ((2, 3), (2, 3))),
        (0, ((), ())),
    ]:
        rows.append(
            Op(
                f"stack(axis={axis})",
                lambda *xs, axis=axis: pnp.stack(xs, axis),
                (shapes,),
                real,
                lambda *xs, axis=axis: np.stack(xs, axis),
            )
        )
    for sections, axis, shp in [(3, 0, (6,)), ([1, 3], 0, (4, 2)), (2, 1, (2, 4))]:
        rows.append(
            Op(
                f"split({sections}, axis={axis})",
                lambda x, s=sections, a=axis: pnp.split(x, s, axis=a),
                (((shp,)),),
                real,
                lambda x, s=sections, a=axis: np.split(x, s, axis=a),
            )
        )
    return rows


# ---- NumPy breadth and complex values (issue 12) -------------------------------------------

# Older rows of functions defined on complex values, checked on complex inputs too.
_COMPLEX_NAMES = {
    *("add", "subtract", "multiply", "divide", "true_divide", "power", "negative", "exp"),
    *("log", "log1p", "expm1", "sqrt", "square", "abs", "absolute", "sign", "sin", "cos"),
    *("tan", "tanh", "arctan", "sinh", "cosh", "sigmoid", "logistic", "dot", "matmul"),
    *("outer", "inner", "ravel", "transpose", "squeeze", "flip(0)"),
    *("x + y", "x - y", "x * y", "x / y", "x ** y", "x ** 2", "x ** 3", "x ** 0.5"),
    *("x ** -1.5", "2.0 ** x", "1.0 / x", "-x", "abs(x)", "x @ y", "x.T", "x.sum(axis=0)"),
    *("x.mean()", "x.prod()", "rows of x by iteration"),
    # Orderings of complex values are NumPy's lexicographic ones (real part, then imaginary).
    *("maximum", "minimum", "clip(x, -0.5, 0.5)", "max{'axis': 0}", "min{'axis': 0}"),
    *("logsumexp{'axis': 0}", "x.swapaxes(0, 1)"),
}
_COMPLEX_FAMILIES = (
    *("sum{", "mean{", "prod{", "var{", "std{", "cumsum{", "einsum(", "tensordot("),
    *("reshape", "expand_dims", "broadcast_to", "swapaxes", "moveaxis", "concatenate"),
    *("stack(", "split(", "take(", "x[", "where(cond"),
)


def _complex_too(op):
    return op.name in _COMPLEX_NAMES or op.name.startswith(_COMPLEX_FAMILIES)


def _apart_from_integers(rng, shp):
    """Remainders: |x / y| in [0.1, 0.8], so that floor(x / y) and trunc(x / y) stay put."""
    return rng.choice([-1.0, 1.0], shp) * rng.uniform(0.2, 0.8, shp)


def _divisors(rng, shp):
    return rng.choice([-1.0, 1.0], shp) * rng.uniform(1.0, 2.0, shp)


REMAINDER = each(_apart_from_integers, _divisors)
UNIT = each(_uniform(-0.9, 0.9))
SQUARE = ((3, 3),)
CUBE = ((2, 3, 4),)


def _c(row):
    """The row, checked on complex inputs as well."""
    return Op(row.name, row.fun, row.shapes, row.domain, row.ref, row.exact, complex=True)


def _call(name, *args, shapes, domain=real, check_complex=False, **kwargs):
    """A row of ``pnp.name(x, *args, **kwargs)`` against NumPy's function of that name."""
    shown = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in kwargs.items())])
    return Op(
        f"{name}({shown})",
        lambda *xs: getattr(pnp, name)(*xs, *args, **kwargs),
        shapes,
        domain,
        lambda *xs: getattr(np, name)(*xs, *args, **kwargs),
        complex=check_complex,
    )


def _breadth_elementwise():
    rows = [
        _unary("fabs", distinct),
        _c(_unary("reciprocal", nonzero)),
        _c(_unary("exp2")),
        _c(_unary("log2", positive)),
        _c(_unary("log10", positive)),
        _c(_unary("arcsin", UNIT)),
        _c(_unary("arccos", UNIT)),
        _c(_unary("arcsinh")),
        _c(_unary("arccosh", each(_uniform(1.2, 3.0)))),
        _c(_unary("arctanh", UNIT)),
        *(_unary(n) for n in ("deg2rad", "radians", "rad2deg", "degrees")),
        _c(_unary("sinc", nonzero)),
        *(_unary(n, distinct) for n in ("rint", "around", "fix", "trunc")),
        _binary("hypot", nonzero),
        _binary("logaddexp"),
        _binary("logaddexp2"),
        *(_binary(n, REMAINDER) for n in ("mod", "remainder", "fmod", "floor_divide")),
        _c(_binary("fmax", distinct)),
        _c(_binary("fmin", distinct)),
        Op("x % y", operator.mod, BINARY, REMAINDER),
        Op("x // y", operator.floordiv, BINARY, REMAINDER),
        _c(_unary("nan_to_num")),
        _call("nan_to_num", nan=2.0, posinf=3.0, shapes=UNARY),
        _c(_unary("real")),
        _c(_unary("imag")),
        _c(_unary("conj")),
        _c(_unary("conjugate")),
        _c(_unary("angle", nonzero)),
        _c(_call("angle", deg=True, shapes=UNARY, domain=nonzero)),
        Op("real_if_close", pnp.real_if_close, UNARY, real, np.real_if_close, complex=True),
        Op(
            "real_if_close(x + 1e-20j)",
            lambda x: pnp.real_if_close(x + 1e-20j),
            UNARY,
            real,
            lambda x: np.real_if_close(x + 1e-20j),
        ),
        Op("x.real", lambda x: x.real, UNARY, complex=True),
        Op("x.imag", lambda x: x.imag, UNARY, complex=True),
        Op("x.conj()", lambda x: x.conj(), (VECTOR, MATRIX), complex=True),
        _call("clip", a_min=-0.5, a_max=0.5, shapes=UNARY, domain=away_from(-0.5, 0.5)),
        _call("clip", None, 0.5, shapes=UNARY, domain=away_from(0.5)),
        _call("clip", min=-0.5, shapes=UNARY, domain=away_from(-0.5)),
        Op(
            "clip(x, a_min=lo, a_max=hi)",
            lambda x, lo, hi: pnp.clip(x, a_min=lo, a_max=hi),
            (((3,), (), ()), ((2, 3), (3,), (2, 1))),
            lambda rng, shapes: [
                rng.uniform(-1.5, 1.5, shapes[0]),
                rng.uniform(-0.6, -0.4, shapes[1]),
                rng.uniform(0.4, 0.6, shapes[2]),
            ],
            lambda x, lo, hi: np.clip(x, a_min=lo, a_max=hi),
        ),
        Op("x.clip(max=0.5)", lambda x: x.clip(max=0.5), (VECTOR, MATRIX), away_from(0.5)),
    ]
    return rows


def _breadth_reductions():
    rows = [
        _c(_call("cumprod", shapes=(VECTOR, MATRIX), domain=nonzero)),
        _c(_call("cumprod", axis=0, shapes=(MATRIX,), domain=nonzero)),
        _c(_call("cumprod", axis=1, shapes=(MATRIX,), domain=nonzero)),
        _c(Op("x.cumprod()", lambda x: x.cumprod(), (MATRIX,), nonzero)),
        _c(_call("average", shapes=(VECTOR, MATRIX))),
        _call("average", axis=1, shapes=(MATRIX,)),
        _c(
            Op(
                "average(x, weights=w)",
                lambda x, w: pnp.average(x, weights=w),
                (((2, 3), (2, 3)),),
                each(_real, _positive),
                lambda x, w: np.average(x, weights=w),
            )
        ),
        Op(
            "average(x, axis=1, weights=w, returned=True)",
            lambda x, w: pnp.average(x, axis=1, weights=w, returned=True),
            (((2, 3), (3,)),),
            each(_real, _positive),
            lambda x, w: np.average(x, axis=1, weights=w, returned=True),
        ),
        _c(_call("nansum", shapes=(VECTOR, MATRIX))),
        _call("nansum", axis=0, keepdims=True, shapes=(MATRIX,)),
        _c(_call("nanmean", shapes=(VECTOR, MATRIX))),
        _call("nanmean", axis=1, shapes=(MATRIX,)),
        _c(_call("ptp", shapes=(VECTOR, MATRIX), domain=distinct)),
        _call("ptp", axis=0, shapes=(MATRIX,), domain=distinct),
        _c(_call("var", axis=1, ddof=1, shapes=(MATRIX,), domain=distinct)),
        _c(_call("std", axis=0, ddof=1, keepdims=True, shapes=(MATRIX,), domain=distinct)),
        _call("std", axis=0, shapes=(((1, 3),),)),
    ]
    return rows


def _breadth_shapes():
    rows = [
        _c(_call("roll", 1, shapes=(VECTOR, MATRIX))),
        _call("roll", (1, -1), axis=(0, 1), shapes=(MATRIX,)),
        _c(_call("repeat", 2, shapes=(SCALAR, MATRIX))),
        _call("repeat", [1, 0, 2], axis=1, shapes=(MATRIX,)),
        Op("x.repeat(2, axis=0)", lambda x: x.repeat(2, axis=0), (MATRIX,)),
        _c(_call("tile", 2, shapes=(VECTOR,))),
        _call("tile", (2, 1, 2), shapes=(MATRIX,)),
        _c(_call("pad", (1, 2), shapes=(VECTOR, MATRIX))),
        _call("pad", ((1, 0), (0, 2)), constant_values=((1.5, -2.0), (3.0, 4.0)), shapes=(MATRIX,)),
        *(_c(_call("pad", 2, mode=m, shapes=(VECTOR, MATRIX))) for m in ("edge", "reflect")),
        *(_call("pad", ((1, 1), (2, 0)), mode=m, shapes=(MATRIX,)) for m in ("symmetric", "wrap")),
        Op(
            "pad(x, 1, constant_values=c)",
            lambda x, c: pnp.pad(x, 1, constant_values=c),
            (((3,), ()), ((2, 3), ())),
            real,
            lambda x, c: np.pad(x, 1, constant_values=c),
        ),
        _c(_call("fliplr", shapes=(MATRIX, CUBE))),
        _c(_call("flipud", shapes=(VECTOR, MATRIX))),
        *(_call("rot90", k, shapes=(MATRIX,)) for k in (1, 2, 3, -1)),
        _c(_call("rot90", 1, (2, 1), shapes=(CUBE,))),
        *(_call("rollaxis", a, s, shapes=(CUBE,)) for a, s in ((2, 0), (0, 3), (1, -1))),
        _c(_call("take_along_axis", np.array([[1, 0, 0], [2, 2, 1]]), 1, shapes=(MATRIX,))),
        _call("take_along_axis", np.array([4, 0, 5]), None, shapes=(MATRIX,)),
        *(_call("sort", axis=a, shapes=(MATRIX,), domain=distinct) for a in (-1, 0, None)),
        _c(_call("sort", shapes=(VECTOR,), domain=distinct)),
        _c(_call("partition", 1, shapes=(((5,),), MATRIX), domain=distinct)),
        _call("partition", (0, 2), axis=0, shapes=(((3, 2),),), domain=distinct),
        _c(
            Op(
                "select([x < 0, x > 1], [-x, y], default=z)",
                lambda x, y, z: pnp.select([x < 0, x > 1], [-x, y], default=z),
                (((2, 3), (2, 3), ()), ((3,), (), (3,))),
                distinct,
                lambda x, y, z: np.select([x < 0, x > 1], [-x, y], default=z),
            )
        ),
        Op(
            "compress([True, False, True], x, axis=1)",
            lambda x: pnp.compress([True, False, True], x, axis=1),
            (MATRIX,),
            real,
            lambda x: np.compress([True, False, True], x, axis=1),
        ),
        _c(Op("x.compress([False, True])", lambda x: x.compress([False, True]), (MATRIX,))),
    ]
    return rows


def _breadth_diagonals():
    rows = [
        *(_c(_call("diagonal", k, shapes=(MATRIX, SQUARE))) for k in (0, 1, -1)),
        _call("diagonal", 0, 1, 2, shapes=(CUBE,)),
        _call("diagonal", 1, -1, 0, shapes=(CUBE,)),
        Op("x.diagonal()", lambda x: x.diagonal(), (MATRIX,)),
        *(_call("diag", k, shapes=(VECTOR, MATRIX, SQUARE)) for k in (1, -2)),
        _c(_call("diag", 0, shapes=(VECTOR, MATRIX, SQUARE))),
        _c(_call("diagflat", shapes=(VECTOR, MATRIX))),
        _call("diagflat", -1, shapes=(VECTOR,)),
        *(_c(_call("trace", k, shapes=(MATRIX, SQUARE))) for k in (0, 1)),
        _call("trace", 0, 1, 2, shapes=(CUBE,)),
        Op("x.trace()", lambda x: x.trace(), (MATRIX,)),
        *(
            _c(_call(n, k, shapes=(MATRIX, SQUARE, CUBE)))
            for n in ("tril", "triu")
            for k in (0, -1, 2)
        ),
        _call("tril", shapes=(VECTOR,)),
        Op(
            "make_diagonal(d, axis1=-1, axis2=-2)",
            lambda d: pnp.make_diagonal(d, axis1=-1, axis2=-2),
            (VECTOR, MATRIX),
        ),
        _c(Op("make_diagonal(d, 1, 0, 2)", lambda d: pnp.make_diagonal(d, 1, 0, 2), (MATRIX,))),
    ]
    return rows


def _sequence_of(name, shapes, **kwargs):
    """A row of ``pnp.name((x, y, ...), **kwargs)``: a function of a sequence of arrays."""
    return Op(
        f"{name}(xs{''.join(f', {k}={v!r}' for k, v in kwargs.items())})",
        lambda *xs: getattr(pnp, name)(xs, **kwargs),
        (shapes,),
        real,
        lambda *xs: getattr(np, name)(xs, **kwargs),
    )


def _breadth_stacking():
    rows = [
        _c(_sequence_of("vstack", ((2,), (2,)))),
        _sequence_of("vstack", ((2, 3), (1, 3), (3,))),
        Op(
            "row_stack(xs)",
            lambda *xs: pnp.row_stack(xs),
            (((2,), (1, 2)),),
            real,
            lambda *xs: np.vstack(xs),
        ),
        _c(_sequence_of("hstack", ((2,), (3,)))),
        _sequence_of("hstack", ((2, 3), (2, 1))),
        _sequence_of("dstack", ((2,), (2,))),
        _c(_sequence_of("dstack", ((2, 3), (2, 3, 2)))),
        _c(_sequence_of("column_stack", ((2,), (2, 3), (2,)))),
        _sequence_of("column_stack", ((), ())),
        *(_call(n, shapes=(SCALAR, VECTOR, MATRIX, CUBE)) for n in ("atleast_1d", "atleast_2d")),
        _c(_call("atleast_3d", shapes=(SCALAR, VECTOR, MATRIX, CUBE))),
        _c(
            Op(
                "atleast_2d(x, y)",
                pnp.atleast_2d,
                (((), (3,)), ((2,), (2, 3))),
                real,
                np.atleast_2d,
            )
        ),
        _c(Op("append", pnp.append, (((3,), ()), ((2, 3), (2,))), real, np.append)),
        _call("append", axis=0, shapes=(((2, 3), (1, 3)),)),
        Op(
            "r_[x, y, 1:3]",
            lambda x, y: pnp.r_[x, y, 1:3],
            (((2,), ()), ((3,), (2,))),
            real,
            lambda x, y: np.r_[x, y, 1:3],
        ),
        _c(
            Op(
                "c_[x, y]",
                lambda x, y: pnp.c_[x, y],
                (((2,), (2,)), ((2, 3), (2,)), ((), ())),
                real,
                lambda x, y: np.c_[x, y],
            )
        ),
        _call("array_split", 3, shapes=(((5,),), ((7, 2),))),
        _c(_call("array_split", [1, 3], axis=1, shapes=(((2, 5),),))),
        _call("hsplit", 2, shapes=(((4,),), ((2, 4),))),
        _call("vsplit", [1], shapes=(((3, 2),),)),
        _c(_call("dsplit", 2, shapes=(((1, 2, 4),),))),
    ]
    return rows


def _breadth_sequences():
    rows = [
        _c(_call("diff", shapes=(VECTOR, MATRIX))),
        _call("diff", 2, 0, shapes=(((4, 2),),)),
        _call("diff", prepend=0.5, append=np.array([1.0, 2.0]), shapes=(VECTOR,)),
        Op(
            "diff(x, prepend=y)",
            lambda x, y: pnp.diff(x, prepend=y),
            (((3,), ()), ((2, 3), (2, 1))),
            real,
            lambda x, y: np.diff(x, prepend=y),
        ),
        _c(_call("gradient", shapes=(VECTOR, MATRIX))),
        _call("gradient", 0.5, edge_order=2, shapes=(((4,),), ((3, 4),))),
        _call("gradient", np.array([0.0, 0.5, 1.5, 1.75]), shapes=(((4,),),)),
        _call(
            "gradient", np.array([0.0, 0.5, 1.5, 1.75]), axis=1, edge_order=2, shapes=(((2, 4),),)
        ),
        _call("gradient", axis=0, shapes=(MATRIX,)),
        _c(
            Op(
                "linspace(a, b, 5)",
                lambda a, b: pnp.linspace(a, b, 5),
                (((), ()), ((2,), ()), ((2,), (2,))),
                real,
                lambda a, b: np.linspace(a, b, 5),
            )
        ),
        Op(
            "linspace(a, b, 4, endpoint=False, axis=-1)",
            lambda a, b: pnp.linspace(a, b, 4, endpoint=False, axis=-1),
            (((), ()), ((2,), (2,))),
            real,
            lambda a, b: np.linspace(a, b, 4, endpoint=False, axis=-1),
        ),
        Op(
            "linspace(a, b, 1)",
            lambda a, b: pnp.linspace(a, b, 1),
            (((), ()),),
            real,
            lambda a, b: np.linspace(a, b, 1),
        ),
        Op(
            "linspace(a, 2.0, 3, retstep=True)",
            lambda a: pnp.linspace(a, 2.0, 3, retstep=True),
            (SCALAR,),
            real,
            lambda a: np.linspace(a, 2.0, 3, retstep=True),
        ),
    ]
    return rows


def _breadth_products():
    rows = [
        _c(
            Op(
                "kron",
                pnp.kron,
                (((2,), (3,)), ((2, 2), (3, 2)), ((2, 2), (3,)), ((), (2,))),
                real,
                np.kron,
            )
        ),
        _c(
            Op("cross", pnp.cross, (((3,), (3,)), ((2, 3), (3,)), ((4, 3), (4, 3))), real, np.cross)
        ),
        Op(
            "cross(axisa=0, axisb=0)",
            lambda a, b: pnp.cross(a, b, axisa=0, axisb=0),
            (((3, 2), (3, 2)),),
            real,
            lambda a, b: np.cross(a, b, axisa=0, axisb=0),
        ),
        Op(
            "cross(axis=0)",
            lambda a, b: pnp.cross(a, b, axis=0),
            (((3, 2), (3, 1)),),
            real,
            lambda a, b: np.cross(a, b, axis=0),
        ),
    ]
    ellipses = {
        "...ij,...jk->...ik": ((2, 3), (4, 3, 2)),
        "...ij,...jk": ((1, 2, 3), (4, 3, 2)),
        "i...,i...->...": ((2, 3), (2, 3)),
        "...,...->...": ((2, 3), (3,)),
        "ij...,j->i...": ((2, 3, 2), (3,)),
        "i,i": ((1,), (3,)),
        "...i,...i": ((2, 1, 3), (4, 3)),
    }
    for spec, shapes in ellipses.items():
        rows.append(
            Op(
                f"einsum({spec})",
                lambda *xs, s=spec: pnp.einsum(s, *xs),
                (shapes,),
                real,
                lambda *xs, s=spec: np.einsum(s, *xs),
                complex=True,
            )
        )
    sublists = {
        "einsum(x, [0, 1], [1, 0])": (
            lambda x: pnp.einsum(x, [0, 1], [1, 0]),
            lambda x: np.einsum(x, [0, 1], [1, 0]),
            ((2, 3),),
        ),
        "einsum(x, [0, 1], y, [1, 2], [0, 2])": (
            lambda x, y: pnp.einsum(x, [0, 1], y, [1, 2], [0, 2]),
            lambda x, y: np.einsum(x, [0, 1], y, [1, 2], [0, 2]),
            ((2, 3), (3, 4)),
        ),
        "einsum(x, [..., 0, 1], y, [..., 1, 2])": (
            lambda x, y: pnp.einsum(x, [..., 0, 1], y, [..., 1, 2]),
            lambda x, y: np.einsum(x, [..., 0, 1], y, [..., 1, 2]),
            ((2, 2, 3), (3, 4)),
        ),
    }
    for name, (fun, ref, shapes) in sublists.items():
        rows.append(Op(name, fun, (shapes,), real, ref, complex=True))
    return rows


def _breadth_predicates():
    unary = ("isfinite", "isnan", "isinf", "iscomplex", "isreal")
    binary = ("equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "isclose")
    logical = ("logical_and", "logical_or", "logical_xor")
    return [
        *(_c(_unary(n)) for n in unary),
        *(_c(_unary(n)) for n in ("isscalar", "iscomplexobj", "isrealobj", "flatnonzero")),
        *(_unary(n) for n in ("isposinf", "isneginf", "logical_not", "all", "any")),
        _unary("count_nonzero"),
        _call("nonzero", shapes=(VECTOR, MATRIX)),
        _call("argwhere", shapes=(VECTOR, MATRIX)),
        *(_binary(n) for n in binary),
        *(
            Op(
                n,
                lambda x, y, n=n: getattr(pnp, n)(x > 0, y > 0),
                BINARY,
                real,
                lambda x, y, n=n: getattr(np, n)(x > 0, y > 0),
            )
            for n in logical
        ),
        *(
            Op(n, getattr(pnp, n), (((3,), (3,)), ((2, 3), (3,))), real, getattr(np, n))
            for n in ("allclose", "array_equal", "array_equiv")
        ),
        _call("searchsorted", 0.3, shapes=(VECTOR,)),
        _call("argpartition", 1, shapes=(VECTOR, MATRIX), domain=distinct),
        _call("all", axis=0, shapes=(MATRIX,)),
    ]


def test_the_table_covers_autograds_breadth():
    # Every function added for issue 12 (D2a) has a row; result_type and empty_like, whose
    # results are no arrays of numbers, are in test_numpy_breadth.py.
    names = set(re.findall(r"[a-z_0-9]+", " ".join(op.name for op in OPS)))
    added = {
        *("arccos", "arccosh", "arcsin", "arcsinh", "arctanh", "around", "deg2rad", "degrees"),
        *("exp2", "fabs", "fix", "floor_divide", "fmax", "fmin", "fmod", "hypot", "log2"),
        *("log10", "logaddexp", "logaddexp2", "mod", "nan_to_num", "rad2deg", "radians"),
        *("reciprocal", "remainder", "rint", "sinc", "trunc", "real", "imag", "conj"),
        *("conjugate", "angle", "real_if_close", "clip", "cumprod", "average", "nansum"),
        *("nanmean", "ptp", "var", "std", "roll", "repeat", "tile", "pad", "fliplr", "flipud"),
        *("rot90", "rollaxis", "take_along_axis", "sort", "partition", "select", "compress"),
        *("diagonal", "diag", "diagflat", "trace", "tril", "triu", "make_diagonal", "vstack"),
        *("row_stack", "hstack", "dstack", "column_stack", "atleast_1d", "atleast_2d"),
        *("atleast_3d", "append", "r_", "c_", "array_split", "hsplit", "vsplit", "dsplit"),
        *("diff", "gradient", "linspace", "kron", "cross", "einsum", "isfinite", "isnan"),
        *("isinf", "isposinf", "isneginf", "iscomplex", "isreal", "isscalar", "iscomplexobj"),
        *("isrealobj", "flatnonzero", "logical_not", "all", "any", "count_nonzero"),
        *("nonzero", "argwhere", "equal", "not_equal", "greater", "greater_equal", "less"),
        *("less_equal", "isclose", "logical_and", "logical_or", "logical_xor", "allclose"),
        *("array_equal", "array_equiv", "searchsorted", "argpartition"),
    }
    missing = sorted(n for n in added if n not in names)
    assert not missing, missing


def _breadth():
    return [
        *_breadth_predicates(),
        *_breadth_elementwise(),
        *_breadth_reductions(),
        *_breadth_shapes(),
        *_breadth_diagonals(),
        *_breadth_stacking(),
        *_breadth_sequences(),
        *_breadth_products(),
    ]


PRODUCTS = (
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 2)),
    ((2, 3), (3, 4)),
)

OPS = [
    *(_binary(n) for n in ("add", "subtract", "multiply")),
    _binary("divide", each(_real, _nonzero)),
    _binary("true_divide", each(_real, _nonzero)),
    _binary("power", each(_positive, _real)),
    _binary("maximum", distinct),
    _binary("minimum", distinct),
    _binary("arctan2", nonzero),
    Op("x + y", operator.add, BINARY),
    Op("x - y", operator.sub, BINARY),
    Op("x * y", operator.mul, BINARY),
    Op("x / y", operator.truediv, BINARY, each(_real, _nonzero)),
    Op("x ** y", operator.pow, BINARY, each(_positive, _real)),
    Op("x ** 2", lambda x: x**2, UNARY),
    Op("x ** 3", lambda x: x**3, UNARY),
    Op("x ** 0.5", lambda x: x**0.5, UNARY, positive),
    Op("x ** -1.5", lambda x: x**-1.5, UNARY, positive),
    Op("2.0 ** x", lambda x: 2.0**x, UNARY),
    Op("1.0 / x", lambda x: 1.0 / x, UNARY, nonzero),
    Op("-x", operator.neg, UNARY),
    Op("abs(x)", abs, UNARY, distinct),
    Op("x @ y", operator.matmul, PRODUCTS),
    _unary("negative"),
    _unary("exp"),
    _unary("log", positive),
    _unary("log1p", each(_uniform(-0.5, 1.5))),
    _unary("expm1"),
    _unary("sqrt", positive),
    _unary("square"),
    _unary("abs", distinct),
    _unary("absolute", distinct),
    _unary("sign", distinct),
    _unary("sin"),
    _unary("cos"),
    _unary("tan", each(_uniform(-1.0, 1.0))),
    _unary("tanh"),
    _unary("arctan"),
    _unary("sinh"),
    _unary("cosh"),
    Op("sigmoid", pnp.sigmoid, UNARY, real, _sigmoid, exact=False),
    Op("logistic", pnp.logistic, UNARY, real, _sigmoid, exact=False),
    Op("relu", pnp.relu, UNARY, distinct, lambda x: np.maximum(x, 0.0), exact=False),
    Op("softplus", pnp.softplus, UNARY, real, lambda x: np.log1p(np.exp(x)), exact=False),
    Op(
        "clip(x, -0.5, 0.5)",
        lambda x: pnp.clip(x, -0.5, 0.5),
        UNARY,
        away_from(-0.5, 0.5),
        lambda x: np.clip(x, -0.5, 0.5),
    ),
    Op(
        "clip(x, lo, hi)",
        pnp.clip,
        (((3,), (), ()), ((2, 3), (3,), (2, 1)), ((), (2,), ())),
        lambda rng, shapes: [
            rng.uniform(-1.5, 1.5, shapes[0]),
            rng.uniform(-0.6, -0.4, shapes[1]),
            rng.uniform(0.4, 0.6, shapes[2]),
        ],
        np.clip,
    ),
    *_reductions(),
    Op(
        "dot",
        pnp.dot,
        (*PRODUCTS, ((), (3,)), ((2, 3, 4), (4, 2)), ((2, 3, 4), (4,)), ((2, 3), (2, 3, 4))),
        real,
        np.dot,
    ),
    Op(
        "matmul",
        pnp.matmul,
        (
            *PRODUCTS,
            ((2, 2, 3), (3, 4)),
            ((2, 3), (2, 3, 4)),
            ((1, 2, 3), (2, 3, 2)),
            ((2, 2, 3), (3,)),
            ((3,), (2, 3, 2)),
        ),
        real,
        np.matmul,
    ),
    *_einsums(),
    *_tensordots(),
    Op("outer", pnp.outer, (((3,), (4,)), ((2, 2), (3,)), ((), (2,))), real, np.outer),
    Op(
        "inner",
        pnp.inner,
        (((3,), (3,)), ((2, 3), (3,)), ((2, 3), (4, 3)), ((2, 3), (2, 3)), ((), (3,))),
        real,
        np.inner,
    ),
    Op(
        "linalg.inv",
        pnp.linalg.inv,
        ((((3, 3),)), (((2, 3, 3),)), (((1, 1),))),
        matrices,
        np.linalg.inv,
    ),
    Op(
        "linalg.solve",
        pnp.linalg.solve,
        (
            ((3, 3), (3,)),
            ((3, 3), (3, 2)),
            ((2, 3, 3), (2, 3, 2)),
            ((2, 3, 3), (3,)),
            ((3, 3), (2, 3, 1)),
        ),
        matrices,
        np.linalg.solve,
    ),
    Op(
        "linalg.det",
        pnp.linalg.det,
        ((((3, 3),)), (((2, 2, 2),)), (((1, 1),))),
        matrices,
        np.linalg.det,
    ),
    Op(
        "linalg.slogdet",
        pnp.linalg.slogdet,
        ((((3, 3),)), (((2, 2, 2),))),
        matrices,
        np.linalg.slogdet,
    ),
    Op(
        "linalg.slogdet of a negative determinant",
        lambda a: pnp.linalg.slogdet(-a),
        ((((3, 3),)),),
        matrices,
    ),
    *_shape_ops(),
    *_indexing(),
    *_breadth(),
]

# ---- Linear algebra and the FFT ---------------------------------------------------------

OPS += numpy_ops_linalg_fft.rows(Op)

DTYPES = (np.float64, np.float32)
COMPLEX_DTYPES = (np.complex128, np.complex64)
CASES = [
    pytest.param(op, shapes, dtype, id=f"{op.name}-{shapes}-{np.dtype(dtype).name}")
    for op in OPS
    for shapes in op.shapes
    for dtype in DTYPES
] + [
    # Python floats where every argument is a scalar.
    pytest.param(op, shapes, float, id=f"{op.name}-{shapes}-float")
    for op in OPS
    for shapes in op.shapes
    if all(s == () for s in shapes)
]
# Complex inputs, for the rows of functions defined on them (Python complex numbers too).
CASES += [
    pytest.param(op, shapes, dtype, id=f"{op.name}-{shapes}-{np.dtype(dtype).name}")
    for op in OPS
    if op.complex or _complex_too(op)
    for shapes in op.shapes
    for dtype in COMPLEX_DTYPES
] + [
    pytest.param(op, shapes, complex, id=f"{op.name}-{shapes}-complex")
    for op in OPS
    if op.complex or _complex_too(op)
    for shapes in op.shapes
    if all(s == () for s in shapes)
]
SINGLE = (np.float32, np.complex64)


def _inputs(op, shapes, dtype, seed=0):
    values = op.domain(np.random.default_rng(seed), shapes)
    if dtype is complex or np.dtype(dtype).kind == "c":
        # The domain's values as real parts; imaginary parts of either sign beside them.
        rng = np.random.default_rng(seed + 1)
        values = [v + 0.5j * rng.standard_normal(np.shape(v)) for v in values]
    if dtype is float or dtype is complex:
        return tuple(dtype(v) for v in values)
    return tuple(
        np.dtype(dtype).type(v) if np.shape(v) == () else np.asarray(v, dtype=dtype) for v in values
    )


@pytest.mark.parametrize(("op", "shapes", "dtype"), CASES)
def test_gradients_match_finite_differences(op, shapes, dtype):
    check_grads(op.fun, _inputs(op, shapes, dtype), order=2, modes=("fwd", "rev"))


def _assert_same(out, ref, exact):
    if isinstance(ref, (list, tuple)):
        assert type(out) is type(ref)
        assert len(out) == len(ref)
        for o, r in zip(out, ref, strict=True):
            _assert_same(o, r, exact)
        return
    assert type(out) is type(ref), (type(out), type(ref))
    assert np.result_type(out) == np.result_type(ref)
    assert np.shape(out) == np.shape(ref)
    if exact:
        np.testing.assert_array_equal(out, ref)
    else:
        tol = 1e-5 if np.result_type(ref) in SINGLE else 1e-12
        np.testing.assert_allclose(out, ref, rtol=tol, atol=tol)


PLAIN_CASES = [c for c in CASES if c.values[0].ref is not None]


@pytest.mark.parametrize(("op", "shapes", "dtype"), PLAIN_CASES)
def test_plain_inputs_give_what_numpy_gives(op, shapes, dtype):
    args = _inputs(op, shapes, dtype)
    _assert_same(op.fun(*args), op.ref(*args), op.exact)


@pytest.mark.parametrize(("op", "shapes", "dtype"), CASES)
def test_traced_values_equal_plain_values_and_keep_dtype(op, shapes, dtype):
    args = _inputs(op, shapes, dtype)
    plain = op.fun(*args)
    tangents = tuple(np.ones_like(a) for a in args)
    value, tangent = paralens.jvp(op.fun, args, tangents)
    for v, t, p in zip(
        paralens.tree.tree_leaves(value),
        paralens.tree.tree_leaves(tangent),
        paralens.tree.tree_leaves(plain),
        strict=True,
    ):
        assert np.result_type(v) == np.result_type(p)
        assert np.shape(v) == np.shape(p) and np.shape(t) == np.shape(p)
        tol = 1e-5 if np.result_type(p) in SINGLE else 1e-12
        np.testing.assert_allclose(v, p, rtol=tol, atol=tol)
        if np.result_type(p).kind in "fc":
            assert np.result_type(t) == np.result_type(p), (np.result_type(t), np.result_type(p))


@pytest.mark.parametrize("dtype", DTYPES)
def test_gradients_keep_argument_types(dtype):
    x = np.linspace(0.5, 1.5, 6, dtype=dtype).reshape(2, 3)
    s = np.dtype(dtype).type(0.7)
    gx, gs = paralens.grad(lambda x, s: pnp.sum(pnp.exp(x) * s), argnums=(0, 1))(x, s)
    assert type(gx) is np.ndarray and gx.dtype == dtype and gx.shape == x.shape
    assert type(gs) is np.dtype(dtype).type


def test_python_floats_stay_floats():
    for name in ("exp", "sin", "tanh", "sigmoid", "softplus", "log", "sqrt"):
        g = paralens.grad(getattr(pnp, name))(0.8)
        assert type(g) is float, name


def test_repeated_fancy_indices_accumulate_in_the_gradient():
    x = np.array([1.0, 2.0, 3.0])
    g = paralens.grad(lambda x: pnp.sum(x[[0, 0, 2, 0]] * np.array([1.0, 2.0, 3.0, 4.0])))(x)
    np.testing.assert_array_equal(g, [7.0, 0.0, 3.0])
    g = paralens.grad(lambda x: pnp.sum(pnp.take(x, [1, 1])))(x)
    np.testing.assert_array_equal(g, [0.0, 2.0, 0.0])


def test_ties_share_the_gradient():
    x = np.array([1.0, 3.0, 3.0])
    np.testing.assert_array_equal(paralens.grad(pnp.max)(x), [0.0, 0.5, 0.5])
    assert paralens.grad(lambda x: pnp.maximum(x, x))(2.0) == 1.0


def test_nondifferentiable_helpers_pass_through():
    assert pnp.zeros is np.zeros and pnp.ones is np.ones and pnp.arange is np.arange
    assert pnp.eye is np.eye
    x = np.array([[1.0, 5.0, 2.0], [0.0, 1.0, 9.0]])
    for name in ("zeros_like", "ones_like", "shape", "ndim", "argmax"):
        out, ref = getattr(pnp, name)(x), getattr(np, name)(x)
        assert type(out) is type(ref)
        np.testing.assert_array_equal(out, ref)

    def f(x):
        assert pnp.shape(x) == (2, 3) and pnp.ndim(x) == 2
        z = pnp.zeros_like(x)
        assert type(z) is np.ndarray and not z.any()
        assert type(pnp.ones_like(x)) is np.ndarray
        i = pnp.argmax(x)
        assert type(i) is np.intp
        return pnp.ravel(x)[i] * pnp.sum(x + z)

    g = paralens.grad(f)(x)
    expected = np.full((2, 3), 9.0)
    expected[1, 2] += pnp.sum(x)
    np.testing.assert_allclose(g, expected)
    _, tangent = paralens.jvp(lambda x: pnp.argmax(x) * 1.0 + pnp.sum(x), (x,), (np.ones_like(x),))
    assert tangent == 6.0


def test_the_table_covers_the_issue():
    names = set(re.findall(r"[a-z_0-9]+", " ".join(op.name for op in OPS)))
    required = {
        "add", "subtract", "multiply", "divide", "negative", "power", "true_divide",
        "exp", "log", "log1p", "expm1", "sqrt", "square", "abs", "sign", "sin", "cos",
        "tan", "tanh", "arctan", "sinh", "cosh", "sigmoid", "logistic", "relu", "softplus",
        "maximum", "minimum", "clip", "sum", "mean", "prod", "max", "min", "var", "std",
        "logsumexp", "softmax", "log_softmax", "cumsum", "dot", "matmul", "einsum",
        "tensordot", "outer", "transpose", "swapaxes", "moveaxis", "solve", "inv", "det",
        "slogdet", "reshape", "ravel", "expand_dims", "squeeze", "broadcast_to",
        "concatenate", "stack", "split", "where", "take",
    }  # fmt: skip
    missing = [n for n in required if n not in names]
    assert not missing


MULTI_ARG_CASES = [c for c in CASES if len(c.values[1]) > 1 and c.values[2] == np.float64]


@pytest.mark.parametrize(("op", "shapes", "dtype"), MULTI_ARG_CASES)
def test_gradients_with_some_arguments_constant(op, shapes, dtype):
    args = _inputs(op, shapes, dtype)
    for i in range(len(args)):

        def only_i(a, i=i):
            return op.fun(*args[:i], a, *args[i + 1 :])

        check_grads(only_i, (args[i],), order=2)


FLOAT32_CASES = [c for c in CASES if c.values[2] in SINGLE]


@pytest.mark.parametrize(("op", "shapes", "dtype"), FLOAT32_CASES)
def test_reverse_rules_keep_float32(op, shapes, dtype):
    # The tangent of a pullback is computed by the VJP rules themselves, before the
    # gradient is converted to its argument's dtype: float64 there is a promotion.
    args = _inputs(op, shapes, dtype)
    u = paralens.testing.random_like(op.fun(*args), np.random.default_rng(0))

    def pullback(*xs):
        return paralens.vjp(op.fun, *xs)[1](u)

    tangents = tuple(np.ones_like(a) for a in args)
    _, tangent = paralens.jvp(pullback, args, tangents)
    for t in paralens.tree.tree_leaves(tangent):
        assert np.result_type(t) == dtype


@pytest.mark.parametrize(
    ("op", "shapes", "dtype"), [c for c in CASES if c.values[2] in (float, complex)]
)
def test_python_float_arguments_get_python_float_gradients(op, shapes, dtype):
    args = _inputs(op, shapes, dtype)
    ans, pullback = paralens.vjp(op.fun, *args)
    cotangents = pullback(paralens.testing.random_like(ans, np.random.default_rng(0)))
    assert [type(c) for c in cotangents] == [dtype] * len(args)


def test_derivatives_at_the_edges_of_domains():
    # x ** 2 at 0, and d/dy 0 ** y, are 0, not nan (log 0 is masked).
    assert paralens.grad(lambda x: x**2)(0.0) == 0.0
    assert paralens.grad(lambda x: pnp.power(x, 2.0))(np.float64(0.0)) == 0.0
    assert paralens.grad(lambda y: pnp.power(0.0, y))(2.0) == 0.0
    assert paralens.grad(lambda x: x**0.0)(0.0) == 0.0
    # Kinks take the derivative 0 (a subgradient), never nan.
    assert paralens.grad(pnp.relu)(0.0) == 0.0
    assert paralens.grad(pnp.abs)(0.0) == 0.0
    # Large logits: no overflow in the value or the gradient.
    logits = np.array([1000.0, 0.0, -1000.0])
    g = paralens.grad(lambda x: pnp.log_softmax(x)[1])(logits)
    np.testing.assert_allclose(g, [-1.0, 1.0, 0.0])
    g = paralens.grad(lambda x: pnp.logsumexp(x))(logits)
    np.testing.assert_allclose(g, [1.0, 0.0, 0.0])
    np.testing.assert_allclose(
        paralens.grad(lambda x: pnp.sum(pnp.sigmoid(x)))(np.array([800.0, -800.0])), [0.0, 0.0]
    )
    np.testing.assert_allclose(
        paralens.grad(lambda x: pnp.sum(pnp.softplus(x)))(np.array([800.0, -800.0])), [1.0, 0.0]
    )


def test_prod_gradient_with_zeros():
    x = np.array([2.0, 0.0, 3.0])
    np.testing.assert_array_equal(paralens.grad(pnp.prod)(x), [0.0, 6.0, 0.0])
    np.testing.assert_array_equal(paralens.grad(pnp.prod)(np.array([0.0, 2.0, 0.0])), np.zeros(3))
    m = np.array([[2.0, 0.0, 3.0], [1.0, 4.0, 5.0], [0.0, 0.0, 7.0]])
    g = paralens.grad(lambda m: pnp.sum(pnp.prod(m, axis=1) * np.array([1.0, 2.0, 3.0])))(m)
    np.testing.assert_array_equal(g, [[0.0, 6.0, 0.0], [40.0, 10.0, 8.0], [0.0, 0.0, 0.0]])
    for axis in (None, 0, 1):
        check_grads(lambda m, axis=axis: pnp.prod(m, axis=axis), (m,), order=2)


FAST_CASES = [
    # (rule, its general form, argument shapes, keyword arguments)
    ("sum_vjp", "sum_vjp_general", [(3,), (3, 4)], {"axis": 1}),
    ("sum_vjp", "sum_vjp_general", [(1, 4), (3, 4)], {"axis": 0, "keepdims": True}),
    ("sum_vjp", "sum_vjp_general", [(), (70, 70)], {}),  # large: a broadcast view
    ("sum_vjp", "sum_vjp_general", [(2,), (2, 3, 4)], {"axis": (1, 2)}),
    ("log_softmax_vjp", "log_softmax_vjp_general", [(3, 4), (3, 4)], {"axis": -1}),
    ("log_softmax_vjp", "log_softmax_vjp_general", [(3, 4), (3, 4)], {"axis": 0}),
    ("matmul_vjp_x", "matmul_vjp_x_general", [(5, 2), (5, 3), (3, 2)], {}),
    ("matmul_vjp_y", "matmul_vjp_y_general", [(5, 2), (5, 3), (3, 2)], {}),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("fast", "general", "shapes", "kwargs"), FAST_CASES)
def test_the_fast_and_the_general_form_of_a_rule_agree(fast, general, shapes, kwargs, dtype):
    from paralens.numpy import _fast

    rng = np.random.default_rng(0)
    g, *args = (np.asarray(rng.standard_normal(s), dtype=dtype) for s in shapes)
    # Of these rules only log_softmax's reads the answer.
    ans = pnp.log_softmax(args[0], **kwargs) if fast.startswith("log_softmax") else None
    out = getattr(_fast, fast)(g, ans, *args, **kwargs)
    expected = getattr(_fast, general)(g, ans, *args, **kwargs)
    assert np.result_type(out) == np.result_type(expected)
    np.testing.assert_allclose(out, expected, rtol=1e-6 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize(
    ("g_shape", "target_shape"),
    [((3, 4), (4,)), ((3, 4), (3, 1)), ((2, 3, 4), (1, 4)), ((3,), (3,)), ((3, 1), (1, 1))],
)
def test_unbroadcast_agrees_with_its_general_form(g_shape, target_shape):
    from paralens.numpy import _fast

    g = np.random.default_rng(1).standard_normal(g_shape)
    target = np.zeros(target_shape)
    out = _fast.unbroadcast(g, target)
    assert out.shape == target_shape
    np.testing.assert_allclose(out, _fast.unbroadcast_general(g, target), rtol=1e-12)
