"""The reverse rules of the convolution family (``_conv.py``), beside ``_vjps.py``.

The three correlation primitives are bilinear and each is the others' adjoint, so each
reverse rule is one of the three: for ``y = correlate(x, w)``, the input's cotangent is
``correlate_input_transpose(g, w)`` and the kernel's ``correlate_kernel_transpose(x, g)``;
the rules of the two transposes close the family. ``windows`` and ``windows_transpose``
are each other's rules. Each rule reads its other argument and the shape of the one it
differentiates: none reads the answer, and the window rules read only shapes, so the tape
keeps no output of a convolution and no input of a pooling window.
"""

from __future__ import annotations

from typing import Any

from paralens._core import defvjp
from paralens.numpy._conv import (
    correlate,
    correlate_input_transpose,
    correlate_kernel_transpose,
    windows,
    windows_transpose,
)
from paralens.numpy._shape import shape


def _sizes(x: Any) -> tuple[int, ...]:
    """The spatial sizes of a channels-last input ``(n, *sizes, c)``."""
    return tuple(shape(x)[1:-1])


def _window(w: Any) -> tuple[int, ...]:
    """The window of a kernel ``(*window, c // groups, c_out)``."""
    return tuple(shape(w)[:-2])


def _without(kw: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if k != name}


def _correlate_vjp_x(g: Any, ans: Any, x: Any, w: Any, **kw: Any) -> Any:
    return correlate_input_transpose(g, w, sizes=_sizes(x), **kw)


def _correlate_vjp_w(g: Any, ans: Any, x: Any, w: Any, **kw: Any) -> Any:
    return correlate_kernel_transpose(x, g, window=_window(w), **kw)


def _input_transpose_vjp_g(c: Any, ans: Any, g: Any, w: Any, **kw: Any) -> Any:
    return correlate(c, w, **_without(kw, "sizes"))


def _input_transpose_vjp_w(c: Any, ans: Any, g: Any, w: Any, **kw: Any) -> Any:
    return correlate_kernel_transpose(c, g, window=_window(w), **_without(kw, "sizes"))


def _kernel_transpose_vjp_x(c: Any, ans: Any, x: Any, g: Any, **kw: Any) -> Any:
    return correlate_input_transpose(g, c, sizes=_sizes(x), **_without(kw, "window"))


def _kernel_transpose_vjp_g(c: Any, ans: Any, x: Any, g: Any, **kw: Any) -> Any:
    return correlate(x, c, **_without(kw, "window"))


defvjp(correlate, _correlate_vjp_x, _correlate_vjp_w, saves=(0, 1), staged=False)
defvjp(
    correlate_input_transpose,
    _input_transpose_vjp_g,
    _input_transpose_vjp_w,
    saves=(0, 1),
    staged=False,
)
defvjp(
    correlate_kernel_transpose,
    _kernel_transpose_vjp_x,
    _kernel_transpose_vjp_g,
    saves=(0, 1),
    staged=False,
)


def _windows_vjp(
    g: Any, ans: Any, x: Any, *, window: Any, stride: Any, padding: Any, fill: float = 0.0
) -> Any:
    return windows_transpose(g, sizes=_sizes(x), window=window, stride=stride, padding=padding)


def _windows_transpose_vjp(
    c: Any, ans: Any, g: Any, *, sizes: Any, window: Any, stride: Any, padding: Any
) -> Any:
    return windows(c, window=window, stride=stride, padding=padding)


defvjp(windows, _windows_vjp, saves=(), staged=False)
defvjp(windows_transpose, _windows_transpose_vjp, saves=(), staged=False)
