"""Checkpoints: any structure of arrays and numbers in one ``.npz`` file, its shape recorded.

Each leaf is stored as an array named by its path in the value, the way Python reaches it
(``[0].w``, ``['layer'].b``, see ``paralens.tree.child_keys``), so the file can be read
by ``numpy.load`` alone. The structure (container types, keys and field names, each leaf's
type, dtype and shape) is stored beside the arrays as JSON, with an ``info`` dict.

Loading into a value of the expected structure (``like``) checks every container and every
leaf (type, dtype, shape) and refuses, naming the first difference, a file of another
structure; loading without ``like`` gives plain nested dicts and lists. A file written by
``fit`` also holds the optimiser state and the training position: ``load_checkpoint``
reads its parameters.

Files are written atomically (a temporary file, then a rename), so a save that is
interrupted, even by ``kill -9``, leaves the previous file intact; ``check_output_path``
removes the temporary files such a save left behind.

Arrays of other libraries (``torch.Tensor``, CuPy, JAX, ``array_api_strict``) are stored
as NumPy copies, so the file is the same whichever library trained the value; loaded
``like`` a value of such arrays, each leaf comes back an array of the library and device
of the leaf it is loaded for (NumPy without ``like``).
"""

from __future__ import annotations

import ast
import glob
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from paralens.tree import (
    asarray_like,
    child_keys,
    is_leaf,
    to_numpy,
    tree_flatten,
    tree_leaves_with_path,
)
from paralens.tree._convert import dtype_of, library_of

__all__ = [
    "CheckpointError",
    "check_output_path",
    "load_checkpoint",
    "read_parts",
    "save_checkpoint",
    "write_parts",
]

_FORMAT = "paralens-checkpoint-2"
_HEADER = "__header__"
Tree = dict[str, Any]


class CheckpointError(ValueError):
    """A checkpoint file is unreadable, or holds a value of another structure."""


def _leaf_kind(x: Any, path: str) -> str:
    if library_of(x) is not None:  # another library's array, stored as NumPy's
        return f"array {dtype_of(x).str} {list(x.shape)}"
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "O":
            raise TypeError(f"a checkpoint cannot store the array of Python objects at {path}")
        return f"array {x.dtype.str} {list(x.shape)}"
    if isinstance(x, np.generic):
        return f"scalar {x.dtype.str}"
    for kind in (bool, int, float, complex):
        if type(x) is kind:
            return kind.__name__
    raise TypeError(
        f"a checkpoint stores arrays and numbers in containers; the value at "
        f"{path or 'the root'} is a {type(x).__name__}, which has no file format"
    )


def describe(x: Any, path: str = "") -> Tree:
    """The structure of ``x`` as JSON: containers with their keys, leaves with their kind.

    Examples:
        >>> import numpy as np
        >>> describe({"w": np.zeros((2, 3), np.float32), "n": (1, None)})
        {'type': 'dict', 'keys': ["['w']", "['n']"], 'children': [{'leaf': 'array <f4 [2, 3]'}, {'type': 'tuple', 'keys': ['[0]', '[1]'], 'children': [{'leaf': 'int'}, {'type': 'NoneType', 'keys': [], 'children': []}]}]}
    """  # noqa: E501
    if is_leaf(x):
        return {"leaf": _leaf_kind(x, path)}
    keys = child_keys(x)
    try:
        # Everything below x counts as a leaf here, so these are x's own children.
        children = tree_flatten(x, is_leaf=lambda y: y is not x)[0]
    except TypeError:
        raise TypeError(
            f"a checkpoint stores arrays and numbers in containers; the value at "
            f"{path or 'the root'} is a {type(x).__name__}, which has no file format"
        ) from None
    return {
        "type": type(x).__qualname__,
        "keys": keys,
        "children": [describe(c, path + k) for k, c in zip(keys, children, strict=True)],
    }


def _first_difference(saved: Tree, expected: Tree, path: str = "") -> str | None:
    """Where and how ``saved`` differs from ``expected``, or ``None`` when they agree."""
    where = path or "the root"
    if "leaf" in saved or "leaf" in expected:
        if saved.get("leaf") == expected.get("leaf"):
            return None
        return f"at {where} it has {_what(saved)} where {_what(expected)} is expected"
    if saved["type"] != expected["type"] or saved["keys"] != expected["keys"]:
        return (
            f"at {where} it has {_what(saved)} with parts {_keys(saved)} where "
            f"{_what(expected)} with parts {_keys(expected)} is expected"
        )
    for key, s, e in zip(saved["keys"], saved["children"], expected["children"], strict=True):
        found = _first_difference(s, e, path + key)
        if found is not None:
            return found
    return None


def _keys(tree: Tree) -> str:
    return ", ".join(tree["keys"]) or "none"


def _what(tree: Tree) -> str:
    return str(tree["leaf"]) if "leaf" in tree else f"a {tree['type']}"


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}."


def _is_running(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would end the process there: never guess
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Delete the temporary files of saves to ``path`` whose process has ended."""
    removed = []
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = tmp.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _is_running(int(pid)):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def check_output_path(path: str | os.PathLike[str], what: str = "checkpoint") -> Path:
    """Check, before any work, that a file can be written at ``path``; return it as a Path.

    Creates the missing directories, writes and deletes a probe file in the directory,
    and deletes the temporary files that interrupted saves to ``path`` left behind.

    Raises:
        IsADirectoryError: ``path`` is a directory.
        PermissionError: its directory cannot be written.
        OSError: its directory cannot be created.

    Examples:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> check_output_path(folder / "runs" / "a.npz") == folder / "runs" / "a.npz"
        True
        >>> check_output_path(folder)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        IsADirectoryError: the checkpoint path ... is a directory; give a file inside it, such as .../run.npz
    """  # noqa: E501
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(
            f"the {what} path {path} is a directory; give a file inside it, such as "
            f"{path / ('run.npz' if what == 'checkpoint' else 'out' + path.suffix)}"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(
            dir=path.parent, prefix=_temporary_prefix(path), suffix=".tmp"
        )
        os.close(handle)
        os.unlink(probe)
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise type(err)(
            f"cannot write the {what} {path}: {reason} in {path.parent}; choose a path in a "
            f"directory you can write to",
        ) from None
    remove_stale_temporaries(path)
    return path


def write_parts(path: str | os.PathLike[str], parts: dict[str, Any], info: dict[str, Any]) -> Path:
    """Write named values into one file, atomically; part ``""`` is the main value.

    The arrays of part ``name`` are stored as ``name`` followed by each leaf's path.
    """
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    structures = {}
    for name, value in parts.items():
        structures[name] = describe(value)
        for leaf_path, leaf in tree_leaves_with_path(value, prefix=name):
            # Another library's arrays are stored as NumPy copies.
            arrays[leaf_path] = np.asarray(leaf) if library_of(leaf) is None else to_numpy(leaf)
    header = {"format": _FORMAT, "parts": structures, "info": info}
    arrays[_HEADER] = np.array(json.dumps(header))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=_temporary_prefix(path), suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_checkpoint(
    path: str | os.PathLike[str], value: Any, info: dict[str, Any] | None = None
) -> Path:
    """Write ``value`` (any structure of arrays and numbers) and ``info`` to ``path``.

    The file is replaced atomically: an interrupted save leaves the previous file intact.
    Each leaf is stored under its path in ``value`` (``[0].w``...).

    Args:
        path: the file to write (conventionally ending in ``.npz``).
        value: parameters, optimiser states, or a tuple of them.
        info: JSON-serialisable extras (epoch number, history...).

    Returns:
        The path written.

    Raises:
        TypeError: a leaf is not an array or a number (the message gives its path).

    Examples:
        >>> import tempfile, numpy as np
        >>> path = Path(tempfile.mkdtemp()) / "params.npz"
        >>> _ = save_checkpoint(path, {"w": np.eye(2), "steps": 3}, info={"epoch": 1})
        >>> load_checkpoint(path, like={"w": np.zeros((2, 2)), "steps": 0})
        ({'w': array([[1., 0.],
               [0., 1.]]), 'steps': 3}, {'epoch': 1})
        >>> sorted(np.load(path).files)
        ["['steps']", "['w']", '__header__']
    """
    return write_parts(path, {"": value}, info or {})


def _read(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            contents = {name: npz[name] for name in npz.files}
        header = json.loads(str(contents.pop(_HEADER)))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as err:
        raise CheckpointError(f"{path} is not a readable paralens checkpoint ({err})") from err
    if not isinstance(header, dict) or header.get("format") != _FORMAT:
        found = header.get("format") if isinstance(header, dict) else None
        raise CheckpointError(f"{path}: unknown checkpoint format {found!r}, expected {_FORMAT}")
    return header, contents


def _stored_leaf(path: Path, kind: str, key: str, contents: dict[str, np.ndarray]) -> Any:
    """The leaf stored under ``key``, checked against its recorded ``kind`` and restored."""
    if key not in contents:
        raise CheckpointError(f"{path}: the array {key!r} is missing (a damaged file)")
    array = contents[key]
    scalar_kinds = {"bool": "b", "int": "iu", "float": "f", "complex": "c"}
    if kind in scalar_kinds:
        ok = array.shape == () and array.dtype.kind in scalar_kinds[kind]
        restored: Any = {"bool": bool, "int": int, "float": float, "complex": complex}[kind]
    else:
        words = kind.split(" ", 2)
        ok = array.dtype.str == words[1] and (
            array.shape == () if words[0] == "scalar" else list(array.shape) == json.loads(words[2])
        )
        restored = (lambda a: a[()]) if words[0] == "scalar" else (lambda a: a)
    if not ok:
        raise CheckpointError(
            f"{path}: the array {key!r} holds {array.dtype.str} of shape {array.shape}, but the "
            f"file's structure says {kind} (a damaged or edited file)"
        )
    return restored(array)


def _plain(path: Path, tree: Tree, key: str, contents: dict[str, np.ndarray]) -> Any:
    """The value of ``tree`` as plain Python: dicts for dicts and records, lists for
    sequences, ``None`` for ``None``."""
    if "leaf" in tree:
        return _stored_leaf(path, tree["leaf"], key, contents)
    if tree["type"] == "NoneType":
        return None
    values = [
        _plain(path, c, key + k, contents)
        for k, c in zip(tree["keys"], tree["children"], strict=True)
    ]
    if tree["type"] == "dict":
        return {_dict_key(k): v for k, v in zip(tree["keys"], values, strict=True)}
    if all(k.startswith(".") for k in tree["keys"]) and tree["keys"]:
        return {k[1:]: v for k, v in zip(tree["keys"], values, strict=True)}
    return values


def _dict_key(key: str) -> Any:
    try:
        return ast.literal_eval(key[1:-1])
    except (ValueError, SyntaxError):
        return key[1:-1]


def _like(path: Path, part: str, tree: Tree, like: Any, contents: dict[str, np.ndarray]) -> Any:
    difference = _first_difference(tree, describe(like))
    if difference is not None:
        what = f"the {_label(part)}"
        raise CheckpointError(
            f"{path} holds {what} of another structure than the one to load into: "
            f"{difference}. Load it into a value shaped like the one saved (same model, "
            f"optimiser and sizes), or with no like= to see what it holds."
        )
    leaves, treedef = tree_flatten(like)
    stored = [
        _stored_leaf(path, _leaf_kind(leaf, key), part + key, contents)
        for key, leaf in tree_leaves_with_path(like)
    ]
    assert len(stored) == len(leaves)
    return treedef.unflatten(
        [
            s if library_of(x) is None else asarray_like(s, x)
            for s, x in zip(stored, leaves, strict=True)
        ]
    )


def _label(part: str) -> str:
    return {"": "value", "opt_state": "optimiser state"}.get(part, part)


def read_parts(
    path: str | os.PathLike[str], likes: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The parts of a file written by ``write_parts``, each read like ``likes[name]``
    (``None``: as plain dicts and lists), and the file's ``info``."""
    path = Path(path)
    header, contents = _read(path)
    out = {}
    for part, like in likes.items():
        if part not in header["parts"]:
            held = ", ".join(_label(name) for name in header["parts"])
            raise CheckpointError(
                f"{path} holds no {_label(part)}, only: {held} (a file written by "
                f"save_checkpoint, not by fit?)"
            )
        tree = header["parts"][part]
        out[part] = (
            _plain(path, tree, part, contents)
            if like is None
            else _like(path, part, tree, like, contents)
        )
    return out, header["info"]


def load_checkpoint(path: str | os.PathLike[str], like: Any = None) -> tuple[Any, dict[str, Any]]:
    """Read the value of a checkpoint (the parameters, for a file written by ``fit``).

    Args:
        path: the file.
        like: a value of the structure expected (e.g. freshly initialised parameters);
            only its structure, leaf types, dtypes and shapes are used. Without it the
            value comes back as plain Python: dicts for dicts, dataclasses and
            NamedTuples (keyed by field name), lists for tuples and lists.

    Returns:
        ``(value, info)``.

    Raises:
        FileNotFoundError: there is no file at ``path``.
        CheckpointError: the file is unreadable, or its structure, or a leaf's type,
            dtype or shape, differs from ``like``'s (the message names the first place).

    Examples:
        >>> import tempfile, numpy as np
        >>> from paralens import nn
        >>> params = (nn.linear(2, 3) >> nn.linear(3, 1)).init(0)
        >>> path = save_checkpoint(Path(tempfile.mkdtemp()) / "p.npz", params)
        >>> loaded, _ = load_checkpoint(path, like=params)
        >>> type(loaded[1]).__name__, loaded[1].w.shape
        ('Linear', (3, 1))
        >>> plain, _ = load_checkpoint(path)
        >>> sorted(plain[1]), plain[1]["w"].shape
        (['b', 'w'], (3, 1))
        >>> load_checkpoint(path, like=(nn.linear(2, 4) >> nn.linear(4, 1)).init(0))
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        paralens.learn._checkpoint.CheckpointError: ... at [0].w it has array <f8 [2, 3] where array <f8 [2, 4] is expected. ...
    """  # noqa: E501
    parts, info = read_parts(path, {"": like})
    return parts[""], info
