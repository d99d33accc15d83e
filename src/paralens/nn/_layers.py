"""Layers: functions returning models.

Parameters are frozen dataclasses with named fields (``Linear(w, b)``), so gradients and
optimiser states come back with the same names. Weights act on row vectors, ``x @ w + b``,
so a batch is a leading axis. Weights start Glorot-uniform (He-normal before a ReLU),
biases at zero. The regressions and dense layers are the first models of Justin Le's *A
purely functional typed approach to trainable models* (2018): ``linReg``, ``logReg``,
``feedForward`` and ``feedForwardLog`` there.

Examples:
    >>> import numpy as np
    >>> from paralens import nn
    >>> layer = nn.linear(3, 2)
    >>> p = layer.init(0)
    >>> p.w.shape, p.b.shape
    ((3, 2), (2,))
    >>> layer.apply(p, np.ones((5, 3))).shape
    (5, 2)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt

import paralens.numpy as pnp
from paralens.nn._model import Model, then
from paralens.tree._convert import library_of

__all__ = [
    "Array",
    "LinReg",
    "Linear",
    "lin_reg",
    "linear",
    "log_reg",
    "logistic_layer",
    "mlp",
    "relu_layer",
    "softmax_layer",
    "tanh_layer",
]

Array = npt.NDArray[np.float64]
"""The array type models declare; traced values (Vars) stand in for it under the AD."""


@dataclass(frozen=True)
class LinReg:
    """Parameters of a scalar linear model ``y = a + b x``: two floats.

    Examples:
        >>> LinReg(a=1.0, b=2.0)
        LinReg(a=1.0, b=2.0)
    """

    a: float
    b: float


@dataclass(frozen=True)
class Linear:
    """Parameters of a fully connected layer ``x @ w + b``: ``w`` (n_in, n_out), ``b`` (n_out,).

    Examples:
        >>> import numpy as np
        >>> Linear(w=np.zeros((2, 1)), b=np.zeros(1)).w.shape
        (2, 1)
    """

    w: Array
    b: Array


def glorot(rng: np.random.Generator, n_in: int, n_out: int, shape: tuple[int, ...]) -> Array:
    """Glorot (Xavier) uniform weights: ``U(-l, l)`` with ``l = sqrt(6 / (n_in + n_out))``.

    References:
        Glorot and Bengio, *Understanding the difficulty of training deep feedforward
        neural networks* (2010).
    """
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=shape)


def he(rng: np.random.Generator, n_in: int, n_out: int, shape: tuple[int, ...]) -> Array:
    """He normal weights: ``N(0, 2 / n_in)``, for layers followed by a ReLU.

    References:
        He et al., *Delving deep into rectifiers* (2015).
    """
    return rng.normal(0.0, np.sqrt(2.0 / n_in), size=shape)


def _check_size(n: int, what: str, layer: str) -> None:
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{layer}: {what} must be a positive int, got {n!r}")


def _input_error(name: str, n_in: int, x: Any, e: Exception) -> ValueError:
    # ``apply`` has checked the parameters already, so the input is what does not fit.
    shape_x = tuple(pnp.shape(x))  # torch's Size shown as a tuple
    if not shape_x or shape_x[-1] != n_in:
        return ValueError(
            f"{name} expects inputs whose last axis has size {n_in}, got an input of shape "
            f"{shape_x}"
        )
    return ValueError(f"{name} cannot apply its parameters to an input of shape {shape_x}: {e}")


def _affine_again(name: str, n_in: int, x: Any, p: Any, e: Exception) -> Any:
    """``x @ p.w + p.b`` after the operators raised ``e``: through ``pnp.matmul`` for an
    array of a library whose operators refuse a traced operand (array_api_strict raises
    a TypeError where NumPy and torch hand the product to the traced value), else the
    error naming the layer and the input's shape."""
    if isinstance(e, TypeError) and library_of(x) is not None:
        try:
            return pnp.matmul(x, p.w) + p.b
        except (ValueError, TypeError, RuntimeError) as again:
            raise _input_error(name, n_in, x, again) from None
    raise _input_error(name, n_in, x, e) from None


def _dense(
    n_in: int,
    n_out: int,
    activation: Callable[[Any], Any] | None,
    name: str,
    weights: Callable[[np.random.Generator, int, int, tuple[int, ...]], Array] = glorot,
) -> Model[Linear, Array, Array]:
    _check_size(n_in, "n_in", name)
    _check_size(n_out, "n_out", name)

    def init(rng: np.random.Generator) -> Linear:
        return Linear(weights(rng, n_in, n_out, (n_in, n_out)), np.zeros(n_out))

    if activation is None:

        def apply(p: Linear, x: Array) -> Array:
            try:
                y: Array = x @ p.w + p.b
            except (ValueError, AttributeError, TypeError, RuntimeError) as e:
                y = _affine_again(name, n_in, x, p, e)
            return y

    else:
        act = activation

        def apply(p: Linear, x: Array) -> Array:
            try:
                z = x @ p.w + p.b
            except (ValueError, AttributeError, TypeError, RuntimeError) as e:
                z = _affine_again(name, n_in, x, p, e)
            y: Array = act(z)
            return y

    return Model(apply, init, name=name, in_size=n_in, out_size=n_out)


def linear(n_in: int, n_out: int) -> Model[Linear, Array, Array]:
    """A fully connected layer ``x @ w + b``.

    Types: ``Model[Linear, Array, Array]``, from inputs whose last axis has size ``n_in``
    to outputs whose last axis has size ``n_out``.

    Args:
        n_in: input size.
        n_out: output size.

    Returns:
        The layer; its parameters are ``Linear(w, b)``.

    Examples:
        >>> import numpy as np
        >>> m = linear(2, 1)
        >>> m.apply(Linear(np.array([[1.0], [2.0]]), np.array([0.5])), np.array([1.0, 1.0]))
        array([3.5])
    """
    return _dense(n_in, n_out, None, f"linear({n_in}, {n_out})")


def logistic_layer(n_in: int, n_out: int) -> Model[Linear, Array, Array]:
    """A fully connected layer followed by the logistic function.

    Types: ``Model[Linear, Array, Array]``; outputs lie in (0, 1).

    Args:
        n_in: input size.
        n_out: output size.

    Returns:
        The layer; its parameters are ``Linear(w, b)``.

    Examples:
        >>> import numpy as np
        >>> m = logistic_layer(2, 1)
        >>> m.apply(Linear(np.zeros((2, 1)), np.zeros(1)), np.ones(2))
        array([0.5])
    """
    return _dense(n_in, n_out, pnp.logistic, f"logistic_layer({n_in}, {n_out})")


def tanh_layer(n_in: int, n_out: int) -> Model[Linear, Array, Array]:
    """A fully connected layer followed by ``tanh``.

    Types: ``Model[Linear, Array, Array]``; outputs lie in (-1, 1).

    Args:
        n_in: input size.
        n_out: output size.

    Returns:
        The layer; its parameters are ``Linear(w, b)``.

    Examples:
        >>> import numpy as np
        >>> tanh_layer(2, 3).apply(Linear(np.zeros((2, 3)), np.zeros(3)), np.ones(2))
        array([0., 0., 0.])
    """
    return _dense(n_in, n_out, pnp.tanh, f"tanh_layer({n_in}, {n_out})")


def relu_layer(n_in: int, n_out: int) -> Model[Linear, Array, Array]:
    """A fully connected layer followed by ``max(0, ·)``, He-initialised.

    Types: ``Model[Linear, Array, Array]``; outputs are non-negative.

    Args:
        n_in: input size.
        n_out: output size.

    Returns:
        The layer; its parameters are ``Linear(w, b)``.

    Examples:
        >>> import numpy as np
        >>> m = relu_layer(1, 2)
        >>> m.apply(Linear(np.array([[1.0, -1.0]]), np.zeros(2)), np.array([2.0]))
        array([2., 0.])
    """
    return _dense(n_in, n_out, pnp.relu, f"relu_layer({n_in}, {n_out})", he)


def _softmax_last(z: Any) -> Any:
    return pnp.softmax(z, axis=-1)


def softmax_layer(n_in: int, n_out: int) -> Model[Linear, Array, Array]:
    """A fully connected layer followed by a softmax over the last axis.

    Types: ``Model[Linear, Array, Array]``; each output row is a probability vector.

    Args:
        n_in: input size.
        n_out: output size (the number of classes).

    Returns:
        The layer; its parameters are ``Linear(w, b)``.

    Examples:
        >>> import numpy as np
        >>> softmax_layer(2, 4).apply(Linear(np.zeros((2, 4)), np.zeros(4)), np.ones(2))
        array([0.25, 0.25, 0.25, 0.25])
    """
    return _dense(n_in, n_out, _softmax_last, f"softmax_layer({n_in}, {n_out})")


def mlp(
    sizes: Sequence[int], activation: Callable[[Any], Any] = pnp.tanh
) -> Model[tuple[Linear, ...], Array, Array]:
    """A multi-layer perceptron: fully connected layers with ``activation`` between them and a
    linear output, composed by ``nn.then``.

    Types: ``Model[tuple[Linear, ...], Array, Array]`` from size ``sizes[0]`` to
    ``sizes[-1]``. Its parameters are a flat tuple with one ``Linear`` per layer (a
    composition of kind ``"then"`` with one child per layer).

    Args:
        sizes: the layer sizes, input first; at least two.
        activation: applied after every layer but the last (e.g. ``pnp.tanh``, ``pnp.relu``,
            ``pnp.logistic``); ReLU layers are He-initialised.

    Returns:
        The model.

    Raises:
        ValueError: fewer than two sizes.

    Examples:
        >>> import numpy as np
        >>> import paralens.numpy as pnp
        >>> net = mlp([3, 8, 2], activation=pnp.relu)
        >>> net
        Model(relu_layer(3, 8) >> linear(8, 2))
        >>> p = net.init(0)
        >>> len(p), net.apply(p, np.ones((4, 3))).shape
        (2, (4, 2))
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"mlp needs at least two sizes (input and output), got {sizes}")
    act_name = getattr(activation, "__name__", "activation")
    act_name = {"sigmoid": "logistic"}.get(act_name, act_name)
    weights = he if activation is pnp.relu else glorot
    layers = [
        _dense(n_in, n_out, activation, f"{act_name}_layer({n_in}, {n_out})", weights)
        for n_in, n_out in itertools.pairwise(sizes[:-1])
    ]
    layers.append(linear(sizes[-2], sizes[-1]))
    return cast(Model[tuple[Linear, ...], Array, Array], then(*layers))


def _init_lin_reg(rng: np.random.Generator) -> LinReg:
    a, b = rng.normal(size=2)
    return LinReg(float(a), float(b))


def lin_reg() -> Model[LinReg, float, float]:
    """Scalar linear regression ``y = a + b x``.

    Types: ``Model[LinReg, float, float]`` (also elementwise over arrays of inputs).

    Returns:
        The model; its parameters are ``LinReg(a, b)``.

    Examples:
        >>> lin_reg().apply(LinReg(a=-1.0, b=2.0), 3.0)
        5.0
    """

    def apply(p: LinReg, x: float) -> float:
        y: float = p.a + p.b * x
        return y

    return Model(apply, _init_lin_reg, name="lin_reg", in_size=None, out_size=None)


def log_reg() -> Model[LinReg, float, float]:
    """Scalar logistic regression ``y = logistic(a + b x)``.

    Types: ``Model[LinReg, float, float]``; outputs lie in (0, 1).

    Returns:
        The model; its parameters are ``LinReg(a, b)``.

    Examples:
        >>> float(log_reg().apply(LinReg(a=0.0, b=1.0), 0.0))
        0.5
    """

    def apply(p: LinReg, x: float) -> float:
        y: float = pnp.logistic(p.a + p.b * x)
        return y

    return Model(apply, _init_lin_reg, name="log_reg")
