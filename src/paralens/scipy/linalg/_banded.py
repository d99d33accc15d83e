"""``solve_banded``: ``x`` with ``a x = b`` for ``a`` given by its bands, as SciPy stores them.

Row ``u + i - j`` of ``ab`` holds ``a[i, j]`` (``l`` bands below the diagonal, ``u`` above).
``b``'s cotangent is ``λ = a⁻ᵀ g``, a banded solve with the transposed bands; ``ab``'s is
``-λ xᵀ`` read at the band's places only (SciPy reads nothing else of ``ab``). Every piece is
a gather at constant indices, so the band structure is never expanded to a full matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.linalg

import paralens.numpy as pnp
from paralens.extend import Var, defjvp, defvjp, primitive
from paralens.numpy._backend_forms_values import SCIPY_ONLY, refuse_other_libraries
from paralens.scipy._matrices import column, uncolumn

__all__ = ["solve_banded"]


def _value(ab: Any, b: Any, l: int, u: int) -> Any:  # noqa: E741 (SciPy's name)
    return scipy.linalg.solve_banded((l, u), ab, b)


_solve_banded = primitive(_value, "solve_banded")


def _places(rows: int, n: int, offset: Any) -> tuple[Any, Any, Any]:
    """Row and column indices ``(r, j + offset(r))`` clamped into ``[0, n)``, and a mask of
    the ones that were inside."""
    r = np.arange(rows)[:, None]
    j = np.arange(n)[None, :] + offset(r)
    inside = (j >= 0) & (j < n)
    return np.broadcast_to(r, inside.shape), np.clip(j, 0, n - 1), inside.astype(float)


def _transposed(ab: Any, l: int, u: int) -> Any:  # noqa: E741
    """The bands of ``aᵀ`` (``u`` below, ``l`` above): ``abᵀ[r, j] = ab[u + l - r, r - l + j]``."""
    rows, n = pnp.shape(ab)
    r, j, inside = _places(rows, n, lambda r: r - l)
    return ab[u + l - r, j] * inside


def _band_of_outer(lam: Any, x: Any, u: int, rows: int) -> Any:
    """``-λ xᵀ``'s entries at the band's places: ``[r, j] -> -sum_k λ[r - u + j, k] x[j, k]``."""
    n = pnp.shape(lam)[0]
    _, i, inside = _places(rows, n, lambda r: r - u)
    return -pnp.sum(lam[i] * pnp.expand_dims(x, 0), axis=-1) * inside


def _band_times(t: Any, x: Any, u: int) -> Any:
    """``t``'s matrix times ``x``: ``[i, k] -> sum_r t[r, i - r + u] x[i - r + u, k]``."""
    rows, n = pnp.shape(t)
    r, j, inside = _places(rows, n, lambda r: u - r)
    return pnp.sum(pnp.expand_dims(t[r, j] * inside, -1) * x[j], axis=0)


def _vjp_ab(ans: Any, ab: Any, b: Any, l: int, u: int) -> Callable[[Any], Any]:  # noqa: E741
    def pullback(g: Any) -> Any:
        lam = _solve_banded(_transposed(ab, l, u), column(g), l=u, u=l)
        return _band_of_outer(lam, column(ans), u, pnp.shape(ab)[0])

    return pullback


def _vjp_b(ans: Any, ab: Any, b: Any, l: int, u: int) -> Callable[[Any], Any]:  # noqa: E741
    return lambda g: _solve_banded(_transposed(ab, l, u), g, l=u, u=l)


def _jvp_ab(t: Any, ans: Any, ab: Any, b: Any, l: int, u: int) -> Any:  # noqa: E741
    moved = _band_times(t, column(ans), u)
    return -uncolumn(_solve_banded(ab, moved, l=l, u=u), b)


defvjp(_solve_banded, _vjp_ab, _vjp_b)


def _jvp_b(t: Any, ans: Any, ab: Any, b: Any, l: int, u: int) -> Any:  # noqa: E741
    return _solve_banded(ab, t, l=l, u=u)


defjvp(_solve_banded, _jvp_ab, _jvp_b)


def solve_banded(
    l_and_u: tuple[int, int],
    ab: Any,
    b: Any,
    overwrite_ab: bool = False,
    overwrite_b: bool = False,
    check_finite: bool = True,
) -> Any:
    """Solve ``a x = b`` for a banded ``a``, ``scipy.linalg.solve_banded``.

    Args:
        l_and_u: ``(l, u)``, the numbers of bands below and above the diagonal.
        ab: the bands, shape ``(l + u + 1, n)``: ``ab[u + i - j, j] == a[i, j]``.
        b: a vector or a matrix of right-hand sides.
        overwrite_ab: as in SciPy; never done on traced inputs.
        overwrite_b: as in SciPy; never done on traced inputs.
        check_finite: as in SciPy.

    Returns:
        SciPy's solution, differentiable in ``ab`` and ``b``.

    Raises:
        ValueError: a traced ``ab`` whose shape does not match ``l_and_u``.

    Examples:
        >>> ab = np.array([[0.0, 1.0], [2.0, 2.0]])  # [[2, 1], [0, 2]]: one band above
        >>> solve_banded((0, 1), ab, np.array([3.0, 2.0]))
        array([1., 1.])
    """
    refuse_other_libraries("solve_banded", SCIPY_ONLY, ab, b)
    if not isinstance(ab, Var) and not isinstance(b, Var):
        return scipy.linalg.solve_banded(l_and_u, ab, b, overwrite_ab, overwrite_b, check_finite)
    l, u = (int(k) for k in l_and_u)  # noqa: E741
    if pnp.ndim(ab) != 2 or pnp.shape(ab)[0] != l + u + 1:
        raise ValueError(
            f"solve_banded: ab must have l + u + 1 = {l + u + 1} rows (one per band) and "
            f"one column per unknown; it has shape {pnp.shape(ab)}"
        )
    return _solve_banded(ab, b, l=l, u=u)
