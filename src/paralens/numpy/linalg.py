"""Differentiable ``numpy.linalg``: ``inv``, ``solve``, ``det``, ``slogdet``."""

from paralens.numpy._composites import slogdet
from paralens.numpy._linalg import det, inv, solve

__all__ = ["det", "inv", "slogdet", "solve"]
