"""The training step, a pure function ``(params, opt_state, batch) -> (params, opt_state,
metrics)``, and ``evaluate``; ``fit`` (in ``_fit.py``) is the loop around them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from paralens import jit as staging
from paralens._ad import value_and_grad
from paralens.learn._callbacks import Metrics
from paralens.learn._learner import Trainable
from paralens.learn._training_state import is_stateful, predict, stateful_update
from paralens.optim import UpdateRule, apply_updates

__all__ = ["Loss", "Step", "evaluate", "make_step", "pure_update"]

Loss = Callable[[Any, Any], Any]
Step = Callable[[Any, Any, Any], tuple[Any, Any, Metrics]]


def make_step(model: Trainable, loss: Loss, optimiser: UpdateRule, *, jit: bool = False) -> Step:
    """A pure training step for ``model``, ``loss`` and ``optimiser``.

    ``step(params, opt_state, (inputs, targets))`` computes the loss of the batch and its
    gradient, applies one update, and returns ``(params, opt_state, {"loss": value})``
    as new values; its arguments are left unchanged. For a stateful model (``nn.ModelS``:
    batch norm, dropout) ``params`` is the pair ``(params, state)``: the state the model
    returns is carried to the next step, and only ``params`` are differentiated and
    updated (the optimiser's state is made for them alone).

    With ``jit=True`` the whole step (loss, gradient and update) is staged by
    ``paralens.jit`` on its first call with a batch of a given shape and replayed after,
    with ``params`` and ``opt_state`` *donated*: the step writes the new values into
    their arrays. Pass each step what the one before returned, and keep a copy
    (``tree_map(np.copy, params)``) of any value you mean to use after giving it to the
    step; a donated value given to it again raises.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn, optim
        >>> from paralens.learn import squared_error
        >>> model, opt = nn.linear(1, 1), optim.sgd(0.1)
        >>> step = make_step(model, squared_error, opt)
        >>> params = model.init(0)
        >>> state = opt.init(params)
        >>> x = np.array([[0.0], [1.0], [2.0]])
        >>> for _ in range(500):
        ...     params, state, metrics = step(params, state, (x, 3.0 * x - 1.0))
        >>> round(metrics["loss"], 6)
        0.0
        >>> staged = make_step(model, squared_error, opt, jit=True)
        >>> params = model.init(0)
        >>> state = opt.init(params)
        >>> for _ in range(500):
        ...     params, state, metrics = staged(params, state, (x, 3.0 * x - 1.0))
        >>> round(metrics["loss"], 6), staged.cache_info().traces  # type: ignore[attr-defined]
        (0.0, 1)
    """
    update = pure_update(model, loss, optimiser)
    if jit:
        return _staged_step(update)

    def step(params: Any, opt_state: Any, batch: Any) -> tuple[Any, Any, Metrics]:
        inputs, targets = batch
        params, opt_state, value = update(params, opt_state, inputs, targets)
        return params, opt_state, {"loss": float(value)}

    return step


def pure_update(
    model: Trainable, loss: Loss, optimiser: UpdateRule
) -> Callable[[Any, Any, Any, Any], tuple[Any, Any, Any]]:
    """``update(params, opt_state, inputs, targets) -> (params, opt_state, loss)``."""
    if is_stateful(model):
        return stateful_update(model, loss, optimiser)

    def objective(params: Any, inputs: Any, targets: Any) -> Any:
        return loss(model.apply(params, inputs), targets)

    loss_and_grad = value_and_grad(objective)
    rule = optimiser.update

    def update(params: Any, opt_state: Any, inputs: Any, targets: Any) -> tuple[Any, Any, Any]:
        value, grads = loss_and_grad(params, inputs, targets)
        updates, opt_state = rule(grads, opt_state, params)
        return apply_updates(params, updates), opt_state, value

    return update


class _StagedStep:
    """A training step staged by ``jit``, parameters and optimiser state donated."""

    def __init__(self, update: Callable[[Any, Any, Any, Any], tuple[Any, Any, Any]]) -> None:
        self.staged = staging.jit(update, donate_argnums=(0, 1))

    def __call__(self, params: Any, opt_state: Any, batch: Any) -> tuple[Any, Any, Metrics]:
        inputs, targets = batch
        params, opt_state, value = self.staged(params, opt_state, inputs, targets)
        return params, opt_state, {"loss": float(value)}

    def cache_info(self) -> staging.CacheInfo:
        return self.staged.cache_info()

    def source(self, params: Any, opt_state: Any, batch: Any) -> str:
        """The generated code of the step for arguments of this signature."""
        return self.staged.source(params, opt_state, *batch)


def _staged_step(update: Callable[[Any, Any, Any, Any], tuple[Any, Any, Any]]) -> Step:
    return _StagedStep(update)


def evaluate(
    model: Trainable,
    params: Any,
    data: tuple[Any, Any],
    loss: Loss,
    metrics: Mapping[str, Callable[[Any, Any], float]] | None = None,
) -> Metrics:
    """The loss and ``metrics`` of ``model`` with ``params`` on ``data = (inputs, targets)``.

    The model runs as in evaluation (``model.evaluation()``: dropout off, batch norm on its
    running statistics); a stateful model's ``params`` are the pair ``(params, state)``.

    Examples:
        >>> import numpy as np
        >>> from paralens import nn
        >>> from paralens.learn import accuracy, softmax_cross_entropy
        >>> model = nn.linear(2, 2)
        >>> p = model.init(0)
        >>> result = evaluate(model, p, (np.eye(2), np.array([0, 1])), softmax_cross_entropy,
        ...                   {"accuracy": accuracy})
        >>> sorted(result)
        ['accuracy', 'loss']
    """
    inputs, targets = data
    prediction = predict(model, params, inputs)
    out = {"loss": float(loss(prediction, targets))}
    for name, metric in (metrics or {}).items():
        out[name] = float(metric(prediction, targets))
    return out
