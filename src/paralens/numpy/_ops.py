"""The differentiable NumPy primitives and their rules.

Every rule is written with these same functions (or Var operators), so a rule can be
differentiated again. Broadcasting is undone in one place, ``unbroadcast``. On arguments
that hold no ``Var`` each function returns exactly what NumPy returns.
"""

from __future__ import annotations

import itertools
import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core._trace import (
    METHODS,
    PROPERTIES,
    ShapeOnly,
    is_var,
    plain_value,
    primitive_of,
    set_operators,
)
from paralens.extend import (
    defjvp,
    defjvp_argnum,
    defvjp,
    defvjp_argnum,
    nondifferentiable,
    primitive,
)

# Shape helpers (plain values, never traced).


def shape(x: Any) -> tuple[int, ...]:
    """``numpy.shape`` of ``x``, traced or not: a plain tuple, never differentiated.

    Examples:
        >>> shape(np.zeros((2, 3)))
        (2, 3)
        >>> shape(1.5)
        ()
    """
    found = getattr(x, "shape", None)
    if type(found) is tuple:
        return found
    return np.shape(plain_value(x))


def ndim(x: Any) -> int:
    """``numpy.ndim`` of ``x``, traced or not.

    Examples:
        >>> ndim(np.zeros((2, 3)))
        2
    """
    found = getattr(x, "shape", None)
    if type(found) is tuple:
        return len(found)
    return np.ndim(plain_value(x))


def size(x: Any) -> int:
    """``numpy.size`` of ``x``, traced or not.

    Examples:
        >>> size(np.zeros((2, 3)))
        6
    """
    return int(np.size(plain_value(x)))


_SCALAR_TYPES = (float, int, complex, bool)


def _fast_shape(x: Any) -> tuple[int, ...]:
    """``shape(x)``, reading the attribute first: this runs once per rule application, and
    on arrays and scalars that is several times cheaper than ``numpy.shape``."""
    found = getattr(x, "shape", None)
    if type(found) is tuple:
        return found
    if type(x) in _SCALAR_TYPES:
        return ()
    return np.shape(plain_value(x))


def _result_type(x: Any) -> Any:
    return np.result_type(plain_value(x))


def _indicator(condition: Any, like: Any) -> Any:
    """``condition`` as 0.0 and 1.0 in the floating dtype of ``like``.

    A boolean times ``1.0`` would be float64 and turn float32 gradients into float64.
    """
    if isinstance(condition, bool):
        return float(condition)
    dtype = _result_type(like)
    return np.asarray(condition, dtype=dtype if dtype.kind in "fc" else np.float64)


def unbroadcast(g: Any, target: Any) -> Any:
    """Sum ``g`` down to the shape of ``target``: the adjoint of broadcasting.

    This is the one place where broadcasting is undone; every rule calls it.

    Examples:
        >>> unbroadcast(np.ones((2, 3)), np.zeros(3))
        array([2., 2., 2.])
        >>> unbroadcast(np.ones((2, 3)), np.zeros((2, 1)))
        array([[3.],
               [3.]])
    """
    g_shape = getattr(g, "shape", None)
    target_shape = getattr(target, "shape", None)
    if g_shape is not None and g_shape == target_shape:
        return g  # the common case, settled without a Python call
    if type(target_shape) is not tuple:
        target_shape = _fast_shape(target)
    if type(g_shape) is not tuple:
        g_shape = _fast_shape(g)
    if g_shape == target_shape:
        return g
    lead = len(g_shape) - len(target_shape)
    if type(g) is np.ndarray and g.dtype.kind == "f":
        # Plain floats (a first-order pass): the ufunc's reduce directly.
        if lead > 0:
            g = _add_reduce(g, 0 if lead == 1 else tuple(range(lead)))
        if 1 not in target_shape:  # a bias: only leading axes were broadcast
            return g
        axes = tuple(i for i, n in enumerate(target_shape) if n == 1 and g.shape[i] != 1)
        return _add_reduce(g, axes, None, None, True) if axes else g
    if lead > 0:
        g = sum(g, axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(target_shape) if n == 1 and shape(g)[i] != 1)
    if axes:
        g = sum(g, axis=axes, keepdims=True)
    return g


def broadcast_like(t: Any, ans: Any) -> Any:
    """Broadcast tangent ``t`` to the shape of ``ans`` (the forward twin of ``unbroadcast``).

    Examples:
        >>> broadcast_like(np.ones(1), np.zeros((2, 2)))
        array([[1., 1.],
               [1., 1.]])
    """
    if _fast_shape(t) == _fast_shape(ans):
        return t
    return broadcast_to(t, shape(ans))


def _ub(rule: Callable[..., Any], argnum: int) -> Callable[..., Any]:
    """Wrap a pullback maker so its cotangent is summed to its argument's shape."""

    def maker(ans: Any, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        pullback = rule(ans, *args, **kwargs)
        target = args[argnum]
        return lambda g: unbroadcast(pullback(g), target)

    return maker


def _bj(rule: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a tangent rule so its result is broadcast to the answer's shape."""

    def jvp_rule(t: Any, ans: Any, *args: Any, **kwargs: Any) -> Any:
        return broadcast_like(rule(t, ans, *args, **kwargs), ans)

    return jvp_rule


# Elementwise binary operations.

add = primitive(np.add, "add")
subtract = primitive(np.subtract, "subtract")
multiply = primitive(np.multiply, "multiply")
divide = primitive(np.divide, "divide")
true_divide = divide
power = primitive(np.power, "power")
maximum = primitive(np.maximum, "maximum")
minimum = primitive(np.minimum, "minimum")
arctan2 = primitive(np.arctan2, "arctan2")


def _defpullback(fun: Callable[..., Any], *rules: Callable[..., Any]) -> None:
    """Reverse rules in direct form, ``rule(g, ans, *args) -> cotangent``, one per argument.

    The same derivatives ``defvjp`` takes, without building a closure per application:
    the form used for the primitives that every training step runs.
    """
    prim = primitive_of(fun)
    for i, rule in enumerate(rules):
        prim.pullbacks[i] = rule
        prim.vjps.pop(i, None)


_defpullback(
    add,
    lambda g, ans, x, y: unbroadcast(g, x),
    lambda g, ans, x, y: unbroadcast(g, y),
)
defjvp(add, _bj(lambda t, ans, x, y: t), _bj(lambda t, ans, x, y: t))
_defpullback(
    subtract,
    lambda g, ans, x, y: unbroadcast(g, x),
    lambda g, ans, x, y: unbroadcast(-g, y),
)
defjvp(subtract, _bj(lambda t, ans, x, y: t), _bj(lambda t, ans, x, y: -t))
_defpullback(
    multiply,
    lambda g, ans, x, y: unbroadcast(g * y, x),
    lambda g, ans, x, y: unbroadcast(g * x, y),
)
defjvp(multiply, _bj(lambda t, ans, x, y: t * y), _bj(lambda t, ans, x, y: x * t))
_defpullback(
    divide,
    lambda g, ans, x, y: unbroadcast(g / y, x),
    lambda g, ans, x, y: unbroadcast(-g * ans / y, y),
)
defjvp(
    divide,
    _bj(lambda t, ans, x, y: t / y),
    _bj(lambda t, ans, x, y: -t * ans / y),
)


def _power_dx(x: Any, y: Any) -> Any:
    """d(x**y)/dx = y x**(y-1); at y = 0 it is 0, not 0 * x**-1 (which is nan at x = 0)."""
    if isinstance(y, (int, float)) and y != 0:
        return y * x ** (y - 1)
    return y * x ** where(y != 0, y - 1, 1.0)


def _log_base(x: Any) -> Any:
    # d(x**y)/dy = x**y log x; at x = 0 the product is 0 where x**y is, so log is masked.
    if isinstance(x, (int, float)):
        return math.log(x) if x > 0 else 0.0
    return log(where(x > 0, x, 1.0))


defvjp(
    power,
    lambda ans, x, y: lambda g: unbroadcast(g * _power_dx(x, y), x),
    lambda ans, x, y: lambda g: unbroadcast(g * ans * _log_base(x), y),
)
defjvp(
    power,
    _bj(lambda t, ans, x, y: t * _power_dx(x, y)),
    _bj(lambda t, ans, x, y: t * ans * _log_base(x)),
)


def _select_x(x: Any, y: Any, ans: Any) -> Any:
    # Ties split the gradient evenly, so maximum(x, x) still has derivative 1.
    hits = _indicator(x == ans, x)
    return hits / (hits + _indicator(y == ans, x))


defvjp(
    maximum,
    lambda ans, x, y: lambda g: unbroadcast(g * _select_x(x, y, ans), x),
    lambda ans, x, y: lambda g: unbroadcast(g * _select_x(y, x, ans), y),
)
defjvp(
    maximum,
    _bj(lambda t, ans, x, y: t * _select_x(x, y, ans)),
    _bj(lambda t, ans, x, y: t * _select_x(y, x, ans)),
)
defvjp(
    minimum,
    lambda ans, x, y: lambda g: unbroadcast(g * _select_x(x, y, ans), x),
    lambda ans, x, y: lambda g: unbroadcast(g * _select_x(y, x, ans), y),
)
defjvp(
    minimum,
    _bj(lambda t, ans, x, y: t * _select_x(x, y, ans)),
    _bj(lambda t, ans, x, y: t * _select_x(y, x, ans)),
)
defvjp(
    arctan2,
    lambda ans, x, y: lambda g: unbroadcast(g * y / (x**2 + y**2), x),
    lambda ans, x, y: lambda g: unbroadcast(-g * x / (x**2 + y**2), y),
)
defjvp(
    arctan2,
    _bj(lambda t, ans, x, y: t * y / (x**2 + y**2)),
    _bj(lambda t, ans, x, y: -t * x / (x**2 + y**2)),
)


# Elementwise unary operations: each is defined by its derivative d(ans, x), and both
# rules multiply by it.


def _unary(fun: Any, name: str, d: Callable[[Any, Any], Any]) -> Any:
    prim = primitive(fun, name)
    _defpullback(prim, lambda g, ans, x: g * d(ans, x))
    defjvp(prim, lambda t, ans, x: t * d(ans, x))
    return prim


negative = primitive(np.negative, "negative")
_defpullback(negative, lambda g, ans, x: -g)
defjvp(negative, lambda t, ans, x: -t)

exp: Callable[..., Any] = _unary(np.exp, "exp", lambda ans, x: ans)
log: Callable[..., Any] = _unary(np.log, "log", lambda ans, x: 1.0 / x)
log1p: Callable[..., Any] = _unary(np.log1p, "log1p", lambda ans, x: 1.0 / (1.0 + x))
expm1: Callable[..., Any] = _unary(np.expm1, "expm1", lambda ans, x: ans + 1.0)
sqrt: Callable[..., Any] = _unary(np.sqrt, "sqrt", lambda ans, x: 0.5 / ans)
square: Callable[..., Any] = _unary(np.square, "square", lambda ans, x: 2.0 * x)
abs: Callable[..., Any] = _unary(np.abs, "abs", lambda ans, x: sign(x))
absolute = abs
sin: Callable[..., Any] = _unary(np.sin, "sin", lambda ans, x: cos(x))
cos: Callable[..., Any] = _unary(np.cos, "cos", lambda ans, x: -sin(x))
tan: Callable[..., Any] = _unary(np.tan, "tan", lambda ans, x: 1.0 + ans**2)
tanh: Callable[..., Any] = _unary(np.tanh, "tanh", lambda ans, x: 1.0 - ans**2)
arctan: Callable[..., Any] = _unary(np.arctan, "arctan", lambda ans, x: 1.0 / (1.0 + x**2))
sinh: Callable[..., Any] = _unary(np.sinh, "sinh", lambda ans, x: cosh(x))
cosh: Callable[..., Any] = _unary(np.cosh, "cosh", lambda ans, x: sinh(x))


def _sigmoid(x: Any) -> Any:
    """The logistic function ``1 / (1 + exp(-x))``, computed without overflow.

    Examples:
        >>> sigmoid(np.array([0.0, 1000.0, -1000.0]))
        array([0.5, 1. , 0. ])
    """
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


sigmoid: Callable[..., Any] = _unary(_sigmoid, "sigmoid", lambda ans, x: ans * (1.0 - ans))
logistic = sigmoid


def _relu(x: Any) -> Any:
    """``max(x, 0)`` elementwise; its derivative at 0 is taken as 0.

    Examples:
        >>> relu(np.array([-1.0, 0.0, 2.0]))
        array([0., 0., 2.])
    """
    return np.maximum(x, 0.0)


relu: Callable[..., Any] = _unary(_relu, "relu", lambda ans, x: _indicator(x > 0, x))


def _softplus(x: Any) -> Any:
    """``log(1 + exp(x))``, computed without overflow; its derivative is ``sigmoid``.

    Examples:
        >>> softplus(np.array([0.0, 1000.0]))
        array([6.93147181e-01, 1.00000000e+03])
    """
    return np.logaddexp(0.0, x)


softplus: Callable[..., Any] = _unary(_softplus, "softplus", lambda ans, x: sigmoid(x))

sign: Callable[..., Any] = nondifferentiable(np.sign)
floor: Callable[..., Any] = nondifferentiable(np.floor)
ceil: Callable[..., Any] = nondifferentiable(np.ceil)
round: Callable[..., Any] = nondifferentiable(np.round)


def _clip(x: Any, a_min: Any, a_max: Any) -> Any:
    """``x`` limited to ``[a_min, a_max]``; the gradient flows to whichever is the answer.

    Examples:
        >>> clip(np.array([-2.0, 0.5, 3.0]), -1.0, 1.0)
        array([-1. ,  0.5,  1. ])
    """
    return np.clip(x, a_min, a_max)


clip = primitive(_clip, "clip")


def _inside(ans: Any, x: Any) -> Any:
    return _indicator(ans == x, ans)


# A bound gets the gradient where it is the answer; a bound of None is never traced.
defvjp(
    clip,
    lambda ans, x, lo, hi: lambda g: unbroadcast(g * _inside(ans, x), x),
    lambda ans, x, lo, hi: lambda g: unbroadcast(g * _indicator(x < lo, ans), lo),
    lambda ans, x, lo, hi: lambda g: unbroadcast(g * _indicator(x > hi, ans), hi),
)
defjvp(
    clip,
    _bj(lambda t, ans, x, lo, hi: t * _inside(ans, x)),
    _bj(lambda t, ans, x, lo, hi: t * _indicator(x < lo, ans)),
    _bj(lambda t, ans, x, lo, hi: t * _indicator(x > hi, ans)),
)


# Reductions.


def _keep_axes(g: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """Reshape a reduced cotangent so it broadcasts back against ``x``."""
    if keepdims or (axis is None and ndim(g) == 0):
        return g
    axes = (axis,) if isinstance(axis, int) else axis
    if axes is None:
        axes = tuple(range(ndim(x)))
    axes = tuple(a % ndim(x) for a in axes)
    return expand_dims(g, axes)


def _sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``numpy.sum``: the sum over ``axis`` (all axes by default).

    Examples:
        >>> sum(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=0)
        array([4., 6.])
        >>> float(sum(np.ones(3)))
        3.0
    """
    if type(x) is np.ndarray and x.dtype.kind == "f":
        # The ufunc's own reduce: what numpy.sum calls for floats, without its dispatch.
        return _add_reduce(x, axis, None, None, keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims)


_add_reduce: Callable[..., Any] = np.add.reduce


sum = primitive(_sum, "sum")


def _sum_pullback(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if type(x) in _ARRAY_LIKE and type(g) in _PLAIN_FLOATS:
        # First order on plain arrays: one reshape and a broadcast view, straight in
        # NumPy; the line below is the same rule in pnp, for higher orders.
        kept = g if keepdims else g.reshape(_kept_shape(x.shape, axis))
        if _product(x.shape) >= _BROADCAST_FROM_SIZE:
            return np.broadcast_to(kept, x.shape)
        # Small: filling a new array costs less than numpy.broadcast_to's Python.
        out = np.empty(x.shape, kept.dtype)
        out[...] = kept
        return out
    return broadcast_to(_keep_axes(g, x, axis, keepdims), shape(x))


_PLAIN_FLOATS = (np.ndarray, np.float64, np.float32)
_BROADCAST_FROM_SIZE = 4096


def _product(dims: tuple[int, ...]) -> int:
    n = 1
    for d in dims:
        n *= d
    return n


_ARRAY_LIKE = (np.ndarray, ShapeOnly)


def _kept_shape(x_shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """The shape of a reduction of ``x_shape`` over ``axis`` with the axes kept as 1."""
    if axis is None:
        return (1,) * len(x_shape)
    if isinstance(axis, int):  # the common case, without building a set
        kept = list(x_shape)
        kept[axis] = 1
        return tuple(kept)
    axes = {a % len(x_shape) for a in axis}
    return tuple(1 if i in axes else n for i, n in enumerate(x_shape))


_defpullback(sum, _sum_pullback)
defjvp(sum, lambda t, ans, x, axis=None, keepdims=False: sum(t, axis, keepdims))


def _mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The mean of ``x`` over ``axis`` (all axes by default).

    A primitive, like ``sum``: losses end in it, and as one operation its pullback is
    one broadcast instead of a division and a broadcast.

    Examples:
        >>> mean(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=1)
        array([1.5, 4. ])
    """
    if type(x) is np.ndarray and x.dtype.kind == "f" and x.dtype.itemsize >= 4 and x.size:
        # What numpy.mean computes for float32 and float64: the sum, then a division by
        # the count as an integer array scalar (so float32 divides as NumPy does).
        total = _add_reduce(x, axis, None, None, keepdims)
        count = np.intp(x.size if axis is None else _count(x.shape, axis))
        if type(total) is np.ndarray:
            return np.true_divide(total, count, out=total, casting="unsafe")
        return total.dtype.type(total / count)
    return np.mean(x, axis=axis, keepdims=keepdims)


mean = primitive(_mean, "mean")


def _mean_pullback(g: Any, ans: Any, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    count = _product(shape(x)) if axis is None else _count(shape(x), axis)
    return _sum_pullback(g / count, ans, x, axis, keepdims)


_defpullback(mean, _mean_pullback)
defjvp(mean, lambda t, ans, x, axis=None, keepdims=False: mean(t, axis, keepdims))


def _count(shp: tuple[int, ...], axis: Any) -> int:
    axes = (axis,) if isinstance(axis, int) else axis
    n = 1
    for a in axes:
        n *= shp[a]
    return n


def _max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``numpy.max`` over ``axis``; tied maxima share the gradient equally.

    Examples:
        >>> max(np.array([[1.0, 4.0], [3.0, 2.0]]), axis=1)
        array([4., 3.])
    """
    return np.max(x, axis=axis, keepdims=keepdims)


def _min(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``numpy.min`` over ``axis``; tied minima share the gradient equally.

    Examples:
        >>> min(np.array([[1.0, 4.0], [3.0, 2.0]]), axis=0)
        array([1., 2.])
    """
    return np.min(x, axis=axis, keepdims=keepdims)


max = primitive(_max, "max")
min = primitive(_min, "min")
amax = max
amin = min


def _extremum_mask(ans: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    # The gradient is shared equally among the places that attain the extremum.
    hits = _indicator(x == _keep_axes(ans, x, axis, keepdims), x)
    return hits / sum(hits, axis, True)


def _weighted_reduction(prim: Callable[..., Any], weights: Callable[..., Any]) -> None:
    """Rules of a reduction whose derivative is ``weights(ans, x, axis, keepdims)``.

    The pullback spreads ``g`` back over the reduced axes times the weights; the tangent
    is the weighted sum of ``t`` over them (max, min: the arg-extremum; logsumexp: the
    softmax).
    """
    defvjp(
        prim,
        lambda ans, x, axis=None, keepdims=False: (
            lambda g: _keep_axes(g, x, axis, keepdims) * weights(ans, x, axis, keepdims)
        ),
    )
    defjvp(
        prim,
        lambda t, ans, x, axis=None, keepdims=False: sum(
            t * weights(ans, x, axis, keepdims), axis, keepdims
        ),
    )


for _extremum in (max, min):
    _weighted_reduction(_extremum, _extremum_mask)


def _prod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``numpy.prod`` over ``axis``; its gradient divides by ``x``, so keep ``x`` free of zeros.

    Examples:
        >>> float(prod(np.array([2.0, 3.0, 4.0])))
        24.0
    """
    return np.prod(x, axis=axis, keepdims=keepdims)


prod = primitive(_prod, "prod")


def _prod_others(ans: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """The product of the other entries of each entry's slice, also where ``x`` has zeros.

    Away from zeros it is ``ans / x``. With a zero in ``x``, each entry's product is taken
    with that entry replaced by 1 (quadratic in the slice length, but exact, and written
    in pnp so that it differentiates again).
    """
    if not np.any(plain_value(x) == 0):
        return _keep_axes(ans, x, axis, keepdims) / x
    n_dim = ndim(x)
    axes = tuple(range(n_dim)) if axis is None else (axis,) if isinstance(axis, int) else axis
    reduced = tuple(sorted(a % n_dim for a in axes))
    kept = tuple(a for a in range(n_dim) if a not in reduced)
    full = shape(x)
    kept_shape = tuple(full[a] for a in kept)
    reduced_shape = tuple(full[a] for a in reduced)
    n = int(np.prod(reduced_shape, dtype=int))
    rows = expand_dims(reshape(transpose(x, kept + reduced), (*kept_shape, n)), -2)
    one = np.ones((), dtype=_result_type(x))
    others = prod(where(np.eye(n, dtype=bool), one, rows), -1)
    others = reshape(others, kept_shape + reduced_shape)
    return transpose(others, tuple(int(i) for i in np.argsort(kept + reduced)))


defvjp(
    prod,
    lambda ans, x, axis=None, keepdims=False: (
        lambda g: _keep_axes(g, x, axis, keepdims) * _prod_others(ans, x, axis, keepdims)
    ),
)
defjvp(
    prod,
    lambda t, ans, x, axis=None, keepdims=False: sum(
        t * _prod_others(ans, x, axis, keepdims), axis, keepdims
    ),
)


def var(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Any:
    """The variance of ``x`` over ``axis``, with ``ddof`` as in NumPy (a composite).

    Examples:
        >>> float(var(np.array([1.0, 2.0, 3.0, 4.0])))
        1.25
        >>> float(var(np.array([1.0, 2.0, 3.0, 4.0]), ddof=1))
        1.6666666666666667
    """
    centred = x - mean(x, axis, True)
    count = size(x) if axis is None else _count(shape(x), axis)
    return sum(centred * centred, axis, keepdims) / (count - ddof)


def std(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Any:
    """The standard deviation of ``x`` over ``axis`` (``sqrt`` of ``var``).

    Examples:
        >>> float(std(np.array([1.0, 3.0])))
        1.0
    """
    return sqrt(var(x, axis, keepdims, ddof))


def _logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if type(x) is np.ndarray and x.dtype.kind == "f" and x.size:
        # The ufuncs' own reductions (what numpy.max and numpy.sum call) without their
        # Python dispatch: log_softmax runs this once per training step.
        m = _max_reduce(x, axis, None, None, True)
        # One C reduction tells whether every maximum is finite (an overflowing sum of
        # finite ones only sends the check down the exact path below).
        if not math.isfinite(_add_reduce(m, None)):
            m = np.where(_isfinite(m), m, 0)
        out = np.log(_add_reduce(np.exp(x - m), axis, None, None, True)) + m
    else:
        m = np.max(x, axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else _drop_axes(out, x, axis)


_max_reduce: Callable[..., Any] = np.maximum.reduce
_isfinite: Callable[..., Any] = np.isfinite


logsumexp = primitive(_logsumexp, "logsumexp")
logsumexp.__doc__ = """``log(sum(exp(x)))`` over ``axis``, stable for large inputs.

    A primitive rather than a composite: its derivative is the softmax, one expression,
    which makes ``log_softmax`` two operations on the tape instead of seven.

    Examples:
        >>> float(logsumexp(np.array([1000.0, 1000.0])))
        1000.6931471805599
    """


def _softmax_of(ans: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    return exp(x - _keep_axes(ans, x, axis, keepdims))


_weighted_reduction(logsumexp, _softmax_of)


def _drop_axes(out: Any, x: Any, axis: Any) -> Any:
    if axis is None:
        return np.reshape(out, ())[()]
    return np.squeeze(out, axis)[()]


def _log_softmax(x: Any, axis: int = -1) -> Any:
    return x - _logsumexp(x, axis, True)


log_softmax = primitive(_log_softmax, "log_softmax")
log_softmax.__doc__ = """``x - logsumexp(x)`` along ``axis``: log-probabilities from logits.

    A primitive: its pullback ``g - softmax(x) * sum(g)`` is what a hand-written
    classifier computes, where the composite would take five operations more.

    Examples:
        >>> np.round(np.exp(log_softmax(np.array([0.0, np.log(3.0)]))), 3)
        array([0.25, 0.75])
    """


def _log_softmax_pullback(g: Any, ans: Any, x: Any, axis: int = -1) -> Any:
    if type(g) is np.ndarray and type(ans) is np.ndarray:
        # First order on plain arrays: NumPy directly; the pnp form below is the same.
        return g - np.exp(ans) * _add_reduce(g, axis, None, None, True)
    return g - exp(ans) * sum(g, axis, True)


_defpullback(log_softmax, _log_softmax_pullback)
defjvp(
    log_softmax,
    lambda t, ans, x, axis=-1: t - sum(exp(ans) * t, axis, True),
)


def softmax(x: Any, axis: int = -1) -> Any:
    """Probabilities from logits along ``axis``, stable for large inputs.

    Examples:
        >>> softmax(np.array([0.0, np.log(3.0)]))
        array([0.25, 0.75])
    """
    return exp(log_softmax(x, axis))


def _identity(x: Any) -> Any:
    return x


def stop_gradient_array(x: Any) -> Any:
    """``x`` itself, as a constant: no gradient flows through it.

    Examples:
        >>> stop_gradient_array(np.ones(2))
        array([1., 1.])
    """
    return _stop(x)


_stop: Callable[..., Any] = nondifferentiable(lambda x: x)


def _cumsum(x: Any, axis: Any = None) -> Any:
    """``numpy.cumsum``: running sums along ``axis`` (of the flattened ``x`` by default).

    Examples:
        >>> cumsum(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1)
        array([[1., 3.],
               [3., 7.]])
    """
    return np.cumsum(x, axis=axis)


cumsum = primitive(_cumsum, "cumsum")


def _cumsum_vjp(ans: Any, x: Any, axis: Any = None) -> Callable[[Any], Any]:
    def pullback(g: Any) -> Any:
        if axis is None:
            return reshape(flip(cumsum(flip(g, 0)), 0), shape(x))
        return flip(cumsum(flip(g, axis), axis), axis)

    return pullback


defvjp(cumsum, _cumsum_vjp)
defjvp(cumsum, lambda t, ans, x, axis=None: cumsum(t, axis))


# Linear algebra.


def _matmul(x: Any, y: Any) -> Any:
    """``numpy.matmul`` (the ``@`` operator), batched and broadcasting as in NumPy.

    Examples:
        >>> matmul(np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]]))
        array([[11.]])
    """
    return np.matmul(x, y)


matmul = primitive(_matmul, "matmul")


def _matmul_pullback_x(g: Any, ans: Any, x: Any, y: Any) -> Any:
    if (
        type(g) is np.ndarray
        and type(y) is np.ndarray
        and g.ndim == y.ndim == 2 == getattr(x, "ndim", None)
    ):
        # A dense layer's first-order pass: NumPy directly (the general rule below is
        # the same product in pnp, which higher orders differentiate).
        return g @ y.T
    if ndim(y) == 1:
        return g * y if ndim(x) == 1 else expand_dims(g, -1) * y
    if ndim(x) == 1:
        return unbroadcast(squeeze(matmul(expand_dims(g, -2), swapaxes(y, -1, -2)), -2), x)
    if ndim(y) == 2:
        return unbroadcast(matmul(g, transpose(y)), x)
    return unbroadcast(matmul(g, swapaxes(y, -1, -2)), x)


def _matmul_pullback_y(g: Any, ans: Any, x: Any, y: Any) -> Any:
    if (
        type(g) is np.ndarray
        and type(x) is np.ndarray
        and g.ndim == x.ndim == 2 == getattr(y, "ndim", None)
    ):
        return x.T @ g
    if ndim(x) == 1:
        if ndim(y) == 1:
            return g * x
        return unbroadcast(expand_dims(x, -1) * expand_dims(g, -2), y)
    if ndim(y) == 1:
        return reshape(matmul(reshape(g, (1, -1)), reshape(x, (-1, shape(y)[0]))), shape(y))
    if ndim(x) == 2:
        return unbroadcast(matmul(transpose(x), g), y)
    return unbroadcast(matmul(swapaxes(x, -1, -2), g), y)


_defpullback(matmul, _matmul_pullback_x, _matmul_pullback_y)
defjvp(matmul, lambda t, ans, x, y: matmul(t, y), lambda t, ans, x, y: matmul(x, t))


def dot(x: Any, y: Any) -> Any:
    """``numpy.dot`` (a composite over ``matmul`` and ``tensordot`` when traced).

    Examples:
        >>> float(dot(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
        11.0
    """
    if not (is_var(x) or is_var(y)):
        return np.dot(x, y)
    if ndim(x) == 0 or ndim(y) == 0:
        return multiply(x, y)
    if ndim(x) <= 2 and ndim(y) <= 2:
        return matmul(x, y)
    return tensordot(x, y, axes=([ndim(x) - 1], [ndim(y) - 2 if ndim(y) > 1 else 0]))


def outer(x: Any, y: Any) -> Any:
    """The outer product of two vectors (flattened first, as in NumPy).

    Examples:
        >>> outer(np.array([1.0, 2.0]), np.array([1.0, 10.0, 100.0]))
        array([[  1.,  10., 100.],
               [  2.,  20., 200.]])
    """
    return multiply(expand_dims(ravel(x), 1), expand_dims(ravel(y), 0))


def inner(x: Any, y: Any) -> Any:
    """``numpy.inner``: contracts the last axes, the shape is ``x.shape[:-1] + y.shape[:-1]``.

    Examples:
        >>> float(inner(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
        11.0
        >>> inner(np.ones((2, 3)), np.ones((4, 3))).shape
        (2, 4)
    """
    if not (is_var(x) or is_var(y)):
        return np.inner(x, y)
    if ndim(x) == 0 or ndim(y) == 0:
        return multiply(x, y)
    return tensordot(x, y, axes=([-1], [-1]))


def _einsum(subscripts: str, *operands: Any) -> Any:
    return np.einsum(subscripts, *operands)


_einsum_prim = primitive(_einsum, "einsum")


def einsum(subscripts: str, *operands: Any) -> Any:
    """``numpy.einsum`` with explicit (``'ij,jk->ik'``) or implicit subscripts, no ellipsis.

    Examples:
        >>> einsum('ij,j->i', np.eye(2), np.array([5.0, 6.0]))
        array([5., 6.])
        >>> float(einsum('ii', np.array([[1.0, 2.0], [3.0, 4.0]])))
        5.0
    """
    return _einsum_prim(subscripts, *operands)


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _einsum_parts(subscripts: str, n: int) -> tuple[list[str], str]:
    spec = subscripts.replace(" ", "")
    if "..." in spec:
        raise NotImplementedError(
            "pnp.einsum does not differentiate ellipsis subscripts; name the axes"
        )
    if "->" in spec:
        ins, out = spec.split("->")
    else:
        ins = spec
        letters = ins.replace(",", "")
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    parts = ins.split(",")
    if len(parts) != n:
        raise ValueError(f"einsum: {subscripts!r} names {len(parts)} operands, got {n}")
    return parts, out


def _einsum_vjp(
    argnum: int, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Callable[[Any], Any]:
    subscripts, operands = args[0], args[1:]
    if argnum == 0:
        return lambda g: None
    parts, out = _einsum_parts(subscripts, len(operands))
    k = argnum - 1
    target = parts[k]
    others = [p for i, p in enumerate(parts) if i != k]
    other_ops = [o for i, o in enumerate(operands) if i != k]

    def pullback(g: Any) -> Any:
        dtype = _result_type(g)
        target_shape = shape(operands[k])
        # A letter repeated in the target (a diagonal, as in 'ii->i') is renamed at each
        # repeat to a fresh letter tied to the first by an identity matrix.
        fresh = (c for c in _LETTERS if c not in subscripts)
        renamed = ""
        spec_ins = [out, *others]
        ops = [g, *other_ops]
        for i, c in enumerate(target):
            if c in renamed:
                f = next(fresh)
                renamed += f
                spec_ins.append(c + f)
                ops.append(np.eye(target_shape[i], dtype=dtype))
            else:
                renamed += c
        # Letters of the target missing from every other term were summed out: restore
        # them by broadcasting over a ones array of their size.
        present = set("".join(spec_ins))
        missing = "".join(c for c in dict.fromkeys(target) if c not in present)
        if missing:
            spec_ins.append(missing)
            ops.append(np.ones(tuple(target_shape[target.index(c)] for c in missing), dtype))
        return _einsum_prim(",".join(spec_ins) + "->" + renamed, *ops)

    return pullback


def _einsum_jvp(
    argnum: int, t: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    if argnum == 0:
        return None
    ops = list(args[1:])
    ops[argnum - 1] = t
    return _einsum_prim(args[0], *ops)


defvjp_argnum(_einsum_prim, _einsum_vjp)
defjvp_argnum(_einsum_prim, _einsum_jvp)


def tensordot(x: Any, y: Any, axes: Any = 2) -> Any:
    """``numpy.tensordot`` (an ``einsum`` when traced).

    Examples:
        >>> tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
        (2, 4)
    """
    if not (is_var(x) or is_var(y)):
        return np.tensordot(x, y, axes)
    nx, ny = ndim(x), ndim(y)
    if isinstance(axes, int):
        ax = list(range(nx - axes, nx))
        ay = list(range(axes))
    else:
        ax = [axes[0]] if isinstance(axes[0], int) else list(axes[0])
        ay = [axes[1]] if isinstance(axes[1], int) else list(axes[1])
    ax = [a % nx for a in ax]
    ay = [a % ny for a in ay]
    letters = iter(_LETTERS)
    sx = [next(letters) for _ in range(nx)]
    sy = [next(letters) for _ in range(ny)]
    for a, b in zip(ax, ay, strict=True):
        sy[b] = sx[a]
    out = [c for i, c in enumerate(sx) if i not in ax] + [
        c for i, c in enumerate(sy) if i not in ay
    ]
    return einsum("".join(sx) + "," + "".join(sy) + "->" + "".join(out), x, y)


# Shape operations.


def _reshape(x: Any, newshape: Any) -> Any:
    """``numpy.reshape``: the same entries in a new shape (``-1`` infers one axis).

    Examples:
        >>> reshape(np.arange(6.0), (2, -1))
        array([[0., 1., 2.],
               [3., 4., 5.]])
    """
    return np.reshape(x, newshape)


reshape = primitive(_reshape, "reshape")
defvjp(reshape, lambda ans, x, newshape: lambda g: reshape(g, shape(x)), None)
defjvp(reshape, lambda t, ans, x, newshape: reshape(t, shape(ans)), None)


def ravel(x: Any) -> Any:
    """``x`` flattened to one axis.

    Examples:
        >>> ravel(np.array([[1.0, 2.0], [3.0, 4.0]]))
        array([1., 2., 3., 4.])
    """
    return reshape(x, (-1,))


def _expand_dims(x: Any, axis: Any) -> Any:
    """``numpy.expand_dims``: ``x`` with new axes of length 1 at ``axis``.

    Examples:
        >>> expand_dims(np.ones(3), 0).shape
        (1, 3)
    """
    if type(x) is np.ndarray:
        # A reshape: what numpy.expand_dims does, without its Python-level checks.
        axes = (axis,) if isinstance(axis, int) else axis
        n = x.ndim + len(axes)
        axes = sorted(a % n for a in axes)
        dims = iter(x.shape)
        return x.reshape(tuple(1 if i in axes else next(dims) for i in range(n)))
    return np.expand_dims(x, axis)


expand_dims = primitive(_expand_dims, "expand_dims")
defvjp(expand_dims, lambda ans, x, axis: lambda g: reshape(g, shape(x)), None)
defjvp(expand_dims, lambda t, ans, x, axis: reshape(t, shape(ans)), None)


def _squeeze(x: Any, axis: Any = None) -> Any:
    """``numpy.squeeze``: ``x`` without its axes of length 1 (those in ``axis``).

    Examples:
        >>> squeeze(np.ones((1, 3, 1))).shape
        (3,)
    """
    return np.squeeze(x, axis)


squeeze = primitive(_squeeze, "squeeze")
defvjp(squeeze, lambda ans, x, axis=None: lambda g: reshape(g, shape(x)), None)
defjvp(squeeze, lambda t, ans, x, axis=None: reshape(t, shape(ans)), None)


def _broadcast_to(x: Any, newshape: Any) -> Any:
    """``numpy.broadcast_to``; in reverse the gradient is summed back by ``unbroadcast``.

    Examples:
        >>> broadcast_to(np.array([1.0, 2.0]), (2, 2))
        array([[1., 2.],
               [1., 2.]])
    """
    return np.broadcast_to(x, newshape)


broadcast_to = primitive(_broadcast_to, "broadcast_to")
defvjp(broadcast_to, lambda ans, x, newshape: lambda g: unbroadcast(g, x), None)
defjvp(broadcast_to, lambda t, ans, x, newshape: broadcast_to(t, newshape), None)


def _transpose(x: Any, axes: Any = None) -> Any:
    """``numpy.transpose``: axes reversed, or permuted by ``axes``.

    Examples:
        >>> transpose(np.ones((2, 3, 4)), (1, 2, 0)).shape
        (3, 4, 2)
    """
    if type(x) is np.ndarray:
        return x.transpose(axes)
    return np.transpose(x, axes)


transpose = primitive(_transpose, "transpose")


def _inverse_axes(axes: Any, n: int) -> Any:
    if axes is None:
        return None
    return tuple(int(i) for i in np.argsort([a % n for a in axes]))


defvjp(
    transpose,
    lambda ans, x, axes=None: lambda g: transpose(g, _inverse_axes(axes, ndim(x))),
    None,
)
defjvp(transpose, lambda t, ans, x, axes=None: transpose(t, axes), None)


def swapaxes(x: Any, axis1: int, axis2: int) -> Any:
    """``x`` with two axes exchanged (a ``transpose``).

    Examples:
        >>> swapaxes(np.ones((2, 3, 4)), 0, 2).shape
        (4, 3, 2)
    """
    axes = list(range(ndim(x)))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, tuple(axes))


def moveaxis(x: Any, source: Any, destination: Any) -> Any:
    """``x`` with axes ``source`` moved to ``destination`` (ints or sequences; a ``transpose``).

    Examples:
        >>> moveaxis(np.ones((2, 3, 4)), 0, -1).shape
        (3, 4, 2)
        >>> moveaxis(np.ones((2, 3, 4)), [0, 1], [-1, -2]).shape
        (4, 3, 2)
    """
    n = ndim(x)
    sources = [source % n] if isinstance(source, int) else [s % n for s in source]
    destinations = (
        [destination % n] if isinstance(destination, int) else [d % n for d in destination]
    )
    if len(sources) != len(destinations):
        raise ValueError(
            f"moveaxis: source {source!r} and destination {destination!r} must name the "
            f"same number of axes"
        )
    axes = [i for i in range(n) if i not in sources]
    for d, s in sorted(zip(destinations, sources, strict=True)):
        axes.insert(d, s)
    return transpose(x, tuple(axes))


def _flip(x: Any, axis: Any = None) -> Any:
    """``numpy.flip``: the entries of ``x`` in reverse order along ``axis``.

    Examples:
        >>> flip(np.array([1.0, 2.0, 3.0]))
        array([3., 2., 1.])
    """
    return np.flip(x, axis)


flip = primitive(_flip, "flip")
defvjp(flip, lambda ans, x, axis=None: lambda g: flip(g, axis), None)
defjvp(flip, lambda t, ans, x, axis=None: flip(t, axis), None)


def _concatenate(axis: int, *arrays: Any) -> Any:
    return np.concatenate(arrays, axis=axis)


_concatenate_prim = primitive(_concatenate, "concatenate")


def concatenate(arrays: Any, axis: int | None = 0) -> Any:
    """Join a sequence of arrays along an existing axis (``None``: flattened first).

    Examples:
        >>> concatenate([np.ones(2), np.zeros(1)])
        array([1., 1., 0.])
        >>> concatenate([np.ones((2, 2)), np.zeros(1)], axis=None)
        array([1., 1., 1., 1., 0.])
    """
    if axis is None:
        return _concatenate_prim(0, *(ravel(a) for a in arrays))
    return _concatenate_prim(axis, *arrays)


def _concatenate_vjp(
    argnum: int, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Callable[[Any], Any]:
    axis, arrays = args[0], args[1:]
    start = 0
    for a in arrays[: argnum - 1]:
        start += shape(a)[axis]
    stop = start + shape(arrays[argnum - 1])[axis]
    index = tuple(
        slice(start, stop) if i == axis % ndim(ans) else slice(None) for i in range(ndim(ans))
    )
    return lambda g: g[index]


defvjp_argnum(_concatenate_prim, _concatenate_vjp)
defjvp_argnum(
    _concatenate_prim,
    lambda argnum, t, ans, args, kwargs: _concatenate_prim(
        args[0],
        *(t if i == argnum else zeros_like(a) for i, a in enumerate(args) if i > 0),
    ),
)


def stack(arrays: Any, axis: int = 0) -> Any:
    """Join a sequence of same-shaped arrays along a new axis.

    Examples:
        >>> stack([np.ones(2), np.zeros(2)], axis=1)
        array([[1., 0.],
               [1., 0.]])
    """
    return concatenate([expand_dims(a, axis) for a in arrays], axis)


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Any]:
    """Split ``x`` into pieces along ``axis`` (slices of ``x``, each differentiable).

    Examples:
        >>> split(np.arange(4.0), [1, 3])
        [array([0.]), array([1., 2.]), array([3.])]
    """
    n = shape(x)[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ValueError(
                f"split: {n} entries along axis {axis} do not divide into "
                f"{indices_or_sections} equal sections"
            )
        step = n // indices_or_sections
        bounds = list(range(0, n + 1, step))
    else:
        bounds = [0, *indices_or_sections, n]
    index = [slice(None)] * ndim(x)
    pieces = []
    for lo, hi in itertools.pairwise(bounds):
        index[axis] = slice(lo, hi)
        pieces.append(x[tuple(index)])
    return pieces


# Indexing.


def _getitem(x: Any, index: Any) -> Any:
    """``x[index]``: basic, slice, boolean and fancy indexing; repeated indices add up in reverse.

    Examples:
        >>> getitem(np.array([1.0, 2.0, 3.0]), [2, 0, 2])
        array([3., 1., 3.])
    """
    return x[index]


getitem = primitive(_getitem, "getitem")


def _index_add(shape_: tuple[int, ...], index: Any, g: Any) -> Any:
    """Scatter-add ``g`` into zeros of ``shape_`` at ``index``: ``getitem`` in reverse.

    Repeated indices accumulate, as the gradient of a gather must.

    Examples:
        >>> index_add((3,), [0, 0, 2], np.array([1.0, 2.0, 5.0]))
        array([3., 0., 5.])
    """
    out = np.zeros(shape_, dtype=np.result_type(g))
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _is_basic(index: Any) -> bool:
    """Whether ``index`` selects each element at most once (ints, slices, None, ...)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice, np.integer)) for p in parts)


index_add = primitive(_index_add, "index_add")
defvjp(index_add, None, None, lambda ans, shp, index, g: lambda c: getitem(c, index))
defjvp(index_add, None, None, lambda t, ans, shp, index, g: index_add(shp, index, t))
defvjp(getitem, lambda ans, x, index: lambda g: index_add(shape(x), index, g), None)
defjvp(getitem, lambda t, ans, x, index: getitem(t, index), None)


def take(x: Any, indices: Any, axis: Any = None) -> Any:
    """Elements of ``x`` at ``indices`` along ``axis`` (gather; scatter-add in reverse).

    Examples:
        >>> take(np.array([[1.0, 2.0], [3.0, 4.0]]), [1, 1], axis=1)
        array([[2., 2.],
               [4., 4.]])
    """
    if axis is None:
        return getitem(ravel(x), indices)
    index = [slice(None)] * ndim(x)
    index[axis] = indices
    return getitem(x, tuple(index))


def _where(condition: Any, x: Any, y: Any) -> Any:
    """``numpy.where``: ``x`` where ``condition`` holds, else ``y``; each gets its part.

    Examples:
        >>> where(np.array([True, False]), np.array([1.0, 2.0]), 0.0)
        array([1., 0.])
    """
    return np.where(condition, x, y)


where = primitive(_where, "where")
defvjp(
    where,
    None,
    lambda ans, c, x, y: lambda g: unbroadcast(where(c, g, zeros_like(g)), x),
    lambda ans, c, x, y: lambda g: unbroadcast(where(c, zeros_like(g), g), y),
)
defjvp(
    where,
    None,
    _bj(lambda t, ans, c, x, y: where(c, t, zeros_like(t))),
    _bj(lambda t, ans, c, x, y: where(c, zeros_like(t), t)),
)


# Linear algebra: pnp.linalg.


def _inv(a: Any) -> Any:
    """``numpy.linalg.inv``: the inverse of (a stack of) square matrices.

    Examples:
        >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
        array([[0.5 , 0.  ],
               [0.  , 0.25]])
    """
    return np.linalg.inv(a)


inv = primitive(_inv, "inv")
defvjp(
    inv, lambda ans, a: lambda g: -matmul(matmul(swapaxes(ans, -1, -2), g), swapaxes(ans, -1, -2))
)
defjvp(inv, lambda t, ans, a: -matmul(matmul(ans, t), ans))


def _solve(a: Any, b: Any) -> Any:
    """``numpy.linalg.solve``: ``x`` with ``a @ x = b``, for ``b`` a vector or a matrix.

    Examples:
        >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([1.0, 1.0]))
        array([0.5 , 0.25])
    """
    return np.linalg.solve(a, b)


solve = primitive(_solve, "solve")


_VECTOR_ONLY_WHEN_1D = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def _is_vector_rhs(a: Any, b: Any) -> bool:
    """Whether ``solve(a, b)`` reads ``b`` as vectors, not as matrices (NumPy 2: 1-D only)."""
    if _VECTOR_ONLY_WHEN_1D:
        return ndim(b) == 1
    return ndim(b) == ndim(a) - 1


def _column(v: Any, a: Any, b: Any) -> Any:
    """``v`` (shaped like ``b`` or the answer) as a matrix of one column when b is a vector."""
    return expand_dims(v, -1) if _is_vector_rhs(a, b) else v


def _uncolumn(v: Any, a: Any, b: Any) -> Any:
    return squeeze(v, -1) if _is_vector_rhs(a, b) else v


def _solve_vjp_a(ans: Any, a: Any, b: Any) -> Callable[[Any], Any]:
    def pullback(g: Any) -> Any:
        gb = solve(swapaxes(a, -1, -2), _column(g, a, b))
        return unbroadcast(-matmul(gb, swapaxes(_column(ans, a, b), -1, -2)), a)

    return pullback


def _solve_vjp_b(ans: Any, a: Any, b: Any) -> Callable[[Any], Any]:
    def pullback(g: Any) -> Any:
        gb = solve(swapaxes(a, -1, -2), _column(g, a, b))
        return unbroadcast(_uncolumn(gb, a, b), b)

    return pullback


defvjp(solve, _solve_vjp_a, _solve_vjp_b)
defjvp(
    solve,
    lambda t, ans, a, b: -_uncolumn(solve(a, matmul(t, _column(ans, a, b))), a, b),
    lambda t, ans, a, b: broadcast_like(_uncolumn(solve(a, _column(t, a, b)), a, b), ans),
)


def _det(a: Any) -> Any:
    """``numpy.linalg.det``: the determinant of (a stack of) square matrices.

    Examples:
        >>> float(det(np.array([[2.0, 1.0], [1.0, 3.0]])))
        5.000000000000001
    """
    return np.linalg.det(a)


det = primitive(_det, "det")
defvjp(
    det,
    lambda ans, a: lambda g: expand_dims(expand_dims(g * ans, -1), -1) * swapaxes(inv(a), -1, -2),
)
defjvp(det, lambda t, ans, a: ans * _trace_last(matmul(inv(a), t)))


def _trace_last(m: Any) -> Any:
    return sum(m * np.eye(shape(m)[-1], dtype=_result_type(m)), axis=(-2, -1))


def _slogdet(a: Any) -> Any:
    return tuple(np.linalg.slogdet(a))


_logabsdet = primitive(lambda a: np.linalg.slogdet(a)[1], "logabsdet")
defvjp(
    _logabsdet,
    lambda ans, a: lambda g: expand_dims(expand_dims(g, -1), -1) * swapaxes(inv(a), -1, -2),
)
defjvp(_logabsdet, lambda t, ans, a: _trace_last(matmul(inv(a), t)))


def slogdet(a: Any) -> tuple[Any, Any]:
    """``(sign, logabsdet)`` as NumPy's ``SlogdetResult``; only ``logabsdet`` has a gradient.

    Examples:
        >>> sign, logabsdet = slogdet(np.array([[0.0, 2.0], [3.0, 0.0]]))
        >>> float(sign), float(logabsdet) == float(np.log(6.0))
        (-1.0, True)
    """
    result = np.linalg.slogdet(plain_value(a))
    if not is_var(a):
        return result
    return type(result)(result[0], _logabsdet(a))


# Non-differentiable helpers: plain NumPy, traced arguments read through.

zeros_like: Callable[..., Any] = nondifferentiable(np.zeros_like)
ones_like: Callable[..., Any] = nondifferentiable(np.ones_like)
full_like: Callable[..., Any] = nondifferentiable(np.full_like)
argmax: Callable[..., Any] = nondifferentiable(np.argmax)
argmin: Callable[..., Any] = nondifferentiable(np.argmin)
argsort: Callable[..., Any] = nondifferentiable(np.argsort)
zeros = np.zeros
ones = np.ones
full = np.full
arange = np.arange
linspace = np.linspace
eye = np.eye
array = np.array
asarray = np.asarray
float32 = np.float32
float64 = np.float64
int64 = np.int64
pi = np.pi
e = np.e
inf = np.inf
nan = np.nan
ndarray = np.ndarray


def astype(x: Any, dtype: Any) -> Any:
    """``x`` converted to a floating ``dtype``; the cotangent converts back.

    Examples:
        >>> astype(np.array([1.0, 2.0]), np.float32)
        array([1., 2.], dtype=float32)
    """
    return _astype(x, np.dtype(dtype))


_astype = primitive(lambda x, dtype: np.asarray(x).astype(dtype), "astype")
defvjp(_astype, lambda ans, x, dtype: lambda g: _astype(g, _result_type(x)), None)
defjvp(_astype, lambda t, ans, x, dtype: _astype(t, dtype), None)


# What Var's operators and array methods mean. An operator computes with Python's own
# operator, so traced code gives what the same code gives untraced (a float times a float
# is a float, not a NumPy scalar), and it shares its rules with the NumPy function.


# What each reverse rule reads, as (argument positions, whether it reads the answer); the
# tape keeps only the shape and dtype of the rest (see Primitive.saves_args). Positions of
# non-array arguments (axes, shapes, indices) are listed too: they are kept as they are.
_RESIDUALS: dict[Callable[..., Any], tuple[tuple[int, ...], bool]] = {
    add: ((), False),
    subtract: ((), False),
    negative: ((), False),
    multiply: ((0, 1), False),
    divide: ((1,), True),
    matmul: ((0, 1), False),
    exp: ((), True),
    expm1: ((), True),
    sqrt: ((), True),
    tan: ((), True),
    tanh: ((), True),
    sigmoid: ((), True),
    log: ((0,), False),
    log1p: ((0,), False),
    square: ((0,), False),
    abs: ((0,), False),
    sin: ((0,), False),
    cos: ((0,), False),
    arctan: ((0,), False),
    sinh: ((0,), False),
    cosh: ((0,), False),
    relu: ((0,), False),
    softplus: ((0,), False),
    sum: ((1, 2), False),
    mean: ((1, 2), False),
    log_softmax: ((1,), True),
    reshape: ((1,), False),
    expand_dims: ((1,), False),
    squeeze: ((1,), False),
    broadcast_to: ((1,), False),
    transpose: ((1,), False),
    getitem: ((1,), False),
    where: ((0,), False),
}
for _prim, (_args, _ans) in _RESIDUALS.items():
    primitive_of(_prim).saves_args = frozenset(_args)
    primitive_of(_prim).saves_ans = _ans


def _operator_twin(op: Callable[..., Any], like: Callable[..., Any]) -> Callable[..., Any]:
    twin = primitive(op, primitive_of(like).name)
    source, target = primitive_of(like), primitive_of(twin)
    target.vjps, target.jvps = source.vjps, source.jvps
    target.pullbacks = source.pullbacks
    target.saves_args, target.saves_ans = source.saves_args, source.saves_ans
    return twin


set_operators(
    add=_operator_twin(operator.add, add),
    subtract=_operator_twin(operator.sub, subtract),
    multiply=_operator_twin(operator.mul, multiply),
    divide=_operator_twin(operator.truediv, divide),
    power=_operator_twin(operator.pow, power),
    matmul=_operator_twin(operator.matmul, matmul),
    negative=_operator_twin(operator.neg, negative),
    abs=_operator_twin(operator.abs, abs),
    getitem=getitem,
)
PROPERTIES.update(T=lambda v: transpose(v))


def _method_axes(axes: tuple[Any, ...]) -> Any:
    """``x.transpose(1, 0)`` and ``x.transpose((1, 0))`` both mean the axes ``(1, 0)``."""
    if not axes or (len(axes) == 1 and axes[0] is None):
        return None
    if len(axes) == 1 and not isinstance(axes[0], int):
        return tuple(axes[0])
    return axes


METHODS.update(
    sum=sum,
    mean=mean,
    max=max,
    min=min,
    prod=prod,
    var=var,
    std=std,
    reshape=lambda v, *newshape: reshape(v, newshape[0] if len(newshape) == 1 else newshape),
    transpose=lambda v, *axes: transpose(v, _method_axes(axes)),
    swapaxes=swapaxes,
    take=take,
    argmax=argmax,
    argmin=argmin,
    ravel=ravel,
    flatten=ravel,
    dot=dot,
    squeeze=squeeze,
    cumsum=cumsum,
    astype=astype,
    clip=clip,
)

__all__ = [
    "abs",
    "absolute",
    "add",
    "amax",
    "amin",
    "arange",
    "arctan",
    "arctan2",
    "argmax",
    "argmin",
    "argsort",
    "array",
    "asarray",
    "astype",
    "broadcast_like",
    "broadcast_to",
    "ceil",
    "clip",
    "concatenate",
    "cos",
    "cosh",
    "cumsum",
    "det",
    "divide",
    "dot",
    "e",
    "einsum",
    "exp",
    "expand_dims",
    "expm1",
    "eye",
    "flip",
    "float32",
    "float64",
    "floor",
    "full",
    "full_like",
    "getitem",
    "index_add",
    "inf",
    "inner",
    "int64",
    "inv",
    "linspace",
    "log",
    "log1p",
    "log_softmax",
    "logistic",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "moveaxis",
    "multiply",
    "nan",
    "ndarray",
    "ndim",
    "negative",
    "ones",
    "ones_like",
    "outer",
    "pi",
    "power",
    "prod",
    "ravel",
    "relu",
    "reshape",
    "round",
    "shape",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "size",
    "slogdet",
    "softmax",
    "softplus",
    "solve",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "stop_gradient_array",
    "subtract",
    "sum",
    "swapaxes",
    "take",
    "tan",
    "tanh",
    "tensordot",
    "transpose",
    "true_divide",
    "unbroadcast",
    "var",
    "where",
    "zeros",
    "zeros_like",
]
