"""Reverse mode: ``vjp``, and the gradients built on it (``grad``, ``value_and_grad``, ...)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from paralens._ad._inputs import Inputs
from paralens._core import ZERO, ReverseTrace, pack_structure, plain_value
from paralens._core._vspace import LEAF_TYPES, leaf_space, lookup

Argnums = int | Sequence[int]


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """The value of ``f(*primals)`` and its pullback (vector-Jacobian product).

    Args:
        f: a function of ``len(primals)`` arguments, of any registered structure.
        *primals: the point to differentiate at.

    Returns:
        ``(ans, pullback)`` where ``pullback(ct)`` takes a cotangent shaped like ``ans``
        and returns one cotangent per primal, each with its primal's structure and types.

    Examples:
        >>> ans, pullback = vjp(lambda x, y: x * y, 3.0, 4.0)
        >>> ans, pullback(1.0)
        (12.0, (4.0, 3.0))
    """
    return vjp_at(f, primals, {}, range(len(primals)))


def vjp_at(
    f: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any], nums: Sequence[int]
) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """``vjp`` of ``f(*args, **kwargs)`` with respect to the arguments at ``nums``."""
    trace = ReverseTrace()
    try:
        inputs = [Inputs(args[n], trace.new_input, f"argument {n}") for n in nums]
        full = list(args)
        for n, a in zip(nums, inputs, strict=True):
            full[n] = a.traced
        out = pack_structure(f(*full, **kwargs), trace.owns)
    finally:
        trace.close()
    is_traced = trace.owns(out)
    ans = out.value if is_traced else out
    input_vars = [v for a in inputs for v in a.vars]

    def pullback(ct: Any) -> tuple[Any, ...]:
        cts = trace.backward(out, ct, input_vars) if is_traced else [ZERO] * len(input_vars)
        leaf_cts = iter(cts)
        given: set[int] = set()
        return tuple([a.gradient(leaf_cts, given) for a in inputs])

    return ans, pullback


def scalar_seed(ans: Any, fname: str) -> Any:
    """The cotangent 1 of a scalar answer, of its type; raises for anything else."""
    cls = type(ans)
    if cls is float:
        return 1.0
    if cls in LEAF_TYPES and getattr(ans, "shape", None) == ():  # a NumPy scalar, say
        return lookup(cls).ones(ans)  # type: ignore[union-attr]
    plain = plain_value(ans)
    space = leaf_space(plain)
    shape = getattr(plain, "shape", None)
    if space is None or (shape is not None and shape != ()):
        what = f"an array of shape {shape}" if shape is not None else type(plain).__name__
        raise TypeError(
            f"grad requires {fname} to return a scalar, but it returned {what}. "
            f"Reduce it first (e.g. pnp.sum), or use vjp/jacrev for non-scalar outputs."
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
    return tuple(n % nargs for n in nums)


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

    Examples:
        >>> value_and_grad(lambda x: x * x * x)(2.0)
        (8.0, 12.0)
    """
    fname = getattr(f, "__name__", "the function")

    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        nums = argnums_tuple(argnums, len(args), fname)
        ans, pullback = vjp_at(f, args, kwargs, nums)
        grads = pullback(scalar_seed(ans, fname))
        return ans, grads[0] if isinstance(argnums, int) else grads

    value_and_grad_f.__name__ = f"value_and_grad({fname})"
    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The gradient of a scalar function ``f`` with respect to its argument(s) ``argnums``.

    The gradient has the structure and leaf types of the argument: a dataclass's gradient
    is that dataclass, a float's is a float.

    Args:
        f: a function returning a scalar (a float, a NumPy scalar or a 0-d array).
        argnums: which positional argument(s) to differentiate; an int gives one
            gradient, a sequence gives a tuple of them.

    Returns:
        A function of ``f``'s arguments returning the gradient(s).

    Raises:
        TypeError: ``f`` returned a non-scalar, a differentiated argument holds only
            integers, or ``argnums`` is not an int or a sequence of ints.
        ValueError: ``argnums`` names an argument that was not passed.

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
    ans, pullback = vjp(f, *args)
    return ans, pullback(scalar_seed(ans, getattr(f, "__name__", "the function")))
