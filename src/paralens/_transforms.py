"""The transforms: reverse mode (``vjp``, ``grad``, ...) and forward mode (``jvp``, ...)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from paralens import tree
from paralens._core import _vspace
from paralens._core._trace import (
    ForwardTrace,
    Node,
    ReverseTrace,
    Trace,
    Var,
    backward,
    pack_structure,
    plain_value,
    primitive,
    primitive_of,
)
from paralens._core._vspace import ZERO

__all__ = [
    "backprop",
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "stop_gradient",
    "value_and_grad",
    "vjp",
]

Argnums = int | Sequence[int]


def _integer_error(x: Any, what: str) -> TypeError:
    return TypeError(
        f"{what} holds only integers ({x!r}), which have no gradient; pass a float "
        f"(e.g. 3.0 instead of 3, or array.astype(float))"
    )


def _pack_output(out: Any, trace: Trace) -> Any:
    """Turn a structure holding Vars of ``trace`` into one Var of that structure."""
    return pack_structure(out, lambda c: isinstance(c, Var) and c._trace is trace)


class _Inputs:
    """A differentiated argument with each float leaf replaced by a Var of one trace.

    Wrapping leaf by leaf (not the container as one Var) keeps the argument's own type:
    inside the function a dataclass of parameters is that dataclass, with its methods and
    properties, and reaching into it costs nothing. Integer leaves stay plain constants.
    """

    __slots__ = ("arrays_only", "nodes", "primal", "traced")

    def __init__(self, primal: Any, wrap: Callable[[Any, int], Var], what: str) -> None:
        self.primal = primal
        self.arrays_only = False
        nodes: list[Node] = []
        count = [0]

        def wrap_leaf(leaf: Any) -> Any:
            i = count[0]
            count[0] = i + 1
            if not _is_float_array(leaf) and _vspace.is_integer(leaf):
                return leaf
            var = wrap(leaf, i)
            nodes.append(var._aux)
            return var

        self.traced: Any = _vspace.map_structure(wrap_leaf, primal)
        if count[0] and not nodes:
            raise _integer_error(primal, what)
        self.nodes = nodes

    @classmethod
    def reverse(cls, primal: Any, trace: ReverseTrace, what: str) -> _Inputs:
        """The inputs of a reverse trace: the common shapes of parameters (float arrays
        in lists and tuples) are wrapped directly, anything else leaf by leaf."""
        if type(primal) is list or type(primal) is tuple:
            nodes: list[Node] = []
            traced = _wrap_arrays(primal, trace, nodes)
            if traced is not None:
                inputs = cls.__new__(cls)
                inputs.primal = primal
                inputs.traced = traced
                inputs.nodes = nodes
                inputs.arrays_only = True
                return inputs
        return cls(primal, lambda leaf, i: trace.new_input(leaf), what)

    def gradient(self, cts: list[Any], given: set[int]) -> Any:
        """Assemble per-leaf cotangents into a value of the argument's structure and types.

        ``given`` holds the ids of the arrays already handed out by this pullback: a rule
        may pass one cotangent to two arguments (``x + y``), and two gradients must not be
        one array that changing either would change both.
        """
        it = iter(cts)
        if self.arrays_only:
            return _array_gradients(self.primal, it, given)

        def leaf_gradient(leaf: Any) -> Any:
            if _is_float_array(leaf):
                return _array_gradients((leaf,), it, given)[0]
            if _vspace.is_integer(leaf):
                return _vspace.zeros_like(leaf)
            return _leaf_cotangent(next(it), leaf)

        return _vspace.map_structure(leaf_gradient, self.primal)


def _is_float_array(x: Any) -> bool:
    return type(x) is np.ndarray and x.dtype.kind == "f"


def _wrap_arrays(x: Any, trace: ReverseTrace, nodes: list[Node]) -> Any:
    """``x`` (lists and tuples of float arrays) with each array a Var of ``trace``; None
    for any other structure. This runs once per training step on every parameter."""
    out = []
    for c in x:
        cls = type(c)
        if cls is np.ndarray and c.dtype.kind == "f":
            var = trace.new_input(c)
            nodes.append(var._aux)
            out.append(var)
        elif cls is tuple or cls is list:
            inner = _wrap_arrays(c, trace, nodes)
            if inner is None:
                return None
            out.append(inner)
        else:
            return None
    return out if type(x) is list else tuple(out)


def _array_gradients(x: Any, cts: Iterator[Any], given: set[int]) -> Any:
    """The gradient of a list or tuple (of lists and tuples) of float arrays."""
    out = []
    for leaf in x:
        if type(leaf) is not np.ndarray:
            out.append(_array_gradients(leaf, cts, given))
            continue
        ct = next(cts)
        if type(ct) is np.ndarray and ct.dtype == leaf.dtype and ct.shape == leaf.shape:
            # A broadcast view (a sum's pullback) is read-only, and one array may reach
            # two inputs (``x + y``): the user gets arrays of their own.
            if not ct.flags.writeable or id(ct) in given:
                ct = ct.copy()
            given.add(id(ct))
            out.append(ct)
        else:
            out.append(_leaf_cotangent(ct, leaf))
    return out if type(x) is list else tuple(out)


def _leaf_cotangent(ct: Any, primal: Any) -> Any:
    if (
        type(ct) is np.ndarray
        and type(primal) is np.ndarray
        and ct.dtype == primal.dtype
        and ct.shape == primal.shape
    ):
        # A broadcast view (the pullback of a sum) is read-only: give the user an array.
        return ct if ct.flags.writeable else ct.copy()
    plain = plain_value(primal)
    if ct is ZERO:
        return _vspace.zeros_like(plain)
    return _vspace.coerce(_vspace.instantiate(ct, plain), plain)


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """The value of ``f(*primals)`` and its pullback (vector-Jacobian product).

    Args:
        f: a function of ``len(primals)`` arguments, of any registered structure.
        *primals: the point to differentiate at.

    Returns:
        ``(ans, pullback)`` where ``pullback(ct)`` takes a cotangent shaped like ``ans``
        and returns one cotangent per primal, each with its primal's structure and types.

    Examples:
        >>> import paralens.numpy as pnp
        >>> ans, pullback = vjp(lambda x, y: x * y, 3.0, 4.0)
        >>> ans, pullback(1.0)
        (12.0, (4.0, 3.0))
    """
    return _vjp_at(f, primals, {}, range(len(primals)))


def _vjp_at(
    f: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any], nums: Sequence[int]
) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """``vjp`` of ``f(*args, **kwargs)`` with respect to the arguments at ``nums``."""
    trace = ReverseTrace()
    try:
        inputs = [_Inputs.reverse(args[n], trace, f"argument {n}") for n in nums]
        full = list(args)
        for n, a in zip(nums, inputs, strict=True):
            full[n] = a.traced
        out = _pack_output(f(*full, **kwargs), trace)
    finally:
        trace.active = False
    is_traced = isinstance(out, Var) and out._trace is trace
    ans = out._value if is_traced else out
    input_nodes = [n for a in inputs for n in a.nodes]

    def pullback(ct: Any) -> tuple[Any, ...]:
        if is_traced:
            cts = backward(trace.tape, out._aux, ct, input_nodes)
        else:
            cts = [ZERO] * len(input_nodes)
        grads = []
        start = 0
        given: set[int] = set()
        for a in inputs:
            stop = start + len(a.nodes)
            grads.append(a.gradient(cts[start:stop], given))
            start = stop
        return tuple(grads)

    return ans, pullback


def _scalar_seed(ans: Any, fname: str) -> Any:
    cls = type(ans)
    if cls is np.float64 or cls is np.float32 or cls is float:
        return cls(1.0)
    plain = plain_value(ans)
    shape = getattr(plain, "shape", None)
    if not _vspace.is_leaf(plain) or (shape is not None and shape != ()):
        what = f"an array of shape {shape}" if shape is not None else type(plain).__name__
        raise TypeError(
            f"grad requires {fname} to return a scalar, but it returned {what}. "
            f"Reduce it first (e.g. pnp.sum), or use vjp/jacrev for non-scalar outputs."
        )
    return _vspace.ones_like(plain)


def _argnums_tuple(argnums: Argnums, nargs: int, fname: str) -> tuple[int, ...]:
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
        nums = _argnums_tuple(argnums, len(args), fname)
        ans, pullback = _vjp_at(f, args, kwargs, nums)
        grads = pullback(_scalar_seed(ans, fname))
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
    return ans, pullback(_scalar_seed(ans, getattr(f, "__name__", "the function")))


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """The value of ``f(*primals)`` and its derivative along ``tangents`` (forward mode).

    Args:
        f: a function of ``len(primals)`` arguments.
        primals: the point.
        tangents: one tangent per primal, each with its primal's structure.

    Returns:
        ``(ans, tangent_out)`` with ``tangent_out`` shaped like ``ans``.

    Raises:
        ValueError: the tangents do not match the primals in number, structure or shapes.

    Examples:
        >>> import paralens.numpy as pnp
        >>> jvp(lambda x: x * x, (3.0,), (1.0,))
        (9.0, 6.0)
    """
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp needs one tangent per primal: got {len(primals)} primals and "
            f"{len(tangents)} tangents"
        )
    for i, (p, t) in enumerate(zip(primals, tangents, strict=True)):
        p_def, t_def = tree.tree_structure(plain_value(p)), tree.tree_structure(t)
        if p_def != t_def:
            raise ValueError(f"tangent {i} has structure {t_def!r}, its primal {p_def!r}")
        _check_tangent_shapes(i, p, t)
    trace = ForwardTrace()
    try:
        inputs = [
            _forward_inputs(trace, p, t, f"primal {n}")
            for n, (p, t) in enumerate(zip(primals, tangents, strict=True))
        ]
        out = f(*(a.traced for a in inputs))
    finally:
        trace.active = False
    return _split_forward(out, trace)


def _check_tangent_shapes(i: int, primal: Any, tangent: Any) -> None:
    for p, t in zip(tree.tree_leaves(plain_value(primal)), tree.tree_leaves(tangent), strict=True):
        if getattr(p, "shape", ()) != getattr(t, "shape", ()):
            raise ValueError(
                f"tangent {i} has a leaf of shape {getattr(t, 'shape', ())} where its primal "
                f"has shape {getattr(p, 'shape', ())}; a tangent has its primal's shapes"
            )


def _forward_inputs(trace: ForwardTrace, primal: Any, tangent: Any, what: str) -> _Inputs:
    tangents = [tangent] if _vspace.is_leaf(primal) else tree.tree_leaves(tangent)

    def wrap(leaf: Any, i: int) -> Var:
        return trace.new_input(leaf, tangents[i])

    return _Inputs(primal, wrap, what)


def _split_forward(out: Any, trace: Trace) -> tuple[Any, Any]:
    if isinstance(out, Var) and out._trace is trace:
        value = out._value
        return value, _vspace.instantiate(out._aux, plain_value(value))
    node = _vspace.node_def(out)
    if node is None:
        return out, _vspace.zeros_like(plain_value(out))
    children, aux = node.flatten(out)
    pairs = [_split_forward(c, trace) for c in children]
    return (
        node.unflatten(aux, [p[0] for p in pairs]),
        node.unflatten(aux, [p[1] for p in pairs]),
    )


def _basis(x: Any) -> tuple[tuple[int, ...], list[Any]]:
    """The shape of a float or array ``x`` and the standard basis of its space."""
    plain = plain_value(x)
    if not _vspace.is_leaf(plain):
        raise TypeError(
            f"jacobians are defined here for scalars and arrays, not {type(plain).__name__}; "
            f"use vjp or jvp for structured values"
        )
    arr = np.asarray(plain)
    dtype = arr.dtype if arr.dtype.kind in "fc" else np.float64
    basis = []
    for i in range(arr.size):
        e = np.zeros(arr.size, dtype=dtype)
        e[i] = 1
        basis.append(e.reshape(arr.shape) if arr.ndim else type(plain)(e[0]))
    return arr.shape, basis


def _stack_columns(
    columns: list[Any], out_shape: tuple[int, ...], in_shape: tuple[int, ...]
) -> Any:
    from paralens import numpy as pnp

    stacked = pnp.stack([pnp.reshape(c, (-1,)) for c in columns], axis=-1)
    return pnp.reshape(stacked, out_shape + in_shape)


def jacfwd(f: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The Jacobian of ``f`` in forward mode: one ``jvp`` per input coordinate.

    Args:
        f: a function of arrays or floats returning an array or a float.
        argnums: the position of the argument to differentiate.

    Returns:
        A function of ``f``'s arguments returning the Jacobian, of shape
        ``ans.shape + x.shape``.

    Examples:
        >>> import numpy as np
        >>> import paralens.numpy as pnp
        >>> jacfwd(lambda x: x * x)(np.array([1.0, 2.0]))
        array([[2., 0.],
               [0., 4.]])
    """

    def jac(*args: Any, **kwargs: Any) -> Any:
        n = _argnums_tuple(argnums, len(args), "f")[0]
        in_shape, basis = _basis(args[n])

        def f_n(x: Any) -> Any:
            return f(*args[:n], x, *args[n + 1 :], **kwargs)

        columns = [jvp(f_n, (args[n],), (e,))[1] for e in basis]
        out_shape = (
            np.shape(plain_value(f_n(args[n])))
            if not columns
            else np.shape(plain_value(columns[0]))
        )
        return _stack_columns(columns, tuple(out_shape), in_shape)

    return jac


def jacrev(f: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The Jacobian of ``f`` in reverse mode: one pullback per output coordinate.

    Args:
        f: a function of arrays or floats returning an array or a float.
        argnums: the position of the argument to differentiate.

    Returns:
        A function of ``f``'s arguments returning the Jacobian, of shape
        ``ans.shape + x.shape``.

    Examples:
        >>> import numpy as np
        >>> import paralens.numpy as pnp
        >>> jacrev(lambda x: pnp.sin(x))(np.array([0.0, 0.0]))
        array([[1., 0.],
               [0., 1.]])
    """

    def jac(*args: Any, **kwargs: Any) -> Any:
        from paralens import numpy as pnp

        n = _argnums_tuple(argnums, len(args), "f")[0]

        def f_n(x: Any) -> Any:
            return f(*args[:n], x, *args[n + 1 :], **kwargs)

        ans, pullback = vjp(f_n, args[n])
        out_shape, basis = _basis(ans)
        in_shape = tuple(np.shape(plain_value(args[n])))
        rows = [pnp.reshape(pullback(e)[0], (-1,)) for e in basis]
        if not rows:
            return np.zeros(tuple(out_shape) + in_shape)
        return pnp.reshape(pnp.stack(rows, axis=0), tuple(out_shape) + in_shape)

    return jac


jacobian = jacrev


def hessian(f: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The Hessian of a scalar ``f``: forward mode over reverse mode.

    Args:
        f: a function returning a scalar.
        argnums: the position of the argument to differentiate twice.

    Returns:
        A function of ``f``'s arguments returning the Hessian, of shape
        ``x.shape + x.shape``.

    Examples:
        >>> import numpy as np
        >>> import paralens.numpy as pnp
        >>> hessian(lambda x: pnp.sum(x ** 3))(np.array([1.0, 2.0]))
        array([[ 6.,  0.],
               [ 0., 12.]])
    """
    return jacfwd(jacrev(f, argnums), argnums)


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """The Hessian of scalar ``f`` at ``primals`` applied to ``tangents``, without forming it.

    Args:
        f: a function returning a scalar.
        primals: the point.
        tangents: one direction per primal, each with its primal's structure.

    Returns:
        The Hessian-vector product: one result per primal (a tuple) when ``f`` has several
        arguments, else one.

    Examples:
        >>> hvp(lambda x: x ** 3, (2.0,), (1.0,))
        12.0
    """
    nums = tuple(range(len(primals)))
    g = grad(f, argnums=nums)
    out = jvp(g, primals, tangents)[1]
    return out[0] if len(primals) == 1 else out


def _stop_gradient(x: Any) -> Any:
    return x


_stop = primitive(_stop_gradient, "stop_gradient")
primitive_of(_stop).nondiff = True


def stop_gradient(x: Any) -> Any:
    """``x`` as a constant: no gradient flows through it, at any level of nesting.

    Args:
        x: a value, traced or not, of any registered structure.

    Returns:
        ``x``'s value, untraced for every transform that is open.

    Examples:
        >>> grad(lambda x: x * stop_gradient(x))(3.0)
        3.0
    """
    if isinstance(x, Var):
        return _stop(x)
    if _vspace.node_def(x) is None:
        return x
    return tree.tree_map(_stop, x, is_leaf=lambda v: isinstance(v, Var))
