"""Meta-learning: learning the step size by differentiating through the update rule.

An update rule is a value, and so is its step size: the loss *after* an update step is a
differentiable function of the step size that made the step, through the rule itself.
``step_size_gradient`` computes that derivative directly. ``hypergradient`` is an update
rule that follows it while training: hypergradient descent, which adjusts the step size
at every step by descending the loss with respect to it.

The derivative of the loss after the step ``params(lr) = params + updates(lr)`` is, by the
chain rule, ``<grad L(params(lr)), d params / d lr>``: the gradient that the next step
computes anyway, paired with the tangent of the last update with respect to the step size
(computed by forward-mode differentiation of the rule). So learning the step size costs
one forward-mode pass through the update rule per step, and no extra gradient of the loss.
The step size is kept as its logarithm, so it stays positive and is adjusted by factors.

Examples:
    >>> import numpy as np
    >>> from paralens import optim
    >>> from paralens.learn import hypergradient
    >>> curvature = np.array([1.0, 10.0])
    >>> def descend(rule, steps=100):
    ...     x = np.ones(2)
    ...     state = rule.init(x)
    ...     for _ in range(steps):
    ...         updates, state = rule.update(curvature * x, state, x)
    ...         x = optim.apply_updates(x, updates)
    ...     return 0.5 * np.sum(curvature * x * x), state
    >>> loss_fixed, _ = descend(optim.sgd(1e-3))
    >>> loss_learned, state = descend(hypergradient(1e-3))
    >>> bool(loss_learned < 0.02 < 1.0 < loss_fixed), bool(state.lr > 0.05)
    (True, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import paralens.numpy as pnp
from paralens._ad import grad, jvp
from paralens.optim import UpdateRule, adam, apply_updates, scale
from paralens.tree import inner, zeros_like

__all__ = [
    "HypergradientState",
    "hypergradient",
    "step_size_gradient",
]

RuleOfStepSize = Callable[[Any], UpdateRule]
"""A function from a step size to an update rule, such as ``lambda lr: optim.scale(-lr)``.

It must use the step size arithmetically (``optim.scale(-lr)``), so that it can be
differentiated; ``optim.sgd(lr)`` turns its step size into a ``float`` and cannot be."""


def gradient_descent(lr: Any) -> UpdateRule:
    """Plain gradient descent with step size ``lr``: ``updates = -lr * grads``.

    Examples:
        >>> gradient_descent(0.5).update(2.0, gradient_descent(0.5).init(0.0), 0.0)[0]
        -1.0
    """
    return scale(-lr)


def _check_lr(lr: float, what: str) -> None:
    if isinstance(lr, bool) or not isinstance(lr, int | float) or not lr > 0:
        raise ValueError(f"{what} must be a positive number, got {lr!r}; e.g. lr=0.01")


def step_size_gradient(
    loss: Callable[[Any], Any],
    lr: float,
    grads: Any,
    opt_state: Any,
    params: Any,
    rule: RuleOfStepSize = gradient_descent,
) -> float:
    """The derivative of the loss after one update step with respect to its step size.

    ``d/d lr loss(apply_updates(params, rule(lr).update(grads, opt_state, params)[0]))``,
    by reverse-mode differentiation through the update rule and the loss.

    Args:
        loss: ``loss(params) -> scalar``, evaluated after the step.
        lr: the step size of the step.
        grads: the gradients the step is made with.
        opt_state: the update rule's state before the step.
        params: the parameters before the step.
        rule: the update rule as a function of its step size (default: gradient descent).

    Returns:
        The derivative, a float: negative when a larger step would lower the loss.

    Examples:
        >>> import numpy as np
        >>> loss = lambda x: 0.5 * x * x
        >>> x = 2.0  # a step of lr from x lands at (1 - lr) x: d/d lr = -(1 - lr) x²
        >>> step_size_gradient(loss, 0.25, x, (), x)
        -3.0
    """
    _check_lr(lr, "step_size_gradient: lr")

    def loss_after_step(step_size: Any) -> Any:
        updates, _ = rule(step_size).update(grads, opt_state, params)
        return loss(apply_updates(params, updates))

    return float(grad(loss_after_step)(float(lr)))


class HypergradientState(NamedTuple):
    """The state of ``hypergradient``.

    Attributes:
        log_lr: the logarithm of the current step size.
        inner: the state of the update rule whose step size is learned.
        meta: the state of the rule that updates ``log_lr``.
        direction: how the last step's parameters change with ``log_lr``, shaped like the
            parameters (zeros before the first step).
        hypergradient: the derivative of the loss after the last step with respect to
            ``log_lr``, as computed at this step (0.0 before the second step).
    """

    log_lr: float
    inner: Any
    meta: Any
    direction: Any
    hypergradient: float

    @property
    def lr(self) -> float:
        """The current step size, ``exp(log_lr)``."""
        return math.exp(self.log_lr)


def hypergradient(
    lr: float,
    rule: RuleOfStepSize = gradient_descent,
    meta: UpdateRule | None = None,
) -> UpdateRule:
    """An update rule that learns its own step size by hypergradient descent.

    At each step, with the gradient ``g`` of the loss at the current parameters (which are
    the parameters after the last step), the derivative of that loss with respect to the
    last step's log step size is ``<g, direction>``, where ``direction`` is the tangent of
    the last update with respect to ``log_lr``. ``meta`` descends it; then ``rule`` makes
    the step with the new step size, and forward-mode differentiation of ``rule`` gives the
    new ``direction``.

    Only the last step's dependence on the step size is followed (the greedy, one-step
    horizon of hypergradient descent), which makes every step cost one extra forward-mode
    pass through the update rule.

    Args:
        lr: the first step size.
        rule: the update rule as a function of its step size: plain gradient descent by
            default, or e.g. ``lambda lr: optim.chain(optim.scale_by_adam(),
            optim.scale(-lr))`` for Adam.
        meta: the update rule of the log step size; by default ``optim.adam(0.05,
            b2=0.9)``, which changes the step size by about 5% a step at most.

    Returns:
        The update rule; its state is a ``HypergradientState`` (``state.lr`` is the current
        step size). It works wherever an optimiser does, e.g. in ``fit``.

    Raises:
        ValueError: ``lr`` is not a positive number.

    References:
        Baydin et al., *Online Learning Rate Adaptation with Hypergradient Descent*,
        ICLR 2018 (its multiplicative variant, here with any inner and meta rule).

    Examples:
        >>> import numpy as np
        >>> from paralens import optim
        >>> rule = hypergradient(0.1)
        >>> state = rule.init(np.zeros(2))
        >>> round(state.lr, 6), state.hypergradient
        (0.1, 0.0)
        >>> updates, state = rule.update(np.array([1.0, -1.0]), state, np.zeros(2))
        >>> updates
        array([-0.1,  0.1])
    """
    _check_lr(lr, "hypergradient: lr")
    meta_rule = adam(0.05, b2=0.9) if meta is None else meta
    if not isinstance(meta_rule, UpdateRule):
        raise TypeError(
            f"hypergradient: meta must be an UpdateRule such as optim.adam(0.02), got "
            f"{type(meta_rule).__name__}"
        )
    log_lr0 = math.log(lr)

    def init(params: Any) -> HypergradientState:
        return HypergradientState(
            log_lr=log_lr0,
            inner=rule(lr).init(params),
            meta=meta_rule.init(log_lr0),
            direction=zeros_like(params),
            hypergradient=0.0,
        )

    def update(grads: Any, state: HypergradientState, params: Any) -> tuple[Any, Any]:
        # d loss(params_t) / d log_lr_{t-1}: the chain rule through the last step
        hyper = float(inner(grads, state.direction))
        meta_updates, meta_state = meta_rule.update(hyper, state.meta, state.log_lr)
        log_lr = float(state.log_lr + meta_updates)

        def step(log_step: Any) -> Any:
            return rule(pnp.exp(log_step)).update(grads, state.inner, params)

        (updates, inner_state), (direction, _) = jvp(step, (log_lr,), (1.0,))
        return updates, HypergradientState(log_lr, inner_state, meta_state, direction, hyper)

    return UpdateRule(init, update)
