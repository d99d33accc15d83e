"""Must type-check: stateful models compose with each other and with stateless ones."""

from typing import reveal_type

import numpy as np

import paralens.numpy as pnp
from paralens import nn

rnn = nn.fcrnn(1, 4) >> nn.gru(4, 2)
reveal_type(rnn)
head = nn.lstm(1, 4) >> nn.linear(4, 1)
reveal_type(head)
lifted = nn.to_stateful(nn.linear(3, 1)) >> nn.fcrnn(1, 2)
reveal_type(lifted)
after = nn.linear(4, 1) << nn.lstm(1, 4)
reveal_type(after)
mapped = nn.map_s(pnp.logistic, nn.fcrnn(1, 30)) >> nn.linear(30, 1)
sequence_model = nn.zero_state(nn.unroll_last(mapped))
reveal_type(sequence_model)
all_outputs = nn.unroll(nn.gru(2, 3))
reveal_type(all_outputs)
trained = nn.train_state(nn.unroll_last(nn.lstm(2, 3)))
reveal_type(trained)
fixed = nn.fix_state(np.zeros(3), nn.gru(2, 3))
reveal_type(fixed)
autoregressive = nn.ar(2)
state = nn.prime(autoregressive, autoregressive.init(0), np.zeros(1), [0.1, 0.2])
reveal_type(state)
values = nn.feedback(autoregressive, autoregressive.init(0), state, 0.3, 5)
reveal_type(values)
window = nn.lagged(1, nn.linear(2, 1))
reveal_type(window)
