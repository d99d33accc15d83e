"""Tracing: ``Var``, primitives and the two traces (reverse and forward).

A transform opens a *trace* with a level higher than every trace open around it. Inputs
become ``Var``s of that trace. A primitive applied to Vars is processed by the
highest-level trace among its arguments; Vars of lower traces are plain constants to it
and are handled, recursively, when the primitive's underlying function is applied to the
unwrapped values. That recursion is what keeps nested differentiation free of
perturbation confusion.

Reverse mode records one ``Node`` per primitive application on the trace's tape, in
creation order, which is already topological; the backward pass walks it once, from the
output back. Forward mode carries a tangent beside every value and needs no tape.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterator
from typing import Any, ParamSpec, TypeVar

from paralens._core import _vspace
from paralens._core._vspace import ZERO

P = ParamSpec("P")
R = TypeVar("R")

_levels = itertools.count(1)
_LEAF_TYPES = _vspace.LEAF_TYPES


class Trace:
    """One application of a transform: a level, and whether it is still open."""

    __slots__ = ("active", "level")

    def __init__(self) -> None:
        self.level = next(_levels)
        self.active = True

    def process(self, prim: Primitive, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Var:
        """Apply ``prim`` to ``args``, some of which are Vars of this trace."""
        raise NotImplementedError

    def escaped(self) -> RuntimeError:
        return RuntimeError(
            "a traced value (Var) was used after the transform that created it returned; "
            "it escaped, e.g. through a global or a closure kept past the call. Return "
            "it from the differentiated function instead, or use `stop_gradient`."
        )


Node = tuple[Any, ...]
"""One recorded primitive application: ``(prim, ans, vals, kwargs, parents, position)``.

``prim`` is the Primitive (``None`` for an input of the trace), ``ans`` its answer (or
its ``ShapeOnly``), ``vals`` the plain arguments, ``parents`` the ``(argnum, node)`` pairs
of the traced ones, and ``position`` the node's index on the tape. A plain tuple: one
is made per operation, and a tuple costs a fraction of a class instance. Read its parts
by the indices below.
"""

PRIM, ANS, VALS, KWARGS, PARENTS, POSITION = range(6)


class ShapeOnly:
    """What the tape keeps of a value its reverse rule does not read: shape and dtype."""

    __slots__ = ("dtype", "shape")

    def __init__(self, shape: tuple[int, ...], dtype: Any) -> None:
        self.shape = shape
        self.dtype = dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(
            f"a reverse rule read '{name}' of a value its primitive does not save; add the "
            f"argument to the primitive's saves_args (or set saves_ans)"
        )

    def __repr__(self) -> str:
        return f"ShapeOnly({self.shape}, {self.dtype})"


def _shape_only(value: Any) -> Any:
    if getattr(value, "nbytes", 0) < _DROP_FROM_BYTES or type(value) in TRACED:
        return value
    return ShapeOnly(value.shape, value.dtype)


# Smaller values are kept whole: the allocator reuses their memory anyway, and an object
# per value would cost more than it saves. From this size (the C library's threshold for
# giving memory back to the system) a value kept alive means fresh pages for the next.
_DROP_FROM_BYTES = 128 * 1024


class ReverseTrace(Trace):
    """A trace that records a tape for the reverse (VJP) pass."""

    __slots__ = ("tape",)

    def __init__(self) -> None:
        super().__init__()
        self.tape: list[Node] = []

    def new_input(self, value: Any) -> Var:
        tape = self.tape
        node: Node = (None, value, (), _NO_KWARGS, [], len(tape))
        tape.append(node)
        return Var(value, self, node) if type(value) in _LEAF_TYPES else make_var(value, self, node)

    def process(self, prim: Primitive, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Var:
        if not self.active:
            raise self.escaped()
        vals = list(args)
        parents = []
        lower = False
        i = 0
        for a in args:
            if type(a) in TRACED:
                if a._trace is self:
                    parents.append((i, a._aux))
                    v = vals[i] = a._value
                    if type(v) in TRACED:
                        lower = True
                else:
                    lower = True
            i += 1  # noqa: SIM113 (enumerate's tuples cost more, on the hottest loop)
        if lower:
            ans = bind(prim, tuple(vals), kwargs)
        else:
            ans = prim.fun(*vals, **kwargs) if kwargs else prim.fun(*vals)
        tape = self.tape
        saved_ans = (
            ans
            if prim.saves_ans or getattr(ans, "nbytes", 0) < _DROP_FROM_BYTES
            else _shape_only(ans)
        )
        if prim.drops_args:
            n = len(vals)
            for i in prim.drops_args:
                if i < n and getattr(vals[i], "nbytes", 0) >= _DROP_FROM_BYTES:
                    vals[i] = _shape_only(vals[i])
        node = (prim, saved_ans, tuple(vals), kwargs, parents, len(tape))
        tape.append(node)
        return Var(ans, self, node) if type(ans) in _LEAF_TYPES else make_var(ans, self, node)


def backward(tape: list[Node], out: Node, ct: Any, inputs: list[Node]) -> list[Any]:
    """Walk ``tape`` from ``out`` back to its inputs; return each input's cotangent.

    Cotangents accumulate in a list local to the walk, indexed by node position, so one
    tape can be pulled back many times (as ``jacrev`` does).
    """
    last = out[POSITION]
    cts: list[Any] = [None] * (last + 1)
    cts[last] = ct
    leaf_types = _LEAF_TYPES
    add = _vspace.add
    for prim, ans, vals, kwargs, parents, position in tape[last::-1]:
        g = cts[position]
        if g is None or g is ZERO or prim is None:
            continue
        if type(ans) not in leaf_types and type(ans) is not ShapeOnly and not prim.zero_aware:
            g = _vspace.instantiate(g, ans)
        pullbacks = prim.pullbacks
        for argnum, parent in parents:
            direct = pullbacks.get(argnum)
            if direct is not None:
                c = direct(g, ans, *vals, **kwargs) if kwargs else direct(g, ans, *vals)
            else:
                rule = prim.vjps.get(argnum, _MISSING)
                if rule is None:
                    continue
                if rule is _MISSING:
                    rule = prim.vjp_maker(argnum)
                c = rule(ans, *vals, **kwargs)(g) if kwargs else rule(ans, *vals)(g)
            i = parent[POSITION]
            pc = cts[i]
            cts[i] = c if pc is None else add(pc, c)
    return [ZERO if (p := n[POSITION]) > last or cts[p] is None else cts[p] for n in inputs]


_MISSING: Any = object()


class ForwardTrace(Trace):
    """A trace that carries a tangent beside every value (forward mode)."""

    __slots__ = ()

    def new_input(self, value: Any, tangent: Any) -> Var:
        return make_var(value, self, tangent)

    def process(self, prim: Primitive, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Var:
        if not self.active:
            raise self.escaped()
        vals = []
        tangents = []
        lower = False
        for i, a in enumerate(args):
            if type(a) in TRACED:
                if a._trace is self:
                    tangents.append((i, a._aux))
                    a = a._value
                    lower = lower or type(a) in TRACED
                else:
                    lower = True
            vals.append(a)
        vals_ = tuple(vals)
        ans = bind(prim, vals_, kwargs) if lower else prim.fun(*vals_, **kwargs)
        tangent: Any = ZERO
        for i, t in tangents:
            tangent = _vspace.add(tangent, prim.jvp_rule(i)(t, ans, *vals_, **kwargs))
        return make_var(ans, self, tangent)


class Primitive:
    """A function the AD treats as atomic, with one derivative rule per argument.

    ``vjps[i](ans, *args, **kwargs)`` returns the pullback ``g -> cotangent of args[i]``;
    ``jvps[i](tangent, ans, *args, **kwargs)`` returns the tangent of ``ans`` caused by
    ``tangent`` in ``args[i]``. A rule of ``None`` means that argument has a zero
    derivative.
    """

    def __init__(self, fun: Callable[..., Any], name: str) -> None:
        self.fun = fun
        self.name = name
        self.vjps: dict[int, Callable[..., Any] | None] = {}
        # Rules in direct form, ``pullback(g, ans, *args, **kwargs) -> cotangent``: the
        # same derivative as a ``vjps`` entry without a closure per application. The
        # backward pass prefers them; paralens.numpy gives its hottest primitives these.
        self.pullbacks: dict[int, Callable[..., Any]] = {}
        self.jvps: dict[int, Callable[..., Any] | None] = {}
        self.vjp_argnum: Callable[..., Any] | None = None
        self.jvp_argnum: Callable[..., Any] | None = None
        self.zero_aware = False
        self.nondiff = False
        self.wrapper: Callable[..., Any] = fun
        self._saves_args: frozenset[int] | None = None
        # What the reverse rules read: the positions of the arguments whose values they
        # use (None: all of them) and whether they use the answer. The tape keeps only
        # the shape of the others, so intermediates are freed as soon as a hand-written
        # backward pass would free them.
        self.saves_ans = True
        self.drops_args: tuple[int, ...] = ()

    @property
    def saves_args(self) -> frozenset[int] | None:
        """Positions of the arguments whose values the reverse rules read (None: all)."""
        return self._saves_args

    @saves_args.setter
    def saves_args(self, positions: frozenset[int] | None) -> None:
        self._saves_args = positions
        # The positions to drop, up to the largest arity a rule table mentions.
        arity = max([*self.vjps, *self.pullbacks, *(positions or ()), 0]) + 1
        self.drops_args = (
            () if positions is None else tuple(i for i in range(arity) if i not in positions)
        )

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def vjp_maker(self, argnum: int) -> Callable[..., Any]:
        """The rule of argument ``argnum`` in ``defvjp``'s form: ``(ans, *args) -> pullback``."""
        direct = self.pullbacks.get(argnum)
        if direct is not None:
            return lambda ans, *args, **kwargs: lambda g: direct(g, ans, *args, **kwargs)
        try:
            rule = self.vjps[argnum]
        except KeyError:
            if self.vjp_argnum is not None:
                general = self.vjp_argnum
                return lambda ans, *args, **kwargs: general(argnum, ans, args, kwargs)
            raise NotImplementedError(
                f"no reverse-mode (VJP) rule for argument {argnum} of primitive "
                f"'{self.name}'; define one with paralens.extend.defvjp({self.name}, ...) "
                f"(use None for an argument with zero gradient)"
            ) from None
        return _zero_vjp if rule is None else rule

    def jvp_rule(self, argnum: int) -> Callable[..., Any]:
        try:
            rule = self.jvps[argnum]
        except KeyError:
            if self.jvp_argnum is not None:
                general = self.jvp_argnum
                return lambda g, ans, *args, **kwargs: general(argnum, g, ans, args, kwargs)
            raise NotImplementedError(
                f"no forward-mode (JVP) rule for argument {argnum} of primitive "
                f"'{self.name}'; define one with paralens.extend.defjvp({self.name}, ...) "
                f"(use None for an argument with zero derivative)"
            ) from None
        return _zero_jvp if rule is None else rule


def _zero_vjp(ans: Any, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
    return lambda g: ZERO


def _zero_jvp(g: Any, ans: Any, *args: Any, **kwargs: Any) -> Any:
    return ZERO


def bind(prim: Primitive, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Apply ``prim`` to arguments at least one of which is a ``Var``.

    The trace of highest level among the arguments processes the application; Vars of
    lower traces are constants to it, and ``bind`` meets them again one level down.
    """
    if prim.nondiff:
        return prim.fun(*[plain_value(a) for a in args], **kwargs)
    trace: Trace | None = None
    for a in args:
        if type(a) in TRACED and (trace is None or a._trace.level > trace.level):
            trace = a._trace
    assert trace is not None
    return trace.process(prim, args, kwargs)


def primitive(fun: Callable[P, R], name: str | None = None) -> Callable[P, R]:
    """Make ``fun`` a primitive: atomic to the AD, with rules given by ``defvjp``/``defjvp``.

    On arguments that hold no ``Var`` the result is ``fun``'s own, at the cost of one
    check per positional argument.
    """
    prim = Primitive(fun, str(name or getattr(fun, "__name__", repr(fun))))

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # bind, inlined: this is the hottest path of the library.
        trace: Trace | None = None
        for a in args:
            if type(a) in TRACED and (trace is None or a._trace.level > trace.level):
                trace = a._trace
        if trace is None:
            return fun(*args, **kwargs)
        if prim.nondiff:
            return fun(*[plain_value(a) for a in args], **kwargs)
        return trace.process(prim, args, kwargs)

    wrapper.__name__ = prim.name
    wrapper.__qualname__ = getattr(fun, "__qualname__", prim.name)
    wrapper.__doc__ = fun.__doc__
    wrapper.__module__ = getattr(fun, "__module__", __name__)
    wrapper.__wrapped__ = fun  # type: ignore[attr-defined]
    wrapper._primitive = prim  # type: ignore[attr-defined]
    prim.wrapper = wrapper
    return wrapper


def primitive_of(fun: Callable[..., Any]) -> Primitive:
    """The ``Primitive`` behind a function made by ``primitive``."""
    prim = getattr(fun, "_primitive", None)
    if not isinstance(prim, Primitive):
        raise TypeError(
            f"{getattr(fun, '__name__', fun)!r} is not a primitive; wrap the function "
            f"with paralens.extend.primitive first"
        )
    return prim


# Operators and array methods of Var are looked up here. The array layer
# (paralens.numpy) fills these tables, so that this module stays free of NumPy.
OPERATORS: dict[str, Callable[..., Any]] = {}
METHODS: dict[str, Callable[..., Any]] = {}
PROPERTIES: dict[str, Callable[[Any], Any]] = {}


def _unregistered_operator(name: str) -> Callable[..., Any]:
    def fail(*args: Any) -> Any:
        raise TypeError(
            f"no differentiable '{name}' is registered for traced values; import "
            f"paralens.numpy, or register one in paralens._core.OPERATORS"
        )

    return fail


OPERATORS.update(
    (name, _unregistered_operator(name))
    for name in (
        ["add", "subtract", "multiply", "divide", "power", "matmul", "negative", "abs", "getitem"]
    )
)


_OPERATOR_PRIMITIVES: dict[str, Primitive] = {}
_NO_KWARGS: dict[str, Any] = {}


def set_operators(**fns: Callable[..., Any]) -> None:
    """Make ``fns`` (primitives, by operator name) what Var's operators compute."""
    OPERATORS.update(fns)
    for name, fn in fns.items():
        prim = getattr(fn, "_primitive", None)
        if isinstance(prim, Primitive):
            _OPERATOR_PRIMITIVES[name] = prim


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
        return trace.process(prim, args, _NO_KWARGS)

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

    __slots__ = ("_aux", "_trace", "_value")
    __array_ufunc__ = None  # NumPy defers to our reflected operators
    __array_priority__ = 1000.0

    def __init__(self, value: Any, trace: Trace, aux: Any) -> None:
        self._value = value
        self._trace = trace
        self._aux = aux

    @property
    def value(self) -> Any:
        """The plain value this Var traces."""
        return self._value

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
        raise TypeError(
            "float() of a traced value would drop its gradient; use pnp functions on the "
            "Var, or read v.value where a plain number is meant"
        )

    # containers
    def __len__(self) -> int:
        return len(plain_value(self._value))

    def __iter__(self) -> Iterator[Any]:
        value = plain_value(self._value)
        if isinstance(value, dict):
            return iter(value)
        return (self[i] for i in range(len(value)))

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
        return plain_value(self._value).size

    @property
    def T(self) -> Any:
        return PROPERTIES["T"](self)

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


class StructVar(Var):
    """A traced container (a dataclass, NamedTuple, tuple, list or dict value).

    Its fields are lenses: ``v.w`` is the differentiable field ``w`` of the traced value,
    whose gradient is the cotangent at ``w`` and zero elsewhere. A separate class keeps
    attribute access on the array Vars that most code manipulates as fast as a slot.
    """

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        if name in _VAR_SLOTS or name.startswith("__"):
            return object.__getattribute__(self, name)
        value = plain_value(object.__getattribute__(self, "_value"))
        if name in _field_names(value):
            return getattr_node(self, name)
        if isinstance(value, dict) and name in ("keys", "values", "items"):
            return _dict_view(self, name)
        try:
            return object.__getattribute__(self, name)
        except AttributeError:
            fields = _field_names(value)
            hint = f" Its fields are: {', '.join(fields)}." if fields else ""
            raise AttributeError(
                f"a traced {type(value).__name__} has no differentiable attribute '{name}'.{hint}"
            ) from None


_VAR_SLOTS = frozenset(Var.__slots__)
TRACED = frozenset({Var, StructVar})


def make_var(value: Any, trace: Trace, aux: Any) -> Var:
    """A Var of ``value``: a ``StructVar`` when the (plain) value is a container."""
    if type(value) not in _vspace.LEAF_TYPES and _vspace.is_node(plain_value(value)):
        return StructVar(value, trace, aux)
    return Var(value, trace, aux)


def _field_names(value: Any) -> tuple[str, ...]:
    fields = getattr(type(value), "__dataclass_fields__", None)
    if fields is not None:
        return tuple(fields)
    names = getattr(type(value), "_fields", None)
    return tuple(names) if isinstance(names, tuple) else ()


def _dict_view(v: Var, name: str) -> Callable[[], Any]:
    keys = list(plain_value(v._value))
    if name == "keys":
        return lambda: keys
    if name == "values":
        return lambda: [v[k] for k in keys]
    return lambda: [(k, v[k]) for k in keys]


def value_of(x: Any) -> Any:
    """The plain value of ``x``: ``x.value`` for a Var, ``x`` itself otherwise."""
    return x._value if type(x) in TRACED else x


def plain_value(x: Any) -> Any:
    """``x`` with every level of tracing removed."""
    while type(x) in TRACED:
        x = x._value
    return x


def is_var(x: Any) -> bool:
    return type(x) in TRACED


# Structural primitives: reaching into, and building, traced containers.


def _getitem_node(x: Any, key: Any) -> Any:
    try:
        return x[key]
    except (IndexError, KeyError, TypeError) as e:
        keys = list(x) if isinstance(x, dict) else f"0..{len(x) - 1}"
        raise type(e)(
            f"cannot index a traced {type(x).__name__} with {key!r}; valid keys: {keys}"
        ) from None


def _getattr_node(x: Any, name: str) -> Any:
    return getattr(x, name)


getitem_node = primitive(_getitem_node, "getitem")
getattr_node = primitive(_getattr_node, "getattr")


def _one_hot_children(x: Any, select: Callable[[list[Any]], list[Any]]) -> Any:
    node = _vspace.node_def(x)
    assert node is not None
    children, aux = node.flatten(x)
    return node.unflatten(aux, select(children))


def _getitem_vjp(ans: Any, x: Any, key: Any) -> Callable[[Any], Any]:
    x = plain_value(x)

    def pullback(g: Any) -> Any:
        if isinstance(x, dict):
            return {k: (g if k == key else ZERO) for k in x}
        if isinstance(key, slice):
            out = [ZERO] * len(x)
            for i, gi in zip(range(*key.indices(len(x))), g, strict=True):
                out[i] = gi
        else:
            out = [ZERO] * len(x)
            out[key] = g
        return _one_hot_children(x, lambda children: out)

    return pullback


def _getattr_vjp(ans: Any, x: Any, name: str) -> Callable[[Any], Any]:
    x = plain_value(x)
    names = _field_names(x)

    def pullback(g: Any) -> Any:
        if isinstance(x, tuple):
            return type(x)(*(g if n == name else ZERO for n in names))
        node = _vspace.node_def(x)
        assert node is not None
        return node.unflatten(names, [g if n == name else ZERO for n in names])

    return pullback


_getitem_prim = primitive_of(getitem_node)
_getitem_prim.vjps[0] = _getitem_vjp
_getitem_prim.jvps[0] = lambda t, ans, x, key: t[key]
_getitem_prim.zero_aware = True
_getattr_prim = primitive_of(getattr_node)
_getattr_prim.vjps[0] = _getattr_vjp
_getattr_prim.jvps[0] = lambda t, ans, x, name: getattr(t, name)
_getattr_prim.zero_aware = True


def _pack(treedef: tuple[Any, Hashable], *children: Any) -> Any:
    node, aux = treedef
    return node.unflatten(aux, list(children))


pack = primitive(_pack, "pack")
_pack_prim = primitive_of(pack)
_pack_prim.zero_aware = True
_pack_prim.vjps[0] = None


def _pack_vjp_argnum(
    argnum: int, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Callable[[Any], Any]:
    node, _ = args[0]

    def pullback(g: Any) -> Any:
        if g is ZERO:
            return ZERO
        return node.flatten(g)[0][argnum - 1]

    return pullback


def _pack_jvp_argnum(
    argnum: int, t: Any, ans: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    node, aux = args[0]
    return node.unflatten(
        aux,
        [
            t if i == argnum else _vspace.zeros_like(value_of(c))
            for i, c in enumerate(args)
            if i > 0
        ],
    )


_pack_prim.vjp_argnum = _pack_vjp_argnum


def pack_structure(xs: Any, traced: Callable[[Any], bool]) -> Any:
    """``xs`` as one Var of its structure when a part of it is ``traced``, else ``xs``.

    Containers are packed bottom up with ``pack``, so each level's gradient flows back to
    its parts; values for which ``traced`` is false stay constants inside.
    """
    if type(xs) in TRACED:
        return xs
    node = _vspace.node_def(xs)
    if node is None:
        return xs
    children, aux = node.flatten(xs)
    packed = [pack_structure(c, traced) for c in children]
    if any(traced(c) for c in packed):
        return pack((node, aux), *packed)
    return node.unflatten(aux, packed)


_pack_prim.jvp_argnum = _pack_jvp_argnum


def _var_zeros(v: Any) -> Any:
    return _vspace.zeros_like(plain_value(v))


def _var_ones(v: Any) -> Any:
    return _vspace.ones_like(plain_value(v))


def _var_coerce(primal: Any, ct: Any) -> Any:
    return ct


_vspace.TRACED_TYPES.update(TRACED)
# A structure may hold Vars of an enclosing trace (a tuple built from traced values and
# passed to an inner transform); to the vector space such a Var is a leaf like its value.
for _cls in TRACED:
    _vspace.register_leaf(
        _cls,
        zeros=_var_zeros,
        add=lambda x, y: x + y,
        ones=_var_ones,
        scale=lambda a, x: a * x,
        inner=lambda x, y: _vspace.inner(plain_value(x), plain_value(y)),
        coerce=_var_coerce,
        is_integer=lambda v: _vspace.is_integer(plain_value(v)),
    )
