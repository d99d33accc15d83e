"""``paralens.jit``: trace once, replay fast; a transform that composes with the others.

``jit(f)`` stages ``f`` into a flat program of paralens primitives the first time it is
called with a given signature (structure, shapes, dtypes), optimises the program and
generates the Python code that replays it: NumPy calls and nothing else, no trace, no
tape. ``cond`` and ``scan`` are the control flow a staged function may use on traced
values.

Examples:
    >>> import numpy as np
    >>> import paralens
    >>> import paralens.numpy as pnp
    >>> from paralens.jit import jit
    >>> step = jit(lambda w, x, lr: w - lr * paralens.grad(lambda w: pnp.sum((x @ w) ** 2))(w))
    >>> w = step(np.ones(2), np.eye(2), 0.25)
    >>> w, step(w, np.eye(2), 0.1).round(3), step.cache_info().traces
    (array([0.5, 0.5]), array([0.4, 0.4]), 1)
"""

import sys
import types
from collections.abc import Callable, Sequence
from typing import TypeVar

from paralens.jit._abstract import Abstract, TracedValueError
from paralens.jit._control import cond, scan
from paralens.jit._jit import CacheInfo, Jitted, jit
from paralens.jit._program import Program

__all__ = [
    "Abstract",
    "CacheInfo",
    "Jitted",
    "Program",
    "TracedValueError",
    "cond",
    "jit",
    "scan",
]

R = TypeVar("R")


class _CallableModule(types.ModuleType):
    """``paralens.jit`` is this package and the transform: ``paralens.jit(f)`` stages ``f``."""

    def __call__(
        self,
        fun: Callable[..., R],
        static_argnums: int | Sequence[int] = (),
        donate_argnums: int | Sequence[int] = (),
    ) -> Jitted[R]:
        return jit(fun, static_argnums, donate_argnums)


sys.modules[__name__].__class__ = _CallableModule
