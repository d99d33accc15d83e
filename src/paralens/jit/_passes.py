"""The passes that run on a staged program before code is generated for it.

- **Dead code**: an equation none of whose answers reaches an output is dropped (the
  forward values the backward pass does not read, the cotangents of constants).
- **Common subexpressions**: two applications of the same primitive to the same
  arguments are one (the reverse pass recomputes what the forward pass had: ``1 - ans``
  in two rules, a transpose of the same weight).
- **Identities and constants**: ``x * 1`` and ``x ** 1`` are ``x`` (to the bit, where
  the answer has ``x``'s shape and dtype), ``x ** 0`` is one, and what is computed from
  constants alone is computed once (the rules of a first derivative seeded with 1 leave
  many such).

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

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from paralens.jit._program import Eq, Pack, Program, Ref, eq_refs, refs_of

_UFUNCS: dict[Any, Any] = {operator.mul: np.multiply, operator.pow: np.power}
_COMMUTATIVE = {np.add, np.multiply, operator.add, operator.mul}


def optimise(program: Program) -> Program:
    """``program`` simplified, its common subexpressions merged, its dead code removed."""
    program = simplify(program)
    program = merge_common(program)
    return remove_dead(program)


_ONE = (1, 1.0)


def _is_ones(a: Any) -> bool:
    """Whether a constant argument is exactly one (a number, or an array of ones)."""
    if type(a) in (int, float) and a in _ONE:
        return True
    return (
        isinstance(a, np.ndarray) and a.dtype.kind in "fiu" and a.size > 0 and bool((a == 1).all())
    )


def _identity_of(eq: Eq, program: Program) -> Any:
    """The argument an equation returns unchanged, to the bit (``x * 1``, ``x ** 1``),
    or ``None``. Only where the answer has that argument's type, shape and dtype."""
    if eq.kwargs or eq.out_tree is not None or len(eq.args) != 2:
        return None
    ufunc = _UFUNCS.get(eq.prim.fun, eq.prim.fun)
    a, b = eq.args
    if ufunc is np.multiply:
        candidates = [x for x, one in ((a, b), (b, a)) if _is_ones(one)]
    elif ufunc is np.power:
        candidates = [a] if type(b) is not Ref and _is_ones(b) else []
    else:
        return None
    out = program.avals[eq.outs[0]]
    for x in candidates:
        if type(x) is Ref and program.avals[x.id].signature == out.signature:
            return x
    return None


def _renamer(rename: dict[int, Any]) -> Callable[[Any], Any]:
    """An argument with the references in ``rename`` replaced (inside packs too)."""

    def renamed(a: Any) -> Any:
        if type(a) is Ref:
            return rename.get(a.id, a)
        if type(a) is Pack:
            return Pack(a.kind, tuple(renamed(x) for x in a.items))
        return a

    return renamed


def simplify(program: Program) -> Program:
    """Drop the equations that return an argument unchanged, and compute at once those
    whose arguments are all constants (``x ** 0`` is a constant one, say)."""
    rename: dict[int, Any] = {}
    eqs: list[Eq] = []
    renamed = _renamer(rename)

    for eq in program.eqs:
        eq = Eq(
            eq.prim,
            tuple(renamed(a) for a in eq.args),
            {k: renamed(v) for k, v in eq.kwargs.items()},
            eq.outs,
            eq.out_tree,
        )
        same = _identity_of(eq, program)
        if same is not None:
            rename[eq.outs[0]] = same
            continue
        ufunc = _UFUNCS.get(eq.prim.fun, eq.prim.fun)
        if (
            ufunc is np.power
            and len(eq.args) == 2
            and type(eq.args[1]) in (int, float)
            and eq.args[1] == 0
        ):
            aval = program.avals[eq.outs[0]]
            if aval.dtype.kind == "f":
                rename[eq.outs[0]] = aval.ones()  # x ** 0 is 1, nan and inf included
                continue
        eqs.append(eq)
    outputs = [renamed(o) for o in program.outputs]
    program = Program(program.inputs, eqs, outputs, program.out_tree, program.avals)
    return fold_constants(program) if rename else program


def fold_constants(program: Program) -> Program:
    """Compute once the equations whose arguments hold no reference."""
    rename: dict[int, Any] = {}
    eqs: list[Eq] = []
    renamed = _renamer(rename)

    for eq in program.eqs:
        args = tuple(renamed(a) for a in eq.args)
        kwargs = {k: renamed(v) for k, v in eq.kwargs.items()}
        refs = [r for a in (*args, *kwargs.values()) for r in refs_of(a)]
        if not refs and eq.out_tree is None and not eq.prim.nondifferentiable:
            rename[eq.outs[0]] = eq.prim.fun(*args, **kwargs)
            continue
        eqs.append(Eq(eq.prim, args, kwargs, eq.outs, eq.out_tree))
    outputs = [renamed(o) for o in program.outputs]
    program = Program(program.inputs, eqs, outputs, program.out_tree, program.avals)
    return simplify(program) if rename else program


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
        arg_keys = tuple(_key_of(a) for a in args)
        if eq.prim.fun in _COMMUTATIVE and len(args) == 2 and not kwargs:
            arg_keys = tuple(sorted(arg_keys, key=repr))  # x * y is y * x, to the bit
        key = (id(eq.prim.fun), arg_keys, tuple((k, _key_of(v)) for k, v in kwargs.items()))
        before = seen.get(key)
        if before is not None:
            rename.update(zip(eq.outs, before, strict=True))
            continue
        seen[key] = eq.outs
        eqs.append(Eq(eq.prim, args, kwargs, eq.outs, eq.out_tree))
    outputs = [renamed(o) for o in program.outputs]
    return Program(program.inputs, eqs, outputs, program.out_tree, program.avals)
