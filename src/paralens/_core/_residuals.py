"""What the tape keeps of each value: the one memory policy of reverse mode.

A reverse rule reads some of its primitive's arguments and perhaps its answer; ``add``'s
rule reads neither, only their shapes. Each ``defvjp`` says what its rules read
(``saves=``), and the tape keeps exactly that: of every large value the rules do not read
it keeps only the shape and dtype (a ``ShapeOnly``), so intermediates are freed as soon
as a hand-written backward pass would free them. A rule that reads what it did not
declare meets a ``ShapeOnly`` and an error that says what to declare.

Small values are kept whole whatever the rules read: the allocator reuses their memory
anyway, and an object per value would cost more than it frees.

Examples:
    >>> residual_policy(("ans", 1), arity=3)  # keeps the answer and argument 1
    (True, (0, 2))
    >>> residual_policy(None, arity=2)  # undeclared: everything is kept
    (True, ())
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from paralens._core._backends import BACKENDS
from paralens._core._trace import TRACED

# From this size (the C library's threshold for giving memory back to the system) a
# value kept alive means fresh pages for the next; below it the memory is reused anyway.
DROP_FROM_BYTES = 128 * 1024


class ShapeOnly:
    """What the tape keeps of a value its reverse rule does not read: shape and dtype."""

    __slots__ = ("dtype", "shape")

    def __init__(self, shape: tuple[int, ...], dtype: Any) -> None:
        self.shape = shape
        self.dtype = dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"a reverse rule read '{name}' of a value its primitive does not save; add its "
            f"position (or 'ans', for the answer) to the saves= of the primitive's defvjp"
        )

    def __repr__(self) -> str:
        return f"ShapeOnly({self.shape}, {self.dtype})"


def shape_only(value: Any) -> Any:
    """``value`` as the tape keeps it when no rule reads it: a ``ShapeOnly`` if large."""
    if getattr(value, "nbytes", 0) < DROP_FROM_BYTES or type(value) in TRACED:
        return value
    if type(value) in BACKENDS:  # kept whole: the rules' shape-only forms are NumPy's
        return value
    return ShapeOnly(value.shape, value.dtype)


def residual_policy(saves: Iterable[int | str] | None, arity: int) -> tuple[bool, tuple[int, ...]]:
    """What a primitive's tape nodes keep, from the ``saves=`` of its ``defvjp``.

    Args:
        saves: the argument positions the rules read, and ``"ans"`` if they read the
            answer; ``None`` when undeclared (everything is kept).
        arity: how many positional arguments the rules cover.

    Returns:
        ``(saves_ans, dropped)``: whether the answer is kept, and the positions of the
        arguments kept only as shapes when large.

    Raises:
        ValueError: an entry of ``saves`` is neither a position nor ``"ans"``.
    """
    if saves is None:
        return True, ()
    entries = tuple(saves)
    for entry in entries:
        if entry != "ans" and not (isinstance(entry, int) and entry >= 0):
            raise ValueError(
                f"saves= lists what the reverse rules read: argument positions (0, 1, ...) "
                f"and 'ans' for the answer; got {entry!r}"
            )
    positions = {e for e in entries if isinstance(e, int)}
    width = max(arity, *(p + 1 for p in positions)) if positions else arity
    return "ans" in entries, tuple(i for i in range(width) if i not in positions)
