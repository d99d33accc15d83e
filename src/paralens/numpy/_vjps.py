"""Every reverse rule of ``paralens.numpy``, one family to a section.

Each rule has the one form ``rule(g, ans, *args, **kwargs) -> cotangent`` and is given to
``defvjp`` with what it reads (``saves=``: argument positions and ``"ans"``), so that
the tape keeps only the shapes of the large values no rule reads. Every rule is written
with the differentiable functions themselves, so it differentiates again; broadcasting
is undone by ``unbroadcast`` alone. The rules every training step runs have a NumPy
branch for first order, in ``_fast.py``. The helpers that both modes share (the
derivatives of the elementwise functions, the weights of the reductions) are here, and
``_jvps.py`` imports them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import defvjp, defvjp_argnum, is_var, plain_value
from paralens.numpy._composites import swapaxes
from paralens.numpy._creation import zeros_like
from paralens.numpy._elementwise import (
    abs,
    add,
    arctan,
    arctan2,
    clip,
    cos,
    cosh,
    divide,
    exp,
    expm1,
    log,
    log1p,
    maximum,
    minimum,
    multiply,
    negative,
    power,
    relu,
    sigmoid,
    sign,
    sin,
    sinh,
    softplus,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
)
from paralens.numpy._fast import (
    log_softmax_vjp,
    matmul_vjp_x,
    matmul_vjp_y,
    sum_vjp,
    unbroadcast,
)
from paralens.numpy._indexing import getitem, index_add, where
from paralens.numpy._linalg import (
    LETTERS,
    column,
    det,
    einsum_operands,
    einsum_parts,
    inv,
    logabsdet,
    matmul,
    solve,
    uncolumn,
)
from paralens.numpy._reductions import (
    count,
    cumsum,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    prod,
    sum,
)
from paralens.numpy._shape import (
    astype_dtype,
    broadcast_to,
    concatenate_arrays,
    expand_dims,
    flip,
    keep_axes,
    ndim,
    reshape,
    shape,
    squeeze,
    transpose,
)


def result_type(x: Any) -> Any:
    return np.result_type(plain_value(x))


def indicator(condition: Any, like: Any) -> Any:
    """``condition`` as 0.0 and 1.0 in the floating dtype of ``like``.

    A boolean times ``1.0`` would be float64 and turn float32 gradients into float64.
    """
    if isinstance(condition, bool):
        return float(condition)
    dtype = result_type(like)
    dtype = dtype if dtype.kind in "fc" else np.float64
    if is_var(condition):  # a comparison staged by paralens.jit: a value of the program
        return astype_dtype(condition, dtype)
    return np.asarray(condition, dtype=dtype)


# ---- Elementwise, binary ----------------------------------------------------------------


def power_dx(x: Any, y: Any) -> Any:
    """d(x**y)/dx = y x**(y-1); at y = 0 it is 0, not 0 * x**-1 (which is nan at x = 0)."""
    if isinstance(y, (int, float)) and y != 0:
        return y * x ** (y - 1)
    return y * x ** where(y != 0, y - 1, 1.0)


def log_base(x: Any) -> Any:
    """log x, for d(x**y)/dy = x**y log x: at x = 0 the product is 0 where x**y is."""
    if isinstance(x, (int, float)):
        return math.log(x) if x > 0 else 0.0
    return log(where(x > 0, x, 1.0))


def select_x(x: Any, y: Any, ans: Any) -> Any:
    """Where ``x`` is the answer of ``maximum``/``minimum``; ties split the gradient evenly,
    so ``maximum(x, x)`` still has derivative 1."""
    hits = indicator(x == ans, x)
    return hits / (hits + indicator(y == ans, x))


defvjp(
    add,
    lambda g, ans, x, y: unbroadcast(g, x),
    lambda g, ans, x, y: unbroadcast(g, y),
    saves=(),
    staged=False,
)
defvjp(
    subtract,
    lambda g, ans, x, y: unbroadcast(g, x),
    lambda g, ans, x, y: unbroadcast(-g, y),
    saves=(),
    staged=False,
)
defvjp(
    multiply,
    lambda g, ans, x, y: unbroadcast(g * y, x),
    lambda g, ans, x, y: unbroadcast(g * x, y),
    saves=(0, 1),
    staged=False,
)
defvjp(
    divide,
    lambda g, ans, x, y: unbroadcast(g / y, x),
    lambda g, ans, x, y: unbroadcast(-g * ans / y, y),
    saves=(1, "ans"),
    staged=False,
)
defvjp(
    power,
    lambda g, ans, x, y: unbroadcast(g * power_dx(x, y), x),
    lambda g, ans, x, y: unbroadcast(g * ans * log_base(x), y),
    saves=(0, 1, "ans"),
    staged=False,
)
for _extremum in (maximum, minimum):
    defvjp(
        _extremum,
        lambda g, ans, x, y: unbroadcast(g * select_x(x, y, ans), x),
        lambda g, ans, x, y: unbroadcast(g * select_x(y, x, ans), y),
        saves=(0, 1, "ans"),
        staged=False,
    )
defvjp(
    arctan2,
    lambda g, ans, x, y: unbroadcast(g * y / (x**2 + y**2), x),
    lambda g, ans, x, y: unbroadcast(-g * x / (x**2 + y**2), y),
    saves=(0, 1),
    staged=False,
)

# ---- Elementwise, unary -----------------------------------------------------------------

# Each is defined by its derivative d(ans, x), the table's second column; both modes
# multiply by it (_jvps.py reads the same table). The third column is what d reads.
UNARY: tuple[tuple[Callable[..., Any], Callable[[Any, Any], Any], tuple[int | str, ...]], ...] = (
    (exp, lambda ans, x: ans, ("ans",)),
    (log, lambda ans, x: 1.0 / x, (0,)),
    (log1p, lambda ans, x: 1.0 / (1.0 + x), (0,)),
    (expm1, lambda ans, x: ans + 1.0, ("ans",)),
    (sqrt, lambda ans, x: 0.5 / ans, ("ans",)),
    (square, lambda ans, x: 2.0 * x, (0,)),
    (abs, lambda ans, x: sign(x), (0,)),
    (sin, lambda ans, x: cos(x), (0,)),
    (cos, lambda ans, x: -sin(x), (0,)),
    (tan, lambda ans, x: 1.0 + ans**2, ("ans",)),
    (tanh, lambda ans, x: 1.0 - ans**2, ("ans",)),
    (arctan, lambda ans, x: 1.0 / (1.0 + x**2), (0,)),
    (sinh, lambda ans, x: cosh(x), (0,)),
    (cosh, lambda ans, x: sinh(x), (0,)),
    (sigmoid, lambda ans, x: ans * (1.0 - ans), ("ans",)),
    (relu, lambda ans, x: indicator(x > 0, x), (0,)),
    (softplus, lambda ans, x: sigmoid(x), (0,)),
)


def _times(d: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    return lambda g, ans, x: g * d(ans, x)


for _fun, _derivative, _reads in UNARY:
    defvjp(_fun, _times(_derivative), saves=_reads, staged=False)
defvjp(negative, lambda g, ans, x: -g, saves=(), staged=False)


def inside(ans: Any, x: Any) -> Any:
    """Where ``clip`` passed ``x`` through (a bound of None is never traced)."""
    return indicator(ans == x, ans)


defvjp(
    clip,
    lambda g, ans, x, lo, hi: unbroadcast(g * inside(ans, x), x),
    lambda g, ans, x, lo, hi: unbroadcast(g * indicator(x < lo, ans), lo),
    lambda g, ans, x, lo, hi: unbroadcast(g * indicator(x > hi, ans), hi),
    saves=(0, 1, 2, "ans"),
    staged=False,
)

# ---- Reductions -------------------------------------------------------------------------


def extremum_mask(ans: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """Where ``x`` attains its max (min): the gradient is shared equally among them."""
    hits = indicator(x == keep_axes(ans, x, axis, keepdims), x)
    return hits / sum(hits, axis, True)


def prod_others(ans: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """The product of the other entries of each entry's slice, also where ``x`` has zeros.

    Away from zeros it is ``ans / x``. With a zero in ``x``, each entry's product is taken
    with that entry replaced by 1 (quadratic in the slice length, but exact, and written
    in pnp so that it differentiates again).
    """
    if not np.any(plain_value(x) == 0):
        return keep_axes(ans, x, axis, keepdims) / x
    n_dim = ndim(x)
    axes = tuple(range(n_dim)) if axis is None else (axis,) if isinstance(axis, int) else axis
    reduced = tuple(sorted(a % n_dim for a in axes))
    kept = tuple(a for a in range(n_dim) if a not in reduced)
    full = shape(x)
    kept_shape = tuple(full[a] for a in kept)
    reduced_shape = tuple(full[a] for a in reduced)
    n = int(np.prod(reduced_shape, dtype=int))
    rows = expand_dims(reshape(transpose(x, kept + reduced), (*kept_shape, n)), -2)
    one = np.ones((), dtype=result_type(x))
    others = prod(where(np.eye(n, dtype=bool), one, rows), -1)
    others = reshape(others, kept_shape + reduced_shape)
    return transpose(others, tuple(int(i) for i in np.argsort(kept + reduced)))


def softmax_of(ans: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """The derivative of ``logsumexp``: the softmax of ``x`` along ``axis``."""
    return exp(x - keep_axes(ans, x, axis, keepdims))


# A reduction whose derivative is ``weights(ans, x, axis, keepdims)``: its reverse rule
# spreads ``g`` back over the reduced axes times the weights.
WEIGHTED = (
    (max, extremum_mask),
    (min, extremum_mask),
    (prod, prod_others),
    (logsumexp, softmax_of),
)


def _weighted(weights: Callable[..., Any]) -> Callable[..., Any]:
    def rule(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return keep_axes(g, x, axis, keepdims) * weights(ans, x, axis, keepdims)

    return rule


for _reduction, _weights in WEIGHTED:
    defvjp(_reduction, _weighted(_weights), saves=(0, 1, 2, "ans"), staged=False)


def _mean_vjp(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return sum_vjp(g / count(shape(x), axis), ans, x, axis, keepdims)


def _cumsum_vjp(g: Any, ans: Any, x: Any, axis: Any = None) -> Any:
    if axis is None:
        return reshape(flip(cumsum(flip(g, 0)), 0), shape(x))
    return flip(cumsum(flip(g, axis), axis), axis)


defvjp(sum, sum_vjp, saves=(1, 2), staged=False)
defvjp(mean, _mean_vjp, saves=(1, 2), staged=False)
defvjp(log_softmax, log_softmax_vjp, saves=(1, "ans"), staged=False)
defvjp(cumsum, _cumsum_vjp, saves=(1,), staged=False)

# ---- Shapes -----------------------------------------------------------------------------


def inverse_axes(axes: Any, n: int) -> Any:
    if axes is None:
        return None
    return tuple(int(i) for i in np.argsort([a % n for a in axes]))


def _reshape_back(g: Any, ans: Any, x: Any, *args: Any, **kwargs: Any) -> Any:
    return reshape(g, shape(x))


for _reshaping in (reshape, expand_dims, squeeze):
    defvjp(_reshaping, _reshape_back, None, saves=(1,), staged=False)
defvjp(broadcast_to, lambda g, ans, x, newshape: unbroadcast(g, x), None, saves=(1,), staged=False)
defvjp(
    transpose,
    lambda g, ans, x, axes=None: transpose(g, inverse_axes(axes, ndim(x))),
    None,
    saves=(1,),
    staged=False,
)
defvjp(flip, lambda g, ans, x, axis=None: flip(g, axis), None, saves=(1,), staged=False)
defvjp(
    astype_dtype,
    lambda g, ans, x, dtype: astype_dtype(g, result_type(x)),
    None,
    saves=(0, 1),
    staged=False,
)


def _concatenate_vjp(
    argnum: int, g: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    axis, arrays = args[0], args[1:]
    start = 0
    for a in arrays[: argnum - 1]:
        start += shape(a)[axis]
    stop = start + shape(arrays[argnum - 1])[axis]
    n = ndim(ans)
    return g[tuple(slice(start, stop) if i == axis % n else slice(None) for i in range(n))]


defvjp_argnum(concatenate_arrays, _concatenate_vjp, staged=False)

# ---- Indexing ---------------------------------------------------------------------------

defvjp(
    getitem, lambda g, ans, x, index: index_add(shape(x), index, g), None, saves=(1,), staged=False
)
defvjp(
    index_add, None, None, lambda g, ans, shp, index, c: getitem(g, index), saves=(1,), staged=False
)
defvjp(
    where,
    None,
    lambda g, ans, c, x, y: unbroadcast(where(c, g, zeros_like(g)), x),
    lambda g, ans, c, x, y: unbroadcast(where(c, zeros_like(g), g), y),
    saves=(0,),
    staged=False,
)

# ---- Linear algebra ---------------------------------------------------------------------

defvjp(matmul, matmul_vjp_x, matmul_vjp_y, saves=(0, 1), staged=False)


def _einsum_vjp(
    argnum: int, g: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    if argnum == 0:
        return None
    subscripts, operands = args[0], args[1:]
    parts, out = einsum_parts(subscripts, len(operands))
    k = argnum - 1
    target = parts[k]
    target_shape = shape(operands[k])
    spec_ins = [out, *(p for i, p in enumerate(parts) if i != k)]
    ops = [g, *(o for i, o in enumerate(operands) if i != k)]
    dtype = result_type(g)
    # A letter repeated in the target (a diagonal, as in 'ii->i') is renamed at each
    # repeat to a fresh letter tied to the first by an identity matrix.
    fresh = (c for c in LETTERS if c not in subscripts)
    renamed = ""
    for i, c in enumerate(target):
        if c in renamed:
            f = next(fresh)
            renamed += f
            spec_ins.append(c + f)
            ops.append(np.eye(target_shape[i], dtype=dtype))
        else:
            renamed += c
    # Letters of the target missing from every other term were summed out: restore them
    # by broadcasting over a ones array of their size.
    present = set("".join(spec_ins))
    missing = "".join(c for c in dict.fromkeys(target) if c not in present)
    if missing:
        spec_ins.append(missing)
        ops.append(np.ones(tuple(target_shape[target.index(c)] for c in missing), dtype))
    return einsum_operands(",".join(spec_ins) + "->" + renamed, *ops)


defvjp_argnum(einsum_operands, _einsum_vjp, staged=False)
defvjp(
    inv,
    lambda g, ans, a: -matmul(matmul(swapaxes(ans, -1, -2), g), swapaxes(ans, -1, -2)),
    saves=("ans",),
    staged=False,
)


def _solve_vjp_a(g: Any, ans: Any, a: Any, b: Any) -> Any:
    gb = solve(swapaxes(a, -1, -2), column(g, a, b))
    return unbroadcast(-matmul(gb, swapaxes(column(ans, a, b), -1, -2)), a)


def _solve_vjp_b(g: Any, ans: Any, a: Any, b: Any) -> Any:
    return unbroadcast(uncolumn(solve(swapaxes(a, -1, -2), column(g, a, b)), a, b), b)


defvjp(solve, _solve_vjp_a, _solve_vjp_b, saves=(0, 1, "ans"), staged=False)
defvjp(
    det,
    lambda g, ans, a: expand_dims(expand_dims(g * ans, -1), -1) * swapaxes(inv(a), -1, -2),
    saves=(0, "ans"),
    staged=False,
)
defvjp(
    logabsdet,
    lambda g, ans, a: expand_dims(expand_dims(g, -1), -1) * swapaxes(inv(a), -1, -2),
    saves=(0,),
    staged=False,
)
