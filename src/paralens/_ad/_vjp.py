"""Reverse mode: ``vjp``, and the gradients built on it (``grad``, ``value_and_grad``, ...)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from paralens import tree
from paralens._ad._inputs import Inputs, memory_of_leaves
from paralens._core import ZERO, ReverseTrace, is_var, pack_structure, plain_value
from paralens._core._backends import backend_of_type
from paralens._core._reverse import kept_constant
from paralens._core._vspace import (
    ARRAY_TYPES,
    LEAF_TYPES,
    leaf_space,
    leaves,
    lookup,
    node_def,
    ones_like,
)
from paralens._core._walk import KEEP, rebuild

Argnums = int | Sequence[int]


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """The value of ``f(*primals)`` and its pullback (vector-Jacobian product).

    Args:
        f: a function of ``len(primals)`` arguments, of any registered structure.
        *primals: the point to differentiate at.

    Returns:
        ``(ans, pullback)`` where ``pullback(ct)`` takes a cotangent with the structure,
        shapes and dtypes of ``ans`` and returns one cotangent per primal, each with its
        primal's structure and types, in memory of its own (never the ``ct`` given).

    Raises:
        TypeError: a primal holds only integers.

    The pullback raises a ``ValueError`` for a cotangent of another structure or shape
    than the output, and a ``TypeError`` for one of a dtype the output cannot have (a
    complex cotangent of a real output, a boolean or a non-number): a cotangent is never
    broadcast to the output.

    Examples:
        >>> ans, pullback = vjp(lambda x, y: x * y, 3.0, 4.0)
        >>> ans, pullback(1.0)
        (12.0, (4.0, 3.0))
        >>> import numpy as np
        >>> _, pullback = vjp(lambda x: 2.0 * x, np.ones(3))
        >>> pullback(np.ones((2, 1)))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: the cotangent has shape (2, 1) where the output has shape (3,); ...
    """
    return vjp_at(f, primals, {}, range(len(primals)))


def vjp_at(
    f: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any], nums: Sequence[int]
) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """``vjp`` of ``f(*args, **kwargs)`` with respect to the arguments at ``nums``.

    The pullback outlives the call: the caller may change its inputs, or the answer it
    was given, before calling it. So the trace starts from its own copies of the inputs,
    and the answer handed back is a copy of what the tape keeps.
    """
    ans, backward = record_vjp(f, args, kwargs, nums, keep_inputs=True)
    ans = _own_answer(ans)

    def pullback(ct: Any) -> tuple[Any, ...]:
        check_cotangent(ct, ans)
        # The caller keeps its cotangent: no gradient may be it, or a view of it.
        return backward(ct, memory_of_leaves(leaves(ct)))

    return ans, pullback


def _own_answer(ans: Any) -> Any:
    """``ans`` with each array a copy: the tape may keep it (``exp``'s rule reads it), or
    it may be an input (the identity), and the caller may write into what it is given."""
    if type(ans) in ARRAY_TYPES:
        return ans.copy()
    if node_def(ans) is None:
        return ans
    return rebuild(ans, _copied_leaf, stop=_var_as_it_is)


def _copied_leaf(space: Any, x: Any, there: tuple[Any, ...]) -> Any:
    return x.copy() if type(x) in ARRAY_TYPES else x


def _var_as_it_is(x: Any, there: tuple[Any, ...]) -> Any:
    return x if is_var(x) else KEEP  # a Var of an enclosing trace stays traced


def record_vjp(
    f: Callable[..., Any],
    args: Sequence[Any],
    kwargs: dict[str, Any],
    nums: Sequence[int],
    keep_inputs: bool = False,
) -> tuple[Any, Callable[[Any, set[int]], tuple[Any, ...]]]:
    """Run ``f`` under a reverse trace: its answer, and the unchecked backward pass.

    ``backward(ct, given)`` takes a cotangent known to match the answer, and the memory
    (``memory_id``) no gradient may share; the transforms that make their own cotangent
    (``grad``'s seed) call it directly. With ``keep_inputs`` the trace starts from its
    own copies of the differentiated arrays that could change (``vjp``, whose pullback
    the caller may call after changing them); the transforms that pull back before they
    return do without.
    """
    trace = ReverseTrace()

    def kept_input(x: Any) -> Any:
        return trace.new_input(kept_constant(x))

    new_input: Callable[[Any], Any] = kept_input if keep_inputs else trace.new_input

    try:
        inputs = [Inputs(args[n], new_input, f"argument {n}") for n in nums]
        full = list(args)
        for n, a in zip(nums, inputs, strict=True):
            full[n] = a.traced
        out = pack_structure(f(*full, **kwargs), trace.owns)
    finally:
        trace.close()
    is_traced = trace.owns(out)
    ans = out._value if is_traced else out
    input_vars = [v for a in inputs for v in a.vars]

    def backward(ct: Any, given: set[int]) -> tuple[Any, ...]:
        cts = trace.backward(out, ct, input_vars) if is_traced else [ZERO] * len(input_vars)
        leaf_cts = iter(cts)
        return tuple([a.gradient(leaf_cts, given) for a in inputs])

    return ans, backward


_SHAPE = (
    "the cotangent{at} has shape {ct} where the output has shape {ans}; a cotangent has the "
    "output's shape (e.g. numpy.ones_like(ans))"
)


_KINDS = (
    ("c", "complex floating"),
    ("f", "real floating"),
    ("b", "bool"),
    ("i", "signed integer"),
    ("u", "unsigned integer"),
)


def _kind(x: Any) -> str | None:
    """The NumPy dtype kind of a number or array (``None``: a leaf type of its own)."""
    dtype = getattr(x, "dtype", None)
    kind = getattr(dtype, "kind", None)
    if isinstance(kind, str):
        return kind
    xp = backend_of_type(type(x))
    if xp is not None:  # another library's array: its dtype's kind, asked of its namespace
        for letter, kinds in _KINDS:
            if xp.isdtype(dtype, kinds):
                return letter
        return None
    for cls, letter in ((bool, "b"), (int, "i"), (float, "f"), (complex, "c")):
        if isinstance(x, cls):
            return letter
    return None


def _plain_structure(x: Any) -> Any:
    """``x`` with its traced containers (Vars of enclosing traces) seen as their values."""
    x = plain_value(x)
    if node_def(x) is None:
        return x
    return rebuild(x, lambda space, v, there: v, stop=_traced_container)


def _traced_container(x: Any, there: tuple[Any, ...]) -> Any:
    return _plain_structure(x) if is_var(x) and node_def(plain_value(x)) is not None else KEEP


def check_cotangent(ct: Any, ans: Any) -> None:
    """Refuse a cotangent that does not have the structure, shapes and dtypes of ``ans``.

    Raises:
        ValueError: another structure, or a leaf of another shape (the path is named).
        TypeError: a leaf of a dtype the output cannot have.
    """
    ans, ct = _plain_structure(ans), _plain_structure(ct)
    tree.tree_map(lambda a, c: None, ans, ct)  # the structure, with the path where it parts
    named = tree.tree_leaves_with_path(ans)
    for (path, a), c in zip(named, leaves(ct), strict=True):
        a, c = plain_value(a), plain_value(c)
        at = f" at {path}" if path else ""
        a_shape, c_shape = getattr(a, "shape", None), getattr(c, "shape", None)
        if _kind(a) is not None and tuple(a_shape or ()) != tuple(c_shape or ()):
            raise ValueError(
                _SHAPE.format(at=at, ct=tuple(c_shape or ()), ans=tuple(a_shape or ()))
            )
        a_kind, c_kind = _kind(a), _kind(c)
        if a_kind is None:
            continue
        # A boolean output (a comparison) has no derivative; the cotangent of its own
        # dtype (numpy.ones_like(ans)) is accepted and carries nothing back.
        if c_kind is None or (c_kind not in "iufc" and c_kind != a_kind):
            what = getattr(c, "dtype", type(c).__name__)
            raise TypeError(
                f"the cotangent{at} is of type {what}, not a number; a cotangent has the "
                f"output's dtype (e.g. numpy.ones_like(ans))"
            )
        if c_kind == "c" and a_kind != "c":
            raise TypeError(
                f"the cotangent{at} is complex where the output is real; pass its real part"
            )


def scalar_seed(ans: Any, fname: str) -> Any:
    """The cotangent 1 of an answer holding one number (a scalar, or an array of one
    element, as in HIPS autograd), of its type and shape; raises for anything else."""
    cls = type(ans)
    if cls is float:
        return 1.0
    if _kind(plain_value(ans)) == "c":
        raise TypeError(
            f"grad requires {fname} to return a real number, but it returned a complex one, "
            f"whose gradient is not defined. For the derivative f'(z) of a holomorphic f use "
            f"grad(lambda z: pnp.real(f(z))); for both parts, vjp or jacrev."
        )
    if cls in LEAF_TYPES and getattr(ans, "shape", None) == ():  # a NumPy scalar, say
        return lookup(cls).ones(ans)  # type: ignore[union-attr]
    plain = plain_value(ans)
    space = leaf_space(plain)
    shape = getattr(plain, "shape", None)
    size = getattr(plain, "size", None)
    if callable(size) and shape is not None:  # torch's size is a method: count the entries
        size = math.prod(shape)
    if space is None or (shape is not None and size != 1):
        what = f"an array of shape {shape}" if shape is not None else type(plain).__name__
        raise TypeError(
            f"grad requires {fname} to return a scalar (or an array of one element), but it "
            f"returned {what}. Reduce it first (e.g. pnp.sum), or use vjp/jacrev for "
            f"non-scalar outputs."
        )
    return space.ones(plain)


def argnums_tuple(argnums: Argnums, nargs: int, fname: str) -> tuple[int, ...]:
    """``argnums`` as a tuple of positions in ``range(nargs)``; raises naming the mistake."""
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for n in nums:
        if not isinstance(n, int):
            raise TypeError(
                f"argnums must be an int or a sequence of ints (positions of arguments of "
                f"{fname}), got {argnums!r}"
            )
        if not -nargs <= n < nargs:
            raise ValueError(
                f"argnums {argnums!r} refers to argument {n}, but {fname} was called with "
                f"{nargs} positional argument(s)"
            )
    positions = tuple(n % nargs for n in nums)
    if len(positions) > 1 and len(set(positions)) != len(positions):
        twice = sorted({p for p in positions if positions.count(p) > 1})
        raise ValueError(
            f"argnums {argnums!r} names argument {', '.join(map(str, twice))} more than once; "
            f"each argument is differentiated once (use distinct positions)"
        )
    return positions


def value_and_grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., tuple[Any, Any]]:
    """A function returning ``f``'s value and its gradient with respect to ``argnums``.

    Args:
        f: a function returning a scalar.
        argnums: which positional argument(s) to differentiate; an int gives one
            gradient, a sequence gives a tuple of them.

    Returns:
        A function of ``f``'s arguments returning ``(value, gradient)``.

    Raises:
        TypeError: ``f`` returned a non-scalar, or a differentiated argument holds only
            integers.
        ValueError: ``argnums`` names an argument twice, or one that was not passed.

    Examples:
        >>> value_and_grad(lambda x: x * x * x)(2.0)
        (8.0, 12.0)
    """
    fname = getattr(f, "__name__", "the function")

    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        nums = argnums_tuple(argnums, len(args), fname)
        ans, backward = record_vjp(f, args, kwargs, nums)
        grads = backward(scalar_seed(ans, fname), set())
        return ans, grads[0] if isinstance(argnums, int) else grads

    value_and_grad_f.__name__ = f"value_and_grad({fname})"
    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The gradient of a scalar function ``f`` with respect to its argument(s) ``argnums``.

    The gradient has the structure and leaf types of the argument: a dataclass's gradient
    is that dataclass, a float's is a float.

    Args:
        f: a function returning a scalar (a float, a NumPy scalar, a 0-d array or, as in
            HIPS autograd, an array of one element).
        argnums: which positional argument(s) to differentiate; an int gives one
            gradient, a sequence gives a tuple of them.

    Returns:
        A function of ``f``'s arguments returning the gradient(s).

    Raises:
        TypeError: ``f`` returned a non-scalar, a differentiated argument holds only
            integers, or ``argnums`` is not an int or a sequence of ints.
        ValueError: ``argnums`` names an argument twice, or one that was not passed.

    Examples:
        >>> import paralens.numpy as pnp
        >>> grad(pnp.sin)(0.0)
        1.0
        >>> grad(lambda p: p["w"] * p["w"] + 3.0 * p["b"])({"w": 2.0, "b": 1.0})
        {'w': 4.0, 'b': 3.0}
        >>> grad(grad(lambda x: x ** 3))(2.0)  # second derivative, 6 x
        12.0
    """
    vg = value_and_grad(f, argnums)

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]

    grad_f.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return grad_f


def elementwise_grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The sum over ``f``'s output entries of their gradients, as HIPS autograd's.

    For a function that acts entry by entry (``pnp.tanh``), this is the derivative of
    each entry, an array of the input's shape; in general it is the pullback of ones
    (the gradient of ``sum(f(x))``).

    Args:
        f: a function of any output structure.
        argnums: which positional argument(s) to differentiate; an int gives one
            gradient, a sequence gives a tuple of them.

    Returns:
        A function of ``f``'s arguments returning the gradient(s).

    Raises:
        TypeError: a differentiated argument holds only integers.
        ValueError: ``argnums`` names an argument twice, or one that was not passed.

    Examples:
        >>> import numpy as np
        >>> import paralens.numpy as pnp
        >>> elementwise_grad(pnp.tanh)(np.zeros(3))
        array([1., 1., 1.])
        >>> elementwise_grad(lambda x: x ** 2)(np.array([1.0, 2.0]))
        array([2., 4.])
    """
    fname = getattr(f, "__name__", "the function")

    def elementwise_grad_f(*args: Any, **kwargs: Any) -> Any:
        nums = argnums_tuple(argnums, len(args), fname)
        ans, backward = record_vjp(f, args, kwargs, nums)
        grads = backward(ones_like(plain_value(ans)), set())
        return grads[0] if isinstance(argnums, int) else grads

    elementwise_grad_f.__name__ = f"elementwise_grad({fname})"
    return elementwise_grad_f


def backprop(f: Callable[..., Any], *args: Any) -> tuple[Any, tuple[Any, ...]]:
    """Run ``f(*args)`` and return its value with the gradient of every argument.

    Args:
        f: a function returning a scalar.
        *args: the arguments; each gets a gradient of its own structure and types.

    Returns:
        ``(value, grads)`` with one gradient per argument in ``grads``.

    Raises:
        TypeError: ``f`` returned a non-scalar, or an argument holds only integers.

    Examples:
        >>> backprop(lambda x, y: x * y + y, 3.0, 4.0)
        (16.0, (4.0, 4.0))
    """
    ans, backward = record_vjp(f, args, {}, range(len(args)))
    return ans, backward(scalar_seed(ans, getattr(f, "__name__", "the function")), set())
