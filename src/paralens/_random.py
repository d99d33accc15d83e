"""Keys: where randomness comes from, an int seed or a ``numpy.random.Generator``.

Everything that draws random numbers (``Model.init``, the synthetic data sets, training's
shuffling) takes a *key* and turns it into a generator with ``as_generator``: a generator
is used as it is (so successive draws differ), an int seeds a new one (so the same int
gives the same numbers).

Examples:
    >>> import numpy as np
    >>> int(as_generator(7).integers(100)) == int(as_generator(7).integers(100))
    True
    >>> rng = np.random.default_rng(0)
    >>> as_generator(rng) is rng
    True
"""

from __future__ import annotations

import numpy as np

__all__ = ["Key", "as_generator"]

Key = int | np.random.Generator
"""A source of randomness: an int seed or a ``numpy.random.Generator``."""


def as_generator(key: Key, usage: str = "key={}") -> np.random.Generator:
    """The generator behind ``key``: ``key`` itself, or a new one seeded with it.

    Args:
        key: an int seed (a NumPy integer too, but not a bool) or a generator.
        usage: how the caller's user passes a key, with ``{}`` where the key goes; the
            error shows it as the fix (``"model.init({})"`` gives ``model.init(0)``).

    Returns:
        ``key`` if it is a generator, else ``numpy.random.default_rng(key)``.

    Raises:
        TypeError: ``key`` is neither an int nor a generator.

    Examples:
        >>> int(as_generator(0).integers(10)) == int(as_generator(0).integers(10))
        True
        >>> as_generator("0", "model.init({})")
        Traceback (most recent call last):
        ...
        TypeError: key must be an int seed or a numpy.random.Generator, got str; use e.g. model.init(0) or model.init(np.random.default_rng(0))
    """  # noqa: E501
    if isinstance(key, np.random.Generator):
        return key
    if isinstance(key, int | np.integer) and not isinstance(key, bool):
        return np.random.default_rng(int(key))
    raise TypeError(
        f"key must be an int seed or a numpy.random.Generator, got {type(key).__name__}; "
        f"use e.g. {usage.format('0')} or {usage.format('np.random.default_rng(0)')}"
    )
