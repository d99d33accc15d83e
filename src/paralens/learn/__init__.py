"""Learning: losses, learners (*Backprop as Functor*), a pure training step, and ``fit``.

Examples:
    >>> import paralens.numpy as pnp
    >>> from paralens import data, nn, optim
    >>> from paralens.learn import accuracy, binary_cross_entropy, fit
    >>> x, y = data.circle_data(512, key=0)
    >>> model = nn.mlp([2, 16, 1]) >> nn.fn(lambda z: pnp.logistic(z[..., 0]))
    >>> params, history = fit(model, binary_cross_entropy, optim.adam(0.05), (x, y), epochs=30,
    ...                       eval_data=(x, y), metrics={"accuracy": accuracy})
    >>> [record["epoch"] for record in history[:3]], history[-1]["eval_accuracy"] > 0.9
    ([1, 2, 3], True)
"""

from paralens.learn._adversarial import adversarial, discriminator_error, train_adversarial
from paralens.learn._callbacks import (
    Callback,
    EarlyStopping,
    History,
    Metrics,
    StopTraining,
    early_stopping,
)
from paralens.learn._checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from paralens.learn._fit import fit
from paralens.learn._learner import (
    Error,
    Learner,
    Trainable,
    binary_cross_entropy_error,
    gradient_learner,
    quadratic_error,
)
from paralens.learn._losses import (
    accuracy,
    binary_cross_entropy,
    cross_entropy,
    softmax_cross_entropy,
    squared_error,
)
from paralens.learn._meta import HypergradientState, hypergradient, step_size_gradient
from paralens.learn._train import Step, evaluate, make_step

__all__ = [
    "Callback",
    "CheckpointError",
    "EarlyStopping",
    "Error",
    "History",
    "HypergradientState",
    "Learner",
    "Metrics",
    "Step",
    "StopTraining",
    "Trainable",
    "accuracy",
    "adversarial",
    "binary_cross_entropy",
    "binary_cross_entropy_error",
    "cross_entropy",
    "discriminator_error",
    "early_stopping",
    "evaluate",
    "fit",
    "gradient_learner",
    "hypergradient",
    "load_checkpoint",
    "make_step",
    "quadratic_error",
    "save_checkpoint",
    "softmax_cross_entropy",
    "squared_error",
    "step_size_gradient",
    "train_adversarial",
]
