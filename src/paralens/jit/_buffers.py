"""The buffer plan: where each answer of a staged program is stored.

Three kinds of place:

- **Kept buffers.** An answer that never leaves the program (not an output, not viewed
  by one) and that a ufunc, a matrix product or a sum can write with ``out=`` gets a
  buffer allocated once and reused by every call; buffers are shared between values whose
  lifetimes do not meet, so an elementwise chain runs in place in one buffer.
- **Donated arguments.** An output with the shape and dtype of a donated argument that
  the program reads no more is written into that argument's array: ``W - lr * X.T @ D``
  as one ``gemm`` (``_blas``), ``p + u`` as one ``axpy``, any final ufunc with ``out=``.
- **Fresh arrays.** Everything else, as the primitive's function returns it.

A value is *aliased* by the answers of operations that may return a view of it (a
transpose, a reshape, an unknown primitive): its buffer lives as long as any of them,
and an alias of an output is an output.
"""

from __future__ import annotations

import operator
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from paralens.jit._blas import axpy_into, gemm_into
from paralens.jit._lower import arg_expr
from paralens.jit._program import Eq, Program, Ref, eq_refs, refs_of
from paralens.numpy import _elementwise, _linalg, _reductions

if TYPE_CHECKING:
    from paralens.jit._lower import Namespace

_AS_UFUNC: dict[Any, np.ufunc] = {
    operator.add: np.add,
    operator.sub: np.subtract,
    operator.mul: np.multiply,
    operator.truediv: np.true_divide,
    operator.neg: np.negative,
    operator.pow: np.power,
}
_MATMUL = (np.matmul, operator.matmul, _linalg._matmul)
# Functions known to return a new array, never a view of an argument.
_FRESH = {_elementwise._sigmoid, _elementwise._relu, _elementwise._softplus}


# How many given-up arrays a plan remembers before it forgets those that are gone.
_CONSUMED_KEPT = 256


def ufunc_of(fun: Any) -> np.ufunc | None:
    if isinstance(fun, np.ufunc):
        return fun
    return _AS_UFUNC.get(fun)


class Plan:
    """Where each value lives, and the checks a call must pass to write in place."""

    def __init__(self, program: Program, donated: tuple[bool, ...] | None) -> None:
        self.program = program
        self.donated = donated
        self.avals = program.avals
        self.producer: dict[int, int] = {}
        for i, eq in enumerate(program.eqs):
            for o in eq.outs:
                self.producer[o] = i
        self.uses: dict[int, list[int]] = {}
        for i, eq in enumerate(program.eqs):
            for r in eq_refs(eq):
                self.uses.setdefault(r, []).append(i)
        self.roots = self._roots()
        self.last = self._last_uses()
        self.escaping = self._escaping()
        # Donations: output var -> input position; the lines that write them; skipped eqs.
        self.donations: dict[int, int] = {}
        self.special: dict[int, Callable[[dict[int, str], Namespace], list[str]]] = {}
        self.skipped: set[int] = set()
        self.buffers: dict[int, str] = {}  # var -> kept buffer name
        self.allocations: dict[str, tuple[tuple[int, ...], np.dtype[Any]]] = {}
        self.lock = threading.Lock()
        self.arrays: dict[str, Any] = {}
        self.consumed: dict[int, weakref.ref[Any]] = {}
        self.consumed_limit = _CONSUMED_KEPT
        # Equations whose work a donated update does later, at its own position.
        self.deferred: dict[int, int] = {}
        if donated is not None:
            self._plan_donations()
            self.last = self._last_uses()
        self._plan_kept()
        self.arrays = {
            name: np.empty(shape, dtype) for name, (shape, dtype) in self.allocations.items()
        }

    # --- analysis -------------------------------------------------------------------------

    def out_kind(self, eq: Eq) -> str | None:
        """How an equation can write into a given array: ``ufunc``, ``matmul``, ``sum``,
        ``sigmoid``, or ``None`` (it cannot)."""
        if eq.out_tree is not None or (eq.kwargs and eq.prim.fun is not _reductions._sum):
            return None
        out = self.avals[eq.outs[0]]
        if out.kind is not np.ndarray or out.dtype.kind not in "fc":
            return None
        fun = eq.prim.fun
        if ufunc_of(fun) is not None and ufunc_of(fun).nout == 1:  # type: ignore[union-attr]
            return "ufunc"
        if fun in _MATMUL and all(self._is_array_arg(a) for a in eq.args):
            return "matmul"
        if fun is _reductions._sum and self._is_array_arg(eq.args[0]):
            return "sum" if self.avals[eq.args[0].id].dtype == out.dtype else None
        if fun is _elementwise._sigmoid and self._is_array_arg(eq.args[0]):
            return "sigmoid"
        return None

    def _is_array_arg(self, a: Any) -> bool:
        return type(a) is Ref and self.avals[a.id].kind is np.ndarray

    def _may_alias(self, eq: Eq) -> bool:
        """Whether an equation's answer may share memory with its arguments (a number
        never does)."""
        if eq.out_tree is None and self.avals[eq.outs[0]].kind is not np.ndarray:
            return False
        fun = eq.prim.fun
        return self.out_kind(eq) is None and fun not in _FRESH and ufunc_of(fun) is None

    def _roots(self) -> dict[int, set[int]]:
        """For each value, the values whose memory it may be (itself included)."""
        roots: dict[int, set[int]] = {i: {i} for i in self.program.inputs}
        for eq in self.program.eqs:
            mine: set[int] = set()
            if self._may_alias(eq):
                for r in eq_refs(eq):
                    mine |= roots.get(r, {r})
            for o in eq.outs:
                roots[o] = {o} | mine
        return roots

    def _last_uses(self) -> dict[int, int]:
        """For each value, the last equation that reads it or a view of it."""
        n = len(self.program.eqs)
        last: dict[int, int] = {}
        deferred = getattr(self, "deferred", {})
        for i, eq in enumerate(self.program.eqs):
            at = deferred.get(i, i)
            for r in eq_refs(eq):
                for root in self.roots.get(r, {r}):
                    last[root] = max(last.get(root, -1), at)
        for o in self.program.outputs:
            for r in refs_of(o):
                for root in self.roots.get(r, {r}):
                    last[root] = n
        return last

    def _escaping(self) -> set[int]:
        out: set[int] = set()
        for o in self.program.outputs:
            for r in refs_of(o):
                out |= self.roots.get(r, {r})
        return out

    def single_use(self, v: int) -> bool:
        return len(self.uses.get(v, [])) == 1 and v not in self.escaping

    # --- donations ------------------------------------------------------------------------

    def _terms(self, v: int, depth: int = 0) -> list[tuple[list[Any], int]] | None:
        """``v`` as a sum of scaled values, ``[(factors, value)]``, through single-use
        additions, subtractions, negations and scalings; ``None`` past a few levels."""
        i = self.producer.get(v)
        if i is None or depth > 4 or (depth and not self.single_use(v)):
            return [([], v)]
        eq = self.program.eqs[i]
        fun = ufunc_of(eq.prim.fun)
        args = eq.args
        if eq.kwargs or fun is None:
            return [([], v)]
        if fun in (np.add, np.subtract) and all(type(a) is Ref for a in args):
            left = self._terms(args[0].id, depth + 1) or []
            right = self._terms(args[1].id, depth + 1) or []
            if fun is np.subtract:
                right = [([*f, -1], x) for f, x in right]
            return left + right
        if fun is np.negative:
            return [([*f, -1], x) for f, x in self._terms(args[0].id, depth + 1) or []]
        if fun is np.multiply and len(args) == 2:
            for k in (0, 1):
                scalar, other = args[k], args[1 - k]
                if type(other) is Ref and self._is_scalar(scalar):
                    inner = self._terms(other.id, depth + 1) or []
                    return [([*f, scalar], x) for f, x in inner]
        return [([], v)]

    def _is_scalar(self, a: Any) -> bool:
        if type(a) is Ref:
            return self.avals[a.id].shape == ()
        return isinstance(a, (int, float, np.number)) and not isinstance(a, bool)

    def _plan_donations(self) -> None:
        assert self.donated is not None
        taken: set[int] = set()
        for out in self.program.outputs:
            if type(out) is not Ref or out.id not in self.producer or out.id in self.donations:
                continue
            aval = self.avals[out.id]
            for n, i in enumerate(self.program.inputs):
                if n in taken or not self.donated[n] or self.avals[i].signature != aval.signature:
                    continue
                if aval.kind is np.ndarray and self._donate(out.id, i, n):
                    taken.add(n)
                    break

    def _donate(self, v: int, d: int, n: int) -> bool:
        """Write output ``v`` into donated input ``d`` (position ``n``), if it is safe."""
        at = self.producer[v]
        if self.last.get(d, -1) > at or d in self.escaping_but(v):
            return False
        terms = self._terms(v)
        if terms is not None and len(terms) == 2:
            mine = [t for t in terms if t[1] == d]
            other = [t for t in terms if t[1] != d]
            single = len(mine) == 1 and len(other) == 1 and self._free_of(other[0][1], d)
            if single and self._update(v, d, n, mine[0][0], other[0]):
                return True
        eq = self.program.eqs[at]
        if self.out_kind(eq) == "ufunc" and all(
            type(a) is not Ref or a.id == d or self._free_of(a.id, d) for a in eq.args
        ):
            self.donations[v] = n
            self.buffers[v] = f"x{n}"
            return True
        return False

    def escaping_but(self, v: int) -> set[int]:
        """What the outputs other than ``v`` may be views of."""
        out: set[int] = set()
        for o in self.program.outputs:
            for r in refs_of(o):
                if r != v:
                    out |= self.roots.get(r, {r})
        return out

    def _free_of(self, v: int, d: int) -> bool:
        return d not in self.roots.get(v, {v})

    def _update(self, v: int, d: int, n: int, beta: list[Any], term: tuple[list[Any], int]) -> bool:
        alpha, x = term
        xi = self.producer.get(x)
        matmul = xi is not None and self.out_kind(self.program.eqs[xi]) == "matmul"
        matmul = matmul and self.single_use(x) and self.avals[x].ndim == 2
        if matmul:
            a, b = self.program.eqs[xi].args  # type: ignore[index]
            if self.avals[a.id].ndim != 2 or self.avals[b.id].ndim != 2:
                matmul = False
            elif not (self._free_of(a.id, d) and self._free_of(b.id, d)):
                return False
        elif self.avals[x].signature != self.avals[d].signature:
            return False
        self._skip_chain(v, d, x)
        if matmul:
            self.skipped.add(xi)  # type: ignore[arg-type]
            self.deferred[xi] = self.producer[v]  # type: ignore[index]

        def lines(names: dict[int, str], ns: Namespace) -> list[str]:
            al, be = _product(alpha, names, ns), _product(beta, names, ns)
            if matmul:
                a, b = self.program.eqs[xi].args  # type: ignore[index]
                call = f"gemm_into(x{n}, {al}, {names[a.id]}, {names[b.id]}, {be})"
            else:
                call = f"axpy_into(x{n}, {al}, {names[x]}, {be})"
            return [call]

        self.donations[v] = n
        self.buffers[v] = f"x{n}"
        self.special[self.producer[v]] = lines
        return True

    def _skip_chain(self, v: int, d: int, x: int) -> None:
        """Skip the single-use equations between ``v`` and its terms ``d`` and ``x``."""
        stack = [v]
        while stack:
            u = stack.pop()
            i = self.producer.get(u)
            if u in (d, x) or i is None or (u != v and not self.single_use(u)):
                continue
            if u != v:
                self.skipped.add(i)
                self.deferred[i] = self.producer[v]
            stack.extend(r for r in eq_refs(self.program.eqs[i]))

    # --- kept buffers ---------------------------------------------------------------------

    def _plan_kept(self) -> None:
        free: dict[tuple[tuple[int, ...], Any], list[str]] = {}
        holder: dict[str, int] = {}  # buffer -> the root value it now holds
        for i, eq in enumerate(self.program.eqs):
            if i in self.skipped:
                continue
            o = eq.outs[0]
            if o not in self.buffers and o not in self.escaping and self.out_kind(eq):
                aval = self.avals[o]
                key = (aval.shape, aval.dtype)
                pool = free.setdefault(key, [])
                name = pool.pop() if pool else f"b{len(self.allocations)}"
                self.allocations.setdefault(name, key)
                self.buffers[o] = name
                holder[name] = o
            # Buffers whose values (and every view of them) are read for the last time
            # here are free for the answers after this one.
            for held in self._freed_at(i, eq, holder):
                free.setdefault(self.allocations[held], []).append(held)
                holder.pop(held)

    def _freed_at(self, i: int, eq: Any, holder: dict[str, int]) -> list[str]:
        """The kept buffers whose values equation ``i`` reads for the last time."""
        roots = {root for r in set(eq_refs(eq)) for root in self.roots.get(r, {r})}
        freed: list[str] = []
        for root in roots:
            held = self.buffers.get(root)
            if (
                held is not None
                and held.startswith("b")
                and self.last.get(root) == i
                and holder.get(held) == root
            ):
                freed.append(held)
        return freed

    # --- what the code generator asks -----------------------------------------------------

    def check(self, leaves: list[Any], donated: tuple[bool, ...]) -> bool:
        """Whether this call may write into its donated arguments (and mark them given).

        Raises:
            ValueError: a donated argument was given to this function before.
        """
        owners: set[int] = set()
        ok = True
        consumed = self.consumed
        for n, leaf in enumerate(leaves):
            if type(leaf) is not np.ndarray:
                continue
            base = leaf.base
            owner = id(leaf if base is None else base)
            if owner in owners:
                ok = False  # two arguments share memory: nothing is written in place
            owners.add(owner)
            if not donated[n]:
                continue
            ref = consumed.get(id(leaf))
            if ref is not None and ref() is leaf:
                raise ValueError(
                    "jit: an argument donated to an earlier call was passed again; its array "
                    "may hold anything now. Pass the value that call returned, or a copy "
                    "kept before donating (np.copy)"
                )
            flags = leaf.flags
            ok = ok and flags.writeable and flags.c_contiguous
        if len(consumed) > self.consumed_limit:
            # Forget the given-up arrays that are gone (a weak reference per array given);
            # the limit grows with those still alive, so this runs now and then.
            for key in [k for k, r in consumed.items() if r() is None]:
                del consumed[key]
            self.consumed_limit = max(_CONSUMED_KEPT, 2 * len(consumed))
        for n, leaf in enumerate(leaves):
            if donated[n] and type(leaf) is np.ndarray:
                consumed[id(leaf)] = weakref.ref(leaf)
        return ok

    def bind(self, ns: Namespace) -> None:
        """Put the kept buffers and the BLAS updates in the generated function's globals."""
        for name, array in self.arrays.items():
            ns.bind(name, array)
        ns.bind("gemm_into", gemm_into)
        ns.bind("axpy_into", axpy_into)

    def name_of(self, v: int, in_place: bool) -> str | None:
        """The kept buffer or donated argument that holds ``v`` (``None``: a fresh array)."""
        name = self.buffers.get(v)
        if name is None or (not in_place and name.startswith("x")):
            return None
        return name

    def lines(
        self, eq: Eq, index: int, names: dict[int, str], ns: Namespace, in_place: bool
    ) -> list[str] | None:
        if in_place and index in self.skipped:
            return []
        if in_place and index in self.special:
            return self.special[index](names, ns)
        target = self.name_of(eq.outs[0], in_place)
        if target is None:
            return None
        return _write_into(eq, self.out_kind(eq), target, names, ns)

    def is_donated_name(self, v: int) -> bool:
        """Whether ``v`` is returned in a donated argument's array (handed out as a view)."""
        return v in self.donations or (
            self.donated is not None
            and v in self.program.inputs
            and self.donated[self.program.inputs.index(v)]
        )


def _product(factors: list[Any], names: dict[int, str], ns: Namespace) -> str:
    if not factors:
        return "1.0"
    return " * ".join(f"({arg_expr(f, names, ns)})" for f in factors)


def _write_into(
    eq: Eq, kind: str | None, target: str, names: dict[int, str], ns: Namespace
) -> list[str]:
    args = [arg_expr(a, names, ns) for a in eq.args]
    if kind == "ufunc":
        ufunc = ufunc_of(eq.prim.fun)
        return [f"np.{ufunc.__name__}({', '.join(args)}, out={target})"]  # type: ignore[union-attr]
    if kind == "matmul":
        return [f"np.matmul({args[0]}, {args[1]}, out={target})"]
    if kind == "sum":
        axis = eq.kwargs.get("axis", eq.args[1] if len(eq.args) > 1 else None)
        keep = eq.kwargs.get("keepdims", eq.args[2] if len(eq.args) > 2 else False)
        return [f"np.add.reduce({args[0]}, {ns.const(axis)}, None, {target}, {keep!r})"]
    assert kind == "sigmoid"
    return [
        f"np.multiply({args[0]}, 0.5, out={target})",
        f"np.tanh({target}, out={target})",
        f"np.add({target}, 1.0, out={target})",
        f"np.multiply({target}, 0.5, out={target})",
    ]


def plan_buffers(program: Program, donated: tuple[bool, ...] | None) -> Plan:
    """The buffer plan of an optimised program."""
    return Plan(program, donated)
