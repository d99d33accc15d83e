"""Checking complex derivatives with ``check_grads``, through real pairs.

Gradients follow HIPS autograd's convention: the reverse rule of a map ``J`` that is
linear over the reals is ``g -> conj(J*(conj(g)))``, ``J*`` its adjoint in the real inner
product ``Re(sum(conj(a) * b))``; so ``check_grads``' reverse check, written for that
inner product, does not apply to complex values as they are. ``check_complex_grads``
checks ``f`` as a map of real arrays instead: each complex argument is given as the pair
``(real, imag)`` stacked on a last axis and made complex by ``unpair``, each complex leaf
of the answer is split back into its pair by ``pair``, and ``pair`` and ``unpair`` have
reverse rules in autograd's convention. The composite is real, so its reverse rule in the
convention is the true adjoint, which ``check_grads`` checks to any order in both modes:
it is right exactly when ``f``'s rules follow the convention.
"""

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from paralens._core import plain_value
from paralens.extend import defjvp, defvjp, primitive
from paralens.numpy._parts import is_complex
from paralens.testing import check_grads


def _pair(z: Any, sign: float) -> Any:
    z = np.asarray(z)
    return np.stack([z.real, sign * z.imag], axis=-1)


def _unpair(p: Any, sign: float) -> Any:
    p = np.asarray(p)
    return p[..., 0] + sign * 1j * p[..., 1]


pair = primitive(_pair, "pair")
unpair = primitive(_unpair, "unpair")
# pair(z, s) is z -> (Re z, s Im z); its adjoint is (a, b) -> a + i s b, and conjugating
# around it (the convention) flips the sign: each is the other's rule with -s.
defvjp(pair, lambda g, ans, z, sign: unpair(g, -sign), None, saves=(), staged=False)
defjvp(pair, lambda t, ans, z, sign: pair(t, sign), None)
defvjp(unpair, lambda g, ans, p, sign: pair(g, -sign), None, saves=(), staged=False)
defjvp(unpair, lambda t, ans, p, sign: unpair(t, sign), None)


def _is_complex(x: Any) -> bool:
    return is_complex(x)  # of any library's array, which np.iscomplexobj would convert


def real_pairs(out: Any) -> Any:
    """Each complex array of ``out`` (a tuple of arrays, traced or not) as its pair."""
    plain = plain_value(out)
    if isinstance(plain, tuple):  # NumPy's named tuples (EighResult...) stay what they are
        return type(plain)(*(real_pairs(part) for part in out))
    return pair(out, 1.0) if _is_complex(out) else out


def check_complex_grads(
    f: Callable[..., Any], args: Sequence[Any], order: int = 2, **kwargs: Any
) -> None:
    """``check_grads`` of ``f`` with complex arguments and answers taken as real pairs."""
    complex_args = [_is_complex(a) for a in args]
    real_args = tuple(
        _pair(a, 1.0) if is_c else a for a, is_c in zip(args, complex_args, strict=True)
    )

    def real_f(*xs: Any) -> Any:
        inputs = [unpair(x, 1.0) if is_c else x for x, is_c in zip(xs, complex_args, strict=True)]
        return real_pairs(f(*inputs))

    real_f.__name__ = getattr(f, "__name__", "f")
    check_grads(real_f, real_args, order=order, **kwargs)
