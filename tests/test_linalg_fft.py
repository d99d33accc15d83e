"""``linalg`` and ``fft`` beyond the spec table: where derivatives do not exist (a clear
error, never numbers), what NumPy reads (one triangle), autograd's convention for
complex gradients, and misuse."""

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from complex_checks import check_complex_grads, real_pairs
from paralens.numpy._parts import as_complex, conjugate, imag_part, real_part
from paralens.testing import check_grads

L, F = pnp.linalg, pnp.fft
RNG = np.random.default_rng(7)


def _symmetric(eigenvalues):
    q = np.linalg.qr(RNG.standard_normal((len(eigenvalues),) * 2))[0]
    return q @ np.diag(eigenvalues) @ q.T


NEAR = _symmetric([1.0, 1.0 + 1e-12, 3.0])  # two eigenvalues 1e-12 apart


def _uses_vectors(a):
    return pnp.sum(L.eigh(a)[1][:, 0] ** 3)


@pytest.mark.parametrize(
    "differentiate",
    [
        lambda f, a: paralens.grad(f)(a),
        lambda f, a: paralens.jvp(f, (a,), (np.ones_like(a),)),
    ],
    ids=["reverse", "forward"],
)
def test_eigenvectors_of_a_repeated_eigenvalue_are_refused(differentiate):
    with pytest.raises(ValueError, match=r"eigh: the eigenvectors' derivative is not defined"):
        differentiate(_uses_vectors, NEAR)


def test_eigenvalues_of_a_repeated_eigenvalue_need_a_symmetric_function():
    # Their sum is differentiable (the trace, read from the lower triangle) ...
    g = paralens.grad(lambda a: pnp.sum(L.eigh(a)[0]))(NEAR)
    np.testing.assert_allclose(g, np.eye(3), atol=1e-9)
    g = paralens.grad(lambda a: pnp.sum(L.eigvalsh(a)))(NEAR)
    np.testing.assert_allclose(g, np.eye(3), atol=1e-9)
    # ... but not each one.
    with pytest.raises(ValueError, match="each has no derivative of its own"):
        paralens.grad(lambda a: L.eigvalsh(a)[0])(NEAR)
    with pytest.raises(ValueError, match="each has no derivative of its own"):
        paralens.jvp(L.eigvalsh, (NEAR,), (np.eye(3),))


def test_separated_but_close_eigenvalues_still_have_derivatives():
    a = _symmetric([1.0, 1.001, 3.0])
    check_grads(_uses_vectors, (a,), order=1, rtol=1e-4)


def test_eig_and_svd_refuse_repeated_values():
    a = np.diag([2.0, 2.0, 5.0])
    with pytest.raises(ValueError, match="eig: the eigenvectors' derivative"):
        paralens.grad(lambda a: pnp.sum(L.eig(a)[1][0]))(a)
    with pytest.raises(ValueError, match="svd: the singular vectors' derivative"):
        paralens.grad(lambda a: pnp.sum(L.svd(a)[0][0]))(a)
    # The nuclear norm (equal cotangents) is differentiable there: U V^T.
    np.testing.assert_allclose(paralens.grad(lambda a: L.norm(a, "nuc"))(a), np.eye(3))


def test_a_rank_deficient_non_square_matrix_has_no_singular_vector_derivative():
    a = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="rank deficient"):
        paralens.grad(lambda a: pnp.sum(L.svd(a, full_matrices=False)[0]))(a)


def test_columns_that_are_any_basis_have_no_derivative():
    a = RNG.standard_normal((4, 2))
    # Reading only the first columns of a full U is fine ...
    check_grads(lambda a: L.svd(a)[0][:, :2] * L.svd(a)[1], (a,), modes=("rev",), order=1)
    check_grads(lambda a: L.qr(a, "complete")[0][:, :2], (a,), modes=("rev",), order=1)
    # ... the others are refused, with the fix.
    with pytest.raises(ValueError, match="use full_matrices=False"):
        paralens.grad(lambda a: pnp.sum(L.svd(a)[0][:, 3]))(a)
    with pytest.raises(ValueError, match="use full_matrices=False"):
        paralens.jvp(lambda a: L.svd(a)[1], (a,), (np.ones_like(a),))
    with pytest.raises(ValueError, match="use mode='reduced'"):
        paralens.grad(lambda a: pnp.sum(L.qr(a, "complete")[0][:, 3]))(a)
    with pytest.raises(ValueError, match="mode='raw' is not differentiable"):
        paralens.grad(lambda a: pnp.sum(L.qr(a, "raw")[0]))(a)


def test_what_numpy_does_not_read_has_a_zero_gradient():
    a = _symmetric([1.0, 2.0, 4.0]) + np.triu(np.ones((3, 3)), 1)  # the upper part is junk
    for f in (
        lambda a: pnp.sum(L.cholesky(a)),
        lambda a: pnp.sum(L.eigh(a)[1] ** 2 * np.arange(9.0).reshape(3, 3)),
        lambda a: pnp.sum(L.eigvalsh(a) ** 2),
    ):
        g = paralens.grad(f)(a)
        assert np.all(np.triu(g, 1) == 0.0)
    if np.lib.NumpyVersion(np.__version__) >= "2.0.0":  # upper= is new in NumPy 2
        g = paralens.grad(lambda a: pnp.sum(L.cholesky(a, upper=True)))(a.T)
        assert np.all(np.tril(g, -1) == 0.0)


def test_a_matrix_built_symmetric_gets_its_whole_gradient():
    b = RNG.standard_normal((3, 3))

    def f(b):
        a = b @ b.T + 3.0 * np.eye(3)
        return pnp.sum(L.cholesky(a) ** 2) + pnp.sum(L.eigh(a)[1][:, -1] ** 4)

    check_grads(f, (b,), order=2)


def _hermitian(eigenvalues, batch=()):
    n = len(eigenvalues)
    z = RNG.standard_normal((*batch, n, n)) + 1j * RNG.standard_normal((*batch, n, n))
    q = np.linalg.qr(z)[0]
    return q @ (np.asarray(eigenvalues)[:, None] * np.conj(np.swapaxes(q, -1, -2)))


def _phase_free(a):
    """A function of the eigenvectors that does not depend on their phases."""
    w, v = L.eigh(a)
    projections = pnp.matmul(v * w[..., None, :] ** 2, conjugate(pnp.swapaxes(v, -1, -2)))
    return projections, real_part(v * conjugate(v))


@pytest.mark.parametrize("batch", [(), (2,)])
def test_complex_eigenvectors_in_reverse_mode_where_their_phases_do_not_matter(batch):
    a = _hermitian([1.0, 2.0, 4.0], batch)
    check_complex_grads(lambda a: _phase_free(a)[0], (a,), modes=("rev",))
    check_complex_grads(lambda a: _phase_free(a)[1], (a,), modes=("rev",))


def test_complex_eigenvectors_whose_phase_matters_are_refused():
    a = _hermitian([1.0, 2.0, 4.0])
    with pytest.raises(ValueError, match="depends on the phase of eigenvector 0"):
        paralens.grad(lambda a: imag_part(L.eigh(a)[1][1, 0]))(a)
    with pytest.raises(NotImplementedError, match="use eigvalsh for the eigenvalues"):
        paralens.jvp(lambda a: L.eigh(a)[0], (a,), (a,))
    # The eigenvalues alone, in forward mode: eigvalsh.
    _, tangent = paralens.jvp(L.eigvalsh, (a,), (a,))
    np.testing.assert_allclose(tangent, np.linalg.eigvalsh(a), rtol=1e-12)  # d(w(ta))/dt = w


def _complex(*shape):
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def _phase_free_svd(a, k, full_matrices=False):
    """Functions of the singular vectors that do not depend on their phases."""
    u, s, vh = L.svd(a, full_matrices=full_matrices)
    u, vh = u[..., :k], vh[..., :k, :]
    weighted = pnp.matmul(u * as_complex(s**2)[..., None, :], vh)
    return weighted, pnp.matmul(u, vh), real_part(u * conjugate(u)), real_part(vh * conjugate(vh))


@pytest.mark.parametrize("shape", [(3, 3), (4, 3), (3, 4), (2, 4, 3)])
def test_complex_singular_vectors_in_reverse_mode_where_their_phases_do_not_matter(shape):
    a, k = _complex(*shape), min(shape[-2:])
    for i in range(4):
        check_complex_grads(lambda a, i=i: _phase_free_svd(a, k)[i], (a,), modes=("rev",))
    check_complex_grads(lambda a: _phase_free_svd(a, k, True)[0], (a,), modes=("rev",), order=1)


def test_complex_singular_vectors_whose_phase_matters_are_refused():
    a = _complex(3, 3)
    with pytest.raises(ValueError, match="depends on the phase of pair 0"):
        paralens.grad(lambda a: imag_part(L.svd(a)[0][1, 0]))(a)
    with pytest.raises(ValueError, match="depends on the phase of pair 1"):
        paralens.grad(lambda a: pnp.sum(real_pairs(L.svd(a)[2][1, 1])))(a)
    with pytest.raises(NotImplementedError, match=r"use svd\(a, compute_uv=False\)"):
        paralens.jvp(lambda a: L.svd(a)[1], (a,), (a,))
    _, tangent = paralens.jvp(lambda a: L.svd(a, compute_uv=False), (a,), (a,))
    np.testing.assert_allclose(tangent, np.linalg.svd(a, compute_uv=False), rtol=1e-12)


def test_svd_hermitian_is_refused():
    with pytest.raises(NotImplementedError, match="hermitian=False"):
        paralens.grad(lambda a: pnp.sum(L.svd(a, hermitian=True)[1]))(np.eye(2))


def test_norms_at_zero_have_a_zero_subgradient():
    for f in (L.norm, lambda x: L.norm(x, axis=0), lambda x: L.norm(x, "fro")):
        g = paralens.grad(lambda x, f=f: pnp.sum(f(x)))(np.zeros((2, 2)))
        np.testing.assert_array_equal(g, np.zeros((2, 2)))


def test_norm_and_matrix_power_refuse_what_numpy_refuses():
    x = paralens.jvp
    with pytest.raises(ValueError, match="Invalid norm order 'fro' for vectors"):
        x(lambda v: L.norm(v, "fro", axis=0), (np.ones(2),), (np.ones(2),))
    with pytest.raises(ValueError, match="Invalid norm order for matrices"):
        x(lambda v: L.norm(v, 3), (np.ones((2, 2)),), (np.ones((2, 2)),))
    with pytest.raises(ValueError, match="Duplicate axes"):
        x(lambda v: L.norm(v, axis=(0, -2)), (np.ones((2, 2)),), (np.ones((2, 2)),))
    with pytest.raises(TypeError):
        x(lambda v: L.matrix_power(v, 1.5), (np.eye(2),), (np.eye(2),))
    with pytest.raises(ValueError, match="at least two arrays"):
        x(lambda v: L.multi_dot([v]), (np.eye(2),), (np.eye(2),))


def _adjoint_gap(f, x):
    """``Re(sum(vjp(w) * v)) - Re(sum(w * jvp(v)))``: zero for rules in autograd's
    convention, where the pullback of ``w`` is the transpose map (no conjugation)."""
    v = RNG.standard_normal(x.shape) + (
        1j * RNG.standard_normal(x.shape) if np.iscomplexobj(x) else 0
    )
    ans, tangent = paralens.jvp(f, (x,), (v,))
    w = RNG.standard_normal(ans.shape) + 1j * RNG.standard_normal(ans.shape)
    (ct,) = paralens.vjp(f, x)[1](w.real if not np.iscomplexobj(ans) else w)
    w = w.real if not np.iscomplexobj(ans) else w
    return np.real(np.sum(ct * v)) - np.real(np.sum(w * tangent))


@pytest.mark.parametrize(
    ("f", "x"),
    [
        (F.fft, RNG.standard_normal(6) + 1j * RNG.standard_normal(6)),
        (lambda x: F.ifft(x, 9, norm="ortho"), RNG.standard_normal(6) + 1j),
        (F.rfft, RNG.standard_normal(7)),
        (lambda x: F.irfft(x, 8), RNG.standard_normal(5) + 1j * RNG.standard_normal(5)),
        (lambda x: F.fftn(x, s=(3, 5), axes=(0, 1)), RNG.standard_normal((4, 4)) + 1j),
    ],
)
def test_fft_rules_are_adjoint_in_autograds_convention(f, x):
    assert abs(_adjoint_gap(f, x)) < 1e-10


def test_a_real_loss_of_an_fft_gets_the_real_gradient():
    x = RNG.standard_normal(8)
    g = paralens.grad(lambda x: pnp.sum(pnp.square(F.irfft(F.rfft(x) * np.arange(5.0)))))(x)
    assert g.dtype == np.float64
    h = 1e-6
    numeric = [
        (
            np.sum(np.fft.irfft(np.fft.rfft(x + h * e) * np.arange(5.0)) ** 2)
            - np.sum(np.fft.irfft(np.fft.rfft(x - h * e) * np.arange(5.0)) ** 2)
        )
        / (2 * h)
        for e in np.eye(8)
    ]
    np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)


def test_float32_stays_in_single_precision():
    x = RNG.standard_normal(6).astype(np.float32)
    if np.lib.NumpyVersion(np.__version__) >= "2.0.0":  # NumPy 1 transforms in complex128
        assert F.fft(x).dtype == np.complex64
    g = paralens.grad(lambda x: pnp.sum(F.irfft(F.rfft(x) * 2.0)))(x)
    assert g.dtype == np.float32
    a = (np.eye(3) + 0.1 * RNG.standard_normal((3, 3))).astype(np.float32)
    for f in (lambda a: L.svd(a)[1], lambda a: L.qr(a)[1], L.pinv):
        assert paralens.grad(lambda a, f=f: pnp.sum(f(a)))(a).dtype == np.float32


def test_the_public_namespaces_hold_what_numpy_holds():
    for name in L.__all__:
        assert hasattr(np.linalg, name), name
    for name in F.__all__:
        assert hasattr(np.fft, name), name
    autograd_linalg = {"det", "slogdet", "inv", "pinv", "solve", "norm", "eigh", "eig",
                       "cholesky", "svd"}  # fmt: skip
    autograd_fft = {"fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2",
                    "irfft2", "rfftn", "irfftn", "fftshift", "ifftshift"}  # fmt: skip
    assert autograd_linalg <= set(L.__all__) and autograd_fft <= set(F.__all__)


def test_matrix_rank_reads_traced_values_and_has_no_derivative():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert L.matrix_rank(a) == np.linalg.matrix_rank(a) == 1
    b = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = paralens.grad(lambda b: L.matrix_rank(b) * pnp.sum(b))(b)
    np.testing.assert_array_equal(g, np.full((2, 2), 2.0))  # the rank 2 is a constant factor


@pytest.mark.skipif(not hasattr(np.linalg, "matrix_norm"), reason="NumPy 2's functions")
def test_numpy_2s_functions_refuse_what_numpy_refuses():
    def traced(f, x):
        return paralens.jvp(f, (x,), (np.ones_like(x),))

    with pytest.raises(ValueError, match="at least 2-dimensional"):
        traced(L.matrix_transpose, np.ones(3))
    with pytest.raises(ValueError, match="one-dimensional"):
        traced(lambda x: L.outer(x, np.ones(2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="repeated axis"):
        traced(lambda x: L.vector_norm(x, axis=(0, -2)), np.ones((2, 2)))
    with pytest.raises(np.exceptions.AxisError):
        traced(lambda x: L.vector_norm(x, axis=2), np.ones((2, 2)))
    with pytest.raises(ValueError, match="at least two dimensions"):
        traced(L.diagonal, np.ones(3))
    with pytest.raises(ValueError, match="lengths 3 and 1"):
        traced(lambda x: L.vecdot(x, np.ones(1)), np.ones(3))
    with pytest.raises(ValueError, match="3-dimensional vectors"):
        traced(lambda x: L.cross(x, np.ones(2)), np.ones(3))
    assert traced(lambda x: L.diagonal(x, offset=5), np.ones((2, 3)))[0].shape == (0,)
    assert traced(lambda x: L.trace(x, dtype=np.float32), np.ones((2, 2)))[0].dtype == np.float32
    # A whole 2-D array is one vector (not a matrix, as for norm's ord=2).
    x = RNG.standard_normal((3, 2))
    np.testing.assert_allclose(traced(lambda x: L.vector_norm(x), x)[0], np.sqrt(np.sum(x**2)))


def test_lstsq_refuses_what_numpy_refuses_and_gives_its_rank():
    a, b = RNG.standard_normal((4, 2)), RNG.standard_normal(4)
    with pytest.raises(np.linalg.LinAlgError, match="Incompatible dimensions"):
        paralens.grad(lambda a: pnp.sum(L.lstsq(a, np.ones(3))[0]))(a)
    rank_deficient = np.outer(np.arange(1.0, 5.0), [1.0, 2.0])
    seen = []

    def f(b):
        x, residuals, rank, _ = L.lstsq(rank_deficient, b)
        seen.append((rank, residuals.shape))
        return pnp.sum(x)

    g = paralens.grad(f)(b)
    assert seen == [(1, (0,))]  # NumPy's rank, and no sums below full rank
    np.testing.assert_allclose(g, np.linalg.pinv(rank_deficient).sum(axis=0), rtol=1e-12)
