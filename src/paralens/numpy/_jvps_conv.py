"""The forward rules of the convolution family (``_conv.py``), beside ``_jvps.py``.

Every primitive of the family is linear in each argument, so each forward rule is the
primitive itself with the tangent in place of that argument.
"""

from __future__ import annotations

from typing import Any

from paralens._core import defjvp
from paralens.numpy._conv import (
    correlate,
    correlate_input_transpose,
    correlate_kernel_transpose,
    windows,
    windows_transpose,
)

defjvp(
    correlate,
    lambda t, ans, x, w, **kw: correlate(t, w, **kw),
    lambda t, ans, x, w, **kw: correlate(x, t, **kw),
)
defjvp(
    correlate_input_transpose,
    lambda t, ans, g, w, **kw: correlate_input_transpose(t, w, **kw),
    lambda t, ans, g, w, **kw: correlate_input_transpose(g, t, **kw),
)
defjvp(
    correlate_kernel_transpose,
    lambda t, ans, x, g, **kw: correlate_kernel_transpose(t, g, **kw),
    lambda t, ans, x, g, **kw: correlate_kernel_transpose(x, t, **kw),
)


def _windows_jvp(
    t: Any, ans: Any, x: Any, *, window: Any, stride: Any, padding: Any, fill: float = 0.0
) -> Any:
    # The padding of a tangent is zero whatever the value's padding was filled with.
    return windows(t, window=window, stride=stride, padding=padding)


defjvp(windows, _windows_jvp)
defjvp(windows_transpose, lambda t, ans, g, **kw: windows_transpose(t, **kw))
