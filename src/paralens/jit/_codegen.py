"""Code generation: the optimised program as the source of one Python function.

Each equation becomes a line: the primitive's function called on local variables (a NumPy
ufunc by its name, an operator as the operator, anything else through a name bound in the
function's globals), so replay costs the NumPy calls and nothing else. Where the answer
is stored (a kept buffer, a donated argument updated in place) is chosen by
``_buffers``; how the line is written, by ``_lower``.

A program with donated arguments has two functions: one writing into them, run when the
call's donated arrays pass the plan's checks (writeable, C-ordered, sharing no memory
with the other arguments), and one writing fresh arrays, run otherwise.
``Compiled.source`` is the first; ``jit(f).source(*args)`` shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from paralens.jit._buffers import Plan, plan_buffers
from paralens.jit._lower import Namespace, lower
from paralens.jit._passes import optimise
from paralens.jit._program import Program, Ref, evaluate


class Compiled:
    """The generated replay functions of a program, with the source of the first."""

    __slots__ = ("_plan", "_program", "_run", "_safe", "safe_source", "source")

    def __init__(self, program: Program, plan: Plan) -> None:
        self._program = program
        self._plan = plan
        self.source, self._run = _generate(program, plan, in_place=True)
        if plan.donations:
            self.safe_source, self._safe = _generate(program, plan, in_place=False)
        else:
            self.safe_source, self._safe = self.source, self._run

    def run(self, leaves: list[Any], donated: tuple[bool, ...] | None) -> list[Any]:
        """The output leaves for these input leaves (``donated``: which are donated)."""
        plan = self._plan
        in_place = donated is not None and plan.check(leaves, donated) and bool(plan.donations)
        if not plan.lock.acquire(blocking=False):
            # A call while another is running (from a thread, or a callback inside it):
            # the kept buffers are in use, so this one runs primitive by primitive.
            return evaluate(self._program, leaves)
        try:
            run = self._run if in_place else self._safe
            return run(*leaves)  # type: ignore[no-any-return]
        finally:
            plan.lock.release()


def compile_program(program: Program, donated: tuple[bool, ...] | None) -> Compiled:
    """Optimise ``program`` and generate its replay functions."""
    program = optimise(program)
    return Compiled(program, plan_buffers(program, donated))


def _generate(program: Program, plan: Plan, in_place: bool) -> tuple[str, Callable[..., Any]]:
    ns = Namespace()
    plan.bind(ns)
    names = {i: f"x{n}" for n, i in enumerate(program.inputs)}
    for eq in program.eqs:
        for o in eq.outs:
            names[o] = plan.name_of(o, in_place) or f"v{o}"
    body: list[str] = []
    for index, eq in enumerate(program.eqs):
        body.extend(lower(eq, index, names, ns, plan, program, in_place))
    outs = []
    seen: set[int] = set()
    for o in program.outputs:
        if type(o) is not Ref:
            outs.append(f"{ns.const(o)}.copy()" if isinstance(o, np.ndarray) else ns.const(o))
            continue
        name = names[o.id]
        if o.id in seen and program.avals[o.id].kind is np.ndarray:
            name = f"{name}.copy()"  # one array handed out twice would share memory
        elif in_place and plan.is_donated_name(o.id):
            # A new array object over the donated memory: the donated one is given up.
            name = f"{name}.view()"
        outs.append(name)
        seen.add(o.id)
    body.append(f"return [{', '.join(outs)}]")
    header = f"def replay({', '.join(names[i] for i in program.inputs)}):"
    source = "\n".join([header, *("    " + line for line in body)]) + "\n"
    scope = ns.scope()
    exec(compile(source, "<paralens.jit>", "exec"), scope)
    return source, scope["replay"]
