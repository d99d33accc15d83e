"""Models as values: parameterised functions, composed.

A ``Model[P, A, B]`` is a parameterised function ``apply(p, x) -> y`` with ``init(key) -> p``;
a ``ModelS[P, S, A, B]`` also threads a state, ``apply(p, x, s) -> (y, s)``. Models compose
with ``>>`` (then) and ``<<`` (after), pairing their parameters ``(p_first, p_second)``;
``then(f, g, h, ...)`` composes any number. Layers return models: dense and recurrent
(``linear``, ``mlp``, ``lstm``, ...), convolutional (``conv1d``, ``conv2d``,
``max_pool``, ``avg_pool``, ``flatten``, ``reshape``), normalising (``layer_norm``,
``batch_norm``, ``dropout``) and for sequences (``embedding``, ``attention``,
``transformer_block``, ``einsum``); combinators (``unroll``, ``recurrently``,
``residual``, ...) turn models into models; ``summary`` tabulates a model's parameters.
Shapes are part of a model's type: ``model.shape_of(input_shape)`` runs them through the
composition, as ``init`` does before it makes any parameter, and ``model.evaluation()`` is
the model as it runs in evaluation (dropout off, batch norm on its running statistics).

Examples:
    >>> import numpy as np
    >>> import paralens
    >>> import paralens.numpy as pnp
    >>> from paralens import nn
    >>> net = nn.logistic_layer(2, 4) >> nn.logistic_layer(4, 1)
    >>> p = net.init(0)
    >>> x = np.array([[0.0, 1.0], [1.0, 1.0]])
    >>> g = paralens.grad(lambda p: pnp.sum(net.apply(p, x)))(p)
    >>> type(g[0]).__name__, g[0].w.shape
    ('Linear', (2, 4))
"""

from paralens.nn._attention import (
    Attention,
    Embedding,
    attention,
    embedding,
    residual,
    scaled_dot_product_attention,
    transformer_block,
)
from paralens.nn._combinators import fix_state, map_s, to_stateful, train_state, zero_state
from paralens.nn._conv import Conv, conv1d, conv2d, flatten, reshape
from paralens.nn._einsum import einsum
from paralens.nn._layers import (
    Array,
    Linear,
    LinReg,
    lin_reg,
    linear,
    log_reg,
    logistic_layer,
    mlp,
    relu_layer,
    softmax_layer,
    tanh_layer,
)
from paralens.nn._lift import fn, model, model_s
from paralens.nn._memory import lagged, recurrently, recurrently_with
from paralens.nn._model import Key, Model, ModelS, identity, then
from paralens.nn._norm import BatchNormState, Norm, batch_norm, dropout, dropout_mask, layer_norm
from paralens.nn._pooling import avg_pool, max_pool
from paralens.nn._recurrent import (
    ARParams,
    FCRNNParams,
    Gate,
    GRUParams,
    LSTMParams,
    LSTMState,
    ar,
    fcrnn,
    gru,
    lstm,
)
from paralens.nn._sequences import feedback, prime, unroll, unroll_last
from paralens.nn._summary import Summary, summary

__all__ = [
    "ARParams",
    "Array",
    "Attention",
    "BatchNormState",
    "Conv",
    "Embedding",
    "FCRNNParams",
    "GRUParams",
    "Gate",
    "Key",
    "LSTMParams",
    "LSTMState",
    "LinReg",
    "Linear",
    "Model",
    "ModelS",
    "Norm",
    "Summary",
    "ar",
    "attention",
    "avg_pool",
    "batch_norm",
    "conv1d",
    "conv2d",
    "dropout",
    "dropout_mask",
    "einsum",
    "embedding",
    "fcrnn",
    "feedback",
    "fix_state",
    "flatten",
    "fn",
    "gru",
    "identity",
    "lagged",
    "layer_norm",
    "lin_reg",
    "linear",
    "log_reg",
    "logistic_layer",
    "lstm",
    "map_s",
    "max_pool",
    "mlp",
    "model",
    "model_s",
    "prime",
    "recurrently",
    "recurrently_with",
    "relu_layer",
    "reshape",
    "residual",
    "scaled_dot_product_attention",
    "softmax_layer",
    "summary",
    "tanh_layer",
    "then",
    "to_stateful",
    "train_state",
    "transformer_block",
    "unroll",
    "unroll_last",
    "zero_state",
]
