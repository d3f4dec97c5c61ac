"""Perception is a lower layer: it builds the log and imports no service, model or agent code."""

from __future__ import annotations

import ast
from pathlib import Path

import sokrat.perception

FORBIDDEN = ("sokrat.llm", "sokrat.types", "sokrat.video", "sokrat.agents", "sokrat.tools", "sokrat.server",
             "sokrat.cli")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_perception_imports_no_upper_layer() -> None:
    root = Path(sokrat.perception.__file__).parent
    bad = {f"{p.relative_to(root)}: {name}" for p in root.rglob("*.py") for name in _imports(p)
           if name.startswith(FORBIDDEN)}
    assert not bad, sorted(bad)


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from sokrat.llm import get_chat_model\n")
    assert "sokrat.llm" in _imports(module)
