"""The structural primitives: reaching into traced containers, and building them.

``getitem_node`` and ``getattr_node`` read one part of a traced container (a Var whose
value is a tuple, a dict, a dataclass...); their reverse rules put the cotangent at that
part and ``ZERO`` everywhere else. ``pack`` builds one traced container from traced
parts; its reverse rule hands each part its share of the cotangent. They are primitives
like any other, with rules given by the same ``defvjp`` and ``defjvp``; ``symbolic_zeros``
lets their rules see cotangents that hold ``ZERO`` for the parts that received none,
so that no zeros are allocated for them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from paralens._core import _vspace
from paralens._core._fields import field_names
from paralens._core._primitive import (
    defjvp,
    defjvp_argnum,
    defvjp,
    defvjp_argnum,
    primitive,
    primitive_of,
)
from paralens._core._trace import TRACED, plain_value, value_of
from paralens._core._vspace import ZERO, NodeDef
from paralens._core._walk import KEEP, rebuild


def _getitem_node(x: Any, key: Any) -> Any:
    try:
        return x[key]
    except (IndexError, KeyError, TypeError) as e:
        keys = list(x) if isinstance(x, dict) else f"0..{len(x) - 1}"
        raise type(e)(
            f"cannot index a traced {type(x).__name__} with {key!r}; valid keys: {keys}"
        ) from None


def _getattr_node(x: Any, name: str) -> Any:
    return getattr(x, name)


getitem_node = primitive(_getitem_node, "getitem", symbolic_zeros=True)
getattr_node = primitive(_getattr_node, "getattr", symbolic_zeros=True)


def _getitem_vjp(g: Any, ans: Any, x: Any, key: Any) -> Any:
    x = plain_value(x)
    node = _vspace.node_def(x)
    assert node is not None
    children, aux = node.flatten(x)
    out = [ZERO] * len(children)
    if isinstance(x, dict):
        out[list(x).index(key)] = g
    elif isinstance(key, slice):
        for i, gi in zip(range(*key.indices(len(x))), g, strict=True):
            out[i] = gi
    else:
        out[key] = g
    return node.unflatten(aux, out)


def _getattr_vjp(g: Any, ans: Any, x: Any, name: str) -> Any:
    x = plain_value(x)
    node = _vspace.node_def(x)
    assert node is not None
    _, aux = node.flatten(x)
    return node.unflatten(aux, [g if n == name else ZERO for n in field_names(x)])


defvjp(getitem_node, _getitem_vjp, None, staged=False)
defjvp(getitem_node, lambda t, ans, x, key: t[key], None)
defvjp(getattr_node, _getattr_vjp, None, staged=False)
defjvp(getattr_node, lambda t, ans, x, name: getattr(t, name), None)


def _pack(treedef: tuple[Any, Hashable], *children: Any) -> Any:
    node, aux = treedef
    return node.unflatten(aux, list(children))


pack = primitive(_pack, "pack", symbolic_zeros=True)


def _in_python(fun: Any) -> Any:
    def on_backend(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return fun(*args, **kwargs)

    return on_backend


# Containers are Python's: they hold the arrays of any library, mixed, as they are.
for _container_primitive, _fun in (
    (getitem_node, _getitem_node),
    (getattr_node, _getattr_node),
    (pack, _pack),
):
    primitive_of(_container_primitive).on_backend = _in_python(_fun)


def _pack_vjp(argnum: int, g: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if g is ZERO:
        return ZERO
    node, _ = args[0]
    return node.flatten(g)[0][argnum - 1]


def _pack_jvp(argnum: int, t: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    node, aux = args[0]
    parts = [
        t if i == argnum else _vspace.zeros_like(value_of(c)) for i, c in enumerate(args) if i > 0
    ]
    return node.unflatten(aux, parts)


defvjp(pack, None)
defvjp_argnum(pack, _pack_vjp, staged=False)
defjvp_argnum(pack, _pack_jvp)


def pack_structure(xs: Any, traced: Callable[[Any], bool]) -> Any:
    """``xs`` as one Var of its structure when a part of it is ``traced``, else ``xs``.

    Containers are packed bottom up with ``pack``, so each level's gradient flows back to
    its parts; values for which ``traced`` is false stay constants inside.
    """
    if type(xs) in TRACED or _vspace.node_def(xs) is None:
        return xs

    def build(node: NodeDef, aux: Hashable, packed: list[Any], value: Any) -> Any:
        if any(traced(c) for c in packed):
            return pack((node, aux), *packed)
        return node.unflatten(aux, packed)

    return rebuild(xs, _keep, stop=_parts_kept_whole, build=build)


def _keep(space: Any, x: Any, there: tuple[Any, ...]) -> Any:
    return x


def _parts_kept_whole(x: Any, there: tuple[Any, ...]) -> Any:
    # Traced values are parts as they are; so are values of types paralens does not know.
    return x if type(x) in TRACED or not _vspace.is_node(x) else KEEP
