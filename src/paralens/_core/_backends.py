"""Arrays of other libraries: which types they are, and where a primitive meets one.

The core names no array library. A primitive's function computes with NumPy; when one of
its arguments is an array of another library (a ``torch.Tensor``, a CuPy or JAX array, an
``array_api_strict`` array), it computes instead with ``Primitive.on_backend``, which
``paralens.numpy`` sets to the same operation written in that array's namespace.

Which types are such arrays is asked once per type, of the *resolver* that
``paralens.numpy`` registers, and remembered: afterwards a type is in ``NATIVE`` (the
types NumPy computes with: its arrays and scalars, Python's numbers, indices and
containers) or in ``BACKENDS``, and the hot paths pay one set membership test per
argument, as they did before any other library was known.

Examples:
    >>> class Tensor: ...
    >>> register_backend_type(Tensor, "tensors", copy=lambda t: t)
    >>> backend_of_type(Tensor), backend_of_type(float)
    ('tensors', None)
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from paralens._core._registry import (
    ARRAY_TYPES,
    MAYBE_MUTABLE,
    NEVER_MUTABLE,
    SCALAR_TYPES,
    TRACED_TYPES,
    UNKNOWN_TYPE_HOOKS,
)

# The types NumPy's path computes with, grown as types are met; ``paralens.tree`` adds
# NumPy's arrays and scalars.
NATIVE: set[type] = {
    bool,
    int,
    float,
    complex,
    str,
    tuple,
    list,
    dict,
    slice,
    range,
    type,
    type(None),
    type(Ellipsis),
    types.FunctionType,
    types.BuiltinFunctionType,
}
# The array types of other libraries met so far, each with its namespace.
BACKENDS: dict[type, Any] = {}
# The types of a traced argument's value that take a primitive off its NumPy function:
# Vars (of an outer trace: ``_var.py`` adds them) and the array types of other libraries.
SPECIAL_VALUES: set[type] = set()
# How the tape keeps its own copy of a constant of each such type.
BACKEND_COPY: dict[type, Callable[[Any], Any]] = {}
# What identifies the memory an array of each such type lies in (two views of one buffer
# give one answer); a type without one is identified by the object itself.
BACKEND_MEMORY: dict[type, Callable[[Any], Any]] = {}
_RESOLVERS: list[Callable[[type], bool]] = []


def register_backend_type(
    cls: type,
    namespace: Any,
    *,
    copy: Callable[[Any], Any],
    memory: Callable[[Any], Any] = id,
) -> None:
    """Declare ``cls`` an array type of another library, computing with ``namespace``.

    ``copy`` makes the tape's own copy of a constant of this type (arrays may change);
    ``memory`` identifies the buffer an array lies in, so that no two values the
    transforms hand back share one.
    """
    BACKENDS[cls] = namespace
    BACKEND_COPY[cls] = copy
    BACKEND_MEMORY[cls] = memory
    SPECIAL_VALUES.add(cls)
    NATIVE.discard(cls)
    NEVER_MUTABLE.discard(cls)
    MAYBE_MUTABLE.add(cls)


def register_resolver(resolver: Callable[[type], bool]) -> None:
    """Add a resolver: given a type met for the first time, it registers the type with
    ``register_backend_type`` and returns True, or returns False."""
    _RESOLVERS.append(resolver)


def backend_of_type(cls: type) -> Any:
    """The namespace of ``cls`` if it is an array type of another library, else ``None``.

    A type met for the first time is put to the resolvers, and the answer remembered.
    """
    if cls in NATIVE or cls in TRACED_TYPES:  # a Var is never remembered as native
        return None
    if cls in BACKENDS:
        return BACKENDS[cls]
    if not any(resolve(cls) for resolve in _RESOLVERS):
        NATIVE.add(cls)
        return None
    return BACKENDS[cls]


UNKNOWN_TYPE_HOOKS.append(backend_of_type)


def is_backend_type(cls: type) -> bool:
    """Whether ``cls`` is an array type of another library (see ``backend_of_type``)."""
    return backend_of_type(cls) is not None


def any_backend(values: tuple[Any, ...] | list[Any]) -> bool:
    """Whether any of ``values`` is an array of another library."""
    for v in values:
        cls = type(v)
        if cls not in NATIVE and (cls in BACKENDS or is_backend_type(cls)):
            return True
    return False


def apply_backend(prim: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Primitive ``prim`` on plain arguments: its ``on_backend`` form when an array of
    another library is among them, else its function."""
    if any_backend(args):
        return prim.on_backend(args, kwargs)
    return prim.fun(*args, **kwargs)


def own_backend_array(x: Any, given: set[Any]) -> Any:
    """Array ``x`` of another library, to be handed back beside the values whose memory
    ``given`` holds: ``x``, or its copy when it shares memory with one of them."""
    memory_of = BACKEND_MEMORY[type(x)]
    memory = memory_of(x)
    if memory in given:
        x = BACKEND_COPY[type(x)](x)
        memory = memory_of(x)
    given.add(memory)
    return x


def on_arrays_of(name: str, args: tuple[Any, ...] | list[Any]) -> tuple[Any, tuple[Any, ...]]:
    """The one namespace of the other library's arrays among ``args``, and the arguments
    as that namespace takes them (a NumPy scalar, or a NumPy array of no dimensions, as
    the Python number it holds).

    Raises, naming ``name`` and the libraries, when the arrays are of two libraries, or
    a NumPy array of some dimensions is among them.
    """
    namespace = None
    plain = list(args)
    for i, a in enumerate(args):
        cls = type(a)
        found = None if cls in NATIVE else backend_of_type(cls)
        if found is not None:
            if namespace is not None and found is not namespace:
                raise _mixed(name, args)
            namespace = found
        elif cls in ARRAY_TYPES or cls in SCALAR_TYPES:
            if getattr(a, "ndim", 0):
                raise _mixed(name, args)
            if cls not in _PYTHON_NUMBERS:
                plain[i] = a.item()
    if namespace is None:
        raise TypeError(f"{name}: no array of another library among its arguments")
    return namespace, tuple(plain)


_PYTHON_NUMBERS = (bool, int, float, complex)


def _mixed(name: str, args: tuple[Any, ...] | list[Any]) -> TypeError:
    kinds = sorted(
        {f"{type(a).__module__}.{type(a).__name__}" for a in args if hasattr(a, "shape")}
    )
    return TypeError(
        f"{name} was given arrays of different libraries ({', '.join(kinds)}) in one "
        f"operation; paralens does not convert between them silently. Convert them to one "
        f"library first: paralens.numpy.to_numpy(x), or paralens.numpy.asarray_like(x, other)"
    )


def defbackend(fun: Callable[..., Any], impl: Callable[..., Any]) -> None:
    """Give primitive ``fun`` its form on the arrays of other libraries.

    ``impl(xp, *args, **kwargs)`` computes ``fun`` with ``xp``, the array-API namespace of
    the arrays among the arguments (all of one library: mixed libraries raise).

    Examples:
        >>> from paralens._core import primitive
        >>> twice = primitive(lambda x: 2 * x, "twice")
        >>> defbackend(twice, lambda xp, x: xp.multiply(x, 2))
    """
    prim = _primitive_of(fun)
    name = prim.name

    def on_backend(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        xp, plain = on_arrays_of(name, args)
        return impl(xp, *plain, **kwargs)

    for member in prim.family:
        member.on_backend = on_backend


def agnostic(fun: Callable[..., Any]) -> None:
    """Declare that primitive ``fun`` computes on any library's arrays as it is (it uses
    only Python's operators, indexing and attributes)."""
    prim = _primitive_of(fun)
    name = prim.name

    def on_backend(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        _, plain = on_arrays_of(name, args)
        return prim.fun(*plain, **kwargs)

    prim.on_backend = on_backend


def _primitive_of(fun: Callable[..., Any]) -> Any:
    prim = getattr(fun, "_primitive", fun)
    if not hasattr(prim, "on_backend"):
        raise TypeError(f"{fun!r} is not a primitive; make it one with paralens.extend.primitive")
    return prim


def no_backend_form(name: str) -> Callable[[tuple[Any, ...], dict[str, Any]], Any]:
    """The ``on_backend`` of a primitive no array library but NumPy computes: it raises."""

    def refuse(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        kinds = sorted({type(a).__module__ + "." + type(a).__name__ for a in args})
        raise TypeError(
            f"{name} computes only on NumPy arrays, and was given {', '.join(kinds)}. "
            f"Convert its arguments with paralens.numpy.to_numpy(...) first, or define "
            f"its form for this library with paralens.extend.defbackend({name}, ...)"
        )

    return refuse
