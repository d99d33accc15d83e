"""One SGD step of the 784-300-100-10 MLP on NumPy arrays and on torch tensors.

Three steps of the same model (logistic hidden units, log-softmax cross-entropy, SGD):
paralens on NumPy arrays (``paralens.value_and_grad`` of ``mlp_step.py``'s loss, as
``paralens train mnist`` trains), the same paralens code on torch tensors, and torch
eager itself (its own autograd, ``torch.autograd.grad``). They run in this process,
interleaved in paired rounds, on the same data; each step is checked to give the others'
parameters first. Ratios are to paralens on NumPy.

Run: python benchmarks/backends.py [--rounds 7] [--batches 32 256] [--device cpu]

BLAS and torch run single-threaded (``OPENBLAS_NUM_THREADS=1``,
``torch.set_num_threads(1)``) unless ``--blas-threads`` says otherwise; times are CPU
time, or wall-clock with ``--wall`` (always on a GPU, where each step is synchronised).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from _timing import compare, set_blas_threads

BLAS_THREADS = set_blas_threads(sys.argv)

# The model, its initialisation and its loss are mlp_step.py's (it sets the threads alike).
from mlp_step import SIZES, init, loss  # noqa: E402

# isort: split
import numpy as np  # noqa: E402
import torch  # noqa: E402

import paralens  # noqa: E402
from paralens import tree  # noqa: E402

LR = 0.1

loss_and_grad = paralens.value_and_grad(loss)


def paralens_step(params: Any, x: Any, onehot: Any) -> tuple[Any, Any]:
    """The step of paralens, on whichever library's arrays it is given."""
    value, grads = loss_and_grad(params, x, onehot)
    return tree.tree_map(lambda p, g: p - LR * g, params, grads), value


def torch_step(params: Any, x: Any, onehot: Any) -> tuple[Any, Any]:
    """The same step in torch eager, with torch's autograd."""
    leaves = [t.detach().requires_grad_() for pair in params for t in pair]
    h = x
    for i in range(0, len(leaves) - 2, 2):
        h = torch.sigmoid(h @ leaves[i] + leaves[i + 1])
    logits = h @ leaves[-2] + leaves[-1]
    value = -(onehot * torch.log_softmax(logits, dim=1)).sum() / x.shape[0]
    grads = torch.autograd.grad(value, leaves)
    with torch.no_grad():
        new = [t - LR * g for t, g in zip(leaves, grads, strict=True)]
    return [(new[i], new[i + 1]) for i in range(0, len(new), 2)], value.detach()


def check_agreement(steps: dict[str, Any], dtype: Any) -> None:
    """Every step gives paralens-on-NumPy's parameters and loss."""
    tol = 1e-4 if dtype == np.float32 else 1e-10
    reference, ref_value = steps["numpy"]()
    for name, step in steps.items():
        new, value = step()
        assert abs(float(value) - float(ref_value)) <= tol * abs(float(ref_value)), name
        for got, want in zip(tree.tree_leaves(new), tree.tree_leaves(reference), strict=True):
            got = tree.to_numpy(got)
            assert got.dtype == want.dtype, (name, got.dtype, want.dtype)
            assert np.allclose(got, want, rtol=tol, atol=tol), name


def synchronised(step: Any, device: str) -> Any:
    if not device.startswith("cuda"):
        return step

    def run() -> Any:
        out = step()
        torch.cuda.synchronize()
        return out

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batches", type=int, nargs="*", default=[32, 256])
    parser.add_argument("--blas-threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="torch device: cpu or cuda")
    parser.add_argument("--wall", action="store_true", help="wall-clock instead of CPU time")
    args = parser.parse_args()
    torch.set_num_threads(BLAS_THREADS)
    wall = args.wall or args.device != "cpu"
    like = torch.zeros((), device=args.device)
    print(
        f"MLP 784-300-100-10 SGD step; BLAS and torch threads: {BLAS_THREADS}; torch "
        f"{torch.__version__} on {like.device}; {'wall-clock' if wall else 'CPU'} ms per step"
    )
    print(
        f"{'dtype':8} {'batch':>5} {'paralens NumPy':>15} {'paralens torch':>15} {'ratio':>6} "
        f"{'torch eager':>12} {'ratio':>6}"
    )
    rng = np.random.default_rng(0)
    for dtype in (np.float64, np.float32):
        for batch in args.batches:
            params = init(dtype, rng)
            x = rng.random((batch, SIZES[0])).astype(dtype)
            onehot = np.eye(SIZES[-1], dtype=dtype)[rng.integers(0, SIZES[-1], batch)]
            plain = (params, x, onehot)
            on_torch = tree.asarray_like(plain, like)
            steps = {
                "numpy": lambda a=plain: paralens_step(*a),
                "paralens torch": synchronised(lambda a=on_torch: paralens_step(*a), args.device),
                "torch eager": synchronised(lambda a=on_torch: torch_step(*a), args.device),
            }
            check_agreement(steps, dtype)
            times, ratios = compare(steps, rounds=args.rounds, wall=wall, baseline="numpy")
            print(
                f"{np.dtype(dtype).name:8} {batch:5d} {times['numpy'] * 1e3:13.3f}ms "
                f"{times['paralens torch'] * 1e3:13.3f}ms {ratios['paralens torch']:6.2f} "
                f"{times['torch eager'] * 1e3:10.3f}ms {ratios['torch eager']:6.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
