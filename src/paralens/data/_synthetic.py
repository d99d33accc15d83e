"""Small synthetic data sets, each ``name(n, key=...) -> (inputs, targets)``, and batching."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import numpy as np

from paralens._random import Key, as_generator

__all__ = [
    "Key",
    "as_generator",
    "batches",
    "circle_data",
    "examples_in",
    "linear_data",
    "sine_wave",
    "two_moons",
]

Data = tuple[np.ndarray, np.ndarray]


def _check_n(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n <= 0:
        raise ValueError(f"n must be a positive number of examples, got {n!r}")


def linear_data(
    n: int,
    key: Key = 0,
    weights: Any = (2.0, -3.0),
    bias: float = 0.5,
    noise: float = 0.1,
) -> Data:
    """Points ``x`` with targets ``x @ weights + bias`` plus Gaussian noise.

    Returns:
        ``(x, y)`` with ``x`` of shape ``(n, len(weights))`` and ``y`` of shape ``(n,)``.

    Examples:
        >>> x, y = linear_data(100, key=0, noise=0.0)
        >>> x.shape, y.shape, bool(abs(y - (x @ [2.0, -3.0] + 0.5)).max() < 1e-12)
        ((100, 2), (100,), True)
    """
    _check_n(n)
    rng = as_generator(key)
    w = np.asarray(weights, dtype=float)
    x = rng.uniform(-1.0, 1.0, size=(n, w.shape[0]))
    return x, x @ w + bias + noise * rng.standard_normal(n)


def circle_data(n: int, key: Key = 0, radius: float = 1.0) -> Data:
    """2-D points in ``[-1.5, 1.5]²``, target 1.0 inside the circle of ``radius``, else 0.0.

    Examples:
        >>> x, y = circle_data(200, key=0)
        >>> x.shape, y.shape, set(y.tolist()) == {0.0, 1.0}
        ((200, 2), (200,), True)
        >>> bool(((x ** 2).sum(axis=1) < 1.0).astype(float).tolist() == y.tolist())
        True
    """
    _check_n(n)
    rng = as_generator(key)
    x = rng.uniform(-1.5, 1.5, size=(n, 2))
    return x, ((x**2).sum(axis=1) < radius**2).astype(float)


def sine_wave(n: int, key: Key = 0, period: float = 25.0, noise: float = 0.0) -> Data:
    """A sampled sine wave (random phase), each value paired with the next one.

    Returns:
        ``(x, y)`` of shape ``(n,)`` each, with ``y[t] == x[t + 1]``: a series to learn to
        continue.

    Examples:
        >>> x, y = sine_wave(50, key=0)
        >>> x.shape, bool((x[1:] == y[:-1]).all())
        ((50,), True)
    """
    _check_n(n)
    rng = as_generator(key)
    phase = rng.uniform(0.0, 2.0 * np.pi)
    series = np.sin(2.0 * np.pi * np.arange(n + 1) / period + phase)
    series = series + noise * rng.standard_normal(n + 1)
    return series[:-1], series[1:]


def two_moons(n: int, key: Key = 0, noise: float = 0.1) -> Data:
    """Two interleaved half circles in 2-D, labelled 0 and 1 (integer targets).

    Examples:
        >>> x, y = two_moons(100, key=0)
        >>> x.shape, int(y.sum())
        ((100, 2), 50)
    """
    _check_n(n)
    rng = as_generator(key)
    upper = n // 2
    angles = rng.uniform(0.0, np.pi, size=n)
    y = (np.arange(n) >= upper).astype(np.int64)
    x = np.where(
        y[:, None] == 0,
        np.stack([np.cos(angles), np.sin(angles)], axis=1),
        np.stack([1.0 - np.cos(angles), 0.5 - np.sin(angles)], axis=1),
    )
    x = x + noise * rng.standard_normal((n, 2))
    order = rng.permutation(n)
    return x[order], y[order]


def batches(
    data: tuple[Any, ...],
    batch_size: int,
    key: Key | None = 0,
    drop_last: bool = False,
    start: int = 0,
) -> Iterator[tuple[Any, ...]]:
    """The examples of ``data`` in batches, in an order shuffled by ``key``.

    Args:
        data: a tuple of arrays (e.g. ``(inputs, targets)``) sharing their first axis,
            of NumPy or another library (a torch tensor's batches are tensors on its
            device, gathered by an index of its own library).
        batch_size: examples per batch (the last one may be smaller).
        key: a seed or generator for the shuffle; ``None`` keeps the order. Passing the
            same generator each epoch gives a new order each epoch.
        drop_last: leave out a last, smaller batch.
        start: how many batches to leave out at the beginning (to continue an epoch
            where it stopped); the order is shuffled as without it, so the batches are
            the last ones of the full epoch.

    Yields:
        Tuples like ``data`` holding ``batch_size`` examples.

    Raises:
        ValueError: the arrays have different numbers of examples, ``batch_size`` is not
            positive, or ``start`` is negative.

    Examples:
        >>> import numpy as np
        >>> x, y = np.arange(5.0), np.arange(5)
        >>> [b[1].tolist() for b in batches((x, y), 2, key=None)]
        [[0, 1], [2, 3], [4]]
        >>> sorted(np.concatenate([b[1] for b in batches((x, y), 2, key=0)]).tolist())
        [0, 1, 2, 3, 4]
        >>> [b[1].tolist() for b in batches((x, y), 2, key=0, start=1)] == [
        ...     b[1].tolist() for b in batches((x, y), 2, key=0)][1:]
        True
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    sizes = [examples_in(a) for a in data]
    if not sizes or any(s != sizes[0] for s in sizes):
        raise ValueError(
            f"batches needs arrays with the same number of examples (first axis), got "
            f"lengths {sizes}"
        )
    if isinstance(start, bool) or not isinstance(start, int) or start < 0:
        raise ValueError(f"start must be a number of batches >= 0, got {start!r}")
    n = sizes[0]
    order = None if key is None else as_generator(key).permutation(n)
    stop = n - n % batch_size if drop_last else n
    for first in range(start * batch_size, stop, batch_size):
        if order is None:
            yield tuple(a[first : first + batch_size] for a in data)
        else:
            index = order[first : first + batch_size]
            yield tuple(a[index] if type(a) is np.ndarray else _rows(a, index) for a in data)


def examples_in(a: Any) -> int:
    """The length of ``a``'s first axis (``len``, which some array libraries lack)."""
    shape = getattr(a, "shape", None)
    return int(shape[0]) if shape else len(a)


def _rows(a: Any, index: np.ndarray) -> Any:
    """The rows ``index`` of ``a``, an array of another library than NumPy (a torch
    tensor...), the index made an array of that library on ``a``'s device."""
    library = sys.modules.get(type(a).__module__.partition(".")[0])
    make = getattr(library, "asarray", None)
    if make is None:
        return a[index]
    own = make(index, device=a.device) if hasattr(a, "device") else make(index)
    namespace = getattr(a, "__array_namespace__", None)
    if namespace is not None:
        return namespace().take(a, own, axis=0)  # the array API's one way to gather rows
    return a[own]
