"""The workloads of ``paralens bench`` and ``benchmarks/peers.py``, in NumPy and paralens.

Each workload is written four ways here (hand-written NumPy gradients, paralens eager,
paralens ``jit``) and three more in ``_bench_peers`` (HIPS autograd, torch eager, JAX
jit). Every version computes the same thing on the same data, and ``check`` compares
their results before anything is timed.

- ``mlp``: one SGD step (lr 0.1) of a 784-300-100-10 MLP with logistic hidden units and
  the softmax cross-entropy, parameters updated (paralens jit and JAX donate them);
- ``rnn``: the gradient of an Elman RNN (input 8, hidden 32, tanh) over 50 steps, loss
  the sum of squares of the last state, with respect to its three parameters;
- ``hvp``: the Hessian of the 100-dimensional Rosenbrock function applied to a vector;
- ``chain``: the gradient of 1,000 scalar operations on a Python float, per operation.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

import paralens.numpy as pnp
from paralens import tree
from paralens._ad import grad, hvp, value_and_grad
from paralens.jit import jit
from paralens.learn import softmax_cross_entropy

LR = 0.1
SIZES = (784, 300, 100, 10)
Fn = Callable[[], Any]


# ---- MLP step -----------------------------------------------------------------------------


def mlp_data(dtype: Any, batch: int, seed: int = 0) -> tuple[Any, Any, Any]:
    rng = np.random.default_rng(seed)
    params = [
        ((rng.standard_normal((m, n)) / np.sqrt(m)).astype(dtype), np.zeros(n, dtype=dtype))
        for m, n in itertools.pairwise(SIZES)
    ]
    x = rng.random((batch, SIZES[0])).astype(dtype)
    onehot = np.eye(SIZES[-1], dtype=dtype)[rng.integers(0, SIZES[-1], batch)]
    return params, x, onehot


def _sigmoid(a: Any) -> Any:
    return 0.5 * (np.tanh(0.5 * a) + 1.0)


def mlp_numpy(params: Any, x: Any, onehot: Any) -> tuple[Any, Any]:
    (w1, b1), (w2, b2), (w3, b3) = params
    h1 = _sigmoid(x @ w1 + b1)
    h2 = _sigmoid(h1 @ w2 + b2)
    logits = h2 @ w3 + b3
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    value = -np.sum(onehot * log_probs) / x.shape[0]
    d_logits = (np.exp(log_probs) - onehot) / x.shape[0]
    d_a2 = (d_logits @ w3.T) * h2 * (1 - h2)
    d_a1 = (d_a2 @ w2.T) * h1 * (1 - h1)
    grads = [
        (x.T @ d_a1, d_a1.sum(0)),
        (h1.T @ d_a2, d_a2.sum(0)),
        (h2.T @ d_logits, d_logits.sum(0)),
    ]
    new = [(w - LR * gw, b - LR * gb) for (w, b), (gw, gb) in zip(params, grads, strict=True)]
    return new, value


def _mlp_loss(params: Any, x: Any, onehot: Any) -> Any:
    h = x
    for w, b in params[:-1]:
        h = pnp.sigmoid(h @ w + b)
    w, b = params[-1]
    return softmax_cross_entropy(h @ w + b, onehot)


def _mlp_update(params: Any, x: Any, onehot: Any) -> tuple[Any, Any]:
    value, grads = value_and_grad(_mlp_loss)(params, x, onehot)
    return tree.tree_map(lambda p, g: p - LR * g, params, grads), value


mlp_paralens = _mlp_update


def mlp_jit() -> Callable[..., tuple[Any, Any]]:
    """A fresh staged step (its first call traces), parameters donated."""
    return jit(_mlp_update, donate_argnums=0)


def threaded(
    step: Callable[..., tuple[Any, Any]], params: Any, *rest: Any, copy: bool = True
) -> Fn:
    """A timing loop body that feeds each step the parameters the last one returned
    (what donation needs), starting from a copy of ``params`` (or ``params`` itself)."""
    state = [tree.tree_map(np.copy, params) if copy else params]

    def run() -> Any:
        state[0], value = step(state[0], *rest)
        return value

    return run


# ---- Elman RNN ----------------------------------------------------------------------------

RNN_STEPS, RNN_IN, RNN_HIDDEN = 50, 8, 32


def rnn_data(seed: int = 0) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    params = (
        rng.standard_normal((RNN_IN, RNN_HIDDEN)) * 0.3,
        rng.standard_normal((RNN_HIDDEN, RNN_HIDDEN)) * 0.3,
        np.zeros(RNN_HIDDEN),
    )
    return params, rng.standard_normal((RNN_STEPS, 1, RNN_IN))


def rnn_numpy(params: Any, xs: Any) -> Any:
    wx, wh, b = params
    h = np.zeros((1, RNN_HIDDEN))
    hs = [h]
    for x in xs:
        h = np.tanh(x @ wx + h @ wh + b)
        hs.append(h)
    g = 2.0 * h
    gwx, gwh, gb = np.zeros_like(wx), np.zeros_like(wh), np.zeros_like(b)
    for t in range(len(xs) - 1, -1, -1):
        da = g * (1.0 - hs[t + 1] * hs[t + 1])
        gwx += xs[t].T @ da
        gwh += hs[t].T @ da
        gb += da.sum(0)
        g = da @ wh.T
    return gwx, gwh, gb


def _rnn_loss(params: Any, xs: Any) -> Any:
    wx, wh, b = params
    h = np.zeros((1, RNN_HIDDEN))
    for x in xs:
        h = pnp.tanh(x @ wx + h @ wh + b)
    return pnp.sum(h * h)


rnn_paralens = grad(_rnn_loss)


def rnn_jit() -> Callable[..., Any]:
    return jit(grad(_rnn_loss))


# ---- Rosenbrock Hessian-vector product -------------------------------------------------------

HVP_N = 100


def hvp_data(seed: int = 0) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal(HVP_N) * 0.5, rng.standard_normal(HVP_N)


def hvp_numpy(x: Any, v: Any) -> Any:
    """The Hessian of ``sum(100 (x[1:] - x[:-1]^2)^2 + (1 - x[:-1])^2)`` times ``v``."""
    a, b = x[:-1], x[1:]
    va, vb = v[:-1], v[1:]
    out = np.zeros_like(x)
    # d2/da2 = 1200 a^2 - 400 b + 2; d2/da db = -400 a; d2/db2 = 200.
    out[:-1] += (1200.0 * a * a - 400.0 * b + 2.0) * va - 400.0 * a * vb
    out[1:] += -400.0 * a * va + 200.0 * vb
    return out


def rosenbrock(x: Any) -> Any:
    a, b = x[:-1], x[1:]
    return pnp.sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2)


def hvp_paralens(x: Any, v: Any) -> Any:
    return hvp(rosenbrock, (x,), (v,))


def hvp_jit() -> Callable[..., Any]:
    return jit(hvp_paralens)


# ---- Scalar chain -----------------------------------------------------------------------------

CHAIN_OPS = 1000


def chain(sin: Callable[[Any], Any], tanh: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        for _ in range(CHAIN_OPS // 4):
            x = tanh(sin(x) * 1.001 + 0.01)
        return x

    return f


def chain_numpy(x: float) -> float:
    """The chain's derivative by hand, forward then backward, on Python floats."""
    derivatives = []
    for _ in range(CHAIN_OPS // 4):
        c = math.cos(x)
        x = math.tanh(math.sin(x) * 1.001 + 0.01)
        derivatives.append(c * 1.001 * (1.0 - x * x))
    g = 1.0
    for d in reversed(derivatives):
        g *= d
    return g


chain_paralens = grad(chain(pnp.sin, pnp.tanh))


def chain_jit() -> Callable[..., Any]:
    return jit(grad(chain(pnp.sin, pnp.tanh)))


def close(a: Any, b: Any, tol: float) -> bool:
    """Whether two results (lists and tuples of arrays and numbers, of any library)
    agree within ``tol``."""
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (
            isinstance(a, (list, tuple))
            and isinstance(b, (list, tuple))
            and len(a) == len(b)
            and all(close(x, y, tol) for x, y in zip(a, b, strict=True))
        )
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return x.shape == y.shape and bool(np.allclose(x, y, rtol=tol, atol=tol))


def threaded_copy(params: Any) -> Any:
    """A copy of ``params`` to give a step that donates them."""
    return tree.tree_map(np.copy, params)
