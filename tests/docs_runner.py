"""Run the code of a documentation page: its ```python blocks, in order, in one namespace.

Blocks fenced with any other language (```text, ```bash) are shown, not run. A page's
blocks share one namespace, so a later block can use what an earlier one defined, as a
reader following the page would. An exception names the page, the block and its line.
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """The ```python blocks of a markdown page, each with the line its code starts on."""
    text = path.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in FENCE.finditer(text)]


def unmentioned(path: Path, names: Iterable[str]) -> list[str]:
    """The ``names`` that appear in none of the page's ```python blocks, in order (``[]``
    when the page's code shows every one)."""
    code = "\n".join(block for _, block in python_blocks(path))
    return [name for name in names if name not in code]


def run_markdown(path: str | Path) -> dict[str, Any]:
    """Execute the page's ```python blocks in order in one namespace and return it.

    Raises:
        ValueError: the page has no ```python block.
        Exception: whatever a block raises, with the page and line in its traceback.
    """
    page = Path(path)
    blocks = python_blocks(page)
    if not blocks:
        raise ValueError(f"{page} has no ```python code blocks to run")
    # The blocks run as the body of a module of their own, registered while they run, so
    # that what inspects a class's module (dataclasses, pickle) finds it.
    module = types.ModuleType(f"docs_{page.stem.replace('-', '_')}")
    sys.modules[module.__name__] = module
    try:
        for line, code in blocks:
            # Blank lines in front keep the traceback's line numbers those of the page.
            compiled = compile("\n" * (line - 1) + code, str(page), "exec")
            exec(compiled, module.__dict__)
    finally:
        del sys.modules[module.__name__]
    return module.__dict__
