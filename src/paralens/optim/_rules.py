"""Small update rules and the named optimisers built as chains of them."""

from __future__ import annotations

import math
import numbers
from typing import Any, NamedTuple

import numpy as np

import paralens.numpy as pnp
from paralens._core import is_var, nondifferentiable
from paralens.optim._base import EmptyState, UpdateRule, _empty_init, chain, scale
from paralens.optim._checks import check_real, map_like
from paralens.optim._schedules import Schedule
from paralens.tree import inner, is_integer, tree_leaves, tree_map, zeros_like
from paralens.tree._convert import library_of

__all__ = [
    "AdamState",
    "MomentumState",
    "RmsState",
    "RssState",
    "ScheduleState",
    "adagrad",
    "adam",
    "adamw",
    "add_weight_decay",
    "clip_by_global_norm",
    "rmsprop",
    "scale_by_adam",
    "scale_by_learning_rate",
    "scale_by_momentum",
    "scale_by_rms",
    "scale_by_rss",
    "scale_by_schedule",
    "sgd",
]


class ScheduleState(NamedTuple):
    """How many updates a scheduled rule has made (``step``)."""

    step: int


class MomentumState(NamedTuple):
    """The running (decayed) sum of past updates, shaped like the parameters."""

    trace: Any


class RmsState(NamedTuple):
    """The running mean of squared gradients, shaped like the parameters."""

    nu: Any


class RssState(NamedTuple):
    """The running sum of squared gradients, shaped like the parameters."""

    sum_of_squares: Any


class AdamState(NamedTuple):
    """Updates made so far (``step``), first (``mu``) and second (``nu``) moment estimates."""

    step: int
    mu: Any
    nu: Any


def _zeros_float(params: Any) -> Any:
    return tree_map(_float_zero, params)


def _float_zero(x: Any) -> Any:
    zero = zeros_like(x)
    if isinstance(zero, np.ndarray) and zero.dtype.kind not in "fc":
        return zero.astype(float)
    if isinstance(zero, bool | int):
        return float(zero)
    if library_of(zero) is not None and is_integer(zero):
        xp = pnp.namespace(zero)
        return xp.astype(zero, xp.float64)  # as NumPy's astype(float)
    return zero


def scale_by_schedule(schedule: Schedule) -> UpdateRule:
    """Multiply the updates by ``schedule(step)``, where ``step`` counts the updates made.

    Examples:
        >>> rule = scale_by_schedule(lambda step: 1.0 / (step + 1))
        >>> state = rule.init(0.0)
        >>> u1, state = rule.update(1.0, state, 0.0)
        >>> u2, state = rule.update(1.0, state, 0.0)
        >>> u1, u2, state
        (1.0, 0.5, ScheduleState(step=2))
    """

    if not callable(schedule):
        raise TypeError(
            f"scale_by_schedule: schedule must be a function of the step, got "
            f"{type(schedule).__name__}; for a constant factor use scale(factor)"
        )

    def init(params: Any) -> ScheduleState:
        return ScheduleState(0)

    def update(grads: Any, state: ScheduleState, params: Any = None) -> tuple[Any, Any]:
        factor = _at_step(schedule, state.step)
        return tree_map(lambda g: factor * g, grads), ScheduleState(state.step + 1)

    return UpdateRule(init, update)


@nondifferentiable
def _at_step(schedule: Schedule, step: int) -> float:
    """``schedule(step)``, checked finite. A primitive: inside ``paralens.jit`` the step
    count is a value of the staged program, and the schedule runs on it at each replay."""
    factor = schedule(step)
    if isinstance(factor, numbers.Real) and not math.isfinite(factor):
        raise ValueError(
            f"scale_by_schedule: the schedule gave {factor} at step {step}; a schedule "
            f"must give finite values"
        )
    return factor


def _check_lr(rule: str, lr: float | Schedule) -> float | Schedule:
    """``lr`` if it is a schedule, else ``lr`` checked to be a finite number > 0."""
    if callable(lr):
        return lr
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise TypeError(
            f"{rule}: a learning rate must be a number or a schedule (a function of the "
            f"step), got {type(lr).__name__}"
        )
    return check_real(rule, "lr", lr, 0.0, None, "(]", hint="e.g. 0.1 for sgd, 1e-3 for adam")


def _downhill(schedule: Schedule) -> Schedule:
    def rate(step: int) -> float:
        value = schedule(step)
        if isinstance(value, numbers.Real) and not value >= 0:
            raise ValueError(
                f"the learning-rate schedule gave {value} at step {step}; a learning rate "
                f"must be a finite number >= 0"
            )
        return -value

    return rate


def scale_by_learning_rate(lr: float | Schedule) -> UpdateRule:
    """Multiply the updates by ``-lr`` (a number or a schedule): a step downhill.

    Raises:
        ValueError: ``lr`` is a number that is not finite and positive; or, for a
            schedule, when a step's value is negative or not finite.

    Examples:
        >>> scale_by_learning_rate(0.1).update(2.0, EmptyState(), 0.0)[0]
        -0.2
        >>> scale_by_learning_rate(float("nan"))
        Traceback (most recent call last):
        ...
        ValueError: scale_by_learning_rate: lr must be a finite number > 0, got nan (e.g. 0.1 for sgd, 1e-3 for adam)
    """  # noqa: E501
    lr = _check_lr("scale_by_learning_rate", lr)
    if callable(lr):
        return scale_by_schedule(_downhill(lr))
    return scale(-lr)


def scale_by_momentum(decay: float = 0.9, nesterov: bool = False) -> UpdateRule:
    """Heavy-ball momentum: ``trace = decay * trace + g``, updates ``trace``.

    With ``nesterov=True`` the updates are ``g + decay * trace`` (the gradient looked at
    one step ahead).

    References:
        Sutskever et al., *On the importance of initialization and momentum in deep
        learning*, 2013.

    Examples:
        >>> rule = scale_by_momentum(0.5)
        >>> state = rule.init(0.0)
        >>> u, state = rule.update(1.0, state, 0.0)
        >>> u, state = rule.update(1.0, state, 0.0)
        >>> u, state
        (1.5, MomentumState(trace=1.5))
    """

    decay = check_real("scale_by_momentum", "decay", decay, 0.0, 1.0, "[)", hint="0.9 is usual")

    def init(params: Any) -> MomentumState:
        return MomentumState(_zeros_float(params))

    def update(grads: Any, state: MomentumState, params: Any = None) -> tuple[Any, Any]:
        trace = map_like("scale_by_momentum", lambda t, g: g + decay * t, state.trace, grads)
        if nesterov:
            return tree_map(lambda g, t: g + decay * t, grads, trace), MomentumState(trace)
        return trace, MomentumState(trace)

    return UpdateRule(init, update)


def scale_by_rms(decay: float = 0.9, eps: float = 1e-8) -> UpdateRule:
    """Divide by the root of a running mean of squared gradients (RMSProp's scaling).

    References:
        Tieleman and Hinton, *Lecture 6.5: RMSProp*, 2012.

    Examples:
        >>> rule = scale_by_rms(decay=0.0, eps=0.0)
        >>> rule.update(-4.0, rule.init(0.0), 0.0)[0]
        -1.0
    """

    decay = check_real("scale_by_rms", "decay", decay, 0.0, 1.0, "[)", hint="0.9 is usual")
    eps = check_real("scale_by_rms", "eps", eps, 0.0, None, hint="1e-8 is usual")

    def init(params: Any) -> RmsState:
        return RmsState(_zeros_float(params))

    def update(grads: Any, state: RmsState, params: Any = None) -> tuple[Any, Any]:
        nu = map_like(
            "scale_by_rms", lambda n, g: decay * n + (1.0 - decay) * g * g, state.nu, grads
        )
        updates = tree_map(lambda g, n: g / (n**0.5 + eps), grads, nu)
        return updates, RmsState(nu)

    return UpdateRule(init, update)


def scale_by_rss(initial_accumulator: float = 0.1, eps: float = 1e-7) -> UpdateRule:
    """Divide by the root of the sum of all squared gradients so far (Adagrad's scaling).

    References:
        Duchi, Hazan and Singer, *Adaptive Subgradient Methods for Online Learning and
        Stochastic Optimization*, JMLR 2011.

    Examples:
        >>> rule = scale_by_rss(initial_accumulator=0.0, eps=0.0)
        >>> rule.update(3.0, rule.init(0.0), 0.0)[0]
        1.0
    """

    initial_accumulator = check_real(
        "scale_by_rss", "initial_accumulator", initial_accumulator, 0.0, None, hint="0.1 is usual"
    )
    eps = check_real("scale_by_rss", "eps", eps, 0.0, None, hint="1e-7 is usual")

    def init(params: Any) -> RssState:
        return RssState(tree_map(lambda z: z + initial_accumulator, _zeros_float(params)))

    def update(grads: Any, state: RssState, params: Any = None) -> tuple[Any, Any]:
        total = map_like("scale_by_rss", lambda s, g: s + g * g, state.sum_of_squares, grads)
        updates = tree_map(lambda g, s: g / (s + eps) ** 0.5, grads, total)
        return updates, RssState(total)

    return UpdateRule(init, update)


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> UpdateRule:
    """Adam's scaling: bias-corrected first moment over the root of the second.

    References:
        Kingma and Ba, *Adam: A Method for Stochastic Optimization*, ICLR 2015.

    Examples:
        >>> rule = scale_by_adam()
        >>> updates, state = rule.update(-3.0, rule.init(0.0), 0.0)
        >>> round(updates, 6), state.step
        (-1.0, 1)
    """

    b1 = check_real("scale_by_adam", "b1", b1, 0.0, 1.0, "[)", hint="0.9 is usual")
    b2 = check_real("scale_by_adam", "b2", b2, 0.0, 1.0, "[)", hint="0.999 is usual")
    eps = check_real("scale_by_adam", "eps", eps, 0.0, None, hint="1e-8 is usual")

    def init(params: Any) -> AdamState:
        return AdamState(0, _zeros_float(params), _zeros_float(params))

    def update(grads: Any, state: AdamState, params: Any = None) -> tuple[Any, Any]:
        step = state.step + 1
        mu = map_like("scale_by_adam", lambda m, g: b1 * m + (1.0 - b1) * g, state.mu, grads)
        nu = tree_map(lambda g, n: b2 * n + (1.0 - b2) * g * g, grads, state.nu)
        mu_correction = 1.0 - b1**step
        nu_correction = 1.0 - b2**step
        updates = tree_map(
            lambda m, n: (m / mu_correction) / ((n / nu_correction) ** 0.5 + eps), mu, nu
        )
        return updates, AdamState(step, mu, nu)

    return UpdateRule(init, update)


def add_weight_decay(rate: float) -> UpdateRule:
    """Add ``rate * params`` to the updates (decoupled weight decay when chained after
    a scaling rule, as in AdamW).

    Examples:
        >>> add_weight_decay(0.1).update(1.0, EmptyState(), 5.0)[0]
        1.5
    """

    rate = check_real("add_weight_decay", "rate", rate, 0.0, None, hint="1e-4 is usual")

    def update(grads: Any, state: EmptyState, params: Any = None) -> tuple[Any, EmptyState]:
        if params is None:
            raise ValueError("add_weight_decay needs the parameters: call update(g, state, params)")
        return map_like("add_weight_decay", lambda p, g: g + rate * p, params, grads), state

    return UpdateRule(_empty_init, update)


def clip_by_global_norm(max_norm: float) -> UpdateRule:
    """Scale the updates down so that their global Euclidean norm is at most ``max_norm``.

    Examples:
        >>> clip_by_global_norm(1.0).update((3.0, 4.0), EmptyState(), None)[0]
        (0.6, 0.8)
        >>> clip_by_global_norm(10.0).update((3.0, 4.0), EmptyState(), None)[0]
        (3.0, 4.0)
    """
    max_norm = check_real("clip_by_global_norm", "max_norm", max_norm, 0.0, None, "(]")

    def update(grads: Any, state: EmptyState, params: Any = None) -> tuple[Any, EmptyState]:
        leaves = tree_leaves(grads)
        if any(is_var(g) for g in leaves):
            # Traced (paralens.jit, or a transform over the rule): no branch on the norm;
            # the factor is exactly 1 below max_norm.
            norm = pnp.sqrt(sum(pnp.sum(g * g) for g in leaves))
            factor = max_norm / pnp.maximum(norm, max_norm)
            return tree_map(lambda g: factor * g, grads), state
        norm = math.sqrt(sum(inner(g, g) for g in leaves))  # any library's arrays
        if norm <= max_norm:
            return grads, state
        factor = max_norm / norm
        return tree_map(lambda g: factor * g, grads), state

    return UpdateRule(_empty_init, update)


def sgd(lr: float | Schedule, momentum: float = 0.0, nesterov: bool = False) -> UpdateRule:
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    Args:
        lr: the learning rate, a number > 0 or a schedule.
        momentum: the momentum decay, in [0, 1) (0 for none).
        nesterov: use Nesterov's momentum.

    Raises:
        ValueError: a hyperparameter is not finite or out of its range (the message
            gives the range).

    Examples:
        >>> from paralens.optim import apply_updates
        >>> opt = sgd(0.1)
        >>> params, state = 1.0, opt.init(1.0)
        >>> updates, state = opt.update(2.0, state, params)
        >>> apply_updates(params, updates)
        0.8
    """
    lr = _check_lr("sgd", lr)
    momentum = check_real(
        "sgd", "momentum", momentum, 0.0, 1.0, "[)", hint="0.9 is usual; 0 for none"
    )
    if momentum == 0.0:
        if nesterov:
            raise ValueError("nesterov=True needs a momentum, e.g. sgd(0.1, momentum=0.9)")
        return scale_by_learning_rate(lr)
    return chain(scale_by_momentum(momentum, nesterov), scale_by_learning_rate(lr))


def adagrad(
    lr: float | Schedule, initial_accumulator: float = 0.1, eps: float = 1e-7
) -> UpdateRule:
    """Adagrad: per-coordinate steps shrinking with the sum of squared gradients.

    References:
        Duchi, Hazan and Singer, JMLR 2011.

    Examples:
        >>> opt = adagrad(1.0, initial_accumulator=0.0, eps=0.0)
        >>> opt.update(-2.0, opt.init(0.0), 0.0)[0]
        1.0
    """
    return chain(
        scale_by_rss(initial_accumulator, eps), scale_by_learning_rate(_check_lr("adagrad", lr))
    )


def rmsprop(lr: float | Schedule, decay: float = 0.9, eps: float = 1e-8) -> UpdateRule:
    """RMSProp: steps scaled by a running root mean square of the gradients.

    References:
        Tieleman and Hinton, *Lecture 6.5: RMSProp*, 2012.

    Examples:
        >>> opt = rmsprop(0.1, decay=0.0, eps=0.0)
        >>> opt.update(5.0, opt.init(0.0), 0.0)[0]
        -0.1
    """
    return chain(scale_by_rms(decay, eps), scale_by_learning_rate(_check_lr("rmsprop", lr)))


def adam(
    lr: float | Schedule = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
) -> UpdateRule:
    """Adam.

    References:
        Kingma and Ba, *Adam: A Method for Stochastic Optimization*, ICLR 2015.

    Examples:
        >>> opt = adam(0.1)
        >>> updates, state = opt.update(7.0, opt.init(0.0), 0.0)
        >>> round(updates, 6)
        -0.1
    """
    return chain(scale_by_adam(b1, b2, eps), scale_by_learning_rate(_check_lr("adam", lr)))


def adamw(
    lr: float | Schedule = 1e-3,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
    weight_decay: float = 1e-4,
) -> UpdateRule:
    """Adam with decoupled weight decay.

    References:
        Loshchilov and Hutter, *Decoupled Weight Decay Regularization*, ICLR 2019.

    Examples:
        >>> opt = adamw(0.1, weight_decay=0.5)
        >>> updates, state = opt.update(0.0, opt.init(2.0), 2.0)
        >>> round(updates, 6)
        -0.1
    """
    return chain(
        scale_by_adam(b1, b2, eps),
        add_weight_decay(weight_decay),
        scale_by_learning_rate(_check_lr("adamw", lr)),
    )
