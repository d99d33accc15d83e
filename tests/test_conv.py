"""Convolution and window primitives: values against a loop written out, ``pnp.conv`` against
SciPy, order-2 derivatives in both modes for every class of settings, the adjoint
identities, and the errors of misuse."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import paralens
import paralens.numpy as pnp
from paralens.numpy._conv import (
    correlate,
    correlate_input_transpose,
    correlate_kernel_transpose,
    windows,
    windows_transpose,
)
from paralens.numpy._convolution import conv_general, resolve_padding
from paralens.testing import check_grads

RNG = np.random.default_rng(0)


def naive_correlate(
    x: np.ndarray,
    w: np.ndarray,
    stride: tuple[int, ...],
    pads: Any,
    dilation: tuple[int, ...],
    groups: int,
) -> np.ndarray:
    """The cross-correlation as its definition: a loop over output positions and taps."""
    n_space = w.ndim - 2
    xp = np.pad(x, ((0, 0), *pads, (0, 0)))
    window, c_out = w.shape[:n_space], w.shape[-1]
    per_in, per_out = x.shape[-1] // groups, c_out // groups
    out = [
        (xp.shape[1 + i] - dilation[i] * (window[i] - 1) - 1) // stride[i] + 1
        for i in range(n_space)
    ]
    y = np.zeros((x.shape[0], *out, c_out))
    for o in itertools.product(*(range(k) for k in out)):
        for tap in itertools.product(*(range(k) for k in window)):
            at = tuple(o[i] * stride[i] + tap[i] * dilation[i] for i in range(n_space))
            xs = xp[(slice(None), *at)]
            for g in range(groups):
                y[(slice(None), *o)][:, g * per_out : (g + 1) * per_out] += (
                    xs[:, g * per_in : (g + 1) * per_in]
                    @ w[tap][:, g * per_out : (g + 1) * per_out]
                )
    return y


# One case per class of settings: stride, each kind of padding, dilation, groups, both ranks.
CASES = [
    pytest.param(1, {}, id="1d-valid"),
    pytest.param(1, {"stride": 2, "padding": "same"}, id="1d-stride-same"),
    pytest.param(1, {"dilation": 2, "padding": (1, 2)}, id="1d-dilation-pair"),
    pytest.param(1, {"groups": 2}, id="1d-groups"),
    pytest.param(2, {}, id="2d-valid"),
    pytest.param(2, {"padding": "same"}, id="2d-same"),
    pytest.param(2, {"stride": (2, 1), "padding": 1}, id="2d-stride-int-padding"),
    pytest.param(2, {"dilation": (1, 2), "padding": [(0, 1), (2, 0)]}, id="2d-dilation-pairs"),
    pytest.param(2, {"groups": 2, "stride": 2, "padding": "same"}, id="2d-groups-stride"),
]


def _case(n_space: int, settings: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    groups = settings.get("groups", 1)
    x = RNG.normal(size=(2, *(5,) * n_space, 2 * groups))
    w = RNG.normal(size=(*(3,) * n_space, 2, 2 * groups))
    return x, w


@pytest.mark.parametrize(("n_space", "settings"), CASES)
def test_correlation_is_the_loop_written_out(n_space: int, settings: dict[str, Any]) -> None:
    x, w = _case(n_space, settings)
    y = conv_general(x, w, **settings)
    stride = tuple(np.broadcast_to(settings.get("stride", 1), n_space))
    dilation = tuple(np.broadcast_to(settings.get("dilation", 1), n_space))
    pads = resolve_padding(
        settings.get("padding", "valid"), (5,) * n_space, (3,) * n_space, stride, dilation, "t"
    )
    expected = naive_correlate(x, w, stride, pads, dilation, settings.get("groups", 1))
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("n_space", "settings"), CASES)
def test_correlation_derivatives_order_two_both_modes(
    n_space: int, settings: dict[str, Any]
) -> None:
    x, w = _case(n_space, settings)
    check_grads(lambda x, w: conv_general(x, w, **settings), (x, w), order=2)


def test_same_padding_keeps_the_size_and_stride_divides_it() -> None:
    x = RNG.normal(size=(1, 7, 6, 1))
    assert pnp.conv2d(x, np.ones((4, 3, 1, 2)), padding="same").shape == (1, 7, 6, 2)
    assert pnp.conv2d(x, np.ones((3, 3, 1, 2)), stride=2, padding="same").shape == (1, 4, 3, 2)


def test_leading_axes_are_kept_and_one_image_needs_none() -> None:
    w = RNG.normal(size=(3, 3, 2, 4))
    x = RNG.normal(size=(3, 2, 6, 6, 2))
    y = pnp.conv2d(x, w)
    assert y.shape == (3, 2, 4, 4, 4)
    np.testing.assert_allclose(y[1, 0], pnp.conv2d(x[1, 0], w))
    check_grads(lambda x, w: pnp.conv2d(x, w, padding="same"), (x[0, :1], w), order=1)


@pytest.mark.parametrize(
    ("primitive", "args", "settings"),
    [
        (correlate, ((2, 5, 5, 2), (3, 3, 2, 3)), {}),
        (correlate_input_transpose, ((2, 3, 3, 3), (3, 3, 2, 3)), {"sizes": (5, 5)}),
        (correlate_kernel_transpose, ((2, 5, 5, 2), (2, 3, 3, 3)), {"window": (3, 3)}),
    ],
    ids=["correlate", "input-transpose", "kernel-transpose"],
)
def test_each_primitive_of_the_family_differentiates_twice(
    primitive: Any, args: tuple[tuple[int, ...], ...], settings: dict[str, Any]
) -> None:
    common = {"stride": (1, 1), "padding": ((1, 0), (0, 1)), "dilation": (1, 1), "groups": 1}
    if "sizes" in settings:  # its input is the cotangent of a padded correlation's output
        args = ((2, 4, 4, 3), args[1])
    if "window" in settings:
        args = (args[0], (2, 4, 4, 3))
    values = tuple(RNG.normal(size=shape) for shape in args)
    check_grads(lambda a, b: primitive(a, b, **common, **settings), values, order=2)


def test_the_transposes_are_adjoints() -> None:
    s = {"stride": (2, 1), "padding": ((1, 1), (2, 0)), "dilation": (1, 2), "groups": 2}
    x, w = RNG.normal(size=(2, 6, 7, 4)), RNG.normal(size=(3, 2, 2, 6))
    y = correlate(x, w, **s)
    g = RNG.normal(size=y.shape)
    inner = np.sum(y * g)
    assert np.isclose(inner, np.sum(x * correlate_input_transpose(g, w, sizes=(6, 7), **s)))
    assert np.isclose(inner, np.sum(w * correlate_kernel_transpose(x, g, window=(3, 2), **s)))


def test_windows_and_their_transpose() -> None:
    s = {"window": (2, 3), "stride": (1, 2), "padding": ((1, 0), (0, 1))}
    x = RNG.normal(size=(2, 5, 6, 3))
    patches = windows(x, **s)
    g = RNG.normal(size=patches.shape)
    back = windows_transpose(g, sizes=(5, 6), **s)
    assert np.isclose(np.sum(patches * g), np.sum(x * back))
    check_grads(lambda x: windows(x, **s), (x,), order=2)
    check_grads(lambda g: windows_transpose(g, sizes=(5, 6), **s), (g,), order=2)


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
@pytest.mark.parametrize(
    "shapes",
    [((7,), (3,)), ((3,), (6,)), ((5, 4), (2, 3)), ((3, 4, 5), (2, 2, 3))],
    ids=lambda s: "x".join(map(str, s)),
)
def test_conv_matches_scipy_signal_convolve(
    mode: str, shapes: tuple[tuple[int, ...], tuple[int, ...]]
) -> None:
    signal = pytest.importorskip("scipy.signal")
    a, v = RNG.normal(size=shapes[0]), RNG.normal(size=shapes[1])
    expected = signal.convolve(a, v, mode=mode, method="direct")
    np.testing.assert_allclose(pnp.conv(a, v, mode), expected, rtol=1e-10, atol=1e-12)


def test_conv_is_the_flipped_correlation_and_commutes() -> None:
    a, v = RNG.normal(size=8), RNG.normal(size=3)
    np.testing.assert_allclose(pnp.conv(a, v), np.convolve(a, v))
    np.testing.assert_allclose(pnp.conv(a, v), pnp.conv(v, a))
    np.testing.assert_allclose(pnp.conv(a, v, "same"), np.convolve(a, v, "same"))
    check_grads(lambda a, v: pnp.conv(a, v, "same"), (a, v), order=2)
    check_grads(
        lambda a, v: pnp.conv(a, v, "valid"),
        (RNG.normal(size=(4, 5)), RNG.normal(size=(2, 2))),
        order=2,
    )


def test_gradient_has_the_shape_and_dtype_of_each_argument() -> None:
    x = RNG.normal(size=(2, 6, 6, 3)).astype(np.float32)
    w = RNG.normal(size=(3, 3, 3, 4)).astype(np.float32)
    gx, gw = paralens.grad(lambda x, w: pnp.sum(pnp.conv2d(x, w, stride=2)), (0, 1))(x, w)
    assert (gx.shape, gx.dtype, gw.shape, gw.dtype) == (x.shape, x.dtype, w.shape, w.dtype)


def test_inputs_are_left_unchanged() -> None:
    x, w = RNG.normal(size=(2, 5, 5, 1)), RNG.normal(size=(3, 3, 1, 2))
    x0, w0 = x.copy(), w.copy()
    paralens.grad(lambda x, w: pnp.sum(pnp.conv2d(x, w, padding="same") ** 2), (0, 1))(x, w)
    assert np.array_equal(x, x0) and np.array_equal(w, w0)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (
            lambda: pnp.conv2d(np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 4))),
            ["3 channels", "(1, 5, 5, 3)", "kernel of shape (3, 3, 2, 4)", "(3, 3, 3, 4)"],
        ),
        (
            lambda: pnp.conv2d(np.ones((1, 5, 5, 4)), np.ones((3, 3, 2, 3)), groups=2),
            ["groups=2 must divide", "output channels (3)"],
        ),
        (
            lambda: pnp.conv2d(np.ones((1, 2, 5, 1)), np.ones((3, 3, 1, 1))),
            ["spatial axis 0 has size 2", "padding='same'"],
        ),
        (
            lambda: pnp.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), padding="full"),
            ["'valid', 'same'", "'full'"],
        ),
        (
            lambda: pnp.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), stride=0),
            ["stride must be an int >= 1", "got 0"],
        ),
        (
            lambda: pnp.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 1)), dilation=(1, 2, 1)),
            ["dilation", "2 of them"],
        ),
        (lambda: pnp.conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1))), ["(kh, kw, c_in, c_out)"]),
        (
            lambda: pnp.conv1d(np.ones((5, 1)), np.ones((2, 1, 1)), padding=[(1, 2), (0, 0)]),
            ["one entry per spatial axis (1)"],
        ),
        (lambda: pnp.conv(np.ones(3), np.ones((2, 2))), ["same number of dimensions"]),
        (lambda: pnp.conv(np.ones((3, 1)), np.ones((1, 3)), "valid"), ["at least as large"]),
        (lambda: pnp.conv(np.ones(3), np.ones(2), "circular"), ["'full', 'valid' or 'same'"]),
    ],
)
def test_misuse_is_an_error_that_says_what_and_how(call: Any, words: list[str]) -> None:
    with pytest.raises(ValueError) as info:
        call()
    for word in words:
        assert word in str(info.value)


def test_a_large_batch_in_blocks_gives_what_one_block_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from paralens.numpy import _fast_conv

    s = {"stride": (1, 2), "padding": ((1, 1), (0, 2)), "dilation": (1, 1), "groups": 2}
    x, w = RNG.normal(size=(7, 5, 6, 4)), RNG.normal(size=(3, 3, 2, 4))
    y = correlate(x, w, **s)
    g = RNG.normal(size=y.shape)
    whole = (
        y,
        correlate_input_transpose(g, w, sizes=(5, 6), **s),
        correlate_kernel_transpose(x, g, window=(3, 3), **s),
    )
    monkeypatch.setattr(_fast_conv, "_BLOCK_ENTRIES", 100)  # a block of one or two examples
    assert len(_fast_conv.blocks(7, y.shape[1:-1], (3, 3), 4)) == 7
    blocked = (
        correlate(x, w, **s),
        correlate_input_transpose(g, w, sizes=(5, 6), **s),
        correlate_kernel_transpose(x, g, window=(3, 3), **s),
    )
    for a, b in zip(whole, blocked, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_the_patches_kept_for_the_backward_pass_give_what_recomputing_gives() -> None:
    from paralens.numpy import _fast_conv

    s = {"stride": (1, 1), "padding": ((2, 2), (2, 2)), "dilation": (1, 1), "groups": 1}
    x, w = RNG.normal(size=(3, 6, 6, 2)), RNG.normal(size=(5, 5, 2, 4))
    _fast_conv._KEPT_PATCHES.clear()
    y, pullback = paralens.vjp(lambda x, w: correlate(x, w, **s), x, w)
    # the forward pass kept them (for vjp's own copy of x: the caller may change x)
    assert len(_fast_conv._KEPT_PATCHES) == 1
    g = RNG.normal(size=y.shape)
    kept = pullback(g)[1]
    assert not _fast_conv._KEPT_PATCHES  # taken once
    recomputed = correlate_kernel_transpose(x, g, window=(5, 5), **s)
    assert np.array_equal(kept, recomputed)
    # Entries die with their input, and only a few are kept at any time.
    for _ in range(10):
        correlate(RNG.normal(size=(1, 6, 6, 2)), w, **s)
    assert len(_fast_conv._KEPT_PATCHES) <= _fast_conv._KEEP_AT_MOST
    _fast_conv._KEPT_PATCHES.clear()
    other = RNG.normal(size=(1, 6, 6, 2))
    correlate(other, w, **s)
    del other
    assert not _fast_conv._KEPT_PATCHES


@pytest.mark.parametrize("channels", [1, 5])
def test_the_input_gradient_tap_by_tap_is_the_one_scattered_back(
    channels: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paralens.numpy import _fast_conv

    s = {"stride": (2, 1), "padding": ((1, 2), (0, 1)), "dilation": (1, 2), "groups": 1}
    w = RNG.normal(size=(3, 2, channels, 3))
    g = RNG.normal(size=(2, 3, 4, 3))
    results = []
    for threshold in (1, 10**9):  # every channel count tap by tap, then none
        monkeypatch.setattr(_fast_conv, "_PER_TAP_FROM", threshold)
        results.append(correlate_input_transpose(g, w, sizes=(5, 5), **s))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12, atol=1e-12)
    monkeypatch.setattr(_fast_conv, "_PER_TAP_FROM", 1)
    x = RNG.normal(size=(2, 5, 5, channels))
    check_grads(lambda x, w: correlate(x, w, **s), (x, w), order=2)


FORMS_AGREE = [
    # (x shape, kernel shape, stride, padding, dilation, groups)
    ((2, 7, 3), (3, 3, 2), (1,), ((1, 1),), (1,), 1),
    ((3, 6, 5, 4), (3, 2, 4, 6), (2, 1), ((1, 2), (0, 1)), (1, 2), 1),  # per tap
    ((2, 6, 6, 4), (3, 3, 2, 4), (1, 2), ((0, 0), (2, 1)), (2, 1), 2),  # groups
    ((2, 4, 4, 3, 1), (2, 2, 2, 1, 2), (1, 1, 1), ((1, 0), (0, 1), (0, 0)), (1, 1, 1), 1),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("block_entries", [1 << 23, 50])  # one block, or one per example
@pytest.mark.parametrize(
    ("x_shape", "w_shape", "stride", "pads", "dilation", "groups"), FORMS_AGREE
)
def test_the_fast_and_the_plain_form_of_each_map_agree(
    x_shape: Any,
    w_shape: Any,
    stride: Any,
    pads: Any,
    dilation: Any,
    groups: int,
    block_entries: int,
    dtype: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from paralens.numpy import _fast_conv

    monkeypatch.setattr(_fast_conv, "_BLOCK_ENTRIES", block_entries)
    rng = np.random.default_rng(3)
    x = rng.normal(size=x_shape).astype(dtype)
    w = rng.normal(size=w_shape).astype(dtype)
    settings = (stride, pads, dilation, groups)
    y = _fast_conv.correlate_fast(x, w, *settings)
    g = rng.normal(size=y.shape).astype(dtype)
    sizes, window = x_shape[1:-1], w_shape[:-2]
    pairs = [
        (y, _fast_conv.correlate_plain(x, w, *settings)),
        (
            _fast_conv.input_transpose_fast(g, w, sizes, *settings),
            _fast_conv.input_transpose_plain(g, w, sizes, *settings),
        ),
        (  # the patches kept by correlate_fast above
            _fast_conv.kernel_transpose_fast(x, g, window, *settings),
            _fast_conv.kernel_transpose_plain(x, g, window, *settings),
        ),
    ]
    tol = 1e-4 if dtype == np.float32 else 1e-12
    for fast, plain in pairs:
        assert fast.dtype == plain.dtype == dtype and fast.shape == plain.shape
        np.testing.assert_allclose(fast, plain, rtol=tol, atol=tol)
