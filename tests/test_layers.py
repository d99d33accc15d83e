"""The layers of DESIGN.md import only downward, at module top level, with no cycle.

Every import statement of ``src/paralens`` (those inside functions too) is read with
``ast`` and its module mapped to its layer. A module may import its own layer and the
layers below; packages of one layer (``optics`` and ``cat``) may import each other only
without a cycle; an import inside a function body is an error whatever its direction,
since its only use is to dodge a cycle. The checker is tested on planted sources, so the
test is known to fail on what it forbids.
"""

from __future__ import annotations

import ast
import pathlib
from dataclasses import dataclass

import paralens

SRC = pathlib.Path(paralens.__file__).parent

# DESIGN.md, "Layers, bottom up"; _version sits with the lowest layer.
LAYERS = {
    "paralens._version": 0,
    "paralens._random": 0,
    "paralens.data": 0,
    "paralens._core": 1,
    "paralens.tree": 2,
    "paralens._ad": 3,
    "paralens.extend": 3,
    "paralens.testing": 3,
    "paralens.numpy": 4,
    "paralens.scipy": 4,
    "paralens.jit": 5,
    "paralens.optics": 6,
    "paralens.cat": 6,
    "paralens.optim": 7,
    "paralens.nn": 8,
    "paralens.parallel": 9,
    "paralens.learn": 10,
    "paralens.viz": 11,
    "paralens._cli": 12,
    "paralens": 13,  # the package itself and paralens.__main__: above everything
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module
    line: int
    in_function: bool
    type_checking: bool  # under ``if TYPE_CHECKING:``, never run


def layer_of(module: str) -> tuple[str, int]:
    """The layer table's entry for ``module``: the longest prefix that names it."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in LAYERS:
            return prefix, LAYERS[prefix]
    raise KeyError(f"{module} is in no layer of DESIGN.md; add it to LAYERS")


def module_name(path: pathlib.Path, root: pathlib.Path) -> str:
    parts = ["paralens", *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(module: str, source: str, is_module: set[str], is_package: bool) -> list[Import]:
    """The imports of paralens modules in ``source``, the text of ``module``."""
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool, type_checking: bool) -> None:
        for child in ast.iter_child_nodes(node):
            function = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            checking = type_checking or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            )
            for target in _targets(child, module, is_module, is_package):
                found.append(Import(module, target, child.lineno, function, checking))
            visit(child, function, checking)

    visit(ast.parse(source), False, False)
    return found


def _targets(node: ast.AST, module: str, is_module: set[str], is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "paralens"]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        package = module.split(".")
        keep = len(package) - node.level + (1 if is_package else 0)
        base = ".".join([*package[:keep], *([base] if base else [])])
    if base.split(".")[0] != "paralens":
        return []
    # ``from paralens import tree`` imports the module paralens.tree.
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in is_module else base for a in node.names]


def violations(sources: dict[str, tuple[str, bool]]) -> list[str]:
    """Every breach of the layering in ``sources`` (module: (text, is a package)).

    Returns one line per breach, naming the module, the line and the layers.
    """
    is_module = set(sources)
    imports = [
        imp
        for module, (text, package) in sorted(sources.items())
        for imp in imports_of(module, text, is_module, package)
    ]
    found = []
    for imp in imports:
        (source_entry, source_layer), (target_entry, target_layer) = (
            layer_of(imp.module),
            layer_of(imp.target),
        )
        where = f"{imp.module} line {imp.line}"
        if target_layer > source_layer:
            found.append(
                f"{where}: layer {source_layer} ({source_entry}) imports {imp.target} of the "
                f"higher layer {target_layer} ({target_entry})"
            )
        elif imp.in_function:
            found.append(
                f"{where}: imports {imp.target} inside a function; import it at the top of "
                f"the module (layer {source_layer} may import layer {target_layer})"
            )
    found += _cycles(imports)
    return found


def _cycles(imports: list[Import]) -> list[str]:
    """Cycles among the packages of one layer (``optics`` -> ``cat`` -> ``optics``)."""
    edges: dict[str, set[str]] = {}
    for imp in imports:
        if imp.type_checking or imp.in_function:
            continue
        (a, layer_a), (b, layer_b) = layer_of(imp.module), layer_of(imp.target)
        if a != b and layer_a == layer_b:
            edges.setdefault(a, set()).add(b)
    found = []
    for start in sorted(edges):
        path = _path_back(edges, start)
        if path is not None:
            found.append(f"a cycle among the packages of one layer: {' -> '.join(path)}")
    return found


def _path_back(edges: dict[str, set[str]], start: str) -> list[str] | None:
    """A path of edges from ``start`` back to itself, if there is one."""
    stack = [(start, [start])]
    seen = set()
    while stack:
        node, path = stack.pop()
        for nxt in sorted(edges.get(node, ())):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def package_sources() -> dict[str, tuple[str, bool]]:
    return {
        module_name(path, SRC): (path.read_text(), path.name == "__init__.py")
        for path in sorted(SRC.rglob("*.py"))
    }


def test_every_import_of_the_package_goes_downward():
    found = violations(package_sources())
    assert not found, "\n".join(found)


def test_every_module_of_the_package_has_a_layer():
    for module in package_sources():
        layer_of(module)


def test_the_checker_catches_an_upward_import():
    sources = {
        "paralens._core._bad": ("import paralens.numpy\n", False),
        "paralens.numpy": ("", True),
        "paralens._core": ("", True),
    }
    assert violations(sources) == [
        "paralens._core._bad line 1: layer 1 (paralens._core) imports paralens.numpy of the "
        "higher layer 4 (paralens.numpy)"
    ]


def test_the_checker_catches_an_upward_import_in_a_function_and_from_a_package():
    text = "from . import _fast\n\ndef f():\n    from paralens.nn import Model\n"
    sources = {"paralens.numpy": (text, True), "paralens.numpy._fast": ("", False)}
    found = violations(sources)
    assert len(found) == 1 and "paralens.numpy line 4" in found[0], found
    assert "layer 4 (paralens.numpy) imports paralens.nn of the higher layer 8" in found[0]


def test_the_checker_refuses_imports_hidden_in_functions():
    text = "def f():\n    from paralens import tree\n    return tree\n"
    sources = {"paralens.optics": (text, False), "paralens.tree": ("", False)}
    (found,) = violations(sources)
    assert found.startswith("paralens.optics line 2: imports paralens.tree inside a function")


def test_the_checker_allows_one_layer_without_a_cycle_and_catches_a_cycle():
    sources = {
        "paralens.optics": ("from paralens.cat import Arrow\n", False),
        "paralens.cat": ("", True),
    }
    assert violations(sources) == []
    sources["paralens.cat"] = ("from paralens.optics import lens\n", True)
    found = violations(sources)
    assert "a cycle among the packages of one layer: paralens.cat -> paralens.optics" in found[0]


def test_the_transforms_import_no_array_library():
    # The leaf registry tells them which types are arrays (ARRAY_TYPES, filled by tree).
    for module, (text, _) in package_sources().items():
        if not module.startswith("paralens._ad"):
            continue
        for node in ast.walk(ast.parse(text)):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] != "numpy", (module, name)
                assert not name.startswith("paralens.numpy"), (module, name)
