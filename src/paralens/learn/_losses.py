"""Losses ``loss(prediction, target) -> scalar``, averaged over the examples of a batch.

The first axis of a prediction is the example; what a loss adds up over the other axes is
one example's loss. A classifier's output holds the classes on its last axis, so a single
vector of class scores is one example. Classification targets are integer labels or
one-hot (probability) rows of the prediction's shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import paralens.numpy as pnp
from paralens._core import constant_part, is_var, nondifferentiable, plain_value
from paralens.extend import defbackend, defjvp, defvjp, primitive
from paralens.tree import to_numpy
from paralens.tree._convert import library_of

__all__ = [
    "accuracy",
    "binary_cross_entropy",
    "cross_entropy",
    "softmax_cross_entropy",
    "squared_error",
]

# Probabilities are kept this far from 0 and 1 before taking logs, so that a confident
# wrong prediction costs a large finite loss rather than inf (and a nan gradient).
_TINY = 1e-12


def _none(name: str, shape: tuple[int, ...]) -> ValueError:
    return ValueError(
        f"{name}: the prediction of shape {shape} holds no examples; a mean over none is "
        f"not a number, so pass at least one example"
    )


def _examples(name: str, prediction: Any) -> int:
    shape = pnp.shape(prediction)
    n = int(shape[0]) if shape else 1
    if n == 0:
        raise _none(name, shape)
    return n


def _rows(name: str, prediction: Any) -> int:
    """The examples of a classifier's output: its last axis holds the classes, so a
    vector of class scores is one example."""
    shape = pnp.shape(prediction)
    n = int(shape[0]) if len(shape) > 1 else 1
    if n == 0:
        raise _none(name, shape)
    return n


def _check_same_shape(name: str, prediction: Any, target: Any) -> None:
    p_shape, t_shape = np.shape(plain_value(prediction)), np.shape(plain_value(target))
    if p_shape != t_shape:
        raise ValueError(
            f"{name}: prediction of shape {p_shape} and target of shape {t_shape} differ; "
            f"reshape one of them (e.g. target.reshape(prediction.shape))"
        )


def _as_one_hot(name: str, prediction: Any, target: Any) -> Any:
    """``target`` as rows like ``prediction``: one-hot from integer labels, else as given."""
    if (
        type(target) is np.ndarray
        and target.dtype.kind == "f"
        and target.shape == getattr(prediction, "shape", None)
    ):
        return target  # rows already: what a training step passes every time
    if is_var(constant_part(target)):  # staged by paralens.jit: known by shape alone
        return _staged_one_hot(name, prediction, target)
    plain, p = plain_value(target), plain_value(prediction)
    if (type(plain) is not np.ndarray or type(p) is not np.ndarray) and (
        library_of(plain) is not None or library_of(p) is not None
    ):
        return _library_one_hot(name, prediction, plain)
    p_shape = np.shape(plain_value(prediction))
    t = np.asarray(plain)
    if t.dtype.kind in "biu" and t.shape == p_shape[:-1]:
        if t.size and (t.min() < 0 or t.max() >= p_shape[-1]):
            raise ValueError(
                f"{name}: labels must lie in [0, {p_shape[-1]}) for predictions of "
                f"{p_shape[-1]} classes; got labels from {t.min()} to {t.max()}"
            )
        dtype = getattr(plain_value(prediction), "dtype", float)
        return (t[..., None] == np.arange(p_shape[-1])).astype(dtype)
    if t.shape != p_shape:
        raise ValueError(
            f"{name}: targets must be integer labels of shape {p_shape[:-1]} or rows of "
            f"shape {p_shape} (one-hot or probabilities); got {t.dtype} of shape {t.shape}"
        )
    return target  # rows, traced or not: the loss differentiates in them too


def _library_one_hot(name: str, prediction: Any, target: Any) -> Any:
    """``_as_one_hot`` for arrays of another library: the rows made in the library of
    the prediction, on its device."""
    p = plain_value(prediction)
    if library_of(target) is None or library_of(p) is None or type(target) is not type(p):
        raise TypeError(
            f"{name}: the prediction is a {type(p).__name__} and the target a "
            f"{type(target).__name__}; give both as arrays of one library "
            f"(paralens.tree.asarray_like(target, prediction) converts the target)"
        )
    xp, p_shape, t_shape = pnp.namespace(p), tuple(p.shape), tuple(target.shape)
    if xp.isdtype(target.dtype, "integral") and t_shape == p_shape[:-1]:
        if _size(t_shape) and (bool(xp.any(target < 0)) or bool(xp.any(target >= p_shape[-1]))):
            raise ValueError(
                f"{name}: labels must lie in [0, {p_shape[-1]}) for predictions of "
                f"{p_shape[-1]} classes; got labels from {int(xp.min(target))} to "
                f"{int(xp.max(target))}"
            )
        classes = xp.arange(p_shape[-1], device=p.device)
        return xp.astype(xp.expand_dims(target, axis=-1) == classes, p.dtype)
    if t_shape != p_shape:
        raise ValueError(
            f"{name}: targets must be integer labels of shape {p_shape[:-1]} or rows of "
            f"shape {p_shape} (one-hot or probabilities); got {target.dtype} of shape "
            f"{t_shape}"
        )
    return target


def _size(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=int))


def _staged_one_hot(name: str, prediction: Any, target: Any) -> Any:
    """``_as_one_hot`` for a target staged by ``paralens.jit``: known by shape and dtype,
    its labels checked when the staged program runs."""
    p_shape = pnp.shape(prediction)
    t_shape, t_dtype = pnp.shape(target), np.result_type(plain_value(target))
    if t_dtype.kind in "biu" and t_shape == p_shape[:-1]:
        labels = _checked_labels(target, name, p_shape[-1])
        dtype = np.result_type(plain_value(prediction))
        return pnp.astype(pnp.expand_dims(labels, -1) == np.arange(p_shape[-1]), dtype)
    if t_shape != p_shape:
        raise ValueError(
            f"{name}: targets must be integer labels of shape {p_shape[:-1]} or rows of "
            f"shape {p_shape} (one-hot or probabilities); got {t_dtype} of shape {t_shape}"
        )
    return target


@nondifferentiable
def _checked_labels(labels: Any, name: str, classes: int) -> Any:
    """``labels``, once checked to lie in ``[0, classes)``."""
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(
            f"{name}: labels must lie in [0, {classes}) for predictions of {classes} "
            f"classes; got labels from {labels.min()} to {labels.max()}"
        )
    return labels


def _rows_cross_entropy(log_p: Any, rows: Any, n: int) -> Any:
    """``-sum(rows * log_p) / n``: target rows against log-probabilities, per example."""
    return -np.add.reduce(rows * log_p, axis=None) / n


# One operation on the tape where the expression would take three (a product, a sum
# and a scaling), with the pullback a hand-written classifier computes.
_cross_entropy_of_rows: Any = primitive(_rows_cross_entropy, "cross_entropy")
defbackend(_cross_entropy_of_rows, lambda xp, log_p, rows, n: -xp.sum(rows * log_p) / n)
defvjp(
    _cross_entropy_of_rows,
    lambda g, ans, log_p, rows, n: rows * (-g / n),
    lambda g, ans, log_p, rows, n: log_p * (-g / n),
    staged=False,
)
defjvp(
    _cross_entropy_of_rows,
    lambda t, ans, log_p, rows, n: -pnp.sum(t * rows) / n,
    lambda t, ans, log_p, rows, n: -pnp.sum(log_p * t) / n,
)


def squared_error(prediction: Any, target: Any) -> Any:
    """The squared distance between prediction and target, averaged over the examples.

    Examples:
        >>> import numpy as np
        >>> squared_error(np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[1.0, 0.0], [1.0, 0.0]]))
        np.float64(2.5)
    """
    _check_same_shape("squared_error", prediction, target)
    difference = prediction - target
    return pnp.sum(difference * difference) / _examples("squared_error", prediction)


def cross_entropy(probabilities: Any, target: Any) -> Any:
    """``-sum(target * log(probabilities))`` per example, averaged over the examples.

    Args:
        probabilities: predicted class probabilities, shape ``(n, classes)`` (e.g. the
            output of a softmax layer), or ``(classes,)`` for one example.
        target: integer labels of shape ``(n,)``, or rows of shape ``(n, classes)``.

    Examples:
        >>> import numpy as np
        >>> round(float(cross_entropy(np.array([[0.5, 0.5], [0.9, 0.1]]), np.array([0, 0]))), 4)
        0.3993
    """
    rows = _as_one_hot("cross_entropy", probabilities, target)
    log_p = pnp.log(pnp.clip(probabilities, _TINY, 1.0))
    return _cross_entropy_of_rows(log_p, rows, _rows("cross_entropy", probabilities))


def softmax_cross_entropy(logits: Any, target: Any) -> Any:
    """The cross entropy of ``softmax(logits)``, computed stably from the logits.

    Args:
        logits: unnormalised log-probabilities, shape ``(n, classes)``, or ``(classes,)``
            for one example.
        target: integer labels of shape ``(n,)``, or rows of shape ``(n, classes)``.

    Examples:
        >>> import numpy as np
        >>> float(softmax_cross_entropy(np.array([[0.0, 0.0]]), np.array([1])))  # log 2
        0.6931471805599453
        >>> float(softmax_cross_entropy(np.array([[1000.0, 0.0]]), np.array([0])))
        0.0
    """
    rows = _as_one_hot("softmax_cross_entropy", logits, target)
    n = _rows("softmax_cross_entropy", logits)
    return _cross_entropy_of_rows(pnp.log_softmax(logits, -1), rows, n)


def binary_cross_entropy(probabilities: Any, target: Any) -> Any:
    """``-(t log p + (1 - t) log(1 - p))`` summed per example, averaged over the examples.

    Examples:
        >>> import numpy as np
        >>> round(float(binary_cross_entropy(np.array([0.9, 0.2]), np.array([1.0, 0.0]))), 4)
        0.1643
    """
    _check_same_shape("binary_cross_entropy", probabilities, target)
    p = pnp.clip(probabilities, _TINY, 1.0 - _TINY)
    total = pnp.sum(target * pnp.log(p) + (1.0 - target) * pnp.log(1.0 - p))
    return -total / _examples("binary_cross_entropy", probabilities)


def accuracy(prediction: Any, target: Any) -> float:
    """The fraction of examples classified correctly.

    A prediction with a class axis (scores, probabilities or logits) picks its largest
    entry; a prediction without one, or with a class axis of size 1 (a probability per
    example), means class 1 above 0.5.
    Targets are labels, or rows whose largest entry is the class.

    Raises:
        ValueError: the shapes do not fit, there are no examples, or the prediction is
            not finite (a NaN compares as neither above nor below anything, so it has no
            accuracy: the model's parameters have most likely diverged).

    Examples:
        >>> import numpy as np
        >>> accuracy(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), np.array([1, 0, 0]))
        0.6666666666666666
        >>> accuracy(np.array([0.9, 0.4]), np.array([1.0, 0.0]))
        1.0
    """
    # A few numbers per example: read on the CPU, as NumPy, whatever the library.
    p, t = np.asarray(to_numpy(plain_value(prediction))), np.asarray(to_numpy(plain_value(target)))
    if p.size == 0:
        raise _none("accuracy", p.shape)
    if p.dtype.kind in "fc" and not np.isfinite(p).all():
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(p))[0])
        raise ValueError(
            f"accuracy: the prediction is not finite (prediction[{', '.join(map(str, index))}] "
            f"is {p[index]}), so it classifies nothing; the model's parameters have most "
            f"likely diverged"
        )
    if t.shape == p.shape and (p.ndim < 2 or p.shape[-1] == 1):
        predicted, t = (p > 0.5).astype(np.int64), (t > 0.5).astype(np.int64)
    elif t.shape == p.shape:
        predicted, t = p.argmax(axis=-1), t.argmax(axis=-1)
    elif p.ndim >= 1 and t.shape == p.shape[:-1]:
        predicted = p.argmax(axis=-1)
    else:
        raise ValueError(
            f"accuracy: prediction of shape {p.shape} does not fit target of shape {t.shape}"
        )
    return float(np.mean(predicted == t))
