"""The reverse rules of ``paralens.numpy``, one family to a section.

The families that outgrew this file have modules of their own beside it: the reductions
(``_vjps_reductions.py``) and the elementwise functions added for autograd's breadth,
with the parts of complex values (``_vjps_elementwise.py``).

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
from paralens._core._backends import BACKENDS
from paralens.numpy._backend import (
    constant_like,
    indicator_on_backend,
    namespace_of,
    on_library_of,
    result_dtype,
)
from paralens.numpy._backend_forms_values import numpy_dtype
from paralens.numpy._complex import conj, is_complex, real_part_for
from paralens.numpy._composites import swapaxes
from paralens.numpy._creation import pack as array_pack
from paralens.numpy._creation import zeros_like
from paralens.numpy._elementwise import (
    abs,
    add,
    arctan,
    arctan2,
    clip_between,
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
    matmul_vjp_x,
    matmul_vjp_y,
    unbroadcast,
)
from paralens.numpy._indexing import getitem, index_add, where, where_selected
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
from paralens.numpy._parts import real_part
from paralens.numpy._shape import (
    astype_dtype,
    broadcast_to,
    concatenate_arrays,
    expand_dims,
    fast_shape,
    flip,
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
    if type(condition) in BACKENDS:
        return indicator_on_backend(condition, like)
    dtype = result_type(like)
    dtype = dtype if dtype.kind in "fc" else np.float64
    if is_var(condition):  # a comparison staged by paralens.jit: a value of the program
        return astype_dtype(condition, dtype)
    return np.asarray(condition, dtype=dtype)


# ---- Elementwise, binary ----------------------------------------------------------------


def power_dx(x: Any, y: Any) -> Any:
    """d(x**y)/dx = y x**(y-1); at y = 0 it is 0, not 0 * x**-1 (which is nan at x = 0).

    Where Python's operator would raise (``0.0 ** -0.5``) or turn complex
    (``(-8.0) ** -0.5``) on a float, NumPy's ``power`` gives inf or nan, with its warning.
    """
    if isinstance(y, (int, float)) and y != 0:
        return y * float_power_safe(x, y - 1)
    return y * power(x, where(y != 0, y - 1, 1.0))


def float_power_safe(x: Any, p: float) -> Any:
    """``x ** p``, by NumPy's rules where Python's would fail on a float ``x``."""
    v = plain_value(x)
    if isinstance(v, float) and ((v == 0.0 and p < 0) or (v < 0.0 and p != int(p))):
        return power(x, p)
    return x**p


def log_base(x: Any) -> Any:
    """log x, for d(x**y)/dy = x**y log x.

    At x = 0 the product is 0 where x**y is. At a real x < 0, x**y is real only at
    integer y, and has no derivative in y: nan. A complex x has its principal logarithm.
    """
    if isinstance(x, (int, float)):
        return math.log(x) if x > 0 else 0.0 if x == 0 else math.nan
    if is_complex(x):
        return log(where(x == 0, 1.0, x))
    if namespace_of(x) is not None:
        fill = where(plain_value(x) == 0, on_library_of(1.0, x), math.nan)
        return log(where(x > 0, x, fill))
    dtype = result_type(x)
    fill = np.where(plain_value(x) == 0, 1.0, np.nan).astype(dtype if dtype.kind == "f" else float)
    return log(where(x > 0, x, fill))


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
    # NumPy's division, so that at 0 a Python float gives inf (with NumPy's warning), as
    # an array does, where Python's raises ZeroDivisionError.
    (log, lambda ans, x: divide(1.0, x), (0,)),
    (log1p, lambda ans, x: divide(1.0, 1.0 + x), (0,)),
    (expm1, lambda ans, x: ans + 1.0, ("ans",)),
    (sqrt, lambda ans, x: divide(0.5, ans), ("ans",)),
    (square, lambda ans, x: 2.0 * x, (0,)),
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


def abs_derivative(ans: Any, x: Any) -> Any:
    """d|x|/dx: sign(x) for a real x (0 at the kink), conj(x) / |x| for a complex x."""
    if not is_complex(x):
        return sign(x)
    return conj(x) / where(ans == 0, 1.0, ans)


defvjp(abs, lambda g, ans, x: g * abs_derivative(ans, x), saves=(0, "ans"), staged=False)


def inside(ans: Any, x: Any) -> Any:
    """Where ``clip`` passed ``x`` through (a bound of None is never traced)."""
    return indicator(ans == x, ans)


defvjp(
    clip_between,
    lambda g, ans, x, lo, hi: unbroadcast(g * inside(ans, x), x),
    lambda g, ans, x, lo, hi: unbroadcast(g * indicator(x < lo, ans), lo),
    lambda g, ans, x, lo, hi: unbroadcast(g * indicator(x > hi, ans), hi),
    saves=(0, 1, 2, "ans"),
    staged=False,
)

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
    lambda g, ans, x, dtype: astype_dtype(g, result_dtype(x)),
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
    part = g[tuple(slice(start, stop) if i == axis % n else slice(None) for i in range(n))]
    return real_part_for(part, arrays[argnum - 1])


defvjp_argnum(concatenate_arrays, _concatenate_vjp, staged=False)

# ---- Indexing ---------------------------------------------------------------------------

defvjp(
    getitem, lambda g, ans, x, index: index_add(shape(x), index, g), None, saves=(1,), staged=False
)
defvjp(
    index_add, None, None, lambda g, ans, shp, index, c: getitem(g, index), saves=(1,), staged=False
)
defvjp(
    where_selected,
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
    dtype = numpy_dtype(plain_value(g))
    # A letter repeated in the target (a diagonal, as in 'ii->i') is renamed at each
    # repeat to a fresh letter tied to the first by an identity matrix.
    fresh = (c for c in LETTERS if c not in subscripts)
    renamed = ""
    for i, c in enumerate(target):
        if c in renamed:
            f = next(fresh)
            renamed += f
            spec_ins.append(c + f)
            ops.append(constant_like(np.eye(target_shape[i], dtype=dtype), g))
        else:
            renamed += c
    # Letters of the target missing from every other term were summed out: restore them
    # by broadcasting over a ones array of their size.
    present = set("".join(spec_ins))
    missing = "".join(c for c in dict.fromkeys(target) if c not in present)
    if missing:
        spec_ins.append(missing)
        ones = np.ones(tuple(target_shape[target.index(c)] for c in missing), dtype)
        ops.append(constant_like(ones, g))
    return real_part_for(einsum_operands(",".join(spec_ins) + "->" + renamed, *ops), operands[k])


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
    lambda g, ans, a: multiply(expand_dims(expand_dims(g * ans, -1), -1), swapaxes(inv(a), -1, -2)),
    saves=(0, "ans"),
    staged=False,
)


def _logabsdet_vjp(g: Any, ans: Any, a: Any) -> Any:
    g = real_part(g) if is_complex(g) else g  # of a real answer: real
    return multiply(expand_dims(expand_dims(g, -1), -1), swapaxes(inv(a), -1, -2))


defvjp(logabsdet, _logabsdet_vjp, saves=(0,), staged=False)

# ---- Creation ---------------------------------------------------------------------------


def array_part(g: Any, elements: tuple[Any, ...], k: int) -> Any:
    """The part of ``array``'s cotangent ``g`` that belongs to its element ``k``."""
    start = 0
    for e in elements[:k]:
        start += int(np.prod(fast_shape(e), dtype=int))
    part_shape = fast_shape(elements[k])
    stop = start + int(np.prod(part_shape, dtype=int))
    return reshape(getitem(reshape(g, (-1,)), slice(start, stop)), part_shape)


def _array_vjp(argnum: int, g: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return unbroadcast(array_part(g, args[1:], argnum - 1), args[argnum])


defvjp(array_pack, None)
defvjp_argnum(array_pack, _array_vjp, staged=False)
