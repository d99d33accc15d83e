"""What ``Model`` and ``ModelS`` share: a name, the structure, declared sizes, ``init``, and
the checks of parameters (run by ``apply``, and by ``check_params`` on request)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar

import numpy as np

from paralens._random import Key, as_generator
from paralens.nn._params_check import (
    FITS_FOR_GOOD,
    NO_FIT,
    ParamsCheck,
    compile_params_check,
    mismatch,
)
from paralens.nn._shapes import SAME_SHAPE, LayerShape, Shape, as_shape
from paralens.nn._structure import OWN_PARAMS, Combinator, check_sizes, shape_of

__all__ = ["ModelBase", "as_combinator", "no_params"]

P = TypeVar("P")

_UNSEEN = object()


def no_params(rng: np.random.Generator) -> None:
    """The parameters of a model that has none."""
    return None


class ModelBase(Generic[P]):
    """What ``Model`` and ``ModelS`` share: a name, the structure, declared sizes, ``init``
    and the checks of parameters."""

    __slots__ = (
        "_checks_made",
        "_evaluation_apply",
        "_init",
        "_seen",
        "_unchecked_apply",
        "children",
        "combinator",
        "in_size",
        "name",
        "out_size",
        "preserves_size",
        "shapes",
    )

    name: str
    combinator: Combinator
    children: tuple[ModelBase[Any], ...]
    in_size: int | None
    out_size: int | None
    preserves_size: bool
    shapes: LayerShape
    _init: Callable[[np.random.Generator], P]
    _unchecked_apply: Callable[..., Any]
    _evaluation_apply: Callable[..., Any]
    _seen: Any
    _checks_made: ParamsCheck | None

    def __init__(
        self,
        init: Callable[[np.random.Generator], P],
        name: str,
        combinator: Combinator,
        children: tuple[ModelBase[Any], ...],
        in_size: int | None,
        out_size: int | None,
        preserves_size: bool,
        shapes: LayerShape | None = None,
    ) -> None:
        if shapes is None:
            shapes = SAME_SHAPE if preserves_size else LayerShape.of_sizes(in_size, out_size)
        else:
            in_size = _last_size(shapes.takes) if in_size is None else in_size
            out_size = _last_size(shapes.gives(shapes.takes)) if out_size is None else out_size
        self._set(
            _init=init,
            name=name,
            combinator=combinator,
            children=children,
            in_size=in_size,
            out_size=out_size,
            preserves_size=preserves_size or shapes.preserves,
            shapes=shapes,
            _seen=_UNSEEN,
            _checks_made=None,
        )

    def _set(self, **fields: Any) -> None:
        for k, v in fields.items():
            object.__setattr__(self, k, v)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(
            f"{type(self).__name__} is immutable; build a new model instead of setting '{name}'"
        )

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; cannot delete '{name}'")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name})"

    @property
    def kind(self) -> str:
        """What made the model: ``"layer"``, ``"fn"``, ``"then"``, or a combinator's name."""
        return self.combinator.kind

    def init(self, key: Key) -> P:
        """Fresh parameters, after checking sizes through the whole composition.

        Args:
            key: an int seed or a ``numpy.random.Generator``.

        Returns:
            The parameters, structured as the model's parameter type.

        Raises:
            ValueError: two consecutive layers disagree on a shape (the message names both
                layers and both shapes).
            TypeError: ``key`` is neither an int nor a Generator.

        Examples:
            >>> from paralens import nn
            >>> nn.linear(2, 1).init(0).w.shape
            (2, 1)
            >>> scale = nn.model(lambda p, x: p * x, lambda rng: 2.0, name="scale")
            >>> scale.init(0)
            2.0
        """
        rng = as_generator(key, "model.init({})")
        check_sizes(self)
        result: P = self._init(rng)
        return result

    def check_sizes(self) -> None:
        """Check that consecutive layers agree on sizes, throughout the composition.

        Raises:
            ValueError: two consecutive layers disagree; the message names both and their
                sizes.

        Examples:
            >>> from paralens import nn
            >>> (nn.linear(2, 3) >> nn.linear(4, 1)).check_sizes()
            Traceback (most recent call last):
            ...
            ValueError: size mismatch in 'linear(2, 3) >> linear(4, 1)': layer 'linear(2, 3)' gives outputs of size 3, but the next layer 'linear(4, 1)' expects inputs of size 4. Make them agree: the output size of 'linear(2, 3)' must equal the input size of 'linear(4, 1)'.
        """  # noqa: E501
        check_sizes(self)

    def evaluation(self) -> Self:
        """The model as it runs in evaluation: dropout off, batch norm on its running
        statistics (a stateful model's state passed through unchanged); the model itself
        when nothing in it differs. ``learn.evaluate`` and ``fit``'s evaluation use it.

        Returns:
            A model of the same class, kind, children and parameters.

        Examples:
            >>> import numpy as np
            >>> from paralens import nn
            >>> nn.linear(2, 1).evaluation().name
            'linear(2, 1)'
            >>> norm = nn.batch_norm(2)
            >>> y, s = norm.evaluation().apply(norm.init(0), np.ones((3, 2)), norm.init_state(0))
            >>> y
            array([[1., 1.],
                   [1., 1.],
                   [1., 1.]])
        """
        if self._evaluation_apply is self._unchecked_apply:
            return self
        return self._with_apply(self._evaluation_apply)

    def _with_apply(self, apply: Callable[..., Any]) -> Self:
        raise NotImplementedError

    def shape_of(self, input_shape: Any = None) -> Shape:
        """The shape of the output for inputs of ``input_shape``, checked layer by layer.

        Axes are sizes (ints) or names (strs) for sizes not fixed, and a shape may start
        with ``...`` (any leading axes). Without ``input_shape``, from the input the first
        layer declares (what ``init`` checks).

        Args:
            input_shape: the input's shape, such as ``(64, 784)`` or ``("batch", 28, 28,
                1)``.

        Returns:
            The output's shape, as far as the layers say (``(...,)`` where they do not).

        Raises:
            ValueError: a layer's input does not fit it; the message names that layer and
                the one before it, with both shapes.

        Examples:
            >>> from paralens import nn
            >>> net = nn.conv2d(1, 8, 3, padding="same") >> nn.max_pool(2) >> nn.flatten()
            >>> net.shape_of(("batch", 28, 28, 1))
            ('batch', 1568)
            >>> (nn.linear(3, 4) >> nn.linear(4, 2)).shape_of((10, 5))
            Traceback (most recent call last):
            ...
            ValueError: shape mismatch in 'linear(3, 4) >> linear(4, 2)': the input has shape (10, 5), but layer 'linear(3, 4)' expects inputs of shape (..., 3) (axis -1 has size 5, not 3). Give an input of that shape, or put a layer before it that makes one (nn.reshape, nn.flatten).
        """  # noqa: E501
        given = None if input_shape is None else as_shape(input_shape, f"{self.name}.shape_of")
        return shape_of(self, given)

    def check_params(self, params: Any) -> None:
        """Check that ``params`` has the structure and leaf shapes that ``init`` makes.

        Use it on parameters loaded or built by hand, before training with them (``apply``
        checks what it has not seen before, too).

        Args:
            params: the parameters to check (plain or traced values: only their structure
                and shapes are read).

        Raises:
            ValueError: the structure or a shape differs; the message gives the path to
                the first difference and the layer it belongs to.

        Examples:
            >>> import numpy as np
            >>> from paralens import nn
            >>> m = nn.linear(2, 3) >> nn.linear(3, 1)
            >>> m.check_params(m.init(0))
            >>> m.check_params((m.init(0)[0], nn.Linear(np.zeros((3, 2)), np.zeros(2))))
            Traceback (most recent call last):
            ...
            ValueError: params[1].w: layer 'linear(3, 1)' expects shape (3, 1), got (3, 2)
        """
        problem = mismatch(self, params, "params")
        if problem is not None:
            raise ValueError(problem)

    def _checks(self) -> ParamsCheck:
        """The compiled check of this model's parameters, made the first time it is asked."""
        made = self._checks_made
        if made is None:
            made = compile_params_check(self)
            self._set(_checks_made=made)
        return made

    def _admit(self, params: Any) -> None:
        """Raise unless ``params`` fit; remember them if they cannot stop fitting.

        ``apply`` calls this only for parameters other than the last it admitted, so
        applying one parameter value again and again costs one identity test per call.
        """
        found = (self._checks_made or self._checks()).fits(params)
        if found == FITS_FOR_GOOD:
            object.__setattr__(self, "_seen", params)
        elif found == NO_FIT:
            problem = mismatch(self, params, "params", at_apply=True)
            if problem is not None:
                raise ValueError(problem)


def _last_size(shape: Shape) -> int | None:
    last = shape[-1] if shape else None
    return last if isinstance(last, int) else None


def as_combinator(kind: str | Combinator, default: Combinator) -> Combinator:
    """``kind`` as a ``Combinator``: a kind name given by hand is a leaf's own."""
    if isinstance(kind, Combinator):
        return kind
    return default if kind == default.kind else Combinator(kind, OWN_PARAMS, default.state)
