"""The layers of issue 14: convolution, pooling, reshaping, normalisation, dropout,
embedding, attention, einsum; their derivatives (order 2, both modes), their shapes, and
their errors of misuse, each at ``init`` or at the call and naming layers and shapes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import paralens.numpy as pnp
from paralens import nn
from paralens.nn._pooling import pool
from paralens.testing import check_grads

RNG = np.random.default_rng(0)
relu = nn.fn(pnp.relu, name="relu")


def _apply(m: Any) -> Any:
    def f(p: Any, x: Any) -> Any:
        return m.apply(p, x)

    return f


def _apply_with_state(m: Any, state: Any) -> Any:
    def f(p: Any, x: Any) -> Any:
        return m.apply(p, x, state)[0]

    return f


# ---- derivatives ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "layer",
    [
        nn.conv2d(2, 3, 3, padding="same"),
        nn.conv2d(2, 4, (3, 2), stride=2, dilation=(1, 2), padding=1, groups=2),
        nn.conv1d(2, 3, 3, padding="same"),
        nn.conv1d(4, 2, 2, stride=2, groups=2),
    ],
    ids=lambda m: m.name,
)
def test_convolution_layers_differentiate_twice_in_params_and_input(layer: Any) -> None:
    n_space = layer.name.startswith("conv2d") + 1
    x = RNG.normal(size=(2, *(6,) * n_space, layer.in_size))
    check_grads(_apply(layer), (layer.init(0), x), order=2)


@pytest.mark.parametrize(
    "layer",
    [
        nn.max_pool(2),
        nn.max_pool((3, 2), stride=1, padding="same"),
        nn.max_pool((2,)),
        nn.avg_pool(2),
        nn.avg_pool(3, stride=2, padding=1),
        nn.avg_pool((3,), stride=1, padding="same"),
    ],
    ids=lambda m: m.name,
)
def test_pooling_differentiates_twice(layer: Any) -> None:
    n_space = 1 if "(2,)" in layer.name or "(3,)" in layer.name else 2
    # distinct values, so that no window has a tie for its maximum
    x = RNG.permutation(np.arange(2 * 5**n_space * 3, dtype=float)).reshape(2, *(5,) * n_space, 3)
    check_grads(lambda x: layer.apply(None, x), (x / 10.0,), order=2)


def _naive_pool(x: np.ndarray, k: int, s: int, pad: int, mean: bool) -> np.ndarray:
    fill = 0.0 if mean else -np.inf
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), constant_values=fill)
    ones = np.pad(np.ones(x.shape[1:3]), pad)
    out = (xp.shape[1] - k) // s + 1, (xp.shape[2] - k) // s + 1
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for i in range(out[0]):
        for j in range(out[1]):
            block = xp[:, i * s : i * s + k, j * s : j * s + k]
            if mean:
                count = ones[i * s : i * s + k, j * s : j * s + k].sum()
                y[:, i, j] = block.sum(axis=(1, 2)) / count
            else:
                y[:, i, j] = block.max(axis=(1, 2))
    return y


@pytest.mark.parametrize("mean", [False, True], ids=["max", "avg"])
@pytest.mark.parametrize(("k", "s", "pad"), [(2, 2, 0), (3, 3, 0), (3, 1, 1), (2, 1, 0)])
def test_pooling_is_the_loop_written_out(k: int, s: int, pad: int, mean: bool) -> None:
    x = RNG.normal(size=(2, 7, 6, 3))
    got = pool(x, (k, k), (s, s), pad, mean)
    np.testing.assert_allclose(got, _naive_pool(x, k, s, pad, mean), rtol=1e-12)


def test_reshape_and_flatten_differentiate_and_keep_leading_axes() -> None:
    x = RNG.normal(size=(3, 2, 12))
    assert nn.reshape((3, 4)).apply(None, x).shape == (3, 2, 3, 4)
    assert nn.flatten(2).apply(None, x.reshape(3, 2, 3, 4)).shape == (3, 2, 12)
    check_grads(lambda x: nn.flatten().apply(None, nn.reshape((2, 3, 2)).apply(None, x)), (x,))


def test_normalisations_differentiate_twice() -> None:
    x = RNG.normal(size=(4, 3))
    ln = nn.layer_norm(3)
    p = nn.Norm(RNG.normal(size=3), RNG.normal(size=3))
    check_grads(_apply(ln), (p, x), order=2)
    bn = nn.batch_norm(3)
    check_grads(_apply_with_state(bn, bn.init_state(0)), (p, x), order=2)
    check_grads(_apply_with_state(bn.evaluation(), bn.init_state(0)), (p, x), order=2)


def test_dropout_differentiates_through_its_mask() -> None:
    drop = nn.dropout(0.5)
    check_grads(lambda x: drop.apply(None, x, np.array([1, 2]))[0], (RNG.normal(size=6),))


def test_embedding_attention_and_transformer_differentiate_twice() -> None:
    emb = nn.embedding(7, 4)
    ids = np.array([[1, 3, 3], [6, 0, 2]])
    check_grads(lambda p: emb.apply(p, ids), (emb.init(0),), order=2)
    x = RNG.normal(size=(2, 3, 4))
    for causal in (False, True):
        layer = nn.attention(4, heads=2, causal=causal)
        check_grads(_apply(layer), (layer.init(1), x), order=2)
    block = nn.transformer_block(4, heads=2, hidden=5, causal=True)
    check_grads(_apply(block), (block.init(2), x), order=2)
    q, k, v = RNG.normal(size=(2, 3)), RNG.normal(size=(4, 3)), RNG.normal(size=(4, 2))
    check_grads(nn.scaled_dot_product_attention, (q, k, v), order=2)


def test_einsum_layer_is_its_contraction_and_differentiates_twice() -> None:
    layer = nn.einsum("batch time i, i o -> batch o time", i=3, o=2)
    p = layer.init(0)
    x = RNG.normal(size=(2, 5, 3))
    np.testing.assert_allclose(layer.apply(p, x), np.einsum("bti,io->bot", x, p[0]))
    check_grads(_apply(layer), (p, x), order=2)


def test_causal_attention_does_not_look_ahead() -> None:
    layer = nn.attention(4, heads=2, causal=True)
    p, x = layer.init(0), RNG.normal(size=(1, 5, 4))
    changed = x.copy()
    changed[0, 3:] += 1.0
    y, z = layer.apply(p, x), layer.apply(p, changed)
    np.testing.assert_allclose(y[0, :3], z[0, :3])
    assert not np.allclose(y[0, 3:], z[0, 3:])


# ---- shapes --------------------------------------------------------------------------------


def _cnn(channels: int = 16, flat: int = 7 * 7 * 32) -> Any:
    return nn.then(
        nn.reshape((28, 28, 1)),
        nn.conv2d(1, 16, 5, padding="same"),
        relu,
        nn.max_pool(2),
        nn.conv2d(channels, 32, 5, padding="same"),
        relu,
        nn.max_pool(2),
        nn.flatten(),
        nn.linear(flat, 10),
    )


def test_a_cnn_carries_its_shapes_through_every_layer() -> None:
    net = _cnn()
    assert net.shape_of((64, 784)) == (64, 10)
    assert net.shape_of(("batch", 784)) == ("batch", 10)
    assert net.shape_of() == (..., 10)
    partial = nn.conv2d(1, 8, 5) >> nn.max_pool(2)
    assert partial.shape_of(("n", "h", "w", 1)) == ("n", "(h-4)//2", "(w-4)//2", 8)
    assert nn.conv1d(1, 2, 3, stride=2, padding=1).shape_of(("t", 1)) == ("(t-1)//2+1", 2)
    assert partial.shape_of((2, 28, 27, 1)) == (2, 12, 11, 8)


def test_a_cnn_with_the_wrong_channel_count_fails_at_init_naming_both_layers() -> None:
    with pytest.raises(ValueError) as info:
        _cnn(channels=8).init(0)
    message = str(info.value)
    for words in [
        "layer 'max_pool(2)' gives outputs of shape (..., 14, 14, 16)",
        "the next layer \"conv2d(8, 32, 5, padding='same')\" expects inputs of shape "
        "(..., height, width, 8)",
    ]:
        assert words in message


def test_a_cnn_with_the_wrong_flatten_size_fails_at_init_naming_both_layers() -> None:
    # Where both ends say only the size of the last axis, the words are the size check's.
    with pytest.raises(ValueError) as info:
        _cnn(flat=800).init(0)
    assert (
        "layer 'flatten' gives outputs of size 1568, but the next layer 'linear(800, 10)' "
        "expects inputs of size 800"
    ) in str(info.value)
    with pytest.raises(ValueError) as info:
        _cnn(flat=800).shape_of((64, 784))
    assert (
        "layer 'flatten' gives outputs of shape (64, 1568), but the next layer "
        "'linear(800, 10)' expects inputs of shape (..., 800)"
    ) in str(info.value)


def test_a_mis_composed_sequence_model_fails_at_init_naming_both_layers() -> None:
    net = nn.embedding(100, 16) >> nn.transformer_block(32, heads=4)
    with pytest.raises(ValueError) as info:
        net.init(0)
    assert (
        "layer 'embedding(100, 16)' gives outputs of size 16, but the next layer "
        "'layer_norm(32)' expects inputs of size 32"
    ) in str(info.value)
    with pytest.raises(ValueError) as info:
        (nn.embedding(100, 16) >> nn.attention(32, heads=4)).shape_of(("batch", 12))
    assert (
        "layer 'embedding(100, 16)' gives outputs of shape (batch, 12, 16), but the next layer "
        "'attention(32, heads=4)' expects inputs of shape (..., time, 32)"
    ) in str(info.value)
    rnn = nn.zero_state(nn.unroll_last(nn.lstm(8, 4))) >> nn.linear(5, 1)
    with pytest.raises(ValueError, match=r"'lstm\(8, 4\)' gives outputs of size 4.*'linear\(5"):
        rnn.init(0)


def test_an_einsum_layer_after_the_wrong_shape_fails_at_init() -> None:
    net = nn.linear(3, 4) >> nn.einsum("b j, j o -> b o", j=5, o=2)
    with pytest.raises(ValueError) as info:
        net.init(0)
    message = str(info.value)
    assert "layer 'linear(3, 4)' gives outputs of shape (..., 4)" in message
    assert "expects inputs of shape (b, 5)" in message
    with pytest.raises(ValueError, match="it has at least 3 axes, more than 2"):
        nn.einsum("b i, i o -> b o", i=3, o=2).shape_of((..., 7, 3, 3))


@pytest.mark.parametrize(
    ("spec", "sizes", "words"),
    [
        ("b i, i o -> b k", {"i": 2, "o": 2}, "the output's axis 'k' is in no operand"),
        ("b i, i o => b o", {"i": 2, "o": 2}, "one '->'"),
        ("b i -> b", {"i": 2}, "at least one weight"),
        ("b i, i o -> b o", {"i": 2}, "nn.einsum(spec, o=...)"),
        ("b i, i o -> b o", {"i": 2, "o": 3, "k": 1}, "a size is given for 'k'"),
        ("b i, ... i o -> b o", {"i": 2, "o": 2}, "a weight cannot have '...'"),
        ("b i, i o -> b o o", {"i": 2, "o": 2}, "the output repeats an axis"),
        ("b 2i, i o -> b o", {"i": 2, "o": 2}, "axis names are words"),
        ("... i, i o -> o", {"i": 2, "o": 2}, "'...' must be in both"),
        ("b i, i o -> b o", {"i": 2, "o": 0}, "must be a positive int"),
    ],
)
def test_a_mistyped_einsum_spec_is_an_error_saying_where(
    spec: str, sizes: dict[str, int], words: str
) -> None:
    with pytest.raises(ValueError) as info:
        nn.einsum(spec, **sizes)
    assert words in str(info.value)
    assert spec in str(info.value)


def test_an_input_of_the_wrong_shape_is_named_against_the_first_layer() -> None:
    with pytest.raises(ValueError) as info:
        _cnn().shape_of((64, 28, 28))
    assert "the input has shape (64, 28, 28)" in str(info.value)
    assert "'reshape((28, 28, 1))' expects inputs of shape (..., 784)" in str(info.value)
    with pytest.raises(ValueError, match="a shape is a tuple of sizes"):
        _cnn().shape_of((64, -1))


def test_size_checks_are_the_last_axis_special_case() -> None:
    with pytest.raises(ValueError) as info:
        (nn.linear(2, 3) >> nn.fn(pnp.tanh) >> nn.linear(4, 1)).init(0)
    assert str(info.value) == (
        "size mismatch in 'linear(2, 3) >> tanh >> linear(4, 1)': layer 'linear(2, 3)' gives "
        "outputs of size 3, but the next layer 'linear(4, 1)' expects inputs of size 4. Make "
        "them agree: the output size of 'linear(2, 3)' must equal the input size of "
        "'linear(4, 1)'."
    )
    assert (nn.linear(2, 3) >> nn.fn(pnp.tanh)).shape_of((5, 2)) == (5, 3)


def test_sequences_drop_their_time_axis_for_each_step() -> None:
    cell = nn.lstm(3, 4) >> nn.linear(4, 2)
    assert nn.unroll(cell).shape_of((10, 8, 3)) == (10, 8, 2)
    assert nn.unroll_last(cell).shape_of((10, 8, 3)) == (8, 2)
    with pytest.raises(ValueError, match=r"the input has shape \(10, 8, 5\).*each step"):
        nn.unroll(cell).shape_of((10, 8, 5))


def test_a_residual_needs_a_model_that_keeps_its_shape() -> None:
    with pytest.raises(ValueError, match=r"residual\(linear\(2, 3\)\).*gives \(\.\.\., 3\)"):
        nn.residual(nn.linear(2, 3)).init(0)
    assert nn.residual(nn.linear(3, 3)).shape_of((5, 3)) == (5, 3)


# ---- misuse at the call and at construction -------------------------------------------------


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: nn.conv2d(1, 4, 3, stride=0), ["conv2d(1, 4, 3, stride=0)", "stride"]),
        (lambda: nn.conv2d(3, 4, 3, groups=2), ["groups=2 must divide", "(3)"]),
        (lambda: nn.conv2d(0, 4, 3), ["c_in must be a positive int"]),
        (lambda: nn.conv1d(1, 2, (3, 3)), ["kernel needs one int per spatial axis (1)"]),
        (lambda: nn.max_pool(0), ["window must be a positive int"]),
        (lambda: nn.flatten(0), ["axes must be a positive int"]),
        (lambda: nn.reshape((28, 0)), ["each size must be a positive int"]),
        (lambda: nn.dropout(-0.1), ["rate must be a number in [0, 1)"]),
        (lambda: nn.dropout(float("nan")), ["rate must be a number in [0, 1)"]),
        (lambda: nn.batch_norm(4, momentum=0.0), ["momentum must be a number in (0, 1]"]),
        (lambda: nn.layer_norm(4, eps=-1.0), ["eps must be a number in (0, inf)"]),
        (lambda: nn.attention(6, heads=4), ["heads (4) must divide features (6)"]),
        (lambda: nn.embedding(0, 4), ["vocabulary must be a positive int"]),
    ],
)
def test_a_layer_made_with_bad_settings_says_which(make: Any, words: list[str]) -> None:
    with pytest.raises(ValueError) as info:
        make()
    for word in words:
        assert word in str(info.value)


def test_wrong_inputs_at_the_call_name_the_layer_and_the_shapes() -> None:
    conv = nn.conv2d(1, 4, 3)
    with pytest.raises(ValueError, match=r"conv2d\(1, 4, 3\): the input has 3 channels"):
        conv.apply(conv.init(0), np.ones((2, 8, 8, 3)))
    with pytest.raises(ValueError, match=r"reshape\(\(28, 28, 1\)\).*shape \(2, 780\)"):
        nn.reshape((28, 28, 1)).apply(None, np.ones((2, 780)))
    with pytest.raises(ValueError, match=r"max_pool\(4\): spatial axis 0 has size 3"):
        nn.max_pool(4).apply(None, np.ones((1, 3, 8, 2)))
    emb = nn.embedding(10, 2)
    with pytest.raises(ValueError, match=r"ints in \[0, 10\), got -1 at index \(0, 1\)"):
        emb.apply(emb.init(0), np.array([[3, -1]]))
    with pytest.raises(ValueError, match="token ids must be ints, got an array of float64"):
        emb.apply(emb.init(0), np.array([1.0]))
    with pytest.raises(ValueError, match=r"a causal mask needs as many queries as keys, got 2"):
        nn.scaled_dot_product_attention(np.ones((2, 4)), np.ones((3, 4)), np.ones((3, 1)), True)
    att = nn.attention(4)
    with pytest.raises(ValueError, match=r"expects a sequence \(\.\.\., time, 4\), got .*\(2, 3\)"):
        att.apply(att.init(0), np.ones((2, 3)))
    bn = nn.batch_norm(3)
    with pytest.raises(ValueError, match="normalises 3 features"):
        bn.apply(bn.init(0), np.ones((4, 2)), bn.init_state(0))
    with pytest.raises(ValueError, match="at least 2 values per feature"):
        bn.apply(bn.init(0), np.ones((1, 3)), bn.init_state(0))
    with pytest.raises(ValueError, match=r"takes inputs \(b i\) of shape \(b, 3\)"):
        layer = nn.einsum("b i, i o -> b o", i=3, o=1)
        layer.apply(layer.init(0), np.ones((2, 4)))
