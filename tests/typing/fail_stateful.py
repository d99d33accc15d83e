"""Must not type-check: stateless before stateful without to_stateful, mismatched types."""

import numpy as np

from paralens import nn

stateless_first = nn.linear(3, 1) >> nn.fcrnn(1, 2)
stateful_after = nn.fcrnn(1, 2) << nn.linear(3, 1)
float_into_array = nn.ar(2) >> nn.fcrnn(1, 2)
array_into_float = nn.fcrnn(1, 2) >> nn.lin_reg()
not_a_loop = nn.feedback(
    nn.lagged(1, nn.linear(2, 1)), nn.Linear(np.zeros((2, 1)), np.zeros(1)), np.zeros(1), 0.0, 3
)
wrong_state = nn.fix_state(0.0, nn.gru(2, 3))
