"""Forward mode: every traced value carries its tangent (a *dual* number), no tape.

A ``ForwardTrace``'s Vars hold a value and its tangent. A primitive applied to them
computes its answer, and its answer's tangent as the sum, over the traced arguments, of
each argument's forward rule applied to that argument's tangent. Nothing is recorded:
the tangent of the output is ready when the function returns.
"""

from __future__ import annotations

from typing import Any

from paralens._core import _vspace
from paralens._core._backends import NATIVE, SPECIAL_VALUES, is_backend_type
from paralens._core._primitive import Primitive, apply_special
from paralens._core._trace import TRACED, Trace
from paralens._core._var import Var, make_var
from paralens._core._vspace import ZERO


class ForwardTrace(Trace):
    """A trace that carries a tangent beside every value (forward mode)."""

    __slots__ = ()

    def new_input(self, value: Any, tangent: Any) -> Var:
        """A Var of ``value`` with the tangent ``tangent``, an input of this trace."""
        return _dual(value, self, tangent)

    def tangent_of(self, var: Var) -> Any:
        """The tangent carried by ``var``, a Var of this trace."""
        if not self.owns(var):
            raise ValueError(f"{var!r} is not a traced value of this trace")
        return var._tangent

    def process(self, prim: Primitive, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Var:
        if not self.active:
            raise self.escaped()
        vals = []
        tangents = []
        # An argument holds Vars of outer (lower) traces, or an array of another library.
        special = False
        for i, a in enumerate(args):
            if type(a) in TRACED and a._trace is self:
                tangents.append((i, a._tangent))
                a = a._value
                special = special or type(a) in SPECIAL_VALUES
            elif type(a) in TRACED or (type(a) not in NATIVE and is_backend_type(type(a))):
                special = True
            vals.append(a)
        unwrapped = tuple(vals)
        ans = apply_special(prim, unwrapped, kwargs) if special else prim.fun(*unwrapped, **kwargs)
        tangent: Any = ZERO
        rules = prim.jvps
        for i, t in tangents:
            rule = rules[i]
            if rule is not None:
                tangent = _vspace.add(tangent, rule(t, ans, *unwrapped, **kwargs))
        return _dual(ans, self, tangent)


def _dual(value: Any, trace: ForwardTrace, tangent: Any) -> Var:
    var = make_var(value, trace)
    var._tangent = tangent
    return var
