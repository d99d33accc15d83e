"""``paralens demo``: differentiate a small model whose parameters are a dataclass."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import paralens.numpy as pnp
from paralens._ad import value_and_grad
from paralens.testing import check_grads

__all__ = ["Affine", "demo"]


@dataclass(frozen=True)
class Affine:
    """A heterogeneous parameter: two arrays and a float."""

    w: np.ndarray
    b: np.ndarray
    temperature: float


def _demo_loss(p: Affine, x: np.ndarray, y: np.ndarray) -> object:
    prediction = pnp.tanh(x @ p.w + p.b) / p.temperature
    return pnp.mean((prediction - y) ** 2)


def demo() -> int:
    """Differentiate a small heterogeneous model and check its gradients."""
    rng = np.random.default_rng(0)
    params = Affine(w=rng.standard_normal((3, 2)), b=np.zeros(2), temperature=1.5)
    x = rng.standard_normal((8, 3))
    y = rng.standard_normal((8, 2))
    print("paralens demo: a model whose parameters are a dataclass of two arrays and a float")
    print("  loss(p, x, y) = mean((tanh(x @ p.w + p.b) / p.temperature - y) ** 2)\n")
    loss, g = value_and_grad(_demo_loss)(params, x, y)
    print(f"loss = {loss:.6f}")
    print(f"the gradient is again an {type(g).__name__}:")
    for field in ("w", "b", "temperature"):
        value = getattr(g, field)
        kind = f"array{np.shape(value)}" if isinstance(value, np.ndarray) else type(value).__name__
        head = f"  d loss / d {field:<11} {kind:<12} = "
        print(head + np.array2string(np.asarray(value), precision=4, prefix=head))
    check_grads(_demo_loss, (params, x, y), order=2)
    print("\ncheck_grads: forward and reverse mode agree with finite differences, to order 2")
    return 0
