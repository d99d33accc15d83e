"""The IDX file format of MNIST: a magic number, the dimensions, then the raw values."""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["parse_idx", "read_idx"]

# The third byte of the magic number: the element type, stored big-endian.
_DTYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IdxError(ValueError):
    """A file is not a complete, well-formed IDX file."""


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """The array held by the bytes of an (uncompressed) IDX file.

    Args:
        data: the file's contents.
        name: what to call the file in error messages.

    Returns:
        A new NumPy array of the stored shape and element type (native byte
        order).

    Raises:
        IdxError: the magic number is wrong, or the data is shorter or longer than the
            header says (a truncated or corrupt file).

    Examples:
        >>> header = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3])
        >>> parse_idx(header + bytes(range(6)))
        array([[0, 1, 2],
               [3, 4, 5]], dtype=uint8)
    """
    if len(data) < 4:
        raise IdxError(f"{name}: {len(data)} bytes is too short for an IDX file")
    zero0, zero1, type_code, ndim = data[0], data[1], data[2], data[3]
    if zero0 != 0 or zero1 != 0 or type_code not in _DTYPES or ndim == 0:
        raise IdxError(
            f"{name}: not an IDX file (magic number {data[:4].hex()}; expected 0000 followed "
            f"by a type code in {sorted(hex(c) for c in _DTYPES)} and a dimension count)"
        )
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise IdxError(f"{name}: truncated in its header ({len(data)} of {header_size} bytes)")
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = _DTYPES[type_code]
    expected = header_size + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "longer than its header says"
        raise IdxError(
            f"{name}: {what}: the header describes an array of shape {shape} "
            f"({expected} bytes in all) but the file has {len(data)} bytes"
        )
    values: np.ndarray = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file, gzip-compressed (``.gz``) or not.

    Raises:
        FileNotFoundError: there is no file at ``path`` (the message names it).
        IdxError: the file is truncated or corrupt.

    Examples:
        >>> from paralens.data import bundled_mnist_dir
        >>> read_idx(bundled_mnist_dir() / "t10k-labels-idx1-ubyte.gz")[:10]
        array([7, 2, 1, 0, 4, 1, 4, 9, 5, 9], dtype=uint8)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no IDX file at {path}")
    raw = path.read_bytes()
    if path.suffix == ".gz" or raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise IdxError(f"{path}: corrupt or truncated gzip data ({err})") from err
    return parse_idx(raw, str(path))
