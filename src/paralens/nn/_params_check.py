"""Checking parameters against a model's structure: fast once compiled, clear when wrong.

Two walks over the same ``ParamsRule``s (``nn._structure``). ``compile_params_check``
builds, once per model, a fast test of whether parameters fit: the structure and shapes
of the parameters its own parts' ``make`` gives, kept, and its children's tests, composed.
``apply`` runs it on parameters it has not seen. ``mismatch`` finds the first place where
parameters do not fit and says so, with the path, the layer and both shapes; it runs for
``check_params``, and for ``apply`` when the fast test fails. Both read only the
structure and shapes of traced values, never their numbers.

Examples:
    >>> import numpy as np
    >>> from paralens import nn
    >>> net = nn.mlp([4, 8, 3])
    >>> p = net.init(0)
    >>> net._checks().fits(p), net._checks().fits(p[:1])
    (1, 0)
    >>> print(mismatch(net, (p[0], nn.Linear(p[1].w, np.zeros((3, 1)))), "params"))
    params[1].b: layer 'linear(8, 3)' expects shape (3,), got (3, 1)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from paralens import tree
from paralens._core import Var, is_var, plain_value
from paralens.nn._structure import ParamPart

__all__ = [
    "FITS_FOR_GOOD",
    "FITS_NOW",
    "NO_FIT",
    "ParamsCheck",
    "compile_params_check",
    "describe",
    "mismatch",
]

# A model here is anything with the fields of ``nn.Model`` and its cached ``_checks()``.
AnyModel = Any

NO_FIT, FITS_FOR_GOOD, FITS_NOW = 0, 1, 2
"""What the fast test returns: no fit; a fit of plain values in immutable containers, which
cannot stop fitting, so ``apply`` may remember it by identity; a fit of traced values or of
mutable containers, to test again next time."""

Fit = Callable[[Any], int]


def describe(p: Any) -> str:
    """A few words for a value in an error message: ``a tuple of 2``, ``a Linear``."""
    name = type(p).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    if isinstance(p, tuple | list):
        return f"{article} {name} of {len(p)}"
    return f"{article} {name}"


class _Spec:
    """What a model's own parameters must look like, compiled from the ones ``init`` makes."""

    def fits(self, p: Any) -> int:
        raise NotImplementedError

    def explain(self, p: Any, path: str, owner: str) -> str | None:
        raise NotImplementedError


class _NoneSpec(_Spec):
    def fits(self, p: Any) -> int:
        return FITS_FOR_GOOD if p is None else NO_FIT

    def explain(self, p: Any, path: str, owner: str) -> str | None:
        if p is None:
            return None
        return f"{path}: {owner} has no parameters, so it expects None, got {describe(p)}"


class _LeafSpec(_Spec):
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def fits(self, p: Any) -> int:
        return _leaf_fits(p, self.shape)

    def explain(self, p: Any, path: str, owner: str) -> str | None:
        plain = plain_value(p)
        if not tree.is_leaf(plain):
            return f"{path}: {owner} expects the structure *, got {tree.tree_structure(plain)!r}"
        if np.shape(plain) != self.shape:
            return f"{path}: {owner} expects shape {self.shape}, got {np.shape(plain)}"
        return None


def _leaf_fits(p: Any, shape: tuple[int, ...]) -> int:
    """Whether ``p`` is a leaf of ``shape``: an array first, as parameters mostly are."""
    kind = type(p)
    if kind is np.ndarray:
        return FITS_FOR_GOOD if p.shape == shape else NO_FIT
    if kind is Var:
        plain = plain_value(p)
        if type(plain) is np.ndarray:
            return FITS_NOW if plain.shape == shape else NO_FIT
        return FITS_NOW if tree.is_leaf(plain) and np.shape(plain) == shape else NO_FIT
    if is_var(p):
        return NO_FIT  # a traced container; ``mismatch`` reads its structure instead
    return FITS_FOR_GOOD if tree.is_leaf(p) and np.shape(p) == shape else NO_FIT


class _DataclassSpec(_Spec):
    def __init__(self, cls: type, fields: tuple[tuple[str, _Spec], ...]) -> None:
        self.cls, self.fields = cls, fields
        frozen = cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
        self.best = FITS_FOR_GOOD if frozen else FITS_NOW
        # Most layers' parameters are a dataclass of arrays (Linear(w, b)): their fields
        # are tested here in one loop rather than one spec call each.
        self.leaf_shapes = tuple(
            (name, spec.shape) for name, spec in fields if isinstance(spec, _LeafSpec)
        )
        self.inner = tuple(
            (name, spec.fits) for name, spec in fields if not isinstance(spec, _LeafSpec)
        )

    def fits(self, p: Any) -> int:
        if type(p) is not self.cls:
            return NO_FIT
        result = self.best
        for name, shape in self.leaf_shapes:
            leaf = getattr(p, name)
            if type(leaf) is np.ndarray:  # the common case, without a call
                if leaf.shape != shape:
                    return NO_FIT
                continue
            found = _leaf_fits(leaf, shape)
            if found == NO_FIT:
                return NO_FIT
            if found > result:
                result = found
        for name, test in self.inner:
            found = test(getattr(p, name))
            if found == NO_FIT:
                return NO_FIT
            if found > result:
                result = found
        return result

    def explain(self, p: Any, path: str, owner: str) -> str | None:
        plain = plain_value(p)
        if type(plain) is not self.cls:
            return f"{path}: {owner} expects {self.cls.__name__}, got {describe(plain)}"
        for name, spec in self.fields:
            problem = spec.explain(getattr(plain, name), f"{path}.{name}", owner)
            if problem is not None:
                return problem
        return None

    def wrong_type(self, p: Any, path: str, layer: str) -> str | None:
        """The message ``apply`` gives when ``p`` is not of the layer's parameter type."""
        plain = plain_value(p)
        if type(plain) is self.cls:
            return None
        fields = ", ".join(name for name, _ in self.fields)
        return (
            f"{path}: {layer} expects parameters of type {self.cls.__name__}({fields}), got "
            f"{type(plain).__name__}; use the parameters made by its init (or the matching "
            f"part of a composite's)"
        )


class _TreeSpec(_Spec):
    """Any other structure: compared as a whole ``TreeDef`` and the shapes of its leaves."""

    def __init__(self, template: Any) -> None:
        leaves, self.treedef = tree.tree_flatten(template)
        self.shapes = [np.shape(leaf) for leaf in leaves]

    def fits(self, p: Any) -> int:
        return FITS_NOW if self.explain(p, "", "") is None else NO_FIT

    def explain(self, p: Any, path: str, owner: str) -> str | None:
        plain = plain_value(p)
        found = tree.tree_structure(plain)
        if found != self.treedef:
            return f"{path}: {owner} expects the structure {self.treedef!r}, got {found!r}"
        leaves = tree.tree_leaves(plain)
        for i, (leaf, expected) in enumerate(zip(leaves, self.shapes, strict=True)):
            if np.shape(leaf) != expected:
                where = path if len(leaves) == 1 else f"{path} (leaf {i})"
                return f"{where}: {owner} expects shape {expected}, got {np.shape(leaf)}"
        return None


def _spec_of(template: Any) -> _Spec:
    if template is None:
        return _NoneSpec()
    if dataclasses.is_dataclass(template) and not isinstance(template, type):
        fields = tuple(
            (f.name, _spec_of(getattr(template, f.name))) for f in dataclasses.fields(template)
        )
        return _DataclassSpec(type(template), fields)
    if tree.is_leaf(template):
        return _LeafSpec(np.shape(template))
    return _TreeSpec(template)


class ParamsCheck(NamedTuple):
    """A model's compiled parameter check: the fast test, and the spec of each own part."""

    fits: Fit
    specs: tuple[_Spec | None, ...]


def compile_params_check(m: AnyModel) -> ParamsCheck:
    """Build ``m``'s parameter check from its rule, its children's checks and, for its own
    parts, the parameters their ``make`` gives (made once, here; only their structure and
    shapes are kept)."""
    rule = m.combinator.params
    parts = rule.parts(m)
    specs = tuple(None if part.child is not None else _spec_of(_template(part)) for part in parts)
    tests = [
        part.child._checks().fits if spec is None else spec.fits
        for part, spec in zip(parts, specs, strict=True)
    ]
    if rule.container(m) is None:
        return ParamsCheck(tests[0], specs)
    return ParamsCheck(_tuple_fit(tests), specs)


def _template(part: ParamPart) -> Any:
    assert part.make is not None
    return part.make(np.random.default_rng(0))


def _tuple_fit(tests: list[Fit]) -> Fit:
    n = len(tests)

    def fits(p: Any) -> int:
        if type(p) is not tuple or len(p) != n:
            return NO_FIT
        result = FITS_FOR_GOOD
        for test, q in zip(tests, p, strict=True):
            found = test(q)
            if found == NO_FIT:
                return NO_FIT
            if found > result:
                result = found
        return result

    return fits


def mismatch(
    m: AnyModel,
    p: Any,
    path: str,
    at_apply: bool = False,
) -> str | None:
    """The first place where ``p`` does not fit ``m``'s parameters, said in words, or
    ``None`` if it fits. ``at_apply`` words a layer given parameters of the wrong type as
    ``apply`` does, naming the type the layer takes."""
    rule = m.combinator.params
    parts = rule.parts(m)
    container = rule.container(m)
    plain = plain_value(p)
    if container is not None and (not isinstance(plain, tuple) or len(plain) != len(parts)):
        return f"{path}: {m.name!r} expects {container}, got {describe(plain)}"
    for part, spec in zip(parts, m._checks().specs, strict=True):
        value = p if part.index is None else plain[part.index]
        where = path if part.index is None else f"{path}[{part.index}]"
        if spec is None:
            problem = mismatch(part.child, value, where, at_apply)
        elif at_apply and isinstance(spec, _DataclassSpec) and part.index is None:
            problem = spec.wrong_type(value, where, m.name) or spec.explain(
                value, where, part.owner
            )
        else:
            problem = spec.explain(value, where, part.owner)
        if problem is not None:
            return problem
    return None
