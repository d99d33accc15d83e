"""Must type-check: the layers of images and sequences compose, and keep their types in
evaluation."""

from typing import reveal_type

import numpy as np

from paralens import nn

features = nn.conv2d(1, 8, 3, padding="same") >> nn.max_pool(2)
reveal_type(features)
reveal_type(features.init(0))
normed = nn.to_stateful(nn.linear(4, 4)) >> nn.batch_norm(4)
reveal_type(normed.evaluation())
y, state = nn.batch_norm(4).apply(
    nn.batch_norm(4).init(0), np.ones((2, 4)), nn.batch_norm(4).init_state(0)
)
reveal_type(state)
tokens = nn.embedding(10, 8) >> nn.attention(8, heads=2)
reveal_type(tokens)
