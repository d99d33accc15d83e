"""Primitives: the functions the AD treats as atomic, and their derivative rules.

A ``Primitive`` is a name, a function, and one table of rules per transformation: its
``vjps`` give, for each argument position, the reverse rule, and its ``jvps`` the forward
rule. A rule of ``None`` means that argument has a zero derivative. There is one form
of each:

- reverse: ``rule(g, ans, *args, **kwargs) -> cotangent of args[i]``, given the
  cotangent ``g`` of the answer ``ans``;
- forward: ``rule(t, ans, *args, **kwargs) -> tangent of ans``, given the tangent ``t``
  of ``args[i]``.

Both are linear in ``g`` (or ``t``), and rules written with differentiable operations
can themselves be differentiated, so higher derivatives work.

    >>> import paralens
    >>> @primitive
    ... def cube(x):
    ...     return x ** 3
    >>> defvjp(cube, lambda g, ans, x: g * 3 * x ** 2, saves=(0,), staged=False)
    >>> defjvp(cube, lambda t, ans, x: t * 3 * x ** 2)
    >>> paralens.grad(cube)(2.0), paralens.jvp(cube, (2.0,), (1.0,))
    (12.0, (8.0, 12.0))

The law of a reverse rule, linearity in ``g`` (exact here: the values are dyadic):

    >>> rule = primitive_of(cube).vjps[0]
    >>> a, b, u, w = 2.0, -0.5, 1.5, 0.25
    >>> rule(a * u + b * w, 8.0, 2.0) == a * rule(u, 8.0, 2.0) + b * rule(w, 8.0, 2.0)
    True

``defvjp`` also takes rules in the staged form of HIPS autograd, ``rule(ans, *args,
**kwargs) -> (g -> cotangent)``, and turns them into the one form when they are
registered, so the backward pass does one table lookup per argument. A primitive of
any number of arguments (``stack``) gives one rule for all of them with
``defvjp_argnum``/``defjvp_argnum``; the table builds each position's rule from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar

from paralens._core._backends import (
    NATIVE,
    apply_backend,
    is_backend_type,
    no_backend_form,
)
from paralens._core._residuals import residual_policy
from paralens._core._trace import TRACED, Trace, constant_part, top_trace
from paralens._core._vspace import ZERO

P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])
Rule = Callable[..., Any] | None


class RuleTable(dict[int, Rule]):
    """The rules of one primitive for one transformation, by argument position.

    A position without a rule of its own gets one built from the variadic rule
    (``defvjp_argnum``), or raises an error naming the call that defines it.
    """

    __slots__ = ("built", "mode", "name", "variadic")

    def __init__(self, name: str, mode: str) -> None:
        super().__init__()
        self.name = name
        self.mode = mode
        self.variadic: Callable[..., Any] | None = None
        self.built: set[int] = set()

    def __missing__(self, argnum: int) -> Rule:
        general = self.variadic
        if general is None:
            what = "reverse-mode (VJP)" if self.mode == "vjp" else "forward-mode (JVP)"
            raise NotImplementedError(
                f"no {what} rule for argument {argnum} of primitive '{self.name}'; define one "
                f"with paralens.extend.def{self.mode}({self.name}, ...) (use None for an "
                f"argument whose derivative is zero)"
            )

        def rule(first: Any, ans: Any, *args: Any, **kwargs: Any) -> Any:
            return general(argnum, first, ans, args, kwargs)

        self[argnum] = rule
        self.built.add(argnum)
        return rule

    def set_variadic(self, general: Callable[..., Any]) -> None:
        """Make ``general(argnum, g_or_t, ans, args, kwargs)`` the rule of every position
        that has none of its own."""
        for argnum in self.built:
            del self[argnum]
        self.built.clear()
        self.variadic = general


class Primitive:
    """A function the AD treats as atomic, with one table of rules per transformation.

    ``symbolic_zeros``: the rules accept a structured cotangent (or tangent) with ``ZERO``
    in place of parts that received none (the structural primitives). ``saves_ans`` and
    ``dropped_args`` are what the tape keeps (see ``_residuals``), set by ``defvjp``.
    """

    __slots__ = (
        "dropped_args",
        "family",
        "fun",
        "jvps",
        "name",
        "nondifferentiable",
        "on_backend",
        "saves_ans",
        "symbolic_zeros",
        "vjps",
        "wrapper",
    )

    def __init__(
        self,
        fun: Callable[..., Any],
        name: str,
        *,
        nondifferentiable: bool = False,
        symbolic_zeros: bool = False,
    ) -> None:
        self.fun = fun
        self.name = name
        self.vjps = RuleTable(name, "vjp")
        self.jvps = RuleTable(name, "jvp")
        self.nondifferentiable = nondifferentiable
        self.symbolic_zeros = symbolic_zeros
        self.saves_ans = True
        self.dropped_args: tuple[int, ...] = ()
        self.wrapper: Callable[..., Any] = fun
        # ``fun`` on arguments of which one is an array of another library (``_backends``).
        self.on_backend: Callable[[tuple[Any, ...], dict[str, Any]], Any] = no_backend_form(
            self.name
        )
        # The primitives that share these rule tables (see ``twin``).
        self.family: list[Primitive] = [self]

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def vjp_rule(self, argnum: int) -> Callable[..., Any]:
        """The reverse rule of argument ``argnum``, ``rule(g, ans, *args, **kwargs)``."""
        rule = self.vjps[argnum]
        return _zero_rule if rule is None else rule

    def jvp_rule(self, argnum: int) -> Callable[..., Any]:
        """The forward rule of argument ``argnum``, ``rule(t, ans, *args, **kwargs)``."""
        rule = self.jvps[argnum]
        return _zero_rule if rule is None else rule

    def twin(self, fun: Callable[..., Any]) -> Primitive:
        """A primitive computing ``fun`` with this one's name, rules and memory policy.

        Var's operators use twins: ``x * y`` computes with Python's ``*`` (a float times
        a float stays a float) and differentiates with ``multiply``'s rules.
        """
        other = Primitive(
            fun,
            self.name,
            nondifferentiable=self.nondifferentiable,
            symbolic_zeros=self.symbolic_zeros,
        )
        other.vjps, other.jvps = self.vjps, self.jvps
        other.saves_ans, other.dropped_args = self.saves_ans, self.dropped_args
        other.on_backend = self.on_backend
        other.family = self.family
        self.family.append(other)
        _make_wrapper(other)
        return other


def _zero_rule(first: Any, ans: Any, *args: Any, **kwargs: Any) -> Any:
    return ZERO


def bind(prim: Primitive, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Apply ``prim`` to arguments at least one of which is a ``Var``.

    The trace of highest level among the arguments processes the application; Vars of
    lower traces are constants to it, and ``bind`` meets them again one level down.
    """
    if prim.nondifferentiable:
        return apply_constant(prim, args, kwargs)
    trace = top_trace(args)
    assert trace is not None
    return trace.process(prim, args, kwargs)


def apply_special(
    prim: Primitive, vals: list[Any] | tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """``prim`` applied by a trace to arguments that hold Vars of outer traces (``bind``
    meets them one level down) or arrays of another library (its ``on_backend`` form)."""
    if any(type(v) in TRACED for v in vals):
        return bind(prim, tuple(vals), kwargs)
    return apply_backend(prim, tuple(vals), kwargs)


def apply_constant(prim: Primitive, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """A nondifferentiable primitive: its arguments' AD traces are removed (it is a
    constant to every transform), and a staging trace below them records it."""
    vals = [constant_part(a) for a in args]
    trace = top_trace(vals)
    if trace is None:
        return apply_backend(prim, tuple(vals), kwargs)
    return trace.process(prim, tuple(vals), kwargs)


def primitive(
    fun: Callable[P, R],
    name: str | None = None,
    *,
    nondifferentiable: bool = False,
    symbolic_zeros: bool = False,
) -> Callable[P, R]:
    """Make ``fun`` a primitive: atomic to the AD, with rules given by ``defvjp``/``defjvp``.

    On arguments that hold no ``Var`` the result is ``fun``'s own, at the cost of one
    check per positional argument.

    Args:
        fun: the function.
        name: the primitive's name in errors and pictures (default: ``fun.__name__``).
        nondifferentiable: the result is a plain value (an index, a shape): traced
            arguments are replaced by their values, at every level of nesting.
        symbolic_zeros: the rules accept cotangents and tangents holding ``ZERO`` in
            place of parts that received none (for primitives on containers).

    Returns:
        The primitive, a function of the same signature.

    Examples:
        >>> import math, paralens
        >>> sine = primitive(math.sin)
        >>> defvjp(sine, lambda g, ans, x: g * math.cos(x), saves=(0,), staged=False)
        >>> sine(0.5) == math.sin(0.5), paralens.grad(sine)(0.0)
        (True, 1.0)
    """
    prim = Primitive(
        fun,
        str(name or getattr(fun, "__name__", repr(fun))),
        nondifferentiable=nondifferentiable,
        symbolic_zeros=symbolic_zeros,
    )
    return _make_wrapper(prim)


def _make_wrapper(prim: Primitive) -> Callable[..., Any]:
    """The function users call: ``prim.fun`` on plain arguments, ``bind`` on traced ones."""
    fun = prim.fun

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # bind, inlined: this is the hottest path of the library.
        trace: Trace | None = None
        foreign = False  # an argument is an array of another library than NumPy
        for a in args:
            if type(a) in TRACED:
                if trace is None or a._trace.level > trace.level:
                    trace = a._trace
            elif type(a) not in NATIVE and is_backend_type(type(a)):
                foreign = True
        if trace is None:
            return prim.on_backend(args, kwargs) if foreign else fun(*args, **kwargs)
        if prim.nondifferentiable:
            return apply_constant(prim, args, kwargs)
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


def nondifferentiable(fun: F) -> F:
    """Make ``fun`` a primitive whose result is a plain value (``argmax``, ``shape``...).

    Traced arguments are replaced by their values, at every level of nesting.

    Examples:
        >>> import paralens
        >>> sign = nondifferentiable(lambda x: 1.0 if x > 0 else -1.0)
        >>> paralens.grad(lambda x: sign(x) * x * x)(-3.0)  # d/dx of -x**2
        6.0
    """
    return primitive(fun, nondifferentiable=True)  # type: ignore[return-value]


_NOT_STAGED = (
    "the reverse rule of argument {} of primitive '{}', called in the staged form "
    "rule(ans, *args) -> (g -> cotangent), {}. A rule of the form rule(g, ans, *args) -> "
    "cotangent is registered with defvjp(..., staged=False)"
)


def _from_staged(staged: Callable[..., Any], name: str, argnum: int) -> Callable[..., Any]:
    """The one reverse form of an autograd-style rule ``(ans, *args) -> (g -> ct)``."""

    def rule(g: Any, ans: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            pullback = staged(ans, *args, **kwargs)
        except TypeError as error:
            raise TypeError(_NOT_STAGED.format(argnum, name, f"failed: {error}")) from error
        if not callable(pullback):
            raise TypeError(_NOT_STAGED.format(argnum, name, f"gave a {type(pullback).__name__}"))
        return pullback(g)

    return rule


def defvjp(
    fun: Callable[..., Any],
    *rules: Rule,
    saves: Iterable[int | str] | None = None,
    staged: bool = True,
) -> None:
    """Give primitive ``fun`` its reverse-mode rules, one per positional argument.

    Args:
        fun: a function made by ``primitive``.
        *rules: the rule of each argument; ``None`` means a zero gradient. With
            ``staged=True`` (the default, HIPS autograd's form) ``rules[i](ans, *args,
            **kwargs)`` returns the pullback ``g -> cotangent of args[i]``; with
            ``staged=False`` ``rules[i](g, ans, *args, **kwargs)`` returns the cotangent
            itself, which spares a closure per application (the library's own form).
        saves: what the rules read: argument positions and ``"ans"`` for the answer.
            The tape keeps only the shape and dtype of large values not listed. The
            default (``None``) keeps everything.
        staged: which form the rules have.

    Raises:
        TypeError: ``fun`` is not a primitive.
        ValueError: ``saves`` lists something other than positions and ``"ans"``.

    Examples:
        >>> import paralens
        >>> @primitive
        ... def scaled(x, k):
        ...     return x * k
        >>> defvjp(scaled, lambda ans, x, k: lambda g: g * k, None)  # k gets no gradient
        >>> paralens.grad(scaled, argnums=(0, 1))(2.0, 3.0)
        (3.0, 0.0)
        >>> defvjp(scaled, lambda g, ans, x, k: g * k, None, saves=(1,), staged=False)
        >>> paralens.grad(scaled)(2.0, 3.0)
        3.0
    """
    prim = primitive_of(fun)
    saves_ans, dropped = residual_policy(saves, len(rules))
    for i, rule in enumerate(rules):
        prim.vjps[i] = _from_staged(rule, prim.name, i) if staged and rule is not None else rule
        prim.vjps.built.discard(i)
    for member in prim.family:
        member.saves_ans, member.dropped_args = saves_ans, dropped


def defjvp(fun: Callable[..., Any], *rules: Rule) -> None:
    """Give primitive ``fun`` its forward-mode rules, one per positional argument.

    Args:
        fun: a function made by ``primitive``.
        *rules: ``rules[i](tangent, ans, *args, **kwargs)`` returns the tangent of the
            answer caused by ``tangent`` in ``args[i]``; ``None`` means zero.

    Raises:
        TypeError: ``fun`` is not a primitive.

    Examples:
        >>> import paralens
        >>> @primitive
        ... def scaled(x, k):
        ...     return x * k
        >>> defjvp(scaled, lambda t, ans, x, k: t * k, lambda t, ans, x, k: x * t)
        >>> paralens.jvp(scaled, (2.0, 3.0), (1.0, 1.0))
        (6.0, 5.0)
    """
    prim = primitive_of(fun)
    for i, rule in enumerate(rules):
        prim.jvps[i] = rule
        prim.jvps.built.discard(i)


def defvjp_argnum(fun: Callable[..., Any], rule: Callable[..., Any], staged: bool = True) -> None:
    """One reverse rule for every argument, for primitives of any number of arguments.

    ``rule(argnum, ans, args, kwargs)`` returns the pullback ``g -> cotangent`` of
    ``args[argnum]`` (with ``staged=False``: ``rule(argnum, g, ans, args, kwargs)``
    returns the cotangent). Rules given to ``defvjp`` for single positions come first.

    Examples:
        >>> import paralens
        >>> @primitive
        ... def total(*xs):
        ...     return sum(xs)
        >>> defvjp_argnum(total, lambda argnum, ans, args, kwargs: lambda g: g)
        >>> paralens.grad(lambda x: total(x, x, 1.0, x))(5.0)
        3.0
    """
    prim = primitive_of(fun)
    prim.vjps.set_variadic(_variadic_from_staged(rule) if staged else rule)
    for member in prim.family:
        member.saves_ans, member.dropped_args = True, ()


def _variadic_from_staged(staged: Callable[..., Any]) -> Callable[..., Any]:
    def rule(argnum: int, g: Any, ans: Any, args: Any, kwargs: Any) -> Any:
        return staged(argnum, ans, args, kwargs)(g)

    return rule


def defjvp_argnum(fun: Callable[..., Any], rule: Callable[..., Any]) -> None:
    """One forward rule for every argument: ``rule(argnum, t, ans, args, kwargs) -> tangent``.

    Examples:
        >>> import paralens
        >>> @primitive
        ... def total(*xs):
        ...     return sum(xs)
        >>> defjvp_argnum(total, lambda argnum, t, ans, args, kwargs: t)
        >>> paralens.jvp(lambda x: total(x, 2.0, x), (1.0,), (1.0,))
        (4.0, 2.0)
    """
    primitive_of(fun).jvps.set_variadic(rule)
