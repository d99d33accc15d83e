"""Regularisation and normalisation: ``dropout``, ``layer_norm``, ``batch_norm``.

``dropout`` and ``batch_norm`` behave differently in training and in evaluation, and keep
a state that changes from one training step to the next: dropout's key (so each step
draws a new mask, and the mask depends only on the key), batch norm's running statistics.
They are stateful models, ``ModelS``, whose state ``fit`` carries from step to step;
``model.evaluation()`` is the model as it runs in evaluation (dropout off, batch norm on
its running statistics), which ``learn.evaluate`` and ``fit``'s evaluation use.

Examples:
    >>> import numpy as np
    >>> from paralens import nn
    >>> drop = nn.dropout(0.5)
    >>> y, key = drop.apply(None, np.ones(6), drop.init_state(0))
    >>> sorted(set(y.tolist())), int(key[1])
    ([0.0, 2.0], 1)
    >>> y, _ = drop.evaluation().apply(None, np.ones(6), key)
    >>> y
    array([1., 1., 1., 1., 1., 1.])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

import paralens.numpy as pnp
from paralens._core import plain_value
from paralens.extend import nondifferentiable
from paralens.nn._layers import Array
from paralens.nn._model import Model, ModelS
from paralens.nn._shapes import SAME_SHAPE, LayerShape
from paralens.nn._structure import NO_PARAMS, Combinator, State
from paralens.tree import asarray_like, to_numpy
from paralens.tree._convert import library_of

__all__ = [
    "BatchNormState",
    "Norm",
    "batch_norm",
    "dropout",
    "dropout_mask",
    "layer_norm",
]


def _check_features(n: Any, where: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"{where}: features must be a positive int, got {n!r}")
    return int(n)


def _check_in(value: Any, low: float, high: float, closed: str, what: str, where: str) -> float:
    ok = isinstance(value, int | float | np.floating) and not isinstance(value, bool)
    number = float(value) if ok else float("nan")
    above = number > low or (closed[0] == "[" and number == low)
    below = number < high or (closed[1] == "]" and number == high)
    if not (ok and above and below):
        raise ValueError(
            f"{where}: {what} must be a number in {closed[0]}{low:g}, {high:g}{closed[1]}, "
            f"got {value!r}"
        )
    return number


# ---- dropout --------------------------------------------------------------------------------


def dropout_mask(key: Array, shape: tuple[int, ...], rate: float) -> Array:
    """The mask dropout multiplies by for ``key``: each entry 0 with probability ``rate``,
    else ``1 / (1 - rate)`` (so the mean is kept). It depends only on the key and shape.

    Args:
        key: two integers ``(seed, step)``, as ``dropout``'s state holds them.
        shape: the shape of the mask.
        rate: the probability of dropping an entry, in [0, 1).

    Examples:
        >>> key = np.array([7, 0])
        >>> bool(np.array_equal(dropout_mask(key, (4,), 0.5), dropout_mask(key, (4,), 0.5)))
        True
    """
    return _mask_of_key(key, shape=tuple(shape), rate=rate)


def _draw_mask(key: Array, *, shape: tuple[int, ...], rate: float) -> Array:
    rng = np.random.default_rng([int(k) for k in np.asarray(key).ravel()])
    kept = rng.random(shape) >= rate
    return np.where(kept, 1.0 / (1.0 - rate), 0.0)


# A primitive without derivative, so that paralens.jit records the draw from the key it is
# given at each call (a staged key has no numbers to seed a generator with while tracing).
_mask_of_key = nondifferentiable(_draw_mask)


def dropout(rate: float) -> ModelS[None, Array, Array, Array]:
    """Dropout: in training, each entry is zeroed with probability ``rate`` and the others
    scaled by ``1 / (1 - rate)``; in evaluation (``model.evaluation()``), the identity.

    Types: ``ModelS[None, Array, Array, Array]``: no parameters; the state is the key,
    two integers ``(seed, step)``, drawn by ``init_state`` and stepped by each call, so the
    mask depends only on the key.

    Args:
        rate: the probability of dropping an entry, in [0, 1).

    Returns:
        The stateful model.

    Raises:
        ValueError: ``rate`` is not in [0, 1).

    Examples:
        >>> import numpy as np
        >>> drop = dropout(0.25)
        >>> key = np.array([3, 0])
        >>> y1, _ = drop.apply(None, np.ones((2, 4)), key)
        >>> y2, _ = drop.apply(None, np.ones((2, 4)), key)
        >>> bool(np.array_equal(y1, y2))
        True
        >>> dropout(1.0)
        Traceback (most recent call last):
        ...
        ValueError: dropout(1.0): rate must be a number in [0, 1), got 1.0
    """
    name = f"dropout({rate!r})"
    p = _check_in(rate, 0.0, 1.0, "[)", "rate", name)

    def apply(params: None, x: Array, key: Array) -> tuple[Array, Array]:
        given = key
        if type(key) is not np.ndarray and library_of(key) is not None:
            key = to_numpy(key)  # a state moved to another library: its two integers
        step = key + np.array([0, 1])
        if given is not key:
            step = asarray_like(step, given)  # stepped, and kept in the state's library
        if p == 0.0:
            return x, step
        mask = dropout_mask(key, tuple(pnp.shape(x)), p)
        plain = plain_value(x)
        if type(plain) is not np.ndarray and library_of(plain) is not None:
            # Drawn by NumPy from the key, so that every library drops the same entries,
            # then moved to the input's library and device.
            mask = asarray_like(mask, plain)
        return x * mask, step

    def evaluation(params: None, x: Array, key: Array) -> tuple[Array, Array]:
        return x, key

    def init_state(rng: np.random.Generator) -> Array:
        return np.array([rng.integers(2**62), 0])

    return ModelS(
        apply,
        _no_params,
        init_state,
        name=name,
        kind=Combinator("layer", NO_PARAMS, State.OWN),
        shapes=SAME_SHAPE,
        evaluation=evaluation,
    )


def _no_params(rng: np.random.Generator) -> None:
    return None


# ---- normalisation --------------------------------------------------------------------------


@dataclass(frozen=True)
class Norm:
    """Parameters of a normalisation: a ``scale`` and a ``shift`` per feature.

    Examples:
        >>> Norm(scale=np.ones(3), shift=np.zeros(3)).scale
        array([1., 1., 1.])
    """

    scale: Array
    shift: Array


def _norm_init(n: int) -> Any:
    def init(rng: np.random.Generator) -> Norm:
        return Norm(np.ones(n), np.zeros(n))

    return init


def _features_shape(n: int) -> LayerShape:
    return LayerShape((..., n), lambda s: s, preserves=True)


def _check_input(x: Any, n: int, name: str) -> None:
    shape = tuple(pnp.shape(x))
    if not shape or shape[-1] != n:
        raise ValueError(
            f"{name} normalises {n} features (the last axis), got an input of shape {shape}"
        )


def layer_norm(features: int, eps: float = 1e-5) -> Model[Norm, Array, Array]:
    """Layer normalisation: each example's features (the last axis) to mean 0 and variance
    1, then scaled and shifted per feature.

    Types: ``Model[Norm, Array, Array]``, ``(..., features)`` to the same shape.

    Args:
        features: the size of the last axis.
        eps: added to the variance, positive.

    Returns:
        The layer; its parameters are ``Norm(scale, shift)``, starting at ones and zeros.

    References:
        Ba, Kiros and Hinton, *Layer normalization* (2016).

    Examples:
        >>> import numpy as np
        >>> norm = layer_norm(4)
        >>> y = norm.apply(norm.init(0), np.array([[1.0, 2.0, 3.0, 4.0]]))
        >>> np.round(y, 3)
        array([[-1.342, -0.447,  0.447,  1.342]])
    """
    name = f"layer_norm({features})"
    n = _check_features(features, name)
    epsilon = _check_in(eps, 0.0, np.inf, "()", "eps", name)

    def apply(p: Norm, x: Array) -> Array:
        _check_input(x, n, name)
        centred = x - pnp.mean(x, axis=-1, keepdims=True)
        variance = pnp.mean(centred * centred, axis=-1, keepdims=True)
        y: Array = centred / pnp.sqrt(variance + epsilon) * p.scale + p.shift
        return y

    return Model(apply, _norm_init(n), name=name, shapes=_features_shape(n))


@dataclass(frozen=True)
class BatchNormState:
    """The running statistics of a batch norm: the ``mean`` and ``var`` per feature, moving
    averages of the batches' (the variance unbiased, as PyTorch keeps it).

    Examples:
        >>> BatchNormState(np.zeros(2), np.ones(2)).var
        array([1., 1.])
    """

    mean: Array
    var: Array


def batch_norm(
    features: int, momentum: float = 0.1, eps: float = 1e-5
) -> ModelS[Norm, BatchNormState, Array, Array]:
    """Batch normalisation: each feature (the last axis) to mean 0 and variance 1 over the
    batch (every other axis), then scaled and shifted; in evaluation, with the running
    statistics instead of the batch's.

    In training each call also moves the running statistics towards the batch's:
    ``running = (1 - momentum) * running + momentum * batch``, the batch's variance
    unbiased (``n / (n - 1)`` times the one it normalises with). The statistics carry no
    gradient.

    Types: ``ModelS[Norm, BatchNormState, Array, Array]``, ``(..., features)`` to the same
    shape; the state starts at mean 0 and variance 1.

    Args:
        features: the size of the last axis (channels, for images).
        momentum: how far each batch moves the running statistics, in (0, 1].
        eps: added to the variance, positive.

    Returns:
        The stateful model; its parameters are ``Norm(scale, shift)``.

    References:
        Ioffe and Szegedy, *Batch normalization: accelerating deep network training by
        reducing internal covariate shift* (2015).

    Examples:
        >>> import numpy as np
        >>> norm = batch_norm(1)
        >>> x = np.array([[1.0], [3.0]])
        >>> y, s = norm.apply(norm.init(0), x, norm.init_state(0))
        >>> np.round(y.ravel(), 3), s.mean, s.var
        (array([-1.,  1.]), array([0.2]), array([1.1]))
    """
    name = f"batch_norm({features})"
    n = _check_features(features, name)
    rate = _check_in(momentum, 0.0, 1.0, "(]", "momentum", name)
    epsilon = _check_in(eps, 0.0, np.inf, "()", "eps", name)

    def apply(p: Norm, x: Array, s: BatchNormState) -> tuple[Array, BatchNormState]:
        _check_input(x, n, name)
        axes = tuple(range(pnp.ndim(x) - 1))
        count = pnp.size(x) // n
        if count < 2:
            raise ValueError(
                f"{name} needs at least 2 values per feature in a training batch to estimate "
                f"a variance, got an input of shape {tuple(pnp.shape(x))}; use larger "
                f"batches, or model.evaluation() to apply the running statistics"
            )
        mean = pnp.mean(x, axis=axes)
        centred = x - mean
        variance = pnp.mean(centred * centred, axis=axes)
        y: Array = centred / pnp.sqrt(variance + epsilon) * p.scale + p.shift
        batch_mean, batch_var = pnp.stop_gradient_array(mean), pnp.stop_gradient_array(variance)
        unbiased = batch_var * (count / (count - 1))
        new = BatchNormState(
            (1.0 - rate) * s.mean + rate * batch_mean, (1.0 - rate) * s.var + rate * unbiased
        )
        return y, new

    def evaluation(p: Norm, x: Array, s: BatchNormState) -> tuple[Array, BatchNormState]:
        _check_input(x, n, name)
        y: Array = (x - s.mean) / pnp.sqrt(s.var + epsilon) * p.scale + p.shift
        return y, s

    def init_state(rng: np.random.Generator) -> BatchNormState:
        return BatchNormState(np.zeros(n), np.ones(n))

    return ModelS(
        apply,
        _norm_init(n),
        init_state,
        name=name,
        shapes=_features_shape(n),
        evaluation=evaluation,
    )
