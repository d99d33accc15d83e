"""MNIST: the bundled 10,000 test digits, and the full 70,000 downloaded, checked, cached."""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
import tempfile
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as np

from paralens.data._idx import IdxError, parse_idx

__all__ = [
    "MIRRORS",
    "MNIST_FILES",
    "MNIST_RAW_SHA256",
    "bundled_mnist_dir",
    "load_mnist",
    "mnist_cache_dir",
]

Split = tuple[np.ndarray, np.ndarray]

# File name -> MD5 of the original gzip files published by LeCun, Cortes and Burges.
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
# Uncompressed file name -> SHA-256 of its contents, for files given uncompressed or
# compressed anew (whose gzip bytes, and so MD5, differ from the originals').
MNIST_RAW_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
BUNDLED_TRAIN = 8000

_OFFLINE = (
    "could not download {name} from any MNIST mirror:\n{errors}\n"
    "Without network access, download the four files {files} by hand, put them in one "
    "directory and call load_mnist(path='that/directory', full=True) (or pass --data-dir "
    "on the command line). load_mnist() without full=True uses the bundled 10,000 digits "
    "and needs no network."
)


def bundled_mnist_dir() -> Path:
    """The directory of the MNIST test set shipped inside the package."""
    return Path(__file__).parent / "mnist"


def mnist_cache_dir() -> Path:
    """Where ``load_mnist(full=True)`` keeps the files it downloads.

    ``$PARALENS_DATA/mnist`` if that variable is set, else ``paralens/mnist`` inside the
    user's cache directory (``$XDG_CACHE_HOME``, ``~/.cache``, ``~/Library/Caches`` on
    macOS, ``%LOCALAPPDATA%`` on Windows).

    Examples:
        >>> mnist_cache_dir().name
        'mnist'
    """
    root = os.environ.get("PARALENS_DATA")
    if root:
        return Path(root).expanduser() / "mnist"
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "paralens" / "mnist"


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def _fetch(url: str, destination: Path) -> None:
    """Download ``url`` to ``destination`` (replaced by tests to run offline)."""
    with urllib.request.urlopen(url, timeout=30) as response:
        destination.write_bytes(response.read())


def _download(name: str, directory: Path) -> Path:
    """Download ``name`` into ``directory`` from the first mirror that gives the right file."""
    directory.mkdir(parents=True, exist_ok=True)
    errors = []
    for mirror in MIRRORS:
        with tempfile.TemporaryDirectory(dir=directory) as tmp:
            partial = Path(tmp) / name
            try:
                _fetch(mirror + name, partial)
            except (urllib.error.URLError, OSError, TimeoutError) as err:
                errors.append(f"  {mirror}{name}: {err}")
                continue
            digest = _md5(partial)
            if digest != MNIST_FILES[name]:
                errors.append(
                    f"  {mirror}{name}: MD5 {digest}, expected {MNIST_FILES[name]} "
                    f"(a corrupt or different file)"
                )
                continue
            target = directory / name
            os.replace(partial, target)
            return target
    raise ConnectionError(
        _OFFLINE.format(name=name, errors="\n".join(errors), files=", ".join(MNIST_FILES))
    )


def _decompress(path: Path, content: bytes) -> bytes:
    try:
        return gzip.decompress(content)
    except (OSError, EOFError, zlib.error) as err:
        raise IdxError(
            f"{path}: corrupt or truncated gzip data ({err}), and its MD5 "
            f"{hashlib.md5(content, usedforsecurity=False).hexdigest()} is not the original's. "
            f"Delete it and download it again."
        ) from err


def _read_checked(directory: Path, name: str) -> np.ndarray:
    """The array in ``name`` (or its uncompressed twin) in ``directory``, checked first.

    A gzip file passes when its MD5 is the original's, or when what it decompresses to
    has the original's SHA-256 (a file compressed anew); an uncompressed file passes on
    its SHA-256.
    """
    gz, raw_name = directory / name, name.removesuffix(".gz")
    raw_path = directory / raw_name
    if gz.is_file():
        path, content = gz, gz.read_bytes()
        if hashlib.md5(content, usedforsecurity=False).hexdigest() == MNIST_FILES[name]:
            return parse_idx(gzip.decompress(content), str(gz))
        content = _decompress(gz, content)
    elif raw_path.is_file():
        path, content = raw_path, raw_path.read_bytes()
    else:
        raise FileNotFoundError(
            f"MNIST file not found: looked for {gz} (or the uncompressed {raw_name}). "
            f"Pass the directory holding the MNIST files as load_mnist(path=...)."
        )
    digest = hashlib.sha256(content).hexdigest()
    if digest != MNIST_RAW_SHA256[raw_name]:
        found = (
            f"neither its MD5 nor the SHA-256 of what it holds ({digest}) is the original's"
            if path == gz
            else f"SHA-256 {digest} differs from the original's {MNIST_RAW_SHA256[raw_name]}"
        )
        raise IdxError(
            f"{path}: {found}; the file is corrupt, truncated or from another data set. "
            f"Delete it and download it again."
        )
    return parse_idx(content, str(path))


def _load_pair(directory: Path, prefix: str) -> Split:
    images = _read_checked(directory, f"{prefix}-images-idx3-ubyte.gz")
    labels = _read_checked(directory, f"{prefix}-labels-idx1-ubyte.gz")
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise IdxError(
            f"{directory}: {prefix} images of shape {images.shape} do not match labels of "
            f"shape {labels.shape}; expected (n, 28, 28) and (n,)"
        )
    x = images.reshape(len(images), -1).astype(np.float64) / 255.0
    return x, labels.astype(np.int64)


def load_mnist(
    path: str | os.PathLike[str] | None = None,
    full: bool = False,
) -> tuple[Split, Split]:
    """The MNIST digits as ``((train_images, train_labels), (test_images, test_labels))``.

    Images are float64 arrays of shape ``(n, 784)`` with values in [0, 1]; labels are int64
    arrays of digits 0-9. Every file is checked before it is used, compressed or not:
    a gzip file against the MD5 of the original (``MNIST_FILES``), or what it holds
    against the SHA-256 of the original's contents (``MNIST_RAW_SHA256``), as is an
    uncompressed file.

    Args:
        path: a directory holding the IDX files (gzip-compressed or not). By default the
            bundled files, or with ``full=True`` the cache directory (``mnist_cache_dir()``).
        full: the full set, 60,000 training and 10,000 test digits, downloaded from the
            standard mirrors when not in the cache.
            Without it: the 10,000 original test digits, split into the first 8,000 for
            training and the last 2,000 for testing (bundled: works offline).

    Raises:
        FileNotFoundError: a file is missing from ``path`` (the message names it).
        ConnectionError: ``full=True`` and a file could not be downloaded (the message says
            how to pass the files with ``path=``).
        IdxError: a file is corrupt, truncated, or not the original (a ``ValueError``).

    Examples:
        >>> (x, y), (x_test, y_test) = load_mnist()
        >>> x.shape, y.shape, x_test.shape, y_test.shape
        ((8000, 784), (8000,), (2000, 784), (2000,))
        >>> float(x.min()), float(x.max()), y[:5]
        (0.0, 1.0, array([7, 2, 1, 0, 4]))
    """
    if not full:
        directory = Path(path) if path is not None else bundled_mnist_dir()
        x, y = _load_pair(directory, "t10k")
        return (x[:BUNDLED_TRAIN], y[:BUNDLED_TRAIN]), (x[BUNDLED_TRAIN:], y[BUNDLED_TRAIN:])
    if path is not None:
        directory = Path(path)
    else:
        directory = mnist_cache_dir()
        for name in MNIST_FILES:
            if not (directory / name).is_file():
                _download(name, directory)
    return _load_pair(directory, "train"), _load_pair(directory, "t10k")
