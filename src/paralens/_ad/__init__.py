"""The transforms: reverse mode (``vjp``, ``grad``, ...) and forward mode (``jvp``, ``hvp``).

They wrap the leaves of their arguments as traced values of a trace of the core, call
the function, and read the derivatives off the trace. Nothing here knows an array
library; Jacobians and Hessians, which build arrays, are in ``paralens.numpy``.
"""

from paralens._ad._inputs import Inputs
from paralens._ad._jvp import hvp, jvp
from paralens._ad._record import Application, Input, Output, Record, trace
from paralens._ad._stop_gradient import stop_gradient
from paralens._ad._vjp import (
    Argnums,
    argnums_tuple,
    backprop,
    elementwise_grad,
    grad,
    scalar_seed,
    value_and_grad,
    vjp,
    vjp_at,
)

__all__ = [
    "Application",
    "Argnums",
    "Input",
    "Inputs",
    "Output",
    "Record",
    "argnums_tuple",
    "backprop",
    "elementwise_grad",
    "grad",
    "hvp",
    "jvp",
    "scalar_seed",
    "stop_gradient",
    "trace",
    "value_and_grad",
    "vjp",
    "vjp_at",
]
