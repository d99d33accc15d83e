"""Optimisers as update rules: pure functions with explicit state, composed with ``chain``.

An update rule is a pair of pure functions ``init(params) -> state`` and
``update(grads, state, params) -> (updates, state)``. The state is a NamedTuple holding
values with the structure of the parameters; nothing is changed in place. Named optimisers
are chains of small ``scale_by_*`` rules, and learning rates may be schedules.

Examples:
    >>> import numpy as np
    >>> from paralens import optim
    >>> opt = optim.adam(0.1)
    >>> params = {"w": np.array([1.0, -2.0])}
    >>> state = opt.init(params)
    >>> grads = {"w": 2 * params["w"]}
    >>> updates, state = opt.update(grads, state, params)
    >>> optim.apply_updates(params, updates)
    {'w': array([ 0.9, -1.9])}
"""

from paralens.optim._base import EmptyState, UpdateRule, apply_updates, chain, scale
from paralens.optim._rules import (
    AdamState,
    MomentumState,
    RmsState,
    RssState,
    ScheduleState,
    adagrad,
    adam,
    adamw,
    add_weight_decay,
    clip_by_global_norm,
    rmsprop,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_momentum,
    scale_by_rms,
    scale_by_rss,
    scale_by_schedule,
    sgd,
)
from paralens.optim._schedules import (
    Schedule,
    as_schedule,
    constant,
    cosine_decay,
    exponential_decay,
    warmup,
)

__all__ = [
    "AdamState",
    "EmptyState",
    "MomentumState",
    "RmsState",
    "RssState",
    "Schedule",
    "ScheduleState",
    "UpdateRule",
    "adagrad",
    "adam",
    "adamw",
    "add_weight_decay",
    "apply_updates",
    "as_schedule",
    "chain",
    "clip_by_global_norm",
    "constant",
    "cosine_decay",
    "exponential_decay",
    "rmsprop",
    "scale",
    "scale_by_adam",
    "scale_by_learning_rate",
    "scale_by_momentum",
    "scale_by_rms",
    "scale_by_rss",
    "scale_by_schedule",
    "sgd",
    "warmup",
]
