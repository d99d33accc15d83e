"""A continuous SciPy distribution, differentiable, from the derivatives of its log density.

SciPy's distributions are location-scale families: with ``z = (x - loc) / scale``, the
density is ``f(z; shapes) / scale`` and the distribution function ``F(z; shapes)``. A
``LocationScale`` is given ``d log f / dz`` and ``d log f / d shape`` and derives every
other derivative from them:

- ``logpdf``: ``d/dx = (d log f/dz) / scale``, ``d/dloc = -d/dx``,
  ``d/dscale = -(z d log f/dz + 1) / scale``; ``pdf``: the same times the density.
- ``cdf``, ``sf`` and their logarithms: ``d/dx = ± pdf``, ``d/dloc = ∓ pdf``,
  ``d/dscale = ∓ z pdf`` (over the function for the logarithms).
- ``ppf`` and ``isf``: ``d/dq = ± 1 / pdf(answer)``, ``d/dloc = 1``,
  ``d/dscale = (answer - loc) / scale``.

SciPy has no derivative of a distribution function in its shape parameters, so those of
``cdf``, ``sf``, ``logcdf``, ``logsf``, ``ppf`` and ``isf`` raise when a traced value
reaches them. Outside the support a density is constant (0, its logarithm ``-inf``): the
derivatives of ``pdf`` are 0 there, those of ``logpdf`` nan, and both are nan on the
boundary, where the density has no derivative. Outside the interior the formulas are
evaluated at a point inside it instead, and the masks are products with constants, so
this holds for every order of derivative.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import paralens.numpy as pnp
from paralens.scipy._elementwise import (
    NoDerivative,
    Partial,
    elementwise_primitive,
    inside,
    nan_outside,
    not_implemented,
    plain,
)

__all__ = ["LocationScale"]

Mask = Callable[..., Any]


class LocationScale:
    """The differentiable ``pdf``, ``logpdf``, ``cdf``, ... of a SciPy distribution.

    Args:
        dist: the SciPy distribution (``scipy.stats.t``).
        shapes: the names of its shape parameters, in SciPy's order (``("df",)``).
        dlogpdf_dz: ``(z, *shapes) -> d log f / dz``.
        dlogpdf_dshapes: one ``(z, *shapes) -> d log f / d shape`` per shape parameter.
        interior: ``(z, *shapes) -> mask`` of the interior of the support (None: all of
            the real line); ``exterior`` likewise for the outside, the rest being boundary.
        safe: a point inside the support, where the formulas are evaluated elsewhere.

    Each attribute ``pdf``, ``logpdf``, ``cdf``, ``logcdf``, ``sf``, ``logsf``, ``ppf``
    and ``isf`` is a primitive of ``(x, *shapes, loc, scale)``, all positional.
    """

    def __init__(
        self,
        dist: Any,
        shapes: tuple[str, ...],
        dlogpdf_dz: Partial,
        dlogpdf_dshapes: tuple[Partial | NoDerivative, ...],
        interior: Mask | None = None,
        exterior: Mask | None = None,
        safe: float = 0.0,
    ) -> None:
        self.dist = dist
        self.name = str(dist.name)
        self.shapes = shapes
        self.dlogpdf_dz = dlogpdf_dz
        self.dlogpdf_dshapes = dlogpdf_dshapes
        self.interior = interior
        self.exterior = exterior
        self.safe = safe
        why = f"SciPy has no derivative of the {self.name} distribution function in it"
        no_shapes = tuple(not_implemented(s, why) for s in shapes)
        self.logpdf = self._primitive("logpdf", self._density_partials(log=True))
        self.pdf = self._primitive("pdf", self._density_partials(log=False))
        self.cdf = self._primitive("cdf", self._tail_partials(+1.0, no_shapes, log=False))
        self.sf = self._primitive("sf", self._tail_partials(-1.0, no_shapes, log=False))
        self.logcdf = self._primitive("logcdf", self._tail_partials(+1.0, no_shapes, log=True))
        self.logsf = self._primitive("logsf", self._tail_partials(-1.0, no_shapes, log=True))
        self.ppf = self._primitive("ppf", self._quantile_partials(+1.0, no_shapes))
        self.isf = self._primitive("isf", self._quantile_partials(-1.0, no_shapes))

    def _primitive(
        self, method: str, partials: tuple[Partial | NoDerivative, ...]
    ) -> Callable[..., Any]:
        forward = getattr(self.dist, method)

        def value(*args: Any) -> Any:
            return forward(*args)

        return elementwise_primitive(value, f"{self.name}.{method}", partials)

    # The pieces every partial is made of.

    def _split(self, args: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...], Any, Any]:
        return args[0], tuple(args[1:-2]), args[-2], args[-1]

    def _regions(self, args: tuple[Any, ...]) -> tuple[Any, Any]:
        """Plain masks of the interior and the exterior of the support at ``args``."""
        if self.interior is None or self.exterior is None:
            return None, None
        x, shapes, loc, scale = self._split(tuple(plain(a) for a in args))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (np.asarray(x) - loc) / scale
        return self.interior(z, *shapes), self.exterior(z, *shapes)

    def _z(self, args: tuple[Any, ...], interior: Any) -> Any:
        x, _, loc, scale = self._split(args)
        z = (x - loc) / scale
        return z if interior is None else inside(z, interior, self.safe)

    # logpdf and pdf.

    def _density_partials(self, log: bool) -> tuple[Partial | NoDerivative, ...]:
        def make(of: Callable[[Any, tuple[Any, ...], Any], Any]) -> Partial:
            def partial(ans: Any, *args: Any) -> Any:
                interior, exterior = self._regions(args)
                z = self._z(args, interior)
                _, shapes, _, scale = self._split(args)
                d = of(z, shapes, scale)
                if not log:
                    d = ans * d
                if interior is None:
                    return d
                # Outside the support the density is 0 and so are its derivatives; the
                # log density's are nan, as are both on the boundary.
                valid = interior | (exterior & (not log))
                return nan_outside(d * np.asarray(interior, dtype=float), valid)

            return partial

        def dz(z: Any, shapes: tuple[Any, ...], scale: Any) -> Any:
            return self.dlogpdf_dz(z, *shapes) / scale

        def shape_partial(d: Partial | NoDerivative) -> Partial | NoDerivative:
            if isinstance(d, NoDerivative):
                return d
            return make(lambda z, shapes, scale: d(z, *shapes))

        return (
            make(dz),
            *(shape_partial(d) for d in self.dlogpdf_dshapes),
            make(lambda z, shapes, scale: -dz(z, shapes, scale)),
            make(lambda z, shapes, scale: -(z * self.dlogpdf_dz(z, *shapes) + 1.0) / scale),
        )

    # cdf, sf, logcdf, logsf: sign +1 for the distribution function, -1 for its complement.

    def _tail_partials(
        self, sign: float, no_shapes: tuple[NoDerivative, ...], log: bool
    ) -> tuple[Partial | NoDerivative, ...]:
        def density(ans: Any, args: tuple[Any, ...]) -> Any:
            if log:
                return pnp.exp(self.logpdf(*args) - ans)
            return self.pdf(*args)

        def z(args: tuple[Any, ...]) -> Any:
            x, _, loc, scale = self._split(args)
            return (x - loc) / scale

        return (
            lambda ans, *args: sign * density(ans, args),
            *no_shapes,
            lambda ans, *args: -sign * density(ans, args),
            lambda ans, *args: -sign * density(ans, args) * z(args),
        )

    # ppf and isf: sign +1 for the quantile function, -1 for the inverse survival function.

    def _quantile_partials(
        self, sign: float, no_shapes: tuple[NoDerivative, ...]
    ) -> tuple[Partial | NoDerivative, ...]:
        def density_at_answer(ans: Any, args: tuple[Any, ...]) -> Any:
            _, shapes, loc, scale = self._split(args)
            return self.pdf(ans, *shapes, loc, scale)

        def dscale(ans: Any, *args: Any) -> Any:
            _, _, loc, scale = self._split(args)
            return (ans - loc) / scale

        return (
            lambda ans, *args: sign / density_at_answer(ans, args),
            *no_shapes,
            lambda ans, *args: 1.0,
            dscale,
        )
