"""NumPy's own functions on traced values: the pnp function of the same name, or a clear error.

A Var answers ``__array_ufunc__`` (``np.sin(v)``, ``ndarray + v``), ``__array_function__``
(``np.sum(v)``, ``np.linalg.inv(v)``) and ``__array__`` (``np.asarray(v)``, which refuses).
"""

from __future__ import annotations

import operator

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens.testing import check_grads

A = np.array([[1.0, -2.0], [0.5, 3.0]])
UFUNC_OF = {
    operator.add: np.add,
    operator.sub: np.subtract,
    operator.mul: np.multiply,
    operator.truediv: np.divide,
    operator.matmul: np.matmul,
    operator.pow: np.power,
}
X = np.array([0.3, -1.2])


@pytest.mark.parametrize(
    "op",
    [operator.add, operator.sub, operator.mul, operator.truediv, operator.matmul, operator.pow],
)
def test_an_ndarray_on_the_left_of_an_operator_is_the_reflected_operator(op):
    left = np.abs(A) + 0.5 if op is operator.pow else A

    def with_ndarray_left(x):
        return pnp.sum(op(left, x))

    def with_numpy_ufunc(x):  # the same ufunc called by name
        return pnp.sum(UFUNC_OF[op](left, x))

    x = np.abs(X) + 0.5
    check_grads(with_ndarray_left, (x,), order=2)
    np.testing.assert_allclose(
        paralens.grad(with_ndarray_left)(x), paralens.grad(with_numpy_ufunc)(x)
    )


@pytest.mark.parametrize(
    ("numpys", "ours"),
    [
        (np.sin, pnp.sin),
        (np.exp, pnp.exp),
        (np.tanh, pnp.tanh),
        (np.sqrt, pnp.sqrt),
        (np.abs, pnp.abs),
        (np.negative, pnp.negative),
        (lambda x: np.sum(x), lambda x: pnp.sum(x)),
        (lambda x: np.mean(x**2), lambda x: pnp.mean(x**2)),
        (lambda x: np.maximum(x, 0.5), lambda x: pnp.maximum(x, 0.5)),
        (lambda x: np.dot(A, x), lambda x: pnp.dot(A, x)),
        (lambda x: np.reshape(x, (2, 1)), lambda x: pnp.reshape(x, (2, 1))),
        (lambda x: np.where(x > 0, x, 0.0), lambda x: pnp.where(x > 0, x, 0.0)),
        (lambda x: np.linalg.inv(A * x), lambda x: pnp.linalg.inv(A * x)),
        (lambda x: np.linalg.det(A * x), lambda x: pnp.linalg.det(A * x)),
    ],
)
def test_numpys_functions_compute_with_the_pnp_function_of_the_same_name(numpys, ours):
    x = np.abs(X) + 0.5
    np.testing.assert_allclose(paralens.jacrev(numpys)(x), paralens.jacrev(ours)(x))
    np.testing.assert_allclose(paralens.jacfwd(numpys)(x), paralens.jacrev(ours)(x))
    check_grads(numpys, (x,), order=2)


def test_numpys_functions_work_at_every_level_of_nesting():
    d2 = paralens.grad(paralens.grad(lambda x: np.sin(x) * np.exp(x)))(0.5)
    expected = paralens.grad(paralens.grad(lambda x: pnp.sin(x) * pnp.exp(x)))(0.5)
    assert np.isclose(d2, expected)


@pytest.mark.parametrize(
    ("f", "name"),
    [
        (lambda x: np.median(x), "np.median"),
        (lambda x: np.cbrt(x), "np.cbrt"),
        (lambda x: np.interp(0.5, x, x), "np.interp"),
        (lambda x: np.percentile(x, 50.0), "np.percentile"),
    ],
)
def test_a_numpy_function_without_a_differentiable_twin_raises_naming_it(f, name):
    with pytest.raises(TypeError) as info:
        paralens.grad(lambda x: pnp.sum(f(x)))(np.abs(X) + 0.5)
    message = str(info.value)
    assert f"{name} was called on a traced value" in message and "v.value" in message


def test_truth_valued_and_reading_functions_compute_on_the_plain_values():
    def f(x):
        assert isinstance(np.isfinite(x), np.ndarray) and np.isfinite(x).all()
        assert np.greater(x, -5.0).all() and np.any(x > 0) and np.count_nonzero(x) == 2
        assert np.result_type(x) == np.float64 and np.shape(x) == (2,) and np.ndim(x) == 1
        assert np.allclose(x, X) and np.argmax(x) == 0
        return pnp.sum(x)

    np.testing.assert_array_equal(paralens.grad(f)(X), [1.0, 1.0])


def test_in_place_and_out_refuse_to_write_a_traced_value_into_a_plain_array():
    def in_place(x):
        total = np.zeros(2)
        total += x
        return pnp.sum(total)

    with pytest.raises(TypeError, match=r"a \+= v .* write a = a \+ v"):
        paralens.grad(in_place)(X)
    with pytest.raises(TypeError, match="out="):
        paralens.grad(lambda x: pnp.sum(np.exp(x, out=np.zeros(2))))(X)


def test_ufunc_methods_and_keyword_arguments_name_what_to_call():
    with pytest.raises(TypeError, match=r"np.add.reduce .*pnp.sum for np.add.reduce"):
        paralens.grad(lambda x: np.add.reduce(x))(X)
    with pytest.raises(TypeError, match=r"np.exp was called on a traced value with dtype="):
        paralens.grad(lambda x: pnp.sum(np.exp(x, dtype=np.float32)))(X)
    with pytest.raises(TypeError, match=r"pnp.sum does not take these arguments"):
        paralens.grad(lambda x: np.sum(x, initial=1.0))(X)


def test_conversions_to_plain_values_refuse_naming_v_value_and_pnp_asarray():
    for convert in (np.asarray, np.array, float, int, complex, lambda v: np.array([v, v])):
        with pytest.raises(TypeError) as info:
            paralens.grad(lambda x: pnp.sum(convert(x)))(1.0)
        assert "v.value" in str(info.value) and "pnp.asarray" in str(info.value)
