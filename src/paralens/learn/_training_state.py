"""Training a stateful model: its state carried from one training step to the next.

A stateful model (``nn.ModelS``) trained by ``fit`` or ``make_step`` keeps a state that
changes with each step but is not learned by gradient: batch norm's running statistics,
dropout's key. Its trained value is the pair ``(params, state)``: the step differentiates
the loss with respect to ``params`` only, updates them with the optimiser (whose state is
made for ``params`` alone), and keeps the state the model returned. Evaluation applies
``model.evaluation()`` (dropout off, batch norm on its running statistics) to the pair.

Examples:
    >>> import numpy as np
    >>> from paralens import nn, optim
    >>> from paralens.learn import make_step, squared_error
    >>> model = nn.to_stateful(nn.linear(2, 2)) >> nn.batch_norm(2)
    >>> pair = initial_params(model, np.random.default_rng(0))
    >>> opt = optim.sgd(0.1)
    >>> step = make_step(model, squared_error, opt)
    >>> x = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    >>> pair, _, _ = step(pair, opt.init(pair[0]), (x, x))
    >>> pair[1][1].mean.round(3)
    array([-0.079, -0.175])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from paralens import tree
from paralens._ad import value_and_grad
from paralens._core import plain_value
from paralens.nn import ModelS
from paralens.optim import UpdateRule, apply_updates

__all__ = [
    "check_trained",
    "initial_params",
    "is_stateful",
    "predict",
    "stateful_update",
    "trained_part",
]


def is_stateful(model: Any) -> bool:
    """Whether ``model`` keeps a state that training carries from step to step."""
    return isinstance(model, ModelS)


def initial_params(model: Any, rng: Any) -> Any:
    """What training starts from: ``model.init(rng)``, and for a stateful model the pair
    ``(model.init(rng), model.init_state(rng))``."""
    if is_stateful(model):
        return model.init(rng), model.init_state(rng)
    return model.init(rng)


def trained_part(model: Any, params: Any) -> Any:
    """The part of ``params`` the optimiser updates: the parameters of a stateful model's
    pair, or all of them."""
    return params[0] if is_stateful(model) else params


def check_trained(model: Any, params: Any) -> None:
    """Check ``params`` against ``model`` (for a stateful model, a pair ``(params, state)``).

    Raises:
        ValueError: they do not fit; the message says where.
    """
    if is_stateful(model) and not (isinstance(params, tuple) and len(params) == 2):
        raise ValueError(
            f"{model.name} is stateful, so training takes the pair (params, state), such as "
            f"(model.init(0), model.init_state(0)); got {type(params).__name__}"
        )
    check: Callable[[Any], None] | None = getattr(model, "check_params", None)
    if not callable(check):
        return
    try:
        check(trained_part(model, params))
    except ValueError as e:
        if not is_stateful(model):
            raise
        raise ValueError(
            f"{e} (training the stateful {model.name} takes the pair (params, state): is "
            f"params[0] its parameters?)"
        ) from None


def predict(model: Any, params: Any, inputs: Any) -> Any:
    """The model's predictions in evaluation (``model.evaluation()`` where it has one)."""
    evaluation = getattr(model, "evaluation", None)
    running = evaluation() if callable(evaluation) else model
    if is_stateful(model):
        prediction, _ = running.apply(params[0], inputs, params[1])
        return prediction
    return running.apply(params, inputs)


def stateful_update(
    model: Any, loss: Callable[[Any, Any], Any], optimiser: UpdateRule
) -> Callable[[Any, Any, Any, Any], tuple[Any, Any, Any]]:
    """``update(pair, opt_state, inputs, targets) -> (pair, opt_state, loss)`` of a
    stateful model, the loss left as the value computed (``jit`` stages this function)."""
    kept: list[Any] = []

    def objective(params: Any, state: Any, inputs: Any, targets: Any) -> Any:
        prediction, new_state = model.apply(params, inputs, state)
        kept.append(new_state)
        return loss(prediction, targets)

    loss_and_grad = value_and_grad(objective)
    update = optimiser.update

    def step(pair: Any, opt_state: Any, inputs: Any, targets: Any) -> tuple[Any, Any, Any]:
        params, state = pair
        kept.clear()  # nothing left over from a step that raised
        value, grads = loss_and_grad(params, state, inputs, targets)
        # The state carries no gradient; what the model returned is read as plain values.
        new_state = tree.tree_map(plain_value, kept.pop())
        updates, opt_state = update(grads, opt_state, params)
        return (apply_updates(params, updates), new_state), opt_state, value

    return step
