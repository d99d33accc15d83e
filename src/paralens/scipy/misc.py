"""``scipy.misc``'s old ``logsumexp``, kept as autograd keeps it: a deprecated alias.

SciPy moved ``logsumexp`` to ``scipy.special`` (and has since removed ``scipy.misc``);
use ``paralens.scipy.special.logsumexp``.
"""

from __future__ import annotations

import warnings
from typing import Any

from paralens.scipy import special

__all__ = ["logsumexp"]


def logsumexp(
    a: Any, axis: Any = None, b: Any = None, keepdims: bool = False, return_sign: bool = False
) -> Any:
    """``paralens.scipy.special.logsumexp``, with a ``DeprecationWarning``.

    Examples:
        >>> import numpy as np
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     print(round(float(logsumexp(np.zeros(2))), 6))
        0.693147
        >>> caught[0].category.__name__
        'DeprecationWarning'
    """
    warnings.warn(
        "paralens.scipy.misc.logsumexp is deprecated, as scipy.misc.logsumexp was; use "
        "paralens.scipy.special.logsumexp",
        DeprecationWarning,
        stacklevel=2,
    )
    return special.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign)
