"""Making arrays, dtypes and constants: NumPy's own, and helpers that read traced values.

Functions that build arrays from shapes are NumPy's functions themselves. Those that
take an array (``zeros_like``, ``argmax``, ...) have no derivative: traced arguments are
read through to their values, and the result is a plain array.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import nondifferentiable

zeros_like: Callable[..., Any] = nondifferentiable(np.zeros_like)
ones_like: Callable[..., Any] = nondifferentiable(np.ones_like)
full_like: Callable[..., Any] = nondifferentiable(np.full_like)
argmax: Callable[..., Any] = nondifferentiable(np.argmax)
argmin: Callable[..., Any] = nondifferentiable(np.argmin)
argsort: Callable[..., Any] = nondifferentiable(np.argsort)
zeros = np.zeros
ones = np.ones
full = np.full
arange = np.arange
eye = np.eye
array = np.array
asarray = np.asarray
float32 = np.float32
float64 = np.float64
int64 = np.int64
pi = np.pi
e = np.e
inf = np.inf
nan = np.nan
ndarray = np.ndarray
