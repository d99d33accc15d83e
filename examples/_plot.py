"""Shared plotting for the examples: matplotlib without a display, figures saved as PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the file-only Agg backend, or a clear error when missing."""
    try:
        import matplotlib
    except ImportError:
        raise SystemExit(
            "the examples draw their pictures with matplotlib: pip install 'paralens[plot]' "
            "(or run them without --out)"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig: Any, path: Path) -> None:
    """Write ``fig`` to ``path`` (creating its folder) and close it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    pyplot().close(fig)
    print(f"wrote {path}")


def diagram(thing: Any, path: Path) -> None:
    """Write the string diagram of a model or learner (``paralens.viz``) to ``path``."""
    from paralens import viz

    path.parent.mkdir(parents=True, exist_ok=True)
    viz.save(thing, path)
    print(f"wrote {path}")
