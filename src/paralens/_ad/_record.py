"""What a trace recorded, as data: ``trace(f, *args)`` gives the ``Record`` of one call.

``f`` is called with its arguments wrapped as ``vjp`` wraps them (each float leaf a traced
input, named by its path: ``params[0].w``), and every primitive application on them is
an entry of the record: its primitive's name, the entries its traced arguments came
from, and the shape and dtype of what it made. The outputs name the entries that
``f`` returned. A record prints as a list of equations, one per application, and exports
to Graphviz (``to_dot``); ``paralens.viz.trace_graph`` draws from it.

Examples:
    >>> import numpy as np
    >>> import paralens.numpy as pnp
    >>> record = trace(lambda x, w: pnp.tanh(x @ w).sum(), np.ones(3), np.ones((3, 2)))
    >>> print(record)
    trace of <lambda>(x, w)
      %0 = x                       float64 (3,)
      %1 = w                       float64 (3, 2)
      %2 = matmul(%0, %1)          float64 (2,)
      %3 = tanh(%2)                float64 (2,)
      %4 = sum(%3)                 float64 ()
      out = %4
    >>> [a.primitive for a in record.applications], record.applications[0].inputs
    (['matmul', 'tanh', 'sum'], (0, 1))
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from paralens import tree
from paralens._ad._inputs import Inputs
from paralens._core import ReverseTrace, Step, is_var, plain_value


@dataclass(frozen=True)
class Input:
    """An input of the record: one float leaf of an argument."""

    index: int  # its position in the record
    path: str  # the argument's name and the path to the leaf: "params[0].w"
    shape: tuple[int, ...] | None  # None for a value without a shape (a container)
    dtype: str


@dataclass(frozen=True)
class Application:
    """One primitive application: what it applied, to which entries, and what it made."""

    index: int
    primitive: str
    inputs: tuple[int, ...]  # the entries its traced arguments came from
    arguments: tuple[str, ...]  # every argument as printed: "%2", or a constant's summary
    shape: tuple[int, ...] | None
    dtype: str


@dataclass(frozen=True)
class Output:
    """One leaf of what ``f`` returned, and the entry that made it (``None``: a constant)."""

    path: str  # "out", "out[0]", "out['loss']"
    index: int | None
    shape: tuple[int, ...] | None
    dtype: str


@dataclass(frozen=True)
class Record:
    """What one call recorded: its inputs, its primitive applications, and its outputs.

    Entries are numbered in the order they were made (inputs first), which is a
    topological order: an application's inputs all have smaller numbers.
    """

    name: str
    argnames: tuple[str, ...]
    inputs: tuple[Input, ...]
    applications: tuple[Application, ...]
    outputs: tuple[Output, ...]

    def __str__(self) -> str:
        lines = [f"trace of {self.name}({', '.join(self.argnames)})"]
        for i in self.inputs:
            lines.append(_line(f"%{i.index} = {i.path}", i.shape, i.dtype))
        for a in self.applications:
            call = f"%{a.index} = {a.primitive}({', '.join(a.arguments)})"
            lines.append(_line(call, a.shape, a.dtype))
        for o in self.outputs:
            if o.index is not None:
                lines.append(f"  {o.path} = %{o.index}")
            else:
                lines.append(_line(f"{o.path} = a constant", o.shape, o.dtype))
        return "\n".join(lines)

    def to_dot(self) -> str:
        """The record as a Graphviz graph (DOT text): a node per entry and per output.

        Inputs are ellipses, applications boxes labelled with their primitive, outputs
        plain text; an edge runs from each entry to every application that reads it
        (labelled with the argument's position when it has several), and from the entry
        each output is. ``dot -Tsvg`` draws it.

        Examples:
            >>> print(trace(lambda x: x * x, 3.0).to_dot())
            digraph "trace of <lambda>" {
              rankdir=LR;
              v0 [label="x\\nfloat ()", shape=ellipse];
              v1 [label="multiply\\nfloat ()", shape=box];
              v0 -> v1 [label="0"];
              v0 -> v1 [label="1"];
              out0 [label="out", shape=plaintext];
              v1 -> out0;
            }
        """
        lines = [f"digraph {_quote('trace of ' + self.name)} {{", "  rankdir=LR;"]
        for i in self.inputs:
            label = _quote(f"{i.path}\\n{i.dtype} {_shape_text(i.shape)}")
            lines.append(f"  v{i.index} [label={label}, shape=ellipse];")
        for a in self.applications:
            label = _quote(f"{a.primitive}\\n{a.dtype} {_shape_text(a.shape)}")
            lines.append(f"  v{a.index} [label={label}, shape=box];")
            traced = [(k, arg) for k, arg in enumerate(a.arguments) if arg.startswith("%")]
            for k, arg in traced:
                edge_label = f' [label="{k}"]' if len(a.arguments) > 1 else ""
                lines.append(f"  v{arg[1:]} -> v{a.index}{edge_label};")
        for n, o in enumerate(self.outputs):
            lines.append(f"  out{n} [label={_quote(o.path)}, shape=plaintext];")
            if o.index is not None:
                lines.append(f"  v{o.index} -> out{n};")
        lines.append("}")
        return "\n".join(lines)


def _shape_text(shape: tuple[int, ...] | None) -> str:
    return "" if shape is None else str(tuple(shape))


def _line(head: str, shape: tuple[int, ...] | None, dtype: str) -> str:
    return f"  {head:<28} {dtype} {_shape_text(shape)}".rstrip()


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def _kind(value: Any) -> tuple[tuple[int, ...] | None, str]:
    """The shape and dtype of a recorded value (an array, a number, a container)."""
    plain = plain_value(value)
    dtype = getattr(plain, "dtype", None)
    shape = getattr(plain, "shape", None)
    if dtype is not None and shape is not None:
        return tuple(shape), str(dtype)
    if isinstance(plain, bool | int | float | complex):
        return (), type(plain).__name__
    return None, type(plain).__name__


def _constant(value: Any) -> str:
    """A constant argument as a record prints it: numbers and short values in full."""
    plain = plain_value(value)
    if isinstance(plain, bool | int | float | complex | str) or plain is None:
        return repr(plain)
    shape, dtype = _kind(plain)
    if shape is not None and getattr(plain, "size", 2) > 1:
        return f"<{dtype} {_shape_text(shape)}>"
    text = repr(plain)
    return text if len(text) <= 24 else f"<{type(plain).__name__}>"


def argument_names(f: Callable[..., Any], n: int) -> list[str]:
    """The names of ``f``'s first ``n`` positional parameters (``arg0``... if unknown)."""
    try:
        parameters = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    names = [
        p.name
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
    ]
    if len(names) < n or any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return [f"arg{i}" for i in range(n)]
    return names[:n]


def trace(f: Callable[..., Any], *args: Any) -> Record:
    """Call ``f(*args)`` under a reverse trace and return what it recorded.

    Args:
        f: a function of ``len(args)`` arguments.
        *args: the arguments; each float leaf is a traced input (integers stay
            constants, as in every transform).

    Returns:
        The ``Record``: one ``Input`` per traced leaf, one ``Application`` per primitive
        application, one ``Output`` per leaf of the result.

    Examples:
        >>> record = trace(lambda p: p["w"] * 2.0 + p["b"], {"w": 1.0, "b": 0.5})
        >>> [i.path for i in record.inputs], [a.arguments for a in record.applications]
        (["p['w']", "p['b']"], [('%0', '2.0'), ('%2', '%1')])
    """
    recorder = ReverseTrace()
    names = argument_names(f, len(args))
    try:
        inputs = [Inputs(arg, recorder.new_input) for arg in args]
        out = f(*(a.traced for a in inputs))
    finally:
        recorder.close()
    steps = recorder.steps()
    entries: list[Input] = []
    for name, arg, wrapped in zip(names, args, inputs, strict=True):
        paths = [
            p
            for p, leaf in tree.tree_leaves_with_path(arg, prefix=name)
            if not tree.is_integer(leaf)
        ]
        for var, path in zip(wrapped.vars, paths, strict=True):
            shape, dtype = _kind(var)
            entries.append(Input(recorder.index_of(var), path, shape, dtype))
    applications = tuple(_application(s) for s in steps if s.primitive is not None)
    outputs = []
    for path, leaf in tree.tree_leaves_with_path(out, is_leaf=is_var, prefix="out"):
        shape, dtype = _kind(leaf)
        index = recorder.index_of(leaf) if recorder.owns(leaf) else None
        outputs.append(Output(path, index, shape, dtype))
    name = getattr(f, "__name__", "f")
    return Record(name, tuple(names), tuple(entries), applications, tuple(outputs))


def _application(step: Step) -> Application:
    assert step.primitive is not None
    traced = dict(step.parents)
    arguments = tuple(
        f"%{traced[k]}" if k in traced else _constant(value) for k, value in enumerate(step.args)
    )
    shape, dtype = _kind(step.ans)
    return Application(
        step.position, step.primitive.name, tuple(traced.values()), arguments, shape, dtype
    )
