"""``jit``: trace a function once per signature, replay the optimised program after.

The first call with a given signature (the arguments' structure, and each leaf's type,
shape and dtype, see ``_signature``) stages the function (``_staging``) into a
``Program``, optimises it (``_passes``) and generates the Python code that replays it
(``_codegen``). Later calls with the same signature run that code: NumPy calls on the
arrays, with no trace, no tape and no rule lookup.

Under an enclosing transform (``grad(jit(f))``, ``jvp(jit(f), ...)``) the arguments are
traced values: the staged program is then run primitive by primitive under that
transform (``evaluate``), so it is differentiated by the primitives' own rules, to any
order. Inside ``jit`` the transforms stage their own work: ``jit(grad(f))`` records the
backward pass as primitives, and its replay has no tape.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

from paralens._core._trace import TRACED
from paralens.jit._codegen import Compiled, compile_program
from paralens.jit._program import Program, Ref, evaluate
from paralens.jit._signature import is_traced, signature
from paralens.jit._staging import OuterValue, StagedVar, StagingTrace, example_of
from paralens.tree import tree_flatten

R = TypeVar("R")


class CacheInfo(NamedTuple):
    """How a jitted function's cache has been used.

    ``traces`` counts the signatures staged (each a miss), ``retraces`` those after the
    first, ``hits`` the calls that replayed a staged program, and ``size`` the programs
    kept.
    """

    hits: int
    traces: int
    retraces: int
    size: int


class _Entry(NamedTuple):
    program: Program
    compiled: Compiled
    donated: tuple[bool, ...] | None  # which leaves belong to donated arguments


def _positions(nums: int | Sequence[int], name: str) -> tuple[int, ...]:
    nums = (nums,) if isinstance(nums, int) else tuple(nums)
    for n in nums:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise TypeError(f"jit: {name} must hold argument positions (ints >= 0), got {nums!r}")
    return tuple(sorted(set(nums)))


class Jitted(Generic[R]):
    """A function staged once per signature and replayed; made by ``jit``."""

    def __init__(
        self,
        fun: Callable[..., R],
        static_argnums: int | Sequence[int] = (),
        donate_argnums: int | Sequence[int] = (),
    ) -> None:
        if not callable(fun):
            raise TypeError(f"jit: expected a function, got {type(fun).__name__}")
        self.fun = fun
        self.static_argnums = _positions(static_argnums, "static_argnums")
        self.donate_argnums = _positions(donate_argnums, "donate_argnums")
        both = set(self.static_argnums) & set(self.donate_argnums)
        if both:
            raise ValueError(
                f"jit: argument {min(both)} is both static and donated; a static argument is "
                f"part of the cache key and has no buffer to give, so drop it from one of them"
            )
        self._cache: dict[Any, _Entry] = {}
        self._hits = 0
        self._traces = 0
        functools.update_wrapper(self, fun)

    # --- the call -------------------------------------------------------------------------

    def _key(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, list[Any]]:
        leaves: list[Any] = []
        static = self.static_argnums
        if static and static[-1] >= len(args):
            raise ValueError(
                f"jit: static_argnums {static} names argument {static[-1]}, but "
                f"{getattr(self.fun, '__name__', 'the function')} was called with "
                f"{len(args)} positional argument(s)"
            )
        parts: list[Any] = []
        for i, a in enumerate(args):
            if i in static:
                try:
                    hash(a)
                except TypeError:
                    raise TypeError(
                        f"jit: static argument {i} is a {type(a).__name__}, which is not "
                        f"hashable; a static argument is part of the cache key (pass a tuple, "
                        f"not a list), or make it an ordinary argument"
                    ) from None
                parts.append(("static", a))
            else:
                parts.append(signature(a, leaves, f"argument {i}"))
        if kwargs:
            parts.append(signature(kwargs, leaves, "a keyword argument"))
        return tuple(parts), leaves

    def __call__(self, *args: Any, **kwargs: Any) -> R:
        key, leaves = self._key(args, kwargs)
        entry = self._cache.get(key)
        if entry is None:
            try:
                entry = self._stage(key, args, kwargs, leaves)
            except OuterValue:
                return self.fun(*args, **kwargs)
        else:
            self._hits += 1
        if is_traced(leaves):
            out = evaluate(entry.program, leaves)
        else:
            out = entry.compiled.run(leaves, entry.donated)
        return entry.program.out_tree.unflatten(out)  # type: ignore[no-any-return]

    def _donated_leaves(self, args: tuple[Any, ...]) -> tuple[bool, ...] | None:
        """Which leaves belong to donated arguments (``None``: none are donated)."""
        if not self.donate_argnums:
            return None
        marks: list[bool] = []
        for i, a in enumerate(args):
            if i in self.static_argnums:
                continue
            n = len(tree_flatten(a)[0])
            marks.extend([i in self.donate_argnums] * n)
        return tuple(marks)

    def _stage(
        self, key: Any, args: tuple[Any, ...], kwargs: dict[str, Any], leaves: list[Any]
    ) -> _Entry:
        program = self.trace(*args, **kwargs)
        donated = self._donated_leaves(args)
        compiled = compile_program(program, donated)
        entry = _Entry(program, compiled, donated)
        self._cache[key] = entry
        self._traces += 1
        return entry

    # --- what users read ------------------------------------------------------------------

    def trace(self, *args: Any, **kwargs: Any) -> Program:
        """Stage the function on these arguments and return the program it records.

        Raises:
            TracedValueError: the function read the numbers of a traced value (an ``if``
                on one, ``float()``); the message says what to use instead.
        """
        trace = StagingTrace()
        static = self.static_argnums
        dynamic = [a for i, a in enumerate(args) if i not in static]
        try:
            leaves, treedef = tree_flatten((dynamic, kwargs))
            staged = [trace.new_var(example_of(leaf)) for leaf in leaves]
            dynamic_staged, kwargs_staged = treedef.unflatten(staged)
            it = iter(dynamic_staged)
            full = [a if i in static else next(it) for i, a in enumerate(args)]
            out = self.fun(*full, **kwargs_staged)
        finally:
            trace.close()
        out_leaves, out_tree = tree_flatten(out)
        outputs: list[Any] = []
        for leaf in out_leaves:
            if type(leaf) is StagedVar and leaf._trace is trace:
                outputs.append(Ref(leaf._tape_index))
            elif type(leaf) in TRACED:
                raise OuterValue()
            else:
                outputs.append(leaf)
        return trace.program([s._tape_index for s in staged], outputs, out_tree)

    def source(self, *args: Any, **kwargs: Any) -> str:
        """The Python code that replays the function on arguments of this signature."""
        key, leaves = self._key(args, kwargs)
        entry = self._cache.get(key) or self._stage(key, args, kwargs, leaves)
        return entry.compiled.source

    def cache_info(self) -> CacheInfo:
        """Hits, traces and retraces so far, and the number of programs kept."""
        return CacheInfo(self._hits, self._traces, max(self._traces - 1, 0), len(self._cache))

    def clear_cache(self) -> None:
        """Forget every staged program (the counts start again)."""
        self._cache.clear()
        self._hits = self._traces = 0


def jit(
    fun: Callable[..., R],
    static_argnums: int | Sequence[int] = (),
    donate_argnums: int | Sequence[int] = (),
) -> Jitted[R]:
    """Stage ``fun`` once per signature and replay the optimised program on later calls.

    The first call with a given structure of arguments and given leaf shapes and dtypes
    traces ``fun`` with abstract values into a flat program of primitives, optimises it
    and generates the code that replays it; later calls with the same signature run that
    code. Python numbers are inputs too (a learning rate that changes does not retrace);
    static arguments are keyed by value. ``jit`` composes with ``grad``, ``vjp``,
    ``jvp`` and ``hessian`` in both orders.

    Inside ``fun`` the arguments are abstract: ``if x > 0`` or ``float(x)`` raises a
    ``TracedValueError`` at trace time; use ``pnp.where``, ``paralens.jit.cond`` or
    ``paralens.jit.scan``, or make the argument static.

    Args:
        fun: the function, of arrays, numbers and structures of them.
        static_argnums: positions of arguments that are part of the cache key by value
            (sizes, flags, functions): hashable, never traced.
        donate_argnums: positions of arguments the caller gives up: the program may
            write its outputs into their arrays (a training step updating its parameters
            in place). The caller promises not to use a donated value after the call,
            and passing one to this function again raises; use what the call returned.

    Returns:
        The staged function; ``.cache_info()``, ``.source(*args)`` and ``.trace(*args)``
        tell what it did.

    Examples:
        >>> import numpy as np
        >>> import paralens
        >>> import paralens.numpy as pnp
        >>> f = jit(lambda x, a: pnp.sum(pnp.tanh(a * x)))
        >>> float(f(np.zeros(3), 2.0)), round(float(f(np.ones(3), 0.5)), 5)
        (0.0, 1.38635)
        >>> f.cache_info()
        CacheInfo(hits=1, traces=1, retraces=0, size=1)
        >>> g = jit(paralens.grad(lambda x: pnp.sum(x ** 3)))
        >>> g(np.array([1.0, 2.0]))
        array([ 3., 12.])
    """
    return Jitted(fun, static_argnums, donate_argnums)
