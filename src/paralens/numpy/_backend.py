"""Arrays of other libraries: PyTorch, CuPy, JAX, and any array of the array API standard.

A ``paralens.numpy`` function given such an array computes with that array's namespace,
through the Python array API standard (``array-api-compat`` covers PyTorch's and CuPy's
gaps), so that the same model code trains on ``torch.Tensor`` on the CPU or a GPU. A type
is recognised the first time it is met and remembered (``paralens._core._backends``); on
NumPy's arrays nothing here runs.

This module recognises the types and gives each its vector space, and holds what the
rules ask of such an array in the branches NumPy's values never take (its dtype's kind,
constants of its library and device); the forms of the primitives on such arrays are in
``_backend_forms.py`` and ``_backend_forms_more.py``.

Examples:
    >>> import array_api_strict as xs
    >>> import paralens, paralens.numpy as pnp
    >>> x = xs.asarray([0.0, 1.0])
    >>> paralens.grad(lambda x: pnp.sum(pnp.sin(x)))(x)
    Array([1.        , 0.54030231], dtype=array_api_strict.float64)
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from paralens._core import _backends, plain_value
from paralens._core._trace import TRACED
from paralens._core._vspace import register_leaf
from paralens.tree._convert import to_numpy as to_numpy

# The libraries whose array types are recognised by the module that defines them, and the
# namespace each computes with: the array API's own, or array-api-compat's wrapper.
_COMPAT = {"torch": "array_api_compat.torch", "cupy": "array_api_compat.cupy"}
_NATIVE_API = {"jax": "jax.numpy", "array_api_strict": "array_api_strict"}


def _namespace_for(cls: type) -> Any:
    library = cls.__module__.partition(".")[0]
    if library in _COMPAT:
        try:
            return importlib.import_module(_COMPAT[library])
        except ImportError:
            raise ImportError(
                f"computing on {library} arrays needs array-api-compat: "
                f"pip install 'paralens[array-api]'"
            ) from None
    if library in _NATIVE_API:
        return importlib.import_module(_NATIVE_API[library])
    if hasattr(cls, "__array_namespace__"):
        module = importlib.import_module(library)
        if hasattr(module, "__array_api_version__"):
            return module
    return None


def _resolve(cls: type) -> bool:
    """Register ``cls`` if it is an array type of another library (see ``_backends``)."""
    if issubclass(cls, (np.ndarray, np.generic)) or not hasattr(cls, "shape"):
        return False
    xp = _namespace_for(cls)
    if xp is None:
        return False
    _backends.register_backend_type(cls, xp, copy=_copier(xp), memory=_memory_of(cls))
    register_leaf(
        cls,
        zeros=lambda x: xp.zeros_like(x),
        add=lambda x, y: x + y,
        ones=lambda x: xp.ones_like(x),
        scale=lambda a, x: a * x,
        inner=lambda x, y: float(xp.real(xp.sum(xp.conj(x) * y))),
        coerce=_coercer(xp),
        is_integer=lambda x: not xp.isdtype(x.dtype, ("real floating", "complex floating")),
        basis=lambda x: [xp.asarray(e, device=_device(x)) for e in _numpy_basis(x)],
    )
    return True


def _memory_of(cls: type) -> Any:
    """What identifies the buffer of an array of ``cls``: torch's storage, the NumPy array
    under an array-api-strict array; any other array is its own (see ``_backends``)."""
    library = cls.__module__.partition(".")[0]
    if library == "torch":
        return lambda t: ("torch", t.untyped_storage().data_ptr())
    if library == "array_api_strict":
        return lambda a: id(a._array if a._array.base is None else a._array.base)
    return id


def _copier(xp: Any) -> Any:
    def copy(x: Any) -> Any:
        return xp.asarray(x, copy=True)

    return copy


def _device(x: Any) -> Any:
    return getattr(x, "device", None)


def _coercer(xp: Any) -> Any:
    def coerce(primal: Any, ct: Any) -> Any:
        if type(ct) is type(primal) and ct.dtype == primal.dtype and ct.shape == primal.shape:
            return ct
        if _backends.backend_of_type(type(ct)) is None:
            ct = np.asarray(ct)
            if ct.dtype.kind == "c" and not xp.isdtype(primal.dtype, "complex floating"):
                ct = ct.real
        out = xp.asarray(ct, device=_device(primal))
        if out.dtype != primal.dtype:
            out = xp.astype(out, primal.dtype)
        if out.shape != primal.shape:
            out = xp.broadcast_to(out, primal.shape) + xp.zeros_like(primal)
        return out

    return coerce


def _numpy_basis(x: Any) -> list[Any]:
    n = int(np.prod(x.shape))
    return [np.eye(n)[i].reshape(tuple(x.shape)) for i in range(n)]


_backends.register_resolver(_resolve)


def namespace(x: Any) -> Any:
    """The array namespace ``x`` computes with: NumPy for NumPy values and Python numbers,
    the array API namespace of another library's array (``array_api_compat.torch``...).

    Examples:
        >>> namespace(np.ones(2)) is np
        True
    """
    found = _backends.backend_of_type(type(plain_value(x)))
    return np if found is None else found


# ---- What the rules ask of a value of another library ------------------------------------
# The rules read dtypes and build constants with NumPy; on another library's array they
# ask these instead, in a branch NumPy's values never take.


def namespace_of(x: Any) -> Any:
    """The namespace of ``x`` (traced or not) if it is an array of another library, else
    ``None``."""
    return _backends.backend_of_type(type(plain_value(x)))


def is_complex_array(x: Any) -> bool:
    """Whether ``x``, an array of another library (traced or not), is complex."""
    plain = plain_value(x)
    return bool(_backends.BACKENDS[type(plain)].isdtype(plain.dtype, "complex floating"))


def is_floating_array(x: Any) -> bool:
    """Whether ``x``, an array of another library (traced or not), is real or complex
    floating."""
    plain = plain_value(x)
    xp = _backends.BACKENDS[type(plain)]
    return bool(xp.isdtype(plain.dtype, ("real floating", "complex floating")))


def floating_dtype_like(xp: Any, like: Any) -> Any:
    """The dtype of ``like`` if it is a floating array of ``xp``; else float64 of ``xp``
    (a Python float's precision, as NumPy promotes an integer or boolean to)."""
    plain = plain_value(like)
    if type(plain) in _backends.BACKENDS and is_floating_array(plain):
        return plain.dtype
    if isinstance(plain, np.ndarray | np.generic) and plain.dtype.kind in "fc":
        return getattr(xp, plain.dtype.name)
    return xp.float64


def indicator_on_backend(condition: Any, like: Any) -> Any:
    """``condition`` (a boolean array of another library) as 0 and 1 in the floating dtype
    of ``like``."""
    xp = _backends.BACKENDS[type(condition)]
    return xp.astype(condition, floating_dtype_like(xp, like))


def constant_like(value: Any, like: Any) -> Any:
    """A NumPy constant (an identity matrix, a mask) as an array of the library and device
    of ``like`` (traced or not); a number, or any constant beside a NumPy ``like``, as it is.
    """
    plain = plain_value(like)
    cls = type(plain)
    xp = None if cls in _backends.NATIVE else _backends.backend_of_type(cls)
    if xp is None or isinstance(value, bool | int | float | complex):
        return value
    return xp.asarray(np.array(value, copy=True), device=_device(plain))


def on_library_of(value: Any, like: Any) -> Any:
    """``value`` (a number, traced or not) as a 0-d array of the library, dtype and device of
    ``like`` when ``like`` is another library's array and ``value`` is not; else ``value``.

    A rule that broadcasts a Python number to a shape would otherwise build a NumPy array.
    """
    plain_like = plain_value(like)
    xp = _backends.BACKENDS.get(type(plain_like))
    if xp is None or type(plain_value(value)) in _backends.BACKENDS:
        return value
    plain = plain_value(value)
    if not isinstance(plain, bool | int | float | complex | np.generic):
        return value
    if value is plain and isinstance(plain, np.generic):
        value = plain.item()  # NumPy's operators would turn the other array into NumPy's
    return value + xp.zeros((), dtype=plain_like.dtype, device=_device(plain_like))


def is_var_or_foreign(x: Any) -> bool:
    """Whether ``x`` is traced or an array of another library: a composite computes it
    through its primitives, not with NumPy's function, which would turn it into NumPy's."""
    cls = type(x)
    return cls in TRACED or (
        cls not in _backends.NATIVE and _backends.backend_of_type(cls) is not None
    )


def result_dtype(*values: Any) -> Any:
    """``numpy.result_type`` of ``values`` (traced or not); where one is another library's
    array, that library's result type of them (a dtype of that library)."""
    plains = [plain_value(v) for v in values]
    foreign = [p for p in plains if type(p) in _backends.BACKENDS]
    if not foreign:
        return np.result_type(*plains)
    xp = _backends.BACKENDS[type(foreign[0])]
    dtypes = [
        p.dtype
        if type(p) in _backends.BACKENDS
        else getattr(xp, np.result_type(p).name)
        if isinstance(p, np.ndarray | np.generic)
        else p
        for p in plains
    ]
    return xp.result_type(*dtypes)


def is_inexact_dtype(dtype: Any, like: Any) -> bool:
    """Whether ``dtype`` (NumPy's, or that of the library of ``like``) is real or complex
    floating."""
    kind = getattr(dtype, "kind", None)
    if kind is not None:
        return bool(kind in "fc")
    xp = _backends.BACKENDS[type(plain_value(like))]
    return bool(xp.isdtype(dtype, ("real floating", "complex floating")))


def any_entry(condition: Any) -> bool:
    """Whether any entry of ``condition`` (a NumPy or another library's array) holds."""
    xp = _backends.BACKENDS.get(type(condition))
    return bool(np.any(condition) if xp is None else xp.any(condition))


def dtype_named_in(xp: Any, dtype: Any) -> Any:
    """A NumPy dtype (or type, or name) as the dtype of namespace ``xp``; a dtype of
    ``xp`` as it is.

    Raises:
        TypeError: ``xp`` has no dtype of that name.
    """
    try:
        name = np.dtype(dtype).name
    except TypeError:
        return dtype
    found = getattr(xp, name, None)
    if found is None:
        raise TypeError(f"the array library {xp.__name__} has no dtype {name}")
    return found


def is_boolean(x: Any) -> bool:
    """Whether ``x``, a NumPy array or another library's, holds booleans."""
    xp = _backends.BACKENDS.get(type(x))
    if xp is None:
        return bool(np.result_type(x) == np.bool_)
    return bool(xp.isdtype(x.dtype, "bool"))


def library_to_numpy_dtype(x: Any) -> Any:
    """The NumPy dtype of the name of ``x``'s dtype (``x`` another library's array), as a
    0-d NumPy zero of it, for NumPy's promotion of the constants made beside ``x``."""
    plain = plain_value(x)
    xp = _backends.BACKENDS[type(plain)]
    return np.zeros((), to_numpy(xp.zeros((), dtype=plain.dtype, device=_device(plain))).dtype)
