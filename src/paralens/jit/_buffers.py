"""The buffer plan: where each answer of a staged program is stored.

(Filled in by the next version: for now every answer is a fresh array.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from paralens.jit._program import Eq, Program

if TYPE_CHECKING:
    from paralens.jit._lower import Namespace


class Plan:
    """Where each value lives, and the checks a call must pass to write in place."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.donations: dict[int, int] = {}

    def check(self, leaves: list[Any], donated: tuple[bool, ...]) -> bool:
        return False

    def prologue(self, ns: Namespace, in_place: bool) -> list[str]:
        return []

    def epilogue(self, in_place: bool) -> list[str]:
        return []

    def lines(
        self, eq: Eq, index: int, names: dict[int, str], ns: Namespace, in_place: bool
    ) -> list[str] | None:
        return None


def plan_buffers(program: Program, donated: tuple[bool, ...] | None) -> Plan:
    return Plan(program)
