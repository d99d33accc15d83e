"""Differentiable ``numpy.linalg``: ``inv``, ``solve``, ``det``, ``slogdet``."""

from paralens.numpy._ops import det, inv, slogdet, solve

__all__ = ["det", "inv", "slogdet", "solve"]
