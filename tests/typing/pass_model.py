"""Must type-check: models compose when outputs match inputs."""

from typing import reveal_type

import numpy as np

from paralens import nn

net = nn.linear(2, 3) >> nn.tanh_layer(3, 1)
reveal_type(net)
after = nn.tanh_layer(3, 1) << nn.linear(2, 3)
reveal_type(after)
deep = nn.mlp([2, 4, 1]) >> nn.logistic_layer(1, 1)
reveal_type(deep)
params = net.init(0)
reveal_type(params)
y = net.apply(params, np.ones(2))
reveal_type(y)


def word_length(p: None, word: str) -> float:
    return float(len(word))


lengths = nn.model(word_length, lambda rng: None) >> nn.lin_reg()
reveal_type(lengths)
same_float: nn.Model[None, float, float] = nn.identity()
same = same_float >> nn.lin_reg()
reveal_type(same)
chain = nn.then(nn.linear(2, 3), nn.tanh_layer(3, 4), nn.linear(4, 1))
reveal_type(chain)
