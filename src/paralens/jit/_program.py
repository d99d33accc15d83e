"""The staged program: a flat list of primitive applications over numbered values.

A ``Program`` is what ``jit`` records of a function: its inputs (the leaves of its
arguments, numbered ``0 .. n-1``), one ``Eq`` per primitive application, and its outputs.
An argument of an equation is a ``Ref`` to a numbered value, a constant, or a ``Pack``
(a tuple or list holding refs, as NumPy's fancy indices do). Every value has its
``Abstract`` (shape, dtype, leaf type), so the passes and the code generator plan
without running anything.

``evaluate`` runs a program by applying each primitive through its public wrapper: on
plain arrays that is the primitive's function; on traced values (``grad(jit(f))``) it is
the primitive bound to the enclosing trace, so the program is differentiated by the
primitives' own rules, like the function it was traced from.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from paralens._core import Primitive, is_var, plain_value
from paralens._core._fields import field_names
from paralens._core._vspace import node_def
from paralens.jit._abstract import Abstract
from paralens.tree import TreeDef


class Ref:
    """A reference to the value numbered ``id`` in a program."""

    __slots__ = ("id",)

    def __init__(self, id: int) -> None:  # noqa: A002 (the value's number, as in the program)
        self.id = id

    def __repr__(self) -> str:
        return f"v{self.id}"


class Pack:
    """A tuple or list (``kind``) whose items may be refs: an index such as ``(rows, cols)``."""

    __slots__ = ("items", "kind")

    def __init__(self, kind: type, items: tuple[Any, ...]) -> None:
        self.kind = kind
        self.items = items

    def __repr__(self) -> str:
        inner = ", ".join(map(repr, self.items))
        return f"[{inner}]" if self.kind is list else f"({inner},)"


class Eq(NamedTuple):
    """One primitive application: ``outs = prim(*args, **kwargs)``.

    ``out_tree`` is ``None`` for a primitive with one array or number as its answer, and
    the structure of the answer when it is a container (its leaves are ``outs``).
    """

    prim: Primitive
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    outs: tuple[int, ...]
    out_tree: TreeDef | None = None


@dataclass
class Program:
    """A staged function: inputs, equations, outputs, and the abstract value of each value."""

    inputs: list[int]
    eqs: list[Eq]
    outputs: list[Any]  # a Ref or a constant per output leaf
    out_tree: TreeDef
    avals: dict[int, Abstract] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"inputs: {', '.join(f'v{i}: {self.avals[i]!r}' for i in self.inputs)}"]
        for eq in self.eqs:
            outs = ", ".join(f"v{o}: {self.avals[o]!r}" for o in eq.outs)
            args = ", ".join(
                [*map(_show, eq.args), *(f"{k}={_show(v)}" for k, v in eq.kwargs.items())]
            )
            lines.append(f"  {outs} = {eq.prim.name}({args})")
        lines.append(f"outputs: {', '.join(map(_show, self.outputs))}")
        return "\n".join(lines)


def _show(a: Any) -> str:
    if isinstance(a, (Ref, Pack)):
        return repr(a)
    shape = getattr(a, "shape", None)
    if shape is not None and shape != ():
        return f"<const {getattr(a, 'dtype', '')}{list(shape)}>"
    return repr(a)


def refs_of(a: Any) -> Iterator[int]:
    """The ids an argument refers to."""
    if type(a) is Ref:
        yield a.id
    elif type(a) is Pack:
        for item in a.items:
            yield from refs_of(item)


def eq_refs(eq: Eq) -> Iterator[int]:
    for a in eq.args:
        yield from refs_of(a)
    for a in eq.kwargs.values():
        yield from refs_of(a)


def resolve(a: Any, env: dict[int, Any]) -> Any:
    """An argument with its refs replaced by the values in ``env``."""
    if type(a) is Ref:
        return env[a.id]
    if type(a) is Pack:
        items = [resolve(i, env) for i in a.items]
        return items if a.kind is list else a.kind(items)
    return a


def evaluate(program: Program, leaves: list[Any]) -> list[Any]:
    """Run ``program`` on its input leaves, primitive by primitive; return the output leaves.

    Leaves may be traced values of enclosing transforms: each primitive is then applied
    through its wrapper, which binds it to their trace.
    """
    env: dict[int, Any] = dict(zip(program.inputs, leaves, strict=True))
    for eq in program.eqs:
        args = [resolve(a, env) for a in eq.args]
        kwargs = {k: resolve(v, env) for k, v in eq.kwargs.items()} if eq.kwargs else {}
        ans = eq.prim.wrapper(*args, **kwargs)
        if eq.out_tree is None:
            env[eq.outs[0]] = ans
        else:
            env.update(zip(eq.outs, split_answer(ans), strict=True))
    return [resolve(o, env) for o in program.outputs]


def split_answer(ans: Any) -> list[Any]:
    """The leaves of a container answer, traced or not (a traced one is read part by part,
    so each part keeps its gradient)."""
    value = plain_value(ans)
    node = node_def(value)
    if node is None:
        return [ans]
    children, _ = node.flatten(value)
    if not is_var(ans):
        parts = node.flatten(ans)[0]
    elif isinstance(value, dict):
        parts = [ans[k] for k in value]
    elif field_names(value) and not isinstance(value, tuple):
        parts = [getattr(ans, n) for n in field_names(value)]
    else:
        parts = [ans[i] for i in range(len(children))]
    return [leaf for part in parts for leaf in split_answer(part)]
