"""The forward rules of the elementwise functions of ``_vjps_elementwise.py``.

The unary and binary functions are read from the same tables as their reverse rules;
the derivative multiplies the tangent, and a tangent of an argument that was broadcast is
broadcast to the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from paralens._core import defjvp
from paralens.numpy._complex import angle_radians, conj, conjugate, imag, is_complex, real
from paralens.numpy._elementwise import nan_to_num_values
from paralens.numpy._jvps import broadcast_to_answer
from paralens.numpy._vjps_elementwise import (
    BINARY,
    MORE_UNARY,
    REPLACED,
    finite_part,
    replaced_by,
    squared_abs,
)

# ---- Unary and binary --------------------------------------------------------------------


def _times(d: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    return lambda t, ans, x: t * d(ans, x)


for _fun, _derivative, _ in MORE_UNARY:
    defjvp(_fun, _times(_derivative))


def _times_x(d: Callable[[Any, Any, Any], Any]) -> Callable[..., Any]:
    return broadcast_to_answer(lambda t, ans, x, y: t * d(ans, x, y))


for _fun, _dx, _dy, _ in BINARY:
    defjvp(_fun, _times_x(_dx), _times_x(_dy))

# ---- Replacing non-finite values -----------------------------------------------------------


def _filled(test: Callable[[Any], Any]) -> Callable[..., Any]:
    def rule(t: Any, ans: Any, *args: Any) -> Any:
        return t * replaced_by(test, args[0], ans)

    return broadcast_to_answer(rule)


defjvp(
    nan_to_num_values,
    lambda t, ans, x, nan, posinf, neginf: finite_part(t, x),
    *(_filled(test) for _, test in REPLACED),
)

# ---- Complex values --------------------------------------------------------------------------

defjvp(real, lambda t, ans, x: real(t))
defjvp(imag, lambda t, ans, x: imag(t))
defjvp(conjugate, lambda t, ans, x: conj(t))
defjvp(
    angle_radians,
    lambda t, ans, x: imag(conj(x) * t) / squared_abs(x) if is_complex(x) else 0.0 * t,
)
