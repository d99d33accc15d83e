"""The op spec table on the arrays of other libraries: array-api-strict and torch CPU tensors.

Every row of ``test_numpy_ops.OPS`` but linear algebra's and the FFT's (their own file)
runs through ``backend_checks.check_on_backend`` for each of its shapes, in float64 and
float32, and in complex128 where the table checks complex values: its value,
reverse and forward derivatives, and a second-order reverse derivative, computed on the
library's arrays, equal NumPy's, and every array returned is of that library.
array-api-strict's arrays sit on a device that refuses conversion to NumPy, so a rule
that computes with NumPy behind the library's back fails there.

A row that cannot compute on a library is in ``UNSUPPORTED`` (with the reason), and must
raise a TypeError naming the function and the library; a row whose function mixes a NumPy
array of data with the library's (``where(cond, x, y)`` with a NumPy ``cond``) must raise
naming both libraries.
"""

import re

import numpy as np
import pytest

import numpy_ops_linalg_fft
import paralens
import paralens.numpy as pnp
import test_numpy_ops as table
from backend_checks import LIBRARIES, check_on_backend, library_to_numpy, module, to_library

LINALG_FFT = {op.name for op in numpy_ops_linalg_fft.rows(table.Op)}
ROWS = [op for op in table.OPS if op.name not in LINALG_FFT]

# Row name -> why it cannot compute on another library (it raises a TypeError there).
UNSUPPORTED = {
    "argpartition(1)": "argpartition: the standard has no partition, and the order NumPy "
    "leaves the other entries in is its own",
    "partition(1)": "argpartition (partition's positions): as argpartition",
    "partition((0, 2), axis=0)": "argpartition (partition's positions): as argpartition",
}
# Rows whose function holds a NumPy array of data beside the library's arrays: they raise
# a TypeError naming both libraries (paralens never converts between them silently).
MIXED = {
    "where(cond, x, y)": "where",
    "diff(prepend=0.5, append=array([1., 2.]))": "concatenate",
    "gradient(array([0.  , 0.5 , 1.5 , 1.75]))": "gradient",
    "gradient(array([0.  , 0.5 , 1.5 , 1.75]), axis=1, edge_order=2)": "gradient",
}
# Rows whose NumPy answer is about NumPy's own types: isscalar is True of a NumPy scalar
# (the table's 0-d inputs), False of a 0-d array, NumPy's or another library's.
DIFFERENT = {"isscalar"}


def _cases(dtypes, libraries, rows):
    return [
        pytest.param(
            op, shapes, dtype, library, id=f"{op.name}-{shapes}-{dtype.__name__}-{library}"
        )
        for op in rows
        for shapes in op.shapes
        for dtype in dtypes
        for library in libraries
    ]


LISTED = set(UNSUPPORTED) | set(MIXED) | DIFFERENT
COMPUTED = [op for op in ROWS if op.name not in LISTED]
COMPLEX = [op for op in COMPUTED if op.complex or table._complex_too(op)]
# Orderings of complex values (maximum, max, sort, clip...) are NumPy's lexicographic ones;
# the standard defines none, and these rows raise on the libraries' complex arrays instead.
COMPLEX_ORDERED = (
    *("maximum", "minimum", "fmax", "fmin", "clip(", "max{", "min{", "ptp(", "sort(", "x[x.argmax"),
    *("partition(", "select("),
)
COMPLEX_COMPUTED = [op for op in COMPLEX if not op.name.startswith(COMPLEX_ORDERED)]


@pytest.mark.parametrize(
    ("op", "shapes", "dtype", "library"), _cases((np.float64, np.float32), LIBRARIES, COMPUTED)
)
def test_rows_compute_on_the_library(op, shapes, dtype, library):
    check_on_backend(op.fun, table._inputs(op, shapes, dtype), library, plain=op.ref is not None)


@pytest.mark.parametrize(
    ("op", "shapes", "dtype", "library"), _cases((np.complex128,), LIBRARIES, COMPLEX_COMPUTED)
)
def test_complex_rows_compute_on_the_library(op, shapes, dtype, library):
    check_on_backend(op.fun, table._inputs(op, shapes, dtype), library, plain=op.ref is not None)


def _library_name(library):
    return "torch" if library == "torch" else "array_api_strict"


def _on(op, shapes, dtype, library):
    return tuple(to_library(a, library) for a in table._inputs(op, shapes, dtype))


@pytest.mark.parametrize(
    ("op", "shapes", "dtype", "library"),
    _cases((np.float64,), LIBRARIES, [op for op in ROWS if op.name in UNSUPPORTED]),
)
def test_unsupported_rows_raise_naming_the_function_and_the_library(op, shapes, dtype, library):
    function = UNSUPPORTED[op.name].partition(" ")[0].rstrip(":")
    with pytest.raises(TypeError, match=rf"{function}.*{_library_name(library)}"):
        op.fun(*_on(op, shapes, dtype, library))
    with pytest.raises(TypeError, match=rf"{function}.*{_library_name(library)}"):
        paralens.vjp(op.fun, *_on(op, shapes, dtype, library))


@pytest.mark.parametrize(
    ("op", "shapes", "dtype", "library"),
    _cases((np.float64,), LIBRARIES, [op for op in ROWS if op.name in MIXED]),
)
def test_rows_mixing_numpy_data_raise_naming_both_libraries(op, shapes, dtype, library):
    both = rf"{MIXED[op.name]} was given arrays of different libraries \(.*numpy.ndarray.*\)"
    with pytest.raises(TypeError, match=both):
        op.fun(*_on(op, shapes, dtype, library))
    with pytest.raises(TypeError, match=both):
        paralens.grad(lambda *xs: pnp.sum(op.fun(*xs)))(*_on(op, shapes, dtype, library))


@pytest.mark.parametrize("library", LIBRARIES)
def test_isscalar_of_a_0d_array_is_false_as_on_numpy(library):
    assert pnp.isscalar(np.float64(1.0)) and not pnp.isscalar(np.array(1.0))
    assert pnp.isscalar(to_library(np.array(1.0), library)) is False


def test_complex_orderings_raise_on_torch_naming_the_function():
    z = to_library(np.array([1.0 + 2.0j, -1.0 + 0.5j]), "torch")
    for name, fun in [
        ("max", pnp.max),
        ("argsort", pnp.sort),
        ("argmax", pnp.argmax),
        ("maximum", lambda z: pnp.maximum(z, z)),
        ("clip", lambda z: pnp.clip(z, -0.5, 0.5)),
    ]:
        with pytest.raises(TypeError, match=rf"{name} orders complex values.*torch"):
            fun(z)


# The rows of COMPLEX_ORDERED but select's, whose own x < 0 is torch's (which refuses it).
ORDERED_ROWS = [
    op
    for op in COMPLEX
    if op.name.startswith(COMPLEX_ORDERED) and not op.name.startswith("select(")
]


@pytest.mark.parametrize(
    ("op", "shapes", "dtype", "library"), _cases((np.complex128,), LIBRARIES, ORDERED_ROWS)
)
def test_complex_rows_that_order_raise_naming_the_library(op, shapes, dtype, library):
    with pytest.raises(TypeError, match=rf"(complex|argpartition).*{_library_name(library)}"):
        paralens.vjp(op.fun, *_on(op, shapes, dtype, library))


@pytest.mark.parametrize("library", LIBRARIES)
def test_numpy_functions_of_traced_library_arrays_compute_with_the_library(library):
    # NumPy's protocols hand a traced value to paralens.numpy, which computes with the library.
    def f(t):
        return np.sum(np.tanh(t) * np.exp(t)) + np.mean(np.maximum(t, 0.0))

    check_on_backend(f, (np.array([0.5, -1.0, 2.0]),), library, plain=False)


# ---- Mixed libraries -----------------------------------------------------------------------


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize(
    "fun",
    [
        lambda t, a: pnp.add(t, a),
        lambda t, a: pnp.maximum(t, a),
        lambda t, a: pnp.where(t > 0, t, a),
        lambda t, a: pnp.concatenate([t, a]),
        lambda t, a: pnp.stack([t, a]),
        lambda t, a: pnp.matmul(t, a),
    ],
    ids=["add", "maximum", "where", "concatenate", "stack", "matmul"],
)
def test_a_library_array_beside_a_numpy_array_raises_naming_both(fun, library):
    t, a = to_library(np.ones(3), library), np.ones(3)
    kind = "torch.Tensor" if library == "torch" else "array_api_strict"
    both = rf"different libraries \((?=.*numpy\.ndarray)(?=.*{kind}).*\)"
    with pytest.raises(TypeError, match=both):
        fun(t, a)
    with pytest.raises(TypeError, match=both):
        paralens.grad(lambda t: pnp.sum(fun(t, a)))(t)
    with pytest.raises(TypeError, match=both):
        paralens.jvp(lambda t: fun(t, a), (t,), (t,))
    # Traced NumPy beside a constant of the library, also where no rule reads the constant
    # (add's operands: the tape keeps only their shapes).
    with pytest.raises(TypeError, match=both):
        paralens.grad(lambda a: pnp.sum(fun(t, a)))(a)
    with pytest.raises(TypeError, match=both):
        paralens.grad(lambda a: pnp.sum(fun(a, t)))(a)


@pytest.mark.parametrize("library", LIBRARIES)
def test_numpy_scalars_and_python_numbers_beside_library_arrays_are_numbers(library):
    t = to_library(np.array([1.0, 2.0]), library)
    for number in (2.0, np.float64(2.0), np.array(2.0)):
        out = pnp.multiply(t, number)
        np.testing.assert_array_equal(library_to_numpy(out, library), [2.0, 4.0])


# ---- Var's operators and methods, and building arrays ----------------------------------------


@pytest.mark.parametrize("library", LIBRARIES)
def test_operators_of_traced_library_arrays_compute_with_the_library(library):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))

    def f(x, y):
        assert x.size == 6 and len(x) == 2 and x.shape == (2, 3) and x.ndim == 2
        z = (x * 2.0 - 1.0) @ y + x.T.sum() - (x[0] ** 2).mean()
        return (z / 3.0 + x[:, 1:].sum()).max(axis=0).sum() + abs(-x).prod() + x.T[1, ...].sum()

    check_on_backend(f, (x, y), library, plain=False)


@pytest.mark.parametrize("library", LIBRARIES)
def test_array_stack_and_asarray_keep_library_arrays(library):
    lib = module(library)
    t = to_library(np.array([1.0, 2.0]), library)
    assert pnp.asarray(t) is t
    for built in (pnp.array([t, t]), pnp.stack([t, t]), pnp.array([t, 2.0 * t])):
        assert isinstance(built, type(t)) and tuple(built.shape) == (2, 2)
    copied = pnp.array(t)
    assert isinstance(copied, type(t)) and copied is not t
    float32 = pnp.asarray(t, dtype=np.float32)
    assert float32.dtype == lib.float32

    def f(t):
        return pnp.sum(pnp.array([t[0] * t[1], t[0]]) * pnp.stack([t, t])[1])

    check_on_backend(f, (np.array([1.5, -0.5]),), library, plain=False)


@pytest.mark.parametrize("library", LIBRARIES)
def test_repeated_indices_scatter_add_in_the_gradient(library):
    x = to_library(np.array([1.0, 2.0, 3.0]), library)
    weights = to_library(np.array([1.0, 2.0, 3.0, 4.0]), library)
    index = [0, 0, 2, 0]
    g = paralens.grad(lambda x: pnp.sum(x[index] * weights))(x)
    np.testing.assert_array_equal(library_to_numpy(g, library), [7.0, 0.0, 3.0])


def test_torch_index_tensors_gather_and_scatter_on_torch():
    torch = module("torch")
    logits = torch.asarray(np.random.default_rng(2).standard_normal((4, 3)))
    labels = torch.asarray([0, 2, 2, 1])

    def loss(logits):
        return -pnp.mean(pnp.log_softmax(logits)[torch.arange(4), labels])

    g = paralens.grad(loss)(logits)
    ref = paralens.grad(lambda x: -pnp.mean(pnp.log_softmax(x)[np.arange(4), labels.numpy()]))(
        logits.numpy()
    )
    assert isinstance(g, torch.Tensor)
    np.testing.assert_allclose(g.numpy(), ref, rtol=1e-12)


def test_the_table_is_covered():
    # Every row but linear algebra's and the FFT's is checked, or listed with its reason.
    listed = LISTED
    checked = {op.name for op in COMPUTED}
    missing = sorted({op.name for op in ROWS} - checked - listed)
    assert not missing, missing
    assert not listed - {op.name for op in ROWS}, "a listed row is no row of the table"
    assert all(re.match(r"^\w+:? ", reason) for reason in UNSUPPORTED.values())


@pytest.mark.parametrize("library", LIBRARIES)
def test_python_floats_beside_library_arrays_get_python_float_gradients(library):
    t = to_library(np.array([0.5, 1.0]), library)
    gs, gt = paralens.grad(lambda s, t: pnp.sum(pnp.tanh(s * t)), argnums=(0, 1))(0.7, t)
    ref = paralens.grad(lambda s, t: pnp.sum(pnp.tanh(s * t)), argnums=(0, 1))(
        0.7, np.array([0.5, 1.0])
    )
    assert type(gs) is float and isinstance(gt, type(t))
    np.testing.assert_allclose(gs, ref[0], rtol=1e-12)
    np.testing.assert_allclose(library_to_numpy(gt, library), ref[1], rtol=1e-12)


@pytest.mark.parametrize("library", LIBRARIES)
def test_filled_arrays_like_library_arrays_are_of_the_library(library):
    t = to_library(np.array([0.5, 1.0], dtype=np.float32), library)
    for out in (pnp.full_like(t, 3.0), pnp.zeros_like(t), pnp.ones_like(t), pnp.empty_like(t)):
        assert isinstance(out, type(t)) and out.dtype == t.dtype and tuple(out.shape) == (2,)
    np.testing.assert_array_equal(library_to_numpy(pnp.full_like(t, 3.0), library), [3.0, 3.0])

    def f(t):
        return pnp.sum(pnp.full((2, 2), t[0]) * pnp.full_like(t, t[1])) + pnp.sum(pnp.full(2, t))

    check_on_backend(f, (np.array([0.5, -1.5]),), library, plain=False)


@pytest.mark.parametrize("library", LIBRARIES)
def test_cotangents_of_library_outputs_are_checked(library):
    t = to_library(np.array([0.5, 1.0]), library)
    _, pullback = paralens.vjp(pnp.sin, t)
    with pytest.raises(ValueError, match="shape"):
        pullback(to_library(np.ones(3), library))
    with pytest.raises(TypeError, match="complex where the output is real"):
        pullback(to_library(np.ones(2) + 1j, library))


def test_grad_of_a_complex_torch_answer_raises():
    z = to_library(np.array([1.0 + 1.0j]), "torch")
    with pytest.raises(TypeError, match="returned a complex one"):
        paralens.grad(lambda z: pnp.sum(z * z))(z)


def _memory(x, library):
    if library == "torch":
        return x.untyped_storage().data_ptr()
    return id(x._array if x._array.base is None else x._array.base)


@pytest.mark.parametrize("library", LIBRARIES)
def test_no_two_values_handed_back_share_memory_on_the_library(library):
    x, y = to_library(np.ones(3), library), to_library(np.ones(3), library)
    # x + y's pullback gives both arguments the one cotangent: each gets its own.
    gx, gy = paralens.grad(lambda x, y: pnp.sum(x + y), argnums=(0, 1))(x, y)
    assert _memory(gx, library) != _memory(gy, library)
    # The caller's cotangent and tangent are never handed back as a gradient or tangent.
    _, pull = paralens.vjp(lambda x: x, x)
    assert _memory(pull(y)[0], library) != _memory(y, library)
    _, tangent = paralens.jvp(lambda x: x, (x,), (y,))
    assert _memory(tangent, library) != _memory(y, library)
