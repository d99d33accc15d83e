"""Shared command line of the examples: ``python examples/NAME.py [--fast] [--out DIR]``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cli(main: Callable[..., Any], doc: str, fast: str) -> None:
    """Parse ``--fast`` (described by ``fast``) and ``--out``, then call
    ``main(fast=..., out=...)``; the first line of ``doc`` describes the script."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help=fast)
    parser.add_argument("--out", type=Path, default=Path("."), help="where to write the PNG")
    args = parser.parse_args()
    main(fast=args.fast, out=args.out)
