"""paralens: typed, purely functional differentiable programming.

Examples:
    >>> import paralens
    >>> import paralens.numpy as pnp
    >>> paralens.grad(lambda x: pnp.sin(x) * x)(0.0)
    0.0
"""

from paralens import cat as cat
from paralens import data as data
from paralens import jit as jit
from paralens import learn as learn
from paralens import nn as nn
from paralens import numpy as numpy
from paralens import optim as optim
from paralens import tree as tree
from paralens import viz as viz
from paralens._ad import (
    Record,
    backprop,
    elementwise_grad,
    grad,
    hvp,
    jvp,
    stop_gradient,
    trace,
    value_and_grad,
    vjp,
)
from paralens._core import Var
from paralens._version import __version__ as __version__
from paralens.numpy._jacobians import hessian, jacfwd, jacobian, jacrev
from paralens.optics import (
    lens,
    match,
    over,
    sequence,
    set,  # noqa: A004
    unsequence,
    view,
)

__all__ = [
    "Record",
    "Var",
    "backprop",
    "cat",
    "data",
    "elementwise_grad",
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jit",
    "jvp",
    "learn",
    "lens",
    "match",
    "nn",
    "numpy",
    "optim",
    "over",
    "sequence",
    "set",
    "stop_gradient",
    "trace",
    "tree",
    "unsequence",
    "value_and_grad",
    "view",
    "viz",
    "vjp",
]
