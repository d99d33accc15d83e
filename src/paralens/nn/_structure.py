"""The structure of a model as data: what each combinator says about the models it makes.

Every model records how it was made: its ``kind``, its ``children`` and its
``combinator``, a ``Combinator`` that the function which made it fills in. A combinator
is the metadata of one kind of model, written where that kind is defined:

- ``params``, a ``ParamsRule``: how the model's parameters are made of its children's.
  ``OWN_PARAMS`` (a layer's own, as its ``init`` makes them), ``NO_PARAMS`` (``None``),
  ``CHILD_PARAMS`` (its one child's), ``ONE_PER_CHILD`` (a tuple with an entry per child),
  or a rule of its own, as ``train_state``'s;
- ``state``, a ``State``: how its state relates to its children's states;
- ``sizes``, a ``Sizes``: how shapes flow through it to its children (``shape_of``, which
  ``init`` and ``model.shape_of`` run: ``nn._shapes``). The sizes of the last axis at
  either end of a model (``input_end``, ``output_end``: the first state of
  ``recurrently``, the check of ``lagged``, the labels of dense layers' wires) are read
  from the same shapes.

Parameter checks (``nn._params_check``: ``check_params``, and ``apply`` on parameters it
has not seen), shape checks (``init``), ``nn.summary`` and the pictures of ``paralens.viz``
read these fields, never the kind's name.

Examples:
    >>> from paralens import nn
    >>> net = nn.zero_state(nn.unroll_last(nn.lstm(1, 8) >> nn.linear(8, 1)))
    >>> net.combinator.params is CHILD_PARAMS, net.combinator.state
    (True, <State.NONE: 'no state'>)
    >>> input_end(net), output_end(net)
    (SizeEnd(size=1, layer='lstm(1, 8)'), SizeEnd(size=1, layer='linear(8, 1)'))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple

import numpy as np

from paralens.nn._shapes import ANY, INPUT, Flow, LayerMismatch, Shape, mismatch_error, show

__all__ = [
    "CHAIN_SIZES",
    "CHILD_PARAMS",
    "DECLARED_SIZES",
    "FROM_CHILD_SIZES",
    "INPUT_FROM_CHILD_SIZES",
    "LAST_OF_SEQUENCE_SIZES",
    "NO_PARAMS",
    "ONE_PER_CHILD",
    "OUTPUT_FROM_CHILD_SIZES",
    "OWN_PARAMS",
    "SEQUENCE_SIZES",
    "Combinator",
    "ParamPart",
    "ParamsRule",
    "SizeEnd",
    "Sizes",
    "State",
    "chain_declared_input",
    "check_sizes",
    "declared_input",
    "flow_through",
    "input_end",
    "output_end",
    "shape_of",
    "wire_shapes",
    "wire_sizes",
]

# A model here is anything with the fields of ``nn.Model`` (``name``, ``children``,
# ``combinator``, ``shapes``, ``in_size``, ``out_size``, ``preserves_size``, ``_init``): this module
# sits below the model classes, which read it.
AnyModel = Any


# ---- parameters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ParamPart:
    """One piece of a model's parameters: where it sits and what must be there.

    Attributes:
        index: its position in the model's parameter tuple; ``None`` when it is the whole.
        child: the child model whose parameters it is; ``None`` for the model's own.
        make: for the model's own: makes a value of the expected structure and shapes.
        owner: who expects it, as error messages say it.
        label: how pictures and summaries name a combinator's own part (``"state₀"``).
    """

    index: int | None
    child: AnyModel = None
    make: Callable[[np.random.Generator], Any] | None = None
    owner: str = ""
    label: str = ""


class ParamsRule:
    """How a kind of model's parameters are made of its children's parameters."""

    def parts(self, m: AnyModel) -> tuple[ParamPart, ...]:
        """The pieces of ``m``'s parameters, in order."""
        return (ParamPart(None, make=m._init, owner=f"layer {m.name!r}"),)

    def container(self, m: AnyModel) -> str | None:
        """What the parameters are when they are a tuple of pieces (for messages), or
        ``None`` when the one piece is the whole."""
        return None


class _ChildParams(ParamsRule):
    def parts(self, m: AnyModel) -> tuple[ParamPart, ...]:
        return (ParamPart(None, child=m.children[0]),)


class _OnePerChild(ParamsRule):
    def parts(self, m: AnyModel) -> tuple[ParamPart, ...]:
        return tuple(ParamPart(i, child=c) for i, c in enumerate(m.children))

    def container(self, m: AnyModel) -> str | None:
        return f"a tuple of {len(m.children)} parameters, one per part"


OWN_PARAMS = ParamsRule()
"""A layer's parameters: whatever its ``init`` makes."""
NO_PARAMS = ParamsRule()
"""No parameters: ``None`` (a lifted function, the identity)."""
CHILD_PARAMS: ParamsRule = _ChildParams()
"""Exactly the parameters of the one model it wraps."""
ONE_PER_CHILD: ParamsRule = _OnePerChild()
"""A tuple with one entry per child, in order (sequential composition)."""


# ---- state ---------------------------------------------------------------------------------


class State(Enum):
    """How a kind of model's state relates to its children's states."""

    NONE = "no state"
    """A stateless model, or one whose state is ``None`` passed through (``to_stateful``)."""
    OWN = "its own state, fed back into it at the next step"
    """A stateful layer, or a combinator that keeps a state of its own (``lagged``)."""
    CHILD = "the state of the model it wraps"
    PER_STATEFUL_PART = "a tuple of its stateful parts' states, or the one part's state"

    @property
    def loops_back(self) -> bool:
        """Whether the model feeds a state of its own back into itself."""
        return self is State.OWN


# ---- sizes ---------------------------------------------------------------------------------


class SizeEnd(NamedTuple):
    """The size of the last axis at one end of a model, and the layer that declares it."""

    size: int
    layer: str


class Sizes:
    """How a kind of model passes shapes to its children: a layer's are its own
    (``shapes``); a combinator's are, where it says so, those of the model it wraps.

    Args:
        input_from_child: the model's input is its child's input.
        output_from_child: the model's output is its child's output.
    """

    def __init__(self, input_from_child: bool, output_from_child: bool) -> None:
        self.input_from_child = input_from_child
        self.output_from_child = output_from_child

    def preserves_size(self, children: Sequence[AnyModel]) -> bool:
        """Whether a model of this kind around ``children`` keeps its input's size."""
        return (
            self.input_from_child
            and self.output_from_child
            and all(c.preserves_size for c in children)
        )

    def shape_of(self, m: AnyModel, given: Flow) -> Flow:
        """What flows out of ``m`` for ``given`` flowing in: a layer's own rule, or its
        child's, fed ``m``'s input where it is the child's input, an unknown one where not.

        Raises:
            LayerMismatch: a layer's input does not fit it (the composition in which the
                two layers meet turns it into a ``ValueError``).
        """
        if not m.children:
            flow: Flow = m.shapes.flow(m.name, given)
            return flow
        into = given if self.input_from_child else Flow(ANY, m.name)
        out = flow_through(m.children[0], into)
        return out if self.output_from_child else Flow(ANY, m.name)


class _SequenceSizes(Sizes):
    """A model run along the first axis of its input (``unroll``, ``unroll_last``): each
    step sees the input without that axis; ``keep_time`` keeps it on the output."""

    def __init__(self, keep_time: bool) -> None:
        super().__init__(True, True)
        self.keep_time = keep_time

    def shape_of(self, m: AnyModel, given: Flow) -> Flow:
        shape = given.shape
        if not shape or shape[0] is Ellipsis:
            return flow_through(m.children[0], given)
        try:
            step = flow_through(m.children[0], Flow(shape[1:], given.source))
        except LayerMismatch as e:
            why = f"each step sees {show(shape[1:])}" + (f": {e.why}" if e.why else "")
            raise LayerMismatch(e.layer, e.expected, given, why) from None
        if not self.keep_time:
            return step
        return Flow((shape[0], *step.shape), step.source)


class _ChainSizes(Sizes):
    """A chain passes the flow from part to part, and names the two layers that meet where
    a part's input does not fit."""

    def __init__(self) -> None:
        super().__init__(True, True)

    def shape_of(self, m: AnyModel, given: Flow) -> Flow:
        flow = given
        for i, part in enumerate(m.children):
            try:
                flow = flow_through(part, flow)
            except LayerMismatch as e:
                # The first part's input comes from outside the chain: the composition
                # around it says where, so the mismatch goes up to it.
                if i == 0 and e.flow.source == given.source:
                    raise
                raise mismatch_error(m.name, e) from None
        return flow


DECLARED_SIZES = Sizes(False, False)
"""Only what the model declares: a layer's sizes."""
FROM_CHILD_SIZES = Sizes(True, True)
"""The wrapped model's sizes at both ends (``unroll``, ``zero_state``...)."""
INPUT_FROM_CHILD_SIZES = Sizes(True, False)
"""The wrapped model's input size; the output is transformed (``map_s``)."""
OUTPUT_FROM_CHILD_SIZES = Sizes(False, True)
"""The wrapped model's output size; its input is more than the model's (``lagged``)."""
CHAIN_SIZES: Sizes = _ChainSizes()
"""Sizes along a sequential composition."""
SEQUENCE_SIZES: Sizes = _SequenceSizes(keep_time=True)
"""A model run along a sequence, keeping every output (``unroll``)."""
LAST_OF_SEQUENCE_SIZES: Sizes = _SequenceSizes(keep_time=False)
"""A model run along a sequence, keeping the last output (``unroll_last``)."""


def input_end(m: AnyModel) -> SizeEnd | None:
    """The size of the last axis of the input ``m`` expects, and the layer that declares
    it (``None``: unknown), read from the shapes its layers declare."""
    declared = declared_input(m)
    last = declared.shape[-1] if declared.shape else None
    return SizeEnd(last, declared.source) if isinstance(last, int) else None


def output_end(m: AnyModel) -> SizeEnd | None:
    """The size of the last axis of ``m``'s output, and the layer that gives it (``None``:
    unknown), read from the shapes its layers declare.

    Raises:
        ValueError: two of ``m``'s layers disagree on a shape.
    """
    try:
        out = flow_through(m, Flow(ANY, INPUT))
    except LayerMismatch as e:
        raise mismatch_error(m.name, e) from None
    last = out.shape[-1] if out.shape else None
    return SizeEnd(last, out.source) if isinstance(last, int) else None


def flow_through(m: AnyModel, given: Flow) -> Flow:
    """What flows out of ``m`` for ``given`` flowing in (see ``Sizes.shape_of``)."""
    out: Flow = m.combinator.sizes.shape_of(m, given)
    return out


def declared_input(m: AnyModel) -> Flow:
    """The input shape ``m`` declares, and the layer that declares it: its first layer's
    pattern, looking through parts that keep any shape they are given; ``(...,)`` where
    none says.

    Examples:
        >>> import paralens.numpy as pnp
        >>> from paralens import nn
        >>> declared_input(nn.fn(pnp.tanh) >> nn.linear(3, 2))
        Flow(shape=(Ellipsis, 3), source='linear(3, 2)')
    """
    if not m.children:
        return Flow(m.shapes.takes, m.name)
    sizes = m.combinator.sizes
    if isinstance(sizes, _ChainSizes):
        return chain_declared_input(m.children)
    return declared_input(m.children[0]) if sizes.input_from_child else Flow(ANY, m.name)


def chain_declared_input(parts: Sequence[AnyModel]) -> Flow:
    """The input shape that ``parts`` run one after another declare (``declared_input``)."""
    for part in parts:
        found = declared_input(part)
        if found.shape != ANY or not part.preserves_size:
            return found
    return Flow(ANY, INPUT)


def shape_of(m: AnyModel, shape: Shape | None = None) -> Shape:
    """The shape of ``m``'s output for an input of ``shape`` (``None``: the input ``m``
    declares), checked through the whole composition.

    Raises:
        ValueError: a layer's input does not fit it; the message names that layer and the
            one before it, with both shapes.
    """
    given = Flow(ANY if shape is None else shape, INPUT)
    try:
        return flow_through(m, given).shape
    except LayerMismatch as e:
        raise mismatch_error(m.name, e) from None


def check_sizes(m: AnyModel) -> None:
    """Check that consecutive parts agree on shapes, throughout ``m``'s composition tree,
    from the input its first layer declares."""
    shape_of(m)


def wire_sizes(parts: Sequence[AnyModel]) -> list[int | None]:
    """The sizes of the last axis on the wires into, between and out of ``parts`` run one
    after another, from the shapes the layers declare (``wire_shapes``), looking through
    parts that keep the shape of their input; ``None`` where no layer says.

    Examples:
        >>> import paralens.numpy as pnp
        >>> from paralens import nn
        >>> wire_sizes([nn.linear(3, 4), nn.fn(pnp.tanh), nn.linear(4, 2)])
        [3, 4, 4, 2]
        >>> wire_sizes([nn.fn(pnp.tanh), nn.linear(3, 2)])
        [3, 3, 2]
        >>> wire_sizes([nn.fn(pnp.tanh), nn.fn(lambda x: x, preserves_size=False)])
        [None, None, None]
    """
    shapes = wire_shapes(parts)
    if shapes is None:  # parts that disagree: each one's own ends
        ends = [input_end(parts[0]), *(_own_output_end(part) for part in parts)]
        return [None if end is None else end.size for end in ends]
    lasts = [shape[-1] if shape else None for shape in shapes]
    return [last if isinstance(last, int) else None for last in lasts]


def _own_output_end(m: AnyModel) -> SizeEnd | None:
    try:
        return output_end(m)
    except ValueError:
        return None


def wire_shapes(parts: Sequence[AnyModel], shape: Shape | None = None) -> list[Shape] | None:
    """The shapes on the wires into, between and out of ``parts`` run one after another,
    for an input of ``shape`` (``None``: the one the first part declares); ``None`` if a
    part's input does not fit.

    Examples:
        >>> from paralens import nn
        >>> wire_shapes([nn.reshape((4, 4, 1)), nn.max_pool(2), nn.flatten()], ("batch", 16))
        [('batch', 16), ('batch', 4, 4, 1), ('batch', 2, 2, 1), ('batch', 4)]
    """
    flow = Flow(ANY if shape is None else shape, INPUT)
    if shape is None:
        flow = Flow(chain_declared_input(parts).shape, INPUT)
    shapes = [flow.shape]
    try:
        for part in parts:
            flow = flow_through(part, flow)
            shapes.append(flow.shape)
    except (LayerMismatch, ValueError):
        return None
    return shapes


# ---- the combinator ------------------------------------------------------------------------


@dataclass(frozen=True)
class Combinator:
    """The metadata of one kind of model, filled in by the function that makes that kind.

    Attributes:
        kind: the model's ``kind`` (``"layer"``, ``"then"``, ``"unroll"``...).
        params: how its parameters are made of its children's.
        state: how its state relates to its children's.
        sizes: where its input and output sizes come from.

    Examples:
        >>> Combinator("layer", OWN_PARAMS).sizes is DECLARED_SIZES
        True
    """

    kind: str
    params: ParamsRule
    state: State = State.NONE
    sizes: Sizes = DECLARED_SIZES
