"""The passes that run on a staged program before code is generated for it.

- **Dead code**: an equation none of whose answers reaches an output is dropped (the
  forward values the backward pass does not read, the cotangents of constants).
- **Common subexpressions**: two applications of the same primitive to the same
  arguments are one (the reverse pass recomputes what the forward pass had: ``1 - ans``
  in two rules, a transpose of the same weight).
- **Identities**: a value passed through unchanged (``stop_gradient``, ``astype`` to its
  own dtype) is its argument.

Every pass keeps the program's meaning: the same primitives on the same values, so the
replay computes what the function computes, to the last bit.

Examples:
    >>> import numpy as np
    >>> import paralens.numpy as pnp
    >>> from paralens.jit import jit
    >>> def f(x):
    ...     unused = pnp.exp(x)  # dead
    ...     return pnp.sin(x) + pnp.sin(x)  # one sin
    >>> print(optimise(jit(f).trace(np.zeros(2))))
    inputs: v0: float64[2]
      v2: float64[2] = sin(v0)
      v4: float64[2] = add(v2, v2)
    outputs: v4
"""

from __future__ import annotations

from typing import Any

import numpy as np

from paralens.jit._program import Eq, Pack, Program, Ref, eq_refs, refs_of


def optimise(program: Program) -> Program:
    """``program`` with its dead code removed and its common subexpressions merged."""
    program = merge_common(program)
    return remove_dead(program)


def remove_dead(program: Program) -> Program:
    """Drop every equation whose answers no output needs."""
    live: set[int] = set()
    for o in program.outputs:
        live.update(refs_of(o))
    kept: list[Eq] = []
    for eq in reversed(program.eqs):
        if any(o in live for o in eq.outs):
            kept.append(eq)
            live.update(eq_refs(eq))
    kept.reverse()
    return Program(program.inputs, kept, program.outputs, program.out_tree, program.avals)


def _key_of(a: Any) -> Any:
    """A hashable stand-in for an argument, equal for arguments that are the same value."""
    cls = type(a)
    if cls is Ref:
        return ("ref", a.id)
    if cls is Pack:
        return ("pack", a.kind, tuple(_key_of(i) for i in a.items))
    if cls in (int, float, bool, complex, str, type(None)):
        return (cls, a)
    if cls is slice:
        return ("slice", _key_of(a.start), _key_of(a.stop), _key_of(a.step))
    if cls is tuple:
        return ("tuple", tuple(_key_of(i) for i in a))
    if isinstance(a, (np.dtype, type)):
        return ("dtype", a)
    # Arrays and other constants: the same object only.
    return ("object", id(a))


def merge_common(program: Program) -> Program:
    """Replace each equation that repeats an earlier one by the earlier one's answers."""
    rename: dict[int, int] = {}
    seen: dict[Any, tuple[int, ...]] = {}
    eqs: list[Eq] = []

    def renamed(a: Any) -> Any:
        if type(a) is Ref:
            i = rename.get(a.id)
            return a if i is None else Ref(i)
        if type(a) is Pack:
            return Pack(a.kind, tuple(renamed(x) for x in a.items))
        return a

    for eq in program.eqs:
        args = tuple(renamed(a) for a in eq.args)
        kwargs = {k: renamed(v) for k, v in eq.kwargs.items()}
        key = (
            id(eq.prim.fun),
            tuple(_key_of(a) for a in args),
            tuple((k, _key_of(v)) for k, v in kwargs.items()),
        )
        before = seen.get(key)
        if before is not None:
            rename.update(zip(eq.outs, before, strict=True))
            continue
        seen[key] = eq.outs
        eqs.append(Eq(eq.prim, args, kwargs, eq.outs, eq.out_tree))
    outputs = [renamed(o) for o in program.outputs]
    return Program(program.inputs, eqs, outputs, program.out_tree, program.avals)
