"""The check that one operation computes on another array library what it computes on NumPy.

``check_on_backend(fun, args, library)`` runs ``fun`` on NumPy arrays and on the same
values as arrays of ``library`` (array-api-strict, or torch CPU tensors), and asserts
that the value, a reverse-mode cotangent, a forward-mode tangent and (with ``order=2``)
a second derivative agree, and that every array they return is of ``library`` with the
matching dtype: an answer computed by NumPy behind the library's back fails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import paralens
import paralens.numpy as pnp
from paralens.tree import tree_leaves, tree_map

LIBRARIES = ("array_api_strict", "torch")


def module(library: str) -> Any:
    if library == "torch":
        import torch

        return torch
    import array_api_strict

    return array_api_strict


def device(library: str) -> Any:
    """The device the check puts ``library``'s arrays on: for array-api-strict one that
    refuses conversion to NumPy (``__array__`` raises there), so that any NumPy call on
    them fails instead of computing behind the library's back."""
    if library == "torch":
        return None
    return module(library).Device("device1")


def to_library(x: Any, library: str) -> Any:
    """A NumPy array (or NumPy scalar) as an array of ``library``; Python numbers kept."""
    if type(x) in (bool, int, float, complex):
        return x
    lib = module(library)
    if library == "torch":
        return lib.asarray(np.array(x, copy=True))
    return lib.asarray(np.array(x, copy=True), device=device(library))


def library_to_numpy(x: Any, library: str) -> Any:
    """An array of ``library`` (on the check's device) as a NumPy array; numbers kept."""
    if library == "array_api_strict" and is_of(x, library):
        x = x.to_device(module(library).Device("CPU_DEVICE"))
    return pnp.to_numpy(x)


def is_of(x: Any, library: str) -> bool:
    lib = module(library)
    return isinstance(x, lib.Tensor if library == "torch" else lib._array_object.Array)


def _tolerance(ref: Any) -> float:
    dtype = np.result_type(ref)
    return 1e-4 if dtype in (np.float32, np.complex64) else 1e-10


def assert_same_on(library: str, out: Any, ref: Any, what: str) -> None:
    """``out`` (of ``library``) holds ``ref`` (NumPy): same structure, shapes, dtypes, values."""
    outs, refs = tree_leaves(out), tree_leaves(ref)
    assert len(outs) == len(refs), f"{what}: {len(outs)} leaves, NumPy gives {len(refs)}"
    for o, r in zip(outs, refs, strict=True):
        if isinstance(r, bool | int | float | complex):
            assert type(o) is type(r) or is_of(o, library), (what, type(o), type(r))
        else:
            assert is_of(o, library), f"{what}: a {type(o).__module__}.{type(o).__name__}"
        got = library_to_numpy(o, library)
        assert np.shape(got) == np.shape(r), (what, np.shape(got), np.shape(r))
        if not isinstance(r, bool | int | float | complex):
            assert np.result_type(got) == np.result_type(r), (what, got.dtype, np.result_type(r))
        tol = _tolerance(r)
        np.testing.assert_allclose(got, r, rtol=tol, atol=tol, err_msg=what)


def _like(rng: np.random.Generator, x: Any) -> Any:
    shape = np.shape(x)
    dtype = np.result_type(x)
    v = rng.standard_normal(shape)
    if dtype.kind == "c":
        v = v + 1j * rng.standard_normal(shape)
    if isinstance(x, float | complex):
        return type(x)(v)
    if type(x) in (bool, int):  # a Python answer (allclose's): a Python cotangent
        return float(v)
    return np.asarray(v, dtype=dtype) if dtype.kind in "fc" else np.asarray(v)


def check_on_backend(
    fun: Callable[..., Any],
    args: tuple[Any, ...],
    library: str,
    *,
    order: int = 2,
    plain: bool = True,
) -> None:
    """Value, reverse, forward (and second-order reverse) of ``fun`` on ``library`` equal
    those on NumPy; every array returned is of ``library``.

    ``plain=False`` checks the value only as traced: for ``fun`` written with operators
    or methods (``x.sum()``, ``x[[0, 1]]``), which on the library's own untraced arrays
    are the library's, not paralens's.
    """
    rng = np.random.default_rng(0)
    on = tuple(to_library(a, library) for a in args)
    ref = fun(*args)
    if plain:
        assert_same_on(library, fun(*on), ref, "value")

    ct = tree_map(lambda r: _like(rng, r), ref)
    _, pull = paralens.vjp(fun, *args)
    ans_on, pull_on = paralens.vjp(fun, *on)
    assert_same_on(library, ans_on, ref, "traced value")
    ct_on = tree_map(lambda c: to_library(c, library), ct)
    assert_same_on(library, pull_on(ct_on), pull(ct), "vjp")

    tangents = tuple(_like(rng, a) for a in args)
    _, t_ref = paralens.jvp(fun, args, tangents)
    _, t_on = paralens.jvp(fun, on, tuple(to_library(t, library) for t in tangents))
    assert_same_on(library, t_on, t_ref, "jvp")

    if order >= 2:
        on_lib = lambda tree: tree_map(lambda c: to_library(c, library), tree)  # noqa: E731
        argnums = tuple(range(len(args)))
        assert_same_on(
            library,
            paralens.grad(_second(fun, on_lib(ct), on_lib(tangents)), argnums=argnums)(*on),
            paralens.grad(_second(fun, ct, tangents), argnums=argnums)(*args),
            "second order",
        )


def _is_inexact(x: Any) -> bool:
    if isinstance(x, float | complex):
        return True
    if isinstance(x, bool | int):
        return False
    dtype = x.dtype
    if isinstance(dtype, np.dtype):
        return dtype.kind in "fc"
    return bool(pnp.namespace(x).isdtype(dtype, ("real floating", "complex floating")))


def _second(fun: Callable[..., Any], ct: Any, tangents: tuple[Any, ...]) -> Callable[..., Any]:
    """``x -> <grad_x <ct, fun(x)>, tangents>``: its gradient is a second derivative."""

    def inner(*xs: Any) -> Any:
        pairs = zip(tree_leaves(fun(*xs)), tree_leaves(ct), strict=True)
        # Integer and boolean answers (indices, tests) have no derivative to pair with.
        return sum(
            (pnp.sum(pnp.real(leaf * pnp.conj(c))) for leaf, c in pairs if _is_inexact(leaf)),
            0.0,
        )

    def first(*xs: Any) -> Any:
        grads = paralens.grad(inner, argnums=tuple(range(len(xs))))(*xs)
        pairs = zip(grads, tangents, strict=True)
        return sum((pnp.sum(pnp.real(g * pnp.conj(t))) for g, t in pairs), 0.0)

    return first
