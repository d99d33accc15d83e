"""One SGD step of a 784-300-100-10 MLP: paralens against hand-written NumPy gradients.

The step is forward pass, log-softmax cross-entropy, backward pass and parameter update,
with logistic hidden units. The versions run in this process, interleaved, on the same
data; the ratio to hand-written is printed for each batch size and dtype. paralens runs
twice: with the library's loss (``paralens.learn.softmax_cross_entropy``, as
``paralens train mnist`` trains) and with the loss spelled out in ``paralens.numpy``
operations (column "pnp loss"). If HIPS autograd is importable, its figures are printed
beside ours.

Run: python benchmarks/mlp_step.py [--rounds 7] [--blas-threads 1] [--wall]

BLAS runs single-threaded unless ``--blas-threads`` says otherwise, and times are CPU
time unless ``--wall`` (see ``_timing.py``).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from typing import Any

from _timing import compare, set_blas_threads

BLAS_THREADS = set_blas_threads(sys.argv)

import numpy as np  # noqa: E402

import paralens  # noqa: E402
import paralens.numpy as pnp  # noqa: E402
from paralens.learn import softmax_cross_entropy  # noqa: E402

SIZES = (784, 300, 100, 10)
LR = 0.1
Params = list[tuple[np.ndarray, np.ndarray]]


def init(dtype: Any, rng: np.random.Generator) -> Params:
    return [
        (
            (rng.standard_normal((m, n)) / np.sqrt(m)).astype(dtype),
            np.zeros(n, dtype=dtype),
        )
        for m, n in itertools.pairwise(SIZES)
    ]


def logits_of(params: Any, x: np.ndarray) -> Any:
    h = x
    for w, b in params[:-1]:
        h = pnp.sigmoid(h @ w + b)
    w, b = params[-1]
    return h @ w + b


def loss(params: Any, x: np.ndarray, onehot: np.ndarray) -> Any:
    return softmax_cross_entropy(logits_of(params, x), onehot)


def pnp_loss(params: Any, x: np.ndarray, onehot: np.ndarray) -> Any:
    logits = logits_of(params, x)
    return -pnp.mean(pnp.sum(onehot * pnp.log_softmax(logits), axis=1))


def sgd_step(value_and_grad: Any) -> Any:
    def step(params: Params, x: np.ndarray, onehot: np.ndarray) -> tuple[Params, Any]:
        value, grads = value_and_grad(params, x, onehot)
        new = paralens.tree.tree_map(lambda p, g: p - LR * g, params, grads)
        return new, value

    return step


paralens_step = sgd_step(paralens.value_and_grad(loss))
pnp_loss_step = sgd_step(paralens.value_and_grad(pnp_loss))


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * a) + 1.0)


def handwritten_step(params: Params, x: np.ndarray, onehot: np.ndarray) -> tuple[Params, Any]:
    (w1, b1), (w2, b2), (w3, b3) = params
    h1 = sigmoid(x @ w1 + b1)
    h2 = sigmoid(h1 @ w2 + b2)
    logits = h2 @ w3 + b3
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    value = -np.mean(np.sum(onehot * log_probs, axis=1))
    d_logits = (np.exp(log_probs) - onehot) / x.shape[0]
    d_h2 = d_logits @ w3.T
    d_a2 = d_h2 * h2 * (1 - h2)
    d_h1 = d_a2 @ w2.T
    d_a1 = d_h1 * h1 * (1 - h1)
    grads = [
        (x.T @ d_a1, d_a1.sum(axis=0)),
        (h1.T @ d_a2, d_a2.sum(axis=0)),
        (h2.T @ d_logits, d_logits.sum(axis=0)),
    ]
    new = [(w - LR * gw, b - LR * gb) for (w, b), (gw, gb) in zip(params, grads, strict=True)]
    return new, value


def autograd_step_fn() -> Any:
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return None

    def aloss(params: Any, x: np.ndarray, onehot: np.ndarray) -> Any:
        h = x
        for w, b in params[:-1]:
            h = 0.5 * (anp.tanh(0.5 * (anp.dot(h, w) + b)) + 1.0)
        w, b = params[-1]
        logits = anp.dot(h, w) + b
        shifted = logits - anp.max(logits, axis=1, keepdims=True)
        log_probs = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
        return -anp.mean(anp.sum(onehot * log_probs, axis=1))

    agrad = autograd.value_and_grad(aloss)

    def step(params: Params, x: np.ndarray, onehot: np.ndarray) -> tuple[Params, Any]:
        value, grads = agrad(params, x, onehot)
        new = [(w - LR * gw, b - LR * gb) for (w, b), (gw, gb) in zip(params, grads, strict=True)]
        return new, value

    return step


def check_agreement(params: Params, x: np.ndarray, onehot: np.ndarray) -> None:
    theirs, v2 = handwritten_step(params, x, onehot)
    tol = 1e-4 if x.dtype == np.float32 else 1e-10
    for step in (paralens_step, pnp_loss_step):
        ours, v1 = step(params, x, onehot)
        assert np.allclose(v1, v2, rtol=tol), (v1, v2)
        for (w1, b1), (w2, b2) in zip(ours, theirs, strict=True):
            assert w1.dtype == x.dtype and np.allclose(w1, w2, rtol=tol, atol=tol)
            assert np.allclose(b1, b2, rtol=tol, atol=tol)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batches", type=int, nargs="*", default=[1, 32, 256])
    parser.add_argument("--blas-threads", type=int, default=1)
    parser.add_argument("--wall", action="store_true", help="wall-clock instead of CPU time")
    args = parser.parse_args()
    clock = "wall-clock" if args.wall else "CPU"
    print(f"MLP 784-300-100-10 SGD step; BLAS threads: {BLAS_THREADS}; {clock} time per step")
    rng = np.random.default_rng(0)
    autograd_step = autograd_step_fn()
    header = (
        f"{'dtype':8} {'batch':>5} {'hand-written':>13} {'paralens':>10} {'ratio':>6} "
        f"{'pnp loss':>10} {'ratio':>6}"
    )
    if autograd_step is not None:
        header += f" {'autograd':>10} {'ratio':>6}"
    print(header)
    for dtype in (np.float64, np.float32):
        for batch in args.batches:
            params = init(dtype, rng)
            x = rng.random((batch, SIZES[0])).astype(dtype)
            onehot = np.eye(SIZES[-1], dtype=dtype)[rng.integers(0, SIZES[-1], batch)]
            check_agreement(params, x, onehot)
            batch_args = (params, x, onehot)
            contenders = {
                "hand": lambda a=batch_args: handwritten_step(*a),
                "paralens": lambda a=batch_args: paralens_step(*a),
                "pnp loss": lambda a=batch_args: pnp_loss_step(*a),
            }
            if autograd_step is not None:
                contenders["autograd"] = lambda a=batch_args: autograd_step(*a)
            times, ratios = compare(contenders, rounds=args.rounds, wall=args.wall, baseline="hand")
            line = (
                f"{np.dtype(dtype).name:8} {batch:5d} {times['hand'] * 1e6:11.1f}us "
                f"{times['paralens'] * 1e6:8.1f}us {ratios['paralens']:6.3f} "
                f"{times['pnp loss'] * 1e6:8.1f}us {ratios['pnp loss']:6.3f}"
            )
            if autograd_step is not None:
                line += f" {times['autograd'] * 1e6:8.1f}us {ratios['autograd']:6.3f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
