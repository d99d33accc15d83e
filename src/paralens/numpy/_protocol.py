"""NumPy's own functions on traced values: computed by ``paralens.numpy``, or refused.

A Var meets NumPy through NumPy's protocols (see ``paralens._core._var``). Here both are
answered by name: ``np.sin(v)``, ``np.sum(v, axis=0)``, ``ndarray @ v`` and
``np.linalg.inv(v)`` compute ``pnp.sin``, ``pnp.sum``, ``pnp.matmul`` and
``pnp.linalg.inv`` (the function of the same name in the matching ``paralens.numpy``
module), so they are differentiable. A function with no differentiable counterpart
raises a ``TypeError`` that says what to call instead; one whose result is not a number
of the input's kind (a comparison, a shape, a dtype) computes on the plain values, as a
comparison of Vars does.

Examples:
    >>> import paralens
    >>> paralens.grad(lambda x: np.sum(np.sin(x)))(np.zeros(2))
    array([1., 1.])
    >>> paralens.grad(lambda x: np.median(x))(np.zeros(2))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: np.median was called on a traced value, and paralens.numpy has no ...
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from paralens._core import plain_value
from paralens._core._var import PROTOCOL, UFUNCS

# NumPy functions whose result carries no derivative (a shape, a dtype, a truth value,
# indices): on traced values they read the plain values.
READS = frozenset(
    {
        "all",
        "allclose",
        "any",
        "array2string",
        "array_equal",
        "array_equiv",
        "array_repr",
        "array_str",
        "argwhere",
        "count_nonzero",
        "flatnonzero",
        "iscomplex",
        "iscomplexobj",
        "isclose",
        "isreal",
        "isrealobj",
        "may_share_memory",
        "nonzero",
        "result_type",
        "searchsorted",
        "shares_memory",
    }
)
# Where each NumPy namespace's functions have their differentiable twins.
NAMESPACES = {"numpy": "paralens.numpy", "numpy.linalg": "paralens.numpy.linalg"}
_RESOLVED: dict[Any, Callable[..., Any] | None] = {}

_MISSING = (
    "np.{name} was called on a traced value, and paralens.numpy has no differentiable "
    "{name}. Write it with pnp functions (import paralens.numpy as pnp), or apply "
    "np.{name} to v.value for a plain result through which no gradient flows"
)


def _counterpart(func: Any) -> Callable[..., Any] | None:
    """The function of ``func``'s name in the matching paralens.numpy module, if any."""
    try:
        return _RESOLVED[func]
    except KeyError:
        pass
    module_name = getattr(func, "__module__", None) or "numpy"
    if isinstance(func, np.ufunc):
        module_name = "numpy"
    home = NAMESPACES.get(module_name, "paralens." + module_name)
    module = sys.modules.get(home)
    found = getattr(module, func.__name__, None) if module is not None else None
    # paralens.numpy re-exports some of NumPy's own functions (zeros, arange): those are
    # no twins, and calling them would come straight back here.
    twin = found if callable(found) and found is not func else None
    _RESOLVED[func] = twin
    return twin


def _plain(values: Any) -> Any:
    return [plain_value(v) for v in values]


def _is_truth_valued(ufunc: Any) -> bool:
    """Whether every numeric loop of ``ufunc`` gives booleans (comparisons, ``isnan``)."""
    return all(t.split("->")[1] == "?" * ufunc.nout for t in ufunc.types if "O" not in t)


def _ufunc(ufunc: Any, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    name = ufunc.__name__
    if "out" in kwargs:
        raise TypeError(
            f"np.{name}(..., out=...) would write a traced value into a plain array (so "
            f"would an in-place operator, as in a += v for a NumPy array a): write "
            f"a = a + v, or use pnp.{name}"
        )
    if method != "__call__":
        raise TypeError(
            f"np.{name}.{method} was called on a traced value; paralens differentiates "
            f"ufuncs called directly. Use the pnp function that means it (pnp.sum for "
            f"np.add.reduce, pnp.prod for np.multiply.reduce, pnp.cumsum for "
            f"np.add.accumulate, pnp.outer for np.multiply.outer)"
        )
    if _is_truth_valued(ufunc):
        return getattr(ufunc, method)(*_plain(inputs), **kwargs)
    twin = _counterpart(ufunc)
    if twin is None:
        raise TypeError(_MISSING.format(name=name))
    if kwargs:
        raise TypeError(
            f"np.{name} was called on a traced value with {', '.join(kwargs)}=: paralens "
            f"differentiates np.{name}(x, ...) without keyword arguments; call "
            f"pnp.{name} on the inputs (and cast with pnp.astype)"
        )
    UFUNCS[ufunc] = twin
    return twin(*inputs)


def _function(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    name = getattr(func, "__name__", repr(func))
    if name in READS:
        return func(*_plain(args), **{k: plain_value(v) for k, v in kwargs.items()})
    twin = _counterpart(func)
    if twin is None:
        raise TypeError(_MISSING.format(name=name))
    try:
        return twin(*args, **kwargs)
    except TypeError as error:
        try:
            inspect.signature(twin).bind(*args, **kwargs)
        except TypeError as mismatch:
            raise TypeError(
                f"np.{name} was called on a traced value, which pnp.{name} computes, but "
                f"pnp.{name} does not take these arguments ({mismatch}); see "
                f"help(pnp.{name})"
            ) from error
        except ValueError:
            pass
        raise


PROTOCOL.update(ufunc=_ufunc, function=_function)
