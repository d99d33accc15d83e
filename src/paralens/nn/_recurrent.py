"""Stateful layers: autoregressive models and recurrent networks, as ``ModelS`` values.

Each is a function ``apply(p, x, s) -> (y, s)``. Inputs may carry leading batch axes; the
initial states have none and broadcast against the batch on the first step. ``ar``,
``fcrnn`` and ``lstm`` are the stateful models of Justin Le's *A purely functional typed
approach to trainable models* (2018; ``ar2`` there is ``ar(2)`` here); ``gru`` is added.

Examples:
    >>> import numpy as np
    >>> from paralens import nn
    >>> cell = nn.lstm(3, 4)
    >>> y, s = cell.apply(cell.init(0), np.ones((2, 3)), cell.init_state(0))
    >>> y.shape, s.h.shape, s.c.shape
    ((2, 4), (2, 4), (2, 4))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

import paralens.numpy as pnp
from paralens.nn._layers import Array, _check_size, glorot
from paralens.nn._model import ModelS

__all__ = [
    "ARParams",
    "FCRNNParams",
    "GRUParams",
    "Gate",
    "LSTMParams",
    "LSTMState",
    "ar",
    "fcrnn",
    "gru",
    "lstm",
]


@dataclass(frozen=True)
class ARParams:
    """Parameters of an autoregressive model: ``y = c + Σ_i phi[i] x_{t-i}``.

    ``phi[0]`` weighs the current input, ``phi[i]`` the input ``i`` steps back.

    Examples:
        >>> import numpy as np
        >>> ARParams(c=0.0, phi=np.array([2.0, -1.0])).phi
        array([ 2., -1.])
    """

    c: float
    phi: Array


@dataclass(frozen=True)
class FCRNNParams:
    """Parameters of a fully connected recurrent layer: ``y = x @ w_x + s @ w_s + b``.

    Examples:
        >>> import numpy as np
        >>> FCRNNParams(np.zeros((1, 2)), np.zeros((2, 2)), np.zeros(2)).w_s.shape
        (2, 2)
    """

    w_x: Array
    w_s: Array
    b: Array


@dataclass(frozen=True)
class Gate:
    """One gate of a recurrent cell: ``x @ w_x + h @ w_h + b`` before its activation.

    Examples:
        >>> import numpy as np
        >>> Gate(np.zeros((3, 2)), np.zeros((2, 2)), np.zeros(2)).w_x.shape
        (3, 2)
    """

    w_x: Array
    w_h: Array
    b: Array


@dataclass(frozen=True)
class LSTMParams:
    """Parameters of an LSTM cell: its forget, input and output gates and its cell update.

    Examples:
        >>> p = lstm(1, 2).init(0)
        >>> p.forget.b
        array([1., 1.])
    """

    forget: Gate
    input: Gate
    output: Gate
    cell: Gate


class LSTMState(NamedTuple):
    """The state of an LSTM cell: the hidden output ``h`` and the cell memory ``c``."""

    h: Array
    c: Array


@dataclass(frozen=True)
class GRUParams:
    """Parameters of a GRU cell: its update and reset gates and its candidate.

    Examples:
        >>> gru(2, 3).init(0).candidate.w_h.shape
        (3, 3)
    """

    update: Gate
    reset: Gate
    candidate: Gate


def _gate(rng: np.random.Generator, n_in: int, n_out: int, bias: float = 0.0) -> Gate:
    return Gate(
        glorot(rng, n_in, n_out, (n_in, n_out)),
        glorot(rng, n_out, n_out, (n_out, n_out)),
        np.full(n_out, bias),
    )


def ar(n: int) -> ModelS[ARParams, Array, float, float]:
    """An autoregressive model of order ``n``.

    From the current input ``x_t`` and the ``n - 1`` inputs before it, kept as the state
    (most recent first), it predicts the next value ``c + Σ_{i<n} phi[i] x_{t-i}``.

    Types: ``ModelS[ARParams, Array, float, float]``: scalars in and out (or arrays of them,
    elementwise over a batch); the state is an array of the last ``n - 1`` inputs.

    Args:
        n: the order, at least 1.

    Returns:
        The model; its parameters are ``ARParams(c, phi)``, its first state zeros.

    Examples:
        >>> import numpy as np
        >>> m = ar(2)
        >>> p = ARParams(c=0.5, phi=np.array([2.0, -1.0]))
        >>> y, s = m.apply(p, 3.0, np.array([1.0]))
        >>> float(y), s
        (5.5, array([3.]))
    """
    _check_size(n, "the order n", "ar")

    def apply(p: ARParams, x: float, s: Array) -> tuple[float, Array]:
        x_col = pnp.expand_dims(x, -1)
        # adding 0 * x broadcasts an unbatched state against a batch of inputs
        full = pnp.concatenate([x_col, s + 0.0 * x_col], axis=-1)
        y: float = p.c + full @ p.phi
        return y, full[..., :-1]

    def init(rng: np.random.Generator) -> ARParams:
        return ARParams(0.0, rng.normal(0.0, 1.0 / n, size=n))

    def init_state(rng: np.random.Generator) -> Array:
        return np.zeros(n - 1)

    return ModelS(apply, init, init_state, name=f"ar({n})")


def fcrnn(n_in: int, n_out: int) -> ModelS[FCRNNParams, Array, Array, Array]:
    """A fully connected recurrent layer.

    It outputs ``y = x @ w_x + s @ w_s + b`` and keeps ``logistic(y)`` as its state, so
    ``map_s(pnp.logistic, fcrnn(n_in, n_out))`` outputs its state.

    Types: ``ModelS[FCRNNParams, Array, Array, Array]``: inputs of size ``n_in``, outputs
    and state of size ``n_out``.

    Args:
        n_in: input size.
        n_out: output (and state) size.

    Returns:
        The model; its parameters are ``FCRNNParams(w_x, w_s, b)``, its first state zeros.

    Examples:
        >>> import numpy as np
        >>> m = fcrnn(1, 2)
        >>> p = FCRNNParams(np.ones((1, 2)), np.zeros((2, 2)), np.zeros(2))
        >>> m.apply(p, np.array([0.0]), m.init_state(0))
        (array([0., 0.]), array([0.5, 0.5]))
    """
    _check_size(n_in, "n_in", "fcrnn")
    _check_size(n_out, "n_out", "fcrnn")

    def apply(p: FCRNNParams, x: Array, s: Array) -> tuple[Array, Array]:
        y = x @ p.w_x + s @ p.w_s + p.b
        return y, pnp.logistic(y)

    def init(rng: np.random.Generator) -> FCRNNParams:
        g = _gate(rng, n_in, n_out)
        return FCRNNParams(g.w_x, g.w_h, g.b)

    def init_state(rng: np.random.Generator) -> Array:
        return np.zeros(n_out)

    return ModelS(
        apply, init, init_state, name=f"fcrnn({n_in}, {n_out})", in_size=n_in, out_size=n_out
    )


def _pre(g: Any, x: Any, h: Any) -> Any:
    return x @ g.w_x + h @ g.w_h + g.b


def lstm(n_in: int, n_out: int) -> ModelS[LSTMParams, LSTMState, Array, Array]:
    """A long short-term memory cell.

    ``f, i, o = logistic(gates)``, ``c' = f * c + i * tanh(cell)``, ``h' = o * tanh(c')``;
    it outputs ``h'`` and keeps ``LSTMState(h', c')``.

    Types: ``ModelS[LSTMParams, LSTMState, Array, Array]``: inputs of size ``n_in``,
    outputs of size ``n_out``.

    Args:
        n_in: input size.
        n_out: output (hidden) size.

    Returns:
        The model; the forget gate's bias starts at 1, the first state is zeros.

    References:
        Hochreiter and Schmidhuber, *Long short-term memory* (1997); Gers et al.,
        *Learning to forget* (2000).

    Examples:
        >>> import numpy as np
        >>> m = lstm(2, 3)
        >>> y, s = m.apply(m.init(0), np.zeros(2), m.init_state(0))
        >>> y
        array([0., 0., 0.])
    """
    _check_size(n_in, "n_in", "lstm")
    _check_size(n_out, "n_out", "lstm")

    def apply(p: LSTMParams, x: Array, s: LSTMState) -> tuple[Array, LSTMState]:
        h, c = s
        forget = pnp.logistic(_pre(p.forget, x, h))
        inp = pnp.logistic(_pre(p.input, x, h))
        out = pnp.logistic(_pre(p.output, x, h))
        c_new = forget * c + inp * pnp.tanh(_pre(p.cell, x, h))
        h_new = out * pnp.tanh(c_new)
        return h_new, LSTMState(h_new, c_new)

    def init(rng: np.random.Generator) -> LSTMParams:
        return LSTMParams(
            _gate(rng, n_in, n_out, 1.0),
            _gate(rng, n_in, n_out),
            _gate(rng, n_in, n_out),
            _gate(rng, n_in, n_out),
        )

    def init_state(rng: np.random.Generator) -> LSTMState:
        return LSTMState(np.zeros(n_out), np.zeros(n_out))

    return ModelS(
        apply, init, init_state, name=f"lstm({n_in}, {n_out})", in_size=n_in, out_size=n_out
    )


def gru(n_in: int, n_out: int) -> ModelS[GRUParams, Array, Array, Array]:
    """A gated recurrent unit; its state is its output, as ``fcrnn``'s.

    ``z, r = logistic(gates)``, ``n = tanh(x @ w_x + (r * h) @ w_h + b)``,
    ``h' = (1 - z) * n + z * h``; it outputs and keeps ``h'``.

    Types: ``ModelS[GRUParams, Array, Array, Array]``: inputs of size ``n_in``, outputs
    and state of size ``n_out``.

    Args:
        n_in: input size.
        n_out: output (and state) size.

    Returns:
        The model; its first state is zeros.

    References:
        Cho et al., *Learning phrase representations using RNN encoder-decoder for
        statistical machine translation* (2014).

    Examples:
        >>> import numpy as np
        >>> m = gru(2, 3)
        >>> y, s = m.apply(m.init(0), np.ones((5, 2)), m.init_state(0))
        >>> y.shape, s.shape
        ((5, 3), (5, 3))
    """
    _check_size(n_in, "n_in", "gru")
    _check_size(n_out, "n_out", "gru")

    def apply(p: GRUParams, x: Array, h: Array) -> tuple[Array, Array]:
        z = pnp.logistic(_pre(p.update, x, h))
        r = pnp.logistic(_pre(p.reset, x, h))
        cand = p.candidate
        n = pnp.tanh(x @ cand.w_x + (r * h) @ cand.w_h + cand.b)
        h_new = (1.0 - z) * n + z * h
        return h_new, h_new

    def init(rng: np.random.Generator) -> GRUParams:
        return GRUParams(_gate(rng, n_in, n_out), _gate(rng, n_in, n_out), _gate(rng, n_in, n_out))

    def init_state(rng: np.random.Generator) -> Array:
        return np.zeros(n_out)

    return ModelS(
        apply, init, init_state, name=f"gru({n_in}, {n_out})", in_size=n_in, out_size=n_out
    )
