"""The gradient of a chain of 1,000 scalar operations: the AD's overhead per operation.

The chain cycles through ``sin``, multiplication by a constant, addition of a constant and
``tanh`` on a Python float, so almost all of the time is the AD's own bookkeeping. Prints
microseconds per operation, forward and backward together, for paralens and, if it is
importable, HIPS autograd.

Run: python benchmarks/scalar_chain.py [--ops 1000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

from _timing import compare

import paralens
import paralens.numpy as pnp


def chain(
    sin: Callable[[Any], Any], tanh: Callable[[Any], Any], n_ops: int
) -> Callable[[Any], Any]:
    """``x -> ...`` applying ``n_ops`` scalar operations in a repeating pattern of four."""

    def f(x: Any) -> Any:
        for _ in range(n_ops // 4):
            x = sin(x)
            x = x * 1.001
            x = x + 0.01
            x = tanh(x)
        return x

    return f


def expected_gradient(x: float, n_ops: int) -> float:
    g = 1.0
    for _ in range(n_ops // 4):
        g *= math.cos(x)
        x = math.sin(x) * 1.001 + 0.01
        x = math.tanh(x)
        g *= 1.001 * (1 - x * x)
    return g


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    n = args.ops - args.ops % 4
    x0 = 0.3
    ours = paralens.grad(chain(pnp.sin, pnp.tanh, n))
    assert math.isclose(ours(x0), expected_gradient(x0, n), rel_tol=1e-9)
    contenders: dict[str, Callable[[], Any]] = {"paralens": lambda: ours(x0)}
    try:
        import autograd
        import autograd.numpy as anp

        theirs = autograd.grad(chain(anp.sin, anp.tanh, n))
        assert math.isclose(theirs(x0), expected_gradient(x0, n), rel_tol=1e-9)
        contenders["autograd"] = lambda: theirs(x0)
    except ImportError:
        pass
    times, _ = compare(contenders, rounds=args.rounds, min_time=0.2)
    print(f"gradient of a chain of {n} scalar operations (forward and backward)")
    for name, seconds in times.items():
        print(f"  {name:9} {seconds / n * 1e6:6.2f} us per operation")


if __name__ == "__main__":
    main()
