"""Sequences of tokens: ``embedding``, multi-head ``attention``, ``residual`` and
``transformer_block``.

A sequence is ``(..., time, features)``, the features last as for every layer here. Each
piece is plain Python over ``paralens.numpy`` primitives (``take``, ``matmul``,
``softmax``...), so its derivatives, to any order and in both modes, are theirs.

Examples:
    >>> import numpy as np
    >>> from paralens import nn
    >>> net = nn.embedding(50, 8) >> nn.transformer_block(8, heads=2, hidden=16, causal=True)
    >>> net.shape_of(("batch", 12))
    ('batch', 12, 8)
    >>> net.apply(net.init(0), np.array([[1, 4, 2], [7, 0, 3]])).shape
    (2, 3, 8)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

import paralens.numpy as pnp
from paralens._core import plain_value
from paralens.nn._combinators import wrap_stateless
from paralens.nn._layers import Array, Linear, glorot, linear, relu_layer
from paralens.nn._model import Model
from paralens.nn._norm import layer_norm
from paralens.nn._shapes import ANY, Flow, LayerShape, ShapeMismatch, show, unify
from paralens.nn._structure import CHILD_PARAMS, Combinator, Sizes, declared_input, flow_through
from paralens.tree import asarray_like, to_numpy
from paralens.tree._convert import library_of

__all__ = [
    "Attention",
    "Embedding",
    "attention",
    "embedding",
    "residual",
    "scaled_dot_product_attention",
    "transformer_block",
]

P = TypeVar("P")
A = TypeVar("A")


def _positive(n: Any, what: str, where: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"{where}: {what} must be a positive int, got {n!r}")
    return int(n)


# ---- embedding ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Embedding:
    """Parameters of an embedding: one row of ``table`` ``(vocabulary, features)`` per token.

    Examples:
        >>> Embedding(np.zeros((10, 4))).table.shape
        (10, 4)
    """

    table: Array


def embedding(vocabulary: int, features: int) -> Model[Embedding, Array, Array]:
    """Token ids (ints in ``[0, vocabulary)``) to learned vectors of ``features``.

    Types: ``Model[Embedding, Array, Array]``, from ids of any shape ``s`` to ``(*s,
    features)``; the rows start normal with standard deviation 1. The gradient reaches
    only the rows of the ids seen.

    Args:
        vocabulary: how many token ids there are.
        features: the size of each vector.

    Returns:
        The layer; its parameters are ``Embedding(table)``.

    Raises:
        ValueError: a size is not a positive int; at the call, ids that are not ints in
            range (the message names the first).

    Examples:
        >>> import numpy as np
        >>> layer = embedding(10, 3)
        >>> layer.apply(layer.init(0), np.array([[1, 2], [3, 9]])).shape
        (2, 2, 3)
        >>> layer.apply(layer.init(0), np.array([4, 10]))
        Traceback (most recent call last):
        ...
        ValueError: embedding(10, 3): token ids must be ints in [0, 10), got 10 at index (1,)
    """
    name = f"embedding({vocabulary}, {features})"
    n = _positive(vocabulary, "vocabulary", name)
    d = _positive(features, "features", name)

    def init(rng: np.random.Generator) -> Embedding:
        return Embedding(rng.normal(0.0, 1.0, (n, d)))

    def apply(p: Embedding, ids: Any) -> Array:
        ids = pnp.stop_gradient_array(ids)
        given = np.asarray(ids if type(ids) is np.ndarray else to_numpy(ids))
        if given.dtype.kind not in "iu":
            raise ValueError(f"{name}: token ids must be ints, got an array of {given.dtype}")
        bad = np.argwhere((given < 0) | (given >= n))
        if len(bad):
            where = tuple(int(i) for i in bad[0])
            raise ValueError(
                f"{name}: token ids must be ints in [0, {n}), got {given[where]} at index {where}"
            )
        table = plain_value(p.table)
        if type(table) is not np.ndarray and library_of(table) is not None:
            given = asarray_like(given, table)  # the index in the table's library
        y: Array = pnp.take(p.table, given, axis=0)
        return y

    shapes = LayerShape(ANY, lambda s: (*s, d))
    return Model(apply, init, name=name, out_size=d, shapes=shapes)


# ---- attention ------------------------------------------------------------------------------


def scaled_dot_product_attention(q: Any, k: Any, v: Any, causal: bool = False) -> Any:
    """``softmax(q kᵀ / sqrt(d)) v`` over the last two axes, optionally causal.

    Args:
        q: queries ``(..., t_q, d)``.
        k: keys ``(..., t_k, d)``.
        v: values ``(..., t_k, d_v)``.
        causal: each query sees only the keys at or before its own position (``t_q`` must
            equal ``t_k``).

    Returns:
        ``(..., t_q, d_v)``.

    Raises:
        ValueError: the shapes do not fit together, or ``causal`` with ``t_q != t_k``.

    References:
        Vaswani et al., *Attention is all you need* (2017).

    Examples:
        >>> import numpy as np
        >>> q = k = np.eye(2)
        >>> scaled_dot_product_attention(q, k, np.array([[1.0], [3.0]]), causal=True)
        array([[1.  ],
               [2.34]])
    """
    q_shape, k_shape, v_shape = (tuple(pnp.shape(a)) for a in (q, k, v))
    if min(len(q_shape), len(k_shape), len(v_shape)) < 2:
        raise ValueError(
            f"attention: queries, keys and values must be (..., time, features), got shapes "
            f"{q_shape}, {k_shape} and {v_shape}"
        )
    if q_shape[-1] != k_shape[-1] or k_shape[-2] != v_shape[-2]:
        raise ValueError(
            f"attention: queries {q_shape} and keys {k_shape} need the same features (last "
            f"axis), and keys and values {v_shape} the same length (axis -2)"
        )
    scores = pnp.matmul(q, pnp.swapaxes(k, -1, -2)) / math.sqrt(q_shape[-1])
    if causal:
        if q_shape[-2] != k_shape[-2]:
            raise ValueError(
                f"attention: a causal mask needs as many queries as keys, got {q_shape[-2]} "
                f"queries (shape {q_shape}) and {k_shape[-2]} keys (shape {k_shape}); drop "
                f"causal=True for attention across sequences of different lengths"
            )
        seen = np.tril(np.ones((q_shape[-2], k_shape[-2]), dtype=bool))
        plain = plain_value(scores)
        if type(plain) is not np.ndarray and library_of(plain) is not None:
            seen = asarray_like(seen, plain)  # the mask in the library of the scores
        scores = pnp.where(seen, scores, -np.inf)
    return pnp.matmul(pnp.softmax(scores, axis=-1), v)


@dataclass(frozen=True)
class Attention:
    """Parameters of multi-head attention: the query, key, value and output projections.

    Examples:
        >>> attention(4, heads=2).init(0).query.w.shape
        (4, 4)
    """

    query: Linear
    key: Linear
    value: Linear
    output: Linear


def attention(
    features: int, heads: int = 1, causal: bool = False
) -> Model[Attention, Array, Array]:
    """Multi-head scaled dot-product self-attention over a sequence ``(..., time,
    features)``.

    The sequence is projected to queries, keys and values, split into ``heads`` heads of
    ``features // heads`` each, attended (``scaled_dot_product_attention``), joined, and
    projected back.

    Types: ``Model[Attention, Array, Array]``, ``(..., time, features)`` to the same shape.

    Args:
        features: the size of the last axis.
        heads: how many heads; it must divide ``features``.
        causal: each position attends only to itself and the positions before it.

    Returns:
        The layer; its parameters are ``Attention(query, key, value, output)``, four
        ``Linear``.

    Raises:
        ValueError: ``heads`` does not divide ``features``.

    Examples:
        >>> import numpy as np
        >>> layer = attention(8, heads=2, causal=True)
        >>> x = np.random.default_rng(0).normal(size=(3, 5, 8))
        >>> y = layer.apply(layer.init(0), x)
        >>> y.shape
        (3, 5, 8)
        >>> bool(np.allclose(layer.apply(layer.init(0), x[:, :2])[:, :2], y[:, :2]))
        True
        >>> attention(6, heads=4)
        Traceback (most recent call last):
        ...
        ValueError: attention(6, heads=4): heads (4) must divide features (6)
    """
    name = f"attention({features}, heads={heads}" + (", causal=True" if causal else "") + ")"
    d = _positive(features, "features", name)
    h = _positive(heads, "heads", name)
    if d % h:
        raise ValueError(f"{name}: heads ({h}) must divide features ({d})")

    def project(rng: np.random.Generator) -> Linear:
        return Linear(glorot(rng, d, d, (d, d)), np.zeros(d))

    def init(rng: np.random.Generator) -> Attention:
        return Attention(project(rng), project(rng), project(rng), project(rng))

    def split(z: Any) -> Any:
        shape = tuple(pnp.shape(z))
        return pnp.swapaxes(pnp.reshape(z, (*shape[:-1], h, d // h)), -2, -3)

    def apply(p: Attention, x: Array) -> Array:
        shape = tuple(pnp.shape(x))
        if len(shape) < 2 or shape[-1] != d:
            raise ValueError(
                f"{name} expects a sequence (..., time, {d}), got an input of shape {shape}"
            )
        q, k, v = (split(x @ w.w + w.b) for w in (p.query, p.key, p.value))
        heads_out = scaled_dot_product_attention(q, k, v, causal)
        joined = pnp.reshape(pnp.swapaxes(heads_out, -2, -3), shape)
        y: Array = joined @ p.output.w + p.output.b
        return y

    shapes = LayerShape((..., "time", d), lambda s: s, preserves=True)
    return Model(apply, init, name=name, shapes=shapes)


# ---- residual connections and the transformer block ----------------------------------------


class _ResidualSizes(Sizes):
    """A residual adds its input to its model's output, so the model must keep its shape."""

    def __init__(self) -> None:
        super().__init__(True, True)

    def shape_of(self, m: Any, given: Flow) -> Flow:
        (child,) = m.children
        out = flow_through(child, given)
        try:
            taken = unify(declared_input(child).shape, given.shape)
            unify(taken, out.shape)
        except ShapeMismatch as e:
            raise ValueError(
                f"{m.name}: a residual adds its input to its model's output, but the model "
                f"gives {show(out.shape)} for inputs {show(taken)} ({e}); make the "
                f"model keep the shape of its input"
            ) from None
        return Flow(taken if out.shape == ANY else out.shape, given.source)


RESIDUAL = Combinator("residual", CHILD_PARAMS, sizes=_ResidualSizes())


def residual(m: Model[P, A, A]) -> Model[P, A, A]:
    """``x + m(x)``: a residual connection around a model that keeps the shape of its input.

    Types: ``Model[P, A, A]`` to ``Model[P, A, A]``, with ``m``'s parameters.

    Args:
        m: the model, whose output has its input's shape (checked at ``init``).

    Returns:
        The model, of kind ``"residual"``.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> m = residual(nn.linear(2, 2))
        >>> m.apply(nn.Linear(np.zeros((2, 2)), np.ones(2)), np.array([1.0, 2.0]))
        array([2., 3.])
        >>> residual(nn.linear(2, 3)).init(0)
        Traceback (most recent call last):
        ...
        ValueError: residual(linear(2, 3)): a residual adds its input to its model's output, but the model gives (..., 3) for inputs (..., 2) (axis -1 has size 3, not 2); make the model keep the shape of its input
    """  # noqa: E501

    def build(f: Any) -> Any:
        def apply(p: P, x: A) -> A:
            y: A = x + f(p, x)
            return y

        return apply

    return wrap_stateless(m, RESIDUAL, build)


def transformer_block(
    features: int, heads: int = 1, hidden: int | None = None, causal: bool = False
) -> Model[tuple[Any, Any], Array, Array]:
    """A transformer block: attention and a two-layer ReLU network, each inside a residual
    connection after a layer norm (the "pre-norm" arrangement).

    ``residual(layer_norm >> attention) >> residual(layer_norm >> relu_layer >> linear)``,
    composed from the layers here, so its structure shows in ``nn.summary`` and the
    diagrams.

    Types: ``(..., time, features)`` to the same shape.

    Args:
        features: the size of the last axis.
        heads: the attention's heads.
        hidden: the width of the network's hidden layer (default ``4 * features``).
        causal: the attention is causal.

    Returns:
        The model.

    References:
        Vaswani et al., *Attention is all you need* (2017); Xiong et al., *On layer
        normalization in the transformer architecture* (2020), for the pre-norm order.

    Examples:
        >>> import numpy as np
        >>> block = transformer_block(4, heads=2, hidden=8)
        >>> block.apply(block.init(0), np.ones((2, 3, 4))).shape
        (2, 3, 4)
    """
    width = 4 * features if hidden is None else hidden
    mixing = residual(layer_norm(features) >> attention(features, heads, causal))
    network = layer_norm(features) >> relu_layer(features, width) >> linear(width, features)
    block: Model[tuple[Any, Any], Array, Array] = mixing >> residual(network)
    return block
