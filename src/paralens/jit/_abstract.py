"""Abstract values: what a staged value is while ``jit`` traces, a shape and a dtype.

While ``jit`` stages a function, every traced value stands for *any* array of its shape
and dtype, not for the numbers of the first call: the program it records must be right
for every later call with the same signature. So the value a staged ``Var`` holds is an
``Abstract``: its shape, its dtype and the Python type of the leaf (a ``float``, a NumPy
scalar, an ``ndarray``). Reading shapes and dtypes works as on arrays; reading the numbers
(``float(x)``, ``bool(x)``, ``numpy.asarray(x)``, a comparison) raises a
``TracedValueError`` that names what to do instead.

What depends only on the shape (zeros, ones, a basis) is known: ``Abstract`` is a leaf of
the vector space whose zeros and ones are plain constants.

Examples:
    >>> import numpy as np
    >>> a = Abstract.of(np.zeros((2, 3), np.float32))
    >>> a, a.shape, a.dtype, a.ndim, a.size
    (float32[2,3], (2, 3), dtype('float32'), 2, 6)
    >>> Abstract.of(1.5), Abstract.of(np.float64(2.0))
    (float, float64[])
    >>> float(a)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    paralens.jit._abstract.TracedValueError: float() of a traced value: ...
"""

from __future__ import annotations

from typing import Any

import numpy as np

from paralens._core import _vspace
from paralens._core._backends import backend_of_type
from paralens._core._var import TracedConversionError

SCALAR_TYPES = (float, int, bool, complex)

HOW_TO = (
    "while paralens.jit stages a function its arguments are abstract (a shape and a "
    "dtype), so the program it records holds for every call. Compute with paralens.numpy "
    "(pnp.where(c, x, y) for an elementwise choice), branch with paralens.jit.cond or "
    "loop with paralens.jit.scan, or make the argument static: "
    "jit(f, static_argnums=(i,)) puts its value in the cache key"
)


class TracedValueError(TracedConversionError):
    """The numbers of a staged value were read while ``jit`` was tracing.

    A ``TracedConversionError``, so that ``pnp.array`` of staged values builds one traced
    array as it does of any traced values.
    """


def value_error(what: str) -> TracedValueError:
    return TracedValueError(f"{what} of a traced value: {HOW_TO}")


class NumbersUnknown:
    """What a staged value and its abstract value share: their numbers are not known
    while the program is recorded, so reading one as a Python number raises."""

    __slots__ = ()

    def __float__(self) -> float:
        raise value_error("float()")

    def __int__(self) -> int:
        raise value_error("int()")

    def __index__(self) -> int:
        raise value_error("use as an index or a size")


class Abstract(NumbersUnknown):
    """A shape, a dtype and a leaf type: a value as ``jit`` sees it while tracing.

    ``kind`` is the type of the leaf values it stands for (``float``, ``numpy.float64``,
    ``numpy.ndarray``, ...).
    """

    __slots__ = ("dtype", "kind", "shape")

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype[Any], kind: type) -> None:
        self.shape = shape
        self.dtype = dtype
        self.kind = kind

    @staticmethod
    def of(x: Any) -> Abstract:
        """The abstract value of a plain value ``x`` (an array, a NumPy or Python number).

        Raises:
            TypeError: ``x`` is neither an array nor a number.
        """
        cls = type(x)
        if cls is np.ndarray or isinstance(x, np.generic):
            return Abstract(x.shape, x.dtype, cls)
        if cls in SCALAR_TYPES:
            return Abstract((), np.dtype(cls), cls)
        if backend_of_type(cls) is not None:
            raise TypeError(
                f"jit stages NumPy arrays, and the function computes with a "
                f"{cls.__module__}.{cls.__name__}, an array of another library (an argument "
                f"or a value it closes over); run it eagerly, without jit, or make that "
                f"value a NumPy array (paralens.tree.to_numpy)"
            )
        raise TypeError(
            f"jit stages arrays and numbers, not a {cls.__name__}; pass it as a static "
            f"argument (jit(f, static_argnums=(i,))) or close over it"
        )

    @property
    def signature(self) -> tuple[Any, ...]:
        """What the cache key holds of this leaf: its type, shape and dtype."""
        return (self.kind, self.shape, self.dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def is_scalar(self) -> bool:
        """Whether it stands for a Python or NumPy number (not an array)."""
        return self.kind is not np.ndarray

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a traced scalar (a 0-d value has no length)")
        return self.shape[0]

    def __repr__(self) -> str:
        if self.kind in SCALAR_TYPES:
            return self.kind.__name__
        return f"{self.dtype.name}[{','.join(map(str, self.shape))}]"

    def zeros(self) -> Any:
        """A plain zero of this shape, dtype and kind."""
        return self.filled(0)

    def ones(self) -> Any:
        return self.filled(1)

    def filled(self, value: Any) -> Any:
        if self.kind in SCALAR_TYPES:
            return self.kind(value)
        if self.kind is np.ndarray:
            return np.full(self.shape, value, dtype=self.dtype)
        return self.kind(value)

    # The numbers are unknown: every way of reading them raises.

    def __bool__(self) -> bool:
        raise value_error("bool()")

    def __complex__(self) -> complex:
        raise value_error("complex()")

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise value_error("a NumPy function applied to the plain value")

    def __eq__(self, other: object) -> Any:
        raise value_error("a comparison of the plain value")

    __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __eq__
    __hash__ = object.__hash__

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise value_error(f"'.{name}' of the plain value")


def _basis(a: Abstract) -> list[Any]:
    dtype = a.dtype if a.dtype.kind in "fc" else np.dtype(np.float64)
    if a.kind in SCALAR_TYPES:
        return [a.kind(1)] if a.kind in (float, complex) else [1.0]
    out = []
    for i in range(a.size):
        e = np.zeros(a.size, dtype=dtype)
        e[i] = 1
        out.append(e.reshape(a.shape) if a.kind is np.ndarray else a.kind(e[i]))
    return out


def _refuse(what: str) -> Any:
    def fail(*args: Any) -> Any:
        raise value_error(what)

    return fail


_vspace.register_leaf(
    Abstract,
    zeros=Abstract.zeros,
    add=_refuse("addition"),
    ones=Abstract.ones,
    scale=_refuse("scaling"),
    inner=_refuse("an inner product"),
    coerce=lambda primal, ct: ct,
    is_integer=lambda a: a.dtype.kind in "biu",
    basis=_basis,
)
