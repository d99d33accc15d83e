"""Complex values: HIPS autograd's convention for gradients, checked against its definition.

For ``f(z) = u(x, y) + i v(x, y)`` the gradient is ``du/dx - i du/dy`` (autograd's
``docs/tutorial.md``, "Complex numbers"): a holomorphic function gets its complex
derivative, a real function of complex values the conjugate of its steepest ascent, and a
real input a real gradient. The values below were also compared with autograd itself
(``autograd.grad`` on the same functions gives the same numbers); here they are compared
with the definition, by central differences along the real and the imaginary axis.
"""

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens.extend import defjvp, defvjp, primitive
from paralens.testing import check_grads

Z = 1.0 + 2.0j
ZS = np.array([1.0 + 2.0j, -0.5 + 0.3j, 0.7 - 1.1j])


def by_definition(f, z, h=1e-6):
    """``du/dx - i du/dy`` for ``u = Re f`` at a complex number ``z``, by central differences."""

    def u(w):
        return float(np.real(f(w)))

    du_dx = (u(z + h) - u(z - h)) / (2 * h)
    du_dy = (u(z + 1j * h) - u(z - 1j * h)) / (2 * h)
    return du_dx - 1j * du_dy


# Real-valued functions of a complex number: non-holomorphic ones, and real parts of
# holomorphic ones.
REAL_VALUED = {
    "abs(2j z) ** 2": lambda z: abs(2j * z) ** 2,
    "real(z * z)": lambda z: pnp.real(z * z),
    "imag(z * z)": lambda z: pnp.imag(z * z),
    "angle(z)": lambda z: pnp.angle(z),
    "angle(z, deg=True)": lambda z: pnp.angle(z, deg=True),
    "abs(z)": lambda z: pnp.abs(z),
    "real(conj(z) * z)": lambda z: pnp.real(pnp.conj(z) * z),
    "imag(conj(z) ** 2)": lambda z: pnp.imag(pnp.conj(z) ** 2),
    "real(sin(z))": lambda z: pnp.real(pnp.sin(z)),
    "real(exp(z) / z)": lambda z: pnp.real(pnp.exp(z) / z),
    "real(z ** 3)": lambda z: pnp.real(z**3),
    "real(z ** z)": lambda z: pnp.real(z**z),
    "abs(log(z))": lambda z: pnp.abs(pnp.log(z)),
    "real(sqrt(z))": lambda z: pnp.real(pnp.sqrt(z)),
    "real(tanh(z))": lambda z: pnp.real(pnp.tanh(z)),
    "real(arccosh(z))": lambda z: pnp.real(pnp.arccosh(z)),
    "imag(arcsin(z))": lambda z: pnp.imag(pnp.arcsin(z)),
    "real(sign(z))": lambda z: pnp.real(pnp.sign(z)),
    "abs(z) * real(z)": lambda z: pnp.abs(z) * z.real,
    "z.imag ** 2": lambda z: z.imag**2,
    "real(z) % 1.5 + imag(z)": lambda z: pnp.real(z) % 1.5 + pnp.imag(z),
    "var([z, 2z, 1])": lambda z: pnp.var(pnp.stack([z, 2 * z, 1.0 + 0j])),
}


@pytest.mark.parametrize("name", REAL_VALUED)
def test_gradients_of_real_functions_follow_autograds_convention(name):
    f = REAL_VALUED[name]
    g = paralens.grad(f)(Z)
    assert type(g) is complex
    np.testing.assert_allclose(g, by_definition(f, Z), rtol=1e-6, atol=1e-8)
    check_grads(f, (Z,), order=2)


def test_the_issues_examples():
    # autograd gives 8-16j (the gradient of 4|z|^2 is 8x - 8iy); paralens gave -8-16j.
    assert paralens.grad(lambda z: abs(2j * z) ** 2)(1 + 2j) == pytest.approx(8 - 16j)
    # |exp(ix)| is 1 for every real x; paralens gave -0.565.
    assert paralens.grad(lambda x: pnp.abs(pnp.exp(1j * x)))(0.3) == pytest.approx(0.0, abs=1e-15)


def test_gradients_of_arrays_follow_the_convention_entry_by_entry():
    def f(z):
        return pnp.sum(pnp.abs(z) ** 3 + pnp.real(pnp.exp(z)))

    g = paralens.grad(f)(ZS)
    assert g.dtype == np.complex128
    for i, z in enumerate(ZS):
        others = np.delete(ZS, i)

        def of_one(w, others=others, i=i):
            return f(np.insert(others, i, w))

        assert g[i] == pytest.approx(by_definition(of_one, z), rel=1e-6)


# Holomorphic functions and their derivatives: reverse mode pulls 1 back to f'(z), and
# forward mode pushes 1 forward to f'(z).
HOLOMORPHIC = {
    "exp": (pnp.exp, np.exp),
    "sin": (pnp.sin, np.cos),
    "log": (pnp.log, lambda z: 1 / z),
    "sqrt": (pnp.sqrt, lambda z: 0.5 / np.sqrt(z)),
    "tanh": (pnp.tanh, lambda z: 1 / np.cosh(z) ** 2),
    "reciprocal": (pnp.reciprocal, lambda z: -1 / z**2),
    "exp2": (pnp.exp2, lambda z: np.log(2) * 2**z),
    "log10": (pnp.log10, lambda z: 1 / (z * np.log(10))),
    "arcsin": (pnp.arcsin, lambda z: 1 / np.sqrt(1 - z**2)),
    "arccosh": (pnp.arccosh, lambda z: 1 / (np.sqrt(z - 1) * np.sqrt(z + 1))),
    "arctanh": (pnp.arctanh, lambda z: 1 / (1 - z**2)),
    "sinc": (pnp.sinc, lambda z: (np.cos(np.pi * z) - np.sinc(z)) / z),
    "z ** 3": (lambda z: z**3, lambda z: 3 * z**2),
    "z / (1 + z)": (lambda z: z / (1 + z), lambda z: 1 / (1 + z) ** 2),
    "sigmoid": (pnp.sigmoid, lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
}


@pytest.mark.parametrize("name", HOLOMORPHIC)
@pytest.mark.parametrize("z", [Z, -1.5 + 0.5j, 0.3 - 0.8j])
def test_holomorphic_functions_get_their_complex_derivative(name, z):
    f, derivative = HOLOMORPHIC[name]
    expected = derivative(z)
    _, pullback = paralens.vjp(f, z)
    assert pullback(1.0 + 0j)[0] == pytest.approx(expected, rel=1e-9)
    assert paralens.jvp(f, (z,), (1.0 + 0j,))[1] == pytest.approx(expected, rel=1e-9)
    assert paralens.grad(lambda z: pnp.real(f(z)))(z) == pytest.approx(expected, rel=1e-9)


X = np.array([0.5, -1.2, 2.0])
M = np.array([[1.0, 0.5], [-0.3, 2.0]])
ZM = np.array([[1.0 + 1.0j, 0.5j], [-0.3, 2.0 - 1.0j]])

# Functions of a real and a complex argument, whose real part is the loss: every rule that
# takes the real argument to a complex value must hand it back a real cotangent.
MIXED = {
    "x * z": (lambda x, z: pnp.sum(pnp.real(x * z)), X, ZS),
    "x + z, then abs": (lambda x, z: pnp.sum(pnp.abs(x + z)), X, ZS),
    "x / z": (lambda x, z: pnp.sum(pnp.imag(x / z)), X, ZS),
    "x ** z": (lambda x, z: pnp.sum(pnp.real((x * x + 1.0) ** z)), X, ZS),
    "z ** x": (lambda x, z: pnp.sum(pnp.real(z**x)), X, ZS),
    "concatenate": (lambda x, z: pnp.sum(pnp.abs(pnp.concatenate([x, z])) ** 2), X, ZS),
    "stack": (lambda x, z: pnp.sum(pnp.real(pnp.stack([x, z]) ** 2)), X, ZS),
    "where": (lambda x, z: pnp.sum(pnp.abs(pnp.where(X > 0, x, z))), X, ZS),
    "einsum": (lambda x, z: pnp.real(pnp.einsum("i,i->", x, z)), X, ZS),
    "dot of vectors": (lambda x, z: pnp.imag(pnp.dot(x, z)), X, ZS),
    "matmul of matrices": (lambda a, b: pnp.sum(pnp.abs(a @ b)), M, ZM),
    "matmul, complex first": (lambda a, b: pnp.sum(pnp.abs(b @ a)), M, ZM),
    "matrix times vector": (lambda a, b: pnp.sum(pnp.abs(b @ a[0])), M, ZM),
    "vector times vector": (lambda a, b: pnp.abs(a[0] @ b[1]), M, ZM),
    "kron": (lambda a, b: pnp.sum(pnp.abs(pnp.kron(a, b))), M, ZM),
    "broadcast sum": (lambda x, z: pnp.sum(pnp.abs(x[:, None] + z[None, :])), X, ZS),
    "sum times z": (lambda x, z: pnp.sum(pnp.real(pnp.sum(x) * z)), X, ZS),
    "x * 1j, then exp": (lambda x, z: pnp.sum(pnp.abs(pnp.exp(1j * x) + z)), X, ZS),
    "x * (1 + 0j), then angle": (lambda x, z: pnp.sum(pnp.angle(x * (1 + 0j) + z)), X, ZS),
}


@pytest.mark.parametrize("name", MIXED)
def test_real_arguments_get_real_gradients(name):
    f, x, z = MIXED[name]
    gx, gz = paralens.grad(f, argnums=(0, 1))(x, z)
    assert gx.dtype == x.dtype and gz.dtype == z.dtype
    check_grads(f, (x, z), order=2)


def test_real_python_floats_get_float_gradients_through_complex_values():
    g = paralens.grad(lambda x: pnp.real(pnp.exp(1j * pnp.sin(x))))(0.3)
    assert type(g) is float
    assert g == pytest.approx(-np.sin(np.sin(0.3)) * np.cos(0.3))


def test_a_real_loss_descends_along_the_conjugate_of_its_gradient():
    target = np.array([2.0 - 1.0j, 0.5j])

    def loss(z):
        return pnp.sum(pnp.abs(z - target) ** 2)

    z = np.zeros(2, dtype=complex)
    for _ in range(50):
        z = z - 0.1 * np.conj(paralens.grad(loss)(z))
    np.testing.assert_allclose(z, target, atol=1e-4)


def test_check_grads_checks_complex_inputs_in_both_modes():
    check_grads(pnp.exp, (ZS,), order=2)  # the issue: reverse mode used to fail here
    check_grads(lambda z: pnp.real(z) * z + pnp.conj(z), (ZS.astype(np.complex64),))


def test_check_grads_catches_a_conjugated_derivative():
    # The convention multiplies by f'(z); a rule that multiplies by its conjugate is the
    # mistake to catch (it agrees with the right one on real inputs).
    wrong = primitive(np.sin)
    defvjp(wrong, lambda g, ans, x: g * pnp.conj(pnp.cos(x)), staged=False)
    defjvp(wrong, lambda t, ans, x: t * pnp.cos(x))
    check_grads(wrong, (0.7,), order=1)
    with pytest.raises(AssertionError, match="reverse mode"):
        check_grads(wrong, (Z,), order=1, modes=("rev",))
    check_grads(wrong, (Z,), order=1, modes=("fwd",))
    defjvp(wrong, lambda t, ans, x: t * pnp.conj(pnp.cos(x)))
    with pytest.raises(AssertionError, match="forward mode"):
        check_grads(wrong, (Z,), order=1, modes=("fwd",))


@pytest.mark.parametrize(
    ("f", "z", "derivative"),
    [
        (lambda z: z * z, 1 + 2j, 2 + 4j),
        (lambda z: pnp.sum(z * z), np.array([1 + 2j]), np.array([2 + 4j])),
        (lambda z: pnp.exp(z)[0], np.array([0.5j, 1.0]), np.array([np.exp(0.5j), 0.0])),
    ],
    ids=["python complex", "array sum", "array element"],
)
def test_grad_of_a_complex_valued_function_raises_naming_the_fix(f, z, derivative):
    with pytest.raises(TypeError, match=r"returned a complex one.*pnp\.real\(f\(z\)\)"):
        paralens.grad(f)(z)
    np.testing.assert_allclose(paralens.grad(lambda z: pnp.real(f(z)))(z), derivative)
