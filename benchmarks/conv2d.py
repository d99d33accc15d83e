"""conv2d forward and backward at MNIST sizes: paralens, hand-written im2col NumPy, PyTorch.

Two layers of the MNIST CNN, batch 64, 5x5 kernels, "same" padding: 1 -> 16 channels on
28x28 images and 16 -> 32 on 14x14. Each contender computes the forward pass, and the
forward and backward pass (the gradients of ``sum(y * g)`` with respect to the input and
the kernel, for a fixed cotangent ``g``):

- *numpy*: im2col written by hand (``sliding_window_view``, one copy, one matrix product),
  keeping the patch matrix from the forward pass for the kernel's gradient, and col2im
  (one strided addition per kernel tap) for the input's;
- *paralens*: ``pnp.conv2d`` under ``paralens.vjp``;
- *torch*: ``torch.nn.functional.conv2d`` on the CPU (``pip install -e '.[bench]'``
  installs ``torch==2.13.0``), in its own NCHW layout (the arrays converted once, outside
  the timing), gradients by ``torch.autograd.grad``.

All three are checked to agree before anything is timed. The contenders run interleaved
in each round, and a ratio is the median over rounds of the paired ratios (see
``_timing.py``).

Run: python benchmarks/conv2d.py [--rounds 7] [--blas-threads 1] [--wall] [--dtype float32]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from _timing import compare, set_blas_threads

BLAS_THREADS = set_blas_threads(sys.argv)

import numpy as np  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402

import paralens  # noqa: E402
import paralens.numpy as pnp  # noqa: E402

LAYERS = {"conv1 1->16 28x28": (28, 1, 16), "conv2 16->32 14x14": (14, 16, 32)}
BATCH, KERNEL, PAD = 64, 5, 2


# ---- hand-written im2col ---------------------------------------------------------------------


def im2col(x: np.ndarray) -> np.ndarray:
    """The patches of channels-last ``x`` as rows ``(n * h * w, 5 * 5 * c)``."""
    padded = np.pad(x, ((0, 0), (PAD, PAD), (PAD, PAD), (0, 0)))
    view = sliding_window_view(padded, (KERNEL, KERNEL), axis=(1, 2))  # n, h, w, c, kh, kw
    return view.transpose(0, 1, 2, 4, 5, 3).reshape(-1, KERNEL * KERNEL * x.shape[-1])


def numpy_forward(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cols = im2col(x)
    y = cols @ w.reshape(-1, w.shape[-1])
    return y.reshape(*x.shape[:-1], w.shape[-1]), cols


def numpy_backward(
    x: np.ndarray, w: np.ndarray, cols: np.ndarray, g: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    rows = g.reshape(-1, w.shape[-1])
    dw = (cols.T @ rows).reshape(w.shape)
    dcols = (rows @ w.reshape(-1, w.shape[-1]).T).reshape(*x.shape[:-1], KERNEL, KERNEL, -1)
    n, h, wd, c = x.shape
    dx = np.zeros((n, h + 2 * PAD, wd + 2 * PAD, c), dtype=g.dtype)
    for i in range(KERNEL):
        for j in range(KERNEL):
            dx[:, i : i + h, j : j + wd] += dcols[:, :, :, i, j]
    return dx[:, PAD:-PAD, PAD:-PAD], dw


def numpy_both(x: np.ndarray, w: np.ndarray, g: np.ndarray) -> Any:
    y, cols = numpy_forward(x, w)
    return y, numpy_backward(x, w, cols, g)


# ---- paralens --------------------------------------------------------------------------------


def paralens_forward(x: np.ndarray, w: np.ndarray) -> Any:
    return pnp.conv2d(x, w, padding="same")


def paralens_both(x: np.ndarray, w: np.ndarray, g: np.ndarray) -> Any:
    y, pullback = paralens.vjp(paralens_forward, x, w)
    return y, pullback(g)


# ---- torch -----------------------------------------------------------------------------------


def _tolerance(x: np.ndarray) -> float:
    return 1e-9 if x.dtype == np.float64 else 1e-3


def torch_contenders(x: np.ndarray, w: np.ndarray, g: np.ndarray) -> dict[str, Any] | None:
    try:
        import torch
        import torch.nn.functional as functional
    except ImportError:
        return None
    torch.set_num_threads(BLAS_THREADS)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    wt = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))
    gt = torch.from_numpy(np.ascontiguousarray(g.transpose(0, 3, 1, 2)))

    def forward() -> Any:
        with torch.no_grad():
            return functional.conv2d(xt, wt, padding=PAD)

    def both() -> Any:
        xg, wg = xt.clone().requires_grad_(), wt.clone().requires_grad_()
        y = functional.conv2d(xg, wg, padding=PAD)
        return y, torch.autograd.grad(y, (xg, wg), gt)

    y, (dx, dw) = both()
    expected = numpy_both(x, w, g)
    tol = _tolerance(x)
    np.testing.assert_allclose(y.detach().numpy().transpose(0, 2, 3, 1), expected[0], atol=tol)
    np.testing.assert_allclose(dx.numpy().transpose(0, 2, 3, 1), expected[1][0], atol=tol)
    np.testing.assert_allclose(dw.numpy().transpose(2, 3, 1, 0), expected[1][1], atol=10 * tol)
    return {"forward": forward, "both": both, "version": torch.__version__}


def check_paralens(x: np.ndarray, w: np.ndarray, g: np.ndarray) -> None:
    y, (dx, dw) = numpy_both(x, w, g)
    py, (pdx, pdw) = paralens_both(x, w, g)
    tol = _tolerance(x)
    np.testing.assert_allclose(py, y, atol=tol)
    np.testing.assert_allclose(pdx, dx, atol=tol)
    np.testing.assert_allclose(pdw, dw, atol=10 * tol)
    assert py.dtype == pdx.dtype == pdw.dtype == x.dtype


def _contenders(kind: str, x: np.ndarray, w: np.ndarray, g: np.ndarray) -> dict[str, Any]:
    if kind == "forward":
        return {"numpy": lambda: numpy_forward(x, w), "paralens": lambda: paralens_forward(x, w)}
    return {"numpy": lambda: numpy_both(x, w, g), "paralens": lambda: paralens_both(x, w, g)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--blas-threads", type=int, default=1)
    parser.add_argument("--wall", action="store_true", help="wall-clock time, not CPU time")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    args = parser.parse_args()
    dtype = np.dtype(args.dtype)
    rng = np.random.default_rng(0)
    print(
        f"conv2d, {dtype}, batch {BATCH}, {KERNEL}x{KERNEL} 'same'; BLAS threads {BLAS_THREADS}; "
        f"{'wall' if args.wall else 'CPU'} time, median of {args.rounds} rounds (ms)"
    )
    header = "| layer | pass | numpy | paralens | paralens / numpy | torch | paralens / torch |"
    print(header)
    print("|---|---|---:|---:|---:|---:|---:|")
    for label, (size, c_in, c_out) in LAYERS.items():
        x = rng.standard_normal((BATCH, size, size, c_in)).astype(dtype)
        scale = np.sqrt(KERNEL * KERNEL * c_in)
        w = (rng.standard_normal((KERNEL, KERNEL, c_in, c_out)) / scale).astype(dtype)
        g = rng.standard_normal((BATCH, size, size, c_out)).astype(dtype)
        check_paralens(x, w, g)
        torch_fns = torch_contenders(x, w, g)
        for kind in ("forward", "both"):
            fns = _contenders(kind, x, w, g)
            if torch_fns is not None:
                fns["torch"] = torch_fns[kind]
            times, ratios = compare(fns, rounds=args.rounds, wall=args.wall, baseline="paralens")
            ms = {name: 1e3 * t for name, t in times.items()}
            over_numpy = 1.0 / ratios["numpy"]
            torch_ms = f"{ms['torch']:.2f}" if "torch" in ms else "-"
            over_torch = f"{1.0 / ratios['torch']:.2f}" if "torch" in ratios else "-"
            pass_name = "forward" if kind == "forward" else "forward + backward"
            print(
                f"| {label} | {pass_name} | {ms['numpy']:.2f} | {ms['paralens']:.2f} | "
                f"{over_numpy:.2f} | {torch_ms} | {over_torch} |",
                flush=True,
            )
    if torch_fns is not None:
        print(f"torch {torch_fns['version']}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
