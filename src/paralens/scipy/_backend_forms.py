"""The forms of ``paralens.scipy.special``'s functions on other libraries' arrays.

SciPy computes on NumPy arrays only. Where the array API standard writes a function from
its own (the logistic functions) the form does so on any library; where torch has the
function (``torch.special``) the form is torch's on torch's tensors; elsewhere it raises
a TypeError naming the function and the library, before computing anything.

Examples:
    >>> import array_api_strict as xs
    >>> from paralens.scipy import special
    >>> special.expit(xs.asarray([0.0]))
    Array([0.5], dtype=array_api_strict.float64)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from paralens._core._backends import defbackend
from paralens.numpy._backend_forms_values import SCIPY_ONLY
from paralens.scipy.special import _error, _logistic, _xlogy

_TORCH = "array_api_compat.torch"


def _library(xp: Any) -> str:
    return str(xp.__name__).removeprefix("array_api_compat.")


def _torch_special(name: str, torch_name: str | None = None) -> Callable[..., Any]:
    """The form that computes with ``torch.special`` on torch's tensors, and raises on
    other libraries' arrays."""

    def form(xp: Any, *args: Any) -> Any:
        if xp.__name__ != _TORCH:
            raise TypeError(
                f"{name} computes only on NumPy arrays and torch tensors, not on arrays of "
                f"{_library(xp)}: {SCIPY_ONLY}, and the array API standard has no {name}. "
                f"Convert its arguments with paralens.numpy.to_numpy(...) first"
            )
        special = importlib.import_module("torch").special
        return getattr(special, torch_name or name)(*args)

    return form


def _expit(xp: Any, x: Any) -> Any:
    return 0.5 * (xp.tanh(0.5 * x) + 1.0)


def _logit(xp: Any, x: Any) -> Any:
    return xp.log(x / (1.0 - x))


def _log_expit(xp: Any, x: Any) -> Any:
    return -xp.logaddexp(xp.zeros_like(x), -x)


def _register() -> None:
    defbackend(_logistic.expit, _expit)
    defbackend(_logistic.logit, _logit)
    defbackend(_logistic.log_expit, _log_expit)
    # torch's gamma family and Bessel functions are not used: its polygamma differs from
    # SciPy's by more than float64 rounding, and the Bessel rules read SciPy's orders.
    for module, names in (
        (_error, ("erf", "erfc", "erfcx", "erfinv", "ndtr", "ndtri", "log_ndtr")),
        (_xlogy, ("xlogy", "xlog1py")),
    ):
        for name in names:
            defbackend(getattr(module, name), _torch_special(name))


_register()
