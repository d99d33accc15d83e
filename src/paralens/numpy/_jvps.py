"""The forward rules of ``paralens.numpy``, one family to a section (the elementwise
functions added for autograd's breadth are in ``_jvps_elementwise.py``).

Each rule has the one form ``rule(t, ans, *args, **kwargs) -> tangent of ans``, given the
tangent ``t`` of one argument; a rule whose result may be smaller than the answer (an
argument that was broadcast) is wrapped by ``broadcast_to_answer``. The derivatives the
two modes share come from ``_vjps.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from paralens._core import defjvp, defjvp_argnum, plain_value
from paralens.numpy._backend import any_entry
from paralens.numpy._complex import conj, is_complex, real
from paralens.numpy._composites import moveaxis
from paralens.numpy._creation import pack as array_pack
from paralens.numpy._creation import zeros_like
from paralens.numpy._elementwise import (
    abs,
    add,
    arctan2,
    clip_between,
    divide,
    exp,
    maximum,
    minimum,
    multiply,
    negative,
    power,
    subtract,
)
from paralens.numpy._indexing import getitem, index_add, where, where_selected
from paralens.numpy._linalg import (
    column,
    det,
    einsum_operands,
    inv,
    logabsdet,
    matmul,
    solve,
    trace_last,
    uncolumn,
)
from paralens.numpy._parts import real_part
from paralens.numpy._reductions import cumprod, cumsum, log_softmax, mean, sum
from paralens.numpy._shape import (
    astype_dtype,
    broadcast_like,
    broadcast_to,
    concatenate_arrays,
    expand_dims,
    flip,
    reshape,
    shape,
    squeeze,
    transpose,
)
from paralens.numpy._vjps import (
    UNARY,
    abs_derivative,
    indicator,
    inside,
    log_base,
    power_dx,
    select_x,
)
from paralens.numpy._vjps_reductions import WEIGHTED, cumprod_others, scanned_last


def broadcast_to_answer(rule: Callable[..., Any]) -> Callable[..., Any]:
    """``rule`` with its tangent broadcast to the answer's shape (the twin of unbroadcast)."""

    def broadcast_rule(t: Any, ans: Any, *args: Any, **kwargs: Any) -> Any:
        return broadcast_like(rule(t, ans, *args, **kwargs), ans)

    return broadcast_rule


# ---- Elementwise, binary ----------------------------------------------------------------

defjvp(
    add,
    broadcast_to_answer(lambda t, ans, x, y: t),
    broadcast_to_answer(lambda t, ans, x, y: t),
)
defjvp(
    subtract,
    broadcast_to_answer(lambda t, ans, x, y: t),
    broadcast_to_answer(lambda t, ans, x, y: -t),
)
defjvp(
    multiply,
    broadcast_to_answer(lambda t, ans, x, y: t * y),
    broadcast_to_answer(lambda t, ans, x, y: x * t),
)
defjvp(
    divide,
    broadcast_to_answer(lambda t, ans, x, y: t / y),
    broadcast_to_answer(lambda t, ans, x, y: -t * ans / y),
)
defjvp(
    power,
    broadcast_to_answer(lambda t, ans, x, y: t * power_dx(x, y)),
    broadcast_to_answer(lambda t, ans, x, y: t * ans * log_base(x)),
)
for _extremum in (maximum, minimum):
    defjvp(
        _extremum,
        broadcast_to_answer(lambda t, ans, x, y: t * select_x(x, y, ans)),
        broadcast_to_answer(lambda t, ans, x, y: t * select_x(y, x, ans)),
    )
defjvp(
    arctan2,
    broadcast_to_answer(lambda t, ans, x, y: t * y / (x**2 + y**2)),
    broadcast_to_answer(lambda t, ans, x, y: -t * x / (x**2 + y**2)),
)

# ---- Elementwise, unary -----------------------------------------------------------------


def _times(d: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    return lambda t, ans, x: t * d(ans, x)


for _fun, _derivative, _ in UNARY:
    defjvp(_fun, _times(_derivative))
defjvp(negative, lambda t, ans, x: -t)


def _abs_jvp(t: Any, ans: Any, x: Any) -> Any:
    if not is_complex(x):
        return t * abs_derivative(ans, x)
    return real(conj(x) * t) / where(ans == 0, 1.0, ans)


defjvp(abs, _abs_jvp)
defjvp(
    clip_between,
    broadcast_to_answer(lambda t, ans, x, lo, hi: t * inside(ans, x)),
    broadcast_to_answer(lambda t, ans, x, lo, hi: t * indicator(x < lo, ans)),
    broadcast_to_answer(lambda t, ans, x, lo, hi: t * indicator(x > hi, ans)),
)

# ---- Reductions -------------------------------------------------------------------------


def _weighted(weights: Callable[..., Any]) -> Callable[..., Any]:
    def rule(t: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return sum(t * weights(ans, x, axis, keepdims), axis, keepdims)

    return rule


for _reduction, _weights in WEIGHTED:
    defjvp(_reduction, _weighted(_weights))
defjvp(sum, lambda t, ans, x, axis=None, keepdims=False: sum(t, axis, keepdims))
defjvp(mean, lambda t, ans, x, axis=None, keepdims=False: mean(t, axis, keepdims))
defjvp(log_softmax, lambda t, ans, x, axis=-1: t - sum(exp(ans) * t, axis, True))
defjvp(cumsum, lambda t, ans, x, axis=None: cumsum(t, axis))


def _cumprod_jvp(t: Any, ans: Any, x: Any, axis: Any = None) -> Any:
    if not any_entry(plain_value(x) == 0):
        return ans * cumsum(t / x, axis)
    others = cumprod_others(scanned_last(x, axis))
    out = sum(others * expand_dims(scanned_last(t, axis), -1), -2)
    return out if axis is None else moveaxis(out, -1, axis)


defjvp(cumprod, _cumprod_jvp)

# ---- Shapes -----------------------------------------------------------------------------


def _reshape_like_answer(t: Any, ans: Any, x: Any, *args: Any, **kwargs: Any) -> Any:
    return reshape(t, shape(ans))


for _reshaping in (reshape, expand_dims, squeeze):
    defjvp(_reshaping, _reshape_like_answer, None)
defjvp(broadcast_to, lambda t, ans, x, newshape: broadcast_to(t, newshape), None)
defjvp(transpose, lambda t, ans, x, axes=None: transpose(t, axes), None)
defjvp(flip, lambda t, ans, x, axis=None: flip(t, axis), None)
defjvp(astype_dtype, lambda t, ans, x, dtype: astype_dtype(t, dtype), None)


def _concatenate_jvp(
    argnum: int, t: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    parts = [t if i == argnum else zeros_like(a) for i, a in enumerate(args) if i > 0]
    return concatenate_arrays(args[0], *parts)


defjvp_argnum(concatenate_arrays, _concatenate_jvp)

# ---- Indexing ---------------------------------------------------------------------------

defjvp(getitem, lambda t, ans, x, index: getitem(t, index), None)
defjvp(index_add, None, None, lambda t, ans, shp, index, g: index_add(shp, index, t))
defjvp(
    where_selected,
    None,
    broadcast_to_answer(lambda t, ans, c, x, y: where(c, t, zeros_like(t))),
    broadcast_to_answer(lambda t, ans, c, x, y: where(c, zeros_like(t), t)),
)

# ---- Linear algebra ---------------------------------------------------------------------

defjvp(matmul, lambda t, ans, x, y: matmul(t, y), lambda t, ans, x, y: matmul(x, t))


def _einsum_jvp(
    argnum: int, t: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    if argnum == 0:
        return None
    operands = list(args[1:])
    operands[argnum - 1] = t
    return einsum_operands(args[0], *operands)


defjvp_argnum(einsum_operands, _einsum_jvp)
defjvp(inv, lambda t, ans, a: -matmul(matmul(ans, t), ans))
defjvp(
    solve,
    lambda t, ans, a, b: -uncolumn(solve(a, matmul(t, column(ans, a, b))), a, b),
    lambda t, ans, a, b: broadcast_like(uncolumn(solve(a, column(t, a, b)), a, b), ans),
)
defjvp(det, lambda t, ans, a: ans * trace_last(matmul(inv(a), t)))


def _logabsdet_jvp(t: Any, ans: Any, a: Any) -> Any:
    change = trace_last(matmul(inv(a), t))  # of log det; log |det| is its real part
    return real_part(change) if is_complex(change) else change


defjvp(logabsdet, _logabsdet_jvp)

# ---- Creation ---------------------------------------------------------------------------


def _array_jvp(argnum: int, t: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    parts = [t if i == argnum else zeros_like(a) for i, a in enumerate(args) if i > 0]
    return array_pack(args[0], *parts)


defjvp_argnum(array_pack, _array_jvp)
