"""Data: MNIST in IDX format (bundled subset; full set downloaded, checked, cached),
small synthetic sets, and batching.

Every data set is a pair ``(inputs, targets)`` of arrays whose first axis is the example.

Examples:
    >>> from paralens import data
    >>> (x, y), (x_test, y_test) = data.load_mnist()
    >>> x.shape, x_test.shape
    ((8000, 784), (2000, 784))
    >>> xs, ys = data.circle_data(64, key=0)
    >>> [b[0].shape for b in data.batches((xs, ys), 32, key=1)]
    [(32, 2), (32, 2)]
"""

from paralens.data._idx import IdxError, parse_idx, read_idx
from paralens.data._mnist import (
    MIRRORS,
    MNIST_FILES,
    MNIST_RAW_SHA256,
    bundled_mnist_dir,
    load_mnist,
    mnist_cache_dir,
)
from paralens.data._synthetic import (
    Key,
    as_generator,
    batches,
    circle_data,
    examples_in,
    linear_data,
    sine_wave,
    two_moons,
)

__all__ = [
    "MIRRORS",
    "MNIST_FILES",
    "MNIST_RAW_SHA256",
    "IdxError",
    "Key",
    "as_generator",
    "batches",
    "bundled_mnist_dir",
    "circle_data",
    "examples_in",
    "linear_data",
    "load_mnist",
    "mnist_cache_dir",
    "parse_idx",
    "read_idx",
    "sine_wave",
    "two_moons",
]
