"""The workloads of ``_bench_work`` in the peers: HIPS autograd, torch eager, JAX jit.

Each peer is imported only when a benchmark asks for it (they are the ``bench`` extra),
and set to one thread: ``torch.set_num_threads(1)``, and XLA's CPU client without its
thread pool (the flags must be set before JAX is first imported). JAX computes in
float64 (``jax_enable_x64``) so that it runs the same step as the others. Every function
here returns plain NumPy values, so the results are checked like the others.
"""

from __future__ import annotations

import importlib
import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._cli import _bench_work as work

Peer = dict[str, Callable[..., Any]]


def load(name: str) -> Any:
    """The peer's module, or ``None`` when it is not installed."""
    if name == "jax":
        os.environ.setdefault(
            "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        )
    try:
        module = importlib.import_module(name)
    except ImportError:
        return None
    if name == "torch":
        module.set_num_threads(1)
    if name == "jax":
        module.config.update("jax_enable_x64", True)
    return module


# ---- HIPS autograd ------------------------------------------------------------------------------


def autograd_peer() -> Peer | None:
    autograd = load("autograd")
    if autograd is None:
        return None
    anp = importlib.import_module("autograd.numpy")

    def sigmoid(a: Any) -> Any:
        return 0.5 * (anp.tanh(0.5 * a) + 1.0)

    def mlp_loss(params: Any, x: Any, onehot: Any) -> Any:
        h = x
        for w, b in params[:-1]:
            h = sigmoid(anp.dot(h, w) + b)
        w, b = params[-1]
        logits = anp.dot(h, w) + b
        shifted = logits - anp.max(logits, axis=1, keepdims=True)
        log_p = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
        return -anp.sum(onehot * log_p) / x.shape[0]

    mlp_grad = autograd.value_and_grad(mlp_loss)

    def mlp(params: Any, x: Any, onehot: Any) -> tuple[Any, Any]:
        value, grads = mlp_grad(params, x, onehot)
        new = [
            (w - work.LR * gw, b - work.LR * gb)
            for (w, b), (gw, gb) in zip(params, grads, strict=True)
        ]
        return new, value

    def rnn_loss(params: Any, xs: Any) -> Any:
        wx, wh, b = params
        h = np.zeros((1, work.RNN_HIDDEN))
        for x in xs:
            h = anp.tanh(anp.dot(x, wx) + anp.dot(h, wh) + b)
        return anp.sum(h * h)

    def rosenbrock(x: Any) -> Any:
        return anp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    hvp = autograd.hessian_vector_product(rosenbrock)
    chain = autograd.grad(work.chain(anp.sin, anp.tanh))
    return {"mlp": mlp, "rnn": autograd.grad(rnn_loss), "hvp": hvp, "chain": chain}


# ---- torch eager --------------------------------------------------------------------------------


def torch_peer() -> Peer | None:
    torch = load("torch")
    if torch is None:
        return None

    def mlp_state(params: Any) -> Any:
        return [
            (torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True))
            for w, b in params
        ]

    def mlp(state: Any, x: Any, onehot: Any) -> tuple[Any, Any]:
        h = x
        for w, b in state[:-1]:
            h = torch.sigmoid(h @ w + b)
        w, b = state[-1]
        log_p = torch.log_softmax(h @ w + b, dim=1)
        loss = -(onehot * log_p).sum() / x.shape[0]
        loss.backward()
        with torch.no_grad():
            for w, b in state:
                w -= work.LR * w.grad
                b -= work.LR * b.grad
                w.grad = None
                b.grad = None
        return state, loss.detach()

    def rnn(params: Any, xs: Any) -> Any:
        wx, wh, b = (torch.tensor(p, requires_grad=True) for p in params)
        h = torch.zeros((1, work.RNN_HIDDEN), dtype=torch.float64)
        for x in xs:
            h = torch.tanh(x @ wx + h @ wh + b)
        (h * h).sum().backward()
        return tuple(p.grad.numpy() for p in (wx, wh, b))

    def rosenbrock(x: Any) -> Any:
        return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()

    def hvp(x: Any, v: Any) -> Any:
        return torch.autograd.functional.hvp(rosenbrock, x, v)[1].numpy()

    def chain(x: float) -> float:
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        y = t
        for _ in range(work.CHAIN_OPS // 4):
            y = torch.tanh(torch.sin(y) * 1.001 + 0.01)
        y.backward()
        return float(t.grad)

    def tensors(*arrays: Any) -> Any:
        return tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in arrays)

    return {
        "mlp": mlp,
        "mlp_state": mlp_state,
        "rnn": lambda params, xs: rnn(params, tensors(*xs)),
        "hvp": lambda x, v: hvp(*tensors(x, v)),
        "chain": chain,
        "tensors": tensors,
        "to_numpy": lambda state: [(w.detach().numpy(), b.detach().numpy()) for w, b in state],
    }


# ---- JAX jit ------------------------------------------------------------------------------------


def jax_peer() -> Peer | None:
    jax = load("jax")
    if jax is None:
        return None
    jnp = importlib.import_module("jax.numpy")

    def mlp_loss(params: Any, x: Any, onehot: Any) -> Any:
        h = x
        for w, b in params[:-1]:
            h = jax.nn.sigmoid(h @ w + b)
        w, b = params[-1]
        log_p = jax.nn.log_softmax(h @ w + b, axis=1)
        return -jnp.sum(onehot * log_p) / x.shape[0]

    def mlp() -> Callable[..., Any]:
        # A new function each time: JAX keeps what it compiled per function, and the
        # first-call figure is the compile of a step it has not seen.
        def mlp_update(params: Any, x: Any, onehot: Any) -> tuple[Any, Any]:
            value, grads = jax.value_and_grad(mlp_loss)(params, x, onehot)
            return jax.tree_util.tree_map(lambda p, g: p - work.LR * g, params, grads), value

        step = jax.jit(mlp_update, donate_argnums=0)

        def run(params: Any, x: Any, onehot: Any) -> tuple[Any, Any]:
            new, value = step(params, x, onehot)
            value.block_until_ready()
            return new, value

        return run

    def rnn_loss(params: Any, xs: Any) -> Any:
        wx, wh, b = params

        def cell(h: Any, x: Any) -> tuple[Any, None]:
            return jnp.tanh(x @ wx + h @ wh + b), None

        h, _ = jax.lax.scan(cell, jnp.zeros((1, work.RNN_HIDDEN)), xs)
        return jnp.sum(h * h)

    def rosenbrock(x: Any) -> Any:
        return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    def chain_f(x: Any) -> Any:
        for _ in range(work.CHAIN_OPS // 4):
            x = jnp.tanh(jnp.sin(x) * 1.001 + 0.01)
        return x

    rnn = jax.jit(jax.grad(rnn_loss))
    hvp = jax.jit(lambda x, v: jax.jvp(jax.grad(rosenbrock), (x,), (v,))[1])
    chain = jax.jit(jax.grad(chain_f))

    def ready(f: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            return jax.block_until_ready(f(*args))

        return run

    return {
        "mlp": mlp,
        "rnn": ready(rnn),
        "hvp": ready(hvp),
        "chain": ready(chain),
        "put": lambda tree: jax.tree_util.tree_map(jnp.asarray, tree),
        "to_numpy": lambda tree: jax.tree_util.tree_map(np.asarray, tree),
    }


def scalar(x: Any) -> float:
    value = float(np.asarray(x))
    assert math.isfinite(value)
    return value
