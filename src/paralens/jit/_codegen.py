"""Code generation: the optimised program as the source of one Python function.

Each equation becomes one line: the primitive's function called on local variables (a
NumPy ufunc by its name, an operator as the operator, anything else through a name bound
in the function's globals), so replay costs the NumPy calls and nothing else. How each
line is written, and where its answer is stored (a buffer kept from call to call, a
donated argument updated in place), is chosen by ``_lower`` and ``_buffers``.

``Compiled.source`` is that code; ``jit(f).source(*args)`` shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from paralens.jit._buffers import Plan, plan_buffers
from paralens.jit._lower import Namespace, lower
from paralens.jit._passes import optimise
from paralens.jit._program import Program, Ref


class Compiled:
    """The generated replay function of a program, with its source."""

    __slots__ = ("_donating", "_plan", "_run", "_safe", "source")

    def __init__(self, source: str, run: Callable[..., Any], safe: Callable[..., Any],
                 donating: str, plan: Plan) -> None:
        self.source = source
        self._run = run
        self._safe = safe
        self._donating = donating
        self._plan = plan

    def run(self, leaves: list[Any], donated: tuple[bool, ...] | None) -> list[Any]:
        """The output leaves for these input leaves."""
        if donated is not None and self._plan.donations:
            checked = self._plan.check(leaves, donated)
            if checked:
                return self._run(*leaves)  # type: ignore[no-any-return]
        return self._safe(*leaves)  # type: ignore[no-any-return]


def compile_program(program: Program, donated: tuple[bool, ...] | None) -> Compiled:
    """Optimise ``program`` and generate its replay function."""
    program = optimise(program)
    plan = plan_buffers(program, donated)
    source, run = _generate(program, plan, in_place=True)
    if plan.donations:
        safe_source, safe = _generate(program, plan, in_place=False)
    else:
        safe_source, safe = source, run
    return Compiled(source, run, safe, safe_source, plan)


def _generate(program: Program, plan: Plan, in_place: bool) -> tuple[str, Callable[..., Any]]:
    ns = Namespace()
    names = {i: f"x{n}" for n, i in enumerate(program.inputs)}
    lines = [f"def replay({', '.join(names[i] for i in program.inputs)}):"]
    for eq in program.eqs:
        for o in eq.outs:
            names.setdefault(o, f"v{o}")
    body = plan.prologue(ns, in_place)
    for index, eq in enumerate(program.eqs):
        body.extend(lower(eq, index, names, ns, plan, program, in_place))
    outs = []
    seen: set[int] = set()
    for o in program.outputs:
        if type(o) is Ref:
            name = names[o.id]
            # One array handed out twice would be two outputs sharing memory.
            outs.append(f"{name}.copy()" if o.id in seen and _is_array(program, o.id) else name)
            seen.add(o.id)
        else:
            outs.append(f"{ns.const(o)}.copy()" if isinstance(o, np.ndarray) else ns.const(o))
    body.extend(plan.epilogue(in_place))
    body.append(f"return [{', '.join(outs)}]")
    source = "\n".join(lines + ["    " + line for line in body]) + "\n"
    scope = ns.scope()
    exec(compile(source, "<paralens.jit>", "exec"), scope)  # noqa: S102
    return source, scope["replay"]


def _is_array(program: Program, i: int) -> bool:
    return program.avals[i].kind is np.ndarray
