"""Dependencies point one way: each layer of ``sokrat/`` imports only the layers below it.

The test walks the AST of every module (imports inside functions and under TYPE_CHECKING
count too: a lazy import is still a dependency) and fails on an upward or sideways edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sokrat

ROOT = Path(sokrat.__file__).parent

# Lowest first. A package may import its own layer's foundation modules (layer 0) and any
# package in a strictly lower layer; packages in the same layer are independent.
LAYERS: list[set[str]] = [
    {"types", "errors", "settings", "text", "_async", "_cache", "_redact", "_hub"},  # vocabulary and plumbing
    {"weights"},  # where model files come from
    {"llm"},  # chat backends and the shared llama.cpp servers (chat and embedding)
    {"memory"},  # storage (its embedder may use the shared llama.cpp embedding server)
    {"perception", "search"},  # media -> language log; documents -> chunks
    {"video"},  # video Q&A service over perception + memory + llm
    {"tools"},  # what the planner can call
    {"agents"},  # the planner
    {"server"},  # the REST API and its workers
    {"mcp"},  # the tools served over MCP (shares the server's key ring)
    {"cli", "__init__", "__main__"},  # the command line and the public Python API
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _edges(root: Path = ROOT) -> list[tuple[str, str, str]]:
    """``(importing package, imported package, file:line)`` for every cross-package import."""
    edges = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root.parent).with_suffix("")
        src = _package(".".join(rel.parts))
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "sokrat":
                targets = [f"sokrat.{a.name}" for a in node.names]  # from sokrat import errors
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                if target == "sokrat" or target.startswith("sokrat."):
                    dst = _package(target)
                    if dst != src:
                        edges.append((src, dst, f"{path.relative_to(root.parent)}:{node.lineno}"))
    return edges


def test_every_package_has_a_layer() -> None:
    packages = {p.stem if p.is_file() else p.name for p in ROOT.iterdir()
                if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))}
    assert packages - LAYER_OF.keys() == set(), "add new packages to LAYERS"


@pytest.mark.parametrize("layer", range(len(LAYERS)))
def test_imports_point_down(layer: int) -> None:
    wrong = [
        f"{where}: {src} (layer {LAYER_OF[src]}) imports {dst} (layer {LAYER_OF.get(dst, '?')})"
        for src, dst, where in _edges()
        if LAYER_OF.get(src) == layer and not (LAYER_OF.get(dst, 99) < layer or LAYER_OF.get(dst) == 0)
    ]
    assert wrong == []


def test_the_walker_finds_upward_imports(tmp_path: Path) -> None:
    """The check itself can fail: lazy, TYPE_CHECKING and ``from sokrat import x`` forms are seen."""
    pkg = tmp_path / "sokrat"
    (pkg / "memory").mkdir(parents=True)
    (pkg / "memory" / "store.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from sokrat.agents.graph import RunDeps\n"
        "def f():\n    from sokrat import server\n    import sokrat.tools.registry\n"
    )
    found = {(src, dst) for src, dst, _ in _edges(pkg)}
    assert found == {("memory", "agents"), ("memory", "server"), ("memory", "tools")}
