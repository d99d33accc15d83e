"""The traced value, ``Var``, and what its operators mean.

A Var holds a value (plain, or a Var of a lower trace), the trace it belongs to, and what
that trace keeps for it: its index on the tape in reverse mode, its tangent in forward
mode. Its arithmetic operators, indexing and array methods are differentiable: they apply
primitives, which the array layer (``paralens.numpy``) registers in the tables below, so
this module stays free of any array library. Comparisons give plain values.

A Var whose value is a container is a ``StructVar``, whose fields are lenses.

NumPy's own functions meet a Var through NumPy's protocols: a ufunc (``np.sin(v)``,
``ndarray + v``) calls ``__array_ufunc__``, another function (``np.sum(v)``)
``__array_function__``, and both are answered by the tables ``paralens.numpy`` fills: the
differentiable function of the same name, or an error naming it. A conversion to a plain
array (``np.asarray(v)``, ``np.array([v, 2 * v])``) calls ``__array__``, which refuses:
an array of Vars would have no gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from paralens._core import _vspace
from paralens._core._fields import field_names, static_names
from paralens._core._primitive import Primitive, primitive_of
from paralens._core._structural import getattr_node, getitem_node
from paralens._core._trace import TRACED, Trace, plain_value, register_traced_type, value_of
from paralens._core._vspace import ARRAY_TYPES

# Operators and array methods of Var are looked up here; paralens.numpy fills them.
OPERATORS: dict[str, Callable[..., Any]] = {}
METHODS: dict[str, Callable[..., Any]] = {}
PROPERTIES: dict[str, Callable[[Any], Any]] = {}
_OPERATOR_PRIMITIVES: dict[str, Primitive] = {}
NO_KWARGS: dict[str, Any] = {}
# NumPy's protocols: a ufunc called as ``ufunc(*inputs)`` maps to the function in UFUNCS
# (filled as they are met); any other call goes to PROTOCOL["ufunc"] or
# PROTOCOL["function"], which paralens.numpy fills.
UFUNCS: dict[Any, Callable[..., Any]] = {}
PROTOCOL: dict[str, Callable[..., Any]] = {}
# The ufuncs of operators whose twins compute exactly what the ufunc does (``@``): with a
# plain value on the left, the primitive is bound straight to the Var's trace.
REFLECTED: dict[Any, Primitive] = {}

CONVERSION = (
    "a traced value (Var) was converted to a plain {what}{how}, which would drop its "
    "gradient. Build arrays of traced values with pnp.array / pnp.asarray / pnp.stack "
    "(import paralens.numpy as pnp), compute with pnp functions, or read v.value for the "
    "plain value (no gradient flows through it)"
)


class TracedConversionError(TypeError):
    """A traced value was asked for a plain value it cannot give without its gradient."""


def _no_protocol(*args: Any) -> Any:
    raise TypeError(
        "NumPy was called on a traced value; import paralens.numpy and use its functions"
    )


def _unregistered_operator(name: str) -> Callable[..., Any]:
    def fail(*args: Any) -> Any:
        raise TypeError(
            f"no differentiable '{name}' is registered for traced values; import "
            f"paralens.numpy, or register one with paralens._core.set_operators"
        )

    return fail


OPERATORS.update(
    (name, _unregistered_operator(name))
    for name in (
        *("add", "subtract", "multiply", "divide", "power", "matmul", "negative", "abs"),
        *("getitem", "mod", "floor_divide"),
    )
)


def set_operators(**operators: tuple[Callable[..., Any], Callable[..., Any]]) -> None:
    """Make each operator compute ``fun`` with the rules of the primitive ``like``.

    ``set_operators(add=(operator.add, pnp.add))``: ``x + y`` on Vars computes
    ``operator.add`` (so traced code gives what the same code gives untraced) and
    differentiates with ``pnp.add``'s rules.
    """
    for name, (fun, like) in operators.items():
        twin = primitive_of(like).twin(fun)
        _OPERATOR_PRIMITIVES[name] = twin
        OPERATORS[name] = twin.wrapper


def _binary(name: str, reflected: bool) -> Callable[[Var, Any], Any]:
    """A binary operator of Var: the primitive bound straight to the right trace.

    This skips the primitive's wrapper (which would search the arguments for the trace
    we already hold): operators are most of what a model computes.
    """

    def method(self: Var, other: Any) -> Any:
        prim = _OPERATOR_PRIMITIVES.get(name)
        args = (other, self) if reflected else (self, other)
        if prim is None:
            return OPERATORS[name](*args)
        trace = self._trace
        if type(other) in TRACED and other._trace.level > trace.level:
            trace = other._trace
        return trace.process(prim, args, NO_KWARGS)

    method.__name__ = f"__r{name}__" if reflected else f"__{name}__"
    return method


def _method(name: str) -> Callable[..., Any]:
    """An array method of Var (``v.sum(axis=0)``), computed by paralens.numpy's function."""

    def method(self: Var, *args: Any, **kwargs: Any) -> Any:
        try:
            fn = METHODS[name]
        except KeyError:
            raise AttributeError(
                f"no differentiable '{name}' is registered for traced values; import paralens.numpy"
            ) from None
        return fn(self, *args, **kwargs)

    method.__name__ = name
    return method


class Var:
    """A traced value: what a differentiated function receives in place of its inputs.

    ``v.value`` is the plain value. Arithmetic operators, indexing, iteration and field
    access on a Var are differentiable; comparisons give plain values. Vars are created
    only by the transforms (``grad``, ``vjp``, ``jvp``, ...).
    """

    __slots__ = ("_tangent", "_tape_index", "_trace", "_value")
    _tangent: Any  # forward mode: the tangent carried beside the value
    _tape_index: int  # reverse mode: the position of the step that made it on the tape
    __array_priority__ = 1000.0

    def __init__(self, value: Any, trace: Trace, tape_index: int = -1) -> None:
        self._value = value
        self._trace = trace
        self._tape_index = tape_index

    @property
    def value(self) -> Any:
        """The plain value this Var traces (an array as a read-only view).

        The trace keeps this value, and it may be the caller's own input: writing into it
        would change both, so an array comes as a view that refuses writes.
        """
        value = self._value
        if type(value) in ARRAY_TYPES and value.flags.writeable:
            value = value.view()
            value.flags.writeable = False
        return value

    # NumPy's protocols (see the module docstring)
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method == "__call__" and not kwargs:
            reflected = REFLECTED.get(ufunc)
            # ``x @ v`` with a plain ``x``: as ``v.__rmatmul__(x)`` would
            if reflected is not None and inputs[-1] is self and type(inputs[0]) not in TRACED:
                return self._trace.process(reflected, inputs, NO_KWARGS)
            fn = UFUNCS.get(ufunc)
            if fn is not None:
                return fn(*inputs)
        handler: Callable[..., Any] = PROTOCOL.get("ufunc", _no_protocol)
        return handler(ufunc, method, inputs, kwargs)

    def __array_function__(
        self, func: Any, types: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        handler: Callable[..., Any] = PROTOCOL.get("function", _no_protocol)
        return handler(func, args, kwargs)

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        raise TracedConversionError(
            CONVERSION.format(
                what="NumPy array",
                how=" (np.asarray(v), np.array([v, ...]), or a list of Vars given to NumPy)",
            )
        )

    def __repr__(self) -> str:
        return f"Var({self._value!r})"

    # arithmetic: each operator binds its primitive directly (see _binary)
    __add__ = _binary("add", reflected=False)
    __radd__ = _binary("add", reflected=True)
    __sub__ = _binary("subtract", reflected=False)
    __rsub__ = _binary("subtract", reflected=True)
    __mul__ = _binary("multiply", reflected=False)
    __rmul__ = _binary("multiply", reflected=True)
    __truediv__ = _binary("divide", reflected=False)
    __rtruediv__ = _binary("divide", reflected=True)
    __pow__ = _binary("power", reflected=False)
    __rpow__ = _binary("power", reflected=True)
    __matmul__ = _binary("matmul", reflected=False)
    __rmatmul__ = _binary("matmul", reflected=True)
    __mod__ = _binary("mod", reflected=False)
    __rmod__ = _binary("mod", reflected=True)

    # floor division is piecewise constant: a plain value, as comparisons give
    def __floordiv__(self, other: Any) -> Any:
        return OPERATORS["floor_divide"](self, other)

    def __rfloordiv__(self, other: Any) -> Any:
        return OPERATORS["floor_divide"](other, self)

    def __neg__(self) -> Any:
        return OPERATORS["negative"](self)

    def __pos__(self) -> Var:
        return self

    def __abs__(self) -> Any:
        return OPERATORS["abs"](self)

    # comparisons give plain values
    def __lt__(self, other: Any) -> Any:
        return self._value < value_of(other)

    def __le__(self, other: Any) -> Any:
        return self._value <= value_of(other)

    def __gt__(self, other: Any) -> Any:
        return self._value > value_of(other)

    def __ge__(self, other: Any) -> Any:
        return self._value >= value_of(other)

    def __eq__(self, other: object) -> Any:
        return self._value == value_of(other)

    def __ne__(self, other: object) -> Any:
        return self._value != value_of(other)

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __float__(self) -> float:
        raise TracedConversionError(CONVERSION.format(what="float", how=" (float(v))"))

    def __int__(self) -> int:
        raise TracedConversionError(CONVERSION.format(what="int", how=" (int(v))"))

    def __complex__(self) -> complex:
        raise TracedConversionError(CONVERSION.format(what="complex", how=" (complex(v))"))

    # containers
    def __len__(self) -> int:
        return _length(plain_value(self._value))

    def __iter__(self) -> Iterator[Any]:
        value = plain_value(self._value)
        if isinstance(value, dict):
            return iter(value)
        return (self[i] for i in range(_length(value)))

    def __getitem__(self, key: Any) -> Any:
        if _vspace.is_node(plain_value(self._value)):
            return getitem_node(self, key)
        return OPERATORS["getitem"](self, key)

    # the array API, from the tables paralens.numpy fills
    @property
    def shape(self) -> Any:
        return plain_value(self._value).shape

    @property
    def ndim(self) -> Any:
        return plain_value(self._value).ndim

    @property
    def dtype(self) -> Any:
        return plain_value(self._value).dtype

    @property
    def size(self) -> Any:
        value = plain_value(self._value)
        found = value.size
        # NumPy's number of entries, also of a tensor (whose ``size`` is a method).
        return math.prod(int(d) for d in value.shape) if callable(found) else found

    @property
    def T(self) -> Any:
        return PROPERTIES["T"](self)

    @property
    def real(self) -> Any:
        return PROPERTIES["real"](self)

    @property
    def imag(self) -> Any:
        return PROPERTIES["imag"](self)

    sum = _method("sum")
    mean = _method("mean")
    max = _method("max")
    min = _method("min")
    prod = _method("prod")
    var = _method("var")
    std = _method("std")
    reshape = _method("reshape")
    transpose = _method("transpose")
    swapaxes = _method("swapaxes")
    take = _method("take")
    argmax = _method("argmax")
    argmin = _method("argmin")
    ravel = _method("ravel")
    flatten = _method("flatten")
    dot = _method("dot")
    squeeze = _method("squeeze")
    cumsum = _method("cumsum")
    astype = _method("astype")
    clip = _method("clip")
    conj = _method("conj")
    conjugate = _method("conjugate")
    cumprod = _method("cumprod")
    repeat = _method("repeat")
    diagonal = _method("diagonal")
    trace = _method("trace")
    compress = _method("compress")
    all = _method("all")
    any = _method("any")
    nonzero = _method("nonzero")
    round = _method("round")
    argsort = _method("argsort")
    argpartition = _method("argpartition")
    searchsorted = _method("searchsorted")


class StructVar(Var):
    """A traced container (a dataclass, NamedTuple, tuple, list or dict value).

    Its fields are lenses: ``v.w`` is the differentiable field ``w`` of the traced value,
    whose gradient is the cotangent at ``w`` and zero elsewhere. A static field
    (``paralens.tree.static_field``) is structure, and reads as its plain value. A
    separate class keeps attribute access on the array Vars that most code manipulates
    as fast as a slot.
    """

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        if name in _VAR_SLOTS or name.startswith("__"):
            return object.__getattribute__(self, name)
        value = plain_value(object.__getattribute__(self, "_value"))
        if name in field_names(value):
            return getattr_node(self, name)
        if name in static_names(value):
            return getattr(value, name)
        if isinstance(value, dict) and name in ("keys", "values", "items"):
            return _dict_view(self, name)
        try:
            return object.__getattribute__(self, name)
        except AttributeError:
            fields = field_names(value)
            hint = f" Its fields are: {', '.join(fields)}." if fields else ""
            raise AttributeError(
                f"a traced {type(value).__name__} has no differentiable attribute '{name}'.{hint}"
            ) from None


_VAR_SLOTS = frozenset(Var.__slots__)
register_traced_type(Var)
register_traced_type(StructVar)


def _length(value: Any) -> int:
    """``len(value)``; the first axis of an array of the standard, which has no ``len``."""
    shape = getattr(value, "shape", None)
    if shape is not None and not hasattr(value, "__len__"):
        if not shape:
            raise TypeError("len() of a 0-d array")
        return int(shape[0])
    return len(value)


def make_var(value: Any, trace: Trace, tape_index: int = -1) -> Var:
    """A Var of ``value``: a ``StructVar`` when the (plain) value is a container."""
    if type(value) not in _vspace.LEAF_TYPES and _vspace.is_node(plain_value(value)):
        return StructVar(value, trace, tape_index)
    return Var(value, trace, tape_index)


def _dict_view(v: Var, name: str) -> Callable[[], Any]:
    keys = list(plain_value(v._value))
    if name == "keys":
        return lambda: keys
    if name == "values":
        return lambda: [v[k] for k in keys]
    return lambda: [(k, v[k]) for k in keys]


# A structure may hold Vars of an enclosing trace (a tuple built from traced values and
# passed to an inner transform); to the vector space such a Var is a leaf like its value.
for _cls in (Var, StructVar):
    _vspace.register_leaf(
        _cls,
        zeros=lambda v: _vspace.zeros_like(plain_value(v)),
        add=lambda x, y: x + y,
        ones=lambda v: _vspace.ones_like(plain_value(v)),
        scale=lambda a, x: a * x,
        inner=lambda x, y: _vspace.inner(plain_value(x), plain_value(y)),
        coerce=lambda primal, ct: ct,
        is_integer=lambda v: _vspace.is_integer(plain_value(v)),
        basis=lambda v: _vspace.basis(plain_value(v)),
    )
