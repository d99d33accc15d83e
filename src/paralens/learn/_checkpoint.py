"""Checkpoints: any structure of arrays and numbers in one ``.npz`` file, its shape recorded.

The leaves are stored as arrays ``leaf_0``, ``leaf_1``...; the structure (container types,
dict keys, field names, and each leaf's type, dtype and shape) is stored beside them as
JSON, and so is an ``info`` dict. Loading takes a value of the expected structure
(``like``) and refuses, naming the first difference, a file of another structure.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from paralens._core import _vspace
from paralens.tree import child_keys, tree_flatten

__all__ = ["CheckpointError", "load_checkpoint", "save_checkpoint"]

_FORMAT = "paralens-checkpoint-1"


class CheckpointError(ValueError):
    """A checkpoint file is unreadable, or holds a value of another structure."""


def _leaf_kind(x: Any) -> str:
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, int):
        return "int"
    if isinstance(x, float):
        return "float"
    if isinstance(x, complex):
        return "complex"
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "O":
            raise TypeError("save_checkpoint cannot store arrays of Python objects")
        return f"array {x.dtype.str} {list(x.shape)}"
    if isinstance(x, np.generic):
        return f"scalar {x.dtype.str}"
    raise TypeError(
        f"save_checkpoint stores arrays and numbers; a leaf of type {type(x).__name__} "
        f"has no file format"
    )


def describe(x: Any, path: str = "") -> list[tuple[str, str]]:
    """``(path, what)`` for every container and leaf of ``x``, in flattening order.

    Examples:
        >>> for entry in describe({"w": 1.0, "b": (2, None)}):
        ...     print(entry)
        ('', 'dict')
        ("['w']", 'float')
        ("['b']", 'tuple')
        ("['b'][0]", 'int')
        ("['b'][1]", 'NoneType')
    """
    node = _vspace.node_def(x)
    if node is None:
        if not _vspace.is_leaf(x):
            raise TypeError(
                f"a checkpoint stores arrays and numbers in containers; the value at "
                f"{path or 'the root'} is a {type(x).__name__}, which has no file format"
            )
        return [(path, _leaf_kind(x))]
    children = node.flatten(x)[0]
    cls = type(x)
    name = cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    out = [(path, name)]
    for child_name, child in zip(child_keys(x), children, strict=True):
        out.extend(describe(child, path + child_name))
    return out


def save_checkpoint(
    path: str | os.PathLike[str], value: Any, info: dict[str, Any] | None = None
) -> Path:
    """Write ``value`` (any structure of arrays and numbers) and ``info`` to ``path``.

    The file is replaced atomically: an interrupted save leaves the previous file intact.

    Args:
        path: the file to write (conventionally ending in ``.npz``).
        value: parameters, optimiser states, or a tuple of them.
        info: JSON-serialisable extras (epoch number, history...).

    Returns:
        The path written.

    Examples:
        >>> import tempfile, numpy as np
        >>> path = Path(tempfile.mkdtemp()) / "params.npz"
        >>> _ = save_checkpoint(path, {"w": np.eye(2), "steps": 3}, info={"epoch": 1})
        >>> load_checkpoint(path, like={"w": np.zeros((2, 2)), "steps": 0})
        ({'w': array([[1., 0.],
               [0., 1.]]), 'steps': 3}, {'epoch': 1})
    """
    path = Path(path)
    structure = describe(value)
    leaves, _ = tree_flatten(value)
    arrays = {f"leaf_{i}": np.asarray(leaf) for i, leaf in enumerate(leaves)}
    header = {"format": _FORMAT, "structure": structure, "info": info or {}}
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as f:
            arrays["__header__"] = np.array(json.dumps(header))
            np.savez(f, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _restore_leaf(kind: str, array: np.ndarray) -> Any:
    if kind == "bool":
        return bool(array)
    if kind == "int":
        return int(array)
    if kind == "float":
        return float(array)
    if kind == "complex":
        return complex(array)
    if kind.startswith("scalar"):
        return array[()]
    return array


def _read(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            contents = {name: npz[name] for name in npz.files}
        header = json.loads(str(contents.pop("__header__")))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as err:
        raise CheckpointError(f"{path} is not a readable paralens checkpoint ({err})") from err
    if header.get("format") != _FORMAT:
        raise CheckpointError(f"{path}: unknown checkpoint format {header.get('format')!r}")
    return header, contents


def load_checkpoint(path: str | os.PathLike[str], like: Any) -> tuple[Any, dict[str, Any]]:
    """Read a checkpoint written by ``save_checkpoint`` into the structure of ``like``.

    Args:
        path: the file.
        like: a value of the structure expected (e.g. freshly initialised parameters);
            only its structure, leaf types, dtypes and shapes are used.

    Returns:
        ``(value, info)``.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        CheckpointError: the file is unreadable, or its structure differs from ``like``'s
            (the message names the first place where they differ).
    """
    path = Path(path)
    header, contents = _read(path)
    saved = [tuple(entry) for entry in header["structure"]]
    expected = describe(like)
    if saved != expected:
        raise CheckpointError(_difference(path, saved, expected))
    leaves, treedef = tree_flatten(like)
    try:
        restored = [
            _restore_leaf(_leaf_kind(leaf), contents[f"leaf_{i}"]) for i, leaf in enumerate(leaves)
        ]
    except KeyError as err:
        raise CheckpointError(f"{path}: leaf {err} is missing (a damaged file)") from err
    return treedef.unflatten(restored), header["info"]


def _difference(path: Path, saved: list[tuple[str, str]], expected: list[tuple[str, str]]) -> str:
    for (s_path, s_what), (e_path, e_what) in zip(saved, expected, strict=False):
        if (s_path, s_what) != (e_path, e_what):
            return (
                f"{path} holds a value of another structure than the one to load into: "
                f"at {s_path or 'the root'} it has {s_what}, where {e_path or 'the root'} "
                f"should be {e_what}. Load it into a value shaped like the one saved (same "
                f"model, optimiser and sizes)."
            )
    return (
        f"{path} holds a value of another structure than the one to load into: it has "
        f"{len(saved)} parts, {len(expected)} expected"
    )
