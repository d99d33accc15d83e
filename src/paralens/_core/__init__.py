"""The core: tracing and the two AD modes, free of any array library (see README.md)."""

from paralens._core._forward import ForwardTrace
from paralens._core._primitive import (
    Primitive,
    bind,
    defjvp,
    defjvp_argnum,
    defvjp,
    defvjp_argnum,
    nondifferentiable,
    primitive,
    primitive_of,
)
from paralens._core._residuals import ShapeOnly
from paralens._core._reverse import ReverseTrace, Step
from paralens._core._structural import getattr_node, getitem_node, pack, pack_structure
from paralens._core._trace import Trace, constant_part, is_var, plain_value, value_of
from paralens._core._var import (
    METHODS,
    OPERATORS,
    PROPERTIES,
    StructVar,
    Var,
    set_operators,
)
from paralens._core._vspace import ZERO

__all__ = [
    "METHODS",
    "OPERATORS",
    "PROPERTIES",
    "ZERO",
    "ForwardTrace",
    "Primitive",
    "ReverseTrace",
    "ShapeOnly",
    "Step",
    "StructVar",
    "Trace",
    "Var",
    "bind",
    "constant_part",
    "defjvp",
    "defjvp_argnum",
    "defvjp",
    "defvjp_argnum",
    "getattr_node",
    "getitem_node",
    "is_var",
    "nondifferentiable",
    "pack",
    "pack_structure",
    "plain_value",
    "primitive",
    "primitive_of",
    "set_operators",
    "value_of",
]
